"""A finished training run: save it (params.npz, metrics.json, curves.png), load its
parameters back, predict with them. The ``derive train`` / ``derive predict`` commands that use
these are in ``derive.train.commands``.
"""

from __future__ import annotations

import io
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from derive.errors import DeriveError
from derive.fileio import write_atomic

from .data import INSTALL_DATA, Dataset

if TYPE_CHECKING:
    from .loop import TrainResult

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
    shapes = {**module.PARAM_SHAPES, **getattr(module, "RUNNING_SHAPES", {})}
    expected = {k: tuple(s) for k, s in shapes.items()}
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
