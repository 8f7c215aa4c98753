"""A claim made for another cost than the note's: "If the cost function is cross entropy,
then we have $\\frac{\\partial C}{\\partial a} = \\frac{a - y}{a(1 - a)}$" in a note whose cost
is the squared error. The prose on the formula's line says which cost the claim is about; the
claim is judged under that cost alone (the reading says so), not under the note's.
"""

from __future__ import annotations

import re

_IF = r"(?i)\b(?:if|when|for)\b[^.$;]{0,60}\b(?:cost|loss|error)\b[^.$;]{0,40}\b"
_COSTS = {
    "ce": re.compile(_IF + r"(?:binary\s+)?cross[- ]?entropy\b"),
}


def lines(segments) -> dict[int, str]:
    """The lines whose prose states another cost for the formula on them: line -> cost."""
    math = {s.line for s in segments if s.kind == "math"}
    out = {}
    for s in segments:
        if s.kind != "text" or s.line not in math:
            continue
        for cost, pattern in _COSTS.items():
            if pattern.search(s.text):
                out[s.line] = cost
    return out


# "Softmax output: dy_k/da_l = ...", "for a linear output unit, ...": a line that names the
# output unit's activation states the claim for that output, whatever the note's own is
_OUT_WORD = r"(?:output|outputs|输出|sortie|sorties|ausgabe|salida)"
_OUTPUTS = {
    "softmax": r"softmax",
    "sigmoid": r"(?:logistic\s+)?sigmoid|logistic",
    "identity": r"linear|identity|linéaire|linear(?:e|en)?|线性",
    "tanh": r"tanh",
}


def outputs(segments) -> dict[int, str]:
    """The lines whose prose names the output activation of the formula on them."""
    math = {s.line for s in segments if s.kind == "math"}
    out = {}
    for s in segments:
        if s.kind != "text" or s.line not in math:
            continue
        found = {
            act
            for act, word in _OUTPUTS.items()
            if re.search(rf"(?i)(?<![a-z])(?:{word})(?![a-z])[^.$;:]{{0,25}}{_OUT_WORD}", s.text)
            or re.search(rf"(?i){_OUT_WORD}[^.$;:]{{0,12}}(?<![a-z])(?:{word})(?![a-z])", s.text)
        }
        if len(found) == 1:
            out[s.line] = found.pop()
    return out
