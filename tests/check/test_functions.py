"""derive check on functions the notes define themselves (``f(z) = \\frac{1}{1+e^{-z}}``,
``\\phi(x) = \\ln(1 + e^x)``, ``g(z) \\coloneqq …``): the definition is no claim, identities
about them (``f'(z) = f(z)(1 - f(z))``) are checked with SymPy, correct ones left alone and
planted mistakes caught and named, in Markdown and LaTeX; a forward equation may use them."""

from __future__ import annotations

import pytest

from derive.check.notes.claims import Names, Reader
from derive.check.notes.functions import define, find
from derive.check.notes.read import read_notes
from derive.check.notes.walk import check_text

from .test_notes import NOTES, by_line, line_of, results_of

MD = NOTES / "own_functions.md"
TEX = NOTES / "own_functions.tex"

KEYED_MD = {
    "Correct logistic:": ("correct", ""),
    "Correct operator:": ("correct", ""),
    "Correct softplus:": ("correct", ""),
    "Correct swish-like:": ("correct", ""),
    "Correct mish:": ("correct", ""),
    "Built-in swish:": ("correct", ""),
    "Built-in mish:": ("correct", ""),  # a built-in since mish joined the registry
    "Correct chain:": ("correct", ""),
    "Function for derivative:": ("wrong", "the function where its derivative belongs"),
    "Wrong activation's derivative:": ("wrong", "the derivative of the wrong activation"),
    "Missing factor:": ("wrong", "derivative of"),
    "Wrong factor:": ("wrong", "off by a factor of 2"),
    "Wrong sign:": ("wrong", "the sign is wrong"),
    "Missing derivative:": ("wrong", "missing the factor da1/dz1 = f'(z1)"),
}
KEYED_TEX = {
    "g'(z) &= 1 - g(z)^2": ("correct", ""),
    "\\psi(t) &= 2t + 1": ("correct", ""),
    "g^{\\prime}(z)": ("wrong", "sigmoid's derivative"),
    "\\psi'(t) &= 2t": ("wrong", "is 2*t + 1"),
}


@pytest.mark.parametrize("path, keyed", [(MD, KEYED_MD), (TEX, KEYED_TEX)])
def test_keyed_claims_about_the_notes_own_functions(path, keyed):
    results = results_of(path)
    for marker, (verdict, why) in keyed.items():
        (r,) = by_line(results, line_of(path, marker))
        assert r["verdict"] == verdict, r
        if verdict == "wrong":
            assert why in r["why"] and r["expected"], r
    # every result is keyed: the definitions themselves are no claims, nothing is unknown
    assert {r["line"] for r in results} == {line_of(path, m) for m in keyed}
    assert all(r["verdict"] != "unknown" for r in results)


def test_expected_forms_are_in_the_function_itself():
    results = results_of(MD)
    (r,) = by_line(results, line_of(MD, "Function for derivative:"))
    assert r["expected"] == "(1 - f(z))*f(z)"
    (r,) = by_line(results, line_of(MD, "Wrong sign:"))
    assert r["expected"] == "1 - exp(-φ(x)) = exp(x)/(exp(x) + 1)"
    results = results_of(TEX)
    (r,) = by_line(results, line_of(TEX, "g^{\\prime}(z)"))
    assert r["expected"] == "1 - g(z)**2"  # g is tanh written out


def test_the_definition_was_a_false_alarm_before():
    results, _ = check_text("$$f(z) = \\frac{1}{1+e^{-z}}$$\n\n$$f'(z) = f(z)(1 - f(z))$$\n")
    assert [(r.line, r.kind, r.verdict) for r in results] == [(3, "identity", "correct")]


@pytest.mark.parametrize(
    "tex",
    [
        "a(z) = z^2",  # the network's letters are never functions
        "W(x) = 2x",
        "\\sigma(z) = \\frac{1}{1+e^{-z}}",  # a built-in: checked against it, not redefined
        "f(z) = W z + b",  # names other than its variable: not a function of z alone
        "f(z) = \\foo(z)",  # unreadable: defines nothing
        "f(z) = e",  # constant
    ],
)
def test_what_is_not_a_function_of_the_notes(tex):
    segments = read_notes(f"$${tex}$$\n")
    reader = Reader(Names(None))
    funcs, lines = define(reader, find(segments))
    assert funcs == {} and lines == set()
    assert "f" not in reader.functions


def test_no_note_text_is_evaluated():
    # the body goes through the project's reader: Python in it is not run, only refused
    segments = read_notes("$$f(z) = __import__('os').system('echo hi')$$\n")
    funcs, _ = define(Reader(Names(None)), find(segments))
    assert funcs == {}
