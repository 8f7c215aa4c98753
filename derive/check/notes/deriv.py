"""Check the notes' derivatives, chain rules, labelled parts and equations against the
network (``check_network.ScalarNet``), at random points after every definition is substituted.

- Derivatives: ``\\frac{dC}{dw_2} = …`` against ``sympy.diff`` of the network, per sample. A
  wrong right-hand side is compared with the derivative of every quantity with respect to
  every other: "this is ∂C0/∂a(L), not ∂C0/∂w(L)"; a missing factor is named; with ``--spec``
  the report adds derive's matrix form of that gradient.
- Chain rule: a product of Leibniz fractions must telescope to the left side; when all its
  names are the network's, the product of the derivatives must also equal it.
- Labels: ``\\underbrace{…}_{\\delta}`` defines δ for later formulas;
  ``\\underbrace{…}_{\\text{sigmoid prime}}`` is checked to be σ'(u), and when u is not what
  the network applies σ to (σ(x) written for "the argument"), it is read as σ' of the one
  quantity the network applies σ to, and the report says so; ``\\text{cost derivative}``
  is checked against ∂C/∂(output).
- Equations: ``a = b`` between expressions in the network's names (a definition against the
  network's own); ``g = 2(A_2 - y)`` with ``g`` not in the network defines ``g`` for later
  formulas instead.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.core.function import AppliedUndef

from derive.engine.registry import ACTIVATIONS, expand_activations

from .claims import Label, Member
from .matrix import COSTS
from .names import ACTIVATION_WORDS, sym
from .network import act_prime
from .numbers import Unknown, random_points, same, value_at
from .state import VERDICTS, Checking
from .tex import NotUnderstood


# ---------------------------------------------------------------------- derivatives
def derivative(ck: Checking, lhs: Member, m: Member, worked: bool = False):
    """``dN/dD = right-hand side``: an expression (or a chain of fractions, ``_chain``);
    ``worked``: the right-hand side is a number after the same derivative in symbols."""
    num, den = lhs.value
    line, style = m.line, lhs.style
    claim = f"{lhs.tex} = {m.tex}"
    kind = "chain-rule" if m.kind == "chain" else "derivative"
    try:
        if m.kind == "bad":
            raise Unknown(m.error)
        if m.kind == "chain":
            return _chain(ck, lhs, m, claim)
        if m.kind == "deriv" and m.value == lhs.value:
            # dL/dy = \overline{y}: the same derivative in another of the note's notations
            ck.add(line, kind, claim, "correct", None, "the same derivative, written again")
            return
        if m.kind == "deriv" and _by_value(ck, lhs, m.value, claim, line):
            return
        if m.kind not in ("expr", "number"):
            raise Unknown("the right-hand side is not an expression")
        if m.kind == "number" and re.search(r"\d\.\d", m.tex):
            # dE/dw_5 = 0.082167041: a value at the note's own numbers, not a formula to
            # compare at random points (meaning/worked.py reads it where they are grounded)
            raise Unknown("a value at the note's numbers")
        net = ck.need_net()
        for name in (num, den):
            if not net.known(name):
                raise Unknown(
                    f"{ck.reader.names.show(name, line)} is not a quantity of {net.source}"
                )
        mine = net.full(ck.prepare(m.value, m.fracs))
        truth = net.full(net.deriv(num, den))
        used = {s.name for s in mine.free_symbols | truth.free_symbols}
        # S = \sum_j e^{z_j}: defined, but not by a formula this reading takes in; a constant
        # only where that formula does not write the variable differentiated by
        unread = {
            n
            for n, tex in getattr(net, "unread", {}).items()
            if n in used and n != den and re.search(rf"(?<![A-Za-z\\]){den[0]}(?![A-Za-z])", tex)
        }
        if unread:
            raise Unknown(f"{', '.join(sorted(unread))} is defined by a formula not read here")
        ok = same(mine, truth)
    except Unknown as err:
        ck.add(line, kind, claim, "unknown", message=str(err))
        return
    expected = ck.show(net.shown(num, den), line)
    notes = list(dict.fromkeys(ck.pending.get(lhs.line, []) + ck.pending.get(line, [])))
    if ok is None:
        ck.add(line, kind, claim, "unknown", expected, "no point gives both sides a value")
    elif ok:
        ck.add(line, kind, claim, "correct", expected, "; ".join(notes))
    elif worked:  # dz/dw = x = 2: the value of x in the note's example (dz/db = 1 holds anywhere)
        ck.add(line, kind, claim, "unknown", expected, "a value at the note's numbers")
    else:
        why = _diagnose(ck, num, den, mine, truth, style, line)
        notes = notes + _matrix_form(ck, num, den)
        ck.add(line, kind, claim, "wrong", expected, "; ".join([why, *notes] if why else notes))


def _matrix_form(ck: Checking, num: str, den: str) -> list[str]:
    """The same gradient in derive's matrix form, from the spec's derivation."""
    net = ck.net
    if net.derivation is None or num != net.cost:
        return []
    try:
        step = net.derivation.step(den)
    except KeyError:
        return []
    scale = net.derivation.scale
    over = (
        "" if scale == 1 or step.kind != "param" else f", times {scale} for a mean over m samples"
    )
    return [f"in matrix form derive has {step.name} = {step.value!r}{over}"]


def _diagnose(ck: Checking, num, den, mine, truth, style, line) -> str:
    """What a wrong right-hand side is: another derivative, or off by a factor."""
    net = ck.net
    if mine.free_symbols:
        found = [
            (n, d)
            for n, d in net.pairs()
            if (n, d) != (num, den) and same(mine, net.full(net.deriv(n, d)))
        ]
        found.sort(key=lambda p: (p[0] != num, p[1] not in net.defs, p[1] != den))
        if found:
            said = ck.frac(num, den, style, line)
            return f"this is {ck.frac(*found[0], style, line)}, not {said}"
    if not same(mine, 0):
        edges = [(n, d) for n, d in net.pairs() if sym(d) in net.defs[n].free_symbols]
        for n, d in edges:
            local = net.full(net.deriv(n, d))
            if local.free_symbols and same(truth, mine * local):
                factor = f"{ck.frac(n, d, style, line)} = {ck.show(net.shown(n, d), line)}"
                return f"missing the factor {factor}"
            if local.free_symbols and same(truth * local, mine):
                factor = f"{ck.frac(n, d, style, line)} = {ck.show(net.shown(n, d), line)}"
                return f"an extra factor {factor}"
        ratio = [
            value_at(mine / truth, p) for p in random_points(mine.free_symbols | truth.free_symbols)
        ]
        ratio = [r for r in ratio if r is not None]
        if ratio and all(abs(r - ratio[0]) < 1e-8 * (1 + abs(r)) for r in ratio):
            return f"off by a factor of {sp.nsimplify(round(ratio[0].real, 8))}"
    return ""


def _by_value(ck: Checking, lhs: Member, other: tuple[str, str], claim: str, line: int) -> bool:
    """``dC/db = dC/dz``: one derivative of the network said to equal another, judged by
    their values; False (nothing added) when the network does not have both."""
    net = ck.net if ck.net and ck.net.defs else None
    num, den = lhs.value
    if not (net and all(net.known(x) for x in (num, den, *other))):
        return False
    try:
        ok = same(net.full(net.deriv(*other)), net.full(net.deriv(num, den)))
    except Unknown:
        return False
    if ok is None:
        return False
    expected = ck.show(net.shown(num, den), line)
    ck.add(line, "derivative", claim, "correct" if ok else "wrong", expected)
    return True


# a mark for one time step or copy: W_h^{(t=3)} (read as W_h^t=3), W_h(t=3); never a bare layer
# superscript (W^2 and W^1 are two layers' weights, and a chain ending in the other is wrong)
_MARK = re.compile(r"^(.+?)(?:\^?\(.*\)|\^\{?[^=]*=.*)$")


def _annotated(left: list, name: str) -> bool:
    """What is left after cancelling is ``name`` or ``name`` without a mark in parentheses of
    its own (``Wh(t=3)`` and ``Wh``), with at least one side marked."""
    if len(left) != 1 or left[0] == name:
        return len(left) == 1
    a, b = _MARK.match(left[0]), _MARK.match(name)
    base_l = a.group(1) if a else left[0]
    base_n = b.group(1) if b else name
    return (a is None) != (b is None) and base_l == base_n


def _chain(ck: Checking, lhs: Member, m: Member, claim: str):
    """``dN/dD = dN/dU × dU/dD``: the fractions must cancel, and with the network's names
    the product must be all of the derivative."""
    num, den = lhs.value
    line, style = m.line, lhs.style
    factors = m.value
    tops = [n for n, _ in factors]
    bottoms = [d for _, d in factors]
    other = [n for n in tops if n != num and n not in bottoms]
    if num in COSTS and len(other) == 1 and other[0] in COSTS and num not in tops:
        # dC/dw = dL/da da/dz dz/dw: the note writes its one cost under two names (the
        # per-example L and the total C); which one is meant is not this check's to say
        factors = [(num if n == other[0] else n, d) for n, d in factors]
        tops = [n for n, _ in factors]
    left_top, left_bottom = list(tops), list(bottoms)
    for name in tops:
        if name in left_bottom and name in left_top:
            left_top.remove(name)
            left_bottom.remove(name)
    shown = " × ".join(ck.frac(n, d, style, line) for n, d in factors)
    net = ck.net if ck.net and ck.net.defs else None
    path = _path(ck, num, den) if net and net.known(num) and net.known(den) else None
    expected = " × ".join(ck.frac(n, d, style, line) for n, d in path) if path else None
    if len(factors) == 1 and (sorted(left_top) != [num] or sorted(left_bottom) != [den]):
        # dC/db_7 = (dC/dz_1): one derivative said to equal another (dz/db = 1), no chain to
        # cancel: by value on the network, else not understood (never wrong for not cancelling)
        if not _by_value(ck, lhs, factors[0], claim, line):
            ck.add(line, "chain-rule", claim, "unknown", None,
                   "one derivative written for another: their ratio is not known here")  # fmt: skip
        return
    exact = sorted(left_top) == [num] and sorted(left_bottom) == [den]
    if not exact and _annotated(left_top, num) and _annotated(left_bottom, den):
        # dL/dW_h^{(t=3)} = ... dO_3/dW_h: the target is the chain's end marked for one time
        # step or copy (W_h at step 3); whether the chain is that part is not said by names
        ck.add(line, "chain-rule", claim, "unknown", None,
               "the chain ends in a name its left-hand side writes with a mark of its own "
               f"({ck.frac(num, den, style, line)}): not judged")  # fmt: skip
        return
    if sorted(left_top) != [num] or sorted(left_bottom) != [den]:
        extra_top = [t for t in left_top if t != num] if num in left_top else left_top
        extra_bottom = [b for b in left_bottom if b != den] if den in left_bottom else left_bottom
        why = "the fractions do not cancel down to " + ck.frac(num, den, style, line)
        if len(extra_top) == 1 and len(extra_bottom) == 1:
            why += f": missing the factor {ck.frac(extra_bottom[0], extra_top[0], style, line)}"
        ck.add(line, "chain-rule", claim, "wrong", expected, why)
        return
    if not (net and all(net.known(x) for x in tops + bottoms)):
        ck.add(
            line,
            "chain-rule",
            claim,
            "correct",
            None,
            "a general rule: the fractions cancel; not all its names are the network's",
        )
        return
    product = sp.Mul(*[net.deriv(n, d) for n, d in factors])
    ok = same(net.full(product), net.full(net.deriv(num, den)))
    if ok is False:
        ck.add(
            line,
            "chain-rule",
            claim,
            "wrong",
            expected,
            f"the fractions cancel, but {shown} is not all of "
            f"{ck.frac(num, den, style, line)}: another path contributes",
        )
    else:
        ck.add(line, "chain-rule", claim, "correct" if ok else "unknown", expected)


def _path(ck: Checking, num: str, den: str):
    """The chain of direct dependencies from ``den`` up to ``num`` (one path), or None."""
    net = ck.net
    if num == den or num not in net.defs:
        return None
    for s in sorted(net.defs[num].free_symbols, key=lambda s: s.name):
        if s.name == den:
            return [(num, den)]
        if s.name in net.defs and den in net.deps[s.name]:
            rest = _path(ck, s.name, den)
            if rest:
                return rest + [(num, s.name)]
    return None


# ---------------------------------------------------------------------- labels
def underbrace(ck: Checking, label: Label):
    """An ``\\underbrace``: a label that is one name defines it; "σ prime" and "cost
    derivative" are checked."""
    if label.symbol:
        try:
            ck.local[label.symbol] = ck.reader.expr(label.content)
        except NotUnderstood:
            pass
        return
    words = label.label.lower().replace("'", " prime").split()
    claim = f"\\underbrace{{{label.content}}}_{{\\text{{{label.label}}}}}"
    try:
        content = ck.reader.expr(label.content)
    except NotUnderstood as err:
        ck.add(label.line, "label", claim, "unknown", message=str(err))
        return
    ck.slots[label.slot] = content
    act = next((ACTIVATION_WORDS[w] for w in words if w in ACTIVATION_WORDS), None)
    try:
        if act and ("prime" in words or "derivative" in words):
            _activation_label(ck, label, claim, content, act)
        elif "cost" in words and ("derivative" in words or "prime" in words):
            _cost_label(ck, label, claim, content)
    except Unknown as err:
        ck.add(label.line, "label", claim, "unknown", message=str(err))


def _activation_label(ck: Checking, label, claim, content, act):
    acts = ck.net.acts if ck.net else ACTIVATIONS
    expr = ck.substitute_local(content)
    apps = {a.args[0] for a in expr.atoms(AppliedUndef) if a.func.__name__ == act}
    if len(apps) != 1:
        raise Unknown(f"expected {act} applied to one argument inside the brace")
    (arg,) = apps
    t = sp.Dummy("t", real=True)
    generic = expr.xreplace({arg: t})
    f = acts[act]
    if generic.free_symbols - {t}:
        raise Unknown("the brace uses names other than the activation's argument")
    truth = sp.diff(f(t), t)
    ok = same(expand_activations(ck.real(generic, acts)), expand_activations(truth))
    verdict = VERDICTS[ok]
    ck.add(label.line, "label", claim, verdict, expected=f"{act}'(t) = {ck.show(truth)}")
    # How the brace reads inside its formula: sigma'(u) where the network applies sigma.
    targets = (
        []
        if not ck.net
        else [d.args[0] for d in ck.net.defs.values() if getattr(d, "func", None) is f.function]
    )
    if arg in targets or not targets:
        return
    if len(targets) == 1:
        ck.slots[label.slot] = expr.xreplace({arg: targets[0]})
        ck.pending.setdefault(label.line, []).append(
            f"read {label.content} (labelled “{label.label}”) as "
            f"{ck.show(act_prime(act)(targets[0]), label.line)}, the {act} of the network"
        )
    else:
        raise Unknown(f"{act}'s argument is ambiguous here")


def _cost_label(ck: Checking, label, claim, content):
    net = ck.need_net()
    cost = net.defs[net.cost]
    outs = [s.name for s in cost.free_symbols if s.name in net.defs]
    if len(outs) != 1:
        raise Unknown("the cost does not depend on one output quantity")
    truth = net.deriv(net.cost, outs[0])
    mine = ck.prepare(content)
    ok = same(net.full(mine), net.full(truth))
    verdict = VERDICTS[ok]
    shown = ck.show(net.shown(net.cost, outs[0]), label.line)
    expected = f"{ck.frac(net.cost, outs[0], 'd', label.line)} = {shown}"
    ck.add(label.line, "label", claim, verdict, expected=expected)


# ---------------------------------------------------------------------- equations
def equation(ck: Checking, members):
    """``a = b = …`` between expressions: definitions against the network, the notes' own
    names remembered for later formulas."""
    first = members[0]
    net = ck.net
    name = first.value.name if isinstance(first.value, sp.Symbol) else None
    is_def = name is not None and net is not None and name in net.defs
    if is_def and not ck.spec and ck.def_lines.get(name) == first.line:
        return  # the definition itself
    if name is not None and not is_def and not (net and net.known(name)):
        if members[1].kind == "expr" and name not in ck.local:
            ck.local[name] = members[1].value  # a name of the notes' own, used later
        return
    kind = "definition" if is_def else "equation"
    prev = first
    for m in members[1:]:
        claim = f"{prev.tex} = {m.tex}"
        try:
            if m.kind == "bad" or prev.kind == "bad":
                raise Unknown(m.error or prev.error)
            if (
                not m.value.free_symbols
                and prev.kind == "expr"
                and isinstance(prev.value, sp.Symbol)
            ):
                return  # a name given a value: an example, not a claim
            left = ck.prepare(prev.value, prev.fracs, generic_ok=True)
            right = ck.prepare(m.value, m.fracs, generic_ok=True)
            if net is not None:
                left, right = net.full(left), net.full(right)
            else:
                left, right = expand_activations(left), expand_activations(right)
            ok = same(left, right)
        except Unknown as err:
            ck.add(m.line, kind, claim, "unknown", message=str(err))
            prev = m
            continue
        expected = None
        msg = ""
        if is_def and prev is first:
            expected = f"{ck.reader.names.show(name, m.line)} = {ck.show(net.defs[name], m.line)}"
            where = f"line {ck.def_lines[name]}" if name in ck.def_lines else net.source
            msg = f"{'agrees with' if ok else 'differs from'} {where}"
        verdict = VERDICTS[ok]
        ck.add(m.line, kind, claim, verdict, expected, msg)
        prev = m
