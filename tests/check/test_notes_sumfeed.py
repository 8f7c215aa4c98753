"""Unlayered units read from the sum that feeds the next layer (issue 22, held-out set 8).

A note that explains one layer's weights writes ``z_j = \\sum_i a_i w_{ij} + b_j`` with no layer
mark anywhere, then ``\\frac{\\partial L}{\\partial w_{ij}} = a_i \\delta_j``. The model bound an
unlayered ``a_i`` to the last layer (the one ``z_j`` is), so the note's own forward equation
failed, the layout stayed a guess, and both that gradient and a row-vector ``\\delta_1 =
(\\delta_2 W_2^T) \\odot \\sigma'(z_1)`` were called WRONG: false alarms. The letter the sum runs
over is a unit of the layer below (``meaning/sumfeed.py``); the weight order then says the
layout (``w_{ij}`` feeding j from i is ``[in, out]``: rows). Synthetic notes of our own."""

from __future__ import annotations

from .test_notes import verdict_by_line

FROM_ORDER = (
    "# One output layer\n"  # 1
    "\n"
    "The output layer takes the hidden activations $a_i$:\n"  # 3
    "\n"
    "$$z_j = \\sum_i a_i w_{ij} + b_j, \\qquad \\hat y_j = \\sigma(z_j), \\qquad "  # 5
    "L = \\frac{1}{2}\\sum_j (\\hat y_j - y_j)^2$$\n"
    "\n"
    "$$\\delta_j = \\frac{\\partial L}{\\partial z_j} = "  # 7
    "(\\hat y_j - y_j) \\hat y_j (1 - \\hat y_j)$$\n"
    "\n"
    "$$\\frac{\\partial L}{\\partial w_{ij}} = a_i \\delta_j$$\n"  # 9
    "\n"
    "$$\\frac{\\partial L}{\\partial w_{ij}} = -a_i \\delta_j$$\n"  # 11
    "\n"
    "$$\\frac{\\partial L}{\\partial a_i} = \\sum_j w_{ij} \\delta_j$$\n"  # 13
    "\n"
    "$$\\frac{\\partial L}{\\partial b_j} = \\delta_j$$\n"  # 15
    "\n"
    "$$\\delta_i = \\sigma'(z_i) \\sum_j w_{ij} \\delta_j$$\n"  # 17
    "\n"
    "$$\\delta_i = \\sigma(z_i) \\sum_j w_{ij} \\delta_j$$\n"  # 19
)


def test_the_summed_letter_is_the_layer_below_with_weights_stored_in_out():
    v = verdict_by_line(FROM_ORDER)
    assert v.get(7) == "correct", v
    assert v.get(9) == "correct", v  # a_i of the hidden layer, w_{ij} [in, out]
    assert v.get(11) == "wrong", v  # the sign
    assert v.get(13) == "correct", v
    assert v.get(15) == "correct", v
    assert v.get(17) == "correct", v  # the hidden unit's error, letter i below j
    assert v.get(19) == "wrong", v  # sigma where its derivative belongs


def test_the_summed_letter_in_nielsens_order():
    note = (
        FROM_ORDER.replace("\\sum_i a_i w_{ij}", "\\sum_k w_{jk} a_k")
        .replace("w_{ij}", "w_{jk}")
        .replace("a_i", "a_k")
        .replace("\\partial a_k} = \\sum_j w_{jk}", "\\partial a_k} = \\sum_j w_{jk}")
    )
    note = note.replace("\\delta_i = \\sigma", "\\delta_k = \\sigma").replace("(z_i)", "(z_k)")
    v = verdict_by_line(note)
    assert v.get(9) == "correct", v
    assert v.get(11) == "wrong", v
    assert v.get(13) == "correct", v
    assert v.get(17) == "correct", v
    assert v.get(19) == "wrong", v


PLAIN = (
    "## A small network, by hand\n"  # 1
    "\n"
    "Hidden units h1, h2, h3 and output units o1, o2.\n"  # 3
    "\n"
    "### The hidden error\n"  # 5
    "\n"
    "The output errors go back through the weights:\n"  # 7
    "\n"
    "δ₁ = (δ₂ W₂ᵀ) ⊙ σ′(z₁)\n"  # 9
    "\n"
    "A wrong version:\n"  # 11
    "\n"
    "δ₁ = (δ₂ W₂) ⊙ σ′(z₁)\n"  # 13
    "\n"
    "### One weight\n"  # 15
    "\n"
    "Each weight wᵢⱼ joins unit i of the layer below to unit j:\n"  # 17
    "\n"
    "zⱼ = ∑ᵢ aᵢ wᵢⱼ + bⱼ\n"  # 19
    "\n"
    "so that\n"  # 21
    "\n"
    "∂L/∂wᵢⱼ = aᵢ · δⱼ\n"  # 23
    "\n"
    "and not\n"  # 25
    "\n"
    "∂L/∂wᵢⱼ = aᵢ · δⱼ · σ′(zⱼ)\n"  # 27
)


def test_a_plain_text_note_writes_rows_before_its_only_forward_equation():
    v = verdict_by_line(PLAIN)
    assert v.get(9) == "correct", v  # rows: the error a row, W_2 [hidden, output]
    assert v.get(13) == "wrong", v
    assert v.get(23) == "correct", v
    assert v.get(27) == "wrong", v  # sigma' counted twice
