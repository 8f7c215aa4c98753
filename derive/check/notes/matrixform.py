"""The derivation matrix claims are judged against, and its forms in the notes' names.

``notes_derivation`` makes the network the notes' forward equations describe into a spec and
derives it (when there is no ``--spec``); ``expected`` writes a step of the derivation (a
gradient or a delta) in the notes' spelling, with the factor the notes' cost gives it.
"""

from __future__ import annotations

import re

import sympy as sp

from derive.engine.derivation import derive
from derive.engine.derivation import m as m_symbol
from derive.engine.ir import Ew, MatMul, Sum, T, Var, placeholder
from derive.engine.spec import from_dict
from derive.errors import DeriveError


def notes_derivation(defs: dict):
    """The derivation of the network the notes' forward equations describe (z_k = W_k
    A_(k-1) + b_k, A_k = f(z_k), C in the last A and y), at sizes of this checker's choosing
    (4 inputs, hidden layers of 3, 6, 7, ... units, one output); None when the equations are
    not such a network."""
    last = max((int(k[1:]) for k in defs if re.fullmatch(r"A\d+", k)), default=0)
    if not last or "C" not in defs:
        return None
    layers = []
    for k in range(1, last + 1):
        z, a = defs.get(f"z{k}"), defs.get(f"A{k}")
        prev = sp.Symbol("x", real=True) if k == 1 else sp.Symbol(f"A{k - 1}", real=True)
        w, b = sp.Symbol(f"W{k}", real=True), sp.Symbol(f"b{k}", real=True)
        if z is None or a is None or sp.expand(z - (w * prev + b)) != 0:
            return None
        act = getattr(type(a), "activation", None)
        if act is None or a.args != (sp.Symbol(f"z{k}", real=True),):
            return None
        units = 1 if k == last else [3, 6, 7, 8, 9, 10, 11][min(k - 1, 6)]
        layers.append({"units": units, "activation": act.name})
    a_last = sp.Symbol(f"A{last}", real=True)
    cost = defs["C"]
    if cost.free_symbols - {a_last, sp.Symbol("y", real=True)}:
        return None
    expr = str(cost.xreplace({a_last: sp.Symbol("a")}))
    data = {"name": "notes", "inputs": 4, "layers": layers,
            "cost": {"expr": expr, "reduction": "mean"}}  # fmt: skip
    try:
        return derive(from_dict(data, source="the notes' forward equations"))
    except DeriveError:
        return None


# ---------------------------------------------------------------------- expected forms
def expected(ck, b, kind: str, of: str, line: int) -> str:
    """The derivation's form of the claim's left side (``b`` a ``matrix.Batch``), in the
    notes' names."""
    step = b.d.step(of)
    node = step.simplified if step.simplified is not None else step.value
    body = _show_node(ck, node, line)
    per_sample = b.factor * float(b.d.scale.subs(m_symbol, b.m)) * b.m
    k = sp.nsimplify(round(per_sample, 9))
    if kind == "param" or (kind == "delta" and b.delta_reading == "batch"):
        over = sp.sstr(k / sp.Symbol("m")) if b.mean else sp.sstr(k)
        coef = "" if over == "1" else f"({over}) "
    else:
        coef = "" if k == 1 else f"({sp.sstr(k)}) "
    return f"{coef}{body}"


def _show_node(ck, node, line) -> str:
    names = ck.reader.names
    if isinstance(node, Var):
        return names.show({"x": "x", "y": "y"}.get(node.name, node.name), line)
    if isinstance(node, T):
        return f"{_show_node(ck, node.a, line)}^T"
    if isinstance(node, MatMul):
        return f"({_show_node(ck, node.a, line)} {_show_node(ck, node.b, line)})"
    if isinstance(node, Sum):
        return f"Σ_samples({_show_node(ck, node.a, line)})"
    if isinstance(node, Ew):
        subs = {placeholder(i): sp.Symbol(_show_node(ck, a, line)) for i, a in enumerate(node.args)}
        expr = node.expr.xreplace(subs)
        expr = expr.replace(
            lambda e: isinstance(e, sp.Piecewise) and len(e.args) == 2,
            lambda e: sp.Symbol(f"1[{e.args[0][1]}]"),
        )
        text = ck.show(expr, line).replace("**", "^")
        return re.sub(r"\s*\*\s*", " ⊙ ", text)
    return repr(node)
