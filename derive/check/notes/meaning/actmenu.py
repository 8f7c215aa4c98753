"""The note's activation letter defined several ways: a menu of activations, not one function.

A note that writes its network with a generic activation (``h^l = \\phi(u^l)``) often lists the
usual choices afterwards, each under its own heading: ``\\phi(U) = \\max(0, U)`` (ReLU), then
``\\phi(U) = \\frac{1}{1+\\exp(-U)}`` (sigmoid). The letter then stays the network's generic
activation, and each definition is one of its readings: when a letter the note defines as a
function of one variable has two or more definitions, each of them a known activation (checked
numerically against ReLU, the sigmoid, tanh and the identity), the letter is no function of
the note's own, and the activations it lists join the readings of the hidden layers, and of the
output unless a forward equation names the output's own (``A^{[2]} = \\sigma(Z^{[2]})``); a
claim is then correct when it holds for one of them, wrong only when it holds for none.
"""

from __future__ import annotations

import numpy as np

from . import bind
from .bind import Env, Reading
from .grammar import Atom, Unreadable, rebuild
from .instance import Net, State

_GENERIC = ("phi", "g", "f")  # the letters bind reads as the layer's own activation
_KNOWN = ("relu", "sigmoid", "tanh", "identity")
_POINTS = (-1.3, -0.4, 0.3, 0.7, 1.9)


def _substitute(tree, name: str, v: float):
    if not isinstance(tree, tuple) or not tree:
        return tree
    if tree[0] == "atom" and tree[1] == Atom(name):
        return ("num", v)
    return rebuild(tree, lambda q: _substitute(q, name, v))


def _which(arg: str, rhs) -> str | None:
    """The known activation ``rhs`` (a formula in the variable ``arg``) is, else None."""
    env = Env(State(Net([1, 1], ["input", "sigmoid"], 0), bind.abstract_cost), Reading())
    try:
        with np.errstate(all="raise"):
            got = [
                float(np.asarray(bind.value(_substitute(rhs, arg, v), env)).reshape(-1)[0])
                for v in _POINTS
            ]
    except (Unreadable, ValueError, TypeError, FloatingPointError, ZeroDivisionError):
        return None
    for act in _KNOWN:
        want = [float(np.asarray(v) if act == "identity" else bind.ACT[act](np.asarray(v)))
                for v in _POINTS]  # fmt: skip
        if np.allclose(got, want):
            return act
    return None


def _definitions(name: str, stmts):
    """(line, activation or None, in a table) of every ``name(x) = ...`` the note writes."""
    for ms in stmts:
        lhs = ms[0].tree
        if len(ms) < 2 or ms[1].tree is None or not isinstance(lhs, tuple):
            continue
        if lhs[0] != "call" or lhs[1] != Atom(name) or len(lhs[2]) != 1:
            continue
        arg = lhs[2][0]
        plain = arg[0] == "atom" and not arg[1].sub and not arg[1].sup
        act = _which(arg[1].name, ms[1].tree) if plain else None
        yield ms[1].line, act, bool(getattr(ms[1], "table", False))


def apply(note, stmts) -> None:
    """Read a generic activation letter the note defines several ways as those readings; a
    table of activations for the sigmoid's letter leaves it the sigmoid off its rows."""
    for name in _GENERIC:
        if name not in note.own_functions:
            continue
        acts = [act for _, act, _ in _definitions(name, stmts)]
        if len(acts) < 2 or None in acts or len(set(acts)) < 2:
            continue
        note.own_functions.discard(name)
        note.hidden_options = sorted(set(note.hidden_options) | set(acts))
        if not _output_named(note):
            note.output_options = sorted(set(note.output_options) | set(acts))
    if "sigma" in note.own_functions:
        # | Tanh | \sigma(z) = \tanh z | \sigma'(z) = 1 - a^2 |: a table listing what sigma may
        # be, the sigmoid among them; every other row defines it in a table cell, and a claim
        # on such a row is about that row's function (not judged: menu_lines)
        defs = list(_definitions("sigma", stmts))
        others = [(line, table) for line, act, table in defs if act != "sigmoid"]
        if len(defs) >= 2 and len(others) < len(defs) and all(t for _, t in others):
            note.own_functions.discard("sigma")
            note.menu_lines = {line for line, _ in others}


_NAMED = ("sigma", "sigmoid", "softmax", "tanh", "relu", "ReLU")


def _output_named(note) -> bool:
    """Whether a forward equation applies a named activation to the top layer (``A^{[2]} =
    \\sigma(Z^{[2]})``, ``a^L = \\mathrm{softmax}(z^L)``): the output's is then fixed."""
    top = max(note.numeric_layers, default=None)
    for lhs, rhs in note.forward:
        if lhs[0] != "atom" or rhs[0] != "call" or rhs[1].name not in _NAMED:
            continue
        layer = bind.strip_layer(lhs[1].sup or "")
        if layer == "L" or (top is not None and layer == str(top)):
            return True
    return False
