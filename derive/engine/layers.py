"""Layer kinds of the layer form, each an expansion into the IR's five node types.

``expand(kind, k, prev, options)`` gives the parameters and named equations of layer k (its
1-based position), reading the quantity ``prev`` of the layer before (``x`` for the first):

- ``dense``: zk = Wk @ prev + bk, Ak = act(zk);
- ``batchnorm``: muk = sum_samples(prev) / m, vark = sum_samples((prev - muk)**2) / m (the
  biased batch variance), stdk = sqrt(vark + eps), xhatk = (prev - muk) / stdk,
  zk = gammak * xhatk + betak, Ak = act(zk); gammak, betak are (units, 1);
- ``layernorm``: the same over the units of each sample (sums over axis 0, (1, m) statistics);
- ``dropout``: Ak = Dk * prev, where Dk is the inverted-dropout mask, an input of the step
  (neither parameter nor data): 1/(1 - p) where a unit is kept, 0 where it is dropped.

No kind has a gradient formula of its own: the derivation applies the generic rules of
``derivation.py`` to these nodes. Equations that the expression language cannot write (sums
over the samples, the sample count m) are ``Built``: a node made from the named quantities,
with the text that the derivation prints for it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import sympy as sp

from derive.errors import DeriveError

from .ir import Node, Sum, Var, ew

KINDS = ("dense", "batchnorm", "layernorm", "dropout")
KEYS = {
    "dense": {"kind", "units", "activation"},
    "batchnorm": {"kind", "activation", "eps"},
    "layernorm": {"kind", "activation", "eps"},
    "dropout": {"kind", "p"},
}
DEFAULT_EPS = 1e-5
MOMENTUM = 0.1  # running = (1 - momentum) running + momentum batch, as PyTorch
# The sample count as the derivation writes it (the same symbol as derivation.m).
m_symbol = sp.Symbol("m", positive=True, integer=True)


@dataclass(frozen=True)
class Built:
    """An equation given as a node rather than text: ``make(known)`` builds it from the named
    quantities ``deps`` (and parameters); ``text`` is how it reads."""

    text: str
    deps: tuple[str, ...]
    make: Callable[[dict[str, Var]], Node]


@dataclass
class Layer:
    """One layer of the layer form: its kind, width and options (as the spec gave them;
    batchnorm, layernorm and dropout take the width of the layer before them)."""

    units: int = 0
    activation: str = "identity"
    kind: str = "dense"
    eps: float = DEFAULT_EPS
    p: float = 0.0


@dataclass
class Expansion:
    params: dict[str, list[int]] = field(default_factory=dict)
    equations: dict[str, str | Built] = field(default_factory=dict)
    masks: dict[str, tuple[float, int]] = field(default_factory=dict)  # mask -> (p, rows)
    running: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (quantity, stat)
    output: str = ""


def expand_all(layers: list, inputs: int, acts: dict, where: str):
    """Every layer expanded (``(units, activation)`` pairs are dense layers): the copies of the
    layers with their widths filled in, the whole expansion, and the output's width."""
    out, done = Expansion(), []
    prev, width = "x", inputs
    for k, layer in enumerate(layers, start=1):
        layer = replace(layer) if isinstance(layer, Layer) else Layer(*layer)
        if layer.kind in ("batchnorm", "layernorm", "dropout"):
            layer.units = width  # they keep the width of the layer before them
        _check(layer, k, width, acts, where)
        part = expand(layer, k, prev, width)
        out.params.update(part.params)
        out.equations.update(part.equations)
        out.masks.update(part.masks)
        out.running.update(part.running)
        prev, width = part.output, layer.units
        done.append(layer)
    out.output = prev
    return done, out, width


def _check(layer: Layer, k: int, width: int, acts: dict, where: str):
    if layer.kind == "layernorm" and width == 1:
        raise DeriveError(
            "a layernorm over a single unit always gives 0 (x - mean(x) = 0)",
            where=f"{where}: layers[{k - 1}].kind",
            fix="put it after a layer of two or more units, or use batchnorm",
        )
    if layer.kind != "dropout" and layer.activation not in acts:
        act = layer.activation
        close = difflib.get_close_matches(act, sorted(acts), n=1)
        raise DeriveError(
            f"unknown activation `{act}`" + (f" (did you mean {close[0]}?)" if close else ""),
            where=f"{where}: layers[{k - 1}].activation",
            fix=f"use one of: {', '.join(sorted(acts))}, or define it under [activations]",
        )


def expand(layer: Layer, k: int, prev: str, prev_units: int) -> Expansion:
    """The parameters and equations of ``layer`` at position ``k``; see the module docstring."""
    out = Expansion()
    if layer.kind == "dense":
        out.params[f"W{k}"] = [layer.units, prev_units]
        out.params[f"b{k}"] = [layer.units, 1]
        out.equations[f"z{k}"] = f"W{k} @ {prev} + b{k}"
        out.equations[f"A{k}"] = f"{layer.activation}(z{k})"
    elif layer.kind in ("batchnorm", "layernorm"):
        _normalize(out, layer, k, prev, prev_units)
        out.equations[f"A{k}"] = f"{layer.activation}(z{k})"
    elif layer.kind == "dropout":
        mask = f"D{k}"
        out.masks[mask] = (layer.p, prev_units)
        out.equations[f"A{k}"] = f"{mask} * {prev}"
    else:  # the spec reader reports unknown kinds; this is for Python callers
        raise ValueError(f"unknown layer kind {layer.kind!r}")
    out.output = f"A{k}"
    return out


def _normalize(out: Expansion, layer: Layer, k: int, prev: str, units: int):
    """Batch norm (axis 1: each unit over the samples) or layer norm (axis 0: each sample over
    its units): mean, biased variance, normalised value, then the scale and shift."""
    axis = 1 if layer.kind == "batchnorm" else 0
    count = m_symbol if axis == 1 else sp.Integer(units)
    over = "sum_samples" if axis == 1 else "sum_units"
    n = "m" if axis == 1 else str(units)
    mu, var, std, xhat = f"mu{k}", f"var{k}", f"std{k}", f"xhat{k}"
    out.params[f"gamma{k}"] = [units, 1]
    out.params[f"beta{k}"] = [units, 1]
    out.equations[mu] = Built(
        f"{over}({prev}) / {n}", (prev,), lambda kn: ew(lambda s: s / count, [Sum(kn[prev], axis)])
    )
    out.equations[var] = Built(
        f"{over}(({prev} - {mu})**2) / {n}",
        (prev, mu),
        lambda kn: ew(
            lambda s: s / count, [Sum(ew(lambda a, b: (a - b) ** 2, [kn[prev], kn[mu]]), axis)]
        ),
    )
    out.equations[std] = f"sqrt({var} + {layer.eps!r})"
    out.equations[xhat] = f"({prev} - {mu}) / {std}"
    out.equations[f"z{k}"] = f"gamma{k} * {xhat} + beta{k}"
    if axis == 1:
        out.running[f"running_mean{k}"] = (mu, "mean")
        out.running[f"running_var{k}"] = (var, "var")


def mask_var(name: str, shape) -> Var:
    """The dropout mask: a Var that is neither parameter nor data (role ``mask``)."""
    return Var(name, shape, "mask")


__all__ = ["KINDS", "KEYS", "Built", "Layer", "Expansion", "expand", "expand_all", "mask_var"]
