"""The namer: every gradient name reads back to what it is the gradient of, on every bundled
network, and the names the layer kinds make parse back into their parts."""

import pytest

from derive.engine import namer
from derive.engine.derivation import derive
from derive.engine.spec import load_spec
from derive.resources import EXAMPLES

SPECS = sorted(EXAMPLES.glob("*.toml"))


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_every_gradient_name_reads_back(spec):
    net = load_spec(spec)
    d = derive(net)
    for step in d.steps:
        assert step.name == namer.gradient(step.of)
        assert namer.gradient_of(step.name) == step.of
        assert namer.is_delta(step.name) == (namer.gradient(step.of) != f"d{step.of}")


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("z2", ("z", "2", None)),
        ("h1_3", ("h", "1", "3")),
        ("h1_(t-1)", ("h", "1", "(t-1)")),
        ("xhat12", ("xhat", "12", None)),
        ("x", ("x", "", None)),
    ],
)
def test_parse_reads_what_layer_makes(name, parts):
    base, index, step = parts
    assert namer.parse(name) == namer.Parts(base, index, step)
    if index:
        assert namer.layer(base, int(index), step) == name
        assert namer.layer_of(name) == int(index)


def test_gradients_and_siblings():
    assert namer.gradient("z2") == "delta2" == namer.delta(2)
    assert namer.gradient("z1_3") == "delta1_3" == namer.delta(1, 3)
    assert namer.gradient("W2") == "dW2" and namer.gradient("z") == "dz"
    assert namer.gradient("z1_pre") == "dz1_pre"  # a user's name, not a layer's z
    assert namer.gradient_of("delta1_(t-1)") == "z1_(t-1)"
    assert namer.gradient_of("W2") is None and namer.gradient_of("dz2") is None
    assert namer.sibling("z2", "A") == "A2" and namer.sibling("delta1_3", "h") == "h1_3"
    assert namer.sibling("x", "A") is None
    assert namer.numbered("A3", "A") == 3 and namer.numbered("A3_2", "A") is None
    assert namer.numbered("z3", "A") is None and namer.numbered("A", "A") is None
