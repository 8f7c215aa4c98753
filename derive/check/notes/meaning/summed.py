"""Gradients of the summed cost: a note that never divides by the batch size.

Ng's course writes ``dW = \\frac{1}{m} dZ A^T``: its dW and db are the gradients of the mean
cost J, and bind.py reads them so. Many plain-text notes write the same names with no 1/m
anywhere (``dZ2 = A2 - Y``, ``dW2 = A1^T·dZ2``, ``db2 = sum(dZ2, axis=0)``): their loss is
summed over the batch, and their dW, db are its gradients. A note that writes no batch size
(no ``m``, ``N``, no mean) in any formula is read so (``style:summed_grads``); a note that
divides by m once keeps Ng's reading, so a dW that forgets the 1/m there is still caught.
"""

from __future__ import annotations

from .grammar import subtrees

# the letters notes write the batch size with; "mean" and "avg" average over it
_BATCH = {"m", "M", "N", "mean", "avg", "average"}


def never_averages(stmts) -> bool:
    """Whether no formula of the note names a batch size or a mean (see the module doc)."""
    for members in stmts:
        for m in members:
            if m.tree is None:
                if any(w in m.text for w in ("frac{1}{", "/m", "/ m", "mean")):
                    return False
                continue
            for node in _walk(m.tree):
                if node[0] in ("atom", "call") and getattr(node[1], "name", "") in _BATCH:
                    return False
    return True


def _walk(node):
    yield node
    for part in subtrees(node):
        yield from _walk(part)
