"""How notes write their math, met on a third held-out set of real notes (issue 22), each
written here from scratch in that notation: an ``aligned`` block after a ``\\tag`` on its own
line, ``aligned`` blocks nested as the rows of an outer ``aligned``, case conditions that are
not two index letters (``y_i = 1``, written with full-width digits too)."""

from __future__ import annotations

from derive.check.notes.document import read_document

from .test_notes import verdicts_of

FORWARD = (
    "$$z^{(2)} = W^{(2)} a^{(1)} + b^{(2)}$$\n\n"
    "$$a^{(2)} = \\sigma(z^{(2)})$$\n\n"
    "$$C = \\frac{1}{2}\\|a^{(2)} - y\\|^2$$\n\n"
)


def _rows(tex: str) -> dict[int, str]:
    return {item.line: item.text for item in read_document(tex).items}


def test_a_tag_alone_before_aligned_leaves_its_rows_to_split():
    tex = (
        "$$\n\\tag{3}\n\\begin{aligned}\n\\frac{\\partial y}{\\partial x}\n"
        "  &= \\frac{\\partial}{\\partial x} x^2 \\\\\n  &= 2 x\n\\end{aligned}\n$$\n"
    )
    rows = _rows(tex)
    assert sorted(rows) == [5, 6]
    assert rows[6].replace(" ", "") == "\\frac{\\partialy}{\\partialx}=2x"


def test_aligned_blocks_nested_as_rows_are_split_into_their_own_rows():
    block = (
        "$$\\begin{aligned}\n&\\begin{aligned}\n"
        "\\frac{\\partial C}{\\partial b^{(2)}} &= \\frac{\\partial C}{\\partial a^{(2)}} "
        "\\frac{\\partial a^{(2)}}{\\partial z^{(2)}} \\\\\n"
        "& = (a^{(2)} - y) \\odot \\sigma'(z^{(2)})\n\\end{aligned}\\\\\n"
        "&\\begin{aligned}\n\\frac{\\partial C}{\\partial a^{(2)}} &= a^{(2)} - y \\\\\n"
        "& = {RHS}\n\\end{aligned}\n\\end{aligned}$$\n"
    )
    right = FORWARD + block.replace("{RHS}", "(a^{(2)} - y)")
    rows = _rows(right)
    assert [line for line in rows if line > 6] == [9, 10, 13, 14]
    v = verdicts_of(right)
    assert v[10] == {"correct"}
    assert v[14] == {"correct"}
    wrong = verdicts_of(FORWARD + block.replace("{RHS}", "2 (a^{(2)} - y)"))
    assert wrong[14] == {"wrong"}
    assert "wrong" not in wrong[10]
