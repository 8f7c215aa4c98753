"""Backpropagation through time (recurrent.py), in notes written here from scratch: a linear
recurrence with subscript steps and a loss summed over the steps, and a tanh recurrence with
superscript steps ``h^{(t)}`` and ``\\nabla`` gradients. Each claim is judged at every step of
a drawn sequence; a claim that holds at the last step only is never called WRONG."""

from __future__ import annotations

from .test_notes import verdict_by_line

LINEAR = (
    "A linear recurrent network, inputs $x_t \\in \\mathbb{R}^n$, state "
    "$s_t \\in \\mathbb{R}^m$, outputs $o_t \\in \\mathbb{R}^p$:\n\n"
    "$$s_t = A x_t + B s_{t-1}$$\n\n"  # line 3
    "$$o_t = C s_t$$\n\n"  # 5
    "$$L = \\sum_{t=1}^T \\ell(o_t, y_t)$$\n\n"  # 7
    "with $A \\in \\mathbb{R}^{m \\times n}$ and $C \\in \\mathbb{R}^{p \\times m}$.\n\n"  # 9
    "$$\\frac{\\partial L}{\\partial o_t} = \\frac{\\partial \\ell(o_t, y_t)}{\\partial o_t}$$\n\n"
    "$$\\frac{\\partial L}{\\partial s_T} = C^\\top \\frac{\\partial L}{\\partial o_T}$$\n\n"  # 13
)


def _note(*claims: str) -> str:
    return LINEAR + "".join(f"$${c}$$\n\n" for c in claims)


def test_linear_recurrence_claims_correct():
    v = verdict_by_line(
        _note(
            "\\frac{\\partial L}{\\partial s_t} = B^\\top \\frac{\\partial L}{\\partial s_{t+1}}"
            " + C^\\top \\frac{\\partial L}{\\partial o_t}",  # 15
            "\\frac{\\partial L}{\\partial s_t} = \\sum_{k=t}^T (B^\\top)^{k-t} C^\\top "
            "\\frac{\\partial L}{\\partial o_k}",  # 17
            "\\frac{\\partial L}{\\partial B} = \\sum_{t=1}^T \\frac{\\partial L}{\\partial s_t}"
            " s_{t-1}^\\top",  # 19
            "\\frac{\\partial L}{\\partial A} = \\sum_{t=1}^T \\frac{\\partial L}{\\partial s_t}"
            " x_t^\\top",  # 21
            "\\frac{\\partial L}{\\partial C} = \\sum_{t=1}^T \\frac{\\partial L}{\\partial o_t}"
            " s_t^\\top",  # 23
            "\\partial L / \\partial A \\in \\mathbb{R}^{m \\times n}",  # 25
        )
    )
    for line in (11, 13, 15, 17, 19, 21, 23, 25):
        assert v.get(line) == "correct", (line, v)


def test_linear_recurrence_mistakes_caught():
    v = verdict_by_line(
        _note(
            "\\frac{\\partial L}{\\partial s_t} = B \\frac{\\partial L}{\\partial s_{t+1}}"
            " + C^\\top \\frac{\\partial L}{\\partial o_t}",  # 15: B for B^T
            "\\frac{\\partial L}{\\partial s_t} = \\sum_{k=t}^T (B^\\top)^{k-t+1} C^\\top "
            "\\frac{\\partial L}{\\partial o_k}",  # 17: one power too many
            "\\frac{\\partial L}{\\partial B} = \\sum_{t=1}^T \\frac{\\partial L}{\\partial s_t}"
            " s_t^\\top",  # 19: s_t for s_{t-1}
            "\\partial L / \\partial A \\in \\mathbb{R}^{m \\times m}",  # 21: A is m x n
        )
    )
    for line in (15, 17, 19, 21):
        assert v.get(line) == "wrong", (line, v)


def test_a_last_step_claim_with_a_general_t_is_never_wrong():
    v = verdict_by_line(
        _note("\\frac{\\partial L}{\\partial s_t} = C^\\top \\frac{\\partial L}{\\partial o_t}")
    )
    assert v.get(15) != "wrong"


TANH = (
    "$$h^{(t)} = \\tanh(W h^{(t-1)} + U x^{(t)} + b)$$\n\n"  # line 1
    "$$o^{(t)} = V h^{(t)} + c$$\n\n"  # 3
    "$$L = \\sum_t L^{(t)}$$\n\n"  # 5: a loss this reading leaves open
)


def test_tanh_recurrence_with_nabla_and_superscript_steps():
    good = TANH + (
        "$$\\nabla_{h^{(t)}} L = W^\\top \\mathrm{diag}(1 - (h^{(t+1)})^2) "
        "\\nabla_{h^{(t+1)}} L + V^\\top \\nabla_{o^{(t)}} L$$\n\n"  # 7
        "$$\\nabla_{c} L = \\sum_t \\nabla_{o^{(t)}} L$$\n\n"  # 9
        "$$\\nabla_{W} L = \\sum_t \\mathrm{diag}(1 - (h^{(t)})^2) \\nabla_{h^{(t)}} L "
        "h^{(t-1)\\top}$$\n\n"  # 11
    )
    v = verdict_by_line(good)
    for line in (7, 9, 11):
        assert v.get(line) == "correct", (line, v)
    bad = TANH + (
        "$$\\nabla_{h^{(t)}} L = W^\\top \\nabla_{h^{(t+1)}} L + V^\\top \\nabla_{o^{(t)}} L$$\n\n"
        "$$\\nabla_{W} L = \\sum_t \\nabla_{h^{(t)}} L h^{(t-1)\\top}$$\n\n"  # 9
    )
    v = verdict_by_line(bad)
    assert v.get(7) == "wrong" and v.get(9) == "wrong", v


TWO_STEP = (
    "$$a_t = W_{xh} x_t + W_{hh} h_{t-1} + b_h$$\n\n"  # line 1
    "$$h_t = \\tanh(a_t)$$\n\n"  # 3
    "$$y_t = W_{hy} h_t$$\n\n"  # 5
    "$$p_t = \\mathrm{softmax}(y_t)$$\n\n"  # 7: not bound; the gradients by y_t stay general
)


def test_two_step_recurrence_with_its_own_cost_letter():
    good = TWO_STEP + (
        "$$\\frac{\\partial J}{\\partial h_t} = W_{hy}^T \\frac{\\partial J}{\\partial y_t}"
        " + W_{hh}^T \\frac{\\partial J}{\\partial a_{t+1}}$$\n\n"  # 9
        "$$\\frac{\\partial J}{\\partial a_t} = (1 - h_t^2) \\odot \\frac{\\partial J}"
        "{\\partial h_t}$$\n\n"  # 11
        "$$\\frac{\\partial J}{\\partial W_{hh}} = \\sum_{t=1}^{T} \\frac{\\partial J}"
        "{\\partial a_t} h_{t-1}^T$$\n\n"  # 13
    )
    v = verdict_by_line(good)
    for line in (9, 11, 13):
        assert v.get(line) == "correct", (line, v)
    bad = TWO_STEP + (
        "$$\\frac{\\partial J}{\\partial h_t} = W_{hy}^T \\frac{\\partial J}{\\partial y_t}"
        " + W_{hh}^T \\frac{\\partial J}{\\partial h_{t+1}}$$\n\n"  # 9: h_{t+1} for a_{t+1}
        "$$\\frac{\\partial J}{\\partial W_{hh}} = \\sum_{t=1}^{T} \\frac{\\partial J}"
        "{\\partial h_t} h_{t-1}^T$$\n\n"  # 11: the tanh's derivative left out
    )
    v = verdict_by_line(bad)
    assert v.get(9) == "wrong" and v.get(11) == "wrong", v


OPEN = (
    "$$s_t = \\phi(u_t, s_{t-1}, \\theta)$$\n\n"  # line 1: functions the note leaves open
    "$$v_t = g(s_t, \\beta)$$\n\n"  # 3
    "$$E = \\sum_{t=1}^T \\ell(v_t, z_t)$$\n\n"  # 5
)


def test_open_functions_total_and_partial_derivatives():
    good = OPEN + (
        "$$\\frac{\\partial s_t}{\\partial \\theta} = \\frac{\\partial \\phi(u_t, s_{t-1}, "
        "\\theta)}{\\partial \\theta} + \\frac{\\partial \\phi(u_t, s_{t-1}, \\theta)}"
        "{\\partial s_{t-1}} \\frac{\\partial s_{t-1}}{\\partial \\theta}$$\n\n"  # 7
        "$$\\frac{\\partial E}{\\partial \\theta} = \\sum_{t=1}^T \\frac{\\partial \\ell(v_t, "
        "z_t)}{\\partial v_t} \\frac{\\partial g(s_t, \\beta)}{\\partial s_t} "
        "\\frac{\\partial s_t}{\\partial \\theta}$$\n\n"  # 9
    )
    v = verdict_by_line(good)
    assert v.get(7) == "correct" and v.get(9) == "correct", v
    bad = OPEN + (
        "$$\\frac{\\partial s_t}{\\partial \\theta} = \\frac{\\partial \\phi(u_t, s_{t-1}, "
        "\\theta)}{\\partial \\theta} + \\frac{\\partial \\phi(u_t, s_{t-1}, \\theta)}"
        "{\\partial s_{t-1}}$$\n\n"  # 7: the earlier steps' effect left out
        "$$\\frac{\\partial E}{\\partial \\theta} = \\sum_{t=1}^T \\frac{\\partial \\ell(v_t, "
        "z_t)}{\\partial v_t} \\frac{\\partial g(s_t, \\theta)}{\\partial s_t} "
        "\\frac{\\partial s_t}{\\partial \\theta}$$\n\n"  # 9: g's parameter written as theta
    )
    v = verdict_by_line(bad)
    assert v.get(7) == "wrong" and v.get(9) == "wrong", v


def test_open_functions_closed_form_with_a_product():
    def closed(first: str) -> str:
        return OPEN + (
            "$$\\frac{\\partial s_t}{\\partial \\theta} = \\frac{\\partial \\phi(u_t, s_{t-1}, "
            "\\theta)}{\\partial \\theta} + \\sum_{i=1}^{t-1} \\left(\\prod_{j=" + first + "}^{t} "
            "\\frac{\\partial \\phi(u_j, s_{j-1}, \\theta)}{\\partial s_{j-1}}\\right) "
            "\\frac{\\partial \\phi(u_i, s_{i-1}, \\theta)}{\\partial \\theta}$$\n"  # line 7
        )

    assert verdict_by_line(closed("i+1")).get(7) == "correct"
    assert verdict_by_line(closed("i")).get(7) == "wrong"  # one factor too many


def test_a_loss_the_note_leaves_open_may_read_the_last_output_only():
    # a sequence read to its end: the loss of o^{(T)} alone, a reading of an unwritten loss
    v = verdict_by_line(
        TANH + "$$\\nabla_{h^{(t)}} L = W^\\top \\mathrm{diag}(1 - (h^{(t+1)})^2) "
        "\\nabla_{h^{(t+1)}} L$$\n"  # line 7
    )
    assert v.get(7) == "correct", v
    # no output apart from the recurrence: what the loss depends on is unknown, nothing judged
    v = verdict_by_line(
        "$$h^{(t)} = \\tanh(W h^{(t-1)} + U x^{(t)})$$\n"
        "$$\\frac{\\partial L}{\\partial h^{(t-1)}} = W^T "
        "\\frac{\\partial L}{\\partial h^{(t)}}$$\n"
    )
    assert v.get(2) != "wrong", v


GOODFELLOW_STYLE = (
    "$$a^{(t)} = b + W h^{(t-1)} + U x^{(t)}$$\n\n"  # line 1
    "$$h^{(t)} = \\tanh(a^{(t)})$$\n\n"  # 3
    "$$o^{(t)} = c + V h^{(t)}$$\n\n"  # 5
    "$$\\hat{y}^{(t)} = \\mathrm{softmax}(o^{(t)})$$\n\n"  # 7
)


def test_superscript_steps_with_tau_for_the_last_one():
    good = GOODFELLOW_STYLE + (
        "$$\\nabla_{h^{(\\tau)}} L = V^\\top \\nabla_{o^{(\\tau)}} L$$\n\n"  # 9
        "$$\\nabla_{b} L = \\sum_t \\mathrm{diag}(1 - (h^{(t)})^2) \\nabla_{h^{(t)}} L$$\n\n"
        "$$\\nabla_{V} L = \\sum_t (\\nabla_{o^{(t)}} L) h^{(t)\\top}$$\n\n"  # 13
    )
    v = verdict_by_line(good)
    for line in (9, 11, 13):
        assert v.get(line) == "correct", (line, v)
    bad = GOODFELLOW_STYLE + (
        "$$\\nabla_{V} L = \\sum_t h^{(t)} (\\nabla_{o^{(t)}} L)^\\top$$\n\n"  # 9: transposed
        "$$\\nabla_{b} L = \\sum_t \\nabla_{h^{(t)}} L$$\n\n"  # 11: tanh's derivative left out
    )
    v = verdict_by_line(bad)
    assert v.get(11) == "wrong", v
    assert v.get(9) != "correct", v  # 3 x 4 for 4 x 3: a layout at worst, never confirmed
