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

import keyword
import re
import tomllib
from pathlib import Path

from derive.errors import DeriveError
from derive.resources import EXAMPLES, SEED, example

from .graph import Network
from .layers import only_keys
from .layers import parse as parse_layer

MAX_SPEC_BYTES = 1_000_000

_TOP_LAYERS = {"name", "inputs", "layers", "cost", "activations", "description"}
_TOP_EQUATIONS = {
    "name",
    "inputs",
    "outputs",
    "params",
    "equations",
    "cost",
    "activations",
    "description",
}
_COST_KEYS = {"name", "expr", "reduction", "penalty"}


def load_spec(path: str | Path | None = None) -> Network:
    """Read a spec file (the bundled seed example when ``path`` is None). A name that is no
    file but a bundled example's (``seed``, ``digits.toml``, ``derive:examples/skip.toml``)
    reads that example, so the examples work from any folder."""
    path = Path(path) if path is not None else SEED
    if not path.exists() and example(str(path)) is not None:
        path = example(str(path))  # a bundled example by name: "seed" or "seed.toml"
    if not path.exists():
        raise DeriveError(
            "no such file", where=str(path),
            fix="give the path of a .toml spec (e.g. examples/seed.toml) or the name of a "
            f"bundled example ({', '.join(sorted(p.stem for p in EXAMPLES.glob('*.toml')))})",
        )  # fmt: skip
    if not path.is_file() or path.stat().st_size > MAX_SPEC_BYTES:
        # not a directory, a device (/dev/zero never ends) or a huge file read into memory
        raise DeriveError(
            "cannot read the file: not a regular file" if not path.is_file()
            else f"cannot read the file: larger than {MAX_SPEC_BYTES // 1_000_000} MB",
            where=str(path), fix="give the path of a .toml spec, e.g. examples/seed.toml",
        )  # fmt: skip
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: a BOM from Notepad is not an error
    except (OSError, UnicodeDecodeError) as err:
        raise DeriveError(
            f"cannot read the file: {err}", where=str(path),
            fix="give a readable text file in UTF-8, e.g. a copy of examples/seed.toml",
        ) from None  # fmt: skip
    return parse_spec(text, str(path))


def parse_spec(text: str, source: str = "<string>") -> Network:
    """Read a spec from TOML text; ``source`` names it in errors and in generated headers."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        # tomllib puts the position at the end of its message: "... (at line 3, column 7)".
        found = re.fullmatch(r"(.*) \(at (line \d+, column \d+)\)", str(err), re.S)
        what, at = (found.group(1), found.group(2)) if found else (str(err), None)
        raise DeriveError(
            f"not valid TOML: {what}", where=f"{source}: {at}" if at else source,
            fix="check the quotes, brackets and = signs at that line and column, and that no "
            "key or table is given twice",
        ) from None  # fmt: skip
    return from_dict(data, source, text)


def from_dict(data: dict, source: str = "<dict>", text: str | None = None) -> Network:
    """Build a network from an already-parsed spec (what ``tomllib`` returns)."""
    if text is None:
        text = repr(sorted(data.items(), key=lambda kv: kv[0]))
    if not data:
        raise DeriveError(
            "the spec is empty", where=source,
            fix='start from examples/seed.toml: name = "...", inputs, [[layers]] and [cost]',
        )  # fmt: skip
    name = _name(data, source)
    if not isinstance(data.get("description", ""), str):
        raise DeriveError(
            "description must be text in quotes", where=f"{source}: description",
            fix='e.g. description = "a two-layer network"',
        )  # fmt: skip
    cost = _cost_table(data, source)
    common = dict(
        cost=cost.get("name"), cost_expr=cost.get("expr"),
        reduction=cost.get("reduction", "mean"), penalty=cost.get("penalty"),
        activations=data.get("activations", {}),
        source=source, source_text=text, where=source,
    )  # fmt: skip
    if "layers" in data and "equations" in data:
        raise DeriveError(
            "has both [[layers]] and [equations]", where=source, fix="use one form per spec"
        )
    if "layers" in data:
        return _layer_form(data, name, source, common)
    if "equations" in data:
        return _equation_form(data, name, source, common)
    raise DeriveError(
        "neither [[layers]] nor [equations]", where=source,
        fix="describe the network as a list of [[layers]] or as named [equations]",
    )  # fmt: skip


def _name(data: dict, source: str) -> str:
    """The spec's name, which becomes the generated module's file name and its identifier."""
    name = data.get("name")
    if (not isinstance(name, str) or not name.isascii() or not name.isidentifier()
            or keyword.iskeyword(name) or len(name) > 64):  # fmt: skip
        shown = name if not isinstance(name, str) or len(name) <= 40 else name[:37] + "..."
        raise DeriveError(
            f"name must be a Python identifier (ASCII, not a keyword, at most 64 characters), "
            f"got {shown!r}", where=f"{source}: name",
            fix='e.g. name = "seed" (it becomes the generated module\'s file name)',
        )  # fmt: skip
    return name


def _cost_table(data: dict, source: str) -> dict:
    """The ``[cost]`` table: only its own keys, the cost by name or by expression (one of
    the two), a name and a reduction as words in quotes."""
    cost = data.get("cost")
    if not isinstance(cost, dict):
        raise DeriveError(
            "missing [cost] table", where=f"{source}: cost",
            fix='add [cost] with name = "squared_error" (or expr = "...")',
        )  # fmt: skip
    only_keys(cost, _COST_KEYS, f"{source}: cost")
    if ("name" in cost) == ("expr" in cost):
        raise DeriveError(
            "give the cost either by name or by expression", where=f"{source}: cost",
            fix='write name = "squared_error" (or another built-in) or expr = "(A2 - y)**2"',
        )  # fmt: skip
    for key in ("name", "reduction"):
        if key in cost and not isinstance(cost[key], str):
            raise DeriveError(
                f"{key} must be a word in quotes, got {cost[key]!r}", where=f"{source}: cost.{key}",
                fix='e.g. name = "squared_error", reduction = "mean"',
            )  # fmt: skip
    return cost


def _layer_form(data: dict, name: str, source: str, common: dict) -> Network:
    """A network from ``[[layers]]`` tables, each read by ``layers.parse``."""
    only_keys(data, _TOP_LAYERS, source, top=True)
    layers = data["layers"]
    if not isinstance(layers, list) or not all(isinstance(x, dict) for x in layers):
        raise DeriveError(
            "must be [[layers]] tables", where=f"{source}: layers",
            fix="write [[layers]] on its own line before each layer's units and activation",
        )  # fmt: skip
    pairs = [parse_layer(layer, f"{source}: layers[{i}]") for i, layer in enumerate(layers)]
    return Network.from_layers(name, _req(data, "inputs", source), pairs, **common)


def _equation_form(data: dict, name: str, source: str, common: dict) -> Network:
    """A network from ``[params]`` (name = [rows, cols]) and ``[equations]`` tables."""
    only_keys(data, _TOP_EQUATIONS, source, top=True)
    params, equations = data.get("params", {}), data["equations"]
    for key, table in (("params", params), ("equations", equations)):
        if not isinstance(table, dict):
            raise DeriveError(
                f"must be a [{key}] table, got {type(table).__name__}",
                where=f"{source}: {key}",
                fix=f"write [{key}] on its own line, then one name = ... per line",
            )
    return Network.from_equations(
        name, _req(data, "inputs", source), _req(data, "outputs", source), params,
        equations, **common,
    )  # fmt: skip


def _req(data, key, source):
    if key not in data:
        raise DeriveError(f"missing `{key}`", where=f"{source}: {key}", fix=f"add {key} = <number>")
    return data[key]
