"""The cost's shape in the IR, whatever the user wrote in ``[cost] expr``, and the quantities
that read the targets.

Every later stage reads the cost as one ``Elementwise`` node whose arguments are named
quantities and ``y`` (the loss is printed in those names, the chain rule's last factor is
``sympy.diff`` of its expression). A cost as written may be a bare name (``expr = "L"``), or
hold a reduction, a matrix product, a transpose, a softmax, a parameter or ``x``
(``(z2 - y)**2 + 0.05 * sum_units((W1.T @ A1 - x)**2)``): ``elementwise_cost`` names each such
part as an equation of its own (``cost1``, ``cost2``, ...), computed in the forward pass like any
equation, so the cost is elementwise in names again and every stage takes it unchanged.

An equation may read ``y`` (a hinge margin needs the labels): ``reads_target`` gives those
equations (and the ones computed from them), which the code computes only when the targets are
given, and ``prediction`` the quantity a network predicts with, the last one before the labels.
"""

from __future__ import annotations

from . import namer
from .ir import Elementwise, Node, Var, free_vars, placeholder

COST_PART = "cost"  # a named part of the cost is cost1, cost2, ...


def elementwise_cost(cost: Node, taken: set[str]) -> tuple[Node, dict[str, Node]]:
    """``cost`` as an elementwise expression of named quantities and y, and the parts it
    named to get there (name -> definition, in the order the cost uses them). A name is
    never one in ``taken``, nor one whose gradient's name is."""
    whole = not isinstance(cost, Elementwise)  # a bare name, a reduction: one argument
    expr, args = (placeholder(0), (cost,)) if whole else (cost.expr, cost.args)
    parts: dict[str, Node] = {}
    named: list[Node] = []
    k = 0
    for arg in args:
        if isinstance(arg, Var) and arg.role in ("value", "target"):
            named.append(arg)
            continue
        k += 1
        while f"{COST_PART}{k}" in taken or namer.gradient(f"{COST_PART}{k}") in taken:
            k += 1
        name = f"{COST_PART}{k}"
        parts[name] = arg
        named.append(Var(name, arg.shape, "value"))
    return Elementwise(expr, tuple(named), cost.shape), parts


def reads_target(equations: dict[str, Node]) -> set[str]:
    """The equations that read y, directly or through another equation (evaluation order)."""
    out: set[str] = set()
    for name, node in equations.items():
        for v in free_vars(node):
            if v.role == "target" or (v.role == "value" and v.name in out):
                out.add(name)
                break
    return out


def prediction(cost: Node, equations: dict[str, Node], skip: set[str]) -> list[str]:
    """The quantities the cost reaches first that are neither in ``skip`` (the cost's named
    parts, the equations reading y) nor computed through one that is: the candidates for the
    network's output, in the order they are found."""
    found: list[str] = []
    seen: set[str] = set()
    stack = [v for v in reversed(free_vars(cost)) if v.role == "value"]
    while stack:
        v = stack.pop()
        if v.name in seen:
            continue
        seen.add(v.name)
        if v.name in skip:
            stack.extend(w for w in reversed(free_vars(equations[v.name])) if w.role == "value")
        else:
            found.append(v.name)
    return found
