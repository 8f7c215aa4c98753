"""Check a student's notes claim by claim: ``derive check NOTES [--spec SPEC]``.

Every formula the reader finds (``notes.py``, ``claims.py``) is a claim when it says
something checkable, and gets a verdict: ``correct``, ``wrong`` (with the expected value and,
for a derivative, which quantity its right-hand side really is), or ``unknown`` (with why).
``Checker`` walks the notes in reading order and hands each formula to its check:

- arithmetic and shapes (``arith``): ``a = b = c`` in numbers and written matrices,
  chains written downwards, shapes of matrices and products;
- derivatives, chain rules, labels and equations (``deriv``), against ``sympy.diff`` of
  the network (``network``): the spec's (``--spec``, every matrix product read as a
  product of scalars), or else the forward equations written in the notes
  (``z_1 = w_1 x + B_1`` …), compared per sample at random points (``numbers``).

Names of the notes' own: ``g = 2(A_2 - y)`` with ``g`` not in the network defines ``g`` for
later formulas (so does a forward equation the cost does not depend on); it is not a claim.
The report (``check_report``) gives one line per claim.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import sympy as sp

from derive.engine import namer
from derive.errors import DeriveError

from . import arith as arith
from . import deriv as deriv
from . import functions as functions
from . import identities as identities
from . import matrix as matrix
from . import ownsection as ownsection
from . import shapes as shapes
from . import softmax as softmax
from .claims import Member, Names, Reader
from .meaning import normalize, softmaxnums
from .meaning.judge import VALUE_COND, judge_note
from .names import sym
from .network import ScalarNet, net_from_notes, net_from_spec, notes_layers
from .read import read_notes, stands_apart
from .report import report_json, report_text
from .state import Checking, Item, Result


class Checker(Checking):
    """The walk over one notes file: its formulas, grids and lines of text in reading order,
    each handed to its check."""

    def __init__(self, segments, reader: Reader, net: ScalarNet | None, spec: bool, text=""):
        super().__init__(reader, net, spec)
        self.functions, self.function_lines = functions.define(reader, functions.find(segments))
        self.statements = shapes.find(segments, reader, text)
        self.items = self._items(segments)

    def _items(self, segments) -> list[Item]:
        """The segments as items; a formula that starts with ``=`` continues the one before."""
        items: list[Item] = []
        owner = {id(seg): st for st in self.statements for seg in st.segments}
        last_span = -1
        for seg in segments:
            if seg.kind == "text":
                items.append(Item("text", seg.line, text=seg.text, stated=owner.get(id(seg))))
            elif seg.kind == "grid":
                cells = []
                for row in seg.cells:
                    out = []
                    for c in row:
                        try:
                            out.append(self.reader.expr(c))
                        except Exception:
                            out.append(sp.Symbol(c))
                    cells.append(out)
                items.append(Item("grid", seg.line, matrix=sp.Matrix(cells)))
            else:
                self.reader.names.line = seg.line
                form = self.reader.formula(seg.text, seg.line, seg.display)
                last = items[-1] if items else None
                if (
                    form.members
                    and form.members[0].kind == "empty"
                    and last
                    and last.formula
                    and not (
                        last.formula.members[0].kind == "empty"
                        and stands_apart(seg, last_span, last.formula.members[-1].line)
                    )
                ):
                    prev = last.formula
                    if prev.members and prev.members[-1].kind == "empty":
                        prev.members.pop()
                    prev.members.extend(form.members[1:])
                    prev.labels.extend(form.labels)
                    prev.annotations.extend(form.annotations)
                    continue
                items.append(
                    Item("formula", seg.line, formula=form, display=seg.display,
                         stated=owner.get(id(seg)))
                )  # fmt: skip
                last_span = getattr(seg, "span", -1)
        return items

    def run(self) -> list[Result]:
        """Check every item; the results sorted by line."""
        for index, item in enumerate(self.items):
            try:
                self._item(index, item)
            except Exception as err:  # one claim's failure never stops the others
                self.add(
                    item.line,
                    "equation",
                    item.formula.tex if item.formula else item.text,
                    "unknown",
                    message=f"could not check ({type(err).__name__}: {err})",
                )
        self.results.sort(key=lambda r: r.line)
        return self.results

    def _item(self, index: int, item: Item):
        if item.stated is not None and item.stated.handled:
            return  # part of a shape statement, judged by shapes.prepare
        if item.kind == "text":
            arith.shape_sentence(self, item)
            return
        if item.kind == "grid":
            self.last_matrix = [item.matrix, item.line, False, index]
            return
        form = item.formula
        for label in form.labels:
            deriv.underbrace(self, label)
        for mat, shape, text, line in form.annotations:
            arith.annotation(self, mat, shape, text, line)
        members = [m for m in form.members if m.kind != "empty"]
        if form.update or not members:
            return
        try:
            self._formula(index, item, members)
        finally:
            described = [id(a[0]) for a in form.annotations]
            for m in members:
                for kind, val in m.operands if m.kind == "matrix" else ():
                    if kind == "M":
                        self.last_matrix = [val, m.line, id(val) in described, index]

    def _formula(self, index: int, item: Item, members: list[Member]):
        if len(members) == 1:
            arith.single(self, index, item, members[0])
            return
        self.vchain = None
        first = members[0]
        if functions.is_definition(self, members):
            return  # f(z) = …: a function of the notes' own, not a claim
        if matrix.claim(self, item, members) or softmax.claim(self, members):
            return
        if identities.claim(self, members):
            return
        if first.kind == "deriv":
            for k, m in enumerate(members[1:], 1):
                deriv.derivative(self, first, m, _after_symbols(members, k))
        elif (
            first.kind == "expr"
            and isinstance(first.value, sp.Symbol)
            and namer.is_delta(first.value.name)
        ):
            of = namer.gradient_of(first.value.name)
            lhs = Member(first.line, first.tex, "deriv", value=("C", of), style="∂")
            for k, m in enumerate(members[1:], 1):
                deriv.derivative(self, lhs, m, _after_symbols(members, k))
        elif all(m.kind in ("number", "matrix", "bad") for m in members):
            arith.arithmetic(self, members)
        elif first.kind == "shapes" or (first.kind == "shape" and not first.operands):
            arith.shape_chain(self, members)
        elif first.kind == "expr" and all(m.kind in ("expr", "number", "bad") for m in members):
            deriv.equation(self, members)
        elif first.kind == "expr" and isinstance(first.value, sp.Symbol):
            return  # a name given a value (y = [1, 9, 9]): an example, not a claim
        else:
            for m in members[1:]:
                self.add(
                    m.line,
                    "equation",
                    f"{first.tex} = {m.tex}",
                    "unknown",
                    message=m.error or "a mix of kinds this checker does not compare",
                )


def _after_symbols(members: list[Member], k: int) -> bool:
    """Member k is a number after a member in symbols (``dz/dw = x = 2``): the value of those
    symbols in the note's own example."""
    return members[k].kind == "number" and any(m.kind != "number" for m in members[1:k])


# ---------------------------------------------------------------------- entry points
def check_text(
    text: str, spec: str | None = None, *, latex: bool | None = None, layout: str | None = None
) -> tuple[list[Result], str]:
    """Check notes given as text; returns the results and a header naming the network used."""
    segments = read_notes(text, latex=latex)
    net = net_from_spec(spec) if spec else None
    layers = net.layers if net else notes_layers(segments)
    reader = Reader(Names(layers), functions=net.acts if net else None)
    checker = Checker(segments, reader, net, spec=bool(spec), text=text)
    if net is None:
        formulas = [item.formula for item in checker.items]
        net, checker.def_lines, local = net_from_notes(formulas, checker.functions)
        for name, expr in local.items():
            checker.local.setdefault(name, expr)
        checker.net = net
    checker.softmax = softmax.find(checker, checker.items)
    shapes.prepare(checker, checker.statements)
    header = _header(checker, net, spec)
    old = checker.run()
    after = getattr(net, "superseded", 10**9)
    second = _second_example(segments, reader, text, after) if spec is None else None
    for i, r in enumerate(old):
        reused = r.line > after and r.kind in ("derivative", "chain-rule")
        if r.verdict == "wrong" and (reused or r.line >= after and r.kind == "definition"):
            # the note has reused a letter of this network for something else by now (the
            # line that does so defines it for its own example: y = z^{(2)} after y = \sigma(a))
            why = f"line {after} redefines a name of the network read before it"
            old[i] = Result(r.line, r.kind, r.claim, "unknown", None, why)
    if second is not None:  # the second example's lines: its own network's verdicts
        start, results = second
        mine = {r.line for r in results}
        old = [r for r in old if r.line < start or r.line not in mine] + results
        old.sort(key=lambda r: r.line)
    new = judge_note(segments, layout=layout)
    if spec is None:  # a claim is judged against the network of its own section
        run = lambda part: _section_checks(part, reader, text)  # noqa: E731
        old = ownsection.demote(checker, segments, old, new, run)
    results = merge(old, new)
    results = _numbers_example(results, segments, text)
    results = _normalization(results, segments, text)
    return results, _with_readings(header, old, new, results)


def _numbers_example(results: list[Result], segments, text: str) -> list[Result]:
    """A softmax worked in numbers (``meaning/softmaxnums.py``): its vectors and its loss are
    judged by evaluating the numbers; on those lines, the other checks' claims about the same
    numbers (``L = -\\log(0.245)`` on a drawn network, a cost's value compared with no
    rounding) and what they could not read give way."""
    found = softmaxnums.judge(segments, text)
    if not found:
        return results
    mine: dict[int, set[float]] = {}
    for line, claim, _, _ in found:
        mine.setdefault(line, set()).update(_numbers_in(claim))

    def same(r: Result) -> bool:
        if r.line not in mine:
            return False
        theirs = _numbers_in(r.claim)
        return r.verdict == "unknown" or bool(theirs) and theirs <= mine[r.line]

    kept = [r for r in results if not same(r)]
    kept += [Result(line, "arithmetic", claim, v, None, msg) for line, claim, v, msg in found]
    return sorted(kept, key=lambda r: r.line)


def _normalization(results: list[Result], segments, text: str) -> list[Result]:
    """A batch or layer normalization the note defines entry by entry
    (``meaning/normalize.py``): its backward claims are judged on the note's own layer, and
    on the lines it judged, its verdicts replace the other checks' (which read the layer's
    names as a network's, or not at all)."""
    found = normalize.judge(segments, text)
    if not found:
        return results
    mine = {line for line, _, _, _ in found}
    kept = [r for r in results if r.line not in mine]
    for line, claim, v, msg in found:
        kind = "derivative" if "\\partial" in claim or "\\nabla" in claim else "equation"
        kept.append(Result(line, kind, claim, v, None, msg))
    return sorted(kept, key=lambda r: r.line)


def _numbers_in(claim: str) -> set[float]:
    """The decimal numbers a claim writes (not the digits of its subscripts)."""
    return {float(x) for x in re.findall(r"(?<![\w_{])-?\d+\.\d+", claim.replace("−", "-"))}


def _second_example(segments, reader, text: str, after: int) -> tuple[int, list[Result]] | None:
    """A note that reuses a letter of its network for a second example (``z = y - t`` first,
    ``y = \\sigma(z)`` later) writes that example's forward equations from there on: the lines
    from ``after`` are checked against the network those equations make, when they make one
    (else None: the first network's WRONG verdicts there become not understood). Returns
    the line the second example starts on and its results."""
    if after >= 10**9:
        return None
    start = next((i for i, s in enumerate(segments) if s.line >= after), len(segments))
    while start > 0:  # the formula block the new definition stands in (L = (y - t)^2/2 above)
        prev, cur = segments[start - 1], segments[start]
        if (
            prev.kind != "math"
            or cur.kind != "math"
            or max(prev.line, prev.end_line) < cur.line - 1
        ):
            break
        start -= 1
    later = segments[start:]
    after = later[0].line if later else after
    second = Checker(later, reader, None, spec=False, text=text)
    formulas = [item.formula for item in second.items]
    net, second.def_lines, local = net_from_notes(formulas, second.functions, output_y=True)
    if net is None or getattr(net, "superseded", 10**9) < 10**9:
        return None
    for name, expr in local.items():
        second.local.setdefault(name, expr)
    second.net = net
    second.softmax = softmax.find(second, second.items)
    shapes.prepare(second, second.statements)
    return after, second.run()


def _section_checks(part, reader, text: str) -> list[Result]:
    """The older checks on one section alone, on the network its own equations write (a
    second example's ``y = \\sigma(a)`` defines y); no network: no results."""
    checker = Checker(part, reader, None, spec=False, text=text)
    formulas = [item.formula for item in checker.items]
    net, checker.def_lines, local = net_from_notes(formulas, checker.functions, output_y=True)
    if net is None:
        return []
    for name, expr in local.items():
        checker.local.setdefault(name, expr)
    checker.net = net
    checker.softmax = softmax.find(checker, checker.items)
    shapes.prepare(checker, checker.statements)
    return checker.run()


_VALUE_CASE = re.compile(
    VALUE_COND + r"|\\text\{\s*(otherwise|else|sinon|sonst|andernfalls|sino|en otro caso)\b"
)


def merge(old: list[Result], new) -> list[Result]:
    """The model of meaning's verdicts (``meaning``) first: on a line it judged, its verdicts
    replace the older checks'; on a line it read as a definition, an older WRONG becomes not
    understood (a definition is never wrong); elsewhere the older checks stand."""
    # a step of calculus (explicit.py) or fractions that cancel (telescope.py) judge their own
    # link only: the line's other checks stay
    judged = {v.line for v in new if v.verdict in ("correct", "wrong") and not v.own_only}

    # where both agree, the older check's verdict stays (it names the mistake and the
    # expected value, and the kind of check)
    def line_verdict(verdicts):
        vs = set(verdicts)
        return "wrong" if "wrong" in vs else "correct" if vs == {"correct"} else None

    agree = set()
    for line in judged:
        mine = line_verdict(v.verdict for v in new if v.line == line)
        # an older "definition differs" is about another claim of the line (a table row's
        # own cost beside its gradient): no agreement with the model's verdict on the claim
        theirs = line_verdict(r.verdict for r in old if r.line == line and r.kind != "definition")
        if mine is not None and mine == theirs:
            agree.add(line)
    judged -= agree
    new = [v for v in new if v.line not in agree]
    defined = {v.line for v in new if v.verdict == "definition"} - judged
    out = []
    for r in old:
        if r.line in judged:
            continue
        if r.verdict == "wrong" and _VALUE_CASE.search(r.claim):
            # 0 \quad \text{otherwise} after 1 \quad z > 0: the older checks drop the case
            r = Result(r.line, r.kind, r.claim, "unknown", None, "a case on the values (z > 0)")
        elif r.line in defined and r.verdict == "unknown" and "Invalid LaTeX" in r.message:
            continue  # A1 = max(0, Z1): a definition the model bound, the older parser could not
        elif r.line in defined and r.verdict == "wrong":
            r = Result(r.line, r.kind, r.claim, "unknown", None,
                       "a definition of the note's, not a claim")  # fmt: skip
        elif r.verdict == "wrong" and r.kind == "equation" and r.line not in agree:
            # the older check compares any two sides as expressions in unbound symbols
            # (a definition, a statement of a case, shapes written as fractions): not trusted
            r = Result(r.line, r.kind, r.claim, "unknown", None,
                       "an equation between names the model of meaning could not bind")  # fmt: skip
        out.append(r)
    said = {(r.line, r.kind) for r in out if r.verdict in ("correct", "wrong")}
    agreed = {(r.line, r.verdict) for r in out if r.verdict in ("correct", "wrong")}
    for v in new:
        if v.own_only and (v.line, v.kind) in said:
            continue  # the older checks judged that chain rule on the line already
        if v.own_only and (v.line, v.verdict) in agreed:
            continue  # a step by calculus the older checks judged alike (and name)
        if v.verdict == "unknown" and v.unread and v.line in judged:
            # another claim of a line the model judged, whose notation it could not read:
            # reported as not understood (the older checks' verdicts on the line are
            # replaced), never dropped, so a judged first equality does not pass for the line
            out.append(Result(v.line, v.kind, v.claim, "unknown", None, v.message))
        if v.verdict in ("correct", "wrong"):
            msg = v.message if v.verdict != "correct" else f"read with {v.reading}"
            if v.verdict == "wrong" and v.reading:
                msg += f" ({v.reading})"
            expected = None
            if v.verdict == "wrong" and "the left-hand side is " in v.message:
                expected = v.message.split("the left-hand side is ", 1)[-1]
                # a number ends at the first comma; an array's entries hold commas of their own
                cut = ", the right-hand side" if ", the right-hand side" in expected else ","
                expected = f"the value of the left-hand side, {expected.split(cut)[0]}"
            out.append(Result(v.line, v.kind, v.claim, v.verdict, expected, msg))
    out.sort(key=lambda r: r.line)
    return out


def _with_readings(header: str, old: list[Result], new, results: list[Result]) -> str:
    """The header names the readings the model of meaning judged claims under (rows or
    columns, the batch, the cost), most used first. The older scalar model's equations (one
    unit per layer, so ``X W_1`` prints as ``W(1)*X``) stay only while some of its verdicts
    are in the report: on a note the model of meaning read alone they describe nothing."""
    readings = Counter(  # "...; a product read as elementwise" is a remark on one claim
        v.reading.split(";")[0] for v in new if v.verdict in ("correct", "wrong") and v.reading
    )
    if not readings:
        return header
    mine = {id(r) for r in old}
    scalar = any(id(r) in mine and r.verdict in ("correct", "wrong") for r in results)
    first, _, rest = header.partition("\n")
    source = first.removeprefix("network: ")
    if source.startswith("none"):
        source = "the forward equations in the notes"
    # (lines 1, 1, 2): one line holds several equations of a table or a list
    source = re.sub(
        r"\(lines ([\d, ]+)\)",
        lambda m: "(lines " + ", ".join(dict.fromkeys(m.group(1).split(", "))) + ")",
        source,
    )
    lines = [f"network: {source}, read as the note writes it"]
    for reading, k in readings.most_common(3):
        lines.append(f"  {k} claim{'s' if k > 1 else ''} judged with {reading}")
    if len(readings) > 3:
        lines.append(f"  {sum(readings.values()) - sum(k for _, k in readings.most_common(3))}"
                     f" more under {len(readings) - 3} other readings")  # fmt: skip
    if scalar and rest:
        lines.append("  the older scalar checks (one unit per layer):")
        lines += ["  " + line for line in rest.splitlines()]
    elif "softmax(" in rest:
        lines.append("  " + rest.strip().splitlines()[-1].strip())
    return "\n".join(lines)


def _header(checker: Checker, net: ScalarNet | None, spec: str | None) -> str:
    sm = checker.softmax
    if sm is not None:
        out = checker.show(sym(sm.a), 0)
        where = f"line {sm.line}" if sm.line else "the spec"
        extra = (
            f"\n  {out} = softmax({checker.show(sym(sm.z), 0)}) with the cross-entropy cost "
            f"({where}): ∂C/∂{checker.show(sym(sm.z), 0)} is checked on {softmax.K} classes, "
            "one-hot targets"
        )
    else:
        extra = ""
    if net is None or (not net.defs and sm and not spec):
        return "network: none (no --spec, and no forward equations found in the notes)" + extra
    if spec and not net.defs:
        return (
            f"network: {net.source} (softmax couples the units: other per-sample derivatives "
            f"are not checked){extra}"
        )
    eqs = "; ".join(
        f"{checker.show(sym(n), 0)} = {checker.show(e, 0)}" for n, e in net.defs.items()
    )
    per_sample = "derivatives are checked per sample (C is one sample's cost)"
    return f"network: {net.source}\n  {eqs}\n  {per_sample}{extra}"


def check_notes(
    path: str | Path, spec: str | None = None, fmt: str = "text", layout: str | None = None
) -> tuple[str, int]:
    """Check the notes at ``path``: (the report as text or JSON, exit status 1 when a claim is
    wrong, else 0). Raises ``DeriveError`` for a file that cannot be read or a bad format."""
    path = Path(path)
    if fmt not in ("text", "json"):
        raise DeriveError(f"unknown format {fmt!r}", where="--format", fix="use text or json")
    if not path.is_file():
        raise DeriveError(
            "no such file", where=str(path), fix="give the path of your notes (.md, .tex, .txt)"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DeriveError(
            f"cannot read the notes: {err}", where=str(path), fix="save the notes as UTF-8 text"
        ) from None
    results, header = check_text(text, spec, latex=path.suffix == ".tex" or None, layout=layout)
    code = 1 if any(r.verdict == "wrong" for r in results) else 0
    if fmt == "json":
        return report_json(results), code
    return report_text(results, header, str(path)), code


def register_cli(subparsers) -> None:
    """Add ``derive check NOTES [--spec SPEC] [--format text|json]``."""
    p = subparsers.add_parser(
        "check",
        help="check the claims in your notes against the derivation",
        description="Check every claim in Markdown or LaTeX notes (arithmetic, shapes, "
        "derivatives, chain-rule factorizations) and report it correct, wrong (with the "
        "right value) or not understood. Exit status 1 when a claim is wrong.",
    )
    p.add_argument("notes", metavar="NOTES", help="notes in Markdown, LaTeX or plain text")
    p.add_argument("--spec", help="the network (.toml); default: the equations in the notes")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument(
        "--rows",
        action="store_true",
        help="the notes write examples as rows (z = a W + b); default: read from the notes' "
        "own forward equations",
    )
    p.set_defaults(func=_cli)


def _cli(args) -> int:
    layout = "rows" if getattr(args, "rows", False) else None
    report, code = check_notes(args.notes, spec=args.spec, fmt=args.format, layout=layout)
    print(report)
    return code
