"""Formulas typed in Unicode inside code fences, no LaTeX (issue 22; ``notes/unifence.py``), and
a cheat sheet's layers each derived on its own, ``Forward: y = f(x)`` / ``Backward: ∂L/∂x =
∂L/∂y × f'(x)`` (``meaning/gates.py``): the note below is written here from scratch in that
style, with a dense layer, three activations, a two-layer network whose subscripts are Unicode
digits (``z₁ = W₁x + b₁``, ``𝟙{z₁ > 0}`` the ReLU's derivative) and a table of the layers."""

from __future__ import annotations

from .test_notes import verdict_by_line

NOTE = (
    "# Layer cheat sheet\n"  # 1
    "\n"  # 2
    "## Dense layer\n"  # 3
    "\n"  # 4
    "```\n"  # 5
    "y = Wx + b\n"  # 6
    "```\n"  # 7
    "\n"  # 8
    "Backward, given ∂L/∂y:\n"  # 9
    "\n"  # 10
    "```\n"  # 11
    "∂L/∂W = ∂L/∂y · xᵀ\n"  # 12
    "∂L/∂b = ∂L/∂y\n"  # 13
    "∂L/∂x = Wᵀ · ∂L/∂y\n"  # 14
    "```\n"  # 15
    "\n"  # 16
    "## Activations\n"  # 17
    "\n"  # 18
    "### ReLU\n"  # 19
    "```\n"  # 20
    "Forward:  y = max(0, x)\n"  # 21
    "Backward: ∂L/∂x = ∂L/∂y × 𝟙{x > 0}\n"  # 22
    "```\n"  # 23
    "\n"  # 24
    "### Tanh\n"  # 25
    "```\n"  # 26
    "Forward:  y = tanh(x)\n"  # 27
    "Backward: ∂L/∂x = ∂L/∂y × (1 - y²)\n"  # 28
    "```\n"  # 29
    "\n"  # 30
    "### Sigmoid\n"  # 31
    "```\n"  # 32
    "Forward:  y = σ(x) = 1/(1 + e⁻ˣ)\n"  # 33
    "Backward: ∂L/∂x = ∂L/∂y × σ(x)(1 - σ(x))\n"  # 34
    "                = ∂L/∂y × y(1 - y)\n"  # 35
    "```\n"  # 36
    "\n"  # 37
    "## Two layers\n"  # 38
    "\n"  # 39
    "```\n"  # 40
    "Loss: L = -Σᵢ yᵢ log(pᵢ)\n"  # 41
    "```\n"  # 42
    "\n"  # 43
    "```\n"  # 44
    "1. Forward:\n"  # 45
    "   z₁ = W₁x + b₁\n"  # 46
    "   a₁ = ReLU(z₁)\n"  # 47
    "   z₂ = W₂a₁ + b₂\n"  # 48
    "   p = softmax(z₂)\n"  # 49
    "2. Backward:\n"  # 50
    "   ∂L/∂z₂ = p - y      [softmax with cross-entropy]\n"  # 51
    "   ∂L/∂W₂ = ∂L/∂z₂ · a₁ᵀ\n"  # 52
    "   ∂L/∂a₁ = W₂ᵀ · ∂L/∂z₂\n"  # 53
    "   ∂L/∂z₁ = ∂L/∂a₁ × 𝟙{z₁ > 0}\n"  # 54
    "   ∂L/∂W₁ = ∂L/∂z₁ · xᵀ\n"  # 55
    "```\n"  # 56
    "\n"  # 57
    "## Summary\n"  # 58
    "\n"  # 59
    "| Layer | Forward | Backward (∂L/∂input) |\n"  # 60
    "|-------|---------|----------------------|\n"  # 61
    "| Dense | y = Wx + b | Wᵀ · ∂L/∂y |\n"  # 62
    "| ReLU | max(0, x) | ∂L/∂y × (x > 0) |\n"  # 63
    "| Tanh | tanh(x) | ∂L/∂y × (1 - y²) |\n"  # 64
)

CLAIMS = {
    12: "∂L/∂W = ∂L/∂y · xᵀ", 14: "∂L/∂x = Wᵀ · ∂L/∂y", 22: "× 𝟙{x > 0}", 28: "(1 - y²)",
    34: "σ(x)(1 - σ(x))", 35: "y(1 - y)", 51: "p - y", 52: "∂L/∂W₂", 53: "∂L/∂a₁",
    54: "∂L/∂z₁", 55: "∂L/∂W₁", 62: "Wᵀ · ∂L/∂y", 63: "(x > 0)", 64: "(1 - y²)",
}  # fmt: skip


def test_the_lines_are_where_the_claims_say():
    lines = NOTE.split("\n")
    for no, text in CLAIMS.items():
        assert text in lines[no - 1], (no, lines[no - 1])


def test_unicode_fences_and_layers_of_their_own_are_judged():
    v = verdict_by_line(NOTE)
    for line in (12, 13, 14, 22, 28, 34, 35, 51, 52, 53, 54, 55, 62, 63, 64):
        assert v.get(line) == "correct", (line, v)
    assert "wrong" not in v.values(), v  # y = σ(x) = 1/(1 + e⁻ˣ): the layer's y, not a target


def test_unicode_fence_mistakes_are_caught():
    wrong = (
        NOTE.replace("∂L/∂W = ∂L/∂y · xᵀ", "∂L/∂W = xᵀ · ∂L/∂y")  # 12: row-vector form
        .replace("∂L/∂x = Wᵀ · ∂L/∂y", "∂L/∂x = ∂L/∂y · W")  # 14: the transpose lost
        .replace("| Wᵀ · ∂L/∂y |", "| ∂L/∂y · Wᵀ |")  # 62: row-vector form
        .replace("× (1 - y²)", "× (1 - x²)")  # 28, 64: the input for the output
        .replace("∂L/∂a₁ = W₂ᵀ · ∂L/∂z₂", "∂L/∂a₁ = ∂L/∂z₂ · W₂ᵀ")  # 53
        .replace("∂L/∂W₁ = ∂L/∂z₁ · xᵀ", "∂L/∂W₁ = xᵀ · ∂L/∂z₁")  # 55
    )
    v = verdict_by_line(wrong)
    for line in (12, 14, 28, 53, 55, 62, 64):
        assert v.get(line) == "wrong", (line, v)
    for line in (13, 22, 34, 35, 51, 52, 54, 63):
        assert v.get(line) != "wrong", (line, v)


def test_a_program_in_a_fence_stays_code():
    v = verdict_by_line(
        "```\n"
        "def relu_backward(dy, x):\n"
        "    dx = dy * (x > 0)  # ∂L/∂x = ∂L/∂y × 𝟙{x > 0}\n"
        "    return dx\n"
        "```\n"
    )
    assert v == {}, v


def test_an_aside_on_a_layer_never_misreads_the_network_after_it():
    # y = σ(x) recalled in passing: the claims after it that are no layer's backward pass
    # (here about the network's output and its target y) are never judged with y renamed
    v = verdict_by_line(
        "$$z^{(1)} = W^{(1)} x + b^{(1)}, \\quad a^{(1)} = \\sigma(z^{(1)})$$\n"  # 1
        "$$z^{(2)} = W^{(2)} a^{(1)} + b^{(2)}, \\quad a^{(2)} = \\sigma(z^{(2)})$$\n"  # 2
        "$$C = -y \\log a^{(2)} - (1 - y) \\log(1 - a^{(2)})$$\n"  # 3
        "Recall the sigmoid $y = \\sigma(x)$, whose derivative is $y(1 - y)$.\n"  # 4
        "$$\\frac{\\partial C}{\\partial z^{(2)}} = a^{(2)} - y$$\n"  # 5
        "$$\\frac{\\partial C}{\\partial z^{(2)}} = y - a^{(2)}$$\n"  # 6
    )
    assert v.get(5) != "wrong", v
    assert v.get(4) != "wrong", v
