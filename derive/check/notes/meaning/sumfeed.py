"""The layer of an unlayered unit quantity, read from the sum that feeds the next layer.

Notes that explain one layer's weights write their units without any layer mark:
``z_j = \\sum_i a_i w_{ij} + b_j`` ("for the output layer"), then ``\\frac{\\partial
L}{\\partial w_{ij}} = a_i \\delta_j``. The model binds an unlayered name to the last layer,
which is right for ``z_j``, ``b_j`` and ``\\delta_j`` (the units the sum defines) but not for
``a_i``: the sum's input is the layer below, the one its weights feed from. Read the way
the note defines it: the letter a sum runs over, paired with a weight entry, names a unit
of the layer below. In every formula that writes an unlayered weight entry, the weight's
index in the position the note's sum runs over is a unit of the layer below, and an
unlayered ``a``, ``z``, ``\\delta`` or ``b`` carrying that letter alone is that layer's
(``a^{L-1}_i``); the other index is the fed unit (the last layer, as before). A formula
whose letter is the input of one weight and the output of another (two layers deep), or a
note whose sums disagree on the position, is left as it was.

Which layout the entries ``w_{ij}`` are written in (``w_{ij}`` feeding j from i is the
weight matrix stored ``[in, out]``: examples as rows, ``z = a W + b``) is left to the
note's forward equations: once its sum binds, the readings under which it holds are kept.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .grammar import Atom, nodes, rebuild

_UNITS = ("a", "z", "delta", "b")


def _pair(atom: Atom) -> tuple[str, str] | None:
    s = re.sub(r"[\s{},]", "", atom.sub or "")
    return (s[0], s[1]) if re.fullmatch(r"[a-z]{2}", s) and s[0] != s[1] else None


def _letter(atom: Atom) -> str | None:
    s = (atom.sub or "").strip()
    return s if re.fullmatch(r"[a-z]", s) else None


def _bare_w(n) -> bool:
    return (
        n[0] == "atom"
        and isinstance(n[1], Atom)
        and n[1].name == "w"
        and n[1].sup is None
        and not n[1].T
        and _pair(n[1]) is not None
    )


def _input_positions(stmts) -> set[int]:
    """The positions of the summed letter in the weight entries of the note's unlayered
    sums ``z_j = \\sum_i a_i w_{ij} + b_j``: 0 for ``w_{ij}``, 1 for ``w_{ji}``."""
    found = set()
    for ms in stmts:
        lhs = ms[0].tree
        if len(ms) < 2 or lhs is None or lhs[0] != "atom":
            continue
        z = lhs[1]
        if z.name != "z" or z.sup is not None or z.T or z.primes or _letter(z) is None:
            continue
        j = _letter(z)
        for m in ms[1:]:
            for n in nodes(m.tree):
                if n[0] != "sum" or not isinstance(n[1], str) or n[1] == j:
                    continue
                i = n[1]
                body = list(nodes(n[3]))
                fed = any(
                    q[0] == "atom"
                    and isinstance(q[1], Atom)
                    and q[1].name == "a"
                    and q[1].sup is None
                    and _letter(q[1]) == i
                    for q in body
                )
                for q in body:
                    if fed and _bare_w(q) and set(_pair(q[1])) == {i, j}:
                        found.add(_pair(q[1]).index(i))
    return found


def _relayer(node, below: set[str]):
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "atom" and isinstance(node[1], Atom):
        a = node[1]
        if a.name in _UNITS and a.sup is None and a.ex is None and _letter(a) in below:
            return ("atom", replace(a, sup="L-1"))
        return node
    return rebuild(node, lambda q: _relayer(q, below))


def apply(stmts) -> bool:
    """Give the unlayered unit quantities of the layer below their layer (in place), in a
    note whose unlayered sums say which weight index is the input; True when it did."""
    pos = _input_positions(stmts)
    if len(pos) != 1:
        return False
    p = pos.pop()
    done = False
    for ms in stmts:
        ins, outs = set(), set()
        for m in ms:
            for n in nodes(m.tree):
                if _bare_w(n):
                    pair = _pair(n[1])
                    ins.add(pair[p])
                    outs.add(pair[1 - p])
        if not ins or ins & outs:
            continue  # no weight entry, or a letter at two layers: left as it was
        for m in ms:
            if m.tree is not None:
                new = _relayer(m.tree, ins)
                done = done or new != m.tree
                m.tree = new
    return done
