"""Entries written with brackets as NumPy indexes them (issue 22), in a note written here from
scratch: ``Z_l[j, 0]`` is entry j of layer l's column vector (one example), ``W_l[j, k]`` an
entry of layer l's weights, ``A_{out}`` the output layer, ``T`` the target; a derivative alone
in its display is the left-hand side of the ``= …`` displays after it."""

from __future__ import annotations

from .test_notes import verdict_by_line

NOTE = (
    "$$Z_l[j, 0] = \\sum_k W_l[j, k] A_{l-1}[k, 0] + B_l[j, 0]$$\n"  # 1
    "\n"
    "$$A_l[j, 0] = \\sigma(Z_l[j, 0])$$\n"  # 3
    "\n"
    "$$C = \\frac{1}{2} \\sum_j (A_{out}[j, 0] - T[j, 0])^2$$\n"  # 5
    "\n"
    "$$\\frac{\\partial C}{\\partial B_l[j, 0]}$$\n"  # 7
    "\n"
)

RIGHT = (
    "$$= \\frac{\\partial C}{\\partial A_l[j, 0]} \\cdot \\sigma'(Z_l[j, 0])$$\n"  # 9
    "\n"
    "$$\\frac{\\partial C}{\\partial A_{out}[j, 0]} = A_{out}[j, 0] - T[j, 0]$$\n"  # 11
    "\n"
    "$$\\frac{\\partial C}{\\partial W_l[j, k]} = \\frac{\\partial C}{\\partial A_l[j, 0]} "
    "\\sigma'(Z_l[j, 0]) A_{l-1}[k, 0]$$\n"  # 13
    "\n"
    "$$\\frac{\\partial C}{\\partial A_l[j, 0]} = \\sum_k \\frac{\\partial C}{\\partial "
    "A_{l+1}[k, 0]} \\sigma'(Z_{l+1}[k, 0]) W_{l+1}[k, j]$$\n"  # 15
)

WRONG = (
    "$$= \\frac{\\partial C}{\\partial A_l[j, 0]} \\cdot \\sigma(Z_l[j, 0])$$\n"  # 9
    "\n"
    "$$\\frac{\\partial C}{\\partial A_{out}[j, 0]} = 2(A_{out}[j, 0] - T[j, 0])$$\n"  # 11
    "\n"
    "$$\\frac{\\partial C}{\\partial W_l[j, k]} = \\frac{\\partial C}{\\partial A_l[j, 0]} "
    "\\sigma'(Z_l[j, 0]) A_{l-1}[j, 0]$$\n"  # 13
    "\n"
    "$$\\frac{\\partial C}{\\partial A_l[j, 0]} = \\sum_k \\frac{\\partial C}{\\partial "
    "A_{l+1}[k, 0]} \\sigma'(Z_{l+1}[k, 0]) W_{l+1}[j, k]$$\n"  # 15
)


def test_bracket_entries_are_read_as_entries():
    v = verdict_by_line(NOTE + RIGHT)
    for line in (9, 11, 13, 15):
        assert v.get(line) == "correct", (line, v)
    for line in (1, 3, 5, 7):
        assert v.get(line) != "wrong", (line, v)


def test_bracket_entry_mistakes_are_caught():
    v = verdict_by_line(NOTE + WRONG)
    for line in (9, 11, 13, 15):
        assert v.get(line) == "wrong", (line, v)


def test_what_brackets_do_not_index():
    from derive.check.notes.meaning.brackets import rewrite

    assert rewrite("x \\in [0, 1]") == "x \\in [0, 1]"  # an interval
    assert rewrite("O_2[i, y_i]") == "O_2[i, y_i]"  # a label as an index: not read
    assert rewrite("\\frac{dL}{dW_2[m,n]}") == "\\frac{dL}{dW^{2}_{mn}}"
    assert rewrite("Z[1] = W[1] A[l]") == "Z[1] = W[1] A[l]"  # Ng's layers in brackets
