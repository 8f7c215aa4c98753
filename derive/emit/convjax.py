"""Convolution and max pooling in jax.numpy: the kernels a generated JAX module carries.

Each is the computation of ``convcode``'s NumPy kernel of the same name (the same im2col
products, the same sums over the kh*kw window offsets, the same first maximum of a pooling
window), written for jax.numpy: its arrays are immutable and have no strided windows, so the
windows are gathered offset by offset (kh*kw slices) and the slice additions are ``.at[]``
updates; every loop is over the window's offsets only, unrolled under jit. They compute the
IR's nodes (the convolution, and the gradients the engine derived as ConvGradW, ConvGradX and
PoolGrad); none calls jax.grad. The source of each is copied into the module that calls it
(``helpers``); ``jnp`` is that module's import, so here it is imported for type checkers only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import convcode

if TYPE_CHECKING:
    import jax.numpy as jnp


def _windows(x, image, kernel, stride, padding):
    # (C, OH, OW, m, kh, kw): every window of every sample, one strided slice per offset.
    C, H, W = image
    img = x.reshape(C, H, W, x.shape[1])
    if padding:
        img = jnp.pad(img, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    oh = (img.shape[1] - kernel[0]) // stride + 1
    ow = (img.shape[2] - kernel[1]) // stride + 1
    rows = []
    for u in range(kernel[0]):
        row = [
            img[:, u : u + stride * oh : stride, v : v + stride * ow : stride]
            for v in range(kernel[1])
        ]
        rows.append(jnp.stack(row, axis=-1))
    return jnp.stack(rows, axis=-2)


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
    dx = jnp.zeros((C, H + 2 * padding, W + 2 * padding, m), dtype=g.dtype)
    for u in range(kh):
        for v in range(kw):
            dx = dx.at[:, u : u + stride * oh : stride, v : v + stride * ow : stride].add(
                cols[:, u, v]
            )
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
    # Each window's g goes to its maximum: the first in row-major order on a tie.
    C, H, W = image
    m = x.shape[1]
    oh, ow = (H - size[0]) // stride + 1, (W - size[1]) // stride + 1
    g4 = g.reshape(C, oh, ow, m)
    if stride == size[0] == size[1]:  # tiles: offset by offset, the first maximum not yet taken
        tiles = x.reshape(C, oh, stride, ow, stride, m)
        top = tiles.max(axis=(2, 4))
        dx = jnp.zeros(tiles.shape, dtype=g.dtype)
        free = jnp.ones(top.shape, dtype=bool)
        for u in range(stride):
            for v in range(stride):
                hit = (tiles[:, :, u, :, v] == top) & free
                dx = dx.at[:, :, u, :, v].set(g4 * hit)
                free = free & ~hit
        return dx.reshape(-1, m)
    first = _pool_blocks(x, image, size, stride).argmax(axis=4)  # the first maximum
    dx = jnp.zeros((C, H, W, m), dtype=g.dtype)
    for u in range(size[0]):
        for v in range(size[1]):
            hit = g4 * (first == u * size[1] + v)
            dx = dx.at[:, u : u + stride * oh : stride, v : v + stride * ow : stride].add(hit)
    return dx.reshape(-1, m)


def _pad_rows(a, start, total):
    # a at rows start... of zeros: the gradient of a block of rows (an RNN's x_t).
    return jnp.zeros((total, a.shape[1]), dtype=a.dtype).at[start : start + a.shape[0]].set(a)


def _group_sum(a, k):
    # The sum of each run of k rows: a channel's pixels.
    return a.reshape(-1, k, a.shape[1]).sum(axis=1)


_ORDER = [_windows, _im2col, _conv, _conv_grad_w, _conv_grad_x, _pool_blocks, _maxpool]
_ORDER += [_maxpool_grad, _pad_rows, _group_sum]
_CALLS = {
    _im2col: [_windows],
    _conv: [_im2col],
    _conv_grad_w: [_im2col],
    _maxpool: [_windows],
    _pool_blocks: [_windows],
    _maxpool_grad: [_windows, _pool_blocks],
}


def repeat(operand: str, k: int) -> str:
    """The jax.numpy expression of a Repeat node: each row k times."""
    return f"jnp.repeat({operand}, {k}, axis=0)"


def helpers(code: str) -> list[str]:
    """The source of every JAX kernel that ``code`` calls, as ``convcode.helpers``."""
    return convcode.helpers(code, _ORDER, _CALLS)
