"""The reverse rules are one table (``derivation.RULES``, node type -> rule): every node type
a forward equation can hold has its rule, the node types a rule makes (the adjoints) are
printed by every target, and a wrong entry in the table is caught by the proof against
``sympy.diff`` of the expanded network."""

import pytest

from derive.emit.text import node_text
from derive.engine import derivation, ir
from derive.engine.graph import Network

from .test_proof import check_against_expansion

FORWARD_NODES = {ir.MatMul, ir.Transpose, ir.Sum, ir.Elementwise, ir.Conv, ir.MaxPool,
                 ir.Repeat, ir.GroupSum, ir.Rows, ir.PadRows}  # fmt: skip


def test_every_forward_node_type_has_one_rule():
    assert FORWARD_NODES <= set(derivation.RULES)


def test_a_node_type_without_a_rule_is_named():
    class Strange(ir.Var):
        pass

    with pytest.raises(TypeError, match="no rule for Strange"):
        derivation._rule(Strange("s", (1, 1), "value"), ir.Var("g", (1, 1), "value"), None)


def test_a_target_without_a_case_names_the_node_type():
    class Strange(ir.Node):  # no base a printer knows (a Var subclass prints as its Var)
        shape = (1, 1)

    with pytest.raises(TypeError, match="no case for Strange"):
        node_text(Strange())


def test_a_wrong_rule_in_the_table_is_caught(monkeypatch):
    def doubled(node, g, named):  # the left factor's gradient twice what it is
        right = ir.ew(lambda v: 2 * v, [ir.MatMul(g, ir.Transpose(node.b))])
        return [(node.a, right), (node.b, ir.MatMul(ir.Transpose(node.a), g))]

    monkeypatch.setitem(derivation.RULES, ir.MatMul, doubled)
    net = Network.from_layers("tampered", 2, [(2, "tanh"), (1, "identity")])
    with pytest.raises(AssertionError):
        check_against_expansion(net)
