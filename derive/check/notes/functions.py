"""Functions the notes define themselves: ``f(z) = \\frac{1}{1+e^{-z}}``,
``\\mathrm{mish}(z) = z\\tanh(\\ln(1 + e^z))``, ``g(z) = z f(z)``.

``find`` looks through the notes' formulas before anything else is read (the reader must know
that ``f(z)`` is ``f`` applied to ``z``, not ``f`` times ``z``): a formula ``NAME(v) = BODY``
with NAME a letter that is not one of the network's (w, b, a, z, x, y, C, J, L, E, m, n, e,
d), a Greek letter such as ``\\phi``, or a word that is no built-in activation. ``define``
reads each body with the project's reader (never ``eval`` or ``sympify`` of the text): a body
in ``v`` alone becomes an ``Activation`` of the registry (``builtin=False``), so ``f'(z)``,
``\\frac{d}{dz} f(z)`` and forward equations ``a_1 = f(z_1)`` are derived by ``sympy.diff``
exactly as the built-in ones are, and its derivative is written in ``f(z)`` itself when
SymPy proves such a form (``f(z)(1 - f(z))`` for the logistic body). A name written the way
a built-in activation is (``\\sigma(z) = …``, ``\\mathrm{swish}(z) = z\\sigma(z)``) stays the
built-in one, and that formula is checked against it as before.

The definition itself is not a claim (``is_definition``).
"""

from __future__ import annotations

import re

import sympy as sp

from derive.engine.registry import ACTIVATIONS, Activation, ActivationFunction, expand_activations
from derive.engine.registry import z as z_symbol

from .names import ACTIVATION_WORDS, sym
from .numbers import same
from .tex import clean

_RESERVED = set("wWbBaAzZxXyYCJLEmnedT")  # the network's letters, Euler's e, the d of d/dz
_GREEK_NAMES = ("phi", "varphi", "psi", "rho", "kappa", "chi", "xi", "zeta", "Phi", "Psi")
_UNICODE = {"phi": "φ", "varphi": "φ", "psi": "ψ", "rho": "ρ", "kappa": "κ", "chi": "χ",
            "xi": "ξ", "zeta": "ζ", "Phi": "Φ", "Psi": "Ψ"}  # fmt: skip
_OTHER = {"exp", "log", "ln", "sin", "cos", "tan", "max", "min", "step", "sqrt", "frac"}
_DEF = re.compile(
    r"^\s*(?P<name>[A-Za-z]+|\\(?:" + "|".join(_GREEK_NAMES) + r"))\s*\(\s*(?P<var>[A-Za-z])"
    r"\s*\)\s*(?::=|=|\\coloneqq|\\equiv|\\triangleq)\s*(?P<body>[^=]+?)\s*$"
)


def find(segments) -> list[tuple[int, str, str, str]]:
    """(line, name, variable, body) for every formula of the notes that defines a function."""
    out = []
    for seg in segments:
        if seg.kind != "math":
            continue
        m = _DEF.match(clean(seg.text).replace("&", " "))
        if not m:
            continue
        name = m.group("name").lstrip("\\")
        if name.lower() in ACTIVATION_WORDS or name in _OTHER or name == m.group("var"):
            continue
        if len(name) == 1 and name in _RESERVED:
            continue
        out.append((seg.line, name, m.group("var"), m.group("body")))
    return out


def define(reader, found) -> tuple[dict[str, Activation], set[tuple[int, str]]]:
    """The functions of ``find`` the reader can read, as activations (name -> Activation), and
    where each is defined ((line, name)). Registers their names with ``reader``."""
    from .network import ScalarNet  # the reader's placeholders made real (ScalarNet.real)

    for _, name, _, _ in found:
        reader.functions[name.lower()] = name
    funcs: dict[str, Activation] = {}
    lines: set[tuple[int, str]] = set()
    # a name the notes define twice with different bodies (g(z) = \sigma(z) under "Sigmoid",
    # then g(z) = \tanh(z) under "Tanh") is no one function: which one a line means, the
    # headings say, so none is taken (the first one taken made a true tanh' line WRONG)
    bodies: dict[str, set[str]] = {}
    for _, name, _, body in found:
        bodies.setdefault(name, set()).add(re.sub(r"\s+", "", body))
    found = [f for f in found if len(bodies[f[1]]) == 1]
    for line, name, var, body in found:
        if name in funcs:
            continue  # the first definition counts
        try:
            var_name = reader.single_name(var)
            expr = ScalarNet({}, {**ACTIVATIONS, **funcs}, "").real(reader.expr(body))
        except Exception:  # a body the reader cannot read (NotUnderstood, …) defines nothing
            continue
        if var_name is None or expr.free_symbols - {sym(var_name)} or not expr.free_symbols:
            continue
        expr = _builtin_form(expr.xreplace({sym(var_name): z_symbol}))
        act = Activation(
            _UNICODE.get(name, name), expr, name,
            "defined in the notes",
            builtin=False,
        )  # fmt: skip
        funcs[name] = act
        lines.add((line, name))
    for _, name, _, _ in found:
        if name not in funcs and reader.functions.get(name.lower()) == name:
            del reader.functions[name.lower()]
    return funcs, lines


def _builtin_form(expr):
    """A body that is a built-in activation written out (tanh as (e^z - e^{-z})/(e^z +
    e^{-z})) takes the built-in's expression, so that its derivative comes out in the
    function itself (1 - g(z)^2) as the built-in's does."""
    for act in ACTIVATIONS.values():
        if act.normalized or act.output_form is None or expr == act.expr:
            continue
        if same(expand_activations(expr), expand_activations(act.expr)):
            return act.expr
    return expr


def is_definition(ck, members) -> bool:
    """Is this formula where the notes define one of their functions (not a claim)?"""
    first = members[0]
    value = first.value if first.kind == "expr" else None
    return value is not None and (first.line, type(value).__name__) in ck.function_lines


def plain(truth):
    """A derivative written in a notes' function itself, not as a polynomial in it
    (``1 - e^{-φ(x)}``): also in its variable alone when that is short (``e^x/(e^x + 1)``);
    None otherwise."""
    own = [f for f in truth.atoms(ActivationFunction) if not f.activation.builtin]
    stand = {f: sp.Dummy() for f in own}
    if not own or truth.xreplace(stand).is_polynomial(*stand.values()):
        return None  # f(z)(1 - f(z)) says it best
    full = expand_activations(truth)
    if sp.count_ops(full) > 40:
        return None
    full = sp.simplify(full)
    return full if len(str(full)) <= 40 else None
