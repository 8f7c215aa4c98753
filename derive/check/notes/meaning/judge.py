"""Judge a note's claims on the drawn network: definitions bind, claims are compared.

``judge_note(segments)`` walks the formulas of a note in reading order. A formula is split at
its relation signs into members on their own lines (a member that starts a display row with
``=`` continues the formula before). Definitions bind and are never judged wrong: forward
equations (``z^l = w^l a^{l-1} + b^l``), the cost (``C = \\frac12 \\|a^L - y\\|^2``), ``:=``,
names of the note's own (``t = x W + b``); what they say fixes the readings (``conventions``).
Every other member is a claim about its left-hand side and is evaluated on every drawn
network, at every layer where a general ``l`` is defined and for every value of its free
entry indices, under each reading the note allows. Correct when it holds under a reading;
wrong only when it fails under every reading and the claim does not hang on a cost the note
never wrote; else not understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..read import stands_apart
from . import (
    actidentity,
    actmenu,
    affine,
    altcost,
    barenames,
    batchletter,
    biasletter,
    bind,
    bishop,
    bishoplayers,
    calculus,
    chains,
    chainsteps,
    composite,
    composition,
    conventions,
    decay,
    dimensions,
    entryfuns,
    entryorder,
    errorletter,
    examples,
    explicit,
    gates,
    indices,
    inout,
    jacgrad,
    jacobians,
    jacshort,
    layerletter,
    localnodes,
    logits,
    logreg,
    negated,
    ngcourse,
    ngforms,
    ngshapes,
    nielsen,
    numbered,
    numvec,
    onehot,
    onelayer,
    owndefs,
    ownletters,
    ownquantities,
    ownsizes,
    primes,
    prosenet,
    recurrent,
    rowvectors,
    scope,
    sections,
    shapecalc,
    slipnames,
    slips,
    smallt,
    softmaxentries,
    softmaxvec,
    strayindex,
    sublayers,
    sumfeed,
    telescope,
    topweight,
    unitnet,
    units,
    weightletter,
    worked,
)
from .bind import Env, Jac, NoLayer, Reading, ShapeMismatch, equal
from .conventions import Note, infer, use_cost_at
from .grammar import (
    COSTS,
    Atom,
    Unreadable,
    atoms,
    clean,
    parse,
    rebuild,
    split_relations,
    subtrees,
)
from .instance import Net

DELTAS = {"delta", "Delta"}
BATCH = {"Z", "A", "X", "Y", "dZ", "dA", "np.sum", "m", "N", "Delta", "Delta_acc", "Delta_accb"}


@dataclass
class Verdict:
    line: int
    claim: str
    verdict: str  # correct | wrong | unknown | definition
    message: str = ""
    reading: str = ""
    kind: str = "equation"  # derivative | chain-rule | equation, as the report names checks
    unread: bool = False  # its notation was not read (not parsed), rather than not judged
    own_only: bool = False  # judges its own link only: the line's older checks stay beside it
    # refuted only where its section's definition fails (owndefs.py): (that definition's
    # line, the refutation's message and reading)
    demoted: tuple | None = None


@dataclass
class Member:
    line: int
    rel: str
    text: str
    tree: object = None
    error: str = ""
    cond: tuple | None = None  # (i, "=" or "!=", j): the case the formula is written for
    table: bool = False  # a cell of a table row read as HEADER = CELL (notes/tables.py)
    before: tuple = ()  # a row that continues a chain: the chain's members on the rows above


_COND = re.compile(
    r"(?:,\s*)?(?:\\quad|\\qquad|\\(?:text|mbox)\{[^{}]*\})\s*(?:\\(?:text|mbox)\{[^{}]*\})?\s*"
    r"([a-zA-Z])\s*(=|\\neq|\\ne)\s*([a-zA-Z]|0)\s*[.,]?\s*$"
)


# any other case a formula is written for (``\\quad \\text{if } y_i = 1``, ``k = y_i``,
# ``l < L``): split off so its relation is not read as the formula's, and never judged
_OTHER_CASE = re.compile(
    r"(?:,\s*)?(?:\\quad|\\qquad)\s*\\text\{\s*(?:if|for|when|si|falls|wenn)\s*\}\s*"
    r"([^{}]{1,40}?(?:=|<|>|\\neq?|\\[lg]eq?|\\in)[^{}]{0,40}?)\s*[.,]?\s*$"
)
UNREAD_CASE = "case?"  # the mark of such a case in a member's cond

# a trailing condition on values: \quad z > 0, \text{if } z \leq 0, , x<0
VALUE_COND = (
    r"(?:,|\\quad|\\qquad|&|\\text\{\s*(?:if|for|when|si|falls|wenn)\s*\})\s*"
    r"(?:\\text\{[^{}]*\})?\s*[^=&,()]{0,40}?(?:>|<|\\geq?|\\leq?|\\gt|\\lt|\\geqslant|"
    r"\\leqslant)\s*[^=&,()]{0,40}$"
)
_VALUE_COND = re.compile(VALUE_COND)

_OTHERWISE = re.compile(
    r"(?:,\s*)?(?:\\quad|\\qquad)?\s*\\text\{\s*(otherwise|sinon|else|sonst)\s*\.?\}\s*[.,]?\s*$"
)


def _condition(text: str, last=None):
    """A trailing case condition (``\\quad i = j``, ``\\text{if } i \\neq j``) split off;
    ``\\text{otherwise}`` is the other case of the condition before it."""
    m = _OTHERWISE.search(text)
    if m:
        if last is None:
            return text[: m.start()].rstrip(" ,"), ("?", "?", "?")
        if last[0] == UNREAD_CASE:
            return text[: m.start()].rstrip(" ,"), (UNREAD_CASE, "otherwise", "")
        flipped = "!=" if last[1] == "=" else "="
        return text[: m.start()].rstrip(" ,"), (last[0], flipped, last[2])
    m = _VALUE_COND.search(text)
    if m:
        # 1 \quad \text{if } z > 0: a case on the values, not on indices; not judged (the
        # "otherwise" after it neither)
        return text[: m.start()].rstrip(" ,"), ("?", ">", "?")
    m = _COND.search(text)
    if not m:
        other = _OTHER_CASE.search(text)
        if other:
            return text[: other.start()].rstrip(" ,"), (UNREAD_CASE, other.group(1).strip(), "")
        return text, None
    op = "=" if m.group(2) == "=" else "!="
    return text[: m.start()].rstrip(" ,"), (m.group(1), op, m.group(3))


def statements(segments):
    """The formulas as lists of members, continuations joined to the formula before."""
    out = []
    last_cond = None
    spans: list[int] = []  # the math span of each formula read so far
    heads: dict[int, int] = {}  # a formula's math span, by the formula
    for seg in segments:
        if seg.kind != "math":
            out.append(None)
            continue
        text = clean(seg.text)
        if not text:
            continue
        shape = ngshapes.trailing(text)  # Z = W A + b \qquad (Z \in \mathbb{R}^{n \times m})
        if shape is not None:
            text = shape[0]
            if shape[1] is not None:
                out.append([Member(seg.line + text.count("\n"), "", shape[1].strip())])
        text, cond = _condition(text, last_cond)
        if cond is not None:
            last_cond = cond
        members = []
        for rel, off, part in split_relations(text):
            lead = part[: len(part) - len(part.lstrip())]
            line = seg.line + text[:off].count("\n") + lead.count("\n")
            members.append(Member(line, rel, part.strip(), cond=cond, table=seg.env == "table"))
            if cond and cond[0] == UNREAD_CASE:  # a case on values, not on two indices
                members[-1].error = f"written for a case this checker does not read ({cond[1]})"
        if members and members[0].text == "" and out and len(members) > 1:
            # rows that open with "=" continue the formula before them, also after a sentence
            # ("Split into `j = i` and `j ≠ i`:", "Since y is one-hot:"); a case of two index
            # letters named in the prose is no left-hand side
            back = len(out) - 1
            while back > 0 and (out[back] is None or _index_case(out[back])):
                back -= 1
            above = out[back] and not _index_case(out[back]) and len(out[back]) > 1
            # a table's cell ("| LSTM | $\\approx 0.663$ |") speaks of its own row, and a row
            # that opens with "=" after a formula with no left-hand side of its own in another
            # display (a plain fence whose "Gradient = 2 × 2 × ..." head was not read) would be
            # joined to a chain it does not belong to
            headless = (
                out[back] is not None
                and out[back][0].text == ""
                and stands_apart(seg, heads.get(id(out[back]), -1), out[back][-1].line)
            )
            joins = not members[0].table and not headless
            if joins and out[back] is not None and (back == len(out) - 1 or above):
                out[back].extend(members[1:])  # (none when only prose stands before it)
                continue
        last = out[-1] if out else None
        # a plain fence's row "   = [1.2, 1.2]" carries the left-hand side of the one above
        carried = getattr(seg, "source", "") == "plain" and bool(getattr(seg, "lhs", ""))
        if (
            last
            and members
            and last[0].text == members[0].text
            and (_one_display(seg, spans) or carried)
        ):
            members[0].before = (*last[0].before, *last[1:])  # rows of one chain: = \\ = ...
        spans.append(getattr(seg, "span", -1))
        heads[id(members)] = spans[-1]
        out.append(members)
    return [s for s in out if s]


def _index_case(members) -> bool:
    """``j = i``, ``i \\neq j``: a case of two index letters, named on its own."""
    return (
        len(members) == 2
        and members[1].rel in ("=", "\\neq", "\\ne", "≠")
        and all(re.fullmatch(r"[a-z]", m.text) for m in members)
    )


def _one_display(seg, spans: list[int]) -> bool:
    """The formula stands in the same display as the one before it (a chain cut at its rows)."""
    span = getattr(seg, "span", -1)  # segments built elsewhere may not say
    return span >= 0 and bool(spans) and spans[-1] == span


def _parse(m: Member, functions):
    if m.tree is None and not m.error:
        try:
            m.tree = parse(m.text, functions)
        except Unreadable as e:
            m.error = str(e) or "not read"
            again = composite.braced(m.text)  # \{ f(g(x)) \}': a prime after braces
            if again is not None:
                try:
                    m.tree, m.error = parse(again, functions), ""
                except Unreadable:
                    pass
        except (RecursionError, IndexError, ValueError) as e:
            m.error = f"not read ({type(e).__name__})"


def judge_note(segments, layout: str | None = None, costs=None) -> list[Verdict]:
    """The verdicts on a note's formulas; ``layout`` ("rows" or "cols") states how the note
    writes examples when its own equations do not say (``derive check --rows``)."""
    # Forward: y = max(0, x) / Backward: dL/dx = ...: a layer of its own (gates.py)
    segments, layers = gates.split(segments)
    own = [v for kind, segs in layers for v in gates.judge(kind, segs, judge_note)]
    moved = [s for _, segs in layers for s in segs]  # their nodes still count (localnodes)
    try:
        out = _judge_note(segments, layout, costs, moved)
        # a claim refuted only on a network its own section does not describe: its section alone
        out = owndefs.own_sections(
            out, segments, lambda part, keep: _judge_note(part, layout, costs, keep=keep), compare
        )
        return _through_time(segments, out) + own
    finally:
        bind.LAYOUT_FIXED[0] = False  # a note's own layout (jacgrad) ends with the note


def _through_time(segments, out: list[Verdict]) -> list[Verdict]:
    """A note's gradients through time, judged on its own recurrence (recurrent.py): on a line
    that reading judged, its verdicts replace the others' (a WRONG of theirs stays)."""
    stmts = statements(segments)
    for members in stmts:
        for m in members:
            _parse(m, set())
    try:
        found = recurrent.judge(stmts)
    except Exception:  # noqa: BLE001 (one reading's failure never stops the others)
        return out
    judged = {f[0] for f in found if f[2] in ("correct", "wrong")}
    if not judged:
        return out
    out = [v for v in out if v.line not in judged or v.verdict == "wrong"]
    mine = [
        Verdict(line, claim, v, msg, "the note's recurrence", "derivative", unread=unread)
        for line, claim, v, msg, unread in found
        if line in judged
    ]
    return sorted(out + mine, key=lambda v: v.line)


def _judge_note(
    segments, layout: str | None = None, costs=None, moved=(), keep=None
) -> list[Verdict]:
    shaped = [s for s in segments if s.kind == "math" and s.source == "shapes"]
    segments = [s for s in segments if not (s.kind == "math" and s.source == "shapes")]
    denied = negated.negated(segments)  # "we can't write $...$": what the prose says fails
    segments = [s for k, s in enumerate(segments) if k not in denied]
    stmts = statements(segments)
    # steps in numbers (numvec.py), judged as written; then a member's tail of numbers after
    # \approx (\sigma'(z_2) \approx 0.7692 \times (1 - 0.7692) \approx 0.1776) is cut off
    names = numvec.names(stmts)  # x = [1, 2], z_1 = ... = [1.2, 1.2]: a name's numbers
    numbers = [
        Verdict(line, claim, v, msg, "the note's own numbers", "arithmetic", own_only=True)
        for ms in stmts
        for line, claim, v, msg in numvec.judge(ms, names)
    ]
    numvec.cut(stmts)
    if smallt.applies([m.text for ms in stmts for m in ms]):  # W_2^t: the transpose
        for ms in stmts:
            for m in ms:
                m.text = smallt.rewrite(m.text)
    note = Note()
    if keep is not None:
        keep.append(note)  # the note as read, for a second look at its definitions (owndefs)
    note.layout = layout
    rewritten = jacgrad.apply(segments, stmts, note)  # \\nabla g a Jacobian, grad g its column
    if rewritten is not segments:
        segments, stmts = rewritten, statements(rewritten)
    bind.LAYOUT_FIXED[0] = note.layout_fixed  # ... and a transposed side is then wrong
    note.known_costs = costs  # a layer of its own (gates.py): any cost above it
    note.alt_costs = altcost.lines(segments)
    note.alt_outputs = altcost.outputs(segments)  # "Softmax output: dy_k/da_l = ..."
    entryfuns.declare(stmts, note.functions)  # s(x)_i = ...: s applied, not s times (x)_i
    ownletters.declare(stmts, note.functions, note)  # A^l = h(z^l): h the activation
    for members in stmts:
        for m in members:
            _parse(m, note.functions)
    ownletters.rename(stmts, note)
    scope.hat_target(stmts)  # C = 1/2 ||a^{(l)} - \hat y||^2: the note's target is \hat y
    ownletters.one_example(stmts, note)
    note.unread_defs = _unread_definitions(stmts)  # before any rewriting renames them
    _notations(segments, stmts, note)  # the delta rule's units, a section's variable, examples
    entryfuns.collect(note, stmts)  # before infer: the note's cost may be written through it
    primes.apply(stmts)  # f = e^{z_k}, f' = …: f's derivative by the entry being worked out
    unitnet.detect(note, stmts)  # h_1 = g(i_1 w_{11} + ...): a network written unit by unit
    own_softmax = softmaxvec.apply(note, stmts)  # softmax(x), L(p): x is z^L, p is a^L
    # a_1 = e^{z_1} / (e^{z_1} + e^{z_2} + e^{z_3}): entries of the output layer
    entries = None if own_softmax else softmaxentries.apply(note, stmts)
    infer(note, stmts)
    if own_softmax:
        softmaxvec.settle(note, own_softmax)
    if entries:
        softmaxentries.settle(note, entries)
    prosenet.apply(note, segments)  # "the final layer with sigmoid activation and ... loss"
    actmenu.apply(note, stmts)  # \phi(U) = \max(0, U), then \phi(U) = 1/(1 + e^{-U}): readings
    note.named_fractions = telescope.named_fractions(stmts)  # \delta_o = dE/dnet_o
    note.worked = worked.detect(stmts)  # net_{h1} = w_1 i_1 + ..., w_1 = 0.15: its numbers
    # \Delta_j^l := dC/dz_j^l: the capital Delta of this note is one example's error
    note.delta_one_example = any(_defines_delta_entry(note, ms) for ms in stmts)
    entryfuns.settle(note, stmts)  # its functions bound: their claims judged, their layouts
    if nielsen.detect(note, stmts):  # BP1-BP4 and no forward pass: Nielsen's convention
        nielsen.apply(note)
    inout.apply(note, stmts)  # dC/dw = a_in delta_out: the entry form in the note's layout
    note.numerator = rowvectors.writes_rows(stmts)  # dC/dz^L dz^L/dz^{L-1}, no W^T dz
    note.example_sums = rowvectors.example_sums(stmts)  # \sum_{i=1}^{N}: i counts examples
    topweight.drop_shift(note, stmts)  # W^{(2)} beside an output Z^{(2)} feeds Z^{(2)}
    if note.convention:
        ngcourse.settle(note, stmts)  # Ng's course: its network where the note writes none
    note.decays = decay.scales(stmts, list(decay.costs_written(stmts)))  # lambda/(2m) sum W^2
    # x = A y: what the note's own variables are, for its calculus preliminaries
    note.variables = {}
    for ms in stmts:
        if len(ms) > 1 and ms[0].tree == ("atom", Atom("x")) and ms[1].tree is not None:
            if note.kinds.get(id(ms[0])) == "definition":
                note.variables.setdefault("x", ms[1].tree)
    # \delta^{(3)} = \frac{1}{N}(\hat y - y): the note's delta is of its averaged cost (a
    # reading); a note whose delta has no 1/m keeps delta of the summed losses throughout
    note.mean_delta = any(_scaled_delta(ms) for ms in stmts)
    note.class_letters = _class_letters(stmts)
    onehot.apply(stmts, note.class_letters)  # e_\ell: the unit vector of the true class
    note.named_gradients = scope.named(stmts)  # dZ^{[L]} = dJ/dZ^{[L]}: a second reading
    note.accumulators = scope.updated(stmts, note.kinds)  # Delta = Delta + ...: Delta = 0 sets it
    note.scalar_defs = composition.definitions(stmts)  # f(x) = c x^n, z = y - t: one variable
    extra = statements(moved)
    for ms in extra:
        for m in ms:
            _parse(m, note.functions)
    note.local_nodes = localnodes.collect(segments, stmts, extra)  # z = xy, then dz/dx = y
    note.affine_layouts = affine.layouts([*stmts, *extra])  # Y = X \cdot W + B: the Affine layer
    note.chain_costs = chainsteps.known(stmts)  # E(w) = 1/2 \sum_i (...)^2: \nabla E(w)
    logits.bind_logits(note, stmts)  # after infer: the softmax output, the note's names
    jacobians.bind_jacobians(note, segments, stmts)
    note.section_defs = owndefs.collect(segments, stmts, note)  # z_{ij} = \sum_k x_{ik} W_{kj}
    note.forward_lines = [
        (ms[1].line, ms[0].tree[1].name.lower())
        for ms in stmts
        if len(ms) > 1 and note.kinds.get(id(ms[0])) == "forward"
    ]
    # prose that calls the quantities vectors or matrices ends the one-unit-per-layer reading,
    # as a transpose or an element-wise product does ("the weight matrix W^{(2)}")
    said = next(
        (s.line for s in segments if s.kind == "text" and _VECTOR_WORDS.search(s.text)), None
    )
    if said is not None:
        note.first_vector_line = min(note.first_vector_line, said)
    note.einstein = any(
        seg.kind == "text"
        and re.search(r"(?i)einstein|summation convention|repeated ind", seg.text)
        for seg in segments
    )
    out: list[Verdict] = [
        Verdict(s.line, s.text, *shapecalc.judge(s.text), "", "shape") for s in shaped
    ]  # ((10, 3)) · ((3, 4)) = ((10, 4)): shape arithmetic, judged alone (shapecalc.py)
    out += numbers  # [1, 2] \cdot W + b = [2.0, 2.4], \approx 0.7692: arithmetic (numvec)
    shapes = {s.line for s in segments if s.kind == "math" and dimensions.LABEL.match(s.condition)}
    widths = dimensions.sizes(segments)
    note.m_width = ngshapes.m_is_a_width(stmts)  # W \in R^{m x n}: m is no example count
    for members in stmts:
        if members[0].line in shapes and len(members) > 1:
            out.extend(_shape_line(members))  # Dimension: n/m = ...: shapes as fractions
            continue
        said = dimensions.stated(members[0].text) if len(members) == 1 else None
        if said is not None:
            out.append(_stated_shape(note, members[0], said, widths))  # X is size n x 1
            continue
        shaped = ngshapes.arrow(note, members, note.functions)
        if shaped is not None:  # W A + b \rightarrow (n x n') \cdot (n' x m) + ... = (n x m)
            claim = f"{members[0].text} = {members[1].text}"
            out.append(Verdict(members[1].line, claim, *shaped, "shape"))
            continue
        said = ownsizes.stated(members[0].text) if len(members) == 1 else None
        if said is not None:  # W \in \mathbb{R}^{m \times n}, then dL/dW \in ... (ownsizes)
            found = ownsizes.judge(note, *said)
            if found is not None:
                claim = f"{said[0]} is {said[1]} x {said[2]}"
                out.append(Verdict(members[0].line, claim, *found, "shape"))
                continue
        said = ngshapes.stated(members[0].text) if len(members) == 1 else None
        if said is not None:  # Z^{[l]} \in \mathbb{R}^{n^{[l]} \times m}
            v, why, how = ngshapes.judge(note, *said, note.functions)
            claim = f"{said[0]} is {said[1]} x {said[2]}"
            out.append(Verdict(members[0].line, claim, v, why, how, "shape"))
            continue
        try:
            out.extend(_statement(note, members))
        except Exception as e:  # one formula's failure never stops the others
            line = members[0].line
            out.append(Verdict(line, members[0].text, "unknown", f"not read ({type(e).__name__})"))
    return out


_VECTOR_WORDS = re.compile(
    r"(?i)\b(vectors?|vecteurs?|vektors?|vektoren|matrix|matrices|matrice|matrizen)\b|向量|矩阵"
)


def _scaled_delta(members) -> bool:
    """``\\delta^{(L)} = \\frac{1}{N}(\\hat y - y)``: a delta said to equal something with 1/m."""
    lhs = members[0].tree
    if len(members) < 2 or lhs is None or lhs[0] != "atom" or lhs[1].name not in DELTAS:
        return False
    return any(m.tree is not None and bind.mentions(m.tree, {"m", "N"}) for m in members[1:])


def _defines_delta_entry(note: Note, members) -> bool:
    """``\\Delta_j^\\ell := \\frac{\\partial C}{\\partial z_j^\\ell}``: the note names the entry
    of one example's error with a capital Delta (not Ng's accumulator over the examples)."""
    if len(members) < 2 or note.kinds.get(id(members[0])) != "definition":
        return False
    lhs, rhs = members[0].tree, members[1].tree
    return (
        lhs is not None
        and lhs[0] == "atom"
        and lhs[1].name == "Delta"
        and bool(lhs[1].sub)
        and rhs is not None
        and rhs[0] == "d"
        and rhs[1] is not None
        and rhs[1][0] == "atom"
        and bind.is_cost(rhs[1][1])
        and rhs[2][0] == "atom"
        and rhs[2][1].name == "z"
        and rhs[2][1].sub == lhs[1].sub
    )


def _notations(segments, stmts, note: Note) -> None:
    """Notations rewritten into the layered model before the note's definitions are read:
    ``### With respect to $W^{(1)}$`` gives the bare variable of that section's derivatives its
    layer; the delta rule's units (net_j, o_j, w_{ij}) become layered symbols."""
    layerletter.apply(stmts)  # z^{(k)}, w^{(k+1)}, \delta^{(K)}: the note's l and L
    sections.apply(segments, stmts)
    if ngcourse.apply(stmts):  # \Theta^{(l)}, h_\Theta(x): Ng's Machine Learning course
        note.convention = ngcourse.NOTATION
    elif logreg.apply(stmts):  # z = w^T x + b: one unit, w a column
        note.fixed_widths = [3, 1]
    elif onelayer.applies(stmts):  # z = Wx + b, a = \sigma(z), no layer anywhere: one layer
        note.fixed_widths = [3, 4]
    biasletter.apply(stmts)  # B^{(2)}: the bias of layer 2
    weightletter.apply(stmts)  # z_l = A_l a_{l-1} + b_l: the note's letter for W
    sublayers.apply(stmts)  # a_i = W_i h_{i-1} + b_i: the layer in the subscript (CS7015)
    bishoplayers.apply(stmts)  # z_j^{(1)} = h(a_j^{(1)}): Bishop's a and z, layered
    ownquantities.apply(stmts)  # u^l = h^{l-1} W^l + b^l, h^l = phi(u^l): the note's z and a
    errorletter.apply(stmts)  # \\partial e(w) / \\partial s_j: the error e is the cost E
    entryorder.apply(stmts)  # z_j^{(l)} = \\sum_i w_{ij}^{(l)} a_i^{(l-1)}: w feeds j from i
    sumfeed.apply(stmts)  # z_j = \\sum_i a_i w_{ij} + b_j: a_i is the layer below's
    batchletter.apply(stmts)  # (1/B) A_1^T (Y - Y): B the number of examples
    delta_rule = units.detect(stmts) or bishop.detect(stmts)  # net_j, o_j; a_j, z_j = h(a_j)
    if delta_rule is not None:
        units.apply(delta_rule, stmts, note)
    # (x^{(p,3)})_j as an entry; y^{(l)}: l counts examples, its sum's bound L is m
    note.example_letters, _ = examples.apply(stmts)
    if note.convention and not note.example_letters:
        note.example_letters = ngcourse.example_letters(stmts)  # y^{(i)}: the course's example
    numbered.apply(stmts, note.example_letters)  # y^{(1)}: the first example


def _stated_shape(note: Note, m: Member, said, widths) -> Verdict:
    """``\\delta^l \\text{ is size } n \\times 1``: the symbol's shape on the drawn network at
    every layer, against the sizes the prose names (n the width of layer l)."""
    text, rows, cols = said
    claim = f"{text} is {rows} x {cols}"
    try:
        tree = parse(text, note.functions)
        reading = note.first_reading()
        net, env0 = note.one_example(reading)
        general = bind.uses_layer_l(tree)
        seen = []
        for lv in note.layer_values(net, reading) if general else [None]:
            env = env0.with_idx(l=lv) if lv is not None else env0
            try:
                v = bind.value(tree, env)
                want = tuple(_size_at(d, widths, env) for d in (rows, cols))
            except NoLayer:
                continue
            got = np.shape(v) if isinstance(v, np.ndarray) else (1, 1)
            seen.append((lv, got, want))
    except (Unreadable, ValueError, TypeError, KeyError, IndexError):
        return Verdict(m.line, claim, "unknown", "a shape this checker cannot evaluate")
    if not seen:
        return Verdict(m.line, claim, "unknown", "no layer where it exists")
    bad = [(lv, g, w) for lv, g, w in seen if g != w]
    if not bad:
        return Verdict(m.line, claim, "correct", "", "the sizes the prose names", "shape")
    lv, g, w = bad[0]
    why = f"at l = {lv} it is {g[0]} x {g[1]}, not {w[0]} x {w[1]}"
    return Verdict(m.line, claim, "wrong", why, "the sizes the prose names", "shape")


def _size_at(d: str, widths: dict, env: Env) -> int:
    if d.isdigit():
        return int(d)
    if d not in widths:
        raise Unreadable(f"the size {d}")
    p = bind.layer_number(widths[d], env)
    return env.state.net.widths[bind.node_of("a", p, env)[1]]


def _shape_line(members) -> list[Verdict]:
    out = []
    for m in members[1:]:
        found = None
        if members[0].tree is not None and m.tree is not None:
            found = dimensions.judge(members[0].tree, m.tree)
        v, msg = found or ("unknown", "not written in shapes")
        how = "shapes written as rows over columns" if found else ""
        out.append(Verdict(m.line, f"{members[0].text} = {m.text}", v, msg, how, "shape"))
    return out


def _class_letters(stmts) -> set[str]:
    """Index letters a note uses for the class of a one-hot target: free on the right of a
    cost (``\\mathcal{L} = -\\log a^L_c``) and never summed."""
    out = set()
    for members in stmts:
        lhs = members[0]
        if lhs.tree is None or len(members) < 2:
            continue
        head = lhs.tree[1] if lhs.tree[0] in ("atom", "call") else None
        if head is None or not (bind.is_cost(head) or lhs.tree[0] == "call" and head.name in COSTS):
            continue
        for m in members[1:]:
            if m.tree is not None:
                out |= bind.free_indices(m.tree) - bind.free_indices(lhs.tree)
    return out


def _statement(note: Note, members: list[Member]) -> list[Verdict]:
    if len(members) < 2:
        return []
    lhs = members[0]
    kind = note.kinds.get(id(lhs), "claim")
    out = []
    start = 1
    if worked.defines(note.worked, members):
        return _worked(note, members)
    if worked.given(note.worked, members):
        return [Verdict(members[1].line, f"{lhs.text} = {members[1].text}", "definition",
                        "a number of the worked example")]  # fmt: skip
    if kind == "forward" and note.worked is not None and len(members) > 1:
        again = worked.restated(note.worked, members)  # z_1 = 0.1 * 0.5 + ... = 0.51
        if again is not None:
            kind = "claim"  # its steps are judged one by one below
    if kind == "forward":
        # a forward equation and its rewritings define the network: never a claim, unless a
        # rewriting applies the note's error as its activation (W \delta(z^l) + b)
        return [slips.rewriting(note, lhs, m, compare, i)
                or Verdict(m.line, f"{lhs.text} = {m.text}", "definition", "forward equation")
                for i, m in enumerate(members[1:])]  # fmt: skip
    arrays = note.entry_arrays
    entries = _entries_of(members)
    if entries is not None:
        # \nabla_w E = [\partial E / \partial w_{ij}] = ...: the gradient written as the array
        # of its entries; the rows after it (its own, or rows continuing the same left-hand
        # side) are claims about that entry
        arrays[lhs.text] = entries
        out.append(Verdict(members[1].line, f"{lhs.text} = {members[1].text}", "definition",
                           "the gradient as the array of its entries"))  # fmt: skip
        lhs, start = entries, 2
    elif lhs.text in arrays:
        lhs = arrays[lhs.text]
    elif kind in ("definition", "cost", "alias", "update"):
        again = worked.restated(note.worked, members)  # net_{h1} = 0.15 \cdot 0.05 + ...
        if again is not None:
            out.append(Verdict(members[1].line, f"{lhs.text} = {members[1].text}", *again))
        else:
            out.append(_definition(note, kind, lhs, members[1]))
        start = 2
    # class indices written anywhere in the formula (a_c in the step before) hold for all of it
    context = set()
    for m in members:
        if m.tree is not None:
            context |= bind.free_indices(m.tree) & note.class_letters
    for i, m in enumerate(members[start:], start):
        claim = f"{lhs.text} = {m.text}"
        link = worked.link(note.worked, members[i - 1], m)
        if link is not None:  # a worked example's step: against the member before it
            out.append(Verdict(m.line, f"{members[i - 1].text} = {m.text}", *link))
            continue
        link = _in_numbers(members[i - 1], m) if i > 1 else None
        if link is not None and link[0] == "wrong" and numvec.updates(members):
            # w' = w - \eta D = 0.3 - (-0.02) = 0.302: an update in numbers often leaves its rate
            # out, and an update rule is no claim
            link = ("unknown", "the numbers of an update rule (its rate may be left out)", link[2])
        if link is not None:  # L = -\log(0.245) = 1.406: the step is arithmetic, as written
            claim = f"{members[i - 1].text} = {m.text}"
            out.append(Verdict(m.line, claim, *link, "arithmetic", own_only=True))
            continue
        one = None
        if not m.cond and not (lhs.error or m.error):
            # the chain rule in one variable over the note's own names (composition.py); a rule
            # for any f and g alone is composite.py's, which names the form it should have
            anyf = composite.judge(
                lhs.tree, m.tree, claim, set(note.own_functions) | set(note.functions)
            )
            if anyf is None:
                one = composition.judge(note.scalar_defs, lhs.text, m.text, m.line)
        if one is not None:  # (L \circ z)'(y) = L'(z(y)) z'(y), f(x)' after f(x) = c x^n
            out.append(Verdict(m.line, claim, *one, "one variable", "derivative"))
            continue
        if m.error and not lhs.error:  # dy/dx = 0 \ (x \le 0): a case of a node (localnodes)
            node = localnodes.judge(getattr(note, "local_nodes", None), lhs, m)
            if node is not None:
                out.append(Verdict(m.line, claim, *node, _kind(lhs.tree, ("num", 0.0))))
                continue
        if lhs.error or m.error:
            out.append(Verdict(m.line, claim, "unknown", lhs.error or m.error, unread=True))
            continue
        if scope.initialises(lhs.tree, m.tree, getattr(note, "accumulators", set())):
            out.append(Verdict(m.line, claim, "definition", "sets an accumulator the note updates"))
            continue
        kron = indices.kronecker(lhs.tree, m.tree, m.cond)
        if kron is not None:
            out.append(Verdict(m.line, claim, kron[0], kron[1], "", "equation"))
            continue
        why = indices.clash(lhs.tree, m.tree)
        if why is not None:
            out.append(Verdict(m.line, claim, "wrong", why, "", _kind(lhs.tree, m.tree)))
            continue
        own = set(note.own_functions)
        if m.line in getattr(note, "menu_lines", ()):
            own.add("sigma")  # a table row that defines sigma as another activation (actmenu)
        if own and (ngforms.mentions_own(lhs.tree, own) or ngforms.mentions_own(m.tree, own)):
            # a layer map f_l of the note's own is no f of a chain rule for any f and g
            free = (own - note.layer_maps) | set(note.functions)
            anyf = (
                None
                if m.cond or not note.layer_maps
                else composite.judge(lhs.tree, m.tree, claim, free)
            )
            if anyf is not None:
                out.append(Verdict(m.line, claim, *anyf, _kind(lhs.tree, m.tree)))
                continue
            out.append(Verdict(m.line, claim, "unknown", "a function the note defines"))
            continue
        calc = None if m.cond else calculus.judge(lhs.tree, m.tree, note.variables, note.aliases)
        own = set(note.own_functions) | set(note.functions)
        comp = None if m.cond or calc else composite.judge(lhs.tree, m.tree, claim, own)
        if comp is not None:  # {f(g(x))}' = f'(g(x)) g'(x): a rule for any f and g
            out.append(Verdict(m.line, claim, *comp, _kind(lhs.tree, m.tree)))
            continue
        if calc is not None:
            out.append(Verdict(m.line, claim, calc[0], calc[1], "", _kind(lhs.tree, m.tree)))
            continue
        v, msg, reading = compare(note, lhs.tree, m.tree, m.line, m.cond, context)
        # dz/dw = x = 2: a number after symbols is the note's worked value, no identity
        valued = i > 1 and _numbers_only(m.tree)
        valued = valued and not all(_numbers_only(p.tree) for p in members[1:i])
        if v != "correct" and not valued:  # z = xy, then dz/dx = y: the section's own node
            node = localnodes.judge(getattr(note, "local_nodes", None), lhs, m)
            if node is not None and (node[0] == "correct" or v == "unknown"):
                out.append(Verdict(m.line, claim, *node, _kind(lhs.tree, m.tree)))
                continue
        if v == "unknown":  # dL/dX = dL/dY W^T: the Affine layer on its own (affine.py)
            layer = affine.judge(getattr(note, "affine_layouts", None), lhs.tree, m.tree)
            if layer is not None:
                out.append(Verdict(m.line, claim, *layer, "derivative"))
                continue
        # L = 0.5 \times (1.78 - 3)^2: the worked example's numbers put in for the names (1
        # and 0 still are identities: dz/db = 1)
        stated = i == 1 and _numbers_only(m.tree) and re.search(r"\d\.\d", m.text)
        if v == "wrong" and (valued or stated):
            # dL/da = a - y = 0.75 - 1 = -0.25: the numbers are the symbols' values in the
            # note's own example (worked.py judges them where it finds those values), no
            # identity to test on a drawn network, where a - y is anything but -0.25
            why = "a value at the note's own numbers, not an identity"
            out.append(Verdict(m.line, claim, "unknown", why))
            continue
        whole_only = getattr(note, "fail_kinds", set()) == {"whole"}  # an entry against a vector
        named = getattr(note, "named_gradients", {})
        partial = named.get(lhs.tree[1].show()) if lhs.tree[0] == "atom" else None
        if v != "correct" and partial is not None and partial != m.tree:
            again = compare(note, partial, m.tree, m.line, m.cond, context)
            if again[0] == "correct":  # dZ^{[L]} as the partial the note named it
                v, msg, reading = again[0], "", again[2] + "; " + lhs.text + " as the note names it"
        if v == "wrong" and _layer_left_out(note, ("add", [(1, lhs.tree), (1, m.tree)])):
            why = "a quantity written without its layer beside others that have one"
            out.append(Verdict(m.line, claim, "unknown", why))
            continue
        if (v == "unknown" or v == "wrong" and whole_only) and not m.cond:
            # dE/dw = dE/dout dout/dnet dnet/dw in names no network binds, or whose values
            # differ only as an entry against a whole vector, the note's capitals naming a layer
            # where its left-hand side is an entry (dE/dw^l_{ij} = dE/dA^l dA^l/dw^l_{ij}): the
            # fractions cancel, which is all a schematic chain rule says
            tele = telescope.judge(lhs.tree, m.tree, note.named_fractions)
            for p in members[1:i] if tele is None else ():  # = dE/dU = \sum_c dE/dy dy/dU
                tele = tele or telescope.judge(p.tree, m.tree, note.named_fractions)
            if tele is not None:
                out.append(Verdict(m.line, claim, *tele, "chain-rule", own_only=True))
                continue
        chain = [*lhs.before, *members[1:i]]  # the members above this one, rows above too
        back = explicit.written_out([p.tree for p in chain]) if v == "unknown" else None
        step = explicit.link(chain[back].tree, m.tree) if back is not None else None
        if step is not None:  # = \frac{\partial (xw + b)}{\partial w} = x: by calculus
            claim = f"{chain[back].text} = {m.text}"
            out.append(Verdict(m.line, claim, *step, "step", own_only=True))
            continue
        if v == "unknown" and not m.cond:  # a per-weight chain of displays, step by step
            step = chainsteps.judge([(p.line, p.tree) for p in [lhs, *chain]], m.tree,
                                    getattr(note, "chain_costs", {}), m.line)  # fmt: skip
            if step is not None:
                out.append(Verdict(m.line, claim, *step, "step", own_only=True))
                continue
        unread = _unread_names(note, lhs.tree, m.tree, m.line)
        if v == "wrong" and unread:
            # x = [x_1; x_2; ...]: the note defined this name in a form not read, so what
            # the drawn network calls x need not be the note's x
            out.append(
                Verdict(
                    m.line,
                    claim,
                    "unknown",
                    f"{unread}: written out entry by entry on an earlier line, not read",
                )
            )
            continue
        stacked = ngforms.stacked_partials(m.tree) if v == "wrong" else None
        if stacked is not None and bind.mentions(m.tree, {"m", "N"}):
            again = compare(note, lhs.tree, stacked, m.line, m.cond, context)
            if again[0] == "correct":  # dW = 1/m dL/dZ A^T: dL/dZ as Ng's stacked dZ
                v, msg, reading = (
                    "correct",
                    "",
                    again[2] + "; dL/dZ read as Ng's dZ, the examples' gradients stacked",
                )
        if v == "wrong" and scope.names_gradient(lhs.tree, m.tree):
            # dA = dL/dA names the symbol; its scale is the note's convention (scope.py)
            out.append(Verdict(m.line, claim, "definition", "notation: names the gradient"))
            continue
        if v == "unknown":
            slip = slips.misused(note, lhs.tree, m.tree, compare, m.line, m.cond, context)
            stray = strayindex.judge(note, lhs.tree, m.tree, compare, m.line, m.cond, context)
            slip = slip or stray
            v, msg, reading = slip or (v, msg, reading)
        if v == "unknown" and not m.cond:
            short = jacshort.judge(note, lhs.tree, m.tree, m.line, compare)
            if short is not None:
                v, msg, reading = short[0], "", short[1]
        if v in ("wrong", "unknown"):  # the slip of an index derivation, named (slipnames)
            named = slipnames.name(note, lhs.tree, m.tree, compare, m.line, m.cond, context, v, msg)
            if named is not None:
                v, msg, reading = named
        demoted = None
        if v == "wrong":  # refuted on a network its own section's definition does not fit
            why = owndefs.contradicted(note, lhs.tree, m.tree, m.line, compare)
            if why is not None:
                demoted = (why[1], msg, reading)
                v, msg, reading = "unknown", why[0], ""
        kind = _kind(lhs.tree, m.tree)
        if note.named and reading:
            reading = f"{note.named}, {reading}"
        out.append(Verdict(m.line, claim, v, msg, reading, kind, demoted=demoted))
    return out


FORWARD_NAMES = ("z", "Z", "a", "A")


_LIST = re.compile(r"^\s*\[.*[,;].*\]")


def _entries_of(members: list[Member]) -> Member | None:
    """The member ``[\\partial E / \\partial w_{ij}]`` after a ``\\nabla_w E`` when a
    statement defines a gradient as the array of its entries and goes on, else None."""
    if len(members) < 2 or not members[0].text.lstrip().startswith("\\nabla"):
        return None
    first = members[1]
    text = first.text.strip()
    if not (text.startswith("[") and text.endswith("]")) or first.tree is None:
        return None
    tree = first.tree
    if tree[0] != "d" or tree[1] is None or tree[2][0] != "atom":
        return None
    if tree[1][0] != "atom" or not bind.is_cost(tree[1][1]):
        return None
    sub = re.sub(r"[\s{},]", "", tree[2][1].sub or "")
    return first if re.fullmatch(r"[a-z]{2}", sub) else None


def _worked(note: Note, members: list[Member]) -> list[Verdict]:
    """The statement where a worked example defines a name (``out_{h1} = \\frac{1}{1 +
    e^{-net_{h1}}} = \\frac{1}{1+e^{-0.3775}} = 0.593269992``): its formula binds, every later
    member is a step judged against the one before it."""
    lhs = members[0]
    out = [Verdict(members[1].line, f"{lhs.text} = {members[1].text}", "definition",
                   "a unit of the worked example")]  # fmt: skip
    for i in range(2, len(members)):
        m = members[i]
        link = worked.link(note.worked, members[i - 1], m)
        claim = f"{members[i - 1].text} = {m.text}"
        if link is None:
            out.append(Verdict(m.line, claim, "unknown", m.error or "a number not grounded"))
        else:
            out.append(Verdict(m.line, claim, *link))
    return out


def _unread_definitions(stmts) -> dict[str, int]:
    """Names the note defines by writing out their entries (``dz = [dz^{(1)}, ...]^T``) in a
    form the grammar does not read: name -> the line."""
    out = {}
    for ms in stmts:
        lhs = ms[0].tree
        if len(ms) < 2 or lhs is None or lhs[0] != "atom":
            continue
        if any(m.tree is None and _LIST.match(m.text) for m in ms[1:]):
            out.setdefault(lhs[1].show(), ms[0].line)
    return out


def _unread_names(note: Note, lhs, rhs, line: int) -> str:
    """The names of a claim the note defined before it in a form not read, or ''."""
    seen = []
    for tree in (lhs, rhs):
        for a in examples_atoms(tree):
            at = note.unread_defs.get(a.show())
            if at is not None and at < line and a.show() not in seen:
                seen.append(a.show())
    return ", ".join(seen)


def examples_atoms(tree):
    atoms = []
    examples._atoms(tree, atoms)
    return atoms


def _definition(note: Note, kind: str, lhs: Member, m: Member) -> Verdict:
    """A definition binds; a definition (``:=``, ``\\equiv``) of a forward quantity that the
    note's own forward equations on other lines also define, and that fails on the network
    they define under every reading, contradicts them: reported naming both lines (the key
    README's rule, lotabout's ``z_j^l \\equiv \\sum_k w_{kj}^l a_k^{l-1} + b_j^l`` against
    ``z^l = w^l a^{l-1} + b^l``)."""
    text = f"{lhs.text} {m.rel} {m.text}"
    plain = Verdict(m.line, text, "definition", f"{kind}: binds {lhs.text}")
    if kind == "alias" and m.rel == "=" and lhs.tree is not None and lhs.tree[0] == "atom":
        bound = note.aliases.get(lhs.tree[1].show())
        if bound is not None and bound is not m.tree and conventions._has_derivative(m.tree):
            # D = dJ/dTheta after D := (1/m) Delta + ...: a name bound on another line, said
            # to equal something: confirmed when it holds, else it stays a (re)definition
            try:
                v, msg, reading = compare(note, lhs.tree, m.tree, m.line, m.cond)
            except Exception:
                return plain
            if v == "correct":
                return Verdict(m.line, text, "correct", msg, reading)
        return plain
    if kind != "definition" or m.rel not in (":=", "\\equiv"):
        return plain
    if lhs.tree is None or m.tree is None or lhs.tree[0] != "atom":
        return plain
    name = lhs.tree[1].name
    if name in DELTAS and lhs.tree[1].sup is not None:
        # \delta^L := diag(\sigma'(z^L)) \nabla_{a^L} C: the error the model knows, defined by
        # a formula; confirmed when it holds, else it stays a definition (never wrong)
        try:
            v, msg, reading = compare(note, lhs.tree, m.tree, m.line, m.cond)
        except Exception:
            return plain
        return Verdict(m.line, text, "correct", msg, reading) if v == "correct" else plain
    others = [n for n, of in note.forward_lines if n != m.line and of == name.lower()]
    if name not in FORWARD_NAMES or not others:
        return plain
    try:
        v, msg, reading = compare(note, lhs.tree, m.tree, m.line, m.cond)
    except Exception:  # a definition that cannot be evaluated stays a definition
        return plain
    if v != "wrong":
        return plain
    where = ", ".join(str(n) for n in others)
    return Verdict(m.line, text, "wrong",
                   f"this definition contradicts the forward equation{'s' * (len(others) > 1)} "
                   f"on line{'s' * (len(others) > 1)} {where}: {msg}", reading)  # fmt: skip


def einstein(node, letters: set[str]):
    """The summation convention the note declares: an index repeated in a product and not
    free on the left is summed, over the smallest term that holds all its occurrences."""
    for c in sorted(letters):
        node = _sum_over(node, c)
    return node


def _count(node, c) -> int:
    return 1 if c in bind.free_indices(node) else 0


def _sum_over(node, c):
    if c not in bind.free_indices(node):
        return node
    if node[0] == "add":
        parts = [(sg, t) for sg, t in node[1]]
        # a sum distributes over the terms: each term sums its own occurrences
        return ("add", [(sg, _sum_over(t, c)) for sg, t in parts])
    if node[0] == "mul":
        a, b = node[2], node[3]
        in_a, in_b = c in bind.free_indices(a), c in bind.free_indices(b)
        if in_a and in_b:
            return ("sum", c, None, node, None)
        if in_a:
            return ("mul", node[1], _sum_over(a, c), b)
        return ("mul", node[1], a, _sum_over(b, c))
    if node[0] == "div":
        a, b = node[1], node[2]
        in_a, in_b = c in bind.free_indices(a), c in bind.free_indices(b)
        if in_a and in_b:
            return ("sum", c, None, node, None)
        return ("div", _sum_over(a, c), b) if in_a else ("div", a, _sum_over(b, c))
    if node[0] == "pow" and c not in bind.free_indices(node[2]):
        return ("pow", _sum_over(node[1], c), node[2])  # (e^{theta_m})^2: the sum squared
    if node[0] == "sum" and node[1] != c:
        return ("sum", node[1], node[2], _sum_over(node[3], c), node[4])
    if node[0] == "d" and node[1] is None and c not in bind.free_indices(node[2]):
        return ("d", None, node[2], _sum_over(node[3], c))  # d/dtheta_k e^{theta_p}
    return ("sum", c, None, node, None)


def _alternatives(rhs):
    """The readings of a right-hand side: as parsed, and, where a derivative operator stands
    before a sum without parentheses (d/dz w g(z) + b), the operator applied to the whole sum
    (the parentheses the author left out)."""
    yield rhs
    if rhs[0] == "add" and rhs[1] and rhs[1][0][1][0] == "d" and rhs[1][0][1][1] is None:
        sign, first = rhs[1][0]
        rest = [(sign, first[3])] + list(rhs[1][1:])
        yield ("d", None, first[2], ("add", rest))
    # \delta \frac{\partial}{\partial b} \sum_k w_k a_k + b: the operator after a factor, the same
    if rhs[0] == "add" and rhs[1] and rhs[1][0][0] == 1 and rhs[1][0][1][0] == "mul":
        prod = rhs[1][0][1]
        op = prod[3]
        if isinstance(op, tuple) and op[0] == "d" and op[1] is None and op[3] is not None:
            whole = ("d", None, op[2], ("add", [(1, op[3])] + list(rhs[1][1:])))
            yield ("mul", prod[1], prod[2], whole)


def _best(note, reading, widths, lhs, rhs, cond, context) -> str:
    outcomes = []
    first_error = None
    for alt in _alternatives(rhs):
        try:
            r = _evaluate(note, reading, widths, lhs, alt, cond, context)
        except Unreadable as e:
            first_error = first_error or e
            r = "err"
        if r in ("eq", "case", "hidden"):
            return r
        outcomes.append(r)
    if all(r == "neq" for r in outcomes):
        return "neq"
    if outcomes[0] == "err" and len(outcomes) == 1 and first_error is not None:
        raise first_error
    return "err" if "err" in outcomes else outcomes[0]


def _evaluate(note: Note, reading: Reading, widths, lhs, rhs, cond=None, context=()) -> str:
    """'eq', 'case' (holds where the free indices differ, or where they coincide: one case of
    a case split), 'neq', 'partial' (holds on some draws only) or 'err' for one reading over
    the draws, the layers and the values of the free indices."""
    free_l, free_r = bind.free_indices(lhs), bind.free_indices(rhs)
    if note.einstein and free_r - free_l:
        rhs = einstein(rhs, free_r - free_l - note.class_letters)
        free_r = bind.free_indices(rhs)
    if cond and cond[2] == "0":
        # j = 0: Ng's course numbers the bias column of Theta 0 (ngcourse.py); its other
        # columns are the drawn network's W, where the case j != 0 always holds
        if not note.convention:
            raise Unreadable(f"the case {cond[0]} = 0")
        if cond[1] == "=":
            lhs, rhs = (ngcourse.bias_column(t, cond[0]) for t in (lhs, rhs))
            if lhs is None or rhs is None:
                raise Unreadable(f"the case {cond[0]} = 0")
            free_l, free_r = bind.free_indices(lhs), bind.free_indices(rhs)
        cond = None
    if cond and cond[0] == "?":
        raise Unreadable("a case on the values (z > 0), or the other case of one")
    cond_letters = {cond[0], cond[2]} if cond else set()
    if cond and not cond_letters <= (free_l | free_r | set(context) | note.class_letters):
        # the case names an index the claim does not write (j = c, then z_c): already applied
        cond, cond_letters = None, set()
    fixed = {c for c in (free_l | free_r | set(context) | cond_letters) if c in note.class_letters}
    # the course's y^{(i)} beside one example's delta (ngcourse.py): that example, the drawn one
    current = (free_r - free_l - fixed) & set(note.example_letters) if note.convention else set()
    if current and not reading.batch:
        rhs = _drop_examples(rhs, current)

    right_only = (free_r - free_l) - fixed
    if right_only and right_only <= set(note.example_letters) and not free_l & right_only:
        rhs = examples.whole_batch(rhs, right_only)  # a^{[1](i)T} beside a whole dJ/dW_2
        free_r = bind.free_indices(rhs)
    if (free_r - free_l) - fixed:
        raise Unreadable(f"index {sorted(free_r - free_l - fixed)[0]} is free on the right only")
    free = sorted((free_l | free_r) - fixed)
    # the left-hand side is one entry (a free index, not an example's nor a class's)
    dropped = free_l - fixed - set(note.example_letters)
    general = bind.uses_layer_l(lhs) or bind.uses_layer_l(rhs)
    results = []  # (layer, combo, seed, equal or None when both sides are 0)
    lhs_zero = True  # the left-hand side 0 everywhere
    # one unit per layer: a ReLU's derivative is 1 or 0 on a whole draw, so more draws
    seeds = (1, 2, 3, 4, 5, 6) if max(widths) == 1 else (1, 2)
    for seed in seeds:
        net = Net(widths, note.acts_for(len(widths) - 1, reading), seed,
                  onehot=reading.output == "softmax" or bool(fixed),
                  m=3 if reading.batch else 1)  # fmt: skip
        state = note.state(net, reading)
        env0 = Env(state, reading, note.aliases)
        if fixed:
            cls = int(np.argmax(net.params[("y", 0)][:, 0]))
            env0 = env0.with_idx(**{c: cls for c in fixed})
        layers = note.layer_values(net, reading) if general else [None]
        if general and scope.at_target(lhs, rhs):  # a^{(l)} - y: l is the output layer
            layers = layers[-1:]
        for lv in layers:
            env = env0.with_idx(l=lv) if lv is not None else env0
            try:
                both = ("add", [(1, lhs), (1, rhs)])
                ranges = [_index_range(c, both, env) for c in free]
            except Unreadable:
                continue
            for combo in np.ndindex(*ranges):
                e = env.with_idx(**dict(zip(free, combo, strict=True)))
                try:
                    a = bind.value(lhs, e)
                except NoLayer:
                    continue
                try:
                    b = bind.value(rhs, e)
                except NoLayer:
                    continue
                except ShapeMismatch as err:
                    # the left-hand side is a quantity of the network; the right-hand side
                    # multiplies quantities whose shapes do not fit: not what it claims
                    note.fail_kinds.add("value")
                    lhs_zero = False  # a mistake of shapes, whatever the left-hand side is
                    if note.first_failure is None:
                        note.first_failure = (a, str(err), lv, dict(zip(free, combo, strict=True)))
                    at = dict(zip(free, combo, strict=True))
                    at.update({c: e.idx[c] for c in fixed})
                    results.append((lv, tuple(sorted(at.items())), seed, False))
                    continue
                except (FloatingPointError, ZeroDivisionError, OverflowError):
                    raise Unreadable("not defined at the drawn values") from None
                full = dict(zip(free, combo, strict=True))
                full.update({c: e.idx[c] for c in fixed})
                if cond and not (cond[0] in e.idx and cond[2] in e.idx):
                    raise Unreadable("a case on indices this claim does not bind")
                if cond:
                    same = e.idx[cond[0]] == e.idx[cond[2]]
                    if same != (cond[1] == "="):
                        continue
                if dropped and _entry_against_whole(a, b):
                    same = False  # dC/dz_j = delta: an entry equated to its whole vector
                    note.fail_kinds.add("whole")
                else:
                    same = equal(a, b)
                    if not same:
                        note.fail_kinds.add("value")
                if not same and note.first_failure is None:
                    note.first_failure = (a, b, lv, dict(full))
                if same and _zero(a) and _zero(b):
                    same = None  # both sides 0 (a unit off): no evidence either way
                lhs_zero = lhs_zero and _zero(a)
                results.append((lv, tuple(sorted(full.items())), seed, same))
    if not results:
        return "err"
    if all(r[3] is None for r in results) and unitnet.numbered_entries(
        ("add", [(1, lhs), (1, rhs)]), note.aliases
    ):
        return "err"  # 0 = 0 at every point: a numbered entry no drawn quantity moves with
    if all(r[3] is not False for r in results):
        return "eq"
    if lhs_zero and lhs[0] == "d":
        # the derivative is 0 at every draw, layer and entry: the cost as read does not reach
        # that quantity (another network than the note's), so its failure is no evidence
        return "err"
    if general and reading.hidden != reading.output:
        if scope.hidden_only(results, net.N + reading.base):
            return "hidden"  # the hidden activation named: a claim about the hidden layers
    by_point = {}
    for lv, combo, _seed, ok in results:
        by_point.setdefault((lv, combo), set())
        if ok is not None:
            by_point[(lv, combo)].add(ok)
    by_point = {k: v or {True} for k, v in by_point.items()}
    if any(len(v) > 1 for v in by_point.values()) and _switches(reading, lhs, rhs):
        # holds on some draws only (a ReLU's derivative is 1 or 0 there): not judged; an
        # agreement where both sides are 0 is no evidence (x^{(2)}_i = 0 with the unit off).
        # With smooth functions only, a point where one draw fails is a failure (the draw
        # where it held had both sides within the tolerance of 0)
        return "partial"
    failing = [k for k, v in by_point.items() if False in v]
    letters = [c for c in free + sorted(fixed) if c not in note.example_letters]
    if len(letters) >= 2:

        def distinct(combo):
            # an example index is no index of a case split (x^{(p,2)}_j)
            vals = [v for k, v in combo if k not in note.example_letters]
            return len(set(vals)) == len(vals)

        if all(not distinct(c) for _, c in failing) and any(distinct(c) for _, c in by_point):
            return "case"
    return "neq"


def _switches(reading: Reading, lhs, rhs) -> bool:
    """Whether the claim's values may switch between draws: a ReLU, a step, a max, a sign."""
    if "relu" in (reading.hidden, reading.output):
        return True
    both = ("add", [(1, lhs), (1, rhs)])
    return bind.mentions(both, {"relu", "ReLU", "H", "max", "min", "sgn", "sign", "abs"})


def _index_range(c, both, env) -> int:
    """How far a free index runs; 1 when it only indexes names whose definitions do not use it
    (``h_i = \\sum_k e^{a_k}``, the same number at every i)."""
    try:
        return bind.sum_range(c, both, env)
    except NoLayer:
        raise
    except Unreadable:
        atoms = []
        _atoms_indexed(both, c, atoms)
        for atom in atoms:
            found = bind.entry_alias(atom, env) if atom is not None else None
            if found is None or any(
                u == c and d in bind.free_indices(found[0]) for d, u in found[1]
            ):
                raise
        if not atoms:
            raise
        return 1


def _atoms_indexed(node, c, out) -> None:
    if not isinstance(node, tuple) or not node:
        return
    if node[0] == "atom":
        try:
            if c in bind.index_letters(node[1].sub):
                out.append(node[1])
        except Unreadable:
            pass
        return
    if node[0] == "idx" and c in (node[2] or ""):
        out.append(None)  # an entry of an expression: its range is the expression's
    for part in subtrees(node):
        _atoms_indexed(part, c, out)


def _drop_examples(node, letters):
    """The tree with the example index ``letters`` removed from its symbols (one example)."""
    from dataclasses import replace

    if not isinstance(node, tuple) or not node or not isinstance(node[0], str):
        return node
    if node[0] in ("atom", "call") and isinstance(node[1], Atom) and node[1].ex in letters:
        node = (node[0], replace(node[1], ex=None), *node[2:])
    return rebuild(node, lambda q: _drop_examples(q, letters))


def _entry_against_whole(a, b) -> bool:
    """Whether a number (one entry, as its free index says) stands against a whole vector or
    matrix: the index dropped on the right (a typo the key calls wrong, unlike a squared norm
    written (y - \\hat y)^2, whose left-hand side has no index)."""
    if isinstance(a, (Jac, str)) or isinstance(b, (Jac, str)):
        return False
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.size == 1 and b.size > 1


def _zero(v) -> bool:
    if isinstance(v, Jac):
        return False
    return bool(np.all(np.abs(np.asarray(v, dtype=float)) < 1e-9))


def _show(v) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, Jac):
        v = v.m
    arr = np.round(np.asarray(v, dtype=float), 4)
    return str(arr.tolist() if arr.size > 1 else float(arr.reshape(-1)[0]))


def _in_numbers(prev: Member, cur: Member):
    """(verdict, message, reading) for a step from numbers to numbers in a chain (``L =
    -\\log(0.245) = 1.406``): arithmetic at the precision written, never a claim about a drawn
    network; None when either side holds a symbol or does not evaluate."""
    if cur.cond or not (_numbers_only(prev.tree) and _numbers_only(cur.tree)):
        return None
    try:
        return (*worked.arith(prev.tree, prev.text, cur.tree, cur.text), "the numbers as written")
    except (Unreadable, ValueError, ZeroDivisionError, OverflowError, TypeError, KeyError):
        return None


def _numbers_only(tree) -> bool:
    """A formula written in numbers alone (``0.75 \\times 0.25``, ``\\sigma(1.1)``)."""
    return tree is not None and all(a.name in ("e", "pi") for a in atoms(tree))


def compare(note: Note, lhs, rhs, line=0, cond=None, context=frozenset()) -> tuple[str, str, str]:
    """(verdict, message, reading) for the claim lhs = rhs."""
    verdict = _compare(note, lhs, rhs, line, cond, context)
    if verdict[0] != "correct":
        generic = actidentity.generic_output(lhs, rhs)  # 1 - \tanh^2(z) = 1 - a^2
        if generic is not None:
            failure = note.first_failure, note.fail_kinds
            again = _compare(note, generic[0], generic[1], line, cond, context)
            if again[0] == "correct":
                return "correct", "", f"a read as {generic[2]}(z), the activation of this line"
            note.first_failure, note.fail_kinds = failure
    return verdict


def _compare(note: Note, lhs, rhs, line=0, cond=None, context=frozenset()):
    note.first_failure = None
    note.fail_kinds = set()  # "whole": an entry against a whole vector, "value": any other
    use_cost_at(note, line, ("add", [(1, lhs), (1, rhs)]))
    note.cost_override = note.alt_costs.get(line, "")  # "if the cost is cross entropy, ..."
    note.output_override = note.alt_outputs.get(line, "")
    if not _binds_something(lhs) and not _binds_something(rhs):
        return "unknown", "no symbol of the network (arithmetic is the older checks')", ""
    # a claim about a batch (Z, A, X, 1/m, np.sum) is read on a drawn batch of several
    # examples, where a missing 1/m or a sum over the wrong axis shows; any other on one example
    names = BATCH - {"Delta"} if getattr(note, "delta_one_example", False) else BATCH
    names = names - note.aliases.get("one_example", set())  # A^l = h(z^l): one example's A
    batch = (
        bind.mentions(("add", [(1, lhs), (1, rhs)]), names)
        or examples.sums_over(("add", [(1, lhs), (1, rhs)]), note.example_letters)
        or numbered.mentions(("add", [(1, lhs), (1, rhs)]))
        or rowvectors.sums_examples(note, ("add", [(1, lhs), (1, rhs)]))
    )
    outcomes = []
    errors = []
    indexed = bool(bind.free_indices(lhs) | bind.free_indices(rhs)) or "'sum'" in repr(rhs)
    decayed = bind.mentions(("add", [(1, lhs), (1, rhs)]), {"lambda"}) and note.decays
    for reading, widths, scalar in note.readings(line, batch):
        if reading.delta_mean and not bind.mentions(("add", [(1, lhs), (1, rhs)]), DELTAS):
            continue  # the reading only changes what the note's delta is
        if scalar and indexed or decayed and not reading.decay:
            # one unit per layer makes every index the same: no reading of entries; a claim
            # writing lambda is about the regularised cost
            continue
        bind.READ_AS_ELEMENTWISE[0] = False
        try:
            with np.errstate(all="raise"):
                r = _best(note, reading, widths, lhs, rhs, cond, context)
        except Unreadable as e:
            errors.append(str(e))
            r = "err"
        except (FloatingPointError, ZeroDivisionError, OverflowError, RecursionError):
            r = "err"
        except (ValueError, TypeError, IndexError, KeyError) as e:
            # a reading this model does not handle: never a verdict, never a crash
            errors.append(f"{type(e).__name__}")
            r = "err"
        outcomes.append((r, reading, scalar))
        if r in ("eq", "case", "hidden"):
            how = reading.describe() + ("; one unit per layer" if scalar else "")
            if r == "hidden":
                how += "; at every hidden layer (the output layer has another activation)"
            if r == "case":
                how += "; holds in one case of its indices (equal or different), as written for"
            if bind.READ_AS_ELEMENTWISE[0]:
                how += "; a product of two matrices of one shape read as elementwise (⊙ says so)"
            return "correct", "", how
    vector = [r for r, _, s in outcomes if not s]
    scalar = [r for r, _, s in outcomes if s]
    # a claim only about functions the note defines and the vectors it applies them to (y an
    # argument of its own H(y, s)) holds or fails at any vectors: judged (entryfuns)
    own = entryfuns.self_contained(note, lhs, rhs)
    depends_on_cost = (
        not (note.cost_read or note.cost_override)
        and not note.known_costs
        and bind.mentions(("add", [(1, lhs), (1, rhs)]), {"y", "Y"})
        and not own
    )
    if not note.cost_read and _own_cost(note, ("add", [(1, lhs), (1, rhs)])):
        depends_on_cost = True  # E^q as the note defines it, beside a cost guessed for delta
    entry_nums = unitnet.numbered_entries(("add", [(1, lhs), (1, rhs)]), note.aliases)
    if entry_nums and not getattr(note, "entries_written", False):
        depends_on_cost = True  # y_1, a_1^{[3]}: the note's widths are its own (unitnet.py)
    known = note.convention or note.named  # a known convention: its names are not guessed
    if ((not note.forward and not note.costs and not known) or note.unfit) and not own:
        # a note that writes no network of its own, or whose forward equations hold on no
        # drawn network: its names are only guessed, so a claim may be confirmed on the drawn
        # network but is never called wrong
        depends_on_cost = True
    claim = ("add", [(1, lhs), (1, rhs)])
    if barenames.mentions_misfit(note, claim) or barenames.generic_activation(note, claim):
        # confirmed above when it held; a model the drawn network is not, or an activation
        # the prose names: never refuted (a chain rule whose factors link up still holds)
        chained = _chain_verdict(note, lhs, rhs) if all(r == "err" for r in vector) else None
        if vector and chained is not None and chained[0] == "correct":
            return chained
        return "unknown", "its bare names are not the drawn network's (barenames)", ""
    if vector and getattr(note, "numerator", False) and all(r in ("neq", "err") for r in vector):
        held = _rows_of_gradients(note, line, batch, lhs, rhs, cond, context)
        if held is not None:
            return "correct", "", held
    # an entry against a whole vector is wrong on any network and under any cost
    shape_only = note.fail_kinds == {"whole"}
    if shape_only and all(f[0] == "d" for f in chains._factors(rhs)):
        # dE/dA^l dA^l/dw^l_{ij}: a chain written through a whole quantity is schematic (its
        # product a contraction the note leaves unwritten), no entry set against a whole
        shape_only = False
    if vector and all(r == "neq" for r in vector) and (not depends_on_cost or shape_only):
        return "wrong", _differ(note), outcomes[0][1].describe()
    if (
        vector
        and all(r == "err" for r in vector)
        and scalar
        and all(r == "neq" for r in scalar)
        and line < note.first_vector_line
        and not depends_on_cost
    ):
        return "wrong", _differ(note) + " (one unit per layer)", outcomes[0][1].describe()
    if vector and all(r == "err" for r in vector):
        verdict = _chain_verdict(note, lhs, rhs)
        if verdict is not None:
            return verdict
    msg = errors[0] if errors else "not judged under every reading"
    return "unknown", msg, ""


def _layer_left_out(note: Note, tree) -> bool:
    """``\\partial u_j / \\partial b_j^l``: an entry of a layered quantity with no layer (the
    superscript dropped) where the claim's other layered quantities have theirs, in a note whose
    forward equations give that quantity a layer everywhere; the drawn network would read it at
    the output layer, which the author need not mean."""
    found = atoms(tree)
    unlayered = {lhs[1].name for lhs, _ in note.forward if lhs[0] == "atom" and not lhs[1].sup}
    bare = [a for a in found if a.name in ("z", "a", "Z", "A") and a.sup is None and a.ex is None
            and re.fullmatch(r"[a-z]{1,2}", (a.sub or "").strip())
            and a.name not in unlayered]  # fmt: skip
    layered = [a for a in found if a.name in bind.LAYERED and a.sup is not None]
    return bool(note.forward) and bool(bare) and bool(layered)


def _own_cost(note: Note, tree) -> bool:
    """Whether a claim writes a cost the note defines by a name of its own (``E^q = -\\sum_j
    t_{qj} \\log y_{qj}``, one example's): evaluated as the note says, while the readings'
    cost, which its delta and gradients are of, is only a guess when the note's is not read."""
    return any(
        a.name in COSTS
        and (a.sup or a.sub)  # one example's: E^q, L_i
        and isinstance(note.aliases.get(a.show()), tuple)
        and note.aliases[a.show()][0] != "jacobian"  # J^{(l)}, a Jacobian the prose names
        for a in atoms(tree)
    )


def _rows_of_gradients(note: Note, line, batch, lhs, rhs, cond, context) -> str | None:
    """The reading under which the claim holds with its gradients as row vectors and its
    weights as columns (``rowvectors``), or None; the failure already found is kept."""
    failure = note.first_failure
    lhs2, rhs2 = rowvectors.flip_weights(lhs), rowvectors.flip_weights(rhs)
    try:
        for reading, widths in rowvectors.readings(note.readings(line, batch)):
            try:
                with np.errstate(all="raise"):
                    r = _best(note, reading, widths, lhs2, rhs2, cond, context)
            except (Unreadable, FloatingPointError, ZeroDivisionError, OverflowError):
                continue
            except (ValueError, TypeError, IndexError, KeyError, RecursionError):
                continue
            if r == "eq":
                rest = reading.describe().split(", ", 1)[1]
                return f"{rowvectors.DESCRIBE}, {rest}"
    finally:
        note.first_failure = failure
    return None


def _chain_verdict(note: Note, lhs, rhs):
    """A schematic chain rule judged by how its factors link (``chains``), at every layer."""
    reading, widths, _ = next(iter(note.readings(0)))
    net = Net(widths, note.acts_for(len(widths) - 1, reading), 1)
    env0 = Env(note.state(net, reading), reading, note.aliases)
    general = bind.uses_layer_l(lhs) or bind.uses_layer_l(rhs)
    outcomes = set()
    for lv in note.layer_values(net, reading) if general else [None]:
        env = env0.with_idx(l=lv) if lv is not None else env0
        try:
            outcomes.add(chains.chain(lhs, rhs, env))
        except NoLayer:
            continue
        except Unreadable:
            return None
    if outcomes == {True}:
        return "correct", "", "a chain rule: its factors link up, in any layout order"
    if False in outcomes and None not in outcomes:
        return ("wrong", "the factors of this chain rule do not lead from the numerator to "
                "the denominator of the left-hand side", reading.describe())  # fmt: skip
    return None


def _kind(lhs, rhs) -> str:
    """The kind of claim, as the report names checks: a product of derivative symbols is a
    chain rule, any other claim about a derivative a derivative, else an equation."""
    factors = chains._factors(rhs)
    if len(factors) > 1 and all(f[0] == "d" and f[1] is not None for f in factors):
        return "chain-rule"
    if lhs[0] == "d" or "('d'," in repr(rhs):
        return "derivative"
    return "equation"


def _differ(note: Note) -> str:
    msg = "the two sides differ on the drawn network"
    if note.first_failure is not None:
        a, b, lv, idx = note.first_failure
        where = ", ".join(f"{k} = {v + 1}" for k, v in idx.items())
        if lv is not None:
            where = f"l = {lv}" + (", " + where if where else "")
        at = " at " + where if where else ""
        msg += f"{at}: the left-hand side is {_show(a)}, the right-hand side {_show(b)}"
        msg += _factor(a, b)
        if idx and _entry_against_whole(a, b):
            msg += " (one entry against the whole vector: the right-hand side drops an index)"
    return msg


def _factor(a, b) -> str:
    """What a right-hand side that is a constant multiple of the left-hand side got wrong:
    its sign, or a factor (a 1/m, a 2)."""
    if isinstance(a, (Jac, str)) or isinstance(b, (Jac, str)):
        return ""
    a, b = np.asarray(a, dtype=float).reshape(-1), np.asarray(b, dtype=float).reshape(-1)
    if a.size != b.size or not np.all(np.abs(a) > 1e-9):
        return ""
    r = b / a
    if not np.allclose(r, r.flat[0], rtol=1e-4, atol=1e-9):
        return ""
    r = float(r.flat[0])
    if abs(r + 1) < 1e-4:
        return " (the right-hand side is the left-hand side negated: a sign error)"
    return f" (the right-hand side is {r:.4g} times the left-hand side)"


def _binds_something(tree) -> bool:
    """Whether a tree names anything of the network (a symbol, a derivative, a function)."""
    text = repr(tree)
    return "Atom(" in text or "('d'," in text


def cost_names(node) -> bool:
    return bind.mentions(node, set(COSTS))


_ = re  # keep the import for the line arithmetic helpers
