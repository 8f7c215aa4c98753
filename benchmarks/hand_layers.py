"""Hand-written NumPy steps for the convolution and recurrence cases of ``bench_step.py``:
what a careful NumPy programmer writes for examples/cnn_digits.toml (im2col) and
examples/rnn.toml (a BPTT loop), samples as columns, loss included, SGD update in place."""

from __future__ import annotations

import numpy as np


def cnn_step(lr: float):
    """conv 8 channels 3x3 same padding, relu, 2x2 max pool, dense softmax on 1x8x8 images."""

    def step(params, X, Y):
        W1, b1, W3, b3 = params["W1"].reshape(8, 9), params["b1"], params["W3"], params["b3"]
        m = X.shape[1]
        pad = np.pad(X.reshape(1, 8, 8, m), ((0, 0), (1, 1), (1, 1), (0, 0)))
        win = np.lib.stride_tricks.sliding_window_view(pad, (3, 3), axis=(1, 2))
        cols = win.transpose(0, 4, 5, 1, 2, 3).reshape(9, 64 * m)  # im2col: (C*kh*kw, pixels*m)
        z1 = (W1 @ cols).reshape(8, 64, m) + b1[:, :, None]
        A1 = np.maximum(z1, 0).reshape(8, 4, 2, 4, 2, m)
        A2 = A1.max(axis=(2, 4))
        z3 = W3 @ A2.reshape(128, m) + b3
        s = z3 - z3.max(axis=0, keepdims=True)
        e = np.exp(s)
        total = e.sum(axis=0, keepdims=True)
        loss = float(np.sum(-Y * (s - np.log(total)))) / m
        dz3 = (e / total - Y) / m
        dW3 = dz3 @ A2.reshape(128, m).T
        db3 = dz3.sum(axis=1, keepdims=True)
        dA2 = (W3.T @ dz3).reshape(8, 4, 1, 4, 1, m)
        dA1 = (A1 == A2[:, :, None, :, None]) * dA2  # a tie sends to each maximum
        dz1 = dA1.reshape(8, 64, m) * (z1 > 0)
        dW1 = dz1.reshape(8, 64 * m) @ cols.T
        db1 = dz1.sum(axis=(1, 2))[:, None]
        dW1 = dW1.reshape(params["W1"].shape)  # the params keep PyTorch's (8, 1, 3, 3)
        for key, g in (("W1", dW1), ("b1", db1), ("W3", dW3), ("b3", db3)):
            params[key] -= lr * g
        return loss

    return step


def rnn_step(lr: float, steps: int = 8, d: int = 8):
    """tanh rnn over T = 8 steps of 8 rows, h_0 = 0, then dense softmax; BPTT as a loop."""

    def step(params, X, Y):
        Wx, Wh, b, W2, b2 = (params[k] for k in ("Wx1", "Wh1", "b1", "W2", "b2"))
        m = X.shape[1]
        hs = [np.zeros((Wh.shape[0], m), dtype=X.dtype)]
        for t in range(steps):
            hs.append(np.tanh(Wx @ X[t * d : (t + 1) * d] + Wh @ hs[-1] + b))
        z2 = W2 @ hs[-1] + b2
        s = z2 - z2.max(axis=0, keepdims=True)
        e = np.exp(s)
        total = e.sum(axis=0, keepdims=True)
        loss = float(np.sum(-Y * (s - np.log(total)))) / m
        dz2 = (e / total - Y) / m
        grads = {"W2": dz2 @ hs[-1].T, "b2": dz2.sum(axis=1, keepdims=True)}
        dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
        dh = W2.T @ dz2
        for t in range(steps, 0, -1):
            dz = dh * (1 - hs[t] ** 2)
            dWx += dz @ X[(t - 1) * d : t * d].T
            dWh += dz @ hs[t - 1].T
            db += dz.sum(axis=1, keepdims=True)
            dh = Wh.T @ dz
        grads.update(Wx1=dWx, Wh1=dWh, b1=db)
        for key, g in grads.items():
            params[key] -= lr * g
        return loss

    return step
