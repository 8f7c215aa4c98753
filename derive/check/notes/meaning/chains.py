"""Schematic chain rules: a product of derivative symbols judged by how its factors link.

``dC/dw = dC/da da/dz dz/dw`` written with Leibniz fractions in vector form multiplies
Jacobians whose layout the notes never fix (and a derivative of a vector by a matrix has no
matrix at all), so it cannot be evaluated. What it asserts is structural: taken in some
order, the factors lead from the numerator of the left-hand side to its denominator, each a
derivative of a quantity by one it depends on, through quantities of the network (read with
the note's layers). That holds in any layout order, so every order is accepted; a product
whose factors do not link up (dC/db = dC/dz dz/dw) is wrong. ``\\delta^l`` and Ng's ``dz``
count as the derivative of the cost by ``z^l``.
"""

from __future__ import annotations

import itertools

from . import bind
from .bind import Env
from .grammar import Unreadable


def _key(node, env: Env):
    """The network quantity a numerator or denominator names: ("C",) or (node, entries)."""
    if node[0] == "T":
        return _key(node[1], env)
    if node[0] == "call" and node[1].name in bind.COSTS:
        return ("C",)
    if node[0] != "atom":
        raise Unreadable("a derivative of an expression")
    atom = node[1]
    if bind.is_cost(atom):
        return ("C",)
    r = bind.role(atom, env)
    if r is None:
        key = atom.show()
        if key in env.aliases:
            return (bind._alias_node(key, env), ())
        raise Unreadable(f"{atom.show()} is not a quantity of the network")
    kind, nd, letters, _ = r
    if atom.sup is None and letters and any(str(x).isdigit() for x in letters) and kind == "W":
        # w_{47}: the note numbers its units across the whole network; which layer that
        # weight sits in is the note's drawing, not a layer of the drawn network
        raise Unreadable(f"{atom.show()} numbers a weight with no layer")
    if kind not in ("W", "b", "z", "a", "val") or nd[0] == "y":
        raise Unreadable("a derivative of a derivative")
    return (nd, tuple(letters))


def _pair(node, env: Env):
    """(numerator, denominator) of one factor, or None when it is not a derivative symbol."""
    if node[0] == "d" and node[1] is not None and node[3] is None:
        return _key(node[1], env), _key(node[2], env)
    if node[0] == "atom":
        r = bind.role(node[1], env)
        if r is not None and r[0] in ("dz", "da", "dW", "db"):
            return ("C",), (r[1], tuple(r[2]))
    return None


def _two_costs(node) -> bool:
    """A derivative of one cost name by another (``dJ/dL``, J the mean of the losses L)."""
    num, den = (n[1].name if n[0] in ("atom", "call") else None for n in node[1:3])
    return num is not None and den is not None and num != den


def _factors(node):
    if node[0] == "mul":
        return _factors(node[2]) + _factors(node[3])
    return [node]


def _order(key) -> float:
    if key == ("C",):
        return float("inf")
    (kind, k), _ = key
    return {"a": 2 * k, "z": 2 * k - 1, "W": 2 * k - 1.5, "b": 2 * k - 1.5}[kind]


def _depends(upper, lower) -> bool:
    """Whether the quantity ``upper`` is computed from ``lower`` in the drawn network."""
    if upper == lower:
        return False
    if lower == ("C",):
        return False
    return _order(lower) < _order(upper)


def chain(lhs, rhs, env: Env) -> bool | None:
    """True when the factors of ``rhs`` link the left-hand side's numerator to its
    denominator; False when they cannot; None when this is not a product of derivatives."""
    target = _pair(lhs, env)
    if target is None or rhs[0] != "mul":
        return None
    pairs = []
    for f in _factors(rhs):
        p = _pair(f, env)
        if p is None:
            return None
        if p == (("C",), ("C",)) and target[0] == ("C",) and _two_costs(f):
            continue  # dJ/dL: the mean cost by one example's loss, a step inside the cost
        pairs.append(p)
    if not pairs:
        return None
    if len(pairs) > 5 or sum(num == ("C",) for num, _ in pairs) > 1:
        return None  # two derivatives of the cost side by side ((\delta_1 \delta_2 ...)): no chain
    if not all(_depends(num, den) for num, den in pairs + [target]):
        return False
    start, end = target
    for order in itertools.permutations(pairs):
        at = start
        ok = True
        for num, den in order:
            if num != at:
                ok = False
                break
            at = den
        if ok and at == end:
            inner = [den for _, den in order[:-1]]
            if all(k != ("C",) and k[0][0] in ("z", "a") for k in inner):
                return True
    return False
