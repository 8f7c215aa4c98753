"""The notes' chain view: factors, labels and values, and their product against sympy.diff of
the composed scalar network."""

from __future__ import annotations

import random

import pytest
import sympy as sp

from derive.engine.chain import COST, chain, chains, symbol
from derive.engine.derivation import derive
from derive.engine.graph import Network
from derive.engine.registry import ACTIVATIONS, expand_activations
from derive.engine.spec import load_spec, parse_spec
from derive.resources import EXAMPLES

from .explicit import expand, symbols_for

A1, A2, z1, z2, W2, x, y = (symbol(n) for n in ("A1", "A2", "z1", "z2", "W2", "x", "y"))


@pytest.fixture(scope="module")
def seed():
    return derive(load_spec())


def _same(values, expected):
    assert len(values) == len(expected)
    for got, want in zip(values, expected, strict=True):
        assert sp.expand(got - want) == 0, (got, want)


def _shape(path):
    return [(f.numerator, f.denominator, f.label) for f in path]


def test_seed_w2_is_the_notes_three_factors(seed):
    c = chain(seed, "W2")
    assert c.n_paths == 1 and len(c.paths) == 1
    (path,) = c.paths
    assert _shape(path) == [
        ("z2", "W2", "input"),
        ("A2", "z2", "sigmoid prime"),
        (COST, "A2", "cost derivative"),
    ]
    _same([f.value for f in path], [A1, A2 * (1 - A2), 2 * (A2 - y)])
    sigmoid = ACTIVATIONS["sigmoid"].function
    # A2(1 - A2) is sigma(z2)(1 - sigma(z2)), the form the notes write
    assert sp.simplify(path[1].form - sigmoid(z2) * (1 - sigmoid(z2))) == 0
    assert sp.expand(c.result - A1 * A2 * (1 - A2) * 2 * (A2 - y)) == 0
    assert c.groups == [[(1, "delta2")]]


def test_seed_b2_and_b1(seed):
    (b2,) = chain(seed, "b2").paths
    _same([f.value for f in b2], [1, A2 * (1 - A2), 2 * (A2 - y)])
    c = chain(seed, "b1")
    (path,) = c.paths
    # The notes: dz1/dB1 x dA1/dz1 x dz2/dA1 x dA2/dz2 x dC/dA2 = (1)(z1 > 0) w2 delta (2A2 - 2Y):
    # after the 1 of the bias, the four factors relu prime, the weight, sigmoid prime and the
    # cost derivative.
    assert _shape(path) == [
        ("z1", "b1", "bias"),
        ("A1", "z1", "relu prime"),
        ("z2", "A1", "weight"),
        ("A2", "z2", "sigmoid prime"),
        (COST, "A2", "cost derivative"),
    ]
    relu_prime = sp.Piecewise((1, z1 > 0), (0, True))
    _same([f.value for f in path], [1, relu_prime, W2, A2 * (1 - A2), 2 * (A2 - y)])
    assert c.groups == [[(1, "delta1"), (3, "delta2")]]


def test_chain_order_follows_the_notes(seed):
    assert [c.param for c in chains(seed)] == ["W2", "b2", "W1", "b1"]


def _compare(net: Network, params: list[str]):
    """Each chain's result against sympy.diff of the fully expanded scalar cost (m = 1, one
    unit per layer), at random points."""
    d = derive(net)
    env = symbols_for(net, 1)
    values, cost = expand(net, 1, env)
    sub = {symbol(n): values[n][0, 0] for n in [*net.params, *net.values, "x", "y"]}
    rng = random.Random(3)
    for p in params:
        c = chain(d, p)
        ours = expand_activations(c.result.xreplace(sub))
        truth = sp.diff(cost, env[p][0, 0])
        for _ in range(5):
            point = {
                s: sp.Rational(rng.randint(-20, 20), 10)
                for s in truth.free_symbols | ours.free_symbols
            }
            left, right = sp.N(ours.xreplace(point), 30), sp.N(truth.xreplace(point), 30)
            assert abs(left - right) < 1e-25 * (1 + abs(right)), (p, left, right)
        # the listed paths sum to the result
        assert sp.simplify(sum(c.product(path) for path in c.paths) - c.result) == 0


def test_product_of_factors_is_sympy_diff_of_composed_network():
    net = Network.from_layers("tiny", 1, [(1, "relu"), (1, "sigmoid")])
    _compare(net, ["W2", "b2", "W1", "b1"])


@pytest.mark.parametrize("act", ["tanh", "softplus", "silu", "elu"])
def test_product_other_activations(act):
    net = Network.from_layers("tiny", 1, [(1, act), (1, "sigmoid")], cost="binary_cross_entropy")
    _compare(net, ["W1", "b1", "W2"])


def test_weight_used_twice_has_two_paths():
    spec = """
name = "tied"
inputs = 1
outputs = 1
[params]
W = [1, 1]
b1 = [1, 1]
b2 = [1, 1]
[equations]
z1 = "W @ x + b1"
A1 = "tanh(z1)"
z2 = "W @ A1 + b2"
A2 = "sigmoid(z2)"
[cost]
name = "squared_error"
"""
    net = parse_spec(spec, "tied.toml")
    c = chain(derive(net), "W")
    assert c.n_paths == 2
    assert [[f.denominator for f in p] for p in c.paths] == [
        ["W", "z1", "A1", "z2", "A2"],
        ["W", "z2", "A2"],
    ]
    assert [c.paths[0][0].value, c.paths[1][0].value] == [x, A1]
    _compare(net, ["W", "b1", "b2"])


def test_shared_weight_example_sums_all_paths():
    # the example's graph with tanh for own_mish: deriving its derivative alone takes seconds
    text = (
        (EXAMPLES / "shared_weight.toml")
        .read_text()
        .replace('A1 = "own_mish(z1)"', 'A1 = "tanh(z1)"')
    )
    assert 'A1 = "tanh(z1)"' in text
    net = parse_spec(text, "shared_weight.toml")
    c = chain(derive(net), "W")
    # W feeds z1 and z2; A1 reaches A2 both through z2 and directly (A2 = A1 * sigmoid(z2))
    assert c.n_paths == len(c.paths) == 3
    assert {p[0].label for p in c.paths} == {"input"}


def test_softmax_factors_are_taken_together():
    d = derive(load_spec(EXAMPLES / "digits.toml"))
    (path,) = chain(d, "W2").paths
    assert [(f.numerator, f.denominator, f.label) for f in path] == [
        ("z2", "W2", "input"),
        (COST, "z2", "delta"),
    ]
    assert path[1].value == A2 - y  # from the derivation, with the one-hot assumption
    assert "softmax" in path[1].note
