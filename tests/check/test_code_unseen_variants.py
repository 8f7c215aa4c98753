"""Variants met in student code outside the code corpus (each file here written for the test):
a notebook cell exported without its numpy import, Python 2's ``xrange``, the 2015 CS231n
``two_layer_net(X, model, y, reg)`` importing its package by name, and a function given the
network object (``backprop(net, x, y)``, or ``self`` on a module-level function)."""

import json

import pytest

from derive.check.code.main import check_code
from derive.errors import DeriveError
from derive.resources import EXAMPLES

SEED = EXAMPLES / "seed.toml"  # 4-3-1, relu, sigmoid, squared error averaged over m

NO_IMPORT = """
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2, z1 = cache["A1"], cache["A2"], cache["z1"]
    dZ2 = 2 * (A2 - Y) * A2 * (1 - A2) / m
    dZ1 = np.dot(W2.T, dZ2) * (z1 > 0)
    grads = {"dW1": np.dot(dZ1, X.T), "db1": np.sum(dZ1, axis=1, keepdims=True)}
    for k in xrange(1):
        grads["dW2"] = np.dot(dZ2, A1.T)
    grads["db2"] = np.sum(dZ2, axis=1, keepdims=True)
    return grads
"""

PACKAGE_LAYERS = """
import numpy as np

def affine_backward(dout, x, w):
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)
"""

PACKAGE_NET = """
import numpy as np
from pkg.layers import affine_backward


def two_layer_net(X, model, y=None, reg=0.0):
    W1, b1, W2, b2 = model["W1"], model["b1"], model["W2"], model["b2"]
    z1 = X @ W1 + b1
    a1 = np.maximum(z1, 0)
    a2 = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    N = X.shape[0]
    loss = np.sum((a2 - y) ** 2) / N
    dz2 = 2 * (a2 - y) / N * a2 * (1 - a2)
    da1, dW2, db2 = affine_backward(dz2, a1, W2)
    _, dW1, db1 = affine_backward(da1 * (z1 > 0), X, W1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
"""


def verdicts(path, func, spec=SEED):
    out, code = check_code(f"{path}:{func}", spec, "json")
    return code, {r["gradient"]: r["verdict"] for r in json.loads(out)}


def test_numpy_and_xrange_a_notebook_or_python_2_left_undefined_are_supplied(tmp_path):
    path = tmp_path / "cell.py"
    path.write_text(NO_IMPORT)
    text, code = check_code(f"{path}:backward_propagation", SEED)
    assert code == 0, text
    assert "`import numpy as np` supplied" in text and "`xrange = range (Python 2)`" in text
    wrong = NO_IMPORT.replace("dZ1 = np.dot(W2.T, dZ2) * (z1 > 0)", "dZ1 = np.dot(W2.T, dZ2)")
    path.write_text(wrong)
    assert verdicts(path, "backward_propagation")[1] == {
        "dW1": "wrong", "db1": "wrong", "dW2": "correct", "db2": "correct"}  # fmt: skip


def test_a_file_inside_a_package_imports_its_package_and_model_is_the_params(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "classifiers").mkdir(parents=True)
    for init in (pkg / "__init__.py", pkg / "classifiers" / "__init__.py"):
        init.write_text("")
    (pkg / "layers.py").write_text(PACKAGE_LAYERS)
    path = pkg / "classifiers" / "net.py"
    path.write_text(PACKAGE_NET)
    code, res = verdicts(path, "two_layer_net")
    assert code == 0 and set(res.values()) == {"correct"}, res
    path.write_text(PACKAGE_NET.replace('"W2": dW2', '"W2": 2 * dW2'))
    assert verdicts(path, "two_layer_net")[1]["dW2"] == "wrong"


NET_FUNCTION = """
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def backprop(NAME, x, y):
    z1 = NAME.weights[0] @ x + NAME.biases[0]
    a1 = np.maximum(z1, 0)
    a2 = sigmoid(NAME.weights[1] @ a1 + NAME.biases[1])
    delta2 = NAME.cost_derivative(a2, y) * a2 * (1 - a2)
    delta1 = (NAME.weights[1].T @ delta2) * (z1 > 0)
    nabla_b, nabla_w = [delta1, delta2], [delta1 @ x.T, delta2 @ a1.T]
    for l in range(2, NAME.num_layers):
        pass
    return NAME, nabla_b, nabla_w
"""

# Nielsen's quadratic cost of one example, 1/2 ||a - y||^2: cost_derivative(a, y) = a - y
QUADRATIC = """
name = "quadratic"
inputs = 4

[[layers]]
units = 3
activation = "relu"

[[layers]]
units = 1
activation = "sigmoid"

[cost]
expr = "(A2 - y)**2 / 2"
reduction = "sum"
"""


def test_a_function_given_the_network_object_gets_one_made_by_derive(tmp_path):
    spec = tmp_path / "quadratic.toml"
    spec.write_text(QUADRATIC)
    for name in ("net", "self"):  # `self` on a function outside any class, too
        path = tmp_path / f"bp_{name}.py"
        path.write_text(NET_FUNCTION.replace("NAME", name))
        text, code = check_code(f"{path}:backprop", spec)
        assert code == 0, text
        assert f"backprop({name}=a network object derive makes" in text
        assert "one example at a time" in text
        path.write_text(NET_FUNCTION.replace("NAME", name).replace("* (z1 > 0)", ""))
        assert verdicts(path, "backprop", spec)[1] == {
            "dW1": "wrong", "db1": "wrong", "dW2": "correct", "db2": "correct"}  # fmt: skip


CACHES = """
import numpy as np


def sigmoid_backward(dA, Z):
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    m = AL.shape[1]
    dAL = 2 * (AL - Y) / m
    (A_prev, W, b), Z = caches[-1]
    dZ = sigmoid_backward(dAL, Z)
    grads["dW" + str(L)], grads["db" + str(L)] = dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)
    dA = W.T @ dZ
    for l in reversed(range(L - 1)):
        (A_prev, W, b), Z = caches[l]
        dZ = dA * (Z > 0)
        grads["dW" + str(l + 1)] = dZ @ A_prev.T
        grads["db" + str(l + 1)] = dZ.sum(axis=1, keepdims=True)
        dA = W.T @ dZ
    return grads
"""


def test_the_output_layers_whole_line_in_the_hidden_loop_is_named(tmp_path):
    path = tmp_path / "dnn.py"
    path.write_text(CACHES)
    assert verdicts(path, "L_model_backward")[0] == 0
    path.write_text(CACHES.replace("dZ = dA * (Z > 0)", "dZ = sigmoid_backward(dAL, Z)"))
    out, code = check_code(f"{path}:L_model_backward", SEED, "json")
    res = {r["gradient"]: r for r in json.loads(out)}
    assert {g: r["verdict"] for g, r in res.items()} == {
        "dW1": "wrong", "db1": "wrong", "dW2": "correct", "db2": "correct"}  # fmt: skip
    assert res["dW1"]["diagnosis"] == "output_line"
    assert "dA2*sigmoid'(z1) is used where dA1*relu'(z1) belongs" in res["dW1"]["message"]


UPDATING_CLASS = """
import numpy as np


class Net:
    def __init__(self, input_size, hidden_size, output_size):
        self.W1 = np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))

    def forward(self, X):
        self.z1 = X @ self.W1 + self.b1
        self.a1 = np.maximum(self.z1, 0)
        self.a2 = 1 / (1 + np.exp(-(self.a1 @ self.W2 + self.b2)))
        return self.a2

    def backward(self, X, y, output):
        delta2 = 2 * (y - output) / X.shape[0] * output * (1 - output)
        delta1 = delta2 @ self.W2.T * (self.z1 > 0)
        self.W2 += self.a1.T @ delta2
        self.b2 += np.sum(delta2, axis=0, keepdims=True)
        self.W1 += X.T @ delta1
        self.b1 += np.sum(delta1, axis=0, keepdims=True)
"""


def test_a_method_that_needs_forward_first_and_updates_in_place(tmp_path):
    path = tmp_path / "updating.py"
    path.write_text(UPDATING_CLASS)
    text, code = check_code(f"{path}:Net.backward", SEED)
    assert code == 0, text
    assert "calls forward(X) first" in text and "W -= lr * dW with lr = 1" in text
    path.write_text(UPDATING_CLASS.replace("self.W1 += X.T @ delta1", "self.W1 += X.T @ delta2"))
    assert verdicts(path, "Net.backward")[1]["dW1"] == "wrong"
    with_lr = UPDATING_CLASS.replace("output):", "output, learning_rate):").replace(
        "self.W2 +=", "self.W2 += learning_rate *"
    )
    path.write_text(with_lr)
    text, code = check_code(f"{path}:Net.backward", SEED)
    assert code == 0 and "(derive passes 1)" in text, text


# One function per gradient, named for it, on X, Z (hidden activation), Y (output), T (targets)
# with samples as rows; the file's training adds them to the weights: gradient ascent.
PER_GRADIENT = """
import numpy as np


def forward(X, W1, b1, W2, b2):
    Z = np.tanh(X @ W1 + b1)
    e = np.exp(Z @ W2 + b2)
    return e / e.sum(axis=1, keepdims=True), Z


def derivative_w2(Z, T, Y):
    return Z.T @ (T - Y)


def derivative_b1(T, Y, W2, Z):
    return ((T - Y) @ W2.T * (1 - Z * Z)).sum(axis=0)


def train(X, T, W1, b1, W2, b2, lr):
    for _ in range(10):
        Y, Z = forward(X, W1, b1, W2, b2)
        W2 SIGN= lr * derivative_w2(Z, T, Y)
        b1 SIGN= lr * derivative_b1(T, Y, W2, Z)


train(np.zeros((4, 2)), np.eye(3)[[0, 1, 2, 0]], *([None] * 4), 0.1)
"""

SOFTMAX = """
name = "softmax"
inputs = 2

[[layers]]
units = 3
activation = "tanh"

[[layers]]
units = 3
activation = "softmax"

[cost]
name = "cross_entropy"
reduction = "sum"
"""


def test_a_function_per_gradient_on_X_Z_Y_T_with_gradient_ascent(tmp_path):
    spec = tmp_path / "softmax.toml"
    spec.write_text(SOFTMAX)
    path = tmp_path / "lazy.py"
    path.write_text(PER_GRADIENT.replace("SIGN", "+"))
    for func, grad in (("derivative_w2", "dW2"), ("derivative_b1", "db1")):
        text, code = check_code(f"{path}:{func}", spec)
        assert code == 0, text
        assert f"returns one gradient, {grad}" in text and "gradient ascent" in text
        assert verdicts(path, func, spec)[1] == {grad: "correct"}
    # descending with the log-likelihood's gradient is a real sign mistake
    path.write_text(PER_GRADIENT.replace("SIGN", "-"))
    assert verdicts(path, "derivative_w2", spec)[1] == {"dW2": "wrong"}
    path.write_text(PER_GRADIENT.replace("SIGN", "+").replace("(1 - Z * Z)", "(1 - Z)"))
    assert verdicts(path, "derivative_b1", spec)[1] == {"db1": "wrong"}


def test_python_2_print_statements_outside_the_function_are_read_as_calls(tmp_path):
    path = tmp_path / "py2.py"
    path.write_text(
        NO_IMPORT
        + "\n\ndef train(n):\n    for i in xrange(n):\n        print 'step %d' % i,\n"
        + "print 'loaded'\n"
    )
    text, code = check_code(f"{path}:backward_propagation", SEED)
    assert code == 0, text
    assert "Python 2 print statements read as print(...): line 17, 18" in text
    path.write_text(NO_IMPORT + "\n\ndef broken(:\n    pass\n")  # a real syntax error stays one
    with pytest.raises(DeriveError, match="SyntaxError"):
        check_code(f"{path}:backward_propagation", SEED)
