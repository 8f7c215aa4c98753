"""Notations met on a second held-out set of real notes (issue 22), each written here from
scratch: Ng's notation line ``dA = \\partial L / \\partial A`` next to a mean cost and
per-example dA (a definition, never WRONG), and a general-layer claim naming the hidden
activation beside a softmax output layer (a claim about the hidden layers)."""

from __future__ import annotations

from derive.check.notes.meaning import grammar, scope

from .test_notes import verdicts_of

NG_BATCH = (
    "$$Z^{[1]} = W^{[1]} X + b^{[1]}$$\n\n"
    "$$A^{[1]} = \\text{ReLU}(Z^{[1]})$$\n\n"
    "$$Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]}$$\n\n"
    "$$A^{[2]} = \\text{softmax}(Z^{[2]})$$\n\n"
    "$$\\mathcal{L} = -\\frac{1}{m} \\sum_{i=1}^{m} \\sum_{k} Y_k^{(i)} \\log(A_k^{[2](i)})$$\n\n"
    "$$dZ^{[2]} = A^{[2]} - Y$$\n\n"
)


def test_ng_notation_line_is_never_wrong_beside_per_example_gradients():
    notes = NG_BATCH + (
        "$$dA^{[1]} = \\frac{\\partial \\mathcal{L}}{\\partial A^{[1]}}$$\n\n"
        "$$dA^{[1]} = W^{[2]T} dZ^{[2]}$$\n\n"
        "$$dZ^{[1]} = \\frac{\\partial \\mathcal{L}}{\\partial A^{[1]}}$$\n"
    )
    v = verdicts_of(notes)
    assert v[11] == {"correct"}
    assert "wrong" not in v[13]  # names dA: the 1/m is the note's convention
    assert v[15] == {"correct"}
    assert v[17] == {"wrong"}  # a different symbol on the left: still a claim


def test_names_gradient_needs_the_same_quantity_and_layer():
    def p(s):
        return grammar.parse(s)

    assert scope.names_gradient(p("dW_2"), p("\\frac{\\partial J}{\\partial W_2}"))
    assert scope.names_gradient(p("dA^{[l-1]}"), p("\\frac{\\partial L}{\\partial A^{[l-1]}}"))
    assert not scope.names_gradient(p("dW_2"), p("\\frac{\\partial J}{\\partial b_2}"))
    assert not scope.names_gradient(p("dz^{[2]}"), p("\\frac{\\partial L}{\\partial a^{[2]}}"))
    assert not scope.names_gradient(p("dz^{[2]}"), p("\\frac{\\partial L}{\\partial z^{[1]}}"))
    assert not scope.names_gradient(p("dz^{[2]}"), p("a^{[2]} - y"))


GENERAL = (
    "$$z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]}$$\n\n"
    "$$a^{[l]} = \\text{ReLU}(z^{[l]})$$\n\n"
    "$$a^{[L]} = \\text{softmax}(z^{[L]})$$\n\n"
    "$$\\mathcal{L} = -\\sum_k y_k \\log a^{[L]}_k$$\n\n"
    "$$dz^{[L]} = a^{[L]} - y$$\n\n"
)


def test_general_layer_claim_with_the_hidden_activation_holds_at_hidden_layers():
    notes = GENERAL + (
        "$$dz^{[l]} = da^{[l]} \\odot \\text{ReLU}'(z^{[l]})$$\n\n"
        "$$dz^{[l]} = da^{[l]} \\odot \\sigma'(z^{[l]})$$\n\n"
        "$$da^{[l-1]} = W^{[l]T} dz^{[l]}$$\n\n"
        "$$da^{[l-1]} = W^{[l]} dz^{[l]}$$\n"
    )
    v = verdicts_of(notes)
    assert v[9] == {"correct"}
    assert v[11] == {"correct"}  # fails only at the softmax output layer
    assert v[13] == {"wrong"}  # sigma' is wrong at the ReLU hidden layers too
    assert v[15] == {"correct"}
    assert v[17] == {"wrong"}


def test_hidden_only_needs_a_hidden_layer_that_holds():
    out = 3
    assert scope.hidden_only([(1, (), 1, True), (2, (), 1, True), (3, (), 1, False)], out)
    assert not scope.hidden_only([(1, (), 1, None), (3, (), 1, False)], out)
    assert not scope.hidden_only([(2, (), 1, False), (3, (), 1, False)], out)
    assert not scope.hidden_only([(2, (), 1, True), (2, (), 2, False), (3, (), 1, True)], out)


NG_BINARY = (
    "$$Z^{[1]} = W^{[1]} X + b^{[1]}$$\n\n"
    "$$A^{[1]} = \\tanh(Z^{[1]})$$\n\n"
    "$$Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]}$$\n\n"
    "$$A^{[2]} = \\sigma(Z^{[2]})$$\n\n"
    "$$J = -\\frac{1}{m} \\sum_{i=1}^m \\left(y^{(i)} \\log a^{[2](i)}"
    " + (1 - y^{(i)}) \\log(1 - a^{[2](i)})\\right)$$\n\n"
    "$$dZ^{[2]} = A^{[2]} - Y$$\n\n"
)


def test_a_bare_sum_of_a_batch_gradient_runs_over_the_examples():
    notes = NG_BINARY + (
        "$$db^{[2]} = \\frac{1}{m} \\sum dZ^{[2]}$$\n\n"
        "$$db^{[2]} = \\sum dZ^{[2]}$$\n\n"
        "$$db^{[2]} = \\frac{1}{m} \\sum A^{[2]}$$\n\n"
        "$$dB^{[2]} = \\frac{1}{m} * \\sum dZ^{[2]}$$\n"
    )
    v = verdicts_of(notes)
    assert v[13] == {"correct"}
    assert v[15] == {"wrong"}  # the 1/m of the mean cost is missing
    assert v[17] == {"wrong"}
    assert v[19] == {"correct"}  # dB: the bias gradient, as db


def test_a_number_given_to_a_cost_letter_is_a_count_not_the_cost():
    # L = 4 states the number of layers; read as the cost, every gradient of it would be 0
    notes = (
        "For a network with $L=4$ layers the error at the output is\n\n"
        "> $\\delta^{(4)}_j=a^{(4)}_j-y_j$\n"
    )
    v = verdicts_of(notes)
    assert "wrong" not in v.get(1, set())
    assert v[3] == {"correct"}


def test_the_cost_written_as_a_function_of_the_weights_is_no_product():
    # J(\Theta) is the cost of the weights, not J times Theta (whose derivative is J, or 0)
    notes = (
        "> $\\frac{\\partial}{\\partial\\Theta^{(l)}_{ij}}J(\\Theta)"
        "=a^{(l)}_j\\delta^{(l+1)}_i$\n\n"
        "$$\\frac{\\partial}{\\partial w} E \\left( w \\right) = x \\delta$$\n\n"
        "$$\\frac{d}{dz} \\sigma(z) = \\sigma(z)$$\n"
    )
    v = verdicts_of(notes)
    assert "wrong" not in v[1]
    assert "wrong" not in v[3]
    assert v[5] == {"wrong"}  # an activation's identity is still checked by itself
