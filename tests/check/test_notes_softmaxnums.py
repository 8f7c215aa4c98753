"""A softmax worked in numbers (issue 22, meaning/softmaxnums.py), in notes written here from
scratch in the notations of real softmax + cross-entropy posts: vectors of values as boxed cells
side by side, as ``[..]`` lists, as a ``bmatrix``, or as ``label: [..]`` lines of a plain-text
fence; the probabilities are judged against the softmax of the logits, the gradient against
p - y, the loss in numbers as arithmetic. The right values are confirmed, the slips caught."""

from __future__ import annotations

from derive.check.notes.macros import present
from derive.check.notes.meaning import softmaxnums

from .test_notes import check_text, verdict_by_line

BOXED = (
    "# Softmax and cross-entropy\n"  # 1
    "$$ q_j = \\dfrac{e^{s_j}}{\\displaystyle\\sum_{i} e^{s_i}} $$\n"  # 2
    "\n"  # 3
    "$$ L = -\\displaystyle\\sum_{i} t_i \\log(q_i) $$\n"  # 4
    "\n"  # 5
    "Four classes, scores:\n"  # 6
    "$$ s = \\boxed{1}\\boxed{0}\\boxed{2}\\boxed{-1} $$\n"  # 7
    "The label:\n"  # 8
    "$$ t = \\boxed{0}\\boxed{0}\\boxed{1}\\boxed{0} $$\n"  # 9
    "Probabilities:\n"  # 10
    "$$ q = \\boxed{0.237}\\boxed{0.087}\\boxed{0.644}\\boxed{0.032} $$\n"  # 11
    "$$ L = -\\log(0.644) = {LOSS} $$\n"  # 12
    "The gradient:\n"  # 13
    "$$ \\dfrac{\\partial L}{\\partial s} = q - t $$\n"  # 14
    "$$ \\dfrac{\\partial L}{\\partial s} = "
    "\\boxed{0.237}\\boxed{0.087}\\boxed{{GRAD}}\\boxed{0.032} $$\n"  # 15
)


def _boxed(loss="0.440", grad="-0.356"):
    return BOXED.replace("{LOSS}", loss).replace("{GRAD}", grad)


def test_boxed_cells_side_by_side_are_a_row_vector():
    assert present("s = \\boxed{1}\\boxed{0} \\boxed{-1.5}") == (
        "s = \\begin{bmatrix} 1 & 0 & -1.5 \\end{bmatrix}"
    )
    assert present("x = \\boxed{2} + 1") == "x = 2 + 1"  # one box is only a box


def test_boxed_example_right_values_are_confirmed():
    got = verdict_by_line(_boxed())
    assert got[11] == "correct"  # softmax(1, 0, 2, -1) = (0.2369, 0.0871, 0.6439, 0.0321)
    assert got[12] == "correct"  # -ln 0.644 = 0.4401
    assert got[15] == "correct"  # q - t
    assert "wrong" not in got.values()
    assert got.get(7) != "correct" and got.get(9) != "correct"  # inputs, never claims


def test_boxed_example_slips_are_caught_and_named():
    got = verdict_by_line(_boxed(loss="0.540", grad="-0.366"))
    assert got[12] == "wrong"
    assert got[15] == "wrong"
    results, _ = check_text(_boxed(grad="-0.366"))
    (r,) = [r for r in results if r.line == 15 and r.verdict == "wrong"]
    assert "entry 3" in r.message and "-0.356" in r.message


FENCE = (
    "# The gradient at the logits\n"  # 1
    "\n"  # 2
    "```\n"  # 3
    "p_i = exp(z_i) / Σ_j exp(z_j)\n"  # 4
    "L = -Σ_i y_i × log(p_i)\n"  # 5
    "```\n"  # 6
    "\n"  # 7
    "## Example\n"  # 8
    "\n"  # 9
    "```\n"  # 10
    "logits:      [1.0,  3.0,  0.5]        ← raw scores\n"  # 11
    "softmax:     [{P}]       ← probabilities\n"  # 12
    "target:      [1,    0,    0  ]        ← one-hot\n"  # 13
    "\n"  # 14
    "gradient:    [{G}]      ← predictions - targets\n"  # 15
    "```\n"  # 16
)


def _fence(p="0.11, 0.82, 0.07", g="-0.89, 0.82, 0.07"):
    return FENCE.replace("{P}", p).replace("{G}", g)


def test_fence_example_right_values_are_confirmed():
    got = verdict_by_line(_fence())
    assert got[12] == "correct"  # softmax(1, 3, 0.5) = (0.1112, 0.8214, 0.0674)
    assert got[15] == "correct"
    assert "wrong" not in got.values()


def test_fence_example_slips_are_caught():
    got = verdict_by_line(_fence(p="0.11, 0.72, 0.07"))
    assert got[12] == "wrong"  # 0.72 for 0.8214
    got = verdict_by_line(_fence(g="0.89, 0.82, 0.07"))
    assert got[15] == "wrong"  # the sign of the true class's entry


LISTS = (
    "Softmax of the logits, $p_i = \\frac{e^{z_i}}{\\sum_{j=1}^{3} e^{z_j}}$, with "
    "$L = -\\sum_i y_i \\ln(p_i)$.\n"  # 1
    "\n"  # 2
    "$$ \\mathbf{z} = [2, 1, 0] $$\n"  # 3
    "$$ \\mathbf{y} = [1, 0, 0] $$\n"  # 4
    "$$ \\mathbf{p} = \\begin{bmatrix} 0.665 & 0.245 & {P3} \\end{bmatrix} $$\n"  # 5
    "$$ L = -\\ln(0.665) = 0.408 $$\n"  # 6
    "$$ \\nabla_{\\mathbf{z}} L = [-0.335, 0.245, 0.090] $$\n"  # 7
)


def test_lists_and_matrices_are_vectors_of_the_example():
    got = verdict_by_line(LISTS.replace("{P3}", "0.090"))
    assert (got[5], got[6], got[7]) == ("correct", "correct", "correct")
    got = verdict_by_line(LISTS.replace("{P3}", "0.190"))
    assert got[5] == "wrong"


def test_no_softmax_no_judgement_of_vectors():
    note = (
        "$$ \\mathbf{z} = [2, 1, 0] $$\n$$ \\mathbf{y} = [1, 0, 0] $$\n$$ p = [0.5, 0.2, 0.3] $$\n"
    )
    assert softmaxnums.judge([], note) == []
    got = verdict_by_line(note)
    assert "wrong" not in got.values()


def test_a_vector_whose_role_is_not_said_is_left_alone():
    # v is not the softmax's value: no judgement, whatever its numbers
    note = LISTS.replace("{P3}", "0.090") + "$$ v = [0.3, 0.3, 0.4] $$\n"
    got = verdict_by_line(note)
    assert got.get(8) is None


# the derivation by cases in a plain-text note: rows that open with "=" in fences of their
# own, after a sentence naming the cases; sums over every index but one, Σ_{j≠i}
CASES = (
    "# Softmax and cross-entropy\n"  # 1
    "```\n"  # 2
    "q_k = exp(s_k) / Σ_m exp(s_m)\n"  # 3
    "L = -Σ_k y_k × log(q_k)\n"  # 4
    "```\n"  # 5
    "```\n"  # 6
    "dL/ds_k = Σ_m (-y_m / q_m) × (dq_m/ds_k)\n"  # 7
    "```\n"  # 8
    "Cases `m = k` and `m ≠ k`:\n"  # 9
    "```\n"  # 10
    "= (-y_k / q_k) × q_k(1 - q_k)  +  Σ_{m≠k} (-y_m / q_m) × (-q_m × q_k)\n"  # 11
    "= -y_k(1 - q_k)                 +  Σ_{m≠k} y_m × q_k\n"  # 12
    "= -y_k + q_k × ({ROW})\n"  # 13
    "```\n"  # 14
    "As y is one-hot:\n"  # 15
    "```\n"  # 16
    "= q_k - y_k\n"  # 17
    "```\n"  # 18
)


def test_plain_cases_rows_continue_the_derivation():
    got = verdict_by_line(CASES.replace("{ROW}", "y_k + Σ_{m≠k} y_m"))
    assert [got.get(n) for n in (7, 11, 12, 13, 17)] == ["correct"] * 5


def test_plain_cases_slip_is_caught():
    got = verdict_by_line(CASES.replace("{ROW}", "Σ_{m≠k} y_m"))  # y_k dropped
    assert got[13] == "wrong"
    assert got[17] == "correct"


# the quotient rule by cases, a softmax defined with its argument's letter left out (e^j over
# \sum_m e^m, the note's own formulas writing e^{s_c}) and the derivative operator written
# \dfrac{\partial}{s_c}, its \partial in the denominator left out
QUOTIENT = (
    "> $$ q_j = \\dfrac{e^j}{\\displaystyle\\sum_{m} e^m} $$\n"  # 1
    "\n"  # 2
    "> $$ L = -\\displaystyle\\sum_{m} y_m \\log(q_m) $$\n"  # 3
    "\n"  # 4
    "With c the true class:\n"  # 5
    "> $$ L = -\\log(q_c) $$\n"  # 6
    "> $$ \\dfrac{\\partial L}{\\partial s_c} = - \\dfrac{1}{q_c}\\dfrac{\\partial}{s_c}(q_c)"
    " = - \\dfrac{1}{q_c}\\dfrac{\\partial}{s_c}\\Bigg(\\dfrac{e^{s_c}}{\\displaystyle\\sum_{m}"
    " e^{s_m}}\\Bigg) $$\n"  # 7
    "> $$ = - \\dfrac{1}{q_c} \\dfrac{e^{s_c}\\displaystyle\\sum_{m} e^{s_m} - e^{s_c}"
    " e^{s_c}}{\\Big(\\displaystyle\\sum_{m} e^{s_m}\\Big)^2} = {SC} $$\n"  # 8
    "\n"  # 9
    "For another class j:\n"  # 10
    "> $$ \\dfrac{\\partial L}{\\partial s_j} = - \\dfrac{e^{s_c}}{q_c}\\dfrac{\\partial}{s_j}"
    "\\Bigg(\\dfrac{1}{\\displaystyle\\sum_{m} e^{s_m}}\\Bigg) = {SJ} $$\n"  # 11
)


def test_quotient_rule_by_cases_is_read():
    got = verdict_by_line(QUOTIENT.replace("{SC}", "q_c - 1").replace("{SJ}", "q_j"))
    assert [got.get(n) for n in (6, 7, 8, 11)] == ["correct"] * 4


def test_quotient_rule_slips_are_caught():
    got = verdict_by_line(QUOTIENT.replace("{SC}", "1 - q_c").replace("{SJ}", "-q_j"))
    assert got[8] == "wrong" and got[11] == "wrong"
    assert got[7] == "correct"


# each entry worked out to a number: p_2 = \frac{2.718}{11.107} = 0.245, the gradient's entries
ENTRIES = (
    "Logits $\\mathbf{z} = [1, 2, 0]$ and the label $\\mathbf{y} = [0, 1, 0]$.\n"  # 1
    "$$ p_k = \\frac{e^{z_k}}{\\sum_{j=1}^{3} e^{z_j}} $$\n"  # 2
    "$$ p_2 = \\frac{7.389}{2.718 + 7.389 + 1} = {P2} $$\n"  # 3
    "$$ \\frac{\\partial L}{\\partial z_2} = p_2 - y_2 = 0.665 - 1 = {G2} $$\n"  # 4
    "$$ \\frac{\\partial L}{\\partial z_3} = {G3} $$\n"  # 5
)


def _entries(p2="0.665", g2="-0.335", g3="0.090"):
    return ENTRIES.replace("{P2}", p2).replace("{G2}", g2).replace("{G3}", g3)


def test_entries_worked_to_numbers_are_judged():
    got = verdict_by_line(_entries())
    assert (got[3], got[4], got[5]) == ("correct", "correct", "correct")
    got = verdict_by_line(_entries(p2="0.565", g2="-0.435", g3="0.245"))
    assert (got[3], got[4], got[5]) == ("wrong", "wrong", "wrong")


def test_entries_numbered_from_zero():
    note = _entries().replace("z_2", "z_1").replace("p_2", "p_1").replace("z_3", "z_2")
    note = note.replace("y_2", "y_1").replace("j=1}^{3}", "j=0}^{2}")
    got = verdict_by_line(note)
    assert (got[3], got[4], got[5]) == ("correct", "correct", "correct")


def test_a_second_example_without_its_own_target_is_not_judged_on_the_first_ones():
    note = (
        "```\n"  # 1
        "p_i = exp(z_i) / Σ_j exp(z_j)\n"  # 2
        "L = -Σ_i y_i × log(p_i)\n"  # 3
        "```\n"  # 4
        "```\n"  # 5
        "logits:   [1.0, 3.0, 0.5]\n"  # 6
        "target:   [1, 0, 0]\n"  # 7
        "gradient: [-0.89, 0.82, 0.07]\n"  # 8
        "```\n"  # 9
        "The true class is now the second one:\n"  # 10
        "```\n"  # 11
        "logits:   [1.0, 3.0, 0.5]\n"  # 12
        "gradient: [0.11, -0.18, 0.07]\n"  # 13
        "```\n"  # 14
    )
    got = verdict_by_line(note)
    assert got[8] == "correct"
    assert got.get(13) != "wrong"


def test_a_transposed_vector_is_a_vector():
    note = LISTS.replace("{P3}", "0.090").replace("[2, 1, 0]", "[2, 1, 0]^T")
    note = note.replace("0.090 \\end{bmatrix}", "0.090 \\end{bmatrix}^{\\top}")
    got = verdict_by_line(note)
    assert (got[5], got[7]) == ("correct", "correct")


def test_an_output_that_is_no_distribution_is_not_called_a_wrong_softmax():
    # \hat y of three sigmoids beside a softmax elsewhere in the note: not judged as one
    note = LISTS.replace("{P3}", "0.090") + "$$ \\hat{y} = [0.88, 0.73, 0.50] $$\n"  # 8
    got = verdict_by_line(note)
    assert got.get(8) != "wrong"
    note = LISTS.replace("{P3}", "0.090") + "$$ \\hat{y} = [0.665, 0.245, 0.090] $$\n"  # 8
    assert verdict_by_line(note)[8] == "correct"


# the example as a table, one row a class
TABLE = (
    "# Softmax example\n"  # 1
    "\n"  # 2
    "$$ q_k = \\frac{e^{s_k}}{\\sum_m e^{s_m}} $$\n"  # 3
    "\n"  # 4
    "| Class | Score $s_k$ | $e^{s_k}$ | Probability $q_k$ | Label | Gradient $q_k - y_k$ |\n"  # 5
    "|---|---|---|---|---|---|\n"  # 6
    "| A | 0.5 | 1.649 | 0.186 | 0 | 0.186 |\n"  # 7
    "| B | 1.5 | 4.482 | {QB} | 1 | -0.494 |\n"  # 8
    "| C | 1.0 | 2.718 | 0.308 | 0 | {GC} |\n"  # 9
    "| total | | 8.849 | 1.000 | | |\n"  # 10
)


def test_a_table_of_the_example_is_judged_row_by_row():
    got = verdict_by_line(TABLE.replace("{QB}", "0.506").replace("{GC}", "0.308"))
    assert (got[7], got[8], got[9]) == ("correct", "correct", "correct")
    assert got.get(10) is None  # no logit: a total, not a class
    got = verdict_by_line(TABLE.replace("{QB}", "0.606").replace("{GC}", "-0.308"))
    assert (got[7], got[8], got[9]) == ("correct", "wrong", "wrong")


def test_a_table_without_logits_or_softmax_is_left_alone():
    table = TABLE.replace("{QB}", "0.9").replace("{GC}", "0.9")
    assert "wrong" not in verdict_by_line(table.replace("Score $s_k$", "Weight")).values()
    no_softmax = table.replace("$$ q_k = \\frac{e^{s_k}}{\\sum_m e^{s_m}} $$\n", "\n")
    no_softmax = no_softmax.replace("# Softmax example", "# An example")
    assert "wrong" not in verdict_by_line(no_softmax.replace("Score $s_k$", "Score")).values()


def test_a_step_from_numbers_to_numbers_is_arithmetic_as_written():
    # in any note: the cost's value is rounded as written, never compared on a drawn network
    note = (
        "$$ L = -\\log(0.245) = 1.406 $$\n"  # 1
        "\n"  # 2
        "$$ C = -\\ln(0.8) = {C} $$\n"  # 3
    )
    got = verdict_by_line(note.replace("{C}", "0.223"))
    assert (got[1], got[3]) == ("correct", "correct")
    assert verdict_by_line(note.replace("{C}", "0.323"))[3] == "wrong"
