"""A general layer written as a subscript, in IIT Madras's CS7015 letters (issue 22), in a note
written here from scratch: ``a_i = W_i h_{i-1} + b_i`` is the pre-activation of layer i,
``h_i = g(a_i)`` its activation, a softmax output, the loss ``-\\log \\hat y_\\ell`` of the true
class ℓ, the one-hot target written ``e_\\ell``, the indicator ``\\mathbb{1}_{\\ell = i}``, and the
summary's gradients ``\\nabla W_k``, ``\\nabla a_k`` for every layer k (``\\forall k = 1(1)L``)."""

from __future__ import annotations

from .test_notes import verdict_by_line

NOTE = (
    "## Set-up\n"  # 1
    "\n"
    "The pre-activation at layer $i$ is $$\\utilde{a_i} = W_i \\utilde{h_{i-1}} + \\utilde{b_i}$$\n"
    "with $\\utilde{h_0} = \\utilde{x}$, and the activation is\n"  # 4
    "$$\\utilde{h_i} = g(\\utilde{a_i})$$\n"  # 5
    "The output is $$\\hat{y} = \\text{softmax}(\\utilde{a_L})$$\n"  # 6
    "and the loss $$\\mathscr{L}(\\theta) = - \\log \\hat{y_\\ell} \\quad "
    "(\\ell = \\text{the true class})$$\n"  # 7
    "\n"
    "## Gradients\n"  # 9
    "\n"
)

RIGHT = (
    "- $\\nabla a_L = - ( \\utilde{e_{\\ell}} - \\utilde{\\hat{y}} )$\n"  # 11
    "- $\\nabla W_k = \\nabla \\utilde{a_k} \\cdot \\utilde{h_{k-1}}^T$ "
    "$\\forall$ $k = 1(1)L$\n"  # 12
    "- $\\nabla b_k = \\nabla a_k$ $\\forall$ $k = 1(1)L$\n"  # 13
    "- $\\nabla a_k = (W_{k+1}^T \\cdot \\nabla a_{k+1}) \\odot g'(\\utilde{a_k})$ $\\forall$ "
    "$k = 1(1)\\overline{L-1}$\n"  # 14
    "- $\\dfrac{\\partial \\mathscr{L}(\\theta)}{\\partial a_{L i}} = "
    "- ( \\mathbb{1}_{\\ell = i} - \\hat{y}_i )$\n"  # 15
    "- $\\dfrac{\\partial}{\\partial \\hat{y_i}} (- \\log \\hat{y_\\ell}) = "
    "- \\dfrac{\\mathbb{1}_{i = \\ell}}{\\hat{y_\\ell}}$\n"  # 16
)

WRONG = (
    "- $\\nabla a_L = \\utilde{e_{\\ell}} - \\utilde{\\hat{y}}$\n"  # 11: the sign
    "- $\\nabla W_k = \\nabla \\utilde{a_k} \\cdot \\utilde{h_{k}}^T$ "
    "$\\forall$ $k = 1(1)L$\n"  # 12: the layer
    "- $\\nabla b_k = \\nabla h_k$ $\\forall$ $k = 1(1)L$\n"  # 13: the activation's gradient
    "- $\\nabla a_k = (W_{k+1}^T \\cdot \\nabla a_{k+1}) \\odot g(\\utilde{a_k})$ $\\forall$ "
    "$k = 1(1)\\overline{L-1}$\n"  # 14: g where g' is meant
    "- $\\dfrac{\\partial \\mathscr{L}(\\theta)}{\\partial a_{L i}} = "
    "\\mathbb{1}_{\\ell = i} - \\hat{y}_i$\n"  # 15: the sign
    "- $\\dfrac{\\partial}{\\partial \\hat{y_i}} (- \\log \\hat{y_\\ell}) = "
    "\\dfrac{1}{\\hat{y_\\ell}} \\quad \\text{if } i = \\ell$\n"  # 16: the sign
)


def test_cs7015_subscript_layers_are_read_at_every_layer():
    v = verdict_by_line(NOTE + RIGHT)
    for line in (11, 12, 13, 14, 15, 16):
        assert v.get(line) == "correct", (line, v)
    for line in (3, 5, 6, 7):
        assert v.get(line) != "wrong", (line, v)


def test_cs7015_mistakes_are_caught():
    v = verdict_by_line(NOTE + WRONG)
    for line in (12, 13, 14, 15, 16):
        assert v.get(line) == "wrong", (line, v)
    assert v.get(11) != "correct"  # the sign of e - y-hat: not judged under the abstract cost


def test_a_time_index_is_no_layer():
    # h_t = tanh(W h_{t-1} + U x_t): one W for every step, a recurrent net's time, not layers
    from derive.check.notes.meaning import sublayers
    from derive.check.notes.meaning.judge import _parse, statements
    from derive.check.notes.read import read_notes

    def letters(text):
        stmts = statements(read_notes(text))
        for members in stmts:
            for m in members:
                _parse(m, set())
        return sublayers.letters(stmts)

    assert letters("$$h_t = \\tanh(W h_{t-1} + U x_t)$$\n") == set()
    assert letters("$$z_l = W_l a_{l-1} + b_l$$\n") == {"l"}


NIELSEN = (
    "Forward: $$z_l = W_l a_{l-1} + b_l, \\quad a_l = \\sigma(z_l)$$ with $a_0 = x$ and the cost "
    "$C = \\frac{1}{2}\\|a_L - y\\|^2$.\n"  # 1
    "\n"
    "$$\\delta_L = (a_L - y) \\odot \\sigma'(z_L)$$\n"  # 3
    "\n"
)


def test_nielsen_with_the_layer_as_a_subscript():
    v = verdict_by_line(
        NIELSEN
        + "$$\\delta_l = (W_{l+1}^T \\delta_{l+1}) \\odot \\sigma'(z_l)$$\n"  # 5
        + "\n$$\\frac{\\partial C}{\\partial w_{l,jk}} = \\delta_{l,j} a_{l-1,k}$$\n"  # 7
    )
    for line in (3, 5, 7):
        assert v.get(line) == "correct", (line, v)
    v = verdict_by_line(
        NIELSEN
        + "$$\\delta_l = (W_{l+1}^T \\delta_{l+1}) \\odot \\sigma(z_l)$$\n"  # 5: sigma for sigma'
        + "\n$$\\frac{\\partial C}{\\partial w_{l,jk}} = \\delta_{l,k} a_{l-1,j}$$\n"  # 7: swapped
    )
    for line in (5, 7):
        assert v.get(line) == "wrong", (line, v)


def test_the_prose_around_a_formula_is_no_part_of_it():
    from derive.check.notes.meaning.grammar import clean

    # the remark that names the true class, the "where" that defines the indicator, the
    # vector of m ones, a primed summation index
    read = clean("- \\log \\hat{y_\\ell} (\\ell = \\text{true class})")
    assert read == "- \\log \\hat{y_{c}}"
    assert clean("- \\frac{1_{i = \\ell}}{\\hat y_\\ell} \\text{ where } 1_{i = \\ell} = 1") == (
        "- \\frac{\\delta_{ic}}{\\hat{y}_{c}}"
    )
    assert clean("-\\frac{1}{\\hat y_\\ell} e_\\ell, e_\\ell \\text{ is a unit vector}") == (
        "-\\frac{1}{\\hat{y}_{c}} e_{c}"
    )
    assert clean("\\nabla A_k 1_m") == "\\nabla A_k 1"
    assert "_{p}" in clean("\\sum_{i' = 1}^{n} e^{a_{i'}}")
