"""Run the student's function at one sample count m, beside derive's own gradients.

``run_at`` draws random float64 inputs (``random_inputs``: targets that fit the cost, one-hot
when the outputs' columns sum to one, 0/1 for binary cross-entropy), evaluates the forward
pass and the derivation's steps, checks them against the generated module's gradients, calls
the student's function (its exceptions are findings, not crashes) and evaluates every altered
derivation (``eval``) on the same inputs.
``close`` is the comparison every verdict uses: the same shape, and values within ``RTOL`` of
the largest entry of the expected gradient.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from derive.emit.values import numpy_value
from derive.engine.derivation import m as m_symbol
from derive.engine.graph import Network
from derive.engine.ir import free_vars

from .call import line_in, source_line
from .evaluate import evaluate_mutant
from .load import time_limit

RTOL = 1e-6  # relative to the largest entry of the expected gradient
# Inputs are drawn up to this many times per m, keeping the draw whose gradients have the
# fewest exact zeros: with one sample, every relu unit can be off, and then a first layer's
# gradient is all zeros and says nothing.
_ATTEMPTS = 16


@dataclass
class Run:
    """What one run at one m gave: derive's gradients and what the student's code returned."""

    m: int
    env: dict  # inputs, parameters, forward values and the derivation's gradients
    expected: dict[str, np.ndarray]  # param -> gradient from the reference module
    found: dict[str, object] = field(default_factory=dict)
    unused: list[str] = field(default_factory=list)
    mutated: list[dict | None] = field(default_factory=list)  # per mutant: param -> gradient
    error: str | None = None


def sample_counts(net: Network) -> list[int]:
    """m = 1 and the smallest m >= 5 that is no dimension of the network, so that a product
    with the wrong factor transposed cannot fit by accident."""
    dims = {net.inputs, net.outputs} | {s for p in net.params.values() for s in p.shape}
    big = 5
    while big in dims:
        big += 1
    return [1, big]


def random_inputs(net: Network, m: int, seed: int, labels: bool = False) -> dict:
    """Parameters, X (inputs, m) and targets Y (outputs, m) fit for the cost, seeded. With
    ``labels`` (code given integer labels) Y is one-hot and its last sample has the last
    class: code that one-hot encodes with ``y.max() + 1`` rows needs it in the batch."""
    rng = np.random.default_rng(seed)
    env = {}
    for name, var in net.params.items():
        rows, cols = var.shape
        env[name] = rng.standard_normal((rows, cols)) / np.sqrt(max(cols, 4))
    env[net.x.name] = rng.standard_normal((net.inputs, m))
    if net.columns_sum_to_one or labels:  # one-hot targets
        classes = rng.integers(0, net.outputs, m)
        if labels:
            classes[-1] = net.outputs - 1
        env[net.y.name] = np.eye(net.outputs)[:, classes]
    elif net.cost_name == "binary_cross_entropy":
        env[net.y.name] = rng.integers(0, 2, (net.outputs, m)).astype(np.float64)
    else:
        env[net.y.name] = rng.uniform(0.05, 0.95, (net.outputs, m))
    # dropout masks: all ones, the generated code's own default without an rng (a student's
    # backward is checked as loss_and_grad is called: no dropout unless a generator is given)
    for node in net.equations.values():
        for var in free_vars(node):
            if var.role == "mask":
                env[var.name] = np.ones((var.shape[0], m))
    return env


def run_at(net, d, ev, reference, caller, mutants, m, seed) -> Run:
    """The student's function called once at m, on the draw of inputs (of ``_ATTEMPTS``)
    whose expected gradients have the fewest exact zeros; every mutant evaluated on it."""
    scale = float(d.scale.subs(m_symbol, m))
    env, expected = draw(net, d, ev, reference, m, seed, getattr(caller, "labels", False))
    run = Run(m, env, expected)
    values = call_values(net, reference, env, m, d)
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), time_limit():
            warnings.simplefilter("ignore")
            result = caller(values)
    except Exception as err:  # the student's code failing is a finding, not a crash
        line = line_in(err, Path(caller.path))
        where = f" at {caller.path}:{line}" if line else ""
        src = source_line(caller.path, line)
        run.error = f"{type(err).__name__}: {err}{where}" + (f": {src}" if src else "")
        return run
    run.found, run.unused = caller.read(result)
    for mut in mutants:
        run.mutated.append(evaluate_mutant(ev, d, env, mut, m, scale))
    return run


def draw(net, d, ev, reference, m, seed, labels=False) -> tuple[dict, dict]:
    """(env, expected gradients): of ``_ATTEMPTS`` draws, the one with no sample whose layer
    is all zero (see ``_dead_samples``) and the fewest exact zeros in the expected gradients."""
    scale = float(d.scale.subs(m_symbol, m))
    best = None
    for attempt in range(_ATTEMPTS):
        env, expected = _reference_run(
            net, d, ev, reference, m, seed + 7919 * attempt, scale, labels
        )
        zeros = sum(int(np.sum(g == 0)) for g in expected.values())
        zeros += 1000 * _dead_samples(net, env, m)
        if best is None or zeros < best[0]:
            best = (zeros, env, expected)
        if zeros == 0:
            break
    return best[1], best[2]


def _dead_samples(net, env, m) -> int:
    """How many (forward value, sample) pairs are all zero: a sample whose relu layer is off
    in every unit reaches no earlier gradient, and a mistake in its share goes unseen."""
    dead = 0
    for name in net.values:
        v = env.get(name)
        if isinstance(v, np.ndarray) and v.ndim == 2 and v.shape[1] == m and v.shape[0] > 0:
            dead += int(np.sum(np.all(v == 0, axis=0)))
    return dead


def call_values(net, reference, env, m, d=None) -> dict:
    """What the student's function may be given: X, Y, m, the parameters (alone and as
    ``params``), the forward values (alone and as ``cache``), and for a course's per-layer
    function the derivation's own steps (``steps``, keyed by what they differentiate: ``A1``
    for dA1, ``z1`` for delta1; without the 1/m)."""
    params = _stored(net, env)
    X, Y = env[net.x.name], env[net.y.name]
    forward = {n: env[n] for n in [*net.masks, *net.values]}  # a generated cache holds masks
    # What else a generated forward keeps for its backward (a convolution's im2col copy).
    kept = reference.forward(params, X)
    steps = {s.of: env[s.name] for s in d.steps} if d is not None else {}  # by what: A1 -> dA1
    return {"X": X, "Y": Y, "m": m, **params, **forward, "params": params,
            "cache": {**kept, "X": X, "x": X, **forward}, "steps": steps,
            "cost_derivative": _cost_derivative(net, d, env, m)}  # fmt: skip


def _cost_derivative(net, d, env, m):
    """The derivation's dC/dA of the output as a function of (A, Y), samples as columns and
    without the 1/m: what Nielsen's ``net.cost_derivative(a, y)`` returns for the spec's cost,
    for a network object derive stands in for. None when the derivation has no such step."""
    step = next((s for s in d.steps if s.of == net.output), None) if d is not None else None
    if step is None:
        return None

    def cost_derivative(a, y):
        at = {**env, net.output: np.asarray(a, dtype=np.float64),
              net.y.name: np.asarray(y, dtype=np.float64)}  # fmt: skip
        return numpy_value(step.value, at, m, declared=False)

    return cost_derivative


def _reference_run(net, d, ev, reference, m, seed, scale, labels=False) -> tuple[dict, dict]:
    """Random inputs, the forward values and the derivation's gradients (evaluated here),
    and the generated module's gradients, which must be the same."""
    env = random_inputs(net, m, seed, labels)
    with np.errstate(all="ignore"):
        for name, eq in net.equations.items():
            env[name] = ev(eq, env, m)
        for s in d.steps:
            env[s.name] = ev(s.value, env, m)
    params = _stored(net, env)
    got = reference.backward(params, reference.forward(params, env[net.x.name]), env[net.y.name])
    expected = {p: np.asarray(got[p], dtype=np.float64) for p in net.params}
    for s in d.param_steps:
        if s.penalty is not None:  # [cost] penalty: its term is not divided by m
            env[s.name] = env[s.name] + ev(s.penalty, env, m) / scale
        if not close(expected[s.of].reshape(env[s.name].shape), scale * env[s.name]):
            raise RuntimeError(f"derive's generated d{s.of} disagrees with its derivation")
    return env, expected


def _stored(net, env) -> dict:
    """The parameters as a generated module holds them (a conv kernel (channels, C, kh, kw),
    the derivation's matrix reshaped)."""
    return {p: env[p].reshape(net.stored_shape(p)) for p in net.params}


def close(found: np.ndarray, expected: np.ndarray) -> bool:
    """The same shape and every entry within RTOL of the expected one's largest entry."""
    if found.shape != expected.shape:
        return False
    return float(np.max(np.abs(found - expected), initial=0)) <= RTOL * magnitude(expected)


def harmless(found: np.ndarray, expected: np.ndarray, shape) -> bool:
    """The right values in a shape that broadcasts back to the parameter's own: (1,) for a
    (1, 1) bias. (3,) for a (3, 1) bias is not: b1 - lr * db1 would be (3, 3)."""
    if found.shape == expected.shape or found.size != expected.size:
        return False
    try:
        fits = np.broadcast_shapes(tuple(shape), found.shape) == tuple(shape)
    except ValueError:
        return False
    return fits and close(found.reshape(expected.shape), expected)


def magnitude(a: np.ndarray) -> float:
    """The largest entry's absolute value (at least 1e-6): the scale of the tolerance."""
    return max(float(np.max(np.abs(a), initial=0)), 1e-6)
