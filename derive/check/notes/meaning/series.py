"""A sum written out with dots: ``y_1 + y_2 + \\dots + y_n`` is ``\\sum_{q=1}^{n} y_q``.

Index derivations write a sum by its first terms and its last one (``\\frac{\\partial
L}{\\partial p_1} \\frac{\\partial p_1}{\\partial x_i} + \\frac{\\partial L}{\\partial p_2}
\\frac{\\partial p_2}{\\partial x_i} + \\dots + \\frac{\\partial L}{\\partial p_n}
\\frac{\\partial p_n}{\\partial x_i}``). When the first two terms are one term with the number 1,
then 2, in the same places, and the last is that term with one letter there (n, N, K, C),
the series is the sum of that term over a new index from 1 to that letter, and is read so
before the grammar drops the dots. Any other series with dots (a term in the middle that differs,
two runs of dots, a minus) is left as written: the grammar then does not read it.
"""

from __future__ import annotations

import re

_DOTS = re.compile(r"\\(?:dots|cdots|ldots|dotsb)(?![A-Za-z])|\.\.\.")
_TOKEN = re.compile(r"\\[A-Za-z]+|\d|[A-Za-z]|\S")
_OPEN, _CLOSE = "({[", ")}]"


def _bounds(s: str, start: int, end: int) -> tuple[int, int]:
    """The span around s[start:end] up to the group it stands in, or a relation sign."""
    depth, i = 0, start - 1
    while i >= 0:
        ch = s[i]
        if ch in _CLOSE and s[i - 1 : i] != "\\":
            depth += 1
        elif ch in _OPEN and s[i - 1 : i] != "\\":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (ch in "=&" or s[i - 1 : i + 1] == "\\\\"):
            break
        i -= 1
    depth, j = 0, end
    while j < len(s):
        ch = s[j]
        if ch in _OPEN and s[j - 1 : j] != "\\":
            depth += 1
        elif ch in _CLOSE and s[j - 1 : j] != "\\":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (ch in "=&" or s[j : j + 2] == "\\\\"):
            break
        j += 1
    return i + 1, j


def _terms(seg: str) -> list[str] | None:
    """The top-level terms of a segment split at its + signs; None when it has a minus."""
    out, depth, last = [], 0, 0
    for k, ch in enumerate(seg):
        if ch in _OPEN and seg[k - 1 : k] != "\\":
            depth += 1
        elif ch in _CLOSE and seg[k - 1 : k] != "\\":
            depth -= 1
        elif depth == 0 and ch == "+":
            out.append(seg[last:k])
            last = k + 1
        elif depth == 0 and ch == "-" and seg[:k].strip():
            return None
    out.append(seg[last:])
    return out


def _template(t1: str, t2: str, tn: str):
    """(the spans of t1 that count, the last term's letter) when t2 and tn are t1 with 1 -> 2
    and 1 -> the letter in those spans (and nowhere else), else None."""
    a, b, c = (list(_TOKEN.finditer(t)) for t in (t1, t2, tn))
    if not (len(a) == len(b) == len(c)) or not a:
        return None
    spans, letter = [], None
    for x, y, z in zip(a, b, c, strict=True):
        gx, gy, gz = x.group(), y.group(), z.group()
        if gx == gy == gz:
            continue
        if gx == "1" and gy == "2" and re.fullmatch(r"[A-Za-z]", gz):
            if letter not in (None, gz):
                return None
            letter = gz
            spans.append(x.span())
            continue
        return None
    if not spans:
        return None
    return spans, letter


def fold(s: str) -> str:
    """The text with each simple dotted series written as a sum."""
    found = list(_DOTS.finditer(s))
    if len(found) != 1:
        return s  # none, or several runs of dots (a term in the middle): left as written
    m = found[0]
    lo, hi = _bounds(s, m.start(), m.end())
    terms = _terms(s[lo:hi])
    if terms is None:
        return s
    at = [k for k, t in enumerate(terms) if _DOTS.fullmatch(t.strip())]
    if len(at) != 1 or at[0] < 2 or at[0] + 1 >= len(terms):
        return s
    k = at[0]
    found = _template(terms[k - 2].strip(), terms[k - 1].strip(), terms[k + 1].strip())
    if found is None:
        return s
    spans, letter = found
    free = [q for q in "qrsuv" if not re.search(rf"(?<![A-Za-z\\]){q}(?![A-Za-z])", s)]
    if not free:
        return s
    q, body = free[0], terms[k - 2].strip()
    for a, b in reversed(spans):
        body = body[:a] + q + body[b:]
    total = f" \\sum_{{{q}=1}}^{{{letter}}} {{{body}}} "
    return s[:lo] + "+".join(terms[: k - 2] + [total] + terms[k + 2 :]) + s[hi:]


_COLUMN = re.compile(
    r"(?:\\left\s*)?(?P<open>[(\[])?\s*\\begin\{(?P<env>[pbvB]?matrix)\}(?P<body>.*?)"
    r"\\end\{(?P=env)\}\s*(?:\\right\s*)?(?P<close>[)\]])?",
    re.S,
)


def column(s: str) -> str:
    """A column written by its entries with a ``\\vdots`` (``\\begin{pmatrix} p_1 - y_1 \\\\ p_2 -
    y_2 \\\\ \\vdots \\\\ p_n - y_n \\end{pmatrix}``): when the first two rows are one entry with
    the subscript 1, then 2, and the last with n, and every such subscript is a whole subscript,
    the column is that entry with the subscripts dropped: the vectors themselves, entry by entry
    (``(p - y)``). Anything else is left as written."""
    m = _COLUMN.search(s)
    if not m or bool(m.group("open")) != bool(m.group("close")):
        return s
    rows = [r.strip() for r in re.split(r"\\\\(?:\[[^\]]*\])?", m.group("body"))]
    rows = [r for r in rows if r]
    dots = [k for k, r in enumerate(rows) if r == "\\vdots"]
    if len(dots) != 1 or dots[0] != len(rows) - 2 or len(rows) != 4 or "&" in m.group("body"):
        return s
    found = _template(rows[0], rows[1], rows[3])
    if found is None:
        return s
    spans, _letter = found
    body = rows[0]
    for a, b in reversed(spans):
        before = body[:a]
        if before.endswith("_") and not body[b:].startswith(("}",)):
            body = before[:-1] + body[b:]
        elif before.endswith("_{") and body[b:].startswith("}"):
            body = before[:-2] + body[b + 1 :]
        else:
            return s  # a number inside a longer subscript (a_{L1}): not one entry index
    return s[: m.start()] + "(" + body + ")" + s[m.end() :]
