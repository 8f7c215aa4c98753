"""The chain rule: reverse mode over a network's equations, one rule per node type.

``derive(network)`` walks the equations backwards from the cost. Each node type has one rule
(upstream gradient G, written per sample, so the deltas are the notes' deltas):

    a @ b            a gets G @ b.T            b gets a.T @ G
    a.T              a gets G.T
    conv(w, x)       w gets corr(x, G)          x gets convfull(G, flip(w))
    maxpool(x)       x gets G routed to each window's argmax (first one on a tie)
    repeat(a, k)     a gets groupsum(G, k)      groupsum(a, k): a gets repeat(G, k)
    a[i:j] (rows)    a gets G padded with zero rows to a's shape (and back)
    sum(a, axis)     a gets G broadcast back to a's shape
    f(u0, u1, ...)   ui gets G * df/dui        (then summed over the axes ui was broadcast on:
                                                a bias (n, 1) gets the sum over the samples)

Every df/dui is ``sympy.diff``'s; where an elementwise node has one argument and its
derivative has a proven form in the node's own output (sigmoid: A(1 - A)), that form is used.
A quantity used twice sums its contributions. The result keeps every named gradient as a
``Step`` (``dA1 = W2.T @ delta2``) and a simplified, fused program for code
(``delta1 = (W2.T @ delta2) * relu'(z1)``), with the facts it relied on as ``assumptions``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import sympy as sp

from derive.errors import DeriveError

from . import namer
from .graph import Network
from .ir import (
    IMAGE_NODES,
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
    PadRows,
    PoolGrad,
    Recur,
    RecurGrad,
    Repeat,
    Rows,
    Sum,
    Transpose,
    Var,
    free_vars,
    make_ew,
    placeholder,
    transposed,
    walk,
)
from .layers import m_symbol as m  # the number of samples, one symbol for every module
from .normalized import eliminate, normalizations
from .registry import _output_form, a, expand_activations, z


@dataclass
class Step:
    """One backward assignment ``name = value``: the gradient of quantity ``of``."""

    name: str
    of: str
    value: Node  # as the rules produce it, in terms of named gradients
    simplified: Node = None  # fused and simplified, what code computes
    kind: str = "value"  # "value" (an intermediate's gradient) or "param"
    inlined: bool = False  # computed inside its one consumer rather than on its own
    # the gradient of the [cost] penalty, added after the scale (not divided by m); with
    # fold_scale it is part of ``value`` instead
    penalty: Node | None = None


@dataclass
class Derivation:
    network: Network
    steps: list[Step]  # in computation order, the output's gradient first
    scale: sp.Expr  # 1/m for a mean, 1 for a sum: dP = scale * (sum over samples)
    assumptions: list[str] = field(default_factory=list)
    forward_nodes: set = field(default_factory=set, repr=False)

    def step(self, name: str) -> Step:
        for s in self.steps:
            if s.name == name or s.of == name:
                return s
        raise KeyError(name)

    @property
    def param_steps(self) -> list[Step]:
        return [s for s in self.steps if s.kind == "param"]

    @property
    def deltas(self) -> list[Step]:
        return [s for s in self.steps if s.kind == "value" and s.name.startswith("delta")]


def derive(net: Network, *, fold_scale: bool = False) -> Derivation:
    """Every gradient of ``net``'s cost, by reverse-mode chain rule; see the module docstring.

    With ``fold_scale`` the mean's 1/m enters with the seed instead of being kept apart, so
    it reaches every gradient through the chain rule itself and is applied once, where the
    cost is differentiated (what generated code wants: one multiply by 1/m on the smallest
    array). Then ``scale`` is 1 and the deltas are the notes' deltas divided by m."""
    scale = sp.Integer(1) / m if net.reduction == "mean" else sp.Integer(1)
    named_of = {node: net.values[name] for name, node in net.equations.items()}
    order = _topological(net)
    forward_nodes = set(order)
    needs = _needs_grad(net, order)

    contribs: dict[Node, list[Node]] = {}
    steps: list[Step] = []
    # The seed: dC/d(cost entry) = 1 per sample (the scale 1/m is kept apart, in ``scale``).
    contribs[net.cost] = [Elementwise(scale if fold_scale else sp.Integer(1), (), net.cost.shape)]
    for node in reversed(order):
        if node not in contribs or not needs.get(node, False):
            continue
        g = _add(contribs.pop(node), node.shape)
        if isinstance(node, Var):
            if node.role in ("input", "target"):
                continue
            name = namer.gradient(node.name)
            steps.append(
                Step(name, node.name, g, kind="param" if node.role == "param" else "value")
            )
            if node.role == "param":
                continue
            g = Var(name, node.shape, "grad")
            contribs.setdefault(net.equations[node.name], []).append(g)
            continue
        for child, c in _rule(node, g, named_of.get(node)):
            if needs.get(child, False):
                contribs.setdefault(child, []).append(c)
    penalties = _penalty_gradients(net)
    for s in steps:
        pen = penalties.get(s.of) if s.kind == "param" else None
        if pen is not None and fold_scale:
            s.value = _add([s.value, pen], s.value.shape)
        elif pen is not None:
            s.penalty = pen
    steps.sort(key=_reading_order(net))
    d = Derivation(net, steps, sp.Integer(1) if fold_scale else scale)
    d.forward_nodes = forward_nodes
    try:
        _Simplifier(d, net, named_of).run()
    except RecursionError:
        # A safety net: an expression SymPy nests too deeply is reported, not a traceback.
        raise DeriveError(
            "the simplified gradient nests too deeply for SymPy (recursion limit)",
            where=f"{net.source}: cost",
            fix="simplify the cost or the activations; softmax goes best with cross_entropy, "
            "sigmoid with binary_cross_entropy",
        ) from None
    return d


def _penalty_gradients(net: Network) -> dict[str, Node]:
    """The penalty's gradient for each parameter it names, by the same rules: the penalty
    is a (1, 1) expression in the parameters, seeded with 1 (it is not averaged over m)."""
    if net.penalty is None:
        return {}
    contribs: dict[Node, list[Node]] = {net.penalty: [Elementwise(sp.Integer(1), (), (1, 1))]}
    out = {}
    for node in reversed(list(walk(net.penalty))):
        if node not in contribs:
            continue
        g = _add(contribs.pop(node), node.shape)
        if isinstance(node, Var):
            out[node.name] = g
            continue
        for child, c in _rule(node, g, None):
            contribs.setdefault(child, []).append(c)
    return out


def _reading_order(net: Network):
    """Steps from the output back to the input, each layer's delta followed by the gradients
    of the parameters its equation uses (the notes' order: dC/dW2, dC/db2, then layer 1).
    Reverse mode produced them in a valid order already; this one is valid too, since a
    parameter gradient only needs the gradient of the equation that uses it."""
    names = list(net.values)
    rank: dict[str, float] = {v: -i for i, v in enumerate(names)}
    for i, v in enumerate(names):
        for p in free_vars(net.equations[v]):
            if p.role == "param":
                rank[p.name] = max(rank.get(p.name, -1e9), -i + 0.5)
    params = list(net.params)
    return lambda s: (rank[s.of], params.index(s.of) if s.of in net.params else -1)


def _topological(net: Network) -> list[Node]:
    """All nodes the cost depends on, each after everything it is computed from; a named
    intermediate's children are its defining expression."""
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list[tuple[Node, bool]] = [(net.cost, False)]
    while stack:  # iterative DFS: a 100-layer network must not hit the recursion limit
        node, done = stack.pop()
        if done:
            if node not in seen:
                seen.add(node)
                order.append(node)
            continue
        if node in seen:
            continue
        stack.append((node, True))
        kids = node.children()
        if isinstance(node, Var) and node.role == "value":
            kids = (net.equations[node.name],)
        for k in reversed(kids):
            if k not in seen:
                stack.append((k, False))
    return order


def _needs_grad(net: Network, order: list[Node]) -> dict[Node, bool]:
    needs: dict[Node, bool] = {}
    for node in order:  # children first
        if isinstance(node, Var):
            needs[node] = node.role == "param" or (
                node.role == "value" and needs[net.equations[node.name]]
            )
        else:
            needs[node] = any(needs[k] for k in node.children())
    return needs


def _add(terms: list[Node], shape) -> Node:
    terms = [t for t in terms if not (isinstance(t, Elementwise) and t.expr == 0)]
    if not terms:
        return Elementwise(sp.Integer(0), (), shape)
    if len(terms) == 1:
        return terms[0]
    args = list(dict.fromkeys(terms))
    expr = sp.Add(*[placeholder(args.index(t)) for t in terms])
    return make_ew(expr, args, shape)


def _unbroadcast(node: Node, shape) -> Node:
    """Sum a contribution over the axes its target was broadcast along (bias: the samples)."""
    if shape[0] == 1 and node.shape[0] != 1:
        node = Sum(node, 0)
    if shape[1] == 1 and node.shape[1] != 1:
        node = Sum(node, 1)
    return node


# ------------------------------------------------------------------ the reverse rules
# One rule per node type, as autograd's defvjp table: rule(node, g, named) gives, for the
# node's output gradient g, each child with its contribution to the child's gradient. The
# image and row-block nodes are each other's adjoints (Repeat and GroupSum, Rows and PadRows).
def _matmul_rule(node, g, named):
    return [(node.a, MatMul(g, Transpose(node.b))), (node.b, MatMul(Transpose(node.a), g))]


def _transpose_rule(node, g, named):
    return [(node.a, Transpose(g))]


def _conv_rule(node, g, named):
    return [(node.w, ConvGradW(node.x, g, node.win)), (node.x, ConvGradX(node.w, g, node.win))]


def _maxpool_rule(node, g, named):
    return [(node.x, PoolGrad(node.x, g, node.win))]


def _avgpool_rule(node, g, named):
    return [(node.x, AvgPoolGrad(g, node.win))]


def _repeat_rule(node, g, named):
    return [(node.a, GroupSum(g, node.k))]


def _group_sum_rule(node, g, named):
    return [(node.a, Repeat(g, node.k))]


def _rows_rule(node, g, named):
    return [(node.a, PadRows(g, node.start, node.a.shape[0]))]


def _pad_rows_rule(node, g, named):
    return [(node.a, Rows(g, node.start, node.start + node.a.shape[0]))]


def _recur_rule(node, g, named):
    # the time loop: each operand's gradient is the loop backwards (engine/timeloop.py)
    return [(arg, RecurGrad(node.cell, node.args, g, i)) for i, arg in enumerate(node.args)]


def _sum_rule(node, g, named):
    return [(node.a, make_ew(placeholder(0), [g], node.a.shape))]


def _elementwise_rule(node, g, named):
    """g times the local derivative in each argument (SymPy's diff of the node's expression,
    in terms of the node's own output when the registry proves such a form), summed back over
    the axes the argument was broadcast along."""
    out = []
    n = len(node.args)
    gsym, selfsym = placeholder(n), placeholder(n + 1)
    own = named if named is not None else node
    for i, child in enumerate(node.args):
        local = _local_derivative(node.expr, i, n)
        uses_self = local.has(selfsym)
        expr = gsym * local
        args = list(node.args) + [g] + ([own] if uses_self else [])
        out.append((child, _unbroadcast(make_ew(expr, args, node.shape), child.shape)))
    return out


RULES = {
    MatMul: _matmul_rule,
    Transpose: _transpose_rule,
    Conv: _conv_rule,
    MaxPool: _maxpool_rule,
    AvgPool: _avgpool_rule,
    Repeat: _repeat_rule,
    GroupSum: _group_sum_rule,
    Rows: _rows_rule,
    PadRows: _pad_rows_rule,
    Recur: _recur_rule,
    Sum: _sum_rule,
    Elementwise: _elementwise_rule,
}


def _rule(node: Node, g: Node, named: Var | None):
    """The reverse-mode rule of ``node``: (child, contribution to the child's gradient)."""
    rule = RULES.get(type(node))
    if rule is None:
        raise TypeError(f"no rule for {type(node).__name__}")
    return rule(node, g, named)


@lru_cache(maxsize=4096)
def _local_derivative(expr: sp.Expr, i: int, n: int) -> sp.Expr:
    """d expr / d _i; for a one-argument expression, in terms of its own output (placeholder
    n + 1) when ``registry._output_form`` proves such a form."""
    if n == 1:
        g = _output_form(expr.xreplace({placeholder(0): z}))
        # only a form in functions the expression has (sigmoid's a(1 - a)): erf's output form
        # goes through erfinv, which no target prints
        if g is not None and _functions(g) <= _functions(expand_activations(expr)):
            return g.xreplace({a: placeholder(n + 1)})
    return sp.diff(expr, placeholder(i))


def _functions(expr: sp.Expr) -> set[type]:
    return {type(f) for f in expr.atoms(sp.Function)}


# --------------------------------------------------------------------- simplification
def _big_power_of_sum(expr: sp.Expr) -> bool:
    return any(p.base.is_Add and p.exp.is_Number and abs(p.exp) > 8 for p in expr.atoms(sp.Pow))


@lru_cache(maxsize=4096)
def tidy(expr: sp.Expr) -> sp.Expr:
    """The shortest of a few equivalent forms of an elementwise expression (ties keep the
    form the chain rule produced, which reads like the notes)."""
    cands = [expr]
    if sp.count_ops(expr) > 60 or _big_power_of_sum(expr):
        return expr  # cancel/expand of (a + b + ...)**64 would run for minutes
    for fn in (sp.cancel, sp.factor, sp.together, sp.expand):
        try:
            cands.append(fn(expr))
        except Exception:
            pass
    if expr.has(sp.log, sp.exp) and sp.count_ops(expr) < 20:  # simplify costs seconds
        try:
            cands.append(sp.simplify(expr))
        except Exception:
            pass
    return min(cands, key=lambda e: (sp.count_ops(e), cands.index(e)))


class _Simplifier:
    """Fuses each named gradient into its consumers where that is free, rewrites internal
    forward quantities in terms of named ones (softmax: E = A S; a mean: sum = m mu), pulls
    per-sample factors out of sums over units (and per-unit ones out of sums over samples), and
    applies the cost's assumption on the targets (columns of y sum to one). Softmax with
    cross-entropy becomes A - y here, with no special case. A network with a named
    normalisation (batch norm's xhat) gets a second pass that writes the gradients in it
    (``normalized.py``): batch norm's compact backward pass, with no special case either."""

    def __init__(self, d: Derivation, net: Network, named_of: dict):
        self.d, self.net = d, net
        self.forward = d.forward_nodes
        self.rewrites = _forward_rewrites(net)
        self.values: dict[str, Node] = {}
        self.inline: set[str] = set()
        self.eliminations: list = []

    def run(self):
        uses: dict[str, list[str]] = {}
        for s in self.d.steps:
            for parent, child in _edges(s.value):
                if isinstance(child, Var) and child.role == "grad":
                    uses.setdefault(child.name, []).append(type(parent))
        for s in self.d.steps:
            self.memo: dict[Node, Node] = {}
            s.simplified = self.simplify(s.value)
            if s.penalty is not None:
                s.penalty = self.simplify(s.penalty)
            self.values[s.name] = s.simplified
            ctx = uses.get(s.name, [])
            # A gradient with several consumers is computed once, unless it is as cheap as a
            # name (gamma2 * delta2): inlined into every consumer, each copy would carry the
            # copies inlined into it, and an unrolled recurrence grows quadratically in T.
            elementwise = _cheap(s.simplified) and all(c is Elementwise for c in ctx)
            if s.kind == "value" and (len(ctx) == 1 or elementwise):
                self.inline.add(s.name)
                s.inlined = True
        self.eliminations = normalizations(self.net)
        if self.eliminations:  # a second pass, writing the gradients in normalised quantities
            for s in self.d.steps:
                self.memo = {}
                s.simplified = self.simplify(s.simplified)

    def simplify(self, node: Node) -> Node:
        if node in self.forward:
            return node
        if node in self.memo:
            return self.memo[node]
        out = self._simplify(node)
        self.memo[node] = out
        return out

    def _simplify(self, node: Node) -> Node:
        method = _SIMPLIFY.get(type(node))
        if method is None:
            raise TypeError(type(node).__name__)
        return getattr(self, method)(node)

    def _simplify_var(self, node: Var) -> Node:
        if node.role == "grad" and node.name in self.inline:
            return self.values[node.name]
        return node

    def _simplify_transpose(self, node: Transpose) -> Node:
        return transposed(self.simplify(node.a))

    def _simplify_matmul(self, node: MatMul) -> Node:
        left, right = self.simplify(node.a), self.simplify(node.b)
        if _zero(left) or _zero(right):
            return Elementwise(sp.Integer(0), (), node.shape)
        return MatMul(left, right)

    def _simplify_sum(self, node: Sum) -> Node:
        return self._sum(self.simplify(node.a), node.axis)

    def _simplify_image(self, node: Node) -> Node:
        kids = [self.simplify(k) for k in node.children()]
        if any(_zero(k) for k in kids[-1:]):  # each is linear in its last operand
            return Elementwise(sp.Integer(0), (), node.shape)
        return node.rebuild(*kids)

    def _simplify_repeat(self, node: Repeat) -> Node:
        return self._repeat(self.simplify(node.a), node.k)

    def _simplify_group_sum(self, node: GroupSum) -> Node:
        return self._group_sum(self.simplify(node.a), node.k)

    def _repeat(self, inner: Node, k: int) -> Node:
        """Repeating an elementwise expression repeats its operands (a one-row operand
        broadcasts already): a statistic spread over its rows then meets its forward copy
        (per_pixel(std2) in xhat2), as a per-unit one does by broadcasting."""
        shape = (inner.shape[0] * k, inner.shape[1])
        if _zero(inner):
            return Elementwise(sp.Integer(0), (), shape)
        if not isinstance(inner, Elementwise) or inner in self.forward or inner.shape[0] == 1:
            return Repeat(inner, k)
        args = [a if a.shape[0] == 1 else self._repeat(a, k) for a in inner.args]
        return self._ew(inner.expr, args, shape)

    def _group_sum(self, inner: Node, k: int) -> Node:
        """The sum over each block of k rows, with what is constant on a block (a statistic
        spread over it, a one-row operand) taken out, as ``_sum`` does over the samples."""
        shape = (inner.shape[0] // k, inner.shape[1])
        if _zero(inner):
            return Elementwise(sp.Integer(0), (), shape)
        if isinstance(inner, Repeat) and inner.k == k:
            return make_ew(k * placeholder(0), [inner.a], shape)
        if not isinstance(inner, Elementwise) or inner in self.forward:
            return GroupSum(inner, k)
        if not inner.args:
            return Elementwise(inner.expr * k, (), shape)
        const = [i for i, x in enumerate(inner.args)
                 if x.shape[0] == 1 or (isinstance(x, Repeat) and x.k == k)]  # fmt: skip
        if not const:
            return GroupSum(inner, k)
        varying = [placeholder(i) for i in range(len(inner.args)) if i not in const]
        terms = sp.Add.make_args(sp.expand(inner.expr)) if inner.expr.is_Add else (inner.expr,)
        parts = [term.as_independent(*varying, as_Add=False) for term in terms]
        if len(parts) == 1 and parts[0][0] == 1:
            return GroupSum(inner, k)
        out_args: list[Node] = []
        total = sp.Integer(0)
        for c, rest in parts:
            if rest == 1:
                total += c * k
                continue
            summed = self._group_sum(make_ew(rest, list(inner.args), inner.shape), k)
            if summed not in out_args:
                out_args.append(summed)
            total += c * _tmp(len(inner.args) + out_args.index(summed))
        # the constant operands once per block: a spread statistic is the statistic itself
        own = [x.a if isinstance(x, Repeat) and x.k == k else x for x in inner.args]
        all_args = [a if i in const else Elementwise(sp.Integer(0), (), shape)
                    for i, a in enumerate(own)] + out_args  # fmt: skip
        expr = total.xreplace({_tmp(j): placeholder(j) for j in range(len(all_args))})
        return self._ew(expr, all_args, shape)

    def _simplify_ew(self, node: Elementwise) -> Node:
        return self._ew(node.expr, [self.simplify(x) for x in node.args], node.shape)

    def _ew(self, expr, args, shape) -> Node:
        for _ in range(8):  # merge nested elementwise gradients and rewrites until stable
            changed = False
            new_args: list[Node] = []
            subs = {}
            for i, arg in enumerate(args):
                if arg in self.rewrites:
                    arg = self.rewrites[arg]
                    changed = True
                if isinstance(arg, Elementwise) and arg not in self.forward:
                    mapping = {}
                    for j, inner in enumerate(arg.args):
                        if inner not in new_args:
                            new_args.append(inner)
                        mapping[placeholder(j)] = _tmp(new_args.index(inner))
                    subs[placeholder(i)] = arg.expr.xreplace(mapping)
                    changed = True
                else:
                    if arg not in new_args:
                        new_args.append(arg)
                    subs[placeholder(i)] = _tmp(new_args.index(arg))
            expr = expr.xreplace(subs).xreplace(
                {_tmp(k): placeholder(k) for k in range(len(new_args))}
            )
            args = new_args
            if not changed:
                break
        expr, args = eliminate(expr, args, self.eliminations)
        expr = tidy(expr)
        if expr == 0:
            return Elementwise(sp.Integer(0), (), shape)
        return make_ew(expr, args, shape)

    def _sum(self, inner: Node, axis: int) -> Node:
        shape = inner.shape
        if _zero(inner):
            return Elementwise(sp.Integer(0), (), (1, shape[1]) if axis == 0 else (shape[0], 1))
        if inner == self.net.y and axis == 0 and self.net.columns_sum_to_one:
            fact = (
                f"each column of y sums to 1 (one-hot targets of the {self.net.cost_name} "
                "cost), so the sum of y over the output units is 1"
            )
            if fact not in self.d.assumptions:
                self.d.assumptions.append(fact)
            return Elementwise(sp.Integer(1), (), (1, shape[1]))
        if not isinstance(inner, Elementwise) or inner in self.forward:
            return Sum(inner, axis)
        if not inner.args:  # a constant: the sum is the constant times the count
            count = m if shape[axis] == M else sp.Integer(shape[axis])
            out_shape = (1, shape[1]) if axis == 0 else (shape[0], 1)
            return Elementwise(inner.expr * count, (), out_shape)
        # Factors constant along the summed axis (a per-sample row for axis 0) come out.
        const = [i for i, x in enumerate(inner.args) if x.shape[axis] == 1 and shape[axis] != 1]
        if not const:
            return Sum(inner, axis)
        varying = [placeholder(i) for i in range(len(inner.args)) if i not in const]
        terms = sp.Add.make_args(sp.expand(inner.expr)) if inner.expr.is_Add else (inner.expr,)
        parts = []
        for term in terms:
            c, rest = term.as_independent(*varying, as_Add=False)
            if c == 1 and not _big_power_of_sum(term):
                # (a - y) / (S a - S): factored, the per-sample S comes out as 1/S
                c, rest = sp.factor(term).as_independent(*varying, as_Add=False)
            parts.append((c, rest))
        if len(parts) == 1 and parts[0][0] == 1:
            return Sum(inner, axis)  # nothing comes out: summing it as it is ends the recursion
        out_args: list[Node] = []
        total = sp.Integer(0)
        for c, rest in parts:
            summed = self._sum(make_ew(rest, list(inner.args), shape), axis) if rest != 1 else None
            if summed is None:
                size = shape[axis]
                k = m if size == M else sp.Integer(size)
                piece = c * k
            else:
                if summed not in out_args:
                    out_args.append(summed)
                piece = c * _tmp(len(inner.args) + out_args.index(summed))
            total += piece
        all_args = list(inner.args) + out_args
        expr = total.xreplace({_tmp(k): placeholder(k) for k in range(len(all_args))})
        out_shape = (1, shape[1]) if axis == 0 else (shape[0], 1)
        return self._ew(expr, all_args, out_shape)


# node type -> the _Simplifier method that simplifies it
_SIMPLIFY = {
    Var: "_simplify_var",
    Transpose: "_simplify_transpose",
    MatMul: "_simplify_matmul",
    Sum: "_simplify_sum",
    Elementwise: "_simplify_ew",
    **dict.fromkeys(IMAGE_NODES, "_simplify_image"),
    Repeat: "_simplify_repeat",
    GroupSum: "_simplify_group_sum",
}


def _cheap(node: Node) -> bool:
    """Small enough to repeat in each consumer: a name, or an elementwise expression of a few
    names and sums, no products (batch norm's dxhat2 = gamma2 * delta2, softmax's
    dA3 = -Y / (A3 m), which the consumers' simplification turns into the compact forms). One
    that holds products, or other gradients inlined into it, is computed once; so is one that
    evaluates a function (an LSTM's cell-state gradient dc + o dh (1 - tanh(c)^2), read by
    the four gate blocks and dc_prev: each copy would evaluate tanh(c) again)."""
    if isinstance(node, Var):
        return True
    return (
        isinstance(node, Elementwise)
        and len(node.args) <= INLINE_ARGS
        and sp.count_ops(node.expr) <= INLINE_OPS
        and not any(isinstance(n, _COSTLY) for a in node.args for n in walk(a))
        and not any(not isinstance(f, _SELECTIONS) for f in node.expr.atoms(sp.Function))
    )


# What a cheap gradient does not hold: a product, a window, a slice or a time loop (a spread
# or a block sum of a statistic is as cheap as a sum over the samples).
_COSTLY = (MatMul, *(t for t in IMAGE_NODES if t not in (Repeat, GroupSum)))
# Functions that select or sign a value (a relu's mask) rather than evaluate one.
_SELECTIONS = (sp.Piecewise, sp.Heaviside, sp.Abs, sp.sign)


# The size of a gradient that is still inlined into several consumers (the examples' largest,
# layer norm's dxhat after its own consumers were inlined, has 7 arguments and 12 operations).
INLINE_ARGS, INLINE_OPS = 8, 30


def _tmp(k: int) -> sp.Symbol:
    return sp.Symbol(f"__s{k}", real=True)


def _zero(node: Node) -> bool:
    return isinstance(node, Elementwise) and node.expr == 0


def _edges(node: Node):
    for n in walk(node):
        for c in n.children():
            yield n, c


def _forward_rewrites(net: Network) -> dict[Node, Node]:
    """Internal forward nodes written in terms of a named one: from A = E / S (softmax), the
    internal E is A S; from mu = sum_samples(x) / m, the sum is m mu. Found by ``sympy.solve``
    for each internal argument of a named elementwise equation, kept when the solution is
    unique."""
    out: dict[Node, Node] = {}
    for name, node in net.equations.items():
        if not isinstance(node, Elementwise):
            continue
        target = sp.Symbol("__A", real=True)
        for i, arg in enumerate(node.args):
            # an internal elementwise argument (softmax's E), or the sum of a one-argument
            # equation (a mean: mu = sum_samples(x) / m gives sum_samples(x) = m mu)
            # (a channel's or a group's mean: a GroupSum of the sum over the samples, or of x)
            summed = isinstance(arg, Sum | GroupSum) and len(node.args) == 1
            if not (isinstance(arg, Elementwise) or summed):
                continue
            try:
                sols = sp.solve(sp.Eq(target, node.expr), placeholder(i))
            except Exception:
                continue
            if len(sols) != 1 or sols[0].has(placeholder(i)):
                continue
            k = len(node.args)
            expr = sols[0].xreplace({target: placeholder(k)})
            out[arg] = make_ew(expr, list(node.args) + [net.values[name]], arg.shape)
    return out
