"""Checkpoints of a training run, so an interrupted run loses nothing and continues exactly.

``derive train --out DIR`` saves ``DIR/checkpoint.npz`` (atomically) after every epoch, every N
steps with ``--checkpoint-every N``, and when SIGINT (Ctrl-C) or SIGTERM asks the run to stop.
A signal does not stop the run where it lands: it is noted, the step in progress finishes, the
checkpoint is written at that step boundary and the run ends as interrupted. So the checkpoint
is always a consistent state: the parameters, the optimizer's state (momentum's velocity,
adam's moments and step count), the epoch in progress and how many of its mini-batches are done,
the random generator's state before that epoch's shuffle (the resumed run shuffles the same
order and skips the done batches), the running sum of the epoch's losses, the history of the
finished epochs and the settings. A second Ctrl-C stops at once and keeps the last checkpoint.

``derive train ... --resume DIR`` (the same command, ``--epochs`` may grow) restores all of it,
and the run continues bit for bit as if it had never stopped (same seed, same data).
"""

from __future__ import annotations

import contextlib
import io
import json
import signal
from pathlib import Path

import numpy as np

from derive.errors import DeriveError
from derive.fileio import write_atomic

FILE = "checkpoint.npz"
FORMAT = 1


def _all_finite(params) -> bool:
    return all(np.isfinite(p).all() for p in params.values())


class Checkpointer:
    """Saves checkpoints into ``out_dir`` for ``derive.train.loop.train(checkpoint=...)``.

    ``identity`` is what a resumed run must share with this one (network, data, settings but
    the number of epochs); ``every`` > 0 adds a checkpoint every that many steps."""

    def __init__(self, out_dir, identity: dict, *, every: int = 0):
        self.path = Path(out_dir) / FILE
        self.identity, self.every = identity, every
        self.requested: str | None = None  # the signal that asked the run to stop
        self.saved: tuple[int, int] | None = None  # (epoch, batches done) of the last save
        self._epoch_rng = None

    # called by the training loop
    def attach(self, result, opt, rng) -> None:
        self.result, self.opt, self.rng = result, opt, rng

    def epoch_start(self, epoch: int) -> None:
        self._epoch_rng = self.rng.bit_generator.state

    def step(self, epoch: int, batch: int, params, steps: int, total: float) -> None:
        if self.requested or (self.every and steps % self.every == 0):
            self._save(epoch, batch, params, steps, total, self._epoch_rng)
        if self.requested:
            raise KeyboardInterrupt  # at a step boundary: the loop keeps what it has

    def epoch_end(self, epoch: int, params, steps: int) -> None:
        # the next epoch, none of its batches done; the generator is as that epoch will find it
        self._save(epoch + 1, 0, params, steps, 0.0, self.rng.bit_generator.state)

    def _save(self, epoch, batch, params, steps, total, rng_state) -> None:
        if not _all_finite(params):
            return  # an overflowing update the loop will undo: keep the previous checkpoint
        arrays = {f"param.{k}": v for k, v in params.items()}
        scalars = {}
        for attr, value in vars(self.opt).items():
            if isinstance(value, dict):
                arrays |= {f"opt.{attr}.{k}": v for k, v in value.items()}
            else:
                scalars[attr] = value
        state = {
            "format": FORMAT,
            "identity": self.identity,
            "epoch": epoch,
            "batch": batch,
            "steps": steps,
            "total": total,
            "rng": rng_state,
            "optimizer": scalars,
            "history": self.result.history,
        }
        buf = io.BytesIO()
        np.savez(buf, state=np.array(json.dumps(state)), **arrays)
        write_atomic(self.path, buf.getvalue())
        self.saved = (epoch, batch)


class Resume:
    """A saved checkpoint, for ``derive.train.loop.train(resume=...)``."""

    def __init__(self, path: Path, state: dict, arrays: dict):
        self.path, self.state, self.arrays = path, state, arrays

    @classmethod
    def load(cls, run_dir) -> Resume:
        path = Path(run_dir)
        path = path / FILE if path.is_dir() or not path.suffix else path
        if not path.is_file():
            raise DeriveError(
                "no checkpoint to resume from",
                where=str(path),
                fix="give the --out DIR of a `derive train` run (it saves DIR/checkpoint.npz)",
            )
        try:
            with np.load(path, allow_pickle=False) as archive:
                arrays = {k: archive[k] for k in archive.files}
            state = json.loads(str(arrays.pop("state")))
        except (OSError, ValueError, KeyError) as e:
            raise DeriveError(
                f"not a derive checkpoint ({e})",
                where=str(path),
                fix="train again without --resume",
            ) from None
        if state.get("format") != FORMAT:
            raise DeriveError("a checkpoint of another derive version", where=str(path),
                              fix="train again without --resume")  # fmt: skip
        return cls(path, state, arrays)

    def check(self, identity: dict) -> None:
        """A ``DeriveError`` naming the first option the resumed run changed."""
        saved = self.state["identity"]
        for key in [*saved, *(k for k in identity if k not in saved)]:
            if saved.get(key) != identity.get(key):
                raise DeriveError(
                    f"the run was started with {key} {saved.get(key)!r}, this one has "
                    f"{identity.get(key)!r}",
                    where=str(self.path),
                    fix="resume with the command that started the run (only --epochs may change)",
                )

    @property
    def epoch(self) -> int:
        return self.state["epoch"]

    @property
    def batch(self) -> int:
        return self.state["batch"]

    def restore(self, params, opt, rng, history):
        """Put the saved state into the loop's own objects; returns (epoch, batches done of
        it, steps, the epoch's running loss sum)."""
        a = self.arrays
        for k, p in params.items():
            saved = a.get(f"param.{k}")
            if saved is None or saved.shape != p.shape or saved.dtype != p.dtype:
                raise DeriveError(
                    f"the checkpoint's {k} does not fit the network",
                    where=str(self.path),
                    fix="train again without --resume",
                )
            np.copyto(p, saved)
        for attr, value in vars(opt).items():
            if isinstance(value, dict):
                for k, v in value.items():
                    np.copyto(v, a[f"opt.{attr}.{k}"])
        for attr, value in self.state["optimizer"].items():
            setattr(opt, attr, value)
        rng.bit_generator.state = self.state["rng"]
        for key, values in self.state["history"].items():
            history[key][:] = values
        s = self.state
        return s["epoch"], s["batch"], s["steps"], s["total"]


@contextlib.contextmanager
def stop_on_signals(checkpointer: Checkpointer):
    """While inside, SIGINT and SIGTERM ask ``checkpointer`` to save and stop at the next step
    boundary; a second SIGINT stops at once. Outside the main thread, nothing changes."""

    def ask(signum, frame):
        if checkpointer.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt  # asked twice: stop now, the last checkpoint stays
        checkpointer.requested = signal.Signals(signum).name

    previous = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, ask)
    except ValueError:  # not the main thread: signals are not ours to handle
        pass
    try:
        yield checkpointer
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
