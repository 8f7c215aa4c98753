"""One random draw of the network in batch form (``Batch``), and the value of a read side of a
matrix claim on it (``evaluate``): the truth comes from ``derive.engine.derivation.derive``
(``Derivation.steps``, evaluated by ``derive.check.code.evaluate.Evaluator``); a product or
elementwise operation the shapes cannot form raises ``ShapeError``, which says why.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import sympy as sp

from derive.check.code.evaluate import Evaluator
from derive.check.code.run import random_inputs, sample_counts
from derive.engine import namer
from derive.engine.derivation import m as m_symbol
from derive.engine.ir import Elementwise
from derive.engine.registry import ACTIVATIONS, expand_activations

from .matrixform import notes_derivation
from .matrixread import show_tree
from .numbers import Unknown
from .state import Checking


class ShapeError(Exception):
    """A product or sum the claim's shapes cannot form; the message says why."""


@dataclass
class Batch:
    """One random draw of the network in batch form, and how the notes read it."""

    d: object  # the Derivation
    env: dict
    m: int
    acts: dict[int, str]  # layer -> activation name
    factor: float = 1.0  # the notes' cost / the spec's cost
    mean: bool = True
    cost_line: int | None = None
    delta_reading: str | None = None  # "example" | "batch", once the notes define a delta
    names: dict = field(default_factory=dict)  # z2 -> the notes' name of its delta: dZ(2), δ2
    softmax: str | None = None  # the softmax output (A2) when the cost is cross-entropy
    stated: dict = field(default_factory=dict)  # name -> the notes' statement of its shape
    seen: set = field(default_factory=set)

    def batch(self, of: str) -> np.ndarray:
        """dJ/d(of) for the notes' cost J, over the whole batch."""
        step = self.d.step(of)
        return self.factor * float(self.d.scale.subs(m_symbol, self.m)) * self.env[step.name]

    def per_example(self, of: str) -> np.ndarray:
        """The samples' own gradients as columns (m dJ/d(of) when J is a mean)."""
        return self.batch(of) * (self.m if self.mean else 1)


def batch_of(ck: Checking) -> Batch | None:
    """The draw for these notes, made once (None without a spec's derivation)."""
    if getattr(ck, "matrix_batch", None) is not None:
        return ck.matrix_batch
    d = ck.net.derivation if ck.net else None
    sm = getattr(ck, "softmax", None)
    if d is None and ck.net is not None and ck.net.defs:
        d = notes_derivation(ck.net.defs, sm, getattr(ck, "stated_sizes", None))
    if d is None:
        return None
    net = d.network
    m = sample_counts(net)[-1]
    env = random_inputs(net, m, seed=13)
    ev = Evaluator(net)
    with np.errstate(all="ignore"):
        for name, eq in net.equations.items():
            env[name] = ev(eq, env, m)
        for s in d.steps:
            env[s.name] = ev(s.value, env, m)
        out = namer.sibling(sm.z, "A") if sm is not None else None  # the network's output
        if sm is not None and sm.a not in env and out in env:
            env[sm.a] = env[out]  # \\hat{y}: the softmax output by the notes' name
        env["__cost__"] = float(np.sum(ev(net.cost, env, m)) * float(d.scale.subs(m_symbol, m)))
    acts = {}
    for name, eq in net.equations.items():
        k = namer.numbered(name, "A")
        func = eq.expr.func if k is not None and isinstance(eq, Elementwise) else None
        act = getattr(func, "activation", None)
        name = act.name if act else getattr(func, "__name__", "")
        if name in ACTIVATIONS:  # tanh stays SymPy's own function in the equations
            acts[k] = name
    ck.matrix_batch = Batch(d, env, m, acts, mean=d.scale != 1)
    ck.matrix_batch.stated = dict(getattr(ck, "stated_names", {}) or {})
    if sm is not None and out in env:
        ck.matrix_batch.softmax = out
        ck.matrix_batch.cost_line = sm.line
        if sm.a != out:
            ck.matrix_batch.names[out] = ck.reader.names.show(sm.a)
    return ck.matrix_batch


# ---------------------------------------------------------------------- evaluation
def evaluate(tree, b: Batch, names) -> np.ndarray | float:
    """The value of a read side on the draw; ``ShapeError`` when its shapes do not fit."""
    kind = tree[0]
    if kind == "num":
        return tree[1]
    if kind == "m":
        return float(b.m)
    if kind in ("name", "grad"):
        return _value(tree, b)
    if kind == "T":
        v = evaluate(tree[1], b, names)
        return v.T if isinstance(v, np.ndarray) else v
    if kind == "neg":
        return -evaluate(tree[1], b, names)
    if kind == "sum":
        return np.sum(_array(evaluate(tree[1], b, names)), axis=1, keepdims=True)
    if kind == "norm2":
        return float(np.sum(np.square(evaluate(tree[1], b, names))))
    if kind == "pow":
        return np.power(evaluate(tree[1], b, names), tree[2])
    if kind == "fn":
        return _function(tree, b, names)
    left, right = evaluate(tree[1], b, names), evaluate(tree[2], b, names)
    if kind == "mm":
        if np.ndim(left) == 0 or np.ndim(right) == 0:
            return left * right
        if left.shape[1] != right.shape[0]:
            raise ShapeError(
                f"{show_tree(tree[1])} {dims(left, b.m)} times "
                f"{show_tree(tree[2])} {dims(right, b.m)} "
                f"cannot be formed: {_dim(left.shape[1], b.m)} columns against "
                f"{_dim(right.shape[0], b.m)} rows"
            )
        return left @ right
    if np.ndim(left) and np.ndim(right) and np.shape(left) != np.shape(right):
        try:
            np.broadcast_shapes(np.shape(left), np.shape(right))
        except ValueError:
            op = {"had": "⊙", "star": "*", "add": "+", "sub": "-", "div": "/"}[kind]
            raise ShapeError(
                f"{show_tree(tree[1])} {dims(left, b.m)} {op} "
                f"{show_tree(tree[2])} {dims(right, b.m)} "
                "cannot be formed: elementwise operands need one shape"
            ) from None
    if kind in ("had", "star"):
        return left * right
    if kind == "add":
        return left + right
    if kind == "sub":
        return left - right
    return left / right


def _array(v):
    return v if isinstance(v, np.ndarray) else np.array([[v]])


def dims(v, m: int | None = None) -> str:
    """A value's shape; a dimension of ``m`` (the draw's samples, no other dimension of the
    network) is written m."""
    if isinstance(v, np.ndarray) and v.ndim == 2:
        return f"({_dim(v.shape[0], m)}×{_dim(v.shape[1], m)})"
    return "(a number)"


def _dim(n: int, m: int | None):
    return "m" if m is not None and n == m else n


def _value(tree, b: Batch):
    kind, name, shown = tree
    env = b.env
    if kind == "grad":
        try:
            step = b.d.step(name)
        except KeyError:
            raise Unknown(f"{shown} is not a gradient of the network") from None
        return b.batch(name) if step.kind == "param" else b.per_example(name)
    if namer.is_delta(name):
        of = namer.gradient_of(name)
        if of not in env:
            raise Unknown(f"{shown} is not a delta of the network")
        return b.batch(of) if b.delta_reading == "batch" else b.per_example(of)
    if name in env and not name.startswith("__"):
        return env[name]
    raise Unknown(f"{shown} is not a quantity of the network")


def _function(tree, b: Batch, names):
    _, fname, prime, arg, layer = tree
    if fname == "g":
        k = layer or _layer_of(arg)
        if k is None or not str(k).isdigit() or int(k) not in b.acts:
            raise Unknown("g's layer is not clear (write g^{[l]} or apply it to Z^{[l]})")
        fname = b.acts[int(k)]
    if fname not in ACTIVATIONS or ACTIVATIONS[fname].normalized:
        raise Unknown(f"{fname} is not an elementwise activation")
    with np.errstate(all="ignore"):
        return _lambda(fname, prime)(evaluate(arg, b, names))


def _layer_of(tree):
    if tree[0] == "name":
        k = re.fullmatch(r"[zA](\d+)", tree[1])
        return k.group(1) if k else None
    return None


@lru_cache(maxsize=64)
def _lambda(fname: str, prime: bool):
    z = sp.Symbol("z", real=True)
    f = ACTIVATIONS[fname](z)
    expr = sp.diff(f, z) if prime else f
    return sp.lambdify([z], expand_activations(expr), "numpy")


def safe(tree, b, reader):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return evaluate(tree, b, reader.names)


def close(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    return bool(np.all(np.isfinite(a)) and np.max(np.abs(a - b)) <= 1e-9 * scale)
