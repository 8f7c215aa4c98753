"""CS224d-style homework notation (derive/check/notes/meaning/logits.py, sections.py): the
logits named only in prose, a heading naming the variable of its section's derivatives, the
summation convention with a softmax denominator, names of the note's own read from the
network's state, an index only in Kronecker deltas."""

from __future__ import annotations

from .test_notes import verdict_by_line

FORWARD = [
    r"$$t = x W^{(1)} + b^{(1)}$$",  # 1
    r"$$h = \sigma(t)$$",  # 3
    r"$$v = h W^{(2)} + b^{(2)}$$",  # 5
    r"$$\hat{y} = \mathrm{softmax}(v)$$",  # 7
    r"$$J = -\sum_i y_i \log(\hat{y}_i)$$",  # 9
]
DJ_THETA = r"\frac{\partial J}{\partial \theta_k}"
DJ_W = r"\frac{\partial J}{\partial W_{fg}}"


def _verdicts(*lines):
    """Verdicts by line of a note of these lines, each followed by a blank line (so the
    n-th line stands on line 2n - 1)."""
    return verdict_by_line("\n\n".join(FORWARD + list(lines)) + "\n")


def test_logits_named_only_in_prose():
    v = _verdicts(
        r"The partial with respect to $\theta_k$, the softmax's argument.",  # 11
        rf"$${DJ_THETA} = \hat{{y}}_k - y_k$$",  # 13
        rf"$${DJ_THETA} = y_k - \hat{{y}}_k$$",  # 15
    )
    assert v[13] == "correct" and v[15] == "wrong"


def test_a_heading_names_the_variable_of_its_section():
    lines = [
        r"### With respect to $W^{(1)}$",  # 11
        rf"$${DJ_W} = x_f [ (\hat{{y}} - y) W^{{(2)T}} \circ \sigma'(t) ]_g$$",  # 13
        rf"$${DJ_W} = x_f [ (\hat{{y}} - y) W^{{(2)T}} ]_g$$",  # 15: sigma'(t) left out
        r"$$\frac{\partial h_c}{\partial t_d} = \sigma'(t_c) \delta_{cd}$$",  # 17
        r"$$\frac{\partial t_d}{\partial W_{fg}} = x_f \delta_{dg}$$",  # 19
        rf"$${DJ_W} = [ \hat{{y}} - y ]_b W^{{(2)}}_{{cb}} \sigma'(t_c) \delta_{{cd}} x_f "
        r"\delta_{dg}$$",  # 21, under the convention declared on 23
    ]
    v = _verdicts(*lines)
    assert v[13] == "correct" and v[15] == "wrong"
    assert v[17] == "correct" and v[19] == "correct"
    v = _verdicts(*lines, "Repeated indices are summed (Einstein notation).")
    assert v[21] == "correct"


def test_the_summation_convention_sums_each_term_and_a_softmax_denominator():
    v = _verdicts(
        "In Einstein notation a repeated index is summed.",  # 11
        rf"$${DJ_THETA} = -y_i \frac{{1}}{{\hat{{y}}_i}} \frac{{\partial}}{{\partial \theta_k}} "
        r"\frac{e^{\theta_i}}{e^{\theta_m}}$$",  # 13
        rf"$${DJ_THETA} = -y_i [ \delta{{ik}} - \hat{{y}}_k ]$$",  # 15: \delta{ik}, a slip
        rf"$${DJ_THETA} = -y_i [ \delta_{{ik}} + \hat{{y}}_k ]$$",  # 17
    )
    assert v[13] == "correct" and v[15] == "correct" and v[17] == "wrong"


def test_softmax_regressions_theta_is_the_weights_not_the_logits():
    v = _verdicts(
        r"$$\hat{y}_k = \frac{e^{\theta_k^T x}}{\sum_j e^{\theta_j^T x}}$$",  # 11
        rf"$${DJ_THETA} = (\hat{{y}}_k - y_k) x$$",  # 13: right for the weights theta_k
    )
    assert v.get(13) != "wrong"
