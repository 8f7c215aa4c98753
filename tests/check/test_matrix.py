"""derive check on claims in the batch (matrix) form: notes in the issue's notation
(Markdown) and in Ng's (LaTeX), each with correct claims that must not be flagged and planted
mistakes of every usual kind that must be caught and named; the matrix reader on each
notation; a fuzz test of random formulas with matrix operators (no crash, bounded time)."""

from __future__ import annotations

import random
import signal

import pytest

from derive.check.notes.matrixread import MatrixReader, looks_like_matrix
from derive.check.notes.names import Names
from derive.check.notes.tex import NotUnderstood, clean
from derive.check.notes.walk import check_text
from derive.engine.spec import SEED

from .test_notes import NOTES, by_line, line_of, results_of

MD = NOTES / "vectorized.md"
TEX = NOTES / "vectorized_ng.tex"

KEYED_MD = {
    "Correct output delta:": ("correct", "per-example columns"),
    "Correct dW2:": ("correct", ""),
    "Correct db2:": ("correct", ""),
    "Correct hidden delta:": ("correct", ""),
    "Correct dW1:": ("correct", ""),
    "Missing 1/m:": ("wrong", "missing the 1/m of the mean cost"),
    "Extra 1/m:": ("wrong", "an extra 1/m"),
    "Missing transpose:": ("wrong", "the transpose is missing on W2"),
    "Wrong layer:": ("wrong", "the wrong layer's activation: A1 where X belongs"),
    "Activation for derivative:": ("wrong", "is used where its derivative sigmoid'(Z2) belongs"),
    # a real note writes \cdot or nothing for the elementwise product (dC/dA \cdot A(1-A)):
    # two matrices of one shape that cannot be a matrix product are read so, and said so
    "Hadamard as matrix product:": ("correct", "read as elementwise (⊙ says so)"),
    "Wrong activation's derivative:": ("wrong", "tanh'(Z1) where relu'(Z1) belongs"),
    "Identity:": ("correct", ""),
}
KEYED_TEX = {
    "Correct output delta:": ("correct", ""),
    "Correct dW2:": ("correct", ""),
    "Correct db2:": ("correct", ""),
    "Correct hidden delta:": ("correct", "read as elementwise"),
    "Correct power:": ("correct", ""),
    "Correct dW1:": ("correct", ""),
    "Missing 1/m:": ("wrong", "missing the 1/m"),
    "Extra transpose:": ("wrong", "an extra transpose on dZ(2)"),
    "Wrong layer:": ("wrong", "the wrong layer's activation: A(1) where X belongs"),
    "Activation for derivative:": ("wrong", "A(1) is used where its derivative tanh'(Z1)"),
    # a real note writes \cdot or nothing for the elementwise product (dC/dA \cdot A(1-A)):
    # two matrices of one shape that cannot be a matrix product are read so, and said so
    "Hadamard as matrix product:": ("correct", "read as elementwise (⊙ says so)"),
    "Wrong activation's derivative:": ("wrong", "relu'(Z(1)) where tanh'(Z(1)) belongs"),
}


@pytest.mark.parametrize("path, keyed", [(MD, KEYED_MD), (TEX, KEYED_TEX)])
def test_keyed_matrix_claims(path, keyed):
    results = results_of(path)
    lines = path.read_text().splitlines()
    understood = 0
    for marker, (verdict, words) in keyed.items():
        # the claim is on the marker's line (Markdown) or the line after it (LaTeX)
        at = line_of(path, marker)
        line = at if "$$" in lines[at - 1] else at + 1
        (r,) = by_line(results, line)
        understood += r["verdict"] != "unknown"
        assert r["verdict"] == verdict, r
        said = r.get("why", "") if verdict == "wrong" else r["message"]
        assert words in said, r
        if verdict == "wrong":
            assert r["expected"], r
    assert understood / len(keyed) >= 0.9
    flagged = {r["line"] for r in results if r["verdict"] == "wrong"}
    assert len(flagged) == sum(v == "wrong" for v, _ in keyed.values())


def test_the_issue_note_without_a_spec():
    notes = "\n\n".join(
        [
            "$$z_1 = W_1 x + b_1$$", "$$A_1 = \\mathrm{relu}(z_1)$$", "$$z_2 = W_2 A_1 + b_2$$",
            "$$A_2 = \\sigma(z_2)$$", "$$C = (A_2 - y)^2$$",
            "$$\\frac{\\partial C}{\\partial W_2} = \\frac{1}{m} \\delta_2 A_1^T$$",
            "$$\\delta_2 = 2 (A_2 - Y) \\odot \\sigma'(Z_2)$$",
            "$$\\delta_1 = W_2^T \\delta_2 \\odot \\mathrm{relu}'(Z_1)$$",
            "$$\\frac{\\partial C}{\\partial W_1} = \\frac{1}{m} \\delta_1 A_1^T$$",
            "$$\\frac{d}{dz} \\tanh(z) = 1 - \\tanh^2(z)$$",
            "$$\\frac{d}{dz} \\sigma(z) = \\sigma(z)(1 - \\sigma(z))$$",
        ]
    )  # fmt: skip
    results, _ = check_text(notes)
    assert [r.verdict for r in results] == ["correct"] * 3 + ["wrong"] + ["correct"] * 2
    assert "A1 where X belongs" in results[3].message


def test_the_same_claims_against_the_spec():
    results, _ = check_text(MD.read_text(), spec=str(SEED))
    wrong = {r.line for r in results if r.verdict == "wrong"}
    assert wrong == {line_of(MD, m) for m, (v, _) in KEYED_MD.items() if v == "wrong"}


def test_a_matrix_claim_without_a_network_is_not_understood():
    results, _ = check_text("$$dW^{[1]} = \\frac{1}{m} dZ^{[1]} X^T$$\n")
    # issue 22: the model of meaning reads Ng's notation on a drawn batch without being told
    # the network; the older matrix check alone still has no network for it
    (r,) = results
    assert (r.kind, r.verdict) == ("matrix", "unknown") or (
        r.verdict == "correct" and r.message.startswith("read with")
    )
    assert r.verdict == "correct" or "--spec" in r.message


def test_a_sum_cost_has_no_one_over_m():
    notes = MD.read_text().replace("J = \\frac{1}{m} \\sum", "J = \\sum")
    results, _ = check_text(notes)
    (r,) = [r for r in results if r.line == line_of(MD, "Correct dW2:")]
    assert r.verdict == "wrong" and "an extra 1/m" in r.message
    (r,) = [r for r in results if r.line == line_of(MD, "Missing 1/m:")]
    assert r.verdict == "correct"


@pytest.mark.parametrize(
    "tex, tree",
    [
        ("W_2^T", ("T", ("name", "W2", "W2"))),
        ("W_2^\\top", ("T", ("name", "W2", "W2"))),
        ("W_2^{\\top}", ("T", ("name", "W2", "W2"))),
        ("W_2^{\\intercal}", ("T", ("name", "W2", "W2"))),
        ("\\mathbf{W}_2^{T}", ("T", ("name", "W2", "W2"))),
        ("A^{[1]T}", ("T", ("name", "A1", "A(1)"))),
        ("a^{(L-1)}", ("name", "A1", "a(L-1)")),
        ("\\delta_2 \\odot A_2", ("had", ("name", "delta2", "δ2"), ("name", "A2", "A2"))),
        ("\\delta_2 \\circ A_2", ("had", ("name", "delta2", "δ2"), ("name", "A2", "A2"))),
        ("\\delta_2 * A_2", ("star", ("name", "delta2", "δ2"), ("name", "A2", "A2"))),
        ("dZ^{[2]}", ("grad", "z2", "dZ(2)")),
        ("np.sum(dZ^{[1]}, axis=1, keepdims=True)", ("sum", ("grad", "z1", "dZ(1)"))),
        ("\\sum_{i=1}^{m} \\delta_1", ("sum", ("name", "delta1", "δ1"))),
        ("\\frac{1}{m}", ("div", ("num", 1.0), ("m",))),
        ("\\|A_2 - Y\\|^2", ("norm2", ("sub", ("name", "A2", "A2"), ("name", "y", "Y")))),
        ("g'(Z^{[1]})", ("fn", "g", True, ("name", "z1", "Z(1)"), None)),
        ("\\sigma'(z)", ("fn", "sigmoid", True, ("name", "z", "z"), None)),
        ("\\tanh^2(Z_1)", ("pow", ("fn", "tanh", False, ("name", "z1", "Z1"), None), 2)),
    ],
)
def test_matrix_notation(tex, tree):
    assert MatrixReader(Names(2)).read(clean(tex)) == tree


def test_unreadable_matrix_text_is_refused():
    for tex in ["W_2^{Q}", "\\foo W", "np.sum(A_1)", "(A_1"]:
        with pytest.raises(NotUnderstood):
            MatrixReader(Names(2)).read(clean(tex))


# ---------------------------------------------------------------------- fuzz
_ATOMS = ["W_1", "W_2", "A_1", "A_2", "X", "Y", "Z_1", "\\delta_2", "dZ^{[1]}", "b_2",
          "\\sigma'(Z_2)", "\\mathrm{relu}'(Z_1)", "\\tanh^2(Z_1)", "2", "m", "g'(Z^{[2]})",
          "\\frac{1}{m}", "\\sum_{i=1}^{m}", "\\|A_2 - Y\\|^2", "\\mathbf{W}_2", "(", ")",
          "{", "}", "\\frac{", "}{", "^T", "^{\\top}", "^{[2]T}", "\\odot", "\\circ", "*", "+",
          "-", "\\cdot", " ", "=", "np.sum(", ", axis=1, keepdims=True)", "^2", "_",
          "'"]  # fmt: skip
_LEFT = ["\\delta_1", "dW^{[1]}", "\\frac{\\partial J}{\\partial W_2}", "db^{[2]}", "J", "x"]


def _timeout(signum, frame):
    raise TimeoutError


def test_fuzz_random_matrix_formulas():
    rng = random.Random(13)
    formulas = []
    for _ in range(300):
        right = "".join(rng.choice(_ATOMS) for _ in range(rng.randint(1, 12)))
        formulas.append(f"$${rng.choice(_LEFT)} = {right}$$")
    header = "$$z_1 = W_1 x + b_1$$\n\n$$A_1 = \\tanh(z_1)$$\n\n$$z_2 = W_2 A_1 + b_2$$\n\n"
    header += "$$A_2 = \\sigma(z_2)$$\n\n$$C = (A_2 - y)^2$$\n\n"
    old = signal.signal(signal.SIGALRM, _timeout)
    try:
        for k in range(0, 300, 30):
            signal.alarm(120)  # a hang guard, not a timing assertion
            results, _ = check_text(header + "\n\n".join(formulas[k : k + 30]))
            signal.alarm(0)
            for r in results:
                assert r.verdict in ("correct", "wrong", "unknown")
                assert r.verdict != "wrong" or r.message, r
                assert not r.message.startswith("could not check"), r
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert sum(looks_like_matrix(clean(f)) for f in formulas) > 150


def test_readme_shows_the_real_report(tmp_path, monkeypatch):
    from pathlib import Path

    from derive.check.notes.walk import check_notes

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Checking notes in matrix form (`derive check`)")[1]
    note, report = section.split("```\n")[1], section.split("```\n")[3]
    monkeypatch.chdir(tmp_path)
    Path("notes.md").write_text(note, encoding="utf-8")
    text, code = check_notes("notes.md")
    assert code == 1 and text + "\n" == report


# ---------------------------------------------------------------------- expected forms
HALF = NOTES / "half_cost.md"
KEYED_HALF = {
    "Correct output dZ:": ("correct", None),
    "Correct dW2:": ("correct", None),
    "Correct hidden dZ:": ("correct", None),
    "Missing 1/m:": ("wrong", "(1/m) (dZ(2) A(1)^T)"),
    "Missing transpose:": ("wrong", "(W(2)^T dZ(2)) ⊙ (1 - A(1)^2)"),
    "Wrong activation's derivative:": ("wrong", "(W(2)^T dZ(2)) ⊙ (1 - A(1)^2)"),
    "Missing 1/m in db:": ("wrong", "(1/m) Σ_samples(dZ(1))"),
    "Wrong layer:": ("wrong", "(1/m) (dZ(1) x^T)"),
    "The 2 of the square kept:": ("wrong", "A(2) ⊙ (1 - A(2)) ⊙ (A(2) - Y)"),
}


def test_expected_forms_use_the_notes_own_deltas_under_a_half_mean_cost():
    # J = 1/(2m) ||A - Y||^2: dW = 1/m dZ A^T in the notes' dZ (derive's internal delta has
    # the 1/(2m) in it); the expected form must say dZ(2), not delta2, and 1/m, not 1/(2m)
    results = results_of(HALF)
    for marker, (verdict, want) in KEYED_HALF.items():
        (r,) = by_line(results, line_of(HALF, marker))
        assert r["verdict"] == verdict, r
        if want:
            assert r["expected"] == want, r
            assert "delta" not in r["expected"] and "δ" not in r["expected"], r
    (r,) = by_line(results, line_of(HALF, "The 2 of the square kept:"))
    assert "the 1/2 of the notes' cost (line 9) is left out" in r["why"]
    assert {r["line"] for r in results} == {line_of(HALF, m) for m in KEYED_HALF}


def test_expected_forms_use_delta_when_the_notes_write_delta():
    notes = "\n\n".join(
        [
            "$$z_1 = W_1 x + b_1$$", "$$A_1 = \\tanh(z_1)$$", "$$z_2 = W_2 A_1 + b_2$$",
            "$$A_2 = \\sigma(z_2)$$", "$$C = (A_2 - y)^2$$",
            "$$J = \\frac{1}{2m} \\sum_{i=1}^{m} (A_2 - Y)^2$$",
            "$$\\delta_2 = (A_2 - Y) \\odot \\sigma'(Z_2)$$",
            "$$\\frac{\\partial J}{\\partial W_2} = \\delta_2 A_1^T$$",
            "$$\\delta_1 = W_2 \\delta_2 \\odot \\tanh'(Z_1)$$",
        ]
    )  # fmt: skip
    results, _ = check_text(notes)
    assert [r.verdict for r in results] == ["correct", "wrong", "wrong"]
    assert results[1].expected == "(1/m) (δ2 A1^T)"
    assert results[2].expected == "(W2^T δ2) ⊙ (1 - A1^2)"


_NEW_ATOMS = ["\\hat{y}", "\\hat{Y}", "a_2", "y_k", "a_{2,k}", "z_2", "\\log", "\\ln", "f(z)",
              "f'(z)", "\\mathrm{softmax}(z_2)", "\\sum_k", "-", "\\frac{y}{a_2}", "(1 - a_2)",
              "e^{z_k}", "\\in \\mathbb{R}^{3 \\times m}", " is ", "3 \\times 4", "(4, m)",
              "\\frac{\\partial C}{\\partial z_2}", "\\delta_2", "=", "^T", "\\odot", "2",
              "\\frac{d}{dz}", "(", ")", "{", "}", "_", "^"]  # fmt: skip


def test_fuzz_random_formulas_with_softmax_shapes_and_functions():
    rng = random.Random(131)
    header = (
        "$$z_1 = W_1 x + b_1$$\n\n$$a_1 = \\tanh(z_1)$$\n\n$$z_2 = W_2 a_1 + b_2$$\n\n"
        "$$a_2 = \\mathrm{softmax}(z_2)$$\n\n$$C = -\\sum_k y_k \\log a_{2,k}$$\n\n"
        "$f(z) = \\frac{1}{1+e^{-z}}$\n\n$W_1$ is $3 \\times 4$\n\n"
    )
    lines = []
    for _ in range(150):
        body = "".join(rng.choice(_NEW_ATOMS) for _ in range(rng.randint(1, 10)))
        lines.append(rng.choice(["$$", "$", ""]).join(["", body, ""]) if rng.random() < 0.9
                     else body)  # fmt: skip
    old = signal.signal(signal.SIGALRM, _timeout)
    try:
        for k in range(0, 150, 30):
            signal.alarm(120)  # a hang guard, not a timing assertion
            results, _ = check_text(header + "\n\n".join(lines[k : k + 30]))
            signal.alarm(0)
            for r in results:
                assert r.verdict in ("correct", "wrong", "unknown")
                assert r.verdict != "wrong" or r.message, r
                assert not r.message.startswith("could not check"), r
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
