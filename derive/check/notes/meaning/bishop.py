"""Bishop's unit notation (PRML 5.3), read as the known convention it is.

A note in Bishop's letters often writes no forward equation at all: unit j receives
``a_j = \\sum_i w_{ji} z_i`` and sends ``z_j = h(a_j)``, the outputs are ``y_k``, and
``\\delta_j = \\partial E / \\partial a_j`` (no minus sign). The sign of its backprop formula
``\\delta_j = h'(a_j) \\sum_k w_{kj} \\delta_k`` says which notation it is. When a note applies
``h`` (or ``h'``) to ``a_j`` and defines no ``net_j`` of its own, its letters are renamed into
the delta rule's (``units``): ``a`` into ``net``, ``z`` into an output name, ``h`` into ``f``,
the receiving unit first in ``w_{ji}``, and ``\\delta = +\\partial E/\\partial net``. Outputs
and targets written with a number (``y_1``, ``\\hat y_1``) become the output layer's entries and
the target's. A bare ``a`` or ``z`` (no unit letter) is left as written: not read.
"""

from __future__ import annotations

import re
from dataclasses import replace

from . import units
from .grammar import Atom, nodes, rebuild, rewrite_trees


def _unit(atom: Atom) -> bool:
    return atom.sup is None and re.fullmatch(r"[a-z]", (atom.sub or "").strip()) is not None


def _h_of(node):
    """The argument of h(...) or h'(...): a call, or h' juxtaposed with a parenthesis (h is
    no function the parser knows)."""
    if node[0] == "call" and node[1].name == "h" and len(node[2]) == 1:
        return node[2][0]
    if node[0] == "mul" and node[1] == "juxt" and node[2][0] == "atom":
        h = node[2][1]
        if h.name == "h" and h.sub is None and h.sup is None and h.primes:
            return node[3]
    return None


def _is_bishop(stmts) -> bool:
    names, applied = set(), False
    for ms in stmts:
        for m in ms:
            for n in nodes(m.tree):
                if n[0] == "atom":
                    names.add(n[1].name)
                arg = _h_of(n)
                applied |= arg is not None and arg[0] == "atom" and arg[1].name == "a"
                applied |= arg is not None and arg[0] == "atom" and _unit(arg[1])
    return applied and "net" not in names and "w" in names and "delta" in names


def _rename(node, outputs):
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "atom":
        a = node[1]
        digit = a.sup is None and re.fullmatch(r"\d", (a.sub or "").strip())
        if a.name == "a" and _unit(a):
            return ("atom", replace(a, name="net"))
        if a.name == "z" and _unit(a):
            return ("atom", replace(a, name="o"))
        if digit and a.name in outputs:
            return ("atom", Atom("a", a.sub.strip(), "L", a.primes, a.T))  # y_1: output entry
        if digit and a.name == "hat_y":
            return ("atom", Atom("y", a.sub.strip(), None, a.primes, a.T))  # the target's
        return node
    arg = _h_of(node)
    if arg is not None:
        f = node[1] if node[0] == "call" else node[2][1]
        return ("call", replace(f, name="f"), [_rename(arg, outputs)])
    return rebuild(node, lambda q: _rename(q, outputs))


def detect(stmts) -> units.Units | None:
    """The delta rule's reading of a note in Bishop's letters (renaming its trees), or None."""
    if not _is_bishop(stmts):
        return None
    names = {n[1].name for ms in stmts for m in ms for n in nodes(m.tree) if n[0] == "atom"}
    outputs = {"o"} | ({"y"} if "hat_y" in names or "t" in names else set())
    rewrite_trees(stmts, lambda t: _rename(t, outputs))
    u = units.Units(0, outputs)  # w_{ji}: the receiving unit first
    used = {n[1].name for ms in stmts for m in ms for n in nodes(m.tree) if n[0] == "atom"}
    targets = [t for t in units.TARGETS if t in used and t not in outputs]
    u.target = targets[0] if len(targets) == 1 else None
    u.layers = units._layers(u, stmts)
    # y_k is an output: its letter's layer is the output layer (0); the others follow it
    ys = {n[1].sub.strip() for ms in stmts for m in ms for n in nodes(m.tree)
          if n[0] == "atom" and n[1].name == "y" and _unit(n[1])}  # fmt: skip
    tops = {u.layers[c] for c in ys if c in u.layers}
    if len(tops) == 1:
        top = tops.pop()
        u.layers = {c: v - top for c, v in u.layers.items()}
    u.sign = 1  # delta_j = dE/da_j
    return u
