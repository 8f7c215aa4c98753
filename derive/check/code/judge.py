"""Judge each gradient the student's code returned, over the runs at every m, and say what
the code computes instead when it is wrong.

``judge`` gives a ``GradientResult``: ``correct`` (within ``RTOL``; a shape that broadcasts
back to the parameter's own is harmless and said so), ``wrong`` or ``unknown`` (the function
raised, a gradient is missing or not an array). For a wrong one ``_explain`` looks for the
simplest account that fits at every m: the derived gradient up to a factor (m, 1/m, a
constant: a missing or extra 1/m, a flipped sign), its transpose, a bias summed over the wrong
axis or not at all, or the derivation with one step changed (``eval``); the
explanation always ends with the derived expression to compare with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from derive.engine.derivation import Derivation
from derive.engine.derivation import m as m_symbol
from derive.engine.graph import Network
from derive.engine.ir import MatMul, Node, Sum, Transpose, Var, walk

from .evaluate import Evaluator
from .run import RTOL, Run, close, harmless, magnitude
from .steps import chain_text, first_step_text, show_node


@dataclass
class GradientResult:
    """The verdict on one gradient, the lines that explain it, and its JSON form."""

    gradient: str
    param: str
    verdict: str  # correct | wrong | unknown
    shape: tuple
    expression: str
    found_shapes: dict[int, tuple | None]
    diagnosis: str | None = None
    lines: list[str] = field(default_factory=list)
    errors: tuple[float, float] | None = None  # max abs, relative, at the largest m
    raised: list[str] = field(default_factory=list)  # the exceptions, for the JSON message

    def as_json(self) -> dict:
        """The JSON object of ``--format json``."""
        return {
            "gradient": self.gradient,
            "param": self.param,
            "verdict": self.verdict,
            "expected": {"shape": list(self.shape), "expression": self.expression},
            "found": {
                "shapes": {str(m): _listed(s) for m, s in self.found_shapes.items()},
                "max_abs_error": self.errors[0] if self.errors else None,
                "relative_error": self.errors[1] if self.errors else None,
            },
            "diagnosis": self.diagnosis,
            # self-contained: the text report gives the exceptions once, after every gradient
            "message": "\n".join([s.replace(" (see below)", "") for s in self.lines] + self.raised),
        }


def _listed(shape):
    return list(shape) if shape is not None else None


def judge(net: Network, d: Derivation, p: str, runs: list[Run], mutants) -> GradientResult:
    """The verdict on the gradient of parameter ``p`` over every run (see the module doc)."""
    step = next(s for s in d.param_steps if s.of == p)
    g = step.name
    shape = net.params[p].shape
    res = GradientResult(g, p, "wrong", shape, chain_text(d, step, net), {})
    ok = [r for r in runs if r.error is None]
    for r in runs:
        res.found_shapes[r.m] = None
        if r.error is None and p in r.found:
            try:
                r.found[p] = np.asarray(r.found[p], dtype=np.float64)
                res.found_shapes[r.m] = tuple(r.found[p].shape)
            except (TypeError, ValueError):
                res.verdict, res.diagnosis = "unknown", "not_an_array"
                res.lines.append(f"returned {type(r.found[p]).__name__} for {g}, not an array")
                return res
    raised = [r for r in runs if r.error is not None]
    res.raised = [f"at m = {r.m} the function raised {r.error}" for r in raised]
    if not ok:
        res.verdict, res.diagnosis = "unknown", "raised"
        res.lines.append("not checked: the function raised at every m (see below)")
        return res
    if any(p not in r.found for r in ok):
        res.verdict, res.diagnosis = "unknown", "missing"
        res.lines.append(f"not returned (the dict has no key {g} or {p})")
        return res
    loose = [r.m for r in ok if harmless(r.found[p], r.expected[p], shape)]
    right = [r.m for r in ok if close(r.found[p], r.expected[p])] + loose
    if len(right) == len(ok):
        res.verdict = "correct" if not raised else "unknown"
        if loose:
            found = res.found_shapes[loose[-1]]
            res.lines.append(
                f"shape {found} instead of {shape}, harmless here: {p} - lr * {g} keeps "
                f"{p}'s shape {shape}"
            )
        if raised:
            res.diagnosis = "raised"
            ms = ", ".join(str(r.m) for r in raised)
            res.lines.append(f"right at m = {', '.join(map(str, right))}, but at m = {ms} the "
                             "function raised (see below)")  # fmt: skip
        return res
    last = ok[-1]
    res.errors = _errors(last.found[p], last.expected[p])
    wrong_shapes: dict[tuple, list[int]] = {}
    for r in ok:
        if res.found_shapes[r.m] != tuple(shape):
            wrong_shapes.setdefault(res.found_shapes[r.m], []).append(r.m)
    for found, at in wrong_shapes.items():
        res.lines.append(
            f"shape {found} where the derived {g} is {shape} (at m = {', '.join(map(str, at))}): "
            + _broadcast_note(p, g, tuple(shape), found)
        )
    if 1 in right and len(ok) > 1:
        res.lines.append("with m = 1 it is right: a test on a single sample would pass")
    res.diagnosis, explanation = _explain(net, d, step, ok, mutants)
    res.lines.append(explanation)
    if res.errors is not None:
        res.lines.append(
            f"at m = {last.m}: expected {_show(last.expected[p])}, found {_show(last.found[p])} "
            f"(max abs error {res.errors[0]:.3g}, relative {res.errors[1]:.3g})"
        )
    res.lines.append(f"compare with: {res.expression}")
    return res


def _explain(net, d, step, ok, mutants) -> tuple[str, str]:
    """The simplest account of what the code computes: the expected gradient up to a factor,
    its transpose, another sum, or the derivation with one step changed."""
    p, g = step.of, step.name
    ev = Evaluator(net)
    hyps = [("scaled", lambda r: r.expected[p]), ("transposed", lambda r: r.expected[p].T)]
    if isinstance(step.value, Sum):
        inner = step.value.a
        axis = step.value.axis

        def summed(how):
            def pred(r):
                scale = float(d.scale.subs(m_symbol, r.m))
                v = scale * ev(inner, r.env, r.m)
                return v if how == "none" else np.sum(v, axis=None if how == "all" else 1 - axis)

            return pred

        hyps += [("sum_all", summed("all")), ("sum_other_axis", summed("other")),
                 ("unsummed", summed("none"))]  # fmt: skip
    if step.penalty is not None:  # the penalty's term left out of this gradient

        def unpenalized(r):
            return r.expected[p] - np.asarray(ev(step.penalty, r.env, r.m)).reshape(
                r.expected[p].shape
            )

        hyps.append(("penalty_missing", unpenalized))
    for i in range(len(mutants)):
        preds = [r.mutated[i] for r in ok]
        if any(x is None for x in preds):
            continue
        if all(close(x[p], r.expected[p]) for x, r in zip(preds, ok, strict=True)):
            continue  # this change does not reach the gradient
        hyps.append((f"mutant:{i}", lambda r, i=i: r.mutated[i][p]))
    fits = []
    for name, pred in hyps:
        kind = _classify([(r.m, r.found[p], pred(r)) for r in ok])
        if kind is not None:
            fits.append((name, kind))
    for wanted in ("same", "times_m", "over_m", "fixed_divisor", "const"):
        for name, (kind, c) in fits:
            if kind == wanted:
                return _describe(net, d, step, name, kind, c, mutants, ok)
    near = [(rel, name) for name, pred in hyps if name.startswith("mutant:")
            for rel in [_nearly(ok, p, pred)] if rel is not None]  # fmt: skip
    if near:  # one mistake explains all but a small rest: name it, and say a rest remains
        rel, name = min(near)
        diagnosis, text = _describe(net, d, step, name, "same", 1.0, mutants, ok)
        return diagnosis, (
            f"nearly (to {rel:.1g} relative to the largest entry; something smaller is off "
            f"too, e.g. a parameter changed before it is used): {text}"
        )
    return "values", (
        f"{g} does not match the derivation, nor any one of the usual mistakes derive tries "
        "(a factor, a transpose, a sum over the wrong axis, a mask as a matrix product, "
        "a missing factor, the wrong delta)"
    )


def _describe(net, d, step, name, kind, c, mutants, ok) -> tuple[str, str]:
    p, g = step.of, step.name
    factor = {"same": "", "times_m": "m times ", "over_m": "1/m times ", "const": f"{c:.6g} times ",
              "fixed_divisor": f"m/{1 / c:.6g} times "}  # fmt: skip
    mean = net.reduction == "mean"
    why = {
        "times_m": (
            "the 1/m is missing. The spec's cost is the mean over the m samples "
            '(reduction = "mean"), so every gradient carries 1/m'
            if mean else 'a factor m too many (the spec\'s cost is a sum, reduction = "sum")'
        ),
        "over_m": (
            "divided by m once too often: the 1/m of the mean belongs in once"
            if mean else "this code averages, but the spec's cost is a sum over the samples "
            '(reduction = "sum"), so no gradient has a 1/m'
        ),
        "fixed_divisor": (
            f"a fixed divisor {1 / c:.6g} where the 1/m of the mean belongs: right only "
            f"when m = {1 / c:.6g}"
        ),
        "const": _constant_why(net, d, c),
    }.get(kind, "")  # fmt: skip
    scaled = f" ({factor[kind]}what it should be: {why})" if kind != "same" else ""
    if name == "scaled":
        if kind == "same":
            shapes = ", ".join(sorted({str(r.found[p].shape) for r in ok}))
            flat = any(r.found[p].ndim < 2 for r in ok)
            return "shape", (
                f"the values are right but the shape is {shapes}, not {net.params[p].shape}"
                + (": a 1-d array; use keepdims=True" if flat else "")
            )
        key = {"times_m": "missing_1_over_m", "over_m": "extra_1_over_m",
               "fixed_divisor": "fixed_divisor"}.get(kind, "factor")  # fmt: skip
        if kind == "const" and _outputs_factor(net, c):
            key = "outputs_divisor"
        elif kind == "const" and abs(c + 1) < 1e-6:
            key = "sign"
        return key, f"found = {factor[kind]}the derived {g}: {why}"
    if name == "penalty_missing":
        pen = show_node(step.penalty, net)
        return "penalty_missing", (
            f"the penalty's term is missing: found = {factor[kind]}the derived {g} without "
            f"{pen}, which the cost's penalty {net.penalty_text} adds to {g}" + scaled
        )
    if name == "transposed":
        flipped = show_node(_transpose(step.simplified), net)
        return "transposed", (
            f"a transposed factor: found = {factor[kind]}{flipped}, "
            f"the transpose of the derived {g} = {show_node(step.simplified, net)}{scaled}"
        )
    if name.startswith("sum_") or name == "unsummed":
        axis = step.value.axis
        inner = show_node(step.value.a, net)
        over = {0: "the units", 1: "the samples"}
        what = {
            "sum_all": f"summed over every entry, not over {over[axis]}: found = "
            f"{factor[kind]}the sum of all of {inner}, one number (np.sum without "
            f"axis={axis}, keepdims=True), which broadcasting spreads over every unit",
            "sum_other_axis": f"summed over {over[1 - axis]} (axis={1 - axis}) instead of "
            f"{over[axis]} (axis={axis})",
            "unsummed": f"not summed over {over[axis]} (axis={axis}): found = {factor[kind]}"
            f"{inner} itself",
        }[name]
        return name, what + (scaled if name != "sum_all" else f"{scaled}")
    mut = mutants[int(name.split(":")[1])]
    orig = next(s for s in d.steps if s.name == mut.step)
    by_name = {s.name: s for s in d.steps}
    inlined = [
        f"{v.name} = {show_node(by_name[v.name].value, net)}"
        for v in dict.fromkeys(n for n in walk(mut.value) if isinstance(n, Var))
        if v.role == "grad" and by_name[v.name].inlined
    ]
    defs = f" (where {', '.join(inlined)})" if inlined else ""
    return mut.kind, (
        f"{mut.text(net)}: found = {factor[kind]}the derived {g} computed with {mut.step} = "
        f"{show_node(mut.value, net)} instead of {mut.step} = {show_node(orig.value, net)}{defs}"
        + (f"; and {why}" if why else "")
    )


def _outputs_factor(net: Network, c: float) -> bool:
    """Is c the number of outputs, or its inverse (with more than one output)?"""
    n = net.outputs
    return n > 1 and min(abs(c - n), abs(c - 1 / n) * n) <= 1e-6 * n


def _constant_why(net: Network, d: Derivation, c: float) -> str:
    """Why a gradient is c times the derived one: a flipped sign, the outputs counted in the
    divisor or not, or a constant to compare with the cost's derivative."""
    if abs(c + 1) < 1e-6:
        return "the sign is flipped"
    n = net.outputs
    if _outputs_factor(net, c) and c > 1:
        return (
            f"{n} is the number of outputs: this code divides by the samples only, where "
            f"the cost, a mean over the samples and the {n} outputs (np.mean of an (m, {n}) "
            f"array), divides by m*{n}; compare the cost's derivative {first_step_text(d, net)}"
        )
    if _outputs_factor(net, c):
        return (
            f"{n} is the number of outputs: this code divides by m*{n} (a mean over the "
            "outputs too) where the cost divides by the samples only; compare the cost's "
            f"derivative {first_step_text(d, net)}"
        )
    return f"a constant factor is off; compare the cost's derivative {first_step_text(d, net)}"


def _transpose(node: Node) -> Node:
    """node.T with the transpose moved inside products: (a @ b).T = b.T @ a.T."""
    if isinstance(node, Transpose):
        return node.a
    if isinstance(node, MatMul):
        return MatMul(_transpose(node.b), _transpose(node.a))
    return Transpose(node)


def _classify(triples) -> tuple[str, float] | None:
    """How the found arrays relate to the predicted ones over the runs: equal ("same"), m
    times ("times_m"), 1/m times ("over_m"), one constant times ("const"), or not at all."""
    pairs = []
    entries = 0
    for m, found, pred in triples:
        c = _ratio(found, pred)
        if c is None:
            return None
        if np.isnan(c):  # both zero: fits any factor
            continue
        pairs.append((m, c))
        entries += found.size
    if not pairs:  # zero where zero was predicted, at every m: equal, whatever the factor
        return "same", 1.0
    near = lambda a, b: abs(a - b) <= 1e-6 * max(abs(b), 1e-12)  # noqa: E731
    if all(near(c, 1) for _, c in pairs):
        return "same", 1.0
    big = any(m > 1 for m, _ in pairs)
    if big and all(near(c, m) for m, c in pairs):
        return "times_m", float(pairs[-1][1])
    if big and all(near(c, 1 / m) for m, c in pairs):
        return "over_m", float(pairs[-1][1])
    ms = {m for m, _ in pairs}
    if big and len(ms) > 1 and all(near(c / m, pairs[0][1] / pairs[0][0]) for m, c in pairs):
        return "fixed_divisor", float(pairs[0][1] / pairs[0][0])  # c = m / d: d instead of m
    if entries >= 2 and all(near(c, pairs[0][1]) for _, c in pairs):  # 1 number fits any c
        return "const", float(pairs[0][1])
    return None


def _nearly(ok, p, pred, loose: float = 1e-3) -> float | None:
    """The largest difference between found and predicted, relative to the predicted
    array's largest entry, over the runs, when it is below ``loose``."""
    worst = 0.0
    for r in ok:
        f, q = r.found[p], np.asarray(pred(r), dtype=np.float64)
        if f.shape != q.shape or not np.all(np.isfinite(f)):
            return None
        worst = max(worst, float(np.max(np.abs(f - q), initial=0)) / magnitude(q))
    return worst if worst <= loose else None


def _ratio(found: np.ndarray, pred: np.ndarray) -> float | None:
    """c with found = c * pred entry by entry (shapes equal up to axes of length 1), NaN when
    both are zero, or None."""
    pred = np.asarray(pred, dtype=np.float64)
    squeeze = lambda s: tuple(k for k in s if k != 1)  # noqa: E731
    if found.shape != pred.shape and squeeze(found.shape) != squeeze(pred.shape):
        return None
    f, q = found.ravel(), pred.ravel()
    if not np.all(np.isfinite(f)):
        return None
    qq = float(q @ q)
    if qq <= 1e-24:
        return float("nan") if np.max(np.abs(f), initial=0) <= 1e-12 else None
    c = float(f @ q) / qq
    if abs(c) < 1e-9 or np.max(np.abs(f - c * q)) > RTOL * magnitude(f):
        return None
    return c


def _errors(found: np.ndarray, expected: np.ndarray) -> tuple[float, float] | None:
    if found.shape != expected.shape:
        return None
    err = float(np.max(np.abs(found - expected), initial=0))
    return err, err / magnitude(expected)


def _show(a: np.ndarray) -> str:
    flat = a.ravel()
    text = ", ".join(f"{v:.4g}" for v in flat[:4])
    return f"[{text}{', ...' if flat.size > 4 else ''}]"


def _broadcast_note(p: str, g: str, shape: tuple, found: tuple) -> str:
    try:
        out = np.broadcast_shapes(shape, found)
    except ValueError:
        return f"{p} - lr * {g} would raise"
    if out == shape:
        return f"{p} - lr * {g} broadcasts it to {shape} silently: training runs on wrong steps"
    return f"{p} - lr * {g} broadcasts to {out} without an error, silently changing {p}'s shape"
