"""One dense layer written with bare names: ``z = Wx + b``, ``a = \\sigma(z)``, ``L = L(a)``.

Notes that explain backpropagation through a single fully connected layer write it with no
layer marks at all, and its gradients the same way (``\\frac{\\partial L}{\\partial W} =
\\frac{\\partial L}{\\partial z} x^T``, ``\\frac{\\partial L}{\\partial x} = W^T
\\frac{\\partial L}{\\partial z}``). The drawn network has several layers, where a bare ``z`` is
the last layer's and ``x`` the input two layers below it, so ``z = Wx + b`` does not hold there
and the note's claims were never judged. Such a note describes one layer: the network is drawn
with that one layer (several units). Read so only when the note writes ``z = W x + b`` with
bare W, x and b and no quantity of it carries a layer (a superscript other than a transpose, a
numbered subscript such as ``W_1``) and no other weight matrix (``U``, ``V``) stands in a
formula: then every bare name is the one layer's, as the note wrote it.
"""

from __future__ import annotations

import re

from .grammar import atoms

_LAYERED = {"w", "W", "b", "z", "Z", "a", "A", "x", "X", "h", "delta", "dz", "dW", "dw", "db"}
_OTHER_WEIGHTS = {"U", "V", "Theta", "theta"}


def _bare(node, names) -> bool:
    return node[0] == "atom" and node[1].name in names and node[1].sup is None and not node[1].sub


def _is_layer(lhs, rhs) -> bool:
    """z = W x + b (or Wx + b written together), all bare, W not transposed."""
    if lhs is None or rhs is None or not _bare(lhs, ("z",)):
        return False
    if rhs[0] != "add" or len(rhs[1]) != 2 or any(sign != 1 for sign, _ in rhs[1]):
        return False
    prod, bias = (t for _, t in rhs[1])
    if not _bare(bias, ("b",)) or prod[0] != "mul" or prod[1] not in ("juxt", "cdot"):
        return False
    w, x = prod[2], prod[3]
    return _bare(w, ("W",)) and not w[1].T and _bare(x, ("x",)) and not x[1].T


def applies(stmts) -> bool:
    """Whether the note is one bare dense layer (see the module doc)."""
    if not any(len(ms) > 1 and _is_layer(ms[0].tree, ms[1].tree) for ms in stmts):
        return False
    for ms in stmts:
        for m in ms:
            for a in atoms(m.tree, calls=True) if m.tree is not None else ():
                if a.name in _OTHER_WEIGHTS:
                    return False
                layer = a.sup and not a.sup.isdigit()  # a^{2}: a power, no layer
                if a.name in _LAYERED and (layer or (a.sub and re.search(r"\d", a.sub))):
                    return False
    return True
