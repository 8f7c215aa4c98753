"""A cost written as a word: ``Loss = -y\\log p - ...``, ``\\frac{dLoss}{dx}``, ``Loss^{'}``.

Notes name the cost with a word (``Loss``, ``Cost``, and ``Error`` where the note defines it
as a squared error or a log loss) where the grammar reads one letter per symbol. When the
note's math uses such a word as a symbol, and the letter of that word (``L``, ``C``, ``E``)
is no symbol of its own, the word is read as that letter in every
formula of the note (``dLoss`` as ``dL``), so the cost and its derivatives bind as any other
note's. A word inside ``\\text{...}`` or ``\\mathrm{...}`` is prose and stays.
"""

from __future__ import annotations

import dataclasses
import re

# "error" only where the note defines it as a cost (``Error = \frac12 (y - t)^2``): notes also
# call y - a the error, a quantity rather than the cost
_WORDS = {"Loss": "L", "loss": "L", "Cost": "C", "cost": "C", "Error": "E", "error": "E"}
_AS_COST = {"Error", "error"}


def _defined_as_cost(word: str, maths) -> bool:
    """The note writes ``word = ...`` with a square, a log or a sum on the right."""
    pat = re.compile(r"(?<![A-Za-z\\])" + word + r"\s*(?:\([^()]*\))?\s*=([^=]*)")
    return any(
        re.search(r"\^\s*\{?\s*2|\\log|\\ln|\\sum", m.group(1))
        for t in maths
        for m in pat.finditer(t)
    )


def _word(w: str) -> re.Pattern:
    return re.compile(r"(?<![A-Za-z\\])(d?)" + w + r"(?![A-Za-z])")  # Loss, dLoss, {Loss}


def _letter(c: str) -> re.Pattern:
    return re.compile(r"(?<![A-Za-z\\])" + c + r"(?![A-Za-z])")


def rename(segments):
    """The segments with a cost word read as its letter (see the module doc)."""
    maths = [s.text for s in segments if s.kind == "math"]
    out = segments
    for word, letter in _WORDS.items():
        pat = _word(word)
        bare = [re.sub(r"\\(?:text|mathrm|operatorname)\s*\{[^{}]*\}", " ", t) for t in maths]
        if not any(pat.search(t) for t in bare):
            continue
        if word in _AS_COST and not _defined_as_cost(word, bare):
            continue
        if any(_letter(letter).search(pat.sub(" ", t)) for t in bare):
            continue  # the letter is a symbol of the note's own: the word stays unread

        def sub(t: str, pat=pat, letter=letter) -> str:
            return pat.sub(lambda m: m.group(1) + letter, t)

        out = [
            dataclasses.replace(s, text=sub(s.text), lhs=sub(s.lhs)) if s.kind == "math" else s
            for s in out
        ]
        maths = [s.text for s in out if s.kind == "math"]
    return out
