"""A general layer with a letter of the note's own: ``z^{(k)}``, ``w^{(k+1)}``, ``K`` layers.

The model's general layer is ``l`` and its last layer ``L`` (``bind.layer_number``). Many notes
count layers with another letter, the capital for the last one: ``a^{(k)} = f(z^{(k)})``,
``\\delta^{(k)} = ((w^{(k+1)})^T \\delta^{(k+1)}) \\odot f'(z^{(k)})``, ``\\delta^{(K)} = …`` in a
network of K layers (French and German notes often, "couche k"). Such a note is read as if it
wrote l and L: the superscripts of its layered quantities (``w``, ``b``, ``z``, ``a``,
``\\delta`` …) that are that letter, its capital, or either plus or minus a number are renamed;
subscripts (``w_{jk}``) and every other superscript stay. The letter is taken as a layer only
when the note writes it three ways on its layered quantities: alone, shifted by one (``k+1``
or ``k-1``) and as its capital (the last layer), and its weights carry it; never i, j (entries
and examples), t (time steps) or x, y; a note that writes l or L as a layer, or two
letters that qualify, is left as it is (a letter that is a layer in one place and an example
in another would be misread).
"""

from __future__ import annotations

import re
from dataclasses import replace

from .bind import LAYERED, strip_layer
from .grammar import Atom, atoms, rebuild, rewrite_trees

_NAMES = set(LAYERED) | {"hat_y", "sigma", "f", "g", "n"}


def _letter(sups: set[str], weights: set[str]) -> str | None:
    """The note's layer letter (see the module doc), or None. Its weights carry it too (a
    recurrent network's shared W has none: t, t-1 and T are its time steps, never layers)."""
    if any(re.search(r"(?<![A-Za-z])[lL](?![A-Za-z])", s) for s in sups):
        return None
    found = []
    for c in sorted({s for s in sups if re.fullmatch(r"[a-hkm-su-wz]", s)}):
        shifted = any(re.fullmatch(rf"{c}[-+]1", s) for s in sups)
        last = any(re.fullmatch(rf"{c.upper()}(?:-1)?", s) for s in sups)
        weighted = any(re.fullmatch(rf"{c}(?:[-+]1)?", s) for s in weights)
        if shifted and last and weighted:
            found.append(c)
    return found[0] if len(found) == 1 else None


def _layered_sups(stmts, names=_NAMES) -> set[str]:
    out = set()
    for members in stmts:
        for m in members:
            if m.tree is None:
                continue
            for a in atoms(m.tree, calls=True):
                if a.name in names and a.sup:
                    out.add(strip_layer(a.sup))
    return out


def apply(stmts) -> str | None:
    """Rename the note's own layer letter to l (its capital to L); the letter, or None."""
    c = _letter(_layered_sups(stmts), _layered_sups(stmts, {"w", "W"}))
    if c is None:
        return None
    pattern = re.compile(rf"[{c}{c.upper()}](?:\s*[-+]\s*\d+)?")

    def atom(a: Atom) -> Atom:
        if a.name not in _NAMES or not a.sup or not pattern.fullmatch(strip_layer(a.sup)):
            return a
        sup = re.sub(rf"(?<![A-Za-z\\]){c}(?![A-Za-z])", "l", a.sup)
        return replace(a, sup=re.sub(rf"(?<![A-Za-z\\]){c.upper()}(?![A-Za-z])", "L", sup))

    def walk(node):
        if not isinstance(node, tuple) or not node or not isinstance(node[0], str):
            return node
        if node[0] == "atom" and isinstance(node[1], Atom):
            return ("atom", atom(node[1]), *node[2:])
        if node[0] == "call" and isinstance(node[1], Atom):
            node = ("call", atom(node[1]), *node[2:])
        return rebuild(node, walk)

    rewrite_trees(stmts, walk)
    return c
