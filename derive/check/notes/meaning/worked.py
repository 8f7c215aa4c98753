"""A worked numeric example: a small network written unit by unit, with the note's numbers.

The most copied backpropagation derivation (a "step by step example") names every unit:
``net_{h1} = w_1 i_1 + w_2 i_2 + b_1``, ``out_{h1} = \\frac{1}{1+e^{-net_{h1}}}``,
``E_{o1} = \\frac{1}{2}(target_{o1} - out_{o1})^2``, ``E_{total} = E_{o1} + E_{o2}``; gives
its inputs, weights and targets as numbers (``i_1 = 0.05``, ``w_5 = 0.40``); and writes each
step as a chain ``symbolic = numbers = result``: ``\\frac{\\partial E_{total}}{\\partial
out_{o1}} = -(target_{o1} - out_{o1}) = -(0.01 - 0.75136507) = 0.74136507``, then the update
``w_5^{+} = w_5 - \\eta \\frac{\\partial E_{total}}{\\partial w_5} = 0.4 - 0.5 \\cdot
0.082167041 = 0.35891648``.

Read here, link by link, each member against the one before it:

* the network: every name the note defines by a formula (its first one) is what that formula
  computes from the note's numbers; a unit written only by analogy (``out_{h2}`` after
  ``out_{h1} = \\frac{1}{1+e^{-net_{h1}}}``) takes its sibling's formula with the unit's tag
  changed, when every symbol of that formula carries the tag (``net_{h2}`` after ``net_{h1} =
  w_1 i_1 + \\ldots`` does not: its weights are not said); a unit of that kind with only a
  value stated (``out_{o2} = 0.772928465``) keeps that value where nothing it could depend on
  moves (a derivative by another unit of its own layer);
* a grounded number: a symbol the note gives a number (``w_5 = 0.40``) and never a formula, of
  a kind it never defines by a formula (not ``E_{o2}`` beside ``E_{o1} = \\ldots``); a rate
  the update rule substitutes (``\\eta`` in ``w - \\eta\\, D = 0.4 - 0.5 \\cdot D``) is bound to
  that number there;
* a derivative is a central finite difference through those formulas;
* a link between two formulas in symbols holds when both sides agree at the note's numbers
  and at numbers drawn around them; a link from symbols to numbers is read term by term where
  the two are written alike (each number against what it stands for, at the precision the
  author wrote it), else as one value; a link between numbers is arithmetic. A number is
  accepted within one unit of its last written digit, plus what the written digits of the
  numbers it is computed from allow.

A link that uses a symbol the note never grounds (a weight of a previous section, a unit of
another layer with only a value stated) is not understood, never wrong.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field

from . import workedletters
from .grammar import COSTS, Atom, Unreadable, subtrees

_TAG = re.compile(r"([A-Za-z]+)(\d+)")
_LITERAL = re.compile(r"(?<![\w.])\d*\.?\d+")
_FUNCS = {"exp", "log", "ln", "sigma", "sigmoid", "tanh", "sqrt"}


class Ungrounded(Exception):
    """A symbol the note gives no number and no formula for."""


@dataclass
class Worked:
    defs: dict = field(default_factory=dict)  # key -> (rhs tree, line)
    values: dict = field(default_factory=dict)  # grounded leaves: key -> number
    stated: dict = field(default_factory=dict)  # units with only a value stated: key -> number
    kinds: set = field(default_factory=set)  # (name, sup) of names defined by a formula
    first: dict = field(default_factory=dict)  # id of a defining statement's first member
    atoms: dict = field(default_factory=dict)  # key -> Atom
    binding: set = field(default_factory=set)  # ids of the formulas that give its numbers
    alias: dict = field(default_factory=dict)  # \hat y -> \hat y_1: one unit, two names
    alts: dict = field(default_factory=dict)  # key -> the later formulas of its definition
    result: dict = field(default_factory=dict)  # key -> how far its stated number may be off


def _key(a: Atom) -> str:
    return a.show()


def _walk(node):
    if not isinstance(node, tuple) or not node:
        return
    yield node
    for part in subtrees(node):
        yield from _walk(part)


def _atoms(node) -> list[Atom]:
    return [n[1] for n in _walk(node) if n[0] == "atom"]


def _has(node, kind) -> bool:
    return any(n[0] == kind for n in _walk(node))


def _number(node) -> float | None:
    """A number literal, signed."""
    if node is None:
        return None
    if node[0] == "num":
        return float(node[1])
    if node[0] == "add" and len(node[1]) == 1 and node[1][0][1][0] == "num":
        return node[1][0][0] * float(node[1][0][1][1])
    return None


def _numeric(node) -> bool:
    """Only numbers and arithmetic (and the functions of numbers): no symbol."""
    return node is not None and not any(n[0] in ("atom", "d", "sum") for n in _walk(node))


def _is_cost(a: Atom) -> bool:
    return a.name in COSTS


def detect(stmts) -> Worked | None:
    """The note's worked example: its formulas and numbers, or None when it writes none
    (fewer than two units defined by formulas of numbered symbols, or fewer than two numbers
    for the symbols those formulas use)."""
    w = Worked()
    given = {}
    for members in stmts:
        for a, v in workedletters.named_cells(members):  # W = (w_1 w_2) = (0.3 0.2)
            w.atoms[_key(a)] = a
            given.setdefault(_key(a), v)
        if len(members) < 2 or members[0].tree is None or members[1].tree is None:
            continue
        lhs, rhs = members[0].tree, members[1].tree
        if lhs[0] != "atom" or lhs[1].T or lhs[1].primes:
            continue
        key = _key(lhs[1])
        w.atoms[key] = lhs[1]
        value = _number(rhs)
        if value is not None and len(members) == 2:
            given.setdefault(key, value)
        elif not _numeric(rhs) and not _has(rhs, "sum") and key not in w.defs:
            if lhs[1] in _atoms(rhs):
                continue  # y = \sigma(y): not a definition
            if any(a.T for a in _atoms(rhs)):
                continue  # z_1 = W_1^T x + b_1: a layer's vector, no unit of a worked example
            w.defs[key] = (rhs, members[0].line)
            last = _number(members[-1].tree) if len(members) > 2 else None
            if last is not None:
                w.stated[key] = last  # out_{o1} = ... = 0.75136507: where its formula is not
                w.result[key] = _result_ulp(members[-1].tree, members[-1].text)
                w.alts[key] = [m.tree for m in members[2:-1] if m.tree is not None
                               and not _numeric(m.tree) and not _has(m.tree, "sum")]  # fmt: skip
            w.first[id(members[0])] = key
            w.kinds.add((lhs[1].name, lhs[1].sup))
    for key, value in given.items():
        a = w.atoms[key]
        if key in w.defs:
            continue
        if (a.name, a.sup) in w.kinds or _is_cost(a):
            w.stated[key] = value
        else:
            w.values[key] = value
    w.alias = workedletters.one_unit(
        w.stated, w.values, w.defs, w.atoms, workedletters.written_names(stmts, _walk)
    )
    for key in w.alias:
        w.stated.pop(key, None)
        w.values.pop(key, None)
    used = {_key(a) for rhs, _ in w.defs.values() for a in _atoms(rhs)}
    units = [k for k in w.defs if _TAG.fullmatch((w.atoms[k].sub or "").replace(" ", ""))
             or (w.atoms[k].sub or "").isdigit()]  # fmt: skip
    if len(units) < 2 or not used - set(w.defs):
        return None
    # a worked example writes its numbers: decimals in at least two formulas
    if sum(any(_decimal(m) for m in ms) for ms in stmts) < 2:
        return None
    _followed(w)
    _bind_all(w, stmts)
    return w


def _followed(w: Worked) -> None:
    """A unit whose first formula misses the number its chain ends in, where a later formula of
    the chain gives it: the later formula is what the note's numbers follow."""
    for key, alts in w.alts.items():
        want, tol = w.stated[key], w.result.get(key, 0.0) + 1e-12
        try:
            first = value(w.defs[key][0], _Env(w, dict(w.values), stated_ok=False))
        except (Ungrounded, Unreadable, ValueError, ZeroDivisionError, OverflowError, TypeError):
            continue
        if close(first, want, tol):
            continue
        for tree in alts:
            try:
                v = value(tree, _Env(w, dict(w.values), stated_ok=False))
            except (Ungrounded, Unreadable, ValueError, ZeroDivisionError, OverflowError):
                continue
            if close(v, want, tol):
                w.defs[key] = (tree, w.defs[key][1])
                break


def _bind_all(w: Worked, stmts) -> None:
    """The numbers the note gives by substituting them into its formulas, read through the
    whole note first (a target written as 0.9 in the step after the one that uses it)."""
    for members in stmts:
        for i in range(1, len(members)):
            if i == 1 and defines(w, members):
                continue  # the definition itself
            out = link(w, members[i - 1], members[i])
            if out is not None and out[0] == "definition" and members[i].tree is not None:
                w.binding.add(id(members[i].tree))


def _decimal(m) -> bool:
    return _numeric(m.tree) and bool(re.search(r"\d\.\d", m.text))


def defines(w: Worked | None, members) -> bool:
    """Whether this statement is where the note defines its first member's name."""
    return w is not None and id(members[0]) in w.first and any(_decimal(m) for m in members)


# ---------------------------------------------------------------------- evaluation
@dataclass
class _Env:
    w: Worked
    values: dict
    over: dict = field(default_factory=dict)  # moved symbols: key -> value
    stated_ok: bool = True
    depth: int = 0
    used_stated: set = field(default_factory=set)
    # the note's displayed numbers: a unit with a stated number takes it, moved by what its
    # formula moves (key -> its formula's value where nothing moved), or None: computed
    shown: dict | None = None

    def inner(self, over=None) -> _Env:
        over = self.over if over is None else over
        return _Env(self.w, self.values, over, self.stated_ok, self.depth + 1, self.used_stated,
                    self.shown)  # fmt: skip


def _analog(w: Worked, a: Atom):
    """The formula of a unit the note writes by analogy: its sibling's (same name, another
    number of the same tag), every symbol of which carries the sibling's tag."""
    sub = (a.sub or "").replace(" ", "")
    m = _TAG.fullmatch(sub)
    if not m:
        return None
    for key, (rhs, _) in w.defs.items():
        b = w.atoms[key]
        bsub = (b.sub or "").replace(" ", "")
        mb = _TAG.fullmatch(bsub)
        if b.name != a.name or b.sup != a.sup or not mb or mb.group(1) != m.group(1):
            continue
        found = _atoms(rhs)
        if found and all((x.sub or "").replace(" ", "") == bsub for x in found):
            return _retag(rhs, bsub, sub)
    return None


def _retag(node, old, new):
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "atom":
        a = node[1]
        return ("atom", Atom(a.name, new, a.sup, a.primes, a.T, a.ex))
    out = []
    for part in node:
        if isinstance(part, tuple) and part and isinstance(part[0], str):
            out.append(_retag(part, old, new))
        elif isinstance(part, list):
            out.append([_retag_term(q, old, new) for q in part])
        else:
            out.append(part)
    return tuple(out)


def _retag_term(q, old, new):
    if isinstance(q, tuple) and len(q) == 2 and isinstance(q[0], int):
        return (q[0], _retag(q[1], old, new))  # a signed term of a sum
    return _retag(q, old, new)


def _independent(a: Atom, moved: dict, w: Worked) -> bool:
    """A unit with only a value stated does not depend on what moved: every moved symbol is
    another unit of its own layer (the same tag letter, another number)."""
    m = _TAG.fullmatch((a.sub or "").replace(" ", ""))
    if not m or _coupled(w, m.group(1)):
        return False
    for key in moved:
        b = w.atoms.get(key)
        mb = _TAG.fullmatch((b.sub or "").replace(" ", "")) if b is not None else None
        if b is None or key in w.values or not mb:
            return False
        if mb.group(1) != m.group(1) or mb.group(2) == m.group(2):
            return False
    return True


def _coupled(w: Worked, letter: str) -> bool:
    """Whether a unit of this layer is computed from another unit of it (a softmax output
    ``out_{o1} = e^{net_{o1}} / (e^{net_{o1}} + e^{net_{o2}})``): then no unit of the layer
    is independent of its siblings."""
    for key, (rhs, _) in w.defs.items():
        mk = _TAG.fullmatch((w.atoms[key].sub or "").replace(" ", ""))
        if not mk or mk.group(1) != letter:
            continue
        for b in _atoms(rhs):
            mb = _TAG.fullmatch((b.sub or "").replace(" ", ""))
            if mb and mb.group(1) == letter and mb.group(2) != mk.group(2):
                return True
    return False


def _atom_value(a: Atom, env: _Env) -> float:
    w = env.w
    key = w.alias.get(_key(a), _key(a))
    a = w.atoms.get(key, a)
    if key in env.over:
        return env.over[key]
    if env.depth > 30:
        raise Ungrounded(key)
    tree = w.defs[key][0] if key in w.defs else _analog(w, a)
    if tree is not None:
        try:
            v = value(tree, env.inner())
            if env.shown is not None and key in w.stated and key in w.defs:
                if key not in env.shown:
                    env.shown[key] = value(tree, env.inner({}))
                v = w.stated[key] + (v - env.shown[key])  # 0.4943 as the note shows it
            return v
        except Ungrounded:
            if key not in w.stated:
                raise  # a unit whose formula is not grounded: its stated value, if any
    if key in env.values:
        return env.values[key]
    if key in w.stated and env.stated_ok and (not env.over or _independent(a, env.over, w)):
        env.used_stated.add(key)
        return w.stated[key]
    raise Ungrounded(key)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def value(node, env: _Env) -> float:
    kind = node[0]
    if kind == "num":
        return float(node[1])
    if kind == "atom":
        a = node[1]
        if a.T or a.primes:
            raise Unreadable(a.show())
        return _atom_value(a, env)
    if kind == "add":
        return sum(s * value(t, env) for s, t in node[1])
    if kind == "mul":
        if node[1] not in ("juxt", "star", "cdot", "times"):
            raise Unreadable(f"the product {node[1]}")
        return value(node[2], env) * value(node[3], env)
    if kind == "div":
        return value(node[1], env) / value(node[2], env)
    if kind == "pow":
        return value(node[1], env) ** value(node[2], env)
    if kind == "call":
        f, args = node[1], node[2]
        if len(args) != 1 or f.sub or f.sup or f.T:
            raise Unreadable(f.show())
        x = value(args[0], env)
        if f.name in ("sigma", "sigmoid") and f.primes == 1:
            return _sigmoid(x) * (1 - _sigmoid(x))
        if f.primes or f.name not in _FUNCS:
            raise Unreadable(f.show())
        return {"exp": math.exp, "log": math.log, "ln": math.log, "sigma": _sigmoid,
                "sigmoid": _sigmoid, "tanh": math.tanh, "sqrt": math.sqrt}[f.name](x)  # fmt: skip
    if kind == "d":
        num = node[1] if node[1] is not None else node[3]
        den = node[2]
        if num is None or den[0] != "atom" or (node[1] is not None and node[3] is not None):
            raise Unreadable("a derivative")
        key = env.w.alias.get(_key(den[1]), _key(den[1]))
        x0 = _atom_value(den[1], env)
        h = 1e-6 * (1 + abs(x0))
        hi = value(num, env.inner({**env.over, key: x0 + h}))
        lo = value(num, env.inner({**env.over, key: x0 - h}))
        return (hi - lo) / (2 * h)
    raise Unreadable(kind)


# ---------------------------------------------------------------------- precision
def ulp(text: str) -> float:
    """One unit in the last written digit of a number literal (0 for an integer)."""
    text = text.strip().lstrip("+-")
    if "." not in text:
        return 0.0
    return 10.0 ** -len(text.split(".", 1)[1])


def _carried(lit: str) -> float:
    """How far a number a result is computed from may be from the value it stands for: one
    unit of its last digit when it has three significant digits or more (0.5812, a value
    carried from a step before, rounded); a short number (0.4, 0.15, 0.01) is a given, exact."""
    digits = re.sub(r"\D", "", lit).lstrip("0")
    return ulp(lit) if len(digits) >= 3 else 0.0


def _written(text: str) -> dict[float, float]:
    """The number literals of a text: value -> how far it may be from what it stands for (the
    larger when a value is written twice)."""
    out = {}
    for lit in _LITERAL.findall(text):
        v = float(lit)
        out[v] = max(out.get(v, 0.0), _carried(lit))
    return out


def _result_ulp(node, text: str) -> float:
    """How far a number written as a result may be from the value computed: half a unit of
    its last digit (rounded: 0.59 for 0.5933), a whole unit when it has three significant
    digits or more (rounded or cut: 0.5933 for 0.593398)."""
    v, scale = _number(node), 1.0
    if v is None:
        sci = _scientific(node)
        if sci is None:
            return 0.0
        v, scale = sci
    lits = [lit for lit in _LITERAL.findall(text) if float(lit) == abs(v)] or [repr(abs(v))]
    return scale * max(ulp(lit) if _carried(lit) else ulp(lit) / 2 for lit in lits)


def _scientific(node) -> tuple[float, float] | None:
    """``1.5 \\times 10^{-5}``: (the mantissa, its power of ten), a result written in
    scientific notation, whose last digit is the mantissa's scaled; else None."""
    if node[0] != "mul" or node[1] not in ("times", "cdot", "juxt"):
        return None
    m, p = _number(node[2]), node[3]
    if m is None or p[0] != "pow" or _number(p[1]) != 10.0:
        return None
    k = _number(p[2])
    if k is None or k != int(k):
        return None
    return m, 10.0**k


def written_ulp(v, text: str) -> float:
    """The unit of the last written digit of the number ``v`` as ``text`` writes it."""
    return _unit_of(float(v), _written(text))


def _unit_of(v: float, written: dict) -> float:
    if v in written:
        return written[v]
    r = repr(abs(v))
    return _carried(r) if "e" not in r else abs(v) * 1e-12


def _tolerance(node, text: str) -> float:
    """How far the value of a formula of numbers may be from what its written numbers give:
    each number moved by one unit of its last written digit."""
    written = _written(text)
    base = value(node, _Env(Worked(), {}))
    total = 0.0
    nums = [n for n in _walk(node) if n[0] == "num"]
    for target in {id(n) for n in nums}:
        u = _unit_of(float(next(n for n in nums if id(n) == target)[1]), written)
        if u:
            moved = _replace(node, target, u)
            total += abs(value(moved, _Env(Worked(), {})) - base)
    return total


def _replace(node, target, u):
    if not isinstance(node, tuple) or not node:
        return node
    if id(node) == target:
        return ("num", float(node[1]) + u)
    out = []
    for part in node:
        if isinstance(part, tuple) and part and isinstance(part[0], str):
            out.append(_replace(part, target, u))
        elif isinstance(part, list):
            out.append([(q[0], _replace(q[1], target, u)) if isinstance(q, tuple) and len(q) == 2
                        and isinstance(q[0], int) else _replace(q, target, u)
                        for q in part])  # fmt: skip
        else:
            out.append(part)
    return tuple(out)


def close(got: float, want: float, tol: float) -> bool:
    """Within the written precision; never closer than a millionth (a digit slipped in a
    long carried number, 1.1059059067 for 1.105905967, is a typo, not a mistake)."""
    return abs(got - want) <= tol + 1e-6 * abs(want) + 1e-9


# ---------------------------------------------------------------------- links
def restated(w: Worked | None, members):
    """The link from a name the note has defined to what it writes for it again (its formula
    at the numbers, ``net_{h1} = 0.15 \\cdot 0.05 + \\ldots``), or None."""
    if w is None or id(members[0]) in w.first or members[0].tree is None:
        return None
    lhs = members[0].tree
    if lhs[0] != "atom" or _key(lhs[1]) not in w.defs:
        return None
    return link(w, members[0], members[1])


def given(w: Worked | None, members) -> bool:
    """``w_5 = 0.40``: the note gives one of its numbers."""
    return (
        w is not None
        and len(members) == 2
        and members[0].tree is not None
        and members[0].tree[0] == "atom"
        and _key(members[0].tree[1]) in w.values
        and _number(members[1].tree) == w.values[_key(members[0].tree[1])]
    )


def link(w: Worked | None, prev, cur) -> tuple[str, str, str, str] | None:
    """(verdict, message) for the link from member ``prev`` to member ``cur`` of a chain, or
    None when this reading has nothing to say (not a worked example, not read, a symbol the
    note never grounds)."""
    if w is None or prev.tree is None or cur.tree is None:
        return None
    a, b = prev.tree, cur.tree
    if _only_stated(w, a) or _only_stated(w, b):
        return None  # w_6^{+} = 0.408666186: the value it states, nothing to check it with
    try:
        if _numeric(a) and _numeric(b):
            out = arith(a, prev.text, b, cur.text)
        elif _numeric(b) and _new_value(w, a, b, cur):
            # \hat y = 0.4943 worked out above, then \hat y = 0.5199 after the update: the note's
            # next pass through the same names, not a claim about the first
            before = _show(w.stated[_key(a[1])])
            why = f"a new value for {_plain(a)}, after {before} above: a later pass, not judged"
            return "unknown", why, "the worked example's own numbers", "equation"
        elif _numeric(b):
            out = _substituted(w, a, b, cur.text)
        elif _numeric(a):
            return None
        else:
            out = _symbolic(w, a, b)
        if out is None:
            return None
        kind = "arithmetic" if _numeric(a) else "derivative" if _has(a, "d") else "equation"
        return out[0], out[1], "the worked example's own numbers", kind
    except (Ungrounded, Unreadable, ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None


def _new_value(w: Worked, sym, num, cur) -> bool:
    """A name whose formula the note worked out to a number, given another number on a later
    line of its own (``\\hat y = 0.5199``): a value of a later pass (after an update, for
    another example), never judged against the first."""
    if sym[0] != "atom" or _key(sym[1]) not in w.stated or _key(sym[1]) not in w.defs:
        return False
    if w.defs[_key(sym[1])][1] >= cur.line:
        return False
    nv = value(num, _Env(Worked(), {}))
    return not close(nv, w.stated[_key(sym[1])], _tolerance(num, cur.text) * 2 + 1e-12)


def _only_stated(w: Worked, node) -> bool:
    if node[0] != "atom":
        return False
    key = w.alias.get(_key(node[1]), _key(node[1]))
    return key not in w.defs and key not in w.values and _analog(w, node[1]) is None


def arith(a, a_text, b, b_text):
    """Two formulas in numbers, each at the precision written: (verdict, message)."""
    va, vb = value(a, _Env(Worked(), {})), value(b, _Env(Worked(), {}))
    tol = _tolerance(a, a_text) + _tolerance(b, b_text) + _result_ulp(b, b_text)
    if close(vb, va, tol):
        return "correct", "arithmetic, at the precision written"
    return "wrong", f"arithmetic: the numbers give {_show(va)}, not {_show(vb)}"


def _substituted(w: Worked, sym, num, num_text):
    """Symbols to numbers: where the two are written alike, each number against the value of
    what it stands for (binding a rate the note substitutes); else the whole value. A product
    may write its numbers in the other order (``w_5 a_1 = 0.552 \\times 0.4``)."""
    out = _substituted_as_written(w, sym, num, num_text)
    if out is not None and out[0] == "wrong":
        swapped = _commuted(num)
        if swapped != num:
            again = _substituted_as_written(w, sym, swapped, num_text)
            if again is not None and again[0] != "wrong":
                return again
    return out


def _commuted(node):
    """The formula with the two factors of every product swapped."""
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "mul" and len(node) == 4:
        return ("mul", node[1], _commuted(node[3]), _commuted(node[2]))
    if node[0] == "add":
        return ("add", [(sign, _commuted(t)) for sign, t in node[1]])
    return node


def _substituted_as_written(w: Worked, sym, num, num_text):
    values = dict(w.values)
    pairs, bound = [], {}
    if _align(sym, num, pairs, w):
        env = _Env(w, values)
        skipped = False
        for s, n in pairs:
            nv = value(n, _Env(Worked(), {}))
            if s[0] == "atom" and _bindable(w, s[1]) and _key(s[1]) not in values:
                values[_key(s[1])] = nv  # eta = 0.5, w_1 = 0.15: the note gives it here
                bound[_key(s[1])] = nv
                continue
            try:
                sv = value(s, env)
            except Ungrounded:
                skipped = True  # dE/dw_5 through a unit the note never grounds: not read
                continue
            tol = _tolerance(n, num_text) + _result_ulp(n, num_text)
            if not close(nv, sv, tol) and not close(nv, _shown(w, s, values), tol):
                why = f"{_show(nv)} stands for {_plain(s)}, which is {_show(sv)} here"
                return "wrong", why + _stated(env)
        if skipped:
            return None
        w.values.update(bound)
        if bound and len(bound) == len(pairs):
            return "definition", "the numbers of the worked example"
        if id(num) in w.binding:
            return "definition", "the numbers of the worked example"
        return "correct", "each number is what it stands for" + _stated(env)
    env = _Env(w, values)
    sv = value(sym, env)
    nv = value(num, _Env(Worked(), {}))
    tol = _tolerance(num, num_text) + _result_ulp(num, num_text)
    if close(nv, sv, tol):
        return "correct", "at the note's numbers" + _stated(env)
    if close(nv, _shown(w, sym, values), tol):
        return "correct", "from the numbers the note shows for its units"
    return "wrong", f"at the note's numbers the formula is {_show(sv)}, not {_show(nv)}" + _stated(
        env
    )


def _shown(w: Worked, node, values) -> float:
    """The value of a formula from the numbers the note shows for its units (``\\hat y =
    0.4943`` where its unrounded value is 0.4946): a later step computed from those rounded
    numbers is as right as one computed from the unrounded ones. NaN where it cannot say."""
    try:
        return value(node, _Env(w, values, shown={}))
    except (Ungrounded, Unreadable, ValueError, ZeroDivisionError, OverflowError, TypeError):
        return math.nan


def _bindable(w: Worked, a: Atom) -> bool:
    """A symbol the note gives its number by substituting it (an input, a weight, a target, a
    rate): none of its kind is defined by a formula, no value is stated for it."""
    key = _key(a)
    return (
        key not in w.defs
        and key not in w.stated
        and (a.name, a.sup) not in w.kinds
        and not _is_cost(a)
        and not a.T
        and not a.primes
    )


def _align(sym, num, pairs, w: Worked | None = None) -> bool:
    r"""Pair each symbol or derivative of ``sym`` with the number written in its place; a
    name the note defines, with the numbers written in the place of its formula's symbols
    (``net_{h1} = 0.15 \cdot 0.05 + \ldots`` after ``net_{h1} = w_1 i_1 + \ldots``)."""
    if w is not None and sym[0] == "atom" and num[0] != "num" and _key(sym[1]) in w.defs:
        inner = []
        if _align(w.defs[_key(sym[1])][0], num, inner, w):
            pairs.extend(inner)
            return True
    if _numeric(sym):  # numbers the formula itself writes (1/2, the 1 of 1 - out)
        if not _numeric(num):
            return False
        if _number(sym) is None:
            pairs.append((sym, num))
            return True
        return _number(sym) == _number(num)
    if sym[0] in ("atom", "d") or (sym[0] == "call" and num[0] != "call"):
        if not _numeric(num) or num[0] not in ("num", "add", "mul", "div", "pow", "call"):
            return False
        pairs.append((sym, num))
        return True
    if sym[0] != num[0]:
        return False
    if sym[0] == "add":
        if len(sym[1]) != len(num[1]) or any(
            p[0] != q[0] for p, q in zip(sym[1], num[1], strict=True)
        ):
            return False
        return all(_align(p[1], q[1], pairs, w) for p, q in zip(sym[1], num[1], strict=True))
    if sym[0] == "mul":
        return _align(sym[2], num[2], pairs, w) and _align(sym[3], num[3], pairs, w)
    if sym[0] in ("div", "pow"):
        return _align(sym[1], num[1], pairs, w) and _align(sym[2], num[2], pairs, w)
    if sym[0] == "call":
        if sym[1] != num[1] or len(sym[2]) != len(num[2]):
            return False
        return all(_align(p, q, pairs, w) for p, q in zip(sym[2], num[2], strict=True))
    return False


def _symbolic(w: Worked, a, b):
    """Two formulas in symbols: equal at the note's numbers and around them."""
    env = _Env(w, dict(w.values))
    va, vb = value(a, env), value(b, env)
    if not close(va, vb, 1e-6 * (abs(va) + abs(vb))):
        return "wrong", (
            f"at the note's numbers the left side is {_show(va)}, the right side {_show(vb)}"
            + _stated(env)
        )
    rng = random.Random(20261207)
    for _ in range(3):
        drawn = {k: v + rng.uniform(-0.5, 0.5) for k, v in w.values.items()}
        try:
            e = _Env(w, drawn, stated_ok=False)
            xa, xb = value(a, e), value(b, e)
        except Ungrounded:
            continue  # a unit with only a value stated: the note's numbers alone
        if not close(xa, xb, 1e-6 * (abs(xa) + abs(xb))):
            return "wrong", (
                f"the two sides agree at the note's numbers but not around them "
                f"({_show(xa)} against {_show(xb)})"
            )
    return "correct", "at the note's numbers and around them" + _stated(env)


def _stated(env: _Env) -> str:
    if not env.used_stated:
        return ""
    return (
        " (taking "
        + ", ".join(f"{k} = {_show(env.w.stated[k])}" for k in sorted(env.used_stated))
        + " as the note states)"
    )


def _show(v: float) -> str:
    return f"{v:.6g}"


def _plain(node) -> str:
    if node[0] == "atom":
        return node[1].show()
    if node[0] == "d":
        num = node[1] if node[1] is not None else node[3]
        return f"d{_plain(num)}/d{_plain(node[2])}"
    return "its term"
