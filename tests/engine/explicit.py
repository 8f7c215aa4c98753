"""Networks at small concrete sizes as explicit SymPy matrices: the proof of the rules (the
tests' oracle, beside them: the package does not use it).

``expand(net, m)`` builds every entry of every quantity as a scalar SymPy expression in the
entries of x, y and the parameters, with every activation replaced by its definition, so that
``sympy.diff`` of the fully expanded cost is the ground truth that the engine's vectorized
gradients (``evaluate`` of each ``Step``) are compared against in the tests.
"""

from __future__ import annotations

import sympy as sp

from derive.engine.evaluate import evaluate as evaluate_ir
from derive.engine.graph import Network
from derive.engine.ir import (
    AvgPool,
    AvgPoolGrad,
    Conv,
    ConvGradW,
    ConvGradX,
    GroupSum,
    M,
    MaxPool,
    Node,
    PadRows,
    Repeat,
    Rows,
    Var,
    Window,
    placeholder,
)
from derive.engine.layers import m_symbol
from derive.engine.registry import expand_activations


def symbols_for(net: Network, m: int) -> dict[str, sp.Matrix]:
    """A matrix of distinct real symbols for x, y and each parameter; each dropout mask held
    fixed (numbers, not symbols: kept units, 1/(1 - p), and dropped ones, 0, alternate)."""
    env = {}
    for var in [net.x, net.y, *net.params.values()]:
        rows, cols = (m if s == M else s for s in var.shape)
        env[var.name] = sp.Matrix(
            rows, cols, lambda i, j, n=var.name: sp.Symbol(f"{n}_{i}_{j}", real=True)
        )
    for name, p in net.masks.items():
        rows = next(v.shape[0] for e in net.equations.values() for v in _vars(e) if v.name == name)
        kept = 1 / (1 - sp.Rational(repr(p)))
        env[name] = sp.Matrix(rows, m, lambda i, j, k=kept: k if (i + j) % 2 == 0 else 0)
    return env


def _vars(node: Node):
    return [n for n in node.children() if isinstance(n, Var)] + (
        [node] if isinstance(node, Var) else []
    )


class SympyAlgebra:
    """Explicit SymPy matrices: every entry an expression (``engine.evaluate``'s algebra for
    the proofs); ``expand_fns`` writes activations out in exp, log... so ``sympy.diff`` of the
    expanded network needs no rule of derive's."""

    def __init__(self, expand_fns: bool = True):
        self.expand_fns = expand_fns

    def matmul(self, a, b):
        return a * b

    def transpose(self, a):
        return a.T

    def sum(self, a, axis):
        if axis == 0:
            return sp.Matrix(1, a.cols, lambda i, j: sum(a[:, j]))
        return sp.Matrix(a.rows, 1, lambda i, j: sum(a[i, :]))

    def image(self, node, args):
        return image_explicit(node, args)

    def elementwise(self, node, args, m):
        rows, cols = (m if s == M else s for s in node.shape)
        expr = expand_activations(node.expr) if self.expand_fns else node.expr
        expr = expr.xreplace({m_symbol: m})  # a mean over the samples divides by m

        def entry(i, j):
            subs = {
                placeholder(k): x[i if x.rows > 1 else 0, j if x.cols > 1 else 0]
                for k, x in enumerate(args)
            }
            return expr.xreplace(subs)

        return sp.Matrix(rows, cols, entry)


SYMPY, SYMPY_UNEXPANDED = SympyAlgebra(), SympyAlgebra(expand_fns=False)


def evaluate(node: Node, env: dict[str, sp.Matrix], m: int, *, expand_fns=True) -> sp.Matrix:
    """The explicit matrix of ``node``; ``env`` maps names (inputs, parameters, intermediates,
    gradients) to matrices."""
    return evaluate_ir(node, env, m, SYMPY if expand_fns else SYMPY_UNEXPANDED)


def expand(
    net: Network, m: int, env: dict[str, sp.Matrix] | None = None
) -> tuple[dict[str, sp.Matrix], sp.Expr]:
    """Every named quantity and the scalar cost C, fully expanded at ``m`` samples, from the
    matrices in ``env`` (default: ``symbols_for``; give numbers for all but a few entries to
    keep the expressions small)."""
    env = dict(env) if env is not None else symbols_for(net, m)
    for name, node in net.equations.items():
        env[name] = evaluate(node, env, m)
    total = sum(evaluate(net.cost, env, m))
    scale = sp.Rational(1, m) if net.reduction == "mean" else sp.Integer(1)
    penalty = evaluate(net.penalty, env, m)[0, 0] if net.penalty is not None else 0
    return env, scale * total + penalty


# ------------------------------------------------------------ explicit (SymPy) values
def _pix(win: Window, c: int, h: int, w: int) -> int | None:
    """The row of pixel (c, h, w) of the padded image, or None in the zero padding."""
    h, w = h - win.padding, w - win.padding
    if 0 <= h < win.H and 0 <= w < win.W:
        return (c * win.H + h) * win.W + w
    return None


def _taps(win: Window):
    """(output position (i, j), kernel column (c, u, v), input row) of every product a
    convolution adds up; padding contributes nothing."""
    oh, ow = win.out
    for i in range(oh):
        for j in range(ow):
            for c in range(win.C):
                for u in range(win.kh):
                    for v in range(win.kw):
                        row = _pix(win, c, i * win.stride[0] + u, j * win.stride[1] + v)
                        if row is not None:
                            yield i * ow + j, (c * win.kh + u) * win.kw + v, row


def image_explicit(node: Node, args: list[sp.Matrix]) -> sp.Matrix:
    """The explicit matrix of an image node from its operands' matrices: sums of products
    written out, the maximum as ``sympy.Max``. ``PoolGrad`` needs numbers in x (the argmax)."""
    if isinstance(node, Repeat):
        (a,) = args
        return sp.Matrix(a.rows * node.k, a.cols, lambda i, j: a[i // node.k, j])
    if isinstance(node, Rows):
        return args[0][node.start : node.stop, :]
    if isinstance(node, PadRows):
        (a,) = args
        top, bottom = (
            sp.zeros(node.start, a.cols),
            sp.zeros(node.total - node.start - a.rows, a.cols),
        )
        return sp.Matrix.vstack(top, a, bottom)
    if isinstance(node, GroupSum):
        (a,) = args
        return sp.Matrix(
            a.rows // node.k, a.cols,
            lambda i, j: sum(a[i * node.k + r, j] for r in range(node.k)),
        )  # fmt: skip
    win = node.win
    oh, ow = win.out
    if isinstance(node, Conv | ConvGradW | ConvGradX):
        first, second = args
        out = sp.zeros(*[s if isinstance(s, int) else second.cols for s in node.shape])
        for pos, col, row in _taps(win):
            for c2 in range(out.rows if isinstance(node, ConvGradW) else first.rows):
                o = c2 * oh * ow + pos
                for n in range(second.cols):
                    if isinstance(node, Conv):  # first = w, second = x
                        out[o, n] += first[c2, col] * second[row, n]
                    elif isinstance(node, ConvGradW):  # first = x, second = g
                        out[c2, col] += second[o, n] * first[row, n]
                    else:  # first = w, second = g
                        out[row, n] += first[c2, col] * second[o, n]
        return out
    x = args[0]
    windows: dict[int, list[int]] = {}
    for pos, col, row in _taps(win):
        windows.setdefault(col // (win.kh * win.kw) * oh * ow + pos, []).append(row)
    if isinstance(node, MaxPool):
        return sp.Matrix(len(windows), x.cols, lambda o, n: sp.Max(*[x[r, n] for r in windows[o]]))
    if isinstance(node, AvgPool):  # the mean of each window, written out
        return sp.Matrix(
            len(windows), x.cols, lambda o, n: sum(x[r, n] for r in windows[o]) / len(windows[o])
        )
    if isinstance(node, AvgPoolGrad):  # x is g here: each window's g shared by its pixels
        out = sp.zeros(win.size, x.cols)
        for o, rows in windows.items():
            for r in rows:
                for n in range(x.cols):
                    out[r, n] += x[o, n] / len(rows)
        return out
    g = args[1]  # PoolGrad: route to the first maximum of each window
    out = sp.zeros(x.rows, x.cols)
    for o, rows in windows.items():
        for n in range(x.cols):
            best = rows[0]
            for r in rows[1:]:
                if x[r, n] > x[best, n]:
                    best = r
            out[best, n] += g[o, n]
    return out
