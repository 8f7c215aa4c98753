"""The derivation matrix claims are judged against, and its forms in the notes' names.

``notes_derivation`` makes the network the notes' forward equations describe into a spec and
derives it (when there is no ``--spec``); ``expected`` writes a step of the derivation (a
gradient or a delta) in the notes' spelling, with the factor the notes' cost gives it.
"""

from __future__ import annotations

import re

import sympy as sp

from derive.engine import namer
from derive.engine.derivation import derive
from derive.engine.derivation import m as m_symbol
from derive.engine.ir import Elementwise, NodePrinter, Var, placeholder
from derive.engine.spec import from_dict
from derive.errors import DeriveError


def notes_derivation(defs: dict, softmax=None, sizes: dict | None = None):
    """The derivation of the network the notes' forward equations describe (z_k = W_k
    A_(k-1) + b_k, A_k = f(z_k), C in the last A and y), at sizes of this checker's choosing
    (4 inputs, hidden layers of 3, 6, 7, ... units, one output); None when the equations are
    not such a network. ``softmax`` (a ``softmax.SoftmaxCE``): the last layer is softmax with
    the cross-entropy cost, which the scalar equations cannot hold (10 classes). ``sizes``:
    layer -> units as the notes state them (0: the inputs); the rest are chosen unlike them."""
    sizes = sizes or {}
    pool = [n for n in (4, 3, 6, 7, 8, 9, 11, 12, 13, 14) if n not in sizes.values()]
    last = max((k for name in defs if (k := namer.numbered(name, "A"))), default=0)
    top = namer.numbered(softmax.z, "z") if softmax is not None else None
    if top and "C" not in defs and top == last + 1:
        last = top
    elif not last or "C" not in defs:
        return None
    else:
        top = None
    layers = []
    for k in range(1, last + 1):
        z, a = defs.get(namer.layer("z", k)), defs.get(namer.layer("A", k))
        prev = sp.Symbol("x" if k == 1 else namer.layer("A", k - 1), real=True)
        w, b = (sp.Symbol(namer.layer(base, k), real=True) for base in ("W", "b"))
        if z is None or sp.expand(z - (w * prev + b)) != 0:
            return None
        if top and k == last:
            layers.append({"units": sizes.get(k, 10), "activation": "softmax"})
            break
        act = getattr(type(a), "activation", None)
        if a is None or act is None or a.args != (sp.Symbol(namer.layer("z", k), real=True),):
            return None
        units = sizes.get(k, 1 if k == last else pool[min(k, len(pool) - 1)])
        layers.append({"units": units, "activation": act.name})
    if top:
        cost = {"name": "cross_entropy", "reduction": "sum" if softmax.mean is False else "mean"}
    else:
        a_last = sp.Symbol(namer.layer("A", last), real=True)
        if defs["C"].free_symbols - {a_last, sp.Symbol("y", real=True)}:
            return None
        cost = {"expr": str(defs["C"].xreplace({a_last: sp.Symbol("a")})), "reduction": "mean"}
    data = {"name": "notes", "inputs": sizes.get(0, pool[0]), "layers": layers, "cost": cost}
    try:
        return derive(from_dict(data, source="the notes' forward equations"))
    except DeriveError:
        return None


# ---------------------------------------------------------------------- expected forms
def expected(ck, b, kind: str, of: str, line: int, names: dict | None = None) -> str:
    """The derivation's form of the claim's left side (``b`` a ``matrix.Batch``), in the
    notes' names: a delta inside it is the notes' own (``dZ^{[2]}`` or ``\\delta_2``, as the
    notes name it, in the reading they use), so the factor in front is the one the notes'
    quantities need (1/m for dW = 1/m dZ A^T under a mean cost read per example), not
    derive's internal δ's. ``names``: z2 -> the notes' name of its delta (the claim's own
    first, then the notes')."""
    names = b.names if names is None else names
    step = b.d.step(of)
    node = step.simplified if step.simplified is not None else step.value
    per_example = b.mean and b.delta_reading != "batch"
    c_target = m_symbol if per_example and kind != "param" else 1
    c_delta = m_symbol if per_example else 1
    inner = [v for v in _vars(node) if _is_step(b, v)]
    if inner:  # linear in the inner deltas: only their reading's factor is left
        coef = sp.simplify(c_target / c_delta)
    else:
        coef = sp.simplify(c_target * sp.nsimplify(round(b.factor, 9)) * b.d.scale)
    form = _NotesForm(ck, names, line)
    if isinstance(node, Elementwise) and not coef.free_symbols:
        return form.elementwise(node, coef)
    body = form.print_node(node)
    return body if coef == 1 else f"({sp.sstr(coef)}) {body}"


def _vars(node):
    if isinstance(node, Var):
        yield node.name
    for child in node.children():
        yield from _vars(child)


def _is_step(b, name: str) -> bool:
    return any(s.name == name and s.kind != "param" for s in b.d.steps)


def _show_var(ck, names: dict, name: str, line) -> str:
    if namer.numbered(name, "A") and name in names:  # the softmax output as the notes name it
        return names[name]
    if namer.is_delta(name) and namer.gradient_of(name) in names:
        return names[namer.gradient_of(name)]  # the notes' own name: dZ(2), δ2
    return ck.reader.names.show({"x": "x", "y": "y"}.get(name, name), line)


def _plus_first(ck, expr, line) -> str:
    """A sum written with its positive terms first (Ŷ - Y, not -Y + Ŷ)."""
    if not isinstance(expr, sp.Add):
        return ck.show(expr, line)
    terms = sorted(expr.args, key=lambda t: t.could_extract_minus_sign())
    out = ck.show(terms[0], line)
    for t in terms[1:]:
        neg = t.could_extract_minus_sign()
        out += f" - {ck.show(-t, line)}" if neg else f" + {ck.show(t, line)}"
    return out


class _NotesForm(NodePrinter):
    """A derivation's node in the notes' matrix form: their names (``_show_var``), juxtaposed
    factors for ``@``, ``^T``, ``⊙`` for the elementwise product, one method per node type."""

    def __init__(self, ck, names: dict, line: int):
        self.ck, self.names, self.line = ck, names, line

    def _print_Var(self, node):
        return _show_var(self.ck, self.names, node.name, self.line)

    def _print_Transpose(self, node):
        return f"{self.print_node(node.a)}^T"

    def _print_MatMul(self, node):
        return f"({self.print_node(node.a)} {self.print_node(node.b)})"

    def _print_Sum(self, node):
        return f"Σ_samples({self.print_node(node.a)})"

    def _print_Elementwise(self, node):
        return self.elementwise(node)

    def elementwise(self, node: Elementwise, coef=1) -> str:
        """``node`` times ``coef``, a number: ``expected`` writes it inside the form, in front
        of the ⊙ product (``-2 (A2 - Y) ⊙ ...``), rather than as ``(-2) (...)``."""
        shown = [self.print_node(a) for a in node.args]
        subs = {placeholder(i): sp.Symbol(text) for i, text in enumerate(shown)}
        expr = (coef * node.expr).xreplace(subs)
        expr = expr.replace(
            lambda e: isinstance(e, sp.Piecewise) and len(e.args) == 2,
            lambda e: sp.Symbol(f"1[{e.args[0][1]}]"),
        )
        c, rest = expr.as_coeff_Mul() if isinstance(expr, sp.Mul) else (1, expr)
        text = re.sub(r"\s*\*\s*", " ⊙ ", _plus_first(self.ck, rest, self.line).replace("**", "^"))
        return text if c == 1 else ("-" if c == -1 else f"{sp.sstr(c)} ") + text

    # The notes' matrix form has no words for convolution, pooling or row blocks (the notes'
    # networks are dense layers); such a node is shown as the IR writes it.
    def _print_image(self, node):
        return repr(node)

    _print_Conv = _print_ConvGradW = _print_ConvGradX = _print_MaxPool = _print_image
    _print_AvgPool = _print_AvgPoolGrad = _print_Recur = _print_RecurGrad = _print_image
    _print_PoolGrad = _print_Repeat = _print_GroupSum = _print_Rows = _print_image
    _print_PadRows = _print_WindowNode = _print_image
