"""A softmax over a vector of the note's own: its argument the logits, its value the output.

Softmax + cross-entropy derivations often write no network at all: a softmax of a vector
(``\\mathrm{softmax}(\\mathbf x) = \\frac{\\exp(\\mathbf x)}{\\sum_j \\exp(x_j)}``, ``\\mathbf p =
\\mathrm{softmax}(\\mathbf x)``, or by entries ``p_j = \\frac{e^{x_j}}{\\sum_k e^{x_k}}``) and a
cost of the prediction (``L(\\mathbf p) = -\\sum_i y_i \\log p_i``), then derivatives by
``p_j`` and ``x_i``. The softmax's argument is then the output layer's pre-activation and the
prediction its value: ``x`` is read as ``z^L`` and ``p`` as ``a^L`` everywhere in the note, the
output a softmax and the target one-hot, so ``\\frac{\\partial L}{\\partial p_j}``,
``\\frac{\\partial p_j}{\\partial x_i}`` and ``\\frac{\\partial L}{\\partial x_i}`` are derivatives
on the drawn network like any other. The prediction is the name the note's softmax defines,
or, when it only defines the function, the one argument of its cost (a cost of one vector and
the target is a cost of the prediction).

Only in a note that names no quantity of a network (no weights, biases, layers or activations
of its own): beside a network, ``x`` is its input and such a softmax is something else.
"""

from __future__ import annotations

from dataclasses import replace

from . import bind
from .grammar import COSTS, Atom, atoms, nodes, rebuild, rewrite_trees

_SOFTMAX = ("softmax",)


def _atoms(node, out) -> None:
    out.extend(atoms(node, calls=True))


def _bare(node) -> str | None:
    """The name of a bare atom (no index, layer, prime or transpose), else None."""
    if node is None or node[0] != "atom":
        return None
    a = node[1]
    if a.sub or a.sup or a.primes or a.T or a.ex:
        return None
    return a.name


def _softmax_of(node) -> str | None:
    """``softmax(v)``: the bare name v."""
    if node is None or node[0] != "call" or node[1].name not in _SOFTMAX or len(node[2]) != 1:
        return None
    f = node[1]
    if f.sub or f.sup or f.primes:
        return None
    return _bare(node[2][0])


def _entry_softmax(lhs, rhs) -> tuple[str, str] | None:
    """``p_j = \\frac{e^{x_j}}{\\sum_k e^{x_k}}``: (p, x)."""
    if lhs is None or rhs is None or lhs[0] != "atom" or rhs[0] != "div":
        return None
    p = lhs[1]
    if p.sup or p.primes or p.T or p.ex or not p.sub or len(p.sub.strip()) != 1:
        return None
    j = p.sub.strip()
    num, den = rhs[1], rhs[2]
    if den[0] != "sum" or den[2] is not None or den[1] is None:
        return None
    k = den[1]

    def exp_of(node, letter):
        if node[0] != "call" or node[1].name != "exp" or len(node[2]) != 1:
            return None
        arg = node[2][0]
        if arg[0] != "atom":
            return None
        a = arg[1]
        if a.sup or a.primes or a.T or a.ex or (a.sub or "").strip() != letter:
            return None
        return a.name

    x = exp_of(num, j)
    if x is None and _bare_exp(num, j) and _bare_exp(den[3], k):
        return p.name, ""  # e^j / \sum_i e^i: the argument's letter left out (see find)
    if x is None or exp_of(den[3], k) != x or x == p.name:
        return None
    return p.name, x


def _bare_exp(node, letter: str) -> bool:
    """``e^j``: the exponential of the index letter alone."""
    return (
        node[0] == "call"
        and node[1].name == "exp"
        and len(node[2]) == 1
        and node[2][0] == ("atom", Atom(letter))
    )


def _lettered(node, x: str):
    """``e^j`` as ``e^{x_j}`` throughout the tree."""
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "call" and node[1].name == "exp" and len(node[2]) == 1:
        arg = node[2][0]
        if arg[0] == "atom" and not arg[1].sub and len(arg[1].name) == 1:
            return ("call", node[1], [("atom", Atom(x, sub=arg[1].name))])
    return rebuild(node, lambda q: _lettered(q, x))


def _exp_letter(stmts) -> str | None:
    """The one letter the note's exponentials take entries of (``e^{o_k}``, ``\\sum_i
    e^{o_i}``), else None."""
    found = set()
    for members in stmts:
        for m in members:
            for node in nodes(m.tree) if m.tree is not None else ():
                if isinstance(node, tuple) and node and node[0] == "call":
                    if node[1].name == "exp" and len(node[2]) == 1 and node[2][0][0] == "atom":
                        a = node[2][0][1]
                        if a.sub and len(a.sub.strip()) == 1 and not (a.sup or a.primes):
                            found.add(a.name)
    return found.pop() if len(found) == 1 else None


def find(stmts):
    """(logits name, prediction name, statements defining the softmax) or None."""
    logits, pred, defs = None, None, []
    cost_args = []
    for members in stmts:
        if len(members) < 2:
            continue
        lhs, rhs = members[0].tree, members[1].tree
        if lhs is None or rhs is None:
            continue
        v = _softmax_of(lhs)
        if v is not None:  # softmax(x) = ...
            logits = logits or v
            defs.append(members[0])
            continue
        v = _softmax_of(rhs)
        p = _bare(lhs)
        if v is not None and p is not None:  # p = softmax(x)
            logits, pred = logits or v, pred or p
            defs.append(members[0])
            continue
        pair = _entry_softmax(lhs, rhs)
        if pair is not None and not pair[1]:
            # p_j = e^j / \sum_i e^i, a slip for the note's own e^{o_j} / \sum_i e^{o_i}
            x = _exp_letter(stmts)
            pair = (pair[0], x) if x and x != pair[0] else None
            if pair is not None:  # read as the note means it: e^{o_j} / \sum_i e^{o_i}
                members[1].tree = _lettered(rhs, x)
        if pair is not None:  # p_j = e^{x_j} / \sum_k e^{x_k}
            pred, logits = pred or pair[0], logits or pair[1]
            defs.append(members[0])
            continue
        if lhs[0] == "call" and lhs[1].name in COSTS and len(lhs[2]) == 1:
            arg = _bare(lhs[2][0])
            if arg is not None:
                cost_args.append(arg)
    if logits is None:
        return None
    if pred is None:
        found = set(cost_args) - {logits}
        if len(found) != 1:
            return None
        pred = found.pop()
    if pred == logits:
        return None
    return logits, pred, defs


def _kronecker(a) -> bool:
    sub = (a.sub or "").replace(" ", "").replace(",", "")
    return a.name == "delta" and not a.sup and len(sub) == 2 and sub.isalpha()


def _class_cost(stmts, pred: str) -> bool:
    """A cost of the true class's probability, ``L = -\\log p_c`` (c an index letter): the
    target is one-hot, named by its class rather than written."""
    for members in stmts:
        if len(members) < 2 or members[0].tree is None or members[1].tree is None:
            continue
        lhs = members[0].tree
        if lhs[0] != "atom" or lhs[1].name not in COSTS:
            continue
        rhs = members[1].tree
        if rhs[0] == "add" and len(rhs[1]) == 1 and rhs[1][0][0] < 0:
            rhs = rhs[1][0][1]  # -\log p_c
        if rhs[0] != "call" or rhs[1].name not in ("log", "ln") or len(rhs[2]) != 1:
            continue
        arg = rhs[2][0]
        if arg[0] == "atom" and arg[1].name == pred and (arg[1].sub or "").strip() in "cklq":
            return bool((arg[1].sub or "").strip())
    return False


# names of a network's own quantities: a note that writes any of them has a network
_NETWORK = (set(bind.LAYERED) - {"z", "a"}) | {"h", "H", "theta", "Theta"}


def apply(note, stmts) -> str:
    """Rename the note's logits to z^L and its prediction to a^L (before its conventions are
    inferred); what it read, for the verdicts, or "" when it did not."""
    found = find(stmts)
    if found is None:
        return ""
    logits, pred, defs = found
    names = set()
    for members in stmts:
        for m in members:
            atoms = []
            _atoms(m.tree, atoms)
            # \delta_{ck}: a Kronecker delta, not a network's error
            names |= {a.name for a in atoms if not _kronecker(a)}
    others = names - {logits, pred}
    if others & _NETWORK or others & {"z", "a", "x", "X", "hat_y"}:
        return ""  # a network of the note's own: not this reading
    if "y" not in names and not _class_cost(stmts, pred):
        return ""  # no target: not this reading
    layer = {logits: "z", pred: "a"}

    def rename(node):
        if not isinstance(node, tuple) or not node:
            return node
        if node[0] == "atom" and node[1].name in layer and node[1].sup is None:
            a = node[1]
            return ("atom", replace(a, name=layer[a.name], sup="L"))
        return rebuild(node, rename)

    rewrite_trees(stmts, rename)
    for m in defs:
        note.kinds[id(m)] = "definition"
    return f"{logits} the softmax's argument (z^L), {pred} its value (a^L)"


def settle(note, read: str) -> None:
    """After the conventions: the output is the softmax, the target one-hot; the verdicts say
    how the note's names were read."""
    note.output_options = ["softmax"]
    note.named = note.named or read
