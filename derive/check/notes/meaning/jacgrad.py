"""The Jacobian and the gradient told apart: ``\\nabla g(x)`` a matrix (a row for a scalar g),
``\\operatorname{grad} g(x) = \\nabla g(x)^{\\top}`` its column.

Notes written by mathematicians (lecture notes on calculus for learning, notebooks deriving
backpropagation as a theorem) keep the derivative and the gradient apart: ``\\nabla g(x) \\in
\\mathbb{R}^{m \\times n}`` is the Jacobian, a row vector for a scalar function, and
``\\operatorname{grad} g = \\nabla g^{\\top}`` the column of partials; the chain rule is a
matrix product (``\\bullet``) of Jacobians, the Jacobian of an activation applied entry by entry
is the diagonal matrix of its derivatives, and the network and the cost are functions composed
(``G_l := C \\circ F_L \\circ \\ldots \\circ F_{l+1} \\circ \\sigma_l``, the cost as a function of
``z_l``; ``F_\\Theta`` the network). A note that states the convention itself (a formula setting
``\\operatorname{grad}`` of a function equal to its ``\\nabla`` transposed) has its formulas
rewritten into the model's terms before they are parsed:

* ``\\operatorname{grad} G_l(z_l)`` for such a composition G from the cost down to ``\\sigma_l``
  is ``\\nabla_{z_l} C``; ``\\operatorname{grad} C(a_L)`` and ``\\operatorname{grad}
  C(\\sigma_L(z_L))`` are ``\\nabla_{a_L} C``; ``\\operatorname{grad}_{b_l}(C(F_\\Theta(x)))`` is
  ``\\nabla_{b_l} C``: gradients, in the shape of their variable;
* the same written with ``\\nabla`` are those gradients transposed (rows);
* ``\\nabla \\sigma_l(z_l)`` is ``\\operatorname{diag}(\\sigma'(z_l))``;
* an error term the note defines as such a gradient (``\\varepsilon_l := \\operatorname{grad}
  G_l(z_l)``) is the model's ``\\delta_l`` wherever it carries a layer.

Since the note fixes which of its derivatives are rows and which columns, a claim whose sides
are each other's transpose is wrong in that note (``layout_fixed``), where elsewhere a transpose
is a layout the note may use. Anything else the note writes with ``\\nabla`` (of a function it
leaves abstract, of a composition through the affine maps) is left as it is, not understood.
"""

from __future__ import annotations

import re
from dataclasses import replace

_GRAD = r"\\operatorname\s*\{\s*grad\s*\}"
_SUB = r"(?:\{([^{}]+)\}|([A-Za-z0-9]))"  # a subscript, braced or one character
_COSTS = "CELJ"


def applies(stmts) -> bool:
    """Whether a formula of the note sets ``\\operatorname{grad}`` of a function equal to its
    ``\\nabla`` transposed."""
    for ms in stmts:
        texts = [m.text for m in ms]
        for a, b in zip(texts, texts[1:], strict=False):
            if re.match(_GRAD + r"\s*[A-Za-z]", a.strip()) and re.match(
                r"\\nabla\b.*\^\s*\{?\s*\\(?:top|intercal)\s*\}?\s*$", b.strip()
            ):
                return True
    return False


def _sub(m, k=1) -> str:
    return m.group(k) if m.group(k) is not None else m.group(k + 1)


def compositions(stmts) -> set[str]:
    """The letters of functions the note defines as the cost composed down to an activation
    of the same layer: ``G_l := C \\circ F_L \\circ \\ldots \\circ \\sigma_l`` gives G."""
    out = set()
    for ms in stmts:
        if len(ms) < 2:
            continue
        m = re.fullmatch(r"\s*([A-Z])_" + _SUB + r"\s*", ms[0].text)
        if not m:
            continue
        layer = _sub(m, 2)
        parts = [p.strip() for p in re.split(r"\\circ", ms[1].text)]
        if len(parts) < 2 or parts[0] not in _COSTS:
            continue
        last = re.fullmatch(r"\\sigma_" + _SUB, parts[-1].strip(" .,"))
        if last and _sub(last) == layer:
            out.add(m.group(1))
    return out


def rewrite(text: str, funcs: set[str]) -> str:
    """One member's text in the model's terms (see the module doc)."""
    out = text
    for g in sorted(funcs):
        # grad G_l(z_l): the cost's gradient by z_l; \nabla G_l(z_l): its transpose
        pat = rf"{g}_{_SUB}\s*\(\s*z_(?:\{{([^{{}}]+)\}}|([A-Za-z0-9]))\s*\)"

        def same(m, form):
            lay, at = _sub(m), _sub(m, 3)
            return form.format(at) if lay == at else m.group(0)

        out = re.sub(_GRAD + r"\s*" + pat, lambda m: same(m, r"\nabla_{{z_{{{0}}}}} C"), out)
        out = re.sub(
            r"\\nabla\s*" + pat, lambda m: same(m, r"((\nabla_{{z_{{{0}}}}} C)^{{\top}})"), out
        )
    # the cost at the output: grad C(a_L), grad C(\sigma_L(z_L))
    at_out = r"\s*\(\s*(?:a_\{?L\}?|\\sigma_\{?L\}?\s*\(\s*z_\{?L\}?\s*\))\s*\)"
    out = re.sub(_GRAD + r"\s*C" + at_out, r"\\nabla_{a_L} C", out)
    out = re.sub(r"\\nabla\s*C" + at_out, r"((\\nabla_{a_L} C)^{\\top})", out)
    # the cost of the network's output by a parameter: grad_{b_l}(C(F_\Theta(x)))
    net = r"\s*\(?\s*C\s*\(\s*F(?:_\{?\\Theta\}?)?\s*\(\s*x\s*\)\s*\)\s*\)?"
    out = re.sub(_GRAD + r"\s*_" + _SUB + net, lambda m: rf"\nabla_{{{_sub(m)}}} C", out)
    out = re.sub(
        r"\\nabla\s*_" + _SUB + net, lambda m: rf"((\nabla_{{{_sub(m)}}} C)^{{\top}})", out
    )
    # the Jacobian of an activation applied entry by entry: the diagonal of its derivatives
    out = re.sub(
        r"\\nabla\s*\\sigma_" + _SUB + r"\s*\(\s*z_(?:\{([^{}]+)\}|([A-Za-z0-9]))\s*\)",
        lambda m: (
            rf"\operatorname{{diag}}(\sigma'(z_{{{_sub(m, 3)}}}))"
            if _sub(m) == _sub(m, 3)
            else m.group(0)
        ),
        out,
    )
    # the note's error term with a layer: the model's delta
    out = re.sub(r"\\varepsilon_" + _SUB, lambda m: _delta(m), out)
    return out


def _delta(m) -> str:
    s = _sub(m)
    if re.fullmatch(r"[lL](?:[+-]1)?|\d", s.replace(" ", "")):
        return rf"\delta_{{{s}}}"
    return m.group(0)


def apply(segments, stmts, note):
    """The note's segments with their formulas in the model's terms when the note is in this
    convention (the caller reads its statements again), else the segments as they are."""
    note.layout_fixed = False
    if not applies(stmts):
        return segments
    funcs = compositions(stmts)
    note.layout_fixed = True
    return [
        replace(seg, text=rewrite(seg.text, funcs)) if seg.kind == "math" else seg
        for seg in segments
    ]
