"""Formulas written without LaTeX: Ng's course notation in plain lines and code fences.

Students' summaries of Andrew Ng's course write their math as text: ``dz[2] = a[2] - y``,
``dW[2] = 1/m dZ[2]A[1]'``, ``db[1] = 1/m np.sum(dZ[1], axis=1, keepdims=True)``,
``dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))``, ``dl/dz = dl/da * da/dz``,
``d/da l(a,y) = -y/a + (1-y)/(1-a)``, a forward pass drawn as ``x -> z = w'x + b -> a =
sigmoid(z)``. ``to_latex`` turns one such line into the LaTeX the meaning model's grammar reads,
or returns None: the reading is a whitelist, and anything outside it is left unread.

- a layer: ``[2]`` (also ``[l]``, ``[l-1]``) after a name, or digits ending a name of Ng's
  letters (``dZ2``, ``W1``, ``AL``), is the superscript ``^{[2]}``;
- a transpose: ``.T``, or ``'`` after a quantity (``W[2]'``, ``w'x``, ``X'``); after a
  function (``g'(z)``, ``g[1]'(z[1])``) ``'`` is its derivative; after any other name the line
  is not read (``y'`` may be a prediction);
- products: ``.*``, ``⊙`` and ``np.multiply`` are element-wise, ``np.dot``, ``dot()`` and ``@``
  matrix products; ``*`` and ``·`` are a product the shapes decide (a matrix product where the
  shapes chain, element-wise between equal shapes): numpy's ``*`` is element-wise, MATLAB's and
  many notes' ``*`` a matrix product, and one note may mix both, so the letter alone is no
  reading of it; ``ᵀ`` is ``.T``;
- ``np.sum(X, axis=1, keepdims=True)`` stays (the grammar reads it as the sum over the
  examples), ``np.power(A, 2)`` and ``**`` are powers, ``np.divide`` a fraction, ``np.log``,
  ``np.exp``, ``np.tanh`` the functions;
- ``dl/dz`` (two names written with d) is a Leibniz derivative, ``d/da f`` the operator.

A code fence is read only when it is math rather than a program (``fence_is_math``): every
line an assignment ``NAME = FORMULA`` this reader turns into LaTeX, no name assigned twice,
no keyword of a program. Any other fence stays code, unread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# letters of Ng's quantities: a trailing number (dZ2, W1) or L (AL) is their layer
_LAYERED = r"(?:d?[WwbZzAaX]|dA|dZ|dW)"
_FUNCTIONS = {
    "g", "f", "sigma", "sigmoid", "tanh", "relu", "ReLU", "softmax", "log", "exp", "max", "step",
}  # fmt: skip
_COST_LETTERS = {"l", "L", "J"}
_NP = {"log": "log", "exp": "exp", "tanh": "tanh"}
# a quantity a ' after it transposes (a weight, an activation, an input, a gradient)
_TRANSPOSED = re.compile(r"d?[WwXxAaZz]|dW|dw|dZ|dz|dA|da|delta")
_NAMES = {"m", "n", "y", "Y", "x", "X", "l", "L", "J", "alpha", "sigma", "delta", "theta"}
_KEYWORDS = re.compile(
    r"\b(def|import|from|for|while|if|else|elif|return|print|class|lambda|with|in|assert|"
    r"range|len|self|None|np\.zeros|np\.random|shape|reshape|cache|grads|parameters)\b"
)


class _NotMath(Exception):
    """The text is outside this reader's whitelist."""


@dataclass(frozen=True)
class Style:
    """How the note writes: the letter of its general layer in brackets (``W[i]``, ``A[i-1]``:
    read as Ng's ``[l]``)."""

    general: str = "l"


def style_of(lines) -> Style:
    """The note's general layer letter, when it uses one."""
    text = "\n".join(lines)
    letters = set(re.findall(r"[A-Za-z]\[([a-z])(?:\s*[-+]\s*1)?\]", text))
    general = letters.pop() if len(letters) == 1 else "l"
    return Style(general=general)


# operators typed as Unicode: the ASCII this reader reads
_UNICODE_OPS = {
    "·": "*", "⋅": "*", "×": "*", "⊙": ".*", "∘": ".*", "ᵀ": ".T", "′": "'", "−": "-",
    "σ": "sigma", "δ": "delta",
}  # fmt: skip


def _strip_comment(line: str) -> str:
    return re.split(r"\s(?://|#)\s?|^\s*(?://|#)", line, maxsplit=1)[0].rstrip()


def fence_is_math(content: str, info: str = "") -> bool:
    """Whether a code fence holds formulas rather than a program (see the module doc)."""
    lang = (info.split() or [""])[0].lower()
    if lang not in ("", "python", "py", "python3", "text", "txt", "plain", "matlab", "octave"):
        return False
    seen, any_line = set(), False
    style = style_of(content.split("\n"))
    for raw in content.split("\n"):
        line = _strip_comment(raw).rstrip(";").strip()
        if not line:
            continue
        if line.endswith(":") and "=" not in line and not _KEYWORDS.search(line):
            continue  # a heading between the formulas ("2. Output layer gradients:")
        if _KEYWORDS.search(line) or line.endswith(":") or re.search(r"[+\-*/]=|==|\"", line):
            return False
        m = re.match(r"([^=]+?)\s*=(?!=)", line)
        if not m:
            return False
        lhs = m.group(1).strip()
        if lhs in seen:
            return False  # a name assigned twice: a program's variable, not a formula
        seen.add(lhs)
        if to_latex(line, style) is None and not _labelled(line, style):
            return False
        any_line = True
    return any_line


# ---------------------------------------------------------------------- one line
_TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<np>np\.(?:dot|sum|multiply|power|divide|log|exp|tanh|square|transpose)\b
          |(?:dot|sum)(?=\s*\())
      | (?P<leib>(?:d|∂)\s*(?P<n1>[A-Za-z]+(?:\[[^\]\s]+\]|\d+)?(?:\([^()]*\))?)\s*/\s*
          (?:d|∂)\s*(?P<n2>[A-Za-z]+(?:\[[^\]\s]+\]|\d+)?))(?![\w\[])
      | (?P<dop>(?:d|∂)\s*/\s*(?:d|∂)\s*(?P<n3>[A-Za-z]+(?:\[[^\]\s]+\]|\d+)?))(?![\w\[])
      | (?P<num>\d+(?:\.\d+)?)
      | (?P<name>[A-Za-z]+\d*(?:\[[^\]\s]+\])?)
      | (?P<op>\.\*|\*\*|\.T\b|[-+*/^@(),='])
    """,
    re.X,
)


def _name(word: str, general: str = "l") -> tuple[str, bool]:
    """(LaTeX of a name, whether it is a function) or _NotMath; the note's general layer
    letter is written l."""
    m = re.fullmatch(r"([A-Za-z]+\d*)(?:\[([^\]]+)\])?", word)
    if not m:
        raise _NotMath(word)
    base, layer = m.group(1), m.group(2)
    if layer is None:
        num = re.fullmatch(rf"({_LAYERED}|g|delta)(\d+|L)", base)  # dZ2, W1, AL, g1'(Z1), δ2
        if num:
            base, layer = num.group(1), num.group(2)
    if layer is not None:
        layer = layer.strip()
        if general != "l" and re.fullmatch(rf"{general}(?:\s*[-+]\s*1)?", layer):
            layer = "l" + layer[1:]
        if not re.fullmatch(r"\d+|[lL](?:\s*[-+]\s*1)?", layer):
            raise _NotMath(word)
    is_fn = base in _FUNCTIONS
    if not is_fn and base not in _NAMES and not re.fullmatch(r"d?[A-Za-z]", base):
        raise _NotMath(word)
    tex = "\\" + base if base in ("alpha", "sigma", "delta", "theta") else base
    return (tex, layer), is_fn


def _atom_tex(base: str, layer: str | None, T: bool = False, prime: bool = False) -> str:
    sup = ""
    if layer is not None:
        sup = "[" + layer.replace(" ", "") + "]"
    if prime and sup:
        return f"{base}^{{{sup}'}}"
    if prime:
        return base + "'"
    if T:
        sup += "T"
    return f"{base}^{{{sup}}}" if sup else base


class _Line:
    def __init__(self, text: str, style: Style):
        self.toks = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise _NotMath(text[pos:])
            if m.lastgroup != "ws":
                self.toks.append((m.lastgroup, m))
            pos = m.end()
        self.k = 0
        self.depth = 0
        self.style = style

    def peek(self, n: int = 0):
        return self.toks[self.k + n] if self.k + n < len(self.toks) else (None, None)

    def is_op(self, s: str, n: int = 0) -> bool:
        kind, m = self.peek(n)
        return kind == "op" and m.group() == s

    def take(self):
        t = self.toks[self.k]
        self.k += 1
        return t

    def expect(self, s: str):
        if not self.is_op(s):
            raise _NotMath(f"expected {s}")
        self.k += 1

    # ---- the formula, rebuilt piece by piece; brackets must balance
    def expr(self, stop=(")", ",")) -> str:
        out = []
        while self.k < len(self.toks):
            kind, m = self.peek()
            if kind == "op" and m.group() in stop:
                break
            out.append(self.piece())
        if not out:
            raise _NotMath("empty")
        return "".join(out)

    def args(self) -> list[str]:
        self.expect("(")
        self.depth += 1
        out = [self.expr()]
        while self.is_op(","):
            self.k += 1
            kind, m = self.peek()
            if kind == "name" and m.group() in ("axis", "keepdims"):
                self.k += 1
                self.expect("=")
                kv, v = self.take()
                val = v.group()
                if (m.group(), kv, val) not in (
                    ("axis", "num", "0"), ("axis", "num", "1"), ("keepdims", "name", "True"),
                ):  # fmt: skip
                    raise _NotMath("a keyword argument")
                out.append(f"{m.group()}={val}")
                continue
            out.append(self.expr())
        self.expect(")")
        self.depth -= 1
        return out

    def transposed(self) -> bool:
        if self.is_op(".T"):
            self.k += 1
            return True
        kind, m = self.peek(1)
        if self.is_op("^") and kind == "name" and m.group() == "T":  # A1^T, W2^T
            self.k += 2
            return True
        return False

    def piece(self) -> str:
        kind, m = self.take()
        if kind == "num":
            return m.group()
        if kind == "op":
            op = m.group()
            if op == "(":
                self.depth += 1
                inner = self.expr((")",))
                self.depth -= 1
                self.expect(")")
                return "(" + inner + ")" + ("^T" if self.transposed() else "")
            if op in "+-/":
                return f" {op} "
            if op == "=" and self.depth == 0:
                return " = "
            if op == ".*":
                return r" \odot "
            if op == "@":
                return " "
            if op == "*":
                return r" \cdot "  # the shapes decide (see the module doc)
            if op in ("**", "^"):
                k2, e = self.take()
                if k2 != "num":
                    raise _NotMath("a power")
                return f"^{{{e.group()}}}"
            raise _NotMath(op)
        if kind == "leib":
            (b1, l1), f1 = _name(m.group("n1").split("(")[0], self.style.general)
            (b2, l2), f2 = _name(m.group("n2"), self.style.general)
            call = m.group("n1")[len(m.group("n1").split("(")[0]) :]
            return rf"\frac{{d{_atom_tex(b1, l1)}{call}}}{{d{_atom_tex(b2, l2)}}} "
        if kind == "dop":
            (b, lay), _ = _name(m.group("n3"), self.style.general)
            return rf"\frac{{d}}{{d{_atom_tex(b, lay)}}} "
        if kind == "np":
            fn = m.group().removeprefix("np.")
            args = self.args()
            if fn == "dot" and len(args) == 2:
                return f"({args[0]}) ({args[1]})" + ("^T" if self.transposed() else "")
            if fn == "multiply" and len(args) == 2:
                return rf"({args[0]}) \odot ({args[1]})"
            if fn == "divide" and len(args) == 2:
                return rf"\frac{{{args[0]}}}{{{args[1]}}}"
            if fn == "power" and len(args) == 2 and re.fullmatch(r"\d+", args[1].strip()):
                return f"({args[0]})^{{{args[1].strip()}}}"
            if fn == "square" and len(args) == 1:
                return f"({args[0]})^{{2}}"
            if fn == "transpose" and len(args) == 1:
                return f"({args[0]})^T"
            if fn == "sum" and m.group() == "sum" and len(args) == 1:
                return f"sum({args[0]})"  # Ng's sum(dZ): over the examples
            if fn == "sum" and len(args) >= 2 and all("=" in a for a in args[1:]):
                return "np.sum(" + ", ".join(args) + ")"
            if fn in _NP and len(args) == 1:
                return f"{_NP[fn]}({args[0]})"
            raise _NotMath(m.group())
        # a name
        (base, layer), is_fn = _name(m.group(), self.style.general)
        if base in _COST_LETTERS and self.is_op("("):  # the loss of its arguments: l(a,y)
            return _atom_tex(base, layer) + "(" + ", ".join(self.args()) + ")"
        if is_fn:
            prime = self.is_op("'")
            if prime:
                self.k += 1
            if not self.is_op("("):
                if prime:
                    raise _NotMath("a derivative without its argument")
                if base not in ("log", "exp", "tanh", "sigmoid", "\\sigma"):
                    if base in ("g", "f"):
                        return _atom_tex(base, layer)  # a letter g or f as a quantity
                    raise _NotMath("a function without its argument")
                return _atom_tex(base, layer) + " "
            args = self.args()
            head = _atom_tex("H" if base == "step" else base, layer, prime=prime)
            return head + "(" + ", ".join(args) + ")"
        if (
            re.fullmatch(r"[A-Z]", base)
            and self.is_op("(")
            and self.toks[self.k][1].start() == m.end()
        ):
            raise _NotMath(f"{base}(: a function of the note's or a product")
        if (
            self.is_op("(")
            and self.toks[self.k][1].start() == m.end()
            and self.peek(1)[0] in ("num", "name")
            and re.fullmatch(r"\d+|[A-Za-z]", self.peek(1)[1].group())
            and self.is_op(")", 2)
        ):
            raise _NotMath(f"{base}(k): a layer or an index, never a product")
        T = False
        if self.is_op("'"):
            if not _TRANSPOSED.fullmatch(base.lstrip("\\")):
                raise _NotMath(f"{base}' is neither a transpose nor a derivative")
            self.k += 1
            T = True
        T = self.transposed() or T
        return _atom_tex(base, layer, T=T) + " "


def to_latex(line: str, style: Style = Style()) -> str | None:
    """LaTeX for one plain-text formula (see the module doc), or None."""
    body = _strip_comment(line).strip().rstrip(";.,").strip()
    for uni, ascii_op in _UNICODE_OPS.items():
        body = body.replace(uni, ascii_op)
    if "=" not in body or re.search(r"==|[-+*/<>!]=", body):
        return None  # a comparison or a program's accumulation (dB += dZ / m)
    # (Z1 > 0), 1{Z1 > 0}: the indicator, the step function H (the derivative of the ReLU)
    body = re.sub(r"(?:\b1\{|\()\s*(\w+(?:\[[^\]\s]+\])?)\s*>\s*0\s*[})]", r"step(\1)", body)
    if ">" in body or "<" in body:
        return None
    batch = re.search(r"(?<![A-Za-z])d?[AZX](?:\d|\[|\b)|\bnp\.", body)
    if re.search(r"\s[x×]\s", body) and batch:
        return None  # a lone x beside batch matrices: the input, or a times sign?
    try:
        p = _Line(body, style)
        out = p.expr(stop=())
    except (_NotMath, IndexError):
        return None
    if out.count("(") != out.count(")"):
        return None
    sides = [s.strip() for s in out.split(" = ")]
    if len(sides) < 2 or not all(sides):
        return None
    out = re.sub(r"\s+", " ", " = ".join(sides)).strip()
    return re.sub(r"\s+([),])", r"\1", out)


# a label before a formula: "For W1: ∂L/∂W1 = ...", "Forward: Z1 = X·W1,   Backward: ..."
_LABEL = re.compile(r"(?:^|(?<=,)\s+)([A-Z][A-Za-z]*(?: [A-Za-z0-9]+){0,2}):\s+")


def _labelled(line: str, style: Style) -> bool:
    """Whether a line is formulas each after a label of words (``For W1: dL/dW1 = ...``,
    ``Forward: Z1 = X·W1,   Backward: dW1 = X^T·dZ1``): every labelled part reads."""
    cuts = list(_LABEL.finditer(line))
    if not cuts or cuts[0].start() != 0:
        return False
    ends = [c.start() for c in cuts[1:]] + [len(line)]
    parts = [line[c.end() : e].strip().rstrip(",").strip() for c, e in zip(cuts, ends, strict=True)]
    return all("=" in p and to_latex(p, style) is not None for p in parts)


def formulas(line: str, style: Style = Style()) -> list[tuple[int, str]]:
    """The formulas of a plain line as (column, LaTeX): the line itself, or the parts of a
    forward pass drawn with arrows (``w-> z = w'x+b -> a = sigmoid(z) -> l(a,y)``), or the
    formula ending a line of prose (``__dW__: n * 1, n features. dW = dot(X, dZ.T) / m``).
    A list bullet and bold marks around a name (``- __dZ[2]__ = ...``) are dropped."""
    line = re.sub(r"^(\s*)(?:[-*+]|\d+[.)])\s+", lambda m: m.group(1), line)
    line = re.sub(r"(__|\*\*)([A-Za-z][\w\[\]+\-']*)\1", r"\2", line)
    cuts = list(_LABEL.finditer(line))
    if len(cuts) > 1 and cuts[0].start() == 0 and _labelled(line, style):
        out = []  # Forward: Z1 = X·W1,   Backward: dW1 = X^T·dZ1
        ends = [c.start() for c in cuts[1:]] + [len(line)]
        for c, e in zip(cuts, ends, strict=True):
            part = line[c.end() : e].rstrip().rstrip(",")
            out.append((c.end(), to_latex(part, style)))
        return out
    out, pos = [], 0
    for part in line.split("->"):
        col = pos + len(part) - len(part.lstrip())
        pos += len(part) + 2
        if "=" not in part:
            continue
        tex = to_latex(part, style)
        if tex is None:
            tail = re.split(r"(?<=[.:])\s+", part)
            if len(tail) > 1 and "=" in tail[-1] and "=" not in "".join(tail[:-1]):
                tex = to_latex(tail[-1], style)
                col += len(part) - len(tail[-1])
        if tex is not None:
            out.append((col, tex))
    return out


def code_spans(text: str, code_lines) -> dict[int, list[tuple[int, str]]]:
    """The inline code spans of a Markdown note (``Z1 = X·W1 + b1`` in backticks) that hold a
    formula this reader reads, by line (1-based): (column, content). Lines of code blocks
    (``code_lines``, 1-based) are left out: a program's line in a fence is no formula."""
    out: dict[int, list[tuple[int, str]]] = {}
    for no, line in enumerate(text.split("\n"), start=1):
        if no in code_lines or "`" not in line:
            continue
        for m in re.finditer(r"(?<!`)`([^`\n]+)`(?!`)", line):
            if "=" in m.group(1):
                out.setdefault(no, []).append((m.start(1), m.group(1)))
    return out


def marked(line: str) -> bool:
    """Whether a line outside the math uses this notation (a layer in brackets, a transpose
    mark, numpy, MATLAB's .*, a d/d): the lines ``to_latex`` is tried on."""
    return bool(
        re.search(
            r"\w\[(?:\d+|[A-Za-z](?:\s*[-+]\s*1)?)\]|np\.\w+\(|\.\*|\w'|\.T\b|\bd\s*/\s*d\w", line
        )
    )
