"""Does ``derive(net)`` grow linearly with depth? Times it for layer-form networks of depth 10,
25, 50 and 100 and prints a table with the time per layer, a least-squares line and the ratio
t(100) / t(50), which is 2 for linear growth (4 for quadratic):

    python benchmarks/bench_depth.py                   # depths 10 25 50 100, 3 runs each
    python benchmarks/bench_depth.py --depths 10 50 100 200 --runs 5
    python benchmarks/bench_depth.py --profile 100     # cProfile of one cold derive

Each network has ``--width`` units per hidden layer (8), hidden activations cycling relu, tanh,
sigmoid, and a softmax output with cross-entropy, so every kind of rule (matmul, bias sum,
elementwise with an output form, softmax's sum over units) appears at every depth.

Two regimes, medians of ``--runs`` runs each, building the ``Network`` timed apart from
``derive``, SymPy's import never timed:

- cold: each run in a fresh Python process: what ``derive build`` costs. It includes the
  one-time work per distinct activation (deriving and proving its output form) and per distinct
  elementwise expression (simplifying it), which does not grow with depth;
- warm: in this process, after one derive of a 7-layer network with the same activations has
  done that one-time work: what is left is the per-layer walk, which must be linear.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sympy  # noqa: E402, F401  (imported before any clock starts)

from derive.engine.derivation import derive  # noqa: E402
from derive.engine.graph import Network  # noqa: E402

HIDDEN = ("relu", "tanh", "sigmoid")
TARGET_SECONDS = 2.0  # the bound for 100 layers


def network(depth: int, width: int = 8, outputs: int = 4) -> Network:
    """``depth`` layers: depth - 1 hidden ones of ``width`` units, then a softmax output."""
    layers = [(width, HIDDEN[k % len(HIDDEN)]) for k in range(depth - 1)]
    layers.append((outputs, "softmax"))
    return Network.from_layers(f"deep{depth}", width, layers, cost="cross_entropy")


def time_once(depth: int, width: int) -> tuple[float, float]:
    """(seconds to build the Network, seconds to derive it), in this process."""
    gc.collect()  # each run starts from the same heap, not with the last run's garbage
    t0 = time.perf_counter()
    net = network(depth, width)
    t1 = time.perf_counter()
    d = derive(net)
    t2 = time.perf_counter()
    assert len(d.param_steps) == 2 * depth, "every W and b must get its gradient"
    return t1 - t0, t2 - t1


def time_cold(depth: int, width: int) -> tuple[float, float]:
    """``time_once`` in a fresh interpreter (SymPy and derive imported before timing)."""
    code = (
        "import json, sys; sys.path[:0] = sys.argv[1:3]; import bench_depth as b;"
        "print(json.dumps(b.time_once(int(sys.argv[3]), int(sys.argv[4]))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), str(Path(__file__).parent), str(depth), str(width)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    build, derive_s = json.loads(out.stdout.strip().splitlines()[-1])
    return build, derive_s


def fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least-squares line y = a + b x: (a, b, r squared)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    b = sxy / sxx
    a = my - b * mx
    ss_res = sum((y - a - b * x) ** 2 for x, y in zip(xs, ys, strict=True))
    ss_tot = sum((y - my) ** 2 for y in ys) or 1e-300
    return a, b, 1 - ss_res / ss_tot


def report(title: str, depths: list[int], rows: dict[int, tuple[float, float, float]], ratio: bool):
    print(f"\n{title}")
    print(f"{'depth':>6} {'build s':>9} {'derive s':>9} {'(fastest)':>10} {'derive ms/layer':>16}")
    for depth in depths:
        build, der, fastest = rows[depth]
        print(f"{depth:>6} {build:>9.3f} {der:>9.3f} {fastest:>10.3f} {1000 * der / depth:>16.2f}")
    a, b, r2 = fit([float(d) for d in depths], [rows[d][1] for d in depths])
    print(f"fit: derive = {a:.3f} s + {1000 * b:.2f} ms x depth   (r^2 = {r2:.4f})")
    if ratio and 50 in rows and 100 in rows:
        t50, t100 = rows[50][1], rows[100][1]
        print(f"t(100) / t(50) = {t100 / t50:.2f}   (2 = linear, 4 = quadratic)")
    elif not ratio:
        print("(the constant is the one-time work, the same at every depth; the slope is the walk)")
    return a, b


def profile(depth: int, width: int, top: int = 25):
    import cProfile
    import pstats

    net = network(depth, width)
    prof = cProfile.Profile()
    prof.enable()
    derive(net)
    prof.disable()
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(r"derive/", top)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--depths", type=int, nargs="+", default=[10, 25, 50, 100])
    parser.add_argument("--runs", type=int, default=3, help="runs per depth; the median is shown")
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--skip-cold", action="store_true", help="only the in-process runs")
    parser.add_argument("--profile", type=int, metavar="DEPTH", help="cProfile one cold derive")
    args = parser.parse_args(argv)
    if args.profile:
        profile(args.profile, args.width)
        return 0

    def medians(fn, repeats):
        # Round-robin over the depths, so that a burst of load elsewhere on the machine hits
        # every depth alike instead of one depth's runs.
        runs: dict[int, list[tuple[float, float]]] = {d: [] for d in args.depths}
        for _ in range(repeats):
            for depth in args.depths:
                runs[depth].append(fn(depth, args.width))
        return {
            d: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs),
                min(r[1] for r in rs))
            for d, rs in runs.items()
        }  # fmt: skip

    print(
        f"derive(net) for layer-form networks: width {args.width}, hidden {'/'.join(HIDDEN)}, "
        f"softmax + cross_entropy; median of {args.runs} runs (warm: {3 * args.runs});\n"
        f"Python {sys.version.split()[0]}, SymPy {sympy.__version__}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    worst = None
    if not args.skip_cold:
        cold = medians(time_cold, args.runs)
        report("cold (a fresh process per run, as `derive build` runs)", args.depths, cold, False)
        worst = cold.get(100)
    time_once(2 * len(HIDDEN) + 1, args.width)  # one-time work: each activation, each expression
    warm = medians(time_once, 3 * args.runs)  # short times: more runs for a steady median
    report("warm (one-time work per activation done)", args.depths, warm, True)
    if worst is not None:
        total = worst[0] + worst[1]
        verdict = "meets" if total < TARGET_SECONDS else "MISSES"
        print(
            f"\n100 layers, cold: build + derive = {total:.2f} s: {verdict} the "
            f"{TARGET_SECONDS:.0f} s target"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
