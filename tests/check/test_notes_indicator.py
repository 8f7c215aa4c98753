"""The ReLU's derivative written as an indicator in brackets, written here from scratch
(``meaning/grammar.py``, ``_STEP_BRACKETS``): ``\\mathbf{1}[a^{(1)} > 0]``, ``1[z > 0]``,
``\\mathbb{1}\\{z > 0\\}`` are the step function of their argument."""

from __future__ import annotations

from .test_notes import verdict_by_line

NOTE = (
    "$$a^{(1)} = W_1 x + b_1$$\n\n"  # 1
    "$$z^{(1)} = \\max(0, a^{(1)})$$\n\n"  # 3
    "$$a^{(2)} = W_2 z^{(1)} + b_2$$\n\n"  # 5
    "$$E = \\frac{1}{2} \\|a^{(2)} - y\\|^2$$\n\n"  # 7
    "$$\\delta^{(1)} = \\mathbf{1}[a^{(1)} > 0] \\odot (W_2^\\top \\delta^{(2)})$$\n\n"  # 9
    "$$\\delta^{(1)} = \\mathbb{1}\\{a^{(1)} > 0\\} \\odot (W_2^\\top \\delta^{(2)})$$\n\n"  # 11
    "$$\\delta^{(1)} = 2 \\, \\mathbf{1}[a^{(1)} > 0] \\odot (W_2^\\top \\delta^{(2)})$$\n"  # 13
)


def test_an_indicator_in_brackets_is_the_step():
    v = verdict_by_line(NOTE)
    assert v[9] == v[11] == "correct"
    assert v[13] != "correct"  # an extra factor 2 (not caught as WRONG: not under every reading)
