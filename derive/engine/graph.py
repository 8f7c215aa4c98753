"""A network as named matrix equations: the model every later stage reads.

``Network.from_layers`` and ``Network.from_equations`` build one (the TOML loader in
``spec.py`` calls them, and so can a notebook). Building checks what can be checked before any
derivative is taken: every name defined, shapes that fit (naming the equation and both
shapes), no cycles, every parameter reaching the cost.
"""

from __future__ import annotations

import ast
import hashlib
import keyword
import re
from dataclasses import dataclass, field

import sympy as sp

from derive.errors import DeriveError

from . import costform, exprparse, namer
from .built import Built
from .ir import (
    Elementwise,
    M,
    Node,
    Var,
    ew,
    fmt_shape,
    free_vars,
)
from .layers import MAX_SIZE, Layer, expand_all, mask_var
from .matrixbuild import REDUCTIONS, MatrixBuilder
from .registry import ACTIVATIONS, COSTS, Activation, a, y, z

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESERVED = {"x", "y", "m", "C", "e", "pi", "np", "params", "cache", "X", "Y"}


@dataclass
class Network:
    name: str
    inputs: int
    outputs: int
    params: dict[str, Var]
    values: dict[str, Var]  # named intermediates, in evaluation order
    equations: dict[str, Node]  # name -> definition, in evaluation order
    texts: dict[str, str]  # name -> the equation as written
    output: str
    cost: Node  # the per-entry cost, shape (outputs, m); C sums it over units and samples
    cost_name: str
    cost_text: str
    reduction: str
    columns_sum_to_one: bool
    activations: dict[str, Activation]
    source: str = "<python>"
    source_text: str = ""
    layers: list[Layer] | None = None
    image: tuple[int, int, int] | None = None  # inputs = [C, H, W]: x's columns are images
    recurrences: list = field(default_factory=list)  # cell.Cell of each recurrent layer
    stored: dict[str, tuple[int, ...]] = field(default_factory=dict)  # see stored_shape
    x: Var = field(default=None)
    y: Var = field(default=None)
    masks: dict[str, float] = field(default_factory=dict)  # dropout mask -> p
    # [cost] penalty: a (1, 1) expression in the parameters, added after the reduction over m
    penalty: Node | None = None
    penalty_text: str | None = None
    running: dict[str, tuple] = field(default_factory=dict)  # batch norm's running stats
    # the equations that are a softmax as a whole, with the argument (the logits) of each: the
    # code computes them shifted by the column max and their log through the logits
    softmax: dict[str, Node] = field(default_factory=dict)
    # the equations (or "cost") with a softmax inside, not as the whole: computed unshifted
    softmax_inside: list[str] = field(default_factory=list)
    # the parts of a [cost] expr that are not elementwise (a reduction, a product), named as
    # equations of their own (costform.elementwise_cost), and the equations that read y
    cost_parts: list[str] = field(default_factory=list)
    target_side: set[str] = field(default_factory=set)

    def stored_shape(self, param: str) -> tuple[int, ...]:
        """The shape a parameter has in the params dict: its matrix shape, except a conv
        kernel, (channels, C, kh, kw) there and (channels, C*kh*kw) in the equations."""
        return self.stored.get(param, tuple(self.params[param].shape))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.source_text.encode()).hexdigest()

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_layers(
        cls,
        name: str,
        inputs: int,
        layers: list[tuple[int, str]],
        *,
        cost: str | None = None,
        cost_expr: str | None = None,
        reduction: str = "mean",
        penalty: str | None = None,
        activations: dict[str, str] | None = None,
        source: str = "<python>",
        source_text: str = "",
        where: str | None = None,
    ) -> Network:
        """The layer form: layer k computes zk = Wk @ A(k-1) + bk and Ak = act(zk) (A0 = x);
        a ``Layer`` of another kind (batchnorm, layernorm, dropout) expands as ``layers.py``
        says. The cost is ``squared_error`` unless another name or an expression is given."""
        where = where or source
        if cost is None and cost_expr is None:
            cost = "squared_error"
        acts = _activations(activations or {}, where)
        image = None
        if isinstance(inputs, list | tuple):  # an image: inputs = [C, H, W]
            image, inputs = _image(inputs, where), inputs[0] * inputs[1] * inputs[2]
        if not layers:
            raise DeriveError("no layers", where=f"{where}: layers", fix="add [[layers]] tables")
        layers, whole, prev_units = expand_all(layers, inputs, acts, where, image)
        params, equations, masks, prev = whole.params, whole.equations, whole.masks, whole.output
        net = cls._build(
            name, inputs, prev_units, params, equations, acts,
            cost=cost, cost_expr=cost_expr, cost_vars={"a": prev, "y": "y"}, reduction=reduction,
            source=source, source_text=source_text, where=where, masks=masks, penalty=penalty,
        )  # fmt: skip
        net.running, net.layers = whole.running, layers
        net.image, net.recurrences, net.stored = image, whole.recurrences, whole.stored
        return net

    @classmethod
    def from_equations(
        cls,
        name: str,
        inputs: int,
        outputs: int,
        params: dict[str, list[int]],
        equations: dict[str, str],
        *,
        cost: str | None = None,
        cost_expr: str | None = None,
        reduction: str = "mean",
        penalty: str | None = None,
        activations: dict[str, str] | None = None,
        source: str = "<python>",
        source_text: str = "",
        where: str | None = None,
    ) -> Network:
        """The equation form: named equations in terms of ``x``, the parameters and each other;
        the cost is a built-in name (applied to the last equation) or an elementwise
        expression in the names and ``y``."""
        where = where or source
        acts = _activations(activations or {}, where)
        last = list(equations)[-1] if equations else None
        return cls._build(
            name, inputs, outputs, params, equations, acts,
            cost=cost, cost_expr=cost_expr, cost_vars={"a": last, "y": "y"}, reduction=reduction,
            source=source, source_text=source_text, where=where, penalty=penalty,
        )  # fmt: skip

    @classmethod
    def _build(cls, name, inputs, outputs, params, equations, acts, *, cost, cost_expr,
               cost_vars, reduction, source, source_text, where, masks=None,
               penalty=None):  # fmt: skip
        """Check and build, in the order a reader would: sizes, parameters, names, the
        equations in evaluation order, the cost, the output, then what the gradients need."""
        _check_sizes(inputs, outputs, reduction, where)
        x = Var("x", (inputs, M), "input")
        yv = Var("y", (outputs, M), "target")
        pvars = _param_vars(params, where)
        _check_names(equations, pvars, acts, where)
        order = _evaluation_order(equations, set(pvars), where)
        known: dict[str, Var] = {"x": x, "y": yv, **pvars}
        masks = masks or {}
        for mname, (_, rows) in masks.items():  # the shape of the quantity it multiplies
            known[mname] = mask_var(mname, (rows, M))
        defs, values, softmax, inside = _define(order, equations, known, acts, where)
        node, cost, cost_text, columns_one = _cost_node(
            cost, cost_expr, cost_vars, known, values, acts, yv, where, inside
        )
        node, parts = costform.elementwise_cost(node, set(known) | {"x", "y", "m"})
        for pname, part in parts.items():  # the cost's parts that are not elementwise, named
            defs[pname], values[pname] = part, Var(pname, part.shape, "value")
        target_side = costform.reads_target(defs)
        out = _output(node, defs, values, outputs, where, set(parts) | target_side)
        net = cls(
            name=name, inputs=inputs, outputs=outputs, params=pvars, values=values,
            equations=defs, texts={k: _text(equations[k]) for k in order}, output=out, cost=node,
            cost_parts=list(parts), target_side=target_side,
            cost_name=cost, cost_text=cost_text, reduction=reduction,
            columns_sum_to_one=columns_one, activations=acts, source=source,
            source_text=source_text, x=x, y=yv, masks={k: p for k, (p, _) in masks.items()},
            softmax=softmax, softmax_inside=inside,
        )  # fmt: skip
        net.texts.update({k: repr(v) for k, v in parts.items()})
        if penalty is not None:
            net.penalty, net.penalty_text = _penalty(penalty, pvars, acts, where), penalty
        _check_reaches_cost(net, where)
        _check_gradient_names(values, pvars, known, where)
        return net


def _check_sizes(inputs, outputs, reduction, where):
    _check_int(inputs, f"{where}: inputs")
    _check_int(outputs, f"{where}: outputs")
    if reduction not in ("mean", "sum"):
        raise DeriveError(
            f"unknown reduction {reduction!r}", where=f"{where}: cost.reduction",
            fix='use "mean" (divide by m, the default) or "sum"',
        )  # fmt: skip


def _param_vars(params: dict, where) -> dict[str, Var]:
    pvars: dict[str, Var] = {}
    for pname, shape in params.items():
        _check_name(pname, f"{where}: params.{pname}")
        if (not isinstance(shape, list | tuple) or len(shape) != 2
                or not all(isinstance(s, int) and not isinstance(s, bool) and 0 < s <= MAX_SIZE
                           for s in shape)):  # fmt: skip
            raise DeriveError(
                f"shape {shape!r} is not a pair of positive integers (at most {MAX_SIZE:,})",
                where=f"{where}: params.{pname}", fix="write e.g. W1 = [5, 4] (rows, columns)",
            )  # fmt: skip
        pvars[pname] = Var(pname, (shape[0], shape[1]), "param")
    return pvars


def _check_names(equations: dict, pvars: dict, acts: dict, where):
    if not equations:
        raise DeriveError("no equations", where=f"{where}: equations", fix="add z1 = ...")
    for ename in equations:
        _check_name(ename, f"{where}: equations.{ename}")
        if ename in pvars:
            raise DeriveError(
                f"`{ename}` is both a parameter and an equation",
                where=f"{where}: equations.{ename}", fix="rename one of them",
            )  # fmt: skip
    for aname, act in acts.items():
        if not act.builtin and (aname in pvars or aname in equations):
            raise DeriveError(
                f"`{aname}` is both an activation and a "
                f"{'parameter' if aname in pvars else 'quantity computed by an equation'}",
                where=f"{where}: activations.{aname}", fix="rename the activation",
            )  # fmt: skip


def _define(order, equations, known, acts, where):
    """Each equation's node, in evaluation order; each becomes a named value (a Var) that the
    later ones read; and the softmax equations with their arguments."""
    defs: dict[str, Node] = {}
    values: dict[str, Var] = {}
    softmax: dict[str, Node] = {}
    inside: list[str] = []
    for ename in order:
        key = f"{where}: equations.{ename}"
        if isinstance(equations[ename], Built):
            node = equations[ename].make(known)
        else:
            builder = MatrixBuilder(known, acts, ename, "y")
            node = exprparse.parse(equations[ename], builder, key)
            if node in builder.softmaxes:
                softmax[ename] = builder.softmaxes[node]
            elif builder.softmaxes:
                inside.append(ename)
        if not isinstance(node, Node) or (isinstance(node, Elementwise) and not node.args):
            raise DeriveError(  # (z2 - z2 cancels to the number 0)
                "the equation is a constant", where=key, fix="use the network's names"
            )
        if node.shape[1] != M and not _uses_data(node, equations[ename]):
            # (batch statistics are (units, 1): they depend on x all the same)
            raise DeriveError(
                f"has shape {fmt_shape(node.shape)}, not one column per sample",
                where=key, fix="every equation must depend on x, so that it has m columns",
            )  # fmt: skip
        defs[ename] = node
        values[ename] = known[ename] = Var(ename, node.shape, "value")
    return defs, values, softmax, inside


def _cost_node(cost, cost_expr, cost_vars, known, values, acts, yv, where, softmax_inside):
    """The cost, an elementwise expression in the output and y (summed over all entries):
    (node, cost name, its text, whether it wants one-hot columns)."""
    if (cost is None) == (cost_expr is None):
        raise DeriveError(
            "give the cost either by name or by expression", where=f"{where}: cost",
            fix='write name = "squared_error" (or another built-in) or expr = "(A2 - y)**2"',
        )  # fmt: skip
    if cost is not None:
        if cost not in COSTS:
            raise DeriveError(
                f"unknown cost `{cost}`", where=f"{where}: cost.name",
                fix=f"use one of: {', '.join(sorted(COSTS))}, or expr = \"...\"",
            )  # fmt: skip
        spec_cost = COSTS[cost]
        out = cost_vars["a"]
        node = ew(lambda av, yv_: spec_cost.expr.xreplace({a: av, y: yv_}), [values[out], yv])
        return node, cost, str(spec_cost.expr).replace("a", out), spec_cost.columns_sum_to_one
    key = f"{where}: cost.expr"
    aliases = dict(known)
    if cost_vars["a"] in values:
        aliases["a"] = values[cost_vars["a"]]
    builder = MatrixBuilder(aliases, acts, "cost", None)
    node = exprparse.parse(cost_expr, builder, key)
    if builder.softmaxes:
        softmax_inside.append("cost")
    if not isinstance(node, Node) or not any(v.role == "value" for v in free_vars(node)):
        raise DeriveError(
            "the cost does not depend on the network", where=key,
            fix="use the output, e.g. expr = \"(A2 - y)**2\"",
        )  # fmt: skip
    return node, "custom", cost_expr, False


def _output(cost: Node, defs: dict, values: dict, outputs: int, where, skip: set) -> str:
    """The output: of the intermediates the cost reaches first that read no y and are not a
    named part of the cost (``costform.prediction``), the last; its rows are ``outputs``."""
    used = costform.prediction(cost, defs, skip)
    if not used:
        raise DeriveError(
            "every quantity the cost uses reads y, so the network predicts nothing without "
            "the targets", where=f"{where}: equations",
            fix="compute the prediction from x first (z2 = W2 @ A1 + b2), then use y",
        )  # fmt: skip
    out = max(used, key=list(values).index)
    if values[out].shape[0] != outputs:
        raise DeriveError(
            f"the output {out} has {values[out].shape[0]} rows but outputs = {outputs}",
            where=f"{where}: outputs", fix=f"set outputs = {values[out].shape[0]} or fix {out}",
        )  # fmt: skip
    if cost.shape not in ((outputs, M), (1, M)):  # a row: already summed over the units
        raise DeriveError(
            f"the cost has shape {fmt_shape(cost.shape)}, expected ({outputs}, m) or (1, m)",
            where=f"{where}: cost", fix="the cost is elementwise in the output and y",
        )  # fmt: skip
    return out


def _check_gradient_names(values, pvars, known, where):
    for n in list(values) + list(pvars):
        g = namer.gradient(n)
        if g in known or g in ("x", "y"):
            raise DeriveError(
                f"the gradient of `{n}` would be named `{g}`, which is already a name",
                where=f"{where}: equations", fix=f"rename `{g}`",
            )  # fmt: skip


def _penalty(text, pvars: dict[str, Var], acts, where) -> Node:
    """``[cost] penalty``: a (1, 1) expression in the parameters only (weight decay)."""
    key = f"{where}: cost.penalty"
    node = exprparse.parse(text, MatrixBuilder(dict(pvars), acts, "penalty", None), key)
    if not isinstance(node, Node) or not free_vars(node):
        raise DeriveError(
            "the penalty names no parameter", where=key,
            fix='write it in the parameters, e.g. penalty = "0.0005 * sum(W1**2)"',
        )  # fmt: skip
    if node.shape != (1, 1):
        raise DeriveError(
            f"the penalty has shape {fmt_shape(node.shape)}, not (1, 1): it must be one number",
            where=key, fix='sum it over every entry, e.g. penalty = "0.0005 * sum(W1**2)"',
        )  # fmt: skip
    return node


def _uses_data(node: Node, equation) -> bool:
    return isinstance(equation, Built) or any(v.role in ("value", "input") for v in free_vars(node))


def _text(equation: str | Built) -> str:
    return equation.text if isinstance(equation, Built) else equation


def _image(shape, where) -> tuple[int, int, int]:
    if len(shape) != 3 or not all(
        isinstance(s, int) and not isinstance(s, bool) and 0 < s <= 4096 for s in shape
    ):
        raise DeriveError(
            f"an image input must be [C, H, W], three positive integers (at most 4096), "
            f"got {shape!r}", where=f"{where}: inputs",
            fix="e.g. inputs = [1, 8, 8] (channels, height, width), or a number for a vector",
        )  # fmt: skip
    return (shape[0], shape[1], shape[2])


def _check_int(value, where):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_SIZE:
        raise DeriveError(
            f"expected a positive integer (at most {MAX_SIZE:,}), got {value!r}",
            where=where, fix="write a whole number without quotes, e.g. 4",
        )  # fmt: skip


def _check_name(name, where):
    if not isinstance(name, str) or not _NAME.match(name):
        why = "is not a letter followed by letters, digits or _ (ASCII only)"
    elif keyword.iskeyword(name):
        why = "is a Python keyword"
    elif name in _RESERVED:
        why = "is reserved (x is the input, y the target, m the number of samples)"
    elif name in exprparse.FUNCTIONS or name in exprparse.NOT_DIFFERENTIABLE or name in REDUCTIONS:
        why = "is a function name"
    elif name in ACTIVATIONS:
        why = "is a built-in activation"
    else:
        return
    raise DeriveError(
        f"`{_short(name)}` cannot be used as a name: it {why}", where=where,
        fix="use a letter then letters, digits or _, and not x, y, m, C or a function name",
    )  # fmt: skip


def _short(text, limit=40):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _activations(user: dict[str, str], where: str) -> dict[str, Activation]:
    acts = dict(ACTIVATIONS)
    if not isinstance(user, dict):
        raise DeriveError(
            'must be a table of name = "expression in z"', where=f"{where}: activations",
            fix='write [activations] on its own line, then e.g. tanhexp = "z * tanh(exp(z))"',
        )  # fmt: skip
    for name, text in user.items():
        key = f"{where}: activations.{name}"
        if name in ACTIVATIONS:
            raise DeriveError(
                f"`{name}` is a built-in activation", where=key, fix="choose another name"
            )
        if name in exprparse.FUNCTIONS or name in exprparse.NOT_DIFFERENTIABLE:
            raise DeriveError(
                f"`{name}` is a built-in function", where=key, fix="choose another name"
            )
        _check_name(name, key)
        expr = exprparse.parse(text, exprparse.ScalarBuilder({"z": z}, acts), key)
        if z not in sp.sympify(expr).free_symbols:
            raise DeriveError(
                "the activation does not depend on z", where=key,
                fix='write it as an expression in z, e.g. "z * sigmoid(z)"',
            )  # fmt: skip
        _check_differentiable(expr, key)
        acts[name] = Activation(name, expr, rf"\operatorname{{{name}}}", text, builtin=False)
    return acts


def _check_differentiable(expr, where):
    """Reject what has no derivative SymPy can use: abs, max/min (their derivatives involve
    sign(z), undefined at 0; write relu-like functions as activations instead)."""
    if expr.has(sp.Abs, sp.sign):
        raise DeriveError(
            "abs() has no derivative at 0 that derive can generate code for", where=where,
            fix="use a smooth function, or a built-in such as relu",
        )  # fmt: skip
    try:
        sp.diff(expr, z)
    except Exception as err:  # SymPy could not differentiate it
        raise DeriveError(
            f"cannot be differentiated: {err}", where=where,
            fix="use smooth functions: exp, log, tanh, erf, ... and the built-in activations",
        ) from None  # fmt: skip


def _evaluation_order(equations: dict[str, str], params: set[str], where: str) -> list[str]:
    """The equations in an order where each comes after the names it uses (Kahn's algorithm on
    the names the text mentions; the parser checks those names properly later)."""
    deps: dict[str, set[str]] = {}
    for ename, text in equations.items():
        if isinstance(text, Built):
            deps[ename] = {n for n in text.deps if n in equations}
            continue
        try:
            if not isinstance(text, str) or len(text) > exprparse.MAX_LENGTH:
                raise ValueError("the parser reports it")
            names = {
                n.id for n in ast.walk(ast.parse(text, mode="eval")) if isinstance(n, ast.Name)
            }
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            names = set()  # the parser will report it with its position
        deps[ename] = {n for n in names if n in equations}
    # Each equation lists the ones that use it, so that the walk is linear in the depth.
    users: dict[str, list[str]] = {e: [] for e in equations}
    for e, d in deps.items():
        for used in d:
            users[used].append(e)
    waiting = {e: len(d) for e, d in deps.items()}
    order = [e for e in equations if not deps[e]]
    for e in order:  # grows while it is walked: a queue
        for other in users[e]:
            waiting[other] -= 1
            if not waiting[other]:
                order.append(other)
    remaining = [e for e in equations if waiting[e]]
    if remaining:
        cycle = sorted(remaining)
        raise DeriveError(
            f"the equations {', '.join(cycle)} depend on each other in a cycle",
            where=f"{where}: equations",
            fix="a feed-forward network computes each quantity from earlier ones only",
        )
    return order


def _check_reaches_cost(net: Network, where: str):
    reach: set[str] = set()
    stack = [net.cost]
    seen_vals: set[str] = set()
    while stack:
        node = stack.pop()
        for v in free_vars(node):
            if v.role == "param":
                reach.add(v.name)
            elif v.role == "value" and v.name not in seen_vals:
                seen_vals.add(v.name)
                stack.append(net.equations[v.name])
    for p in net.params:
        if p not in reach:
            raise DeriveError(
                f"parameter `{p}` does not reach the cost, so its gradient would always be 0",
                where=f"{where}: params.{p}",
                fix=f"use {p} in an equation the cost depends on, or remove it",
            )  # fmt: skip
    # An equation the cost does not depend on is kept: forward computes it (a quantity to
    # watch, a prediction's confidence), and no gradient flows through it.
