"""Specs in TOML, in the layer form or the equation form, read into a ``graph.Network``.

Layer form::

    name = "seed"
    inputs = 4
    [[layers]]
    units = 3
    activation = "relu"
    [cost]
    name = "squared_error"   # or expr = "log(cosh(a - y))"; reduction = "mean" | "sum"

Equation form: ``inputs``, ``outputs``, ``[params]`` (name = [rows, cols]), ``[equations]``
(name = "expression", in order or not), ``[cost]``. Both may add ``[activations]`` (name =
"expression in z"). Every problem is a ``DeriveError`` naming the file and the key.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from .errors import DeriveError
from .graph import Network

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SEED = EXAMPLES / "seed.toml"

_TOP_LAYERS = {"name", "inputs", "layers", "cost", "activations", "description"}
_TOP_EQUATIONS = {"name", "inputs", "outputs", "params", "equations", "cost", "activations", "description"}
_COST_KEYS = {"name", "expr", "reduction"}
_LAYER_KEYS = {"units", "activation"}


def load_spec(path: str | Path | None = None) -> Network:
    """Read a spec file (the bundled seed example when ``path`` is None)."""
    path = Path(path) if path is not None else SEED
    if not path.exists():
        raise DeriveError(
            "no such file", where=str(path),
            fix=f"give the path of a .toml spec, e.g. {SEED.relative_to(EXAMPLES.parent)}",
        )  # fmt: skip
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DeriveError(f"cannot read the file: {err}", where=str(path)) from None
    return parse_spec(text, str(path))


def parse_spec(text: str, source: str = "<string>") -> Network:
    """Read a spec from TOML text; ``source`` names it in errors and in generated headers."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise DeriveError(
            f"not valid TOML: {err}", where=source,
            fix="check the quotes, brackets and = signs at that line and column",
        ) from None  # fmt: skip
    return from_dict(data, source, text)


def from_dict(data: dict, source: str = "<dict>", text: str | None = None) -> Network:
    """Build a network from an already-parsed spec (what ``tomllib`` returns)."""
    if text is None:
        text = repr(sorted(data.items(), key=lambda kv: kv[0]))
    name = data.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise DeriveError(
            f"name must be a Python identifier, got {name!r}", where=f"{source}: name",
            fix='e.g. name = "seed" (it becomes the generated module\'s file name)',
        )  # fmt: skip
    cost = data.get("cost")
    if not isinstance(cost, dict):
        raise DeriveError(
            "missing [cost] table", where=f"{source}: cost",
            fix='add [cost] with name = "squared_error" (or expr = "...")',
        )  # fmt: skip
    _only(cost, _COST_KEYS, f"{source}: cost")
    if ("name" in cost) == ("expr" in cost):
        raise DeriveError(
            "give the cost either by name or by expression", where=f"{source}: cost",
            fix='write name = "squared_error" (or another built-in) or expr = "(A2 - y)**2"',
        )  # fmt: skip
    common = dict(
        cost=cost.get("name"), cost_expr=cost.get("expr"),
        reduction=cost.get("reduction", "mean"), activations=data.get("activations", {}),
        source=source, source_text=text, where=source,
    )  # fmt: skip
    if "layers" in data and "equations" in data:
        raise DeriveError(
            "has both [[layers]] and [equations]", where=source, fix="use one form per spec"
        )
    if "layers" in data:
        _only(data, _TOP_LAYERS, source)
        layers = data["layers"]
        if not isinstance(layers, list) or not all(isinstance(x, dict) for x in layers):
            raise DeriveError("must be [[layers]] tables", where=f"{source}: layers")
        pairs = []
        for i, layer in enumerate(layers):
            key = f"{source}: layers[{i}]"
            _only(layer, _LAYER_KEYS, key)
            units, act = layer.get("units"), layer.get("activation", "identity")
            if isinstance(units, bool) or not isinstance(units, int) or units < 1:
                raise DeriveError(
                    f"units must be a positive integer, got {units!r}", where=f"{key}.units"
                )
            if not isinstance(act, str):
                raise DeriveError("activation must be a name in quotes", where=f"{key}.activation")
            pairs.append((units, act))
        return Network.from_layers(name, _req(data, "inputs", source), pairs, **common)
    if "equations" in data:
        _only(data, _TOP_EQUATIONS, source)
        params, equations = data.get("params", {}), data["equations"]
        if not isinstance(params, dict) or not isinstance(equations, dict):
            raise DeriveError("[params] and [equations] must be tables", where=source)
        return Network.from_equations(
            name, _req(data, "inputs", source), _req(data, "outputs", source), params,
            equations, **common,
        )  # fmt: skip
    raise DeriveError(
        "neither [[layers]] nor [equations]", where=source,
        fix="describe the network as a list of [[layers]] or as named [equations]",
    )  # fmt: skip


def _req(data, key, source):
    if key not in data:
        raise DeriveError(f"missing `{key}`", where=f"{source}: {key}", fix=f"add {key} = <number>")
    return data[key]


def _only(table: dict, allowed: set[str], where: str):
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise DeriveError(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}",
            where=f"{where}.{unknown[0]}" if not where.endswith(".toml") else f"{where}: {unknown[0]}",
            fix=f"the keys here are: {', '.join(sorted(allowed))}",
        )
