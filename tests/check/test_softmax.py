"""derive check on softmax with cross-entropy: ∂C/∂z = a - y under one-hot targets, checked as
an identity (Markdown notes, per sample) and in the batch form (Ng's notation, LaTeX); correct
claims left alone, the usual wrong forms caught and named; the definitions are no claims;
a spec with a softmax output; the cost's spellings."""

from __future__ import annotations

import pytest

from derive.check.notes.walk import check_text
from derive.resources import EXAMPLES

from .test_notes import NOTES, by_line, line_of, results_of

MD = NOTES / "softmax.md"
TEX = NOTES / "softmax_ng.tex"
DIGITS = str(EXAMPLES / "digits.toml")

KEYED_MD = {
    "Correct gradient:": ("correct", "one-hot"),
    "Correct by component:": ("correct", "one-hot"),
    "Correct delta:": ("correct", "one-hot"),
    "Correct output derivative:": ("correct", ""),
    "Correct hidden unit:": ("correct", ""),
    "Wrong sign:": ("wrong", "the sign is wrong"),
    "Output derivative for the logits:": ("wrong", "this is ∂C/∂a2"),
    "Elementwise softmax:": ("wrong", "softmax's derivative taken elementwise"),
    "True class only:": ("wrong", "right for the true class only"),
    "Extra factor:": ("wrong", "off by a factor of 2"),
    "Logits for the output:": ("wrong", "this is ∂C/∂z2 (through softmax), not ∂C/∂a2"),
}
KEYED_TEX = {
    "dZ^{[2]} &= \\hat{Y} - Y": ("correct", "per-example"),
    "dW^{[2]} &= \\frac{1}{m}": ("correct", ""),
    "db^{[2]} &=": ("correct", ""),
    "dZ^{[1]} &=": ("correct", ""),
    "Per example:": ("correct", "one-hot"),
    "dZ^{[2]} &= Y - \\hat{Y}": ("wrong", "the sign is wrong"),
    "dW^{[2]} &= dZ^{[2]}": ("wrong", "missing the 1/m of the mean cost (the notes' cost, line"),
    "\\odot \\hat{Y} \\odot": ("wrong", "softmax's derivative taken elementwise"),
    "And per example": ("wrong", "softmax's derivative taken elementwise"),
}


@pytest.mark.parametrize("path, keyed", [(MD, KEYED_MD), (TEX, KEYED_TEX)])
def test_keyed_softmax_claims(path, keyed):
    results = results_of(path)
    for marker, (verdict, words) in keyed.items():
        (r,) = by_line(results, line_of(path, marker))
        assert r["verdict"] == verdict, r
        said = r.get("why", "") if verdict == "wrong" else r["message"]
        assert words in said, r
        if verdict == "wrong":
            assert r["expected"], r
    # nothing else: the softmax and the cost are definitions, no claim is not understood
    assert {r["line"] for r in results} == {line_of(path, m) for m in keyed}


def test_expected_forms_use_the_notes_names():
    results = results_of(TEX)
    (r,) = by_line(results, line_of(TEX, "dZ^{[2]} &= Y - \\hat{Y}"))
    assert r["expected"] == "Ŷ - Y"
    (r,) = by_line(results, line_of(TEX, "dW^{[2]} &= dZ^{[2]}"))
    assert r["expected"] == "(1/m) (dZ(2) A(1)^T)"
    (r,) = by_line(results_of(MD), line_of(MD, "Logits for the output:"))
    assert r["expected"] == "-y/a2"


SOFTMAX_SPELLINGS = [
    ("a = \\mathrm{softmax}(z)", "C = -\\sum_k y_k \\log a_k"),
    ("a = \\mathrm{softmax}(z)", "C = -\\sum_{k=1}^{K} y_k \\ln(a_k)"),
    ("a = \\operatorname{softmax}(z)", "L = -y^T \\log a"),
    ("a_k = \\frac{e^{z_k}}{\\sum_{j=1}^{K} e^{z_j}}", "C = -\\sum_{j} y_j \\log a_j"),
    ("\\hat{y} = \\mathrm{softmax}(z)", "\\mathcal{L} = -\\sum_{k} y_k \\log \\hat{y}_k"),
]


@pytest.mark.parametrize("output, cost", SOFTMAX_SPELLINGS)
def test_the_softmax_and_the_cost_in_their_spellings(output, cost):
    out = "\\hat{y}" if "hat" in output else "a"
    name = "L" if cost.startswith(("L", "\\mathcal")) else "C"
    notes = (
        f"$${output}$$\n\n$${cost}$$\n\n"
        f"$$\\frac{{\\partial {name}}}{{\\partial z}} = {out} - y$$\n\n"
        f"$$\\frac{{\\partial {name}}}{{\\partial z}} = y - {out}$$\n"
    )
    results, header = check_text(notes)
    assert "softmax" in header
    assert [(r.line, r.verdict) for r in results] == [(5, "correct"), (7, "wrong")], results


@pytest.mark.parametrize(
    "cost",
    [
        "C = \\sum_k y_k \\log a_k",  # no minus sign: not the cross-entropy
        "C = -\\sum_k (a_k - y_k)^2",
        "C = -y \\log a",  # one unit's term
    ],
)
def test_what_is_not_a_cross_entropy(cost):
    claim = "$$\\frac{\\partial C}{\\partial z} = a - y$$\n"
    notes = f"$$a = \\mathrm{{softmax}}(z)$$\n\n$${cost}$$\n\n{claim}"
    results, header = check_text(notes)
    assert "cross-entropy" not in header
    # the softmax check does not take it for the cross-entropy; the model of meaning
    # (issue 22) evaluates the note's own cost and may rightly find a - y wrong for it
    assert all(r.verdict != "wrong" for r in results if "drawn network" not in r.message)


def test_a_spec_with_a_softmax_output():
    notes = MD.read_text()
    results, header = check_text(notes, spec=DIGITS)
    assert "with the cross-entropy cost (the spec)" in header
    for marker in ("Correct gradient:", "Correct delta:", "Wrong sign:", "Elementwise softmax:"):
        (r,) = [r for r in results if r.line == line_of(MD, marker)]
        assert r.verdict == KEYED_MD[marker][0], r
