"""The DistributedDataParallel recipe (derive/train/distributed.py) in 2 real processes (gloo,
a file rendezvous): the all-reduced gradients of one step are the gradients of the whole batch
(a mean cost with blocks of unequal size, the [cost] penalty counted once, dropout masks of the
whole batch split by columns), and 2-process training on digits ends where the 1-process
`derive train` run ends: the parameters to 1e-8 relative, the test accuracy to 1 sample of
359. The JAX counterpart, a batch sharded over 2 devices, gives the 1-device gradients."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from derive.emit.codegen import load_module
from derive.engine.spec import load_spec
from derive.train.data import load_dataset
from derive.train.distributed import Plan, block, ddp_gradients, launch, train_ddp
from derive.train.loop import train

pytest.importorskip("torch")


def _case(spec, m, seed):
    """A batch of m samples, parameters moved off their init, NumPy's gradient of the whole
    batch (with the masks NumPy's forward drew)."""
    net = load_spec(spec)
    module = load_module(net)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((net.inputs, m))
    Y = rng.uniform(0.1, 1.0, (net.outputs, m))
    Y = Y / Y.sum(axis=0) if net.outputs > 1 else (Y > 0.5).astype(float)
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in module.init_params(0).items()}
    masks = None
    if net.masks:
        cache = module.forward(params, X, np.random.default_rng(seed))
        masks = {k: cache[k] for k in net.masks}
        want = module.backward(params, cache, Y)
    else:
        want = module.loss_and_grad(params, X, Y)[1]
    return {"spec": spec, "X": X, "Y": Y, "params": params, "masks": masks}, want


def test_blocks_cover_the_batch():
    for size in (2, 3, 7, 32):
        for world in (1, 2, 3):
            if size < world:
                continue
            blocks = [block(5, 5 + size, r, world) for r in range(world)]
            assert blocks[0][0] == 5 and blocks[-1][1] == 5 + size
            pairs = zip(blocks, blocks[1:], strict=False)
            assert all(b[1] == c[0] and b[1] > b[0] for b, c in pairs)


def test_allreduced_gradients_equal_the_whole_batch():
    cases, wants = zip(
        *[_case("digits", 37, 1), _case("weight_decay", 9, 2), _case("dropout", 11, 3)],
        strict=True,
    )
    plan = Plan("digits", "digits", threads=1)
    by_rank = launch(ddp_gradients, 2, plan, list(cases))
    for grads in by_rank:  # each process holds the same, all-reduced gradients
        for got, want in zip(grads, wants, strict=True):
            assert set(got) == set(want)
            for k in want:
                assert np.abs(got[k] - want[k]).max() <= 1e-10 * max(1, np.abs(want[k]).max())


def test_two_processes_train_as_one():
    plan = Plan("digits", "digits", epochs=3, seed=0, threads=1)
    two = train_ddp(plan, nproc=2)
    dataset = load_dataset("digits", inputs=64, outputs=10, seed=0)
    one = train(load_module(load_spec("digits")), dataset, epochs=3, seed=0, progress=False)
    for k, v in one.params.items():
        assert np.allclose(two.params[k], v, rtol=1e-8, atol=1e-10), k
    assert two.steps == one.steps and two.settings["processes"] == 2
    n = dataset.X_test.shape[1]
    for split in ("train", "test"):
        assert abs(two.final[f"{split}_accuracy"] - one.final[f"{split}_accuracy"]) <= 1 / n
        assert two.final[f"{split}_loss"] == pytest.approx(one.final[f"{split}_loss"], rel=1e-8)
    assert two.history["train_loss"] == pytest.approx(one.history["train_loss"], rel=1e-8)
    assert two.final["test_accuracy"] > 0.9


JAX_SHARDED = textwrap.dedent(
    """
    import jax, numpy as np
    jax.config.update("jax_enable_x64", True)
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    from derive.emit.frameworks import load_target
    from derive.engine.spec import load_spec
    module = load_target(load_spec("digits"), "jax")
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((64, 40)), np.eye(10)[:, rng.integers(0, 10, 40)]
    params = {k: v + 0.1 for k, v in module.init_params(0).items()}
    mesh = Mesh(np.array(jax.devices()), ("batch",))
    columns, whole = NamedSharding(mesh, P(None, "batch")), NamedSharding(mesh, P())
    Xs, Ys = jax.device_put(X, columns), jax.device_put(Y, columns)
    ps = jax.device_put(params, whole)
    step = jax.jit(jax.value_and_grad(module.loss))
    loss, grads = step(ps, Xs, Ys)
    want_loss, want = jax.jit(module.loss_and_grad, backend="cpu")(params, X, Y)
    assert len(jax.devices()) == 2 and len(Xs.sharding.device_set) == 2
    assert abs(float(loss) - float(want_loss)) < 1e-12
    for k in want:
        assert np.abs(np.asarray(grads[k]) - np.asarray(want[k])).max() < 1e-12, k
    print("sharded ok")
    """
)


def test_jax_batch_sharded_over_two_devices_gives_the_same_gradients():
    """jax.jit of the custom_vjp cost with X and Y sharded by columns over 2 (CPU) devices:
    XLA puts the cross-device sums into the derived backward's sums over the samples."""
    pytest.importorskip("jax")
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    run = subprocess.run([sys.executable, "-c", JAX_SHARDED], env=env, capture_output=True,
                         text=True, timeout=600)  # fmt: skip
    assert run.returncode == 0 and "sharded ok" in run.stdout, run.stderr[-3000:]
