"""One layer at a time: ``Forward: y = max(0, x)``, ``Backward: ∂L/∂x = ∂L/∂y × 𝟙{x > 0}``.

Cheat sheets and course notes derive backpropagation layer by layer, each layer a function
``y = f(x)`` of its own input, with the loss L somewhere above it and the gradient that comes
from there, ``∂L/∂y``, given: the linear layer ``y = Wx + b`` (``∂L/∂W = ∂L/∂y xᵀ``,
``∂L/∂x = Wᵀ ∂L/∂y``), then the activations, each section redefining y and x. These y and x
are the layer's output and input, not the network's target and input, so such a section is no
claim about the note's network. It is read as a network of its own (a "gate"): from a
definition ``y = F(x)`` (F of x alone, or ``Wx + b`` with W and b bare) to the next heading of
a higher level than the one above the definition, or the next such definition. The section's
formulas are judged as a note of their own in the model's names: for an activation,
``z = W x + b``, ``a = F(z)`` with x renamed z and y renamed a; for the linear layer,
``z = Wx + b`` with y renamed z (one layer, ``onelayer.py``), L any cost (an arbitrary
function of the layer's output: ``∂L/∂y`` is whatever comes from above). Only the layer's
backward pass is taken into it (``∂L/∂x``, ``∂L/∂W``, ``∂L/∂b`` = …, with no capital X or Y,
no indexed x or y, no z or a of its own); the definition and these claims never reach the
note's own network, every other formula of the section does, as before.
"""

from __future__ import annotations

import dataclasses
import re

_FUNCS = r"\\sigma|\\tanh|tanh|\\max|max|\\exp|exp|ReLU|relu|sigmoid|\\mathrm\{ReLU\}"
_Y = re.compile(r"(?<![A-Za-z\\])y(?![A-Za-z_])|(?<=\\partial )y(?![A-Za-z_])")
_X = re.compile(r"(?<![A-Za-z\\])x(?![A-Za-z_])|(?<=\\partial )x(?![A-Za-z_])")
_HEADING = re.compile(r"\s*(#{1,6})\s")


def _definition(text: str) -> str | None:
    """The kind of layer ("linear" or "act") a formula defines as y from its x, else None."""
    m = re.match(r"\s*y\s*=\s*(.+?)\s*(?:=.*)?$", text)
    if not m:
        return None
    rhs = m.group(1)
    if re.fullmatch(r"W\s*x\s*\+\s*b", rhs):
        return "linear"
    rest = re.sub(_FUNCS, " ", rhs)
    if not _X.search(rhs) or _Y.search(rhs) or re.search(r"[A-Za-df-wzA-Z]", _X.sub(" ", rest)):
        return None  # letters other than x and e: not the layer's own function of x
    return "act"


_GATE_CLAIM = re.compile(
    r"\s*\\frac\{(?:d|\\partial)\s*L\}\{(?:d|\\partial)\s*[xWb]\}\s*="
)  # ∂L/∂x, ∂L/∂W, ∂L/∂b: what a layer's backward pass gives


def _norm(text: str) -> str:
    """``\\frac{dL}{dy}`` as ``\\frac{\\partial L}{\\partial y}``: one spelling for the checks."""
    return re.sub(
        r"\\frac\{d\s*([A-Za-z])\}\{d\s*([A-Za-z])\}", r"\\frac{\\partial \1}{\\partial \2}", text
    )


def _renamed(text: str, kind: str) -> str | None:
    """The formula in the one-layer model's names, or None when it is no claim of the layer's
    backward pass or cannot be carried over."""
    text = _norm(text)
    taken = r"(?<![A-Za-z\\])[za](?![A-Za-z])" if kind == "act" else r"(?<![A-Za-z\\])z(?![A-Za-z])"
    if not _GATE_CLAIM.match(text) or re.search(taken, text):
        return None  # another claim (about the note's network?), or the model's names in use
    if re.search(r"(?<![A-Za-z\\])[XY](?![A-Za-z])|[xy]_|[xy]\^(?!\{?(?:T|\d+)\}?)", text):
        return None  # a batch of the layer's own, an entry: not carried over
    text = re.sub(r"(?<![A-Za-z\\])([xy])\^\{?(\d)\}?", r"(\1)^{\2}", text)  # y^{2}: a power
    if kind == "linear":
        return _Y.sub("z", text)
    return _Y.sub("a", _X.sub("z", text))


def split(segments):
    """(the segments of the note's own network, [(kind, the section's segments)]). A section
    ends at a heading of a level above the one its definition stands under, at any heading
    once it holds a claim, and at any formula that is not the layer's."""
    out, sections = [], []
    level_above, current, limit = 7, None, 0
    for seg in segments:
        if seg.kind == "text":
            h = _HEADING.match(seg.text)
            if h:
                if current is not None and (len(h.group(1)) < limit or len(current[1]) > 1):
                    current = None
                level_above = len(h.group(1))
            out.append(seg)
            continue
        kind = _definition(seg.text) if seg.kind == "math" else None
        if kind is not None:
            current = (kind, [seg])
            sections.append(current)
            limit = level_above
            continue
        if current is not None and seg.kind == "math" and _renamed(seg.text, current[0]):
            current[1].append(seg)  # the layer's backward pass: never the note's network's
            continue
        if seg.kind == "math":
            current = None
        out.append(seg)
    return out, sections


def judge(kind: str, segs, judge_note):
    """The verdicts of one section, judged as a note of its own (see the module doc)."""
    first = segs[0]
    rhs = first.text.split("=", 1)[1]
    rhs = re.split(r"(?<![<>!\\])=", rhs)[0]
    if kind == "linear":
        forward = ["z = Wx + b"]
    else:
        forward = ["z = W x + b", "a = " + _X.sub("z", rhs).strip()]
    mini = [dataclasses.replace(first, text=t, lhs="") for t in forward]
    original = {}
    for seg in segs[1:]:
        text = _renamed(seg.text, kind)
        if text is None:
            continue
        original[seg.line] = seg.text
        mini.append(dataclasses.replace(seg, text=text, lhs=""))  # the text is whole
    out = []
    for v in judge_note(mini, costs=["abstract"]):
        if v.line in original and v.verdict != "definition":
            out.append(dataclasses.replace(v, claim=original[v.line]))
    return out
