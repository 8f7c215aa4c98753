"""A derivative written out before its result (``meaning/explicit.py``):
``\\frac{\\partial E}{\\partial y} = \\frac{\\partial \\frac12 (y - t)^2}{\\partial y} = y - t``.
The step from the written-out derivative to its result is judged by calculus alone, with the
expression's names independent. The notes here are our own."""

from __future__ import annotations

import pytest

from derive.check.notes.walk import check_text

NOTE = r"""# Derivatives of the pieces

No network is written here; each piece is differentiated on its own.

$$\frac{\partial E}{\partial y} = \frac{\partial \frac{1}{2} (y-t)^2}{\partial y} = y - t$$

$$\frac{\partial y}{\partial a} = \frac{\partial \sigma(a)}{\partial a} = \sigma(a)(1-\sigma(a))$$

$$\frac{\partial net}{\partial h_1} = \frac{\partial (v_1 * h_1 + v_2 * h_2)}{\partial h_1} = v_1$$

$$\frac{\partial q}{\partial s} = \frac{\partial (\frac{1}{1+e^{-s}})}{\partial s}
= \frac{e^{-s}}{(1+e^{-s})^2}$$
"""


def _steps(text: str) -> dict[int, str]:
    results, _ = check_text(text)
    return {r.line: r.verdict for r in results if r.kind == "step"}


def _line(text: str, marker: str) -> int:
    return next(n for n, ln in enumerate(text.splitlines(), 1) if marker in ln)


def test_written_out_derivatives_are_judged_correct():
    steps = _steps(NOTE)
    for marker in (r"= y - t", r"(1-\sigma(a))", r"= v_1", r"= \frac{e^{-s}}"):
        assert steps.get(_line(NOTE, marker)) == "correct", marker


@pytest.mark.parametrize(
    "right, slip",
    [
        (r"{\partial y} = y - t", r"{\partial y} = t - y"),  # the sign
        (r"= \sigma(a)(1-\sigma(a))", r"= \sigma(a)(1+\sigma(a))"),
        (r"{\partial h_1} = v_1", r"{\partial h_1} = v_2"),  # the other weight
        (r"= \frac{e^{-s}}{(1+e^{-s})^2}", r"= \frac{e^{-s}}{1+e^{-s}}"),
    ],
)
def test_a_slip_of_calculus_is_caught(right, slip):
    wrong = NOTE.replace(right, slip, 1)
    results, _ = check_text(wrong)
    line = _line(wrong, slip)
    mine = [r for r in results if r.line == line and r.verdict == "wrong"]
    assert mine and mine[0].kind == "step", results
    assert "not the derivative of the expression" in mine[0].message


def test_a_result_in_the_notes_own_names_is_not_judged_wrong():
    # y(1 - y) is sigma(a)(1 - sigma(a)) in the note's name for the output: never wrong here;
    # (d - o)^2 differentiated into another name of the note's, neither
    text = (
        r"$$\frac{\partial y}{\partial a} = \frac{\partial \sigma(a)}{\partial a} = y(1-y)$$"
        "\n\n"
        r"$$\frac{\partial E}{\partial o} = \frac{\partial (d - o)^2}{\partial o} = -(q - o)$$"
        "\n\n"
        r"$$\frac{\partial z}{\partial W} = \frac{\partial (W x + b)}{\partial W} = x^T$$"
        "\n"
    )
    results, _ = check_text(text)
    assert not [r for r in results if r.verdict == "wrong"], results


def test_the_target_by_its_word_is_the_costs_target():
    # (d - o)^2 differentiated into -(target - o): the target written as a word is the d of the
    # cost (test_notes_chainsteps.py), so the factor 2 it lost is caught
    text = (
        r"$$\frac{\partial E}{\partial o} = \frac{\partial (d - o)^2}{\partial o} = -(target - o)$$"
    )
    results, _ = check_text(text + "\n")
    wrong = [r for r in results if r.verdict == "wrong"]
    assert wrong and "target the target d" in wrong[0].message
