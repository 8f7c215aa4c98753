"""Layer kinds of the layer form, each an expansion into the IR's five node types.

``expand(kind, k, prev, options)`` gives the parameters and named equations of layer k (its
1-based position), reading the quantity ``prev`` of the layer before (``x`` for the first):

- ``dense``: zk = Wk @ prev + bk, Ak = act(zk);
- ``batchnorm``: muk = sum_samples(prev) / m, vark = sum_samples((prev - muk)**2) / m (the
  biased batch variance), stdk = sqrt(vark + eps), xhatk = (prev - muk) / stdk,
  zk = gammak * xhatk + betak, Ak = act(zk); gammak, betak are (units, 1);
  After an image, each channel over the samples and its H*W pixels (``BatchNorm2d``): the
  sums of a channel's rows are GroupSum nodes, muk, vark are (C, 1), gammak, betak (C, 1)
  spread over the pixels by Repeat nodes, and the output stays an image;
- ``layernorm``: the same over the units of each sample (sums over axis 0, (1, m) statistics);
- ``groupnorm`` (``groups``): each sample over each group of C/groups channels and their
  pixels (``GroupNorm``): (groups, m) statistics, per-channel gammak, betak (C, 1);
- ``dropout``: Ak = Dk * prev, where Dk is the inverted-dropout mask, an input of the step
  (neither parameter nor data): 1/(1 - p) where a unit is kept, 0 where it is dropped;
- ``conv2d`` and ``maxpool`` (``conv.py``): windows over an image column (``inputs = [C, H, W]``);
- ``rnn``, ``lstm``, ``gru`` (``recurrent.py``): a time loop over one step's equations.

This module is the one place a ``kind`` is dispatched: ``parse`` reads a ``[[layers]]`` table
into a ``Layer``, ``expand_all`` turns the layers into one ``Expansion``.

No kind has a gradient formula of its own: the derivation applies the generic rules of
``derivation.py`` to these nodes. Equations that the expression language cannot write (sums
over the samples, the sample count m) are ``Built``: a node made from the named quantities,
with the text that the derivation prints for it.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field, replace

import sympy as sp

from derive.errors import DeriveError

from . import conv, namer, recurrent
from .built import Built, Expansion, Image
from .ir import GroupSum, Repeat, Sum, Var, ew
from .keys import only_keys

KEYS = {
    "dense": {"kind", "units", "activation", "steps"},
    "batchnorm": {"kind", "activation", "eps"},
    "layernorm": {"kind", "activation", "eps"},
    "groupnorm": {"kind", "activation", "eps", "groups"},
    "dropout": {"kind", "p"},
}  # conv2d, maxpool and the recurrent kinds check their own keys (conv.py, recurrent.py)
# The kinds whose builder reads the whole table: (k, table, prev, width, image, where, check).
_BUILDERS = {
    **conv.BUILDERS,
    "rnn": recurrent.rnn_layer,
    "lstm": recurrent.rnn_layer,
    "gru": recurrent.rnn_layer,
}
KINDS = ("dense", "batchnorm", "layernorm", "dropout", "groupnorm", *_BUILDERS)
NORMS = ("batchnorm", "layernorm", "groupnorm")  # take no units: they keep the width
MAX_SIZE = 10_000_000  # the largest size of one dimension (graph.MAX_SIZE)
DEFAULT_EPS = 1e-5
MOMENTUM = 0.1  # running = (1 - momentum) running + momentum batch, as PyTorch
# The sample count as the derivation writes it (the same symbol as derivation.m).
m_symbol = sp.Symbol("m", positive=True, integer=True)


@dataclass
class Layer:
    """One layer of the layer form: its kind, width and options (as the spec gave them;
    batchnorm, layernorm and dropout take the width of the layer before them)."""

    units: int = 0
    activation: str = "identity"
    kind: str = "dense"
    eps: float = DEFAULT_EPS
    p: float = 0.0
    options: dict = field(default_factory=dict)  # conv2d, maxpool, rnn: the table as given


def parse(table, key: str) -> Layer:
    """One ``[[layers]]`` table (or a ``Layer``, or a ``(units, activation)`` pair from Python):
    its kind (default dense) and that kind's keys, checked. ``key`` names the table in errors."""
    if isinstance(table, Layer):
        return replace(table, options=dict(table.options))
    if isinstance(table, tuple | list) and len(table) == 2:
        table = {"units": table[0], "activation": table[1]}
    if not isinstance(table, dict):
        raise DeriveError(
            f"a layer must be a table, got {table!r}", where=key,
            fix="write [[layers]] then units = ... and activation = ... on their own lines",
        )  # fmt: skip
    kind = table.get("kind", "dense")
    if not isinstance(kind, str) or kind not in KINDS:
        close = difflib.get_close_matches(kind, KINDS, n=1) if isinstance(kind, str) else []
        raise DeriveError(
            f"unknown layer kind {kind!r}" + (f" (did you mean {close[0]}?)" if close else ""),
            where=f"{key}.kind", fix=f"use one of: {', '.join(KINDS)}",
        )  # fmt: skip
    if kind in _BUILDERS:  # checked by the builder, which knows the image it reads
        return Layer(kind=kind, activation="", options=dict(table))
    if kind in NORMS and "units" in table:
        raise DeriveError(
            f"a {kind} layer takes no units: it keeps the width of the layer before it",
            where=f"{key}.units", fix="remove units = ... from this layer",
        )  # fmt: skip
    only_keys(table, KEYS[kind], key, kind=kind)
    act = table.get("activation", "identity")
    if not isinstance(act, str):
        raise DeriveError(
            f"activation must be a name in quotes, got {act!r}",
            where=f"{key}.activation", fix='e.g. activation = "relu"',
        )  # fmt: skip
    if kind == "dense":
        units = table.get("units")
        if isinstance(units, bool) or not isinstance(units, int) or not 0 < units <= MAX_SIZE:
            raise DeriveError(
                f"units must be a positive integer (at most {MAX_SIZE:,}), got {units!r}",
                where=f"{key}.units", fix="e.g. units = 3 (a whole number, no quotes)",
            )  # fmt: skip
        if "steps" in table:  # a per-step dense layer (recurrent.py)
            return Layer(units, act, options={"steps": table["steps"]})
        return Layer(units, act)
    if kind == "dropout":
        p = _number(table.get("p", 0.5), f"{key}.p", "e.g. p = 0.5 (the probability of dropping)")
        if not 0 <= p < 1:
            raise DeriveError(
                f"p = {p!r} is not a probability in [0, 1)", where=f"{key}.p",
                fix="p is the probability of dropping a unit: e.g. p = 0.5 (p = 1 drops all)",
            )  # fmt: skip
        return Layer(0, kind=kind, p=p)
    eps = _number(table.get("eps", DEFAULT_EPS), f"{key}.eps", "e.g. eps = 1e-5")
    if not eps > 0:
        raise DeriveError(
            f"eps = {eps!r} must be greater than 0", where=f"{key}.eps",
            fix="eps keeps the division by sqrt(var + eps) finite: e.g. eps = 1e-5",
        )  # fmt: skip
    if kind == "groupnorm":
        groups = table.get("groups")
        if isinstance(groups, bool) or not isinstance(groups, int) or not 0 < groups <= MAX_SIZE:
            raise DeriveError(
                f"groups must be a positive integer, got {groups!r}", where=f"{key}.groups",
                fix="e.g. groups = 2: the channels are split into that many groups (it must "
                "divide the channels)",
            )  # fmt: skip
        return Layer(0, act, kind, eps=eps, options={"groups": groups})
    return Layer(0, act, kind, eps=eps)


def _number(value, where: str, fix: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DeriveError(f"expected a number, got {value!r}", where=where, fix=fix)
    return float(value)


def expand_all(layers: list, inputs: int, acts: dict, where: str, image: Image | None = None):
    """Every layer expanded (each read by ``parse``): the copies of the layers with their
    widths filled in, the whole expansion, and the output's width. ``image``: the input's
    (C, H, W) when ``inputs = [C, H, W]``."""
    out, done = Expansion(), []
    prev, width = "x", inputs
    for k, table in enumerate(layers, start=1):
        layer = parse(table, f"{where}: layers[{k - 1}]")
        if layer.kind in (*NORMS, "dropout"):
            layer.units = width  # they keep the width of the layer before them
        part = expand(layer, k, prev, width, image, acts, where)
        for name in ("params", "equations", "masks", "running", "stored"):
            getattr(out, name).update(getattr(part, name))
        out.recurrences += part.recurrences
        prev, width, image = part.output, part.units, part.image
        layer.units = width
        done.append(layer)
    out.output, out.units, out.image = prev, width, image
    return done, out, width


def _checker(acts: dict):
    """The activation check the builders call: a known name, else the closest one."""

    def check(act, key: str) -> str:
        key += "" if key.endswith(".activation") else ".activation"
        if not isinstance(act, str):
            raise DeriveError(
                f"activation must be a name in quotes, got {act!r}", where=key,
                fix='e.g. activation = "relu"',
            )  # fmt: skip
        if act not in acts:
            close = difflib.get_close_matches(act, sorted(acts), n=1)
            raise DeriveError(
                f"unknown activation `{act}`" + (f" (did you mean {close[0]}?)" if close else ""),
                where=key,
                fix=f"use one of: {', '.join(sorted(acts))}, or define it under [activations]",
            )
        return act

    check.acts = acts  # the recurrent cells build their step with the Activation itself
    return check


def expand(layer: Layer, k: int, prev: str, prev_units: int, image: Image | None = None,
           acts: dict | None = None, where: str = "<python>") -> Expansion:  # fmt: skip
    """The parameters and equations of ``layer`` at position ``k`` reading ``prev`` (its width
    and image shape); see the module docstring. A dense or normalisation layer reads an image
    flattened; dropout keeps it (it is elementwise)."""
    key = f"{where}: layers[{k - 1}]"
    check = _checker(acts if acts is not None else {layer.activation: None})
    if layer.kind in _BUILDERS:
        part = _BUILDERS[layer.kind](k, layer.options, prev, prev_units, image, where, check)
        default = "tanh" if layer.kind in recurrent.KEYS else "identity"
        layer.activation = layer.options.get("activation", default)  # checked by the builder
        return part
    if layer.kind == "layernorm" and prev_units == 1:
        raise DeriveError(
            "a layernorm over a single unit always gives 0 (x - mean(x) = 0)",
            where=f"{key}.kind", fix="put it after a layer of two or more units, or use batchnorm",
        )  # fmt: skip
    if layer.kind == "groupnorm":
        _check_groups(layer.options.get("groups"), prev_units, image, key)
    if layer.kind != "dropout":
        check(layer.activation, key)
    # dropout and the per-channel norms keep an image (a pooling or convolution may follow)
    keeps = layer.kind in ("dropout", "batchnorm", "groupnorm")
    out = Expansion(units=layer.units, image=image if keeps else None)
    W, b, z, A = (namer.layer(base, k) for base in ("W", "b", "z", "A"))
    if layer.kind == "dense" and "steps" in layer.options:
        act = recurrent._activation(check, layer.activation)
        steps = layer.options["steps"]
        return recurrent.dense_steps_layer(k, layer.units, act, steps, prev, prev_units, where)
    if layer.kind == "dense":
        out.params[W] = [layer.units, prev_units]
        out.params[b] = [layer.units, 1]
        out.equations[z] = f"{W} @ {prev} + {b}"
        out.equations[A] = f"{layer.activation}({z})"
    elif layer.kind in NORMS:
        _normalize(out, layer, k, prev, prev_units, image)
        out.equations[A] = f"{layer.activation}({z})"
    elif layer.kind == "dropout":
        mask = namer.layer("D", k)
        out.masks[mask] = (layer.p, prev_units)
        out.equations[A] = f"{mask} * {prev}"
    else:  # parse reports unknown kinds; this is for callers that made a Layer themselves
        raise ValueError(f"unknown layer kind {layer.kind!r}")
    out.output = A
    return out


def _check_groups(groups: int, units: int, image, key: str):
    """Group norm's groups divide the channels (the units of a vector), and a group holds
    more than one entry (a lone entry normalises to 0)."""
    channels, what = (image[0], "channels") if image else (units, "units")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise DeriveError(
            f"groups must be a positive integer, got {groups!r}", where=f"{key}.groups",
            fix=f"e.g. groups = 1 (one group of all {channels} {what}) or another divisor",
        )  # fmt: skip
    if channels % groups:
        divisors = [d for d in range(1, channels + 1) if channels % d == 0]
        raise DeriveError(
            f"groups = {groups} does not divide the {channels} {what} of its input",
            where=f"{key}.groups",
            fix=f"use a divisor of {channels}: {', '.join(map(str, divisors[:12]))}"
            + (", ..." if len(divisors) > 12 else ""),
        )  # fmt: skip
    if units // groups == 1:
        raise DeriveError(
            f"with groups = {groups}, each group holds one entry, which always normalises to 0",
            where=f"{key}.groups",
            fix=f"use fewer groups (groups = 1 normalises all {units} entries of a sample "
            "together)",
        )  # fmt: skip


def _normalize(out: Expansion, layer: Layer, k: int, prev: str, units: int, image):
    """Batch norm (each unit over the samples; after an image, each channel over the samples
    and its pixels, as ``BatchNorm2d``), layer norm (each sample over its units) or group norm
    (each sample over each group's channels and pixels, as ``GroupNorm``): mean, biased
    variance, normalised value, then the scale and shift, per unit or per channel.

    A statistic covers ``block`` consecutive rows (a channel's H*W pixels, a group's channels);
    ``sum_pixels`` (GroupSum) sums each block and ``per_pixel`` (Repeat) spreads a statistic
    back over its block: both IR nodes with their own rules, so nothing here is a gradient."""
    pixels = image[1] * image[2] if image else 1
    if layer.kind == "batchnorm":
        block, samples = pixels, True
    elif layer.kind == "layernorm":
        block, samples = units, False
    else:
        block, samples = units // layer.options["groups"], False
    count = m_symbol * block if samples else sp.Integer(block)
    n = ("m" if block == 1 else f"({block}*m)") if samples else str(block)
    mu, var, std, xhat = (namer.layer(base, k) for base in ("mu", "var", "std", "xhat"))
    gamma, beta, z = namer.layer("gamma", k), namer.layer("beta", k), namer.layer("z", k)
    per_channel = units // pixels if layer.kind != "layernorm" else units
    out.params[gamma] = [per_channel, 1]
    out.params[beta] = [per_channel, 1]

    def reduce(node):  # the sum over each statistic's entries
        if samples:
            node = Sum(node, 1)
        if block == 1 or (not samples and block == units):
            return node if samples else Sum(node, 0)
        return GroupSum(node, block)

    def spread(node, size):  # a statistic (or gamma, beta) back on each row of its block
        return node if size == 1 or node.shape[0] == 1 else Repeat(node, size)

    def text(over: str, size: int):  # how a reduction or a spread reads
        if samples:
            inner = f"sum_samples({over})"
            return inner if block == 1 else f"sum_pixels({inner}, {block})"
        return f"sum_units({over})" if block == units else f"sum_pixels({over}, {block})"

    def rep(name, size):
        return name if size == 1 or size == units else f"per_pixel({name}, {size})"

    centred = f"{prev} - {rep(mu, block)}"
    out.equations[mu] = Built(
        f"{text(prev, block)} / {n}", (prev,),
        lambda kn: ew(lambda s: s / count, [reduce(kn[prev])]),
    )  # fmt: skip
    out.equations[var] = Built(
        f"{text(f'({centred})**2', block)} / {n}", (prev, mu),
        lambda kn: ew(lambda s: s / count, [reduce(
            ew(lambda a, b: (a - b) ** 2, [kn[prev], spread(kn[mu], block)]))]),
    )  # fmt: skip
    out.equations[std] = f"sqrt({var} + {layer.eps!r})"
    if block == 1 or block == units:  # per unit, or one statistic per sample: broadcast
        out.equations[xhat] = f"({prev} - {mu}) / {std}"
    else:
        out.equations[xhat] = Built(
            f"({centred}) / {rep(std, block)}", (prev, mu, std),
            lambda kn: ew(lambda a, b, c: (a - b) / c,
                          [kn[prev], spread(kn[mu], block), spread(kn[std], block)]),
        )  # fmt: skip
    if pixels in (1, units) or layer.kind == "layernorm":
        out.equations[z] = f"{gamma} * {xhat} + {beta}"
    else:
        out.equations[z] = Built(
            f"{rep(gamma, pixels)} * {xhat} + {rep(beta, pixels)}", (xhat,),
            lambda kn: ew(lambda g, x, b: g * x + b,
                          [spread(kn[gamma], pixels), kn[xhat], spread(kn[beta], pixels)]),
        )  # fmt: skip
    if samples:  # the unbiased running variance divides by the count less one: block*m - 1
        out.running[namer.layer("running_mean", k)] = (mu, "mean", block)
        out.running[namer.layer("running_var", k)] = (var, "var", block)


def mask_var(name: str, shape) -> Var:
    """The dropout mask: a Var that is neither parameter nor data (role ``mask``)."""
    return Var(name, shape, "mask")


__all__ = [
    "KINDS", "KEYS", "Built", "Layer", "Expansion", "parse", "expand", "expand_all", "mask_var",
]  # fmt: skip
