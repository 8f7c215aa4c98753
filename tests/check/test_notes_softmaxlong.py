"""Softmax derivatives written the long way (issue 22, held-out set 8), each notation written
here from scratch in the style of the real lessons it was learnt from: the softmax defined with
its entry index on the function's name (``\\sigma_i(\\mathbf z) = \\frac{e^{z_i}}{\\sum_j
e^{z_j}}``), its Jacobian named ``\\mathbf J_\\sigma`` and stated in matrix form
(``\\text{diag}(\\boldsymbol\\sigma) - \\boldsymbol\\sigma\\boldsymbol\\sigma^T``), and a case
written in parentheses after a ``\\quad`` (``-\\sigma_i\\sigma_j \\quad (i \\neq j)``)."""

from __future__ import annotations

from .test_notes import verdict_by_line

INDEX_ON_THE_NAME = (
    "# The softmax Jacobian\n"
    "\n"
    "$$\\sigma_i(\\mathbf{z}) = \\frac{e^{z_i}}{\\sum_{j=1}^{K} e^{z_j}}$$\n"  # 3
    "\n"
    "$$\\frac{\\partial \\sigma_i}{\\partial z_i} = \\sigma_i(1 - \\sigma_i)$$\n"  # 5
    "\n"
    "$$\\frac{\\partial \\sigma_i}{\\partial z_i} = \\sigma_i(1 + \\sigma_i)$$\n"  # 7
    "\n"
    "$$\\frac{\\partial \\sigma_i}{\\partial z_j} = \\sigma_i(\\delta_{ij} - \\sigma_j)$$\n"  # 9
    "\n"
    "$$\\frac{\\partial \\sigma_i}{\\partial z_j} = \\sigma_j(\\delta_{ij} - \\sigma_j)$$\n"  # 11
    "\n"
    "$$\\frac{\\partial \\sigma_i(\\mathbf{z})}{\\partial z_j} = -\\sigma_i(\\mathbf{z})"
    "\\sigma_j(\\mathbf{z}) \\quad (i \\neq j)$$\n"  # 13
    "\n"
    "$$\\frac{\\partial \\sigma_i}{\\partial z_j} = \\sigma_i \\sigma_j "
    "\\quad (i \\neq j)$$\n"  # 15
)


def test_the_entry_index_written_on_the_functions_name():
    """sigma_i(z) = e^{z_i} / sum_j e^{z_j} defines the softmax by its entries, as
    sigma(z)_i does; sigma_i(1 - sigma_i) stays a product, sigma_j(z) is the entry at z."""
    v = verdict_by_line(INDEX_ON_THE_NAME)
    assert v.get(3) != "wrong"  # the definition binds
    assert v[5] == "correct"
    assert v[7] == "wrong"
    assert v[9] == "correct"
    assert v[11] == "wrong"  # sigma_j for sigma_i in front
    assert v[13] == "correct"  # written for i != j, in parentheses after \quad
    assert v[15] == "wrong"  # the sign dropped


def test_an_index_on_the_name_without_the_arguments_entry_defines_nothing():
    """f_i(x) = x^2 + i: no entry x_i in the body, so f_i(x) is no entry of a function of
    x; nothing is judged wrong."""
    v = verdict_by_line(
        "$$f_i(\\mathbf{x}) = x^2$$\n\n$$\\frac{\\partial f_i(\\mathbf{x})}{\\partial x_j} = 0$$\n"
    )
    assert "wrong" not in v.values()


MATRIX_FORM = (
    "# The softmax Jacobian in matrix form\n"
    "\n"
    "$$\\sigma_i(\\mathbf{z}) = \\frac{e^{z_i}}{\\sum_{j=1}^{K} e^{z_j}}$$\n"  # 3
    "\n"
    "The Jacobian matrix $\\mathbf{J}_\\sigma$ can be written as:\n"
    "\n"
    "$$\\mathbf{J}_\\sigma = \\text{diag}(\\boldsymbol{\\sigma}) - \\boldsymbol{\\sigma} "
    "\\boldsymbol{\\sigma}^T$$\n"  # 7
    "\n"
    "$$\\mathbf{J}_\\sigma = \\mathbf{J}_\\sigma^T$$\n"  # 9
    "\n"
    "$$\\mathbf{J}_\\sigma = \\boldsymbol{\\sigma} \\boldsymbol{\\sigma}^T - "
    "\\text{diag}(\\boldsymbol{\\sigma})$$\n"  # 11
    "\n"
    "$$\\mathbf{J}_\\sigma = \\text{diag}(\\boldsymbol{\\sigma})$$\n"  # 13
)


def test_the_jacobian_named_by_the_function_in_matrix_form():
    """J_sigma is the Jacobian of the note's own sigma at the vector it is applied to: a claim
    (not a definition of a new name), judged as a matrix."""
    v = verdict_by_line(MATRIX_FORM)
    assert v[7] == "correct"
    assert v[9] == "correct"  # symmetric
    assert v[11] == "wrong"  # negated
    assert v[13] == "wrong"  # the outer product dropped


BOXED = (
    "$$\\sigma_i(\\mathbf{z}) = \\frac{e^{z_i}}{\\sum_{j=1}^{K} e^{z_j}}$$\n"  # 1
    "\n"
    "$$\\boxed{\\frac{\\partial \\sigma_i}{\\partial z_j} = -\\sigma_i \\sigma_j "
    "\\quad (i \\neq j)}$$\n"  # 3
    "\n"
    "$$\\boxed{\\frac{\\partial \\sigma_i}{\\partial z_j} = \\sigma_i \\sigma_j "
    "\\quad (i \\neq j)}$$\n"  # 5
    "\n"
    "$$\\boxed{\\frac{\\partial \\sigma_i}{\\partial z_j} = \\begin{cases}\n"
    "\\sigma_i(1 - \\sigma_i) & \\text{if } i = j \\\\\n"  # 8
    "\\sigma_i\\sigma_j & \\text{if } i \\neq j\n"  # 9
    "\\end{cases}}$$\n"
)


def test_a_boxed_result_is_read_with_its_case():
    """The box around a whole formula is blanked out before the formula is cut at its \\quad and
    into its cases: the case stays the claim's condition."""
    v = verdict_by_line(BOXED)
    assert v[3] == "correct"
    assert v[5] == "wrong"
    assert v[8] == "correct"
    assert v[9] == "wrong"


NAMED_PARTS = (
    "$$\\hat{y}_k = \\frac{e^{z_k}}{\\sum_j e^{z_j}}$$\n"  # 1
    "\n"
    "$$\\frac{\\partial \\hat{y}_k}{\\partial z_k} = \\frac{\\partial}{\\partial z_k} \\left( "
    "\\frac{e^{z_k}}{\\sum_j e^{z_j}} \\right)$$\n"  # 3
    "\n"
    "- $f = e^{z_k}$, $f' = e^{z_k}$\n"  # 5
    "- $g = \\sum_j e^{z_j}$, $g' = e^{z_k}$\n"  # 6
    "- $f = e^{z_k}$, $f' = 0$\n"  # 7
    "- $g = \\sum_j e^{z_j}$, $g' = 2 e^{z_k}$\n"  # 8
    "\n"
    "$$\\frac{\\partial \\hat{y}_k}{\\partial z_i} = \\frac{\\partial}{\\partial z_i} \\left( "
    "\\frac{e^{z_k}}{\\sum_j e^{z_j}} \\right)$$\n"  # 10
    "\n"
    "- $f = e^{z_k}$, $f' = 0$\n"  # 12
    "- $g = \\sum_j e^{z_j}$, $g' = e^{z_i}$\n"  # 13
    "- $g = \\sum_j e^{z_j}$, $g' = -e^{z_i}$\n"  # 14
)


def test_the_prime_of_a_part_the_note_names_for_the_quotient_rule():
    """f = e^{z_k}, f' = …: f' is f's derivative by the entry of the derivative worked out
    above it (z_k, then z_i)."""
    v = verdict_by_line(NAMED_PARTS)
    assert v[5] == "correct"
    assert v[6] == "correct"
    assert v[7] == "wrong"  # e^{z_k} by z_k is not 0
    assert v[8] == "wrong"
    assert v[12] == "correct"  # for i != k
    assert v[13] == "correct"
    assert v[14] == "wrong"


def test_a_prime_on_a_letter_not_defined_by_the_variable_is_not_read():
    """f' beside an f that is no expression in the variable (an activation) is not read as a
    derivative by the entry: nothing is judged wrong."""
    v = verdict_by_line(
        "$$\\frac{\\partial C}{\\partial z_k} = \\frac{\\partial C}{\\partial a_k} f'(z_k)$$\n\n"
        "$f = \\tanh$, $f' = 1 - f^2$\n"
    )
    assert v.get(3) != "wrong"
