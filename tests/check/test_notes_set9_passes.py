"""False alarms of sealed held-out set 9, examined after its measure, made general rules; each
is tested with a synthetic note of ours, with a variant that must still be caught: a result in
scientific notation judged at its mantissa's precision, a table cell opening with a relation
that speaks of its own row, a plain fence whose head was not read, and a chain for one time
step whose target carries a mark the chain's end does not."""

from check.test_notes import verdict_by_line


def test_a_result_in_scientific_notation_is_judged_at_its_mantissas_digits():
    got = verdict_by_line(
        "Vanishing:\n\n"
        "$$(0.25)^8 \\approx 1.5 \\times 10^{-5}$$\n\n"  # 3: 1.52588e-05, to two digits
        "$$(0.25)^8 \\approx 1.8 \\times 10^{-5}$$\n"  # 5
    )
    assert got[3] == "correct" and got[5] == "wrong", got


def test_a_table_cell_opening_with_a_relation_is_not_the_formula_above():
    got = verdict_by_line(
        "With sigmoid derivatives:\n\n"
        "$$(0.25)^8 \\approx 1.5 \\times 10^{-5}$$\n\n"  # 3
        "| Model | Gradient after 8 steps |\n"
        "|---|---|\n"
        "| Vanilla RNN | $\\approx 0.00002$ |\n"  # 7
        "| LSTM (f = 0.95) | $\\approx 0.663$ |\n"  # 8: 0.95^8, not (0.25)^8
    )
    assert got.get(8) != "wrong" and got.get(7) != "wrong", got


def test_a_plain_fence_whose_head_was_not_read_joins_no_other_chain():
    got = verdict_by_line(
        "```\n"
        "Gradient = 0.5 × 0.5 × 0.5 × ... (10 times)\n"
        "         = 0.5¹⁰\n"  # 3
        "```\n\n"
        "```\n"
        "Gradient = 2 × 2 × 2 × ... (10 times)\n"
        "         = 2¹⁰\n"  # 8: not 0.5^10 = 2^10
        "```\n\n"
        "$$0.5^{2} = 0.4$$\n"  # 11: still arithmetic
    )
    assert got.get(8) != "wrong", got
    assert got[11] == "wrong", got


def test_a_chain_for_one_time_step_is_not_judged_by_its_names():
    got = verdict_by_line(
        "$$\\frac{\\partial L}{\\partial W_h^{(t=3)}} = \\frac{\\partial L}{\\partial \\hat{y}}"
        " \\cdot \\frac{\\partial \\hat{y}}{\\partial o_4} \\cdot \\frac{\\partial o_4}"
        "{\\partial o_3} \\cdot \\frac{\\partial o_3}{\\partial W_h}$$\n\n"  # 1
        "$$\\frac{\\partial L}{\\partial W_h} = \\frac{\\partial L}{\\partial \\hat{y}}"
        " \\cdot \\frac{\\partial o_4}{\\partial W_h}$$\n"  # 3: a factor missing, caught
    )
    assert got.get(1) != "wrong", got
    assert got[3] == "wrong", got
