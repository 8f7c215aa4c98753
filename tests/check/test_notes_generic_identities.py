"""Lines that use a letter for something other than the note's network, written here from
scratch: an activation's identity in a table with the generic ``a`` (``1 - \\tanh^2(z) =
1 - a^2`` in a note whose hidden layers are ReLU), and Bishop's output defined as
``y_k = e^{a_k} / \\sum_j e^{a_j}`` (a definition, not a claim about the target)."""

from __future__ import annotations

from .test_notes import verdicts_of

RELU_NET = (
    "Network: $z = W x + b$, $a = \\text{ReLU}(z)$, then $\\hat y = \\sigma(v^T a + c)$.\n\n"
    "The loss is $L = -[y \\log \\hat y + (1-y)\\log(1-\\hat y)]$.\n\n"
    "| activation | derivative |\n|---|---|\n"
)


def test_a_table_of_activation_derivatives_reads_a_as_that_activation():
    v = verdicts_of(
        RELU_NET + "| $\\tanh$ | $1 - \\tanh^2(z) = 1 - a^2$ |\n"
        "| $\\sigma$ | $\\sigma(z)(1 - \\sigma(z)) = a(1 - a)$ |\n"
        "| $\\tanh$ | $1 - \\tanh^2(z) = 1 + a^2$ |\n"
    )
    assert v[7] == {"correct"}
    assert v[8] == {"correct"}
    assert "correct" not in v[9]  # holds under no reading


def test_a_softmax_output_named_y_is_a_definition():
    v = verdicts_of(
        "We use softmax outputs $y_k = \\frac{e^{a_k}}{\\sum_j e^{a_j}}$.\n\n"
        "$$\\frac{\\partial y_k}{\\partial a_l} = \\delta_{kl} y_k - y_k y_l$$\n\n"
        "$$C = \\frac{1}{2}\\|A - Y\\|^2$$\n"
    )
    assert "wrong" not in v.get(1, set())


RELU_BATCH = (
    "Forward: $Z_1 = W_1 X + b_1$, $A_1 = \\text{ReLU}(Z_1)$, $Z_2 = W_2 A_1 + b_2$, "
    "$A_2 = \\sigma(Z_2)$.\n\n"
    "Loss: $L = -\\frac{1}{m}\\sum_i \\left[y_i \\log A_2^{(i)} + (1-y_i)\\log(1-A_2^{(i)})"
    "\\right]$\n\n"
)


def test_cases_on_values_are_never_judged_without_their_condition():
    # "0 otherwise" holds where z <= 0 only; read without its condition it looked WRONG
    v = verdicts_of(
        RELU_BATCH
        + "$$\\text{ReLU}'(z) = \\begin{cases} 1 & \\text{if } z > 0 \\\\ 0 & \\text{otherwise} "
        "\\end{cases}$$\n\n"
        "$$g'(Z_1) = \\begin{cases} 1, & Z_1 > 0 \\\\ 0, & \\text{otherwise} \\end{cases}$$\n\n"
        "$$dZ_1 = W_2^T dZ_2 \\odot g'(Z_1)$$\n"
    )
    assert "wrong" not in v[5]
    assert "wrong" not in v[7]


def test_sigma_prime_written_with_the_generic_a_inline():
    v = verdicts_of(
        "Examples are rows: $Z^{(1)} = X W^{(1)} + b^{(1)}$, $A^{(1)} = \\text{ReLU}(Z^{(1)})$, "
        "$Z^{(2)} = A^{(1)} W^{(2)} + b^{(2)}$, $\\hat Y = \\text{softmax}(Z^{(2)})$.\n\n"
        "Since $\\sigma'(z) = \\sigma(z)(1-\\sigma(z)) = a(1-a)$.\n\n"
        "Not $\\sigma'(z) = a(1+a)$.\n"
    )
    assert v[3] == {"correct"}
    assert v[5] == {"wrong"}


def test_a_function_of_the_whole_matrices_written_with_entries_is_a_definition():
    # f(A_{lm}, B_{ij}) = \sum_l ...: its letters name the matrices' entries it takes
    v = verdicts_of(
        "$$\\tilde{z}_i = g\\left(\\sum_j B_{ij} x_j\\right)$$\n\n"
        "$$z_l = g\\left(\\sum_m A_{lm} \\tilde{z}_m\\right)$$\n\n"
        "$$f(A_{lm}, B_{ij}) = \\sum_{l=1}^{N} (z_l - y_l)^2$$\n\n"
        "$$\\frac{\\partial z_k}{\\partial x_j} = \\sum_k A_{km} x_j$$\n"
    )
    assert "wrong" not in v[5]
    assert v[7] == {"wrong"}  # a sum over the free index k: still named


def test_a_line_naming_its_output_activation_is_judged_for_that_output():
    # Bishop's list: the output Jacobian for a linear, a sigmoid and a softmax output, in a
    # note whose own output is tanh
    v = verdicts_of(
        "Units: $a_j = \\sum_i w_{ji} x_i$, $z_j = h(a_j)$, $a_k = \\sum_j w_{kj} z_j$, "
        "$y_k = \\tanh(a_k)$.\n\n"
        "* Linear output units: $\\frac{\\partial y_k}{\\partial a_l} = \\delta_{kl}$\n"
        "* Softmax outputs: $\\frac{\\partial y_k}{\\partial a_l} = \\delta_{kl} y_k - y_k y_l$\n"
        "* Softmax outputs: $\\frac{\\partial y_k}{\\partial a_l} = \\delta_{kl} y_k + y_k y_l$\n"
    )
    assert "wrong" not in v[3]
    assert v[4] == {"correct"}
    assert "correct" not in v[5]  # the sign of y_k y_l flipped holds under no reading


def test_a_capital_l_subscript_is_the_last_layer_not_an_entry():
    v = verdicts_of(
        "$$z_L = W_L a_{L-1} + b_L$$\n\n"
        "$$a_L = \\text{softmax}(z_L)$$\n\n"
        "$$\\mathcal{L} = -\\sum_c y_c \\log a_{Lc}$$\n\n"
        "$$\\frac{\\partial \\mathcal{L}}{\\partial z_L} = \\mathbf{a} - \\mathbf{y}$$\n\n"
        "$$\\frac{\\partial \\mathcal{L}}{\\partial z_L} = a_L - y$$\n\n"
        "$$\\frac{\\partial \\mathcal{L}}{\\partial z_L} = a_L + y$$\n"
    )
    assert "wrong" not in v[7]
    assert v[9] == {"correct"}
    assert "correct" not in v[11]  # a + y holds under no reading


def test_a_derivative_by_a_bare_name_of_the_notes_own_network():
    """``z = w x + b`` read as the note's own network (its w, b, x are a deep drawn
    network's last-layer parameters, because a numbered ``b_7`` elsewhere asks for seven
    layers): ``\\partial C / \\partial z`` is by that z, through which the cost is computed,
    not by the drawn network's last z (on which this cost does not depend: a false WRONG)."""
    note = (
        "$$z = w x + b$$\n\n$$a = \\sigma(z)$$\n\n$$C = (a - y)^2$$\n\n"
        "$$\\frac{\\partial C}{\\partial b} = \\frac{\\partial C}{\\partial z}$$\n\n"
        "$$\\frac{\\partial C}{\\partial w} = \\frac{\\partial C}{\\partial z}$$\n\n"
        "Later a bigger net numbers its biases, $b_7$ the last one.\n"
    )
    v = verdicts_of(note)
    assert v[7] == {"correct"}
    assert v[9] == {"wrong"}  # dC/dw is x dC/dz
