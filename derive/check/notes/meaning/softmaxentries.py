"""A softmax written out over numbered entries: ``a_1 = \\frac{e^{z_1}}{e^{z_1} + e^{z_2}}``.

Notes that make the softmax concrete on a small vector write every entry's exponential over
the sum written out term by term, one equation per entry or the entries stacked in a column
(``\\begin{pmatrix} z_1 \\\\ z_2 \\\\ z_3 \\end{pmatrix} \\rightarrow \\begin{pmatrix}
\\frac{e^{z_1}}{e^{z_1} + e^{z_2} + e^{z_3}} \\\\ \\dots \\end{pmatrix} = \\begin{pmatrix} a_1 \\\\
a_2 \\\\ a_3 \\end{pmatrix}``). The subscripts are then entry numbers, not layers: z is the
output layer's pre-activation and a its softmax, with as many units as the sum has terms, so
``\\frac{\\partial a_1}{\\partial z_2} = -a_1 a_2`` is a claim about entries 1 and 2 of the
output layer. ``a_L``, ``a_{Lc}`` (the output layer, its entry c) and the bare vectors a, z are
the same quantities.

Not in a note whose forward equations give those letters a weight (``z_1 = W_1 x + b_1``: there
the subscript is a layer).
"""

from __future__ import annotations

import re
from dataclasses import replace

from .grammar import atoms, rebuild, rewrite_trees

_EXP = r"(?:e\^\{?\s*([A-Za-z])_\{?(\d)\}?\s*\}?|\\exp\s*\(\s*([A-Za-z])_\{?(\d)\}?\s*\))"
_ENTRY = re.compile(rf"\\[dt]?frac\s*\{{\s*{_EXP}\s*\}}\s*\{{\s*((?:{_EXP}\s*\+?\s*){{2,}})\}}")
_TERM = re.compile(_EXP)
_COLUMN = re.compile(
    r"\\begin\{[pbv]?matrix\}\s*([A-Za-z])_\{?1\}?\s*((?:\\\\\s*\1_\{?\d\}?\s*)+)\\end\{[pbv]?matrix\}"
)


def _entries(text: str):
    """[(logits letter, entry, number of terms)] for each ``\\frac{e^{z_n}}{e^{z_1} + … +
    e^{z_K}}`` in the text whose sum runs over 1..K of the same letter."""
    out = []
    for m in _ENTRY.finditer(text):
        z, n = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        terms = [(t.group(1) or t.group(3), int(t.group(2) or t.group(4)))
                 for t in _TERM.finditer(m.group(5))]  # fmt: skip
        if {t[0] for t in terms} != {z} or [t[1] for t in terms] != list(range(1, len(terms) + 1)):
            continue
        if not 1 <= int(n) <= len(terms):
            continue
        out.append((z, int(n), len(terms)))
    return out


def find(stmts):
    """(logits letter, value letter, number of entries, defining statements) or None."""
    found, defs = None, []
    for members in stmts:
        text = " = ".join(m.text for m in members)
        entries = _entries(text)
        if not entries:
            continue
        z, _, k = entries[0]
        value = None
        lhs = re.fullmatch(r"([A-Za-z])_\{?(\d)\}?", members[0].text.strip())
        if lhs and len(members) == 2 and len(entries) == 1:
            value = lhs.group(1)  # a_1 = \frac{e^{z_1}}{e^{z_1} + e^{z_2} + e^{z_3}}
        else:
            for col in _COLUMN.finditer(text):  # the entries stacked = (a_1; a_2; a_3)
                rows = 1 + col.group(2).count("\\\\")
                if col.group(1) != z and rows == k == len(entries):
                    value = col.group(1)
                    break
        if value is None or value == z:
            continue
        if found is not None and found[:3] != (z, value, k):
            return None  # two softmaxes of their own: not this reading
        found = (z, value, k)
        defs.append(members[0])
    if found is None:
        return None
    return (*found, defs)


def _weighted(stmts, letters) -> bool:
    """A forward equation giving one of the letters a weight (z_1 = W_1 x + b_1)."""
    for members in stmts:
        if len(members) < 2 or members[0].tree is None or members[0].tree[0] != "atom":
            continue
        if members[0].tree[1].name not in letters:
            continue
        for m in members[1:]:
            if m.tree is not None and any(a.name in ("W", "w", "b") for a in atoms(m.tree)):
                return True
    return False


def apply(note, stmts):
    """Rename the numbered entries to the output layer's (before the conventions are
    inferred); (what it read, the number of entries), or None when it does not apply."""
    found = find(stmts)
    if found is None:
        return None
    z, a, k, defs = found
    if _weighted(stmts, {z, a}):
        return None
    layer = {z: "z", a: "a"}

    def rename(node):
        if not isinstance(node, tuple) or not node:
            return node
        if node[0] == "atom" and node[1].name in layer and node[1].sup is None:
            atom = node[1]
            sub = re.sub(r"[\s{}]", "", atom.sub or "")
            if sub.startswith("L"):  # a_L, a_{Lc}: the output layer, its entry c
                sub = sub[1:]
            return ("atom", replace(atom, name=layer[atom.name], sup="L", sub=sub or None))
        return rebuild(node, rename)

    rewrite_trees(stmts, rename)
    for m in defs:
        note.kinds[id(m)] = "definition"
    note.fixed_widths = [4, k]  # before the conventions: the note's own entries fit it
    note.entries_written = True  # its widths are the note's: a numbered entry can be refuted
    read = f"{a}_1..{a}_{k} the softmax of {z}_1..{z}_{k} (the output layer, {k} units)"
    return read, k


def settle(note, found) -> None:
    """After the conventions: the output layer is a softmax of the note's k entries."""
    read, k = found
    note.output_options = ["softmax"]
    note.named = note.named or read
