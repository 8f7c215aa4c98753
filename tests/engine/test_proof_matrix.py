"""The equation form's matrix operations, proven like every other rule: ``.T``, each sum and
mean, ``m`` as a number, softmax of an intermediate, and NumPy broadcasting of their (n, 1),
(1, m) and (1, 1) results back to (n, m). Each net is written as a user would write it, and
every gradient the engine derives equals ``sympy.diff`` of the fully expanded scalar cost at
small sizes."""

import pytest

from derive.engine.spec import parse_spec

from .test_proof import check_against_expansion

HEAD = """
name = "{name}"
inputs = 2
outputs = {outputs}
[params]
W1 = [3, 2]
b1 = [3, 1]
W2 = [{outputs}, 3]
[equations]
z1 = "W1 @ x + b1"
"""

# name -> (the equations after z1, the cost expression, outputs)
NETS = {
    "transpose": ('G = "z1.T @ z1"\nA1 = "tanh(z1 @ G) / m"\nz2 = "W2 @ A1"', "(z2 - y)**2", 1),
    "sum_units": ('A1 = "tanh(z1) - sum_units(z1**2) / 4"\nz2 = "W2 @ A1"', "(z2 - y)**2", 2),
    "sum_samples": ('A1 = "sigmoid(z1 - sum_samples(z1) / m)"\nz2 = "W2 @ A1"', "(z2 - y)**2", 1),
    "sum_all": ('A1 = "tanh(z1) * sum(z1) / 10"\nz2 = "W2 @ A1"', "(z2 - y)**2", 1),
    "mean_units": (
        'mu = "mean_units(z1)"\nv = "mean_units((z1 - mu)**2)"\n'
        'A1 = "(z1 - mu) / sqrt(v + 1e-5)"\nz2 = "W2 @ A1"',
        "(z2 - y)**2",
        2,
    ),
    "mean_samples": (
        'mu = "mean_samples(z1)"\nA1 = "tanh(z1 - mu) + mean(z1)"\nz2 = "W2 @ A1"',
        "(z2 - y)**2",
        1,
    ),
    "softmax_hidden": ('P = "softmax(z1)"\nz2 = "W2 @ P"', "(z2 - y)**2", 2),
    "attention": (
        'S = "z1.T @ z1 / sqrt(3)"\nP = "softmax(S)"\nH = "z1 @ P"\nz2 = "W2 @ H"',
        "(z2 - y)**2",
        1,
    ),
    # row slices x[a:b]: gates of one pre-activation, a (1, m) slice broadcast, a slice of x,
    # and one in the cost
    "row_slices": (
        'A1 = "tanh(z1[0:2]) * sigmoid(z1[1:3]) + x[1:2]"\nz2 = "W2[0:1] @ z1 + A1"',
        "(z2 - y)**2 + z2[1:2]**2 / 4",
        2,
    ),
    "cost_with_sums": (
        'A1 = "tanh(z1)"\nz2 = "W2 @ A1"',
        "(z2 - y)**2 + sum_units(z2**2) / 10 + mean_samples(z2) * z2 / m",
        2,
    ),
}


@pytest.mark.parametrize("name", sorted(NETS))
def test_matrix_operation_gradients_equal_sympy_diff(name):
    equations, cost, outputs = NETS[name]
    text = HEAD.format(name=name, outputs=outputs) + equations + f'\n[cost]\nexpr = "{cost}"\n'
    net = parse_spec(text, f"<{name}>")
    assert check_against_expansion(net, seed=21, max_entries=6) > 0


def test_mean_divides_by_the_count():
    net = parse_spec(
        HEAD.format(name="means", outputs=1)
        + 'A1 = "mean(z1) + mean_units(z1) + mean_samples(z1)"\nz2 = "W2 @ A1"'
        + '\n[cost]\nexpr = "(z2 - y)**2"\n'
    )
    text = net.texts["A1"]
    assert "mean(z1)" in text  # the equation as written is kept for display
    assert check_against_expansion(net, seed=22, max_entries=6) > 0


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_penalty_gradient_equals_sympy_diff(reduction):
    """[cost] penalty: weight decay and an L1-like smooth term, added after the reduction."""
    text = (
        HEAD.format(name="decay", outputs=1)
        + 'A1 = "tanh(z1)"\nz2 = "W2 @ A1"\n[cost]\nexpr = "(z2 - y)**2"\n'
        + f'reduction = "{reduction}"\n'
        + 'penalty = "0.01 * (sum(W1**2) + sum(W2**2)) + 0.1 * sum(sqrt(b1**2 + 1))"\n'
    )
    net = parse_spec(text, "<decay>")
    assert check_against_expansion(net, seed=23, max_entries=6) > 0
