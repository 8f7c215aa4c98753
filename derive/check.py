"""Check a student's notes claim by claim: ``derive check NOTES [--spec SPEC]``.

Every formula the reader finds (``notes.py``, ``claims.py``) is a claim when it says
something checkable, and gets a verdict: ``correct``, ``wrong`` (with the expected value and,
for a derivative, which quantity its right-hand side really is), or ``unknown`` (with why).

- Arithmetic: each link of ``a = b = c`` against the one before (matrix products and sums,
  dot products term by term, outer products); a run of display formulas with no ``=`` and
  nothing between them, each writing fewer operations than the one before (or expanding a
  matrix product), such as ``10 \\times 0 + 20 \\times 1`` / ``0 + 20`` / ``20``, is a chain
  written downwards. Two matrices side by side that cannot be multiplied, where the
  first times the matrix shown just before has the shape of the second, are read as that
  product (a column, then the result of column times row: an outer product).
- Shapes: a shape written after a matrix (``_{(1 \\times 4)}``, ``\\leftarrow [4,1]``, or on
  the next line) is that matrix's shape; a shape after an already-described one is read as the
  product of the last two described (``[3 \\times 4]`` times ``[4 \\times 1]`` gives
  ``[3 \\times 1]``); ``[p \\times q] \\cdot [q \\times r] = [p \\times r]``; ``W_1 [3 \\times 4]``
  against the spec.
- Derivatives: ``\\frac{dC}{dw_2} = …`` against ``sympy.diff`` of the network, per sample:
  the network is the spec's (``--spec``, every matrix product read as a product of scalars),
  or else the forward equations written in the notes (``z_1 = w_1 x + B_1`` …). Values are
  compared at random points after every definition is substituted. A wrong right-hand side
  is compared with the derivative of every quantity with respect to every other: "this is
  ∂C0/∂a(L), not ∂C0/∂w(L)"; a missing factor is named.
- Chain rule: a product of Leibniz fractions must telescope to the left side; when all its
  names are the network's, the product of the derivatives must also equal it.
- Names of the notes' own: ``g = 2(A_2 - y)`` with ``g`` not in the network defines ``g`` for
  later formulas (so does a forward equation the cost does not depend on); it is not a claim.
- Labels: ``\\underbrace{…}_{\\delta}`` defines δ for later formulas;
  ``\\underbrace{…}_{\\text{sigmoid prime}}`` is checked to be σ'(u), and when u is not what
  the network applies σ to (σ(x) written for "the argument"), it is read as σ' of the one
  quantity the network applies σ to, and the report says so; ``\\text{cost derivative}``
  is checked against ∂C/∂(output).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.str import StrPrinter

from . import claims as cl
from .claims_names import ACTIVATION_WORDS, sym
from .claims_tex import NotUnderstood
from .errors import DeriveError
from .notes import read_notes
from .registry import ACTIVATIONS, expand_activations

_LAYER_NAME = re.compile(r"^[Wbz A](\d+)$".replace(" ", ""))


@dataclass
class Result:
    line: int
    kind: str  # arithmetic | shape | derivative | chain-rule | label | definition | equation
    claim: str
    verdict: str  # correct | wrong | unknown
    expected: str | None = None
    message: str = ""


class Unknown(Exception):
    """The claim cannot be checked; the message says why."""


# ---------------------------------------------------------------------- the network
class ScalarNet:
    """A network as scalar equations ``name = expression in other names`` (one unit per
    layer, one sample), with the activations of the registry or the spec."""

    def __init__(self, defs, acts, source, shapes=None, layers=None, derivation=None):
        self.defs: dict[str, sp.Expr] = defs
        self.acts = acts
        self.source = source
        self.shapes = shapes or {}
        self.layers = layers
        self.derivation = derivation
        self.deps: dict[str, set[str]] = {}
        for name, expr in defs.items():
            direct = {s.name for s in expr.free_symbols}
            self.deps[name] = direct.union(*(self.deps.get(d, set()) for d in direct))
        self.leaves = set().union(*self.deps.values()) - set(defs) if defs else set()
        self.cost = "C" if "C" in defs else (list(defs)[-1] if defs else None)
        self._cache: dict = {}

    def known(self, name: str) -> bool:
        return name in self.defs or name in self.leaves

    def full(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` in the leaves only, activations replaced by their definitions."""
        for _ in range(len(self.defs) + 1):
            subs = {
                sym(s.name): self.defs[s.name] for s in expr.free_symbols if s.name in self.defs
            }
            if not subs:
                break
            expr = expr.xreplace(subs)
        return expand_activations(expr)

    def deriv(self, num: str, den: str) -> sp.Expr:
        """d num / d den through the network, by ``sympy.diff`` (other leaves held fixed)."""
        key = ("d", num, den)
        if key not in self._cache:
            expr = sym(num)
            for _ in range(len(self.defs) + 1):
                subs = {
                    s: self.defs[s.name]
                    for s in expr.free_symbols
                    if s.name in self.defs and s.name != den and den in self.deps[s.name]
                }
                if not subs:
                    break
                expr = expr.xreplace(subs)
            self._cache[key] = sp.diff(expr, sym(den))
        return self._cache[key]

    def shown(self, num: str, den: str) -> sp.Expr:
        """d num / d den for reading: the chain rule over the named quantities, with each
        activation's derivative kept as σ'(z) (every local factor from ``sympy.diff``)."""
        adj: dict[str, sp.Expr] = {num: sp.Integer(1)}
        for q in reversed(list(self.defs)):
            if q not in adj or q == den:
                continue
            expr = _display_functions(self.defs[q])
            for s in expr.free_symbols:
                if s.name == den or (s.name in self.defs and den in self.deps[s.name]):
                    adj[s.name] = adj.get(s.name, 0) + adj[q] * sp.diff(expr, s)
        return sp.factor_terms(adj.get(den, sp.Integer(0)))

    def pairs(self):
        """Every (N, D) with N a quantity and D something it depends on."""
        return [(n, d) for n in reversed(list(self.defs)) for d in sorted(self.deps[n])]

    def real(self, expr: sp.Expr) -> sp.Expr:
        """Replace the reader's function placeholders by this network's activations."""

        def fn(e):
            name = e.func.__name__
            if name == "step":
                return sp.Piecewise((1, e.args[0] > 0), (0, True))
            base = name.rstrip("'")
            if base not in self.acts:
                raise Unknown(f"{base} is not an activation of this network")
            if self.acts[base].normalized:
                raise Unknown(f"{base} couples the units; per-sample scalar checks cannot use it")
            if name.endswith("'"):
                t = sp.Dummy("t", real=True)
                return sp.diff(self.acts[base](t), t).xreplace({t: e.args[0]})
            return self.acts[base](*e.args)

        return expr.replace(lambda e: isinstance(e, AppliedUndef), fn)


def act_prime(name: str):
    return sp.Function(f"{name}'")


def _display_functions(expr: sp.Expr) -> sp.Expr:
    def swap(e):
        name = type(e).__name__
        prime = act_prime(name)
        cls = type(name, (sp.Function,), {"fdiff": lambda self, i=1: prime(self.args[0])})
        return cls(*e.args)

    return expr.replace(lambda e: hasattr(type(e), "activation"), swap)


def net_from_spec(path: str) -> ScalarNet:
    from .derivation import derive
    from .ir import Ew, MatMul, Sum, T, Var, placeholder
    from .spec import load_spec

    net = load_spec(path)

    def scalar(node):
        if isinstance(node, Var):
            return sym(node.name)
        if isinstance(node, MatMul):
            return scalar(node.a) * scalar(node.b)
        if isinstance(node, T):
            return scalar(node.a)
        if isinstance(node, Sum):
            if node.axis == 0:
                raise _SpecNotScalar()
            return scalar(node.a)
        if isinstance(node, Ew):
            return node.expr.xreplace({placeholder(i): scalar(a) for i, a in enumerate(node.args)})
        raise TypeError(type(node).__name__)

    defs: dict[str, sp.Expr] = {}
    try:
        for name, node in net.equations.items():
            defs[name] = scalar(node)
        defs["C"] = scalar(net.cost)
    except _SpecNotScalar:
        defs = {}
    shapes = {v.name: v.shape for v in [net.x, net.y, *net.params.values(), *net.values.values()]}
    indices = [int(m.group(1)) for n in net.equations if (m := re.fullmatch(r"z(\d+)", n))]
    layers = len(net.layers) if net.layers else (max(indices) if indices else None)
    return ScalarNet(defs, dict(net.activations), f"the spec {path}", shapes, layers, derive(net))


class _SpecNotScalar(Exception):
    pass


# ---------------------------------------------------------------------- numbers
_RNG_POINTS = 6


def _points(symbols) -> list[dict]:
    rng = random.Random(20240611)
    ordered = sorted(symbols, key=lambda s: s.name)
    return [
        {s: sp.Float(rng.choice((-1, 1)) * rng.uniform(0.3, 1.7), 20) for s in ordered}
        for _ in range(_RNG_POINTS)
    ]


def _value(expr: sp.Expr, point: dict) -> complex | None:
    try:
        v = complex(sp.N(expr.xreplace(point), 20))
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if v != v or abs(v) == float("inf") or abs(v.imag) > 1e-9 * (1 + abs(v.real)):
        return None
    return v


def same(a: sp.Expr, b: sp.Expr) -> bool | None:
    """Equal at random points (every free symbol drawn from ±[0.3, 1.7]); None when no point
    gives both a number."""
    a, b = sp.sympify(a), sp.sympify(b)
    compared = 0
    for point in _points(a.free_symbols | b.free_symbols):
        va, vb = _value(a, point), _value(b, point)
        if va is None or vb is None:
            continue
        compared += 1
        if abs(va - vb) > 1e-8 * (1 + abs(va) + abs(vb)):
            return False
    return True if compared else None


class _Show(StrPrinter):
    """Expressions in the notes' own spelling of names: a(L), w2, σ'(z(L))."""

    def __init__(self, spelling):
        super().__init__()
        self.spelling = spelling

    def _print_Symbol(self, expr):
        return self.spelling.get(expr.name, expr.name)

    def _print_Function(self, expr):
        name = type(expr).__name__.replace("sigmoid", "σ")
        return f"{name}({', '.join(self._print(a) for a in expr.args)})"

    _print_AppliedUndef = _print_Function

    def _print_Piecewise(self, expr):
        (val, cond), *_ = expr.args
        return f"({self._print(cond)})" if val == 1 else super()._print_Piecewise(expr)


def show_matrix(m: sp.Matrix) -> str:
    if m.shape == (1, 1):
        return _num(m[0, 0])
    return "[" + ", ".join("[" + ", ".join(_num(v) for v in row) + "]" for row in m.tolist()) + "]"


def _num(v) -> str:
    v = sp.nsimplify(v) if isinstance(v, sp.Float) and float(v).is_integer() else v
    if isinstance(v, sp.Rational) and not isinstance(v, sp.Integer):
        if set(sp.factorint(v.q)) <= {2, 5}:  # a decimal as the notes wrote it
            return f"{float(v):.12g}"
    return str(v) if not isinstance(v, sp.Float) else f"{float(v):.6g}"


def fmt_shape(shape) -> str:
    return f"[{shape[0]}×{shape[1]}]"


# ---------------------------------------------------------------------- the checker
@dataclass
class _Item:
    kind: str  # formula | grid | text
    line: int
    formula: cl.Formula | None = None
    matrix: sp.Matrix | None = None
    text: str = ""
    display: bool = True


def _eval_number(expr: sp.Expr) -> sp.Expr:
    """Evaluate the parser's unevaluated arithmetic (10*0 + 20*1 stays unevaluated)."""
    if any(isinstance(p.exp, sp.Number) and abs(p.exp) > 64 for p in expr.atoms(sp.Pow)):
        raise Unknown("a power too large to check")
    if expr.args:
        return expr.func(*[_eval_number(a) for a in expr.args])
    return expr


def _terms(expr: sp.Expr) -> list[sp.Expr]:
    if isinstance(expr, sp.Add):
        return [t for a in expr.args for t in _terms(a)]
    return [expr]


def _equal_values(a, b) -> bool:
    a = a if isinstance(a, sp.MatrixBase) else sp.Matrix([[a]])
    b = b if isinstance(b, sp.MatrixBase) else sp.Matrix([[b]])
    if a.shape != b.shape:
        return False
    return all(same(x, y) for x, y in zip(a, b, strict=True))


def _operators(m: cl.Member) -> int:
    """How many operations a member writes: a chain written downwards has fewer each line."""
    if m.kind == "matrix":
        return len(m.operands) - 1
    return len(re.findall(r"[-+*/]|\\cdot|\\times|\\frac", m.tex))


def _text(m: cl.Member) -> str:
    """A member as the report shows it: written matrices as lists, the rest as written."""
    if m.kind != "matrix":
        return m.tex
    return " ".join(
        show_matrix(v) if k == "M" else ("·" if v == "\\cdot" else v) for k, v in m.operands
    )


class _ShapeError(Exception):
    pass


def _times(a, b, op: str):
    """a times b as the notes mean it: a matrix product, a scalar product, or (for two vectors
    of one length written with a dot) their dot product."""
    if not isinstance(a, sp.MatrixBase) or not isinstance(b, sp.MatrixBase):
        return a * b
    if a.shape == (1, 1) or b.shape == (1, 1):
        return (a[0, 0] * b) if a.shape == (1, 1) else (a * b[0, 0])
    if a.cols == b.rows:
        return a * b
    if op and 1 in a.shape and a.shape == b.shape:
        return sp.Matrix([[sum(x * y for x, y in zip(a, b, strict=True))]])
    raise _ShapeError(f"cannot multiply a {fmt_shape(a.shape)} by a {fmt_shape(b.shape)}")


def matrix_value(member: cl.Member):
    """The value of a member made of written matrices, numbers, +, - and products."""
    total, sign, factor, op = None, 1, None, ""
    for kind, val in member.operands + [("op", "+")]:
        if kind == "op" and val in "+-":
            if factor is not None:
                term = factor if sign > 0 else -factor
                if (
                    total is not None
                    and isinstance(total, sp.MatrixBase)
                    and getattr(term, "shape", total.shape) != total.shape
                ):
                    raise _ShapeError(
                        f"cannot add a {fmt_shape(total.shape)} and a {fmt_shape(term.shape)}"
                    )
                total = term if total is None else total + term
            sign, factor, op = (1 if val == "+" else -1), None, ""
        elif kind == "op":
            op = val
        else:
            factor = val if factor is None else _times(factor, val, op)
            op = ""
    return total


class Checker:
    def __init__(self, segments, reader: cl.Reader, net: ScalarNet | None, spec: bool):
        self.reader, self.net, self.spec = reader, net, spec
        self.results: list[Result] = []
        self.local: dict[str, sp.Expr] = {}
        self.slots: dict[sp.Symbol, sp.Expr] = {}
        self.items = self._items(segments)
        self.def_lines: dict[str, int] = {}
        self.pending: dict[int, list[str]] = {}  # notes for the derivative claims of a line

    # ------------------------------------------------------------------ reading
    def _items(self, segments) -> list[_Item]:
        items: list[_Item] = []
        for seg in segments:
            if seg.kind == "text":
                items.append(_Item("text", seg.line, text=seg.text))
            elif seg.kind == "grid":
                cells = []
                for row in seg.cells:
                    out = []
                    for c in row:
                        try:
                            out.append(self.reader.expr(c))
                        except Exception:
                            out.append(sp.Symbol(c))
                    cells.append(out)
                items.append(_Item("grid", seg.line, matrix=sp.Matrix(cells)))
            else:
                self.reader.names.line = seg.line
                form = self.reader.formula(seg.text, seg.line, seg.display)
                last = items[-1] if items else None
                if form.members and form.members[0].kind == "empty" and last and last.formula:
                    prev = last.formula
                    if prev.members and prev.members[-1].kind == "empty":
                        prev.members.pop()
                    prev.members.extend(form.members[1:])
                    prev.labels.extend(form.labels)
                    prev.annotations.extend(form.annotations)
                    continue
                items.append(_Item("formula", seg.line, formula=form, display=seg.display))
        return items

    def add(self, line, kind, claim, verdict, expected=None, message=""):
        claim = re.sub(r"\s+", " ", claim).strip()
        self.results.append(Result(line, kind, claim, verdict, expected, message))

    def show(self, expr, line: int | None = None) -> str:
        return _Show(self.reader.names.spelling_at(line))._print(expr)

    def frac(self, num: str, den: str, style: str, line: int) -> str:
        names = self.reader.names
        return f"{style}{names.show(num, line)}/{style}{names.show(den, line)}"

    # ------------------------------------------------------------------ the walk
    def run(self) -> list[Result]:
        self.vchain = None  # (value, tex, item index) of a chain written downwards
        self.last_matrix = None  # [Matrix, line, described, item index]
        self.described: list[tuple[tuple, int]] = []
        self._seen: set = set()
        for index, item in enumerate(self.items):
            try:
                self._item(index, item)
            except Exception as err:  # one claim's failure never stops the others
                self.add(
                    item.line,
                    "equation",
                    item.formula.tex if item.formula else item.text,
                    "unknown",
                    message=f"could not check ({type(err).__name__}: {err})",
                )
        self.results.sort(key=lambda r: r.line)
        return self.results

    def _item(self, index: int, item: _Item):
        if item.kind == "text":
            self._shape_sentence(item)
            return
        if item.kind == "grid":
            self.last_matrix = [item.matrix, item.line, False, index]
            return
        form = item.formula
        for label in form.labels:
            self._label(label)
        for mat, shape, text, line in form.annotations:
            self._annotation(mat, shape, text, line)
        members = [m for m in form.members if m.kind != "empty"]
        if form.update or not members:
            return
        try:
            self._formula(index, item, members)
        finally:
            described = [id(a[0]) for a in form.annotations]
            for m in members:
                for kind, val in m.operands if m.kind == "matrix" else ():
                    if kind == "M":
                        self.last_matrix = [val, m.line, id(val) in described, index]

    def _formula(self, index: int, item: _Item, members: list[cl.Member]):
        if len(members) == 1:
            self._single(index, item, members[0])
            return
        self.vchain = None
        first = members[0]
        if first.kind == "deriv":
            for m in members[1:]:
                self._derivative(first, m)
        elif (
            first.kind == "expr"
            and isinstance(first.value, sp.Symbol)
            and re.fullmatch(r"delta\d+", first.value.name)
        ):
            k = first.value.name[5:]
            lhs = cl.Member(first.line, first.tex, "deriv", value=("C", f"z{k}"), style="∂")
            for m in members[1:]:
                self._derivative(lhs, m)
        elif all(m.kind in ("number", "matrix", "bad") for m in members):
            self._arithmetic(members)
        elif first.kind == "shapes" or (first.kind == "shape" and not first.operands):
            self._shape_chain(members)
        elif first.kind == "expr" and all(m.kind in ("expr", "number", "bad") for m in members):
            self._equation(members)
        elif first.kind == "expr" and isinstance(first.value, sp.Symbol):
            return  # a name given a value (y = [1, 9, 9]): an example, not a claim
        else:
            for m in members[1:]:
                self.add(
                    m.line,
                    "equation",
                    f"{first.tex} = {m.tex}",
                    "unknown",
                    message=m.error or "a mix of kinds this checker does not compare",
                )

    # ------------------------------------------------------------------ labels
    def _label(self, label: cl.Label):
        if label.symbol:
            try:
                self.local[label.symbol] = self.reader.expr(label.content)
            except NotUnderstood:
                pass
            return
        words = label.label.lower().replace("'", " prime").split()
        claim = f"\\underbrace{{{label.content}}}_{{\\text{{{label.label}}}}}"
        try:
            content = self.reader.expr(label.content)
        except NotUnderstood as err:
            self.add(label.line, "label", claim, "unknown", message=str(err))
            return
        self.slots[label.slot] = content
        act = next((ACTIVATION_WORDS[w] for w in words if w in ACTIVATION_WORDS), None)
        try:
            if act and ("prime" in words or "derivative" in words):
                self._activation_label(label, claim, content, act)
            elif "cost" in words and ("derivative" in words or "prime" in words):
                self._cost_label(label, claim, content)
        except Unknown as err:
            self.add(label.line, "label", claim, "unknown", message=str(err))

    def _activation_label(self, label, claim, content, act):
        acts = self.net.acts if self.net else ACTIVATIONS
        expr = self._substitute_local(content)
        apps = {a.args[0] for a in expr.atoms(AppliedUndef) if a.func.__name__ == act}
        if len(apps) != 1:
            raise Unknown(f"expected {act} applied to one argument inside the brace")
        (arg,) = apps
        t = sp.Dummy("t", real=True)
        generic = expr.xreplace({arg: t})
        f = acts[act]
        if generic.free_symbols - {t}:
            raise Unknown("the brace uses names other than the activation's argument")
        truth = sp.diff(f(t), t)
        ok = same(expand_activations(self._real(generic, acts)), expand_activations(truth))
        verdict = {True: "correct", False: "wrong", None: "unknown"}[ok]
        self.add(label.line, "label", claim, verdict, expected=f"{act}'(t) = {self.show(truth)}")
        # How the brace reads inside its formula: sigma'(u) where the network applies sigma.
        targets = (
            []
            if not self.net
            else [
                d.args[0] for d in self.net.defs.values() if getattr(d, "func", None) is f.function
            ]
        )
        if arg in targets or not targets:
            return
        if len(targets) == 1:
            self.slots[label.slot] = expr.xreplace({arg: targets[0]})
            self.pending.setdefault(label.line, []).append(
                f"read {label.content} (labelled “{label.label}”) as "
                f"{self.show(act_prime(act)(targets[0]), label.line)}, the {act} of the network"
            )
        else:
            raise Unknown(f"{act}'s argument is ambiguous here")

    def _cost_label(self, label, claim, content):
        net = self._need_net()
        cost = net.defs[net.cost]
        outs = [s.name for s in cost.free_symbols if s.name in net.defs]
        if len(outs) != 1:
            raise Unknown("the cost does not depend on one output quantity")
        truth = net.deriv(net.cost, outs[0])
        mine = self._prepare(content)
        ok = same(net.full(mine), net.full(truth))
        verdict = {True: "correct", False: "wrong", None: "unknown"}[ok]
        shown = self.show(net.shown(net.cost, outs[0]), label.line)
        expected = f"{self.frac(net.cost, outs[0], 'd', label.line)} = {shown}"
        self.add(label.line, "label", claim, verdict, expected=expected)

    # ------------------------------------------------------------------ expressions
    def _need_net(self) -> ScalarNet:
        if self.net is None or not self.net.defs:
            raise Unknown(
                "no network to differentiate: give --spec SPEC or write the forward equations "
                "(z_1 = w_1 x + b_1, A_1 = \\sigma(z_1), …, C = (A_2 - y)^2) in the notes"
            )
        return self.net

    def _real(self, expr, acts):
        return ScalarNet({}, acts, "").real(expr)

    def _substitute_local(self, expr: sp.Expr) -> sp.Expr:
        for _ in range(8):
            subs = {s: v for s, v in self.slots.items() if s in expr.free_symbols}
            subs.update({sym(k): v for k, v in self.local.items() if sym(k) in expr.free_symbols})
            if not subs:
                break
            expr = expr.xreplace(subs)
        return expr

    def _prepare(self, expr: sp.Expr, fracs=None, generic_ok=False) -> sp.Expr:
        """A claim's expression in the network's names: labelled parts and local symbols
        substituted, fractions replaced by the derivatives they name, functions made real."""
        net = self.net
        if fracs:
            sub = {}
            for token, (num, den) in fracs.items():
                n = self._need_net()
                if not (n.known(num) and n.known(den)):
                    raise Unknown(f"d{num}/d{den} is not a derivative within the network")
                sub[token] = n.deriv(num, den)
            expr = expr.xreplace(sub)
        expr = self._substitute_local(expr)
        if net is not None:
            deltas = {
                s: net.deriv(net.cost, f"z{s.name[5:]}")
                for s in expr.free_symbols
                if re.fullmatch(r"delta\d+", s.name) and f"z{s.name[5:]}" in net.defs
            }
            expr = expr.xreplace(deltas)
        acts = net.acts if net else ACTIVATIONS
        expr = self._real(expr, acts)
        unknown = sorted(s.name for s in expr.free_symbols if not (net and net.known(s.name)))
        if unknown and not (
            generic_ok and not any(net and net.known(s.name) for s in expr.free_symbols)
        ):
            shown = ", ".join(self.reader.names.show(u) for u in unknown)
            raise Unknown(
                f"{shown} {'is' if len(unknown) == 1 else 'are'} not defined in the notes "
                f"or the network"
            )
        return expr

    # ------------------------------------------------------------------ derivatives
    def _derivative(self, lhs: cl.Member, m: cl.Member):
        num, den = lhs.value
        line, style = m.line, lhs.style
        claim = f"{lhs.tex} = {m.tex}"
        kind = "chain-rule" if m.kind == "chain" else "derivative"
        try:
            if m.kind == "bad":
                raise Unknown(m.error)
            if m.kind == "chain":
                return self._chain(lhs, m, claim)
            if m.kind not in ("expr", "number"):
                raise Unknown("the right-hand side is not an expression")
            net = self._need_net()
            for name in (num, den):
                if not net.known(name):
                    raise Unknown(
                        f"{self.reader.names.show(name, line)} is not a quantity of {net.source}"
                    )
            mine = self._prepare(m.value, m.fracs)
            truth = net.deriv(num, den)
            ok = same(net.full(mine), net.full(truth))
        except Unknown as err:
            self.add(line, kind, claim, "unknown", message=str(err))
            return
        expected = self.show(net.shown(num, den), line)
        notes = list(dict.fromkeys(self.pending.get(lhs.line, []) + self.pending.get(line, [])))
        if ok is None:
            self.add(line, kind, claim, "unknown", expected, "no point gives both sides a value")
        elif ok:
            self.add(line, kind, claim, "correct", expected, "; ".join(notes))
        else:
            why = self._diagnose(num, den, net.full(mine), net.full(truth), style, line)
            notes = notes + self._matrix_form(num, den)
            self.add(
                line, kind, claim, "wrong", expected, "; ".join([why, *notes] if why else notes)
            )

    def _matrix_form(self, num: str, den: str) -> list[str]:
        """The same gradient in derive's matrix form, from the spec's derivation."""
        net = self.net
        if net.derivation is None or num != net.cost:
            return []
        try:
            step = net.derivation.step(den)
        except KeyError:
            return []
        scale = net.derivation.scale
        over = (
            ""
            if scale == 1 or step.kind != "param"
            else f", times {scale} for a mean over m samples"
        )
        return [f"in matrix form derive has {step.name} = {step.value!r}{over}"]

    def _diagnose(self, num, den, mine, truth, style, line) -> str:
        """What a wrong right-hand side is: another derivative, or off by a factor."""
        net = self.net
        if mine.free_symbols:
            found = [
                (n, d)
                for n, d in net.pairs()
                if (n, d) != (num, den) and same(mine, net.full(net.deriv(n, d)))
            ]
            found.sort(key=lambda p: (p[0] != num, p[1] not in net.defs, p[1] != den))
            if found:
                said = self.frac(num, den, style, line)
                return f"this is {self.frac(*found[0], style, line)}, not {said}"
        if not same(mine, 0):
            edges = [(n, d) for n, d in net.pairs() if sym(d) in net.defs[n].free_symbols]
            for n, d in edges:
                local = net.full(net.deriv(n, d))
                if local.free_symbols and same(truth, mine * local):
                    factor = f"{self.frac(n, d, style, line)} = {self.show(net.shown(n, d), line)}"
                    return f"missing the factor {factor}"
                if local.free_symbols and same(truth * local, mine):
                    factor = f"{self.frac(n, d, style, line)} = {self.show(net.shown(n, d), line)}"
                    return f"an extra factor {factor}"
            ratio = [
                _value(mine / truth, p) for p in _points(mine.free_symbols | truth.free_symbols)
            ]
            ratio = [r for r in ratio if r is not None]
            if ratio and all(abs(r - ratio[0]) < 1e-8 * (1 + abs(r)) for r in ratio):
                return f"off by a factor of {sp.nsimplify(round(ratio[0].real, 8))}"
        return ""

    def _chain(self, lhs: cl.Member, m: cl.Member, claim: str):
        num, den = lhs.value
        line, style = m.line, lhs.style
        factors = m.value
        tops = [n for n, _ in factors]
        bottoms = [d for _, d in factors]
        left_top, left_bottom = list(tops), list(bottoms)
        for name in tops:
            if name in left_bottom and name in left_top:
                left_top.remove(name)
                left_bottom.remove(name)
        shown = " × ".join(self.frac(n, d, style, line) for n, d in factors)
        net = self.net if self.net and self.net.defs else None
        path = self._path(num, den) if net and net.known(num) and net.known(den) else None
        expected = " × ".join(self.frac(n, d, style, line) for n, d in path) if path else None
        if sorted(left_top) != [num] or sorted(left_bottom) != [den]:
            extra_top = [t for t in left_top if t != num] if num in left_top else left_top
            extra_bottom = (
                [b for b in left_bottom if b != den] if den in left_bottom else left_bottom
            )
            why = "the fractions do not cancel down to " + self.frac(num, den, style, line)
            if len(extra_top) == 1 and len(extra_bottom) == 1:
                why += (
                    f": missing the factor {self.frac(extra_bottom[0], extra_top[0], style, line)}"
                )
            self.add(line, "chain-rule", claim, "wrong", expected, why)
            return
        if not (net and all(net.known(x) for x in tops + bottoms)):
            self.add(
                line,
                "chain-rule",
                claim,
                "correct",
                None,
                "a general rule: the fractions cancel; not all its names are the network's",
            )
            return
        product = sp.Mul(*[net.deriv(n, d) for n, d in factors])
        ok = same(net.full(product), net.full(net.deriv(num, den)))
        if ok is False:
            self.add(
                line,
                "chain-rule",
                claim,
                "wrong",
                expected,
                f"the fractions cancel, but {shown} is not all of "
                f"{self.frac(num, den, style, line)}: another path contributes",
            )
        else:
            self.add(line, "chain-rule", claim, "correct" if ok else "unknown", expected)

    def _path(self, num: str, den: str):
        """The chain of direct dependencies from ``den`` up to ``num`` (one path), or None."""
        net = self.net
        if num == den or num not in net.defs:
            return None
        for s in sorted(net.defs[num].free_symbols, key=lambda s: s.name):
            if s.name == den:
                return [(num, den)]
            if s.name in net.defs and den in net.deps[s.name]:
                rest = self._path(s.name, den)
                if rest:
                    return rest + [(num, s.name)]
        return None

    # ------------------------------------------------------------------ arithmetic
    def _value_of(self, m: cl.Member):
        if m.kind == "matrix":
            return matrix_value(m)
        return _eval_number(m.value)

    def _arithmetic(self, members: list[cl.Member]):
        prev, prev_m = None, None
        for m in members:
            claim = f"{prev_m.tex} = {m.tex}" if prev_m else m.tex
            if m.kind == "bad":
                self.add(m.line, "arithmetic", claim, "unknown", message=m.error)
                continue
            try:
                value = self._value_of(m)
            except _ShapeError as err:
                self.add(m.line, "arithmetic", m.tex, "wrong", None, str(err))
                continue
            except Unknown as err:
                self.add(m.line, "arithmetic", claim, "unknown", message=str(err))
                continue
            if prev_m is not None:
                self._compare(m.line, claim, prev, prev_m, value, m)
            prev, prev_m = value, m

    def _compare(self, line, claim, want, want_m, got, got_m, message=""):
        if _equal_values(want, got):
            self.add(line, "arithmetic", claim, "correct", self._shown_value(want), message)
            return
        why = [message] if message else []
        if (
            isinstance(want, sp.MatrixBase)
            and isinstance(got, sp.MatrixBase)
            and want.shape != got.shape
        ):
            ops = [v for k, v in want_m.operands if k == "M"]
            if len(ops) == 2:
                why.append(
                    f"a {fmt_shape(ops[0].shape)} times a {fmt_shape(ops[1].shape)} is "
                    f"{fmt_shape(want.shape)}; the notes give a {fmt_shape(got.shape)}"
                )
            else:
                why.append(
                    f"expected a {fmt_shape(want.shape)}, the notes give a {fmt_shape(got.shape)}"
                )
        term = self._term_by_term(want_m, got_m)
        if term:
            why.append(term)
        self.add(line, "arithmetic", claim, "wrong", self._shown_value(want), "; ".join(why))

    def _shown_value(self, v) -> str:
        return show_matrix(v) if isinstance(v, sp.MatrixBase) else _num(v)

    def _term_by_term(self, want_m: cl.Member, got_m: cl.Member) -> str:
        """Name the first wrong term of a sum written out term by term."""
        if got_m.kind != "number":
            return ""
        got_terms = _terms(got_m.value)
        if want_m.kind == "matrix":
            ops = [v for k, v in want_m.operands if k == "M"]
            if len(ops) != 2 or 1 not in ops[0].shape or len(ops[0]) != len(ops[1]):
                return ""
            want_terms = [a * b for a, b in zip(ops[0], ops[1], strict=True)]
            labels = [f"{_num(a)}·{_num(b)}" for a, b in zip(ops[0], ops[1], strict=True)]
        elif want_m.kind == "number":
            want_terms = [_eval_number(t) for t in _terms(want_m.value)]
            labels = [_num(t) for t in want_terms]
        else:
            return ""
        if len(want_terms) != len(got_terms) or len(got_terms) < 2:
            return ""
        for k, (w, g) in enumerate(zip(want_terms, got_terms, strict=True)):
            if not same(w, _eval_number(g)):
                found = f"{self.show(g)} = {_num(_eval_number(g))}"
                return f"term {k + 1} is {found}, expected {labels[k]} = {_num(w)}"
        return ""

    def _single(self, index: int, item: _Item, m: cl.Member):
        """A formula without ``=``: part of a chain written downwards, a matrix beside its
        result, a shape, or nothing to check."""
        chain = self.vchain
        adjacent = chain is not None and chain[2] == index - 1 and item.display
        if m.kind in ("number", "matrix") and item.display:
            try:
                value = self._value_of(m)
            except _ShapeError:
                value = self._beside(index, m)
                self.vchain = None
                return
            except Unknown:
                self.vchain = None
                return
            bare = m.kind == "matrix" and len(m.operands) == 1
            computed = (m.kind == "number" and bool(m.value.args)) or (
                m.kind == "matrix" and not bare
            )
            simpler = chain is not None and (
                chain[4].kind == "matrix" or _operators(m) < _operators(chain[4])
            )
            if adjacent and not bare and simpler:
                msg = f"read as the next step of the computation on line {chain[3]}"
                self._compare(m.line, f"{chain[1]} = {_text(m)}", chain[0], chain[4], value, m, msg)
                self.vchain = (value, _text(m), index, chain[3], m)
            elif computed:
                self.vchain = (value, _text(m), index, m.line, m)
            else:
                self.vchain = None
            return
        self.vchain = None
        if m.kind == "shape":
            self._shape(m, index)
        elif m.kind == "bad" and re.search(r"=|\\partial|\\frac\s*\{\s*d", m.tex):
            self.add(m.line, "equation", m.tex, "unknown", message=m.error)

    def _beside(self, index: int, m: cl.Member):
        mats = [v for k, v in m.operands if k == "M"]
        last = self.last_matrix
        prior = last if last and last[3] == index - 1 else None
        if len(mats) != 2 or len(m.operands) != 2 or prior is None:
            self.add(
                m.line,
                "arithmetic",
                m.tex,
                "unknown",
                message="matrices side by side that cannot be multiplied",
            )
            return
        a, result = mats
        p = prior[0]
        for left, right, what in ((a, p, "times the matrix"), (p, a, "after the matrix")):
            if left.cols == right.rows and (left.rows, right.cols) == result.shape:
                product = left * right
                kind = "outer product" if left.cols == 1 else "product"
                claim = f"{show_matrix(left)} · {show_matrix(right)} = {show_matrix(result)}"
                msg = (
                    f"read as the {kind} of the matrix here {what} on line {prior[1]}, "
                    "written beside its result"
                )
                ok = _equal_values(product, result)
                self.add(
                    m.line,
                    "arithmetic",
                    claim,
                    "correct" if ok else "wrong",
                    show_matrix(product),
                    msg,
                )
                return
        self.add(
            m.line,
            "arithmetic",
            m.tex,
            "unknown",
            message="matrices side by side that cannot be multiplied",
        )

    # ------------------------------------------------------------------ shapes
    def _annotation(self, mat, shape, text, line, where=""):
        key = (id(mat), tuple(shape), line)
        if key in self._seen:
            return
        self._seen.add(key)
        ok = tuple(mat.shape) == tuple(shape)
        self.add(
            line,
            "shape",
            f"{show_matrix(mat)} is {fmt_shape(shape)}",
            "correct" if ok else "wrong",
            fmt_shape(mat.shape),
            where,
        )
        self.described.append((tuple(mat.shape), line))

    def _shape(self, m: cl.Member, index: int):
        shape = m.value
        target = m.operands[0] if m.operands else None
        net = self.net
        if target is not None:
            name = target[1] if isinstance(target, tuple) else target
            if net is not None and name in net.shapes:
                true = net.shapes[name]
                ok = tuple(str(d) for d in true) == tuple(str(d) for d in shape)
                self.add(
                    m.line,
                    "shape",
                    m.tex,
                    "correct" if ok else "wrong",
                    fmt_shape(true),
                    ""
                    if ok
                    else (
                        "transposed"
                        if tuple(map(str, true[::-1])) == tuple(map(str, shape))
                        else ""
                    ),
                )
                return
            if net is not None and net.known(name):
                self.add(m.line, "shape", m.tex, "unknown", message="shapes need --spec")
                return
        last = self.last_matrix
        if last and not last[2] and index - last[3] <= 3:
            last[2] = True
            where = "" if last[1] == m.line else f"the matrix on line {last[1]}"
            self._annotation(last[0], shape, m.tex, m.line, where)
            return
        if len(self.described) >= 2:
            s, s_line = self.described[-1]
            for t, t_line in reversed(self.described[:-1]):
                if s[1] == t[0] and (s[0], t[1]) == tuple(shape):
                    self.add(
                        m.line,
                        "shape",
                        f"{fmt_shape(s)} times {fmt_shape(t)} gives {fmt_shape(shape)}",
                        "correct",
                        fmt_shape(shape),
                        f"read as the product of the shapes on lines {s_line} and {t_line}",
                    )
                    self.described.append((tuple(shape), m.line))
                    return
        self.add(
            m.line,
            "shape",
            m.tex,
            "unknown",
            message="no matrix or product above to compare it with",
        )

    def _shape_chain(self, members):
        prev, prev_m = None, None
        for m in members:
            claim = f"{prev_m.tex} = {m.tex}" if prev_m else m.tex
            if m.kind == "shapes":
                shapes = m.value
                value = shapes[0]
                for s in shapes[1:]:
                    if str(value[1]) != str(s[0]):
                        self.add(
                            m.line,
                            "shape",
                            m.tex,
                            "wrong",
                            None,
                            f"cannot multiply {fmt_shape(value)} by {fmt_shape(s)}: "
                            f"{value[1]} columns against {s[0]} rows",
                        )
                        return
                    value = (value[0], s[1])
            elif m.kind == "shape" and not m.operands:
                value = m.value
            else:
                self.add(m.line, "shape", claim, "unknown", message=m.error or "not a shape")
                return
            if prev is not None:
                ok = tuple(map(str, prev)) == tuple(map(str, value))
                why = (
                    ""
                    if ok
                    else (
                        "transposed"
                        if tuple(map(str, prev[::-1])) == tuple(map(str, value))
                        else ""
                    )
                )
                self.add(m.line, "shape", claim, "correct" if ok else "wrong", fmt_shape(prev), why)
            prev, prev_m = value, m

    def _shape_sentence(self, item: _Item):
        shape = r"\[\s*(\d+|m)\s*[x×*]\s*(\d+|m)\s*\]"
        for found in re.finditer(
            rf"{shape}\s*(?:times|×|\*|·|by|@)\s*{shape}\s*(?:gives|=|is|->|→)\s*{shape}", item.text
        ):
            a, b, c, d, e, f = found.groups()
            tex = found.group()
            if b != c:
                self.add(
                    item.line,
                    "shape",
                    tex,
                    "wrong",
                    None,
                    f"cannot multiply [{a}×{b}] by [{c}×{d}]: {b} columns against {c} rows",
                )
            else:
                ok = (a, d) == (e, f)
                self.add(
                    item.line,
                    "shape",
                    tex,
                    "correct" if ok else "wrong",
                    f"[{a}×{d}]",
                    "" if ok or (d, a) != (e, f) else "transposed",
                )

    # ------------------------------------------------------------------ equations
    def _equation(self, members):
        first = members[0]
        net = self.net
        name = first.value.name if isinstance(first.value, sp.Symbol) else None
        is_def = name is not None and net is not None and name in net.defs
        if is_def and not self.spec and self.def_lines.get(name) == first.line:
            return  # the definition itself
        if name is not None and not is_def and not (net and net.known(name)):
            if members[1].kind == "expr" and name not in self.local:
                self.local[name] = members[1].value  # a name of the notes' own, used later
            return
        kind = "definition" if is_def else "equation"
        prev = first
        for m in members[1:]:
            claim = f"{prev.tex} = {m.tex}"
            try:
                if m.kind == "bad" or prev.kind == "bad":
                    raise Unknown(m.error or prev.error)
                if (
                    not m.value.free_symbols
                    and prev.kind == "expr"
                    and isinstance(prev.value, sp.Symbol)
                ):
                    return  # a name given a value: an example, not a claim
                left = self._prepare(prev.value, prev.fracs, generic_ok=True)
                right = self._prepare(m.value, m.fracs, generic_ok=True)
                if net is not None:
                    left, right = net.full(left), net.full(right)
                else:
                    left, right = expand_activations(left), expand_activations(right)
                ok = same(left, right)
            except Unknown as err:
                self.add(m.line, kind, claim, "unknown", message=str(err))
                prev = m
                continue
            expected = None
            msg = ""
            if is_def and prev is first:
                expected = (
                    f"{self.reader.names.show(name, m.line)} = {self.show(net.defs[name], m.line)}"
                )
                where = f"line {self.def_lines[name]}" if name in self.def_lines else net.source
                msg = f"{'agrees with' if ok else 'differs from'} {where}"
            verdict = {True: "correct", False: "wrong", None: "unknown"}[ok]
            self.add(m.line, kind, claim, verdict, expected, msg)
            prev = m


# ---------------------------------------------------------------------- the notes' network
def notes_layers(segments) -> int | None:
    """The highest layer number the notes write (a^{(2)}, W^{[2]}, else w_2), for ``L``."""
    sub, sup = [], []
    pattern = r"(?<![A-Za-z\\])[wWbBaAzZ]\s*(?:_\{?\s*(\d+)\s*\}?|\^\{?\s*[(\[]\s*(\d+)\s*[)\]])"
    for seg in segments:
        text = seg.text + " ".join(" ".join(r) for r in seg.cells)
        for a, b in re.findall(pattern, text):
            (sub if a else sup).append(int(a or b))
    found = sup or sub  # superscripts are layers for sure; subscripts may number entries
    return max(found) if found else None


def net_from_notes(checker: Checker) -> ScalarNet | None:
    """The forward equations written in the notes: ``name = expression`` lines, the first
    definition of each name, in an order where each comes after what it uses."""
    defs: dict[str, tuple[int, sp.Expr]] = {}
    for item in checker.items:
        form = item.formula
        if form is None or form.update:
            continue
        members = [m for m in form.members if m.kind != "empty"]
        if len(members) < 2 or members[0].kind != "expr" or members[1].kind != "expr":
            continue
        left, right = members[0].value, members[1].value
        if not isinstance(left, sp.Symbol) or left.name in defs or not right.free_symbols:
            continue
        if re.fullmatch(r"delta\d*|x|y", left.name) or any(
            s.name.startswith(("∂", "⟨")) for s in right.free_symbols
        ):
            continue
        try:
            right = ScalarNet({}, ACTIVATIONS, "").real(right)
        except Unknown:
            continue
        defs[left.name] = (members[0].line, right)
    order: list[str] = []
    pending = dict(defs)
    while pending:
        ready = [
            n
            for n, (_, e) in pending.items()
            if all(s.name not in pending or s.name == n for s in e.free_symbols)
        ]
        if not ready:
            break  # a cycle: the rest are not used
        for n in ready:
            if sym(n) not in pending[n][1].free_symbols:
                order.append(n)
            del pending[n]
    if not order:
        return None
    cost = "C" if "C" in order else None
    if cost:  # the network is what the cost depends on; other equations are local names
        needed = {cost}
        for n in reversed(order):
            if n in needed:
                needed |= {s.name for s in defs[n][1].free_symbols}
        for n in order:
            if n not in needed:
                checker.local.setdefault(n, defs[n][1])
        order = [n for n in order if n in needed]
    checker.def_lines = {n: defs[n][0] for n in order}
    lines = sorted(defs[n][0] for n in order)
    source = "the forward equations in the notes (lines " + ", ".join(map(str, lines)) + ")"
    return ScalarNet({n: defs[n][1] for n in order}, dict(ACTIVATIONS), source)


# ---------------------------------------------------------------------- entry points
def check_text(
    text: str, spec: str | None = None, *, latex: bool | None = None
) -> tuple[list[Result], str]:
    """Check notes given as text; returns the results and a header naming the network used."""
    segments = read_notes(text, latex=latex)
    net = net_from_spec(spec) if spec else None
    layers = net.layers if net else notes_layers(segments)
    reader = cl.Reader(cl.Names(layers), functions=net.acts if net else None)
    checker = Checker(segments, reader, net, spec=bool(spec))
    if net is None:
        checker.net = net = net_from_notes(checker)
    header = _header(checker, net, spec)
    return checker.run(), header


def _header(checker: Checker, net: ScalarNet | None, spec: str | None) -> str:
    if net is None:
        return "network: none (no --spec, and no forward equations found in the notes)"
    if spec and not net.defs:
        return f"network: {net.source} (softmax couples the units: derivatives are not checked)"
    eqs = "; ".join(
        f"{checker.show(sym(n), 0)} = {checker.show(e, 0)}" for n, e in net.defs.items()
    )
    per_sample = "derivatives are checked per sample (C is one sample's cost)"
    return f"network: {net.source}\n  {eqs}\n  {per_sample}"


def check_notes(path: str | Path, spec: str | None = None, fmt: str = "text") -> tuple[str, int]:
    """Check the notes at ``path``: (the report as text or JSON, exit status 1 when a claim is
    wrong, else 0). Raises ``DeriveError`` for a file that cannot be read or a bad format."""
    path = Path(path)
    if fmt not in ("text", "json"):
        raise DeriveError(f"unknown format {fmt!r}", where="--format", fix="use text or json")
    if not path.is_file():
        raise DeriveError(
            "no such file", where=str(path), fix="give the path of your notes (.md, .tex, .txt)"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DeriveError(
            f"cannot read the notes: {err}", where=str(path), fix="save the notes as UTF-8 text"
        ) from None
    results, header = check_text(text, spec, latex=path.suffix == ".tex" or None)
    code = 1 if any(r.verdict == "wrong" for r in results) else 0
    if fmt == "json":
        return json.dumps([asdict(r) for r in results], indent=2, ensure_ascii=False), code
    return report_text(results, header, str(path)), code


def report_text(results: list[Result], header: str, source: str) -> str:
    out = [f"{source}: {header}", ""]
    for r in results:
        claim = r.claim if len(r.claim) <= 100 else r.claim[:97] + "..."
        mark = {"correct": "correct", "wrong": "WRONG", "unknown": "not understood"}[r.verdict]
        out.append(f"line {r.line:<4} {r.kind:<11} {mark:<15} {claim}")
        if r.verdict == "wrong" and r.message:
            out.append(f"{'':>17}{r.message}")
        if r.verdict == "wrong" and r.expected:
            out.append(f"{'':>17}expected: {r.expected}")
        if r.verdict != "wrong" and r.message:
            out.append(f"{'':>17}({r.message})")
    counts = {v: sum(r.verdict == v for r in results) for v in ("correct", "wrong", "unknown")}
    out.append("")
    out.append(
        f"{len(results)} claims: {counts['correct']} correct, {counts['wrong']} wrong, "
        f"{counts['unknown']} not understood"
    )
    return "\n".join(out)


def register_cli(subparsers) -> None:
    """Add ``derive check NOTES [--spec SPEC] [--format text|json]``."""
    p = subparsers.add_parser(
        "check",
        help="check the claims in your notes against the derivation",
        description="Check every claim in Markdown or LaTeX notes (arithmetic, shapes, "
        "derivatives, chain-rule factorizations) and report it correct, wrong (with the "
        "right value) or not understood. Exit status 1 when a claim is wrong.",
    )
    p.add_argument("notes", metavar="NOTES", help="notes in Markdown, LaTeX or plain text")
    p.add_argument("--spec", help="the network (.toml); default: the equations in the notes")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=_cli)


def _cli(args) -> int:
    report, code = check_notes(args.notes, spec=args.spec, fmt=args.format)
    print(report)
    return code
