"""The error written as a lower-case ``e``: ``\\delta_j = \\partial e / \\partial s_j``, ``e(w)``.

Learning From Data (Abu-Mostafa, Magdon-Ismail, Lin) and the notes retelling its chapter on
neural networks call one example's error ``e`` and write it as a function of the weights,
``e(w)``; as a derivative's numerator it can only be the error (Euler's number is no quantity
one differentiates, and the exponential is written ``e^{...}``). A note that differentiates a
bare ``e`` (or ``e(w)``) and writes no ``E`` of its own has that ``e`` read as the cost ``E``
everywhere, ``e(w)`` as ``E``.
"""

from __future__ import annotations

from dataclasses import replace

from .grammar import Atom, atoms, nodes, rebuild, rewrite_trees


def _bare(node, name: str) -> bool:
    return node[0] == "atom" and isinstance(node[1], Atom) and node[1] == Atom(name)


def _of_w(node) -> bool:
    """``e(w)``, read by the grammar as e times w."""
    return node[0] == "mul" and node[1] == "juxt" and _bare(node[2], "e") and _bare(node[3], "w")


def applies(stmts) -> bool:
    used = {a.name for ms in stmts for m in ms for a in atoms(m.tree, calls=True)}
    if "E" in used:
        return False
    for ms in stmts:
        for m in ms:
            for n in nodes(m.tree):
                if n[0] == "d" and n[1] is not None and (_bare(n[1], "e") or _of_w(n[1])):
                    return True
    return False


def _rewrite(node):
    if not isinstance(node, tuple) or not node:
        return node
    if _of_w(node) or _bare(node, "e"):
        return ("atom", replace(Atom("e"), name="E"))
    return rebuild(node, _rewrite)


def apply(stmts) -> bool:
    """Read the note's error e as the cost E (in place); True when it did."""
    if not applies(stmts):
        return False
    rewrite_trees(stmts, _rewrite)
    return True
