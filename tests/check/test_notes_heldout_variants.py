"""Notations met on notes the checker was not developed against (the held-out measure of
issue 22), each written here from scratch: KaTeX's own macros (``\\part``, ``\\space``), an
empty ``$$`` cell in a Markdown table, a vector function defined by its entries under a name
the network already uses, a note that writes its forward pass in both layouts, and math typed
as Unicode characters (∂, −)."""

from __future__ import annotations

from derive.check.notes.document import read_document

from .test_notes import verdicts_of

FORWARD = "$$z^l = w^l a^{l-1} + b^l$$\n\n$$a^l = \\sigma(z^l)$$\n\n"


def test_katex_part_and_space_read_as_partial_and_spacing():
    notes = FORWARD + (
        "$$\\frac{\\part C}{\\part b^l_j} =\\space \\delta^l_j$$\n\n"
        "$$\\frac{\\part C}{\\part b^l_j} = a^{l-1}_j\\space\\delta^l_j$$\n"
    )
    items = [i for i in read_document(notes).items if i.line == 5]
    assert items and "\\partial C" in items[0].text and "\\space" not in items[0].text
    v = verdicts_of(notes)
    assert v[5] == {"correct"}
    assert v[7] == {"wrong"}


def test_a_note_own_part_macro_wins_over_the_web_one():
    notes = "$$\\newcommand{\\part}{\\partial b}$$\n\n$$\\frac{\\partial C}{\\part} = q$$\n"
    items = [i for i in read_document(notes).items if i.line == 3]
    assert items and "\\partial b" in items[0].text


def test_an_empty_dollar_cell_in_a_table_opens_no_display_math():
    notes = FORWARD + (
        "| name | value |\n|:-|:-|\n| bias | $$|\n\n"
        "Below, a display formula of its own:\n$$\n"
        "\\frac{\\partial C}{\\partial b^l_j} = \\delta^l_j\n$$\n"
    )
    lines = {i.line for i in read_document(notes).items}
    assert 11 in lines  # the formula after the table, on its own line
    assert verdicts_of(notes)[11] == {"correct"}


def test_a_vector_function_defined_by_its_entries_is_a_definition():
    # the note's softmax, written with the letter its network uses for the sigmoid
    notes = FORWARD + (
        "$$\\sigma(\\vec{z})_k = \\frac{e^{z_k}}{\\sum_{i=1}^{n^L} e^{z_i}}$$\n\n"
        "$$\\frac{\\partial C}{\\partial b^l_j} = \\delta^l_j$$\n"
    )
    v = verdicts_of(notes)
    assert "wrong" not in v.get(5, set())
    assert v[7] == {"correct"}


def test_forward_equations_in_both_layouts_keep_both_readings():
    # rows on two lines, columns (through the activation of the layer below) on a third: the
    # rows score higher, but the columns are the note's too
    both = (
        "$$z^l = a^{l-1} w^l + b^l$$\n\n"
        "$$a^l = \\sigma(a^{l-1} w^l + b^l)$$\n\n"
        "$$z^{l+1} = w^{l+1} \\sigma(z^l) + b^{l+1}$$\n\n"
    )
    notes = both + (
        # right in columns
        "$$\\frac{\\partial C}{\\partial w^l_{jk}} = a^{l-1}_k \\delta^l_j$$\n\n"
        # right in neither
        "$$\\frac{\\partial C}{\\partial b^l_j} = a^{l-1}_j \\delta^l_j$$\n"
    )
    v = verdicts_of(notes)
    assert v[7] == {"correct"}
    assert v[9] == {"wrong"}
    # one layout alone stays one reading: the column formula is wrong under rows
    rows = "$$z^l = a^{l-1} w^l + b^l$$\n\n$$a^l = \\sigma(z^l)$$\n\n"
    only = rows + "$$\\frac{\\partial C}{\\partial w^l_{jk}} = a^{l-1}_k \\delta^l_j$$\n"
    assert verdicts_of(only)[5] == {"wrong"}


def test_math_typed_as_unicode_characters_is_read():
    notes = FORWARD + (
        "$$C = \\frac{1}{2}\\sum_j (y_j - a^L_j)^2$$\n\n"
        "$$\\frac{∂C}{∂a^L_j} = (a^L_j − y_j)$$\n\n"
        "$$\\frac{∂C}{∂a^L_j} = (y_j − a^L_j)$$\n"
    )
    v = verdicts_of(notes)
    assert v[7] == {"correct"}
    assert v[9] == {"wrong"}


SIGMOID_LAYERS = (
    "The weight matrix $W^{(2)}$ takes the hidden vector $A^{(1)}$ to the output.\n\n"
    "Since $A^{(2)} = \\sigma(Z^{(2)})$ and $A^{(1)} = \\sigma(Z^{(1)})$:\n\n"
)


def test_prose_naming_matrices_ends_the_one_unit_per_layer_reading():
    claim = (
        "$$\\frac{\\partial C}{\\partial W^{(2)}} = "
        "\\frac{\\partial C}{\\partial Z^{(2)}} A^{(1)}$$\n"
    )
    # one unit per layer, the product of numbers holds; a matrix needs (A^{(1)})^T
    assert "correct" not in verdicts_of(SIGMOID_LAYERS + claim)[5]
    scalar = "Since $a^{(2)} = \\sigma(z^{(2)})$:\n\n"
    assert verdicts_of(scalar + claim.replace("W", "w").replace("Z", "z").replace("A", "a"))[3] == {
        "correct"
    }


def test_a_product_of_two_equal_shapes_that_cannot_multiply_is_element_wise():
    notes = SIGMOID_LAYERS + (
        "$$\\frac{\\partial C}{\\partial Z^{(1)}} = "
        "\\frac{\\partial C}{\\partial A^{(1)}} \\cdot A^{(1)} \\cdot (1 - A^{(1)})$$\n\n"
        "$$\\frac{\\partial C}{\\partial Z^{(1)}} = "
        "\\frac{\\partial C}{\\partial A^{(1)}} \\cdot A^{(1)} \\cdot (1 + A^{(1)})$$\n"
    )
    v = verdicts_of(notes)
    assert v[5] == {"correct"}
    assert "correct" not in v[7]
