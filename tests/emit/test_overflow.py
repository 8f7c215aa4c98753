"""User activations and costs keep the overflow guarantee of the built-ins: drawn activations
(sums of exp-rational, softplus, tanh and Gaussian parts) fed |z| up to 1e3 give a finite loss
and finite gradients in float32 and float64 with no floating-point warning, and their
derivative agrees with SymPy's high-precision value where both are finite. What has no
overflow-free form says so, in the module and in the derivation, with its safe range."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.emit.codegen import load_module, render
from derive.emit.npprint import overflow_notes, print_code, stabilize
from derive.emit.show import show_text
from derive.engine.derivation import derive
from derive.engine.graph import Network
from derive.engine.registry import z

PARTS = [
    "z",
    "exp(z)/(1 + exp(z))",
    "exp(2*z)/(1 + exp(2*z))",
    "1/(1 + exp(-z))",
    "exp(z)/(1 + exp(z))**2",
    "exp(z)/(1 + exp(2*z))",
    "log(1 + exp(z))",
    "tanh(z)",
    "tanh(3*z)",
    "exp(-z**2)",
    "z*exp(z)/(1 + exp(z))",
    "exp(-z)/(2 + exp(-z))",
]


@st.composite
def activations(draw):
    parts = draw(st.lists(st.sampled_from(PARTS), min_size=1, max_size=3, unique=True))
    coeffs = [draw(st.sampled_from([1, 2, -1, 3])) for _ in parts]
    return " + ".join(f"{c}*({p})" for c, p in zip(coeffs, parts, strict=True))


def _net(expr: str) -> Network:
    return Network.from_layers(
        "user", 1, [(3, "act"), (1, "identity")], cost="squared_error",
        activations={"act": expr},
    )  # fmt: skip


def _finite_at_large_inputs(module):
    for dtype in (np.float32, np.float64):
        params = module.init_params(0, dtype)
        params["W1"] = np.ones_like(params["W1"])  # z1 = X: the activation sees |z| <= 1e3
        X = np.linspace(-1000, 1000, 41, dtype=dtype)[None, :]
        Y = np.zeros((1, 41), dtype=dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # overflow, invalid value, division by zero
            loss, grads = module.loss_and_grad(params, X, Y)
        assert np.isfinite(loss)
        assert all(np.all(np.isfinite(g)) for g in grads.values())


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(activations())
def test_drawn_user_activations_never_overflow(expr):
    net = _net(expr)
    assert overflow_notes(net) == [], expr
    _finite_at_large_inputs(load_module(net))


@settings(max_examples=25, deadline=None, derandomize=True)
@given(activations())
def test_stable_derivative_equals_sympys_where_finite(expr):
    f = sp.sympify(expr, locals={"z": z})  # test data of our own, not a user's text
    df = sp.diff(f, z)
    fn = eval(f"lambda z: {print_code(stabilize(df))}", {"np": np})  # noqa: S307 - our own code
    points = np.array([-700.0, -40.0, -3.5, -0.25, 0.0, 0.5, 2.0, 37.0, 700.0])
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        got = np.broadcast_to(fn(points), points.shape)
    for p, g in zip(points, got, strict=True):
        with mpmath.workdps(50):
            want = float(sp.N(df.subs(z, sp.Float(p, 50)), 40))
        assert np.isclose(g, want, rtol=1e-9, atol=1e-12), (expr, p, g, want)


def test_the_issue_example_is_finite_at_400():
    # exp(z)/(1 + exp(z)) + z: its derivative had np.exp(2*z2), NaN at z = 400
    module = load_module(_net("exp(z)/(1+exp(z)) + z"))
    _finite_at_large_inputs(module)
    assert "np.exp(2 *" not in render(_net("exp(z)/(1+exp(z)) + z"))


def test_no_stable_form_is_said_in_the_code_and_the_derivation():
    net = _net("exp(2*z) + z")
    notes = overflow_notes(net)
    assert notes and "354.9 in float64" in notes[0] and "44.36 in float32" in notes[0]
    assert notes[0] in " ".join(render(net).split())  # the module's docstring says so
    assert notes[0] in show_text(derive(net))


def test_every_built_in_has_no_note():
    acts = ["identity", "relu", "leaky_relu", "sigmoid", "tanh", "softplus", "silu", "gelu", "elu"]
    net = Network.from_layers("all", 2, [(3, a) for a in acts] + [(2, "softmax")],
                              cost="cross_entropy")  # fmt: skip
    assert overflow_notes(net) == []


def test_a_softmax_equation_is_shifted_and_one_inside_an_equation_is_said():
    # softmax known from the spec: an equation that is a softmax is computed shifted by the
    # column max (finite at z = 1e3); one inside a bigger expression is not, and says so
    eqs = {"z1": "W1 @ x + b1", "A1": "softmax(z1)"}
    whole = Network.from_equations(
        "whole", 2, 2, {"W1": [2, 2], "b1": [2, 1]}, eqs, cost="cross_entropy"
    )
    assert whole.softmax == {"A1": whole.values["z1"]} and overflow_notes(whole) == []
    X = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
    params = {"W1": np.eye(2), "b1": np.zeros((2, 1))}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grads = load_module(whole).loss_and_grad(params, X, np.eye(2))
    assert np.isfinite(loss) and all(np.isfinite(g).all() for g in grads.values())
    eqs["A1"] = "0.5 * softmax(z1) + 0.25"
    inside = Network.from_equations(
        "inside", 2, 2, {"W1": [2, 2], "b1": [2, 1]}, eqs, cost="squared_error"
    )
    assert inside.softmax == {} and inside.softmax_inside == ["A1"]
    (note,) = overflow_notes(inside)
    assert note.startswith("A1: the softmax inside it") and "709.78" in note
    assert note in " ".join(render(inside).split())
    assert note in show_text(derive(inside))


# Costs a user writes in the output a and the target y (each bounded in a - y, or in a for a
# target in [0, 1]); the output is linear, so a sees |a| up to 1e3 and more.
COST_PARTS = [
    "(a - y)**2",
    "log(1 + exp(a - y))",
    "exp(a - y)/(1 + exp(a - y))",
    "log(1 + exp(y - a))",
    "y*log(1 + exp(-a)) + (1 - y)*log(1 + exp(a))",
    "exp(2*a - 2*y)/(1 + exp(a - y))**3",
    "-y*log(exp(a)/(1 + exp(a)))",
]


@st.composite
def costs(draw):
    parts = draw(st.lists(st.sampled_from(COST_PARTS), min_size=1, max_size=2, unique=True))
    return " + ".join(f"({p})" for p in parts).replace("a", "A2")


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(costs())
def test_drawn_user_costs_never_overflow(expr):
    # the gradient of exp(a - y)/(1 + exp(a - y)) came out as e^a e^y / (e^a + e^y)^2: NaN at
    # a = 1e3, and the cost's note said nothing (it looked at the cost, not its derivative)
    net = Network.from_layers("cost", 1, [(3, "tanh"), (1, "identity")], cost_expr=expr)
    assert overflow_notes(net) == [], expr
    module = load_module(net)
    for dtype in (np.float32, np.float64):
        params = module.init_params(0, dtype)
        params["W2"] = np.full_like(params["W2"], 400.0)  # A2 up to 1200 in size
        X = np.linspace(-1000, 1000, 41, dtype=dtype)[None, :]
        Y = np.tile(np.array([0.0, 1.0], dtype=dtype), 21)[None, :41]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            loss, grads = module.loss_and_grad(params, X, Y)
        assert np.isfinite(loss) and all(np.all(np.isfinite(g)) for g in grads.values()), expr


def test_a_cost_whose_derivative_overflows_is_said():
    net = Network.from_layers("cost", 1, [(1, "identity")], cost_expr="exp(A1) - y*A1")
    notes = overflow_notes(net)
    assert [n.split(" has ")[0] for n in notes] == ["the cost", "its derivative"]


@settings(max_examples=15, deadline=None, derandomize=True)
@given(costs())
def test_stable_cost_derivative_equals_sympys_where_finite(expr):
    a, y = sp.Symbol("a", real=True), sp.Symbol("y", real=True)
    f = sp.sympify(expr.replace("A2", "a"), locals={"a": a, "y": y})  # our own test data
    df = sp.diff(f, a)
    fn = eval(f"lambda a, y: {print_code(stabilize(df))}", {"np": np})  # noqa: S307 - our own
    A = np.array([-700.0, -40.0, -3.5, -0.25, 0.0, 0.5, 2.0, 37.0, 700.0])
    for target in (0.0, 1.0):
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            got = np.broadcast_to(fn(A, np.full_like(A, target)), A.shape)
        for p, g in zip(A, got, strict=True):
            with mpmath.workdps(50):
                want = float(sp.N(df.subs({a: sp.Float(p, 50), y: target}), 40))
            assert np.isclose(g, want, rtol=1e-9, atol=1e-12), (expr, p, target, g, want)
