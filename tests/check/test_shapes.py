"""derive check on shapes the notes state ("W_1 is 3 \\times 4", ``W_1 \\in \\mathbb{R}^{3
\\times 4}``, "X has shape (4, m)"): read from the math and the words of a line, checked against
each other through the forward equations (or the spec), contradictions named; the sizes stated
are the sizes matrix claims are evaluated at, and a product they cannot form says so and cites
the statement. Markdown and LaTeX notes with planted mistakes."""

from __future__ import annotations

import pytest

from derive.check.notes.claims import Names, Reader
from derive.check.notes.read import read_notes
from derive.check.notes.shapes import find
from derive.check.notes.walk import check_text
from derive.resources import SEED

from .test_notes import NOTES, by_line, line_of, results_of

MD = NOTES / "shapes.md"
TEX = NOTES / "shapes.tex"

KEYED_MD = {
    "Correct input:": ("correct", "agrees with line 9"),
    "Correct bias:": ("correct", ""),
    "Correct activation:": ("correct", ""),
    "Correct target:": ("correct", ""),
    "Wrong inner dimension:": ("wrong", "the units of layer 1 are 5 by line 9 (W_1 is 5 × 2), "
                               "not 4: W2 A1 cannot be formed"),
    "Wrong input rows:": ("wrong", "the inputs are 2 by line 9"),
    "Bias as a matrix:": ("wrong", "b2 is a column"),
    "Wrong output rows:": ("wrong", "the units of layer 2 are 3"),
    "Correct dZ2:": ("correct", ""),
    "Correct dW2:": ("correct", ""),
    "Correct dZ1:": ("correct", ""),
    "Correct dW1:": ("correct", ""),
    "Missing transpose:": ("wrong", "W2 (3×5) times dZ2 (3×m) cannot be formed: 5 columns "
                           "against 3 rows; the transpose is missing on W2 (as stated: W_2 "
                           "\\in \\mathbb{R}^{3 × 5} (line 9))"),
    "Transpose missing on X:": ("wrong", "(as stated: X has shape (2, m) (line 11))"),
    "Factors swapped:": ("wrong", "transposed: the claim is (5×3), dW2 is (3×5)"),
}  # fmt: skip
KEYED_TEX = {
    "$b^{[1]} \\in": ("correct", ""),
    "$W^{[2]} \\in": ("correct", ""),
    "$X \\in": ("correct", ""),
    "$A^{[1]} \\in \\mathbb{R}^{3": ("wrong", "W(2) A(1) cannot be formed"),
    "dZ^{[2]} &= 2": ("correct", ""),
    "dW^{[2]} &= \\frac{1}{m} dZ^{[2]} A^{[1]T}": ("correct", ""),
    "dW^{[1]} &=": ("correct", ""),
    "dW^{[2]} &= \\frac{1}{m} dZ^{[2]} A^{[1]} \\\\": ("wrong", "the transpose is missing"),
    "\\, \\mathrm{relu}'": ("correct", "read as elementwise (⊙ says so)"),
}


@pytest.mark.parametrize("path, keyed", [(MD, KEYED_MD), (TEX, KEYED_TEX)])
def test_keyed_shape_statements_and_claims(path, keyed):
    results = results_of(path)
    for marker, (verdict, words) in keyed.items():
        found = by_line(results, line_of(path, marker))
        r = found[0] if len(found) == 1 else next(x for x in found if x["verdict"] == verdict)
        assert r["verdict"] == verdict, r
        said = r.get("why", "") if verdict == "wrong" else r["message"]
        assert words in said, r
        if verdict == "wrong":
            assert r["expected"], r
    wrong = {r["line"] for r in results if r["verdict"] == "wrong"}
    assert wrong == {line_of(path, m) for m, (v, _) in keyed.items() if v == "wrong"}
    assert all(r["verdict"] != "unknown" for r in results), results


def test_the_stated_sizes_are_the_sizes_of_the_draw():
    results = results_of(MD)
    (r,) = by_line(results, line_of(MD, "Factors swapped:"))
    assert r["expected"] == "(1/m) (dZ2 A1^T)" and "(3×5)" in r["why"]
    # W_1 5x2, W_2 3x5: the draw's W2 is (3x5), its X has 2 rows
    assert "X (2×m)" in by_line(results, line_of(MD, "Transpose missing on X:"))[0]["why"]


@pytest.mark.parametrize(
    "line, name, shape",
    [
        ("$W_1$ is $3 \\times 4$.", "W1", (3, 4)),
        ("$W_1 \\in \\mathbb{R}^{3 \\times 4}$", "W1", (3, 4)),
        ("W_1 is a 3x4 matrix", "W1", (3, 4)),
        ("X has shape (4, m)", "x", (4, "m")),
        ("$X$ has shape $(4, m)$", "x", (4, "m")),
        ("X.shape = (4, m)", "x", (4, "m")),
        ("$W^{[2]}$ has dimensions $1 \\times 3$", "W2", (1, 3)),
        ("$b_1 \\in \\mathbb{R}^{3}$", "b1", (3, 1)),
        ("$\\mathbf{W}_2: (1, 3)$", "W2", (1, 3)),
        ("$W_2 [1 \\times 3]$", "W2", (1, 3)),
        ("$dW^{[1]}$ is $3 \\times 4$", "W1", (3, 4)),
        ("the weights $W_1$ are 3 by 4", "W1", (3, 4)),
    ],
)
def test_shape_statements_in_their_spellings(line, name, shape):
    (st,) = find(read_notes(line + "\n"), Reader(Names(2)), line + "\n")
    assert (st.name, st.shape) == (name, shape)


def test_not_a_shape_statement():
    text = "This is 3 x 4 times faster.\n\n$f(3, 4)$ is small.\n\n$$z = 3 \\cdot 4$$\n"
    assert find(read_notes(text), Reader(Names(2)), text) == []


def test_statements_against_the_spec():
    notes = "$W_1$ is $3 \\times 4$.\n\nX has shape (2, m)\n\nb_1 is 3 x 1\n"
    results, _ = check_text(notes, spec=str(SEED))
    assert [(r.line, r.verdict, r.expected) for r in results] == [
        (1, "correct", "[3×4]"),
        (3, "wrong", "[4×m]"),
        (5, "correct", "[3×1]"),
    ]
    assert results[1].message == "the spec's is [4×m]"


def test_a_statement_about_something_else_keeps_its_old_reading():
    # not a quantity of the network: the shape is compared with the matrix written above
    notes = "$$\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}$$\n\n$$V \\quad 2 \\times 2$$\n"
    results, _ = check_text(notes)
    assert [(r.kind, r.verdict) for r in results] == [("shape", "correct")]
