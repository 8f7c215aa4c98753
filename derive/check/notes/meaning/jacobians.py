"""An activation's Jacobian named as a matrix of the note's own: ``J^{(l)}``.

Course notes that write the general case for any activation (softmax included) put the
activation's Jacobian in the recursion: ``\\delta^{(L)} = (J^{(L)})' \\nabla_{a^{(L)}} l``,
``\\delta^{(l)} = (J^{(l)})' (W^{(l+1)})' \\delta^{(l+1)}``, and say in their prose that
``J^{(l)}`` is the Jacobian matrix of the activation of layer l. When the prose says so (a
word for Jacobian: Jacobian, jacobienne, Jacobi-Matrix, 雅可比), a ``J`` with a layer and no
entry is that matrix, ``\\partial a^{(l)} / \\partial z^{(l)}`` in numerator layout, multiplied
as a matrix; elsewhere ``J`` stays the cost.
"""

from __future__ import annotations

import re

from .grammar import Atom

_WORD = re.compile(r"(?i)jacobi|jacobian|雅可比")


def bind_jacobians(note, segments, stmts) -> None:
    if not any(s.kind == "text" and _WORD.search(s.text) for s in segments):
        return
    sups = set()
    for members in stmts:
        for m in members:
            sups |= set(re.findall(r"Atom\(name='J', sub=None, sup='([^']+)'", repr(m.tree)))
    for sup in sups:
        a, z = ("atom", Atom("a", None, sup)), ("atom", Atom("z", None, sup))
        note.aliases.setdefault(Atom("J", None, sup).show(), ("jacobian", ("d", a, z, None)))
