"""A recurrent layer's time loop for JAX: ``jax.lax.scan`` over the step, forward and backward.

The same two functions as ``loopcode`` writes for NumPy and torch (the same names, arguments
and returns, the same step code printed once), with the Python loop replaced by a scan: the
forward scans the step over the row blocks of X (``X.reshape(T, d, m)``: block t is x_(t+1)),
carrying the states and stacking what the backward reads; the backward scans the step's
derived backward in reverse (``reverse=True``) over those stacks, carrying the state
gradients and each weight's sum over t, and stacks dx_t in time order. Under ``jax.jit`` a
Python loop is unrolled into T copies of the step (compile time and program size grow with
T); a scan is compiled once. Every cell fits: the step's shapes do not depend on t. torch has
no scan, so its modules keep the loop.
"""

from __future__ import annotations

from derive.engine import namer

from . import loopcode as lc

_SCAN = "jax.lax.scan"


def _tuple(items: list[str]) -> str:
    """A Python tuple's code: (a, b), (a,), or None for no items."""
    if not items:
        return "None"
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _assign(target: str, items: list[str], indent: str) -> list[str]:
    """``target = (a, b, ...)`` as ruff formats it: one item a line when too long."""
    one = f"{indent}{target} = {_tuple(items)}"
    if len(one) <= 100 or len(items) < 2:
        return [one]
    return [f"{indent}{target} = (", *(f"{indent}    {i}," for i in items), f"{indent})"]


def _unpack(names: list[str], value: str, indent: str) -> list[str]:
    """``a, b, ... = value`` as ruff formats it: the names one a line when too long."""
    one = f"{indent}{', '.join(names) if len(names) > 1 else f'({names[0]},)'} = {value}"
    if len(one) <= 100:
        return [one]
    return [f"{indent}(", *(f"{indent}    {n}," for n in names), f"{indent}) = {value}"]


def _scan(targets: str, args: list[str]) -> list[str]:
    """``targets = jax.lax.scan(args)``; ``carry, ys = ...`` unpacked after when too long."""
    call = f"{_SCAN}({', '.join(args)})"
    one = f"    {targets} = {call}"
    if len(one) <= 100:
        return [one]
    carry, _, ys = targets.rpartition(", ")
    names = carry.strip("()").rstrip(",").split(", ")
    return [f"    carry, {ys} = {call}", *_unpack(names, "carry", "    ")]


def _blocks(array: str, steps: int, rows: int) -> str:
    """The T row blocks of ``array`` (T*rows, m) as a (T, rows, m) array."""
    return f"{array}.reshape({steps}, {rows}, -1)"


def forward_source(sd, lines, cached, dialect, x) -> str:
    cell, form = sd.cell, sd.form
    T, d, h = cell.steps, cell.d, cell.emit
    start = ", ".join(
        f"{s}_0 = " + (cell.initial(s) if cell.learn_h0 else "0") for s in cell.states
    )
    what = f"every {h}_t stacked in time order" if cell.output == "all" else f"{h} at t = {T}"
    article = "an" if cell.kind in ("rnn", "lstm") else "a"
    start = f", from {start}" if cell.states else ""
    doc = lc._doc(
        f"Layer {cell.k}, {article} {cell.kind} over {T} steps of {d} rows: the step below "
        f"scanned over t = 0..{T - 1}{start}. Returns {what}, and each t's "
        f"{', '.join(cached) or 'nothing'} stacked (T, rows, m)."
    )
    keep = [*cached, h] if cell.output == "all" and h not in cached else list(cached)
    prev = [cell.prev(s) for s in cell.states]
    src = [lc.fit(f"def {lc._name(cell, 'forward')}(", lc._args(cell), "):", ""), *doc, lc._M]
    src += ["", f"    def step({'carry' if prev else '_'}, {form.x.name}):"]
    if prev:
        src += _unpack(prev, "carry", "        ")
    for ln in lines:
        src += lc._line(ln, "        ")
    carry = _tuple(list(cell.states))
    src += [f"        return {carry}, {_tuple([*keep])}", ""]
    if cell.states:
        src += _assign("start", [lc._initial(cell, s, dialect.lib) for s in cell.states], "    ")
    stacks = _tuple([lc.stacked(c) for c in keep]) if keep else "_"
    final = carry if cell.states else "_"
    src += _scan(f"{final}, {stacks}", ["step", "start" if cell.states else "None",
                                        _blocks("X", T, d)])  # fmt: skip
    stack = lc.stacked(h)
    value = f"{stack}.reshape({cell.out_rows}, -1)" if cell.output == "all" else h
    rets = [value, *(lc.stacked(c) for c in cached)]
    src.append(lc.fit("return ", rets, "", "    ") if len(rets) == 1 else lc._return(rets))
    return lc._source(src)


def backward_source(sd, body, cached, dialect, x) -> str:
    cell, form = sd.cell, sd.form
    n, d, T, lib = cell.units, cell.d, cell.steps, dialect.lib
    h = cell.emit
    incoming = {s: sd.incoming[s].name for s in cell.outputs}
    weights = list(cell.weights)
    carried = [namer.gradient(cell.prev(s)) for s in cell.states]
    doc = lc._doc(
        f"Layer {cell.k}'s backpropagation through time: the step's derived backward scanned "
        f"over t = {T - 1}..0"
        + (f", carrying {', '.join(carried)} to the step before" if carried else "")
        + "; each weight's gradient summed over t. Returns the gradients of "
        + f"(x, {', '.join(cell.params)}) (None: x needs none)."
    )
    args = ["grad", *lc._args(cell), *(lc.stacked(c) for c in cached)]
    code = "\n".join(ln.code for ln in body)
    grads = [namer.gradient(p) for p in weights]
    # what each step reads, scanned over t: x_t, the states before it, the stacks it reads,
    # the block of the layer's gradient at t (when every h_t is handed on)
    xs = {form.x.name: _blocks("X", T, d)}
    prevs = []
    for s in cell.states:
        if lc._reads(code, cell.prev(s)):
            xs[cell.prev(s)] = lc.stacked(cell.prev(s))
            prevs.append(s)
    xs |= {c: lc.stacked(c) for c in cached if lc._reads(code, c)}
    block = "grad_t" if cell.states else incoming[h]
    if cell.output == "all":
        xs[block] = _blocks("grad", T, n)
    src = [lc.fit(f"def {lc._name(cell, 'backward')}(", args, "):", ""), *doc, lc._M]
    state = [incoming[s] for s in cell.states] + grads
    src += ["", "    def step(carry, inputs):"]
    src += _unpack(state, "carry", "        ")
    src += _unpack(list(xs), "inputs", "        ")
    if cell.output == "all" and cell.states:
        src.append(f"        {incoming[h]} = {incoming[h]} + {block}")
    for ln in body:
        lines = lc._line(ln, "        ")
        if ln.target in grads:  # the weight's term at t, added to the sum over t
            lines[-1] = lines[-1].replace(f"{ln.target} = ", f"{ln.target} += ", 1)
        src += lines
    dx = namer.gradient(form.x.name)
    ys = dx if cell.x_grad else "None"
    src += [f"        return {_tuple([*carried, *grads])}, {ys}", ""]
    begin = []
    for s in cell.states:
        first = "grad" if s == h and cell.output != "all" else lc._ZEROS[lib].format(rows=n)
        begin.append(first)
    begin += [f"jnp.zeros_like({p})" for p in weights]
    for s in prevs:  # the state before each step: the initial one, then each step's
        first = f"{s}_start"
        src.append(f"    {first} = {lc._initial(cell, s, lib)}")
        before = f"jnp.concatenate([{first}[None], {lc.stacked(s)}[:-1]])"
        src.append(f"    {lc.stacked(cell.prev(s))} = {before}")
    src += _assign("start", begin, "    ")
    src += _assign("scanned", list(xs.values()), "    ")
    dxs = lc.stacked(dx) if cell.x_grad else "_"
    src += _scan(f"{_tuple(state)}, {dxs}", ["step", "start", "scanned", "reverse=True"])
    rets = ["None" if not cell.x_grad else f"{dxs}.reshape({T * d}, -1)"]
    rets += grads
    if cell.learn_h0:  # what reaches the initial state, summed over the samples
        rets += [dialect.sum(incoming[s], 1) for s in cell.states]
    src.append(lc._return(rets))
    return lc._source(src)
