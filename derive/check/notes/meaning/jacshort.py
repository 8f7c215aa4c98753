"""The layer's local derivatives written as the factor the chain rule multiplies by.

Notes write ``\\frac{\\partial Z^{[l]}}{\\partial W^{[l]}} = A^{[l-1]T}``,
``\\frac{\\partial Z^{[l]}}{\\partial A^{[l-1]}} = W^{[l]T}``, ``\\frac{\\partial Z}{\\partial b}
= \\mathbf{1}`` and ``\\frac{\\partial A^{[l]}}{\\partial Z^{[l]}} = g'^{[l]}(Z^{[l]})``: the
derivative of a matrix by a matrix is no matrix, and the right-hand side is the factor that
``dZ A^T``, ``W^T dZ`` and ``dA \\odot g'(Z)`` multiply by, in either layout (rule 6 of the
corpus keys: a schematic factor is accepted whatever its layout order). Such a claim is correct
when its right-hand side is that factor, or its transpose, on the drawn network; anything else
stays not understood (never wrong: the shorthand has no value to be wrong against).
"""

from __future__ import annotations

import re

from .grammar import Atom

_Z, _A, _W, _B = ("z", "Z"), ("a", "A"), ("w", "W"), ("b",)


def _before(sup: str | None) -> str | None:
    """The layer before, written as the note writes layers: [l] -> [l-1], (2) -> (1), 3 -> 2."""
    if sup is None:
        return None
    m = re.fullmatch(r"\s*([\[(]?)\s*([A-Za-z]|\d+)\s*([\])]?)\s*", sup)
    shifted = re.fullmatch(r"\s*([\[(]?)\s*([A-Za-z])\s*([+-])\s*(\d+)\s*([\])]?)\s*", sup)
    if not m and shifted:  # L-1 -> L-2, l+1 -> l
        open_, k, sign, n, close = shifted.groups()
        n = int(n) + 1 if sign == "-" else int(n) - 1
        prev = k if n == 0 else f"{k}{'-' if sign == '-' or n < 0 else '+'}{abs(n)}"
        return f"{open_}{prev}{close}"
    if not m:
        return None
    open_, k, close = m.groups()
    prev = str(int(k) - 1) if k.isdigit() else f"{k}-1"
    return f"{open_}{prev}{close}"


def _atom(node):
    return node[1] if isinstance(node, tuple) and node[0] == "atom" else None


def factors(lhs) -> list | None:
    """The factors ``lhs`` may stand for, or None when it is no such local derivative."""
    if not (isinstance(lhs, tuple) and lhs[0] == "d" and lhs[3] is None):
        return None
    num, den = _atom(lhs[1]) if lhs[1] else None, _atom(lhs[2])
    if num is None or den is None or num.sub or den.sub or num.T or den.T or num.primes:
        return None
    same = num.sup == den.sup
    if num.name in _Z and den.name in _W and same:
        prev = _before(num.sup) if num.sup else None
        if num.sup and prev is None:
            return None
        a = ("atom", Atom("A" if num.name == "Z" else "a", None, prev))
        return [a, ("T", a)]
    if num.name in _Z and den.name in _A and (den.sup == _before(num.sup) or not num.sup):
        w = ("atom", Atom("W" if num.name == "Z" else "w", None, num.sup))
        return [w, ("T", w)]
    if num.name in _Z and den.name in _B and same:
        return [("num", 1.0)]
    if num.name in _A and den.name in _Z and same and num.sup:
        return [("call", Atom("g", None, num.sup, 1), [lhs[2]])]
    return None


def judge(note, lhs, rhs, line, compare):
    """("correct", reading) when ``rhs`` is the factor ``lhs`` stands for, else None."""
    cands = factors(lhs)
    if not cands:
        return None
    if cands[0][0] == "num":
        if isinstance(rhs, tuple) and rhs[0] == "num" and float(rhs[1]) == 1.0:
            return "correct", "the factor the chain rule multiplies by (a vector of ones)"
        return None
    for cand in cands:
        v, _, reading = compare(note, cand, rhs, line)
        if v == "correct":
            return "correct", "the chain rule's factor, in either layout; " + reading
    return None
