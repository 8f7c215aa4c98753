"""Shapes stated in Ng's notation: ``Z^{[l]} \\in \\mathbb{R}^{n^{[l]} \\times m}``.

Course notes list the shape of every quantity, alone (``- $dW^{[l]} \\in \\mathbb{R}^{n^{[l]}
\\times n^{[l-1]}}$``) or after a formula (``Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]} \\qquad
(Z^{[l]} \\in \\mathbb{R}^{n^{[l]} \\times m})``). The sizes are written with the note's own
names: ``n^{[k]}`` (also ``n^{(k)}``, ``n^k``) is the width of layer k, ``n_x`` the input's and
``n_y`` the output's, ``m`` the number of examples, 1 is 1 (other numbers are sizes of
the note's own network, checked by the older ``shapes.py``). A statement is checked
on the drawn network (a batch of 3 examples, so that m differs from 1) at every layer where a
general ``l`` exists: correct when the symbol has that shape, wrong (and the shapes named)
when it has another under every layout the note allows and the note writes its own network;
anything else is not understood. A trailing annotation is cut from its formula
(``trailing``) so that the formula is read alone, and checked as a statement of its own.
"""

from __future__ import annotations

import itertools
import re

import numpy as np

from . import bind
from .bind import Env, NoLayer, Reading
from .grammar import Unreadable, parse
from .instance import Net

_REALS = r"\\(?:mathbb|mathbf|Bbb|bf)\s*\{?\s*R\s*\}?"
_STATEMENT = re.compile(
    r"^\s*(?P<x>.+?)\s*\\in\s*" + _REALS + r"\s*\^\s*\{(?P<dims>.+)\}\s*[.,;]?\s*$"
)
_TRAILING = re.compile(
    r"\s*(?:\(\s*(?P<sym>[^\s()=]+)\s*(?P<in>\\in\s*" + _REALS + r"\s*\^\s*\{[^$]*\})\s*\)"
    r"|(?:\\quad|\\qquad|,|;)?\s*(?P<bare>\\in\s*" + _REALS + r"\s*\^\s*(?:\{[^$]*\}|[A-Za-z0-9])))"
    r"\s*[.,;]?\s*$"
)
_SIZE = re.compile(
    r"^(?:n\s*\^\s*\{?\s*[\[(]?\s*(?P<k>[lL0-9+\- ]+?)\s*[\])]?\s*\}?|n_\{?(?P<xy>[xy])\}?|m|\d+)$"
)


def stated(text: str):
    """(the symbol's text, rows, columns) of ``X \\in \\mathbb{R}^{R \\times C}``, or None."""
    m = _STATEMENT.match(text.strip())
    if not m:
        return None
    dims = [d.strip() for d in re.split(r"\\times", m.group("dims"))]
    if len(dims) != 2 or not all(_SIZE.match(d) for d in dims):
        return None
    if any(d.isdigit() and d != "1" for d in dims):
        return None  # W_1 \in \mathbb{R}^{4 \times 3}: sizes of the note's own (shapes.py)
    return m.group("x").strip(), dims[0], dims[1]


_FONT = re.compile(r"\\(?:mathbf|boldsymbol|bm|mathrm|vb)\s*\{?")


def m_is_a_width(stmts) -> bool:
    """Whether the note states a weight's shape with m in it (``W \\in \\mathbb{R}^{m \\times
    n}``): its m is then one of its layers' sizes, not Ng's number of examples."""
    for members in stmts:
        said = _STATEMENT.match(members[0].text.strip()) if len(members) == 1 else None
        if said is None:
            continue
        dims = [d.strip() for d in re.split(r"\\times", said.group("dims"))]
        name = _FONT.sub("", said.group("x")).lstrip("{ ")
        if re.match(r"(?:[Ww]|\\Theta)(?![a-zA-Z])", name) and "m" in dims:
            return True
    return False


def trailing(text: str):
    """(the formula without its trailing shape annotation, the annotation or None when its
    sizes are not read) or None."""
    m = _TRAILING.search(text)
    if not m or m.start() == 0 or "=" not in text[: m.start()]:
        return None
    if m.group("sym"):
        stmt = m.group("sym") + " " + m.group("in")  # ... \qquad (Z^{[l]} \in \mathbb{R}^{...})
    else:
        # dW^{[l]} = ... \quad \in \mathbb{R}^{...}: the shape of the left-hand side
        stmt = text[: text.index("=")].strip() + " " + m.group("bare")
    if stated(stmt) is None:
        # sizes of the note's own (\mathbb{R}^{N \times H_1}): the formula is still read alone,
        # the annotation is not checked
        return text[: m.start()], None
    return text[: m.start()], stmt


def _size(d: str, env: Env) -> int:
    m = _SIZE.match(d)
    net = env.state.net
    if d == "m":
        return net.m
    if d.isdigit():
        return int(d)
    if m.group("xy"):
        return net.widths[0] if m.group("xy") == "x" else net.widths[-1]
    p = bind.layer_number(m.group("k").replace(" ", ""), env)
    return net.widths[bind.node_of("a", p, env)[1]]


def judge(note, text: str, rows: str, cols: str, functions) -> tuple[str, str, str]:
    """(verdict, message, reading) of the statement that ``text`` has shape rows x cols."""
    try:
        tree = parse(text, functions)
    except Unreadable as e:
        return "unknown", str(e), ""
    general = bind.uses_layer_l(tree)
    failures = []
    # a batch of 3 examples, so that m is not 1; a shape with no m may be one example's
    # (a^{[l]} \in \mathbb{R}^{n^{[l]} \times 1}): then one example is a reading too
    sizes = (3,) if "m" in (rows, cols) else (3, 1)
    for (layout, base, shift), m in itertools.product(note.conventions, sizes):
        reading = Reading(layout, base, shift, "abstract", batch=m > 1, mean=m > 1,
                          hidden=note.hidden_options[0], output=note.output_options[0])  # fmt: skip
        widths = note.widths(base)
        net = Net(widths, note.acts_for(len(widths) - 1, reading), 1, m=m)
        env0 = Env(note.state(net, reading), reading, note.aliases)
        seen = []
        try:
            for lv in note.layer_values(net, reading) if general else [None]:
                env = env0.with_idx(l=lv) if lv is not None else env0
                try:
                    with np.errstate(all="raise"):
                        v = bind.value(tree, env)
                    want = (_size(rows, env), _size(cols, env))
                except NoLayer:
                    continue
                if isinstance(v, bind.Jac) or not isinstance(v, np.ndarray) or v.ndim != 2:
                    raise Unreadable("not a matrix")
                seen.append((lv, tuple(v.shape), want))
        except (Unreadable, ValueError, TypeError, KeyError, IndexError, FloatingPointError) as e:
            return "unknown", f"a shape this checker cannot evaluate ({e})", ""
        if not seen:
            return "unknown", "no layer where it exists", ""
        bad = [s for s in seen if s[1] != s[2]]
        if not bad:
            return "correct", "", "the sizes of the drawn network"
        failures.append(bad[0])
    if note.unfit or not note.forward:
        return "unknown", "not the shape on the drawn network, but the note writes no network", ""
    if "m" in (rows, cols) and getattr(note, "m_width", False):
        # W \in \mathbb{R}^{m \times n} in the same note: m is a layer's size there, and the
        # claim is about sizes this reading does not bind (never wrong for reading m as examples)
        return "unknown", "m is the size of a layer in this note (a weight is m x ...)", ""
    lv, got, want = failures[0]
    at = f"at l = {lv} " if lv is not None else ""
    why = (
        f"{at}{text} is {got[0]} x {got[1]} on the drawn network, "
        f"where the sizes stated give {want[0]} x {want[1]}"
    )
    return "wrong", why, ""


_ARROW = re.compile(
    r"^(?P<expr>.+?)\s*\\(?:rightarrow|to|Rightarrow|longrightarrow)\s*(?P<shapes>.+)$"
)
_PAIR = re.compile(r"\(\s*([^()]+?)\s*\\times\s*([^()]+?)\s*\)")


def arrow(note, members, functions):
    """``W^{[l]} A^{[l-1]} + b^{[l]} \\rightarrow (n^{[l]} \\times n^{[l-1]}) \\cdot (n^{[l-1]}
    \\times m) + (n^{[l]} \\times 1) = (n^{[l]} \\times m)``: the shape bookkeeping of a formula.
    (verdict, message) of the shape it ends with against the formula's shape on the drawn
    network, or None when ``members`` is no such line."""
    if len(members) != 2 or members[1].rel != "=":
        return None
    m = _ARROW.match(members[0].text.strip())
    final = _PAIR.fullmatch(members[1].text.strip())
    if not m or not final or not _PAIR.search(m.group("shapes")):
        return None
    rows, cols = final.group(1).strip(), final.group(2).strip()
    if not (_SIZE.match(rows) and _SIZE.match(cols)):
        return None
    if any(d.isdigit() and d != "1" for d in (rows, cols)):
        return None
    return judge(note, m.group("expr").strip(), rows, cols, functions)
