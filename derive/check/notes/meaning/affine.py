"""The Affine layer of "Deep Learning from Scratch": ``Y = X \\cdot W + B`` and its backward pass.

The book (and the many notes that retell it, in Korean, Japanese and Chinese) derives the
layer's gradients as matrices before any network: ``\\frac{\\partial L}{\\partial X} =
\\frac{\\partial L}{\\partial Y} \\cdot W^T``, ``\\frac{\\partial L}{\\partial W} = X^T \\cdot
\\frac{\\partial L}{\\partial Y}``, with L whatever loss lies above and ``\\partial L/\\partial Y``
the gradient that comes from there. Such a claim names the layer's input X, weights W and
output Y by their capitals, and no network of the note binds them.

The reading: a claim whose left-hand side is ``\\partial L/\\partial X`` or ``\\partial
L/\\partial W`` and whose right-hand side is a product of X, W, their transposes and
``\\partial L/\\partial Y`` (which it must write) is evaluated on a drawn layer (three
examples, four inputs, two outputs: no two sizes alike), ``\\partial L/\\partial Y`` any
matrix of Y's shape. The layer is the one the note writes (``Y = X \\cdot W + B``: examples as
rows; ``Y = WX + b``: as columns; ``Y = XW^T + b``: PyTorch's weights [out, in]); a note that
writes none is read under each of the four, and a note that writes Y otherwise is not read.
Correct when the claim is the gradient under a layout allowed; WRONG only when under every
allowed layout its shapes do not multiply or its value differs, and it is not the gradient
transposed there either (a layout of the gradient, never wrong). Anything else: None.
"""

from __future__ import annotations

import numpy as np

from .grammar import Atom

_N, _D, _M = 3, 4, 2
_MULS = ("cdot", "juxt", "times", "star")
# Y's product: (first factor, its transpose, second factor, its transpose) -> layout name
_LAYOUTS = {
    ("X", False, "W", False): "rows",  # Y = X W + B
    ("W", False, "X", False): "columns",  # Y = W X + b
    ("X", False, "W", True): "rows, W stored [out, in]",  # Y = X W^T + b
    ("W", True, "X", False): "columns, W stored [in, out]",  # Y = W^T X + b
}


class _Skip(Exception):
    """Not a claim of this reading."""


# one example's layer, y = Wx + b: W's storage is fixed, a batch may stack the examples
# either way (as columns, W X; as rows, X W^T)
_ONE = {
    ("W", False, "x", False): ["columns", "rows, W stored [out, in]"],
    ("x", False, "W", False): ["rows", "columns, W stored [in, out]"],
    ("W", True, "x", False): ["columns, W stored [in, out]", "rows"],
    ("x", False, "W", True): ["rows, W stored [out, in]", "columns"],
}


def _letter(node) -> tuple[str, bool] | None:
    if node[0] != "atom":
        return None
    a: Atom = node[1]
    if a.sub or a.sup or a.primes or a.ex or a.name not in ("X", "W", "x"):
        return None
    return a.name, a.T


def _product(node):
    """The layout of ``X W`` (and its kin) at the head of Y's definition, else None."""
    if node[0] == "add":
        terms = [t for _, t in node[1]]
        if len(terms) != 2 or node[1][0][0] != 1 or node[1][1][0] != 1:
            return None
        bias = terms[1]
        if bias[0] != "atom" or bias[1].name not in ("B", "b") or bias[1].T:
            return None
        node = terms[0]
    if node[0] != "mul" or node[1] not in _MULS:
        return None
    a, b = _letter(node[2]), _letter(node[3])
    if a is None or b is None:
        return None
    key = (a[0], a[1], b[0], b[1])
    return _LAYOUTS.get(key) or _ONE.get(key)


def layouts(stmts) -> list[str] | None:
    """The layouts the note's own definition of Y allows; all four when it writes none; None
    when it defines Y as something else."""
    found, one = [], []
    for ms in stmts:
        if len(ms) < 2 or ms[0].tree is None or ms[0].tree[0] != "atom":
            continue
        a = ms[0].tree[1]
        if a.name not in ("Y", "y") or a.sub or a.sup or a.T:
            continue
        layout = _product(ms[1].tree) if ms[1].tree is not None else None
        if a.name == "y":  # one example's layer (y = Wx + b), when it is one
            if isinstance(layout, list):
                one.extend(layout)
            continue
        if not isinstance(layout, str):
            return None  # Y is something else than the layer's output
        found.append(layout)
    if found:
        return sorted(set(found))
    return sorted(set(one)) if one else list(_LAYOUTS.values())


def _shapes(layout: str) -> dict[str, tuple[int, int]]:
    rows = layout.startswith("rows")
    y = (_N, _M) if rows else (_M, _N)
    x = (_N, _D) if rows else (_D, _N)
    w = {"rows": (_D, _M), "columns": (_M, _D)}.get(layout)
    if w is None:
        w = (_M, _D) if rows else (_D, _M)
    return {"X": x, "W": w, "Y": y}


def _forward(layout: str, x, w):
    return {
        "rows": lambda: x @ w,
        "columns": lambda: w @ x,
        "rows, W stored [out, in]": lambda: x @ w.T,
        "columns, W stored [in, out]": lambda: w.T @ x,
    }[layout]()


def _value(node, env):
    kind = node[0]
    if kind == "atom":
        a = node[1]
        if a.sub or a.sup or a.primes or a.ex or a.name not in ("X", "W"):
            raise _Skip
        v = env[a.name]
        return v.T if a.T else v
    if kind == "d":
        num, den = node[1], node[2]
        if node[3] is not None or num is None or num[0] != "atom" or den[0] != "atom":
            raise _Skip
        if num[1].name != "L" or num[1].sub or num[1].sup or den[1].show() != "Y":
            raise _Skip
        return env["dY"]
    if kind == "T":
        return _value(node[1], env).T
    if kind == "mul" and node[1] in _MULS:
        a, b = _value(node[2], env), _value(node[3], env)
        if a.shape[1] != b.shape[0]:
            raise ValueError(f"shapes {a.shape} and {b.shape} do not multiply")
        return a @ b
    if kind == "add":
        out = None
        for sign, t in node[1]:
            v = sign * _value(t, env)
            if out is not None and out.shape != v.shape:
                raise ValueError(f"shapes {out.shape} and {v.shape} do not add")
            out = v if out is None else out + v
        return out
    raise _Skip


def _writes_upstream(node) -> bool:
    if not isinstance(node, tuple):
        return False
    if node[0] == "d":
        return True
    return any(
        _writes_upstream(p) if isinstance(p, tuple) else
        any(_writes_upstream(q[1]) for q in p) if isinstance(p, list) else False
        for p in node[1:]
    )  # fmt: skip


def judge(allowed: list[str] | None, lhs, rhs) -> tuple[str, str, str] | None:
    """(verdict, why, reading) of ``\\partial L/\\partial X = rhs`` (or W), or None."""
    if not allowed or lhs is None or rhs is None or lhs[0] != "d" or lhs[3] is not None:
        return None
    num, den = lhs[1], lhs[2]
    if num is None or num[0] != "atom" or den[0] != "atom" or num[1].show() != "L":
        return None
    var = den[1].show()
    if var not in ("X", "W") or not _writes_upstream(rhs):
        return None
    rng = np.random.default_rng(5)
    fails = []
    for layout in allowed:
        shapes = _shapes(layout)
        env = {k: rng.standard_normal(shapes[k]) for k in ("X", "W")}
        env["dY"] = rng.standard_normal(shapes["Y"])
        # the truth: central differences of sum(dY * Y), whose gradient by Y is dY: the chain
        # rule through the layer for any L above it
        x, w, dy = env["X"], env["W"], env["dY"]
        eps = 1e-6
        base = env[var]
        truth = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            up, down = base.copy(), base.copy()
            up[idx] += eps
            down[idx] -= eps
            f_up = np.sum(dy * _forward(layout, **{"x": x, "w": w, var.lower(): up}))
            f_down = np.sum(dy * _forward(layout, **{"x": x, "w": w, var.lower(): down}))
            truth[idx] = (f_up - f_down) / (2 * eps)
        try:
            got = _value(rhs, env)
        except _Skip:
            return None
        except ValueError as err:
            fails.append((layout, str(err)))
            continue
        if got.shape == truth.shape and np.allclose(got, truth, atol=1e-6):
            return "correct", "", f"the Affine layer on its own, examples as {layout}"
        if got.shape == truth.T.shape and np.allclose(got, truth.T, atol=1e-6):
            return None  # the gradient transposed: a layout of the gradient, never wrong
        fails.append((layout, f"a {got.shape[0]} x {got.shape[1]} matrix, not the gradient"))
    if len(fails) == len(allowed):
        said = "; ".join(f"examples as {layout}: {what}" for layout, what in fails)
        why = f"not ∂L/∂{var} of the Affine layer under any layout the note allows ({said})"
        return "wrong", why, "the Affine layer, ∂L/∂Y any matrix of Y's shape"
    return None
