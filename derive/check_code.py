"""Check a student's own NumPy backward function against the derived gradients.

``derive check mycode.py:backward --spec SPEC`` imports ``mycode.py`` (only that file: code at
its top level runs, so keep training loops under ``if __name__ == "__main__":``), calls
``backward`` on random float64 inputs at a few sample counts and compares every gradient it
returns with the derived one. For each gradient it says ``correct`` or ``wrong``, and for a
wrong one what the code computes instead: a shape that NumPy broadcasting would hide (a bias
gradient (1, 1) where the derivation has (3, 1): ``b1 - lr * db1`` still runs), a mask applied
as a matrix product instead of elementwise, a missing 1/m, a transposed factor, a factor
missing, the wrong delta; always with the derived expression to compare with. Two sample counts
are used, m = 1 and a larger m that is no dimension of the network, because code tested on one
sample hides several of these mistakes: a missing 1/m, and a mask applied as a matrix product,
whose (1, 4) first-layer gradient broadcasts over W1 without an error.

Calling convention (the notes' notation, samples as columns: X is (inputs, m), Y (outputs, m)).
The function's parameter names say what it is given, matched without regard to case:

    x, X, inputs, A0           the inputs X            y, Y, targets, labels   the targets Y
    W1, b1, W2, ... (B1 too)   the spec's parameters   z1, A1, z2, A2, ...     forward values
    params, parameters         dict of parameters      cache, forward          dict of X and
    m                          the number of samples                           forward values

so ``def backward(X, Y, W1, b1, W2, b2)``, ``def backward(params, cache, Y)`` (the generated
module's own signature) and ``def backward(X, Y, z1, A1, A2, W2)`` all work. It returns the
gradients as a dict keyed ``dW1``/``db1``/... (or ``W1``/``b1``/..., ``grad_W1``, ``dC_dW1``),
as a tuple in the spec's parameter order (W1, b1, W2, b2), or a tuple ``(loss, grads)`` with
one dict in it. Two adapter options cover the rest:

    --call "backward(params['W1'], params['b1'], params['W2'], params['b2'], X, Y)"
        a Python call expression; the names above (X, Y, m, params, cache, W1, z1, ...) and
        ``np`` are defined. Code written for samples as rows: --call "{k: v.T for k, v in
        backward(X.T, Y.T, W1.T, b1.T, W2.T, b2.T).items()}".
    --returns dW2,db2,dW1,db1
        the order of a returned tuple; ``_`` skips an entry (--returns _,dW1,db1,dW2,db2 for a
        tuple that starts with the loss).

The gradients are those of the spec's cost: with ``reduction = "mean"`` (the default) the cost
is averaged over the m samples and every gradient carries a 1/m; with ``"sum"`` none does.
The expected values come from the generated module (``derive.codegen``); the explanations come
from re-evaluating the derivation's steps with one step changed at a time (``_mutants``).
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import inspect
import io
import json
import re
import sys
import traceback
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import sympy as sp

from .codegen import load_module
from .derivation import Derivation, derive
from .derivation import m as m_symbol
from .errors import DeriveError
from .graph import Network
from .ir import Ew, M, MatMul, Node, Sum, T, Var, make_ew, placeholder, walk
from .registry import expand_activations, z
from .spec import load_spec
from .text import node_text

DEFAULT_FUNCTION = "backward"
RTOL = 1e-6  # relative to the largest entry of the expected gradient
# Inputs are drawn up to this many times per m, keeping the draw whose gradients have the
# fewest exact zeros: with one sample, every relu unit can be off, and then a first layer's
# gradient is all zeros and says nothing.
_ATTEMPTS = 16
_TARGET = re.compile(r"^(?P<path>.+\.py)(?::(?P<func>[A-Za-z_][\w.]*))?$")
_ROLES = {  # lower-case parameter name -> what is passed (besides the spec's own names)
    **dict.fromkeys(("x", "inputs", "input", "a0", "x_batch"), "X"),
    **dict.fromkeys(("y", "targets", "target", "labels", "y_true"), "Y"),
    **dict.fromkeys(("params", "parameters", "weights", "theta"), "params"),
    **dict.fromkeys(("cache", "forward", "activations", "acts"), "cache"),
    **dict.fromkeys(("m", "n_samples", "batch_size"), "m"),
}


def is_code_target(text: str) -> bool:
    """Does a ``derive check`` argument name code (``file.py`` or ``file.py:function``)?"""
    return bool(_TARGET.match(text))


def check_code(
    target: str,
    spec: str | Path | Network | None = None,
    fmt: str = "text",
    *,
    call: str | None = None,
    returns: str | None = None,
    ms: tuple[int, ...] | None = None,
    seed: int = 0,
    reference=None,
) -> tuple[str, int]:
    """The report on ``target`` (``file.py:function``) and the exit status: 0 when every
    gradient is correct, 1 otherwise. ``reference`` is a module with the generated-module
    interface (default: ``derive.codegen.load_module(net)``)."""
    if fmt not in ("text", "json"):
        raise DeriveError(f"unknown format {fmt!r}", where="--format", fix="use text or json")
    found = _TARGET.match(target)
    if not found:
        raise DeriveError(
            "not a Python file and function", where=target, fix="write e.g. mycode.py:backward"
        )
    path, name = found["path"], found["func"] or DEFAULT_FUNCTION
    net = spec if isinstance(spec, Network) else load_spec(spec)
    func = load_function(path, name)
    d = derive(net)
    reference = reference or _generated(net)
    caller = _Caller(func, name, path, net, call, returns)
    ms = tuple(ms or _sample_counts(net))
    ev = _Evaluator(net)
    mutants = _mutants(d)
    runs = [_run(net, d, ev, reference, caller, mutants, m, seed + k) for k, m in enumerate(ms)]
    results = [_judge(net, d, p, runs, mutants) for p in net.params]
    unused = sorted({k for r in runs for k in r.unused})
    ok = all(r.verdict == "correct" for r in results) and not any(r.error for r in runs)
    if fmt == "json":
        return json.dumps([r.as_json() for r in results], indent=2) + "\n", 0 if ok else 1
    return _text(path, name, net, d, caller, ms, seed, runs, results, unused), 0 if ok else 1


_MODULES: dict[tuple[str, str], object] = {}


def _generated(net: Network):
    """``codegen.load_module(net)``, kept per spec text: an editor re-checking on each save
    should not regenerate the same module."""
    if not net.source_text:
        return load_module(net)
    key = (net.source, net.sha256)
    if key not in _MODULES:
        if len(_MODULES) >= 16:
            _MODULES.pop(next(iter(_MODULES)))
        _MODULES[key] = load_module(net)
    return _MODULES[key]


# ----------------------------------------------------------------------------- loading
def load_function(path: str, name: str = DEFAULT_FUNCTION):
    """Import the file at ``path`` (only it) and return its attribute ``name`` (dotted names
    reach into objects: ``model.backward``)."""
    file = Path(path)
    if not file.is_file():
        raise DeriveError("no such file", where=path, fix="give the path of your .py file")
    modname = "_derive_check_" + re.sub(r"\W", "_", file.stem)
    spec = importlib.util.spec_from_file_location(modname, file)
    module = importlib.util.module_from_spec(spec)
    folder = str(file.resolve().parent)
    sys.path.insert(0, folder)  # as `python mycode.py` would: its own helper modules import
    sys.modules[modname] = module  # dataclasses in the file look themselves up here
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            spec.loader.exec_module(module)
    except KeyboardInterrupt:
        raise
    except BaseException as err:  # noqa: B036 - SystemExit from a script's argparse too
        line = err.lineno if isinstance(err, SyntaxError) else _line_in(err, file)
        raise DeriveError(
            f"importing it raised {type(err).__name__}: {err}",
            where=f"{path}:{line}" if line else path,
            fix="fix that line, or move code that should not run on import under "
            '`if __name__ == "__main__":`',
        ) from None
    finally:
        sys.path.remove(folder)
        sys.modules.pop(modname, None)
    obj = module
    for part in name.split("."):
        if not hasattr(obj, part):
            funcs = sorted(k for k, v in vars(module).items() if inspect.isfunction(v))
            raise DeriveError(
                f"has no function `{name}`", where=path,
                fix=f"name one of its functions: {', '.join(funcs) or '(none defined)'}",
            )  # fmt: skip
        obj = getattr(obj, part)
    if not callable(obj):
        raise DeriveError(f"`{name}` is not a function", where=path, fix="name a function")
    return obj


def _line_in(err: BaseException, file: Path) -> int | None:
    """The last line of ``file`` in the traceback of ``err``."""
    file = file.resolve()
    frames = traceback.extract_tb(err.__traceback__)
    lines = [f.lineno for f in frames if Path(f.filename).resolve() == file]
    return lines[-1] if lines else None


# ----------------------------------------------------------------------------- calling
class _Caller:
    """Calls the student's function by the convention (or ``--call``) and reads its result
    into ``{param: value}`` (by dict key, tuple order or ``--returns``)."""

    def __init__(self, func, name, path, net: Network, call, returns):
        self.func, self.name, self.path, self.net = func, name, path, net
        self.returns = _parse_returns(returns, net) if returns else None
        self.call = None
        if call:
            try:
                self.call = compile(ast.parse(call, mode="eval"), "<--call>", "eval")
            except SyntaxError as err:
                raise DeriveError(
                    f"not a Python expression: {err.msg}", where=f"--call {call!r}",
                    fix=f'write a call, e.g. --call "{name}(X, Y, params)"',
                ) from None  # fmt: skip
            self.shown = call
            return
        self.plan = self._plan()
        shown = [k if k == src else f"{k}={src}" for k, src, _ in self.plan]
        self.shown = f"{name}({', '.join(shown)})"

    def _plan(self) -> list[tuple[str, str, bool]]:
        """(parameter name, what is passed, positional?) for each parameter of the function."""
        try:
            params = inspect.signature(self.func).parameters.values()
        except (TypeError, ValueError):
            params = None
        known = {**_ROLES}
        for n in [*self.net.values, *self.net.params]:  # exact names before case-folded ones
            known.setdefault(n.lower(), n)
        plan = []
        for p in params or []:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            src = p.name if p.name in (*self.net.params, *self.net.values) else None
            src = src or known.get(p.name.lower())
            if src is None:
                if p.default is not p.empty:
                    continue
                raise DeriveError(
                    f"cannot tell what to pass for the parameter `{p.name}` of `{self.name}`",
                    where=f"{self.path}:{self.name}",
                    fix=f"name it as the convention does ({', '.join(self._accepted())}) or "
                    f'pass --call, e.g. --call "{self.name}(X, Y, params)"',
                )
            plan.append((p.name, src, p.kind != p.KEYWORD_ONLY))
        if params is None or not plan:
            raise DeriveError(
                f"`{self.name}` takes no parameters derive can fill in",
                where=f"{self.path}:{self.name}",
                fix=f'pass --call, e.g. --call "{self.name}(X, Y, params)"',
            )
        return plan

    def _accepted(self) -> list[str]:
        return ["X", "Y", *self.net.params, *self.net.values, "params", "cache", "m"]

    def __call__(self, values: dict):
        fresh = {k: _copy(v) for k, v in values.items()}  # the code may change them in place
        if self.call is not None:
            return eval(self.call, {"np": np, self.name.split(".")[-1]: self.func, **fresh})
        args = [fresh[src] for _, src, positional in self.plan if positional]
        kwargs = {k: fresh[src] for k, src, positional in self.plan if not positional}
        return self.func(*args, **kwargs)

    def read(self, result) -> tuple[dict[str, object], list[str]]:
        """``{param: returned value}`` and the keys of a returned dict that name no parameter."""
        params = list(self.net.params)
        if self.returns is None and isinstance(result, tuple | list):
            dicts = [r for r in result if isinstance(r, dict)]
            if len(dicts) == 1 and len(result) <= 3:  # (loss, grads) or (grads, cache)
                result = dicts[0]
        if isinstance(result, dict):
            out, unused = {}, []
            for key, value in result.items():
                p = _param_for(key, self.net)
                if p is None or p in out:
                    unused.append(str(key))
                else:
                    out[p] = value
            return out, unused
        if isinstance(result, np.ndarray) and len(params) == 1 and self.returns is None:
            return {params[0]: result}, []
        order = self.returns or params
        if not isinstance(result, tuple | list) or len(result) != len(order):
            got = f"a {type(result).__name__}" + (
                f" of {len(result)}" if isinstance(result, tuple | list) else ""
            )
            raise DeriveError(
                f"`{self.name}` returned {got}, not the {len(order)} gradients "
                f"({', '.join('d' + p for p in order if p)})",
                where=f"{self.path}:{self.name}",
                fix="return a dict {'dW1': ..., ...} or a tuple in the order "
                f"{', '.join(params)}, or give the order with --returns "
                f"(e.g. --returns {','.join('d' + p for p in reversed(params))})",
            )
        return {p: v for p, v in zip(order, result, strict=True) if p}, []


def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return _Lenient({k: _copy(v) for k, v in value.items()})
    return value


class _Lenient(dict):
    """A dict whose keys are also found without regard to case (cache["Z1"] for z1)."""

    def __missing__(self, key):
        for k in self:
            if isinstance(key, str) and k.lower() == key.lower():
                return self[k]
        raise KeyError(key)


def _param_for(key, net: Network) -> str | None:
    """The parameter a returned key names: dW1, W1, dw1, grad_W1, dC_dW1, dC/dW1 -> W1."""
    key = str(key).strip()
    lower = {p.lower(): p for p in net.params}
    if key in net.params:
        return key
    for stripped in (key, re.sub(r"^(grad_?|d[a-z]?[_/]?d|d_?)", "", key, flags=re.I)):
        if stripped.lower() in lower:
            return lower[stripped.lower()]
    return None


def _parse_returns(text: str, net: Network) -> list[str | None]:
    out: list[str | None] = []
    for item in (s.strip() for s in text.split(",")):
        if item == "_":
            out.append(None)
            continue
        p = _param_for(item, net)
        if p is None:
            raise DeriveError(
                f"`{item}` names no parameter of {net.name}", where=f"--returns {text}",
                fix=f"use d + a parameter name ({', '.join('d' + p for p in net.params)}) or _",
            )  # fmt: skip
        out.append(p)
    return out


# ----------------------------------------------------------------------------- evaluating
class _Evaluator:
    """NumPy values of IR nodes (samples as columns), for the forward pass and for the
    derivation's steps, changed or not. Shapes follow NumPy, not the declared ones, so that a
    changed step propagates the way the student's code would."""

    def __init__(self, net: Network):
        self.net = net

    def __call__(self, node: Node, env: dict, m: int) -> np.ndarray:
        if isinstance(node, Var):
            return env[node.name]
        if isinstance(node, MatMul):
            return self(node.a, env, m) @ self(node.b, env, m)
        if isinstance(node, T):
            return self(node.a, env, m).T
        if isinstance(node, Sum):
            return np.sum(self(node.a, env, m), axis=node.axis, keepdims=True)
        if isinstance(node, Ew):
            args = [self(a, env, m) for a in node.args]
            out = np.asarray(_lambdified(node.expr, len(args))(*args), dtype=np.float64)
            shape = np.broadcast_shapes(*(a.shape for a in args)) if args else _resolve(node, m)
            return np.broadcast_to(out, shape).copy() if out.shape != shape else out
        raise TypeError(type(node).__name__)


@lru_cache(maxsize=4096)
def _lambdified(expr: sp.Expr, n: int):
    return sp.lambdify([placeholder(i) for i in range(n)], expand_activations(expr))


def _resolve(node: Node, m: int) -> tuple[int, int]:
    return tuple(m if s == M else s for s in node.shape)


@dataclass
class _Mutant:
    """The derivation with one step changed: ``step = new`` instead of ``step = old``."""

    step: str
    value: Node
    kind: str  # matmul | drop | transpose | swap
    detail: object  # the mask (matmul, drop); (mask, value used) for value; (used, belongs) swap

    def text(self, net: Network) -> str:
        if self.kind == "matmul":
            return f"{_fmt(self.detail, net)} is applied as a matrix product, not elementwise"
        if self.kind == "drop":
            return f"the factor {_fmt(self.detail, net)} is missing"
        if self.kind == "value":
            mask, used = self.detail
            return f"{used} is used where the derivative {_fmt(mask, net)} belongs"
        if self.kind == "swap":
            return f"{self.detail[0]} is used where {self.detail[1]} belongs"
        return "a transposed factor"


def _mutants(d: Derivation) -> list[_Mutant]:
    """Each step with one of the mistakes students make applied to one of its nodes."""
    grads = [Var(s.name, s.value.shape, "grad") for s in d.steps]
    out: list[_Mutant] = []
    for s in d.steps:
        seen = {s.value}
        for node in walk(s.value):
            for new, kind, detail in _node_mutants(node, grads, d.network):
                value = _replace(s.value, node, new)
                if value not in seen:
                    seen.add(value)
                    out.append(_Mutant(s.name, value, kind, detail))
    return out


def _node_mutants(node: Node, grads: list[Var], net: Network):
    """(replacement, kind, detail) for one node: an elementwise factor of a gradient applied
    as a matrix product (in each orientation), left out, or replaced by the activation itself
    (A1 for relu'(z1)); a product with a factor transposed or swapped; a gradient used in place
    of another."""
    if isinstance(node, Ew) and node.expr.is_Mul:
        factors = node.expr.args
        for i, g in enumerate(node.args):
            if not (isinstance(g, Var) and g.role == "grad") or placeholder(i) not in factors:
                continue
            rest = sp.Mul(*[f for f in factors if f != placeholder(i)])
            if rest.has(placeholder(i)) or rest.is_number:
                continue
            mask = make_ew(rest, node.args, node.shape)
            pairs = [(g, mask), (g, T(mask)), (T(g), mask), (mask, g), (T(mask), g), (mask, T(g))]
            for a, b in pairs:
                yield MatMul(a, b), "matmul", mask
            yield g, "drop", mask
            for v in _undifferentiated(mask, net):
                new = make_ew(placeholder(0) * placeholder(1), [g, v], node.shape)
                yield new, "value", (mask, v.name)
    elif isinstance(node, MatMul):
        a, b = node.a, node.b
        flip = lambda x: x.a if isinstance(x, T) else T(x)  # noqa: E731
        for new in (MatMul(flip(a), b), MatMul(a, flip(b)), MatMul(b, a), MatMul(flip(b), flip(a))):
            yield new, "transpose", None
    elif isinstance(node, Var) and node.role == "grad":
        for other in grads:
            if other.name != node.name:
                yield other, "swap", (other.name, node.name)


def _undifferentiated(mask: Node, net: Network) -> list[Var]:
    """The forward values a derivative factor may be confused with: for relu'(z1), z1 and
    A1 = relu(z1); for A2*(1 - A2), A2."""
    args = mask.args if isinstance(mask, Ew) else ()
    if len(args) != 1 or not isinstance(args[0], Var) or args[0].role != "value":
        return []
    u = args[0]
    made = [n for n, eq in net.equations.items() if isinstance(eq, Ew) and eq.args == (u,)]
    return [u, *(net.values[n] for n in made)]


def _replace(node: Node, old: Node, new: Node) -> Node:
    if node == old:
        return new
    if isinstance(node, MatMul):
        return MatMul(_replace(node.a, old, new), _replace(node.b, old, new))
    if isinstance(node, T):
        return T(_replace(node.a, old, new))
    if isinstance(node, Sum):
        return Sum(_replace(node.a, old, new), node.axis)
    if isinstance(node, Ew):
        return Ew(node.expr, tuple(_replace(a, old, new) for a in node.args), node.shape)
    return node


# ----------------------------------------------------------------------------- running
@dataclass
class _Run:
    m: int
    env: dict  # inputs, parameters, forward values and the derivation's gradients
    expected: dict[str, np.ndarray]  # param -> gradient from the reference module
    found: dict[str, object] = field(default_factory=dict)
    unused: list[str] = field(default_factory=list)
    mutated: list[dict | None] = field(default_factory=list)  # per mutant: param -> gradient
    error: str | None = None


def _sample_counts(net: Network) -> list[int]:
    """m = 1 and the smallest m >= 5 that is no dimension of the network, so that a product
    with the wrong factor transposed cannot fit by accident."""
    dims = {net.inputs, net.outputs} | {s for p in net.params.values() for s in p.shape}
    big = 5
    while big in dims:
        big += 1
    return [1, big]


def _inputs(net: Network, m: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    env = {}
    for name, var in net.params.items():
        rows, cols = var.shape
        env[name] = rng.standard_normal((rows, cols)) / np.sqrt(max(cols, 4))
    env[net.x.name] = rng.standard_normal((net.inputs, m))
    if net.columns_sum_to_one:  # one-hot targets
        env[net.y.name] = np.eye(net.outputs)[:, rng.integers(0, net.outputs, m)]
    elif net.cost_name == "binary_cross_entropy":
        env[net.y.name] = rng.integers(0, 2, (net.outputs, m)).astype(np.float64)
    else:
        env[net.y.name] = rng.uniform(0.05, 0.95, (net.outputs, m))
    return env


def _run(net, d, ev, reference, caller, mutants, m, seed) -> _Run:
    scale = float(d.scale.subs(m_symbol, m))
    best = None
    for attempt in range(_ATTEMPTS):
        env, expected = _reference_run(net, d, ev, reference, m, seed + 7919 * attempt, scale)
        zeros = sum(int(np.sum(g == 0)) for g in expected.values())
        if best is None or zeros < best[0]:
            best = (zeros, env, expected)
        if zeros == 0:
            break
    _, env, expected = best
    run = _Run(m, env, expected)
    params = {p: env[p] for p in net.params}
    X, Y = env[net.x.name], env[net.y.name]
    forward = {n: env[n] for n in net.values}
    values = {"X": X, "Y": Y, "m": m, **params, **forward, "params": params,
              "cache": {"X": X, "x": X, **forward}}  # fmt: skip
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = caller(values)
    except Exception as err:  # the student's code failing is a finding, not a crash
        line = _line_in(err, Path(caller.path))
        where = f" at {caller.path}:{line}" if line else ""
        src = _source_line(caller.path, line)
        run.error = f"{type(err).__name__}: {err}{where}" + (f": {src}" if src else "")
        return run
    run.found, run.unused = caller.read(result)
    for mut in mutants:
        run.mutated.append(_evaluate_mutant(ev, d, env, mut, m, scale))
    return run


def _reference_run(net, d, ev, reference, m, seed, scale) -> tuple[dict, dict]:
    """Random inputs, the forward values and the derivation's gradients (evaluated here),
    and the generated module's gradients, which must be the same."""
    env = _inputs(net, m, seed)
    with np.errstate(all="ignore"):
        for name, eq in net.equations.items():
            env[name] = ev(eq, env, m)
        for s in d.steps:
            env[s.name] = ev(s.value, env, m)
    params = {p: env[p] for p in net.params}
    got = reference.backward(params, reference.forward(params, env[net.x.name]), env[net.y.name])
    expected = {p: np.asarray(got[p], dtype=np.float64) for p in net.params}
    for s in d.param_steps:
        if not _close(expected[s.of], scale * env[s.name]):
            raise RuntimeError(f"derive's generated d{s.of} disagrees with its derivation")
    return env, expected


def _evaluate_mutant(ev, d, env, mut, m, scale) -> dict | None:
    new = dict(env)
    started = False
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for s in d.steps:
                if s.name == mut.step:
                    new[s.name], started = ev(mut.value, new, m), True
                elif started:
                    new[s.name] = ev(s.value, new, m)
    except ValueError:  # shapes that do not fit at this m: code with this mistake would fail
        return None
    return {s.of: scale * new[s.name] for s in d.param_steps}


def _source_line(path: str, line: int | None) -> str:
    if not line:
        return ""
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()[line - 1].strip()
    except (OSError, IndexError, UnicodeDecodeError):
        return ""


def _close(found: np.ndarray, expected: np.ndarray) -> bool:
    if found.shape != expected.shape:
        return False
    return float(np.max(np.abs(found - expected), initial=0)) <= RTOL * _size(expected)


def _harmless(found: np.ndarray, expected: np.ndarray, shape) -> bool:
    """The right values in a shape that broadcasts back to the parameter's own: (1,) for a
    (1, 1) bias. (3,) for a (3, 1) bias is not: b1 - lr * db1 would be (3, 3)."""
    if found.shape == expected.shape or found.size != expected.size:
        return False
    try:
        fits = np.broadcast_shapes(tuple(shape), found.shape) == tuple(shape)
    except ValueError:
        return False
    return fits and _close(found.reshape(expected.shape), expected)


def _size(a: np.ndarray) -> float:
    return max(float(np.max(np.abs(a), initial=0)), 1e-6)


# ----------------------------------------------------------------------------- judging
@dataclass
class _Result:
    gradient: str
    param: str
    verdict: str  # correct | wrong | unknown
    shape: tuple
    expression: str
    found_shapes: dict[int, tuple | None]
    diagnosis: str | None = None
    lines: list[str] = field(default_factory=list)
    errors: tuple[float, float] | None = None  # max abs, relative, at the largest m
    raised: list[str] = field(default_factory=list)  # the exceptions, for the JSON message

    def as_json(self) -> dict:
        """The JSON object of ``--format json``."""
        return {
            "gradient": self.gradient,
            "param": self.param,
            "verdict": self.verdict,
            "expected": {"shape": list(self.shape), "expression": self.expression},
            "found": {
                "shapes": {str(m): _listed(s) for m, s in self.found_shapes.items()},
                "max_abs_error": self.errors[0] if self.errors else None,
                "relative_error": self.errors[1] if self.errors else None,
            },
            "diagnosis": self.diagnosis,
            # self-contained: the text report gives the exceptions once, after every gradient
            "message": "\n".join([s.replace(" (see below)", "") for s in self.lines] + self.raised),
        }


def _listed(shape):
    return list(shape) if shape is not None else None


def _judge(net: Network, d: Derivation, p: str, runs: list[_Run], mutants) -> _Result:
    step = next(s for s in d.param_steps if s.of == p)
    g = step.name
    shape = net.params[p].shape
    res = _Result(g, p, "wrong", shape, _chain(d, step, net), {})
    ok = [r for r in runs if r.error is None]
    for r in runs:
        res.found_shapes[r.m] = None
        if r.error is None and p in r.found:
            try:
                r.found[p] = np.asarray(r.found[p], dtype=np.float64)
                res.found_shapes[r.m] = tuple(r.found[p].shape)
            except (TypeError, ValueError):
                res.verdict, res.diagnosis = "unknown", "not_an_array"
                res.lines.append(f"returned {type(r.found[p]).__name__} for {g}, not an array")
                return res
    raised = [r for r in runs if r.error is not None]
    res.raised = [f"at m = {r.m} the function raised {r.error}" for r in raised]
    if not ok:
        res.verdict, res.diagnosis = "unknown", "raised"
        res.lines.append("not checked: the function raised at every m (see below)")
        return res
    if any(p not in r.found for r in ok):
        res.verdict, res.diagnosis = "unknown", "missing"
        res.lines.append(f"not returned (the dict has no key {g} or {p})")
        return res
    loose = [r.m for r in ok if _harmless(r.found[p], r.expected[p], shape)]
    right = [r.m for r in ok if _close(r.found[p], r.expected[p])] + loose
    if len(right) == len(ok):
        res.verdict = "correct" if not raised else "unknown"
        if loose:
            found = res.found_shapes[loose[-1]]
            res.lines.append(
                f"shape {found} instead of {shape}, harmless here: {p} - lr * {g} keeps "
                f"{p}'s shape {shape}"
            )
        if raised:
            res.diagnosis = "raised"
            ms = ", ".join(str(r.m) for r in raised)
            res.lines.append(f"right at m = {', '.join(map(str, right))}, but at m = {ms} the "
                             "function raised (see below)")  # fmt: skip
        return res
    last = ok[-1]
    res.errors = _errors(last.found[p], last.expected[p])
    wrong_shapes: dict[tuple, list[int]] = {}
    for r in ok:
        if res.found_shapes[r.m] != tuple(shape):
            wrong_shapes.setdefault(res.found_shapes[r.m], []).append(r.m)
    for found, at in wrong_shapes.items():
        res.lines.append(
            f"shape {found} where the derived {g} is {shape} (at m = {', '.join(map(str, at))}): "
            + _broadcast_note(p, g, tuple(shape), found)
        )
    if 1 in right and len(ok) > 1:
        res.lines.append("with m = 1 it is right: a test on a single sample would pass")
    res.diagnosis, explanation = _explain(net, d, step, ok, mutants)
    res.lines.append(explanation)
    if res.errors is not None:
        res.lines.append(
            f"at m = {last.m}: expected {_show(last.expected[p])}, found {_show(last.found[p])} "
            f"(max abs error {res.errors[0]:.3g}, relative {res.errors[1]:.3g})"
        )
    res.lines.append(f"compare with: {res.expression}")
    return res


def _explain(net, d, step, ok, mutants) -> tuple[str, str]:
    """The simplest account of what the code computes: the expected gradient up to a factor,
    its transpose, another sum, or the derivation with one step changed."""
    p, g = step.of, step.name
    ev = _Evaluator(net)
    hyps = [("scaled", lambda r: r.expected[p]), ("transposed", lambda r: r.expected[p].T)]
    if isinstance(step.value, Sum):
        inner = step.value.a
        axis = step.value.axis

        def summed(how):
            def pred(r):
                scale = float(d.scale.subs(m_symbol, r.m))
                v = scale * ev(inner, r.env, r.m)
                return v if how == "none" else np.sum(v, axis=None if how == "all" else 1 - axis)

            return pred

        hyps += [("sum_all", summed("all")), ("sum_other_axis", summed("other")),
                 ("unsummed", summed("none"))]  # fmt: skip
    for i in range(len(mutants)):
        preds = [r.mutated[i] for r in ok]
        if any(x is None for x in preds):
            continue
        if all(_close(x[p], r.expected[p]) for x, r in zip(preds, ok, strict=True)):
            continue  # this change does not reach the gradient
        hyps.append((f"mutant:{i}", lambda r, i=i: r.mutated[i][p]))
    fits = []
    for name, pred in hyps:
        kind = _classify([(r.m, r.found[p], pred(r)) for r in ok])
        if kind is not None:
            fits.append((name, kind))
    for wanted in ("same", "times_m", "over_m", "const"):
        for name, (kind, c) in fits:
            if kind == wanted:
                return _describe(net, d, step, name, kind, c, mutants, ok)
    return "values", (
        f"{g} does not match the derivation, nor any one of the usual mistakes derive tries "
        "(a factor, a transpose, a sum over the wrong axis, a mask as a matrix product, "
        "a missing factor, the wrong delta)"
    )


def _describe(net, d, step, name, kind, c, mutants, ok) -> tuple[str, str]:
    p, g = step.of, step.name
    factor = {"same": "", "times_m": "m times ", "over_m": "1/m times ", "const": f"{c:.6g} times "}
    mean = net.reduction == "mean"
    why = {
        "times_m": (
            "the 1/m is missing. The spec's cost is the mean over the m samples "
            '(reduction = "mean"), so every gradient carries 1/m'
            if mean else 'a factor m too many (the spec\'s cost is a sum, reduction = "sum")'
        ),
        "over_m": (
            "divided by m once too often: the 1/m of the mean belongs in once"
            if mean else "this code averages, but the spec's cost is a sum over the samples "
            '(reduction = "sum"), so no gradient has a 1/m'
        ),
        "const": (
            "the sign is flipped" if abs(c + 1) < 1e-6 else
            f"a constant factor is off; compare the cost's derivative {_first_step(d, net)}"
        ),
    }.get(kind, "")  # fmt: skip
    scaled = f" ({factor[kind]}what it should be: {why})" if kind != "same" else ""
    if name == "scaled":
        if kind == "same":
            shapes = ", ".join(sorted({str(r.found[p].shape) for r in ok}))
            flat = any(r.found[p].ndim < 2 for r in ok)
            return "shape", (
                f"the values are right but the shape is {shapes}, not {net.params[p].shape}"
                + (": a 1-d array; use keepdims=True" if flat else "")
            )
        key = {"times_m": "missing_1_over_m", "over_m": "extra_1_over_m"}.get(kind, "factor")
        return key, f"found = {factor[kind]}the derived {g}: {why}"
    if name == "transposed":
        return "transposed", (
            f"a transposed factor: found = {factor[kind]}{_fmt(_transpose(step.simplified), net)}, "
            f"the transpose of the derived {g} = {_fmt(step.simplified, net)}{scaled}"
        )
    if name.startswith("sum_") or name == "unsummed":
        axis = step.value.axis
        inner = _fmt(step.value.a, net)
        over = {0: "the units", 1: "the samples"}
        what = {
            "sum_all": f"summed over every entry, not over {over[axis]}: found = "
            f"{factor[kind]}the sum of all of {inner}, one number (np.sum without "
            f"axis={axis}, keepdims=True), which broadcasting spreads over every unit",
            "sum_other_axis": f"summed over {over[1 - axis]} (axis={1 - axis}) instead of "
            f"{over[axis]} (axis={axis})",
            "unsummed": f"not summed over {over[axis]} (axis={axis}): found = {factor[kind]}"
            f"{inner} itself",
        }[name]
        return name, what + (scaled if name != "sum_all" else f"{scaled}")
    mut = mutants[int(name.split(":")[1])]
    orig = next(s for s in d.steps if s.name == mut.step)
    by_name = {s.name: s for s in d.steps}
    inlined = [
        f"{v.name} = {_fmt(by_name[v.name].value, net)}"
        for v in dict.fromkeys(n for n in walk(mut.value) if isinstance(n, Var))
        if v.role == "grad" and by_name[v.name].inlined
    ]
    defs = f" (where {', '.join(inlined)})" if inlined else ""
    return mut.kind, (
        f"{mut.text(net)}: found = {factor[kind]}the derived {g} computed with {mut.step} = "
        f"{_fmt(mut.value, net)} instead of {mut.step} = {_fmt(orig.value, net)}{defs}"
        + (f"; and {why}" if why else "")
    )


def _transpose(node: Node) -> Node:
    """node.T with the transpose moved inside products: (a @ b).T = b.T @ a.T."""
    if isinstance(node, T):
        return node.a
    if isinstance(node, MatMul):
        return MatMul(_transpose(node.b), _transpose(node.a))
    return T(node)


def _classify(triples) -> tuple[str, float] | None:
    """How the found arrays relate to the predicted ones over the runs: equal ("same"), m
    times ("times_m"), 1/m times ("over_m"), one constant times ("const"), or not at all."""
    pairs = []
    entries = 0
    for m, found, pred in triples:
        c = _ratio(found, pred)
        if c is None:
            return None
        if np.isnan(c):  # both zero: fits any factor
            continue
        pairs.append((m, c))
        entries += found.size
    if not pairs:  # zero where zero was predicted, at every m: equal, whatever the factor
        return "same", 1.0
    near = lambda a, b: abs(a - b) <= 1e-6 * max(abs(b), 1e-12)  # noqa: E731
    if all(near(c, 1) for _, c in pairs):
        return "same", 1.0
    big = any(m > 1 for m, _ in pairs)
    if big and all(near(c, m) for m, c in pairs):
        return "times_m", float(pairs[-1][1])
    if big and all(near(c, 1 / m) for m, c in pairs):
        return "over_m", float(pairs[-1][1])
    if entries >= 2 and all(near(c, pairs[0][1]) for _, c in pairs):  # 1 number fits any c
        return "const", float(pairs[0][1])
    return None


def _ratio(found: np.ndarray, pred: np.ndarray) -> float | None:
    """c with found = c * pred entry by entry (shapes equal up to axes of length 1), NaN when
    both are zero, or None."""
    pred = np.asarray(pred, dtype=np.float64)
    squeeze = lambda s: tuple(k for k in s if k != 1)  # noqa: E731
    if found.shape != pred.shape and squeeze(found.shape) != squeeze(pred.shape):
        return None
    f, q = found.ravel(), pred.ravel()
    if not np.all(np.isfinite(f)):
        return None
    qq = float(q @ q)
    if qq <= 1e-24:
        return float("nan") if np.max(np.abs(f), initial=0) <= 1e-12 else None
    c = float(f @ q) / qq
    if abs(c) < 1e-9 or np.max(np.abs(f - c * q)) > RTOL * _size(f):
        return None
    return c


def _errors(found: np.ndarray, expected: np.ndarray) -> tuple[float, float] | None:
    if found.shape != expected.shape:
        return None
    err = float(np.max(np.abs(found - expected), initial=0))
    return err, err / _size(expected)


def _show(a: np.ndarray) -> str:
    flat = a.ravel()
    text = ", ".join(f"{v:.4g}" for v in flat[:4])
    return f"[{text}{', ...' if flat.size > 4 else ''}]"


def _broadcast_note(p: str, g: str, shape: tuple, found: tuple) -> str:
    try:
        out = np.broadcast_shapes(shape, found)
    except ValueError:
        return f"{p} - lr * {g} would raise"
    if out == shape:
        return f"{p} - lr * {g} broadcasts it to {shape} silently: training runs on wrong steps"
    return f"{p} - lr * {g} broadcasts to {out} without an error, silently changing {p}'s shape"


# ----------------------------------------------------------------------------- printing
def _fmt(node: Node, net: Network) -> str:
    """An IR node as ``derive.text`` prints it (the generated code's names), with activation
    derivatives written the notes' way: ``(W2.T @ delta2)*relu'(z1)``."""
    return re.sub(r"\((\w+'\(\w+\))\)", r"\1", node_text(_primed(node, net)))


def _primed(node: Node, net: Network) -> Node:
    if isinstance(node, MatMul):
        return MatMul(_primed(node.a, net), _primed(node.b, net))
    if isinstance(node, T):
        return T(_primed(node.a, net))
    if isinstance(node, Sum):
        return Sum(_primed(node.a, net), node.axis)
    if not isinstance(node, Ew):
        return node
    # a constant argument (the seed dC/dC = 1) is written as its value
    consts = {placeholder(i): a.expr for i, a in enumerate(node.args) if _constant(a)}
    expr = node.expr.xreplace(consts)
    for act in net.activations.values():
        deriv = act.derivative
        if act.normalized or deriv.is_number or deriv.is_Symbol:
            continue
        prime = sp.Function(f"{act.name}'")
        for i in range(len(node.args)):
            expr = expr.xreplace({deriv.xreplace({z: placeholder(i)}): prime(placeholder(i))})
    return make_ew(expr, [_primed(a, net) for a in node.args], node.shape)


def _constant(node: Node) -> bool:
    return isinstance(node, Ew) and not node.args


def _chain(d: Derivation, step, net: Network) -> str:
    """``dW1 = (1/m) delta1 @ x.T, where delta1 = (W2.T @ delta2) * relu'(z1), ...``."""
    scale = "" if d.scale == 1 else f"({sp.sstr(d.scale)}) "
    text = f"{step.name} = {scale}{_fmt(step.simplified, net)}"
    return text + _definitions(d, net, [step.simplified], exclude={step.name}, simplified=True)


def _definitions(d, net, nodes, exclude, simplified=False) -> str:
    """The named gradients the nodes use, and those they use in turn, as ``, where ...``."""
    by_name = {s.name: s for s in d.steps}
    todo, seen, out = list(nodes), set(exclude), []
    while todo:
        for n in walk(todo.pop(0)):
            if isinstance(n, Var) and n.role == "grad" and n.name not in seen:
                seen.add(n.name)
                s = by_name[n.name]
                value = s.simplified if simplified else s.value
                out.append(f"{s.name} = {_fmt(value, net)}")
                todo.append(value)
    if not out:
        return ""
    return (", where " if simplified else " (") + ", ".join(out) + ("" if simplified else ")")


def _first_step(d: Derivation, net: Network) -> str:
    s = d.steps[0]
    return f"{s.name} = {_fmt(s.simplified, net)}"


def _text(path, name, net, d, caller, ms, seed, runs, results, unused) -> str:
    try:
        source = str(Path(net.source).resolve().relative_to(Path.cwd()))
    except ValueError:
        source = net.source
    how = (
        'averaged over the m samples (reduction = "mean"): every gradient carries 1/m'
        if net.reduction == "mean"
        else 'summed over the m samples (reduction = "sum"): no gradient has a 1/m'
    )
    out = [
        f"derive check {path}:{name} against {net.name} ({source})",
        f"  calls {caller.shown}, samples as columns: X ({net.inputs}, m), Y ({net.outputs}, m)",
        f"  cost {node_text(net.cost)}, {how}",
        f"  random float64 inputs at m = {', '.join(map(str, ms))} (seed {seed}); "
        f"tolerance {RTOL:g} relative to the largest entry",
        "",
    ]
    width = max(len(r.gradient) for r in results)
    for r in results:
        out.append(f"{r.gradient:<{width}}  {r.verdict}")
        out += [f"{' ' * (width + 2)}{line}" for line in r.lines]
    out.append("")
    for r in runs:
        if r.error:
            out.append(f"at m = {r.m}, {name} raised {r.error}")
    fine = [r.m for r in runs if not r.error]
    if fine and any(r.error for r in runs):
        out.append(
            f"it runs with m = {', '.join(map(str, fine))} but not with the others: derive "
            "passes a batch, one sample per column, as the vectorized notes do"
        )
    if unused:
        out.append(f"also returned, not checked: {', '.join(unused)}")
    for verdict, what in (("wrong", "wrong"), ("unknown", "not confirmed")):
        names = [r.gradient for r in results if r.verdict == verdict]
        if names:
            out.append(f"{len(names)} of {len(results)} gradients {what}: {', '.join(names)}")
    if all(r.verdict == "correct" for r in results):
        out.append(f"all {len(results)} gradients match the derivation")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- CLI
def add_arguments(parser, *, common: bool = True) -> None:
    """The options of ``derive check file.py:function``; ``common=False`` adds only those the
    notes checker does not have (--call, --returns, --samples, --seed)."""
    if common:
        parser.add_argument("target", help="your code, as file.py:function (default: backward)")
        parser.add_argument("--spec", help="the network's spec (default: examples/seed.toml)")
        parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--call", help="how to call the function, as a Python expression in X, Y, m, params, "
        "cache, the parameters and forward values, e.g. \"backward(X, Y, params)\"",
    )  # fmt: skip
    parser.add_argument(
        "--returns", help="the order of a returned tuple, e.g. dW2,db2,dW1,db1 (_ skips one)"
    )
    parser.add_argument(
        "--samples", type=_sample_list, help="the sample counts m to test at (default: 1 and "
        "the smallest m >= 5 that is no dimension of the network)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="seed of the random inputs")


def _sample_list(text: str) -> tuple[int, ...]:
    try:
        ms = tuple(int(s) for s in text.split(","))
    except ValueError:
        ms = ()
    if not ms or min(ms) < 1:
        import argparse

        raise argparse.ArgumentTypeError("write positive sample counts, e.g. 1,6")
    return ms


def run(args) -> int:
    """``func`` of the subcommand: print the report, return the exit status."""
    text, code = check_code(
        args.target,
        getattr(args, "spec", None),
        getattr(args, "format", "text"),
        call=getattr(args, "call", None),
        returns=getattr(args, "returns", None),
        ms=getattr(args, "samples", None),
        seed=getattr(args, "seed", 0),
    )
    sys.stdout.write(text)
    return code


def register_cli(subparsers) -> None:
    """Add ``check-code`` (what ``derive check file.py:function`` dispatches to)."""
    p = subparsers.add_parser(
        "check-code",
        help="check your own NumPy backward function against the derived gradients",
        description=__doc__.split("\n\n")[0],
    )
    add_arguments(p)
    p.set_defaults(func=run)
