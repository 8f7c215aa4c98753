"""Where derive's own files are: the Jinja2 templates and the bundled example specs.

In a clone (an editable install) they are the top-level ``templates/`` and ``examples/``
folders, the sources. A wheel carries copies inside the package, in ``derive/_data/``
(``setup.py`` copies them there at build time), so an installed derive finds them without the
clone. Everything derive *writes* goes to the user's current folder, never here.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_SOURCE = _PACKAGE.parent  # the clone's root, when derive runs from its source folder
_BUNDLED = _PACKAGE / "_data"
BUNDLED_PREFIX = "derive:"  # how a generated header names a bundled example: derive:examples/x.toml


def _folder(name: str) -> Path:
    source = _SOURCE / name
    if (_SOURCE / "pyproject.toml").is_file() and source.is_dir():
        return source
    return _BUNDLED / name


TEMPLATES = _folder("templates")
EXAMPLES = _folder("examples")
SEED = EXAMPLES / "seed.toml"


def is_installed_copy(path: Path) -> bool:
    """True for a file inside the installed package (a bundled example in site-packages),
    which a header names as ``derive:examples/<name>.toml`` rather than by a path that depends
    on where Python is installed."""
    try:
        Path(path).resolve().relative_to(_BUNDLED)
    except ValueError:
        return False
    return True


def bundled_example(name: str) -> Path | None:
    """The bundled example called ``name`` (``seed``, ``seed.toml``, ``examples/seed.toml``
    or ``derive:examples/seed.toml``), or None."""
    stem = name.removeprefix(BUNDLED_PREFIX).removeprefix("examples/").removesuffix(".toml")
    if not stem or "/" in stem or "\\" in stem or stem.startswith("."):
        return None
    path = EXAMPLES / f"{stem}.toml"
    return path if path.is_file() else None
