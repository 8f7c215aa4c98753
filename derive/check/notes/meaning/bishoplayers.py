"""Bishop's letters with layer superscripts: ``a_j^{(1)} = \\sum_i w_{ji}^{(1)} x_i`` is the
pre-activation and ``z_j^{(1)} = h(a_j^{(1)})`` the activation, the other way round from Ng's
``z^{[l]}`` and ``a^{[l]}`` that the model binds. A note whose own forward equation applies an
activation to ``a`` of a layer to give ``z`` of the same layer writes Bishop's letters: every
layered ``a`` and ``z`` of it is swapped (and ``h``, Bishop's activation, is the generic ``g``)
before its definitions are read. Unit notation without layers is ``bishop.py``'s.
"""

from __future__ import annotations

from dataclasses import replace

from .bind import strip_layer
from .bishop import _h_of
from .grammar import Atom, rebuild, rewrite_trees

_ACTIVATIONS = {"h", "g", "f", "sigma", "tanh", "relu", "ReLU", "sigmoid", "phi", "max"}


def _applied(rhs):
    """(the function's name, its argument) of an activation applied to one quantity."""
    arg = _h_of(rhs)
    if arg is not None:
        return "h", arg
    if rhs[0] == "call" and isinstance(rhs[1], Atom) and len(rhs[2]) == 1:
        return rhs[1].name, rhs[2][0]
    return None, None


def _direction(ms) -> str | None:
    """ "bishop" for ``z^{(l)} = act(a^{(l)})``, "ng" for ``a^{(l)} = act(z^{(l)})``, else None."""
    if len(ms) < 2 or ms[0].tree is None or ms[1].tree is None:
        return None
    lhs, rhs = ms[0].tree, ms[1].tree
    if lhs[0] != "atom" or lhs[1].name not in ("a", "z") or lhs[1].sup is None:
        return None
    name, arg = _applied(rhs)
    if name not in _ACTIVATIONS or arg is None or arg[0] != "atom":
        return None
    a = arg[1]
    if a.name != lhs[1].name and a.name in ("a", "z") and a.sup is not None:
        if strip_layer(a.sup) == strip_layer(lhs[1].sup):
            return "bishop" if lhs[1].name == "z" else "ng"
    return None


def writes_bishop(stmts) -> bool:
    """Whether a forward equation of the note reads ``z^{(l)} = act(a^{(l)})``, and none the
    other way round (a note that also writes ``a^{(l)} = act(z^{(l)})`` is in Ng's letters, the
    other formula a slip of its own)."""
    found = {_direction(ms) for ms in stmts}
    return "bishop" in found and "ng" not in found


def _swap(node):
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "atom":
        a = node[1]
        if a.sup is not None and a.name in ("a", "z"):
            return ("atom", replace(a, name="z" if a.name == "a" else "a"))
        return node
    arg = _h_of(node)
    if arg is not None and arg[0] == "atom" and arg[1].sup is not None:
        # h(a^{(1)}), h'(a^{(1)}): Bishop's activation, the generic g (h(a_j) with no layer
        # stays for bishop.py's unit reading)
        f = node[1] if node[0] == "call" else node[2][1]
        return ("call", replace(f, name="g"), [_swap(arg)])
    return rebuild(node, _swap)


def apply(stmts) -> bool:
    """Swap a and z of a note in Bishop's layered letters (in place); True when it did."""
    if not writes_bishop(stmts):
        return False
    rewrite_trees(stmts, _swap)
    return True
