"""Element-wise derivations in the note's own letters, and the slips students make in them
(issue 22: course notes that retell Nielsen's BP1-BP4 with proofs written line by line).

Each note here is written from scratch in the notation met on real notes: a capital ``A^l``
for one example's activation, the activation called ``h`` (``A^l = h(z^l)``), ``{a \\over b}``
fractions, proofs as inline ``$...$<br>`` lines. The correct lines must be judged correct,
each slip caught and named: h for h', l for L, z_j for z_k, a whole vector on the left of an
entry's formula, two indices swapped."""

from __future__ import annotations

import pytest

from derive.check.notes.walk import check_text

NOTE = "\n".join(
    [
        r"# Backpropagation, unit by unit",
        r"",
        r"The activation function is $h$, applied to every entry. $A_j^l$ is the output"
        r" of unit $j$ of layer $l$,",
        r"",
        r"$$A_j^l = h(b_j^l + \sum_k w_{jk}^l A_k^{l-1})$$",
        r"",
        r"and for the whole layer $$A^l = h(z^l) = h(w^l A^{l-1} + b^l)$$",
        r"",
        r"The error of unit $j$ is $$\delta_j^l = {\partial C \over \partial z_j^l}$$",
        r"",
        r"Output layer:",
        r"",
        r"$$\delta_j^L = {\partial C \over \partial A_j ^ L} h ' (z_j^L)$$",
        r"",
        r"$$\delta^L = \nabla_A C \odot h'(z^L)$$",
        r"",
        r"$$\delta^L = \nabla_A C \odot h(z^L)$$",
        r"",
        r"Proof:<br>",
        r"$\delta_j^l = \sum_k{\partial C \over \partial A^L_k}"
        r"{\partial A^L_k \over \partial z_j^l}$<br>",
        r"$\delta_j^l = {\partial C \over \partial A^L_j}h'(z_j^L)$<br>",
        r"",
        r"Hidden layers:",
        r"",
        r"$$\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot h'(z^l)$$",
        r"",
        r"$$\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot h(z^l)$$",
        r"",
        r"$\delta_j^l = \sum_k w_{kj}^{l+1} \delta_k^{l+1} h'(z_j^l)$<br>",
        r"$\delta_j^l = \sum_k {\partial z_k^{l+1} \over \partial z_j^l}\delta_k^{l+1}$<br>",
        r"$\delta_j^l = \sum_k {\partial z_j^{l+1} \over \partial z_j^l}\delta_k^{l+1}$<br>",
        r"${\partial z_k^{l+1} \over \partial z_j^l} = w_{kj}^{l+1}h'(z_j^l)$<br>",
        r"${\partial z_j^{l+1} \over \partial z_j^l} = w_{kj}^{l+1}h'(z_j^l)$<br>",
        r"$\delta_j^l = \sum_k w_{jk}^{l+1} \delta_k^{l+1} h'(z_j^l)$<br>",
        r"",
        r"Bias and weights:",
        r"",
        r"$${\partial C \over \partial b^l} = \delta^l$$",
        r"",
        r"$${\partial C \over \partial b_j^l} = {\partial C \over \partial z_k^l}$$",
        r"",
        r"${\partial C \over \partial b_j^l} = \sum_k {\partial C \over \partial z_k^l}"
        r"{\partial z_k^l \over \partial b_j^l}$<br>",
        r"${\partial C \over \partial b^l} = \sum_k {\partial C \over \partial z_k^l}"
        r"{\partial z_k^l \over \partial b_j^l}$<br>",
        r"",
        r"$${\partial C \over \partial w^l} = \delta^l (A^{l-1})^T$$",
        r"",
        r"$${\partial C \over \partial w^l} = A^{l-1} \delta^l$$",
        r"",
        r"$${\partial C \over \partial w_{jk}^l} = A_k^{l-1} \delta_j^l$$",
        r"",
        r"$${\partial C \over \partial w_{jk}^l} = A^{l-1} \delta^l$$",
        r"",
    ]
)


def _lines(note: str) -> dict[str, int]:
    return {text: no for no, text in enumerate(note.splitlines(), start=1)}


@pytest.fixture(scope="module")
def judged():
    results, _ = check_text(NOTE)
    out: dict[int, tuple[str, str]] = {}
    for r in results:
        if out.get(r.line, ("",))[0] != "wrong":
            out[r.line] = (r.verdict, r.message)
    return out


def _at(judged, fragment: str) -> tuple[str, str]:
    lines = [no for text, no in _lines(NOTE).items() if fragment in text]
    assert len(lines) == 1, fragment
    return judged[lines[0]]


CORRECT = [
    r"$$\delta_j^L = {\partial C \over \partial A_j ^ L} h ' (z_j^L)$$",
    r"$$\delta^L = \nabla_A C \odot h'(z^L)$$",
    r"$\delta_j^l = \sum_k{\partial C \over \partial A^L_k}",
    r"$$\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot h'(z^l)$$",
    r"$\delta_j^l = \sum_k w_{kj}^{l+1} \delta_k^{l+1} h'(z_j^l)$",
    r"$\delta_j^l = \sum_k {\partial z_k^{l+1} \over",
    r"${\partial z_k^{l+1} \over \partial z_j^l} = w_{kj}",
    r"${\partial C \over \partial b_j^l} = \sum_k",
    r"$${\partial C \over \partial b^l} = \delta^l$$",
    r"$${\partial C \over \partial w^l} = \delta^l (A^{l-1})^T$$",
    r"$${\partial C \over \partial w_{jk}^l} = A_k^{l-1} \delta_j^l$$",
]


@pytest.mark.parametrize("fragment", CORRECT)
def test_correct_lines_in_the_notes_own_letters_are_correct(judged, fragment):
    assert _at(judged, fragment)[0] == "correct", _at(judged, fragment)


WRONG = [
    (r"$$\delta^L = \nabla_A C \odot h(z^L)$$", "h(z^L) is written where its derivative h'(z^L)"),
    (r"$$\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot h(z^l)$$", "derivative h'(z^l) is needed"),
    (r"$\delta_j^l = {\partial C \over \partial A^L_j}h'(z_j^L)$", "l is written where L is meant"),
    (r"$\delta_j^l = \sum_k {\partial z_j^{l+1} \over", "z_j^{l+1} is written where z_k^{l+1}"),
    (
        r"${\partial z_j^{l+1} \over \partial z_j^l} = w_{kj}",
        "z_j^{l+1} is written where z_k^{l+1}",
    ),
    (r"$\delta_j^l = \sum_k w_{jk}^{l+1}", "w_{jk}^{l+1} is written where w_{kj}^{l+1} is meant"),
    (r"${\partial C \over \partial b^l} = \sum_k", "the whole b^l, the right-hand side one entry"),
    (
        r"$${\partial C \over \partial w^l} = A^{l-1} \delta^l$$",
        "A^{l-1} \\delta^l is in the wrong order",
    ),
    # the index free on the right only is the slip (not the left-hand side's)
    (r"$${\partial C \over \partial b_j^l} = {\partial C", "z_k^l is written where z_j^l is meant"),
    # an entry on the left, a product of two vectors that cannot be formed on the right (two
    # free indices: the evaluation's record of a shape failure once broke on them)
    (r"$${\partial C \over \partial w_{jk}^l} = A^{l-1} \delta^l$$", "do not multiply"),
]


@pytest.mark.parametrize(("fragment", "named"), WRONG)
def test_each_slip_is_caught_and_named(judged, fragment, named):
    verdict, message = _at(judged, fragment)
    assert verdict == "wrong", (verdict, message)
    assert named in message, message


def test_a_letter_that_also_stands_alone_is_not_the_activation():
    # h_1 is a hidden vector here: h(...) stays unread, never an activation guessed
    note = (
        "$$h_1 = \\sigma(W_1 x + b_1)$$\n\n"
        "$$A^l = h(z^l)$$\n\n"
        "$$\\delta^l = ((w^{l+1})^T \\delta^{l+1}) \\odot h(z^l)$$\n"
    )
    results, _ = check_text(note)
    assert all(r.verdict != "wrong" for r in results if r.line == 5), results


def test_an_unread_claim_with_another_name_on_the_left_is_never_made_wrong():
    # J_{ki} (a Jacobian), not a derivative nor a layer's quantity: its unmatched index may be
    # what the model does not read, so no edit is tried and nothing is compared
    from derive.check.notes.meaning import grammar, slipnames

    def never(*_):
        raise AssertionError("compared")

    lhs = grammar.parse("J_{ki}")
    rhs = grammar.parse(r"\sum_j w_{ji} \frac{\partial y_k}{\partial a_j}")
    msg = "index i is free on the right only"
    assert slipnames.name(object(), lhs, rhs, never, 1, None, (), "unknown", msg) is None
