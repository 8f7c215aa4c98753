"""Andrew Ng's Machine Learning course (Coursera, 2011) notation, read by the course's convention
(meaning/ngcourse.py): notes written here from scratch in that notation, with no forward pass,
as students' notes of the course write it; and the slips met in such notes (an entry where the
vector belongs, a numbered entry where the left's index belongs: meaning/strayindex.py)."""

from __future__ import annotations

from derive.check.notes.meaning import grammar, ngcourse
from derive.check.notes.meaning.judge import statements

from .test_notes import verdict_by_line

# no forward equation: Theta with layers in parentheses, g, the hypothesis h_Theta
COURSE = (
    "# Backprop (week 5)\n"  # 1
    "\n"
    "Network with $L = 4$ layers; $g$ is the sigmoid.\n"  # 3
    "\n"
    "$$\\delta^{(4)} = a^{(4)} - y$$\n"  # 5
    "\n"
    "$$\\delta^{(3)} = (\\Theta^{(3)})^T \\delta^{(4)} .* g'(z^{(3)})$$\n"  # 7
    "\n"
    "$$\\delta^{(2)} = ((\\Theta^{(2)})^T \\delta^{(3)}) \\odot (a^{(2)} .* (1 - a^{(2)}))$$\n"  # 9
    "\n"
    "$$g'(z^{(3)}) = a^{(3)} .* (1 - a^{(3)})$$\n"  # 11
    "\n"
    "$$\\delta^{(4)}_k = (h_\\Theta(x))_k - y_k$$\n"  # 13
    "\n"
    "$$\\frac{\\partial}{\\partial \\Theta^{(l)}_{ij}} J(\\Theta) = a^{(l)}_j \\delta^{(l+1)}_i$$\n"
)


def test_course_notation_is_read_by_its_convention():
    v = verdict_by_line(COURSE)
    assert v[5] == "correct"
    assert v[7] == "correct"
    assert v[9] == "correct"
    assert v[11] == "correct"
    assert v[13] == "correct"
    assert v[15] == "correct"


def test_course_mistakes_are_caught():
    wrong = COURSE.replace(
        "(\\Theta^{(3)})^T \\delta^{(4)} .*", "\\Theta^{(3)} \\delta^{(4)} .*"
    ).replace("a^{(l)}_j \\delta^{(l+1)}_i$$", "a^{(l)}_i \\delta^{(l+1)}_j$$")
    v = verdict_by_line(wrong)
    assert v[5] == "correct"
    assert v[7] == "wrong"  # Theta without its transpose
    assert v[15] == "wrong"  # the indices swapped
    # the course's cost is the cross-entropy: the squared error's output delta is wrong there
    v = verdict_by_line(COURSE.replace("a^{(4)} - y$$", "(a^{(4)} - y) .* g'(z^{(4)})$$"))
    assert v[5] == "wrong"


def test_a_slipped_index_is_named():
    notes = COURSE.replace("a^{(4)} - y$$", "a^{(4)}_j - y$$").replace(
        "\\delta^{(l+1)}_i$$", "\\delta^{(l+1)}_1$$"
    )
    v = verdict_by_line(notes)
    assert v[5] == "wrong"  # one entry where the vector belongs
    assert v[15] == "wrong"  # entry 1 where the index i belongs
    # an index on every term is an entry-wise statement, not this slip
    v = verdict_by_line(COURSE.replace("a^{(4)} - y$$", "a^{(4)}_j - y_j$$"))
    assert v[5] != "wrong"


def test_definitions_and_the_accumulator_are_never_wrong():
    notes = COURSE + (
        "\n"  # 16
        "$$g(z) = \\frac{1}{1 + e^{-z}}$$\n"  # 17
        "\n"
        "$$\\Delta^{(l)}_{ij} = 0$$\n"  # 19
        "\n"
        "$$\\Delta^{(l)} := \\Delta^{(l)} + \\delta^{(l+1)} (a^{(l)})^T$$\n"  # 21
        "\n"
        "$$D^{(l)}_{ij} := \\frac{1}{m} \\Delta^{(l)}_{ij} \\text{ if } j = 0$$\n"  # 23
        "\n"
        "$$g'(z) = g(z)(1 - g(z))$$\n"  # 25
    )
    v = verdict_by_line(notes)
    for line in (17, 19, 21, 23):
        assert v.get(line) != "wrong", line
    assert v[25] == "correct"  # the note's g is the sigmoid: it keeps its meaning


class Segment:
    kind, env, condition = "math", "", ""

    def __init__(self, line, text):
        self.line, self.text = line, text


def test_the_course_convention_needs_the_course_notation():
    def stmts_of(text):
        segs = [Segment(i, t) for i, t in enumerate(text)]
        out = statements(segs)
        for ms in out:
            for m in ms:
                m.tree = grammar.parse(grammar.clean(m.text))
        return out

    course = ["\\delta^{(l)} = (\\Theta^{(l)})^T \\delta^{(l+1)} \\odot g'(z^{(l)})"]
    assert ngcourse.detect(stmts_of(course))
    # W beside Theta, or a softmax: another notation, not read as the course's
    assert not ngcourse.detect(stmts_of([*course, "z^{(2)} = W^{(1)} x"]))
    assert not ngcourse.detect(stmts_of([*course, "a^{(L)} = softmax(z^{(L)})"]))
    # an unlayered Theta (logistic regression's parameter vector) is not it
    assert not ngcourse.detect(stmts_of(["\\delta = \\Theta^T x"]))


def test_forward_pass_written_as_theta_times_a_holds_with_the_bias():
    notes = (
        "$$a^{(1)} = x$$\n\n"  # 1
        "$$z^{(2)} = \\Theta^{(1)} a^{(1)}$$\n\n"  # 3
        "$$a^{(2)} = g(z^{(2)})$$\n\n"  # 5
        "$$z^{(3)} = \\Theta^{(2)} a^{(2)}$$\n\n"  # 7
        "$$a^{(3)} = h_\\Theta(x) = g(z^{(3)})$$\n\n"  # 9
        "$$\\delta^{(3)} = a^{(3)} - y$$\n\n"  # 11
        "$$\\delta^{(2)} = (\\Theta^{(2)})^T \\delta^{(3)} .* g'(z^{(2)})$$\n\n"  # 13
        "$$\\delta^{(2)} = \\Theta^{(2)} \\delta^{(3)} .* g'(z^{(2)})$$\n"  # 15
    )
    v = verdict_by_line(notes)
    assert v[11] == "correct"
    assert v[13] == "correct"
    assert v[15] == "wrong"


# the course's regularised cost and its gradient through the accumulator Delta
DECAY = (
    "$$J(\\Theta) = -\\frac{1}{m} \\sum_{i=1}^m \\sum_{k=1}^K"
    " [y^{(i)}_k \\log (h_\\Theta(x^{(i)}))_k"
    " + (1 - y^{(i)}_k) \\log (1 - (h_\\Theta(x^{(i)}))_k)]"
    " + \\frac{\\lambda}{2m} \\sum_{l=1}^{L-1}"
    " \\sum_{i=1}^{s_l} \\sum_{j=1}^{s_{l+1}} (\\Theta^{(l)}_{ji})^2$$\n"  # 1
    "\n"
    "$$\\delta^{(3)} = a^{(3)} - y^{(i)}$$\n"  # 3
    "\n"
    "$$\\delta^{(2)} = (\\Theta^{(2)})^T \\delta^{(3)} .* g'(z^{(2)})$$\n"  # 5
    "\n"
    "$$\\Delta^{(l)} := \\Delta^{(l)} + \\delta^{(l+1)} (a^{(l)})^T$$\n"  # 7
    "\n"
    "$$\\frac{\\partial}{\\partial \\Theta^{(l)}_{ij}} J(\\Theta) = \\frac{1}{m} \\Delta^{(l)}_{ij}"
    " + \\frac{\\lambda}{m} \\Theta^{(l)}_{ij} \\quad \\text{if } j \\neq 0$$\n"  # 9
    "\n"
    "$$\\frac{\\partial}{\\partial \\Theta^{(l)}_{ij}} J(\\Theta) = a^{(l)}_j \\delta^{(l+1)}_i"
    " \\quad \\text{(one example, } \\lambda = 0)$$\n"  # 11
)


def test_weight_decay_and_the_accumulator():
    v = verdict_by_line(DECAY)
    assert v[3] == "correct"
    assert v[5] == "correct"
    assert v.get(7) != "wrong"
    assert v[9] == "correct"
    # the lecture slide's lambda Theta: with the cost's lambda/(2m) the gradient has lambda/m
    v = verdict_by_line(DECAY.replace("\\frac{\\lambda}{m} \\Theta", "\\lambda \\Theta"))
    assert v[9] == "wrong"
    # the bias column (j = 0: Theta_{i0} is the bias, a_0 = 1) has no decay
    v = verdict_by_line(DECAY.replace("\\neq 0", "= 0"))
    assert v[9] == "wrong"
    bias = DECAY.replace(" + \\frac{\\lambda}{m} \\Theta^{(l)}_{ij}", "").replace("\\neq 0", "= 0")
    assert verdict_by_line(bias)[9] == "correct"


UFLDL = (
    "$$z^{(l+1)} = W^{(l)} a^{(l)} + b^{(l)}$$\n"  # 1
    "\n"
    "$$a^{(l+1)} = f(z^{(l+1)})$$\n"  # 3
    "\n"
    "$$J(W,b;x,y) = \\frac{1}{2} \\| h_{W,b}(x) - y \\|^2$$\n"  # 5
    "\n"
    "$$J(W,b) = \\left[ \\frac{1}{m} \\sum_{k=1}^m J(W,b;x^{(k)},y^{(k)}) \\right]"
    " + \\frac{\\lambda}{2}"
    " \\sum_{l=1}^{n_l-1} \\sum_{i=1}^{s_l} \\sum_{j=1}^{s_{l+1}} (W^{(l)}_{ji})^2$$\n"  # 7
    "\n"
    "$$\\frac{\\partial}{\\partial W^{(l)}_{ij}} J(W,b) = \\left[ \\frac{1}{m} \\sum_{k=1}^m"
    " \\frac{\\partial}{\\partial W^{(l)}_{ij}} J(W,b;x^{(k)},y^{(k)})"
    " \\right] + \\lambda W^{(l)}_{ij}$$\n"
    "\n"  # 10
    "$$\\frac{\\partial}{\\partial b^{(l)}_{i}} J(W,b) = \\frac{1}{m} \\sum_{k=1}^m"
    " \\frac{\\partial}{\\partial b^{(l)}_{i}} J(W,b;x^{(k)},y^{(k)})$$\n"  # 11
    "\n"
    "$$h_{W,b}(x) = a^{(n_l)}$$\n"  # 13: the cost of line 5 is then read
)


def test_weight_decay_through_the_per_example_cost():
    v = verdict_by_line(UFLDL)
    assert v[9] == "correct"
    assert v[11] == "correct"  # the biases are not decayed
    v = verdict_by_line(UFLDL.replace("\\right] + \\lambda W", "\\right] + \\frac{\\lambda}{m} W"))
    assert v[9] == "wrong"
    v = verdict_by_line(UFLDL.replace("\\right] + \\lambda W", "\\right]"))
    assert v.get(9) != "wrong"  # stated without the decay: the unregularised reading holds


def test_lower_case_theta_with_a_layer_is_the_course_theta():
    v = verdict_by_line(COURSE.replace("\\Theta^", "\\theta^"))
    assert v[7] == "correct"
    assert v[15] == "correct"
    wrong = COURSE.replace("\\Theta^", "\\theta^").replace(
        "(\\theta^{(3)})^T \\delta^{(4)} .*", "\\theta^{(3)} \\delta^{(4)} .*"
    )
    assert verdict_by_line(wrong)[7] == "wrong"


def test_a_remark_on_what_a_formula_ignores_is_not_a_factor():
    notes = COURSE.replace("\\delta^{(l+1)}_i$$", "\\delta^{(l+1)}_i \\text{ , ignore } \\lambda$$")
    assert verdict_by_line(notes)[15] == "correct"
