"""What the checks of one notes file share: the results so far, the reader (for the notes'
spelling of names), the network, the names the notes define, and where the walk is.

``Checking`` is handed to every check (``arith``, ``deriv``); ``walk.Checker``
adds the walk over the notes. ``Checking.prepare`` turns a claim's expression into the
network's names: labelled parts and the notes' own names substituted, Leibniz fractions
replaced by the derivatives they name, function placeholders made the network's activations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from derive.engine import namer
from derive.engine.registry import ACTIVATIONS

from .claims import Formula, Reader
from .names import sym
from .network import ScalarNet
from .numbers import NotesPrinter, Unknown

VERDICTS = {True: "correct", False: "wrong", None: "unknown"}  # of a comparison's outcome


@dataclass
class Result:
    """One claim's verdict, as the report and ``--format json`` give it."""

    line: int
    kind: str  # arithmetic | shape | derivative | chain-rule | label | definition | equation
    claim: str
    verdict: str  # correct | wrong | unknown
    expected: str | None = None
    message: str = ""


@dataclass
class Item:
    """One piece of the notes in reading order: a formula, a written grid, or a line of text."""

    kind: str  # formula | grid | text
    line: int
    formula: Formula | None = None
    matrix: sp.Matrix | None = None
    text: str = ""
    display: bool = True
    stated: object = None  # the shape statement (shapes.Stated) this piece is part of


_WHY = {
    "derivative": "the right-hand side differs from this derivative at random points",
    "arithmetic": "the value differs from the one computed",
    "shape": "the shape differs from the one the matrices have",
    "equation": "the two sides differ at random points",
}


class Checking:
    """The state the checks share; ``add`` records a verdict, ``show`` and ``frac`` write
    expressions and derivatives in the notes' spelling."""

    def __init__(self, reader: Reader, net: ScalarNet | None, spec: bool):
        self.reader, self.net, self.spec = reader, net, spec
        self.results: list[Result] = []
        self.local: dict[str, sp.Expr] = {}  # names the notes define for later formulas
        self.slots: dict[sp.Symbol, sp.Expr] = {}  # labelled parts of formulas
        self.def_lines: dict[str, int] = {}  # where the notes' own network defines each name
        self.pending: dict[int, list[str]] = {}  # notes for the derivative claims of a line
        # the walk: what a formula may refer back to
        self.vchain = None  # (value, tex, item index, line, member) of a chain written downwards
        self.last_matrix = None  # [Matrix, line, described, item index]
        self.described: list[tuple[tuple, int]] = []  # shapes given so far, with their lines
        self.seen: set = set()  # shape annotations already checked
        self.matrix_batch = None  # the random draw matrix claims are evaluated on (matrix)
        self.functions: dict = {}  # functions the notes define (functions.py): name -> Activation
        self.function_lines: set[tuple[int, str]] = set()  # where each is defined (line, name)
        self.softmax = None  # the softmax output with a cross-entropy cost (softmax.py)
        self.stated_names: dict = {}  # name -> the statement of its shape (shapes.py)
        self.stated_sizes: dict[int, int] = {}  # layer -> units, as the notes state them

    def add(self, line, kind, claim, verdict, expected=None, message=""):
        claim = re.sub(r"\s+", " ", claim).strip()
        if verdict == "wrong" and not message:  # every "wrong" says why
            message = _WHY.get(kind, _WHY["equation"])
        self.results.append(Result(line, kind, claim, verdict, expected, message))

    def show(self, expr, line: int | None = None) -> str:
        return NotesPrinter(self.reader.names.spelling_at(line))._print(expr)

    def frac(self, num: str, den: str, style: str, line: int) -> str:
        names = self.reader.names
        return f"{style}{names.show(num, line)}/{style}{names.show(den, line)}"

    # ------------------------------------------------------------------ expressions
    def need_net(self) -> ScalarNet:
        if self.net is None or not self.net.defs:
            raise Unknown(
                "no network to differentiate: give --spec SPEC or write the forward equations "
                "(z_1 = w_1 x + b_1, A_1 = \\sigma(z_1), …, C = (A_2 - y)^2) in the notes"
            )
        return self.net

    def real(self, expr, acts):
        return ScalarNet({}, {**acts, **self.functions}, "").real(expr)

    def substitute_local(self, expr: sp.Expr) -> sp.Expr:
        for _ in range(8):
            subs = {s: v for s, v in self.slots.items() if s in expr.free_symbols}
            subs.update({sym(k): v for k, v in self.local.items() if sym(k) in expr.free_symbols})
            if not subs:
                break
            expr = expr.xreplace(subs)
        return expr

    def prepare(self, expr: sp.Expr, fracs=None, generic_ok=False) -> sp.Expr:
        """A claim's expression in the network's names: labelled parts and local symbols
        substituted, fractions replaced by the derivatives they name, functions made real."""
        net = self.net
        if fracs:
            sub = {}
            for token, (num, den) in fracs.items():
                n = self.need_net()
                if not (n.known(num) and n.known(den)):
                    raise Unknown(f"d{num}/d{den} is not a derivative within the network")
                sub[token] = n.deriv(num, den)
            expr = expr.xreplace(sub)
        expr = self.substitute_local(expr)
        if net is not None:
            deltas = {
                s: net.deriv(net.cost, of)
                for s in expr.free_symbols
                if namer.is_delta(s.name) and (of := namer.gradient_of(s.name)) in net.defs
            }
            expr = expr.xreplace(deltas)
        acts = net.acts if net else ACTIVATIONS
        expr = self.real(expr, acts)
        unknown = sorted(s.name for s in expr.free_symbols if not (net and net.known(s.name)))
        if unknown and not (
            generic_ok and not any(net and net.known(s.name) for s in expr.free_symbols)
        ):
            shown = ", ".join(self.reader.names.show(u) for u in unknown)
            raise Unknown(
                f"{shown} {'is' if len(unknown) == 1 else 'are'} not defined in the notes "
                f"or the network"
            )
        return expr
