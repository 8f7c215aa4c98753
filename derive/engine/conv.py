"""Convolution and pooling layers: their geometry and their layer builders (their values
as explicit SymPy matrices, the proof's ground truth, are in the tests' ``explicit.py``).

``BUILDERS`` are the builders that ``layers.py`` dispatches ``kind = "conv2d"`` and the
pooling kinds to. A builder checks its keys and the geometry (a kernel
that does not fit the padded image, a stride that skips pixels, an image where a vector is
needed) with one-line errors, and returns the layer's parameters and equations. An image
layer's equation is a ``Built``: the IR node itself rather than text to parse, since a
window's geometry is not part of the expression language.

Conventions: an image column is (C, H, W) flattened in that order; a kernel ``Wk`` is
(channels, C, kh, kw) in the params (PyTorch's and CS231n's layout) and the matrix
(channels, C*kh*kw) in the equations, row c' the kernel of output channel c' flattened
(C, kh, kw) (a reshape, no copy); ``bk`` is (channels, 1).
"""

from __future__ import annotations

from derive.errors import DeriveError

from . import namer
from .built import Built, Expansion, Image
from .ir import (
    IMAGE_NODES,
    WINDOW_NODES,
    AvgPool,
    Conv,
    MaxPool,
    Repeat,
    Window,
    ew,
    walk,
)
from .keys import article, only_keys


def _pair(value, key: str, what: str) -> tuple[int, int]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value, value]
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 1000
                       for v in value)):  # fmt: skip
        raise DeriveError(
            f"{what} must be a positive integer or a pair [rows, columns] (at most 1000), "
            f"got {value!r}", where=key, fix=f"e.g. {key.rpartition('.')[2]} = 2 or [2, 3]",
        )  # fmt: skip
    return value[0], value[1]


def _count(layer: dict, name: str, key: str, default: int | None, low: int) -> int:
    value = layer.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 1000:
        raise DeriveError(
            f"{name} must be an integer from {low} to 1000, got {value!r}", where=f"{key}.{name}",
            fix=f"e.g. {name} = {max(low, 1)} (a whole number, no quotes)",
        )  # fmt: skip
    return value


def _need_image(image: Image | None, kind: str, key: str):
    if image is None:
        raise DeriveError(
            f"{article(kind)} {kind} layer needs an image, but its input is a vector",
            where=f"{key}.kind",
            fix="give inputs = [C, H, W] and put image layers (conv2d, maxpool) before "
            "dense or rnn layers",
        )  # fmt: skip


def _window(image: Image, kernel, stride: tuple[int, int], padding: int, key: str, what: str,
            floor: bool = False) -> Window:  # fmt: skip
    """The window's geometry, checked; a convolution's stride must fit the padded image, a
    pooling window that does not tile it leaves the remainder unused (``floor``, PyTorch's
    default)."""
    C, H, W = image
    kh, kw = kernel
    if kh > H + 2 * padding or kw > W + 2 * padding:
        raise DeriveError(
            f"the {what} {kh}x{kw} is larger than the {'padded ' if padding else ''}input "
            f"{H + 2 * padding}x{W + 2 * padding}", where=key,
            fix=f"use a {what} of at most {H + 2 * padding}x{W + 2 * padding}"
            + (", or more padding" if what == "kernel" else ", or fewer layers before it"),
        )  # fmt: skip
    win = Window(C, H, W, kh, kw, stride, padding)
    axes = zip((H, W), kernel, win.stride, win.unused, ("rows", "columns"), strict=True)
    for size, k, s, left, axis in axes:
        if left and not floor:
            raise DeriveError(
                f"stride {s} does not fit: windows of {k} over {size + 2 * padding} "
                f"{axis} leave {left} unused", where=key.rpartition(".")[0] + ".stride",
                fix="choose a stride that divides (input + 2*padding - kernel)",
            )  # fmt: skip
    return win


def unused_notes(node) -> list[str]:
    """What the pooling windows in ``node`` that do not tile their image leave out, in words
    (``derive show`` and the LaTeX shapes say it); none when every pixel is in a window."""
    notes = []
    for win in dict.fromkeys(n.win for n in walk(node) if isinstance(n, WINDOW_NODES)):
        rows, cols = win.unused
        parts = [f"{n} {what}{'s' if n > 1 else ''}"
                 for n, what in ((rows, "row"), (cols, "column")) if n]  # fmt: skip
        if parts:
            them = "them" if rows + cols > 1 else "it"
            notes.append(
                f"the last {' and '.join(parts)} of each {win.H}x{win.W} image unused: no "
                f"window reaches {them} (PyTorch's floor mode)"
            )
    return notes


def conv2d_layer(k: int, layer: dict, prev: str, units: int, image: Image | None, where: str,
                 check_activation) -> Expansion:  # fmt: skip
    """zk = conv2d(Wk, prev) + bk (per channel), Ak = act(zk)."""
    key = f"{where}: layers[{k - 1}]"
    only_keys(layer, {"kind", "channels", "kernel", "stride", "padding", "activation"}, key,
              kind="conv2d")  # fmt: skip
    _need_image(image, "conv2d", key)
    channels = _count(layer, "channels", key, None, 1)
    kernel = _pair(layer.get("kernel"), f"{key}.kernel", "kernel")
    stride = _count(layer, "stride", key, 1, 1)
    stride = (stride, stride)
    padding = _count(layer, "padding", key, 0, 0)
    if padding >= max(kernel):
        raise DeriveError(
            f"padding {padding} is not smaller than the kernel {kernel[0]}x{kernel[1]}: "
            "some windows would see only zeros", where=f"{key}.padding",
            fix=f"use padding = {(max(kernel) - 1) // 2} ('same' for an odd kernel) or 0",
        )  # fmt: skip
    win = _window(image, kernel, stride, padding, f"{key}.kernel", "kernel")
    act = check_activation(layer.get("activation", "identity"), f"{key}.activation")
    oh, ow = win.out
    W, b, z, A = (namer.layer(base, k) for base in ("W", "b", "z", "A"))
    x = prev

    def make(known):
        return ew(lambda p, q: p + q, [Conv(known[W], known[x], win), Repeat(known[b], oh * ow)])

    text = f"conv2d({W}, {x}, stride={stride}, padding={padding}) + {b}"
    return Expansion(
        params={W: [channels, win.C * win.kh * win.kw], b: [channels, 1]},
        equations={z: Built(text, (x,), make), A: f"{act}({z})"},
        output=A,
        units=channels * oh * ow,
        image=(channels, oh, ow),
        stored={W: (channels, win.C, win.kh, win.kw)},
    )


def _pooling(kind: str, node: type):
    """The builder of a pooling kind: Ak = node(prev) over each window, channel by channel."""

    def build(k: int, layer: dict, prev: str, units: int, image: Image | None, where: str,
              check_activation) -> Expansion:  # fmt: skip
        key = f"{where}: layers[{k - 1}]"
        only_keys(layer, {"kind", "size", "stride"}, key, kind=kind)
        _need_image(image, kind, key)
        size = _pair(layer.get("size"), f"{key}.size", "size")
        # PyTorch's default stride is the window, axis by axis.
        stride = size if "stride" not in layer else _pair(layer["stride"], f"{key}.stride",
                                                           "stride")  # fmt: skip
        win = _window(image, size, stride, 0, f"{key}.size", "pooling window", floor=True)
        oh, ow = win.out
        x, out = prev, namer.layer("A", k)
        text = f"{kind}({x}, size={size[0]}x{size[1]}, stride={stride[0]}x{stride[1]})"
        return Expansion(
            equations={out: Built(text, (x,), lambda known: node(known[x], win))},
            output=out,
            units=win.C * oh * ow,
            image=(win.C, oh, ow),
        )

    return build


# The image kinds' builders, by kind (``layers.py`` dispatches to them).
BUILDERS = {
    "conv2d": conv2d_layer,
    "maxpool": _pooling("maxpool", MaxPool),
    "avgpool": _pooling("avgpool", AvgPool),
}


def has_images(net) -> bool:
    """Whether a network convolves or pools: then it has no per-sample scalar chain view
    (one pixel's gradient gathers from a window), and the derivation is shown batch-wise."""
    return any(isinstance(n, WINDOW_NODES) for eq in net.equations.values() for n in walk(eq))


def beyond_scalars(net) -> bool:
    """Whether any equation slides a window or slices rows: no per-sample scalar chain."""
    return any(isinstance(n, IMAGE_NODES) for eq in net.equations.values() for n in walk(eq))
