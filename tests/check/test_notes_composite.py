"""The chain rule stated for abstract functions f and g (``meaning/composite.py``): blog
posts open with ``\\frac{df(g(x))}{dx} = \\frac{df(g(x))}{dg(x)} \\frac{dg(x)}{dx}`` or
``\\{f(g(x))\\}' = f'(g(x)) g'(x)`` before the network; such a rule is judged for smooth f and
g drawn by the checker. The notes here are our own."""

from __future__ import annotations

import pytest

from derive.check.notes.walk import check_text

from .test_notes import verdict_by_line

INTRO = r"""# The chain rule

For a composite function $y = f(g(x))$, with $y = f(u)$ and $u = g(x)$:

$$
\begin{align}
\tag{1}
\frac{df(g(x))}{dx} = \frac{df(g(x))}{dg(x)} \cdot \frac{dg(x)}{dx}
\end{align}
$$

$$
\begin{align}
\tag{2}
\{ f(g(x)) \}' = f'(g(x)) \cdot g'(x)
\end{align}
$$

In the other notation, $(f \circ g)'(x) = f'(g(x))\, g'(x)$, and also
$\frac{d}{dx} f(g(x)) = g'(x) f'(g(x))$.
"""


def _line(text: str, marker: str) -> int:
    return next(n for n, ln in enumerate(text.splitlines(), 1) if marker in ln)


def test_chain_rules_of_abstract_functions_are_correct():
    v = verdict_by_line(INTRO)
    for marker in (r"\frac{df(g(x))}{dx}", r"\{ f(g(x)) \}'", r"(f \circ g)'(x)", r"\frac{d}{dx}"):
        assert v.get(_line(INTRO, marker)) == "correct", marker


@pytest.mark.parametrize(
    "right, slip",
    [
        (r"f'(g(x)) \cdot g'(x)", r"f'(g(x)) \cdot f(g'(x))"),  # f of g' for g'
        (r"\frac{df(g(x))}{dg(x)} \cdot \frac{dg(x)}{dx}", r"\frac{df(g(x))}{dg(x)}"),
        (r"(f \circ g)'(x) = f'(g(x))\, g'(x)", r"(f \circ g)'(x) = f'(x)\, g'(x)"),
    ],
)
def test_a_wrong_chain_rule_is_caught_and_named(right, slip):
    wrong = INTRO.replace(right, slip, 1)
    line = _line(wrong, slip)
    results, _ = check_text(wrong)
    mine = [r for r in results if r.line == line]
    assert any(r.verdict == "wrong" and "f'(g(x)) g'(x)" in r.message for r in mine), mine
    assert verdict_by_line(wrong).get(_line(wrong, r"\frac{d}{dx}")) == "correct"


def test_one_function_of_the_note_is_not_read_as_any_function():
    # f named as the sigmoid in prose: f'(x) = f(x)(1 - f(x)) is about that f, not every f;
    # and a note that defines f (f(z) = ...) is not judged on drawn functions
    text = (
        "Let $f$ be the sigmoid, so $f'(x) = f(x)(1 - f(x))$.\n\n"
        "$$f(z) = \\frac{1}{1 + e^{-z}}$$\n\n"
        "$$\\frac{d}{dx} f(g(x)) = f(g(x))(1 - f(g(x))) g'(x)$$\n"
    )
    v = verdict_by_line(text)
    assert v.get(1) != "wrong"
    assert v.get(5) != "wrong"
