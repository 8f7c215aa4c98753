"""The LaTeX text of one formula, before anything is parsed: cleaning and splitting.

``clean`` normalises what handwriting transcriptions and editors vary on (unicode symbols,
spacing commands, ``\\left``/``\\right``, fonts, ``\\text``); ``drop_alignment`` removes the
``&`` of align environments; ``group`` reads one braced group; ``split_top`` splits at a
separator outside braces, parentheses and environments. ``NotUnderstood`` is the reader's one
error: a formula, or part of one, it cannot read.
"""

from __future__ import annotations

import re

from .read import UNICODE, top_level


class NotUnderstood(Exception):
    """A formula (or part of one) the reader cannot read; the message says why."""


def clean(tex: str) -> str:
    """Normalise the LaTeX of a formula: unicode, spacing, \\left/\\right, fonts, \\text."""
    for uni, rep in UNICODE.items():
        tex = tex.replace(uni, rep)
    tex = re.sub(r"\\(label|tag)\{[^{}]*\}", "", tex)
    tex = re.sub(r"\\(left|right|bigl|bigr|Bigl|Bigr|big|Big|bigg|Bigg)\s*\.", "", tex)
    tex = re.sub(r"\\(left|right|bigl|bigr|Bigl|Bigr|big|Big|bigg|Bigg)(?![a-zA-Z])", "", tex)
    tex = re.sub(r"(?<!\\)\\(,|;|:|!|quad\b|qquad\b|displaystyle\b| )", " ", tex).replace("~", " ")
    tex = re.sub(r"\\(?:[dt]frac\b|cfrac\b(?:\[[lrc]\])?)", r"\\frac", tex)
    tex = re.sub(r"\\(times|ast)\b", r"\\cdot", tex)
    tex = re.sub(r"\^\s*\{?\s*\\prime\s*\}?|\^\{'\}", "'", tex)
    tex = re.sub(r"\\(mathbf|boldsymbol|bm|boxed|mathit|mathcal)\s*\{([^{}]*)\}", r"\2", tex)
    tex = re.sub(r"\\(?:hat|widehat)\s*(?:\{\s*([yY])\s*\}|([yY])(?![A-Za-z]))", r"\\\1\2hat ", tex)
    tex = re.sub(r"(\\[yY]hat) (?=[_^'])", r"\1", tex)  # \hat{y}_k: ŷ with its index
    tex = re.sub(
        r"\\(text|mathrm|textrm|operatorname|mbox|textit)\s*\{\s*([A-Za-z_]+)\s*\}", r"\2", tex
    )
    return tex.strip().rstrip(".,;").strip()


def drop_alignment(tex: str) -> str:
    """Remove the ``&`` of align environments, keeping those that separate matrix cells."""
    out = list(tex)
    for i in top_level(tex, "&", opening="", closing=""):
        if tex[i - 1 : i] != "\\":
            out[i] = " "
    return "".join(out)


def group(tex: str, i: int) -> tuple[str, int]:
    """The braced group starting at ``tex[i]`` (or the single character there): (content, end)."""
    while i < len(tex) and tex[i] == " ":
        i += 1
    if i >= len(tex):
        raise NotUnderstood("a formula ends too early")
    if tex[i] != "{":
        if tex[i] == "\\":
            m = re.match(r"\\[A-Za-z]+", tex[i:])
            if m:
                return m.group(), i + m.end()
        return tex[i], i + 1
    depth = 0
    for j in range(i, len(tex)):
        if tex[j] == "{" and tex[j - 1] != "\\":
            depth += 1
        elif tex[j] == "}" and tex[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return tex[i + 1 : j], j + 1
    raise NotUnderstood("unbalanced braces")


def split_top(tex: str, sep: str) -> list[str]:
    """``tex`` split at ``sep`` outside braces, parentheses and environments."""
    parts, last = [], 0
    for cut in top_level(tex, sep, "{([", "})]"):
        if sep == "=" and tex[cut - 1 : cut] in (":", "<", ">", "!"):
            continue  # :=, <=, >=, != are not an equation's =
        parts.append(tex[last:cut])
        last = cut + len(sep)
    parts.append(tex[last:])
    return parts
