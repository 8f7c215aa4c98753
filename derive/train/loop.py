"""Train a generated network on a dataset: mini-batch gradient descent with the module's own
``loss_and_grad``.

``train(module, dataset)`` uses nothing but the module's ``init_params``, ``loss_and_grad``,
``loss`` and ``predict``: the SGD update is exactly the rule the derivation prints,
W := W - lr * dC/dW (momentum and adam live in ``derive.train.optim``). A seeded run is reproducible
to the bit. A loss that turns NaN or inf stops the run with ``TrainingDiverged`` (a
``DeriveError``) that carries the last good parameters; Ctrl-C returns what was trained so far,
marked interrupted.

The module may be a torch or JAX one (``derive.train.backends.framework_module``): the loop
reaches its arrays only through the module's ``ops`` (NumPy's functions for a NumPy module),
so the data and the parameters stay on the device and the returned parameters are NumPy's.

Per epoch the run records the train loss as the mean of that epoch's mini-batch losses (which
``loss_and_grad`` returns anyway, so it is free) and one evaluation of the held-out split (its
loss and accuracy); a forward pass over the whole training split each epoch, for its accuracy,
only with ``train_accuracy=True``. At the end, both splits are evaluated once with the final
parameters. Saving and loading are in ``derive.train.runs``, the ``train``/``predict`` commands in
``derive.train.commands``.
"""

from __future__ import annotations

import contextlib
import functools
import math
import sys
import time
from dataclasses import dataclass

import numpy as np

from derive.errors import DeriveError

from .backends import ops_of
from .data import Dataset
from .optim import DEFAULT_LR, OPTIMIZERS
from .progress import Progress

METRICS = ("train_loss", "train_accuracy", "test_loss", "test_accuracy")
_OVERFLOW = "the parameters became inf or NaN"


class TrainingDiverged(DeriveError):
    """The loss became NaN or inf; ``result`` holds the last parameters whose loss was finite."""

    def __init__(self, message, *, where, fix, result, epoch, step):
        super().__init__(message, where=where, fix=fix)
        self.result, self.epoch, self.step = result, epoch, step


@dataclass
class TrainResult:
    """Trained parameters, per-epoch metrics, timing, and how the run ended."""

    params: dict[str, np.ndarray]
    # per epoch: train_loss (the mean of the epoch's mini-batch losses), test_loss and
    # test_accuracy (the held-out split after the epoch), train_accuracy (None unless asked for)
    history: dict[str, list]
    final: dict[str, float | None]  # the same four for the returned params, on the whole splits
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
    # one-hot targets, or one-hot at every step (--data chars: 0/1 blocks, one per step)
    zero_one = dataset.Y_train.size and set(np.unique(dataset.Y_train)) <= {0.0, 1.0}
    if module.COST == "cross_entropy" and not (
        (dataset.is_classification or zero_one) and module.OUTPUTS > 1
    ):
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


def batches(m: int, batch_size: int) -> list[tuple[int, int]]:
    """The mini-batches of m shuffled samples as (first, end) columns; the last may be short."""
    return [(i, min(i + batch_size, m)) for i in range(0, m, batch_size)]


def accuracy(predictions: np.ndarray, Y: np.ndarray) -> float:
    """Fraction right: argmax over the outputs, or a 0.5 threshold for a single output."""
    if Y.shape[1] == 0:
        return float("nan")
    if Y.shape[0] == 1:
        return float(np.mean((predictions[0] >= 0.5) == (Y[0] >= 0.5)))
    return float(np.mean(predictions.argmax(axis=0) == Y.argmax(axis=0)))


@functools.lru_cache(maxsize=1)
def _blas_controller(_modules: int):
    # cached per count of imported modules: an import may load another BLAS (scipy brings its
    # own OpenBLAS), which a controller made before it would not limit
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def _one_blas_thread():
    """A context in which BLAS uses one thread (a no-op without threadpoolctl).

    Evaluation runs inside it. A forward pass over a whole split is often the first matrix
    product of the run large enough for OpenBLAS to split over threads, and at these sizes
    waking the threads costs more than they save: on a shared two-core machine it cost about
    20 ms a call, which made digits' runs 3-5 times as long as their steps alone. The steps are
    left as they are (the same as a hand-written loop's).
    """
    controller = _blas_controller(len(sys.modules))
    if controller is None:
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


def _loss(module, params, X, Y) -> float:
    if hasattr(module, "inference_loss"):  # batch norm: scored with its running statistics
        return float(module.inference_loss(params, X, Y))
    if hasattr(module, "loss"):
        return float(module.loss(params, X, Y))
    return float(module.loss_and_grad(params, X, Y)[0])


def _split_metrics(module, params, X, Y, classify, Y_host=None):
    """Loss and (for classification) accuracy on one split; None for an empty split. ``X``,
    ``Y`` are the module's arrays; ``Y_host`` the NumPy targets, when those differ."""
    if X.shape[1] == 0:
        return None, None
    loss = _loss(module, params, X, Y)
    Y = Y if Y_host is None else Y_host
    return loss, accuracy(module.predict(params, X), Y) if classify else None


# --- training --------------------------------------------------------------------------------


def _step_functions(module, seed: int, opt_step, put):
    """The step functions the loop calls: the module's fused step when it has one (the same
    numbers as its readable ``loss_and_grad``/``training_step``, computed into arrays it keeps
    between calls, so a step allocates no arrays; the gradients it returns are overwritten by
    the next step, after the optimizer has used them), else the readable functions (a module
    generated before the fused step existed, or one written by hand).

    Dropout: each step draws fresh masks from a generator of its own, seeded from the run's
    seed (a second stream, so the shuffles are those of the same run without dropout), so a
    seeded run is reproducible. Batch norm: each step also updates the running mean and
    variance (``training_step``), which are kept in the params dict beside the parameters and
    carried into the new set of arrays after the update, so ``predict`` and params.npz have
    them."""
    masks, running = getattr(module, "MASKS", None), getattr(module, "RUNNING_SHAPES", None)
    if not masks and not running:
        return getattr(module, "fused_loss_and_grad", module.loss_and_grad), opt_step
    training_step = getattr(module, "fused_training_step", module.training_step)
    extra = (np.random.default_rng([seed, 1]),) if masks else ()
    pending: dict[str, np.ndarray] = {}

    def step_loss_and_grad(params, X, Y):
        loss, grads, stats = training_step(params, X, Y, *extra)
        pending.update(stats)
        return loss, grads

    def step(params, grads, out):
        opt_step(params, grads, out)
        for key, value in pending.items():
            put(out, key, value)

    return step_loss_and_grad, step


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
    train_accuracy: bool = False,
    resume=None,
    checkpoint=None,
) -> TrainResult:
    """Train ``module`` on ``dataset`` and return the parameters, metrics and timing.

    ``lr`` defaults to 0.1 for sgd, 0.01 for momentum (0.9), 0.001 for adam. After each epoch
    the held-out split is evaluated (its loss and accuracy; ``evaluate=False`` skips this) and
    ``on_epoch(epoch, metrics)`` is called with the four metrics of ``TrainResult.history``.
    ``train_accuracy=True`` adds a forward pass over the whole training split each epoch.
    ``resume`` and ``checkpoint`` (``derive.train.checkpoint``) continue a saved run exactly and
    save one (each epoch, every N steps, and at a stop asked for by a signal).
    """
    settings = _settings(module, dataset, epochs=epochs, lr=lr, batch_size=batch_size,
                         seed=seed, optimizer=optimizer, dtype=dtype, evaluate=evaluate,
                         train_accuracy=train_accuracy)  # fmt: skip
    run = _Run(module, dataset, settings, np.dtype(dtype))
    run.start(resume, checkpoint, progress)
    start = time.perf_counter()
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            run.epochs(on_epoch)
    except KeyboardInterrupt:
        run.result.interrupted = True
    finally:
        run.close()
    run.evaluate_final()
    run.result.seconds = time.perf_counter() - start
    if run.diverged:
        raise run.diverged_error()
    return run.result


def _settings(module, dataset, *, epochs, lr, batch_size, seed, optimizer, dtype, evaluate,
              train_accuracy) -> dict:  # fmt: skip
    """``train()``'s options checked (a ``DeriveError`` before any step runs), as the run
    records them (``TrainResult.settings``, metrics.json)."""
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
    settings = {
        "epochs": epochs,
        "lr": lr,
        "batch_size": batch_size,
        "seed": seed,
        "optimizer": optimizer,
        "dtype": np.dtype(dtype).name,
        "evaluate": evaluate,
        "train_accuracy": train_accuracy,
    }
    ops = ops_of(module)
    if ops.name != "numpy":
        settings["backend"], settings["device"] = ops.name, ops.device_name
    return settings


class _Run:
    """One ``train()`` run's state, which its phases share: the data on the device, the
    parameters with their spare set (the optimizer writes the new ones into it, then the two
    swap), the optimizer, the generator, the steps so far, and how the run ended."""

    def __init__(self, module, dataset: Dataset, settings: dict, dtype: np.dtype):
        self.module, self.dataset, self.settings = module, dataset, settings
        seed, batch_size = settings["seed"], settings["batch_size"]
        ops = self.ops = ops_of(module)
        # never written to, so the dataset's own arrays serve when the dtype already matches
        Xh, Yh = (a.astype(dtype, copy=False) for a in (dataset.X_train, dataset.Y_train))
        Xth, Yth = (a.astype(dtype, copy=False) for a in (dataset.X_test, dataset.Y_test))
        # on the device, once; the NumPy targets stay for accuracy()
        self.X, self.Y, self.Xt, self.Yt = (ops.asarray(a) for a in (Xh, Yh, Xth, Yth))
        self.Yh, self.Yth = Yh, Yth
        self.classify = dataset.is_classification
        m = self.m = self.X.shape[1]
        self.batches = batches(m, batch_size)
        self.batch_size = batch_size
        self.params = {
            k: ops.asarray(v, dtype=dtype)
            for k, v in module.init_params(seed=seed, dtype=dtype).items()
        }
        self.spare = {k: ops.empty_like(v) for k, v in self.params.items()}
        self.opt = OPTIMIZERS[settings["optimizer"]](self.params, settings["lr"], ops)
        self.loss_and_grad, self.opt_step = _step_functions(module, seed, self.opt.step, ops.put)
        self.all_finite, self.to_numpy = ops.all_finite, ops.to_numpy
        self.rng = np.random.default_rng(seed)
        history = {key: [] for key in METRICS}
        self.result = TrainResult(self.params, history, {}, settings, module.NAME, dataset)
        self.steps = 0
        self.diverged = None  # (epoch, step in epoch, what)
        # (steps, params, test metrics) of the last evaluation of the test split
        self.evaluated = None

    def start(self, resume, checkpoint, progress: bool) -> None:
        """Where the run begins: epoch 1, or where ``resume`` left off (parameters, optimizer,
        generator and history as they were saved); then the checkpoints and the progress bar."""
        self.first_epoch, self.first_batch, self.carried = 1, 0, 0.0
        if resume is not None:
            self.first_epoch, self.first_batch, self.steps, self.carried = resume.restore(
                self.params, self.opt, self.rng, self.result.history, self.ops
            )
            self.result.epochs_completed = self.first_epoch - 1
        self.checkpoint = checkpoint
        if checkpoint is not None:
            checkpoint.attach(self.result, self.opt, self.rng, self.to_numpy)
        self.bar = Progress(progress, self.settings["epochs"], len(self.batches))
        self.tick = self.bar.step if self.bar.bar is not None else None

    def epochs(self, on_epoch) -> None:
        """The epochs left to run, each ended by ``_end_epoch``; stops at a divergence."""
        ops, rng, checkpoint, m = self.ops, self.rng, self.checkpoint, self.m
        for epoch in range(self.first_epoch, self.settings["epochs"] + 1):
            t0 = time.perf_counter()
            if checkpoint is not None:
                checkpoint.epoch_start(epoch)  # the generator as it is before the shuffle
            order = rng.permutation(m)
            # one gather per epoch, so each mini-batch is a view, not a copy
            Xe, Ye = ops.columns(self.X, order), ops.columns(self.Y, order)
            first = epoch == self.first_epoch  # resumed mid-epoch: its done batches skipped
            skip, total = (self.first_batch, self.carried) if first else (0, 0.0)
            total = self._steps(epoch, Xe, Ye, skip, total)
            self.result.step_seconds += time.perf_counter() - t0
            if self.diverged is None and not self.all_finite(self.params):
                # the epoch's last update overflowed: the arrays before it were the good ones
                self.params, self.steps = self.spare, self.steps - 1
                self.diverged = (epoch, len(self.batches), _OVERFLOW)
            if self.diverged:
                return
            self._end_epoch(epoch, total, on_epoch)

    def _steps(self, epoch: int, Xe, Ye, skip: int, total: float) -> float:
        """The epoch's mini-batch steps from batch ``skip`` on; ``total`` is the running sum of
        the epoch's losses times batch sizes, returned. A non-finite loss stops the steps and
        sets ``diverged``."""
        # the names a step uses, bound once an epoch, so that a step looks up no attributes
        loss_and_grad, opt_step, isfinite = self.loss_and_grad, self.opt_step, math.isfinite
        all_finite, tick, checkpoint = self.all_finite, self.tick, self.checkpoint
        batches, batch_size = self.batches, self.batch_size
        params, spare, steps = self.params, self.spare, self.steps
        try:
            for i, j in batches[skip:] if skip else batches:
                loss, grads = loss_and_grad(params, Xe[:, i:j], Ye[:, i:j])
                if not isfinite(loss):
                    if i and not all_finite(params):
                        # the previous update overflowed: keep the arrays from before it
                        params, steps = spare, steps - 1
                        self.diverged = (epoch, i // batch_size, _OVERFLOW)
                    else:
                        self.diverged = (epoch, i // batch_size + 1, f"the loss became {loss}")
                    break
                opt_step(params, grads, spare)
                # a swap, not a copy; Ctrl-C on either side of it leaves a consistent set
                params, spare = spare, params
                steps += 1
                total += loss * (j - i)
                if tick is not None:
                    tick(total, j)
                if checkpoint is not None:  # saves, and stops here when a signal asked
                    checkpoint.step(epoch, i // batch_size + 1, params, steps, total)
        finally:
            # also when Ctrl-C (or a checkpoint's stop) ends the steps: the run keeps the
            # parameters and step count it had when that landed
            self.params, self.spare, self.steps = params, spare, steps
        return total

    def _end_epoch(self, epoch: int, total: float, on_epoch) -> None:
        """The finished epoch's metrics, recorded in the history, shown, checkpointed and
        passed to ``on_epoch``."""
        module, params, classify, steps = self.module, self.params, self.classify, self.steps
        metrics = dict.fromkeys(METRICS)
        metrics["train_loss"] = total / max(self.m, 1)
        with _one_blas_thread():
            if self.settings["train_accuracy"] and classify:
                metrics["train_accuracy"] = accuracy(module.predict(params, self.X), self.Yh)
            if self.settings["evaluate"]:
                test = _split_metrics(module, params, self.Xt, self.Yt, classify, self.Yth)
                metrics["test_loss"], metrics["test_accuracy"] = test
                self.evaluated = (steps, params, test)
        for key, value in metrics.items():
            self.result.history[key].append(value)
        self.result.epochs_completed = epoch
        self.bar.end(epoch, metrics)
        if self.checkpoint is not None:
            self.checkpoint.epoch_end(epoch, params, steps)
        if on_epoch is not None:
            on_epoch(epoch, metrics)

    def close(self) -> None:
        """The bar closed and the parameters and step count put in the result, however the
        epochs ended (also at Ctrl-C or a divergence)."""
        self.bar.close()
        # the parameters come back to NumPy (saved, predicted with), the device's stay for the
        # final evaluation
        params = self.params
        if self.ops.name != "numpy":
            params = {k: self.to_numpy(v) for k, v in params.items()}
        self.result.params, self.result.steps = params, self.steps

    def evaluate_final(self) -> None:
        """Both splits evaluated once with the parameters the run ends with."""
        module, params, classify = self.module, self.params, self.classify
        final = dict.fromkeys(METRICS)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"), _one_blas_thread():
            train_metrics = _split_metrics(module, params, self.X, self.Y, classify, self.Yh)
            final["train_loss"], final["train_accuracy"] = train_metrics
            evaluated = self.evaluated
            if evaluated is not None and evaluated[0] == self.steps and evaluated[1] is params:
                test = evaluated[2]  # the last epoch's evaluation was of these very parameters
            else:
                test = _split_metrics(module, params, self.Xt, self.Yt, classify, self.Yth)
            final["test_loss"], final["test_accuracy"] = test
        self.result.final = final

    def diverged_error(self) -> TrainingDiverged:
        """The ``TrainingDiverged`` to raise, its message also the result's ``failure``."""
        epoch, step, what = self.diverged
        lr = self.settings["lr"]
        self.result.failure = f"{what} at epoch {epoch}, step {step} (lr {lr:g})"
        return TrainingDiverged(
            self.result.failure,
            where=f"training {self.module.NAME} on {self.dataset.source}",
            fix=f"lower the learning rate, e.g. --lr {lr / 10:g}; the last good parameters "
            f"(before that step) were kept",
            result=self.result,
            epoch=epoch,
            step=step,
        )
