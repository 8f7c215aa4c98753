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

from . import namer
from .built import Built, Expansion
from .conv import _count
from .ir import Elementwise, MatMul, Node, Rows, Var, ew, free_vars, placeholder
from .keys import only_keys


@dataclass
class Recurrence:
    """What the printers need to show layer k's backpropagation through time."""

    k: int
    steps: int
    act: str
    x: str  # the layer's input

    def z(self, t: int | str) -> str:
        return namer.layer("z", self.k, t)

    def h(self, t: int | str) -> str:
        """h_t; the last one is the layer's output A{k}."""
        return namer.layer("A", self.k) if t == self.steps else namer.layer("h", self.k, t)

    def delta(self, t: int | str) -> str:
        return namer.delta(self.k, t)


def rnn_layer(k, layer, prev, units, image, where, check_activation) -> Expansion:
    """The unrolled recurrence; see the module docstring."""
    key = f"{where}: layers[{k - 1}]"
    only_keys(layer, {"kind", "units", "steps", "activation"}, key, kind="rnn")
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
    Wx, Wh, b = namer.layer("Wx", k), namer.layer("Wh", k), namer.layer("b", k)
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
    return Expansion(
        params={Wx: [n, d], Wh: [n, n], b: [n, 1]},
        equations=equations,
        output=rec.h(steps),
        units=n,
        recurrences=[rec],
    )


def _rename(node: Node, names: dict[str, str]) -> Node:
    """``node`` with the named matrices in ``names`` renamed (same shapes and roles), and a row
    block named by its rows ("rows 2:4") replaced by the name given for it."""
    if isinstance(node, Var):
        return Var(names[node.name], node.shape, node.role) if node.name in names else node
    if isinstance(node, Rows) and f"rows {node.start}:{node.stop}" in names:
        return Var(names[f"rows {node.start}:{node.stop}"], node.shape, "value")
    kids = [_rename(k, names) for k in node.children()]
    return node.rebuild(*kids)


@dataclass
class BPTT:
    """Layer k's backward pass through time, read off a derivation: the recursion of the deltas
    once, in generic indices (checked to be what every step t < T computes), and the gradients
    of Wx, Wh and b as sums over time."""

    rec: Recurrence
    first: str  # delta{k}_T, the delta the chain from above gives
    recursion: Node  # delta{k}_{t-1} in terms of delta{k}_t, named with t and t-1
    steps: set[str]  # the derivation steps this summary stands for
    sums: dict[str, tuple[int, Node]]  # dWx, dWh, db: (first t, the term summed for t..T)


def _time_names(rec: Recurrence, t: int, d: int) -> dict[str, str]:
    """Step t's names written with t: delta_t, h_(t-1), x_t."""
    return {
        rec.delta(t): rec.delta("t"), rec.h(t - 1): rec.h("(t-1)"),
        f"rows {(t - 1) * d}:{t * d}": "x_t",
    }  # fmt: skip


def _sum_over_time(node: Node, rec: Recurrence, d: int) -> tuple[int, Node] | None:
    """(t0, term) when ``node`` is the sum over t = t0 ... T of one term written in t."""
    terms = list(node.args) if isinstance(node, Elementwise) and node.expr.is_Add else [node]
    if isinstance(node, Elementwise) and node.expr != sum(
        placeholder(i) for i in range(len(terms))
    ):
        return None
    forms = {}
    for term in terms:
        for t in range(1, rec.steps + 1):
            names = _time_names(rec, t, d)
            if any(v.name == rec.delta(t) for v in free_vars(term)):
                forms[t] = _rename(term, names)
    if len(set(forms.values())) != 1 or len(forms) != len(terms):
        return None
    t0 = min(forms)
    if sorted(forms) != list(range(t0, rec.steps + 1)):
        return None
    return t0, forms[t0]


def bptt(d) -> list[BPTT]:
    """Each recurrent layer's backpropagation through time (``Derivation`` d)."""
    out = []
    for rec in d.network.recurrences:
        k, n = rec.k, rec.steps
        generic = None
        for t in range(1, n):  # delta_t from delta_{t+1}, renamed to delta_{t-1} from delta_t
            names = {
                rec.delta(t + 1): rec.delta("t"), rec.z(t): rec.z("(t-1)"),
                rec.h(t): rec.h("(t-1)"),
            }  # fmt: skip
            form = _rename(d.step(rec.delta(t)).simplified, names)
            if generic is not None and form != generic:
                generic = None  # the steps differ: no single recursion to show
                break
            generic = form
        if generic is None:
            continue
        weights = [namer.layer(base, k) for base in ("Wx", "Wh", "b")]
        d_rows = d.network.params[weights[0]].shape[1]
        sums = {}
        for p in weights:
            found = _sum_over_time(d.step(namer.gradient(p)).simplified, rec, d_rows)
            if found is None:
                break
            sums[namer.gradient(p)] = found
        else:
            steps = {rec.delta(t) for t in range(1, n)}
            steps |= {namer.gradient(rec.h(t)) for t in range(1, n)}
            out.append(BPTT(rec, rec.delta(n), generic, steps | set(sums), sums))
    return out
