"""Elementwise SymPy expressions as NumPy code that neither overflows nor loses its dtype.

Two stages, both on SymPy expressions:

``stabilize`` rewrites an expression into overflow-free building blocks before printing, by
the named rules of ``RULES`` in order (then, if an ``exp`` that can overflow is left, the
general ones of ``FALLBACKS``):
``log(1 + e^w)`` becomes ``softplus(w)`` (``np.logaddexp(0, w)``), ``1 + e^w`` becomes
``1 / sigma(-w)`` and ``e^w`` becomes ``sigma(w) / sigma(-w)`` (kept only when the sigmas then
cancel, as they do in every sigmoid-family derivative), ``log(sigma(w))`` becomes
``-softplus(-w)``, and SymPy's own ``expm1``/``log1p`` rewrites apply. Piecewise branches are
evaluated only where they hold (``np.where`` computes both, so ``exp`` on the discarded
branch is fed ``min(w, 0)``, equal on its own branch, finite on the other).

``NumpyPrinter`` prints the result: ``sigma(w)`` as ``0.5 + 0.5 * np.tanh(0.5 * w)`` (the
tanh form cannot overflow), a 0/1 Piecewise as the boolean mask ``(z1 > 0)`` (NumPy's
``float32 * bool`` stays float32), ``Max(w, 0)`` as ``np.maximum``. Python scalars such as
``2 / m`` never change an array's dtype (NEP 50), so float32 in gives float32 out.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sympy as sp
from sympy.codegen.rewriting import expm1_opt, log1p_opt, optimize
from sympy.printing.numpy import NumPyPrinter

from derive.engine.ir import placeholder
from derive.engine.registry import ActivationFunction, a, expand_activations, y, z


class sigma(sp.Function):
    """The logistic function, as a printing target (its evaluation is stable)."""

    nargs = 1


class softplus(sp.Function):
    nargs = 1


class logcosh(sp.Function):
    nargs = 1


class mask(sp.Function):
    """A 0/1 Piecewise ``1[cond]``, printed as a boolean array."""

    nargs = 1


def _is_one_plus_exp(e) -> bool:
    return (
        isinstance(e, sp.Add)
        and len(e.args) == 2
        and sp.S.One in e.args
        and any(isinstance(t, sp.exp) for t in e.args)
    )


def _exp_arg(e):
    return next(t for t in e.args if isinstance(t, sp.exp)).args[0]


def _bounded_piecewise(e: sp.Piecewise) -> sp.Expr:
    """Feed exp on each branch of ``Piecewise((p, w > 0), (q, True))`` only values of w that
    the branch is selected for (or 0), so the branch np.where discards cannot overflow."""
    if len(e.args) != 2 or e.args[1].cond is not sp.true:
        return e
    (pos, cond), (neg, _) = e.args
    if not isinstance(cond, (sp.StrictGreaterThan, sp.GreaterThan)) or cond.rhs != 0:
        return e
    w = cond.lhs
    if neg.has(sp.exp):
        neg = neg.xreplace({w: sp.Min(w, 0)})
    if pos.has(sp.exp):
        pos = pos.xreplace({w: sp.Max(w, 0)})
    return sp.Piecewise((pos, cond), (neg, True))


@lru_cache(maxsize=4096)
def stabilize(expr: sp.Expr) -> sp.Expr:
    """``expr`` rewritten into overflow-free parts; see the module docstring. When the named
    rewrites leave an ``exp`` that can overflow (a user's activation, e.g. the derivative of
    ``exp(z)/(1 + exp(z)) + z`` has ``exp(2 z)``), ``_exp_rational`` tries the general form."""
    expr = expand_activations(expr)
    # g - g e^-a or g (1 - e^-a): whichever has fewer array operations once stabilized
    plain, factored = _stabilize(expr), _stabilize(sp.factor_terms(expr))
    best = factored if _size(factored) < _size(plain) else plain
    if not overflowing(best):
        return best
    for rule in FALLBACKS:  # in order; the first that leaves nothing to overflow wins
        found = rule(best if rule is _sech else expr)
        if found is not None and not overflowing(found):
            return found
    if isinstance(expr, sp.Add):  # a sum of terms in different arguments: each on its own
        found = sp.Add(*(stabilize(term) for term in expr.args))
        if not overflowing(found):
            return found
    return best


def _sech(expr: sp.Expr) -> sp.Expr | None:
    """1/cosh(w)^2 = 4 sigma(2w) sigma(-2w) and 1/cosh(w) = 2 e^-|w| / (1 + e^-2|w|), with
    sinh(w) = tanh(w) cosh(w) first: what SymPy's simplifier makes of sigmoid-like
    derivatives (cosh and sinh overflow; their ratios do not)."""
    w = sp.Wild("w")
    n = sp.Wild("n", properties=[lambda k: k.is_Integer and k < 0])

    def sech(e):
        arg, power = e.base.args[0], -int(e.exp)
        if power % 2 == 0:
            return (4 * sigma(2 * arg) * sigma(-2 * arg)) ** (power // 2)
        small = sp.exp(-sp.Abs(arg))
        return (2 * small / (1 + small**2)) ** power

    out = expr.replace(sp.sinh, lambda arg: sp.tanh(arg) * sp.cosh(arg))  # sinh/cosh^k
    out = out.replace(sp.cosh(w) ** n, lambda w, n: sech(sp.cosh(w) ** n))
    return out if out != expr else None


# The largest argument exp takes without overflowing, by dtype.
EXP_LIMITS = {"float64": 709.78, "float32": 88.72}


def _growing_exps(expr: sp.Expr) -> list[sp.exp]:
    """The ``exp`` atoms of ``expr`` whose argument SymPy cannot show to be at most 0."""
    return [e for e in expr.atoms(sp.exp) if not e.args[0].is_nonpositive]


def overflowing(expr: sp.Expr) -> list[sp.Expr]:
    """The arguments of the ``exp`` (those SymPy cannot show to be at most 0), ``sinh`` and
    ``cosh`` in ``expr``: the ones that may overflow for large inputs."""
    hyperbolic = expr.atoms(sp.sinh, sp.cosh)
    return [e.args[0] for e in _growing_exps(expr)] + [e.args[0] for e in hyperbolic]


def _exp_rational(expr: sp.Expr) -> sp.Expr | None:
    """A rational function R(u) of u = e^(k w) (coefficients may hold w) evaluated with
    t = e^(-k |w|) <= 1 only: R(1/t) where w >= 0, R(t) where w < 0, each cancelled to a ratio of
    polynomials in t. Overflow-free when neither denominator vanishes at t = 0 (else R grows
    like e^(k |w|) and no form avoids it): then the form, else None."""
    exps = _growing_exps(expr)
    if not exps:
        return None
    # Every other function of w (tanh(w), e^(-w^2)) is a constant to the rational algebra.
    others = {f: sp.Dummy() for f in expr.atoms(sp.Function) if f not in exps}
    back = {d: _stabilize(f) for f, d in others.items()}  # log(1 + e^w) as softplus(w)...
    expr = expr.xreplace(others)
    exps = [e.xreplace(others) for e in exps]
    ks, bases = zip(*(e.args[0].as_coeff_Mul() for e in exps), strict=True)
    w = bases[0]
    if any(b != w for b in bases) or not all(k.is_Rational for k in ks):
        return None  # exps of several arguments: no single u
    step = sp.gcd([abs(k) for k in ks])
    u, t = sp.Dummy("u", positive=True), sp.Dummy("t", positive=True)
    r = expr.xreplace({e: u ** int(k / step) for e, k in zip(exps, ks, strict=True)})
    if r.has(sp.exp) and any(not a.is_nonpositive for a in overflowing(r)):
        return None
    if not r.is_rational_function(u):
        return None
    branches = []
    for sub in (1 / t, t):  # w >= 0, then w < 0
        num, den = sp.fraction(sp.cancel(sp.together(r.xreplace({u: sub}))))
        if sp.expand(den).subs(t, 0) == 0:
            return None
        branches.append(sp.factor(num) / sp.factor(den))
    small = sp.exp(-step * sp.Abs(w))
    pos, neg = (b.xreplace({t: small}).xreplace(back) for b in branches)
    # Printed as it is: the named rewrites (and SymPy's optimize) may trade e^-|w| back for e^|w|.
    return sp.Piecewise((pos, w >= 0), (neg, True))


def _one_exponent(expr: sp.Expr) -> sp.Expr | None:
    """Exps of several arguments that meet only in a ratio: the gradient of a user's cost
    exp(a - y) / (1 + exp(a - y)) comes out of SymPy as e^a e^y / (e^a + e^y)^2, a function of
    w = a - y alone. For each w = p - q or p + q of two exp arguments, one of its symbols is
    written in terms of w; when every exp is then e^(k w), ``_exp_rational`` takes it."""
    args = [e.args[0] for e in _growing_exps(expr)]
    if len(args) < 2:
        return None
    W = sp.Dummy("w", real=True)
    candidates = [sp.expand(p + sign * q) for i, p in enumerate(args) for q in args[i + 1 :]
                  for sign in (-1, 1)]  # fmt: skip
    candidates = [c for c in args + candidates if not c.is_number]
    candidates = [sp.primitive(c)[1] if c.is_polynomial() else c for c in candidates]  # w = a - y
    for w in dict.fromkeys(candidates):  # for 2a - 2y
        if not w.is_polynomial(*w.free_symbols):
            continue
        s = next((x for x in sorted(w.free_symbols, key=str)
                  if sp.Poly(w, x).degree() == 1 and abs(w.coeff(x)) == 1), None)  # fmt: skip
        if s is None:
            continue
        in_w = sp.solve(sp.Eq(W, w), s)[0]  # s written with w and the other symbols
        # e^(w + y) as e^w e^y, so that the e^y cancel between numerator and denominator
        r = sp.cancel(sp.expand_power_exp(expr.xreplace({s: in_w})))
        r = sp.powsimp(r, combine="exp")
        exps = _growing_exps(r)
        if not exps or any(not (e.args[0] / W).is_Rational for e in exps):
            continue
        found = _exp_rational(r)
        if found is not None and not overflowing(found):
            return found.xreplace({W: w})
    return None


def _size(e: sp.Expr) -> int:
    return sum(1 for _ in sp.preorder_traversal(e))


# The general rewrites stabilize tries when the named ones leave an overflow, in order.
FALLBACKS = [_sech, _exp_rational, _one_exponent]


def _relu_as_max(expr):
    """relu's Piecewise((w, w > 0), (0, True)) is max(w, 0): one NumPy call, no mask."""
    return expr.replace(
        lambda e: (
            isinstance(e, sp.Piecewise)
            and len(e.args) == 2
            and e.args[1] == (0, True)
            and isinstance(e.args[0].cond, sp.StrictGreaterThan)
            and e.args[0].cond.rhs == 0
            and e.args[0].expr == e.args[0].cond.lhs
        ),
        lambda e: sp.Max(e.args[0].expr, 0),
    )


def _log_one_plus_exp(expr):
    """log(1 + e^w) = softplus(w), np.logaddexp(0, w)."""
    return expr.replace(
        lambda e: isinstance(e, sp.log) and _is_one_plus_exp(e.args[0]),
        lambda e: softplus(_exp_arg(e.args[0])),
    )


def _one_plus_exp(expr):
    """1 + e^w = 1 / sigma(-w)."""
    return expr.replace(_is_one_plus_exp, lambda e: 1 / sigma(-_exp_arg(e)))


def _exp_as_sigmas(expr):
    """e^w = sigma(w) / sigma(-w), kept only when no sigma is left dividing (the sigmas
    cancel, as in every sigmoid-family derivative)."""
    tentative = expr.replace(
        lambda e: isinstance(e, sp.exp), lambda e: sigma(e.args[0]) / sigma(-e.args[0])
    )
    if any(p.exp.is_negative and p.base.func is sigma for p in tentative.atoms(sp.Pow)):
        return expr
    return tentative


def _log_sigma(expr):
    """log(sigma(w)) = -softplus(-w)."""
    return expr.replace(
        lambda e: isinstance(e, sp.log) and e.args[0].func is sigma,
        lambda e: -softplus(-e.args[0].args[0]),
    )


def _bounded_branches(expr):
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), _bounded_piecewise)


def _indicator_as_mask(expr):
    """Piecewise((1, cond), (0, True)) is the boolean array ``cond``."""
    return expr.replace(
        lambda e: (
            isinstance(e, sp.Piecewise)
            and len(e.args) == 2
            and e.args[0].expr == 1
            and e.args[1] == (0, True)
        ),
        lambda e: mask(e.args[0].cond),
    )


def _sympy_optimize(expr):
    """SymPy's own rewrites: e^w - 1 as expm1, log(1 + w) as log1p. Only where there is an exp
    or a log to rewrite: expm1_opt also tries the factored form of the whole expression, which
    for a long expression (an unrolled recurrence's gradient) costs seconds and finds nothing."""
    optims = [o for f, o in ((sp.exp, expm1_opt), (sp.log, log1p_opt)) if expr.has(f)]
    return optimize(expr, optims) if optims else expr


def _fold_numbers(e: sp.Expr) -> sp.Expr:
    """Irrational constants (sqrt(2) / sqrt(pi)) as one float each, computed once here."""
    if e.is_Atom or isinstance(e, sp.Rational):
        return e
    if e.is_number and e.is_real and not isinstance(e, sp.Rational):
        return sp.Float(e.evalf(20), 17)
    return e.func(*[_fold_numbers(a) for a in e.args])


def _tanh_and_logcosh(expr):
    """sinh(w) / cosh(w) = tanh(w) and log(cosh(w)) = logaddexp(w, -w) - log 2: both finite
    where cosh overflows."""
    expr = expr.replace(
        lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.cosh),
        lambda e: logcosh(e.args[0].args[0]),
    )

    def has_ratio(e):
        if not isinstance(e, sp.Mul):
            return False
        sinhs = {f.args[0] for f in e.args if isinstance(f, sp.sinh)}
        return any(
            isinstance(f, sp.Pow)
            and f.exp == -1
            and f.base.func is sp.cosh
            and f.base.args[0] in sinhs
            for f in e.args
        )

    def to_tanh(e):
        factors = list(e.args)
        for f in e.args:
            if isinstance(f, sp.Pow) and f.exp == -1 and f.base.func is sp.cosh:
                w = f.base.args[0]
                if sp.sinh(w) in factors and f in factors:
                    factors.remove(f)
                    factors.remove(sp.sinh(w))
                    factors.append(sp.tanh(w))
        return sp.Mul(*factors)

    return expr.replace(has_ratio, to_tanh)


def _one_minus_sigma(expr):
    """1 - sigma(w) = sigma(-w): the form that keeps its precision when sigma(w) is near 1."""
    w = sp.Wild("w")
    return expr.replace(1 - sigma(w), sigma(-w))


# The named rewrites, applied in this order to every expression that is printed.
RULES = [
    _relu_as_max,
    _log_one_plus_exp,
    _one_plus_exp,
    _exp_as_sigmas,
    _one_minus_sigma,
    _log_sigma,
    _tanh_and_logcosh,
    _bounded_branches,
    _indicator_as_mask,
    _sympy_optimize,
]


def _stabilize(expr: sp.Expr) -> sp.Expr:
    for rule in RULES:
        expr = rule(expr)
    return _fold_numbers(expr)


def to_code(expr: sp.Expr, names: dict[sp.Symbol, str] | None = None) -> str:
    """``stabilize``d ``expr`` as a NumPy expression; symbols printed through ``names``."""
    return print_code(stabilize(expr), names)


def print_code(expr: sp.Expr, names: dict[sp.Symbol, str] | None = None, printer=None) -> str:
    """An already ``stabilize``d expression as NumPy code (or another array library's, by
    the ``printer`` class: see ``derive/emit/frameworks.py``)."""
    return (printer or NumpyPrinter)(names).doprint(expr)


class Dialect:
    """How the code around the elementwise expressions is written for one array library:
    transposes, sums and maxima over an axis, casts, the scalar loss. This one writes NumPy;
    the torch and JAX dialects override what their libraries spell differently."""

    lib = "np"
    printer: type = None  # set below: NumpyPrinter

    def print(self, expr: sp.Expr, names: dict) -> str:
        return print_code(expr, names, self.printer)

    def sum(self, a: str, axis: int) -> str:
        return f"{a}.sum(axis={axis}, keepdims=True)"

    def amax(self, a: str, axis: int) -> str:
        return f"{a}.max(axis={axis}, keepdims=True)"

    def call(self, fn: str, arg: str) -> str:
        return f"{self.lib}.{fn}({arg})"

    def astype(self, code: str, ref: str) -> str:
        return f"({code}).astype({ref}.dtype)"

    def broadcast(self, code: str, shape: str) -> str:
        """``code`` (a row or a column) spread to ``shape``, as NumPy's broadcasting would."""
        return f"{self.lib}.broadcast_to({code}, {shape})"

    def full(self, shape: str, value: str) -> str:
        """An array of one value (a gradient that is a constant: the seed of a cost linear in
        a product's output), in the targets' dtype: only the backward pass makes one."""
        return f"{self.lib}.full({shape}, {value}, dtype=Y.dtype)"

    def total(self, code: str) -> str:
        """The summed cost: a Python float for NumPy (the frameworks keep a 0-d array)."""
        return f"float(np.sum({code}))"

    def scalar(self, code: str) -> str:
        """A (1, 1) array as a number: the [cost] penalty (a Python float for NumPy)."""
        return f"({code}).item()"

    def dropout(self, mask: str, like: str, p: float) -> str:
        """The line that draws the dropout mask ``mask`` shaped like ``like``."""
        return f"_dropout_mask(rng, {like}, {p!r})"

    def image(self, node, operands: list[str]) -> str:
        """An image node (convolution, pooling, rows of an RNN) as a kernel call."""
        from .convcode import call

        return call(node, operands)

    def kernels(self, code: str) -> list[str]:
        """The source of the kernels ``code`` calls, copied into the module."""
        from .convcode import helpers

        return helpers(code)


_DECIMAL = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")


class NumpyPrinter(NumPyPrinter):
    """SymPy's NumPy printer, writing ``np.`` and the stable forms above."""

    lib = "np"  # the name the module is imported as in the generated code

    def __init__(self, names: dict[sp.Symbol, str] | None = None):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False})
        self.names = names or {}

    def _module_format(self, fqn, register=True):
        text = super()._module_format(fqn, register)
        return f"{self.lib}." + text[len("numpy.") :] if text.startswith("numpy.") else text

    def _print_Symbol(self, expr):
        return self.names.get(expr, expr.name)

    def _print_sigma(self, expr):
        return f"(0.5 + 0.5 * {self.lib}.tanh({self._print(expr.args[0] / 2)}))"

    def _print_softplus(self, expr):
        return f"{self.lib}.logaddexp(0, {self._print(expr.args[0])})"

    def _print_logcosh(self, expr):
        w = self._print(expr.args[0])
        return f"({self.lib}.logaddexp({w}, -({w})) - {float(sp.log(2))!r})"

    def _print_Rational(self, expr):
        # 1/2 as 0.5 when the decimal is exact: no division at run time, same value.
        as_float = float(expr)
        if sp.Rational(repr(as_float)) == expr:
            return repr(as_float)
        return f"({expr.p} / {expr.q})"

    def _print_Float(self, expr):
        return repr(float(expr))

    def parenthesize(self, item, level, strict=False):
        # A number printed as a decimal (0.5, -1.0, 1e-05) is one token: SymPy brackets a
        # Rational by the precedence of p/q, which is not how it is printed here.
        if isinstance(item, sp.Rational | sp.Float) and not item.is_Integer:
            text = self._print(item)
            if _DECIMAL.fullmatch(text):
                return text
        return super().parenthesize(item, level, strict)

    def _print_Relational(self, expr):
        # z > 0 as Python writes it (NumPy's default printer writes np.greater(z, 0))
        return f"{self._print(expr.lhs)} {expr.rel_op} {self._print(expr.rhs)}"

    def _print_Piecewise(self, expr):
        if len(expr.args) != 2 or expr.args[1].cond is not sp.true:
            return super()._print_Piecewise(expr)
        (pos, cond), (neg, _) = expr.args
        text = f"{self.lib}.where({self._print(cond)}, {self._print(pos)}, {self._print(neg)})"
        if pos.is_number and neg.is_number:
            # np.where of two Python numbers is float64: follow the compared array's dtype.
            return self.cast(text, self._print(cond.lhs))
        return text

    def cast(self, text: str, ref: str) -> str:
        ref = ref if ref.isidentifier() else f"({ref})"  # (z1 * t / m).dtype, not m.dtype
        return f"{text}.astype({ref}.dtype)"

    def _print_mask(self, expr):
        return f"({self._print(expr.args[0])})"

    def _print_erf(self, expr):
        # NumPy has no erf; math.erf through np.vectorize, cast back to the input's dtype.
        arg = self._print(expr.args[0])
        return f"_erf({arg})"

    def _print_Max(self, expr):
        a, b = sorted(expr.args, key=lambda t: t.is_number)  # the array first: max(z, 0)
        return f"{self.lib}.maximum({self._print(a)}, {self._print(b)})"

    def _print_Min(self, expr):
        a, b = sorted(expr.args, key=lambda t: t.is_number)
        return f"{self.lib}.minimum({self._print(a)}, {self._print(b)})"

    def _print_Function(self, expr):
        if isinstance(expr, ActivationFunction):  # stabilize expands these; never printed raw
            raise TypeError(f"unexpanded activation {expr}")
        return super()._print_Function(expr)


Dialect.printer = NumpyPrinter
NUMPY = Dialect()


def uses_erf(code: str) -> bool:
    """Whether printed code calls the ``_erf`` helper that ``_print_erf`` writes."""
    return "_erf(" in code


def overflow_notes(net) -> list[str]:
    """What the generated code cannot keep finite, in words: each user activation (and its
    derivative) and a cost given as an expression whose stable form still holds an ``exp`` of
    a growing argument, with the inputs it is safe for. Empty for every built-in."""
    notes = []
    for act in {id(v): v for v in net.activations.values()}.values():
        if act.builtin:
            continue
        for what, expr in ((act.name, act.expr), (f"{act.name}'", sp.diff(act.expr, z))):
            if (note := _range_note(f"{what}(z)", expand_activations(expr), z)) is not None:
                notes.append(note)
    if net.cost_name == "custom":
        # the output is a, y is y, any other name the cost reads (a named part) its own symbol
        roles = {
            placeholder(i): y if v.role == "target" else a if v.name == net.output else
            sp.Symbol(v.name, real=True) for i, v in enumerate(net.cost.args)
        }  # fmt: skip
        expr = net.cost.expr.xreplace(roles)
        for what, form in (("the cost", expr), ("its derivative", sp.diff(expr, a))):
            if (note := _range_note(what, form, a)) is not None:
                notes.append(note)
    for name in net.softmax_inside:  # an equation that is a softmax as a whole is shifted
        notes.append(
            f"{name}: the softmax inside it is computed as exp(u) / sum(exp(u)), not shifted by "
            f"the column max, so it overflows past u = {EXP_LIMITS['float64']:.5g} "
            f"({EXP_LIMITS['float32']:.4g} in float32): make it an equation of its own, "
            f"e.g. P = softmax(S), for the overflow-free form"
        )
    return notes


def _range_note(what: str, expr: sp.Expr, var: sp.Symbol) -> str | None:
    if not expr.has(sp.exp, sp.sinh, sp.cosh):
        return None  # nothing that can overflow: no need to stabilize (slow for big sums)
    args = overflowing(stabilize(expr))
    if not args:
        return None
    polys = [sp.Poly(arg, var) for arg in args if arg.is_polynomial(var)]
    if len(polys) == len(args) and all(p.degree() == 1 for p in polys):
        k = max(abs(p.LC()) for p in polys)
        bound = ", ".join(f"{EXP_LIMITS[t] / float(k):.4g} in {t}" for t in EXP_LIMITS)
        return (
            f"{what} has no overflow-free form that derive knows: it is finite for "
            f"|{var}| below {bound}"
        )
    return f"{what} has no overflow-free form that derive knows: exp overflows past 709.78"
