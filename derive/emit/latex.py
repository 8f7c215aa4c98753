"""Derivations for notes: a standalone LaTeX document, or Markdown with ``$$`` blocks, that
reads like a clean copy of the user's handwritten notes.

``render_latex(derivation)`` fills ``templates/derivation.tex.j2`` (or ``derivation.md.j2``)
with equations printed by ``IRPrinter`` (``texprint``): the forward equations with their
shapes, the cost, every parameter's Leibniz chain with each factor's value under a brace that
names it (``engine.chain``), the deltas and their recursion to the previous layer, the batch
form with shapes, 1/m and the sums over samples, the update rule, and the assumptions.
``example=True`` adds every forward and backward intermediate for small concrete numbers
(``example``). Names are the generated code's (``W2``, ``A1``, ``delta2``, ``dW2``), printed
as W_2 or W^{(2)}.

``derive latex [SPEC] [-o FILE] [--format tex|md] [--notation subscript|superscript]
[--example] [--pdf]`` writes ``<name>.tex`` (or ``<name>.md``) in the current folder unless
``-o`` names another file (``-o -``: the standard output); ``--pdf`` compiles the LaTeX with
pdflatex and puts ``<name>.pdf`` next to it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
import numpy as np
import sympy as sp

from derive.engine import namer
from derive.engine.chain import COST, chains, scalar, symbol
from derive.engine.conv import beyond_scalars, has_images, unused_notes
from derive.engine.derivation import Derivation, tidy
from derive.engine.ir import Elementwise, MatMul, Node, Recur, RecurGrad, Sum, walk
from derive.engine.registry import ActivationFunction
from derive.engine.timeloop import timed_backward, timed_forward
from derive.errors import DeriveError
from derive.fileio import write_atomic
from derive.resources import TEMPLATES

from .example import bmatrix, example_values, number_tex
from .layercode import layer_notes
from .npprint import overflow_notes
from .texprint import WIDTH, IRPrinter, pack_lines, shape_tex, visible_width
from .text import legend

FORMATS = ("tex", "md")
NOTATIONS = ("subscript", "superscript")
MAX_FACTORS = 8  # a chain longer than this is shown down to its first delta
LONG_FACTOR = 26  # a factor value longer than this is named under its brace and given below
INSTALL_LATEX = "sudo apt-get install texlive-latex-base texlive-latex-recommended"


def _plain_sum(n: Elementwise, walk_shape) -> str | None:
    """A sum of its arguments, as [3 x m] + [3 x 1]; None for any other elementwise node."""
    if n.expr.is_Add and all(t.is_Symbol for t in n.expr.args):
        return " + ".join(walk_shape(a) for a in n.args)
    return None


# The nodes whose shapes the forward lines spell out, by type; any other shows its result.
_SHAPE_STEPS = {
    MatMul: lambda n, walk_shape: walk_shape(n.a) + r"\," + walk_shape(n.b),
    Sum: lambda n, walk_shape: r"\textstyle\sum " + walk_shape(n.a),
    Elementwise: _plain_sum,
}


# ------------------------------------------------------------------------------ document
@dataclass
class Line:
    """One line of an aligned block: ``lhs op tex`` (lhs empty on continuation lines), with
    ``note`` (shapes) in a second column and ``tag`` (the code's name) at the margin."""

    lhs: str
    op: str
    tex: str
    note: str = ""
    tag: str = ""


def _row(lhs, lines, *, op="=", note="", tag="") -> list[Line]:
    out = [Line(lhs, op, lines[0], note, tag)]
    out += [Line("", r"\quad", rest) for rest in lines[1:]]
    return out


def _frac(num: str, den: str, pr: IRPrinter) -> str:
    n = "C" if num == COST else pr.name(num)
    return rf"\frac{{\partial {n}}}{{\partial {pr.name(den)}}}"


class _Document:
    def __init__(self, d: Derivation, notation: str):
        self.d, self.net = d, d.network
        grads = {s.name for s in d.steps}
        for cell in d.network.recurrences:  # the step's gradients, written with t
            grads |= {name for name, _, _ in timed_backward(cell)}
            grads |= {namer.gradient(f"{s}_t") for s in cell.outputs}
        self.pr = IRPrinter(notation, grads)
        self.ew = IRPrinter(notation, grads, elementwise=True)
        self.seen_forms: set = set()
        self.proofs: list[str] = []  # remarks on the factors just braced
        self.seen_notes: set[str] = set()  # each remark once per document
        self.m_tex = r"\frac{1}{m}" if d.scale != 1 else ""

    def context(self) -> dict:
        net, pr = self.net, self.pr
        return {
            "name": net.name,
            "source": Path(net.source).name,
            "sha": net.sha256[:12],
            "x": pr.name("x"),
            "y": pr.name("y"),
            "inputs": net.inputs,
            "outputs": net.outputs,
            "output": pr.name(net.output),
            "mean": self.d.scale != 1,
            "params": [
                {"tex": pr.name(p), "code": p, "shape": shape_tex(v.shape)}
                for p, v in net.params.items()
            ],
            "forward": self.forward(),
            "activations": self.activations(),
            "images": self.images(),
            "loops": bool(self.net.recurrences),
            "cost": self.cost(),
            "chains": [self.chain_block(c, _frac(COST, c.param, pr)) for c in chains(self.d)],
            "deltas": self.deltas(),
            "backward": self.backward(),
            "updates": [
                line
                for p in net.params
                for line in _row(
                    pr.name(p), [rf"{pr.name(p)} - \eta\, {_frac(COST, p, pr)}"], op=":="
                )
            ],
            "assumptions": self.assumptions(),
        }

    # -- sections
    def forward(self) -> list[Line]:
        out = []
        for name, node in self.net.equations.items():
            if isinstance(node, Recur):
                out += self.step(name, node)
                continue
            note = "".join(rf",\ \text{{{n}}}" for n in unused_notes(node))
            out += _row(self.ew.name(name), self.ew.lines(node), note=self.shapes(node) + note,
                        tag=name)  # fmt: skip
        return out

    def step(self, name: str, node: Recur) -> list[Line]:
        """A time loop: the step's equations once, for t = 1, ..., T, and what the layer
        hands on."""
        c, pr = node.cell, self.ew
        h = c.emit
        start = "".join(
            r";\ " + pr.name(f"{s}_0") + " = " + (pr.name(c.initial(s)) if c.learn_h0 else "0")
            for s in c.states
        )
        x = pr.name(c.x_t)
        rows = rf"{x} = {self.ew.lines(node.args[0])[0]}\big[(t-1){c.d} : t{c.d}\big]"
        out = _row(x, [rows.split(" = ", 1)[1]], note=rf"t = 1, \dots, {c.steps}{start}")
        for n, e in timed_forward(c):
            out += _row(pr.name(n), pr.lines(e), note=self.shapes(e))
        if c.output == "all":
            hand = rf"\left[{pr.name(h + '_t')}\right]_{{t=1}}^{{{c.steps}}}"
            what = r"\text{every step, stacked in time order}"
        else:
            hand, what = pr.name(f"{h}_{c.steps}"), r"\text{the last step}"
        return out + _row(pr.name(name), [hand], note=what, tag=name)

    def shapes(self, node: Node) -> str:
        """The shape arithmetic of the notes: [3 x 4][4 x m] + [3 x 1] -> [3 x m]."""

        def walk_shape(n: Node) -> str:
            step = _SHAPE_STEPS.get(type(n))
            found = step(n, walk_shape) if step is not None else None
            return shape_tex(n.shape) if found is None else found

        parts = walk_shape(node)
        result = shape_tex(node.shape)
        return result if parts == result else rf"{parts} \to {result}"

    def images(self) -> list[Line]:
        """The image operations by their index sums (stride s, padding p, x padded with zeros),
        when the network convolves or pools."""
        if not has_images(self.net):
            return []
        rows = [row for entry in legend(self.net) for row in entry.tex]
        return [Line(lhs, "=", tex, rf"\text{{{note}}}" if note else "") for lhs, tex, note in rows]

    def activations(self) -> list[dict]:
        used = []
        for node in self.net.equations.values():
            for n in walk(node):
                if isinstance(n, Elementwise):
                    for f in n.expr.atoms(ActivationFunction):
                        if f.activation not in used:
                            used.append(f.activation)
        softmax = bool(self.net.softmax) or bool(self.net.softmax_inside)
        z = symbol("z")
        out: list[Line] = []
        for act in used:
            out += _row(
                rf"{act.latex}(z)", self.pr.lines(act.expr), note=rf"\text{{{_tex_text(act.name)}}}"
            )
            out += _row(rf"{act.latex}'(z)", self.pr.lines(act.derivative))
            if act.output_form is not None:
                g = act.output_form.xreplace({sp.Symbol("a", real=True): symbol("A")})
                out += [Line("", "=", self.pr.doprint(g), rf"\text{{with }} A = {act.latex}(z)")]
        if softmax:
            out += _row(
                r"\operatorname{softmax}(z)_i", [r"\frac{e^{z_i}}{\sum_{k} e^{z_k}}"],
                note=r"\text{its derivative is not elementwise}",
            )  # fmt: skip
        del z
        return out

    def cost(self) -> dict:
        net, pr = self.net, self.pr
        per_sample = scalar(net.cost)
        total = r"\sum_{\text{samples}} \sum_{\text{units}} "
        body = self.ew.ir(net.cost)
        wrap = rf"\left({body}\right)" if per_sample.is_Add or per_sample.is_Mul else body
        batch = rf"{self.m_tex} {total}{wrap}"
        if net.penalty is None:
            lines = _row("C_0", pr.lines(per_sample)) + _row("C", [batch])
        else:  # weight decay: added after the reduction over m, named P on a row of its own
            lines = _row("C_0", pr.lines(per_sample)) + _row("C", [f"{batch} + P"])
            lines += _row("P", self.ew.lines(net.penalty), note=r"\text{penalty}")
        for v in net.values:
            if symbol(v) in per_sample.free_symbols:
                value = tidy(sp.diff(per_sample, symbol(v)))
                lhs = rf"\frac{{\partial C_0}}{{\partial {pr.name(v)}}}"
                lines += _row(lhs, pr.lines(value), note=r"\text{cost derivative}")
        return {"name": net.cost_name.replace("_", " "), "lines": lines}

    def chain_block(self, c, lhs: str) -> dict:
        """A chain as the notes write it: the Leibniz factors, their values under braces, the
        same with the first whole delta named, the product. A path longer than MAX_FACTORS
        stops at its first delta (deep networks: each delta's own chain is in the deltas
        section), which keeps the document linear in the depth."""
        pr = self.pr
        where: list[Line] = []
        leibniz, braced, grouped = [], [], []
        truncated = False
        for k, path in enumerate(c.paths):
            plus = "+ " if k else ""
            # a delta group, unless it is just the last factor (already named delta under its brace)
            groups = [g for g in c.groups[k] if g[0] < len(path) - 1 or path[-1].label != "delta"]
            fracs = [_frac(f.numerator, f.denominator, pr) for f in path]
            if len(path) > MAX_FACTORS and groups:
                i, name = groups[0]
                truncated = True
                shown = [self.brace(f, where) for f in path[:i]]
                leibniz.append(
                    plus + r" \cdot ".join([*fracs[:i], _frac(COST, path[i].denominator, pr)])
                )
                braced.append(plus + r" \cdot ".join([*shown, pr.name(name)]))
                continue
            leibniz.append(plus + r" \cdot ".join(fracs))
            braced.append(plus + r" \cdot ".join(self.brace(f, where) for f in path))
            if groups:
                i, name = groups[0]
                head = [self.value_tex(f) for f in path[:i]]
                grouped.append(plus + r" \cdot ".join([*head, pr.name(name)]))
            else:
                grouped.append(plus + r" \cdot ".join(self.value_tex(f) for f in path))
        out = _row(lhs, [ln for s in leibniz for ln in _break_product(s)])
        out += _row("", [ln for s in braced for ln in _break_product(s)])
        if not truncated:
            if any(c.groups) and grouped != braced:
                out += _row("", [ln for s in grouped for ln in _break_product(s)])
            out += _row("", pr.lines(c.result))
        if c.n_paths > len(c.paths):
            out += _row("", [rf"\text{{and {c.n_paths - len(c.paths)} more paths}}"], op="")
        notes = [f.note for p in c.paths for f in p if f.note] + self.proofs
        notes = [n for n in dict.fromkeys(notes) if n not in self.seen_notes]
        self.seen_notes.update(notes)
        self.proofs = []
        return {"title": self.pr.name(c.param), "lines": out, "where": where, "notes": notes,
                "paths": c.n_paths}  # fmt: skip

    def value_tex(self, f) -> str:
        tex = self.pr.doprint(f.value)
        if visible_width(tex) > LONG_FACTOR:
            return _frac(f.numerator, f.denominator, self.pr)
        return self.pr.factor_tex(f.value)

    def brace(self, f, where: list[Line]) -> str:
        """A factor's value under a brace with its name; a long value is named by its fraction
        here and written out in ``where``; a value in an activation's output is shown equal to
        the derivative in z once."""
        tex = self.value_tex(f)
        frac = _frac(f.numerator, f.denominator, self.pr)
        key = (f.numerator, f.denominator)
        if tex == frac and key not in self.seen_forms:
            self.seen_forms.add(key)
            where += _row(frac, self.pr.lines(f.value))
        if f.form is not None and key not in self.seen_forms:
            self.seen_forms.add(key)
            act_tex = self.net.activations[f.label.split()[0]].latex
            prime = f"{act_tex}'({self.pr.name(f.denominator)})"
            where += [
                Line(self.pr.doprint(f.value), "=", self.pr.doprint(f.form)),
                Line("", "=", prime),
            ]
            self.proofs.append(
                f"{f.label}, written in the layer's output, is proven equal to the derivative"
            )
        if f.label == "delta" and f.denominator in self.net.values:
            return rf"\underbrace{{{tex}}}_{{{self.pr.name(namer.gradient(f.denominator))}}}"
        return rf"\underbrace{{{tex}}}_{{\text{{{_tex_text(f.label)}}}}}"

    def deltas(self) -> list[dict]:
        steps = self.d.deltas
        out = []
        if beyond_scalars(self.net):
            return out  # no scalar chain through a window: the batch gradients show the rule
        found = {c.param: c for c in chains(self.d, [s.of for s in steps])}
        for s in steps:
            if s.of not in found:  # through batch statistics: only the batch form below
                continue
            c = found[s.of]
            lhs = f"{self.pr.name(s.name)} = {_frac(COST, s.of, self.pr)}"
            out.append(self.chain_block(c, lhs))
        return out

    def backward(self) -> list[Line]:
        out: list[Line] = []
        shown = set()
        for s in self.d.steps:
            if isinstance(s.simplified, RecurGrad) and s.simplified.cell not in shown:
                shown.add(s.simplified.cell)
                out += self.through_time(s.simplified)
            out += self._step_lines(s)
        return out

    def through_time(self, node: RecurGrad) -> list[Line]:
        """Backpropagation through time, once: the step's derived backward for t = T, ..., 1;
        the gradients handed back to step t-1 are the recursion, and each weight's term is
        summed over t below."""
        c, pr = node.cell, self.ew
        h = c.emit
        g = pr.lines(node.g)[0]
        src = rf"{g}\big[(t-1){c.units} : t{c.units}\big]" if c.output == "all" else g
        first = (
            src if not c.states
            else rf"\text{{handed back by step }} t+1 \;+\; {src}" if c.output == "all"
            else rf"{g} \text{{ at }} t = {c.steps}\text{{; then handed back by step }} t+1"
        )  # fmt: skip
        dh = pr.name(namer.gradient(f"{h}_t"))
        out = _row(dh, [first], note=rf"t = {c.steps}, \dots, 1", tag="BPTT" if c.states else "")
        notes = {"weight": r"\text{summed over } t", "carried": r"\text{to step } t-1"}
        for n, e, kind in timed_backward(c):
            out += _row(pr.name(n), pr.lines(e), note=notes.get(kind, ""))
        return out

    def _step_lines(self, s) -> list[Line]:
        param = s.kind == "param"
        lhs = _frac(COST, s.of, self.pr) if param else self.ew.name(s.name)
        first = self.ew.lines(s.value)
        if param and self.m_tex:
            first = _scaled(self.m_tex, s.value, first)
        if s.penalty is not None:  # the penalty's gradient, beside the chain's
            first = [*first[:-1], f"{first[-1]} + {self.ew.lines(s.penalty)[0]}"]
        rows = [first]
        if not param:
            simple = self.ew.lines(s.simplified)
            if simple != first:
                rows.append(simple)
        lines = _row(lhs, rows[0], note=self.shapes(s.value), tag=s.name)
        for more in rows[1:]:
            lines += _row("", more)
        return lines

    def assumptions(self) -> list[str]:
        out = list(self.d.assumptions) + layer_notes(self.net) + overflow_notes(self.net)
        for act in {id(a): a for a in self.net.activations.values()}.values():
            if act.builtin and act.name in self.net.source_text and "by convention" in act.about:
                out.append(f"{act.name}: {act.about}")
        return out


def _scaled(scale: str, node: Node, lines: list[str]) -> list[str]:
    if isinstance(node, Elementwise) and node.expr.is_Add:
        if len(lines) == 1:
            return [rf"{scale} \left({lines[0]}\right)"]
        return [rf"{scale} \Bigl({lines[0]}", *lines[1:-1], rf"{lines[-1]}\Bigr)"]
    return [f"{scale} {lines[0]}", *lines[1:]]


def _break_product(tex: str, width: int = WIDTH) -> list[str]:
    """Break a product written with \\cdot between factors where the line is full."""
    parts = tex.split(r" \cdot ")
    return pack_lines([[p if i == 0 else r"\cdot " + p] for i, p in enumerate(parts)], width)


# ------------------------------------------------------------------------------ example
def _with_value(lhs: str, lines: list[str], value: np.ndarray, tag: str) -> list[Line]:
    """``lhs = expression = matrix``, on one line when it fits."""
    matrix = bmatrix(value)
    shown = min(value.shape[1], 6)
    if len(lines) == 1 and visible_width(lines[0]) + 7 * shown <= WIDTH:
        return _row(lhs, [f"{lines[0]} = {matrix}"], tag=tag)
    return _row(lhs, lines, tag=tag) + [Line("", "=", matrix)]


def _example_context(doc: _Document) -> dict:
    d, net, ew = doc.d, doc.net, doc.ew
    ex = example_values(d)
    given = _row(ew.name("x"), [bmatrix(ex["X"])], note=shape_tex(ex["X"].shape))
    given += _row(ew.name("y"), [bmatrix(ex["Y"])], note=shape_tex(ex["Y"].shape))
    for p in net.params:
        given += _row(ew.name(p), [bmatrix(ex["params"][p])], note=shape_tex(ex["params"][p].shape))
    forward = []
    for name, node in net.equations.items():
        forward += _with_value(ew.name(name), ew.lines(node), ex["values"][name], name)
    backward = []
    for s in d.steps:
        param = s.kind == "param"
        lhs = _frac(COST, s.of, ew) if param else ew.name(s.name)
        lines = ew.lines(s.value)
        if param and doc.m_tex:
            lines = _scaled(doc.m_tex, s.value, lines)
        backward += _with_value(lhs, lines, ex["grads"][s.name], s.name)
    return {
        "m": ex["m"], "given": given, "forward": forward, "backward": backward,
        "cost": number_tex(ex["cost"]), "eta": ex["eta"],
        "cost_after": number_tex(ex["cost_after"]), "seed": 0,
    }  # fmt: skip


# ------------------------------------------------------------------------------ rendering
def _tex_text(s: str) -> str:
    table = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
             "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
             "^": r"\textasciicircum{}"}  # fmt: skip
    return "".join(table.get(ch, ch) for ch in s)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    if not TEMPLATES.is_dir():
        raise DeriveError(
            "the LaTeX templates are missing", where=str(TEMPLATES),
            fix="install derive from its source folder: pip install -e .",
        )  # fmt: skip
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        block_start_string=r"\BLOCK{", block_end_string="}",
        variable_start_string=r"\VAR{", variable_end_string="}",
        comment_start_string=r"\#{", comment_end_string="}",
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined, autoescape=False,
    )  # fmt: skip
    return env


def render_latex(
    derivation: Derivation, *, fmt: str = "tex", notation: str = "subscript", example=False
) -> str:
    """The derivation as a standalone LaTeX document (``fmt="tex"``) or Markdown with ``$$``
    blocks (``fmt="md"``); ``example`` adds a worked numeric example."""
    if fmt not in FORMATS:
        raise DeriveError(f"unknown format {fmt!r}", fix=f"use one of: {', '.join(FORMATS)}")
    if notation not in NOTATIONS:
        raise DeriveError(
            f"unknown notation {notation!r}", fix=f"use one of: {', '.join(NOTATIONS)}"
        )
    doc = _Document(derivation, notation)
    ctx = doc.context()
    ctx["example"] = _example_context(doc) if example else None
    ctx["notation"] = notation
    env = _environment()
    env.filters["text"] = _tex_text if fmt == "tex" else (lambda s: s)
    return env.get_template(f"derivation.{fmt}.j2").render(**ctx)


# ------------------------------------------------------------------------------ pdf and cli
def compile_pdf(tex: str, pdf_path: str | Path) -> Path:
    """Compile a LaTeX document with pdflatex in a temporary folder; the PDF goes to
    ``pdf_path``."""
    exe = shutil.which("pdflatex")
    if exe is None:
        raise DeriveError(
            "pdflatex is not installed, so the PDF cannot be made (the .tex is written)",
            fix=f"install a LaTeX: {INSTALL_LATEX} (Debian/Ubuntu); MacTeX or MiKTeX elsewhere",
        )
    with tempfile.TemporaryDirectory(prefix="derive-latex-") as tmp:
        src = Path(tmp) / "doc.tex"
        src.write_text(tex, encoding="utf-8")
        cmd = [exe, "-halt-on-error", "-interaction=nonstopmode", "doc.tex"]
        try:
            run = subprocess.run(cmd, cwd=tmp, capture_output=True, timeout=300, text=True,
                                 errors="replace")  # fmt: skip
        except subprocess.TimeoutExpired:
            raise DeriveError("pdflatex took more than 5 minutes", where=str(pdf_path)) from None
        pdf = Path(tmp) / "doc.pdf"
        if run.returncode != 0 or not pdf.exists():
            log = (
                (Path(tmp) / "doc.log").read_text(errors="replace")
                if (Path(tmp) / "doc.log").exists()
                else run.stdout
            )
            errors = [ln for ln in log.splitlines() if ln.startswith("!")][:3]
            raise DeriveError(
                "pdflatex failed: " + ("; ".join(errors) or f"exit status {run.returncode}"),
                where=str(pdf_path), fix="this is a bug in derive's LaTeX: please report it",
            )  # fmt: skip
        return write_atomic(pdf_path, pdf.read_bytes())


def register_cli(subparsers) -> None:
    """Add ``derive latex`` to an argparse subparsers object."""
    p = subparsers.add_parser(
        "latex",
        help="write the derivation as a LaTeX (or Markdown) document for notes",
        description="Write the derivation of SPEC (default: the bundled seed example) as a "
        "standalone LaTeX document, <name>.tex in the current folder unless -o says otherwise.",
        epilog="example:\n  derive latex examples/seed.toml --example --pdf",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("spec", nargs="?", help="a .toml spec (default: examples/seed.toml)")
    p.add_argument("-o", "--output", help="the file to write; - for the standard output")
    p.add_argument("--format", choices=FORMATS, default="tex", help="tex (default) or md")
    p.add_argument("--notation", choices=NOTATIONS, default="subscript",
                   help="W_2 (subscript, default) or W^{(2)} (superscript)")  # fmt: skip
    p.add_argument("--example", action="store_true", help="add a worked numeric example")
    p.add_argument("--pdf", action="store_true", help="also compile a PDF with pdflatex")
    p.set_defaults(func=_cli)


def _cli(args) -> int:
    import sys

    from derive.engine.derivation import derive
    from derive.engine.spec import load_spec

    if args.pdf and args.format != "tex":
        raise DeriveError("--pdf needs --format tex", fix="drop --pdf, or --format md")
    net = load_spec(args.spec)
    text = render_latex(derive(net), fmt=args.format, notation=args.notation, example=args.example)
    if args.output == "-":
        sys.stdout.write(text)
        pdf = Path(f"{net.name}.pdf")
    else:
        out = Path(args.output or f"{net.name}.{args.format}")
        write_atomic(out, text)
        print(f"wrote {out}")
        pdf = out.with_suffix(".pdf")
    if args.pdf:
        compile_pdf(text, pdf)
        print(f"wrote {pdf}", file=sys.stderr if args.output == "-" else sys.stdout)
    return 0
