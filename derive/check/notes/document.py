"""A note read as its author wrote it: the formulas it states, each on its line, clean.

Interface (for the checker and the meaning model): ``read_document(text, latex=None)``
returns a ``Document`` whose ``items`` are ``Item``s in reading order, one per formula:

- ``line``: the 1-based line where the formula's right-hand side starts (a left-hand side
  alone on the line before is not a line of its own; a chain ``A = B = C`` written on three
  lines gives three items, ``A = B``, ``A = C`` … each on the line of its right side);
- ``text``: the whole formula as the author meant it: the note's own macros expanded
  (``\\newcommand``, ``\\renewcommand``, ``\\def``, ``\\gdef``), presentation stripped
  (``\\label``, ``\\tag``, colours, boxes, bold, ``\\left``/``\\right``, a prose ``\\text`` at
  the end, trailing punctuation; see ``macros.present``), alignment ``&`` and row breaks gone,
  and a row that starts with ``=`` given the left-hand side it continues;
- ``lhs``: that carried left-hand side, when the row continued one (else ``""``);
- ``condition``: what the author attached to the formula: a ``cases`` row's condition
  (``i = j``, ``otherwise``), or a ``\\quad``-separated condition (``l < L``);
- ``source``: how the note delimits the math: ``$``, ``$$``, ``\\(``, ``\\[``, kramdown's
  ``\\\\(`` / ``\\\\[``, or ``\\begin{align}`` (a LaTeX environment outside ``$$``);
- ``env``: the innermost row environment (``align``, ``aligned``, ``eqnarray``, ``cases`` …)
  or ``""``; ``display``: display math rather than inline; ``raw``: the author's text of the
  piece; ``end_line``: where it ends; ``span``: the index of its math span in ``spans``.

A Jupyter notebook is read through its markdown cells (``notebook_markdown``), on the
lines of the file. Where the math is: in Markdown, the block structure (fenced and indented
code, front matter) comes from markdown-it-py, whose block tokens carry their lines; the math
inside the rest is found by a scanner that keeps exact offsets (markdown-it's inline math
tokens carry no position, and it does not know kramdown's escaped ``\\\\( … \\\\)``). In
LaTeX, ``%`` comments are dropped and the display environments are read wherever they stand.

Rows: a display is split at its top-level ``\\\\`` (``\\\\[4pt]`` too), each row's ``&``
columns are joined (an annotation column with ``\\mbox``/``\\text``, or an empty one, is
dropped; a second equation in the row is its own item); ``\\quad``-separated formulas are
separate items; ``A \\Rightarrow B`` chains of formulas are split; a ``cases`` environment (or
``\\left\\{`` … ``\\right.``) gives one item per case row.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import json
import re
import string
from dataclasses import dataclass, field

from . import adjoints, evalbar, physics, scripts
from . import macros as mac

_ROW_ENVS = {
    "equation", "equation*", "align", "align*", "aligned", "gather", "gather*", "gathered",
    "multline", "multline*", "eqnarray", "eqnarray*", "split", "flalign", "flalign*",
    "alignat", "alignat*", "alignedat", "displaymath", "math",
}  # fmt: skip
_CASE_ENVS = ("cases", "dcases", "rcases", "cases*")
_RELATION_WORDS = {"equiv", "approx", "coloneqq", "triangleq", "doteq", "eqqcolon", "simeq"}
_CHAIN_WORDS = {"Rightarrow", "implies", "Longrightarrow", "iff", "Leftrightarrow", "therefore",
                "rightarrow", "to", "longrightarrow"}  # fmt: skip
_CONDITION_WORDS = (
    r"(?:if|si|for|für|falls|wenn|when|where|pour|avec|với|nếu|khi|otherwise|sinon|sonst|else)"
)
_NOT_RELATION_BEFORE = "<>!\\"


@dataclass(frozen=True)
class Item:
    line: int
    text: str
    source: str
    env: str = ""
    display: bool = False
    lhs: str = ""
    condition: str = ""
    raw: str = ""
    end_line: int = 0
    span: int = -1


@dataclass(frozen=True)
class Span:
    start: int  # the delimiters included
    end: int
    cstart: int  # the content
    cend: int
    display: bool
    source: str


@dataclass
class Document:
    text: str  # the note with comments, code and definitions blanked (same lines and offsets)
    latex: bool
    spans: list[Span] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    macros: dict[str, mac.Macro] = field(default_factory=dict)


def is_latex(text: str) -> bool:
    """A LaTeX document: ``\\documentclass`` or ``\\begin{document}`` opening a line, not
    shown in a Markdown code fence before it."""
    m = re.search(r"(?m)^[ \t]*\\(?:documentclass|begin\{document\})", text)
    return bool(m) and "```" not in text[: m.start()]


def read_document(text: str, *, latex: bool | None = None) -> Document:
    """The note's formulas (see the module doc)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cells = notebook_markdown(text)
    if cells is not None:
        text, latex = cells, False
    latex = is_latex(text) if latex is None else latex
    text = _blank_comments(text) if latex else _unescape(_mask_markdown(text))
    # the physics package's \mqty[a & b] holds rows and columns: rewritten before the rows are cut
    text = physics.expand(text, own=mac.definitions(text)[0])
    spans = _find_spans(text, latex)
    if not latex:  # MathJax and KaTeX read % comments inside math
        text = _replace(text, [(sp.cstart, sp.cend, _blank_comments) for sp in spans])
    macros, defs = mac.definitions(text)
    text = _replace(text, [(start, end, _blank) for start, end in defs])
    if not latex:
        macros = mac.builtins(macros)
    macros = adjoints.declared(text, macros)  # \overline{z} stated as dL/dz (CSC321)
    doc = Document(text, latex, spans, macros=macros)
    _Reader(doc).run()
    return doc


# ---------------------------------------------------------------------- the text
def _replace(text: str, edits) -> str:
    """``text`` with each (start, end, how) range, in order and apart, replaced by
    ``how(text[start:end])`` (of the same length), in one pass."""
    out, last = [], 0
    for start, end, how in edits:
        out += [text[last:start], how(text[start:end])]
        last = end
    return "".join(out) + text[last:]


def notebook_markdown(text: str) -> str | None:
    """A Jupyter notebook's markdown cells as Markdown, each source line on the line of the
    file that holds it (nbformat writes one source line per file line), so the report's
    lines are the file's; code and output cells are left out. ``None`` when ``text`` is not a
    notebook. A notebook written otherwise (one line of JSON) gets its cells one after the
    other, a blank line between them."""
    if not text.lstrip().startswith("{") or '"cells"' not in text:
        return None
    try:
        book = json.loads(text)
    except ValueError:
        return None
    if not isinstance(book, dict) or not isinstance(book.get("cells"), list):
        return None
    cells = []  # each markdown cell's source: a list of lines, or one string
    for cell in book["cells"]:
        if isinstance(cell, dict) and cell.get("cell_type") == "markdown":
            source = cell.get("source", [])
            if isinstance(source, str):
                cells.append(source)
            elif isinstance(source, list):
                cells.append([p for p in source if isinstance(p, str)])
    lines = text.split("\n")
    out = [""] * len(lines)
    cursor = 0
    for source in cells:
        for piece in [source] if isinstance(source, str) else source:
            forms = (json.dumps(piece, ensure_ascii=False), json.dumps(piece))
            while cursor < len(lines) and not _holds(lines[cursor], forms):
                cursor += 1
            if cursor == len(lines):  # not one source line per file line: cells in a row
                return "\n\n".join("".join(source) for source in cells) + "\n"
            out[cursor] = piece.rstrip("\n").replace("\n", " ")  # a one-string cell: one line
            cursor += 1
    return "\n".join(out)


def _holds(line: str, forms: tuple[str, str]) -> bool:
    """Whether a notebook's line is one of its source strings (or a one-string source)."""
    line = line.strip().rstrip(",")
    line = re.sub(r'^"source"\s*:\s*', "", line)
    return line in forms


def _blank(s: str) -> str:
    return re.sub(r"[^\n]", " ", s)


def _blank_comments(text: str) -> str:
    return re.sub(r"(?<!\\)%[^\n]*", lambda m: " " * len(m.group()), text)


_ESCAPED_ENV = re.compile(r"\\(begin|end)\{([A-Za-z]+)\\\*\}")


def _unescape(text: str) -> str:
    """Math typed for a Markdown engine that applies its backslash escapes before MathJax
    (gollum wikis, some Jekyll and Hugo setups): ``\\begin{align\\*}``, rows ending in
    ``\\\\\\\\``, ``\\^`` for ^. A note that escapes an environment's star so is read as
    rendered: the star, its environments' row breaks and every ``\\^`` unescaped (each
    replacement as long as the text it replaces, so lines keep their numbers)."""
    found = [m for m in _ESCAPED_ENV.finditer(text) if m.group(2) + "*" in _ROW_ENVS]
    if not found:
        return text
    text = _ESCAPED_ENV.sub(lambda m: f"\\{m.group(1)}{{{m.group(2)}*}} ", text)
    out, i = [], 0
    for m in re.finditer(r"\\begin\{([A-Za-z]+\*?)\}", text):
        if m.start() < i or m.group(1) not in _ROW_ENVS:
            continue
        close = text.find(f"\\end{{{m.group(1)}}}", m.end())
        if close < 0:
            continue
        out.append(text[i : m.end()] + text[m.end() : close].replace("\\\\\\\\", "\\\\  "))
        i = close
    text = "".join(out) + text[i:]
    return re.sub(r"(?<!\\)\\\^", " ^", text)


def _mask_markdown(text: str) -> str:
    """Blank out code (fenced, indented, inline), front matter (YAML or TOML), HTML comments
    and blockquote markers."""
    lines = text.split("\n")
    for first, last, math in _code_blocks(text):
        for k in range(first, min(last, len(lines))):
            if not math:
                lines[k] = ""
            elif k in (first, last - 1) and re.match(r"\s*(`{3,}|~{3,})", lines[k]):
                lines[k] = "$$"  # GitHub's ```math block is display math
    text = "\n".join(lines)
    text = re.sub(r"\$`([^`\n]+)`\$", r"$ \1 $", text)  # GitHub's inline $`…`$
    # a blockquote's > markers stand inside its math too: > $$ … \n > … $$
    text = re.sub(
        r"(?m)^([ \t]*)((?:>[ \t]?)+)", lambda m: m.group(1) + " " * len(m.group(2)), text
    )
    toml = re.match(r"\+\+\+[ \t]*\n.*?\n\+\+\+[ \t]*(?=\n|$)", text, re.S)  # Hugo's front matter
    if toml:
        text = _blank(toml.group()) + text[toml.end() :]
    text = re.sub(r"<!--.*?-->", lambda m: _blank(m.group()), text, flags=re.S)
    return re.sub(r"(?<!`)`[^`\n]+`(?!`)", lambda m: " " * len(m.group()), text)


@functools.cache
def _markdown():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.amsmath import amsmath_plugin
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark").enable("table")
    # the math plugins keep a $$ block or an align indented in a list from reading as code
    md.use(front_matter_plugin).use(dollarmath_plugin, double_inline=True)
    return md.use(amsmath_plugin)


_INLINE_TEX = re.compile(r"\$[^$\n]*[\\^_][^$\n]*\$")


def _code_blocks(text: str) -> list[tuple[int, int, bool]]:
    """0-based [first, last) line ranges of code and front matter, from markdown-it's blocks,
    each with whether it is math: a ```math fence (GitHub renders it), or a ```latex / ```tex
    fence holding a formula rather than a document."""
    return [block[:3] for block in code_blocks(text)]


def code_blocks(text: str) -> list[tuple[int, int, bool, str]]:
    """``_code_blocks`` with each block's info string (a fence's language, else "")."""
    try:
        tokens = _markdown().parse(text)
    except Exception:  # a parser failure must not stop the reading: no code then
        return []
    out = []
    for t in tokens:
        if t.type == "code_block" and _INLINE_TEX.search(t.content):
            continue  # pseudocode indented under a list or a quote, its math in $...$: prose
        if t.type in ("fence", "code_block", "front_matter") and t.map:
            info = t.info.strip().lower() if t.type == "fence" else ""
            formula = info in ("latex", "tex", "katex") and "=" in t.content
            document = re.search(r"\\(documentclass|usepackage|begin\{document\})", t.content)
            out.append((t.map[0], t.map[1], info == "math" or formula and not document, info))
    return out


_SCRIPT = re.compile(r"<script\s+type=[\"']math/tex(;\s*mode=display)?[\"']\s*>")
# Hugo's shortcodes around math: {{< displaymath >}} ... {{< /displaymath >}}, {{< katex display >}}
_SHORTCODE = re.compile(
    r"\{\{([<%])\s*(displaymath|math|katex|mathjax|latex|tex|equation)\b([^{}<>%]*)[>%]\}\}"
)


def _find_spans(text: str, latex: bool) -> list[Span]:
    """The math spans of the note, in order."""
    spans, i, n = [], 0, len(text)
    env_open = re.compile(r"\\begin\{([A-Za-z]+\*?)\}")
    while i < n:
        ch = text[i]
        if ch == "\\":
            if not latex and text.startswith(("\\\\(", "\\\\["), i):  # kramdown's escaped math
                close = text.find("\\\\)" if text[i + 2] == "(" else "\\\\]", i + 3)
                if close >= 0:
                    display = text[i + 2] == "["
                    spans.append(Span(i, close + 3, i + 3, close, display, text[i : i + 3]))
                    i = close + 3
                    continue
            two = text[i : i + 2]
            if two in ("\\[", "\\("):
                close = text.find("\\]" if two == "\\[" else "\\)", i + 2)
                if close >= 0 and (two == "\\[" or not re.search(r"\n\s*\n", text[i:close])):
                    spans.append(Span(i, close + 2, i + 2, close, two == "\\[", two))
                    i = close + 2
                    continue
            m = env_open.match(text, i)
            if m and m.group(1) in _ROW_ENVS:
                close = _env_end(text, m.end(), m.group(1))
                if close >= 0:
                    spans.append(Span(i, close, i, close, True, m.group()))
                    i = close
                    continue
            word = re.match(r"\\(?:[A-Za-z]+|.)", text[i:], re.S)
            i += word.end() if word else 1
            continue
        if ch == "<" and not latex:
            # MathJax's script element (Jekyll, kramdown): <script type="math/tex">...</script>
            m = _SCRIPT.match(text, i)
            close = text.find("</script>", m.end()) if m else -1
            if close >= 0:
                spans.append(Span(i, close + 9, m.end(), close, bool(m.group(1)), "$$"))
                i = close + 9
                continue
        if ch == "{" and not latex:
            m = _SHORTCODE.match(text, i)
            if m:
                end = re.compile(r"\{\{[<%]\s*/\s*" + m.group(2) + r"\s*[>%]\}\}").search(
                    text, m.end()
                )
                if end:
                    body = text[m.end() : end.start()]
                    display = "display" in m.group(2) + m.group(3) or body.startswith(("\n", " \n"))
                    spans.append(Span(i, end.end(), m.end(), end.start(), display, "$$"))
                    i = end.end()
                    continue
        if ch == "$":
            if text.startswith("$$", i):
                close = text.find("$$", i + 2)
                while close > 0 and text[close - 1] == "\\":
                    close = text.find("$$", close + 1)
                if not latex and _table_row_ends(text, i, close):
                    i += 2  # an empty $$ cell of a table row (|$$|): no span out of the row
                    continue
                if close >= 0:
                    spans.append(Span(i, close + 2, i + 2, close, True, "$$"))
                    i = close + 2
                else:
                    i += 2
                continue
            close = _inline_close(text, i + 1)
            if close > i + 1:
                spans.append(Span(i, close + 1, i + 1, close, False, "$"))
                i = close + 1
                continue
        i += 1
    return spans


# Characters typed for their TeX (∂, −, ∑): the formula as TeX, for every reader after this one.
UNICODE = {
    "−": "-",
    "–": "-",
    "×": r"\times ",
    "·": r"\cdot ",
    "⋅": r"\cdot ",
    "σ": r"\sigma ",
    "δ": r"\delta ",
    "∂": r"\partial ",
    "²": "^{2}",
    "³": "^{3}",
    "′": "'",
    "Δ": r"\Delta ",
    "∑": r"\sum ",
    "≈": r"\approx ",
    "→": r"\rightarrow ",
    "⊙": r"\odot ",
    "←": r"\leftarrow ",
}

# full-width digits and Latin letters (U+FF10…) as their ASCII forms
_FULL_WIDTH = {ord(c) + 0xFEE0: ord(c) for c in "0123456789" + string.ascii_letters}


_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _table_row_ends(text: str, i: int, close: int) -> bool:
    """Whether the ``$$`` at ``i`` stands in a Markdown table row (a line opening with ``|``)
    and finds no closing ``$$`` on that line: a cell cannot hold a line break, so a ``$$``
    that would close on a later row is an empty cell, not display math."""
    start = text.rfind("\n", 0, i) + 1
    end = text.find("\n", i)
    end = len(text) if end < 0 else end
    return text[start:i].lstrip().startswith("|") and not 0 <= close < end


_ALONE = re.compile(r"[ \t]*\$[ \t]*")


def _line_at(text: str, i: int) -> str:
    """The whole line of the text that holds offset ``i``."""
    start = text.rfind("\n", 0, i) + 1
    end = text.find("\n", i)
    return text[start : len(text) if end < 0 else end]


def _inline_close(text: str, i: int) -> int:
    """The ``$`` closing an inline span opened before ``i``: outside ``\\text{…}`` groups
    (``$\\text{cost, $C$}$``), before a blank line, not followed by a digit (``$5 or $10`` are
    prices); a span over several lines must also hug its dollars (``$a =\\n b$``, pandoc's
    rule), so a stray ``$`` does not swallow the paragraph. -1 when there is none."""
    start, depth = i, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif ch == "$" and depth == 0:
            if text.startswith("$$", i):
                return -1
            if text[i + 1 : i + 2].isdigit():
                i += 1
                continue
            # each dollar hugs the formula, or stands alone on its line (Typora, Obsidian;
            # students mix the two: ``$`` alone, the rows, ``…)$``)
            opens = not text[start : start + 1].isspace() or _ALONE.fullmatch(
                _line_at(text, start - 1)
            )
            closes = not text[i - 1].isspace() or _ALONE.fullmatch(_line_at(text, i))
            return i if opens and closes or "\n" not in text[start:i] else -1
        elif ch == "\n" and _BLANK_LINE.match(text, i):
            return -1
        i += 1
    return -1


def _env_end(text: str, i: int, env: str) -> int:
    """The end of ``\\end{env}`` closing the environment whose content starts at ``i``."""
    begin, end = f"\\begin{{{env}}}", f"\\end{{{env}}}"
    depth = 1
    while depth:
        nb, ne = text.find(begin, i), text.find(end, i)
        if ne < 0:
            return -1
        if 0 <= nb < ne:
            depth, i = depth + 1, nb + len(begin)
        else:
            depth, i = depth - 1, ne + len(end)
    return i


# ---------------------------------------------------------------------- scanning helpers
_SPECIAL = set("\\{}()[]&=:,")  # where a group, an environment or a matched cut can start
_SPECIAL_RE = re.compile(r"[\\{}()\[\]&=:,]")
_WORD = re.compile(r"\\(?:[A-Za-z]+|.)", re.S)
_ROW_BREAK = re.compile(r"\\\\\*?(\s*\[[^\]\n]*\])?")
_CONTROL = re.compile(r"\\([A-Za-z]+)(?![A-Za-z])")
_SEPARATOR = re.compile(r"(?:,?\s*(?:\\q?quad(?![A-Za-z])|\\hspace\*?\{[^{}]*\})\s*)+")
_CHAIN = re.compile(r",(?:\s*\\[;:, ])*|\\(?:text|mbox)\{\s*(?:and|und|et|và|y|e)\s*\}")


def _cuts(s: str, match, brackets: str = "{}") -> list[tuple[int, int]]:
    """(start, end) of the matches of ``match(s, i) -> end or 0`` outside groups and
    environments; ``brackets`` pairs the openers and closers that make a group."""
    opens, closes = brackets[0::2], brackets[1::2]
    out, depth, env, i = [], 0, 0, 0
    while i < len(s):
        ch = s[i]
        if ch not in _SPECIAL:  # nothing any matcher starts at: jump to what could be
            nxt = _SPECIAL_RE.search(s, i)
            if nxt is None:
                break
            i, ch = nxt.start(), nxt.group()
        if ch == "\\" and s.startswith("\\begin{", i):
            env += 1
        elif ch == "\\" and s.startswith("\\end{", i):
            env = max(0, env - 1)
        elif ch == "\\" and s[i + 1 : i + 2] in ("{", "}"):
            i += 2
            continue
        elif ch in opens:
            depth += 1
        elif ch in closes:
            depth = max(0, depth - 1)
        if depth == 0 and env == 0:
            end = match(s, i)
            if end:
                out.append((i, end))
                i = end
                continue
        if ch == "\\" and not s.startswith(("\\begin{", "\\end{"), i):
            word = _WORD.match(s, i)
            if word:
                i = word.end()
                continue
        i += 1
    return out


def _row_break(s: str, i: int) -> int:
    m = _ROW_BREAK.match(s, i) if s[i] == "\\" else None
    return m.end() if m else 0


def _equation_rows(inner: str) -> str:
    """A ``matrix`` used to stack equations (``a^{(1)}=x \\\\ z^{(2)}=\\Theta^{(1)}a^{(1)} \\\\
    a^{(2)}=g(z^{(2)}) & add & a_0^{(2)}``), when every row's first cell holds a relation: the
    first cells, the other cells (remarks) blanked in place; else "" (a matrix of entries)."""
    out, last, rows = list(inner), 0, 0
    for start, end in [*_cuts(inner, _row_break), (len(inner), len(inner))]:
        row = inner[last:start]
        if row.strip():
            amps = _cuts(row, _ampersand)
            first = row[: amps[0][0]] if amps else row
            if not _has_relation(first):
                return ""
            rows += 1
            for j in range(last + len(first), start):
                out[j] = "\n" if out[j] == "\n" else " "
        last = end
    return "".join(out) if rows > 1 else ""


def _ampersand(s: str, i: int) -> int:
    return i + 1 if s[i] == "&" else 0


def _relation(s: str, i: int) -> int:
    ch = s[i]
    if ch in ":=" and s.startswith((":=", "=:"), i):
        return i + 2
    if ch == "=" and (i == 0 or s[i - 1] not in _NOT_RELATION_BEFORE):
        return i + 1
    if ch == "\\":
        m = _CONTROL.match(s, i)
        if m and m.group(1) in _RELATION_WORDS:
            return m.end()
    return 0


def _separator(s: str, i: int) -> int:
    """``\\quad``, ``\\qquad`` (and runs of them), ``\\hspace{…}``: formulas side by side."""
    if s[i] not in ",\\":
        return 0
    m = _SEPARATOR.match(s, i)
    return m.end() if m and m.group().strip(", ") else 0


def _chain(s: str, i: int) -> int:
    """A separator that splits only when both sides are formulas: ``\\Rightarrow``, a comma
    (``a = 1, b = 2``), ``\\text{ and }``."""
    if s[i] == "\\":
        m = _CONTROL.match(s, i)
        if m and m.group(1) in _CHAIN_WORDS:
            return m.end()
    elif s[i] != ",":
        return 0
    m = _CHAIN.match(s, i)
    return m.end() if m else 0


def _has_relation(s: str) -> bool:
    return bool(_cuts(s, _relation, "{}()[]"))


# a quantifier's range, alone: \forall k = 1(1)L (1 in steps of 1 up to L), k = 1, 2, \dots, L,
# i = 1, \cdots, N
_RANGE = re.compile(
    r"\s*(?:\\forall(?:\s|\\[,;:! ])*)?(?:[a-z]\s*(?:=|\\in)\s*\{?\s*(?:1\s*\(\s*1\s*\)\s*"
    r"(?:\\overline\s*\{[^{}]*\}|[A-Za-z0-9+\-\s]+)|1\s*,\s*(?:2\s*,\s*)?\\[lc]?dots\s*,\s*"
    r"[A-Za-z0-9+\-\s]+)\s*\}?)?\s*[.,;]?\s*"
)


# a formula introduced as an aside in the middle of a chain (", \text{ recall } \frac{d}{dx}
# \frac{g}{h} = …"): the rows after it continue the chain before it
_ASIDE = re.compile(r"\s*\\(?:text|mbox)\s*\{\s*(?:recall|note|since|using)\b", re.I)


def _unbox(s: str) -> str:
    """``\\boxed{… = … \\quad (i \\neq j)}``, ``\\boxed{… = \\begin{cases} … \\end{cases}}``: a
    whole formula in a box is read as if unboxed before it is cut into its pieces (its
    separators and cases are inside the box's braces), the box blanked out in place so that
    every offset keeps its line."""
    m = re.match(r"\s*\\(?:boxed|fbox)\s*(?=\{)", s)
    if not m:
        return s
    end = mac._group(s, m.end())
    if end < 0 or s[end:].strip() or not _has_relation(s[m.end() + 1 : end - 1]):
        return s
    return " " * m.end() + " " + s[m.end() + 1 : end - 1] + " " + s[end:]


def _is_range(s: str) -> bool:
    """``\\forall``, ``k = 1(1)L``, ``\\forall k = 1, 2, \\dots, L``: the range a formula beside
    it holds for, never a claim (the layer or entry letter stays general)."""
    return bool(s.strip()) and _RANGE.fullmatch(s) is not None


def _unparen(s: str) -> str:
    """``(i \\neq j)`` after a ``\\quad``: the condition in parentheses."""
    m = re.fullmatch(r"\s*\(\s*([A-Za-z]\s*(?:=|\\neq?(?![A-Za-z]))\s*[A-Za-z])\s*\)\s*[.,]?\s*", s)
    return m.group(1) if m else s


def _is_condition(s: str) -> bool:
    """``i = j``, ``i \\neq j``, ``l < L:``, ``\\text{if } k = j``: a condition, not a claim."""
    t = re.sub(r"\\(?:text|mbox|textrm)\s*\{[^{}]*\}", " ", _unparen(s))
    t = re.sub(r"\\(?:neq|ne|leq|le|geq|ge|in|notin|dots|ldots|cdots)(?![A-Za-z])", " < ", t)
    t = t.strip(" ,.;:")
    side = r"\s*[A-Za-z](?:\s*[-+]\s*\d)?\s*|\s*\d+\s*"
    words = re.match(rf"\s*\\(?:text|mbox)\s*\{{\s*{_CONDITION_WORDS}\b", s)
    simple = re.fullmatch(rf"(?:{side})(?:[=<>,]+(?:{side}))+", t)
    return bool(simple) or (bool(words) and len(t) < 40)


# ---------------------------------------------------------------------- the reader
class _Reader:
    """Turns the note's math spans into ``Item``s: displays into rows, rows into formulas."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.text = doc.text
        self.starts = [0] + [k + 1 for k, ch in enumerate(self.text) if ch == "\n"]
        self.carry = ""  # the left-hand side a row starting with = continues (across spans too)
        self.span = -1
        self.current: Span | None = None
        # a display ending in "=" (its value in the next display): that display's span and end
        self.dangling: tuple[int, int] | None = None
        self.chain_span = -1  # the span the display being read continues, or -1

    def line(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos)

    def run(self) -> None:
        for index, span in enumerate(self.doc.spans):
            self.span = index
            self.current = span
            self.chain_span = -1
            gap = self.text[self.dangling[1] : span.start] if self.dangling else "x"
            if span.display and not gap.strip():  # "… =", then after a blank line "…" goes on
                self.chain_span = self.dangling[0]
            self.dangling = None
            first = len(self.doc.items)
            self._block(span.cstart, self.text[span.cstart : span.cend], "")
            case = self._case_before(index) if span.display else ""
            for k in range(first, len(self.doc.items)):
                if case and not self.doc.items[k].condition:
                    self.doc.items[k] = dataclasses.replace(self.doc.items[k], condition=case)

    def _case_before(self, index: int) -> str:
        """The case a display is written for when the prose line just before it states one
        and nothing else, about an index of the display: ``**Case 2:** $j \\neq c$ (wrong
        class)``, then the display."""
        span = self.doc.spans[index]
        if index == 0:
            return ""
        prev = self.doc.spans[index - 1]
        if prev.display or self.line(prev.start) != self.line(span.start) - 1:
            return ""
        line_no = self.line(prev.start)
        line = self.text[self.starts[line_no - 1] : span.start].split("\n")[0]
        if line.count("$") != 2 or len(line) > 120:  # one inline span on the line, a short one
            return ""
        tex = self.text[prev.cstart : prev.cend]
        simple = re.fullmatch(r"\s*([A-Za-z])\s*(?:=|\\neq|\\ne)\s*([A-Za-z])\s*", tex)
        # an index of the display's formulas, not a formula of its own ($a = b$)
        body = self.text[span.cstart : span.cend]
        indices = set(re.findall(r"_\{?\s*([A-Za-z])(?![A-Za-z])", body))
        return self._condition(tex) if simple and indices & set(simple.groups()) else ""

    # A display's content: peel the row environment that wraps it, then its rows.
    def _block(self, base: int, s: str, env: str) -> None:
        lead = _LEAD.match(s).end()  # \tag{3} alone before \begin{aligned}; a row's &
        m = re.match(r"\\begin\{([A-Za-z]+\*?)\}(\{[^{}]*\})?", s[lead:])
        if m and (m.group(1) in _ROW_ENVS or m.group(1) in ("array", "matrix")):
            inner_start = lead + m.end()
            close = _env_end(s, inner_start, m.group(1))
            tail = s[close:] if close >= 0 else "x"
            if close >= 0 and not re.sub(r"\\(label|tag)\{[^{}]*\}|[\s.,;]", "", tail):
                end_tag = close - len(f"\\end{{{m.group(1)}}}")
                inner, env = s[inner_start:end_tag], m.group(1)
                if env == "array":  # {rcl} rows a & = & b: aligned equations, not a matrix
                    if not re.search(r"&\s*(?:=|:=|\\equiv)", inner):
                        inner = ""
                    env = "eqnarray" if re.search(r"&\s*(?:=|:=|\\equiv)\s*&", inner) else "align"
                elif env == "matrix":  # equations stacked in a matrix: each row's first cell
                    inner, env = _equation_rows(inner), "gather"
                if inner:
                    self._block(base + inner_start, inner, env)
                    return
        # {…} around it all, or a font wrapping the whole formula (\mathrm{Z_1 = X W_1 + b_1})
        group = re.match(r"(?:\\displaystyle\s*)?(?:\\(?:mathrm|textrm|rm|mathit)\s*)?\{", s[lead:])
        if group:
            end = mac.group_end(s, lead + group.end() - 1)
            inner = s[lead + group.end() : end - 1]
            font = re.search(r"\\(?:mathrm|textrm|rm|mathit)", group.group())
            if end > 0 and not s[end:].strip(" \t\n.,;") and (not font or _has_relation(inner)):
                self._block(base + lead + group.end(), inner, env)
                return
        rows, last = [], 0  # [start, end, nested] of each row, its break blanked when joined
        text = s
        for start, end in [*_cuts(s, _row_break), (len(s), len(s))]:
            row = s[last:start]
            if env and len(row) < len(s) and _whole_env(row):  # &\begin{aligned} … as a row
                rows.append([last, start, True])
            elif (
                rows
                and not rows[-1][2]
                and _continues(row)
                and _has_relation(text[rows[-1][0] : rows[-1][1]])
            ):
                # a row opening with + or - continues the expression of the row before
                # (\\ +& (f(...) - t_2) ...): one formula over both rows
                joined = row.replace("&", " ")  # its alignment marks: no columns of its own
                text = text[: rows[-1][1]] + " " * (last - rows[-1][1]) + joined + text[start:]
                rows[-1][1] = start
            else:
                rows.append([last, start, False])
            last = end
        for start, end, nested in rows:
            if nested:
                self._block(base + start, text[start:end], env)
            else:
                self._row(base + start, text[start:end], env)

    def _row(self, base: int, row: str, env: str) -> None:
        if not row.strip():
            return
        size = 3 if env.startswith("eqnarray") else 2
        chars = list(row)
        amps = [a for a, _ in _cuts(row, _ampersand)]
        bounds = [0, *[a + 1 for a in amps], len(row) + 1]  # column k is bounds[k]..bounds[k+1]-1
        extra = []
        for k in range(size, len(bounds) - 1, size):  # columns past the first equation
            lo, hi = bounds[k], bounds[min(k + size, len(bounds) - 1)] - 1
            group = row[lo:hi]
            if group.replace("&", "").strip() and not re.search(
                r"\\(?:mbox|text|textrm|intertext|ref|eqref)\b", group
            ):
                extra.append((base + lo, group.replace("&", " ")))  # a second equation
            for j in range(lo, hi):  # else an annotation, or nothing
                chars[j] = "\n" if chars[j] == "\n" else " "
        for a in amps:
            chars[a] = " "
        main = "".join(chars)
        self._piece(base, main, env)
        for off, group in extra:
            self._piece(off, group, env)

    # One row: asides, formulas side by side, cases, then its relations.
    def _piece(self, base: int, s: str, env: str) -> None:
        s = _open_aside(_unbox(s))
        if _is_range(s):
            return
        pieces, last = [], 0
        for start, end in [*_cuts(s, _separator, "{}()[]"), (len(s), len(s))]:
            pieces.append((base + last, s[last:start]))
            last = end
        counted = [p for _, p in pieces if _has_relation(p) or _is_condition(p)]
        if len(counted) < 2:  # V \quad 2 \times 2: one statement spaced out, not two formulas
            pieces = [(base, s)]
        pieces = self._split_chains(pieces)
        pieces = [(off, p) for off, p in pieces if p.strip() and not _is_range(p)]
        formulas: list[list] = []  # [offset, text, condition]
        pending = ""
        claims = [p for _, p in pieces if _has_relation(p) and not _is_condition(p)]
        for off, p in pieces:
            beside = bool(claims)  # a lone x = X is a formula; beside one, i = j a condition
            if beside and (_is_condition(p) or not _has_relation(p) and _prose(p)):
                if formulas:
                    formulas[-1][2] = (formulas[-1][2] + " " + self._condition(p)).strip()
                else:
                    pending = self._condition(p)
                continue
            label = re.match(r"\s*([A-Za-z]{3,})\s*:(?!=)\s*", p)  # Dimension: n/m = …
            if label and _has_relation(p[label.end() :]):
                pending = (pending + " " + label.group(1)).strip()
                p = " " * label.end() + p[label.end() :]
            formulas.append([off, p, pending])
            pending = ""
        for off, p, cond in formulas:
            if not self._cases(off, p, env, cond):
                self._formula(off, p, env, cond)

    def _split_chains(self, pieces):
        out = []
        for off, p in pieces:
            last, parts = 0, []
            cuts = _cuts(p, _chain, "{}()[]")
            if not _commas_part_formulas(p, cuts):
                cuts = [(a, b) for a, b in cuts if p[a] != ","]
            for start, end in [*cuts, (len(p), len(p))]:
                parts.append((off + last, p[last:start]))
                last = end
            parts = [(o, q) for o, q in parts if q.strip()]  # a row may open with \Rightarrow
            if not parts:
                continue
            if len(parts) == 1 or all(_has_relation(q) for _, q in parts):
                out.extend(parts)
            else:
                out.append((off, p))
        return out

    def _cases(self, base: int, s: str, env: str, cond: str) -> bool:
        """A formula whose right side is a ``cases`` (or ``\\left\\{`` aligned rows): one item
        per case row, ``prefix value`` with the row's condition."""
        m = re.search(r"(\\left\s*\\\{\s*)?\\begin\{(" + "|".join(_CASE_ENVS) + r"|aligned|array)\}"
                      r"(\{[^{}]*\})?", s)  # fmt: skip
        if not m or (m.group(2) in ("aligned", "array") and not m.group(1)):
            return False
        close = _env_end(s, m.end(), m.group(2))
        if close < 0:
            return False
        prefix = s[: m.start()]
        if re.search(r"\\(?:text|mbox)\s*\{\s*(?:where|with|and)\b", prefix):
            return False  # "… where 1_{i=l} is defined as \begin{cases}": the aside's cases
        inner_end = close - len(f"\\end{{{m.group(2)}}}")
        inner, ibase = s[m.end() : inner_end], m.end()
        last = 0
        for start, end in [*_cuts(inner, _row_break), (len(inner), len(inner))]:
            row = inner[last:start]
            roff = base + ibase + last
            last = end
            value, where = "", ""
            nonempty = [c for c in re.split(r"(?<!\\)&", row) if c.strip()]
            if len(nonempty) >= 2:
                value, where = nonempty[0], " ".join(nonempty[1:])
            elif nonempty:
                value = nonempty[0]
                t = re.search(r"\\(?:text|mbox|textrm)\s*\{", value)
                if t and t.start() > 0:
                    value, where = value[: t.start()], value[t.start() :]
            if not value.strip():
                continue
            lead = row.find(value) + len(value) - len(value.lstrip())
            line = self.line(roff + max(lead, 0))
            where = self._condition(where)
            condition = " ".join(x for x in (cond, where) if x)
            text = self._clean(prefix + " " + value)
            self._emit(line, text, prefix + value, env="cases", condition=condition,
                       end=roff + len(row))  # fmt: skip
        return True

    def _formula(self, base: int, s: str, env: str, cond: str) -> None:
        rels = _cuts(s, _relation, "{}()[]")
        self.dangling = None  # only the display's last formula can leave its chain open
        if self.chain_span >= 0 and self.carry:
            self._continued(base, s, env, cond, rels)
            return
        if not rels:
            lead = len(s) - len(s.lstrip())
            if self.current.display and re.search(r"\\partial|\\frac\s*\{\s*d", s):
                # a derivative alone in its display, the next ones opening with "= …": its
                # left-hand side (not the one of an earlier chain)
                self.carry = s
            self._emit(self.line(base + lead), self._clean(s), s, env, cond, end=base + len(s))
            return
        lhs_raw = s[: rels[0][0]]
        carried = ""
        if lhs_raw.strip():
            if not (_ASIDE.match(lhs_raw) and self.carry):
                self.carry = lhs_raw  # (an aside, "recall …", does not end the chain)
        elif self.carry and not self._in_table_row():
            carried = self._clean(self.carry)
            lhs_raw = self.carry
        groups: list[tuple[int, list[tuple[int, int, int]]]] = []  # line -> (rel, part)
        bounds = [*rels, (len(s), len(s))]
        for k, (rs, re_) in enumerate(rels):
            part_end = bounds[k + 1][0]
            part = s[re_:part_end]
            lead = len(part) - len(_CONTROL_SPACE.sub("", part, count=1))  # =\ then the value
            line = self.line(base + re_ + lead) if part.strip() else self.line(base + rs)
            if groups and groups[-1][0] == line:
                groups[-1][1].append((rs, re_, part_end))
            else:
                groups.append((line, [(rs, re_, part_end)]))
        if self.current.display and not s[rels[-1][1] :].strip():
            # a display that ends in "=": its value opens the next display (a chain of displays)
            self.dangling = (self.span, self.current.end)
            groups[-1] = (groups[-1][0], groups[-1][1][:-1])
        for line, parts in groups:
            if not parts:
                continue
            body = "".join(s[rs:pe] for rs, _, pe in parts)
            raw = lhs_raw + body
            self._emit(line, self._clean(raw), raw, env, cond, lhs=carried,
                       end=base + parts[-1][2])  # fmt: skip

    def _in_table_row(self) -> bool:
        """Inline math in a Markdown table's row (``| LSTM | $\\approx 0.663$ |``): the cell
        speaks of its own row, never of the left-hand side of a formula above the table."""
        span = self.current
        if span.display:
            return False
        return _line_at(self.text, span.start).lstrip().startswith("|")

    def _continued(self, base: int, s: str, env: str, cond: str, rels) -> None:
        """A display that goes on with the chain of the display before it, which ended in
        "=": each of its members is a member of that chain (the carried left-hand side's), on
        the line where the member starts, in the span of the display it continues."""
        carried = self._clean(self.carry)
        bounds = [(0, 0), *rels, (len(s), len(s))]
        for k in range(len(bounds) - 1):
            part = s[bounds[k][1] : bounds[k + 1][0]]
            if not part.strip() or k == 0 and rels and self._clean(part).strip() == carried.strip():
                continue  # (the display restates the left-hand side: "= …" follows)
            lead = len(part) - len(_DISPLAY_LEAD.sub("", part, count=1))
            line = self.line(base + bounds[k][1] + lead)
            raw = self.carry + " = " + part
            self.doc.items.append(
                Item(line, self._clean(raw), self.current.source, env, True, carried, cond,
                     " ".join(raw.split()), self.line(base + bounds[k + 1][0]), self.chain_span)
            )  # fmt: skip
        if rels and not s[rels[-1][1] :].strip():
            self.dangling = (self.chain_span, self.current.end)

    def _emit(self, line, text, raw, env, condition="", lhs="", end=0) -> None:
        if not re.search(r"\w", text):
            return  # a row of dots, an empty row
        span = self.current
        self.doc.items.append(
            Item(line, text, span.source, env, span.display, lhs, condition,
                 " ".join(raw.split()), self.line(end), self.span)
        )  # fmt: skip

    def _condition(self, tex: str) -> str:
        """A condition's text: its words unboxed, ``if``/``si``/``nếu`` dropped, ``sinon`` is
        ``otherwise``."""
        tex = re.sub(r"\\(?:text|mbox|textrm|textit)\s*\{([^{}]*)\}", r" \1 ", _unparen(tex))
        tex = self._clean(tex).strip(" .,;:")
        if re.fullmatch(r"(?:otherwise|sinon|sonst|else|andernfalls|ngược lại)", tex):
            return "otherwise"
        return re.sub(rf"^{_CONDITION_WORDS}\b\s*", "", tex).strip()

    def _clean(self, tex: str) -> str:
        if not self.doc.latex:
            tex = re.sub(r"\\([_*])", r"\1", tex)  # Markdown escapes inside math: \_ is _
        # TeX's control space, a backslash before a space or a line end (=\ at the end of a
        # line of a formula spread over lines): a space; a row break \\ stays
        tex = re.sub(r"(?<!\\)((?:\\\\)*)\\(?=\s|$)", r"\1 ", tex)
        tex = scripts.tex(tex)  # z₁, W⁽²⁾, aᵀ typed as characters: _{1}, ^{(2)}, ^{T}
        # S \triangleq \sum_i ...: a definition, as := is
        tex = re.sub(r"\\(?:triangleq|coloneq)(?![A-Za-z])", ":=", tex)
        # \Sigma^m_{i=1} x_i: the capital letter with an index's bounds is the sum sign
        tex = re.sub(_SIGMA_SUM, r"\\sum", tex)
        for uni, rep in UNICODE.items():  # ∂, −, ∑ typed as characters: the grammar reads TeX
            tex = tex.replace(uni, rep)
        tex = re.sub(r"(\\[A-Za-z]+) (?=[_^'])", r"\1", tex)  # δ₂, σ′: \delta_{2}, \sigma'
        tex = tex.translate(_FULL_WIDTH)  # y_i=１, dＷ: a CJK input method's digits and letters
        tex = mac.present(physics.expand(mac.expand(tex, self.doc.macros), self.doc.macros))
        return evalbar.rewrite(tex)  # \left.\frac{dg}{d\xi}\right|_{\xi = \alpha}: g'(\alpha)


_SIGMA_SUM = re.compile(r"\\Sigma(?=\s*(?:\^\s*(?:\{[^{}]*\}|\w)\s*)?_\s*\{[^{}=]*=[^{}]*\})")
_CONTROL_SPACE = re.compile(r"^(?:\s|\\(?=\s))*")  # spaces and TeX's control spaces
_DISPLAY_LEAD = re.compile(r"^(?:\s|\\(?=\s)|\\displaystyle(?![A-Za-z]))*")
_LEAD = re.compile(r"(?:\s|&|\\(?:tag|label)\*?\s*\{[^{}]*\}|\\(?:nonumber|notag)(?![A-Za-z]))*")


def _whole_env(row: str) -> bool:
    """A row that is one row environment and nothing else (a nested ``aligned``)."""
    lead = _LEAD.match(row).end()
    m = re.match(r"\\begin\{([A-Za-z]+\*?)\}", row[lead:])
    if not m or m.group(1) not in _ROW_ENVS:
        return False
    close = _env_end(row, lead + m.end(), m.group(1))
    return close >= 0 and not re.sub(r"\\(label|tag)\{[^{}]*\}|[\s.,;]", "", row[close:])


def _continues(row: str) -> bool:
    """A row that continues the expression of the row before: it opens with a binary + or -
    (after its alignment mark) and holds no relation of its own."""
    head = row.replace("&", " ").lstrip()
    return head[:1] in ("+", "-") and not _has_relation(row)


def _commas_part_formulas(s: str, cuts) -> bool:
    """Whether the commas among ``cuts`` part whole formulas (``z = W x, a = g(z)``): every
    part's brackets balance and no part is code (``np.sum(dZ, axis=1, keepdims=True)`` with
    a bracket lost)."""
    bounds = [0, *[x for cut in cuts for x in cut], len(s)]
    for lo, hi in zip(bounds[0::2], bounds[1::2], strict=True):
        part = s[lo:hi]
        if any(part.count(a) != part.count(b) for a, b in ("()", "[]", "{}")):
            return False
        if re.match(r"\s*[A-Za-z]{3,}\s*=", part):
            return False
    return True


def _prose(s: str) -> bool:
    return bool(re.search(r"\\(?:text|mbox|textrm)\s*\{", s))


def _open_aside(s: str) -> str:
    """``… \\left( = x \\right)`` at the end of a formula: the aside is one more ``= x``."""
    for m in re.finditer(r"(\\left\s*)?\(\s*(?==)", s):
        depth, j = 0, m.start() + len(m.group(1) or "")
        while j < len(s):
            if s[j] == "(":
                depth += 1
            elif s[j] == ")":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j < len(s) and not s[j + 1 :].strip(" \t\n.,;"):
            close = j
            right = re.search(r"\\right\s*$", s[:close])
            lo = right.start() if right else close
            opener, closer = " " * (m.end() - m.start()), " " * (close + 1 - lo)
            return s[: m.start()] + opener + s[m.end() : lo] + closer + s[close + 1 :]
    return s
