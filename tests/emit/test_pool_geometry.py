"""Issue 25, case 5: pooling geometry as PyTorch's. ``size = [3, 2]`` with no stride strides by
the window axis by axis; ``stride`` is an int or [down, across]; windows that do not tile the
image drop the remainder (floor mode) and ``derive show`` says which rows/columns are unused.

The generated module's values and gradients are checked against ``torch.nn.MaxPool2d`` and
``AvgPool2d`` (float64, autograd) in a net conv 1x1 -> pool -> dense, so every pixel's
pooling gradient reaches the kernel gradient; against central differences (``gradcheck``);
and the fused step against the readable one, allocation-free for avgpool too."""

import tracemalloc

import numpy as np
import pytest

from derive.cli import main
from derive.emit.codegen import load_module
from derive.emit.gradcheck import gradcheck
from derive.emit.show import show_text
from derive.engine.derivation import derive
from derive.engine.spec import parse_spec
from emit.test_equation_cases import _runs_everywhere
from emit.test_fused import _same_step

# (C, H, W), size, stride (None: not given, the window); each a geometry the spec used to
# refuse or could not say
GEOMETRIES = [
    ((2, 6, 6), [3, 2], None),  # the issue's: the default stride is (3, 2), not 3
    ((1, 7, 6), [3, 2], None),  # the last row unused
    ((2, 7, 7), [2, 2], None),  # the last row and column unused
    ((1, 6, 8), [2, 3], [1, 2]),  # overlapping rows, a stride per axis, a column unused
    ((2, 5, 8), [3, 2], [2, 3]),  # a stride above the window across: pixels skipped
    ((1, 5, 5), 3, 2),  # ints for both
]


def _pool_spec(kind, image, size, stride):
    stride_line = "" if stride is None else f"stride = {stride}\n"
    return (
        f'name = "pool5"\ninputs = {list(image)}\n'
        f'[[layers]]\nkind = "conv2d"\nchannels = {image[0]}\nkernel = 1\nactivation = "identity"\n'
        f'[[layers]]\nkind = "{kind}"\nsize = {size}\n{stride_line}'
        '[[layers]]\nunits = 2\nactivation = "identity"\n[cost]\nname = "squared_error"\n'
    )


def _torch_loss_and_grad(torch, kind, image, size, stride, params, X, Y):
    """The same net in torch: Conv2d 1x1, PyTorch's pooling module, Linear; the cost summed
    over the outputs and averaged over the samples."""
    C = image[0]
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    x = torch.tensor(X.T.reshape(-1, *image))  # (m, C, H, W)
    pool = {"maxpool": torch.nn.MaxPool2d, "avgpool": torch.nn.AvgPool2d}[kind]
    z1 = torch.nn.functional.conv2d(x, t["W1"].reshape(C, C, 1, 1), t["b1"].reshape(-1))
    pooled = (pool(size) if stride is None else pool(size, stride=stride))(z1)
    z3 = pooled.reshape(pooled.shape[0], -1) @ t["W3"].T + t["b3"].reshape(-1)
    loss = ((z3 - torch.tensor(Y.T)) ** 2).sum() / X.shape[1]
    loss.backward()
    out = pooled.detach().numpy().reshape(X.shape[1], -1).T
    return out, float(loss.detach()), {k: v.grad.numpy() for k, v in t.items()}


@pytest.mark.parametrize("kind", ["maxpool", "avgpool"])
@pytest.mark.parametrize("image, size, stride", GEOMETRIES)
def test_case5_pooling_equals_pytorchs_and_finite_differences(kind, image, size, stride):
    torch = pytest.importorskip("torch")
    net = parse_spec(_pool_spec(kind, image, size, stride), "pool5.toml")
    module = load_module(net)
    rng = np.random.default_rng(5)
    m = 4
    X, Y = rng.standard_normal((net.inputs, m)), rng.standard_normal((2, m))
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in module.init_params(0).items()}
    pooled, loss, grads = _torch_loss_and_grad(torch, kind, image, size, stride, params, X, Y)
    assert module.forward(params, X)["A2"].shape == pooled.shape
    np.testing.assert_allclose(module.forward(params, X)["A2"], pooled, rtol=1e-13, atol=1e-14)
    got_loss, got = module.loss_and_grad(params, X, Y)
    assert got_loss == pytest.approx(loss, rel=1e-13)
    for name, want in grads.items():
        np.testing.assert_allclose(got[name].reshape(want.shape), want, rtol=1e-12, atol=1e-13)
    assert all(r.ok(1e-6) for r in gradcheck(module))
    _same_step(module, m=3, rtol=1e-12)


def test_case5_default_stride_is_the_window_and_show_says_what_is_unused(tmp_path, capsys):
    """The issue's spec (size [3, 2], no stride, over 7x6 images): accepted, run by every
    command and target; show and the LaTeX name the row no window reaches."""
    text = _pool_spec("maxpool", (1, 7, 6), [3, 2], None)
    net, _ = _runs_everywhere(tmp_path, capsys, text.replace('"pool5"', '"case5"'))
    (pool,) = [n for n in net.equations.values() if type(n).__name__ == "MaxPool"]
    assert pool.win.stride == (3, 2) and pool.win.out == (2, 3) and pool.win.unused == (1, 0)
    path = tmp_path / "spec.toml"
    assert main(["show", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "A2       (6, m)  = maxpool_3x2(A1)" in shown, shown
    assert "the last 1 row of each 7x6 image unused: no window reaches it" in shown
    tex = (tmp_path / "d.tex").read_text()
    assert r"\text{the last 1 row of each 7x6 image unused" in tex


def test_case5_a_stride_other_than_the_window_is_shown():
    text = _pool_spec("avgpool", (1, 6, 8), [2, 3], [1, 2])
    shown = show_text(derive(parse_spec(text, "s.toml")))
    assert "avgpool_2x3_stride1x2(A1)" in shown, shown
    assert "the last 1 column of each 6x8 image unused: no window reaches it" in shown


def test_case5_fused_avgpool_step_allocates_no_arrays_after_the_first():
    module = load_module(parse_spec(_pool_spec("avgpool", (2, 7, 7), [2, 2], None), "a.toml"))
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((98, 64)), rng.standard_normal((2, 64))
    params = module.init_params(0)
    module.sgd_step(params, X, Y, 0.01)  # builds the workspace
    tracemalloc.start()
    try:
        module.sgd_step(params, X, Y, 0.01)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kept < 2048, kept
    buffer = np.getbufsize() * X.itemsize
    assert peak < max(p.nbytes for p in params.values()) + buffer + 4096, peak
