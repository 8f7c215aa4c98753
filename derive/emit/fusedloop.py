"""A recurrent layer's time loop in the fused step: the step's code inside ``for t`` loops, into
workspace arrays.

The fused compiler (``fused._Compiler``) writes a ``Recur`` node as a loop over t = 0 ... T-1
of the step's equations (``engine.timeloop.step_derivation(cell).form``, compiled node by node
as any network's), each quantity the backward reads written into its row of a stacked
workspace array (T, rows, m); the layer's value is a view of the states' stack (every h_t in
time order, or h_T). A ``RecurGrad`` is the loop over t = T-1 ... 0 of the step's derived
backward, with the same operations in the same order as the readable ``_<kind>k_backward``:
the incoming gradient of h_t is what step t+1 handed back plus its block of the layer's
gradient, each weight's term at t is added to its sum, dx_t goes into its block of a stacked
array, and the carried gradients (dh_prev, dc_prev) and the incoming ones swap buffers
between steps (no copy). After the first call nothing is allocated but the views of a row.

Each loop body is compiled with a fresh node cache: a node computed at one t holds that t's
value only, so nothing outside the body may read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from derive.engine import namer
from derive.engine.cell import Cell
from derive.engine.ir import Elementwise, M, Recur, RecurGrad, free_vars, placeholder
from derive.engine.timeloop import StepDerivation, step_derivation

from .loopcode import rows

_INDENT = "    "


@dataclass
class _Loop:
    """What a layer's forward loop left for its backward: the stacked arrays by step name."""

    stacks: dict[str, str] = field(default_factory=dict)  # step quantity: its (T, rows, m) slot
    starts: dict[str, str] = field(default_factory=dict)  # state: its value at t = 0
    grads: dict[object, list[str]] = field(default_factory=dict)  # g: each operand's gradient


def _loop(c, cell: Cell) -> _Loop:
    return c.loops.setdefault(cell, _Loop())


class _Body:
    """Compile a loop body: lines indented one level more, a node cache of its own, and the
    step's names, each renamed ``<name>_t`` where the network uses it (a per-step dense
    layer's A2 and dA2 are the layer's value and its gradient outside the loop)."""

    def __init__(self, c, sd: StepDerivation):
        self.c = c
        names = {*sd.form.values, sd.form.x.name, *(v.name for v in sd.form.prev.values())}
        names |= {v.name for v in sd.incoming.values()} | {s.name for s in sd.d.steps}
        self.rename = {n: f"{n}_t" for n in sorted(names) if n in c.reserved}

    def __enter__(self):
        self.done, self.c.done = self.c.done, {}
        self.c.rename = self.rename
        self.c.indent += _INDENT
        return self.c

    def __exit__(self, *exc):
        self.c.done = self.done
        self.c.rename = {}
        self.c.indent = self.c.indent[: -len(_INDENT)]


def _local(c, name: str) -> str:
    """A step quantity's name in the loop body (``_Body``)."""
    return c.rename.get(name, name)


def _read_by_backward(sd: StepDerivation) -> set[str]:
    """The step quantities the backward body reads (a previous state: its state's stack)."""
    cell = sd.cell
    names = {v.name for s in sd.backward for v in free_vars(s.simplified)}
    names |= {s for s in cell.states if cell.prev(s) in names}
    return names


def forward(c, node: Recur) -> str:
    """Emit the layer's forward loop; return the expression of its value (a view)."""
    cell = node.cell
    sd = step_derivation(cell)
    form, loop = sd.form, _loop(c, cell)
    T, n, x = cell.steps, cell.units, c.operand(node.args[0])
    keep = _read_by_backward(sd) | set(cell.outputs)
    for name, value in form.values.items():
        if name in keep:
            loop.stacks[name] = c.slot((T, *value.shape), f"_{name}s")
    for s in cell.states:  # the state before step 1: zeros, or the learned column
        start = c.slot((n, M), namer.workspace("start", s), zeros=not cell.learn_h0)
        if cell.learn_h0:  # the operands are x, then the parameters in cell.params order
            h0 = node.args[1 + list(cell.params).index(cell.initial(s))]
            c.emit(f"np.copyto({start}, {c.operand(h0)})")
        loop.starts[s] = start
    c.emit(f"for t in range({T}):")
    with _Body(c, sd):
        c.emit(f"{_local(c, form.x.name)} = {x}[{rows(cell.d)}]")
        for s in cell.states:
            prev = _local(c, cell.prev(s))
            c.emit(f"{prev} = {loop.stacks[s]}[t - 1] if t else {loop.starts[s]}")
        for name, eq in form.equations.items():
            here = _local(c, name)
            if name in loop.stacks:
                c.emit(f"{here} = {loop.stacks[name]}[t]")
            else:
                c.slot(eq.shape, here)
            if name in form.softmax:
                _softmax(c, form.softmax[name], here)
            else:
                c.print_node(eq, here)
    h = loop.stacks[cell.emit]
    value = f"{h}.reshape({cell.out_rows}, -1)" if cell.output == "all" else f"{h}[{T - 1}]"
    c.done[node] = value  # the backward's RecurGrad reads the same loop's stacks
    return value


def _check_in_place(name: str, node) -> None:
    """A step gradient that adds to the incoming one of the same name (an LSTM's cell state:
    dc1 = dc1 + o1 dh1 (1 - tanh(c1)^2)) is computed in place, which is right only as
    ``dc1 + (the rest, into its own arrays)``: any other form that reads its own target is
    refused (the module says so in NO_FUSED_STEP) rather than computed wrong."""
    reads = [i for i, a in enumerate(getattr(node, "args", ())) if getattr(a, "name", "") == name]
    if not reads and not any(v.name == name for v in free_vars(node)):
        return
    terms = node.expr.args if isinstance(node, Elementwise) and node.expr.is_Add else ()
    mine = [placeholder(i) for i in reads]
    if len(terms) == 2 and len(mine) == 1 and mine[0] in terms:
        rest = terms[1] if terms[0] == mine[0] else terms[0]
        if not rest.is_Symbol and not rest.has(mine[0]):
            return
    from .fused import FusedUnsupported  # fused imports this module

    raise FusedUnsupported(f"{name} reads itself in a form not computed in place")


def _softmax(c, u, target: str) -> None:
    """exp(u - max u) / its column sums into ``target``, as the readable step computes it."""
    arg = c.operand(u)
    top, e = c.slot((1, u.shape[1])), c.slot(u.shape)
    sums = c.slot((1, u.shape[1]))
    c.emit(f"np.max({arg}, axis=0, keepdims=True, out={top})")
    c.emit(f"np.subtract({arg}, {top}, out={e})")
    c.emit(f"np.exp({e}, out={e})")
    c.emit(f"np.sum({e}, axis=0, keepdims=True, out={sums})")
    c.emit(f"np.divide({e}, {sums}, out={target})")


def backward(c, node: RecurGrad) -> str:
    """The gradient of the layer's operand ``node.i``: the backward loop, emitted once for the
    layer and its incoming gradient, writes every operand's gradient; this returns the name."""
    cell = node.cell
    loop = _loop(c, cell)
    if node.g not in loop.grads:
        c.operand(Recur(cell, node.args))  # the forward loop's value (emitted once)
        loop.grads[node.g] = _backward_loop(c, cell, loop, c.operand(node.g), node.args)
    return loop.grads[node.g][node.i]


def _backward_loop(c, cell: Cell, loop: _Loop, g: str, args) -> list[str]:
    sd = step_derivation(cell)
    form = sd.form
    T, n, d = cell.steps, cell.units, cell.d
    x = c.operand(args[0])
    body = _Body(c, sd)
    incoming = {s: body.rename.get(v.name, v.name) for s, v in sd.incoming.items()}
    carried = {s: namer.gradient(cell.prev(s)) for s in cell.states}
    carried = {s: body.rename.get(v, v) for s, v in carried.items()}
    for s in cell.states:
        c.slot((n, M), incoming[s])
        c.slot((n, M), carried[s])
        if s == cell.emit and cell.output != "all":
            c.emit(f"np.copyto({incoming[s]}, {g})")
        else:
            c.emit(f"{incoming[s]}.fill(0)")
    sums = {p: c.slot(tuple(shape), namer.workspace("sum", namer.gradient(p)))
            for p, shape in cell.weights.items()}  # fmt: skip
    for total in sums.values():
        c.emit(f"{total}.fill(0)")
    dx = namer.gradient(form.x.name)
    dxs = c.slot((T, d, M), f"_{dx}s") if cell.x_grad else None
    grads = {namer.gradient(p): p for p in cell.weights}
    c.emit(f"for t in reversed(range({T})):")
    with body:
        c.emit(f"{_local(c, form.x.name)} = {x}[{rows(d)}]")
        reads = _read_by_backward(sd)
        for s in cell.states:
            if cell.prev(s) in reads:
                prev = _local(c, cell.prev(s))
                c.emit(f"{prev} = {loop.stacks[s]}[t - 1] if t else {loop.starts[s]}")
        for name in form.values:
            if name in reads and name in loop.stacks:
                c.emit(f"{_local(c, name)} = {loop.stacks[name]}[t]")
        if cell.output == "all":
            block = f"{g}[{rows(n)}]"
            h = incoming[cell.emit]
            c.emit(f"np.add({h}, {block}, out={h})" if cell.states else f"{h} = {block}")
        for s in sd.backward:
            if s.name in grads:  # the weight's term at t, added to its sum over t
                term = c.node(s.simplified)
                total = sums[grads[s.name]]
                c.emit(f"np.add({total}, {term}, out={total})")
                continue
            here = _local(c, s.name)
            _check_in_place(s.name, s.simplified)
            if s.name == dx:
                c.emit(f"{here} = {dxs}[t]")
            elif here not in c.f.slots:
                c.slot(s.simplified.shape, here)
            c.print_node(s.simplified, here)
            c.done[s.simplified] = here
        if cell.states:
            now = ", ".join(incoming[s] for s in cell.states)
            before = ", ".join(carried[s] for s in cell.states)
            c.emit(f"{now}, {before} = {before}, {now}")  # the buffers swap: no copy
    out = [f"{dxs}.reshape({T * d}, -1)" if dxs else "None", *sums.values()]
    for s in cell.states if cell.learn_h0 else ():  # what reaches the initial state
        total = c.slot((n, 1), namer.workspace("sum", namer.gradient(cell.initial(s))))
        c.emit(f"np.sum({incoming[s]}, axis=1, keepdims=True, out={total})")
        out.append(total)
    return out
