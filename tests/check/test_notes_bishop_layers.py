"""Bishop's letters with layer superscripts, written here from scratch: ``a^{(1)}`` is the
weighted input and ``z^{(1)} = h(a^{(1)})`` the activation, the other way round from Ng's. The
note's own forward equation says which: its claims are read in its letters (never a false
WRONG from reading z as the pre-activation), and a slip in them is still caught."""

from __future__ import annotations

from derive.check.notes.meaning import bishoplayers

from .test_notes import verdict_by_line

NOTE = (
    "$$a_j^{(1)} = \\sum_i w_{ji}^{(1)} x_i + b_j^{(1)}$$\n\n"  # 1
    "$$z_j^{(1)} = \\tanh(a_j^{(1)})$$\n\n"  # 3
    "$$a_k^{(2)} = \\sum_j w_{kj}^{(2)} z_j^{(1)} + b_k^{(2)}$$\n\n"  # 5
    "$$y_k = a_k^{(2)}$$\n\n"  # 7
    "$$E_n = \\frac{1}{2} \\sum_k (y_k - t_k)^2$$\n\n"  # 9
    "$$\\delta_k^{(2)} = \\frac{\\partial E_n}{\\partial a_k^{(2)}} = y_k - t_k$$\n\n"  # 11
    "$$h'(a_j^{(1)}) = 1 - (z_j^{(1)})^2$$\n\n"  # 13
    "$$\\delta_j^{(1)} = (1 - (z_j^{(1)})^2) \\sum_k w_{kj}^{(2)} \\delta_k^{(2)}$$\n\n"  # 15
    "$$\\frac{\\partial E_n}{\\partial w_{ji}^{(1)}} = \\delta_j^{(1)} x_i$$\n\n"  # 17
    "$$\\delta_j^{(1)} = (1 - (a_j^{(1)})^2) \\sum_k w_{kj}^{(2)} \\delta_k^{(2)}$$\n"  # 19
)


def test_bishops_layered_letters_are_read_as_bishop_writes_them():
    v = verdict_by_line(NOTE)
    assert v[11] == v[13] == v[15] == v[17] == "correct"
    assert v[19] != "correct"  # tanh' is 1 - z^2 of the activation, not of the weighted input


def test_ngs_letters_are_left_as_they_are():
    ng = (
        "$$z^{[1]} = W^{[1]} x + b^{[1]}$$\n\n$$a^{[1]} = \\tanh(z^{[1]})$$\n\n"
        "$$z^{[2]} = W^{[2]} a^{[1]} + b^{[2]}$$\n\n$$a^{[2]} = \\sigma(z^{[2]})$$\n"
    )
    from derive.check.notes.meaning.judge import statements
    from derive.check.notes.read import read_notes

    stmts = statements(read_notes(ng, latex=False))
    assert not bishoplayers.writes_bishop(stmts)
