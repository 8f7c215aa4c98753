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
from fractions import Fraction

import numpy as np

from derive.engine import namer

from .matrixeval import Batch, ShapeError, batch_of, close, dims, safe
from .matrixform import expected
from .matrixread import MatrixReader, looks_like_matrix
from .mistakes import mutants
from .numbers import Unknown
from .state import Checking
from .tex import NotUnderstood, clean, drop_alignment, split_top

COSTS = {"C", "J", "L", "E", "C0"}


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
    ck.reader.names.line = item.line  # spellings seen here are this line's
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
        if target and target[0] == "delta" and "/" not in target[2]:
            b.names.setdefault(target[1], target[2])  # the notes name this delta
        for tree in readable:
            for of, name in _deltas_in(tree).items():
                b.names.setdefault(of, name)
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
    if tree[0] == "name" and namer.is_delta(tree[1]):
        return (namer.gradient_of(tree[1]), tree[2], "delta")
    if tree[0] == "name" and tree[1] in COSTS:
        return (tree[1], tree[2], "cost")
    return None


def _deltas_in(tree, out=None) -> dict:
    """How a read side names each delta it uses (``dZ^{[2]}``, ``\\delta_2``): z2 -> name."""
    out = {} if out is None else out
    if tree[0] == "grad" and re.fullmatch(r"z\d+", tree[1]):
        out.setdefault(tree[1], tree[2])
    elif tree[0] == "name" and namer.is_delta(tree[1]):
        out.setdefault(namer.gradient_of(tree[1]), tree[2])
    for child in tree[1:]:
        if isinstance(child, tuple):
            _deltas_in(child, out)
    return out


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
        value = safe(tree, b, reader)
    except (NotUnderstood, Unknown) as err:
        ck.add(line, "matrix", text, "unknown", message=str(err))
        return
    except ShapeError as err:
        fix = _named(tree, b, reader, _readings(b, kind, of))
        why = f"{err}" + (f"; {fix[0]}" if fix else "") + _as_stated(b, tree)
        ck.add(line, "matrix", text, "wrong", _expected(ck, b, kind, of, line, tree), why)
        return
    if kind == "cost":
        _cost(ck, b, value, tree, line, text)
        return
    readings = _readings(b, kind, of)
    notes = ["* between matrices read as elementwise, as NumPy does"] if "star" in str(tree) else []
    for arr, reading in readings:
        if close(value, arr):
            if kind == "delta" and b.delta_reading is None:
                b.delta_reading = reading[0]
            ck.add(line, "matrix", text, "correct", None, "; ".join([*notes, reading[1]]))
            return
    why = _diagnose(tree, value, b, reader, readings, shown)
    shown_why = "; ".join([why, *notes])
    ck.add(line, "matrix", text, "wrong", _expected(ck, b, kind, of, line, tree), shown_why)


def _expected(ck, b: Batch, kind, of, line, tree) -> str:
    """The expected form with the deltas named as this claim names them, else as the notes do."""
    return expected(ck, b, kind, of, line, {**b.names, **_deltas_in(tree)})


def _readings(b: Batch, kind: str, of: str):
    if kind == "param":
        return [(b.batch(of), ("batch", ""))]
    example = (b.per_example(of), ("example", "read as per-example columns (m ∂J/∂Z)"))
    batch = (b.batch(of), ("batch", "read as the batch gradient ∂J/∂Z of the mean cost"))
    if not b.mean:
        return [(b.batch(of), ("batch", ""))]
    return [batch, example] if b.delta_reading == "batch" else [example, batch]


def _diagnose(tree, value, b: Batch, reader, readings, shown) -> str:
    truth = readings[0][0]
    value = np.asarray(value, dtype=float)
    if value.shape != truth.shape:
        if value.T.shape == truth.shape and close(value.T, truth):
            return f"transposed: the claim is {dims(value, b.m)}, {shown} is {dims(truth, b.m)}"
        fix = _named(tree, b, reader, readings)
        said = f"the claim is {dims(value, b.m)}, but {shown} is {dims(truth, b.m)}"
        said = f"{said}; {fix[0]}" if fix else said
        return said + _as_stated(b, tree)
    where = f" (the notes' cost, line {b.cost_line})" if b.cost_line else ""
    for arr, _ in readings:
        if close(value, arr * b.m):
            return f"missing the 1/m of the mean cost{where}"
        if close(value, arr / b.m):
            return f"an extra 1/m: the cost{where} is already divided by m"
    fix = _named(tree, b, reader, readings)
    if fix:
        return fix[0]
    if b.softmax and any(close(value, arr * b.env[b.softmax] * (1 - b.env[b.softmax])) for
                         arr, _ in readings):  # fmt: skip
        a = b.names.get(b.softmax) or reader.names.show(b.softmax)
        return (
            f"softmax's derivative taken elementwise: {a}(1 - {a}) is only the diagonal of "
            f"its Jacobian; with cross-entropy the whole Jacobian gives {a} - "
            f"{reader.names.show('y')}"
        )
    for arr, _ in readings:
        k = _factor(value, arr)
        if k is not None:
            if k == -1:
                return "the sign is wrong"
            left_out = b.factor != 1 and abs(k * b.factor - 1) < 1e-9
            const = Fraction(b.factor).limit_denominator(100)
            cost = f": the {const} of the notes' cost (line {b.cost_line})"
            return f"off by a factor of {k}" + (f"{cost} is left out" if left_out else "")
    return "differs from the derivation's matrix form at random points"


def _as_stated(b: Batch, tree) -> str:
    """The notes' statements of the shapes of the names in a claim, for a shape reason."""
    names, todo = [], [tree]
    while todo:
        node = todo.pop()
        if node[0] in ("name", "grad") and node[1] in b.stated and node[1] not in names:
            names.append(node[1])
        todo += [c for c in node[1:] if isinstance(c, tuple)]
    said = [f"{b.stated[n].text} (line {b.stated[n].line})" for n in sorted(names)]
    return f" (as stated: {'; '.join(said)})" if said else ""


def _factor(value, arr) -> Fraction | None:
    """k when ``value`` is k times ``arr`` for a simple fraction k (not 1), else None."""
    arr = np.asarray(arr, dtype=float)
    big = np.abs(arr) > 1e-9
    if not np.any(big) or np.any(np.abs(value[~big]) > 1e-9):
        return None
    ratios = value[big] / arr[big]
    k = Fraction(float(ratios[0])).limit_denominator(12)
    ok = np.allclose(ratios, float(k), rtol=1e-9, atol=1e-12) and k not in (0, 1)
    return k if ok else None


def _named(tree, b: Batch, reader, readings):
    """The usual mistake that, undone, makes the claim right: (reason,) or None."""
    for new, reason in mutants(tree, b.acts):
        try:
            value = safe(new, b, reader)
        except (ShapeError, Unknown, NotUnderstood, ValueError, TypeError):
            continue
        if any(close(value, arr) for arr, _ in readings):
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
