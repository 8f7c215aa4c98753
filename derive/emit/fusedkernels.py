"""The image nodes' kernels for the fused step: ``convcode``'s kernels written into arrays the
step keeps between calls, the same operations in the same order (so the same numbers).

Each is an ordinary function here, tested like any other, and its source is copied into a
generated module whose fused step calls it (``helpers``). Every array they write is an
argument (a workspace array or a view of one); what they make themselves are views
(``reshape`` of a contiguous array, slices, ``sliding_window_view``), never array data. A
padded image is a workspace array made with zeros: its border is never written, so it stays
zero from one call to the next. The windows (``_slide``) and the slice additions over them
(``_add_window``) are convcode's own primitives, copied in with the kernels that call them.
"""

from __future__ import annotations

import inspect

import numpy as np

from . import convcode
from .convcode import _add_window, _slide


def _im2col_into(x, image, kernel, stride, padding, padded, cols):
    # cols (C*kh*kw, OH*OW*m) := each window of each sample a column, as _im2col; through
    # padded (C, H+2p, W+2p, m), whose zero border is never written, when padding.
    C, H, W = image
    m = x.shape[1]
    img = x.reshape(C, H, W, m)
    if padding:
        np.copyto(padded[:, padding : padding + H, padding : padding + W], img)
        img = padded
    win = _slide(img, kernel, stride)
    oh, ow = win.shape[1], win.shape[2]
    np.copyto(cols.reshape(C, kernel[0], kernel[1], oh, ow, m), win.transpose(0, 4, 5, 1, 2, 3))


def _conv_grad_x_into(w, g, image, kernel, stride, padding, cols, padded, out):
    # out := _conv_grad_x(w, g, ...): each kernel offset's share in one product (into cols),
    # then kh*kw slice additions into the zeroed padded image (out itself without padding).
    C, H, W = image
    kh, kw = kernel
    m = g.shape[1]
    oh = (H + 2 * padding - kh) // stride[0] + 1
    ow = (W + 2 * padding - kw) // stride[1] + 1
    np.matmul(w.T, g.reshape(w.shape[0], -1), out=cols)
    share = cols.reshape(C, kh, kw, oh, ow, m)
    dx = padded if padding else out.reshape(C, H, W, m)
    dx.fill(0)
    for u in range(kh):
        for v in range(kw):
            _add_window(dx, u, v, stride, (oh, ow), share[:, u, v])
    if padding:
        np.copyto(out.reshape(C, H, W, m), padded[:, padding : padding + H, padding : padding + W])


def _maxpool_into(x, image, size, stride, out):
    # out := _maxpool(x, ...): the maximum of each window, channel by channel.
    C, H, W = image
    (ph, pw), m = size, x.shape[1]
    if tuple(stride) == tuple(size) and H % ph == 0 and W % pw == 0:  # tiles: a reshape
        tiles = x.reshape(C, H // ph, ph, W // pw, pw, m)
        np.max(tiles, axis=(2, 4), out=out.reshape(C, H // ph, W // pw, m))
        return
    win = _slide(x.reshape(C, H, W, m), size, stride)
    np.max(win, axis=(4, 5), out=out.reshape(win.shape[:4]))


def _maxpool_grad_tiles_into(x, g, top, image, size, share, free, hit, out):
    # out := _maxpool_grad(x, g, ...) for tiles (stride == size, dividing the image): offset
    # by offset, g where the first maximum not yet taken is, 0 elsewhere; top is the pooled x
    # (the forward's maxpool); share (x's dtype), free and hit (booleans) are (C, OH, OW, m).
    # Each offset writes its whole slice of out (g times hit as 0/1 in share: a bool operand
    # would make multiply cast through a buffer), so out needs no zeroing; the ufuncs read and
    # write the strided views directly (a masked copyto was 4-5x slower on cnn_digits' shapes).
    C, H, W = image
    m = x.shape[1]
    ph, pw = size
    oh, ow = H // ph, W // pw
    tiles = x.reshape(C, oh, ph, ow, pw, m)
    top = top.reshape(C, oh, ow, m)
    g4 = g.reshape(C, oh, ow, m)
    dx = out.reshape(C, oh, ph, ow, pw, m)
    free.fill(True)
    for u in range(ph):
        for v in range(pw):
            np.equal(tiles[:, :, u, :, v], top, out=hit)
            np.logical_and(free, hit, out=hit)
            np.copyto(share, hit)
            np.multiply(g4, share, out=dx[:, :, u, :, v])
            np.greater(free, hit, out=free)  # free and not hit


def _maxpool_grad_into(x, g, image, size, stride, blocks, first, hit, share, out):
    # out := _maxpool_grad(x, g, ...) for overlapping or uneven windows: each window's g to the
    # first maximum in row-major order (argmax over blocks (C, OH, OW, m, ph*pw), into first),
    # windows that overlap adding up; hit is boolean and share in g's dtype, (C, OH, OW, m).
    C, H, W = image
    m = x.shape[1]
    ph, pw = size
    oh, ow = (H - ph) // stride[0] + 1, (W - pw) // stride[1] + 1
    np.copyto(blocks.reshape(C, oh, ow, m, ph, pw), _slide(x.reshape(C, H, W, m), size, stride))
    np.argmax(blocks, axis=4, out=first)
    g4 = g.reshape(C, oh, ow, m)
    dx = out.reshape(C, H, W, m)
    dx.fill(0)
    for u in range(ph):
        for v in range(pw):
            np.equal(first, u * pw + v, out=hit)
            np.multiply(g4, hit, out=share)
            _add_window(dx, u, v, stride, (oh, ow), share)


def _avgpool_into(x, image, size, stride, out):
    # out := _avgpool(x, ...): each window's sum, then divided by its size, in place.
    C, H, W = image
    win = _slide(x.reshape(C, H, W, x.shape[1]), size, stride)
    np.sum(win, axis=(4, 5), out=out.reshape(win.shape[:4]))
    np.divide(out, size[0] * size[1], out=out)


def _avgpool_grad_into(g, image, size, stride, share, out):
    # out := _avgpool_grad(g, ...): each window's g divided by its size (into share, (C, OH,
    # OW, m)), added at each of the window's offsets into the zeroed out.
    C, H, W = image
    m = g.shape[1]
    np.divide(g.reshape(share.shape), size[0] * size[1], out=share)
    dx = out.reshape(C, H, W, m)
    dx.fill(0)
    for u in range(size[0]):
        for v in range(size[1]):
            _add_window(dx, u, v, stride, share.shape[1:3], share)


KERNELS = [
    _im2col_into,
    _conv_grad_x_into,
    _maxpool_into,
    _maxpool_grad_tiles_into,
    _maxpool_grad_into,
    _avgpool_into,
    _avgpool_grad_into,
]


def helpers(names, present=()) -> list[str]:
    """The source of the kernels named in ``names``, in a fixed order, each once, and of the
    ``convcode`` primitives they call that ``present`` (sources) does not already define."""
    own = [inspect.getsource(fn) for fn in KERNELS if fn.__name__ in names]
    return convcode.helpers("\n".join(own), present=present) + own


__all__ = ["KERNELS", "helpers"]
