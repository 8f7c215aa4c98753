"""Two readings of what a line means that keep a correct line from being called WRONG.

* Notation: ``dA^{[l]} = \\frac{\\partial \\mathcal{L}}{\\partial A^{[l]}}`` names Ng's gradient
  symbol after the partial it stands for. It is a definition of notation, not a claim: when
  the note's other lines use dA per example while its cost is a mean, the two sides differ by
  the 1/m the convention moves around, and that is no mistake of the note.
* Hidden layers: a claim about a general layer l that names the hidden activation
  (``dz^{[l]} = dA^{[l]} \\odot \\text{ReLU}'(z^{[l]})`` under a "Hidden layers" heading, next
  to a softmax output layer treated on its own lines) holds at every hidden layer and fails
  only at the output layer, whose activation is another one. It is read as a claim about the
  hidden layers.
* Named gradients: a note that names ``dZ^{[L]} = \\frac{\\partial J}{\\partial Z^{[L]}}``
  may mean that partial by ``dZ^{[L]}`` in a claim (``dZ^{[L]} = \\frac{\\partial J}{\\partial
  A^{[L]}} \\odot g'^{[L]}(Z^{[L]})``) while its other lines use Ng's per-example dZ: a claim
  that fails for dZ is tried once more for the partial the note named (``named``).
* The target fixes the layer: ``(a^{(l)} - y) \\odot \\sigma'(z^{(l)})`` under "Gradient at
  output layer ($l$)" calls the output layer l; the target only has the output's shape, so a
  general l beside it is judged at the output layer (``at_target``), never at hidden layers
  whose width may happen to equal the output's.
* A hatted target: a cost that subtracts ``\\hat{y}`` from an activation (``C = \\frac12
  \\|a^{(l)} - \\hat{y}\\|^2``) in a note that never computes ``\\hat y`` writes the target
  with a hat; it is the target y there and everywhere in the note (``hat_target``).
* Initialisation: a name the note updates (``\\Delta^{(l)}_{ij} = \\Delta^{(l)}_{ij} +
  a^{(l)}_j \\delta^{(l+1)}_i``, an accumulator of an algorithm's loop) set to a number on
  another line (``\\Delta^{(l)}_{ij} = 0``) is the loop's start, not a claim (``initialises``).
"""

from __future__ import annotations

from .bind import LAYERED, is_cost, strip_layer
from .grammar import COSTS, Atom, rebuild, rewrite_trees, subtrees

# the quantity an Ng gradient symbol stands for: dZ -> z, dA -> a, dW -> W, db -> b
_OF = {"dz": "z", "da": "a", "dW": "W", "db": "b"}


def _layer(atom) -> tuple[str, str]:
    sup = strip_layer(atom.sup) if atom.sup else ""
    return sup, (atom.sub or "").replace(" ", "")


def names_gradient(lhs, rhs) -> bool:
    """Whether ``lhs = rhs`` is ``dX = dCost/dX`` for one and the same X (a notation line)."""
    if lhs is None or rhs is None or lhs[0] != "atom" or rhs[0] != "d" or len(rhs) < 3:
        return False
    d = lhs[1]
    kind = LAYERED.get(d.name)
    if kind not in _OF or d.name in ("delta", "Delta") or d.T or d.primes:
        return False
    num, den = rhs[1], rhs[2]
    if num is None or den is None or num[0] != "atom" or den[0] != "atom":
        return False
    if num[1].name not in COSTS or num[1].sup is not None:
        return False
    x = den[1]
    if LAYERED.get(x.name) != _OF[kind] or x.T or x.primes:
        return False
    return _layer(d) == _layer(x)


def hidden_only(results, output_layer) -> bool:
    """Whether a general-layer claim's comparisons fail at the output layer only and hold at
    some hidden layer. ``results`` are ``(layer, combo, seed, equal or None)``."""
    failing = {lv for lv, _c, _s, ok in results if ok is False}
    holding = {lv for lv, _c, _s, ok in results if ok is True}
    if failing != {output_layer}:
        return False
    return any(lv is not None and lv != output_layer for lv in holding)


def named(stmts) -> dict[str, object]:
    """The gradient symbols the note names (``dZ^{[L]} = \\frac{\\partial J}{\\partial
    Z^{[L]}}``): the symbol as written -> the partial's tree."""
    out = {}
    for members in stmts:
        if len(members) > 1 and names_gradient(members[0].tree, members[1].tree):
            out.setdefault(members[0].tree[1].show(), members[1].tree)
    return out


def updated(stmts, kinds) -> set[str]:
    """The names the note updates (``X = X + ...``), as written."""
    return {
        ms[0].tree[1].show()
        for ms in stmts
        if kinds.get(id(ms[0])) == "update" and ms[0].tree is not None and ms[0].tree[0] == "atom"
    }


def initialises(lhs, rhs, names: set[str]) -> bool:
    """Whether ``lhs = rhs`` sets a name the note updates to a number."""
    return (
        bool(names)
        and lhs is not None
        and rhs is not None
        and lhs[0] == "atom"
        and rhs[0] == "num"
        and lhs[1].show() in names
    )


def _pairs(node, target) -> bool:
    """Whether a sum in the tree pairs an activation (a^{...}, A^{...}) with ``target``."""
    if not isinstance(node, tuple) or not node:
        return False
    if node[0] == "add":
        terms = [t for _, t in node[1]]
        if any(t[0] == "atom" and target(t[1]) for t in terms) and any(
            t[0] == "atom" and t[1].name in ("a", "A") and t[1].sup for t in terms
        ):
            return True
    return any(_pairs(q, target) for q in subtrees(node))


def at_target(*trees) -> bool:
    """Whether a sum in the trees pairs the target (y, Y) with an activation at the general
    layer l (``a^{(l)} - y``, ``a^l - y``)."""

    def general(node) -> bool:
        if not isinstance(node, tuple) or not node:
            return False
        if node[0] == "add":
            terms = [t for _, t in node[1]]
            target = any(t[0] == "atom" and t[1].name in ("y", "Y") and not t[1].sup for t in terms)
            at_l = any(
                t[0] == "atom"
                and t[1].name in ("a", "A")
                and strip_layer(t[1].sup or "").strip() == "l"
                for t in terms
            )
            if target and at_l:
                return True
        return any(general(q) for q in subtrees(node))

    lhs = trees[0] if trees else None
    if lhs is not None and lhs[0] in ("atom", "call") and (is_cost(lhs[1]) or lhs[1].name in COSTS):
        return False  # a cost restated with a^{(l)}: the cost is of the output, l is a slip
    return any(general(t) for t in trees)


def hat_target(stmts) -> bool:
    """Rename the hatted target to y (see the module doc); whether it did."""

    def hat(a) -> bool:
        return a.name == "hat_y" and not a.sup and not a.sub

    costs = [
        ms
        for ms in stmts
        if len(ms) > 1
        and ms[0].tree is not None
        and ms[0].tree[0] in ("atom", "call")
        and (is_cost(ms[0].tree[1]) or ms[0].tree[1].name in COSTS)
    ]
    if not any(_pairs(m.tree, hat) for ms in costs for m in ms[1:]):
        return False

    def defines(test) -> bool:
        return any(
            len(ms) > 1
            and ms[0].tree is not None
            and ms[0].tree[0] == "atom"
            and test(ms[0].tree[1])
            for ms in stmts
        )

    if defines(hat) or defines(lambda a: a.name == "y"):
        return False  # the note computes y-hat (the output), or y is a name of its own

    def swap(node):
        if isinstance(node, tuple) and node and node[0] == "atom" and hat(node[1]):
            return ("atom", Atom("y"))
        return rebuild(node, swap)

    rewrite_trees(stmts, swap)
    return True
