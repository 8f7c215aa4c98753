"""The names of a worked example in vectors, each standing for the numbers the note gives it.

A worked example in vectors names its arrays and works each step from them: ``x = [1, 2]``,
``W_1 = [[0.5, 0.3], [0.2, 0.4]]``, ``b_1 = [0.1, 0.2]``, then ``z1 = W1 @ x + b1 = [[0.5, 0.3],
[0.2, 0.4]] @ [1, 2] + [0.1, 0.2] = [1.2, 1.2]`` and ``h1 = ReLU(z1) = [1.2, 1.2]``. A name
stands for the numbers the note writes last for it (``z_1`` for ``[1.2, 1.2]``), as written
(their precision with them); a step from a formula in those names to numbers is then arithmetic
(``numvec.py``'s rule), judged only where an array is involved (a worked example in scalars is
``worked.py``'s). A name the note gives numbers that differ (a second pass, updated weights)
stands for none, and a formula with a name that has no numbers is not read.
"""

from __future__ import annotations

import re

import numpy as np

# a one-letter name with an optional index, z_1, z_{1}, W_{1}, x: not a letter of a word
_NAME = re.compile(r"(?<![\\A-Za-z0-9_{])([A-Za-z])(?:_(?:\{\s*([A-Za-z0-9]{1,3})\s*\}|([0-9])))?"
                   r"(?![A-Za-z0-9_{(])")  # fmt: skip


def _key(m: re.Match) -> tuple[str, str]:
    return m.group(1), (m.group(2) or m.group(3) or "")


def named(stmts, numeric, evaluate, Cant, has_array) -> dict:
    """(letter, index) -> (the text of the numbers the note writes last for that name, whether
    a formula that gives it writes an array), for the names whose numbers all agree."""
    found: dict = {}
    for members in stmts:
        if len(members) < 2:
            continue
        m = _NAME.fullmatch(members[0].text.strip())
        last = re.split(r"\\approx(?![A-Za-z])", members[-1].text)[-1].strip()
        if not m or not numeric(last):
            continue
        try:
            v = np.asarray(evaluate(last), dtype=float)
        except (Cant, ValueError, TypeError, ZeroDivisionError, OverflowError):
            continue
        arrays = any(has_array(x.text) for x in (*members[0].before, *members))
        found.setdefault(_key(m), []).append((last, v, arrays))
    out = {}
    for key, seen in found.items():
        v0 = seen[-1][1]
        if all(_same(v, v0) for _, v, _ in seen):
            out[key] = (seen[-1][0], any(a for _, _, a in seen))
    return out


def _same(a, b) -> bool:
    """One value written twice (a number and a 1 x 1 array are one number)."""
    if np.size(a) != np.size(b) or (np.size(a) > 1 and np.shape(a) != np.shape(b)):
        return False
    return bool(np.allclose(np.ravel(a), np.ravel(b), rtol=1e-3, atol=1e-9))


# what a formula of names may hold besides them: sums, products, ReLU, transposes. A smooth
# function (\sigma'(z_2), e^{-z}) of a rounded number is left alone: where the note's numbers
# disagree (its \hat y computed from another z_2), the step it works from \hat y is not wrong
_PLAIN = re.compile(r"ReLU|relu|\\cdot|\\times|\\left|\\right|\^\s*\{?\s*T\s*\}?|[-+()\[\],.@\s\d]")


def substitute(text: str, names: dict) -> tuple[str, bool] | None:
    """The formula with each name replaced by its numbers, and whether one of them is of the
    worked example in arrays; None when a name has none, or the formula holds more than sums,
    products and ReLU of them."""
    if _PLAIN.sub("", _NAME.sub("", text)):
        return None
    missing, arrays = False, False

    def put(m: re.Match) -> str:
        nonlocal missing, arrays
        if m.group(1) == "e" and not m.group(2) and not m.group(3):
            return m.group(0)  # e^{-0.5}
        got = names.get(_key(m))
        if got is None:
            missing = True
            return m.group(0)
        arrays = arrays or got[1]
        return f"({got[0]})"

    out = _NAME.sub(put, text)
    return None if missing else (out, arrays)
