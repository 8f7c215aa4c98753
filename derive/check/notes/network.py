"""The network the notes' derivative claims are about, as scalar equations.

``ScalarNet`` holds ``name = expression in other names`` with one unit per layer and one
sample (so "dC/dw2" is a scalar derivative), and derives by ``sympy.diff``: ``deriv`` for
comparing, ``shown`` for reading (the chain rule over the named quantities, σ'(z) kept).
It comes from the spec (``net_from_spec``: every matrix product read as a product of scalars)
or from the forward equations written in the notes (``net_from_notes``); ``notes_layers``
finds the notes' last layer, the ``L`` of ``w^{(L)}``.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.core.function import AppliedUndef

from derive.engine import namer
from derive.engine.ir import (
    IMAGE_NODES,
    Elementwise,
    MatMul,
    Node,
    Sum,
    Transpose,
    Var,
    placeholder,
)
from derive.engine.registry import ACTIVATIONS, expand_activations

from .claims import Formula
from .names import sym
from .numbers import Unknown


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
            self._cache[key] = self.deriv_of(sym(num), den)
        return self._cache[key]

    def deriv_of(self, expr: sp.Expr, den: str) -> sp.Expr:
        """d expr / d den through the network: the names that depend on ``den`` replaced by
        their definitions down to ``den``, then ``sympy.diff``."""
        for _ in range(len(self.defs) + 1):
            subs = {
                s: self.defs[s.name]
                for s in expr.free_symbols
                if s.name in self.defs and s.name != den and den in self.deps[s.name]
            }
            if not subs:
                break
            expr = expr.xreplace(subs)
        return sp.diff(expr, sym(den))

    def named(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with each activation the network applies written as its name (tanh(z1)
        as a1), for showing."""
        apps = {v: sym(n) for n, v in self.defs.items() if isinstance(v, sp.Function)}
        return expr.xreplace(apps)

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
    from derive.engine.derivation import derive
    from derive.engine.spec import load_spec

    net = load_spec(path)
    defs: dict[str, sp.Expr] = {}
    try:
        for name, node in net.equations.items():
            defs[name] = _scalar(node)
        defs["C"] = _scalar(net.cost)
    except _SpecNotScalar:
        defs = {}
    shapes = {v.name: v.shape for v in [net.x, net.y, *net.params.values(), *net.values.values()]}
    indices = [k for n in net.equations if (k := namer.numbered(n, "z"))]
    layers = len(net.layers) if net.layers else (max(indices) if indices else None)
    return ScalarNet(defs, dict(net.activations), f"the spec {path}", shapes, layers, derive(net))


def _scalar(node: Node) -> sp.Expr:
    """The spec's expression with one unit and one sample: a matrix product is a product of
    scalars, a transpose is the scalar itself. Top-down, so that a sum over the units is
    found (no scalar form: ``_SpecNotScalar``) before the nodes below it."""
    view = _SCALAR.get(type(node))
    if view is None:
        raise TypeError(type(node).__name__)
    return view(node)


def _scalar_sum(node: Sum) -> sp.Expr:
    if node.axis == 0:  # over the units (softmax's normaliser): one unit per layer cannot
        raise _SpecNotScalar()  # hold it, so the spec gives no scalar equations at all
    return _scalar(node.a)  # over the samples: for one sample, the sum is its one term


def _no_scalar_form(node: Node) -> sp.Expr:
    # a window over an image, a row block of a sequence: one unit and one sample cannot hold
    # them, so a CNN's or an RNN's spec gives no scalar equations (its matrix-form checks and
    # its gradients still come from the derivation)
    raise _SpecNotScalar()


# node type -> its scalar form, each reading its children through ``_scalar``; a node type
# with no entry is a TypeError naming it.
_SCALAR = {
    Var: lambda node: sym(node.name),
    MatMul: lambda node: _scalar(node.a) * _scalar(node.b),
    Transpose: lambda node: _scalar(node.a),
    Sum: _scalar_sum,
    Elementwise: lambda node: node.expr.xreplace(
        {placeholder(i): _scalar(a) for i, a in enumerate(node.args)}
    ),
    **dict.fromkeys(IMAGE_NODES, _no_scalar_form),
}


class _SpecNotScalar(Exception):
    pass


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


def net_from_notes(
    formulas: list[Formula | None], functions: dict | None = None, output_y: bool = False
) -> tuple[ScalarNet | None, dict[str, int], dict[str, sp.Expr]]:
    """The forward equations written in the notes: ``name = expression`` lines, the first
    definition of each name, in an order where each comes after what it uses. Returns the
    network (None without equations), the line of each of its equations, and the equations
    the cost does not depend on (names of the notes' own). ``functions``: the notes' own
    (``functions.define``), usable as activations beside the registry's. ``output_y``: a
    second example's ``y = \\sigma(z)`` defines y (elsewhere y is the target)."""
    acts = {**ACTIVATIONS, **(functions or {})}
    defs: dict[str, tuple[int, sp.Expr]] = {}
    local: dict[str, sp.Expr] = {}
    superseded = 10**9
    output_y = output_y or _output_y(formulas, acts)
    for members in _assignments(formulas):
        left, right = members[0].value, members[1].value
        if not right.free_symbols:
            continue
        if _abstract(members[1], acts):
            continue  # y = f(u), u = g(x): the chain rule stated for any f and g, no network
        if left.name in defs or (left.name in ("x", "y") and _cycles(left.name, right, defs)):
            # a second definition: "let z = y - t, then L = z^2/2" rewrites L through the new
            # name (the network now passes through z); one that says something else reuses the
            # letter for another example, and the network read so far stops there
            if not _substitution(left.name, right, defs, acts, members[0].line):
                superseded = min(superseded, members[0].line)
            continue
        if re.fullmatch(r"delta\d*|x" + ("" if output_y else "|y"), left.name) or any(
            s.name.startswith(("∂", "⟨")) for s in right.free_symbols
        ):
            continue
        try:
            right = ScalarNet({}, acts, "").real(right)
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
        return None, {}, local
    cost = "C" if "C" in order else None
    if cost:  # the network is what the cost depends on; other equations are local names
        needed = {cost}
        for n in reversed(order):
            if n in needed:
                needed |= {s.name for s in defs[n][1].free_symbols}
        for n in order:
            if n not in needed:
                local[n] = defs[n][1]
        order = [n for n in order if n in needed]
    def_lines = {n: defs[n][0] for n in order}
    lines = sorted(def_lines.values())
    source = "the forward equations in the notes (lines " + ", ".join(map(str, lines)) + ")"
    net = ScalarNet({n: defs[n][1] for n in order}, acts, source)
    net.superseded = superseded
    # a leaf the note defines by a formula not read here (S = \\sum_j e^{z_j}), never a free input
    unread = _unread_definitions(formulas)
    net.unread = {n: tex for n, tex in unread.items() if n not in defs and n in net.leaves}
    return net, def_lines, local


def _unread_definitions(formulas) -> dict[str, str]:
    """Names the note defines by a formula this scalar reading cannot take in (``S =
    \\sum_j e^{z_j}``), with the text that defines them: never a free number where that text
    writes the variable a claim differentiates by."""
    out = {}
    for members in _assignments(formulas, kind="bad"):
        out.setdefault(members[0].value.name, members[1].tex)
    return out


# the right-hand side a function letter applied: f(u), g(x), h(z)
_ABSTRACT_CALL = re.compile(r"\s*[fgh]\s*(?:\\left\s*)?\(")
_COST_LETTERS = ("E", "C", "L", "J")


def _assignments(formulas, kind="expr"):
    """The members of each formula that gives a name a value (``z = w x + b``: a symbol, then
    a member of ``kind``, "bad" for one not read), an update (``w := w + Δw``) left out."""
    for form in formulas:
        if form is None or form.update:
            continue
        members = [m for m in form.members if m.kind != "empty"]
        if len(members) < 2 or members[0].kind != "expr" or members[1].kind != kind:
            continue
        if isinstance(members[0].value, sp.Symbol):
            yield members


def _abstract(member, acts) -> bool:
    """``f(u)``: a function letter the note never defines applied, not an activation."""
    return bool(_ABSTRACT_CALL.match(member.tex)) and member.tex[0] not in acts


def _output_y(formulas, acts) -> bool:
    """Whether y is the network's output: the note defines y (``y = \\sigma(a)``) before a
    cost that compares it with a target t it never defines (``E = \\frac12 (y - t)^2``)."""
    defined: dict[str, int] = {}
    for members in _assignments(formulas):
        left, right = members[0].value, members[1].value
        names = {s.name for s in right.free_symbols}
        if left.name == "y" and names and "y" not in names and "t" not in names:
            if not _abstract(members[1], acts):
                defined.setdefault("y", members[0].line)
        elif left.name in _COST_LETTERS and {"y", "t"} <= names and "y" in defined:
            return "t" not in defined
        defined.setdefault(left.name, members[0].line)
    return False


def _cycles(name: str, expr: sp.Expr, defs) -> bool:
    """``y = \\sigma(z)`` after ``z = y - t``: the letter now names something computed from
    itself, so it is another quantity than the one the network read so far uses."""
    try:
        return sym(name) in _expand(expr, defs).free_symbols
    except Unknown:
        return False


def _expand(expr: sp.Expr, defs, depth: int = 0) -> sp.Expr:
    if depth > 20:
        raise Unknown("too deep")
    subs = {sym(n): defs[n][1] for n in (s.name for s in expr.free_symbols) if n in defs}
    return _expand(expr.xreplace(subs), defs, depth + 1) if subs else expr


def _substitution(name: str, right: sp.Expr, defs, acts, line: int) -> bool:
    """Whether ``name = right`` restates the definition of ``name`` through names defined
    after it (``z = y - t`` then ``L = z^2/2``); if so, the network takes the new form."""
    if name not in defs:
        return False
    first, old = defs[name]
    later = {s.name for s in right.free_symbols if s.name in defs and defs[s.name][0] > first}
    if not later:
        try:  # the same definition again
            return same_expr(ScalarNet({}, acts, "").real(right), old, defs, acts)
        except Unknown:
            return False
    try:
        new = ScalarNet({}, acts, "").real(right)
        if not same_expr(new, old, defs, acts):
            return False
    except Unknown:
        return False
    defs[name] = (line, new)
    return True


def same_expr(a: sp.Expr, b: sp.Expr, defs, acts) -> bool:
    try:
        ea, eb = _expand(a, defs), _expand(b, defs)
        return sp.simplify(ea - eb) == 0
    except (Unknown, TypeError, ValueError):
        return False
