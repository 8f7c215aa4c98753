"""The LaTeX and Markdown documents: golden files for the seed, every example compiled by a
real pdflatex and read back with pdftotext, the printer's small outputs as exact strings, the
numeric example against finite differences, and the command line.

Regenerate the golden files after an intended change with
``DERIVE_UPDATE_GOLDEN=1 python -m pytest tests/emit/test_latex.py``.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from derive.emit import example, latex, texprint
from derive.emit.example import example_values
from derive.emit.latex import render_latex
from derive.emit.texprint import IRPrinter, tex_name, visible_width
from derive.engine.derivation import derive
from derive.engine.graph import Network
from derive.engine.spec import load_spec
from derive.errors import DeriveError
from derive.resources import EXAMPLES

GOLDEN = Path(__file__).parent / "golden"
HEADINGS = [
    "The network",
    "The cost",
    "The chain rule, factor by factor",
    "The deltas",
    "The batch form",
    "The update rule",
    "Assumptions",
]
no_pdflatex = pytest.mark.skipif(
    shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
    reason="pdflatex/pdftotext not installed: "
    "apt-get install texlive-latex-base texlive-latex-recommended poppler-utils",
)
_DERIVED: dict[str, object] = {}


def derived(name: str):
    """Each example derived once per test session (shared_weight's mish takes seconds)."""
    if name not in _DERIVED:
        _DERIVED[name] = derive(load_spec(EXAMPLES / f"{name}.toml"))
    return _DERIVED[name]


# ---------------------------------------------------------------------------- golden files
@pytest.mark.parametrize(
    "golden, options",
    [
        ("seed.tex", {}),
        ("seed.md", {"fmt": "md"}),
        ("seed_example.tex", {"example": True}),
        ("cnn_digits.tex", {}),
        ("rnn.tex", {}),
    ],
)
def test_golden_seed(golden, options):
    text = render_latex(derived(golden.split(".")[0].removesuffix("_example")), **options)
    path = GOLDEN / golden
    if os.environ.get("DERIVE_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(True), text.splitlines(True), str(path), "rendered", n=1
            )
        )
        pytest.fail(
            f"{golden} differs from the rendered document (DERIVE_UPDATE_GOLDEN=1 to accept):\n"
            + diff[:3000]
        )


@pytest.mark.parametrize("name", ["attention", "batchnorm", "dropout", "layernorm", "weight_decay"])
def test_golden_layer_kinds(name):
    """The layer kinds' and matrix operations' documents: batch norm's chain through the mean
    and the variance and its compact form, dropout's mask, layer norm written by hand with
    mean_units, attention's softmax Jacobian in matrix form, weight decay's penalty term;
    compared like the seed's."""
    text = render_latex(derived(name))
    path = GOLDEN / f"{name}.tex"
    if os.environ.get("DERIVE_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), (
        f"{path.name} differs from the rendered document (DERIVE_UPDATE_GOLDEN=1 to accept)"
    )


def test_batchnorm_document_shows_the_chain_and_the_compact_form():
    text = render_latex(derived("batchnorm"))
    # the raw chain: the gradients of the variance and of the mean, each a line of its own
    assert r"\mathrm{d}{\sigma^{2}}_{2} &=" in text
    assert r"\mathrm{d}\mu_{2} &=" in text
    # the compact form: the sum over the samples of delta xhat, in x-hat (no mean left)
    compact = text[text.index(r"\mathrm{d}A_{1} &=") : text.index(r"\delta_{1} &=")]
    assert r"\sum_{\text{samples}} \left(\delta_{2} \odot \hat{x}_{2}\right)" in compact
    assert r"\mu_{2}" not in compact.split(r"\\")[-2]


def test_seed_document_has_the_notes_chains():
    text = render_latex(derived("seed"))
    start = text.index(r"\subsection*{$\partial C / \partial W_{2}$}")
    chain_w2 = text[start : text.index(r"\subsection*", start + 1)]
    braced = re.findall(r"_\{\\text\{([^}]*)\}\}", chain_w2)
    assert braced[:3] == ["input", "sigmoid prime", "cost derivative"]
    assert r"\underbrace{A_{1}}_{\text{input}}" in chain_w2
    assert r"\underbrace{A_{2}\, (1 - A_{2})}_{\text{sigmoid prime}}" in chain_w2
    assert r"\underbrace{2 (A_{2} - y)}_{\text{cost derivative}}" in chain_w2
    # A2(1 - A2) is shown equal to sigma(z2)(1 - sigma(z2)), the notes' form
    assert r"A_{2}\, (1 - A_{2}) &= \sigma(z_{2})\, (1 - \sigma(z_{2}))" in text
    # the delta passed back to the previous layer, per sample and in the batch form
    assert r"&= \mathbf{1}[z_{1} > 0] \cdot W_{2} \cdot \delta_{2}" in text
    assert r"\delta_{1} &= \mathrm{d}A_{1} \odot \mathbf{1}[z_{1} > 0]" in text
    assert r"&= (W_{2}^{\top} \delta_{2}) \odot \mathbf{1}[z_{1} > 0]" in text
    # batch form: 1/m, sums over samples for biases, shapes; update rule
    assert r"\frac{\partial C}{\partial W_{2}} &= \frac{1}{m} \delta_{2} A_{1}^{\top}" in text
    assert r"\frac{1}{m} \sum_{\text{samples}} \delta_{1}" in text
    assert r"[1 \times m]\,[m \times 3] \to [1 \times 3]" in text
    assert r"W_{1} &:= W_{1} - \eta\, \frac{\partial C}{\partial W_{1}}" in text


# ---------------------------------------------------------------------------- printer
@pytest.mark.parametrize(
    "name, notation, expected",
    [
        ("W2", "subscript", "W_{2}"),
        ("W2", "superscript", "W^{(2)}"),
        ("delta12", "subscript", r"\delta_{12}"),
        ("x", "superscript", "x"),
        ("W_hidden", "subscript", r"W_{\mathrm{hidden}}"),
        ("h3_out", "superscript", r"h_{\mathrm{out}}^{(3)}"),
        ("gate", "subscript", r"\mathit{gate}"),
    ],
)
def test_tex_name(name, notation, expected):
    assert tex_name(name, notation) == expected


def test_tex_name_gradient_and_transpose():
    assert tex_name("dA1", grad=True) == r"\mathrm{d}A_{1}"
    assert tex_name("W2", top=True) == r"W_{2}^{\top}"
    assert tex_name("W2", "superscript", top=True) == r"W^{(2)\top}"


def test_printer_ir_nodes():
    d = derived("seed")
    pr = IRPrinter("subscript", {s.name for s in d.steps}, elementwise=True)
    assert pr.ir(d.step("dW2").value) == r"\delta_{2} A_{1}^{\top}"
    assert pr.ir(d.step("db2").value) == r"\sum_{\text{samples}} \delta_{2}"
    assert (
        pr.ir(d.step("delta1").simplified)
        == r"(W_{2}^{\top} \delta_{2}) \odot \mathbf{1}[z_{1} > 0]"
    )
    assert pr.ir(d.step("delta2").simplified) == r"2 A_{2} \odot (1 - A_{2}) \odot (A_{2} - y)"
    assert pr.ir(d.network.equations["z1"]) == r"W_{1} x + b_{1}"


def test_long_expressions_break():
    d = derived("shared_weight")
    pr = IRPrinter("subscript", {s.name for s in d.steps}, elementwise=True)
    lines = pr.lines(d.step("delta1").simplified)
    assert len(lines) > 1
    assert all(visible_width(line) <= texprint.WIDTH for line in lines)


# ---------------------------------------------------------------------------- pdflatex
def _compile(tex: str, tmp_path: Path, name: str) -> tuple[str, str]:
    pdf = latex.compile_pdf(tex, tmp_path / f"{name}.pdf")
    cmd = ["pdftotext", "-layout", str(pdf), "-"]
    text = subprocess.run(cmd, capture_output=True, text=True).stdout
    return text, pdf.read_bytes()[:5].decode()


def _has_heading(text: str, number: int, heading: str) -> bool:
    return re.search(rf"^\s*{number}\s+{re.escape(heading)}\s*$", text, re.M) is not None


@no_pdflatex
@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.toml")))
def test_every_example_compiles(name, tmp_path):
    tex = render_latex(derived(name), example=True)
    text, magic = _compile(tex, tmp_path, name)
    assert magic == "%PDF-"
    for i, heading in enumerate([*HEADINGS, "A worked example"], start=1):
        assert _has_heading(text, i, heading), heading
    assert "cost derivative" in text or "delta" in text


@no_pdflatex
@pytest.mark.parametrize("name", ["seed", "shared_weight"])
def test_no_line_runs_off_the_page(name, tmp_path):
    """pdflatex reports every line wider than the text as an overfull box."""
    tex = render_latex(derived(name), example=True)
    (tmp_path / "doc.tex").write_text(tex)
    cmd = ["pdflatex", "-halt-on-error", "-interaction=nonstopmode", "doc.tex"]
    subprocess.run(cmd, cwd=tmp_path, capture_output=True, check=True)
    log = (tmp_path / "doc.log").read_text(errors="replace")
    overfull = re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)
    assert not [w for w in overfull if float(w) > 2], overfull


@no_pdflatex
def test_superscript_notation_compiles_with_powers(tmp_path):
    # tanh' = 1 - A^2: a power of a superscripted name needs brackets, (A^{(1)})^2
    net = Network.from_layers("tanhnet", 2, [(3, "tanh"), (1, "sigmoid")])
    tex = render_latex(derive(net), notation="superscript")
    assert "W^{(2)}" in tex and "W_{2}" not in tex
    text, _ = _compile(tex, tmp_path, "tanhnet")
    assert _has_heading(text, 1, "The network")


def test_subscript_is_the_default():
    tex = render_latex(derived("seed"))
    assert "W_{2}" in tex and "W^{(2)}" not in tex


# ---------------------------------------------------------------------------- markdown
def test_markdown_blocks():
    md = render_latex(derived("digits"), fmt="md", example=True)
    assert md.startswith("<!-- generated by derive from digits.toml")
    for heading in HEADINGS:
        assert re.search(rf"^## \d\. {re.escape(heading)}$", md, re.M), heading
    blocks = md.split("$$\n")
    assert len(blocks) % 2 == 1  # every $$ closed
    for inside in blocks[1::2]:
        assert "\n\n" not in inside  # a blank line ends a math block in Markdown
        assert r"\tag" not in inside and r"\intertext" not in inside
        assert inside.startswith(r"\begin{aligned}")
    assert "one-hot" in md  # the softmax / cross-entropy assumption


# ---------------------------------------------------------------------------- example
def test_example_numbers_are_gradients():
    """The example's parameter gradients are the cost's derivatives (central differences)."""
    d = derived("skip")
    ex = example_values(d)
    assert set(np.unique(ex["X"])) <= {0.0, 1.0, 2.0, 3.0}
    assert all(np.allclose(p * 10, np.round(p * 10)) for p in ex["params"].values())
    net = d.network

    def cost(params):
        env = {"x": ex["X"], "y": ex["Y"], **params}
        for name, node in net.equations.items():
            env[name] = example.evaluate_numpy(node, env, ex["m"])
        return example.evaluate_numpy(net.cost, env, ex["m"]).sum() / ex["m"]

    assert cost(ex["params"]) == pytest.approx(ex["cost"], rel=1e-12)
    rng = np.random.default_rng(1)
    for s in d.param_steps:
        direction = rng.standard_normal(ex["params"][s.of].shape)
        h = 1e-6
        plus = {**ex["params"], s.of: ex["params"][s.of] + h * direction}
        minus = {**ex["params"], s.of: ex["params"][s.of] - h * direction}
        numeric = (cost(plus) - cost(minus)) / (2 * h)
        analytic = float((ex["grads"][s.name] * direction).sum())
        assert analytic == pytest.approx(numeric, rel=1e-6, abs=1e-9), (s.of, analytic, numeric)
    assert ex["cost_after"] < ex["cost"]


def test_example_one_hot_targets_for_cross_entropy():
    ex = example_values(derived("digits"))
    assert np.array_equal(ex["Y"].sum(axis=0), np.ones(ex["m"]))


def test_bmatrix_elides_large_matrices():
    tex = example.bmatrix(np.arange(100.0).reshape(10, 10))
    assert r"\cdots" in tex and r"\vdots" in tex and r"\ddots" in tex
    assert tex.count(r"\\") == 5  # 6 rows shown
    assert example.number_tex(1.5e-7) == r"1.5 \cdot 10^{-7}"
    assert example.number_tex(-0.25) == "-0.25"


# ---------------------------------------------------------------------------- command line
def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="derive")
    latex.register_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_writes_name_tex_by_default(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert _run(["latex"]) == 0
    assert (tmp_path / "seed.tex").read_text() == render_latex(derived("seed"))
    assert "wrote seed.tex" in capsys.readouterr().out
    assert _run(["latex", str(EXAMPLES / "skip.toml"), "--format", "md"]) == 0
    assert (tmp_path / "skip.md").read_text().startswith("<!-- generated by derive")


def test_cli_stdout_and_notation(capsys):
    assert _run(["latex", "-o", "-", "--notation", "superscript"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("% generated by derive from seed.toml") and "W^{(2)}" in out


@no_pdflatex
def test_cli_pdf(tmp_path):
    out = tmp_path / "notes" / "seed.tex"
    assert _run(["latex", "-o", str(out), "--pdf"]) == 0
    assert (tmp_path / "notes" / "seed.pdf").read_bytes().startswith(b"%PDF-")


def test_cli_pdf_without_pdflatex(tmp_path, monkeypatch):
    monkeypatch.setattr(latex.shutil, "which", lambda exe: None)
    with pytest.raises(DeriveError) as err:
        _run(["latex", "-o", str(tmp_path / "seed.tex"), "--pdf"])
    assert "apt-get install texlive-latex-base texlive-latex-recommended" in str(err.value)
    assert (tmp_path / "seed.tex").exists()  # the LaTeX is still written


def test_cli_errors(tmp_path):
    with pytest.raises(DeriveError, match="--pdf needs --format tex"):
        _run(["latex", "--format", "md", "--pdf", "-o", str(tmp_path / "x.md")])
    with pytest.raises(DeriveError, match="no such file"):
        _run(["latex", str(tmp_path / "missing.toml")])
    with pytest.raises(DeriveError, match="unknown notation"):
        render_latex(derived("seed"), notation="arrows")


def test_missing_templates_are_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(latex, "TEMPLATES", tmp_path / "nowhere")
    latex._environment.cache_clear()
    try:
        with pytest.raises(DeriveError, match="templates are missing"):
            render_latex(derived("seed"))
    finally:
        latex._environment.cache_clear()


def test_deep_network_document_grows_linearly():
    """Chains longer than MAX_FACTORS stop at their first delta (the deltas section has each
    delta's own chain), so the document grows with the depth, not its square."""
    sizes = {}
    for depth in (10, 20):
        net = Network.from_layers("deep", 2, [(2, "tanh")] * depth + [(1, "sigmoid")])
        tex = render_latex(derive(net))
        sizes[depth] = len(tex)
        start = tex.index(r"\subsection*{$\partial C / \partial W_{1}$}")
        block = tex[start : tex.index(r"\subsection*", start + 1)]
        assert block.count(r"\partial C}") == 2  # dC/dW1 = dz1/dW1 . dC/dz1 = x . delta1
        assert r"\delta_{1}" in block
    assert sizes[20] < 2.3 * sizes[10]


def test_example_is_checked_against_the_generated_code(monkeypatch):
    """The example prints the generated module's numbers and refuses any disagreement."""
    from derive.emit import codegen

    real = codegen.load_module

    def off_by_a_bit(net):
        module = real(net)
        backward = module.backward

        def wrong(params, cache, Y):
            grads = backward(params, cache, Y)
            return {k: v * 1.001 if k == "W1" else v for k, v in grads.items()}

        module.backward = wrong
        return module

    monkeypatch.setattr(codegen, "load_module", off_by_a_bit)
    with pytest.raises(RuntimeError, match="gradient of W1"):
        example_values(derived("seed"))
