"""CS224d-style homework notation (derive/check/notes/meaning/logits.py, sections.py): the
logits named only in prose, a heading naming the variable of its section's derivatives, the
summation convention with a softmax denominator, names of the note's own read from the
network's state, an index only in Kronecker deltas."""

from __future__ import annotations

from derive.check.notes.walk import check_text

FORWARD = "\n\n".join(
    [
        "$$t = x W^{(1)} + b^{(1)}$$",  # 1
        "$$h = \\sigma(t)$$",  # 3
        "$$v = h W^{(2)} + b^{(2)}$$",  # 5
        "$$\\hat{y} = \\mathrm{softmax}(v)$$",  # 7
        "$$J = -\\sum_i y_i \\log(\\hat{y}_i)$$",  # 9
    ]
)


def _verdicts(text):
    results, _ = check_text(text)
    out = {}
    for r in results:
        if out.get(r.line) != "wrong":
            out[r.line] = r.verdict
    return out


def test_logits_named_only_in_prose():
    note = FORWARD + "\n\nThe partial with respect to $\\theta_k$, the softmax's argument.\n\n" + (
        "$$\\frac{\\partial J}{\\partial \\theta_k} = \\hat{y}_k - y_k$$\n\n"  # 13
        "$$\\frac{\\partial J}{\\partial \\theta_k} = y_k - \\hat{y}_k$$\n"  # 15
    )
    v = _verdicts(note)
    assert v[13] == "correct" and v[15] == "wrong"


def test_a_heading_names_the_variable_of_its_section():
    note = FORWARD + "\n\n### With respect to $W^{(1)}$\n\n" + (
        "$$\\frac{\\partial J}{\\partial W_{fg}} = x_f [ (\\hat{y} - y) W^{(2)T} \\circ "
        "\\sigma'(t) ]_g$$\n\n"  # 13
        "$$\\frac{\\partial J}{\\partial W_{fg}} = x_f [ (\\hat{y} - y) W^{(2)T} ]_g$$\n\n"  # 15
        "$$\\frac{\\partial h_c}{\\partial t_d} = \\sigma'(t_c) \\delta_{cd}$$\n\n"  # 17
        "$$\\frac{\\partial t_d}{\\partial W_{fg}} = x_f \\delta_{dg}$$\n\n"  # 19
        "$$\\frac{\\partial J}{\\partial W_{fg}} = [ \\hat{y} - y ]_b W^{(2)}_{cb} \\sigma'(t_c) "
        "\\delta_{cd} x_f \\delta_{dg}$$\n"  # 21, under the convention declared below
    )
    v = _verdicts(note)
    assert v[13] == "correct" and v[15] == "wrong"  # sigma'(t) left out
    assert v[17] == "correct" and v[19] == "correct"
    v = _verdicts(note + "\nRepeated indices are summed (Einstein notation).\n")
    assert v[21] == "correct"


def test_the_summation_convention_sums_each_term_and_a_softmax_denominator():
    note = FORWARD + "\n\nIn Einstein notation a repeated index is summed.\n\n" + (
        "$$\\frac{\\partial J}{\\partial \\theta_k} = -y_i \\frac{1}{\\hat{y}_i} "
        "\\frac{\\partial}{\\partial \\theta_k} \\frac{e^{\\theta_i}}{e^{\\theta_m}}$$\n\n"  # 13
        "$$\\frac{\\partial J}{\\partial \\theta_k} = -y_i [ \\delta{ik} - \\hat{y}_k ]$$\n\n"  # 15
        "$$\\frac{\\partial J}{\\partial \\theta_k} = -y_i [ \\delta_{ik} + \\hat{y}_k ]$$\n"  # 17
    )
    v = _verdicts(note)
    assert v[13] == "correct" and v[15] == "correct" and v[17] == "wrong"
