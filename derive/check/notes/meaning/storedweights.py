"""Columns with each weight matrix stored ``[in, out]``: ``z = W^T a + b``.

Textbooks that follow the frameworks' storage (a linear layer's weight is ``[in, out]``, as in
``x @ W``) still derive with column vectors, and then write every layer with the weight
transposed: ``z_1 = W_1^T x + b_1``, ``W_1 \\in \\mathbb{R}^{n \\times m}`` for n inputs and m
hidden units, ``z^{(l)} = W^{(l)T} a^{(l-1)} + b^{(l)}``. Their gradients follow that storage:
``\\frac{\\partial L}{\\partial W_2} = a_1 (\\frac{\\partial L}{\\partial z_2})^T`` (``[m, k]``),
``\\frac{\\partial L}{\\partial a_1} = W_2 \\frac{\\partial L}{\\partial z_2}``. Read with the
model's columns (W ``[out, in]``) the note's own forward equations fail and every such claim
is a transpose away from the truth; read with rows they fail too (a column is no row).

The reading (``Reading.wt``, the convention layout ``"colsT"``): examples as columns, the note's
W the model's transposed, its entries ``w_{ij}`` feeding j from i, and a derivative by W in
W's shape. It is offered only to a note whose forward equations apply a layered weight matrix
transposed (``W_2^T a_1``); the note's equations then choose it the way they choose any
layout, by holding under it.
"""

from __future__ import annotations

from .grammar import Atom, nodes


def _first_factor(tree):
    """The leftmost factor of a product (the term itself when it is no product)."""
    while isinstance(tree, tuple) and tree and tree[0] == "mul":
        tree = tree[2]
    return tree


def _terms(tree):
    if isinstance(tree, tuple) and tree and tree[0] == "add":
        return [t for _, t in tree[1]]
    return [tree]


def _layered_weight(atom: Atom) -> bool:
    if atom.name not in ("W", "w"):
        return False
    if atom.sup is not None:
        return True
    return (atom.sub or "").strip().isdigit()  # W_1, W_2: the layer in the subscript


def offers(forward) -> bool:
    """Whether a forward equation of the note (``(lhs, rhs)`` pairs) applies a layered weight
    matrix transposed to the layer below: ``z_2 = W_2^T a_1 + b_2``."""
    for lhs, rhs in forward:
        if not (isinstance(lhs, tuple) and lhs and lhs[0] == "atom"):
            continue
        if lhs[1].name not in ("z", "Z") or lhs[1].sub and not lhs[1].sub.strip().isdigit():
            continue
        for term in _terms(rhs):
            first = _first_factor(term)
            if first is term or not (isinstance(first, tuple) and first and first[0] == "atom"):
                continue
            atom = first[1]
            if (
                _layered_weight(atom)
                and atom.T
                and any(
                    n[0] == "atom" and isinstance(n[1], Atom) and n[1].name in ("a", "x", "A", "X")
                    for n in nodes(term)
                )
            ):
                return True
    return False
