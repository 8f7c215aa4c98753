"""The delta rule's unit notation, read into the layered model.

Rumelhart's notation, kept by many textbooks and lecture notes (Zell, Rojas, Mitchell): a unit
j receives ``net_j = \\sum_i w_{ij} o_i`` and sends ``o_j = f(net_j)``; the error signal is
``\\delta_j = -\\partial E / \\partial net_j`` and the weight change ``\\Delta w_{ij} = -\\eta
\\partial E / \\partial w_{ij} = \\eta \\delta_j o_i``. No symbol carries a layer: the layer is
in the index letter (``m`` an output unit, ``h`` a hidden unit feeding it, ``k`` a unit
feeding ``h``), and the letter of a sum is bound to the layer its weights say.

Everything here is read from the note's own formulas, never assumed:

* the notation is there when the note defines ``net_j`` as a sum of weights times outputs;
  that definition says which index of ``w`` is the receiving unit (``w_{ij}`` or ``w_{ji}``)
  and which names are unit outputs (``o``, ``\\tilde o``, and any name set equal to
  ``f(net_j)``, such as ``y_m`` in ``o_m = y_m = f_m(net_m)``);
* the target is the one other name of the outputs' kind (``t``, ``y``, ``\\hat y``) the note
  uses: ``\\hat y`` when ``y`` is an output (the reverse of the usual hat);
* the layer of each letter: a weight ``w_{hm}`` says h feeds m (h is one layer below m), a
  target ``\\hat y_m`` says m is an output unit; letters bound by a sum take the layer their
  own formula gives them (``i`` in ``\\sum_i w_{im} o_i`` is below ``m``), other letters the
  layer the whole note gives them; a letter the note uses at two layers in one formula is
  not read;
* the sign of ``\\delta`` from the note's own statement relating it to ``\\partial E /
  \\partial net`` (``\\delta_h = -\\partial E/\\partial net_h``, ``\\ldots = -\\delta_m``); with
  none, ``\\delta`` is not read;
* ``\\Delta w_{ij}`` from the note's update rule (``\\Delta w_{hm} = -\\eta \\partial E/\\partial
  w_{hm}``), with the learning rate a fixed number.

The formulas are then rewritten into the model's layered symbols (``net_m`` into ``z^{L}_m``,
``\\tilde o_h`` into ``a^{L-1}_h``, ``w_{hm}`` into ``w^{L}_{mh}``, ``\\delta_m`` into
``-\\delta^{L}_m``, ``f_m`` into ``f^{L}``) and judged like any other claim. What cannot be
rewritten (a letter without a layer) stays not understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .grammar import COSTS, Atom, Unreadable, rebuild, subtrees

ETA = 0.37  # a learning rate the note names: any fixed number
TARGETS = ("t", "hat_y", "y")
ACTIVATIONS = ("f", "g", "phi", "sigma")


@dataclass
class Units:
    dest: int  # the position of the receiving unit's letter in w's subscript
    outputs: set[str]
    target: str | None = None
    sign: int | None = None  # delta = sign * dE/dnet
    layers: dict[str, int] = field(default_factory=dict)  # letter -> offset from the output
    rename: dict[str, str] = field(default_factory=dict)
    update: tuple | None = None  # ((src, dest) letters, right-hand side) of Delta w


def _letter(atom: Atom) -> str | None:
    s = (atom.sub or "").strip()
    return s if re.fullmatch(r"[a-z]", s) else None


def _pair(atom: Atom) -> tuple[str, str] | None:
    s = (atom.sub or "").replace(",", "").replace(" ", "")
    return (s[0], s[1]) if re.fullmatch(r"[a-z]{2}", s) else None


def _walk(node, bound=frozenset()):
    """(atom or call node, letters bound by an enclosing sum) for every symbol of a tree."""
    if not isinstance(node, tuple) or not node:
        return
    if node[0] == "sum":
        yield from _walk(node[3], bound | {node[1]})
        return
    if node[0] in ("atom", "call"):
        yield node, bound
    for part in subtrees(node):
        yield from _walk(part, bound)


def _is_w(atom: Atom) -> bool:
    return atom.name == "w" and atom.sup is None and _pair(atom) is not None


def _is_net(node, letter=None) -> bool:
    if node is None or node[0] != "atom" or node[1].name != "net" or node[1].sup:
        return False
    c = _letter(node[1])
    return c is not None and (letter is None or c == letter)


def detect(stmts) -> Units | None:
    """The unit notation the note uses, or None when it defines no ``net_j``."""
    dests, outputs = set(), set()
    for members in stmts:
        if len(members) < 2 or not _is_net(members[0].tree):
            continue
        j = _letter(members[0].tree[1])
        for m in members[1:]:
            for node, bound in _walk(m.tree):
                a = node[1]
                if node[0] == "atom" and _is_w(a) and j in _pair(a):
                    dests.add(_pair(a).index(j))
                elif node[0] == "atom" and _letter(a) and _letter(a) in bound and a.name != "w":
                    outputs.add(a.name)
    if len(dests) != 1:
        return None
    u = Units(dests.pop(), outputs)
    # names set equal to f(net_j) (o_j = y_j = f_j(net_j)) are outputs too
    for members in stmts:
        trees = [m.tree for m in members if m.tree is not None]
        if not any(t[0] == "call" and t[1].name in ACTIVATIONS and len(t[2]) == 1
                   and _is_net(t[2][0]) for t in trees):  # fmt: skip
            continue
        for t in trees:
            if t[0] == "atom" and _letter(t[1]) and t[1].name not in ("net", "w", "delta"):
                u.outputs.add(t[1].name)
    used = {n[1].name for ms in stmts for m in ms for n, _ in _walk(m.tree) if n[0] == "atom"}
    targets = [t for t in TARGETS if t in used and t not in u.outputs]
    u.target = targets[0] if len(targets) == 1 else None
    u.layers = _layers(u, stmts)
    letters = {c for ms in stmts for m in ms for n, _ in _walk(m.tree) for c in _subs(n[1])}
    free = [c for c in "qrsuvpgfedcba" if c not in letters]
    if "l" in letters and free:
        u.rename["l"] = free[0]  # l is the model's general layer
    u.sign = _sign(u, stmts)
    u.update = _update(stmts)
    return u


def _subs(atom: Atom) -> set[str]:
    s = (atom.sub or "").replace(",", "").replace(" ", "")
    return set(s) if re.fullmatch(r"[a-z]{1,2}", s) else set()


def _constraints(u: Units, tree, free_only: bool):
    """(edges, anchors): w_{ab} says the sender is one layer below the receiver; a target's
    letter is an output unit. ``free_only`` keeps the letters no sum binds."""
    edges, anchors = [], {}
    for node, bound in _walk(tree):
        a = node[1]
        if node[0] == "atom" and _is_w(a):
            p = _pair(a)
            dst, src = p[u.dest], p[1 - u.dest]
            if not free_only or not ({src, dst} & bound):
                edges.append((src, dst))
        elif node[0] == "atom" and a.name == u.target and _letter(a):
            if not free_only or _letter(a) not in bound:
                anchors[_letter(a)] = 0
    return edges, anchors


def _solve(edges, anchors, known=None) -> dict[str, int]:
    """Offsets (0 the output layer, -1 the layer below) that the edges and anchors imply; a
    letter given two offsets gets none."""
    values = dict(known or {})
    values.update(anchors)
    bad = set()
    for _ in range(8):
        changed = False
        for src, dst in edges:
            for have, want, step in ((dst, src, -1), (src, dst, 1)):
                if have in values and have not in bad and want not in bad:
                    v = values[have] + step
                    if want not in values:
                        values[want] = v
                        changed = True
                    elif values[want] != v and want not in (known or {}):
                        bad.add(want)
        if not changed:
            break
    return {k: v for k, v in values.items() if k not in bad}


def _layers(u: Units, stmts) -> dict[str, int]:
    edges, anchors, loose = [], {}, []
    for members in stmts:
        for m in members:
            e, a = _constraints(u, m.tree, free_only=True)
            edges += e
            anchors.update(a)
            loose += _constraints(u, m.tree, free_only=False)[0]
    if not anchors and edges:
        # no target written with a free letter: the deepest letter is the output's
        rel = _solve(edges, {edges[0][1]: 0})
        top = max(rel.values())
        anchors = {k: v - top for k, v in rel.items()}
    values = _solve(edges, anchors)
    # letters only ever bound by sums: the layer their weights give them, where that agrees
    return _solve(loose, {}, values)


def _sign(u: Units, stmts) -> int | None:
    """The sign in delta_j = sign * dE/dnet_j, from the first formula that relates them."""
    for members in stmts:
        trees = [m.tree for m in members if m.tree is not None]
        deltas = [_signed(t, _is_delta) for t in trees]
        derivs = [_signed(t, _is_de_dnet) for t in trees]
        for s1 in deltas:
            for s2 in derivs:
                if s1 is not None and s2 is not None:
                    return s1 * s2
    return None


def _signed(tree, test) -> int | None:
    sign = 1
    while tree is not None and tree[0] == "add" and len(tree[1]) == 1:
        sign *= tree[1][0][0]
        tree = tree[1][0][1]
    return sign if tree is not None and test(tree) else None


def _is_delta(node) -> bool:
    return (
        node[0] == "atom" and node[1].name == "delta" and not node[1].sup and bool(_letter(node[1]))
    )


def _is_de_dnet(node) -> bool:
    """dE/dnet_j."""
    return node[0] == "d" and node[1] is not None and _is_cost(node[1]) and _is_net(node[2])


def _is_cost(node) -> bool:
    return node[0] in ("atom", "call") and node[1].name in COSTS and not node[1].sup


def _delta_w(tree) -> tuple[str, str] | None:
    """The letters of ``\\Delta w_{ab}`` written as a product of Delta and w."""
    if tree is None or tree[0] != "mul" or tree[1] != "juxt":
        return None
    d, w = tree[2], tree[3]
    if d[0] == "atom" and d[1] == Atom("Delta") and w[0] == "atom" and _is_w(w[1]):
        return _pair(w[1])
    return None


def _update(stmts):
    """``\\Delta w_{ab} = c \\partial E / \\partial w_{ab}``: the note's update rule."""
    for members in stmts:
        if len(members) < 2:
            continue
        ab = _delta_w(members[0].tree)
        if ab and _is_rule(members[1].tree, ab):
            return ab, members[1].tree
    return None


def _is_rule(tree, ab) -> bool:
    if tree is None:
        return False
    atoms = [n for n, _ in _walk(tree)]
    ds = [1 for _ in re.finditer(r"\('d', ", repr(tree))]
    names = {n[1].name for n in atoms}
    return (
        len(ds) == 1
        and names <= {"eta", "alpha", "w"} | set(COSTS)
        and any(n[0] == "atom" and _is_w(n[1]) and _pair(n[1]) == ab for n in atoms)
    )


# ---------------------------------------------------------------------- rewriting
def apply(u: Units, stmts, note) -> None:
    """Rewrite every member into the layered model; mark the update rule and the formula that
    defines delta's sign as definitions. The rewritten weights are entries (receiving unit,
    sending unit) of the layer of the receiving unit, whatever the note's layout: examples as
    columns, W^{(l)} feeding z^{(l)}."""
    kinds = note.kinds
    note.layout, note.shifts = "cols", (0,)
    for members in stmts:
        lhs = members[0]
        if (
            len(members) > 1
            and _delta_w(lhs.tree)
            and _is_rule(members[1].tree, _delta_w(lhs.tree))
        ):
            kinds[id(lhs)] = "update"
        elif (
            len(members) > 1
            and lhs.tree is not None
            and _signed(lhs.tree, _is_delta) is not None
            and members[1].tree is not None
            and _signed(members[1].tree, _is_de_dnet) is not None
        ):
            kinds[id(lhs)] = "definition"  # delta_h = -dE/dnet_h
        trees = [m.tree for m in members if m.tree is not None]
        local = _local_layers(u, trees)
        for m in members:
            if m.tree is None:
                continue
            try:
                m.tree = _rewrite(m.tree, u, local)
            except Unreadable as e:
                m.tree, m.error = None, str(e)


def _local_layers(u: Units, trees) -> dict[str, int]:
    edges, anchors = [], {}
    for t in trees:
        e, a = _constraints(u, t, free_only=False)
        edges += e
        anchors.update(a)
    free = set()
    for t in trees:
        for n, bound in _walk(t):
            free |= _subs(n[1]) - set(bound)
    known = {c: v for c, v in u.layers.items() if c in free}
    local = _solve(edges, anchors, known)
    return {**u.layers, **local}


def _sup(c: str, layers) -> str:
    if c not in layers:
        raise Unreadable(f"the layer of unit {c}")
    k = layers[c]
    return "L" if k == 0 else f"L{k:+d}"


def _rewrite(node, u: Units, layers):
    kind = node[0]
    if kind == "atom":
        return _atom(node[1], u, layers)
    if kind == "call":
        f = node[1]
        if f.name in COSTS:
            return ("call", f, [])  # E(w_{hm}), E(net_1, ..., net_L): the cost
        if f.name in ACTIVATIONS and _letter(f) and not f.sup:
            f = Atom(f.name, None, _sup(f.sub.strip(), layers), f.primes, f.T)
        return ("call", f, [_rewrite(a, u, layers) for a in node[2]])
    if kind == "mul" and _delta_w(node):
        if u.update is None:
            raise Unreadable("a weight change the note does not define")
        (a, b), rule = u.update
        c, d = _delta_w(node)
        return _rewrite(_letters(rule, {a: c, b: d}), u, layers)
    if kind == "sum":
        var = u.rename.get(node[1], node[1])
        return ("sum", var, node[2], _rewrite(node[3], u, layers), node[4])
    out = [kind]
    for part in node[1:]:
        if isinstance(part, tuple) and part and isinstance(part[0], str):
            out.append(_rewrite(part, u, layers))
        elif isinstance(part, list):
            out.append([
                (q[0], _rewrite(q[1], u, layers))
                if isinstance(q, tuple) and len(q) == 2 and isinstance(q[0], int)
                else _rewrite(q, u, layers) if isinstance(q, tuple) else q
                for q in part
            ])  # fmt: skip
        else:
            out.append(part)
    return tuple(out)


def _atom(a: Atom, u: Units, layers):
    ren = u.rename
    if a.name == "eta" and not a.sub and not a.sup:
        return ("num", ETA)
    c = _letter(a)
    if a.sup or (c is None and not _is_w(a)):
        return ("atom", a)
    if _is_w(a):
        p = _pair(a)
        dst, src = p[u.dest], p[1 - u.dest]
        sup = _sup(dst, layers)
        if src in layers and layers[src] != layers[dst] - 1:
            raise Unreadable(f"w_{{{a.sub}}} joins units {src} and {dst} of layers not adjacent")
        sub = ren.get(dst, dst) + ren.get(src, src)
        return ("atom", Atom("w", sub, sup, a.primes, a.T))
    cc = ren.get(c, c)
    if a.name == "net":
        return ("atom", Atom("z", cc, _sup(c, layers), a.primes, a.T))
    if a.name in u.outputs:
        return ("atom", Atom("a", cc, _sup(c, layers), a.primes, a.T))
    if a.name == u.target:
        if layers.get(c, 0) != 0:
            raise Unreadable(f"a target at unit {c}, not an output unit")
        return ("atom", Atom("y", cc, None, a.primes, a.T))
    if a.name == "delta":
        if u.sign is None:
            raise Unreadable("the sign of delta: the note does not relate it to dE/dnet")
        d = ("atom", Atom("delta", cc, _sup(c, layers), a.primes, a.T))
        return d if u.sign > 0 else ("add", [(-1, d)])
    return ("atom", Atom(a.name, cc, a.sup, a.primes, a.T))


def _letters(node, mapping):
    """A tree with its index letters renamed (an update rule written for w_{hm} used for
    w_{kh})."""
    if not isinstance(node, tuple):
        return node
    if node[0] == "atom":
        a = node[1]
        if a.sub and _subs(a):
            sub = "".join(mapping.get(ch, ch) for ch in a.sub.replace(",", "").replace(" ", ""))
            a = Atom(a.name, sub, a.sup, a.primes, a.T)
        return ("atom", a)
    return rebuild(node, lambda q: _letters(q, mapping))
