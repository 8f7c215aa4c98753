"""The fused training step: forward, backward and loss written into arrays kept between calls.

``fused_program(net, d, loss_parts)`` compiles the same IR the readable ``loss_and_grad`` is printed
from (the network's equations and the derivation's steps) into NumPy calls that each write
into a preallocated workspace with ``out=``: ``np.matmul(W1, X, out=_t1)``,
``np.add(_t1, b1, out=z1)``, ``np.sum(delta2, axis=1, keepdims=True, out=db2)``. It works
node by node (Var, MatMul, Transpose, Sum, Elementwise) and, inside an elementwise node,
SymPy operation by operation, so any network made of these nodes gets a fused step without
a case of its own.
The image and recurrence nodes (Conv, ConvGradW, ConvGradX, MaxPool, PoolGrad, AvgPool,
AvgPoolGrad, Repeat, GroupSum, Rows, PadRows) are one call each: a view (Rows), an ``out=``
call on reshaped views, or a kernel of ``fusedkernels`` (convcode's kernels writing into
workspace arrays); a recurrent layer's time loop (Recur, RecurGrad) is its step compiled by
this same compiler inside ``for t`` loops (``fusedloop``). A convolution's im2col columns are
made once and serve both the forward product and the kernel gradient. The workspace is built
once per (batch size, dtype); after the first call a step allocates no arrays
(``tests/emit/test_fused.py`` holds that with tracemalloc).

Two patterns keep the numbers the readable module computes: a softmax node is evaluated
shifted by its column max (as ``forward`` does), and the loss of a softmax output takes its
log-softmax from that shift and the column sums the forward already has (no second exp).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from derive.engine import namer
from derive.engine.derivation import Derivation
from derive.engine.derivation import m as m_symbol
from derive.engine.graph import Network
from derive.engine.ir import (
    AvgPool,
    AvgPoolGrad,
    Conv,
    ConvGradW,
    ConvGradX,
    Elementwise,
    GroupSum,
    M,
    MatMul,
    MaxPool,
    Node,
    NodePrinter,
    PadRows,
    PoolGrad,
    Recur,
    RecurGrad,
    Repeat,
    Rows,
    Sum,
    Transpose,
    Var,
    Window,
    WindowNode,
    broadcast,
    placeholder,
)
from derive.engine.layers import MOMENTUM

from . import convcode, fusedloop
from .npprint import NumpyPrinter, mask, print_code, sigma, softplus, stabilize

_PRINTER = NumpyPrinter()

# SymPy functions that are one NumPy ufunc of the same name (or the name given here).
_UFUNC = {"Abs": "absolute"}
_COMPARE = {">": "greater", ">=": "greater_equal", "<": "less", "<=": "less_equal"}
_COMPARE |= {"==": "equal", "!=": "not_equal"}
_LOGIC = {"And": "logical_and", "Or": "logical_or", "Xor": "logical_xor"}


def _ufunc(e: sp.Expr) -> str | None:
    """The NumPy ufunc the readable module's printer calls for the function ``e`` (numpy.tanh
    for tanh, numpy.arcsinh for asinh), when it is one ufunc of e's arguments."""
    name = type(e).__name__
    fqn = _UFUNC.get(name) or _PRINTER._kf.get(name, "")
    short = fqn.removeprefix("numpy.")
    fn = getattr(np, short, None) if short else None
    if isinstance(fn, np.ufunc) and fn.nin == len(e.args) and fn.nout == 1:
        return short
    return None


class FusedUnsupported(NotImplementedError):
    """A SymPy operation inside an elementwise node that is no NumPy ufunc call: the module is
    generated without the fused step (``NO_FUSED_STEP`` says why, ``derive codegen`` and
    ``derive train`` say so). Every function of the expression language has one today
    (tests/emit/test_coverage.py); a node type without a case is a TypeError instead."""


@dataclass
class Fused:
    """What the template needs: workspace slots, the step's lines, the gradients' buffers."""

    # name: (shape, dtype, "empty" or "zeros")
    slots: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    grads: list[tuple[str, str]] = field(default_factory=list)  # (param, buffer)
    running: list[tuple[str, str]] = field(default_factory=list)  # (running key, buffer)
    reads: list[str] = field(default_factory=list)  # the parameters the step reads
    loss: str = ""  # the expression of the loss, from buffers
    stepwise: bool = False  # masks or running statistics: training_step's interface
    uses_erf: bool = False
    kernels: set[str] = field(default_factory=set)  # fusedkernels the step calls


def _dim(d) -> str:
    """A dimension's code: the sample count m, a number, or an expression in m."""
    return "m" if d == M else str(d)


def _shape_code(shape) -> str:
    return f"({', '.join(_dim(d) for d in shape)})"


def _cols(win: Window):
    """im2col's shape for ``win``: (C*kh*kw, OH*OW*m)."""
    oh, ow = win.out
    return (win.C * win.kh * win.kw, f"{oh * ow} * m")


def _image(win: Window) -> str:
    return repr((win.C, win.H, win.W))


def _tiles(win: Window) -> bool:
    """Max pooling over tiles (stride == size, dividing the image): convcode's fast case,
    taken here too."""
    return win.stride == (win.kh, win.kw) and win.unused == (0, 0)


class _Compiler(NodePrinter):
    prefix = "_into_"

    def __init__(self, fused: Fused):
        self.f = fused
        self.done: dict[Node, str] = {}  # node: the name holding its value
        self.im2col: dict[tuple[Node, Window], str] = {}  # (image, window): its columns
        self.temps = 0
        self.indent = ""  # a time loop's body is indented (fusedloop)
        self.loops: dict = {}  # a recurrent cell: what its forward loop keeps (fusedloop)
        self.reserved: set[str] = set()  # the network's names, which a loop body's may not be
        self.rename: dict[str, str] = {}  # inside a loop body: a step quantity's own name

    def slot(self, shape, name=None, dtype: str = "dtype", zeros: bool = False) -> str:
        """A workspace array of ``shape``: in the step's dtype, "bool", "np.intp" or
        "np.float64"; made with zeros when ``zeros`` (a padded image's border)."""
        if name is None:
            self.temps += 1
            name = namer.temporary(self.temps, private=True)
        self.f.slots[name] = (_shape_code(shape), dtype, "zeros" if zeros else "empty")
        return name

    def kernel(self, name: str, *args) -> None:
        self.f.kernels.add(name)
        self.emit(f"{name}({', '.join(str(a) for a in args)})")

    def emit(self, line: str):
        self.f.lines.append(self.indent + line)

    # ------------------------------------------------------------------ IR nodes
    # One method per node type (NodePrinter's dispatch, prefix _into_): each writes the node's
    # value into ``target``. A node type with none is NodePrinter's TypeError, a bug that fails
    # codegen (tests/emit/test_coverage.py walks every node type), not a module quietly
    # written without its fused step.

    def operand(self, node: Node) -> str:
        """A name (or a view of one: a transpose, a row block) holding the node's value."""
        if node in self.done:
            return self.done[node]
        view = _VIEWS.get(type(node))
        return view(self, node) if view is not None else self.node(node)

    def node(self, node: Node, out: str | None = None) -> str:
        """Compute ``node`` into ``out`` (a new slot when None) and return the name."""
        if out is None and node in self.done:
            return self.done[node]
        target = self.slot(node.shape, out)
        self.print_node(node, target)
        self.done.setdefault(node, target)
        return target

    def _into_view(self, node: Var | Transpose | Rows, target: str):
        self.emit(f"np.copyto({target}, {self.operand(node)})")

    _into_Var = _into_Transpose = _into_Rows = _into_view
    _into_Recur = _into_RecurGrad = _into_view  # fusedloop's loops, the value a view

    def _into_MatMul(self, node: MatMul, target: str):
        a, b = self.operand(node.a), self.operand(node.b)
        self.emit(f"np.matmul({a}, {b}, out={target})")

    def _into_Sum(self, node: Sum, target: str):
        a = self.operand(node.a)
        self.emit(f"np.sum({a}, axis={node.axis}, keepdims=True, out={target})")

    def _into_Elementwise(self, node: Elementwise, target: str):
        from .codegen import _tiling

        blocks = _tiling(node)
        if blocks:  # row blocks that tile the rows (an LSTM's gate deltas): each in its place
            for b in blocks:
                self.print_node(b.a, f"{target}[{b.start}:{b.start + b.a.shape[0]}]")
            return
        self.ew(node, target)

    def columns(self, x: Node, win: Window) -> str:
        """The im2col columns of image ``x`` for ``win``, made once for the step."""
        if (x, win) not in self.im2col:
            cols = self.slot(_cols(win))
            shape = (win.C, win.H + 2 * win.padding, win.W + 2 * win.padding, M)
            padded = self.slot(shape, zeros=True) if win.padding else None
            size = (win.kh, win.kw)
            args = (self.operand(x), _image(win), size, win.stride, win.padding, padded, cols)
            self.kernel("_im2col_into", *args)
            self.im2col[x, win] = cols
        return self.im2col[x, win]

    # The image and recurrence nodes: convcode's operations, into ``target``.
    def _into_Conv(self, node: Conv, target: str):
        cols, w = self.columns(node.x, node.win), self.operand(node.w)
        self.emit(f"np.matmul({w}, {cols}, out={target}.reshape({node.w.shape[0]}, -1))")

    def _into_ConvGradW(self, node: ConvGradW, target: str):
        cols, g = self.columns(node.x, node.win), self.operand(node.g)
        self.emit(f"np.matmul({g}.reshape({node.shape[0]}, -1), {cols}.T, out={target})")

    def _into_ConvGradX(self, node: ConvGradX, target: str):
        win = node.win
        w, g = self.operand(node.w), self.operand(node.g)
        shape = (win.C, win.H + 2 * win.padding, win.W + 2 * win.padding, M)
        padded = self.slot(shape) if win.padding else None
        geometry = (_image(win), (win.kh, win.kw), win.stride, win.padding)
        self.kernel("_conv_grad_x_into", w, g, *geometry, self.slot(_cols(win)), padded, target)

    def _into_MaxPool(self, node: MaxPool, target: str):
        win = node.win
        args = (self.operand(node.x), _image(win), (win.kh, win.kw), win.stride, target)
        self.kernel("_maxpool_into", *args)

    def _into_AvgPool(self, node: AvgPool, target: str):
        win = node.win
        args = (self.operand(node.x), _image(win), (win.kh, win.kw), win.stride, target)
        self.kernel("_avgpool_into", *args)

    def _into_AvgPoolGrad(self, node: AvgPoolGrad, target: str):
        win = node.win
        share = self.slot((win.C, *win.out, M))
        args = (self.operand(node.g), _image(win), (win.kh, win.kw), win.stride, share, target)
        self.kernel("_avgpool_grad_into", *args)

    def _into_WindowNode(self, node: WindowNode, target: str):
        """A window node with no workspace kernel of its own (none of today's kinds): the
        readable module's kernel, copied into ``target`` (the kernel makes its result: this
        step allocates it on every call)."""
        operands = [self.operand(k) for k in node.children()]
        self.emit(f"np.copyto({target}, {convcode.call(node, operands)})")

    def _into_PoolGrad(self, node: PoolGrad, target: str):
        win = node.win
        x, g = self.operand(node.x), self.operand(node.g)
        pooled = (win.C, *win.out, M)
        if _tiles(win):
            top = self.operand(MaxPool(node.x, win))  # the forward's, when it has it
            share = self.slot(pooled)
            free, hit = self.slot(pooled, dtype="bool"), self.slot(pooled, dtype="bool")
            args = (x, g, top, _image(win), (win.kh, win.kw), share, free, hit, target)
            self.kernel("_maxpool_grad_tiles_into", *args)
        else:
            blocks = self.slot((*pooled, win.kh * win.kw))
            first = self.slot(pooled, dtype="np.intp")
            hit, share = self.slot(pooled, dtype="bool"), self.slot(pooled)
            size = (win.kh, win.kw)
            args = (x, g, _image(win), size, win.stride, blocks, first, hit, share, target)
            self.kernel("_maxpool_grad_into", *args)

    def _into_Repeat(self, node: Repeat, target: str):  # np.repeat(a, k, axis=0)
        rows = node.a.shape[0]
        a = self.operand(node.a)
        self.emit(f"np.copyto({target}.reshape({rows}, {node.k}, -1), {a}.reshape({rows}, 1, -1))")

    def _into_GroupSum(self, node: GroupSum, target: str):
        a, cols = self.operand(node.a), _dim(node.a.shape[1])
        self.emit(f"np.sum({a}.reshape(-1, {node.k}, {cols}), axis=1, out={target})")

    def _into_PadRows(self, node: PadRows, target: str):
        stop = node.start + node.a.shape[0]
        self.emit(f"{target}.fill(0)")
        self.emit(f"np.copyto({target}[{node.start}:{stop}], {self.operand(node.a)})")

    def ew(self, node: Elementwise, target: str):
        names = {}
        terms = node.expr.args if isinstance(node.expr, sp.Add) else ()
        for i, a in enumerate(node.args):
            sym = placeholder(i)
            alone = sym in terms and len(terms) == 2 and node.expr.count(sym) == 1 and not names
            if alone and isinstance(a, MatMul | Conv) and a not in self.done:
                # W @ X + b: the product straight into the target, the bias added in place
                # (not cached: the target is about to hold the sum)
                self.print_node(a, target)
                names[sym] = target
        for i, a in enumerate(node.args):
            if placeholder(i) not in names:
                names[placeholder(i)] = self.operand(a)
        shapes = {placeholder(i): a.shape for i, a in enumerate(node.args)}
        self.expr(stabilize(node.expr), names, shapes, target)

    # ------------------------------------------------------------- SymPy operations

    def value(self, e: sp.Expr, names, shapes) -> str:
        """An operand for ``e``: a Python number, a name, or a new slot computed here."""
        if isinstance(e, sp.Symbol) and e in names:
            return names[e]
        if e == 1 / m_symbol:
            return "(1 / m)"  # as the readable module writes it (the printer gives m**-1.0)
        if not (e.free_symbols & set(shapes)):
            text = ast.unparse(ast.parse(print_code(e, {m_symbol: "m", **names}), mode="eval"))
            return text if text.replace(".", "").isalnum() else f"({text})"
        shape = broadcast([shapes[s] for s in e.free_symbols if s in shapes])
        is_bool = isinstance(e, sp.core.relational.Relational | sp.logic.boolalg.Boolean)
        return self.expr(e, names, shapes, self.slot(shape, None, "bool" if is_bool else "dtype"))

    def expr(self, e: sp.Expr, names, shapes, out: str) -> str:
        v = lambda a: self.value(a, names, shapes)  # noqa: E731
        if isinstance(e, sp.Symbol) or not (e.free_symbols & set(shapes)):
            self.emit(f"np.copyto({out}, {v(e)})")
        elif isinstance(e, sp.Add):
            # in the order the readable module adds them (a sum of three or more terms can
            # cancel: another order gives other round-off); of two terms, one already in out
            # first (W @ X + b: exact, a + b == b + a); negative terms subtracted
            terms = _PRINTER._as_ordered_terms(e, order=None)
            if len(terms) == 2 and names.get(terms[1]) == out:
                terms = terms[::-1]
            first, *rest = terms
            if first.could_extract_minus_sign():
                self.emit(f"np.negative({v(-first)}, out={out})")
                acc = out
            else:
                acc = v(first)
            for t in rest:
                if t.could_extract_minus_sign():
                    self.emit(f"np.subtract({acc}, {v(-t)}, out={out})")
                else:
                    self.emit(f"np.add({acc}, {v(t)}, out={out})")
                acc = out
        elif isinstance(e, sp.Mul):
            self.product(e, v, set(shapes), out)
        elif isinstance(e, sp.Pow):
            self.power(e, v, out)
        elif isinstance(e, sigma):  # 0.5 + 0.5 tanh(w / 2): cannot overflow
            self.emit(f"np.multiply({v(e.args[0])}, 0.5, out={out})")
            self.emit(f"np.tanh({out}, out={out})")
            self.emit(f"np.multiply({out}, 0.5, out={out})")
            self.emit(f"np.add({out}, 0.5, out={out})")
        elif isinstance(e, softplus):
            self.emit(f"np.logaddexp(0.0, {v(e.args[0])}, out={out})")
        elif type(e).__name__ == "logcosh":
            w = v(e.args[0])
            self.emit(f"np.negative({w}, out={out})")
            self.emit(f"np.logaddexp({w}, {out}, out={out})")
            self.emit(f"np.subtract({out}, {float(sp.log(2))!r}, out={out})")
        elif isinstance(e, mask):
            self.expr(e.args[0], names, shapes, out)
        elif isinstance(e, sp.core.relational.Relational):
            op = _COMPARE[e.rel_op]
            self.emit(f"np.{op}({v(e.lhs)}, {v(e.rhs)}, out={out})")
        elif isinstance(e, sp.Piecewise):
            *cases, (last, _) = e.args
            self.emit(f"np.copyto({out}, {v(last)})")
            for value, cond in reversed(cases):
                self.emit(f"np.copyto({out}, {v(value)}, where={v(cond)})")
        elif isinstance(e, sp.Max | sp.Min):
            op = "maximum" if isinstance(e, sp.Max) else "minimum"
            args = sorted(e.args, key=lambda t: t.is_number)
            self.emit(f"np.{op}({v(args[0])}, {v(args[1])}, out={out})")
            for a in args[2:]:
                self.emit(f"np.{op}({out}, {v(a)}, out={out})")
        elif isinstance(e, sp.erf):
            self.f.uses_erf = True
            self.emit(f"_erf({v(e.args[0])}, out={out})")
        elif type(e).__name__ in _LOGIC:
            op, (first, *rest) = _LOGIC[type(e).__name__], e.args
            self.emit(f"np.{op}({v(first)}, {v(rest[0])}, out={out})")
            for a in rest[1:]:
                self.emit(f"np.{op}({out}, {v(a)}, out={out})")
        elif isinstance(e, sp.Not):
            self.emit(f"np.logical_not({v(e.args[0])}, out={out})")
        elif isinstance(e, sp.Function) and _ufunc(e) is not None:
            args = ", ".join(v(a) for a in e.args)
            self.emit(f"np.{_ufunc(e)}({args}, out={out})")
        else:
            raise FusedUnsupported(f"no NumPy call for {type(e).__name__}")
        return out

    def product(self, e: sp.Mul, v, arrays: set, out: str):
        scalar, rest = e.as_independent(*arrays)
        num = [f for f in sp.Mul.make_args(rest) if not (f.is_Pow and f.exp.is_negative)]
        den = [1 / f for f in sp.Mul.make_args(rest) if f.is_Pow and f.exp.is_negative]
        den = sp.Mul(*den)
        if not num:
            self.emit(f"np.divide({v(scalar)}, {v(den)}, out={out})")
            return
        if len(num) > 1:
            self.emit(f"np.multiply({v(num[0])}, {v(num[1])}, out={out})")
        elif den != 1:
            self.emit(f"np.divide({v(num[0])}, {v(den)}, out={out})")
            den = sp.S.One
        elif scalar != 1:
            self.emit(f"np.multiply({v(num[0])}, {v(scalar)}, out={out})")
            scalar = sp.S.One
        else:
            self.emit(f"np.copyto({out}, {v(num[0])})")
        for f in num[2:]:
            self.emit(f"np.multiply({out}, {v(f)}, out={out})")
        if den != 1:
            self.emit(f"np.divide({out}, {v(den)}, out={out})")
        if scalar != 1:
            self.emit(f"np.multiply({out}, {v(scalar)}, out={out})")

    def power(self, e: sp.Pow, v, out: str):
        base, exp = e.args
        if exp == 2:
            self.emit(f"np.square({v(base)}, out={out})")
        elif exp == -1:
            self.emit(f"np.divide(1.0, {v(base)}, out={out})")
        elif exp == sp.Rational(1, 2):
            self.emit(f"np.sqrt({v(base)}, out={out})")
        else:
            self.emit(f"np.power({v(base)}, {v(exp)}, out={out})")


def _var_code(var: Var) -> str:
    from .codegen import code_name

    return code_name(var)


# The nodes a NumPy view gives without a copy: the names forward, backward and the step share.
_VIEWS = {
    Var: lambda c, node: c.rename.get(_var_code(node), _var_code(node)),
    Transpose: lambda c, node: f"{c.operand(node.a)}.T",
    Rows: lambda c, node: f"{c.operand(node.a)}[{node.start}:{node.stop}]",
    Recur: lambda c, node: fusedloop.forward(c, node),
    RecurGrad: lambda c, node: fusedloop.backward(c, node),
}


def fused_program(net: Network, d: Derivation, loss_parts) -> Fused:
    """The fused step of ``net`` (see the module docstring). ``loss_parts(net, softmaxes)``
    gives the cost as (expression, symbol: IR node or "logA")."""
    f = Fused(stepwise=bool(net.masks or net.running))
    c = _Compiler(f)
    c.reserved = {*net.values, *net.params, *(s.name for s in d.steps), "X", "Y", "m", "t"}
    logsoftmax: dict[str, tuple[str, str]] = {}  # output name: (shifted, column sums)
    for name, node in net.equations.items():
        _draw_masks(c, net, node)
        u = net.softmax.get(name)
        if isinstance(node, Var | Recur):  # an identity activation, a time loop: a view
            c.emit(f"{name} = {c.operand(node)}")
        elif u is None:
            c.node(node, name)
        else:
            arg = c.operand(u)
            cols = (1, node.shape[1])
            top, shifted = c.slot(cols), c.slot(node.shape, namer.workspace("shifted", name))
            sums = c.slot(cols, namer.workspace("sums", name))
            c.emit(f"np.max({arg}, axis=0, keepdims=True, out={top})")
            c.emit(f"np.subtract({arg}, {top}, out={shifted})")
            exp = c.slot(node.shape)
            c.emit(f"np.exp({shifted}, out={exp})")  # shifted by the column max: no overflow
            c.emit(f"np.sum({exp}, axis=0, keepdims=True, out={sums})")
            c.slot(node.shape, name)
            c.emit(f"np.divide({exp}, {sums}, out={name})")
            logsoftmax[name] = (shifted, sums)
        c.done[net.values[name]] = name
    for s in d.steps:
        if s.inlined:
            continue
        if isinstance(s.simplified, RecurGrad):  # the loop's own array, under the step's name
            c.emit(f"{s.name} = {c.operand(s.simplified)}")
            c.done[s.simplified] = s.name
        else:
            c.node(s.simplified, s.name)
        if s.kind == "param":
            f.grads.append((s.of, s.name))
    f.grads.sort(key=lambda r: list(net.params).index(r[0]))
    _running(c, net)
    # the loss: the cost's terms into one slot, then one sum
    expr, parts, _ = loss_parts(net, set(logsoftmax))
    names, shapes = {}, {}
    out_shape = net.equations[net.output].shape
    for sym, part in parts.items():
        if part == "logA":
            shifted, sums = logsoftmax[net.output]
            log_sums = c.slot((1, out_shape[1]))
            c.emit(f"np.log({sums}, out={log_sums})")
            names[sym] = c.slot(out_shape, "_logA")
            c.emit(f"np.subtract({shifted}, {log_sums}, out=_logA)")  # log-softmax, no exp
            shapes[sym] = out_shape
        else:
            names[sym], shapes[sym] = c.operand(part), part.shape
    terms = c.expr(stabilize(expr), names, shapes, c.slot(out_shape, "_cost"))
    f.loss = f"float({terms}.sum())" + (" / m" if net.reduction == "mean" else "")
    if net.penalty is not None:  # added to the reduced cost, not divided by m (as _penalty)
        f.loss += f" + {c.node(net.penalty, '_penalty')}.item()"
    text = "\n".join([*f.lines, f.loss])
    f.reads = [p for p in net.params if re.search(rf"\b{re.escape(p)}\b", text)]
    return f


def _draw_masks(c: _Compiler, net: Network, node: Node):
    """The dropout masks ``node`` uses, drawn into their arrays just before it, in the order
    ``forward`` draws them (the same numbers from the same generator)."""
    if not isinstance(node, Elementwise):
        return
    for arg in node.args:
        if isinstance(arg, Var) and arg.role == "mask" and arg not in c.done:
            name = c.slot(arg.shape, _var_code(arg))
            # rng.random draws float64
            draw = c.slot(arg.shape, namer.workspace("draw", name), "np.float64")
            c.emit(f"_dropout_mask_into(rng, {net.masks[arg.name]!r}, {draw}, {name})")
            c.done[arg] = name


def _running(c: _Compiler, net: Network):
    """Batch norm's running statistics after this batch, into arrays of their own, with the
    operations of ``training_step`` in its order (the same numbers)."""
    keep = 1 - MOMENTUM
    for key, (quantity, stat, per) in net.running.items():
        shape = net.values[quantity].shape
        new, batch = c.slot(shape, f"_{key}"), c.slot(shape)
        c.emit(f'np.multiply(params["{key}"], {keep!r}, out={new})')
        c.emit(f"np.multiply({quantity}, {MOMENTUM!r}, out={batch})")
        if stat == "var":  # unbiased, as PyTorch keeps it
            n = "m" if per == 1 else f"m * {per}"  # the batch variance's count: m H W per channel
            c.emit(f"np.multiply({batch}, {n} / max({n} - 1, 1), out={batch})")
        c.emit(f"np.add({new}, {batch}, out={new})")
        c.f.running.append((key, new))
