"""Nielsen's schematic ``\\frac{\\partial C}{\\partial w} = a_{\\rm in} \\delta_{\\rm out}``.

Nielsen's chapter 2 (and the many notes that copy it) restates BP4 without indices: for any
weight w, the gradient is the activation of the unit feeding w times the error of the unit w
feeds. ``in`` and ``out`` name the two ends of that weight, so the claim is the entry form
``\\frac{\\partial C}{\\partial w^l_{jk}} = a^{l-1}_k \\delta^l_j`` at every layer and entry,
with the entry's two indices in the order the note's layout writes them: ``w_{jk}`` feeds j
from k with examples as columns (``z = W a + b``) and k from j with examples as rows
(``z = a W + b``). A note whose equations leave the layout open is left unread: which index
is the input would be a guess. ``a_{\\rm out}``, ``\\delta_{\\rm in}`` (the other end) and
``z`` are read the same way, so a note that swaps the ends is judged, and wrong.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .grammar import Atom, subtrees

_END = re.compile(r"^(?:\\(?:rm|mathrm|text|textrm|operatorname)\s*)?\{?\s*(in|out)\s*\}?$")
_UNITS = ("a", "delta", "z")


def _end(atom: Atom) -> str | None:
    """``in`` or ``out`` when the atom's subscript names an end of the weight and nothing else
    decorates it."""
    if atom.sup or atom.primes or atom.T or not atom.sub:
        return None
    m = _END.match(atom.sub.strip())
    return m.group(1) if m else None


def _is_schematic(members) -> bool:
    """The statement's first member is a derivative by a bare ``w`` and a later one names an
    end (``a_{in}``, ``\\delta_{out}``)."""
    lhs = members[0].tree
    if not (isinstance(lhs, tuple) and lhs and lhs[0] == "d" and len(lhs) >= 3):
        return False
    by = lhs[2]
    if not (by[0] == "atom" and by[1] == Atom("w")):
        return False
    return any(_names_end(m.tree) for m in members[1:] if m.tree is not None)


def _names_end(node) -> bool:
    if node[0] == "atom":
        return isinstance(node[1], Atom) and node[1].name in _UNITS and bool(_end(node[1]))
    return any(_names_end(t) for t in subtrees(node))


def _rewrite(node, out: str, inn: str):
    if isinstance(node, list):
        return [_rewrite(q, out, inn) for q in node]
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "atom" and isinstance(node[1], Atom):
        a = node[1]
        if a == Atom("w"):
            return ("atom", replace(a, sup="l", sub="jk"))
        end = _end(a) if a.name in _UNITS else None
        if end == "in":
            return ("atom", replace(a, sup="l-1", sub=inn))
        if end == "out":
            return ("atom", replace(a, sup="l", sub=out))
        return node
    return tuple(_rewrite(q, out, inn) for q in node)


def apply(note, stmts) -> None:
    """Rewrite each schematic statement into its entry form under the note's one layout; a
    note whose readings mix layouts keeps the schematic form (not understood)."""
    layouts = {c[0] for c in note.conventions}
    if len(layouts) != 1:
        return
    # w_{jk} feeds j from k with examples as columns, k from j with examples as rows
    out, inn = ("j", "k") if layouts == {"cols"} else ("k", "j")
    for members in stmts:
        if members and members[0].tree is not None and _is_schematic(members):
            for m in members:
                if m.tree is not None:
                    m.tree = _rewrite(m.tree, out, inn)
