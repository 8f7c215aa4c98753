"""A weight entry written from the feeding unit to the fed one, ``w_{ij}^{(l)}`` feeding j
from i (``z_j^{(l)} = \\sum_i w_{ij}^{(l)} a_i^{(l-1)}``): the note's own order, never read as
Nielsen's (entryorder.py). A note of our own in that notation: its correct index claims are
correct (they were false WRONGs in Nielsen's order), the indices swapped are caught."""

from __future__ import annotations

from tests.check.test_notes import verdict_by_line

NOTE = r"""# One layer to the next

$$z_j^{(l)} = \sum_{i} w_{ij}^{(l)} a_i^{(l-1)}$$

$$a_j^{(l)} = g(z_j^{(l)})$$

Let $\delta_j^{(l)} = \frac{\partial E}{\partial z_j^{(l)}}$.

$$\frac{\partial E}{\partial w_{ij}^{(l)}} = \delta_j^{(l)} a_i^{(l-1)}$$

$$\delta_{i}^{(l-1)} = \sum_j \delta_j^{(l)} w_{ij}^{(l)} g'(z_i^{(l-1)})$$

$$\delta_{i}^{(l-1)} = \sum_j \delta_j^{(l)} w_{ji}^{(l)} g'(z_i^{(l-1)})$$

$$\frac{\partial E}{\partial w_{ij}^{(l)}} = \delta_i^{(l)} a_j^{(l-1)}$$
"""


def test_weights_from_the_feeding_unit():
    got = verdict_by_line(NOTE)
    assert got[9] == "correct"
    assert got[11] == "correct"  # Nielsen's order would call this WRONG
    assert got[13] == "wrong"  # the indices swapped against the note's own order
    assert got[15] == "wrong"


def test_with_a_bias_the_same():
    text = NOTE.replace(r"a_i^{(l-1)}$$", r"a_i^{(l-1)} + b_j^{(l)}$$", 1)
    assert text != NOTE
    got = verdict_by_line(text)
    assert (got[9], got[11], got[13], got[15]) == ("correct", "correct", "wrong", "wrong")


def test_nielsen_order_kept():
    # the same claims under a forward equation in Nielsen's order: read as before
    text = NOTE.replace(r"\sum_{i} w_{ij}^{(l)} a_i^{(l-1)}", r"\sum_{i} w_{ji}^{(l)} a_i^{(l-1)}")
    got = verdict_by_line(text)
    assert got[11] == "wrong"
    assert got[13] == "correct"


def test_two_orders_leave_the_note_as_written():
    # a restatement in the other order: the note's order is not one, nothing is swapped
    text = NOTE + "\n$$z_j^{(l)} = \\sum_{k} w_{jk}^{(l)} a_k^{(l-1)}$$\n"
    got = verdict_by_line(text)
    assert got[13] == "correct"
