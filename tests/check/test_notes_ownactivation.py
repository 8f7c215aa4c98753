"""A note that writes the model's pre-activation z but its own letter for the activation
(``z_l = W_l h_{l-1} + b_l``, ``h_l = \\sigma_l(z_l)``), and defines its layer map
``f_l(h_{l-1}) = \\sigma_l(W_l h_{l-1} + b_l)``: h is the model's a, the map a definition
(ownquantities.py, conventions._layer_map). A note of our own in that notation."""

from __future__ import annotations

from tests.check.test_notes import verdict_by_line

NOTE = r"""# A network as a composition

Each layer:
$$f_l(h_{l-1}) = \sigma_l(W_l h_{l-1} + b_l)$$

$$z_l = W_l h_{l-1} + b_l$$
$$h_l = \sigma_l(z_l)$$

With $h_0 = x$ and $\hat{y} = h_L$, the loss $\mathcal{L} = \ell(\hat{y}, y)$.

$$\delta_l = (W_{l+1}^T \delta_{l+1}) \odot \sigma'_l(z_l)$$

$$\frac{\partial \mathcal{L}}{\partial W_l} = \delta_l h_{l-1}^T$$

$$\frac{\partial \mathcal{L}}{\partial b_l} = \delta_l$$

$$\frac{\partial \mathcal{L}}{\partial W_l} = \delta_l h_{l}^T$$
"""


def test_own_activation_letter_beside_z():
    got = verdict_by_line(NOTE)
    assert got.get(4) != "wrong"  # the layer map binds, never judged
    assert got[11] == "correct"
    assert got[13] == "correct"  # h_{l-1} is the activation of the layer below
    assert got[15] == "correct"
    assert got[17] == "wrong"  # the activation of the same layer: another shape


def test_model_letters_stay_when_the_note_writes_a():
    # a note writing a itself keeps h its own: nothing is renamed, nothing called wrong
    text = NOTE.replace(r"\hat{y} = h_L", r"\hat{y} = h_L = a_L")
    got = verdict_by_line(text)
    assert "wrong" not in {got.get(n) for n in (4, 11, 13, 15)}
