"""A normalization layer written entry by entry: batch norm over the m samples of a batch, layer
norm over the N features of one vector, and its backward pass.

Such a note defines the layer by its own equations, ``\\mu_B = \\frac{1}{m}\\sum_{i=1}^m x_i``,
``\\sigma^2_B = \\frac{1}{m}\\sum_{i=1}^m (x_i - \\mu_B)^2``, ``\\hat{x}_i = \\frac{x_i -
\\mu_B}{\\sqrt{\\sigma^2_B + \\epsilon}}``, ``y_i = \\gamma \\hat{x}_i + \\beta`` (layer norm: the
same over features, often with ``\\gamma_i``, ``\\beta_i`` per entry), then derives
``\\frac{\\partial f}{\\partial \\gamma}``, ``\\frac{\\partial f}{\\partial x_i}`` and the partials
between the layer's own quantities, with sums over the batch (``\\sum_{j=1}^m``,
``\\Sigma^m_{i=1}``), Kronecker deltas (``1_{i=j}``) and the operator form
``\\frac{\\partial}{\\partial x_i}[\\dots]``.

The note's definitions are bound to one drawn instance: a batch of ``SIZE`` random values for the
indexed input, random gamma, beta, epsilon (scalars or one per entry, as the note writes them), and
an upstream gradient of the loss by the layer's last quantity (the one no other definition uses)
drawn as a free random array. The layer is recognised by value, not by spelling: one definition
must compute the mean of the input and one the input normalized by the biased variance (with or
without epsilon). Every derivative is derived by SymPy from the note's definitions, never typed in:

- a partial of the loss (a cost letter or the next layer's ``f``, never defined, whose partial
  by the layer's output the note writes; also ``\\nabla_{x_i}`` and CS231n's ``dy_i``,
  ``d\\hat{x}_i``) by a quantity of the layer is its total derivative through the graph the
  definitions make, that quantity perturbed and everything computed from it recomputed (Ioffe
  and Szegedy's ``\\partial \\ell / \\partial \\mu_B`` includes the path through the variance);
- a partial of one quantity by another is read either way notes write it: locally, the
  quantity's own definition differentiated with its other quantities held (``\\partial \\hat x_i /
  \\partial x_i = 1/\\sqrt{\\sigma^2_B + \\epsilon}`` with the mean and variance as nodes of their
  own), or totally, as above (the Jacobian ``\\partial \\hat x_i / \\partial x_j``); a claim holds
  when it holds for some choice of readings, one per derivative it writes, at every value of its
  free indices (those with ``i \\neq j`` when the formula says so; one that holds for ``i = j``
  or ``i \\neq j`` alone is not judged: the prose may state that case).

Definitions may also be the paper's Algorithm 1 assignments (``\\mu_\\mathcal{B} \\leftarrow
\\dots``), written twice alike, or written for the whole vector (``\\hat{X} = \\frac{X -
\\mu}{\\sigma}``: entry by entry, the note indexing X elsewhere), with the sample as a
superscript (``x^{(i)}`` is ``x_i``); a later definition that changes one of the layer's names ends
the reading.

A claim that holds under no reading is wrong. Two mistakes are named: a right-hand side with an
index the left-hand side lacks (``\\frac{\\partial f}{\\partial \\gamma} = \\frac{\\partial
f}{\\partial y_i}\\frac{\\partial y_i}{\\partial \\gamma}``) whose sum over that index would be
right, in a note that writes its sums (one that never does may sum by convention: not judged);
and a gradient by one input entry that keeps only the paths through its own sample's output
(the chain rule that forgets that ``x_i`` moves every other ``\\hat x_j`` through the mean and
the variance). A symbol the note does not define, a matrix operation, a case or a name written
with two indices is not read: the claim stays "not understood".
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

import numpy as np
import sympy as sp

from .grammar import COSTS, Atom, Unreadable, clean, nodes, parse, rebuild, subtrees

SIZE = 4  # entries of the normalized axis in the drawn instance
TOL = 1e-7
_MAX_COMBOS = 256

# a vector of ones as authors write it beside a sum: \vec{1}, \mathbf{1}, \mathbb{1} (no index)
_ONES = re.compile(r"\\(?:vec|mathbf|boldsymbol|bm|mathbb)\s*\{\s*1\s*\}(?!\s*_)")
# a script that is a command with its argument, written without braces: _\mathcal{B}
_BARE_SCRIPT = re.compile(r"([_^])\s*(\\[A-Za-z]+\s*\{[^{}]*\})")
# an assignment as the batch-norm paper's Algorithm 1 writes it: \mu_B \leftarrow \frac{1}{m} ...
_ASSIGN = re.compile(r"^([^=]*?)\\(?:leftarrow|gets)(?![A-Za-z])(.*)$", re.S)
_FUNCS = {"sqrt": sp.sqrt, "exp": sp.exp, "log": sp.log, "ln": sp.log}


class _Unbound(Exception):
    """A symbol or a construction this reading does not bind."""


def _tree(text: str):
    try:
        text = re.sub(r"\\varepsilon(?![A-Za-z])", r"\\epsilon", _ONES.sub(" 1 ", text))
        text = _BARE_SCRIPT.sub(r"\1{\2}", text)  # \mu_\mathcal{B}: the paper's own spelling
        return parse(clean(text))
    except (Unreadable, RecursionError, ValueError, IndexError):
        return None


def _walk(tree):
    yield from nodes(tree)


def _has(tree, kind: str) -> bool:
    return any(n[0] == kind for n in _walk(tree))


def _is_index(s: str | None) -> bool:
    return bool(s) and len(s) == 1 and (s.islower() and s.isalpha() or s == IMPLICIT)


IMPLICIT = "@"  # the index of a definition written for the whole vector: \hat{X} = (X - \mu)/\sigma


def _implicit_index(defs):
    """Definitions written for the whole vector, ``\\hat{X} = \\frac{X - \\mu}{\\sigma}`` beside
    ``\\mu = \\frac{1}{n}\\sum_i X_i``, entry by entry: a name the note indexes elsewhere, written
    without its index in a definition, takes the definition's own (implicit) index, and so does
    the name that definition defines."""
    indexed = {(n[1].name, n[1].sup) for _, rhs in defs for n in nodes(rhs)
               if n[0] == "atom" and _is_index(n[1].sub)}  # fmt: skip
    indexed |= {(lhs.name, lhs.sup) for lhs, _ in defs if _is_index(lhs.sub)}

    def bare(tree):
        return [n[1] for n in nodes(tree) if n[0] == "atom" and n[1].sub is None
                and (n[1].name, n[1].sup) in indexed]  # fmt: skip

    def index(tree):
        if tree[0] == "atom" and tree[1].sub is None and (tree[1].name, tree[1].sup) in indexed:
            return ("atom", replace(tree[1], sub=IMPLICIT))
        return rebuild(tree, index) if tree[0] != "sum" else tree

    out = list(defs)
    changed = True
    while changed:
        changed = False
        for k, (lhs, rhs) in enumerate(out):
            if lhs.sub is None and bare(rhs) and not _has(rhs, "sum"):
                out[k] = (replace(lhs, sub=IMPLICIT), index(rhs))
                indexed.add((lhs.name, lhs.sup))
                changed = True
    return out


class Layer:
    """The note's definitions bound on a drawn instance."""

    def __init__(self, defs, rng):
        # defs: [(Atom lhs, rhs tree)] in the note's order
        defs = _implicit_index(defs)
        self.defs = {}  # key -> (index letter or None, rhs tree)
        self.order = []
        for lhs, rhs in defs:
            idx = lhs.sub if _is_index(lhs.sub) else None
            key = self.key(lhs, idx is not None)
            if key in self.defs:
                raise _Unbound("defined twice")
            self.defs[key] = (idx, rhs)
            self.order.append(key)
        self.size_letters = set()
        for _, rhs in self.defs.values():
            for n in _walk(rhs):
                if n[0] == "sum" and len(n) > 4 and isinstance(n[4], str) and n[4].isalpha():
                    self.size_letters.add(n[4])
        if not self.size_letters:
            raise _Unbound("no sum with its size")
        # the leaves: every atom of the definitions that is not defined, not a size, not an index
        self.leaves = {}  # key -> indexed?
        for _, rhs in self.defs.values():
            for n in _walk(rhs):
                if n[0] != "atom":
                    continue
                a = n[1]
                if a.primes or a.T or (a.sub is None and a.name in self.size_letters):
                    if a.primes or a.T:
                        raise _Unbound("a primed or transposed name")
                    continue
                indexed = _is_index(a.sub)
                if a.sub and not indexed and len(a.sub) > 1 and a.sub.isalpha() and a.sub.islower():
                    raise _Unbound("a name with two indices")
                key = self.key(a, indexed)
                if key in self.defs:
                    if self.defs[key][0] is not None and not indexed:
                        raise _Unbound("an indexed quantity without its index")
                    continue
                if self.leaves.get(key, indexed) != indexed:
                    raise _Unbound("a leaf with and without index")
                self.leaves[key] = indexed
        self.rng = rng
        self._bind()

    @staticmethod
    def key(a: Atom, indexed: bool):
        return (a.name, a.sup, None if indexed else a.sub)

    def name(self, key) -> str:
        n, sup, sub = key
        out = "\\" + n if n in ("mu", "sigma", "gamma", "beta", "epsilon") else n
        out = out.replace("hat_", "\\hat ")
        return out + (f"^{sup}" if sup else "") + (f"_{sub}" if sub else "")

    def _sym(self, key, k=None):
        tag = "_".join(str(p) for p in key if p)
        return sp.Symbol(f"{tag}__{k}" if k is not None else tag)

    def _bind(self):
        self.sym = {}  # (key, k or None) -> Symbol
        self.values = {}  # Symbol -> float
        self.local = {}  # node Symbol -> expression in symbols
        self.nodes = []  # the node symbols in the order the note defines them
        for key, indexed in self.leaves.items():
            for k in range(1, SIZE + 1) if indexed else [None]:
                s = self._sym(key, k)
                self.sym[(key, k)] = s
                name = key[0]
                if name in ("epsilon", "varepsilon"):
                    v = self.rng.uniform(0.05, 0.3)
                elif name == "x" or indexed:
                    v = self.rng.normal(0.3, 1.2)
                else:
                    v = self.rng.uniform(0.6, 1.8) * self.rng.choice([-1, 1])
                self.values[s] = float(v)
        for key in self.order:
            idx, _ = self.defs[key]
            for k in range(1, SIZE + 1) if idx else [None]:
                self.sym[(key, k)] = self._sym(key, k)
        for key in self.order:
            idx, rhs = self.defs[key]
            for k in range(1, SIZE + 1) if idx else [None]:
                expr = self.expr(rhs, {idx: k} if idx else {})
                s = self.sym[(key, k)]
                self.local[s] = expr
                self.nodes.append(s)
                self.values[s] = float(expr.subs(self.values))
        used = {s for e in self.local.values() for s in e.free_symbols}
        first = {key: self.sym.get((key, 1), self.sym.get((key, None))) for key in self.order}
        sinks = [key for key in self.order if first[key] not in used]
        if not sinks:
            raise _Unbound("no output")
        self.out = sinks[-1]
        outs = [s for (kk, k), s in self.sym.items() if kk == self.out]
        self.grads = {s: sp.Symbol(f"g__{s.name}") for s in outs}
        for g in self.grads.values():
            self.values[g] = float(self.rng.normal(0.0, 1.0))
        self.loss = sum(g * s for s, g in self.grads.items())
        self.svalues = {s: sp.Float(v, 30) for s, v in self.values.items()}
        self._cache = {}

    # --- recognising the layer by value
    def normalization(self):
        """(mean key, normalized key, input key) when the definitions compute a mean and the
        input normalized by the biased variance (with or without the epsilon leaf); else None."""
        inputs = [k for k, ind in self.leaves.items() if ind and k[0] not in ("gamma", "beta")]
        eps = [self.values[self.sym[(k, None)]] for k, ind in self.leaves.items()
               if not ind and k[0] in ("epsilon", "varepsilon")]  # fmt: skip
        for xk in inputs:
            x = np.array([self.values[self.sym[(xk, k)]] for k in range(1, SIZE + 1)])
            means = [key for key in self.order if self.defs[key][0] is None]
            near = [abs(self.values[self.sym[(key, None)]] - x.mean()) for key in means]
            mean = next((key for key, d in zip(means, near, strict=True) if d < TOL), None)
            if mean is None:
                continue
            for e in [*eps, 0.0]:
                z = (x - x.mean()) / np.sqrt(x.var() + e)
                for key in self.order:
                    if self.defs[key][0] is None:
                        continue
                    v = np.array([self.values[self.sym[(key, k)]] for k in range(1, SIZE + 1)])
                    if np.allclose(v, z, rtol=1e-9, atol=1e-9):
                        return mean, key, xk
        return None

    # --- expressions
    def lookup(self, a: Atom, env, *, free_ok=False):
        """The symbol (or number) an atom stands for at the index values ``env``."""
        if a.primes or a.T:
            raise _Unbound("primed")
        if a.sub is None and a.sup is None and a.name in self.size_letters:
            return sp.Integer(SIZE)
        for indexed in (True, False):
            if indexed and not _is_index(a.sub):
                continue
            key = self.key(a, indexed)
            if key in self.defs or key in self.leaves:
                is_idx = (self.defs[key][0] is not None) if key in self.defs else self.leaves[key]
                if is_idx != indexed:
                    continue
                if not indexed:
                    return self.sym[(key, None)]
                if a.sub not in env:
                    raise _Unbound(f"free index {a.sub}")
                return self.sym[(key, env[a.sub])]
        # sigma^2 for a defined sigma: its square
        if a.sup == "2":
            base = Atom(a.name, a.sub, None)
            try:
                return self.lookup(base, env) ** 2
            except _Unbound:
                pass
        # a Kronecker delta written delta_{ij} (1_{i=j}) where delta is no name of the note
        if a.name == "delta" and a.sup is None and a.sub and len(a.sub) == 2:
            i, j = a.sub[0], a.sub[1]
            if i in env and j in env:
                return sp.Integer(1 if env[i] == env[j] else 0)
        raise _Unbound(f"unbound {a.show()}")

    def expr(self, tree, env):
        """The SymPy expression of a tree at index values ``env``, the layer's quantities as
        symbols (no derivative: the operand of ``\\frac{\\partial}{\\partial x_i}[...]``)."""
        kind = tree[0]
        if kind == "num":
            v = float(tree[1])
            return sp.Integer(int(v)) if v.is_integer() else sp.Float(v, 30)
        if kind == "atom":
            return self.lookup(tree[1], env)
        if kind == "add":
            return sp.Add(*[sign * self.expr(t, env) for sign, t in tree[1]])
        if kind == "mul":
            if tree[1] not in ("juxt", "cdot", "times", "odot", "ast", "*"):
                raise _Unbound(f"product {tree[1]}")
            return self.expr(tree[2], env) * self.expr(tree[3], env)
        if kind == "div":
            return self.expr(tree[1], env) / self.expr(tree[2], env)
        if kind == "pow":
            return self.expr(tree[1], env) ** self.expr(tree[2], env)
        if kind == "call":
            fn = _FUNCS.get(tree[1].name)
            if fn is None or tree[1].sub or tree[1].sup or tree[1].primes or len(tree[2]) != 1:
                raise _Unbound("a function")
            return fn(self.expr(tree[2][0], env))
        if kind == "sum":
            var, exclude, body = tree[1], tree[2], tree[3]
            upper = tree[4] if len(tree) > 4 else None
            if not _is_index(var) or upper not in (None, *self.size_letters):
                raise _Unbound("a sum")
            terms = []
            for k in range(1, SIZE + 1):
                if exclude is not None:
                    if exclude not in env:
                        raise _Unbound("a sum")
                    if env[exclude] == k:
                        continue
                terms.append(self.expr(body, {**env, var: k}))
            return sp.Add(*terms)
        raise _Unbound(kind)

    def partials(self, expr) -> dict:
        """The partial of ``expr`` by each symbol it writes, in numbers (SymPy's diff)."""
        key = ("partials", expr)
        if key not in self._cache:
            expr = sp.sympify(expr)
            self._cache[key] = {s: self.number(sp.diff(expr, s)) for s in expr.free_symbols}
        return self._cache[key]

    def tangents(self, den) -> dict:
        """How much every quantity moves when ``den`` alone moves by one, everything computed
        from it recomputed by its definition (forward mode over the note's graph)."""
        key = ("tangents", den)
        if key not in self._cache:
            t = {den: 1.0}
            for node in self.nodes:
                if node != den:
                    parts = self.partials(self.local[node])
                    t[node] = sum(v * t.get(s, 0.0) for s, v in parts.items())
            self._cache[key] = t
        return self._cache[key]

    def total(self, expr, den) -> float:
        """The derivative of ``expr`` by ``den`` through the graph (``den`` a leaf or a node)."""
        t = self.tangents(den)
        return sum(v * t.get(s, 0.0) for s, v in self.partials(expr).items())

    def number(self, expr) -> float:
        return complex(sp.N(sp.sympify(expr).xreplace(self.svalues))).real

    def readings(self, num, den) -> list[float]:
        """The values a partial of ``num`` (a symbol, the loss or an expression) by the symbol
        ``den`` takes under each reading, distinct."""
        key = ("readings", num, den)
        if key not in self._cache:
            self._cache[key] = self._readings(num, den)
        return self._cache[key]

    def _readings(self, num, den) -> list[float]:
        if not isinstance(den, sp.Symbol) or den in self.grads.values():
            raise _Unbound("a derivative by no quantity")
        out = []
        if num in self.local:  # a quantity of the layer: its own definition, others held
            local = self.local[num]
            if den in local.free_symbols:
                out.append(self.number(sp.diff(local, den)))
        elif not isinstance(num, sp.Symbol) or num == self.loss_symbol:
            base = self.loss if num == self.loss_symbol else num
            if den in base.free_symbols:
                out.append(self.number(sp.diff(base, den)))
        base = self.loss if num == self.loss_symbol else num
        out.append(self.total(base, den))
        distinct = []
        for v in out:
            if all(abs(v - w) > TOL * (1 + abs(w)) for w in distinct):
                distinct.append(v)
        return distinct

    loss_symbol = sp.Symbol("__loss__")


class Claim:
    """One claim's evaluation in numbers: the readings of each derivative it writes, one reading
    chosen per derivative as written (``pick``) and used at every value of its indices."""

    def __init__(self, layer: Layer, loss_letters, own=None):
        self.layer = layer
        self.loss_letters = loss_letters
        self.own = own  # input symbol -> the loss by it through its own output only
        self.forms: dict[str, int] = {}  # written derivative -> how many readings it has
        self.pick: dict[str, int] = {}

    def derivative(self, tree, env) -> float:
        layer = self.layer
        _, num, den, operand = tree
        if den is None or den[0] != "atom":
            raise _Unbound("a derivative by an expression")
        d = layer.lookup(den[1], env)
        if operand is not None:
            if num is not None:
                raise _Unbound("operator")
            target = layer.expr(operand, env)
        elif num is not None and num[0] == "atom" and num[1].name in self.loss_letters \
                and num[1].sub is None and num[1].sup is None:  # fmt: skip
            target = Layer.loss_symbol
        elif num is not None:
            target = layer.expr(num, env)
        else:
            raise _Unbound("a derivative")
        vals = layer.readings(target, d)
        if target == Layer.loss_symbol and self.own is not None and d in self.own:
            vals = [self.own[d]]
        form = repr(tree)
        self.forms[form] = max(self.forms.get(form, 1), len(vals))
        return vals[min(self.pick.get(form, 0), len(vals) - 1)]

    def value(self, tree, env) -> float:
        kind = tree[0]
        if kind == "d":
            return self.derivative(tree, env)
        if kind == "num":
            return float(tree[1])
        if kind == "atom":
            v = self.layer.lookup(tree[1], env)
            if isinstance(v, sp.Symbol):
                return self.layer.values[v]
            return self.layer.number(v)  # sigma^2 of a defined sigma, a Kronecker delta
        if kind == "add":
            return sum(sign * self.value(t, env) for sign, t in tree[1])
        if kind == "mul":
            if tree[1] not in ("juxt", "cdot", "times", "odot", "ast", "*"):
                raise _Unbound(f"product {tree[1]}")
            return self.value(tree[2], env) * self.value(tree[3], env)
        if kind == "div":
            den = self.value(tree[2], env)
            if den == 0:
                raise _Unbound("a division by zero")
            return self.value(tree[1], env) / den
        if kind == "pow":
            base, exp = self.value(tree[1], env), self.value(tree[2], env)
            if base < 0 and not float(exp).is_integer() or base == 0 and exp < 0:
                raise _Unbound("a power out of range")
            return base**exp
        if kind == "call":
            fn = {"sqrt": np.sqrt, "exp": np.exp, "log": np.log, "ln": np.log}.get(tree[1].name)
            if fn is None or tree[1].sub or tree[1].sup or tree[1].primes or len(tree[2]) != 1:
                raise _Unbound("a function")
            arg = self.value(tree[2][0], env)
            if arg < 0 and tree[1].name == "sqrt" or arg <= 0 and tree[1].name != "exp":
                raise _Unbound("a function out of range")
            return float(fn(arg))
        if kind == "sum":
            var, exclude, body = tree[1], tree[2], tree[3]
            upper = tree[4] if len(tree) > 4 else None
            if not _is_index(var) or upper not in (None, *self.layer.size_letters):
                raise _Unbound("a sum")
            if exclude is not None and exclude not in env:
                raise _Unbound("a sum")
            return sum(self.value(body, {**env, var: k}) for k in range(1, SIZE + 1)
                       if exclude is None or env[exclude] != k)  # fmt: skip
        raise _Unbound(kind)


def _free(tree, layer: Layer, bound=()) -> set[str]:
    """The index letters a tree writes free (outside the sums that bind them)."""
    out = set()
    if not isinstance(tree, tuple):
        return out
    if tree[0] == "sum":
        inner = _free(tree[3], layer, (*bound, tree[1]))
        if tree[2] and tree[2] not in bound:
            inner.add(tree[2])
        return out | inner
    if tree[0] == "atom":
        a = tree[1]
        if _is_index(a.sub) and a.sub not in bound and a.name not in layer.size_letters:
            out.add(a.sub)
        if a.name == "delta" and a.sub and len(a.sub) == 2:
            out |= {c for c in a.sub if c not in bound}
        return out
    for part in subtrees(tree):
        out |= _free(part, layer, bound)
    return out


def _holds(
    layer: Layer, lhs, rhs, letters, loss_letters, sum_over=(), own_only=False, case=None
) -> bool:
    """Whether ``lhs = rhs`` holds under some choice of readings at every value of the free
    ``letters`` (the right-hand side summed over ``sum_over`` first); ``case`` "!=" or "=" keeps
    the values where the two letters differ or agree."""
    own = None
    if own_only:
        if "own" not in layer._cache:
            layer._cache["own"] = _own_paths(layer)
        own = layer._cache["own"]
    claim = Claim(layer, loss_letters, own)
    envs = [dict(zip(letters, vs, strict=True))
            for vs in itertools.product(range(1, SIZE + 1), repeat=len(letters))
            if case is None or (vs[0] == vs[1]) == (case == "=")]  # fmt: skip
    sums = [dict(zip(sum_over, vs, strict=True))
            for vs in itertools.product(range(1, SIZE + 1), repeat=len(sum_over))]  # fmt: skip

    def check() -> bool:
        for env in envs:
            a = claim.value(lhs, env)
            b = sum(claim.value(rhs, {**env, **extra}) for extra in sums)
            if not (np.isfinite(a) and np.isfinite(b)) or abs(a - b) > TOL * (1 + abs(a) + abs(b)):
                return False
        return True

    if check():
        return True
    names = [f for f, n in claim.forms.items() if n > 1]
    total = 1
    for f in names:
        total *= claim.forms[f]
    if total > _MAX_COMBOS:
        raise _Unbound("too many readings")
    for combo in itertools.product(*(range(claim.forms[f]) for f in names)):
        claim.pick = dict(zip(names, combo, strict=True))
        if check():
            return True
    return False


def _own_paths(layer: Layer) -> dict:
    """The loss by each input entry through that entry's own output only (the other outputs'
    upstream gradients set to zero): what a chain rule that forgets the sum over the batch
    computes."""
    own = {}
    for key, indexed in layer.leaves.items():
        if not indexed:
            continue
        for k in range(1, SIZE + 1):
            s = layer.sym[(key, k)]
            part = sum(g * o for o, g in layer.grads.items() if o.name.endswith(f"__{k}"))
            own[s] = layer.total(part, s)
    return own


LOSS = Atom("__loss__")  # the loss a gradient written without its letter is of


def _gradients(tree, layer: Layer, losses):
    """The gradients of the loss as notes write them without a fraction, as fractions:
    ``\\nabla_{\\hat{X}_j}`` and ``\\nabla_{x_i} L`` (the loss by that quantity), and
    ``d\\hat{x}_i``, ``d\\gamma`` (CS231n's names: ``d`` before a quantity of the layer, in a
    note where d is no name of the layer)."""
    if tree is None:
        return None

    def quantity(a: Atom) -> bool:
        return any(
            layer.key(a, idx) in layer.defs or layer.key(a, idx) in layer.leaves
            for idx in (True, False)
        )

    def grad(node):
        if node[0] == "atom" and node[1].name == "nabla" and node[1].sub and not node[1].sup:
            inner = _tree(node[1].sub)
            if inner is not None and inner[0] == "atom" and quantity(inner[1]):
                return ("d", ("atom", LOSS), inner, None)
        if node[0] == "mul" and node[1] == "juxt" and node[3][0] == "atom":
            left, b = node[2], node[3][1]
            if left[0] == "atom" and left[1].name == "nabla" and b.name in losses | COSTS \
                    and not (b.sub or b.sup):  # fmt: skip
                return grad(left)
            # d before a quantity, also at the end of a product (N d\hat{x}_i)
            d_atom = ("atom", Atom("d"))
            if quantity(b) and not quantity(Atom("d")) and "d" not in layer.size_letters:
                wrt = ("d", ("atom", LOSS), node[3], None)
                if left == d_atom:
                    return wrt
                if left[0] == "mul" and left[1] == "juxt" and left[3] == d_atom:
                    return ("mul", "juxt", grad(left[2]), wrt)
        return rebuild(node, grad)

    return grad(tree)


def _loss_letters(stmts_trees, layer: Layer) -> set[str]:
    """The letters the note differentiates as its loss: a cost letter (``L``, ``\\ell``,
    ``\\mathcal{L}``, ``E``, ``J``, ``C``) or the next layer's ``f``, never defined, whose partial
    by the layer's output the note writes (the upstream gradient it is given). Any other name
    it never defines stays unbound (``\\sigma`` for a standard deviation it did not define)."""
    out = set()
    for tree in stmts_trees:
        for n in _walk(tree):
            if n[0] != "d" or n[1] is None or n[1][0] != "atom" or n[2] is None:
                continue
            a, den = n[1][1], n[2]
            if a.sub or a.sup or a.primes or a.name not in COSTS | {"f"}:
                continue
            if (a.name, None, None) in layer.defs or (a.name, None, None) in layer.leaves:
                continue
            if den[0] == "atom" and layer.key(den[1], _is_index(den[1].sub)) == layer.out:
                out.add(a.name)
    return out


def judge(segments, text: str = "") -> list[tuple[int, str, str, str]]:
    """(line, claim, verdict, message) for each claim of a normalization note; [] when the note
    defines no normalization this reading recognises (or this reading fails on it: its failure
    never stops the note's other checks)."""
    try:
        return _judge(segments)
    except (_Unbound, Unreadable, ArithmeticError, TypeError, ValueError, KeyError, IndexError):
        return []


def _sample_superscripts(parsed):
    """A sample written as a superscript in parentheses, ``x^{(i)}``, ``\\hat{x}^{(i)}`` beside
    ``\\sum_{i=1}^m x^{(i)}``: an entry like ``x_i``, where the letter is one the note sums over
    and the name has no subscript of its own."""
    letters = {n[1] for ms in parsed for _, t in ms if t is not None for n in nodes(t)
               if n[0] == "sum" and _is_index(n[1])}  # fmt: skip

    def move(node):
        if node[0] == "atom" and node[1].sub is None and node[1].sup:
            m = re.fullmatch(r"\(\s*([a-z])\s*\)", node[1].sup)
            if m and m.group(1) in letters:
                return ("atom", replace(node[1], sub=m.group(1), sup=None))
        return rebuild(node, move)

    return [[(m, None if t is None else move(t)) for m, t in ms] for ms in parsed]


def _judge(segments) -> list[tuple[int, str, str, str]]:
    from .judge import statements  # the model's own reading of formulas into members

    try:
        stmts = [ms for ms in statements(segments) if ms]
    except Exception:  # noqa: BLE001 - a note this reading cannot split is none of its business
        return []
    parsed = [[(m, _tree(m.text) if m.rel in ("", "=") else None) for m in ms] for ms in stmts]
    parsed = _sample_superscripts(parsed)
    defs, first_claim = [], None
    for k, ms in enumerate(parsed):
        trees = [t for _, t in ms]
        if any(t is not None and _has(t, "d") for t in trees) or (
            len(ms) > 1 and trees[0] is not None and trees[0][0] != "atom"
        ):  # a derivative, or an equation about more than a name (d\hat{x}_i = dy_i \gamma)
            first_claim = k
            break
        if len(ms) == 2 and None not in trees and trees[0][0] == "atom" and ms[1][0].rel == "=":
            if (trees[0][1], trees[1]) not in defs:  # a definition written again is one
                defs.append((trees[0][1], trees[1]))
        elif len(ms) == 1 and _ASSIGN.match(ms[0][0].text):  # Algorithm 1's \mu_B \leftarrow ...
            lhs, rhs = (_tree(part) for part in _ASSIGN.match(ms[0][0].text).groups())
            if lhs is not None and rhs is not None and lhs[0] == "atom":
                defs.append((lhs[1], rhs))
    if first_claim is None or len(defs) < 3:
        return []
    written = {(a.name, a.sup, a.sub): rhs for a, rhs in defs}
    try:
        layer = Layer(defs, np.random.default_rng(20261208))
        found = layer.normalization()
    except (_Unbound, ZeroDivisionError, TypeError, ValueError):
        return []
    if found is None:
        return []
    mean_key, _, input_key = found
    losses = _loss_letters([t for ms in parsed for _, t in ms if t is not None], layer)
    losses.add(LOSS.name)
    parsed = [[(m, _gradients(t, layer, losses)) for m, t in ms] for ms in parsed]
    claims = [t for ms in parsed[first_claim:] for _, t in ms if t is not None]
    writes_sums = any(_has(t, "sum") for t in claims)
    out = []
    for ms in parsed[first_claim:]:
        (lead, lhs), rest = ms[0], ms[1:]
        if lhs is not None and lhs[0] == "atom" and len(ms) == 2:
            a = lhs[1]
            if (a.name, a.sup, a.sub) in written and written[(a.name, a.sup, a.sub)] == rest[0][1]:
                continue  # the definition written again, as it was
            if Layer.key(a, _is_index(a.sub)) in layer.defs or (a.name, a.sup, None) in layer.defs:
                break  # the note redefines one of the layer's names: its meaning changes here
            if Layer.key(a, _is_index(a.sub)) in layer.leaves:
                break
        for m, rhs in rest:
            if m.rel != "=" or m.error or lead.error:
                continue
            claim = f"{lead.text} = {m.text}"
            if lhs is None or rhs is None:
                continue
            if not (_has(lhs, "d") or _has(rhs, "d")) and lhs[0] == "atom":
                continue  # a name of the note's own (a definition), not a claim about the layer
            verdict = _judge_one(
                layer, lhs, rhs, losses, writes_sums, mean_key, input_key, m.cond or lead.cond
            )
            if verdict is not None:
                out.append((m.line, claim, *verdict))
    return out


def _judge_one(layer, lhs, rhs, losses, writes_sums, mean_key, input_key, cond=None):
    try:
        left_free, right_free = _free(lhs, layer), _free(rhs, layer)
        letters = sorted(left_free | right_free)
        if len(letters) > 2:
            return None
        case = None
        pair = bool(cond) and len(cond) == 3 and all(_is_index(c) for c in (cond[0], cond[2]))
        if cond and not pair:
            return None  # a case on values (y_i = 1): not read here
        if pair and set(letters) == {cond[0], cond[2]}:
            case = "=" if cond[1] == "=" else "!="  # \quad i \neq j beside the formula
        elif pair and (cond[0] in letters or cond[2] in letters) and cond[0] != cond[2]:
            # i = j beside a formula that writes j alone: its i is j (no claim about i)
            if cond[1] != "=":
                return None
        if _holds(layer, lhs, rhs, letters, losses, case=case):
            return "correct", "read with the note's own normalization layer (drawn batch)"
        if (
            len(letters) == 2
            and case is None
            and any(_holds(layer, lhs, rhs, letters, losses, case=c) for c in ("!=", "="))
        ):
            return None  # holds for i = j or for i != j alone: a case the prose may state
        extra = sorted(right_free - left_free)
        if extra:
            if _holds(layer, lhs, rhs, sorted(left_free), losses, sum_over=extra):
                if not writes_sums:
                    return None  # a repeated index may be summed by convention here
                idx = ", ".join(extra)
                return "wrong", (
                    f"the sum over {idx} is missing: the right-hand side is one sample's term "
                    f"(the sum over {idx} of it is the left-hand side)"
                )
            return "wrong", "does not hold on the note's normalization layer (drawn batch)"
        if left_free and _has(lhs, "d") and _holds(layer, lhs, rhs, letters, losses, own_only=True):
            mean, out = layer.name(mean_key), layer.name(layer.out)
            return "wrong", (
                f"only the paths through the entry's own output are kept: "
                f"{layer.name(input_key)} also moves every other output {out} through {mean} "
                f"and the variance (the sums over the batch are missing)"
            )
        return "wrong", "does not hold on the note's normalization layer (drawn batch)"
    except (_Unbound, ZeroDivisionError, TypeError, ValueError, OverflowError):
        return None
