"""Gradients written as row vectors (numerator layout) beside weights written as columns.

A note whose weights feed columns (``z^L = w^L \\sigma(z^{L-1}) + b^L``) may still write its
chain rule in numerator layout: ``\\delta^{L-1} = \\frac{\\partial C}{\\partial z^L}
\\frac{\\partial z^L}{\\partial z^{L-1}}`` with ``\\frac{\\partial z^L}{\\partial z^{L-1}} = w^L
\\sigma'(z^{L-1})``. The gradient is then a row vector and ``\\delta^L w^L \\sigma'(z^{L-1})``
is ``((w^L)^T \\delta^L \\odot \\sigma'(z^{L-1}))^T``: right under the note's own chain rule.

That reading is the rows layout (every layer vector a row, a batch stacked by rows) with each
weight kept as its column-layout matrix (``n_out x n_in``): a claim is read there by writing
every weight, and every derivative by a weight, transposed, and evaluating it as rows. It is a
reading of a note that states a Jacobian between layers as an untransposed weight (as above),
or that writes a chain rule in that order (the cost's derivative by a layer quantity, then a
Jacobian between layers) and never a gradient as a column (``W^{[l]T} dz^{[l]}``: a note that
writes that one means columns, and its ``dz^{[l]} w^{[l]}`` stays wrong). It is tried only
before calling a claim wrong: it can confirm a claim, never refute one.
"""

from __future__ import annotations

from dataclasses import replace

from .bind import LAYERED, Reading
from .grammar import COSTS, Atom, subtrees

_VECTORS = ("z", "a")  # the layer vectors a Jacobian between layers runs between


def _layer_kind(node):
    """("z" | "a" | "W" | ..., layer text) of a bare layered atom, else None."""
    if not (isinstance(node, tuple) and node and node[0] == "atom"):
        return None
    atom = node[1]
    kind = LAYERED.get(atom.name)
    if kind is None or atom.T:
        return None
    layer = atom.sup or atom.sub
    return (kind, (layer or "").strip()) if layer else None


def _factors(node):
    if isinstance(node, tuple) and node and node[0] == "mul":
        return _factors(node[2]) + _factors(node[3])
    return [node]


def _numerator_chain(tree) -> bool:
    """dC/dX . dX/dY with X, Y layer vectors of different layers (the cost gradient first)."""
    fs = _factors(tree)
    for first, second in zip(fs, fs[1:], strict=False):
        if not (first[0] == "d" and second[0] == "d" and first[3] is None and second[3] is None):
            continue
        num = first[1]
        if not (num[0] == "atom" and num[1].name in COSTS):
            continue
        x, x2, y = _layer_kind(first[2]), _layer_kind(second[1]), _layer_kind(second[2])
        if x is None or x != x2 or y is None:
            continue
        if x[0] in _VECTORS and y[0] in _VECTORS and x[1] != y[1]:
            return True
    return False


def _between_layers(node) -> bool:
    """d(z^L)/d(z^{L-1}): a derivative of a layer vector by another layer's."""
    if not (isinstance(node, tuple) and node and node[0] == "d" and node[3] is None):
        return False
    x, y = _layer_kind(node[1]), _layer_kind(node[2])
    return bool(x and y and x[0] in _VECTORS and y[0] in _VECTORS and x[1] != y[1])


def _has(tree, test) -> bool:
    if test(tree):
        return True
    if isinstance(tree, (tuple, list)):
        return any(_has(t, test) for t in tree)
    return False


def _transposed_weight(node) -> bool:
    if not (isinstance(node, tuple) and node):
        return False
    if node[0] == "T":
        return _weight(node[1])
    if node[0] == "atom" and isinstance(node[1], Atom) and node[1].T:
        return _weight(("atom", replace(node[1], T=False)))
    return False


def _column_form(tree) -> bool:
    """W^T times something (W^{[l]T} dz^{[l]}, ((w^L)^T \\delta^L)): gradients as columns."""
    return _has(
        tree,
        lambda n: isinstance(n, tuple) and n and n[0] == "mul" and _transposed_weight(n[2]),
    )


def writes_rows(stmts) -> bool:
    """Whether the note's gradients may be row vectors: it states a Jacobian between layers
    as an untransposed weight (dz^L/dz^{L-1} = w^L \\sigma'(z^{L-1})), or it writes a chain
    rule in numerator layout and never a gradient as a column (W^T \\delta)."""
    trees = [[m.tree for m in ms] for ms in stmts]
    for ms in trees:
        if len(ms) > 1 and ms[0] is not None and _between_layers(ms[0]):
            if any(t is not None and _has(t, _weight) for t in ms[1:]):
                return True
    flat = [t for ms in trees for t in ms if t is not None]
    if any(_column_form(t) for t in flat):
        return False
    return any(_numerator_chain(t) for t in flat)


def _weight(node) -> bool:
    k = _layer_kind(node)
    if k is None or k[0] not in ("W", "dW"):
        return False
    atom = node[1]
    # an entry w_{jk} is a number: only the whole matrix is transposed (W^{(2)}, W_1)
    if atom.sup is not None:
        return not atom.sub
    return atom.sub.strip().isdigit()


def flip_weights(tree):
    """The tree with every whole weight, and every derivative by one, transposed."""
    if not isinstance(tree, tuple) or not tree:
        return tree
    if _weight(tree):
        return ("T", tree)
    if tree[0] == "atom" and isinstance(tree[1], Atom) and tree[1].T:
        plain = ("atom", replace(tree[1], T=False))
        if _weight(plain):
            return plain  # w^{[l]T}: the two transposes cancel
    if tree[0] == "d" and tree[3] is None and _weight(tree[2]):
        return ("T", tree)
    if tree[0] == "atom" and isinstance(tree[1], Atom):
        return tree
    return tuple(
        [flip_weights(t) for t in x] if isinstance(x, list) else flip_weights(x) for x in tree
    )


def readings(readings_of_note):
    """The rows readings matching the note's column readings (the weights are flipped)."""
    seen = set()
    for reading, widths, scalar in readings_of_note:
        if scalar or reading.layout != "cols":
            continue
        r: Reading = replace(reading, layout="rows")
        if repr(r) in seen:
            continue
        seen.add(repr(r))
        yield r, widths


DESCRIBE = (
    "gradients written as row vectors (numerator layout, as the note's chain rule "
    "dC/dz^l dz^l/dz^(l-1) has them), weights as columns"
)


def sums_examples(note, tree) -> bool:
    """A note that writes its examples as rows, summing to the batch's size
    (``\\sum_{i=1}^{N} \\delta^{(2)}_i``): the sum runs over the examples, so the claim is
    about a batch (``bind.entry`` reads ``\\delta_i`` as example i's row). A sum written without
    its bound (``\\sum_i \\delta^{(l)}_i``) over a letter the note sums to N elsewhere is the
    same sum over the examples."""
    if not note.conventions or note.conventions[0][0] != "rows":
        return False
    return _batch_sum(tree, getattr(note, "example_sums", frozenset()))


def example_sums(stmts) -> frozenset:
    """The letters the note sums to the batch's size somewhere (``\\sum_{i=1}^{N}``)."""
    out = set()

    def walk(node):
        if isinstance(node, tuple) and node:
            if node[0] == "sum" and len(node) > 4 and node[4] in _COUNTS and node[1]:
                out.add(node[1])
            for part in subtrees(node):
                walk(part)

    for ms in stmts:
        for m in ms:
            walk(m.tree)
    return frozenset(out)


_COUNTS = ("N", "m", "M")


def _batch_sum(node, letters=frozenset()) -> bool:
    if node[0] == "sum" and len(node) > 4 and node[4] in _COUNTS:
        return True
    if node[0] == "sum" and len(node) > 4 and node[4] is None and node[1] in letters:
        return True
    return any(_batch_sum(part, letters) for part in subtrees(node))
