"""A worked forward pass in numbers written as vectors and matrices, steps joined by
``\\approx`` (issue 22, held-out set 7): each step from numbers to numbers is arithmetic,
judged at the precision written (``meaning/numvec.py``), and the claim in symbols before the
numbers is judged on its own (``\\delta{_2} \\approx 0.0478``: a subscript in braces).
Synthetic notes of our own in that notation: a 2-2-1 sigmoid network with row vectors, a
``bmatrix`` of weights and rounded values.
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
    "\n"
    "$$\\delta{_2} = \\frac{\\partial L}{\\partial z_2} = (\\hat{y} - y) \\sigma'(z_2) \\approx "
    "(0.5711 - 1) \\times 0.5711 \\times (1 - 0.5711) \\approx -0.1051$$\n"  # 17
    "\n"
    "$$\\frac{\\partial L}{\\partial b_2} = {DB2}$$\n"  # 19
)


def _note(a12: str, yhat: str, db2: str = "\\delta{_2} \\approx -0.1051") -> str:
    return WORKED.replace("{A12}", a12).replace("{YHAT}", yhat).replace("{DB2}", db2)


def test_worked_numbers_in_vectors_are_judged():
    v = verdict_by_line(_note("0.7503", "0.5711"))
    for line in (5, 7, 9, 11, 13, 17):
        assert v.get(line) == "correct", (line, v)
    assert v.get(15) != "wrong", v
    # \delta{_2}: the subscript in braces of its own; the numbers after \approx cut off
    assert v.get(19) == "correct", v


def test_worked_numbers_in_vectors_mistakes_are_caught():
    v = verdict_by_line(_note("0.7109", "0.5811"))  # sigma(1.1) = 0.7503; sigma(0.2862) = 0.5711
    assert v.get(7) == "wrong", v
    assert v.get(11) == "wrong", v
    assert v.get(5) == "correct", v
    assert v.get(9) == "correct", v  # computed from the numbers written before, correctly


def test_a_claim_before_its_numbers_is_judged():
    v = verdict_by_line(_note("0.7503", "0.5711", "\\hat{y} - y \\approx -0.4289"))
    assert v.get(19) == "wrong", v  # sigma'(z_2) left out; its arithmetic is right
