"""The readings a note allows, inferred from its own definitions.

What a note defines is not judged; it says how the rest is read. Forward equations fix the
layout (``z = W a + b``: examples as columns; ``z = a W + b``: rows), the layer numbering
(the input's number, and whether ``W^{(l)}`` feeds ``z^{(l)}`` or ``z^{(l+1)}``) and the
activations (``a = \\sigma(z)``, ``\\mathrm{ReLU}``, ``\\tanh``, ``\\mathrm{softmax}``); the
cost it writes is the cost. Each candidate convention is scored by how many of the note's
forward equations hold on the drawn network under it; the best ones are the readings. When
the note writes no cost, claims are tried under several (any cost, 1/2 ||a - y||^2,
||a - y||^2, cross-entropy) and the verdict says which held.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

import numpy as np

from . import barenames, bind, decay, entrydefs, ownnet, storedweights, summed, unitnet
from . import layouts as layouts_mod
from .bind import Env, Reading
from .grammar import COSTS, Atom, Unreadable, atoms, rebuild, subtrees
from .instance import Net, State

KNOWN = set(bind.LAYERED) | set(bind.VECTOR_NAMES) | bind.OUTPUT_NAMES | {"delta", "nabla"}
WIDTHS = [3, 4, 2, 5, 3, 4]


class Note:
    """What the note's definitions say, and the readings they leave."""

    def __init__(self):
        self.functions: set[str] = set()
        self.kinds: dict[int, str] = {}
        self.aliases: dict[str, object] = {}
        self.forward: list[tuple[object, object]] = []
        self.forward_lines: list[tuple[int, str]] = []  # (line, z or a): judge fills it
        self.cost_trees: list[tuple] = []  # (line, tree, left-hand side)
        self.row_costs: set[int] = set()  # lines of costs a table row gives for itself
        self.alternative_costs: set[int] = set()  # lines of costs offered for one name
        self.costs: list[tuple] = []  # (line, tree) of the costs that evaluate
        self.cost_tree = None
        self.cost_name = ""
        self.cost_unread = False  # the cost in force is written but could not be read
        self.cost_read = False
        self.hidden_options, self.output_options = ["sigmoid"], ["sigmoid"]
        self.words: set[str] = set()
        self.onehot = False
        self.conventions: list[tuple[str, int, int]] = [("cols", 0, 0)]
        self.numeric_layers: set[int] = set()
        self.first_vector_line = 10**9
        self.depth = {}
        self.own_functions: set[str] = set()
        self.first_failure = None
        self.class_letters: set[str] = set()
        self.einstein = False
        self.layout: str | None = None  # stated by the user (--rows), else inferred
        self.base = None  # the input's layer number when the note states it (a^1 = x)
        self.defined_forward: set[str] = set()  # the forward quantities defined so far
        self.layer_maps: set[str] = set()  # f_l(h_{l-1}) = ...: the note's own layer maps
        self.entry_arrays: dict = {}  # nabla_w E = [dE/dw_{ij}]: the left-hand side's entry
        self.unit_layers: set[int] = set()  # layers fed by a weight written with one index
        self.example_letters: set[str] = set()  # examples.py
        self.log10 = False  # log is the base-10 logarithm: the note divides by ln(10)
        self.unfit = False  # no forward equation of the note holds on the drawn network
        self.named = ""  # a known convention the note is read in (nielsen.py)
        self.alt_costs: dict[int, str] = {}  # line -> the cost its prose names (altcost.py)
        self.alt_outputs: dict[int, str] = {}  # line -> the output activation it names
        self.output_override = ""
        self.cost_override = ""  # that cost, for the claim being judged
        self.bare_misfit: set[str] = set()  # bare names the drawn network does not fit
        self.worked = None  # a worked numeric example's formulas and numbers (worked.py)

        self.convention = ""  # a notation read by its known convention (ngcourse.py)
        self.known_costs: list[str] | None = None  # the costs that convention allows
        self.decays: list[str] = []  # the weight decay's scales the note allows (decay.py)
        self.fixed_widths: list[int] | None = None  # the note's one unit (logreg.py)
        self.shifts = (0, 1)  # whether W^{(l)} may feed z^{(l+1)}: the notation may fix it
        self.own_widths: list[int] | None = None  # a note of its own functions (entryfuns)

    # -------------------------------------------------------------- the drawn network
    def n_layers(self, base: int) -> int:
        if self.numeric_layers:
            return max(2, max(self.numeric_layers) - base)
        return 3

    def widths(self, base: int) -> list[int]:
        if self.fixed_widths:
            return list(self.fixed_widths)
        if self.own_widths:
            return list(self.own_widths)
        n = self.n_layers(base)
        out = WIDTHS[: n + 1]
        for p in self.unit_layers:
            # W^{(2)}_i: a weight matrix with one index is a row, its layer has one unit
            if 1 <= p - base <= n:
                out[p - base] = 1
        return out

    def acts_for(self, n: int, reading: Reading | None = None) -> list[str]:
        hidden = reading.hidden if reading else self.hidden_options[0]
        output = reading.output if reading else self.output_options[0]
        return ["input"] + [hidden] * (n - 1) + [output]

    def first_reading(self) -> Reading:
        """The note's first convention with its cost left abstract: how a statement that needs
        no cost (a shape, a forward equation) is read."""
        layout, base, shift = self.conventions[0]
        return Reading(layout, base, shift, "abstract", hidden=self.hidden_options[0],
                       output=self.output_options[0])  # fmt: skip

    def one_example(self, reading: Reading) -> tuple[Net, Env]:
        """A network drawn for ``reading`` at the note's widths, fed one example, and the
        environment its symbols are bound in."""
        widths = self.widths(reading.base)
        net = Net(widths, self.acts_for(len(widths) - 1, reading), 1)
        return net, Env(self.state(net, reading), reading, self.aliases)

    def layer_values(self, net: Net, reading: Reading) -> list[int]:
        return list(range(reading.base, reading.base + net.N + 1))

    def state(self, net: Net, reading: Reading) -> State:
        """The drawn network's forward state with the reading's cost (and its weight decay)."""
        st = self._state(net, reading)
        if not reading.decay:
            return st
        fn = decay.with_decay(st.cost_fn, st.sum_factor, reading.decay)
        return State(net, fn, sum_factor=st.sum_factor)

    def _state(self, net: Net, reading: Reading) -> State:
        if reading.cost == "note":
            if bind.mentions(self.cost_tree, {"m", "N"}):
                return State(net, self.cost_fn(reading), sum_factor=net.m)
            if bind.mentions_batch(self.cost_tree):
                return State(net, self.cost_fn(reading))  # a sum over the examples
            if reading.batch and reading.mean:
                # a cost written for one example, read in a batch claim as the mean
                f = self.cost_fn(reading)
                return State(net, lambda st: f(st) / st.net.m, sum_factor=net.m)
            return State(net, self.cost_fn(reading))
        base = self.cost_fn(reading)
        if reading.batch and reading.mean:
            return State(net, lambda st: base(st) / st.net.m, sum_factor=net.m)
        return State(net, base)

    def _averaged(self) -> bool:
        """Whether the note's cost in force is written as a mean (1/m, 1/N) and the note puts
        that mean's 1/m into its delta (``delta_mean`` readings; judge sets ``mean_delta``)."""
        return getattr(self, "mean_delta", False) and bind.mentions(self.cost_tree, {"m", "N"})

    def cost_fn(self, reading: Reading):
        if reading.cost == "note":
            tree = self.cost_tree

            def f(st: State):
                env = Env(st, reading, self.aliases, {"l": st.net.N + reading.base})
                v = bind.value(tree, env)
                if isinstance(v, np.ndarray):
                    v = float(np.sum(v))  # a cost written per unit, (a - y)^2: summed
                return v

            return f
        if reading.cost == "abstract":
            return bind.abstract_cost
        if reading.cost == "ce":
            return bind.ce_cost
        return bind.COST_FNS[reading.cost]

    def readings(self, line: int = 0, batch: bool = False):
        all_readings = self._readings(line, batch)
        if getattr(self, "quick", 0):
            # a search over edits of a claim (slipnames): the first readings only (the note's
            # first convention and activations, each cost), enough to say what was meant
            return itertools.islice(all_readings, self.quick)
        return all_readings

    def _readings(self, line: int = 0, batch: bool = False):
        every = ["abstract", "half_sq", "sq", "ce"]
        costs = ["note"] if self.cost_read else self.known_costs or every
        if self.cost_override:
            costs = [self.cost_override]
        outputs = [self.output_override] if self.output_override else self.output_options
        acts = list(itertools.product(self.hidden_options, outputs))
        means = (False, True) if batch else (False,)
        convs = list(self.conventions)
        if batch and not any(c[0] == "rows" for c in convs):
            # columns with W stored [in, out] (z = W^T a + b) stack a batch as rows (X W, X
            # of B x n), where the model's W is stored the same way (storedweights.py)
            convs += [("rows", b, s) for lay, b, s in convs if lay == "colsT"]
        for layout, base, shift in convs:
            for hidden, output in acts:
                for c in costs:
                    if c == "ce" and output in ("identity", "relu"):
                        # the log of an unbounded output, or of a ReLU's zero: no cost of it
                        continue
                    per_example = c != "note" or not bind.mentions_batch(self.cost_tree)
                    for mean in means if per_example else (False,):
                        r = Reading(layout, base, shift, c, batch=batch, mean=mean,
                                    cost_name=self.cost_name if c == "note" else "",
                                    hidden=hidden, output=output, log10=self.log10,
                                    notation=self.convention)  # fmt: skip
                        yield r, self.widths(base), False
                        if batch and not per_example and self._averaged():
                            # the note averages its cost: its delta may be of that mean
                            yield replace(r, delta_mean=True), self.widths(base), False
                        for scale in self.decays:  # the note's weight decay (decay.py)
                            yield replace(r, decay=scale), self.widths(base), False
        if line < self.first_vector_line:
            # a note that has written no transpose or element-wise product yet may mean one
            # unit per layer (its products are then products of numbers)
            for layout, base, shift in self.conventions[:1]:
                for hidden, output in acts:
                    if output == "softmax":
                        continue
                    for c in costs:
                        r = Reading(layout, base, shift, c, hidden=hidden, output=output,
                                    log10=self.log10)  # fmt: skip
                        yield r, [1] * len(self.widths(base)), True


# a transpose (^T, or a prime on a bracketed layered matrix, (W^{(l)})') or an element-wise
# product: the note writes vectors and matrices
_VECTOR_MARK = r"\\odot|\\circ|\^\s*\{?\s*(T|\\top)\b|[A-Z]\^\{[^{}]*\}\s*\)\s*'"


def _lhs_atom(tree):
    if tree is None:
        return None
    if tree[0] == "atom":
        return tree[1]
    if tree[0] == "call":
        return tree[1]
    return None


def _has_derivative(tree) -> bool:
    text = repr(tree)
    return (
        "('d'," in text
        or "name='nabla'" in text
        or bool(re.search(r"name='(delta|dz|dZ|da|dA|dw|dW|db|Delta)'", text))
    )


def _walk_atoms(tree, out):
    out.extend(atoms(tree, calls=True))


def infer(note: Note, stmts) -> None:
    """Fill ``note`` from the statements: kinds of left-hand sides, aliases, activations,
    the cost, the layer numbers and the conventions."""
    calls = []
    for members in stmts:
        lhs = members[0]
        for m in members:
            atoms = []
            _walk_atoms(m.tree, atoms)
            for a in atoms:
                note.words.add(a.name)
                if a.T or "\\odot" in m.text or "\\circ" in m.text:
                    note.first_vector_line = min(note.first_vector_line, m.line)
                if a.name in bind.LAYERED and a.sup:
                    s = bind.strip_layer(a.sup)
                    if s.isdigit():
                        note.numeric_layers.add(int(s))
                        if a.name in ("W", "w") and re.fullmatch(r"[a-z]", (a.sub or "").strip()):
                            note.unit_layers.add(int(s))
                elif a.name in bind.LAYERED and a.sub and re.fullmatch(r"\d", a.sub.strip()):
                    note.numeric_layers.add(int(a.sub.strip()))
            if re.search(_VECTOR_MARK, m.text):
                note.first_vector_line = min(note.first_vector_line, m.line)
        if len(members) < 2 or lhs.tree is None:
            continue
        atom = _lhs_atom(lhs.tree)
        rhs = members[1].tree
        rel = members[1].rel
        if atom is None:
            if entrydefs.is_entry_definition(lhs.tree, rhs):
                note.kinds[id(lhs)] = "definition"  # \sigma(\vec{z})_i = e^{z_i} / ...
            continue
        pinned = _input_number(lhs.tree, rhs)
        if pinned is not None:
            note.base = pinned if note.base is None else note.base
            note.kinds[id(lhs)] = "definition"
            continue
        if _is_update(atom, lhs.tree, members[1].tree):
            note.kinds[id(lhs)] = "update"
            continue
        if (
            lhs.tree[0] == "call"
            and atom.name not in COSTS
            and lhs.tree[2] == [("atom", Atom("x"))]
            and rhs is not None
            and rhs[0] == "atom"
            and rhs[1].name in ("a", "A", "hat_y")
        ):
            note.aliases.setdefault("call:" + atom.name, rhs)  # f(x) = a^{(O)}: the output
            note.kinds[id(lhs)] = "definition"
            continue
        if _layer_map(lhs.tree):
            # f_l(h_{l-1}) = \sigma_l(W_l h_{l-1} + b_l): the note's own map from one layer to
            # the next, defined; never the activation of layer l applied to the layer below
            note.own_functions.add(atom.name)
            note.layer_maps.add(atom.name)
            note.kinds[id(lhs)] = "definition"
            continue
        if (
            lhs.tree[0] == "call"
            and atom.name not in COSTS
            and not atom.primes
            and all(a[0] == "atom" and a[1].sup is None for a in lhs.tree[2])
            and (
                all(a[1].sub is None for a in lhs.tree[2])
                or len(atom.name) == 1  # f(A_{lm}, B_{ij}), not log(p_k) = ...
                and (rhs is None or not _has_derivative(rhs))
            )
        ):
            # f(z) = ..., f(A_{lm}, B_{ij}) = \sum_l (z_l - y_l)^2: a function of the note's own
            if not _standard_function(atom, lhs.tree[2], rhs):
                note.own_functions.add(atom.name)  # f(z) = ...: a function of the note's own
            note.kinds[id(lhs)] = "definition"
            continue
        is_cost = (
            lhs.tree[0] == "call"
            and atom.name in COSTS
            or (lhs.tree[0] == "atom" and bind.is_cost(atom))
        )
        if is_cost and rhs is not None and rhs[0] == "num":
            note.kinds[id(lhs)] = "definition"  # L = 4: a count (of layers), not a cost
            continue
        if is_cost:
            if rhs is not None and not _has_derivative(rhs):
                # a table row's cost (|MSE|$C$ cell|) is that row's own, in force on its line
                row = getattr(members[1], "table", False)
                last = [c for c in note.cost_trees if c[0] not in note.row_costs]
                if (
                    row
                    or not last
                    or atom.name != _lhs_atom(last[-1][2]).name
                    or _another_cost(last[-1][1], rhs)
                ):
                    note.kinds[id(lhs)] = "cost"
                    if (
                        last
                        and atom.name == _lhs_atom(last[-1][2]).name
                        and not row
                        and _another_cost(last[-1][1], rhs) == "alternative"
                    ):
                        # offered beside the one before (cross-entropy, or squared error):
                        # which of them a later claim about J means, the prose says
                        note.alternative_costs |= {last[-1][0], members[1].line}
                    note.cost_trees.append((members[1].line, rhs, lhs.tree))
                    if row:
                        note.row_costs.add(members[1].line)
            continue
        if rhs is not None and _has_derivative(rhs) and rel == "=":
            if atom.name in KNOWN:
                continue
        if rel == ":=" and _first_forward(note, atom, lhs.tree, members[-1].tree):
            # a_0 := x, z_1 := A_1 a_0 + b_1: a forward pass written with :=, the first
            # definition of each quantity (a later one is judged against it)
            note.kinds[id(lhs)] = "forward"
            note.forward.append((lhs.tree, members[-1].tree))
            calls.append((atom, members[-1].tree))
            continue
        if rel in (":=", "\\equiv", "=:"):
            note.kinds[id(lhs)] = "definition"
            if atom.name not in KNOWN and rhs is not None and lhs.tree[0] == "atom":
                note.aliases.setdefault(atom.show(), rhs)
                note.aliases.setdefault("lhs:" + atom.show(), atom)
                if atom.ex:
                    note.aliases["ex:" + atom.show()] = True  # defined for one example
            continue
        layer_x = atom.name in ("x", "X") and atom.sup is not None  # x^{(l)}: layer l's output
        if (atom.name in ("z", "Z", "a", "A", "hat_y", "hat_Y") or layer_x) and lhs.tree[
            0
        ] == "atom":
            if rhs is not None and not _has_derivative(rhs):
                note.kinds[id(lhs)] = "forward"
                note.forward.append((lhs.tree, rhs))
                note.defined_forward.add(atom.show())
                calls.append((atom, rhs))
            continue
        if atom.name in ("x", "X", "y", "Y") and lhs.tree[0] == "atom" and atom.sup is None:
            if rhs is not None and rhs[0] != "atom" and not _has_derivative(rhs):
                # the input or the target written as an expression (x = A y, or Bishop's
                # output y_k = e^{a_k} / \sum_j e^{a_j}): the note says what it stands for,
                # nothing of the network computes it (x = X is a claim)
                note.kinds[id(lhs)] = "definition"
            continue
        if atom.name not in KNOWN and lhs.tree[0] == "atom" and not bind.is_cost(atom):
            if atom.name in ("x", "X", "y", "Y"):
                continue
            if _index_letter(lhs.tree) and rhs is not None and _index_letter(rhs):
                # "When $i = k$", "$k = y_i$": the case the prose is about, not a name for k
                note.kinds[id(lhs)] = "definition"
                continue
            note.kinds[id(lhs)] = "alias"
            if rhs is not None:
                note.aliases.setdefault(atom.show(), rhs)
                note.aliases.setdefault("lhs:" + atom.show(), atom)
                if atom.ex:
                    note.aliases["ex:" + atom.show()] = True  # defined for one example
                if not _has_derivative(rhs):
                    calls.append((atom, rhs))
    note.log10 = any(
        re.search(r"\\?ln\s*\(?\s*10\s*\)?(?![0-9])", m.text) for members in stmts for m in members
    )
    _named_layers(note)
    _activations(note, calls)
    _conventions(note)
    _generic_layers(note)
    ownnet.adopt(note)
    heads = [t[1] for t, _ in note.forward if isinstance(t, tuple) and t and t[0] == "atom"]
    if heads and all(a.sup is None and (a.sub or "").strip().isdigit() for a in heads):
        # z_1 = W_1 x + b_1: layers are subscripts, so a_1^2 is a_1 squared, not layer 2
        note.aliases["style:sub_layers"] = True
    if summed.never_averages(stmts):
        note.aliases["style:summed_grads"] = True  # dW, db of the summed cost (summed.py)
    note.bare_misfit = barenames.misfit(note)
    _cost(note)


def _index_letter(tree) -> bool:
    """A bare index letter (``i``) or a label (``y_i``): the two sides of a case."""
    if tree[0] != "atom":
        return False
    a = tree[1]
    if a.sup or a.primes or a.T:
        return False
    if a.sub is None:
        return len(a.name) == 1 and a.name.islower()
    return a.name == "y" and re.fullmatch(r"\s*[a-z]\s*", a.sub) is not None


ACT_WORDS = {"sigma": "sigmoid", "sigmoid": "sigmoid", "relu": "relu", "ReLU": "relu",
             "tanh": "tanh"}  # fmt: skip


def _named_layers(note: Note) -> None:
    """Layers named by a letter (z^{(O)} = W^{(O)} a^{(H)} + b^{(O)}, a^{(H)} = g(W^{(H)} x)):
    numbered from what each forward equation reads, the input's layer plus one, or the
    layer its activation comes from plus one."""
    named: dict[str, int] = {}
    for _ in range(4):
        for lhs, rhs in note.forward:
            a = lhs[1]
            s = bind.strip_layer(a.sup or "")
            if not re.fullmatch(r"[A-KM-Z]", s) or s in named:
                continue
            atoms = []
            _walk_atoms(rhs, atoms)
            if any(b.name in ("x", "X") and b.sup is None for b in atoms):
                named[s] = 1
                continue
            for b in atoms:
                t = bind.strip_layer(b.sup or "")
                if b.name in ("a", "A") and t in named and t != s:
                    named[s] = named[t] + 1
    for k, v in named.items():
        note.aliases["layer:" + k] = v
        note.numeric_layers.add(v)


STANDARD = ("relu", "ReLU", "H", "sigma", "sigmoid", "tanh")


def _substitute(tree, name, v):
    if not isinstance(tree, tuple) or not tree:
        return tree
    if tree[0] == "atom" and tree[1] == Atom(name):
        return ("num", v)
    return rebuild(tree, lambda q: _substitute(q, name, v))


def _another_cost(before, after) -> str | None:
    """Whether a cost written again under the same name is another cost, not a rewriting of
    the one in force: "refines" when the one before was the abstract ``J = \\frac1m \\sum
    L(\\hat y, y)`` (the new one is in force), "alternative" when one of the two has a log and
    the other none (cross-entropy, then squared error for J: choices the note offers, never
    equal to each other; which one a claim means, the prose says)."""
    if any(a.name in COSTS for a in _calls(before)):
        return "refines"
    logs = [any(a.name in ("log", "ln") for a in _calls(t)) for t in (before, after)]
    return "alternative" if logs[0] != logs[1] else None


def _calls(tree) -> list:
    out = []
    if isinstance(tree, tuple) and tree and tree[0] == "call":
        out.append(tree[1])
    for part in subtrees(tree) if isinstance(tree, tuple) else ():
        out.extend(_calls(part))
    return out


def _standard_function(atom, args, rhs) -> bool:
    """Whether the note defines a function the model knows by its name (relu(x) = max(0,x),
    the Heaviside step H(x) = 1, its x > 0 case in the prose) as that function: equal to it at
    positive arguments; then it keeps its standard meaning."""
    if atom.name not in STANDARD or atom.sub or atom.sup or len(args) != 1 or rhs is None:
        return False
    net = Net([1, 1], ["input", "sigmoid"], 0)
    env = Env(State(net, bind.abstract_cost), Reading())
    try:
        for v in (0.3, 0.7, 1.9):
            mine = bind.value(_substitute(rhs, args[0][1].name, v), env)
            known = bind.call(Atom(atom.name), [("num", v)], env)
            if not np.allclose(float(np.asarray(mine).reshape(-1)[0]), known):
                return False
    except (Unreadable, ValueError, TypeError, FloatingPointError, ZeroDivisionError):
        return False
    return True


def _is_update(atom, lhs, rhs) -> bool:
    """``w := w - \\alpha dw``, ``w = w + \\Delta w``: the left-hand side is in the right."""
    if rhs is None or lhs[0] != "atom":
        return False
    atoms = []
    _walk_atoms(rhs, atoms)
    return any(a == atom for a in atoms)


def _input_number(lhs, rhs):
    """The layer number of the input when a formula says so: ``a^1 = x``, ``x = a^{(1)}``."""
    for one, two in ((lhs, rhs), (rhs, lhs)):
        if one is None or two is None or one[0] != "atom" or two[0] != "atom":
            continue
        a, x = one[1], two[1]
        if a.name in ("a", "A") and x.name in ("x", "X") and a.sup and x.sup is None:
            s = bind.strip_layer(a.sup)
            if s.isdigit() and (a.sub or "") == (x.sub or ""):
                return int(s)
    return None


def _max_zero(tree) -> bool:
    """Whether the tree holds ``max(0, x)`` (the ReLU written out)."""
    if not isinstance(tree, tuple) or not tree:
        return False
    if tree[0] == "call" and tree[1].name == "max" and ("num", 0.0) in tree[2]:
        return True
    return any(_max_zero(t) for t in subtrees(tree))


def _activations(note: Note, calls) -> None:
    """The activations the forward equations name; when they name none, every activation the
    note mentions anywhere is a reading (hidden), and softmax too (output)."""
    names = set()
    for _atom, rhs in calls:
        atoms = []
        _walk_atoms(rhs, atoms)
        names |= {a.name for a in atoms}
        if _max_zero(rhs):
            names.add("relu")  # A1 = max(0, Z1): the ReLU written out
    acts = sorted({ACT_WORDS[n] for n in names if n in ACT_WORDS})
    if acts:
        hidden = [a for a in acts if a != "sigmoid"] or ["sigmoid"]
        note.hidden_options = hidden[:1] if len(hidden) == 1 else hidden
        if "softmax" in names:
            note.output_options = ["softmax"]
        elif "sigmoid" in acts:
            note.output_options = ["sigmoid"]
        else:
            note.output_options = list(note.hidden_options)
        return
    mentioned = sorted({ACT_WORDS[n] for n in note.words if n in ACT_WORDS}) or ["sigmoid"]
    note.hidden_options = mentioned
    note.output_options = mentioned + (["softmax"] if "softmax" in note.words else [])
    # the forward equations name no activation (g^{[l]}, or no network at all): the ones the
    # note mentions are a guess, and every usual hidden activation is a reading, so that a
    # claim written for another (1 - a^2 beside a sigmoid named elsewhere) is never wrong
    steps = {"relu"} if note.words & {"H", "max"} else set()  # (Z > 0), max(0, Z): the ReLU's
    note.hidden_options = sorted(set(mentioned) | {"sigmoid", "tanh"} | steps)
    if "softmax" in names:
        note.output_options = ["softmax"]


def _conventions(note: Note) -> None:
    """Score every (layout, input layer number, weight shift, hidden and output activation)
    by how many forward equations hold on the drawn network under it; keep the best."""
    hidden_all = sorted(set(note.hidden_options) | {"sigmoid"})
    output_all = sorted(set(note.output_options) | {"sigmoid", "softmax", "identity"})
    bases = (note.base,) if note.base is not None else (0, 1)
    layouts = (note.layout,) if note.layout else ("cols", "rows")
    if not note.layout and storedweights.offers(note.forward):
        layouts += ("colsT",)  # z = W^T a + b: columns with W stored [in, out]
    candidates = list(itertools.product(layouts, bases, note.shifts, hidden_all, output_all))
    scores, held = {}, {}
    for cand in candidates:
        layout, base, shift, hidden, output = cand
        reading = Reading(layout, base, shift, "abstract", hidden=hidden, output=output)
        widths = note.widths(base)
        net = Net(widths, note.acts_for(len(widths) - 1, reading), 3, onehot=False)
        state = State(net, bind.abstract_cost)
        env0 = Env(state, reading, note.aliases)
        good = bad = 0
        held[cand] = set()
        for k, (lhs, rhs) in enumerate(note.forward):
            general = bind.uses_layer_l(lhs) or bind.uses_layer_l(rhs)
            layers = note.layer_values(net, reading) if general else [None]
            free = sorted(bind.free_indices(lhs))
            ok, misfit = None, False
            for lv in layers:
                env = env0.with_idx(l=lv) if lv is not None else env0
                try:
                    with np.errstate(all="raise"):
                        ranges = [bind.sum_range(c, lhs, env) for c in free]
                        for combo in np.ndindex(*ranges):
                            e = env.with_idx(**dict(zip(free, combo, strict=True)))
                            a, b = bind.value(lhs, e), bind.value(rhs, e)
                            same = bind.equal(a, b)
                            ok = same if ok is None else ok and same
                except (bind.ShapeMismatch, bind.NoLayer):
                    misfit = True
                    continue
                except (Unreadable, FloatingPointError, ValueError, ZeroDivisionError):
                    continue
            if ok is True:
                good += 1
                held[cand].add(k)
            elif ok is False or misfit:
                # shapes that do not combine, or a layer the convention does not have, count
                # against it as much as an equation that fails (z_1 = W_1 x without a bias
                # fails under every convention)
                bad += 1
        scores[cand] = (good, -bad)
    best = max(scores.values())
    if best[0] == 0:
        note.conventions = [(note.layout or "cols", note.base or 0, 0)]
        # the note writes forward equations and none holds on any drawn network: its network
        # is not the drawn one (unless it is its own, ownnet)
        note.unfit = bool(note.forward)
        return
    top = [c for c in candidates if scores[c] == best]
    keep, seen = [], set()
    for c in top:
        if (c[0], c[2]) not in seen:  # a tie between input layer numbers says nothing
            seen.add((c[0], c[2]))
            keep.append(c[:3])
    note.conventions = keep[:2]
    other = layouts_mod.other_layout(candidates, scores, held, note.conventions[0][0])
    if other is not None:  # z = a w + b on one line, z = w a + b on another: both are the note's
        note.conventions = [note.conventions[0], other]
    hid = [h for h in hidden_all if any(c[3] == h for c in top)]
    out = [o for o in output_all if any(c[4] == o for c in top)]
    if len(hid) < len(hidden_all):
        note.hidden_options = hid
    if len(out) < len(output_all):
        note.output_options = out


def _generic_layers(note: Note) -> None:
    """A forward equation for every layer with a generic activation (Ng's ``A^{[l]} =
    g^{[l]}(Z^{[l]})``) leaves the hidden activation open: a sigmoid written for one unit
    elsewhere (``a^{[1]}_1 = \\sigma(z^{[1]}_1)``, a lecture's example) does not fix it, so the
    usual smooth ones stay readings (a claim written for tanh is never wrong for it)."""
    for lhs, rhs in note.forward:
        if (
            isinstance(rhs, tuple)
            and rhs[0] == "call"
            and rhs[1].name in ("g", "f", "phi")
            and rhs[1].name not in note.own_functions
            and not rhs[1].primes
            and bind.uses_layer_l(lhs)
        ):
            note.hidden_options = sorted(set(note.hidden_options) | {"sigmoid", "tanh"})
            return


def _cost(note: Note) -> None:
    """The costs the note writes that can be evaluated; the one in force for a claim is the
    latest written before it (a note may refine its cost: C for one example, then J)."""
    note.costs = []
    for line, tree, lhs in note.cost_trees:
        if _readable_cost(note, tree):
            note.costs.append((line, tree, _lhs_atom(lhs).name))
    note.cost_read = bool(note.costs)
    note.cost_tree = note.costs[0][1] if note.costs else None
    note.cost_name = note.costs[0][2] if note.costs else ""


def use_cost_at(note: Note, line: int, claim=None) -> None:
    """Put in force the latest cost written before ``line`` (else the first written); when
    that one could not be read, no cost of the note's is in force. A claim that names another
    cost of the note (dL/dz after J = 1/m sum L(...)) is about that one: the latest written
    with that name is in force."""
    written = [
        (ln, t, lt)
        for ln, t, lt in note.cost_trees
        if ln <= line and (ln == line or ln not in note.row_costs)
    ] or note.cost_trees[:1]
    if written and claim is not None:
        atoms = []
        _walk_atoms(claim, atoms)
        named = {a.name for a in atoms}
        if _lhs_atom(written[-1][2]).name not in named:
            same = [w for w in note.cost_trees if _lhs_atom(w[2]).name in named]
            same = [w for w in same if w[0] <= line] or same[:1]
            written = same or written
    readable = {id(t): (t, n) for _, t, n in note.costs}
    if written and written[-1][0] in note.alternative_costs and written[-1][0] != line:
        readable = {}  # one of two costs the note offers for J: not known which is meant
    if written and id(written[-1][1]) in readable:
        note.cost_tree, note.cost_name = readable[id(written[-1][1])]
        note.cost_read = True
    else:
        note.cost_tree, note.cost_name, note.cost_read = None, "", False
    note.cost_unread = bool(written) and not note.cost_read


def _readable_cost(note: Note, tree) -> bool:
    if unitnet.numbered_entries(tree, note.aliases):
        return False  # (a_1 - y_1)^2 + (a_2 - y_2)^2: a width of the note's own (unitnet.py)
    if bind.mentions(tree, set(COSTS) - {"l"}):
        return False  # a cost written through another cost (J = 1/m sum L): not read
    note.cost_tree = tree
    for layout, base, shift in note.conventions:
        reading = Reading(layout, base, shift, "note", hidden=note.hidden_options[0],
                          output=note.output_options[-1])  # fmt: skip
        widths = note.widths(base)
        net = Net(widths, note.acts_for(len(widths) - 1, reading), 3,
                  onehot=reading.output == "softmax")  # fmt: skip
        try:
            with np.errstate(all="raise"):
                v = State(net, note.cost_fn(reading)).cost()
            if not np.isfinite(v):
                return False
        except (Unreadable, FloatingPointError, ValueError, ZeroDivisionError, RecursionError):
            return False
    return True


def _layer_map(lhs) -> bool:
    """``f_l(h_{l-1})``, ``F^{l}(a^{l-1})``: a function of layer l applied to one bare quantity
    of another layer, on the left of a formula: the note defines its layer-to-layer map."""
    if lhs[0] != "call" or len(lhs[2]) != 1 or lhs[1].sup is None or lhs[1].primes:
        return False
    arg = lhs[2][0]
    if arg[0] != "atom" or arg[1].sup is None or arg[1].sub:
        return False
    own, of = bind.strip_layer(lhs[1].sup), bind.strip_layer(arg[1].sup)
    return re.fullmatch(r"[a-zA-Z]", own) is not None and of in (own + "-1", own + "+1")


def _first_forward(note: Note, atom, lhs, rhs) -> bool:
    """Whether ``lhs := rhs`` is the first definition of a layered forward quantity in a note
    that writes its forward pass with ``:=`` (``z_l := A_l a_{l-1} + b_l``): then it is a
    forward equation, and a later ``:=`` of the same quantity a definition judged against it."""
    if lhs[0] != "atom" or atom.name not in ("z", "Z", "a", "A") or atom.sup is None:
        return False
    if rhs is None or _has_derivative(rhs) or atom.show() in note.defined_forward:
        return False
    note.defined_forward.add(atom.show())
    return True
