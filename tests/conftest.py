"""Shared by every folder of tests: the project's root, and ``tests/`` on the import path so
``fixtures.handmlp`` (a hand-written MLP module, the baseline of the training tests and
benchmarks) imports from any folder."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


@pytest.fixture(scope="session")
def root() -> Path:
    """The project's root folder (where ``examples/``, ``generated/`` and ``templates/`` are)."""
    return ROOT
