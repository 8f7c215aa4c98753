"""A claim is judged against the network of its own section.

Course notes often work several examples one after another, each under its own heading and
each with its own network (Bishop's PRML notes: tanh units and a linear output with the
squared error, then one sigmoid unit with the cross-entropy, then ReLU -> sigmoid in vector
form), and reuse the letters: ``a^{(1)}`` is a sum of weighted inputs in one section and
``W_1 x + b_1`` in the next, ``y`` is the output of the second example. The older scalar
checks (``deriv``, ``network``) read ONE network from the whole note (the first readable
definition of each name, ``y`` always the target), so a claim of the second section may be
evaluated on the third section's ``a^{(1)}``: ``\\frac{dy}{da^{(1)}} = y(1 - y)`` of the second
example came out WRONG.

The rule: when the section a claim stands in (from one Markdown heading or LaTeX sectioning
command to the next) defines a name the claim uses, the older network took that name's
definition from another section, and no definition of the section reads as the network's
own (a recap), the older checks' WRONG on that claim was not judged on the claim's own
network: the claim is checked again by the older checks on its section alone, on the network
the section's own equations write (a second example's ``y = \\sigma(a)`` defines y there).
That verdict stands when it is correct, or WRONG on a Leibniz derivative; anything else is
"not understood". Verdicts of the model of meaning are not touched here (it judges every claim
under each reading the note allows).
"""

from __future__ import annotations

import bisect
import re

import sympy as sp

from .state import Result

# a Markdown heading, or a LaTeX sectioning command, on a text line
_HEADING = re.compile(r"\s{0,3}#{1,6}\s|\s*\\(?:sub)*section\*?\{|\s*\\(?:paragraph|chapter)\*?\{")
_LHS = re.compile(r"^(.*?)\s(?:=|:=|\\equiv|\\coloneqq)\s")
_KINDS = ("derivative", "chain-rule", "equation", "identity")


def headings(segments) -> list[int]:
    """The lines where a section starts (headings), sorted."""
    return sorted({s.line for s in segments if s.kind == "text" and _HEADING.match(s.text)})


def _section(heads: list[int], line: int) -> int:
    i = bisect.bisect_right(heads, line)
    return heads[i - 1] if i else 0


def _symbols(member) -> set[str]:
    if member.kind == "deriv" and isinstance(member.value, tuple):
        return {str(v) for v in member.value[:2] if v is not None}
    if member.kind == "expr" and isinstance(member.value, sp.Basic):
        return {s.name for s in member.value.free_symbols}
    return set()


def _own_definitions(checker, verdicts, heads) -> dict[tuple[int, str], list]:
    """(section, name) -> the right-hand sides the section gives the name as the older reader
    reads them (None where it cannot read one)."""
    own: dict[tuple[int, str], list] = {}
    for item in checker.items:
        if item.kind != "formula" or item.formula is None:
            continue
        members = [m for m in item.formula.members if m.kind != "empty"]
        if len(members) < 2 or members[0].kind != "expr" or members[1].kind != "expr":
            continue
        left = members[0].value
        if isinstance(left, sp.Symbol):
            key = (_section(heads, members[0].line), left.name)
            own.setdefault(key, []).append(members[1].value)
    for v in verdicts:  # the model reads more definitions (sums, \equiv) than the older reader
        if v.verdict != "definition":
            continue
        m = _LHS.match(v.claim)
        if m is None:
            continue
        try:
            left = checker.reader.expr(m.group(1))
        except Exception:  # a left-hand side the older reader cannot name: not its network's
            continue
        if isinstance(left, sp.Symbol):
            own.setdefault((_section(heads, v.line), left.name), []).append(None)
    return own


def _same(net, a, b) -> bool:
    if a is None or b is None:
        return False
    try:
        return sp.simplify(net.real(a) - b) == 0
    except Exception:
        return False


def demote(checker, segments, old: list[Result], verdicts, run=None) -> list[Result]:
    """The older checks' WRONG verdicts on claims whose own section defines a name they used
    otherwise (see the module doc), made not understood; then, with ``run`` (segments -> the
    older checks' results on the network those segments write), such a claim is judged once
    more on its own section alone (``recheck``)."""
    net = checker.net
    heads = headings(segments)
    if not heads or net is None or not getattr(net, "defs", None) or checker.spec:
        return old
    own = _own_definitions(checker, verdicts, heads)
    lines = {}
    for item in checker.items:
        if item.kind == "formula" and item.formula is not None:
            for m in item.formula.members:
                lines.setdefault(m.line, set()).update(_symbols(m))
    out, foreign = [], set()
    for r in old:
        if r.verdict == "wrong" and r.kind in _KINDS:
            used = lines.get(r.line, set())
            why = _foreign(checker, own, heads, r.line, used)
            if why is not None:
                r = Result(r.line, r.kind, r.claim, "unknown", None, why)
                foreign.add(r.line)
        out.append(r)
    if run is not None and foreign:
        out = recheck(run, segments, heads, out, foreign)
    return out


_LEIBNIZ = re.compile(r"\\[dt]?frac\{\s*(?:d|\\partial)")


def recheck(run, segments, heads, old: list[Result], foreign: set[int]) -> list[Result]:
    """The claims on ``foreign`` lines judged on the network their own section writes: the
    section's segments alone (heading to next heading) given to the older checks. Their
    verdict replaces the demoted one when it is correct, or when it is WRONG on a Leibniz
    derivative (``\\frac{dy}{da}``): a name the section's network lacks leaves the claim not
    understood there, and a delta or a chain of factors may hang on what the note defined
    before the section, so those stay not understood."""
    bounds = heads + [10**9]
    by_line: dict[int, list[Result]] = {}
    for start, end in zip(bounds, bounds[1:], strict=False):
        mine = {ln for ln in foreign if start <= ln < end}
        if not mine:
            continue
        part = [s for s in segments if start <= s.line < end]
        try:
            results = run(part)
        except Exception:  # a section the older checks cannot read: the demotion stands
            continue
        said = f"judged on the network of its own section (from line {start})"
        for r in results:
            if r.line in mine and r.kind in _KINDS:
                msg = f"{r.message}; {said}" if r.message else said
                r = Result(r.line, r.kind, r.claim, r.verdict, r.expected, msg)
                by_line.setdefault(r.line, []).append(r)
    out = []
    for r in old:
        again = [a for a in by_line.get(r.line, []) if a.claim == r.claim]
        if r.line in foreign and again and all(a.verdict == "correct" or _sure(a) for a in again):
            out.extend(again)
            continue
        out.append(r)
    return out


def _sure(r: Result) -> bool:
    return r.verdict == "wrong" and r.kind == "derivative" and bool(_LEIBNIZ.match(r.claim))


def _foreign(checker, own, heads, line, used) -> str | None:
    net, def_lines = checker.net, checker.def_lines
    sec = _section(heads, line)
    for name in sorted(used):
        rhs = own.get((sec, name))
        if rhs is None:
            continue
        where = def_lines.get(name)
        if where is None:  # not in the network (a softmax output, the target's letter)
            continue
        shown = checker.show(sp.Symbol(name), 0)
        if _section(heads, where) == sec or any(_same(net, e, net.defs[name]) for e in rhs):
            continue
        return (
            f"judged on the network of another section: line {where} defines {shown}, this "
            f"section (from line {sec or 1}) defines it again"
        )
    return None
