"""Deep networks without expression swell: every gradient of a layer is written in the named
quantities of that layer and its neighbours, so each layer's steps are the same whatever the
depth (not timed here: benchmarks/bench_depth.py times it)."""

from __future__ import annotations

import re

import pytest
import sympy as sp

from derive.engine.derivation import derive
from derive.engine.graph import Network
from derive.engine.ir import Elementwise, free_vars, walk

HIDDEN = ("relu", "tanh", "sigmoid")


def deep(depth: int) -> Network:
    layers = [(5, HIDDEN[k % len(HIDDEN)]) for k in range(depth - 1)] + [(3, "softmax")]
    return Network.from_layers(f"deep{depth}", 4, layers, cost="cross_entropy")


def layer_of(name: str) -> int:
    return int(re.fullmatch(r"[A-Za-z]+?(\d+)", name).group(1))


def relative(text: str, k: int) -> str:
    """``text`` with each layer number written relative to layer k: delta7 at k = 6 is
    delta[+1]. Equal texts for two layers mean equal steps up to the numbering."""
    return re.sub(
        r"\b([A-Za-z]+?)(\d+)\b", lambda m: f"{m.group(1)}[{int(m.group(2)) - k:+d}]", text
    )


def interior_steps(d) -> dict[tuple[str, str], set[str]]:
    """For the layers away from both ends: (step kind, activation) -> the relative texts."""
    depth = len(d.network.layers)
    out: dict[tuple[str, str], set[str]] = {}
    for s in d.steps:
        k = layer_of(s.of)
        if 1 < k < depth - 1:
            kind = re.match(r"[A-Za-z]+", s.name).group(0)
            out.setdefault((kind, HIDDEN[(k - 1) % 3]), set()).add(relative(repr(s.simplified), k))
    return out


@pytest.fixture(scope="module")
def deep40():
    return derive(deep(40))


def test_each_step_uses_only_neighbouring_layers(deep40):
    for s in deep40.steps:
        k = layer_of(s.of)
        for v in free_vars(s.simplified):
            if v.name in ("x", "y"):
                continue
            assert layer_of(v.name) in (k - 1, k, k + 1), (
                f"{s.name} = {s.simplified!r} uses {v.name}"
            )


def test_step_size_is_bounded(deep40):
    # A step is a few nodes (delta5 = (W6.T @ delta6) * (1 - A5**2) is 6), each elementwise
    # part a few operations, in layer 1 as in layer 39.
    for s in deep40.steps:
        nodes = walk(s.simplified)
        assert len(nodes) <= 8, f"{s.name} = {s.simplified!r}"
        ops = sum(sp.count_ops(n.expr) for n in nodes if isinstance(n, Elementwise))
        assert ops <= 6, f"{s.name} = {s.simplified!r}"


def test_interior_layers_have_the_same_steps_at_any_depth(deep40):
    shallow, deeper = interior_steps(derive(deep(8))), interior_steps(deep40)
    assert len(shallow) == 4 * len(HIDDEN)  # dA, delta, dW, db for each activation
    assert shallow == deeper
    # and one text per (kind, activation): layer k's steps never mention layer k +- 2
    assert all(len(texts) == 1 for texts in deeper.values()), deeper
