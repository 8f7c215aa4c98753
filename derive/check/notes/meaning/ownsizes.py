"""Shapes stated with size letters of the note's own: ``x \\in \\mathbb{R}^{n \\times 1}``,
``W \\in \\mathbb{R}^{m \\times n}``, then ``\\frac{\\partial L}{\\partial W} \\in
\\mathbb{R}^{m \\times n}``.

A note that names its sizes by letters (n inputs, m outputs) declares them with the shapes of
its own quantities, and then states the shapes of what it derives with the same letters. A
statement whose size letters are new to the note declares them: each letter takes the size the
quantity has on the drawn network (a letter given two sizes ends the reading). A statement
whose letters are all declared is a claim: correct when the quantity has that shape on the
drawn network; wrong only when it has another shape that is not merely the transpose (a
gradient stated as a row is a layout of its own, not a mistake); else not understood. Only
shapes of two sizes (rows x columns) of a note with no layer letters are read; Ng's
``n^{[l]}`` and m as the number of examples stay with ``ngshapes``.
"""

from __future__ import annotations

import re

import numpy as np

from . import bind
from .bind import NoLayer
from .grammar import Unreadable, parse

_REALS = r"\\(?:mathbb|mathbf|Bbb|bf)\s*\{?\s*R\s*\}?"
_STATEMENT = re.compile(
    r"^\s*(?:\\Rightarrow\s*)?(?P<x>.+?)\s*\\in\s*" + _REALS
    + r"\s*\^\s*\{\s*(?P<r>[A-Za-z]|\d+)\s*\\times\s*(?P<c>[A-Za-z]|\d+)\s*\}\s*[.,;]?\s*$"
)  # fmt: skip


def stated(text: str):
    """(the symbol's text, rows, columns) of ``X \\in \\mathbb{R}^{r \\times c}`` with sizes
    that are single letters or numbers, at least one a letter; or None."""
    m = _STATEMENT.match(text)
    if not m or (m.group("r").isdigit() and m.group("c").isdigit()):
        return None
    if re.search(r"(?<![A-Za-z\\])[XYZA](?![A-Za-z])", m.group("x")):
        return None  # a batch: its number of examples is no size of the drawn example
    if {m.group("r"), m.group("c")} & {"N", "B"}:
        return None
    return m.group("x").strip(), m.group("r"), m.group("c")


def _shape(note, text: str):
    """The shape of a quantity on the note's drawn network (one example), or None."""
    if note.unfit or not note.forward:
        return None
    try:
        tree = parse(text, note.functions)
        if bind.uses_layer_l(tree):
            return None
        _, env = note.one_example(note.first_reading())
        with np.errstate(all="raise"):
            v = bind.value(tree, env)
    except (Unreadable, NoLayer, ValueError, TypeError, KeyError, IndexError, FloatingPointError):
        return None
    if isinstance(v, bind.Jac) or not isinstance(v, np.ndarray) or v.ndim != 2:
        return None
    return tuple(v.shape)


def judge(note, text: str, rows: str, cols: str):
    """(verdict, message, reading) of the statement, declaring its new letters; None when the
    statement only declares (or cannot be read)."""
    if "m" in (rows, cols) and not getattr(note, "m_width", False):
        return None  # m the number of examples (ngshapes)
    sizes = note.__dict__.setdefault("own_sizes", {})
    if sizes.get("?"):
        return None  # a letter was given two sizes: the note's letters are not read
    got = _shape(note, text)
    if got is None:
        return None
    new = [(d, n) for d, n in zip((rows, cols), got, strict=True) if d.isalpha() and d not in sizes]
    if new:
        for d, n in new:
            if sizes.setdefault(d, n) != n:
                sizes["?"] = True
                return None
        if any(d.isdigit() and int(d) != n for d, n in zip((rows, cols), got, strict=True)):
            sizes["?"] = True  # a declaration that does not fit the drawn network
        return None
    want = tuple(int(d) if d.isdigit() else sizes[d] for d in (rows, cols))
    if got == want:
        return "correct", "", "the sizes the note declares"
    if got == want[::-1]:
        return None  # the transpose: a layout of its own
    why = f"{text} is {got[0]} x {got[1]} on the drawn network, where the note's sizes give "
    return "wrong", why + f"{want[0]} x {want[1]}", "the sizes the note declares"
