"""LaTeX for the engine's expressions: ``IRPrinter`` prints IR nodes and scalar chain values,
``tex_name`` turns the code's names (``W2``, ``A1``, ``delta2``) into W_2 or W^{(2)}, and
``visible_width`` measures a line so the document can break it where the page is full.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from derive.engine import namer
from derive.engine.chain import symbol
from derive.engine.ir import (
    Elementwise,
    MatMul,
    Node,
    NodePrinter,
    Transpose,
    Var,
    placeholder,
)
from derive.engine.layers import m_symbol
from derive.engine.registry import ActivationFunction
from derive.engine.timeloop import timed_backward

WIDTH = 58  # a display line's budget in printed glyphs (A4, 2 cm margins, 11 pt)
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "nu",
          "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega"}  # fmt: skip
# Batch and layer norm's quantities, as courses write them: x-hat, sigma, sigma squared.
_HEADS = {"xhat": r"\hat{x}", "std": r"\sigma", "var": r"{\sigma^{2}}"}


# ------------------------------------------------------------------------------ names
def tex_name(name: str, notation: str = "subscript", *, grad: bool = False, top: bool = False):
    """The one mapping from the code's names to the page's: W2 -> W_{2} (or W^{(2)}),
    delta2 -> \\delta_{2}, a gradient dA1 -> \\mathrm{d}A_{1}; ``top`` adds a transpose."""
    prefix = ""
    if grad and not namer.is_delta(name) and (of := namer.gradient_of(name)) is not None:
        prefix, name = r"\mathrm{d}", of
    parts = namer.parse(name)
    if parts is None:
        return (
            prefix + r"\mathit{{{}}}".format(name.replace("_", r"\_")) + (r"^{\top}" if top else "")
        )
    base, index, rest = parts.base, parts.index, parts.step
    if len(base) == 1:
        head = base
    elif base in _HEADS:
        head = _HEADS[base]
    elif base in _GREEK:
        head = "\\" + base
    else:
        head = rf"\mathit{{{base}}}"
    subs, sups = [], []
    if index:
        (sups if notation == "superscript" else subs).append(
            f"({index})" if notation == "superscript" else index
        )
    if rest in ("t", "(t-1)") or (rest or "").isdigit():  # a time step of a recurrence
        subs.append(rest.strip("()"))
    elif rest:
        subs.append(r"\mathrm{{{}}}".format(rest.replace("_", r"\_")))
    if top:
        sups.append(r"\top")
    out = prefix + head
    if subs:
        out += "_{{{}}}".format(",".join(subs))
    if sups:
        out += "^{{{}}}".format("".join(sups))
    return out


def shape_tex(shape) -> str:
    return rf"[{shape[0]} \times {shape[1]}]"


def _paren(tex: str) -> str:
    """Brackets that grow only around tall contents (fractions, sums)."""
    if any(tall in tex for tall in (r"\frac", r"\sum", "matrix", r"\Big")):
        return rf"\left({tex}\right)"
    return f"({tex})"


def _is_indicator(expr) -> bool:
    """Piecewise((1, cond), (0, True)): relu's derivative, printed 1[cond]."""
    if not isinstance(expr, sp.Piecewise) or len(expr.args) != 2:
        return False
    (one, _), (zero, other) = expr.args
    return one == 1 and zero == 0 and other == sp.true


class _Arg(sp.Symbol):
    """Stands for a matrix argument of an elementwise expression while printing it."""


class _Group(sp.Symbol):
    """An argument that is itself a product or a sum (W^T delta): bracketed in products."""

    precedence = PRECEDENCE["Add"]


# ------------------------------------------------------------------------------ printer
class IRPrinter(NodePrinter, LatexPrinter):
    """LaTeX for derive's matrix expressions (``ir`` nodes) and scalar chain values.

    Names print as in the notes (W_2, A_1, \\delta_2), ``@`` as juxtaposition, transposes as
    ^\\top, sums as \\sum over the samples or the units, an activation by its LaTeX name, an
    indicator Piecewise as \\mathbf{1}[z > 0]. With ``elementwise``, products of matrices in an
    elementwise expression print with \\odot.
    """

    prefix = "_ir_"  # NodePrinter's methods: _print_Sum and _print_MatMul are SymPy's own

    def __init__(self, notation="subscript", grads=(), *, elementwise=False):
        super().__init__({"mul_symbol": r" \odot " if elementwise else None})
        self.notation, self.grads, self.elementwise = notation, set(grads), elementwise
        self.arg_tex: dict[str, str] = {}

    def name(self, n: str, *, top=False) -> str:
        return tex_name(n, self.notation, grad=n in self.grads, top=top)

    # -- scalar parts
    def _print_Symbol(self, expr, style="plain"):
        if expr.name in self.arg_tex:
            return self.arg_tex[expr.name]
        return self.name(expr.name)

    def _print_Function(self, expr, exp=None):
        if isinstance(expr, ActivationFunction):  # SymPy dispatches subclasses here
            head = expr.activation.latex if exp is None else f"{expr.activation.latex}^{{{exp}}}"
            return f"{head}{_paren(self._print(expr.args[0]))}"
        return super()._print_Function(expr, exp)

    def _print_SumUnits(self, expr, exp=None):
        tex = r"\sum_{\text{units}} " + self.parenthesize(expr.args[0], PRECEDENCE["Mul"])
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"

    def _print_Piecewise(self, expr):
        if _is_indicator(expr):
            return rf"\mathbf{{1}}[{self._print(expr.args[0].cond)}]"
        return super()._print_Piecewise(expr)

    def _print_Pow(self, expr):
        if isinstance(expr.base, _Group) and expr.exp.is_positive:
            return rf"\left({self._print(expr.base)}\right)^{{{self._print(expr.exp)}}}"
        return super()._print_Pow(expr)

    def _as_ordered_terms(self, expr, order=None):
        # W_1 x + b_1, as the notes write it: products of matrices first
        terms = super()._as_ordered_terms(expr, order=order)
        # and a term with a minus sign after those without (m delta - sum delta, as courses do)
        return sorted(
            terms,
            key=lambda t: (
                t.could_extract_minus_sign(),
                not any(isinstance(s, _Group) for s in t.free_symbols),
            ),
        )

    def factors(self, expr) -> tuple[sp.Expr, list[sp.Expr]] | None:
        r"""A product as (number, factors) in the notes' order: gradients and matrix products
        first (dA_2 \odot ...), then single quantities and functions, then sums in brackets
        (sigma(z)(1 - sigma(z))); None for a quotient, which SymPy prints as a fraction."""
        coeff, rest = expr.as_coeff_Mul()
        if not coeff.is_Rational or rest.is_Number:
            return None
        fs = list(rest.as_ordered_factors()) if rest.is_Mul else [rest]
        if any(f.is_Pow and f.exp.is_negative for f in fs):
            return None

        def rank(f):
            if isinstance(f, _Group) or (f.is_Symbol and f.name in self.grads):
                return 0
            return 2 if f.is_Add else 1

        return coeff, sorted(fs, key=rank)

    def factor_tex(self, f) -> str:
        if f.is_Add or f.could_extract_minus_sign() or isinstance(f, _Group):
            return _paren(self._print(f))
        return self._print(f)

    def _print_Rational(self, expr):
        # a spec's small constant (eps = 1e-5 is read as 1/100000) as a power of ten
        if expr.p == 1 and expr.q >= 1000 and str(expr.q).rstrip("0") == "1":
            return rf"10^{{-{len(str(expr.q)) - 1}}}"
        return super()._print_Rational(expr)

    def _print_Mul(self, expr):
        split = self.factors(expr)
        if split is None:
            num, den = sp.fraction(expr)
            if den.has(m_symbol):  # printed here, so the count in it is printed as a number
                sign = "- " if num.could_extract_minus_sign() else ""
                num = -num if sign else num
                return rf"{sign}\frac{{{self._print(num)}}}{{{self._print(den)}}}"
            return super()._print_Mul(expr)
        coeff, fs = split
        # the sample count is a number, not a matrix: m delta_2, not m \odot delta_2
        counts = [f for f in fs if f.free_symbols == {m_symbol}]
        sep = r" \odot " if self.elementwise else r"\, "
        body = sep.join(self.factor_tex(f) for f in fs if f not in counts)
        if counts:
            head = r"\, ".join(self._print(c) for c in counts)
            body = rf"{head}\, {body}" if body else head
        if coeff == 1:
            return body
        if coeff == -1:
            return "- " + body
        return ("- " if coeff < 0 else "") + self._print(abs(coeff)) + " " + body

    # -- matrix expressions
    def ir(self, node: Node) -> str:
        return self.print_node(node)

    # One method per IR node type (prefix _ir_: _print_Sum and _print_MatMul are SymPy's).
    def _ir_Var(self, node):
        return self.name(node.name)

    def _ir_Transpose(self, node):
        if isinstance(node.a, Var):
            return self.name(node.a.name, top=True)
        return rf"\left({self.ir(node.a)}\right)^{{\top}}"

    def _ir_MatMul(self, node):
        return f"{self._operand(node.a)} {self._operand(node.b)}"

    def _ir_Sum(self, node):
        below = "samples" if node.axis == 1 else "units"
        return rf"\sum_{{\text{{{below}}}}} {self._operand(node.a)}"

    def _ir_Elementwise(self, node):
        return self.doprint(self.expr(node))

    # Convolution by name (cross-correlation, conv_full: the full convolution with the flipped
    # kernel), pooling's gradient as routing to the argmax; the document defines each with its
    # index sums.
    def _ir_Repeat(self, node):
        return rf"\operatorname{{rep}}_{{{node.k}}}\left({self.ir(node.a)}\right)"

    def _ir_GroupSum(self, node):
        return rf"\sum_{{\text{{pixels}}}} {self._operand(node.a)}"

    def _ir_Rows(self, node):
        # the operand braced: it may carry a subscript of its own (an LSTM's z_{1,t})
        return rf"{{{self._operand(node.a)}}}_{{[{node.start}:{node.stop}]}}"

    def _ir_PadRows(self, node):
        return rf"\operatorname{{pad}}_{{{node.start}:{node.total}}}\left({self.ir(node.a)}\right)"

    # A time loop by its step (engine/timeloop.py): the layer as its kind applied to x, each
    # gradient as what the loop backwards adds up over t.
    def _ir_Recur(self, node):
        c = node.cell
        x = self.ir(node.args[0])
        return rf"\operatorname{{{c.kind}}}_{{t=1}}^{{{c.steps}}}\left({x}\right)"

    def _ir_RecurGrad(self, node):
        c = node.cell
        if node.i == 0:
            dx = self.name(namer.gradient(namer.layer("x", c.k, "t")))
            return rf"\left[{dx}\right]_{{t=1}}^{{{c.steps}}}"
        name = [None, *c.params][node.i]
        if name not in c.weights:  # a learned initial state: what reaches it, over the samples
            state = next(s for s in c.states if c.initial(s) == name)
            return rf"\sum_{{\text{{samples}}}} {self.name(namer.gradient(f'{state}_0'))}"
        term = dict((n, e) for n, e, _ in timed_backward(c))[f"{namer.gradient(name)}_t"]
        return rf"\sum_{{t=1}}^{{{c.steps}}} {self._operand(term)}"

    def _ir_Conv(self, node):
        return self._window_op("conv", node.w, node.x, node.win)

    def _ir_ConvGradW(self, node):
        return self._window_op("corr", node.x, node.g, node.win)

    def _ir_ConvGradX(self, node):
        return (
            rf"\operatorname{{conv}}^{{\text{{full}}}}_{{{_geometry(node.win)}}}"
            rf"\left({self.ir(node.g)}, \operatorname{{flip}}({self.ir(node.w)})\right)"
        )

    def _ir_MaxPool(self, node):
        return rf"\operatorname{{maxpool}}_{{{_pool_size(node.win)}}}\left({self.ir(node.x)}\right)"

    def _ir_PoolGrad(self, node):
        return (
            rf"\operatorname{{route}}_{{\arg\max {self.ir(node.x)}}}\left({self.ir(node.g)}\right)"
        )

    def _ir_WindowNode(self, node):  # a kind with no words of its own: name_{size}(operands)
        operands = ", ".join(self.ir(k) for k in node.children())
        return rf"\operatorname{{{node.name}}}_{{{_pool_size(node.win)}}}\left({operands}\right)"

    def _window_op(self, name, a, b, win) -> str:
        return (
            rf"\operatorname{{{name}}}_{{{_geometry(win)}}}\left({self.ir(a)}, {self.ir(b)}\right)"
        )

    def _operand(self, node: Node) -> str:
        tex = self.ir(node)
        return tex if isinstance(node, Var | Transpose | MatMul) else rf"\left({tex}\right)"

    def expr(self, node: Node) -> sp.Expr:
        """An elementwise node as a SymPy expression in stand-ins for its arguments (named
        quantities keep their names, so that SymPy orders terms as 1 - A_2, A_2 - y)."""
        if not isinstance(node, Elementwise):
            return self._stand_in(node)
        return node.expr.xreplace(
            {placeholder(i): self._stand_in(a) for i, a in enumerate(node.args)}
        )

    def _stand_in(self, node: Node) -> sp.Expr:
        if isinstance(node, Var):
            return symbol(node.name)
        if isinstance(node, Elementwise) and not node.args:
            return node.expr  # a constant, e.g. the 1 that starts the backward pass
        key = f"__arg{len(self.arg_tex):05d}"
        self.arg_tex[key] = self.ir(node)
        cls = _Arg if isinstance(node, Transpose) and isinstance(node.a, Var) else _Group
        return cls(key, real=True)

    # -- line breaking
    def lines(self, obj, width: int = WIDTH) -> list[str]:
        """``obj`` (an expression or a node) printed and broken into lines of about ``width``
        glyphs, at the terms of a sum and the factors of a product."""
        if isinstance(obj, Node) and not isinstance(obj, Elementwise):
            return [self.ir(obj)]
        expr = self.expr(obj) if isinstance(obj, Node) else sp.sympify(obj)
        return self._split(expr, width)

    def _split(self, expr: sp.Expr, width: int) -> list[str]:
        tex = self.doprint(expr)
        if visible_width(tex) <= width:
            return [tex]
        pieces: list[list[str]] = []
        if expr.is_Add:
            for i, term in enumerate(self._as_ordered_terms(expr)):
                neg = term.could_extract_minus_sign()
                sub = self._split(-term if neg else term, width - 2)
                sub[0] = ("- " if neg else "+ " if i else "") + sub[0]
                pieces.append(sub)
            return pack_lines(pieces, width)
        split = self.factors(expr) if expr.is_Mul else None
        if split is not None:
            coeff, factors = split
            sep = r"\odot" if self.elementwise else r"\cdot"
            for i, f in enumerate(factors):
                ftex = self.factor_tex(f)
                if visible_width(ftex) > width and f.is_Add:
                    sub = self._split(f, width - 4)
                    sub[0], sub[-1] = r"\Bigl(" + sub[0], sub[-1] + r"\Bigr)"
                else:
                    sub = [ftex]
                if i:
                    sub[0] = f"{sep} {sub[0]}"
                elif coeff != 1:
                    sub[0] = ("- " if coeff == -1 else self._print(coeff) + " ") + sub[0]
                pieces.append(sub)
            return pack_lines(pieces, width)
        return [tex]


def pack_lines(pieces: list[list[str]], width: int) -> list[str]:
    """Greedy filling: pieces go on the current line while it fits; a piece that is already
    several lines long keeps its breaks."""
    out: list[str] = []
    current = ""
    for piece in pieces:
        for j, part in enumerate(piece):
            if current and (j > 0 or visible_width(current + " " + part) > width):
                out.append(current)
                current = part
            else:
                current = f"{current} {part}" if current else part
    if current:
        out.append(current)
    return out


def visible_width(tex: str) -> int:
    """About how many glyphs a line of LaTeX math prints (a fraction counts its wider part,
    the text under a brace does not count)."""
    # a brace is as wide as its contents or its label, whichever is wider (labels are small)
    t = re.sub(
        r"\\underbrace\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}_\{\\text\{([^{}]*)\}\}",
        lambda b: b[1] if visible_width(b[1]) >= 0.6 * len(b[2]) else "x" * int(0.6 * len(b[2])),
        tex,
    )
    t = re.sub(r"\\(left|right|Bigl|Bigr|mathrm|mathit|mathbf|operatorname|underbrace|text)\b",
               "", t)  # fmt: skip
    t = re.sub(r"\\(sinh|cosh|tanh|sin|cos|tan|log|exp|erf)\b", r"\1", t)  # printed in full
    t = t.replace(r"\frac", "\0")
    t = re.sub(r"\\[A-Za-z]+", "x", t)
    t = re.sub(r"\\[,;!:]", "", t)
    previous = None
    while previous != t:
        previous = t
        t = re.sub(r"([_^])\{([^{}]*)\}", r"\2", t)
        t = re.sub("\0\\{([^{}]*)\\}\\{([^{}]*)\\}", lambda f: max(f[1], f[2], key=len), t)
        t = re.sub(r"\{([^{}]*)\}", r"\1", t)
    return len(t.replace(" ", ""))


def _stride(win) -> str:
    sh, sw = win.stride
    return f"{sh}" if sh == sw else rf"({sh}, {sw})"


def _geometry(win) -> str:
    return f"s={_stride(win)}" + (f", p={win.padding}" if win.padding else "")


def _pool_size(win) -> str:
    """A pooling window, kh x kw, with its stride when that is not the window (the default)."""
    stride = "" if win.stride == (win.kh, win.kw) else f", s = {_stride(win)}"
    return rf"{win.kh}\times {win.kw}{stride}"
