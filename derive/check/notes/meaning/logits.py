"""The logits a softmax derivation differentiates by, named only in its prose.

CS224d's write-ups (and many softmax + cross-entropy derivations) take "the partial with
respect to theta_k", theta the softmax's argument, without writing ``\\hat y =
\\mathrm{softmax}(\\theta)``: the only formulas that name theta are the derivatives by it. In a
note whose output is a softmax, a name (theta, s, u) that the note never defines or binds, that
it differentiates by (``\\frac{\\partial CE}{\\partial \\theta_k}``, ``\\frac{\\partial}
{\\partial \\theta_k}``) and that it only uses entry by entry (``e^{\\theta_i}``) is read as
the softmax's argument, the output layer's pre-activation. Softmax regression's theta is the
weights: written transposed or against the input (``\\theta_j^T x``), or with two indices, it
is left unbound, as is a name the note defines.
"""

from __future__ import annotations

from . import bind
from .grammar import COSTS, Atom, subtrees


def _dens(node, out):
    if not isinstance(node, tuple):
        return
    if node[0] == "d" and node[2] is not None and node[2][0] == "atom":
        out.add(node[2][1].name)
    for part in subtrees(node):
        _dens(part, out)


def bind_logits(note, stmts) -> None:
    """Alias the softmax's argument for an undefined name used only as a derivative's
    variable, when the note's output is a softmax."""
    if note.output_options != ["softmax"]:
        return
    dens, defined = set(), set()
    for members in stmts:
        lhs = members[0].tree
        if lhs is not None and lhs[0] in ("atom", "call") and len(members) > 1:
            defined.add(lhs[1].name)
        for m in members:
            _dens(m.tree, dens)
    known = set(bind.LAYERED) | set(bind.VECTOR_NAMES) | bind.OUTPUT_NAMES | set(COSTS)
    known |= {name for ms in stmts for m in ms for name in _weights(m.tree)}
    for name in sorted(dens - defined - known):
        if any(k.split("_{")[0].split("^{")[0] == name for k in note.aliases):
            continue
        if name in ("theta", "vartheta", "Theta", "s", "u"):
            note.aliases[Atom(name).show()] = ("atom", Atom("z", None, "L"))


def _weights(node, out=None) -> set[str]:
    """Names used as weights: transposed, with two indices, or in a product with the input."""
    out = set() if out is None else out
    if not isinstance(node, tuple):
        return out
    if node[0] == "atom":
        a = node[1]
        if a.T or len((a.sub or "").replace(",", "").replace(" ", "")) >= 2:
            out.add(a.name)
    if node[0] == "T" and node[1][0] == "atom":
        out.add(node[1][1].name)
    if node[0] == "mul":
        names = [_names(node[2]), _names(node[3])]
        for one, other in (names, names[::-1]):
            if other & {"x", "X", "a", "A", "h"}:
                out |= one
    for part in subtrees(node):
        _weights(part, out)
    return out


def _names(node) -> set[str]:
    if not isinstance(node, tuple):
        return set()
    if node[0] in ("atom", "call"):
        return {node[1].name}
    out = set()
    for part in subtrees(node):
        out |= _names(part)
    return out
