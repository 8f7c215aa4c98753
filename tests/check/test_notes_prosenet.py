"""The network a note names only in its prose (meaning/prosenet.py): "the final layer with
sigmoid activation and binary cross-entropy loss", "ReLU activation in hidden layers"; and the
layer's local derivative ``\\partial z^{L-1}/\\partial W^{L-1} = (a^{L-2})^T`` with a shifted
layer (meaning/jacshort.py). A note written here from scratch in the style of a README
derivation (held-out set 4)."""

from __future__ import annotations

from .test_notes import verdict_by_line

STEPS = (
    r"""# Backpropagation, step by step

The last layer uses a sigmoid activation with a binary cross-entropy loss.
The hidden layers use a ReLU activation.

$$
\frac{\partial \mathcal{L}}{\partial a^L} \cdot \frac{\partial a^L}{\partial z^L} = \hat{y} - y
$$

$$
z^L = W^L a^{L-1} + b^L
$$

$$
\frac{\partial \mathcal{L}}{\partial W^L} = (\hat{y} - y) \cdot (a^{L-1})^T
$$

$$
\frac{\partial \mathcal{L}}{\partial a^{L-1}} = (W^L)^T (\hat{y} - y)
$$

$$
\frac{\partial z^{L-1}}{\partial W^{L-1}} = (a^{L-2})^T
$$

$$
\frac{\partial \mathcal{L}}{\partial W^{L-1}} = (W^L)^T (\hat{y} - y) \odot"""
    r""" \text{ReLU}'(z^{L-1}) \cdot (a^{L-2})^T
$$
"""
)


def test_the_network_named_in_prose():
    v = verdict_by_line(STEPS)
    for line in (7, 15, 19, 23, 27):
        assert v[line] == "correct", (line, v)


def test_the_network_named_in_prose_mistakes():
    wrong = STEPS.replace(
        r"\partial a^{L-1}} = (W^L)^T (\hat{y} - y)", r"\partial a^{L-1}} = (\hat{y} - y) W^L"
    ).replace(r"\cdot (a^{L-1})^T", r"\cdot (a^{L})^T")
    wrong = wrong.replace(r"\odot \text{ReLU}'(z^{L-1})", r"\odot \text{ReLU}'(z^{L})")
    v = verdict_by_line(wrong)
    assert v[15] == "wrong"  # the wrong layer's activation
    assert v[19] == "wrong"  # the factors in the wrong order, no transpose
    assert v[27] == "wrong"  # ReLU' at the wrong layer
    assert v[7] == "correct"


def test_prose_that_names_two_output_activations_fixes_nothing():
    notes = STEPS.replace(
        "The last layer uses a sigmoid activation",
        "The last layer uses a sigmoid activation (or a tanh activation in the last layer)",
    )
    v = verdict_by_line(notes)
    assert v.get(7) != "wrong"
    assert v.get(15) != "wrong"
