"""Notes that name a layer's pre-activation and activation with letters of their own (issue 22),
written here from scratch: row vectors ``s^l = o^{l-1} W^l + b^l``, ``o^l = \\phi(s^l)``, the
output ``o^L = y`` and the target ``t``, index form with the sum over
the downstream units, a menu of activations for the generic letter, prose labels before rows,
a formula the prose says does not hold, and a batch in capitals."""

from __future__ import annotations

from .test_notes import verdict_by_line


def at(note: str, marker: str) -> int:
    """The line of the note where ``marker`` first stands."""
    return next(k for k, t in enumerate(note.split("\n"), 1) if marker in t)


HEAD = (
    "# A network written with its own letters\n"  # 1
    "\n"
    "We write rows: the input to layer $l$ is $s^l = o^{l-1}W^l + b^l$, and its output\n"  # 3
    "$o^l = \\phi(s^l)$, with $o^0 = x$ and $o^L = y$ the output; $t$ is the target.\n"  # 4
    "\n"
    "$$\\delta_j^l = \\frac{\\partial E}{\\partial s_j^l}$$\n"  # 6
    "\n"
)

INDEX = (
    "$$\\begin{align}\n"  # 8
    "\\frac{\\partial s_j^l}{\\partial W_{ij}^l} &= o_i^{l-1}\\\\\n"  # 9
    "\\delta_j^l &= \\sum_{d\\in\\mathcal{D}_j} \\delta_d^{l+1} W_{jd}^{l+1}\\cdot"
    " \\frac{\\partial o_j^l}{\\partial s_j^l}\\\\\n"  # 10
    "\\text{Similarly,}\\quad \\frac{\\partial E}{\\partial b_j^l} &= \\delta_j^l\n"  # 11
    "\\end{align}$$\n"  # 12
    "\n"
)

VECTOR = (
    "$$\\frac{\\partial E}{\\partial W^l} = (o^{l-1})^\\top \\delta^l$$\n"  # 14
    "\n"
    "$$\\delta^l = \\big\\{\\delta^{l+1}(W^{l+1})^\\top\\big\\}\\odot \\phi'(s^l)$$\n"  # 16
    "\n"
)

MENU = (
    "\n"
    "## Activations\n"
    "ReLU: $\\phi(s) = \\max(0, s)$.\n"
    "\n"
    "Sigmoid: $\\phi(s) = \\frac{1}{1+\\exp(-s)}$, and $\\phi'(s) = \\phi(s)(1 - \\phi(s))$.\n"
)


def test_own_letters_in_index_and_vector_form_are_read():
    note = HEAD + INDEX + VECTOR + MENU
    v = verdict_by_line(note)
    for line in (9, 10, 11, 14, 16, at(note, "and $\\phi'(s)")):
        assert v.get(line) == "correct", (line, v)
    assert v.get(3) != "wrong" and v.get(4) != "wrong"


def test_a_missing_transpose_in_own_letters_is_caught():
    wrong = VECTOR.replace("\\delta^{l+1}(W^{l+1})^\\top", "\\delta^{l+1}W^{l+1}")
    v = verdict_by_line(HEAD + INDEX + wrong + MENU)
    assert v.get(16) == "wrong", v
    assert v.get(14) == "correct"


def test_a_wrong_index_derivation_in_own_letters_is_caught():
    wrong = INDEX.replace("\\delta_d^{l+1} W_{jd}^{l+1}", "\\delta_d^{l+1} W_{dj}^{l+1}")
    v = verdict_by_line(HEAD + wrong + VECTOR + MENU)
    assert v.get(10) == "wrong", v


def test_the_activation_menu_keeps_the_letter_generic():
    # the sigmoid's derivative under the menu's sigmoid: correct; a wrong one: caught
    note = HEAD + VECTOR + MENU
    line = at(note, "and $\\phi'(s)")
    assert verdict_by_line(note).get(line) == "correct"
    bad = MENU.replace("\\phi(s)(1 - \\phi(s))", "\\phi(s)(1 + \\phi(s))")
    assert verdict_by_line(HEAD + VECTOR + bad).get(line) == "wrong"


def test_a_formula_the_prose_denies_is_no_claim():
    said = "We cannot write $\\frac{\\partial E}{\\partial W^l} = \\delta^l (o^{l-1})^\\top$.\n"
    note = HEAD + VECTOR + said + MENU
    line = at(note, "cannot write")
    assert verdict_by_line(note).get(line) != "wrong"
    # the same formula said as a claim is wrong: the prose's negation is what spares it
    assert verdict_by_line(note.replace("cannot write", "write")).get(line) == "wrong"


BATCH = (
    "For a batch of rows, $S^l = O^{l-1}W^l + \\boldsymbol{1}b^l$ and $O^l = \\phi(S^l)$.\n"
    "\n"
    "$$\\frac{\\partial E}{\\partial W^L}=(O^{L-1})^\\top \\delta^L$$\n"
    "\n"
    "$$\\pmatrix{\\frac{\\partial E}{\\partial b^L}}_{j} = \\sum_q \\delta_{qj}^L$$\n"
)


def test_a_batch_in_capitals():
    note = HEAD + VECTOR + "\n" + BATCH
    v = verdict_by_line(note)
    assert v.get(at(note, "(O^{L-1})^\\top")) == "correct", v
    assert v.get(at(note, "pmatrix")) == "correct", v
    wrong = note.replace("(O^{L-1})^\\top \\delta^L", "\\delta^L (O^{L-1})^\\top")
    assert verdict_by_line(wrong).get(at(note, "(O^{L-1})^\\top")) == "wrong"


REMARKS = (
    "$$\\frac{\\partial E}{\\partial W_{ij}^l} = \\delta_j^l\\, o_i^{l-1}\\qquad(\\text{where}"
    "\\quad \\delta_j^l = \\frac{\\partial E}{\\partial s_j^l})$$\n"
    "\n"
    "$$\\delta^l = \\frac{\\partial E}{\\partial o^l}\\odot \\phi\u2019(s^l)$$\n"
)


def test_a_remark_in_parentheses_and_a_typographic_prime():
    note = HEAD + VECTOR + REMARKS + MENU
    v = verdict_by_line(note)
    assert v.get(at(note, "(\\text{where}")) == "correct", v
    assert v.get(at(note, "\u2019")) == "correct", v
    wrong = note.replace("\\delta_j^l\\, o_i^{l-1}", "\\delta_i^l\\, o_j^{l-1}")
    assert verdict_by_line(wrong).get(at(note, "(\\text{where}")) == "wrong"
