"""How notes write their math, met on a third held-out set of real notes (issue 22), each
written here from scratch in that notation: an ``aligned`` block after a ``\\tag`` on its own
line, ``aligned`` blocks nested as the rows of an outer ``aligned``, case conditions that are
not two index letters (``y_i = 1``, written with full-width digits too), the indicator
``\\mathbb{1}_{z > 0}``, ``\\text{diag}(…)`` and a prediction labelled ``y_{\\text{pred}}``."""

from __future__ import annotations

from derive.check.notes.document import read_document
from derive.check.notes.walk import check_text

from .test_notes import verdicts_of

FORWARD = (
    "$$z^{(2)} = W^{(2)} a^{(1)} + b^{(2)}$$\n\n"
    "$$a^{(2)} = \\sigma(z^{(2)})$$\n\n"
    "$$C = \\frac{1}{2}\\|a^{(2)} - y\\|^2$$\n\n"
)


def _rows(tex: str) -> dict[int, str]:
    return {item.line: item.text for item in read_document(tex).items}


def test_a_tag_alone_before_aligned_leaves_its_rows_to_split():
    tex = (
        "$$\n\\tag{3}\n\\begin{aligned}\n\\frac{\\partial y}{\\partial x}\n"
        "  &= \\frac{\\partial}{\\partial x} x^2 \\\\\n  &= 2 x\n\\end{aligned}\n$$\n"
    )
    rows = _rows(tex)
    assert sorted(rows) == [5, 6]
    assert rows[6].replace(" ", "") == "\\frac{\\partialy}{\\partialx}=2x"


def test_aligned_blocks_nested_as_rows_are_split_into_their_own_rows():
    block = (
        "$$\\begin{aligned}\n&\\begin{aligned}\n"
        "\\frac{\\partial C}{\\partial b^{(2)}} &= \\frac{\\partial C}{\\partial a^{(2)}} "
        "\\frac{\\partial a^{(2)}}{\\partial z^{(2)}} \\\\\n"
        "& = (a^{(2)} - y) \\odot \\sigma'(z^{(2)})\n\\end{aligned}\\\\\n"
        "&\\begin{aligned}\n\\frac{\\partial C}{\\partial a^{(2)}} &= a^{(2)} - y \\\\\n"
        "& = {RHS}\n\\end{aligned}\n\\end{aligned}$$\n"
    )
    right = FORWARD + block.replace("{RHS}", "(a^{(2)} - y)")
    rows = _rows(right)
    assert [line for line in rows if line > 6] == [9, 10, 13, 14]
    v = verdicts_of(right)
    assert v[10] == {"correct"}
    assert v[14] == {"correct"}
    wrong = verdicts_of(FORWARD + block.replace("{RHS}", "2 (a^{(2)} - y)"))
    assert wrong[14] == {"wrong"}
    assert "wrong" not in wrong[10]


SIGMOID_CE = (
    "$$p = \\sigma(x)$$\n\n"
    "$$L = -y \\log p - (1 - y) \\log(1 - p)$$\n\n"
    "$$\\frac{\\partial L}{\\partial p} = \\begin{cases} -1/p, & y = {ONE} \\\\ "
    "1/(1 - p), & y = 0 \\end{cases}$$\n"
)


def test_a_case_on_a_value_is_split_off_and_not_read_as_the_formula():
    # y = 1 (full-width digits from a CJK input method too) is the case the row is written
    # for: not a claim dL/dp = 1 of its own, and not a condition on two indices either
    for one in ("1", "\uff11"):
        results, _ = check_text(SIGMOID_CE.replace("{ONE}", one))
        rows = [r for r in results if r.line == 5]
        assert len(rows) == 2
        assert {r.verdict for r in rows} == {"unknown"}
        assert all("written for a case (y = " in r.message for r in rows)
    item = read_document(SIGMOID_CE.replace("{ONE}", "\uff11")).items[-2]
    assert item.condition == "y = 1"


def test_a_case_on_the_target_class_is_not_judged_as_if_it_held_always():
    notes = (
        "$$z = W x + b$$\n\n"
        "$$\\hat{y} = \\mathrm{softmax}(z)$$\n\n"
        "$$L = -\\sum_k y_k \\log \\hat{y}_k$$\n\n"
        "$$\\frac{\\partial L}{\\partial z_k} = \\begin{cases} \\hat{y}_k - 1, & "
        "\\text{if k = y_n} \\\\ \\hat{y}_k, & \\text{if k $\\ne$ y_n} \\end{cases}$$\n"
    )
    results, _ = check_text(notes)
    rows = [r for r in results if r.line == 7]
    assert len(rows) == 2  # no third claim dL/dz_k = y_n cut at the condition's =
    assert "wrong" not in {r.verdict for r in rows}


RELU_SOFTMAX = (
    "$$z_1 = W_1 x + b_1$$\n\n"
    "$$a_1 = \\mathrm{ReLU}(z_1)$$\n\n"
    "$$z_2 = W_2 a_1 + b_2$$\n\n"
    "$$y_{\\text{pred}} = \\mathrm{softmax}(z_2)$$\n\n"
    "$$L = -\\sum_i y_i \\log(y_{\\text{pred}, i})$$\n\n"
)


def test_an_indicator_diag_and_a_prediction_label_are_read():
    notes = RELU_SOFTMAX + (
        "$$\\delta_2 = \\frac{\\partial L}{\\partial z_2} = y_{\\text{pred}} - y$$\n\n"
        "$$\\frac{\\partial a_1}{\\partial z_1} = \\text{diag}(\\mathbb{1}_{z_1 > 0})$$\n\n"
        "$$\\delta_1 = (W_2^T \\delta_2) \\odot \\mathbb{1}(z_1 > 0)$$\n\n"
        "$$\\frac{\\partial a_1}{\\partial z_1} = \\text{diag}(\\mathbb{1}_{z_2 > 0})$$\n\n"
        "$$\\delta_1 = (W_2^T \\delta_2) \\odot \\mathbb{1}_{z_1 < 0}$$\n\n"
        "$$\\delta_2 = y - y_{\\text{pred}}$$\n"
    )
    v = verdicts_of(notes)
    assert v[11] == {"correct"}  # y_pred: the prediction, as \hat{y} writes it
    assert v[13] == {"correct"}  # the indicator vector on the diagonal: the ReLU's Jacobian
    assert v[15] == {"correct"}  # 1(z > 0): the ReLU's derivative
    assert v[17] == {"wrong"}  # the indicator of the next layer: not this Jacobian
    assert "correct" not in v[19]  # 1_{z < 0} is not the ReLU's derivative
    assert v[21] == {"wrong"}  # the sign of the error flipped


ELL = (
    "$$z_j^\\ell = \\sum_k w_{jk}^\\ell a_k^{\\ell-1} + b_j^\\ell$$\n\n"
    "$$a_j^\\ell = g(z_j^\\ell)$$\n\n"
    "$$C = \\frac12 \\| y - a^L \\|^2$$\n\n"
    "$$\\Delta_j^\\ell := \\frac{\\partial C}{\\partial z_j^\\ell}$$\n\n"
)


def test_a_capital_delta_defined_as_one_examples_error_with_ell_layers():
    # \Delta_j^\ell := dC/dz_j^\ell names an entry of one example's error (not an
    # accumulator over examples); \ell is the layer; a Greek summation index; a ringed
    # product for the componentwise one
    notes = ELL + (
        "$$\\Delta_j^\\ell = \\sum_i \\Delta_i^{\\ell+1} w_{ij}^{\\ell+1} g'(z_j^\\ell)$$\n\n"
        "$$\\Delta_j^\\ell = \\sum_i \\Delta_i^{\\ell+1} \\frac{\\partial}{\\partial z_j^\\ell} "
        "(\\sum_\\mu w_{i\\mu}^{\\ell+1} g(z_\\mu^\\ell) + b_i^{\\ell+1})$$\n\n"
        "$$\\Delta^\\ell = (W^{\\ell+1})^T \\Delta^{\\ell+1} \\circledcirc g'(z^\\ell)$$\n\n"
        "$$\\Delta_j^\\ell = \\sum_i \\Delta_i^{\\ell+1} w_{ji}^{\\ell+1} g'(z_j^\\ell)$$\n\n"
        "$$\\Delta^\\ell = W^{\\ell+1} \\Delta^{\\ell+1} \\circledcirc g'(z^\\ell)$$\n"
    )
    v = verdicts_of(notes)
    assert v[9] == {"correct"}
    assert v[11] == {"correct"}
    assert v[13] == {"correct"}
    assert v[15] == {"wrong"}  # the weight's indices swapped
    assert "correct" not in v[17]  # the transpose left out


def test_a_font_wrapping_a_whole_formula_is_presentation():
    notes = (
        "$$\\mathrm{z^{(2)} = W^{(2)} a^{(1)} + b^{(2)}}$$\n\n"
        "$$\\mathrm{a^{(2)} = \\sigma(z^{(2)})}$$\n\n"
        "$$\\mathrm{C = \\frac{1}{2}\\|a^{(2)} - y\\|^2}$$\n\n"
        "$$\\mathrm{\\frac{\\partial C}{\\partial a^{(2)}} = a^{(2)} - y}$$\n\n"
        "$$\\mathrm{\\frac{\\partial C}{\\partial a^{(2)}} = 2 (a^{(2)} - y)}$$\n\n"
        "$\\mathrm{softmax}$ is not used here.\n"
    )
    rows = _rows(notes)
    assert rows[1] == "z^{(2)} = W^{(2)} a^{(1)} + b^{(2)}"
    assert rows[11] == "\\mathrm{softmax}"  # a word in a font, not a formula: kept as written
    v = verdicts_of(notes)
    assert v[7] == {"correct"}
    assert v[9] == {"wrong"}


def test_a_prime_and_a_layer_in_one_superscript():
    notes = (
        "$$z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]}$$\n\n"
        "$$a^{[l]} = g^{[l]}(z^{[l]})$$\n\n"
        "$$L = \\frac{1}{2}\\|a^{[3]} - y\\|^2$$\n\n"
        "$$\\delta^{[l]} = \\frac{\\partial L}{\\partial z^{[l]}}$$\n\n"
        "$$\\delta^{[l]} = (W^{[l+1]})^T \\delta^{[l+1]} \\odot g^{\\prime[l]}(z^{[l]})$$\n\n"
        "$$\\delta^{[l]} = W^{[l+1]} \\delta^{[l+1]} \\odot g^{\\prime[l]}(z^{[l]})$$\n"
    )
    v = verdicts_of(notes)
    assert v[9] == {"correct"}  # g^{\prime[l]}: g^{[l]}' at layer l
    assert "correct" not in v[11]  # the transpose left out


def test_an_absolute_value_of_a_number_is_read():
    notes = (
        "$$z^l_j = \\sum_k w^l_{jk} a^{l-1}_k + b^l_j$$\n\n"
        "$$a^l_j = \\sigma(z^l_j)$$\n\n"
        "$$C = \\frac12 \\| y - a^L \\|^2 = \\frac12 \\sum_k | y_k - a^L_k |^2$$\n\n"
        "$$C = \\frac12 \\sum_k | y_k - a^L_k |$$\n\n"
        "$$C = \\frac12 | y - a^L |$$\n"
    )
    v = verdicts_of(notes)
    assert "correct" in v[5]  # |x|^2 of a number is its square
    assert v[7] == {"wrong"}  # the square left out
    assert "wrong" not in v.get(9, set())  # |v| of a vector: a norm or its entries, not read


def test_a_partial_left_out_of_the_denominator():
    notes = (
        "$$z^l_j = \\sum_k w^l_{jk} a^{l-1}_k + b^l_j$$\n\n"
        "$$a^l_j = \\sigma(z^l_j)$$\n\n"
        "$$C = \\frac12 \\| y - a^L \\|^2$$\n\n"
        "$$\\delta^l_j = \\frac{\\partial C}{\\partial z^l_j}$$\n\n"
        "$$\\dfrac{\\partial C}{w_{jk}^l} = a^{l-1}_k \\delta^l_j$$\n\n"
        "$$\\dfrac{\\partial C}{w_{jk}^l} = a^{l-1}_j \\delta^l_k$$\n"
    )
    v = verdicts_of(notes)
    assert v[9] == {"correct"}  # \partial C over a bare name: dC/dw with its \partial left out
    assert v[11] == {"wrong"}
