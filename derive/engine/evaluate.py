"""One evaluator of the IR, for every kind of number.

``evaluate(node, env, m, algebra)`` gives the value of an IR expression from the values of
the named matrices in ``env``, children before parents, each node once. What a value *is*
comes from the ``algebra``: the four operations below, implemented once per kind of number.
``explicit.SYMPY`` holds SymPy matrices (the proof tests' ground truth); ``emit/values.py``
holds NumPy arrays (the worked example of the LaTeX, the code checker). The dispatch over node
types is this module's table and no other's.
"""

from __future__ import annotations

from typing import Protocol

from .ir import IMAGE_NODES, Elementwise, MatMul, Node, Recur, RecurGrad, Sum, Transpose, Var, walk


class Algebra(Protocol):
    """The operations a kind of number supplies (``m`` is the sample count as a number)."""

    def matmul(self, a, b): ...

    def transpose(self, a): ...

    def sum(self, a, axis: int): ...

    def elementwise(self, node: Elementwise, args: list, m: int): ...

    def image(self, node: Node, args: list): ...


# node type -> its value from the algebra, the node and its children's values
_TABLE = {
    MatMul: lambda alg, node, kids, m: alg.matmul(*kids),
    Transpose: lambda alg, node, kids, m: alg.transpose(kids[0]),
    Sum: lambda alg, node, kids, m: alg.sum(kids[0], node.axis),
    Elementwise: lambda alg, node, kids, m: alg.elementwise(node, kids, m),
    **{kind: (lambda alg, node, kids, m: alg.image(node, kids)) for kind in IMAGE_NODES},
    # the time loops: the step's equations and its derived backward, over t (timeloop.py)
    Recur: lambda alg, node, kids, m: _timeloop().run_forward(node.cell, kids, m, alg, evaluate)[0],
    RecurGrad: lambda alg, node, kids, m: _timeloop().run_backward(
        node.cell, kids[:-1], kids[-1], m, alg, evaluate
    )[node.i],
}


def _timeloop():
    # timeloop derives the step through the chain rule, which sits above this module
    from . import timeloop

    return timeloop


def evaluate(node: Node, env: dict, m: int, algebra: Algebra, memo: dict | None = None):
    """The value of ``node``; ``env`` maps names (inputs, parameters, intermediates,
    gradients) to values; ``memo`` (node -> value) may be shared between calls."""
    memo = {} if memo is None else memo
    for n in walk(node):
        if n in memo:
            continue
        if isinstance(n, Var):
            memo[n] = env[n.name]
            continue
        rule = _TABLE.get(type(n))
        if rule is None:
            raise TypeError(f"no value for {type(n).__name__}")
        memo[n] = rule(algebra, n, [memo[k] for k in n.children()], m)
    return memo[node]
