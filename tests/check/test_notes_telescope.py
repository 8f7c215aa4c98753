"""The chain rule as fractions that cancel, in names no network binds
(``meaning/telescope.py``): a unit-by-unit derivation (``net_o``, ``out_o``, ``E_{total}``)
whose forward pass stands in another section. A product of Leibniz fractions that leads from
the left-hand side's numerator to its denominator is the chain rule's form, read correct; a
product that does not cancel is left not understood. The notes here are our own."""

from __future__ import annotations

import pytest

from .test_notes import verdict_by_line

NOTE = r"""# The output weight

The forward pass was computed in the previous section.

\[
  \frac{\partial E_{total}}{\partial v_{1}} = \frac{\partial E_{total}}{\partial out_{o}}
  \cdot \frac{\partial out_{o}}{\partial net_{o}} \cdot \frac{\partial net_{o}}{\partial v_{1}}
\]

\[
  \delta_{o} = \frac{\partial E_{total}}{\partial net_{o}}
  = \frac{\partial E_{total}}{\partial out_{o}} \frac{\partial out_{o}}{\partial net_{o}}
\]

\[
  \frac{\partial E_{total}}{\partial v_{2}} = \delta_{o} \frac{\partial net_{o}}{\partial v_{2}}
\]

\[
  \frac{\partial E_{total}}{\partial u_{1}} = \frac{\partial E_{total}}{\partial out_{o}}
  \frac{\partial out_{o}}{\partial net_{o}} \frac{\partial net_{o}}{\partial out_{h}}
  \frac{\partial out_{h}}{\partial net_{h}} \frac{\partial net_{h}}{\partial u_{1}}
\]
"""


def _line(text: str, marker: str) -> int:
    return next(n for n, ln in enumerate(text.splitlines(), 1) if marker in ln)


def test_chains_that_cancel_are_correct():
    v = verdict_by_line(NOTE)
    for marker in (r"= \frac{\partial E_{total}}{\partial out_{o}}", r"\partial v_{2}} = \delta"):
        assert v.get(_line(NOTE, marker)) == "correct", (marker, v)
    assert v.get(_line(NOTE, r"\partial u_{1}} =")) == "correct", v
    assert "wrong" not in v.values()


@pytest.mark.parametrize(
    "right, slip, marker",
    [
        # a link left out: out_o to net_o
        (
            r"\partial v_{1}} = \frac{\partial E_{total}}{\partial out_{o}}",
            r"\partial v_{1}} = \frac{\partial E_{total}}{\partial net_{o}}",
            r"\partial v_{1}} =",
        ),
        # the hidden unit's chain stops at out_h
        (
            r"\frac{\partial net_{h}}{\partial u_{1}}",
            r"\frac{\partial net_{o}}{\partial u_{1}}",
            r"\partial u_{1}} =",
        ),
    ],
)
def test_a_chain_that_does_not_cancel_is_not_passed(right, slip, marker):
    wrong = NOTE.replace(right, slip, 1)
    assert wrong != NOTE
    v = verdict_by_line(wrong)
    line = _line(wrong, marker)
    assert v.get(line) != "correct", v


# A student's derivation in inline math spread over lines, each line ending in TeX's control
# space (=\ then the value on the next line), capitals standing for the entry being derived.
SPREAD = r"""# Backprop

$o^l_j=b^l_j+\sum_{i}{a_i^{l-1}w^l_{ij}}$ and $a^l_j=\gamma(o^l_j)$, $E=\frac{1}{2}(t-y)^2$

$
\frac{\partial{E}}{\partial{w^{l}_{ij}}}
=\
\frac{\partial{E}}{\partial{A^{l}}}
\frac{\partial{A^{l}}}{\partial{w^{l}_{ij}}}
=\
\frac{\partial{E}}{\partial{A^{l}}}
\frac{\partial{A^{l}}}{\partial{O^{l}}}
\frac{\partial{O^{l}}}{\partial{w^{l}_{ij}}}
$

$
\frac{\partial{E}}{\partial{b^{l}_{j}}}
=\
\frac{\partial{E}}{\partial{A^{l}}}
\frac{\partial{A^{l}}}{\partial{b^{l}_{j}}}
$
"""


def test_control_spaces_and_capitals_for_entries():
    v = verdict_by_line(SPREAD)
    lines = SPREAD.splitlines()
    # each value is judged on the line where it starts (after the =\ line)
    starts = [n for n, ln in enumerate(lines, 1) if ln == r"\frac{\partial{E}}{\partial{A^{l}}}"]
    assert [v.get(n) for n in starts] == ["correct"] * 3, v
    assert "wrong" not in v.values(), v


def test_a_broken_chain_spread_over_lines_is_not_passed():
    wrong = SPREAD.replace(
        r"\frac{\partial{A^{l}}}{\partial{O^{l}}}", r"\frac{\partial{A^{l}}}{\partial{A^{l}}}"
    )
    v = verdict_by_line(wrong)
    lines = wrong.splitlines()
    starts = [n for n, ln in enumerate(lines, 1) if ln == r"\frac{\partial{E}}{\partial{A^{l}}}"]
    assert v.get(starts[1]) != "correct", v


def test_a_chain_that_cancels_on_the_wrong_unit_stays_wrong():
    # the fractions cancel, but on a network the note writes z_k^l does not depend on
    # w_{jk}^l: the value check's WRONG stands (only an entry against a whole vector yields)
    text = "\n\n".join(
        [
            r"$$z_j^l = \sum_k w_{jk}^l a_k^{l-1} + b_j^l$$",
            r"$$a_j^l = \sigma(z_j^l)$$",
            r"$$C = \frac{1}{2}\sum_j (a_j^L - y_j)^2$$",
            r"$$\frac{\partial C}{\partial w_{jk}^l} = \frac{\partial C}{\partial z_j^l} "
            r"\frac{\partial z_j^l}{\partial w_{jk}^l}$$",
            r"$$\frac{\partial C}{\partial w_{jk}^l} = \frac{\partial C}{\partial z_k^l} "
            r"\frac{\partial z_k^l}{\partial w_{jk}^l}$$",
        ]
    )
    v = verdict_by_line(text)
    assert v.get(7) == "correct" and v.get(9) == "wrong", v


def test_a_chain_summed_over_the_intermediate_units():
    # the multivariable chain rule: the sum runs over the units between, which carry its index
    text = (
        "Units $h_j$ between the inputs $x_i$ and the error $E$ (forward pass elsewhere).\n\n"
        r"$$\frac{\partial E}{\partial x_i} = \sum_j \frac{\partial E}{\partial h_j} "
        r"\frac{\partial h_j}{\partial x_i}$$"
        "\n\n"
        r"$$J_{ki} = \frac{\partial y_k}{\partial x_i} = \sum_{j} \frac{\partial y_k}{\partial h_j}"
        r"\frac{\partial h_j}{\partial x_i}$$"
        "\n"
    )
    v = verdict_by_line(text)
    assert v.get(3) == "correct" and v.get(5) == "correct", v
    # the sum over the wrong index (the end x_i carries it, h_j does not): not passed
    assert verdict_by_line(text.replace(r"\sum_j", r"\sum_i", 1)).get(3) != "correct"
