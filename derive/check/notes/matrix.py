"""Check claims written in the batch (matrix) form against the derivation's matrix form.

A formula that uses the batch form's notation (``matrixread.looks_like_matrix``: a transpose,
``\\odot``, ``dW``, a sum over samples, ``1/m``) and whose left side is a gradient
(``\\frac{\\partial C}{\\partial W_2}``, ``dW^{[2]}``, ``db``), a delta (``\\delta_2``,
``dZ^{[2]}``, ``\\frac{\\partial J}{\\partial Z_2}``) or the cost is a matrix claim. Both sides
are evaluated in NumPy on one random draw (parameters, X with m columns, Y), the truth from
``derive.engine.derivation.derive`` (``Derivation.steps``, evaluated by
``derive.check.code.evaluate.Evaluator``): the shape first (a product that cannot be formed
is wrong and says why), then the value.

Conventions. 1/m comes from the notes' own cost (``J = \\frac{1}{2m}\\|A - Y\\|^2``: its
value against the spec's cost gives the factor, a mean when it divides by m), else from the
spec. A param gradient (``dW``, ``\\partial C/\\partial W``) is dJ/dW. A delta or ``dZ`` is
taken per example (the columns are the samples' own gradients: m dJ/dZ for a mean, Ng's dZ)
or as the batch gradient dJ/dZ, whichever the claim is, and the report says which; a later
``\\delta`` on a right side is read the way the notes defined it. A wrong claim is tried
against the usual mistakes (``mistakes``) and names the one it is.
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
from derive.engine.derivation import m as m_symbol
from derive.engine.ir import Ew
from derive.engine.registry import ACTIVATIONS, expand_activations

from .matrixform import expected, notes_derivation
from .matrixread import MatrixReader, looks_like_matrix, show_tree
from .mistakes import mutants
from .numbers import Unknown
from .state import Checking
from .tex import NotUnderstood, clean, drop_alignment, split_top

COSTS = {"C", "J", "L", "E", "C0"}


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
    if d is None and ck.net is not None and ck.net.defs:
        d = notes_derivation(ck.net.defs)
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
        env["__cost__"] = float(np.sum(ev(net.cost, env, m)) * float(d.scale.subs(m_symbol, m)))
    acts = {}
    for name, eq in net.equations.items():
        k = re.fullmatch(r"A(\d+)", name)
        func = eq.expr.func if k and isinstance(eq, Ew) else None
        act = getattr(func, "activation", None)
        name = act.name if act else getattr(func, "__name__", "")
        if name in ACTIVATIONS:  # tanh stays SymPy's own function in the equations
            acts[int(k.group(1))] = name
    ck.matrix_batch = Batch(d, env, m, acts, mean=d.scale != 1)
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
                f"{show_tree(tree[1])} {_dims(left)} times {show_tree(tree[2])} {_dims(right)} "
                f"cannot be formed: {left.shape[1]} columns against {right.shape[0]} rows"
            )
        return left @ right
    if np.ndim(left) and np.ndim(right) and np.shape(left) != np.shape(right):
        try:
            np.broadcast_shapes(np.shape(left), np.shape(right))
        except ValueError:
            op = {"had": "⊙", "star": "*", "add": "+", "sub": "-", "div": "/"}[kind]
            raise ShapeError(
                f"{show_tree(tree[1])} {_dims(left)} {op} {show_tree(tree[2])} {_dims(right)} "
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


def _dims(v) -> str:
    if isinstance(v, np.ndarray) and v.ndim == 2:
        return f"({v.shape[0]}×{v.shape[1]})"
    return "(a number)"


def _value(tree, b: Batch):
    kind, name, shown = tree
    env = b.env
    if kind == "grad":
        try:
            step = b.d.step(name)
        except KeyError:
            raise Unknown(f"{shown} is not a gradient of the network") from None
        return b.batch(name) if step.kind == "param" else b.per_example(name)
    delta = re.fullmatch(r"delta(\d+)", name)
    if delta:
        of = f"z{delta.group(1)}"
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


# ---------------------------------------------------------------------- the claim
def claim(ck: Checking, item, members) -> bool:
    """Judge ``item`` as a matrix claim when it is one; False leaves it to the other checks."""
    tex = drop_alignment(clean(item.formula.tex))
    if not looks_like_matrix(tex) or len(members) < 2:
        return False
    if any(m.kind in ("chain", "deriv") or m.fracs for m in members[1:]):
        return False  # Leibniz fractions on the right: the chain rule's check
    parts = [p.strip() for p in split_top(tex, "=")]
    if len(parts) < 2 or not all(parts):
        return False
    reader = MatrixReader(ck.reader.names, ck.net.acts if ck.net else None)
    try:
        target = _target(ck, reader, parts[0])
    except NotUnderstood:
        return False
    if target is None:
        return False
    readable = []
    for part in parts[1:]:
        try:
            readable.append(reader.read(part))
        except NotUnderstood:
            continue
    if not readable:
        return False  # nothing here reads as a matrix: the scalar checks may read it
    shown = split_top(drop_alignment(" ".join(item.formula.tex.split())), "=")
    shown = shown if len(shown) == len(parts) else parts
    b = batch_of(ck)
    if b is not None:
        target = _resolve(b, target)
    for k in range(1, len(parts)):
        text = f"{shown[0].strip()} = {shown[k].strip()}"
        if b is None or target is None:
            why = (
                "a matrix claim, and no network to compare it with: give --spec SPEC or write "
                "the forward equations in the notes"
                if b is None
                else f"{target_shown(ck, reader, parts[0])} is not a gradient of the network"
            )
            ck.add(item.line, "matrix", text, "unknown", message=why)
    if b is None or target is None:
        return True
    for k, part in enumerate(parts[1:], start=1):
        text = f"{shown[0].strip()} = {shown[k].strip()}"
        _judge(ck, b, reader, target, part, item.line, text)
    return True


def _target(ck, reader, lhs: str):
    """(of, shown, kind): the network name the left side is the gradient of ("delta" for
    δ, "cost" for the cost itself, else None until the derivation says); None when the left
    side is none of these."""
    fracs = list(ck.reader.leibniz(lhs)) if "\\frac" in lhs else []
    if len(fracs) == 1 and fracs[0][0] == 0 and fracs[0][1] == len(lhs):
        num, den = fracs[0][2], fracs[0][3]
        if num not in COSTS:
            return None
        return (den, ck.frac(num, den, fracs[0][4], None), None)
    tree = reader.read(lhs)
    if tree[0] == "grad":
        return (tree[1], tree[2], None)
    if tree[0] == "name" and re.fullmatch(r"delta\d+", tree[1]):
        return (f"z{tree[1][5:]}", tree[2], "delta")
    if tree[0] == "name" and tree[1] in COSTS:
        return (tree[1], tree[2], "cost")
    return None


def target_shown(ck, reader, lhs: str) -> str:
    return _target(ck, reader, lhs)[1]


def _resolve(b: Batch, target):
    """(kind, of, shown) with kind param | delta | cost, or None for no step of the network."""
    of, shown, kind = target
    if kind == "cost":
        return ("cost", of, shown)
    try:
        step = b.d.step(of)
    except KeyError:
        return None
    return ("param" if step.kind == "param" else "delta", of, shown)


def _judge(ck, b: Batch, reader, target, part: str, line: int, text: str):
    kind, of, shown = target
    try:
        tree = reader.read(part)
        value = _safe(tree, b, reader)
    except (NotUnderstood, Unknown) as err:
        ck.add(line, "matrix", text, "unknown", message=str(err))
        return
    except ShapeError as err:
        fix = _named(tree, b, reader, _readings(b, kind, of))
        why = f"{err}" + (f"; {fix[0]}" if fix else "")
        ck.add(line, "matrix", text, "wrong", expected(ck, b, kind, of, line), why)
        return
    if kind == "cost":
        _cost(ck, b, value, tree, line, text)
        return
    readings = _readings(b, kind, of)
    notes = ["* between matrices read as elementwise, as NumPy does"] if "star" in str(tree) else []
    for arr, reading in readings:
        if _close(value, arr):
            if kind == "delta" and b.delta_reading is None:
                b.delta_reading = reading[0]
            ck.add(line, "matrix", text, "correct", None, "; ".join([*notes, reading[1]]))
            return
    why = _diagnose(tree, value, b, reader, readings, shown)
    ck.add(line, "matrix", text, "wrong", expected(ck, b, kind, of, line), "; ".join([why, *notes]))


def _safe(tree, b, reader):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return evaluate(tree, b, reader.names)


def _readings(b: Batch, kind: str, of: str):
    if kind == "param":
        return [(b.batch(of), ("batch", ""))]
    example = (b.per_example(of), ("example", "read as per-example columns (m ∂J/∂Z)"))
    batch = (b.batch(of), ("batch", "read as the batch gradient ∂J/∂Z of the mean cost"))
    if not b.mean:
        return [(b.batch(of), ("batch", ""))]
    return [batch, example] if b.delta_reading == "batch" else [example, batch]


def _close(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    return bool(np.all(np.isfinite(a)) and np.max(np.abs(a - b)) <= 1e-9 * scale)


def _diagnose(tree, value, b: Batch, reader, readings, shown) -> str:
    truth = readings[0][0]
    value = np.asarray(value, dtype=float)
    if value.shape != truth.shape:
        if value.T.shape == truth.shape and _close(value.T, truth):
            return f"transposed: the claim is {_dims(value)}, {shown} is {_dims(truth)}"
        fix = _named(tree, b, reader, readings)
        said = f"the claim is {_dims(value)}, but {shown} is {_dims(truth)}"
        return f"{said}; {fix[0]}" if fix else said
    where = f" (the notes' cost, line {b.cost_line})" if b.cost_line else ""
    for arr, _ in readings:
        if _close(value, arr * b.m):
            return f"missing the 1/m of the mean cost{where}"
        if _close(value, arr / b.m):
            return f"an extra 1/m: the cost{where} is already divided by m"
    fix = _named(tree, b, reader, readings)
    if fix:
        return fix[0]
    return "differs from the derivation's matrix form at random points"


def _named(tree, b: Batch, reader, readings):
    """The usual mistake that, undone, makes the claim right: (reason,) or None."""
    for new, reason in mutants(tree, b.acts):
        try:
            value = _safe(new, b, reader)
        except (ShapeError, Unknown, NotUnderstood, ValueError, TypeError):
            continue
        if any(_close(value, arr) for arr, _ in readings):
            return (reason,)
    return None


def _cost(ck, b: Batch, value, tree, line, text):
    """The notes' cost: its value against the spec's gives the factor of every gradient."""
    if np.ndim(value) != 0 and np.size(value) != 1:
        ck.add(line, "matrix", text, "unknown", message="the cost is not one number")
        return
    b.factor = float(np.asarray(value).reshape(-1)[0]) / b.env["__cost__"]
    b.mean = "('m',)" in str(tree)
    b.cost_line = line
