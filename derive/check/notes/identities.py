"""Check an identity about an activation or a cost by itself, with SymPy.

Courses state these outside any network: ``\\frac{d}{dz}\\sigma(z) = \\sigma(z)(1-\\sigma(z))``,
``\\tanh'(z) = 1 - \\tanh^2(z)``, ``\\frac{\\partial}{\\partial a}(a-y)^2 = 2(a-y)``. Such a
claim is an identity in its own variables (``z``, ``a``): the left side is differentiated by
``sympy.diff`` (an activation's derivative is derived from its registry expression, never
typed in) and compared with the right side at random points. A wrong one names the usual
mistakes: the activation written where its derivative belongs, the derivative of another
activation, a sign or a constant factor; the expected form is written as the notes write.

An identity is taken only when none of its names is a quantity the network defines, so a
claim about the notes' own network (``\\sigma'(z_1) = a_1(1 - a_1)``) keeps its usual check.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.core.function import AppliedUndef

from derive.engine.registry import ACTIVATIONS, a, expand_activations

from .claims import Member
from .deriv import derivative
from .expr import act_function
from .functions import plain
from .numbers import Unknown, random_points, same, value_at
from .state import VERDICTS, Checking
from .tex import NotUnderstood, clean, group

_D = re.compile(r"^\s*(d|\\partial|\\mathrm\{d\}|\\operatorname\{d\})\s*")
# a cost written as a function (J(\Theta), C(w, b), E(\mathbf{w})): the walk's other checks
# a named function applied, the numerator of \frac{\partial \log(x)}{\partial x}
_APPLIED = re.compile(r"^\\(log|ln|exp|sigma|tanh)(?![A-Za-z])")
_COST_CALL = re.compile(r"^\s*(J|C|E|L|\\ell|\\mathcal\s*\{?[CJEL]\}?)\s*(\(|\\left\s*\()")


def claim(ck: Checking, members: list[Member]) -> bool:
    """Check ``members`` as an identity when they are one; False when they are not one (the
    walk then tries its other checks)."""
    first = members[0]
    parsed = _operator(ck, first) if first.kind == "bad" else _primed(ck, first)
    if parsed is None:
        return False
    body, var, style = parsed
    net = ck.net
    defined = (set(net.defs) | set(net.shapes)) if net else set()  # a spec's names too
    names = {s.name for s in body.free_symbols}
    for m in members[1:]:
        if m.kind in ("expr", "number"):
            names |= {s.name for s in m.value.free_symbols}
    if first.kind == "bad":
        names.discard(var.name)  # d/da (a - y)^2: the variable is free even where a is defined
    if names & defined:
        if first.kind == "bad" and isinstance(body, sp.Symbol) and net.known(var.name):
            # d/dx C written as an operator: a derivative claim
            lhs = Member(first.line, first.tex, "deriv", value=(body.name, var.name), style=style)
            for m in members[1:]:
                derivative(ck, lhs, m)
            return True
        if first.kind == "bad" and net.defs and net.known(var.name):
            for m in members[1:]:  # d/dz1 tanh(z1) = 1 - a1^2: through the network's names
                _through_network(ck, first, m, body, var, style)
            return True
        return False
    for m in members[1:]:
        _one(ck, first, m, body, var)
    return True


def _through_network(ck: Checking, first: Member, m: Member, body, var, style):
    """``\\frac{\\partial}{\\partial z_1}\\tanh(z_1) = 1 - a_1^2`` with a_1 = tanh(z_1) in
    the network: both sides in the network's names, the left differentiated through it."""
    net, line = ck.net, m.line
    text = f"{first.tex} = {m.tex}"
    try:
        _need_expression(m)
        left = ck.prepare(body)
        truth = net.deriv_of(left, var.name)
        mine = net.full(ck.prepare(m.value, m.fracs))
        ok = same(mine, net.full(truth))
    except Unknown as err:
        ck.add(line, "derivative", text, "unknown", message=str(err))
        return
    expected = ck.show(net.named(truth), line)
    if ok is not False:
        ck.add(line, "derivative", text, VERDICTS[ok], expected)
        return
    shown_var, shown_left = ck.show(var, line), ck.show(left, line)
    why = f"{style}/{style}{shown_var} of {shown_left} is {expected}"
    if same(mine, net.full(left)):
        why = f"this is {shown_left} itself: the function where its derivative belongs"
    elif same(mine, -net.full(truth)):
        why = "the sign is wrong"
    ck.add(line, "derivative", text, "wrong", expected, why)


def _need_expression(m: Member) -> None:
    """An identity's right-hand side must be an expression or a number: else Unknown."""
    if m.kind == "bad":
        raise Unknown(m.error)
    if m.kind not in ("expr", "number"):
        raise Unknown("the right-hand side is not an expression")


def _operator(ck: Checking, first: Member):
    """``\\frac{d}{dz} f(z)``: (body, variable, style), or None."""
    tex = clean(first.tex)
    if not tex.startswith("\\frac"):
        return None
    try:
        num, i = group(tex, len("\\frac"))
        den, j = group(tex, i)
        top, bottom = _D.match(num), _D.match(den)
        if not (top and bottom):
            return None
        inside, after = num[top.end() :].strip(), tex[j:].strip()
        if inside and not after and _APPLIED.match(inside):
            if not re.fullmatch(r"[a-z]", den[bottom.end() :].strip()):
                return None  # by an entry (A_i) of a vector a softmax couples: not one variable
            after = inside  # \frac{\partial \log(x)}{\partial x}: the function in the numerator
        elif inside or not after:
            return None
        if _COST_CALL.match(after):
            return None  # d/dTheta J(Theta): the cost as a function of the weights, no product
        var = ck.reader.expr(den[bottom.end() :])
        body = ck.reader.expr(after)
    except NotUnderstood:
        return None
    if not isinstance(var, sp.Symbol):
        return None
    return body, var, "∂" if "partial" in top.group(1) else "d"


def _primed(ck: Checking, first: Member):
    """``f'(z)`` alone on the left, f an activation: (f(z), z, "d"), or None."""
    value = first.value
    if first.kind != "expr" or not isinstance(value, AppliedUndef):
        return None
    name = value.func.__name__
    arg = value.args[0] if value.args else None
    if not name.endswith("'") or not isinstance(arg, sp.Symbol):
        return None
    return act_function(name[:-1])(arg), arg, "d"


def _acts(ck: Checking):
    return ck.net.acts if ck.net else ACTIVATIONS


def _one(ck: Checking, first: Member, m: Member, body: sp.Expr, var: sp.Symbol):
    line = m.line
    text = f"{first.tex} = {m.tex}"
    try:
        _need_expression(m)
        acts = _acts(ck)
        left = ck.real(body, acts)
        truth = sp.diff(left, var)
        mine = ck.real(ck.substitute_local(m.value), acts)
        extra = expand_activations(mine).free_symbols - expand_activations(left).free_symbols
        if extra:
            # g'(z) = a(1 - a): a name the left-hand side does not have is the note's own
            # (the activation a = g(z)); the identity is not in the variables it is written in
            names = ", ".join(sorted(str(x) for x in extra))
            raise Unknown(f"{names} on the right-hand side only")
        ok = same(expand_activations(truth), expand_activations(mine))
    except Unknown as err:
        ck.add(line, "identity", text, "unknown", message=str(err))
        return
    expected = ck.show(truth, line)
    alone = plain(truth)  # a function of the notes' own: also in its variable alone
    if alone is not None:
        expected = f"{expected} = {ck.show(alone, line)}"
    if ok is False:
        why = _why(ck, left, truth, mine, var, line)
        ck.add(line, "identity", text, "wrong", expected, why)
    else:
        ck.add(line, "identity", text, VERDICTS[ok], expected)


def _why(ck: Checking, left, truth, mine, var, line) -> str:
    """The usual mistake a wrong identity is, in words."""
    full = expand_activations(mine)
    if same(full, expand_activations(left)):
        return f"this is {ck.show(left, line)} itself: the function where its derivative belongs"
    apps = [a for a in left.atoms(sp.Function) if hasattr(type(a), "activation")]
    for app in apps:
        own = type(app).activation.name
        for name, act in ACTIVATIONS.items():
            if name == own or act.normalized:
                continue
            other = sp.diff(act(app.args[0]), app.args[0])
            if same(full, expand_activations(other)):
                return f"this is the derivative of {name}, not of {own}"
            form = act.output_form
            if form is not None and same(full, expand_activations(form.xreplace({a: app}))):
                return (
                    f"this is {name}'s derivative {ck.show(form.xreplace({a: sp.Symbol('a')}))} "
                    f"(in terms of its output a) applied to {own}: the derivative of the "
                    f"wrong activation"
                )
    free = expand_activations(truth).free_symbols | full.free_symbols
    ratio = [value_at(full / expand_activations(truth), p) for p in random_points(free)]
    ratio = [r for r in ratio if r is not None]
    if ratio and all(abs(r - ratio[0]) < 1e-8 * (1 + abs(r)) for r in ratio):
        k = sp.nsimplify(round(ratio[0].real, 8))
        return "the sign is wrong" if k == -1 else f"off by a factor of {k}"
    return f"d/d{ck.show(var, line)} of {ck.show(left, line)} is {ck.show(truth, line)}"
