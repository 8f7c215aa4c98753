"""Average pooling against PyTorch's own ``torch.nn.AvgPool2d``: the NumPy kernel's value and
its gradient kernel (the engine's ``spread``) against the module's forward and torch's
autograd vector-Jacobian product, for square and rectangular windows, strides equal to and
smaller than the window, one and several channels."""

from __future__ import annotations

import numpy as np
import pytest

from derive.emit.convcode import _avgpool, _avgpool_grad

GEOMETRIES = [  # (C, H, W), window, stride
    ((1, 4, 4), (2, 2), 2),
    ((2, 6, 6), (3, 3), 3),
    ((3, 5, 5), (2, 2), 1),
    ((2, 4, 6), (2, 3), 1),
    ((1, 7, 7), (3, 3), 2),
    ((1, 5, 5), (2, 2), 2),  # PyTorch drops the last row and column: so does the kernel
]


@pytest.mark.parametrize("image, size, stride", GEOMETRIES)
def test_avgpool_and_its_gradient_equal_torchs(image, size, stride):
    torch = pytest.importorskip("torch")
    m = 3
    rng = np.random.default_rng(0)
    x = rng.standard_normal((int(np.prod(image)), m))
    pool = torch.nn.AvgPool2d(size, stride=stride)
    xt = torch.tensor(x.T.reshape(m, *image), requires_grad=True)  # (m, C, H, W)
    yt = pool(xt)
    want = yt.detach().numpy().reshape(m, -1).T  # back to (C*OH*OW, m) columns
    got = _avgpool(x, image, size, (stride, stride))
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)
    g = rng.standard_normal(got.shape)
    (gx,) = torch.autograd.grad(yt, xt, torch.tensor(g.T.reshape(yt.shape)))
    np.testing.assert_allclose(
        _avgpool_grad(g, image, size, (stride, stride)),
        gx.numpy().reshape(m, -1).T,
        rtol=1e-13,
        atol=1e-14,
    )
