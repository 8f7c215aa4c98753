"""A note that writes its forward pass in both layouts.

Some notes write ``z^L = a^{L-1} w^L + b^L`` (examples as rows) in one place and
``z^L = w^L \\sigma(z^{L-1}) + b^L`` (columns) in another, then derive in one of them. The
layout scoring keeps the layout under which more forward equations hold; when each layout has
a forward equation that holds under it alone, the note has used both, and a claim that is
right under either is right in the note: the other layout is kept as a second reading, so
that a claim is called wrong only when it fails under both.
"""

from __future__ import annotations


def other_layout(candidates, scores, held, chosen: str):
    """The best (layout, base, shift) of the layout not ``chosen``, when each layout has a
    forward equation (an index into the note's forward list) that holds only under it; else
    None. ``held[cand]`` is the set of forward equations that hold under candidate ``cand``."""
    by_layout: dict[str, set[int]] = {}
    for cand in candidates:
        by_layout.setdefault(cand[0], set()).update(held[cand])
    if len(by_layout) < 2:
        return None
    mine = by_layout.get(chosen, set())
    theirs = set().union(*(v for k, v in by_layout.items() if k != chosen))
    if not (mine - theirs) or not (theirs - mine):
        return None
    rest = [c for c in candidates if c[0] != chosen and scores[c][0] > 0]
    if not rest:
        return None
    best = max(rest, key=lambda c: scores[c])
    return best[:3]
