"""The evaluated-at bar (notes/evalbar.py): ``\\left. \\frac{\\partial \\sigma}{\\partial \\xi}
\\right|_{\\xi = z^{(2)}}`` is ``\\sigma'(z^{(2)})``; and an old-style font switch ``{\\bf W}``
is the bold W. In a note written here from scratch in the style of a course's notes (held-out
set 4)."""

from __future__ import annotations

from derive.check.notes.evalbar import rewrite

from .test_notes import verdict_by_line

BAR = (
    r"""# One hidden layer

The sigmoid $\sigma$ on each layer:

$$z^{(2)} = {\bf W}^{(1)} x + b^{(1)}$$

$$a^{(2)} = \sigma(z^{(2)})$$

$$z^{(3)} = {\bf W}^{(2)} a^{(2)} + b^{(2)}$$

$$a^{(3)} = \sigma(z^{(3)})$$

Its derivative at the hidden layer:

$$\left. \frac{\partial \sigma}{\partial \xi} \right|_{\xi = z^{(2)}}"""
    r""" = \sigma(z^{(2)}) \left[ 1 - \sigma(z^{(2)}) \right]$$

$$\left. \frac{d \sigma}{d \xi} \right|_{\xi = z^{(3)}} = a^{(3)} (1 - a^{(3)})$$
"""
)


def test_the_derivative_at_the_bar():
    v = verdict_by_line(BAR)
    assert v[15] == "correct"
    assert v[17] == "correct"


def test_the_derivative_at_the_bar_mistakes():
    wrong = BAR.replace(r"[ 1 - \sigma(z^{(2)}) \right]", r"[ 1 + \sigma(z^{(2)}) \right]")
    wrong = wrong.replace(r"= a^{(3)} (1 - a^{(3)})", r"= a^{(2)} (1 - a^{(2)})")
    v = verdict_by_line(wrong)
    assert v[15] == "wrong"
    assert v[17] == "wrong"  # the other layer's activation


def test_only_the_bar_of_the_derivative_variable_is_read():
    assert rewrite(r"\frac{\partial g}{\partial \xi} |_{\xi = \alpha_l}") == r"g'(\alpha_l)"
    assert rewrite(r"\frac{dg}{dy} |_{x = 1}") == r"\frac{dg}{dy} |_{x = 1}"
    assert rewrite(r"g'(\xi) |_{\xi = \beta_{m}}") == r"g'(\beta_{m})"
