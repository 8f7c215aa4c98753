"""A section written in a layout of its own (issue 22, held-out set 7's false alarms).

Textbook appendices derive a network with columns (``z^{(2)} = W^{(2)} a^{(1)} + b^{(2)}``) and
then, in a later section, one linear layer with the batch as rows and ``W`` stored as [in, out]
(``z_{ij} = \\sum_k x_{ik} W_{kj} + b_j``). Judged on the columns network, that section's right
claims came out WRONG. A claim is never refuted under a reading where its own section's
definition fails (``meaning/owndefs.py``); it is judged on its section alone, a bare layer in the
rows and entry forms (``meaning/onelayer.py``). Synthetic notes of our own in that notation."""

from __future__ import annotations

from .test_notes import verdict_by_line

NETWORK = (
    "# Backpropagation, two ways\n"  # 1
    "\n"
    "## 1. The network\n"  # 3
    "\n"
    "$$z^{(1)} = W^{(1)} x + b^{(1)}$$\n"  # 5
    "\n"
    "$$a^{(1)} = \\sigma(z^{(1)})$$\n"  # 7
    "\n"
    "$$z^{(2)} = W^{(2)} a^{(1)} + b^{(2)}$$\n"  # 9
    "\n"
    "$$a^{(2)} = \\sigma(z^{(2)})$$\n"  # 11
    "\n"
    "$$C = \\frac{1}{2}\\|a^{(2)} - y\\|^2$$\n"  # 13
    "\n"
    "## 2. Its gradients\n"  # 15
    "\n"
    "$$\\delta^{(2)} = (a^{(2)} - y) \\odot \\sigma'(z^{(2)})$$\n"  # 17
    "\n"
)

ROWS_SECTION = (
    "## 3. A linear layer in index form\n"  # 21
    "\n"
    "Here the examples are the rows of $x$ and $W$ is stored as [inputs, outputs]:\n"  # 23
    "\n"
    "$$z_{ij} = \\sum_k x_{ik} W_{kj} + b_j$$\n"  # 25
    "\n"
    "$$\\frac{\\partial z_{ij}}{\\partial W_{mn}} = x_{im} \\delta_{jn}$$\n"  # 27
    "\n"
    "$$\\frac{\\partial C}{\\partial W_{mn}} = "  # 29
    "\\sum_i \\frac{\\partial C}{\\partial z_{in}} x_{im}$$\n"
)


def _note(bias_gradient: str) -> str:
    return (
        NETWORK
        + f"$$\\frac{{\\partial C}}{{\\partial b^{{(2)}}}} = {bias_gradient}$$\n\n"
        + (ROWS_SECTION)
    )


def test_a_rows_section_is_not_judged_on_the_columns_network():
    v = verdict_by_line(_note("\\delta^{(2)}"))
    assert v.get(19) == "correct", v
    assert v.get(27) == "correct", v  # judged on its own section's layer (rows)
    assert v.get(29) == "correct", v


def test_a_mistake_of_the_columns_sections_is_still_caught():
    v = verdict_by_line(_note("a^{(2)} - y"))  # sigma' left out
    assert v.get(19) == "wrong", v
    assert v.get(27) != "wrong", v
    assert v.get(29) != "wrong", v


ROWS_LAYER = (
    "# One linear layer, examples as rows\n"  # 1
    "\n"
    "The layer maps a row $x$ to a row $z$:\n"  # 3
    "\n"
    "$$z = x W + b$$\n"  # 5
    "\n"
    "and the loss $L$ is any function of $z$.\n"  # 7
    "\n"
    "$$\\frac{\\partial L}{\\partial W} = {dW}$$\n"  # 9
    "\n"
    "$$\\frac{\\partial L}{\\partial x} = \\frac{\\partial L}{\\partial z} W^T$$\n"  # 11
    "\n"
    "Entry by entry:\n"  # 13
    "\n"
    "$$z_{ij} = \\sum_k x_{ik} W_{kj} + b_j$$\n"  # 15
    "\n"
    "$$\\frac{\\partial L}{\\partial W_{mn}} = {entry}$$\n"  # 17
)


def _layer(dw: str, entry: str) -> str:
    return ROWS_LAYER.replace("{dW}", dw).replace("{entry}", entry)


def test_one_bare_layer_as_rows_is_judged():
    v = verdict_by_line(
        _layer(
            "x^T \\frac{\\partial L}{\\partial z}",
            "\\sum_i \\frac{\\partial L}{\\partial z_{in}} x_{im}",
        )
    )
    assert v.get(9) == "correct", v
    assert v.get(11) == "correct", v
    assert v.get(17) == "correct", v


def test_one_bare_layer_as_rows_mistakes_are_caught():
    v = verdict_by_line(
        _layer(
            "\\frac{\\partial L}{\\partial z} x^T",  # the factors in the columns' order
            "\\sum_i \\frac{\\partial L}{\\partial z_{im}} x_{in}",  # W's indices swapped
        )
    )
    assert v.get(9) == "wrong", v
    assert v.get(11) == "correct", v
    assert v.get(17) == "wrong", v
