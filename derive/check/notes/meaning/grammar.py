"""A grammar for the math of backpropagation notes: LaTeX text to a small expression tree.

Written as a recursive-descent parser rather than SymPy's ``parse_latex`` because the notes
need readings SymPy does not have: a function name followed by parentheses is an application
(``g^{[1]}(Z^{[1]})``, ``\\sigma'(z^l)``) while any other name before parentheses multiplies;
a Leibniz fraction is a derivative (``\\frac{\\partial C}{\\partial w^l_{jk}}``, also the
operator form ``\\frac{\\partial}{\\partial z} (...)``); a sum binds the product that follows it;
sub- and superscripts are kept as written (their meaning, layer or entry or power, depends on
the symbol and is decided when the symbol is bound). Anything the grammar does not know raises
``Unreadable``: the claim is then "not understood", never guessed.

Trees are tuples: ``("num", v)``, ``("atom", Atom)``, ``("call", Atom, [args])``,
``("add", [(sign, term), ...])``, ``("mul", op, a, b)``, ``("div", a, b)``, ``("pow", a, b)``,
``("T", a)``, ``("idx", a, sub)``, ``("d", num or None, den, operand or None)``,
``("sum", var, exclude, body)``, ``("norm", a)``, ``("kron", i, j)``, ``("ind", i, j)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import brackets, ngforms, series


class Unreadable(Exception):
    """The formula uses notation this grammar does not read."""


@dataclass(frozen=True)
class Atom:
    """A symbol as written: its base name and its decorations."""

    name: str  # canonical base: "w", "sigma", "delta", "hat_y", "cal_L", "nabla", "dz" ...
    sub: str | None = None  # the subscript as written (without braces)
    sup: str | None = None  # the superscript as written, a transpose mark removed
    primes: int = 0
    T: bool = False  # written transposed (^T, ^\top, a T after the layer)
    ex: str | None = None  # the example index letter of its superscript (examples.py)

    def show(self) -> str:
        out = self.name
        if self.sup:
            out += "^{" + self.sup + "}"
        if self.sub:
            out += "_{" + self.sub + "}"
        return out + "'" * self.primes + ("^T" if self.T else "")


# Commands dropped or unwrapped before parsing: decoration that carries no meaning here.
_DROP = (
    r"\\(left|right|big|Big|bigg|Bigg)(l|r|m)?(?![A-Za-z])|\\[!,;:>]|\\(limits|nolimits|displaystyle|"
    r"textstyle|nonumber|notag|enskip|qquad|bf|boldmath|hfill|mathstrut|cdots|ldots|hdots|dots|"
    r"space|thinspace|medspace|thickspace)"
    r"(?![A-Za-z])"
)
_UNWRAP = (
    "mathbf", "boldsymbol", "bm", "vec", "mathord", "mathit", "mathsf", "operatorname",
    "textsc", "underline", "overline", "mathbb", "pmb", "boxed", "framebox", "fbox",
)  # fmt: skip
_GREEK = {
    "sigma", "delta", "Delta", "theta", "alpha", "beta", "eta", "lambda", "phi", "psi", "mu",
    "epsilon", "gamma", "omega", "tau", "rho", "nabla", "ell", "pi", "xi", "zeta", "kappa",
    "varphi", "vartheta", "Theta", "Sigma", "Phi", "Lambda", "Omega", "vartriangle", "triangle",
}  # fmt: skip
# Names read as words rather than as products of letters.
WORDS = (
    "np.sum", "softmax", "sigmoid", "relu", "ReLU", "tanh", "keepdims", "axis", "True", "sum",
    "max", "min", "exp", "log", "ln", "net", "CE", "sgn", "sign", "diag",
    "out", "target",  # out_{h1}, target_{o1}: a step-by-step example's units (worked.py)
)  # fmt: skip
FUNCTIONS = {
    "sigma", "g", "f", "relu", "ReLU", "tanh", "softmax", "sigmoid", "exp", "log", "ln", "H",
    "max", "min", "np.sum", "sum", "phi", "sqrt", "delta", "sgn", "diag",
}  # fmt: skip
COSTS = {"C", "J", "E", "L", "l", "cal_L", "frak_L", "cal_C", "ell", "c", "CE", "cal_E", "cal_J"}
RELATIONS = (":=", "=:", "\\equiv", "\\coloneqq", "=")


# the indicator 1_{z > 0}, 1(z > 0): the step function H(z), the derivative of the ReLU
_STEP_INDICATOR = re.compile(
    r"\\math(?:bb|ds|bf)\s*\{\s*1\s*\}\s*(?:_\{(?P<sub>(?:[^{}<>]|\{[^{}]*\})+?)>\s*0\s*\}"
    r"|\((?P<arg>[^()<>]+?)>\s*0\s*\))"
)


_STEP_BRACKETS = re.compile(
    r"(?:\\math(?:bb|ds|bf)\s*\{\s*1\s*\}|(?<![\w}.^_])1)\s*"
    r"(?:\[((?:[^\[\]<>{}]|\{[^{}]*\})+?)>\s*0\s*\]|\\\{((?:[^<>{}]|\{[^{}]*\})+?)>\s*0\s*\\\})"
)


def _underbraces(s: str) -> str:
    """``\\underbrace{X}_{label}`` as ``{X}``: the label annotates, the formula is X."""
    while True:
        m = re.search(r"\\(underbrace|overbrace)\s*\{", s)
        if not m:
            return s
        depth, i = 1, m.end()
        while i < len(s) and depth:
            depth += {"{": 1, "}": -1}.get(s[i], 0) if s[i - 1] != "\\" else 0
            i += 1
        if depth:
            return s
        inner, rest = s[m.end() : i - 1], s[i:]
        lab = re.match(r"\s*[_^]\s*", rest)
        if lab:
            j, depth = lab.end(), 0
            if rest[j : j + 1] == "{":
                depth, j = 1, j + 1
                while j < len(rest) and depth:
                    depth += {"{": 1, "}": -1}.get(rest[j], 0)
                    j += 1
            else:
                j += 1
            rest = rest[j:]
        s = s[: m.start()] + "{" + inner + "}" + rest


# the indicator 1_{i=j} (also \mathbb{1}_{i=j}): the Kronecker delta
_INDICATOR = (
    r"(?<![\w.}])(?:\\(?:mathbb|mathds|mathbf)\{1\}|1)\s*_\s*\{\s*([a-z])\s*=\s*([a-z])\s*\}"
)


def _overs(s: str) -> str:
    """TeX's ``{a \\over b}`` as ``\\frac{a}{b}``: the numerator and the denominator are the
    rest of the group the ``\\over`` stands in."""
    for _ in range(50):
        m = re.search(r"\\over(?![A-Za-z])", s)
        if not m:
            return s
        depth, i = 0, m.start() - 1
        while i >= 0 and not (s[i] == "{" and depth == 0 and s[i - 1 : i] != "\\"):
            if s[i] == "}" and s[i - 1 : i] != "\\":
                depth += 1
            elif s[i] == "{" and s[i - 1 : i] != "\\":
                depth -= 1
            i -= 1
        depth, j = 0, m.end()
        while j < len(s) and not (s[j] == "}" and depth == 0 and s[j - 1] != "\\"):
            if s[j] == "{" and s[j - 1] != "\\":
                depth += 1
            elif s[j] == "}" and s[j - 1] != "\\":
                depth -= 1
            j += 1
        if (i < 0) != (j >= len(s)):
            return s  # an unbalanced group: left for the grammar to refuse
        num, den = s[i + 1 : m.start()], s[m.end() : j]
        frac = "\\frac{" + num + "}{" + den + "}"
        s = (s[:i] + frac + s[j + 1 :]) if i >= 0 else frac
    return s


def _unused_letter(s: str) -> str | None:
    """A letter for a renamed index that the formula does not write, or None."""
    return next((c for c in "pqrsuv" if not re.search(rf"(?<![A-Za-z\\]){c}(?![A-Za-z])", s)), None)


def _greek_index(s: str) -> str:
    """A sum over a Greek index (``\\sum_\\mu w_{i \\mu} g(z_\\mu)``): the index renamed to a
    Latin letter the formula does not use, as the grammar reads indices."""
    m = re.search(r"\\sum_\{?\s*\\(mu|nu|kappa|iota)(?![A-Za-z])\s*\}?", s)
    if not m:
        return s
    free = _unused_letter(s)
    if free is None:
        return s
    return re.sub(rf"\\{m.group(1)}(?![A-Za-z])\s*", free + " ", s)


def _primed_index(s: str) -> str:
    """A sum over a primed index (``\\sum_{i' = 1}^{p} \\exp(a)_{i'}``): the index renamed to a
    letter the formula does not use, as the grammar reads indices."""
    m = re.search(r"\\sum_\{?\s*([a-z])\s*'\s*=", s)
    if not m:
        return s
    free = _unused_letter(s)
    if free is None:
        return s
    return re.sub(rf"(?<![A-Za-z\\]){m.group(1)}\s*'", free, s)


_LABEL = r"y_(?:\{\s*[a-z]\s*\}|[a-z])"
_ONE = r"(?:\\math(?:bb|bf|ds)\{1\}|\\mathbb\s*1|1)\s*"
_OPEN, _CLOSE = r"(?:\\left\s*)?(?:\(|\[|\\\{)\s*", r"\s*(?:\\right\s*)?(?:\)|\]|\\\})"


def _label_index(s: str) -> str:
    """CS231n's label as an index: ``f_{y_i}``, ``p_{y_i}`` are the entries of the true class,
    and ``\\mathbb{1}(y_i = k)`` (or ``1\\{k = y_i\\}``) is 1 where k is that class: the class
    index letter c (a Kronecker delta), where the formula has no c of its own."""
    if "y_" not in s or re.search(r"(?<![A-Za-z\\])c(?![A-Za-z])", s):
        return s
    before = s
    s = re.sub(rf"_\{{\s*{_LABEL}\s*\}}", "_{c}", s)
    s = re.sub(rf"(?<![\w.}}]){_ONE}{_OPEN}{_LABEL}\s*=\s*([a-z]){_CLOSE}", r"\\delta_{c\1}", s)
    s = re.sub(rf"(?<![\w.}}]){_ONE}{_OPEN}([a-z])\s*=\s*{_LABEL}{_CLOSE}", r"\\delta_{\1c}", s)
    if s != before:  # its case, \text{if } k = y_i: the same class
        s = re.sub(rf"((?<![A-Za-z\\])[a-z]\s*(?:=|\\neq?)\s*){_LABEL}(?![A-Za-z_])", r"\1c", s)
        s = re.sub(rf"(?<![A-Za-z\\]){_LABEL}(\s*(?:=|\\neq?)\s*[a-z](?![A-Za-z_]))", r"c\1", s)
    return s


def _ell_index(s: str) -> str:
    """``\\hat y_\\ell``, ``\\mathbb{1}_{\\ell = i}``: an index written as a script l (the true
    class, CS7015) is the index letter c, where the formula has no c of its own (a layer
    written ``\\ell`` is a superscript, read by ``strip_layer``)."""
    if "\\ell" not in s or re.search(r"(?<![A-Za-z\\])c(?![A-Za-z])", s):
        return s
    before = s
    s = re.sub(r"_\s*\\ell(?![A-Za-z])", "_{c}", s)

    def group(m):
        return m.group(0).replace("\\ell", "c")

    s = re.sub(r"_\s*\{[^{}]*\\ell(?![A-Za-z])[^{}]*\}", group, s)
    if s != before:
        # its case, \text{if } i = \ell: the same index
        s = re.sub(r"((?<![A-Za-z\\])[a-z]\s*(?:=|\\neq?)\s*)\\ell(?![A-Za-z])", r"\1c", s)
        s = re.sub(r"\\ell(\s*(?:=|\\neq?)\s*[a-z](?![A-Za-z]))", r"c\1", s)
    return s


def clean(tex: str) -> str:
    """The formula with decoration removed: colours, boxes, spacing, tags and labels."""
    s = ngforms.normalise(_overs(_underbraces(brackets.rewrite(tex))))
    s = _label_index(_ell_index(s))
    # the indicator 1_{i=j} (also \mathbb{1}_{i=j}) is the Kronecker delta
    s = re.sub(_INDICATOR, r"\\delta_{\1\2}", s)
    # the indicator in brackets, 1[z > 0], \mathbf{1}[z > 0], \mathbb{1}\{z > 0\}: the step
    s = re.sub(_STEP_BRACKETS, lambda m: r"\mathbb{1}_{" + (m.group(1) or m.group(2)) + " > 0}", s)
    s = re.sub(r"\\(tag|label|eqref|ref)\*?\{[^{}]*\}", " ", s)
    s = re.sub(r"\\textcolor\{[^{}]*\}", "", s)
    # "\\text{, ignore }\\lambda" after a formula: a remark on what it leaves out, not a factor
    s = re.sub(r"\\(?:text|mbox)\{\s*[,;]?\s*(?:ignore|ignoring|neglecting|without)\b[^{}]*\}.*$",
               "", s, flags=re.S)  # fmt: skip
    s = re.sub(r"\\color\{[^{}]*\}", "", s)
    # "… \text{ where } 1_{i=l} \text{ is …}", ", e_l \text{ is a } p\text{-dimensional vector}":
    # the prose after a formula names its symbols; it is no part of it
    s = re.sub(r"\s*,?\s*(?:\\q?quad\s*)?\(?\s*\\text\{\s*where\b.*$", "", s, flags=re.S)
    s = re.sub(r"\s*,\s*[^,=]{1,40}?\\text\{\s*(?:is|are)\s.*$", "", s, flags=re.S)
    # 1_m, \mathbf{1}_m: the vector of m ones (its length a subscript)
    s = re.sub(r"(?<![\w.])1_\{?\s*[mnN]\s*\}?", "1", s)
    # \text{Now, } before a formula: a word of the prose, not a factor
    s = re.sub(r"^\s*\\(?:text|mbox)\{\s*(?:now|so|thus|hence|then|therefore|finally|and|also)"
               r"\s*[,:]?\s*\}\s*", "", s, flags=re.I)  # fmt: skip
    # (\ell = \text{true class label}) after a formula: a remark naming a letter, not a factor
    s = re.sub(r"\s*\(\s*[^()=]*=\s*\\text\{[^{}]*\}\s*\)\s*$", "", s)
    s = re.sub(
        r"\\text\{\s*(\\textcolor\{[^{}]*\})?\s*\{?\\framebox\{\$([^$]*)\$\}\}?\s*\}", r"{\2}", s
    )
    s = re.sub(r"\\framebox\{\$([^$]*)\$\}", r"{\1}", s)
    words = r"(ReLU|relu|softmax|tanh|sigmoid|Sigmoid|log|ln|exp|np\.sum|sum|diag)"
    s = re.sub(r"\\(mathrm|text|textrm|mbox|texttt|operatorname)\{\s*" + words + r"\s*\}", r"\2", s)
    # Sigmoid(z_1): the sigmoid, capitalised as a word of prose (not S i g m o i d times z_1)
    s = re.sub(r"(?<![A-Za-z\\{])Sigmoid(?=\s*\()", "sigmoid", s)
    s = re.sub(r"\\mathrm\{d\}", "d", s)
    s = re.sub(r"\\mathrm\{([A-Za-z])\}", r"\1", s)
    s = series.fold(s)  # y_1 + y_2 + \dots + y_n: a sum, before the dots are dropped
    s = series.column(s)  # (p_1 - y_1; p_2 - y_2; \vdots; p_n - y_n): the vectors, p - y
    s = re.sub(_DROP, " ", s)
    # y_{\text{pred}}, y_{\text{pred}, i}: the prediction, \hat y (its entry i)
    s = re.sub(r"\by_\{\s*\\(?:text|mathrm)\{\s*pred(?:icted)?\s*\}\s*,\s*([^{}]+?)\s*\}",
               r"\\hat{y}_{\1}", s)  # fmt: skip
    s = re.sub(r"\by_\{\s*\\(?:text|mathrm)\{\s*pred(?:icted)?\s*\}\s*\}", r"\\hat{y}", s)
    # \frac{\partial C}{w_{jk}^l}: the \partial of the denominator left out (one symbol there)
    s = re.sub(r"(\\[dt]?frac\s*\{\s*\\partial\s*[A-Za-z](?:_\{[^{}]*\}|_\w)?(?:\^\{[^{}]*\}|\^\w)?"
               r"\s*\}\s*\{)\s*(?=[A-Za-z](?:_\{[^{}]*\}|_\w)?(?:\^\{[^{}]*\}|\^\w)?\s*\})",
               r"\1\\partial ", s)  # fmt: skip
    s = re.sub(r"(?<=[A-Za-z}])\u2019", "'", s)  # \phi’(u): a typographic apostrophe as prime
    s = re.sub(r"\\(sigma|delta)\s*\{\s*\\prime\s*\}", r"\\\1'", s)
    # g^{\prime[l]}, g^{\prime (2)}: the prime and the layer in one superscript, g^{[l]'}
    s = re.sub(r"\^\s*\{\s*\\prime\s*([\[(][^{}\[\]()]+[\])])\s*\}", r"^{\1'}", s)
    s = re.sub(r"\^\s*\{?\s*\\prime\s*\}?", "'", s)
    s = s.replace("\\prime", "'")
    s = re.sub(r"(?<![\d.])\.\*", r" \\odot ", s)  # MATLAB's element-wise product (Ng's course)
    s = s.replace("\\bigodot", "\\odot").replace("\\cdotp", "\\cdot")
    s = _primed_index(_greek_index(s))
    s = re.sub(r"(_\{?[A-Za-z0-9]\}?)\s+\^\s*", r"\1^", s)  # A_j ^ L: spaces TeX ignores
    s = re.sub(r"(?<=[A-Za-z])\s+'\s*(?=\()", "'", s)  # h ' (z): the prime, spaced
    s = re.sub(r"\\(mathcal|mathfrak|mathds|hat|tilde|widehat|widetilde|bar)\s*([A-Za-z0-9])",
               r"\\\1{\2}", s)  # fmt: skip
    s = re.sub(r"\\\\\s*$", "", s.strip())
    # a remark in parentheses after the formula: (\text{where}\quad dE/du = ...)
    s = re.sub(r"\(\s*\\text\{\s*(?:where|with|since|because)\s*\}.*\)\s*$", "", s, flags=re.S)
    s = _lead_words(s)  # \text{Similarly,} dE/db = ..., \therefore dE/dW = ...: prose before it
    s = re.sub(r"(?<!\\)\\ ", " ", s)  # a control space
    # (M)_{ij} written as a one-cell pmatrix: \begin{pmatrix} dE/dW \end{pmatrix}_{ij}
    s = re.sub(r"\\begin\{pmatrix\}((?:(?!\\end|&|\\\\).)*)\\end\{pmatrix\}", r"(\1)", s,
               flags=re.S)  # fmt: skip
    s = _one_cell_pmatrix(s)  # plain TeX's \pmatrix{dE/db}_{j}
    # \sum_{d \in \mathcal{D}_j}: the downstream units of j, every unit of the next layer
    s = re.sub(r"(\\sum_\{\s*[a-z])\s*\\in\s*\\mathcal\{D\}_\{?[a-z]\}?\s*\}", r"\1}", s)
    s = s.replace("~", " ").replace("&", " ")
    s = s.replace("\\{", "(").replace("\\}", ")")  # \{ ... \}: braces that group, as parentheses
    # \delta{_2}, \delta{_{k+1}}: a subscript wrapped in braces of its own (an editor's habit)
    s = re.sub(r"(\\[A-Za-z]+|\b[A-Za-z])\s*\{\s*(_\s*(?:\{[^{}]*\}|[A-Za-z0-9]))\s*\}", r"\1\2", s)
    # \delta{ik}, a Kronecker delta whose underscore slipped: no other reading
    s = re.sub(r"\\delta\s*\{\s*([a-z])\s*([a-z])\s*\}", r"\\delta_{\1\2}", s)
    # the indicator 1_{i=y} is the Kronecker delta of its two indices
    s = re.sub(r"\\math(?:bb|ds|bf)\{1\}_\{\s*([a-z])\s*=\s*([a-z])\s*\}", r"\\delta_{\1\2}", s)
    return s.strip().rstrip(".,;").strip()


_LEAD = re.compile(
    r"^\s*(?:\\therefore\s*|\\(?:text|mbox)\{[^{}]*[,:]\s*\}\s*)(?:\\q?quad\s*|\\[:;,]\s*)*"
)


def _lead_words(s: str) -> str:
    """A formula with the prose that leads into it dropped: a ``\\text{...}`` ending in a
    comma or colon (``\\text{Similarly,}``, ``\\text{or, }``), or ``\\therefore``."""
    m = _LEAD.match(s)
    return s[m.end() :] if m and m.end() < len(s) else s


def _one_cell_pmatrix(s: str) -> str:
    out = s
    while True:
        i = out.find("\\pmatrix{")
        if i < 0:
            return out
        j, depth = i + len("\\pmatrix{"), 1
        while j < len(out) and depth:
            depth += {"{": 1, "}": -1}.get(out[j], 0)
            j += 1
        inner = out[i + len("\\pmatrix{") : j - 1]
        if depth or "&" in inner or "\\\\" in inner:
            return out
        out = out[:i] + "(" + inner + ")" + out[j:]


def split_relations(tex: str) -> list[tuple[str, int, str]]:
    """``a = b := c`` into [("", offset, "a"), ("=", offset, "b"), (":=", offset, "c")] at the
    top level (outside braces and parentheses); offsets into ``tex`` give each member's line."""
    out, depth, last, i, rel = [], 0, 0, 0, ""
    while i < len(tex):
        ch = tex[i]
        if ch in "{([" and tex[i - 1 : i] != "\\":
            depth += 1
        elif ch in "})]" and tex[i - 1 : i] != "\\":
            depth -= 1
        elif depth == 0:
            for r in RELATIONS:
                if tex.startswith(r, i) and not (r == "=" and i > 0 and tex[i - 1] in "<>!:\\"):
                    if r == "=" and tex[i + 1 : i + 2] == ":":
                        continue
                    out.append((rel, last, tex[last:i]))
                    rel, last = r, i + len(r)
                    i += len(r) - 1
                    break
        i += 1
    out.append((rel, last, tex[last:]))
    return out


class Parser:
    """Recursive descent over one member of a formula (no relation signs inside)."""

    def __init__(self, text: str, functions: set[str] = frozenset()):
        self.s = text
        self.i = 0
        self.functions = FUNCTIONS | set(functions)
        self.in_norm = 0

    # ------------------------------------------------------------------ scanning
    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\n\r":
            self.i += 1

    def peek(self, tok: str) -> bool:
        self.ws()
        return self.s.startswith(tok, self.i)

    def eat(self, tok: str) -> bool:
        if self.peek(tok):
            self.i += len(tok)
            return True
        return False

    def need(self, tok: str):
        if not self.eat(tok):
            raise Unreadable(f"expected {tok!r} at {self.s[self.i : self.i + 15]!r}")

    def cmd(self) -> str | None:
        """The command at the cursor (without moving), e.g. ``frac``."""
        self.ws()
        m = re.match(r"\\([A-Za-z]+)", self.s[self.i :])
        return m.group(1) if m else None

    def group_text(self) -> str:
        """A braced group's raw text, or a single token when unbraced."""
        self.ws()
        if self.eat("{"):
            depth, start = 1, self.i
            while self.i < len(self.s):
                ch = self.s[self.i]
                if ch == "\\":
                    self.i += 2
                    continue
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                    if depth == 0:
                        self.i += 1
                        return self.s[start : self.i - 1]
                self.i += 1
            raise Unreadable("unbalanced braces")
        m = re.match(r"\\[A-Za-z]+|.", self.s[self.i :])
        if not m:
            raise Unreadable("missing group")
        self.i += len(m.group())
        return m.group()

    def sub_parser(self, text: str) -> Parser:
        p = Parser(text, self.functions)
        return p

    def parse_all(self):
        e = self.expr()
        self.ws()
        if self.s[self.i :].strip() == ")" and self.s.count(")") > self.s.count("("):
            return e  # one closing parenthesis too many at the end: a typo, no other reading
        if self.i != len(self.s):
            raise Unreadable(f"unread text {self.s[self.i : self.i + 20]!r}")
        return e

    # ------------------------------------------------------------------ grammar
    def expr(self):
        terms = []
        sign = 1
        if self.eat("-"):
            sign = -1
        elif self.eat("+"):
            pass
        terms.append((sign, self.term()))
        while True:
            if self.eat("+"):
                terms.append((1, self.term()))
            elif self.peek("-") and not self.peek("->"):
                self.i += 1
                terms.append((-1, self.term()))
            else:
                break
        if len(terms) == 1 and terms[0][0] == 1:
            return terms[0][1]
        return ("add", terms)

    def at_term_end(self) -> bool:
        self.ws()
        if self.i >= len(self.s):
            return True
        ch = self.s[self.i]
        if ch == "|" and self.in_norm == 0 and self.s.startswith("||", self.i):
            return False  # \frac{1}{2}||a - y||^2: a norm opens, a factor of the product
        if ch in "+-)]},|=;":
            return True
        c = self.cmd()
        if c in ("right", "quad", "end", "rangle"):
            return True
        closing = c in ("rVert", "Vert") or self.s.startswith("\\|", self.i)
        return closing and self.in_norm > 0

    _OPS = {
        "cdot": "cdot", "times": "times", "odot": "odot", "circ": "circ",
        "otimes": "otimes", "ast": "star", "bullet": "cdot",
        "circledcirc": "odot",  # the componentwise product some notes write with a ringed ring
    }  # fmt: skip

    def term(self):
        left = self.unary()
        while not self.at_term_end():
            op = "juxt"
            c = self.cmd()
            if c in self._OPS:
                self.i += len(c) + 1
                op = self._OPS[c]
            elif self.eat("*"):
                op = "star"
            elif self.eat("/"):
                right = self.unary()
                left = ("div", left, right)
                continue
            if left[0] == "d" and left[1] is None and left[3] is None:
                # the operator form d/dx applies to the rest of the term
                rest = self._rest(op)
                if rest[0] == "add" and any(_applies(t, left[2]) for _, t in rest[1][1:]):
                    # d/dw (a)^2 + d/dw (b)^2: a later term applies the operator again, so
                    # the terms are its siblings, not its operand
                    sign, first = rest[1][0]
                    return ("add", [(sign, ("d", None, left[2], first)), *rest[1][1:]])
                return ("d", None, left[2], rest)
            if self.at_term_end():
                raise Unreadable("operator without a right operand")
            if self._starts_sum():
                right = self.unary()
                return ("mul", op, left, right)
            right = self.unary()
            if right[0] == "d" and right[1] is None and right[3] is None:
                # a derivative operator after a factor applies to the rest of the term
                c = self.cmd()
                if c in self._OPS:
                    self.i += len(c) + 1
                return ("mul", op, left, ("d", None, right[2], self.term()))
            left = ("mul", op, left, right)
        if left[0] == "d" and left[1] is None and left[3] is None:
            raise Unreadable("a derivative operator with nothing to act on")
        return left

    def _rest(self, op):
        # d/dw \sum_i w_i a_i + b: the operator takes the rest of its group, + terms and all,
        # as the authors mean it (d/dw of the sum, then + b, is not what anybody writes)
        return self.expr()

    def _starts_sum(self) -> bool:
        return self.cmd() in ("sum", "prod")

    def unary(self):
        if self.eat("-"):
            return ("add", [(-1, self.unary())])
        if self.eat("+"):
            return self.unary()
        return self.postfix(self.primary())

    def postfix(self, node):
        while True:
            self.ws()
            if self.s.startswith("^", self.i):
                self.i += 1
                g = self.group_text().strip()
                if g in ("T", "\\top", "\\intercal", "t"):
                    node = ("T", node)
                elif g == "'":
                    node = ("T", node)
                else:
                    node = ("pow", node, self.sub_parser(g).parse_all())
            elif self.s.startswith("_", self.i):
                self.i += 1
                node = ("idx", node, self.group_text().strip())
            elif self.s.startswith("'", self.i):
                self.i += 1
                node = ("T", node)
            else:
                return node

    def primary(self):
        self.ws()
        if self.i >= len(self.s):
            raise Unreadable("formula ends too early")
        ch = self.s[self.i]
        m = re.match(r"\d+(\.\d+)?", self.s[self.i :])
        if m:
            self.i += len(m.group())
            return ("num", float(m.group()))
        if ch == "(":
            self.i += 1
            e = self.expr()
            self.need(")")
            return e
        if ch == "[":
            self.i += 1
            e = self.expr()
            self.need("]")
            return e
        if ch == "{":
            g = self.group_text()
            return self.sub_parser(g).parse_all()
        if ch == "|" or self.s.startswith("\\|", self.i) or self.cmd() in ("lVert", "Vert"):
            return self.norm()
        c = self.cmd()
        ind = _STEP_INDICATOR.match(self.s, self.i) if c in ("mathbb", "mathds", "mathbf") else None
        if ind:
            self.i = ind.end()
            arg = self.sub_parser(ind.group("sub") or ind.group("arg")).parse_all()
            return ("call", Atom("H"), [arg])
        if c == "frac" or c == "dfrac" or c == "tfrac":
            self.i += len(c) + 1
            return self.frac()
        if c in ("sum", "prod"):
            self.i += len(c) + 1
            return self.sum(c)
        if c == "sqrt":
            self.i += 5
            return ("call", Atom("sqrt"), [self.sub_parser(self.group_text()).parse_all()])
        if c == "partial":
            # \partial z / \partial b written inline
            self.i += 8
            num = self.atom()
            self.need("/")
            if self.cmd() != "partial":
                raise Unreadable("a bare partial")
            self.i += 8
            den = self.atom()
            return ("d", ("atom", num), ("atom", den), None)
        return self.atom_or_call()

    def norm(self):
        if self.eat("\\|"):
            close = "\\|"
        elif self.eat("\\lVert"):
            close = "\\rVert"
        elif self.eat("\\Vert"):
            close = "\\Vert"
        elif self.eat("||"):
            close = "||"
        else:
            self.need("|")  # |x|: the absolute value of a number (a vector's is not read)
            self.in_norm += 1
            e = self.expr()
            self.in_norm -= 1
            self.need("|")
            return ("call", Atom("abs"), [e])
        self.in_norm += 1
        e = self.expr()
        self.in_norm -= 1
        if not self.eat(close):
            if close == "||":
                self.need("||")
            raise Unreadable("unclosed norm")
        return ("norm", e)

    def frac(self):
        num_t, den_t = self.group_text(), self.group_text()
        mark = _derivative_mark(num_t, den_t)
        if mark is None and _BARE_DENOMINATOR.fullmatch(den_t):
            top = re.match(r"\s*\\partial(?![A-Za-z])", num_t)
            if top and num_t[top.end() :].strip():
                # \frac{\partial C}{w_{jk}}: a \partial over a bare name is meaningless as a
                # quotient; the \partial of the denominator was left out
                num = self.sub_parser(num_t[top.end() :]).parse_all()
                return ("d", num, self.sub_parser(den_t).parse_all(), None)
            if top:  # \frac{\partial}{o_k}(\dots): the operator, its \partial left out too
                return ("d", None, self.sub_parser(den_t).parse_all(), None)
        if mark is None:
            num = self.sub_parser(num_t).parse_all()
            den = self.sub_parser(den_t).parse_all()
            return ("div", num, den)
        num_body = num_t.strip()[len(mark) :].strip()
        den_body = den_t.strip()[len(mark) :].strip()
        den = self.sub_parser(den_body).parse_all()
        if num_body in ("", "~"):
            return ("d", None, den, None)
        return ("d", self.sub_parser(num_body).parse_all(), den, None)

    def sum(self, kind):
        var, exclude = None, None
        self.ws()
        hi = None
        if self.peek("^") and re.match(r"\^\s*(\{[^{}]*\}|\\?[A-Za-z0-9]+)\s*_", self.s[self.i :]):
            self.i += 1  # \sum^K_{j=1}: the upper bound written first
            hi = self.group_text().strip()
            self.ws()
        if self.s.startswith("_", self.i):
            self.i += 1
            g = self.group_text().strip()
            m = re.match(r"^([A-Za-z])\s*(=.*)?$", g)
            m2 = re.match(r"^([A-Za-z])\s*\\(neq|ne)\s*([A-Za-z])$", g)
            if m:
                var = m.group(1)
            elif m2:
                var, exclude = m2.group(1), m2.group(3)
            else:
                raise Unreadable(f"sum over {g!r}")
        if hi is None and self.peek("^"):
            self.i += 1
            hi = self.group_text().strip()
        if self.s[self.i : self.i + 1] == "_" and var is None:
            raise Unreadable("sum bounds")
        if kind != "sum":
            raise Unreadable("product")
        self.ws()
        if self.peek("{"):
            body = self.sub_parser(self.group_text()).parse_all()
            body = self.postfix(body)
            # factors after a braced body multiply the sum
            node = ("sum", var, exclude, body, hi)
            return node
        body = self.term()
        return ("sum", var, exclude, body, hi)

    def atom_or_call(self):
        atom = self.atom()
        self.ws()
        if atom.name == "nabla" and not self.at_term_end():
            # \nabla_{a} C: the gradient takes the factor right after it
            return ("mul", "juxt", ("atom", atom), self.postfix(self.primary()))
        if atom.name == "e" and atom.sup and not atom.sub and not atom.primes:
            return ("call", Atom("exp"), [self.sub_parser(atom.sup).parse_all()])
        callable_ = atom.name in self.functions or (
            atom.name in COSTS and (atom.sub is None or len(atom.sub) <= 2)
        )
        if "entry:" + atom.name in self.functions:
            # s(x)_i, a function the note defines by its entries (entryfuns); its entry
            # \sigma_i before parentheses multiplies them
            callable_ = atom.sub is None and atom.sup is None
        if atom.name == "h" and atom.sub and re.search(r"W|\\theta|\\Theta|,", atom.sub):
            callable_ = True  # the hypothesis h_{W,b}(x), h_\theta(x): the network's output
        if atom.name in ("delta", "sigma") and atom.sup is not None and atom.primes == 0:
            callable_ = atom.name == "sigma"
        if atom.name == "sum" and not self.peek("("):
            raise Unreadable("sum")
        if callable_ and self.peek("("):
            self.i += 1
            args = [self.expr()]
            while self.eat(",") or self.eat(";"):
                if self.peek(",") or self.peek(")"):
                    continue  # an argument left out: E(net_1, net_2, \dots, net_L)
                args.append(self._arg())
            if self.eat("..."):
                pass
            self.need(")")
            node = ("call", atom, args)
            return node
        if atom.name in self.functions and atom.name not in COSTS and self.peek("["):
            # H[\sum_k w_{kj} x_k + b_j], relu\bigg[...\bigg]: brackets around an argument
            self.i += 1
            arg = self.expr()
            self.need("]")
            return ("call", atom, [arg])
        if (
            atom.name in ("exp", "log", "ln", "tanh", "sigmoid", "relu", "ReLU")
            and not self.at_term_end()
        ):
            # \log x, \ln(…) without parentheses: the next factor
            return ("call", atom, [self.postfix(self.primary())])
        return ("atom", atom)

    def _arg(self):
        self.ws()
        m = re.match(r"(axis\s*=\s*-?\d+|keepdims\s*=\s*True)", self.s[self.i :])
        if m:
            self.i += len(m.group())
            return ("kw", m.group().replace(" ", ""))
        return self.expr()

    def atom(self) -> Atom:
        self.ws()
        s, i = self.s, self.i
        name = None
        c = self.cmd()
        if c in ("hat", "tilde", "widehat", "widetilde", "bar", "mathcal", "mathfrak", "mathds",
                 "mathrm", "text"):  # fmt: skip
            self.i += len(c) + 1
            inner = self.group_text().strip()
            inner = re.sub(r"\\(mathbf|boldsymbol|bm|vec)\{([^{}]*)\}", r"\2", inner).strip()
            if c in ("mathrm", "text"):
                if not re.fullmatch(r"[A-Za-z]+", inner):
                    raise Unreadable(f"text {inner!r}")
                name = inner
            else:
                inner_atom = Parser(inner).atom() if inner else None
                if inner_atom is None:
                    raise Unreadable("empty decoration")
                pre = {"widehat": "hat", "widetilde": "tilde", "mathcal": "cal",
                       "mathfrak": "frak", "mathds": "ds"}.get(c, c)  # fmt: skip
                base = pre + "_" + inner_atom.name
                return self._decorations(base, inner_atom.sub, inner_atom.sup)
        elif c in _UNWRAP:
            self.i += len(c) + 1
            inner = self.group_text()
            p = self.sub_parser(inner)
            a = p.atom()
            if p.i < len(p.s.strip()):
                raise Unreadable("a bold expression")
            return self._decorations(a.name, a.sub, a.sup, a.primes, a.T)
        elif c in _GREEK:
            self.i += len(c) + 1
            name = {"ell": "l", "vartriangle": "Delta", "triangle": "Delta"}.get(c, c)
        elif c in ("exp", "log", "ln", "tanh", "max", "min", "sin", "cos", "operatorname"):
            self.i += len(c) + 1
            name = c
        elif c is not None:
            raise Unreadable(f"\\{c}")
        else:
            for w in WORDS:
                if s.startswith(w, i) and not s[i + len(w) : i + len(w) + 1].isalpha():
                    name = w
                    self.i += len(w)
                    break
            if name is None:
                m = re.match(r"d([zZaAwWbB])(?![A-Za-z])", s[i:])
                if m:
                    name = "d" + m.group(1)
                    self.i += 2
                elif s[i].isalpha():
                    name = s[i]
                    self.i += 1
                    # w11, w1o, h1: a lower-case letter run into its unit's number is that
                    # unit's name (a worked example's w_{11}, w_{1o}, h_1), not a product
                    glued = re.match(r"(\d+[a-z]?)(?![\w{}^_.'])", s[self.i :])
                    if name.islower() and glued and (i == 0 or not s[i - 1].isalnum()):
                        self.i += len(glued.group(1))
                        return self._decorations(name, glued.group(1))
                else:
                    raise Unreadable(f"unexpected {s[i]!r}")
        return self._decorations(name)

    def _decorations(self, name, sub=None, sup=None, primes=0, T=False) -> Atom:
        while True:
            j = self.i
            while j < len(self.s) and self.s[j] == " ":
                j += 1
            if self.s[j : j + 1] in ("^", "_") and self.s[j + 1 : j + 2] != " ":
                self.i = j
            if self.i < len(self.s) and self.s[self.i] == "_" and sub is None:
                self.i += 1
                sub = self.group_text().strip()
            elif self.i < len(self.s) and self.s[self.i] == "^":
                save = self.i
                self.i += 1
                g = self.group_text().strip()
                if g in ("T", "\\top", "\\intercal"):
                    T = True
                elif g == "'":
                    primes += 1
                elif sup is None:
                    m = re.match(r"^(.*?)(\^?\s*(T|\\top))$", g)
                    if m and m.group(1).strip() and m.group(1).strip()[-1] in ")]}":
                        g, T = m.group(1).strip(), True
                    if g.endswith("'"):
                        g, primes = g[:-1].strip(), primes + 1
                    sup = g
                else:
                    self.i = save
                    return Atom(name, sub, sup, primes, T)
            elif self.i < len(self.s) and self.s[self.i] == "'":
                self.i += 1
                primes += 1
            else:
                return Atom(name, sub, sup, primes, T)


_BARE_DENOMINATOR = re.compile(r"\s*[A-Za-z](?:\s*[_^]\s*(?:\{[^{}]*\}|[A-Za-z0-9]))*\s*")


def _derivative_mark(num: str, den: str) -> str | None:
    num, den = num.strip(), den.strip()
    for mark in ("\\partial", "d"):
        if num.startswith(mark) and den.startswith(mark):
            rest_n, rest_d = num[len(mark) :], den[len(mark) :]
            if mark == "d" and (rest_d[:1].isalpha() and den[:3] in ("dia", "det")):
                return None
            if mark == "\\partial" and (rest_n[:1].isalpha() or rest_d[:1].isalpha()):
                return None  # \partialx is not a command we know
            if mark == "\\partial" and rest_n.lstrip().startswith("^"):
                return None  # second derivative
            if mark == "d" and rest_n.startswith("^"):
                return None
            return mark
    return None


def parse(text: str, functions: set[str] = frozenset()):
    """The tree of one member (no relation signs), or ``Unreadable``."""
    if EXPECTATION.search(text):  # E[\xi_t] = 1: an expectation, not the cost times \xi_t
        raise Unreadable("an expectation E[...]")
    return Parser(text, functions).parse_all()


# E[x], \mathbb{E}[x], \mathbb E_{q}[x]: the expectation of what is in the brackets
EXPECTATION = re.compile(r"(?<![A-Za-z\\])E\s*\[|\\mathbb\s*\{?\s*E\b|\\operatorname\{E\}")


def _applies(node, den) -> bool:
    """Whether a tree applies the derivative operator by ``den`` somewhere."""
    if not isinstance(node, tuple) or not node:
        return False
    if node[0] == "d" and node[1] is None and node[2] == den:
        return True
    return any(_applies(part, den) for part in subtrees(node))


def rebuild(node, fn):
    """The node with ``fn`` applied to each of its sub-trees (those ``subtrees`` walks), other
    parts kept: the one place the rewritings of a tree say how a node is put back together."""
    out = [node[0]]
    for part in node[1:]:
        if isinstance(part, tuple):
            out.append(fn(part))
        elif isinstance(part, list):
            out.append([
                (q[0], fn(q[1]))
                if isinstance(q, tuple) and len(q) == 2 and isinstance(q[0], int)
                else fn(q)
                for q in part
            ])  # fmt: skip
        else:
            out.append(part)
    return tuple(out)


def nodes(tree):
    """Every node of a tree, depth first, the (sign, term) pairs of a sum included: the walk
    of readings that look at each node wherever it sits."""
    if isinstance(tree, list):
        for q in tree:
            yield from nodes(q)
    elif isinstance(tree, tuple) and tree:
        yield tree
        for part in tree[1:]:
            yield from nodes(part)


def subtrees(node):
    """The sub-trees of a tree node, in order: its tuple parts and the tuple terms of its
    lists (a sum's (sign, term) pairs give their term). The walks over a tree descend
    through this, so a new kind of node has one place to say what its children are."""
    for part in node[1:]:
        if isinstance(part, tuple):
            yield part
        elif isinstance(part, list):
            for q in part:
                q = q[1] if isinstance(q, tuple) and len(q) == 2 and isinstance(q[0], int) else q
                if isinstance(q, tuple):
                    yield q


def atoms(node, calls: bool = False) -> list[Atom]:
    """The atoms of a tree in order (with ``calls``, also the function named by each call):
    the one walk the readings use to ask which names a formula writes."""
    out: list[Atom] = []
    if not isinstance(node, tuple) or not node:
        return out
    if node[0] == "atom" or (calls and node[0] == "call"):
        if isinstance(node[1], Atom):
            out.append(node[1])
    for part in subtrees(node):
        out.extend(atoms(part, calls))
    return out


def rewrite_trees(stmts, fn) -> None:
    """Replace the tree of every member of every statement (those that parsed) by ``fn`` of
    it, in place: how a reading rewrites a whole note into the model's notation."""
    for members in stmts:
        for m in members:
            if m.tree is not None:
                m.tree = fn(m.tree)
