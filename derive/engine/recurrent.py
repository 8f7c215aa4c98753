"""A recurrent layer, unrolled: ``kind = "rnn"`` in ``[[layers]]``.

Its input (x, or the layer before) holds T steps of d rows each: rows t*d ... (t+1)*d are x_t.
With h_0 = 0 the layer computes, for t = 1 ... T,

    z{k}_t = Wxk @ x_t + Whk @ h{k}_{t-1} + bk,    h{k}_t = act(z{k}_t),

and its output Ak is h{k}_T. The unrolling is made of the ordinary nodes (the row block x_t is a
``Rows`` node), with the same Wxk, Whk and bk in every step: the chain rule sums the paths of a
weight used several times, which is backpropagation through time. ``bptt`` recognises the
steps of a derivation that belong to one recurrent layer, so that the printers show the
recursion once and each weight's gradient as a sum over time.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.errors import DeriveError

from .conv import Built, Stage, _count, _only
from .ir import MatMul, Rows, ew


@dataclass
class Recurrence:
    """What the printers need to show layer k's backpropagation through time."""

    k: int
    steps: int
    act: str
    x: str  # the layer's input

    def z(self, t: int) -> str:
        return f"z{self.k}_{t}"

    def h(self, t: int) -> str:
        return f"A{self.k}" if t == self.steps else f"h{self.k}_{t}"


def rnn_layer(k, layer, prev, units, image, where, check_activation) -> Stage:
    """The unrolled recurrence; see the module docstring."""
    key = f"{where}: layers[{k - 1}]"
    _only(layer, {"units", "steps", "activation"}, key)
    if image is not None:
        raise DeriveError(
            "an rnn layer reads a vector of T*d rows, but its input is an image",
            where=f"{key}.kind",
            fix="put a dense layer between them, or give inputs as a number of rows",
        )  # fmt: skip
    n = _count(layer, "units", key, None, 1)
    steps = _count(layer, "steps", key, None, 2)
    if units % steps:
        fits = ", ".join(str(s) for s in range(2, min(units, 64) + 1) if not units % s)
        raise DeriveError(
            f"steps = {steps} does not divide the {units} input rows", where=f"{key}.steps",
            fix="steps must divide the input's rows (T*d rows: d per step), "
            + (f"here one of {fits}" if fits else f"here no T >= 2 divides {units}"),
        )  # fmt: skip
    act = check_activation(layer.get("activation", "tanh"), f"{key}.activation")
    d = units // steps
    Wx, Wh, b = f"Wx{k}", f"Wh{k}", f"b{k}"
    rec = Recurrence(k, steps, act, prev)
    equations: dict[str, str | Built] = {}
    for t in range(1, steps + 1):
        rows = (t - 1) * d, t * d

        def make(known, rows=rows, t=t):
            x_t = MatMul(known[Wx], Rows(known[prev], *rows))
            if t == 1:  # h_0 = 0
                return ew(lambda p, q: p + q, [x_t, known[b]])
            recur = MatMul(known[Wh], known[rec.h(t - 1)])
            return ew(lambda p, q, r: p + q + r, [x_t, recur, known[b]])

        text = f"{Wx} @ {prev}[{rows[0]}:{rows[1]}]"
        text += f" + {Wh} @ {rec.h(t - 1)}" if t > 1 else ""
        deps = (prev,) if t == 1 else (prev, rec.h(t - 1))
        equations[rec.z(t)] = Built(f"{text} + {b}", deps, make)
        equations[rec.h(t)] = f"{act}({rec.z(t)})"
    stage = Stage({Wx: [n, d], Wh: [n, n], b: [n, 1]}, equations, f"A{k}", n, None)
    stage.recurrence = rec
    return stage
