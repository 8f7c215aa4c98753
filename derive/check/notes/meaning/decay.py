"""Weight decay: the lambda term of a regularised cost, and the course's accumulator Delta.

A note writes its regularised cost as the data term plus ``\\frac{\\lambda}{2m} \\sum_l \\sum_i
\\sum_j (\\Theta^{(l)}_{ji})^2`` (Ng's course) or ``\\frac{\\lambda}{2} \\sum (W^{(l)}_{ji})^2``
(UFLDL), often through a cost it wrote before (``J(W,b) = [\\frac{1}{m} \\sum_k J(W,b;x^{(k)},
y^{(k)})] + ...``), in a form the grammar does not evaluate. What matters is the scale of the
decay, read from the written text: lambda/(2m) ("m") or lambda/2 ("1"); the sums run over every
weight and never over a bias (the course leaves Theta's bias column out, which the drawn
network keeps apart as b). A note that uses lambda beside a weight (``+ \\lambda
\\Theta^{(l)}_{ij}``) but writes no regularised cost leaves the scale open: both are readings.

A reading with decay adds the term to the mean cost J (whatever the reading's C): lambda is a
drawn number (``LAMBDA``), bound only in such a reading, so a claim that writes lambda is judged
under decay readings only, and one that does not under the others too (notes state their
gradients "ignoring lambda"). The course's accumulator ``\\Delta^{(l)}`` (``\\Delta^{(l)} :=
\\Delta^{(l)} + \\delta^{(l+1)} (a^{(l)})^T`` over the examples) is the sum over the examples of
the data term's gradient for W^{(l)}: no decay in it.
"""

from __future__ import annotations

import re

import numpy as np

LAMBDA = 0.37
_WEIGHT = r"(W|w|\\Theta|\\theta)"
_SCALE = re.compile(r"\\frac\s*\{?\s*\\lambda\s*\}?\s*\{\s*2\s*(m|n|N)?\s*\}")
_SQUARED = re.compile(_WEIGHT + r"[^=]*\)?\s*\^\s*\{?\s*2")
_BESIDE = re.compile(
    r"\\lambda\s*\}?\s*(\{[^{}]*\}\s*)?\\?(W|w|Theta|theta)\b|\\lambda\s*\\(Theta|theta)"
)


def costs_written(stmts):
    """The right-hand sides (as written) of the note's costs, J(\\Theta) = ..., read or not."""
    from .bind import is_cost
    from .grammar import COSTS

    for ms in stmts:
        lhs = ms[0].tree
        if len(ms) < 2 or lhs is None or lhs[0] not in ("atom", "call"):
            continue
        if ms[1].tree is not None and ms[1].tree[0] == "num":
            continue  # L = 4: the number of layers
        head = lhs[1]
        if head.name in COSTS and not head.primes and (lhs[0] == "call" or is_cost(head)):
            yield " ".join(m.text for m in ms[1:])


def scales(stmts, costs) -> list[str]:
    """The decay readings the note allows: "m" (lambda/(2m)), "1" (lambda/2); none when it
    never writes lambda beside a weight. ``costs`` are the texts of its written costs."""
    found = []
    for text in costs:
        m = _SCALE.search(text)
        if m and _SQUARED.search(text[m.end() :]):
            found.append("1" if not m.group(1) else "m")
    if found:
        return sorted(set(found))
    for ms in stmts:
        if any(_BESIDE.search(m.text) for m in ms):
            return ["m", "1"]
    return []


def term(st, scale: str) -> float:
    """lambda/2 (or lambda/(2m)) times the sum of the squared weights of the drawn network."""
    total = sum(float(np.sum(v**2)) for k, v in st.values.items() if k[0] == "W")
    return LAMBDA / 2 * total / (st.net.m if scale == "m" else 1)


def with_decay(fn, sum_factor: float, scale: str):
    """The reading's cost C with the decay added to the mean cost J = C * sum_factor / m."""

    def f(st):
        return fn(st) + term(st, scale) * st.net.m / sum_factor

    f.data = fn  # the data term alone (an example's cost, the accumulator): kept by every
    return f  # state derived from this one, as its cost function is


def data_term(st):
    """The state's cost without its decay."""
    return getattr(st.cost_fn, "data", st.cost_fn)


def accumulated(st, node):
    """The course's Delta^{(l)}: the sum over the examples of the data term's gradient."""
    data = data_term(st)
    return st.grad(lambda s: data(s) * s.sum_factor, node)
