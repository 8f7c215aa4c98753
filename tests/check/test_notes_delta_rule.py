"""The delta rule's unit notation (Rumelhart, Zell, Mitchell): ``net_j = \\sum_i w_{ij} o_i``,
``o_j = f(net_j)``, ``\\delta_j = -\\partial E/\\partial net_j``, ``\\Delta w_{ij} = \\eta
\\delta_j o_i``; the layer of a unit is in its index letter
(derive/check/notes/meaning/units.py)."""

from __future__ import annotations

from derive.check.notes.meaning.grammar import clean, parse

from .test_notes import verdict_by_line

ZELL = "\n\n".join(
    [
        "$$net_j = \\sum_i w_{ij} o_i$$",  # 1
        "$$o_j = f(net_j)$$",  # 3
        "$$E = \\frac{1}{2} \\sum_k (t_k - o_k)^2$$",  # 5
        "$$\\delta_j = -\\frac{\\partial E}{\\partial net_j}$$",  # 7: the sign, a definition
        "$$\\frac{\\partial E}{\\partial w_{ij}} = -\\delta_j o_i$$",  # 9
        "$$\\frac{\\partial E}{\\partial w_{ij}} = \\delta_j o_i$$",  # 11: the sign lost
        "$$\\delta_k = (t_k - o_k) f'(net_k)$$",  # 13: an output unit
        "$$\\delta_j = f'(net_j) \\sum_k \\delta_k w_{jk}$$",  # 15: a hidden unit
        "$$\\delta_j = \\sum_k \\delta_k w_{jk}$$",  # 17: f' missing
        "$$\\Delta w_{ij} = -\\eta \\frac{\\partial E}{\\partial w_{ij}}$$",  # 19: update rule
        "$$\\Delta w_{ij} = \\eta \\delta_j o_i$$",  # 21
        "$$\\Delta w_{jk} = \\eta \\delta_j o_k$$",  # 23: the units swapped
        "$$\\delta_l = f'(net_l) \\sum_k \\delta_k w_{lk}$$",  # 25: l a unit, not a layer
    ]
)


def test_the_delta_rule_is_judged_unit_by_unit():
    v = verdict_by_line(ZELL)
    assert all(v.get(n) != "wrong" for n in (1, 3, 5, 7, 19))  # definitions
    assert v[9] == "correct" and v[13] == "correct" and v[15] == "correct"
    assert v[21] == "correct" and v[25] == "correct"
    assert v[11] == "wrong" and v[17] == "wrong" and v[23] == "wrong"


def test_the_sign_of_delta_comes_from_the_note():
    # Nielsen's sign: delta = +dE/dnet; the same claims then hold with the sign turned
    plus = ZELL.replace("\\delta_j = -\\frac", "\\delta_j = \\frac")
    v = verdict_by_line(plus)
    assert v[11] == "correct" and v[9] == "wrong"
    # a note that never relates delta to dE/dnet: delta is not read, never called wrong
    unsigned = ZELL.replace("$$\\delta_j = -\\frac{\\partial E}{\\partial net_j}$$", "")
    v = verdict_by_line(unsigned)
    assert all(v.get(n) not in ("correct", "wrong") for n in (9, 11, 13, 15, 17))


def test_the_target_and_a_reversed_hat():
    # o_m = y_m = f(net_m) makes y the output; \hat y is then the target (DaHoC's notation)
    note = "\n\n".join(
        [
            "$$net_m = \\sum_h w_{hm} o_h$$",
            "$$o_m = y_m = f(net_m)$$",
            "$$\\frac{\\partial E}{\\partial net_m} = -\\delta_m$$",
            "$$\\delta_m = (\\hat{y}_m - y_m) f'(net_m)$$",  # 7 (with E = 1/2 (yhat - y)^2)
            "$$\\frac{\\partial E}{\\partial w_{hm}} = -\\delta_m o_h$$",  # 9
            "$$\\frac{\\partial E}{\\partial w_{hm}} = \\delta_m \\tilde{o}_m$$",  # 11
        ]
    )
    v = verdict_by_line(note)
    assert v[7] == "correct" and v[9] == "correct"
    assert v[11] != "correct"  # o~_m is not an output of the layer below


def test_a_derivative_operator_after_a_factor_and_omitted_arguments():
    tree = parse("\\delta_l \\cdot \\frac{\\partial}{\\partial o_h} \\sum_j w_{jl} o_j")
    assert tree[0] == "mul" and tree[3][0] == "d" and tree[3][3][0] == "sum"
    call = parse(clean("E(net_1, net_2, \\dots, net_L)"))
    assert call[0] == "call" and len(call[2]) == 3
    under = parse(clean("\\underbrace{\\frac{\\partial E}{\\partial y} f'(n)}_{=: -\\delta}"))
    assert under[0] == "mul"
