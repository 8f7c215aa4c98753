"""Computational-graph nodes, one per section, each with its local derivative, as notes after
"Deep Learning from Scratch" write them (``meaning/localnodes.py``, issue 22): the add node
``z = x + y``, the multiply node ``z = xy``, the ``1/x`` node with the gradient from upstream
as an opaque factor, each section reusing the letters of the one before."""

from __future__ import annotations

from .test_notes import verdict_by_line


def _note(add: str, mul_x: str, mul_y: str, recip: str, upstream: str) -> str:
    return (
        "## Backpropagation on a computational graph\n"  # 1
        "\n"
        "### The add node\n"  # 3
        "Take $z = x + y$. Its local derivatives:\n"  # 4
        "$$\n"  # 5
        f"\\frac{{\\partial z}}{{\\partial x}} = {add}\n"  # 6
        "$$\n"
        "\n"
        "### The multiply node\n"  # 9
        "Take $z = xy$. Then\n"  # 10
        "$$\n"  # 11
        f"\\frac{{\\partial z}}{{\\partial x}} = {mul_x} \\\\\n"  # 12
        f"\\frac{{\\partial z}}{{\\partial y}} = {mul_y}\n"  # 13
        "$$\n"
        "\n"
        "### The division node\n"  # 16
        "The node computes $y = \\frac{1}{x}$, so\n"  # 17
        "$$\n"  # 18
        f"\\frac{{\\partial y}}{{\\partial x}} = {recip}\n"  # 19
        "$$\n"
        "and the signal from upstream is multiplied by it:\n"  # 21
        "$$\n"  # 22
        f"\\frac{{\\partial L}}{{\\partial y}} \\frac{{\\partial y}}{{\\partial x}} = {upstream}\n"
        "$$\n"
    )


def test_local_derivatives_of_each_sections_node_are_judged():
    v = verdict_by_line(
        _note("1", "y", "x", "-\\frac{1}{x^2} = -y^2", "-\\frac{\\partial L}{\\partial y} y^2")
    )
    for line in (6, 12, 13, 19, 23):
        assert v.get(line) == "correct", (line, v)


def test_a_wrong_local_derivative_is_caught():
    v = verdict_by_line(
        _note("x", "x", "x", "-\\frac{1}{x}", "\\frac{\\partial L}{\\partial y} y^2")
    )
    assert v.get(6) == "wrong", v  # the add node passes the signal on: 1, not x
    assert v.get(12) == "wrong", v  # the multiply node swaps its inputs: y, not x
    assert v.get(13) == "correct", v
    assert v.get(19) == "wrong", v  # d(1/x)/dx is -1/x^2
    assert v.get(23) == "wrong", v  # the sign of -y^2 dropped


def test_a_section_with_two_nodes_of_one_name_is_never_wrong():
    # a list of nodes in one section: y = exp(x) and y = 1/x; a derivative that holds for
    # one of them is correct, one that holds for neither is left unread (which node it means
    # is not said)
    note = (
        "### The sigmoid, node by node\n"  # 1
        "The $exp$ node computes $y = \\exp(x)$ and the $/$ node $y = \\frac{1}{x}$.\n"  # 2
        "$$\n"  # 3
        "\\frac{\\partial y}{\\partial x} = \\exp(x)\n"  # 4
        "$$\n"
        "$$\n"  # 6
        "\\frac{\\partial y}{\\partial x} = -y^2\n"  # 7
        "$$\n"
        "$$\n"  # 9
        "\\frac{\\partial y}{\\partial x} = x^2\n"  # 10
        "$$\n"
    )
    v = verdict_by_line(note)
    assert v.get(4) == "correct", v
    assert v.get(7) == "correct", v
    assert v.get(10) != "wrong", v


def _relu(low: str, high: str) -> str:
    return (
        "### The ReLU node\n"  # 1
        "$$\n"  # 2
        "y =\n"  # 3
        "\\begin{cases}\n"  # 4
        "    x\\ (x > 0) \\\\\n"  # 5
        "    0\\ (x \\le 0)\n"  # 6
        "\\end{cases}\n"
        "$$\n"
        "Its derivative:\n"  # 9
        "$$\n"  # 10
        "\\frac{\\partial y}{\\partial x} =\n"  # 11
        "\\begin{cases}\n"  # 12
        f"    {high}\\ (x > 0) \\\\\n"  # 13
        f"    {low}\\ (x \\le 0)\n"  # 14
        "\\end{cases}\n"
        "$$\n"
    )


def test_a_node_defined_by_cases_in_parentheses():
    v = verdict_by_line(_relu("0", "1"))
    assert v.get(13) == "correct", v
    assert v.get(14) == "correct", v
    v = verdict_by_line(_relu("1", "x"))
    assert v.get(13) == "wrong", v  # the slope of x is 1, not x
    assert v.get(14) == "wrong", v  # ReLU passes nothing back below 0


def test_a_prime_on_an_expression_in_one_name():
    # the loss box of softmax-with-loss: the rules it uses, primed, in the one name written
    note = (
        "### The cross-entropy box\n"  # 1
        "$$\n"  # 2
        "L = - \\sum_{k} t_k \\log y_k\n"  # 3
        "$$\n"
        "1. The derivative of the log: $(\\log y)' = \\frac{1}{y}$\n"  # 5
        "2. Of the exponential: $(e^{a})' = e^{a}$\n"  # 6
        "3. Of the log, slipped: $(\\log y)' = y$\n"  # 7
    )
    v = verdict_by_line(note)
    assert v.get(5) == "correct", v
    assert v.get(6) == "correct", v
    assert v.get(7) == "wrong", v
