"""Shape bookkeeping written out as arithmetic: ``((10, 3)) · ((3, 4)) + ((1, 4)) = ((10, 4))``.

Plain-text notes put a line of shapes under each formula (``Shapes: (10×4) = (10×2) · (2×4)``,
``sum((10, 2), axis=0) = ((1, 2))``, ``ReLU((10, 4)) = (10, 4)``). Such a line is a claim about
shapes alone, checked by the rules of array arithmetic, with no network needed:

- a shape is a tuple of sizes, ``(10, 3)``, ``(10×3)``, ``(10 x 3)``, extra brackets allowed;
  a size is a number or a name (``m``, ``n_x``, ``batch``);
- ``·``, ``*``, ``@`` multiply as the shapes decide (a matrix product where they chain, an
  element-wise one between equal shapes: numpy's ``*`` and many notes' ``·`` differ), ``⊙``
  and ``∘`` element-wise; ``+`` and ``-`` broadcast a row or a column; ``^T`` transposes;
- a function of one argument (``ReLU``, ``softmax``, ``σ``, ``relu'``) keeps the shape;
  ``sum(S, axis=0)`` is the row of column sums (1, n) and ``axis=1`` the column (m, 1) (the
  bias's shape: numpy drops the axis without ``keepdims``, so (n,) is the same answer);
- ``=`` and ``→`` say the sides have the same shape.

A line is correct when every side has the same shape, wrong when two sides (or the operands
of one product or sum) differ in sizes that are numbers, and not read when a name stands
where numbers would decide (``n`` and ``n_x`` may be equal) or anything else is written.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+)|(?P<name>[A-Za-z_][A-Za-z_0-9]*'?)|(?P<op>->|[()\[\],×·⋅*@⊙∘+\-=→^]))"
)
_FUNCTIONS = {
    "relu", "sigmoid", "sigma", "tanh", "softmax", "exp", "log", "f", "g", "σ", "relu'", "g'",
    "f'", "sigmoid'", "tanh'", "σ'", "h",
}  # fmt: skip
_SUMS = {"sum", "np.sum"}


class NotShapes(Exception):
    """The text is no shape arithmetic this module reads."""


class Mismatch(Exception):
    """Two shapes that the arithmetic written needs equal are not (sizes that are numbers)."""


def _tokens(text: str) -> list[tuple[str, str]]:
    text = text.replace("σ", "sigma ").replace("np.sum", "sum")
    out, pos = [], 0
    while pos < len(text):
        if not text[pos:].strip():
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise NotShapes(text[pos:])
        out.append((m.lastgroup, m.group(m.lastgroup)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str):
        self.toks = _tokens(text)
        self.k = 0
        self.shapes = 0

    def peek(self, n: int = 0):
        return self.toks[self.k + n] if self.k + n < len(self.toks) else (None, None)

    def op(self, s: str, n: int = 0) -> bool:
        return self.peek(n) == ("op", s)

    def take(self):
        if self.k >= len(self.toks):
            raise NotShapes("the end")
        self.k += 1
        return self.toks[self.k - 1]

    def expect(self, s: str) -> None:
        if not self.op(s):
            raise NotShapes(f"expected {s}")
        self.k += 1

    def statement(self) -> list[tuple]:
        sides = [self.expr()]
        while self.peek()[0] == "op" and self.peek()[1] in ("=", "→", "->"):
            self.k += 1
            sides.append(self.expr())
        if self.k != len(self.toks) or len(sides) < 2 or self.shapes < 2:
            raise NotShapes("not a statement about shapes")
        return sides

    def expr(self) -> tuple:
        left = self.term()
        while self.op("+") or self.op("-"):
            self.k += 1
            left = _broadcast(left, self.term())
        return left

    def term(self) -> tuple:
        left = self.factor()
        while self.peek()[0] == "op" and self.peek()[1] in ("·", "⋅", "*", "@", "⊙", "∘", "×"):
            op = self.take()[1]
            if op == "×":
                raise NotShapes("× between shapes")
            right = self.factor()
            left = _elementwise(left, right) if op in ("⊙", "∘") else _product(left, right, op)
        return left

    def factor(self) -> tuple:
        kind, tok = self.peek()
        if kind == "name" and self.op("(", 1):
            name = tok.lower()
            self.k += 2
            if name in _SUMS:
                inner = self.expr()
                axis = None
                if self.op(","):
                    self.k += 1
                    if self.take() != ("name", "axis"):
                        raise NotShapes("a keyword")
                    self.expect("=")
                    kind, axis = self.take()
                    if kind != "num" or axis not in ("0", "1"):
                        raise NotShapes("an axis")
                self.expect(")")
                if axis is None or len(inner) != 2:
                    raise NotShapes("a sum over everything")
                return ("1", inner[1]) if axis == "0" else (inner[0], "1")
            if name not in _FUNCTIONS and not (self.op("'") or name.rstrip("'") in _FUNCTIONS):
                raise NotShapes(f"the function {tok}")
            inner = self.expr()
            self.expect(")")
            return self.transposed(inner)
        if kind == "op" and tok in ("(", "["):
            close = ")" if tok == "(" else "]"
            shape = self.shape(close)
            if shape is not None:
                return self.transposed(shape)
            self.k += 1
            inner = self.expr()
            self.expect(close)
            return self.transposed(inner)
        raise NotShapes(f"{tok}")

    def shape(self, close: str):
        """A tuple of sizes at the cursor, ``(10, 3)``, ``(10×3)``, ``(n,)``; or None."""
        sizes, j, comma = [], self.k + 1, False
        while True:
            kind, tok = self.peek(j - self.k)
            if kind not in ("num", "name"):
                return None
            sizes.append(tok)
            j += 1
            kind, tok = self.peek(j - self.k)
            if (kind, tok) == ("op", close):
                break
            if kind == "name" and tok == "x":
                tok = "×"
            if kind not in ("op", "name") or tok not in (",", "×"):
                return None
            j += 1
            if tok == "," and self.peek(j - self.k) == ("op", close):
                comma = True
                break  # (n,)
        if len(sizes) > 2 or len(sizes) == 1 and not comma:
            return None  # (n), (3): a bracketed name or number, not a shape
        self.k = j + 1
        self.shapes += 1
        return tuple(sizes)

    def transposed(self, shape: tuple) -> tuple:
        if self.op("^") and self.peek(1) == ("name", "T"):
            self.k += 2
            return tuple(reversed(shape))
        return shape


def _same(a: str, b: str) -> bool | None:
    """Whether two sizes are equal: None when a name makes it unknown."""
    if a == b:
        return True
    if a.isdigit() and b.isdigit():
        return False
    return None


def _need(ok: bool | None, what: str) -> None:
    if ok is False:
        raise Mismatch(what)
    if ok is None:
        raise NotShapes("sizes named, not numbered")


def show(shape: tuple) -> str:
    return "(" + ", ".join(shape) + ("," if len(shape) == 1 else "") + ")"


def _as_matrix(s: tuple) -> tuple:
    return s if len(s) == 2 else ("1", s[0])


def _product(a: tuple, b: tuple, op: str) -> tuple:
    a2, b2 = _as_matrix(a), _as_matrix(b)
    chain = _same(a2[1], b2[0])
    if chain:
        return (a2[0], b2[1])
    equal = [_same(x, y) for x, y in zip(a2, b2, strict=True)]
    if all(equal):
        return a2  # equal shapes: an element-wise product
    if chain is None or None in equal:
        raise NotShapes("sizes named, not numbered")
    raise Mismatch(f"{show(a)} {op} {show(b)}: the shapes neither chain nor agree")


def _elementwise(a: tuple, b: tuple) -> tuple:
    a2, b2 = _as_matrix(a), _as_matrix(b)
    for x, y in zip(a2, b2, strict=True):
        _need(_same(x, y), f"{show(a)} ⊙ {show(b)}: element-wise needs equal shapes")
    return a2


def _broadcast(a: tuple, b: tuple) -> tuple:
    a2, b2 = _as_matrix(a), _as_matrix(b)
    out = []
    for x, y in zip(a2, b2, strict=True):
        if x == "1" or y == "1":
            out.append(y if x == "1" else x)
            continue
        _need(_same(x, y), f"{show(a)} + {show(b)}: the shapes do not broadcast")
        out.append(x)
    return tuple(out)


def _equal(a: tuple, b: tuple) -> bool | None:
    if len(a) != len(b):  # (n,) beside (1, n): the same vector, with or without keepdims
        a, b = (a, b) if len(a) == 1 else (b, a)
        if b[0] != "1" and b[1] != "1":
            return False if b[0].isdigit() and b[1].isdigit() else None
        b = (b[1],) if b[0] == "1" else (b[0],)
    results = [_same(x, y) for x, y in zip(a, b, strict=True)]
    if False in results:
        return False
    return None if None in results else True


_SAID = re.compile(r"(?i)\b(?:shapes?|dim(?:ension)?s?|sizes?)\b|形状|维度|大小")


def reads(text: str, line: str = "") -> bool:
    """Whether ``text`` is a statement of shape arithmetic (see the module doc): its tuples
    written with ``×``, or its line saying it is about shapes ((1, 2) + (3, 4) = (4, 6) may
    be arithmetic on points)."""
    if not re.search(r"\(\s*\w+\s*[×x]\s*\w+\s*\)", text) and not _SAID.search(line):
        return False
    try:
        _Parser(_strip(text)).statement()
    except (NotShapes, IndexError, RecursionError):
        return False
    except Mismatch:
        return True
    return True


def _strip(text: str) -> str:
    text = re.sub(r"^\s*(?:shapes?|dimensions?)\s*:\s*", "", text.strip(), flags=re.I)
    m = re.fullmatch(r"\[(.*)\]", text.strip())
    return m.group(1) if m and m.group(1).count("[") == m.group(1).count("]") else text


def judge(text: str) -> tuple[str, str]:
    """(verdict, message) on a line of shape arithmetic: correct, wrong or unknown."""
    try:
        sides = _Parser(_strip(text)).statement()
    except (NotShapes, IndexError, RecursionError) as e:
        return "unknown", f"not read as shapes ({e})"
    except Mismatch as e:
        return "wrong", str(e)
    for side in sides[1:]:
        same = _equal(sides[0], side)
        if same is False:
            left, right = show(sides[0]), show(side)
            return "wrong", f"the left-hand side is {left}, a right-hand side {right}"
        if same is None:
            return "unknown", "sizes named, not numbered"
    return "correct", ""
