"""Logistic regression with its weights as a column (meaning/logreg.py), in notes written here
from scratch in the notation of Ng's course: ``z = w^T x + b``, ``dw = \\frac{1}{m} X dZ^T``;
and a name the note writes out entry by entry in a form not read is never judged wrong."""

from __future__ import annotations

from .test_notes import verdict_by_line

LOGREG = (
    "$$z = w^T x + b$$\n"  # 1
    "\n"
    "$$\\hat y = a = \\sigma(z)$$\n"  # 3
    "\n"
    "$$L(a, y) = -(y \\log a + (1 - y) \\log(1 - a))$$\n"  # 5
    "\n"
    "$$\\frac{dL}{dz} = a - y$$\n"  # 7
    "\n"
    "$$\\frac{\\partial L}{\\partial w_i} = x_i \\frac{dL}{dz}$$\n"  # 9
    "\n"
    "$$dZ = A - Y$$\n"  # 11
    "\n"
    "$$dw = \\frac{1}{m} X dZ^T$$\n"  # 13
    "\n"
    "$$db = \\frac{1}{m} \\sum_{i=1}^m dz^{(i)}$$\n"  # 15
)


def test_weights_as_a_column():
    v = verdict_by_line(LOGREG)
    assert v[7] == "correct"
    assert v[9] == "correct"
    assert v[13] == "correct"


def test_weights_as_a_column_mistakes():
    v = verdict_by_line(LOGREG.replace("X dZ^T", "X A^T").replace("x_i \\frac", "w_i \\frac"))
    assert v[13] == "wrong"  # A where dZ belongs
    assert v[9] == "wrong"


def test_a_name_written_out_entry_by_entry_is_never_wrong():
    notes = LOGREG + (
        "\n"  # 16
        "$$dz = [dz^{(1)}, dz^{(2)}, ......, dz^{(m)}]^T$$\n"  # 17
        "\n"
        "$$x = [x_1; x_2; ......; x_m]$$\n"  # 19
        "\n"
        "$$dw = \\frac{1}{m} x dz$$\n"  # 21
    )
    v = verdict_by_line(notes)
    assert v.get(17) != "wrong"
    assert v.get(19) != "wrong"
    assert v.get(21) != "wrong"  # x and dz are the note's own, written out, not read


def test_a_layered_network_is_not_one_unit():
    notes = (
        "$$z^{(2)} = W^{(1)} x + b^{(1)}$$\n\n"  # 1
        "$$z = w^T x + b$$\n\n"  # 3
        "$$dw = \\frac{1}{m} dZ X^T$$\n"  # 5
    )
    assert verdict_by_line(notes).get(5) != "wrong"


NUMBERED = LOGREG + (
    "\n"  # 16
    "$$dz^{(i)} = a^{(i)} - y^{(i)}$$\n"  # 17: i counts the examples (with the sum of line 15)
    "\n"
    "$$dz^{(1)} = a^{(1)} - y^{(1)}$$\n"  # 19
    "\n"
    "$$dz^{(2)} = a^{(2)} - y^{(2)}$$\n"  # 21
)


def test_numbered_examples():
    v = verdict_by_line(NUMBERED)
    assert v[19] == "correct"
    assert v[21] == "correct"
    v = verdict_by_line(NUMBERED.replace("a^{(2)} - y^{(2)}", "a^{(2)} + y^{(2)}"))
    assert v[21] == "wrong"
