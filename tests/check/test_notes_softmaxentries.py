"""A softmax written out over numbered entries (issue 22, meaning/softmaxentries.py), in notes
written here from scratch: each entry's exponential over the sum written out term by term
(stacked in a column, or one equation per entry), then the Jacobian's entries by the quotient
rule. The subscripts are entries of the output layer, the right claims confirmed and the
slips caught; a note whose subscripts are layers is not read so."""

from __future__ import annotations

from .test_notes import check_text, verdict_by_line

COLUMN = (
    "The softmax of a vector of four scores:\n"  # 1
    "\n"  # 2
    "$$ \\begin{pmatrix} s_1\\\\ s_2\\\\ s_3\\\\ s_4 \\end{pmatrix} \\mapsto \\begin{pmatrix}"
    " \\frac{e^{s_1}}{e^{s_1} + e^{s_2} + e^{s_3} + e^{s_4}}\\\\"
    " \\frac{e^{s_2}}{e^{s_1} + e^{s_2} + e^{s_3} + e^{s_4}}\\\\"
    " \\frac{e^{s_3}}{e^{s_1} + e^{s_2} + e^{s_3} + e^{s_4}}\\\\"
    " \\frac{e^{s_4}}{e^{s_1} + e^{s_2} + e^{s_3} + e^{s_4}} \\end{pmatrix} = \\begin{pmatrix}"
    " q_1\\\\ q_2\\\\ q_3\\\\ q_4 \\end{pmatrix} $$\n"  # 3
    "\n"  # 4
    "$$ \\frac{\\partial q_3}{\\partial s_3} = \\frac{e^{s_3}(e^{s_1} + e^{s_2} + e^{s_3} +"
    " e^{s_4}) - e^{s_3}e^{s_3}}{(e^{s_1} + e^{s_2} + e^{s_3} + e^{s_4})^2} = {DIAG} $$\n"  # 5
    "\n"  # 6
    "$$ \\frac{\\partial q_2}{\\partial s_4} = {OFF} $$\n"  # 7
)
ROWS = (
    "$$ p_1 = \\frac{\\exp(o_1)}{\\exp(o_1) + \\exp(o_2)} $$\n"  # 1
    "$$ p_2 = \\frac{\\exp(o_2)}{\\exp(o_1) + \\exp(o_2)} $$\n"  # 2
    "$$ \\frac{\\partial p_1}{\\partial o_2} = {OFF} $$\n"  # 3
)


def test_column_of_entries_is_the_output_softmax():
    got = verdict_by_line(COLUMN.replace("{DIAG}", "q_3(1 - q_3)").replace("{OFF}", "-q_2 q_4"))
    assert (got[5], got[7]) == ("correct", "correct")
    assert got.get(3) != "wrong"


def test_column_of_entries_slips_are_caught():
    got = verdict_by_line(COLUMN.replace("{DIAG}", "q_3(1 - q_4)").replace("{OFF}", "q_2 q_4"))
    assert (got[5], got[7]) == ("wrong", "wrong")


def test_one_equation_per_entry():
    assert verdict_by_line(ROWS.replace("{OFF}", "-p_1 p_2"))[3] == "correct"
    assert verdict_by_line(ROWS.replace("{OFF}", "p_1(1 - p_2)"))[3] == "wrong"


def test_subscripts_that_are_layers_are_not_entries():
    note = (
        "$$ z_1 = W_1 x + b_1 $$\n"  # 1
        "$$ a_1 = \\frac{e^{z_1}}{e^{z_1} + e^{z_2}} $$\n"  # 2
        "$$ \\frac{\\partial a_1}{\\partial z_2} = 5 a_1 $$\n"  # 3
    )
    results, header = check_text(note)
    assert "the softmax of" not in header
    assert all("the softmax of" not in r.message for r in results)
