"""Train a generated network on a dataset, save the run, and predict with the saved parameters.

``train(module, dataset)`` runs mini-batch gradient descent with nothing but the module's
``init_params``, ``loss_and_grad`` and ``predict`` (plus ``loss`` to evaluate): the SGD update is
exactly the rule the derivation prints, W := W - lr * dC/dW. A seeded run is reproducible to the
bit. A loss that turns NaN or inf stops the run with ``TrainingDiverged`` (a ``DeriveError``)
that carries the last good parameters; Ctrl-C returns what was trained so far, marked
interrupted. ``save_run`` writes params.npz, metrics.json and curves.png; ``register_cli`` adds
the ``train`` and ``predict`` subcommands.
"""

from __future__ import annotations

import io
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from derive.data import INSTALL_DATA, Dataset
from derive.errors import DeriveError
from derive.fileio import write_atomic

DEFAULT_LR = {"sgd": 0.1, "momentum": 0.01, "adam": 0.001}  # one step size does not fit all
DTYPES = {"float32": np.float32, "float64": np.float64}


class TrainingDiverged(DeriveError):
    """The loss became NaN or inf; ``result`` holds the last parameters whose loss was finite."""

    def __init__(self, message, *, where, fix, result, epoch, step):
        super().__init__(message, where=where, fix=fix)
        self.result, self.epoch, self.step = result, epoch, step


@dataclass
class TrainResult:
    """Trained parameters, per-epoch metrics, timing, and how the run ended."""

    params: dict[str, np.ndarray]
    history: dict[str, list]  # train_loss, train_accuracy, test_loss, test_accuracy per epoch
    final: dict[str, float | None]  # the same four, for the returned params on the whole splits
    settings: dict
    network: str
    dataset: Dataset
    epochs_completed: int = 0
    steps: int = 0
    seconds: float = 0.0  # wall time of the whole run, evaluation included
    step_seconds: float = 0.0  # time inside the mini-batch loop only
    interrupted: bool = False
    failure: str | None = None

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.step_seconds if self.step_seconds else 0.0

    def summary(self) -> str:
        s = self.settings
        how = (
            " (interrupted)" if self.interrupted else " (stopped: diverged)" if self.failure else ""
        )
        lines = [
            f"trained {self.network} on {self.dataset.description}",
            f"  {self.epochs_completed}/{s['epochs']} epochs, {self.steps} steps in "
            f"{self.seconds:.2f} s ({self.steps_per_second:.0f} steps/s){how}",
            f"  {s['optimizer']} lr {s['lr']:g}, batch {s['batch_size']}, seed {s['seed']}, "
            f"{s['dtype']}",
        ]
        for split in ("train", "test"):
            loss, acc = self.final[f"{split}_loss"], self.final[f"{split}_accuracy"]
            if loss is not None:
                text = f"  {split + ':':6} loss {loss:.4g}"
                lines.append(text + (f"  accuracy {acc:.2%}" if acc is not None else ""))
        return "\n".join(lines)


# --- optimizers: each writes the new parameters into a second set of arrays ------------------
# Double buffering: the previous parameters stay intact until the new loss is known to be
# finite (they are the "last good" ones), without copying every parameter on every step.


class _SGD:
    def __init__(self, params, lr):
        self.lr = lr

    def step(self, params, grads, out):
        for k, p in params.items():
            np.subtract(p, self.lr * grads[k], out=out[k])  # W := W - lr * dC/dW


class _Momentum(_SGD):
    mu = 0.9

    def __init__(self, params, lr):
        self.lr = lr
        self.v = {k: np.zeros_like(p) for k, p in params.items()}

    def step(self, params, grads, out):
        for k, p in params.items():
            v = self.v[k]
            v *= self.mu
            v += grads[k]
            np.subtract(p, self.lr * v, out=out[k])


class _Adam(_SGD):
    b1, b2, eps = 0.9, 0.999, 1e-8

    def __init__(self, params, lr):
        self.lr, self.t = lr, 0
        self.m = {k: np.zeros_like(p) for k, p in params.items()}
        self.v = {k: np.zeros_like(p) for k, p in params.items()}

    def step(self, params, grads, out):
        self.t += 1
        c1, c2 = 1 - self.b1**self.t, 1 - self.b2**self.t
        for k, p in params.items():
            g, m, v = grads[k], self.m[k], self.v[k]
            m += (1 - self.b1) * (g - m)
            v += (1 - self.b2) * (g * g - v)
            np.subtract(p, (self.lr / c1) * m / (np.sqrt(v / c2) + self.eps), out=out[k])


OPTIMIZERS = {"sgd": _SGD, "momentum": _Momentum, "adam": _Adam}


# --- checks and metrics ----------------------------------------------------------------------


def check_fit(module, dataset: Dataset) -> None:
    """Raise a ``DeriveError`` if the data cannot train this network (before any step runs)."""
    where = f"data {dataset.source!r} for network {module.NAME!r}"
    if dataset.inputs != module.INPUTS:
        raise DeriveError(
            f"the data has {dataset.inputs} features but the network has {module.INPUTS} inputs",
            where=where,
            fix=f"set inputs = {dataset.inputs} in the spec or use other data",
        )
    if dataset.outputs != module.OUTPUTS:
        raise DeriveError(
            f"the data has {dataset.outputs} target rows but the network has "
            f"{module.OUTPUTS} outputs",
            where=where,
            fix=f"set the last layer's units to {dataset.outputs}",
        )
    if module.COST == "cross_entropy" and not (dataset.is_classification and module.OUTPUTS > 1):
        raise DeriveError(
            "cross_entropy needs one-hot class targets and more than one output",
            where=where,
            fix="use classification data, or the squared_error cost",
        )
    if module.COST == "binary_cross_entropy":
        Y = dataset.Y_train
        if Y.size and (Y.min() < 0 or Y.max() > 1):
            raise DeriveError(
                "binary_cross_entropy needs targets between 0 and 1",
                where=where,
                fix="use 0/1 class labels, or the squared_error cost",
            )


def accuracy(predictions: np.ndarray, Y: np.ndarray) -> float:
    """Fraction right: argmax over the outputs, or a 0.5 threshold for a single output."""
    if Y.shape[1] == 0:
        return float("nan")
    if Y.shape[0] == 1:
        return float(np.mean((predictions[0] >= 0.5) == (Y[0] >= 0.5)))
    return float(np.mean(predictions.argmax(axis=0) == Y.argmax(axis=0)))


def _loss(module, params, X, Y) -> float:
    if hasattr(module, "loss"):
        return float(module.loss(params, X, Y))
    return float(module.loss_and_grad(params, X, Y)[0])


def _all_finite(params) -> bool:
    return all(np.isfinite(p).all() for p in params.values())


# --- progress: one tqdm bar per epoch, or one plain line per epoch ---------------------------


class _Progress:
    def __init__(self, enabled: bool, epochs: int):
        self.enabled, self.epochs, self.bar = enabled, epochs, None
        try:
            from tqdm import tqdm
        except ImportError:
            tqdm = None
        self.tqdm = tqdm if enabled else None

    def start(self, epoch, steps):
        if self.tqdm:
            self.bar = self.tqdm(
                total=steps,
                desc=f"epoch {epoch}/{self.epochs}",
                unit="step",
                file=sys.stderr,
                leave=True,
            )

    def step(self, total, seen):
        # tqdm rate-limits its own redraws; update() says when it drew, and only then is the
        # running loss formatted (it shows on the next redraw)
        if self.bar is not None and self.bar.update():
            self.bar.set_postfix_str(f"loss {total / seen:.4g}", refresh=False)

    def end(self, epoch, metrics):
        text = f"loss {metrics['train_loss']:.4g}"
        if metrics["test_loss"] is not None:
            text += f", test loss {metrics['test_loss']:.4g}"
        if metrics["test_accuracy"] is not None:
            text += f", test acc {metrics['test_accuracy']:.2%}"
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=False)  # close() draws it once
            self.bar.close()
            self.bar = None
        elif self.enabled:
            print(f"epoch {epoch}/{self.epochs}: {text}", file=sys.stderr, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


# --- training --------------------------------------------------------------------------------


def _evaluate(module, params, dataset, X, Y, Xt, Yt, train_loss=None, full=True) -> dict:
    """Loss and accuracy on both splits; ``train_loss`` given means the running mean is used.

    ``full=False`` skips the forward passes over the splits (only the running loss is kept).
    """
    classify, has_test = dataset.is_classification, Yt.shape[1] > 0
    metrics = dict.fromkeys(("train_loss", "train_accuracy", "test_loss", "test_accuracy"))
    metrics["train_loss"] = _loss(module, params, X, Y) if train_loss is None else float(train_loss)
    if full:
        if classify:
            metrics["train_accuracy"] = accuracy(module.predict(params, X), Y)
        if has_test:
            metrics["test_loss"] = _loss(module, params, Xt, Yt)
        if classify and has_test:
            metrics["test_accuracy"] = accuracy(module.predict(params, Xt), Yt)
    return metrics


def train(
    module,
    dataset: Dataset,
    *,
    epochs: int = 10,
    lr: float | None = None,
    batch_size: int = 32,
    seed: int = 0,
    optimizer: str = "sgd",
    dtype=np.float64,
    progress: bool = True,
    on_epoch=None,
    evaluate: bool = True,
) -> TrainResult:
    """Train ``module`` on ``dataset`` and return the parameters, metrics and timing.

    ``lr`` defaults to 0.1 for sgd, 0.01 for momentum (0.9), 0.001 for adam. ``on_epoch(epoch,
    metrics)`` is called after each epoch with that epoch's train/test loss and accuracy.
    Each epoch ends with a forward pass over both splits for those metrics (about a fifth of
    an epoch's time on digits); ``evaluate=False`` keeps only the running train loss per epoch.
    """
    check_fit(module, dataset)
    if optimizer not in OPTIMIZERS:
        raise DeriveError(
            f"unknown optimizer {optimizer!r}", fix=f"use one of {', '.join(OPTIMIZERS)}"
        )
    lr = DEFAULT_LR[optimizer] if lr is None else float(lr)
    if not (lr > 0 and math.isfinite(lr)) or batch_size < 1 or epochs < 0:
        raise DeriveError(
            f"need lr > 0, batch size >= 1, epochs >= 0 (got {lr}, {batch_size}, {epochs})",
            fix="e.g. --lr 0.1 --batch-size 32 --epochs 10",
        )
    dtype = np.dtype(dtype)
    settings = {
        "epochs": epochs,
        "lr": lr,
        "batch_size": batch_size,
        "seed": seed,
        "optimizer": optimizer,
        "dtype": dtype.name,
        "evaluate": evaluate,
    }
    # never written to, so the dataset's own arrays serve when the dtype already matches
    X, Y = (a.astype(dtype, copy=False) for a in (dataset.X_train, dataset.Y_train))
    Xt, Yt = (a.astype(dtype, copy=False) for a in (dataset.X_test, dataset.Y_test))
    m = X.shape[1]
    params = {
        k: np.asarray(v, dtype=dtype) for k, v in module.init_params(seed=seed, dtype=dtype).items()
    }
    spare = {k: np.empty_like(v) for k, v in params.items()}
    opt = OPTIMIZERS[optimizer](params, lr)
    loss_and_grad = module.loss_and_grad
    rng = np.random.default_rng(seed)
    history = {"train_loss": [], "train_accuracy": [], "test_loss": [], "test_accuracy": []}
    result = TrainResult(params, history, {}, settings, module.NAME, dataset)
    bar = _Progress(progress, epochs)
    diverged = None  # (epoch, step in epoch, what)
    steps = 0
    start = time.perf_counter()
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(1, epochs + 1):
                t0 = time.perf_counter()
                order = rng.permutation(m)
                # one gather per epoch, so each mini-batch below is a view, not a copy
                Xe, Ye = X[:, order], Y[:, order]
                bar.start(epoch, -(-m // batch_size))
                total, seen = 0.0, 0
                for i in range(0, m, batch_size):
                    loss, grads = loss_and_grad(
                        params, Xe[:, i : i + batch_size], Ye[:, i : i + batch_size]
                    )
                    if not math.isfinite(loss):
                        diverged = (epoch, i // batch_size + 1, f"the loss became {loss}")
                        break
                    opt.step(params, grads, spare)
                    # a swap, not a copy; Ctrl-C on either side of it leaves a consistent set
                    params, spare = spare, params
                    steps += 1
                    n = min(batch_size, m - i)
                    total, seen = total + loss * n, seen + n
                    bar.step(total, seen)
                result.step_seconds += time.perf_counter() - t0
                if diverged is None and not _all_finite(params):
                    # the epoch's last update overflowed: the arrays before it were the good ones
                    params = spare
                    diverged = (epoch, -(-m // batch_size), "the parameters became inf or NaN")
                if diverged:
                    break
                metrics = _evaluate(
                    module, params, dataset, X, Y, Xt, Yt, total / max(seen, 1), evaluate
                )
                for key, value in metrics.items():
                    history[key].append(value)
                result.epochs_completed = epoch
                bar.end(epoch, metrics)
                if on_epoch is not None:
                    on_epoch(epoch, metrics)
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        bar.close()
        result.params, result.steps = params, steps
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result.final = _evaluate(module, result.params, dataset, X, Y, Xt, Yt)
    result.seconds = time.perf_counter() - start
    if diverged:
        epoch, step, what = diverged
        result.failure = f"{what} at epoch {epoch}, step {step} (lr {lr:g})"
        raise TrainingDiverged(
            result.failure,
            where=f"training {module.NAME} on {dataset.source}",
            fix=f"lower the learning rate, e.g. --lr {lr / 10:g}; the last good parameters "
            f"(before that step) were kept",
            result=result,
            epoch=epoch,
            step=step,
        )
    return result


# --- saving and loading ----------------------------------------------------------------------


def _json_value(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def save_run(result: TrainResult, out_dir, *, note=None) -> list[Path]:
    """Write params.npz, metrics.json and curves.png into ``out_dir`` (each atomically)."""
    note = note or (lambda text: print(text, file=sys.stderr))
    out = Path(out_dir)
    buf = io.BytesIO()
    np.savez(buf, **result.params)
    written = [write_atomic(out / "params.npz", buf.getvalue())]
    metrics = {
        "network": result.network,
        "settings": result.settings,
        "data": result.dataset.summary(),
        "history": {k: _json_value(v) for k, v in result.history.items()},
        "final_loss": _json_value(result.final["train_loss"]),
        "train_accuracy": _json_value(result.final["train_accuracy"]),
        "test_loss": _json_value(result.final["test_loss"]),
        "test_accuracy": _json_value(result.final["test_accuracy"]),
        "seconds": round(result.seconds, 4),
        "steps": result.steps,
        "steps_per_second": round(result.steps_per_second, 1),
        "epochs_completed": result.epochs_completed,
        "interrupted": result.interrupted,
        "failure": result.failure,
    }
    written.append(write_atomic(out / "metrics.json", _dumps(metrics) + "\n"))
    png = _curves_png(result)
    if png is None:
        note(f"curves.png skipped: matplotlib is not installed ({INSTALL_DATA})")
    else:
        written.append(write_atomic(out / "curves.png", png))
    return written


def _dumps(value, indent="") -> str:
    """JSON with one key a line, but each list of numbers on one line (mean, std, history)."""
    if not isinstance(value, dict) or not value:
        return json.dumps(value)
    inner = indent + "  "
    items = [f"{inner}{json.dumps(k)}: {_dumps(v, inner)}" for k, v in value.items()]
    return "{\n" + ",\n".join(items) + f"\n{indent}}}"


def _curves_png(result: TrainResult) -> bytes | None:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    h = result.history
    epochs = range(1, len(h["train_loss"]) + 1)
    classify = result.dataset.is_classification
    fig = Figure(figsize=(9 if classify else 5, 3.6))
    FigureCanvasAgg(fig)  # no pyplot: the caller's matplotlib backend stays untouched
    axes = fig.subplots(1, 2 if classify else 1, squeeze=False)[0]
    for ax, key, label in zip(axes, ("loss", "accuracy"), ("loss", "accuracy"), strict=False):
        for split in ("train", "test"):
            values = [np.nan if v is None else v for v in h[f"{split}_{key}"]]
            if values and not all(np.isnan(values)):
                label = (
                    "train (mean over the epoch)" if split == "train" and key == "loss" else split
                )
                ax.plot(epochs, values, marker="." if len(values) < 30 else None, label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend()
    fig.suptitle(f"{result.network} on {result.dataset.source}")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def load_params(module, params_path) -> dict[str, np.ndarray]:
    """The parameters saved in ``params_path``, checked against the module's PARAM_SHAPES."""
    path = Path(params_path)
    if path.is_dir():
        path = path / "params.npz"
    if not path.is_file():
        raise DeriveError(
            f"no file {str(path)!r}",
            where="--params",
            fix="give the params.npz that `derive train --out DIR` wrote",
        )
    with np.load(path, allow_pickle=False) as archive:
        params = {k: archive[k] for k in archive.files}
    expected = {k: tuple(s) for k, s in module.PARAM_SHAPES.items()}
    found = {k: v.shape for k, v in params.items()}
    if found != expected:
        raise DeriveError(
            f"the saved parameters {found} do not fit network {module.NAME!r} {expected}",
            where=str(path),
            fix="retrain with this spec, or predict with the spec they came from",
        )
    return params


def predict_from_file(module, params_path, dataset_or_X) -> np.ndarray:
    """Outputs (outputs, m) for a Dataset's test split, or for standardised features (inputs, m)."""
    params = load_params(module, params_path)
    X = dataset_or_X.X_test if isinstance(dataset_or_X, Dataset) else np.asarray(dataset_or_X)
    if X.ndim != 2 or X.shape[0] != module.INPUTS:
        raise DeriveError(
            f"features of shape {X.shape} do not fit {module.INPUTS} inputs",
            where=f"network {module.NAME!r}",
            fix="pass X as (inputs, m): samples are columns",
        )
    dtype = next(iter(params.values())).dtype
    return module.predict(params, X.astype(dtype, copy=False))


# --- command line ----------------------------------------------------------------------------


def register_cli(subparsers, get_module) -> None:
    """Add ``derive train`` and ``derive predict``; ``get_module(spec_path)`` gives the module."""
    p = subparsers.add_parser(
        "train",
        help="train a network on data and save the run",
        description="Train the network of SPEC by the derived backprop.",
    )
    p.add_argument("spec", metavar="SPEC", help="the network's .toml spec")
    p.add_argument(
        "--data",
        required=True,
        help="digits, csv:PATH, npz:PATH, or a generated task: xor, xor4, moons, circles, spirals",
    )
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate (default 0.1 sgd, 0.01 momentum, 0.001 adam)",
    )
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0, help="seeds the init, shuffles and split")
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd")
    p.add_argument("--out", metavar="DIR", help="write params.npz, metrics.json, curves.png here")
    p.add_argument("--dtype", choices=sorted(DTYPES), default="float64")
    p.add_argument("--test-fraction", type=float, default=0.2)
    p.add_argument("--target", help="target column (name or index) or npz key; default last / y")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=lambda args: _train_command(args, get_module))

    p = subparsers.add_parser(
        "predict",
        help="predict with saved parameters",
        description="Predict with the params.npz a train run saved.",
    )
    p.add_argument("spec", metavar="SPEC", help="the network's .toml spec")
    p.add_argument("--params", required=True, metavar="PATH", help="DIR/params.npz (or DIR)")
    p.add_argument("--data", required=True, help="as for train; the held-out split is used")
    p.add_argument("--limit", type=int, default=10, help="how many samples to show")
    p.set_defaults(func=lambda args: _predict_command(args, get_module))


def _train_command(args, get_module) -> int:
    from derive.data import load_dataset

    module = get_module(args.spec)
    dataset = load_dataset(
        args.data,
        inputs=module.INPUTS,
        outputs=module.OUTPUTS,
        seed=args.seed,
        test_fraction=args.test_fraction,
        target=args.target,
    )
    check_fit(module, dataset)
    options = dict(
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        seed=args.seed,
        optimizer=args.optimizer,
        dtype=DTYPES[args.dtype],
        progress=not args.quiet,
    )
    try:
        result = train(module, dataset, **options)
    except TrainingDiverged as e:
        print(e.result.summary())
        _save(e.result, args.out)
        raise
    print(result.summary())
    _save(result, args.out)
    if result.interrupted:
        print("interrupted: kept the parameters trained so far", file=sys.stderr)
        return 130
    return 0


def _save(result, out) -> None:
    if out is None:
        print("  (not saved: pass --out DIR to keep the parameters and curves)")
        return
    written = save_run(result, out)
    print(f"saved {', '.join(str(p) for p in written)}")


def _predict_command(args, get_module) -> int:
    from derive.data import load_dataset

    module = get_module(args.spec)
    params_path = Path(args.params)
    params_path = params_path / "params.npz" if params_path.is_dir() else params_path
    saved = {}
    metrics_path = params_path.with_name("metrics.json")
    if metrics_path.is_file():  # rebuild the split and scaling the parameters were trained with
        saved = json.loads(metrics_path.read_text(encoding="utf-8")).get("data") or {}
    dataset = load_dataset(
        args.data,
        inputs=module.INPUTS,
        outputs=module.OUTPUTS,
        seed=saved.get("seed", 0),
        test_fraction=saved.get("test_fraction", 0.2),
        target=saved.get("target"),
    )
    if saved.get("mean") and len(saved["mean"]) == dataset.inputs:
        dataset = dataset.with_stats(saved["mean"], saved["std"])
    split, X, Y = ("test", dataset.X_test, dataset.Y_test)
    if X.shape[1] == 0:
        split, X, Y = ("train", dataset.X_train, dataset.Y_train)
    A = predict_from_file(module, params_path, X)
    print(f"{module.NAME} on the {split} split of {dataset.description}")
    classes = dataset.classes
    for j in range(min(args.limit, X.shape[1])):
        if classes is None:
            shown, target = (" ".join(f"{v:.4g}" for v in col) for col in (A[:, j], Y[:, j]))
            print(f"  sample {j:4d}: predicted {shown}   target {target}")
            continue
        if A.shape[0] == 1:
            k, p, t = int(A[0, j] >= 0.5), float(A[0, j]), int(Y[0, j] >= 0.5)
            p = p if k else 1 - p
        else:
            k, p, t = int(A[:, j].argmax()), float(A[:, j].max()), int(Y[:, j].argmax())
        mark = "" if k == t else "   <- wrong"
        print(f"  sample {j:4d}: predicted {classes[k]} (p={p:.2f})  true {classes[t]}{mark}")
    if classes is not None:
        print(f"accuracy on {X.shape[1]} {split} samples: {accuracy(A, Y.astype(A.dtype)):.2%}")
    return 0
