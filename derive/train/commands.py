"""The ``derive train``, ``derive predict`` and ``derive sample`` commands: parse the options,
load the data, run ``derive.train.loop.train`` and save the run with ``derive.train.runs``;
draw text from a trained language model (``sequences.sample``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

from derive.errors import DeriveError

from .checkpoint import Checkpointer, Resume, stop_on_signals
from .data import load_dataset
from .loop import TrainingDiverged, accuracy, check_fit, train
from .optim import DEFAULT_LR, OPTIMIZERS
from .runs import DTYPES, predict_from_file, save_run


def register_cli(subparsers, get_module) -> None:
    """Add ``derive train`` and ``derive predict``; ``get_module(spec_path)`` gives the module
    (``get_module(spec_path, backend, device)`` for ``--backend`` or ``--device``)."""
    p = subparsers.add_parser(
        "train",
        help="train a network on data and save the run",
        description="Train the network of SPEC by the derived backprop.",
        epilog="example:\n  derive train examples/seed.toml --data xor4 --epochs 20 --out runs/xor4"
        "\n  derive train examples/seed.toml --data xor4 --epochs 20 --resume runs/xor4",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("spec", metavar="SPEC", help="the network's .toml spec")
    p.add_argument(
        "--data",
        required=True,
        help="digits, csv:PATH, npz:PATH, or a generated task: xor, xor4, moons, circles, "
        "spirals, adding, chars",
    )
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate (default 0.1 sgd, 0.01 momentum, 0.001 adam)",
    )
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0, help="seeds the init, shuffles and split")
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd")
    p.add_argument("--out", metavar="DIR", help="write params.npz, metrics.json, curves.png here")
    p.add_argument("--dtype", choices=sorted(DTYPES), default="float64")
    p.add_argument("--test-fraction", type=float, default=0.2)
    p.add_argument("--target", help="target column (name or index) or npz key; default last / y")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--backend",
        choices=["numpy", "torch", "jax"],
        default="numpy",
        help="the generated module that trains: NumPy (default), or the torch or JAX one "
        '(generated/torch|jax/<name>.py; needs the extra: pip install "derive[torch]")',
    )
    p.add_argument(
        "--device",
        choices=["cpu", "cuda"],
        default="cpu",
        help="where torch or JAX keep the data and parameters (numpy: cpu only)",
    )
    p.add_argument(
        "--resume",
        metavar="DIR",
        help="continue the run saved in DIR (its checkpoint.npz) exactly where it stopped; "
        "give the options that started it (--epochs may grow); --out defaults to DIR",
    )
    p.add_argument(
        "--checkpoint-every",
        type=int,
        default=0,
        metavar="N",
        help="with --out: a checkpoint every N steps too (one is saved after every epoch, "
        "and on Ctrl-C or SIGTERM)",
    )
    p.add_argument(
        "--train-accuracy",
        action="store_true",
        help="also measure the train accuracy after each epoch (a forward pass over the "
        "training split; by default only the held-out split is evaluated each epoch)",
    )
    p.set_defaults(func=lambda args: _train_command(args, get_module))

    p = subparsers.add_parser(
        "predict",
        help="predict with saved parameters",
        description="Predict with the params.npz a train run saved.",
        epilog="example:\n  derive predict examples/seed.toml --params runs/xor4 --data xor4",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("spec", metavar="SPEC", help="the network's .toml spec")
    p.add_argument("--params", required=True, metavar="PATH", help="DIR/params.npz (or DIR)")
    p.add_argument("--data", required=True, help="as for train; the held-out split is used")
    p.add_argument("--limit", type=int, default=10, help="how many samples to show")
    p.set_defaults(func=lambda args: _predict_command(args, get_module))

    p = subparsers.add_parser(
        "sample",
        help="draw text from a trained character-level language model",
        description="Draw text, one character at a time, from a network trained with "
        "--data chars (the same seed gives the same text).",
        epilog="example:\n  derive sample examples/char_lstm.toml --params runs/chars --chars 200"
        " --seed 1",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("spec", metavar="SPEC", help="the network's .toml spec")
    p.add_argument("--params", required=True, metavar="PATH", help="DIR/params.npz (or DIR)")
    p.add_argument("--chars", type=int, default=200, help="how many characters to draw")
    p.add_argument("--seed", type=int, default=0, help="the draws' seed")
    p.add_argument("--prompt", default="\n", help="the text to continue (default: a new line)")
    p.set_defaults(func=lambda args: _sample_command(args, get_module))


def _train_command(args, get_module) -> int:
    if (args.backend, args.device) == ("numpy", "cpu"):
        module = get_module(args.spec)
    else:  # get_module(spec, backend, device): the torch or JAX module, seen as a NumPy one
        module = get_module(args.spec, args.backend, args.device)
    dataset = load_dataset(
        args.data,
        inputs=module.INPUTS,
        outputs=module.OUTPUTS,
        seed=args.seed,
        test_fraction=args.test_fraction,
        target=args.target,
    )
    check_fit(module, dataset)
    out = args.out or args.resume
    if args.checkpoint_every < 0 or (args.checkpoint_every and not out):
        raise DeriveError(
            "needs --out DIR (where the checkpoints go) and N >= 1",
            where="--checkpoint-every",
            fix="e.g. --out runs/mine --checkpoint-every 500",
        )
    identity = {
        "network": module.NAME,
        "data": args.data,
        "test_fraction": args.test_fraction,
        "target": args.target,
        "lr": DEFAULT_LR[args.optimizer] if args.lr is None else args.lr,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "optimizer": args.optimizer,
        "dtype": args.dtype,
        "train_accuracy": args.train_accuracy,
    }
    if args.backend != "numpy":  # a NumPy run's identity is as it always was
        identity |= {"backend": args.backend, "device": args.device}
    resume = None
    if args.resume:
        resume = Resume.load(args.resume)
        resume.check(identity)
        print(f"resuming from {resume.path}: epoch {resume.epoch}, {resume.batch} batch(es) done")
    checkpointer = Checkpointer(out, identity, every=args.checkpoint_every) if out else None
    options = dict(
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        seed=args.seed,
        optimizer=args.optimizer,
        dtype=DTYPES[args.dtype],
        progress=not args.quiet,
        train_accuracy=args.train_accuracy,
    )
    if getattr(module, "NO_FUSED_STEP", None):  # said once: the run is as right, only slower
        print(f"note: {module.NO_FUSED_STEP}; training through loss_and_grad", file=sys.stderr)
    guard = stop_on_signals(checkpointer) if checkpointer else contextlib.nullcontext()
    try:
        with guard:
            result = train(module, dataset, **options, resume=resume, checkpoint=checkpointer)
    except TrainingDiverged as e:
        print(e.result.summary())
        _save(e.result, out)
        raise
    print(result.summary())
    _save(result, out)
    if result.interrupted:
        print(_interrupted(checkpointer), file=sys.stderr)
        return 130
    return 0


def _interrupted(checkpointer) -> str:
    if checkpointer is None:
        return "interrupted: kept the parameters trained so far (pass --out DIR to resume later)"
    how = f"by {checkpointer.requested}" if checkpointer.requested else "at once (second Ctrl-C)"
    if checkpointer.saved is None:
        return f"interrupted {how}: no checkpoint was saved yet; start the run again"
    epoch, batch = checkpointer.saved
    return (
        f"interrupted {how}: checkpoint {checkpointer.path} (epoch {epoch}, {batch} batch(es) "
        f"done)\n  continue: the same command with --resume {checkpointer.path.parent}"
    )


def _save(result, out) -> None:
    if out is None:
        print("  (not saved: pass --out DIR to keep the parameters and curves)")
        return
    written = save_run(result, out)
    print(f"saved {', '.join(str(p) for p in written)}")


def _sample_command(args, get_module) -> int:
    from .runs import load_params
    from .sequences import sample

    if args.chars < 0:
        raise DeriveError(f"--chars must be 0 or more, got {args.chars}", where="--chars",
                          fix="e.g. --chars 200")  # fmt: skip
    module = get_module(args.spec)
    params = load_params(module, args.params)
    dtype = next(iter(params.values())).dtype
    text = sample(
        lambda X: module.predict(params, X.astype(dtype)), module.INPUTS, module.OUTPUTS,
        args.chars, args.seed, args.prompt, where=f"network {module.NAME!r}",
    )  # fmt: skip
    print(args.prompt + text if args.prompt != "\n" else text)
    return 0


def _predict_command(args, get_module) -> int:
    module = get_module(args.spec)
    params_path = Path(args.params)
    params_path = params_path / "params.npz" if params_path.is_dir() else params_path
    saved = {}
    metrics_path = params_path.with_name("metrics.json")
    if metrics_path.is_file():  # rebuild the split and scaling the parameters were trained with
        saved = json.loads(metrics_path.read_text(encoding="utf-8")).get("data") or {}
    dataset = load_dataset(
        args.data,
        inputs=module.INPUTS,
        outputs=module.OUTPUTS,
        seed=saved.get("seed", 0),
        test_fraction=saved.get("test_fraction", 0.2),
        target=saved.get("target"),
    )
    if saved.get("mean") and len(saved["mean"]) == dataset.inputs:
        dataset = dataset.with_stats(saved["mean"], saved["std"])
    split, X, Y = ("test", dataset.X_test, dataset.Y_test)
    if X.shape[1] == 0:
        split, X, Y = ("train", dataset.X_train, dataset.Y_train)
    A = predict_from_file(module, params_path, X)
    print(f"{module.NAME} on the {split} split of {dataset.description}")
    classes = dataset.classes
    for j in range(min(args.limit, X.shape[1])):
        if classes is None:
            shown, target = (" ".join(f"{v:.4g}" for v in col) for col in (A[:, j], Y[:, j]))
            print(f"  sample {j:4d}: predicted {shown}   target {target}")
            continue
        if A.shape[0] == 1:
            k, p, t = int(A[0, j] >= 0.5), float(A[0, j]), int(Y[0, j] >= 0.5)
            p = p if k else 1 - p
        else:
            k, p, t = int(A[:, j].argmax()), float(A[:, j].max()), int(Y[:, j].argmax())
        mark = "" if k == t else "   <- wrong"
        print(f"  sample {j:4d}: predicted {classes[k]} (p={p:.2f})  true {classes[t]}{mark}")
    if classes is not None:
        print(f"accuracy on {X.shape[1]} {split} samples: {accuracy(A, Y.astype(A.dtype)):.2%}")
    return 0
