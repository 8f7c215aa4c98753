"""Packaging step that pyproject.toml cannot say: the wheel carries copies of the top-level
``templates/`` and ``examples/`` folders in ``derive/_data/`` (the clone keeps one source of
each; ``derive/resources.py`` finds whichever is there)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithData(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "derive" / "_data"
        for name, pattern in (("templates", "*.j2"), ("examples", "*.toml")):
            out = target / name
            out.mkdir(parents=True, exist_ok=True)
            for path in sorted((ROOT / name).glob(pattern)):
                shutil.copy2(path, out / path.name)


setup(cmdclass={"build_py": BuildWithData})
