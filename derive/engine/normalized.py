"""Gradients written in a named normalised quantity: the step that gives batch norm's compact
backward pass.

A network may name a normalisation v = f(u, s1, ...): an elementwise equation linear in one
full-size quantity u whose other arguments are named statistics (a 1 in their shape: per unit,
or per sample; or spread over a channel's or a group's rows by a Repeat), such as
``xhat2 = (A1 - mu2) / std2``. ``normalizations(net)`` finds them, and ``eliminate`` replaces
u in a gradient expression that also uses one of the statistics by its solution
u = g(v, s1, ...) (``A1 = xhat2 std2 + mu2``), so that ``A1 - mu2`` becomes ``xhat2 std2``
and, once the simplifier takes the per-unit std2 out of a sum over the samples,
``sum_samples(delta2 (A1 - mu2))`` becomes ``std2 sum_samples(delta2 xhat2)``. The solution is
SymPy's (``solve``); the rewrite only substitutes equals, and the proof tests compare the
result with the unsimplified chain.
"""

from __future__ import annotations

import sympy as sp

from .graph import Network
from .ir import Elementwise, Repeat, Var, placeholder


def _tmp(k: int) -> sp.Symbol:
    return sp.Symbol(f"__n{k}", real=True)


def _named(node) -> bool:
    """A named quantity, or a named statistic spread over its channel's or group's rows."""
    node = node.a if isinstance(node, Repeat) else node
    return isinstance(node, Var) and node.role == "value"


def normalizations(net: Network) -> list[tuple[Var, frozenset, sp.Expr, tuple]]:
    """For each named normalisation: (u, its statistics, u solved from the equation in the
    placeholders of (statistics..., v), those arguments)."""
    out = []
    for name, node in net.equations.items():
        if not isinstance(node, Elementwise) or len(node.args) < 2:
            continue
        if not all(_named(a) for a in node.args):
            continue
        full = [i for i, a in enumerate(node.args) if a.shape == node.shape
                and not isinstance(a, Repeat)]  # fmt: skip
        if len(full) != 1:
            continue
        i = full[0]
        others = [a for j, a in enumerate(node.args) if j != i]
        if any(1 not in a.shape and not isinstance(a, Repeat) for a in others):
            continue
        if sp.Poly(node.expr, placeholder(i)).degree() != 1:
            continue
        target = sp.Symbol("__v", real=True)
        (solution,) = sp.solve(sp.Eq(target, node.expr), placeholder(i))
        renumber = {placeholder(j): placeholder(others.index(a)) for j, a in enumerate(node.args)
                    if j != i}  # fmt: skip
        solution = solution.xreplace({**renumber, target: placeholder(len(others))})
        out.append((node.args[i], frozenset(others), solution, (*others, net.values[name])))
    return out


def eliminate(expr: sp.Expr, args: list, found: list) -> tuple[sp.Expr, list]:
    """``expr`` (in placeholders of ``args``) with each normalised u replaced by its solution
    where the expression also uses one of u's statistics; unused arguments dropped."""
    for u, stats, solution, defining in found:
        if u not in args or not (stats & set(args)):
            continue
        args = list(args)
        slots = {}
        for j, arg in enumerate(defining):
            if arg not in args:
                args.append(arg)
            slots[placeholder(j)] = _tmp(args.index(arg))
        expr = expr.xreplace({placeholder(args.index(u)): solution.xreplace(slots)})
        expr = expr.xreplace({_tmp(k): placeholder(k) for k in range(len(args))})
        keep = [k for k in range(len(args)) if placeholder(k) in expr.free_symbols]
        expr = expr.xreplace({placeholder(k): _tmp(i) for i, k in enumerate(keep)})
        expr = expr.xreplace({_tmp(i): placeholder(i) for i in range(len(keep))})
        args = [args[k] for k in keep]
    return expr, args
