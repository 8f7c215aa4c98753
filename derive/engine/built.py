"""What a layer kind's builder returns: its parameters and equations (an ``Expansion``), where
an equation the expression language cannot write is ``Built``, the IR node made directly.

Kept apart from ``layers.py`` (the dispatch over kinds) so that the builders of ``conv.py`` and
``recurrent.py`` and the dispatch that calls them import in one direction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .ir import Node, Var

Image = tuple[int, int, int]  # (channels, height, width) of an image column


@dataclass(frozen=True)
class Built:
    """An equation given as a node rather than text: ``make(known)`` builds it from the named
    quantities ``deps`` (and parameters); ``text`` is how it reads."""

    text: str
    deps: tuple[str, ...]
    make: Callable[[dict[str, Var]], Node] = field(repr=False, compare=False)

    def __str__(self) -> str:
        return self.text


@dataclass
class Expansion:
    """One layer's (or the whole network's) parameters (name -> [rows, columns]), equations in
    evaluation order, dropout masks, batch norm's running statistics, and its output: the
    quantity's name, its width, and its image shape (None: a vector)."""

    params: dict[str, list[int]] = field(default_factory=dict)
    equations: dict[str, str | Built] = field(default_factory=dict)
    masks: dict[str, tuple[float, int]] = field(default_factory=dict)  # mask -> (p, rows)
    # key -> (quantity, stat, the entries per sample each statistic covers: H*W per channel)
    running: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    output: str = ""
    units: int = 0
    image: Image | None = None
    recurrences: list = field(default_factory=list)  # cell.Cell of each recurrent layer
    # Parameters stored in another shape than the derivation's matrix: a conv kernel is
    # (channels, C, kh, kw) in params, (channels, C*kh*kw) in the equations.
    stored: dict[str, tuple[int, ...]] = field(default_factory=dict)
