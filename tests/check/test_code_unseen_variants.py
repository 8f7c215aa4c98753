"""Variants met in student code outside the code corpus (each file here written for the test):
a notebook cell exported without its numpy import, Python 2's ``xrange``, the 2015 CS231n
``two_layer_net(X, model, y, reg)`` importing its package by name, and a function given the
network object (``backprop(net, x, y)``, or ``self`` on a module-level function)."""

import json

from derive.check.code.main import check_code
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
