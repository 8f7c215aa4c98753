"""``derive show``: the derivation as plain text, with the shape of every quantity.

Four parts, in the notes' order: the forward equations, the cost, the chain rule per parameter
(factor by factor, with what each factor is called), and the vectorized batch gradients
(the deltas and their recursion, then dW = (1/m) delta @ A.T, db = (1/m) sum over samples).
"""

from __future__ import annotations

from sympy.printing.str import StrPrinter

from derive.engine import namer
from derive.engine.chain import chains
from derive.engine.conv import beyond_scalars, has_images, unused_notes
from derive.engine.derivation import Derivation
from derive.engine.ir import Recur, RecurGrad, fmt_shape
from derive.engine.timeloop import timed_backward, timed_forward

from .layercode import layer_notes
from .npprint import overflow_notes
from .text import legend, node_text, piecewise_text


class _Scalar(StrPrinter):
    def _print_Piecewise(self, expr):
        return piecewise_text(self, expr)

    def _print_SumUnits(self, expr):
        return f"sum_units({self._print(expr.args[0])})"


def _s(expr) -> str:
    return _Scalar().doprint(expr)


def _shape(shape) -> str:
    return fmt_shape(shape).replace("'", "")


def _normalization_chains(d: Derivation) -> list[str]:
    """Batch, layer and group norm's gradients as the rules produce them (through the normalised
    value, the std, the variance and the mean) and then simplified (the compact form)."""
    out = []
    net = d.network
    for k, layer in enumerate(net.layers or [], start=1):
        if layer.kind not in ("batchnorm", "layernorm", "groupnorm"):
            continue
        names = {namer.layer(base, k) for base in ("xhat", "std", "var", "mu")}
        names.add(namer.layer("A", k - 1))
        out.append("")
        out.append(f"{layer.kind} (layer {k}): the chain through the mean and the variance")
        for s in d.steps:
            if s.of in names:
                out.append(f"  {s.name:<8} = {node_text(s.value)}")
                if s.simplified != s.value:
                    out.append(f"  {'':<8} = {node_text(s.simplified)}")
    return out


def _step(node: Recur) -> list[str]:
    """A time loop's step, once: its equations at t, where x_t and h_0 come from."""
    c = node.cell
    x = node_text(node.args[0])
    start = "".join(f"; {s}_0 = " + (c.initial(s) if c.learn_h0 else "0") for s in c.states)
    out = [f"    for t = 1..{c.steps} ({c.x_t} = rows (t-1)*{c.d} ... t*{c.d} of {x}{start}):"]
    out += [f"      {name:<10} = {node_text(e)}" for name, e in timed_forward(c)]
    return out


def _through_time(node: RecurGrad) -> list[str]:
    """Backpropagation through time, once: the step's derived backward for t = T, ..., 1,
    with the gradients handed back to step t-1 (the recursion) and each weight's term."""
    c = node.cell
    h = c.emit
    A = node_text(node.g)
    n = c.units
    src = f"rows (t-1)*{n} ... t*{n} of {A}" if c.output == "all" else f"{A} at t = {c.steps}"
    if not c.states:  # no recursion: each step on its own
        out = [f"  each step, t = {c.steps}, ..., 1 (d{h}_t = {src}):"]
    else:
        out = [
            f"  back through time, t = {c.steps}, ..., 1 (d{h}_t = what step t+1 hands back, "
            f"0 at t = {c.steps}, + {src}):"
        ]
    for name, e, kind in timed_backward(c):
        note = {"weight": "   [summed over t]", "carried": "   [to step t-1]"}.get(kind, "")
        out.append(f"      {name:<10} = {node_text(e)}{note}")
    return out


def show_text(d: Derivation) -> str:
    """The derivation as text, in the notes' order (see the module's docstring), a blank line
    between the parts."""
    net = d.network
    out = [*_network(net), "", *_forward(net), "", *_cost(net), "", *_chain_rule(d), ""]
    out += [*_batch_gradients(d), "", *_update(net)]
    return "\n".join(out) + "\n"


def _network(net) -> list[str]:
    """The heading: the network's sizes and the shapes of X and Y (samples as columns)."""
    image = f" ({net.image[0]}x{net.image[1]}x{net.image[2]} images)" if net.image else ""
    return [
        f"network {net.name}: {net.inputs} inputs{image}, {net.outputs} outputs, "
        "m samples as columns",
        f"  X {_shape(net.x.shape)}   Y {_shape(net.y.shape)}",
    ]


def _forward(net) -> list[str]:
    """The parameters (a kernel kept in another shape says so) and the equations with their
    shapes; for images, the legend of the image operations."""
    out = ["forward"]
    add = out.append
    for p, var in net.params.items():
        stored = net.stored_shape(p)
        kept = f" (stored {_shape(stored)})" if stored != tuple(var.shape) else ""
        add(f"  {p:<8} {_shape(var.shape)}  parameter{kept}")
    for name, node in net.equations.items():
        shape = _shape(net.values[name].shape)
        add(f"  {name:<8} {shape}  = {node_text(node)}")
        out += [f"{'':13}{note}" for note in unused_notes(node)]
        if isinstance(node, Recur):
            out += _step(node)
    if has_images(net):
        add("  where, per sample:")
        out += [f"    {entry.text}" for entry in legend(net)]
    return out


def _cost(net) -> list[str]:
    """The cost per output and sample, how it is reduced over the samples, and a penalty
    added after that."""
    red = "averaged over" if net.reduction == "mean" else "summed over"
    out: list[str] = []
    add = out.append
    add(f"cost ({net.cost_name}): C = {net.cost_text}, summed over the outputs, {red} the samples")
    if net.penalty is not None:
        after = "mean" if net.reduction == "mean" else "sum"
        add(f"  + penalty {net.penalty_text}  (added after the {after} over the samples)")
    return out


def _chain_rule(d: Derivation) -> list[str]:
    """Each parameter's chain for one sample; a parameter with none (it reaches the cost
    through batch statistics) is pointed to the batch gradients."""
    net = d.network
    out = ["chain rule, one sample (the notes' scalar view)"]
    add = out.append
    listed = chains(d)
    if beyond_scalars(net):
        add(
            "  not shown: a pixel gathers over a window, a time step over the steps after it, "
            "a row block's gradient is placed among zeros"
        )
    for c in listed:
        out += _chain(c)
    batch_only = [s.of for s in d.param_steps if s.of not in {c.param for c in listed}]
    if batch_only and not beyond_scalars(net):
        add(f"  dC/d{', dC/d'.join(batch_only)}: through batch statistics (sums over the")
        add("      samples) or a reduction of it, so no per-sample chain: see the batch gradients")
    return out


def _chain(c) -> list[str]:
    """One parameter's chain rule: each path as a product of factors, each factor's value
    (and its form) and what it is called, then the result."""
    out: list[str] = []
    add = out.append
    for k, path in enumerate(c.paths):
        lead = f"  dC/d{c.param}" if k == 0 else "        +"
        leibniz = " * ".join(f"d{f.numerator}/d{f.denominator}" for f in path)
        add(f"{lead} = {leibniz}")
        for f in path:
            form = f"  (= {_s(f.form)})" if f.form is not None else ""
            add(f"      d{f.numerator}/d{f.denominator} = {_s(f.value)}{form}   [{f.label}]")
    if c.n_paths > len(c.paths):
        add(f"        + {c.n_paths - len(c.paths)} more paths")
    add(f"    = {_s(c.result)}")
    return out


def _batch_gradients(d: Derivation) -> list[str]:
    """The vectorized gradients in the derivation's order: each parameter's, with (1/m) in
    front for a mean, and each named delta; the steps of a recurrence once, as its sums over
    time. Then the assumptions and the normalization chains."""
    net = d.network
    out = ["batch gradients (vectorized)"]
    add = out.append
    scale = "" if d.scale == 1 else "(1/m) "
    shown = set()
    for s in d.steps:
        if isinstance(s.simplified, RecurGrad) and s.simplified.cell not in shown:
            shown.add(s.simplified.cell)
            out += _through_time(s.simplified)
        shape = _shape(s.simplified.shape)
        if s.kind == "param":
            text = node_text(s.simplified)
            if scale and " + " in text:
                text = f"({text})"
            extra = f" + {node_text(s.penalty)}   [penalty]" if s.penalty is not None else ""
            add(f"  d{s.of:<7} {shape}  = {scale}{text}{extra}")
        elif not s.inlined or s.name.startswith("delta"):
            add(f"  {s.name:<8} {shape}  = dC/d{s.of} = {node_text(s.simplified)}")
    out += [f"  assuming {fact}" for fact in d.assumptions + layer_notes(net) + overflow_notes(net)]
    return out + _normalization_chains(d)


def _update(net) -> list[str]:
    """The gradient-descent rules, as many to a line as fit in 100 columns (a deep net has
    dozens)."""
    out = ["update (gradient descent, learning rate eta)"]
    add = out.append
    rules = [f"{p} := {p} - eta * {namer.gradient(p)}" for p in net.params]
    line = ""
    for rule in rules:
        if line and len(line) + 3 + len(rule) > 98:
            add("  " + line)
            line = ""
        line += ("   " if line else "") + rule
    add("  " + line)
    return out
