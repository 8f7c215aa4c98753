"""Malformed image specs (``inputs = [C, H, W]``, conv2d and maxpool layers): each gets a
one-line ``DeriveError`` naming the file and the key, with the geometry that does not fit and a
fix; no other exception escapes."""

from __future__ import annotations

import pytest

from derive.engine.spec import parse_spec
from derive.errors import DeriveError

SOURCE = "bad.toml"
CONV = 'kind = "conv2d"\nchannels = 2\nkernel = 3\n'
POOL = 'kind = "maxpool"\nsize = 2\n'
AVG = 'kind = "avgpool"\nsize = 2\n'
RNN = 'kind = "rnn"\nunits = 4\nsteps = 8\n'


def spec(*layers: str, inputs: str = "[1, 8, 8]") -> str:
    """Image layers (TOML bodies), then a dense softmax output."""
    body = "".join(f"[[layers]]\n{layer}" for layer in layers)
    return (
        f'name = "bad"\ninputs = {inputs}\n{body}'
        '[[layers]]\nunits = 2\nactivation = "softmax"\n[cost]\nname = "cross_entropy"\n'
    )


def C(case, text, key, *needles):
    return pytest.param(text, key, needles, id=case)


# fmt: off
CASES = [
    C("kernel-larger-than-input", spec(CONV.replace("3", "9")), "layers[0].kernel",
      "kernel 9x9 is larger than the input 8x8"),
    C("kernel-larger-than-padded", spec(CONV.replace("3", "[6, 2]") + "padding = 1\n",
                                       inputs="[1, 3, 3]"),
      "layers[0].kernel", "larger than the padded input 5x5"),
    C("stride-does-not-fit", spec(CONV + "stride = 2\n"), "layers[0].stride",
      "stride 2 does not fit", "leave 1 unused"),
    # a pooling window that does not tile the image is accepted (PyTorch's floor mode); its
    # stride, an int or [down, across], is checked like its size
    C("pool-stride-one-item", spec(POOL + "stride = [2]\n"), "layers[0].stride", "pair", "[2]"),
    C("pool-stride-zero", spec(AVG + "stride = [1, 0]\n"), "layers[0].stride", "got [1, 0]"),
    C("pool-stride-text", spec(POOL + 'stride = "2"\n'), "layers[0].stride", "'2'"),
    C("pool-larger-than-input", spec('kind = "maxpool"\nsize = 9\n'), "layers[0].size",
      "pooling window 9x9 is larger than the input 8x8"),
    C("pool-over-nothing", spec(CONV.replace("3", "8"), POOL), "layers[1].size",
      "pooling window 2x2 is larger than the input 1x1"),
    C("pool-size-zero", spec('kind = "maxpool"\nsize = 0\n'), "layers[0].size",
      "size must be a positive integer"),
    C("pool-size-missing", spec('kind = "maxpool"\n'), "layers[0].size", "got None"),
    C("kernel-zero", spec(CONV.replace("3", "0")), "layers[0].kernel",
      "kernel must be a positive integer"),
    C("kernel-one-item", spec(CONV.replace("3", "[2]")), "layers[0].kernel", "pair"),
    C("kernel-text", spec(CONV.replace("3", '"3"')), "layers[0].kernel", "'3'"),
    C("kernel-bool", spec(CONV.replace("3", "true")), "layers[0].kernel", "True"),
    C("kernel-huge", spec(CONV.replace("3", "1001")), "layers[0].kernel", "at most 1000"),
    C("channels-missing", spec('kind = "conv2d"\nkernel = 3\n'), "layers[0].channels",
      "channels must be an integer"),
    C("channels-zero", spec(CONV.replace("channels = 2", "channels = 0")), "layers[0].channels",
      "from 1 to 1000, got 0"),
    C("stride-zero", spec(CONV + "stride = 0\n"), "layers[0].stride", "got 0"),
    C("padding-negative", spec(CONV + "padding = -1\n"), "layers[0].padding", "from 0 to"),
    C("padding-as-large-as-kernel", spec(CONV + "padding = 3\n"), "layers[0].padding",
      "only zeros"),
    C("conv-after-vector-input", spec(CONV, inputs="64"), "layers[0].kind",
      "needs an image, but its input is a vector", "inputs = [C, H, W]"),
    C("pool-after-dense", spec('units = 4\nactivation = "relu"\n', POOL), "layers[1].kind",
      "a maxpool layer needs an image"),
    C("inputs-two-numbers", spec(CONV, inputs="[1, 8]"), "inputs", "[C, H, W]"),
    C("inputs-zero-channels", spec(CONV, inputs="[0, 8, 8]"), "inputs", "three positive"),
    C("inputs-text-size", spec(CONV, inputs='[1, 8, "8"]'), "inputs", "three positive"),
    C("unknown-kind", spec('kind = "conv"\nchannels = 2\n'), "layers[0].kind",
      "unknown layer kind 'conv'", "did you mean conv2d"),
    C("kind-not-text", spec("kind = [1]\n"), "layers[0].kind", "unknown layer kind [1]"),
    C("conv-with-units", spec(CONV + "units = 3\n"), "layers[0].units",
      "unknown key units for a conv2d layer"),
    C("conv-misspelt-key", spec(CONV + "strides = 2\n"), "layers[0].strides",
      "unknown key strides for a conv2d layer", "did you mean stride?"),
    C("avgpool-misspelt-key", spec(CONV, 'kind = "avgpool"\nsizes = 2\n'),
      "layers[1].sizes", "unknown key sizes for an avgpool layer", "did you mean size?"),
    C("avgpool-after-dense", spec('units = 4\nactivation = "relu"\n', AVG), "layers[1].kind",
      "an avgpool layer needs an image"),
    C("pool-with-activation", spec(POOL + 'activation = "relu"\n'), "layers[0].activation",
      "unknown key activation for a maxpool layer"),
    C("conv-unknown-activation", spec(CONV + 'activation = "rellu"\n'), "layers[0].activation",
      "unknown activation `rellu`", "did you mean relu"),
    C("conv-activation-number", spec(CONV + "activation = 3\n"), "layers[0].activation",
      "must be a name in quotes"),
    C("image-in-equation-form",
      'name = "bad"\ninputs = [1, 4, 4]\noutputs = 1\n[params]\nW1 = [1, 16]\n'
      '[equations]\nz1 = "W1 @ x"\n[cost]\nexpr = "(z1 - y)**2"\n',
      "inputs", "expected a positive integer"),
    C("rnn-steps-do-not-divide", spec(RNN.replace("8", "5"), inputs="64"), "layers[0].steps",
      "steps = 5 does not divide the 64 input rows", "here one of 2, 4, 8"),
    C("rnn-steps-prime-rows", spec(RNN.replace("8", "2"), inputs="7"), "layers[0].steps",
      "does not divide the 7 input rows", "here one of 7"),
    C("rnn-zero-steps", spec(RNN.replace("8", "0"), inputs="64"), "layers[0].steps",
      "steps must be an integer from 1"),
    C("rnn-bad-output", spec(RNN + 'output = "every"\n', inputs="64"), "layers[0].output",
      'output must be "last" or "all"'),
    C("rnn-bad-learn-h0", spec(RNN + 'learn_h0 = "yes"\n', inputs="64"), "layers[0].learn_h0",
      "learn_h0 must be true or false"),
    C("lstm-no-activation", spec(RNN.replace('"rnn"', '"lstm"') + 'activation = "relu"\n',
      inputs="64"), "layers[0].activation", "unknown key activation"),
    C("rnn-steps-missing", spec('kind = "rnn"\nunits = 4\n', inputs="64"), "layers[0].steps",
      "got None"),
    C("rnn-units-zero", spec(RNN.replace("units = 4", "units = 0"), inputs="64"),
      "layers[0].units", "got 0"),
    C("rnn-after-image", spec(CONV, RNN), "layers[1].kind",
      "an rnn layer reads a vector of T*d rows, but its input is an image"),
    C("rnn-with-kernel", spec(RNN + "kernel = 2\n", inputs="64"), "layers[0].kernel",
      "unknown key kernel for an rnn layer"),
    C("rnn-unknown-activation", spec(RNN + 'activation = "tahn"\n', inputs="64"),
      "layers[0].activation", "did you mean tanh"),
]
# fmt: on


@pytest.mark.parametrize("text, key, needles", CASES)
def test_bad_image_spec_gets_a_clear_error(text, key, needles):
    with pytest.raises(DeriveError) as info:  # any other exception fails the test
        parse_spec(text, SOURCE)
    err = info.value
    message = str(err)
    assert err.where == f"{SOURCE}: {key}", message
    assert message.startswith(err.where + ": ")
    for needle in needles:
        assert needle in message, f"{needle!r} not in:\n{message}"
    assert err.fix, f"no fix suggested:\n{message}"
    assert len(message.splitlines()) <= 2 and len(message) < 700, message


def test_the_image_builder_makes_valid_specs():
    net = parse_spec(spec(CONV + 'activation = "relu"\n', POOL), SOURCE)
    assert net.image == (1, 8, 8) and net.params["W1"].shape == (2, 9)
    assert net.values["A2"].shape == (2 * 3 * 3, "m")
