"""A batch written as rows with its shapes annotated in the note's own letters
(``\\quad \\in \\mathbb{R}^{N \\times H}``), a mean cross-entropy, and ``\\delta^{(l)}`` named as
the derivative of that mean (the averaged-delta reading, ngshapes.trailing), and a sum over the
example rows (rowvectors.sums_examples), in a note written here from scratch in the notation of
a Korean lesson of held-out set 4."""

from __future__ import annotations

from .test_notes import verdict_by_line

ROWS = (
    r"""# A batch as rows

Forward pass over a batch of $N$ examples, one per row:

$$z^{(1)} = xW^{(1)} + b^{(1)} \quad \in \mathbb{R}^{N \times H}$$

$$a^{(1)} = \sigma(z^{(1)}) \quad \in \mathbb{R}^{N \times H}$$

$$z^{(2)} = a^{(1)}W^{(2)} + b^{(2)} \quad \in \mathbb{R}^{N \times K}$$

$$\hat{y} = \text{softmax}(z^{(2)}) \quad \in \mathbb{R}^{N \times K}$$

The mean cross-entropy:

$$L = -\frac{1}{N} \sum_{i=1}^{N} \sum_{k=1}^{K} y_{ik} \log(\hat{y}_{ik})$$

We write $\delta^{(l)}$ for its gradient by $z^{(l)}$:

$$\delta^{(2)} = \frac{\partial L}{\partial z^{(2)}} = \frac{1}{N}(\hat{y} - y)"""
    r""" \quad \in \mathbb{R}^{N \times K}$$

$$\frac{\partial L}{\partial W^{(2)}} = (a^{(1)})^T \delta^{(2)} \quad \in \mathbb{R}^{H \times K}$$

$$\frac{\partial L}{\partial a^{(1)}} = \delta^{(2)} (W^{(2)})^T \quad \in \mathbb{R}^{N \times H}$$

$$\delta^{(1)} = \frac{\partial L}{\partial a^{(1)}} \odot a^{(1)} \odot (1 - a^{(1)})"""
    r""" \quad \in \mathbb{R}^{N \times H}$$
"""
)


def test_rows_with_shapes_and_the_mean_delta():
    v = verdict_by_line(ROWS)
    for line in (19, 21, 23, 25):
        assert v[line] == "correct", (line, v)


def test_rows_with_shapes_mistakes():
    wrong = ROWS.replace(r"\frac{1}{N}(\hat{y} - y)", r"\frac{1}{N}(y - \hat{y})")
    wrong = wrong.replace(r"(a^{(1)})^T \delta^{(2)} \quad", r"\delta^{(2)} (a^{(1)})^T \quad")
    wrong = wrong.replace(r"\odot a^{(1)} \odot", r"\odot z^{(1)} \odot")
    v = verdict_by_line(wrong)
    assert v[19] == "wrong"  # the sign
    assert v[21] == "wrong"  # the factors in the wrong order
    assert v[25] == "wrong"  # z where a belongs
    assert v[23] == "correct"


BIAS = ROWS + (
    "\n"  # 26
    r"$$\frac{\partial L}{\partial b^{(2)}} = \sum_{i=1}^{N} \delta^{(2)}_i$$"
    "\n"  # 27
)


def test_a_sum_over_the_rows():
    assert verdict_by_line(BIAS)[27] == "correct"  # i counts the examples: delta_i is a row
    wrong = BIAS.replace(r"\delta^{(2)}_i$$", r"\hat{y}_i$$")
    assert verdict_by_line(wrong)[27] == "wrong"
