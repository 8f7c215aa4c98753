"""The fused step (``fused_loss_and_grad``, ``sgd_step``): equal to ``loss_and_grad`` and the
update for every example and for hypothesis-drawn architectures, allocation-free after the
first call, dtype-preserving; and the generated modules' vectorized erf against math.erf."""

import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from derive.emit.codegen import GENERATED, import_file, load_module
from derive.engine.spec import EXAMPLES, load_spec, parse_spec

from .test_codegen import architectures

EXAMPLE_SPECS = sorted(EXAMPLES.glob("*.toml"))


def _data(module, m, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((module.INPUTS, m)).astype(dtype)
    Y = rng.random((module.OUTPUTS, m)).astype(dtype)
    Y /= Y.sum(axis=0, keepdims=True)  # a distribution per column: fits every cost drawn
    return X, Y


def _same_step(module, m=5, rtol=1e-10):
    params = module.init_params(2)
    X, Y = _data(module, m)
    loss, grads = module.loss_and_grad(params, X, Y)
    for _ in range(2):  # the second call reuses the workspace
        fused_loss, fused = module.fused_loss_and_grad(params, X, Y)
        assert fused_loss == pytest.approx(loss, rel=rtol, abs=1e-12)
        assert fused.keys() == grads.keys()
        for k in grads:
            np.testing.assert_allclose(fused[k], grads[k], rtol=rtol, atol=1e-12)
    lr = 0.05
    expected = {k: p - lr * grads[k] for k, p in params.items()}
    before = module.sgd_step(params, X, Y, lr)
    assert before == pytest.approx(loss, rel=rtol, abs=1e-12)
    for k in params:
        np.testing.assert_allclose(params[k], expected[k], rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=lambda p: p.stem)
def test_examples_fused_equals_loss_and_grad(spec):
    _same_step(import_file(GENERATED / f"{load_spec(spec).name}.py"))


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(architectures())
def test_random_architectures_fused_equals_loss_and_grad(text):
    with np.errstate(all="ignore"):  # the readable form may warn where the fused one does not
        _same_step(load_module(parse_spec(text, "drawn.toml")), m=4, rtol=1e-8)


@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=lambda p: p.stem)
def test_fused_step_allocates_no_arrays_after_the_first(spec):
    module = import_file(GENERATED / f"{load_spec(spec).name}.py")
    params = module.init_params(0)
    X, Y = _data(module, 64)
    module.sgd_step(params, X, Y, 0.01)  # builds the workspace
    tracemalloc.start()
    try:
        module.sgd_step(params, X, Y, 0.01)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kept < 2048, kept  # nothing stays behind: Python objects only (a float, a dict)
    # at most one transient copy (BLAS's for a transposed operand), never the step's arrays
    assert peak < max(p.nbytes for p in params.values()) + 4096, peak


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_keeps_the_dtype(dtype):
    module = import_file(GENERATED / "digits.py")
    params = module.init_params(0, dtype=dtype)
    X, Y = _data(module, 9, dtype)
    _, grads = module.fused_loss_and_grad(params, X, Y)
    assert all(g.dtype == dtype for g in grads.values())


GELU = (
    'name = "g"\ninputs = 3\n[[layers]]\nunits = 4\nactivation = "gelu"\n'
    '[[layers]]\nunits = 2\nactivation = "identity"\n[cost]\nname = "squared_error"\n'
)


def test_erf_matches_math_erf_to_round_off():
    erf = load_module(parse_spec(GELU, "g.toml"))._erf
    x = np.concatenate(
        [
            np.linspace(-8, 8, 20001),
            np.geomspace(1e-300, 30, 3000),
            -np.geomspace(1e-12, 7, 1000),
            [0.0, 2.5, np.nextafter(2.5, 0), 6.5, np.inf, -np.inf],
        ]
    )
    got = erf(x)
    want = np.array([math.erf(v) for v in x])
    rel = np.abs(got - want) / np.maximum(np.abs(want), np.finfo(float).tiny)
    assert rel.max() <= 1e-15, x[rel.argmax()]
    assert erf(np.float32([0.5, -1.0])).dtype == np.float32
    out = np.empty(2, np.float32)
    assert erf(np.array([0.5, 1.0]), out=out) is out
    assert out[1] == np.float32(math.erf(1.0))


def test_gelu_fused_equals_readable():
    _same_step(load_module(parse_spec(GELU, "g.toml")), m=6)
