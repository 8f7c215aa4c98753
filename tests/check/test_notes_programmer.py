"""Notes whose math is spelled the way programmers write it (issue 22), each written here
from scratch: plain-text formulas in inline code with examples as rows (``Z1 = X·W1 + b1``,
``dW1 = X^T · dZ1``, ``db1 = sum(dZ1, axis=0)``, ``(Z1 > 0)``) and a loss summed over the
batch (no 1/m anywhere)."""

from __future__ import annotations

from .test_notes import verdict_by_line

ROWS = (
    "# Forward\n"  # 1
    "\n"
    "- Formula: `Z1 = X·W1 + b1`\n"  # 3
    "- Formula: `A1 = ReLU(Z1) = max(0, Z1)`\n"  # 4
    "- Formula: `Z2 = A1·W2 + b2`\n"  # 5
    "- Formula: `A2 = softmax(Z2)`\n"  # 6
    "\n"
    "# Backward\n"  # 8
    "\n"
    "- Formula: `dZ2 = A2 - Y` (softmax with cross-entropy)\n"  # 10
    "- Formula: `dW2 = A1^T · dZ2`\n"  # 11
    "- Formula: `db2 = sum(dZ2, axis=0)`\n"  # 12
    "- Formula: `dA1 = dZ2 · W2^T`\n"  # 13
    "- Formula: `dZ1 = dA1 ⊙ (Z1 > 0)`\n"  # 14
)


def test_inline_code_formulas_with_rows_and_a_summed_loss():
    v = verdict_by_line(ROWS + "- Formula: `dW1 = X^T · dZ1`\n")
    for line in (10, 11, 12, 13, 14, 15):
        assert v.get(line) == "correct", (line, v)
    for line in (3, 4, 5, 6):
        assert v.get(line) != "wrong"


def test_inline_code_mistakes_are_caught():
    v = verdict_by_line(ROWS + "- Formula: `dW1 = dZ1 · X^T`\n- Formula: `dA1 = dZ2 · W2`\n")
    assert v.get(15) == "wrong"  # factors swapped: the shapes do not even chain
    assert v.get(16) == "wrong"  # the transpose forgotten


def test_a_note_that_averages_once_keeps_the_mean():
    # a 1/m on one gradient: the note's dW are of the mean cost, so a dW without it is wrong
    v = verdict_by_line(
        ROWS + "- Formula: `dW1 = X^T · dZ1 / m`\n- Formula: `db1 = sum(dZ1, axis=0)`\n"
    )
    assert v.get(15) == "correct"
    assert v.get(16) == "wrong"
