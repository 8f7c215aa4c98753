"""One SGD step of a generated module against the same step written by hand in NumPy.

A step is ``loss_and_grad`` plus the update ``W -= lr * dW`` for every parameter, float32,
samples as columns. The hand-written step is what a careful NumPy programmer writes for the
notes' network (the loss computed too, since ``loss_and_grad`` returns it). Both run in this
process, interleaved in blocks so that drift of the machine hits both alike; the figure is the
median of the per-block ratios generated / hand. PyTorch CPU eager is timed too when it is
installed (it is not a dependency of derive).

    python benchmarks/bench_step.py [--blocks 15] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time

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
        return float(loss)

    return step


def time_block(step, params, X, Y, reps: int) -> float:
    t0 = time.perf_counter()
    for _ in range(reps):
        step(params, X, Y)
    return (time.perf_counter() - t0) / reps


def bench(label, inputs, hidden, outputs, out_act, cost, m, blocks, quick):
    layers = [(h, "relu") for h in hidden] + [(outputs, out_act)]
    net = Network.from_layers("bench", inputs, layers, cost=cost)
    module = load_module(net)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((inputs, m)).astype(np.float32)
    Y = np.eye(outputs, dtype=np.float32)[:, rng.integers(0, outputs, m)]
    lr = 1e-3  # small: the weights stay near their start, so every block does the same work
    hand = hand_step(len(hidden), out_act, lr)
    line, ratio, reps = compare(label, module, hand, X, Y, lr, blocks, quick)
    tstep = torch_step(inputs, hidden, outputs, out_act, lr)
    if tstep is not None:
        tt = statistics.median(
            time_block(tstep, None, X, Y, reps) for _ in range(max(3, blocks // 3))
        )
        line += f"   torch {tt * 1e6:9.1f} us"
    print(line, flush=True)
    return ratio


def compare(label, module, hand, X, Y, lr, blocks, quick):
    """The generated module's step against ``hand``, interleaved blocks: (line, ratio, reps)."""
    gen = generated_step(module, lr)
    p_gen = module.init_params(0, np.float32)
    p_hand = {k: v.copy() for k, v in p_gen.items()}
    # the two steps compute the same thing
    l1, l2 = (
        gen(dict((k, v.copy()) for k, v in p_gen.items()), X, Y),
        hand({k: v.copy() for k, v in p_gen.items()}, X, Y),
    )
    assert abs(l1 - l2) <= 1e-4 * max(1.0, abs(l2)), (l1, l2)
    one = time_block(hand, p_hand, X, Y, 3)
    reps = max(3, min(2000, int(0.05 / max(one, 1e-7))))
    if quick:
        blocks = 3
    ratios, t_gen, t_hand = [], [], []
    for b in range(blocks):
        order = [(gen, p_gen, t_gen), (hand, p_hand, t_hand)]
        if b % 2:
            order.reverse()
        for step, params, out in order:
            out.append(time_block(step, params, X, Y, reps))
        ratios.append(t_gen[-1] / t_hand[-1])
    line = (
        f"{label:<28} hand {statistics.median(t_hand) * 1e6:9.1f} us   "
        f"generated {statistics.median(t_gen) * 1e6:9.1f} us   "
        f"ratio {statistics.median(ratios):.3f}"
    )
    return line, statistics.median(ratios), reps


def bench_example(label, spec, hand, m, blocks, quick):
    """An example spec's generated step against a hand-written one (``hand_layers``)."""
    module = load_module(EXAMPLES / spec)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((module.INPUTS, m)).astype(np.float32)
    Y = np.eye(module.OUTPUTS, dtype=np.float32)[:, rng.integers(0, module.OUTPUTS, m)]
    line, ratio, _ = compare(label, module, hand(1e-3), X, Y, 1e-3, blocks, quick)
    print(line, flush=True)
    return ratio


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--blocks", type=int, default=15)
    ap.add_argument("--quick", action="store_true", help="3 blocks, for a smoke run")
    args = ap.parse_args()
    print("one SGD step, float32, median of interleaved blocks (generated / hand)")
    for size in SIZES:
        bench(*size, blocks=args.blocks, quick=args.quick)
    bench_example("cnn_digits (im2col), m=128", "cnn_digits.toml", hand_layers.cnn_step, 128,
                  args.blocks, args.quick)  # fmt: skip
    bench_example("rnn T=8 (BPTT loop), m=128", "rnn.toml", hand_layers.rnn_step, 128,
                  args.blocks, args.quick)  # fmt: skip


if __name__ == "__main__":
    main()
