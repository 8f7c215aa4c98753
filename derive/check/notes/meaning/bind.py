"""Bind a note's symbols to the drawn network and evaluate a formula tree on it.

A symbol's role comes from its letter and its decorations, the way the notes use them:
``w``/``W`` weights, ``b`` biases, ``z`` pre-activations, ``a`` activations, ``x`` the input,
``y`` the target, ``\\hat y`` the output, ``\\delta^l`` the error dC/dz^l, ``dz``/``dW``
(Ng) the gradients, ``C``/``J``/``E``/``\\mathcal{L}``... the cost, ``\\delta_{ij}`` Kronecker;
a name the note defined itself (``t = x W + b``) is evaluated through its definition. The
superscript is the layer (``l``, ``l+1``, ``(L-1)``, ``[2]``), mapped to the drawn network by
the note's reading (``Reading``: examples as columns or rows, the layer number of the input,
whether W^{(l)} feeds z^{(l)} or z^{(l+1)}); the subscript picks an entry (``w^l_{jk}``) by
the index values of the environment. What cannot be bound raises ``Unreadable``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from . import decay
from .grammar import COSTS, Atom, Unreadable, subtrees
from .instance import ACT, DACT, H, State, sigmoid, softmax


class ShapeMismatch(Unreadable):
    """Two quantities of the network whose shapes do not combine as written."""


class NoLayer(Unreadable):
    """The formula refers to a layer the drawn network does not have at this instantiation."""


@dataclass(frozen=True)
class Reading:
    """How the note's symbols map to the network (one of the conventions tried)."""

    layout: str = "cols"  # "cols": z = W a + b ; "rows": z = a W + b
    base: int = 0  # the note's layer number of the input
    shift: int = 0  # 1 when W^{(l)} feeds z^{(l+1)} (UFLDL)
    cost: str = "abstract"  # "note", "abstract", "half_sq", "sq", "ce"
    log10: bool = False
    cost_name: str = ""  # the name of the note's cost in force (C, J, L ...)
    batch: bool = False  # a batch of examples (m > 1) rather than one example
    mean: bool = False  # in a batch, the cost written C, L, E is the mean rather than the sum
    hidden: str = "sigmoid"
    output: str = "sigmoid"
    notation: str = ""  # a known notation's convention the reading follows (ngcourse.py)
    decay: str = ""  # weight decay lambda/(2m) ("m") or lambda/2 ("1") in J (decay.py)
    # in a batch under the note's averaged cost: \delta the gradient of that mean (the note's
    # own cost), rather than of the examples' summed losses (Ng's dZ)
    delta_mean: bool = False
    # examples as columns with each weight matrix stored [in, out] (z = W^T a + b, W in
    # R^{n_in x n_out}): the note's W is the model's transposed. A convention's layout
    # "colsT" is this reading (conventions.py offers it where the note writes z = W^T a + b).
    wt: bool = False

    def __post_init__(self):
        if self.layout == "colsT":
            object.__setattr__(self, "layout", "cols")
            object.__setattr__(self, "wt", True)

    def describe(self) -> str:
        parts = ["examples as rows" if self.layout == "rows" else "examples as columns"]
        if self.wt and self.layout == "cols":
            parts[0] += ", W stored [in, out] (z = W^T a + b)"
        parts.append(f"{self.hidden} hidden layers, {self.output} output")
        if self.batch and self.delta_mean:
            parts.append("a batch, \u03b4 the gradient of the averaged cost")
        elif self.batch:
            parts.append("a batch, the cost " + ("averaged" if self.mean else "summed"))
        if self.shift:
            parts.append("W^(l) feeds z^(l+1)")
        parts.append({"note": "the note's cost", "abstract": "any cost", "half_sq":
                      "C = 1/2 ||a - y||^2", "sq": "C = ||a - y||^2",
                      "ce": "cross-entropy"}[self.cost])  # fmt: skip
        if self.decay:
            parts.append("weight decay " + ("lambda/(2m)" if self.decay == "m" else "lambda/2")
                         + " sum W^2 in J")  # fmt: skip
        if self.notation:
            parts.append(self.notation)
        return ", ".join(parts)


@dataclass
class Env:
    """What a formula is evaluated in: the state, the reading, the note's names, indices."""

    state: State
    reading: Reading
    aliases: dict = field(default_factory=dict)  # name -> tree (the note's definitions)
    idx: dict = field(default_factory=dict)  # index letter -> int, and "l" -> layer number
    depth: int = 0

    def with_state(self, state: State) -> Env:
        return Env(state, self.reading, self.aliases, self.idx, self.depth)

    def with_idx(self, **kw) -> Env:
        d = dict(self.idx)
        d.update(kw)
        return Env(self.state, self.reading, self.aliases, d, self.depth)


LAYERED = {"w": "W", "W": "W", "b": "b", "z": "z", "Z": "z", "a": "a", "A": "a", "delta": "dz",
           "dz": "dz", "dZ": "dz", "da": "da", "dA": "da", "dw": "dW", "dW": "dW", "db": "db",
           "dB": "db", "Delta": "dz"}  # fmt: skip
VECTOR_NAMES = {"x": ("a", 0), "X": ("a", 0), "y": ("y", 0), "Y": ("y", 0)}
OUTPUT_NAMES = {"hat_y", "hat_Y"}


def strip_layer(sup: str) -> str:
    s = sup.strip()
    while len(s) >= 2 and s[0] + s[-1] in ("()", "[]", "{}"):
        s = s[1:-1].strip()
    return s.replace("\\ell", "l").replace(" ", "")


def layer_number(sup: str, env: Env) -> int:
    """The note's layer number a superscript names (``l+1`` with l bound, ``L-1``...)."""
    s = strip_layer(sup)
    s = s.replace("n_l", "L").replace("n_{l}", "L")
    if not re.fullmatch(r"[lLA-Z0-9+\-]+", s):
        raise Unreadable(f"layer {sup!r}")
    net = env.state.net
    last = net.N + env.reading.base
    total = 0
    for sign, tok in re.findall(r"([+-]?)([lL]|[A-Z]|\d+)", s):
        if tok not in ("l", "L") and tok.isalpha():
            named = env.aliases.get("layer:" + tok)
            if named is None:
                raise Unreadable(f"layer {tok}")
            v = named
        elif tok == "l":
            if "l" not in env.idx:
                raise Unreadable("a general layer l outside an instantiation")
            v = env.idx["l"]
        elif tok == "L":
            v = last
        elif tok.isalpha():
            pass
        else:
            v = int(tok)
        total += -v if sign == "-" else v
    return total


def node_of(kind: str, p: int, env: Env) -> tuple[str, int]:
    """The network node for the note's layer number ``p`` of a quantity of this kind."""
    r, net = env.reading, env.state.net
    if kind in ("W", "b"):
        k = p - r.base + r.shift
        if not 1 <= k <= net.N:
            raise NoLayer(f"no {kind} at layer {p}")
        return (kind, k)
    k = p - r.base
    lo = 0 if kind == "a" else 1
    if not lo <= k <= net.N:
        raise NoLayer(f"no {kind} at layer {p}")
    return (kind, k)


def present(v: np.ndarray, env: Env) -> np.ndarray:
    """A stored value as the note writes it (transposed for examples as rows)."""
    return v.T if env.reading.layout == "rows" else v


def weights(v, node, env: Env):
    """A presented weight matrix (or its gradient) as the note stores it: transposed, [in,
    out], under the columns reading of ``Reading.wt``; any other value as it is."""
    return v.T if _stored_in_out(node, env) else v


def _stored_in_out(node, env: Env) -> bool:
    r = env.reading
    return r.wt and r.layout == "cols" and node[0] == "W"


def index_letters(sub: str | None) -> list[str]:
    if not sub:
        return []
    s = sub.replace(",", "").replace(" ", "").replace("{", "").replace("}", "")
    if not re.fullmatch(r"[a-zA-Z0-9]{1,2}", s):
        raise Unreadable(f"subscript {sub!r}")
    return list(s)


def numbered(ch: str) -> int:
    """The position of a numbered entry (``x_2`` is the second entry): notes count from 1; a
    0 (a bias unit x_0 = 1, or counting from 0) is not read."""
    if ch == "0":
        raise Unreadable("an entry numbered 0")
    return int(ch) - 1


def entry(arr: np.ndarray, letters: list[str], env: Env):
    """The entry of a presented array that index letters pick."""
    pos = []
    for ch in letters:
        if ch.isdigit():
            if arr.size == 1:
                raise Unreadable("a numbered entry of a single unit")  # numbering says more
            pos.append(numbered(ch))  # y_1, w_{12}: that entry, counted from 1
            continue
        if ch not in env.idx:
            raise Unreadable(f"free index {ch}")
        pos.append(env.idx[ch])
    if len(pos) == 1:
        if arr.shape[0] > 1 and arr.shape[1] > 1:
            m = env.state.net.m
            if env.reading.layout == "rows" and m > 1 and arr.shape[0] == m:
                # a batch written as rows: one index is the example, delta_i its row
                # (\sum_{i=1}^{N} \delta^{(2)}_i, the bias's gradient)
                if pos[0] >= m:
                    raise NoLayer("index out of range")
                return arr[pos[0] : pos[0] + 1, :]
            raise Unreadable("one index on a matrix")
        flat = arr.reshape(-1)
        if pos[0] >= flat.size:
            raise NoLayer("index out of range")
        return float(flat[pos[0]])
    if pos[0] >= arr.shape[0] or pos[1] >= arr.shape[1]:
        raise NoLayer("index out of range")
    return float(arr[pos[0], pos[1]])


def role(atom: Atom, env: Env):
    """(node, index letters, transposed) for a symbol naming a network quantity; or
    ("cost", ...); or None when the name is not a network quantity."""
    name = atom.name
    if (
        name in LAYERED
        and atom.sup is None
        and atom.sub
        and re.fullmatch(r"\d|L|L\s*-\s*\d", atom.sub.strip())
    ):
        # W_1, A_2, z_L, a_{L-1}: the layer (a capital L is the last layer, never an entry)
        atom = Atom(name, None, atom.sub.strip(), atom.primes, atom.T)
    m = re.fullmatch(r"(\d)\s*,\s*([a-z]{1,2})", (atom.sub or "").strip())
    if name in LAYERED and atom.sup is None and m:
        atom = Atom(name, m.group(2), m.group(1), atom.primes, atom.T)  # a_{2,k}: layer, entry
    if name in LAYERED and not (name == "delta" and atom.sup is None and atom.sub):
        kind = LAYERED[name]
        p = layer_number(atom.sup, env) if atom.sup else env.state.net.N + env.reading.base
        store = {"dz": "z", "da": "a", "dW": "W", "db": "b"}.get(kind, kind)
        node = node_of(store, p, env)
        return (kind, node, index_letters(atom.sub), atom.T)
    if name == "delta" and atom.sub and len(index_letters(atom.sub)) == 1:
        node = node_of("z", env.state.net.N + env.reading.base, env)
        return ("dz", node, index_letters(atom.sub), atom.T)
    if name in ("y", "Y") and atom.sup in ("*", "\\ast", "{*}"):
        atom = Atom(name, atom.sub, None, atom.primes, atom.T)  # y^*: the target
    if name in ("x", "X") and atom.sup is not None:
        # x^{(l)}: the output of layer l (x^{(1)} the input when the input is layer 1)
        try:
            p = layer_number(atom.sup, env)
        except NoLayer:
            raise
        except Unreadable:
            return None
        return ("a", node_of("a", p, env), index_letters(atom.sub), atom.T)
    if name in VECTOR_NAMES and atom.sup is None:
        return ("val", VECTOR_NAMES[name], index_letters(atom.sub), atom.T)
    if name in OUTPUT_NAMES and atom.sup is None:
        return ("val", ("a", env.state.net.N), index_letters(atom.sub), atom.T)
    return None


def name_is_delta(atom: Atom) -> bool:
    return atom.name in ("delta", "Delta")


def _mean_name(atom: Atom, env: Env) -> bool:
    """Whether a cost symbol means the mean over the examples: J, unless J is the very name of
    the cost the note wrote (then it means what the note wrote)."""
    if atom.name not in ("J", "cal_J"):
        return False
    return env.reading.cost != "note" or env.reading.cost_name != atom.name


def is_cost(atom: Atom) -> bool:
    if atom.name not in COSTS or atom.sup is not None or atom.T:
        return False
    if atom.name in ("c", "l") and atom.sub not in ("0",):
        return False
    if atom.name in ("L", "cal_L") and (atom.sub or "").strip() == "i":
        return True  # L_i: CS231n's loss of example i
    return atom.sub in (None, "0", "n", "x") and atom.name != "ell" or atom.name == "ell"


def value(node, env: Env):
    """Evaluate a tree: a float or a 2-D array (as the note presents it), or a ``Jac``."""
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "const":  # a value already drawn: a parameter of a function the note defines
        return node[1]
    if kind == "entryfn":  # \mathbf s for s(\mathbf x), a function the note defines by entries
        from . import entryfuns

        return entryfuns.apply(node[1], node[2], env)
    if kind == "atom":
        return atom_value(node[1], env)
    if kind == "add":
        total = 0.0
        for sign, t in node[1]:
            v = value(t, env)
            if isinstance(v, Jac):
                raise Unreadable("a sum of Jacobians")
            if t[0] == "atom" and is_cost(t[1]) and len(node[1]) > 1:
                # \hat Y - E: a letter of the costs beside other terms is something else
                # there (a matrix of labels), not the cost the note defines
                others = [value(q, env) for _, q in node[1] if q is not t]
                if any(isinstance(o, np.ndarray) and o.size > 1 for o in others):
                    raise Unreadable(f"{t[1].name} beside a vector is not the cost")
            total = _add(total, v if sign > 0 else -v)
        return total
    if kind == "mul":
        return multiply(node, env)
    if kind == "div":
        a, b = value(node[1], env), value(node[2], env)
        if isinstance(a, Jac) or isinstance(b, Jac):
            raise Unreadable("a Jacobian divided")
        return a / b
    if kind == "pow":
        base, ex = value(node[1], env), value(node[2], env)
        if not _is_scalar(ex):
            raise Unreadable("a matrix power")
        if isinstance(base, Jac):
            raise Unreadable("a Jacobian power")
        return base ** _scalar(ex)
    if kind == "T":
        v = value(node[1], env)
        if isinstance(v, Jac):
            return Jac(v.m.T)
        return v.T if isinstance(v, np.ndarray) else v
    if kind == "idx":
        inner = node[1]
        if inner[0] == "call" and "fn:" + inner[1].name in env.aliases:
            from . import entryfuns

            if entryfuns.defined(inner[1], env, indexed=True):  # s(x)_i, \sigma(z)_j
                return entry(entryfuns.apply(inner[1], inner[2], env), index_letters(node[2]), env)
        v = value(inner, env)
        if isinstance(v, Jac):
            raise Unreadable("an entry of a Jacobian")
        if not isinstance(v, np.ndarray):
            raise Unreadable("an entry of a number")
        return entry(v, index_letters(node[2]), env)
    if kind == "call":
        return call(node[1], node[2], env)
    if kind == "d":
        return derivative(node, env)
    if kind == "sum":
        return summation(node, env)
    if kind == "norm":
        v = value(node[1], env)
        return float(np.sqrt(np.sum(np.asarray(v) ** 2)))
    if kind == "jacobian":
        # a Jacobian the note names as a matrix of its own (J^{(l)}): multiplied as one
        v = value(node[1], env)
        return v.m if isinstance(v, Jac) else v
    raise Unreadable(f"{kind}")


def _is_scalar(v) -> bool:
    return not isinstance(v, (np.ndarray, Jac)) or v.size == 1


def _scalar(v) -> float:
    return float(np.asarray(v).reshape(-1)[0]) if isinstance(v, np.ndarray) else float(v)


def _add(a, b):
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape != b.shape:
        if a.size == 1 or b.size == 1:
            return a + b
        if a.shape[0] == b.shape[0] and 1 in (a.shape[1], b.shape[1]):
            return a + b  # a bias column broadcast over examples
        raise Unreadable("a sum of different shapes")
    return a + b


class Jac:
    """A derivative of a vector by a vector: m[i, j] = d out_i / d in_j."""

    def __init__(self, m):
        self.m = m

    def diagonal_vector(self):
        if self.m.shape[0] != self.m.shape[1]:
            return None
        off = self.m - np.diag(np.diag(self.m))
        if np.max(np.abs(off)) > 1e-6:
            return None
        return np.diag(self.m)


# Set by multiply when it read a product of two matrices as elementwise (compare() resets it
# before each reading and names the reading in the verdict).
READ_AS_ELEMENTWISE = [False]


# Set per note by judge: the note fixes its layout itself (jacgrad.py), so a side that is the
# other's transpose is no layout of its own but a mistake.
LAYOUT_FIXED = [False]


# How close two evaluated sides must be to agree (the truth is central finite differences).
TOL = dict(rtol=1e-5, atol=1e-6)


def equal(a, b) -> bool:
    """Whether two evaluated sides agree; ``Unreadable`` when they cannot be compared."""
    if isinstance(a, Jac) or isinstance(b, Jac):
        if isinstance(a, Jac) and isinstance(b, Jac):
            return a.m.shape == b.m.shape and np.allclose(a.m, b.m, **TOL)
        j, v = (a, b) if isinstance(a, Jac) else (b, a)
        v = np.asarray(v, dtype=float)
        if v.shape == j.m.shape:
            return np.allclose(j.m, v, **TOL)
        d = j.diagonal_vector()
        if d is not None and v.size == d.size:
            return np.allclose(d, v.reshape(-1), **TOL)
        raise Unreadable("a Jacobian against a value of another shape")
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size == 1 and b.size == 1:
        return bool(np.allclose(a.reshape(-1), b.reshape(-1), **TOL))
    if (a.size == 1) != (b.size == 1):
        # a number against a vector ((y - \hat y)^2 for a squared norm): not the same reading
        raise Unreadable(f"a number against shape {(b if a.size == 1 else a).shape}")
    if a.shape != b.shape:
        if a.shape == b.shape[::-1] and not LAYOUT_FIXED[0]:
            # a transpose of the other: a layout the note may use for its own names (unless
            # the note states which of its derivatives are rows and which columns: jacgrad)
            raise Unreadable(f"shapes {a.shape} and {b.shape} differ")
        return False  # a gradient has the shape of its variable: another shape is wrong
    return bool(np.allclose(a, b, **TOL))


def multiply(node, env: Env):
    op, a_node, b_node = node[1], node[2], node[3]
    if a_node[0] == "atom" and a_node[1].name == "nabla":
        return nabla(a_node[1], b_node, env)
    a, b = value(a_node, env), value(b_node, env)
    if isinstance(a, Jac) or isinstance(b, Jac):
        if "entryfuns:jacobians" not in env.aliases or isinstance(a, Jac) and isinstance(b, Jac):
            raise Unreadable("a product with a Jacobian")
        # a note of its own functions and vectors: a Jacobian (a row per entry of the
        # function) is the matrix it is, \nabla_s H J_x(s) a row times it (entryfuns)
        a, b = (a.m if isinstance(a, Jac) else a), (b.m if isinstance(b, Jac) else b)
        if _is_scalar(a) or _is_scalar(b):
            return _scalar(a) * b if _is_scalar(a) else a * _scalar(b)
        if a.shape[1] != b.shape[0]:
            raise ShapeMismatch(f"shapes {a.shape} and {b.shape} do not multiply")
        return a @ b
    ones = b_node == ("num", 1.0) or b_node == ("T", ("num", 1.0))
    if ones and op in ("juxt", "cdot") and isinstance(a, np.ndarray) and a.size > 1:
        # a 1 written after a matrix is the vector of ones: A 1 sums the columns, b 1^T
        # repeats a column (\vec 1, \mathbf{1}); which one the shapes decide
        if b_node[0] == "T":
            if a.shape[1] != 1:
                raise Unreadable("1^T after a matrix")
            return a @ np.ones((1, env.state.net.m))
        if a.shape[1] == 1:
            raise Unreadable("a column times 1")
        return a.sum(axis=1, keepdims=True)
    if _is_scalar(a) or _is_scalar(b):
        if op == "otimes" and not (_is_scalar(a) and _is_scalar(b)):
            raise Unreadable("an outer product with a number")
        return _scalar(a) * b if _is_scalar(a) else a * _scalar(b)
    if op in ("odot", "circ", "star"):
        if a.shape != b.shape:
            raise ShapeMismatch(f"an element-wise product of shapes {a.shape} and {b.shape}")
        return a * b
    if op == "otimes":
        if a.shape == b.shape:
            return a * b
        if env.reading.layout == "rows":
            return a.T @ b
        return a @ b.T
    if a.shape[1] == b.shape[0]:
        return a @ b
    if a.shape == b.shape:
        # same shapes that cannot be a matrix product: the author's element-wise product
        # (two vectors, or a batch dC/dA \cdot A(1 - A)); for matrices the verdict says so,
        # since a missing \odot is a slip a reader should hear about even when it holds
        if 1 not in a.shape:
            READ_AS_ELEMENTWISE[0] = True
        return a * b
    raise ShapeMismatch(f"shapes {a.shape} and {b.shape} do not multiply")


def nabla(atom: Atom, operand, env: Env):
    """``\\nabla_{w^l} C``, ``\\nabla_a C``, ``\\nabla C`` (at the output), ``\\nabla W^l``."""
    if atom.sub and operand[0] == "atom" and operand[1].name in ("g", "f", "sigma", "phi"):
        # \nabla_{z} g: the activation's derivative at z, entry by entry
        from .grammar import Parser

        g = operand[1]
        if atom.sub.strip() in ("y", "Y"):
            raise Unreadable(f"{g.name} by the target: a function the note leaves abstract")
        return call(Atom(g.name, None, g.sup, g.primes + 1), [Parser(atom.sub).parse_all()], env)
    if atom.sub:
        from .grammar import Parser

        wrt = Parser(atom.sub).parse_all()
        if wrt[0] == "atom" and wrt[1].name == "a" and wrt[1].sup is None:
            wrt = ("atom", Atom("a", None, "L"))
        return derivative(("d", operand, wrt, None), env)
    if operand[0] == "atom" and is_cost(operand[1]):
        return derivative(("d", operand, ("atom", Atom("a", None, "L")), None), env)
    if operand[0] == "atom" and operand[1].name in ("W", "w", "b"):
        return derivative(("d", ("atom", Atom("C")), operand, None), env)
    if operand[0] == "atom" and operand[1].name in ("z", "Z", "a", "A") and operand[1].sup:
        # \nabla a_k (CS7015's summary): the gradient by a layer's quantity, as \nabla W^l
        return derivative(("d", ("atom", Atom("C")), operand, None), env)
    raise Unreadable("nabla of this")


def example(arr, atom: Atom, env: Env):
    """The column (examples as rows: the row) of a batch quantity that an example index
    letter picks (``y^{(l)}``, ``x^{(p,3)}``: see examples.py)."""
    if not atom.ex:
        return arr
    i = int(atom.ex) - 1 if atom.ex.isdigit() else env.idx.get(atom.ex)  # y^{(1)}: numbered.py
    if i is None:
        raise Unreadable(f"free example index {atom.ex}")
    m = env.state.net.m
    if not isinstance(arr, np.ndarray) or arr.ndim != 2:
        raise Unreadable("an example of a number")
    axis = 1 if env.reading.layout == "cols" else 0
    if arr.shape[axis] != m:
        raise Unreadable(f"{atom.show()} has no example axis")
    if i >= m:
        raise NoLayer("no such example")
    return arr[:, i : i + 1] if axis == 1 else arr[i : i + 1, :]


def _own(atom: Atom, env: Env):
    """A name of the note's own network (``z = W^{(1)} x``, ``a = f(z)``, ``\\hat y =
    W^{(2)} a``, written with no layer and not the drawn network's): through its definition."""
    inner = Env(env.state, env.reading, env.aliases, env.idx, env.depth + 1)
    v = value(env.aliases[Atom(atom.name).show()], inner)
    if not isinstance(v, np.ndarray):
        raise Unreadable("an entry of a defined number")
    v = example(v, atom, env)
    if atom.T:
        v = v.T
    return entry(v, index_letters(atom.sub), env) if atom.sub else v


def atom_value(atom: Atom, env: Env):
    st = env.state
    if (
        "style:sub_layers" in env.aliases
        and atom.name in LAYERED
        and (atom.sub or "").strip().isdigit()
        and (atom.sup or "").strip().isdigit()
        and not atom.T
    ):
        # a_1^2 in a note that writes its layers as subscripts: layer 1's a, squared
        return atom_value(replace(atom, sup=None), env) ** int(atom.sup.strip())
    shown = atom.show()
    if "leaf:" + shown in env.aliases or "unit:" + shown in env.aliases:
        from . import unitnet

        v = unitnet.value(atom, env)  # h_1, w_{11}: a network the note writes unit by unit
        if v is not None:
            return v
    if "own:" + atom.name in env.aliases and atom.sup is None and env.depth < 8:
        return _own(atom, env)
    if env.reading.decay and atom.name == "lambda" and not (atom.sub or atom.sup or atom.T):
        return decay.LAMBDA  # the weight decay's coefficient, a drawn number (decay.py)
    if atom.name in ("Delta_acc", "Delta_accb") and atom.sup:
        # Ng's course's accumulator: the sum over the examples of the data term's gradient
        # (Delta_accb: its column 0, the bias's)
        kind = "W" if atom.name == "Delta_acc" else "b"
        arr = present(decay.accumulated(st, node_of(kind, layer_number(atom.sup, env), env)), env)
        arr = arr.T if atom.T else arr
        return entry(arr, index_letters(atom.sub), env) if atom.sub else arr
    if is_cost(atom):
        return st.cost_of("J" if _mean_name(atom, env) else "C")
    r = role(atom, env)
    if r is not None:
        kind, node, letters, T = r
        if kind in ("dz", "da", "dW", "db"):
            # Ng's dZ and the stacked deltas: of the summed losses; dW, db: of the mean J
            if kind in ("dz", "da"):
                summed = not (env.reading.delta_mean and name_is_delta(atom))
            else:  # dW, db: of the summed cost in a note that never averages (summed.py)
                summed = "style:summed_grads" in env.aliases
            arr = present(st.cost_grad(node, "S" if summed else "J"), env)
        else:
            arr = present(st.values[node], env)
        arr = weights(arr, node, env)
        arr = example(arr, atom, env)
        if T:
            arr = arr.T
        return entry(arr, letters, env) if letters else arr
    if atom.name == "delta" and atom.sup is None and atom.sub:
        letters = index_letters(atom.sub)
        if len(letters) == 2:
            i, j = (env.idx.get(c) for c in letters)
            if i is None or j is None:
                raise Unreadable("free Kronecker index")
            return 1.0 if i == j else 0.0
    if atom.name == "e" and atom.sub is None and atom.sup is None:
        return float(np.e)
    if atom.name in ("m", "N") and atom.sup is None and atom.sub is None:
        return float(st.net.m)
    if atom.name == "n" and atom.sub and atom.sup is None:
        s = strip_layer(atom.sub)
        if s in ("L", "{L}"):
            return float(st.net.widths[-1])
    key = atom.show()
    bare = Atom(atom.name).show()
    if (
        key not in env.aliases
        and bare in env.aliases
        and (atom.sub or atom.T)
        and not atom.sup
        and env.depth < 8
    ):
        # h_c, h^T for a name the note defined as a whole vector (h = \sigma(t))
        inner = Env(env.state, env.reading, env.aliases, env.idx, env.depth + 1)
        live = _live(bare, env)
        v = present(env.state.values[live], env) if live else value(env.aliases[bare], inner)
        if not isinstance(v, np.ndarray):
            raise Unreadable("an entry of a defined number")
        if "ex:" + bare not in env.aliases:
            v = example(v, atom, env)
        if atom.T:
            v = v.T
        return entry(v, index_letters(atom.sub), env) if atom.sub else v
    plain = Atom(atom.name, atom.sub).show()
    if key not in env.aliases and atom.sup and plain in env.aliases and env.depth < 8:
        from .grammar import Parser

        inner = Env(env.state, env.reading, env.aliases, env.idx, env.depth + 1)
        base = value(env.aliases[plain], inner)
        ex = value(Parser(atom.sup).parse_all(), env)
        if isinstance(base, Jac) or not _is_scalar(ex):
            raise Unreadable("a power of this")
        return base ** _scalar(ex)
    if key in env.aliases and "lhs:" + key not in env.aliases and env.depth < 8:
        live = _live(key, env)
        if live:
            v = present(env.state.values[live], env)
            return v if "ex:" + key in env.aliases else example(v, atom, env)
        inner = Env(env.state, env.reading, env.aliases, env.idx, env.depth + 1)
        v = value(env.aliases[key], inner)
        return v if "ex:" + key in env.aliases else example(v, atom, env)
    found = entry_alias(atom, env)
    if found is not None and env.depth < 8:
        tree, pairs = found
        idx = dict(env.idx)
        for d, u in pairs:
            if u not in env.idx:
                raise Unreadable(f"free index {u}")
            idx[d] = env.idx[u]
        return value(tree, Env(env.state, env.reading, env.aliases, idx, env.depth + 1))
    if atom.name in ("N", "n") and atom.sup is None and not atom.T:
        n = stated_width(f"{atom.name}_{{{atom.sub or ''}}}", env)  # N_{out}: a unit count
        if n is not None:
            return float(n)
    raise Unreadable(f"unbound symbol {atom.show()}")


def entry_alias(atom: Atom, env: Env):
    """A name the note defined entry by entry with other index letters (``\\hat p_k^{(p)} =
    softmax(x^{(p,3)})_k`` used as ``\\hat p_j^{(i)}``): (its definition, [(letter in the
    definition, letter here)]), or None."""
    for k, lhs in env.aliases.items():
        if not (isinstance(k, str) and k.startswith("lhs:")):
            continue
        if (lhs.name, lhs.sup, lhs.T, lhs.primes) != (atom.name, atom.sup, atom.T, atom.primes):
            continue
        try:
            dl, ul = index_letters(lhs.sub), index_letters(atom.sub)
        except Unreadable:
            continue
        if len(dl) != len(ul) or bool(lhs.ex) != bool(atom.ex):
            continue
        if any(c.isdigit() for c in dl + ul):
            continue
        pairs = list(zip(dl, ul, strict=True)) + ([(lhs.ex, atom.ex)] if lhs.ex else [])
        return env.aliases[k[4:]], pairs
    return None


def _live(key, env: Env):
    """The node of the network a name the note defined stands for (``t = x W + b`` is z^1,
    ``h = \\sigma(t)`` is a^1), matched once on the unperturbed draw: the name is then read
    from the state, so that a derivative by a node upstream of it (``\\partial h_c /
    \\partial t_d``) sees it change; None for a name that is no node."""
    cache = env.state.net.__dict__.setdefault("_alias_nodes", {})
    ck = (key, env.reading)
    if ck not in cache:
        st = env.state
        base = st if not st.over else State(st.net, st.cost_fn, sum_factor=st.sum_factor)
        try:
            cache[ck] = _alias_node(key, Env(base, env.reading, env.aliases, {}, env.depth + 1))[0]
        except (Unreadable, ValueError, TypeError, FloatingPointError, ZeroDivisionError):
            cache[ck] = None
    return cache[ck]


def activation_of(fatom: Atom, args, env: Env) -> str:
    """The activation a generic name (g, f, \\phi) stands for, at the layer of its argument."""
    net = env.state.net
    if fatom.sup:
        p = layer_number(fatom.sup, env)
        return net.acts[node_of("z", p, env)[1]]
    layer = _first_layer(args[0], env)
    if layer is None:
        acts = set(net.acts[1:-1]) or {net.acts[-1]}
        if len(acts) != 1:
            raise Unreadable("which layer's activation")
        return acts.pop()
    return net.acts[layer]


def _first_layer(node, env):
    if node[0] == "atom":
        r = role(node[1], env)
        if r and r[1][0] in ("z", "a"):
            return r[1][1] if r[1][0] == "z" else None
        return None
    for part in node[1:]:
        if isinstance(part, tuple) and part and isinstance(part[0], str):
            k = _first_layer(part, env)
            if k is not None:
                return k
        if isinstance(part, list):
            for q in part:
                q = q[1] if isinstance(q, tuple) and len(q) == 2 and isinstance(q[0], int) else q
                if isinstance(q, tuple):
                    k = _first_layer(q, env)
                    if k is not None:
                        return k
    return None


def call(fatom: Atom, args, env: Env):
    name = fatom.name
    if "fn:" + name in env.aliases:
        from . import entryfuns

        if entryfuns.defined(fatom, env, indexed=False):
            return entryfuns.apply(fatom, args, env)  # s(x): the note's own, by its entries
    alias = env.aliases.get("call:" + name)
    if alias is not None and len(args) == 1 and args[0] == ("atom", Atom("x")):
        return value(alias, env)  # f(x) = a^{(O)}: the network's output, as the note says
    if fatom.sup and name in ("tanh", "sigma", "sigmoid", "relu", "ReLU", "exp", "log", "ln"):
        if not fatom.sup.strip().isdigit():
            if name == "sigma" and not fatom.sub:
                # \sigma^l(z^l), \sigma^{[l]}: the activation of layer l, as g^{[l]} is
                return call(Atom("g", None, fatom.sup, fatom.primes), args, env)
            raise Unreadable(f"{name} with a superscript")
        v = call(Atom(name, fatom.sub, None, fatom.primes), args, env)
        return v ** int(fatom.sup.strip())
    if name in COSTS and name not in ("l",) or name == "l" and len(args) >= 1:
        if fatom.primes == 1 and name == "C":
            return derivative(("d", ("atom", Atom("C")), ("atom", Atom("a", None, "L")), None), env)
        if fatom.primes:
            raise Unreadable("a derivative of the cost")
        pick = _example_args(args, env)
        if pick is not None:
            return example_cost(env.state, *pick)
        return env.state.cost()
    if name == "np.sum" or name == "sum":
        v = value(args[0], env)
        kws = [a[1] for a in args[1:] if a[0] == "kw"]
        axis = None
        for k in kws:
            if k.startswith("axis="):
                axis = int(k[5:])
        if name == "sum" and axis is None:
            axis = 1 if env.reading.layout == "cols" else 0
        if axis is None:
            return float(np.sum(v))
        return np.sum(v, axis=axis, keepdims=True)
    if len(args) != 1:
        if name == "max" and len(args) == 2:
            a, b = value(args[0], env), value(args[1], env)
            return np.maximum(a, b)
        raise Unreadable(f"{name} of {len(args)} arguments")
    x = value(args[0], env)
    if isinstance(x, Jac):
        raise Unreadable("a function of a Jacobian")
    d = fatom.primes
    if name in ("sigma", "sigmoid"):
        if fatom.sup or fatom.sub:
            raise Unreadable("a decorated sigma")
        act = "sigmoid"
    elif name in ("relu", "ReLU"):
        act = "relu"
    elif name == "tanh":
        act = "tanh"
    elif name in ("g", "f", "phi"):
        if fatom.sub:
            raise Unreadable("an indexed function")
        act = activation_of(fatom, args, env)
    elif name == "softmax":
        if d:
            raise Unreadable("softmax'")
        return softmax(np.asarray(x, dtype=float).reshape(-1, 1)).reshape(np.shape(x))
    elif name == "exp" and not d:
        return np.exp(x)
    elif name in ("log", "ln") and not d:
        if np.any(np.asarray(x) <= 0):
            raise Unreadable("log of a non-positive number")
        out = np.log(x)
        return out / np.log(10) if name == "log" and env.reading.log10 else out
    elif name == "abs" and not d:
        if not _is_scalar(x):
            raise Unreadable("|v| of a vector: its norm or its entries")
        return abs(_scalar(x))
    elif name == "sqrt" and not d:
        return np.sqrt(x)
    elif name == "diag" and not d:
        if not isinstance(x, np.ndarray) or 1 not in x.shape:
            raise Unreadable("diag of this")
        return np.diagflat(x)  # the square matrix with the vector on its diagonal
    elif name == "H" and not d:
        return (np.asarray(x) > 0).astype(float) if isinstance(x, np.ndarray) else float(x > 0)
    else:
        raise Unreadable(f"function {name}")
    if act == "softmax":
        if d and name in ("g", "f", "phi") and "l" in env.idx:
            # g'(z^l) at every layer l: the hidden layers' activation, which the softmax
            # output is not (that layer is not one of the claim's)
            raise NoLayer("g' at the softmax layer")
        if d:
            raise Unreadable("the derivative of softmax as a function of one variable")
        return softmax(np.asarray(x, dtype=float))
    arr = np.asarray(x, dtype=float)
    if d == 0:
        out = ACT[act](arr)
    elif d == 1:
        out = DACT[act](arr)
    else:
        raise Unreadable("a second derivative")
    return out if isinstance(x, np.ndarray) else float(out)


def _example_args(args, env: Env):
    """(input example, target example) a cost's arguments name (``J(W,b;x^{(k)},y^{(k)})``),
    or None when they name no example."""
    got = {}
    for a in args:
        if a[0] == "atom" and a[1].ex and a[1].name in ("x", "X", "y", "Y"):
            i = env.idx.get(a[1].ex)
            if i is None:
                raise Unreadable(f"free example index {a[1].ex}")
            got[a[1].name.lower()] = i
    if not got:
        return None
    kx = got.get("x", got.get("y"))
    ky = got.get("y", kx)
    if max(kx, ky) >= env.state.net.m:
        raise NoLayer("no such example")
    return kx, ky


def example_cost(st: State, kx: int, ky: int) -> float:
    """The cost of one example: the network's output at input example ``kx`` against the
    target of example ``ky`` (the same example when the note writes it right)."""
    import copy

    net = copy.copy(st.net)
    net.params = dict(st.net.params)
    net.m = 1
    over = {}
    for key, v in {**st.net.params, **st.over}.items():
        if key[0] in ("a", "z") or key == ("y", 0):
            col = ky if key == ("y", 0) else kx
            v = v[:, col : col + 1]
        if key in st.over:
            over[key] = v
        else:
            net.params[key] = v
    return State(net, decay.data_term(st), over, 1.0).cost()  # an example's: no decay


def denominator(node, env: Env):
    """(node key, internal entry or None) for the variable of a derivative."""
    if node[0] == "T":
        return denominator(node[1], env)
    if node[0] != "atom":
        raise Unreadable("a derivative by an expression")
    atom = node[1]
    if "leaf:" + atom.show() in env.aliases:
        from . import unitnet

        return unitnet.leaf_node(atom, env), (0, 0)  # w_{11} of a network written unit by unit
    if "unit:" + atom.show() in env.aliases:
        from . import unitnet

        return unitnet.unit_node(atom, env), (0, 0)  # h_1 of a network written unit by unit
    if "own:" + atom.name in env.aliases and atom.sup is None and not atom.sub:
        # z of the note's own network (z = w x + b, ownnet): the cost is computed through its
        # definition, so the drawn network's last z (the bare name's role) is not what it
        # depends on; the node whose value z's definition has, or no derivative at all
        return _alias_node(Atom(atom.name).show(), env)
    r = role(atom, env)
    if r is None or r[0] not in ("W", "b", "z", "a", "val") or r[1][0] == "y":
        key = atom.show()
        if key in env.aliases:
            return _alias_node(key, env)
        bare = Atom(atom.name).show()
        if bare in env.aliases and atom.sub and not atom.sup:
            # v_b for v = h W + b: an entry of the network quantity the name stands for
            nd, _ = _alias_node(bare, env)
            r = ("val", nd, index_letters(atom.sub), False)
        else:
            raise Unreadable(f"a derivative by {atom.show()}")
    kind, nd, letters, _ = r
    if atom.ex and nd[0] in ("z", "a"):
        # an entry of one example's vector (x^{(p,3)}_q): that example's column
        col = env.idx.get(atom.ex)
        if col is None or len(letters) != 1 or letters[0] not in env.idx:
            raise Unreadable("a derivative by a whole example")
        shape = env.state.values[nd].shape
        ent = (env.idx[letters[0]], col)
        if ent[0] >= shape[0] or ent[1] >= shape[1]:
            raise NoLayer("index out of range")
        return nd, ent
    if not letters:
        return nd, None
    pos = []
    for ch in letters:
        if ch.isdigit():
            if env.state.values[nd].size == 1:
                raise Unreadable("a numbered entry of a single unit")
            pos.append(numbered(ch))
            continue
        if ch not in env.idx:
            raise Unreadable(f"free index {ch}")
        pos.append(env.idx[ch])
    shape = env.state.values[nd].shape
    if len(pos) == 1:
        if shape[1] != 1 and shape[0] != 1:
            raise Unreadable("one index on a matrix")
        if pos[0] >= max(shape):
            raise NoLayer("index out of range")
        ent = (pos[0], 0) if shape[1] == 1 else (0, pos[0])
        return nd, ent
    ent = tuple(pos)
    if env.reading.layout == "rows" or _stored_in_out(nd, env):
        ent = (ent[1], ent[0])
    if ent[0] >= shape[0] or ent[1] >= shape[1]:
        raise NoLayer("index out of range")
    return nd, ent


def _alias_node(key, env):
    """A name the note defined, as the node of the network whose value it equals."""
    v = value(env.aliases[key], env)
    if not isinstance(v, np.ndarray):
        raise Unreadable("a derivative by a defined number")
    for nd, val in env.state.values.items():
        pv = present(val, env)
        if pv.shape == v.shape and np.allclose(pv, v, rtol=1e-9, atol=1e-12):
            return nd, None
    raise Unreadable(f"{key} is not a quantity of the network")


def derivative(node, env: Env):
    _, num, den, operand = node
    f = num if num is not None else operand
    if f[0] == "atom" and f[1].name in ("sigma", "g", "f", "phi") and not f[1].sub:
        # \partial\sigma / \partial z^l: the activation's derivative at z^l, entry by entry
        fa = f[1]
        if den[0] == "atom" and "leaf:" + den[1].show() in env.aliases:
            raise Unreadable(f"{fa.name} by a number of the note's own network")
        if den[0] == "atom" and den[1].name in ("y", "Y"):
            raise Unreadable(f"{fa.name} by the target: a function the note leaves abstract")
        return call(Atom(fa.name, None, fa.sup, fa.primes + 1), [den], env)
    if den[0] == "atom" and (env.aliases.get(Atom(den[1].name).show()) or ("",))[0] == "entryfn":
        from . import entryfuns

        return entryfuns.by_own(f, den[1], env)  # \nabla_{\mathbf s} H: s the note's function

    if den[0] == "atom" and den[1].ex and not den[1].primes and _is_cost_node(f, env):
        # \partial J / \partial z_2^{(i)}: example i's column of the gradient by the batch
        whole = derivative(("d", num, ("atom", replace(den[1], ex=None)), operand), env)
        if isinstance(whole, np.ndarray) and whole.ndim == 2:
            return example(whole, den[1], env)
    nd, ent = denominator(den, env)

    def g(state):
        return value(f, env.with_state(state))

    st = env.state
    if ent is not None:
        plus = g(st.perturbed(nd, ent, H))
        minus = g(st.perturbed(nd, ent, -H))
        if isinstance(plus, Jac):
            raise Unreadable("a derivative of a Jacobian")
        return (plus - minus) / (2 * H)
    if (
        f[0] == "atom"
        and is_cost(f[1])
        or (f[0] == "call" and f[1].name in COSTS and _example_args(f[2], env) is None)
    ):
        grad = st.cost_grad(nd, "J" if _mean_name(f[1], env) else "C")
        return weights(present(grad, env), nd, env)
    base = g(st)
    if isinstance(base, Jac):
        raise Unreadable("a derivative of a Jacobian")
    if _is_scalar(base):
        key = (repr(f), tuple(sorted(env.idx.items())), nd)
        if key not in st.cache:
            st.cache[key] = st.grad(lambda s: _scalar(g(s)), nd)
        return weights(present(st.cache[key], env), nd, env)
    # a vector by a vector: the Jacobian, numerator layout
    src = st.values[nd]
    if 1 not in src.shape or 1 not in base.shape:
        raise Unreadable("a derivative of a matrix by a matrix")
    cols = []
    for e in np.ndindex(*src.shape):
        plus = np.asarray(g(st.perturbed(nd, e, H))).reshape(-1)
        minus = np.asarray(g(st.perturbed(nd, e, -H))).reshape(-1)
        cols.append((plus - minus) / (2 * H))
    return Jac(np.array(cols).T)


def _is_cost_node(f, env: Env) -> bool:
    return f[0] == "atom" and is_cost(f[1]) and not f[1].sub


def _kronecker_partners(var: str, node) -> set[str]:
    out = set()
    text = repr(node)
    for sub in re.findall(r"name='delta', sub='([a-z]{2})', sup=None", text):
        if var in sub and sub != var * 2:
            out.add(sub.replace(var, "", 1))
    return out


def sum_range(var: str, node, env: Env, seen: frozenset = frozenset()) -> int:
    """How far an index runs: the size of the dimension it indexes in the body."""
    found = []
    _ranges(var, node, env, found)
    sizes = [f for f in found if f is not None]
    if not found and not seen:
        # an index only in Kronecker deltas (\\delta_{cd} x_f \\delta_{dg}): its partner's range
        for partner in sorted(_kronecker_partners(var, node)):
            try:
                sizes.append(sum_range(partner, node, env, seen | {var}))
                break
            except NoLayer:
                raise
            except Unreadable:
                continue
    if not sizes:
        if found:
            raise NoLayer(f"the range of {var} at a layer the network does not have")
        raise Unreadable(f"the range of {var}")
    return sizes[0]


def _ranges(var, node, env, found):
    if not isinstance(node, tuple):
        return
    if node[0] == "atom":
        a = node[1]
        if a.ex == var:
            found.append(env.state.net.m)  # an example index runs over the drawn batch
            return
        try:
            letters = index_letters(a.sub)
        except Unreadable:
            return
        if var in letters:
            try:
                r = role(a, env)
            except NoLayer:
                found.append(None)
                return
            except Unreadable:
                return
            if r is None:
                alias = entry_alias(a, env) if env.depth < 8 else None
                if alias is not None:
                    # its range does not depend on which entry: unset letters read as the first
                    idx = {d: env.idx.get(u, 0) for d, u in alias[1]}
                    inner = Env(env.state, env.reading, env.aliases, {**env.idx, **idx},
                                env.depth + 1)  # fmt: skip
                    for d, u in alias[1]:
                        if u == var:
                            _ranges(d, alias[0], inner, found)
                    return
                bare = Atom(a.name).show()
                if bare in env.aliases and env.depth < 8:
                    try:
                        v = value(env.aliases[bare], Env(env.state, env.reading, env.aliases,
                                                         env.idx, env.depth + 1))  # fmt: skip
                    except Unreadable:
                        return
                    if isinstance(v, np.ndarray) and len(letters) == 1:
                        found.append(max(v.shape))
                return
            kind, nd, lts, T = r
            arr = env.state.values[nd]
            arr = present(arr, env)
            if a.ex:  # one example's vector: the entries, not the examples
                arr = example(arr, a, env.with_idx(**{a.ex: 0}))
            if T:
                arr = arr.T
            pos = lts.index(var)
            m = env.state.net.m
            if len(lts) == 1 and env.reading.layout == "rows" and m > 1 and arr.shape[0] == m:
                found.append(m)  # a batch written as rows: one index is the example (entry)
            elif len(lts) == 1:
                found.append(max(arr.shape))
            else:
                found.append(arr.shape[pos])
        return
    if node[0] == "idx":
        letters = index_letters(node[2]) if _IDX.fullmatch(node[2] or "") else []
        if var in letters:
            try:
                v = value(node[1], env)
                if isinstance(v, np.ndarray):
                    # (\nabla W^l)_{jk}: an entry of a matrix by row and column
                    found.append(v.shape[letters.index(var)] if len(letters) == 2 else max(v.shape))
            except Unreadable:
                pass
    for part in subtrees(node):
        _ranges(var, part, env, found)


def summation(node, env: Env):
    _, var, exclude, body, hi = node
    if var is None and env.reading.batch and mentions(body, {"Z", "A", "dZ", "dA", "Delta"}):
        # \sum dZ^l with no index (Ng's db): over the examples, as sum(dZ) and np.sum read
        return value(("call", Atom("sum"), [body]), env)
    if var is None:
        raise Unreadable("a sum without its index")
    if hi in ("m", "N", "n") and var not in free_indices(body):
        # a sum over the examples whose terms are written for the whole batch: every entry
        v = value(body, env)
        if isinstance(v, Jac):
            raise Unreadable("a sum of Jacobians")
        if not isinstance(v, np.ndarray):
            return v  # a number over the batch (a norm): the examples are already in it
        return np.sum(v, axis=1 if env.reading.layout == "cols" else 0, keepdims=True)
    n = stated_width(hi, env)
    if n is None:
        n = sum_range(var, body, env)
    total = 0.0
    for i in range(n):
        if exclude is not None and env.idx.get(exclude) == i:
            continue
        v = value(body, env.with_idx(**{var: i}))
        if isinstance(v, Jac):
            raise Unreadable("a sum of Jacobians")
        total = _add(total, v)
    return total


def stated_width(hi, env: Env) -> int | None:
    """The bound of a sum when it names a layer's width in UFLDL's notation (``s_{n_l}``,
    ``s_{l+1}``: the number of units of that layer) or as ``N_{out}``, ``N_{in}``, else None."""
    io = re.fullmatch(r"[Nn]_\{?\s*(out|in|output|input)\s*\}?", (hi or "").strip())
    if io:  # N_{out}, n_{in}: the number of output (input) units
        top = env.state.net.N if io.group(1).startswith("out") else 0
        return int(env.state.values[("a", top)].shape[0])
    m = re.fullmatch(r"s_\{?\s*\(?([^{}()]+?)\)?\s*\}?", (hi or "").strip())
    if not m:
        return None
    try:
        p = layer_number(m.group(1), env)
    except NoLayer:
        raise
    except Unreadable:
        return None
    return int(env.state.values[node_of("a", p, env)].shape[0])


_IDX = re.compile(r"[a-z]|[a-z]\s*,?\s*[a-z]")  # the subscript of a bracket: an entry


def free_indices(node, bound=frozenset()) -> set[str]:
    """Index letters used in entries and not bound by a sum."""
    out: set[str] = set()
    if not isinstance(node, tuple):
        return out
    if node[0] == "sum":
        return free_indices(node[3], bound | {node[1]})
    if node[0] == "atom":
        a = node[1]
        if a.name in ("n", "m", "e", "N", "K", "nabla"):
            return out
        if a.name in COSTS and a.name != "delta":
            sub = (a.sub or "").strip()
            if not (sub in ("i", "j", "p") and a.name in ("J", "cal_J")):
                return out  # J_i: example i's loss, its index free as any other
            return {sub} - set(bound)
        try:
            letters = index_letters(a.sub)
        except Unreadable:
            return out
        if a.ex:
            letters = letters + [a.ex]  # the example a superscript names (examples.py)
        return {c for c in letters if c.isalpha() and c not in bound}
    if node[0] == "idx":
        if _IDX.fullmatch(node[2] or ""):
            out |= set(index_letters(node[2])) - set(bound)
    for part in subtrees(node):
        out |= free_indices(part, bound)
    return out


def uses_layer_l(node) -> bool:
    text = repr(node).replace("\\\\ell", "l")
    return bool(re.search(r"(sup|sub)='[^']*(?<![A-Za-z_\\])l(?![A-Za-z])", text))


def mentions_batch(node) -> bool:
    """Whether a tree is written for a batch: 1/m, or a sum up to m or N."""
    return mentions(node, {"m", "N"}) or bool(re.search(r", '(m|N)'\)", repr(node)))


def mentions(node, names: set[str]) -> bool:
    if not isinstance(node, tuple):
        return False
    if node[0] in ("atom", "call") and node[1].name in names:
        return True
    for part in subtrees(node):
        if mentions(part, names):
            return True
    return False


COST_FNS = {
    "half_sq": lambda st: (
        0.5 * float(np.sum((st.values[("a", st.net.N)] - st.values[("y", 0)]) ** 2))
    ),
    "sq": lambda st: float(np.sum((st.values[("a", st.net.N)] - st.values[("y", 0)]) ** 2)),
}


def ce_cost(st: State) -> float:
    a, y = st.values[("a", st.net.N)], st.values[("y", 0)]
    if st.net.acts[-1] == "softmax":
        return float(-np.sum(y * np.log(a)))
    return float(-np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)))


def abstract_cost(st: State) -> float:
    c, d = st.net.abstract
    a = st.values[("a", st.net.N)]
    return float(np.sum(c * a**2 + d * a))


def sigmoid_check():
    return sigmoid
