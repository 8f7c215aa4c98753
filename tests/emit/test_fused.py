"""The fused step (``fused_loss_and_grad``, ``fused_training_step``, ``sgd_step``): equal to
``loss_and_grad``/``training_step`` and the update for every example and for hypothesis-drawn
architectures (dropout masks from the same generator, batch norm's running statistics, layer
norm, penalties), allocation-free after the first call, dtype-preserving; and the generated
modules' vectorized erf against math.erf."""

import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from derive.emit.codegen import import_file, load_module
from derive.engine.spec import EXAMPLES, load_spec, parse_spec

from .test_codegen import (
    GENERATED,
    architectures,
    image_architectures,
    recurrent_architectures,
)

EXAMPLE_SPECS = sorted(EXAMPLES.glob("*.toml"))


def _data(module, m, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((module.INPUTS, m)).astype(dtype)
    Y = rng.random((module.OUTPUTS, m)).astype(dtype)
    Y /= Y.sum(axis=0, keepdims=True)  # a distribution per column: fits every cost drawn
    return X, Y


def _rng(module, seed=3):
    """A generator for the masks (a module with dropout takes one), else nothing."""
    return (np.random.default_rng(seed),) if getattr(module, "MASKS", None) else ()


def _reference(module, params, X, Y, seed=3):
    """training_step where the module has one (masks from a generator seeded ``seed``,
    running statistics), else loss_and_grad with no running statistics."""
    if hasattr(module, "training_step"):
        return module.training_step(params, X, Y, *_rng(module, seed))
    return (*module.loss_and_grad(params, X, Y), {})


def _close(got, want, rtol):
    assert got.keys() == want.keys()
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=rtol, atol=1e-12, err_msg=k)


def _same_step(module, m=5, rtol=1e-10):
    params = module.init_params(2)
    X, Y = _data(module, m)
    loss, grads, running = _reference(module, params, X, Y)
    for _ in range(2):  # the second call reuses the workspace
        if hasattr(module, "fused_training_step"):
            fused_loss, fused, fused_running = module.fused_training_step(
                params, X, Y, *_rng(module)
            )
            _close(fused_running, running, rtol)
            assert fused_loss == pytest.approx(loss, rel=rtol, abs=1e-12)
            _close(fused, grads, rtol)
        fused_loss, fused = module.fused_loss_and_grad(params, X, Y, *_rng(module))
        assert fused_loss == pytest.approx(loss, rel=rtol, abs=1e-12)
        _close(fused, grads, rtol)
    lr = 0.05
    expected = {k: p - lr * grads[k] for k, p in params.items() if k in grads} | running
    rng = _rng(module)
    before = module.sgd_step(params, X, Y, lr, *rng)
    assert before == pytest.approx(loss, rel=rtol, abs=1e-12)
    _close({k: params[k] for k in expected}, expected, rtol)
    if rng:  # the fused step drew from the generator exactly what training_step draws
        reference = _rng(module)[0]
        module.training_step(module.init_params(2), X, Y, reference)
        assert rng[0].bit_generator.state == reference.bit_generator.state


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


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(image_architectures())
def test_random_image_architectures_fused_equals_loss_and_grad(text):
    with np.errstate(all="ignore"):
        _same_step(load_module(parse_spec(text, "drawn_cnn.toml")), m=3, rtol=1e-8)


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(recurrent_architectures())
def test_random_recurrent_architectures_fused_equals_loss_and_grad(text):
    with np.errstate(all="ignore"):
        _same_step(load_module(parse_spec(text, "drawn_rnn.toml")), m=3, rtol=1e-8)


@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=lambda p: p.stem)
def test_fused_step_allocates_no_arrays_after_the_first(spec):
    module = import_file(GENERATED / f"{load_spec(spec).name}.py")
    params = module.init_params(0)
    X, Y = _data(module, 64)
    rng = _rng(module)  # dropout's masks drawn into the workspace too
    module.sgd_step(params, X, Y, 0.01, *rng)  # builds the workspace
    tracemalloc.start()
    try:
        module.sgd_step(params, X, Y, 0.01, *rng)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kept < 2048, kept  # nothing stays behind: Python objects only (a float, a dict)
    # transients only, never the step's arrays: at most one copy of a parameter (BLAS's for a
    # transposed operand) and NumPy's iterator buffer for a broadcast operand (a row or a
    # column beside a matrix), which holds at most getbufsize() entries
    buffer = np.getbufsize() * X.itemsize
    assert peak < max(p.nbytes for p in params.values()) + buffer + 4096, peak


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
