"""Definitions of a vector function by its entries: ``\\sigma(\\vec{z})_i = \\frac{e^{z_i}}{\\sum_j
e^{z_j}}``, ``\\mathrm{softmax}(x)_k = …``.

A formula whose left side is entry ``i`` of a function applied to bare variables, and whose
right side uses that index, says what the function is: it binds, it is not a claim. The
function's name may be one the network already uses for something else (a note that writes
its softmax as ``\\sigma``); judging such a line against the network's sigmoid would call a
definition wrong.
"""

from __future__ import annotations

from . import bind


def is_entry_definition(lhs, rhs) -> bool:
    """``f(v)_i = BODY`` with ``v`` bare letters and ``i`` free in BODY."""
    if lhs is None or rhs is None or lhs[0] != "idx" or not isinstance(lhs[1], tuple):
        return False
    call, index = lhs[1], lhs[2]
    if call[0] != "call" or not isinstance(index, str) or not index.isalpha():
        return False
    args = call[2]
    if not args or not all(a[0] == "atom" and a[1].sup is None and a[1].sub is None for a in args):
        return False
    return index in bind.free_indices(rhs)
