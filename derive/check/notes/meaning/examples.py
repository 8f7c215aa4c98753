"""The example index: which superscript letter counts training examples, read from the note.

Many notes write one example's quantities with the example's number as a superscript and
average a sum over them: ``E = \\frac{1}{2L}\\sum_{l=1}^{L}(y^{(l)} - \\hat y^{(l)})^2``,
``J = -\\frac{1}{m}\\sum_{i=1}^m y^{(i)} \\log a^{(i)}``, ``y_k^{(p)}`` beside ``x^{(p,3)}``
(example p, layer 3). The same letters elsewhere name layers (``a^{(l)}``, ``W^{(2)}``), so the
letter is read from the note itself, not assumed: the target ``y`` has no layers, so a letter
in the superscript of ``y`` (``y^{(l)}``, ``y_k^{(p)}``) can only be an example index, and the
upper bound of a sum over that letter (``L`` above) is the number of examples, the ``m`` of
the drawn batch. In a note that reads so, that letter in a superscript is the example and no
layer (``a_i^{(l)}`` is entry i of example l's hidden activation), and the count letter is m
(``\\frac{1}{2L}`` is 1/(2m)); parameters (``W``, ``b``) have no example.

The trees are rewritten once (``rewrite``): an atom's example letter moves from its
superscript to ``Atom.ex`` (``x^{(p,3)}`` keeps ``(3)`` as its layer), the count letter
becomes ``m``. Binding (``bind``) then selects the example's column (or row) of a batch
quantity, ranges an example letter over the m examples, and counts it as a free index.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .bind import strip_layer
from .grammar import Atom, atoms, rebuild, subtrees

PARAMETERS = {"w", "W", "b", "B", "dw", "dW", "db", "theta", "Theta"}
TARGETS = {"y", "Y"}


def _atoms(tree, out):
    out.extend(atoms(tree, calls=True))


def _sums(tree, out):
    if not isinstance(tree, tuple) or not tree:
        return
    if tree[0] == "sum":
        out.append(tree)
    for part in subtrees(tree):
        _sums(part, out)


def _example_of(sup: str | None, letters) -> tuple[str, str | None] | None:
    """(example letter, the rest of the superscript or None) when a superscript names an
    example: ``(l)`` -> ("l", None), ``(p,3)`` -> ("p", "(3)")."""
    if not sup:
        return None
    ng = re.fullmatch(r"(\[[^\]]+\])\s*\(\s*([a-z])\s*\)", sup.strip())
    if ng and ng.group(2) in letters:
        return ng.group(2), ng.group(1)  # Ng's a^{[2](i)}: layer [2], example i
    s = strip_layer(sup)
    m = re.fullmatch(r"([a-z])(?:,(.+))?", s)
    if not m or m.group(1) not in letters:
        return None
    rest = m.group(2)
    return m.group(1), (f"({rest})" if rest else None)


def infer(trees) -> tuple[set[str], set[str]]:
    """(example letters, count letters) the note's formulas use."""
    atoms = []
    for t in trees:
        _atoms(t, atoms)
    letters = set()
    for a in atoms:
        if a.name in TARGETS and a.sup:
            s = strip_layer(a.sup)
            m = re.fullmatch(r"([a-z])(?:,.+)?", s)
            if m:
                letters.add(m.group(1))
    # a letter written with arithmetic in a superscript (a^{(l+1)}) counts layers, not examples
    letters -= {c for a in atoms if a.sup for c in _stepped(a.sup)}
    counts = set()
    if letters:
        sums = []
        for t in trees:
            _sums(t, sums)
        if not any(s[1] in letters for s in sums):
            return set(), set()  # the note never sums over its examples: no evidence
        for s in sums:
            hi = (s[4] or "").strip()
            if s[1] in letters and re.fullmatch(r"[A-Za-z]", hi) and hi not in ("m", "N"):
                counts.add(hi)
    return letters, counts


def _stepped(sup: str) -> set[str]:
    """Letters a superscript steps by a number (``l+1``, ``L-1``)."""
    out = set()
    for a, b in re.findall(r"([a-z])\s*[+-]\s*\d|\d\s*[+-]\s*([a-z])", sup):
        out |= {a, b} - {""}
    return out


def rewrite(tree, letters: set[str], counts: set[str]):
    """The tree with example superscripts moved to ``Atom.ex`` and count letters read as m."""
    if not letters or not isinstance(tree, tuple) or not tree:
        return tree
    kind = tree[0]
    if kind in ("atom", "call"):
        a = tree[1]
        new = _atom(a, letters, counts)
        if kind == "atom":
            return ("atom", new)
        return ("call", new, [rewrite(x, letters, counts) for x in tree[2]])
    if kind == "sum":
        _, var, exclude, body, hi = tree
        hi = "m" if (hi or "").strip() in counts else hi
        return ("sum", var, exclude, rewrite(body, letters, counts), hi)
    return rebuild(tree, lambda q: rewrite(q, letters, counts))


def _atom(a: Atom, letters, counts) -> Atom:
    if a.name in counts and a.sub is None and a.sup is None and not a.primes and not a.T:
        return Atom("m")
    if a.name in PARAMETERS:
        return a
    ex = _example_of(a.sup, letters)
    if ex is None:
        return a
    return replace(a, sup=ex[1], ex=ex[0])


def entries(tree):
    """``(x^{(p,3)})_j`` read as the entry ``x^{(p,3)}_j`` of the symbol in parentheses."""
    if not isinstance(tree, tuple) or not tree:
        return tree
    if (
        tree[0] == "idx"
        and isinstance(tree[1], tuple)
        and tree[1][0] == "atom"
        and tree[1][1].sub is None
        and not tree[1][1].T
        and re.fullmatch(r"[a-z]{1,2}", (tree[2] or "").strip())
    ):
        return ("atom", replace(tree[1][1], sub=tree[2].strip()))
    return rebuild(tree, entries)


def apply(stmts) -> tuple[set[str], set[str]]:
    """Rewrite every member's tree of the statements in place; the letters found."""
    for members in stmts:
        for m in members:
            if m.tree is not None:
                m.tree = entries(m.tree)
    trees = [m.tree for members in stmts for m in members if m.tree is not None]
    letters, counts = infer(trees)
    if letters:
        for members in stmts:
            for m in members:
                if m.tree is not None:
                    m.tree = rewrite(m.tree, letters, counts)
    return letters, counts


def sums_over(tree, letters) -> bool:
    """Whether a tree sums over an example index (\\sum_i y^{(i)}): read on a batch."""
    if not letters or not isinstance(tree, tuple) or not tree:
        return False
    if tree[0] == "sum" and tree[1] in letters and carries(tree[3], tree[1]):
        return True  # the body is written per example (y^{(i)}): a sum over the examples
    for part in subtrees(tree):
        if sums_over(part, letters):
            return True
    return False


def carries(tree, letter) -> bool:
    """Whether some symbol of a tree carries ``letter`` as its example index."""
    if not isinstance(tree, tuple) or not tree:
        return False
    if tree[0] in ("atom", "call") and getattr(tree[1], "ex", None) == letter:
        return True
    for part in subtrees(tree):
        if carries(part, letter):
            return True
    return False


def whole_batch(tree, letters: set[str]):
    """The tree with the example letters ``letters`` dropped: Ng's assignment writes
    ``\\frac{\\partial J}{\\partial W_2} = \\frac{\\partial J}{\\partial z_2^{(i)}} a^{[1](i)T}``,
    an example index on the right only, for the product over all the examples' columns
    (``dZ_2 A_1^T``): each such quantity is its whole batch."""
    if not isinstance(tree, tuple) or not tree:
        return tree
    kind = tree[0]
    if kind in ("atom", "call"):
        a = tree[1]
        if a.ex in letters:
            a = replace(a, ex=None)
        if kind == "atom":
            return ("atom", a)
        return ("call", a, [whole_batch(x, letters) for x in tree[2]])
    if kind == "sum" and tree[1] in letters:
        return tree  # a sum over the examples binds its letter
    return rebuild(tree, lambda q: whole_batch(q, letters))
