"""The activations and costs derive knows, each nothing but a SymPy expression.

No derivative is written here: ``sympy.diff`` derives each one, and ``output_form`` looks for
the form of the derivative in terms of the activation's own output (sigmoid' = A(1 - A),
tanh' = 1 - A^2) and proves it equal before anyone uses it. User activations and costs from
a spec join the same table (``Activation.from_expr``).

Each activation becomes a SymPy ``Function`` class (``sigmoid(z)`` stays ``sigmoid(z)`` in
derivations, so the LaTeX can say sigma and the code can reuse ``A2``); its ``fdiff`` returns
the derived derivative.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import sympy as sp

z = sp.Symbol("z", real=True)
a = sp.Symbol("a", real=True)
y = sp.Symbol("y", real=True)


class ActivationFunction(sp.Function):
    """Base class of the per-activation SymPy functions made by ``Activation``."""

    activation: Activation  # set on each subclass

    @classmethod
    def eval(cls, arg):
        return None  # stay unevaluated: the name is what the notes and the code want to see

    def fdiff(self, argindex=1):
        return self.activation.derivative.xreplace({z: self.args[0]})

    def definition(self) -> sp.Expr:
        return self.activation.expr.xreplace({z: self.args[0]})


@dataclass(eq=False)
class Activation:
    """An activation: ``expr`` in ``z``; ``normalized`` means softmax-like: A = f(z) / sum f(z)."""

    name: str
    expr: sp.Expr
    latex: str
    about: str
    normalized: bool = False
    builtin: bool = True
    init: str = "xavier"  # "he" for the relu family: the initialisation of a layer feeding it
    notes: tuple[str, ...] = ()  # other names the notes call it by (swish for silu)
    function: type = field(init=False, repr=False)

    def __post_init__(self):
        self.function = type(self.name, (ActivationFunction,), {"activation": self})

    def __call__(self, arg):
        return self.function(arg)

    @property
    def derivative(self) -> sp.Expr:
        """f'(z) from ``sympy.diff``; in terms of f(z) itself when ``output_form`` proves one."""
        return _derivative(self)

    @property
    def output_form(self) -> sp.Expr | None:
        """g(a) with f'(z) = g(f(z)) for every z, or None (always None for softmax, whose
        derivative is not elementwise: derive differentiates its parts instead)."""
        return None if self.normalized else _output_form(self.expr)


@cache
def _derivative(act: Activation) -> sp.Expr:
    g = act.output_form
    if g is not None:
        return g.xreplace({a: act.function(z)})
    return sp.diff(act.expr, z)


def expand_activations(expr: sp.Expr) -> sp.Expr:
    """Replace every activation function application by its defining expression."""
    while True:
        new = expr.replace(lambda e: isinstance(e, ActivationFunction), lambda e: e.definition())
        if new == expr:
            return new
        expr = new


def _agrees(g: sp.Expr, fexpr: sp.Expr, fprime: sp.Expr) -> bool:
    """Is g(f(z)) == f'(z)? Symbolically if SymPy can say, else at 12 random points to 30
    digits (both signs of z, and beyond the region small networks see)."""
    lhs = g.xreplace({a: fexpr})
    try:
        if sp.simplify(lhs - fprime) == 0:
            return True
    except Exception:
        pass
    rng = random.Random(0)
    for _ in range(12):
        point = sp.Rational(rng.randint(-4000, 4000), 1000)
        left = sp.N(lhs.xreplace({z: point}), 30)
        right = sp.N(fprime.xreplace({z: point}), 30)
        if not (left.is_number and right.is_number):
            return False
        if abs(left - right) > sp.Float("1e-25", 30) * (1 + abs(right)):
            return False
    return True


@cache
def _output_form(fexpr: sp.Expr) -> sp.Expr | None:
    fexpr = expand_activations(fexpr)
    fprime = sp.diff(fexpr, z)
    if z not in fprime.free_symbols:  # (is_constant() would call simplify: seconds)
        return None
    candidates = []
    direct = fprime.subs(fexpr, a)  # tanh: 1 - tanh(z)**2 -> 1 - a**2
    if z not in direct.free_symbols:
        candidates.append(direct)
    # Invert a = f(z) when z occurs once (sigmoid, softplus); a second occurrence (silu, gelu)
    # has no closed output form, and SymPy's solve would only spend seconds finding that out.
    simple = fexpr.count(z) == 1 and sp.count_ops(fexpr) <= 15  # solve can run for minutes
    if not candidates and simple and not fexpr.has(sp.Piecewise, sp.Max, sp.Min):
        try:
            sols = sp.solve(sp.Eq(a, fexpr), z)
        except Exception:
            sols = []
        # an inverse that solve brings in (erfinv for erf) is no form: no target prints it
        if len(sols) == 1 and _printable(sols[0]):
            candidates.append(sp.simplify(fprime.xreplace({z: sols[0]})))
    good = [c for c in candidates if z not in c.free_symbols and _agrees(c, fexpr, fprime)]
    if not good:
        return None
    best = min(good, key=sp.count_ops)
    # sympy writes a(1 - a) as -a*(a - 1); keep the form with fewer minus signs.
    alt = sp.factor(-best) * -1
    return best if str(best).count("-") <= str(alt).count("-") else alt


# The functions every target prints (the expression language's, and the activations).
_PRINTED = (sp.exp, sp.log, sp.tanh, sp.sinh, sp.cosh, sp.sin, sp.cos, sp.erf, ActivationFunction)


def _printable(expr: sp.Expr) -> bool:
    return all(isinstance(f, _PRINTED) for f in expr.atoms(sp.Function))


def _pw(pos, neg):
    return sp.Piecewise((pos, z > 0), (neg, True))


@dataclass(frozen=True)
class _Entry:
    """One built-in activation, every fact about it: ``expr`` in z, or a function of the
    activations defined before it when it is written with them; ``init`` the weight
    initialisation of a layer that feeds it ("he" for the relu family, "xavier" otherwise);
    ``notes`` the other names the notes may call it by."""

    expr: sp.Expr | Callable[[dict[str, Activation]], sp.Expr]
    latex: str
    about: str
    init: str = "xavier"
    notes: tuple[str, ...] = ()


# relu'(0) = 0: the Piecewise puts z = 0 on the "otherwise" branch, and so does the generated
# code's (z > 0). An entry written with another activation (silu with sigmoid, mish with
# softplus) keeps that activation's function, so its derivative comes out in it: in sigma,
# whose generated code is overflow-free, instead of exp(-z) / (1 + exp(-z))^2 (inf / inf = nan).
_BUILTIN_ACTIVATIONS = {
    "identity": _Entry(z, r"\operatorname{id}", "the identity, f(z) = z"),
    "relu": _Entry(
        _pw(z, 0), r"\operatorname{relu}", "max(0, z); relu'(0) = 0 by convention", init="he"
    ),
    "leaky_relu": _Entry(
        _pw(z, z / 100), r"\operatorname{lrelu}", "z if z > 0 else 0.01 z", init="he"
    ),
    "sigmoid": _Entry(
        1 / (1 + sp.exp(-z)), r"\sigma", "the logistic function 1 / (1 + e^-z)", notes=("sigma",)
    ),
    "tanh": _Entry(sp.tanh(z), r"\tanh", "the hyperbolic tangent"),
    "softplus": _Entry(sp.log(1 + sp.exp(z)), r"\operatorname{softplus}", "log(1 + e^z)"),
    "silu": _Entry(
        lambda f: z * f["sigmoid"](z),
        r"\operatorname{silu}",
        "z sigma(z), also called swish",
        init="he",
        notes=("swish",),
    ),
    "mish": _Entry(
        lambda f: z * sp.tanh(f["softplus"](z)),
        r"\operatorname{mish}",
        "z tanh(softplus(z))",
        init="he",
    ),
    "gelu": _Entry(
        z / 2 * (1 + sp.erf(z / sp.sqrt(2))),
        r"\operatorname{gelu}",
        "z Phi(z), exact, with erf",
        init="he",
    ),
    "elu": _Entry(
        _pw(z, sp.exp(z) - 1),
        r"\operatorname{elu}",
        "z if z > 0 else e^z - 1 (alpha 1)",
        init="he",
    ),
    "softmax": _Entry(
        sp.exp(z), r"\operatorname{softmax}", "e^z / sum over the output units of e^z"
    ),
}

ACTIVATIONS: dict[str, Activation] = {}
for _name, _entry in _BUILTIN_ACTIVATIONS.items():
    _expr = _entry.expr(ACTIVATIONS) if callable(_entry.expr) else _entry.expr
    ACTIVATIONS[_name] = Activation(
        _name,
        _expr,
        _entry.latex,
        _entry.about,
        normalized=(_name == "softmax"),
        init=_entry.init,
        notes=_entry.notes,
    )

# Every word the notes may name a built-in activation by, lower-cased -> its registry name.
NOTE_WORDS: dict[str, str] = {
    word: name for name, act in ACTIVATIONS.items() for word in (name, *act.notes)
}


@dataclass(frozen=True)
class Cost:
    """A cost: ``expr`` in the output ``a`` and the target ``y``, for one entry; derive sums it
    over the output units and reduces it over the samples. ``columns_sum_to_one`` is the
    assumption on the targets that the derivation may use (one-hot or probability targets)."""

    name: str
    expr: sp.Expr
    latex: str
    about: str
    columns_sum_to_one: bool = False


COSTS: dict[str, Cost] = {
    "squared_error": Cost("squared_error", (a - y) ** 2, r"(a - y)^2", "squared error"),
    "binary_cross_entropy": Cost(
        "binary_cross_entropy",
        -(y * sp.log(a) + (1 - y) * sp.log(1 - a)),
        r"-\left(y \log a + (1 - y)\log(1 - a)\right)",
        "binary cross-entropy, for sigmoid outputs and 0/1 targets",
    ),
    "cross_entropy": Cost(
        "cross_entropy",
        -y * sp.log(a),
        r"-y \log a",
        "cross-entropy, for softmax outputs and one-hot targets",
        columns_sum_to_one=True,
    ),
}

# The registry's invariants, checked at import: an activation is a function of z alone, a cost
# of a and y alone, and every name is a Python identifier (it is used in generated code).
for _name, _act in ACTIVATIONS.items():
    assert _act.expr.free_symbols <= {z}, _name
    assert not _act.expr.has(sp.Heaviside), _name  # Heaviside(0) = 1/2 would break relu'(0) = 0
    assert _name.isidentifier(), _name
    assert _act.init in ("he", "xavier"), _name
for _name, _cost in COSTS.items():
    assert _cost.expr.free_symbols <= {a, y}, _name
    assert _cost.expr.has(a), _name
