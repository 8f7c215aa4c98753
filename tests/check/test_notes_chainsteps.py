"""A per-weight derivation written as a chain of displays (``meaning/chainsteps.py``).

Blog posts derive one weight's gradient with the cost's sum over the samples carried through,
each step a display of its own that ends in ``=`` and goes on in the next display. The reader
makes the next display's value a member of the same chain (on the line where it starts); each
member is judged by calculus against the left-hand side or a member found right before it,
every name a function of the weight (or the cost's target constant in it). A member that is a
number times such a member, whatever the names stand for, is WRONG (a factor kept or lost). The
notes here are our own.
"""

from __future__ import annotations

from derive.check.notes.walk import check_text

NOTE = r"""# One weight of the output unit

The cost over the K samples:

$$
J(v_2) = \frac{1}{2} \sum \limits_{k = 1}^{K} \left( o^{(k)} - d^{(k)} \right)^2
$$

Differentiate it by the weight:

$$ \displaystyle
   \nabla J(v_2) = \frac{\partial}{\partial v_2}
	\frac{1}{2} \sum \limits_{k = 1}^{K} \left( o^{(k)} - d^{(k)} \right)^2 =
$$

$$ \displaystyle
	\frac{1}{2} \sum \limits_{k = 1}^{K}
	2 \left( o^{(k)} - d^{(k)} \right)
	\frac{\partial}{\partial v_2} \left( o^{(k)} - d^{(k)} \right) =
$$

$$ \displaystyle
	SLIP_A \sum \limits_{k = 1}^{K}
	\left( o^{(k)} - d^{(k)} \right)
	\frac{\partial}{\partial v_2} \left( o^{(k)} - d^{(k)} \right) =
$$

$$ \displaystyle
	\sum \limits_{k = 1}^{K}
	\left( o^{(k)} - d^{(k)} \right)
	\frac{\partial}{\partial v_2} o^{(k)}
$$

And once more in one display:

$$ \displaystyle
   \nabla J(v_2) =
   SLIP_B \sum \limits_{k = 1}^{K}
	\left( o^{(k)} - d^{(k)} \right)
	\frac{\partial o^{(k)}}{\partial v_2}
$$
"""

RIGHT = NOTE.replace("SLIP_A", "").replace("SLIP_B", "")
WRONG = NOTE.replace("SLIP_A", r"\frac{1}{2}").replace("SLIP_B", "2")


def _verdicts(text: str) -> dict[int, str]:
    results, _ = check_text(text)
    out: dict[int, str] = {}
    for r in results:
        if out.get(r.line) != "wrong":
            out[r.line] = r.verdict
    return out


def _line(text: str, marker: str, nth: int = 0) -> int:
    lines = [n for n, ln in enumerate(text.splitlines(), 1) if marker in ln]
    return lines[nth]


def test_a_chain_of_displays_is_one_chain_on_the_lines_its_members_start():
    results, _ = check_text(RIGHT)
    lines = {r.line for r in results}
    first = _line(RIGHT, r"\frac{1}{2} \sum \limits_{k = 1}^{K}", 2)  # the display's value
    assert first in lines
    # the display's own first line (``$$ \displaystyle``) is no member
    assert first - 1 not in {r.line for r in results if r.kind == "step"}


def test_every_step_of_the_right_chain_is_correct():
    got = _verdicts(RIGHT)
    members = [
        _line(RIGHT, r"\nabla J(v_2) = \frac{\partial}{\partial v_2}"),
        *(_line(RIGHT, r"\sum \limits_{k = 1}^{K}", n) for n in (2, 3, 4, 5)),
    ]
    for ln in members:
        assert got.get(ln) == "correct", (ln, got.get(ln))
    assert "wrong" not in got.values()


def test_a_kept_half_and_a_doubled_gradient_are_caught_and_named():
    results, _ = check_text(WRONG)
    kept = _line(WRONG, r"\frac{1}{2} \sum \limits_{k = 1}^{K}", 3)
    doubled = _line(WRONG, r"2 \sum \limits_{k = 1}^{K}")
    by = {r.line: r for r in results if r.verdict == "wrong"}
    assert kept in by and "1/2 times" in by[kept].message
    assert doubled in by and "2 times" in by[doubled].message
    # the member after the slip is judged against the left-hand side, not the slip: correct
    after = _line(WRONG, r"\sum \limits_{k = 1}^{K}", 4)
    assert _verdicts(WRONG).get(after) == "correct"
    assert set(by) == {kept, doubled}


# A target written under two names: the cost compares the output with d_k, the worked step's
# result calls the same value target_k (``meaning/explicit.py``). Our own note.
TWO_NAMES = r"""# The output unit's error

The error of output unit k, with d_k the expected output:

\[
  E_{k} = (d_{k} - out_{k})^{2}
\]

\[
  \frac{\partial E_{k}}{\partial out_{k}} = \frac{\partial (d_{k} - out_{k})^{2}}{\partial out_{k}}
  = RESULT
\]
"""


def test_a_target_written_under_a_second_name_is_the_same_target():
    right = TWO_NAMES.replace("RESULT", r"-2 (target_{k} - out_{k})")
    wrong = TWO_NAMES.replace("RESULT", r"-(target_{k} - out_{k})")
    line = _line(right, "target_{k}")
    got = _verdicts(right)
    assert got.get(line) == "correct"
    results, _ = check_text(wrong)
    caught = [r for r in results if r.line == line and r.verdict == "wrong"]
    assert caught and "target_{k} the target d_{k}" in caught[0].message
    # a result in another name that is no word for the target stays unjudged
    other = TWO_NAMES.replace("RESULT", r"-(q_{k} - out_{k})")
    assert _verdicts(other).get(line) != "wrong"


# The note writes its own names out inside the chain (o^{(n)} is f(s^{(n)}), s^{(n)} the sum
# over the hidden units): each such step defines the name from there on, so the chain rule's
# steps after it are judged; an index of the samples' sum written inside the sum over the
# hidden units (u_n for u_m) is caught and named. Our own note.
HIDDEN = r"""# The weight u_1 from hidden unit 1 to the output

$$J(u_1) = \frac{1}{2} \sum_{n=1}^{N} \left( o^{(n)} - d^{(n)} \right)^2$$

$$ \displaystyle
\nabla J(u_1) = \sum_{n=1}^{N} \left( o^{(n)} - d^{(n)} \right)
  \frac{\partial}{\partial u_1} o^{(n)} =
$$

$$ \displaystyle
  \sum_{n=1}^{N} \left( o^{(n)} - d^{(n)} \right) \frac{\partial}{\partial u_1} f(s^{(n)})
$$

where s^{(n)} is what the output unit sums:

$$ \displaystyle
\nabla J(u_1) = \sum_{n=1}^{N} \left( o^{(n)} - d^{(n)} \right) \frac{\partial}{\partial u_1}
  f \left( \left( \sum_{m=1}^{K} f(h_m^{(n)}) \cdot u_m \right) + c \right)
$$

$$ \displaystyle
\nabla J(u_1) = \sum_{n=1}^{N} \left( o^{(n)} - d^{(n)} \right) f'(s^{(n)}) \cdot
  \frac{\partial}{\partial u_1} \left( \left( \sum_{m=1}^{K} f(h_m^{(n)}) \cdot u_SLIP \right)
  + c \right)
$$

$$ \displaystyle
\nabla J(u_1) = \sum_{n=1}^{N} \left( o^{(n)} - d^{(n)} \right) f'(s^{(n)}) \cdot f(h_1^{(n)})
$$
"""


def _starts(text: str) -> list[int]:
    """The lines where a member of the chain starts: after ``\\nabla J(u_1) =`` or first in
    a display that goes on with the chain."""
    lines = text.splitlines()
    return [
        n
        for n, ln in enumerate(lines, 1)
        if ln.startswith(r"\nabla J(u_1) =")
        or ln.startswith("  \\sum")
        and lines[n - 2].startswith("$$")
    ]


def test_names_written_out_in_the_chain_let_the_chain_rule_steps_be_judged():
    right = HIDDEN.replace("SLIP", "m")
    got = _verdicts(right)
    starts = _starts(right)
    assert len(starts) == 5
    for line in starts:
        assert got.get(line) == "correct", (line, got.get(line))
    assert "wrong" not in got.values()


def test_an_outer_sums_index_inside_the_inner_sum_is_caught_and_named():
    wrong = HIDDEN.replace("SLIP", "n")
    results, _ = check_text(wrong)
    slip = [r for r in results if r.verdict == "wrong"]
    assert [r.line for r in slip] == [_line(wrong, "u_n") - 1]
    assert "u_{n} inside the sum over m" in slip[0].message


# A Leibniz fraction of the cost on the left, and a cost the note defines again further down
# (without the half): each chain is judged under the cost in force where it stands.
LATER = r"""# Two costs

$$E = \frac{1}{2} \sum_{p=1}^{P} \left( a^{(p)} - y^{(p)} \right)^2$$

$$\frac{\partial E}{\partial v} = \frac{1}{2} \sum_{p=1}^{P} 2 \left( a^{(p)} - y^{(p)} \right)
\frac{\partial a^{(p)}}{\partial v}$$

$$\frac{\partial E}{\partial v} = SLIP \sum_{p=1}^{P} \left( a^{(p)} - y^{(p)} \right)
\frac{\partial a^{(p)}}{\partial v}$$

Without the half:

$$E = \sum_{p=1}^{P} \left( a^{(p)} - y^{(p)} \right)^2$$
"""


def test_a_chain_is_judged_under_the_cost_in_force_where_it_stands():
    right = LATER.replace("SLIP", "")
    lines = [n for n, ln in enumerate(right.splitlines(), 1) if ln.startswith(r"$$\frac")]
    got = _verdicts(right)
    assert [got.get(n) for n in lines] == ["correct", "correct"]
    wrong = LATER.replace("SLIP", "2")
    got = _verdicts(wrong)
    assert [got.get(n) for n in lines] == ["correct", "wrong"]


def test_a_units_activation_is_the_layers_but_another_layers_is_not():
    from derive.check.notes.meaning import chainsteps
    from derive.check.notes.meaning.grammar import parse

    fns = {"f", "g"}
    unit = [(1, parse(r"\frac{\partial}{\partial v} g_{j}(r_j) \cdot v", fns))]
    assert chainsteps.judge(unit, parse(r"g(r_j)", fns), {})[0] == "correct"
    layer = [(1, parse(r"\frac{\partial}{\partial u} f_{l}(u)", fns))]
    assert chainsteps.judge(layer, parse(r"f_{l}'(u)", fns), {})[0] == "correct"
    other = chainsteps.judge(layer, parse(r"f_{L}'(u)", fns), {})
    assert other is None or other[0] != "correct"


def test_a_factor_left_out_of_the_last_step_is_caught_and_named():
    last = r"f'(s^{(n)}) \cdot f(h_1^{(n)})"
    right = HIDDEN.replace("SLIP", "m")
    dropped = right.replace(last, r"f(h_1^{(n)})")
    line = _line(dropped, r"\right) f(h_1^{(n)})")
    results, _ = check_text(dropped)
    slip = [r for r in results if r.verdict == "wrong"]
    assert [r.line for r in slip] == [line]
    assert "the factor f'(s^{(n)})" in slip[0].message and "is missing" in slip[0].message


# A weight with entry letters: the letters are set to numbers at each draw, so the sum's term
# with m = k is the weight itself (our own one-line note).
ENTRY = r"""$$\frac{\partial}{\partial w_{jk}} \left( \sum_{m} w_{jm} h_m + c_j \right) = RESULT$$
"""


def test_a_weight_with_entry_letters_meets_its_term_in_the_sum():
    assert _verdicts(ENTRY.replace("RESULT", "h_k")).get(1) == "correct"
    results, _ = check_text(ENTRY.replace("RESULT", "2 h_k"))
    wrong = [r for r in results if r.verdict == "wrong"]
    assert wrong and "2 times the left-hand side" in wrong[0].message


def test_a_setext_heading_before_any_formula_is_no_chain_to_continue():
    # "Deriving the formula" underlined with "=====": its row of "=" has only prose before it
    text = (
        "Deriving the formula\n====================\n\n"
        "The error:\n\n$$E = \\frac{1}{2} (y - t)^2$$\n"
    )
    results, _ = check_text(text)
    assert not [r for r in results if r.verdict == "wrong"]
