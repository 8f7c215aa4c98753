"""A general layer written as a subscript: ``a_i = W_i h_{i-1} + b_i``, ``z_l = W_l a_{l-1} + b_l``.

Many course notes (IIT Madras's CS7015 and the notes copied from it, students' summaries) put
the layer in the subscript where Nielsen puts it in the superscript. A note writes that
notation when one of its forward equations defines a layered quantity at a layer letter X
from the layer before (a subscript ``X-1``) through a weight of layer X (``W_X``): a shared
weight (``h_t = \\tanh(W h_{t-1} + U x_t)``, a recurrent net's time steps) is not this. Then
every layered quantity's subscript that names a layer (X, X-1, X+1, any letter the note writes
as ``Y-1`` or ``Y+1`` on such a quantity, a number, L, ``L-1``) is its layer, moved to the
superscript the model reads (the general letter becomes l), and ``a_{Li}``, ``a_{L i}`` is
entry i of layer L.

CS7015 also names its letters the other way round from Ng: ``a_i`` is the pre-activation and
``h_i = g(a_i)`` the activation. A note whose forward equation applies an activation to a of
a layer to give h of the same layer has a and h renamed into the model's z and a (and A, H
into Z, A) after the layers are moved.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .bind import LAYERED
from .grammar import Atom, nodes, rebuild, rewrite_trees

# the names whose subscript can be a layer: the model's layered names, h (CS7015's
# activation) and an activation function written per layer (g_k)
_NAMES = set(LAYERED) | {"h", "H"}
_ACTS = {"g", "f", "sigma", "phi"}
_WEIGHTS = {"W", "w"}


def _sub(a: Atom) -> str:
    return re.sub(r"[\s{}]", "", a.sub or "")


def _atoms(tree):
    for n in nodes(tree):
        if n[0] == "atom" and isinstance(n[1], Atom):
            yield n[1]
        elif n[0] == "call" and isinstance(n[1], Atom):
            yield n[1]


def letters(stmts) -> set[str]:
    """The layer letters of a note that writes its layers as subscripts (empty when it
    does not)."""
    found = set()
    for ms in stmts:
        if len(ms) < 2 or ms[0].tree is None or ms[1].tree is None:
            continue
        lhs = ms[0].tree
        if lhs[0] != "atom" or lhs[1].name not in _NAMES or lhs[1].sup is not None:
            continue
        x = _sub(lhs[1])
        if not re.fullmatch(r"[a-z]", x):
            continue
        for m in ms[1:]:  # z_l := f_{W_l,b_l}(a_{l-1}) = W_l a_{l-1} + b_l: any member
            rhs = list(_atoms(m.tree))
            before = any(a.name in _NAMES and a.sup is None and _sub(a) == x + "-1" for a in rhs)
            weight = any(a.name in _WEIGHTS and a.sup is None and _sub(a) == x for a in rhs)
            if before and weight:
                found.add(x)
    if not found:
        return found
    for ms in stmts:
        for m in ms:
            for a in _atoms(m.tree):
                s = _sub(a)
                if a.name in _NAMES and a.sup is None and re.fullmatch(r"[a-z][+-]1", s):
                    found.add(s[0])
    return found


def _sup(a: Atom) -> str:
    return re.sub(r"[\s{}()\[\]]", "", a.sup or "")


def sup_letters(stmts) -> set[str]:
    """A general layer written with another letter than l in the superscript (``A^{i} =
    f(Z^{i})``, ``Z^{i} = B^{i} + \\sum_k W^{i}_{rk} A^{i-1}_k``: brackets.py's rewriting of
    ``A_i[r, 0]``): its letters, where a forward equation reads layer X from X-1 through W^X."""
    found = set()
    for ms in stmts:
        if len(ms) < 2 or ms[0].tree is None or ms[1].tree is None:
            continue
        lhs = ms[0].tree
        if lhs[0] != "atom" or lhs[1].name not in _NAMES:
            continue
        x = _sup(lhs[1])
        if not re.fullmatch(r"[a-km-z]", x):
            continue
        rhs = list(_atoms(ms[1].tree))
        before = any(a.name in _NAMES and _sup(a) == x + "-1" for a in rhs)
        weight = any(a.name in _WEIGHTS and _sup(a) == x for a in rhs)
        if before and weight:
            found.add(x)
    return found


def _sup_mover(found: set[str]):
    def move(node):
        if not isinstance(node, tuple) or not node:
            return node
        if node[0] in ("atom", "call") and isinstance(node[1], Atom):
            a = node[1]
            m = re.fullmatch(r"([a-z])([+-]\d)?", _sup(a))
            if a.name in _NAMES | _ACTS and m and m.group(1) in found:
                a = replace(a, sup="l" + (m.group(2) or ""))
                if node[0] == "atom":
                    return ("atom", a)
                return ("call", a, [move(q) for q in node[2]])
        return rebuild(node, move)

    return move


def _layer(s: str, found: set[str]):
    """(the layer as the model writes it, the entry left in the subscript) or None."""
    if s.count(",") == 1:  # w_{l,jk}, a_{l-1,k}: the layer, then the entry
        layer, idx = s.split(",")
        got = _layer(layer, found) if re.fullmatch(r"[a-z0-9]{1,2}", idx) else None
        return (got[0], idx) if got is not None and got[1] is None else None
    m = re.fullmatch(r"([a-z])([+-]\d)?", s)
    if m and m.group(1) in found:
        return "l" + (m.group(2) or ""), None
    if re.fullmatch(r"\d|L([+-]\d)?", s):
        return s, None
    m = re.fullmatch(r"L([a-z]|\d)", s)
    if m:
        return "L", m.group(1)
    return None


def _in_nabla(a: Atom, fn) -> Atom:
    """``\\nabla_{a_L}``: the quantity in the subscript rewritten as the tree's."""
    from .grammar import Parser, Unreadable

    try:
        wrt = Parser(a.sub).parse_all()
    except Unreadable:
        return a
    if wrt[0] != "atom" or wrt[1].name not in _NAMES:
        return a
    new = fn(wrt)
    return a if new == wrt else replace(a, sub=new[1].show())


def _mover(found: set[str]):
    def move(node):
        if not isinstance(node, tuple) or not node:
            return node
        if node[0] == "atom" and node[1].name == "nabla" and node[1].sub:
            return ("atom", _in_nabla(node[1], move))
        if node[0] in ("atom", "call") and isinstance(node[1], Atom):
            a = node[1]
            names = _NAMES | _ACTS if node[0] == "call" else _NAMES
            if a.name in names and a.sup is None and a.sub:
                got = _layer(_sub(a), found)
                if got is not None:
                    a = replace(a, sup=got[0], sub=got[1])
                    if node[0] == "atom":
                        return ("atom", a)
                    return ("call", a, [move(q) for q in node[2]])
        return rebuild(node, move)

    return move


def _pre_activation_a(stmts) -> bool:
    """``h^l = g(a^l)``: CS7015's letters (a the pre-activation, h the activation)."""
    for ms in stmts:
        if len(ms) < 2 or ms[0].tree is None or ms[1].tree is None:
            continue
        lhs, rhs = ms[0].tree, ms[1].tree
        if lhs[0] != "atom" or lhs[1].name not in ("h", "H") or lhs[1].sup is None:
            continue
        if rhs[0] != "call" or rhs[1].name not in _ACTS or len(rhs[2]) != 1:
            continue
        arg = rhs[2][0]
        if arg[0] == "atom" and arg[1].name in ("a", "A") and arg[1].sup == lhs[1].sup:
            return True
    return False


_SWAP = {"a": "z", "A": "Z", "h": "a", "H": "A"}


def _swap(node):
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "atom" and node[1].name == "nabla" and node[1].sub:
        return ("atom", _in_nabla(node[1], _swap))
    if node[0] == "atom" and node[1].name in _SWAP and node[1].sup is not None:
        return ("atom", replace(node[1], name=_SWAP[node[1].name]))
    return rebuild(node, _swap)


def apply(stmts) -> bool:
    """Move a note's subscript layers into superscripts (in place); True when it did."""
    above = sup_letters(stmts)
    if above:
        rewrite_trees(stmts, _sup_mover(above))
    found = letters(stmts)
    if not found:
        return bool(above)
    rewrite_trees(stmts, _mover(found))
    if _pre_activation_a(stmts):
        rewrite_trees(stmts, _swap)
    return True
