"""Small readings: an entry of a bracketed matrix by row and column (``(\\nabla W^l)_{jk}``),
and a shape written without brackets at the end of a chain of shapes (``(n \\times 1)
\\times (1 \\times m) = n \\times m``)."""

from __future__ import annotations

from .test_notes import verdict_by_line

NIELSEN = "$$z^l = w^l a^{l-1} + b^l$$\n\n$$a^l = \\sigma(z^l)$$\n\n"


def test_an_entry_of_a_bracketed_matrix_by_row_and_column():
    v = verdict_by_line(
        NIELSEN
        + "$$(\\nabla W^l)_{jk} = \\delta_j^l a_k^{l-1}$$\n\n"  # 5
        + "$$(\\nabla W^l)_{jk} = \\delta_k^l a_j^{l-1}$$\n"  # 7: the indices swapped
    )
    assert v[5] == "correct" and v[7] == "wrong"


def test_a_bare_shape_ends_a_chain_of_shapes():
    v = verdict_by_line(
        "$(n \\times 1) \\times (1 \\times m) = n \\times m$ fits $W^l$.\n\n"
        "$(n \\times 1) \\times (1 \\times m) = m \\times n$\n"
    )
    assert v[1] == "correct" and v[3] == "wrong"


JACOBIAN = (
    "$$z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}$$\n\n"  # 1
    "$$a^{(l)} = \\sigma(z^{(l)})$$\n\n"  # 3
    "$$\\delta^{(L)} = (J^{(L)})' \\nabla_{a^{(L)}} C$$\n\n"  # 5
    "$$\\delta^{(l)} = (J^{(l)})' (W^{(l+1)})' \\delta^{(l+1)}$$\n\n"  # 7
    "$$\\delta^{(l)} = (J^{(l)})' W^{(l+1)} \\delta^{(l+1)}$$\n\n"  # 9: W not transposed
)


def test_an_activation_jacobian_named_in_the_prose():
    v = verdict_by_line(JACOBIAN + "where $J^{(l)}$ is the Jacobian matrix of the activation.\n")
    assert v[5] == "correct" and v[7] == "correct" and v[9] == "wrong"
    v = verdict_by_line(JACOBIAN)  # without the prose J is no matrix of the note's
    assert all(v.get(n) not in ("correct", "wrong") for n in (5, 7, 9))


COLUMNS = (
    "$$z^l = W^l a^{l-1} + b^l$$\n\n$$a^l = \\sigma(z^l)$$\n\n"
    "$$C = \\frac{1}{2}||a^L - y||^2$$\n\n"  # 5
)


def test_a_bare_delta_is_the_output_layers():
    v = verdict_by_line(
        COLUMNS
        + "$$\\nabla_{b^L} C = \\delta$$\n\n"  # 7
        + "$$\\nabla_{b^l} C = \\delta$$\n\n"  # 9: delta^l meant
        + "$$\\nabla_{b^l} C = \\delta^l$$\n"  # 11
    )
    assert v[7] == "correct" and v[9] == "wrong" and v[11] == "correct"


def test_the_error_written_where_the_activation_belongs():
    v = verdict_by_line(
        COLUMNS
        + "$$\\delta^l = (W^{l+1})^T \\delta^{l+1} \\odot \\delta'(z^l)$$\n\n"  # 7
        + "$$z^{l+1} = W^{l+1} a^l + b^{l+1} = W^{l+1} \\delta(z^l) + b^{l+1}$$\n\n"  # 9
        + "$$\\delta^l = (W^{l+1})^T \\delta^{l+1} \\odot \\delta(z^l)$$\n"  # 11: unclear
    )
    assert v[7] == "wrong" and v[9] == "wrong"
    assert v.get(11) != "wrong"  # not even the activation makes it hold: left unjudged


def test_shapes_written_as_fractions_on_a_dimension_line():
    v = verdict_by_line(
        "$$\n\\begin{aligned}\n"
        "z^{[l]} &= w^{[l]} a^{[l-1]} + b^{[l]} \\\\\n"  # 3
        "Dimension: \\frac{n^{[l]}}{m} &= \\frac{n^{[l]}}{n^{[l-1]}} \\frac{n^{[l-1]}}{m} "
        "+ \\frac{n^{[l]}}{1} \\\\\n"  # 4
        "Dimension: \\frac{n^{[l]}}{m} &= \\frac{n^{[l-1]}}{n^{[l]}} \\frac{n^{[l-1]}}{m} \\\\\n"
        "\\end{aligned}\n$$\n"  # 5: the product cannot be formed
    )
    assert v[4] == "correct" and v[5] == "wrong"


def test_a_stated_size_against_the_widths_the_prose_names():
    v = verdict_by_line(
        NIELSEN
        + "If layer $l-1$ has $m$ neurons and layer $l$ has $n$ neurons:\n\n"  # 5
        + "$$\\delta^l \\text{ is size } n \\times 1$$\n\n"  # 7
        + "$$(a^{l-1})^{T} \\text{ is size } 1 \\times m$$\n\n"  # 9
        + "$$(a^{l-1})^{T} \\text{ is size } 1 \\times n$$\n"  # 11: m, the layer below
    )
    assert v[7] == "correct" and v[9] == "correct" and v[11] == "wrong"
