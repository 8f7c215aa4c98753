"""The text report of ``derive check mycode.py:backward``: how the function was called and
on what, one verdict per gradient with its explanation, what the function raised, and the
counts; or, with ``--format json``, one JSON object per gradient."""

from __future__ import annotations

import json
from pathlib import Path

from derive.emit.text import node_text

from .run import RTOL


def report_text(path, name, net, caller, ms, seed, runs, results, unused, notes=()) -> str:
    """The text report of one check (see the module doc)."""
    try:
        source = str(Path(net.source).resolve().relative_to(Path.cwd()))
    except ValueError:
        source = net.source
    how = (
        'averaged over the m samples (reduction = "mean"): every gradient carries 1/m'
        if net.reduction == "mean"
        else 'summed over the m samples (reduction = "sum"): no gradient has a 1/m'
    )
    out = [
        f"derive check {path}:{name} against {net.name} ({source})",
        f"  calls {caller.shown}"
        + (
            ""
            if caller.iface
            else f", samples as columns: X ({net.inputs}, m), Y ({net.outputs}, m)"
        ),
        *(f"  {n}" for n in notes),
        f"  cost {node_text(net.cost)}, {how}"
        + (f"; plus the penalty {net.penalty_text}" if net.penalty_text else ""),
        f"  random float64 inputs at m = {', '.join(map(str, ms))} (seed {seed}); "
        f"tolerance {RTOL:g} relative to the largest entry",
        "",
    ]
    width = max(len(r.gradient) for r in results)
    for r in results:
        out.append(f"{r.gradient:<{width}}  {r.verdict}")
        out += [f"{' ' * (width + 2)}{line}" for line in r.lines]
    out.append("")
    for r in runs:
        if r.error:
            out.append(f"at m = {r.m}, {name} raised {r.error}")
    fine = [r.m for r in runs if not r.error]
    if fine and any(r.error for r in runs):
        out.append(
            f"it runs with m = {', '.join(map(str, fine))} but not with the others: derive "
            "passes a batch, one sample per column, as the vectorized notes do"
        )
    if unused:
        out.append(f"also returned, not checked: {', '.join(unused)}")
    out += _sum_or_mean(net, results)
    for verdict, what in (("wrong", "wrong"), ("unknown", "not confirmed")):
        names = [r.gradient for r in results if r.verdict == verdict]
        if names:
            out.append(f"{len(names)} of {len(results)} gradients {what}: {', '.join(names)}")
    if all(r.verdict == "correct" for r in results):
        out.append(f"all {len(results)} gradients match the derivation" if len(results) > 1
                   else f"{results[0].gradient} matches the derivation")  # fmt: skip
    return "\n".join(out) + "\n"


def _sum_or_mean(net, results) -> list[str]:
    """The other reading of the batch, when every gradient fits it: the code returns the
    batch's sum where the spec averages (or the mean where it sums)."""
    kinds = {r.diagnosis for r in results}
    if kinds == {"missing_1_over_m"} and net.reduction == "mean":
        return [
            "every gradient is the batch's sum, m times the mean the spec asks for: if the "
            "code's update divides by the batch size itself (as Nielsen's update_mini_batch "
            'does), the spec to check it against has reduction = "sum"'
        ]
    if kinds == {"extra_1_over_m"} and net.reduction == "sum":
        return [
            "every gradient is the batch's mean, 1/m times the sum the spec asks for: if the "
            'code is meant to average, the spec to check it against has reduction = "mean"'
        ]
    return []


def report_json(results) -> str:
    """The ``--format json`` report: ``GradientResult.as_json`` of each gradient."""
    return json.dumps([r.as_json() for r in results], indent=2) + "\n"
