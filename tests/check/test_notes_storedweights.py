"""Columns with each weight matrix stored [in, out] (issue 22, held-out set 7).

Textbooks that follow the frameworks' storage of a linear layer (``x @ W``, ``W`` of shape
``[in, out]``) derive with column vectors all the same: ``z_1 = W_1^T x + b_1`` with ``W_1 \\in
\\mathbb{R}^{n \\times m}``, then ``\\frac{\\partial L}{\\partial W_2} = a_1 \\delta_2^T`` and
``\\frac{\\partial L}{\\partial a_1} = W_2 \\delta_2``. Read with the model's columns (W
``[out, in]``) the note's own forward equations failed, and ``W_2 \\delta_2`` was called WRONG.
The reading ``Reading.wt`` (``meaning/storedweights.py``) takes the note's W as the model's
transposed where its forward equations write ``W^T a``. Plain-text fences of such notes carry
shape comments (``# [m, k]``) and comment lines (``# 층 1``): they are dropped, the formula read
(``notes/unifence.py``). Synthetic notes of our own."""

from __future__ import annotations

from derive.check.notes.unifence import fence_formulas

from .test_notes import verdict_by_line

LATEX = (
    "# Two layers, weights stored as [in, out]\n"  # 1
    "\n"  # 2
    "$$W_1 \\in \\mathbb{R}^{n \\times m}, \\quad W_2 \\in \\mathbb{R}^{m \\times k}$$\n"  # 3
    "\n"  # 4
    "$$z_1 = W_1^T x + b_1, \\qquad a_1 = \\sigma(z_1)$$\n"  # 5
    "\n"  # 6
    "$$z_2 = W_2^T a_1 + b_2, \\qquad a_2 = \\sigma(z_2)$$\n"  # 7
    "\n"  # 8
    "$$L = \\frac{1}{2}\\|a_2 - y\\|^2$$\n"  # 9
    "\n"  # 10
    "$$\\delta_2 = \\frac{\\partial L}{\\partial z_2} = (a_2 - y) \\odot \\sigma'(z_2)$$\n"  # 11
    "\n"  # 12
    "$$\\frac{\\partial L}{\\partial W_2} = a_1 \\delta_2^T$$\n"  # 13
    "\n"  # 14
    "$$\\frac{\\partial L}{\\partial a_1} = W_2 \\delta_2$$\n"  # 15
    "\n"  # 16
    "$$\\frac{\\partial L}{\\partial a_1} = W_2^T \\delta_2$$\n"  # 17
    "\n"  # 18
    "$$\\delta_1 = (W_2 \\delta_2) \\odot \\sigma'(z_1)$$\n"  # 19
    "\n"  # 20
    "$$\\delta_1 = (W_2 \\delta_2) \\odot \\sigma(z_1)$$\n"  # 21
    "\n"  # 22
    "$$\\frac{\\partial L}{\\partial W_1} = x \\delta_1^T$$\n"  # 23
    "\n"  # 24
    "$$\\frac{\\partial L}{\\partial W_1} = 2 x \\delta_1^T$$\n"  # 25
)


def test_columns_with_weights_stored_in_out():
    v = verdict_by_line(LATEX)
    assert v.get(11) == "correct", v
    assert v.get(13) == "correct", v  # a_1 delta_2^T: [m, k], W_2's shape
    assert v.get(15) == "correct", v  # W_2 delta_2, no transpose
    assert v.get(17) == "wrong", v  # W_2^T delta_2: the model's order, not this note's
    assert v.get(19) == "correct", v
    assert v.get(21) == "wrong", v  # sigma for sigma'
    assert v.get(23) == "correct", v
    assert v.get(25) == "wrong", v  # a factor 2


PLAIN = (
    "## 2층 네트워크\n"  # 1
    "\n"  # 2
    "```\n"  # 3
    "층1: W₁ ∈ ℝⁿˣᵐ, b₁ ∈ ℝᵐ\n"  # 4
    "층2: W₂ ∈ ℝᵐˣᵏ, b₂ ∈ ℝᵏ\n"  # 5
    "```\n"  # 6
    "\n"  # 7
    "```\n"  # 8
    "# 층 1\n"  # 9
    "z₁ = W₁ᵀx + b₁        # [m]\n"  # 10
    "a₁ = σ(z₁)            # [m]\n"  # 11
    "\n"  # 12
    "# 층 2\n"  # 13
    "z₂ = W₂ᵀa₁ + b₂       # [k]\n"  # 14
    "ŷ = σ(z₂)             # [k]\n"  # 15
    "```\n"  # 16
    "\n"  # 17
    "```\n"  # 18
    "∂L/∂z₂ = (ŷ - y) ⊙ ŷ ⊙ (1 - ŷ)    # [k]\n"  # 19
    "∂L/∂W₂ = a₁ × (∂L/∂z₂)ᵀ    # [m, k]\n"  # 20
    "∂L/∂a₁ = W₂ × ∂L/∂z₂    # [m]\n"  # 21
    "∂L/∂a₁ = W₂ × ∂L/∂z₂ × 2    # [m]\n"  # 22
    "∂L/∂z₁ = ∂L/∂a₁ ⊙ σ'(z₁)    # [m]\n"  # 23
    "∂L/∂W₁ = x × (∂L/∂z₁)ᵀ    # [n, m]\n"  # 24
    "```\n"  # 25
)


def test_a_plain_fence_with_shape_comments():
    v = verdict_by_line(PLAIN)
    assert v.get(19) == "correct", v
    assert v.get(20) == "correct", v
    assert v.get(21) == "correct", v
    assert v.get(22) == "wrong", v  # a stray factor 2
    assert v.get(23) == "correct", v
    assert v.get(24) == "correct", v


def test_a_program_with_comments_stays_unread():
    # comments are a note's only in a fence of math typed in Unicode
    assert fence_formulas(["# forward", "z = W x + b", "a = s(z)"]) == {}
    assert set(fence_formulas(["# 층 1", "z₁ = W₁ᵀx + b₁   # [m]"])) == {1}
    # a word before a formula is prose; a label's words around "=" are no formula
    assert set(fence_formulas(["따라서 ∂L/∂a₁ = W₂ × ∂L/∂z₂"])) == {0}
    read = fence_formulas(["은닉층: h = m 뉴런", "z₁ = W₁ᵀx + b₁"])
    assert all(not tex.startswith("h = m") for tex, _ in read.values()), read


NEURON = (
    "## 1. 뉴런 하나\n"  # 1
    "\n"  # 2
    "```\n"  # 3
    "z = wx + b\n"  # 4
    "a = σ(z)\n"  # 5
    "L = (1/2)(a - y)²\n"  # 6
    "```\n"  # 7
    "\n"  # 8
    "```\n"  # 9
    "x = 2, w = 0.5, b = 0.1, y = 1\n"  # 10
    "z = 0.5 × 2 + 0.1 = 1.1\n"  # 11
    "a = σ(1.1) ≈ 0.75\n"  # 12
    "```\n"  # 13
    "\n"  # 14
    "```\n"  # 15
    "∂a/∂z = σ(z)(1 - σ(z)) = 0.75 × 0.25 = 0.1875\n"  # 16
    "```\n"  # 17
    "\n"  # 18
)


def test_a_worked_neuron_before_a_layered_network_is_no_worked_network():
    # z_1 = W_1^T x + b_1 is a layer's vector, not a unit of the neuron's worked example: the
    # example's rounded 0.75 x 0.25 is not held against sigma(1.1)(1 - sigma(1.1))
    v = verdict_by_line(NEURON + PLAIN)
    assert v.get(16) == "correct", v
    assert v.get(39) == "correct", v  # W_2 dL/dz_2 (line 21 of PLAIN)
    assert v.get(40) == "wrong", v


BATCH = (
    "## 2층 네트워크\n"  # 1
    "\n"  # 2
    "```\n"  # 3
    "# 층 1\n"  # 4
    "z₁ = W₁ᵀx + b₁        # [m]\n"  # 5
    "a₁ = σ(z₁)            # [m]\n"  # 6
    "\n"  # 7
    "# 층 2\n"  # 8
    "z₂ = W₂ᵀa₁ + b₂       # [k]\n"  # 9
    "ŷ = softmax(z₂)        # [k]\n"  # 10
    "```\n"  # 11
    "\n"  # 12
    "```\n"  # 13
    "∂L/∂z₂ = ŷ - y    # [k]\n"  # 14
    "∂L/∂W₂ = a₁ × (∂L/∂z₂)ᵀ    # [m, k]\n"  # 15
    "\n"  # 16
    "배치 버전 (B개 샘플):\n"  # 17
    "∂L/∂W₂ = (1/B) × A₁ᵀ × (Ŷ - Y)    # [m, k]\n"  # 18
    "∂L/∂W₂ = (1/B) × A₁ × (Ŷ - Y)    # [m, k]\n"  # 19
    "∂L/∂W₂ = (2/B) × A₁ᵀ × (Ŷ - Y)    # [m, k]\n"  # 20
    "∂L/∂W₁ = (1/B) × Xᵀ × (∂L/∂Z₁)    # [n, m]\n"  # 21
    "```\n"  # 22
)


def test_the_batch_of_such_a_note_is_rows_of_b_examples():
    # (1/B) A_1^T (Y_hat - Y): B the number of examples, the batch stacked as rows with the
    # same W [in, out]; dL/dZ_1 the examples' gradients stacked, as the 1/B outside says
    v = verdict_by_line(BATCH)
    assert v.get(14) == "correct", v
    assert v.get(15) == "correct", v
    assert v.get(18) == "correct", v
    assert v.get(19) != "correct", v  # A_1 untransposed
    assert v.get(20) != "correct", v  # 2/B
    assert v.get(21) == "correct", v


SUMMARY = (
    "## 요약\n"  # 1
    "\n"  # 2
    "```\n"  # 3
    "z₁ = W₁ᵀx + b₁\n"  # 4
    "a₁ = ReLU(z₁)\n"  # 5
    "z₂ = W₂ᵀa₁ + b₂\n"  # 6
    "ŷ = softmax(z₂)\n"  # 7
    "```\n"  # 8
    "\n"  # 9
    "| 변수 | Gradient | Shape |\n"  # 10
    "|:-----|:---------|:------|\n"  # 11
    "| z₂ | ŷ - y | [k] |\n"  # 12
    "| W₂ | a₁ × (ŷ - y)ᵀ | [m, k] |\n"  # 13
    "| a₁ | W₂ × (ŷ - y) | [m] |\n"  # 14
    "| a₁ | W₂ᵀ × (ŷ - y) | [m] |\n"  # 15
    "| b₂ | 2 × (ŷ - y) | [k] |\n"  # 16
    "\n"  # 17
    "```\n"  # 18
    "∂L/∂a₁ = W₂ × ∂L/∂z₂\n"  # 19
    "따라서 ∂L/∂z₁ = ∂L/∂a₁ ⊙ (z₁ > 0)\n"  # 20
    "즉, ∂L/∂z₁ = ∂L/∂a₁ ⊙ z₁\n"  # 21
    "```\n"  # 22
)


def test_a_plain_table_of_gradients_by_variable_and_words_around_formulas():
    # | 변수 | Gradient |: each row the claim dL/d(variable) = cell; (z₁ > 0) after ⊙ the ReLU's
    # derivative; a Korean word before a formula (따라서, 즉,) is prose
    v = verdict_by_line(SUMMARY)
    assert v.get(12) == "correct", v
    assert v.get(13) == "correct", v
    assert v.get(14) == "correct", v
    assert v.get(15) != "correct", v  # W_2^T: not this note's storage
    assert v.get(16) != "correct", v  # a factor 2
    assert v.get(19) == "correct", v
    assert v.get(20) == "correct", v
    assert v.get(21) == "wrong", v  # z_1 for the step (z_1 > 0)
