"""Elementwise SymPy expressions as NumPy code that neither overflows nor loses its dtype.

Two stages, both on SymPy expressions:

``stabilize`` rewrites an expression into overflow-free building blocks before printing:
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

import sympy as sp
from sympy.codegen.rewriting import expm1_opt, log1p_opt, optimize
from sympy.printing.numpy import NumPyPrinter

from derive.engine.registry import ActivationFunction, expand_activations


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


def stabilize(expr: sp.Expr) -> sp.Expr:
    """``expr`` rewritten into overflow-free parts; see the module docstring."""
    expr = expand_activations(expr)
    # g - g e^-a or g (1 - e^-a): whichever has fewer array operations once stabilized
    plain, factored = _stabilize(expr), _stabilize(sp.factor_terms(expr))
    return factored if _size(factored) < _size(plain) else plain


def _size(e: sp.Expr) -> int:
    return sum(1 for _ in sp.preorder_traversal(e))


def _stabilize(expr: sp.Expr) -> sp.Expr:
    # relu's Piecewise((w, w > 0), (0, True)) is max(w, 0): one NumPy call, no mask.
    expr = expr.replace(
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
    expr = expr.replace(
        lambda e: isinstance(e, sp.log) and _is_one_plus_exp(e.args[0]),
        lambda e: softplus(_exp_arg(e.args[0])),
    )
    expr = expr.replace(_is_one_plus_exp, lambda e: 1 / sigma(-_exp_arg(e)))
    tentative = expr.replace(
        lambda e: isinstance(e, sp.exp), lambda e: sigma(e.args[0]) / sigma(-e.args[0])
    )
    if not any(p.exp.is_negative and p.base.func is sigma for p in tentative.atoms(sp.Pow)):
        expr = tentative
    expr = _one_minus_sigma(expr)
    expr = expr.replace(
        lambda e: isinstance(e, sp.log) and e.args[0].func is sigma,
        lambda e: -softplus(-e.args[0].args[0]),
    )
    expr = _tanh_and_logcosh(expr)
    expr = expr.replace(lambda e: isinstance(e, sp.Piecewise), _bounded_piecewise)
    expr = expr.replace(
        lambda e: (
            isinstance(e, sp.Piecewise)
            and len(e.args) == 2
            and e.args[0].expr == 1
            and e.args[1] == (0, True)
        ),
        lambda e: mask(e.args[0].cond),
    )
    return _fold_numbers(optimize(expr, [expm1_opt, log1p_opt]))


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


def to_code(expr: sp.Expr, names: dict[sp.Symbol, str] | None = None) -> str:
    """``stabilize``d ``expr`` as a NumPy expression; symbols printed through ``names``."""
    return print_code(stabilize(expr), names)


def print_code(expr: sp.Expr, names: dict[sp.Symbol, str] | None = None, printer=None) -> str:
    """An already ``stabilize``d expression as NumPy code (or another array library's, by
    the ``printer`` class: see ``derive/emit/frameworks.py``)."""
    text = (printer or NumpyPrinter)(names).doprint(expr)
    return re.sub(r"\((-?\d+\.\d+(?:e[-+]?\d+)?)\)", r"\1", text)


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
