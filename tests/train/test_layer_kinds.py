"""Training networks with layer kinds: batch norm's running statistics are updated by each
step (momentum 0.1 and the unbiased batch variance, as PyTorch), saved with the parameters and
used by predict, so one sample is predicted as in a batch; dropout draws a fresh mask per step
from the run's seed, so a seeded run repeats to the bit."""

import numpy as np
import pytest

from derive.emit.codegen import load_module
from derive.engine.spec import parse_spec
from derive.train.data import load_dataset
from derive.train.loop import train
from derive.train.runs import load_params, predict_from_file, save_run

HEAD = 'name = "{name}"\ninputs = 2\n[[layers]]\nunits = 6\n'
TAIL = '[[layers]]\nunits = 1\nactivation = "sigmoid"\n[cost]\nname = "binary_cross_entropy"\n'
BATCHNORM = HEAD + '[[layers]]\nkind = "batchnorm"\nactivation = "tanh"\n' + TAIL
DROPOUT = HEAD + 'activation = "tanh"\n[[layers]]\nkind = "dropout"\np = 0.5\n' + TAIL


@pytest.fixture(scope="module")
def xor():
    return load_dataset("xor", inputs=2, outputs=1, seed=0)


@pytest.fixture(scope="module")
def bn():
    return load_module(parse_spec(BATCHNORM.format(name="bn")))


@pytest.fixture(scope="module")
def dropout():
    return load_module(parse_spec(DROPOUT.format(name="drop")))


def test_one_step_updates_the_running_statistics_like_pytorch(bn, xor):
    m = xor.X_train.shape[1]
    r = train(bn, xor, epochs=1, batch_size=m, lr=0.1, progress=False, evaluate=False)
    start = bn.init_params(seed=0)
    z1 = start["W1"] @ xor.X_train + start["b1"]
    assert np.allclose(r.params["running_mean2"], 0.1 * z1.mean(axis=1, keepdims=True))
    unbiased = z1.var(axis=1, ddof=1, keepdims=True)
    assert np.allclose(r.params["running_var2"], 0.9 * 1 + 0.1 * unbiased)


def test_predict_uses_the_running_statistics(bn, xor):
    r = train(bn, xor, epochs=20, lr=0.5, progress=False)
    assert r.final["test_accuracy"] > 0.9
    X = xor.X_test
    batch = bn.predict(r.params, X)
    one = np.hstack([bn.predict(r.params, X[:, j : j + 1]) for j in range(5)])
    assert np.allclose(one, batch[:, :5])  # one sample at a time: the same predictions
    # by hand: normalised with the running mean and variance, then scaled and shifted
    p = r.params
    z1 = p["W1"] @ X + p["b1"]
    xhat = (z1 - p["running_mean2"]) / np.sqrt(p["running_var2"] + 1e-5)
    A2 = np.tanh(p["gamma2"] * xhat + p["beta2"])
    assert np.allclose(batch, 1 / (1 + np.exp(-(p["W3"] @ A2 + p["b3"]))))
    # in training mode (batch statistics) one sample would normalise to 0: not what predict does
    assert not np.allclose(bn.forward(p, X[:, :1])["A3"], batch[:, :1])


def test_running_statistics_are_saved_and_loaded(bn, xor, tmp_path):
    r = train(bn, xor, epochs=2, progress=False)
    save_run(r, tmp_path)
    params = load_params(bn, tmp_path / "params.npz")
    assert set(params) == set(bn.PARAM_SHAPES) | set(bn.RUNNING_SHAPES)
    assert np.array_equal(params["running_var2"], r.params["running_var2"])
    assert np.array_equal(predict_from_file(bn, tmp_path, xor), bn.predict(r.params, xor.X_test))


def test_gradients_are_for_the_parameters_only(bn, xor):
    params = bn.init_params(seed=0)
    _, grads = bn.loss_and_grad(params, xor.X_train[:, :8], xor.Y_train[:, :8])
    assert set(grads) == set(bn.PARAM_SHAPES)


def test_dropout_mask_is_inverted_and_drawn_from_the_generator(dropout):
    params = dropout.init_params(seed=0)
    X = np.random.default_rng(0).standard_normal((2, 4000))
    cache = dropout.forward(params, X, np.random.default_rng(1))
    mask = cache["D2"]
    assert set(np.unique(mask)) == {0.0, 2.0}  # kept units scaled by 1 / (1 - p)
    assert abs((mask == 0).mean() - 0.5) < 0.03
    assert np.array_equal(cache["A2"], mask * cache["A1"])
    again = dropout.forward(params, X, np.random.default_rng(1))["D2"]
    assert np.array_equal(again, mask)
    assert np.array_equal(dropout.forward(params, X)["A2"], cache["A1"])  # no rng: no dropout


def test_dropout_training_repeats_to_the_bit_and_depends_on_the_seed(dropout, xor):
    runs = [train(dropout, xor, epochs=3, seed=s, progress=False) for s in (4, 4, 5)]
    assert all(np.array_equal(runs[0].params[k], runs[1].params[k]) for k in runs[0].params)
    assert not np.array_equal(runs[0].params["W1"], runs[2].params["W1"])


def test_dropout_changes_the_steps(dropout, xor):
    """The masks reach the training steps: the same run without them ends elsewhere."""
    plain = load_module(parse_spec(DROPOUT.format(name="nodrop").replace("p = 0.5", "p = 0.0")))
    a = train(dropout, xor, epochs=2, seed=0, progress=False)
    b = train(plain, xor, epochs=2, seed=0, progress=False)
    assert not np.allclose(a.params["W1"], b.params["W1"])


def test_held_out_split_is_scored_with_the_running_statistics(bn, xor):
    r = train(bn, xor, epochs=3, progress=False)
    p, X, Y = r.params, xor.X_test, xor.Y_test
    A = bn.predict(p, X)
    bce = float(np.mean(-(Y * np.log(A) + (1 - Y) * np.log(1 - A)).sum(axis=0)))
    assert np.isclose(r.final["test_loss"], bce)
    assert np.isclose(bn.inference_loss(p, X, Y), bce)
    assert not np.isclose(bn.loss(p, X, Y), bce)  # training mode: the split's own statistics
