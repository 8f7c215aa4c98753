"""The image and row-block kernels, written once: the code generated modules carry (NumPy's,
torch's and JAX's alike) and the values the NumPy evaluators (worked examples, the code
checker) give image nodes.

Each kernel is an ordinary function here, tested like any other, and its source is copied
into a generated module that uses it (``helpers``), so the module needs nothing but its array
library. A kernel calls the operations NumPy, torch and jax.numpy share (reshape, slices, @,
.T, sums) and the few primitives they spell differently, defined first below for NumPy and
under the same names in ``convtorch`` and ``convjax``: a module gets the kernels' source with
its library's primitives. Samples stay the columns: an image batch is (C*H*W, m), viewed as
(C, H, W, m) so that the samples are the contiguous last axis. No Python loop runs over
samples or pixels: windows are contracted in one product; the input gradient and the pooling
gradient loop over the kh*kw window offsets only.
"""

from __future__ import annotations

import inspect
import re
import sys

import numpy as np

from derive.engine.ir import (
    AvgPool,
    AvgPoolGrad,
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
    WindowNode,
)

# ---- NumPy's primitives (convtorch and convjax define the same names for their library)


def _slide(img, kernel, stride):
    # (C, OH, OW, m, kh, kw): every window of the (C, H, W, m) images, a view (no copy); the
    # stride is (down, across); rows and columns no window reaches are left out.
    view = np.lib.stride_tricks.sliding_window_view(img, kernel, axis=(1, 2))
    return view[:, :: stride[0], :: stride[1]]


def _add_window(dx, u, v, stride, out, value):
    # dx[:, u + i*sh, v + j*sw] += value[:, i, j] for each of the out = (OH, OW) windows.
    sh, sw = stride
    part = dx[:, u : u + sh * out[0] : sh, v : v + sw * out[1] : sw]
    np.add(part, value, out=part)
    return dx


def _zeros(like, shape):
    return np.zeros(shape, dtype=like.dtype)


def _pad(a, widths):
    # a with zeros around it, widths ((before, after), ...) per axis.
    return np.pad(a, widths)


def _amax(a, axes):
    return a.max(axis=axes)


def _argmax(a, axis):
    return a.argmax(axis=axis)


def _permute(a, axes):
    return a.transpose(axes)


# ---- the kernels, on those primitives


def _windows(x, image, kernel, stride, padding):
    # (C, OH, OW, m, kh, kw): every window of every sample of the zero-padded x.
    C, H, W = image
    img = x.reshape(C, H, W, x.shape[1])
    if padding:
        img = _pad(img, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    return _slide(img, kernel, stride)


def _im2col(x, image, kernel, stride, padding):
    # (C*kh*kw, OH*OW*m): each window of each sample a column, rows in the kernel's order.
    win = _windows(x, image, kernel, stride, padding)
    return _permute(win, (0, 4, 5, 1, 2, 3)).reshape(image[0] * kernel[0] * kernel[1], -1)


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
    oh = (H + 2 * padding - kh) // stride[0] + 1
    ow = (W + 2 * padding - kw) // stride[1] + 1
    cols = (w.T @ g.reshape(w.shape[0], -1)).reshape(C, kh, kw, oh, ow, m)
    dx = _zeros(g, (C, H + 2 * padding, W + 2 * padding, m))
    for u in range(kh):
        for v in range(kw):
            dx = _add_window(dx, u, v, stride, (oh, ow), cols[:, u, v])
    return dx[:, padding : padding + H, padding : padding + W].reshape(-1, m)


def _pool_blocks(x, image, size, stride):
    # (C, OH, OW, m, ph*pw): each window's entries in row-major order.
    win = _windows(x, image, size, stride, 0)
    return win.reshape(*win.shape[:4], -1)


def _maxpool(x, image, size, stride):
    # The maximum of each size[0] x size[1] window, channel by channel.
    C, H, W = image
    (ph, pw), m = size, x.shape[1]
    if tuple(stride) == tuple(size) and H % ph == 0 and W % pw == 0:  # tiles: a reshape
        return _amax(x.reshape(C, H // ph, ph, W // pw, pw, m), (2, 4)).reshape(-1, m)
    return _amax(_windows(x, image, size, stride, 0), (4, 5)).reshape(-1, x.shape[1])


def _maxpool_grad(x, g, image, size, stride):
    # Each window's g goes to its maximum: argmax picks the first in row-major order on a tie;
    # windows that overlap add up.
    C, H, W = image
    m = x.shape[1]
    oh, ow = (H - size[0]) // stride[0] + 1, (W - size[1]) // stride[1] + 1
    g4 = g.reshape(C, oh, ow, m)
    first = _argmax(_pool_blocks(x, image, size, stride), 4)
    dx = _zeros(g, (C, H, W, m))
    for u in range(size[0]):
        for v in range(size[1]):
            dx = _add_window(dx, u, v, stride, (oh, ow), g4 * (first == u * size[1] + v))
    return dx.reshape(-1, m)


def _avgpool(x, image, size, stride):
    # The mean of each size[0] x size[1] window, channel by channel.
    win = _windows(x, image, size, stride, 0)
    return (win.sum(axis=(4, 5)) / (size[0] * size[1])).reshape(-1, x.shape[1])


def _avgpool_grad(g, image, size, stride):
    # Each window's g shared equally by its pixels; windows that overlap add up.
    C, H, W = image
    m = g.shape[1]
    oh, ow = (H - size[0]) // stride[0] + 1, (W - size[1]) // stride[1] + 1
    share = g.reshape(C, oh, ow, m) / (size[0] * size[1])
    dx = _zeros(g, (C, H, W, m))
    for u in range(size[0]):
        for v in range(size[1]):
            dx = _add_window(dx, u, v, stride, (oh, ow), share)
    return dx.reshape(-1, m)


def _pad_rows(a, start, total):
    # a at rows start... of zeros: the gradient of a block of rows (an RNN's x_t).
    return _pad(a, ((start, total - start - a.shape[0]), (0, 0)))


def _group_sum(a, k):
    # The sum of each run of k rows: a channel's pixels.
    return a.reshape(-1, k, a.shape[1]).sum(axis=1)


# The kernel that computes each window node and row-block node that has one.
KERNELS = {
    Conv: _conv,
    ConvGradW: _conv_grad_w,
    ConvGradX: _conv_grad_x,
    MaxPool: _maxpool,
    PoolGrad: _maxpool_grad,
    AvgPool: _avgpool,
    AvgPoolGrad: _avgpool_grad,
    GroupSum: _group_sum,
    PadRows: _pad_rows,
}

# fmt: off
# The row-block nodes: node type -> (its NumPy code, its value), each from the node and its
# one operand's code or value (Repeat and Rows have no kernel: one library call, one slice).
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


def im2col_call(node: WindowNode, x: str) -> str:
    """The expression of a convolution's im2col copy of its input ``x``."""
    return f"_im2col({x}, {', '.join(repr(g) for g in node.geometry)})"


def functions(module) -> dict[str, object]:
    """The module's private functions (its kernels and primitives) by name, in source order."""
    found = [f for f in vars(module).values() if inspect.isfunction(f)]
    found = [f for f in found if f.__module__ == module.__name__ and f.__name__.startswith("_")]
    return {f.__name__: f for f in sorted(found, key=lambda f: f.__code__.co_firstlineno)}


def calls(source: str, names) -> set[str]:
    """The names among ``names`` that ``source`` calls."""
    return {name for name in names if re.search(rf"\b{name}\(", source)}


def helpers(code: str, library=None, present=()) -> list[str]:
    """The source of every kernel and primitive that ``code`` calls (and those they call), in
    this module's order, each once, leaving out what ``present`` (sources) already defines.
    ``library``: a module whose functions replace those of the same names (``convtorch`` and
    ``convjax`` their primitives); NumPy's by default."""
    own = functions(sys.modules[__name__])
    if library is not None:
        own |= functions(library)
    source = {name: inspect.getsource(fn) for name, fn in own.items()}
    needed = calls(code, own)
    while extra := {c for name in needed for c in calls(source[name], own)} - needed:
        needed |= extra
    return [source[name] for name in own if name in needed and source[name] not in present]
