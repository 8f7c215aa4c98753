"""The update rules ``derive train`` offers: sgd (the derivation's W := W - lr * dC/dW),
momentum and adam.

Each optimizer updates the parameters that have a gradient (a params dict may also hold batch
norm's running statistics, which the training loop carries over) and writes the new ones into
a second set of arrays (double buffering): the previous parameters stay intact until the new
loss is known to be finite (they are the "last good" ones), without copying every parameter on
every step.

A step allocates no arrays: the gradients are the optimizer's scratch space (overwritten; the
fused step's gradient buffers are overwritten by the next step anyway), and so are the arrays
of ``out`` before the new parameters go into them. Every update is the same operations, in the
same order, as the one-line formula in its comment, so the numbers do not depend on it.

The arrays may be NumPy's, torch's or JAX's: ``ops`` (``derive.train.backends``) gives the
functions (NumPy's own for a NumPy run; torch's take ``out=`` too). JAX's arrays cannot be
written, so for JAX each rule computes its formula into new arrays (``_new``), in the same
order of operations.
"""

from __future__ import annotations

from .backends import NUMPY

DEFAULT_LR = {"sgd": 0.1, "momentum": 0.01, "adam": 0.001}  # one step size does not fit all


class SGD:
    # the state a checkpoint saves: the attributes not starting with "_" (dicts of arrays and
    # numbers)
    def __init__(self, params, lr, ops=NUMPY):
        self.lr, self._ops = lr, ops

    def step(self, params, grads, out):
        """The new parameters into ``out``: in place where the arrays can be written (NumPy,
        torch), else into new arrays (JAX)."""
        if self._ops.inplace:
            self._in_place(params, grads, out)
        else:
            self._new(params, grads, out)

    def _in_place(self, params, grads, out):
        multiply, subtract = self._ops.multiply, self._ops.subtract
        for k, g in grads.items():  # W := W - lr * dC/dW
            multiply(g, self.lr, out=g)
            subtract(params[k], g, out=out[k])

    def _new(self, params, grads, out):
        for k, g in grads.items():
            out[k] = params[k] - g * self.lr


class Momentum(SGD):
    mu = 0.9

    def __init__(self, params, lr, ops=NUMPY):
        super().__init__(params, lr, ops)
        self.v = {k: ops.zeros_like(p) for k, p in params.items()}

    def _in_place(self, params, grads, out):
        multiply, subtract = self._ops.multiply, self._ops.subtract
        for k, g in grads.items():  # v := mu v + g, W := W - lr v
            p, v = params[k], self.v[k]
            v *= self.mu
            v += g
            multiply(v, self.lr, out=g)
            subtract(p, g, out=out[k])

    def _new(self, params, grads, out):
        for k, g in grads.items():
            v = self.v[k] = self.v[k] * self.mu + g
            out[k] = params[k] - v * self.lr


class Adam(SGD):
    b1, b2, eps = 0.9, 0.999, 1e-8

    def __init__(self, params, lr, ops=NUMPY):
        super().__init__(params, lr, ops)
        self.t = 0
        self.m = {k: ops.zeros_like(p) for k, p in params.items()}
        self.v = {k: ops.zeros_like(p) for k, p in params.items()}

    def step(self, params, grads, out):
        self.t += 1
        super().step(params, grads, out)

    def _corrections(self) -> tuple[float, float]:
        """The bias corrections 1 - b1^t and 1 - b2^t of step t."""
        return 1 - self.b1**self.t, 1 - self.b2**self.t

    def _in_place(self, params, grads, out):
        c1, c2 = self._corrections()
        ops = self._ops
        multiply, subtract, divide, sqrt = ops.multiply, ops.subtract, ops.divide, ops.sqrt
        for k, g in grads.items():
            p, m, v = params[k], self.m[k], self.v[k]
            s = out[k] if out[k] is not p else ops.empty_like(p)  # scratch until the update
            subtract(g, m, out=s)  # m := m + (1 - b1) (g - m)
            s *= 1 - self.b1
            m += s
            multiply(g, g, out=g)  # v := v + (1 - b2) (g g - v)
            g -= v
            g *= 1 - self.b2
            v += g
            divide(v, c2, out=s)  # W := W - (lr / c1) m / (sqrt(v / c2) + eps)
            sqrt(s, out=s)
            s += self.eps
            multiply(m, self.lr / c1, out=g)
            g /= s
            subtract(p, g, out=out[k])

    def _new(self, params, grads, out):
        c1, c2 = self._corrections()
        sqrt = self._ops.sqrt
        for k, g in grads.items():
            m = self.m[k] = self.m[k] + (g - self.m[k]) * (1 - self.b1)
            v = self.v[k] = self.v[k] + (g * g - self.v[k]) * (1 - self.b2)
            out[k] = params[k] - m * (self.lr / c1) / (sqrt(v / c2) + self.eps)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}
assert set(OPTIMIZERS) == set(DEFAULT_LR)
