"""Nielsen's equations BP1-BP4 (Neural Networks and Deep Learning, chapter 2), read as the
known convention they are.

A summary of Nielsen's four equations often writes no forward pass at all: ``\\delta^l``,
``w^l``, ``a^{l-1}``, ``\\sigma'(z^l)`` and a cost C are the whole vocabulary. Those letters fix
the convention: column vectors, ``z^l = w^l a^{l-1} + b^l`` (``w^l`` feeds layer l, ``w_{jk}^l``
from unit k of layer l-1 to unit j of layer l), ``a^l = \\sigma(z^l)``, the input layer 1,
``\\delta^l = \\partial C / \\partial z^l`` and any cost of one example. ``detect`` says when a
note without forward equations writes in these letters; the note is then read in that
convention alone, its claims can be found wrong as well as right, and every verdict's
reading names the convention (as ``bishop`` does for Bishop's letters).
"""

from __future__ import annotations

import re

from .grammar import Atom

NAMED = "Nielsen's convention (z^l = w^l a^(l-1) + b^l, a^l = sigma(z^l))"
_LAYER = re.compile(r"\s*[lL]\s*([+-]\s*1)?\s*")


def _atoms(tree, out: list[Atom]) -> None:
    if isinstance(tree, Atom):
        out.append(tree)
    elif isinstance(tree, (tuple, list)):
        for part in tree:
            _atoms(part, out)


def _layered(a: Atom) -> bool:
    return a.sup is not None and _LAYER.fullmatch(a.sup) is not None


def detect(note, stmts) -> bool:
    """Whether the note writes Nielsen's letters and no forward equation of its own."""
    if note.forward or note.cost_trees or note.convention:
        return False
    atoms: list[Atom] = []
    for ms in stmts:
        for m in ms:
            _atoms(m.tree, atoms)
    layered = {a.name for a in atoms if _layered(a)}
    prime = any(a.name == "sigma" and a.primes for a in atoms)
    named = {a.name for a in atoms}
    return (
        prime
        and "C" in named
        and {"delta", "z"} <= layered
        and bool({"w", "a"} & layered)
        and not {"W", "Z", "A", "hat_y", "net", "o"} & named
    )


def apply(note) -> None:
    """Read the note in Nielsen's convention."""
    note.named = NAMED
    note.layout, note.shifts, note.base = "cols", (0,), 1
    note.conventions = [("cols", 1, 0)]
    note.hidden_options, note.output_options = ["sigmoid"], ["sigmoid"]
