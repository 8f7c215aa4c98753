"""``B^{(2)}``: a capital B with a layer superscript is that layer's bias.

Notes that write their weight matrices ``W^{(l)}`` in capitals often write the bias vector
``B^{(l)}`` too ("the bias vector $B^{(2)}$"). A B carrying a layer in its superscript is read
as ``b`` of that layer; a B with only a subscript (``B_2``, ``B_{\\text{hidden}}``) is left to
the older checks, which read it already.
"""

from __future__ import annotations

from dataclasses import replace

from .grammar import Atom


def _rename(node):
    if isinstance(node, list):
        return [_rename(q) for q in node]
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "atom" and isinstance(node[1], Atom):
        a = node[1]
        return ("atom", replace(a, name="b")) if a.name == "B" and a.sup else node
    return tuple(_rename(q) for q in node)


def apply(stmts) -> None:
    """Rename every ``B^{(l)}`` of the note's formulas into ``b^{(l)}``."""
    for ms in stmts:
        for m in ms:
            if m.tree is not None and "name='B'" in repr(m.tree):
                m.tree = _rename(m.tree)
