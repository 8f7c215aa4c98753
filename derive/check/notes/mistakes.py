"""The usual mistakes of the batch form, as changes to a read claim (``matrixread`` trees).

``mutants(tree, acts)`` yields each claim the student may have meant, with the mistake in
words: a transpose missing or extra, a matrix product where the elementwise (Hadamard) product
belongs or the other way round, the wrong layer's activation (A1 where X belongs), the
activation where its derivative belongs (σ(Z2) or A2 for σ'(Z2)), the derivative of the wrong
activation. ``matrix`` evaluates each: the one that equals the derivation names the mistake.
"""

from __future__ import annotations

import re

from derive.engine import namer

from .matrixread import show_tree


def mutants(tree, acts: dict[int, str]):
    """(changed tree, reason) for every single change of one node of ``tree``."""
    for path, node in _nodes(tree):
        for new, reason in _changes(node, acts):
            yield _put(tree, path, new), reason


def _nodes(tree, path=()):
    yield path, tree
    if tree[0] in ("T", "neg", "sum", "norm2", "pow"):
        yield from _nodes(tree[1], path + (1,))
    elif tree[0] == "fn":
        yield from _nodes(tree[3], path + (3,))
    elif tree[0] in ("mm", "had", "star", "add", "sub", "div"):
        yield from _nodes(tree[1], path + (1,))
        yield from _nodes(tree[2], path + (2,))


def _put(tree, path, new):
    if not path:
        return new
    k = path[0]
    return tree[:k] + (_put(tree[k], path[1:], new),) + tree[k + 1 :]


def _show(tree) -> str:
    return show_tree(tree)


def _changes(node, acts):
    kind = node[0]
    if kind in ("name", "grad"):
        yield ("T", node), f"the transpose is missing on {node[2]}"
        yield from _other_layers(node, acts)
    elif kind == "T" and node[1][0] in ("name", "grad"):
        yield node[1], f"an extra transpose on {node[1][2]}"
    elif kind == "mm":
        yield (
            ("had",) + node[1:],
            (f"a matrix product {_show(node)} where the elementwise (Hadamard) product ⊙ belongs"),
        )
        yield ("mm", node[2], node[1]), f"the factors of {_show(node)} are in the wrong order"
    elif kind in ("had", "star"):
        yield (
            ("mm",) + node[1:],
            (f"an elementwise product {_show(node)} where the matrix product belongs"),
        )
    elif kind == "fn":
        _, fname, prime, arg, layer = node
        if not prime:
            yield (
                ("fn", fname, True, arg, layer),
                (
                    f"the activation {_show(node)} is used where its derivative "
                    f"{_show(('fn', fname, True, arg, layer))} belongs"
                ),
            )
        for other in sorted(set(acts.values()) | {"sigmoid", "tanh", "relu"}):
            if other != fname and fname != "g":
                new = ("fn", other, prime, arg, layer)
                yield (
                    new,
                    (
                        f"the derivative of the wrong activation: {_show(node)} where "
                        f"{_show(new)} belongs"
                    ),
                )


def _other_layers(node, acts):
    """The same kind of quantity at another layer (A1 for X, A2 for A1, z1 for z2), and the
    activation's derivative for its output (σ'(Z2) for A2)."""
    kind, name, shown = node
    m = re.fullmatch(r"(A|z|W|b|delta)(\d+)", name)
    layers = sorted(acts)
    if name == "x" and kind == "name" and layers:
        new = ("name", "A1", "A1")
        yield new, f"the wrong layer's activation: {shown} where {new[2]} belongs"
    if not m:
        return
    base, k = m.group(1), int(m.group(2))
    for j in (k - 1, k + 1):
        if j == 0 and base == "A":
            new = ("name", "x", "X")
        elif j in acts:
            new = (kind, f"{base}{j}", f"{'d' if kind == 'grad' else ''}{base}{j}")
        else:
            continue
        yield new, f"the wrong layer's activation: {shown} where {new[2]} belongs"
    if base == "A" and kind == "name" and k in acts:
        deriv = ("fn", acts[k], True, ("name", namer.layer("z", k), f"Z{k}"), None)
        yield deriv, (f"the activation {shown} is used where its derivative {_show(deriv)} belongs")
