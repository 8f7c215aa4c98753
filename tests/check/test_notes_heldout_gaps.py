"""Gaps a second held-out set of real notes exposed (issue 22), each as a notation rule with a
note written here from scratch: an entry equated to its whole vector, gradients written as row
vectors beside weights written as columns, and a note whose top weight fixes which layer each
weight feeds, and Bishop's unit letters (a_j, z_j = h(a_j), delta_j = dE/da_j) read as his
convention when the note writes no forward equation."""

from __future__ import annotations

from derive.check.notes.walk import check_text

from .test_notes import verdicts_of

FORWARD = "$$z^l = w^l a^{l-1} + b^l$$\n\n$$a^l = \\sigma(z^l)$$\n\n"


def _messages(notes: str, line: int) -> str:
    results, _ = check_text(notes)
    return " ".join(r.message for r in results if r.line == line)


# ------------------------------------------------------------ an entry against its vector
def test_an_entry_equated_to_its_whole_vector_is_wrong():
    notes = FORWARD + (
        "$$\\frac{\\partial C}{\\partial b^l_j} = \\delta^l$$\n\n"  # line 5: index dropped
        "$$\\frac{\\partial C}{\\partial b^l_j} = \\delta^l_j$$\n"  # line 7: as it should be
    )
    v = verdicts_of(notes)
    assert v[5] == {"wrong"}
    assert "drops an index" in _messages(notes, 5)
    assert v[7] == {"correct"}


def test_a_number_without_index_against_a_vector_stays_unjudged():
    # a squared norm written as a square: no index says it is one entry
    notes = FORWARD + "$$C = (a^L - y)^2$$\n\n$$E = \\frac{1}{2}(y - a^L)^2$$\n"
    assert "wrong" not in verdicts_of(notes).get(7, set())


# ------------------------------------------------------------ gradients as row vectors
JACOBIAN = (
    "Every quantity below is a vector.\n\n"
    "$$z^l = w^l a^{l-1} + b^l$$\n\n$$a^l = \\sigma(z^l)$$\n\n"
    "$$\\frac{\\partial C}{\\partial z^{l-1}} = "
    "\\frac{\\partial C}{\\partial z^l} \\frac{\\partial z^l}{\\partial z^{l-1}}$$\n\n"
    "$$\\frac{\\partial z^l}{\\partial z^{l-1}} = w^l \\sigma'(z^{l-1})$$\n\n"
)


def test_row_gradients_are_a_reading_when_the_note_states_its_jacobian_untransposed():
    notes = JACOBIAN + (
        "$$\\delta^{l-1} = \\delta^l w^l \\sigma'(z^{l-1})$$\n\n"  # line 11: rows, right
        "$$\\delta^{l-1} = ((w^l)^T \\delta^l) \\odot \\sigma'(z^{l-1})$$\n\n"  # 13: columns
        "$$\\delta^{l-1} = \\delta^l (w^l)^T \\sigma'(z^{l-1})$$\n\n"  # line 15: no layout
        "$$\\delta^{l-1} = \\delta^l w^{[l]T} \\sigma'(z^{l-1})$$\n"  # line 17: the same
    )
    v = verdicts_of(notes)
    assert v[11] == {"correct"}
    assert "row vectors" in _messages(notes, 11)
    assert v[13] == {"correct"}
    assert v[15] == {"wrong"}
    assert v[17] == {"wrong"}  # the row reading confirms, never excuses another mistake


def test_a_note_writing_gradients_as_columns_gets_no_row_reading():
    # W^T dz fixes columns: dz w (the factors swapped, no transpose) is wrong there
    notes = (
        "$$z^{[l]} = w^{[l]} a^{[l-1]} + b^{[l]}$$\n\n$$a^{[l]} = \\sigma(z^{[l]})$$\n\n"
        "$$\\frac{dL}{da^{[l-1]}} = w^{[l]T} \\frac{dL}{dz^{[l]}}$$\n\n"
        "$$\\frac{dL}{da^{[l-1]}} = \\frac{dL}{dz^{[l]}} \\frac{dz^{[l]}}{da^{[l-1]}}"
        " = \\frac{dL}{dz^{[l]}} w^{[l]}$$\n"
    )
    v = verdicts_of(notes)
    assert v[5] == {"correct"}
    assert "wrong" in v[7]


def test_a_numerator_chain_rule_without_columns_allows_row_gradients():
    notes = FORWARD + (
        "$$\\frac{\\partial C}{\\partial a^{l-1}} = \\frac{\\partial C}{\\partial z^l}"
        " \\frac{\\partial z^l}{\\partial a^{l-1}} = \\frac{\\partial C}{\\partial z^l} w^l$$\n"
    )
    assert verdicts_of(notes)[5] == {"correct"}


# ------------------------------------------------------------ the top weight's layer
def test_a_weight_numbered_like_the_output_feeds_the_output():
    # no forward equation names a weight: W^{(2)} beside the output Z^{(2)} feeds Z^{(2)},
    # so the weight gradient without its transpose is judged (and wrong)
    notes = (
        "Since $A^{(2)} = \\sigma(Z^{(2)})$ and $A^{(1)} = \\sigma(Z^{(1)})$, the weight matrix"
        " gradient is:\n\n"
        "$$\\frac{\\partial C}{\\partial W^{(2)}} = "
        "\\frac{\\partial C}{\\partial Z^{(2)}} \\cdot A^{(1)}$$\n\n"
        "$$\\frac{\\partial C}{\\partial W^{(2)}} = "
        "\\frac{\\partial C}{\\partial Z^{(2)}} \\cdot (A^{(1)})^T$$\n"
    )
    v = verdicts_of(notes)
    assert v[3] == {"wrong"}
    assert v[5] == {"correct"}


# ------------------------------------------------------------ Bishop's letters
BISHOP = (
    "Hidden unit $j$ sends its output on to the output units $y_k$.\n\n"
    "$$\\frac{\\partial E}{\\partial w_{ji}} = \\delta_j z_i$$\n\n"  # line 3
    "$$\\delta_j = h'(a_j) \\sum_k w_{kj} \\delta_k$$\n\n"  # line 5
    "$$\\frac{\\partial E}{\\partial w_{ji}} = h'(a_j) z_i \\sum_k w_{kj} \\delta_k$$\n\n"  # 7
    "$$\\frac{\\partial E}{\\partial w_{ji}} = h'(a) z_i \\sum_k w_{kj} \\delta_k$$\n"  # 9
)


def test_bishop_letters_without_forward_equations_are_read_as_his_convention():
    # a_j = sum_i w_ji z_i, z_j = h(a_j), delta_j = dE/da_j: never written, the known reading
    v = verdicts_of(BISHOP)
    assert v[3] == {"correct"}
    assert v[5] == {"correct"}
    assert v[7] == {"correct"}
    # h'(a) for h'(a_j): a whole vector where one entry belongs, on any network and cost
    assert v[9] == {"wrong"}
    assert "one entry against the whole vector" in _messages(BISHOP, 9)


# ------------------------------------------------------------ a table naming its columns
TABLE = FORWARD + (
    "| cost | $C$ | $\\nabla_a C$ |\n"  # line 5
    "|---|---|---|\n"
    "| half squared | $\\frac{1}{2}\\sum_j (a^L_j - y_j)^2$ | $a^L - y$ |\n"  # line 7: right
    "| log loss | $-(y \\ln a^L + (1 - y) \\ln(1 - a^L))$ | $\\frac{a^L - y}{a^L(1 - a^L)}$ |\n"
    "| log loss, no minus | $y \\ln a^L + (1 - y) \\ln(1 - a^L)$ |"
    " $\\frac{a^L - y}{a^L(1 - a^L)}$ |\n"  # line 9: the gradient of the negated cost
    "\nThe half squared cost again:\n\n"
    "$$C = \\frac{1}{2}\\sum_j (a^L_j - y_j)^2$$\n"  # line 13: a cost, not a claim
)


def test_a_table_cell_is_the_quantity_its_header_names_under_its_row_cost():
    v = verdicts_of(TABLE)
    assert v[7] == {"correct"}
    assert v[8] == {"correct"}  # each row's gradient against that row's own cost
    assert v[9] == {"wrong"}
    assert "sign error" in _messages(TABLE, 9)
    assert "wrong" not in v.get(13, set())  # a row's cost is in force on its row only


def test_a_cell_with_a_relation_of_its_own_is_read_as_written():
    notes = FORWARD + (
        "| name | $C$ |\n|---|---|\n"
        "| output error | $\\delta^L = (a^L - y) \\odot \\sigma'(z^L)$ |\n"  # line 7
    )
    from derive.check.notes.read import read_notes

    texts = [s.text for s in read_notes(notes) if s.kind == "math" and s.line == 7]
    assert texts and not texts[0].startswith("C =")


# ------------------------------------------------------------ B for the bias, N_out units
def test_capital_b_is_the_bias_and_a_sum_over_the_output_units_is_wrong():
    notes = (
        "The weight matrix $W^{(2)}$ and the bias vector $B^{(2)}$ feed the output,"
        " $A^{(2)} = \\sigma(Z^{(2)})$ and $A^{(1)} = \\sigma(Z^{(1)})$.\n\n"
        # line 3: summed over the N_out output units instead of the examples
        "$$\\frac{\\partial C}{\\partial B^{(2)}} = "
        "\\sum_{i=1}^{N_{out}} \\frac{\\partial C}{\\partial Z^{(2)}}$$\n\n"
        # line 5: N_out as a number, the mean squared error over the output units
        "$$\\frac{\\partial C}{\\partial A^{(2)}} = \\frac{2}{N_{out}} (\\hat{y} - y)$$\n"
    )
    v = verdicts_of(notes)
    assert v[3] == {"wrong"}
    assert v[5] == {"correct"}
