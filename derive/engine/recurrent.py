"""Recurrent layers: ``kind = "rnn"``, ``"lstm"`` or ``"gru"`` in ``[[layers]]``.

Its input (x, or the layer before) holds T steps of d rows each: rows t*d ... (t+1)*d are
x_(t+1). The layer is one equation, Ak = (the step of ``cell.py`` run for t = 1 ... T), a
``Recur`` node: the step is derived once (``timeloop.py``), so the derivation, the code and
the page do not grow with T. Ak is h_T, or with ``output = "all"`` every h_t stacked in time
order (T*n rows, read by another recurrent layer with the same ``steps``). The states start
at 0, or at learned columns (``learn_h0 = true``: parameters hk_0, and ck_0 for an LSTM).
"""

from __future__ import annotations

from derive.errors import DeriveError

from . import namer
from .built import Built, Expansion
from .cell import Cell
from .conv import _count
from .ir import Recur
from .keys import article, only_keys
from .registry import ACTIVATIONS

KEYS = {
    "rnn": {"units", "steps", "activation", "output", "learn_h0"},
    "lstm": {"units", "steps", "output", "learn_h0"},
    "gru": {"units", "steps", "output", "learn_h0"},
}
OUTPUTS = ("last", "all")


def rnn_layer(k, layer, prev, units, image, where, check_activation) -> Expansion:
    """Layer k, a recurrent layer of any kind reading ``prev`` (``units`` rows); see the
    module docstring."""
    key = f"{where}: layers[{k - 1}]"
    kind = layer["kind"]
    only_keys(layer, {"kind", *KEYS[kind]}, key, kind=kind)
    if image is not None:
        raise DeriveError(
            f"{article(kind)} {kind} layer reads a vector of T*d rows, but its input is an image",
            where=f"{key}.kind",
            fix="put a dense layer between them, or give inputs as a number of rows",
        )  # fmt: skip
    n = _count(layer, "units", key, None, 1)
    steps = _count(layer, "steps", key, None, 1)
    if units % steps:
        fits = ", ".join(str(s) for s in range(2, min(units, 64) + 1) if not units % s)
        raise DeriveError(
            f"steps = {steps} does not divide the {units} input rows", where=f"{key}.steps",
            fix="steps must divide the input's rows (T*d rows: d per step), "
            + (f"here one of {fits}" if fits else "here only 1"),
        )  # fmt: skip
    act = "tanh"
    if kind == "rnn":
        act = check_activation(layer.get("activation", "tanh"), f"{key}.activation")
    output = layer.get("output", "last")
    if output not in OUTPUTS:
        raise DeriveError(
            f"output must be \"last\" or \"all\", got {output!r}", where=f"{key}.output",
            fix='output = "last" hands on h_T; output = "all" every h_t, stacked in time order',
        )  # fmt: skip
    learn = layer.get("learn_h0", False)
    if not isinstance(learn, bool):
        raise DeriveError(
            f"learn_h0 must be true or false, got {learn!r}", where=f"{key}.learn_h0",
            fix="learn_h0 = true makes the initial state a parameter (default false: h_0 = 0)",
        )  # fmt: skip
    cell = Cell(
        kind, k, steps, units // steps, n, activation=_activation(check_activation, act), act=act,
        output=output, learn_h0=learn, x_grad=prev != "x",
    )  # fmt: skip
    return _loop_layer(cell, prev, f"{kind}({prev}; {', '.join(cell.params)}), t = 1..{steps}")


def _loop_layer(cell: Cell, prev: str, text: str) -> Expansion:
    """The layer that is ``cell``'s time loop over ``prev``: its output A_k is one Recur node."""
    A = namer.layer("A", cell.k)
    params = list(cell.params)

    def make(known):
        return Recur(cell, (known[prev], *(known[p] for p in params)))

    return Expansion(
        params=cell.params, equations={A: Built(text, (prev,), make)}, output=A,
        units=cell.out_rows, recurrences=[cell],
    )  # fmt: skip


def _activation(check, name: str):
    """The Activation itself (the step is built with it): the spec's, else the built-in."""
    return (check.acts or {}).get(name) or ACTIVATIONS[name]


def dense_steps_layer(k, units, act, steps, prev, prev_units, where) -> Expansion:
    """A dense layer with ``steps = T``: the same Wk (units, d) and bk to each of the T row
    blocks of its input, the activation per block (a softmax over each step's units), every
    step's output stacked in time order (T*units rows), as a loop of one step."""
    key = f"{where}: layers[{k - 1}]"
    steps = _count({"steps": steps}, "steps", key, None, 1)
    if prev_units % steps:
        raise DeriveError(
            f"steps = {steps} does not divide the {prev_units} input rows", where=f"{key}.steps",
            fix="a per-step dense layer reads T blocks of d rows: give the steps of the layer "
            "before (a recurrent layer with output = \"all\")",
        )  # fmt: skip
    cell = Cell(
        "dense", k, steps, prev_units // steps, units, activation=act, act=act.name,
        output="all", x_grad=prev != "x",
    )  # fmt: skip
    return _loop_layer(cell, prev, f"{act.name}({', '.join(cell.params)} per step of {prev}), "
                       f"t = 1..{steps}")  # fmt: skip
