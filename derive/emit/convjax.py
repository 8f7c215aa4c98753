"""jax.numpy's spelling of ``convcode``'s primitives: a generated JAX module carries
``convcode``'s kernels with these in place of NumPy's (``helpers``), so each kernel is
written once. jax arrays are immutable and have no strided windows: the windows are gathered
offset by offset (kh*kw strided slices) and a slice addition is an ``.at[]`` update; every
loop is over the window's offsets only, unrolled under jit. None calls jax.grad: the kernels
compute the IR's nodes, the gradients included. The primitives NumPy spells as methods
(max, argmax, transpose) are NumPy's own. ``jnp`` is the generated module's import, so here
it is imported for type checkers only.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from . import convcode

if TYPE_CHECKING:
    import jax.numpy as jnp


def _slide(img, kernel, stride):
    # (C, OH, OW, m, kh, kw): every window of the (C, H, W, m) images, one slice per offset.
    sh, sw = stride
    oh = (img.shape[1] - kernel[0]) // sh + 1
    ow = (img.shape[2] - kernel[1]) // sw + 1
    rows = []
    for u in range(kernel[0]):
        row = [img[:, u : u + sh * oh : sh, v : v + sw * ow : sw] for v in range(kernel[1])]
        rows.append(jnp.stack(row, axis=-1))
    return jnp.stack(rows, axis=-2)


def _add_window(dx, u, v, stride, out, value):
    # dx[:, u + i*sh, v + j*sw] += value[:, i, j] for each of the out = (OH, OW) windows.
    sh, sw = stride
    return dx.at[:, u : u + sh * out[0] : sh, v : v + sw * out[1] : sw].add(value)


def _zeros(like, shape):
    return jnp.zeros(shape, dtype=like.dtype)


def _pad(a, widths):
    # a with zeros around it, widths ((before, after), ...) per axis.
    return jnp.pad(a, widths)


def repeat(operand: str, k: int) -> str:
    """The jax.numpy expression of a Repeat node: each row k times."""
    return f"jnp.repeat({operand}, {k}, axis=0)"


def helpers(code: str) -> list[str]:
    """The source of every kernel that ``code`` calls, with jax.numpy's primitives."""
    return convcode.helpers(code, sys.modules[__name__])
