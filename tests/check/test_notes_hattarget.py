"""The target written with a hat, and an output layer called l, written here from scratch
(``meaning/scope.py``: ``hat_target``, ``at_target``). A note whose cost subtracts the label
from the output (``C = \\frac12 \\|a^{(l)} - \\hat{y}\\|^2``) and never computes ``\\hat y`` writes
the label with a hat; its gradients then say ``a^{(l)} - y`` "at the output layer (l)": a
general l beside the target is the output layer (the target has no other layer's shape)."""

from __future__ import annotations

from .test_notes import verdict_by_line


def _note(bias_grad: str, weight_grad: str) -> str:
    return (
        "1. Forward\n"  # 1
        "$$z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}$$\n"  # 2
        "$$a^{(l)} = \\sigma(z^{(l)})$$\n"  # 3
        "2. Cost: $$C = \\frac{1}{2} \\|a^{(l)} - \\hat{y}\\|^2$$\n"  # 4
        "3. At the output layer ($l$):\n"  # 5
        f"$$\\frac{{\\partial C}}{{\\partial b^{{(l)}}}} = {bias_grad}$$\n"  # 6
        f"$$\\frac{{\\partial C}}{{\\partial W^{{(l)}}}} = {weight_grad}$$\n"  # 7
    )


def test_the_hatted_label_and_the_output_layer_called_l():
    v = verdict_by_line(
        _note(
            "(a^{(l)} - y) \\odot \\sigma'(z^{(l)})",
            "((a^{(l)} - y) \\odot \\sigma'(z^{(l)})) (a^{(l-1)})^T",
        )
    )
    assert v[6] == v[7] == "correct"


def test_a_slip_at_the_output_layer_is_caught():
    v = verdict_by_line(
        _note("(a^{(l)} - y)", "((a^{(l)} - y) \\odot \\sigma'(z^{(l)})) a^{(l-1)}")
    )
    assert v[6] == "wrong"  # no sigma'
    assert v[7] == "wrong"  # no transpose
