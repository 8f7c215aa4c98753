"""The ``physics`` package's macros (and MathJax's physics extension), in plain LaTeX.

Notes written with ``\\usepackage{physics}`` use its macros without defining them:
``\\pdv{J}{w}`` for ``\\frac{\\partial J}{\\partial w}``, ``\\dv{L}{a}`` for ``\\frac{dL}{da}``,
``\\dd{z}`` for the differential (in Ng-style notes the name ``dz``), ``\\qty( … )`` for
parentheses that grow, ``\\vb{w}`` bold, ``\\vdot`` the dot product, ``\\mqty[ … ]`` a matrix,
``\\abs``, ``\\norm``, ``\\eval{f}_{x=a}`` the evaluated-at bar. Their arity varies (``\\pdv{x}``
is the operator, ``\\pdv{f}{x}`` the derivative, ``\\pdv[2]{f}{x}`` the second, ``\\pdv{f}{x}{y}``
the mixed one), so they are not ``macros.Macro``s with a fixed number of arguments.

``expand(tex, own)`` rewrites them into the LaTeX the rest of the reader knows; a name the note
defines itself (``own``) keeps the note's meaning (the note's macros are expanded before this).
It keeps every newline, so a document rewritten before its math is found keeps its lines.
"""

from __future__ import annotations

import re

from .macros import group_end

# \mqty( … ), \mqty[ … ], \mqty| … |, \mqty{ … } and the \pmqty{…} family: a matrix.
_MATRIX_ENVS = {"(": "pmatrix", "[": "bmatrix", "|": "vmatrix", "{": "matrix"}
_FAMILY = {"pmqty": "pmatrix", "bmqty": "bmatrix", "vmqty": "vmatrix", "Pmqty": "pmatrix"}
_QTY = {"pqty": "()", "bqty": "[]", "vqty": "||", "Bqty": "{}"}
_BRACKETS = {"(": ")", "[": "]", "|": "|", "{": "}"}
_PLAIN = {  # argument-less names
    "vdot": "\\cdot", "cross": "\\times", "cp": "\\times", "grad": "\\nabla",
    "tr": "\\operatorname{tr}", "Tr": "\\operatorname{Tr}", "qc": ",\\quad", "var": "\\delta",
}  # fmt: skip
_NAMES = (
    ["pdv", "dv", "dd", "qty", "mqty", "abs", "norm", "eval", "vb", "va", "vu", "qq", "pd", "od"]
    + list(_FAMILY) + list(_QTY) + list(_PLAIN)
)  # fmt: skip
_CALL = re.compile(r"\\(" + "|".join(sorted(_NAMES, key=len, reverse=True)) + r")(?![A-Za-z])(\*?)")


def _skip(tex: str, i: int) -> int:
    while i < len(tex) and tex[i] in " \t":
        i += 1
    return i


def _braced(tex: str, i: int) -> tuple[str, int] | None:
    """The content of a braced group at ``tex[i]`` (spaces before it skipped), or None."""
    i = _skip(tex, i)
    if tex[i : i + 1] != "{":
        return None
    end = group_end(tex, i)
    return (tex[i + 1 : end - 1], end) if end > 0 else None


def _bracketed(tex: str, i: int, open_: str) -> tuple[str, int] | None:
    """``open_`` … its closer at ``tex[i]``, nested brackets and braces counted, or None."""
    close = _BRACKETS[open_]
    if tex[i : i + 1] != open_:
        return None
    if open_ == "{":
        end = group_end(tex, i)
        return (tex[i + 1 : end - 1], end) if end > 0 else None
    depth, braces, j = 0, 0, i
    while j < len(tex):
        ch = tex[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "{":
            braces += 1
        elif ch == "}":
            braces -= 1
        elif braces == 0 and ch == close and (depth == 1 or open_ == close) and j > i:
            return tex[i + 1 : j], j + 1
        elif braces == 0 and ch == open_:
            depth += 1
        elif braces == 0 and ch == close:
            depth -= 1
        j += 1
    return None


def _optional(tex: str, i: int) -> tuple[str | None, int]:
    """An optional ``[n]`` argument at ``tex[i]``."""
    j = _skip(tex, i)
    if tex[j : j + 1] == "[":
        got = _bracketed(tex, j, "[")
        if got:
            return got
    return None, i


def _token(tex: str, i: int) -> tuple[str, int] | None:
    """A braced group or one token (``\\dd x``)."""
    got = _braced(tex, i)
    if got:
        return got
    j = _skip(tex, i)
    m = re.match(r"\\[A-Za-z]+|[A-Za-z0-9]", tex[j:])
    return (m.group(), j + m.end()) if m else None


def _derivative(d: str, tex: str, i: int) -> tuple[str, int] | None:
    order, i = _optional(tex, i)
    args = []
    most = 3 if d == "\\partial" else 2
    while len(args) < most and (got := _braced(tex, i)) is not None:
        args.append(got[0])
        i = got[1]
    if not args:
        return None
    power = f"^{{{order}}}" if order else ""
    if len(args) == 1:  # the operator: \pdv{x}( … ) or \pdv{x} f
        return f"\\frac{{{d}{power}}}{{{d} {args[0]}{power}}}", i
    if len(args) == 3 and d == "\\partial":  # mixed: \pdv{f}{x}{y}
        f, x, y = args
        return f"\\frac{{{d}^{{2}} {f}}}{{{d} {x} {d} {y}}}", i
    f, x = args[0], args[1]
    den = f"{d} {x}" if not order else f"{d} {{{x}}}^{{{order}}}"
    return f"\\frac{{{d}{power} {f}}}{{{den}}}", i


def _one(name: str, star: str, tex: str, i: int) -> tuple[str, int] | None:
    """The rewriting of the call ``\\name`` whose arguments start at ``tex[i]``, and its end."""
    if name in _PLAIN:
        return _PLAIN[name] + " ", i
    if name in ("pdv", "pd"):
        return _derivative("\\partial", tex, i)
    if name in ("dv", "od"):
        return _derivative("d", tex, i)
    if name == "dd":
        order, i = _optional(tex, i)
        got = _token(tex, i)
        if got is None:
            return "d", i
        power = f"^{{{order}}}" if order else ""
        arg = got[0].strip()
        simple = re.fullmatch(r"(?:\\(?:vb|mathbf|bm|boldsymbol)\s*\{)?[A-Za-z]\}?(?:[_^].*)?", arg)
        return (f"d{power}{arg}" if simple else f"d{power}({arg})"), got[1]
    if name in ("vb", "va", "vu"):
        got = _token(tex, i)
        if got is None:
            return None
        wrap = {"vb": "\\mathbf{%s}", "va": "\\vec{%s}", "vu": "\\hat{\\mathbf{%s}}"}[name]
        return wrap % got[0], got[1]
    if name == "qq":
        got = _braced(tex, i)
        return (f"\\quad\\text{{{got[0]}}}\\quad", got[1]) if got else None
    if name in ("abs", "norm"):
        got = _braced(tex, i)
        bar = "|" if name == "abs" else "\\|"
        return (f"\\left{bar} {got[0]} \\right{bar}", got[1]) if got else None
    j = _skip(tex, i)
    if name == "eval":  # \eval{f}_{x=a}, \eval{f}|_{x=a}, \eval(f)|_a
        open_ = tex[j : j + 1]
        got = _bracketed(tex, j, open_) if open_ in "({[" and open_ else None
        if got is None:
            return None
        k = _skip(tex, got[1])
        if tex[k : k + 1] == "|":
            k += 1
        return f"\\left. {got[0]} \\right|", k
    if name in ("qty", "mqty"):
        open_ = tex[j : j + 1]
        if open_ not in _BRACKETS or not open_:
            return None
        got = _bracketed(tex, j, open_)
        if got is None:
            return None
        if name == "mqty":
            env = _MATRIX_ENVS[open_]
            return f"\\begin{{{env}}}{got[0]}\\end{{{env}}}", got[1]
        left = "\\{" if open_ == "{" else open_
        right = "\\}" if open_ == "{" else _BRACKETS[open_]
        return f"\\left{left} {got[0]} \\right{right}", got[1]
    if name in _FAMILY:
        got = _braced(tex, i)
        env = _FAMILY[name]
        return (f"\\begin{{{env}}}{got[0]}\\end{{{env}}}", got[1]) if got else None
    if name in _QTY:
        got = _braced(tex, i)
        left, right = _QTY[name]
        if left == "{":
            left, right = "\\{", "\\}"
        return (f"\\left{left} {got[0]} \\right{right}", got[1]) if got else None
    return None


def expand(tex: str, own: dict | frozenset | set = frozenset(), depth: int = 0) -> str:
    """``tex`` with the physics package's macros rewritten (see the module doc); a name in
    ``own`` (the note's own macros) is left as it is."""
    if "\\" not in tex or depth > 40:  # deeper nesting than any note's: left as written
        return tex
    out, i, budget = [], 0, 5000
    while budget > 0 and (m := _CALL.search(tex, i)) is not None:
        budget -= 1
        if m.group(1) in own:
            out.append(tex[i : m.end()])
            i = m.end()
            continue
        got = _one(m.group(1), m.group(2), tex, m.end())
        if got is None:
            out.append(tex[i : m.end()])
            i = m.end()
            continue
        text, end = got
        # arguments may hold physics macros too (\qty(\pdv{J}{w}, …)); keep the newlines
        # of what was replaced so the document's lines stay where they were
        lost = tex[m.start() : end].count("\n") - text.count("\n")
        out.append(tex[i : m.start()] + expand(text, own, depth + 1) + "\n" * max(0, lost))
        i = end
    out.append(tex[i:])
    return "".join(out)
