"""derive from Python, for notebooks and scripts: one object per network.

    import derive
    net = derive.load("seed")                 # a bundled example, or a path to a .toml spec
    net = derive.Network.from_layers(4, [(3, "relu"), (1, "sigmoid")], cost="squared_error")
    net                                       # last line of a cell: the derivation, as math
    print(net.show())                         # the text of `derive show`
    net.latex(), net.markdown()               # the documents of `derive latex`
    module = net.module()                     # the generated NumPy module, in memory
    net.gradcheck()                           # every gradient against finite differences
    run = net.train("xor4", epochs=20)        # a TrainResult: params, history, final metrics

Everything goes through the same stages as the command line (the derivation, the generated
module, the gradient check, the training loop); nothing is written to disk unless asked
(``net.write_module(folder)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from derive.emit.codegen import load_module, render, write_modules
from derive.emit.gradcheck import gradcheck, summary, table
from derive.emit.latex import render_latex
from derive.emit.show import show_text
from derive.engine.derivation import Derivation, derive
from derive.engine.graph import Network as _Net
from derive.engine.spec import from_dict, load_spec
from derive.errors import DeriveError

TOLERANCE = 1e-6  # as `derive gradcheck`


class Text(str):
    """A string that a notebook shows as it is (no quotes, real line breaks)."""

    def __repr__(self) -> str:
        return str(self)


@dataclass
class GradCheck:
    """The rows of a gradient check; ``ok`` when every gradient is within the tolerance."""

    network: str
    rows: list
    tolerance: float = TOLERANCE

    @property
    def ok(self) -> bool:
        return all(r.ok(self.tolerance) for r in self.rows)

    @property
    def worst(self) -> float:
        return max((r.max_rel for r in self.rows), default=0.0)

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return (
            f"gradient check of {self.network} (central differences, float64, h = 1e-6):\n"
            f"{table(self.rows, self.tolerance)}\n{summary(self.rows, self.tolerance)}"
        )


class Network:
    """A network and its derivation; each output is computed once, when first asked for."""

    def __init__(self, net: _Net):
        self.net = net

    @classmethod
    def load(cls, spec: str | Path | None = None) -> Network:
        """From a .toml spec, or a bundled example's name ("seed"); None is the seed."""
        return cls(load_spec(spec))

    @classmethod
    def from_layers(
        cls,
        inputs: int,
        layers: list,
        *,
        cost: str = "squared_error",
        reduction: str = "mean",
        name: str = "net",
    ) -> Network:
        """A layered network: ``layers`` is a list of ``(units, activation)`` pairs."""
        try:
            table_ = [{"units": int(u), "activation": str(a)} for u, a in layers]
        except (TypeError, ValueError):
            raise DeriveError(
                f"layers must be (units, activation) pairs, got {layers!r}",
                where="Network.from_layers",
                fix='e.g. [(3, "relu"), (1, "sigmoid")]',
            ) from None
        data = {"name": name, "inputs": inputs, "layers": table_,
                "cost": {"name": cost, "reduction": reduction}}  # fmt: skip
        return cls(from_dict(data, source=f"<{name}>"))

    @property
    def name(self) -> str:
        return self.net.name

    @cached_property
    def derivation(self) -> Derivation:
        return derive(self.net)

    def show(self) -> Text:
        """The derivation as text, with shapes (``derive show``)."""
        return Text(show_text(self.derivation))

    def latex(self, *, notation: str = "subscript", example: bool = False) -> str:
        """A standalone LaTeX document (``derive latex``)."""
        return render_latex(self.derivation, fmt="tex", notation=notation, example=example)

    def markdown(self, *, notation: str = "subscript", example: bool = False) -> str:
        """The document as Markdown with $$ blocks (``derive latex --format md``)."""
        return render_latex(self.derivation, fmt="md", notation=notation, example=example)

    def module(self):
        """The generated NumPy module, executed in memory (the same source codegen writes)."""
        if "_module" not in self.__dict__:
            self.__dict__["_module"] = load_module(self.net)
        return self.__dict__["_module"]

    def code(self) -> Text:
        """The generated module's source."""
        return Text(render(self.net))

    def write_module(self, folder: str | Path = "generated") -> Path:
        """Write ``folder/<name>.py`` (atomically, only when it changed)."""
        write_modules([self.net], Path(folder))
        return Path(folder) / f"{self.name}.py"

    def gradcheck(self, *, m: int = 5, seed: int = 0) -> GradCheck:
        """Every gradient of the generated module against central differences, in float64."""
        return GradCheck(self.name, gradcheck(self.module(), m=m, seed=seed))

    def train(self, data: str, *, epochs: int = 10, seed: int = 0, test_fraction: float = 0.2,
              progress: bool = False, **options):  # fmt: skip
        """Train on ``data`` (as ``derive train --data``: digits, xor, moons, csv:PATH, ...);
        ``options`` are those of ``derive.train.loop.train`` (lr, batch_size, optimizer, ...).
        Returns the ``TrainResult``: ``params``, ``history`` (per epoch), ``final``."""
        from derive.train.data import load_dataset
        from derive.train.loop import train

        module = self.module()
        dataset = load_dataset(data, inputs=module.INPUTS, outputs=module.OUTPUTS, seed=seed,
                               test_fraction=test_fraction)  # fmt: skip
        return train(module, dataset, epochs=epochs, seed=seed, progress=progress, **options)

    # how a notebook shows the object: the derivation as math
    def _repr_markdown_(self) -> str:
        return self.markdown()

    def _repr_latex_(self) -> str:
        blocks = re.findall(r"\$\$.*?\$\$", self.markdown(), flags=re.S)
        return "\n".join(blocks)

    def __repr__(self) -> str:
        net = self.net
        return f"<derive.Network {net.name}: {net.inputs} inputs, {net.outputs} outputs>"


def load(spec: str | Path | None = None) -> Network:
    """``derive.load("net.toml")`` or ``derive.load("seed")``: see ``Network.load``."""
    return Network.load(spec)


__all__ = ["Network", "GradCheck", "load", "Text"]
