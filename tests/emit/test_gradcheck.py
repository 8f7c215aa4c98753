"""The finite-difference check itself: an exactly-zero gradient beside rounding noise passes,
a zero where the cost does move fails, whatever the size of the cost's rounding."""

from __future__ import annotations

import numpy as np

from derive.emit.gradcheck import gradcheck


class _Module:
    """A stand-in generated module: C = w^2 + slope b + (big + b)^2 - (big^2 + 2 big b + b^2),
    whose last two terms cancel exactly in real arithmetic but round in float64 (a central
    difference of 9e-7 at b = 0.3, far above 1e-9 |C|); its gradient of b says zero."""

    INPUTS, OUTPUTS, COST = 1, 1, "squared_error"
    PARAM_SHAPES = {"w": (1, 1), "b": (1, 1)}

    def __init__(self, slope: float, big: float = 100.0):
        self.slope, self.big = slope, big

    def init_params(self, seed, dtype=np.float64):
        return {"w": np.full((1, 1), 0.7), "b": np.full((1, 1), 0.3)}

    def loss(self, params, X, Y):
        w, b = params["w"][0, 0], params["b"][0, 0]
        cancel = (self.big + b) ** 2 - (self.big * self.big + 2 * self.big * b + b * b)
        return w * w + self.slope * b + cancel

    def loss_and_grad(self, params, X, Y):
        w = params["w"][0, 0]
        return self.loss(params, X, Y), {"w": np.full((1, 1), 2 * w), "b": np.zeros((1, 1))}


def test_an_exact_zero_beside_rounding_noise_passes():
    rows = {r.param: r for r in gradcheck(_Module(slope=0.0))}
    assert rows["b"].ok(1e-6) and rows["w"].ok(1e-6)


def test_a_zero_where_the_cost_moves_fails():
    rows = {r.param: r for r in gradcheck(_Module(slope=1e-3))}
    assert not rows["b"].ok(1e-6)
    assert rows["w"].ok(1e-6)
