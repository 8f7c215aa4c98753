"""Two ways of writing an algorithm that are not claims, written here from scratch.

* Forward equations stacked in a ``matrix`` (``\\begin{matrix} a^{(1)} = x \\\\ z^{(2)} = ...
  & add & a_0^{(2)} \\end{matrix}``): every row whose first cell holds a relation is an
  equation, the other cells are remarks (``document.py``, ``_equation_rows``). The network
  they write is the one the later claims are judged on.
* An accumulator: ``\\Delta_{ij} = 0`` before ``\\Delta_{ij} = \\Delta_{ij} + ...`` starts a
  loop (``meaning/scope.py``, ``initialises``); it is never judged as a claim."""

from __future__ import annotations

from derive.check.notes.read import read_notes

from .test_notes import verdict_by_line

STACK = (
    "$$\\begin{matrix} z_1 = W_1 x + b_1 & \\quad & \\text{hidden} \\\\\n"  # 1
    "a_1 = \\tanh(z_1) \\\\\n"  # 2
    "z_2 = W_2 a_1 + b_2 & \\quad & \\text{output} \\\\\n"  # 3
    "a_2 = z_2\n"  # 4
    "\\end{matrix}$$\n\n"  # 5
    "$$C = \\frac{1}{2} \\|a_2 - y\\|^2$$\n\n"  # 7
    "$$\\frac{\\partial C}{\\partial z_1} = W_2^T (a_2 - y) \\odot (1 - a_1^2)$$\n\n"  # 9
    "$$\\frac{\\partial C}{\\partial z_1} = W_2^T (a_2 - y) \\odot a_1 (1 - a_1)$$\n"  # 11
)


def test_equations_stacked_in_a_matrix_are_read_row_by_row():
    rows = [s for s in read_notes(STACK) if s.kind == "math" and s.line <= 5]
    assert [s.text.split("=")[0].strip() for s in rows] == ["z_1", "a_1", "z_2", "a_2"]
    assert all("hidden" not in s.text and "output" not in s.text for s in rows)
    v = verdict_by_line(STACK)
    assert v[9] == "correct"  # tanh hidden layer: 1 - a_1^2
    assert v[11] == "wrong"  # the sigmoid's derivative, not this network's


def test_a_matrix_of_entries_stays_a_matrix():
    grid = "$$W = \\begin{matrix} w_{11} & w_{12} \\\\ w_{21} & w_{22} \\end{matrix}$$\n"
    assert not [s for s in read_notes(grid) if s.kind == "math" and s.text.startswith("w_{11} =")]


ACC = (
    "$$z^{(2)} = W^{(1)} a^{(1)} + b^{(1)}$$\n\n"  # 1
    "$$a^{(2)} = \\sigma(z^{(2)})$$\n\n"  # 3
    "$$C = \\frac{1}{2} \\|a^{(2)} - y\\|^2$$\n\n"  # 5
    "Set $\\Delta^{(1)}_{ij} = 0$ for every i, j.\n\n"  # 7
    "$$\\Delta^{(1)}_{ij} = \\Delta^{(1)}_{ij} + a^{(1)}_j \\delta^{(2)}_i$$\n\n"  # 9
    "$$\\delta^{(2)} = (a^{(2)} - y) \\odot a^{(2)} (1 - a^{(2)})$$\n\n"  # 11
    "$$\\delta^{(2)} = (a^{(2)} - y) \\odot (1 - a^{(2)})$$\n"  # 13
)


def test_an_accumulator_set_to_zero_is_no_claim():
    v = verdict_by_line(ACC)
    assert v.get(7) != "wrong"
    assert v[11] == "correct"
    assert v[13] == "wrong"
