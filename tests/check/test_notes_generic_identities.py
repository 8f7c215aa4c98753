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
