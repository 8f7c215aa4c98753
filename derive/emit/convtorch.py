"""torch's spelling of ``convcode``'s primitives: a generated torch module carries
``convcode``'s kernels with these in place of NumPy's (``helpers``), so each kernel is
written once and gives NumPy's numbers on the module's device. None calls autograd: the
kernels compute the IR's nodes, the gradients included. ``torch`` is the generated module's
import, so here it is imported for type checkers only (this module never runs them).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from . import convcode

if TYPE_CHECKING:
    import torch


def _slide(img, kernel, stride):
    # (C, OH, OW, m, kh, kw): every window of the (C, H, W, m) images, a view (unfold).
    return img.unfold(1, kernel[0], stride[0]).unfold(2, kernel[1], stride[1])


def _add_window(dx, u, v, stride, out, value):
    # dx[:, u + i*sh, v + j*sw] += value[:, i, j] for each of the out = (OH, OW) windows.
    sh, sw = stride
    dx[:, u : u + sh * out[0] : sh, v : v + sw * out[1] : sw] += value
    return dx


def _zeros(like, shape):
    return like.new_zeros(shape)


def _pad(a, widths):
    # a with zeros around it, widths ((before, after), ...) per axis (torch's pad wants them
    # last axis first).
    return torch.nn.functional.pad(a, [w for pair in reversed(widths) for w in pair])


def _amax(a, axes):
    return a.amax(dim=axes)


def _argmax(a, axis):
    return a.argmax(dim=axis)


def _permute(a, axes):
    return a.permute(axes)


def repeat(operand: str, k: int) -> str:
    """The torch expression of a Repeat node: each row k times."""
    return f"torch.repeat_interleave({operand}, {k}, dim=0)"


def helpers(code: str) -> list[str]:
    """The source of every kernel that ``code`` calls, with torch's primitives."""
    return convcode.helpers(code, sys.modules[__name__])
