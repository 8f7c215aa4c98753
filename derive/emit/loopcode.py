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


def stacked(name: str) -> str:
    """The stacked values of step quantity ``name`` over t (h1 -> h1s)."""
    return f"{name}s"


def caches(cell: Cell, backward_code: str) -> list[str]:
    """The step quantities the backward body reads, in step order; a previous state is read
    from its state's stack (h1_prev at t is h1 at t-1), so the state is kept instead."""
    form = step_derivation(cell).form
    names = [*(v.name for v in form.prev.values()), *form.values]
    reads = {n for n in names if _reads(backward_code, n)}
    reads |= {s for s in cell.states if cell.prev(s) in reads}
    return [n for n in form.values if n in reads]


def _reads(code: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", code) is not None


def fit(head: str, items: list[str], tail: str, indent: str) -> str:
    """``head(items)tail`` as ruff formats it: on one line when it fits in 100 columns, else
    one item a line with a trailing comma (which ruff keeps expanded)."""
    one = f"{indent}{head}{', '.join(items)}{tail}"
    if len(one) <= 100:
        return one
    inner = "".join(f"{indent}    {item},\n" for item in items)
    return f"{indent}{head}\n{inner}{indent}{tail}"


def forward_line(node: Recur, operands: list[str], target: str, cached: list[str]):
    """(target, code) of the layer's equation in ``forward``: the call of its forward loop,
    one operand a line when the line would pass 100 columns."""
    outs = ", ".join([target, *(stacked(n) for n in cached)])
    head = f"{outs} = {_name(node.cell, 'forward')}("
    return outs, fit(head, operands, ")", "    ")[len(f"    {outs} = ") :]


def backward_call(node: RecurGrad, operands: list[str], cached: list[str], target: str) -> str:
    """The code of ``target = `` the layer's backward loop (operands: x, the parameters, g)."""
    *args, g = operands
    items = [g, *args, *(stacked(n) for n in cached)]
    head = f"{target} = {_name(node.cell, 'backward')}("
    return fit(head, items, ")", "    ")[len(f"    {target} = ") :]


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
        print_forward(step_network(sd.form), fwd, dialect, margin=4)
        x = node.args[0]
        if dialect.lib == "jnp":  # jax.lax.scan instead of the Python loop (scancode)
            from . import scancode

            source = scancode.forward_source(sd, fwd, cached, dialect, x)
            source += "\n\n\n" + scancode.backward_source(sd, body, cached, dialect, x)
        else:
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


def _doc(text: str) -> list[str]:
    """A docstring wrapped to the page (its lines indented 4)."""
    lines = textwrap.wrap(f'"""{text}"""', 96, break_on_hyphens=False)
    return [f"    {line}" for line in lines]


def _initial(cell: Cell, s: str, lib: str) -> str:
    """A state at t = 0 for every sample: zeros, or the learned column spread over them."""
    zeros = _ZEROS[lib].format(rows=cell.units)
    return f"{cell.initial(s)} + {zeros}" if cell.learn_h0 else zeros


def _forward_source(sd: StepDerivation, lines, cached, dialect, x) -> str:
    cell, form = sd.cell, sd.form
    d, T, lib = cell.d, cell.steps, dialect.lib
    h = cell.emit
    start = ", ".join(
        f"{s}_0 = " + (cell.initial(s) if cell.learn_h0 else "0") for s in cell.states
    )
    what = f"every {h}_t stacked in time order" if cell.output == "all" else f"{h} at t = {T}"
    article = "an" if cell.kind in ("rnn", "lstm") else "a"
    start = f", from {start}" if cell.states else ""
    doc = _doc(
        f"Layer {cell.k}, {article} {cell.kind} over {T} steps of {d} rows: the step below for "
        f"t = 0..{T - 1}{start}. Returns {what}, and each t's "
        f"{', '.join(cached) or 'nothing'} stacked (T, rows, m)."
    )
    src = [fit(f"def {_name(cell, 'forward')}(", _args(cell), "):", ""), *doc, _M]
    src += [f"    {s} = {_initial(cell, s, lib)}" for s in cell.states]
    keep = [*cached, h] if cell.output == "all" and h not in cached else cached
    src += [f"    {stacked(c)} = []" for c in keep]
    src.append(f"    for t in range({T}):")
    src.append(f"        {form.x.name} = X[{rows(d)}]")
    if cell.states:
        src.append(f"        {', '.join(map(cell.prev, cell.states))} = {', '.join(cell.states)}")
    for ln in lines:
        src += _line(ln, "        ")
    src += [f"        {stacked(c)}.append({c})" for c in keep]
    value = f"{_CONCAT[lib]}({stacked(h)})" if cell.output == "all" else h
    rets = [value, *(f"{_STACK[lib]}({stacked(c)})" for c in cached)]
    src.append(fit("return ", rets, "", "    ") if len(rets) == 1 else _return(rets))
    return _source(src)


def _return(items: list[str]) -> str:
    """``return a, b, ...`` as ruff formats it (parenthesized, one a line, when too long)."""
    one = f"    return {', '.join(items)}"
    if len(one) <= 100:
        return one
    return "    return (\n" + "".join(f"        {i},\n" for i in items) + "    )"


_M = "    m = X.shape[1]"  # the sample count, written where the body reads it (_source)


def _source(src: list[str]) -> str:
    """The function's lines, without ``m = X.shape[1]`` when nothing reads m."""
    i = src.index(_M)
    if not _reads("\n".join(src[i + 1 :]), "m"):
        src = src[:i] + src[i + 1 :]
    return "\n".join(src)


def rows(d: int, t: str = "t") -> str:
    """The slice of step t's row block of height d (``3 * t : 3 * t + 3``)."""
    return f"{d} * {t} : {d} * {t} + {d}" if d != 1 else f"{t} : {t} + 1"


def _backward_source(sd: StepDerivation, body, cached, dialect, x) -> str:
    cell, form = sd.cell, sd.form
    n, d, T, lib = cell.units, cell.d, cell.steps, dialect.lib
    h = cell.emit
    dA = "grad"  # the gradient of the layer's value (a step may have its own dA2)
    incoming = {s: sd.incoming[s].name for s in cell.outputs}
    weights = list(cell.weights)
    carried = ", ".join(namer.gradient(cell.prev(s)) for s in cell.states)
    doc = _doc(
        f"Layer {cell.k}'s backpropagation through time: the step's derived backward for "
        f"t = {T - 1}..0"
        + (f", carrying {carried} to the step before" if carried else "")
        + "; each weight's gradient summed over t. Returns the gradients of "
        + f"(x, {', '.join(cell.params)}) (None: x needs none)."
    )
    args = [dA, *_args(cell), *(stacked(c) for c in cached)]
    src = [fit(f"def {_name(cell, 'backward')}(", args, "):", ""), *doc, _M]
    for s in cell.states:
        first = dA if s == h and cell.output != "all" else _ZEROS[lib].format(rows=n)
        src.append(f"    {incoming[s]} = {first}")
    src += [f"    {namer.gradient(p)} = 0" for p in weights]
    dx = namer.gradient(form.x.name)
    if cell.x_grad:
        src.append(f"    {stacked(dx)} = []")
    src.append(f"    for t in reversed(range({T})):")
    src.append(f"        {form.x.name} = X[{rows(d)}]")
    code = "\n".join(ln.code for ln in body)
    for s in cell.states:  # the state before step t: the one step t-1 made
        if _reads(code, cell.prev(s)):
            before = f"{stacked(s)}[t - 1] if t else {_initial(cell, s, lib)}"
            src.append(f"        {cell.prev(s)} = {before}")
    src += [f"        {c} = {stacked(c)}[t]" for c in cached if _reads(code, c)]
    if cell.output == "all":
        block = f"{dA}[{rows(n)}]"
        value = f"{incoming[h]} + {block}" if cell.states else block
        src.append(f"        {incoming[h]} = {value}")
    grads = {namer.gradient(p) for p in weights}
    for ln in body:
        lines = _line(ln, "        ")
        if ln.target in grads:  # the weight's term at t, added to the sum over t
            lines[-1] = lines[-1].replace(f"{ln.target} = ", f"{ln.target} += ", 1)
        src += lines
    if cell.x_grad:
        src.append(f"        {stacked(dx)}.append({dx})")
    if cell.states:
        src.append(f"        {', '.join(incoming[s] for s in cell.states)} = {carried}")
    rets = ["None" if not cell.x_grad else f"{_CONCAT[lib]}({stacked(dx)}[::-1])"]
    rets += [namer.gradient(p) for p in weights]
    if cell.learn_h0:  # what reaches the initial state, summed over the samples
        rets += [dialect.sum(incoming[s], 1) for s in cell.states]
    src.append(_return(rets))
    return _source(src)
