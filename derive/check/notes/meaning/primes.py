"""``f'`` of a letter the note names for one step of its derivation.

Quotient-rule derivations of the softmax name the numerator and the denominator for the step:
``\\frac{\\partial \\hat y_k}{\\partial z_i} = \\frac{\\partial}{\\partial z_i}
\\left(\\frac{e^{z_k}}{\\sum_j e^{z_j}}\\right)``, then ``f = e^{z_k}``, ``f' = 0``,
``g = \\sum_j e^{z_j}``, ``g' = e^{z_i}``. The prime is the derivative by the variable of
the derivative the note is working out, the denominator of the latest one it wrote above
(``z_i``), so ``f' = …`` is the claim ``\\frac{\\partial}{\\partial z_i} e^{z_k} = …``
and judged as one (with its index case, like any claim in two index letters). Only a letter
defined bare after that derivative, by an expression in the variable's own letter
(``e^{z_k}`` for ``z_i``), is read so; a prime on any other name keeps its meaning (an
activation's derivative, an unknown function)."""

from __future__ import annotations

from .grammar import atoms

LETTERS = {"f", "g", "h", "u", "v", "p", "q", "N", "D"}


def _variable(tree):
    """The variable of a derivative written as the left-hand side: ``\\frac{\\partial y_k}
    {\\partial z_i}`` -> ``z_i`` (an entry, one letter with one index)."""
    if not isinstance(tree, tuple) or not tree or tree[0] != "d":
        return None
    den = tree[2]
    if not isinstance(den, tuple) or den[0] != "atom":
        return None
    a = den[1]
    if a.sup or a.T or a.primes or a.ex or not a.sub or len(a.sub.strip("{} ")) != 1:
        return None
    return den


def _letter(tree, primes: int):
    if not isinstance(tree, tuple) or tree[0] != "atom":
        return None
    a = tree[1]
    if a.name not in LETTERS or a.sub or a.sup or a.T or a.ex or a.primes != primes:
        return None
    return a.name


def apply(stmts) -> None:
    """Rewrite each ``f' = …`` after ``f = …`` (below a derivative by an entry) into the
    derivative of f's expression by that entry."""
    var = None
    defs: dict[str, tuple] = {}
    for ms in stmts:
        lhs = ms[0].tree
        if lhs is None:
            continue
        found = _variable(lhs)
        if found is not None:
            var, defs = found, {}
            continue
        if var is None or len(ms) != 2 or ms[1].rel != "=" or ms[1].tree is None:
            continue
        name = _letter(lhs, 0)
        if name is not None:
            if any(a.name == var[1].name and a.sub for a in atoms(ms[1].tree)):
                defs[name] = ms[1].tree
            else:
                defs.pop(name, None)
            continue
        name = _letter(lhs, 1)
        if name is not None and name in defs:
            ms[0].tree = ("d", None, var, defs[name])
