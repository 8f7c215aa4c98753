"""A batch written as rows whose bias gradient sums the rows of delta (issue 22), written here
from scratch: ``\\sum_{i=1}^{N} \\delta^{(2)}_i`` once with its bound, then ``\\sum_i
\\delta^{(l)}_i`` without it, the same letter over the same examples."""

from __future__ import annotations

from .test_notes import verdict_by_line

NOTE = (
    "Rows are examples: $z^{(1)} = xW^{(1)} + b^{(1)}$, $a^{(1)} = \\sigma(z^{(1)})$,\n"  # 1
    "$z^{(2)} = a^{(1)}W^{(2)} + b^{(2)}$, $\\hat{y} = softmax(z^{(2)})$.\n"  # 2
    "\n"
    "$$L = -\\frac{1}{N} \\sum_{i=1}^{N} \\sum_{k=1}^{K} y_{ik} \\log(\\hat{y}_{ik})$$\n"  # 4
    "\n"
    "$$\\delta^{(2)} = \\frac{1}{N}(\\hat{y} - y)$$\n"  # 6
    "\n"
    "$$\\frac{\\partial L}{\\partial b^{(2)}} = \\sum_{i=1}^{N} \\delta^{(2)}_i$$\n"  # 8
    "\n"
    "$$\\delta^{(1)} = (\\delta^{(2)} W^{(2)T}) \\odot a^{(1)} \\odot (1 - a^{(1)})$$\n"  # 10
    "\n"
)


def test_a_sum_without_its_bound_runs_over_the_examples():
    v = verdict_by_line(
        NOTE + "$$\\frac{\\partial L}{\\partial b^{(1)}} = \\sum_i \\delta^{(1)}_i$$\n"
    )
    assert v.get(8) == "correct", v
    assert v.get(12) == "correct", v


def test_the_wrong_layer_in_that_sum_is_caught():
    v = verdict_by_line(
        NOTE + "$$\\frac{\\partial L}{\\partial b^{(1)}} = \\sum_i \\delta^{(2)}_i$$\n"
    )
    assert v.get(12) == "wrong", v
