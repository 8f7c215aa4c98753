"""Worked examples one after another, each under its own heading with its own network (course
notes on Bishop's chapter 5 do this), written here from scratch. The letters come back in
every example: ``a^{(1)}`` is a sum of weighted inputs in one section and ``W_1 x + b_1`` in
the next, and ``y`` is the output of the single-unit example. A claim is judged against the
network of its own section (``derive/check/notes/ownsection.py``): never WRONG on another
example's network, and a slip is still caught on its own."""

from __future__ import annotations

from .test_notes import verdict_by_line


def _note(sigmoid_slope: str) -> str:
    return (
        "# Three small examples\n\n"  # 1
        "## Example A: tanh hidden units, linear outputs\n\n"  # 3
        "$$a_j^{(1)} = \\sum_i w_{ji}^{(1)} x_i$$\n\n"  # 5
        "$$z_j^{(1)} = \\tanh(a_j^{(1)})$$\n\n"  # 7
        "$$a_k^{(2)} = \\sum_j w_{kj}^{(2)} z_j^{(1)}$$\n\n"  # 9
        "$$y_k = a_k^{(2)}$$\n\n"  # 11
        "$$E_n = \\frac{1}{2} \\sum_k (y_k - t_k)^2$$\n\n"  # 13
        "$$\\frac{\\partial E_n}{\\partial y_k} = y_k - t_k$$\n\n"  # 15
        "## Example B: one logistic unit\n\n"  # 17
        "$$a^{(1)} = \\sum_i w_i^{(1)} x_i$$\n\n"  # 19
        "$$y = \\sigma(a^{(1)})$$\n\n"  # 21
        "$$E_n = -t \\log y - (1 - t) \\log(1 - y)$$\n\n"  # 23
        f"$$\\frac{{dy}}{{da^{{(1)}}}} = {sigmoid_slope}$$\n\n"  # 25
        "## Example C: ReLU then a sigmoid, vector form\n\n"  # 27
        "$$a^{(1)} = W_1 x + b_1$$\n\n"  # 29
        "$$z^{(1)} = \\max(0, a^{(1)})$$\n\n"  # 31
        "$$a^{(2)} = W_2 z^{(1)} + b_2$$\n\n"  # 33
        "$$z^{(2)} = \\sigma(a^{(2)})$$\n\n"  # 35
        "$$E = -t \\log z^{(2)} - (1 - t) \\log(1 - z^{(2)})$$\n"  # 37
    )


def test_a_claim_is_judged_on_its_own_sections_network():
    v = verdict_by_line(_note("y(1 - y)"))
    assert v[25] == "correct"  # y = sigma(a^{(1)}) of example B, not example C's a^{(1)}
    assert "wrong" not in v.values()


def test_a_slip_is_still_caught_on_its_own_sections_network():
    v = verdict_by_line(_note("y(1 + y)"))
    assert v[25] == "wrong"
    assert [line for line, verdict in v.items() if verdict == "wrong"] == [25]
