"""One dense layer written with bare names (``z = Wx + b``, ``a = \\sigma(z)``, an abstract
``L(a)``) and shapes stated with the note's own size letters (``W \\in \\mathbb{R}^{m \\times
n}``): ``meaning/onelayer.py`` and ``meaning/ownsizes.py`` (issue 22). Each formula is broken
over lines (left-hand side, a lone ``=``, the right-hand side), as such notes write it."""

from __future__ import annotations

from .test_notes import verdict_by_line

LAYER = (
    "Input $x \\in \\mathbb{R}^{n \\times 1}$ and weights:\n"  # 1
    "\n"
    "$$\n"  # 3
    "W \\in \\mathbb{R}^{m \\times n}\n"  # 4
    "$$\n"
    "\n"
    "$$\n"  # 7
    "z = Wx + b\n"  # 8
    "$$\n"
    "\n"
    "$$\n"  # 11
    "a = \\sigma(z)\n"  # 12
    "$$\n"
    "\n"
)


def _block(lhs: str, rhs: str) -> str:
    return f"$$\n{lhs}\n=\n{rhs}\n$$\n\n"  # the right-hand side 3 lines below the opening


def test_one_bare_layer_is_judged():
    v = verdict_by_line(
        LAYER
        + _block(
            "\\frac{\\partial L}{\\partial W}", "\\frac{\\partial L}{\\partial z}\n\\cdot\nx^T"
        )
        + _block("\\frac{\\partial L}{\\partial x}", "W^T\n\\frac{\\partial L}{\\partial z}")
        + "$$\\frac{\\partial L}{\\partial W} \\in \\mathbb{R}^{m \\times n}$$\n"  # 30
    )
    assert v.get(18) == "correct", v
    assert v.get(26) == "correct", v
    assert v.get(30) == "correct", v


def test_one_bare_layer_mistakes_are_caught():
    v = verdict_by_line(
        LAYER
        + _block(
            "\\frac{\\partial L}{\\partial W}", "x^T\n\\cdot\n\\frac{\\partial L}{\\partial z}"
        )
        + _block("\\frac{\\partial L}{\\partial x}", "W\n\\frac{\\partial L}{\\partial z}")
        + "$$\\frac{\\partial L}{\\partial x} \\in \\mathbb{R}^{m \\times 1}$$\n"  # 30
        + "$$\\frac{\\partial L}{\\partial W} \\in \\mathbb{R}^{n \\times m}$$\n"  # 31
    )
    assert v.get(18) == "wrong", v  # the factors swapped
    assert v.get(26) == "wrong", v  # the transpose forgotten
    assert v.get(30) == "wrong", v  # dL/dx has x's size n, not m
    assert v.get(31) != "wrong", v  # a gradient stated as the transpose: a layout, not wrong


def test_a_layered_note_is_not_one_layer():
    # W_1, W_2: the note's network has layers; its bare z = Wx + b is no one-layer network
    v = verdict_by_line(
        "$$z = Wx + b$$\n"  # 1
        "$$z_1 = W_1 x + b_1, \\quad a_1 = \\sigma(z_1)$$\n"  # 2
        "$$z_2 = W_2 a_1 + b_2, \\quad a_2 = \\sigma(z_2)$$\n"  # 3
        "$$\\frac{\\partial L}{\\partial W} = \\frac{\\partial L}{\\partial z} x^T$$\n"  # 4
    )
    assert v.get(4) != "wrong", v
