"""Recurrent layers at real lengths: codegen time and module size against T, and one LSTM
training step beside a hand-written NumPy LSTM and torch.nn.LSTM.

Part 1: for rnn, lstm and gru (32 units, d = 1 row per step, a 10-class softmax on h_T), T in
8, 100, 784 (pixel-by-pixel MNIST's length): the wall time of ``derive codegen`` as a whole
process (a fresh interpreter: imports, derivation, printing, writing), and the module's lines.

Part 2: one training step (forward, backward, SGD update), float32, m = 64 samples, 128 units,
T = 100 steps of d = 32 rows, then a 10-class softmax on h_T, cross-entropy averaged over the
samples, in one process, interleaved in blocks (medians): the generated NumPy module
(``loss_and_grad`` + ``W -= lr * dW``), its fused step (``sgd_step``: the same numbers into
arrays kept between calls), a hand-written NumPy LSTM step in CS231n's structure
(``lstm_step_forward``/``lstm_step_backward`` looped over t, samples as rows, one (N, 4H)
product per step for the gates), and torch.nn.LSTM + Linear with autograd and an SGD step on
the CPU. The three compute the same loss from the same weights (checked).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_rnn.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_step import fused_step, generated_step  # the script's folder is on the path

from derive.emit.codegen import load_module
from derive.engine.spec import parse_spec

T_CODEGEN = (8, 100, 784)
M, N, T, D, CLASSES = 64, 128, 100, 32, 10


def spec(kind: str, steps: int, d: int, units: int) -> str:
    return "\n".join([
        f'name = "{kind}{steps}"', f"inputs = {steps * d}",
        "[[layers]]", f'kind = "{kind}"', f"units = {units}", f"steps = {steps}",
        "[[layers]]", f"units = {CLASSES}", 'activation = "softmax"',
        "[cost]", 'name = "cross_entropy"',
    ]) + "\n"  # fmt: skip


def codegen_table(quick: bool):
    print("codegen, whole process (python -m derive codegen), and the module's lines")
    print(f"{'kind':<6}" + "".join(f"{f'T = {t}':>22}" for t in T_CODEGEN))
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("rnn", "lstm", "gru"):
            cells = []
            for steps in T_CODEGEN[:2] if quick else T_CODEGEN:
                path = Path(tmp) / f"{kind}{steps}.toml"
                path.write_text(spec(kind, steps, 1, 32))
                start = time.perf_counter()
                cmd = [sys.executable, "-m", "derive", "codegen", str(path), "-o", tmp]
                subprocess.run(cmd, check=True, capture_output=True)
                seconds = time.perf_counter() - start
                lines = len((Path(tmp) / f"{kind}{steps}.py").read_text().splitlines())
                cells.append(f"{seconds:.1f} s, {lines} lines")
            print(f"{kind:<6}" + "".join(f"{c:>22}" for c in cells))


# ---- the hand-written LSTM (CS231n's rnn_layers.py structure: samples as rows) ----------------
def _sigmoid(x):
    return 0.5 + 0.5 * np.tanh(0.5 * x)


def hand_step(lr: float):
    """CS231n's lstm_forward/lstm_backward (step functions looped over t) with a softmax head
    on h_T; params hold the derive module's arrays, used transposed (rows are samples)."""

    def step(params, X, Y):
        Wx, Wh, b = params["Wx1"].T, params["Wh1"].T, params["b1"].T  # (D, 4H), (H, 4H), (1, 4H)
        W2, b2 = params["W2"], params["b2"]
        x = X.T.reshape(X.shape[1], T, D)  # (N, T, D): x[:, t] is step t
        n = x.shape[0]
        H = Wh.shape[0]
        h = np.zeros((n, H), X.dtype)
        c = np.zeros((n, H), X.dtype)
        caches = []
        for t in range(T):  # lstm_step_forward
            prev_h, prev_c = h, c
            a = x[:, t] @ Wx + prev_h @ Wh + b
            i, f, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H : 2 * H]), _sigmoid(a[:, 3 * H :])
            g = np.tanh(a[:, 2 * H : 3 * H])
            c = f * prev_c + i * g
            tc = np.tanh(c)
            h = o * tc
            caches.append((x[:, t], prev_h, prev_c, i, f, o, g, tc))
        z = W2 @ h.T + b2  # the head, samples as columns like Y
        s = z - z.max(axis=0, keepdims=True)
        e = np.exp(s)
        A = e / e.sum(axis=0, keepdims=True)
        loss = float(np.sum(-Y * (s - np.log(e.sum(axis=0, keepdims=True))))) / n
        dz = (A - Y) / n
        dW2, db2 = dz @ h, dz.sum(axis=1, keepdims=True)
        dh = (W2.T @ dz).T
        dc = np.zeros_like(dh)
        dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
        for t in reversed(range(T)):  # lstm_step_backward
            xt, prev_h, prev_c, i, f, o, g, tc = caches[t]
            do = dh * tc
            dc = dc + dh * o * (1 - tc**2)
            di, df, dg = dc * g, dc * prev_c, dc * i
            da = np.hstack([di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)])
            dWx += xt.T @ da
            dWh += prev_h.T @ da
            db += da.sum(axis=0, keepdims=True)
            dh = da @ Wh.T
            dc = dc * f
        grads = {"Wx1": dWx.T, "Wh1": dWh.T, "b1": db.T, "W2": dW2, "b2": db2}
        for key, grad in grads.items():
            params[key] -= lr * grad
        return loss

    return step


def torch_step(p0, lr: float):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(int(os.environ.get("OPENBLAS_NUM_THREADS", "2")))  # as NumPy's BLAS
    lstm = torch.nn.LSTM(D, N)
    head = torch.nn.Linear(N, CLASSES)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(p0["Wx1"]))
        lstm.weight_hh_l0.copy_(torch.from_numpy(p0["Wh1"]))
        lstm.bias_ih_l0.copy_(torch.from_numpy(p0["b1"][:, 0]))
        lstm.bias_hh_l0.zero_()
        head.weight.copy_(torch.from_numpy(p0["W2"]))
        head.bias.copy_(torch.from_numpy(p0["b2"][:, 0]))
    opt = torch.optim.SGD([*lstm.parameters(), *head.parameters()], lr=lr)

    def step(_, X, Y):
        seq = torch.from_numpy(np.ascontiguousarray(X.reshape(T, D, -1).transpose(0, 2, 1)))
        labels = torch.from_numpy(Y.argmax(axis=0))
        out, _ = lstm(seq)
        loss = torch.nn.functional.cross_entropy(head(out[-1]), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return float(loss.detach())

    return step


def blas() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return ", ".join(
        f"{i['internal_api']} {i.get('architecture')} x{i['num_threads']}" for i in info
    )


def step_table(blocks: int):
    module = load_module(parse_spec(spec("lstm", T, D, N), "bench_lstm.toml"))
    rng = np.random.default_rng(0)
    X = rng.standard_normal((module.INPUTS, M)).astype(np.float32)
    Y = np.eye(CLASSES, dtype=np.float32)[:, rng.integers(0, CLASSES, M)]
    p0 = module.init_params(0, np.float32)
    fresh = lambda: {k: v.copy() for k, v in p0.items()}  # noqa: E731
    lr = 1e-3
    steps = {
        "generated NumPy": generated_step(module, lr),
        "generated fused step": fused_step(module, lr),
        "hand NumPy (CS231n)": hand_step(lr),
    }
    losses = {name: step(fresh(), X, Y) for name, step in steps.items()}
    torch = torch_step(fresh(), lr)
    if torch is not None:
        steps["torch.nn.LSTM (CPU)"] = torch
        losses["torch.nn.LSTM (CPU)"] = torch(None, X, Y)
    values = list(losses.values())
    assert max(values) - min(values) <= 1e-4 * max(1.0, abs(values[0])), losses
    params = {name: fresh() for name in steps}
    times: dict[str, list[float]] = {name: [] for name in steps}
    order = list(steps)
    for block in range(blocks):
        for name in order[block % len(order) :] + order[: block % len(order)]:
            start = time.perf_counter()
            for _ in range(3):
                steps[name](params[name], X, Y)
            times[name].append((time.perf_counter() - start) / 3)
    hand = statistics.median(times["hand NumPy (CS231n)"])
    print(f"\none LSTM training step, float32, m = {M}, {N} units, T = {T}, d = {D}, 10 classes")
    print(f"BLAS: {blas()}")
    for name in order:
        t = statistics.median(times[name])
        print(f"  {name:<22} {t * 1e3:8.1f} ms   {t / hand:5.2f}x the hand step")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--blocks", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="T up to 100, 3 blocks")
    args = ap.parse_args()
    codegen_table(args.quick)
    step_table(3 if args.quick else args.blocks)


if __name__ == "__main__":
    main()
