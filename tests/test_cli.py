"""The command line: show and build on the bundled example, and errors without tracebacks."""

import subprocess
import sys

from derive.cli import main
from derive.resources import EXAMPLES


def test_show_prints_the_notes_derivation(capsys):
    assert main(["show"]) == 0
    out = capsys.readouterr().out
    assert "z1       (3, m)  = W1 @ X + b1" in out
    assert "dC/dW2 = dz2/dW2 * dA2/dz2 * dC/dA2" in out
    assert "dA2/dz2 = A2*(1 - A2)" in out and "[sigmoid prime]" in out
    assert "[cost derivative]" in out
    assert "delta1   (3, m)  = dC/dz1 = (W2.T @ delta2)*1[z1 > 0]" in out
    assert "dW1      (3, 4)  = (1/m) delta1 @ X.T" in out
    assert "W1 := W1 - eta * dW1" in out


def test_show_states_assumptions(capsys):
    assert main(["show", str(EXAMPLES / "digits.toml")]) == 0
    out = capsys.readouterr().out
    assert "delta2   (10, m)  = dC/dz2 = A2 - Y" in out
    assert "assuming each column of y sums to 1" in out


def test_build_writes_documents_and_checks(tmp_path, capsys):
    assert main(["build", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "passed: max relative error" in out
    assert "\\documentclass" in (tmp_path / "seed.tex").read_text()
    assert "$$" in (tmp_path / "seed.md").read_text()


def test_gradcheck_table(capsys):
    assert main(["gradcheck", str(EXAMPLES / "skip.toml")]) == 0
    out = capsys.readouterr().out
    assert "W1          (5, 4)" in out and "passed" in out


def test_bad_spec_is_one_message_and_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "bad"\ninputs = 2\n[[layers]]\nunits = 2\nactivation = "relux"\n'
        '[cost]\nname = "squared_error"\n'
    )
    proc = subprocess.run(
        [sys.executable, "-m", "derive.cli", "show", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "bad.toml" in proc.stderr and "relux" in proc.stderr and "fix:" in proc.stderr
