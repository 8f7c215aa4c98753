"""A worked forward pass in numbers written as vectors and matrices, steps joined by
``\\approx`` (issue 22, held-out set 7): each step from numbers to numbers is arithmetic,
judged at the precision written (``meaning/numvec.py``). Synthetic notes of our own in that
notation: a 2-2-1 sigmoid network with row vectors, a ``bmatrix`` of weights and rounded values.
"""

from __future__ import annotations

from .test_notes import verdict_by_line

WORKED = (
    "## Forward pass\n"  # 1
    "\n"
    "Input $X = [2, 1]$, target $y = 1$.\n"  # 3
    "\n"
    "$$z_1 = X W_1 + b_1 = [2, 1] \\cdot \\begin{bmatrix}0.1 & 0.4 \\\\ 0.3 & 0.2"
    "\\end{bmatrix} + [0, 0.1] = [0.5, 1.1]$$\n"  # 5
    "\n"
    "$$a_1 = \\sigma(z_1) = \\left[\\frac{1}{1+e^{-0.5}}, \\frac{1}{1+e^{-1.1}}\\right] "
    "\\approx [0.6225, {A12}]$$\n"  # 7
    "\n"
    "$$z_2 = a_1 W_2^T + b_2 = [0.6225, 0.7503] \\cdot [0.5, -0.3]^T + 0.2 \\approx 0.2862$$\n"  # 9
    "\n"
    "$$\\hat{y} = \\sigma(z_2) = \\frac{1}{1+e^{-0.2862}} \\approx {YHAT}$$\n"  # 11
    "\n"
    "$$L = \\frac{1}{2}(\\hat{y} - y)^2 = \\frac{1}{2}(0.5711 - 1)^2 \\approx 0.0920$$\n"  # 13
    "\n"
    "$$W_2 \\leftarrow W_2 - 0.1 \\cdot [0.1, 0.2] = [0.5 - 0.01, -0.3 - 0.02] "
    "\\approx [0.49, -0.33]$$\n"  # 15: an update rule, no claim (its slip is not judged)
)


def _note(a12: str, yhat: str) -> str:
    return WORKED.replace("{A12}", a12).replace("{YHAT}", yhat)


def test_worked_numbers_in_vectors_are_judged():
    v = verdict_by_line(_note("0.7503", "0.5711"))
    for line in (5, 7, 9, 11, 13):
        assert v.get(line) == "correct", (line, v)
    assert v.get(15) != "wrong", v


def test_worked_numbers_in_vectors_mistakes_are_caught():
    v = verdict_by_line(_note("0.7109", "0.5811"))  # sigma(1.1) = 0.7503; sigma(0.2862) = 0.5711
    assert v.get(7) == "wrong", v
    assert v.get(11) == "wrong", v
    assert v.get(5) == "correct", v
    assert v.get(9) == "correct", v  # computed from the numbers written before, correctly
