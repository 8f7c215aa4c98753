"""Expression strings from a spec, read as data through a whitelist.

A spec's expressions (``"W1 @ x + b1"``, ``"z * tanh(log(1 + exp(z)))"``) are parsed with
Python's ``ast`` and only these pieces are accepted: numbers, names that the spec defines,
``+ - * / ** @``, unary minus, and calls of whitelisted functions by plain name. Anything
else (attributes, subscripts, keywords, lambdas, strings, ``__import__``) is rejected before
anything is built, and nothing is ever evaluated as Python: no ``eval``, ``exec`` or
``sympify`` of user text.

The same walker builds two things through a small ``Builder``: a scalar SymPy expression
(activation and cost definitions) or a matrix expression of ``ir`` nodes (equations).
"""

from __future__ import annotations

import ast

import sympy as sp

from .errors import DeriveError

MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_EXPONENT = 64

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
    "abs": sp.Abs,
}

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}


def _number(value) -> sp.Expr:
    # Exact rationals: 0.01 is 1/100, so derivations print 1/100, not 0.0100000000000000.
    return sp.Integer(value) if isinstance(value, int) else sp.Rational(repr(value))


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
        raise DeriveError(f"expression longer than {MAX_LENGTH} characters", where=where)
    if not text.strip():
        raise DeriveError("empty expression", where=where, fix="write the right-hand side")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        col = f" at column {err.offset}" if err.offset else ""
        raise DeriveError(
            f"`{text}` is not a valid expression{col}: {err.msg}",
            where=where,
            fix="use numbers, names, + - * / ** @ and function calls like relu(z1)",
        ) from None
    return _Walker(text, builder, where).visit(tree.body, 0)


class _Walker:
    def __init__(self, text, builder, where):
        self.text, self.b, self.where = text, builder, where

    def fail(self, what: str, fix: str | None = None):
        raise DeriveError(
            f"`{self.text}`: {what}",
            where=self.where,
            fix=fix or "only numbers, names, + - * / ** @ and calls like tanh(z1) are allowed",
        )

    def visit(self, node, depth):
        if depth > MAX_DEPTH:
            self.fail("expression nested too deeply")
        d = depth + 1
        if isinstance(node, ast.Constant):
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
                if not (isinstance(node.right, ast.Constant) and isinstance(node.right.value, int | float)) and not (
                    isinstance(node.right, ast.UnaryOp) and isinstance(node.right.operand, ast.Constant)
                ):
                    self.fail("powers must have a number as exponent, e.g. (A2 - y)**2")
                exponent = node.right.value if isinstance(node.right, ast.Constant) else node.right.operand.value
                if isinstance(exponent, bool) or not isinstance(exponent, int | float) or abs(exponent) > MAX_EXPONENT:
                    self.fail(f"exponent must be a number of size at most {MAX_EXPONENT}")
            return self.b.binop(op, self.visit(node.left, d), self.visit(node.right, d), self)
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                self.fail("only plain function names can be called (no attributes or methods)")
            if node.keywords or any(isinstance(x, ast.Starred) for x in node.args):
                self.fail(f"{node.func.id}() takes plain positional arguments only")
            args = [self.visit(x, d) for x in node.args]
            return self.b.call(node.func.id, args, self)
        kinds = {
            ast.Attribute: "attribute access (a.b)",
            ast.Subscript: "indexing (a[i])",
            ast.Lambda: "lambda",
            ast.Compare: "comparisons",
            ast.BoolOp: "and/or",
            ast.IfExp: "if/else",
        }
        self.fail(f"{kinds.get(type(node), type(node).__name__)} is not allowed")


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

    def call(self, fname, args, w):
        if len(args) != 1:
            w.fail(f"{fname}() takes exactly one argument")
        if fname in FUNCTIONS:
            return FUNCTIONS[fname](args[0])
        act = self.activations.get(fname)
        if act is not None and not act.normalized:
            return act(args[0])
        known = sorted(set(FUNCTIONS) | {k for k, v in self.activations.items() if not v.normalized})
        w.fail(f"unknown function `{fname}`", fix=f"use one of: {', '.join(known)}")
