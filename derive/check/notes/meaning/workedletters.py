"""A worked example's own letters: its numbers given as arrays of names, one unit under two names,
and the formula of a unit its numbers follow.

Three ways of writing a small network's numbers that worked examples share (``worked.py`` reads
the rest):

* the inputs and weights given at once, an array of the note's scalar names set equal to an
  array of numbers: ``X = \\begin{pmatrix} x_1 & x_2 \\end{pmatrix} = \\begin{pmatrix} 0.5 &
  0.3 \\end{pmatrix}``, ``W = \\begin{pmatrix} w_1 & w_2 \\\\ w_3 & w_4 \\end{pmatrix} =
  \\begin{pmatrix} 0.3 & 0.2 \\\\ 0.2 & 0.3 \\end{pmatrix}``: each name has the number in its
  place (both arrays of the same shape, every cell of the first a plain name, of the second a
  plain number);
* a network with one output writes its prediction with and without the unit's number
  (``\\hat{y_1} = w_5 a_1 + w_6 a_2 = \\ldots = 0.4943``, then ``\\hat{y} = 0.4943`` and ``L = (y_1
  - \\hat{y})^2``): the bare name is that unit when it is the only unit of its name the note
  writes and the note gives both the same number;
* a unit defined by a chain of formulas ending in its number (``a_2 = \\sigma(z_1) =
  \\frac{1}{1+e^{-z_2}} = \\frac{1}{1+e^{-0.19}} = 0.547``): its value is the one its number
  follows. When the first formula misses that number (beyond its written precision) and a later
  one gives it, the later one is the unit's formula; the step between the two is still judged
  (a slip in the first formula is caught there, and does not spread to every later line).
"""

from __future__ import annotations

import re

from .grammar import Atom, Unreadable, clean, parse

_ARRAY = re.compile(r"^\s*\\begin\{([bpv]?matrix)\}(.*)\\end\{\1\}\s*$", re.S)
_NAME = re.compile(r"[A-Za-z](?:_(?:[A-Za-z0-9]|\{[A-Za-z0-9]{1,3}\}))?")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)")


def _cells(text: str) -> list[list[str]] | None:
    """The cells of an array written as a matrix environment, row by row (the reader has
    dropped the ``&``: the cells are what spaces separate), or None."""
    m = _ARRAY.match(text)
    if not m:
        return None
    rows = [r.split() for r in re.split(r"\\\\", m.group(2)) if r.strip()]
    return rows or None


def named_cells(members) -> list[tuple[Atom, float]]:
    """``X = (x_1 \\; x_2) = (0.5 \\; 0.3)``: each name of an array of names paired with the
    number in its place in the array of numbers written next to it."""
    out = []
    for a, b in zip(members, members[1:], strict=False):
        names, nums = _cells(a.text), _cells(b.text)
        if not names or not nums or [len(r) for r in names] != [len(r) for r in nums]:
            continue
        flat = [c for r in names for c in r]
        vals = [c for r in nums for c in r]
        if len(set(flat)) != len(flat) or len(flat) < 2:
            continue
        if not all(_NAME.fullmatch(c) for c in flat) or not all(_NUMBER.fullmatch(c) for c in vals):
            continue
        try:
            trees = [parse(clean(c)) for c in flat]
        except Unreadable:
            continue
        if any(t[0] != "atom" for t in trees):
            continue
        out.extend((t[1], float(v)) for t, v in zip(trees, vals, strict=True))
    return out


def one_unit(stated: dict, values: dict, defs: dict, atoms: dict, written: set) -> dict:
    """``\\hat{y}`` for ``\\hat{y_1}``: bare names that stand for the one unit of their name
    (key -> the unit's key). ``written`` holds (name, sup, sub) of every name the note
    writes anywhere."""
    out = {}
    for key, a in atoms.items():
        if a.sub or a.primes or a.T or key in defs:
            continue
        mine = stated.get(key, values.get(key))
        if mine is None:
            continue
        subs = {sub for name, sup, sub in written if name == a.name and sup == a.sup and sub}
        units = [k for k in defs if atoms[k].name == a.name and atoms[k].sup == a.sup]
        if len(subs) != 1 or len(units) != 1 or atoms[units[0]].sub not in subs:
            continue
        if units[0] in stated and stated[units[0]] == mine:
            out[key] = units[0]
    return out


def written_names(stmts, walk) -> set:
    """(name, sup, sub) of every name written in the note's formulas."""
    out = set()
    for members in stmts:
        for m in members:
            if m.tree is None:
                continue
            for n in walk(m.tree):
                if n[0] == "atom":
                    a = n[1]
                    out.add((a.name, a.sup, (a.sub or "").replace(" ", "") or None))
    return out
