"""A Markdown table whose header names the quantities its cells give.

``|Name|$C$|$\\nabla_a C$|`` over ``|MSE|$\\frac{1}{2}\\sum_j (y_j - a^L_j)^2$|$a^L - y$|``: a
cell holding a formula with no relation of its own is the value of the quantity its column's
header names, so it is read as ``HEADER = CELL`` (``C = ...``, ``\\nabla_a C = a^L - y``) on
the row's line. Only a header cell that is one inline formula names a quantity; a cell with a
relation of its own (``\\sigma(z)_i = ...``) is read as it is. Its segment is marked
(``env = "table"``): a column headed by a cost (``$C$``) gives each row's own cost (MSE on one
row, cross-entropy on the next), in force for that row only (``conventions``).
"""

from __future__ import annotations

import re

_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_RELATION = re.compile(r"=|\\(?:equiv|approx|leq?|geq?|neq?|to|rightarrow)(?![A-Za-z])|[<>]")
_ONE_FORMULA = re.compile(r"^\$([^$]+)\$$")


def _cells(line: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the cells of a table row, ``|`` inside ``$...$`` kept."""
    bars, math = [], False
    for i, ch in enumerate(line):
        if ch == "$" and line[i - 1 : i] != "\\":
            math = not math
        elif ch == "|" and not math and line[i - 1 : i] != "\\":
            bars.append(i)
    edges = bars if line.lstrip().startswith("|") else [-1, *bars]
    if not line.rstrip().endswith("|"):
        edges = [*edges, len(line)]
    return [(a + 1, b) for a, b in zip(edges, edges[1:], strict=False)]


def header_of(lines: list[str], no: int, col: int) -> str | None:
    """The formula the header names for the cell at 0-based column offset ``col`` of line
    ``no`` (1-based), when that line is a body row of a table with such a header."""
    k = no - 1
    if not lines[k].lstrip().startswith("|"):
        return None
    while k > 0 and lines[k - 1].lstrip().startswith("|"):
        k -= 1
    if no - 1 <= k + 1 or not _DELIMITER.match(lines[k + 1]):
        return None  # no delimiter row, or the line is the header or the delimiter itself
    head, row = _cells(lines[k]), _cells(lines[no - 1])
    if len(head) != len(row):
        return None
    for c, (a, b) in enumerate(row):
        if a <= col < b:
            m = _ONE_FORMULA.match(lines[k][head[c][0] : head[c][1]].strip())
            return m.group(1).strip() if m else None
    return None


def named(lines: list[str], no: int, col: int, formula: str) -> str:
    """The formula of a table cell as the claim ``HEADER = CELL`` (see the module's text)."""
    if not formula.strip() or _RELATION.search(formula):
        return formula
    head = header_of(lines, no, col)
    if head is None or _RELATION.search(head):
        return formula
    return f"{head} = {formula}"
