"""Entries written with brackets, as NumPy indexes them: ``W_i[r, c]``, ``b_1[j]``.

Programmers' notes index every quantity ``M[row, column]``: a column vector is ``A[r, 0]``
(column 0, its only one: one example's vector, so ``A``, ``Z``, ``X`` there are the model's
lower-case a, z, x and ``T`` the target y), a matrix entry ``W[r, c]``, a vector entry
``b[j]``. The name's own subscript there is its layer (``W_1``, ``A_i``, ``A_{i-1}``,
``A_{out}`` for the output layer), so ``A_i[r, 0]`` is written ``a^{i}_{r}`` and ``W_1[p, j]``
is ``W^{1}_{pj}``, the form the grammar reads (a general layer letter is then
``sublayers.py``'s). Only index letters, a digit and ``0`` for the one column are read; any
other index (``[i, y_i]``) is left as it is, not understood, and so is one index after a name
with no subscript (``W[1]``, ``A[l]``: Ng's layer, as plain-text notes write it).
"""

from __future__ import annotations

import re

# a name (one letter, its subscript; after the d of dW too) and a bracket of one or two
# plain indices right after it
_ENTRY = re.compile(
    r"(?:(?<![A-Za-z\\])|(?<=(?<![A-Za-z\\])d))([A-Za-z])(?:_\{\s*([^{}\s]+?)\s*\}|_([A-Za-z0-9]))?"
    r"\s?\[\s*([a-z]|\d)\s*(?:,\s*([a-z]|\d)\s*)?\]"
)


# a capital written as a column (A[r, 0]) is one example's vector, as the model's lower-case
# letters are (a capital A, Z, X is the batch there); T[r, 0] is the target's column
_COLUMNS = {"A": "a", "Z": "z", "X": "x", "Y": "y", "T": "y"}


def rewrite(s: str) -> str:
    """``s`` with its bracket entries as sub- and superscripts."""
    if "[" not in s or not _ENTRY.search(s):
        return s

    def entry(m):
        name, layer = m.group(1), m.group(2) or m.group(3)
        first, second = m.group(4), m.group(5)
        if second is None:
            if layer is None or not first.isalpha():
                return m.group(0)  # W[1], A[l]: Ng's layer in brackets, not an entry
            idx = first
        elif second == "0" and first != "0":
            idx = first  # A[r, 0]: entry r of a column vector, one example's
            name = _COLUMNS.get(name, name)
        elif first.isdigit() or second.isdigit():
            return m.group(0)  # a numbered entry of a matrix: not read
        else:
            idx = first + second
        if layer is None:
            return f"{name}_{{{idx}}}"
        if layer == "out":
            layer = "L"  # A_{out}: the output layer
        if not re.fullmatch(r"[A-Za-z]([+-]\d)?|\d", layer):
            return m.group(0)
        return f"{name}^{{{layer}}}_{{{idx}}}"

    return _ENTRY.sub(entry, s)
