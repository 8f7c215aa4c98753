"""A note's own LaTeX macros, expanded; and a formula's presentation stripped.

``definitions(text)`` finds the macros a note defines wherever it defines them (a LaTeX
preamble, a ``$$ … $$`` block of a blog post, a kramdown ``\\\\( … \\\\)`` span):
``\\newcommand``, ``\\renewcommand``, ``\\providecommand`` (with a number of arguments and an
optional first one), ``\\def`` / ``\\gdef`` / ``\\edef`` / ``\\xdef`` with ``#1#2…``
parameters, ``\\DeclareMathOperator``. It returns the macros and where each definition stands,
so the reader can blank the definitions out of the text.

``expand(tex, macros)`` replaces every use by its body with the arguments put in, the way TeX
reads them: a braced group (braces dropped) or one token (``\\matr Z``, ``\\matr\\Delta``).
Bodies are expanded again, within a budget, so a macro that calls itself ends.

pylatexenc was tried for this: its walker reads a call's arguments once given a spec, but it
does not read ``\\def``/``\\gdef`` definitions and does not expand; substituting and
re-reading nested calls is this module either way, so the expander is written out here.

``present(tex)`` strips what only changes how a formula looks: ``\\label``, ``\\tag``,
``\\nonumber``, colours (``\\textcolor{c}{x}`` → ``x``), boxes (``\\boxed``, ``\\framebox``,
``\\fbox``, and a ``\\text{…$x$…}`` holding math → ``x``; numbers boxed side by side,
``\\boxed{2}\\boxed{3}``, are the cells of a row vector), bold and other fonts (``\\mathbf``,
``\\boldsymbol``, ``\\bm``, ``\\bf``; ``\\mathbb{w}`` with one lower-case letter is bold,
``\\mathbb{R}`` stays), ``\\left``/``\\right`` and sizes, ``\\displaystyle``, ``\\limits``,
spacing, a prose ``\\text``/``\\mbox`` at the end, and trailing punctuation. It keeps what
carries meaning: ``\\underbrace`` (its label), ``\\underline``, ``\\hat``, ``\\mathrm``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DEF_CMDS = ("newcommand", "renewcommand", "providecommand", "DeclareRobustCommand")
_BUDGET = 2000  # expansions per formula: a recursive macro stops here, unexpanded
_CALL = re.compile(r"\\([A-Za-z]+|.)", re.S)


@dataclass(frozen=True)
class Macro:
    name: str
    nargs: int
    body: str
    default: str | None = None  # the optional first argument's default (\newcommand[n][d])


def _group(text: str, i: int, open_: str = "{", close: str = "}") -> int:
    """The end (one past the closing bracket) of the group opening at ``text[i]``, or -1."""
    depth = 0
    j = i
    while j < len(text):
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == open_:
            depth += 1
        elif ch == close:
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return -1


def group_end(text: str, i: int) -> int:
    """The end of the braced group opening at ``text[i]``, or -1."""
    return _group(text, i)


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\n":
        i += 1
    return i


def _token(text: str, i: int) -> tuple[str, int] | None:
    """One macro argument at ``text[i]``: a braced group's content or one token."""
    i = _skip_space(text, i)
    if i >= len(text):
        return None
    if text[i] == "{":
        end = _group(text, i)
        return (text[i + 1 : end - 1], end) if end > 0 else None
    if text[i] == "\\":
        m = re.match(r"\\(?:[A-Za-z]+|.)", text[i:], re.S)
        return (m.group(), i + m.end()) if m else None
    if text[i] in "}":
        return None
    return text[i], i + 1


def _name(text: str, i: int) -> tuple[str, int] | None:
    """A macro name being defined: ``{\\name}`` or ``\\name``."""
    i = _skip_space(text, i)
    braced = text[i : i + 1] == "{"
    m = re.match(r"\{?\s*\\([A-Za-z]+)\s*\}?" if braced else r"\\([A-Za-z]+)", text[i:])
    return (m.group(1), i + m.end()) if m else None


def definitions(text: str) -> tuple[dict[str, Macro], list[tuple[int, int]]]:
    """The macros ``text`` defines, and the (start, end) of each definition in it."""
    macros: dict[str, Macro] = {}
    spans: list[tuple[int, int]] = []
    pattern = re.compile(
        r"\\(newcommand|renewcommand|providecommand|DeclareRobustCommand|def|gdef|edef|xdef"
        r"|DeclareMathOperator)(\*?)(?![A-Za-z])"
    )
    for m in pattern.finditer(text):
        if spans and m.start() < spans[-1][1]:
            continue
        found = _definition(text, m.group(1), m.end())
        if found is None:
            continue
        macro, end = found
        if m.group(1) == "providecommand" and macro.name in macros:
            continue
        macros[macro.name] = macro
        spans.append((m.start(), end))
    return macros, spans


def _definition(text: str, cmd: str, i: int) -> tuple[Macro, int] | None:
    named = _name(text, i)
    if named is None:
        return None
    name, i = named
    if cmd == "DeclareMathOperator":
        arg = _token(text, i)
        return (Macro(name, 0, rf"\operatorname{{{arg[0]}}}"), arg[1]) if arg else None
    nargs, default = 0, None
    if cmd in _DEF_CMDS:
        j = _skip_space(text, i)
        if text[j : j + 1] == "[":
            m = re.match(r"\[\s*(\d)\s*\]", text[j:])
            if not m:
                return None
            nargs, i = int(m.group(1)), j + m.end()
            j = _skip_space(text, i)
            if text[j : j + 1] == "[":
                end = _group(text, j, "[", "]")
                if end < 0:
                    return None
                default, i = text[j + 1 : end - 1], end
    else:  # \def\name#1#2{body}: undelimited parameters only
        m = re.match(r"((?:#\d)*)\s*(?=\{)", text[i:])
        if not m:
            return None
        nargs, i = len(m.group(1)) // 2, i + m.end()
    j = _skip_space(text, i)
    if text[j : j + 1] != "{":
        return None
    end = _group(text, j)
    if end < 0:
        return None
    return Macro(name, nargs, text[j + 1 : end - 1], default), end


# Macros MathJax and KaTeX define that LaTeX does not: a note written for the web uses them
# without defining them (KaTeX's ``\\part`` for ``\\partial``, ``\\space``). A note's own
# definition of the same name wins (``builtins``).
_WEB_MACROS = {
    "part": "\\partial", "space": " ", "Reals": "\\mathbb{R}", "reals": "\\mathbb{R}",
}  # fmt: skip


def builtins(macros: dict[str, Macro]) -> dict[str, Macro]:
    """``macros`` with the web renderers' own macros added where the note does not define them."""
    web = {name: Macro(name, 0, body) for name, body in _WEB_MACROS.items()}
    return {**web, **macros}


def expand(tex: str, macros: dict[str, Macro]) -> str:
    """``tex`` with the note's macros expanded (see the module doc)."""
    if not macros:
        return tex
    limit = 20 * len(tex) + 10_000
    budget, i = _BUDGET, 0
    while budget > 0 and len(tex) < limit:
        m = _CALL.search(tex, i)
        if m is None:
            break
        macro = macros.get(m.group(1))
        if macro is None:
            i = m.end()
            continue
        args, j = [], m.end()
        if macro.default is not None:
            k = _skip_space(tex, j)
            if tex[k : k + 1] == "[" and (end := _group(tex, k, "[", "]")) > 0:
                args.append(tex[k + 1 : end - 1])
                j = end
            else:
                args.append(macro.default)
        while len(args) < macro.nargs:
            arg = _token(tex, j)
            if arg is None:
                break
            args.append(arg[0])
            j = arg[1]
        if len(args) < macro.nargs:
            i = m.end()  # too few arguments: leave the call as written
            continue
        body = re.sub(r"#(\d)", lambda g, a=args: _arg(a, g), macro.body).replace("##", "#")
        # a control word followed by a letter needs the space TeX's reading left out
        if re.search(r"\\[A-Za-z]+$", body) and re.match(r"[A-Za-z]", tex[j : j + 1]):
            body += " "
        tex = tex[: m.start()] + body + tex[j:]
        i = m.start()
        budget -= 1
    return tex


def _arg(args: list[str], g: re.Match) -> str:
    k = int(g.group(1)) - 1
    return args[k] if 0 <= k < len(args) else g.group()


# ---------------------------------------------------------------------- presentation
_UNWRAP = ("textcolor", "colorbox")  # \cmd{colour}{x} -> x
_UNWRAP1 = ("boxed", "fbox", "framebox", "mathbf", "boldsymbol", "bm", "pmb", "mathord",
            "mathbfit", "bold", "vb", "bf", "rm",
            "utilde")  # fmt: skip
_DROP_ARG = ("label", "tag", "color", "eqref", "ref", "hspace", "vspace", "phantom", "intertext",
             "shortintertext")  # fmt: skip
_DROP = (
    "nonumber", "notag", "displaystyle", "textstyle", "scriptstyle", "boldmath", "it", "cal",
    "left", "right", "bigl", "bigr", "Bigl", "Bigr",
    "biggl", "biggr", "Biggl", "Biggr", "big", "Big", "bigg", "Bigg", "middle", "tiny",
    "scriptsize", "footnotesize", "small", "normalsize", "large", "Large", "LARGE", "huge", "Huge",
)  # fmt: skip
_SPACE = ("quad", "qquad", "enskip", "enspace", "thinspace", "medspace", "thickspace")
_PROSE_END = re.compile(r"(?:\\(?:text|mbox|textrm|textit)\s*\{[^{}$]*[^\W\d_]{2}[^{}$]*\}\s*)+$")


def _unwrap(tex: str, name: str, keep: int, nargs: int) -> str:
    """Replace ``\\name{a1}…{an}`` (optional ``[..]`` first) by its argument ``keep``."""
    pattern = re.compile(rf"\\{name}\*?(?![A-Za-z])")
    start = 0
    while (m := pattern.search(tex, start)) is not None:
        j = _skip_space(tex, m.end())
        if tex[j : j + 1] == "[":
            end = _group(tex, j, "[", "]")
            j = end if end > 0 else j
        args = []
        for _ in range(nargs):
            arg = _token(tex, j)
            if arg is None:
                break
            args.append(arg[0])
            j = arg[1]
        if len(args) < nargs:
            start = m.end()
            continue
        keep_text = "" if keep < 0 else args[keep]
        tex = tex[: m.start()] + keep_text + tex[j:]
        start = m.start()
    return tex


def _text_math(tex: str) -> str:
    """``\\text{… $x$ …}`` (a box of math written in text mode) → ``x``."""
    pattern = re.compile(r"\\(?:text|mbox|textrm|hbox)\s*\{")
    start = 0
    while (m := pattern.search(tex, start)) is not None:
        end = _group(tex, m.end() - 1)
        if end < 0:
            break
        inner = tex[m.end() : end - 1]
        math = re.fullmatch(r"[\s{}]*\$+(.*?)\$+[\s{}]*", inner, re.S)
        if math:
            tex = tex[: m.start()] + math.group(1) + tex[end:]
        start = m.start() + 1
    return tex


# numbers in boxes side by side (\boxed{2}\boxed{3}\boxed{4}): the cells of a row vector, as
# a note draws an array, not one number run together
_CELL = r"\\(?:boxed|fbox|framebox)\s*\{\s*(-?\d*\.?\d+)\s*\}"
_CELLS = re.compile(rf"{_CELL}(?:\s*{_CELL})+")


def _cells(m: re.Match) -> str:
    values = re.findall(_CELL, m.group(0))
    return r"\begin{bmatrix} " + " & ".join(values) + r" \end{bmatrix}"


def present(tex: str) -> str:
    """``tex`` without its presentation (see the module doc), one line, spaces collapsed."""
    tex = _CELLS.sub(_cells, tex)
    for name in _UNWRAP:
        tex = _unwrap(tex, name, 1, 2)
    # an old-style font switch in its group: {\bf A}, {\rm d} are the letters themselves (the
    # group kept where it is an argument: \tilde{\bf z}, x^{\rm T}; \partial {\bf A} is A)
    tex = re.sub(
        r"(\\[A-Za-z]+|[\^_]\s*)?\{\s*\\(?:bf|rm|it|sf|boldmath)(?![A-Za-z])\s*([^{}\\]*?)\s*\}",
        lambda m: f"{m.group(1)}{{{m.group(2)}}}" if m.group(1) else m.group(2),
        tex,
    )
    for name in _UNWRAP1:
        tex = _unwrap(tex, name, 0, 1)
    tex = _text_math(tex)
    for name in _DROP_ARG:
        tex = _unwrap(tex, name, -1, 1)
    tex = re.sub(r"\\textsc\s*\{\s*([A-Za-z]+)\s*\}", r"\\mathrm{\1}", tex)
    tex = re.sub(r"\\mathbb\s*\{\s*([a-z])\s*\}", r"\1", tex)  # \mathbb{w}: bold w
    tex = re.sub(r"\\mathds\s*\{\s*1\s*\}", r"\\mathbb{1}", tex)
    tex = re.sub(r"\\mathscr\s*\{", r"\\mathcal{", tex)  # script L: the calligraphic L
    tex = re.sub(r"\\(?:left|right|middle)\s*\.", " ", tex)
    tex = re.sub(r"\s*\\(?:no)?limits(?![A-Za-z])\s*", "", tex)
    tex = re.sub(r"\\(" + "|".join(_DROP) + r")(?![A-Za-z])\s*", " ", tex)
    # an equation number set off at the end (\qquad (4)): a label, never a factor
    tex = re.sub(r"\s*\\q?quad\s*\(\s*\d+(?:\.\d+)*\s*\)\s*$", "", tex)
    tex = re.sub(r"\\(" + "|".join(_SPACE) + r")(?![A-Za-z])", " ", tex)
    tex = re.sub(r"(?<!\\)\\[,;:! ]", " ", tex)
    tex = re.sub(r"(?<!\\)~", " ", tex)
    tex = tex.replace("$", " ")
    tex = " ".join(tex.split())
    while True:
        before = tex
        tex = _PROSE_END.sub("", tex).strip()
        tex = tex.rstrip(".,;:").strip()
        if tex == before:
            return tex
