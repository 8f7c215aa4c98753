"""Convolution, max and average pooling and the per-channel bias, proven like the matrix
rules: at a 1x4x4 image with 2x2 kernels, every gradient the engine derives equals
``sympy.diff`` of the fully expanded scalar cost (cross-correlation, window maxima and means
written out entry by entry).

Max pooling is differentiable wherever no window has a tie; the random points are drawn from
enough values that the windows' entries (sums of products) are distinct."""

import pytest
import sympy as sp

from derive.engine.graph import Network

from .test_proof import check_against_expansion


def _net(name, layers, inputs=(1, 4, 4), cost="squared_error"):
    return Network.from_layers(name, list(inputs), layers, cost=cost)


CASES = {
    "conv": [{"kind": "conv2d", "channels": 2, "kernel": 2, "activation": "tanh"}, (2, "identity")],
    "conv_stride_padding": [
        {"kind": "conv2d", "channels": 2, "kernel": 2, "stride": 2, "padding": 1},
        (1, "sigmoid"),
    ],
    "conv_rectangular": [
        {"kind": "conv2d", "channels": 1, "kernel": [3, 2], "padding": 1, "activation": "elu"},
        (1, "identity"),
    ],
    "conv_pool": [
        {"kind": "conv2d", "channels": 2, "kernel": 2, "activation": "relu"},
        {"kind": "maxpool", "size": 2, "stride": 1},
        (2, "identity"),
    ],
    "pool_conv": [
        {"kind": "conv2d", "channels": 2, "kernel": 1, "activation": "identity"},
        {"kind": "maxpool", "size": 2},
        {"kind": "conv2d", "channels": 1, "kernel": 2, "activation": "tanh"},
        (1, "identity"),
    ],
    "conv_avgpool": [
        {"kind": "conv2d", "channels": 2, "kernel": 2, "activation": "tanh"},
        {"kind": "avgpool", "size": 2, "stride": 1},
        (2, "identity"),
    ],
    "avgpool_conv": [
        {"kind": "avgpool", "size": 2},
        {"kind": "conv2d", "channels": 1, "kernel": 2, "activation": "sigmoid"},
        (1, "identity"),
    ],
    # windows that do not tile the 4x4 image (the last row, or column, unused), a
    # non-square window, a stride other than the window and differing between the axes
    "maxpool_non_tiling": [
        {"kind": "conv2d", "channels": 2, "kernel": 1, "activation": "tanh"},
        {"kind": "maxpool", "size": [3, 2]},
        (2, "identity"),
    ],
    "avgpool_non_tiling": [{"kind": "avgpool", "size": [2, 3], "stride": [1, 2]}, (2, "tanh")],
    "two_convs": [
        {"kind": "conv2d", "channels": 2, "kernel": 2, "activation": "sigmoid"},
        {"kind": "conv2d", "channels": 1, "kernel": 2, "activation": "identity"},
        (1, "identity"),
    ],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_image_layers(case):
    assert check_against_expansion(_net(case, CASES[case]), max_entries=8) > 0


def test_two_input_channels_softmax():
    layers = [{"kind": "conv2d", "channels": 1, "kernel": 2}, (3, "softmax")]
    net = _net("rgb", layers, inputs=(2, 3, 3), cost="cross_entropy")
    assert check_against_expansion(net, max_entries=6) > 0


@pytest.mark.parametrize("target", ["dW1", "db1"])
def test_a_tampered_image_rule_is_caught(target):
    net = _net("tamper", CASES["conv_pool"])

    def tamper(name, value):  # the kernel gradient without its last entry, or a bias off by one
        if name != target:
            return value
        value = value.copy()
        value[value.rows - 1, value.cols - 1] += sp.Float("1e-3")
        return value

    with pytest.raises(AssertionError, match=target):
        check_against_expansion(net, tamper=tamper, max_entries=20)


RNN_CASES = {
    "rnn_tanh": (6, [{"kind": "rnn", "units": 2, "steps": 3}, (1, "identity")]),
    "dense_rnn_softmax": (
        4,
        [
            (4, "sigmoid"),
            {"kind": "rnn", "units": 2, "steps": 2, "activation": "relu"},
            (2, "softmax"),
        ],
    ),
    # the rolled form (one step derived, run back through time) against sympy.diff of the
    # unrolled network: LSTM and GRU cells, a learned h_0, a stack handing on every h_t
    "lstm_T2": (2, [{"kind": "lstm", "units": 2, "steps": 2}, (1, "identity")]),
    "gru_T3": (3, [{"kind": "gru", "units": 1, "steps": 3}, (1, "identity")]),
    "rnn_learn_h0_T3": (
        3,
        [{"kind": "rnn", "units": 2, "steps": 3, "learn_h0": True}, (1, "identity")],
    ),
    "lstm_learn_h0_T2": (
        2,
        [{"kind": "lstm", "units": 1, "steps": 2, "learn_h0": True}, (1, "identity")],
    ),
    "rnn_on_gru_T2": (
        4,
        [
            {"kind": "gru", "units": 1, "steps": 2, "output": "all"},
            {"kind": "rnn", "units": 2, "steps": 2},
            (1, "identity"),
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(RNN_CASES))
def test_rnn_unrolled(case):
    """Backpropagation through time is the chain rule through the unrolled steps, with the
    weights' paths summed; the layer before an rnn gets its gradient through the row blocks."""
    inputs, layers = RNN_CASES[case]
    cost = "cross_entropy" if layers[-1][1] == "softmax" else "squared_error"
    net = Network.from_layers(case, inputs, layers, cost=cost)
    assert check_against_expansion(net, max_entries=8) > 0


def test_a_tampered_recurrent_weight_is_caught():
    inputs, layers = RNN_CASES["rnn_tanh"]
    net = Network.from_layers("tamper_rnn", inputs, layers)

    def tamper(name, value):  # dWh1 missing a small part of one time step's term
        return value * (1 + sp.Float("1e-4")) if name == "dWh1" else value

    with pytest.raises(AssertionError, match="dWh1"):
        check_against_expansion(net, tamper=tamper, max_entries=20)
