"""The layer kinds, proven like every other rule: batch norm, layer norm and dropout (with
its mask held fixed) expand into the IR's nodes, and each gradient the engine derives for them
equals ``sympy.diff`` of the fully expanded scalar cost at small sizes. Batch norm's compact
gradient (the form courses print) is proven equal to the raw chain through the mean and the
variance that the rules produce."""

import random

import pytest
import sympy as sp

from derive.emit.text import node_text
from derive.engine.derivation import derive
from derive.engine.graph import Network
from derive.engine.ir import free_vars
from derive.engine.layers import Layer

from .explicit import evaluate, expand, symbols_for
from .test_proof import DIGITS, check_against_expansion


def bn(act="identity", eps=1e-5):
    return Layer(0, act, "batchnorm", eps=eps)


def ln(act="identity"):
    return Layer(0, act, "layernorm")


def drop(p):
    return Layer(0, kind="dropout", p=p)


NETS = {
    "batchnorm": [(3, "identity"), bn("tanh"), (2, "sigmoid")],
    "batchnorm_first": [bn(), (2, "identity")],
    "batchnorm_eps": [(2, "tanh"), bn(eps=0.5), (1, "sigmoid")],
    "layernorm": [(3, "identity"), ln("tanh"), (2, "sigmoid")],
    "dropout": [(3, "tanh"), drop(0.5), (2, "identity")],
    "dropout_input": [drop(0.25), (2, "tanh")],
    "all_kinds": [(3, "relu"), bn(), drop(0.5), ln("sigmoid"), (2, "identity")],
}


@pytest.mark.parametrize("name", sorted(NETS))
def test_layer_kind_gradients_equal_sympy_diff(name):
    net = Network.from_layers(name, 2, NETS[name], cost="squared_error")
    assert check_against_expansion(net, seed=11, max_entries=6) > 0


def test_layer_kind_with_cross_entropy():
    net = Network.from_layers("bn_ce", 2, [(3, "identity"), bn("relu"), (3, "softmax")],
                              cost="cross_entropy")  # fmt: skip
    assert check_against_expansion(net, seed=12, max_entries=4) > 0


def test_the_proof_sees_a_wrong_batchnorm_gradient():
    net = Network.from_layers("bn_tamper", 2, NETS["batchnorm"])
    nudge = sp.Float("1e-20", DIGITS)

    def tamper(step, value):
        return value * (1 + nudge) if step == "dW1" else value

    with pytest.raises(AssertionError, match="dW1"):
        check_against_expansion(net, tamper=tamper)


def test_compact_batchnorm_gradient_equals_the_chain():
    """The gradient of batch norm's input as the rules give it (through dxhat, dstd, dvar and
    dmu) equals the simplified one, gamma (m delta - sum delta - xhat sum(delta xhat)) / (m std),
    entry by entry at a random point; and the simplified one is that compact form."""
    net = Network.from_layers("bn_compact", 2, [(3, "identity"), bn(), (2, "identity")])
    d = derive(net)
    compact = node_text(d.step("delta1").simplified)
    assert compact == (
        "gamma2*(-sum_samples(delta2) + delta2*m - sum_samples(delta2*xhat2)*xhat2)/(std2*m)"
    )
    m = 3
    env = symbols_for(net, m)
    rng = random.Random(3)
    point = {s: sp.Float(rng.uniform(-2, 2), DIGITS) for v in env.values() for s in v.free_symbols}
    values, _ = expand(net, m, {k: v.xreplace(point) for k, v in env.items()})
    raw, simplified = dict(values), dict(values)
    for s in d.steps:
        raw[s.name] = evaluate(s.value, raw, m)
        simplified[s.name] = evaluate(s.simplified, simplified, m)
        diff = (raw[s.name] - simplified[s.name]).applyfunc(lambda e: abs(sp.N(e, 50)))
        assert max(diff) < sp.Float("1e-40"), f"{s.name}: chain and simplified form differ"
    # the raw chain really goes through the mean and the variance
    assert "dvar2" in node_text(d.step("dmu2").value)
    assert "dmu2" in node_text(d.step("dA1").value)


def test_dropout_mask_is_an_input_of_the_step():
    net = Network.from_layers("d", 2, NETS["dropout"])
    (mask,) = {v for e in net.equations.values() for v in free_vars(e) if v.role == "mask"}
    assert mask.name == "D2" and mask.shape == (3, "m")
    assert "D2" not in net.params and "D2" not in net.values
    assert node_text(derive(net).step("delta1").simplified) == "D2*(W3.T @ delta3)*(1 - A1**2)"


def gn(groups, act="identity"):
    return {"kind": "groupnorm", "groups": groups, "activation": act}


def conv(channels, act="identity"):
    return {"kind": "conv2d", "channels": channels, "kernel": 2, "activation": act}


# Batch norm after an image (per channel, over the samples and the pixels) and group norm
# (per sample, over each group's channels and pixels): the sums over a channel's or a group's
# rows are GroupSum nodes, the statistics spread back over them Repeat nodes.
IMAGE_NETS = {
    "batchnorm_channels": ([1, 3, 3], [conv(2), bn("tanh"), (1, "identity")]),
    "batchnorm_channels_pool": (
        [1, 3, 3],
        [conv(2), bn("sigmoid"), {"kind": "maxpool", "size": 2}, (1, "identity")],
    ),
    "batchnorm_channels_conv": ([2, 2, 2], [bn(), conv(1, "tanh"), (1, "identity")]),
    "groupnorm_channels": ([1, 3, 3], [conv(4), gn(2, "tanh"), (1, "identity")]),
    "groupnorm_one_group": ([1, 3, 3], [conv(2), gn(1, "sigmoid"), (1, "identity")]),
    "groupnorm_units": (3, [(4, "identity"), gn(2, "tanh"), (1, "identity")]),
}


@pytest.mark.parametrize("name", sorted(IMAGE_NETS))
def test_channel_norm_gradients_equal_sympy_diff(name):
    inputs, layers = IMAGE_NETS[name]
    net = Network.from_layers(name, inputs, layers, cost="squared_error")
    assert check_against_expansion(net, seed=13, max_entries=4) > 0


def test_the_proof_sees_a_wrong_groupnorm_gradient():
    inputs, layers = IMAGE_NETS["groupnorm_channels"]
    net = Network.from_layers("gn_tamper", inputs, layers)
    nudge = sp.Float("1e-20", DIGITS)

    def tamper(step, value):
        return value * (1 + nudge) if step == "dW1" else value

    with pytest.raises(AssertionError, match="dW1"):
        check_against_expansion(net, tamper=tamper, max_entries=4)


def _chain_equals_simplified(net, m=2):
    """Each gradient as the rules give it equals its simplified form at a random point."""
    d = derive(net)
    env = symbols_for(net, m)
    rng = random.Random(5)
    point = {s: sp.Float(rng.uniform(-2, 2), DIGITS) for v in env.values() for s in v.free_symbols}
    values, _ = expand(net, m, {k: v.xreplace(point) for k, v in env.items()})
    raw, simplified = dict(values), dict(values)
    for s in d.steps:
        raw[s.name] = evaluate(s.value, raw, m)
        simplified[s.name] = evaluate(s.simplified, simplified, m)
        diff = (raw[s.name] - simplified[s.name]).applyfunc(lambda e: abs(sp.N(e, 50)))
        assert max(diff) < sp.Float("1e-40"), f"{s.name}: chain and simplified form differ"
    return d


def test_compact_channel_norm_gradients_equal_the_chain():
    """Per-channel batch norm and group norm end in the same compact form as batch norm on
    units, with the block sums (sum_pixels) and their spread (per_pixel) in place of the sums
    over the samples: gamma (N delta - sum delta - xhat sum(delta xhat)) / (N std), N = m*H*W
    for batch norm (per channel), the group's entries for group norm (per sample); and each
    simplified gradient equals the raw chain through the mean and the variance."""
    net = Network.from_layers("bn2d", [1, 3, 3], [conv(2), bn(), (1, "identity")])
    d = _chain_equals_simplified(net)
    assert node_text(d.step("delta1").simplified) == (
        "(per_pixel(gamma2, 4))*(-(per_pixel(sum_pixels(sum_samples(delta2), 4), 4)) - "
        "(per_pixel(sum_pixels(sum_samples(delta2*xhat2), 4), 4))*xhat2 + 4*delta2*m)/"
        "(4*(per_pixel(std2, 4))*m)"
    )
    assert "dvar2" in node_text(d.step("dmu2").value)  # the raw chain goes through both
    net = Network.from_layers("gn", [1, 3, 3], [conv(4), gn(2), (1, "identity")])
    d = _chain_equals_simplified(net)
    assert node_text(d.step("delta1").simplified) == (
        "(-(per_pixel(sum_pixels((per_pixel(gamma2, 4))*delta2, 8), 8)) - "
        "(per_pixel(sum_pixels((per_pixel(gamma2, 4))*delta2*xhat2, 8), 8))*xhat2 + "
        "8*(per_pixel(gamma2, 4))*delta2)/(8*(per_pixel(std2, 8)))"
    )
