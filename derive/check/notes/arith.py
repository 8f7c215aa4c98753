"""Check the notes' arithmetic and shapes: numbers, written matrices and their products,
chains written downwards, and shapes written beside matrices or on their own.

- Arithmetic: each link of ``a = b = c`` against the one before (matrix products and sums,
  dot products term by term, outer products); a run of display formulas with no ``=`` and
  nothing between them, each writing fewer operations than the one before (or expanding a
  matrix product), such as ``10 \\times 0 + 20 \\times 1`` / ``0 + 20`` / ``20``, is a chain
  written downwards. Two matrices side by side that cannot be multiplied, where the
  first times the matrix shown just before has the shape of the second, are read as that
  product (a column, then the result of column times row: an outer product).
- Shapes: a shape written after a matrix (``_{(1 \\times 4)}``, ``\\leftarrow [4,1]``, or on
  the next line) is that matrix's shape; a shape after an already-described one is read as the
  product of the last two described (``[3 \\times 4]`` times ``[4 \\times 1]`` gives
  ``[3 \\times 1]``); ``[p \\times q] \\cdot [q \\times r] = [p \\times r]``; ``W_1 [3 \\times 4]``
  against the spec.
"""

from __future__ import annotations

import re

import sympy as sp

from .claims import Member
from .meaning.worked import ulp, written_ulp
from .numbers import (
    ShapeError,
    Unknown,
    equal_values,
    eval_number,
    fmt_shape,
    matrix_value,
    same,
    show_matrix,
    show_number,
    terms,
)
from .state import Checking, Item


def _operators(m: Member) -> int:
    """How many operations a member writes: a chain written downwards has fewer each line."""
    if m.kind == "matrix":
        return len(m.operands) - 1
    return len(re.findall(r"[-+*/]|\\cdot|\\times|\\frac", m.tex))


def _text(m: Member) -> str:
    """A member as the report shows it: written matrices as lists, the rest as written."""
    if m.kind != "matrix":
        return m.tex
    return " ".join(
        show_matrix(v) if k == "M" else ("·" if v == "\\cdot" else v) for k, v in m.operands
    )


def _value_of(m: Member):
    if m.kind == "matrix":
        return matrix_value(m)
    return eval_number(m.value)


def arithmetic(ck: Checking, members: list[Member]):
    """``a = b = c`` in numbers and written matrices: each link against the one before."""
    prev, prev_m = None, None
    for m in members:
        claim = f"{prev_m.tex} = {m.tex}" if prev_m else m.tex
        if m.kind == "bad":
            ck.add(m.line, "arithmetic", claim, "unknown", message=m.error)
            continue
        try:
            value = _value_of(m)
        except ShapeError as err:
            ck.add(m.line, "arithmetic", m.tex, "wrong", None, str(err))
            continue
        except Unknown as err:
            ck.add(m.line, "arithmetic", claim, "unknown", message=str(err))
            continue
        if prev_m is not None:
            _compare(ck, m.line, claim, prev, prev_m, value, m)
        prev, prev_m = value, m


def _compare(ck: Checking, line, claim, want, want_m, got, got_m, message=""):
    """One link: the value written (got) against the value before it (want), and why not."""
    if equal_values(want, got) or _rounded(want, want_m, got_m):
        ck.add(line, "arithmetic", claim, "correct", _shown_value(want), message)
        return
    why = [message] if message else []
    if (
        isinstance(want, sp.MatrixBase)
        and isinstance(got, sp.MatrixBase)
        and want.shape != got.shape
    ):
        ops = [v for k, v in want_m.operands if k == "M"]
        if len(ops) == 2:
            why.append(
                f"a {fmt_shape(ops[0].shape)} times a {fmt_shape(ops[1].shape)} is "
                f"{fmt_shape(want.shape)}; the notes give a {fmt_shape(got.shape)}"
            )
        else:
            why.append(
                f"expected a {fmt_shape(want.shape)}, the notes give a {fmt_shape(got.shape)}"
            )
    term = _term_by_term(ck, want_m, got_m)
    if term:
        why.append(term)
    ck.add(line, "arithmetic", claim, "wrong", _shown_value(want), "; ".join(why))


def _rounded(want, want_m: Member, got_m: Member) -> bool:
    """A result written as a decimal is the computed value rounded (or cut) at the precision
    the author wrote: within one unit of its last digit, plus what the last digits of the
    numbers it is computed from allow (0.4 * 0.5812 + 0.45 * 0.5812 = 0.494)."""
    lit = got_m.tex.strip().replace("−", "-")
    if isinstance(want, sp.MatrixBase) or not re.fullmatch(r"[-+]?\s*\d*\.\d+", lit):
        return False
    try:
        w = float(want)
        slack = ulp(lit)
        if want_m.kind != "matrix":
            expr = want_m.value
            for f in expr.atoms(sp.Float):
                u = written_ulp(f, want_m.tex)
                if u:
                    slack += abs(float(eval_number(expr.xreplace({f: f + u}))) - w)
        return abs(w - float(lit.replace(" ", ""))) <= slack + 1e-9 * (1 + abs(w))
    except (TypeError, ValueError, Unknown):
        return False


def _shown_value(v) -> str:
    return show_matrix(v) if isinstance(v, sp.MatrixBase) else show_number(v)


def _term_by_term(ck: Checking, want_m: Member, got_m: Member) -> str:
    """Name the first wrong term of a sum written out term by term."""
    if got_m.kind != "number":
        return ""
    got_terms = terms(got_m.value)
    if want_m.kind == "matrix":
        ops = [v for k, v in want_m.operands if k == "M"]
        if len(ops) != 2 or 1 not in ops[0].shape or len(ops[0]) != len(ops[1]):
            return ""
        want_terms = [a * b for a, b in zip(ops[0], ops[1], strict=True)]
        labels = [f"{show_number(a)}·{show_number(b)}" for a, b in zip(ops[0], ops[1], strict=True)]
    elif want_m.kind == "number":
        want_terms = [eval_number(t) for t in terms(want_m.value)]
        labels = [show_number(t) for t in want_terms]
    else:
        return ""
    if len(want_terms) != len(got_terms) or len(got_terms) < 2:
        return ""
    for k, (w, g) in enumerate(zip(want_terms, got_terms, strict=True)):
        if not same(w, eval_number(g)):
            found = f"{ck.show(g)} = {show_number(eval_number(g))}"
            return f"term {k + 1} is {found}, expected {labels[k]} = {show_number(w)}"
    return ""


def single(ck: Checking, index: int, item: Item, m: Member):
    """A formula without ``=``: part of a chain written downwards, a matrix beside its
    result, a shape, or nothing to check."""
    chain = ck.vchain
    # a display under the one before (a chain written downwards); two displays within one
    # line of prose ("The $$\\frac{1}{2}$$ and $$2$$ terms cancel") are no computation
    adjacent = (
        chain is not None and chain[2] == index - 1 and item.display and m.line > chain[4].line
    )
    if m.kind in ("number", "matrix") and item.display:
        try:
            value = _value_of(m)
        except ShapeError:
            _beside(ck, index, m)
            ck.vchain = None
            return
        except Unknown:
            ck.vchain = None
            return
        bare = m.kind == "matrix" and len(m.operands) == 1
        computed = (m.kind == "number" and bool(m.value.args)) or (m.kind == "matrix" and not bare)
        simpler = chain is not None and (
            chain[4].kind == "matrix" or _operators(m) < _operators(chain[4])
        )
        if adjacent and not bare and simpler:
            msg = f"read as the next step of the computation on line {chain[3]}"
            _compare(ck, m.line, f"{chain[1]} = {_text(m)}", chain[0], chain[4], value, m, msg)
            ck.vchain = (value, _text(m), index, chain[3], m)
        elif computed:
            ck.vchain = (value, _text(m), index, m.line, m)
        else:
            ck.vchain = None
        return
    ck.vchain = None
    if m.kind == "shape":
        _shape(ck, m, index)
    elif m.kind == "bad" and re.search(r"=|\\partial|\\frac\s*\{\s*d", m.tex):
        ck.add(m.line, "equation", m.tex, "unknown", message=m.error)


def _beside(ck: Checking, index: int, m: Member):
    """Two matrices side by side: a product with the matrix just before, and its result."""
    mats = [v for k, v in m.operands if k == "M"]
    last = ck.last_matrix
    prior = last if last and last[3] == index - 1 else None
    if len(mats) == 2 and len(m.operands) == 2 and prior is not None:
        a, result = mats
        p = prior[0]
        for left, right, what in ((a, p, "times the matrix"), (p, a, "after the matrix")):
            if left.cols == right.rows and (left.rows, right.cols) == result.shape:
                product = left * right
                kind = "outer product" if left.cols == 1 else "product"
                claim = f"{show_matrix(left)} · {show_matrix(right)} = {show_matrix(result)}"
                msg = (
                    f"read as the {kind} of the matrix here {what} on line {prior[1]}, "
                    "written beside its result"
                )
                verdict = "correct" if equal_values(product, result) else "wrong"
                ck.add(m.line, "arithmetic", claim, verdict, show_matrix(product), msg)
                return
    message = "matrices side by side that cannot be multiplied"
    ck.add(m.line, "arithmetic", m.tex, "unknown", message=message)


def annotation(ck: Checking, mat, shape, text, line, where=""):
    """A shape written for a matrix (once per matrix, shape and line)."""
    key = (id(mat), tuple(shape), line)
    if key in ck.seen:
        return
    ck.seen.add(key)
    ok = tuple(mat.shape) == tuple(shape)
    ck.add(
        line,
        "shape",
        f"{show_matrix(mat)} is {fmt_shape(shape)}",
        "correct" if ok else "wrong",
        fmt_shape(mat.shape),
        where,
    )
    ck.described.append((tuple(mat.shape), line))


def _shape(ck: Checking, m: Member, index: int):
    """A shape on its own: of a named quantity (against the spec), of the matrix just
    above, or of the product of the last two shapes described."""
    shape = m.value
    target = m.operands[0] if m.operands else None
    net = ck.net
    if target is not None:
        name = target[1] if isinstance(target, tuple) else target
        if net is not None and name in net.shapes:
            true = net.shapes[name]
            ok, why = _agree(true, shape)
            ck.add(m.line, "shape", m.tex, "correct" if ok else "wrong", fmt_shape(true), why)
            return
        if net is not None and net.known(name):
            ck.add(m.line, "shape", m.tex, "unknown", message="shapes need --spec")
            return
    last = ck.last_matrix
    if last and not last[2] and index - last[3] <= 3:
        last[2] = True
        where = "" if last[1] == m.line else f"the matrix on line {last[1]}"
        annotation(ck, last[0], shape, m.tex, m.line, where)
        return
    if len(ck.described) >= 2:
        s, s_line = ck.described[-1]
        for t, t_line in reversed(ck.described[:-1]):
            if s[1] == t[0] and (s[0], t[1]) == tuple(shape):
                ck.add(
                    m.line,
                    "shape",
                    f"{fmt_shape(s)} times {fmt_shape(t)} gives {fmt_shape(shape)}",
                    "correct",
                    fmt_shape(shape),
                    f"read as the product of the shapes on lines {s_line} and {t_line}",
                )
                ck.described.append((tuple(shape), m.line))
                return
    ck.add(
        m.line,
        "shape",
        m.tex,
        "unknown",
        message="no matrix or product above to compare it with",
    )


def _bare_shape(tex: str):
    """``n \\times m`` without brackets, in a chain of shapes: the shape (n, m)."""
    m = re.fullmatch(r"\s*(\d+|m|n)\s*\\times\s*(\d+|m|n)\s*[.,]?\s*", tex)
    if not m:
        return None
    return tuple(int(g) if g.isdigit() else g for g in m.groups())


def shape_chain(ck: Checking, members):
    """``[p \\times q] \\cdot [q \\times r] = [p \\times r]``: each link against the one before."""
    prev, prev_m = None, None
    for m in members:
        claim = f"{prev_m.tex} = {m.tex}" if prev_m else m.tex
        if m.kind == "shapes":
            shapes = m.value
            value = shapes[0]
            for s in shapes[1:]:
                if str(value[1]) != str(s[0]):
                    ck.add(
                        m.line,
                        "shape",
                        m.tex,
                        "wrong",
                        None,
                        f"cannot multiply {fmt_shape(value)} by {fmt_shape(s)}: "
                        f"{value[1]} columns against {s[0]} rows",
                    )
                    return
                value = (value[0], s[1])
        elif m.kind == "shape" and not m.operands:
            value = m.value
        elif prev is not None and _bare_shape(m.tex):
            value = _bare_shape(m.tex)  # ... = n \times m, read as a product of numbers
        else:
            ck.add(m.line, "shape", claim, "unknown", message=m.error or "not a shape")
            return
        if prev is not None:
            ok, why = _agree(prev, value)
            ck.add(m.line, "shape", claim, "correct" if ok else "wrong", fmt_shape(prev), why)
        prev, prev_m = value, m


def shape_sentence(ck: Checking, item: Item):
    """A line of text such as "[3x4] times [4x1] gives [3x1]"."""
    shape = r"\[\s*(\d+|m)\s*[x×*]\s*(\d+|m)\s*\]"
    for found in re.finditer(
        rf"{shape}\s*(?:times|×|\*|·|by|@)\s*{shape}\s*(?:gives|=|is|->|→)\s*{shape}", item.text
    ):
        a, b, c, d, e, f = found.groups()
        tex = found.group()
        if b != c:
            ck.add(
                item.line,
                "shape",
                tex,
                "wrong",
                None,
                f"cannot multiply [{a}×{b}] by [{c}×{d}]: {b} columns against {c} rows",
            )
        else:
            ok, why = _agree((a, d), (e, f))
            ck.add(item.line, "shape", tex, "correct" if ok else "wrong", f"[{a}×{d}]", why)


def _agree(want, got) -> tuple[bool, str]:
    """Whether two shapes are the same (dimensions as written: 3, m); else "transposed" when
    one is the other's transpose."""
    ok = tuple(map(str, want)) == tuple(map(str, got))
    transposed = not ok and tuple(map(str, want[::-1])) == tuple(map(str, got))
    return ok, "transposed" if transposed else ""
