"""Plain-text printing of IR nodes, for ``derive show`` and the generated code's comments.

The names are the code's (``X`` and ``Y`` for the batch input and target, ``z1``, ``delta2``),
``*`` is the elementwise product, ``@`` the matrix product, ``relu'(z1)`` is written
``1[z1 > 0]`` as the derivative ``sympy.diff`` produced."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy.printing.str import StrPrinter

from derive.engine import namer
from derive.engine.ir import (
    AvgPool,
    Conv,
    MatMul,
    MaxPool,
    Node,
    NodePrinter,
    Repeat,
    Rows,
    Sum,
    Transpose,
    Var,
    Window,
    placeholder,
    walk,
)
from derive.engine.timeloop import step_derivation, timed_backward


def var_name(var: Var) -> str:
    return {"input": "X", "target": "Y"}.get(var.role, var.name)


class _Printer(StrPrinter):
    def __init__(self, names):
        super().__init__({"order": "none"})
        self.names = names

    def _print_Symbol(self, expr):
        return self.names.get(expr, expr.name)

    def _print_Piecewise(self, expr):
        return piecewise_text(self, expr)


def piecewise_text(printer, expr: sp.Piecewise) -> str:
    """``1[z1 > 0]`` for a 0/1 Piecewise (relu's derivative), else Python's conditional
    expression, ``(z1 if z1 > 0 else exp(z1) - 1)``. SymPy's StrPrinter has no Piecewise
    case of its own, so every text printer goes through this one."""
    pieces = list(expr.args)
    (pos, cond) = pieces[0]
    if len(pieces) == 2 and pieces[1].cond is sp.true and pos == 1 and pieces[1].expr == 0:
        return f"1[{printer._print(cond)}]"
    text = "nan"  # no branch holds (SymPy's Piecewise is undefined there)
    if pieces[-1].cond is sp.true:
        text = printer._print(pieces.pop().expr)
    for value, when in reversed(pieces):
        text = f"({printer._print(value)} if {printer._print(when)} else {text})"
    return text


def _atom(node: Node) -> str:
    text = node_text(node)
    return text if isinstance(node, Var | Transpose | Sum | Rows) else f"({text})"


class _TextPrinter(NodePrinter):
    """The IR in the text of ``derive show``: one method per node type."""

    def _print_Var(self, node):
        return var_name(node)

    def _print_MatMul(self, node):
        left = node_text(node.a) if isinstance(node.a, Var | Transpose | MatMul) else _atom(node.a)
        return f"{left} @ {_atom(node.b)}"

    def _print_Transpose(self, node):
        return f"{_atom(node.a)}.T"

    def _print_Sum(self, node):
        what = "samples" if node.axis == 1 else "units"
        return f"sum_{what}({node_text(node.a)})"

    def _print_Repeat(self, node):
        return f"per_pixel({node_text(node.a)}, {node.k})"

    def _print_GroupSum(self, node):
        return f"sum_pixels({node_text(node.a)}, {node.k})"

    def _print_Rows(self, node):
        return f"{_atom(node.a)}[{node.start}:{node.stop}]"

    def _print_PadRows(self, node):
        return f"rows_{node.start}_of_{node.total}({node_text(node.a)})"

    def _print_Elementwise(self, node):
        bare = set(node.expr.args) if isinstance(node.expr, sp.Add) else set()
        names = {
            placeholder(i): node_text(arg)
            if isinstance(arg, Var | Transpose | Sum) or placeholder(i) in bare
            else _atom(arg)
            for i, arg in enumerate(node.args)
        }
        return _Printer(names).doprint(node.expr)

    # Convolution and pooling by name: conv (cross-correlation, as PyTorch), the kernel
    # gradient as a correlation of the input with the delta, the input gradient as a full
    # convolution of the delta with the flipped kernel, pooling's gradient as routing.
    def _print_Conv(self, node):
        return f"conv({node_text(node.w)}, {node_text(node.x)}{_geometry(node.win)})"

    def _print_ConvGradW(self, node):
        return f"corr({node_text(node.x)}, {node_text(node.g)}{_geometry(node.win)})"

    def _print_ConvGradX(self, node):
        return f"conv_full({node_text(node.g)}, flip({node_text(node.w)}){_geometry(node.win)})"

    def _print_MaxPool(self, node):
        return f"maxpool_{_pool_size(node.win)}({node_text(node.x)})"

    def _print_WindowNode(self, node):  # a kind with no words of its own: name_size(operands)
        operands = ", ".join(node_text(k) for k in node.children())
        return f"{node.name}_{_pool_size(node.win)}({operands})"

    def _print_PoolGrad(self, node):
        return f"to_argmax_{_pool_size(node.win)}({node_text(node.g)}, {node_text(node.x)})"

    # A time loop by its step (engine/timeloop.py): the layer, and each gradient as what the
    # loop backwards adds up.
    def _print_Recur(self, node):
        c = node.cell
        x, *params = (node_text(a) for a in node.args)
        which = f"every {c.emit}_t stacked" if c.output == "all" else f"{c.emit} at t = T"
        return f"{c.kind}({x}; {', '.join(params)}): {which}, t = 1..{c.steps}"

    def _print_RecurGrad(self, node):
        c = node.cell
        sd = step_derivation(c)
        name = [sd.form.x.name, *c.params][node.i]
        if node.i == 0:
            return f"d{name} for t = 1..{c.steps}, stacked"
        if name not in c.weights:  # a learned initial state: what reaches h_0, over the samples
            state = next(s for s in c.states if c.initial(s) == name)
            return f"sum_samples({namer.gradient(c.prev(state))} at t = 1)"
        term = dict((n, e) for n, e, _ in timed_backward(c))[f"{namer.gradient(name)}_t"]
        return f"sum over t = 1..{c.steps} of {node_text(term)}"


_TEXT = _TextPrinter()


def node_text(node: Node) -> str:
    return _TEXT.print_node(node)


def stride_text(win: Window) -> str:
    """The stride as written: 2, or 2x1 when it differs between rows and columns."""
    sh, sw = win.stride
    return f"{sh}" if sh == sw else f"{sh}x{sw}"


def _geometry(win: Window) -> str:
    extra = [f"stride {stride_text(win)}"] if win.stride != (1, 1) else []
    extra += [f"padding {win.padding}"] if win.padding else []
    return "; " + ", ".join(extra) if extra else ""


def _pool_size(win: Window) -> str:
    # the stride is said when it is not the window (pooling's default)
    default = win.stride == (win.kh, win.kw)
    return f"{win.kh}x{win.kw}" + ("" if default else f"_stride{stride_text(win)}")


# What the image operations mean, index by index (s the stride, p the padding, x padded with
# zeros): ``derive show`` prints each ``text`` below the forward equations, the LaTeX document
# each row (left side, right side, note) of ``tex``; an entry is shown for a network whose
# forward has its ``node``.
@dataclass(frozen=True)
class Legend:
    node: type
    text: str
    tex: tuple[tuple[str, str, str], ...]


# fmt: off
LEGEND = [
    Legend(Conv,
           "conv(W, x)[c', i, j] = sum over c, u, v of W[c', c, u, v] x[c, i*s + u, j*s + v] "
           "(cross-correlation, as PyTorch; W is (channels, C, kh, kw) in the params, used as "
           "the matrix (channels, C*kh*kw))",
           ((r"\operatorname{conv}(W, x)_{c', i, j}",
             r"\sum_{c, u, v} W_{c', c, u, v}\, x_{c,\, is + u,\, js + v}", "cross-correlation"),)),
    Legend(Repeat,
           "per_pixel(b, k): each channel's bias repeated over its k pixels; sum_pixels sums "
           "them back",
           ((r"\operatorname{rep}_k(b)_{c', i, j}", r"b_{c'}", "a channel's bias on each pixel"),)),
    Legend(Conv,
           "corr(x, delta)[c', c, u, v] = sum over samples, i, j of delta[c', i, j] "
           "x[c, i*s + u, j*s + v]: the kernel gradient correlates the input with the delta",
           ((r"\operatorname{corr}(x, \delta)_{c', c, u, v}",
             r"\sum_{\text{samples}} \sum_{i, j} \delta_{c', i, j}\, x_{c,\, is + u,\, js + v}",
             "the kernel gradient"),)),
    Legend(Conv,
           "conv_full(delta, flip(W))[c, h, w] = sum over c', i, j, u, v with i*s + u = h, "
           "j*s + v = w of W[c', c, u, v] delta[c', i, j]: the full convolution with the "
           "flipped kernel",
           ((r"\operatorname{conv}^{\text{full}}(\delta, \operatorname{flip}(W))_{c, h, w}",
             r"\sum_{c', u, v} W_{c', c, u, v}\, \delta_{c',\, (h - u)/s,\, (w - v)/s}",
             "over whole (h - u)/s, (w - v)/s"),)),
    Legend(MaxPool,
           "maxpool(x)[c, i, j] = max over the window of x; to_argmax(g, x) sends each window's "
           "g to the position of its maximum (on a tie, the first in row-major order), overlaps "
           "add up",
           ((r"\operatorname{maxpool}(x)_{c, i, j}", r"\max_{u, v} x_{c,\, is + u,\, js + v}", ""),
            (r"\operatorname{route}_{\arg\max x}(g)_{c, h, w}",
             r"\sum_{i, j:\ (h, w) = \arg\max} g_{c, i, j}",
             "the first maximum in row-major order wins a tie"))),
    Legend(AvgPool,
           "avgpool(x)[c, i, j] = the mean of x over the window; spread(g) shares each window's "
           "g equally among its kh*kw pixels, overlaps add up",
           ((r"\operatorname{avgpool}(x)_{c, i, j}",
             r"\frac{1}{k_h k_w} \sum_{u, v} x_{c,\, is + u,\, js + v}", ""),
            (r"\operatorname{spread}(g)_{c, h, w}",
             r"\frac{1}{k_h k_w} \sum_{i, j:\ (h, w) \in \text{window } (i, j)} g_{c, i, j}",
             "windows that overlap add up"))),
]
# fmt: on


def legend(net) -> list[Legend]:
    """The legend entries of the image operations ``net``'s forward uses, in LEGEND's order."""
    used = {type(n) for eq in net.equations.values() for n in walk(eq)}
    return [entry for entry in LEGEND if entry.node in used]
