"""Read one expression of a formula into SymPy: its names, numbers, functions and
Leibniz fractions.

``ExpressionReader.expr(tex)`` replaces every name by a placeholder (canonical names from
``names``), every function by a placeholder function, and has SymPy's LaTeX parser
(ANTLR backend, strict) read the rest. Nothing here evaluates note text: ``parse_latex`` is a
grammar parser, never ``eval``; powers and factorials too large to check are refused before
anything evaluates them. Functions: ``\\sigma``, ``sigmoid``, ``\\text{Relu}``, ``ReLU``,
``\\tanh``, … (any case) become the placeholder ``act_function(name)``, which the checker
replaces by the network's own; ``\\sigma'(z)`` is its derivative; ``(z_1 > 0)`` is ``STEP``,
relu's derivative. ``leibniz`` finds the fractions ``\\frac{dC}{dw_2}``,
``\\frac{\\partial C_0}{\\partial w^{(L)}}`` in a formula.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

import sympy as sp
from sympy.core.function import AppliedUndef

from .meaning.grammar import EXPECTATION
from .names import ACTIVATION_WORDS, Names, sym
from .tex import NotUnderstood, clean, group

_GREEK = set(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta iota kappa lambda mu nu xi pi "
    "rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi "
    "Psi Omega yhat Yhat".split()
)  # yhat: \hat{y}, the network's output (tex.clean)
_TRIG = ("sin", "cos", "tan", "exp", "log", "ln")  # read by the parser itself
STEP = sp.Function("step")  # (z > 0): relu's derivative
_D = re.compile(r"\s*(d|\\partial|\\mathrm\{d\}|\\operatorname\{d\})\s*")


def act_function(name: str, prime: bool = False):
    """The placeholder function for an activation (or its derivative) in a parsed claim;
    the checker replaces it by the network's own."""
    return sp.Function(name + ("'" if prime else ""))


class ExpressionReader:
    """Reads expressions and the names in them; one per notes file (it keeps the spellings)."""

    def __init__(self, names: Names, functions: dict[str, str] | None = None):
        self.names = names
        self.functions = dict(ACTIVATION_WORDS)
        self.slots: list[sp.Symbol] = []
        for fname in functions or {}:
            self.functions[fname.lower()] = fname

    # ------------------------------------------------------------------ derivatives
    def leibniz(self, tex: str):
        """(start, end, numerator, denominator, style) for each Leibniz fraction in ``tex``."""
        for m in re.finditer(r"\\frac\s*", tex):
            try:
                num, i = group(tex, m.end())
                den, j = group(tex, i)
            except NotUnderstood:
                continue
            dn, dd = _D.match(num), _D.match(den)
            if not (dn and dd):
                continue
            top, bottom = num[dn.end() :].strip(), den[dd.end() :].strip()
            if not top or not bottom:
                raise NotUnderstood("a derivative operator d/dx applied to an expression")
            n, d = self.single_name(top), self.single_name(bottom)
            if n is None or d is None:
                raise NotUnderstood(f"cannot read the derivative d({top})/d({bottom})")
            style = "∂" if "partial" in dn.group(1) else "d"
            yield m.start(), j, n, d, style

    def single_name(self, tex: str) -> str | None:
        """The canonical name when ``tex`` is exactly one name, else None."""
        parsed = self._names(clean(tex).strip(), {}, [], [])
        return parsed[1] if parsed and parsed[0] == "v_{0}" else None

    # ------------------------------------------------------------------ expressions
    def slot(self, symbol: sp.Symbol) -> str:
        """A token that the parser reads as ``symbol`` (a derivative, a labelled part)."""
        self.slots.append(symbol)
        return f"\\slot{{{len(self.slots) - 1}}}"

    def expr(self, tex: str) -> sp.Expr:
        """SymPy for an expression in names, numbers and functions."""
        tex = clean(tex)
        if EXPECTATION.search(tex):  # E[\xi_t] = 1: an expectation, not the cost times \xi_t
            raise NotUnderstood("an expectation E[...]")
        tex = re.sub(r"\(\s*([^()<>=]+?)\s*(?:>|\\geq|\\ge|\\gt)\s*0\s*\)", r"\\step(\1)", tex)
        tex = re.sub(r"\[\s*([^\[\]<>=]+?)\s*(?:>|\\geq|\\ge|\\gt)\s*0\s*\]", r"\\step(\1)", tex)
        tex = function_powers(tex, self.functions)
        canon: dict[str, str] = {}
        funcs: list[tuple[str, bool]] = []
        parsed = self._names(tex, canon, funcs, [])
        if parsed is None:
            raise NotUnderstood("empty formula")
        text = parsed[0]
        if re.search(r"[<>]|\\(?!frac|cdot|sqrt|exp|log|ln|sin|cos|tan)[A-Za-z]+", text):
            raise NotUnderstood(f"cannot read `{tex}`")
        result = _parse(text)
        _guard(result)
        if not isinstance(result, sp.Expr):
            raise NotUnderstood(f"`{tex}` is not an expression")
        subs = {sp.Symbol(f"v_{{{k}}}"): _name_value(name) for k, name in enumerate(canon.values())}
        subs.update({sp.Symbol(f"u_{{{k}}}"): t for k, t in enumerate(self.slots)})
        subs[sp.Symbol("e")] = sp.E

        def fn(e):
            k = int(re.fullmatch(r"f_\{(\d+)\}", e.func.__name__).group(1))
            fname, prime = funcs[k]
            if len(e.args) != 1:
                raise NotUnderstood(f"{fname} takes one argument")
            return (STEP if fname == "step" else act_function(fname, prime))(*e.args)

        result = result.replace(
            lambda e: isinstance(e, AppliedUndef) and re.fullmatch(r"f_\{\d+\}", e.func.__name__),
            fn,
        )
        result = result.xreplace(subs)
        stray = [s for s in result.free_symbols if s not in set(subs.values())]
        if stray:
            raise NotUnderstood(f"cannot read `{tex}` (stray {stray[0]})")
        return result

    def _names(self, tex: str, canon: dict, funcs: list, _):
        """Replace every name by a placeholder ``v_{k}`` and every function by ``f_{k}``;
        returns (text, canonical name of the first name) or None when there is nothing."""
        out, i, first = [], 0, None
        while i < len(tex):
            ch = tex[i]
            if ch == "\\":
                m = re.match(r"\\([A-Za-z]+)", tex[i:])
                if not m:
                    out.append(tex[i : i + 2])
                    i += 2
                    continue
                cmd = m.group(1)
                if cmd in ("frac", "cdot", "sqrt") + _TRIG:
                    out.append(f"\\{cmd} ")
                    i += m.end()
                    continue
                if cmd == "slot":
                    k, i = group(tex, i + m.end())
                    out.append(f" u_{{{k}}} ")
                    continue
                if cmd == "step":
                    funcs.append(("step", False))
                    out.append(f"f_{{{len(funcs) - 1}}}")
                    i += m.end()
                    continue
                if cmd not in _GREEK and cmd.lower() not in self.functions:
                    raise NotUnderstood(f"cannot read \\{cmd}")
                base, i = cmd, i + m.end()
            elif ch.isalpha():
                if not ch.isascii():  # str.isalpha is true of 손 or 損: not a symbol of ours
                    raise NotUnderstood(f"cannot read `{ch}`")
                word = re.match(r"[A-Za-z_]+", tex[i:]).group().rstrip("_")
                if word in ("exp", "log", "ln"):
                    out.append(f"\\{word} ")
                    i += len(word)
                    continue
                if word.lower() in self.functions and len(word) > 1:
                    base, i = word, i + len(word)
                else:
                    base, i = ch, i + 1
            else:
                out.append(ch)
                i += 1
                continue
            sub = sup = None
            prime = False
            while i < len(tex):
                if tex[i] == "_" and sub is None:
                    sub, i = group(tex, i + 1)
                    sub = re.sub(r"\\(text|mathrm)\s*\{([^{}]*)\}", r"\2", sub).strip()
                    sub = sub.replace(" ", "")
                elif tex[i] == "^" and sup is None:
                    content, j = group(tex, i + 1)
                    layer = re.fullmatch(r"\s*[(\[]\s*([^()\[\]]+?)\s*[)\]]\s*", content)
                    if not layer:
                        break
                    sup, i = layer.group(1).replace(" ", ""), j
                elif tex[i] == "'":
                    prime, i = True, i + 1
                else:
                    break
            follows = tex[i:].lstrip()[:1]
            fname = self.functions.get(base.lower())
            if fname and (follows == "(" or prime) and sub is None and sup is None:
                funcs.append((fname, prime))
                out.append(f"f_{{{len(funcs) - 1}}}")
                continue
            if prime:
                raise NotUnderstood(f"{base}' is the derivative of an unknown function")
            name = self.names.canonical(base, sub, sup)
            self.names.remember(name, base, sub, sup)
            if name not in canon:
                canon[name] = name
            k = list(canon).index(name)
            first = first or name
            out.append(f" v_{{{k}}} " + ("\\cdot " if follows == "(" else ""))
        text = "".join(out).strip()
        return (text, first) if text else None


_POWER = re.compile(r"(\\?)([A-Za-z]+)\s*\^\s*(\{\s*\d+\s*\}|\d)\s*")
_ARG = re.compile(r"\\?[A-Za-z]+(?:\s*_\s*(?:\{[^{}]*\}|\w))?")


def function_powers(tex: str, functions) -> str:
    """Powers of functions as courses write them: ``\\tanh^2(z)``, ``\\sigma^{2}(z_1)``,
    ``\\sin^2 x`` become ``(\\tanh(z))^{2}``: the power of the value, not of the name."""
    out, i = [], 0
    for m in _POWER.finditer(tex):
        name = m.group(2)
        known = name.lower() in functions or (m.group(1) and name in _TRIG)
        if m.start() < i or not known or (not m.group(1) and len(name) == 1):
            continue
        rest = tex[m.end() :]
        if rest.startswith("("):
            close = _closing(rest)
            if close is None:
                continue
            arg, end = rest[1:close], m.end() + close + 1
        else:
            a = _ARG.match(rest)
            if not a:
                continue
            arg, end = a.group(), m.end() + a.end()
        power = m.group(3).strip("{} ")
        out.append(tex[i : m.start()] + f"({m.group(1)}{name}({arg}))^{{{power}}}")
        i = end
    return "".join(out) + tex[i:]


def _closing(text: str) -> int | None:
    """The index of the parenthesis that closes the one at ``text[0]``, or None."""
    depth = 0
    for k, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return k
    return None


def _guard(expr) -> None:
    """Refuse numbers too large to check before anything evaluates them (the parser leaves
    ``10^{10^{10}}`` unevaluated; SymPy would try to compute it)."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow) and not node.exp.free_symbols:
            limit = 64 if not node.base.free_symbols else 10**6
            size = sp.N(node.exp, 15)
            if not size.is_number or abs(size) > limit:
                raise NotUnderstood("a power too large to check")
        elif isinstance(node, sp.factorial) and not node.args[0].free_symbols:
            if abs(sp.N(node.args[0], 15)) > 200:
                raise NotUnderstood("a factorial too large to check")


@lru_cache(maxsize=4096)
def _parse(text: str):
    """SymPy's LaTeX parser (ANTLR, strict) on placeholder text, which it is slow on (about
    0.05 s a formula): a lone name or number skips it, and results are cached."""
    if re.fullmatch(r"\s*v_\{\d+\}\s*", text):
        return sp.Symbol(text.strip())
    if re.fullmatch(r"\s*\d+(\.\d+)?\s*", text):
        return sp.Rational(Fraction(text.strip()))
    from sympy.parsing.latex import parse_latex

    return parse_latex(text, strict=True)


def _name_value(name: str):
    return sp.E if name == "e" else sym(name)
