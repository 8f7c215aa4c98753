"""Bare names the drawn network does not fit: a note with two models in it.

Ng's course notes start with logistic regression in bare names (``z = w^T x + b``, ``a =
\\sigma(z)``, ``dw = dz\\, x``: w is a column, one output unit) and go on to a network with
numbered layers (``z^{[1]} = W^{[1]} x + b^{[1]}``). The drawn network is the layered one, where
a bare ``w`` is the top layer's matrix: the logistic regression's forward equation does not
hold there, and its gradients would be judged on a network they are not about. When a forward
equation with a bare left-hand side fails on the drawn network (and the note's bare equations
could not be read as a network of its own, ``ownnet``), the parameters and input it names (``w``,
``b``, ``x``: names no forward equation defines), and Ng's gradients of them (``dw``, ``db``),
are not the drawn network's: a claim in those names may be confirmed but is never called wrong.
Its ``z`` and ``a`` stay the drawn network's output layer (a one-unit logistic regression's
``dz = a - y`` is the output layer's).
"""

from __future__ import annotations

from .grammar import Atom, subtrees
from .ownnet import _holds

# the parameters and input of a logistic regression written bare (z = w^T x + b)
_PARAMETERS = {"w", "W", "b", "x", "X"}


def _bare(tree, out: set[str]) -> None:
    if isinstance(tree, tuple) and tree and tree[0] in ("atom", "call"):
        atom = tree[1]
        if isinstance(atom, Atom) and atom.sup is None and atom.sub is None:
            out.add(atom.name)
    for part in subtrees(tree) if isinstance(tree, tuple) else ():
        _bare(part, out)


def misfit(note) -> set[str]:
    """The bare parameters and inputs (``w``, ``b``, ``x``: names no forward equation defines)
    of the note's bare forward equations that fail on the drawn network, and their gradients."""
    if note.unfit or any(k.startswith("own:") for k in note.aliases):
        return set()  # no network judged at all, or the note's own network read (ownnet)
    reading = note.first_reading()
    defined: set[str] = set()
    for lhs, _ in note.forward:
        _bare(lhs, defined)
    out: set[str] = set()
    for lhs, rhs in note.forward:
        if lhs[0] != "atom" or lhs[1].sup is not None or lhs[1].sub is not None:
            continue
        if _holds(note, reading, lhs, rhs) is False:
            _bare(rhs, out)
    out = (out - defined) & _PARAMETERS  # not a function (h), nor a quantity it defines
    # Ng's gradient of a bare name: dw, db (also dW)
    return out | {"d" + n for n in out}


def mentions_misfit(note, tree) -> bool:
    """Whether a claim uses a bare name of ``misfit``."""
    names = getattr(note, "bare_misfit", set())
    if not names:
        return False
    found: set[str] = set()
    _bare(tree, found)
    return bool(found & names)


def _generic_calls(tree, out: set[str]) -> None:
    """The generic activation letters with no layer (g(z), f'(z)) a tree applies to an
    argument with no layer."""
    if not isinstance(tree, tuple) or not tree:
        return
    if tree[0] == "call" and isinstance(tree[1], Atom):
        atom, args = tree[1], tree[2]
        if atom.name in ("g", "f", "phi") and atom.sup is None and atom.sub is None:
            layered: set[str] = set()
            for arg in args:
                _layered(arg, layered)
            if not layered:
                out.add(atom.name)
    for part in subtrees(tree):
        _generic_calls(part, out)


def _applied(tree, out: set[str]) -> None:
    """The letters a forward equation applies with no layer on the letter (h = g(W x))."""
    if not isinstance(tree, tuple) or not tree:
        return
    if tree[0] == "call" and isinstance(tree[1], Atom) and tree[1].sup is None:
        out.add(tree[1].name)
    for part in subtrees(tree):
        _applied(part, out)


def _layered(tree, out: set[str]) -> None:
    if isinstance(tree, tuple) and tree and tree[0] in ("atom", "call"):
        atom = tree[1]
        if isinstance(atom, Atom) and (atom.sup is not None or atom.sub is not None):
            out.add(atom.name)
    for part in subtrees(tree) if isinstance(tree, tuple) else ():
        _layered(part, out)


def generic_activation(note, tree) -> bool:
    """Whether a claim is about the generic activation g with no layer (``tanh: g'(z) = 1 -
    g(z)^2`` in a list of the activations' derivatives) in a note whose forward equations fix
    one activation for the hidden layers and another for the output, and never apply that letter
    bare themselves (they write ``g^{[1]}``, ``tanh``, ``sigmoid``): which activation the letter
    means is the prose's, so the claim may be confirmed on the output layer but is never called
    wrong. A note that
    applies ``g`` bare (``h = g(W x)``) has made it one layer's activation."""
    hidden, output = set(note.hidden_options), set(note.output_options)
    if len(hidden) != 1 or len(output) != 1 or hidden == output:
        return False  # one activation, or the note leaves them open: the readings try each
    letters: set[str] = set()
    _generic_calls(tree, letters)
    if not letters:
        return False
    applied: set[str] = set()
    for _, rhs in note.forward:
        _applied(rhs, applied)
    return bool(letters - applied)
