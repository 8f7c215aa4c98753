"""Backpropagation through time: a recurrence the note defines, judged on a drawn sequence.

Notes on recurrent networks define one step of the network with a time index
(``h_t = W_{hx} x_t + W_{hh} h_{t-1}``, ``o_t = W_{qh} h_t``; ``a_t = W_{xh} x_t + W_{hh}
h_{t-1} + b``, ``h_t = \\tanh(a_t)``; ``h^{(t)} = \\tanh(W h^{(t-1)} + U x^{(t)} + b)``; or
functions left open, ``h_t = f(x_t, h_{t-1}, w_h)``, ``o_t = g(h_t, w_o)``), a loss summed over
the steps (``L = \\frac{1}{T} \\sum_{t=1}^T l(o_t, y_t)``), then claim gradients through time:
``\\frac{\\partial L}{\\partial h_t} = W_{hh}^\\top \\frac{\\partial L}{\\partial h_{t+1}} +
W_{qh}^\\top \\frac{\\partial L}{\\partial o_t}``, the unrolled ``\\sum_{i=t}^T
(W_{hh}^\\top)^{T-i} W_{qh}^\\top \\frac{\\partial L}{\\partial o_{T+t-i}}``,
``\\frac{\\partial L}{\\partial W_{hh}} = \\sum_t \\frac{\\partial L}{\\partial h_t}
h_{t-1}^\\top``, ``\\frac{\\partial h_t}{\\partial w_h} = \\frac{\\partial f(x_t, h_{t-1},
w_h)}{\\partial w_h} + \\frac{\\partial f(\\ldots)}{\\partial h_{t-1}} \\frac{\\partial
h_{t-1}}{\\partial w_h}`` and its closed form with ``\\prod_{j=i+1}^{t}``. None of this is a
layered network, so it is read here on its own.

The reading: the note's step definitions from the first that uses a quantity of the step before,
as far as they read (a definition it cannot bind, or a quantity defined again, ends the model
there; a later recurrence of the same quantity starts a model of its own). Widths: the input 2,
each quantity a product makes 3, 4, ..., an element-wise tanh or sigmoid keeps its argument's;
parameters' shapes and the columns-or-rows layout follow from the products the definitions
write; with open functions every quantity and parameter is one number and each function a
smooth function of its arguments drawn by its name. T = 3 steps, h_0 = 0. The loss is the
note's own when it is a (scaled) sum over the steps of a loss function of an output (the
function drawn as a smooth function of that output), else a random linear function of the
last-defined output at every step, under the one cost letter the note's gradients name. Every
gradient of the loss, by a quantity at a step (all later steps depending on it) or by a
parameter, and every total derivative of a step's quantity by a one-number parameter, is found
by central differences in float64 of the forward pass with one entry moved and every later step
recomputed, as the layered instance's (instance.py). ``\\partial f(args)/\\partial v`` is f's
partial in the argument written v, at the step's values; ``\\partial l(o_t, y_t)/\\partial
w`` by something not among its arguments is the total derivative of that step's loss.

A claim ``\\frac{\\partial L}{\\partial X} = ...`` (also ``\\nabla_X L``, and
``\\frac{\\partial h_t}{\\partial w}`` beside open functions) is evaluated at every step t
where all its steps exist (``t+1`` at t = T does not): correct when it holds at all of them,
wrong when it fails at all of them but perhaps the first (where h_0 = 0 and sums over earlier
steps are empty, so many a wrong claim holds), else not understood (a claim written for the last
step with a general t). A symbol the reading does not bind, or sides of different shapes (a
numerator layout), leave the claim not understood. Shapes stated with the note's size letters
(``\\partial L/\\partial W_{qh} \\in \\mathbb{R}^{q \\times h}``) are judged on the drawn
sequence, the letters declared by the note's own shape statements of its quantities (a
transposed shape is a layout, never wrong).
"""

from __future__ import annotations

import re

import numpy as np

from .grammar import Atom, Unreadable, nodes, parse
from .instance import H  # central differences in float64, as the layered instance

STEPS = 3
_WIDTHS = (2, 3, 4, 5, 6)  # inputs, then each quantity a matrix makes
_ACTS = {"tanh": np.tanh, "sigma": lambda v: 1 / (1 + np.exp(-v)), "sigmoid": None}
_ACTS["sigmoid"] = _ACTS["sigma"]
_COSTS = {"L", "J", "E", "cal_L", "C", "cal_E", "cal_J"}
_LOSSES = {"l", "ell", "cal_L", "L"}


class _Skip(Exception):
    """A step the claim names does not exist at this t (t+1 at t = T)."""


class _Unbound(Exception):
    """The claim uses something this reading does not bind."""


# --- time indices -----------------------------------------------------------------------------

_TIME = re.compile(r"^\s*(?:\(\s*(.*?)\s*\)|<\s*(.*?)\s*>|\\langle\s*(.*?)\s*\\rangle|(.*?))\s*$")


def _time_text(a: Atom, letter: str, style: str) -> str | None:
    """The time index of an atom as written (``t-1``), in the note's style, or None."""
    raw = a.sub if style == "sub" else a.sup
    if raw is None:
        return None
    m = _TIME.match(raw)
    inner = next((g for g in m.groups() if g is not None), "")
    inner = re.sub(r"\\tau(?![A-Za-z])", "T", inner)  # h^{(\tau)}: the last step, as T
    if style == "sup" and not re.match(r"^\s*(\(|<|\\langle)", raw):
        return None  # h^2 is a power, h^{(2)} a step
    if not re.fullmatch(r"[A-Za-z0-9+\- ]+", inner) or not re.search(r"[A-Za-z0-9]", inner):
        return None
    letters = set(re.findall(r"[A-Za-z]+", inner))
    if not letters <= {letter, "T", "i", "j", "k", "s", "tau"} or (
        letters and letter not in letters and "T" not in letters and not letters & {"i", "j", "k"}
    ):
        return None
    return inner.replace(" ", "")


def _time_value(text: str, env: dict) -> int:
    total, sign = 0, 1
    for tok in re.findall(r"[+-]|[A-Za-z]+|\d+", text):
        if tok in "+-":
            sign = 1 if tok == "+" else -1
            continue
        if tok.isdigit():
            v = int(tok)
        elif tok in env:
            v = env[tok]
        else:
            raise _Unbound(tok)
        total += sign * v
        sign = 1
    return total


# --- the recurrence ---------------------------------------------------------------------------


class Model:
    """A recurrence read from a note, drawn at one instance."""

    def __init__(self, letter: str, style: str):
        self.letter, self.style = letter, style
        self.defs: dict[str, object] = {}  # quantity name -> right-hand side tree
        self.order: list[str] = []
        self.state = ""
        self.inputs: list[str] = []
        self.widths: dict[str, int] = {}
        self.params: dict[tuple, tuple] = {}  # (name, sub, sup) -> shape
        self.rows = False
        self.cost = "L"
        self.loss_fn: str | None = None  # the note's loss function's name, when read
        self.values: dict = {}
        self.grads: dict = {}
        self.functions: dict[str, int] = {}  # open functions (f, g) and their arities
        self.readings: list = []  # (what the loss is, the steps whose outputs it reads)
        self.grad_sets: list = []  # (that reading, the gradients under it)
        self.forward = None

    def quantity(self, a: Atom):
        """(name, time text) of an atom written at a step, or None."""
        if a.name not in self.widths:
            return None
        t = _time_text(a, self.letter, self.style)
        return None if t is None else (a.name, t)

    def param_key(self, a: Atom):
        return (a.name, a.sub, a.sup if a.sup and not a.sup.isdigit() else None)


def _step_atom(tree):
    return tree[1] if isinstance(tree, tuple) and tree[0] == "atom" else None


def _recurrences(stmts):
    """The note's recurrences, each with the statements from its first definition at a step
    that uses a quantity of the step before (``h_t = ... h_{t-1}``, or ``a_t = W x_t + U
    h_{t-1}`` then ``h_t = \\tanh(a_t)``) to the next such definition of the same quantity (a
    note may first write a general f, then a linear one)."""
    found = []
    for style in ("sub", "sup"):
        for k, ms in enumerate(stmts):
            if len(ms) != 2 or ms[1].rel not in ("=", ":=") or ms[0].tree is None:
                continue
            a = _step_atom(ms[0].tree)
            if a is None or ms[1].tree is None:
                continue
            raw = a.sub if style == "sub" else a.sup
            if raw is None:
                continue
            letter = re.sub(r"[()<>\s]|\\langle|\\rangle", "", raw)
            if not re.fullmatch(r"[a-z]", letter) or letter in ("i", "j", "k"):
                continue
            if _time_text(a, letter, style) != letter:
                continue
            probe = Model(letter, style)
            later = {n for n, _, _ in _step_defs(probe, stmts[k:])}
            back = {
                b.name
                for b in (x[1] for x in nodes(ms[1].tree) if x[0] == "atom")
                if b.name in later and _time_text(b, letter, style) == f"{letter}-1"
            }
            if len(back) == 1:
                found.append((k, back.pop(), letter, style))
        if found:
            break
    out = []  # built from the last one back: a model ends where the next one built begins
    end: dict[str, int] = {}
    for k, name, letter, style in reversed(found):
        model = Model(letter, style)
        model.state = name
        stop = end.get(name, len(stmts))
        if _build(model, stmts[k:stop]):
            model.span = (k, stop)
            out.insert(0, model)
            end[name] = k
    return out


def _step_defs(model: Model, stmts):
    """The note's definitions of quantities at step t, in order."""
    out = []
    for ms in stmts:
        if len(ms) != 2 or ms[1].rel not in ("=", ":=") or ms[1].tree is None:
            continue
        a = _step_atom(ms[0].tree)
        if a is None or a.T or a.primes:
            continue
        if _time_text(a, model.letter, model.style) == model.letter:
            other = a.sup if model.style == "sub" else a.sub
            if other is None:
                out.append((a.name, ms[1].tree, ms[1].line))
    return out


def _alias(model: Model, tree):
    """The quantity an element-wise definition applies to (``h_t = \\tanh(a_t)``), or None."""
    if tree[0] == "call" and tree[1].name in _ACTS and len(tree[2]) == 1:
        tree = tree[2][0]
    a = _step_atom(tree)
    if a is None or a.T or a.primes:
        return None
    t = _time_text(a, model.letter, model.style)
    return a.name if t == model.letter else None


_GENERIC = re.compile(r"[a-z]|phi|psi|varphi")  # f, g, \\phi: a function the note leaves open


def _generic(model: Model, tree) -> bool:
    """``f(x_t, h_{t-1}, w_h)``: a function the note leaves open, of quantities at steps and
    parameters written as plain letters."""
    if tree[0] != "call" or tree[1].name in _ACTS or not _GENERIC.fullmatch(tree[1].name):
        return False
    if tree[1].sub or tree[1].sup or tree[1].primes or tree[1].name in _LOSSES:
        return False
    return len(tree[2]) >= 2 and all(x[0] == "atom" and not x[1].T for x in tree[2])


def _build(model: Model, stmts) -> bool:
    """The step definitions from the first one on, as far as they are read: a definition
    this reading cannot bind ends the model there (its quantity and later ones stay unbound)."""
    defs = _step_defs(model, stmts)
    names = [n for n, _, _ in defs]
    if len(set(names)) != len(names):  # a quantity defined again: the model ends before it
        again = next(k for k, n in enumerate(names) if n in names[:k])
        defs, names = defs[:again], names[:again]
    if any(_generic(model, tree) for _, tree, _ in defs):
        return _build_generic(model, defs)
    # widths first: a product makes a new one, an element-wise function keeps its argument's
    widths: dict[str, int] = {}
    fresh = iter(_WIDTHS[1:])
    for _ in range(2):
        for name, tree, _ in defs:
            same = _alias(model, tree)
            if name not in widths and (same is None or same in widths):
                w = widths[same] if same is not None else next(fresh, None)
                if w is not None:
                    widths[name] = w
    defined = set(names)
    for name, tree, _ in defs:
        if name not in widths or not _inputs(model, tree, defined):
            break
        model.widths[name] = widths[name]
    for name, tree, _ in defs:
        if name not in model.widths:
            break
        saved = dict(model.params), model.rows
        if not _shapes(model, tree, model.widths[name]):
            model.params, model.rows = saved
            break
        model.defs[name] = tree
        model.order.append(name)
    for name in list(model.widths):
        if name not in model.defs and name not in model.inputs:
            del model.widths[name]
    if model.state not in model.defs or len(set(model.inputs)) > 1:
        return False
    return True


def _build_generic(model: Model, defs) -> bool:
    """Step definitions by functions the note leaves open: every quantity and parameter one
    number, each function drawn as a smooth function of its arguments."""
    for name, tree, _ in defs:
        if not _generic(model, tree):
            break
        model.widths[name] = 1
        model.defs[name] = tree
        model.order.append(name)
    for name in model.order:
        for x in model.defs[name][2]:
            a = x[1]
            t = _time_text(a, model.letter, model.style)
            if t is not None:
                if a.name not in model.defs:
                    model.inputs.append(a.name)
                    model.widths[a.name] = 1
            elif a.sup is None and not a.primes:
                model.params[model.param_key(a)] = (1, 1)
            else:
                return False
        model.functions[model.defs[name][1].name] = len(model.defs[name][2])
    names = [model.defs[n][1].name for n in model.order]
    return (
        model.state in model.defs and len(set(model.inputs)) == 1 and len(set(names)) == len(names)
    )


def _open_fn(name: str, args) -> np.ndarray:
    """A function the note leaves open, drawn: smooth, every argument mattering, its own
    coefficients by its name."""
    rng = np.random.default_rng(sum(map(ord, name)))
    a = rng.normal(0, 0.8, len(args))
    b = rng.normal(0, 0.5, (len(args), len(args)))
    v = np.array([float(np.ravel(x)[0]) for x in args])
    return np.array([[np.tanh(a @ v + v @ b @ v) + 0.3 * v[0]]])


def _inputs(model: Model, tree, defined) -> bool:
    """The inputs a definition uses (quantities at a step the note does not define)."""
    for x in nodes(tree):
        if x[0] == "atom":
            a = x[1]
            if a.name in defined or a.name in model.widths:
                continue
            if _time_text(a, model.letter, model.style):
                if a.sup is not None and model.style == "sub" or a.T:
                    return False
                model.inputs.append(a.name)
                model.widths[a.name] = _WIDTHS[0]
        elif x[0] == "call" and x[1].name not in _ACTS:
            return False
    return True


def _terms(tree):
    if tree[0] == "add":
        return [(s, t) for s, t in tree[1]]
    return [(1, tree)]


def _shapes(model: Model, tree, width: int) -> bool:
    """The parameters' shapes from one definition: each term a parameter times a quantity (or
    a quantity times a parameter, rows), a quantity, or a bias."""
    if tree[0] == "call":
        if tree[1].name not in _ACTS or len(tree[2]) != 1:
            return False
        tree = tree[2][0]
    for _, term in _terms(tree):
        a = _step_atom(term)
        if a is not None:
            q = model.quantity(a)
            if q is None:
                if a.T or a.primes or model.params.get(model.param_key(a), "bias") != "bias":
                    return False
                model.params[model.param_key(a)] = "bias"
            continue
        if term[0] != "mul" or term[1] not in ("juxt", "cdot"):
            return False
        left, right = _step_atom(term[2]), _step_atom(term[3])
        if left is None or right is None or left.T or right.T:
            return False
        ql, qr = model.quantity(left), model.quantity(right)
        if (ql is None) == (qr is None):
            return False
        rows = ql is not None
        if model.params and rows != model.rows and any(v != "bias" for v in model.params.values()):
            return False
        model.rows = rows
        p, q = (right, ql) if rows else (left, qr)
        n = model.widths[q[0]]
        shape = (n, width) if rows else (width, n)
        if model.params.get(model.param_key(p), shape) != shape:
            return False
        model.params[model.param_key(p)] = shape
    for key, shape in model.params.items():
        if shape == "bias":
            model.params[key] = (1, width) if model.rows else (width, 1)
    return True


# --- the instance --------------------------------------------------------------------------------


def _vec(model: Model, name: str):
    n = model.widths[name]
    return (1, n) if model.rows else (n, 1)


def _step_eval(model: Model, tree, env, step_values, params):
    """The value of a definition's right-hand side at a step."""
    kind = tree[0]
    if kind == "atom":
        a = tree[1]
        q = model.quantity(a)
        if q is not None:
            return step_values[(q[0], _time_value(q[1], env))]
        return params[model.param_key(a)]
    if kind == "add":
        out = None
        for s, t in tree[1]:
            v = _step_eval(model, t, env, step_values, params)
            v = v if s > 0 else -v
            out = v if out is None else out + v
        return out
    if kind == "mul":
        a = _step_eval(model, tree[2], env, step_values, params)
        b = _step_eval(model, tree[3], env, step_values, params)
        return a @ b
    if kind == "call":
        if tree[1].name in model.functions:
            args = [_step_eval(model, x, env, step_values, params) for x in tree[2]]
            return _open_fn(tree[1].name, args)
        v = _step_eval(model, tree[2][0], env, step_values, params)
        return _ACTS[tree[1].name](v)
    raise _Unbound(kind)


def _loss_tree(model: Model, stmts):
    """The note's loss: a cost defined as a (scaled) sum over the steps of a loss function of
    an output, e.g. ``L = \\frac{1}{T} \\sum_{t=1}^T l(o_t, y_t)``; or None."""
    for ms in stmts:
        if len(ms) != 2 or ms[1].tree is None or ms[0].tree is None:
            continue
        lhs = ms[0].tree
        name = lhs[1].name if lhs[0] in ("atom", "call") else None
        if name not in _COSTS or (lhs[0] == "atom" and (lhs[1].sub or lhs[1].sup)):
            continue
        calls = [x for x in nodes(ms[1].tree) if x[0] == "call"]
        sums = [x for x in nodes(ms[1].tree) if x[0] == "sum"]
        if len(calls) != 1 or len(sums) != 1 or sums[0][1] != model.letter:
            continue
        fn = calls[0][1]
        if fn.name not in _LOSSES or fn.sub or fn.sup or fn.name == name:
            continue
        outs = [model.quantity(x[1]) for x in calls[0][2] if x[0] == "atom"]
        if sum(1 for q in outs if q and q[0] in model.defs) != 1:
            continue
        return name, fn.name, ms[1].tree, ms[1].text
    return None


_LOWER = re.compile(
    r"\\(sum|prod)\s*(?:\^\s*(?:\{[^{}]*\}|\\?\w+)\s*)?_\s*\{\s*([A-Za-z])\s*=\s*([^{}]+?)\}"
)


def _lowers(text: str) -> list[tuple[str, str, str]]:
    """(sum or prod, variable, lower bound) of each bounded sum and product, in order."""
    return [(m.group(1), m.group(2), m.group(3).strip()) for m in _LOWER.finditer(text)]


def draw(model: Model, stmts, seed: int = 7):
    """The model's instance and gradients (None when its loss cannot be evaluated)."""
    rng = np.random.default_rng(seed)
    T = STEPS
    params = {key: rng.normal(0, 0.6, shape) for key, shape in model.params.items()}
    inputs = {
        (name, s): rng.normal(0, 1, _vec(model, name))
        for name in model.inputs[:1]
        for s in range(1, T + 1)
    }
    out_name = model.order[-1]
    coef = {s: rng.normal(0, 1, _vec(model, out_name)) for s in range(1, T + 1)}
    targets = {s: rng.normal(0, 1, 5) for s in range(1, T + 1)}
    loss = _loss_tree(model, stmts)
    if loss is not None:
        model.cost, model.loss_fn, tree, text = loss
    else:  # the one cost letter the note's gradients name (\\partial J / \\partial h_t)
        named = _cost_letters(stmts[model.span[0] : model.span[1]])
        if len(named) != 1:
            return None
        model.cost = named.pop()

    def forward(at=None, h=0.0):
        """The step values and the loss, with h added to one entry ``at``: (key, i, j) of a
        parameter, or ((name, step), i, j) of a quantity at a step (later steps recomputed)."""
        ps = dict(params)
        if at is not None and at[0] in ps:
            ps[at[0]] = ps[at[0]].copy()
            ps[at[0]][at[1], at[2]] += h
        values = dict(inputs)
        values[(model.state, 0)] = np.zeros(_vec(model, model.state))
        for s in range(1, T + 1):
            env = {model.letter: s, "T": T}
            for name in model.order:
                v = _step_eval(model, model.defs[name], env, values, ps)
                if at is not None and at[0] == (name, s):
                    v = v.copy()
                    v[at[1], at[2]] += h
                values[(name, s)] = v
        if loss is not None:
            return values, _loss_value(model, tree, text, values, targets, T)
        return values, float(sum(np.sum(coef[s] * values[(out_name, s)]) for s in steps[0]))

    steps = [range(1, T + 1)]
    if loss is None:
        # a loss the note does not write: of its outputs at every step, or at the last one
        # only (a sequence read to its end); readings, a claim holding in either is correct.
        # With no output apart from the recurrence, what the loss depends on is not known.
        if out_name == model.state or any(
            (out_name, f"{model.letter}-1") == model.quantity(x[1])
            for tree in model.defs.values()
            for x in nodes(tree)
            if x[0] == "atom"
        ):
            return None
        model.readings = [
            ("the loss of the outputs at every step", range(1, T + 1)),
            ("the loss of the output at the last step", range(T, T + 1)),
        ]
    else:
        model.readings = [("the note's own loss", range(1, T + 1))]
    values, L = forward()
    if L is None:
        return None
    model.values, model.param_values = values, params
    model.forward = forward
    model.grad_sets = []
    for name, which in model.readings:
        steps[0] = which
        grads = {}
        for key in [*params, *((q, s) for s in range(1, T + 1) for q in model.order)]:
            shape = params[key].shape if key in params else values[key].shape
            g = np.zeros(shape)
            for i in range(shape[0]):
                for j in range(shape[1]):
                    up, down = forward((key, i, j), H)[1], forward((key, i, j), -H)[1]
                    g[i, j] = (up - down) / (2 * H)
            grads[key] = g
        model.grad_sets.append((name, grads))
    steps[0] = range(1, T + 1)
    model.grads = model.grad_sets[0][1]
    model.targets, model.T = targets, T
    return model


def _cost_letters(stmts) -> set[str]:
    out = set()
    for ms in stmts:
        for m in ms:
            for x in nodes(m.tree) if m.tree is not None else ():
                if x[0] == "d" and x[1] is not None and x[1][0] == "atom":
                    a = x[1][1]
                    if a.name in _COSTS and not a.sub and not a.sup:
                        out.add(a.name)
                if x[0] == "atom" and x[1].name == "nabla":
                    out.add("L")  # \\nabla_h L: the letter after it is read with the factors
    return out


def _loss_fn(model: Model, o, y):
    """The note's open loss function, drawn: a smooth function of the output (and target)."""
    o = np.ravel(o)
    k = np.arange(len(o))
    return float(np.sum((0.3 + 0.2 * k) * (o - y[: len(o)]) ** 2 / 2 + np.sin(o) / (k + 2)))


def _loss_value(model: Model, tree, text, step_values, targets, T):
    """The value of the note's loss."""

    def ev(node, env):
        kind = node[0]
        if kind == "num":
            return node[1]
        if kind == "atom" and node[1].name == "T" and not node[1].sub and not node[1].sup:
            return T
        if kind == "div":
            return ev(node[1], env) / ev(node[2], env)
        if kind == "mul" and node[1] in ("juxt", "cdot", "times"):
            return ev(node[2], env) * ev(node[3], env)
        if kind == "sum":
            if node[4] not in ("T", "\\tau", "tau"):
                raise _Unbound("sum")
            lo = {v: lo for _, v, lo in _lowers(text)}.get(node[1], "1")
            return sum(ev(node[3], {**env, node[1]: s}) for s in range(_time_value(lo, env), T + 1))
        if kind == "call" and node[1].name == model.loss_fn:
            o = None
            for x in node[2]:
                q = model.quantity(x[1]) if x[0] == "atom" else None
                if q and q[0] in model.defs:
                    o = step_values[(q[0], _time_value(q[1], env))]
            s = env[model.letter]
            return _loss_fn(model, o, targets[s])
        raise _Unbound(kind)

    try:
        return ev(tree, {"T": T})
    except (_Unbound, KeyError, TypeError):
        return None


# --- the claims -------------------------------------------------------------------------------


def _grad_of(model: Model, den, env):
    a = _step_atom(den)
    if a is None or a.T or a.primes:
        raise _Unbound("gradient")
    q = model.quantity(a)
    if q is not None:
        if q[0] not in model.defs:
            raise _Unbound("an input's gradient")
        s = _time_value(q[1], env)
        if not 1 <= s <= model.T:
            raise _Skip()
        return model.grads[(q[0], s)]
    key = model.param_key(a)
    if key in model.params and not (a.sup and a.sup.isdigit()):
        return model.grads[key]
    raise _Unbound(a.show())


def _is_cost(model: Model, node) -> bool:
    a = _step_atom(node)
    return a is not None and a.name == model.cost and not a.sub and not a.sup and not a.T


def _factors(node):
    if node[0] == "mul" and node[1] in ("juxt", "cdot", "times"):
        return _factors(node[2]) + _factors(node[3])
    return [node]


def _uses(node, letter: str) -> bool:
    for x in nodes(node):
        if x[0] == "atom":
            a = x[1]
            for part in (a.sub, a.sup, a.name):
                if part and re.search(rf"(?<![A-Za-z]){letter}(?![A-Za-z])", part):
                    return True
    return False


def _product(a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return a * b
    if a.shape == (1, 1) and b.shape[0] != 1:
        return a[0, 0] * b
    if b.shape == (1, 1) and a.shape[1] != 1:
        return a * b[0, 0]
    if a.shape[1] != b.shape[0]:
        raise _Unbound("shapes")
    return a @ b


class _Claims:
    def __init__(self, model: Model, text: str, tree):
        self.model = model
        sums = [x for x in nodes(tree) if x[0] == "sum"]
        lows = _lowers(text)
        self.lower, self.products = {}, set()
        if len(lows) == len(sums):
            for node, (kind, var, lo) in zip(sums, lows, strict=True):
                if var == node[1]:
                    self.lower[id(node)] = lo
                    if kind == "prod":  # \\prod_{j=i+1}^{t}, read as a sum (_reparse)
                        self.products.add(id(node))

    def value(self, node, env):  # noqa: C901 (one case per kind of node)
        m = self.model
        kind = node[0]
        if kind == "num":
            return float(node[1])
        if kind == "atom":
            a = node[1]
            if a.name in ("T", "tau") and not a.sub and not a.sup and not a.primes:
                return float(m.T)
            if a.name in env and not a.sub and not a.sup and not a.primes and not a.T:
                return float(env[a.name])
            q = m.quantity(a)
            if q is not None:
                s = _time_value(q[1], env)
                if (q[0], s) not in m.values:
                    raise _Skip()
                v = m.values[(q[0], s)]
                other = a.sup if m.style == "sub" else None
                if other is not None:
                    if not other.isdigit():
                        raise _Unbound(a.show())
                    v = v ** int(other)
                return v.T if a.T else v
            key = m.param_key(a)
            if key in m.param_values and not a.primes:
                v = m.param_values[key]
                if a.sup and a.sup.isdigit():
                    raise _Unbound("a power of a parameter")
                return v.T if a.T else v
            raise _Unbound(a.show())
        if kind == "d":
            if node[3] is not None:
                raise _Unbound("operator")
            if _is_cost(m, node[1]):
                return _grad_of(m, node[2], env)
            num, den = node[1], node[2]
            if num[0] == "call" and num[1].name == m.loss_fn and m.loss_fn:
                if den in num[2]:
                    return self._loss_grad(num, den, env)  # dl(o_t, y_t)/do_t
                o = self._output_arg(num)
                s = _time_value(m.quantity(o)[1], env)
                target = m.targets.get(s)
                if target is None:
                    raise _Skip()
                return self._total(lambda v: _loss_fn(m, v[(o.name, s)], target), den)
            if num[0] == "call" and num[1].name in m.functions and den in num[2]:
                return self._partial(num, num[2].index(den), env)  # df(x_t, h_{t-1}, w)/dw
            a = _step_atom(num)
            q = m.quantity(a) if a is not None and not a.T else None
            if q is not None and q[0] in m.defs:  # dh_t/dw_h: through every step before
                s = _time_value(q[1], env)
                if (q[0], s) not in m.values and s != 0:
                    raise _Skip()
                return self._total(lambda v: v[(q[0], s)], den)
            raise _Unbound("derivative")
        if kind == "mul":
            if node[1] in ("odot", "circ", "*"):
                a, b = self.value(node[2], env), self.value(node[3], env)
                if np.ndim(a) and np.ndim(b) and np.shape(a) != np.shape(b):
                    raise _Unbound("shapes")
                return a * b
            fs = self._nablas(_factors(node))
            out = None
            k = 0
            while k < len(fs):
                f = fs[k]
                if f[0] == "sum" and any(_uses(g, f[1]) for g in fs[k + 1 :]):
                    # \sum_i {(W^T)}^{T-i} V^T dL/do_{T+t-i}: the sum takes the factors after it
                    body = fs[k + 1 :]
                    v = self._sum(f, env, [f[3], *body])
                    k = len(fs)
                else:
                    v = self.value(f, env)
                    k += 1
                out = v if out is None else _product(out, v)
            return out
        if kind == "add":
            out = None
            for s, t in node[1]:
                v = self.value(t, env)
                v = v if s > 0 else -v
                if out is not None and np.ndim(out) and np.ndim(v) and out.shape != v.shape:
                    raise _Unbound("shapes")  # (1 - h^2: a number and a vector, entry-wise)
                out = v if out is None else out + v
            return out
        if kind == "div":
            a, b = self.value(node[1], env), self.value(node[2], env)
            if np.ndim(b):
                raise _Unbound("division")
            return a / b
        if kind == "pow":
            base, ex = self.value(node[1], env), self.value(node[2], env)
            if np.ndim(ex) or ex != int(ex) or ex < 0:
                raise _Unbound("power")
            if np.ndim(base) == 0:
                return base ** int(ex)
            if 1 in base.shape and int(ex) == 2:
                return base**2  # (h^{(t)})^2 of a vector: its entries squared
            if base.shape[0] != base.shape[1]:
                raise _Unbound("power")
            return np.linalg.matrix_power(base, int(ex))
        if kind == "T":
            v = self.value(node[1], env)
            return v.T if np.ndim(v) else v
        if kind == "sum":
            return self._sum(node, env, [node[3]])
        if kind == "call":
            name = node[1].name
            if len(node[2]) == 1 and not node[1].sub and not node[1].sup:
                v = self.value(node[2][0], env)
                if name in _ACTS and not node[1].primes:
                    return _ACTS[name](v)
                if name == "diag" and np.ndim(v) == 2 and 1 in v.shape:
                    return np.diag(v.ravel())
            raise _Unbound(name)
        raise _Unbound(kind)

    def _nablas(self, fs):
        """``\\nabla_{h^{(t)}} L`` among the factors: one node, the gradient by h^{(t)}."""
        out, k = [], 0
        while k < len(fs):
            f = fs[k]
            if f[0] == "atom" and f[1].name == "nabla":
                if k + 1 == len(fs) or not _is_cost(self.model, fs[k + 1]) or not f[1].sub:
                    raise _Unbound("nabla")
                try:
                    out.append(("d", fs[k + 1], parse(f[1].sub), None))
                except (Unreadable, RecursionError, IndexError, ValueError) as e:
                    raise _Unbound("nabla") from e
                k += 2
                continue
            out.append(f)
            k += 1
        return out

    def _output_arg(self, call):
        m = self.model
        outs = [
            x[1]
            for x in call[2]
            if x[0] == "atom" and (m.quantity(x[1]) or ("", ""))[0] in m.defs and not x[1].T
        ]
        if len(outs) != 1:
            raise _Unbound("the loss function's output")
        return outs[0]

    def _total(self, what, den):
        """The derivative of a value of the drawn sequence by a one-number parameter, every
        step recomputed (central differences)."""
        m = self.model
        a = _step_atom(den)
        key = m.param_key(a) if a is not None and not a.T else None
        if key not in m.params or m.params[key] != (1, 1) or m.forward is None:
            raise _Unbound("a derivative by a parameter of more than one number")
        up, down = m.forward((key, 0, 0), H)[0], m.forward((key, 0, 0), -H)[0]
        return np.atleast_2d((np.asarray(what(up)) - np.asarray(what(down))) / (2 * H))

    def _partial(self, call, slot: int, env):
        """The partial derivative of an open function in one argument, at the step's values."""
        args = [self.value(x, env) for x in call[2]]
        if any(np.shape(x) not in ((1, 1), ()) for x in args):
            raise _Unbound("an open function of vectors")
        hi = [np.atleast_2d(x).astype(float) for x in args]
        lo = [x.copy() for x in hi]
        hi[slot] = hi[slot] + H
        lo[slot] = lo[slot] - H
        name = call[1].name
        return (_open_fn(name, hi) - _open_fn(name, lo)) / (2 * H)

    def _loss_grad(self, call, den, env):
        """The gradient of the note's loss function at one step by its output argument."""
        m = self.model
        a = _step_atom(den)
        outs = [
            x for x in call[2] if x[0] == "atom" and (m.quantity(x[1]) or ("", ""))[0] in m.defs
        ]
        if a is None or len(outs) != 1 or outs[0][1] != a or a.T or call[1].sub or call[1].sup:
            raise _Unbound("the loss function's derivative")
        name, when = m.quantity(a)
        s = _time_value(when, env)
        if not 1 <= s <= m.T:
            raise _Skip()
        o, y = m.values[(name, s)], m.targets[s]
        g = np.zeros(o.shape)
        for i in range(o.shape[0]):
            for j in range(o.shape[1]):
                d = np.zeros(o.shape)
                d[i, j] = H
                g[i, j] = (_loss_fn(m, o + d, y) - _loss_fn(m, o - d, y)) / (2 * H)
        return g

    def _sum(self, node, env, factors):
        var, hi = node[1], node[4]
        lo = self.lower.get(id(node))
        if var is None or node[2] is not None:
            raise _Unbound("sum")
        if lo is None or hi is None:
            if var != self.model.letter or (lo, hi) != (None, None) and hi is None:
                raise _Unbound("sum bounds")
            lo, hi = lo or "1", hi or "T"  # \sum_t: over every step
        try:
            a = _time_value(lo, env)
            b = _time_value(re.sub(r"\\tau", "T", hi), {**env, "tau": self.model.T})
        except _Unbound:
            raise
        out = None
        for s in range(a, b + 1):
            inner = {**env, var: s}
            v = None
            for f in factors:
                x = self.value(f, inner)
                v = x if v is None else _product(v, x)
            if out is None:
                out = v
            else:
                out = _product(out, v) if id(node) in self.products else out + v
        if out is None:  # the empty sum (\\sum_{i=1}^{0}) or product
            return 1.0 if id(node) in self.products else 0.0
        return out


# \frac{\partial l}{T \cdot \partial o_t}: a constant factor written into the denominator
_SCALED_DEN = re.compile(
    r"\\frac\{\s*(\\partial\b[^{}]*(?:\{[^{}]*\}[^{}]*)*)\}\{\s*([A-Za-z]|\d+)\s*(?:\\cdot)?\s*"
    r"(\\partial\b[^{}]*(?:\{[^{}]*\}[^{}]*)*)\}"
)


def _reparse(text: str):
    """A member the grammar did not read, in a spelling it reads, or None."""
    new = _SCALED_DEN.sub(lambda m: f"\\frac{{1}}{{{m[2]}}} \\frac{{{m[1]}}}{{{m[3]}}}", text)
    new = re.sub(r"\\prod(?=\s*_)", r"\\sum", new)  # a bounded product: a sum node, marked
    if new == text:
        return None
    try:
        return parse(new)
    except (Unreadable, RecursionError, IndexError, ValueError):
        return None


def _same(a, b) -> bool | None:
    if np.ndim(a) == 0 and np.ndim(b) == 0:
        return bool(np.isclose(a, b, rtol=1e-7, atol=1e-9))
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return None
    if a.shape != b.shape:
        if a.T.shape == b.shape and 1 in a.shape:
            a = a.T  # a gradient written as a row: a layout, not a mistake
        else:
            return None
    return bool(np.allclose(a, b, rtol=1e-7, atol=1e-9))


def _judge(model: Model, members, text_of) -> list[tuple]:
    """The verdicts on a chain's members, each under every reading of the loss: correct when
    it holds under one, wrong when it fails under all."""
    out = []
    for m in members[1:]:
        if m.rel not in ("=",):
            continue
        found = []
        for reading, grads in model.grad_sets:
            model.grads = grads
            found.append(_judge_one(model, members[0], m, text_of, reading))
        model.grads = model.grad_sets[0][1]
        verdicts = [f[2] for f in found]
        if "correct" in verdicts:
            out.append(found[verdicts.index("correct")])
        elif all(v == "wrong" for v in verdicts):
            out.append(found[0])
        else:
            out.append(next(f for f in found if f[2] != "wrong"))
    return out


def _judge_one(model: Model, lhs, m, text_of, loss_reading: str) -> tuple:
    steps = range(1, model.T + 1)
    claim = f"{lhs.text} = {m.text}"
    if m.tree is None:
        m.tree = _reparse(m.text)
    if m.tree is None:
        return (m.line, claim, "unknown", m.error or "not read", True)
    ev = _Claims(model, text_of(m), m.tree)
    ev_l = _Claims(model, text_of(lhs), lhs.tree)
    results, why = [], ""
    for s in steps:
        env = {model.letter: s, "T": model.T}
        try:
            left, right = ev_l.value(lhs.tree, env), ev.value(m.tree, env)
        except _Skip:
            continue
        except (_Unbound, KeyError, ValueError, TypeError, IndexError, ArithmeticError) as e:
            why = f"cannot bind {e}" if str(e) else "not bound"
            results = None
            break
        same = _same(left, right)
        if same is None:
            why, results = "the two sides have different shapes", None
            break
        results.append((s, same, left, right))
    if not results:
        return (m.line, claim, "unknown", why or "no step to judge it at", False)
    reading = f"a recurrence over {model.T} steps ({_shown(model)}; {loss_reading})"
    if all(r[1] for r in results):
        return (m.line, claim, "correct", reading, False)
    if all(r[0] == 1 for r in results if r[1]) and len(results) > 1:
        # fails at every step but perhaps the first, where h_0 = 0 and the sums over
        # earlier steps are empty (a claim for the last step alone holds at t = T)
        s, _, left, right = next(r for r in results if not r[1])
        msg = (
            f"at {model.letter} = {s} of {model.T} steps the left-hand side is "
            f"{_show(left)}, the right-hand side {_show(right)}"
        )
        return (m.line, claim, "wrong", msg + f" ({reading})", False)
    held = [r[0] for r in results if r[1]]
    msg = f"holds only at {model.letter} in {held} of {model.T} steps"
    return (m.line, claim, "unknown", msg, False)


def _shown(model: Model) -> str:
    names = ", ".join(f"{n} of width {model.widths[n]}" for n in [*model.inputs[:1], *model.order])
    return names


def _show(v) -> str:
    a = np.round(np.asarray(v, dtype=float), 4)
    return str(a.ravel().tolist()) if a.ndim else f"{float(a):.4g}"


_REALS = re.compile(
    r"^\s*(?P<x>.+?)\s*\\in\s*\\(?:mathbb|mathbf|Bbb)\s*\{?\s*R\s*\}?\s*\^\s*"
    r"(?:\{\s*(?P<r>[A-Za-z]|\d+)\s*(?:\\times\s*(?P<c>[A-Za-z]|\d+)\s*)?\}|(?P<v>[A-Za-z]|\d))"
    r"\s*[.,;]?\s*$"
)


def _shape_statements(model: Model, stmts) -> list[tuple]:
    """Shapes in the note's size letters: its quantities' declare the letters, its gradients'
    are claims."""
    letters: dict[str, int] = {}
    claims = []
    for k, ms in enumerate(stmts):
        if len(ms) != 1:
            continue
        m = _REALS.match(ms[0].text)
        if not m:
            continue
        dims = [d for d in (m.group("r") or m.group("v"), m.group("c")) if d]
        try:
            tree = parse(m.group("x"))
        except (Unreadable, RecursionError, IndexError, ValueError):
            continue
        a = _step_atom(tree)
        if a is not None and not a.T:
            q = model.quantity(a)
            if q is not None:
                shape = [model.widths[q[0]]]
            elif model.param_key(a) in model.params:
                shape = list(model.params[model.param_key(a)])
            else:
                continue
            if len(shape) != len(dims):
                return []
            for d, n in zip(dims, shape, strict=True):
                if not d.isdigit() and letters.setdefault(d, n) != n:
                    return []  # a letter given two sizes: no reading
            continue
        if tree[0] == "d" and _is_cost(model, tree[1]) and model.span[0] <= k < model.span[1]:
            claims.append((ms[0], tree, dims))
    out = []
    for member, tree, dims in claims:
        try:
            v = _grad_of(model, tree[2], {model.letter: 1, "T": model.T})
        except (_Unbound, _Skip):
            continue
        if any(not d.isdigit() and d not in letters for d in dims):
            continue
        want = [int(d) if d.isdigit() else letters[d] for d in dims]
        shape = [max(v.shape)] if len(dims) == 1 and 1 in v.shape else list(v.shape)
        claim = member.text
        if shape == want:
            out.append((member.line, claim, "correct", "the shape on the drawn sequence", False))
        elif shape[::-1] != want:
            msg = f"it is {' x '.join(map(str, shape))} on the drawn sequence"
            out.append((member.line, claim, "wrong", msg, False))
    return out


def judge(stmts) -> list[tuple]:
    """(line, claim, verdict, message, unread) of the note's gradients through time, when it
    defines a recurrence this reading binds; else []."""
    out = []
    for model in _recurrences(stmts):
        try:
            drawn = draw(model, stmts)
        except (_Unbound, KeyError, ValueError, TypeError, IndexError):
            continue
        if drawn is not None:
            out += _claims(drawn, stmts)
    return out


def _claims(model: Model, stmts) -> list[tuple]:
    out = []
    for ms in stmts[model.span[0] : model.span[1]]:
        if len(ms) < 2 or ms[0].tree is None:
            continue
        head = ms[0].tree
        grad = head[0] == "d" and head[3] is None and _is_cost(model, head[1])
        a = _step_atom(head[1]) if head[0] == "d" and head[1] is not None else None
        if a is not None and model.functions and head[3] is None and not a.T:
            q = model.quantity(a)  # dh_t/dw_h in a note of open functions
            grad = grad or (q is not None and q[0] in model.defs)
        fs = _factors(head) if head[0] == "mul" else []
        nabla = len(fs) == 2 and fs[0][0] == "atom" and fs[0][1].name == "nabla"
        if grad or nabla:
            out += _judge(model, ms, lambda m: m.text)
    out += _shape_statements(model, stmts)
    return out
