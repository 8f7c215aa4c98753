"""The note's own letters for a layer's pre-activation and activation, and for its output.

Many notes do not write ``z`` and ``a``: ``u^l = h^{l-1} W^l + b^l``, ``h^l = \\phi(u^l)``
(rows), ``s^{(l)} = W^{(l)} o^{(l-1)} + b^{(l)}``, ``o^{(l)} = f(s^{(l)})`` (columns), with the
batch in capitals (``U^l = H^{l-1} W^l + 1 b^l``, ``H^l = \\phi(U^l)``). The note says which
letter is which by its own forward equations: a letter P with a layer is an affine function of
another letter Q of the layer below, the layer's weight and its bias, and Q of a layer is an
activation applied to P of the same layer. Every P is then the model's ``z`` (``Z`` for a
capital) and every Q its ``a`` (``A``), with all their decorations, in every formula of the
note. A note that writes ``z`` or ``a`` (resp. ``Z``, ``A``) itself keeps its letters, except
that P may be the model's own ``z`` (``z_l = W_l h_{l-1} + b_l``, ``h_l = \\sigma_l(z_l)``):
then only Q is renamed, to ``a`` where the note writes no ``a``. The same holds in entry form
(Learning From Data's ``s_j^{(l)} = \\sum_i w_{ij}^{(l)} x_i^{(l-1)}``, ``x_j^{(l)} =
\\theta(s_j^{(l)})``: a sum over one index of the weight times Q's entry, a bias or none), where
Q may be a layered ``x`` (the input ``x`` without a layer stays the input) and the letters are
one example's entries (lower-case ``z``, ``a``).

Such notes often call the network's output ``y`` and the target ``t`` (``h^L = y``, Bishop's
``y_k`` and ``t_k``). When a formula sets the top layer's activation equal to a bare ``y`` and
the note writes ``t`` (and no ``\\hat y``), ``y`` is the output (the model's ``\\hat y``) and
``t`` the target (the model's ``y``).
"""

from __future__ import annotations

import re
from dataclasses import replace

from . import bind
from .grammar import COSTS, Atom, atoms, rebuild, rewrite_trees

# letters the model already reads, never taken for the note's own
_TAKEN = set(bind.LAYERED) | set(bind.VECTOR_NAMES) | bind.OUTPUT_NAMES | set(COSTS)


def _own(atom: Atom) -> bool:
    return (
        re.fullmatch(r"[A-Za-z]", atom.name) is not None
        and atom.name not in _TAKEN
        and atom.name not in ("t", "T", "e", "d", "f", "g", "n", "m", "k")
    )


def _layer(atom: Atom) -> str | None:
    if atom.sup is None or atom.T or atom.primes:
        return None
    s = bind.strip_layer(atom.sup)
    return s if re.fullmatch(r"[lL0-9](?:[+-]1)?", s) else None


def _lone(tree):
    """The atom of a bare layered symbol (no entry index), else None."""
    if isinstance(tree, tuple) and tree and tree[0] == "atom" and not tree[1].sub:
        return tree[1]
    return None


def _affine(lhs: Atom, rhs):
    """The letter Q of ``P^l = Q^{l-1} W^l + b^l`` (either order of the product, the bias
    maybe behind a column of ones), else None."""
    s = _layer(lhs)
    if s is None or not isinstance(rhs, tuple) or rhs[0] != "add" or len(rhs[1]) != 2:
        return None
    found = atoms(rhs)
    weights = [a for a in found if a.name in ("W", "w") and a.sup is not None]
    biases = [a for a in found if a.name == "b" and a.sup is not None]
    others = [a for a in found if a.name not in ("W", "w", "b")]
    if len(weights) != 1 or len(biases) != 1 or len(others) != 1:
        return None
    q = others[0]
    if not _own(q) or q.name == lhs.name or q.sub or _layer(q) is None:
        return None
    if bind.strip_layer(weights[0].sup) != s or bind.strip_layer(biases[0].sup) != s:
        return None
    return q.name


def _entry(atom: Atom) -> str | None:
    """The one index letter of an entry (``S_j^{(l)}``), else None."""
    s = re.sub(r"[\s{}]", "", atom.sub or "")
    return s if re.fullmatch(r"[a-z]", s) else None


def _entry_letter(atom: Atom) -> bool:
    """A letter an entry-form forward pass may name its own: as ``_own``, and also ``x`` with a
    layer (Learning From Data's ``x_j^{(l)}``, every layer's output, ``x^{(0)}`` the input)."""
    return _own(atom) or atom.name == "x" and _layer(atom) is not None


def _entry_affine(lhs, rhs):
    """The letter Q of ``P_j^{(l)} = \\sum_i w_{ij}^{(l)} Q_i^{(l-1)}`` (the weight's indices in
    either order, a bias ``b_j^{(l)}`` or none), else None."""
    s, j = _layer(lhs), _entry(lhs)
    if s is None or j is None or not isinstance(rhs, tuple):
        return None
    terms = [t for _, t in rhs[1]] if rhs[0] == "add" else [rhs]
    sums = [t for t in terms if t[0] == "sum" and isinstance(t[1], str)]
    rest = [t for t in terms if t not in sums]
    if len(sums) != 1 or len(rest) > 1:
        return None
    if rest and not (rest[0][0] == "atom" and rest[0][1].name == "b" and _entry(rest[0][1]) == j):
        return None
    i, found = sums[0][1], atoms(sums[0][3])
    weights = [a for a in found if a.name in ("w", "W")]
    others = [a for a in found if a.name not in ("w", "W")]
    if len(weights) != 1 or len(others) != 1 or weights[0].sup is None:
        return None
    pair = re.sub(r"[\s{},]", "", weights[0].sub or "")
    q = others[0]
    if pair not in (i + j, j + i) or bind.strip_layer(weights[0].sup) != s or _entry(q) != i:
        return None
    if not _entry_letter(q) or q.name == lhs.name or _layer(q) is None:
        return None
    return q.name


def _pre(atom: Atom) -> bool:
    """The pre-activation's letter: the note's own, or the model's z itself."""
    return _own(atom) or atom.name in ("z", "Z")


def _activation_of(lhs: Atom, rhs, entry: bool = False) -> str | None:
    """The letter P of ``Q^l = f(P^l)`` (with ``entry``, of ``Q_j^{(l)} = f(P_j^{(l)})``),
    else None."""
    if not isinstance(rhs, tuple) or rhs[0] != "call" or len(rhs[2]) != 1:
        return None
    arg = rhs[2][0]
    if entry:
        ok = arg[0] == "atom" and _entry(arg[1]) is not None and _entry(arg[1]) == _entry(lhs)
        arg = arg[1] if ok else None
    else:
        arg = _lone(arg)
    if arg is None or not _pre(arg) or arg.name == lhs.name or _layer(arg) is None:
        return None
    return arg.name if bind.strip_layer(arg.sup) == bind.strip_layer(lhs.sup) else None


def letters(stmts) -> dict[str, str]:
    """The note's own letters as the model's: {P: "z", Q: "a"} (capitals to Z, A)."""
    affine, applied = set(), set()
    for ms in stmts:
        if len(ms) < 2 or ms[0].tree is None or ms[1].tree is None:
            continue
        lhs = _lone(ms[0].tree)
        if lhs is None:
            entry = ms[0].tree
            if entry[0] == "atom" and _own(entry[1]) and _entry(entry[1]):
                q = _entry_affine(entry[1], ms[1].tree)  # S_j^{(l)} = \\sum_i w_{ij} x_i^{(l-1)}
                if q is not None:
                    affine.add((entry[1].name, q))
            if entry[0] == "atom" and _entry_letter(entry[1]) and _entry(entry[1]):
                p = _activation_of(entry[1], ms[1].tree, entry=True)  # x_j^{(l)} = g(S_j^{(l)})
                if p is not None:
                    applied.add((p, entry[1].name))
            continue
        if not _pre(lhs) or _layer(lhs) is None:
            continue
        q = _affine(lhs, ms[1].tree)
        if q is not None:
            affine.add((lhs.name, q))
        p = _activation_of(lhs, ms[1].tree) if _own(lhs) else None
        if p is not None:
            applied.add((p, lhs.name))
    used = {a.name for ms in stmts for m in ms for a in atoms(m.tree, calls=True)}
    out: dict[str, str] = {}
    for p, q in sorted(affine & applied):
        z, a = ("Z", "A") if q.isupper() else ("z", "a")  # S_j, x_j: one example's entries
        if p == z:  # z_l = W_l h_{l-1} + b_l, h_l = sigma_l(z_l): only the activation is its own
            if a not in used and q not in out:
                out[q] = a
            continue
        if z in used or a in used or p in out or q in out:
            continue  # the note writes the model's letters itself: its own stay its own
        out[p], out[q] = z, a
    return out


def _rename(node, names: dict[str, str]):
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "atom" and isinstance(node[1], Atom):
        new = names.get(node[1].name)
        if node[1].name == "x" and node[1].sup is None:
            new = None  # the input x, no layer's output: stays the input
        return ("atom", replace(node[1], name=new)) if new else node
    # a letter the parser knew as a function (H, Heaviside's) is a quantity here: H_{qi} [M]
    # multiplies, and [M]_{qj} is an entry of M
    inner = node[1] if node[0] == "idx" else node
    if inner[0] == "call" and inner[1].name in names and len(inner[2]) == 1:
        arg = _rename(inner[2][0], names)
        if node[0] == "idx":
            arg = ("idx", arg, node[2])
        return ("mul", "juxt", ("atom", replace(inner[1], name=names[inner[1].name])), arg)
    return rebuild(node, lambda q: _rename(q, names))


def _top_is_y(stmts) -> bool:
    """``a^L = y`` (or ``y = a^L``): the note calls the top layer's activation y."""
    for ms in stmts:
        trees = [m.tree for m in ms if m.tree is not None]
        bare_y = any(_lone(t) is not None and t[1] == Atom("y") for t in trees)
        top = any(
            _lone(t) is not None and t[1].name == "a" and bind.strip_layer(t[1].sup or "") == "L"
            for t in trees
        )
        if bare_y and top:
            return True
    return False


def apply(stmts) -> bool:
    """Rename the note's own letters into the model's (in place); True when it did."""
    names = letters(stmts)
    if names:
        rewrite_trees(stmts, lambda t: _rename(t, names))
    used = {a.name for ms in stmts for m in ms for a in atoms(m.tree, calls=True)}
    if "t" in used and "hat_y" not in used and _top_is_y(stmts):
        swap = {"y": "hat_y", "t": "y"}
        rewrite_trees(stmts, lambda t: _rename(t, swap))
        names.update(swap)
    return bool(names)
