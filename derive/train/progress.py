"""What a training run shows while it runs: one progress bar for the whole run, and a line per
epoch at most once a second.

The bar (tqdm, when installed) counts steps over all epochs; its text names the epoch, the
running mean of this epoch's mini-batch losses and the last epoch's test metrics. tqdm redraws
it at most every ``REDRAW`` seconds, and the loss is formatted only when it did redraw, so a
step costs a counter increment. An epoch's line (its train loss and test metrics) is written
above the bar when at least ``LINE_EVERY`` seconds passed since the last such line, and always
for the last epoch: a run of long epochs logs every epoch; digits, at 250 epochs a second,
logs only its end instead of scrolling 30 lines past. Without tqdm the lines alone are printed.
Everything goes to stderr; stdout is kept for the summary.
"""

from __future__ import annotations

import sys
import time

REDRAW = 0.25  # seconds between redraws of the bar
LINE_EVERY = 1.0  # seconds between epoch lines


def epoch_text(metrics: dict) -> str:
    """``loss 0.1234, test loss 0.2, test acc 97.50%`` for an epoch's metrics."""
    text = f"loss {metrics['train_loss']:.4g}"
    if metrics.get("train_accuracy") is not None:
        text += f", train acc {metrics['train_accuracy']:.2%}"
    if metrics.get("test_loss") is not None:
        text += f", test loss {metrics['test_loss']:.4g}"
    if metrics.get("test_accuracy") is not None:
        text += f", test acc {metrics['test_accuracy']:.2%}"
    return text


class Progress:
    """``step(total, seen)`` after each mini-batch, ``end(epoch, metrics)`` after each epoch,
    ``close()`` once at the end (also after Ctrl-C or a divergence)."""

    def __init__(self, enabled: bool, epochs: int, steps_per_epoch: int):
        self.enabled, self.epochs = enabled, epochs
        self.bar, self.last_epoch = None, ""
        self.last_line = time.perf_counter()
        if not enabled:
            return
        try:
            from tqdm import tqdm
        except ImportError:
            return
        self.bar = tqdm(
            total=epochs * steps_per_epoch,
            desc=f"epoch 1/{epochs}",
            unit="step",
            file=sys.stderr,
            mininterval=REDRAW,
            leave=True,
        )

    def step(self, total: float, seen: int) -> None:
        # update() says when it redrew; only then is the running loss formatted, and it shows
        # on the next redraw
        if self.bar is not None and self.bar.update():
            loss = f"loss {total / seen:.4g}" if seen else ""
            self.bar.set_postfix_str(loss + self.last_epoch, refresh=False)

    def end(self, epoch: int, metrics: dict) -> None:
        if not self.enabled:
            return
        text = epoch_text(metrics)
        now = time.perf_counter()
        if epoch == self.epochs or now - self.last_line >= LINE_EVERY:
            self.last_line = now
            line = f"epoch {epoch}/{self.epochs}: {text}"
            if self.bar is None:
                print(line, file=sys.stderr, flush=True)
            elif epoch < self.epochs:  # the last epoch's text stays on the closed bar
                self.bar.write(line, file=sys.stderr)
        if self.bar is not None:
            self.last_epoch = f" | epoch {epoch}: {text}"
            if epoch < self.epochs:
                self.bar.set_description_str(f"epoch {epoch + 1}/{self.epochs}", refresh=False)
            shown = text if epoch == self.epochs else self.last_epoch[3:]
            self.bar.set_postfix_str(shown, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()  # draws the bar once more, as it ends
            self.bar = None
