"""The logits a softmax derivation differentiates by, named only in its prose.

CS224d's write-ups (and many softmax + cross-entropy derivations) take "the partial with
respect to theta_k", theta the softmax's argument, without writing ``\\hat y =
\\mathrm{softmax}(\\theta)``: the only formulas that name theta are the derivatives by it. In a
note whose output is a softmax, a name that the note never defines or binds and that is only
ever the variable a derivative is taken by (``\\frac{\\partial CE}{\\partial \\theta_k}``,
``\\frac{\\partial}{\\partial \\theta_k}``) is read as the softmax's argument, the output
layer's pre-activation; with any other use (a definition, a value of its own) it is left
unbound.
"""

from __future__ import annotations

from . import bind
from .grammar import COSTS, Atom


def _dens(node, out):
    if not isinstance(node, tuple):
        return
    if node[0] == "d" and node[2] is not None and node[2][0] == "atom":
        out.add(node[2][1].name)
    for part in node[1:]:
        if isinstance(part, tuple):
            _dens(part, out)
        elif isinstance(part, list):
            for q in part:
                q = q[1] if isinstance(q, tuple) and len(q) == 2 and isinstance(q[0], int) else q
                _dens(q, out)


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
    for name in sorted(dens - defined - known):
        if any(k.split("_{")[0].split("^{")[0] == name for k in note.aliases):
            continue
        if name in ("theta", "vartheta", "Theta", "s", "u"):
            note.aliases[Atom(name).show()] = ("atom", Atom("z", None, "L"))
