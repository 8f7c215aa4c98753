"""Numbered examples: ``dz^{(1)} = a^{(1)} - y^{(1)}`` beside ``dz^{(i)} = a^{(i)} - y^{(i)}``.

Where the note counts its examples with a letter (examples.py: the letter of ``y^{(i)}``), a
formula that puts a number in the target's superscript (``y^{(1)}``, ``y^{(2)}``) names that
example, and the same number on the other symbols of that formula names the same example (the
target has no layers). Those superscripts become example numbers (``Atom.ex``: "1" is the first
example of the drawn batch); the claim is then read on a batch.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .bind import strip_layer
from .examples import PARAMETERS, TARGETS
from .grammar import rebuild


def _map(node, fn):
    if not isinstance(node, tuple) or not node or not isinstance(node[0], str):
        return node
    if node[0] in ("atom", "call"):
        node = (node[0], fn(node[1]), *node[2:])
    return rebuild(node, lambda q: _map(q, fn))


def _number(sup) -> str | None:
    s = strip_layer(sup or "")
    return s if re.fullmatch(r"[1-9]", s) else None


def apply(stmts, letters) -> None:
    """Rewrite the numbered examples of each formula (in place) when the note counts examples."""
    if not letters:
        return
    for ms in stmts:
        found = {_number(a.sup) for m in ms for a in _atoms(m.tree) if a.name in TARGETS}
        found.discard(None)
        if len(found) != 1:
            continue
        k = found.pop()

        def to_example(a, k=k):
            if a.name in PARAMETERS or _number(a.sup) != k or a.ex:
                return a
            return replace(a, sup=None, ex=k)

        for m in ms:
            if m.tree is not None:
                m.tree = _map(m.tree, to_example)


def _atoms(tree):
    seen = []
    _map(tree, lambda a: seen.append(a) or a)
    return seen


def mentions(tree) -> bool:
    """Whether a tree names a numbered example (read on a batch)."""
    return any(getattr(a, "ex", None) and a.ex.isdigit() for a in _atoms(tree))
