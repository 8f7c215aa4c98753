"""The variable a section is about, for derivatives written with a bare symbol.

Homework write-ups take one derivative per section, the heading naming the variable
(``### With respect to $W^{(1)}$``), and then drop the layer inside the section:
``\\frac{\\partial J}{\\partial W_{fg}}`` there is the derivative by an entry of ``W^{(1)}``.
A Markdown heading whose math is one layered symbol fixes that symbol's layer for the
variable of every derivative written with the bare symbol (no layer) until the next heading;
other bare occurrences keep their usual reading (the section may use the other layer's bare
``W`` inside its formulas, as CS224d's write-ups do).
"""

from __future__ import annotations

import re

from .grammar import Atom, Unreadable, clean, parse, rebuild


def headings(segments) -> list[tuple[int, str, str]]:
    """(line, name, layer superscript) of the headings that name one layered symbol, and
    (line, "", "") for any other heading (which ends the section before)."""
    out = []
    heads = {s.line for s in segments if s.kind == "text" and re.match(r"\s*#{1,6}\s", s.text)}
    for line in sorted(heads):
        maths = [s for s in segments if s.kind == "math" and s.line == line]
        var = ("", "")
        if len(maths) == 1:
            try:
                tree = parse(clean(maths[0].text))
            except Unreadable:
                tree = None
            if tree is not None and tree[0] == "atom" and tree[1].sup and not tree[1].sub:
                var = (tree[1].name, tree[1].sup)
        out.append((line, *var))
    return out


def apply(segments, stmts) -> None:
    """Give the section's layer to the bare variable of each derivative in it."""
    heads = headings(segments)
    if not any(name for _, name, _ in heads):
        return
    for members in stmts:
        line = members[0].line
        before = [h for h in heads if h[0] <= line]
        if not before or not before[-1][1]:
            continue
        _, name, sup = before[-1]
        for m in members:
            if m.tree is not None:
                m.tree = _layered(m.tree, name, sup)


def _layered(node, name, sup):
    if not isinstance(node, tuple):
        return node
    if node[0] == "d" and node[2] is not None and node[2][0] == "atom":
        a = node[2][1]
        if a.name == name and a.sup is None:
            den = ("atom", Atom(a.name, a.sub, sup, a.primes, a.T))
            return ("d", _layered(node[1], name, sup), den, _layered(node[3], name, sup))
    return rebuild(node, lambda q: _layered(q, name, sup))
