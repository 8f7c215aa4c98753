"""The derived backward inside the frameworks against their own autograd, one gradient step
(loss and all parameter gradients), float32, CPU, in this process, interleaved in blocks:

- torch: ``Model(X, Y).backward()`` (the derived ``autograd.Function``) against
  ``torch.autograd.grad`` through the same generated forward and loss;
- jax: ``jax.jit(jax.value_and_grad(loss))`` (the derived ``custom_vjp``) against
  ``jax.jit(jax.value_and_grad(...))`` of the same forward and loss without it.

The figure is the median of the per-block ratios derived / autograd (below 1: derived faster).

    python benchmarks/bench_backends.py [--blocks 9] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from derive.emit.frameworks import load_target
from derive.engine.graph import Network

SIZES = [
    ("4-3-1 (notes), m=64", 4, [3], 1, "sigmoid", "squared_error", 64),
    ("784-128-10 softmax, m=128", 784, [128], 10, "softmax", "cross_entropy", 128),
    ("784-1024-1024-10, m=256", 784, [1024, 1024], 10, "softmax", "cross_entropy", 256),
]


def _time(step, reps):
    step()  # warm (jit compiles here)
    t0 = time.perf_counter()
    for _ in range(reps):
        step()
    return (time.perf_counter() - t0) / reps


def _race(a, b, blocks):
    one = _time(b, 3)
    reps = max(3, min(2000, int(0.05 / max(one, 1e-7))))
    ta, tb, ratios = [], [], []
    for k in range(blocks):
        order = [(a, ta), (b, tb)] if k % 2 == 0 else [(b, tb), (a, ta)]
        for step, out in order:
            out.append(_time(step, reps))
        ratios.append(ta[-1] / tb[-1])
    return statistics.median(ta), statistics.median(tb), statistics.median(ratios)


def torch_steps(net, X, Y):
    import torch

    torch.set_num_threads(1)
    mod = load_target(net, "torch")
    model = mod.Model(0, torch.float32)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    leaves = list(model.parameters())

    def derived():
        for p in leaves:
            p.grad = None
        model(Xt, Yt).backward()

    def autograd():
        params = model.params()
        loss = mod._loss(mod.forward(params, Xt), Yt)
        return torch.autograd.grad(loss, leaves)

    derived()
    got = [p.grad.clone() for p in leaves]
    for g, w in zip(got, autograd(), strict=True):
        assert torch.allclose(g, w, rtol=1e-3, atol=1e-5)
    return derived, autograd


def jax_steps(net, X, Y):
    import jax

    mod = load_target(net, "jax")
    params = mod.init_params(0, np.float32)
    derived_fn = jax.jit(jax.value_and_grad(mod.loss))
    plain_fn = jax.jit(jax.value_and_grad(lambda p, X, Y: mod._loss(mod.forward(p, X), Y)))

    def derived():
        return jax.block_until_ready(derived_fn(params, X, Y))

    def autograd():
        return jax.block_until_ready(plain_fn(params, X, Y))

    (_, g1), (_, g2) = derived(), autograd()
    for k in g1:
        assert np.allclose(np.asarray(g1[k]), np.asarray(g2[k]), rtol=1e-3, atol=1e-5)
    return derived, autograd


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--blocks", type=int, default=9)
    ap.add_argument("--quick", action="store_true", help="3 blocks, for a smoke run")
    args = ap.parse_args()
    blocks = 3 if args.quick else args.blocks
    print("one gradient step, float32, CPU; median of interleaved blocks (derived / autograd)")
    for label, inputs, hidden, outputs, out_act, cost, m in SIZES:
        net = Network.from_layers(
            "bench", inputs, [(h, "relu") for h in hidden] + [(outputs, out_act)], cost=cost
        )
        rng = np.random.default_rng(0)
        X = rng.standard_normal((inputs, m)).astype(np.float32)
        Y = np.eye(outputs, dtype=np.float32)[:, rng.integers(0, outputs, m)]
        for name, make in (("torch", torch_steps), ("jax", jax_steps)):
            ta, tb, r = _race(*make(net, X, Y), blocks)
            print(
                f"{label:<28} {name:<5} derived {ta * 1e6:9.1f} us   autograd {tb * 1e6:9.1f} us"
                f"   ratio {r:.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
