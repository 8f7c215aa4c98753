"""The equation form's first-hour crashes of issue 25, one test per case: each spec runs
through show, latex, gradcheck (central differences), the NumPy module and the torch and JAX
targets, and its cost equals the cost computed here by hand."""

import numpy as np
import pytest
import sympy as sp

from derive.cli import main
from derive.emit.codegen import load_module
from derive.emit.gradcheck import gradcheck
from derive.emit.text import node_text
from derive.engine.derivation import derive
from derive.engine.ir import Elementwise, walk
from derive.engine.spec import parse_spec
from emit.test_frameworks import _check_jax, _check_torch, _data, _numpy_reference

_HEAD = """name = "{name}"
inputs = 3
outputs = {outputs}
"""


def _spec(name, body, outputs=2):
    return _HEAD.format(name=name, outputs=outputs) + body


def _runs_everywhere(tmp_path, capsys, text, frameworks=True):
    """show, latex, gradcheck from the command line (exit 0, no traceback), the NumPy module's
    gradients against central differences, and torch's and JAX's checkers; the module."""
    path = tmp_path / "spec.toml"
    path.write_text(text)
    for argv in (["show", str(path)], ["latex", str(path), "-o", str(tmp_path / "d.tex")],
                 ["gradcheck", str(path)]):  # fmt: skip
        assert main(argv) == 0, capsys.readouterr().err
    net = parse_spec(text, str(path))
    module = load_module(net)
    rows = gradcheck(module)
    assert all(r.ok(1e-6) for r in rows), rows
    if frameworks:
        X, Y, params = _data(net, numpy_module=module)
        ref = _numpy_reference(net, X, Y, params, module)
        _check_torch(pytest.importorskip("torch"), net, X, Y, params, ref)
        jax = pytest.importorskip("jax")
        jax.config.update("jax_enable_x64", True)
        _check_jax(jax, net, X, Y, params, ref)
    return net, module


_NET = """[params]
W1 = [4, 3]
b1 = [4, 1]
W2 = [2, 4]
b2 = [2, 1]
[equations]
z1 = "W1 @ x + b1"
A1 = "tanh(z1)"
z2 = "W2 @ A1 + b2"
"""


def _forward(params, X):
    A1 = np.tanh(params["W1"] @ X + params["b1"])
    return A1, params["W2"] @ A1 + params["b2"]


# (reduction, its argument, the same in NumPy): the tied autoencoder's reconstruction of x
# (W1 in the cost itself), and a per-unit batch mean that reads y
_REDUCED = {
    "sum_units": ("(W1.T @ A1 - x)**2", lambda p, X, Y, A1, z2: (p["W1"].T @ A1 - X) ** 2),
    "mean_units": ("(W1.T @ A1 - x)**2", lambda p, X, Y, A1, z2: (p["W1"].T @ A1 - X) ** 2),
    "sum_samples": ("(z2 - y)**2", lambda p, X, Y, A1, z2: (z2 - Y) ** 2),
    "mean_samples": ("(z2 - y)**2", lambda p, X, Y, A1, z2: (z2 - Y) ** 2),
    "sum": ("A1**2", lambda p, X, Y, A1, z2: A1**2),
    "mean": ("A1**2", lambda p, X, Y, A1, z2: A1**2),
}


@pytest.mark.parametrize("reduction", sorted(_REDUCED))
def test_case1_reduction_in_cost_expr(tmp_path, capsys, reduction):
    inner, numpy_inner = _REDUCED[reduction]
    cost = f'expr = "(z2 - y)**2 + 0.05 * {reduction}({inner})"\n'
    net, module = _runs_everywhere(tmp_path, capsys, _spec("c1", _NET + "[cost]\n" + cost))
    assert net.output == "z2" and net.cost_parts == ["cost1"]
    X, Y, params = _data(net, numpy_module=module)
    A1, z2 = _forward(params, X)
    r = numpy_inner(params, X, Y, A1, z2)
    axis = {"units": 0, "samples": 1}.get(reduction.split("_")[-1])
    part = r.sum(axis=axis, keepdims=True) if axis is not None else r.sum()
    if reduction.startswith("mean"):
        part = part / (r.size // part.size)
    want = ((z2 - Y) ** 2 + 0.05 * part).sum() / X.shape[1]
    assert np.isclose(module.loss(params, X, Y), want, rtol=1e-12)


def test_case1_reduction_that_does_not_fit_is_a_clear_error(capsys):
    from derive.errors import DeriveError

    cost = 'expr = "(z2 - y)**2 + sum_samples((W1.T @ A1 - x)**2)"\n'
    with pytest.raises(DeriveError, match="cost.expr"):
        parse_spec(_spec("c1", _NET + "[cost]\n" + cost), "c1.toml")


@pytest.mark.parametrize("expr", ["L", "1 * L", "2 * L + L"])
def test_case2_bare_name_cost(tmp_path, capsys, expr):
    body = _NET + 'L = "(z2 - y)**2"\n[cost]\n' + f'expr = "{expr}"\n'
    net, module = _runs_everywhere(tmp_path, capsys, _spec("c2", body))
    assert net.output == "z2"
    X, Y, params = _data(net, numpy_module=module)
    _, z2 = _forward(params, X)
    k = {"L": 1, "1 * L": 1, "2 * L + L": 3}[expr]
    assert np.isclose(module.loss(params, X, Y), k * ((z2 - Y) ** 2).sum() / X.shape[1])


def test_case3_y_inside_an_equation(tmp_path, capsys):
    # a multiclass SVM's hinge: the margin needs the labels
    body = """[params]
W1 = [3, 3]
b1 = [3, 1]
[equations]
z1 = "W1 @ x + b1"
M = "softplus(1 + z1 - sum_units(z1 * y))"
[cost]
expr = "M"
"""
    net, module = _runs_everywhere(tmp_path, capsys, _spec("c3", body, outputs=3))
    assert net.output == "z1" and net.target_side == {"M"}
    X, Y, params = _data(net, numpy_module=module)
    z1 = params["W1"] @ X + params["b1"]
    want = np.logaddexp(0, 1 + z1 - (z1 * Y).sum(axis=0)).sum() / X.shape[1]
    assert np.isclose(module.loss(params, X, Y), want, rtol=1e-12)
    assert set(module.forward(params, X)) == {"X", "z1"}  # no targets: what reads them waits
    assert np.array_equal(module.predict(params, X), z1)


@pytest.mark.parametrize(
    ("act", "cost"), [("sigmoid", "binary_cross_entropy"), ("softmax", "cross_entropy")]
)
def test_case4_activation_straight_on_the_input(tmp_path, capsys, act, cost):
    body = f'[params]\n[equations]\nA = "{act}(x)"\n[cost]\nname = "{cost}"\n'
    # no parameters: the frameworks' checkers have nothing to check, their loss is compared
    net, module = _runs_everywhere(tmp_path, capsys, _spec("c4", body, outputs=3), False)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 4))
    Y = np.eye(3)[:, [0, 2, 1, 1]]
    if act == "sigmoid":
        A = 1 / (1 + np.exp(-X))
        want = -(Y * np.log(A) + (1 - Y) * np.log(1 - A)).sum() / 4
    else:
        A = np.exp(X) / np.exp(X).sum(axis=0)
        want = -(Y * np.log(A)).sum() / 4
    assert np.isclose(module.loss({}, X, Y), want, rtol=1e-12)
    torch, jax = pytest.importorskip("torch"), pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    from derive.emit.frameworks import load_target

    got = load_target(net, "torch").loss({}, torch.from_numpy(X), torch.from_numpy(Y))
    assert np.isclose(got.item(), want, rtol=1e-12)
    assert np.isclose(float(load_target(net, "jax").loss({}, X, Y)), want, rtol=1e-12)


def test_case8_torch_loss_backward_runs_the_derived_backward(tmp_path):
    torch = pytest.importorskip("torch")
    from derive.emit.frameworks import load_target

    net = parse_spec(_spec("c8", _NET + '[cost]\nexpr = "(z2 - y)**2"\n'), "c8.toml")
    module, numpy_module = load_target(net, "torch"), load_module(net)
    X, Y, params = _data(net, numpy_module=numpy_module)
    want_loss, want = numpy_module.loss_and_grad(params, X, Y)
    leaves = {p: torch.tensor(v, requires_grad=True) for p, v in params.items()}
    calls = []
    derived = module.Derived.backward
    module.Derived.backward = staticmethod(lambda ctx, *g: calls.append(1) or derived(ctx, *g))
    try:
        loss = module.loss(leaves, torch.from_numpy(X), torch.from_numpy(Y))
        loss.backward()
    finally:
        module.Derived.backward = staticmethod(derived)
    assert calls == [1]  # the derivation's backward, not autograd's
    assert np.isclose(loss.item(), want_loss, rtol=1e-12)
    for p, leaf in leaves.items():
        assert np.allclose(leaf.grad.numpy(), want[p], rtol=1e-10, atol=1e-12)


def _size(d) -> int:
    """The derivation's size: the nodes and elementwise operations of what the code computes
    (the steps that are not inlined, each holding the ones inlined into it)."""
    total = 0
    for s in d.steps:
        if s.inlined:
            continue
        for n in walk(s.simplified):
            total += 1 + (sp.count_ops(n.expr) if isinstance(n, Elementwise) else 0)
    return total


def test_case6_gradient_with_several_consumers_computed_once():
    from fixtures.lstm import lstm_spec

    d3 = derive(parse_spec(lstm_spec(3), "lstm3.toml"), fold_scale=True)
    # dh2 feeds the output gate and the cell of step 2: one step, read by both
    for name in ("dh1", "dh2"):
        step = d3.step(name)
        assert not step.inlined
        users = [s.name for s in d3.steps if not s.inlined and name in node_text(s.simplified)]
        assert len(users) >= 2, users
    # linear in the steps: twice the steps, about twice the code (inlined, it was quadratic)
    d6 = derive(parse_spec(lstm_spec(6), "lstm6.toml"), fold_scale=True)
    assert _size(d6) < 2.3 * _size(d3), (_size(d3), _size(d6))
    rows = gradcheck(load_module(d3.network))
    assert all(r.ok(1e-6) for r in rows), rows


def test_case7_equation_that_does_not_reach_the_cost_is_kept(tmp_path, capsys):
    # a quantity to watch (the per-sample spread of the hidden units), computed, not derived
    body = _NET.replace('z2 = "W2 @ A1 + b2"', 'z2 = "W2 @ A1 + b2"\nspread = "mean_units(A1**2)"')
    net, module = _runs_everywhere(
        tmp_path, capsys, _spec("c7", body + '[cost]\nexpr = "(z2 - y)**2"\n')
    )
    X, Y, params = _data(net, numpy_module=module)
    A1, _ = _forward(params, X)
    np.testing.assert_allclose(
        module.forward(params, X)["spread"], (A1**2).mean(axis=0, keepdims=True)
    )
    assert "dspread" not in {s.name for s in derive(net).steps}
