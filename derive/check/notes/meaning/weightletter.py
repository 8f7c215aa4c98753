"""A weight matrix written with a letter of the note's own: ``z_l = A_l a_{l-1} + b_l``.

Notes written from linear algebra call the layer's matrix by the letter of an affine map,
``f_{A,b}(v) = Av + b`` (``A_l \\in \\mathbb{R}^{n_l \\times n_{l-1}}``,
``\\Theta_l = (b_l, A_l)``).
A note whose forward equation gives the pre-activation ``z`` of a layer as a capital letter X
of that same layer times the activation ``a`` (or ``h``, ``x``) of the layer below, plus the
layer's bias ``b``, and that never writes ``W`` or ``w``, has X read as the model's weight
``W`` in every formula. The layer may stand in the subscript or the superscript.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .grammar import Atom, atoms, rebuild, rewrite_trees

_INPUTS = ("a", "h", "x")


def _layer(a: Atom) -> str | None:
    s = re.sub(r"[\s{}()\[\]]", "", a.sup if a.sup is not None else (a.sub or ""))
    return s or None


def _letter(lhs, rhs) -> str | None:
    """The X of ``z_l = X_l a_{l-1} + b_l``, else None."""
    if lhs[0] != "atom" or lhs[1].name != "z" or rhs[0] != "add" or len(rhs[1]) != 2:
        return None
    lay = _layer(lhs[1])
    if lay is None or not re.fullmatch(r"[a-zA-Z]|\d", lay):
        return None
    terms = [t for sign, t in rhs[1] if sign == 1]
    prods = [t for t in terms if t[0] == "mul" and t[1] in ("juxt", "cdot")]
    biases = [t for t in terms if t[0] == "atom" and t[1].name == "b" and _layer(t[1]) == lay]
    if len(prods) != 1 or len(biases) != 1:
        return None
    x, q = prods[0][2], prods[0][3]
    if x[0] != "atom" or q[0] != "atom" or x[1].T or q[1].T:
        return None
    if not re.fullmatch(r"[A-VX-Z]", x[1].name) or _layer(x[1]) != lay:
        return None
    below = lay + "-1" if lay.isalpha() else str(int(lay) - 1)
    if q[1].name not in _INPUTS or _layer(q[1]) != below:
        return None
    return x[1].name


def _rename(letter: str):
    def go(node):
        if not isinstance(node, tuple) or not node:
            return node
        if node[0] == "atom" and isinstance(node[1], Atom) and node[1].name == letter:
            return ("atom", replace(node[1], name="W"))
        if node[0] == "atom" and isinstance(node[1], Atom) and node[1].name == "nabla":
            # \nabla_{A_l} C: the variable in the subscript is the weight too
            sub = re.sub(rf"(?<![A-Za-z\\]){letter}(?![A-Za-z])", "W", node[1].sub or "")
            return ("atom", replace(node[1], sub=sub or None))
        return rebuild(node, go)

    return go


def apply(stmts) -> bool:
    """Rename the note's weight letter to W (in place); True when it did."""
    used = {a.name for ms in stmts for m in ms for a in atoms(m.tree, calls=True)}
    if "W" in used or "w" in used:
        return False
    found = set()
    for ms in stmts:
        if len(ms) < 2 or ms[0].tree is None:
            continue
        for m in ms[1:]:
            if m.tree is not None:
                x = _letter(ms[0].tree, m.tree)
                if x is not None:
                    found.add(x)
    if len(found) != 1:
        return False
    rewrite_trees(stmts, _rename(found.pop()))
    return True
