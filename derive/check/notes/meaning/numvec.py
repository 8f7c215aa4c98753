"""A worked forward pass in numbers written as vectors and matrices, and ``\\approx`` steps.

Study notes work a small network through with its own numbers, a layer at a time, in the
note's layout: ``z_1 = X \\cdot W_1 + b_1 = [1, 2] \\cdot \\begin{bmatrix}0.5 & 0.6 \\\\ 0.7 &
0.8\\end{bmatrix} + [0.1, 0.2] = [2.0, 2.4]``, ``a_1 = \\sigma(z_1) = \\left[\\frac{1}{1+e^{-2.0}},
\\frac{1}{1+e^{-2.4}}\\right] \\approx [0.8808, 0.9084]``, ``\\hat y = \\frac{1}{1+e^{-1.1835}}
\\approx 0.7692``. A step from numbers to numbers is arithmetic whatever the network is: it is
judged here, each member against the one before it, ``\\approx`` read as ``=`` at the precision
the author wrote. A bracket list ``[a, b]`` is a row, a ``bmatrix`` (``pmatrix``, ``matrix``)
its rows and columns; ``\\cdot`` and ``\\times`` multiply (a number and an array, or two arrays
whose shapes form a matrix product), ``^T`` transposes, ``+`` and ``-`` add. A result is
accepted within half a unit of each of its last written digits (a whole unit from three
significant digits on) plus what the written digits of the numbers it is computed from allow
(``worked.py``'s rule), entry by entry; a row against a column of the same entries is the same
vector (orientation is the layout's). Judged only where a step writes an array or ``\\approx``
(a chain of plain numbers joined by ``=`` is the older arithmetic check's); a member with any
letter other than e, or shapes that do not combine, is left alone.
"""

from __future__ import annotations

import re

import numpy as np

from . import numnames, worked
from .grammar import Unreadable, clean, parse

_MATRIX = re.compile(r"\\begin\{([bpv]?matrix)\}(.*?)\\end\{\1\}", re.S)
_ALLOWED = re.compile(
    r"\\(?:frac|dfrac|tfrac|times|cdot|sigma|exp|left|right|approx|ln|log|sqrt|,|;|!|quad)"
    r"(?![A-Za-z])|\be\b|\bexp\b|\bsigma\b|\bT\b|@\d+@|\b(?:ReLU|relu)(?=\s*\()"
)


class _Cant(Exception):
    """Not a member of numbers this module reads."""


def _scalar(text: str) -> float:
    text = text.strip()
    if not text or re.search(r"\d\s+\.?\d", text):
        raise _Cant("empty, or numbers side by side (cells whose & the reader dropped)")
    try:
        return worked.value(parse(clean(text)), worked._Env(worked.Worked(), {}))
    except (Unreadable, ValueError, TypeError, KeyError, ZeroDivisionError, OverflowError) as e:
        raise _Cant(str(e)) from None
    except worked.Ungrounded:
        raise _Cant("a symbol") from None


def _split_top(text: str, sep: str) -> list[str]:
    out, depth, last = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif ch == sep and depth == 0:
            out.append(text[last:i])
            last = i + 1
    out.append(text[last:])
    return out


def numeric(text: str) -> bool:
    """Whether a member is written in numbers alone (and arrays of numbers)."""
    rest = _MATRIX.sub(" ", text)
    rest = _ALLOWED.sub(" ", rest)
    return not re.search(r"[A-Za-z\\]", rest) and bool(re.search(r"\d", text))


def has_array(text: str) -> bool:
    return bool(_MATRIX.search(text)) or bool(re.search(r"\[[^\[\]]*,[^\[\]]*\]", text))


def evaluate(text: str):
    """The value of a member of numbers: a float or a 2-D array; raises _Cant."""
    arrays: list[np.ndarray] = []

    def keep(arr) -> str:
        arrays.append(np.asarray(arr, dtype=float))
        return f" @{len(arrays) - 1}@ "

    def matrix(m) -> str:
        rows = [r for r in re.split(r"\\\\", m.group(2)) if r.strip()]
        # the reader writes each & as spaces: a run of them parts the cells
        cells = [[_scalar(c) for c in re.split(r"&|\s{2,}", r.strip())] for r in rows]
        if len({len(r) for r in cells}) != 1:
            raise _Cant("ragged matrix")
        return keep(cells)

    s = re.sub(r"\\left\s*|\\right\s*", "", text)
    s = re.sub(r"(?<![\w.])@(?![\w.])", r" \\matmul ", s)  # Python's matrix product, W @ x
    s = _MATRIX.sub(matrix, s)
    # a bracket list of entries with commas, innermost first: a row; a list of rows of the same
    # length, [[0.5, 0.3], [0.2, 0.4]] (Python's nested lists): a matrix
    pat = re.compile(r"\[([^\[\]]*,[^\[\]]*)\]")
    rows = re.compile(r"\[\s*(@\d+@(?:\s*,\s*@\d+@)+)\s*\]")
    while pat.search(s):
        if rows.search(s):
            s = rows.sub(lambda m: keep(_stacked(arrays, m.group(1))), s)
            continue
        s = pat.sub(lambda m: keep([[_scalar(c) for c in _split_top(m.group(1), ",")]]), s)
    if not arrays and not re.search(r"\b(?:ReLU|relu)\b", s):
        return _scalar(s)
    return _Expr(s, arrays).run()


def _stacked(arrays, text: str):
    """The rows a nested list names, one matrix: each a row of numbers, all of one length."""
    got = [arrays[int(t.strip().strip("@"))] for t in text.split(",")]
    if any(a.shape[0] != 1 for a in got) or len({a.shape[1] for a in got}) != 1:
        raise _Cant("a nested list that is no matrix")
    return np.vstack(got)


class _Expr:
    """``@0@ \\cdot @1@ + @2@``: sums and products of arrays and numbers."""

    _TOKEN = re.compile(
        r"\s*(@\d+@|\^\{?T\}?|\\cdot|\\times|\\matmul|ReLU|relu|[-+()]"
        r"|\d*\.?\d+(?:\\times|\\cdot)?(?!\d))"
    )

    def __init__(self, text: str, arrays):
        self.toks, pos = [], 0
        text = text.strip()
        while pos < len(text):
            m = self._TOKEN.match(text, pos)
            if not m or not m.group(1):
                if text[pos:].strip() == "":
                    break
                raise _Cant(f"cannot read {text[pos : pos + 10]!r}")
            tok = m.group(1)
            if re.fullmatch(r"\d*\.?\d+(?:\\times|\\cdot)", tok):
                num = re.match(r"\d*\.?\d+", tok).group(0)
                self.toks += [num, "\\times"]
            else:
                self.toks.append(tok)
            pos = m.end()
        self.arrays, self.i = arrays, 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def run(self):
        v = self.expr()
        if self.peek() is not None:
            raise _Cant("trailing")
        return v

    def expr(self):
        sign = -1.0 if self.peek() == "-" else 1.0
        if self.peek() in ("-", "+"):
            self.take()
        v = _scale(sign, self.term())
        while self.peek() in ("+", "-"):
            op = self.take()
            w = self.term()
            v = _add(v, _scale(-1.0, w) if op == "-" else w)
        return v

    def term(self):
        v = self.factor()
        while self.peek() in ("\\cdot", "\\times", "\\matmul") or (
            self.peek() is not None and self.peek() not in ("+", "-", ")")
        ):
            if self.peek() == "\\matmul":
                self.take()
                v = _matmul(v, self.factor())
                continue
            if self.peek() in ("\\cdot", "\\times"):
                self.take()
            v = _mul(v, self.factor())
        return v

    def factor(self):
        tok = self.take()
        if tok is None:
            raise _Cant("ends early")
        if tok in ("ReLU", "relu"):  # ReLU([1.2, -0.3]): entry by entry
            if self.take() != "(":
                raise _Cant("ReLU without its argument")
            v = self.expr()
            if self.take() != ")":
                raise _Cant("parenthesis")
            v = np.maximum(v, 0.0)
        elif tok == "(":
            v = self.expr()
            if self.take() != ")":
                raise _Cant("parenthesis")
        elif tok.startswith("@"):
            v = self.arrays[int(tok.strip("@"))]
        elif re.fullmatch(r"\d*\.?\d+", tok):
            v = float(tok)
        else:
            raise _Cant(tok)
        while self.peek() is not None and self.peek().startswith("^"):
            self.take()
            if not isinstance(v, np.ndarray):
                raise _Cant("a number transposed")
            v = v.T
        return v


def _scale(c: float, v):
    return c * v


def _add(a, b):
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape != b.shape:
        raise _Cant("shapes that do not add")
    if isinstance(a, np.ndarray) != isinstance(b, np.ndarray):
        arr = a if isinstance(a, np.ndarray) else b
        if arr.size != 1:
            raise _Cant("a number added to an array")
    return a + b


def _mul(a, b):
    if not isinstance(a, np.ndarray) or not isinstance(b, np.ndarray):
        return a * b
    if a.shape[1] == b.shape[0]:
        return a @ b
    if a.shape == b.shape and a.shape[0] == 1:
        return a * b  # [-0.73, -0.98] \times [1, 1]: two rows, entry by entry (ReLU's mask)
    raise _Cant("shapes that do not multiply")


def _matmul(a, b):
    """Python's ``@``: a flat list on the right is a column, on the left a row (NumPy's rule for
    a one-dimensional array); two flat lists of one length give their dot product."""
    if not isinstance(a, np.ndarray) or not isinstance(b, np.ndarray):
        raise _Cant("@ with a number")
    if a.shape[1] == b.shape[0]:
        return a @ b
    if b.shape[0] == 1 and a.shape[1] == b.shape[1]:
        return (a @ b.T).T  # W @ [1, 2]: the result flat again, a row
    raise _Cant("shapes that do not multiply")


def _flat(v) -> np.ndarray:
    arr = np.asarray(v, dtype=float)
    return arr.reshape(-1)


def _same_shape(a, b) -> bool:
    sa, sb = np.shape(a), np.shape(b)
    if np.size(a) != np.size(b):
        return False
    if np.size(a) == 1:
        return True
    vec = lambda s: len(s) == 2 and 1 in s  # noqa: E731
    return sa == sb or (vec(sa) and vec(sb))


_LIT = re.compile(r"(?<![\w.])\d*\.?\d+")


def _tolerance(text: str):
    """Per entry, how far the value of a member may be from what its written numbers give:
    each number moved by one unit of its last digit when it is a carried value (three
    significant digits or more; a short number is a given)."""
    base = _flat(evaluate(text))
    total = np.zeros_like(base)
    for m in _LIT.finditer(text):
        u = worked._carried(m.group(0))
        if not u:
            continue
        moved = text[: m.start()] + repr(float(m.group(0)) + u) + text[m.end() :]
        try:
            total += np.abs(_flat(evaluate(moved)) - base)
        except _Cant:
            continue
    return total


def _written_result(text: str):
    """Per entry, the rounding a member written as bare numbers may carry (half a unit of its
    last digit, a whole unit from three significant digits on), or None when it is computed."""
    s = re.sub(r"\\left\s*|\\right\s*", "", text).strip()
    cells = None
    m = _MATRIX.fullmatch(s)
    if m:
        rows = re.split(r"\\\\", m.group(2))
        cells = [c for r in rows for c in re.split(r"&|\s{2,}", r.strip()) if c.strip()]
    elif re.fullmatch(r"\[[^\[\]]*\]", s):
        cells = _split_top(s[1:-1], ",")
    elif re.fullmatch(r"-?\s*\d*\.?\d+", s):
        cells = [s]
    if cells is None:
        try:
            tree = parse(s)
        except Unreadable:
            return None
        if worked._scientific(tree) is None:
            return None
        return np.array([worked._result_ulp(tree, s)])  # 1.5 \times 10^{-5}: worked's rule
    out = []
    for c in cells:
        c = c.strip().replace(" ", "")
        if not re.fullmatch(r"-?\d*\.?\d+", c):
            return None
        out.append(worked.ulp(c) if worked._carried(c) else worked.ulp(c) / 2)
    return np.array(out)


def link(prev: str, cur: str, rel: str, arrays: bool = False) -> tuple[str, str] | None:
    """(verdict, message) for the step ``prev rel cur`` between two members of numbers, or None
    when it is not one this module judges (``arrays``: a step of a worked example in arrays)."""
    if not (numeric(prev) and numeric(cur)):
        return None
    if rel != "\\approx" and not (arrays or has_array(prev) or has_array(cur)):
        return None
    try:
        a, b = evaluate(prev), evaluate(cur)
        if not _same_shape(a, b):
            return None
        tol = _tolerance(prev) + _tolerance(cur)
    except (_Cant, FloatingPointError, ZeroDivisionError, OverflowError, ValueError):
        return None
    rounding = _written_result(cur)
    if rounding is not None and rounding.size == tol.size:
        tol = tol + rounding
    fa, fb = _flat(a), _flat(b)
    bad = np.abs(fa - fb) > tol + 1e-6 * np.abs(fb) + 1e-9
    if not bad.any():
        return "correct", "arithmetic, at the precision written"
    k = int(np.argmax(bad))
    where = f" (entry {k + 1})" if fa.size > 1 else ""
    return "wrong", f"arithmetic: the numbers give {fa[k]:.6g}, not {fb[k]:.6g}{where}"


def parts(members) -> list[tuple[int, str, str]]:
    """(line, relation, text) of the members of a formula, each cut at its ``\\approx``."""
    out = []
    for m in members:
        pieces = re.split(r"\\approx(?![A-Za-z])", m.text)
        for k, piece in enumerate(pieces):
            out.append((m.line, m.rel if k == 0 else "\\approx", piece.strip()))
    return out


def judge(members, names=None) -> list[tuple[int, str, str, str]]:
    """(line, claim, verdict, message) for each step of numbers this module judges; none in
    an update rule (``W \\leftarrow W - \\eta D \\approx \\ldots``), which is no claim. With
    ``names`` (numnames.py), a step from a formula in the worked example's names to numbers
    too, where an array is involved."""
    out = []
    if any(re.search(r"\\(?:leftarrow|gets|coloneqq)(?![A-Za-z])|:=", m.text) for m in members):
        return out
    if updates(members):
        return out
    seq = parts(members)
    if members[0].before and len(members) > 1:  # a row of a chain: the member above it first
        seq = [*parts(members[:1]), *parts(members[0].before[-1:]), *parts(members[1:])]
    for k, ((_l0, _r0, prev), (line, rel, cur)) in enumerate(zip(seq, seq[1:], strict=False)):
        if not prev or not cur or rel not in ("=", "\\approx"):
            continue
        found = link(prev, cur, rel)
        if found is None and names and k > 0 and numeric(cur) and not numeric(prev):
            sub = numnames.substitute(prev, names)  # ReLU(z_1) = [1.2, 1.2]: z_1's numbers
            if sub is not None and numeric(sub[0]) and (sub[1] or has_array(cur)):
                found = link(sub[0], cur, rel, arrays=True)
        if found is not None:
            out.append((line, f"{prev} {'=' if rel == '=' else '≈'} {cur}", *found))
    return out


def names(stmts) -> dict:
    """The worked example's names and the numbers the note gives them (numnames.py)."""
    kept = [ms for ms in stmts if not updates(ms)]
    return numnames.named(kept, numeric, evaluate, _Cant, has_array)


def updates(members) -> bool:
    """Whether a formula opens with an update rule, ``w' = w - \\eta D``, ``w^{new} = w +
    \\Delta w``, ``W = W - \\alpha dW``: a weight, marked or not, set to itself plus or minus a
    step. Its numbers (``= 0.3 - (-0.02) \\approx 0.302``) often leave the rate out."""
    if len(members) < 2:
        return False
    try:
        lhs = members[0].tree or parse(members[0].text)
        first = members[1].tree or parse(re.split(r"\\approx(?![A-Za-z])", members[1].text)[0])
    except (Unreadable, RecursionError, IndexError, ValueError):
        return False
    if lhs is None or first is None or lhs[0] != "atom" or first[0] != "add":
        return False
    sign, head = first[1][0]
    return sign == 1 and head[0] == "atom" and head[1].name == lhs[1].name


def cut(stmts) -> None:
    """Each member's tail of numbers after ``\\approx`` cut off (``\\sigma'(z_2) \\approx 0.7692
    \\times (1 - 0.7692) \\approx 0.1776`` is read as ``\\sigma'(z_2)``): those steps are judged
    here, and the member in symbols before them is the claim."""
    for members in stmts:
        for m in members:
            pieces = re.split(r"\\approx(?![A-Za-z])", m.text)
            if len(pieces) < 2:
                continue
            k = next(
                (k for k in range(1, len(pieces)) if all(numeric(p) for p in pieces[k:])), None
            )
            if k is not None and pieces[0].strip():
                m.text = r" \approx ".join(pieces[:k]).strip()
