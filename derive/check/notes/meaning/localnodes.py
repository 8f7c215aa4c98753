"""Computational-graph nodes and their local derivatives, one small example per section.

Notes after "Deep Learning from Scratch" (and its many retellings, in Korean, Japanese and
Chinese) teach backpropagation node by node before any network: each section writes one node
of scalars and its local derivative, and reuses the letters in the next section:
``t = x + y``, ``z = t^2``, then ``\\frac{\\partial z}{\\partial t} = 2t``; ``z = xy``, then
``\\frac{\\partial z}{\\partial x} = y``; ``y = \\frac{1}{x}``, then ``\\frac{\\partial
y}{\\partial x} = -\\frac{1}{x^2} = -y^2``; the gradient from upstream written as an opaque
factor, ``\\frac{\\partial L}{\\partial y} y^2 \\exp(-x) = \\frac{\\partial L}{\\partial y}
y(1 - y)``. A node's names are the section's, not the note's network.

The reading: a definition ``v = E`` of a plain scalar name (no capital single letter, no
transpose) by a scalar expression (names, numbers, + - * /, powers by numbers, exp, log,
tanh, the sigmoid) stands for the rest of its section (from one heading to the next). A claim
of the section with a Leibniz derivative in it is evaluated on random values of the section's
leaves (the names it never defines): a defined name is its definition, ``\\partial v /
\\partial u`` the central finite difference of v's definition in u (u held where it is itself
defined), a derivative of a name the section does not define (``\\partial L/\\partial y``, the
gradient from upstream) an arbitrary number, allowed only where every member writes the same
such factors. A name the section neither defines nor uses in a definition is not read here.

Correct when the claim holds at every draw under some choice among the section's definitions
of each name (a section may define y twice, once per node of a list). WRONG only when the
section defines each name the claim uses exactly once, every definition read, and the claim
fails at every draw: then it is calculus on the note's own node. Anything else: None.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from dataclasses import dataclass, field

from .grammar import Atom, Unreadable, clean, parse

_HEADING = re.compile(r"\s{0,3}#{1,6}\s|\s*\\(?:sub)*section\*?\{|\s*\\paragraph\*?\{")
_H = 1e-6
_DRAWS = 4
_MAX_COMBOS = 32
_MULS = ("cdot", "juxt", "times", "star")


def _sigmoid(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


_FUNCS = {
    "sigma": _sigmoid,
    "sigmoid": _sigmoid,
    "exp": math.exp,
    "tanh": math.tanh,
    "log": math.log,
    "ln": math.log,
}


# a case written after its value in parentheses, as the book writes ReLU:
# ``y = x \ (x > 0)``, ``\frac{\partial y}{\partial x} = 0 \ (x \le 0)``
_CASE = re.compile(
    r"^(?P<body>.+?)\\?\s*\(\s*(?P<var>[a-z])\s*(?P<op>\\leq?|\\geq?|\\leqslant|\\geqslant|"
    r"\\lt|\\gt|<=?|>=?)\s*(?P<thr>-?\d+(?:\.\d+)?)\s*\)\s*[.,]?\s*$"
)


def _case(text: str):
    """(value tree, (variable, "<" or ">", threshold)) of a value written with its case in
    parentheses, else None."""
    m = _CASE.match(text.strip())
    if m is None:
        return None
    try:
        tree = parse(clean(m.group("body").rstrip("\\ ")))
    except (Unreadable, RecursionError, IndexError, ValueError):
        return None
    op = "<" if ("l" in m.group("op") or "<" in m.group("op")) else ">"
    return tree, (m.group("var"), op, float(m.group("thr")))


class _Skip(Exception):
    """Not a scalar node claim of this kind."""


@dataclass
class Nodes:
    heads: list[int] = field(default_factory=list)
    # (section, name) -> [((line, statement index), definition tree or None when not read)]
    defs: dict[tuple[int, str], list[tuple[int, object]]] = field(default_factory=dict)
    order: dict[int, int] = field(default_factory=dict)  # id(first member) -> statement index


def _section(heads: list[int], line: int) -> int:
    return max((h for h in heads if h <= line), default=0)


def _power(a: Atom) -> float:
    """The power a numeric superscript writes (``y^2``), 1 without one."""
    if a.sup is None:
        return 1.0
    if re.fullmatch(r"\d", a.sup):
        return float(a.sup)
    raise _Skip


def _key(a: Atom) -> str:
    if a.T or a.primes or a.ex or (len(a.name) == 1 and a.name.isupper()):
        raise _Skip
    return Atom(a.name, a.sub, None).show()


def _names(node, out: set, opaque: set) -> None:
    """The scalar names a tree uses; the (numerator, variable) of its derivatives in opaque."""
    kind = node[0]
    if kind == "atom":
        _power(node[1])
        out.add(_key(node[1]))
    elif kind == "num":
        return
    elif kind == "add":
        for _, t in node[1]:
            _names(t, out, opaque)
    elif kind == "mul":
        if node[1] not in _MULS:
            raise _Skip
        _names(node[2], out, opaque)
        _names(node[3], out, opaque)
    elif kind == "div":
        _names(node[1], out, opaque)
        _names(node[2], out, opaque)
    elif kind == "pow":
        if node[2][0] != "num":
            raise _Skip
        _names(node[1], out, opaque)
    elif kind == "call":
        a = node[1]
        if a.name not in _FUNCS or a.primes or a.sub or a.sup or len(node[2]) != 1:
            raise _Skip
        _names(node[2][0], out, opaque)
    elif kind == "cases":  # a definition by cases: its values and the names they test
        for var, _, _, tree in node[1]:
            out.add(var)
            _names(tree, out, opaque)
    elif kind == "d":
        num, den = node[1], node[2]
        if node[3] is not None or num is None or num[0] != "atom" or den[0] != "atom":
            raise _Skip
        if num[1].sup or den[1].sup:
            raise _Skip
        opaque.add((Atom(num[1].name, num[1].sub, None).show(), _key(den[1])))
    else:
        raise _Skip


def collect(segments, stmts, moved=()) -> Nodes:
    """The note's sections and the scalar definitions each of them writes; ``moved`` are
    statements read elsewhere (a layer of its own, gates.py) whose definitions count too."""
    nodes = Nodes(heads=sorted(s.line for s in segments if s.kind == "text" and
                               _HEADING.match(s.text)))  # fmt: skip
    for index, ms in enumerate(stmts):
        nodes.order[id(ms[0])] = index
    for index, ms in [*enumerate(stmts), *((-1, ms) for ms in moved)]:
        if len(ms) < 2 or ms[0].tree is None or ms[0].tree[0] != "atom":
            continue
        a = ms[0].tree[1]
        if a.sup is not None:
            continue
        try:
            name = _key(a)
        except _Skip:
            continue
        tree = ms[1].tree
        piece = _case(ms[1].text) if tree is None and not ms[1].cond else None
        if piece is not None:
            sect = _section(nodes.heads, ms[1].line)
            entries = nodes.defs.setdefault((sect, name), [])
            last = entries[-1] if entries else None
            if last and last[1] and last[1][0] == "cases" and ms[1].line - last[0][0] <= 2:
                last[1][1].append((piece[1][0], piece[1][1], piece[1][2], piece[0]))
                entries[-1] = ((ms[1].line, index), last[1])
            else:
                node = ("cases", [(piece[1][0], piece[1][1], piece[1][2], piece[0])])
                entries.append(((ms[1].line, index), node))
            continue
        if tree is not None and not ms[1].cond:
            try:
                used: set = set()
                opaque: set = set()
                _names(tree, used, opaque)
                if opaque or name in used:
                    tree = None
            except _Skip:
                tree = None
        else:
            tree = None
        sect = _section(nodes.heads, ms[1].line)
        nodes.defs.setdefault((sect, name), []).append(((ms[1].line, index), tree))
    return nodes


class _Draw:
    """One draw: the leaves' values, the definitions chosen, the upstream factors' values."""

    def __init__(self, rng: random.Random, defs: dict, leaves: set):
        self.rng, self.defs, self.leaves = rng, defs, leaves
        self.values: dict[str, float] = {}
        self.opaque: dict[tuple[str, str], float] = {}

    def leaf(self, name: str) -> float:
        if name not in self.values:
            self.values[name] = self.rng.uniform(0.2, 0.9)
        return self.values[name]

    def value(self, node, hold: dict, depth: int = 0) -> float:
        if depth > 20:
            raise _Skip  # a definition that reaches itself
        kind = node[0]
        if kind == "atom":
            name, p = _key(node[1]), _power(node[1])
            if name in hold:
                v = hold[name]
            elif name in self.defs:
                v = self.value(self.defs[name], hold, depth + 1)
            elif name in self.leaves:
                v = self.leaf(name)
            else:
                raise _Skip
            return v**p
        if kind == "num":
            return float(node[1])
        if kind == "add":
            return sum(s * self.value(t, hold, depth) for s, t in node[1])
        if kind == "mul":
            return self.value(node[2], hold, depth) * self.value(node[3], hold, depth)
        if kind == "div":
            return self.value(node[1], hold, depth) / self.value(node[2], hold, depth)
        if kind == "pow":
            return self.value(node[1], hold, depth) ** float(node[2][1])
        if kind == "call":
            return _FUNCS[node[1].name](self.value(node[2][0], hold, depth))
        if kind == "cases":
            for var, op, thr, tree in node[1]:
                at = self.value(("atom", Atom(var, None, None)), hold, depth + 1)
                if (at < thr) if op == "<" else (at > thr):
                    return self.value(tree, hold, depth + 1)
            raise _Skip  # no case holds there
        return self.derivative(node, hold, depth)

    def derivative(self, node, hold: dict, depth: int) -> float:
        num, den = node[1][1], node[2][1]
        v, u = Atom(num.name, num.sub, None).show(), _key(den)
        if v == u:
            return 1.0
        if v in self.leaves:
            raise _Skip  # a leaf by another leaf: not written in such notes
        if v not in self.defs:  # the gradient from upstream: any number, one per fraction
            if (v, u) not in self.opaque:
                self.opaque[(v, u)] = self.rng.uniform(-1.5, 1.5)
            return self.opaque[(v, u)]
        at = self.value(("atom", Atom(u, None, None)), hold, depth + 1)
        up = self.value(self.defs[v], {**hold, u: at + _H}, depth + 1)
        down = self.value(self.defs[v], {**hold, u: at - _H}, depth + 1)
        return (up - down) / (2 * _H)


def _reach(name: str, defs: dict, seen: set) -> set:
    """The names a defined name's definition reaches, itself included."""
    if name in seen:
        return seen
    seen.add(name)
    for tree in defs.get(name, ()):
        if tree is not None:
            used: set = set()
            _names(tree, used, set())
            for n in used:
                _reach(n, defs, seen)
    return seen


def judge(nodes: Nodes | None, lhs, m) -> tuple[str, str, str] | None:
    """(verdict, why, reading) of ``lhs = m`` read on its section's nodes, or None."""
    if nodes is None or lhs.tree is None or m.cond or lhs.cond:
        return None
    right, case = m.tree, None
    if right is None:  # 0 \ (x \le 0): the value for one case of the node's input
        found = _case(m.text)
        if found is None:
            return None
        right, case = found
    # the definitions written before the claim (by line; on its line, by statement)
    at = (lhs.line, nodes.order.get(id(lhs), -1))
    if lhs.tree[0] == "T":  # (\log y)' = \frac{1}{y}: a prime on one name's expression
        return _primed(nodes, lhs, right)
    try:
        used_l: set = set()
        used_r: set = set()
        op_l: set = set()
        op_r: set = set()
        _names(lhs.tree, used_l, op_l)
        _names(right, used_r, op_r)
    except _Skip:
        return None
    if not op_l:
        return None  # no derivative on the left: a definition or an equation, not a node's
    sect = _section(nodes.heads, lhs.line)
    here: dict[str, list] = {}
    for (s, name), entries in nodes.defs.items():
        if s == sect:
            mine = [tree for i, tree in entries if i < at]
            if mine:
                here[name] = mine
    if not here:
        return None
    read = {n for n, trees in here.items() if any(t is not None for t in trees)}
    upstream = {(v, u) for v, u in op_l | op_r if v not in read and v != u}
    if {p for p in op_l if p in upstream} != {p for p in op_r if p in upstream}:
        return None  # different gradients from upstream: a chain rule, not this reading
    # the names the claim reaches through the section's definitions
    try:
        reached: set = set()
        for n in used_l | used_r | {v for v, _ in op_l | op_r} | {u for _, u in op_l | op_r}:
            if n in here:
                _reach(n, here, reached)
    except _Skip:
        return None
    leaves = set()  # the names the definitions use and the section does not define (in a form read)
    for n in reached:
        for tree in here.get(n, ()):
            if tree is not None:
                found: set = set()
                _names(tree, found, set())
                leaves |= found - read
    for n in used_l | used_r | {u for _, u in op_l | op_r}:
        if n not in read and n not in leaves:
            return None  # a name of something else (the note's network?)
    for v, u in op_l | op_r:
        if v in read and u not in _reach(v, here, set()):
            return None  # a derivative by a name its node does not use
    if case is not None and case[0] not in leaves:
        return None  # a case on a name that is no input of the section's nodes
    relevant = sorted(n for n in reached if n in read)
    choices = [[t for t in here[n] if t is not None] for n in relevant]
    combos = list(itertools.product(*choices))
    if len(combos) > _MAX_COMBOS:
        return None
    differs_all = False
    for combo in combos:
        defs = dict(zip(relevant, combo, strict=True))
        rng = random.Random(11)
        differs = 0
        try:
            for _ in range(_DRAWS):
                draw = _Draw(rng, defs, leaves)
                if case is not None:  # the input drawn inside the case
                    side = rng.uniform(0.2, 0.9)
                    draw.values[case[0]] = case[2] - side if case[1] == "<" else case[2] + side
                left = draw.value(lhs.tree, {})
                value = draw.value(right, {})
                if not (math.isfinite(left) and math.isfinite(value)):
                    raise ValueError
                if abs(left - value) > 1e-5 * (1 + abs(left) + abs(value)):
                    differs += 1
        except (_Skip, ValueError, ZeroDivisionError, OverflowError, KeyError):
            continue
        if differs == 0:
            shown = ", ".join(relevant)
            return "correct", "", f"the section's own node ({shown} as the section defines)"
        differs_all = differs_all or differs == _DRAWS
    unique = all(len(here[n]) == 1 for n in reached if n in here)  # each defined once, read
    if len(combos) == 1 and unique and differs_all:
        why = "this is not the local derivative of the node the section defines"
        return "wrong", why, "the section's own node (" + ", ".join(relevant) + ")"
    return None


def _primed(nodes: Nodes, lhs, right) -> tuple[str, str, str] | None:
    """``(E)' = R`` with E and R in one plain name the claim's section does not define: the
    derivative in that name, by calculus alone."""
    inner = lhs.tree[1]
    try:
        mine: set = set()
        theirs: set = set()
        opaque: set = set()
        _names(inner, mine, opaque)
        _names(right, theirs, opaque)
    except _Skip:
        return None
    if opaque or len(mine) != 1 or not theirs <= mine:
        return None
    (name,) = mine
    sect = _section(nodes.heads, lhs.line)
    if (sect, name) in nodes.defs:
        return None  # a name of the section's node: which variable the prime means is open
    rng = random.Random(13)
    differs = 0
    try:
        for _ in range(_DRAWS):
            at = rng.uniform(0.2, 0.9)
            draw = _Draw(rng, {}, mine)
            up = draw.value(inner, {name: at + _H})
            down = draw.value(inner, {name: at - _H})
            want, got = (up - down) / (2 * _H), draw.value(right, {name: at})
            if not (math.isfinite(want) and math.isfinite(got)):
                return None
            differs += abs(want - got) > 1e-5 * (1 + abs(want) + abs(got))
    except (_Skip, ValueError, ZeroDivisionError, OverflowError):
        return None
    reading = f"the derivative in {name}, its only name"
    if differs == 0:
        return "correct", "", reading
    if differs == _DRAWS:
        return "wrong", f"this is not the derivative in {name} of the expression primed", reading
    return None
