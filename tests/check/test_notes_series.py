"""A sum written out with dots (issue 22, meaning/series.py), in a softmax note written here
from scratch: ``y_1 + y_2 + \\dots + y_n`` and a chain rule written term by term are sums over a
new index; a right one is confirmed, a slip caught; a series with a term in the middle that
differs is left unread, never judged."""

from __future__ import annotations

from derive.check.notes.meaning.series import column, fold

from .test_notes import verdict_by_line

HEAD = (
    "$$\\mathbf p = \\text{softmax}(\\mathbf x)$$\n\n"  # 1
    "$$L = - \\sum_i y_i \\log p_i$$\n\n"  # 3
)


def test_fold_writes_a_simple_series_as_a_sum():
    assert fold("p_i (y_1 + y_2 + \\dots + y_n) - y_i") == ("p_i ( \\sum_{q=1}^{n} {y_q} ) - y_i")
    assert fold("w_{11} x_1 + w_{12} x_2 + \\cdots + w_{1n} x_n").strip() == (
        "\\sum_{q=1}^{n} {w_{1q} x_q}"
    )
    # a middle term of its own, two runs of dots, a minus, no pattern: left as written
    for text in (
        "p_i y_1 + p_i y_2 + \\dots + (p_i - y_i) + \\dots + p_i y_n",
        "x_1 - x_2 + \\dots + x_n",
        "a + b + \\dots + c",
        "x_1 + x_3 + \\dots + x_n",
    ):
        assert fold(text) == text


def test_dotted_sums_are_judged():
    note = HEAD + (
        "$$\\frac{\\partial L}{\\partial x_i} = \\frac{\\partial L}{\\partial p_1} "
        "\\frac{\\partial p_1}{\\partial x_i} + \\frac{\\partial L}{\\partial p_2} "
        "\\frac{\\partial p_2}{\\partial x_i} + \\dots + \\frac{\\partial L}{\\partial p_n} "
        "\\frac{\\partial p_n}{\\partial x_i}$$\n\n"  # 5
        "$$\\frac{\\partial L}{\\partial x_i} = p_i (y_1 + y_2 + \\dots + y_n) - y_i$$\n\n"  # 7
        "$$\\frac{\\partial L}{\\partial x_i} = 2 p_i (y_1 + y_2 + \\dots + y_n) - y_i$$\n\n"  # 9
        "$$\\frac{\\partial L}{\\partial x_i} = \\frac{\\partial p_1}{\\partial x_i} "
        "+ \\frac{\\partial p_2}{\\partial x_i} + \\dots + "
        "\\frac{\\partial p_n}{\\partial x_i}$$\n\n"  # 11
    )
    got = verdict_by_line(note)
    assert got[5] == "correct"
    assert got[7] == "correct"
    assert got[9] == "wrong"
    assert got[11] == "wrong"  # the factors dL/dp_j left out: the sum of dp_j/dx_i is 0


def test_column_with_vdots_is_the_vectors_entry_by_entry():
    assert (
        column(
            "( \\begin{matrix} p_1 - y_1 \\\\ p_2 - y_2 \\\\ \\vdots \\\\ p_n - y_n \\end{matrix} )"
        )
        == "(p - y)"
    )
    # a number inside a longer subscript, a matrix, no vdots: left as written
    for text in (
        "\\begin{bmatrix} \\frac{y_1}{a_{L1}} \\\\ \\vdots \\\\ \\frac{y_C}{a_{LC}} \\end{bmatrix}",
        "\\begin{bmatrix} w_{1k} \\\\ w_{2k} \\\\ \\vdots \\\\ w_{nk} \\end{bmatrix}",
        "\\begin{pmatrix} w_{11} & w_{12} \\\\ w_{21} & w_{22} \\end{pmatrix}",
        "\\begin{pmatrix} a_1 \\\\ a_2 \\\\ a_3 \\end{pmatrix}",
    ):
        assert column(text) == text
    note = HEAD + (
        "$$\\frac{\\partial L}{\\partial \\mathbf{x}} = \\left( \\begin{matrix} p_1 - y_1 \\\\ "
        "p_2 - y_2 \\\\ \\vdots \\\\ p_n - y_n \\end{matrix} \\right)$$\n\n"  # 5
        "$$\\frac{\\partial L}{\\partial \\mathbf{x}} = \\left( \\begin{matrix} y_1 - p_1 \\\\ "
        "y_2 - p_2 \\\\ \\vdots \\\\ y_n - p_n \\end{matrix} \\right)$$\n\n"  # 7
    )
    got = verdict_by_line(note)
    assert got[5] == "correct"
    assert got[7] == "wrong"
