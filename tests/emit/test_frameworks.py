"""The torch and JAX targets: checked by the frameworks' own gradient checkers
(``torch.autograd.gradcheck``, ``jax.test_util.check_grads``) for every example and for
hypothesis-drawn architectures, equal to the NumPy module's gradients to 1e-10, dtype-keeping,
jit-compatible, and current on disk. Skipped where torch or jax is not installed."""

import importlib.util
import re
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.cli import main
from derive.emit.codegen import import_file, load_module
from derive.emit.frameworks import load_target, render_target, require
from derive.engine.spec import load_spec, parse_spec
from derive.errors import DeriveError
from derive.resources import EXAMPLES
from emit.test_codegen import (
    GENERATED,
    architectures,
    image_architectures,
    recurrent_architectures,
)

EXAMPLE_SPECS = sorted(EXAMPLES.glob("*.toml"))
SAME = 1e-10  # the frameworks' gradients against NumPy's: the same arithmetic
FULL_JACOBIAN = 1000  # parameters up to which gradcheck builds the whole Jacobian


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.fixture(scope="module")
def jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)  # float64, as NumPy and the finite differences
    return jax


def _data(net, m=5, seed=1, numpy_module=None):
    """Inputs, targets that are columns of a distribution (valid for every cost), and the
    NumPy module's initial parameters moved off their init (biases not zero)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((net.inputs, m))
    Y = rng.uniform(0.1, 1.0, (net.outputs, m))
    Y /= Y.sum(axis=0)
    params = (numpy_module or load_module(net)).init_params(0)
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in params.items()}
    return X, Y, params


@dataclass
class Reference:
    """What the NumPy module gives for one training step: the cost, the gradients, the dropout
    masks it drew (from a seeded generator) and the running statistics after the step."""

    loss: float
    grads: dict
    masks: dict
    running: dict


def _numpy_reference(net, X, Y, params, numpy_module=None) -> Reference:
    module = numpy_module or load_module(net)
    rng = (lambda: (np.random.default_rng(7),)) if net.masks else tuple
    masks = {k: v for k, v in module.forward(params, X, *rng()).items() if k in net.masks}
    if hasattr(module, "training_step"):
        loss, grads, running = module.training_step(params, X, Y, *rng())
    else:
        (loss, grads), running = module.loss_and_grad(params, X, Y), {}
    return Reference(loss, grads, masks, running)


def _close(got, want, tol=SAME):
    got = np.asarray(got)
    assert got.shape == np.shape(want)
    assert np.abs(got - want).max() <= tol * max(1, np.abs(want).max())


def _check_torch(torch, net, X, Y, params, ref: Reference):
    """gradcheck on Derived (the NumPy module's masks given), then the cost, the gradients and
    the running statistics against NumPy's."""
    module = load_target(net, "torch")
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    rng = ({k: torch.from_numpy(v) for k, v in ref.masks.items()},) if net.masks else ()
    leaves = tuple(torch.tensor(params[p], requires_grad=True) for p in module.PARAMS)

    def cost(*ps):
        out = module.Derived.apply(Xt, Yt, *rng, *ps)
        return out[0] if net.running else out

    # Above FULL_JACOBIAN parameters, gradcheck's fast mode: finite differences of v^T J u
    # for random u and v instead of one column per parameter. The full Jacobian of char_lstm
    # (10020 parameters, 16 steps) took 142 s; every gradient is still compared entry by
    # entry with the NumPy module's below, and those are checked against finite differences
    # in test_codegen.
    fast = sum(leaf.numel() for leaf in leaves) > FULL_JACOBIAN
    assert torch.autograd.gradcheck(cost, leaves, fast_mode=fast)
    loss = cost(*leaves)
    loss.backward()
    _close(loss.detach().numpy(), ref.loss)
    for p, leaf in zip(module.PARAMS, leaves, strict=True):
        _close(leaf.grad.numpy(), ref.grads[p])
    state = {k: torch.from_numpy(v) for k, v in params.items()}
    if hasattr(module, "training_step"):
        loss, grads, running = module.training_step(state, Xt, Yt, *rng)
        assert set(running) == set(ref.running)
        for k, v in running.items():
            _close(v.numpy(), ref.running[k])
    else:
        loss, grads = module.loss_and_grad(state, Xt, Yt)
    _close(loss.numpy(), ref.loss)
    assert set(grads) == set(ref.grads)


def _check_jax(jax, net, X, Y, params, ref: Reference):
    """check_grads on the custom_vjp cost (the NumPy module's masks given), then the cost, the
    gradients (under jit) and the running statistics against NumPy's."""
    from jax.test_util import check_grads

    module = load_target(net, "jax")
    rng = ({k: jax.numpy.asarray(v) for k, v in ref.masks.items()},) if net.masks else ()
    jp = {p: jax.numpy.asarray(v) for p, v in params.items()}
    # jitted: one compilation for all of check_grads' evaluations (eager dispatch is slower).
    # eps 1e-6, gradcheck's: JAX's default step of 1e-4 crosses the kink of a relu whose input
    # a drawn net puts that close to 0 (one drawn CNN had a pre-activation at 9.4e-5, where
    # the derived gradient still equals NumPy's to 1e-17)
    check_grads(jax.jit(lambda q: module.loss(q, X, Y, *rng)), (jp,), order=1, modes=["rev"],
                eps=1e-6)  # fmt: skip
    loss, got = jax.jit(jax.value_and_grad(module.loss))(jp, X, Y, *rng)
    _close(loss, ref.loss)
    for p in ref.grads:
        _close(got[p], ref.grads[p])
    for k in getattr(module, "RUNNING_SHAPES", {}):
        assert not np.asarray(got[k]).any()  # the training cost does not read them
    if hasattr(module, "training_step"):
        loss, grads, running = jax.jit(module.training_step)(jp, X, Y, *rng)
        assert set(running) == set(ref.running)
        for k, v in running.items():
            _close(v, ref.running[k])
        _close(loss, ref.loss)
        assert set(grads) == set(ref.grads)


@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=lambda p: p.stem)
def test_examples_pass_torch_gradcheck(torch, spec):
    net = load_spec(spec)
    X, Y, params = _data(net)
    _check_torch(torch, net, X, Y, params, _numpy_reference(net, X, Y, params))


@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=lambda p: p.stem)
def test_examples_pass_jax_check_grads(jax, spec):
    net = load_spec(spec)
    X, Y, params = _data(net)
    _check_jax(jax, net, X, Y, params, _numpy_reference(net, X, Y, params))


# Each drawn network must hold the feature (a layer kind, or the [cost] penalty), so every
# feature is drawn whatever the draws happen to be; "any" is the strategy as it stands; images
# and recurrences come from their own strategies (conv2d, maxpool with strides and padding;
# rnn of 2 to 4 steps).
FEATURES = {
    "any": (4, architectures()),
    "batchnorm": (3, architectures().filter(lambda text: 'kind = "batchnorm"' in text)),
    "layernorm": (3, architectures().filter(lambda text: 'kind = "layernorm"' in text)),
    "dropout": (3, architectures().filter(lambda text: 'kind = "dropout"' in text)),
    "penalty": (3, architectures().filter(lambda text: "penalty = " in text)),
    "image": (6, image_architectures()),
    "avgpool": (2, image_architectures().filter(lambda text: 'kind = "avgpool"' in text)),
    "groupnorm": (2, image_architectures().filter(lambda text: 'kind = "groupnorm"' in text)),
    "recurrent": (3, recurrent_architectures()),
}


def _drawn(feature):
    count, strategy = FEATURES[feature]

    @settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )
    @given(strategy, st.integers(1, 4))
    def check(text, m):
        net = parse_spec(text, "drawn.toml")
        numpy_module = load_module(net)
        X, Y, params = _data(net, m=m, numpy_module=numpy_module)
        ref = _numpy_reference(net, X, Y, params, numpy_module)
        _check_torch(pytest.importorskip("torch"), net, X, Y, params, ref)
        _check_jax(pytest.importorskip("jax"), net, X, Y, params, ref)

    return check


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_drawn_architectures_pass_both_checkers(torch, jax, feature):
    _drawn(feature)()


# Every image kernel's general path: a convolution of a non-square kernel with padding, max
# pooling of overlapping windows (the gradient by the first maximum, not by tiles), a strided
# convolution after it (its input gradient runs through the pooling), an average pooling of
# overlapping rectangular windows, tanh (no ties).
WINDOWS = """name = "windows"
inputs = [2, 5, 5]
[[layers]]
kind = "conv2d"
channels = 3
kernel = [3, 2]
padding = 1
activation = "tanh"
[[layers]]
kind = "maxpool"
size = 2
stride = 1
[[layers]]
kind = "conv2d"
channels = 2
kernel = [2, 3]
stride = 2
activation = "tanh"
[[layers]]
kind = "avgpool"
size = [2, 1]
stride = 1
[[layers]]
units = 3
activation = "softmax"
[cost]
name = "cross_entropy"
"""


def test_every_image_kernel_passes_both_checkers(torch, jax):
    net = parse_spec(WINDOWS, "windows.toml")
    code = render_target(net, "torch")
    for kernel in (
        "_conv_grad_x(",
        "_maxpool_grad(",
        "_pool_blocks(",
        "_im2col(",
        "_avgpool_grad(",
    ):
        assert kernel in code
    X, Y, params = _data(net, m=3)
    ref = _numpy_reference(net, X, Y, params)
    _check_torch(torch, net, X, Y, params, ref)
    _check_jax(jax, net, X, Y, params, ref)


def test_files_on_disk_are_what_codegen_renders():
    for target in ("torch", "jax"):
        for spec in EXAMPLE_SPECS:
            net = load_spec(spec)
            path = GENERATED / target / f"{net.name}.py"
            assert path.read_text() == render_target(net, target)
            assert render_target(load_spec(spec), target) == path.read_text()  # deterministic
            head = path.read_text().split("\n\n")[0]
            assert f"Generated by derive from examples/{spec.name}" in head
            assert "Do not edit" in path.read_text()[:400]


@pytest.mark.parametrize("target", ["torch", "jax"])
def test_step_is_device_agnostic(target):
    """Nothing after the initialisation moves data to the host (so the same file runs on CUDA,
    and the JAX one under jit): not in the steps, the masks, the penalty, the running
    statistics, the Function or the Model."""
    for spec in EXAMPLE_SPECS:
        text = (GENERATED / target / f"{load_spec(spec).name}.py").read_text()
        step = text.split("def forward(params, X")[1]
        assert ".cpu()" not in step and ".numpy()" not in step
        assert not re.search(r"\bnp\.", step)
        assert "float(" not in step and ".item()" not in step


def _set(model, values, torch):
    with torch.no_grad():
        for k, v in values.items():
            getattr(model, k).copy_(torch.from_numpy(v))


def test_batchnorm_running_statistics_and_inference_equal_numpy(torch, jax):
    """A training step updates the running mean and variance as NumPy's training_step does
    (the torch Model's buffers too, as nn.BatchNorm1d in training mode); the cost and the
    predictions at inference read them as NumPy's inference_loss and predict do."""
    net = load_spec(EXAMPLES / "batchnorm.toml")
    numpy_module = load_module(net)
    X, Y, params = _data(net, m=9, numpy_module=numpy_module)
    params["running_var2"] = np.abs(params["running_var2"])  # a variance
    loss, grads, running = numpy_module.training_step(params, X, Y)
    after = {**params, **running}
    want_loss, want = numpy_module.inference_loss(after, X, Y), numpy_module.predict(after, X)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)

    tm = load_target(net, "torch")
    model = tm.Model()
    assert sorted(k for k, _ in model.named_buffers()) == sorted(running)
    _set(model, params, torch)
    cost = model(Xt, Yt)
    cost.backward()
    _close(cost.detach().numpy(), loss)
    for k, v in running.items():
        _close(getattr(model, k).numpy(), v)
    for k, value in model.named_parameters():
        _close(value.grad.numpy(), grads[k])
    model.eval()
    _close(model(Xt, Yt).numpy(), want_loss)
    _close(model.predict(Xt).numpy(), want)
    state = {k: torch.from_numpy(v) for k, v in after.items()}
    _close(tm.inference_loss(state, Xt, Yt).numpy(), want_loss)

    jm = load_target(net, "jax")
    jp = {k: jax.numpy.asarray(v) for k, v in after.items()}
    _close(jax.jit(jm.inference_loss)(jp, X, Y), want_loss)
    _close(jax.jit(jm.predict)(jp, X), want)


def test_dropout_masks_from_the_frameworks_generators(torch, jax):
    """Without masks given, a torch.Generator or a jax key draws them: 0 or 1/(1 - p), about
    1 - p of them kept, the same seed the same mask; no rng is no dropout. The gradients are
    those of NumPy's backward with the mask the framework drew."""
    net = load_spec(EXAMPLES / "dropout.toml")
    numpy_module, tm, jm = load_module(net), load_target(net, "torch"), load_target(net, "jax")
    p, rows = tm.MASKS["D2"], tm.MASK_ROWS["D2"]
    assert (jm.MASKS, jm.MASK_ROWS) == (tm.MASKS, tm.MASK_ROWS) == ({"D2": p}, {"D2": rows})
    X, Y, params = _data(net, m=500, numpy_module=numpy_module)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    state = {k: torch.from_numpy(v) for k, v in params.items()}
    jp = {k: jax.numpy.asarray(v) for k, v in params.items()}
    draws = {
        "torch": lambda seed: tm.forward(state, Xt, torch.Generator().manual_seed(seed)),
        "jax": lambda seed: jax.jit(jm.forward)(jp, X, jax.random.key(seed)),
    }
    for target, draw in draws.items():
        D = np.asarray(draw(0)["D2"])
        assert D.shape == (rows, 500)
        assert set(np.unique(D)) == {0.0, 1 / (1 - p)}, target
        assert abs((D > 0).mean() - (1 - p)) < 0.02, target
        assert np.array_equal(np.asarray(draw(0)["D2"]), D)
        assert not np.array_equal(np.asarray(draw(1)["D2"]), D)
        cache = {k: np.asarray(v) for k, v in draw(3).items()}
        want = numpy_module.backward(params, cache, Y)
        if target == "torch":
            model = tm.Model()
            _set(model, params, torch)
            model(Xt, Yt, torch.Generator().manual_seed(3)).backward()
            got = {k: v.grad.numpy() for k, v in model.named_parameters()}
        else:
            got = jax.jit(jax.grad(jm.loss))(jp, X, Y, jax.random.key(3))
        for k in want:
            _close(got[k], want[k])
    assert np.array_equal(tm.forward(state, Xt)["D2"].numpy(), np.ones((rows, 500)))
    assert np.array_equal(np.asarray(jm.forward(jp, X)["D2"]), np.ones((rows, 500)))


def test_module_has_numpy_init_and_its_backward_is_derived(torch):
    numpy_module = import_file(GENERATED / "digits.py")
    module = import_file(GENERATED / "torch" / "digits.py")
    model = module.Model(seed=3)
    want = numpy_module.init_params(3)
    assert [name for name, _ in model.named_parameters()] == list(want)
    for name, value in model.named_parameters():
        assert np.array_equal(value.detach().numpy(), want[name])
    X, Y, _ = _data(load_spec(EXAMPLES / "digits.toml"), m=7)
    loss = model(torch.from_numpy(X), torch.from_numpy(Y))
    assert loss.grad_fn.name().startswith("DerivedBackward")  # our Function, not autograd's
    loss.backward()
    _, grads = numpy_module.loss_and_grad(want, X, Y)
    for name, value in model.named_parameters():
        assert np.abs(value.grad.numpy() - grads[name]).max() < SAME
    with pytest.raises(RuntimeError, match="not X or Y"):
        module.Derived.apply(
            torch.from_numpy(X).requires_grad_(), torch.from_numpy(Y), *model.parameters()
        ).backward()


def test_float32_stays_float32(torch, jax):
    net = load_spec(EXAMPLES / "digits.toml")
    X, Y, params = _data(net)
    tm, jm = load_target(net, "torch"), load_target(net, "jax")
    t32 = {p: torch.tensor(v, dtype=torch.float32) for p, v in params.items()}
    loss, grads = tm.loss_and_grad(t32, torch.from_numpy(X).float(), torch.from_numpy(Y).float())
    assert loss.dtype == torch.float32 and {g.dtype for g in grads.values()} == {torch.float32}
    j32 = {p: jax.numpy.asarray(v, dtype=np.float32) for p, v in params.items()}
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    loss, grads = jax.jit(jm.loss_and_grad)(j32, X32, Y32)
    assert loss.dtype == np.float32 and {g.dtype for g in grads.values()} == {np.dtype(np.float32)}
    grads = jax.jit(jax.grad(jm.loss))(j32, X32, Y32)
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}


def test_codegen_target_writes_its_folder(tmp_path, capsys):
    spec = str(EXAMPLES / "seed.toml")
    assert main(["codegen", "--target", "jax", "-o", str(tmp_path), spec]) == 0
    assert (tmp_path / "jax" / "seed.py").exists() and not (tmp_path / "seed.py").exists()
    (tmp_path / "jax" / "seed.py").write_text("# old\n")
    assert main(["codegen", "--check", "-o", str(tmp_path), spec]) == 1
    out = capsys.readouterr().out
    assert "jax/seed.py" in out and "--target jax" in out


def test_check_in_a_project_covers_the_framework_folders_it_has(tmp_path, monkeypatch, capsys):
    """`derive codegen --check` with no spec (the pre-commit hook) checks generated/ and each
    of generated/torch, generated/jax that exists, every module against its header's spec."""
    monkeypatch.chdir(tmp_path)
    assert main(["codegen", "seed"]) == 0
    assert main(["codegen", "--check"]) == 0  # no torch folder: nothing asked of torch
    assert main(["codegen", "--target", "torch", "digits"]) == 0
    assert main(["codegen", "--check"]) == 0
    assert "2 generated module(s)" in capsys.readouterr().out
    path = tmp_path / "generated" / "torch" / "digits.py"
    path.write_text(path.read_text().replace('NAME = "digits"', 'NAME = "old"'))
    assert main(["codegen", "--check"]) == 1
    assert "generated/torch/digits.py" in capsys.readouterr().out


def test_missing_framework_names_the_extra(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a)
    )
    with pytest.raises(DeriveError) as err:
        require("torch")
    assert 'pip install "derive[torch]"' in str(err.value) and "\n" not in str(err.value)
