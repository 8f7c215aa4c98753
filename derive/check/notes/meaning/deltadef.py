"""δ as the note defines it: ``\\delta^{(l)} = \\frac{\\partial L}{\\partial z^{(l)}}`` with the
note's own batch cost.

The drawn network's ``\\delta^l`` is the derivative of the summed losses by ``z^l`` (Nielsen's
per-example error stacked, Ng's ``dZ``). A note that writes its cost over the batch
(``L = -\\frac{1}{N} \\sum_i \\sum_k y_{ik} \\log \\hat y_{ik}``) and names ``\\delta^{(l)}`` as
the derivative of that very cost by ``z^{(l)}`` means the derivative of the mean: its
``\\delta^{(3)} = \\frac{1}{N}(\\hat y - y)`` is then right. Read so only under the note's own
cost; any other cost keeps the summed losses.
"""

from __future__ import annotations

from . import bind


def _names_cost_derivative(delta, d, cost_name: str) -> bool:
    if delta is None or delta[0] != "atom" or delta[1].name != "delta" or not delta[1].sup:
        return False
    if d is None or d[0] != "d" or d[1] is None or d[3] is not None:
        return False
    num, den = d[1], d[2]
    if num[0] != "atom" or num[1].name != cost_name or not bind.is_cost(num[1]):
        return False
    return den[0] == "atom" and den[1].name == "z" and den[1].sup == delta[1].sup


def apply(note, stmts) -> bool:
    """Mark the note when it defines δ as the derivative of its own batch cost."""
    if not note.cost_read or not note.cost_name or not bind.mentions_batch(note.cost_tree):
        return False
    for ms in stmts:
        trees = [m.tree for m in ms]
        if len(trees) > 1 and any(
            _names_cost_derivative(trees[0], t, note.cost_name) for t in trees[1:]
        ):
            note.aliases[bind.DELTA_OF_COST] = True
            return True
    return False
