"""Malformed and hostile specs: each one gets a ``DeriveError`` that names the file and the
key, says what is wrong with the specific names or shapes involved, and suggests a fix.

No other exception may escape (no KeyError, TypeError, RecursionError or SymPy error reaching
the user as a traceback), and no expression string is ever run as Python: the hostile ones
try to create a file, and the tests check that it does not exist afterwards.
"""

from __future__ import annotations

import pytest

from derive.engine.graph import Network
from derive.engine.registry import ACTIVATIONS, COSTS
from derive.engine.spec import load_spec, parse_spec
from derive.errors import DeriveError
from derive.resources import EXAMPLES

SOURCE = "bad.toml"
PARAMS = "W1 = [5, 4]\nb1 = [5, 1]\nW2 = [2, 5]\nb2 = [2, 1]\n"


def layer_spec(
    act1='"relu"', units1="3", layer1="", act2='"sigmoid"', cost='name = "squared_error"',
    activations="", top="",
) -> str:  # fmt: skip
    """The seed network in the layer form, with one piece replaced."""
    acts = f"[activations]\n{activations}" if activations else ""
    return (
        f'name = "bad"\ninputs = 4\n{top}{acts}'
        f"[[layers]]\nunits = {units1}\nactivation = {act1}\n{layer1}"
        f"[[layers]]\nunits = 1\nactivation = {act2}\n"
        f"[cost]\n{cost}\n"
    )


def eq_spec(
    A1="tanh(z1)", z1="W1 @ x + b1", z2="W2 @ A1 + b2", A2="sigmoid(z2)", more="",
    params=PARAMS, cost='expr = "(A2 - y)**2"', activations="", top="",
) -> str:  # fmt: skip
    """The skip example's shape in the equation form, with one piece replaced. Expressions are
    written in TOML literal strings ('...'), so they may hold double quotes and backslashes."""
    acts = f"[activations]\n{activations}" if activations else ""
    return (
        f'name = "bad"\ninputs = 4\noutputs = 2\n{top}{acts}[params]\n{params}'
        f"[equations]\nz1 = '{z1}'\nA1 = '{A1}'\nz2 = '{z2}'\nA2 = '{A2}'\n{more}"
        f"[cost]\n{cost}\n"
    )


def hostile(expr: str) -> str:
    """A spec whose A1 is ``expr``, given as a TOML basic string so that any quotes survive."""
    quoted = expr.replace("\\", "\\\\").replace('"', '\\"')
    return eq_spec().replace("A1 = 'tanh(z1)'", f'A1 = "{quoted}"')


def kind_spec(body: str) -> str:
    """The seed network with a layer ``body`` (TOML keys) between its two layers."""
    return layer_spec(layer1=f"[[layers]]\n{body}\n")


KNOWN_ACTS = tuple(sorted(ACTIVATIONS))
L, E, H, K = layer_spec, eq_spec, hostile, kind_spec


def C(case_id: str, text: str, key: str | None, *needles: str):
    """A case: the spec, the key the error must name (None: the file), what it must say."""
    return pytest.param(text, key, needles, id=case_id)


# fmt: off
CASES = [
    # ------------------------------------------------------------------ layers and their keys
    C("unknown-activation-lists-known", L(act1='"relux"'), "layers[0].activation",
      "relux", "did you mean relu", *KNOWN_ACTS),
    C("unknown-activation-second-layer", L(act2='"sigmod"'), "layers[1].activation",
      "sigmod", "did you mean sigmoid", "[activations]"),
    C("activation-not-string", L(act1="3"), "layers[0].activation", "in quotes", "got 3"),
    C("activation-list", L(act1='["relu"]'), "layers[0].activation", "in quotes"),
    C("units-negative", L(units1="-3"), "layers[0].units", "positive integer", "got -3"),
    C("units-zero", L(units1="0"), "layers[0].units", "positive integer", "got 0"),
    C("units-bool", L(units1="true"), "layers[0].units", "got True"),
    C("units-float", L(units1="3.5"), "layers[0].units", "got 3.5"),
    C("units-string", L(units1='"3"'), "layers[0].units", "got '3'", "no quotes"),
    C("units-huge", L(units1="100000000000"), "layers[0].units", "at most 10,000,000"),
    C("units-missing", L().replace("units = 3\n", "", 1), "layers[0].units", "got None"),
    C("layer-unknown-key", L(layer1="dropout = 0.5\n"), "layers[0].dropout",
      "unknown key dropout", "activation, kind, steps, units"),
    C("layer-key-typo", L(layer1='activaton = "tanh"\n'), "layers[0].activaton",
      "did you mean activation"),
    C("layers-not-tables", 'name = "bad"\ninputs = 4\nlayers = 3\n[cost]\nname = "squared_error"\n',
      "layers", "[[layers]]"),
    C("layers-empty", 'name = "bad"\ninputs = 4\nlayers = []\n[cost]\nname = "squared_error"\n',
      "layers", "no layers"),
    # ------------------------------------------------------------------ top-level keys
    C("inputs-string", L().replace("inputs = 4", 'inputs = "4"'), "inputs", "got '4'"),
    C("inputs-float", L().replace("inputs = 4", "inputs = 4.5"), "inputs", "got 4.5"),
    C("inputs-negative", L().replace("inputs = 4", "inputs = -1"), "inputs", "got -1"),
    C("inputs-missing", L().replace("inputs = 4\n", ""), "inputs", "missing `inputs`"),
    C("name-missing", L().replace('name = "bad"\n', ""), "name", "identifier", "got None"),
    C("name-not-string", L().replace('"bad"', "5"), "name", "identifier", "got 5"),
    C("name-with-space", L().replace('"bad"', '"my net"'), "name", "'my net'"),
    C("name-keyword", L().replace('"bad"', '"class"'), "name", "keyword", "'class'"),
    C("name-huge", L().replace('"bad"', '"' + "n" * 100_000 + '"'), "name", "64 characters"),
    C("description-not-string", L(top="description = 5\n"), "description", "text in quotes"),
    C("unknown-top-level-key", L(top='optimizer = "adam"\n'), "optimizer",
      "unknown key optimizer", "activations, cost"),
    C("empty-file", "", None, "empty", "seed.toml"),
    C("comment-only-file", "# nothing but a comment\n\n", None, "empty"),
    C("both-forms", L().replace("[cost]", "[equations]\nz1 = 'x'\n[cost]"), None,
      "both [[layers]] and [equations]"),
    C("neither-form", 'name = "bad"\ninputs = 4\n[cost]\nname = "squared_error"\n', None,
      "neither [[layers]] nor [equations]"),
    # ------------------------------------------------------------------ malformed TOML
    C("toml-open-string", 'name = "bad\ninputs = 4\n', "line 1, column 12", "not valid TOML"),
    C("toml-duplicate-key", 'name = "bad"\nname = "b"\n', "line 2, column 11", "not valid TOML"),
    C("toml-duplicate-table", L() + '[cost]\nname = "x"\n', "line 11, column 6", "twice"),
    C("toml-missing-equals", 'name = "bad"\ninputs 4\n', "line 2, column 8", "not valid TOML"),
    C("toml-bracket", 'name = "bad"\n[[layers]\n', "line 2, column 9", "']]'"),
    # ------------------------------------------------------------------ the cost
    C("cost-missing", L().split("[cost]")[0], "cost", "missing [cost]"),
    C("cost-not-a-table",
      L().split("[cost]")[0].replace("inputs = 4\n", 'inputs = 4\ncost = "x"\n'), "cost", "[cost]"),
    C("cost-unknown-name", L(cost='name = "hinge"'), "cost.name", "hinge", *sorted(COSTS)),
    C("cost-name-and-expr", L(cost='name = "squared_error"\nexpr = "(a - y)**2"'), "cost",
      "either by name or by expression"),
    C("cost-neither", L(cost="reduction = 'sum'"), "cost", "either by name or by expression"),
    C("cost-name-not-string", L(cost="name = 3"), "cost.name", "in quotes", "got 3"),
    C("reduction-unknown", L(cost='name = "squared_error"\nreduction = "max"'), "cost.reduction",
      "'max'", '"mean"', '"sum"'),
    C("reduction-not-string", L(cost='name = "squared_error"\nreduction = 1'), "cost.reduction",
      "got 1"),
    C("cost-unknown-key", L(cost='name = "squared_error"\nweight = 2'), "cost.weight",
      "unknown key weight", "expr, name, penalty, reduction"),
    C("cost-unknown-name-used", L(cost='expr = "(a - t)**2"'), "cost.expr",
      "`t` is not defined", "a, b1"),
    C("cost-ignores-network", L(cost='expr = "y**2"'), "cost.expr", "does not depend"),
    C("cost-expr-not-string", L(cost="expr = 3"), "cost.expr", "in a string", "int"),
    C("cost-abs", L(cost='expr = "abs(a - y)"'), "cost.expr", "abs() is not differentiable"),
    C("cost-shape-mismatch", E(cost='expr = "(A1 - y)**2"'), "cost.expr",
      "cannot subtract shapes (5, m) and (2, m)"),
    # ------------------------------------------------------------------ user activations
    C("activation-named-like-builtin", L(activations='relu = "z"\n'), "activations.relu",
      "built-in activation"),
    C("activation-named-like-function", L(activations='exp = "z"\n'), "activations.exp",
      "built-in function"),
    C("activation-named-like-param", L(act1='"W1"', activations='W1 = "z**2"\n'),
      "activations.W1", "`W1` is both an activation and a parameter"),
    C("activation-named-like-intermediate", L(act1='"A2"', activations='A2 = "z**2"\n'),
      "activations.A2", "`A2` is both an activation and a quantity computed by an equation"),
    C("activation-named-keyword", L(act1='"lambda"', activations='lambda = "z"\n'),
      "activations.lambda", "Python keyword"),
    C("activation-without-z", L(act1='"c"', activations='c = "2 + pi"\n'), "activations.c",
      "does not depend on z"),
    C("activation-z-cancels", L(act1='"c"', activations='c = "z*0"\n'), "activations.c",
      "does not depend on z"),
    C("activation-unknown-name", L(act1='"q"', activations='q = "a * z"\n'), "activations.q",
      "unknown name `a`", "z, pi and e"),
    C("activation-not-string", L(act1='"q"', activations="q = 3\n"), "activations.q",
      "in a string", "int"),
    C("activations-not-a-table", L(top='activations = "mish"\n'), "activations", "table"),
    C("activation-division-by-zero", L(act1='"q"', activations='q = "z / 0"\n'), "activations.q",
      "infinite or undefined"),
    C("activation-log-zero", L(act1='"q"', activations='q = "z + log(0)"\n'), "activations.q",
      "`log(0)` is infinite"),
    C("activation-complex", L(act1='"q"', activations='q = "z * sqrt(-1)"\n'), "activations.q",
      "not a real number"),
    C("activation-power-of-powers", L(act1='"q"', activations='q = "((z**8)**8)**8"\n'),
      "activations.q", "power 512"),
    C("activation-uses-softmax", L(act1='"q"', activations='q = "softmax(z)"\n'),
      "activations.q", "softmax", "last layer"),
    C("activation-max", L(act1='"q"', activations='q = "max(z, 0)"\n'), "activations.q",
      "max() is not differentiable", "relu"),
    C("activation-sign", L(act1='"q"', activations='q = "sign(z)"\n'), "activations.q",
      "sign() is not differentiable"),
    C("activation-function-not-whitelisted", L(act1='"q"', activations='q = "gamma(z)"\n'),
      "activations.q", "unknown function `gamma`", "tanh"),
    # ------------------------------------------------------------------ the equation graph
    C("undefined-name", E(A1="tanh(q1)"), "equations.A1", "`q1` is not defined", "W1, W2"),
    C("cycle", E(z1="W1 @ A1 + b1"), "equations", "A1, A2, z1, z2", "cycle"),
    C("self-cycle", E(A1="tanh(A1)"), "equations", "A1", "cycle"),
    C("shapes-matmul", E(z2="W1 @ A1 + b2"), "equations.z2",
      "cannot multiply (5, 4) @ (5, m)", "4 columns against 5 rows"),
    C("shapes-add", E(z2="W2 @ A1 + b1"), "equations.z2", "cannot add shapes (2, m) and (5, 1)"),
    C("param-not-reaching-cost", E(params=PARAMS + "W3 = [2, 2]\n"), "params.W3",
      "`W3` does not reach the cost"),
    C("param-shape-three", E(params=PARAMS.replace("[5, 4]", "[5, 4, 1]")), "params.W1",
      "[5, 4, 1]", "pair"),
    C("param-shape-zero", E(params=PARAMS.replace("[5, 4]", "[0, 4]")), "params.W1", "[0, 4]"),
    C("param-shape-string", E(params=PARAMS.replace("[5, 4]", '"5x4"')), "params.W1", "'5x4'"),
    C("param-shape-bool", E(params=PARAMS.replace("[5, 4]", "[true, 4]")), "params.W1",
      "[True, 4]"),
    C("param-shape-float", E(params=PARAMS.replace("[5, 4]", "[5.0, 4]")), "params.W1",
      "[5.0, 4]"),
    C("param-named-x", E(params=PARAMS + "x = [1, 1]\n"), "params.x", "reserved", "input"),
    C("param-named-keyword", E(z1="W1 @ x + lambda", params=PARAMS.replace("b1", "lambda")),
      "params.lambda", "Python keyword"),
    C("param-named-None", E(z1="W1 @ x + None", params=PARAMS.replace("b1", "None")),
      "params.None", "Python keyword"),
    C("param-named-function", E(params=PARAMS + "tanh = [1, 1]\n"), "params.tanh",
      "function name"),
    C("equation-named-keyword", E().replace("A1", "def"), "equations.def", "Python keyword"),
    C("equation-named-dunder", E().replace("A1", "__class__"), "equations.__class__", "letter"),
    C("equation-not-string", E().replace("z1 = 'W1 @ x + b1'", "z1 = 3"), "equations.z1",
      "in a string", "int"),
    C("equation-constant", E(A1="3"), "equations.A1", "constant"),
    C("equation-without-samples", E(A1="tanh(b1)"), "equations.A1", "(5, 1)", "per sample"),
    C("equation-empty", E(A1=""), "equations.A1", "empty expression"),
    C("equation-syntax", E(A1="tanh(z1"), "equations.A1", "column 5", "never closed"),
    C("outputs-mismatch", E().replace("outputs = 2", "outputs = 3"), "cost.expr",
      "(2, m) and (3, m)"),
    C("outputs-missing", E().replace("outputs = 2\n", ""), "outputs", "missing `outputs`"),
    C("params-not-a-table",
      E().replace("[params]\n" + PARAMS, "").replace("outputs = 2\n", "outputs = 2\nparams = 3\n"),
      "params", "[params] table", "int"),
    C("equations-not-a-table",
      'name = "bad"\ninputs = 4\noutputs = 2\nequations = "z1 = x"\n[cost]\nname = "x"\n',
      "equations", "[equations] table"),
    C("gradient-name-taken", E(more="dA2 = 'A2 * 1'\n", cost='expr = "(dA2 - y)**2"'),
      "equations", "`dA2`", "gradient"),
    C("param-and-equation", E(more="W1 = 'z1'\n"), "equations.W1",
      "both a parameter and an equation"),
    C("equation-table", E(more="[equations.sub]\nq = 'x'\n"), "equations.sub",
      "in a string", "dict"),
    # ------------------------------------------------------------------ hostile expressions
    C("attribute", H("z1.foo"), "equations.A1", "the attribute .foo is not allowed"),
    C("dunder-attribute", H("z1.__class__"), "equations.A1", "the attribute .__class__ is not"),
    C("lambda-call", H("(lambda q: q)(z1)"), "equations.A1", "plain function names"),
    C("lambda", H("lambda q: z1"), "equations.A1", "a lambda is not allowed"),
    C("list-comprehension", H("[q for q in z1]"), "equations.A1", "comprehension"),
    C("generator", H("tanh(q for q in z1)"), "equations.A1", "comprehension"),
    C("string-literal", H("'abc'"), "equations.A1", "the string 'abc'"),
    C("f-string", H("f'{z1}'"), "equations.A1", "f-string"),
    C("huge-exponent-tower", H("z1**10**10"), "equations.A1", "`10 ** 10` is not a plain number"),
    C("huge-exponent", H("z1**1e300"), "equations.A1", "larger than 64"),
    C("huge-negative-exponent", H("z1**-65"), "equations.A1", "larger than 64"),
    C("huge-number-tower", H("z1 * (((9**64)**64)**64)**64"), "equations.A1",
      "`(9 ** 64) ** 64` has about 3.91e+03 digits"),
    C("exponent-not-number", H("2**z1"), "equations.A1", "exponent `z1`"),
    C("infinite-literal", H("z1*1e999"), "equations.A1", "finite"),
    C("division-by-zero", H("z1 / (1 - 1)"), "equations.A1", "infinite or undefined"),
    C("complex-literal", H("z1*1j"), "equations.A1", "1j is not a number"),
    C("negative-fractional-power", H("z1 * (-8)**0.25"), "equations.A1", "not a real number"),
    C("log-of-negative", H("z1 * log(-2)"), "equations.A1", "not a real number"),
    C("long-string", H("z1 " * 40_000), "equations.A1", "120000 characters", "longer than 2000"),
    C("long-sum-no-recursion-error", H("+".join(["z1"] * 50_000)), "equations.A1",
      "longer than 2000"),
    C("deep-unary", H("-" * 500 + "z1"), "equations.A1", "nested more than 60"),
    C("deep-calls", H("tanh(" * 100 + "z1" + ")" * 100), "equations.A1", "nested more than 60"),
    C("deep-sum", H("+".join(["z1"] * 200)), "equations.A1", "nested more than 60"),
    C("deep-parens", H("(" * 300 + "z1" + ")" * 300), "equations.A1", "not a valid expression"),
    C("unicode-confusable-cyrillic", H("t\u0430nh(z1)"), "equations.A1",
      "CYRILLIC SMALL LETTER A", "column 2", "ASCII"),
    C("unicode-fullwidth-normalised", H("tanh(z\uff11)"), "equations.A1", "FULLWIDTH DIGIT ONE"),
    C("unicode-zero-width", H("z1\u200b"), "equations.A1", "ZERO WIDTH SPACE"),
    C("null-byte", E().replace("A1 = 'tanh(z1)'", 'A1 = "z1\\u0000"'), "equations.A1",
      "not a valid expression"),
    C("statement", H("z1; import os"), "equations.A1", "not a valid expression"),
    C("subscript", H("z1[0]"), "equations.A1", "indexes one row", "write it as a slice"),
    C("comparison", H("z1 > 0"), "equations.A1", "comparison"),
    C("if-else", H("z1 if z1 else z1"), "equations.A1", "if/else"),
    C("walrus", H("(q := z1)"), "equations.A1", "assignment"),
    C("modulo", H("z1 % 2"), "equations.A1", "operator Mod"),
    C("keyword-argument", H("tanh(z1, foo=1)"), "equations.A1", "positional"),
    C("starred-argument", H("tanh(*z1)"), "equations.A1", "positional"),
    C("two-arguments", H("tanh(z1, z1)"), "equations.A1", "exactly one argument"),
    C("abs", H("abs(z1)"), "equations.A1", "abs() is not differentiable"),
    C("floor", H("floor(z1)"), "equations.A1", "step function"),
    C("not-whitelisted", H("gamma(z1)"), "equations.A1", "unknown function", "gamma"),
    C("globals", H("globals()"), "equations.A1", "unknown function", "globals"),
    C("builtins", H("__builtins__"), "equations.A1", "`__builtins__` is not defined"),
    C("softmax-of-expression", H("softmax(z1 + 1)"), "equations.A1", "named quantity"),
    C("matmul-number", H("2 @ z1"), "equations.A1", "matrices on both sides"),
    # ------------------------------------------------------------------ layer kinds
    C("kind-unknown", K('kind = "batchnrom"'), "layers[1].kind",
      "unknown layer kind", "did you mean batchnorm", "dense, batchnorm, layernorm, dropout"),
    C("kind-not-string", K("kind = 3"), "layers[1].kind", "unknown layer kind 3"),
    C("kind-list", K('kind = ["dropout"]'), "layers[1].kind", "unknown layer kind"),
    C("kind-case", K('kind = "BatchNorm"'), "layers[1].kind", "did you mean batchnorm"),
    C("batchnorm-units", K('kind = "batchnorm"\nunits = 3'), "layers[1].units",
      "takes no units", "width of the layer before"),
    C("layernorm-units", K('kind = "layernorm"\nunits = 3'), "layers[1].units",
      "takes no units"),
    C("dropout-units", K('kind = "dropout"\nunits = 3'), "layers[1].units",
      "unknown key units", "kind, p"),
    C("dropout-activation", K('kind = "dropout"\nactivation = "relu"'),
      "layers[1].activation", "unknown key activation"),
    C("dense-eps", K("units = 3\neps = 1e-5"), "layers[1].eps",
      "unknown key eps for a dense layer"),
    C("batchnorm-p", K('kind = "batchnorm"\np = 0.5'), "layers[1].p", "unknown key p"),
    C("batchnorm-momentum", K('kind = "batchnorm"\nmomentum = 0.1'), "layers[1].momentum",
      "unknown key momentum"),
    C("dropout-p-one", K('kind = "dropout"\np = 1.0'), "layers[1].p", "[0, 1)", "p = 1.0"),
    C("dropout-p-negative", K('kind = "dropout"\np = -0.1'), "layers[1].p", "[0, 1)"),
    C("dropout-p-above-one", K('kind = "dropout"\np = 50'), "layers[1].p", "[0, 1)"),
    C("dropout-p-string", K('kind = "dropout"\np = "0.5"'), "layers[1].p",
      "expected a number", "'0.5'"),
    C("dropout-p-bool", K('kind = "dropout"\np = true'), "layers[1].p", "expected a number"),
    C("dropout-p-nan", K('kind = "dropout"\np = nan'), "layers[1].p", "expected a number"),
    C("eps-zero", K('kind = "batchnorm"\neps = 0'), "layers[1].eps", "greater than 0"),
    C("eps-negative", K('kind = "layernorm"\neps = -1e-5'), "layers[1].eps", "greater than 0"),
    C("eps-inf", K('kind = "batchnorm"\neps = inf'), "layers[1].eps", "expected a number"),
    C("eps-string", K('kind = "batchnorm"\neps = "1e-5"'), "layers[1].eps",
      "expected a number"),
    C("batchnorm-activation-unknown", K('kind = "batchnorm"\nactivation = "rleu"'),
      "layers[1].activation", "unknown activation", "did you mean relu"),
    C("batchnorm-activation-number", K('kind = "batchnorm"\nactivation = 1'),
      "layers[1].activation", "in quotes"),
    C("layernorm-one-unit", L(act2='"sigmoid"\n[[layers]]\nkind = "layernorm"'),
      "layers[2].kind", "single unit", "always gives 0"),
    # ------------------------------------------- matrix operations (.T, sums, means, m, penalty)
    C("transpose-does-not-fit", E(z1="W1 @ x.T + b1"), "equations.z1", "cannot multiply",
      "(5, 4) @ (m, 4)"),
    C("transpose-of-a-number", E(A1="tanh(z1) + (2).T"), "equations.A1", ".T of a number"),
    C("attribute-lowercase-t", E(A1="z1.t"), "equations.A1", "the attribute .t is not allowed",
      ".T (transpose)"),
    C("attribute-called", E(A1="z1.T()"), "equations.A1", "plain function names"),
    C("attribute-of-call", E(A1="tanh(z1).real"), "equations.A1", "the attribute .real"),
    C("transpose-beside-its-matrix", E(A1="z1 + z1.T"), "equations.A1", "cannot add shapes"),
    C("sum-units-of-a-scalar", E(A1="tanh(z1) + sum_units(sum(z1))"), "equations.A1",
      "sum_units() of a (1, 1)"),
    C("sum-samples-of-a-column", E(A1="tanh(z1) + sum_samples(sum_samples(z1))"),
      "equations.A1", "one sample only"),
    C("mean-of-a-number", E(A1="tanh(z1) + mean(3)"), "equations.A1", "mean() of a number"),
    C("sum-two-arguments", E(A1="sum(z1, z1)"), "equations.A1", "exactly one argument"),
    C("sum-axis-keyword", E(A1="sum(z1, axis=0)"), "equations.A1", "plain positional"),
    C("mean-units-unknown-name", E(A1="mean_units(q1)"), "equations.A1", "`q1` is not defined"),
    C("m-as-an-equation", E(more="m = 'A2 * 2'\n"), "equations.m", "is reserved",
      "number of samples"),
    C("m-as-a-parameter", E(params=PARAMS + "m = [1, 1]\n"), "params.m", "is reserved"),
    C("sum-units-as-a-name", E(more="sum_units = 'A2 * 2'\n"), "equations.sum_units",
      "is a function name"),
    C("m-matmul", E(A1="m @ z1"), "equations.A1", "@ needs matrices on both sides"),
    C("cost-summed-to-one-number", E(cost='expr = "sum((A2 - y)**2)"'), "cost",
      "the cost has shape (1, 1)"),
    C("penalty-no-parameter", L(cost='name = "squared_error"\npenalty = "0.5"'), "cost.penalty",
      "names no parameter"),
    C("penalty-not-one-number", L(cost='name = "squared_error"\npenalty = "0.01 * W1**2"'),
      "cost.penalty", "shape (3, 4), not (1, 1)", "sum it"),
    C("penalty-uses-the-data", L(cost='name = "squared_error"\npenalty = "sum(x)"'),
      "cost.penalty", "`x` is not defined", "W1"),
    C("penalty-uses-a-value", L(cost='name = "squared_error"\npenalty = "sum(A1)"'),
      "cost.penalty", "`A1` is not defined"),
    C("penalty-not-a-string", L(cost='name = "squared_error"\npenalty = 3'), "cost.penalty",
      "in a string"),
    C("penalty-attribute", L(cost='name = "squared_error"\npenalty = "sum(W1.data)"'),
      "cost.penalty", "the attribute .data"),
    C("penalty-unknown-function", L(cost='name = "squared_error"\npenalty = "norm(W1)"'),
      "cost.penalty", "unknown function", "sum"),
    C("penalty-not-differentiable", L(cost='name = "squared_error"\npenalty = "sum(abs(W1))"'),
      "cost.penalty", "abs() is not differentiable"),
]
# fmt: on


@pytest.mark.parametrize("text, key, needles", CASES)
def test_bad_spec_gets_a_clear_error(text, key, needles):
    with pytest.raises(DeriveError) as info:  # any other exception fails the test
        parse_spec(text, SOURCE)
    err = info.value
    assert err.where == (f"{SOURCE}: {key}" if key else SOURCE), str(err)
    message = str(err)
    assert message.startswith(err.where + ": ")
    for needle in needles:
        assert needle in message, f"{needle!r} not in:\n{message}"
    assert err.fix, f"no fix suggested:\n{message}"
    assert "Traceback" not in message
    assert len(message) < 700, f"message of {len(message)} characters"


# Each tries to leave a file behind; the parser must reject it before anything runs.
ATTACKS = [
    "__import__('os').system('touch {p}')",
    '__import__("os").system("touch {p}")',
    "exec(\"open('{p}', 'w')\")",
    "eval(\"__import__('os').system('touch {p}')\")",
    "open('{p}', 'w').write('x')",
    "getattr(__import__('os'), 'system')('touch {p}')",
    "[c for c in ().__class__.__subclasses__() if c.__name__ == 'Popen'][0](['touch', '{p}'])",
    "breakpoint() or __import__('os').system('touch {p}')",
    "tanh(z1) + __import__('os').system('touch {p}')",
]


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize("place", ["equation", "activation", "cost"])
def test_expressions_are_never_run(attack, place, tmp_path):
    sentinel = tmp_path / "pwned"
    expr = attack.replace("{p}", str(sentinel))
    quoted = expr.replace("\\", "\\\\").replace('"', '\\"')
    if place == "equation":
        text, key = hostile(expr), "equations.A1"
    elif place == "activation":
        text, key = (
            layer_spec(act1='"evil"', activations=f'evil = "{quoted}"\n'),
            "activations.evil",
        )
    else:
        text, key = layer_spec(cost=f'expr = "{quoted}"'), "cost.expr"
    with pytest.raises(DeriveError) as info:
        parse_spec(text, SOURCE)
    assert info.value.where == f"{SOURCE}: {key}"
    assert not sentinel.exists(), "an expression from the spec was executed"


# ------------------------------------------------------------------------ through files
def test_load_spec_names_the_file_and_key(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text(layer_spec(act1='"relux"'), encoding="utf-8")
    with pytest.raises(DeriveError) as info:
        load_spec(path)
    assert info.value.where == f"{path}: layers[0].activation"


def test_load_spec_hostile_file_runs_nothing(tmp_path):
    sentinel = tmp_path / "pwned"
    path = tmp_path / "evil.toml"
    path.write_text(hostile(f"__import__('os').system('touch {sentinel}')"), encoding="utf-8")
    with pytest.raises(DeriveError) as info:
        load_spec(path)
    assert info.value.where == f"{path}: equations.A1"
    assert not sentinel.exists()


def test_load_spec_malformed_toml_gives_line_and_column(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('name = "bad"\ninputs = 4\n[[layers]]\nunits = = 3\n', encoding="utf-8")
    with pytest.raises(DeriveError) as info:
        load_spec(path)
    assert info.value.where == f"{path}: line 4, column 9"
    assert "not valid TOML" in str(info.value) and info.value.fix


def test_load_spec_missing_file(tmp_path):
    with pytest.raises(DeriveError) as info:
        load_spec(tmp_path / "nope.toml")
    assert info.value.where == str(tmp_path / "nope.toml")
    assert "no such file" in str(info.value) and "seed.toml" in info.value.fix


def test_load_spec_directory(tmp_path):
    with pytest.raises(DeriveError) as info:
        load_spec(tmp_path)
    assert info.value.where == str(tmp_path) and "cannot read" in str(info.value)


def test_load_spec_device_and_huge_file(tmp_path):
    with pytest.raises(DeriveError, match="not a regular file"):
        load_spec("/dev/zero")  # would never end if read
    path = tmp_path / "huge.toml"
    path.write_text('name = "big"\n' + "# padding\n" * 200_000, encoding="utf-8")
    with pytest.raises(DeriveError, match="larger than 1 MB") as info:
        load_spec(path)
    assert info.value.where == str(path)


def test_load_spec_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "caf\u00e9"\n'.encode("latin-1"))
    with pytest.raises(DeriveError) as info:
        load_spec(path)
    assert info.value.where == str(path) and "UTF-8" in info.value.fix


def test_load_spec_accepts_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_text("\ufeff" + layer_spec(), encoding="utf-8")
    assert load_spec(path).name == "bad"


# ------------------------------------------------------------------------ the good stay good
@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.name)
def test_examples_still_load(path):
    net = load_spec(path)
    assert net.params and net.equations


def test_builders_used_by_the_cases_make_valid_specs():
    # The cases above differ from these in one piece each, so each error is that piece's.
    assert parse_spec(layer_spec(), SOURCE).layers is not None
    assert set(parse_spec(eq_spec(), SOURCE).params) == {"W1", "b1", "W2", "b2"}
    assert parse_spec(hostile("tanh(z1) + z1"), SOURCE).texts["A1"] == "tanh(z1) + z1"


def test_python_api_errors_name_the_key():
    with pytest.raises(DeriveError) as info:
        Network.from_layers("net", 4, [(3, "relu"), (1, "sigmoidd")])
    assert info.value.where == "<python>: layers[1].activation"
    assert "did you mean sigmoid" in str(info.value)
    with pytest.raises(DeriveError) as info:
        Network.from_layers("net", 0, [(3, "relu")])
    assert info.value.where == "<python>: inputs"
