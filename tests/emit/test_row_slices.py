"""Row slices in the equation form (issue 25): ``x[a:b]`` is rows a, ..., b-1 of a (k, m)
quantity, a ``Rows`` node whose reverse rule places the gradient among zeros (``PadRows``).
The rule's proof against SymPy is ``row_slices`` in ``tests/engine/test_proof_matrix.py``;
here: examples/lstm_gates.toml (an LSTM whose gates are slices of one (16, m) pre-activation)
against ``torch.nn.LSTM`` itself, every command and target on slices in equations, costs and
penalties, each target's printed slice, and the bad bounds' errors."""

import numpy as np
import pytest

from derive.cli import main
from derive.emit.codegen import load_module
from derive.emit.frameworks import render_target
from derive.emit.latex import render_latex
from derive.emit.show import show_text
from derive.engine.derivation import derive
from derive.engine.spec import load_spec, parse_spec
from derive.errors import DeriveError
from derive.resources import EXAMPLES
from emit.test_equation_cases import _runs_everywhere
from emit.test_fused import _same_step


def test_lstm_gates_as_slices_equal_torchs_lstm():
    """The example's 3 steps and read-out against torch.nn.LSTM (weight_ih = Wx, weight_hh =
    Wh, bias_ih = b, bias_hh = 0, PyTorch's gate order i, f, g, o) and a Linear, float64:
    the cost and every gradient by torch's autograd."""
    torch = pytest.importorskip("torch")
    net = load_spec(EXAMPLES / "lstm_gates.toml")
    module = load_module(net)
    rng = np.random.default_rng(25)
    m = 5
    X = rng.standard_normal((9, m))
    Y = np.eye(3)[:, rng.integers(0, 3, m)]
    params = {k: v + 0.3 * rng.standard_normal(v.shape) for k, v in module.init_params(0).items()}
    lstm = torch.nn.LSTM(3, 4, dtype=torch.float64)
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    weights = {"weight_ih_l0": t["Wx"], "weight_hh_l0": t["Wh"], "bias_ih_l0": t["b"][:, 0],
               "bias_hh_l0": torch.zeros(16, dtype=torch.float64)}  # fmt: skip
    seq = torch.tensor(X.T.reshape(m, 3, 3).transpose(1, 0, 2).copy())  # (T, m, d)
    _, (h3, _) = torch.func.functional_call(lstm, weights, (seq,))
    zy = h3[0] @ t["Wy"].T + t["by"][:, 0]
    loss = -(torch.tensor(Y.T) * torch.log_softmax(zy, dim=1)).sum() / m
    loss.backward()
    np.testing.assert_allclose(module.forward(params, X)["h3"], h3[0].detach().numpy().T,
                               rtol=1e-12, atol=1e-14)  # fmt: skip
    got_loss, grads = module.loss_and_grad(params, X, Y)
    assert got_loss == pytest.approx(float(loss.detach()), rel=1e-12)
    for name, tensor in t.items():
        np.testing.assert_allclose(grads[name], tensor.grad.numpy(), rtol=1e-10, atol=1e-13)
    _same_step(module, m=4, rtol=1e-10)


SLICES = """name = "slices"
inputs = 3
outputs = 2
[params]
W1 = [6, 3]
b1 = [6, 1]
W2 = [2, 3]
[equations]
z1 = "W1 @ x + b1"
A1 = "tanh(z1[0:3]) * sigmoid(z1[3:]) + x[:1]"
z2 = "W2 @ A1 + W1[4:6] @ x"
[cost]
expr = "(z2 - y)**2 + (z2[1:2] - y[0:1])**2 / 4"
penalty = "0.001 * sum(W1[0:3]**2)"
"""


def test_slices_in_equations_costs_and_penalties_run_everywhere(tmp_path, capsys):
    """show, latex, gradcheck, the NumPy module (finite differences, the fused step), torch and
    JAX: slices of a pre-activation, of x (the open bounds of Python's slices), of a
    parameter, of z2 and y in the cost, of a weight in the penalty."""
    net, module = _runs_everywhere(tmp_path, capsys, SLICES)
    _same_step(module, m=4, rtol=1e-10)


def test_each_target_prints_the_slice():
    net = parse_spec(SLICES, "slices.toml")
    d = derive(net)
    shown = show_text(d)
    assert "A1       (3, m)  = X[0:1] + sigmoid(z1[3:6])*tanh(z1[0:3])" in shown, shown
    assert "rows_3_of_6(" in shown  # the gradient placed among zeros
    assert r"{z_{1}}_{[0:3]}" in render_latex(d)
    for target in ("numpy", "torch", "jax"):
        assert "tanh(z1[0:3])" in render_target(net, target), target


# (the slice, the message's words, the fix's words): each names the file and the equation
BAD = [
    ("z1[0:7]", "rows [0:7] of a (6, m) quantity: it has 6 rows, not 7", "0 <= a < b <= 6"),
    ("z1[4:2]", "rows [4:2] of a (6, m) quantity: it has no rows there", "0 <= a < b <= 6"),
    ("z1[3]", "`z1[3]` indexes one row: write it as a slice, z1[3:4]", "x[a:b] takes rows a"),
    ("z1[0:4:2]", "has a step", "x[a:b] takes rows a"),
    ("z1[0:2, 0:1]", "slices more than the rows: the columns are the samples", "x[a:b]"),
    ("z1[0:m]", "the bound `m` of `z1[0:m]` is not a whole number written out", "x[a:b]"),
    ("z1[-3:]", "the bound `-3`", "x[a:b]"),
    ("z1[1.5:3]", "the bound `1.5`", "x[a:b]"),
    ("z1['a':3]", "the bound `'a'`", "x[a:b]"),
    ("(2 * 3)[0:1]", "a row slice of a number", "slice a matrix"),
]


@pytest.mark.parametrize("expr, what, fix", BAD, ids=[b[0] for b in BAD])
def test_bad_bounds_are_clear_errors(tmp_path, capsys, expr, what, fix):
    text = SLICES.replace("tanh(z1[0:3])", f"tanh({expr})")
    with pytest.raises(DeriveError) as err:
        parse_spec(text, "bad.toml")
    assert err.value.where == "bad.toml: equations.A1", err.value.where
    assert what in str(err.value) and fix in err.value.fix, (str(err.value), err.value.fix)
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert main(["show", str(path)]) != 0
    assert "Traceback" not in capsys.readouterr().err


def test_a_slice_in_an_activation_definition_is_refused():
    text = SLICES.replace("[equations]", '[activations]\nf = "z[0:1]"\n[equations]')
    with pytest.raises(DeriveError, match="slices the rows of a matrix"):
        parse_spec(text, "act.toml")
