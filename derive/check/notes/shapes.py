"""Shapes the notes state for the network's quantities, read and used for the matrix claims.

``find`` reads each line of the notes (its math and its words together) for statements such as
``$W_1 \\in \\mathbb{R}^{3 \\times 4}$``, ``$W_1$ is $3 \\times 4$``, "W_1 is a 3x4 matrix",
``X has shape (4, m)``, ``X.shape = (4, m)``, ``$W_2 [1 \\times 3]$``. ``prepare`` judges the
statements about quantities of the network (W_k, b_k, z_k, A_k, δ_k, x, y and their gradients),
in reading order:

- with ``--spec``: against the spec's shapes;
- from the notes' forward equations: against each other. ``z_k = W_k A_(k-1) + b_k`` ties
  the dimensions: W_k is (n_k × n_(k-1)), b_k (n_k × 1), z_k, A_k, δ_k (n_k × columns), x
  (n_0 × columns), y (n_L × columns). The first statement to give a dimension gives it; a
  later one that agrees is correct, one that contradicts is wrong and says why (the product
  it makes impossible, the line it contradicts). Statements that only give new dimensions are
  the notes' definitions, not claims.

The sizes stated become the sizes of the draw matrix claims are evaluated on (``sizes``), so a
product that cannot be formed with them is wrong and the reason names the statements.
A statement about anything else is left to the other checks (``handled``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from derive.engine import namer

from .numbers import fmt_shape
from .tex import clean

_DIM = r"(\d+|m|n)"
_SEP = r"\s*(?:\\cdot|x|×|,|\s+by\s+)\s*"
_SHAPE = rf"[\[(]?\s*{_DIM}{_SEP}{_DIM}\s*[\])]?"
_NAME = (
    r"(?<![A-Za-z\\_^{])(?P<who>d?(?:\\delta|\\[yY]hat|[A-Za-z])(?:\s*_\s*(?:\{[^{}]*\}|\w))?"
    r"(?:\s*\^\s*(?:\{[^{}]*\}|\w))?)"
)
_R = r"(?:\\mathbb\s*\{?\s*R\s*\}?|\\R\b|ℝ)"
_PATTERNS = [
    re.compile(rf"{_NAME}\s*\\in\s*{_R}\s*\^\s*(?:\{{\s*{_DIM}(?:{_SEP}{_DIM})?\s*\}}|{_DIM})"),
    re.compile(rf"{_NAME}\s*(?:\s(?:is|are)\s+(?:an?\s+|of\s+(?:shape|size)\s+)?|:\s*){_SHAPE}"),
    re.compile(
        rf"{_NAME}\s+(?:has|with|of)\s+(?:the\s+)?(?:shape|size|dimensions?)\s*(?:of\s+)?:?\s*"
        rf"{_SHAPE}"
    ),
    re.compile(rf"{_NAME}\.shape\s*(?:=|==|is)\s*{_SHAPE}"),
]
_ALONE = re.compile(  # W_2 [1 \times 3], W_1 3 \times 4: a math span alone
    rf"^\s*{_NAME}(?:\s*\[\s*{_DIM}{_SEP}{_DIM}\s*\]|\s+\(\s*{_DIM}{_SEP}{_DIM}\s*\)"
    rf"|\s{_DIM}\s*\\cdot\s*{_DIM})\s*$"
)


@dataclass(eq=False)
class Stated:
    """One statement of a shape: ``name`` is canonical (W1, x), ``shape`` (rows, cols)."""

    line: int
    name: str
    shape: tuple
    text: str
    segments: list = field(default_factory=list)  # the notes' segments it is made of
    handled: bool = False  # judged here (a quantity of the network)


def find(segments, reader, text: str) -> list[Stated]:
    """Every shape statement of the notes (``text``, read into ``segments``), in reading
    order (see the module doc)."""
    by_line: dict[int, list] = {}
    for seg in segments:
        if seg.kind == "math":
            by_line.setdefault(seg.line, []).append(seg)
    raw = text.replace("\r\n", "\n").split("\n")
    out = []
    for line in sorted({seg.line for seg in segments if seg.kind in ("math", "text")}):
        if line > len(raw):
            continue
        segs = by_line.get(line, [])
        source = re.sub(r"\$\$?|\\[()\[\]]|(?<!\\)%.*", " ", raw[line - 1])
        joined = clean(source).replace("&", " ")
        spans, cursor = [], 0
        for seg in segs:  # where each math span of the line is in it
            piece = clean(seg.text).replace("&", " ")
            at = joined.find(piece, cursor) if piece else -1
            spans.append((at, at + len(piece)) if at >= 0 else (-1, -1))
            cursor = at + len(piece) if at >= 0 else cursor
        found = []
        for a, b in spans:
            m = _ALONE.match(joined[a:b]) if a >= 0 else None
            if m:
                found.append((a, b, m))
        for pattern in _PATTERNS:
            for m in pattern.finditer(joined):
                if not any(a < m.end() and m.start() < b for a, b, _ in found):
                    found.append((m.start(), m.end(), m))
        for start, end, m in sorted(found, key=lambda f: f[0]):
            stated = _statement(reader, line, m)
            if stated is None:
                continue
            stated.segments = [
                seg
                for seg, (a, b) in zip(segs, spans, strict=True)
                if a >= 0 and start <= a and b <= end
            ]
            out.append(stated)
    return out


def _statement(reader, line: int, m: re.Match) -> Stated | None:
    who = m.group("who")
    grad = re.match(r"d(?=[WbZzA])", who)
    try:
        name = reader.single_name(who[1:] if grad else who)
    except Exception:  # the reader's NotUnderstood, or the parser's own: not a name
        return None
    dims = [g for g in m.groups()[1:] if g is not None]
    if name is None or not dims:
        return None
    shape = tuple(int(d) if d.isdigit() else d for d in (dims + ["1"])[:2])
    text = " ".join(m.group().split()).replace("\\cdot", "×")
    return Stated(line, name.replace("Yhat", "yhat"), shape, text)


# ---------------------------------------------------------------------- judging
def _roles(name: str, layers: int, output: str | None):
    """(rows, cols) of a quantity as dimensions: ("n", k) the units of layer k (0: inputs),
    ("one",) a column, ("batch",) the samples; None for no quantity of the network."""
    if output and name == output:
        name = namer.layer("A", layers)
    if name == "x":
        return ("n", 0), ("batch",)
    if name == "y":
        return ("n", layers), ("batch",)
    parts = namer.parse(name)
    if parts is None or parts.base not in ("W", "b", "z", "A", "delta") or parts.step is not None:
        return None
    k = parts.layer
    if k is None or not 1 <= k <= layers:
        return None
    cols = {"W": ("n", k - 1), "b": ("one",)}.get(parts.base, ("batch",))
    return ("n", k), cols


def prepare(ck, stated: list[Stated]) -> None:
    """Judge the statements about the network's quantities; record the sizes they give
    (``ck.stated_sizes``: layer -> units) and which statement gives each name's shape."""
    net = ck.net
    layers = _layers(ck)
    output = ck.softmax.a if getattr(ck, "softmax", None) else None
    bound: dict[int, tuple[int, Stated]] = {}
    for st in stated:
        roles = _roles(st.name, layers, output) if layers else None
        if roles is None:
            continue
        st.handled = True
        if ck.spec:
            ok = _against_spec(ck, st, net.shapes.get(st.name))
        else:
            ok = _against_notes(ck, st, roles, bound)
        if ok:
            ck.stated_names.setdefault(st.name, st)  # a contradicted one is never cited
    ck.stated_sizes = {k: v for k, (v, _) in bound.items()}


def _layers(ck) -> int | None:
    net = ck.net
    if net is None:
        return None
    if ck.spec:
        return net.layers
    ks = [int(m[1]) for n in net.defs if (m := re.fullmatch(r"z(\d+)", n))]
    sm = getattr(ck, "softmax", None)
    if sm is not None and (m := re.fullmatch(r"z(\d+)", sm.z)):
        ks.append(int(m[1]))
    return max(ks, default=None)


def _against_spec(ck, st: Stated, true) -> bool:
    if true is None:
        return False
    want = tuple(str(d) for d in true)
    got = tuple(str(d) for d in st.shape)
    batch = want[1] == "m" and (got[1] == "m" or got[1].isdigit())
    ok = got[0] == want[0] and (got[1] == want[1] or batch)
    why = "" if ok else ("transposed" if got == want[::-1] else f"the spec's is {fmt_shape(true)}")
    ck.add(st.line, "shape", st.text, "correct" if ok else "wrong", fmt_shape(true), why)
    return ok


def _against_notes(ck, st: Stated, roles, bound) -> bool:
    """Against the dimensions earlier statements gave; binds the new ones. False when wrong."""
    shown = ck.reader.names.show(st.name, st.line)
    checked, wrong = [], None
    for dim, role in zip(st.shape, roles, strict=True):
        if role == ("one",):
            if dim != 1:
                wrong = wrong or f"{shown} is a column: one per unit of its layer, (n × 1)"
            continue
        if role[0] != "n" or not isinstance(dim, int):
            continue
        k = role[1]
        if k in bound:
            have, source = bound[k]
            checked.append(source.line)
            if have != dim and wrong is None:
                wrong = _conflict(ck, st, shown, k, dim, have, source)
        else:
            bound[k] = (dim, st)
    dims = zip(st.shape, roles, strict=True)
    expected = fmt_shape(tuple(_expected_dim(d, r, bound) for d, r in dims))
    if wrong:
        ck.add(st.line, "shape", st.text, "wrong", expected, wrong)
    elif checked:
        where = ", ".join(str(n) for n in sorted(set(checked)))
        ck.add(st.line, "shape", st.text, "correct", expected, f"agrees with line {where}")
    return not wrong


def _expected_dim(dim, role, bound):
    if role == ("one",):
        return 1
    if role[0] == "n" and role[1] in bound:
        return bound[role[1]][0]
    return dim


def _conflict(ck, st, shown, k, dim, have, source) -> str:
    names = ck.reader.names
    units = "the inputs" if k == 0 else f"the units of layer {k}"
    said = f"{units} are {have} by line {source.line} ({source.text}), not {dim}"
    layers = _layers(ck) or 0
    if k < layers:  # the inner dimension of W_(k+1) A_k
        w = names.show(namer.layer("W", k + 1), st.line)
        a = names.show("x" if k == 0 else namer.layer("A", k), st.line)
        return f"{said}: {w} {a} cannot be formed"
    return said
