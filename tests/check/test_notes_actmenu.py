"""A table of activations for the sigmoid's own letter (issue 22), written here from scratch:
the network uses ``\\sigma`` as the sigmoid, and a table lists what ``\\sigma`` may be
(sigmoid, tanh, ReLU) with its derivative. Off the table sigma stays the sigmoid; a claim on
a row that defines it otherwise is about that row's function."""

from __future__ import annotations

from .test_notes import verdict_by_line

NOTE = (
    "Rows: $z^{(1)} = xW^{(1)} + b^{(1)}$, $a^{(1)} = \\sigma(z^{(1)})$,\n"  # 1
    "$z^{(2)} = a^{(1)}W^{(2)} + b^{(2)}$, $\\hat{y} = softmax(z^{(2)})$.\n"  # 2
    "\n"
    "$$\\delta^{(1)} = (\\delta^{(2)} W^{(2)T}) \\odot \\sigma'(z^{(1)})$$\n"  # 4
    "\n"
    "| activation | $\\sigma(z)$ | $\\sigma'(z)$ |\n"  # 6
    "|---|---|---|\n"  # 7
    "| Sigmoid | $\\frac{1}{1+e^{-z}}$ | $\\sigma(z)(1-\\sigma(z))$ |\n"  # 8
    "| Tanh | $\\frac{e^z - e^{-z}}{e^z + e^{-z}}$ | $1 - \\tanh^2(z)$ |\n"  # 9
    "| ReLU | $\\max(0, z)$ | $\\mathbf{1}_{z > 0}$ |\n"  # 10
)


def test_off_the_table_sigma_is_the_sigmoid():
    v = verdict_by_line(NOTE)
    assert v.get(4) == "correct", v
    assert v.get(8) == "correct", v
    assert v.get(10) != "wrong", v  # the ReLU's row: not judged as the sigmoid


def test_a_wrong_derivative_off_the_table_is_caught():
    wrong = NOTE.replace("\\odot \\sigma'(z^{(1)})", "\\odot \\sigma(z^{(1)})")
    assert verdict_by_line(wrong).get(4) == "wrong"
    wrong = NOTE.replace("$\\sigma(z)(1-\\sigma(z))$", "$\\sigma(z)(1+\\sigma(z))$")
    assert verdict_by_line(wrong).get(8) == "wrong"
