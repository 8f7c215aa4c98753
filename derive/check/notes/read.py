"""Find the math in a student's notes (Markdown or LaTeX), with the line each piece is on.

``read_notes(text)`` returns the notes as a list of ``Segment``s in reading order:

- ``math``: one formula, as ``document.read_document`` reads it (see there): on the line where
  its right-hand side starts, the note's macros expanded and its presentation stripped; a
  display is split into its rows, a row that starts with ``=`` gets the left-hand side it
  continues (``lhs``), a ``cases`` row its ``condition`` (also left at the end of the text as
  ``\\quad \\text{if } i = j``); ``source`` and ``env`` say how the note wrote it.
- ``grid``: a matrix written out with one inline span per entry, several lines of the same
  number of spans and nothing else (``$w_1$ <tab> $w_2$`` on one line, ``$w_3$ $w_4$`` on
  the next), or a column of single spans. Entries must be single names or numbers.
- ``text``: whatever else is on a line (the checker uses it to tell adjacent formulas apart
  and to read shape sentences such as "[3x4] times [4x1] gives [3x1]").

Lines without any ``$``: transcribed handwriting often writes math bare, e.g.
``z1 = w1 x + B1`` or ``dC/dw2 = dz2/dw2 × dA2/dz2 × dC/dA2``. Such a line is read as math
(``plain=True``) when it has an ``=`` or an operator between numbers and every word in it is
math: one or two letters that are not an English word (``w1``, ``dC``), or a function name
(``sigmoid``, ``ReLU``, ``tanh``). Its plain notation is turned into LaTeX by
``plain_to_latex``: ``A2`` → ``A_{2}``, ``a(L-1)`` → ``a^{(L-1)}``, ``dC/dw2`` →
``\\frac{dC}{dw_{2}}``, ``∂C0/∂a(L)`` → ``\\frac{\\partial C_{0}}{\\partial a^{(L)}}``,
``σ``, ``δ``, ``×``, ``·``, ``−``, ``²`` → their LaTeX. Anything else is a sentence.

Formulas in plain text in Ng's course notation (``dZ[2] = A[2] - Y``, ``dW[2] = 1/m
dZ[2]A[1]'``, ``np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))``, ``d/da l(a,y) = …``) are read by
``plaintext.py``: on a Markdown line that uses the notation (a layer in brackets, a transpose
mark, numpy, ``.*``, ``d/d``), in a code fence whose every line is such a formula (a program's
fence stays code), and, in a note that writes its math so, on any line ending with a formula.

Code (fenced, indented, inline) and front matter in Markdown are otherwise skipped; ``%``
comments are dropped in LaTeX files and inside Markdown math.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from derive.engine.registry import NOTE_WORDS

from . import costwords, plaintext, scripts, tables, unifence
from .document import UNICODE, code_blocks, notebook_markdown, read_document
from .meaning import shapecalc

FUNCTION_WORDS = {*NOTE_WORDS, "exp", "log", "ln", "delta"}  # the registry's activations
_ENGLISH = {
    "a",
    "i",
    "is",
    "of",
    "in",
    "to",
    "at",
    "an",
    "as",
    "be",
    "by",
    "if",
    "it",
    "on",
    "or",
    "so",
    "we",
    "do",
    "no",
    "up",
    "us",
    "my",
    "me",
    "he",
    "am",
    "go",
    "ok",
}
_SIMPLE_ENTRY = re.compile(
    r"^\s*(-?\d+(\.\d+)?|\\?[A-Za-z]+(_\{?[A-Za-z0-9,]+\}?)?(\^\{\(?[A-Za-z0-9+-]+\)?\})?)\s*$"
)


@dataclass(frozen=True)
class Segment:
    kind: str  # "math" | "grid" | "text"
    line: int  # 1-based line where it starts
    text: str = ""  # the LaTeX of a formula, or the text of a line
    display: bool = False  # display math (its own line) rather than inline
    plain: bool = False  # read from a line without math delimiters
    cells: tuple[tuple[str, ...], ...] = ()  # a grid's entries, row by row
    end_line: int = 0
    source: str = ""  # how the math is delimited: $, $$, \\(, \\[, \\begin{align} …
    env: str = ""  # the row environment it stands in (align, aligned, cases …)
    lhs: str = ""  # the left-hand side a row starting with = continues
    condition: str = ""  # a case row's condition (i = j), a \\quad-separated one (l < L)
    span: int = -1  # the math span it stands in (rows and links of one display share it)


def stands_apart(seg: Segment, span: int, line: int) -> bool:
    """Whether a row opening with a relation stands apart from a formula with no head of its
    own (itself opening with "=") that ended on ``line`` in math span ``span``: neither in the
    same display nor on the next line. Each then continues a head that was not read (a plain
    fence's "Gradient = 2 × 2 × ... (10 times)"), and the two are no one chain."""
    return not (seg.span >= 0 and seg.span == span) and seg.line - line > 1


def read_notes(text: str, *, latex: bool | None = None) -> list[Segment]:
    """The notes as math, grid and text segments in reading order (see the module doc)."""
    doc = read_document(text, latex=latex)
    text_in, text = text, doc.text
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    lines = text.split("\n")

    def line_of(pos: int) -> int:
        return bisect.bisect_right(starts, pos)

    out: list[tuple[int, int, int, Segment]] = []  # (line, position, order, segment)
    inline_by_line: dict[int, list[tuple[int, int, str, int]]] = {}
    for index, span in enumerate(doc.spans):
        if not span.display:
            inline_by_line.setdefault(line_of(span.start), []).append(
                (span.start, span.end, text[span.cstart : span.cend], index)
            )
    # What is left on each line outside the spans is text (or plain math, or part of a grid).
    mask = list(text)
    for span in doc.spans:
        for i in range(span.start, span.end):
            if mask[i] != "\n":
                mask[i] = "\0"
    rest_lines = "".join(mask).split("\n")
    lines_info, layered = [], {}
    for no, rest in enumerate(rest_lines, start=1):
        has_display = "\0" in rest and no not in inline_by_line
        outside = scripts.plain(rest.replace("\0", " ").strip())  # z₁ as z1 (scripts.py)
        lines_info.append((no, outside, inline_by_line.get(no, []), has_display))
        if scripts.has_scripts(rest):  # a⁽ᵏ⁾ as a^{(k)} for plain_to_latex
            layered[no] = scripts.plain(rest.replace("\0", " ").strip(), layers=True)
    grids, in_grid = _grids(lines_info)
    for seg in grids:
        out.append((seg.line, starts[seg.line - 1], 0, seg))
    grid_spans = {s[3] for no in in_grid for s in inline_by_line.get(no, [])}
    for order, item in enumerate(doc.items):
        if item.span in grid_spans:
            continue
        # the condition stays in the text too, as notes write it, for readers of text alone
        cond = item.condition
        stated = cond == "otherwise" or re.search(r"[=<>]|\\(?:neq|ne|leq|geq|in)\b", cond)
        said = r"\text{otherwise}" if cond == "otherwise" else rf"\text{{if }} {cond}"
        formula = item.text + (rf" \quad {said}" if stated else "")
        start = doc.spans[item.span].start
        cell = tables.named(lines, item.line, start - starts[item.line - 1], formula)
        env = "table" if cell != formula else item.env  # HEADER = CELL: a table row's claim
        seg = Segment(
            "math", item.line, cell, display=item.display, end_line=item.end_line,
            source=item.source, env=env, lhs=item.lhs, condition=item.condition, span=item.span,
        )  # fmt: skip
        out.append((item.line, doc.spans[item.span].start, order, seg))
    # formulas in plain text (Ng's dz[2] = a[2] - y): in code fences that are math, and in
    # lines outside the math that use the notation (plaintext.py)
    fences = {} if doc.latex else _math_fences(text_in)
    marked = {no: o for no, o, inl, _ in lines_info if not inl and plaintext.marked(o)}
    # a⁽ᵏ⁾, f'(z⁽ᵏ⁾): a layer as a Unicode superscript is plain_to_latex's, not Ng's brackets
    marked = {
        no: o for no, o in marked.items() if no not in layered or not plain_to_latex(layered[no])
    }
    marked = {} if doc.latex else marked  # a LaTeX document's prose is prose
    marked = {no: o for no, o in marked.items() if "\0" not in rest_lines[no - 1]}
    style = plaintext.style_of([*fences.values(), *marked.values()])
    if fences or len(marked) >= 2:  # a note that writes plain formulas: its other plain lines
        for no, o, inl, _ in lines_info:
            if no in marked or inl or "=" not in o or "\0" in rest_lines[no - 1]:
                continue
            if plain_to_latex(o) is None and plaintext.formulas(o, style):
                marked[no] = o
    for no, body in [*fences.items(), *marked.items()]:
        parts = plaintext.formulas(body, style)
        if not parts:
            marked.pop(no, None)
        for col, tex in parts:
            seg = Segment("math", no, tex, True, True, end_line=no, source="plain")
            out.append((no, starts[no - 1] + col, 0, seg))
    if not doc.latex:  # fences of formulas typed in Unicode: ∂L/∂W = xᵀ · ∂L/∂y (unifence.py)
        found = [(no, [pair]) for no, pair in _unicode_fences(text_in).items()]
        found += unifence.layer_table(lines).items()  # | ReLU | max(0, x) | ∂L/∂y × (x > 0) |
        found += unifence.gradient_table(lines).items()  # | W₂ | (1/B) × A₁ᵀ × (Ŷ - Y) |
        for no, pairs in found:
            for k, (tex, lhs) in enumerate(pairs):
                seg = Segment("math", no, tex, True, True, end_line=no, source="plain", lhs=lhs)
                out.append((no, starts[no - 1] + k, 0, seg))
    if not doc.latex:  # formulas in inline code: `Z1 = X·W1 + b1` (plaintext.code_spans)
        for no, spans in _inline_code(text_in).items():
            for col, body in spans:
                parts = plaintext.formulas(body, style)
                for c2, tex in parts:
                    seg = Segment("math", no, tex, True, True, end_line=no, source="plain")
                    out.append((no, starts[no - 1] + col + c2, 0, seg))
                if not parts and shapecalc.reads(body, lines[no - 1]):
                    seg = Segment("math", no, body, True, True, end_line=no, source="shapes")
                    out.append((no, starts[no - 1] + col, 0, seg))
    for no, outside, inl, _ in lines_info:
        if no in in_grid or not outside or no in marked:
            continue
        pos = starts[no - 1] + len(rest_lines[no - 1]) - len(rest_lines[no - 1].lstrip())
        plain = None
        if not inl and "\0" not in rest_lines[no - 1]:
            plain = no in layered and plain_to_latex(layered[no]) or plain_to_latex(outside)
        if plain is not None and not doc.latex and shapecalc.reads(outside, outside):
            seg = Segment("math", no, outside, True, True, end_line=no, source="shapes")
            out.append((no, pos, 0, seg))  # [(10×3) · (3×4) = (10×4)]: shapes (shapecalc)
        elif plain is not None:
            out.append((no, pos, 0, Segment("math", no, plain, True, True, end_line=no)))
        else:
            out.append((no, pos, 0, Segment("text", no, outside, end_line=no)))
    out.sort(key=lambda t: (t[0], t[1], t[2]))
    return costwords.rename([seg for *_, seg in out])  # Loss = ...: the cost L (costwords.py)


def _inline_code(text: str) -> dict[int, list[tuple[int, str]]]:
    """The inline code spans outside code blocks that may hold a formula, by line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = notebook_markdown(text) or text
    code = {k + 1 for first, last, *_ in code_blocks(text) for k in range(first, last)}
    return plaintext.code_spans(text, code)


def _fences(text: str):
    """Each fenced code block that is not a ```math fence (read as LaTeX) nor an indented
    block (which stays code): its first line (0-based), its body's lines and its info string."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = notebook_markdown(text) or text
    lines = text.split("\n")
    for first, last, math, info in code_blocks(text):
        closed = last - 1 > first and re.match(r"\s*(`{3,}|~{3,})\s*$", lines[last - 1])
        if not math and re.match(r"\s*(`{3,}|~{3,})", lines[first]):
            yield first, lines[first + 1 : last - 1 if closed else last], info


def _math_fences(text: str) -> dict[int, str]:
    """The lines (1-based) of the code fences that hold formulas, not a program."""
    out = {}
    for first, body, info in _fences(text):
        if plaintext.fence_is_math("\n".join(body), info):
            for k, line in enumerate(body, start=first + 2):
                if line.strip():
                    out[k] = line
    return out


def _unicode_fences(text: str) -> dict[int, tuple[str, str]]:
    """The formulas (LaTeX, carried left-hand side) of the code fences that type their math in
    Unicode (unifence.py), by line (1-based); a fence plaintext.py reads is not one of them."""
    out = {}
    for first, body, info in _fences(text):
        if info.split()[:1] not in ([], ["text"], ["txt"], ["plain"], ["math"]):
            continue
        if plaintext.fence_is_math("\n".join(body), info):
            continue
        for k, found in unifence.fence_formulas(body).items():
            out[first + 2 + k] = found
    return out


def top_level(text: str, sep: str, opening: str = "{", closing: str = "}") -> list[int]:
    """Where ``sep`` stands in ``text`` outside environments and (unescaped) brackets."""
    cuts, depth, env, i = [], 0, 0, 0
    while i < len(text):
        if text.startswith("\\begin{", i):
            env += 1
        elif text.startswith("\\end{", i):
            env -= 1
        elif text[i] in opening and text[i - 1 : i] != "\\":
            depth += 1
        elif text[i] in closing and text[i - 1 : i] != "\\":
            depth -= 1
        elif text.startswith(sep, i) and depth == 0 and env == 0:
            cuts.append(i)
            i += len(sep)
            continue
        i += 1
    return cuts


def _grids(lines_info) -> tuple[list[Segment], set[int]]:
    """Runs of at least two lines holding only simple inline spans, the same count each."""
    grids, used, k = [], set(), 0
    while k < len(lines_info):
        no, outside, inl, disp = lines_info[k]
        if not _grid_line(outside, inl, disp):
            k += 1
            continue
        run = [lines_info[k]]
        j = k + 1
        while j < len(lines_info):
            cand = lines_info[j]
            if _grid_line(cand[1], cand[2], cand[3]) and len(cand[2]) == len(inl):
                run.append(cand)
                j += 1
            else:
                break
        if len(run) >= 2:
            cells = tuple(tuple(c[2].strip() for c in r[2]) for r in run)
            grids.append(Segment("grid", no, "", cells=cells, end_line=run[-1][0]))
            used.update(r[0] for r in run)
        k = j
    return grids, used


def _grid_line(outside: str, inl, has_display: bool) -> bool:
    return (
        bool(inl)
        and not outside
        and not has_display
        and all(_SIMPLE_ENTRY.match(c[2]) for c in inl)
    )


# a name: a letter, its number, its layer (``a(L-1)``, or a Unicode superscript read as
# ``^{(k-1)}`` by ``scripts.plain(layers=True)``)
# ``^{(k-1)}`` by ``scripts.plain(layers=True)``); an index after _ (``z_i``, ``δ_ij``, ``y_{j}``)
_PLAIN_NAME = (
    r"(?:[A-Za-zσδŷŶ](?:_?\d+|_\{[A-Za-z0-9]{1,3}\}|_[A-Za-z]{1,2}(?![A-Za-z]))?"
    r"(?:\((?:L(?:-\d+)?|\d+)\)|\^\{\([A-Za-z0-9+-]+\)\})?)"
)
_NAME_PARTS = re.compile(
    r"([A-Za-zσδŷŶ])(?:_?(\d+)|_\{([A-Za-z0-9]{1,3})\}|_([A-Za-z]{1,2}))?"
    r"(?:\((L(?:-\d+)?|\d+)\)|\^\{\((.+)\)\})?"
)


def plain_to_latex(line: str, words: frozenset = frozenset()) -> str | None:
    """LaTeX for a line of bare math (see the module doc), or None for a sentence; ``words``
    are more function names the caller's context allows (``sum``, ``max`` in a fence of
    formulas, ``unifence.py``)."""
    body = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line).strip().rstrip(".,;")
    if not body or body.endswith(":") or "?" in body or "$" in body:
        return None
    for word in re.findall(r"[A-Za-z]+", re.sub(r"_\{?[A-Za-z0-9]+\}?", "", body)):  # not z_i
        low = word.lower()
        if low in FUNCTION_WORDS or word in words:
            continue
        if len(word) > 2 or low in _ENGLISH and not re.search(rf"\b{word}\s*[=(_^\d]", body):
            return None
    arithmetic = re.search(r"\d\s*[-+*/×·−]\s*\d", body)
    if "=" not in body and not arithmetic:
        return None

    def name(tok: str) -> str:
        m = _NAME_PARTS.fullmatch(tok)
        if not m:
            return tok
        out = {"σ": r"\sigma ", "δ": r"\delta ", "ŷ": r"\hat{y}", "Ŷ": r"\hat{Y}"}.get(
            m.group(1), m.group(1)
        )
        sub = m.group(2) or m.group(3) or m.group(4)
        if sub:
            out += f"_{{{sub}}}"
        if m.group(5) or m.group(6):
            out += f"^{{({m.group(5) or m.group(6)})}}"
        return out

    def frac(m: re.Match) -> str:
        d = "d" if m.group(1) == "d" else r"\partial "
        return rf"\frac{{{d}{name(m.group(2))}}}{{{d}{name(m.group(4))}}}"

    body = re.sub(rf"(d|∂)\s*({_PLAIN_NAME})\s*/\s*(d|∂)\s*({_PLAIN_NAME})", frac, body)
    body = re.sub(
        rf"(?<![A-Za-z\\{{]){_PLAIN_NAME}(?![A-Za-z])",
        lambda m: m.group() if m.group().lower() in FUNCTION_WORDS | words else name(m.group()),
        body,
    )
    body = body.replace("**", "^").replace("*", r"\cdot ")
    for uni, tex in UNICODE.items():
        body = body.replace(uni, tex)
    return body
