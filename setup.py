"""Build step (everything else is in pyproject.toml): copy the top-level ``templates/`` and
``examples/`` into the built package as ``derive/_data/``, so a wheel or ``pip install .``
carries them. An editable install reads the source folders instead (``derive/resources.py``).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA = {"templates": ("*.j2",), "examples": ("*.toml", "*.ipynb")}


class BuildPyWithData(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads templates/ and examples/ in place
        here = Path(__file__).resolve().parent
        for folder, patterns in DATA.items():
            target = Path(self.build_lib) / "derive" / "_data" / folder
            target.mkdir(parents=True, exist_ok=True)
            for pattern in patterns:
                for src in sorted((here / folder).glob(pattern)):
                    shutil.copyfile(src, target / src.name)


setup(cmdclass={"build_py": BuildPyWithData})
