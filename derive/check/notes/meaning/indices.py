"""Summation indices that collide: a mistake in the index bookkeeping itself, named as such.

Two slips are read from the formula's structure alone (its tree), before anything is bound:

- a sum on the right-hand side runs over a letter that is a free index of the left-hand side,
  and the right-hand side writes that letter nowhere outside such sums:
  ``\\frac{\\partial \\log \\hat p_k}{\\partial x_j} = \\sum_k \\dots`` says that a quantity
  that depends on k equals one that cannot (every k on the right is the summed one); the sum
  needs a letter of its own;
- a sum inside a sum over the same letter, while the outer sum's letter is also used outside
  the inner one (``\\sum_k y_k \\sum_k w_{jk}``): the inner sum reuses the outer index, so the
  terms meant to pair with the outer k no longer do.

Neither is a question of convention: whatever the letters stand for, the first makes a
k-dependent left-hand side equal to a k-independent right-hand side, and the second is a
reuse the note never intends (it writes the outer index inside the inner sum). A formula
whose letters do not collide this way gets ``None`` and is judged as usual.
"""

from __future__ import annotations

from . import bind
from .grammar import subtrees


def _sums(node):
    """Every sum node of a tree, outermost first."""
    if not isinstance(node, tuple) or not node:
        return
    if node[0] == "sum":
        yield node
    for part in subtrees(node):
        yield from _sums(part)


def clash(lhs, rhs) -> str | None:
    """Why the summation indices of ``lhs = rhs`` collide, or None when they do not."""
    if lhs[0] == "call":
        # f(A_{lm}, B_{ij}) = \sum_l ...: the letters name the matrices' entries the function
        # takes, not an entry of its value
        return None
    free_l = bind.free_indices(lhs)
    free_r = bind.free_indices(rhs)
    for s in _sums(rhs):
        var = s[1]
        if var is None or not var.isalpha():
            continue
        if var in free_l and var not in free_r and not any(True for _ in _sums(lhs)):
            return (
                f"the summation index {var} is the left-hand side's free index {var}: every {var} "
                f"on the right is the summed one, so the right-hand side cannot vary with {var} "
                f"as the left-hand side does (the sum needs a letter of its own)"
            )
        body = s[3]
        inner = [t for t in _sums(body) if t[1] == var]
        if inner and var in bind.free_indices(body):
            return (
                f"a sum over {var} inside the sum over {var}: the inner sum reuses the outer "
                f"index, so the terms written with the outer {var} no longer pair with it"
            )
    return None


def kronecker(lhs, rhs, cond) -> tuple[str, str] | None:
    """A Kronecker delta stated by its cases (``\\delta_{kj} = 0`` for k = j): (verdict,
    why) against the standard definition, 1 where its two indices are equal and 0 where
    they differ. A value stated with no case beside it (``\\delta_{kj} = 1``, its case in
    the prose) is not judged: ``None``."""
    if lhs is None or rhs is None or cond is None or lhs[0] != "atom" or rhs[0] != "num":
        return None
    atom = lhs[1]
    if atom.name != "delta" or atom.sup is not None or atom.primes or atom.T:
        return None
    try:
        letters = bind.index_letters(atom.sub)
    except bind.Unreadable:
        return None
    if len(letters) != 2 or set(letters) != {cond[0], cond[2]} or cond[1] not in ("=", "!="):
        return None
    i, j = letters
    want = 1.0 if cond[1] == "=" else 0.0
    if rhs[1] == want:
        return "correct", ""
    case = f"{i} = {j}" if cond[1] == "=" else f"{i} \u2260 {j}"
    return "wrong", (
        f"the Kronecker delta \u03b4_{{{i}{j}}} is {want:g} for {case}, not {rhs[1]:g} "
        f"(1 where its indices are equal, 0 where they differ)"
    )
