"""The worked example of a LaTeX document: small concrete numbers for the inputs and
parameters, and every forward and backward value for them, computed from the derivation and
checked against the generated module; ``bmatrix`` and ``number_tex`` print them.
"""

from __future__ import annotations

import numpy as np

from derive.engine.derivation import Derivation
from derive.engine.ir import Node, Var
from derive.errors import DeriveError

from .values import numpy_value


def evaluate_numpy(node: Node, env: dict[str, np.ndarray], m: int, memo=None) -> np.ndarray:
    """The value of an IR expression for concrete matrices ``env`` (by name) and m samples,
    broadcast to the declared shapes (``values.numpy_value``)."""
    return numpy_value(node, env, m, memo)


def example_values(d: Derivation, m: int = 2, seed: int = 0) -> dict:
    """Small concrete numbers (weights and biases with one decimal, inputs 0..3, 0/1 or one-hot
    targets) and every forward and backward value for them: gradients of parameters include
    the 1/m, the deltas are per sample."""
    net = d.network
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 4, (net.inputs, m)).astype(float)
    params = {p: rng.integers(-5, 6, v.shape).astype(float) / 10 for p, v in net.params.items()}
    if net.columns_sum_to_one:
        Y = np.eye(net.outputs)[:, rng.integers(0, net.outputs, m)]
    else:
        Y = rng.integers(0, 2, (net.outputs, m)).astype(float)
    scale = 1.0 / m if d.scale != 1 else 1.0
    # dropout masks drawn as the generated forward pass draws them from the same generator
    mask_rng = np.random.default_rng(seed + 1)
    masks = {}
    for node in net.equations.values():
        for v in getattr(node, "args", ()):
            if isinstance(v, Var) and v.role == "mask":
                p = net.masks[v.name]
                masks[v.name] = (mask_rng.random((v.shape[0], m)) >= p) / (1 - p)

    def forward(ps):
        env = {"x": X, "y": Y, **masks, **ps}
        memo: dict = {}
        for name, node in net.equations.items():
            env[name] = evaluate_numpy(node, env, m, memo)
        cost = scale * float(evaluate_numpy(net.cost, env, m, memo).sum())
        if net.penalty is not None:
            cost += float(evaluate_numpy(net.penalty, env, m, memo).sum())
        return env, cost

    env, cost = forward(params)
    grads: dict[str, np.ndarray] = {}
    memo: dict = {}
    for s in d.steps:
        value = evaluate_numpy(s.value, env, m, memo)
        env[s.name] = value
        grads[s.name] = scale * value if s.kind == "param" else value
        if s.penalty is not None:  # the penalty's own gradient, not divided by m
            grads[s.name] = grads[s.name] + evaluate_numpy(s.penalty, env, m, memo)
    module = _generated_module(net)
    if module is not None:
        extra = (np.random.default_rng(seed + 1),) if masks else ()
        # The module keeps a conv kernel as (channels, C, kh, kw); the derivation as a matrix.
        stored = {p: v.reshape(net.stored_shape(p)) if p in net.params else v
                  for p, v in params.items()}  # fmt: skip
        cache = module.forward(stored, X, *extra)
        back = module.backward(stored, cache, Y)
        for name in net.values:
            if name in cache:  # printed from the generated code, checked against ours
                _agree(f"forward {name}", cache[name], env[name])
                env[name] = cache[name]
        for s in d.param_steps:
            mine = back[s.of].reshape(grads[s.name].shape)
            _agree(f"gradient of {s.of}", mine, grads[s.name])
            grads[s.name] = mine
    eta = 0.1
    stepped = {p: params[p] - eta * grads[s.name] for s in d.param_steps for p in [s.of]}
    return {"m": m, "X": X, "Y": Y, "params": params, "values": env, "grads": grads,
            "cost": cost, "eta": eta, "cost_after": forward(stepped)[1]}  # fmt: skip


def _generated_module(net):
    """The generated module, or None where the code generator cannot build one (then the
    example's numbers come from evaluating the derivation alone)."""
    try:
        from . import codegen
    except ImportError:
        return None
    try:
        return codegen.load_module(net)
    except DeriveError:
        return None


def _agree(what: str, theirs, ours):
    if not np.allclose(theirs, ours, rtol=1e-9, atol=1e-12):
        raise RuntimeError(
            f"derive bug: the generated code and the derivation disagree on the {what}:\n"
            f"generated: {np.asarray(theirs)!r}\nderivation: {ours!r}"
        )


def number_tex(v: float) -> str:
    if v == 0:
        return "0"
    text = f"{v:.4g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = rf"{mant} \cdot 10^{{{int(exp)}}}"
    return text


def bmatrix(a: np.ndarray, limit: int = 6) -> str:
    """A matrix as bmatrix, at most ``limit`` rows and columns shown (then dots)."""
    rows, cols = a.shape
    ri = list(range(rows)) if rows <= limit else [*range(limit - 2), None, rows - 1]
    ci = list(range(cols)) if cols <= limit else [*range(limit - 2), None, cols - 1]
    lines = []
    for i in ri:
        cells = []
        for j in ci:
            if i is None:
                cells.append(r"\ddots" if j is None else r"\vdots")
            else:
                cells.append(r"\cdots" if j is None else number_tex(float(a[i, j])))
        lines.append(" & ".join(cells))
    return r"\begin{{bmatrix}} {} \end{{bmatrix}}".format(r" \\ ".join(lines))
