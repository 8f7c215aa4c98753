"""The chain rule written as fractions that cancel, in names no network binds.

Derivations unit by unit write the chain rule as a product of Leibniz fractions of single
names: ``\\frac{\\partial E_{total}}{\\partial w_5} = \\frac{\\partial E_{total}}{\\partial
out_{o1}} \\frac{\\partial out_{o1}}{\\partial net_{o1}} \\frac{\\partial net_{o1}}{\\partial
w_5}``, often with a name the note gave one of the partial products (``\\delta_o =
\\frac{\\partial E}{\\partial net_o}``, then ``\\frac{\\partial E}{\\partial w} = \\delta_o
\\frac{\\partial net_o}{\\partial w}``). Where the names bind to no network the checker can
draw (a note without its forward pass, names of its own), what such a line asserts is the
chain rule's form: taken in some order, the fractions lead from the left-hand side's
numerator to its denominator, each denominator the next numerator. That is judged correct
(as the older checks judge it, "a general rule: the fractions cancel"); a product that does
not cancel is left not understood here (a unit may reach the cost by several paths, which
only a network can tell).
"""

from __future__ import annotations

import re

from .grammar import Atom

_MULS = ("cdot", "juxt", "times", "star")


def _name(node) -> str | None:
    if node is None or node[0] != "atom" or node[1].T:
        return None
    a: Atom = node[1]
    return a.show()


def fraction(node) -> tuple[str, str] | None:
    """(numerator, denominator) of a Leibniz fraction of two single names, else None."""
    if not (isinstance(node, tuple) and node and node[0] == "d") or node[3] is not None:
        return None
    top, bottom = _name(node[1]), _name(node[2])
    return (top, bottom) if top and bottom else None


def named_fractions(stmts) -> dict[str, tuple[str, str]]:
    """Names the note gives a fraction: ``\\delta_o = \\frac{\\partial E}{\\partial net_o}``
    (the first member after the name); a name given two different fractions is dropped."""
    out: dict[str, tuple[str, str] | None] = {}
    for ms in stmts:
        if len(ms) < 2 or ms[0].tree is None:
            continue
        name, frac = _name(ms[0].tree), fraction(ms[1].tree)
        if name and frac:
            out[name] = frac if out.get(name, frac) == frac else None
    return {k: v for k, v in out.items() if v is not None}


def _factors(node, named, out) -> bool:
    if node[0] == "mul" and node[1] in _MULS:
        return _factors(node[2], named, out) and _factors(node[3], named, out)
    frac = fraction(node) or named.get(_name(node) or "")
    if frac is None:
        return False
    out.append(frac)
    return True


def _cancels(top: str, bottom: str, fracs) -> bool:
    """Whether the fractions, in some order, lead from ``top`` down to ``bottom``."""
    left = list(fracs)
    at = top
    while left:
        nxt = [f for f in left if f[0] == at]
        if len(nxt) != 1:
            return False
        left.remove(nxt[0])
        at = nxt[0][1]
    return at == bottom


def _carries(name: str, index: str) -> bool:
    """Whether a name's scripts carry the index letter (``y_{qc}`` carries c)."""
    base = re.match(r"[A-Za-z]+", name)
    scripts = re.sub(r"\\[A-Za-z]+", " ", name[base.end() :] if base else name)
    return index in scripts  # index letters run together in a subscript: y_{qc}


def judge(lhs, rhs, named) -> tuple[str, str, str] | None:
    r"""(verdict, why, reading) for a chain rule of fractions that cancel, else None. Summed
    over an index (``\sum_k \frac{\partial E}{\partial a_k} \frac{\partial a_k}{\partial
    a_j}``), the quantities between carry that index and the ends do not: the chain rule over
    every intermediate unit."""
    for one, other in ((lhs, rhs), (rhs, lhs)):
        frac = fraction(one) or named.get(_name(one) or "")  # \delta_o = dE/dout dout/dnet
        if frac is None:
            continue
        index = None
        if other[0] == "sum" and other[2] is None and isinstance(other[1], str):
            index, other = other[1], other[3]
        fracs: list = []
        if not _factors(other, named, fracs) or len(fracs) < 2:
            continue
        if not _cancels(*frac, fracs):
            continue
        if index is not None:
            between = {n for f in fracs for n in f} - set(frac)
            if any(_carries(n, index) for n in frac) or not between:
                continue
            if not all(_carries(n, index) for n in between):
                continue
        return "correct", "", "the chain rule: the fractions cancel"
    return None
