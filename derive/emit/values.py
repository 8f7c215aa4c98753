"""NumPy values of the IR: the algebra ``engine.evaluate`` uses for the worked example of a
LaTeX document and for the code checker (samples as columns, float64).

``DECLARED`` broadcasts every elementwise value to the node's declared shape (a bias column
stays a column only where the derivation says so); ``NUMPY_SHAPES`` keeps the shape NumPy
gives, so that a step the code checker changed propagates the way a student's code would.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import sympy as sp

from derive.engine.derivation import m as m_symbol
from derive.engine.evaluate import evaluate
from derive.engine.ir import M, placeholder
from derive.engine.registry import expand_activations

from . import convcode


@lru_cache(maxsize=4096)
def _numpy_fn(expr: sp.Expr, n: int):
    erf = np.vectorize(math.erf, otypes=[float])
    return sp.lambdify(
        [placeholder(i) for i in range(n)], expand_activations(expr), [{"erf": erf}, "numpy"]
    )


class NumpyAlgebra:
    def __init__(self, declared: bool):
        self.declared = declared

    def matmul(self, a, b):
        return a @ b

    def transpose(self, a):
        return a.T

    def sum(self, a, axis):
        return np.sum(a, axis=axis, keepdims=True)

    def image(self, node, args):
        return convcode.evaluate(node, args)

    def elementwise(self, node, args, m):
        expr = node.expr.xreplace({m_symbol: m})  # a mean over the samples divides by m
        out = np.asarray(_numpy_fn(expr, len(args))(*args), dtype=np.float64)
        declared = tuple(m if s == M else s for s in node.shape)
        if self.declared:
            return np.array(np.broadcast_to(out, declared))
        shape = np.broadcast_shapes(*(a.shape for a in args)) if args else declared
        return np.broadcast_to(out, shape).copy() if out.shape != shape else out


DECLARED = NumpyAlgebra(declared=True)
NUMPY_SHAPES = NumpyAlgebra(declared=False)


def numpy_value(node, env, m, memo=None, *, declared: bool = True) -> np.ndarray:
    """The NumPy value of an IR expression for concrete matrices ``env`` and m samples."""
    return evaluate(node, env, m, DECLARED if declared else NUMPY_SHAPES, memo)
