"""Andrew Ng's Machine Learning course (Coursera, 2011), read as the known convention it is.

Thousands of students' notes of that course write its backpropagation without a forward pass:
``\\delta^{(L)} = a^{(L)} - y``,
``\\delta^{(l)} = (\\Theta^{(l)})^T \\delta^{(l+1)} .* g'(z^{(l)})``,
``\\frac{\\partial}{\\partial \\Theta^{(l)}_{ij}} J(\\Theta) = a^{(l)}_j \\delta^{(l+1)}_i``. The
notation says which convention it is (as Bishop's letters do, bishop.py): weight matrices
``\\Theta^{(l)}`` with a layer in parentheses, the hypothesis ``h_\\Theta(x)``, ``g`` for the
activation. The course's network is ``a^{(1)} = x``, ``z^{(l+1)} = \\Theta^{(l)} a^{(l)}`` with the
bias unit ``a_0^{(l)} = 1`` folded into column 0 of ``\\Theta^{(l)}``, ``a^{(l)} = g(z^{(l)})``,
g the sigmoid at every layer, ``h_\\Theta(x) = a^{(L)}`` and the cross-entropy cost (its weight
decay leaves the bias column out). So ``\\Theta^{(l)}`` is read as the drawn network's
``[b^{(l)}\\ W^{(l)}]``: its entries with j >= 1 are W's (the index letters of a claim range over
those), and a forward equation written ``z^{(l+1)} = \\Theta^{(l)} a^{(l)}`` holds with the bias
(``+ b^{(l)}``). ``(\\Theta^{(l)})^T \\delta^{(l+1)}`` is then the course's product with its bias
entry dropped, as the course drops ``\\delta_0``. A note that also writes W, w, or an activation
other than the sigmoid (softmax, ReLU, tanh) is not read this way.
"""

from __future__ import annotations

import re
from dataclasses import replace

from . import bind, decay
from .grammar import Atom, rebuild

NOTATION = "the course's Theta^(l) = [b^(l) W^(l)] (bias unit a_0 = 1), g the sigmoid"
_LAYER = re.compile(r"\(?\s*[lL0-9][lL0-9+\-\s]*\)?")
_OTHERS = {"W", "w", "net", "softmax", "relu", "ReLU", "tanh"}


def _nodes(tree):
    if isinstance(tree, list):
        for q in tree:
            yield from _nodes(q)
    elif isinstance(tree, tuple) and tree:
        if isinstance(tree[0], str):
            yield tree
        for part in tree[1:]:
            yield from _nodes(part)


def _theta(atom: Atom) -> bool:
    """Theta^{(l)} (students also write a lower-case theta^{(l)}: with a layer it is no
    logistic regression's parameter vector)."""
    layered = atom.sup is not None and bool(_LAYER.fullmatch(atom.sup))
    return atom.name in ("Theta", "theta") and layered


def _hypothesis(node) -> bool:
    """h_\\Theta(x): the network's output for the input x (not for an example x^{(i)})."""
    return (
        node[0] == "call"
        and node[1].name == "h"
        and "Theta" in (node[1].sub or "")
        and node[2] == [("atom", Atom("x"))]
    )


def detect(stmts) -> bool:
    """Whether the note writes the course's notation: a layered Theta^{(l)}, a delta or the
    hypothesis h_Theta, and no symbol of another notation."""
    names, theta, course = set(), False, False
    for ms in stmts:
        for m in ms:
            for n in _nodes(m.tree):
                if n[0] in ("atom", "call") and isinstance(n[1], Atom):
                    names.add(n[1].name)
                    theta |= n[0] == "atom" and _theta(n[1])
                course |= _hypothesis(n)
    course |= "delta" in names
    return theta and course and not names & _OTHERS


def _output(sub):
    return ("atom", Atom("a", sub, "L"))


def _rename(node):
    if not isinstance(node, tuple) or not node or not isinstance(node[0], str):
        return node
    if node[0] == "atom":
        a = node[1]
        if a.name == "Delta" and a.sup is not None:
            # the course's accumulator (Delta := Delta + a_j delta_i over the examples), not an
            # error: left unbound, so what is written with it is not read
            return ("atom", replace(a, name="Delta_acc"))
        return ("atom", replace(a, name="W")) if a.name == "Theta" or _theta(a) else node
    if _hypothesis(node):
        return _output(None)
    if node[0] == "idx" and _hypothesis(node[1]) and re.fullmatch(r"[a-z]", node[2] or ""):
        return _output(node[2])  # (h_\Theta(x))_k: the k-th output
    return rebuild(node, _rename)


def _with_bias(lhs, rhs):
    """z^{(l+1)} = \\Theta^{(l)} a^{(l)} (or x): the bias unit is inside Theta, so on the drawn
    network it is z^{(l+1)} = W^{(l)} a^{(l)} + b^{(l)}."""
    if lhs is None or rhs is None or lhs[0] != "atom" or lhs[1].name not in ("z", "Z"):
        return rhs
    if rhs[0] != "mul" or rhs[1] not in ("juxt", "cdot", "times"):
        return rhs
    w, a = rhs[2], rhs[3]
    if w[0] != "atom" or w[1].name != "W" or w[1].sub or w[1].T or a[0] != "atom":
        return rhs
    if a[1].name not in ("a", "A", "x", "X") or a[1].sub:
        return rhs
    return ("add", [(1, rhs), (1, ("atom", Atom("b", None, w[1].sup)))])


def apply(stmts) -> bool:
    """Rewrite a note in the course's notation into the layered model (Theta into W, h_Theta(x)
    into the output, the bias of each z = Theta a made explicit); whether it was one."""
    if not detect(stmts):
        return False
    for ms in stmts:
        for m in ms:
            if m.tree is not None:
                m.tree = _rename(m.tree)
        if len(ms) > 1 and ms[0].tree is not None and ms[1].tree is not None:
            ms[1].tree = _with_bias(ms[0].tree, ms[1].tree)
    return True


def _sigmoid_g(stmts) -> bool:
    """Whether every definition of g the note writes, g(z) = ..., is the sigmoid."""
    from .conventions import _standard_function

    for ms in stmts:
        lhs = ms[0].tree
        if lhs is None or lhs[0] != "call" or lhs[1].name != "g" or lhs[1].primes:
            continue
        if len(ms) < 2 or not _standard_function(Atom("sigmoid"), lhs[2], ms[1].tree):
            return False
    return True


def settle(note, stmts) -> None:
    """After the note's own definitions were read: the course's network where the note writes
    none of its layers (the input is layer 1, Theta^{(l)} feeds z^{(l+1)}, sigmoid everywhere,
    cross-entropy unless the note's own cost is read). The note's g(z) = 1/(1+e^{-z}) is the
    course's g: a definition, and g keeps its meaning (the activation)."""
    note.convention = NOTATION
    if "g" in note.own_functions and _sigmoid_g(stmts):
        note.own_functions.discard("g")
    layered = [
        (lhs, rhs)
        for lhs, rhs in note.forward
        if any(n[0] == "atom" and n[1].name == "W" for n in _nodes(rhs))
    ]
    if not layered:
        note.base = 1
        note.conventions = [("cols", 1, 1)]
        note.unfit = False
    note.hidden_options, note.output_options = ["sigmoid"], ["sigmoid"]
    # the course's cost is the cross-entropy; a note that writes another (no log in it) is
    # read with its own or, unread, under every cost
    if all("log" in text for text in decay.costs_written(stmts)):
        note.known_costs = ["ce"]


def example_letters(stmts) -> set[str]:
    """The course's example index: the letter of y^{(i)} (the target has no layers), even
    where the note writes no sum over its examples (examples.py asks for one)."""
    from . import examples

    atoms = []
    for ms in stmts:
        for m in ms:
            examples._atoms(m.tree, atoms)
    letters = {
        bind.strip_layer(a.sup)
        for a in atoms
        if a.name in examples.TARGETS and a.sup and re.fullmatch(r"[a-z]", bind.strip_layer(a.sup))
    }
    letters -= {c for a in atoms if a.sup for c in examples._stepped(a.sup)}
    letters -= {"l"}
    if letters:
        for ms in stmts:
            for m in ms:
                if m.tree is not None:
                    m.tree = examples.rewrite(m.tree, letters, set())
    return letters


def bias_column(tree, letter: str):
    """The case ``j = 0`` of a claim about Theta's entries: column 0 of Theta^{(l)} is the bias
    b^{(l)} of the drawn network, Delta's column 0 accumulates its gradient, and the bias unit
    a_0 is 1. The tree with those read in, or None when the letter stands anywhere else."""
    bad = []

    def entry(a: Atom):
        letters = bind.index_letters(a.sub) if a.sub else []
        if a.name in ("W", "Delta_acc") and len(letters) == 2 and letters[1] == letter:
            name = "b" if a.name == "W" else "Delta_accb"
            return ("atom", replace(a, name=name, sub=letters[0]))
        if a.name in ("a", "A") and letters == [letter] and not a.T:
            return ("num", 1.0)
        if letter in letters:
            bad.append(a)
        return ("atom", a)

    def walk(node):
        if not isinstance(node, tuple) or not node or not isinstance(node[0], str):
            return node
        if node[0] == "atom":
            return entry(node[1])
        if node[0] == "sum" and node[1] == letter:
            bad.append(node)
        return rebuild(node, walk)

    out = walk(tree)
    return None if bad else out
