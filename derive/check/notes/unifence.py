"""Code fences of formulas typed in Unicode: no LaTeX and no program.

Course notes written in a plain editor put their math in code fences so that it keeps its
layout, typing the symbols as characters: ``∂L/∂W = xᵀ · ∂L/∂y``, ``z₁ = W₁x + b₁``,
``∂L/∂z₁ = ∂L/∂a₁ × 𝟙{z₁ > 0}``, ``p_i = exp(z_i) / Σⱼ exp(z_j)``. Between the formulas stand
headings (``2. Backward pass:``), labels (``Forward:  y = max(0, x)``), annotations in
brackets (``[softmax+CE gradient]``, ``(summed over batch)``) and continuation lines that open
with ``=`` (the left-hand side of the line above carried). A fence is read so when it is no
program (``fence_formulas``: no keyword, call of a library, assignment operator or statement
end of one) and types its math in Unicode (``∂``, ``ᵀ``, ``Σ``, a subscript digit ...) or
holds nothing but formulas (``y = Wx + b``); each line is turned into LaTeX by
``read.plain_to_latex`` (one letter names and known functions only), and a line that does
not read is left out (prose, ``If y = f(g(x)), then:``). A plain Markdown table of layers
(``layer_table``) is read row by row the same way.
"""

from __future__ import annotations

import re

from . import scripts

_PROGRAM = re.compile(
    r"\b(def|import|return|print|class|lambda|self|range|while|elif|np|torch|None|True|False)\b"
    r"|[+\-*/]=|==|;\s*$|\{\s*$"
)
# a comment: a line of its own (``# 층 1``) or after a formula (``z₁ = W₁ᵀx + b₁   # [m]``)
_COMMENT_LINE = re.compile(r"^\s*#")
_COMMENT = re.compile(r"\s+#(?:\s.*)?$")
# a word of prose in Hangul or CJK before a formula: ``따라서 ∂L/∂a₁ = …``, ``즉, …``, ``所以 …``
# (not a label, ``은닉층: h = m 뉴런``, whose words after it are no formula either)
_LEAD = re.compile(r"^\s*[\u3040-\u30ff\u3131-\ud7a3\u4e00-\u9fff]+[,，、]?\s+")
_UNICODE_MATH = re.compile("[∂Σ∑ᵀ⊙∈𝟙ŷŶ×·σ₀₁₂₃₄₅₆₇₈₉]")
_LABEL = re.compile(r"^(?:[A-Z][A-Za-z]*(?: [A-Za-z]+){0,2}):\s+(?=\S+\s*=)")
# a trailing annotation in brackets ([softmax+CE gradient]); a list of numbers ([0.1, 0.2], a
# worked example's vector) is no annotation
_NOTE = re.compile(
    r"\s+(?:\[(?![\s\d.,+\-]*\])[^\[\]]*\]|\((?:[A-Za-z+\-]+ ){1,5}[A-Za-z+\-]+\))\s*$"
)
_WORDS = frozenset({"sum", "max", "axis", "exp", "log", "softmax", "tanh", "ReLU", "relu"})


def _clean(line: str) -> str:
    """A fence line without its list mark, label and trailing annotation."""
    line = _COMMENT.sub("", line)
    line = _LEAD.sub("", line)
    line = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line).strip()
    line = _LABEL.sub("", line)
    while True:
        cut = _NOTE.sub("", line)
        if cut == line:
            return line.strip()
        line = cut


def to_latex(line: str) -> str | None:
    """LaTeX of one fence line (see the module doc), or None."""
    from .read import plain_to_latex  # read imports this module

    body = _clean(line)
    if "=" not in body or re.search(r"\b(?:If|if|and|then|where|Where)\b", body):
        return None
    # Σ_{j≠i}: a sum over every index but one, kept whole through the plain reader
    excluded = []

    def _excluded(m: re.Match) -> str:
        excluded.append(rf"\sum_{{{m.group(1)} \neq {m.group(2)}}} ")
        return f"⟦{len(excluded) - 1}⟧"

    body = re.sub(r"[Σ∑]_?\{\s*([a-z])\s*(?:≠|!=|\\neq?)\s*([a-z])\s*\}\s*", _excluded, body)
    body = scripts.plain(body, layers=True)
    body = re.sub(r"\b([A-Za-z]\d+)(?=[A-Za-z]\d*(?![A-Za-z_]))", r"\1 ", body)  # W₁x: W1 x
    body = re.sub(r"(?:𝟙|\b1)\s*[{(]\s*([^{}()<>]+?)\s*>\s*0\s*[})]", r"𝟙(\1 > 0)", body)
    # a comparison standing as a factor (× (x > 0)): the indicator
    body = re.sub(r"([×·*⊙]\s*)\(\s*([A-Za-z]\w*)\s*>\s*0\s*\)", r"\1𝟙(\2 > 0)", body)
    tex = plain_to_latex(body, _WORDS)
    if tex is None or any(tex.count(a) != tex.count(b) for a, b in ("()", "{}", "[]")):
        return None  # a bracket left open: a line cut short, not a formula
    tex = tex.replace("𝟙(", r"\mathbb{1}(").replace("Σ", r"\sum ")
    for k, tex_sum in enumerate(excluded):
        tex = tex.replace(f"⟦{k}⟧", tex_sum)
    tex = re.sub(r"(\\[A-Za-z]+) (?=[_^'])", r"\1", tex)  # \delta _{ij}: \delta_{ij}
    return re.sub(r"\s+", " ", tex).strip()


def fence_formulas(body: list[str]) -> dict[int, tuple[str, str]]:
    """The formulas of a fence's lines (0-based index -> (LaTeX, the left-hand side a line
    opening with ``=`` continues)), or {} when the fence is a program or not typed in
    Unicode."""
    text = "\n".join(body)
    if any(_PROGRAM.search(line) for line in body):
        return {}
    comments = [line for line in body if _COMMENT_LINE.match(line)]
    if comments and not _UNICODE_MATH.search(text):
        return {}  # a program's comments: only a fence of math typed in Unicode has notes
    out, last_lhs = {}, ""
    for k, line in enumerate(body):
        stripped = line.strip()
        if not stripped or _COMMENT_LINE.match(line):
            last_lhs = "" if stripped else last_lhs
            continue
        lhs = ""
        if stripped.startswith("=") and last_lhs:
            lhs = last_lhs
            line = last_lhs + " " + stripped
        update = re.match(r"\s*([A-Za-z]\w*)\s*=(?!=).*(?<![\w/∂])\1(?!\w)", _clean(line))
        tex = None if update else to_latex(line)  # x = x + 1, w = w - η ∂L/∂w: a step, no claim
        if tex is None:
            last_lhs = ""
            if update and not _UNICODE_MATH.search(text):
                return {}  # a variable updated in place: a program
            continue
        if not lhs:
            last_lhs = _clean(line).split("=")[0].strip()
        out[k] = (tex, lhs)
    if not _UNICODE_MATH.search(text) and len(out) < sum(1 for line in body if line.strip()):
        return {}  # no math typed in Unicode: only a fence whose every line is a formula
    return out


_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_INPUT = re.compile(r"∂L\s*/\s*∂\s*(input|[A-Za-z])\b")


def _tables(lines: list[str]):
    """Each plain Markdown table of the lines: (its header's cells, the rows as (0-based line,
    cells) of the header's width)."""
    k = 0
    while k + 1 < len(lines):
        head, rule = _ROW.match(lines[k]), lines[k + 1]
        if not head or not re.fullmatch(r"\s*\|?[\s|:-]+\|?\s*", rule) or "-" not in rule:
            k += 1
            continue
        names = [c.strip() for c in head.group(1).split("|")]
        rows = []
        k += 2
        while k < len(lines) and _ROW.match(lines[k]):
            cells = [c.strip() for c in _ROW.match(lines[k]).group(1).split("|")]
            if len(cells) == len(names):
                rows.append((k, cells))
            k += 1
        yield names, rows


def layer_table(lines: list[str]) -> dict[int, list[tuple[str, str]]]:
    """A Markdown table of layers in plain text, one row a layer: a ``Forward`` column
    (``y = Wx + b``, or ``max(0, x)`` for y), a ``Backward`` column headed by the gradient it
    gives (``Backward (∂L/∂input)``, ``∂L/∂x``): each row read as the layer's definition
    ``y = …`` and the claim ``∂L/∂x = …``, both on the row's line, as ``gates.py`` reads a
    layer of its own. Rows whose forward cell is no function of x give nothing. By line
    (1-based): [(LaTeX, "")]."""
    out: dict[int, list[tuple[str, str]]] = {}
    for names, rows in _tables(lines):
        fwd = next((i for i, c in enumerate(names) if re.match(r"(?i)forward\b", c)), None)
        bwd = next((i for i, c in enumerate(names) if re.match(r"(?i)backward\b", c)), None)
        grad = _INPUT.search(names[bwd]) if bwd is not None else None
        if fwd is None or grad is None:
            continue
        for k, cells in rows:
            f, b = cells[fwd], cells[bwd]
            f = f if "=" in f else "y = " + f
            if re.search(r"(?<![a-z])x(?![a-z])", f) and "=" not in b:  # Wx, max(0, x)
                pair = [to_latex(f), to_latex("∂L/∂x = " + b)]
                if all(pair) and pair[0].startswith("y ="):
                    out[k + 1] = [(t, "") for t in pair]
    return out


_GRADIENT = re.compile(r"(?i)^(?:gradients?|grad|기울기|그래디언트|梯度|勾配)$")
_VARIABLE = re.compile(r"(?i)^(?:variables?|parameters?|quantity|변수|파라미터|变量|参数|変数)$")
_NAME = re.compile(r"^[A-Za-zŷŶσδ][₀-₉0-9]*$")


def gradient_table(lines: list[str]) -> dict[int, list[tuple[str, str]]]:
    """A plain Markdown table of gradients by variable, one row a variable: a column headed
    ``Variable`` (``변수``, ``Parameter``) whose cells are single names (``W₂``, ``z₁``) and a
    column headed ``Gradient`` whose cells are formulas: each row read as the claim ``∂L/∂NAME =
    CELL`` on the row's line (the cost the note calls L). By line (1-based): [(LaTeX, "")]."""
    out: dict[int, list[tuple[str, str]]] = {}
    for names, rows in _tables(lines):
        var = next((i for i, c in enumerate(names) if _VARIABLE.match(c)), None)
        grad = next((i for i, c in enumerate(names) if _GRADIENT.match(c)), None)
        if var is None or grad is None:
            continue
        for k, cells in rows:
            name, cell = cells[var], cells[grad]
            if _NAME.match(name) and cell and "=" not in cell and "$" not in cell:
                tex = to_latex(f"∂L/∂{name} = {cell}")
                if tex is not None:
                    out[k + 1] = [(tex, "")]
    return out
