"""An index that turns a whole vector into one entry, or names a number where a letter belongs.

Two slips of vectorised and index notation that leave a claim with no value as written:

* ``\\delta^{(4)} = a^{(4)}_j - y``: the left-hand side is a whole vector, the right-hand side
  subtracts a whole vector from one entry ``a^{(4)}_j`` (j is free on the right only). Not an
  entry-wise definition (that writes the index on every term, or on the left too).
* ``\\frac{\\partial J}{\\partial \\Theta^{(l)}_{ij}} = a^{(l)}_j \\delta^{(l+1)}_1``: the left
  has the index i, the right has none but a numbered entry ``\\delta^{(l+1)}_1`` of a layered
  quantity (its superscript is the layer, so the 1 is no layer number).

As written such a claim is not read (its value is undefined, or holds at one entry only). When
the claim holds with the index dropped (the whole vector) or with the missing letter in place
of the number, that is the mistake and it is named, as slips.py names an error applied as a
function; otherwise what was meant is unclear and the claim stays not understood.
"""

from __future__ import annotations

import re
from dataclasses import replace

from . import bind
from .grammar import rebuild


def _map_atoms(node, fn):
    if not isinstance(node, tuple) or not node or not isinstance(node[0], str):
        return node
    if node[0] == "atom":
        return ("atom", fn(node[1]))
    return rebuild(node, lambda q: _map_atoms(q, fn))


def _atoms(node, out):
    _map_atoms(node, lambda a: out.append(a) or a)
    return out


def _whole(a) -> bool:
    """A symbol of a layered quantity or a vector written without an index."""
    return not a.sub and (a.name in bind.LAYERED or a.name in bind.VECTOR_NAMES)


def _entry_for_vector(note, lhs, rhs):
    """(fixed tree, the entries written) for a vector claim with stray entries, or None."""
    if bind.free_indices(lhs) or rhs[0] != "add":
        return None
    stray = bind.free_indices(rhs) - set(note.class_letters) - set(note.example_letters)
    if len(stray) != 1:
        return None
    letter = next(iter(stray))
    atoms = _atoms(rhs, [])
    hit = [a for a in atoms if (a.sub or "").strip() == letter and not a.T]
    if not hit or not any(_whole(a) for a in atoms):
        return None  # an index on every term: an entry-wise definition, not this slip
    if not all(a.name in bind.LAYERED or a.name in bind.VECTOR_NAMES for a in hit):
        return None
    fixed = _map_atoms(rhs, lambda a: replace(a, sub=None) if a in hit else a)
    return fixed, hit


def _number_for_letter(note, lhs, rhs):
    """(fixed tree, the entries written) for a numbered entry where the left's letter belongs."""
    subs = {c for a in _atoms(lhs, []) for c in re.findall(r"[a-z]", a.sub or "")}
    missing = (bind.free_indices(lhs) - bind.free_indices(rhs)) & subs  # an index, no example
    if len(missing) != 1:
        return None
    letter = next(iter(missing))
    hit = [
        a
        for a in _atoms(rhs, [])
        if a.sup and a.name in bind.LAYERED and re.fullmatch(r"\s*\d\s*", a.sub or "")
    ]
    if len(hit) != 1:
        return None
    fixed = _map_atoms(rhs, lambda a: replace(a, sub=letter) if a in hit else a)
    return fixed, hit, letter


def judge(note, lhs, rhs, compare, line, cond, context):
    """(verdict, message, reading) naming the slip when the claim holds without it; else None."""
    if lhs is None or rhs is None:
        return None
    found = _entry_for_vector(note, lhs, rhs)
    if found is not None:
        fixed, hit = found
        v, _, reading = compare(note, lhs, fixed, line, cond, context)
        if v == "correct":
            names = ", ".join(a.show() for a in hit)
            return (
                "wrong",
                f"{names} is one entry where the left-hand side is a whole vector (its index "
                "is on the right only); with the whole vector the claim holds",
                reading,
            )
        return None
    found = _number_for_letter(note, lhs, rhs)
    if found is not None:
        fixed, hit, letter = found
        v, _, reading = compare(note, lhs, fixed, line, cond, context)
        if v == "correct":
            return (
                "wrong",
                f"{hit[0].show()} is the numbered entry {hit[0].sub.strip()} where the left-hand "
                f"side's index {letter} belongs; with {letter} in its place the claim holds",
                reading,
            )
    return None
