"""Convolution and max pooling in vectorized NumPy: the kernels generated modules carry, and
the values the NumPy evaluators (worked examples, the code checker) give image nodes.

Each kernel is an ordinary function here, tested like any other, and its source is copied
into a generated module that uses it (``helpers``), so the module needs nothing but NumPy.
Samples stay the columns: an image batch is (C*H*W, m), viewed as (C, H, W, m) so that the
samples are the contiguous last axis. No Python loop runs over samples or pixels: windows come
from ``sliding_window_view`` and are contracted in one ``tensordot``; the input gradient and
the pooling gradient loop over the kh*kw window offsets only.
"""

from __future__ import annotations

import inspect
import re

import numpy as np

from derive.engine.ir import (
    Conv,
    ConvGradW,
    ConvGradX,
    GroupSum,
    MaxPool,
    Node,
    PadRows,
    PoolGrad,
    Repeat,
    Rows,
)


def _windows(x, image, kernel, stride, padding):
    # (C, OH, OW, m, kh, kw): every window of every sample, a view (no copy) of the padded x.
    C, H, W = image
    img = x.reshape(C, H, W, x.shape[1])
    if padding:
        img = np.pad(img, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    view = np.lib.stride_tricks.sliding_window_view(img, kernel, axis=(1, 2))
    return view[:, ::stride, ::stride]


def _im2col(x, image, kernel, stride, padding):
    # (C*kh*kw, OH*OW*m): each window of each sample a column, rows in the kernel's order.
    win = _windows(x, image, kernel, stride, padding)
    return win.transpose(0, 4, 5, 1, 2, 3).reshape(image[0] * kernel[0] * kernel[1], -1)


def _conv(w, x, image, kernel, stride, padding):
    # z[c', i, j] = sum over c, u, v of w[c', c, u, v] x[c, i*s + u, j*s + v]: one product.
    return (w @ _im2col(x, image, kernel, stride, padding)).reshape(-1, x.shape[1])


def _conv_grad_w(x, g, image, kernel, stride, padding):
    # dW[c', c, u, v] = sum over samples, i, j of g[c', i, j] x[c, i*s + u, j*s + v].
    cols = _im2col(x, image, kernel, stride, padding)
    return g.reshape(-1, cols.shape[1]) @ cols.T


def _conv_grad_x(w, g, image, kernel, stride, padding):
    # dx = the full convolution of g with the flipped kernel: one product gives each kernel
    # offset's share, then kh*kw slice additions put it at the pixels the offset touched.
    C, H, W = image
    kh, kw = kernel
    m = g.shape[1]
    oh, ow = (H + 2 * padding - kh) // stride + 1, (W + 2 * padding - kw) // stride + 1
    cols = (w.T @ g.reshape(w.shape[0], -1)).reshape(C, kh, kw, oh, ow, m)
    dx = np.zeros((C, H + 2 * padding, W + 2 * padding, m), dtype=g.dtype)
    for u in range(kh):
        for v in range(kw):
            dx[:, u : u + stride * oh : stride, v : v + stride * ow : stride] += cols[:, u, v]
    return dx[:, padding : padding + H, padding : padding + W].reshape(-1, m)


def _pool_blocks(x, image, size, stride):
    # (C, OH, OW, m, ph*pw): each window's entries in row-major order.
    win = _windows(x, image, size, stride, 0)
    return win.reshape(*win.shape[:4], -1)


def _maxpool(x, image, size, stride):
    # The maximum of each size[0] x size[1] window, channel by channel.
    C, H, W = image
    if stride == size[0] == size[1]:
        tiles = x.reshape(C, H // stride, stride, W // stride, stride, x.shape[1])
        return tiles.max(axis=(2, 4)).reshape(-1, x.shape[1])
    return _windows(x, image, size, stride, 0).max(axis=(4, 5)).reshape(-1, x.shape[1])


def _maxpool_grad(x, g, image, size, stride):
    # Each window's g goes to its maximum: argmax picks the first in row-major order on a tie.
    C, H, W = image
    m = x.shape[1]
    oh, ow = (H - size[0]) // stride + 1, (W - size[1]) // stride + 1
    g4 = g.reshape(C, oh, ow, m)
    if stride == size[0] == size[1]:  # tiles: offset by offset, the first maximum not yet taken
        tiles = x.reshape(C, oh, stride, ow, stride, m)
        top = tiles.max(axis=(2, 4))
        dx = np.empty(tiles.shape, dtype=g.dtype)
        free = np.ones(top.shape, dtype=bool)
        hit = np.empty(top.shape, dtype=bool)
        for u in range(stride):
            for v in range(stride):  # in place: no temporaries per offset
                np.equal(tiles[:, :, u, :, v], top, out=hit)
                hit &= free
                np.multiply(g4, hit, out=dx[:, :, u, :, v])
                free ^= hit  # hit is within free: this takes it out
        return dx.reshape(-1, m)
    first = _pool_blocks(x, image, size, stride).argmax(axis=4)
    dx = np.zeros((C, H, W, m), dtype=g.dtype)
    for u in range(size[0]):
        for v in range(size[1]):
            hit = g4 * (first == u * size[1] + v)
            dx[:, u : u + stride * oh : stride, v : v + stride * ow : stride] += hit
    return dx.reshape(-1, m)


def _pad_rows(a, start, total):
    # a at rows start... of zeros: the gradient of a block of rows (an RNN's x_t).
    out = np.zeros((total, a.shape[1]), dtype=a.dtype)
    out[start : start + a.shape[0]] = a
    return out


def _group_sum(a, k):
    # The sum of each run of k rows: a channel's pixels.
    return a.reshape(-1, k, a.shape[1]).sum(axis=1)


# The kernel that computes each node, and the kernels each kernel calls.
KERNELS = {
    Conv: _conv,
    ConvGradW: _conv_grad_w,
    ConvGradX: _conv_grad_x,
    MaxPool: _maxpool,
    PoolGrad: _maxpool_grad,
    GroupSum: _group_sum,
    PadRows: _pad_rows,
}
_CALLS = {
    _im2col: [_windows],
    _conv: [_im2col],
    _conv_grad_w: [_im2col],
    _maxpool: [_windows],
    _pool_blocks: [_windows],
    _maxpool_grad: [_windows, _pool_blocks],
}
_ORDER = [_windows, _im2col, _conv, _conv_grad_w, _conv_grad_x, _pool_blocks, _maxpool]
_ORDER += [_maxpool_grad, _pad_rows, _group_sum]


# fmt: off
# The row-block nodes (no kernel of their own): node type -> (its NumPy code, its value), each
# from the node and its one operand's code or value.
_ROW_OPS = {
    Repeat:   (lambda n, a: f"np.repeat({a}, {n.k}, axis=0)",
               lambda n, a: np.repeat(a, n.k, axis=0)),
    GroupSum: (lambda n, a: f"_group_sum({a}, {n.k})",
               lambda n, a: _group_sum(a, n.k)),
    Rows:     (lambda n, a: f"{a}[{n.start} : {n.stop}]",
               lambda n, a: a[n.start : n.stop]),
    PadRows:  (lambda n, a: f"_pad_rows({a}, {n.start}, {n.total})",
               lambda n, a: _pad_rows(a, n.start, n.total)),
}
# fmt: on


def call(node: Node, operands: list[str]) -> str:
    """The NumPy expression of an image node, given its operands' code."""
    if type(node) in _ROW_OPS:
        return _ROW_OPS[type(node)][0](node, operands[0])
    fn = KERNELS[type(node)].__name__
    return f"{fn}({', '.join(operands)}, {', '.join(repr(g) for g in node.geometry)})"


def evaluate(node: Node, operands: list[np.ndarray]) -> np.ndarray:
    """The value of an image node from its operands' values."""
    if type(node) in _ROW_OPS:
        return _ROW_OPS[type(node)][1](node, operands[0])
    return KERNELS[type(node)](*operands, *node.geometry)


def im2col_call(node: Conv, x: str) -> str:
    """The expression of a convolution's im2col copy of its input ``x``."""
    return f"_im2col({x}, {', '.join(repr(g) for g in node.geometry)})"


def helpers(code: str, order=None, calls=None) -> list[str]:
    """The source of every kernel that ``code`` calls (and the kernels they call), in a
    fixed order, each once. ``order`` and ``calls``: another library's kernels of the same
    names (``convtorch``, ``convjax``), NumPy's by default."""
    order, calls = order or _ORDER, calls or _CALLS
    needed = {fn for fn in order if re.search(rf"\b{fn.__name__}\(", code)}
    while extra := {c for fn in needed for c in calls.get(fn, [])} - needed:
        needed |= extra
    return [inspect.getsource(fn) for fn in order if fn in needed]
