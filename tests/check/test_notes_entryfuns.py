"""Functions a note defines by their entries, and numbered entries (issue 22), each notation
written here from scratch in the style of the real notes it was learnt from: softmax defined as
the note's own function entry by entry (``S(\\mathbf v)_k = \\frac{e^{v_k}}{\\sum_m e^{v_m}}``,
``\\sigma(\\mathbf z)_i``) and claims about it judged by finite differences; a small network
written unit by unit with numbered weights (``h_1 = \\sigma(w_1 x_1 + w_2 x_2)``) evaluated as
written; the reader's pieces those notes need (a row opening with + continues the row before,
``{a \\over b}``, a ``$`` alone on its line, MathJax's ``<script type="math/tex">``)."""

from __future__ import annotations

from derive.check.notes.meaning import grammar
from derive.check.notes.read import read_notes

from .test_notes import verdict_by_line

OWN_SOFTMAX = (
    "# Softmax as a function of its own\n"
    "\n"
    "$$S(\\mathbf{v})_k = \\frac{e^{v_k}}{\\sum_{m} e^{v_m}}$$\n"  # 3
    "\n"
    "$$\\frac{\\partial S(\\mathbf{v})_k}{\\partial v_n} = S(\\mathbf{v})_k (\\delta_{kn} - "
    "S(\\mathbf{v})_n)$$\n"  # 5
    "\n"
    "$$\\frac{\\partial S(\\mathbf{v})_k}{\\partial v_n} = S(\\mathbf{v})_k (1 - "
    "S(\\mathbf{v})_n)$$\n"  # 7
    "\n"
    "$$\\frac{\\partial S_k}{\\partial v_k} = S_k - S_k^2$$\n"  # 9
    "\n"
    "$$\\frac{\\partial S_k}{\\partial v_k} = S_k + S_k^2$$\n"  # 11
    "\n"
    "$$S(\\mathbf{v} + 3)_k = S(\\mathbf{v})_k$$\n"  # 13
    "\n"
    "$$S(2\\mathbf{v})_k = S(\\mathbf{v})_k$$\n"  # 15
)


def test_a_function_defined_by_entries_is_that_function():
    v = verdict_by_line(OWN_SOFTMAX)
    assert v[3] != "wrong"  # its definition binds
    assert v[5] == "correct"
    assert v[7] == "wrong"  # the Kronecker delta dropped: only the diagonal holds
    assert v[9] == "correct"  # S_k, the bare name, is S at the vector the note applies it to
    assert v[11] == "wrong"
    assert v[13] == "correct"  # invariant to a shift
    assert v[15] == "wrong"  # not to a scale


SIGMA_BY_ENTRIES = (
    "$$\\sigma(\\mathbf{z})_i = \\frac{e^{z_i}}{\\sum^K_{j=1}e^{z_j}}$$\n"  # 1
    "\n"
    "$$\\frac{\\partial[\\sigma(\\mathbf{a})]_i}{\\partial a_j} = \\sigma_i(1_{i=j} - "
    "\\sigma_j)$$\n"  # 3
    "\n"
    "$$\\frac{\\partial[\\sigma(\\mathbf{a})]_i}{\\partial a_j} = \\sigma_i(1 - \\sigma_j)$$\n"
)


def test_a_known_name_defined_by_entries_with_an_indicator():
    """sigma defined as softmax by its entries, applied to another vector a; sigma_i is its
    entry there, 1_{i=j} the Kronecker delta, the upper bound written before the lower."""
    v = verdict_by_line(SIGMA_BY_ENTRIES)
    assert v[1] != "wrong"
    assert v[3] == "correct"
    assert v[5] == "wrong"


def test_the_bare_name_is_left_unbound_when_the_note_applies_it_to_two_vectors():
    notes = (
        "$$s(\\mathbf x)_i = \\frac{e^{x_i}}{\\sum_j e^{x_j}}$$\n\n"
        "$$\\frac{\\partial s(\\mathbf u)_i}{\\partial u_i} = s_i - s_i^2$$\n\n"
        "$$\\frac{\\partial s(\\mathbf x)_i}{\\partial x_i} = "
        "s(\\mathbf x)_i - s(\\mathbf x)_i^2$$\n"
    )
    v = verdict_by_line(notes)
    assert v[3] != "wrong"  # s_i: s(u)_i or s(x)_i? not guessed
    assert v[5] == "correct"


def test_a_constant_added_to_the_argument():
    """``s(\\mathbf x + c)_i``: c a number of the note's, the claims an identity in it."""
    notes = (
        "$$s(\\mathbf x)_i = \\frac{e^{x_i}}{\\sum e^{x_j}}$$\n\n"
        "$$s(\\mathbf x + c)_i = \\frac{e^{x_i}e^c}{\\sum e^{x_j}e^c}$$\n\n"
        "$$s(\\mathbf x + c)_i = \\frac{e^{x_i + c}}{\\sum e^{x_j}}$$\n"
    )
    v = verdict_by_line(notes)
    assert v[3] == "correct"
    assert v[5] == "wrong"


def test_an_unindexed_sum_sums_the_letter_its_body_leaves_free():
    """``\\sum e^{x_j}``: no index written under the sum (a blog's shorthand)."""
    notes = (
        "$$s(\\mathbf x)_i = \\frac{e^{x_i}}{\\sum e^{x_j}}$$\n\n"
        "$$\\frac{\\partial s(\\mathbf x)_i}{\\partial x_j} = - s(\\mathbf x)_i s(\\mathbf x)_j$$\n"
        "\n$$\\frac{\\partial s(\\mathbf x)_i}{\\partial x_j} = s(\\mathbf x)_i s(\\mathbf x)_j$$\n"
    )
    v = verdict_by_line(notes)
    assert v[3] == "correct"  # holds where i and j differ, the case it is written for
    assert v[5] == "wrong"


ROWS_CROSS_ENTROPY = (
    "$$p(\\mathbf u)_k = \\frac{e^{u_k}}{\\sum_m e^{u_m}}$$\n\n"  # 1
    "$$H(\\mathbf y, \\mathbf p) = -\\sum_k y_k \\log p_k$$\n\n"  # 3
    "$$\\nabla_{\\mathbf p} H = -\\frac{\\mathbf y}{\\mathbf p}$$\n\n"  # 5
    "$$\\nabla_{\\mathbf p} H = \\frac{\\mathbf y}{\\mathbf p}$$\n\n"  # 7
    "$$\\mathbf J_{\\mathbf u}(\\mathbf p) = \\text{diag}(\\mathbf p) - \\mathbf p^\\top "
    "\\mathbf p$$\n\n"  # 9
    "$$\\nabla_{\\mathbf u} H = \\nabla_{\\mathbf p} H \\, \\mathbf J_{\\mathbf u}"
    "(\\mathbf p)$$\n\n"  # 11
    "$$\\nabla_{\\mathbf u} H = \\mathbf p - \\mathbf y$$\n\n"  # 13
    "$$\\nabla_{\\mathbf u} H = \\mathbf y - \\mathbf p$$\n\n"  # 15
    "$$H(\\mathbf y, \\mathbf p) = -\\mathbf y \\log \\mathbf p^\\top$$\n"  # 17
)


def test_a_cross_entropy_of_the_notes_own_softmax_in_row_vectors():
    """H(y, p) a function of the note's own (not a cost name): its gradient by p moves the
    softmax's value, J_u(p) is the softmax's Jacobian; the note says no layout, so rows
    (p^T p an outer product) are a reading; y is one-hot (p is a softmax)."""
    v = verdict_by_line(ROWS_CROSS_ENTROPY)
    assert v[3] != "wrong"
    assert v[5] == "correct"
    assert v[7] == "wrong"
    assert v[9] == "correct"
    assert v[11] == "correct"
    assert v[13] == "correct"
    assert v[15] == "wrong"
    assert v[17] == "correct"  # said again: a claim, y log p^T the dot product of rows


UNITS = (
    "# A worked example, unit by unit\n"
    "\n"
    "$$h_1 = \\sigma(w_1 x_1 + w_2 x_2)$$\n"  # 3
    "\n"
    "$$h_2 = \\sigma(w_3 x_1 + w_4 x_2)$$\n"  # 5
    "\n"
    "$$o_1 = \\sigma(w_5 h_1 + w_6 h_2)$$\n"  # 7
    "\n"
    "$$E = \\frac{1}{2}(t_1 - o_1)^2$$\n"  # 9
    "\n"
    "$$\\frac{\\partial E}{\\partial w_5} = (o_1 - t_1) o_1 (1 - o_1) h_1$$\n"  # 11
    "\n"
    "$$\\frac{\\partial E}{\\partial w_5} = (o_1 - t_1) o_1 (1 - o_1) h_2$$\n"  # 13
    "\n"
    "$$\\frac{\\partial E}{\\partial w_1} = (o_1 - t_1) o_1 (1 - o_1) w_5 h_1 (1 - h_1) x_1$$\n"
    "\n"
    "$$\\frac{\\partial E}{\\partial w_1} = (o_1 - t_1) o_1 (1 - o_1) w_6 h_1 (1 - h_1) x_1$$\n"
    "\n"
    "$$\\frac{\\partial E}{\\partial o_1} = o_1 - t_1$$\n"  # 19
    "\n"
    "$$\\frac{\\partial E}{\\partial h_2} = (o_1 - t_1) o_1 (1 - o_1) w_6$$\n"  # 21
)


def test_a_network_written_unit_by_unit_is_evaluated_as_written():
    v = verdict_by_line(UNITS)
    for line in (3, 5, 7, 9):
        assert v.get(line) != "wrong"  # its definitions
    assert v[11] == "correct"
    assert v[13] == "wrong"  # the other hidden unit
    assert v[15] == "correct"
    assert v[17] == "wrong"  # the weight of the other path
    assert v[19] == "correct"  # by a unit: the unit moved, what it feeds recomputed
    assert v[21] == "correct"


ABSTRACT_UNITS = (
    "$h_1=g(i_1 w_{11} + i_2 w_{21})$\n\n"  # 1
    "$h_2=g(i_1 w_{12} + i_2 w_{22})$\n\n"  # 3
    "$o_1=f(h_1 u_{11} + h_2 u_{21})$\n\n"  # 5
    "$\nE={1 \\over 2}\n(o_1-t_1)^2\n$\n\n"  # 7-10
    "$$\n\\begin{aligned}\n"  # 12
    "{\\partial E \\over \\partial u_{21}} =&\n"  # 14
    "(o_1 - t_1) {\\partial \\over \\partial u_{21}} f(h_1 u_{11} + h_2 u_{21})\n"  # 15
    "\\\\\n"
    "=& h_2 (o_1 - t_1)\n"  # 17
    "f'(h_1 u_{11} + h_2 u_{21})\n"
    "\\\\\n"
    "=& h_1 (o_1 - t_1)\n"  # 20
    "f'(h_1 u_{11} + h_2 u_{21})\n"
    "\\\\\n"
    "=& (o_1 - t_1)\n"  # 23
    "\\\\\n"
    "+& (o_1 - t_1) (f'(h_1 u_{11} + h_2 u_{21}) h_2 - 1)\n"  # 25
    "\\end{aligned}\n$$\n"
)


def test_numbered_weights_of_abstract_activations_over_several_rows():
    """``{a \\over b}``, a cost between dollars alone on their lines, and a row opening with
    ``+&`` that continues the row before (line 23 holds only with line 25)."""
    v = verdict_by_line(ABSTRACT_UNITS)
    assert v[15] == "correct"
    assert v[17] == "correct"
    assert v[20] == "wrong"
    assert v[23] == "correct"
    assert 25 not in v or v[25] != "wrong"


def test_numbered_entries_of_the_layered_network():
    notes = (
        "$$z^{(2)} = W^{(2)} a^{(1)} + b^{(2)}$$\n\n"
        "$$a^{(2)} = \\sigma(z^{(2)})$$\n\n"
        "$$\\frac{\\partial z^{(2)}_1}{\\partial W^{(2)}_{12}} = a^{(1)}_2$$\n\n"
        "$$\\frac{\\partial z^{(2)}_1}{\\partial W^{(2)}_{12}} = a^{(1)}_1$$\n\n"
        "$$\\frac{\\partial z^{(2)}_2}{\\partial b^{(2)}_1} = 0$$\n"
    )
    v = verdict_by_line(notes)
    assert v[5] == "correct"
    assert v[7] == "wrong"
    assert v[9] == "correct"


def test_reader_pieces():
    assert grammar.clean("{\\partial E \\over \\partial w_{11}}") == (
        "\\frac{\\partial E }{ \\partial w_{11}}"
    )
    assert grammar.clean("\\overline{x} + {a\\over b}") == "\\overline{x} + \\frac{a}{ b}"
    assert "\\delta_{ij}" in grammar.clean("\\sigma_i(1_{i=j} - \\sigma_j)")
    assert grammar.parse("\\sum^K_{j=1} e^{z_j}") == grammar.parse("\\sum_{j=1}^K e^{z_j}")
    text = '<script type="math/tex; mode=display">\ns(x)_i = e^{x_i}\n</script>\n'
    math = [(s.line, s.text) for s in read_notes(text) if s.kind == "math"]
    assert math == [(2, "s(x)_i = e^{x_i}")]
    rows = "$$\n\\begin{aligned}\nE &= a\n\\\\\n+& b\n\\end{aligned}\n$$\n"
    math = [(s.line, s.text) for s in read_notes(rows) if s.kind == "math"]
    assert len(math) == 1 and math[0][1].replace(" ", "") == "E=a+b"
