"""Read one side of a matrix claim (the batch form courses write) into a small tree.

What it reads: names as the notes spell them (``W_2``, ``W^{[2]}``, ``\\mathbf{W}_2``,
``a^{(L)}``, ``X``, ``\\delta_2``, Ng's gradients ``dW^{[2]}``, ``dZ^{[2]}``, ``db``);
transposes ``^T``, ``^\\top``, ``^{\\top}``, ``^{\\intercal}``, Ng's ``A^{[1]T}``; products:
juxtaposition and ``\\cdot`` (a matrix product, or a scaling when one side is a number),
``\\odot`` and ``\\circ`` (elementwise), ``*`` between matrices (read as elementwise, as
NumPy does; the checker says so); ``+``, ``-``, ``\\frac{a}{b}``, powers (elementwise);
functions ``\\sigma``, ``\\tanh``, ``relu``, Ng's ``g^{[l]}``, each with ``'`` for the
derivative; sums over the samples ``\\sum_{i=1}^{m}``, ``np.sum(..., axis=1,
keepdims=True)``; ``\\|A - Y\\|^2``. Anything else is ``NotUnderstood``: a claim the reader
cannot read is never judged. The tree is tuples: ``("name", canonical, shown)``, ``("num",
value)``, ``("m",)``, ``("T", x)``, ``("neg", x)``, ``("add"|"sub"|"mm"|"had"|"star"|"div",
a, b)``, ``("pow", x, k)``, ``("fn", name, prime, x, layer)``, ``("grad", canonical,
shown)``, ``("sum", x)``, ``("norm2", x)``.
"""

from __future__ import annotations

import re

from .expr import function_powers
from .names import ACTIVATION_WORDS, Names
from .tex import NotUnderstood, group

_TRANSPOSE = re.compile(r"^\s*(T|\\top|\\intercal|\\mathsf\{T\}|\\mathrm\{T\})\s*$")
_LAYER_T = re.compile(
    r"^\s*[\[(]\s*([^\[\]()]+?)\s*[\])]\s*(T|\\top|\\intercal)?\s*('|\\prime)?\s*$"
)
_GREEK = {"delta", "sigma", "alpha", "beta", "theta", "epsilon", "eta", "lambda", "Delta",
          "yhat", "Yhat"}  # fmt: skip
_GRAD_BASE = set("WbZzAa")
MARKERS = re.compile(
    r"\^\s*\{?\s*(T|\\top|\\intercal)\b|\^\s*\{\s*\[[^\]]*\]\s*(T|\\top)\s*\}|\\odot|\\circ"
    r"|(?<![{\\])\bd[WZbA]\b|(?<![{\\])\bd[WZbA]\s*[\^_]|np\.sum|\\sum|\\\||\\lVert|\\frac\s*\{\s*1\s*\}\s*\{\s*m\s*\}"
)


def looks_like_matrix(tex: str) -> bool:
    """Does a formula use the batch form's notation (a transpose, ⊙, dW, a sum, 1/m)?"""
    return bool(MARKERS.search(tex))


def normalise(tex: str) -> str:
    """Spellings of the same thing made one before reading."""
    tex = re.sub(r"\\(text|texttt|mathrm|mathtt|operatorname)\s*\{\s*np\.sum\s*\}", "np.sum", tex)
    tex = re.sub(r"\\lVert|\\rVert|\\Vert", r"\\|", tex)
    tex = re.sub(r"\\intercal", r"\\top", tex)
    return tex


class MatrixReader:
    """A recursive-descent reader of one side; ``names`` is the notes' name rule."""

    def __init__(self, names: Names, functions: dict[str, str] | None = None):
        self.names = names
        self.functions = dict(ACTIVATION_WORDS)
        for fname in functions or {}:
            self.functions[fname.lower()] = fname

    def read(self, tex: str):
        self.s, self.i, self.norms = function_powers(normalise(tex), self.functions), 0, 0
        tree = self._sum()
        self._space()
        if self.i != len(self.s):
            raise NotUnderstood(f"cannot read `{self.s[self.i : self.i + 20]}` in a matrix claim")
        return tree

    # ------------------------------------------------------------------ grammar
    def _space(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\n":
            self.i += 1

    def _peek(self, pattern: str):
        self._space()
        return re.compile(pattern).match(self.s, self.i)

    def _sum(self):
        tree = self._product()
        while m := self._peek(r"[+-]"):
            self.i = m.end()
            tree = ("add" if m.group() == "+" else "sub", tree, self._product())
        return tree

    def _product(self):
        neg = self._peek(r"-")
        if neg:
            self.i = neg.end()
        tree = self._power()
        while True:
            op = self._peek(r"\\cdot|\\odot|\\circ|\*(?!\*)|/")
            if op:
                self.i = op.end()
                kind = {"\\cdot": "mm", "\\odot": "had", "\\circ": "had", "*": "star"}
                tree = (kind.get(op.group(), "div"), tree, self._power())
            elif self._peek(r"[A-Za-z\\(0-9.]") and not self._closing():
                tree = ("mm", tree, self._power())
            else:
                break
        return ("neg", tree) if neg else tree

    def _closing(self) -> bool:
        """Is the next token one that ends a product (``\\|`` inside a norm, ``\\right``)?"""
        return bool(self._peek(r"\\(right|end)") or (self.norms and self._peek(r"\\\|")))

    def _power(self):
        tree = self._atom()
        while self._peek(r"\^"):
            self.i += 1
            content, self.i = group(self.s, self.i)
            if _TRANSPOSE.match(content):
                tree = ("T", tree)
            elif re.fullmatch(r"\s*\d+\s*", content):
                tree = ("pow", tree, int(content))
            else:
                raise NotUnderstood(f"cannot read the power ^{{{content}}}")
        return tree

    def _atom(self):
        self._space()
        s, i = self.s, self.i
        if i >= len(s):
            raise NotUnderstood("a matrix claim ends too early")
        if s.startswith("(", i):
            self.i += 1
            tree = self._sum()
            self._close(")")
            return tree
        if s.startswith("\\|", i):
            self.i += 2
            self.norms += 1
            tree = self._sum()
            self._close("\\|")
            self.norms -= 1
            if not (m := self._peek(r"\^\s*\{?\s*2\s*\}?")):
                raise NotUnderstood("a norm without its square")
            self.i = m.end()
            return ("norm2", tree)
        if m := re.compile(r"\d+(\.\d+)?").match(s, i):
            self.i = m.end()
            return ("num", float(m.group()))
        if s.startswith("\\frac", i):
            top, j = group(s, i + 5)
            bottom, self.i = group(s, j)
            return ("div", self._sub(top), self._sub(bottom))
        if m := re.compile(r"\\sum(?![A-Za-z])").match(s, i):
            self.i = m.end()
            for mark in ("_", "^"):
                if self._peek(re.escape(mark)):
                    _, self.i = group(s, self.i + 1)
            return ("sum", self._power_product())
        if m := re.compile(r"np\.sum\s*\(").match(s, i):
            self.i = m.end()
            tree = self._sum()
            opts = self._peek(r",\s*axis\s*=\s*1\s*,\s*keepdims\s*=\s*True\s*\)")
            if not opts:
                raise NotUnderstood("np.sum without axis=1, keepdims=True")
            self.i = opts.end()
            return ("sum", tree)
        return self._name()

    def _power_product(self):
        tree = self._power()
        while self._peek(r"[A-Za-z\\(]") and not self._peek(r"\\(right|end|cdot|odot|circ|\|)"):
            tree = ("mm", tree, self._power())
        return tree

    def _sub(self, tex: str):
        inner = MatrixReader(self.names)
        inner.functions = self.functions
        return inner.read(tex)

    def _close(self, token: str):
        self._space()
        if not self.s.startswith(token, self.i):
            raise NotUnderstood(f"a `{token}` is missing")
        self.i += len(token)

    def _name(self):
        s = self.s
        m = re.compile(r"\\([A-Za-z]+)|([A-Za-z]+)").match(s, self.i)
        if not m:
            raise NotUnderstood(f"cannot read `{s[self.i : self.i + 10]}`")
        word = m.group(1) or m.group(2)
        if m.group(2) and len(word) > 1 and word.lower() not in self.functions:
            grad = word[0] == "d" and word[1] in _GRAD_BASE and len(word) == 2
            word = word[:2] if grad else word[0]
        if m.group(1) and word not in _GREEK and word.lower() not in self.functions:
            raise NotUnderstood(f"cannot read \\{word} in a matrix claim")
        self.i = m.start() + len(word) + (1 if m.group(1) else 0)
        sub = sup = None
        transpose = prime = False
        while self.i < len(s):
            if s[self.i] == "_" and sub is None:
                sub, self.i = group(s, self.i + 1)
                sub = sub.replace(" ", "")
            elif s[self.i] == "^" and sup is None:
                content, j = group(s, self.i + 1)
                layer = _LAYER_T.match(content)
                if not layer:
                    break
                sup, transpose, self.i = layer.group(1).replace(" ", ""), bool(layer.group(2)), j
                prime = prime or bool(layer.group(3))
            elif s[self.i] == "'":
                prime, self.i = True, self.i + 1
            else:
                break
        fname = self.functions.get(word.lower()) or ("g" if word == "g" else None)
        if fname and self._peek(r"\("):
            self.i += 1
            arg = self._sum()
            self._close(")")
            return ("fn", fname, prime, arg, sup)
        if prime:
            raise NotUnderstood(f"{word}' is the derivative of an unknown function")
        if word == "m" and sub is None and sup is None:
            return ("m",)
        gradient = len(word) == 2 and word[0] == "d" and word[1] in _GRAD_BASE
        base = word[1] if gradient else word
        name = self.names.canonical(base, sub, sup)
        self.names.remember(name, base, sub, sup)
        here = self.names.show(name, self.names.line)
        shown = f"d{here}" if gradient else here
        tree = ("grad" if gradient else "name", name, shown)
        return ("T", tree) if transpose else tree


def show_tree(tree) -> str:
    """A read side written back compactly (for reasons)."""
    kind = tree[0]
    if kind in ("name", "grad"):
        return tree[2]
    if kind == "num":
        return f"{tree[1]:g}"
    if kind == "m":
        return "m"
    if kind == "T":
        return f"{show_tree(tree[1])}^T"
    if kind == "fn":
        return f"{tree[1]}{chr(39) if tree[2] else ''}({show_tree(tree[3])})"
    if kind == "neg":
        return f"-{show_tree(tree[1])}"
    if kind in ("sum", "norm2", "pow"):
        return f"{kind}({show_tree(tree[1])})"
    op = {"mm": " ", "had": " ⊙ ", "star": " * ", "add": " + ", "sub": " - ", "div": "/"}
    return f"({show_tree(tree[1])}{op[kind]}{show_tree(tree[2])})"
