"""The update rules ``derive train`` offers: sgd (the derivation's W := W - lr * dC/dW),
momentum and adam.

Each optimizer updates the parameters that have a gradient (a params dict may also hold batch
norm's running statistics, which the training loop carries over) and writes the new ones into
a second set of arrays (double buffering): the previous parameters stay intact until the new
loss is known to be finite (they are the "last good" ones), without copying every parameter on
every step.

The arrays may be NumPy's, torch's or JAX's: ``ops`` (``derive.train.backends``) gives the few
operations the rules use; a NumPy run calls NumPy's own functions as before.
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
        subtract = self._ops.subtract
        for k, g in grads.items():
            out[k] = subtract(params[k], self.lr * g, out[k])  # W := W - lr * dC/dW


class Momentum(SGD):
    mu = 0.9

    def __init__(self, params, lr, ops=NUMPY):
        super().__init__(params, lr, ops)
        self.v = {k: ops.zeros_like(p) for k, p in params.items()}

    def step(self, params, grads, out):
        subtract, inplace = self._ops.subtract, self._ops.inplace
        for k, g in grads.items():
            p, v = params[k], self.v[k]
            if inplace:
                v *= self.mu
                v += g
            else:
                v = self.v[k] = v * self.mu + g
            out[k] = subtract(p, self.lr * v, out[k])


class Adam(SGD):
    b1, b2, eps = 0.9, 0.999, 1e-8

    def __init__(self, params, lr, ops=NUMPY):
        super().__init__(params, lr, ops)
        self.t = 0
        self.m = {k: ops.zeros_like(p) for k, p in params.items()}
        self.v = {k: ops.zeros_like(p) for k, p in params.items()}

    def step(self, params, grads, out):
        self.t += 1
        c1, c2 = 1 - self.b1**self.t, 1 - self.b2**self.t
        subtract, inplace, sqrt = self._ops.subtract, self._ops.inplace, self._ops.sqrt
        for k, g in grads.items():
            p, m, v = params[k], self.m[k], self.v[k]
            if inplace:
                m += (1 - self.b1) * (g - m)
                v += (1 - self.b2) * (g * g - v)
            else:
                m = self.m[k] = m + (1 - self.b1) * (g - m)
                v = self.v[k] = v + (1 - self.b2) * (g * g - v)
            out[k] = subtract(p, (self.lr / c1) * m / (sqrt(v / c2) + self.eps), out[k])


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}
assert set(OPTIMIZERS) == set(DEFAULT_LR)
