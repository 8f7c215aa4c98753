"""The chain rule stated for abstract functions: ``\\{f(g(x))\\}' = f'(g(x))\\, g'(x)``.

Before the network, blog posts and lecture notes state the chain rule for a composite of two
functions the note never defines: ``\\frac{df(g(x))}{dx} = \\frac{df(g(x))}{dg(x)} \\cdot
\\frac{dg(x)}{dx}``, ``(f(g(x)))' = f'(g(x)) g'(x)``, ``\\frac{d}{dx} f(g(x)) = ...``. Such a
formula is a claim for EVERY smooth f and g, so it is evaluated on functions drawn here: each of
``f``, ``g``, ``h`` is a fixed smooth function of one variable (two draws of them), ``x`` the
variable, primes and Leibniz fractions derivatives (central finite differences), and a
fraction by an inner expression (``\\frac{df(g(x))}{dg(x)}``) the derivative of the numerator
through that expression. Correct when both sides agree at several x for every draw; wrong when
they differ at every x of a draw (``f(g'(x))`` for ``g'(x)``).

Read only when the formula's names are those: the variable ``x`` and the function letters
applied to arguments, one applied to another (``f(g(x))``: a rule about a composite, never a
claim about one function such as ``f'(x) = f(x)(1 - f(x))`` for a sigmoid the prose names),
none of them a function the note defines (a note's own ``f`` is one
function, and what holds for it need not hold for every f), at least one derivative, and a
prime after parentheses written as a prime (``)'``), never a transpose. Anything else: None.
"""

from __future__ import annotations

import math
import re

from .grammar import Atom, subtrees

LETTERS = ("f", "g", "h")
_BRACED = re.compile(r"\\\{(.*?)\\\}\s*'")
_PRIMED_GROUP = re.compile(r"[)\]}]\s*'")
H = 1e-4
_READING = "f, g, h as smooth functions of x drawn here"

# two draws of smooth functions with non-trivial derivatives everywhere
_DRAWS = (
    {
        "f": lambda t: math.sin(1.3 * t) + 0.4 * t * t,
        "g": lambda t: math.exp(0.5 * t) - 0.3 * t,
        "h": lambda t: math.cos(0.7 * t) + 0.2 * t**3,
    },
    {
        "f": lambda t: math.tanh(0.9 * t) + 0.25 * t**3,
        "g": lambda t: 0.6 * t * t + math.sin(t),
        "h": lambda t: math.exp(-0.4 * t) + t,
    },
)
_POINTS = (-0.7, 0.35, 1.1)
_STANDARD = {"exp": math.exp, "sin": math.sin, "cos": math.cos}


class _Skip(Exception):
    """Not a formula of this kind."""


def braced(text: str) -> str | None:
    """``\\{ f(g(x)) \\}'`` written with parentheses, which the grammar reads; else None."""
    out = _BRACED.sub(lambda m: "(" + m.group(1) + ")'", text)
    return out if out != text else None


def _diff(fn, x: float, k: int = 1) -> float:
    if k == 0:
        return fn(x)
    return (_diff(fn, x + H, k - 1) - _diff(fn, x - H, k - 1)) / (2 * H)


def _value(node, x: float, fns, inner=None) -> float:
    """The value of a tree at x; ``inner``: (sub-tree, value) that stands for that expression."""
    if inner is not None and node == inner[0]:
        return inner[1]
    kind = node[0]
    if kind == "num":
        return float(node[1])
    if kind == "atom":
        a: Atom = node[1]
        if a.name == "x" and not a.primes and a.sub is None and a.sup is None:
            return x
        raise _Skip
    if kind == "add":
        return sum(s * _value(t, x, fns, inner) for s, t in node[1])
    if kind == "mul":
        fn = _composed(node[2][1], fns) if node[1] == "juxt" and node[2][0] == "T" else None
        if fn is not None:  # (f \circ g)'(x)
            return _diff(fn, _value(node[3], x, fns, inner))
        if node[1] == "juxt" and node[2][0] == "mul" and node[2][1] == "circ":
            fn = _composed(node[2], fns)  # (g \circ f)(x): the composite applied
            if fn is not None:
                return fn(_value(node[3], x, fns, inner))
        if node[1] not in ("cdot", "juxt", "times"):
            raise _Skip
        return _value(node[2], x, fns, inner) * _value(node[3], x, fns, inner)
    if kind == "div":
        return _value(node[1], x, fns, inner) / _value(node[2], x, fns, inner)
    if kind == "pow":
        if node[2][0] != "num":
            raise _Skip
        return _value(node[1], x, fns, inner) ** float(node[2][1])
    if kind == "call":
        a = node[1]
        if len(node[2]) != 1 or a.sub is not None or a.sup is not None:
            raise _Skip
        if a.name in fns:
            fn = fns[a.name]
        elif a.name in _STANDARD and not a.primes:
            fn = _STANDARD[a.name]
        else:
            raise _Skip
        return _diff(fn, _value(node[2][0], x, fns, inner), a.primes)
    if kind == "T":  # a prime after parentheses: the derivative in x
        if inner is not None:
            raise _Skip
        return _diff(lambda t: _value(node[1], t, fns), x)
    if kind == "d":
        return _derivative(node, x, fns, inner)
    raise _Skip


def _composed(node, fns):
    """``f \\circ g`` as a function of one variable, or None."""
    if node[0] == "atom" and node[1].name in fns and not node[1].primes and node[1].sub is None:
        return fns[node[1].name]
    if node[0] == "mul" and node[1] == "circ":
        outer, inner = _composed(node[2], fns), _composed(node[3], fns)
        if outer is not None and inner is not None:
            return lambda t: outer(inner(t))
    return None


def _derivative(node, x: float, fns, inner) -> float:
    num, den = node[1] if node[1] is not None else node[3], node[2]
    if num is None or den is None or inner is not None or (node[1] is not None and node[3]):
        raise _Skip
    if den[0] == "atom":
        _value(den, x, fns)  # the variable x, else not this kind
        return _diff(lambda t: _value(num, t, fns), x)
    # by an inner expression: the numerator as a function of it, x nowhere else
    at = _value(den, x, fns)
    if not _mentions(num, den):
        raise _Skip
    probe = _value(num, x + 0.37, fns, (den, at)) - _value(num, x, fns, (den, at))
    if abs(probe) > 1e-12:
        raise _Skip  # x outside the inner expression: not a function of it alone
    return _diff(lambda v: _value(num, x, fns, (den, v)), at)


def _mentions(node, part) -> bool:
    return node == part or any(_mentions(q, part) for q in subtrees(node))


def _shape(node, found: set) -> None:
    """The function letters, derivatives and primed groups a tree writes."""
    if node[0] == "call" and node[1].name in LETTERS:
        found.add("fn")
        if node[1].primes:
            found.add("deriv")
        if any(q[0] == "call" and q[1].name in LETTERS for q in node[2]):
            found.add("composite")
    if node[0] == "mul" and node[1] == "circ":
        found |= {"fn", "composite"}
    if node[0] in ("d", "T"):
        found.add("deriv")
        if node[0] == "T":
            found.add("T")
    for q in subtrees(node):
        _shape(q, found)


def judge(lhs, rhs, texts: str, own: set) -> tuple[str, str, str] | None:
    """(verdict, why, reading) for a chain rule of abstract functions, or None (see the module doc).
    ``texts``: the formula as written (a prime after parentheses, not a transpose);
    ``own``: the functions the note defines."""
    found: set = set()
    _shape(lhs, found)
    _shape(rhs, found)
    if not {"fn", "deriv", "composite"} <= found or own & set(LETTERS):
        return None
    if "T" in found and not _PRIMED_GROUP.search(texts):
        return None
    try:
        for fns in _DRAWS:
            differs = 0
            for x in _POINTS:
                a, b = _value(lhs, x, fns), _value(rhs, x, fns)
                if not (math.isfinite(a) and math.isfinite(b)):
                    return None
                if abs(a - b) > 1e-5 * (1 + abs(a) + abs(b)):
                    differs += 1
            if differs == len(_POINTS):
                return (
                    "wrong",
                    (
                        "a chain rule for any functions f and g: the two sides differ for smooth "
                        "f and g drawn here (the derivative of f(g(x)) is f'(g(x)) g'(x))"
                    ),
                    _READING,
                )
            if differs:
                return None
    except (_Skip, ValueError, ZeroDivisionError, OverflowError, TypeError, IndexError):
        return None
    return "correct", "", _READING
