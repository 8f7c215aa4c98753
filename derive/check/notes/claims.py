"""Read one formula of a student's notes: its sides, derivatives, matrices, shapes and labels.

``Reader.formula(tex, line)`` splits a formula at its top-level ``=`` into ``Member``s and
reads each: a Leibniz fraction (``\\frac{dC}{dw_2}``, ``\\frac{\\partial C_0}{\\partial
w^{(L)}}``), a product of them (a chain-rule factorization), a numeric or matrix expression
(``bmatrix``, ``pmatrix``, ``array``, ``[1, 2, 3]``), a shape (``[3 \\times 4]``), or an
expression. The parts it builds on, one module each: ``tex`` (cleaning and splitting
the LaTeX), ``names`` (the forgiving name rule: ``w_2``, ``W^{(2)}``, ``w^{(L)}`` are
all ``W2``), ``expr`` (an expression into SymPy, by SymPy's LaTeX parser: a grammar
parser, never ``eval``). ``\\underbrace{…}_{label}`` becomes a ``Label``: a definition when
the label is one name, else a description the checker decides how to read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp
from sympy.core.function import AppliedUndef

from .expr import ExpressionReader
from .names import Names
from .tex import NotUnderstood, clean, drop_alignment, group, split_top

__all__ = ["Formula", "Label", "Member", "Names", "Reader"]  # Names: what a Reader is built on

_NUM = r"(?:\d+|m|n)"
SHAPE_RE = re.compile(
    rf"^[\[(]\s*({_NUM})\s*(?:\\times|\\cdot|x|,)\s*({_NUM})\s*[\])]$|^({_NUM})\s*\\times\s*({_NUM})$"
)
_ONE_SHAPE = rf"[\[(]\s*{_NUM}\s*(?:\\cdot|,|x)\s*{_NUM}\s*[\])]"
_NAMED_SHAPE = re.compile(
    rf"^(?P<who>.+?)\s*(?:\\in\s*\\mathbb\s*\{{?R\}}?\s*\^\s*\{{\s*(?P<a>{_NUM})\s*\\cdot\s*"
    rf"(?P<b>{_NUM})\s*\}}|:?\s*(?P<s>{_ONE_SHAPE})|\s(?P<e>{_NUM})\s*\\cdot\s*(?P<f>{_NUM}))$"
)
_SHAPE_PRODUCT = re.compile(rf"^\s*{_ONE_SHAPE}(\s*(?:\\cdot)?\s*{_ONE_SHAPE})+\s*$")
# the condition the reader writes after a cases row (``\\quad \\text{if } k = y_i``)
_CASE_TAIL = re.compile(r"\\quad\s*\\text\{(?:if\s*\}\s*([^{}]*)|(otherwise)\})\s*$")
_MATRIX_ENV = re.compile(r"\\begin\{([bpvBV]?matrix|array)\}")
_S = rf"([\[(]?\s*{_NUM}\s*(?:\\cdot|,|x)\s*{_NUM}\s*[\])]?)"
_ANNOTATION = re.compile(
    rf"\s*(?:_\s*\{{\s*{_S}\s*\}}|_\s*{_S}|\\leftarrow\s*{_S}|\\text\{{[^{{}}]*shape[^{{}}]*\}}\s*{_S})"
)


@dataclass
class Label:
    """An ``\\underbrace{content}_{label}``: a symbol definition or a description."""

    content: str
    label: str  # the label's text: "\\delta", "sigmoid prime", "cost derivative"
    symbol: str | None = None  # canonical name when the label is one name
    line: int = 0
    slot: sp.Symbol | None = None  # stands for a described part inside the parsed formula


@dataclass
class Member:
    """One side of an ``=`` chain."""

    line: int
    tex: str
    kind: str  # deriv | chain | matrix | number | expr | shape | empty | bad
    value: object = None  # (N, D) | [(N, D), ...] | sp.Matrix | sp.Expr | (rows, cols)
    error: str = ""
    fracs: dict = field(default_factory=dict)  # symbol -> (N, D) for fractions inside an expr
    style: str = "d"  # "d" or "∂", as the notes write their derivatives
    operands: list = field(default_factory=list)  # matrix members: [(Matrix, op), ...]


@dataclass
class Formula:
    line: int
    tex: str
    members: list[Member]
    labels: list[Label] = field(default_factory=list)
    annotations: list = field(default_factory=list)  # (Matrix, (rows, cols), tex)
    display: bool = True
    update: bool = False  # w := w + Δw: an assignment, not an equation


class Reader(ExpressionReader):
    """Reads formulas into ``Formula``s; one per notes file (it keeps the spellings)."""

    # ------------------------------------------------------------------ formulas
    def formula(self, tex: str, line: int, display: bool = True) -> Formula:
        case = _CASE_TAIL.search(tex)
        if case:  # a cases row, or a formula with its condition: its = is not the formula's
            why = f"written for a case ({(case.group(1) or case.group(2)).strip()})"
            return Formula(line, tex, [Member(line, tex, "bad", error=why)], display=display)
        cleaned = drop_alignment(clean(tex))
        labels: list[Label] = []
        try:
            cleaned = self._underbraces(cleaned, labels, line)
        except NotUnderstood as err:
            return Formula(line, tex, [Member(line, tex, "bad", error=str(err))], display=display)
        form = Formula(line, tex, [], labels=labels, display=display)
        if ":=" in cleaned:
            form.update = True
        parts = split_top(cleaned, "=")
        shown = split_top(drop_alignment(" ".join(tex.split())), "=")
        shown = shown if len(shown) == len(parts) else parts
        for part, text in zip(parts, shown, strict=True):
            if not part.strip():
                form.members.append(Member(line, "", "empty"))
                continue
            member = self.member(part.strip(), line, form.annotations)
            member.tex = text.strip()
            form.members.append(member)
        if len(parts) == 2 and form.members[0].kind == "expr" and form.members[1].kind == "expr":
            left = form.members[0].value
            if isinstance(left, sp.Symbol) and left in form.members[1].value.free_symbols:
                form.update = True  # w = w + Δw
        return form

    def _underbraces(self, tex: str, labels: list[Label], line: int) -> str:
        while True:
            m = re.search(r"\\(underbrace|overbrace)\s*", tex)
            if not m:
                return tex
            content, end = group(tex, m.end())
            rest = tex[end:].lstrip()
            label = ""
            if rest[:1] in ("_", "^"):
                label, end2 = group(rest, 1)
                end = len(tex) - len(rest) + end2
            label_text = re.sub(r"\\(text|mathrm|textrm|mbox)\s*\{([^{}]*)\}", r"\2", label)
            entry = Label(content.strip(), label_text.strip(), line=line)
            try:
                single = self.single_name(label_text)
            except NotUnderstood:
                single = None
            if single and not re.search(r"\s", label_text.strip()):
                entry.symbol = single
            inner = "(" + content + ")"
            if label_text.strip():
                labels.append(entry)
                if entry.symbol is None:  # a description: the checker decides how to read it
                    entry.slot = sp.Symbol(f"⟨{label_text.strip()} @{line}.{len(labels)}⟩")
                    inner = self.slot(entry.slot)
            tex = tex[: m.start()] + inner + tex[end:]

    def member(self, tex: str, line: int, annotations: list) -> Member:
        try:
            return self._member(tex, line, annotations)
        except NotUnderstood as err:
            return Member(line, tex, "bad", error=str(err))
        except Exception as err:  # the parser's own errors: the member is not understood
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            return Member(line, tex, "bad", error=f"not understood ({first})")

    def _member(self, tex: str, line: int, annotations: list) -> Member:
        shape = SHAPE_RE.match(tex.strip())
        if shape:
            rows, cols = shape.group(1) or shape.group(3), shape.group(2) or shape.group(4)
            return Member(line, tex, "shape", value=(_dim(rows), _dim(cols)))
        if _SHAPE_PRODUCT.match(tex):
            dims = [(_dim(a), _dim(b)) for a, b in _shapes_in(tex)]
            return Member(line, tex, "shapes", value=dims)
        named = _NAMED_SHAPE.match(tex.strip())
        if named and not _MATRIX_ENV.search(tex):
            who = named.group("who").strip()
            fr = list(self.leibniz(who))
            target = (fr[0][2], fr[0][3]) if len(fr) == 1 else self.single_name(who)
            if target is not None:
                dims = _shapes_in(named.group("s")) if named.group("s") else None
                a, b = (
                    dims[0]
                    if dims
                    else (
                        named.group("a") or named.group("e"),
                        named.group("b") or named.group("f"),
                    )
                )
                return Member(line, tex, "shape", value=(_dim(a), _dim(b)), operands=[target])
        fracs = list(self.leibniz(tex))
        if fracs and fracs[0][0] == 0 and fracs[0][1] == len(tex) and len(fracs) == 1:
            f = fracs[0]
            return Member(line, tex, "deriv", value=(f[2], f[3]), style=f[4])
        if fracs:
            rest = tex
            for start, end, *_ in reversed(fracs):
                rest = rest[:start] + rest[end:]
            style = fracs[0][4]
            if not re.sub(r"\\cdot|[\s()]", "", rest):
                return Member(line, tex, "chain", value=[(f[2], f[3]) for f in fracs], style=style)
            table, out = {}, tex
            for start, end, num, den, _ in reversed(fracs):
                token = sp.Symbol(f"∂{num}/∂{den}", real=True)
                table[token] = (num, den)
                out = out[:start] + f" {self.slot(token)} " + out[end:]
            expr = self.expr(out)
            return Member(line, tex, "expr", value=expr, fracs=table, style=style)
        if _MATRIX_ENV.search(tex) or _bracket_lists(tex):
            return self._matrix_member(tex, line, annotations)
        expr = self.expr(tex)
        kind = "number" if not expr.free_symbols and not expr.atoms(AppliedUndef) else "expr"
        return Member(line, tex, kind, value=expr)

    # ------------------------------------------------------------------ matrices
    def _matrix_member(self, tex: str, line: int, annotations: list) -> Member:
        """A product/sum of written matrices and numbers, e.g. ``A \\cdot B``, ``A + B``."""
        items: list[tuple[str, object]] = []  # ("M", Matrix) | ("op", text) | ("num", Expr)
        i, src = 0, tex
        while i < len(src):
            m = _MATRIX_ENV.match(src, i)
            bl = re.match(r"\[([^\[\]]*,[^\[\]]*)\]", src[i:])
            if m:
                end_tag = f"\\end{{{m.group(1)}}}"
                close = src.find(end_tag, i)
                if close < 0:
                    raise NotUnderstood("a matrix without \\end")
                body = src[m.end() : close]
                if m.group(1) == "array":
                    _, k = group(body, 0)
                    body = body[k:]
                mat = self._cells(body)
                i = close + len(end_tag)
            elif bl and not SHAPE_RE.match(bl.group().strip()):
                mat = sp.Matrix([[self._cell(c) for c in bl.group(1).split(",")]])
                i += bl.end()
            else:
                ann = _ANNOTATION.match(src, i)
                if ann and items and items[-1][0] == "M":
                    text = next(g for g in ann.groups() if g)
                    dims = re.findall(_NUM, text)
                    annotations.append((items[-1][1], (_dim(dims[0]), _dim(dims[1])), text, line))
                    i = ann.end()
                    continue
                tok = re.match(r"\s*(\\cdot|[+-])\s*|\s*(-?\d+(?:\.\d+)?)\s*|\s+", src[i:])
                if not tok:
                    raise NotUnderstood(f"cannot read `{src[i : i + 20].strip()}` beside a matrix")
                if tok.group(1):
                    items.append(("op", tok.group(1)))
                elif tok.group(2):
                    items.append(("num", sp.Rational(Fraction(tok.group(2)))))
                i += tok.end()
                continue
            items.append(("M", mat))
        return Member(line, tex, "matrix", operands=items)

    def _cells(self, body: str) -> sp.Matrix:
        rows = [r for r in re.split(r"\\\\", body) if r.strip() and not r.strip() == "\\hline"]
        cells = [[self._cell(c) for c in r.split("&")] for r in rows]
        if not cells or len({len(r) for r in cells}) != 1:
            raise NotUnderstood("a matrix with rows of different lengths")
        return sp.Matrix(cells)

    def _cell(self, text: str) -> sp.Expr:
        text = text.strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return sp.Rational(Fraction(text))
        return self.expr(text)


def _shapes_in(text: str) -> list[tuple[str, str]]:
    return re.findall(rf"[\[(]\s*({_NUM})\s*(?:\\cdot|,|x)\s*({_NUM})\s*[\])]", text)


def _dim(text: str):
    return int(text) if text.isdigit() else text


def _bracket_lists(tex: str) -> bool:
    return any(
        not SHAPE_RE.match(m.group().strip()) for m in re.finditer(r"\[([^\[\]]*,[^\[\]]*)\]", tex)
    )
