"""A function the note defines by its entries, bound as that function.

Softmax derivations name softmax as a function of their own and define it entry by entry:
``s(\\mathbf x)_i = \\frac{e^{x_i}}{\\sum e^{x_j}}``, ``\\sigma(\\vec z)_j = …``, ``S(z)_k =
…``. Such a definition binds the name to what it computes: applied to any argument (``s(\\mathbf
x)_i``, ``s(\\mathbf x + c)_i``) the function is evaluated entry by entry through its body, the
parameter replaced by the argument's value on the drawn network, so a claim about it
(``\\frac{\\partial s(\\mathbf x)_i}{\\partial x_j} = -s(\\mathbf x)_i s(\\mathbf x)_j``) is
judged by finite differences like any other. A name the note introduces this way (``s``, not a
function the model already knows) also stands, written bare, for the function at the note's own
argument: ``\\mathbf s`` and ``s_i`` are ``s(\\mathbf x)`` and its entry i.

A function name the model already knows (``\\sigma``) keeps its usual meaning unless it is
written with an entry index (``\\sigma(z)_j``): a note may define its softmax as σ by entries
and still mean the sigmoid where it writes ``\\sigma(z^{(1)})``.

Before the formulas are parsed, ``declare`` finds the names so that ``s(\\mathbf x)_i`` parses
as an application (the grammar reads any other name before parentheses as a product).
"""

from __future__ import annotations

import re

import numpy as np

from . import bind
from .grammar import COSTS, FUNCTIONS, Atom, Unreadable, atoms, parse, subtrees

_LHS = re.compile(r"\s*(\\?[A-Za-z]+)\s*\(([^()]*)\)\s*_\s*(\{\s*[a-z]\s*\}|[a-z])\s*")
# names of the network's quantities: never read as a function the note defines
_NETWORK = set(bind.LAYERED) | set(bind.VECTOR_NAMES) | bind.OUTPUT_NAMES
_QUANTITIES = set(bind.LAYERED) | set(bind.VECTOR_NAMES) | bind.OUTPUT_NAMES | set(COSTS)


def declare(stmts, functions: set[str]) -> None:
    """Add ``entry:NAME`` to the parser's functions for every ``NAME(args)_i = …``."""
    _index_first(stmts)
    for members in stmts:
        if len(members) < 2 or members[1].rel not in ("=", ":=", "\\equiv"):
            continue
        m = _LHS.fullmatch(members[0].text)
        if not m:
            continue
        try:
            head = parse(m.group(1))
        except Unreadable:
            continue
        if head[0] != "atom" or head[1].sub or head[1].sup or head[1].name in _QUANTITIES:
            continue
        functions.add("entry:" + head[1].name)


_SUB_LHS = re.compile(
    r"\s*(\\?[A-Za-z]+)\s*_\s*(?:\{\s*([a-z])\s*\}|([a-z]))\s*\(\s*([^()]*?)\s*\)\s*"
)
_VECTOR = re.compile(r"(?:\\(?:mathbf|boldsymbol|bm|vec|textbf)\s*\{\s*)?([A-Za-z])\s*\}?")


def _index_first(stmts) -> None:
    """``\\sigma_i(\\mathbf z) = \\frac{e^{z_i}}{\\sum_j e^{z_j}}``: the entry index written on
    the function's name, before its argument, is the same definition as ``\\sigma(\\mathbf
    z)_i``. The note's applications of the name to that same argument (``\\sigma_j(\\mathbf
    z)``) are rewritten to the entry form the model reads; ``\\sigma_i(1 - \\sigma_i)``, with
    another argument, stays a product. Only a body that takes the argument's entry by the
    definition's index (``z_i``) makes such a definition: ``f_i(x) = …`` with no ``x_i`` may be
    anything."""
    found = {}
    for members in stmts:
        if len(members) < 2 or members[1].rel not in ("=", ":=", "\\equiv"):
            continue
        m = _SUB_LHS.fullmatch(members[0].text)
        if not m:
            continue
        name, index, arg = m.group(1), m.group(2) or m.group(3), m.group(4)
        v = _VECTOR.fullmatch(arg)
        if not v or v.group(1) == index or name in ("\\delta", "\\partial", "\\frac"):
            continue
        entry = re.compile(rf"(?<![A-Za-z\\]){v.group(1)}\s*_\s*(?:\{{\s*{index}\s*\}}|{index})")
        if not entry.search(members[1].text):
            continue
        found.setdefault(name, re.sub(r"\s+", "", arg))
    if not found:
        return
    for members in stmts:
        for mem in members:
            mem.text = _SUB_CALL.sub(lambda m: _to_entry(m, found), mem.text)


_SUB_CALL = re.compile(r"(\\?[A-Za-z]+)\s*_\s*(\{\s*[a-z]\s*\}|[a-z])\s*\(\s*([^()]*?)\s*\)")


def _to_entry(m, found) -> str:
    name, index, arg = m.group(1), m.group(2), m.group(3)
    if found.get(name) != re.sub(r"\s+", "", arg):
        return m.group(0)
    return f"{name}({arg})_{index}"


def _unindexed_sums(node, index: str):
    """``\\sum e^{x_j}`` with no index written: the one letter its body leaves free (other
    than the definition's own index) is the summed one."""
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "sum" and node[1] is None:
        free = bind.free_indices(node[3]) - ({index} if isinstance(index, str) else set(index))
        if len(free) == 1:
            node = ("sum", free.pop(), *node[2:])
    return _rebuild(node, lambda t: _unindexed_sums(t, index))


def _rebuild(node, f):
    out = [node[0]]
    for part in node[1:]:
        if isinstance(part, tuple) and part and isinstance(part[0], str):
            out.append(f(part))
        elif isinstance(part, list):
            out.append([(q[0], f(q[1]))
                        if isinstance(q, tuple) and len(q) == 2 and isinstance(q[0], int)
                        else f(q) if isinstance(q, tuple) else q for q in part])  # fmt: skip
        else:
            out.append(part)
    return tuple(out)


def collect(note, stmts) -> None:
    """Bind every function the note defines by its entries (after parsing): ``fn:NAME`` ->
    (parameter names, entry index, body); and a new name written bare to the function at its
    own parameters."""
    # a name the note defines written bare (\mathbf s = …); its entry stated again (\sigma_i =
    # \frac{e^{z_i}}{S}, the same function's entry), or the vector written out in a form not
    # read (\boldsymbol\sigma = (\sigma_1, \sigma_2, \sigma_3)^T), leaves it to the function
    bare_defined = {
        ms[0].tree[1].name
        for ms in stmts
        if len(ms) > 1
        and ms[0].tree is not None
        and ms[0].tree[0] == "atom"
        and ms[1].tree is not None
        and not re.fullmatch(r"\s*\{?\s*[a-z]\s*\}?\s*", ms[0].tree[1].sub or "")
    }
    fns = {f[6:] for f in note.functions if f.startswith("entry:")}
    if not fns:
        _whole_functions(note, stmts, fns)
        return
    for members in stmts:
        for m in members:
            if m.tree is not None:
                m.tree = _jacobians(_powers(m.tree, fns), fns)
        lhs = members[0].tree
        if lhs is not None and len(members) > 1:
            own = bind.free_indices(lhs)
            for m in members[1:]:
                if m.tree is not None:
                    m.tree = _unindexed_sums(m.tree, own)  # \sum e^{x_j + c} in a claim
    for members in stmts:
        if len(members) < 2 or members[1].rel not in ("=", ":=", "\\equiv"):
            continue
        lhs, rhs = members[0].tree, members[1].tree
        if lhs is None or rhs is None or lhs[0] != "idx" or lhs[1][0] != "call":
            continue
        fatom, args, index = lhs[1][1], lhs[1][2], lhs[2]
        if "entry:" + fatom.name not in note.functions or "fn:" + fatom.name in note.aliases:
            continue
        if not index.isalpha() or len(index) != 1:
            continue
        if not all(a[0] == "atom" and a[1].sub is None and a[1].sup is None for a in args):
            continue
        params = [a[1].name for a in args]
        body = _unindexed_sums(rhs, index)
        if bind.free_indices(body) != {index} or _self_reference(body, fatom.name):
            continue
        note.aliases["fn:" + fatom.name] = (params, index, body)
        name = fatom.name
        at = _applied_to(stmts, name, members[0])
        for var in [a[1] for a in at] + [a[1] for a in args]:
            key = Atom(var.name).show()
            if var.name not in _NETWORK and key not in note.aliases and var.name not in fns:
                # a vector of the note's own (v in S(\mathbf v)_k): any vector, the drawn input
                note.aliases[key] = ("atom", Atom("x"))
        if len(params) == 1 and name not in bare_defined and len(at) <= 1:
            # \mathbf s, s_i, \sigma_i: the function at the one variable the note applies it
            # to (its own parameter when it applies it to none)
            arg = at.pop() if at else args[0]
            note.aliases.setdefault(Atom(name).show(), ("entryfn", Atom(name), [arg]))
    at = {}  # J_\sigma: the function of one vector at the one vector the note applies it to
    for key, (params, _, _) in [(k, v) for k, v in note.aliases.items() if str(k)[:3] == "fn:"]:
        applied = _applied_to(stmts, key[3:], None)
        if len(params) == 1 and len(applied) <= 1:
            at[key[3:]] = applied.pop() if applied else ("atom", Atom(params[0]))
    if at:
        for members in stmts:
            for m in members:
                if m.tree is not None:
                    m.tree = _named_jacobians(m.tree, at)
    _whole_functions(note, stmts, {k[3:] for k in note.aliases if str(k).startswith("fn:")})
    _constants(note, stmts, {k[3:] for k in note.aliases if str(k).startswith("fn:")})


_GENERIC = {"g", "f", "h", "phi", "varphi", "sigma", "psi"}


def _whole_functions(note, stmts, fns) -> None:
    """``H(\\mathbf y, \\mathbf s) = -\\sum_{i=1}^n y_i \\log s_i``: a function of several
    vectors the note defines as a whole (not a cost name the model already reads): ``fn:H``
    with no entry index; written bare (``\\nabla_{\\mathbf s} H``) it is the function at its
    own parameters."""
    for members in stmts:
        if len(members) < 2 or members[1].rel not in ("=", ":=", "\\equiv"):
            continue
        lhs, rhs = members[0].tree, members[1].tree
        if lhs is None or rhs is None or lhs[0] != "call" or len(lhs[2]) < 2:
            continue
        fatom, args = lhs[1], lhs[2]
        if fatom.sub or fatom.sup or fatom.primes or "fn:" + fatom.name in note.aliases:
            continue
        if not all(a[0] == "atom" and a[1].sub is None and a[1].sup is None for a in args):
            continue
        params = [a[1].name for a in args]
        if fatom.name in _QUANTITIES:
            continue  # a cost (L, J, E): read as the note's cost
        calls = set()
        _call_names(rhs, calls)
        if calls & (_GENERIC | {fatom.name}) or bind.free_indices(rhs):
            continue  # through an abstract activation, or not one number per argument
        used = set()
        _atom_names(rhs, used)
        if not set(params) <= used:
            continue
        note.aliases["fn:" + fatom.name] = (params, None, rhs)
        note.aliases.setdefault(Atom(fatom.name).show(), ("entryfn", fatom, list(args)))


def _call_names(node, out) -> None:
    if not isinstance(node, tuple) or not node:
        return
    if node[0] == "call" and isinstance(node[1], Atom):
        out.add(node[1].name)
    for part in subtrees(node):
        _call_names(part, out)


def _atom_names(node, out) -> None:
    if not isinstance(node, tuple) or not node:
        return
    if node[0] == "atom":
        out.add(node[1].name)
    for part in subtrees(node):
        _atom_names(part, out)


def settle(note, stmts) -> None:
    """After the note's conventions are inferred: a function bound here is no longer "a
    function the note defines" that blocks its claims; a later line with the same left-hand
    side as its definition (``H(\\mathbf y, \\mathbf s) = -\\mathbf y \\log \\mathbf s^\\top``)
    is a claim about it. A note that writes no forward equation and applies its own functions
    to vectors of its own writes those vectors in either layout (nothing says which: rows and
    columns are both readings), all of one width (the argument, the output and the target), and
    a function that computes softmax makes the target one-hot (a class)."""
    fns = {k[3:] for k in note.aliases if isinstance(k, str) and k.startswith("fn:")}
    if not fns:
        return
    note.own_functions -= fns
    seen = set()
    for members in stmts:
        lhs = members[0].tree
        if len(members) < 2 or lhs is None:
            continue
        head = lhs[1] if lhs[0] == "call" else lhs[1][1] if lhs[0] == "idx" else None
        if not isinstance(head, Atom) or head.name not in fns:
            continue
        if repr(lhs) in seen:
            note.kinds.pop(id(members[0]), None)  # said again: a claim
        seen.add(repr(lhs))
    if note.forward:
        return
    if note.layout is None:
        note.conventions = [("cols", 0, 0), ("rows", 0, 0)]
    note.own_widths = [4, 4]
    note.aliases["entryfuns:jacobians"] = True  # its Jacobians multiply as matrices
    if any(_is_softmax(note, f) for f in fns):
        note.output_options = ["softmax"]


def _is_softmax(note, name) -> bool:
    params, index, body = note.aliases["fn:" + name]
    if index is None or len(params) != 1:
        return False
    from .instance import Net, State, softmax

    net = Net([4, 4], ["input", "identity"], 0)
    env = bind.Env(State(net, bind.abstract_cost), bind.Reading(), note.aliases)
    v = np.array([[0.3], [-1.2], [0.8], [2.0]])
    try:
        got = apply(Atom(name), [("const", v)], env)
    except (Unreadable, ValueError, TypeError, FloatingPointError, ZeroDivisionError):
        return False
    return bool(np.allclose(got, softmax(v), rtol=1e-9, atol=1e-12))


def _constants(note, stmts, fns) -> None:
    """A letter the note adds to (or multiplies) the argument of its own function and binds
    nowhere else (``s(\\mathbf x + c)_i``, "a constant c"): a number, the same in every claim,
    so that an identity in it (invariance to the shift) is judged at one value of it."""
    indices = set()
    for members in stmts:
        for m in members:
            indices |= bind.free_indices(m.tree) if m.tree is not None else set()
    found = []

    def walk(node, inside):
        if not isinstance(node, tuple) or not node:
            return
        if node[0] == "call" and isinstance(node[1], Atom) and node[1].name in fns:
            for a in node[2]:
                if a[0] != "atom":
                    walk(a, True)
            return
        if inside and node[0] == "atom":
            found.append(node[1])
        for part in subtrees(node):
            walk(part, inside)

    for members in stmts:
        for m in members:
            walk(m.tree, False)
    for a in found:
        key = a.show()
        if a.sub or a.sup or a.T or a.primes or len(a.name) != 1 or a.name in indices:
            continue
        if a.name in _NETWORK or a.name == "e" or key in note.aliases or a.name in fns:
            continue
        note.aliases[key] = ("num", 0.7318)
        note.aliases["const:" + a.name] = True


def _jacobians(node, fns):
    """``\\mathbf J_{\\mathbf x}(\\mathbf s)``: the Jacobian of the note's own function s by
    its argument x, a row per entry of s (J is no cost here)."""
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "call" and isinstance(node[1], Atom) and node[1].name == "J":
        a, args = node[1], node[2]
        by = re.fullmatch(r"\s*([A-Za-z])\s*", a.sub or "")
        if by and not a.sup and not a.primes and len(args) == 1 and _names(args[0]) & fns:
            return ("d", args[0], ("atom", Atom(by.group(1))), None)
    return _rebuild(node, lambda t: _jacobians(t, fns))


def _named_jacobians(node, at: dict):
    """``\\mathbf J_\\sigma``, ``J_{\\mathbf s}``: the Jacobian of the note's own function of
    one vector, at the vector it is applied to, by that vector (a row per entry of the
    function); ``\\mathbf J_\\sigma^T`` its transpose."""
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "atom" and node[1].name == "J" and not node[1].sup and not node[1].primes:
        own = re.fullmatch(r"\s*\\?([A-Za-z]+)\s*", node[1].sub or "")
        if own and own.group(1) in at:
            fa = Atom(own.group(1))
            out = ("d", ("entryfn", fa, [at[fa.name]]), at[fa.name], None)
            return ("T", out) if node[1].T else out
    return _rebuild(node, lambda t: _named_jacobians(t, at))


def _names(node) -> set:
    out = set()
    _atom_names(node, out)
    _call_names(node, out)
    return out


def _powers(node, fns):
    """``S_k^2``: for a function the note defines by entries, a number over its entry is a
    power (the grammar keeps superscripts as written, a layer for the network's names)."""
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "atom" and node[1].name in fns and (node[1].sup or "").strip().isdigit():
        a = node[1]
        base = ("atom", Atom(a.name, a.sub, None, a.primes, a.T, a.ex))
        return ("pow", base, ("num", float(a.sup.strip())))
    return _rebuild(node, lambda t: _powers(t, fns))


def _applied_to(stmts, name, definition) -> set:
    """The bare variables the note applies the function to outside its definition (``s(\\mathbf
    x)_i`` in a claim; an argument such as ``\\mathbf x + c`` is not a variable)."""
    out = set()

    def walk(node):
        if not isinstance(node, tuple) or not node:
            return
        if node[0] == "call" and isinstance(node[1], Atom) and node[1].name == name:
            args = node[2]
            if len(args) == 1 and args[0][0] == "atom" and args[0][1].sub is None:
                out.add(args[0])
        for part in subtrees(node):
            walk(part)

    for members in stmts:
        for m in members:
            if m is not definition:
                walk(m.tree)
    return out


def _self_reference(node, name) -> bool:
    if not isinstance(node, tuple) or not node:
        return False
    if node[0] in ("atom", "call") and isinstance(node[1], Atom) and node[1].name == name:
        return True
    return any(_self_reference(p, name) for p in subtrees(node))


def _substitute(node, params: dict):
    """The body with each parameter replaced by its value (a ``const`` node)."""
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "atom" and node[1].name in params and node[1].sup is None:
        a = node[1]
        out = ("const", params[a.name])
        if a.sub:
            out = ("idx", out, a.sub)
        if a.T:
            out = ("T", out)
        return out
    return _rebuild(node, lambda t: _substitute(t, params))


def defined(fatom: Atom, env, indexed: bool) -> bool:
    """Whether a call is of a function the note defines by entries: a name the model knows
    (sigma) only when written with its entry index; a function of several vectors (``H(\\mathbf
    y, \\mathbf s)``) whatever its name."""
    if fatom.sub or fatom.sup or fatom.primes or "fn:" + fatom.name not in env.aliases:
        return False
    return indexed or fatom.name not in FUNCTIONS or env.aliases["fn:" + fatom.name][1] is None


def apply(fatom: Atom, args, env):
    """The function on the drawn arguments: every entry through the note's body."""
    params, index, body = env.aliases["fn:" + fatom.name]
    if len(args) != len(params) or env.depth >= 8:
        raise Unreadable(f"{fatom.name} of {len(args)} arguments")
    vals = [bind.value(a, env) for a in args]
    vec = [v for v in vals if isinstance(v, np.ndarray)]
    if not vec or isinstance(vals[0], bind.Jac) or any(isinstance(v, bind.Jac) for v in vals):
        raise Unreadable(f"{fatom.name} of a number")
    shape = vec[0].shape
    if 1 not in shape or any(v.shape != shape for v in vec):
        raise Unreadable(f"{fatom.name} of a matrix")
    tree = _substitute(body, dict(zip(params, vals, strict=True)))
    inner = bind.Env(env.state, env.reading, env.aliases, env.idx, env.depth + 1)
    if index is None:  # defined as a whole (H(y, s) = -\\sum_i y_i \\log s_i)
        return bind.value(tree, inner)
    out = []
    for k in range(max(shape)):
        v = bind.value(tree, inner.with_idx(**{index: k}))
        if isinstance(v, (np.ndarray, bind.Jac)) and np.size(getattr(v, "m", v)) != 1:
            raise Unreadable(f"an entry of {fatom.name} that is not a number")
        out.append(float(np.asarray(v).reshape(-1)[0]))
    return np.array(out).reshape(shape)


def self_contained(note, lhs, rhs) -> bool:
    """Whether a claim speaks only of functions the note defines by entries and of the vectors
    it applies them to (``\\frac{\\partial s(\\mathbf x)_i}{\\partial x_j} =
    -s(\\mathbf x)_i s(\\mathbf x)_j``): true or false for any vector, so judged even in a
    note that writes no network (no name of it is a guess)."""
    fns = {k[3:] for k in note.aliases if isinstance(k, str) and k.startswith("fn:")}
    if not fns or note.forward:
        return False  # beside a network of the note's, its vectors are the network's
    variables, used = set(), set()

    def args_of(node):
        if not isinstance(node, tuple) or not node:
            return
        if node[0] in ("call", "entryfn") and isinstance(node[1], Atom) and node[1].name in fns:
            for a in node[2]:
                if a[0] == "atom" and a[1].sub is None and a[1].sup is None:
                    variables.add(a[1].name)
        for part in subtrees(node):
            args_of(part)

    for key in note.aliases:
        if isinstance(key, str) and key.startswith("fn:"):
            variables.update(note.aliases[key][0])
    for name in fns:
        alias = note.aliases.get(Atom(name).show())
        if alias is not None:
            args_of(alias)
    args_of(lhs)
    args_of(rhs)

    def ok(node) -> bool:
        if not isinstance(node, tuple) or not node:
            return True
        kind = node[0]
        if kind in ("call", "entryfn") and isinstance(node[1], Atom):
            if node[1].name in fns:
                used.add(node[1].name)
            elif node[1].name not in ("exp", "log", "ln", "diag"):
                return False
        if kind == "atom":
            a = node[1]
            if a.sup is not None or a.primes:
                return False
            if a.name in fns and note.aliases.get(Atom(a.name).show()) is not None:
                used.add(a.name)
                return True
            if a.name == "delta":
                return len((a.sub or "").replace(" ", "")) == 2
            if a.name == "nabla":  # \\nabla_{\\mathbf s}: by a vector of the note's own
                by = (a.sub or "").strip()
                return by in variables or by in fns
            if "const:" + a.name in note.aliases and a.sub is None:
                return True
            return a.name in variables or a.name == "e" and a.sub is None
        return all(ok(p) for p in subtrees(node))

    return ok(lhs) and ok(rhs) and bool(used)


def by_own(f, atom: Atom, env):
    """A derivative by the value of the note's own function (``\\nabla_{\\mathbf s} H``,
    ``\\frac{\\partial H}{\\partial s_i}``): that value moved entry by entry, what the note
    computes from it recomputed (central differences); by the whole vector, a gradient of its
    shape for a number, the Jacobian (a row per entry of the numerator) for a vector."""
    key = Atom(atom.name).show()
    if atom.sup or atom.T or atom.primes or env.depth >= 8:
        raise Unreadable(f"a derivative by {atom.show()}")
    found = []
    _atoms_of(f, found)
    if any(bind.is_cost(a) for a in found):
        # the network's cost does not see the moved value: only what the note computes from it
        raise Unreadable(f"the cost by {atom.show()}")
    v0 = bind.value(env.aliases[key], env)
    if not isinstance(v0, np.ndarray):
        raise Unreadable(f"a derivative by the number {atom.name}")

    def g(v):
        aliases = dict(env.aliases)
        aliases[key] = ("const", v)
        return bind.value(f, bind.Env(env.state, env.reading, aliases, env.idx, env.depth + 1))

    def step(e):
        plus, minus = v0.copy(), v0.copy()
        plus[e] += bind.H
        minus[e] -= bind.H
        hi, lo = g(plus), g(minus)
        if isinstance(hi, bind.Jac) or isinstance(lo, bind.Jac):
            raise Unreadable("a derivative of a Jacobian")
        return (np.asarray(hi, dtype=float) - np.asarray(lo, dtype=float)) / (2 * bind.H)

    entries = list(np.ndindex(*v0.shape))
    if atom.sub:
        letters = bind.index_letters(atom.sub)
        if len(letters) != 1:
            raise Unreadable(f"a derivative by {atom.show()}")
        ch = letters[0]
        pos = bind.numbered(ch) if ch.isdigit() else env.idx.get(ch)
        if pos is None:
            raise Unreadable(f"free index {ch}")
        if pos >= len(entries):
            raise bind.NoLayer("index out of range")
        d = step(entries[pos])
        return float(d.reshape(-1)[0]) if d.size == 1 else d
    cols = [step(e).reshape(-1) for e in entries]
    if all(c.size == 1 for c in cols):
        return np.array([c[0] for c in cols]).reshape(v0.shape)
    return bind.Jac(np.array(cols).T)


def _atoms_of(node, out) -> None:
    out.extend(atoms(node))
