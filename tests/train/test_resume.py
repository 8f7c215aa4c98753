"""An interrupted run continues exactly: a real SIGINT or SIGTERM to a real ``derive train``
process saves a checkpoint at a step boundary, ``--resume`` finishes the run, and the result is
bit for bit the uninterrupted run's (parameters, per-epoch history, final metrics)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from derive.cli import main
from derive.train.checkpoint import Resume

RUN = "train seed --data xor4 --epochs 150 --batch-size 8 --optimizer momentum --quiet".split()


def _run_result(folder):
    with np.load(folder / "params.npz") as archive:
        params = {k: archive[k] for k in archive.files}
    metrics = json.loads((folder / "metrics.json").read_text())
    keep = ("history", "final_loss", "train_accuracy", "test_loss", "test_accuracy", "steps")
    return params, {k: metrics[k] for k in keep}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_and_resumed_equals_uninterrupted(sig, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    cmd = [sys.executable, "-m", "derive", *RUN]
    proc = subprocess.Popen([*cmd, "--out", "cut", "--checkpoint-every", "25"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    checkpoint = tmp_path / "cut" / "checkpoint.npz"
    deadline = time.monotonic() + 60
    while not checkpoint.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert f"interrupted by {sig.name}" in err and "--resume cut" in err, err
    assert "Traceback" not in err
    saved = Resume.load(tmp_path / "cut")
    assert saved.epoch < 150 and saved.batch >= 1  # stopped mid-run, inside an epoch
    metrics = json.loads((tmp_path / "cut" / "metrics.json").read_text())
    assert metrics["interrupted"] is True

    done = subprocess.run([*cmd, "--resume", "cut"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"resuming from cut/checkpoint.npz: epoch {saved.epoch}" in done.stdout

    assert main([*RUN, "--out", "whole"]) == 0
    capsys.readouterr()
    (p_cut, m_cut), (p_whole, m_whole) = (
        _run_result(tmp_path / "cut"),
        _run_result(tmp_path / "whole"),
    )
    assert p_cut.keys() == p_whole.keys()
    for k in p_whole:
        assert np.array_equal(p_cut[k], p_whole[k]), k  # bit for bit
    assert m_cut == m_whole


def test_resume_refuses_a_changed_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    short = "train seed --data xor4 --epochs 1 --quiet --out run".split()
    assert main(short) == 0
    assert main([*short[:-2], "--resume", "run", "--lr", "0.5"]) == 2
    err = capsys.readouterr().err
    assert "started with lr 0.1, this one has 0.5" in err and "Traceback" not in err
    assert main([*short[:-2], "--resume", "nowhere"]) == 2
    assert "no checkpoint to resume from" in capsys.readouterr().err
    assert main([*short[:-2], "--checkpoint-every", "5"]) == 2
    assert "--checkpoint-every: needs --out DIR" in capsys.readouterr().err


def test_resume_with_more_epochs_continues_a_finished_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    base = "train seed --data xor4 --optimizer adam --quiet".split()
    assert main([*base, "--epochs", "2", "--out", "a"]) == 0
    assert main([*base, "--epochs", "4", "--resume", "a"]) == 0
    assert main([*base, "--epochs", "4", "--out", "b"]) == 0
    capsys.readouterr()
    (pa, ma), (pb, mb) = _run_result(tmp_path / "a"), _run_result(tmp_path / "b")
    assert all(np.array_equal(pa[k], pb[k]) for k in pb) and ma == mb
