"""The matrix expressions that equations and gradients are made of.

Five node types are enough for feed-forward networks, and each has one reverse-mode rule in
``derivation.py``:

- ``Var``: a named matrix: the input ``x``, the target ``y``, a parameter, a named
  intermediate (``z1``, ``A1``) or a named gradient (``delta1``, ``dW1``);
- ``MatMul``: a matrix product ``a @ b``;
- ``Transpose``: a transpose;
- ``Elementwise``: an elementwise SymPy expression in the placeholders ``_0, _1, ...``, applied
  entry by entry to its arguments with NumPy broadcasting (a bias ``(n, 1)`` beside ``(n, m)``, a
  per-sample row ``(1, m)`` beside ``(k, m)``);
- ``Sum``: a sum over the units (``axis=0``, a row ``(1, m)``: softmax's normaliser) or over
  the samples (``axis=1``, a column ``(n, 1)``: a bias gradient).

A shape is ``(rows, cols)`` where each entry is an ``int`` or ``M``, the number of samples.
Nodes are frozen, compared and hashed by structure, so equal sub-expressions are found by
``==``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

M = "m"
Shape = tuple[int | str, int | str]


def placeholder(i: int) -> sp.Symbol:
    """The SymPy symbol that stands for argument ``i`` of an ``Elementwise`` node."""
    return sp.Symbol(f"_{i}", real=True)


def broadcast(shapes: list[Shape]) -> Shape | None:
    """NumPy's broadcasting of 2-d shapes, or None when they do not fit."""
    out: list[int | str] = [1, 1]
    for shape in shapes:
        for k in range(2):
            if shape[k] == 1 or shape[k] == out[k]:
                continue
            if out[k] == 1:
                out[k] = shape[k]
            else:
                return None
    return (out[0], out[1])


def fmt_shape(shape: Shape) -> str:
    return f"({', '.join(str(d) for d in shape)})"  # every axis: a kernel is stored 4-d


class Node:
    shape: Shape

    def children(self) -> tuple[Node, ...]:
        return ()

    def rebuild(self, *kids: Node) -> Node:
        """The same operation on other operands (a leaf has none: itself)."""
        return self


@dataclass(frozen=True)
class Var(Node):
    name: str
    shape: Shape
    role: str  # input | target | param | value | grad

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True)
class MatMul(Node):
    a: Node
    b: Node
    shape: Shape = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "shape", (self.a.shape[0], self.b.shape[1]))

    def children(self):
        return (self.a, self.b)

    def rebuild(self, a: Node, b: Node) -> Node:
        return MatMul(a, b)

    def __repr__(self) -> str:
        return f"({self.a!r} @ {self.b!r})"


@dataclass(frozen=True)
class Transpose(Node):
    a: Node
    shape: Shape = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "shape", (self.a.shape[1], self.a.shape[0]))

    def children(self):
        return (self.a,)

    def rebuild(self, a: Node) -> Node:
        return Transpose(a)

    def __repr__(self) -> str:
        return f"{self.a!r}.T"


def transposed(node: Node) -> Node:
    """``node``'s transpose, a double transpose cancelled: (x.T).T is x."""
    return node.a if isinstance(node, Transpose) else Transpose(node)


@dataclass(frozen=True)
class Sum(Node):
    a: Node
    axis: int
    shape: Shape = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        rows, cols = self.a.shape
        object.__setattr__(self, "shape", (1, cols) if self.axis == 0 else (rows, 1))

    def children(self):
        return (self.a,)

    def rebuild(self, a: Node) -> Node:
        return Sum(a, self.axis)

    def __repr__(self) -> str:
        return f"sum({self.a!r}, axis={self.axis})"


@dataclass(frozen=True)
class Elementwise(Node):
    expr: sp.Expr
    args: tuple[Node, ...]
    shape: Shape

    def children(self):
        return self.args

    def rebuild(self, *args: Node) -> Node:
        return Elementwise(self.expr, tuple(args), self.shape)

    def __repr__(self) -> str:
        text = str(self.expr)
        for i, arg in enumerate(self.args):
            text = text.replace(f"_{i}", f"[{arg!r}]")
        return text


def ew(fn, operands: list[Node | sp.Expr], shape: Shape | None = None) -> Node:
    """Combine operands elementwise with ``fn`` (taking SymPy expressions), merging nested
    ``Elementwise`` nodes so that an equation's elementwise part is one expression."""
    args: list[Node] = []
    exprs: list[sp.Expr] = []

    def slot(node: Node) -> sp.Symbol:
        if node not in args:
            args.append(node)
        return placeholder(args.index(node))

    for op in operands:
        if isinstance(op, Elementwise):
            exprs.append(op.expr.xreplace({placeholder(i): slot(a) for i, a in enumerate(op.args)}))
        elif isinstance(op, Node):
            exprs.append(slot(op))
        else:
            exprs.append(sp.sympify(op))
    expr = fn(*exprs)
    if shape is None:
        shape = broadcast([a.shape for a in args]) or (1, 1)
    return make_ew(expr, args, shape)


def make_ew(expr: sp.Expr, args, shape: Shape) -> Node:
    """An ``Elementwise`` with unused arguments dropped and placeholders renumbered in order."""
    args = list(args)
    used = [i for i in range(len(args)) if placeholder(i) in expr.free_symbols]
    # Renumber through temporary symbols so that _2 -> _1 never collides with an old _1.
    tmp = {placeholder(i): sp.Symbol(f"__t{k}", real=True) for k, i in enumerate(used)}
    back = {sp.Symbol(f"__t{k}", real=True): placeholder(k) for k in range(len(used))}
    expr = expr.xreplace(tmp).xreplace(back)
    new_args = tuple(args[i] for i in used)
    if expr == placeholder(0) and len(new_args) == 1 and new_args[0].shape == shape:
        return new_args[0]
    return Elementwise(expr, new_args, shape)


def walk(node: Node):
    """Every node below ``node`` (itself included), children before parents, once each."""
    seen: set[int] = set()
    order: list[Node] = []

    def visit(n: Node):
        if id(n) in seen:
            return
        seen.add(id(n))
        for c in n.children():
            visit(c)
        order.append(n)

    visit(node)
    return order


def free_vars(node: Node) -> list[Var]:
    """The named matrices an expression uses, in first-use order."""
    out: list[Var] = []
    for n in walk(node):
        if isinstance(n, Var) and n not in out:
            out.append(n)
    return out


def is_zero(node: Node) -> bool:
    return isinstance(node, Elementwise) and node.expr == 0


# ------------------------------------------------------------- images (conv.py builds them)
# Images are columns too: a column holds one sample's (C, H, W) array flattened in that order
# (NumPy's reshape), so every node below keeps the samples as columns and the 2-d IR.


@dataclass(frozen=True)
class Window:
    """A kh x kw window sliding with ``stride`` (sh, sw: down, across; an int is both) over
    zero-padded images of C channels of H x W pixels; it fits when the padded image holds at
    least one window. Windows that do not tile leave the last rows/columns unused (``unused``,
    PyTorch's floor mode)."""

    C: int
    H: int
    W: int
    kh: int
    kw: int
    stride: tuple[int, int] = (1, 1)
    padding: int = 0

    def __post_init__(self):
        if isinstance(self.stride, int):
            object.__setattr__(self, "stride", (self.stride, self.stride))

    @property
    def out(self) -> tuple[int, int]:
        """(OH, OW): the number of window positions down and across."""
        p, (sh, sw) = self.padding, self.stride
        return (self.H + 2 * p - self.kh) // sh + 1, (self.W + 2 * p - self.kw) // sw + 1

    @property
    def unused(self) -> tuple[int, int]:
        """The last rows and columns of the padded image that no window reaches."""
        p, (sh, sw) = self.padding, self.stride
        return (self.H + 2 * p - self.kh) % sh, (self.W + 2 * p - self.kw) % sw

    @property
    def size(self) -> int:
        return self.C * self.H * self.W


class _Rebuild:
    def rebuild(self, *kids: Node) -> Node:
        """The same operation on other operands (the derivation's simplifier uses it)."""
        return type(self)(*kids, *(getattr(self, f) for f in self._params))


class WindowNode(_Rebuild, Node):
    """A node that slides the window ``win`` over an image. ``geometry`` is what its kernel
    takes after the operands: (image, window size, stride), and the padding where the
    window pads (``padded``: the convolution's nodes; pooling never pads)."""

    win: Window
    padded = True
    name = ""  # how the generic printers write it (text ``avgpool_2x2(x)``, LaTeX the same)

    @property
    def geometry(self) -> tuple:
        win = self.win
        image, size = (win.C, win.H, win.W), (win.kh, win.kw)
        return (image, size, win.stride, win.padding) if self.padded else (image, size, win.stride)


@dataclass(frozen=True)
class Conv(WindowNode):
    """Cross-correlation: out[c', i, j] = sum over c, u, v of w[c', (c, u, v)] times the padded
    x[c, i*s + u, j*s + v]; w is (channels, C*kh*kw), each row one kernel flattened (C, kh, kw);
    the result is (channels*OH*OW, m)."""

    w: Node
    x: Node
    win: Window
    _params = ("win",)
    shape: Shape = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        oh, ow = self.win.out
        object.__setattr__(self, "shape", (self.w.shape[0] * oh * ow, self.x.shape[1]))

    def children(self):
        return (self.w, self.x)

    def __repr__(self) -> str:
        return f"conv({self.w!r}, {self.x!r})"


@dataclass(frozen=True)
class ConvGradW(WindowNode):
    """The kernel gradient: the correlation of the input x with the delta g, summed over the
    samples: out[c', (c, u, v)] = sum over n, i, j of g[(c', i, j), n] x[c, i*s+u, j*s+v, n]."""

    x: Node
    g: Node
    win: Window
    _params = ("win",)
    shape: Shape = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        oh, ow = self.win.out
        channels = self.g.shape[0] // (oh * ow)
        object.__setattr__(self, "shape", (channels, self.win.C * self.win.kh * self.win.kw))

    def children(self):
        return (self.x, self.g)

    def __repr__(self) -> str:
        return f"corr({self.x!r}, {self.g!r})"


@dataclass(frozen=True)
class ConvGradX(WindowNode):
    """The input gradient: the full convolution of the delta g with the flipped kernel w,
    out[c, h, w'] = sum over c', u, v with h + p = i*s + u, w' + p = j*s + v of
    w[c', (c, u, v)] g[c', i, j]; (C*H*W, m)."""

    w: Node
    g: Node
    win: Window
    _params = ("win",)
    shape: Shape = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "shape", (self.win.size, self.g.shape[1]))

    def children(self):
        return (self.w, self.g)

    def __repr__(self) -> str:
        return f"convfull({self.g!r}, flip({self.w!r}))"


@dataclass(frozen=True)
class _Pool(WindowNode):
    """A pooling node: one value for each channel's kh x kw window of x (no padding), written
    ``name(x)``: (C*OH*OW, m)."""

    x: Node
    win: Window
    _params = ("win",)
    padded = False
    shape: Shape = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        oh, ow = self.win.out
        object.__setattr__(self, "shape", (self.win.C * oh * ow, self.x.shape[1]))

    def children(self):
        return (self.x,)

    def __repr__(self) -> str:
        return f"{self.name}({self.x!r})"


@dataclass(frozen=True, repr=False)  # _Pool's repr: name(x)
class MaxPool(_Pool):
    """The maximum of each window."""

    name = "maxpool"


@dataclass(frozen=True)
class PoolGrad(WindowNode):
    """Max pooling's gradient: each window's g goes to the position of the window's maximum
    in x (on a tie, the first in (row, column) order); windows that overlap add up."""

    x: Node
    g: Node
    win: Window
    _params = ("win",)
    padded = False
    shape: Shape = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "shape", self.x.shape)

    def children(self):
        return (self.x, self.g)

    def __repr__(self) -> str:
        return f"route({self.g!r}, argmax {self.x!r})"


@dataclass(frozen=True, repr=False)  # _Pool's repr: name(x)
class AvgPool(_Pool):
    """The mean of each window."""

    name = "avgpool"


@dataclass(frozen=True)
class AvgPoolGrad(WindowNode):
    """Average pooling's gradient: each window's g shared equally by its kh*kw pixels,
    windows that overlap adding up: (C*H*W, m)."""

    g: Node
    win: Window
    _params = ("win",)
    padded = False
    name = "spread"
    shape: Shape = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "shape", (self.win.size, self.g.shape[1]))

    def children(self):
        return (self.g,)

    def __repr__(self) -> str:
        return f"spread({self.g!r})"


@dataclass(frozen=True)
class Repeat(_Rebuild, Node):
    """Each row repeated k times in a row (a per-channel bias spread over its pixels)."""

    a: Node
    k: int
    _params = ("k",)
    shape: Shape = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "shape", (self.a.shape[0] * self.k, self.a.shape[1]))

    def children(self):
        return (self.a,)

    def __repr__(self) -> str:
        return f"repeat({self.a!r}, {self.k})"


@dataclass(frozen=True)
class GroupSum(_Rebuild, Node):
    """The sum of each run of k consecutive rows (a channel's pixels): Repeat's transpose."""

    a: Node
    k: int
    _params = ("k",)
    shape: Shape = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "shape", (self.a.shape[0] // self.k, self.a.shape[1]))

    def children(self):
        return (self.a,)

    def __repr__(self) -> str:
        return f"groupsum({self.a!r}, {self.k})"


@dataclass(frozen=True)
class Rows(_Rebuild, Node):
    """Rows start..stop of a (a recurrent layer's input x_t: rows t*d ... (t+1)*d of X)."""

    a: Node
    start: int
    stop: int
    _params = ("start", "stop")
    shape: Shape = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "shape", (self.stop - self.start, self.a.shape[1]))

    def children(self):
        return (self.a,)

    def __repr__(self) -> str:
        return f"{self.a!r}[{self.start}:{self.stop}]"


@dataclass(frozen=True)
class PadRows(_Rebuild, Node):
    """a placed at rows start... of a zero matrix of ``total`` rows: Rows' transpose."""

    a: Node
    start: int
    total: int
    _params = ("start", "total")
    shape: Shape = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "shape", (self.total, self.a.shape[1]))

    def children(self):
        return (self.a,)

    def __repr__(self) -> str:
        return f"pad({self.a!r}, {self.start}, {self.total})"


@dataclass(frozen=True)
class Recur(Node):
    """A recurrent layer's time loop: its step (``cell``, an ``engine.cell.Cell``) applied for
    t = 1 ... T to the row blocks of x (``args[0]``) with the parameters ``args[1:]`` (in
    ``cell.params`` order), from h_0; its value is h_T, or every h_t stacked in time order.
    The step is derived once (``engine.timeloop``), whatever T."""

    cell: object
    args: tuple[Node, ...]
    shape: Shape = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "shape", (self.cell.out_rows, self.args[0].shape[1]))

    def children(self):
        return self.args

    def rebuild(self, *kids: Node) -> Node:
        return Recur(self.cell, tuple(kids))

    def __repr__(self) -> str:
        return f"{self.cell.kind}{self.cell.k}({', '.join(map(repr, self.args))})"


@dataclass(frozen=True)
class RecurGrad(Node):
    """The gradient of a ``Recur``'s value with respect to its operand ``args[i]``, given the
    gradient g of that value: backpropagation through time, the step's derived backward for
    t = T ... 1 carrying the state's gradient, each parameter's gradient summed over t."""

    cell: object
    args: tuple[Node, ...]
    g: Node
    i: int
    shape: Shape = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "shape", self.args[self.i].shape)

    def children(self):
        return (*self.args, self.g)

    def rebuild(self, *kids: Node) -> Node:
        return RecurGrad(self.cell, tuple(kids[:-1]), kids[-1], self.i)

    def __repr__(self) -> str:
        return f"bptt{self.cell.k}({self.args[self.i]!r}; {self.g!r})"


# The nodes beyond the matrix algebra: windows over images, row blocks and time loops.
def _kinds(base: type) -> list[type]:
    """The node types below ``base`` (a private class is a base, not a node)."""
    out = []
    for sub in base.__subclasses__():
        out += ([] if sub.__name__.startswith("_") else [sub]) + _kinds(sub)
    return out


WINDOW_NODES = tuple(_kinds(WindowNode))
LOOP_NODES = (Recur, RecurGrad)
IMAGE_NODES = (*WINDOW_NODES, Repeat, GroupSum, Rows, PadRows, *LOOP_NODES)


class NodePrinter:
    """One dispatch point per target, as SymPy's printers have: ``print_node(node)`` calls the
    method ``<prefix><NodeClass>`` of the subclass (``_print_MatMul``, ``_print_Conv``...), so
    a target is a class with one method per node type, and a node type no target knows is a
    TypeError naming both. ``prefix`` differs where the class is also a SymPy printer (whose
    ``_print_Sum`` and ``_print_MatMul`` are SymPy's own classes')."""

    prefix = "_print_"

    def print_node(self, node: Node, *args):
        """``<prefix><NodeClass>(node, *args)``: a target may pass more (where to write). A
        class without a method of its own takes its base's (``<prefix>WindowNode``: what a
        target does alike for every window node, a pooling kind added with none of its own)."""
        for cls in type(node).__mro__:
            method = getattr(self, f"{self.prefix}{cls.__name__}", None)
            if method is not None:
                return method(node, *args)
        self.missing(node)

    def missing(self, node: Node):
        """A node type this target has no method for (a target may raise its own error)."""
        raise TypeError(f"{type(self).__name__} has no case for {type(node).__name__}")
