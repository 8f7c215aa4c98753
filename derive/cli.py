"""The ``derive`` command line. Every subcommand takes a spec (default: the bundled seed example,
the network of the notes) and reports user errors as one message naming the file, the key and
the fix, never a traceback.

    derive build [SPEC]        everything for a spec: derivation, generated module, gradient
                               check, LaTeX (the README's first command)
    derive show [SPEC]         forward equations, chains, vectorized gradients, with shapes
    derive codegen [SPEC ...]  generated/<name>.py (--check: only name stale files;
                               --target torch|jax: generated/<target>/<name>.py)
    derive gradcheck [SPEC]    every gradient against central finite differences
    derive latex [SPEC]        the derivation as a LaTeX (or Markdown) document
    derive train SPEC --data   train with the generated module (--backend torch|jax,
                               --device cuda: the generated torch or JAX module)
    derive check NOTES|FILE.py:FUNC   check a student's notes or backward function

Outputs go to the current folder (the user's project): ``generated/``, ``build/``. Also
``derive --version`` and ``python -m derive``; every command's ``--help`` ends with an example.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from derive.errors import DeriveError

TOLERANCE = 1e-6
RAW = argparse.RawDescriptionHelpFormatter  # keeps the examples in the epilogs on their lines


def _net(spec):
    from derive.engine.spec import load_spec

    return load_spec(spec)


def _module_on_disk(net, target="numpy"):
    """``generated/<name>.py`` (in the current folder, the user's project) for ``net``, or
    ``generated/<target>/<name>.py`` for torch and jax, rewritten when stale, then imported
    from the file, so what runs is the code on disk. Returns (module, path, whether it was
    rewritten)."""
    from derive.emit.codegen import DEFAULT_OUT, import_file
    from derive.emit.frameworks import out_dir, write_targets

    stale = write_targets([net], DEFAULT_OUT, target)
    path = out_dir(DEFAULT_OUT, target) / f"{net.name}.py"
    return import_file(path), path, bool(stale)


def get_module(spec, backend="numpy", device="cpu"):
    """The generated module of ``spec`` for training (regenerated when stale): NumPy's, or
    the torch or JAX one (``derive train --backend``) seen as ``train()`` sees a NumPy one."""
    from derive.train.backends import check, wrap

    check(backend, device)  # a missing extra or device: one line, before any work
    module, path, rewritten = _module_on_disk(_net(spec), backend)
    if rewritten:
        print(f"regenerated {path}", file=sys.stderr)
    return module if backend == "numpy" else wrap(module, backend, device)


def cmd_show(args) -> int:
    from derive.emit.show import show_text
    from derive.engine.derivation import derive

    sys.stdout.write(show_text(derive(_net(args.spec))))
    return 0


def cmd_codegen(args) -> int:
    from derive.emit.codegen import DEFAULT_OUT, no_fused_step, spec_of_module
    from derive.emit.frameworks import TARGETS, out_dir, write_targets
    from derive.resources import examples

    out = Path(args.out) if args.out else DEFAULT_OUT
    if args.target:
        targets = [args.target]
    elif args.check:  # NumPy, and each framework whose folder is there (generated/torch, ...)
        targets = ["numpy", *(t for t in TARGETS if t != "numpy" and (out / t).is_dir())]
    else:
        targets = ["numpy"]
    if args.all or args.specs or not (args.check and out.is_dir()):
        nets = [_net(s) for s in (examples() if args.all else args.specs or [None])]
        jobs = [(t, nets) for t in targets]
    else:
        # the pre-commit case: every module in each folder, against the spec its header names
        project = out.resolve().parent
        jobs = []
        for t in targets:
            modules = sorted(out_dir(out, t).glob("*.py"))
            specs = [s for s in (spec_of_module(m, project) for m in modules) if s is not None]
            jobs.append((t, [_net(s) for s in specs or ([None] if t == "numpy" else [])]))
    stale = [p for t, nets in jobs for p in write_targets(nets, out, t, check=args.check)]
    count = sum(len(nets) for _, nets in jobs)
    if args.check:
        if stale:
            for path in stale:
                t = path.parent.name if path.parent != out else "numpy"
                print(f"stale: {path} (run `derive codegen --all --target {t}` to regenerate)")
            return 1
        print(f"{count} generated module(s) in {out} are current")
        return 0
    for t, nets in jobs:
        for net in nets:
            path = out_dir(out, t) / f"{net.name}.py"
            print(f"{'wrote' if path in stale else 'current'}: {path}")
            if t == "numpy" and (why := no_fused_step(path.read_text())):
                print(f"note: {path}: {why}; derive train steps through loss_and_grad",
                      file=sys.stderr)  # fmt: skip
    return 0


def _gradcheck(module, out) -> bool:
    from derive.emit.gradcheck import gradcheck, summary, table

    rows = gradcheck(module)
    print(f"gradient check of {module.NAME} (central differences, float64, h = 1e-6):", file=out)
    print(table(rows, TOLERANCE), file=out)
    print(summary(rows, TOLERANCE), file=out)
    return all(r.ok(TOLERANCE) for r in rows)


def cmd_gradcheck(args) -> int:
    from derive.emit.codegen import load_module

    return 0 if _gradcheck(load_module(_net(args.spec)), sys.stdout) else 1


def cmd_build(args) -> int:
    """The main job: derive, print the derivation, write the module and the LaTeX, check."""
    from derive.emit.latex import render_latex
    from derive.emit.show import show_text
    from derive.engine.derivation import derive
    from derive.fileio import write_atomic

    net = _net(args.spec)
    d = derive(net)
    sys.stdout.write(show_text(d))
    print()
    module, path, rewritten = _module_on_disk(net)
    print(f"generated module: {path} ({'written' if rewritten else 'already current'})")
    ok = _gradcheck(module, sys.stdout)  # the file just written, not a second rendering
    docs = Path(args.out)
    docs.mkdir(parents=True, exist_ok=True)
    for fmt in ("tex", "md"):
        target = docs / f"{net.name}.{fmt}"
        write_atomic(target, render_latex(d, fmt=fmt))
        print(f"derivation: {target}")
    return 0 if ok else 1


def cmd_check(args) -> int:
    target = args.target
    if ".py:" in target or target.endswith(".py"):
        from derive.check.code.main import run

        return run(args)
    from derive.check.notes.walk import check_notes

    layout = "rows" if getattr(args, "rows", False) else None
    report, code = check_notes(target, spec=args.spec, fmt=args.format, layout=layout)
    sys.stdout.write(report if report.endswith("\n") else report + "\n")
    return code


def _example(command: str) -> str:
    return f"example:\n  {command}"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("derive")
    except PackageNotFoundError:  # run from a source folder without installing
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="derive",
        description="Backpropagation derived by SymPy: chains, LaTeX, generated NumPy code.",
        formatter_class=RAW,
        epilog=_example("derive build    (the bundled example, the notes' network)"),
    )
    parser.add_argument("--version", action="version", version=f"derive {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    spec_help = "the network's .toml spec (default: examples/seed.toml, the notes' network)"

    p = sub.add_parser(
        "build",
        help="derive, generate, gradient-check and write the LaTeX",
        formatter_class=RAW,
        epilog=_example("derive build examples/seed.toml --out build"),
    )
    p.add_argument("spec", nargs="?", metavar="SPEC", help=spec_help)
    p.add_argument("--out", default="build", metavar="DIR", help="where the LaTeX goes (build/)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser(
        "show",
        help="print the derivation as text, with shapes",
        formatter_class=RAW,
        epilog=_example("derive show examples/digits.toml"),
    )
    p.add_argument("spec", nargs="?", metavar="SPEC", help=spec_help)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "codegen",
        help="write the generated NumPy module(s)",
        formatter_class=RAW,
        epilog=_example("derive codegen nets/mine.toml    (then: derive codegen --check)"),
    )
    p.add_argument("specs", nargs="*", metavar="SPEC", help=spec_help)
    p.add_argument("--all", action="store_true", help="every spec in examples/")
    p.add_argument("-o", "--out", metavar="DIR", help="output folder (default generated/)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if any is stale")
    p.add_argument(
        "--target",
        choices=["numpy", "torch", "jax"],
        help="numpy: generated/<name>.py (default); torch, jax: generated/<target>/<name>.py "
        "(--check without --target checks NumPy's and each framework folder that is there)",
    )
    p.set_defaults(func=cmd_codegen)

    p = sub.add_parser(
        "gradcheck",
        help="compare gradients with finite differences",
        formatter_class=RAW,
        epilog=_example("derive gradcheck examples/skip.toml"),
    )
    p.add_argument("spec", nargs="?", metavar="SPEC", help=spec_help)
    p.set_defaults(func=cmd_gradcheck)

    p = sub.add_parser(
        "check",
        help="check a student's notes or backward function",
        formatter_class=RAW,
        epilog=_example("derive check generated/seed.py:backward --spec examples/seed.toml"),
    )
    p.add_argument("target", metavar="NOTES|FILE.py:FUNC")
    p.add_argument("--spec", help="the network the claims are about")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument(
        "--rows",
        action="store_true",
        help="notes: examples are rows (z = a W + b); default: read from the notes' equations",
    )
    from derive.check.code.main import add_arguments

    add_arguments(p, common=False)  # --call, --returns, --samples, --seed for code targets
    p.set_defaults(func=cmd_check)

    from derive.emit.latex import register_cli as register_latex
    from derive.train.commands import register_cli as register_train

    register_latex(sub)
    register_train(sub, get_module)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DeriveError as e:
        print(f"derive: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
