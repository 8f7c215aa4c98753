"""A weight's entry written from the feeding unit to the fed one: ``w_{ij}^{(l)}`` feeds j from i.

Nielsen writes ``w^l_{jk}`` for the weight into unit j of layer l from unit k of the layer
below (row j, column k of the model's ``W^l``). Many notes write the other order (Mitchell,
Abu-Mostafa's course, wiki pages retelling it): ``z_j^{(l)} = \\sum_i w_{ij}^{(l)}
a_i^{(l-1)}``, ``\\delta_i^{(l-1)} = \\sum_j \\delta_j^{(l)} w_{ij}^{(l)} g'(z_i^{(l-1)})``.
Read in Nielsen's order, every such claim of a correct note would be called wrong (an index
swap). The note says its order in its own forward equation in entry form: the sum runs over
the FIRST index of the weight, the unit of the layer below, and the second is the left-hand
side's unit. Then every layered weight entry of the note (two index letters) is read with its
indices swapped, in the model's order. A note that also applies a whole weight matrix in a
forward equation (``z^l = W^l a^{l-1}``), or that writes a forward equation in Nielsen's order
as well, is left as it is: its order is not one.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .grammar import Atom, nodes, rebuild, rewrite_trees

_PRE = ("z", "Z")


def _two(sub: str | None) -> tuple[str, str] | None:
    """The two index letters of an entry's subscript (``ij``, ``i j``, ``i,j``), else None."""
    s = re.sub(r"[\s{},]", "", sub or "")
    return (s[0], s[1]) if re.fullmatch(r"[a-z]{2}", s) else None


def _orders(lhs, rhs) -> set[str]:
    """The orders a forward equation in entry form writes its weights in: "from" when the sum
    runs over the weight's first index (``\\sum_i w_{ij} a_i`` for ``z_j``), "nielsen" over
    the second (``\\sum_k w_{jk} a_k``); a whole weight applied gives "matrix"."""
    if lhs[0] != "atom" or lhs[1].name not in _PRE or lhs[1].sup is None:
        return set()
    own = re.sub(r"[\s{}]", "", lhs[1].sub or "")
    found = set()
    for n in nodes(rhs):
        if n[0] == "atom" and isinstance(n[1], Atom) and n[1].name in ("w", "W"):
            if n[1].sup is not None and not n[1].sub and not own:
                found.add("matrix")
        if n[0] != "sum" or not isinstance(n[1], str):
            continue
        for w in nodes(n[3]):
            if w[0] != "atom" or not isinstance(w[1], Atom) or w[1].name != "w":
                continue
            pair = _two(w[1].sub)
            if pair is None or w[1].sup is None or not re.fullmatch(r"[a-z]", own):
                continue
            if pair == (n[1], own):
                found.add("from")
            elif pair == (own, n[1]):
                found.add("nielsen")
    return found


def detect(stmts) -> bool:
    """Whether the note writes its weights from the feeding unit to the fed one: every
    formula giving a layered z as a sum of weights (its forward equation, a restatement) sums
    over the weight's first index."""
    orders = set()
    for ms in stmts:
        if len(ms) < 2 or ms[0].tree is None:
            continue
        for m in ms[1:]:
            if m.tree is not None:
                orders |= _orders(ms[0].tree, m.tree)
    return orders == {"from"}


def _swap(node):
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "atom" and isinstance(node[1], Atom) and node[1].name == "w":
        pair = _two(node[1].sub)
        if pair is not None and node[1].sup is not None:
            return ("atom", replace(node[1], sub=pair[1] + pair[0]))
    return rebuild(node, _swap)


def apply(stmts) -> bool:
    """Swap the note's layered weight entries into the model's order (in place) when its
    forward equations write them from the feeding unit; True when it did."""
    if not detect(stmts):
        return False
    rewrite_trees(stmts, _swap)
    return True
