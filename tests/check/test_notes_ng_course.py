"""How notes on Ng's deep-learning course write the backward pass (issue 22), each form written
here from scratch: the doubled braces of the widely copied Chinese transcript
(``d{{Z}^{[l]}}``, ``{{g}^{\\left[ l \\right]}}'``, ``.`` for the product), ``g\\rq^{[l]}`` and
``dG^l(Z^l)`` for the activation's derivative, ``\\text{sum}(dZ, \\text{axis}=1, ...)``, the
column slice ``dZ^{[l] (\\cdot,i)}``, two costs offered under one name, and the layer's local
derivatives written as chain-rule factors (``\\partial Z / \\partial W = A^T``)."""

from __future__ import annotations

from derive.check.notes.meaning import grammar, jacshort, ngforms, ngshapes
from derive.check.notes.walk import check_text

from .test_notes import verdict_by_line

FORWARD = (
    "$$Z^{[1]} = W^{[1]} X + b^{[1]}$$\n\n"  # 1
    "$$A^{[1]} = \\tanh(Z^{[1]})$$\n\n"  # 3
    "$$Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]}$$\n\n"  # 5
    "$$A^{[2]} = \\sigma(Z^{[2]})$$\n\n"  # 7
    "$$J = -\\frac{1}{m} \\sum_{i=1}^{m} (y^{(i)}\\log(a^{[2](i)}) "
    "+ (1-y^{(i)})\\log(1- a^{[2](i)}))$$\n\n"  # 9
    "$$dZ^{[2]} = A^{[2]} - Y$$\n\n"  # 11
)


def test_transcript_braces_are_read_and_a_missing_transpose_is_caught():
    notes = FORWARD + (
        "1. $d{{Z}^{[1]}}=d{{A}^{[1]}}*{{g}^{\\left[ 1 \\right]}}'\\left({{Z}^{[1]}} \\right)~~$\n"
        "2. $d{{W}^{[2]}}=\\frac{1}{m}\\text{}d{{Z}^{[2]}}\\cdot {{A}^{\\left[ 1 \\right]T}}$\n"
        "3. $d{{A}^{[1]}}={{W}^{\\left[ 2 \\right]T}}.d{{Z}^{[2]}}$\n"
        "4. $d{{W}^{[2]}}=\\frac{1}{m}\\text{}d{{Z}^{[2]}}\\cdot {{A}^{\\left[ 1 \\right]}}$\n"
    )
    v = verdict_by_line(notes)
    assert v[13] == "correct"
    assert v[14] == "correct"
    assert v[15] == "correct"
    assert v[16] == "wrong"  # A^{[1]} where A^{[1]T} belongs


def test_activation_derivative_spellings():
    notes = FORWARD + (
        "$$dZ^{[1]} = W^{[2]T} dZ^{[2]} * g\\rq^{[1]}(Z^{[1]})$$\n\n"  # 13
        "$$dZ^{[1]} = dA^{[1]} * dG^{[1]}(Z^{[1]})$$\n\n"  # 15
        "$$dZ^{[1]} = W^{[2]T} dZ^{[2]} * dG^{[1]}(Z^{[2]})$$\n\n"  # 17
        "$$dA^{[1]} = W^{[2]T}dZ^{[2]}*g\\rq^{[1]}(Z^{[1]})$$\n\n"  # 19
    )
    v = verdict_by_line(notes)
    assert v[13] == "correct"
    assert v[15] == "correct"
    assert v[17] == "wrong"  # the derivative taken at the wrong layer's Z
    assert v[19] == "wrong"  # that is dZ^{[1]}, not dA^{[1]}


def test_text_sum_and_column_slices():
    notes = FORWARD + (
        "$$db^{[2]} = \\frac{1}{m} \\text{sum}(dZ^{[2]}, \\text{axis}=1, "
        "\\text{keepdims}=\\text{True})$$\n\n"  # 13
        "$$db^{[2]} = \\frac{1}{m} \\sum_{i=1}^{m} dZ^{[2] (\\cdot,i)}$$\n\n"  # 15
        "$$dW^{[2]} = \\frac{1}{m} \\text{sum}(dZ^{[2]}, \\text{axis}=1, "
        "\\text{keepdims}=\\text{True})$$\n\n"  # 17
        "$$dA^{[1]} = (W^{[2]})^T dZ^{[2]} \\quad \\text{(if } l > 1\\text{)}$$\n\n"  # 19
    )
    v = verdict_by_line(notes)
    assert v[13] == "correct"
    assert v[15] == "correct"
    assert v[17] == "wrong"
    assert v[19] == "correct"


def test_ng_layer_superscript_is_the_layers_activation_beside_own_g():
    notes = FORWARD.replace("\\tanh", "g^{[1]}") + (
        "$$dZ^{[1]} = W^{[2]T} dZ^{[2]} \\odot g'^{[1]}(Z^{[1]})$$\n\n"  # 13
        "$$dZ^{[1]} = W^{[2]T} dZ^{[2]} \\odot g'^{[1]}(Z^{[2]})$$\n\n"  # 15
        "$$g(z) = \\max(0, z)$$\n\n"  # 17
        "$$g(z) = \\tanh(z)$$\n\n"  # 19
    )
    v = verdict_by_line(notes)
    assert v[13] == "correct"
    assert v[15] == "wrong"


TWO_COSTS = (
    "$$Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$$\n\n"  # 1
    "$$A^{[l]} = g^{[l]}(Z^{[l]})$$\n\n"  # 3
    "For cross-entropy:\n\n"  # 5
    "$$J = -\\frac{1}{m} \\sum_{i=1}^{m} [ Y^{(i)} \\log(A^{[L] (i)}) "
    "+ (1-Y^{(i)}) \\log(1-A^{[L] (i)})]$$\n\n"  # 7
    "For squared error:\n\n"  # 9
    "$$J = \\frac{1}{2m} \\sum_{i=1}^{m} ||A^{[L] (i)} - Y^{(i)}||^2$$\n\n"  # 11
)


def test_two_costs_offered_for_one_name_are_each_possible_never_wrong():
    notes = TWO_COSTS + (
        "$$\\frac{\\partial J}{\\partial A^{[L]}} = -\\frac{1}{m} "
        "[ \\frac{Y}{A^{[L]}} - \\frac{1-Y}{1-A^{[L]}} ]$$\n\n"  # 13
        "$$\\frac{\\partial J}{\\partial A^{[L]}} = \\frac{1}{m} (A^{[L]} - Y)$$\n\n"  # 15
        "$$\\frac{\\partial J}{\\partial A^{[L]}} = \\frac{1}{m} (Y - A^{[L]})$$\n\n"  # 17
    )
    v = verdict_by_line(notes)
    assert v.get(7) != "wrong" and v.get(11) != "wrong"  # costs: definitions
    assert v[13] == "correct"
    assert v[15] == "correct"
    assert v[17] != "wrong"  # which cost is meant is the prose's: never called wrong


def test_local_derivatives_as_chain_rule_factors():
    notes = FORWARD + (
        "$$\\frac{\\partial Z^{[2]}}{\\partial W^{[2]}} = A^{[1]T}$$\n\n"  # 13
        "$$\\frac{\\partial Z^{[2]}}{\\partial A^{[1]}} = (W^{[2]})^T$$\n\n"  # 15
        "$$\\frac{\\partial Z^{[2]}}{\\partial b^{[2]}} = \\mathbf{1}$$\n\n"  # 17
        "$$\\frac{\\partial A^{[1]}}{\\partial Z^{[1]}} = 1 - (A^{[1]})^2$$\n\n"  # 19
        "$$\\frac{\\partial Z^{[2]}}{\\partial W^{[2]}} = W^{[2]}$$\n\n"  # 21
        "$$\\frac{\\partial A^{[1]}}{\\partial Z^{[1]}} = A^{[1]}(1 - A^{[1]})$$\n\n"  # 23
    )
    v = verdict_by_line(notes)
    assert v[13] == v[15] == v[17] == v[19] == "correct"
    # the model leaves a wrong factor alone (no value to compare with); the older derivative
    # check names it: W where A belongs, sigma' where tanh' belongs
    assert v[21] == "wrong"
    assert v[23] == "wrong"


def test_factors_and_normalise_units():
    p = grammar.parse
    assert jacshort.factors(p("\\frac{\\partial Z^{[l]}}{\\partial W^{[l]}}"))[1] == (
        "T",
        ("atom", grammar.Atom("A", None, "[l-1]")),
    )
    assert jacshort.factors(p("\\frac{\\partial Z^{[l]}}{\\partial W^{[2]}}")) is None
    assert jacshort.factors(p("\\frac{\\partial C}{\\partial W^{[l]}}")) is None
    assert ngforms.normalise("d{{Z}^{[l]}}") == "dZ^{[l]}"
    assert ngforms.normalise("\\frac{a}{b}^2") == "\\frac{a}{b}^2"
    assert ngforms.normalise("dG^l(x)") == "dG^l(x)"  # dG of anything but Z is a name
    assert ngforms.normalise("0.5 x") == "0.5 x"


# the planar-data assignment's formulas, as students copy them (no network written: the
# code that fixes tanh and sigmoid is not in the note)
PLANAR = (
    "$\\frac{\\partial \\mathcal{J} }{ \\partial z_{2}^{(i)} } = "
    "\\frac{1}{m} (a^{[2](i)} - y^{(i)})$\n\n"  # 1
    "$\\frac{\\partial \\mathcal{J} }{ \\partial W_2 } = "
    "\\frac{\\partial \\mathcal{J} }{ \\partial z_{2}^{(i)} } a^{[1] (i) T} $\n\n"  # 3
    "$\\frac{\\partial \\mathcal{J} }{ \\partial b_2 } = "
    "\\sum_i{\\frac{\\partial \\mathcal{J} }{ \\partial z_{2}^{(i)}}}$\n\n"  # 5
    "$\\frac{\\partial \\mathcal{J} }{ \\partial z_{1}^{(i)} } =  W_2^T "
    "\\frac{\\partial \\mathcal{J} }{ \\partial z_{2}^{(i)} } * ( 1 - a^{[1] (i) 2}) $\n\n"  # 7
    "$\\frac{\\partial \\mathcal{J} }{ \\partial W_1 } = "
    "\\frac{\\partial \\mathcal{J} }{ \\partial z_{1}^{(i)} }  X^T $\n\n"  # 9
    "$\\frac{\\partial \\mathcal{J} _i }{ \\partial b_1 } = "
    "\\sum_i{\\frac{\\partial \\mathcal{J} }{ \\partial z_{1}^{(i)}}}$\n\n"  # 11
)


def test_planar_assignment_formulas_are_read_per_example_and_over_the_batch():
    v = verdict_by_line(PLANAR)
    assert [v[k] for k in (1, 3, 5, 7, 9)] == ["correct"] * 5
    assert v[11] == "wrong"  # J_i on the left, a sum over i on the right


def test_planar_assignment_with_a_network_catches_a_wrong_derivative():
    notes = (
        "$$Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$$\n\n"  # 1
        "$$A^{[l]} = g^{[l]}(Z^{[l]})$$\n\n"  # 3
        "$a^{[1]}_{1} = \\sigma(z^{[1]}_1)$\n\n"  # 5: one unit, a lecture's example
        + PLANAR
        + "$\\frac{\\partial \\mathcal{J} }{ \\partial z_{1}^{(i)} } =  W_2^T "
        "\\frac{\\partial \\mathcal{J} }{ \\partial z_{2}^{(i)} } * ( 1 - a^{[2] (i) 2}) $\n\n"
    )
    v = verdict_by_line(notes)
    assert v[13] == "correct"  # tanh': the generic g^{[l]} leaves the activation open
    assert v[19] == "wrong"  # the wrong layer's activation in the derivative


SHAPES = (
    "$$Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]} "
    "\\qquad (Z^{[l]} \\in \\mathbb{R}^{n^{[l]} \\times m})$$\n\n"  # 1
    "$$A^{[l]} = \\sigma(Z^{[l]})$$\n\n"  # 3
    "- $W^{[l]} \\in \\mathbb{R}^{n^{[l]} \\times n^{[l-1]}}$\n"  # 5
    "- $W^{[l]} \\in \\mathbb{R}^{n^{[l-1]} \\times n^{[l]}}$\n"  # 6
    "- $db^{[l]} \\in \\mathbb{R}^{n^{[l]} \\times m}$\n"  # 7
    "- $X \\in \\mathbb{R}^{n_x \\times m}$\n"  # 8
    "- $a^{[l]} \\in \\mathbb{R}^{n^{[l]} \\times 1}$\n\n"  # 9
    "$$dW^{[l]} = \\frac{1}{m} dZ^{[l]} A^{[l-1]T} "
    "\\quad \\in \\mathbb{R}^{n^{[l]} \\times n^{[l-1]}}$$\n\n"  # 11
    "$$dA^{[l-1]} = W^{[l]T} dZ^{[l]} \\quad \\in \\mathbb{R}^{n^{[l]} \\times m}$$\n"  # 13
)


def test_shapes_stated_in_ng_notation_are_checked_against_the_drawn_network():
    v = verdict_by_line(SHAPES)
    assert v[1] == "correct"  # the annotation is checked, the forward equation still binds
    assert v[5] == v[8] == v[9] == "correct"  # one example's a^{[l]} is n x 1
    assert v[6] == "wrong"  # W^{[l]} is n^{[l]} x n^{[l-1]}
    assert v[7] == "wrong"  # db^{[l]} has one column
    assert v[11] == "correct"  # the formula, and the shape of its left-hand side
    assert v[13] == "wrong"  # dA^{[l-1]} has n^{[l-1]} rows


def test_a_wrong_shape_names_both_shapes_and_a_note_without_network_is_never_wrong():
    results, _ = check_text(SHAPES)
    why = [r.message for r in results if r.line == 6 and r.verdict == "wrong"]
    assert why and "on the drawn network" in why[0] and "give" in why[0]
    bare = "- $W^{[l]} \\in \\mathbb{R}^{n^{[l-1]} \\times n^{[l]}}$\n"
    assert "wrong" not in verdict_by_line(bare).values()


def test_shape_statement_forms():
    assert ngshapes.stated("Z^{[l]} \\in \\mathbb{R}^{n^{[l]} \\times m}") == (
        "Z^{[l]}",
        "n^{[l]}",
        "m",
    )
    assert ngshapes.stated("b \\in \\mathbb{R}^{n}") is None
    assert ngshapes.trailing("Z = W A + b \\quad (Z \\in \\mathbb{R}^{n^{[1]} \\times m})")[1] == (
        "Z \\in \\mathbb{R}^{n^{[1]} \\times m}"
    )
    assert ngshapes.trailing("Z \\in \\mathbb{R}^{n^{[1]} \\times m}") is None  # no formula


def test_a_gradient_the_note_names_is_a_reading_of_its_symbol():
    notes = FORWARD + (
        "$$dZ^{[2]} = \\frac{\\partial J}{\\partial Z^{[2]}} = "
        "\\frac{\\partial J}{\\partial A^{[2]}} \\odot \\sigma'(Z^{[2]})$$\n\n"  # 13
        "$$dZ^{[2]} = \\frac{\\partial J}{\\partial A^{[2]}} \\odot \\sigma'(Z^{[2]})$$\n\n"  # 15
        "$$dZ^{[2]} = \\frac{\\partial J}{\\partial A^{[2]}} \\odot \\sigma(Z^{[2]})$$\n\n"  # 17
        "$$dW^{[2]} = \\frac{1}{m} dZ^{[2]} A^{[1]T}$$\n\n"  # 19
    )
    v = verdict_by_line(notes)
    assert v[13] == v[15] == "correct"  # dZ^{[2]} as dJ/dZ^{[2]}, the note's own naming
    assert v[17] == "wrong"  # sigma where sigma' belongs, under either reading
    assert v[19] == "correct"  # and Ng's per-example dZ where the note uses it so


def test_shape_bookkeeping_with_an_arrow():
    notes = SHAPES + (
        "\n$$dZ^{[l]} (A^{[l-1]})^T \\rightarrow (n^{[l]} \\times m) \\cdot (m \\times n^{[l-1]})"
        " = (n^{[l]} \\times n^{[l-1]})$$\n\n"  # 15
        "$$(W^{[l]})^T dZ^{[l]} \\rightarrow (n^{[l-1]} \\times n^{[l]}) \\cdot (n^{[l]} \\times m)"
        " = (n^{[l]} \\times m)$$\n"  # 17
    )
    v = verdict_by_line(notes)
    assert v[15] == "correct"
    assert v[17] == "wrong"  # W^T dZ has n^{[l-1]} rows


def test_an_equation_number_after_quad_is_no_factor():
    notes = FORWARD + (
        "$$dW^{[2]} = \\frac{1}{m} dZ^{[2]} A^{[1]T} \\qquad (4)$$\n\n"  # 13
        "$$dW^{[2]} = \\frac{1}{m} dZ^{[2]} A^{[1]T} (4)$$\n\n"  # 15: a factor 4 written
    )
    v = verdict_by_line(notes)
    assert v[13] == "correct"
    assert v[15] == "wrong"
    assert ngforms.normalise("a = b \\quad (2.1)") == "a = b"


def test_a_function_defined_twice_is_no_one_function_and_a_foreign_name_is_not_judged():
    notes = (
        "$$g(z) = \\frac{1}{1 + e^{-z}}$$\n\n"  # 1
        "$$g'(z) = a(1-a)$$\n\n"  # 3: a is the activation, a name the identity does not have
        "$$g(z) = \\tanh(z)$$\n\n"  # 5
        "$$g'(z) = 1 - \\tanh^2(z)$$\n\n"  # 7: true for the second g
        "$$f(z) = \\frac{1}{1 + e^{-z}}$$\n\n"  # 9
        "$$f'(z) = f(z)(1 + f(z))$$\n\n"  # 11
        "$$\\frac{d}{dz}\\sigma(z) = \\sigma(z)(1 + \\sigma(z))$$\n"  # 13
    )
    v = verdict_by_line(notes)
    assert v.get(3) != "wrong" and v.get(7) != "wrong"
    assert v[11] == "wrong" and v[13] == "wrong"  # one definition: still checked


def test_a_partial_by_the_batch_z_beside_one_over_m_is_ngs_stacked_dz():
    notes = (
        "$$Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$$\n\n"  # 1
        "$$A^{[l]} = \\sigma(Z^{[l]})$$\n\n"  # 3
        "$$\\frac{\\partial L}{\\partial W^{[l]}} = "
        "\\frac{1}{m}\\frac{\\partial L}{\\partial Z^{[l]}}(A^{[l-1]})^T$$\n\n"  # 5
        "$$\\frac{\\partial L}{\\partial W^{[l]}} = "
        "\\frac{1}{m}\\frac{\\partial L}{\\partial Z^{[l]}}(A^{[l]})^T$$\n"  # 7
    )
    v = verdict_by_line(notes)
    assert v[5] == "correct"
    assert v[7] == "wrong"  # the wrong layer's activation, under either reading


def test_m_of_a_weight_shape_is_a_layer_size_not_the_examples():
    """A note of one example that writes ``W \\in \\mathbb{R}^{m \\times n}``: its m is the
    output's size, so ``\\partial L/\\partial z \\in \\mathbb{R}^{m \\times 1}`` is not Ng's m
    examples (on the drawn batch it has m columns, a false WRONG); Ng's notes, where m is
    the examples, still have their shapes checked (above)."""
    note = (
        "$$x \\in \\mathbb{R}^{n \\times 1}$$\n\n"  # 1
        "$$W \\in \\mathbb{R}^{m \\times n}$$\n\n"  # 3
        "$$z = W x + b$$\n\n"  # 5
        "$$a = \\sigma(z)$$\n\n"  # 7
        "$$L = \\frac{1}{2}(a - y)^2$$\n\n"  # 9
        "$$\\frac{\\partial L}{\\partial z} \\in \\mathbb{R}^{m \\times 1}$$\n"  # 11
    )
    assert verdict_by_line(note).get(11) != "wrong"
    assert (
        ngshapes.m_is_a_width([[type("M", (), {"text": "X \\in \\mathbb{R}^{n \\times m}"})]])
        is False
    )
