"""The equation language's meaning in the IR: ``MatrixBuilder`` is the builder that
``exprparse.parse`` calls for each name, number, operator and function of an equation, and it
returns IR nodes, checking shapes as it goes (elementwise operations broadcast like NumPy;
``@`` needs matching inner sizes; each error names the equation and both shapes).
"""

from __future__ import annotations

import sympy as sp

from . import exprparse
from .ir import (
    Elementwise,
    M,
    MatMul,
    Node,
    Rows,
    Sum,
    Var,
    broadcast,
    ew,
    fmt_shape,
    placeholder,
    transposed,
)
from .layers import m_symbol
from .registry import Activation, z

# The matrix reductions of the equation form: (axes summed, whether divided by the count).
# Units are rows (axis 0), samples are columns (axis 1); sum() and mean() take both.
REDUCTIONS = {
    "sum_units": ((0,), False),
    "sum_samples": ((1,), False),
    "sum": ((0, 1), False),
    "mean_units": ((0,), True),
    "mean_samples": ((1,), True),
    "mean": ((0, 1), True),
}


class MatrixBuilder:
    """Builds ``ir`` nodes; elementwise operations broadcast like NumPy and are checked.
    ``m`` (the number of samples) is a number unless the spec names something m."""

    def __init__(self, known: dict[str, Var], acts: dict[str, Activation], eq: str, _):
        self.known, self.acts, self.eq = known, acts, eq
        # each softmax node built, with its argument: the network keeps the one an equation
        # is (Network.softmax), so that no printer has to recognise exp(u) / sum(exp(u))
        self.softmaxes: dict[Node, Node] = {}

    def number(self, value):
        return value

    def name(self, ident, w):
        if ident in self.known:
            return self.known[ident]
        if ident == "m":
            return m_symbol
        w.fail(
            f"`{ident}` is not defined",
            fix=f"define it, or use one of: {', '.join(sorted(self.known))} (and m, the samples)",
        )

    def transpose(self, x, w):
        if not _matrix(x):
            w.fail(".T of a number: only matrices are transposed", fix="drop the .T")
        return transposed(x)

    def rows(self, x, start, stop, w):
        """x[a:b]: rows a, ..., b-1 of a (k, m) quantity (Python's slice; a left out is 0, b
        the row count); the slice of every row is x itself."""
        if not _matrix(x):
            w.fail("a row slice of a number", fix="slice a matrix, e.g. z1[0:4]")
        n = x.shape[0]
        start, stop = 0 if start is None else start, n if stop is None else stop
        if not 0 <= start < stop <= n:
            w.fail(
                f"rows [{start}:{stop}] of a {fmt_shape(x.shape)} quantity: "
                + ("it has no rows there" if stop <= n else f"it has {n} rows, not {stop}"),
                fix=f"x[a:b] takes rows a, ..., b-1 with 0 <= a < b <= {n} (here {n} rows)",
            )
        return x if (start, stop) == (0, n) else Rows(x, start, stop)

    def _reduce(self, fname, arg, w):
        axes, mean = REDUCTIONS[fname]
        if not _matrix(arg):
            w.fail(f"{fname}() of a number", fix=f"{fname}() takes a matrix, e.g. {fname}(z1)")
        if arg.shape == (1, 1):
            w.fail(
                f"{fname}() of a (1, 1) quantity: there is nothing to sum over",
                fix="drop it, or apply it to the matrix before it was reduced",
            )
        node, count = arg, sp.Integer(1)
        for axis in axes:
            if node.shape[axis] == 1 and len(axes) == 1:
                what = "units" if axis == 0 else "samples"
                w.fail(
                    f"{fname}() of {fmt_shape(arg.shape)}: it has one {what[:-1]} only",
                    fix=f"sum over the {'samples' if axis == 0 else 'units'} instead, or drop it",
                )
            size = node.shape[axis]
            count *= m_symbol if size == M else sp.Integer(size)
            node = Sum(node, axis) if size != 1 else node
        return ew(lambda s: s / count, [node]) if mean else node

    def neg(self, x, w):
        return ew(lambda e: -e, [x]) if isinstance(x, Node) else -x

    def _elementwise(self, fn, operands, w, what):
        nodes = [o for o in operands if isinstance(o, Node)]
        if not nodes:
            return fn(*operands)
        if broadcast([n.shape for n in nodes]) is None:
            shapes = " and ".join(fmt_shape(n.shape) for n in nodes)
            w.fail(
                f"cannot {what} shapes {shapes}",
                fix="elementwise operations need equal shapes, or 1 where one side broadcasts",
            )
        return ew(fn, operands)

    def binop(self, op, left, right, w):
        if op == "@":
            if not (_matrix(left) and _matrix(right)):
                w.fail("@ needs matrices on both sides; use * to scale by a number")
            if left.shape[1] != right.shape[0]:
                w.fail(
                    f"cannot multiply {fmt_shape(left.shape)} @ {fmt_shape(right.shape)}: "
                    f"{left.shape[1]} columns against {right.shape[0]} rows",
                    fix="weights are (units, previous units); the input x is (inputs, m)",
                )
            return MatMul(left, right)
        fns = {
            "+": (lambda p, q: p + q, "add"),
            "-": (lambda p, q: p - q, "subtract"),
            "*": (lambda p, q: p * q, "multiply elementwise"),
            "/": (lambda p, q: p / q, "divide"),
            "**": (lambda p, q: p**q, "raise"),
        }
        fn, what = fns[op]
        return self._elementwise(fn, [left, right], w, what)

    def call(self, fname, args, w):
        act = self.acts.get(fname)
        if fname in REDUCTIONS and act is None:
            if len(args) != 1:
                w.fail(f"{fname}() takes exactly one argument")
            return self._reduce(fname, args[0], w)
        if act is None and fname not in exprparse.FUNCTIONS:
            known = sorted(set(self.acts) | set(exprparse.FUNCTIONS) | set(REDUCTIONS))
            w.fail(
                f"unknown function or activation `{fname}`", fix=f"use one of: {', '.join(known)}"
            )
        if len(args) != 1:
            w.fail(f"{fname}() takes exactly one argument")
        (arg,) = args
        if fname in exprparse.FUNCTIONS:
            return self._elementwise(exprparse.FUNCTIONS[fname], [arg], w, fname)
        if not isinstance(arg, Node):
            w.fail(f"{fname}() of a constant")
        if act.normalized:
            # softmax from elementwise parts and a sum over the units, so its Jacobian is
            # derived like everything else; E stays its own node so that the derivation can
            # write it back in terms of the output (E = A S).
            if isinstance(arg, Elementwise):
                w.fail(f"{fname}() must be applied to a named quantity, e.g. {fname}(z2)")
            e_node = ew(lambda t: act.expr.xreplace({z: t}), [arg])
            s_node = Sum(e_node, 0)
            node = Elementwise(placeholder(0) / placeholder(1), (e_node, s_node), e_node.shape)
            if act.expr == sp.exp(z):
                self.softmaxes[node] = arg
            return node
        return ew(lambda t: act(t), [arg])


def _matrix(x) -> bool:
    """Whether ``x`` is a matrix of the network, not a number: an elementwise expression whose
    arguments cancelled (z2 - z2) is the number 0, whatever shape it was written in."""
    return isinstance(x, Node) and not (isinstance(x, Elementwise) and not x.args)
