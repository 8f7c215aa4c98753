"""A finished training run: save it (params.npz, metrics.json, curves.png), load its
parameters back, predict with them; and the ``derive train`` / ``derive predict`` commands.
"""

from __future__ import annotations

import io
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from derive.data import INSTALL_DATA, Dataset
from derive.errors import DeriveError
from derive.fileio import write_atomic
from derive.optim import OPTIMIZERS

if TYPE_CHECKING:
    from derive.train import TrainResult

DTYPES = {"float32": np.float32, "float64": np.float64}


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
    for ax, key in zip(axes, ("loss", "accuracy"), strict=False):
        for split in ("train", "test"):
            values = [np.nan if v is None else v for v in h[f"{split}_{key}"]]
            if values and not all(np.isnan(values)):
                line = (
                    "train (mean over the epoch)" if split == "train" and key == "loss" else split
                )
                ax.plot(epochs, values, marker="." if len(values) < 30 else None, label=line)
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
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
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--train-accuracy",
        action="store_true",
        help="also measure the train accuracy after each epoch (a forward pass over the "
        "training split; by default only the held-out split is evaluated each epoch)",
    )
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
    from derive.train import TrainingDiverged, check_fit, train

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
        train_accuracy=args.train_accuracy,
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
    from derive.train import accuracy

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
