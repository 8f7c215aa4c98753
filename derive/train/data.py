"""Data to train a derived network on: the real 8x8 digits, your CSV or NPZ, or small tasks
generated here, split and standardised, shaped the way the notes write them.

``load_dataset(source, inputs=..., outputs=...)`` returns a ``Dataset`` whose features are
columns (X is (inputs, m)) and whose targets are (outputs, m), one-hot for more than one class.
Standardisation statistics come from the training split only: the test split is held out of
everything but evaluation. A dataset that does not fit the network (features != inputs,
classes != outputs) is a ``DeriveError`` raised here, before any training starts.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from derive.errors import DeriveError

from . import sequences

# the extra by the package's name (a wheel's user has no clone to install from), and a clone's
INSTALL_DATA = 'pip install "derive[data]" (from a clone: pip install -e ".[data]")'


@dataclass
class Dataset:
    """A train/test split: features (inputs, m) standardised with the training statistics."""

    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    mean: np.ndarray  # (inputs, 1), of the raw training features
    std: np.ndarray  # (inputs, 1), 1 where a feature is constant (digits has blank pixels)
    description: str
    source: str
    classes: list | None = None  # class labels in target-row order; None for regression
    seed: int = 0
    test_fraction: float = 0.2
    target: str | None = None
    feature_names: list[str] = field(default_factory=list)

    @property
    def inputs(self) -> int:
        return self.X_train.shape[0]

    @property
    def outputs(self) -> int:
        return self.Y_train.shape[0]

    @property
    def is_classification(self) -> bool:
        return self.classes is not None

    def standardize(self, X_raw: np.ndarray) -> np.ndarray:
        """Raw features (inputs, m) scaled with this dataset's training statistics."""
        return (np.asarray(X_raw, dtype=np.float64) - self.mean) / self.std

    def with_stats(self, mean: np.ndarray, std: np.ndarray) -> Dataset:
        """The same split standardised with other statistics (a saved run's)."""
        mean = np.asarray(mean, dtype=np.float64).reshape(-1, 1)
        std = np.asarray(std, dtype=np.float64).reshape(-1, 1)

        def rescale(X):
            return (X * self.std + self.mean - mean) / std

        return Dataset(
            **{
                **self.__dict__,
                "X_train": rescale(self.X_train),
                "X_test": rescale(self.X_test),
                "mean": mean,
                "std": std,
            }
        )

    def summary(self) -> dict:
        """What metrics.json records about the data, enough to rebuild the same split."""
        return {
            "source": self.source,
            "description": self.description,
            "train_samples": int(self.X_train.shape[1]),
            "test_samples": int(self.X_test.shape[1]),
            "classes": None if self.classes is None else [_plain(c) for c in self.classes],
            "seed": self.seed,
            "test_fraction": self.test_fraction,
            "target": self.target,
            "mean": self.mean.ravel().tolist(),
            "std": self.std.ravel().tolist(),
        }


def _plain(value):
    """A class label as JSON can hold it."""
    return value.item() if isinstance(value, np.generic) else value


# --- generated tasks: 2-D classics and a 4-feature one for the notes' 4-3-1 network ----------


def _xor(rng, n=800, dims=2):
    """Four Gaussian clusters at (+-1, +-1); class 1 where the signs differ; extra dims noise."""
    corners = rng.integers(0, 2, size=(n, 2))
    X = rng.normal(0.0, 0.35, size=(n, dims))
    X[:, :2] += 2.0 * corners - 1.0
    return X, corners[:, 0] ^ corners[:, 1]


def _moons(rng, n=800):
    labels = rng.integers(0, 2, size=n)
    t = rng.uniform(0.0, math.pi, size=n)
    X = np.where(
        labels[:, None] == 0,
        np.stack([np.cos(t), np.sin(t)], axis=1),
        np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1),
    )
    return X + rng.normal(0.0, 0.1, size=X.shape), labels


def _circles(rng, n=800):
    labels = rng.integers(0, 2, size=n)
    t = rng.uniform(0.0, 2 * math.pi, size=n)
    radius = np.where(labels == 0, 1.0, 0.5)
    X = radius[:, None] * np.stack([np.cos(t), np.sin(t)], axis=1)
    return X + rng.normal(0.0, 0.08, size=X.shape), labels


def _spirals(rng, n=900, arms=2):
    labels = rng.integers(0, arms, size=n)
    r = rng.uniform(0.05, 1.0, size=n)
    angle = 3.0 * math.pi * r + 2.0 * math.pi * labels / arms + rng.normal(0.0, 0.15, size=n)
    return np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1), labels


# name: (features, maker(rng, outputs) -> (X (n, features), integer labels), about)
TASKS = {
    "xor": (2, lambda rng, k: _xor(rng), "XOR of two signs, 4 noisy clusters"),
    "xor4": (4, lambda rng, k: _xor(rng, dims=4), "XOR in features 1-2, features 3-4 noise"),
    "moons": (2, lambda rng, k: _moons(rng), "two interleaved half circles"),
    "circles": (2, lambda rng, k: _circles(rng), "a ring around a disc"),
    "spirals": (2, lambda rng, k: _spirals(rng, arms=max(k, 2)), "one spiral arm per class"),
}
# sized by the spec's inputs (sequences.py): name -> what the description says
SEQUENCES = {
    "adding": "T steps of (value, marker), T = inputs / 2: marked sum > 1?",
    "chars": "next character of Python's help texts, T = inputs / 36 one-hot steps",
}


def _task_list() -> str:
    fixed = [f"{name} ({TASKS[name][0]} features)" for name in sorted(TASKS)]
    return ", ".join(fixed + [f"{name} (sized by the spec)" for name in sorted(SEQUENCES)])


# --- files -----------------------------------------------------------------------------------


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _read_csv(path: Path, target: str | None, where: str):
    """Features (m, n) as floats and the target column (m,) as numbers or strings."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        rows = [row for row in csv.reader(f) if row and any(cell.strip() for cell in row)]
    if not rows:
        raise DeriveError("the file is empty", where=where, fix="give a CSV with one sample a row")
    header = None
    if any(_number(cell) is None for cell in rows[0][:-1]) or (
        len(rows) > 1 and _number(rows[0][-1]) is None and _number(rows[1][-1]) is not None
    ):
        header, rows = [cell.strip() for cell in rows[0]], rows[1:]
    width = len(header or rows[0])
    column = _target_column(target, header, width, where)
    features, labels = [], []
    for line, row in enumerate(rows, start=2 if header else 1):
        if len(row) != width:
            raise DeriveError(
                f"line {line} has {len(row)} columns, the first has {width}",
                where=where,
                fix="give every row the same number of columns",
            )
        values = [_number(cell) for i, cell in enumerate(row) if i != column]
        if None in values:
            bad = next(c for i, c in enumerate(row) if i != column and _number(c) is None)
            raise DeriveError(
                f"line {line}: feature {bad!r} is not a number",
                where=where,
                fix="features must be numbers; put a text label in the target column",
            )
        features.append(values)
        labels.append(row[column].strip())
    numeric = [_number(v) for v in labels]
    y = np.array(numeric, dtype=np.float64) if None not in numeric else np.array(labels)
    names = [h for i, h in enumerate(header) if i != column] if header else []
    return np.array(features, dtype=np.float64).reshape(len(rows), width - 1), y, names


def _target_column(target, header, width, where) -> int:
    if target is None:
        return width - 1
    if header and target in header:
        return header.index(target)
    index = _number(target)
    if index is not None and index == int(index) and -width <= int(index) < width:
        return int(index) % width
    names = f"one of {', '.join(header)}" if header else f"a column index 0..{width - 1}"
    raise DeriveError(f"no target column {target!r}", where=where, fix=f"--target {names}")


def _read_npz(path: Path, target: str | None, where: str):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    y_key = target or "y"
    if y_key not in arrays:
        raise DeriveError(
            f"no array {y_key!r} (it has {', '.join(sorted(arrays))})",
            where=where,
            fix="name the targets array with --target KEY",
        )
    rest = [k for k in ("X", "x") if k in arrays] or [k for k in arrays if k != y_key]
    if len(rest) != 1:
        raise DeriveError(
            "cannot tell which array holds the features",
            where=where,
            fix="save the features as 'X' (samples are rows) and the targets as 'y'",
        )
    X = np.asarray(arrays[rest[0]], dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise DeriveError(
            f"features {rest[0]!r} have shape {X.shape}, not (samples, features)",
            where=where,
            fix="flatten each sample to one row",
        )
    return X, arrays[y_key], []


def _load_digits(where: str):
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise DeriveError(
            "the digits data ships with scikit-learn, which is not installed",
            where=where,
            fix=INSTALL_DATA,
        ) from None
    bunch = load_digits()  # 1797 real 8x8 images, read from inside the installed wheel
    return bunch.data.astype(np.float64), bunch.target, [f"pixel{i}" for i in range(64)]


# --- the one entry point ---------------------------------------------------------------------


def load_dataset(
    source: str,
    *,
    inputs: int,
    outputs: int,
    seed: int = 0,
    test_fraction: float = 0.2,
    target: str | None = None,
    one_hot: bool | None = None,
) -> Dataset:
    """Load ``source`` (digits, csv:PATH, npz:PATH or a generated task) for a network with
    ``inputs`` inputs and ``outputs`` outputs, split with ``seed``, standardised on train."""
    where = f"data {source!r}"
    if not 0.0 <= test_fraction < 1.0:
        raise DeriveError(
            f"test fraction {test_fraction} is not in [0, 1)",
            where=where,
            fix="use e.g. --test-fraction 0.2 (0 trains on everything)",
        )
    kind, _, rest = source.partition(":")
    if kind in ("csv", "npz") and rest:
        path = Path(rest).expanduser()
        if not path.is_file():
            raise DeriveError(f"no file {str(path)!r}", where=where, fix="check the path")
        reader = _read_csv if kind == "csv" else _read_npz
        try:
            X, labels, names = reader(path, target, where)
        except (OSError, ValueError) as e:
            raise DeriveError(
                f"cannot read it as {kind}: {e}", where=where, fix=f"give a {kind.upper()} file"
            ) from None
        description = f"{path.name}: {X.shape[0]} samples, {X.shape[1]} features"
    elif source == "digits":
        X, labels, names = _load_digits(where)
        description = "digits: 1797 real 8x8 images of handwritten digits (scikit-learn)"
    elif source in SEQUENCES:
        if source == "chars":
            X, labels = sequences.chars(inputs, outputs, where)
        else:
            X, labels = sequences.adding(np.random.default_rng(seed), inputs, where)
        names = []
        description = f"{source}: {SEQUENCES[source]}, {X.shape[0]} samples"
    elif source in TASKS:
        features, make, about = TASKS[source]
        X, labels = make(np.random.default_rng(seed), outputs)
        names = []
        description = f"{source}: {about}, {X.shape[0]} generated samples (seed {seed})"
    else:
        raise DeriveError(
            "unknown data source",
            where=where,
            fix=f"use digits, csv:PATH, npz:PATH or a generated task: {_task_list()}",
        )

    _check_features(X, inputs, source, where)
    labelled = kind not in ("csv", "npz")  # digits and the tasks are classes, never values
    Y, classes = _targets(np.asarray(labels), outputs, one_hot, labelled, where)
    data = _split(X, Y, classes, seed, test_fraction, description, source, target, names)
    if source == "chars":  # one-hot characters as they are: the same scale at every step
        data = data.with_stats(np.zeros(X.shape[1]), np.ones(X.shape[1]))
    return data


def _check_features(X, inputs, source, where):
    features = X.shape[1]
    if features == inputs:
        return
    if X.shape[0] == inputs:
        fix = "samples must be rows: save the transposed features (X.T)"
    elif source in TASKS:
        fix = (
            f"pick a task with {inputs} features, or set inputs = {features} in the spec "
            f"(tasks: {_task_list()})"
        )
    else:
        fix = f"set inputs = {features} in the spec, or give data with {inputs} features"
    raise DeriveError(
        f"the data has {features} features but the network has {inputs} inputs",
        where=where,
        fix=fix,
    )


def _targets(labels, outputs, one_hot, labelled, where):
    """Targets (outputs, m) and the class labels (None for real-valued targets).

    Labels are classes when the source is labelled (digits, the tasks), when they are text,
    or when they are integers and either there are several outputs or they are all 0 and 1.
    ``one_hot`` True forces one-hot classes; False keeps targets as they are (0/1 or values).
    """
    if labels.ndim == 2 and labels.shape[1] > 1:  # several target columns: used as they are
        if labels.shape[1] != outputs:
            raise DeriveError(
                f"the data has {labels.shape[1]} target columns but the network "
                f"has {outputs} outputs",
                where=where,
                fix=f"set the last layer's units to {labels.shape[1]}",
            )
        return labels.astype(np.float64).T, None
    labels = labels.reshape(-1)
    numeric = labels.dtype.kind in "iufb"
    integral = numeric and bool(np.all(labels == np.round(labels)))
    classes = sorted(np.unique(labels).tolist())
    binary = len(classes) <= 2 and (not numeric or set(classes) <= {0, 1})
    if one_hot is None:
        classify = labelled or not numeric or (integral and (outputs > 1 or binary))
    else:
        classify = one_hot or not numeric or binary
    if not classify:
        if outputs != 1:
            raise DeriveError(
                f"the data has 1 target column of real values but the network has "
                f"{outputs} outputs",
                where=where,
                fix="set the last layer's units to 1",
            )
        return labels.astype(np.float64)[None, :], None
    index = np.searchsorted(np.array(classes), labels)
    if outputs == 1 and len(classes) <= 2 and not one_hot:  # one sigmoid unit: y is 0 or 1
        return index.astype(np.float64)[None, :], classes
    if one_hot is False:
        raise DeriveError(
            f"{len(classes)} classes need one-hot targets", where=where, fix="drop one_hot=False"
        )
    if len(classes) != outputs:
        raise DeriveError(
            f"the data has {len(classes)} classes ({_preview(classes)}) but the network has "
            f"{outputs} outputs",
            where=where,
            fix=f"set the last layer's units to {len(classes)}"
            + (" (or 1 with sigmoid for two classes)" if len(classes) == 2 else ""),
        )
    return np.eye(outputs)[:, index], classes


def _preview(classes) -> str:
    shown = ", ".join(str(_plain(c)) for c in classes[:6])
    return shown + (", ..." if len(classes) > 6 else "")


def _split(X, Y, classes, seed, test_fraction, description, source, target, names) -> Dataset:
    m = X.shape[0]
    order = np.random.default_rng([seed, 1]).permutation(m)  # its own stream: not the task's
    n_test = int(round(m * test_fraction))
    test, train = order[:n_test], order[n_test:]
    X_train = X[train].T
    mean = X_train.mean(axis=1, keepdims=True)
    std = X_train.std(axis=1, keepdims=True)
    std[std == 0] = 1.0
    return Dataset(
        X_train=np.ascontiguousarray((X_train - mean) / std),
        Y_train=np.ascontiguousarray(Y[:, train]),
        X_test=np.ascontiguousarray((X[test].T - mean) / std),
        Y_test=np.ascontiguousarray(Y[:, test]),
        mean=mean,
        std=std,
        description=f"{description}; {len(train)} train / {n_test} test",
        source=source,
        classes=classes,
        seed=seed,
        test_fraction=test_fraction,
        target=target,
        feature_names=names,
    )
