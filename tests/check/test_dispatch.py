"""The checkers' dispatch over node types is one place each: the code checker's mistakes
(``evaluate._MUTANTS``), the notes' matrix form (``matrixform._NotesForm``) and the spec's
scalar equations (``network._SCALAR``). Every IR node type has its case, and a node type
without one is an error naming it, never a silent default."""

import pytest
import sympy as sp

from derive.check.code import evaluate
from derive.check.notes import matrixform, network
from derive.engine import ir

ALL_NODES = [ir.Var, ir.MatMul, ir.Transpose, ir.Sum, ir.Elementwise, *ir.IMAGE_NODES]


class Strange(ir.Var):
    pass


STRANGE = Strange("s", (1, 1), "value")


class Unknown(ir.Node):
    """A node type with no base the printers know (a Var subclass takes _print_Var through
    NodePrinter's MRO dispatch)."""

    shape = (1, 1)


def test_every_node_type_has_its_mutants_case():
    assert set(ALL_NODES) <= set(evaluate._MUTANTS)


def test_a_node_type_without_a_mutants_case_is_named():
    with pytest.raises(TypeError, match="no mutants case for Strange"):
        evaluate._node_mutants(STRANGE, [], None)


def test_every_node_type_has_its_notes_form():
    for kind in ALL_NODES:
        assert hasattr(matrixform._NotesForm, f"_print_{kind.__name__}"), kind


def test_a_node_type_without_a_notes_form_is_named():
    with pytest.raises(TypeError, match="no case for Unknown"):
        matrixform._NotesForm(None, {}, 0).print_node(Unknown())


def test_a_node_type_without_a_scalar_form_is_named():
    with pytest.raises(TypeError, match="Strange"):
        network._scalar(STRANGE)


def test_image_and_row_block_nodes_have_no_scalar_form():
    # a CNN's or an RNN's spec has no scalar equations, rather than a TypeError (which was a
    # traceback of derive check NOTES --spec cnn_digits.toml)
    x = ir.Var("x", (4, ir.M), "input")
    w = ir.Var("W1", (2, 4 * 3 * 3), "param")
    conv = ir.Conv(w, x, ir.Window(4, 1, 1, 3, 3, padding=1))
    for node in (conv, ir.Rows(x, 0, 2)):
        with pytest.raises(network._SpecNotScalar):
            network._scalar(node)


def test_a_sum_over_the_units_is_found_before_the_nodes_below_it():
    # top-down: the spec then has no scalar equations, rather than no case for Rows
    rows = ir.Rows(ir.Var("x", (4, ir.M), "input"), 0, 2)
    with pytest.raises(network._SpecNotScalar):
        network._scalar(ir.Sum(rows, 0))
    a = ir.Var("A1", (3, ir.M), "value")
    assert network._scalar(ir.Sum(a, 1)) == sp.Symbol("A1", real=True)
