"""The example index in ``derive check NOTES`` (issue 22): a letter in the target's
superscript (``y^{(s)}``) counts examples, the bound of its sum (``S``) is the number of
examples, and the note's own network written with bare names (``z = W^{(1)} x``, no biases, a
linear output) is what the claims are judged on."""

from __future__ import annotations

from derive.check.notes.meaning import examples
from derive.check.notes.meaning.grammar import Atom, parse
from derive.check.notes.walk import check_text

from .test_notes import verdict_by_line

OWN = (
    "$$z = W^{(1)} x$$\n\n"
    "$$a = \\sigma(z)$$\n\n"
    "$$\\hat y = W^{(2)} a$$\n\n"
    "$$E = \\frac{1}{2S}\\sum_{s=1}^{S} (y^{(s)} - \\hat y^{(s)})^2$$\n\n"
)


def test_the_example_letter_is_read_from_the_targets_superscript():
    cost = parse("\\frac{1}{2S}\\sum_{s=1}^{S} (y^{(s)} - \\hat y^{(s)})^2")
    hidden = parse("x^{(p,3)}")
    letters, counts = examples.infer([cost, hidden])
    assert letters == {"s"} and counts == {"S"}
    tree = examples.rewrite(cost, letters, counts)
    assert "Atom(name='y', sub=None, sup=None, primes=0, T=False, ex='s')" in repr(tree)
    assert tree[2] == ("div", ("num", 1.0), ("mul", "juxt", ("num", 2.0), ("atom", Atom("m"))))
    # a layer superscript stays a layer; a parameter has no example
    assert examples.rewrite(parse("W^{(s)}"), letters, counts) == parse("W^{(s)}")
    assert examples.rewrite(parse("x^{(s,3)}"), letters, counts) == (
        "atom", Atom("x", None, "(3)", ex="s")
    )  # fmt: skip


def test_gradients_averaged_over_examples_are_judged_and_a_sign_error_caught():
    notes = OWN + (
        "$$\\frac{\\partial E}{\\partial W^{(2)}_i} = \\frac{1}{S}\\sum_{s=1}^{S} "
        "(\\hat y^{(s)} - y^{(s)}) a_i^{(s)}$$\n\n"
        "$$\\frac{\\partial E}{\\partial W^{(2)}_i} = \\frac{1}{S}\\sum_{s=1}^{S} "
        "(y^{(s)} - \\hat y^{(s)}) a_i^{(s)}$$\n\n"
        "$$\\frac{\\partial E}{\\partial W^{(1)}_{ij}} = \\frac{1}{S}\\sum_{s=1}^{S} "
        "(\\hat y^{(s)} - y^{(s)}) W^{(2)}_i \\sigma'(z_i^{(s)}) x_j^{(s)}$$\n\n"
        "$$\\frac{\\partial E}{\\partial W^{(1)}_{ij}} = \\frac{1}{S}\\sum_{s=1}^{S} "
        "(\\hat y^{(s)} - y^{(s)}) W^{(2)}_i \\sigma'(z_i^{(s)}) x_i^{(s)}$$\n\n"
        "$$\\frac{\\partial E}{\\partial W^{(2)}_i} = \\sum_{s=1}^{S} "
        "(\\hat y^{(s)} - y^{(s)}) a_i^{(s)}$$\n"
    )
    v = verdict_by_line(notes)
    assert all(v.get(line) != "wrong" for line in (1, 3, 5, 7))  # definitions
    assert v[9] == "correct"
    assert v[11] == "wrong"  # the sign
    results, _ = check_text(notes)
    assert any("sign error" in (r.message or "") for r in results if r.line == 11)
    assert v[13] == "correct"
    assert v[15] == "wrong"  # x_i for x_j
    assert v[17] == "wrong"  # the 1/S of the mean: read on a batch of several examples


def test_the_input_written_as_an_expression_is_a_definition():
    v = verdict_by_line(OWN + "$$x = A y$$\n")
    assert v.get(9) != "wrong"


UFLDL = (
    "$$z^{(l+1)} = W^{(l)} a^{(l)} + b^{(l)}$$\n\n"
    "$$a^{(l)} = f(z^{(l)})$$\n\n"
    "$$a^{(1)} = x$$\n\n"
    "$$h_{W,b}(x) = a^{(3)}$$\n\n"
    "$$J(W,b;x,y) = \\frac{1}{2} \\|h_{W,b}(x)-y\\|^2$$\n\n"
)


def test_ufldl_hypothesis_per_example_cost_and_layer_width_bounds():
    notes = UFLDL + (
        # 11: the cost of each example, averaged: right with y^{(k)}, wrong with y^{(i)}
        "$$\\frac{\\partial}{\\partial b_{i}^{(l)}} J(W,b) = \\frac{1}{m}\\sum_{k=1}^m "
        "\\frac{\\partial}{\\partial b_{i}^{(l)}} J(W,b; x^{(k)}, y^{(k)})$$\n\n"
        "$$\\frac{\\partial}{\\partial b_{i}^{(l)}} J(W,b) = \\frac{1}{m}\\sum_{k=1}^m "
        "\\frac{\\partial}{\\partial b_{i}^{(l)}} J(W,b; x^{(k)}, y^{(i)})$$\n\n"
        # 15: s_{n_l} is the output layer's width; a^{(l)} for a^{(n_l)} is wrong
        "$$J(W,b;x,y) = \\frac{1}{2} \\sum_{i=1}^{s_{n_l}} (a_i^{(n_l)}-y_i)^2$$\n\n"
        "$$J(W,b;x,y) = \\frac{1}{2} \\sum_{i=1}^{s_{n_l}} (a_i^{(l)}-y_i)^2$$\n"
    )
    v = verdict_by_line(notes)
    assert all(v.get(line) != "wrong" for line in (1, 3, 5, 7, 9))
    assert v[11] == "correct" and v[13] == "wrong"
    assert v[15] == "correct" and v[17] == "wrong"


LAYER_OUTPUTS = (
    "$$x^{(2)}_j = \\sigma(\\sum_{i=1}^{n} w_{ij}^{(1)} x^{(1)}_i + b_j^{(1)})$$\n\n"
    "$$(x^{(p,3)})_j = \\sum_{i=1}^{n} w_{ij}^{(2)} (x^{(p,2)})_i + b_j^{(2)}$$\n\n"
    "$$\\hat{p}_{k}^{(p)} = softmax(x^{(p,3)})_k$$\n\n"
    "$$E = -\\frac{1}{m} \\sum_{i=1}^m \\sum_{k=1}^K y_k^{(i)} \\log(\\hat p_k^{(i)})$$\n\n"
)


def test_layer_outputs_by_example_and_a_base_10_log():
    """x^{(p,l)}: layer l's output for example p, w_{ij} from unit i to unit j (rows); the
    note's log is base 10 because it divides by ln(10); hat p is used with other letters."""
    notes = LAYER_OUTPUTS + (
        "$$\\log(\\hat p_k^{(p)}) = \\frac{\\ln(\\hat p_k^{(p)})}{\\ln(10)}$$\n\n"
        "$$\\frac{\\partial \\log(\\hat p_k^{(p)})}{\\partial (x^{(p,3)})_j} = \\frac{1}{\\ln(10)} "
        "[\\delta_{kj} - softmax(x^{(p,3)})_j]$$\n\n"
        "$$\\frac{\\partial \\log(\\hat p_k^{(p)})}{\\partial (x^{(p,3)})_j} = "
        "[\\delta_{kj} - softmax(x^{(p,3)})_j]$$\n\n"
        "$$\\frac{\\partial (x^{(p,3)})_q}{\\partial w_{ij}^{(2)}} = (x^{(p,2)})_i$$\n\n"
        "$$\\frac{\\partial E}{\\partial w_{ij}^{(2)}} = -\\frac{1}{m \\ln(10)} \\sum_{p=1}^m "
        "\\sum_{k=1}^K y_k^{(p)} [\\delta_{kj} - softmax(x^{(p,3)})_j] (x^{(p,2)})_i$$\n"
    )
    v = verdict_by_line(notes)
    assert all(v.get(line) != "wrong" for line in (1, 3, 5, 7))
    assert v[9] == "correct"
    assert v[11] == "correct"
    assert v[13] == "wrong"  # the 1/ln(10) of the base-10 log is missing
    assert v[15] == "wrong"  # holds only for q = j
    assert v[17] == "correct"


def test_a_standard_function_the_note_defines_and_brackets_around_its_argument():
    notes = (
        "$$relu(x) = max(0,x)$$\n\n"
        "$$H(x) = 1$$\n\n"
        "$$(x^{(p,2)})_j = relu[\\sum_{k=1}^{n} w_{kj}^{(1)} (x^{(p,1)})_k + b_j^{(1)}]$$\n\n"
        "$$E = \\frac{1}{2m} \\sum_{p=1}^m \\sum_{j} ((x^{(p,2)})_j - y_j^{(p)})^2$$\n\n"
        "$$\\frac{\\partial (x^{(p,2)})_j}{\\partial w_{ij}^{(1)}} = H[\\sum_{k=1}^{n} "
        "w_{kj}^{(1)} (x^{(p,1)})_k + b_j^{(1)}] (x^{(p,1)})_i$$\n\n"
        "$$\\frac{\\partial (x^{(p,2)})_j}{\\partial w_{ij}^{(1)}} = H[\\sum_{k=1}^{n} "
        "w_{kj}^{(1)} (x^{(p,1)})_k + b_j^{(1)}] (x^{(p,1)})_j$$\n"
    )
    v = verdict_by_line(notes)
    assert all(v.get(line) != "wrong" for line in (1, 3, 5, 7))
    assert v[9] == "correct"
    assert v[11] == "wrong"  # x_j for x_i


def test_a_layer_letter_is_never_read_as_an_example():
    # y^{(l)} as a layer's output (stepped as l+1) or never summed over: no example letter
    assert (
        examples.infer([parse("y^{(l)} + a^{(l+1)}"), parse("\\sum_{l=1}^{L} y^{(l)}")])[0] == set()
    )
    assert examples.infer([parse("y^{(l)}"), parse("f(W^{(l)} y^{(l-1)})")])[0] == set()
    assert examples.infer([parse("y^{(l)}")])[0] == set()


def test_a_network_the_drawn_one_does_not_fit_is_never_called_wrong():
    # linear regression: y-hat = w . x + b fits no drawn network (w is a vector, x a vector);
    # the restated cost and the gradients are then not judged WRONG on a guessed network
    notes = (
        "$$\\hat{y} = w \\cdot x + b$$\n\n"
        "$$J(w, b) = \\frac{1}{2m} \\sum_{i=1}^{m} (\\hat{y}^{(i)} - y^{(i)})^2$$\n\n"
        "$$J = \\frac{1}{2m} \\sum_{i=1}^{m} (\\hat{y}^{(i)} - y^{(i)})^2 = \\frac{1}{2m} "
        "\\sum_{i=1}^{m} (w \\cdot x^{(i)} + b - y^{(i)})^2$$\n\n"
        "$$\\frac{\\partial J}{\\partial b} = \\frac{1}{m} \\sum_{i=1}^{m} "
        "(\\hat{y}^{(i)} - y^{(i)})$$\n"
    )
    assert all(verdict != "wrong" for verdict in verdict_by_line(notes).values())


def test_ngs_layer_and_example_superscript():
    notes = (
        "$$Z^{[1]} = W^{[1]} X + b^{[1]}$$\n\n"
        "$$A^{[1]} = \\tanh(Z^{[1]})$$\n\n"
        "$$Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]}$$\n\n"
        "$$A^{[2]} = \\sigma(Z^{[2]})$$\n\n"
        "$$J = -\\frac{1}{m} \\sum_{i=1}^m [y^{(i)} \\log a^{[2](i)} "
        "+ (1-y^{(i)}) \\log(1 - a^{[2](i)})]$$\n\n"
        "$$\\frac{\\partial J}{\\partial b^{[2]}} = \\frac{1}{m} \\sum_{i=1}^m dZ^{[2](i)}$$\n\n"
        "$$\\frac{\\partial J}{\\partial b^{[2]}} = \\frac{1}{m} \\sum_{i=1}^m "
        "(a^{[2](i)} - y^{(i)})$$\n\n"
        "$$\\frac{\\partial J}{\\partial b^{[2]}} = \\sum_{i=1}^m (a^{[2](i)} - y^{(i)})$$\n"
    )
    v = verdict_by_line(notes)
    assert v[11] == "correct" and v[13] == "correct"
    assert v[15] == "wrong"  # the 1/m of the mean
