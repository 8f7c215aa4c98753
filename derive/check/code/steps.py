"""Write the derivation's steps the way the notes do, for the explanations of
``derive check mycode.py:backward``: ``derive.emit.text``'s names (those of the generated code)
with activation derivatives as ``relu'(z1)``, and a gradient with the named gradients it uses:
``dW1 = (1/m) delta1 @ X.T, where delta1 = (W2.T @ delta2)*relu'(z1), ...``.
"""

from __future__ import annotations

import re

import sympy as sp

from derive.emit.text import node_text
from derive.engine.derivation import Derivation
from derive.engine.graph import Network
from derive.engine.ir import (
    Elementwise,
    MatMul,
    Node,
    Sum,
    Transpose,
    Var,
    make_ew,
    placeholder,
    walk,
)
from derive.engine.registry import z


def show_node(node: Node, net: Network) -> str:
    """An IR node as ``derive.emit.text`` prints it (the generated code's names), with activation
    derivatives written the notes' way: ``(W2.T @ delta2)*relu'(z1)``."""
    return re.sub(r"\((\w+'\(\w+\))\)", r"\1", node_text(_primed(node, net)))


def _primed(node: Node, net: Network) -> Node:
    if isinstance(node, MatMul | Transpose | Sum):
        return node.rebuild(*[_primed(k, net) for k in node.children()])
    if not isinstance(node, Elementwise):
        return node
    # a constant argument (the seed dC/dC = 1) is written as its value
    consts = {placeholder(i): a.expr for i, a in enumerate(node.args) if _constant(a)}
    expr = node.expr.xreplace(consts)
    for act in net.activations.values():
        deriv = act.derivative
        if act.normalized or deriv.is_number or deriv.is_Symbol:
            continue
        prime = sp.Function(f"{act.name}'")
        for i in range(len(node.args)):
            expr = expr.xreplace({deriv.xreplace({z: placeholder(i)}): prime(placeholder(i))})
    return make_ew(expr, [_primed(a, net) for a in node.args], node.shape)


def _constant(node: Node) -> bool:
    return isinstance(node, Elementwise) and not node.args


def chain_text(d: Derivation, step, net: Network) -> str:
    """``dW2 = (1/m) delta2 @ A1.T, where delta2 = 2*A2*(1 - A2)*(A2 - Y)``."""
    scale = "" if d.scale == 1 else f"({sp.sstr(d.scale)}) "
    text = f"{step.name} = {scale}{show_node(step.simplified, net)}"
    if getattr(step, "penalty", None) is not None:  # [cost] penalty: added after the 1/m
        text += f" + {show_node(step.penalty, net)}"
    return text + _definitions(d, net, step)


def _definitions(d: Derivation, net: Network, step) -> str:
    """The named gradients ``step`` uses, and those they use in turn, as ``, where ...``."""
    by_name = {s.name: s for s in d.steps}
    todo, seen, out = [step.simplified], {step.name}, []
    while todo:
        for n in walk(todo.pop(0)):
            if isinstance(n, Var) and n.role == "grad" and n.name not in seen:
                seen.add(n.name)
                s = by_name[n.name]
                out.append(f"{s.name} = {show_node(s.simplified, net)}")
                todo.append(s.simplified)
    return ", where " + ", ".join(out) if out else ""


def first_step_text(d: Derivation, net: Network) -> str:
    """The derivation's first step, the cost's derivative: ``dA2 = -2*Y + 2*A2``."""
    s = d.steps[0]
    return f"{s.name} = {show_node(s.simplified, net)}"
