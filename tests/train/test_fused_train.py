"""``derive train`` with the fused step: the loop calls the module's fused functions, and a run
gives the parameters and losses of the same run through the readable ``loss_and_grad`` /
``training_step`` (to float round-off), for every example and every optimizer offered."""

import numpy as np
import pytest

from derive.emit.codegen import load_module
from derive.engine.spec import EXAMPLES, load_spec
from derive.train.data import Dataset
from derive.train.loop import train
from derive.train.optim import OPTIMIZERS

EXAMPLE_SPECS = sorted(EXAMPLES.glob("*.toml"))


class Readable:
    """The module without its fused step: the loop falls back to the readable functions."""

    def __init__(self, module):
        self.module = module

    def __getattr__(self, name):
        if name.startswith("fused_") or name == "sgd_step":
            raise AttributeError(name)
        return getattr(self.module, name)


class Counting:
    """The module with calls to its fused functions counted."""

    def __init__(self, module):
        self.module, self.calls = module, 0

    def __getattr__(self, name):
        found = getattr(self.module, name)
        if not name.startswith("fused_"):
            return found

        def counted(*args):
            self.calls += 1
            return found(*args)

        return counted


def _dataset(module, m=80, seed=0) -> Dataset:
    """Random features and one-hot (or 0/1) class targets: fits every example's cost."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((module.INPUTS, m))
    k = max(module.OUTPUTS, 2)
    labels = rng.integers(0, k, m)
    Y = np.eye(k)[:, labels] if module.OUTPUTS > 1 else labels[None, :].astype(float)
    cut = m * 3 // 4
    inputs = module.INPUTS
    return Dataset(X[:, :cut], Y[:, :cut], X[:, cut:], Y[:, cut:], np.zeros((inputs, 1)),
                   np.ones((inputs, 1)), "random", "random", classes=list(range(k)))  # fmt: skip


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=lambda p: p.stem)
def test_training_with_the_fused_step_equals_the_readable_path(spec, optimizer):
    module = load_module(load_spec(spec))
    data = _dataset(module)
    settings = dict(epochs=2, batch_size=16, seed=3, optimizer=optimizer, progress=False)
    fused = Counting(module)
    a = train(fused, data, **settings)
    b = train(Readable(module), data, **settings)
    # every step through the fused step, recurrent networks' too
    assert not hasattr(module, "NO_FUSED_STEP")
    assert fused.calls == 2 * 4 and a.steps == b.steps == 2 * 4
    assert a.params.keys() == b.params.keys()
    for k in b.params:
        # atol: a bias just before a batch norm has a zero gradient up to round-off (the norm
        # subtracts the mean), so both paths move it by noise of order 1e-11 (cnn_batchnorm's
        # b1 under adam, which divides that noise by its own tiny running RMS)
        np.testing.assert_allclose(a.params[k], b.params[k], rtol=1e-8, atol=1e-9, err_msg=k)
    for key, values in b.history.items():
        got = a.history[key]  # None where a metric does not apply (accuracy of a regression)
        assert [v is None for v in got] == [v is None for v in values], key
        kept = [v for v in values if v is not None]
        assert [v for v in got if v is not None] == pytest.approx(kept, rel=1e-8, abs=1e-11), key


def test_float32_training_with_the_fused_step_equals_the_readable_path():
    module = load_module(load_spec(EXAMPLES / "dropout.toml"))
    data = _dataset(module, m=120)
    settings = dict(epochs=3, batch_size=32, seed=1, dtype=np.float32, progress=False)
    a = train(module, data, **settings)
    b = train(Readable(module), data, **settings)
    for k in b.params:
        assert a.params[k].dtype == np.float32
        np.testing.assert_allclose(a.params[k], b.params[k], rtol=1e-4, atol=1e-6, err_msg=k)


def test_a_network_the_fused_step_cannot_compile_trains_through_loss_and_grad(monkeypatch):
    """Generated without a fused step (the reason in NO_FUSED_STEP), never a stub: derive
    train steps with loss_and_grad and gives the readable path's run."""
    from derive.emit import codegen
    from derive.emit.fused import FusedUnsupported

    def refuse(*args):
        raise FusedUnsupported("no NumPy call for Foo")

    monkeypatch.setattr(codegen, "fused_program", refuse)
    module = load_module(load_spec(EXAMPLES / "seed.toml"))
    assert module.NO_FUSED_STEP == "no fused step for this network: no NumPy call for Foo"
    assert not any(hasattr(module, f) for f in ("sgd_step", "fused_loss_and_grad"))
    data = _dataset(module)
    a = train(module, data, epochs=1, progress=False)
    b = train(Readable(load_module(load_spec(EXAMPLES / "seed.toml"))), data, epochs=1,
              progress=False)  # fmt: skip
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
