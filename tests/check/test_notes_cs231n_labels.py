"""CS231n's softmax classifier with the label as an index (issue 22), in a note written here
from scratch: the loss of example i is ``L_i = -\\log p_{y_i}`` (its class y_i picks the entry),
``\\mathbb{1}(y_i = k)`` is 1 where k is that class. The label index is the class letter c of
the true class, the indicator a Kronecker delta, and the softmax over the note's own scores
(``p_k = e^{f_k} / \\sum_j e^{f_j}``, no network written) the output layer's."""

from __future__ import annotations

from .test_notes import verdict_by_line

NOTE = (
    "The softmax of the scores $f$:\n"  # 1
    "\n"
    "$$p_k = \\frac{e^{f_k}}{\\sum_j e^{f_j}}$$\n"  # 3
    "\n"
    "and the loss of example $i$, whose class is $y_i$:\n"  # 5
    "\n"
    "$$L_i = -\\log p_{y_i}$$\n"  # 7
    "\n"
)

RIGHT = (
    "$$\\frac{\\partial L_i}{\\partial f_k} = p_k - \\mathbb{1}(y_i = k)$$\n"  # 9
    "\n"
    "$$\\frac{\\partial L_i}{\\partial p_{y_i}} = -\\frac{1}{p_{y_i}}$$\n"  # 11
    "\n"
    "$$\\frac{\\partial L_i}{\\partial f_{y_i}} = p_{y_i} - 1$$\n"  # 13
)

WRONG = (
    "$$\\frac{\\partial L_i}{\\partial f_k} = \\mathbb{1}(y_i = k) - p_k$$\n"  # 9: the sign
    "\n"
    "$$\\frac{\\partial L_i}{\\partial p_{y_i}} = \\frac{1}{p_{y_i}}$$\n"  # 11: the sign
    "\n"
    "$$\\frac{\\partial L_i}{\\partial f_{y_i}} = 1 - p_{y_i}$$\n"  # 13: the sign
)


def test_the_label_as_an_index():
    v = verdict_by_line(NOTE + RIGHT)
    for line in (9, 11, 13):
        assert v.get(line) == "correct", (line, v)
    for line in (3, 7):
        assert v.get(line) != "wrong", (line, v)


def test_label_index_mistakes_are_caught():
    v = verdict_by_line(NOTE + WRONG)
    for line in (9, 11, 13):
        assert v.get(line) == "wrong", (line, v)


def test_a_case_on_the_label_alone_is_not_judged():
    # no y_i as an index in the formula: its case k = y_i is left unread (a right claim here)
    v = verdict_by_line(
        NOTE + "$$\\frac{\\partial L_i}{\\partial f_k} = p_k - 1 \\quad \\text{if } k = y_i$$\n"
    )
    assert v.get(9) != "wrong"
