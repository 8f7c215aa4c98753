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


def test_show_batchnorm_chain_and_compact_form(capsys):
    assert main(["show", str(EXAMPLES / "batchnorm.toml")]) == 0
    out = capsys.readouterr().out
    assert "mu2      (64, 1)  = sum_samples(A1)/m" in out
    assert "batchnorm (layer 2): the chain through the mean and the variance" in out
    assert "  dvar2    = dstd2/(2*std2)" in out
    assert (
        "  dmu2     = sum_samples(-dxhat2/std2) + sum_samples(((dvar2/m))*(-2*A1 + 2*mu2))" in out
    )
    assert "           = -gamma2*sum_samples(delta2)/std2" in out  # the variance's term is 0
    compact = "gamma2*(-sum_samples(delta2) + delta2*m - sum_samples(delta2*xhat2)*xhat2)/(std2*m)"
    assert f"  delta1   (64, m)  = dC/dz1 = {compact}" in out
    assert "dC/dW1, dC/db1: through batch statistics" in out
    assert "normalises with the batch's own mean" in out


def test_show_dropout_mask(capsys):
    assert main(["show", str(EXAMPLES / "dropout.toml")]) == 0
    out = capsys.readouterr().out
    assert "A2       (128, m)  = D2*A1" in out
    assert "[dropout mask]" in out
    assert "assuming D2 is a dropout mask (p = 0.2)" in out
