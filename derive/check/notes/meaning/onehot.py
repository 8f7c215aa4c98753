"""The one-hot target written as a unit vector: ``e_\\ell`` (CS7015), ``e_c``, ``e_y``.

A note whose cost picks the true class by an index letter (``\\mathcal{L} = -\\log \\hat
y_\\ell``: a class letter, ``judge._class_letters``) often writes the target vector as the unit
vector of that class, ``\\nabla_{a_L} \\mathcal{L} = -(e_\\ell - \\hat y)``. An ``e`` whose only
subscript is a class letter is then the one-hot target y, where the note gives e no meaning of
its own (no formula defines it: ``e_j = \\exp(x_j)`` is another e).
"""

from __future__ import annotations

from dataclasses import replace

from .grammar import Atom, rebuild, rewrite_trees


def _defines_e(stmts) -> bool:
    for ms in stmts:
        lhs = ms[0].tree if ms else None
        if len(ms) > 1 and lhs is not None and lhs[0] == "atom" and lhs[1].name == "e":
            return True
    return False


def apply(stmts, class_letters: set[str]) -> None:
    """Read ``e_c`` (c a class letter) as the target y, in place."""
    if not class_letters or _defines_e(stmts):
        return

    def swap(node):
        if not isinstance(node, tuple) or not node:
            return node
        if node[0] == "atom" and isinstance(node[1], Atom):
            a = node[1]
            sub = (a.sub or "").strip().strip("{}").strip()
            if a.name == "e" and a.sup is None and not a.primes and sub in class_letters:
                return ("atom", replace(a, name="y", sub=None))
            return node
        return rebuild(node, swap)

    rewrite_trees(stmts, swap)
