"""An activation's identity written with the generic ``a``: ``1 - \\tanh^2(z) = 1 - a^2``.

Tables and asides of derivatives (``\\sigma'(z) = \\sigma(z)(1 - \\sigma(z)) = a(1 - a)``,
a row ``tanh | 1 - a^2``) use ``a`` for the output of the one activation the line is about,
whatever the note's own network applies at its layers. When a claim applies exactly one
activation to one argument and writes a bare ``a``, it is also read with ``a`` standing for
that activation of that argument; holding so, it is correct, and the reading says so.
"""

from __future__ import annotations

from dataclasses import replace

from .grammar import Atom, subtrees

_NAMES = {
    "sigma": "sigma", "sigmoid": "sigma", "tanh": "tanh", "relu": "relu", "ReLU": "relu",
    "softplus": "softplus", "g": None, "f": None,
}  # fmt: skip


def _calls(node, out: set) -> None:
    if not isinstance(node, tuple) or not node:
        return
    if node[0] == "call" and isinstance(node[1], Atom):
        a = node[1]
        if _NAMES.get(a.name) and not a.sub and len(node[2]) == 1:  # sigma'(z) too
            out.add((a.name, repr(node[2][0])))
    for part in subtrees(node):
        _calls(part, out)


def _bare_a(node) -> bool:
    if not isinstance(node, tuple) or not node:
        return False
    if node[0] == "atom":
        return _is_a(node[1])
    return any(_bare_a(p) for p in subtrees(node))


def _is_a(atom) -> bool:
    """``a`` alone, or ``a^2``: a power of it."""
    if not isinstance(atom, Atom) or atom.name != "a" or atom.sub or atom.primes or atom.T:
        return False
    return atom.sup is None or atom.sup.strip().isdigit()


def _arg(node, key):
    if not isinstance(node, tuple) or not node:
        return None
    if node[0] == "call" and isinstance(node[1], Atom) and (node[1].name, repr(node[2][0])) == key:
        return node[1], node[2][0]
    for part in subtrees(node):
        found = _arg(part, key)
        if found is not None:
            return found
    return None


def _put(node, value):
    if isinstance(node, list):
        return [_put(q, value) for q in node]
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "atom" and _is_a(node[1]):
        sup = node[1].sup
        return value if sup is None else ("pow", value, ("num", float(sup.strip())))
    return tuple(_put(q, value) for q in node)


def generic_output(lhs, rhs):
    """(lhs, rhs, name) with the bare ``a`` replaced by the line's one activation of its one
    argument, or None when the claim is not of that form."""
    if not (_bare_a(lhs) or _bare_a(rhs)):
        return None
    calls: set = set()
    _calls(lhs, calls)
    _calls(rhs, calls)
    if len(calls) != 1:
        return None
    key = next(iter(calls))
    found = _arg(lhs, key) or _arg(rhs, key)
    fn, arg = found
    if arg == ("atom", Atom("a")):
        return None  # sigma(a): a is an argument here, not the output
    value = ("call", replace(fn, sup=None, primes=0), [arg])
    return _put(lhs, value), _put(rhs, value), fn.name
