"""Import a student's file without running their training, plotting or data loading.

A student's file is often a notebook exported to ``.py``: its top level loads MNIST, trains
for an hour and plots. ``load_module`` executes only what defines the functions: imports,
``def`` and ``class`` statements, assignments and calls made of literals, names and NumPy /
math / random calls (``np.random.seed(1)``, ``w1 = np.random.randn(32, 10) * 0.01``), one
statement at a time under the file's own name and line numbers. Everything else at the top
level (loops, ``with``, calls of the file's own or imported functions such as ``train(...)``,
``plt.show()``, ``X, Y = load_data()``, file reads) is skipped, and so is a statement that
reads a name only a skipped statement makes; each skip is noted. An import of a module that
is not installed (matplotlib, pandas, h5py, sklearn, a course's ``testCases``) binds a stub
that accepts any use, also noted. The student's own code inside the functions is what the
checker calls; that is the point of checking it.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import importlib
import io
import re
import signal
import sys
import threading
import types
import warnings
from pathlib import Path

# Modules whose functions are safe to call at import time: numeric, no files, no network.
_SAFE_MODULES = ("numpy", "math", "random", "scipy", "cmath", "fractions", "builtins")
# ... except these, which read or write files.
_UNSAFE_NAMES = {"load", "loadtxt", "genfromtxt", "fromfile", "save", "savez", "savetxt",
                 "memmap", "fromregex", "loadmat", "savemat", "open", "imread"}  # fmt: skip
_SAFE_BUILTINS = {"range", "len", "list", "dict", "tuple", "int", "float", "str", "set", "zip",
                  "enumerate", "sorted", "min", "max", "abs", "round", "sum", "isinstance", "type",
                  "object", "bool", "frozenset", "reversed", "map", "print", "pow"}  # fmt: skip
TIME_LIMIT = 20.0  # seconds for importing the file, and for each call of the student's code


class Stub(types.ModuleType):
    """What a missing optional module (matplotlib, pandas, h5py) is bound to: any attribute
    is another stub, any call returns one."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Stub(f"{self.__name__}.{name}")

    def __call__(self, *args, **kwargs):
        return Stub(self.__name__ + "()")

    def __iter__(self):
        return iter(())


class TimedOut(Exception):
    """The student's code ran longer than ``TIME_LIMIT``."""


@contextlib.contextmanager
def time_limit(seconds: float = TIME_LIMIT):
    """Raise ``TimedOut`` in the student's code after ``seconds`` (main thread, Unix only;
    elsewhere no limit)."""
    usable = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if not usable or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield
        return

    def stop(signum, frame):
        raise TimedOut(f"still running after {seconds:g} s")

    old = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def load_module(file: Path, modname: str) -> tuple[types.ModuleType, list[str]]:
    """The module of ``file`` with only its defining statements run, and notes of what was
    skipped or stubbed. Errors of the statements run propagate (the caller names the line)."""
    source, tree, py2 = _parsed(file)
    module = types.ModuleType(modname)
    module.__file__ = str(file)
    module.__builtins__ = builtins
    ns = module.__dict__
    notes: list[str] = []
    safe_roots: set[str] = set()  # names bound to numpy, math, ...
    skipped: set[str] = set()  # names only skipped statements make
    sys.modules[modname] = module
    with contextlib.redirect_stdout(io.StringIO()), time_limit(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for stmt in tree.body:
            if _is_main_guard(stmt):
                continue
            if isinstance(stmt, ast.Import | ast.ImportFrom):
                _import(stmt, ns, file, notes, safe_roots)
                continue
            reason = _why_skip(stmt, safe_roots, skipped)
            if reason:
                skipped.update(_bound(stmt))
                text = ast.get_source_segment(source, stmt) or type(stmt).__name__
                first = text.strip().splitlines()[0]
                notes.append(f"line {stmt.lineno}: {first[:60]}{'...' if len(first) > 60 else ''}"
                             f" ({reason})")  # fmt: skip
                continue
            code = compile(ast.Module([stmt], type_ignores=[]), str(file), "exec")
            exec(code, ns)  # the student's own definitions: what the checker is for
    _supply_implied(tree, ns, notes)
    if py2:
        notes.append(f"{SUPPLIED}Python 2 print statements read as print(...): line "
                     + ", ".join(map(str, py2)))  # fmt: skip
    return module, notes


_PRINT_STATEMENT = re.compile(r"^(\s*)print\s+(?![\s(=.,)\]])(.*?)\s*$")


def _parsed(file: Path):
    """(source, tree, lines rewritten): a Python 2 ``print x`` statement (CS231n's 2016
    ``train``) is rewritten ``print(x)`` on its own line, so the file's functions import."""
    source = file.read_text(encoding="utf-8")
    rewritten: list[int] = []
    while True:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. invalid escape sequences in docstrings
                return source, ast.parse(source, filename=str(file)), rewritten
        except SyntaxError as err:
            lines = source.splitlines(keepends=True)
            n = err.lineno or 0
            hit = _PRINT_STATEMENT.match(lines[n - 1]) if 0 < n <= len(lines) else None
            if hit is None or "print" not in (err.msg or "") or n in rewritten:
                raise
            end = "\n" if lines[n - 1].endswith("\n") else ""
            lines[n - 1] = f"{hit[1]}print({hit[2].rstrip(',')}){end}"
            rewritten.append(n)
            source = "".join(lines)


SUPPLIED = "supplied on import: "
# Names a file uses but never binds, because another cell of its notebook imported them or
# because it is Python 2 code: bound to what they mean there, with a note.
_IMPLIED = {"np": ("numpy", "import numpy as np"), "numpy": ("numpy", "import numpy"),
            "xrange": (None, "xrange = range (Python 2)")}  # fmt: skip


def _supply_implied(tree, ns, notes) -> None:
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    for name in sorted(used & _IMPLIED.keys()):
        if name in ns or hasattr(builtins, name):
            continue
        mod, said = _IMPLIED[name]
        ns[name] = importlib.import_module(mod) if mod else range
        notes.append(f"{SUPPLIED}the file uses `{name}` without defining it: `{said}` supplied")


def _is_main_guard(stmt) -> bool:
    return (
        isinstance(stmt, ast.If)
        and isinstance(stmt.test, ast.Compare)
        and isinstance(stmt.test.left, ast.Name)
        and stmt.test.left.id == "__name__"
    )


def _import(stmt, ns, file, notes, safe_roots) -> None:
    """Run one import; a module that is not installed is bound to a ``Stub``."""
    names = [a.asname or a.name.split(".")[0] for a in stmt.names]
    top = (stmt.module or "") if isinstance(stmt, ast.ImportFrom) else stmt.names[0].name
    if isinstance(stmt, ast.Import):
        for a in stmt.names:
            if a.name.split(".")[0] in _SAFE_MODULES:
                safe_roots.add(a.asname or a.name.split(".")[0])
    elif (stmt.module or "").split(".")[0] in _SAFE_MODULES and stmt.level == 0:
        safe_roots.update(a.asname or a.name for a in stmt.names)
    if isinstance(stmt, ast.ImportFrom):
        mods = [stmt.module] if stmt.module and stmt.level == 0 else []
    else:
        mods = [a.name for a in stmt.names]
    for mod in mods:  # the student's own helper files: imported the same way, without scripts
        sibling = file.parent / f"{mod.split('.')[0]}.py"
        if sibling.is_file() and mod.split(".")[0] not in sys.modules:
            _, inner = load_module(sibling, mod.split(".")[0])
            notes += [f"{sibling.name} {n}" for n in inner]
    try:
        exec(compile(ast.Module([stmt], type_ignores=[]), str(file), "exec"), ns)
    except ImportError as err:
        missing = getattr(err, "name", None) or top
        for a in stmt.names:
            if a.name == "*":
                continue
            bound = a.asname or (
                a.name if isinstance(stmt, ast.ImportFrom) else a.name.split(".")[0]
            )
            ns[bound] = Stub(f"{missing}.{a.name}" if isinstance(stmt, ast.ImportFrom) else a.name)
        stubbed = ", ".join(n for n in names if n != "*") or "its names"
        notes.append(f"line {stmt.lineno}: `{missing}` is not installed here: {stubbed} stubbed")


def _why_skip(stmt, safe_roots: set[str], skipped: set[str]) -> str | None:
    """Why a top-level statement is not run, or None when it only defines things."""
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return None
    if isinstance(stmt, ast.Pass):
        return None
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return None  # a docstring
    if isinstance(stmt, ast.Try):
        inner = [s for s in (*stmt.body, *stmt.orelse, *stmt.finalbody)]
        inner += [s for h in stmt.handlers for s in h.body]
        if all(isinstance(s, ast.Import | ast.ImportFrom | ast.Pass) or not
               _why_skip(s, safe_roots, skipped) for s in inner):  # fmt: skip
            return None
        return "a try block that does more than define"
    if not isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.Expr):
        return f"a top-level {type(stmt).__name__.lower()} statement: it may train or load data"
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in skipped:
            return f"it uses {node.id}, which a skipped line makes"
        if isinstance(node, ast.Call):
            callee = _callee(node.func)
            if callee is None or not _safe_call(callee, safe_roots):
                return f"calls {'.'.join(callee) if callee else 'a computed function'}"
    return None


def _callee(func) -> list[str] | None:
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    parts.append(func.id)
    return parts[::-1]


def _safe_call(callee: list[str], safe_roots: set[str]) -> bool:
    if callee[-1] in _UNSAFE_NAMES:
        return False
    if len(callee) == 1:
        return callee[0] in _SAFE_BUILTINS or callee[0] in safe_roots
    if callee[:2] in (["sys", "path"], ["os", "path"]):
        return callee[-1] in ("append", "insert", "join", "dirname", "abspath", "basename")
    return callee[0] in safe_roots


def _bound(stmt) -> set[str]:
    """The names a statement assigns."""
    out = set()
    targets = getattr(stmt, "targets", None) or [getattr(stmt, "target", None)]
    for t in targets:
        if t is None:
            continue
        for n in ast.walk(t):
            if isinstance(n, ast.Name):
                out.add(n.id)
    return out
