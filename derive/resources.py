"""Where derive's own files are: the templates and the bundled examples.

Both have one source, the top-level ``templates/`` and ``examples/`` folders of the project.
A wheel (or ``pip install .``) carries copies of them as package data in ``derive/_data/``
(``setup.py`` copies them at build time); an editable install or a clone reads the source
folders themselves, so an edit to a template shows at once.

Nothing here is ever written to: outputs go to the user's folder (``generated/``, ``build/``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _root() -> Path:
    """The folder holding ``templates/`` and ``examples/``: the source tree when derive runs
    from a clone, else the package data of the installed wheel."""
    source = Path(__file__).resolve().parent.parent
    if (source / "pyproject.toml").is_file() and (source / "templates").is_dir():
        return source
    return Path(str(resources.files("derive") / "_data"))


ROOT = _root()
TEMPLATES = ROOT / "templates"
EXAMPLES = ROOT / "examples"
SEED = EXAMPLES / "seed.toml"


def example(name: str) -> Path | None:
    """The bundled example called ``name`` (``"seed"`` or ``"seed.toml"``), or None."""
    stem = name[:-5] if name.endswith(".toml") else name
    if not stem or "/" in stem or "\\" in stem or stem.startswith("."):
        return None
    path = EXAMPLES / f"{stem}.toml"
    return path if path.is_file() else None


def examples() -> list[Path]:
    """Every bundled example spec, sorted by name."""
    return sorted(EXAMPLES.glob("*.toml"))
