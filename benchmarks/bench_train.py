"""How much does ``derive.train.train`` cost per SGD step over the same loop written by hand?

Runs ``train()`` (sgd) and hand-written NumPy loops on the same module and data, interleaved so
that all see the same machine state, and reports medians over repeats:

    python benchmarks/bench_train.py                                # the 64-32-10 fixture
    python benchmarks/bench_train.py --module generated/digits.py   # a generated module

The hand loops, and what each ``train()`` variant is compared with:

- ``hand``: per epoch a shuffle, then per mini-batch ``loss_and_grad`` and W -= lr * dW.
  ``train(evaluate=False)`` is compared with it: the same steps, plus what train() always
  does (the running mean of the mini-batch losses, which ``loss_and_grad`` returns anyway; a
  finiteness check of the parameters per epoch; one evaluation of both splits at the end).
- ``hand + evaluation``: the same loop doing the same job as the default ``train()``: it
  keeps the mean of each epoch's mini-batch losses, evaluates the held-out split after each
  epoch (``module.loss`` and ``module.predict``, what the hand-writer would call) and both
  splits at the end. Its evaluation runs on one BLAS thread, as train()'s does (see
  ``derive.train._one_blas_thread``): the same arithmetic, so the ratio is train()'s overhead.
  Neither re-runs the training split each epoch (``train_accuracy=True`` would).
- ``train + progress`` is the default ``train()`` with its progress bar, written to /dev/null.

Why "the same job": the default train() records per-epoch test loss and accuracy for the
curves and metrics.json, which the bare loop does not. That evaluation is two forward passes
over the held-out split (a quarter the size of the training split on digits), about 15% of the
steps' time; the ``bare`` column shows it. It is not per-step overhead, and ``evaluate=False``
drops it. (Before the evaluation ran on one BLAS thread, its whole-split products woke
OpenBLAS's threads, and on this shared two-core machine the default run took 3-5 times as long
as the bare loop.)

Before timing, the benchmark checks that train() and the hand loops agree to the bit: the
same parameters, per-epoch train losses, test losses and accuracies. Times are per step (the
whole call over the number of steps); each ratio is the median of the ratios within a repeat
(paired, so drift of a shared machine cancels).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from derive.train.data import load_dataset  # noqa: E402
from derive.train.loop import _one_blas_thread, accuracy, train  # noqa: E402


def load_module(path: str | None, inputs: int, hidden: int, outputs: int):
    """The module at ``path`` (a generated network), or the fixture MLP of that size."""
    if path is None:
        sys.path.insert(0, str(ROOT / "tests"))
        from fixtures.handmlp import make

        return make(inputs, hidden, outputs, "relu", "softmax", "cross_entropy", name="handmlp")
    spec = importlib.util.spec_from_file_location(Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hand_loop(module, X, Y, *, epochs, lr, batch_size, seed):
    """The loop anyone would write: the steps train() has to match."""
    params = module.init_params(seed=seed, dtype=X.dtype)
    rng = np.random.default_rng(seed)
    m = X.shape[1]
    for _ in range(epochs):
        order = rng.permutation(m)
        Xe, Ye = X[:, order], Y[:, order]
        for i in range(0, m, batch_size):
            _, grads = module.loss_and_grad(
                params, Xe[:, i : i + batch_size], Ye[:, i : i + batch_size]
            )
            for k, g in grads.items():
                params[k] -= lr * g
    return params


def hand_loop_evaluated(module, data, *, epochs, lr, batch_size, seed, dtype):
    """The same loop doing train()'s job: per-epoch train loss (running mean) and test metrics,
    and both splits evaluated at the end."""
    X, Y = data.X_train.astype(dtype), data.Y_train.astype(dtype)
    Xt, Yt = data.X_test.astype(dtype), data.Y_test.astype(dtype)
    params = module.init_params(seed=seed, dtype=X.dtype)
    rng = np.random.default_rng(seed)
    m = X.shape[1]
    history = {"train_loss": [], "test_loss": [], "test_accuracy": []}
    for _ in range(epochs):
        order = rng.permutation(m)
        Xe, Ye = X[:, order], Y[:, order]
        total = 0.0
        for i in range(0, m, batch_size):
            Yb = Ye[:, i : i + batch_size]
            loss, grads = module.loss_and_grad(params, Xe[:, i : i + batch_size], Yb)
            total += loss * Yb.shape[1]
            for k, g in grads.items():
                params[k] -= lr * g
        history["train_loss"].append(total / m)
        with _one_blas_thread():
            history["test_loss"].append(module.loss(params, Xt, Yt))
            history["test_accuracy"].append(accuracy(module.predict(params, Xt), Yt))
    with _one_blas_thread():  # the test split was just evaluated with these parameters
        final = (module.loss(params, X, Y), accuracy(module.predict(params, X), Y))
    return params, history, final


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--module", help="a generated module's .py file (default: the fixture)")
    ap.add_argument("--hidden", type=int, default=32, help="fixture hidden units (default 32)")
    ap.add_argument("--epochs", type=int, default=30, help="30: the digits recipe")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    args = ap.parse_args(argv)

    dtype = np.dtype(args.dtype)
    try:
        data = load_dataset("digits", inputs=64, outputs=10, seed=0)
        where = data.description
    except Exception as e:  # no scikit-learn: random data of the same shape times the same
        print(f"({e}; timing on random data of the digits' shape)", file=sys.stderr)
        rng = np.random.default_rng(0)
        from derive.train.data import Dataset

        X = rng.standard_normal((64, 1797))
        Y = np.eye(10)[:, rng.integers(0, 10, 1797)]
        data = Dataset(
            X[:, :1438],
            Y[:, :1438],
            X[:, 1438:],
            Y[:, 1438:],
            np.zeros((64, 1)),
            np.ones((64, 1)),
            "random",
            "random",
            classes=list(range(10)),
        )
        where = "random data, 1438 train / 359 test"
    module = load_module(args.module, 64, args.hidden, 10)
    X, Y = data.X_train.astype(dtype), data.Y_train.astype(dtype)
    m = X.shape[1]
    steps = args.epochs * -(-m // args.batch_size)
    kw = dict(epochs=args.epochs, lr=0.1, batch_size=args.batch_size, seed=0)

    # the same results first: the benchmark compares equal work
    a = train(module, data, dtype=dtype, progress=False, **kw)
    b = hand_loop(module, X, Y, **kw)
    params, history, final = hand_loop_evaluated(module, data, dtype=dtype, **kw)
    for other in (b, params):
        assert all(np.array_equal(a.params[k], other[k]) for k in a.params), "params disagree"
    for key, values in history.items():
        assert a.history[key] == values, f"train() and the hand loop disagree on {key}"
    assert (a.final["train_loss"], a.final["train_accuracy"]) == final, "final metrics disagree"

    variants = {
        "hand": lambda: hand_loop(module, X, Y, **kw),
        "hand + evaluation": lambda: hand_loop_evaluated(module, data, dtype=dtype, **kw),
        "train": lambda: train(module, data, dtype=dtype, progress=False, **kw),
        "train evaluate=False": lambda: train(
            module, data, dtype=dtype, progress=False, evaluate=False, **kw
        ),
        "train + progress": lambda: train(module, data, dtype=dtype, progress=True, **kw),
    }
    baseline = {
        "train": "hand + evaluation",
        "train evaluate=False": "hand",
        "train + progress": "hand + evaluation",
        "hand + evaluation": "hand",
    }
    times = {key: [] for key in variants}
    order = list(variants)
    shuffle = np.random.default_rng(0)
    with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull):
        for _ in range(args.repeats):
            shuffle.shuffle(order)  # no variant always runs first (or after the slow one)
            for key in order:
                t = time.perf_counter()
                variants[key]()
                times[key].append((time.perf_counter() - t) / steps)

    name = getattr(module, "NAME", "?")
    print(f"{name}: {args.dtype}, batch {args.batch_size}, {steps} steps a run on {where}")
    print(f"{args.repeats} interleaved repeats. Median time per step; ratios are medians of the")
    print("ratios within a repeat (paired, so drift cancels), to the hand loop doing the same")
    print("work and to the bare hand loop:")
    print(f"  {'':22} {'us/step':>8}   {'same work':>9} ({'which loop':17})  {'bare':>5}")

    def ratio(key, base):
        return statistics.median(v / h for v, h in zip(times[key], times[base], strict=True))

    for key, values in times.items():
        base = baseline.get(key, "hand")
        print(
            f"  {key:22} {statistics.median(values) * 1e6:8.1f}   {ratio(key, base):9.3f} "
            f"({base:17})  {ratio(key, 'hand'):5.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
