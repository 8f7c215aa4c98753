"""Networks at small concrete sizes as explicit SymPy matrices: the proof of the rules.

``expand(net, m)`` builds every entry of every quantity as a scalar SymPy expression in the
entries of x, y and the parameters, with every activation replaced by its definition, so that
``sympy.diff`` of the fully expanded cost is the ground truth that the engine's vectorized
gradients (``evaluate`` of each ``Step``) are compared against in the tests.
"""

from __future__ import annotations

import sympy as sp

from . import conv
from .graph import Network
from .ir import IMAGE_NODES, Ew, M, MatMul, Node, Sum, T, Var, placeholder
from .layers import m_symbol
from .registry import expand_activations


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


def evaluate(node: Node, env: dict[str, sp.Matrix], m: int, *, expand_fns=True) -> sp.Matrix:
    """The explicit matrix of ``node``; ``env`` maps names (inputs, parameters, intermediates,
    gradients) to matrices."""
    memo: dict[Node, sp.Matrix] = {}

    def ev(n: Node) -> sp.Matrix:
        if n in memo:
            return memo[n]
        if isinstance(n, Var):
            out = env[n.name]
        elif isinstance(n, MatMul):
            out = ev(n.a) * ev(n.b)
        elif isinstance(n, T):
            out = ev(n.a).T
        elif isinstance(n, IMAGE_NODES):
            out = conv.explicit(n, [ev(k) for k in n.children()])
        elif isinstance(n, Sum):
            inner = ev(n.a)
            if n.axis == 0:
                out = sp.Matrix(1, inner.cols, lambda i, j: sum(inner[:, j]))
            else:
                out = sp.Matrix(inner.rows, 1, lambda i, j: sum(inner[i, :]))
        elif isinstance(n, Ew):
            args = [ev(x) for x in n.args]
            rows, cols = (m if s == M else s for s in n.shape)
            expr = expand_activations(n.expr) if expand_fns else n.expr
            expr = expr.xreplace({m_symbol: m})  # a mean over the samples divides by m

            def entry(i, j):
                subs = {
                    placeholder(k): x[i if x.rows > 1 else 0, j if x.cols > 1 else 0]
                    for k, x in enumerate(args)
                }
                return expr.xreplace(subs)

            out = sp.Matrix(rows, cols, entry)
        else:
            raise TypeError(type(n).__name__)
        memo[n] = out
        return out

    return ev(node)


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
