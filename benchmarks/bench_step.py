"""One SGD step of a generated module against the same step written by hand in NumPy.

A step is the module's fused ``sgd_step``, or ``loss_and_grad`` plus the update
``W -= lr * dW`` for every parameter, float32, samples as columns; the GEMM-only floor is the
step's matrix products alone. Each is shown beside the floor (its ratio to it), with the peak
bytes one step allocates (tracemalloc). The hand-written step is what a careful NumPy
programmer writes for the notes' network (the loss computed too, since ``loss_and_grad``
returns it). All run in this process, interleaved in blocks (rotated each block) so that
drift of the machine hits all alike; the figures are medians over blocks. PyTorch CPU eager
is timed too when it is installed, and JAX (``jax.value_and_grad`` of the same network under
``jax.jit``); neither is a dependency of derive (the extras ``torch`` and ``jax``).
Two examples follow, each against the step a careful NumPy programmer writes for it
(``hand_layers.py``): cnn_digits (im2col) and rnn (a BPTT loop); there the ratio is to the
hand step (a GEMM floor of a convolution is not one product).

    python benchmarks/bench_step.py [--blocks 15] [--quick] [--no-torch]
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

import hand_layers  # benchmarks/hand_layers.py: the script's folder is on the path
import numpy as np

from derive.emit.codegen import load_module
from derive.engine.graph import Network
from derive.engine.spec import EXAMPLES

SIZES = [
    # (label, inputs, hidden layers, outputs, output activation, cost, m)
    ("4-3-1 (notes), m=64", 4, [3], 1, "sigmoid", "squared_error", 64),
    ("784-128-10 softmax, m=128", 784, [128], 10, "softmax", "cross_entropy", 128),
    ("784-1024-1024-10, m=256", 784, [1024, 1024], 10, "softmax", "cross_entropy", 256),
]


def hand_step(hidden: int, out_act: str, lr: float):
    """The step by hand: relu hidden layers, then sigmoid + squared error or softmax +
    cross-entropy, mean over the samples."""
    n = hidden + 1

    def step(params, X, Y):
        m = X.shape[1]
        As, Zs = [X], []
        A = X
        for k in range(1, n):
            z = params[f"W{k}"] @ A + params[f"b{k}"]
            A = np.maximum(z, 0)
            Zs.append(z)
            As.append(A)
        z = params[f"W{n}"] @ A + params[f"b{n}"]
        if out_act == "sigmoid":
            A = 0.5 + 0.5 * np.tanh(0.5 * z)
            loss = float(np.sum((A - Y) ** 2)) / m
            dz = 2 / m * A * (1 - A) * (A - Y)
        else:
            s = z - z.max(axis=0, keepdims=True)
            e = np.exp(s)
            A = e / e.sum(axis=0, keepdims=True)
            loss = float(np.sum(-Y * (s - np.log(e.sum(axis=0, keepdims=True))))) / m
            dz = 1 / m * (A - Y)
        grads = {}
        for k in range(n, 0, -1):
            grads[f"W{k}"] = dz @ As[k - 1].T
            grads[f"b{k}"] = dz.sum(axis=1, keepdims=True)
            if k > 1:
                dz = params[f"W{k}"].T @ dz * (Zs[k - 2] > 0)
        for key, g in grads.items():
            params[key] -= lr * g
        return loss

    return step


def generated_step(module, lr: float):
    def step(params, X, Y):
        loss, grads = module.loss_and_grad(params, X, Y)
        for key, g in grads.items():
            params[key] -= lr * g
        return loss

    return step


def torch_step(inputs, hidden, outputs, out_act, lr):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    layers = []
    prev = inputs
    for h in hidden:
        layers += [torch.nn.Linear(prev, h), torch.nn.ReLU()]
        prev = h
    layers.append(torch.nn.Linear(prev, outputs))
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=lr)

    def step(_params, X, Y):
        x, y = torch.from_numpy(X.T.copy()), torch.from_numpy(Y.T.copy())
        opt.zero_grad()
        out = model(x)
        if out_act == "sigmoid":
            loss = ((torch.sigmoid(out) - y) ** 2).sum(dim=1).mean()
        else:
            loss = torch.nn.functional.cross_entropy(out, y.argmax(dim=1))
        loss.backward()
        opt.step()
        return float(loss.detach())

    return step


def jax_step(inputs, hidden, outputs, out_act, lr):
    """The same network and SGD step in JAX, ``jax.grad`` under ``jax.jit`` (the params a
    pytree the jitted step returns updated), or None without JAX."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    sizes = [inputs, *hidden, outputs]
    rng = np.random.default_rng(0)
    state = {
        "p": [
            (jnp.asarray(rng.standard_normal((o, i)).astype(np.float32) * np.sqrt(2 / i)),
             jnp.zeros((o, 1), jnp.float32))
            for i, o in zip(sizes, sizes[1:], strict=False)
        ]
    }  # fmt: skip

    def loss_fn(p, x, y):
        a = x
        for w, b in p[:-1]:
            a = jnp.maximum(w @ a + b, 0)
        w, b = p[-1]
        out = w @ a + b
        if out_act == "sigmoid":
            return jnp.sum((jax.nn.sigmoid(out) - y) ** 2) / x.shape[1]
        return -jnp.sum(y * jax.nn.log_softmax(out, axis=0)) / x.shape[1]

    @jax.jit
    def update(p, x, y):
        loss, g = jax.value_and_grad(loss_fn)(p, x, y)
        return jax.tree_util.tree_map(lambda v, d: v - lr * d, p, g), loss

    def step(_params, X, Y):
        state["p"], loss = update(state["p"], X, Y)
        return float(loss)  # waits for the result, as the NumPy steps do

    return step


def floor_step(params, n, X):
    """The GEMM-only floor: the step's matrix products alone (forward W @ A, backward
    dz @ A.T and W.T @ dz), into preallocated arrays: no step can take less."""
    acts, dzs = [X], []
    for k in range(1, n + 1):
        acts.append(np.empty((params[f"W{k}"].shape[0], X.shape[1]), X.dtype))
    dzs = [np.empty_like(a) for a in acts]
    dWs = {k: np.empty_like(params[f"W{k}"]) for k in range(1, n + 1)}

    def step(_params, X, Y):
        for k in range(1, n + 1):
            np.matmul(params[f"W{k}"], acts[k - 1], out=acts[k])
        dzs[n][...] = acts[n]
        for k in range(n, 0, -1):
            np.matmul(dzs[k], acts[k - 1].T, out=dWs[k])
            if k > 1:
                np.matmul(params[f"W{k}"].T, dzs[k], out=dzs[k - 1])

    return step


def fused_step(module, lr):
    return lambda params, X, Y: module.sgd_step(params, X, Y, lr)


def peak_bytes(step, params, X, Y) -> int:
    """Peak bytes allocated by one call (after a first call that builds any workspace)."""
    step(params, X, Y)
    tracemalloc.start()
    try:
        step(params, X, Y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def time_block(step, params, X, Y, reps: int) -> float:
    t0 = time.perf_counter()
    for _ in range(reps):
        step(params, X, Y)
    return (time.perf_counter() - t0) / reps


def bench(label, inputs, hidden, outputs, out_act, cost, m, blocks, quick, with_torch=True):
    layers = [(h, "relu") for h in hidden] + [(outputs, out_act)]
    net = Network.from_layers("bench", inputs, layers, cost=cost)
    module = load_module(net)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((inputs, m)).astype(np.float32)
    Y = np.eye(outputs, dtype=np.float32)[:, rng.integers(0, outputs, m)]
    lr = 1e-3  # small: the weights stay near their start, so every block does the same work
    others = {"hand NumPy": hand_step(len(hidden), out_act, lr)}
    tstep = torch_step(inputs, hidden, outputs, out_act, lr) if with_torch else None
    if tstep is not None:
        others["PyTorch eager"] = tstep
    jstep = jax_step(inputs, hidden, outputs, out_act, lr) if with_torch else None
    if jstep is not None:
        others["JAX jit"] = jstep
    floor = lambda params: floor_step(params, len(hidden) + 1, X)  # noqa: E731
    table(label, module, others, X, Y, lr, blocks, quick, floor)


def bench_example(label, spec, hand, m, blocks, quick):
    """An example spec's steps against a hand-written one (``hand_layers``)."""
    module = load_module(EXAMPLES / spec)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((module.INPUTS, m)).astype(np.float32)
    Y = np.eye(module.OUTPUTS, dtype=np.float32)[:, rng.integers(0, module.OUTPUTS, m)]
    table(label, module, {"hand NumPy": hand(1e-3)}, X, Y, 1e-3, blocks, quick)


def table(label, module, others, X, Y, lr, blocks, quick, floor=None):
    """The fused step, loss_and_grad + update and ``others`` (name: step) timed in interleaved
    blocks, each with its ratio to the GEMM floor (``floor(params)`` makes it) or, without
    one, to the hand step; then the peak bytes per step."""
    p0 = module.init_params(0, np.float32)
    fresh = lambda: {k: v.copy() for k, v in p0.items()}  # noqa: E731
    steps = {"loss_and_grad+update": (generated_step(module, lr), fresh())}
    if hasattr(module, "sgd_step"):  # a module without one says why in NO_FUSED_STEP
        steps = {"fused": (fused_step(module, lr), fresh()), **steps}
    steps |= {name: (step, fresh()) for name, step in others.items()}
    base = "hand NumPy"
    if floor is not None:
        base = "GEMM floor"
        floor_params = fresh()
        steps[base] = (floor(floor_params), floor_params)
    # the three NumPy steps compute the same loss
    numpy_steps = [k for k in ("fused", "loss_and_grad+update", "hand NumPy") if k in steps]
    losses = [steps[k][0](fresh(), X, Y) for k in numpy_steps]
    assert max(losses) - min(losses) <= 1e-4 * max(1.0, abs(losses[0])), losses
    one = time_block(steps["hand NumPy"][0], fresh(), X, Y, 3)
    reps = max(3, min(2000, int(0.05 / max(one, 1e-7))))
    if quick:
        blocks = 3
    times = {k: [] for k in steps}
    for b in range(blocks):
        order = list(steps.items())
        order = order[b % len(order) :] + order[: b % len(order)]  # rotate: drift hits all
        for name, (step, params) in order:
            times[name].append(time_block(step, params, X, Y, reps))
    ref = statistics.median(times[base])
    what = "floor" if floor is not None else "hand"
    print(f"\n{label}")
    for name, t in times.items():
        med = statistics.median(t)
        print(f"  {name:<22} {med * 1e6:10.1f} us   {med / ref:6.2f}x {what}")
    sizes = sum(v.nbytes for v in p0.values()) * 2  # parameters and their gradients
    sizes += sum(v.nbytes for v in module.forward(p0, X).values() if v is not X)
    print(f"  memory: parameters + activations + gradients {sizes / 1024:.0f} KiB; peak per step:")
    for name in numpy_steps:
        step, _ = steps[name]
        print(f"    {name:<20} {peak_bytes(step, fresh(), X, Y) / 1024:10.1f} KiB", flush=True)


def blas_kernel() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return ", ".join(
        f"{i['internal_api']} {i.get('architecture')} x{i['num_threads']}" for i in info
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--blocks", type=int, default=15)
    ap.add_argument("--quick", action="store_true", help="3 blocks, for a smoke run")
    ap.add_argument(
        "--no-torch", action="store_true", help="leave PyTorch and JAX out even if installed"
    )
    args = ap.parse_args()
    print("one SGD step, float32, median of interleaved blocks; BLAS:", blas_kernel())
    for size in SIZES:
        bench(*size, blocks=args.blocks, quick=args.quick, with_torch=not args.no_torch)
    bench_example("cnn_digits (im2col), m=128", "cnn_digits.toml", hand_layers.cnn_step, 128,
                  args.blocks, args.quick)  # fmt: skip
    bench_example("rnn T=8 (BPTT loop), m=128", "rnn.toml", hand_layers.rnn_step, 128,
                  args.blocks, args.quick)  # fmt: skip


if __name__ == "__main__":
    main()
