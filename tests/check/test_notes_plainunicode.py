"""Formulas written in plain text rather than LaTeX (issue 22), each note written here from
scratch: Nielsen's four equations on lines of their own with Unicode superscripts for the layer
(``z⁽ᵏ⁾ = w⁽ᵏ⁾ · a⁽ᵏ⁻¹⁾ + b⁽ᵏ⁾``, ``(w⁽ᵏ⁺¹⁾)ᵀ``, ``δ⁽ᴷ⁾``), the general layer written k and the
last one K (``meaning/layerletter.py``), the cost named L."""

from __future__ import annotations

from .test_notes import verdict_by_line

FORWARD = (
    "Notation for a network of K layers.\n"  # 1
    "\n"
    "- a⁽ᵏ⁾: the activations of layer k, with a⁽⁰⁾ = x.\n"  # 3
    "\n"
    "1. z⁽ᵏ⁾ = w⁽ᵏ⁾ · a⁽ᵏ⁻¹⁾ + b⁽ᵏ⁾\n"  # 5
    "\n"
    "2. a⁽ᵏ⁾ = f(z⁽ᵏ⁾)\n"  # 7
    "\n"
    "We write δ⁽ᵏ⁾ = ∂L / ∂z⁽ᵏ⁾ for the error of layer k.\n"  # 9
    "\n"
    "δ⁽ᴷ⁾ = ∂L/∂a⁽ᴷ⁾ ⊙ f'(z⁽ᴷ⁾)\n"  # 11
    "\n"
)


def test_unicode_superscript_layers_in_plain_lines_are_judged():
    v = verdict_by_line(
        FORWARD
        + "δ⁽ᵏ⁾ = ((w⁽ᵏ⁺¹⁾)ᵀ · δ⁽ᵏ⁺¹⁾) ⊙ f'(z⁽ᵏ⁾)\n"  # 13
        + "\n"
        + "∂L / ∂b⁽ᵏ⁾ = δ⁽ᵏ⁾\n"  # 15
        + "\n"
        + "∂L / ∂w⁽ᵏ⁾ = δ⁽ᵏ⁾ · (a⁽ᵏ⁻¹⁾)ᵀ\n"  # 17
    )
    for line in (11, 13, 15, 17):
        assert v.get(line) == "correct", (line, v)
    assert v.get(3) != "wrong"  # a⁽⁰⁾ = x in a bullet of prose: never a product a·(0)


def test_unicode_superscript_mistakes_are_caught():
    v = verdict_by_line(
        FORWARD
        + "δ⁽ᵏ⁾ = (w⁽ᵏ⁺¹⁾ · δ⁽ᵏ⁺¹⁾) ⊙ f'(z⁽ᵏ⁾)\n"  # 13: the transpose forgotten
        + "\n"
        + "∂L / ∂w⁽ᵏ⁾ = (a⁽ᵏ⁻¹⁾)ᵀ · δ⁽ᵏ⁾\n"  # 15: the factors swapped
    )
    assert v.get(13) == "wrong", v
    assert v.get(15) == "wrong", v


def test_a_layer_letter_of_the_notes_own_in_latex():
    # the same reading in LaTeX: k the general layer, K the last, L the cost
    v = verdict_by_line(
        "$$z^{(k)} = w^{(k)} a^{(k-1)} + b^{(k)}, \\quad a^{(k)} = \\sigma(z^{(k)})$$\n"  # 1
        "\n"
        "$$\\delta^{(K)} = \\nabla_{a^{(K)}} L \\odot \\sigma'(z^{(K)})$$\n"  # 3
        "\n"
        "$$\\delta^{(k)} = ((w^{(k+1)})^T \\delta^{(k+1)}) \\odot \\sigma'(z^{(k)})$$\n"  # 5
        "\n"
        "$$\\frac{\\partial L}{\\partial w^{(k)}} = \\delta^{(k)} (a^{(k-1)})^T$$\n"  # 7
        "\n"
        "$$\\frac{\\partial L}{\\partial w^{(k)}} = \\delta^{(k)} a^{(k-1)}$$\n"  # 9
    )
    assert v.get(5) == "correct", v
    assert v.get(7) == "correct", v
    assert v.get(9) == "wrong", v


def test_a_letter_only_at_the_last_layer_is_not_a_general_layer():
    # k with no K (and no k+1): the note's last layer, not every layer; never renamed to l
    v = verdict_by_line(
        "$$z^k = W^k a^{k-1} + b^k, \\quad \\hat y = \\sigma(z^k)$$\n"  # 1
        "\n"
        "$$\\frac{dL}{db^k} = (\\hat y - y) \\odot \\sigma'(z^k)$$\n"  # 3
    )
    assert v.get(3) != "wrong", v


def test_a_relu_written_out_in_inline_code_binds_silently():
    # `A1 = max(0, Z1)` is a forward equation the model binds: no "not understood" for it
    v = verdict_by_line(
        "- Forward: `Z1 = X·W1 + b1`\n"  # 1
        "- Activation: `A1 = max(0, Z1)`\n"  # 2
        "- Output: `Z2 = A1·W2 + b2`\n"  # 3
    )
    assert 2 not in v, v


def test_time_steps_are_no_layer_letter():
    # a recurrent network: t, t-1 and T are time steps of one shared W, never layers
    v = verdict_by_line(
        "$$h^{(t)} = \\tanh(W h^{(t-1)} + U x^{(t)})$$\n"  # 1
        "$$\\frac{\\partial L}{\\partial h^{(t-1)}}"  # 2
        " = W^T \\frac{\\partial L}{\\partial h^{(t)}}$$\n"
        "$$\\frac{\\partial L}{\\partial h^{(T)}} = \\hat y - y$$\n"  # 3
    )
    assert "wrong" not in v.values(), v
