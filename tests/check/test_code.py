"""`derive check mycode.py:backward`: a student's own backward function, run on random inputs
and compared gradient by gradient with the derivation. One buggy function per mistake (in
tests/check/students/), each caught and named, with the derived expression to compare with;
a correct one passes; the calling conventions, the adapter options and the user errors."""

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from derive.check.code.main import (
    _Evaluator,
    _inputs,
    check_code,
    is_code_target,
    load_function,
    register_cli,
)
from derive.cli import main
from derive.emit.codegen import load_module
from derive.engine.derivation import derive
from derive.engine.spec import load_spec
from derive.errors import DeriveError
from derive.resources import EXAMPLES

STUDENTS = Path(__file__).parent / "students"
SEED = EXAMPLES / "seed.toml"

# The notes' network with 3 inputs: the first weight matrix is square (3, 3), so a transposed
# factor keeps its shape and only the values show it.
TEXTBOOK = """\
name = "textbook"
inputs = 3
[[layers]]
units = 3
activation = "relu"
[[layers]]
units = 1
activation = "sigmoid"
[cost]
name = "squared_error"
reduction = "{reduction}"
"""


def check(name, spec=SEED, **kw):
    """(exit status, {gradient: JSON object}, text report) for a student file."""
    target = f"{STUDENTS / name}.py:{kw.pop('func', 'backward')}"
    text, code = check_code(target, spec, "text", **kw)
    out, code2 = check_code(target, spec, "json", **kw)
    assert code == code2
    return code, {r["gradient"]: r for r in json.loads(out)}, text


def verdicts(results):
    return {g: r["verdict"] for g, r in results.items()}


@pytest.fixture
def textbook(tmp_path):
    def make(reduction="mean"):
        path = tmp_path / f"textbook_{reduction}.toml"
        path.write_text(TEXTBOOK.format(reduction=reduction))
        return path

    return make


# ------------------------------------------------------------------ the mistakes, one by one
def test_correct_backward_passes():
    code, res, text = check("correct")
    assert code == 0
    assert verdicts(res) == dict.fromkeys(["dW1", "db1", "dW2", "db2"], "correct")
    assert "all 4 gradients match the derivation" in text
    assert "calls backward(X, Y, W1, b1, W2, b2)" in text
    assert 'reduction = "mean"' in text and "1/m" in text


def test_bias_summed_over_everything_is_caught():
    code, res, text = check("bias_sum_all")  # np.sum(dz1, keepdims=True): (1, 1)
    assert code == 1
    assert verdicts(res) == {"dW1": "correct", "db1": "wrong", "dW2": "correct", "db2": "correct"}
    db1 = res["db1"]
    assert db1["diagnosis"] == "sum_all"
    assert db1["expected"]["shape"] == [3, 1]
    assert db1["found"]["shapes"] == {"1": [1, 1], "5": [1, 1]}
    msg = db1["message"]
    assert "shape (1, 1) where the derived db1 is (3, 1)" in msg
    assert "b1 - lr * db1 broadcasts it to (3, 1)" in msg  # broadcasting hides it
    assert "summed over every entry, not over the samples" in msg
    assert "db1 = (1/m) sum_samples(delta1), where delta1 = (W2.T @ delta2)*relu'(z1)" in msg


@pytest.mark.parametrize("spec,shape", [("seed", "(1, 4)"), ("textbook", "(1, 3)")])
def test_first_layer_weight_gradient_of_the_wrong_shape_is_caught(spec, shape, textbook):
    # dz2 @ X.T: (1, 4) for the seed, (1, 3) instead of (3, 3) for the 3-3-1 network
    code, res, _ = check("first_layer_shape", SEED if spec == "seed" else textbook())
    assert code == 1
    assert verdicts(res)["dW1"] == "wrong"
    assert [v for g, v in verdicts(res).items() if g != "dW1"] == ["correct"] * 3
    dW1 = res["dW1"]
    assert dW1["diagnosis"] == "swap"
    assert f"shape {shape} where the derived dW1 is" in dW1["message"]
    assert "broadcasts it to" in dW1["message"]
    assert "delta2 is used where delta1 belongs" in dW1["message"]
    assert "dW1 = delta2 @ X.T instead of dW1 = delta1 @ X.T" in dW1["message"]
    assert "compare with: dW1 = (1/m) delta1 @ X.T" in dW1["message"]


def test_mask_applied_as_a_matrix_product_is_caught():
    code, res, _ = check("mask_matmul")
    assert code == 1
    assert verdicts(res) == {"dW1": "wrong", "db1": "wrong", "dW2": "correct", "db2": "correct"}
    for g in ("dW1", "db1"):
        assert res[g]["diagnosis"] == "matmul"
        msg = res[g]["message"]
        assert "relu'(z1) is applied as a matrix product, not elementwise" in msg
        assert "delta1 = relu'(z1).T @ dA1 instead of delta1 = dA1*relu'(z1)" in msg
        assert "dA1 = W2.T @ delta2" in msg
    # with one sample the matrix product fits and the result broadcasts over W1 silently
    assert res["dW1"]["found"]["shapes"]["1"] == [1, 4]
    assert "(at m = 1): W1 - lr * dW1 broadcasts it to (3, 4)" in res["dW1"]["message"]


def test_missing_one_over_m_is_caught_and_hidden_by_one_sample():
    code, res, _ = check("missing_1_over_m")
    assert code == 1
    for g, r in res.items():
        assert r["verdict"] == "wrong", g
        assert r["diagnosis"] == "missing_1_over_m", g
        assert f"found = m times the derived {g}: the 1/m is missing" in r["message"]
        assert 'reduction = "mean"' in r["message"]
        assert "with m = 1 it is right" in r["message"]
        assert r["found"]["relative_error"] == pytest.approx(4, rel=1e-6)  # m = 5: 5x - x


def test_sum_reduction_turns_the_convention_around(textbook):
    # reduction = "sum": no 1/m, so the code without it is right and the averaging one is not
    code, res, _ = check("missing_1_over_m", textbook("sum"))
    assert code == 0 and set(verdicts(res).values()) == {"correct"}
    code, res, _ = check("correct", textbook("sum"))
    assert code == 1
    for r in res.values():
        assert r["diagnosis"] == "extra_1_over_m"
        assert 'reduction = "sum"' in r["message"]
        assert "(1/m)" not in r["expected"]["expression"]


def test_transposed_factor_is_caught():
    code, res, _ = check("transposed")  # X @ dz1.T: (4, 3)
    assert code == 1
    dW1 = res["dW1"]
    assert dW1["verdict"] == "wrong" and dW1["diagnosis"] == "transposed"
    assert "shape (4, 3) where the derived dW1 is (3, 4)" in dW1["message"]
    assert "W1 - lr * dW1 would raise" in dW1["message"]
    assert "found = X @ delta1.T, the transpose of the derived dW1 = delta1 @ X.T" in dW1["message"]


def test_transposed_factor_of_the_same_shape_is_caught_by_its_values(textbook):
    code, res, _ = check("transposed", textbook())  # (3, 3) either way
    dW1 = res["dW1"]
    assert dW1["verdict"] == "wrong" and dW1["diagnosis"] == "transposed"
    assert dW1["found"]["shapes"] == {"1": [3, 3], "5": [3, 3]}
    assert "shape" not in dW1["message"].split("\n")[0]
    assert dW1["found"]["max_abs_error"] > 1e-3


def test_missing_derivative_factor_is_caught():
    code, res, _ = check("missing_mask")
    assert verdicts(res) == {"dW1": "wrong", "db1": "wrong", "dW2": "correct", "db2": "correct"}
    assert res["dW1"]["diagnosis"] == "drop"
    assert "the factor relu'(z1) is missing" in res["dW1"]["message"]
    assert "delta1 = dA1 instead of delta1 = dA1*relu'(z1)" in res["dW1"]["message"]


def test_activation_in_place_of_its_derivative_is_caught():
    code, res, _ = check("activation_not_derivative")
    assert verdicts(res) == {"dW1": "wrong", "db1": "wrong", "dW2": "correct", "db2": "correct"}
    assert res["dW1"]["diagnosis"] == "value"
    assert "A1 is used where the derivative relu'(z1) belongs" in res["dW1"]["message"]
    assert "delta1 = dA1*A1 instead of delta1 = dA1*relu'(z1)" in res["dW1"]["message"]


def test_softmax_network_bias_summed_to_zero_is_caught():
    code, res, _ = check("softmax_digits", EXAMPLES / "digits.toml")
    assert verdicts(res) == {"dW1": "correct", "db1": "correct", "dW2": "correct", "db2": "wrong"}
    db2 = res["db2"]
    assert db2["diagnosis"] == "sum_all"  # 0 found where 0 is what that mistake gives
    assert "shape () where the derived db2 is (10, 1)" in db2["message"]
    assert "delta2 = A2 - Y" in db2["expected"]["expression"]


def test_constant_factor_points_at_the_cost_derivative():
    code, res, _ = check("half_cost")  # A2 - Y for 2(A2 - Y); returns (loss, grads)
    assert code == 1
    for g, r in res.items():
        assert r["diagnosis"] == "factor", g
        assert f"found = 0.5 times the derived {g}" in r["message"]
        assert "dA2 = -2*Y + 2*A2" in r["message"]


def test_one_dimensional_bias_is_caught_where_broadcasting_changes_the_shape():
    code, res, _ = check("flat_bias", returns="dW2,db2,dW1,db1")
    assert code == 1
    # (3,) beside b1 (3, 1) broadcasts to (3, 3): wrong, though every value is right
    assert res["db1"]["verdict"] == "wrong" and res["db1"]["diagnosis"] == "shape"
    assert (
        "broadcasts to (3, 3) without an error, silently changing b1's shape"
        in (res["db1"]["message"])
    )
    assert "the values are right" in res["db1"]["message"]
    # (1,) beside b2 (1, 1) is harmless: b2 - lr * db2 is still (1, 1)
    assert res["db2"]["verdict"] == "correct"
    assert "harmless here" in res["db2"]["message"]
    assert res["dW1"]["verdict"] == res["dW2"]["verdict"] == "correct"


def test_code_that_only_runs_on_one_sample_is_reported_with_its_line():
    code, res, text = check("per_sample")
    assert code == 1
    assert set(verdicts(res).values()) == {"unknown"}
    assert "right at m = 1, but at m = 5 the function raised" in res["dW1"]["message"]
    assert "per_sample.py:12" in res["dW1"]["message"]  # JSON messages stand alone
    assert "at m = 5, backward raised ValueError" in text
    assert "per_sample.py:12: dz1 = np.diag(" in text
    assert "one sample per column" in text


def test_the_sample_counts_can_be_chosen():
    code, res, text = check("missing_1_over_m", ms=(1,))
    assert code == 0  # one sample hides the missing 1/m: why the default adds m > 1
    code, res, _ = check("missing_1_over_m", ms=(2, 7))
    assert "with m = 1" not in res["dW1"]["message"]
    assert res["dW1"]["diagnosis"] == "missing_1_over_m"


# ------------------------------------------------------------------ calling conventions
def test_samples_as_rows_through_call():
    call = "[g.T for g in grads((W1.T, b1.T, W2.T, b2.T), X.T, Y.T)]"
    code, res, text = check("rows", func="grads", call=call)
    assert code == 0, text
    assert f"calls {call}" in text


@pytest.mark.parametrize(
    "source,extra",
    [
        ("def backward(params, cache, Y):\n    return grads(cache['X'], Y, **params)", {}),
        ("def backward(x, y, w1, B1, w2, B2, m):\n    return grads(x, y, w1, B1, w2, B2)", {}),
        (
            "def backward(A0, Y, z1, W1, b1, W2, b2, *, lr=0.1):\n"
            "    return grads(A0, Y, W1, b1, W2, b2)",
            {},
        ),  # fmt: skip
        (
            "def backward(X, Y, W1, b1, W2, b2):\n    g = grads(X, Y, W1, b1, W2, b2)\n"
            "    return {'grad_W1': g['dW1'], 'dC_db1': g['db1'], 'W2': g['dW2'], 'DB2': g['db2'],"
            " 'dz1': 0}",
            {},
        ),  # fmt: skip
        (
            "def backward(X, Y, W1, b1, W2, b2):\n    g = grads(X, Y, W1, b1, W2, b2)\n"
            "    return 0.5, g['db2'], g['dW2'], g['db1'], g['dW1']",
            {"returns": "_,db2,dW2,db1,dW1"},
        ),  # fmt: skip
        (
            "def f(a, b, c):\n    return grads(c, b, *a)",
            {"call": "f((W1, b1, W2, b2), Y, X)", "func": "f"},
        ),  # fmt: skip
    ],
)
def test_calling_conventions(tmp_path, source, extra):
    helper = (STUDENTS / "correct.py").read_text().replace("def backward(", "def grads(")
    (tmp_path / "mine.py").write_text(helper + "\n\n" + source + "\n")
    func = extra.pop("func", "backward")
    text, code = check_code(f"{tmp_path / 'mine.py'}:{func}", SEED, **extra)
    assert code == 0, text


def test_the_students_arrays_are_copies(tmp_path):
    # code that updates its arguments in place must not change what the next call sees
    src = (STUDENTS / "correct.py").read_text()
    src = src.replace("    return {", "    W1 -= 1.0\n    X *= 2\n    return {")
    (tmp_path / "inplace.py").write_text(src)
    text, code = check_code(f"{tmp_path / 'inplace.py'}:backward", SEED)
    assert code == 0, text


# ------------------------------------------------------------------ user errors
def test_missing_file_and_function_name_the_problem(tmp_path):
    with pytest.raises(DeriveError, match="no such file"):
        check_code(f"{tmp_path / 'nope.py'}:backward")
    with pytest.raises(DeriveError) as err:
        check_code(f"{STUDENTS / 'correct.py'}:backwards")
    assert "has no function `backwards`" in str(err.value)
    assert "backward, relu_prime" in err.value.fix
    with pytest.raises(DeriveError, match="file.py:function|mycode.py:backward"):
        check_code("notes.md")


def test_import_errors_name_the_file_and_line(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy as np\n\nW = np.zeros(3) @ np.zeros(4)\n")
    with pytest.raises(DeriveError) as err:
        load_function(str(bad))
    assert err.value.where == f"{bad}:3"
    assert "ValueError" in err.value.message
    bad.write_text("def backward(X, Y:\n    pass\n")
    with pytest.raises(DeriveError, match="SyntaxError") as err:
        load_function(str(bad))
    assert err.value.where == f"{bad}:1"
    # a script's own top level (argparse, sys.exit, training) is skipped, not run
    bad.write_text("import sys\nsys.exit(3)\ndef backward(X, Y):\n    return {}\n")
    assert load_function(str(bad)).__name__ == "backward"


def test_unknown_parameter_names_ask_for_call(tmp_path):
    f = tmp_path / "odd.py"
    f.write_text("def backward(inp, tgt):\n    return {}\n")
    with pytest.raises(DeriveError) as err:
        check_code(f"{f}:backward")
    assert "cannot tell what to pass for the parameter `inp`" in err.value.message
    assert "--call" in err.value.fix and "W1" in err.value.fix


def test_unreadable_results_ask_for_returns(tmp_path):
    f = tmp_path / "short.py"
    f.write_text("def backward(X, Y, W1):\n    return W1, W1\n")
    with pytest.raises(DeriveError) as err:
        check_code(f"{f}:backward")
    assert "returned a tuple of 2, not the 4 gradients" in err.value.message
    assert "--returns db2,dW2,db1,dW1" in err.value.fix
    with pytest.raises(DeriveError, match="`dQ` names no parameter"):
        check_code(f"{f}:backward", returns="dW1,dQ")
    with pytest.raises(DeriveError, match="not a Python expression"):
        check_code(f"{f}:backward", call="backward(X,")


def test_gradients_left_out_are_reported(tmp_path):
    f = tmp_path / "partial.py"
    f.write_text((STUDENTS / "correct.py").read_text().replace('"db2": db2', '"dz2": dz2'))
    text, code = check_code(f"{f}:backward", SEED)
    assert code == 1
    assert "db2  unknown" in text and "not returned" in text
    assert "also returned, not checked: dz2" in text


# ------------------------------------------------------------------ the machinery
@pytest.mark.parametrize("name", ["seed", "digits", "skip"])
def test_the_evaluated_derivation_is_the_generated_code(name):
    """The changed derivations the diagnoses come from start from the generated module's
    gradients (check_code also checks this on every run)."""
    net = load_spec(EXAMPLES / f"{name}.toml")
    d, module, ev = derive(net), load_module(net), _Evaluator(net)
    m = 5
    env = _inputs(net, m, seed=3)
    for n, eq in net.equations.items():
        env[n] = ev(eq, env, m)
    for s in d.steps:
        env[s.name] = ev(s.value, env, m)
    params = {p: env[p] for p in net.params}
    expected = module.backward(params, module.forward(params, env["x"]), env["y"])
    scale = 1 / m if net.reduction == "mean" else 1
    for s in d.param_steps:
        np.testing.assert_allclose(scale * env[s.name], expected[s.of], rtol=1e-10, atol=1e-14)


def test_is_code_target():
    assert is_code_target("mycode.py:backward")
    assert is_code_target("dir/my code.py")
    assert is_code_target("mycode.py:Model.backward")
    assert not is_code_target("notes.md")
    assert not is_code_target("notes.tex:3")


def test_cli(capsys):
    parser = argparse.ArgumentParser(prog="derive")
    register_cli(parser.add_subparsers())
    args = parser.parse_args(
        ["check-code", f"{STUDENTS / 'missing_1_over_m.py'}:backward", "--format", "json",
         "--samples", "1,3"]
    )  # fmt: skip
    assert args.func(args) == 1
    out = json.loads(capsys.readouterr().out)
    assert [r["gradient"] for r in out] == ["dW1", "db1", "dW2", "db2"]
    assert set(out[0]) >= {"gradient", "verdict", "expected", "found", "message"}
    assert out[0]["found"]["shapes"] == {"1": [3, 4], "3": [3, 4]}
    with pytest.raises(SystemExit):
        parser.parse_args(["check-code", "x.py", "--samples", "0"])


def test_batchnorm_compact_backward_is_checked(tmp_path):
    """A student's batch norm, in the compact form: right; without the xhat term: caught."""
    spec = EXAMPLES / "batchnorm.toml"
    code, res, text = check("batchnorm_compact", spec)
    assert code == 0, text
    assert set(verdicts(res).values()) == {"correct"} and len(res) == 6
    src = (STUDENTS / "batchnorm_compact.py").read_text()
    wrong = tmp_path / "batchnorm_wrong.py"
    wrong.write_text(src.replace(" - xhat2 * along", ""))
    out, code = check_code(f"{wrong}:backward", spec, "json")
    assert code == 1
    found = {r["gradient"]: r["verdict"] for r in json.loads(out)}
    assert found["dW1"] == "wrong" and found["dW3"] == "correct"


DEEP = """name = "deep"
inputs = 2

[[layers]]
units = 3
activation = "tanh"

[[layers]]
units = 3
activation = "sigmoid"

[[layers]]
units = 1
activation = "sigmoid"

[cost]
name = "squared_error"
"""


def test_a_generated_module_is_checked_against_the_spec_its_header_names(tmp_path, monkeypatch):
    # without --spec, a module derive generated is judged on its own network (named in its
    # header), not on the bundled example's two layers (which raised KeyError: 'W3')
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deep.toml").write_text(DEEP)
    assert main(["codegen", "deep.toml"]) == 0
    text, code = check_code("generated/deep.py:backward")
    assert code == 0, text
    assert "all 6 gradients match the derivation" in text
    assert "the network of deep.toml, which the file's header names as its spec" in text
