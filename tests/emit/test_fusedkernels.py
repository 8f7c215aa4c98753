"""The fused step's image kernels against convcode's: the same numbers for every geometry
drawn (strides, padding, overlapping and tiling pools, ties in a window), written into the
arrays given, and allocation-free after the first call."""

import tracemalloc

import numpy as np
import pytest

from derive.emit import convcode
from derive.emit import fusedkernels as fk


def _geometries():
    for C, H, W in [(1, 4, 4), (2, 5, 6), (3, 6, 6)]:
        for kh, kw in [(1, 1), (2, 3), (3, 3)]:
            for stride in (1, 2):
                for padding in (0, 1, 2):
                    oh = (H + 2 * padding - kh) // stride + 1
                    ow = (W + 2 * padding - kw) // stride + 1
                    if oh > 0 and ow > 0 and (H + 2 * padding - kh) % stride == 0:
                        yield (C, H, W), (kh, kw), (stride, stride), padding


GEOMETRIES = list(_geometries())


@pytest.mark.parametrize("image, kernel, stride, padding", GEOMETRIES)
def test_im2col_and_conv_grad_x_into_equal_convcode(image, kernel, stride, padding):
    C, H, W = image
    m, channels = 3, 2
    rng = np.random.default_rng(0)
    x = rng.standard_normal((C * H * W, m))
    w = rng.standard_normal((channels, C * kernel[0] * kernel[1]))
    want = convcode._im2col(x, image, kernel, stride, padding)
    padded = np.zeros((C, H + 2 * padding, W + 2 * padding, m))
    cols = np.empty_like(want)
    for _ in range(2):  # the padded image's border stays zero between calls
        fk._im2col_into(x, image, kernel, stride, padding, padded, cols)
        assert np.array_equal(cols, want)
    g = rng.standard_normal((channels * want.shape[1] // m, m))
    want = convcode._conv_grad_x(w, g, image, kernel, stride, padding)
    out, scratch = np.empty_like(want), np.empty_like(cols)
    fk._conv_grad_x_into(w, g, image, kernel, stride, padding, scratch, padded, out)
    np.testing.assert_allclose(out, want, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize(
    "image, size, stride",
    [((2, 4, 4), (2, 2), (2, 2)), ((1, 6, 6), (3, 3), (3, 3)), ((2, 5, 5), (2, 2), (1, 1)),
     ((1, 5, 4), (3, 2), (1, 1)), ((3, 5, 5), (1, 1), (1, 1)), ((2, 6, 6), (2, 2), (1, 1)),
     ((1, 6, 4), (3, 2), (3, 2)), ((2, 7, 5), (3, 2), (3, 2)), ((1, 7, 6), (2, 3), (3, 1))],
)  # fmt: skip
def test_maxpool_and_its_gradient_into_equal_convcode(image, size, stride):
    C, H, W = image
    m = 4
    rng = np.random.default_rng(1)
    x = rng.integers(0, 3, (C * H * W, m)).astype(float)  # few values: ties in every window
    want = convcode._maxpool(x, image, size, stride)
    top = np.empty_like(want)
    fk._maxpool_into(x, image, size, stride, top)
    assert np.array_equal(top, want)
    g = rng.standard_normal(want.shape)
    want = convcode._maxpool_grad(x, g, image, size, stride)
    out = np.full_like(want, np.nan)
    oh, ow = (H - size[0]) // stride[0] + 1, (W - size[1]) // stride[1] + 1
    pooled = (C, oh, ow, m)
    tiles = stride == size and H % size[0] == W % size[1] == 0
    share = np.empty(pooled)
    free, hit = np.empty(pooled, bool), np.empty(pooled, bool)
    blocks, first = np.empty((*pooled, size[0] * size[1])), np.empty(pooled, np.intp)

    def call():
        if tiles:
            fk._maxpool_grad_tiles_into(x, g, top, image, size, share, free, hit, out)
        else:
            fk._maxpool_grad_into(x, g, image, size, stride, blocks, first, hit, share, out)

    call()
    assert np.array_equal(out, want)
    tracemalloc.start()
    try:
        call()
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kept < 1024 and peak < np.getbufsize() * 8 + 8192, (kept, peak)


@pytest.mark.parametrize(
    "image, size, stride",
    [((2, 4, 4), (2, 2), (2, 2)), ((1, 7, 6), (3, 2), (3, 2)), ((2, 5, 5), (2, 2), (1, 1)),
     ((1, 7, 6), (2, 3), (3, 1))],
)  # fmt: skip
def test_avgpool_and_its_gradient_into_equal_convcode(image, size, stride):
    C, H, W = image
    m = 4
    rng = np.random.default_rng(2)
    x = rng.standard_normal((C * H * W, m))
    want = convcode._avgpool(x, image, size, stride)
    out = np.full_like(want, np.nan)
    fk._avgpool_into(x, image, size, stride, out)
    assert np.array_equal(out, want)
    g = rng.standard_normal(want.shape)
    want = convcode._avgpool_grad(g, image, size, stride)
    dx = np.full_like(want, np.nan)
    oh, ow = (H - size[0]) // stride[0] + 1, (W - size[1]) // stride[1] + 1
    share = np.empty((C, oh, ow, m))
    fk._avgpool_grad_into(g, image, size, stride, share, dx)
    assert np.array_equal(dx, want)
    tracemalloc.start()
    try:
        fk._avgpool_into(x, image, size, stride, out)
        fk._avgpool_grad_into(g, image, size, stride, share, dx)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kept < 1024 and peak < np.getbufsize() * 8 + 8192, (kept, peak)
