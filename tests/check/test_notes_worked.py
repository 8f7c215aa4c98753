"""Worked numeric examples (``meaning/worked.py``): a small network written unit by unit
(``net_{h1}``, ``out_{o1}``, ``E_{o1}``, ``E_{total}``, ``w_5``), the note's own numbers, and
every step written as ``symbolic = numbers = result``, in the style of the step-by-step
backpropagation example many students retell. The notes here are our own (their numbers are
not any published example's)."""

from __future__ import annotations

from derive.check.notes.walk import check_text

from .test_notes import verdict_by_line

NOTE = "\n\n".join(
    [
        r"# A worked example",
        r"""Inputs $i_1 = 0.1$, $i_2 = 0.5$, weights $w_1 = 0.2$, $w_2 = 0.3$, $w_3 = 0.4$,
$w_4 = 0.1$, $b_1 = 0.25$, $w_5 = 0.6$, $w_6 = 0.7$, $w_7 = 0.3$, $w_8 = 0.5$, $b_2 = 0.1$,
targets $target_{o1} = 0.05$ and $target_{o2} = 0.95$.""",
        r"$$net_{h1} = w_1 * i_1 + w_2 * i_2 + b_1 * 1$$",
        r"$$net_{h1} = 0.2 * 0.1 + 0.3 * 0.5 + 0.25 * 1 = 0.42$$",
        r"$$out_{h1} = \frac{1}{1+e^{-net_{h1}}} = \frac{1}{1+e^{-0.42}} = 0.60348325$$",
        r"$$net_{h2} = w_3 * i_1 + w_4 * i_2 + b_1 * 1 = 0.34$$",
        r"$$out_{h2} = \frac{1}{1+e^{-net_{h2}}} = 0.5842$$",
        r"$$net_{o1} = w_5 * out_{h1} + w_6 * out_{h2} + b_2 * 1$$",
        r"$$net_{o1} = 0.6 * 0.60348325 + 0.7 * 0.58419052 + 0.1 * 1 = 0.87102332$$",
        r"$$out_{o1} = \frac{1}{1+e^{-net_{o1}}} = 0.70495858$$",
        r"$$net_{o2} = w_7 * out_{h1} + w_8 * out_{h2} + b_2 * 1$$",
        r"$$out_{o2} = \frac{1}{1+e^{-net_{o2}}} = 0.63948745$$",
        (
            r"$$E_{o1} = \frac{1}{2}(target_{o1} - out_{o1})^{2} = "
            r"\frac{1}{2}(0.05 - 0.70495858)^{2} = 0.21448537$$"
        ),
        r"$$E_{o2} = \frac{1}{2}(target_{o2} - out_{o2})^{2} = 0.04820902$$",
        r"$$E_{total} = E_{o1} + E_{o2} = 0.21448537 + 0.04820902 = 0.26269439$$",
        (
            r"$$\frac{\partial E_{total}}{\partial w_{5}} = "
            r"\frac{\partial E_{total}}{\partial out_{o1}} * "
            r"\frac{\partial out_{o1}}{\partial net_{o1}} * "
            r"\frac{\partial net_{o1}}{\partial w_{5}}$$"
        ),
        (
            r"$$\frac{\partial E_{total}}{\partial out_{o1}} = -(target_{o1} - out_{o1}) = "
            r"-(0.05 - 0.70495858) = 0.65495858$$"
        ),
        (
            r"$$\frac{\partial out_{o1}}{\partial net_{o1}} = out_{o1}(1 - out_{o1}) = "
            r"0.70495858(1 - 0.70495858) = 0.20799198$$"
        ),
        r"$$\frac{\partial net_{o1}}{\partial w_{5}} = out_{h1} = 0.60348325$$",
        (
            r"$$\frac{\partial E_{total}}{\partial w_{5}} = "
            r"0.65495858 * 0.20799198 * 0.60348325 = 0.08221019$$"
        ),
        (
            r"$$w_5^{+} = w_5 - \eta * \frac{\partial E_{total}}{\partial w_{5}} = "
            r"0.6 - 0.5 * 0.08221019 = 0.55889491$$"
        ),
        (
            r"$$\frac{\partial out_{h1}}{\partial net_{h1}} = out_{h1}(1 - out_{h1}) = "
            r"0.60348325(1 - 0.60348325) = 0.23929122$$"
        ),
        (
            r"$$\frac{\partial E_{total}}{\partial w_{1}} = 0.06025971 * 0.23929122 * 0.1 = "
            r"0.00144196$$"
        ),
    ]
)


def _line(text: str, marker: str) -> int:
    for no, line in enumerate(text.splitlines(), start=1):
        if marker in line:
            return no
    raise AssertionError(marker)


def _results(text: str, line: int):
    results, _ = check_text(text)
    return [r for r in results if r.line == line]


def test_a_correct_worked_example_is_judged_correct_step_by_step():
    verdicts = verdict_by_line(NOTE)
    assert "wrong" not in verdicts.values(), verdicts
    for marker in (
        "0.2 * 0.1 + 0.3 * 0.5",  # the forward pass at the note's numbers
        "e^{-0.42}",
        "0.6 * 0.60348325",
        "\\frac{1}{2}(0.05 - 0.70495858)^{2}",
        "-(0.05 - 0.70495858)",  # a derivative, its numbers, its value
        "0.70495858(1 - 0.70495858)",
        "\\partial w_{5}} = out_{h1}",
        "0.65495858 * 0.20799198",
        "w_5^{+}",  # the update rule with numbers, eta bound where it is substituted
        "0.60348325(1 - 0.60348325)",
    ):
        line = _line(NOTE, marker)
        assert verdicts.get(line) == "correct", (marker, line, _results(NOTE, line))
    # the symbolic chain rule and the symbolic step are judged at the note's numbers too
    chain = _line(NOTE, "\\partial net_{o1}}{\\partial w_{5}}$$")
    assert verdicts.get(chain) == "correct"
    # a rounded result is accepted at the precision the author wrote (0.5842 for 0.584190523)
    assert verdicts.get(_line(NOTE, "= 0.5842$$")) == "correct"


def _caught(text: str, marker: str, *words: str):
    line = _line(text, marker)
    found = [r for r in _results(text, line) if r.verdict == "wrong"]
    assert found, (marker, _results(text, line))
    message = " ".join(r.message for r in found)
    for w in words:
        assert w in message, (w, message)
    return found


def test_a_wrong_product_is_caught_as_arithmetic():
    text = NOTE.replace("0.65495858 * 0.20799198 * 0.60348325 = 0.08221019",
                        "0.65495858 * 0.20799198 * 0.60348325 = 0.13622613")  # fmt: skip
    _caught(text, "0.65495858 * 0.20799198 * 0.60348325", "0.0822102")


def test_a_number_standing_for_the_wrong_unit_is_caught_and_named():
    # out_{o1}'s value carried where out_{h1}'s belongs (a slip the retellings make)
    text = NOTE.replace("0.60348325(1 - 0.60348325) = 0.23929122",
                        "0.70495858(1 - 0.70495858) = 0.20799198")  # fmt: skip
    _caught(text, "out_{h1}(1 - out_{h1}) = 0.70495858", "out_{h1}", "0.603483")


def test_a_wrong_symbolic_step_is_caught_at_the_notes_numbers():
    text = NOTE.replace(
        "= -(target_{o1} - out_{o1}) = -(0.05", "= -2(target_{o1} - out_{o1}) = -(0.05"
    )
    _caught(text, "-2(target_{o1} - out_{o1})", "note's numbers")


def test_a_wrong_update_is_caught_and_names_the_weight():
    text = NOTE.replace(
        "0.6 - 0.5 * 0.08221019 = 0.55889491", "0.7 - 0.5 * 0.08221019 = 0.65889491"
    )
    _caught(text, "0.7 - 0.5 * 0.08221019", "w_{5}")
    text = NOTE.replace(
        "0.6 - 0.5 * 0.08221019 = 0.55889491", "0.6 - 0.5 * 0.08221019 = 0.64110509"
    )
    _caught(text, "0.6 - 0.5 * 0.08221019 = 0.64110509", "arithmetic")


def test_a_result_off_beyond_its_written_precision_is_wrong():
    text = NOTE.replace("= 0.5842$$", "= 0.5942$$")
    _caught(text, "= 0.5942$$")


def test_numbers_the_note_never_grounds_are_not_judged():
    # the weights are in a figure the note does not write: its numbers stand for nothing
    # the checker can compute, so no step that substitutes them is called wrong
    text = r"""A step of an example whose numbers are in a figure.

$$net_{h1} = w_1 * i_1 + w_2 * i_2 + b_1$$

$$out_{h1} = \frac{1}{1+e^{-net_{h1}}}$$

$$net_{o1} = w_5 * out_{h1} + w_6 * out_{h2} + b_2$$

$$out_{o1} = \frac{1}{1+e^{-net_{o1}}}$$

$$\frac{\partial out_{o1}}{\partial net_{o1}} = out_{o1}(1 - out_{o1}) = 0.9(1 - 0.9) = 0.09$$

$$\frac{\partial E_{total}}{\partial w_{5}} = 0.7 * 0.09 * 0.123 = 0.3$$
"""
    results, _ = check_text(text)
    line = _line(text, "0.9(1 - 0.9)")
    assert not [r for r in results if r.line == line and r.verdict == "wrong"], results
    line = _line(text, "0.7 * 0.09 * 0.123")
    mine = [r for r in results if r.line == line]
    assert [r for r in mine if r.verdict == "wrong"], mine  # its arithmetic is still arithmetic


def test_arithmetic_rounded_at_the_written_precision():
    text = (
        "$$0.4 * 0.5812 + 0.45 * 0.5812 = 0.494$$\n\n"
        "$$0.7391(1 - 0.7391) = 0.1928$$\n\n"
        "$$0.4 * 0.5812 + 0.45 * 0.5812 = 0.4950$$\n\n"
        "$$0.7391 * 0.2 = 0.1578$$\n"
    )
    verdicts = verdict_by_line(text)
    assert verdicts[1] == "correct" and verdicts[3] == "correct", verdicts
    assert verdicts[5] == "wrong" and verdicts[7] == "wrong", verdicts


# a retelling with names run into their numbers (z1, w3, h1), the target given only where it
# is substituted (after the step that uses it), and every number of its own
GLUED = "\n\n".join(
    [
        "# Numbers",
        r"$$z1 = w1 * x1 + w2 * x2 + b1$$",
        r"$$z1 = 0.1 * 0.5 + 0.3 * 0.2 + 0.4 = 0.51$$",
        r"$$h1 = \sigma(z1) = \frac{1}{1 + e^{-0.51}} = 0.6248$$",
        r"$$z2 = w3 * h1 + b2$$",
        r"$$z2 = 0.7 * 0.6248 + 0.2 = 0.63736$$",
        r"$$y1 = \sigma(z2) = 0.6542$$",
        r"$$E = \frac{1}{2}(t1 - y1)^2$$",
        r"$$\frac{\partial E}{\partial y1} = -(t1 - y1) = -(0.9 - 0.6542) = -0.2458$$",
        r"$$\frac{\partial y1}{\partial z2} = y1(1 - y1) = 0.6542(1 - 0.6542) = 0.2262$$",
        (
            r"$$\frac{\partial E}{\partial w3} = \frac{\partial E}{\partial y1} "
            r"\frac{\partial y1}{\partial z2} \frac{\partial z2}{\partial w3} = "
            r"-0.2458 * 0.2262 * 0.6248 = -0.03474$$"
        ),
        r"$$w3^{+} = w3 - \eta \frac{\partial E}{\partial w3} = 0.7 - 0.5 * (-0.03474) = 0.71737$$",
    ]
)


def test_names_run_into_their_numbers_are_a_worked_example():
    verdicts = verdict_by_line(GLUED)
    assert "wrong" not in verdicts.values(), verdicts
    for marker in ("-(t1 - y1)", "y1(1 - y1)", "\\partial w3} = \\frac", "w3^{+}"):
        line = _line(GLUED, marker)
        assert verdicts.get(line) == "correct", (marker, _results(GLUED, line))


def test_a_glued_name_slip_is_caught():
    # h1's value carried where y1's belongs
    text = GLUED.replace("0.6542(1 - 0.6542) = 0.2262", "0.6248(1 - 0.6248) = 0.2344")
    _caught(text, "0.6248(1 - 0.6248)", "y_{1}")


def test_a_derivative_equal_to_numbers_is_never_compared_at_random_points():
    # the numbers of a step are the note's values, not a formula: with no grounded numbers
    # they are not understood, never wrong (they were called wrong against random points)
    text = (
        "$$z = w x + b$$\n\n$$a = \\sigma(z)$$\n\n$$C = \\frac{1}{2}(a - y)^2$$\n\n"
        "$$\\frac{\\partial C}{\\partial w} = 0.2458 * 0.2262 * 0.6248 = 0.03474$$\n"
    )
    results, _ = check_text(text)
    assert not [r for r in results if r.verdict == "wrong" and r.kind != "arithmetic"], results
