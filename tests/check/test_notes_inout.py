"""Nielsen's schematic BP4, ``\\partial C / \\partial w = a_{\\rm in} \\delta_{\\rm out}``
(meaning/inout.py), in notes written here from scratch: it is the entry form at every layer,
the ends read in the note's own layout; swapping the ends is a mistake; a note whose equations
leave the layout open leaves it unread rather than guessing which index is the input."""

from __future__ import annotations

from .test_notes import verdicts_of

COLUMNS = (
    "$$z^l = w^l a^{l-1} + b^l$$\n\n"
    "$$a^l = \\sigma(z^l)$$\n\n"
    "$$C = \\frac{1}{2} \\|a^L - y\\|^2$$\n\n"
    "$$\\delta^l = \\frac{\\partial C}{\\partial z^l}$$\n\n"
)

ROWS = (
    "$$z^l = a^{l-1} w^l + b^l$$\n\n"
    "$$a^l = \\sigma(z^l)$$\n\n"
    "$$C = \\frac{1}{2} \\|a^L - y\\|^2$$\n\n"
    "$$\\delta^l = \\frac{\\partial C}{\\partial z^l}$$\n\n"
)


def test_schematic_bp4_is_the_entry_form_with_examples_as_columns():
    v = verdicts_of(
        COLUMNS + "$$\\frac{\\partial C}{\\partial w} = a_{\\rm in} \\delta_{\\rm out}$$\n\n"
        "$$\\frac{\\partial C}{\\partial w} = a_{\\text{in}} \\space \\delta_{\\text{out}}$$\n\n"
        "$$\\frac{\\partial C}{\\partial w} = a_{out} \\delta_{in}$$\n"
    )
    assert v[9] == {"correct"}
    assert v[11] == {"correct"}
    assert v[13] == {"wrong"}  # the ends swapped


def test_schematic_bp4_follows_a_note_that_writes_examples_as_rows():
    v = verdicts_of(
        ROWS + "$$\\frac{\\partial C}{\\partial w} = \\delta_{out} a_{in}$$\n\n"
        "$$\\frac{\\partial C}{\\partial w} = \\delta_{in} a_{out}$$\n"
    )
    assert v[9] == {"correct"}
    assert v[11] == {"wrong"}


def test_schematic_bp4_is_left_unread_when_the_layout_is_open():
    # the two forward equations disagree on the layout: which index feeds which is a guess
    v = verdicts_of(
        ROWS
        + "$$z^l = w^l a^{l-1} + b^l$$\n\n"
        + "$$\\frac{\\partial C}{\\partial w} = a_{in} \\delta_{out}$$\n"
    )
    assert "wrong" not in v[11]
