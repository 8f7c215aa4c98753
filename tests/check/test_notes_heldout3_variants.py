"""Notations met on a third held-out set of real notes (issue 22), each written here from
scratch, that the checker had called WRONG though they are right: one cost under two names in
a chain rule, a weight numbered across the whole network, a derivative operator before a sum
and a bias, a loss rewritten through a new variable (``z = y - t``), and a letter reused for
a second example."""

from __future__ import annotations

from .test_notes import verdicts_of

NUMBERED = (
    "$$z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]}$$\n\n"
    "$$a^{[l]} = \\sigma(z^{[l]})$$\n\n"
    "$$C = \\frac{1}{2}\\|a^{[4]} - y\\|^2$$\n\n"
)


def _chain(top: str, last: str) -> str:
    return (
        f"$$\\frac{{\\partial C}}{{\\partial w_{{47}}}} = \\frac{{\\partial {top}}}"
        "{\\partial a_1^{[3]}} \\frac{\\partial a_1^{[3]}}{\\partial z_1^{[3]}} "
        f"\\frac{{\\partial z_1^{{[3]}}}}{{\\partial {last}}}$$\n\n"
    )


def test_a_weight_numbered_across_the_network_and_a_cost_under_two_names():
    # w_{47} numbers the units of the whole network: its layer is the note's drawing, not
    # the drawn network's top layer; L and C are the one cost
    v = verdicts_of(NUMBERED + _chain("C", "w_{47}") + _chain("L", "w_{47}") + _chain("L", "b_7"))
    assert "wrong" not in v[7]
    assert "wrong" not in v[9]
    assert v[11] == {"wrong"}  # the chain ends at b_7, not at w_{47}: still a mistake


def test_a_derivative_operator_takes_the_rest_of_its_group():
    notes = (
        "$$z^l_j = \\sum_k w^l_{jk} a^{l-1}_k + b^l_j$$\n\n"
        "$$a^l = \\sigma(z^l)$$\n\n"
        "$$C = \\frac{1}{2}\\|a^L - y\\|^2$$\n\n"
        "$$\\frac{\\partial C}{\\partial w^l_{jk}} = \\frac{\\partial C}{\\partial z^l_j} "
        "\\left[ \\frac{\\partial}{\\partial w^l_{jk}} \\sum_i w^l_{ji} a^{l-1}_i + b^l_j "
        "\\right]$$\n\n"
        "$$\\frac{\\partial z^l_j}{\\partial w^l_{jk}} = \\left[ \\frac{\\partial}{\\partial "
        "w^l_{jk}} \\sum_i w^l_{ji} a^{l-1}_i + b^l_j \\right] = a^{l-1}_j$$\n"
    )
    v = verdicts_of(notes)
    assert v[7] == {"correct"}
    assert "wrong" in v[9]  # a^{l-1}_j: the wrong index is still caught


def test_a_loss_rewritten_through_a_new_variable_passes_through_it():
    notes = (
        "$$L = \\frac{1}{2}(y - t)^2$$\n\n"
        "Let $z = y - t$, then $L = \\frac{1}{2} z^2$.\n\n"
        "$$\\frac{\\partial L}{\\partial z} = z$$\n\n"
        "$$\\frac{\\partial L}{\\partial y} = \\frac{\\partial L}{\\partial z} "
        "\\frac{\\partial z}{\\partial y} = z$$\n\n"
        "$$\\frac{\\partial L}{\\partial z} = 2 z$$\n"
    )
    v = verdicts_of(notes)
    assert v[5] == {"correct"}
    assert "wrong" not in v[7]
    assert v[9] == {"wrong"}


def test_a_letter_reused_for_a_second_example_is_not_judged_by_the_first():
    notes = (
        "$$L = \\frac{1}{2}(y - t)^2$$\n\n"
        "Let $z = y - t$, then $L = \\frac{1}{2} z^2$.\n\n"
        "Now a unit: $y = \\sigma(z)$.\n\n"
        "$$\\frac{\\partial y}{\\partial z} = \\sigma'(z)$$\n"
    )
    assert "wrong" not in verdicts_of(notes)[7]
