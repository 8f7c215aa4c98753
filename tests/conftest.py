"""Shared by every folder of tests: the project's root, and ``tests/`` on the import path so
``fixtures.handmlp`` (a hand-written MLP module, the baseline of the training tests and
benchmarks) imports from any folder."""

import os
import sys
from pathlib import Path

import pytest

# Under pytest-xdist every worker is a process of its own: one OpenMP/BLAS thread each, so two
# workers on two cores do not run four spinning threads. Oversubscribed, torch's OpenMP threads
# spin-wait for each other: one 16-step LSTM forward took 1.5 s instead of 2 ms, and
# test_examples_pass_torch_gradcheck went from 8 s to 128 s. Set before torch or NumPy loads
# (a user's own OMP_NUM_THREADS is kept).
if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
    os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


@pytest.fixture(scope="session")
def root() -> Path:
    """The project's root folder (where ``examples/``, ``generated/`` and ``templates/`` are)."""
    return ROOT
