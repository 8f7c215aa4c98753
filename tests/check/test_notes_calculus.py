"""Calculus preliminaries in ``derive check NOTES`` (issue 22): a derivative by y, which no
network takes by its target, makes x and y the note's own variables (f a scalar function of x,
x of y, ``x = A y``); the chain rule and the Jacobian are judged on drawn variables, and a
Jacobian in the wrong layout is named."""

from __future__ import annotations

from derive.check.notes.walk import check_text

PRELIMINARIES = (
    "$$J_{ji} = \\frac{\\partial x_i}{\\partial y_j}$$\n\n"
    "$$x = A \\cdot y$$\n\n"
    "$$\\frac{\\partial f}{\\partial y_j} = \\sum_{i=1}^{n} \\frac{\\partial f}{\\partial x_i} "
    "\\frac{\\partial x_i}{\\partial y_j}$$\n\n"
    "$$\\frac{\\partial f}{\\partial y_j} = \\sum_{i=1}^{n} J_{ji} "
    "\\frac{\\partial f}{\\partial x_i}$$\n\n"
    "$$\\nabla_y f = J \\cdot \\nabla_x f$$\n\n"
    "$$\\frac{\\partial x_i}{\\partial y_j} = A_{ij}$$\n\n"
    "$$\\nabla_y f = A^T \\cdot \\nabla_x f$$\n\n"
    "$$\\nabla_y f = A \\cdot \\nabla_x f$$\n\n"
    "$$\\frac{\\partial x_i}{\\partial y_j} = A_{ji}$$\n"
)


def test_chain_rule_and_jacobian_on_the_notes_own_variables():
    results, _ = check_text(PRELIMINARIES)
    v = {}
    for r in results:
        if v.get(r.line, ("",))[0] != "wrong":
            v[r.line] = (r.verdict, r.message or "")
    assert v.get(1, ("",))[0] != "wrong" and v.get(3, ("",))[0] != "wrong"  # definitions
    for line in (5, 7, 9, 11, 13):
        assert v[line][0] == "correct", (line, v[line])
    assert v[15][0] == "wrong" and "cannot be formed" in v[15][1]
    assert v[17][0] != "correct"  # A_{ji}: its indices swapped (a 3 x 2 A has no A_{ji} here)
