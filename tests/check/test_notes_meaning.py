"""The model of meaning of ``derive check NOTES`` (derive/check/notes/meaning): the grammar
reads function application and Leibniz fractions, definitions are never wrong, a general
layer l is judged at every layer, ``--rows`` states the layout, and malformed formulas give
no verdict rather than a crash."""

from __future__ import annotations

import pytest

from derive.check.notes.meaning.grammar import Atom, Unreadable, parse
from derive.check.notes.walk import check_text

NIELSEN = "$$z^l = w^l a^{l-1} + b^l$$\n\n$$a^l = \\sigma(z^l)$$\n\n"


def test_a_function_of_the_network_is_applied_not_multiplied():
    tree = parse("g^{[1]}(Z^{[1]})")
    assert tree[0] == "call" and tree[1] == Atom("g", None, "[1]")
    assert parse("w^{l+1}(a + b)")[0] == "mul"  # a weight before parentheses multiplies
    d = parse("\\frac{\\partial C}{\\partial w^l_{jk}}")
    assert d[0] == "d" and d[2] == ("atom", Atom("w", "jk", "l"))


def test_a_definition_is_never_wrong_and_a_general_layer_is_every_layer():
    notes = NIELSEN + (
        "$$\\delta^l = ((w^{l+1})^T \\delta^{l+1}) \\odot \\sigma'(z^l)$$\n\n"
        "$$\\frac{\\partial C}{\\partial w^l_{jk}} = a^{l-1}_k \\delta^l_j$$\n\n"
        "$$\\frac{\\partial C}{\\partial w^l_{jk}} = a^{l-1}_j \\delta^l_k$$\n\n"
        "$$\\delta^l = (w^{l+1})^T \\delta^{l+1}$$\n"
    )
    results, _ = check_text(notes)
    verdicts = {r.line: r.verdict for r in results}
    assert verdicts[1] != "wrong" and verdicts[3] != "wrong"  # the definitions
    assert verdicts[5] == "correct" and verdicts[7] == "correct"
    assert verdicts[9] == "wrong"  # indices swapped
    assert verdicts[11] == "wrong"  # sigma'(z^l) missing


def test_rows_are_stated_or_read_from_the_forward_equations():
    claim = "$$\\frac{\\partial C}{\\partial W^l} = (a^{l-1})^T \\delta^l$$\n"
    results, _ = check_text(claim, layout="rows")
    assert [r.verdict for r in results] == ["correct"]
    results, _ = check_text("$$z^l = a^{l-1} W^l + b^l$$\n\n" + claim)
    assert [r.verdict for r in results if r.line == 3] == ["correct"]


@pytest.mark.parametrize(
    "tex",
    ["\\frac{", "\\sum_{", "a^{", "((((", "\\frac{\\partial}{\\partial}", "= = =", "\\|a",
     "g^{[1]'}(", "\\delta_{ij}^{", "x_{1,2,3}", "\\nabla"],
)  # fmt: skip
def test_malformed_formulas_give_no_verdict_and_no_crash(tex):
    try:
        parse(tex)
    except Unreadable:
        pass  # the grammar refuses it; it never raises anything else
    results, _ = check_text(NIELSEN + f"$${tex} = a^l$$\n")
    assert all(r.verdict != "wrong" or r.line < 5 for r in results)
