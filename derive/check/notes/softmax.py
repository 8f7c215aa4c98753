"""Softmax with cross-entropy: ∂C/∂z = a - y under one-hot targets, checked as an identity.

Softmax couples the units, so the per-sample scalar network (``network.ScalarNet``, one unit
per layer) cannot hold it. ``find`` reads where the notes' output is softmax and their cost
cross-entropy: ``a_2 = \\mathrm{softmax}(z_2)`` (or ``\\hat{y}``, or written out as
``a_k = \\frac{e^{z_k}}{\\sum_j e^{z_j}}``) with ``C = -\\sum_k y_k \\log a_{2,k}`` (also
``-\\sum_{k=1}^{K}``, ``\\ln``, ``-y^T \\log a``, ``\\mathcal{L}``, ``-\\frac{1}{m}\\sum_{i=1}^{m}
\\sum_k …`` for a batch), or a spec whose last layer is softmax with the cross_entropy cost.

A claim ``\\frac{\\partial C}{\\partial z_2} = …`` (also ``\\delta_2``, ``\\partial z_k``,
``\\partial a_2``) is then read componentwise (``a_k``, ``a_{2,k}`` and ``a_2`` are the
output's component, ``y_k`` the target's) and compared, on K = 4 classes, at random logits
for every one-hot target, with ``sympy.diff`` of -Σ y_k log softmax(z)_k. A wrong one names
the usual mistake: the sign, ∂C/∂a (-y/a) for ∂C/∂z, softmax's derivative taken elementwise
(a(1 - a), only the diagonal of its Jacobian), the true class's component only, a factor.
The formulas that define the softmax output and the cost are definitions, not claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from derive.engine import namer
from derive.engine.ir import Var
from derive.engine.registry import ACTIVATIONS, expand_activations

from .names import sym
from .numbers import Unknown
from .state import Checking
from .tex import NotUnderstood, clean, split_top

K = 4  # classes of the model the claims are checked on
_COSTS = {"C", "L", "E", "J", "ell"}
_INDEX = "ijkcnt"
_ONE_HOT = "with one-hot targets (Σ_k y_k = 1)"


@dataclass
class SoftmaxCE:
    """The notes' softmax output and cross-entropy cost (canonical names)."""

    z: str  # the softmax's input: z2
    a: str  # its output: A2, a, yhat
    cost: str = "C"
    line: int | None = None  # the cost's line in the notes; None for the spec's
    lines: set = field(default_factory=set)  # the lines that define them (no claims)
    mean: bool | None = None  # a batch cost: True for the mean over the samples, False for
    # their sum; None: one sample's cost


def find(ck: Checking, items) -> SoftmaxCE | None:
    """The softmax output with a cross-entropy cost of the spec or the notes, or None."""
    net = ck.net
    d = net.derivation if net is not None else None
    if ck.spec and d is not None:
        n = d.network
        logits = n.softmax.get(n.output)  # the spec's softmax output, in either form
        if isinstance(logits, Var) and n.cost_name == "cross_entropy":
            return SoftmaxCE(logits.name, n.output, mean=n.reduction == "mean")
        return None
    outputs, costs = [], []
    for item in items:
        form = item.formula
        if form is None or form.update:
            continue
        parts = split_top(clean(form.tex).replace("&", " "), "=")
        if len(parts) != 2:
            continue
        try:
            left = ck.reader.single_name(parts[0])
            if left is None:
                continue
            out = _softmax_of(ck, form, parts[1])
            ce = _cross_entropy(ck, parts[1]) if _component(ck, left) in _COSTS else None
        except Exception:  # a formula this cannot read is neither: the other checks judge it
            continue
        if out is not None:
            outputs.append((_component(ck, left), out, item.line))
        elif ce is not None:
            costs.append((_component(ck, left), ce, item.line))
    for a, z, line in outputs:
        for cost, (out, mean), cost_line in costs:
            if _alias(out, a):
                return SoftmaxCE(z, a, cost, cost_line, {line, cost_line}, mean)
    return None


def _softmax_of(ck: Checking, form, right: str) -> str | None:
    """The softmax's input when ``right`` is softmax(z) or written out as e^{z_k}/Σ_j e^{z_j}."""
    members = [m for m in form.members if m.kind != "empty"]
    if len(members) == 2 and members[1].kind == "expr":
        v = members[1].value
        if isinstance(v, AppliedUndef) and v.func.__name__ == "softmax":
            if isinstance(v.args[0], sp.Symbol):
                return _component(ck, v.args[0].name)
    written = re.fullmatch(
        r"\s*\\frac\s*\{\s*e\s*\^\s*\{\s*(?P<z>[^{}]+?)\s*\}\s*\}\s*\{\s*\\sum\s*(?:_\s*"
        r"(?:\{[^{}]*\}|\w))?\s*(?:\^\s*(?:\{[^{}]*\}|\w))?\s*e\s*\^\s*\{\s*(?P<w>[^{}]+?)\s*\}"
        r"\s*\}\s*",
        right,
    )
    if written:
        try:
            z, w = ck.reader.single_name(written["z"]), ck.reader.single_name(written["w"])
        except NotUnderstood:
            return None
        if z and w and _component(ck, z) == _component(ck, w):
            return _component(ck, z)
    return None


_SUM = re.compile(r"\\sum\s*(?:_\s*(\{[^{}]*\}|\w))?\s*(?:\^\s*(\{[^{}]*\}|\w))?\s*")


def _cross_entropy(ck: Checking, right: str):
    """(output name, mean) when ``right`` is -Σ_k y_k log a_k in one of its spellings; mean is
    True for a batch mean (1/m), False for a sum over the samples, None for one sample."""
    t = re.sub(r"\s+", " ", right).strip()
    sign, mean = 1, None
    while True:
        if t.startswith("-"):
            sign, t = -sign, t[1:].lstrip()
        elif m := re.match(r"\\frac\s*\{\s*(-?)\s*1\s*\}\s*\{\s*[mNn]\s*\}\s*", t):
            sign, mean, t = (-sign if m[1] else sign), True, t[m.end() :]
        else:
            break
    sums = []
    while m := _SUM.match(t):
        sums.append(re.sub(r"[{}\s]|=.*", "", m[1] or "")[:1])
        t = t[m.end() :]
        if t.startswith("-"):
            sign, t = -sign, t[1:].lstrip()
    if sign != -1 or len(sums) > 2:
        return None
    if len(sums) == 2 and sums[0]:
        t = re.sub(rf"\^\s*\{{\s*[(\[]\s*{sums[0]}\s*[)\]]\s*\}}", "", t)  # y^{(i)}: sample i
    if sums and sums[-1]:
        k = sums[-1]
        t = re.sub(rf"_\s*\{{\s*([^{{}},]+?)\s*,\s*{k}\s*\}}", r"_{\1}", t)  # a_{2,k}
        t = re.sub(rf"_\s*(?:\{{\s*{k}\s*\}}|{k}(?![A-Za-z0-9]))", "", t)  # y_k, a_{k}
    elif not re.search(r"\^\s*\{?\s*(T|\\top)\b|\\cdot", t):
        return None  # -y log a without a sum or a dot product: one unit's term
    t = re.sub(r"\^\s*\{?\s*(T|\\top)\s*\}?|\\cdot|\\odot", " ", t)
    try:
        body = ck.reader.expr(t)
    except Exception:  # NotUnderstood, or the parser's own errors: not this cost
        return None
    if not isinstance(body, sp.Mul) or len(body.args) != 2:
        return None
    target = [f for f in body.args if isinstance(f, sp.Symbol)]
    logs = [f for f in body.args if isinstance(f, sp.log) and isinstance(f.args[0], sp.Symbol)]
    if len(target) != 1 or len(logs) != 1 or target[0].name != "y":
        return None
    batch = mean if mean else (False if len(sums) == 2 else None)
    return _component(ck, logs[0].args[0].name), batch


def _component(ck: Checking, name: str) -> str:
    """The vector a component names: a_{2,k} -> A2, a_k -> a, \\hat{y}_k -> yhat."""
    names = ck.reader.names
    if m := re.fullmatch(rf"([A-Za-z]+)_(\w+),[{_INDEX}]", name):
        return names.canonical(m[1], m[2], None).replace("Yhat", "yhat")
    if m := re.fullmatch(rf"([A-Za-z]+)_[{_INDEX}]", name):
        name = names.canonical(m[1], None, None)
    return "ell" if name == "ell" else name.replace("Yhat", "yhat")


def _alias(name: str, of: str) -> bool:
    """Does ``name`` stand for the vector ``of``: itself, or its letter without the layer
    (a_k for A2, z_k for z2)?"""
    if name == of:
        return True
    letter = re.fullmatch(r"([Az])\d+", of)
    return bool(letter) and name.lower() == letter[1].lower()


def _role(ck: Checking, sm: SoftmaxCE, name: str) -> str | None:
    base = _component(ck, name)
    for role, of in (("a", sm.a), ("z", sm.z), ("y", "y")):
        if _alias(base, of):
            return role
    return None


# ---------------------------------------------------------------------- claims
def claim(ck: Checking, members) -> bool:
    """Judge ∂C/∂z (or ∂C/∂a) of the softmax output; False when the claim is not one."""
    sm = getattr(ck, "softmax", None)
    if sm is None:
        return False
    first = members[0]
    if first.line in sm.lines and first.kind in ("expr", "bad"):
        return True  # the definition of the output or of the cost
    den = None
    if first.kind == "deriv":
        num, d = first.value
        if _component(ck, num) in _COSTS | {sm.cost}:
            den = _role(ck, sm, d)
    elif first.kind == "expr" and isinstance(first.value, sp.Symbol):
        name = first.value.name
        if namer.is_delta(name) and namer.gradient_of(name) == sm.z and name not in ck.local:
            den = "z"
    if den not in ("z", "a"):
        return False
    for m in members[1:]:
        _one(ck, sm, first, m, den)
    return True


def _one(ck: Checking, sm: SoftmaxCE, first, m, den: str):
    text, line = f"{first.tex} = {m.tex}", m.line
    out, target = ck.show(sym(sm.a), line), ck.show(sym("y"), line)
    expected = f"{out} - {target}" if den == "z" else f"-{target}/{out}"
    try:
        if m.kind == "bad":
            raise Unknown(m.error)
        if m.kind not in ("expr", "number"):
            raise Unknown("the right-hand side is not an expression")
        mine = _values(_componentwise(ck, sm, m.value))
    except Unknown as err:
        ck.add(line, "identity", text, "unknown", message=str(err))
        return
    truth = _truth(den)
    if _close(mine, truth):
        ck.add(line, "identity", text, "correct", expected, _ONE_HOT)
        return
    ck.add(line, "identity", text, "wrong", expected, _why(ck, sm, mine, den, expected, line))


def _componentwise(ck: Checking, sm: SoftmaxCE, expr):
    """The claim as a function of one component (a, y, z) of the vectors."""
    a, y, z = sp.symbols("a y z", real=True)
    expr = ck.substitute_local(expr)
    expr = expr.replace(
        lambda e: isinstance(e, AppliedUndef) and e.func.__name__ == "softmax", lambda e: a
    )
    subs = {}
    for s in sorted(expr.free_symbols, key=lambda s: s.name):  # the same message every run
        role = _role(ck, sm, s.name)
        if role is None:
            shown = ck.reader.names.show(s.name)
            raise Unknown(f"{shown} is not the softmax's input, its output or the target")
        subs[s] = {"a": a, "y": y, "z": z}[role]
    expr = expand_activations(ck.real(expr.xreplace(subs), ACTIVATIONS))
    return sp.lambdify([a, y, z], expr, "numpy")


def _draws():
    """(a, y, z) for 3 random logit vectors, each with every one-hot target: rows of K."""
    rng = np.random.default_rng(13)
    rows = []
    for _ in range(3):
        z = rng.normal(size=K) * 1.5
        a = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        rows += [(a, np.eye(K)[t], z) for t in range(K)]
    return rows


def _values(f) -> np.ndarray:
    with np.errstate(all="ignore"):
        out = [np.broadcast_to(np.asarray(f(a, y, z), dtype=float), (K,)) for a, y, z in _draws()]
    return np.array(out)


@lru_cache(maxsize=2)
def _truth(den: str) -> np.ndarray:
    """∂C/∂z_i (or ∂C/∂a_i) by sympy.diff of C = -Σ y_k log softmax(z)_k, at the draws."""
    zs, ys, av = sp.symbols(f"z:{K}", real=True), sp.symbols(f"y:{K}"), sp.symbols(f"a:{K}")
    if den == "z":
        total = sum(sp.exp(v) for v in zs)
        cost = -sum(y * sp.log(sp.exp(v) / total) for y, v in zip(ys, zs, strict=True))
        grad = sp.lambdify([zs, ys], [sp.diff(cost, v) for v in zs], "numpy")
        return np.array([grad(z, y) for _, y, z in _draws()], dtype=float)
    cost = -sum(y * sp.log(v) for y, v in zip(ys, av, strict=True))
    grad = sp.lambdify([av, ys], [sp.diff(cost, v) for v in av], "numpy")
    return np.array([grad(a, y) for a, y, _ in _draws()], dtype=float)


def _close(a, b) -> bool:
    return bool(np.all(np.isfinite(a)) and np.allclose(a, b, rtol=1e-9, atol=1e-12))


def _why(ck: Checking, sm: SoftmaxCE, mine, den: str, expected: str, line) -> str:
    truth = _truth(den)
    a = np.array([r[0] for r in _draws()])
    y = np.array([r[1] for r in _draws()])
    shown_a, shown_z = ck.show(sym(sm.a), line), ck.show(sym(sm.z), line)
    if _close(mine, -truth):
        return f"the sign is wrong: {expected}, the output minus the target"
    if den == "a" and _close(mine, _truth("z")):
        return f"this is ∂C/∂{shown_z} (through softmax), not ∂C/∂{shown_a}"
    if den == "z" and _close(mine, _truth("a")):
        return (
            f"this is ∂C/∂{shown_a}, the cost's derivative by the softmax's output, not "
            f"∂C/∂{shown_z}: through softmax's Jacobian -y/{shown_a} becomes {expected}"
        )
    diagonal = a * (1 - a)
    if den == "z" and any(_close(mine, g * diagonal) for g in (truth, _truth("a"), 1)):
        return (
            f"softmax's derivative taken elementwise: {shown_a}(1 - {shown_a}) is only the "
            f"diagonal of its Jacobian (∂a_i/∂z_j = a_i(δ_ij - a_j)); with cross-entropy the "
            f"whole Jacobian gives {expected}"
        )
    hot = y == 1
    if _close(mine[hot], truth[hot]):
        return (
            f"right for the true class only (y_k = 1); for the others ∂C/∂z_k is a_k: "
            f"{expected} covers both"
        )
    ratio = mine[np.abs(truth) > 1e-9] / truth[np.abs(truth) > 1e-9]
    if ratio.size and np.allclose(ratio, ratio[0], rtol=1e-9):
        return f"off by a factor of {sp.nsimplify(round(float(ratio[0]), 8))}"
    of = shown_z if den == "z" else shown_a
    return f"for softmax with cross-entropy, {_ONE_HOT}, ∂C/∂{of} is {expected}"
