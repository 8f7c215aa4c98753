"""The report of ``derive check NOTES``: a header naming the network, one line per claim with
its verdict (for a wrong claim, why and what was expected), and the counts; or the results as
JSON, one object per claim."""

from __future__ import annotations

import json
from dataclasses import asdict

from .state import Result


def report_text(results: list[Result], header: str, source: str) -> str:
    """The text report: one line per claim, a wrong one's reason and expected value below it."""
    out = [f"{source}: {header}", ""]
    for r in results:
        claim = r.claim if len(r.claim) <= 100 else r.claim[:97] + "..."
        mark = {"correct": "correct", "wrong": "WRONG", "unknown": "not understood"}[r.verdict]
        out.append(f"line {r.line:<4} {r.kind:<11} {mark:<15} {claim}")
        if r.verdict == "wrong" and r.message:
            out.append(f"{'':>17}{r.message}")
        if r.verdict == "wrong" and r.expected:
            out.append(f"{'':>17}expected: {r.expected}")
        if r.verdict != "wrong" and r.message:
            out.append(f"{'':>17}({r.message})")
    counts = {v: sum(r.verdict == v for r in results) for v in ("correct", "wrong", "unknown")}
    out.append("")
    out.append(
        f"{len(results)} claims: {counts['correct']} correct, {counts['wrong']} wrong, "
        f"{counts['unknown']} not understood"
    )
    return "\n".join(out)


def report_json(results: list[Result]) -> str:
    """The results as a JSON list of objects (the fields of ``Result``); a wrong claim's also
    has ``why``, the mistake in words (its message)."""
    out = []
    for r in results:
        entry = asdict(r)
        if r.verdict == "wrong":
            entry["why"] = r.message
        out.append(entry)
    return json.dumps(out, indent=2, ensure_ascii=False)
