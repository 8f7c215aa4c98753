"""Every command on every built-in activation (as hidden and as output layer), every cost and
every bundled example, run in the user's own (temporary) folder: each exits as it should and
none prints a traceback. In-process (``derive.cli.main``) on tiny nets, so the whole matrix
costs seconds, not minutes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from derive.cli import main
from derive.engine.registry import ACTIVATIONS, COSTS
from derive.engine.spec import load_spec
from derive.resources import examples

POOLED = (
    # a non-square window, a stride per axis, the last row unused (PyTorch's floor mode)
    'name = "pooled"\ninputs = [1, 5, 4]\n\n[[layers]]\nkind = "{kind}"\nsize = [2, 3]\n'
    "stride = [2, 1]\n\n"
    '[[layers]]\nunits = 2\nactivation = "sigmoid"\n\n[cost]\nname = "squared_error"\n'
)
NORMED = (  # a norm after an image, pooled after: per channel (batchnorm) or per group
    'name = "normed"\ninputs = [1, 4, 4]\n\n[[layers]]\nkind = "conv2d"\nchannels = 4\n'
    'kernel = 3\npadding = 1\n\n[[layers]]\n{norm}\nactivation = "relu"\n\n'
    '[[layers]]\nkind = "maxpool"\nsize = 2\n\n[[layers]]\nunits = 2\n'
    'activation = "sigmoid"\n\n[cost]\nname = "squared_error"\n'
)
NOTES = Path(__file__).parent / "check" / "notes" / "seed_page1.txt"  # the user's first page
OUTPUT_COST = {"softmax": ("cross_entropy", 3)}  # the output activation's natural cost, units


def _layers(name, inputs, hidden, output, units, cost):
    return (
        f'name = "{name}"\ninputs = {inputs}\n\n'
        f'[[layers]]\nunits = 3\nactivation = "{hidden}"\n\n'
        f'[[layers]]\nunits = {units}\nactivation = "{output}"\n\n'
        f'[cost]\nname = "{cost}"\n'
    )


def _nets():
    nets = []
    for act in ACTIVATIONS:
        nets.append((f"hidden_{act}", _layers(f"h_{act}", 2, act, "sigmoid", 1, "squared_error")))
        cost, units = OUTPUT_COST.get(act, ("squared_error", 2))
        nets.append((f"output_{act}", _layers(f"o_{act}", 2, "tanh", act, units, cost)))
    output = {"squared_error": ("sigmoid", 2), "binary_cross_entropy": ("sigmoid", 1),
              "cross_entropy": ("softmax", 3)}  # fmt: skip
    assert set(output) == set(COSTS), "a new cost joins the matrix here"
    for cost, (act, units) in output.items():
        nets.append((f"cost_{cost}", _layers(f"c_{cost}", 3, "relu", act, units, cost)))
    nets += [(f"kind_{kind}", _recurrent(kind)) for kind in ("rnn", "lstm", "gru")]
    nets.append(("kind_stacked_per_step_head", _recurrent("lstm", head_steps=True)))
    nets += [(f"example_{p.stem}", p.read_text()) for p in examples()]
    for kind in ("maxpool", "avgpool"):  # every pooling kind (cnn_digits has conv2d, maxpool)
        nets.append((f"kind_{kind}", POOLED.format(kind=kind)))
    nets.append(("kind_groupnorm", NORMED.format(norm='kind = "groupnorm"\ngroups = 2')))
    nets.append(("kind_batchnorm_channels", NORMED.format(norm='kind = "batchnorm"')))
    return nets


def _recurrent(kind, head_steps=False):
    """A recurrent layer of 3 steps over 2 rows (a learned h_0), then a softmax head: on h_3,
    or (``head_steps``) on every h_t after a stacked layer, per step (dense with steps)."""
    text = f'name = "r_{kind}"\ninputs = 6\n\n'
    if head_steps:
        text += '[[layers]]\nkind = "gru"\nunits = 2\nsteps = 3\noutput = "all"\n\n'
    text += f'[[layers]]\nkind = "{kind}"\nunits = 3\nsteps = 3\nlearn_h0 = true\n'
    if head_steps:
        text += 'output = "all"\n\n[[layers]]\nunits = 2\nsteps = 3\nactivation = "softmax"\n'
    else:
        text += '\n[[layers]]\nunits = 3\nactivation = "softmax"\n'
    return text + '\n[cost]\nname = "cross_entropy"\n'


NETS = _nets()


@pytest.mark.parametrize("text", [t for _, t in NETS], ids=[n for n, _ in NETS])
def test_every_command(text, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "net.toml"
    spec.write_text(text)
    net = load_spec(spec)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, max(net.outputs, 2), size=40)
    if net.outputs > 40:  # more outputs than samples (a per-step head): one-hot target rows
        labels = np.eye(net.outputs)[labels]
    np.savez(tmp_path / "toy.npz", X=rng.normal(size=(40, net.inputs)), y=labels)
    module = f"generated/{net.name}.py"

    commands = [
        ["show", "net.toml"],
        ["build", "net.toml"],
        ["latex", "net.toml"],
        ["latex", "net.toml", "--format", "md", "--example"],
        ["codegen", "net.toml"],
        ["codegen", "--check"],
        ["gradcheck", "net.toml"],
        "train net.toml --data npz:toy.npz --epochs 2 --batch-size 8 --quiet --out run".split(),
        ["check", f"{module}:backward", "--spec", "net.toml"],
        ["check", "notes.txt", "--spec", "net.toml"],  # exits 1 when a claim is wrong
    ]
    (tmp_path / "notes.txt").write_text(NOTES.read_text())
    for argv in commands:
        code = main(argv)
        out, err = capsys.readouterr()
        ok = (0, 1) if argv[1] == "notes.txt" else (0,)
        assert code in ok, f"derive {' '.join(argv)} exited {code}\n{out}\n{err}"
        assert "Traceback" not in out + err
    assert (tmp_path / module).is_file()
    assert (tmp_path / "build" / f"{net.name}.tex").is_file()
    assert (tmp_path / f"{net.name}.md").is_file()
    assert (tmp_path / "run" / "params.npz").is_file()


def test_every_help_has_an_example(capsys):
    commands = ["build", "show", "codegen", "gradcheck", "latex", "train", "predict", "sample"]
    commands.append("check")
    for command in [*commands, None]:
        with pytest.raises(SystemExit) as done:
            main([command, "--help"] if command else ["--help"])
        assert done.value.code == 0
        assert "example:\n  derive " in capsys.readouterr().out, command
