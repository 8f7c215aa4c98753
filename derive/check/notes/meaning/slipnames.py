"""Name the slip in an index derivation: the one edit of the claim under which it holds.

A student's element-wise proof goes wrong in a few typical ways: the activation written where
its derivative belongs (``h(z^l)`` for ``h'(z^l)``), the general layer ``l`` where the output
layer ``L`` is meant (a step that holds only for l = L), one index letter for another
(``z_j^{l+1}`` where the sum runs over ``z_k^{l+1}``), two indices in the wrong order
(``w_{kj}`` for ``w_{jk}``), an outer product in the wrong order (``A^{l-1} \\delta^l`` for
``\\delta^l (A^{l-1})^T``), a whole vector or matrix on the left of an entry's formula
(``\\partial C/\\partial b^l = \\dots \\partial z_k^l/\\partial b_j^l``). For a claim found
wrong, each such edit is tried (one at a time, on the drawn networks, under the note's first
readings); the first under which the claim holds is the slip, and the verdict names it.

Two index slips also make a claim the value model cannot evaluate as written: an index free on
the right only (``\\partial z_j^{l+1}/\\partial z_j^l = w_{kj}^{l+1} h'(z_j^l)``), a sum whose
index its terms do not use (``\\sum_k \\partial C/\\partial z_j^{l+1} \\dots``), a vector
against an entry. Such a claim is called wrong only when an edit of its indices (or its left-
hand side's entry) makes it hold, and the message names that edit; any other stays not
understood. An edit never turns a wrong verdict into a correct one: it only says what was meant.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .bind import LAYERED, free_indices, index_letters
from .grammar import Atom, Unreadable, atoms, rebuild, subtrees

ACTIVATIONS = ("g", "sigma", "tanh", "relu", "ReLU", "sigmoid", "f", "phi")
# what the value model says of a claim whose indices do not match up as written
INDEX_TROUBLE = re.compile(r"free on the right only|the range of [a-z]|a number against shape")
MAX_EDITS = 14
QUICK = 2  # readings tried per edit: the first convention's, any cost and 1/2 ||a - y||^2


def _atoms(node, out: list) -> None:
    out.extend(atoms(node))


def _letters(node, out: set) -> None:
    """Every index letter the claim writes: in subscripts and as summed variables."""
    if not isinstance(node, tuple) or not node:
        return
    if node[0] == "sum" and isinstance(node[1], str):
        out.add(node[1])
    if node[0] == "atom":
        try:
            out.update(c for c in index_letters(node[1].sub) if c.isalpha())
        except Unreadable:
            pass
    for q in subtrees(node):
        _letters(q, out)


def _map_atoms(node, fn):
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "atom":
        return ("atom", fn(node[1]))
    if node[0] == "call":
        return ("call", node[1], [_map_atoms(a, fn) for a in node[2]])
    return rebuild(node, lambda q: _map_atoms(q, fn))


def _primed(node, target: int, seen: list):
    """The tree with the ``target``-th application of an activation differentiated once."""
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "call" and node[1].name in ACTIVATIONS and not node[1].primes:
        k = seen[0]
        seen[0] += 1
        args = [_primed(a, target, seen) for a in node[2]]
        f = replace(node[1], primes=1) if k == target else node[1]
        return ("call", f, args)
    if node[0] == "call":
        return ("call", node[1], [_primed(a, target, seen) for a in node[2]])
    return rebuild(node, lambda q: _primed(q, target, seen))


def _calls(node, out: list) -> None:
    if not isinstance(node, tuple) or not node:
        return
    if node[0] == "call" and node[1].name in ACTIVATIONS and not node[1].primes:
        out.append(node)
    if node[0] == "call":
        for a in node[2]:
            _calls(a, out)
        return
    for q in subtrees(node):
        _calls(q, out)


def _show_call(node, note) -> str:
    f = node[1]
    name = note.aliases.get("actletter") if f.name == "g" else None
    name = name or ("\\" + f.name if len(f.name) > 1 else f.name)
    arg = node[2][0] if node[2] else None
    inner = _show(arg[1]) if arg and arg[0] == "atom" else "\\dots"
    return f"{name}({inner})", f"{name}'({inner})"


def _edits(note, lhs, rhs, trouble: bool):
    """(name of the slip, lhs, rhs) for each edit worth trying, most telling first."""
    # the activation where its derivative belongs
    calls: list = []
    _calls(rhs, calls)
    for k, c in enumerate(calls):
        was, want = _show_call(c, note)
        yield f"{was} is written where its derivative {want} is needed", lhs, _primed(rhs, k, [0])
    both = ("add", [(1, lhs), (1, rhs)])
    atoms: list[Atom] = []
    _atoms(both, atoms)
    # l where the output layer L is meant: in every symbol, or in one symbol's every occurrence
    if any((a.sup or "").strip() == "l" for a in atoms):

        def to_L(a, name=None):
            if (a.sup or "").strip() == "l" and (name is None or a.name == name):
                return replace(a, sup="L")
            return a

        yield (
            "the step holds only at the output layer: l is written where L is meant",
            _map_atoms(lhs, to_L),
            _map_atoms(rhs, to_L),
        )
        for name in sorted({a.name for a in atoms if (a.sup or "").strip() == "l"}):
            shown = next(a for a in atoms if a.name == name and (a.sup or "").strip() == "l")
            yield (
                f"{_show(shown)} is written where {_show(replace(shown, sup='L'))} is meant",
                _map_atoms(lhs, lambda a, n=name: to_L(a, n)),
                _map_atoms(rhs, lambda a, n=name: to_L(a, n)),
            )
    # an outer product written in the wrong order (A^{l-1} \delta^l for \delta^l (A^{l-1})^T)
    if rhs[0] == "mul" and rhs[2][0] == "atom" and rhs[3][0] == "atom":
        a, b = rhs[2][1], rhs[3][1]
        if not a.T and not b.T:
            meant = f"{_show(b)} ({_show(a)})^T"
            yield (
                f"the product {_show(a)} {_show(b)} is in the wrong order: {meant} is meant",
                lhs,
                ("mul", rhs[1], rhs[3], ("atom", replace(a, T=True))),
            )
    # a whole vector or matrix on the left of an entry's formula
    if lhs[0] == "d" and lhs[2] is not None and lhs[2][0] == "atom":
        den = lhs[2][1]
        extra = sorted(free_indices(rhs) - free_indices(lhs))
        if not den.sub and 1 <= len(extra) <= 2:
            for order in [extra] if len(extra) == 1 else [extra, extra[::-1]]:
                entry = replace(den, sub="".join(order))
                yield (
                    f"the left-hand side is the whole {_show(den)}, the right-hand side one "
                    f"entry: {_show(entry)} is meant on the left",
                    ("d", lhs[1], ("atom", entry), lhs[3]),
                    rhs,
                )
    # one index letter for another, in one symbol (every occurrence of it at that layer)
    letters: set[str] = set()
    _letters(both, letters)
    groups = []
    for a in atoms:
        try:
            sub = [c for c in index_letters(a.sub) if c.isalpha()]
        except Unreadable:
            continue
        key = (a.name, a.sup, a.sub)
        if sub and key not in groups:
            groups.append(key)
    # an index free on the right only is the odd one: the symbols carrying it are edited first,
    # towards the left-hand side's letters
    odd = free_indices(rhs) - free_indices(lhs)
    left = free_indices(lhs)
    groups.sort(key=lambda g: not set(index_letters(g[2])) & odd)
    for name, sup, sub in groups:
        subs = index_letters(sub)
        shown = Atom(name, sub, sup)
        if len(subs) == 2 and subs[0] != subs[1]:
            new = subs[1] + subs[0]
            yield _index_edit(lhs, rhs, shown, new, "in the wrong order")
        if len(subs) != 1:
            continue
        for d in sorted(letters - {subs[0]}, key=lambda c: (c not in left, c)):
            yield _index_edit(lhs, rhs, shown, d, "")


def _show(a: Atom) -> str:
    """A symbol as notes write it: ``z_j^{l+1}``."""
    out = a.name if len(a.name) == 1 else "\\" + a.name
    if a.sub:
        out += "_" + (a.sub if len(a.sub) == 1 else "{" + a.sub + "}")
    if a.sup:
        out += "^" + (a.sup if len(a.sup) == 1 else "{" + a.sup + "}")
    return out


def _index_edit(lhs, rhs, shown: Atom, new: str, why: str):
    def fn(a):
        if (a.name, a.sup, a.sub) == (shown.name, shown.sup, shown.sub):
            return replace(a, sub=new)
        return a

    meant = replace(shown, sub=new)
    tail = f" ({why})" if why else ""
    return (
        f"{_show(shown)} is written where {_show(meant)} is meant{tail}",
        _map_atoms(lhs, fn),
        _map_atoms(rhs, fn),
    )


def name(note, lhs, rhs, compare, line, cond, context, verdict: str, msg: str):
    """(verdict, message, reading) naming the slip of a claim found wrong (or not evaluable
    for its indices), else None."""
    trouble = verdict == "unknown" and bool(INDEX_TROUBLE.search(msg or ""))
    if trouble and not (
        lhs is not None
        and (lhs[0] == "d" or lhs[0] == "atom" and lhs[1].name in LAYERED and not lhs[1].T)
    ):
        # only a derivative or a layer's quantity on the left: a name bound otherwise (the
        # Jacobian J_{ki}, a cost with an index) may be what the model does not read
        trouble = False
    if verdict != "wrong" and not trouble:
        return None
    if lhs is None or rhs is None:
        return None
    failure = getattr(note, "first_failure", None), getattr(note, "fail_kinds", set())
    note.quick = QUICK
    try:
        for k, (slip, lhs2, rhs2) in enumerate(_edits(note, lhs, rhs, trouble)):
            if k >= MAX_EDITS:
                break
            if (lhs2, rhs2) == (lhs, rhs):
                continue
            v, _, reading = compare(note, lhs2, rhs2, line, cond, context)
            if v == "correct":
                if verdict == "wrong":
                    return "wrong", f"{slip} (with that, the claim holds); {msg}", reading
                why = "as written its indices do not match up; with that, the claim holds"
                return "wrong", f"{slip} ({why})", reading
    finally:
        note.first_failure, note.fail_kinds = failure
        note.quick = 0
    return None
