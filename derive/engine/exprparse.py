"""Expression strings from a spec, read as data through a whitelist.

A spec's expressions (``"W1 @ x + b1"``, ``"z * tanh(log(1 + exp(z)))"``) are parsed with
Python's ``ast`` and only these pieces are accepted: numbers, names that the spec defines,
``+ - * / ** @``, unary minus, ``.T`` (the one attribute: a transpose), row slices ``x[a:b]``
with whole-number bounds (the one subscript), and calls of whitelisted functions by plain
name. Anything else (other attributes, other subscripts, keywords, lambdas, strings,
``__import__``) is rejected before
anything is built, and nothing is ever evaluated as Python: no ``eval``, ``exec`` or
``sympify`` of user text.

The same walker builds two things through a small ``Builder``: a scalar SymPy expression
(activation and cost definitions) or a matrix expression of ``ir`` nodes (equations).
"""

from __future__ import annotations

import ast
import unicodedata

import sympy as sp

from derive.errors import DeriveError

MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_EXPONENT = 64
MAX_DIGITS = 300

# Math functions a spec may call, besides the activations it knows.
FUNCTIONS = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "tanh": sp.tanh,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "sin": sp.sin,
    "cos": sp.cos,
    "erf": sp.erf,
}

# Functions people reach for that have no derivative everywhere; each gets its own advice.
NOT_DIFFERENTIABLE = {
    "abs": "abs() has no derivative at 0; use a smooth function (e.g. sqrt(z**2 + 1e-6))",
    "sign": "sign() has derivative 0 almost everywhere and none at 0",
    "max": "max() has no derivative where its arguments meet; use the activation relu",
    "min": "min() has no derivative where its arguments meet; use e.g. -relu(-z)",
    "floor": "floor() is a step function: its derivative is 0 or undefined",
    "ceil": "ceil() is a step function: its derivative is 0 or undefined",
    "round": "round() is a step function: its derivative is 0 or undefined",
}

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}


def _number(value) -> sp.Expr:
    # Exact rationals: 0.01 is 1/100, so derivations print 1/100, not 0.0100000000000000.
    return sp.Integer(value) if isinstance(value, int) else sp.Rational(repr(value))


def _short(text: str, limit: int = 60) -> str:
    """An expression as echoed in messages: long ones are cut, so the message stays readable."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _not_finite(value) -> str | None:
    """Why a built value is not a real finite expression (z/0, log(0), sqrt(-1)), or None."""
    expr = value.expr if isinstance(getattr(value, "expr", None), sp.Basic) else value
    if not isinstance(expr, sp.Basic):
        return None
    if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        return "is infinite or undefined (a division by zero, or log(0)?)"
    powers = expr.atoms(sp.Pow)
    if expr.has(sp.I) or any(p.is_number and p.is_extended_real is False for p in powers):
        return "is not a real number (sqrt, log or a fractional power of a negative number?)"
    for power in powers:
        if power.exp.is_Number and abs(power.exp) > MAX_EXPONENT:
            return f"has the power {power.exp}: powers of powers multiply (at most {MAX_EXPONENT})"
    return None


def parse(text: str, builder, where: str):
    """Parse ``text`` and build it with ``builder``; DeriveError naming ``where`` if it is not
    an expression of the allowed kind."""
    if not isinstance(text, str):
        raise DeriveError(
            f"expected an expression in a string, got {type(text).__name__}",
            where=where,
            fix='write it in quotes, e.g. "W1 @ x + b1"',
        )
    if len(text) > MAX_LENGTH:
        raise DeriveError(
            f"expression of {len(text)} characters, longer than {MAX_LENGTH}",
            where=where,
            fix="name intermediate quantities as their own equations and use them by name",
        )
    if not text.strip():
        raise DeriveError("empty expression", where=where, fix="write the right-hand side")
    for col, char in enumerate(text, start=1):
        # Python reads identifiers after NFKC normalisation (fullwidth z１ is z1) and a
        # Cyrillic a looks like a Latin one: what the reader sees must be what derive reads.
        if ord(char) > 127:
            raise DeriveError(
                f"`{_short(text)}` has the non-ASCII character {char!r} "
                f"({unicodedata.name(char, f'U+{ord(char):04X}')}) at column {col}",
                where=where,
                fix="type the expression in plain ASCII: names, digits and + - * / ** @ ( )",
            )
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as err:
        msg = getattr(err, "msg", None) or "too complex to parse"
        col = f" at column {err.offset}" if getattr(err, "offset", None) else ""
        raise DeriveError(
            f"`{_short(text)}` is not a valid expression{col}: {msg}",
            where=where,
            fix="use numbers, names, + - * / ** @ and function calls like relu(z1)",
        ) from None
    return _Walker(text, builder, where).visit(tree.body, 0)


class _Walker:
    def __init__(self, text, builder, where):
        self.text, self.b, self.where = text, builder, where

    def fail(self, what: str, fix: str | None = None):
        raise DeriveError(
            f"`{_short(self.text)}`: {what}",
            where=self.where,
            fix=fix or "only numbers, names, + - * / ** @ and calls like tanh(z1) are allowed",
        )

    def visit(self, node, depth):
        value = self._visit(node, depth)
        if isinstance(node, ast.BinOp | ast.Call | ast.UnaryOp):
            problem = _not_finite(value)
            if problem:
                self.fail(f"`{_short(ast.unparse(node))}` {problem}")
        return value

    def _visit(self, node, depth):
        if depth > MAX_DEPTH:
            self.fail(
                f"expression nested more than {MAX_DEPTH} levels deep",
                fix="name intermediate quantities as their own equations and use them by name",
            )
        d = depth + 1
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str | bytes):
                self.fail(f"the string {_short(repr(node.value), 30)} is not allowed: only numbers")
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                self.fail(f"{node.value!r} is not a number")
            if isinstance(node.value, float) and not abs(node.value) < 1e300:
                self.fail(f"{node.value!r} is not a finite number")
            return self.b.number(_number(node.value))
        if isinstance(node, ast.Name):
            return self.b.name(node.id, self)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.visit(node.operand, d)
            return self.b.neg(operand, self) if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            op = _BINOPS[type(node.op)]
            if op == "**":
                # A huge constant power (10**10**10) would make SymPy compute for ever.
                power = node.right.operand if isinstance(node.right, ast.UnaryOp) else node.right
                value = power.value if isinstance(power, ast.Constant) else None
                if isinstance(value, bool) or not isinstance(value, int | float):
                    self.fail(
                        f"the exponent `{_short(ast.unparse(node.right), 30)}` is not a plain "
                        "number; powers need one, e.g. (A2 - y)**2"
                    )
                if abs(value) > MAX_EXPONENT:
                    self.fail(f"the exponent {value} is larger than {MAX_EXPONENT}")
            left, right = self.visit(node.left, d), self.visit(node.right, d)
            if op == "**" and isinstance(left, sp.Number) and abs(left) > 1:
                # SymPy computes number powers exactly: (((9**64)**64)**64)**64 has 10**16
                # digits, and would take for ever before any other check could say no.
                digits = abs(float(right)) * float(sp.log(abs(left), 10).evalf(8))
                if digits > MAX_DIGITS:
                    self.fail(
                        f"`{_short(ast.unparse(node))}` has about {digits:.3g} digits",
                        fix=f"numbers in a spec may have at most {MAX_DIGITS} digits",
                    )
            return self.b.binop(op, left, right, self)
        if isinstance(node, ast.Attribute):
            if node.attr != "T":
                self.fail(
                    f"the attribute .{_short(node.attr, 20)} is not allowed",
                    fix="the one attribute is .T (transpose), e.g. K.T @ Q",
                )
            return self.b.transpose(self.visit(node.value, d), self)
        if isinstance(node, ast.Subscript):
            start, stop = self._row_bounds(node)
            return self.b.rows(self.visit(node.value, d), start, stop, self)
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                self.fail("only plain function names can be called (no attributes or methods)")
            if node.func.id in NOT_DIFFERENTIABLE:
                self.fail(
                    f"{node.func.id}() is not differentiable",
                    fix=NOT_DIFFERENTIABLE[node.func.id],
                )
            if node.keywords or any(isinstance(x, ast.Starred) for x in node.args):
                self.fail(f"{node.func.id}() takes plain positional arguments only")
            args = [self.visit(x, d) for x in node.args]
            return self.b.call(node.func.id, args, self)
        kinds = {
            ast.Attribute: "attribute access (a.b)",
            ast.Lambda: "a lambda",
            ast.Compare: "a comparison",
            ast.BoolOp: "and/or",
            ast.IfExp: "if/else",
            ast.ListComp: "a comprehension",
            ast.SetComp: "a comprehension",
            ast.DictComp: "a comprehension",
            ast.GeneratorExp: "a comprehension",
            ast.JoinedStr: "an f-string",
            ast.NamedExpr: "an assignment (:=)",
        }
        if isinstance(node, ast.BinOp | ast.UnaryOp):
            what = f"the operator {type(node.op).__name__}"
        else:
            what = kinds.get(type(node), f"{type(node).__name__} syntax")
        self.fail(f"{what} is not allowed")

    def _row_bounds(self, node: ast.Subscript) -> tuple[int | None, int | None]:
        """The bounds of a row slice ``x[a:b]`` (None where left out, as Python's x[:b]):
        whole numbers written out, no step, no second axis (the columns are the samples)."""
        text = _short(ast.unparse(node), 30)
        fix = "x[a:b] takes rows a, ..., b-1 of x, e.g. z1[0:4]"
        part = node.slice
        if isinstance(part, ast.Tuple):
            self.fail(f"`{text}` slices more than the rows: the columns are the samples", fix)
        if not isinstance(part, ast.Slice):
            i = part.value if isinstance(part, ast.Constant) and type(part.value) is int else 2
            one = f"{_short(ast.unparse(node.value), 20)}[{i}:{i + 1}]"
            self.fail(f"`{text}` indexes one row: write it as a slice, {one}", fix)
        if part.step is not None:
            self.fail(f"`{text}` has a step: only consecutive rows can be sliced", fix)
        bounds = []
        for bound in (part.lower, part.upper):
            value = bound.value if isinstance(bound, ast.Constant) else None
            if bound is not None and (isinstance(value, bool) or not isinstance(value, int)):
                self.fail(
                    f"the bound `{_short(ast.unparse(bound), 20)}` of `{text}` is not a whole "
                    "number written out (no names, signs or arithmetic)", fix,
                )  # fmt: skip
            bounds.append(value)
        return bounds[0], bounds[1]


class ScalarBuilder:
    """Builds a scalar SymPy expression: activations (in z) and costs (in a and y)."""

    def __init__(self, symbols: dict[str, sp.Symbol], activations: dict):
        self.symbols, self.activations = symbols, activations

    def number(self, value):
        return value

    def name(self, ident, w):
        if ident in self.symbols:
            return self.symbols[ident]
        if ident in ("pi", "e"):
            return sp.pi if ident == "pi" else sp.E
        w.fail(
            f"unknown name `{ident}`",
            fix=f"the expression may use {', '.join(sorted(self.symbols))}, pi and e",
        )

    def neg(self, x, w):
        return -x

    def binop(self, op, left, right, w):
        if op == "@":
            w.fail("@ (matrix product) has no meaning in a scalar expression")
        return {
            "+": lambda: left + right,
            "-": lambda: left - right,
            "*": lambda: left * right,
            "/": lambda: left / right,
            "**": lambda: left**right,
        }[op]()

    def transpose(self, x, w):
        w.fail(".T transposes a matrix; activations and costs are functions of numbers")

    def rows(self, x, start, stop, w):
        w.fail("x[a:b] slices the rows of a matrix; activations and costs are functions of numbers")

    def call(self, fname, args, w):
        act = self.activations.get(fname)
        if act is not None and act.normalized:
            w.fail(
                f"{fname}() normalises over the output units, so it cannot be used inside an "
                "elementwise expression",
                fix=f"use {fname} as the activation of the last layer instead",
            )
        if act is None and fname not in FUNCTIONS:
            known = sorted(
                set(FUNCTIONS) | {k for k, v in self.activations.items() if not v.normalized}
            )
            w.fail(f"unknown function `{fname}`", fix=f"use one of: {', '.join(known)}")
        if len(args) != 1:
            w.fail(f"{fname}() takes exactly one argument")
        if fname in FUNCTIONS:
            return FUNCTIONS[fname](args[0])
        return act(args[0])
