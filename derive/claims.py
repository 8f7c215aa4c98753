"""Read one formula of a student's notes: its sides, names, derivatives, matrices and labels.

``Reader.formula(tex, line)`` splits a formula at its top-level ``=`` into ``Member``s and
reads each: a Leibniz fraction (``\\frac{dC}{dw_2}``, ``\\frac{\\partial C_0}{\\partial
w^{(L)}}``), a product of them (a chain-rule factorization), a numeric or matrix expression
(``bmatrix``, ``pmatrix``, ``array``, ``[1, 2, 3]``), a shape (``[3 \\times 4]``), or an
expression, which SymPy's LaTeX parser (ANTLR backend, strict) reads after the cleaning
below. Nothing here evaluates note text: ``parse_latex`` is a grammar parser, never ``eval``.

The name rule (forgiving, one place): a name is a letter or Greek letter with an optional
subscript and an optional layer superscript ``^{(k)}`` or ``^{[k]}``.

- ``w``/``W`` → ``W``, ``b``/``B`` → ``b``, ``a``/``A`` → ``A``, ``z``/``Z`` → ``z``, with
  the layer taken from the superscript, else from a numeric subscript: ``w_2``, ``W_2``,
  ``W^{(2)}``, ``W^{[2]}`` are all ``W2``; ``B_2`` is ``b2``; ``a^{(0)}`` is the input ``x``.
- ``L`` is the last layer and ``L-k`` the k-th before it (from ``--spec``, else the highest
  layer number written in the notes): with two layers ``w^{(L)}`` is ``W2`` and
  ``a^{(L-1)}`` is ``A1``. Without any number ``L`` stays a name of its own (``W_L``).
- ``x``/``X`` → ``x``, ``y``/``Y`` → ``y``; ``C``, ``C_0``, ``J`` → ``C`` (the per-sample
  cost: derivatives are checked per sample, as the notes write them); ``e`` is Euler's number.
- ``\\delta_k``/``\\delta^{(k)}`` → ``delta{k}`` = dC/dz_k (derive's naming) unless the notes
  define δ themselves with ``\\underbrace{…}_{\\delta}``; any other name is kept as written
  (``W_{\\text{hidden}}`` is ``W_hidden``) and is not a quantity of the network.
- Functions: ``\\sigma``, ``sigmoid``, ``\\text{Relu}``, ``ReLU``, ``\\tanh``, … (any case)
  are the registry's activations; ``\\sigma'(z)`` is its derivative; ``(z_1 > 0)`` is the
  step function, relu's derivative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

import sympy as sp
from sympy.core.function import AppliedUndef

from .notes import UNICODE

_GREEK = set(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta iota kappa lambda mu nu xi pi "
    "rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi "
    "Psi Omega".split()
)
_GREEK_SHOW = {"sigma": "σ", "delta": "δ", "Delta": "Δ", "alpha": "α", "eta": "η", "lambda": "λ"}
# Words for the registry's activations, lower-cased; ``sigma`` is the notes' sigmoid.
ACTIVATION_WORDS = {
    "sigma": "sigmoid",
    "sigmoid": "sigmoid",
    "relu": "relu",
    "tanh": "tanh",
    "softmax": "softmax",
    "softplus": "softplus",
    "silu": "silu",
    "swish": "silu",
    "gelu": "gelu",
    "elu": "elu",
    "identity": "identity",
    "leaky_relu": "leaky_relu",
}
_LAYERED = {"w": "W", "b": "b", "a": "A", "z": "z"}
STEP = sp.Function("step")  # (z > 0): relu's derivative
_NUM = r"(?:\d+|m|n)"
SHAPE_RE = re.compile(
    rf"^[\[(]\s*({_NUM})\s*(?:\\times|\\cdot|x|,)\s*({_NUM})\s*[\])]$|^({_NUM})\s*\\times\s*({_NUM})$"
)
_ONE_SHAPE = rf"[\[(]\s*{_NUM}\s*(?:\\cdot|,|x)\s*{_NUM}\s*[\])]"
_NAMED_SHAPE = re.compile(
    rf"^(?P<who>.+?)\s*(?:\\in\s*\\mathbb\s*\{{?R\}}?\s*\^\s*\{{\s*(?P<a>{_NUM})\s*\\cdot\s*"
    rf"(?P<b>{_NUM})\s*\}}|:?\s*(?P<s>{_ONE_SHAPE})|\s(?P<e>{_NUM})\s*\\cdot\s*(?P<f>{_NUM}))$"
)
_SHAPE_PRODUCT = re.compile(rf"^\s*{_ONE_SHAPE}(\s*(?:\\cdot)?\s*{_ONE_SHAPE})+\s*$")
_MATRIX_ENV = re.compile(r"\\begin\{([bpvBV]?matrix|array)\}")
_D = re.compile(r"\s*(d|\\partial|\\mathrm\{d\}|\\operatorname\{d\})\s*")
_S = rf"([\[(]?\s*{_NUM}\s*(?:\\cdot|,|x)\s*{_NUM}\s*[\])]?)"
_ANNOTATION = re.compile(
    rf"\s*(?:_\s*\{{\s*{_S}\s*\}}|_\s*{_S}|\\leftarrow\s*{_S}|\\text\{{[^{{}}]*shape[^{{}}]*\}}\s*{_S})"
)


class NotUnderstood(Exception):
    """A formula (or part of one) the reader cannot read; the message says why."""


def sym(name: str) -> sp.Symbol:
    """The SymPy symbol of a canonical name."""
    return sp.Symbol(name, real=True)


def act_function(name: str, prime: bool = False):
    """The placeholder function for an activation (or its derivative) in a parsed claim;
    the checker replaces it by the network's own."""
    return sp.Function(name + ("'" if prime else ""))


@dataclass
class Label:
    """An ``\\underbrace{content}_{label}``: a symbol definition or a description."""

    content: str
    label: str  # the label's text: "\\delta", "sigmoid prime", "cost derivative"
    symbol: str | None = None  # canonical name when the label is one name
    line: int = 0
    slot: sp.Symbol | None = None  # stands for a described part inside the parsed formula


@dataclass
class Member:
    """One side of an ``=`` chain."""

    line: int
    tex: str
    kind: str  # deriv | chain | matrix | number | expr | shape | empty | bad
    value: object = None  # (N, D) | [(N, D), ...] | sp.Matrix | sp.Expr | (rows, cols)
    error: str = ""
    fracs: dict = field(default_factory=dict)  # symbol -> (N, D) for fractions inside an expr
    style: str = "d"  # "d" or "∂", as the notes write their derivatives
    operands: list = field(default_factory=list)  # matrix members: [(Matrix, op), ...]


@dataclass
class Formula:
    line: int
    tex: str
    members: list[Member]
    labels: list[Label] = field(default_factory=list)
    annotations: list = field(default_factory=list)  # (Matrix, (rows, cols), tex)
    display: bool = True
    update: bool = False  # w := w + Δw: an assignment, not an equation


class Names:
    """The forgiving name rule of the module docstring; remembers how the notes spell names."""

    def __init__(self, layers: int | None = None):
        self.layers = layers
        self.line = 0  # the line being read, for ``show``
        self.spelling: dict[str, list[tuple[int, str]]] = {}

    def layer(self, index: str | None) -> str | None:
        if index is None:
            return None
        index = index.replace(" ", "")
        if index.isdigit():
            return str(int(index))
        m = re.fullmatch(r"[Ll](?:-(\d+))?", index)
        if not m:
            return None
        back = int(m.group(1) or 0)
        if self.layers is None:
            return "L" if not back else f"L-{back}"
        return str(self.layers - back)

    def canonical(self, base: str, sub: str | None, sup: str | None) -> str:
        low = base.lower()
        if low in _LAYERED and len(base) == 1:
            k = self.layer(sup) if sup is not None else self.layer(sub)
            if k is not None and (sup is None or sub is None):
                return "x" if (low == "a" and k == "0") else f"{_LAYERED[low]}{k}"
        if low in ("x", "y") and sub is None and sup is None:
            return low
        if base in ("C", "J") and sup is None and sub in (None, "0"):
            return "C"
        if base == "delta" and (sup or sub):
            k = self.layer(sup if sup is not None else sub)
            if k is not None:
                return f"delta{k}"
        text = base + (f"_{sub}" if sub else "") + (f"^{sup}" if sup else "")
        return text

    def remember(self, canonical: str, base: str, sub: str | None, sup: str | None):
        sub = sub if not sub or sub.isalnum() and (len(sub) == 1 or sub.isdigit()) else f"_{sub}"
        show = _GREEK_SHOW.get(base, base) + (sub or "") + (f"({sup})" if sup else "")
        seen = self.spelling.setdefault(canonical, [])
        if not seen or seen[-1] != (self.line, show):
            seen.append((self.line, show))

    def show(self, canonical: str, line: int | None = None) -> str:
        """How the notes spell a name: as last written at or before ``line``, else first."""
        seen = self.spelling.get(canonical)
        if not seen:
            return canonical
        before = [s for ln, s in seen if line is None or ln <= line]
        return before[-1] if before else seen[0][1]

    def spelling_at(self, line: int | None) -> dict[str, str]:
        return {name: self.show(name, line) for name in self.spelling}


def clean(tex: str) -> str:
    """Normalise the LaTeX of a formula: unicode, spacing, \\left/\\right, fonts, \\text."""
    for uni, rep in UNICODE.items():
        tex = tex.replace(uni, rep)
    tex = re.sub(r"\\(label|tag)\{[^{}]*\}", "", tex)
    tex = re.sub(r"\\(left|right|bigl|bigr|Bigl|Bigr|big|Big|bigg|Bigg)\s*\.", "", tex)
    tex = re.sub(r"\\(left|right|bigl|bigr|Bigl|Bigr|big|Big|bigg|Bigg)(?![a-zA-Z])", "", tex)
    tex = re.sub(r"(?<!\\)\\(,|;|:|!|quad\b|qquad\b|displaystyle\b| )", " ", tex).replace("~", " ")
    tex = re.sub(r"\\[dt]frac\b", r"\\frac", tex)
    tex = re.sub(r"\\(times|ast)\b", r"\\cdot", tex)
    tex = re.sub(r"\^\s*\{?\s*\\prime\s*\}?|\^\{'\}", "'", tex)
    tex = re.sub(r"\\(mathbf|boldsymbol|bm|boxed|mathit)\s*\{([^{}]*)\}", r"\2", tex)
    tex = re.sub(
        r"\\(text|mathrm|textrm|operatorname|mbox|textit)\s*\{\s*([A-Za-z_]+)\s*\}", r"\2", tex
    )
    return tex.strip().rstrip(".,;").strip()


def drop_alignment(tex: str) -> str:
    """Remove the ``&`` of align environments, keeping those that separate matrix cells."""
    out, env, i = [], 0, 0
    while i < len(tex):
        if tex.startswith("\\begin{", i):
            env += 1
        elif tex.startswith("\\end{", i):
            env -= 1
        if tex[i] == "&" and env == 0 and tex[i - 1 : i] != "\\":
            out.append(" ")
        else:
            out.append(tex[i])
        i += 1
    return "".join(out)


def group(tex: str, i: int) -> tuple[str, int]:
    """The braced group starting at ``tex[i]`` (or the single character there): (content, end)."""
    while i < len(tex) and tex[i] == " ":
        i += 1
    if i >= len(tex):
        raise NotUnderstood("a formula ends too early")
    if tex[i] != "{":
        if tex[i] == "\\":
            m = re.match(r"\\[A-Za-z]+", tex[i:])
            if m:
                return m.group(), i + m.end()
        return tex[i], i + 1
    depth = 0
    for j in range(i, len(tex)):
        if tex[j] == "{" and tex[j - 1] != "\\":
            depth += 1
        elif tex[j] == "}" and tex[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return tex[i + 1 : j], j + 1
    raise NotUnderstood("unbalanced braces")


def split_top(tex: str, sep: str) -> list[str]:
    """``tex`` split at ``sep`` outside braces, parentheses and environments."""
    parts, depth, env, last, i = [], 0, 0, 0, 0
    while i < len(tex):
        if tex.startswith("\\begin{", i):
            env += 1
        elif tex.startswith("\\end{", i):
            env -= 1
        elif tex[i] in "{([" and tex[i - 1 : i] != "\\":
            depth += 1
        elif tex[i] in "})]" and tex[i - 1 : i] != "\\":
            depth -= 1
        elif tex.startswith(sep, i) and depth == 0 and env == 0:
            if not (sep == "=" and (tex[i - 1 : i] in (":", "<", ">", "!"))):
                parts.append(tex[last:i])
                last = i = i + len(sep)
                continue
        i += 1
    parts.append(tex[last:])
    return parts


class Reader:
    """Reads formulas into ``Formula``s; one per notes file (it keeps the spellings)."""

    def __init__(self, names: Names, functions: dict[str, str] | None = None):
        self.names = names
        self.functions = dict(ACTIVATION_WORDS)
        self.slots: list[sp.Symbol] = []
        for fname in functions or {}:
            self.functions[fname.lower()] = fname

    # ------------------------------------------------------------------ formulas
    def formula(self, tex: str, line: int, display: bool = True) -> Formula:
        cleaned = drop_alignment(clean(tex))
        labels: list[Label] = []
        try:
            cleaned = self._underbraces(cleaned, labels, line)
        except NotUnderstood as err:
            return Formula(line, tex, [Member(line, tex, "bad", error=str(err))], display=display)
        form = Formula(line, tex, [], labels=labels, display=display)
        if ":=" in cleaned:
            form.update = True
        parts = split_top(cleaned, "=")
        shown = split_top(drop_alignment(" ".join(tex.split())), "=")
        shown = shown if len(shown) == len(parts) else parts
        for part, text in zip(parts, shown, strict=True):
            if not part.strip():
                form.members.append(Member(line, "", "empty"))
                continue
            member = self.member(part.strip(), line, form.annotations)
            member.tex = text.strip()
            form.members.append(member)
        if len(parts) == 2 and form.members[0].kind == "expr" and form.members[1].kind == "expr":
            left = form.members[0].value
            if isinstance(left, sp.Symbol) and left in form.members[1].value.free_symbols:
                form.update = True  # w = w + Δw
        return form

    def _underbraces(self, tex: str, labels: list[Label], line: int) -> str:
        while True:
            m = re.search(r"\\(underbrace|overbrace)\s*", tex)
            if not m:
                return tex
            content, end = group(tex, m.end())
            rest = tex[end:].lstrip()
            label = ""
            if rest[:1] in ("_", "^"):
                label, end2 = group(rest, 1)
                end = len(tex) - len(rest) + end2
            label_text = re.sub(r"\\(text|mathrm|textrm|mbox)\s*\{([^{}]*)\}", r"\2", label)
            entry = Label(content.strip(), label_text.strip(), line=line)
            try:
                single = self.single_name(label_text)
            except NotUnderstood:
                single = None
            if single and not re.search(r"\s", label_text.strip()):
                entry.symbol = single
            inner = "(" + content + ")"
            if label_text.strip():
                labels.append(entry)
                if entry.symbol is None:  # a description: the checker decides how to read it
                    entry.slot = sp.Symbol(f"⟨{label_text.strip()} @{line}.{len(labels)}⟩")
                    inner = self.slot(entry.slot)
            tex = tex[: m.start()] + inner + tex[end:]

    def member(self, tex: str, line: int, annotations: list) -> Member:
        try:
            return self._member(tex, line, annotations)
        except NotUnderstood as err:
            return Member(line, tex, "bad", error=str(err))
        except Exception as err:  # the parser's own errors: the member is not understood
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            return Member(line, tex, "bad", error=f"not understood ({first})")

    def _member(self, tex: str, line: int, annotations: list) -> Member:
        shape = SHAPE_RE.match(tex.strip())
        if shape:
            rows, cols = shape.group(1) or shape.group(3), shape.group(2) or shape.group(4)
            return Member(line, tex, "shape", value=(_dim(rows), _dim(cols)))
        if _SHAPE_PRODUCT.match(tex):
            dims = [(_dim(a), _dim(b)) for a, b in _shapes_in(tex)]
            return Member(line, tex, "shapes", value=dims)
        named = _NAMED_SHAPE.match(tex.strip())
        if named and not _MATRIX_ENV.search(tex):
            who = named.group("who").strip()
            fr = list(self.leibniz(who))
            target = (fr[0][2], fr[0][3]) if len(fr) == 1 else self.single_name(who)
            if target is not None:
                dims = _shapes_in(named.group("s")) if named.group("s") else None
                a, b = (
                    dims[0]
                    if dims
                    else (
                        named.group("a") or named.group("e"),
                        named.group("b") or named.group("f"),
                    )
                )
                return Member(line, tex, "shape", value=(_dim(a), _dim(b)), operands=[target])
        fracs = list(self.leibniz(tex))
        if fracs and fracs[0][0] == 0 and fracs[0][1] == len(tex) and len(fracs) == 1:
            f = fracs[0]
            return Member(line, tex, "deriv", value=(f[2], f[3]), style=f[4])
        if fracs:
            rest = tex
            for start, end, *_ in reversed(fracs):
                rest = rest[:start] + rest[end:]
            style = fracs[0][4]
            if not re.sub(r"\\cdot|[\s()]", "", rest):
                return Member(line, tex, "chain", value=[(f[2], f[3]) for f in fracs], style=style)
            table, out = {}, tex
            for start, end, num, den, _ in reversed(fracs):
                token = sp.Symbol(f"∂{num}/∂{den}", real=True)
                table[token] = (num, den)
                out = out[:start] + f" {self.slot(token)} " + out[end:]
            expr = self.expr(out)
            return Member(line, tex, "expr", value=expr, fracs=table, style=style)
        if _MATRIX_ENV.search(tex) or _bracket_lists(tex):
            return self._matrix_member(tex, line, annotations)
        expr = self.expr(tex)
        kind = "number" if not expr.free_symbols and not expr.atoms(AppliedUndef) else "expr"
        return Member(line, tex, kind, value=expr)

    # ------------------------------------------------------------------ derivatives
    def leibniz(self, tex: str):
        """(start, end, numerator, denominator, style) for each Leibniz fraction in ``tex``."""
        for m in re.finditer(r"\\frac\s*", tex):
            try:
                num, i = group(tex, m.end())
                den, j = group(tex, i)
            except NotUnderstood:
                continue
            dn, dd = _D.match(num), _D.match(den)
            if not (dn and dd):
                continue
            top, bottom = num[dn.end() :].strip(), den[dd.end() :].strip()
            if not top or not bottom:
                raise NotUnderstood("a derivative operator d/dx applied to an expression")
            n, d = self.single_name(top), self.single_name(bottom)
            if n is None or d is None:
                raise NotUnderstood(f"cannot read the derivative d({top})/d({bottom})")
            style = "∂" if "partial" in dn.group(1) else "d"
            yield m.start(), j, n, d, style

    def single_name(self, tex: str) -> str | None:
        """The canonical name when ``tex`` is exactly one name, else None."""
        parsed = self._names(clean(tex).strip(), {}, [], [])
        return parsed[1] if parsed and parsed[0] == "v_{0}" else None

    # ------------------------------------------------------------------ expressions
    def slot(self, symbol: sp.Symbol) -> str:
        """A token that the parser reads as ``symbol`` (a derivative, a labelled part)."""
        self.slots.append(symbol)
        return f"\\slot{{{len(self.slots) - 1}}}"

    def expr(self, tex: str) -> sp.Expr:
        """SymPy for an expression in names, numbers and functions."""
        tex = clean(tex)
        tex = re.sub(r"\(\s*([^()<>=]+?)\s*(?:>|\\geq|\\ge|\\gt)\s*0\s*\)", r"\\step(\1)", tex)
        tex = re.sub(r"\[\s*([^\[\]<>=]+?)\s*(?:>|\\geq|\\ge|\\gt)\s*0\s*\]", r"\\step(\1)", tex)
        canon: dict[str, str] = {}
        funcs: list[tuple[str, bool]] = []
        parsed = self._names(tex, canon, funcs, [])
        if parsed is None:
            raise NotUnderstood("empty formula")
        text = parsed[0]
        if re.search(r"[<>]|\\(?!frac|cdot|sqrt|exp|log|ln)[A-Za-z]+", text):
            raise NotUnderstood(f"cannot read `{tex}`")
        result = _parse(text)
        _guard(result)
        if not isinstance(result, sp.Expr):
            raise NotUnderstood(f"`{tex}` is not an expression")
        subs = {sp.Symbol(f"v_{{{k}}}"): _name_value(name) for k, name in enumerate(canon.values())}
        subs.update({sp.Symbol(f"u_{{{k}}}"): t for k, t in enumerate(self.slots)})
        subs[sp.Symbol("e")] = sp.E

        def fn(e):
            k = int(re.fullmatch(r"f_\{(\d+)\}", e.func.__name__).group(1))
            fname, prime = funcs[k]
            if len(e.args) != 1:
                raise NotUnderstood(f"{fname} takes one argument")
            return (STEP if fname == "step" else act_function(fname, prime))(*e.args)

        result = result.replace(
            lambda e: isinstance(e, AppliedUndef) and re.fullmatch(r"f_\{\d+\}", e.func.__name__),
            fn,
        )
        result = result.xreplace(subs)
        stray = [s for s in result.free_symbols if s not in set(subs.values())]
        if stray:
            raise NotUnderstood(f"cannot read `{tex}` (stray {stray[0]})")
        return result

    def _names(self, tex: str, canon: dict, funcs: list, _):
        """Replace every name by a placeholder ``v_{k}`` and every function by ``f_{k}``;
        returns (text, canonical name of the first name) or None when there is nothing."""
        out, i, first = [], 0, None
        while i < len(tex):
            ch = tex[i]
            if ch == "\\":
                m = re.match(r"\\([A-Za-z]+)", tex[i:])
                if not m:
                    out.append(tex[i : i + 2])
                    i += 2
                    continue
                cmd = m.group(1)
                if cmd in ("frac", "cdot", "sqrt", "exp", "log", "ln"):
                    out.append(f"\\{cmd} ")
                    i += m.end()
                    continue
                if cmd == "slot":
                    k, i = group(tex, i + m.end())
                    out.append(f" u_{{{k}}} ")
                    continue
                if cmd == "step":
                    funcs.append(("step", False))
                    out.append(f"f_{{{len(funcs) - 1}}}")
                    i += m.end()
                    continue
                if cmd not in _GREEK and cmd.lower() not in self.functions:
                    raise NotUnderstood(f"cannot read \\{cmd}")
                base, i = cmd, i + m.end()
            elif ch.isalpha():
                word = re.match(r"[A-Za-z_]+", tex[i:]).group().rstrip("_")
                if word in ("exp", "log", "ln"):
                    out.append(f"\\{word} ")
                    i += len(word)
                    continue
                if word.lower() in self.functions and len(word) > 1:
                    base, i = word, i + len(word)
                else:
                    base, i = ch, i + 1
            else:
                out.append(ch)
                i += 1
                continue
            sub = sup = None
            prime = False
            while i < len(tex):
                if tex[i] == "_" and sub is None:
                    sub, i = group(tex, i + 1)
                    sub = re.sub(r"\\(text|mathrm)\s*\{([^{}]*)\}", r"\2", sub).strip()
                    sub = sub.replace(" ", "")
                elif tex[i] == "^" and sup is None:
                    content, j = group(tex, i + 1)
                    layer = re.fullmatch(r"\s*[(\[]\s*([^()\[\]]+?)\s*[)\]]\s*", content)
                    if not layer:
                        break
                    sup, i = layer.group(1).replace(" ", ""), j
                elif tex[i] == "'":
                    prime, i = True, i + 1
                else:
                    break
            follows = tex[i:].lstrip()[:1]
            fname = self.functions.get(base.lower())
            if fname and (follows == "(" or prime) and sub is None and sup is None:
                funcs.append((fname, prime))
                out.append(f"f_{{{len(funcs) - 1}}}")
                continue
            if prime:
                raise NotUnderstood(f"{base}' is the derivative of an unknown function")
            name = self.names.canonical(base, sub, sup)
            self.names.remember(name, base, sub, sup)
            if name not in canon:
                canon[name] = name
            k = list(canon).index(name)
            first = first or name
            out.append(f" v_{{{k}}} " + ("\\cdot " if follows == "(" else ""))
        text = "".join(out).strip()
        return (text, first) if text else None

    # ------------------------------------------------------------------ matrices
    def _matrix_member(self, tex: str, line: int, annotations: list) -> Member:
        """A product/sum of written matrices and numbers, e.g. ``A \\cdot B``, ``A + B``."""
        items: list[tuple[str, object]] = []  # ("M", Matrix) | ("op", text) | ("num", Expr)
        i, src = 0, tex
        while i < len(src):
            m = _MATRIX_ENV.match(src, i)
            bl = re.match(r"\[([^\[\]]*,[^\[\]]*)\]", src[i:])
            if m:
                end_tag = f"\\end{{{m.group(1)}}}"
                close = src.find(end_tag, i)
                if close < 0:
                    raise NotUnderstood("a matrix without \\end")
                body = src[m.end() : close]
                if m.group(1) == "array":
                    _, k = group(body, 0)
                    body = body[k:]
                mat = self._cells(body)
                i = close + len(end_tag)
            elif bl and not SHAPE_RE.match(bl.group().strip()):
                mat = sp.Matrix([[self._cell(c) for c in bl.group(1).split(",")]])
                i += bl.end()
            else:
                ann = _ANNOTATION.match(src, i)
                if ann and items and items[-1][0] == "M":
                    text = next(g for g in ann.groups() if g)
                    dims = re.findall(_NUM, text)
                    annotations.append((items[-1][1], (_dim(dims[0]), _dim(dims[1])), text, line))
                    i = ann.end()
                    continue
                tok = re.match(r"\s*(\\cdot|[+-])\s*|\s*(-?\d+(?:\.\d+)?)\s*|\s+", src[i:])
                if not tok:
                    raise NotUnderstood(f"cannot read `{src[i : i + 20].strip()}` beside a matrix")
                if tok.group(1):
                    items.append(("op", tok.group(1)))
                elif tok.group(2):
                    items.append(("num", sp.Rational(Fraction(tok.group(2)))))
                i += tok.end()
                continue
            items.append(("M", mat))
        return Member(line, tex, "matrix", operands=items)

    def _cells(self, body: str) -> sp.Matrix:
        rows = [r for r in re.split(r"\\\\", body) if r.strip() and not r.strip() == "\\hline"]
        cells = [[self._cell(c) for c in r.split("&")] for r in rows]
        if not cells or len({len(r) for r in cells}) != 1:
            raise NotUnderstood("a matrix with rows of different lengths")
        return sp.Matrix(cells)

    def _cell(self, text: str) -> sp.Expr:
        text = text.strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return sp.Rational(Fraction(text))
        return self.expr(text)


def _shapes_in(text: str) -> list[tuple[str, str]]:
    return re.findall(rf"[\[(]\s*({_NUM})\s*(?:\\cdot|,|x)\s*({_NUM})\s*[\])]", text)


def _guard(expr) -> None:
    """Refuse numbers too large to check before anything evaluates them (the parser leaves
    ``10^{10^{10}}`` unevaluated; SymPy would try to compute it)."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow) and not node.exp.free_symbols:
            limit = 64 if not node.base.free_symbols else 10**6
            size = sp.N(node.exp, 15)
            if not size.is_number or abs(size) > limit:
                raise NotUnderstood("a power too large to check")
        elif isinstance(node, sp.factorial) and not node.args[0].free_symbols:
            if abs(sp.N(node.args[0], 15)) > 200:
                raise NotUnderstood("a factorial too large to check")


@lru_cache(maxsize=4096)
def _parse(text: str):
    """SymPy's LaTeX parser (ANTLR, strict) on placeholder text, which it is slow on (about
    0.05 s a formula): a lone name or number skips it, and results are cached."""
    if re.fullmatch(r"\s*v_\{\d+\}\s*", text):
        return sp.Symbol(text.strip())
    if re.fullmatch(r"\s*\d+(\.\d+)?\s*", text):
        return sp.Rational(Fraction(text.strip()))
    from sympy.parsing.latex import parse_latex

    return parse_latex(text, strict=True)


def _dim(text: str):
    return int(text) if text.isdigit() else text


def _name_value(name: str):
    return sp.E if name == "e" else sym(name)


def _bracket_lists(tex: str) -> bool:
    return any(
        not SHAPE_RE.match(m.group().strip()) for m in re.finditer(r"\[([^\[\]]*,[^\[\]]*)\]", tex)
    )
