"""Formulas the prose says do not hold: "now we can't write $\\frac{\\partial E}{\\partial U} =
\\dots$", "which is not $W^T \\delta$".

A note explains what goes wrong as often as what is right; a formula written inline right
after a negated verb ("we can't write", "is not", "does not equal") is what the author says
does NOT hold, not a claim of the note. It is left out of the claims (never judged, never
wrong). Only inline math inside a sentence is read so: the prose before it on its line, up to
the formula, ends with the negated verb and at most one more word (a bare "Not $...$" stays
a claim: it may label a wrong variant).
"""

from __future__ import annotations

import re

_NEGATION = re.compile(
    r"(?i)(?:\b(?:can(?:'|’|no)t|can not|could(?:n'|n’| no)t|do(?:es)?(?:n'|n’| no)t|"
    r"is(?:n'|n’| no)t|are(?:n'|n’| no)t)\b)\s*(?:[A-Za-z]+\s*)?$"
)
_GAP = re.compile(r"\s{3,}")  # where the reader blanked an inline formula out of the prose


def negated(segments) -> set[int]:
    """The indices (into ``segments``) of inline formulas the prose before them negates."""
    out: set[int] = set()
    maths: dict[int, list[int]] = {}
    for k, seg in enumerate(segments):
        if seg.kind == "math" and seg.line == seg.end_line:
            maths.setdefault(seg.line, []).append(k)
    for seg in segments:
        if seg.kind != "text" or seg.line not in maths:
            continue
        gaps = list(_GAP.finditer(seg.text))
        mine = maths[seg.line]
        if len(gaps) != len(mine):
            continue  # the formulas of the line are not the prose's gaps one for one
        for gap, k in zip(gaps, mine, strict=True):
            before = seg.text[: gap.start()]
            sentence = re.split(r"[.;:!?]\s", before)[-1]
            if _NEGATION.search(sentence):
                out.add(k)
    return out
