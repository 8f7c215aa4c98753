"""A lower-case ``^t`` for the transpose (``\\delta_2 a_1^t``, ``W_2^t \\delta_2``).

Some course notes (Spanish and French ones often) write the transpose with a lower-case t.
The same mark is a time step in other notes (``h^t``, ``h^{t-1}``) or a layer letter, so it
is read as the transpose only in a note where t is nothing else: never a subscript, never in
``t-1``/``t+1``, never a letter of its own (a target t), never inside a superscript with
anything else, and no capital ``^T`` or ``\\top`` of the note's (whose transpose is then that).
"""

from __future__ import annotations

import re

_MARK = re.compile(r"\^\s*(?:\{\s*t\s*\}|t(?![A-Za-z0-9]))")
_OTHER_T = re.compile(
    r"_\s*\{?\s*t\b|\bt\s*[-+]\s*1|\^\s*\{[^{}]*\bt\b[^{}]*[^\s{}t][^{}]*\}|\^\s*\{\s*\(\s*t\b"
    r"|\^\s*(?:T\b|\{\s*T\s*\}|\\top|\{\s*\\top\s*\})"
)


def _rest(text: str) -> str:
    """The text with the ^t marks and the commands (\\text, \\frac ...) taken out."""
    text = _MARK.sub(" ", text)
    return re.sub(r"\\[A-Za-z]+", " ", text)


def applies(texts: list[str]) -> bool:
    """Whether the note's formulas write ``^t`` and t means nothing else in them."""
    if not any(_MARK.search(t) for t in texts):
        return False
    for t in texts:
        if _OTHER_T.search(t) or re.search(r"(?<![A-Za-z])t(?![A-Za-z])", _rest(t)):
            return False
    return True


def rewrite(text: str) -> str:
    return _MARK.sub("^T", text)
