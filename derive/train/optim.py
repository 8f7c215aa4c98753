"""The update rules ``derive train`` offers: sgd (the derivation's W := W - lr * dC/dW),
momentum and adam.

Each optimizer updates the parameters that have a gradient (a params dict may also hold batch
norm's running statistics, which the training loop carries over) and writes the new ones into
a second set of arrays (double buffering): the previous parameters stay intact until the new
loss is known to be finite (they are the "last good" ones), without copying every parameter on
every step.
"""

from __future__ import annotations

import numpy as np

DEFAULT_LR = {"sgd": 0.1, "momentum": 0.01, "adam": 0.001}  # one step size does not fit all


class SGD:
    def __init__(self, params, lr):
        self.lr = lr

    def step(self, params, grads, out):
        for k, g in grads.items():
            np.subtract(params[k], self.lr * g, out=out[k])  # W := W - lr * dC/dW


class Momentum(SGD):
    mu = 0.9

    def __init__(self, params, lr):
        self.lr = lr
        self.v = {k: np.zeros_like(p) for k, p in params.items()}

    def step(self, params, grads, out):
        for k, g in grads.items():
            p, v = params[k], self.v[k]
            v *= self.mu
            v += g
            np.subtract(p, self.lr * v, out=out[k])


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
            m += (1 - self.b1) * (g - m)
            v += (1 - self.b2) * (g * g - v)
            np.subtract(p, (self.lr / c1) * m / (np.sqrt(v / c2) + self.eps), out=out[k])


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}
assert set(OPTIMIZERS) == set(DEFAULT_LR)
