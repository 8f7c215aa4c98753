"""What the layer kinds add to a generated module beside the derived forward and backward.

- dropout: each mask ``Dk`` is drawn in the forward pass, just before its use, by
  ``_dropout_mask(rng, like, p)``: 1/(1 - p) where a unit is kept (probability 1 - p), 0 where
  it is dropped, all ones without a generator (inference); ``backward`` reads it from the cache.
- batch norm: running mean and variance, kept in the params dict beside the parameters
  (``RUNNING_SHAPES``; initialised to 0 and 1), updated by ``training_step`` with momentum 0.1
  as PyTorch does (running = 0.9 running + 0.1 batch, the batch variance taken unbiased, times
  n / (n - 1) for its n = m entries, m H W per channel after an image), and read by
  ``predict`` in place of the batch statistics.
- gamma of batch and layer norm starts at 1 (``init_rules``).

Nothing here is a gradient: the derivation's program is printed by ``codegen`` as for any
network.
"""

from __future__ import annotations

from derive.engine.graph import Network
from derive.engine.ir import Elementwise, Node, Var
from derive.engine.layers import MOMENTUM

from .npprint import NUMPY
from .text import var_name


def mask_lines(net: Network, node: Node, expr, dialect=NUMPY) -> list[tuple[str, str, str]]:
    """(target, code, comment) for the dropout masks that ``node`` uses, drawn here (by the
    ``dialect``'s call: the torch and JAX modules can also be given the masks)."""
    if not net.masks or not isinstance(node, Elementwise):
        return []
    out = []
    for arg in node.args:
        if isinstance(arg, Var) and arg.role == "mask":
            like = next(a for a in node.args if a is not arg)
            p = net.masks[arg.name]
            why = f"{arg.name}: inverted dropout, p = {p!r}: 1/(1 - p) where kept, 0 where dropped"
            out.append((arg.name, dialect.dropout(arg.name, expr(like), p), why))
    return out


def inference_lines(net: Network) -> dict[str, tuple[str, str, str]]:
    """The lines that differ at inference: the running statistics in place of the batch's,
    no dropout."""
    out = {}
    for name, node in net.equations.items():
        masks = [a for a in getattr(node, "args", ()) if isinstance(a, Var) and a.role == "mask"]
        if masks:
            (like,) = [a for a in node.args if a is not masks[0]]
            out[name] = (
                name,
                var_name(like),
                f"{name} = {var_name(like)}: no dropout at inference",
            )
    for key, (quantity, stat, _) in net.running.items():
        what = "mean" if stat == "mean" else "variance"
        out[quantity] = (quantity, f"params[{key!r}]", f"{quantity} = the running {what}")
    return out


def running_updates(net: Network) -> list[tuple[str, str]]:
    """(key, code) of each running statistic after one training step on the batch in
    ``cache``; the variance unbiased, as PyTorch keeps it."""
    keep = 1 - MOMENTUM
    out = []
    for key, (quantity, stat, per) in net.running.items():
        n = "m" if per == 1 else f"m * {per}"  # the entries the batch variance divided by
        batch = f'cache["{quantity}"]' + (f" * ({n} / max({n} - 1, 1))" if stat == "var" else "")
        code = f'{keep!r} * params["{key}"] + {MOMENTUM!r} * {batch}'
        if len(f'        "{key}": {code},') > 100:  # as ruff formats a dict entry that long
            code = code.replace(" + ", "\n        + ", 1)
        out.append((key, code))
    return out


def running_shapes(net: Network) -> dict[str, tuple]:
    return {key: tuple(net.values[q].shape) for key, (q, *_) in net.running.items()}


def init_rules(net: Network) -> dict[str, str]:
    """Parameters that start at one: the scale gamma of batch, layer and group norm."""
    out = {}
    for k, layer in enumerate(net.layers or [], start=1):
        if layer.kind in ("batchnorm", "layernorm", "groupnorm"):
            out[f"gamma{k}"] = "ones"
    return out


def layer_notes(net) -> list[str]:
    """What the layer kinds assume: dropout's mask, batch norm's batch statistics."""
    out = []
    for mask, p in net.masks.items():
        out.append(
            f"{mask} is a dropout mask (p = {p:g}): 1/(1 - p) where a unit is kept, 0 where it is "
            "dropped; drawn anew in each training step's forward pass and held fixed through its "
            "backward pass; all ones at inference"
        )
    for k, layer in enumerate(net.layers or [], start=1):
        if layer.kind == "batchnorm":
            out.append(
                f"layer {k} normalises with the batch's own mean and (biased) variance, as in "
                "training; predict uses running averages of them instead (momentum 0.1)"
            )
    return out
