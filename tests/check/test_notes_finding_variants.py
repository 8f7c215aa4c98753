"""What the checker must find in a note before it can judge anything, met on a third set of
real notes (issue 22), each written here from scratch in that notation: Grosse's adjoint bar
(``\\overline{z}`` stated as dL/dz), and a second example that reuses the letters of the first
(its own forward equations, read from where it starts)."""

from __future__ import annotations

from derive.check.notes import adjoints
from derive.check.notes.walk import check_text

from .test_notes import verdicts_of

# a first example: the squared error rewritten through z = y - t; then a second one, a
# sigmoid unit, that reuses y and z with new meanings and writes its adjoints with bars
ADJOINT = (
    "First example.\n\n"
    "$$\\mathcal{L} = \\frac{1}{2} (y - t)^2$$\n\n"
    "Let $z = y - t$, then $\\mathcal{L} = \\frac{1}{2} z^2$.\n\n"
    "$$\\frac{\\partial \\mathcal{L}}{\\partial y} = z$$\n\n"
    "Here $\\bar{v}$ stands for $\\frac{\\partial \\mathcal{L}}{\\partial v}$.\n\n"
    "$$\\mathcal{L} = \\frac{1}{2} (y - t)^2 \\\\\n"
    "y = \\sigma(z)$$\n\n"
)


def test_bar_stated_as_the_cost_derivative_is_that_derivative():
    notes = ADJOINT + (
        "$$\\frac{\\partial \\mathcal{L}}{\\partial y} = y - t = \\bar{y}$$\n\n"  # 14
        "$$\\bar{z} = \\bar{y} \\, \\sigma'(z)$$\n\n"  # 16
        "$$\\bar{z} = \\bar{y} \\, \\sigma(z)$$\n\n"  # 18: sigma for sigma'
        "$$\\bar{z} = \\frac{\\partial \\mathcal{L}}{\\partial y}"
        " \\frac{\\partial y}{\\partial z} = (y - t) \\, y (1 - y)$$\n"  # 20
    )
    v = verdicts_of(notes)
    assert v[14] == {"correct"}
    assert v[16] == {"correct"}
    assert v[18] == {"wrong"}
    assert v[20] == {"correct"}


def test_overline_written_beside_its_fraction_in_an_equation():
    notes = (
        "$$\\mathcal{L} = \\frac{1}{2} (a - y)^2$$\n\n"
        "$$a = \\sigma(z)$$\n\n"
        "$$\\frac{\\partial \\mathcal{L}}{\\partial a} = a - y = \\overline{a}$$\n\n"  # 5
        "$$\\overline{z} = \\overline{a} \\, a (1 - a)$$\n\n"  # 7
        "$$\\overline{z} = \\overline{a} \\, (1 - a)$$\n"  # 9
    )
    v = verdicts_of(notes)
    assert v[5] == {"correct"}
    assert v[7] == {"correct"}
    assert v[9] == {"wrong"}


def test_a_bar_never_stated_as_a_derivative_stays_a_bar():
    text = "$$\\bar{x} = \\frac{1}{n} \\sum_i x_i$$\n\n$$\\frac{\\partial C}{\\partial w} = x$$\n"
    assert "bar" not in adjoints.declared(text, {})
    # the quantities of a chain on the line are no cost: only L, whose adjoint is not written
    text = (
        "$\\overline{z}$ is $\\frac{\\partial L}{\\partial z}$\n"
        "$$\\overline{z} = \\frac{\\partial L}{\\partial y} \\frac{\\partial y}{\\partial z}"
        " = \\overline{y} y'$$\n"
    )
    body = adjoints.declared(text, {})["overline"].body
    assert body == "\\frac{\\partial L}{\\partial #1}"
    # two costs stated: no reading
    text = "$\\bar z = \\partial L / \\partial z$ and $\\bar z = \\partial C / \\partial z$\n"
    assert "bar" not in adjoints.declared(text, {})


# Nielsen's four equations and no forward pass: read in Nielsen's convention
NIELSEN = (
    "The error of neuron $j$ in layer $l$:\n\n"
    "$$\\delta_j^l \\equiv \\frac{\\partial C}{\\partial z_j^l}$$\n\n"
)


def test_nielsen_summary_without_forward_pass_is_read_in_his_convention():
    notes = NIELSEN + (
        "$$\\delta_j^L = \\frac{\\partial C}{\\partial a_j^L} \\sigma'(z_j^L)$$\n\n"  # 5
        "$$\\delta^l = ((w^{l+1})^T \\delta^{l+1}) \\odot \\sigma'(z^l)$$\n\n"  # 7
        "$$\\frac{\\partial C}{\\partial b_j^l} = \\delta_j^l$$\n\n"  # 9
        "$$\\frac{\\partial C}{\\partial w_{jk}^l} = a_k^{l-1} \\delta_j^l$$\n\n"  # 11
        "$$\\delta_j^L = \\frac{\\partial C}{\\partial z_j^L} \\sigma'(z_j^L)$$\n\n"  # 13: dC/dz
        "$$\\delta^l = (w^{l})^T \\delta^{l+1} \\odot \\sigma'(z^l)$$\n\n"  # 15: w^l
        "$$\\frac{\\partial C}{\\partial w_{jk}^l} = a_j^{l-1} \\delta_k^l$$\n\n"  # 17: swapped
        "$$\\frac{\\partial C}{w_{jk}^l} = a_k^{l-1} \\delta_j^l$$\n\n"  # 19: \\partial left out
        "$$\\frac{\\partial C}{b_j^l} = \\delta_j^{l+1}$$\n"  # 21: the same, l+1 for l
    )
    v = verdicts_of(notes)
    for line in (5, 7, 9, 11, 19):
        assert v[line] == {"correct"}, line
    for line in (13, 15, 17, 21):
        assert v[line] == {"wrong"}, line
    results, _ = check_text(notes)
    assert any("Nielsen's convention" in r.message for r in results if r.line == 9)


def test_nielsen_letters_beside_forward_equations_keep_the_notes_own():
    notes = (
        "$$z^l = w^l a^{l-1} + b^l$$\n\n"
        "$$a^l = \\sigma(z^l)$$\n\n"
        "$$\\delta^l = ((w^{l+1})^T \\delta^{l+1}) \\odot \\sigma'(z^l)$$\n"
    )
    results, _ = check_text(notes)
    assert not any("Nielsen" in (r.message or "") for r in results)
    assert verdicts_of(notes)[5] == {"correct"}


# a course note without biases, the prediction written y_{\text{pred}}, the transpose ^t
PRED = (
    "$$z_1 = W_1 x, \\quad a_1 = \\text{ReLU}(z_1)$$\n\n"
    "$$z_2 = W_2 a_1, \\quad y_{\\text{pred}} = \\text{softmax}(z_2)$$\n\n"
    "$$L = -\\sum_{i=1}^k y_i \\log(y_{\\text{pred}, i})$$\n\n"
)


def test_prediction_named_pred_and_small_t_transpose_without_biases():
    notes = PRED + (
        "$$\\delta_2 = \\frac{\\partial L}{\\partial z_2} = y_{\\text{pred}} - y$$\n\n"  # 7
        "$$\\frac{\\partial L}{\\partial W_2} = \\delta_2 a_1^t$$\n\n"  # 9
        "$$\\frac{\\partial L}{\\partial a_1} = W_2^t \\delta_2$$\n\n"  # 11
        "$$\\frac{\\partial L}{\\partial W_1} = \\delta_1 x^t$$\n\n"  # 13
        "$$\\frac{\\partial L}{\\partial W_2} = \\delta_2 z_1^t$$\n\n"  # 15: z_1 for a_1
        "$$\\frac{\\partial L}{\\partial a_1} = W_2 \\delta_2$$\n"  # 17: no transpose
    )
    v = verdicts_of(notes)
    for line in (7, 9, 11, 13):
        assert v[line] == {"correct"}, line
    assert v[15] == {"wrong"}
    assert v[17] == {"wrong"}  # shapes that do not multiply


def test_small_t_is_no_transpose_where_t_means_something_else():
    from derive.check.notes.meaning import smallt

    assert smallt.applies(["\\delta a^t", "W^t \\delta"])
    assert smallt.rewrite("W_2^{t} \\delta") == "W_2^T \\delta"
    assert not smallt.applies(["h^t = \\tanh(W h^{t-1})", "\\delta^t"])  # a time step
    assert not smallt.applies(["W^t \\delta", "E = (y - t)^2"])  # t the target
    assert not smallt.applies(["W^t \\delta", "x^T W"])  # the note's transpose is ^T
    assert not smallt.applies(["a_t = W^t x_t"])


def test_an_unread_member_of_a_judged_line_is_reported_not_dropped():
    notes = PRED + (
        "$$\\delta_2 = \\frac{\\partial L}{\\partial z_2} = y_{\\text{pred}} - y"
        " = \\Xi \\circledast \\delta_2$$\n"  # 7: a notation nobody reads
    )
    results, _ = check_text(notes)
    on7 = [r for r in results if r.line == 7]
    assert {r.verdict for r in on7} == {"correct", "unknown"}
    assert any("circledast" in r.claim for r in on7 if r.verdict == "unknown")


# a claim for another cost than the note's, said so in the prose on its line
MSE = (
    "$$z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}$$\n\n"
    "$$a^{(l)} = \\sigma(z^{(l)})$$\n\n"
    "The cost is $C = \\frac{1}{2} \\|a^{(L)} - y\\|^2$.\n\n"
)


def test_claim_for_the_cross_entropy_in_a_note_whose_cost_is_mse():
    notes = MSE + (
        "$$\\frac{\\partial C}{\\partial a^{(L)}} = a^{(L)} - y$$\n\n"  # 7: the note's cost
        "If the cost function is cross entropy, then we have "
        "$\\frac{\\partial C}{\\partial a^{(L)}} = \\frac{a^{(L)} - y}{a^{(L)} (1 - a^{(L)})}$\n\n"
        "If the cost function is cross entropy, then we have "
        "$\\frac{\\partial C}{\\partial a^{(L)}} = a^{(L)} - y$\n\n"  # 11: that is the MSE's
        "$$\\frac{\\partial C}{\\partial a^{(L)}} = \\frac{a^{(L)} - y}{a^{(L)} (1 - a^{(L)})}$$\n"
    )
    v = verdicts_of(notes)
    assert v[7] == {"correct"}
    assert v[9] == {"correct"}
    assert v[11] == {"wrong"}
    assert v[13] == {"wrong"}  # no prose: the note's cost, the MSE
    results, _ = check_text(notes)
    assert any("cross-entropy" in r.message for r in results if r.line == 9)


def test_one_derivative_written_for_another_is_judged_by_value_not_by_cancelling():
    net = "$$z = w x + b$$\n\n$$a = \\sigma(z)$$\n\n$$C = (a - y)^2$$\n\n"
    notes = net + (
        "$$\\frac{\\partial C}{\\partial b} = \\frac{\\partial C}{\\partial z}$$\n\n"  # 7
        "$$\\frac{\\partial C}{\\partial w} = \\frac{\\partial C}{\\partial z}$$\n"  # 9: no x
    )
    v = verdicts_of(notes)
    assert v[7] == {"correct"}
    assert v[9] == {"wrong"}
    # names the network does not have (a weight numbered across the network): never wrong
    notes = (
        net + "$$\\frac{\\partial C}{\\partial b_7} = \\frac{\\partial C}{\\partial z_1^{[3]}}$$\n"
    )
    assert verdicts_of(notes)[7] == {"unknown"}
