"""`derive train --backend torch|jax`: the same loop on the generated torch or JAX module
gives NumPy's run to float tolerance on digits (the parameters, every epoch's metrics, the
final accuracies), for the plain network, dropout (the masks drawn from the same generator),
batch norm (the running statistics) and a CNN; the same files are saved; a resumed framework run
continues as NumPy's does; a missing extra or device is a one-line error."""

import importlib.util
import json

import numpy as np
import pytest

from derive.cli import main
from derive.engine.spec import load_spec
from derive.errors import DeriveError
from derive.train.backends import check, framework_module
from derive.train.data import load_dataset
from derive.train.loop import train

TOL = 1e-9  # relative: the same arithmetic, a different BLAS summing in another order


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", inputs=64, outputs=10, seed=0)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread: two tests share each of the machine's two cores (pytest -n 2), and
    torch's thread pool waiting for a busy core made each step 100 times slower."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("jax")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _same_run(a, b, tol=TOL):
    assert set(a.params) == set(b.params)
    for k, v in a.params.items():
        assert isinstance(b.params[k], np.ndarray) and b.params[k].dtype == v.dtype
        assert np.allclose(b.params[k], v, rtol=tol, atol=tol), k
    for key, values in a.history.items():
        other = b.history[key]
        assert [v is None for v in values] == [v is None for v in other], key
        assert np.allclose([v for v in values if v is not None],
                           [v for v in other if v is not None], rtol=tol), key  # fmt: skip
    for key, value in a.final.items():
        assert (value is None) == (b.final[key] is None)
        assert value is None or abs(value - b.final[key]) <= tol * max(1, abs(value)), key
    assert a.steps == b.steps


@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize(
    "spec, options",
    [
        ("digits", dict(epochs=2, optimizer="sgd")),
        ("dropout", dict(epochs=1, optimizer="momentum")),
        ("batchnorm", dict(epochs=1, optimizer="adam", lr=0.01)),
        ("cnn_digits", dict(epochs=1)),
    ],
)
def test_framework_run_equals_numpy_run(digits, spec, options, backend):
    net = load_spec(spec)
    want = train(framework_module(net, "numpy"), digits, seed=3, progress=False, **options)
    got = train(framework_module(net, backend), digits, seed=3, progress=False, **options)
    _same_run(want, got)
    assert got.settings == {**want.settings, "backend": backend, "device": "cpu"}
    assert got.final["test_accuracy"] > 0.8


def test_float32_run_stays_float32(digits):
    net = load_spec("digits")
    want = train(framework_module(net, "numpy"), digits, epochs=1, dtype=np.float32,
                 progress=False)  # fmt: skip
    for backend in ("torch", "jax"):
        got = train(framework_module(net, backend), digits, epochs=1, dtype=np.float32,
                    progress=False)  # fmt: skip
        assert {v.dtype for v in got.params.values()} == {np.dtype(np.float32)}
        _same_run(want, got, tol=1e-4)


def test_command_saves_the_same_run(tmp_path, monkeypatch, capsys):
    """`derive train --backend torch|jax --out` writes params.npz, metrics.json, curves.png
    (and the checkpoint) as the NumPy run does, with the same numbers."""
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    runs = {}
    for backend in ("numpy", "torch", "jax"):
        out = tmp_path / backend
        argv = ["train", "digits", "--data", "digits", "--epochs", "2", "--quiet", "--seed", "1"]
        assert main([*argv, "--backend", backend, "--out", str(out)]) == 0
        assert sorted(p.name for p in out.iterdir()) == [
            "checkpoint.npz", "curves.png", "metrics.json", "params.npz"
        ]  # fmt: skip
        runs[backend] = (
            json.loads((out / "metrics.json").read_text()),
            dict(np.load(out / "params.npz")),
        )
    assert (tmp_path / "generated" / "torch" / "digits.py").is_file()  # the code that ran
    assert (tmp_path / "generated" / "jax" / "digits.py").is_file()
    metrics, params = runs["numpy"]
    for backend in ("torch", "jax"):
        m, p = runs[backend]
        assert m["settings"] == {**metrics["settings"], "backend": backend, "device": "cpu"}
        assert m["test_accuracy"] == pytest.approx(metrics["test_accuracy"], abs=1e-12)
        assert m["final_loss"] == pytest.approx(metrics["final_loss"], rel=TOL)
        assert m["history"]["test_loss"] == pytest.approx(metrics["history"]["test_loss"], rel=TOL)
        for k, v in params.items():
            assert np.allclose(p[k], v, rtol=TOL, atol=TOL)
    capsys.readouterr()


def test_resumed_framework_run_continues_as_numpy(tmp_path, monkeypatch):
    """A torch run saved after 1 epoch and resumed to 2 ends where NumPy's 2-epoch run ends;
    the checkpoint knows its backend."""
    monkeypatch.chdir(tmp_path)
    argv = ["train", "seed", "--data", "xor4", "--quiet", "--optimizer", "adam", "--lr", "0.05"]
    assert main([*argv, "--epochs", "1", "--backend", "torch", "--out", "t"]) == 0
    assert main([*argv, "--epochs", "2", "--backend", "torch", "--resume", "t"]) == 0
    assert main([*argv, "--epochs", "2", "--out", "n"]) == 0
    resumed, whole = np.load(tmp_path / "t" / "params.npz"), np.load(tmp_path / "n" / "params.npz")
    for k in whole.files:
        assert np.allclose(resumed[k], whole[k], rtol=TOL, atol=TOL)
    assert main([*argv, "--epochs", "3", "--resume", "t"]) == 2  # the numpy backend: not this run


def test_missing_extra_is_one_line(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "jax" else real(name, *a)
    )
    code = main(["train", "seed", "--data", "xor4", "--backend", "jax", "--epochs", "1"])
    err = capsys.readouterr().err
    assert code == 2 and 'pip install "derive[jax]"' in err and "Traceback" not in err


def test_devices_that_cannot_run_are_named():
    with pytest.raises(DeriveError, match="CPU only"):
        check("numpy", "cuda")
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        with pytest.raises(DeriveError, match="no CUDA device"):
            framework_module(load_spec("seed"), "torch", "cuda")
