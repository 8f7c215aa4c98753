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
"""

from __future__ import annotations

import numpy as np

DEFAULT_LR = {"sgd": 0.1, "momentum": 0.01, "adam": 0.001}  # one step size does not fit all


class SGD:
    def __init__(self, params, lr):
        self.lr = lr

    def step(self, params, grads, out):
        for k, g in grads.items():  # W := W - lr * dC/dW
            np.multiply(g, self.lr, out=g)
            np.subtract(params[k], g, out=out[k])


class Momentum(SGD):
    mu = 0.9

    def __init__(self, params, lr):
        self.lr = lr
        self.v = {k: np.zeros_like(p) for k, p in params.items()}

    def step(self, params, grads, out):
        for k, g in grads.items():  # v := mu v + g, W := W - lr v
            p, v = params[k], self.v[k]
            v *= self.mu
            v += g
            np.multiply(v, self.lr, out=g)
            np.subtract(p, g, out=out[k])


class Adam(SGD):
    b1, b2, eps = 0.9, 0.999, 1e-8

    def __init__(self, params, lr):
        self.lr, self.t = lr, 0
        self.m = {k: np.zeros_like(p) for k, p in params.items()}
        self.v = {k: np.zeros_like(p) for k, p in params.items()}

    def step(self, params, grads, out):
        self.t += 1
        c1, c2 = 1 - self.b1**self.t, 1 - self.b2**self.t
        for k, g in grads.items():
            p, m, v = params[k], self.m[k], self.v[k]
            s = out[k] if out[k] is not p else np.empty_like(p)  # scratch until the update
            np.subtract(g, m, out=s)  # m := m + (1 - b1) (g - m)
            s *= 1 - self.b1
            m += s
            np.multiply(g, g, out=g)  # v := v + (1 - b2) (g g - v)
            g -= v
            g *= 1 - self.b2
            v += g
            np.divide(v, c2, out=s)  # W := W - (lr / c1) m / (sqrt(v / c2) + eps)
            np.sqrt(s, out=s)
            s += self.eps
            np.multiply(m, self.lr / c1, out=g)
            g /= s
            np.subtract(p, g, out=out[k])


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}
assert set(OPTIMIZERS) == set(DEFAULT_LR)
