"""Calculus preliminaries over the note's own variables: a scalar f of a vector x, x of y.

Before the network, notes often derive the chain rule and the Jacobian in general terms:
``\\frac{\\partial f}{\\partial y_j} = \\sum_i \\frac{\\partial f}{\\partial x_i}
\\frac{\\partial x_i}{\\partial y_j}``, ``J_{ji} = \\frac{\\partial x_i}{\\partial y_j}``,
``\\nabla_y f = J \\cdot \\nabla_x f``, ``x = A y``. No derivative of a network is ever taken by
its target, so a derivative by ``y`` says that x and y are variables of the note's own here:
such a claim is evaluated on a drawn instance of them instead of the network. y has m = 2
entries and x has n = 3 (so a transposed Jacobian shows in the shapes); x is what the note
defines it as (``x = A y``, A a drawn n x m matrix) or else a fixed smooth function of y; f is
a fixed smooth scalar function of x; the note's own names (``J_{ji}``) are computed through
their definitions. Derivatives are central finite differences, in y with x following it, or in
x with f following it. A claim with any other symbol is not read here (``None``).
"""

from __future__ import annotations

import numpy as np

from .bind import ShapeMismatch, index_letters
from .grammar import Atom, Unreadable, subtrees

N, M = 3, 2
H = 1e-6


def by_target(tree) -> bool:
    """Whether a tree takes a derivative by y (a Leibniz denominator or a nabla subscript)."""
    if not isinstance(tree, tuple) or not tree:
        return False
    if tree[0] == "d" and tree[2][0] == "atom" and tree[2][1].name == "y":
        return True
    if tree[0] == "atom" and tree[1].name == "nabla" and (tree[1].sub or "").strip() == "y":
        return True
    for part in subtrees(tree):
        if by_target(part):
            return True
    return False


class Instance:
    """y, A, the map y -> x and the function f, drawn once per seed."""

    def __init__(self, seed: int, defs: dict, aliases: dict):
        rng = np.random.default_rng(100 + seed)
        self.y = rng.normal(0, 1, (M, 1))
        self.A = rng.normal(0, 1, (N, M))
        self.B = rng.normal(0, 1, (N, M))
        self.c = rng.normal(0, 1, (N, 1))
        self.defs, self.aliases = defs, aliases

    def x_of(self, st) -> np.ndarray:
        if st.get("x") is not None:
            return st["x"]
        if "x" in self.defs:
            return _matrix(self.value(self.defs["x"], {"y": st["y"]}, {}))
        return np.tanh(self.B @ st["y"])

    def f_of(self, st) -> float:
        x = self.x_of(st)
        return (self.c.T @ np.sin(x)).item() + 0.1 * float(np.sum(x**3))

    # ------------------------------------------------------------------ evaluation
    def value(self, node, st, idx):
        kind = node[0]
        if kind == "num":
            return node[1]
        if kind == "atom":
            return self.atom(node[1], st, idx)
        if kind == "add":
            total = 0.0
            for sign, t in node[1]:
                v = self.value(t, st, idx)
                total = total + (v if sign > 0 else -v)
            return total
        if kind == "mul":
            a_node, b_node = node[2], node[3]
            if a_node[0] == "atom" and a_node[1].name == "nabla":
                return self.gradient(b_node, (a_node[1].sub or "").strip(), st, idx)
            a, b = self.value(a_node, st, idx), self.value(b_node, st, idx)
            if np.ndim(a) == 0 or np.ndim(b) == 0:
                return a * b
            if a.shape[1] != b.shape[0]:
                raise ShapeMismatch(f"shapes {a.shape} and {b.shape} do not multiply")
            return a @ b
        if kind == "div":
            return self.value(node[1], st, idx) / self.value(node[2], st, idx)
        if kind == "T":
            v = self.value(node[1], st, idx)
            return v.T if isinstance(v, np.ndarray) else v
        if kind == "sum":
            _, var, exclude, body, _hi = node
            if var is None or exclude is not None:
                raise Unreadable("this sum")
            total = 0.0
            for i in range(self.range_of(var, body)):
                total = total + self.value(body, st, {**idx, var: i})
            return total
        if kind == "d":
            _, num, den, operand = node
            return self.derivative(num if num is not None else operand, den, st, idx)
        raise Unreadable(f"{kind} in a calculus preliminary")

    def atom(self, a: Atom, st, idx):
        if a.sup or a.primes or a.ex or (a.T and a.sub):
            raise Unreadable(f"{a.show()} in a calculus preliminary")
        if a.T:  # A^T
            v = self.atom(Atom(a.name), st, idx)
            return v.T if isinstance(v, np.ndarray) else v
        letters = index_letters(a.sub)
        if a.name == "delta" and len(letters) == 2:
            return 1.0 if self.at(letters[0], idx) == self.at(letters[1], idx) else 0.0
        key = a.show()
        if key in self.aliases:
            return self.value(self.aliases[key], st, idx)
        if a.name == "x":
            v = self.x_of(st)
        elif a.name == "y":
            v = st["y"]
        elif a.name == "A":
            v = self.A
        elif a.name == "f" and not letters:
            return self.f_of(st)
        else:
            named = [k for k in self.aliases if isinstance(k, str) and k.startswith(a.name + "_")]
            if len(named) == 1 and not letters:
                return self.whole(named[0], st, idx)
            raise Unreadable(f"{a.show()} in a calculus preliminary")
        if not letters:
            return v
        if len(letters) == 1:
            if v.shape[1] != 1:
                raise Unreadable("one index on a matrix")
            return float(v[self.at(letters[0], idx), 0])
        return float(v[self.at(letters[0], idx), self.at(letters[1], idx)])

    def whole(self, key, st, idx):
        """A matrix the note defines entry by entry (J_{ji} = dx_i/dy_j) as a whole."""
        letters = index_letters(key.split("_", 1)[1].strip("{}"))
        if len(letters) != 2:
            raise Unreadable("a whole of this")
        tree = self.aliases[key]
        rows = self.range_of(letters[0], tree)
        cols = self.range_of(letters[1], tree)
        out = np.zeros((rows, cols))
        for r in range(rows):
            for c in range(cols):
                out[r, c] = self.value(tree, st, {**idx, letters[0]: r, letters[1]: c})
        return out

    @staticmethod
    def at(letter, idx) -> int:
        if letter not in idx:
            raise Unreadable(f"free index {letter}")
        return idx[letter]

    def range_of(self, var, node) -> int:
        sizes = set()
        self._ranges(var, node, sizes)
        if len(sizes) != 1:
            raise Unreadable(f"the range of {var}")
        return sizes.pop()

    def _ranges(self, var, node, sizes):
        if not isinstance(node, tuple) or not node:
            return
        if node[0] == "atom":
            a = node[1]
            try:
                letters = index_letters(a.sub)
            except Unreadable:
                return
            if var in letters:
                shape = {"x": (N, 1), "y": (M, 1), "A": (N, M)}.get(a.name)
                if shape is None and a.show() in self.aliases:
                    self._ranges(var, self.aliases[a.show()], sizes)  # same letters
                    return
                if shape is not None:
                    sizes.add(shape[0] if len(letters) == 1 else shape[letters.index(var)])
            return
        for part in node[1:]:
            if isinstance(part, tuple):
                self._ranges(var, part, sizes)
            elif isinstance(part, list):
                for q in part:
                    q = q[1] if isinstance(q, tuple) and len(q) == 2 else q
                    if isinstance(q, tuple):
                        self._ranges(var, q, sizes)

    def derivative(self, f, den, st, idx):
        if den[0] != "atom" or den[1].name not in ("x", "y") or den[1].sup:
            raise Unreadable("a derivative by this")
        letters = index_letters(den[1].sub)
        if len(letters) > 1:
            raise Unreadable("a derivative by a matrix entry")
        if not letters:
            return self.gradient(f, den[1].name, st, idx)
        return self._partial(f, den[1].name, self.at(letters[0], idx), st, idx)

    def _partial(self, f, var, i, st, idx):
        def at(h):
            if var == "y":
                y = st["y"].copy()
                y[i, 0] += h
                s2 = {"y": y, "x": st.get("x")}
            else:
                x = self.x_of(st).copy()
                x[i, 0] += h
                s2 = {"y": st["y"], "x": x}
            return self.value(f, s2, idx)

        return (at(H) - at(-H)) / (2 * H)

    def gradient(self, f, var, st, idx):
        if var not in ("x", "y"):
            raise Unreadable(f"nabla by {var}")
        n = M if var == "y" else N
        out = np.zeros((n, 1))
        for i in range(n):
            v = self._partial(f, var, i, st, idx)
            if np.ndim(v) != 0 and np.size(v) != 1:
                raise Unreadable("a gradient of a vector")
            out[i, 0] = float(np.asarray(v).reshape(-1)[0])
        return out


def _matrix(v):
    if not isinstance(v, np.ndarray):
        raise Unreadable("x defined as a number")
    return v


def free_letters(tree, bound=frozenset()) -> set[str]:
    if not isinstance(tree, tuple) or not tree:
        return set()
    if tree[0] == "sum":
        return free_letters(tree[3], bound | {tree[1]})
    if tree[0] == "atom":
        if tree[1].name == "nabla":
            return set()
        try:
            return set(index_letters(tree[1].sub)) - set(bound)
        except Unreadable:
            return set()
    out = set()
    for part in tree[1:]:
        if isinstance(part, tuple):
            out |= free_letters(part, bound)
        elif isinstance(part, list):
            for q in part:
                q = q[1] if isinstance(q, tuple) and len(q) == 2 else q
                if isinstance(q, tuple):
                    out |= free_letters(q, bound)
    return out


def judge(lhs, rhs, defs: dict, aliases: dict) -> tuple[str, str] | None:
    """(verdict, why) for a calculus preliminary, or None when it is none or cannot be read."""
    if not (by_target(lhs) or by_target(rhs)):
        return None
    letters = sorted(free_letters(lhs) | free_letters(rhs))
    try:
        with np.errstate(all="raise"):
            for seed in (1, 2):
                inst = Instance(seed, defs, aliases)
                both = ("add", [(1, lhs), (1, rhs)])
                ranges = [inst.range_of(c, both) for c in letters]
                for combo in np.ndindex(*ranges):
                    idx = dict(zip(letters, combo, strict=True))
                    st = {"y": inst.y, "x": None}
                    a = inst.value(lhs, st, idx)
                    try:
                        b = inst.value(rhs, st, idx)
                    except ShapeMismatch as err:
                        return "wrong", (
                            f"with y of {M} entries and x of {N}, {err}: the right-hand side "
                            f"cannot be formed (a Jacobian in the wrong layout)"
                        )
                    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
                    if a.shape != b.shape and a.size != b.size:
                        return "wrong", f"the sides have shapes {a.shape} and {b.shape}"
                    if not np.allclose(a.reshape(-1), b.reshape(-1), rtol=1e-5, atol=1e-6):
                        at = ", ".join(f"{k} = {v + 1}" for k, v in idx.items())
                        return "wrong", (
                            "the two sides differ on drawn variables (y of 2 entries, x of 3)"
                            + (f" at {at}" if at else "")
                        )
    except (Unreadable, FloatingPointError, ZeroDivisionError, ValueError, IndexError, TypeError):
        return None
    return "correct", "on drawn variables: y of 2 entries, x of 3, f a smooth function of x"
