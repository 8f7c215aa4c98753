"""The equation form, drawn: hypothesis writes specs from a small grammar of the README's
equation-form operations (``@``, ``.T``, ``+ - * / **``, the math functions, every built-in
activation, softmax of a named quantity, ``sum_units``, ``sum_samples``, ``sum``, the means,
``m``, broadcasting, row slices ``A[a:b]``) in the equations, in ``[cost] expr`` and in
``[cost] penalty``, with ``x`` and ``y`` wherever they are allowed, a cost that is a bare name,
an activation straight on the input. Each drawn spec either gets a clear error (the file, the
key, a fix) or builds a module whose gradients pass the central-difference check and whose
show, latex, torch and JAX targets run (the frameworks' own checkers, equal to NumPy's
gradients). No traceback, ever.

Each feature has its own test, so every one is drawn whatever the draws happen to be; run
with more examples by setting DERIVE_DRAWS (the examples per feature)."""

import os
import re

import numpy as np
import pytest
from emit.test_codegen import HIDDEN
from emit.test_frameworks import _check_jax, _check_torch, _data, _numpy_reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.cli import main
from derive.emit.codegen import load_module
from derive.emit.frameworks import load_target
from derive.emit.gradcheck import gradcheck
from derive.engine.registry import ACTIVATIONS
from derive.engine.spec import parse_spec
from derive.errors import DeriveError

# The elementwise forms of one argument a drawn expression may take (bounded where the
# finite differences need it: no log or sqrt of a value near 0, no exp of a large one).
FUNCTIONS = [
    "tanh({})",
    "sin({})",
    "cos({})",
    "erf({})",
    "exp(-({})**2)",
    "log(1 + ({})**2)",
    "sqrt(1 + ({})**2)",
    "sinh(tanh({}))",
    "cosh(tanh({}))",
    "({}) / (1 + ({})**2)",
    "({})**2",
    "0.5 * ({})",
    "-({})",
]
ELEMENTWISE_ACTS = HIDDEN  # named, so that a registry entry alone shifts no draw
ALL_ACTS = sorted([*HIDDEN, "softmax"])
# The reductions, each with how it broadcasts back beside a (rows, m) operand.
REDUCED = [
    "sum_units({}) / 4",
    "mean_units({})",
    "sum_samples({}) / m",
    "mean_samples({})",
    "sum({}) / (4 * m)",
    "mean({})",
]
FEATURES = ["reduction_in_cost", "bare_name_cost", "y_in_equation", "act_on_input", "penalty",
            "row_slices"]  # fmt: skip


class _Grammar:
    """Draws expressions of a given number of rows (each m columns) over named leaves."""

    def __init__(self, draw, leaves: dict[str, int], params: dict[str, tuple], sloppy: bool):
        self.draw, self.leaves, self.params, self.sloppy = draw, leaves, params, sloppy

    def has(self, rows: int) -> bool:
        return rows in self.leaves.values()

    def leaf(self, rows: int) -> str:
        names = [n for n, r in self.leaves.items() if r == rows or self.sloppy]
        return self.draw(st.sampled_from(sorted(names)))

    def expr(self, rows: int, depth: int = 2) -> str:
        draw = self.draw
        if depth == 0 or draw(st.integers(0, 3)) == 0:
            return self.leaf(rows)
        kind = draw(st.sampled_from(["act", "fn", "binop", "reduced", "matmul", "gram",
                                     "softmax", "slice"]))  # fmt: skip
        inner = self.expr(rows, depth - 1)
        if kind == "slice":
            return self.slice(rows, inner)
        if kind == "act":
            return f"{draw(st.sampled_from(ELEMENTWISE_ACTS))}({inner})"
        if kind == "fn":
            return draw(st.sampled_from(FUNCTIONS)).format(inner, inner)
        if kind == "binop":
            op = draw(st.sampled_from(["+", "-", "*"]))
            return f"({inner}) {op} ({self.expr(rows, depth - 1)})"
        if kind == "reduced":
            form = draw(st.sampled_from(REDUCED)).format(self.expr(rows, depth - 1))
            return f"({inner}) * ({form})" if draw(st.booleans()) else f"({inner}) + {form}"
        if kind == "matmul":  # a weight's transpose or the weight: W2.T @ (k rows) is (h, m)
            fits = [(p, s) for p, s in self.params.items() if s[1] != 1]
            p, (r, c) = draw(st.sampled_from(fits))
            if (r == rows or self.sloppy) and self.has(c):
                return f"{p} @ ({self.expr(c, depth - 1)})"
            if c == rows and self.has(r):
                return f"{p}.T @ ({self.expr(r, depth - 1)})"
            return inner
        if kind == "gram":  # through the (m, m) Gram matrix of the samples
            other = self.leaf(rows)
            return f"({inner}) @ ({other}.T @ {other}) / (4 * m)"
        named = [n for n, r in self.leaves.items() if r == rows and rows > 1 and n != "y"]
        return f"softmax({draw(st.sampled_from(sorted(named)))})" if named else inner

    def slice(self, rows: int, inner: str) -> str:
        """Rows a..b-1 of a leaf: as many as asked (a gate of a taller pre-activation), or one
        row beside ``inner`` (broadcast); sloppy bounds may run past the leaf's rows."""
        draw = self.draw
        name = draw(st.sampled_from(sorted(self.leaves)))
        height = self.leaves[name]
        if height >= rows and draw(st.booleans()):
            a = draw(st.integers(0, height - rows + (1 if self.sloppy else 0)))
            return f"{name}[{a}:{a + rows}]"
        a = draw(st.integers(0, height - (0 if self.sloppy else 1)))
        return f"({inner}) * {name}[{a}:{a + 1}]"


PENALTIES = ["sum({p}**2)", "mean({p}**2)", "sum(sum_units({p}**2))", "sum(mean_samples({p})**2)",
             "sum(tanh({p})**2)", "mean(({p}.T @ {p})**2)", "sum({p}[0:1]**2)"]  # fmt: skip


def _on_the_input(draw, n: int) -> str:
    """A network that is one activation straight on the input (no parameters), its cost
    through the logits x where the activation allows it."""
    act = draw(st.sampled_from(ALL_ACTS))
    named = {"sigmoid": "binary_cross_entropy", "softmax": "cross_entropy"}.get(act)
    cost = draw(st.sampled_from([named or "squared_error", "expr", "bare"]))
    eqs = [f'A = "{act}(x)"']
    if cost == "bare":
        eqs.append('L = "(A - y)**2 + 0.1 * sum_units(A * y)"')
    lines = ['name = "drawn"', f"inputs = {n}", f"outputs = {n}", "[params]", "[equations]"]
    lines += eqs + ["[cost]"]
    lines.append(
        {"expr": 'expr = "(A - y)**2"', "bare": 'expr = "L"'}.get(cost, f'name = "{cost}"')
    )
    return "\n".join(lines) + "\n"


@st.composite
def equation_specs(draw, feature: str | None = None):
    """A drawn equation-form spec (TOML text) holding ``feature`` (see FEATURES)."""
    n0, h = draw(st.integers(2, 3)), draw(st.integers(2, 3))
    if draw(st.integers(0, 1 if feature == "act_on_input" else 7)) == 0 and feature in (
        None, "act_on_input"
    ):  # fmt: skip
        return _on_the_input(draw, n0)
    cost_kind = draw(st.sampled_from(["squared_error", "binary_cross_entropy", "cross_entropy",
                                      "expr", "expr", "bare"]))  # fmt: skip
    if feature in ("reduction_in_cost", "bare_name_cost", "y_in_equation"):
        cost_kind = "bare" if feature == "bare_name_cost" else "expr"
    k = draw(st.integers(2 if cost_kind == "cross_entropy" or feature == "y_in_equation" else 1, 3))
    params = {"W1": (h, n0), "b1": (h, 1), "W2": (k, h), "b2": (k, 1)}
    sloppy = feature is None and draw(st.integers(0, 7)) == 0  # shapes that may not fit
    eqs: dict[str, str] = {}
    first = "x"
    if feature == "act_on_input" or draw(st.integers(0, 3)) == 0:
        eqs["A0"] = f"{draw(st.sampled_from(ALL_ACTS))}(x)"
        first = "A0"
    g = _Grammar(draw, {"x": n0, **({"A0": n0} if first == "A0" else {})}, params, sloppy)
    eqs["z1"] = f"W1 @ {first} + b1"
    g.leaves["z1"] = h
    eqs["A1"] = g.expr(h)
    if feature == "row_slices":  # z1 twice as tall, A1 from its two halves (gates)
        params["W1"], params["b1"] = (2 * h, n0), (2 * h, 1)
        g.leaves["z1"] = 2 * h
        eqs["A1"] = f"sigmoid(z1[0:{h}]) * tanh(z1[{h}:{2 * h}]) + {g.slice(h, '1')}"
    if "z1" not in eqs["A1"]:  # W1 must reach the cost
        eqs["A1"] = f"tanh(z1) * ({eqs['A1']})"
    g.leaves = {"A1": h, "z1": g.leaves["z1"]}
    eqs["z2"] = "W2 @ A1 + b2"
    g.leaves["z2"] = k
    if cost_kind == "binary_cross_entropy" and draw(st.booleans()):  # logits that are a product
        del eqs["z2"], params["b2"], g.leaves["z2"]
        eqs["A2"] = "sigmoid(W2 @ A1)"
    elif cost_kind in ("binary_cross_entropy", "cross_entropy"):
        eqs["A2"] = f"{'sigmoid' if cost_kind == 'binary_cross_entropy' else 'softmax'}(z2)"
    else:
        eqs["A2"] = g.expr(k, 1)
        if "z2" not in eqs["A2"]:
            eqs["A2"] = f"z2 + {eqs['A2']}"
    g.leaves["A2"] = k
    if cost_kind in ("expr", "bare") and (feature == "y_in_equation" or draw(st.booleans())):
        g.leaves["y"] = k
        eqs["M"] = "softplus(1 + A2 - sum_units(A2 * y))"
        if draw(st.booleans()):
            eqs["M"] = f"A2 * y + {g.expr(k, 1)}"
        g.leaves["M"] = k
    g.leaves["y"] = k
    lines = ['name = "drawn"', f"inputs = {n0}", f"outputs = {k}", "[params]"]
    lines += [f"{p} = [{r}, {c}]" for p, (r, c) in params.items()]
    cost = []
    if cost_kind in ("expr", "bare"):
        pred = g.expr(k, 1)
        body = f"({pred if 'A2' in pred else 'A2'} - y)**2"
        if "M" in eqs:
            body = f"M + {body}" if draw(st.booleans()) else "M"
        if feature == "reduction_in_cost" or draw(st.booleans()):
            g.leaves.update({"x": n0, "A1": h})
            rows = draw(st.sampled_from([n0, h]))
            body += f" + 0.1 * {draw(st.sampled_from(REDUCED)).format(g.expr(rows, 1))}"
        if cost_kind == "bare":
            eqs["L"] = body
            body = draw(st.sampled_from(["L", "1 * L", "L / 2"]))
        cost = [f'expr = "{body}"']
    else:
        cost = [f'name = "{cost_kind}"']
    lines += ["[equations]"] + [f'{n} = "{e}"' for n, e in eqs.items()] + ["[cost]"] + cost
    if feature == "penalty" or draw(st.integers(0, 3)) == 0:
        p = draw(st.sampled_from(sorted(params)))
        lines.append(f'penalty = "0.01 * {draw(st.sampled_from(PENALTIES)).format(p=p)}"')
    return "\n".join(lines) + "\n"


def _check_spec(text, tmp_path, capsys):
    """The property: a clear error, or a module that passes every check."""
    path = tmp_path / "drawn.toml"
    path.write_text(text)
    try:
        net = parse_spec(text, str(path))
    except DeriveError as e:  # a clear error: the file and the key, and a fix
        assert e.where and e.where.startswith(f"{path}:") and e.fix, str(e)
        return "error"
    for argv in (["show", str(path)], ["latex", str(path), "-o", str(tmp_path / "d.tex")]):
        assert main(argv) == 0, capsys.readouterr().err
    module = load_module(net)
    rows = gradcheck(module)
    bad = [r for r in rows if not r.ok(1e-6)]
    assert not bad, f"{text}\nanalytic vs numeric: {bad}"
    X, Y, params = _data(net, numpy_module=module)
    if not net.params:  # nothing to differentiate: the three targets' costs agree
        return _same_loss(net, module, X, Y)
    ref = _numpy_reference(net, X, Y, params, module)
    if hasattr(module, "fused_loss_and_grad"):  # the fused step computes the same
        loss, grads = module.fused_loss_and_grad(params, X, Y)
        assert np.isclose(loss, ref.loss, rtol=1e-10)
        for p, g in ref.grads.items():
            np.testing.assert_allclose(grads[p], g, rtol=1e-9, atol=1e-12)
    _check_torch(pytest.importorskip("torch"), net, X, Y, params, ref)
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    _check_jax(jax, net, X, Y, params, ref)
    return "module"


def _same_loss(net, module, X, Y):
    torch, jax = pytest.importorskip("torch"), pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    want = module.loss({}, X, Y)
    got = load_target(net, "torch").loss({}, torch.from_numpy(X), torch.from_numpy(Y))
    assert np.isclose(got.item(), want, rtol=1e-10)
    assert np.isclose(float(load_target(net, "jax").loss({}, X, Y)), want, rtol=1e-10)
    return "module"


DRAWS = int(os.environ.get("DERIVE_DRAWS", "2"))


@pytest.mark.parametrize("feature", [None, *FEATURES])
def test_drawn_equation_specs_run_or_get_a_clear_error(tmp_path, capsys, feature):
    @settings(max_examples=DRAWS * (2 if feature is None else 1), deadline=None,
              derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.function_scoped_fixture])  # fmt: skip
    @given(equation_specs(feature))
    def check(text):
        _check_spec(text, tmp_path, capsys)

    check()


def test_grammar_covers_every_operation_and_activation():
    """The grammar writes every operation of the README's table and every built-in
    activation (a check on the strategy, so that a narrowed grammar is noticed)."""
    words = {*ACTIVATIONS, "sum_units", "sum_samples", "sum(", "mean_units", "mean_samples",
             "mean(", ".T", "@", "/ m", "penalty", "softmax(", "a row slice"}  # fmt: skip
    seen: set[str] = set()

    @settings(max_examples=300, deadline=None, derandomize=True, database=None)
    @given(equation_specs())
    def collect(text):
        seen.update(w for w in words if w in text)
        if re.search(r"\w\[\d+:\d+\]", text):
            seen.add("a row slice")

    collect()
    assert seen == words, words - seen
