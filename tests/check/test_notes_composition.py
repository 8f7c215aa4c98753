"""The chain rule of one variable in prime notation, written here from scratch
(``meaning/composition.py``): ``(f \\circ g)'(x)``, ``\\{ f(g(x)) \\}'``, ``f(x)'`` after
``f(x) = ...``, and the note's own names composed (``(E \\circ r)'(p)`` with ``r = p - q``,
``E = r^2``). An identity of the chain rule is correct for any functions; a wrong one is caught
for every drawn function; a step that applies the wrong function is caught and shown."""

from __future__ import annotations

from .test_notes import verdict_by_line


def test_the_chain_rule_for_any_functions():
    note = (
        "$$(f \\circ g)'(x) = f'(g(x)) \\, g'(x)$$\n\n"  # 1
        "$$\\{ f(g(x)) \\}' = f'(g(x)) \\cdot g'(x)$$\n\n"  # 3
        "$$\\{ f(g(x)) \\}' = f'(g(x)) \\cdot f(g'(x))$$\n\n"  # 5
        "$$(f \\circ g)'(x) = f'(x) \\, g'(x)$$\n"  # 7
    )
    v = verdict_by_line(note)
    assert v[1] == v[3] == "correct"
    assert v[5] == v[7] == "wrong"


def test_a_function_the_note_defines():
    note = (
        "$$h(x) = a x^{3}$$\n\n"  # 1
        "$$h(x)' = 3 a x^{2}$$\n\n"  # 3
        "$$h(x)' = 3 a x^{3}$$\n"  # 5
    )
    v = verdict_by_line(note)
    assert v[3] == "correct"
    assert v[5] == "wrong"


def test_the_notes_own_names_composed():
    note = (
        "Let $r = p - q$ and $E = r^2$.\n\n"  # 1
        "$$(E \\circ r)'(p) = E'(r(p)) \\, r'(p)$$\n\n"  # 3
        "$$(E \\circ r)'(p) = 2 r(p)$$\n\n"  # 5
        "$$(E \\circ r)'(p) = 2 (p - q)$$\n\n"  # 7
        "$$(E \\circ r)'(p) = 2 r(r(p))$$\n"  # 9
    )
    v = verdict_by_line(note)
    assert v[3] == v[5] == v[7] == "correct"
    assert v[9] == "wrong"  # r applied twice: 2(p - 2q)
