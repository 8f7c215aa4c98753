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
