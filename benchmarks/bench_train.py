"""How much does ``derive.train.train`` cost per SGD step over the same loop written by hand?

Runs ``train()`` (sgd, progress off, and progress on into /dev/null) and a hand-written NumPy
loop that does the same work (per-epoch shuffle, mini-batches, W -= lr * dW) on the same module
and data, interleaved so that both see the same machine state, and reports medians of repeats:

    python benchmarks/bench_train.py                      # the hand-written 64-32-10 fixture
    python benchmarks/bench_train.py --module gen/digits.py   # a generated module

Every ``train()`` time is the whole call divided by the number of steps. By default it ends each
epoch with an evaluation (train accuracy, test loss and accuracy) the hand loop does not do;
``evaluate=False`` is the same work as the hand loop, so its ratio is the per-step overhead.
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

from derive.data import load_dataset  # noqa: E402
from derive.train import train  # noqa: E402


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
    """The loop anyone would write: what train() has to match."""
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
        from derive.data import Dataset

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

    # same result first: the benchmark compares equal work
    a = train(module, data, dtype=dtype, progress=False, **kw).params
    b = hand_loop(module, X, Y, **kw)
    assert all(np.array_equal(a[k], b[k]) for k in a), "train() and the hand loop disagree"

    variants = {
        "hand": lambda: hand_loop(module, X, Y, **kw),
        "train": lambda: train(module, data, dtype=dtype, progress=False, **kw),
        "train evaluate=False": lambda: train(
            module, data, dtype=dtype, progress=False, evaluate=False, **kw
        ),
        "train + progress": lambda: train(module, data, dtype=dtype, progress=True, **kw),
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
    print(f"{args.repeats} interleaved repeats; median time per step, and median of the ratios")
    print("to the hand loop of the same repeat (paired, so machine drift cancels):")
    for key, values in times.items():
        ratios = [v / h for v, h in zip(values, times["hand"], strict=True)]
        print(
            f"  {key:22} {statistics.median(values) * 1e6:8.1f} us/step"
            f"   ratio {statistics.median(ratios):.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
