"""A recurrent layer's time loop as code: two functions per layer, the same in every target.

``_<kind><k>_forward(X, weights...)`` runs the step's equations (printed from the step's
network, as any network's forward) for t = 0 ... T-1 and returns the layer's value and, for
every t, the step's quantities that the backward reads, stacked (T, rows, m).
``_<kind><k>_backward(dA, X, weights..., caches...)`` runs the step's derived backward
(``engine.timeloop.step_derivation``, printed as any derivation) for t = T-1 ... 0: the
incoming gradient of h_t is what step t+1 handed back (``dh_prev``) plus, when every h_t is
handed on, its block of dA; each weight's gradient adds up over t. It returns the gradients
of (x, the parameters...) in the ``Recur`` node's operand order (None where x needs none).

The code of one step is printed once, so the module has the same length for T = 8 and
T = 784. ``codegen`` calls ``forward_line`` for the layer's equation and ``backward_call`` for
its gradients, and puts ``helpers`` into the module.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

from derive.engine import namer
from derive.engine.cell import Cell
from derive.engine.graph import Network
from derive.engine.ir import Recur, RecurGrad, walk
from derive.engine.timeloop import StepDerivation, step_derivation, step_network

# The array calls the loop needs, by library (the dialect's ``lib``).
_ZEROS = {
    "np": "np.zeros(({rows}, m), dtype=X.dtype)",
    "torch": "torch.zeros(({rows}, m), dtype=X.dtype, device=X.device)",
    "jnp": "jnp.zeros(({rows}, m), dtype=X.dtype)",
}
_STACK = {"np": "np.stack", "torch": "torch.stack", "jnp": "jnp.stack"}
_CONCAT = {"np": "np.concatenate", "torch": "torch.cat", "jnp": "jnp.concatenate"}


def concat(lib: str, parts: list[str]) -> str:
    """Row blocks stacked into one array (the gates' gradients into one delta)."""
    return f"{_CONCAT[lib]}([{', '.join(parts)}])"


def cells(net: Network) -> list[Recur]:
    """The time loops of ``net``, in equation order."""
    return [n for node in net.equations.values() for n in walk(node) if isinstance(n, Recur)]


def _name(cell: Cell, what: str) -> str:
    return f"_{cell.kind}{cell.k}_{what}"


def _seq(name: str) -> str:
    return f"{name}_seq"


def caches(cell: Cell, backward_code: str) -> list[str]:
    """The step quantities (and previous states) the backward body reads, in step order."""
    form = step_derivation(cell).form
    names = [*(v.name for v in form.prev.values()), *form.values]
    return [n for n in names if re.search(rf"\b{re.escape(n)}\b", backward_code)]


def forward_line(node: Recur, operands: list[str], target: str, cached: list[str]):
    """(target, code) of the layer's equation: the call of its forward loop."""
    outs = ", ".join([target, *(_seq(n) for n in cached)])
    return outs, f"{_name(node.cell, 'forward')}({', '.join(operands)})"


def backward_call(node: RecurGrad, operands: list[str], cached: list[str]) -> str:
    """The call of the layer's backward loop (operands: x, the parameters, then g)."""
    *args, g = operands
    return f"{_name(node.cell, 'backward')}({', '.join([g, *args, *(_seq(n) for n in cached)])})"


def helpers(net: Network, dialect, print_forward: Callable, print_backward: Callable):
    """For each time loop of ``net``: (the source of its two functions, the cached names).
    ``print_forward(step_net, lines, dialect)`` and ``print_backward(derivation, dialect)``
    are codegen's printers of a network's forward and a derivation's backward."""
    out = {}
    for node in cells(net):
        sd = step_derivation(node.cell)
        body = [ln for ln in print_backward(sd.d, dialect) if ln.code != ln.target]
        back_code = "\n".join(ln.code for ln in body)
        cached = caches(node.cell, back_code)
        fwd: list = []
        print_forward(step_network(sd.form), fwd, dialect)
        x = node.args[0]
        source = _forward_source(sd, fwd, cached, dialect, x)
        source += "\n\n\n" + _backward_source(sd, body, cached, dialect, x)
        out[node] = (source + "\n", cached)
    return out


def _line(ln, indent: str) -> list[str]:
    """A codegen ``Line`` inside the loop: its comment wrapped to the page, then the line."""
    out = []
    if ln.comment:
        width = 98 - len(indent)
        wrapped = textwrap.wrap(ln.comment, width, subsequent_indent="    ")
        out += [f"{indent}# {c}" for c in wrapped]
    out.append(f"{indent}{ln.target} = {ln.code}")
    return out


def _args(cell: Cell) -> list[str]:
    return ["X", *cell.params]


def _forward_source(sd: StepDerivation, lines, cached, dialect, x) -> str:
    cell, form = sd.cell, sd.form
    n, d, T, lib = cell.units, cell.d, cell.steps, dialect.lib
    h = cell.states[0]
    start = ", ".join(
        f"{s}_0 = " + (cell.initial(s) if cell.learn_h0 else "0") for s in cell.states
    )
    what = "every h_t stacked in time order" if cell.output == "all" else f"{h} at t = {T}"
    doc = [
        f'    """Layer {cell.k}, {"an" if cell.kind[0] in "aeioru" else "a"} {cell.kind} '
        f"over {T} steps of {d} rows: the step below for t = 0..{T - 1}, from {start}.",
        f"    Returns {what}, and each t's {', '.join(cached) or 'nothing'} stacked "
        f'(T, rows, m)."""',
    ]
    src = [f"def {_name(cell, 'forward')}({', '.join(_args(cell))}):", *doc, "    m = X.shape[1]"]
    for s in cell.states:
        zeros = _ZEROS[lib].format(rows=n)
        init = f"{cell.initial(s)} + {zeros}" if cell.learn_h0 else zeros
        src.append(f"    {s} = {init}")
    keep = [*cached, h] if cell.output == "all" and h not in cached else cached
    for c in keep:
        src.append(f"    {_seq(c)} = []")
    src.append(f"    for t in range({T}):")
    src.append(f"        {form.x.name} = X[{_rows(d, 't')}]")
    src.append(f"        {', '.join(cell.prev(s) for s in cell.states)} = {', '.join(cell.states)}")
    for ln in lines:
        src += _line(ln, "        ")
    for c in keep:
        src.append(f"        {_seq(c)}.append({c})")
    value = f"{_CONCAT[lib]}({_seq(h)})" if cell.output == "all" else h
    rets = [value, *(f"{_STACK[lib]}({_seq(c)})" for c in cached)]
    src.append(f"    return {', '.join(rets)}")
    return "\n".join(src)


def _rows(d: int, t: str) -> str:
    return f"{d} * {t} : {d} * {t} + {d}" if d != 1 else f"{t} : {t} + 1"


def _backward_source(sd: StepDerivation, body, cached, dialect, x) -> str:
    cell, form = sd.cell, sd.form
    n, d, T, lib = cell.units, cell.d, cell.steps, dialect.lib
    h = cell.states[0]
    A = namer.layer("A", cell.k)
    dA = namer.gradient(A)
    incoming = {s: sd.incoming[s].name for s in cell.states}
    weights = list(cell.weights)
    carried = ", ".join(namer.gradient(cell.prev(s)) for s in cell.states)
    doc = [
        f'    """Layer {cell.k}\'s backpropagation through time: the step\'s derived backward '
        f"for t = {T - 1}..0,",
        f"    carrying {carried} to the step before; each weight's gradient summed over t.",
        "    Returns the gradients of (x, " + ", ".join(cell.params) + ") (None: x needs none)."
        + '"""',
    ]
    args = [dA, *_args(cell), *(_seq(c) for c in cached)]
    src = [f"def {_name(cell, 'backward')}({', '.join(args)}):", *doc, "    m = X.shape[1]"]
    for s in cell.states:
        if s == h and cell.output != "all":
            src.append(f"    {incoming[s]} = {dA}")
        else:
            src.append(f"    {incoming[s]} = {_ZEROS[lib].format(rows=n)}")
    for p in weights:
        src.append(f"    {namer.gradient(p)} = 0")
    dx = namer.gradient(form.x.name)
    if cell.x_grad:
        src.append(f"    {dx}_seq = []")
    src.append(f"    for t in reversed(range({T})):")
    src.append(f"        {form.x.name} = X[{_rows(d, 't')}]")
    for c in cached:
        src.append(f"        {c} = {_seq(c)}[t]")
    if cell.output == "all":
        src.append(f"        {incoming[h]} = {incoming[h]} + {dA}[{_rows(n, 't')}]")
    grads = {namer.gradient(p) for p in weights}
    for ln in body:
        if ln.target in grads:
            ln = type(ln)(ln.target, ln.code, ln.comment)
            lines = _line(ln, "        ")
            lines[-1] = lines[-1].replace(f"{ln.target} = ", f"{ln.target} += ", 1)
            src += lines
        else:
            src += _line(ln, "        ")
    if cell.x_grad:
        src.append(f"        {dx}_seq.append({dx})")
    src.append(f"        {', '.join(incoming.values())} = {carried}")
    dX = f"{_CONCAT[lib]}({dx}_seq[::-1])" if cell.x_grad else "None"
    rets = [dX, *(namer.gradient(p) for p in weights)]
    if cell.learn_h0:
        rets += [dialect.sum(incoming[s], 1) for s in cell.states]
    src.append(f"    return {', '.join(rets)}")
    return "\n".join(src)
