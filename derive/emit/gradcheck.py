"""Central finite differences against a generated module's gradients, in float64.

For every entry p of every parameter: (C(p + h) - C(p - h)) / 2h with h = 1e-6, beside
``loss_and_grad``'s analytic value. The error of a parameter is reported absolute (max over
entries) and relative to the larger of the two gradients' max-norms, so a parameter whose
gradient is tiny everywhere is not failed for finite-difference noise: a parameter passes
when its relative error is below the tolerance or its absolute error is below the noise
floor of central differences, about eps * |C| / h = 1e-9 * |C| (like numpy.allclose's atol
beside rtol). An entry whose derived gradient is exactly zero (a dead relu, a bias before
batch norm) has no relative error to speak of: its finite difference is rounding noise, and it
counts as exact while that is below 64 ulps of max(|C(p + h)|, |C(p - h)|, 1) over 2h, or,
where the cost's own sums cancel more than that, while the difference taken with a step 100
times longer is 10 times smaller: rounding shrinks as the step grows, a slope does not (so a
zero where the cost does move still fails).
Inputs are drawn
away from relu's kink at 0, targets as the cost expects (one-hot for cross-entropy, 0/1 for
binary cross-entropy). A module with dropout is checked with one fixed mask: every evaluation
draws it from a generator seeded the same way. Batch norm's running statistics (kept in the
params dict) are not parameters and are not checked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_ULP = float(np.finfo(np.float64).eps)


@dataclass
class Row:
    param: str
    shape: tuple
    max_abs: float
    max_rel: float
    floor: float = 0.0  # absolute error below which finite differences cannot tell

    def ok(self, tolerance: float) -> bool:
        return self.max_rel < tolerance or self.max_abs < self.floor


def sample_data(module, m: int = 5, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((module.INPUTS, m))
    if module.COST == "cross_entropy":
        Y = np.eye(module.OUTPUTS)[:, rng.integers(0, module.OUTPUTS, m)]
    elif module.COST == "binary_cross_entropy":
        Y = rng.integers(0, 2, (module.OUTPUTS, m)).astype(np.float64)
    else:
        Y = rng.standard_normal((module.OUTPUTS, m))
    return X, Y


def gradcheck(module, *, m: int = 5, seed: int = 0, h: float = 1e-6, params=None) -> list[Row]:
    """Compare every gradient of ``module`` with central differences; one row per parameter."""
    X, Y = sample_data(module, m, seed)
    if params is None:
        params = module.init_params(seed, dtype=np.float64)
        rng = np.random.default_rng(seed + 1)
        # nonzero biases, so that every term of the derivation is exercised
        params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in params.items()}
    if getattr(module, "MASKS", None):
        fixed = seed + 2  # the same generator state each call: the same dropout masks

        def with_masks(fn):
            return lambda p, X, Y: fn(p, X, Y, np.random.default_rng(fixed))

        loss_and_grad, loss_fn = with_masks(module.loss_and_grad), with_masks(module.loss)
    else:
        loss_and_grad, loss_fn = module.loss_and_grad, module.loss
    loss, grads = loss_and_grad(params, X, Y)

    def grads_zero(name, idx):
        g = np.asarray(grads[name])
        return g.shape == params[name].shape and g[idx] == 0

    floor = 1e-9 * max(1.0, abs(loss))
    rows = []
    for name in module.PARAM_SHAPES:
        value = params[name]
        fd = np.zeros_like(value)
        noise = np.zeros_like(value)  # each entry's rounding noise of its central difference
        for idx in np.ndindex(value.shape):
            up, down = _both_sides(loss_fn, params, X, Y, value, idx, h)
            fd[idx] = (up - down) / (2 * h)
            noise[idx] = 64 * _ULP * max(abs(up), abs(down), 1.0) / (2 * h)
            if grads_zero(name, idx) and abs(fd[idx]) >= noise[idx]:
                up, down = _both_sides(loss_fn, params, X, Y, value, idx, 100 * h)
                if abs(up - down) / (200 * h) < abs(fd[idx]) / 10:
                    noise[idx] = np.inf  # rounding: it shrank as the step grew
        g = np.asarray(grads[name], dtype=np.float64)
        if g.shape != value.shape:
            rows.append(Row(name, value.shape, float("inf"), float("inf"), floor))
            continue
        exact_zero = (g == 0) & (np.abs(fd) < noise)  # noise beside a zero: no error
        diff = np.where(exact_zero, 0.0, np.abs(g - fd))
        err = float(np.max(diff)) if g.size else 0.0
        fd_seen = np.where(exact_zero, 0.0, fd)
        scale = max(float(np.max(np.abs(g))), float(np.max(np.abs(fd_seen))), 1e-300)
        rows.append(Row(name, value.shape, err, err / scale if err else 0.0, floor))
    return rows


def _both_sides(loss_fn, params, X, Y, value, idx, h: float) -> tuple[float, float]:
    """C(p + h) and C(p - h) for the entry ``idx`` of the parameter ``value``."""
    old = value[idx]
    value[idx] = old + h
    up = loss_fn(params, X, Y)
    value[idx] = old - h
    down = loss_fn(params, X, Y)
    value[idx] = old
    return up, down


def table(rows: list[Row], tolerance: float) -> str:
    lines = [f"{'parameter':<12}{'shape':<14}{'max abs error':>16}{'max rel error':>16}  ok"]
    for r in rows:
        ok = "yes" if r.ok(tolerance) else "NO"
        shape = "(" + ", ".join(map(str, r.shape)) + ")"
        lines.append(f"{r.param:<12}{shape:<14}{r.max_abs:>16.3e}{r.max_rel:>16.3e}  {ok}")
    return "\n".join(lines)


def summary(rows: list[Row], tolerance: float) -> str:
    """The verdict line. The worst relative error is over the parameters judged by it; a
    parameter passed by the noise floor (its gradient is zero or tiny, e.g. a bias before batch
    norm) is named apart, since its relative error is noise over noise."""
    ok = all(r.ok(tolerance) for r in rows)
    by_floor = [r for r in rows if r.max_rel >= tolerance and r.max_abs < r.floor]
    judged = [r for r in rows if r not in by_floor]
    worst = max((r.max_rel for r in judged), default=0.0)
    verdict = "passed" if ok else "FAILED"
    line = f"{verdict}: max relative error {worst:.2e} (tolerance {tolerance:.0e})"
    if by_floor:
        names = ", ".join(r.param for r in by_floor)
        top = max(r.max_abs for r in by_floor)
        line += f"; {names}: zero to within finite-difference noise (abs error {top:.1e})"
    return line
