"""One dense layer written with bare names: ``z = Wx + b``, ``a = \\sigma(z)``, ``L = L(a)``.

Notes that explain backpropagation through a single fully connected layer write it with no
layer marks at all, and its gradients the same way (``\\frac{\\partial L}{\\partial W} =
\\frac{\\partial L}{\\partial z} x^T``, ``\\frac{\\partial L}{\\partial x} = W^T
\\frac{\\partial L}{\\partial z}``). The drawn network has several layers, where a bare ``z`` is
the last layer's and ``x`` the input two layers below it, so ``z = Wx + b`` does not hold there
and the note's claims were never judged. Such a note describes one layer: the network is drawn
with that one layer (several units). Read so only when the note writes ``z = W x + b`` (or
``z = x W + b`` with the examples as rows, or either entry by entry: ``z_{ij} = \\sum_k x_{ik}
W_{kj} + b_j``) with bare W, x and b and no quantity of it carries a layer (a superscript
other than a transpose, a numbered subscript such as ``W_1``) and no other weight matrix
(``U``, ``V``) stands in a formula: then every bare name is the one layer's, as the note wrote
it.
"""

from __future__ import annotations

import re

from .grammar import atoms

_LAYERED = {"w", "W", "b", "z", "Z", "a", "A", "x", "X", "h", "delta", "dz", "dW", "dw", "db"}
_OTHER_WEIGHTS = {"U", "V", "Theta", "theta"}


def _bare(node, names) -> bool:
    return node[0] == "atom" and node[1].name in names and node[1].sup is None and not node[1].sub


def _is_layer(lhs, rhs) -> bool:
    """z = W x + b (or Wx + b written together), all bare, W not transposed; or the same layer
    with the examples as rows, z = x W + b; or either entry by entry, z_{ij} = \\sum_k x_{ik}
    W_{kj} + b_j, z_j = \\sum_k W_{jk} x_k + b_j (each name with its indices only)."""
    if lhs is None or rhs is None:
        return False
    if _entries(lhs, rhs):
        return True
    if not _bare(lhs, ("z",)):
        return False
    if rhs[0] != "add" or len(rhs[1]) != 2 or any(sign != 1 for sign, _ in rhs[1]):
        return False
    prod, bias = (t for _, t in rhs[1])
    if not _bare(bias, ("b",)) or prod[0] != "mul" or prod[1] not in ("juxt", "cdot", "times"):
        return False
    w, x = prod[2], prod[3]
    if _bare(x, ("W",)) and _bare(w, ("x",)):
        w, x = x, w  # x W: the examples as rows
    return _bare(w, ("W",)) and not w[1].T and _bare(x, ("x",)) and not x[1].T


def _indexed(node, name):
    """The index letters of an entry ``name_{..}`` written with letters only, else None."""
    if node[0] != "atom" or node[1].name != name or node[1].sup is not None or node[1].T:
        return None
    sub = (node[1].sub or "").replace(",", "").replace(" ", "")
    return sub if re.fullmatch(r"[a-z]{1,2}", sub) else None


def _entries(lhs, rhs) -> bool:
    """z_{ij} = \\sum_k x_{ik} W_{kj} + b_j (or z_j = \\sum_k W_{jk} x_k + b_j): the layer entry by
    entry, the sum's letter shared by x and W, the left-hand side's last letter W's other one."""
    z = _indexed(lhs, "z")
    if z is None or rhs[0] != "add" or len(rhs[1]) != 2 or any(s != 1 for s, _ in rhs[1]):
        return False
    total, bias = (t for _, t in rhs[1])
    if _indexed(bias, "b") != z[-1] or total[0] != "sum" or total[3][0] != "mul":
        return False
    k, prod = total[1], total[3]
    pair = {_indexed(prod[2], "x"), _indexed(prod[3], "x")} - {None}
    w = _indexed(prod[2], "W") or _indexed(prod[3], "W")
    if len(pair) != 1 or w is None:
        return False
    x = pair.pop()
    return k in x and k in w and w.replace(k, "", 1) == z[-1] and len(w) == 2


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
