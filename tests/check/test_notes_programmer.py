"""Notes whose math is spelled the way programmers write it (issue 22), each written here
from scratch: plain-text formulas in inline code with examples as rows (``Z1 = X·W1 + b1``,
``dW1 = X^T · dZ1``, ``db1 = sum(dZ1, axis=0)``, ``(Z1 > 0)``) and a loss summed over the
batch (no 1/m anywhere)."""

from __future__ import annotations

from .test_notes import verdict_by_line

ROWS = (
    "# Forward\n"  # 1
    "\n"
    "- Formula: `Z1 = X·W1 + b1`\n"  # 3
    "- Formula: `A1 = ReLU(Z1) = max(0, Z1)`\n"  # 4
    "- Formula: `Z2 = A1·W2 + b2`\n"  # 5
    "- Formula: `A2 = softmax(Z2)`\n"  # 6
    "\n"
    "# Backward\n"  # 8
    "\n"
    "- Formula: `dZ2 = A2 - Y` (softmax with cross-entropy)\n"  # 10
    "- Formula: `dW2 = A1^T · dZ2`\n"  # 11
    "- Formula: `db2 = sum(dZ2, axis=0)`\n"  # 12
    "- Formula: `dA1 = dZ2 · W2^T`\n"  # 13
    "- Formula: `dZ1 = dA1 ⊙ (Z1 > 0)`\n"  # 14
)


def test_inline_code_formulas_with_rows_and_a_summed_loss():
    v = verdict_by_line(ROWS + "- Formula: `dW1 = X^T · dZ1`\n")
    for line in (10, 11, 12, 13, 14, 15):
        assert v.get(line) == "correct", (line, v)
    for line in (3, 4, 5, 6):
        assert v.get(line) != "wrong"


def test_inline_code_mistakes_are_caught():
    v = verdict_by_line(ROWS + "- Formula: `dW1 = dZ1 · X^T`\n- Formula: `dA1 = dZ2 · W2`\n")
    assert v.get(15) == "wrong"  # factors swapped: the shapes do not even chain
    assert v.get(16) == "wrong"  # the transpose forgotten


def test_a_note_that_averages_once_keeps_the_mean():
    # a 1/m on one gradient: the note's dW are of the mean cost, so a dW without it is wrong
    v = verdict_by_line(
        ROWS + "- Formula: `dW1 = X^T · dZ1 / m`\n- Formula: `db1 = sum(dZ1, axis=0)`\n"
    )
    assert v.get(15) == "correct"
    assert v.get(16) == "wrong"


SHAPES = (
    "## Hidden layer\n"  # 1
    "- Formula: `Z1 = X·W1 + b1`\n"  # 2
    "- Shapes: `((8, 5)) · ((5, 3)) + ((1, 3)) = ((8, 3))`\n"  # 3
    "- Formula: `A1 = ReLU(Z1)`\n"  # 4
    "- Shapes: `ReLU((8, 3)) = (8, 3)`\n"  # 5
    "- Formula: `dW1 = X^T · dZ1`\n"  # 6
    "- Shapes: `((5, 8)) · ((8, 3)) = ((5, 3))`\n"  # 7
    "- Formula: `db1 = sum(dZ1, axis=0)`\n"  # 8
    "- Shapes: `sum((8, 3), axis=0) = ((1, 3))`\n"  # 9
    "  [(8×3) ⊙ (8×3) = (8×3)]\n"  # 10
)


def test_shape_lines_are_checked_by_array_arithmetic():
    v = verdict_by_line(SHAPES)
    for line in (3, 5, 7, 9, 10):
        assert v.get(line) == "correct", (line, v)


def test_shape_line_mistakes_are_caught_and_named():
    from .test_notes import verdicts_of

    bad = (
        SHAPES.replace("((5, 8)) · ((8, 3)) = ((5, 3))", "((5, 8)) · ((8, 3)) = ((8, 3))")
        .replace("= ((8, 3))`\n- Formula: `A1", "= ((8, 5))`\n- Formula: `A1")
        .replace("[(8×3) ⊙ (8×3)", "[(8×3) ⊙ (3×8)")
    )
    v = verdict_by_line(bad)
    assert v.get(3) == "wrong"  # (8, 5)(5, 3) is (8, 3)
    assert v.get(7) == "wrong"
    assert v.get(10) == "wrong"  # element-wise needs equal shapes
    assert v.get(5) == "correct"
    assert verdicts_of(bad)[3] == {"wrong"}


def test_points_are_not_shapes_and_named_sizes_are_not_judged():
    from derive.check.notes.meaning import shapecalc

    assert not shapecalc.reads("(1, 2) + (3, 4) = (4, 6)", "a sum of two points")
    assert shapecalc.judge("(m, n) · (n, k) = (m, k)")[0] == "correct"
    assert shapecalc.judge("(n_x, m) = (n, m)")[0] == "unknown"  # n_x may be n
    assert shapecalc.judge("(10, 3) · (4, 3) = (10, 4)")[0] == "wrong"


def test_relu_written_as_max_is_the_hidden_activation():
    notes = (
        ROWS.replace("`A1 = ReLU(Z1) = max(0, Z1)`", "`A1 = max(0, Z1)`")
        + "- Formula: `dZ1 = dA1 ⊙ (1 - A1 ⊙ A1)`\n"  # 15
    )
    v = verdict_by_line(notes)
    assert v.get(14) == "correct", v
    assert v.get(15) == "wrong"  # tanh's derivative where the ReLU's is due


def test_labelled_formulas_in_a_fence():
    notes = ROWS + (
        "\n```\n"  # 15, 16
        "Forward: Z1 = X·W1,      Backward: dW1 = X^T·dZ1\n"  # 17
        "Forward: Z2 = A1·W2,     Backward: dW2 = dZ2·A1^T\n"  # 18
        "For W2: ∂L/∂W2 = ∂L/∂Z2 · ∂Z2/∂W2\n"  # 19
        "```\n"
    )
    v = verdict_by_line(notes)
    assert v.get(17) == "correct", v
    assert v.get(18) == "wrong"  # the factors swapped: (4, 2) wanted, the shapes do not chain
    assert v.get(19) == "correct"


UNICODE_NOTE = (
    "Forward pass: $z₁ = W₁x + b₁$, $a₁ = σ(z₁)$, $z₂ = W₂a₁ + b₂$, $a₂ = σ(z₂)$,"
    " cost $C = \\frac{1}{2}\\|a₂ - y\\|^2$.\n\n"  # 1
    "$$δ₂ = (a₂ - y) ⊙ σ'(z₂)$$\n\n"  # 3
    "$$δ₁ = (W₂ᵀ δ₂) ⊙ σ′(z₁)$$\n\n"  # 5
    "$$\\frac{∂C}{∂W₁} = δ₁ xᵀ$$\n\n"  # 7
    "$$\\frac{∂C}{∂b⁽¹⁾} = δ₁$$\n"  # 9
)


def test_unicode_sub_and_superscripts_are_scripts():
    v = verdict_by_line(UNICODE_NOTE)
    for line in (3, 5, 7):
        assert v.get(line) == "correct", (line, v)


def test_unicode_scripts_mistakes_are_caught():
    bad = UNICODE_NOTE.replace("(W₂ᵀ δ₂) ⊙ σ′(z₁)", "(W₂ᵀ δ₂) ⊙ σ′(z₂)").replace(
        "= δ₁ xᵀ", "= xᵀ δ₁"
    )
    v = verdict_by_line(bad)
    assert v.get(5) == "wrong"  # the derivative at the wrong layer
    assert v.get(7) == "wrong"


def test_unicode_scripts_in_tex():
    from derive.check.notes import scripts

    assert scripts.tex("W⁽²⁾ aᵀ wˡ⁺¹") == "W^{(2)} a^{T} w^{l+1}"
    assert scripts.plain("z₁ = W₁x + b₁, a⁽ᴸ⁻¹⁾") == "z1 = W1x + b1, a(L-1)"


def test_headings_between_formulas_in_a_fence():
    notes = ROWS.split("# Backward")[0] + (
        "```\n"  # 8
        "1. Output layer gradient:\n"  # 9
        "   dZ2 = A2 - Y\n"  # 10
        "2. Its weights:\n"  # 11
        "   dW2 = A1^T · dZ2\n"  # 12
        "   db2 = sum(dZ2, axis=0) / 2\n"  # 13
        "```\n"
    )
    v = verdict_by_line(notes)
    assert v.get(10) == "correct", v
    assert v.get(12) == "correct"
    assert v.get(13) == "wrong"  # half the summed gradient
    program = "```\nfor i in range(3):\n    dW2 = A1.T @ dZ2\n```\n"
    assert not verdict_by_line(ROWS.split("# Backward")[0] + program)


def test_indicator_is_the_step_and_a_letter_h_stays_a_quantity():
    from derive.check.notes import plaintext

    assert plaintext.to_latex("dZ1 = dA1 ⊙ (Z1 > 0)") == r"dZ^{[1]} = dA^{[1]} \odot H(Z^{[1]})"
    assert plaintext.to_latex("dZ1 = dA1 ⊙ 1{Z1 > 0}") == r"dZ^{[1]} = dA^{[1]} \odot H(Z^{[1]})"
    # H(1 - H): the hidden activations H times (1 - H), never the step function of 1 - H
    assert "H(" not in (plaintext.to_latex("dZ1 = dA1 ⊙ H(1 - H)") or "")


def test_greek_letters_typed_in_inline_code():
    notes = (
        "- `z1 = W1 x + b1`\n"  # 1
        "- `a1 = σ(z1)`\n"  # 2
        "- `z2 = W2 a1 + b2`\n"  # 3
        "- `a2 = σ(z2)`\n"  # 4
        "- cross-entropy loss: `δ2 = a2 - y`\n"  # 5
        "- `δ1 = (W2ᵀ δ2) ⊙ σ'(z1)`\n"  # 6
        "- `δ1 = (W2ᵀ δ2) ⊙ σ'(z2)`\n"  # 7
    )
    v = verdict_by_line(notes)
    assert v.get(5) == "correct", v
    assert v.get(6) == "correct"
    assert v.get(7) == "wrong"  # the derivative at the wrong layer


LOSS_NOTE = (
    "$p = \\sigma(x)$\n\n"  # 1
    "$Loss = -y\\log p - (1-y)\\log(1-p)$\n\n"  # 3
    "$\\frac{dLoss}{dp} = -\\frac{y}{p} + \\frac{1-y}{1-p}$\n\n"  # 5
    "$\\frac{\\partial Loss}{\\partial x} = p - y$\n\n"  # 7
)


def test_a_cost_written_as_a_word():
    v = verdict_by_line(LOSS_NOTE + "$\\frac{dLoss}{dx} = y - p$\n")  # 9
    assert v.get(5) == "correct", v
    assert v.get(7) == "correct"
    assert v.get(9) == "wrong"  # the sign flipped
    assert v.get(3) != "wrong"


def test_a_cost_word_beside_its_own_letter_stays_unread():
    # L is a symbol of the note's own (a layer count): Loss is not read as L
    v = verdict_by_line("$L = 3$\n\n" + LOSS_NOTE)
    assert "wrong" not in v.values()
