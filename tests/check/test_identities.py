"""derive check on identities about activations and costs (``\\frac{d}{dz}\\sigma(z) = …``,
``\\tanh'(z) = 1 - \\tanh^2(z)``): correct ones confirmed, planted mistakes caught and named
with the expected form, in Markdown and LaTeX notes; powers of functions read as powers of
the value."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from derive.check.notes.claims import Names, Reader
from derive.check.notes.expr import function_powers
from derive.check.notes.names import ACTIVATION_WORDS
from derive.check.notes.walk import check_notes, check_text
from derive.resources import EXAMPLES, SEED

from .test_notes import NOTES, by_line, line_of, results_of

MD = NOTES / "identities.md"
TEX = NOTES / "identities.tex"

# marker in the notes -> (verdict, words the reason must contain or "" for a correct claim)
KEYED_MD = {
    "Recall $\\tanh'(z)": ("correct", ""),
    "Correct sigmoid:": ("correct", ""),
    "Correct tanh:": ("correct", ""),
    "Correct cost:": ("correct", ""),
    "Correct relu:": ("correct", ""),
    "Correct log:": ("correct", ""),
    "Correct power:": ("correct", ""),
    "Function for derivative:": ("wrong", "the function where its derivative belongs"),
    "Wrong activation's derivative:": ("wrong", "the derivative of sigmoid, not of tanh"),
    "Wrong sign:": ("wrong", "the sign is wrong"),
    "Missing factor 2:": ("wrong", "off by a factor of 1/2"),
    "In the network:": ("correct", ""),
}
KEYED_TEX = {
    "\\frac{\\mathrm{d}}{\\mathrm{d}z} \\sigma(z)": ("correct", ""),
    "\\tanh^{\\prime}(z)": ("correct", ""),
    "\\partial a^{(L)}}": ("correct", ""),
    "\\tanh'(z) = \\tanh(z)": ("wrong", "the function where its derivative belongs"),
    "\\sigma'(z) = 1 - \\sigma^2(z)": ("wrong", "the derivative of the wrong activation"),
    "(\\sigma(z) - 1)": ("wrong", "the sign is wrong"),
}


@pytest.mark.parametrize("path, keyed", [(MD, KEYED_MD), (TEX, KEYED_TEX)])
def test_keyed_identities(path, keyed):
    results = results_of(path)
    for marker, (verdict, why) in keyed.items():
        (r,) = by_line(results, line_of(path, marker))
        assert r["verdict"] == verdict, r
        if verdict == "wrong":
            assert why in r["why"] and r["expected"], r
    wrong_lines = {r["line"] for r in results if r["verdict"] == "wrong"}
    assert wrong_lines == {line_of(path, m) for m, (v, _) in keyed.items() if v == "wrong"}
    assert all(r["verdict"] != "unknown" for r in results)


def test_the_false_alarm_of_the_issue_is_gone():
    notes = (
        "$$z_1 = w_1 x + b_1$$\n\n$$a_1 = \\tanh(z_1)$$\n\n$$C = (a_1 - y)^2$$\n\n"
        "Recall $\\tanh'(z) = 1 - \\tanh^2(z)$ from class.\n"
    )
    results, _ = check_text(notes)
    assert [(r.line, r.kind, r.verdict) for r in results] == [(7, "identity", "correct")]


def test_expected_form_is_written_as_the_notes_write():
    results, _ = check_text("$$\\sigma'(z) = \\sigma(z)(1 + \\sigma(z))$$\n")
    (r,) = results
    assert r.verdict == "wrong" and r.expected == "(1 - σ(z))*σ(z)" and r.message


def test_every_wrong_claim_has_a_why_in_json():
    for path in (MD, TEX, NOTES / "planted.md", NOTES / "seed_page2.txt"):
        text, code = check_notes(path, fmt="json")
        results = json.loads(text)
        assert code == 1
        for r in results:
            assert {"line", "kind", "claim", "verdict", "expected"} <= set(r)
            assert ("why" in r) == (r["verdict"] == "wrong")
            if r["verdict"] == "wrong":
                assert r["why"] and r["expected"], r


def test_claims_about_the_network_keep_their_own_check():
    # sigma'(z_1) with z_1 a quantity of the network: a definition-level equation, not an
    # identity in a free variable (a_1 would otherwise be read as unrelated to z_1)
    notes = "$$\\sigma'(z_2) = A_2(1 - A_2)$$\n"
    results, _ = check_text(notes, spec=str(SEED))
    assert [r.verdict for r in results] == ["correct"]
    assert results[0].kind != "identity"


def test_operator_on_a_network_quantity_is_a_derivative_claim():
    notes = (
        "$$z_1 = w_1 x + b_1$$\n\n$$a_1 = \\tanh(z_1)$$\n\n$$C = (a_1 - y)^2$$\n\n"
        "$$\\frac{d}{dw_1} C = 2(a_1 - y)(1 - a_1^2)$$\n"
    )
    results, _ = check_text(notes)
    (r,) = results
    assert (r.kind, r.verdict) == ("derivative", "wrong")
    assert r.message == "this is dC/dz1, not dC/dw1"


@pytest.mark.parametrize(
    "tex, read",
    [
        ("1 - \\tanh^2(z)", "1 - (\\tanh(z))^{2}"),
        ("\\sigma^{2}(z_1)", "(\\sigma(z_1))^{2}"),
        ("\\sin^2 x + \\cos^{2} x", "(\\sin(x))^{2} + (\\cos(x))^{2}"),
        ("\\tanh^2 z_{1}", "(\\tanh(z_{1}))^{2}"),
        ("x^2 + W^{2}", "x^2 + W^{2}"),  # a power of a name stays one
        ("\\tanh^2", "\\tanh^2"),  # no argument: left to the parser to refuse
    ],
)
def test_powers_of_functions(tex, read):
    assert function_powers(tex, ACTIVATION_WORDS) == read


def test_powers_of_functions_parse_to_the_power_of_the_value():
    reader = Reader(Names(2))
    got = reader.expr("\\tanh^2(z)")
    assert got.is_Pow and got.exp == 2 and got.base.func.__name__ == "tanh"
    assert reader.expr("\\sin^2 x") == sp.sin(sp.Symbol("x", real=True)) ** 2


NETWORK_TANH = (
    "$$z_1 = W_1 x + b_1$$\n\n$$a_1 = \\tanh(z_1)$$\n\n$$z_2 = W_2 a_1 + b_2$$\n\n"
    "$$a_2 = \\sigma(z_2)$$\n\n$$C = (a_2 - y)^2$$\n\n"
)


@pytest.mark.parametrize(
    "claim, verdict, why",
    [
        ("\\frac{\\partial}{\\partial z_1}\\tanh(z_1) = 1 - a_1^2", "correct", ""),
        ("\\frac{d}{dz_2} \\sigma(z_2) = a_2(1 - a_2)", "correct", ""),
        ("\\frac{\\partial}{\\partial z_2} a_2 = \\sigma(z_2)(1 - \\sigma(z_2))", "correct", ""),
        ("\\frac{\\partial}{\\partial W_2} z_2 = a_1", "correct", ""),
        ("\\frac{\\partial}{\\partial z_1}\\tanh(z_1) = a_1", "wrong", "tanh(z1) itself"),
        ("\\frac{\\partial}{\\partial z_1}\\tanh(z_1) = a_1^2 - 1", "wrong", "the sign is wrong"),
        ("\\frac{\\partial}{\\partial z_1}\\tanh(z_1) = 1 - a_2^2", "wrong", "is 1 - a1**2"),
    ],
)
def test_an_operator_on_the_networks_names_is_judged_through_the_network(claim, verdict, why):
    results, _ = check_text(NETWORK_TANH + f"$${claim}$$\n")
    (r,) = results
    assert (r.kind, r.verdict) == ("derivative", verdict), r
    assert why in r.message, r
    if "tanh" in claim:
        assert r.expected == "1 - a1**2", r


def test_a_spec_name_is_never_a_free_variable_of_an_identity():
    # digits: a softmax network, no scalar equations; a_1 is the spec's A1 (relu), not a free
    # variable, so the claim is not understood rather than a false WRONG
    notes = "$$\\frac{\\partial}{\\partial z_1}\\tanh(z_1) = 1 - a_1^2$$\n"
    results, _ = check_text(notes, spec=str(EXAMPLES / "digits.toml"))
    assert [r.verdict for r in results] != ["wrong"]
