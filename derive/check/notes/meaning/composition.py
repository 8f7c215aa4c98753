"""The chain rule of one variable in prime notation, before any network.

Notes open with the calculus they will use: ``(f \\circ g)'(x) = f'(g(x))\\, g'(x)``,
``\\{ f(g(x)) \\}' = f'(g(x))\\, g'(x)``, ``f(x)' = c n x^{n-1}`` after ``f(x) = c x^n``, and
then apply it to their own names: with ``z = y - t`` and ``\\mathcal{L} = \\frac{1}{2} z^2``,
``(\\mathcal{L} \\circ z)'(y) = \\mathcal{L}'(z(y))\\, z'(y) = z(y)``. A claim whose left-hand
side is such a derivative (a composition ``(F \\circ G)'(v)``, or a primed application
``F(...)'``) is evaluated in one variable:

- a function the note defines by a formula is that formula, the latest definition written
  before the claim: ``f(x) = c x^n`` of its parameter, ``z = y - t`` of the claim's variable
  (or of a name it composes with: ``\\mathcal{L} = \\frac12 z^2`` is a function of z); a name
  written alone is its definition;
- f, g, h with no definition are any functions: the claim is evaluated for several drawn
  smooth ones, so an identity of the chain rule holds for all of them and a wrong one
  (``f(g'(x))`` for ``g'(x)``) fails;
- every other letter is a number drawn at random (c, n, t, the variable).

The truth is SymPy's derivative of the left-hand side, compared at random points. Correct
when it holds everywhere, wrong when it fails for every drawn function; anything the reading
cannot evaluate (a network quantity, a matrix, an unknown function name) is ``None``.
"""

from __future__ import annotations

import math
import random
import re

import sympy as sp

from .grammar import Atom, Unreadable, clean, parse

ABSTRACT = ("f", "g", "h")
_DRAWS = 3
_POINTS = 3
_BAD_SUP = re.compile(r"[\[\](){}]|\\|T|top|prime")


class _Skip(Exception):
    """Something the one-variable reading does not evaluate."""


def _text(tex: str) -> str:
    return clean(tex).replace("\\{", "(").replace("\\}", ")")


_CALL_LHS = re.compile(r"\s*([A-Za-z])\s*\(\s*([A-Za-z])\s*\)\s*")
_NAME_LHS = re.compile(r"\s*(?:\\mathcal\{([A-Za-z])\}|([A-Za-z]))\s*")


def definitions(stmts) -> list[tuple[int, str, str | None, str]]:
    """(line, name, parameter or None, right-hand side text) of the formulas ``N = ...`` and
    ``F(p) = ...`` of the note, in reading order; a formula whose left-hand side starts with
    another name applied or indexed (``h_\\theta(x) = ...``) gives (line, name, "?", "") so
    that name is never taken for a function of no definition."""
    out = []
    for ms in stmts:
        if len(ms) < 2:
            continue
        lhs = ms[0].text
        call, name = _CALL_LHS.fullmatch(lhs), _NAME_LHS.fullmatch(lhs)
        if call:
            out.append((ms[1].line, call.group(1), call.group(2), ms[1].text))
        elif name:
            letter = name.group(2) or "cal_" + name.group(1)
            out.append((ms[1].line, letter, None, ms[1].text))
        else:
            head = re.match(r"\s*([A-Za-z])(?![A-Za-z])", lhs)
            if head:
                out.append((ms[1].line, head.group(1), "?", ""))
    return out


def _names(defs) -> set[str]:
    return {name for _, name, _, _ in defs}


def _shape(tree):
    """(F, G, v) of ``(F \\circ G)'(v)``; (call tree, None, None) of ``F(...)'``; else None."""
    if tree is None:
        return None
    if tree[0] == "mul" and tree[1] == "juxt" and tree[2][0] == "T" and tree[3][0] == "atom":
        inner = tree[2][1]
        if inner[0] == "mul" and inner[1] == "circ":
            f, g = inner[2], inner[3]
            if f[0] == "atom" and g[0] == "atom":
                return (f[1].name, g[1].name, tree[3][1].name)
    if tree[0] == "T" and tree[1][0] == "call":
        return (tree[1], None, None)
    return None


def _variables(node, out: set[str]) -> None:
    if not isinstance(node, tuple):
        return
    if node[0] == "atom":
        out.add(node[1].name)
    elif node[0] == "call":
        for arg in node[2]:
            _variables(arg, out)
    else:
        for part in node[1:]:
            if isinstance(part, tuple):
                _variables(part, out)
            elif isinstance(part, list):  # the terms of a sum: (sign, term)
                for q in part:
                    signed = isinstance(q, tuple) and len(q) == 2 and isinstance(q[0], int)
                    _variables(q[1] if signed else q, out)


class _Context:
    """The definitions in force at a line, the abstract functions drawn once, the numbers."""

    def __init__(self, defs, line: int, seed: int, variable: str, composed: set[str]):
        self.defs: dict[str, tuple[str | None, str]] = {}
        for ln, name, param, text in defs:
            if ln < line and not (param == "?" and name in self.defs):
                self.defs[name] = (param, text)  # "?" (h_\\theta(x) = ...) keeps a formula
            elif name in ABSTRACT and name not in self.defs:  # f defined later: not any f
                self.defs[name] = ("?", "")
        self.variable, self.composed = variable, composed
        self.functions = set(self.defs) | set(ABSTRACT)
        rng = random.Random(seed)
        self.coef = {f: [rng.uniform(0.5, 1.5) for _ in range(3)] for f in ABSTRACT}
        self.symbols: dict[str, sp.Symbol] = {}
        self.drawn: set[str] = set()  # the functions of no definition, drawn
        self.depth = 0

    def sym(self, name: str) -> sp.Symbol:
        return self.symbols.setdefault(name, sp.Symbol(name, positive=True))

    def tree(self, text: str):
        try:
            return parse(_text(text), self.functions)
        except (Unreadable, RecursionError, IndexError, ValueError) as e:
            raise _Skip(str(e)) from None

    def function(self, name: str, want: set[str] | None = None) -> tuple[sp.Symbol, sp.Expr]:
        """(parameter, body) of a function of one variable; ``want``: the names its formula
        may be a function of (default: the claim's variable and the names it composes with)."""
        u = sp.Dummy("u", positive=True)
        if name in self.defs:
            param, text = self.defs[name]
            if param == "?":
                raise _Skip(f"the function {name}")
            if param is not None:
                return u, self.expr(self.tree(text), bound={param: u})
            # a name defined by a formula: a function of the one name its formula holds of
            # those it may be a function of (the names composed with stay themselves in it)
            want = want if want is not None else {self.variable, *self.composed}
            kept = {n: self.sym(n) for n in self.composed}
            body = self.expr(self.tree(text), bound=kept)
            held = [s for s in body.free_symbols if s.name in want]
            if len(held) != 1 or any(s.name in self.composed - want for s in body.free_symbols):
                raise _Skip(f"the variable of {name}")
            return u, body.xreplace({held[0]: u})
        if name in ABSTRACT:
            self.drawn.add(name)
            a, b, c = self.coef[name]
            shapes = {"f": sp.sin(a * u) + b * u**2, "g": sp.exp(a * u / 2) + b * u,
                      "h": sp.log(1 + a * u**2) + b * u}  # fmt: skip
            return u, shapes[name] + c
        raise _Skip(f"the function {name}")

    def expr(self, node, bound=None) -> sp.Expr:
        bound = bound or {}
        self.depth += 1
        try:
            if self.depth > 40:
                raise _Skip("too deep")
            return self._expr(node, bound)
        finally:
            self.depth -= 1

    def _expr(self, node, bound) -> sp.Expr:
        kind = node[0]
        if kind == "num":
            return sp.nsimplify(node[1])
        if kind == "atom":
            a: Atom = node[1]
            if a.sub or a.T or a.primes:
                raise _Skip("an indexed or primed name")
            if a.name in bound:
                base = bound[a.name]
            elif a.name in self.defs and self.defs[a.name][0] is None:
                base = self.expr(self.tree(self.defs[a.name][1]))
            elif a.name in ABSTRACT or a.name in self.defs:
                raise _Skip(f"the function {a.name} without an argument")
            elif len(a.name) == 1 and a.name.isalpha():
                base = self.sym(a.name)
            else:
                raise _Skip(f"the name {a.name}")
            if a.sup:
                if _BAD_SUP.search(a.sup):
                    raise _Skip("a superscript")
                base = base ** self.expr(self.tree(a.sup), bound)
            return base
        if kind == "call":
            f: Atom = node[1]
            if f.sub or f.sup or len(node[2]) != 1:
                raise _Skip("a call")
            arg = self.expr(node[2][0], bound)
            u, body = self.function(f.name)
            return (
                sp.diff(body, u, f.primes).xreplace({u: arg})
                if f.primes
                else body.xreplace({u: arg})
            )
        if kind == "add":
            return sp.Add(*[sign * self.expr(t, bound) for sign, t in node[1]])
        if kind == "mul" and node[1] in ("juxt", "cdot", "times", "star", "ast"):
            return self.expr(node[2], bound) * self.expr(node[3], bound)
        if kind == "div":
            return self.expr(node[1], bound) / self.expr(node[2], bound)
        if kind == "pow":
            return self.expr(node[1], bound) ** self.expr(node[2], bound)
        if kind == "neg":
            return -self.expr(node[1], bound)
        raise _Skip(f"a {kind}")


def _lhs_value(ctx: _Context, shape) -> sp.Expr:
    f, g, v = shape
    if g is not None:  # (F o G)'(v)
        x = ctx.sym(v)
        uf, bf = ctx.function(f, {g})
        ug, bg = ctx.function(g, {v})
        return sp.diff(bf.xreplace({uf: bg.xreplace({ug: x})}), x)
    inner = ctx.expr(f)
    return sp.diff(inner, ctx.sym(ctx.variable))


def judge(defs, lhs_text: str, rhs_text: str, line: int) -> tuple[str, str] | None:
    """("correct" | "wrong", message) of ``lhs = rhs`` read in one variable, or None."""
    names = _names([d for d in defs if d[0] < line]) | set(ABSTRACT)
    try:
        lhs = parse(_text(lhs_text), names)
        rhs = parse(_text(rhs_text), names)
    except (Unreadable, RecursionError, IndexError, ValueError):
        return None
    shape = _shape(lhs)
    if shape is None:
        return None
    if shape[1] is None:  # F(...)': the derivative by the one variable its arguments hold
        held: set[str] = set()
        _variables(shape[0], held)
        held -= names
        if len(held) != 1:
            return None
        variable, composed = held.pop(), set()
    else:
        variable, composed = shape[2], {shape[1]}
    abstract = False
    outcomes = []
    for seed in range(_DRAWS):
        ctx = _Context(defs, line, seed, variable, composed)
        try:
            left = _lhs_value(ctx, shape)
            right = ctx.expr(rhs)
        except (_Skip, TypeError, ValueError, ZeroDivisionError):
            return None
        abstract |= bool(ctx.drawn)
        free = (left.free_symbols | right.free_symbols) - set(ctx.symbols.values())
        if free:
            return None
        rng = random.Random(1000 + seed)
        same = []
        for _ in range(_POINTS):
            point = {s: rng.uniform(0.6, 1.4) for s in ctx.symbols.values()}
            try:
                a, b = complex(left.evalf(subs=point)), complex(right.evalf(subs=point))
            except (TypeError, ValueError, ZeroDivisionError):
                return None
            if not all(math.isfinite(z.real) and math.isfinite(z.imag) for z in (a, b)):
                return None
            same.append(abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)))
        outcomes.append(all(same) if all(same) or not any(same) else None)
        if not abstract:
            break  # no drawn function: one draw of the numbers says it
    if all(o is True for o in outcomes):
        return "correct", ""
    if all(o is False for o in outcomes):
        if abstract:
            return "wrong", "the two sides differ for every drawn function f, g (the chain rule)"
        left, right = sp.simplify(left), sp.simplify(right)
        return "wrong", f"the two sides differ: the left-hand side is {left}, the right {right}"
    return None
