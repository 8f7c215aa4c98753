"""Derivation and codegen time of an unrolled recurrence written in the equation form: a
CS231n-style captioning LSTM (the image features give h0 = tanh(Wp x + bp), c0 = 0; each step
computes the four gates from x and the previous h, c_t = f_t * c_(t-1) + i_t * g_t,
h_t = o_t * tanh(c_t); a softmax over the words reads the last h), unrolled T steps.

A gradient used by several consumers (the cell state's, by the gates of its step and the cell of
the step before) is computed once; inlined into every consumer it would grow quadratically with T.

    python benchmarks/bench_equations.py [--steps 2 6 12 24] [--timeout 600]
"""

from __future__ import annotations

import argparse
import multiprocessing
import time

GATES = {"i": "sigmoid", "f": "sigmoid", "o": "sigmoid", "g": "tanh"}


def lstm_spec(steps: int, d: int = 3, h: int = 4, words: int = 5) -> str:
    """The captioning LSTM unrolled ``steps`` times, as an equation-form spec (TOML text)."""
    lines = [f'name = "lstm{steps}"', f"inputs = {d}", f"outputs = {words}", "[params]"]
    lines += [f"Wp = [{h}, {d}]", f"bp = [{h}, 1]"]
    for g in GATES:
        lines += [f"Wx{g} = [{h}, {d}]", f"Wh{g} = [{h}, {h}]", f"b{g} = [{h}, 1]"]
    lines += [f"Wy = [{words}, {h}]", f"by = [{words}, 1]", "[equations]"]
    lines.append('h0 = "tanh(Wp @ x + bp)"')
    for t in range(1, steps + 1):
        for g, act in GATES.items():
            lines.append(f'{g}{t} = "{act}(Wx{g} @ x + Wh{g} @ h{t - 1} + b{g})"')
        cell = f"f{t} * c{t - 1} + i{t} * g{t}" if t > 1 else f"i{t} * g{t}"
        lines += [f'c{t} = "{cell}"', f'h{t} = "o{t} * tanh(c{t})"']
    lines += [f'z = "Wy @ h{steps} + by"', 'P = "softmax(z)"', "[cost]", 'name = "cross_entropy"']
    return "\n".join(lines) + "\n"


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
