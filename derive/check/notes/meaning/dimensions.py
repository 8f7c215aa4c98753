"""Shapes written as fractions: ``Dimension: \\frac{n^{[l]}}{m} = \\frac{n^{[l]}}{n^{[l-1]}}
\\frac{n^{[l-1]}}{m} + \\frac{n^{[l]}}{1}``.

Some students keep the shapes of a formula beside it, each matrix's shape as rows over
columns, on a line labelled ``Dimension:`` (or Shape, Size). Such a line is no arithmetic: a
fraction is a shape (rows, columns), a product multiplies shapes (the inner sizes must agree),
a sum adds them (a column, columns 1, broadcasts over the columns). The line holds when both
sides have the same shape; it is wrong when a product cannot be formed, a sum mixes shapes
that do not broadcast, or the sides differ. Sizes are compared as written (``n^{[l]}``, m, 1).
"""

from __future__ import annotations

import re

LABEL = re.compile(r"(?i)^(dimensions?|shapes?|sizes?)$")


class Mismatch(Exception):
    """Shapes that do not combine as written."""


def _size(node) -> str:
    if node[0] == "num" and float(node[1]).is_integer():
        return str(int(node[1]))
    if node[0] == "atom":
        return node[1].show()
    raise ValueError("not a size")


def shape(node) -> tuple[str, str]:
    kind = node[0]
    if kind == "div":
        return _size(node[1]), _size(node[2])
    if kind == "mul":
        a, b = shape(node[2]), shape(node[3])
        if a[1] != b[0]:
            raise Mismatch(f"({a[0]} x {a[1]}) times ({b[0]} x {b[1]}) cannot be formed")
        return a[0], b[1]
    if kind == "add":
        shapes = [shape(t) for _, t in node[1]]
        full = [s for s in shapes if s[1] != "1"] or shapes
        out = full[0]
        for s in shapes:
            if s[0] != out[0] or s[1] not in (out[1], "1"):
                raise Mismatch(f"({s[0]} x {s[1]}) cannot be added to ({out[0]} x {out[1]})")
        return out
    raise ValueError("not a shape")


def judge(lhs, rhs) -> tuple[str, str] | None:
    """(verdict, message) for a shape line, or None when it is not written in shapes."""
    try:
        want = shape(lhs)
    except (ValueError, Mismatch):
        return None
    try:
        got = shape(rhs)
    except ValueError:
        return None
    except Mismatch as e:
        return "wrong", str(e)
    if got == want:
        return "correct", ""
    return "wrong", f"the right-hand side is ({got[0]} x {got[1]}), not ({want[0]} x {want[1]})"


# ---------------------------------------------------------------- "X is size n x 1"
_STATED = re.compile(
    r"^(?P<x>.+?)\\text\{\s*(?:is|has)\s+(?:of\s+)?(?:size|shape|dimension)s?\s*\}\s*"
    r"(?P<a>\w+)\s*\\times\s*(?P<b>\w+)\s*[.,]?$"
)
_NEURONS = re.compile(r"(?i)layer\s{3,}has\s{3,}(?:neurons|units|nodes)")


def sizes(segments) -> dict[str, str]:
    """The letters the prose gives to layer widths: "If layer $l-1$ has $m$ neurons and layer
    $l$ has $n$ neurons" gives m the width of layer l-1 and n that of layer l. The inline
    math of a line stands, in order, where its text has a run of blanks."""
    maths: dict[int, list[str]] = {}
    for s in segments:
        if s.kind == "math" and not s.display:
            maths.setdefault(s.line, []).append(s.text.strip())
    out = {}
    for s in segments:
        if s.kind != "text" or not _NEURONS.search(s.text):
            continue
        slots = [m.start() for m in re.finditer(r"\s{3,}", s.text)]
        line = maths.get(s.line, [])
        if len(slots) != len(line):
            continue
        for m in _NEURONS.finditer(s.text):
            inside = [i for i, at in enumerate(slots) if m.start() <= at < m.end()]
            if len(inside) == 2 and re.fullmatch(r"[A-Za-z]", line[inside[1]]):
                out[line[inside[1]]] = line[inside[0]]
    return out


def stated(text: str):
    """(the symbol's text, rows, columns) of ``X \\text{ is size } A \\times B``, or None."""
    m = _STATED.match(text.strip())
    return (m.group("x").strip(), m.group("a"), m.group("b")) if m else None
