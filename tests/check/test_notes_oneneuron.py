"""One sigmoid neuron derived with scalars (``network.net_from_notes``, ``costwords.py``):
``a = xw + b``, ``y = \\sigma(a)``, ``Error = \\frac12 (y - t)^2``, then the chain rule unit by
unit. Here y is the neuron's output (the cost compares it with a target t the note never
defines), the cost may be written as the word ``Error``, and a chain rule stated first for
abstract functions (``y = f(u)``, ``u = g(x)``) is no forward equation. The notes are our own."""

from __future__ import annotations

import pytest

from derive.check.notes.walk import check_text

from .test_notes import verdict_by_line

NOTE = r"""# One neuron

The chain rule: if $y = f(u)$ and $u = g(x)$ then $\frac{dy}{dx} = \frac{dy}{du} \frac{du}{dx}$.

The neuron:

$a = xw + b$

$y = \sigma (a)$

$Error = \frac{1}{2} (y - t)^2$

where $t$ is the target.

$\frac{\partial Error}{\partial w} = \frac{\partial Error}{\partial y} \cdot
\frac{\partial y}{\partial a} \cdot \frac{\partial a}{\partial w}$

$\frac{\partial Error}{\partial y} = y - t$

$\frac{\partial y}{\partial a} = \sigma'(a)$

$\frac{\partial a}{\partial w} = x$

$\frac{\partial Error}{\partial w} = (y-t)\sigma'(a)x$

$\frac{\partial Error}{\partial b} = (y-t)\sigma'(a)$

$\frac{\partial y}{\partial a} = \sigma(a)(1-\sigma(a)) = y(1-y)$

$\frac{\partial Error}{\partial x} = (y-t)\sigma'(a)w$
"""

CLAIMS = [
    r"\frac{\partial Error}{\partial y} = y - t",
    r"\frac{\partial y}{\partial a} = \sigma'(a)",
    r"\frac{\partial Error}{\partial w} = (y-t)\sigma'(a)x",
    r"\frac{\partial Error}{\partial b} = (y-t)\sigma'(a)$",
    r"= y(1-y)",
    r"\frac{\partial Error}{\partial x} = (y-t)\sigma'(a)w",
]


def _line(text: str, marker: str) -> int:
    return next(n for n, ln in enumerate(text.splitlines(), 1) if marker in ln)


def test_the_neuron_is_read_and_its_derivatives_are_correct():
    _, header = check_text(NOTE)
    equations = next(ln for ln in header.splitlines() if "y = σ(a)" in ln)
    assert "u =" not in equations and "f" not in equations  # not y = f(u), u = g(x)
    v = verdict_by_line(NOTE)
    assert "wrong" not in v.values(), v
    for marker in CLAIMS:
        assert v.get(_line(NOTE, marker)) == "correct", marker


@pytest.mark.parametrize(
    "right, slip",
    [
        (r"= (y-t)\sigma'(a)x", r"= (y-t)\sigma'(a)w"),  # w for x
        (r"\partial b} = (y-t)\sigma'(a)", r"\partial b} = (t-y)\sigma'(a)"),  # the sign
        (r"= y - t", r"= 2(y - t)"),  # a factor the 1/2 cancels
        (r"\partial x} = (y-t)\sigma'(a)w", r"\partial x} = (y-t)\sigma(a)w"),  # no prime
    ],
)
def test_a_slip_in_the_neuron_is_caught(right, slip):
    wrong = NOTE.replace(right, slip, 1)
    v = verdict_by_line(wrong)
    assert v.get(_line(wrong, slip)) == "wrong"
    slipped = _line(wrong, slip)
    others = [_line(wrong, m) for m in CLAIMS if m in wrong]
    assert all(v.get(n) != "wrong" for n in others if n != slipped)


def test_error_as_a_difference_stays_unread():
    # the error y - t is a quantity, not the cost: the word is not read as E
    text = NOTE.replace(
        r"$Error = \frac{1}{2} (y - t)^2$", r"$error = y - t$, $E = \frac{1}{2} error^2$"
    )
    v = verdict_by_line(text)
    assert "wrong" not in v.values(), v


def test_y_stays_the_target_where_the_cost_compares_with_y():
    # a = \sigma(z), C = (a - y)^2/2: y is the target, never the output
    text = (
        "$z = wx + b$\n\n$a = \\sigma(z)$\n\n$C = \\frac{1}{2}(a - y)^2$\n\n"
        "$\\frac{\\partial C}{\\partial w} = (a - y)\\sigma'(z) x$\n"
    )
    assert verdict_by_line(text).get(7) == "correct"


def test_a_second_example_that_redefines_y_is_no_wrong_definition():
    # the first example's output y = \sigma(a); the second example's y = z^{(2)}: the line that
    # redefines y defines it for its own example, never a WRONG definition
    text = (
        "## Example 1\n\n$a = wx + b$\n\n$y = \\sigma(a)$\n\n$E = \\frac{1}{2}(y - t)^2$\n\n"
        "$\\frac{dy}{da} = y(1 - y)$\n\n## Example 2\n\n$a^{(2)} = w_2 z^{(1)} + b_2$\n\n"
        "$z^{(2)} = \\sigma(a^{(2)})$\n\n$y = z^{(2)}$\n"
    )
    v = verdict_by_line(text)
    assert v.get(9) == "correct"
    assert v.get(17) != "wrong", v
