"""`derive check FILE.py:FUNC` on code written for a course's interface rather than derive's
convention: a class holding ``self.params`` with samples as rows and flat biases, Nielsen's
per-example ``backprop`` on lists by layer, deeplearning.ai's ``caches``, module globals; and
a file whose top level loads data, trains and plots, which importing must not run. Each file
here is written for the seed network (4-3-1, relu, sigmoid, squared error averaged over m);
the real course code is in the code corpus (test_code_corpus.py)."""

import json
from pathlib import Path

import pytest

from derive.check.code.main import check_code
from derive.resources import EXAMPLES

SEED = EXAMPLES / "seed.toml"

ROWS_CLASS = """
import numpy as np
import matplotlib_not_installed_here as plt
from course_utils_not_installed import load_dataset

X_train, Y_train = load_dataset()
m = X_train.shape[1]


class Net:
    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        self.params = {"W1": std * np.random.randn(input_size, hidden_size),
                       "b1": np.zeros(hidden_size),
                       "W2": std * np.random.randn(hidden_size, output_size),
                       "b2": np.zeros(output_size)}

    def loss(self, X, y):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        N = X.shape[0]
        z1 = X @ W1 + b1
        A1 = np.maximum(z1, 0)
        A2 = 1 / (1 + np.exp(-(A1 @ W2 + b2)))
        loss = np.sum((A2 - y) ** 2) / N
        dz2 = 2 * (A2 - y) / N * A2 * (1 - A2)
        dz1 = dz2 @ W2.T * (z1 > 0)
        return loss, {"W2": A1.T @ dz2, "b2": dz2.sum(axis=0) SCALE,
                      "W1": X.T @ dz1, "b1": dz1.sum(axis=0)}


net = Net(4, 3, 1)
for epoch in range(10 ** 9):
    net.loss(X_train, Y_train)
plt.plot([1, 2])
"""

NIELSEN = """
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


class Network:
    def __init__(self, sizes):
        self.weights = [np.random.randn(y, x) for x, y in zip(sizes[:-1], sizes[1:])]
        self.biases = [np.random.randn(y, 1) for y in sizes[1:]]

    def backprop(self, x, y):
        z1 = self.weights[0] @ x + self.biases[0]
        a1 = np.maximum(z1, 0)
        a2 = sigmoid(self.weights[1] @ a1 + self.biases[1])
        delta2 = 2 * (a2 - y) * a2 * (1 - a2)
        delta1 = (self.weights[1].T @ delta2) * (z1 > 0)
        return [delta1, delta2], [delta1 @ x.T, delta2 @ a1.T]
"""

CACHES = """
import numpy as np


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    m = AL.shape[1]
    dA = 2 * (AL - Y) / m
    for l in reversed(range(L)):
        (A_prev, W, b), Z = caches[l]
        if l == L - 1:
            s = 1 / (1 + np.exp(-Z))
            dZ = dA * s * (1 - s)
        else:
            dZ = dA * (Z > 0)
        grads["dW" + str(l + 1)] = dZ @ A_prev.T
        grads["db" + str(l + 1)] = np.sum(dZ, axis=1, keepdims=True)
        dA = W.T @ dZ
    return grads
"""

GLOBALS = """
import numpy as np
np.random.seed(0)
w1 = np.random.randn(3, 4)
b1 = np.zeros((3, 1))
w2 = np.random.randn(1, 3)
b2 = np.zeros((1, 1))


def backward(X, Y, z1, A1, A2):
    m = X.shape[1]
    dz2 = 2 * (A2 - Y) / m * A2 * (1 - A2)
    dz1 = (w2.T @ dz2) * (z1 > 0)
    return dz1 @ X.T, dz1.sum(axis=1, keepdims=True), dz2 @ A1.T, dz2.sum(axis=1, keepdims=True)
"""


def run(tmp_path, source, target, spec=SEED):
    path = tmp_path / f"{target.split(':')[0]}"
    path.write_text(source)
    text, code = check_code(f"{path}:{target.split(':')[1]}", spec)
    out, _ = check_code(f"{path}:{target.split(':')[1]}", spec, "json")
    return code, text, {r["gradient"]: r for r in json.loads(out)}


def test_a_class_with_params_in_rows_and_a_script_around_it(tmp_path):
    code, text, res = run(tmp_path, ROWS_CLASS.replace(" SCALE", ""), "net.py:Net.loss")
    assert code == 0, text
    assert "Net(input_size=4, hidden_size=3, output_size=1).loss(X=X, y=Y); samples as rows" in text
    # the import ran none of the script: no data loading, training loop or plot
    assert "matplotlib_not_installed_here` is not installed here: plt stubbed" in text
    assert "line 6: X_train, Y_train = load_dataset() (calls load_dataset)" in text
    assert "it uses X_train, which a skipped line makes" in text
    assert "top-level for statement" in text


def test_a_class_in_rows_with_a_bug_is_judged_in_its_layout(tmp_path):
    code, text, res = run(tmp_path, ROWS_CLASS.replace(" SCALE", " * N"), "net.py:Net.loss")
    assert code == 1
    assert {g: r["verdict"] for g, r in res.items()} == {
        "dW1": "correct", "db1": "correct", "dW2": "correct", "db2": "wrong"}  # fmt: skip
    assert res["db2"]["diagnosis"] == "missing_1_over_m"


def test_nielsen_backprop_is_checked_one_example_at_a_time(tmp_path):
    code, text, res = run(tmp_path, NIELSEN, "nielsen.py:Network.backprop")
    assert code == 0, text
    assert "one example at a time (checked at m = 1 only)" in text
    assert "handles one example at a time" in text
    assert "m = 1, 1, 1" in text


def test_deeplearning_ai_caches(tmp_path):
    code, text, res = run(tmp_path, CACHES, "dnn.py:L_model_backward")
    assert code == 0, text
    assert "caches=[((A_prev, W, b), z) per layer]" in text
    wrong = CACHES.replace("dA = 2 * (AL - Y) / m", "dA = 2 * (AL - Y)")
    code, text, res = run(tmp_path, wrong, "dnn.py:L_model_backward")
    assert {r["diagnosis"] for r in res.values()} == {"missing_1_over_m"}


def test_module_globals_are_set_to_the_drawn_parameters(tmp_path):
    code, text, res = run(tmp_path, GLOBALS, "mlp.py:backward")
    assert code == 0, text
    assert "sets the module's w2 to W2 first (backward reads it)" in text


@pytest.mark.parametrize("penalty,reg", [("0.05", "0.05"), ("0.025", "0.05")])
def test_reg_is_read_from_the_penalty_and_the_returned_loss(tmp_path, penalty, reg):
    # reg * sum(W*W) or 0.5 * reg * sum(W*W): the reading whose loss is the spec's
    half = "0.5 * " if penalty == "0.025" else ""
    src = ROWS_CLASS.replace(" SCALE", "").replace(
        "def loss(self, X, y):", "def loss(self, X, y, reg=0.0):"
    )
    src = src.replace(
        "loss = np.sum((A2 - y) ** 2) / N",
        f"loss = np.sum((A2 - y) ** 2) / N + {half}reg * (np.sum(W1 * W1) + np.sum(W2 * W2))",
    )
    src = src.replace('"W2": A1.T @ dz2,', f'"W2": A1.T @ dz2 + {"" if half else "2 * "}reg * W2,')
    src = src.replace('"W1": X.T @ dz1,', f'"W1": X.T @ dz1 + {"" if half else "2 * "}reg * W1,')
    spec = tmp_path / "seed_reg.toml"
    spec.write_text(SEED.read_text() + f'\npenalty = "{penalty} * (sum(W1**2) + sum(W2**2))"\n')
    code, text, res = run(tmp_path, src, "net.py:Net.loss", spec)
    assert code == 0, text
    assert f"reg = {reg}" in text
    assert f"plus the penalty {penalty} * (sum(W1**2) + sum(W2**2))" in text


LAYER = """
import numpy as np


def linear_activation_backward(dA, cache, activation):
    (A_prev, W, b), Z = cache
    m = A_prev.shape[1]
    if activation == "relu":
        dZ = dA * (Z > 0)
    elif activation == "sigmoid":
        s = 1 / (1 + np.exp(-Z))
        dZ = dA * s * (1 - s)
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=1, keepdims=True) / m
"""


def test_the_course_layer_function_is_called_for_each_layer(tmp_path):
    code, text, res = run(tmp_path, LAYER, "layer.py:linear_activation_backward")
    assert code == 0, text
    wrong = LAYER.replace("dZ = dA * (Z > 0)", "dZ = dA * Z")
    code, text, res = run(tmp_path, wrong, "layer.py:linear_activation_backward")
    assert {g: r["verdict"] for g, r in res.items()} == {
        "dW1": "wrong", "db1": "wrong", "dW2": "correct", "db2": "correct"}  # fmt: skip
    assert "z1 is used where the derivative relu'(z1) belongs" in res["dW1"]["message"]


def test_the_output_layers_line_copied_into_the_hidden_loop_is_named(tmp_path):
    wrong = CACHES.replace("        if l == L - 1:\n", "        if True:\n")  # sigmoid' for all
    code, text, res = run(tmp_path, wrong, "dnn.py:L_model_backward")
    assert {g: r["verdict"] for g, r in res.items()} == {
        "dW1": "wrong", "db1": "wrong", "dW2": "correct", "db2": "correct"}  # fmt: skip
    assert res["dW1"]["diagnosis"] == "other_derivative"
    assert "sigmoid'(z1) is used where relu'(z1) belongs" in res["dW1"]["message"]


def test_the_sample_count_used_as_the_layer_count_is_named(tmp_path):
    wrong = CACHES.replace("L = len(caches)", "L = AL.shape[1]")
    code, text, res = run(tmp_path, wrong, "dnn.py:L_model_backward")
    assert code == 1
    assert {r["diagnosis"] for r in res.values()} == {"layer_count"}
    assert "`L = AL.shape[1]` takes the number of layers from an array's shape" in text


ATTRIBUTES = """
import numpy as np


class MLP:
    def __init__(self, n_x, n_h, n_y):
        self.W1 = np.random.randn(n_h, n_x)
        self.b1 = np.zeros((n_h, 1))
        self.W2 = np.random.randn(n_y, n_h)
        self.b2 = np.zeros((n_y, 1))

    def backward(self, X, Y):
        m = X.shape[1]
        z1 = self.W1 @ X + self.b1
        A1 = np.maximum(z1, 0)
        A2 = 1 / (1 + np.exp(-(self.W2 @ A1 + self.b2)))
        dz2 = 2 * (A2 - Y) / m * A2 * (1 - A2)
        dz1 = (self.W2.T @ dz2) * (z1 > 0)
        self.dW1, self.db1 = dz1 @ X.T, dz1.sum(axis=1, keepdims=True)
        self.dW2, self.db2 = dz2 @ A1.T, dz2.sum(axis=1, keepdims=True)
"""


def test_a_class_with_W1_attributes_storing_its_gradients(tmp_path):
    code, text, res = run(tmp_path, ATTRIBUTES, "mlp.py:MLP.backward")
    assert code == 0, text
    assert "MLP(n_x=4, n_h=3, n_y=1).backward(X=X, Y=Y); samples as columns" in text


def test_globals_a_data_script_would_make_are_set(tmp_path):
    # m comes from the data-loading line, which importing skips
    src = GLOBALS.replace("    m = X.shape[1]\n", "").replace(
        "np.random.seed(0)\n",
        "np.random.seed(0)\nX_all = np.load('data.npy')\nm = X_all.shape[1]\n",
    )
    code, text, res = run(tmp_path, src, "mlp.py:backward")
    assert code == 0, text
    assert "sets the module's m to m, w2 to W2 first (backward reads them)" in text
    assert "not run on import: line 4: X_all = np.load('data.npy') (calls np.load)" in text


@pytest.mark.parametrize(
    "ret",
    [
        "return loss, [dW1, db1, dW2, db2]",  # the loss, then a list
        "return dW2, db2, dW1, db1",  # the output layer first
        "return [db1, db2], [dW1, dW2]",  # Nielsen's (nabla_b, nabla_w)
    ],
)
def test_returns_read_by_shape_in_the_plain_convention(tmp_path, ret):
    src = (
        "import numpy as np\n\n\ndef backward(X, Y, W1, b1, W2, b2):\n"
        "    m = X.shape[1]\n    z1 = W1 @ X + b1\n    A1 = np.maximum(z1, 0)\n"
        "    A2 = 1 / (1 + np.exp(-(W2 @ A1 + b2)))\n    loss = np.sum((A2 - Y) ** 2) / m\n"
        "    dz2 = 2 * (A2 - Y) / m * A2 * (1 - A2)\n    dz1 = (W2.T @ dz2) * (z1 > 0)\n"
        "    dW1, db1 = dz1 @ X.T, dz1.sum(axis=1, keepdims=True)\n"
        "    dW2, db2 = dz2 @ A1.T, dz2.sum(axis=1, keepdims=True)\n    " + ret + "\n"
    )
    code, text, res = run(tmp_path, src, "mine.py:backward")
    assert code == 0, text


ROWS_FUNCTION = """
import numpy as np


def backward(X, Y, W1, b1, W2, b2):  # samples as rows, W (in, out), b (1, out)
    m = X.shape[0]
    z1 = X @ W1 + b1
    A1 = np.maximum(z1, 0)
    A2 = 1 / (1 + np.exp(-(A1 @ W2 + b2)))
    dz2 = 2 * (A2 - Y) / m * A2 * (1 - A2)
    dz1 = dz2 @ W2.T * (z1 > 0)
    return {"dW1": X.T @ dz1, "db1": dz1.sum(axis=0, keepdims=True),
            "dW2": A1.T @ dz2, "db2": dz2.sum(axis=0, keepdims=True)}
"""

COURSE2 = """
import numpy as np


def backward_propagation_n(X, Y, cache):
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2) = cache
    dZ2 = 2 * (A2 - Y) * A2 * (1 - A2)
    dW2 = 1. / m * np.dot(dZ2, A1.T)
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1, X.T)
    db1 = 4. / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}
"""


def test_the_convention_failing_tries_the_readings(tmp_path):
    code, text, res = run(tmp_path, ROWS_FUNCTION, "rows.py:backward")
    assert code == 0, text
    assert "with derive's convention (samples as columns) it raised ValueError" in text
    assert "samples as rows: X (m, 4)" in text


def test_deeplearning_ai_course_2_cache_tuple(tmp_path):
    code, text, res = run(tmp_path, COURSE2, "gc.py:backward_propagation_n")
    assert "cache = (Z1, A1, W1, b1, Z2, ...)" in text
    assert {g: r["verdict"] for g, r in res.items()} == {
        "dW1": "correct", "db1": "wrong", "dW2": "correct", "db2": "correct"}  # fmt: skip
    assert "found = 4 times the derived db1" in res["db1"]["message"]  # the course's own bug


def test_the_students_helper_files_are_imported_without_their_scripts(tmp_path):
    helper = (
        "import numpy as np\nimport matplotlib_not_installed_here.pyplot as plt\n\n\n"
        "def relu_prime(z):\n    return (z > 0).astype(float)\n\n\nplt.plot([1, 2])\n"
    )
    (tmp_path / "helpers_for_i26.py").write_text(helper)
    src = (Path(__file__).parent / "students" / "correct.py").read_text()
    src = src.replace("def relu_prime(z):\n    return (z > 0).astype(float)\n", "")
    src = src.replace(
        "import numpy as np\n", "import numpy as np\nfrom helpers_for_i26 import relu_prime\n"
    )
    code, text, res = run(tmp_path, src, "mine.py:backward")
    assert code == 0, text
    assert "helpers_for_i26.py line 9: plt.plot([1, 2]) (calls plt.plot)" in text


def test_the_batch_sum_is_said_to_be_the_other_reduction(tmp_path):
    wrong = CACHES.replace("dA = 2 * (AL - Y) / m", "dA = 2 * (AL - Y)")
    code, text, res = run(tmp_path, wrong, "dnn.py:L_model_backward")
    assert "every gradient is the batch's sum" in text and 'reduction = "sum"' in text


def test_a_flat_bias_gradient_for_a_column_bias_stays_wrong(tmp_path):
    # db (3,) for b1 (3, 1): b1 - lr*db1 is (3, 3); in rows, (n,) for a (1, n) bias is fine
    wrong = CACHES.replace("np.sum(dZ, axis=1, keepdims=True)", "np.sum(dZ, axis=1)")
    code, text, res = run(tmp_path, wrong, "dnn.py:L_model_backward")
    assert res["db1"]["verdict"] == "wrong" and res["db1"]["diagnosis"] == "shape"
    assert res["db2"]["verdict"] == "correct"  # (1,) for (1, 1): harmless


def test_square_weights_in_rows_are_transposed_too(tmp_path):
    # 4-4-1: W1 is square, its orientation told by W2 (in, out) and the layout
    spec = tmp_path / "square.toml"
    spec.write_text(SEED.read_text().replace("units = 3", "units = 4"))
    code, text, res = run(tmp_path, ROWS_FUNCTION, "rows.py:backward", spec)
    assert code == 0, text
    src = ROWS_CLASS.replace(" SCALE", "")
    code, text, res = run(tmp_path, src, "net.py:Net.loss", spec)
    assert code == 0, text


LAYER_OBJECTS = """
import numpy as np


class Dense:
    def __init__(self, n_in, n_out, activation):
        self.W = np.random.randn(n_out, n_in) * 0.1
        self.b = np.zeros((n_out, 1))
        self.activation = activation


class MLP:
    def __init__(self, sizes):
        self.layers = [Dense(sizes[0], sizes[1], "relu"), Dense(sizes[1], sizes[2], "sigmoid")]

    def backward(self, X, Y):
        m = X.shape[1]
        h, o = self.layers
        z1 = h.W @ X + h.b
        A1 = np.maximum(z1, 0)
        A2 = 1 / (1 + np.exp(-(o.W @ A1 + o.b)))
        dz2 = 2 * (A2 - Y) / m * A2 * (1 - A2)
        dz1 = (o.W.T @ dz2) * (z1 > 0)
        h.dW, h.db = dz1 @ X.T, dz1.sum(axis=1, keepdims=True)
        o.dW, o.db = dz2 @ A1.T, dz2.sum(axis=1, keepdims=True)
"""


def test_a_class_holding_layer_objects(tmp_path):
    code, text, res = run(tmp_path, LAYER_OBJECTS, "mlp.py:MLP.backward")
    assert code == 0, text
    assert "MLP(sizes=[4, 3, 1]).backward(X=X, Y=Y)" in text
