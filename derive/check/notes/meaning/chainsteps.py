"""A per-variable derivation written as a chain of displays: each member against the ones before.

Blog posts and course notes derive one weight's gradient as a long chain, one member a display,
the cost's sum over the samples carried through every step (``\\nabla E(w_{1,1}) =
\\frac{\\partial}{\\partial w_{1,1}} \\frac12 \\sum_{i=1}^{M} (y^{(i)} - t^{(i)})^2 = \\frac12
\\sum_{i=1}^{M} 2 (y^{(i)} - t^{(i)}) \\frac{\\partial}{\\partial w_{1,1}} (y^{(i)} - t^{(i)}) =
\\sum_{i=1}^{M} (y^{(i)} - t^{(i)}) \\frac{\\partial}{\\partial w_{1,1}} y^{(i)} = \\dots``).
Without binding any name to a network, each step is judged by calculus: the members are
evaluated on random instances, every name a random affine function of the one variable the
chain differentiates by (or a constant), each function letter (``g``; ``g_j`` is ``g``) a
random smooth function with its derivative ``g'``, a sum's index running over its bound (drawn
anew each time), so an entry ``\\hat w_j`` of a sum is the variable itself where j names its
entry. ``\\nabla E(w)`` and ``\\partial E/\\partial w`` are derivatives of the cost the note
defines last above the chain. A step that writes a name out and changes nothing else
(``\\frac{\\partial}{\\partial w} y^{(i)}``, then ``\\frac{\\partial}{\\partial w}
g(\\hat r^{(i)})``) is the note's definition of that name (the same wherever it writes it out),
used from there on.

The readings of which names move with the variable: all of them, none (but the names the note
writes out, through their definitions), or all but one name of the cost (its target
``t^{(i)}``). A member is correct when it equals the chain's left-hand side, or a member judged
correct before it, under one reading (and is not zero there on both sides). It is WRONG when
it equals none of them under any reading and, under one reading, is the same number c (not 0,
not 1) times one of them at every draw: a factor kept or lost (``\\frac12 \\sum (y - t) \\dots``
once the 2 has gone: half the gradient); or when it holds once an index inside an inner sum
that has the letter of an enclosing sum is the inner sum's own (``\\sum_j g(r_j) \\hat w_i``
inside ``\\sum_i``). Anything else is None.
"""

from __future__ import annotations

import dataclasses
import math
import random
import re

from .grammar import COSTS, Atom

_H = 1e-5
_DRAWS = 4


class _Skip(Exception):
    """Not a scalar chain member of this kind."""


_KNOWN = {
    "exp": (math.exp, math.exp),
    "log": (math.log, lambda t: 1 / t),
    "ln": (math.log, lambda t: 1 / t),
    "tanh": (math.tanh, lambda t: 1 - math.tanh(t) ** 2),
    "sigma": (
        lambda t: 1 / (1 + math.exp(-t)),
        lambda t: math.exp(-t) / (1 + math.exp(-t)) ** 2,
    ),
}
_MULS = ("cdot", "juxt", "times", "star")


def _subst(text: str | None, env_idx: dict) -> str | None:
    if text is None:
        return None
    out = re.sub(r"[A-Za-z]", lambda m: str(env_idx.get(m.group(), m.group())), text)
    return out.replace(" ", "")


class _Draw:
    """One random instance: names as affine functions of the variable, functions, bounds. Each
    value is drawn from the instance's seed and the name alone, so every member of a chain
    sees the same instance whatever order it meets the names in."""

    def __init__(self, seed: str, var: str, still: frozenset, moving_all: bool):
        self.seed, self.var, self.still, self.moving_all = seed, var, still, moving_all
        self.drawn: dict[tuple, tuple] = {}

    def _rng(self, *what: str) -> random.Random:
        return random.Random("|".join((self.seed, *what)))

    def _pair(self, key: str) -> tuple:
        if ("name", key) not in self.drawn:
            rng = self._rng("name", key)
            self.drawn[("name", key)] = (rng.uniform(-1, 1), rng.uniform(-1, 1))
        return self.drawn[("name", key)]

    def name(self, key: str, base: str, v: float) -> float:
        if key == self.var:
            return v
        a, b = self._pair(key)
        moves = self.moving_all and base not in self.still
        return a + (b * v if moves else 0.0)

    def func(self, name: str, primes: int, x: float) -> float:
        if name in _KNOWN and primes <= 1:
            return _KNOWN[name][primes](x)
        if primes > 1:
            raise _Skip
        if ("function", name) not in self.drawn:
            rng = self._rng("function", name)
            self.drawn[("function", name)] = (rng.uniform(0.5, 1.5), rng.uniform(-1, 1),
                                              rng.uniform(0.5, 1.5))  # fmt: skip
        a, b, c = self.drawn[("function", name)]
        if primes:  # c tanh(a x + b) + x/2: smooth, never constant, and its derivative
            return c * a * (1 - math.tanh(a * x + b) ** 2) + 0.5
        return c * math.tanh(a * x + b) + 0.5 * x

    def bound(self, hi: str | None) -> int:
        key = (hi or "?").replace(" ", "")
        return int(key) if key.isdigit() else self._rng("bound", key).randint(2, 4)


def _key(a: Atom, idx: dict) -> tuple[str, str]:
    if a.T:
        raise _Skip
    sub, sup, ex = _subst(a.sub, idx), _subst(a.sup, idx), _subst(a.ex, idx)
    key = a.name + (f"_{{{sub}}}" if sub else "") + (f"^{{{sup}}}" if sup else "")
    key += f"^{{({ex})}}" if ex else ""  # y^{(i)}: an example's value (examples.py)
    return key + "'" * a.primes, a.name


def _value(node, d: _Draw, v: float, idx: dict, costs: dict) -> float:
    kind = node[0]
    if kind == "num":
        return float(node[1])
    if kind == "atom":
        a = node[1]
        if len(a.name) == 1 and a.name.isupper() and a.name not in COSTS:
            raise _Skip  # a capital names a matrix: products would not commute
        if a.name in costs and not (a.sub or a.sup or a.primes or a.ex):
            return _value(costs[a.name], d, v, idx, costs)  # the cost E as the note defines it
        key, base = _key(a, idx)
        for atom, expr, _ in getattr(costs, "defs", ()):
            if _key(atom, idx)[0] == key:  # a name the note's chain wrote out
                return _value(expr, d, v, idx, costs)
        return d.name(key, base, v)
    if kind == "add":
        return sum(s * _value(t, d, v, idx, costs) for s, t in node[1])
    if kind == "mul":
        if node[1] not in _MULS:
            raise _Skip
        if _is_grad(node):
            return _derivative(costs[node[3][1].name], node[3][2][0], d, v, idx, costs)
        return _value(node[2], d, v, idx, costs) * _value(node[3], d, v, idx, costs)
    if kind == "div":
        return _value(node[1], d, v, idx, costs) / _value(node[2], d, v, idx, costs)
    if kind == "pow":
        e = _value(node[2], d, v, idx, costs)
        if node[2][0] != "num":
            raise _Skip
        return _value(node[1], d, v, idx, costs) ** e
    if kind == "call":
        a = node[1]
        if len(node[2]) != 1 or a.T or a.sup:
            raise _Skip
        arg = node[2][0]
        # g_j(r_j): unit j's activation, the same g for every unit; f_L(u^l) is another function
        own = arg[0] == "atom" and (arg[1].sub or "").replace(" ", "") == (a.sub or "")
        name = a.name if not a.sub or own else f"{a.name}_{{{a.sub}}}"
        return d.func(name, a.primes, _value(arg, d, v, idx, costs))
    if kind == "sum":
        _, var, exclude, body, hi = node
        if exclude is not None or var is None:
            raise _Skip
        total = 0.0
        for k in range(1, d.bound(hi) + 1):
            total += _value(body, d, v, {**idx, var: k}, costs)
        return total
    if kind == "d":
        _, num, den, operand = node
        target = operand if num is None else num
        if target is None or operand is not None and num is not None:
            raise _Skip
        return _derivative(target, den, d, v, idx, costs)
    raise _Skip


def _derivative(target, den, d: _Draw, v: float, idx: dict, costs: dict) -> float:
    if den[0] != "atom" or _key(den[1], idx)[0] != d.var:
        raise _Skip  # a derivative by another name: the chain's one variable only
    up = _value(target, d, v + _H, idx, costs)
    down = _value(target, d, v - _H, idx, costs)
    return (up - down) / (2 * _H)


def _is_grad(node) -> bool:
    """``\\nabla E(w)``: the derivative of the note's cost E by w."""
    return (
        node[0] == "mul"
        and node[2] == ("atom", Atom("nabla"))
        and node[3][0] == "call"
        and not node[3][1].sub
        and len(node[3][2]) == 1
        and node[3][2][0][0] == "atom"
    )


def _variable(trees, costs: dict) -> tuple[str, str] | None:
    """The one weight the chain differentiates by (every derivative's denominator)."""
    found = set()

    def walk(n):
        if not isinstance(n, tuple) or not n:
            return
        if n[0] == "d" and n[2] is not None and n[2][0] == "atom":
            found.add((_key(n[2][1], {})[0], n[2][1]))
        if n[0] == "mul" and _is_grad(n):
            if n[3][1].name not in costs:
                raise _Skip
            found.add((_key(n[3][2][0][1], {})[0], n[3][2][0][1]))
        for c in n[1:]:
            if isinstance(c, tuple):
                walk(c)
            elif isinstance(c, list):
                for x in c:
                    walk(x[1] if isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], int)
                         else x)  # fmt: skip

    for t in trees:
        walk(t)
    keys = {k for k, _ in found}
    return next(iter(found)) if len(keys) == 1 else None


def _free(var: Atom) -> list[str]:
    """The entry letters of the variable (``w_{jk}``: j, k), set to numbers at each draw so
    that a sum's terms meet it (``\\sum_m w_{jm} a_m`` by ``w_{jk}`` is ``a_k``)."""
    marks = [m for m in (var.sub, var.sup) if m]
    if not marks or not all(re.fullmatch(r"[a-z,\s]+", m) for m in marks):
        return []
    return sorted({c for m in marks for c in m if c in "ijklmnpqrs"})


class Known(dict):
    """The note's costs by letter (``E(w) = \\frac12 \\sum_i (\\dots)^2``, the latest of each),
    and in ``defs`` the names its chains write out: [(atom, expression, line)]."""

    defs: list = []
    lines: list = []  # (line, letter, expression) of every cost definition
    members: list = []  # (left-hand side, line, member) of every formula


def known(stmts) -> Known:
    out = costs_of(stmts)
    out.defs = substitutions(stmts)
    out.members = [
        (ms[0].tree, m.line, m.tree)
        for ms in stmts
        if len(ms) > 1 and ms[0].tree is not None
        for m in ms[1:]
        if m.tree is not None
    ]
    return out


def substitutions(stmts) -> list:
    """A step from one member to the next that writes a name out and changes nothing else
    (``\\sum_i (y^{(i)} - t^{(i)}) \\frac{\\partial}{\\partial w} y^{(i)}`` then ``\\dots
    \\frac{\\partial}{\\partial w} g(\\hat r^{(i)})``) is how the note defines that name: y^{(i)}
    is g(\\hat r^{(i)}) from there on. Members are taken in order among the claims about one
    left-hand side. A name written out two ways is no definition."""
    seqs: dict[str, list] = {}
    for ms in stmts:
        if len(ms) < 2:
            continue
        seq = seqs.setdefault(ms[0].text.replace(" ", ""), [])
        for m in ms[1:]:
            if m.tree is not None and all(m is not x for x in seq):
                seq.append(m)
    found: dict[str, list] = {}
    for seq in seqs.values():
        for a, b in zip(seq, seq[1:], strict=False):
            diffs: list = []
            if _diff(a.tree, b.tree, diffs) and diffs:
                for atom, expr in diffs:
                    found.setdefault(atom.show(), []).append((atom, expr, b.line))
    out = []
    for name, uses in found.items():
        first = _plain_calls(uses[0][1])  # g_j(r_j) and g(r_j): one function (g_j is g)
        same = all(_plain_calls(u[1]) == first for u in uses)
        if same and name not in _shown_atoms(uses[0][1]):
            out.append(uses[0])
    return out


def _plain_calls(tree):
    if isinstance(tree, tuple) and tree[:1] == ("call",):
        head = dataclasses.replace(tree[1], sub=None)
        return ("call", head, [_plain_calls(x) for x in tree[2]])
    if isinstance(tree, tuple):
        return tuple(_plain_calls(x) for x in tree)
    if isinstance(tree, list):
        return [_plain_calls(x) for x in tree]
    return tree


def _shown_atoms(tree) -> set[str]:
    out: set[str] = set()

    def walk(n):
        if isinstance(n, tuple) and n and n[0] == "atom":
            out.add(n[1].show())
        elif isinstance(n, (tuple, list)):
            for c in n:
                walk(c)

    walk(tree)
    return out


_EXPRS = ("call", "add", "mul", "sum", "div", "pow")


def _diff(a, b, out: list) -> bool:
    """``a`` and ``b`` alike except where ``a`` has a name and ``b`` an expression."""
    if a == b:
        return True
    if isinstance(a, tuple) and a[:1] == ("atom",) and isinstance(b, tuple) and b[:1] != ():
        if b[0] in _EXPRS:
            out.append((a[1], b))
            return True
        return False
    if type(a) is not type(b) or not isinstance(a, (tuple, list)) or len(a) != len(b):
        return False
    return all(_diff(x, y, out) for x, y in zip(a, b, strict=True))


def costs_of(stmts) -> Known:
    """The note's cost letters defined by one expression: ``E(w) = \\frac12 \\sum_i (\\dots)^2``
    (the latest definition of each)."""
    out = Known()
    out.lines = []
    for ms in stmts:
        if len(ms) != 2 or ms[0].tree is None or ms[1].tree is None:
            continue
        t = ms[0].tree
        head = t[1] if t[0] in ("atom", "call") else None
        if head is not None and head.name in COSTS and not (head.sub or head.sup or head.primes):
            out[head.name] = ms[1].tree
            out.lines.append((ms[1].line, head.name, ms[1].tree))
    return out


def _before(known: Known, line: int) -> Known:
    """The costs in force at ``line``: each letter's latest definition above it."""
    out = Known()
    out.defs = getattr(known, "defs", [])
    out.members = getattr(known, "members", [])
    for at, name, tree in getattr(known, "lines", []):
        if at < line:
            out[name] = tree
    return out


def _cost_names(costs: dict) -> set[str]:
    out: set[str] = set()

    def walk(n):
        if isinstance(n, tuple) and n:
            if n[0] == "atom":
                out.add(n[1].name)
            for c in n[1:]:
                if isinstance(c, (tuple, list)):
                    walk(c) if isinstance(c, tuple) else [walk(x) for x in c]

    for t in costs.values():
        walk(t)
    return out


def _values(tree, var, reading, costs, seed) -> list[float] | None:
    still, moving_all = reading
    vals = []
    try:
        for k in range(_DRAWS):
            d = _Draw(f"{seed}/{k}", "", still, moving_all)
            idx = {c: d._rng("entry", c).randint(1, 2) for c in _free(var)}
            d.var = _key(var, idx)[0]
            v = d._rng("variable").uniform(-1, 1)
            vals.append(_value(tree, d, v, idx, costs))
    except (_Skip, KeyError):
        raise
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return vals if all(math.isfinite(x) for x in vals) else None


def judge(chain, cur, costs: dict, cur_line: int = 0) -> tuple[str, str, str] | None:
    """(verdict, why, reading) for ``cur``, the next member of ``chain`` (its left-hand side
    first, then the members before ``cur``, as (line, tree)); None when not judged here."""
    trees = [t for _, t in chain if t is not None]
    if cur is None or len(trees) != len(chain) or len(trees) < 1:
        return None
    if isinstance(costs, Known) and costs.lines:
        costs = _before(costs, chain[0][0])
    try:
        found = _variable([*trees, cur], costs)
        if found is None:
            return None
        _, var = found
        names = sorted(_cost_names(costs))
        readings = [(frozenset(), True), (frozenset(), False)]
        readings += [(frozenset({n}), True) for n in names if n not in ("nabla",)]
        memo: dict = {}

        def vals(k, r):
            if (k, r) not in memo:
                tree = cur if k == len(trees) else trees[k]
                memo[(k, r)] = _values(tree, var, readings[r], costs, 1000 * r + 17)
            return memo[(k, r)]

        trusted = [0]
        for k in range(1, len(trees) + 1):
            held = None
            for r in range(len(readings)):
                for j in trusted:
                    a, b = vals(j, r), vals(k, r)
                    if a is None or b is None:
                        continue
                    if max(abs(x) for x in a + b) < 1e-6:
                        continue  # zero on both sides: says nothing
                    if _same(a, b):
                        held = (j, r)
                        break
                if held:
                    break
            if k == len(trees):
                if held:
                    j = held[0]
                    how = _reading(readings[held[1]], chain[j][0] if j else None)
                    line = getattr(cur_line, "line", cur_line)
                    named = [a.show() for a, _, at in getattr(costs, "defs", ()) if at == line]
                    if named:  # the step that writes the name out: the note's definition
                        how += f"; {', '.join(named)} written out as the note defines it here"
                    return "correct", "", how
                return (
                    _factor(trusted, readings, vals, chain, k)
                    or _index_slip(cur, var, trees, trusted, readings, costs, chain)
                    or _dropped(cur, var, trees, trusted, readings, costs, chain, cur_line)
                )
            if held:
                trusted.append(k)
    except (_Skip, KeyError, RecursionError):
        return None
    return None


def _factor(trusted, readings, vals, chain, k):
    """WRONG when ``k`` equals no trusted member under any reading (the caller found none) and
    is c times one of them under a reading, c a number other than 1, at every draw."""
    for j in reversed(trusted):
        for r in range(len(readings)):
            a, b = vals(j, r), vals(k, r)
            if a is None or b is None or any(abs(x) < 1e-6 for x in a):
                continue
            ratios = [y / x for x, y in zip(a, b, strict=True)]
            c = ratios[0]
            steady = all(abs(q - c) <= 1e-6 * (1 + abs(c)) for q in ratios)
            if abs(c - 1) < 1e-4 or abs(c) < 1e-3 or not steady:  # 0: a name not read
                continue
            shown = _fraction(c)
            where = f"the member on line {chain[j][0]}" if j else "the left-hand side"
            why = (
                f"this member is {shown} times {where} ({_how(readings[r])}): "
                f"a factor {shown} kept or lost in the step"
            )
            return "wrong", why, "each step by calculus"
    return None


def _index_slip(cur, var, trees, trusted, readings, costs, chain):
    """WRONG, named, when the member holds once one index inside a sum is the sum's own letter
    where it has the letter of an enclosing sum (``\\sum_j g(r_j) \\hat w_i`` inside
    ``\\sum_i``: \\hat w_j meant), under a reading where the member as written holds not."""
    for edited, atom, letter in _slips(cur, set()):
        for r, reading in enumerate(readings):
            b = _values(edited, var, reading, costs, 1000 * r + 17)
            if b is None:
                continue
            for j in trusted:
                a = _values(trees[j], var, reading, costs, 1000 * r + 17)
                if a is None or max(abs(x) for x in a + b) < 1e-6:
                    continue
                if _same(a, b):
                    where = f"the member on line {chain[j][0]}" if j else "the left-hand side"
                    why = (
                        f"{atom.show()} inside the sum over {letter}: with "
                        f"{_renamed(atom, letter).show()} the member is {where} "
                        f"({_how(reading)})"
                    )
                    return "wrong", why, "each step by calculus"
    return None


def _renamed(atom: Atom, letter: str) -> Atom:
    sub = atom.sub
    outer = [c for c in (sub or "") if c.isalpha()]
    return dataclasses.replace(atom, sub=sub.replace(outer[0], letter)) if outer else atom


def _slips(node, outer: set, inner: str | None = None):
    """Each copy of ``node`` with one atom's subscript letter, bound by an enclosing sum (not
    the innermost), set to the innermost sum's letter; with the atom and that letter."""
    if not isinstance(node, tuple) or not node:
        return
    if node[0] == "atom":
        a = node[1]
        letters = [c for c in (a.sub or "") if c.isalpha()]
        if inner and len(letters) == 1 and letters[0] in outer and letters[0] != inner:
            yield ("atom", _renamed(a, inner)), a, inner
        return
    if node[0] == "sum":
        _, var, exclude, body, hi = node
        bound = outer | ({inner} if inner else set())
        for b, a, letter in _slips(body, bound, var):
            yield ("sum", var, exclude, b, hi), a, letter
        return
    for k, child in enumerate(node):
        if isinstance(child, tuple):
            for c, a, letter in _slips(child, outer, inner):
                yield (*node[:k], c, *node[k + 1 :]), a, letter
        elif isinstance(child, list):
            for n, x in enumerate(child):
                item = x[1] if isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], int) else x
                for c, a, letter in _slips(item, outer, inner):
                    new = (x[0], c) if item is not x else c
                    yield (*node[:k], [*child[:n], new, *child[n + 1 :]], *node[k + 1 :]), a, letter


def _dropped(cur, var, trees, trusted, readings, costs, chain, line):
    """WRONG, named, when the member holds once a factor of a member found right, one outside
    its derivatives, multiplies it again: ``\\sum_i (y - t) g(r_1)`` after ``\\sum_i (y - t)
    g'(\\hat r) \\frac{\\partial}{\\partial w} (g(r_1) w + b)``, g'(\\hat r) left out. (The caller
    found the member equal to none of them.)"""
    mine = _factors(cur)
    if mine is None:
        return None
    # the factors the steps before it carry: this chain's, and earlier claims about its left
    earlier = [t for lhs, at, t in getattr(costs, "members", ()) if lhs == trees[0] and at < line]
    carried = []
    # (never the left-hand side's own: a remark read as a name, \\text{recall}, multiplies it)
    for t in [*[trees[j] for j in trusted if j], *earlier[-1:]]:
        theirs = _factors(t)
        if theirs is not None and theirs[0] == mine[0]:
            carried += [f for f in theirs[1] if f not in carried]
    for j in reversed(trusted):
        for f in carried:
            if f[0] == "num" or _has_d(f) or f in mine[1] or _word(f):
                continue
            edited = ("mul", "cdot", f, mine[2])
            for var_, exclude, hi in reversed(mine[0]):
                edited = ("sum", var_, exclude, edited, hi)
            for r, reading in enumerate(readings):
                a = _values(trees[j], var, reading, costs, 1000 * r + 17)
                b = _values(edited, var, reading, costs, 1000 * r + 17)
                if a is None or b is None or max(abs(x) for x in a + b) < 1e-6:
                    continue
                if _same(a, b):
                    where = f"the member on line {chain[j][0]}" if j else "the left-hand side"
                    shown = _show(f)
                    what = f"the factor {shown}" if shown else "a factor"
                    why = f"{what} of {where} is missing ({_how(reading)})"
                    return "wrong", why, "each step by calculus"
    return None


def _word(node) -> bool:
    """A bare word read as a name (``\\text{so}``, ``hence``): a remark, never a factor."""
    if node[0] != "atom":
        return False
    a = node[1]
    return len(a.name) > 2 and a.name.isalpha() and not (a.sub or a.sup or a.ex)


def _has_d(node) -> bool:
    if not isinstance(node, (tuple, list)):
        return False
    if isinstance(node, tuple) and node[:1] == ("d",):
        return True
    if isinstance(node, tuple) and node[:1] == ("atom",) and node[1].name == "nabla":
        return True
    return any(_has_d(c) for c in node)


def _factors(node):
    """(the sums it stands in, its factors, their product) of a product, maybe in sums."""
    sums = []
    while node[0] == "sum":
        _, var, exclude, body, hi = node
        sums.append((var, exclude, hi))
        node = body
    out: list = []

    def walk(n):
        if n[0] == "mul" and n[1] in _MULS:
            walk(n[2])
            walk(n[3])
        else:
            out.append(n)

    walk(node)
    return (tuple(sums), out, node)


def _show(node) -> str:
    if node[0] == "atom":
        return node[1].show()
    if node[0] == "call" and len(node[2]) == 1 and node[2][0][0] == "atom":
        a = node[1]
        return f"{a.show()}({node[2][0][1].show()})"
    return ""


def _same(a: list[float], b: list[float]) -> bool:
    return all(abs(x - y) <= 1e-5 * (1 + abs(x) + abs(y)) for x, y in zip(a, b, strict=True))


def _fraction(c: float) -> str:
    for den in range(1, 9):
        num = round(c * den)
        if abs(num / den - c) < 1e-6:
            return str(num) if den == 1 else f"{num}/{den}"
    return f"{c:.4g}"


def _reading(reading, line) -> str:
    where = f"line {line}" if isinstance(line, int) else "its left-hand side"
    return f"each step by calculus, equal to {where}, {_how(reading)}"


def _how(reading) -> str:
    still, moving = reading
    if not moving:
        how = "the other names constant in the variable"
    elif still:
        how = f"{', '.join(sorted(still))} constant in the variable (the target)"
    else:
        how = "every name a function of the variable"
    return how
