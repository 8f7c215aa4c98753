"""A softmax over a vector of the note's own (issue 22, meaning/softmaxvec.py), in notes written
here from scratch in the notation of real softmax + cross-entropy blog posts: no network, a
softmax of x defined as a whole (or p = softmax(x), or p_j by its entries), a cost L(p), then
derivatives by p_j and x_i, cases j = i / j != i under headings. x is the output layer's
pre-activation and p its softmax: the right claims are confirmed and the slips caught."""

from __future__ import annotations

import pytest

from derive.check.notes.meaning import grammar, softmaxvec

from .test_notes import check_text, verdict_by_line

WHOLE = (
    "# Softmax with cross-entropy\n"  # 1
    "$$\n"  # 2
    "\\text{softmax}(\\mathbf{x}) = \\frac{\\exp(\\mathbf{x})}{\\sum_k \\exp(x_k)}\n"  # 3
    "$$\n"  # 4
    "$$\n"  # 5
    "L(\\mathbf{p}) = - \\sum_i y_i \\log p_i\n"  # 6
    "$$\n"  # 7
)
PAIR = (
    "# Softmax with cross-entropy\n"  # 1
    "$$\n"  # 2
    "\\mathbf{p} = \\text{softmax}(\\mathbf{x})\n"  # 3
    "$$\n"  # 4
    "$$\n"  # 5
    "L = - \\sum_i y_i \\log p_i\n"  # 6
    "$$\n"  # 7
)
ENTRIES = (
    "# Softmax with cross-entropy\n"  # 1
    "$$\n"  # 2
    "p_j = \\frac{e^{x_j}}{\\sum_k e^{x_k}}\n"  # 3
    "$$\n"  # 4
    "$$\n"  # 5
    "L = - \\sum_i y_i \\log p_i\n"  # 6
    "$$\n"  # 7
)
CLAIMS = (
    "$$\n"  # 8
    "\\frac{\\partial L}{\\partial p_j} = - \\frac{y_j}{p_j}\n"  # 9
    "$$\n"  # 10
    "#### When $j = i$\n"  # 11
    "$$\n"  # 12
    "\\frac{\\partial p_i}{\\partial x_i} = p_i (1 - p_i)\n"  # 13
    "$$\n"  # 14
    "#### When $j \\neq i$\n"  # 15
    "$$\n"  # 16
    "\\frac{\\partial p_j}{\\partial x_i} = -p_i p_j\n"  # 17
    "$$\n"  # 18
    "$$\n"  # 19
    "\\frac{\\partial L}{\\partial p_j} \\frac{\\partial p_j}{\\partial x_i} = p_i y_j\n"  # 20
    "$$\n"  # 21
    "$$\n"  # 22
    "\\frac{\\partial L}{\\partial x_i} = \\sum_{j=1}^n \\frac{\\partial L}{\\partial p_j} "
    "\\frac{\\partial p_j}{\\partial x_i}\n"  # 23
    "$$\n"  # 24
    "$$\n"  # 25
    "\\frac{\\partial L}{\\partial x_i} = p_i - y_i\n"  # 26
    "$$\n"  # 27
    "$$\n"  # 28
    "\\frac{\\partial L}{\\partial \\mathbf{x}} = \\mathbf{p} - \\mathbf{y}\n"  # 29
    "$$\n"  # 30
)
# the same derivation with a slip on each claim line: a sign here and there, the two sides of
# p - y swapped
SLIPS = {
    9: ("- \\frac{y_j}{p_j}", "\\frac{y_j}{p_j}"),
    13: ("p_i (1 - p_i)", "p_i (1 + p_i)"),
    17: ("-p_i p_j", "p_i p_j"),
    20: ("= p_i y_j", "= -p_i y_j"),
    26: ("p_i - y_i", "y_i - p_i"),
    29: ("\\mathbf{p} - \\mathbf{y}", "\\mathbf{y} - \\mathbf{p}"),
}


def _with_slips(text: str) -> str:
    lines = text.split("\n")
    for no, (old, new) in SLIPS.items():
        assert old in lines[no - 1 - 7], (no, lines[no - 1 - 7])
        lines[no - 1 - 7] = lines[no - 1 - 7].replace(old, new)
    return "\n".join(lines)


@pytest.mark.parametrize("head", [WHOLE, PAIR, ENTRIES], ids=["whole", "pair", "entries"])
def test_softmax_of_the_notes_own_vector_confirms_the_derivation(head):
    got = verdict_by_line(head + CLAIMS)
    for line in (9, 13, 17, 20, 23, 26, 29):
        assert got.get(line) == "correct", (line, got)
    assert "wrong" not in got.values()
    results, _ = check_text(head + CLAIMS)
    said = [r.message for r in results if "read with" in r.message]
    assert said and all("x the softmax's argument (z^L), p its value" in m for m in said)


@pytest.mark.parametrize("head", [WHOLE, PAIR, ENTRIES], ids=["whole", "pair", "entries"])
def test_softmax_of_the_notes_own_vector_catches_the_slips(head):
    results, _ = check_text(head + _with_slips(CLAIMS))
    wrong = {r.line for r in results if r.verdict == "wrong"}
    assert wrong == set(SLIPS), sorted(wrong)
    why = next(r.message for r in results if r.line == 9 and r.verdict == "wrong")
    assert "sign" in why  # named: the older check agrees and says which slip
    assert {r.line: r.verdict for r in results}.get(23) == "correct"


def test_a_note_with_a_network_keeps_x_its_input():
    # beside weights and layers, x is the input and a softmax of it is no output layer
    note = (
        "$$\\mathbf{p} = \\text{softmax}(\\mathbf{x})$$\n\n"
        "$$z = W x + b$$\n\n"
        "$$L = - \\sum_i y_i \\log p_i$$\n"
    )
    stmts = [
        [type("M", (), {"tree": grammar.parse(side), "line": 1})() for side in pair]
        for pair in (("p", "softmax(x)"), ("z", "W x + b"), ("L", "- \\sum_i y_i \\log p_i"))
    ]
    assert softmaxvec.find(stmts) is not None  # the softmax is there ...
    assert softmaxvec.apply(type("N", (), {"kinds": {}})(), stmts) == ""  # ... not read so
    assert "wrong" not in verdict_by_line(note).values()


def test_identity_with_the_function_in_the_numerator():
    # "using the derivative of the logarithm $\frac{\partial \log(x)}{\partial x} = \frac{1}{x}$"
    note = (
        "Using $\\frac{\\partial \\log(x)}{\\partial x} = \\frac{1}{x}$ we get\n\n"
        "$$\\frac{\\partial \\log(x)}{\\partial x} = -\\frac{1}{x}$$\n\n"
        "$$\\frac{\\partial \\tanh(z)}{\\partial z} = 1 - \\tanh(z)^2$$\n\n"
        "$$\\frac{\\partial \\sigma(z)}{\\partial z} = \\sigma(z)(1 + \\sigma(z))$$\n"
    )
    results, _ = check_text(note)
    got = {r.line: r for r in results}
    assert got[1].verdict == "correct"
    assert got[3].verdict == "wrong" and "sign" in got[3].message
    assert got[5].verdict == "correct"
    assert got[7].verdict == "wrong"
