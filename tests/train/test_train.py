"""Training through a module's interface: the loss falls, seeded runs repeat to the bit, float32
stays float32, a diverging run keeps its last good parameters, Ctrl-C keeps what was trained,
and the saved run can be read back and predicted with."""

import argparse
import json
import sys
import time

import numpy as np
import pytest
from fixtures.handmlp import make

from derive.errors import DeriveError
from derive.train import progress
from derive.train.commands import register_cli
from derive.train.data import load_dataset
from derive.train.loop import TrainingDiverged, accuracy, train
from derive.train.optim import OPTIMIZERS
from derive.train.runs import load_params, predict_from_file, save_run


@pytest.fixture(scope="module")
def xor():
    return load_dataset("xor", inputs=2, outputs=1, seed=0)


def small(cost="binary_cross_entropy"):
    return make(2, 8, 1, "tanh", "sigmoid", cost, name="small")


class Spy:
    """The fixture module with loss_and_grad wrapped: counts calls, can fail on call ``k``."""

    def __init__(self, module, fail_at=None, result=float("nan"), grads_inf=False):
        self.module, self.calls, self.seen = module, 0, None
        self.fail_at, self.result, self.grads_inf = fail_at, result, grads_inf

    def __getattr__(self, name):
        return getattr(self.module, name)

    def loss_and_grad(self, params, X, Y):
        self.calls += 1
        if self.calls == self.fail_at:
            self.seen = {k: v.copy() for k, v in params.items()}
            if self.result is KeyboardInterrupt:
                raise KeyboardInterrupt
            loss, grads = self.module.loss_and_grad(params, X, Y)
            if self.grads_inf:
                return loss, {k: np.full_like(g, np.inf) for k, g in grads.items()}
            return self.result, grads
        return self.module.loss_and_grad(params, X, Y)


class Recorder:
    """The fixture module with its losses, the splits it evaluated, and (given ``threads``)
    the BLAS thread counts seen in steps and in evaluation recorded."""

    def __init__(self, module, test_size, threads=None):
        self.module, self.test_size, self.losses, self.evaluated = module, test_size, [], []
        self.threads, self._threads = {"step": set(), "evaluate": set()}, threads

    def __getattr__(self, name):
        return getattr(self.module, name)

    def _seen(self, what, X):
        if self._threads is not None:
            self.threads[what] |= self._threads()
        if what == "evaluate":
            self.evaluated.append("test" if X.shape[1] == self.test_size else "train")

    def loss_and_grad(self, params, X, Y):
        self._seen("step", X)
        loss, grads = self.module.loss_and_grad(params, X, Y)
        self.losses.append(loss)
        return loss, grads

    def loss(self, params, X, Y):
        self._seen("evaluate", X)
        return self.module.loss(params, X, Y)

    def predict(self, params, X):
        self._seen("evaluate", X)
        return self.module.predict(params, X)


def test_loss_falls(xor):
    module = small()
    start = module.loss(module.init_params(seed=0), xor.X_train, xor.Y_train)
    r = train(module, xor, epochs=5, lr=0.5, progress=False)
    assert r.history["train_loss"][-1] < r.history["train_loss"][0] < start
    assert r.final["train_loss"] < 0.5 * start and r.final["test_accuracy"] > 0.9
    assert r.steps == 5 * 20 and r.epochs_completed == 5 and not r.interrupted


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_each_optimizer_learns_and_repeats_to_the_bit(xor, optimizer):
    module = small()
    a = train(module, xor, epochs=3, optimizer=optimizer, seed=7, progress=False)
    b = train(module, xor, epochs=3, optimizer=optimizer, seed=7, progress=False)
    c = train(module, xor, epochs=3, optimizer=optimizer, seed=8, progress=False)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert a.history == b.history
    assert not np.array_equal(a.params["W1"], c.params["W1"])
    assert a.history["train_loss"][-1] < a.history["train_loss"][0]


def test_sgd_is_exactly_w_minus_lr_times_gradient(xor):
    """Bit for bit the update the derivation prints, with the same shuffles a seed gives."""
    module, lr, batch = small(), 0.3, 16
    r = train(module, xor, epochs=2, lr=lr, batch_size=batch, seed=5, progress=False)
    params = module.init_params(seed=5)
    rng = np.random.default_rng(5)
    X, Y = xor.X_train, xor.Y_train
    for _ in range(2):
        order = rng.permutation(X.shape[1])
        for i in range(0, X.shape[1], batch):
            idx = order[i : i + batch]
            _, grads = module.loss_and_grad(params, X[:, idx], Y[:, idx])
            params = {k: params[k] - lr * grads[k] for k in params}
    assert all(np.array_equal(r.params[k], params[k]) for k in params)


def test_float32_stays_float32(xor):
    r = train(small(), xor, epochs=2, dtype=np.float32, progress=False)
    assert {p.dtype for p in r.params.values()} == {np.dtype(np.float32)}
    assert r.settings["dtype"] == "float32" and np.isfinite(r.final["train_loss"])


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_nonfinite_loss_stops_with_epoch_step_and_last_good_params(xor, bad):
    spy = Spy(small(), fail_at=20 + 3, result=bad)  # epoch 2 (20 steps an epoch), step 3
    with pytest.raises(TrainingDiverged) as e:
        train(spy, xor, epochs=5, lr=0.1, progress=False)
    err = e.value
    assert isinstance(err, DeriveError) and (err.epoch, err.step) == (2, 3)
    assert "epoch 2, step 3" in str(err) and "lower the learning rate" in err.fix
    assert "--lr 0.01" in err.fix
    assert all(np.array_equal(err.result.params[k], spy.seen[k]) for k in spy.seen)
    assert err.result.steps == 22 and err.result.epochs_completed == 1
    assert err.result.failure and len(err.result.history["train_loss"]) == 1


def test_overflowing_update_at_the_end_of_an_epoch_keeps_the_params_before_it(xor):
    spy = Spy(small(), fail_at=20, grads_inf=True)  # last step of epoch 1: finite loss, inf grad
    with pytest.raises(TrainingDiverged, match="epoch 1, step 20") as e:
        train(spy, xor, epochs=3, progress=False)
    assert all(np.array_equal(e.value.result.params[k], spy.seen[k]) for k in spy.seen)
    assert e.value.result.steps == 19  # the update that overflowed is not counted


def test_overflowing_update_mid_epoch_keeps_the_params_before_it(xor):
    # step 5's gradients are inf: its update makes the parameters inf, step 6's loss is NaN;
    # the parameters to keep are the ones step 5 started from, not the inf ones
    spy = Spy(small(), fail_at=5, grads_inf=True)
    with pytest.raises(TrainingDiverged, match="epoch 1, step 5") as e:
        train(spy, xor, epochs=3, progress=False)
    result = e.value.result
    assert all(np.array_equal(result.params[k], spy.seen[k]) for k in spy.seen)
    assert result.steps == 4 and e.value.step == 5


def test_a_real_divergence_is_caught(xor, tmp_path):
    module = make(2, 8, 1, "relu", "identity", "squared_error")
    with pytest.raises(TrainingDiverged) as e:
        train(module, xor, epochs=50, lr=50.0, progress=False)
    result = e.value.result
    assert all(np.isfinite(p).all() for p in result.params.values())
    written = save_run(result, tmp_path)  # --out still saves the last good parameters
    assert json.loads((tmp_path / "metrics.json").read_text())["failure"] == result.failure
    assert tmp_path / "params.npz" in written


def test_ctrl_c_in_a_step_keeps_what_was_trained(xor):
    spy = Spy(small(), fail_at=31, result=KeyboardInterrupt)
    r = train(spy, xor, epochs=5, progress=False)
    assert r.interrupted and r.steps == 30 and r.epochs_completed == 1
    assert all(np.array_equal(r.params[k], spy.seen[k]) for k in spy.seen)
    assert r.final["train_loss"] is not None


def test_ctrl_c_in_on_epoch(xor):
    seen = []

    def on_epoch(epoch, metrics):
        seen.append((epoch, metrics["test_accuracy"]))
        if epoch == 2:
            raise KeyboardInterrupt

    r = train(small(), xor, epochs=5, progress=False, on_epoch=on_epoch)
    assert r.interrupted and r.epochs_completed == 2 and [e for e, _ in seen] == [1, 2]


def test_wrong_shapes_fail_before_any_step(xor):
    spy = Spy(make(3, 4, 1, "relu", "sigmoid", "binary_cross_entropy", name="three"))
    with pytest.raises(DeriveError) as e:
        train(spy, xor, epochs=1, progress=False)
    assert "2 features" in str(e.value) and "3 inputs" in str(e.value) and spy.calls == 0
    spy = Spy(make(2, 4, 3, "relu", "softmax", "cross_entropy"))
    with pytest.raises(DeriveError, match="1 target rows but the network has 3 outputs"):
        train(spy, xor, epochs=1, progress=False)
    assert spy.calls == 0


def test_accuracy_threshold_and_argmax():
    assert accuracy(np.array([[0.2, 0.7, 0.5]]), np.array([[0.0, 1.0, 0.0]])) == pytest.approx(
        2 / 3
    )
    A = np.array([[0.1, 0.8], [0.9, 0.2]])
    assert accuracy(A, np.array([[0.0, 1.0], [1.0, 0.0]])) == 1.0


def test_progress_goes_to_stderr_with_or_without_tqdm(xor, capsys, monkeypatch):
    train(small(), xor, epochs=2, progress=True)
    out, err = capsys.readouterr()
    assert out == "" and "epoch 2/2" in err and "test acc" in err
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setattr(progress, "LINE_EVERY", 1e9)
    train(small(), xor, epochs=3, progress=True)
    out, err = capsys.readouterr()  # fast epochs: only the last one gets a line
    assert out == "" and err.startswith("epoch 3/3: loss") and err.count("\n") == 1
    assert "test acc" in err
    monkeypatch.setattr(progress, "LINE_EVERY", 0.0)
    train(small(), xor, epochs=3, progress=True)
    assert [line[:10] for line in capsys.readouterr().err.splitlines()] == [
        "epoch 1/3:",
        "epoch 2/3:",
        "epoch 3/3:",
    ]
    train(small(), xor, epochs=2, progress=False)
    assert capsys.readouterr() == ("", "")


def test_progress_bar_redraws_a_few_times_a_second_not_every_epoch(xor, capsys, monkeypatch):
    pytest.importorskip("tqdm")
    # epochs count as fast whatever the machine's load: an epoch line is a matter of
    # LINE_EVERY (tested above), the redraws of the bar are what this test counts
    monkeypatch.setattr(progress, "LINE_EVERY", 1e9)
    start = time.perf_counter()
    r = train(small(), xor, epochs=200, progress=True)
    seconds = time.perf_counter() - start
    err = capsys.readouterr().err
    assert r.steps == 4000 and err.count("\n") == 1  # one bar for the run, left when it ends
    # tqdm starts each redraw with \r: a first and a last draw, and at most one per REDRAW
    assert err.count("\r") <= 2 + seconds / progress.REDRAW
    assert "epoch 200/200: 100%" in err and "test acc" in err.rsplit("\r", 1)[1]
    monkeypatch.setattr(progress, "LINE_EVERY", 0.0)  # slow epochs: a line each
    train(small(), xor, epochs=3, progress=True)
    err = capsys.readouterr().err
    assert "epoch 1/3: loss" in err and "epoch 2/3: loss" in err and "epoch 3/3" in err


def test_epoch_metrics_come_from_the_steps_and_the_test_split(xor):
    """The per-epoch train loss is the mean of the epoch's mini-batch losses (weighted by batch
    size): no forward pass over the training split unless train_accuracy=True. The test split
    is evaluated (loss and predict) after each epoch, and not again at the end."""
    m, batch = xor.X_train.shape[1], 24  # the last batch is smaller
    spy = Recorder(small(), xor.X_test.shape[1])
    r = train(spy, xor, epochs=2, batch_size=batch, progress=False)
    losses = np.array(spy.losses).reshape(2, -1)
    sizes = np.diff([*range(0, m, batch), m])
    assert sizes[-1] < batch
    expected = [sum(loss * n for loss, n in zip(row, sizes, strict=True)) / m for row in losses]
    assert r.history["train_loss"] == expected
    # the training split only at the end (its loss and predict), the test split each epoch
    assert spy.evaluated == ["test"] * 4 + ["train"] * 2
    assert r.history["train_accuracy"] == [None, None]
    module = small()
    assert r.final["test_loss"] == r.history["test_loss"][-1]
    assert r.final["test_loss"] == module.loss(r.params, xor.X_test, xor.Y_test)
    assert r.final["test_accuracy"] == accuracy(module.predict(r.params, xor.X_test), xor.Y_test)
    assert r.final["train_loss"] == module.loss(r.params, xor.X_train, xor.Y_train)
    spy = Recorder(small(), xor.X_test.shape[1])
    r = train(spy, xor, epochs=2, batch_size=batch, progress=False, train_accuracy=True)
    assert spy.evaluated == ["train", "test", "test"] * 2 + ["train"] * 2
    assert r.history["train_accuracy"][-1] == r.final["train_accuracy"] > 0.5


def test_evaluation_uses_one_blas_thread_and_the_steps_keep_theirs(xor):
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return {
            i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"
        }

    before = blas_threads()
    spy = Recorder(small(), xor.X_test.shape[1], threads=blas_threads)
    train(spy, xor, epochs=2, progress=False)
    assert spy.threads["step"] == before and spy.threads["evaluate"] == {1}
    assert blas_threads() == before


def test_save_run_and_predict_from_file(xor, tmp_path):
    module = small()
    r = train(module, xor, epochs=2, progress=False)
    written = save_run(r, tmp_path / "run")
    assert {"metrics.json", "params.npz"} <= {p.name for p in written}
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert len(metrics["history"]["test_accuracy"]) == 2
    assert metrics["test_accuracy"] == r.final["test_accuracy"]
    assert metrics["final_loss"] == r.final["train_loss"] and metrics["settings"]["lr"] == 0.1
    assert metrics["data"]["mean"] == xor.mean.ravel().tolist()
    params = load_params(module, tmp_path / "run" / "params.npz")
    assert all(np.array_equal(params[k], r.params[k]) for k in params)
    A = predict_from_file(module, tmp_path / "run", xor)
    assert np.array_equal(A, module.predict(r.params, xor.X_test))
    with pytest.raises(DeriveError, match="do not fit"):
        load_params(make(2, 5, 1, output="sigmoid", cost="binary_cross_entropy"), tmp_path / "run")


def test_curves_png_or_a_note(xor, tmp_path, monkeypatch):
    r = train(small(), xor, epochs=2, progress=False)
    pytest.importorskip("matplotlib")
    save_run(r, tmp_path / "a")
    assert (tmp_path / "a" / "curves.png").read_bytes()[:4] == b"\x89PNG"
    notes = []
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    save_run(r, tmp_path / "b", note=notes.append)
    assert not (tmp_path / "b" / "curves.png").exists()
    assert notes and 'pip install "derive[data]"' in notes[0]


# --- command line ----------------------------------------------------------------------------


def cli(argv, module):
    parser = argparse.ArgumentParser(prog="derive")
    register_cli(parser.add_subparsers(), lambda spec: module)
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_train_then_predict(tmp_path, capsys):
    seed_net = make(4, 3, 1, "relu", "sigmoid", "squared_error", name="seed")
    out = tmp_path / "run"
    argv = ["train", "seed.toml", "--data", "xor4", "--epochs", "30", "--lr", "0.5"]
    assert cli([*argv, "--out", str(out), "--quiet"], seed_net) == 0
    text = capsys.readouterr().out
    assert "trained seed on xor4" in text and "test:" in text and "saved" in text
    assert json.loads((out / "metrics.json").read_text())["test_accuracy"] > 0.9
    argv = ["predict", "seed.toml", "--params", str(out / "params.npz"), "--data", "xor4"]
    assert cli([*argv, "--limit", "3"], seed_net) == 0
    text = capsys.readouterr().out
    assert text.count("sample ") == 3 and "accuracy on 160 test samples" in text


def test_cli_checks_shapes_and_saves_a_diverged_run(tmp_path):
    with pytest.raises(DeriveError, match="2 features but the network has 4 inputs"):
        cli(["train", "s.toml", "--data", "moons"], make(4, 3, 1, output="sigmoid"))
    module = make(2, 8, 1, "relu", "identity", "squared_error")
    argv = ["train", "s.toml", "--data", "xor", "--lr", "50", "--epochs", "50", "--quiet"]
    with pytest.raises(TrainingDiverged):
        cli([*argv, "--out", str(tmp_path)], module)
    assert (tmp_path / "params.npz").exists()
