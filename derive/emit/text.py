"""Plain-text printing of IR nodes, for ``derive show`` and the generated code's comments.

The names are the code's (``X`` and ``Y`` for the batch input and target, ``z1``, ``delta2``),
``*`` is the elementwise product, ``@`` the matrix product, ``relu'(z1)`` is written
``1[z1 > 0]`` as the derivative ``sympy.diff`` produced."""

from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter

from derive.engine.ir import Ew, MatMul, Node, Sum, T, Var, placeholder


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
    return text if isinstance(node, Var | T | Sum) else f"({text})"


def node_text(node: Node) -> str:
    if isinstance(node, Var):
        return var_name(node)
    if isinstance(node, MatMul):
        left = node_text(node.a) if isinstance(node.a, Var | T | MatMul) else _atom(node.a)
        return f"{left} @ {_atom(node.b)}"
    if isinstance(node, T):
        return f"{_atom(node.a)}.T"
    if isinstance(node, Sum):
        what = "samples" if node.axis == 1 else "units"
        return f"sum_{what}({node_text(node.a)})"
    if isinstance(node, Ew):
        bare = set(node.expr.args) if isinstance(node.expr, sp.Add) else set()
        names = {
            placeholder(i): node_text(arg)
            if isinstance(arg, Var | T | Sum) or placeholder(i) in bare
            else _atom(arg)
            for i, arg in enumerate(node.args)
        }
        return _Printer(names).doprint(node.expr)
    raise TypeError(type(node).__name__)
