"""The step of a recurrent layer, written as its equations: one time step t, in x_t, the
previous state and the weights. ``timeloop.py`` derives it once and runs it for t = 1 ... T.

For layer k with n units reading d rows per step (rows (t-1)*d ... t*d of its input are x_t):

- ``rnn``:  zk = Wxk @ x_t + Whk @ hk_prev + bk,  hk = act(zk);
- ``lstm`` (PyTorch's gate order i, f, g, o and one bias, b_ih + b_hh):
  zk = Wxk @ x_t + Whk @ hk_prev + bk (4n rows), ik = sigmoid(zk[0:n]),
  fk = sigmoid(zk[n:2n]), gk = tanh(zk[2n:3n]), ok = sigmoid(zk[3n:4n]),
  ck = fk * ck_prev + ik * gk,  hk = ok * tanh(ck);
- ``gru`` (PyTorch's equations, the reset gate on W_hn h + b_hn):
  gxk = Wxk @ x_t + bxk, ghk = Whk @ hk_prev + bhk (3n rows each),
  ark = gxk[0:2n] + ghk[0:2n], rk = sigmoid(ark[0:n]), uk = sigmoid(ark[n:2n]),
  ank = gxk[2n:3n] + rk * ghk[2n:3n], nk = tanh(ank),  hk = (1 - uk) * nk + uk * hk_prev.

The states (h, and the LSTM's cell state c) start at 0, or at the learned columns h0k (c0k)
with ``learn_h0 = true``. Gates are row blocks (``Rows``) of one matrix product, so the
chain rule stacks their gradients back into one (4n, m) delta.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import sympy as sp

from . import namer
from .ir import Elementwise, M, MatMul, Node, Rows, Sum, Var, ew, placeholder
from .registry import ACTIVATIONS
from .registry import z as registry_z

KINDS = ("rnn", "lstm", "gru", "dense")
GATES = {"rnn": 1, "lstm": 4, "gru": 3, "dense": 1}
STATES = {"rnn": ("h",), "lstm": ("h", "c"), "gru": ("h",), "dense": ()}


@dataclass(frozen=True)
class Cell:
    """What a recurrent layer is: its kind, position k, length T, rows per step d, units n,
    activation (rnn), what it hands on (``last``: h_T; ``all``: every h_t stacked), whether
    its initial state is learned, and whether its input needs a gradient."""

    kind: str
    k: int
    steps: int
    d: int
    units: int
    activation: object = field(default=None, compare=False)  # registry.Activation (rnn)
    act: str = "tanh"
    output: str = "last"
    learn_h0: bool = False
    x_grad: bool = False

    @property
    def out_rows(self) -> int:
        return self.units * (self.steps if self.output == "all" else 1)

    @property
    def states(self) -> tuple[str, ...]:
        """The states' names at step t: h1 (and c1); none for a per-step dense layer."""
        return tuple(namer.layer(s, self.k) for s in STATES[self.kind])

    @property
    def emit(self) -> str:
        """The step quantity the layer hands on: h1, or a per-step dense layer's A2."""
        return self.states[0] if self.states else namer.layer("A", self.k)

    @property
    def outputs(self) -> tuple[str, ...]:
        """The step's quantities that reach later steps or the layer's value."""
        return self.states if self.states else (self.emit,)

    def prev(self, state: str) -> str:
        """The name of a state at step t-1 in the step's equations: h1_prev."""
        return f"{state}_prev"

    def initial(self, state: str) -> str:
        """The learned initial state's parameter: h1_0 for h1 (c1_0 for c1)."""
        return f"{state}_0"

    @property
    def x_t(self) -> str:
        return namer.layer("x", self.k, "t")

    @property
    def weights(self) -> dict[str, list[int]]:
        """The step's parameters and their shapes, in order (the initial states apart)."""
        n, d, g, k = self.units, self.d, GATES[self.kind], self.k
        if self.kind == "dense":
            return {namer.layer("W", k): [n, d], namer.layer("b", k): [n, 1]}
        out = {namer.layer("Wx", k): [g * n, d], namer.layer("Wh", k): [g * n, n]}
        if self.kind == "gru":
            out |= {namer.layer("bx", k): [g * n, 1], namer.layer("bh", k): [g * n, 1]}
        else:
            out[namer.layer("b", k)] = [g * n, 1]
        return out

    @property
    def params(self) -> dict[str, list[int]]:
        """Every parameter of the layer: the weights, then the learned initial states."""
        out = dict(self.weights)
        if self.learn_h0:
            out |= {self.initial(s): [self.units, 1] for s in self.states}
        return out


@dataclass
class StepForm:
    """One step's equations as IR nodes: the inputs (x_t, each state at t-1, the weights),
    the named quantities in evaluation order with their text, and which names hold the
    states at t."""

    cell: Cell
    x: Var
    prev: dict[str, Var]  # state name at t -> its Var at t-1
    weights: dict[str, Var]
    values: dict[str, Var] = field(default_factory=dict)
    equations: dict[str, Node] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    softmax: dict[str, Node] = field(default_factory=dict)  # a softmax output: its logits

    def define(self, name: str, node: Node, text: str) -> Var:
        self.equations[name] = node
        self.texts[name] = text
        self.values[name] = Var(name, node.shape, "value")
        return self.values[name]


@cache
def step_form(cell: Cell) -> StepForm:
    """The equations of one step of ``cell`` (see the module docstring)."""
    n, k = cell.units, cell.k
    x = Var(cell.x_t, (cell.d, M), "param" if cell.x_grad else "data")
    prev = {s: Var(cell.prev(s), (n, M), "param") for s in cell.states}
    weights = {p: Var(p, tuple(shape), "param") for p, shape in cell.weights.items()}
    form = StepForm(cell, x, prev, weights)
    sig, tanh = ACTIVATIONS["sigmoid"], ACTIVATIONS["tanh"]
    W = list(weights.values())
    if cell.kind == "dense":
        return _dense_step(form, W)
    h, hp = cell.states[0], prev[cell.states[0]]
    if cell.kind in ("rnn", "lstm"):
        Wx, Wh, b = W
        z = namer.layer("z", k)
        node = ew(lambda p, q, r: p + q + r, [MatMul(Wx, x), MatMul(Wh, hp), b])
        zv = form.define(z, node, f"{Wx.name} @ {x.name} + {Wh.name} @ {hp.name} + {b.name}")
        if cell.kind == "rnn":
            act = cell.activation
            form.define(h, ew(lambda u: act(u), [zv]), f"{act.name}({z})")
            return form
        c, cp = cell.states[1], prev[cell.states[1]]
        gates = {}
        for j, (base, f) in enumerate(zip("ifgo", (sig, sig, tanh, sig), strict=True)):
            name = namer.layer(base, k)
            node = ew(lambda u, f=f: f(u), [Rows(zv, j * n, (j + 1) * n)])
            gates[base] = form.define(name, node, f"{f.name}({z}[{j * n}:{(j + 1) * n}])")
        i, f_, g, o = (gates[b] for b in "ifgo")
        cv = form.define(
            c, ew(lambda p, q, r, s: p * q + r * s, [f_, cp, i, g]),
            f"{f_.name} * {cp.name} + {i.name} * {g.name}",
        )  # fmt: skip
        form.define(h, ew(lambda p, q: p * tanh(q), [o, cv]), f"{o.name} * tanh({c})")
        return form
    Wx, Wh, bx, bh = W
    gx, gh = namer.layer("gx", k), namer.layer("gh", k)
    gxv = form.define(
        gx, ew(lambda p, q: p + q, [MatMul(Wx, x), bx]), f"{Wx.name} @ {x.name} + {bx.name}"
    )
    ghv = form.define(
        gh, ew(lambda p, q: p + q, [MatMul(Wh, hp), bh]), f"{Wh.name} @ {hp.name} + {bh.name}"
    )

    def block(v, j):
        return Rows(v, j * n, (j + 1) * n)

    def rows(name, j):
        return f"{name}[{j * n}:{(j + 1) * n}]"

    # the reset and update gates' pre-activations, then the candidate's: each gate is then
    # one function of one named quantity, and its derivative is written in the gate itself
    r, u, nn = namer.layer("r", k), namer.layer("u", k), namer.layer("n", k)
    ar, an = namer.layer("ar", k), namer.layer("an", k)
    arv = form.define(
        ar, ew(lambda p, q: p + q, [Rows(gxv, 0, 2 * n), Rows(ghv, 0, 2 * n)]),
        f"{gx}[0:{2 * n}] + {gh}[0:{2 * n}]",
    )  # fmt: skip
    rv = form.define(r, ew(lambda p: sig(p), [block(arv, 0)]), f"sigmoid({rows(ar, 0)})")
    uv = form.define(u, ew(lambda p: sig(p), [block(arv, 1)]), f"sigmoid({rows(ar, 1)})")
    anv = form.define(
        an, ew(lambda p, q, s: p + q * s, [block(gxv, 2), rv, block(ghv, 2)]),
        f"{rows(gx, 2)} + {r} * {rows(gh, 2)}",
    )  # fmt: skip
    nv = form.define(nn, ew(lambda p: tanh(p), [anv]), f"tanh({an})")
    form.define(
        h, ew(lambda p, q, s: (1 - p) * q + p * s, [uv, nv, hp]),
        f"(1 - {u}) * {nn} + {u} * {hp.name}",
    )  # fmt: skip
    return form


def _dense_step(form: StepForm, W: list[Var]) -> StepForm:
    """A per-step dense layer: zk = Wk @ x_t + bk, Ak = act(zk), the activation over each
    step's own units (a softmax normalises each step)."""
    cell, (w, b), x = form.cell, W, form.x
    z = namer.layer("z", cell.k)
    node = ew(lambda p, q: p + q, [MatMul(w, x), b])
    zv = form.define(z, node, f"{w.name} @ {x.name} + {b.name}")
    act = cell.activation
    if act.normalized:  # as the equation form builds it: E, its sum over the units, E / S
        e_node = ew(lambda u: act.expr.xreplace({registry_z: u}), [zv])
        node = Elementwise(placeholder(0) / placeholder(1), (e_node, Sum(e_node, 0)), zv.shape)
        if act.expr == sp.exp(registry_z):
            form.softmax[cell.emit] = zv
    else:
        node = ew(lambda u: act(u), [zv])
    form.define(cell.emit, node, f"{act.name}({z})")
    return form
