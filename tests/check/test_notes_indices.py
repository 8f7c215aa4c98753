"""Index notation in ``derive check NOTES`` (issue 22): summation indices that collide with a
free index or with the index of the sum around them are named as such; the same formula
with a letter of its own for the sum is not called wrong."""

from __future__ import annotations

import pytest

from derive.check.notes.walk import check_text

NIELSEN = "$$z^l = w^l a^{l-1} + b^l$$\n\n$$a^l = \\sigma(z^l)$$\n\n"


def _verdicts(notes: str) -> dict[int, tuple[str, str]]:
    results, _ = check_text(notes)
    return {r.line: (r.verdict, r.message or "") for r in results}


def test_a_sum_over_the_left_hand_sides_free_index_is_wrong_and_says_so():
    notes = NIELSEN + (
        "$$\\frac{\\partial C}{\\partial a^{l}_k} = \\sum_k w^{l+1}_{jk} \\delta^{l+1}_j$$\n\n"
        "$$\\frac{\\partial C}{\\partial a^{l}_k} = \\sum_j w^{l+1}_{jk} \\delta^{l+1}_j$$\n"
    )
    v = _verdicts(notes)
    assert v[5][0] == "wrong" and "summation index k" in v[5][1]
    assert v[7][0] == "correct"  # the same claim with its own letter for the sum


def test_a_sum_reusing_the_index_of_the_sum_around_it_is_wrong_and_says_so():
    notes = NIELSEN + (
        "$$\\frac{\\partial C}{\\partial b^{l}_j} = \\sum_k \\delta^{l+1}_k "
        "\\sum_k w^{l+1}_{kj} \\sigma'(z^l_j)$$\n\n"
        "$$\\frac{\\partial C}{\\partial b^{l}_j} = \\sum_k \\delta^{l+1}_k w^{l+1}_{kj} "
        "\\sigma'(z^l_j)$$\n"
    )
    v = _verdicts(notes)
    assert v[5][0] == "wrong" and "reuses the outer index" in v[5][1]
    assert v[7][0] == "correct"


def test_a_kronecker_delta_stated_by_cases_is_judged_against_its_definition():
    notes = (
        "$$\\delta_{kj} = 0 \\quad \\text{if } k = j$$\n\n"
        "$$\\delta_{kj} = 1 \\quad \\text{if } k \\neq j$$\n\n"
        "$$\\delta_{ij} = 1 \\quad \\text{if } i = j$$\n\n"
        "$$\\delta_{ij} = 0 \\quad \\text{if } i \\neq j$$\n\n"
        "$$\\delta_{ij} = 1$$\n"  # its case stated in the prose: not judged
    )
    v = _verdicts(notes)
    assert v[1][0] == "wrong" and "is 1 for k = j" in v[1][1]
    assert v[3][0] == "wrong" and "is 0 for k" in v[3][1]
    assert v[5][0] != "wrong" and v[7][0] != "wrong"
    assert v.get(9, ("unknown", ""))[0] != "wrong"


@pytest.mark.parametrize(
    "tex",
    ["H[", "h_{W,b}(", "y^{(", "x^{(p,", "(x^{(p,3)})_", "\\sum_{l=1}^{L} y^{(l)",
     "\\delta_{kj} = 0 \\quad \\text{if } k", "\\sum_k \\sum_k", "\\nabla_y", "J_{ji} ="],
)  # fmt: skip
def test_malformed_index_and_example_notation_gives_no_verdict_and_no_crash(tex):
    cost = "$$E = \\frac{1}{2L}\\sum_{l=1}^{L} (y^{(l)} - \\hat y^{(l)})^2$$\n\n"
    results, _ = check_text(NIELSEN + cost + f"$${tex} = a^l$$\n")
    assert all(r.verdict != "wrong" for r in results if r.line == 7)
