"""Check a student's own NumPy backward function against the derived gradients.

``derive check mycode.py:backward --spec SPEC`` imports ``mycode.py`` (only its defining
statements: data loading, training and plots at its top level are skipped and listed), calls
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
one dict in it, or lists by layer read by shape. Course interfaces (deeplearning.ai's
``L_model_backward(AL, Y, caches)``, CS231n's ``TwoLayerNet.loss``, Nielsen's
``Network.backprop``, lists of weights, layer objects: see ``interfaces``) are recognised and
called in the reading (rows or columns, labels, reg, per example) their code runs under, and
the report says which. Two adapter options cover the rest:

    --call "backward(params['W1'], params['b1'], params['W2'], params['b2'], X, Y)"
        a Python call expression; the names above (X, Y, m, params, cache, W1, z1, ...) and
        ``np`` are defined. Code written for samples as rows: --call "{k: v.T for k, v in
        backward(X.T, Y.T, W1.T, b1.T, W2.T, b2.T).items()}".
    --returns dW2,db2,dW1,db1
        the order of a returned tuple; ``_`` skips an entry (--returns _,dW1,db1,dW2,db2 for a
        tuple that starts with the loss).

The gradients are those of the spec's cost: with ``reduction = "mean"`` (the default) the cost
is averaged over the m samples and every gradient carries a 1/m; with ``"sum"`` none does.
The expected values come from the generated module (``derive.emit.codegen``); the explanations come
from re-evaluating the derivation's steps with one step changed at a time. The stages, one
module each: ``call`` (loading and calling the function), ``eval`` (the
derivation evaluated in NumPy, as it is and altered), ``run`` (one run at one m),
``judge`` (a verdict and an explanation per gradient), ``report``.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import numpy as np

from derive.emit.codegen import load_module
from derive.engine.derivation import derive
from derive.engine.graph import Network
from derive.engine.spec import load_spec
from derive.errors import DeriveError

from .call import DEFAULT_FUNCTION, Caller, load_function, load_target  # noqa: F401
from .evaluate import Evaluator, mutants_of
from .interfaces import layer_count_hint, layers_of
from .judge import judge
from .load import SUPPLIED
from .report import report_json, report_text
from .run import call_values, draw, random_inputs, run_at, sample_counts

_TARGET = re.compile(r"^(?P<path>.+\.py)(?::(?P<func>[A-Za-z_][\w.]*))?$")


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
    interface (default: ``derive.emit.codegen.load_module(net)``)."""
    if fmt not in ("text", "json"):
        raise DeriveError(f"unknown format {fmt!r}", where="--format", fix="use text or json")
    found = _TARGET.match(target)
    if not found:
        raise DeriveError(
            "not a Python file and function", where=target, fix="write e.g. mycode.py:backward"
        )
    path, name = found["path"], found["func"] or DEFAULT_FUNCTION
    own = _own_spec(path) if spec is None else None
    net = spec if isinstance(spec, Network) else load_spec(own or spec)
    func, module, skipped = load_target(path, name)
    d = derive(net)
    reference = reference or _generated(net)
    ev = Evaluator(net)
    penalty = _penalty_factor(net, d, ev)
    caller = Caller(func, name, path, net, call, returns, module, penalty)
    big = sample_counts(net)[-1]

    def values_at(m, labels):
        return call_values(net, reference, draw(net, d, ev, reference, m, seed, labels)[0], m, d)

    def spec_loss(v):
        return float(reference.loss(v["params"], v["X"], v["Y"]))

    if caller.iface is not None:
        caller.choose(values_at, spec_loss, big)
    elif call is None and returns is None:
        caller.fallback(values_at, spec_loss, big, module, penalty)
    if ms is None and caller.per_example:
        ms = (1, 1, 1)  # one example, three draws
    ms = tuple(ms or sample_counts(net))
    mutants = mutants_of(d)
    runs = [run_at(net, d, ev, reference, caller, mutants, m, seed + k) for k, m in enumerate(ms)]
    results = [
        judge(net, d, p, runs, mutants) for p in ([caller.only] if caller.only else net.params)
    ]
    _layer_count(func, net, results)
    unused = sorted({k for r in runs for k in r.unused})
    ok = all(r.verdict == "correct" for r in results) and not any(r.error for r in runs)
    code = 0 if ok else 1
    notes = [*caller.notes, *(n if SUPPLIED in n else f"not run on import: {n}" for n in skipped)]
    if own is not None:
        shown = os.path.relpath(own)
        notes.insert(0, f"the network of {shown}, which the file's header names as its spec")
    if caller.only:
        notes.insert(0, f"{name} returns one gradient, d{caller.only} (its name says which)")
    if caller.ascent:
        notes.insert(0, f"the file adds what {name} returns to the parameters (gradient ascent "
                     "on -C): its values are checked negated")  # fmt: skip
    if fmt == "json":
        return report_json(results), code
    return report_text(path, name, net, caller, ms, seed, runs, results, unused, notes), code


def _own_spec(path: str) -> Path | None:
    """The spec a module generated by derive names in its header (``Generated by derive from
    allacts.toml``), where that file is found: from the current folder, or from the folder
    above the module's (``generated/`` beside the spec). Without ``--spec``, that module is
    checked against its own network, not the bundled example's."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = f.read(300)
    except OSError:
        return None
    m = re.match(r'"""Generated by derive from (\S+)\n', head)
    if m is None:
        return None
    for base in (Path.cwd(), Path(path).resolve().parent.parent):
        candidate = base / m.group(1)
        if candidate.is_file():
            return candidate
    return None


def _layer_count(func, net: Network, results) -> None:
    """Name the account of gradients that fail because the code counts its layers from a
    shape (``L = AL.shape[1]``: the samples), when it does."""
    hint = layer_count_hint(func, len(layers_of(net)) or len(net.params) // 2)
    if hint is None:
        return
    for r in results:
        # a layer counted as the output runs the output's line: the count is the cause
        if r.verdict != "correct" and r.diagnosis in (
            "raised", "missing", "values", "output_line", None):  # fmt: skip
            r.diagnosis = "layer_count"
            r.lines.insert(0, hint)


def _penalty_factor(net: Network, d, ev) -> float | None:
    """k when the spec's penalty adds k * W to each weight gradient (c * sum(W**2), k = 2c):
    the regularization strength a course's ``reg`` is read from."""
    step = next((s for s in d.param_steps if s.penalty is not None and s.of.startswith("W")), None)
    if step is None:
        return None
    env = random_inputs(net, 1, 0)
    with np.errstate(all="ignore"):
        g = np.asarray(ev(step.penalty, env, 1), dtype=np.float64)
    w = env[step.of]
    if g.shape != w.shape:
        return None
    k = float(f"{float(np.sum(g * w) / np.sum(w * w)):.12g}")  # 0.1, not 0.10000000000000003
    return k if np.allclose(g, k * w, rtol=1e-9, atol=1e-12) else None


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


# The tests reach these two by their names from before the split into check_code_*.
_Evaluator, _inputs = Evaluator, random_inputs
