"""examples/derive.ipynb runs in a real Jupyter kernel (this Python, through ipykernel) and shows
what it promises: the derivation as math, the generated code, a passing gradient check and a
training curve as an image."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the test extra: pip install -e '.[test]'")
nbclient = pytest.importorskip("nbclient", reason="the test extra: pip install -e '.[test]'")
pytest.importorskip("ipykernel", reason="the test extra: pip install -e '.[test]'")
pytest.importorskip("matplotlib", reason="the data extra: pip install -e '.[data]'")

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "derive.ipynb"


def test_the_notebook_runs_and_shows_its_outputs(tmp_path, monkeypatch):
    # a kernel spec for this very interpreter, so the kernel imports this derive
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")  # kept clean
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=180, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    data = [o.get("data", {}) for o in outputs]
    text = "".join(o.get("text", "") for o in outputs) + "".join(
        d.get("text/plain", "") for d in data
    )
    latex = [d["text/latex"] for d in data if "text/latex" in d]
    assert latex and "\\begin{aligned}" in latex[0] and "W_{1}" in latex[0]
    assert any("text/markdown" in d for d in data)
    assert "delta1   (3, m)  = dC/dz1 = (W2.T @ delta2)*1[z1 > 0]" in text  # show
    assert "def backward(" in text  # the generated code
    assert "passed: max relative error" in text  # the gradient check
    assert "trained seed on xor4" in text
    assert any("image/png" in d for d in data)  # the training curve
