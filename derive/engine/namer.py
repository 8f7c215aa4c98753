"""The namer: every name derive makes up, for the equations, the code and the page.

A layer kind names its quantities by the layer's number (``z2``, ``A2``, ``W2``, ``b2``), a
recurrence its steps by the time step too (``z1_3``, ``h1_2``); the chain rule names each
gradient after what it is the gradient of (dC/dz2 is ``delta2``, the notes' delta; dC/dW2 is
``dW2``); the code names its temporaries, its saved im2col copies and its softmax's shifted
exponentials. All of them are made here from their parts and read back here (``parse``,
``gradient_of``, ``layer_of``), so no module pastes a name together or slices one apart, and
the LaTeX and the code agree on every name because both ask this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A network name: letters, then an optional layer number, then an optional step after "_" (a
# time step, or "t" and "(t-1)" in the generic step of backpropagation through time).
_PARTS = re.compile(r"([A-Za-z]+)(\d*)(?:_(\w+|\(t-1\)))?")
_DELTA = re.compile(r"delta(\d+(?:_\w+|_\(t-1\))?)")
_PRE_ACTIVATION = re.compile(r"z(\d+(?:_\d+)?)")  # z2, and z2_3: layer 2 at time step 3


@dataclass(frozen=True)
class Parts:
    """A name read back: ``h1_3`` is Parts("h", "1", "3"); ``xhat2`` is Parts("xhat", "2",
    None); ``x`` is Parts("x", "", None)."""

    base: str
    index: str  # the layer's number as written, "" for none
    step: str | None

    @property
    def layer(self) -> int | None:
        return int(self.index) if self.index else None


def layer(base: str, k: int, step: int | str | None = None) -> str:
    """Layer k's quantity ``base`` (z, A, W, b, gamma, ...), at a time step when given:
    layer("z", 2) is z2, layer("h", 1, 3) is h1_3, layer("h", 1, "(t-1)") is h1_(t-1)."""
    return f"{base}{k}" if step is None else f"{base}{k}_{step}"


def parse(name: str) -> Parts | None:
    """The parts of a name made by ``layer`` (or a plain name such as x), else None."""
    found = _PARTS.fullmatch(name)
    if found is None:
        return None
    return Parts(*found.groups())


def sibling(name: str, base: str) -> str | None:
    """The quantity ``base`` of the same layer and step as ``name``: sibling("z2", "A") is A2;
    None when ``name`` has no layer number."""
    parts = parse(name)
    if parts is None or not parts.index:
        return None
    return f"{base}{parts.index}" + (f"_{parts.step}" if parts.step is not None else "")


def numbered(name: str, base: str) -> int | None:
    """k when ``name`` is layer k's ``base`` with no time step (numbered("A3", "A") is 3), else
    None."""
    parts = parse(name)
    if parts is None or parts.base != base or parts.step is not None:
        return None
    return parts.layer


def layer_of(name: str) -> int | None:
    """The layer number in a name: 2 for z2, delta2, dW2's W2; None for x, C."""
    parts = parse(name)
    return parts.layer if parts is not None else None


# ------------------------------------------------------------------------------ gradients
def gradient(of: str) -> str:
    """The one name of dC/d``of``, shared by the LaTeX and the code: dC/dz2 is ``delta2`` (the
    notes' delta, also at a time step: delta2_3), dC/dW2 is ``dW2``, dC/dA1 is ``dA1``."""
    found = _PRE_ACTIVATION.fullmatch(of)
    return f"delta{found.group(1)}" if found else f"d{of}"


def delta(k: int, step: int | str | None = None) -> str:
    """dC/dz of layer k (at a time step): delta2, delta1_3, and delta1_t, delta1_(t-1) in the
    generic step of backpropagation through time."""
    return layer("delta", k, step)


def gradient_of(name: str) -> str | None:
    """What a gradient name is the gradient of (``gradient`` read back): z2 for delta2, W2 for
    dW2; None when ``name`` is not a gradient's name."""
    found = _DELTA.fullmatch(name)
    if found:
        return f"z{found.group(1)}"
    if name.startswith("d") and len(name) > 1 and gradient(name[1:]) == name:
        return name[1:]
    return None


def is_delta(name: str) -> bool:
    """A delta (dC/dz of a layer): delta2, delta1_3."""
    return _DELTA.fullmatch(name) is not None


# ------------------------------------------------------------------------------ the code's
def temporary(i: int, *, private: bool = False) -> str:
    """The code's i-th temporary: t3 in the readable functions, _t3 in the fused step (its
    workspace arrays, never a name the reader is meant to follow)."""
    return f"_t{i}" if private else f"t{i}"


def im2col(of: str) -> str:
    """The saved im2col copy of the input of equation ``of``'s convolution."""
    return f"cols_{of}"


def exponentials(of: str) -> str:
    """The shifted exponentials of softmax equation ``of`` (exp(z - max z))."""
    return f"E_{of}"


def workspace(what: str, of: str) -> str:
    """A fused step's named workspace array for equation ``of``: _shifted_A2, _sums_A2."""
    return f"_{what}_{of}"
