"""The note's highest weight fixes which layer a weight feeds.

Two numberings are read (``conventions``): ``W^{(l)}`` feeds ``z^{(l)}``, or it feeds
``z^{(l+1)}`` (UFLDL). When the note's forward equations do not tell them apart (it writes
only ``A^{(2)} = \\sigma(Z^{(2)})``), both stay, and a claim about ``W^{(2)}`` is never judged,
since under the second one ``W^{(2)}`` feeds a ``Z^{(3)}`` nowhere in the note. A note that
names a whole weight with the number of its highest layer quantity (``W^{(2)}`` beside
``Z^{(2)}``, ``A^{(2)}``, nothing numbered 3) has its weights feed their own layer: the shifted
reading is dropped.
"""

from __future__ import annotations

import re

from .bind import LAYERED, strip_layer
from .grammar import Atom


def _atoms(tree, out):
    if isinstance(tree, Atom):
        out.append(tree)
    elif isinstance(tree, (tuple, list)):
        for t in tree:
            _atoms(t, out)


def _layer(atom: Atom) -> int | None:
    s = strip_layer(atom.sup) if atom.sup else (atom.sub or "").strip()
    return int(s) if re.fullmatch(r"\d", s or "") else None


def drop_shift(note, stmts) -> None:
    """Drop the shifted numbering from ``note.conventions`` when the note's highest whole
    weight has the number of its highest z or a (see the module's text)."""
    if not any(shift for _, _, shift in note.conventions):
        return
    atoms: list[Atom] = []
    for ms in stmts:
        for m in ms:
            _atoms(m.tree, atoms)
    weights, vectors = set(), set()
    for a in atoms:
        kind, n = LAYERED.get(a.name), _layer(a)
        if n is None:
            continue
        if kind == "W" and not (a.sup and a.sub):  # a whole matrix, no entry index
            weights.add(n)
        elif kind in ("z", "a") and a.name not in ("x", "X"):
            vectors.add(n)
    if not weights or not vectors or max(weights) < max(vectors):
        return
    kept = [c for c in note.conventions if not c[2]]
    if kept:
        note.conventions = kept
