"""Logistic regression with its weights as a column: ``z = w^T x + b``, ``\\hat y = \\sigma(z)``.

Ng's course and the notes that follow it write one unit's weights as a column vector w (of the
input's size) and its gradient ``dw = \\frac{1}{m} X dZ^T`` as a column too. The drawn network
keeps weights as rows of ``W`` (``z = W x + b``), so in such a note ``w`` is ``W^T``: every w
(and dw) with no layer is read transposed, and the network is the one unit it describes (one
layer, one output). A note that writes ``z = w^T x + b`` with a layer on w or z is not this.
"""

from __future__ import annotations

from dataclasses import replace

from .grammar import rebuild, rewrite_trees

WEIGHTS = {"w": "W", "W": "W", "dw": "dW", "dW": "dW"}


def _bare(a, names) -> bool:
    return a.name in names and a.sup is None and not a.primes


def _is_column_form(lhs, rhs) -> bool:
    """z = w^T x + b (or w^T x alone)."""
    if lhs is None or rhs is None or lhs[0] != "atom" or not _bare(lhs[1], ("z", "Z")):
        return False
    if lhs[1].sub:
        return False
    terms = [t for _, t in rhs[1]] if rhs[0] == "add" else [rhs]
    for t in terms:
        if t[0] == "mul" and t[1] in ("juxt", "cdot") and t[2][0] == "atom" and t[3][0] == "atom":
            w, x = t[2][1], t[3][1]
            if _bare(w, ("w", "W")) and w.T and not w.sub and _bare(x, ("x", "X")) and not x.sub:
                return True
    return False


def _flip(node):
    if not isinstance(node, tuple) or not node or not isinstance(node[0], str):
        return node
    if node[0] == "atom":
        a = node[1]
        if _bare(a, WEIGHTS):
            return ("atom", replace(a, name=WEIGHTS[a.name], T=not a.T))
        return node
    if node[0] == "T" and node[1][0] == "atom" and _bare(node[1][1], WEIGHTS):
        a = node[1][1]
        return ("atom", replace(a, name=WEIGHTS[a.name], T=a.T))  # (w)^T: the row W
    return rebuild(node, _flip)


def _atoms(node):
    if not isinstance(node, tuple) or not node or not isinstance(node[0], str):
        return
    if node[0] in ("atom", "call"):
        yield node[1]
    for part in node[1:]:
        if isinstance(part, tuple):
            yield from _atoms(part)
        elif isinstance(part, list):
            for q in part:
                q = q[1] if isinstance(q, tuple) and len(q) == 2 and isinstance(q[0], int) else q
                yield from _atoms(q)


def apply(stmts) -> bool:
    """Read w as the column W^T when a forward equation writes z = w^T x + b; whether it did."""
    found = any(len(ms) > 1 and _is_column_form(ms[0].tree, ms[1].tree) for ms in stmts)
    if not found:
        return False
    atoms = [a for ms in stmts for m in ms for a in _atoms(m.tree)]
    if any(a.name in WEIGHTS and a.sup is not None for a in atoms):
        return False  # layered weights beside it: a network, not one unit
    rewrite_trees(stmts, _flip)
    return True
