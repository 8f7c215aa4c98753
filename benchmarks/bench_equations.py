"""Derivation and codegen time of an unrolled recurrence written in the equation form: a
CS231n-style captioning LSTM (``tests/fixtures/lstm.py``), unrolled T steps.

A gradient used by several consumers (the cell state's, by the gates of its step and the cell of
the step before) is computed once; inlined into every consumer it would grow quadratically with T.

    python benchmarks/bench_equations.py [--steps 2 6 12 24] [--timeout 600]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fixtures.lstm import lstm_spec  # noqa: E402  (the spec the tests check)


def _codegen(steps: int, out) -> None:
    from derive.emit.codegen import render
    from derive.engine.derivation import derive
    from derive.engine.spec import parse_spec

    net = parse_spec(lstm_spec(steps), f"lstm{steps}.toml")
    t0 = time.perf_counter()
    derive(net)
    t1 = time.perf_counter()
    render(net)
    out.put((t1 - t0, time.perf_counter() - t0))


def measure(steps: int, timeout: float) -> tuple[float, float] | None:
    """(derivation seconds, derivation + codegen seconds), each in a fresh process (no warm
    caches), or None past ``timeout``."""
    out = multiprocessing.Queue()
    proc = multiprocessing.Process(target=_codegen, args=(steps, out))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None
    if proc.exitcode != 0:
        raise SystemExit(f"{steps} steps: the child failed (exit {proc.exitcode})")
    return out.get()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[2, 6, 12, 24])
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    print("steps  derive (s)  derive + codegen (s)")
    for steps in args.steps:
        found = measure(steps, args.timeout)
        if found is None:
            print(f"{steps:5d}  over {args.timeout:.0f} s")
        else:
            print(f"{steps:5d}  {found[0]:10.2f}  {found[1]:20.2f}")


if __name__ == "__main__":
    main()
