"""The chain rule as the notes write it: one path at a time, factor by factor, per sample.

``chains(derivation)`` gives, for every parameter P, each path P -> u1 -> ... -> uk -> C through
the network's named quantities as a list of Leibniz factors du1/dP, du2/du1, ..., dC/duk, and
dC/dP as the sum over the paths of the product of their factors. For the notes' network::

    dC/dW2 = dz2/dW2 · dA2/dz2 · dC/dA2 = A1 · A2(1 - A2) · 2(A2 - y)
                                           input  sigmoid prime  cost derivative

This is the notes' scalar view: one sample, and every quantity read as a number (one unit per
layer), so that z2 = W2 A1 + b2 gives dz2/dW2 = A1. It is exact for a network with one unit
per layer; the batch form (transposes, sums over the samples, 1/m) is the derivation's
``Step``s, which the LaTeX shows beside it.

Every factor's value is ``sympy.diff`` of the equation's scalar form: an activation's
derivative comes from the registry (``Activation.derivative``), written in the activation's
own output when ``Activation.output_form`` proved such a form (sigmoid: A2(1 - A2), kept
beside sigma(z2)(1 - sigma(z2)) in ``Factor.form``), and the cost derivative is ``sympy.diff``
of the cost. Where an equation is not elementwise (softmax divides by a sum over the units),
its factor and the ones after it are taken together as the derivation's gradient of its
argument (softmax with cross-entropy: dC/dz2 = A2 - y).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from . import namer
from .conv import beyond_scalars
from .derivation import Derivation, tidy
from .ir import Elementwise, MatMul, Node, Sum, Transpose, Var, free_vars, placeholder, walk
from .registry import ActivationFunction, a

COST = "C"
MAX_PATHS = 64  # paths listed per parameter; the result always sums all of them


class SumUnits(sp.Function):
    """The per-sample sum over the units of a quantity (softmax's normaliser), in a factor's
    value; printed as a sum over the units."""

    nargs = 1


def symbol(name: str) -> sp.Symbol:
    """The scalar that stands for the named quantity ``name`` in chain values."""
    return sp.Symbol(name, real=True)


@dataclass
class Factor:
    """One Leibniz factor d numerator / d denominator, with its value and what the notes call
    it ("cost derivative", "sigmoid prime", "weight", "input", ...)."""

    numerator: str
    denominator: str
    value: sp.Expr
    label: str
    form: sp.Expr | None = None  # the same value in the activation of z, when value uses A
    note: str = ""


@dataclass
class Chain:
    """dC/d``param``: the sum over ``paths`` of the product of each path's factor values."""

    param: str
    paths: list[list[Factor]]
    result: sp.Expr
    n_paths: int = 0  # all paths; ``paths`` lists at most MAX_PATHS of them
    groups: list[list[tuple[int, str]]] = field(default_factory=list)

    def product(self, path: list[Factor]) -> sp.Expr:
        return sp.Mul(*[f.value for f in path])


def scalar(node: Node) -> sp.Expr:
    """The per-sample scalar view of an IR expression: products for ``@``, transposes dropped,
    a sum over units kept as ``SumUnits``; a sum over samples has no scalar view."""
    memo: dict[Node, sp.Expr] = {}
    for n in walk(node):
        view = _SCALAR.get(type(n))
        if view is None:
            raise TypeError(type(n).__name__)
        memo[n] = view(n, [memo[k] for k in n.children()])
    return memo[node]


def _scalar_sum(node: Sum, kids: list[sp.Expr]) -> sp.Expr:
    if node.axis == 1:
        raise ValueError("a sum over the samples has no per-sample view")
    return SumUnits(kids[0])


# node type -> its per-sample scalar from its children's
_SCALAR = {
    Var: lambda n, kids: symbol(n.name),
    MatMul: lambda n, kids: kids[0] * kids[1],
    Transpose: lambda n, kids: kids[0],
    Sum: _scalar_sum,
    Elementwise: lambda n, kids: n.expr.xreplace({placeholder(i): k for i, k in enumerate(kids)}),
}


def _elementwise(node: Node) -> bool:
    return not any(isinstance(n, Sum) for n in walk(node))


class _ChainBuilder:
    def __init__(self, d: Derivation):
        self.d = d
        self.net = net = d.network
        self.eqs: dict[str, Node] = dict(net.equations)
        self.eqs[COST] = net.cost
        # Edges of the graph of named quantities, in evaluation order: v -> u when u uses v.
        self.succ: dict[str, list[str]] = {}
        for u in [*net.values, COST]:
            for v in free_vars(self.eqs[u]):
                if v.role in ("param", "value"):
                    self.succ.setdefault(v.name, []).append(u)
        self.memo_edges: dict[tuple[str, str], list[Factor]] = {}
        self.count: dict[str, int] = {COST: 1}
        for v in reversed(list(net.values)):
            self.count[v] = self._count(v)
        for p in net.params:
            self.count[p] = self._count(p)

    def _count(self, v: str) -> int:
        total = 0
        for u in self.succ.get(v, []):
            total += 1 if not _elementwise(self.eqs[u]) else self.count[u]
        return total

    def edge(self, v: str, u: str) -> Factor:
        """The factor du/dv; for a non-elementwise u, dC/dv at once (``terminal`` factor)."""
        key = (v, u)
        if key not in self.memo_edges:
            self.memo_edges[key] = self._edge(v, u)
        return self.memo_edges[key]

    def _edge(self, v: str, u: str) -> Factor:
        eq = self.eqs[u]
        if not _elementwise(eq):
            if v not in self.net.values:
                # a parameter inside a reduction or a product (sum_units(W1 @ x)): its path has
                # no per-sample factor of its own; chains() leaves it to the batch form
                raise ValueError(f"{u} is not elementwise in the parameter {v}")
            step = self.d.step(v)
            through = f"{u} = {self.net.texts.get(u, u)}"
            return Factor(
                COST, v, scalar(step.simplified),
                "delta" if step.name.startswith("delta") else "gradient",
                note=f"through {through}, whose derivative is not elementwise: "
                f"d{u}/d{v} and the factors after it are taken together",
            )  # fmt: skip
        sv, su = symbol(v), scalar(eq)
        act = _activation_call(eq)
        if act is not None and act.output_form is not None:
            # d/dz f(z) written in the output A = f(z), proven equal by the registry
            value = act.output_form.xreplace({a: symbol(u)})
            return Factor(u, v, value, f"{act.name} prime", form=sp.diff(su, sv))
        value = sp.diff(su, sv)
        if u == COST:
            label = "cost derivative"
            value = tidy(value)
        elif act is not None:
            label = f"{act.name} prime"
        elif value.is_Symbol and value.name in self.net.params:
            label = "weight"
        elif value.is_Symbol and value.name in self.net.masks:
            label = "dropout mask"
        elif value.is_Symbol and (value.name in self.net.values or value.name == "x"):
            label = "input"
        elif value == 1 and v in self.net.params:
            label = "bias"
        else:
            label = "local derivative"
        return Factor(u, v, value, label)

    def paths(self, p: str) -> list[list[Factor]]:
        out: list[list[Factor]] = []
        # depth first, each stack entry holding its path as a linked list (no copying)
        stack: list[tuple[str, tuple | None]] = [(p, None)]
        while stack and len(out) < MAX_PATHS:
            v, link = stack.pop()
            if v == COST:
                path = []
                while link is not None:
                    link, f = link
                    path.append(f)
                out.append(path[::-1])
                continue
            for u in reversed(self.succ.get(v, [])):
                f = self.edge(v, u)
                stack.append((COST if f.numerator == COST else u, (link, f)))
        return out

    def gradient(self, v: str, memo: dict[str, sp.Expr]) -> sp.Expr:
        """dC/dv per sample, summed over every path (reverse accumulation, no path listing)."""
        if v == COST:
            return sp.Integer(1)
        if v not in memo:
            total = sp.Integer(0)
            for u in self.succ.get(v, []):
                f = self.edge(v, u)
                rest = sp.Integer(1) if f.numerator == COST else self.gradient(u, memo)
                total += f.value * rest
            memo[v] = total
        return memo[v]

    def groups(self, path: list[Factor]) -> list[tuple[int, str]]:
        """Where a path's tail is a whole delta: from a factor d?/dz_k on, when z_k reaches the
        cost by one path only, the product of the rest is delta_k."""
        out = []
        for i, f in enumerate(path):
            if i == 0 or f.denominator not in self.net.values:
                continue
            name = namer.gradient(f.denominator)
            if name.startswith("delta") and self.count[f.denominator] == 1:
                out.append((i, name))
        return out


def _activation_call(eq: Node):
    """The activation when an equation is exactly ``act(v)``, else None."""
    if (
        isinstance(eq, Elementwise)
        and len(eq.args) == 1
        and isinstance(eq.expr, ActivationFunction)
    ):
        return eq.expr.activation
    return None


def chains(d: Derivation, names: list[str] | None = None) -> list[Chain]:
    """The chain of every parameter, in the derivation's reading order (the notes' order: the
    last layer's parameters first); or of the given parameters or named quantities (``z1``:
    the chain of delta1). A quantity whose gradient goes through batch statistics (a sum over
    the samples: batch norm) has no per-sample chain and is left out; its gradient is the
    derivation's batch form. A window (convolution, pooling) or a row block (a recurrent
    step's input) has no scalar view at all: the batch gradients say it all."""
    if beyond_scalars(d.network):
        return []
    b = _ChainBuilder(d)
    if names is None:
        names = [step.of for step in d.param_steps]
    for name in names:
        if name not in d.network.params and name not in d.network.values:
            raise KeyError(name)
    memo: dict[str, sp.Expr] = {}
    out = []
    for name in names:
        try:
            out.append(_chain(b, name, memo))
        except ValueError:  # through batch statistics (sums over the samples): no scalar view
            continue
    return out


def chain(d: Derivation, name: str) -> Chain:
    """The chain of one parameter, or of a named quantity (``z1``: the chain of delta1)."""
    found = chains(d, [name])
    if not found:
        raise ValueError(f"d{name} goes through a sum over the samples: no per-sample chain")
    return found[0]


def _chain(b: _ChainBuilder, name: str, memo: dict) -> Chain:
    paths = b.paths(name)
    return Chain(name, paths, b.gradient(name, memo), b.count[name], [b.groups(p) for p in paths])
