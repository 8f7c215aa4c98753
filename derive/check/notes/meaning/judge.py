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

from . import bind
from .bind import Env, Jac, NoLayer, Reading
from .conventions import Note, infer
from .grammar import COSTS, Unreadable, clean, parse, split_relations
from .instance import Net, State

TOL = dict(rtol=1e-5, atol=1e-6)


@dataclass
class Verdict:
    line: int
    claim: str
    verdict: str  # correct | wrong | unknown | definition
    message: str = ""
    reading: str = ""


@dataclass
class Member:
    line: int
    rel: str
    text: str
    tree: object = None
    error: str = ""


def statements(segments):
    """The formulas as lists of members, continuations joined to the formula before."""
    out = []
    for seg in segments:
        if seg.kind != "math":
            out.append(None)
            continue
        text = clean(seg.text)
        if not text:
            continue
        members = []
        for rel, off, part in split_relations(text):
            line = seg.line + text[:off].count("\n") + (len(part) - len(part.lstrip("\n ")) and
                                                      part[: len(part) - len(part.lstrip())].count("\n"))  # fmt: skip
            members.append(Member(line, rel, part.strip()))
        if members and members[0].text == "" and out and out[-1] and len(members) > 1:
            out[-1].extend(members[1:])
            continue
        out.append(members)
    return [s for s in out if s]


def _parse(m: Member, functions):
    if m.tree is None and not m.error:
        try:
            m.tree = parse(m.text, functions)
        except Unreadable as e:
            m.error = str(e) or "not read"
        except (RecursionError, IndexError, ValueError) as e:
            m.error = f"not read ({type(e).__name__})"


def judge_note(segments, text: str = "") -> list[Verdict]:
    stmts = statements(segments)
    note = Note()
    for members in stmts:
        for m in members:
            _parse(m, note.functions)
    infer(note, stmts)
    out: list[Verdict] = []
    for members in stmts:
        out.extend(_statement(note, members))
    return out


def _statement(note: Note, members: list[Member]) -> list[Verdict]:
    if len(members) < 2:
        return []
    lhs = members[0]
    kind = note.kinds.get(id(lhs), "claim")
    out = []
    start = 1
    if kind == "forward":
        # a forward equation and its rewritings define the network: never a claim
        return [Verdict(m.line, f"{lhs.text} = {m.text}", "definition", "forward equation")
                for m in members[1:]]  # fmt: skip
    if kind in ("definition", "cost", "alias", "update"):
        out.append(Verdict(members[1].line, f"{lhs.text} {members[1].rel} {members[1].text}",
                           "definition", f"{kind}: binds {lhs.text}"))  # fmt: skip
        start = 2
    for m in members[start:]:
        claim = f"{lhs.text} = {m.text}"
        if lhs.error or m.error:
            out.append(Verdict(m.line, claim, "unknown", lhs.error or m.error))
            continue
        v, msg, reading = compare(note, lhs.tree, m.tree, m.line)
        out.append(Verdict(m.line, claim, v, msg, reading))
    return out


def equal(a, b) -> bool:
    """Whether two evaluated sides agree; ``Unreadable`` when they cannot be compared."""
    if isinstance(a, Jac) or isinstance(b, Jac):
        if isinstance(a, Jac) and isinstance(b, Jac):
            return a.m.shape == b.m.shape and np.allclose(a.m, b.m, **TOL)
        j, v = (a, b) if isinstance(a, Jac) else (b, a)
        v = np.asarray(v, dtype=float)
        if v.shape == j.m.shape:
            return np.allclose(j.m, v, **TOL)
        d = j.diagonal_vector()
        if d is not None and v.size == d.size:
            return np.allclose(d, v.reshape(-1), **TOL)
        raise Unreadable("a Jacobian against a value of another shape")
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size == 1 and b.size == 1:
        return bool(np.allclose(a.reshape(-1), b.reshape(-1), **TOL))
    if a.shape != b.shape:
        raise Unreadable(f"shapes {a.shape} and {b.shape} differ")
    return bool(np.allclose(a, b, **TOL))


def _evaluate(note: Note, reading: Reading, widths, lhs, rhs) -> str:
    """'eq', 'neq' or 'err' for one reading over the draws, layers and index values."""
    free_l, free_r = bind.free_indices(lhs), bind.free_indices(rhs)
    if free_r - free_l:
        raise Unreadable(f"index {sorted(free_r - free_l)[0]} is free on the right only")
    general = bind.uses_layer_l(lhs) or bind.uses_layer_l(rhs)
    compared = 0
    for seed in (1, 2):
        net = Net(widths, note.acts_for(len(widths) - 1), seed, onehot=note.onehot)
        state = State(net, note.cost_fn(reading))
        env0 = Env(state, reading, note.aliases)
        layers = note.layer_values(net, reading) if general else [None]
        for lv in layers:
            env = env0.with_idx(l=lv) if lv is not None else env0
            try:
                ranges = {c: bind.sum_range(c, ("add", [(1, lhs), (1, rhs)]), env)
                          for c in sorted(free_l)}  # fmt: skip
            except Unreadable:
                continue
            for combo in np.ndindex(*[ranges[c] for c in sorted(free_l)]):
                e = env.with_idx(**dict(zip(sorted(free_l), combo)))
                try:
                    a, b = bind.value(lhs, e), bind.value(rhs, e)
                except NoLayer:
                    continue
                except (FloatingPointError, ZeroDivisionError, OverflowError):
                    raise Unreadable("not defined at the drawn values") from None
                compared += 1
                if not equal(a, b):
                    return "neq"
    return "eq" if compared else "err"


def compare(note: Note, lhs, rhs, line: int = 0) -> tuple[str, str, str]:
    """(verdict, message, reading) for the claim lhs = rhs."""
    outcomes = []
    errors = []
    for reading, widths, scalar in note.readings(line):
        try:
            with np.errstate(all="raise"):
                r = _evaluate(note, reading, widths, lhs, rhs)
        except Unreadable as e:
            errors.append(str(e))
            r = "err"
        except (FloatingPointError, ZeroDivisionError, OverflowError, RecursionError):
            r = "err"
        outcomes.append((r, reading, scalar))
        if r == "eq":
            how = reading.describe() + ("; one unit per layer" if scalar else "")
            return "correct", "", how
    vector = [r for r, _, s in outcomes if not s]
    scalar = [r for r, _, s in outcomes if s]
    depends_on_cost = not note.cost_read and bind.mentions(
        ("add", [(1, lhs), (1, rhs)]), {"y", "Y", "hat_y"}
    )
    if vector and all(r == "neq" for r in vector) and not depends_on_cost:
        return "wrong", "the two sides differ on the drawn network", outcomes[0][1].describe()
    if (
        vector
        and all(r == "err" for r in vector)
        and scalar
        and all(r == "neq" for r in scalar)
        and line < note.first_vector_line
        and not depends_on_cost
    ):
        return "wrong", "the two sides differ (one unit per layer)", outcomes[0][1].describe()
    msg = errors[0] if errors else "not judged under every reading"
    return "unknown", msg, ""


def cost_names(node) -> bool:
    return bind.mentions(node, set(COSTS))


_ = re  # keep the import for the line arithmetic helpers
