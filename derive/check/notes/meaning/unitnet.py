"""A small network the note writes unit by unit, every numbered weight its own number.

Worked examples of backpropagation ("a step by step example") write each unit of a tiny
network on its own line: ``h_1 = g(i_1 w_{11} + i_2 w_{21})``, ``o_1 = f(h_1 u_{11} + h_2
u_{21} + h_3 u_{31})``, ``E = \\frac{1}{2}((o_1 - t_1)^2 + (o_2 - t_2)^2)``. Their numbered
symbols are not entries of the layered network ``instance`` draws (``w_{11}`` is not the
entry of some ``W^l`` the note never writes): such a note is evaluated as written, as
``ownnet`` does for a network written with bare names. Every numbered unit it defines is what
its definition computes; every other numbered symbol (an input ``i_1``, a weight ``u_{12}``, a
target ``t_2``) is a number of its own, drawn at random for each draw of the network and
stored beside its parameters, so that a derivative by it (``\\frac{\\partial E}{\\partial
u_{11}}``) is a central finite difference through the note's own definitions and its cost.

A note is read this way only when it defines at least two numbered units whose definitions
use numbered symbols, with names that are not the layered network's (``h``, ``o``, ``net``,
not ``a_2`` or ``z_1``, which name layers there).
"""

from __future__ import annotations

import re
import zlib

import numpy as np

from . import bind
from .grammar import COSTS, Atom, atoms, subtrees

_ENTRIES = set(bind.LAYERED) | set(bind.VECTOR_NAMES) | bind.OUTPUT_NAMES  # the network's
_LAYERED = _ENTRIES | set(COSTS)


def _numbered(atom: Atom) -> bool:
    sub = (atom.sub or "").replace(" ", "").replace(",", "")
    return bool(sub) and sub.isdigit()


def _atoms(node, out):
    out.extend(atoms(node))


def detect(note, stmts) -> None:
    """Bind the note's numbered units and numbered leaves when it writes a network unit by
    unit (after ``infer``, which made each numbered definition an alias)."""
    units = {}
    for members in stmts:
        if len(members) < 2 or members[0].tree is None or members[1].tree is None:
            continue
        lhs, rhs = members[0].tree, members[1].tree
        if lhs[0] != "atom" or not _numbered(lhs[1]) or lhs[1].name in _LAYERED:
            continue
        if lhs[1].sup is not None or lhs[1].T or lhs[1].primes:
            continue
        inner = []
        _atoms(rhs, inner)
        if any(_numbered(a) and a != lhs[1] for a in inner):
            units.setdefault(lhs[1].show(), rhs)
    if len(units) < 2:
        return
    functions = set()
    for members in stmts:
        for m in members:
            _calls(m.tree, functions)
    for key, rhs in units.items():
        note.aliases["unit:" + key] = rhs
    for members in stmts:
        for m in members:
            found = []
            _atoms(m.tree, found)
            for a in found:
                key = a.show()
                if _numbered(a) and key not in units and a.name not in functions and not a.T:
                    note.aliases["leaf:" + key] = True


def _calls(node, out):
    if not isinstance(node, tuple) or not node:
        return
    if node[0] == "call" and isinstance(node[1], Atom):
        out.add(node[1].name)
    for part in subtrees(node):
        _calls(part, out)


def is_leaf(atom: Atom, env) -> bool:
    return "leaf:" + atom.show() in env.aliases


def leaf_node(atom: Atom, env):
    """The drawn number of a numbered symbol of the note's own, stored beside the network's
    parameters on its first use (the same number in every state of one draw)."""
    key = atom.show()
    node = ("leaf", key)
    st = env.state
    if node not in st.values:
        net = st.net
        if node not in net.params:
            salt = int(1e6 * abs(float(net.params[("a", 0)].reshape(-1)[0]))) % 100003
            rng = np.random.default_rng(zlib.crc32(key.encode()) + salt)
            net.params[node] = np.array([[rng.uniform(-1.0, 1.0)]])
        st.values[node] = st.over.get(node, net.params[node])
    return node


def value(atom: Atom, env):
    """A numbered unit through its definition, or a leaf's number; None for any other symbol."""
    key = atom.show()
    if "leaf:" + key in env.aliases:
        return float(env.state.values[leaf_node(atom, env)][0, 0])
    tree = env.aliases.get("unit:" + key)
    if tree is not None and env.depth < 8:
        over = env.state.over.get(("unit", key))
        if over is not None:  # the unit itself moved (a derivative by h_1): its new value
            return float(over[0, 0])
        inner = bind.Env(env.state, env.reading, env.aliases, env.idx, env.depth + 1)
        v = bind.value(tree, inner)
        if isinstance(v, np.ndarray):
            if v.size != 1:
                raise bind.Unreadable(f"{key} is not a number")
            v = float(v.reshape(-1)[0])
        return v
    return None


def unit_node(atom: Atom, env):
    """A numbered unit as a node of the state, so that a derivative by it (``\\frac{\\partial
    E}{\\partial o_1}``) moves it and what the note computes from it."""
    node = ("unit", atom.show())
    if node not in env.state.values:
        env.state.values[node] = np.array([[value(atom, env)]], dtype=float)
    return node


def numbered_entries(node, env_aliases) -> bool:
    """Whether a tree names a numbered entry of the layered network (``y_1``, ``a_1^{[3]}``,
    ``W^{(2)}_{12}``; not ``W_1``, whose number is its layer, nor the symbols of a network
    written unit by unit). The note's widths are unknown, and a note that enumerates the
    entries (``(a_1 - y_1)^2 + (a_2 - y_2)^2 + (a_3 - y_3)^2``) writes its own width: such a
    claim is confirmed on the drawn network but never refuted there."""
    if not isinstance(node, tuple) or not node:
        return False
    if node[0] == "atom":
        a = node[1]
        if a.name not in _ENTRIES or "leaf:" + a.show() in env_aliases:
            return False  # C_0 is a cost, not an entry
        sub = (a.sub or "").replace(" ", "")
        if not any(c.isdigit() for c in sub):
            return False
        if a.sup is None and a.name in bind.LAYERED and re.fullmatch(r"\d(,[a-z]{1,2})?", sub):
            return False  # W_1, a_{2,k}: the number is the layer
        return True
    return any(numbered_entries(part, env_aliases) for part in subtrees(node))
