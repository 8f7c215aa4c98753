"""Values in the notes' claims: compared at random points, computed as the notes mean them,
and shown as the notes write them.

``same(a, b)`` compares two expressions at random points (every free symbol drawn from
±[0.3, 1.7]); ``matrix_value`` computes a member made of written matrices and numbers (a dot
written between two vectors of one length is their dot product); ``eval_number`` evaluates
the arithmetic the LaTeX parser leaves unevaluated. ``Unknown`` is raised by every check that
cannot decide a claim, with the reason.
"""

from __future__ import annotations

import random

import sympy as sp
from sympy.printing.str import StrPrinter

from .claims import Member


class Unknown(Exception):
    """The claim cannot be checked; the message says why."""


_RNG_POINTS = 6


def random_points(symbols) -> list[dict]:
    rng = random.Random(20240611)
    ordered = sorted(symbols, key=lambda s: s.name)
    return [
        {s: sp.Float(rng.choice((-1, 1)) * rng.uniform(0.3, 1.7), 20) for s in ordered}
        for _ in range(_RNG_POINTS)
    ]


def value_at(expr: sp.Expr, point: dict) -> complex | None:
    try:
        v = complex(sp.N(expr.xreplace(point), 20))
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if v != v or abs(v) == float("inf") or abs(v.imag) > 1e-9 * (1 + abs(v.real)):
        return None
    return v


def same(a: sp.Expr, b: sp.Expr) -> bool | None:
    """Equal at random points (every free symbol drawn from ±[0.3, 1.7]); None when no point
    gives both a number."""
    a, b = sp.sympify(a), sp.sympify(b)
    compared = 0
    for point in random_points(a.free_symbols | b.free_symbols):
        va, vb = value_at(a, point), value_at(b, point)
        if va is None or vb is None:
            continue
        compared += 1
        if abs(va - vb) > 1e-8 * (1 + abs(va) + abs(vb)):
            return False
    return True if compared else None


def eval_number(expr: sp.Expr) -> sp.Expr:
    """Evaluate the parser's unevaluated arithmetic (10*0 + 20*1 stays unevaluated)."""
    if any(isinstance(p.exp, sp.Number) and abs(p.exp) > 64 for p in expr.atoms(sp.Pow)):
        raise Unknown("a power too large to check")
    if expr.args:
        return expr.func(*[eval_number(a) for a in expr.args])
    return expr


def terms(expr: sp.Expr) -> list[sp.Expr]:
    if isinstance(expr, sp.Add):
        return [t for a in expr.args for t in terms(a)]
    return [expr]


def equal_values(a, b) -> bool:
    a = a if isinstance(a, sp.MatrixBase) else sp.Matrix([[a]])
    b = b if isinstance(b, sp.MatrixBase) else sp.Matrix([[b]])
    if a.shape != b.shape:
        return False
    return all(same(x, y) for x, y in zip(a, b, strict=True))


class ShapeError(Exception):
    """Written matrices that cannot be multiplied or added; the message says why."""


def _times(a, b, op: str):
    """a times b as the notes mean it: a matrix product, a scalar product, or (for two vectors
    of one length written with a dot) their dot product."""
    if not isinstance(a, sp.MatrixBase) or not isinstance(b, sp.MatrixBase):
        return a * b
    if a.shape == (1, 1) or b.shape == (1, 1):
        return (a[0, 0] * b) if a.shape == (1, 1) else (a * b[0, 0])
    if a.cols == b.rows:
        return a * b
    if op and 1 in a.shape and a.shape == b.shape:
        return sp.Matrix([[sum(x * y for x, y in zip(a, b, strict=True))]])
    raise ShapeError(f"cannot multiply a {fmt_shape(a.shape)} by a {fmt_shape(b.shape)}")


def matrix_value(member: Member):
    """The value of a member made of written matrices, numbers, +, - and products."""
    total, sign, factor, op = None, 1, None, ""
    for kind, val in member.operands + [("op", "+")]:
        if kind == "op" and val in "+-":
            if factor is not None:
                term = factor if sign > 0 else -factor
                if (
                    total is not None
                    and isinstance(total, sp.MatrixBase)
                    and getattr(term, "shape", total.shape) != total.shape
                ):
                    raise ShapeError(
                        f"cannot add a {fmt_shape(total.shape)} and a {fmt_shape(term.shape)}"
                    )
                total = term if total is None else total + term
            sign, factor, op = (1 if val == "+" else -1), None, ""
        elif kind == "op":
            op = val
        else:
            factor = val if factor is None else _times(factor, val, op)
            op = ""
    return total


class NotesPrinter(StrPrinter):
    """Expressions in the notes' own spelling of names: a(L), w2, σ'(z(L))."""

    def __init__(self, spelling):
        super().__init__()
        self.spelling = spelling

    def _print_Symbol(self, expr):
        return self.spelling.get(expr.name, expr.name)

    def _print_Function(self, expr):
        name = type(expr).__name__.replace("sigmoid", "σ")
        return f"{name}({', '.join(self._print(a) for a in expr.args)})"

    _print_AppliedUndef = _print_Function

    def _print_Piecewise(self, expr):
        (val, cond), *_ = expr.args
        return f"({self._print(cond)})" if val == 1 else super()._print_Piecewise(expr)


def show_matrix(m: sp.Matrix) -> str:
    if m.shape == (1, 1):
        return show_number(m[0, 0])
    rows = ("[" + ", ".join(show_number(v) for v in row) + "]" for row in m.tolist())
    return "[" + ", ".join(rows) + "]"


def show_number(v) -> str:
    v = sp.nsimplify(v) if isinstance(v, sp.Float) and float(v).is_integer() else v
    if isinstance(v, sp.Rational) and not isinstance(v, sp.Integer):
        if set(sp.factorint(v.q)) <= {2, 5}:  # a decimal as the notes wrote it
            return f"{float(v):.12g}"
    return str(v) if not isinstance(v, sp.Float) else f"{float(v):.6g}"


def fmt_shape(shape) -> str:
    return f"[{shape[0]}×{shape[1]}]"
