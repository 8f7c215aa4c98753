"""Formulas written without LaTeX (issue 22): students' summaries of Ng's course in plain lines
and code fences (``dz[2] = a[2] - y``, ``dW[2] = 1/m dZ[2]A[1]'``, ``np.dot``, ``.*``,
``np.sum(dZ, axis=1, keepdims=True)``, ``d/da l(a,y)``). Every note here is written from scratch
in that notation; the real notes it was learnt from stay out of the project."""

from __future__ import annotations

from derive.check.notes import plaintext
from derive.check.notes.read import read_notes

from .test_notes import verdict_by_line

# ---------------------------------------------------------------------- one line


def test_layers_transposes_and_products_become_the_grammars_latex():
    matlab = plaintext.Style()
    assert plaintext.to_latex("dz[2] = a[2] - y") == "dz^{[2]} = a^{[2]} - y"
    assert plaintext.to_latex("dW[2] = 1/m dZ[2]A[1]'") == "dW^{[2]} = 1 / m dZ^{[2]} A^{[1]T}"
    assert (
        plaintext.to_latex("dz[1] = W[2]' * dz[2] .* g[1]'(z[1])", matlab)
        == r"dz^{[1]} = W^{[2]T} \cdot dz^{[2]} \odot g^{[1]'}(z^{[1]})"
    )
    assert (
        plaintext.to_latex("dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))")
        == r"dZ^{[1]} = (W^{[2]T}) (dZ^{[2]}) \cdot (1 - (A^{[1]})^{2})"
    )
    assert (
        plaintext.to_latex("db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)")
        == r"db^{[1]} = 1 / m \cdot np.sum(dZ^{[1]}, axis=1, keepdims=True)"
    )
    assert plaintext.to_latex("dZ1 = W2ᵀ · dZ2 ⊙ ReLU′(Z1)") == (
        r"dZ^{[1]} = W^{[2]T} \cdot dZ^{[2]} \odot ReLU'(Z^{[1]})"
    )
    assert plaintext.to_latex("dl/dz = dl/da * da/dz") == (
        r"\frac{dl}{dz} = \frac{dl}{da} \cdot \frac{da}{dz}"
    )
    assert plaintext.to_latex("d/da l(a,y) = -y/a + (1-y)/(1-a)") == (
        r"\frac{d}{da} l(a, y) = - y / a + (1 - y) / (1 - a)"
    )
    assert plaintext.to_latex("z = w'x + b") == "z = w^{T} x + b"


def test_what_is_not_this_notation_is_not_read():
    assert plaintext.to_latex("y' = sigmoid(z)") is None  # y' may be a prediction
    assert plaintext.to_latex("W1 = W1 - learning_rate * dW1") is None
    assert plaintext.to_latex("cost = -np.sum(Y)") is None
    assert plaintext.to_latex("a, b = f(x)") is None
    assert plaintext.to_latex("A[i] = G[i](Z[i])") is None  # a function or a product?
    assert plaintext.to_latex("if dZ == 0") is None
    assert plaintext.to_latex("dB[2] += dZ[2] * (1/m)") is None  # a program's accumulation
    # x between batch matrices may be a times sign, not the input
    assert plaintext.to_latex("dZ[1] = W[2].T dZ[2] x g[1]'(Z[1])") is None
    assert plaintext.to_latex("z[1] = W[1] x + b[1]") == "z^{[1]} = W^{[1]} x + b^{[1]}"


def test_a_fence_is_math_only_when_every_line_is_a_formula():
    assert plaintext.fence_is_math("dZ[2] = A[2] - Y\ndW[2] = 1/m dZ[2]A[1]'\n")
    program = "import numpy as np\ndZ2 = A2 - Y\nprint(dZ2)\n"
    assert not plaintext.fence_is_math(program, "python")
    assert not plaintext.fence_is_math("dZ = A - Y\ndZ = dZ * 2\n")  # a variable reassigned
    assert not plaintext.fence_is_math("dZ2 = A2 - Y\nW2 -= lr * dW2\n")
    assert not plaintext.fence_is_math("dZ2 = A2 - Y\n", "javascript")
    assert not plaintext.fence_is_math("def f(x):\n    z = w x\n", "python")


def test_prose_arrows_bullets_and_bold_around_a_formula():
    style = plaintext.Style(general="i")
    assert plaintext.formulas("__dW[i]__: L(i) * L(i-1). dW[i] = dot(dZ[i], A[i-1].T) / m", style)[
        0
    ][1] == ("dW^{[l]} = (dZ^{[l]}) (A^{[l-1]T}) / m")
    parts = plaintext.formulas("w-> z = w'x+b -> a = sigmoid(z) -> l(a,y)")
    assert [tex for _, tex in parts] == ["z = w^{T} x + b", "a = sigmoid(z)"]
    assert plaintext.formulas("- __dZ[2]__ = A[2] - Y")[0][1] == "dZ^{[2]} = A^{[2]} - Y"


# ---------------------------------------------------------------------- whole notes
MATLAB_NOTE = """# Shallow network, vectorised

x    \\
W[1] -> z[1] = W[1] x + b[1] -> a[1] = sigmoid(z[1]) ->
b[1] /

W[2] -> z[2] = W[2] a[1] + b[2] -> a[2] = sigmoid(z[2]) -> l(a[2], y)

```
dZ[2] = A[2] - Y
dW[2] = 1/m dZ[2]A[1]'
db[2] = np.sum(dZ[2], axis=1, keepdims=True) / m
dZ[1] = W[2]' dZ[2] .* g[1]'(Z[1])
dW[1] = 1/m dZ[1] X'
db[1] = 1/m np.sum(dZ[1], axis=1, keepdims=True)
```
"""


def test_a_matlab_style_fence_is_judged():
    v = verdict_by_line(MATLAB_NOTE)
    assert [v.get(k) for k in range(10, 16)] == ["correct"] * 6, v


def test_a_matlab_style_fence_with_mistakes_is_caught():
    wrong = (
        MATLAB_NOTE.replace("dW[2] = 1/m dZ[2]A[1]'", "dW[2] = 1/m dZ[2]A[2]'")  # layer 2's A
        .replace("dZ[1] = W[2]' dZ[2] .* g[1]'(Z[1])", "dZ[1] = W[2]' dZ[2]")  # no g'
        .replace("dW[1] = 1/m dZ[1] X'", "dW[1] = dZ[1] X'")  # no 1/m
    )
    v = verdict_by_line(wrong)
    assert v.get(10) == "correct" and v.get(12) == "correct" and v.get(15) == "correct", v
    assert [v.get(11), v.get(13), v.get(14)] == ["wrong"] * 3, v


NUMPY_NOTE = """# Planar data, one hidden tanh layer

Forward:

```python
Z1 = np.dot(W1, X) + b1
A1 = np.tanh(Z1)
Z2 = np.dot(W2, A1) + b2
A2 = sigmoid(Z2)
```

Backward:

```python
dZ2 = A2 - Y
dW2 = (1/m) * np.dot(dZ2, A1.T)
db2 = (1/m) * np.sum(dZ2, axis=1, keepdims=True)
dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
dW1 = (1/m) * np.dot(dZ1, X.T)
db1 = (1/m) * np.sum(dZ1, axis=1, keepdims=True)
```
"""


def test_a_numpy_fence_star_is_the_product_the_shapes_allow():
    v = verdict_by_line(NUMPY_NOTE)
    assert [v.get(k) for k in range(15, 21)] == ["correct"] * 6, v
    wrong = NUMPY_NOTE.replace("(1 - np.power(A1, 2))", "A1 * (1 - A1)")  # sigmoid's, not tanh's
    wrong = wrong.replace("db2 = (1/m) * np.sum(dZ2, axis=1", "db2 = (1/m) * np.sum(dZ2, axis=0")
    v = verdict_by_line(wrong)
    assert v.get(18) == "wrong" and v.get(15) == "correct", v
    assert v.get(17) != "correct", v
    # the same note's * as a matrix product (many notes write so beside np.dot): no false alarm
    mixed = NUMPY_NOTE.replace("dW2 = (1/m) * np.dot(dZ2, A1.T)", "dW2 = (dZ2 * A1.T) / m")
    assert verdict_by_line(mixed).get(16) == "correct"


def test_a_program_fence_gives_no_verdict():
    program = """# My network

```python
import numpy as np

def backward(X, Y, cache):
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1) / m   # a program, not the notes' claim
    for i in range(3):
        print(dW2)
    return dW2
```
"""
    assert verdict_by_line(program) == {}
    assert not [s for s in read_notes(program) if s.kind == "math"]


SINGLE_THEN_TWO = """# Backprop intuition

## One unit

x\\
w-> z = w'x+b -> a = sigmoid(z) -> l(a,y)
b/

The loss was: l(a,y) = -y log(a) - (1-y)log(1-a).

d/da l(a,y) = -y/a + (1-y)/(1-a) = da

dl/dz = dl/da * da/dz
dz = da * g'(z)
dw = dz x
db = dz

## Two layers

W[1] -> z[1] = W[1] x + b[1] -> a[1] = sigmoid(z[1]) ->
W[2] -> z[2] = W[2] a[1] + b[2] -> a[2] = sigmoid(z[2]) -> l(a[2], y)

```
dz[2] = a[2] - y
dw[2] = dz[2] a[1]'
dz[1] = W[2]' * dz[2] .* g[1]'(z[1])
```
"""


def test_plain_lines_derivatives_and_the_logistic_regression_beside_layers():
    v = verdict_by_line(SINGLE_THEN_TWO)
    assert v.get(11) == "correct" and v.get(13) == "correct" and v.get(14) == "correct", v
    assert v.get(15) != "wrong", v  # w is the logistic regression's column, not W^{[2]}
    assert [v.get(k) for k in (24, 25, 26)] == ["correct"] * 3, v
    v = verdict_by_line(SINGLE_THEN_TWO.replace("(1-y)/(1-a) = da", "(1-y)/1-a = da"))
    assert v.get(11) == "wrong", v  # (1-y)/1 - a: the parentheses missing
    v = verdict_by_line(SINGLE_THEN_TWO.replace("dw[2] = dz[2] a[1]'", "dw[2] = dz[2]' a[1]"))
    assert v.get(25) == "wrong", v


ACTIVATIONS = """# Activations

```
Z[1] = W[1] X + b[1]
A[1] = tanh(Z[1])
Z[2] = W[2] A[1] + b[2]
A[2] = sigmoid(Z[2])
```

Derivatives of the activation functions:

- sigmoid: g'(z) = g(z)(1 - g(z))
- tanh: g'(z) = 1 - g(z)^2
- tanh: $g'(z) = 1 - (g(z))^2$

```
dZ[2] = A[2] - Y
dZ[1] = W[2]' dZ[2] .* (1 - A[1]^2)
```

dZ[1] = W[2]' dZ[2] .* A[1] .* (1 - A[1])
"""


def test_a_list_of_the_activations_derivatives_is_never_wrong():
    # the bare g of each line is the activation its prose names, not the output layer's
    v = verdict_by_line(ACTIVATIONS)
    assert v.get(12) == "correct", v  # holds for the sigmoid output
    assert v.get(13) != "wrong" and v.get(14) != "wrong", v
    assert v.get(17) == "correct" and v.get(18) == "correct", v
    assert v.get(21) == "wrong", v  # sigmoid's derivative at a tanh layer
