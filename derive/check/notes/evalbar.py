"""The evaluated-at bar: ``\\left. \\frac{\\partial g}{\\partial \\xi} \\right|_{\\xi = \\alpha}``.

Notes that write an activation as a function of a dummy variable (``g(\\xi)``) take its
derivative there and evaluate it at a quantity of the network with a bar:
``\\frac{dg}{d\\xi}\\big|_{\\xi = \\alpha_l}``, ``\\left.\\frac{\\partial \\sigma}{\\partial
x}\\right|_{x = z}``, ``g'(\\xi)|_{\\xi = \\beta_m}`` (the physics package's ``\\eval`` too).
That is the derivative of the function at that point, ``g'(\\alpha_l)``, which the grammar
reads. Only a derivative of a function letter by the very variable the bar sets is rewritten;
anything else at a bar stays as written (not read).
"""

from __future__ import annotations

import re

_FN = r"(?:[A-Za-z]|\\[A-Za-z]+)"
_VAR = r"(?:[A-Za-z]|\\[A-Za-z]+)"
_D = r"(?:\\partial|d|\\mathrm\{d\})"
# the bar's subscript: {\xi = \alpha_l} or {\xi=\beta_{m}}; its value one group deep
_AT = r"\s*\|\s*_\s*\{\s*(?P<at>" + _VAR + r")\s*=\s*(?P<val>(?:[^{}]|\{[^{}]*\})+?)\s*\}"
_FRAC = re.compile(
    rf"\\frac\s*\{{\s*{_D}\s*(?P<fn>{_FN})\s*\}}\s*\{{\s*{_D}\s*(?P<var>{_VAR})\s*\}}{_AT}"
)
_PRIME = re.compile(r"(?P<fn>" + _FN + r")\s*'\s*\(\s*(?P<var>" + _VAR + r")\s*\)" + _AT)


def _rewrite(m: re.Match) -> str:
    if m.group("var") != m.group("at"):
        return m.group()
    return f"{m.group('fn')}'({m.group('val')})"


def rewrite(tex: str) -> str:
    """``tex`` with each derivative evaluated at a bar written as ``f'(value)``."""
    if "|" not in tex:
        return tex
    return _PRIME.sub(_rewrite, _FRAC.sub(_rewrite, tex))
