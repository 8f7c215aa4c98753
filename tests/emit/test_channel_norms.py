"""Batch norm after an image and group norm against PyTorch's own modules.

The generated NumPy module of a small CNN (conv -> norm -> activation -> pooling -> dense) and
the same network in torch (``nn.Conv2d``, ``nn.BatchNorm2d`` or ``nn.GroupNorm``, the pooling
and ``nn.Linear``) are given the same parameters and images (a column of X is one image
flattened (C, H, W), torch's own flatten order): the cost and every derived gradient equal
autograd's (float64, 1e-9); batch norm's running mean and variance follow torch's training-mode
buffers step by step, and the module's ``predict`` equals torch's eval mode.
"""

from __future__ import annotations

import numpy as np
import pytest

from derive.emit.codegen import load_module
from derive.engine.spec import parse_spec
from derive.errors import DeriveError

torch = pytest.importorskip("torch")
F = torch.nn.functional

C_IN, H, W, CH, OUT, M = 2, 6, 6, 4, 3, 5
EPS = 1e-3  # not the default: the test sees that eps is the spec's


def _spec(norm: str, *, act="relu", pool="maxpool", extra="") -> str:
    return "\n".join([
        'name = "cnn_norm"', f"inputs = [{C_IN}, {H}, {W}]",
        "[[layers]]", 'kind = "conv2d"', f"channels = {CH}", "kernel = 3", "padding = 1",
        "[[layers]]", f'kind = "{norm}"', f'activation = "{act}"', f"eps = {EPS}", extra,
        "[[layers]]", f'kind = "{pool}"', "size = 2",
        "[[layers]]", f"units = {OUT}", 'activation = "softmax"',
        "[cost]", 'name = "cross_entropy"',
    ])  # fmt: skip


def _data(m=M, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(C_IN * H * W, m))
    Y = np.eye(OUT)[:, rng.integers(0, OUT, size=m)]
    return X, Y


def _params(module, seed=1):
    """Random parameters, gamma and beta too (the init's ones and zeros would hide a swap)."""
    rng = np.random.default_rng(seed)
    params = module.init_params(seed=seed)
    for k in params:
        if k.startswith(("gamma", "beta")):
            params[k] = rng.normal(size=params[k].shape)
    return params


def _torch_norm(norm: str, params, groups=2):
    if norm == "batchnorm":
        layer = torch.nn.BatchNorm2d(CH, eps=EPS, momentum=0.1, dtype=torch.float64)
    else:
        layer = torch.nn.GroupNorm(groups, CH, eps=EPS, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(params["gamma2"][:, 0]))
        layer.bias.copy_(torch.tensor(params["beta2"][:, 0]))
    return layer


def _torch_net(norm, params, X, Y, *, act, pool, layer=None):
    """The cost (mean cross-entropy) in torch and the leaves it was computed from."""
    leaves = {k: torch.tensor(params[k], requires_grad=True) for k in ("W1", "b1", "W4", "b4")}
    layer = layer or _torch_norm(norm, params)
    x = torch.tensor(X.T.reshape(-1, C_IN, H, W))
    z = F.conv2d(x, leaves["W1"], leaves["b1"][:, 0], padding=1)
    a = getattr(torch, act)(layer(z))
    a = F.max_pool2d(a, 2) if pool == "maxpool" else F.avg_pool2d(a, 2)
    logits = a.flatten(1) @ leaves["W4"].T + leaves["b4"][:, 0]
    cost = F.cross_entropy(logits, torch.tensor(Y.argmax(axis=0)))
    return cost, leaves, layer


@pytest.mark.parametrize(
    "norm, act, pool", [("batchnorm", "relu", "maxpool"), ("groupnorm", "tanh", "avgpool")]
)
def test_norm_after_an_image_equals_torch(norm, act, pool):
    """The cost and every gradient, the norm's gamma and beta (C, 1) included, equal
    autograd's through ``nn.BatchNorm2d`` (training mode) or ``nn.GroupNorm``."""
    extra = "groups = 2" if norm == "groupnorm" else ""
    module = load_module(parse_spec(_spec(norm, act=act, pool=pool, extra=extra), "n.toml"))
    assert module.PARAM_SHAPES["gamma2"] == (CH, 1) and module.PARAM_SHAPES["beta2"] == (CH, 1)
    X, Y = _data()
    params = _params(module)
    loss, grads = module.loss_and_grad(params, X, Y)
    cost, leaves, layer = _torch_net(norm, params, X, Y, act=act, pool=pool)
    cost.backward()
    assert abs(loss - cost.item()) < 1e-9
    torch_grads = {k: v.grad.numpy() for k, v in leaves.items()}
    torch_grads["gamma2"] = layer.weight.grad.numpy()[:, None]
    torch_grads["beta2"] = layer.bias.grad.numpy()[:, None]
    assert sorted(torch_grads) == sorted(grads)
    for k, g in torch_grads.items():
        assert np.abs(grads[k] - g).max() < 1e-9, k


def test_batchnorm_running_statistics_follow_torch_and_predict_is_eval_mode():
    """Three training steps (parameters moved by SGD in both) leave the running mean and the
    unbiased running variance per channel (n = m*H*W entries each) that BatchNorm2d's buffers
    hold; ``predict`` with them equals torch's eval mode."""
    module = load_module(parse_spec(_spec("batchnorm"), "n.toml"))
    params = _params(module)
    assert module.RUNNING_SHAPES == {"running_mean2": (CH, 1), "running_var2": (CH, 1)}
    layer = _torch_norm("batchnorm", params)
    torch_params = {k: v.copy() for k, v in params.items()}
    for step in range(3):
        X, Y = _data(m=M + step, seed=10 + step)
        loss, grads, running = module.training_step(params, X, Y)
        params = {**params, **{k: params[k] - 0.1 * g for k, g in grads.items()}, **running}
        cost, leaves, layer = _torch_net("batchnorm", torch_params, X, Y, act="relu",
                                         pool="maxpool", layer=layer)  # fmt: skip
        layer.zero_grad()
        cost.backward()
        assert abs(loss - cost.item()) < 1e-9
        for k, leaf in leaves.items():
            torch_params[k] = torch_params[k] - 0.1 * leaf.grad.numpy()
        with torch.no_grad():
            layer.weight -= 0.1 * layer.weight.grad
            layer.bias -= 0.1 * layer.bias.grad
        torch_params["gamma2"] = layer.weight.detach().numpy()[:, None].copy()
        torch_params["beta2"] = layer.bias.detach().numpy()[:, None].copy()
        assert np.abs(running["running_mean2"][:, 0] - layer.running_mean.numpy()).max() < 1e-9
        assert np.abs(running["running_var2"][:, 0] - layer.running_var.numpy()).max() < 1e-9
    layer.eval()
    X, Y = _data(m=7, seed=99)
    with torch.no_grad():
        want = _torch_eval(layer, torch_params, X)
    got = module.predict(params, X)
    assert np.abs(got - want).max() < 1e-9
    # one image at a time: the same predictions (the running statistics, not the batch's)
    one = np.hstack([module.predict(params, X[:, j : j + 1]) for j in range(3)])
    assert np.abs(one - got[:, :3]).max() < 1e-12


def _torch_eval(layer, params, X):
    x = torch.tensor(X.T.reshape(-1, C_IN, H, W))
    z = F.conv2d(x, torch.tensor(params["W1"]), torch.tensor(params["b1"][:, 0]), padding=1)
    a = F.max_pool2d(torch.relu(layer(z)), 2)
    logits = a.flatten(1) @ torch.tensor(params["W4"]).T + torch.tensor(params["b4"][:, 0])
    return torch.softmax(logits, dim=1).numpy().T


def test_batchnorm_on_a_vector_keeps_its_per_unit_form():
    """After a dense layer batch norm still normalises each unit (BatchNorm1d): gamma is
    (units, 1) and the statistics are sums over the samples only."""
    text = "\n".join(['name = "v"', "inputs = 3", "[[layers]]", "units = 4",
                      "[[layers]]", 'kind = "batchnorm"',
                      "[[layers]]", "units = 1", "[cost]", 'name = "squared_error"'])  # fmt: skip
    net = parse_spec(text, "v.toml")
    assert net.params["gamma2"].shape == (4, 1) and net.values["mu2"].shape == (4, 1)
    assert net.texts["mu2"] == "sum_samples(A1) / m"


def test_groupnorm_on_a_vector_equals_torch():
    """Group norm after a dense layer: groups of units per sample, as nn.GroupNorm on (m, C)."""
    text = "\n".join(['name = "g"', "inputs = 3", "[[layers]]", "units = 6",
                      "[[layers]]", 'kind = "groupnorm"', "groups = 3", 'activation = "tanh"',
                      "[[layers]]", "units = 2", "[cost]", 'name = "squared_error"'])  # fmt: skip
    module = load_module(parse_spec(text, "g.toml"))
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(3, M)), rng.normal(size=(2, M))
    params = _params(module)
    loss, grads = module.loss_and_grad(params, X, Y)
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    z1 = t["W1"] @ torch.tensor(X) + t["b1"]
    gn = F.group_norm(z1.T, 3, t["gamma2"][:, 0], t["beta2"][:, 0], eps=1e-5)
    A3 = t["W3"] @ torch.tanh(gn.T) + t["b3"]
    cost = ((A3 - torch.tensor(Y)) ** 2).sum() / M
    cost.backward()
    assert abs(loss - cost.item()) < 1e-9
    for k, v in t.items():
        assert np.abs(grads[k] - v.grad.numpy()).max() < 1e-9, k


@pytest.mark.parametrize(
    "groups, message, fix",
    [
        (3, "groups = 3 does not divide the 4 channels", "use a divisor of 4: 1, 2, 4"),
        (0, "groups must be a positive integer", "groups = 2"),
        ("2", "groups must be a positive integer", "groups = 2"),
    ],
)
def test_groups_that_do_not_divide_the_channels_are_refused(groups, message, fix):
    text = _spec("groupnorm", extra=f"groups = {groups!r}".replace("'", '"'))
    with pytest.raises(DeriveError) as err:
        parse_spec(text, "bad.toml")
    shown = str(err.value)
    assert "bad.toml" in shown and "layers[1].groups" in shown
    assert message in shown and fix in shown


def test_groupnorm_needs_groups():
    with pytest.raises(DeriveError, match=r"layers\[1\]\.groups"):
        parse_spec(_spec("groupnorm"), "bad.toml")
