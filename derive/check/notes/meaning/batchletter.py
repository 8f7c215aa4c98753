"""``B`` for the number of examples in a batch: ``\\frac{1}{B} A_1^T (\\hat Y - Y)``.

Notes written after the frameworks call the batch size B ("배치 버전 (B개 샘플)", "a batch of B
examples", shapes ``[B, k]``) where Ng writes m and others N. Read as the count of examples
only where nothing else can be meant: every B the note writes is bare and stands alone under a
number (``1/B``, ``\\frac{1}{B}``, ``2/B``), and the note writes no N of its own; then B is
renamed N, which the model reads as the number of examples (the claim is judged on a batch). A
B anywhere else (the bias matrix of ``Y = X W + B``, ``\\partial L / \\partial B``) leaves the
note as it is.
"""

from __future__ import annotations

from .grammar import Atom, nodes, rebuild, rewrite_trees


def _bare_b(node) -> bool:
    return node == ("atom", Atom("B"))


def _uses(stmts):
    """(B under a number, B elsewhere, N written) over the note's trees."""
    under, elsewhere, n = 0, 0, False
    for ms in stmts:
        for m in ms:
            for node in nodes(m.tree):
                if node[0] == "div" and node[1][0] == "num" and _bare_b(node[2]):
                    under += 1
                elif node[0] == "atom" and isinstance(node[1], Atom):
                    if node[1].name == "B":
                        elsewhere += 1
                    elif node[1].name == "N":
                        n = True
    return under, elsewhere - under, n


def _rename(node):
    if not isinstance(node, tuple) or not node:
        return node
    if _bare_b(node):
        return ("atom", Atom("N"))
    return rebuild(node, _rename)


def apply(stmts) -> bool:
    """Rename B to N (in place) in a note that writes B only under a number (``1/B``); True
    when it did."""
    under, other, n = _uses(stmts)
    if not under or other or n:
        return False
    rewrite_trees(stmts, _rename)
    return True
