"""Derivations for notes: a standalone LaTeX document, or Markdown with ``$$`` blocks, that
reads like a clean copy of the user's handwritten notes.

``render_latex(derivation)`` fills ``templates/derivation.tex.j2`` (or ``derivation.md.j2``)
with equations printed by ``IRPrinter``: the forward equations with their shapes, the cost,
every parameter's Leibniz chain with each factor's value under a brace that names it
(``chain.py``), the deltas and their recursion to the previous layer, the batch form with
shapes, 1/m and the sums over samples, the update rule, and the assumptions. ``example=True``
adds every forward and backward intermediate for small concrete numbers. Names are the
generated code's (``W2``, ``A1``, ``delta2``, ``dW2``), printed as W_2 or W^{(2)}.

``derive latex [SPEC] [-o FILE] [--format tex|md] [--notation subscript|superscript]
[--example] [--pdf]`` writes ``<name>.tex`` (or ``<name>.md``) in the current folder unless
``-o`` names another file (``-o -``: the standard output); ``--pdf`` compiles the LaTeX with
pdflatex and puts ``<name>.pdf`` next to it.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
import numpy as np
import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from .chain import COST, chains, scalar, symbol
from .derivation import Derivation, tidy
from .errors import DeriveError
from .fileio import write_atomic
from .graph import grad_name
from .ir import Ew, M, MatMul, Node, Sum, T, Var, placeholder, walk
from .registry import ActivationFunction, expand_activations

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
FORMATS = ("tex", "md")
NOTATIONS = ("subscript", "superscript")
WIDTH = 58  # a display line's budget in printed glyphs (A4, 2 cm margins, 11 pt)
MAX_FACTORS = 8  # a chain longer than this is shown down to its first delta
LONG_FACTOR = 26  # a factor value longer than this is named under its brace and given below
INSTALL_LATEX = "sudo apt-get install texlive-latex-base texlive-latex-recommended"
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "nu",
          "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega"}  # fmt: skip


# ------------------------------------------------------------------------------ names
def tex_name(name: str, notation: str = "subscript", *, grad: bool = False, top: bool = False):
    """The one mapping from the code's names to the page's: W2 -> W_{2} (or W^{(2)}),
    delta2 -> \\delta_{2}, a gradient dA1 -> \\mathrm{d}A_{1}; ``top`` adds a transpose."""
    prefix = ""
    if grad and name.startswith("d") and not name.startswith("delta"):
        prefix, name = r"\mathrm{d}", name[1:]
    found = re.fullmatch(r"([A-Za-z]+)(\d*)(?:_(\w+))?", name)
    if not found:
        return (
            prefix + r"\mathit{{{}}}".format(name.replace("_", r"\_")) + (r"^{\top}" if top else "")
        )
    base, index, rest = found.groups()
    if len(base) == 1:
        head = base
    elif base in _GREEK:
        head = "\\" + base
    else:
        head = rf"\mathit{{{base}}}"
    subs, sups = [], []
    if index:
        (sups if notation == "superscript" else subs).append(
            f"({index})" if notation == "superscript" else index
        )
    if rest:
        subs.append(r"\mathrm{{{}}}".format(rest.replace("_", r"\_")))
    if top:
        sups.append(r"\top")
    out = prefix + head
    if subs:
        out += "_{{{}}}".format(",".join(subs))
    if sups:
        out += "^{{{}}}".format("".join(sups))
    return out


def shape_tex(shape) -> str:
    return rf"[{shape[0]} \times {shape[1]}]"


def _paren(tex: str) -> str:
    """Brackets that grow only around tall contents (fractions, sums)."""
    if any(tall in tex for tall in (r"\frac", r"\sum", "matrix", r"\Big")):
        return rf"\left({tex}\right)"
    return f"({tex})"


def _is_indicator(expr) -> bool:
    """Piecewise((1, cond), (0, True)): relu's derivative, printed 1[cond]."""
    if not isinstance(expr, sp.Piecewise) or len(expr.args) != 2:
        return False
    (one, _), (zero, other) = expr.args
    return one == 1 and zero == 0 and other == sp.true


class _Arg(sp.Symbol):
    """Stands for a matrix argument of an elementwise expression while printing it."""


class _Group(sp.Symbol):
    """An argument that is itself a product or a sum (W^T delta): bracketed in products."""

    precedence = PRECEDENCE["Add"]


# ------------------------------------------------------------------------------ printer
class IRPrinter(LatexPrinter):
    """LaTeX for derive's matrix expressions (``ir`` nodes) and scalar chain values.

    Names print as in the notes (W_2, A_1, \\delta_2), ``@`` as juxtaposition, transposes as
    ^\\top, sums as \\sum over the samples or the units, an activation by its LaTeX name, an
    indicator Piecewise as \\mathbf{1}[z > 0]. With ``elementwise``, products of matrices in an
    elementwise expression print with \\odot.
    """

    def __init__(self, notation="subscript", grads=(), *, elementwise=False):
        super().__init__({"mul_symbol": r" \odot " if elementwise else None})
        self.notation, self.grads, self.elementwise = notation, set(grads), elementwise
        self.arg_tex: dict[str, str] = {}

    def name(self, n: str, *, top=False) -> str:
        return tex_name(n, self.notation, grad=n in self.grads, top=top)

    # -- scalar parts
    def _print_Symbol(self, expr, style="plain"):
        if expr.name in self.arg_tex:
            return self.arg_tex[expr.name]
        return self.name(expr.name)

    def _print_Function(self, expr, exp=None):
        if isinstance(expr, ActivationFunction):  # SymPy dispatches subclasses here
            head = expr.activation.latex if exp is None else f"{expr.activation.latex}^{{{exp}}}"
            return f"{head}{_paren(self._print(expr.args[0]))}"
        return super()._print_Function(expr, exp)

    def _print_SumUnits(self, expr, exp=None):
        tex = r"\sum_{\text{units}} " + self.parenthesize(expr.args[0], PRECEDENCE["Mul"])
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"

    def _print_Piecewise(self, expr):
        if _is_indicator(expr):
            return rf"\mathbf{{1}}[{self._print(expr.args[0].cond)}]"
        return super()._print_Piecewise(expr)

    def _print_Pow(self, expr):
        if isinstance(expr.base, _Group) and expr.exp.is_positive:
            return rf"\left({self._print(expr.base)}\right)^{{{self._print(expr.exp)}}}"
        return super()._print_Pow(expr)

    def _as_ordered_terms(self, expr, order=None):
        # W_1 x + b_1, as the notes write it: products of matrices first
        terms = super()._as_ordered_terms(expr, order=order)
        return sorted(terms, key=lambda t: not any(isinstance(s, _Group) for s in t.free_symbols))

    def factors(self, expr) -> tuple[sp.Expr, list[sp.Expr]] | None:
        r"""A product as (number, factors) in the notes' order: gradients and matrix products
        first (dA_2 \odot ...), then single quantities and functions, then sums in brackets
        (sigma(z)(1 - sigma(z))); None for a quotient, which SymPy prints as a fraction."""
        coeff, rest = expr.as_coeff_Mul()
        if not coeff.is_Rational or rest.is_Number:
            return None
        fs = list(rest.as_ordered_factors()) if rest.is_Mul else [rest]
        if any(f.is_Pow and f.exp.is_negative for f in fs):
            return None

        def rank(f):
            if isinstance(f, _Group) or (f.is_Symbol and f.name in self.grads):
                return 0
            return 2 if f.is_Add else 1

        return coeff, sorted(fs, key=rank)

    def factor_tex(self, f) -> str:
        if f.is_Add or f.could_extract_minus_sign() or isinstance(f, _Group):
            return _paren(self._print(f))
        return self._print(f)

    def _print_Mul(self, expr):
        split = self.factors(expr)
        if split is None:
            return super()._print_Mul(expr)
        coeff, fs = split
        body = (r" \odot " if self.elementwise else r"\, ").join(self.factor_tex(f) for f in fs)
        if coeff == 1:
            return body
        if coeff == -1:
            return "- " + body
        return ("- " if coeff < 0 else "") + self._print(abs(coeff)) + " " + body

    # -- matrix expressions
    def ir(self, node: Node) -> str:
        if isinstance(node, Var):
            return self.name(node.name)
        if isinstance(node, T):
            if isinstance(node.a, Var):
                return self.name(node.a.name, top=True)
            return rf"\left({self.ir(node.a)}\right)^{{\top}}"
        if isinstance(node, MatMul):
            return f"{self._operand(node.a)} {self._operand(node.b)}"
        if isinstance(node, Sum):
            below = "samples" if node.axis == 1 else "units"
            return rf"\sum_{{\text{{{below}}}}} {self._operand(node.a)}"
        if isinstance(node, Ew):
            return self.doprint(self.expr(node))
        raise TypeError(type(node).__name__)

    def _operand(self, node: Node) -> str:
        tex = self.ir(node)
        return tex if isinstance(node, Var | T | MatMul) else rf"\left({tex}\right)"

    def expr(self, node: Node) -> sp.Expr:
        """An elementwise node as a SymPy expression in stand-ins for its arguments (named
        quantities keep their names, so that SymPy orders terms as 1 - A_2, A_2 - y)."""
        if not isinstance(node, Ew):
            return self._stand_in(node)
        return node.expr.xreplace(
            {placeholder(i): self._stand_in(a) for i, a in enumerate(node.args)}
        )

    def _stand_in(self, node: Node) -> sp.Expr:
        if isinstance(node, Var):
            return symbol(node.name)
        if isinstance(node, Ew) and not node.args:
            return node.expr  # a constant, e.g. the 1 that starts the backward pass
        key = f"__arg{len(self.arg_tex):05d}"
        self.arg_tex[key] = self.ir(node)
        cls = _Arg if isinstance(node, T) and isinstance(node.a, Var) else _Group
        return cls(key, real=True)

    # -- line breaking
    def lines(self, obj, width: int = WIDTH) -> list[str]:
        """``obj`` (an expression or a node) printed and broken into lines of about ``width``
        glyphs, at the terms of a sum and the factors of a product."""
        if isinstance(obj, Node) and not isinstance(obj, Ew):
            return [self.ir(obj)]
        expr = self.expr(obj) if isinstance(obj, Node) else sp.sympify(obj)
        return self._split(expr, width)

    def _split(self, expr: sp.Expr, width: int) -> list[str]:
        tex = self.doprint(expr)
        if visible_width(tex) <= width:
            return [tex]
        pieces: list[list[str]] = []
        if expr.is_Add:
            for i, term in enumerate(self._as_ordered_terms(expr)):
                neg = term.could_extract_minus_sign()
                sub = self._split(-term if neg else term, width - 2)
                sub[0] = ("- " if neg else "+ " if i else "") + sub[0]
                pieces.append(sub)
            return _pack(pieces, width)
        split = self.factors(expr) if expr.is_Mul else None
        if split is not None:
            coeff, factors = split
            sep = r"\odot" if self.elementwise else r"\cdot"
            for i, f in enumerate(factors):
                ftex = self.factor_tex(f)
                if visible_width(ftex) > width and f.is_Add:
                    sub = self._split(f, width - 4)
                    sub[0], sub[-1] = r"\Bigl(" + sub[0], sub[-1] + r"\Bigr)"
                else:
                    sub = [ftex]
                if i:
                    sub[0] = f"{sep} {sub[0]}"
                elif coeff != 1:
                    sub[0] = ("- " if coeff == -1 else self._print(coeff) + " ") + sub[0]
                pieces.append(sub)
            return _pack(pieces, width)
        return [tex]


def _pack(pieces: list[list[str]], width: int) -> list[str]:
    """Greedy filling: pieces go on the current line while it fits; a piece that is already
    several lines long keeps its breaks."""
    out: list[str] = []
    current = ""
    for piece in pieces:
        for j, part in enumerate(piece):
            if current and (j > 0 or visible_width(current + " " + part) > width):
                out.append(current)
                current = part
            else:
                current = f"{current} {part}" if current else part
    if current:
        out.append(current)
    return out


def visible_width(tex: str) -> int:
    """About how many glyphs a line of LaTeX math prints (a fraction counts its wider part,
    the text under a brace does not count)."""
    # a brace is as wide as its contents or its label, whichever is wider (labels are small)
    t = re.sub(
        r"\\underbrace\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}_\{\\text\{([^{}]*)\}\}",
        lambda b: b[1] if visible_width(b[1]) >= 0.6 * len(b[2]) else "x" * int(0.6 * len(b[2])),
        tex,
    )
    t = re.sub(r"\\(left|right|Bigl|Bigr|mathrm|mathit|mathbf|operatorname|underbrace|text)\b",
               "", t)  # fmt: skip
    t = re.sub(r"\\(sinh|cosh|tanh|sin|cos|tan|log|exp|erf)\b", r"\1", t)  # printed in full
    t = t.replace(r"\frac", "\0")
    t = re.sub(r"\\[A-Za-z]+", "x", t)
    t = re.sub(r"\\[,;!:]", "", t)
    previous = None
    while previous != t:
        previous = t
        t = re.sub(r"([_^])\{([^{}]*)\}", r"\2", t)
        t = re.sub("\0\\{([^{}]*)\\}\\{([^{}]*)\\}", lambda f: max(f[1], f[2], key=len), t)
        t = re.sub(r"\{([^{}]*)\}", r"\1", t)
    return len(t.replace(" ", ""))


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
            out += _row(self.ew.name(name), self.ew.lines(node), note=self.shapes(node), tag=name)
        return out

    def shapes(self, node: Node) -> str:
        """The shape arithmetic of the notes: [3 x 4][4 x m] + [3 x 1] -> [3 x m]."""

        def walk_shape(n: Node) -> str:
            if isinstance(n, MatMul):
                return walk_shape(n.a) + r"\," + walk_shape(n.b)
            if isinstance(n, Ew) and n.expr.is_Add and all(t.is_Symbol for t in n.expr.args):
                return " + ".join(walk_shape(a) for a in n.args)
            if isinstance(n, Sum):
                return r"\textstyle\sum " + walk_shape(n.a)
            return shape_tex(n.shape)

        parts = walk_shape(node)
        result = shape_tex(node.shape)
        return result if parts == result else rf"{parts} \to {result}"

    def activations(self) -> list[dict]:
        used, softmax = [], False
        for name, node in self.net.equations.items():
            for n in walk(node):
                if isinstance(n, Ew):
                    for f in n.expr.atoms(ActivationFunction):
                        if f.activation not in used:
                            used.append(f.activation)
            softmax |= any(
                a.normalized and re.search(rf"\b{a.name}\(", self.net.texts[name])
                for a in self.net.activations.values()
            )
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
        lines = _row("C_0", pr.lines(per_sample)) + _row("C", [rf"{self.m_tex} {total}{wrap}"])
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
            return rf"\underbrace{{{tex}}}_{{{self.pr.name(grad_name(f.denominator))}}}"
        return rf"\underbrace{{{tex}}}_{{\text{{{_tex_text(f.label)}}}}}"

    def deltas(self) -> list[dict]:
        steps = self.d.deltas
        out = []
        for s, c in zip(steps, chains(self.d, [s.of for s in steps]), strict=True):
            lhs = f"{self.pr.name(s.name)} = {_frac(COST, s.of, self.pr)}"
            out.append(self.chain_block(c, lhs))
        return out

    def backward(self) -> list[Line]:
        out: list[Line] = []
        for s in self.d.steps:
            param = s.kind == "param"
            lhs = _frac(COST, s.of, self.pr) if param else self.ew.name(s.name)
            first = self.ew.lines(s.value)
            if param and self.m_tex:
                first = _scaled(self.m_tex, s.value, first)
            rows = [first]
            if not param:
                simple = self.ew.lines(s.simplified)
                if simple != first:
                    rows.append(simple)
            lines = _row(lhs, rows[0], note=self.shapes(s.value), tag=s.name)
            for more in rows[1:]:
                lines += _row("", more)
            out += lines
        return out

    def assumptions(self) -> list[str]:
        out = list(self.d.assumptions)
        for act in {id(a): a for a in self.net.activations.values()}.values():
            if act.builtin and act.name in self.net.source_text and "by convention" in act.about:
                out.append(f"{act.name}: {act.about}")
        return out


def _scaled(scale: str, node: Node, lines: list[str]) -> list[str]:
    if isinstance(node, Ew) and node.expr.is_Add:
        if len(lines) == 1:
            return [rf"{scale} \left({lines[0]}\right)"]
        return [rf"{scale} \Bigl({lines[0]}", *lines[1:-1], rf"{lines[-1]}\Bigr)"]
    return [f"{scale} {lines[0]}", *lines[1:]]


def _break_product(tex: str, width: int = WIDTH) -> list[str]:
    """Break a product written with \\cdot between factors where the line is full."""
    parts = tex.split(r" \cdot ")
    return _pack([[p if i == 0 else r"\cdot " + p] for i, p in enumerate(parts)], width)


# ------------------------------------------------------------------------------ example
@lru_cache(maxsize=1024)
def _numpy_fn(expr: sp.Expr, n: int):
    erf = np.vectorize(math.erf, otypes=[float])
    return sp.lambdify(
        [placeholder(i) for i in range(n)], expand_activations(expr), [{"erf": erf}, "numpy"]
    )


def evaluate_numpy(node: Node, env: dict[str, np.ndarray], m: int, memo=None) -> np.ndarray:
    """The value of an IR expression for concrete matrices ``env`` (by name) and m samples."""
    memo = {} if memo is None else memo
    for n in walk(node):
        if n in memo:
            continue
        if isinstance(n, Var):
            out = env[n.name]
        elif isinstance(n, MatMul):
            out = memo[n.a] @ memo[n.b]
        elif isinstance(n, T):
            out = memo[n.a].T
        elif isinstance(n, Sum):
            out = memo[n.a].sum(axis=n.axis, keepdims=True)
        elif isinstance(n, Ew):
            shape = tuple(m if s == M else s for s in n.shape)
            value = _numpy_fn(n.expr, len(n.args))(*[memo[a] for a in n.args])
            out = np.array(np.broadcast_to(np.asarray(value, dtype=float), shape))
        else:
            raise TypeError(type(n).__name__)
        memo[n] = out
    return memo[node]


def example_values(d: Derivation, m: int = 2, seed: int = 0) -> dict:
    """Small concrete numbers (weights and biases with one decimal, inputs 0..3, 0/1 or one-hot
    targets) and every forward and backward value for them: gradients of parameters include
    the 1/m, the deltas are per sample."""
    net = d.network
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 4, (net.inputs, m)).astype(float)
    params = {p: rng.integers(-5, 6, v.shape).astype(float) / 10 for p, v in net.params.items()}
    if net.columns_sum_to_one:
        Y = np.eye(net.outputs)[:, rng.integers(0, net.outputs, m)]
    else:
        Y = rng.integers(0, 2, (net.outputs, m)).astype(float)
    scale = 1.0 / m if d.scale != 1 else 1.0

    def forward(ps):
        env = {"x": X, "y": Y, **ps}
        memo: dict = {}
        for name, node in net.equations.items():
            env[name] = evaluate_numpy(node, env, m, memo)
        cost = scale * float(evaluate_numpy(net.cost, env, m, memo).sum())
        return env, cost

    env, cost = forward(params)
    grads: dict[str, np.ndarray] = {}
    memo: dict = {}
    for s in d.steps:
        value = evaluate_numpy(s.value, env, m, memo)
        env[s.name] = value
        grads[s.name] = scale * value if s.kind == "param" else value
    module = _generated_module(net)
    if module is not None:
        cache = module.forward(params, X)
        back = module.backward(params, cache, Y)
        for name in net.values:
            if name in cache:  # printed from the generated code, checked against ours
                _agree(f"forward {name}", cache[name], env[name])
                env[name] = cache[name]
        for s in d.param_steps:
            _agree(f"gradient of {s.of}", back[s.of], grads[s.name])
            grads[s.name] = back[s.of]
    eta = 0.1
    stepped = {p: params[p] - eta * grads[s.name] for s in d.param_steps for p in [s.of]}
    return {"m": m, "X": X, "Y": Y, "params": params, "values": env, "grads": grads,
            "cost": cost, "eta": eta, "cost_after": forward(stepped)[1]}  # fmt: skip


def _generated_module(net):
    """The generated module, or None where the code generator cannot build one (then the
    example's numbers come from evaluating the derivation alone)."""
    try:
        from . import codegen
    except ImportError:
        return None
    try:
        return codegen.load_module(net)
    except DeriveError:
        return None


def _agree(what: str, theirs, ours):
    if not np.allclose(theirs, ours, rtol=1e-9, atol=1e-12):
        raise RuntimeError(
            f"derive bug: the generated code and the derivation disagree on the {what}:\n"
            f"generated: {np.asarray(theirs)!r}\nderivation: {ours!r}"
        )


def number_tex(v: float) -> str:
    if v == 0:
        return "0"
    text = f"{v:.4g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = rf"{mant} \cdot 10^{{{int(exp)}}}"
    return text


def bmatrix(a: np.ndarray, limit: int = 6) -> str:
    """A matrix as bmatrix, at most ``limit`` rows and columns shown (then dots)."""
    rows, cols = a.shape
    ri = list(range(rows)) if rows <= limit else [*range(limit - 2), None, rows - 1]
    ci = list(range(cols)) if cols <= limit else [*range(limit - 2), None, cols - 1]
    lines = []
    for i in ri:
        cells = []
        for j in ci:
            if i is None:
                cells.append(r"\ddots" if j is None else r"\vdots")
            else:
                cells.append(r"\cdots" if j is None else number_tex(float(a[i, j])))
        lines.append(" & ".join(cells))
    return r"\begin{{bmatrix}} {} \end{{bmatrix}}".format(r" \\ ".join(lines))


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

    from .derivation import derive
    from .spec import load_spec

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
