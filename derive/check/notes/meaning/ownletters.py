"""The note's own letter for the activation function, read from its forward equations.

Notes name the activation with letters of their own: ``A^l = h(z^l)``, ``a_j^l = h(\\sum_k
w_{jk}^l a_k^{l-1} + b_j^l)``, ``a^{(l)} = \\varphi(z^{(l)})``, with ``h'(z^l)`` its derivative
in the backward pass. Such a letter is what ``g`` is in Ng's ``A^{[l]} = g^{[l]}(Z^{[l]})``:
the activation of the layer whose pre-activation it is applied to. It is read as that when a
forward equation of the note applies it to a layer's pre-activation (or to the affine sum
itself) and the note never writes the letter other than applied (``h(``, ``h'(``): a letter
that also stands alone (``h_1`` a hidden vector, ``h`` a step size) keeps its other meaning.
The parser then applies it rather than multiplying, and every tree names it ``g`` (the
generic activation ``bind`` evaluates), unless the note writes ``g`` itself.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .grammar import rebuild, rewrite_trees, subtrees

# letters a note may use for its activation (Latin or Greek); never a quantity of the network
_CANDIDATES = ("h", "s", "u", "F", "G", "varphi", "psi", "theta", "rho", "gamma")
_KNOWN = "g"  # the generic activation bind evaluates


def _command(name: str) -> str:
    return "\\\\" + name if len(name) > 1 else name


def _applied_forward(name: str, text: str) -> bool:
    """``a^l = NAME(...)`` / ``A_j^l = NAME(...)``: the letter applied in an activation's
    forward equation, to a pre-activation (z, Z) or to an affine sum (w ... + b)."""
    pat = (
        r"(?<![A-Za-z\\])[aA]\s*(?:_\{?[a-z]\}?\s*)?\^\s*\{?[^{}=]{1,12}\}?\s*(?:_\{?[a-z]\}?\s*)?"
        r"=\s*" + _command(name) + r"\s*\(\s*(.*)$"
    )
    m = re.search(pat, text, re.S)
    if not m:
        return False
    arg = m.group(1)
    return bool(re.match(r"[zZ]\b|[zZ]\s*[_^]", arg) or (re.search(r"[wW]", arg) and "b" in arg))


def _only_applied(name: str, texts: list[str]) -> bool:
    """Whether every occurrence of the letter is an application (``h(``, ``h'(``, ``h ' (``),
    or the letter alone where the prose names it."""
    cmd = _command(name)
    lead = r"(?<![A-Za-z\\])" if len(name) == 1 else ""
    for t in texts:
        if t.strip() in (name, "\\" + name):
            continue  # the prose naming it: "the activation function is $h$"
        for m in re.finditer(lead + cmd + r"(?![A-Za-z])", t):
            rest = t[m.end() :]
            if not re.match(r"\s*(?:'\s*|\^\s*\{?\s*\\prime\s*\}?\s*)?\(", rest):
                return False
    return True


def declare(stmts, functions: set[str], note) -> None:
    """Find the note's activation letter; the parser is told it is applied."""
    texts = [m.text for ms in stmts for m in ms]
    whole = [" = ".join(m.text for m in ms) for ms in stmts]
    if any(re.search(r"(?<![A-Za-z\\])g\s*(?:\^|'|\(|_)", t) for t in texts):
        return  # the note writes g itself: no renaming
    for name in _CANDIDATES:
        if name in functions:
            continue
        if not any(_applied_forward(name, t) for t in whole):
            continue
        if not _only_applied(name, texts):
            continue
        functions.add(name)
        note.aliases["actletter"] = name
        return


def rename(stmts, note) -> None:
    """Every application of the note's activation letter as the generic activation ``g``."""
    name = note.aliases.get("actletter")
    if not name:
        return
    rewrite_trees(stmts, lambda t: _rename(t, name))


def _rename(node, name):
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "call" and node[1].name == name:
        return ("call", replace(node[1], name=_KNOWN), [_rename(a, name) for a in node[2]])
    if not any(True for _ in subtrees(node)):
        return node
    return rebuild(node, lambda q: _rename(q, name))


# what only a batch is written with: its matrices, the number of examples, the targets' matrix
_BATCH_ONLY = {"Z", "X", "Y", "dZ", "dA", "m", "N"}


def _atoms(node, out: set) -> None:
    if not isinstance(node, tuple) or not node:
        return
    if node[0] in ("atom", "call"):
        out.add(node[1].name)
    for q in subtrees(node):
        _atoms(q, out)


def _letter(tree) -> bool:
    return (
        isinstance(tree, tuple)
        and tree[0] == "atom"
        and len(tree[1].name) == 1
        and tree[1].sub is None
        and tree[1].sup is None
    )


def one_example(stmts, note) -> None:
    """A capital ``A^l`` the note defines as one example's activation: ``A^l = h(z^l)`` (or
    ``A_j^l = h(\\dots)``, a unit of it) beside lower-case ``z^l``, ``w^l``, in a note that writes
    nothing of a batch (no Z, X, Y, m). Capitals are then the layer's vectors, as Nielsen's
    lower-case a is, not Ng's batch matrix: its claims are read for one example."""
    names: set[str] = set()
    defines = False
    for ms in stmts:
        if all(_letter(m.tree) for m in ms):
            continue  # "where m = j": index letters, not the number of examples
        for m in ms:
            _atoms(m.tree, names)
        lhs = ms[0].tree
        if (
            len(ms) > 1
            and isinstance(lhs, tuple)
            and lhs[0] == "atom"
            and lhs[1].name == "A"
            and lhs[1].sup is not None
            and ms[1].tree is not None
        ):
            rhs: set[str] = set()
            _atoms(ms[1].tree, rhs)
            defines = defines or bool(rhs & {"z", "w", "g"}) and not rhs & {"Z", "W"}
    if defines and "z" in names and not names & _BATCH_ONLY:
        note.aliases["one_example"] = {"A"}
