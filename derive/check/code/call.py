"""Load a student's Python file and call its backward function the way it asks to be called.

``load_function(path, name)`` imports only that file, without its training or plots (``load``:
its defining statements run, its own helper modules import the same way) and returns the
function; an import that fails is a ``DeriveError`` naming the line. ``Caller`` matches the
function's parameter names to what derive passes (X, Y, the spec's parameters and forward
values, ``params``, ``cache``, ``m``: see ``main``), sets module globals it reads (``w2``,
``m``), or evaluates a ``--call`` expression, and reads what it returns into ``{param:
gradient}`` by dict key (``dW1``, ``W1``, ``grad_W1``, ``dC_dW1``), tuple order, shape or
``--returns``. Code written for a course's interface (``interfaces``) is called through an
``Interface`` whose reading ``choose`` (or, when the convention's call raises, ``fallback``)
picks by probing.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import inspect
import io
import re
import sys
import traceback
import warnings
from pathlib import Path

import numpy as np

from derive.engine.graph import Network
from derive.errors import DeriveError

from .interfaces import Interface, Reader, Reading, layers_of, param_for
from .load import load_module, time_limit

DEFAULT_FUNCTION = "backward"
_ROLES = {  # lower-case parameter name -> what is passed (besides the spec's own names)
    **dict.fromkeys(("x", "inputs", "input", "a0", "x_batch"), "X"),
    **dict.fromkeys(("y", "targets", "target", "labels", "y_true"), "Y"),
    **dict.fromkeys(("params", "parameters", "weights", "theta"), "params"),
    **dict.fromkeys(("cache", "forward", "activations", "acts"), "cache"),
    **dict.fromkeys(("m", "n_samples", "batch_size"), "m"),
}


def load_function(path: str, name: str = DEFAULT_FUNCTION):
    """Import the file at ``path`` (only it, without its training: see ``load``) and return
    its attribute ``name`` (dotted names reach into objects: ``model.backward``)."""
    return load_target(path, name)[0]


def load_target(path: str, name: str = DEFAULT_FUNCTION):
    """(the function ``name``, its module, notes of what importing skipped or stubbed)."""
    file = Path(path)
    if not file.is_file():
        raise DeriveError("no such file", where=path, fix="give the path of your .py file")
    modname = "_derive_check_" + re.sub(r"\W", "_", file.stem)
    folder = str(file.resolve().parent)
    root = file.resolve().parent  # a file inside a package (cs231n/classifiers/neural_net.py)
    while (root / "__init__.py").is_file() and root.parent != root:
        root = root.parent  # imports its package by name (`from cs231n.layers import ...`)
    added = list(dict.fromkeys([folder, str(root)]))
    sys.path[:0] = added  # as `python mycode.py` would: its own helper modules import
    bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no __pycache__ there
    try:
        module, notes = load_module(file, modname)
    except KeyboardInterrupt:
        raise
    except BaseException as err:  # noqa: B036 - SystemExit from a script's argparse too
        line = err.lineno if isinstance(err, SyntaxError) else line_in(err, file)
        raise DeriveError(
            f"importing it raised {type(err).__name__}: {err}",
            where=f"{path}:{line}" if line else path,
            fix="fix that line, or move code that should not run on import under "
            '`if __name__ == "__main__":`',
        ) from None
    finally:
        for entry in added:
            sys.path.remove(entry)
        sys.modules.pop(modname, None)
        sys.dont_write_bytecode = bytecode
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
    return obj, module, notes


def line_in(err: BaseException, file: Path) -> int | None:
    """The last line of ``file`` in the traceback of ``err``."""
    file = file.resolve()
    frames = traceback.extract_tb(err.__traceback__)
    lines = [f.lineno for f in frames if Path(f.filename).resolve() == file]
    return lines[-1] if lines else None


def source_line(path: str, line: int | None) -> str:
    if not line:
        return ""
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()[line - 1].strip()
    except (OSError, IndexError, UnicodeDecodeError):
        return ""


class Caller:
    """Calls the student's function by the convention (or ``--call``) and reads its result
    into ``{param: value}`` (by dict key, tuple order or ``--returns``)."""

    def __init__(self, func, name, path, net: Network, call, returns, module=None,
                 penalty_k: float | None = None):  # fmt: skip
        self.func, self.name, self.path, self.net = func, name, path, net
        self.returns = _parse_returns(returns, net) if returns else None
        self.call = None
        self.iface = None  # a course interface (``interfaces``) when the convention fails
        self.globals: list[tuple[str, str, tuple]] = []  # module globals the function reads
        self.labels = False  # integer labels: the draws keep the largest class in the batch
        self.per_example = False
        self.notes: list[str] = []
        self.only = named_gradient(name, net)  # `derivative_w2`: one gradient, dW2
        self.ascent = module is not None and _ascends(module, name.split(".")[-1])
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
        try:
            self.plan = self._plan()
        except DeriveError as err:
            if module is None or returns:
                raise
            try:
                self.iface = Interface(func, name, path, net, module, penalty_k, self.only)
            except DeriveError as why:
                raise (why if "." in name else err) from None
            self.iface.describe()
            self.shown = self.iface.shown
            return
        if module is not None:
            self.globals = _globals_read(func, module, net)
        shown = [k if k == src else f"{k}={src}" for k, src, _ in self.plan]
        self.shown = f"{name}({', '.join(shown)})"
        if self.globals:
            self.shown += (
                "; sets the module's "
                + ", ".join(f"{g} to {p}" for g, p, _ in self.globals)
                + f" first ({name} reads {'them' if len(self.globals) > 1 else 'it'})"
            )

    def fallback(self, values_at, spec_loss, big: int, module, penalty_k) -> None:
        """When derive's convention raises at m = ``big`` (code written for samples as rows,
        or for deeplearning.ai course 2's cache tuple), try the course readings instead, and
        keep one under which the code runs."""
        values = values_at(big, False)
        try:
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), \
                    np.errstate(all="ignore"), time_limit():  # fmt: skip
                warnings.simplefilter("ignore")
                self.read(self(values))
            return
        except DeriveError:  # it ran, but what it returned cannot be read: say so
            raise
        except Exception as err:  # noqa: BLE001 - the student's code failing says try others
            failed = f"{type(err).__name__}"
        try:
            iface = Interface(
                self.func, self.name, self.path, self.net, module, penalty_k, self.only
            )
        except DeriveError:
            return
        plain = (self.shown, self.globals, self.notes)
        self.iface, self.notes = iface, []
        self.choose(values_at, spec_loss, big)
        if self.best_score >= 3:  # no reading runs either: report the convention's failure
            self.iface, self.labels, self.per_example = None, False, False
            self.shown, self.globals, self.notes = plain
            return
        self.notes.insert(0, f"with derive's convention (samples as columns) it raised {failed}")

    def choose(self, values_at, spec_loss, big: int) -> None:
        """Pick the reading of a course interface: the first under which the code runs at
        m = ``big`` and returns every gradient in its parameter's shape (and the spec's loss,
        when it returns one); else one example at a time, at m = 1 (``interfaces``)."""
        iface = self.iface
        tried = []
        for reading in iface.readings:
            tried.append((self._probe(reading, values_at(big, reading.labels), spec_loss),
                          reading))  # fmt: skip
        best = min(tried, key=lambda t: t[0][0])
        if best[0][0] >= 2 and iface.may_be_per_example():
            single = []
            for reading in iface.readings:
                one = Reading(reading.rows, reading.labels, reading.reg, per_example=True)
                single.append((self._probe(one, values_at(1, one.labels), spec_loss), one))
            first = min(single, key=lambda t: t[0][0])
            if first[0][0] < 2:
                self.notes.append(
                    f"at m = {big} (a batch) {best[0][1]}; with one example it runs: "
                    f"{self.name} handles one example at a time, so it is checked at m = 1"
                )
                best = first
        iface.reading = best[1]
        self.best_score = best[0][0]
        self.labels, self.per_example = best[1].labels, best[1].per_example
        iface.describe()
        self.shown = iface.shown
        with_reg = "reg" in iface.roles.values() or iface.init_reg
        others = [f"{r.text(self.net, with_reg)}: {why}" for (s, why), r in tried
                  if r != best[1] and s > 0]  # fmt: skip
        if others:
            self.notes.append("other readings: " + "; ".join(dict.fromkeys(others)))

    def _probe(self, reading, values, spec_loss) -> tuple[int, str]:
        """(score, what happened): 0 every gradient in shape and the spec's loss (if one is
        returned), 1 in shape but another loss, 2 some missing or misshapen, 3 raised."""
        iface = self.iface
        try:
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), \
                    np.errstate(all="ignore"), time_limit():  # fmt: skip
                warnings.simplefilter("ignore")
                found = iface.read(*iface.call(_fresh(values), reading))
        except Exception as err:  # noqa: BLE001 - the student's code failing says no
            return 3, f"raised {type(err).__name__}"
        bad = [p for p in ([self.only] if self.only else self.net.params) if p not in found
               or np.shape(found[p]) != tuple(self.net.params[p].shape)]  # fmt: skip
        if bad:
            return 2, f"{', '.join('d' + p for p in bad)} missing or misshapen"
        if found.loss is not None:
            want = spec_loss(values)
            if abs(found.loss - want) > 1e-6 * max(1.0, abs(want)):
                return 1, f"returned the loss {found.loss:.6g}, not the spec's {want:.6g}"
        return 0, "fits"

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
        fresh = _fresh(values)  # the code may change them in place
        if self.call is not None:
            return eval(self.call, {"np": np, self.name.split(".")[-1]: self.func, **fresh})
        if self.iface is not None:
            return self.iface.read(*self.iface.call(fresh, self.iface.reading))
        for g, p, like in self.globals:
            self.func.__globals__[g] = _as_stored(fresh[p], like)
        args = [fresh[src] for _, src, positional in self.plan if positional]
        kwargs = {k: fresh[src] for k, src, positional in self.plan if not positional}
        return self.func(*args, **kwargs)

    def read(self, result) -> tuple[dict[str, object], list[str]]:
        """``{param: returned value}`` and the keys of a returned dict that name no parameter;
        negated when the file adds them to the parameters (gradient ascent)."""
        found, unused = self._read(result)
        if self.ascent:
            found = {p: -np.asarray(v, dtype=np.float64) for p, v in found.items()}
        return found, unused

    def _read(self, result) -> tuple[dict[str, object], list[str]]:
        params = [self.only] if self.only else list(self.net.params)
        if self.iface is not None:
            return dict(result), list(result.unused)
        if self.returns is None and isinstance(result, tuple | list):
            dicts = [r for r in result if isinstance(r, dict)]
            if len(dicts) == 1 and len(result) <= 3:  # (loss, grads) or (grads, cache)
                result = dicts[0]
        if isinstance(result, dict):
            out, unused = {}, []
            for key, value in result.items():
                p = param_for(key, self.net)
                if p is None or p in out:
                    unused.append(str(key))
                else:
                    out[p] = value
            return out, unused
        if isinstance(result, np.ndarray) and len(params) == 1 and self.returns is None:
            return {params[0]: result}, []
        order = self.returns or params
        if self.returns is None and isinstance(result, tuple | list):
            found = _read_by_shapes(result, self.net)  # (loss, [gW1, gb1, ..]), lists by layer
            if found is not None:
                return found
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


_ONE_GRADIENT = re.compile(
    r"(?:derivative|deriv|gradient|grad|compute_grad|compute|calc|get)?_?(?:d_?)?(?P<p>[wb]_?\d+)",
    re.I,
)


def named_gradient(name: str, net: Network) -> str | None:
    """The one parameter a function's name says it differentiates (``derivative_w2``,
    ``grad_b1``, ``dW1``), or None."""
    hit = _ONE_GRADIENT.fullmatch(name.split(".")[-1])
    if hit is None:
        return None
    key = hit["p"].replace("_", "").lower()
    return next((q for q in net.params if q.lower() == key), None)


def _ascends(module, short: str) -> bool:
    """Does the file add what the function returns to a parameter (``W2 += lr *
    derivative_w2(...)``, or ``W = W + lr * f(...)``): gradient ascent on -C?"""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in its docstrings
            tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, TypeError, UnicodeDecodeError):
        return False
    adds = subtracts = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add | ast.Sub):
            value, op = node.value, node.op
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.BinOp) and isinstance(
                node.value.op, ast.Add | ast.Sub):  # fmt: skip
            value, op = node.value.right, node.value.op
        else:
            continue
        calls = [c for c in ast.walk(value) if isinstance(c, ast.Call)
                 and (_callee_name(c.func) == short)]  # fmt: skip
        if calls:
            adds += isinstance(op, ast.Add)
            subtracts += isinstance(op, ast.Sub)
    return adds > 0 and subtracts == 0


def _callee_name(func) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _fresh(values: dict) -> dict:
    return {k: _copy(v) for k, v in values.items()}


def _globals_read(func, module, net: Network) -> list[tuple[str, str, tuple | None]]:
    """(global, what it is set to, its stored shape) for each module global the function
    reads that holds a parameter by name (``w2`` for W2, as such a file keeps them), or that
    names the inputs, targets or sample count (``m``, ``X``) and which the module does not
    define (its data script was not run): set before each call."""
    names, todo = set(), [getattr(func, "__code__", None)]
    while todo:
        code = todo.pop()
        if code is None:
            continue
        names |= set(code.co_names)
        todo += [c for c in code.co_consts if inspect.iscode(c)]
    out = []
    for g in sorted(names):
        value = vars(module).get(g)
        role = _ROLES.get(g.lower())
        if role in ("X", "Y", "m") and g not in vars(module) and not hasattr(builtins, g):
            out.append((g, role, None))
            continue
        p = next((p for p in net.params if p.lower() == g.lower()), None)
        if p is None or not isinstance(value, np.ndarray):
            continue
        shape = tuple(net.params[p].shape)
        if value.shape in (shape, shape[::-1]) or value.size == int(np.prod(shape)):
            out.append((g, p, value.shape))
    return out


def _read_by_shapes(result, net: Network):
    """``interfaces.Reader``'s reading of a result in derive's own layout, when it finds every
    gradient: ``(loss, [dW1, db1, ...])``, ``(nabla_b, nabla_w)``, the layers reversed."""
    layers = layers_of(net)
    if not layers:
        return None
    shapes = {p: tuple(net.params[p].shape) for p in net.params}
    found = Reader(net, layers).read(result, shapes, None)
    if set(found) != set(net.params):
        return None
    return dict(found), list(found.unused)


def _as_stored(value, like: tuple | None):
    if like is None or value.shape == like:
        return value
    if value.T.shape == like:
        return value.T.copy()
    return value.reshape(like)


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


def _parse_returns(text: str, net: Network) -> list[str | None]:
    out: list[str | None] = []
    for item in (s.strip() for s in text.split(",")):
        if item == "_":
            out.append(None)
            continue
        p = param_for(item, net)
        if p is None:
            raise DeriveError(
                f"`{item}` names no parameter of {net.name}", where=f"--returns {text}",
                fix=f"use d + a parameter name ({', '.join('d' + p for p in net.params)}) or _",
            )  # fmt: skip
        out.append(p)
    return out
