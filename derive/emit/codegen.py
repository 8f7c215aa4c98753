"""The derivation as a NumPy module: forward, backward, loss, from a Jinja2 template.

``program(net)`` turns a network and its derivation (with the mean's 1/m folded into the seed,
``derive(net, fold_scale=True)``) into lines of code, one per equation and one per named
gradient, each with the equation it implements as a comment. ``render`` puts them into
``templates/module.py.j2``; ``load_module`` executes the rendered source as an in-memory module
(for notebooks and tests: the same code as the file, not a second implementation);
``write_modules`` writes ``generated/<name>.py`` atomically, or with ``check=True`` only names
the files that are stale.

Code and derivation share names: the notes' ``z1, A1, delta2, dW2``, the input ``X`` and the
target ``Y`` (the interface's arguments).
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import sys
import textwrap
import types
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import sympy as sp

from derive.engine import namer
from derive.engine.derivation import Derivation, Step, derive
from derive.engine.derivation import m as m_symbol
from derive.engine.graph import Network
from derive.engine.ir import (
    IMAGE_NODES,
    Conv,
    Elementwise,
    GroupSum,
    M,
    MatMul,
    Node,
    NodePrinter,
    PadRows,
    Recur,
    Repeat,
    Sum,
    Transpose,
    Var,
    broadcast,
    free_vars,
    placeholder,
    walk,
)
from derive.engine.registry import ActivationFunction
from derive.errors import DeriveError
from derive.fileio import write_atomic
from derive.resources import EXAMPLES, TEMPLATES

from . import convcode, fusedkernels, layercode, loopcode
from .fused import Fused, FusedUnsupported, fused_program
from .npprint import NUMPY, Dialect, overflow_notes, stabilize, uses_erf
from .text import node_text, var_name

DEFAULT_OUT = Path("generated")  # in the folder derive runs in: the user's project
_COLS_NOTE = "im2col: every window of every sample a column (kept for the kernel gradient)"


@dataclass
class Line:
    target: str
    code: str
    comment: str = ""

    def __post_init__(self):
        self.code = pretty(self.code)
        self.comment = pretty(self.comment, strict=False)


def pretty(code: str, strict: bool = True) -> str:
    """``code`` as ruff would format it: spaces around binary operators, no redundant
    parentheses, ``**`` hugging simple operands. Comments that are not Python stay as they are."""
    prefix = ""
    if not strict and " = " in code:  # "dW2 = dC/dW2 = expr": tidy only the expression
        prefix, _, code = code.rpartition(" = ")
        prefix += " = "
    try:
        text = ast.unparse(ast.parse(code, mode="eval"))
    except SyntaxError:
        if strict:
            raise
        return prefix + code
    simple = r"-?[A-Za-z_0-9.]+"
    text = re.sub(rf"(?<![\w.)\]])({simple}) \*\* ({simple})(?![\w.(\[])", r"\1**\2", text)
    return prefix + text.replace("'", '"')


@dataclass
class Program:
    forward: list[Line] = field(default_factory=list)
    forward_y: list[Line] = field(default_factory=list)  # the equations that read y, after
    infer: list[Line] = field(default_factory=list)  # forward at inference, when it differs
    backward: list[Line] = field(default_factory=list)
    loss: list[Line] = field(default_factory=list)  # the last line's target is the loss
    forward_reads: list[str] = field(default_factory=list)  # params the forward pass reads
    backward_params: list[str] = field(default_factory=list)
    backward_cache: list[str] = field(default_factory=list)
    returns: list[tuple[str, str]] = field(default_factory=list)  # (param, gradient variable)
    loss_reads: list[str] = field(default_factory=list)
    penalty: list[Line] = field(default_factory=list)  # [cost] penalty; last target: penalty
    penalty_reads: list[str] = field(default_factory=list)
    uses_erf: bool = False
    forward_uses_m: bool = False  # a mean over the samples divides by m
    helpers: list[str] = field(default_factory=list)  # convcode kernels the code calls
    saved: list[str] = field(default_factory=list)  # forward temporaries the backward reuses
    fused: Fused | None = None  # the same step into preallocated arrays (fused.py)
    fused_helpers: list[str] = field(default_factory=list)  # fusedkernels the fused step calls
    fused_missing: str = ""  # why there is no fused step (fused is None)
    init: list[tuple[str, tuple, str]] = field(default_factory=list)  # (param, shape, rule)


code_name = var_name


class _Emitter(NodePrinter):
    """Prints IR nodes as NumPy expressions, hoisting an argument that an elementwise
    expression uses twice into its own line (computed once)."""

    def __init__(self, lines: list[Line], names: dict[Node, str], dialect: Dialect = NUMPY):
        self.d = dialect
        self.lines = lines
        self.names = names  # nodes already held in a variable
        self.temps = 0
        self.room = 88  # characters left on the current line for an expression
        self.margin = 0  # extra indentation (a time loop's body: 4)
        self.preferred: dict[Node, Step] = {}  # inlined gradients: a hoisted one keeps its name
        # The im2col copy of a convolution's input, made once in the forward pass and kept
        # for the kernel gradient (key: the input node and the window).
        self.cols: dict[tuple[Node, object], str] = {}

    def atom(self, node: Node) -> str:
        text = self.expr(node)
        atomic = isinstance(node, (Var, Transpose, Sum, *IMAGE_NODES))
        return text if atomic or node in self.names else f"({text})"

    def expr(self, node: Node) -> str:
        if node in self.names:
            return self.names[node]
        return self.print_node(node)

    def _print_Var(self, node):
        return code_name(node)

    def _print_MatMul(self, node):
        left = (
            self.expr(node.a) if isinstance(node.a, Var | Transpose | MatMul) else self.atom(node.a)
        )
        return f"{left} @ {self.atom(node.b)}"

    def _print_Transpose(self, node):
        return f"{self.atom(node.a)}.T"

    def _print_Sum(self, node):
        return self.d.sum(self.atom(node.a), node.axis)

    def _print_Elementwise(self, node):
        blocks = _tiling(node)
        if blocks:  # row blocks that tile the rows (an LSTM's gate deltas): one array
            mark = self._mark()
            parts = [self.expr(b.a) for b in blocks]
            if len(pretty(loopcode.concat(self.d.lib, parts))) > self.room:
                self._undo(mark)
                for b in blocks:  # a block a line
                    if b.a not in self.names and not isinstance(b.a, Var):
                        self.hoist(b.a)
                parts = [self.expr(b.a) for b in blocks]
            return loopcode.concat(self.d.lib, parts)
        shape = "(" + ", ".join("m" if s == M else str(s) for s in node.shape) + ")"
        if not node.args and node.shape != (1, 1):  # a constant matrix, as an array
            return self.d.full(shape, self.elementwise(node.expr, ()))
        code = self.elementwise(node.expr, node.args)
        if broadcast([a.shape for a in node.args]) != node.shape:
            # a row (1, m) standing for a (k, m) gradient: sum_units' rule broadcasts it back
            return self.d.broadcast(code, shape)
        return code

    def _print_RecurGrad(self, node):
        # one call of the layer's backward loop gives every operand's gradient
        key = (node.cell, node.g)
        if key not in self.names:
            cached = [n for (c, n) in self.cols if c == node.cell]
            name = f"bptt{node.cell.k}"
            operands = [self.expr(k) for k in node.children()]
            call = loopcode.backward_call(node, operands, cached, name)
            what = f"layer {node.cell.k}'s backpropagation through time, t = {node.cell.steps}..1"
            self.lines.append(Line(name, call, what))
            self.lines[-1].code = call  # as loopcode split it (pretty would join the lines)
            self.names[key] = name
        return f"{self.names[key]}[{node.i}]"

    def _print_Conv(self, node):
        if (node.x, node.win) in self.cols:  # the forward's im2col copy
            cols = self.cols[node.x, node.win]
            return f"({self.expr(node.w)} @ {cols}).reshape({node.shape[0]}, -1)"
        return self._print_image(node)

    def _print_ConvGradW(self, node):
        if (node.x, node.win) in self.cols:  # the kernel gradient reuses it
            cols = self.cols[node.x, node.win]
            return f"{self.atom(node.g)}.reshape({node.shape[0]}, -1) @ {cols}.T"
        return self._print_image(node)

    def _print_image(self, node):
        spread = isinstance(node, Repeat | GroupSum)
        mark = self._mark() if spread else None
        code = self.d.image(node, [self.expr(k) for k in node.children()])
        if not spread or len(pretty(code)) <= self.room:
            return code
        # a block sum or spread too long for a line (a channel's sum of a spread statistic,
        # in torch's longer calls): its computed operands on lines of their own
        self._undo(mark)
        for kid in node.children():
            if not isinstance(kid, Var) and kid not in self.names:
                self.hoist(kid)
        return self.d.image(node, [self.expr(k) for k in node.children()])

    def _print_Recur(self, node):  # a layer's whole equation: _forward writes its call
        raise TypeError("a time loop is printed by its equation (codegen._forward)")

    def _print_rows(self, node):
        # the call around the operand (_pad_rows(..., 8, 16)) takes room on the line too
        room, self.room = self.room, self.room - len(self.d.image(node, [""]))
        try:
            return self._print_image(node)
        finally:
            self.room = room

    _print_WindowNode = _print_image  # every window node but the two above: its kernel
    _print_Repeat = _print_GroupSum = _print_image
    _print_Rows = _print_PadRows = _print_rows

    def elementwise(self, expr: sp.Expr, args) -> str:
        names: dict[sp.Symbol, str] = {}
        bare = set(expr.args) if isinstance(expr, sp.Add) else set()
        for i, arg in enumerate(args):
            sym = placeholder(i)
            if not isinstance(arg, Var) and arg not in self.names and expr.count(sym) > 1:
                self.hoist(arg)
            if isinstance(arg, Var) or arg in self.names or sym in bare:
                names[sym] = self.expr(arg)
            else:
                names[sym] = self.atom(arg)
        names[m_symbol] = "m"
        # A scalar factor (2 / m) goes first, so it multiplies the smallest array once.
        head = ""
        if isinstance(expr, sp.Mul):
            coeff, rest = expr.as_independent(*[placeholder(i) for i in range(len(args))])
            if coeff != 1 and rest != 1:
                # sstr writes rationals and m as the code does; sqrt(2) needs the printer
                exact = coeff.xreplace({m_symbol: sp.Integer(1)}).is_Rational
                head = pretty(sp.sstr(coeff) if exact else self.d.print(stabilize(coeff), names))
                head = f"{head} * " if coeff.is_Integer or "/" not in head else f"({head}) * "
                expr = rest
        st = stabilize(expr)
        long = [
            i
            for i, arg in enumerate(args)
            if isinstance(arg, Repeat | GroupSum)
            and arg not in self.names
            and len(names[placeholder(i)]) > self.room // 2
        ]
        if long and len(pretty(head + self.d.print(st, names))) > self.room:
            for i in long:  # an image operand the line has no room for: a line of its own
                self.hoist(args[i])
                names[placeholder(i)] = self.names[args[i]]
        st = self.shorten(st, names, self.room - len(head))
        body = self.d.print(st, names)
        if head and isinstance(st, sp.Add):
            body = f"({body})"
        return head + body

    def shorten(self, st: sp.Expr, names: dict, room: int) -> sp.Expr:
        """Move the largest parts of a long expression to lines of their own, so that no
        line runs past the page (each part is an array NumPy would make anyway)."""
        while len(pretty(self.d.print(st, names))) > room and not st.is_Atom:
            args = [pair.expr for pair in st.args] if isinstance(st, sp.Piecewise) else st.args
            parts = [p for p in args if not p.is_Atom and not p.is_number]
            if not parts:
                break
            part = max(parts, key=lambda p: len(self.d.print(p, names)))
            self.temps += 1
            sym = sp.Symbol(namer.temporary(self.temps))
            part_room = 88 - self.margin - len(sym.name)  # (the line's own room stays)
            part_code = self.d.print(self.shorten(part, names, part_room), names)
            self.lines.append(Line(sym.name, part_code, ""))
            names[sym] = sym.name
            st = st.xreplace({part: sym})
        return st

    def _mark(self):
        """Where the lines, temporaries and held names stand, to undo a trial print."""
        return len(self.lines), self.temps, dict(self.names)

    def _undo(self, mark) -> None:
        # a trial print that is thrown away takes the parts it moved to lines of their own
        # with it, or they would stay behind as temporaries nothing reads
        lines, self.temps, names = mark
        del self.lines[lines:]
        self.names.clear()
        self.names.update(names)

    def hoist(self, node: Node):
        self.temps += 1
        step = self.preferred.get(node)  # an inlined gradient keeps its own name
        name = step.name if step is not None else namer.temporary(self.temps)
        what = f"{name} = dC/d{step.of} = " if step is not None else ""
        self.lines.append(Line(name, self.expr(node), what + node_text(node)))
        self.names[node] = name


def _activation_of(net: Network) -> dict[str, str]:
    """The activation each parameter feeds (for its init): the function applied to the
    equation the parameter appears in, or 'identity'."""
    out: dict[str, str] = {}
    for name, node in net.equations.items():
        for p in free_vars(node):
            if p.role != "param" or p.name in out:
                continue
            act = "identity"
            for oname, other in net.equations.items():
                if isinstance(other, Elementwise) and net.values[name] in other.args:
                    for f in other.expr.atoms(ActivationFunction):
                        act = type(f).__name__
                if oname in net.softmax and net.values[name] in walk(net.softmax[oname]):
                    act = "softmax"
            out[p.name] = act
    return out


def program(net: Network, d: Derivation | None = None, dialect: Dialect = NUMPY) -> Program:
    """The derivation as lines of code in ``dialect`` (NumPy unless told: the torch and JAX
    printers use the same program, see ``derive/emit/frameworks.py``)."""
    d = d or derive(net, fold_scale=True)
    if d.scale != 1:
        raise ValueError("program() needs derive(net, fold_scale=True)")
    prog = Program()
    loops = loopcode.helpers(net, dialect, _forward, _step_backward)

    # ---- forward: one line per equation; softmax by the shifted, overflow-free form
    _, logsoftmax, cols = _forward(net, prog.forward, dialect, ylines=prog.forward_y, loops=loops)
    if net.running:  # batch norm at inference: the running statistics instead of the batch's
        _forward(net, prog.infer, dialect, layercode.inference_lines(net))
    prog.forward_reads = [p for p in net.params if _reads(prog.forward + prog.forward_y, p)]
    prog.forward_uses_m = _reads(prog.forward + prog.forward_y, "m")

    # ---- backward: one line per named gradient, in the derivation's order
    prog.backward = _backward_lines(d, dialect, cols)
    _backward_interface(prog, net, d, cols)

    # ---- loss: through the logits where the output allows it (log-softmax, softplus)
    prog.loss = _loss_lines(net, logsoftmax, dialect)
    prog.loss_reads = [v for v in ["X", *net.values] if _reads(prog.loss, v)]
    if net.penalty is not None:  # added to the reduced cost, not divided by m
        prog.penalty = _penalty_lines(net, dialect)
        prog.penalty_reads = [p for p in net.params if _reads(prog.penalty, p)]

    if dialect is NUMPY:  # the fused step is NumPy's (out= into a workspace)
        _fused_step(prog, net, d)
    _helpers(prog, dialect, [source for source, _ in loops.values()])
    prog.init = _init_rules(net)
    return prog


def _forward(net: Network, free: list[Line], dialect: Dialect, replace: dict | None = None,
             ylines: list[Line] | None = None, loops: dict | None = None,
             margin: int = 0):  # fmt: skip
    """The forward pass's lines into ``free``: one per equation, each dropout mask drawn just
    before its use; or at inference, ``replace`` giving some equations' lines; a time loop
    (``loops``: its functions and cached names) as the call of its forward function. The
    equations that read y go to ``ylines`` (computed only when the targets are given). Returns
    the names of the nodes held in variables and the logits of each softmax output."""
    names: dict[Node, str] = {}
    em = _Emitter(free, names, dialect)
    em.margin = margin
    logsoftmax: dict[str, str] = {}
    for name, node in net.equations.items():
        lines = ylines if ylines is not None and name in net.target_side else free
        em.lines = lines
        var = net.values[name]
        u = net.softmax.get(name)
        if replace is None:
            lines.extend(Line(*t) for t in layercode.mask_lines(net, node, em.expr, dialect))
        for conv in (n for n in walk(node) if isinstance(n, Conv)):
            cols = namer.im2col(name)
            lines.append(Line(cols, convcode.im2col_call(conv, em.expr(conv.x)), _COLS_NOTE))
            em.cols[conv.x, conv.win] = cols
        if isinstance(node, Recur):
            cached = loops[node][1]
            operands = [em.expr(k) for k in node.children()]
            target, code = loopcode.forward_line(node, operands, name, cached)
            lines.append(Line(target, code, f"{name} = {node_text(node)}"))
            lines[-1].code = code  # as loopcode split it (pretty would join the lines)
            em.cols.update({(node.cell, c): loopcode.stacked(c) for c in cached})
        elif replace and name in replace:
            lines.append(Line(*replace[name]))
        elif u is not None:
            arg = em.atom(u) if not isinstance(u, Var) else code_name(u)
            shift, E = f"{arg} - {dialect.amax(arg, 0)}", namer.exponentials(name)
            lines.append(
                Line(E, dialect.call("exp", shift), "shifted by the column max: never overflows")
            )
            lines.append(Line(name, f"{E} / {dialect.sum(E, 0)}", node_text(node)))
            logsoftmax[name] = arg
        else:
            em.room = 92 - margin - len(name)
            lines.append(Line(name, em.expr(node), f"{name} = {node_text(node)}"))
        names[var] = name
    return names, logsoftmax, em.cols


def _backward_lines(d: Derivation, dialect: Dialect, cols: dict, margin: int = 0) -> list[Line]:
    """The backward pass's lines: one per gradient the derivation names (an inlined one is
    written into its uses, or hoisted under its own name), reusing the forward's im2col
    copies ``cols`` for the kernel gradients."""
    lines: list[Line] = []
    em = _Emitter(lines, {}, dialect)
    em.preferred = {s.simplified: s for s in d.steps if s.inlined}
    em.cols = cols
    em.margin = margin
    for s in d.steps:
        if s.inlined:
            continue
        em.room = 92 - margin - len(s.name)
        code = em.expr(s.simplified)
        if isinstance(s.simplified, Elementwise) and s.simplified.expr.has(sp.Piecewise):
            code = _keep_dtype(s.simplified, code, dialect)
        lines.append(Line(s.name, code, _comment(s)))
        lines[-1].code = _one_term_a_line(s.name, lines[-1].code)
    return lines


def _step_backward(d: Derivation, dialect: Dialect) -> list[Line]:
    """A time loop's step: its derivation's backward lines (``loopcode`` loops over them)."""
    return _backward_lines(d, dialect, {}, margin=4)


def _tiling(node: Elementwise) -> list[PadRows]:
    """The blocks of a sum of zero-padded row blocks that tile the rows in order, or []."""
    if node.expr != sum(placeholder(i) for i in range(len(node.args))) or len(node.args) < 2:
        return []
    if not all(isinstance(a, PadRows) for a in node.args):
        return []
    blocks = sorted(node.args, key=lambda b: b.start)
    row = 0
    for b in blocks:
        if b.start != row:
            return []
        row += b.a.shape[0]
    return blocks if row == blocks[0].total else []


def _backward_interface(prog: Program, net: Network, d: Derivation, cols: dict) -> None:
    """What the generated backward takes and gives: the parameters it reads, the forward
    values it needs from the cache (with the im2col copies it reuses), and the gradients it
    returns, in the parameters' order."""
    steps = [s for s in d.steps if not s.inlined]
    used = {v for s in steps for v in free_vars(s.simplified)}
    prog.backward_params = [p for p in net.params if any(v.name == p for v in used)]
    prog.saved = [c for c in cols.values() if _reads(prog.backward, c)]
    order = [net.x.name, *net.masks, *net.values, *prog.saved]
    prog.backward_cache = sorted(
        {v.name for v in used if v.role in ("value", "input", "mask")} | set(prog.saved),
        key=order.index,
    )
    params = list(net.params)
    prog.returns = sorted(
        ((s.of, s.name) for s in steps if s.kind == "param"), key=lambda r: params.index(r[0])
    )


def _penalty_lines(net: Network, dialect: Dialect) -> list[Line]:
    """The ``[cost] penalty`` as a scalar; the last line's target is ``penalty`` (a long
    penalty's parts go on lines of their own before it)."""
    lines: list[Line] = []
    em = _Emitter(lines, {}, dialect)
    code = dialect.scalar(em.expr(net.penalty))
    lines.append(Line("penalty", code, f"penalty = {net.penalty_text}"))
    return lines


def _fused_step(prog: Program, net: Network, d: Derivation) -> None:
    """The same step into preallocated arrays (``fused.py``) and the kernels it calls; for a
    network it cannot take, the reason, and the module is written without it (train uses the
    rest)."""
    try:
        prog.fused = fused_program(net, d, loss_parts)
    except FusedUnsupported as e:
        prog.fused, prog.fused_missing = None, f"no fused step for this network: {e}"


def _helpers(prog: Program, dialect: Dialect, loops: list[str]) -> None:
    """What the module must define besides the passes: the ``_erf`` helper if any line (or
    the fused step) calls it, the source of the kernels the code calls, and the time loops'
    functions (``loops``)."""
    forward = prog.forward + prog.forward_y
    text = "\n".join(ln.code for ln in forward + prog.backward + prog.loss + prog.penalty)
    text += "\n".join(loops)
    prog.uses_erf = uses_erf(text) or (prog.fused is not None and prog.fused.uses_erf)
    code = "\n".join(ln.code for ln in forward + prog.infer + prog.backward + prog.loss)
    prog.helpers = dialect.kernels(code + "\n".join(loops)) + loops
    if prog.fused is not None:  # and the primitives they share that the kernels above lack
        prog.fused_helpers = fusedkernels.helpers(prog.fused.kernels, prog.helpers)


def _init_rules(net: Network) -> list[tuple[str, tuple, str, int]]:
    """Each parameter's init as (name, stored shape, rule, columns): the layer's own rule
    where it has one (``layercode.init_rules``), zeros for a bias (one column), else by the
    activation the weight feeds (its registry entry's ``init``: He for the relu family)."""
    acts = _activation_of(net)
    special = layercode.init_rules(net)
    init = []
    for p, var in net.params.items():
        _, cols = var.shape
        if p in special:
            rule = special[p]
        elif cols == 1:
            rule = "zeros"
        else:
            act = net.activations.get(acts.get(p, "identity"))
            rule = act.init if act is not None else "xavier"
        init.append((p, net.stored_shape(p), rule, cols))
    return init


def _one_term_a_line(target: str, code: str) -> str:
    """A sum too long for one line (an unrolled recurrence's T terms) as ruff formats it:
    in parentheses, one term a line."""
    if len(f"    {target} = {code}") <= 100:
        return code
    terms: list[str] = []
    node = ast.parse(code, mode="eval").body
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        terms.append(ast.unparse(node.right))
        node = node.left
    if not terms:
        return code
    terms.append(ast.unparse(node))
    body = "\n        + ".join(pretty(t) for t in reversed(terms))
    return f"(\n        {body}\n    )"


def _reads(lines: list[Line], name: str) -> bool:
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    return any(pattern.search(ln.code) for ln in lines)


def _keep_dtype(node: Elementwise, code: str, dialect: Dialect) -> str:
    """A gradient that is only a 0/1 mask would be boolean: give it the dtype of a named
    array it reads (every named array a step reads is loaded in backward)."""
    named = free_vars(node)
    if isinstance(node.expr, sp.Piecewise) and named:
        return dialect.astype(code, code_name(named[0]))
    return code


def _comment(s: Step) -> str:
    what = f"dC/d{s.of}"
    return f"{s.name} = {what} = {node_text(s.simplified)}"


def loss_parts(net: Network, softmaxes) -> tuple[sp.Expr, dict, str]:
    """The cost as it is best computed: (expression, {symbol: IR node or "logA"}, comment).
    A log of a softmax output (a name in ``softmaxes``) becomes the symbol ``logA`` (the
    log-softmax through the logits, finite where A underflows to 0); a log cost of a sigmoid
    output is taken through its pre-activation (BCE: softplus(z) - y z)."""
    out_var = net.values[net.output]
    cost = net.cost  # elementwise in the output and y
    expr = cost.expr
    args = list(cost.args)
    parts: dict = {placeholder(i): arg for i, arg in enumerate(args)}
    a_slot = placeholder(args.index(out_var)) if out_var in args else None
    how = f"C = {net.cost_text}"
    node = net.equations[net.output]
    if a_slot is not None and net.output in softmaxes and expr.has(sp.log(a_slot)):
        logsym = sp.Symbol("logA")
        parts[logsym] = "logA"
        expr = expr.xreplace({sp.log(a_slot): logsym})
    elif (
        a_slot is not None
        and isinstance(node, Elementwise)
        and len(node.args) == 1
        and isinstance(node.expr, ActivationFunction)
        and expr.has(sp.log)
        # the loss reads the cache: logits in named quantities and x, not in the parameters
        and all(v.role in ("value", "input") for v in free_vars(node.args[0]))
    ):
        inner = node.expr.xreplace({placeholder(0): sp.Symbol("__u", real=True)})
        through = expr.xreplace({a_slot: inner})
        st = stabilize(through)
        if not any(f.func is sp.log for f in st.atoms(sp.Function)):
            expr = through
            u = node.args[0]
            parts[sp.Symbol("__u", real=True)] = u
            how += f", through {code_name(u) if isinstance(u, Var) else 'the logits'}"
    return expr, parts, how


def _loss_lines(net: Network, logsoftmax: dict[str, str], dialect: Dialect) -> list[Line]:
    expr, parts, how = loss_parts(net, set(logsoftmax))
    names: dict[sp.Symbol, str] = {}
    lines: list[Line] = []
    for sym, part in parts.items():
        if part == "logA":
            # log of a softmax output: z - logsumexp(z), finite where A underflows to 0
            u = logsoftmax[net.output]
            lines.append(Line("shifted", f"{u} - {dialect.amax(u, 0)}"))
            total = dialect.sum(dialect.call("exp", "shifted"), 0)
            logsum = dialect.call("log", total)
            lines.append(Line("logA", f"shifted - {logsum}", "log-softmax through the logits"))
            names[sym] = "logA"
        elif isinstance(part, Var):
            names[sym] = code_name(part)
        elif sym.name == "__u":
            names[sym] = _Emitter([], {}, dialect).atom(part)
        else:
            names[sym] = f"({part!r})"
    code = dialect.print(stabilize(expr), names)
    scale = " / m" if net.reduction == "mean" else ""
    lines.append(Line("loss", f"{dialect.total(code)}{scale}", how))
    return lines


# ------------------------------------------------------------------ rendering


def _comment_lines(text: str) -> str:
    """A code comment wrapped to the page: continuation lines indented under the first."""
    lines = textwrap.wrap(text, 94, subsequent_indent="    ", break_on_hyphens=False)
    return "\n".join("    # " + line for line in lines)


def _wrap(text: str) -> str:
    return "\n".join(textwrap.wrap(text, 96, subsequent_indent="  "))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["comment"] = _comment_lines
    env.filters["wrap"] = _wrap
    return env


def render(net: Network, out_dir: str | Path | None = None) -> str:
    """The module's source text: deterministic (same spec, same bytes). ``out_dir`` is the
    folder the module goes to (default ``generated/``); the header names the spec relative
    to the project that folder sits in."""
    d = derive(net, fold_scale=True)
    prog = program(net, d)
    # The parameter gradients are the same expressions with or without the folded 1/m (it
    # lives in the deltas), so the notes' form is the folded one with (1/m) written in front.
    mean = net.reduction == "mean"
    equations = {}
    # With a penalty the folded steps hold its term under the 1/m; the notes' form keeps it apart.
    shown = derive(net) if net.penalty is not None else d
    for s in shown.param_steps:
        text = node_text(s.simplified)
        if mean and " + " in text:
            text = f"({text})"
        extra = f" + {node_text(s.penalty)}" if s.penalty is not None else ""
        equations[s.of] = f"{s.name} = {'(1/m) ' if mean else ''}{text}{extra}"
    out = Path(DEFAULT_OUT if out_dir is None else out_dir)
    source = net.source if net.source.startswith("<") else spec_reference(net.source, out)
    cache_keys = ["X", *net.masks, *net.values, *prog.saved]
    return (
        _environment()
        .get_template("module.py.j2")
        .render(
            net=net,
            source=source,
            prog=prog,
            param_shapes={p: net.stored_shape(p) for p in net.params},
            equations=equations,
            assumptions=d.assumptions + overflow_notes(net),
            cache_keys=cache_keys,
            output=net.output,
            scale_note=net.reduction == "mean",
            loss_reads=prog.loss_reads,
            running_shapes=layercode.running_shapes(net),
            running_updates=layercode.running_updates(net),
            q=_quote,
            # A parameter stored in another shape (a conv kernel (channels, C, kh, kw)) is
            # read as the derivation's matrix and its gradient handed back in its own shape.
            as_matrix=lambda p: _reshape(net.params[p].shape, net.stored_shape(p)),
            as_stored=lambda p: _reshape(net.stored_shape(p), net.params[p].shape),
        )
    )


def _reshape(shape: tuple, current: tuple) -> str:
    return "" if tuple(shape) == tuple(current) else f".reshape{tuple(shape)}"


def _quote(value, prefix: str = "") -> str:
    """Python literals with double quotes, as ruff formats them; a tuple that would run past
    100 columns after ``prefix`` (``SAVED = ``) one item a line, with a trailing comma."""
    text = repr(value).replace("'", '"')
    if isinstance(value, tuple) and len(prefix) + len(text) > 100:
        return "(\n" + "".join(f"    {_quote(v)},\n" for v in value) + ")"
    return text


def spec_reference(spec: str | Path, out_dir: str | Path) -> str:
    """How the header of a module written to ``out_dir`` names its spec: relative to the
    project the output folder sits in (``out_dir``'s parent: ``generated/`` in the user's
    folder, the repository's own ``generated/``), so the bytes do not depend on the folder
    derive runs from and `derive codegen <that path>` works from the project. A bundled
    example outside the project is named by its name (``seed``), which ``load_spec`` takes."""
    p = Path(spec).resolve()
    project = Path(out_dir).resolve().parent
    try:
        return p.relative_to(project).as_posix()
    except ValueError:
        pass
    if p.parent == EXAMPLES.resolve():
        return p.stem
    return Path(os.path.relpath(p, project)).as_posix()


def spec_of_module(path: Path, project: Path | None = None) -> Path | None:
    """The spec a generated module's header names, resolved as `spec_reference` wrote it
    (None when the file is not a module derive generated). ``project`` is the folder the
    reference is relative to: by default the parent of the module's folder (a torch or jax
    module in ``generated/torch/`` gives ``generated/``'s parent)."""
    try:
        head = path.read_text(encoding="utf-8")[:400]
    except (OSError, UnicodeDecodeError):
        return None
    found = re.match(r'"""Generated by derive from (\S+)\n', head)
    if not found:
        return None
    ref = found.group(1)
    local = (project or path.resolve().parent.parent) / ref
    if local.is_file() or "/" in ref or ref.endswith(".toml"):
        return local
    return EXAMPLES / f"{ref}.toml"


def load_module(net_or_path: Network | str | Path | None = None) -> types.ModuleType:
    """The generated module for a network (or spec path), built in memory: the same source
    ``derive codegen`` writes, executed without a file."""
    if not isinstance(net_or_path, Network):
        from derive.engine.spec import load_spec

        net_or_path = load_spec(net_or_path)
    source = render(net_or_path)
    module = types.ModuleType(f"derive_generated_{net_or_path.name}")
    module.__file__ = f"<derive:{net_or_path.name}>"
    exec(compile(source, module.__file__, "exec"), module.__dict__)  # our own rendered code
    return module


def import_file(path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(f"derive_generated_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.pop(spec.name, None)
    spec.loader.exec_module(module)
    return module


def no_fused_step(text: str) -> str | None:
    """Why a generated module's text has no fused step (its ``NO_FUSED_STEP``), or None."""
    found = re.search(r"^NO_FUSED_STEP = (.+)$", text, re.MULTILINE)
    return ast.literal_eval(found.group(1)) if found else None


def write_modules(nets: list[Network], out_dir: Path, *, check: bool = False) -> list[Path]:
    """Write ``out_dir/<name>.py`` for each network; with ``check``, write nothing and return
    the files that are missing or differ from what would be written."""
    stale = []
    for net in nets:
        path = out_dir / f"{net.name}.py"
        text = render(net, out_dir)
        current = path.read_text() if path.exists() else None
        if current != text:
            stale.append(path)
            if not check:
                try:
                    out_dir.mkdir(parents=True, exist_ok=True)
                    write_atomic(path, text)
                except OSError as e:
                    raise DeriveError(f"cannot write: {e.strerror}", where=str(path)) from None
    return stale


__all__ = [
    "Program",
    "program",
    "render",
    "load_module",
    "write_modules",
    "import_file",
    "spec_reference",
    "spec_of_module",
]
