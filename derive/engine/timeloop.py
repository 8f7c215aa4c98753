"""Backpropagation through time with the step derived once, whatever T.

A recurrent layer is a ``Recur`` node: its step (``cell.py``) applied for t = 1 ... T. Its
reverse rule hands each operand a ``RecurGrad``: the chain rule through the loop, which is
the step's own chain rule run backwards in time. ``step_derivation(cell)`` derives the step
once, by the same rules as every network (``derivation.derive``), as a network whose cost is
sum(dh_t * h_t) (+ sum(dc_t * c_t)): the incoming gradients of the states are its data, so
its gradients are the step's vector-Jacobian product:

    dW (each weight) = the step's contribution at t, summed over t = 1 ... T;
    dh_prev (and dc_prev) = what step t hands back to step t-1, added to the gradient that
        reaches h_(t-1) from above (the output at t-1 when every h_t is handed on);
    dx_t = the gradient of the input's row block t (for a layer before the recurrence).

``run_forward`` and ``run_backward`` are that loop over values of any algebra
(``evaluate.py``: SymPy matrices for the proofs, NumPy arrays for the worked example); the
printers write the same loop as code (``emit/loopcode.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from . import namer
from .cell import Cell, StepForm, step_form
from .derivation import Derivation, Step, derive
from .graph import Network
from .ir import Elementwise, M, PadRows, Rows, Sum, Var, ew, placeholder
from .registry import ACTIVATIONS


@dataclass
class StepDerivation:
    """The step's equations and their derivation: what the loop runs at each t."""

    form: StepForm
    d: Derivation
    incoming: dict[str, Var]  # state name at t -> the Var of its incoming gradient (dh1)

    @property
    def cell(self) -> Cell:
        return self.form.cell

    @property
    def backward(self) -> list[Step]:
        """The steps the loop body computes (an inlined one is part of its consumer), without
        the incoming gradients themselves (dh1 = dh1)."""
        return [
            s for s in self.d.steps
            if not s.inlined and s.simplified != self.incoming.get(s.of)
        ]  # fmt: skip

    def gradient(self, name: str) -> str:
        """The step's gradient name of an input: dWx1, dh1_prev, dx1_t."""
        return namer.gradient(name)


def step_network(form: StepForm) -> Network:
    """The step as a network: parameters the weights, the previous states and (when the layer
    before needs it) x_t; its cost is sum(dh * h) (+ sum(dc * c)) with the incoming gradients
    as data."""
    cell = form.cell
    incoming = {s: Var(namer.gradient(s), (cell.units, M), "data") for s in cell.outputs}
    states = [form.values[s] for s in cell.outputs]
    cost = ew(
        lambda *a: sp.Add(*(a[2 * j] * a[2 * j + 1] for j in range(len(states)))),
        [v for s in cell.outputs for v in (incoming[s], form.values[s])],
    )  # fmt: skip
    params = {**form.weights, **{v.name: v for v in form.prev.values()}}
    if cell.x_grad:
        params[form.x.name] = form.x
    text = " + ".join(f"sum({incoming[s].name} * {s})" for s in cell.outputs)
    return Network(
        name=f"{cell.kind}{cell.k}_step", inputs=cell.d, outputs=cell.units, params=params,
        values=dict(form.values), equations=dict(form.equations), texts=dict(form.texts),
        output=cell.emit, cost=cost, cost_name="custom", cost_text=text,
        reduction="sum", columns_sum_to_one=False, activations=dict(ACTIVATIONS),
        x=form.x, y=incoming[cell.emit], softmax=dict(form.softmax),
    )  # fmt: skip


@cache
def step_derivation(cell: Cell) -> StepDerivation:
    """The step of ``cell`` derived once (cached: every printer and evaluator shares it)."""
    form = step_form(cell)
    net = step_network(form)
    incoming = {v.name: v for v in net.cost.args if v.role == "data"}
    incoming = {s: incoming[namer.gradient(s)] for s in cell.outputs}
    return StepDerivation(form, derive(net), incoming)


# ------------------------------------------------------------------ the loop over values
def _value(evaluate, node, env, m, alg):
    return evaluate(node, env, m, alg, {})


def _var(name, shape):
    return Var(name, shape, "data")


def _add(evaluate, a, b, m, alg, shape):
    """a + b in the algebra (the same way every other sum is made)."""
    pair = (_var("_a", shape), _var("_b", shape))
    node = Elementwise(placeholder(0) + placeholder(1), pair, shape)
    return _value(evaluate, node, {"_a": a, "_b": b}, m, alg)


def _zeros(evaluate, shape, m, alg):
    return _value(evaluate, Elementwise(sp.Integer(0), (), shape), {}, m, alg)


def run_forward(cell: Cell, kids: list, m: int, alg, evaluate) -> tuple[object, list[dict]]:
    """The layer's value and each step's named values (env at t = 1 ... T)."""
    form = step_form(cell)
    x, *ps = kids
    params = dict(zip(cell.params, ps, strict=True))
    n, d, T = cell.units, cell.d, cell.steps
    xs = _var("_x", (T * d, M))
    states = {}
    for s in cell.states:
        states[s] = _zeros(evaluate, (n, M), m, alg)
        if cell.learn_h0:  # the (n, 1) column, the same for every sample
            states[s] = _add(evaluate, states[s], params[cell.initial(s)], m, alg, (n, M))
    envs = []
    for t in range(T):
        env = {p: params[p] for p in cell.weights}
        env[form.x.name] = _value(evaluate, Rows(xs, t * d, (t + 1) * d), {"_x": x}, m, alg)
        env |= {form.prev[s].name: states[s] for s in cell.states}
        for name, node in form.equations.items():
            env[name] = _value(evaluate, node, env, m, alg)
        states = {s: env[s] for s in cell.states}
        envs.append(env)
    return _stack(cell, [e[cell.emit] for e in envs], m, alg, evaluate), envs


def _stack(cell: Cell, hs: list, m: int, alg, evaluate):
    """h_T, or every h_t stacked in time order (rows t*n ... (t+1)*n hold h_(t+1))."""
    if cell.output != "all":
        return hs[-1]
    n, T = cell.units, cell.steps
    total = None
    for t, h in enumerate(hs):
        placed = _value(evaluate, PadRows(_var("_h", (n, M)), t * n, T * n), {"_h": h}, m, alg)
        total = placed if total is None else _add(evaluate, total, placed, m, alg, (T * n, M))
    return total


def run_backward(cell: Cell, kids: list, g, m: int, alg, evaluate) -> list:
    """Every operand's gradient (x, then the parameters in ``cell.params`` order) for the
    gradient g of the layer's value: the step's derived backward for t = T ... 1."""
    sd = step_derivation(cell)
    form = sd.form
    n, d, T = cell.units, cell.d, cell.steps
    _, envs = run_forward(cell, kids, m, alg, evaluate)
    gs = _var("_g", (cell.out_rows, M))
    carried = {s: _zeros(evaluate, (n, M), m, alg) for s in cell.states}
    sums: dict[str, object] = {}
    dxs = [None] * T
    for t in reversed(range(T)):
        env = dict(envs[t])
        h = cell.emit
        from_above = None
        if cell.output == "all":
            from_above = _value(evaluate, Rows(gs, t * n, (t + 1) * n), {"_g": g}, m, alg)
        elif t == T - 1:
            from_above = g
        for s in cell.outputs:
            value = carried.get(s)
            if s == h and from_above is not None:
                if value is None:  # no state: the step's output gets only what is from above
                    value = from_above
                else:
                    value = _add(evaluate, value, from_above, m, alg, (n, M))
            env[sd.incoming[s].name] = value
        for step in sd.backward:
            env[step.name] = _value(evaluate, step.simplified, env, m, alg)
        for p in cell.weights:
            dp = env[namer.gradient(p)]
            shape = tuple(cell.weights[p])
            sums[p] = dp if p not in sums else _add(evaluate, sums[p], dp, m, alg, shape)
        carried = {s: env[namer.gradient(form.prev[s].name)] for s in cell.states}
        if cell.x_grad:
            dxs[t] = env[namer.gradient(form.x.name)]
    out = []
    if cell.x_grad:
        total = None
        for t, dx in enumerate(dxs):
            placed = _value(evaluate, PadRows(_var("_d", (d, M)), t * d, T * d), {"_d": dx}, m, alg)
            total = placed if total is None else _add(evaluate, total, placed, m, alg, (T * d, M))
        out.append(total)
    else:
        out.append(None)
    out += [sums[p] for p in cell.weights]
    if cell.learn_h0:  # the initial state is shared by the samples: its gradient sums them
        for s in cell.states:
            out.append(_value(evaluate, Sum(_var("_c", (n, M)), 1), {"_c": carried[s]}, m, alg))
    return out


# ------------------------------------------------------------------ the step, written with t
def _timed_name(cell: Cell, name: str) -> str:
    """A step quantity's name at time t, as the page writes it: z1 -> z1_t, h1_prev ->
    h1_(t-1), delta1 -> delta1_t, dh1_prev -> dh1_(t-1); a weight keeps its name."""
    if name in cell.params:
        return name
    if namer.is_delta(name):
        return namer.delta(cell.k, "t")
    grad = namer.gradient_of(name)
    if grad is not None and grad not in cell.params:
        return namer.gradient(_timed_name(cell, grad))
    for s in cell.states:
        if name == cell.prev(s):
            return f"{s}_(t-1)"
    return name if name.endswith("_t") else f"{name}_t"


def timed(cell: Cell, node):
    """``node`` with the step's names written with t (``_timed_name``)."""
    if isinstance(node, Var):
        return Var(_timed_name(cell, node.name), node.shape, node.role)
    return node.rebuild(*(timed(cell, k) for k in node.children()))


def timed_forward(cell: Cell) -> list[tuple[str, object]]:
    """The step's equations with t: (name, node) in evaluation order."""
    form = step_form(cell)
    return [(_timed_name(cell, n), timed(cell, e)) for n, e in form.equations.items()]


def timed_backward(cell: Cell) -> list[tuple[str, object, str]]:
    """The step's derived backward with t: (name, node, kind) for each gradient the loop
    computes; kind is "weight" (summed over t), "carried" (handed to step t-1) or "value"."""
    sd = step_derivation(cell)
    carried = {namer.gradient(v.name) for v in sd.form.prev.values()}
    out = []
    for s in sd.backward:
        kind = "weight" if s.of in cell.weights else "carried" if s.name in carried else "value"
        out.append((_timed_name(cell, s.name), timed(cell, s.simplified), kind))
    return out
