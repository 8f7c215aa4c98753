"""The linear-algebra rules, proven: at small explicit sizes, every vectorized gradient the
engine derives equals ``sympy.diff`` of the fully expanded scalar cost, entry by entry, to
35 significant digits at random points.

The points are 60-digit floats rather than exact rationals: everything but the one entry being
differentiated is a number, so SymPy's arithmetic folds the expanded network into a function of
that entry alone (exact rationals through exp and tanh would instead keep growing)."""

import random

import pytest
import sympy as sp

from derive.engine.derivation import derive
from derive.engine.derivation import m as m_symbol
from derive.engine.graph import Network
from derive.engine.registry import ACTIVATIONS, COSTS
from derive.engine.spec import load_spec
from derive.resources import EXAMPLES

from .explicit import evaluate, expand, symbols_for

M = 2
DIGITS = 60


def _point(net, env, rng):
    point = {}
    for name in [net.x.name, net.y.name, *net.params]:
        for s in env[name]:
            point[s] = sp.Float(sp.Rational(rng.randint(-900, 900), 500), DIGITS)
    if net.columns_sum_to_one:  # one-hot targets, the assumption the derivation states
        for j in range(M):
            hot = rng.randrange(net.outputs)
            for i in range(net.outputs):
                point[env["y"][i, j]] = sp.Integer(int(i == hot))
    elif net.cost_name == "binary_cross_entropy":
        for s in env["y"]:
            point[s] = sp.Integer(rng.randint(0, 1))
    return point


def check_against_expansion(net: Network, seed: int = 0, max_entries: int = 12, tamper=None):
    """Compare each parameter's derived gradient with sympy.diff of the expanded cost."""
    d = derive(net)
    rng = random.Random(seed)
    env = symbols_for(net, M)
    point = _point(net, env, rng)
    numeric = {k: v.xreplace(point) for k, v in env.items()}
    # The engine's gradients, evaluated explicitly from the numeric forward pass.
    values, _ = expand(net, M, numeric)
    for s in d.steps:
        val = evaluate(s.simplified, values, M)
        values[s.name] = val * d.scale.subs(m_symbol, M) if s.kind == "param" else val
        if s.penalty is not None:  # weight decay's term, added after the scale
            values[s.name] = values[s.name] + evaluate(s.penalty, values, M)
        if tamper is not None:
            values[s.name] = tamper(s.name, values[s.name])
    checked = 0
    for p in net.params:
        entries = list(enumerate(env[p]))
        for idx, sym in rng.sample(entries, min(len(entries), max_entries)):
            # Everything numeric except this one entry: the cost stays the fully expanded
            # scalar function of it, small enough to differentiate quickly.
            partial = {
                k: v.xreplace({q: w for q, w in point.items() if q != sym}) for k, v in env.items()
            }
            _, cost = expand(net, M, partial)
            truth = sp.diff(cost, sym).xreplace({sym: point[sym]})
            got = values[f"d{p}"][idx]
            err = sp.N(truth - got, 50)
            assert abs(err) <= sp.Float("1e-35") * max(1, abs(sp.N(truth, 50))), (
                f"{net.name}: d{p}[{idx}] analytic {sp.N(got, 20)} vs sympy.diff {sp.N(truth, 20)}"
            )
            checked += 1
    return checked


@pytest.mark.parametrize("act", sorted(a for a in ACTIVATIONS if a != "softmax"))
def test_hidden_activation(act):
    net = Network.from_layers(f"h_{act}", 3, [(4, act), (2, "identity")], cost="squared_error")
    assert check_against_expansion(net) > 0


@pytest.mark.parametrize("act", sorted(a for a in ACTIVATIONS if a != "softmax"))
def test_output_activation(act):
    net = Network.from_layers(f"o_{act}", 3, [(2, "tanh"), (2, act)], cost="squared_error")
    assert check_against_expansion(net, seed=1) > 0


@pytest.mark.parametrize("cost", sorted(COSTS))
def test_costs(cost):
    out = {"cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}.get(cost, "identity")
    net = Network.from_layers(f"c_{cost}", 3, [(4, "relu"), (2, out)], cost=cost)
    assert check_against_expansion(net, seed=2) > 0


def test_softmax_with_squared_error():
    """softmax without cross-entropy: the full Jacobian, no one-hot shortcut available."""
    net = Network.from_layers("sm_se", 3, [(3, "sigmoid"), (3, "softmax")], cost="squared_error")
    assert check_against_expansion(net, seed=3) > 0


def test_softmax_with_binary_cross_entropy():
    """An unusual pairing (it once sent the simplifier into endless recursion)."""
    net = Network.from_layers("sm_bce", 3, [(3, "softmax")], cost="binary_cross_entropy")
    assert check_against_expansion(net, seed=7) > 0


def test_custom_activation_and_cost():
    net = Network.from_layers(
        "custom", 3, [(3, "own_mish"), (2, "sigmoid")],
        cost_expr="log(cosh(a - y))", activations={"own_mish": "z * tanh(log(1 + exp(z)))"},
    )  # fmt: skip
    assert check_against_expansion(net, seed=4) > 0


def test_sum_reduction():
    net = Network.from_layers("sum", 3, [(2, "tanh"), (1, "sigmoid")], reduction="sum")
    assert check_against_expansion(net, seed=5) > 0


@pytest.mark.parametrize("example", sorted(p.stem for p in EXAMPLES.glob("*.toml")))
def test_examples(example):
    net = load_spec(EXAMPLES / f"{example}.toml")
    if max(s for v in net.values.values() for s in v.shape if s != "m") > 6:
        pytest.skip("too large to expand symbolically; covered by finite differences")
    assert check_against_expansion(net, seed=6, max_entries=6) > 0


def test_the_proof_can_fail():
    """A gradient off by one part in 10^20 is caught: the comparison is not vacuous."""
    net = Network.from_layers("tamper", 3, [(2, "tanh"), (1, "sigmoid")])
    nudge = sp.Float("1e-20", DIGITS)

    def tamper(name, value):
        return value * (1 + nudge) if name == "dW1" else value

    with pytest.raises(AssertionError, match="dW1"):
        check_against_expansion(net, tamper=tamper)
