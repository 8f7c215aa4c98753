"""The adjoint ("bar") notation: ``\\overline{z}`` (or ``\\bar z``) for dL/dz.

Roger Grosse's CSC321 notes, and the study notes that follow them, write the derivative of
the cost by a quantity as that quantity with a bar: ``\\overline{y} = y - t``,
``\\overline{z} = \\overline{y}\\,\\sigma'(z)``, ``\\overline{w} = \\overline{z}\\, x``. A note
in that notation says so once, with the bar and the fraction side by side ("$\\overline{z}$
denotes $\\frac{\\partial \\mathcal{L}}{\\partial z}$", or ``dL/dy = y - t = \\overline{y}``).

``declared(text, macros)`` finds that statement: a line that writes ``\\overline{X}`` (or
``\\bar{X}``, ``\\bar X``) and the fraction ``\\partial N / \\partial X`` of the same X. When every
such line names the same cost N, the bar becomes a macro of the note's, ``\\overline{#1}`` ->
``\\frac{\\partial N}{\\partial #1}``, so the rest of the reader sees the derivative it stands
for. A bar never stated beside such a fraction (a mean ``\\bar x``, a complex conjugate) is
left alone, and a macro the note defines itself wins.
"""

from __future__ import annotations

import re

from .macros import Macro

_GROUP = r"\{((?:[^{}]|\{[^{}]*\})*)\}"
_BAR = re.compile(r"\\(overline|bar)\s*(?:" + _GROUP + r"|([A-Za-z]|\\[A-Za-z]+))")
_FRAC = re.compile(r"\\[dt]?frac\s*" + _GROUP + r"\s*" + _GROUP)
_SLASH = re.compile(r"\\partial\s*(\\[A-Za-z]+\s*\{[^{}]*\}|[^\s/{}$]+)\s*/\s*\\partial\s*"
                    r"(\\[A-Za-z]+\s*\{[^{}]*\}|[^\s/{}$]+)")  # fmt: skip


def _norm(tex: str) -> str:
    """A symbol as compared: spaces and outer braces dropped."""
    tex = re.sub(r"\s+", "", tex)
    while tex.startswith("{") and tex.endswith("}"):
        tex = tex[1:-1]
    return tex


def _bare(tex: str) -> str:
    """A symbol without its font (``\\mathcal{y}`` is y)."""
    return _norm(re.sub(r"\\(?:mathcal|mathbf|mathit|mathrm|boldsymbol|bm)\s*", "", tex))


def _partial(part: str) -> str | None:
    """``\\partial X`` (one symbol) -> X, else None."""
    m = re.fullmatch(r"\s*\\partial\s*(.+?)\s*", part, re.S)
    if m is None or "\\partial" in m.group(1):
        return None
    return _norm(m.group(1))


def _fractions(line: str) -> list[tuple[str, str]]:
    out = []
    for m in _FRAC.finditer(line):
        num, den = _partial(m.group(1)), _partial(m.group(2))
        if num and den:
            out.append((num, den))
    out += [(_norm(m.group(1)), _norm(m.group(2))) for m in _SLASH.finditer(line)]
    return out


def declared(text: str, macros: dict[str, Macro]) -> dict[str, Macro]:
    """``macros`` with ``\\overline`` / ``\\bar`` as the cost's derivative where the note
    states that notation (see the module doc)."""
    costs: dict[str, set[str]] = {}
    barred = {_bare(_norm(m.group(2) or m.group(3) or "")) for m in _BAR.finditer(text)}
    for line in text.split("\n"):
        if "\\overline" not in line and "\\bar" not in line:
            continue
        fracs = _fractions(line)
        if not fracs:
            continue
        for m in _BAR.finditer(line):
            x = _norm(m.group(2) if m.group(2) is not None else m.group(3))
            for num, den in fracs:
                # a chain on the line (dL/dy dy/dz) has fractions of barred quantities too:
                # a quantity with an adjoint of its own is no cost
                if den == x and _bare(num) not in barred:
                    costs.setdefault(m.group(1), set()).add(num)
    out = dict(macros)
    for cmd, nums in costs.items():
        if len(nums) == 1 and cmd not in out:
            (num,) = nums
            out[cmd] = Macro(cmd, 1, "\\frac{\\partial " + num + "}{\\partial #1}")
    return out
