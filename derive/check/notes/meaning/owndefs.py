"""A claim is never refuted on a network its own section's definitions do not describe.

Textbooks and course notes change conventions from one section to the next: columns with
``z = Wᵀx + b`` in one, the batch as rows with ``z = x @ W + b`` and the entry form ``z_{ij} =
\\sum_k x_{ik} W_{kj} + b_j`` (W stored ``[in, out]``) in another. The model reads one network
for the whole note, with the readings the majority of its forward equations choose, so a
section written in another layout is judged on a network that is not its own: under the
columns the first sections use, ``\\frac{\\partial z_{ij}}{\\partial W_{mn}} = x_{im}
\\delta_{jn}`` of the rows section fails, and the claim is right.

The rule: a forward equation the note writes (``z = …``, ``a = …`` in symbols, not a worked
number) governs the claims after it, in its section (from one heading to the next), that write
the name it defines. When that definition fails on the drawn network under every reading the
note allows (it is then not a rewriting of the network the model draws, but a description of
another one), a claim it governs is never called WRONG: the reading that refutes it is one
under which the note's own definition is false. Such a claim is "not understood", naming the
definition. Correct verdicts are kept (a claim that holds under a reading holds there).

Such a claim is then judged once more on its section alone, as a note of its own: a section
that writes one layer with bare names (``z_{ij} = \\sum_k x_{ik} W_{kj} + b_j``, ``onelayer.py``)
is that layer, in the layout its definition holds in. Its verdict replaces "not understood"
when the claim is confirmed there; a refutation there is kept only for a derivative of one of
the section's names by another of them, which no cost defined elsewhere can change. Only a
definition that holds on the section's own network shows that the section describes another
network; one that does not hold there either is the author's slip (a bias written inside the
sum, ``z_k = \\sum_j (w_{kj} a_j + b_k)``), and the refutation on the note's network stands.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import replace

from .grammar import atoms

# a Markdown heading, or a LaTeX sectioning command, as a text line (or a plain-text line a
# Unicode fence read as math: ``### 6.1 linear map z = Wx + b``)
_HEADING = re.compile(r"\s{0,3}#{1,6}\s|\s*\\(?:sub)*section\*?\{|\s*\\(?:paragraph|chapter)\*?\{")


OTHER = "the section describes another network"


def headings(segments) -> list[int]:
    """The lines where a section starts, sorted."""
    return sorted(
        {s.line for s in segments if s.kind in ("text", "math") and _HEADING.match(s.text)}
    )


def _section(heads: list[int], line: int) -> int:
    i = bisect.bisect_right(heads, line)
    return heads[i - 1] if i else 0


def _symbolic(tree) -> bool:
    """A right-hand side in symbols (not only the numbers of a worked example)."""
    return any(a.name not in ("e", "pi") for a in atoms(tree))


def collect(segments, stmts, note) -> list[tuple[int, int, str, object, object, str]]:
    """The note's forward equations as (section, line, defined name, lhs, rhs, text)."""
    heads = headings(segments)
    note.section_heads = heads
    out = []
    for members in stmts:
        lhs = members[0]
        if len(members) < 2 or note.kinds.get(id(lhs)) != "forward":
            continue
        rhs = members[1]
        if lhs.tree is None or rhs.tree is None or lhs.tree[0] != "atom":
            continue
        if not _symbolic(rhs.tree):
            continue
        text = f"{lhs.text} = {rhs.text}"
        out.append(
            (_section(heads, rhs.line), rhs.line, lhs.tree[1].name, lhs.tree, rhs.tree, text)
        )
    return out


def contradicted(note, lhs, rhs, line: int, compare) -> tuple[str, int] | None:
    """Why a WRONG on the claim ``lhs = rhs`` at ``line`` does not stand: the message naming
    the definition of its section that governs it and holds under no reading, and its line;
    else None."""
    defs = getattr(note, "section_defs", None)
    if not defs:
        return None
    sec = _section(getattr(note, "section_heads", []), line)
    names = {a.name for a in atoms(lhs)} | {a.name for a in atoms(rhs)}
    latest: dict[str, tuple] = {}
    for d in defs:
        if d[0] == sec and d[1] < line and d[2] in names:
            latest[d[2]] = d  # the latest definition of the name before the claim
    cache = note.__dict__.setdefault("_defs_hold", {})
    failure = note.first_failure, getattr(note, "fail_kinds", set())
    try:
        for _sec, at, _name, dl, dr, text in sorted(latest.values(), key=lambda d: d[1]):
            if at not in cache:
                try:
                    cache[at] = compare(note, dl, dr, at)[0]
                except Exception:  # a definition that cannot be evaluated says nothing
                    cache[at] = "unknown"
            if cache[at] == "wrong":
                return (
                    f"line {at} of this section defines {text}, which fails on the drawn "
                    f"network under every reading: {OTHER}",
                    at,
                )
    finally:
        note.first_failure, note.fail_kinds = failure
    return None


def own_sections(verdicts, segments, judge, compare):
    """The verdicts with each claim demoted by ``contradicted`` judged again on its section
    alone (``judge``: (segments, a list to keep the note in) -> verdicts), see the module doc.
    When the governing definition does not hold on the section's own network either (or the
    section is the whole note), nothing shows another network: the refutation stands."""
    demoted = [v for v in verdicts if v.verdict == "unknown" and v.demoted is not None]
    if not demoted:
        return verdicts
    heads = headings(segments)
    bounds = [0] + [h for h in heads if h > 0] + [10**9]
    again: dict[int, object] = {}
    for start, end in zip(bounds, bounds[1:], strict=False):
        mine = [v for v in demoted if start <= v.line < end]
        if not mine:
            continue
        part = [s for s in segments if start <= s.line < end]
        kept: list = []
        found = []
        if len(part) < len(segments):  # the whole note is no other network than its own
            try:
                found = judge(part, kept)
            except Exception:  # a section that cannot be read alone: the refutation stands
                kept = []
        said = f"judged on the network of its own section (from line {start or 1})"
        alone = {}
        for v in found:
            if "in one case of its indices" in v.reading:
                continue  # a case split it was not written for: no confirmation on one example
            if v.verdict == "correct" or v.verdict == "wrong" and _between_own(v.claim):
                how = f"{v.reading}; {said}" if v.reading else said
                alone[(v.line, v.claim)] = replace(v, reading=how)
        for v in mine:
            at, msg, reading = v.demoted
            if not kept or not _holds(kept[0], at, compare):
                again[id(v)] = replace(
                    v, verdict="wrong", message=msg, reading=reading, demoted=None
                )
            elif (v.line, v.claim) in alone:
                again[id(v)] = alone[(v.line, v.claim)]
    return [again.get(id(v), v) for v in verdicts]


def _holds(note, at: int, compare) -> bool:
    """Whether the definition on line ``at`` holds under a reading of ``note``."""
    for _sec, line, _name, dl, dr, _text in getattr(note, "section_defs", ()):
        if line == at:
            try:
                return compare(note, dl, dr, at)[0] == "correct"
            except Exception:
                return False
    return False


_OWN_DERIVATIVE = re.compile(r"\\frac\{\\partial\s*[zaxy]_\{?[a-z]{1,2}\}?\}\{\\partial\s*[Wwxb]")


def _between_own(claim: str) -> bool:
    """``\\frac{\\partial z_{ij}}{\\partial W_{mn}} = …``: a derivative of one of the layer's
    own entries by another, which holds or fails whatever the cost is."""
    return bool(_OWN_DERIVATIVE.match(claim))
