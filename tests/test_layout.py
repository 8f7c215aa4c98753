"""The package's stages import one way: ``cli`` -> ``check``, ``train`` -> ``emit`` ->
``engine`` -> the base modules ``errors``, ``fileio``, ``resources``. Read from the source
(every ``import`` and ``from`` statement, at any depth), so a lazy import counts too."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "derive"

# what each stage may import besides itself (the base modules errors, fileio, resources: to all)
ALLOWED = {
    "engine": set(),
    "emit": {"engine"},
    "train": {"engine", "emit"},
    "check": {"engine", "emit"},
    "cli": {"engine", "emit", "train", "check"},
    "api": {"engine", "emit", "train", "check"},  # the notebook API, beside the command line
    "__main__": {"cli"},
}
BASE = {"errors", "fileio", "resources"}


def _stage(module: str) -> str:
    """``derive.engine.graph`` -> ``engine``; top-level modules are their own stage."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every derive import in ``path``."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return _imports_in(path.read_text(encoding="utf-8"), package)


def _imports_in(source: str, package: str) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if node.module is None or target == "derive":  # from . import x: x is a module
                out += [(node.lineno, f"{target}.{a.name}") for a in node.names]
            else:
                out.append((node.lineno, target))
    return [(line, t) for line, t in out if t == "derive" or t.startswith("derive.")]


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_one_way(path):
    stage = _stage(_module_name(path))
    if stage in BASE:
        allowed = set()  # errors, fileio and resources import no stage
    elif stage == "":
        allowed = {"api"}  # the package's __init__ re-exports the API (lazily)
    else:
        allowed = ALLOWED[stage]
    wrong = [
        f"line {line}: {target}"
        for line, target in _imports(path)
        if _stage(target) not in allowed | BASE | {stage}
    ]
    assert not wrong, f"{path.relative_to(PACKAGE)} ({stage}) may import only {sorted(allowed)}"


def test_every_module_has_a_stage():
    stages = {_stage(_module_name(p)) for p in MODULES} - {""}
    assert stages <= set(ALLOWED) | BASE, stages - set(ALLOWED) - BASE


def test_the_reader_sees_lazy_and_relative_imports():
    # the test itself can fail: a lazy import two levels up from engine is read as emit's
    src = "import numpy\n\ndef f():\n    from ..emit import codegen\n    from .ir import Var\n"
    found = _imports_in(src, "derive.engine")
    assert found == [(4, "derive.emit"), (5, "derive.engine.ir")]
    assert _stage(found[0][1]) not in ALLOWED["engine"] | BASE | {"engine"}
