"""Evaluate the derivation in NumPy, as it is and with one step changed at a time.

``Evaluator`` gives the NumPy value of an IR node (samples as columns), with NumPy's shapes
rather than the declared ones, so that a changed step propagates the way the student's code
would. ``mutants_of(d)`` lists the derivation with one of the mistakes students make applied
to one node of one step: an elementwise factor applied as a matrix product (either
orientation) or left out or replaced by the activation itself, a product with a factor
transposed or swapped, the wrong delta, a term of a sum with the wrong sign.
``evaluate_mutant`` gives the gradients such a changed derivation computes; the judge compares
them with what the student's code returned.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import sympy as sp

from derive.emit.values import numpy_value
from derive.engine.derivation import Derivation
from derive.engine.graph import Network
from derive.engine.ir import (
    IMAGE_NODES,
    Elementwise,
    M,
    MatMul,
    Node,
    Sum,
    Transpose,
    Var,
    make_ew,
    placeholder,
    transposed,
    walk,
)
from derive.engine.registry import z

from .steps import show_node


class Evaluator:
    """NumPy values of IR nodes (samples as columns), for the forward pass and for the
    derivation's steps, changed or not. Shapes follow NumPy, not the declared ones, so that a
    changed step propagates the way the student's code would."""

    def __init__(self, net: Network):
        self.net = net

    def __call__(self, node: Node, env: dict, m: int) -> np.ndarray:
        return numpy_value(node, env, m, declared=False)


def _resolve(node: Node, m: int) -> tuple[int, int]:
    return tuple(m if s == M else s for s in node.shape)


@dataclass
class Mutant:
    """The derivation with one step changed: ``step = new`` instead of ``step = old``."""

    step: str
    value: Node
    kind: str  # matmul | drop | value | transpose | swap | sign
    detail: object  # the mask (matmul, drop); (mask, value used) for value; (used, belongs) swap

    def text(self, net: Network) -> str:
        if self.kind == "matmul":
            return f"{show_node(self.detail, net)} is applied as a matrix product, not elementwise"
        if self.kind == "drop":
            return f"the factor {show_node(self.detail, net)} is missing"
        if self.kind == "value":
            mask, used = self.detail
            return f"{used} is used where the derivative {show_node(mask, net)} belongs"
        if self.kind == "swap":
            return f"{self.detail[0]} is used where {self.detail[1]} belongs"
        if self.kind == "other_derivative":
            mask, used = self.detail
            return (
                f"{used} is used where {show_node(mask, net)} belongs: another layer's "
                "activation (the output layer's line copied into the hidden layers?)"
            )
        if self.kind == "output_line":
            belongs, used = self.detail
            return (
                f"{used} is used where {belongs} belongs: the output layer's dA and "
                "activation derivative (its line copied into the hidden layers' loop?)"
            )
        if self.kind == "extra_derivative":
            act, u = self.detail
            return (
                f"{u} is the output, with no activation, but its delta is multiplied by "
                f"{act}'({u}), the derivative of an activation it does not have"
            )
        if self.kind == "sign":
            return f"the term {show_node(self.detail, net)} of {self.step} has the wrong sign"
        return "a transposed factor"


def mutants_of(d: Derivation) -> list[Mutant]:
    """Each step with one of the mistakes students make applied to one of its nodes, and
    each delta multiplied by an activation's derivative its layer does not have."""
    grads = [Var(s.name, s.value.shape, "grad") for s in d.steps]
    # the output's dA (dA3): copied with the output layer's line into a hidden layer
    out_grad = next((g for g, s in zip(grads, d.steps, strict=True)
                     if s.of == d.network.output and s.kind == "value"), None)  # fmt: skip
    out: list[Mutant] = []
    for s in d.steps:
        seen = {s.value}
        for node in walk(s.value):
            for new, kind, detail in _node_mutants(node, grads, d.network, out_grad):
                value = _replace(s.value, node, new)
                if value not in seen:
                    seen.add(value)
                    out.append(Mutant(s.name, value, kind, detail))
        out += _extra_derivatives(s, d.network)
    return out


def _derivative_of(act, u: Var) -> Node | None:
    """f'(u) as a node, for an activation f that has a derivative of its own."""
    deriv = act.derivative
    if act.normalized or deriv.is_number:
        return None
    return make_ew(deriv.xreplace({z: placeholder(0)}), [u], u.shape)


def _extra_derivatives(step, net: Network) -> list[Mutant]:
    """The delta of a linear output multiplied by another layer's activation derivative (the
    output layer's line written as the hidden layers' ones): delta3*sigmoid'(z3)."""
    u = net.values.get(getattr(step, "of", None) or "")
    if u is None or u.name != net.output or u.name not in _linear_outputs(net):
        return []
    out = []
    for act in net.activations.values():
        prime = _derivative_of(act, u)
        if prime is None:
            continue
        value = make_ew(placeholder(0) * placeholder(1), [step.value, prime], step.value.shape)
        out.append(Mutant(step.name, value, "extra_derivative", (act.name, u.name)))
    return out


def _linear_outputs(net: Network) -> set[str]:
    """The output, when no activation is applied to make it (z3 itself is the output)."""
    made = {n for n, eq in net.equations.items() if _function_of(eq) is not None}
    return {net.output} - made


def _node_mutants(node: Node, grads: list[Var], net: Network, out_grad: Var | None = None):
    """(replacement, kind, detail) for one node, from its type's entry in ``_MUTANTS``."""
    mutants = _MUTANTS.get(type(node))
    if mutants is None:  # a new node type: decide which mistakes it can carry, if any
        raise TypeError(f"no mutants case for {type(node).__name__}")
    if mutants is _elementwise_mutants:
        return mutants(node, grads, net, out_grad)
    return mutants(node, grads, net)


def _elementwise_mutants(node: Elementwise, grads: list[Var], net: Network, out_grad=None):
    """An elementwise factor of a gradient applied as a matrix product (in each orientation),
    left out, or replaced by the activation itself (A1 for relu'(z1))."""
    # one term of a sum with its sign flipped: -(a - b) written -a - b
    for add in [e for e in sp.preorder_traversal(node.expr) if e.is_Add]:
        for term in add.args:
            if term.is_number:
                continue
            flipped = make_ew(node.expr.xreplace({add: add - 2 * term}), node.args, node.shape)
            yield flipped, "sign", make_ew(term, node.args, node.shape)
    if not node.expr.is_Mul:
        return
    factors = node.expr.args
    for i, g in enumerate(node.args):
        if not (isinstance(g, Var) and g.role == "grad") or placeholder(i) not in factors:
            continue
        rest = sp.Mul(*[f for f in factors if f != placeholder(i)])
        if rest.has(placeholder(i)) or rest.is_number:
            continue
        mask = make_ew(rest, node.args, node.shape)
        pairs = [
            (g, mask),
            (g, Transpose(mask)),
            (Transpose(g), mask),
            (mask, g),
            (Transpose(mask), g),
            (mask, Transpose(g)),
        ]
        for a, b in pairs:
            yield MatMul(a, b), "matmul", mask
        yield g, "drop", mask
        for v in _undifferentiated(mask, net):
            new = make_ew(placeholder(0) * placeholder(1), [g, v], node.shape)
            yield new, "value", (mask, v.name)
        u = _function_of(mask)
        for act in net.activations.values() if u is not None else ():
            prime = _derivative_of(act, u)  # another layer's derivative: sigmoid'(z1) for relu'
            if prime is not None and prime != mask:
                new = make_ew(placeholder(0) * placeholder(1), [g, prime], node.shape)
                yield new, "other_derivative", (mask, f"{act.name}'({u.name})")
                if out_grad is not None and out_grad != g:  # the whole output line: dA3*s'(z2)
                    new = make_ew(placeholder(0) * placeholder(1), [out_grad, prime], node.shape)
                    used = f"{out_grad.name}*{act.name}'({u.name})"
                    yield new, "output_line", (f"{g.name}*{show_node(mask, net)}", used)


def _matmul_mutants(node: MatMul, grads: list[Var], net: Network):
    """A product with a factor transposed (a transposed factor loses its transpose) or the
    factors swapped."""
    a, b = node.a, node.b
    for new in (MatMul(transposed(a), b), MatMul(a, transposed(b)), MatMul(b, a),
                MatMul(transposed(b), transposed(a))):  # fmt: skip
        yield new, "transpose", None


def _swap_mutants(node: Var, grads: list[Var], net: Network):
    """A named gradient used in place of another (delta1 where delta2 belongs)."""
    if node.role != "grad":
        return
    for other in grads:
        if other.name != node.name:
            yield other, "swap", (other.name, node.name)


def _no_mutants(node: Node, grads: list[Var], net: Network):
    return ()


# node type -> the mistakes made at a node of that type. Transposes change as a product's
# factors and sums not at all; the image and row-block nodes get none, as in ``_replace``.
_MUTANTS = {
    Elementwise: _elementwise_mutants,
    MatMul: _matmul_mutants,
    Var: _swap_mutants,
    Transpose: _no_mutants,
    Sum: _no_mutants,
    **{kind: _no_mutants for kind in IMAGE_NODES},
}


def _undifferentiated(mask: Node, net: Network) -> list[Var]:
    """The forward values a derivative factor may be confused with: for relu'(z1), z1 and
    A1 = relu(z1); for A2*(1 - A2), A2. A pattern over one shape, f(u), not a dispatch."""
    u = _function_of(mask)
    if u is None:
        return []
    made = [n for n, eq in net.equations.items() if _function_of(eq) == u]
    return [u, *(net.values[n] for n in made)]


def _function_of(node: Node) -> Var | None:
    """u when ``node`` is f(u), an elementwise function of the one forward value u."""
    if not isinstance(node, Elementwise) or len(node.args) != 1:
        return None
    u = node.args[0]
    return u if isinstance(u, Var) and u.role == "value" else None


def _replace(node: Node, old: Node, new: Node) -> Node:
    if node == old:
        return new
    if isinstance(node, IMAGE_NODES):  # mutants are made in the matrix algebra only
        return node
    return node.rebuild(*[_replace(k, old, new) for k in node.children()])


def evaluate_mutant(ev, d, env, mut, m, scale) -> dict | None:
    new = dict(env)
    started = False
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for s in d.steps:
                if s.name == mut.step:
                    new[s.name], started = ev(mut.value, new, m), True
                elif started:
                    new[s.name] = ev(s.value, new, m)
                    if getattr(s, "penalty", None) is not None:  # as _reference_run adds it
                        new[s.name] = new[s.name] + ev(s.penalty, new, m) / scale
    except ValueError:  # shapes that do not fit at this m: code with this mistake would fail
        return None
    return {s.of: scale * new[s.name] for s in d.param_steps}
