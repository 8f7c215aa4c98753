"""The derivative of an expression written out, then its result: a link judged by calculus.

Scalar derivations write the function they differentiate inside the fraction before its
result: ``\\frac{\\partial E}{\\partial y} = \\frac{\\partial \\frac12 (y - t)^2}{\\partial y} =
y - t``, ``\\frac{\\partial a}{\\partial w} = \\frac{\\partial (xw + b)}{\\partial w} = x``,
``\\frac{\\partial (w_1 h_1 + w_2 h_2)}{\\partial h_1} = w_1``. The step from the written-out
derivative to the member after it holds or fails by calculus alone, whatever the network: it
is evaluated on random values of the expression's names (every name an independent scalar, as
the fraction says: only the variable moves), the derivative a central finite difference.

Read only for scalar expressions: names (no capital single letters, which name matrices; no
transposes), numbers, + - * /, powers by numbers, exp, log, tanh and the sigmoid (``\\sigma``,
with ``\\sigma'`` its derivative), the variable among the expression's names. Correct when the
two agree at every draw. Wrong only when they differ at every draw and the result writes no
name the expression does not (``y(1 - y)`` for ``\\sigma(a)(1 - \\sigma(a))`` uses the note's
own name for the sigmoid's value: not judged), so the slip is in the calculus (a factor 2
dropped, a sign, a missing prime). Anything else: None.
"""

from __future__ import annotations

import math
import random

from .grammar import Atom

_H = 1e-6


class _Skip(Exception):
    """Not a scalar expression of this kind."""


def _sigmoid(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


_FUNCS = {
    "sigma": (_sigmoid, lambda t: _sigmoid(t) * (1 - _sigmoid(t))),
    "sigmoid": (_sigmoid, lambda t: _sigmoid(t) * (1 - _sigmoid(t))),
    "exp": (math.exp, math.exp),
    "tanh": (math.tanh, lambda t: 1 - math.tanh(t) ** 2),
    "log": (math.log, lambda t: 1 / t),
    "ln": (math.log, lambda t: 1 / t),
}
_MULS = ("cdot", "juxt", "times", "star")


def _key(a: Atom) -> str:
    if a.T or a.primes or (len(a.name) == 1 and a.name.isupper()):
        raise _Skip
    return a.show()


def names(node, out: set) -> set:
    kind = node[0]
    if kind == "atom":
        out.add(_key(node[1]))
    elif kind == "num":
        pass
    elif kind == "add":
        for _, t in node[1]:
            names(t, out)
    elif kind == "mul":
        if node[1] not in _MULS:
            raise _Skip
        names(node[2], out)
        names(node[3], out)
    elif kind == "div":
        names(node[1], out)
        names(node[2], out)
    elif kind == "pow":
        if node[2][0] != "num":
            raise _Skip
        names(node[1], out)
    elif kind == "call":
        a = node[1]
        if a.name not in _FUNCS or a.primes > 1 or a.sub or a.sup or len(node[2]) != 1:
            raise _Skip
        names(node[2][0], out)
    else:
        raise _Skip
    return out


def _value(node, env: dict) -> float:
    kind = node[0]
    if kind == "atom":
        return env[_key(node[1])]
    if kind == "num":
        return float(node[1])
    if kind == "add":
        return sum(s * _value(t, env) for s, t in node[1])
    if kind == "mul":
        return _value(node[2], env) * _value(node[3], env)
    if kind == "div":
        return _value(node[1], env) / _value(node[2], env)
    if kind == "pow":
        return _value(node[1], env) ** float(node[2][1])
    fn, prime = _FUNCS[node[1].name]
    return (prime if node[1].primes else fn)(_value(node[2][0], env))


def written_out(trees) -> int | None:
    """The index of the last written-out derivative among a chain's members before this one
    (every later member is claimed equal to it), or None."""
    for k in range(len(trees) - 1, -1, -1):
        t = trees[k]
        if isinstance(t, tuple) and t and t[0] == "d" and t[1] is not None and t[1][0] != "atom":
            return k
    return None


_TARGET_WORDS = ("target", "tgt", "expected", "desired")


def _target_alias(gone: set, new: set) -> tuple[str, str] | None:
    """(word, letter) when the result writes the target by a word (``target_o``) where the
    expression has one other name with the same subscript (``d_o``) and nothing else differs:
    notes that name the expected output d in their cost and target in their worked example."""
    if len(gone) != 1 or len(new) != 1:
        return None
    (letter,), (word,) = gone, new
    w_name, _, w_sub = word.partition("_")
    l_name, _, l_sub = letter.partition("_")
    if w_name.lower() not in _TARGET_WORDS or w_sub != l_sub or len(l_name) != 1:
        return None
    return word, letter


def link(prev, cur) -> tuple[str, str, str] | None:
    """(verdict, why, reading) for the step from a written-out derivative ``prev`` (a
    Leibniz fraction whose numerator is an expression of its variable) to ``cur``; None
    when ``prev`` is none or either side is not read here."""
    if not (isinstance(prev, tuple) and prev and prev[0] == "d") or cur is None:
        return None
    num, den = prev[1], prev[2]
    if num is None or prev[3] is not None or den is None or den[0] != "atom" or num[0] == "atom":
        return None
    try:
        var = _key(den[1])
        mine = names(num, set())
        theirs = names(cur, set())
    except _Skip:
        return None
    if var not in mine:
        return None
    alias = _target_alias(mine - theirs - {var}, theirs - mine)
    if alias is not None:  # (d_o - out_o)^2 then -(target_o - out_o): one target, two names
        theirs = (theirs - {alias[0]}) | {alias[1]}
    rng = random.Random(7)
    differs = 0
    draws = 4
    try:
        for _ in range(draws):
            env = {n: rng.uniform(0.2, 0.9) for n in mine | theirs}
            if alias is not None:
                env[alias[0]] = env[alias[1]]
            up, down = dict(env), dict(env)
            up[var] += _H
            down[var] -= _H
            want = (_value(num, up) - _value(num, down)) / (2 * _H)
            got = _value(cur, env)
            if not (math.isfinite(want) and math.isfinite(got)):
                return None
            if abs(want - got) > 1e-5 * (1 + abs(want) + abs(got)):
                differs += 1
    except (ValueError, ZeroDivisionError, OverflowError, KeyError):
        return None
    reading = "the written-out derivative, its names independent"
    if alias is not None:
        reading += f", {alias[0]} the target {alias[1]}"
    if differs == 0:
        return "correct", "", reading
    if differs == draws and theirs <= mine:
        return "wrong", "this is not the derivative of the expression written before it", reading
    return None
