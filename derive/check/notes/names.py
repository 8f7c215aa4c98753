"""The forgiving name rule for the notes' names, in one place, and the spellings it saw.

A name is a letter or Greek letter with an optional subscript and an optional layer
superscript ``^{(k)}`` or ``^{[k]}``.

- ``w``/``W`` → ``W``, ``b``/``B`` → ``b``, ``a``/``A`` → ``A``, ``z``/``Z`` → ``z``, with
  the layer taken from the superscript, else from a numeric subscript: ``w_2``, ``W_2``,
  ``W^{(2)}``, ``W^{[2]}`` are all ``W2``; ``B_2`` is ``b2``; ``a^{(0)}`` is the input ``x``.
- ``L`` is the last layer and ``L-k`` the k-th before it (from ``--spec``, else the highest
  layer number written in the notes): with two layers ``w^{(L)}`` is ``W2`` and
  ``a^{(L-1)}`` is ``A1``. Without any number ``L`` stays a name of its own (``W_L``).
- ``x``/``X`` → ``x``, ``y``/``Y`` → ``y``; ``C``, ``C_0``, ``J`` → ``C`` (the per-sample
  cost: derivatives are checked per sample, as the notes write them); ``e`` is Euler's number.
- ``\\delta_k``/``\\delta^{(k)}`` → ``delta{k}`` = dC/dz_k (derive's naming) unless the notes
  define δ themselves with ``\\underbrace{…}_{\\delta}``; any other name is kept as written
  (``W_{\\text{hidden}}`` is ``W_hidden``) and is not a quantity of the network.
- Functions: ``\\sigma``, ``sigmoid``, ``\\text{Relu}``, ``ReLU``, ``\\tanh``, … (any case)
  are the registry's activations (``ACTIVATION_WORDS``).

``Names`` applies the rule and remembers how the notes spell each name, so that the report
can answer in the notes' own spelling; ``sym`` is the SymPy symbol of a canonical name.
"""

from __future__ import annotations

import re

import sympy as sp

from derive.engine import namer
from derive.engine.registry import NOTE_WORDS

_GREEK_SHOW = {"sigma": "σ", "delta": "δ", "Delta": "Δ", "alpha": "α", "eta": "η", "lambda": "λ",
               "yhat": "ŷ", "Yhat": "Ŷ"}  # fmt: skip
# Words for the registry's activations, lower-cased; ``sigma`` is the notes' sigmoid.
ACTIVATION_WORDS = dict(NOTE_WORDS)  # from the registry: each name and its aliases
_LAYERED = {"w": "W", "b": "b", "a": "A", "z": "z"}


def sym(name: str) -> sp.Symbol:
    """The SymPy symbol of a canonical name."""
    return sp.Symbol(name, real=True)


class Names:
    """The forgiving name rule of the module docstring; remembers how the notes spell names."""

    def __init__(self, layers: int | None = None):
        self.layers = layers
        self.line = 0  # the line being read, for ``show``
        self.spelling: dict[str, list[tuple[int, str]]] = {}

    def layer(self, index: str | None) -> str | None:
        if index is None:
            return None
        index = index.replace(" ", "")
        if index.isdigit():
            return str(int(index))
        m = re.fullmatch(r"[Ll](?:-(\d+))?", index)
        if not m:
            return None
        back = int(m.group(1) or 0)
        if self.layers is None:
            return "L" if not back else f"L-{back}"
        return str(self.layers - back)

    def canonical(self, base: str, sub: str | None, sup: str | None) -> str:
        low = base.lower()
        if low in _LAYERED and len(base) == 1:
            k = self.layer(sup) if sup is not None else self.layer(sub)
            if k is not None and (sup is None or sub is None):
                return "x" if (low == "a" and k == "0") else f"{_LAYERED[low]}{k}"
        if low in ("x", "y", "yhat") and sub is None and sup is None:
            return low
        if base in ("C", "J") and sup is None and sub in (None, "0"):
            return "C"
        if base == "delta" and (sup or sub):
            k = self.layer(sup if sup is not None else sub)
            if k is not None:
                return namer.delta(k)
        text = base + (f"_{sub}" if sub else "") + (f"^{sup}" if sup else "")
        return text

    def remember(self, canonical: str, base: str, sub: str | None, sup: str | None):
        sub = sub if not sub or sub.isalnum() and (len(sub) == 1 or sub.isdigit()) else f"_{sub}"
        show = _GREEK_SHOW.get(base, base) + (sub or "") + (f"({sup})" if sup else "")
        seen = self.spelling.setdefault(canonical, [])
        if not seen or seen[-1] != (self.line, show):
            seen.append((self.line, show))

    def show(self, canonical: str, line: int | None = None) -> str:
        """How the notes spell a name: as last written at or before ``line``, else first."""
        seen = self.spelling.get(canonical)
        if not seen:
            return canonical
        before = [s for ln, s in seen if line is None or ln <= line]
        return before[-1] if before else seen[0][1]

    def spelling_at(self, line: int | None) -> dict[str, str]:
        return {name: self.show(name, line) for name in self.spelling}
