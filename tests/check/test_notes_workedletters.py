"""A worked numeric example given by scalar weights (issue 22, held-out set 8): a 2-2-1 network
without biases whose inputs and weights are named scalars given at once as arrays
(``X = (x_1 \\; x_2) = (1.0 \\; 0.5)``, ``V = (v_1 \\; v_2 \\\\ \\ldots) = (0.1 \\; 0.4 \\\\
\\ldots)``), a sigmoid hidden layer written ``Sigmoid(h_1)``, a linear output written
``\\hat{y_1}`` and then ``\\hat{y}``, the loss ``(t_1 - \\hat{y})^2`` without 1/2, and every
later step computed from the rounded numbers the note shows (``meaning/workedletters.py``,
``worked.py``'s displayed numbers). Synthetic notes of our own in that notation: inline math
``\\( \\)`` inside HTML ``<div>``s, ``aligned`` chains with ``\\\\[10pt]``.
"""

from __future__ import annotations

from .test_notes import verdict_by_line

NOTE = (
    "Given values:\n"  # 1
    '<div style="text-align: left;">\n'
    "\\( X = \\begin{pmatrix} x_1 & x_2 \\end{pmatrix} = \\begin{pmatrix} 1.0 & 0.5 "
    "\\end{pmatrix},\\quad V = \\begin{pmatrix} v_1 & v_2 \\\\ v_3 & v_4 \\\\ v_5 & v_6 "
    "\\end{pmatrix} = \\begin{pmatrix} 0.1 & 0.4 \\\\ 0.3 & 0.2 \\\\ 0.6 & 0.7 \\end{pmatrix},"
    "\\quad t_1 = 1.0 \\)\n"  # 3
    "</div>\n"
    "\n"
    "#### Forward\n"  # 6
    "\n"
    '<div style="text-align: left;">\n'
    "\\( h_1 = v_1 \\cdot x_1 + v_3 \\cdot x_2 \\)\n"  # 9
    "<br>\n"
    "\\( h_2 = v_2 \\cdot x_1 + v_4 \\cdot x_2 \\)\n"  # 11
    "</div>\n"
    "\n"
    '<div style="text-align: left;">\n'
    "\\( g_1 = Sigmoid(h_1) = \\frac{1}{1+e^{-h_1}} = \\frac{1}{1+e^{-0.25}} = {G1} \\)\n"  # 15
    "<br>\n"
    "\\( g_2 = Sigmoid({H}) = \\frac{1}{1+e^{-h_2}} = \\frac{1}{1+e^{-0.5}} = 0.622 \\)\n"  # 17
    "</div>\n"
    "\n"
    '<div style="text-align: left;">\n'
    "\\( \\hat{y_1} = v_5 \\cdot g_1 + v_6 \\cdot g_2 = 0.562 \\times 0.6 + 0.622 \\times 0.7 "
    "= 0.7726 \\)\n"  # 21
    "</div>\n"
    "\n"
    "With the target $$t_1 = 1.0$$ and the prediction $$\\hat{y} = 0.7726$$ the loss is\n"  # 24
    "\n"
    "$$\n"  # 26
    "\\begin{aligned}\n"
    "E &= (t_1 - \\hat{y})^2 \\\\\n"  # 28
    "  &= (1.0 - 0.7726)^2 = (0.2274)^2 \\approx 0.05171\n"  # 29
    "\\end{aligned}\n"
    "$$\n"
    "\n"
    "#### Backward\n"  # 33
    "\n"
    "$$\n"  # 35
    "\\begin{aligned}\n"
    "\\frac{\\partial E}{\\partial v_5}\n"  # 37
    "&= \\frac{\\partial E}{\\partial \\hat{y_1}} \\cdot \\frac{\\partial \\hat{y_1}}"
    "{\\partial v_5} \\\\[10pt]\n"  # 38
    "&= -2(t_1 - \\hat{y_1}) \\cdot g_1 \\\\[10pt]\n"  # 39
    "&= -2 \\cdot (1.0 - 0.7726) \\cdot 0.562 \\\\[10pt]\n"  # 40
    "&= -0.2556\n"  # 41
    "\\end{aligned}\n"
    "$$\n"
    "\n"
    "$$\n"  # 45
    "\\begin{aligned}\n"
    "\\frac{\\partial E}{\\partial v_6}\n"  # 47
    "&= -2(t_1 - \\hat{y_1}) \\cdot g_2 \\\\[10pt]\n"  # 48
    "&= -2 \\cdot (1.0 - 0.7726) \\cdot 0.622 \\\\[10pt]\n"  # 49
    "&= {D6}\n"  # 50
    "\\end{aligned}\n"
    "$$\n"
    "\n"
    "$$\n"  # 54
    "\\begin{aligned}\n"
    "\\frac{\\partial E}{\\partial v_1} &= -0.0670 \\\\[10pt]\n"  # 56
    "\\frac{\\partial E}{\\partial v_2} &= {D2} \\\\[10pt]\n"  # 57
    "\\frac{\\partial E}{\\partial v_3} &= -0.0335\n"  # 58
    "\\end{aligned}\n"
    "$$\n"
)


def _note(g1="0.562", h="h_2", d6="-0.2829", d2="-0.0747") -> str:
    text = NOTE
    for k, v in (("{G1}", g1), ("{H}", h), ("{D6}", d6), ("{D2}", d2)):
        text = text.replace(k, v)
    return text


def test_scalar_weights_given_as_arrays_are_judged_from_the_shown_numbers():
    v = verdict_by_line(_note())
    # every step correct, several only from the rounded numbers the note shows (0.7726 for the
    # unrounded 0.7730; -0.2556 for -0.2552)
    for line in (15, 17, 21, 29, 38, 39, 40, 41, 48, 49, 50, 56, 57, 58):
        assert v.get(line) == "correct", (line, v)
    assert "wrong" not in v.values(), v


def test_scalar_weights_mistakes_are_caught():
    v = verdict_by_line(_note(h="h_1"))  # g_2 = Sigmoid(h_1): h_1 written for h_2
    assert v.get(17) == "wrong", v
    assert v.get(21) == "correct", v  # the numbers follow 1/(1+e^{-h_2}), as the note works
    assert v.get(50) == "correct", v
    v = verdict_by_line(_note(d6="-0.2929", d2="-0.0847"))  # -0.2829 and -0.0747
    assert v.get(50) == "wrong", v
    assert v.get(57) == "wrong", v
    assert v.get(56) == "correct", v
    v = verdict_by_line(_note(g1="0.592"))  # sigmoid(0.25) = 0.562
    assert v.get(15) == "wrong", v


FENCE = (
    "## Example\n"  # 1
    "\n"
    "Input $x = [2, 1]$, target $y = 1$, ReLU units:\n"  # 3
    "\n"
    "- $W_1 = [[0.1, 0.4], [0.3, 0.2]]$\n"  # 5
    "- $b_1 = [0.2, 0.1]$\n"  # 6
    "\n"
    "```\n"  # 8
    "z1 = W1 @ x + b1\n"  # 9
    "   = [[0.1, 0.4], [0.3, {W22}]] @ [2, 1] + [0.2, 0.1]\n"  # 10
    "   = {Z1}\n"  # 11
    "\n"
    "h1 = ReLU(z1) = {H1}\n"  # 13
    "\n"
    "z2 = W2 @ h1 + b2\n"  # 15
    "   = [0.5, 0.3] @ [0.8, 0.9] + 0.1\n"  # 16
    "   = {Z2}\n"  # 17
    "\n"
    "h2 = ReLU(z2) = {H2}\n"  # 19
    "```\n"
    "\n"
    "$$\\frac{\\partial L}{\\partial z_1} = [-0.42, -0.25] \\times [1, 1] = {DZ1}$$\n"  # 22
)


def _fence(w22="0.2", z1="[0.8, 0.9]", h1="[0.8, 0.9]", z2="0.77", dz1="[-0.42, -0.25]", h2=""):
    text = FENCE.replace("{H2}", h2 or z2)
    for k, v in (("{W22}", w22), ("{Z1}", z1), ("{H1}", h1), ("{Z2}", z2), ("{DZ1}", dz1)):
        text = text.replace(k, v)
    return text


def test_numbers_in_a_plain_fence_with_python_lists_are_judged():
    v = verdict_by_line(_fence())
    # 10: the numbers are the note's W_1, x and b_1; 13: ReLU of z_1's numbers
    for line in (10, 11, 13, 17, 19, 22):
        assert v.get(line) == "correct", (line, v)
    assert "wrong" not in v.values(), v


def test_numbers_in_a_plain_fence_mistakes_are_caught():
    # W1 @ x + b1 = [0.6, 0.8] + [0.2, 0.1]; 0.5 * 0.8 + 0.3 * 0.9 + 0.1 = 0.77; the mask keeps
    v = verdict_by_line(_fence(z1="[0.8, 1.0]", z2="0.87", dz1="[-0.42, 0.25]"))
    assert v.get(11) == "wrong", v
    assert v.get(17) == "wrong", v
    assert v.get(22) == "wrong", v
    # 10: W_1's entry 0.2 written 0.5 (its own arithmetic then right: 0.6 + 0.5 + 0.1 = 1.2)
    v = verdict_by_line(_fence(w22="0.5", z1="[0.8, 1.2]", h1="[0.8, 1.2]"))
    assert v.get(10) == "wrong", v
    assert v.get(11) == "correct", v
    v = verdict_by_line(_fence(h1="[0.8, 0.0]", h2="0.0"))  # ReLU keeps a positive entry
    assert v.get(13) == "wrong", v
    assert v.get(19) == "wrong", v
