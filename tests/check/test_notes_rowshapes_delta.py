"""A batch note with examples as rows that writes each formula's shape after it in sizes of its
own (``\\in \\mathbb{R}^{N \\times H_2}``) and averages its cost (issue 22, written here from
scratch in the style of a real softmax MLP note): the annotation is cut and the formula judged
alone; its delta may be the gradient of that averaged cost (a reading, named in the verdict),
so a delta written with the note's 1/N is right and one without it still wrong under both."""

from __future__ import annotations

from .test_notes import check_text

NOTE = (
    "$$z^{(1)} = xW^{(1)} + b^{(1)} \\in \\mathbb{R}^{N \\times H_1}$$\n\n"  # 1
    "$$a^{(1)} = \\sigma(z^{(1)}) \\in \\mathbb{R}^{N \\times H_1}$$\n\n"  # 3
    "$$z^{(2)} = a^{(1)}W^{(2)} + b^{(2)} \\in \\mathbb{R}^{N \\times K}$$\n\n"  # 5
    "$$\\hat{y} = softmax(z^{(2)}) \\in \\mathbb{R}^{N \\times K}$$\n\n"  # 7
    "$$L = -\\frac{1}{N} \\sum_{i=1}^{N} \\sum_{k=1}^{K} y_{ik} \\log(\\hat{y}_{ik})$$\n\n"  # 9
    "$$\\delta^{(2)} = \\frac{1}{N}(\\hat{y} - y) \\in \\mathbb{R}^{N \\times K}$$\n\n"  # 11
    "$$\\frac{\\partial L}{\\partial W^{(2)}} = (a^{(1)})^T \\delta^{(2)} "
    "\\in \\mathbb{R}^{H_1 \\times K}$$\n\n"  # 13
    "$$\\frac{\\partial L}{\\partial a^{(1)}} = \\delta^{(2)} (W^{(2)})^T "
    "\\in \\mathbb{R}^{N \\times H_1}$$\n\n"  # 15
    "$$\\delta^{(1)} = \\frac{\\partial L}{\\partial a^{(1)}} \\odot a^{(1)} \\odot (1 - a^{(1)}) "
    "\\in \\mathbb{R}^{N \\times H_1}$$\n\n"  # 17
)
SLIPS = (
    "$$\\delta^{(2)} = \\hat{y} - y - \\frac{1}{N} \\in \\mathbb{R}^{N \\times K}$$\n\n"  # 19
    "$$\\frac{\\partial L}{\\partial W^{(2)}} = \\delta^{(2)} (a^{(1)})^T "
    "\\in \\mathbb{R}^{H_1 \\times K}$$\n\n"  # 21
    "$$\\frac{\\partial L}{\\partial a^{(1)}} = \\delta^{(2)} W^{(2)} "
    "\\in \\mathbb{R}^{N \\times H_1}$$\n\n"  # 23
)


def _verdicts(text):
    results, _ = check_text(text)
    out = {}
    for r in results:
        if out.get(r.line, (None,))[0] != "wrong":
            out[r.line] = (r.verdict, r.message)
    return out


def test_formulas_with_a_trailing_shape_of_their_own_sizes_are_judged():
    got = _verdicts(NOTE)
    for line in (11, 13, 15, 17):
        assert got[line][0] == "correct", (line, got.get(line))
    assert "the gradient of the averaged cost" in got[11][1]
    assert all(v != "wrong" for v, _ in got.values())


def test_slips_beside_a_trailing_shape_are_caught():
    got = _verdicts(NOTE + SLIPS)
    for line in (19, 21, 23):
        assert got[line][0] == "wrong", (line, got.get(line))
    assert all(got.get(line, ("",))[0] != "wrong" for line in (1, 3, 5, 7, 9, 11, 13, 15, 17))


def test_deltas_side_by_side_with_a_shape_are_no_chain_rule():
    # the batch's errors stacked as columns: read once its shape is cut, never a wrong chain
    note = NOTE + (
        "$$\\Delta^{(1)} = \\big( \\delta_1^{(1)} \\; \\delta_2^{(1)} \\; \\ldots \\; "
        "\\delta_N^{(1)} \\big) \\in \\mathbb{R}^{H_1 \\times N}$$\n"
    )
    got = _verdicts(note)
    assert got.get(19, ("",))[0] != "wrong", got.get(19)
