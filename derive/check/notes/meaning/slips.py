"""A quantity of the note written where its activation belongs: ``\\delta'(z^l)`` for
``\\sigma'(z^l)``.

``\\delta`` is the note's error (``\\delta^l``), never a function of its own; applied to an
argument, ``\\delta(z^l)`` or ``\\delta'(z^l)``, it has no value, so the claim cannot hold as
written. When the same claim holds with the activation of the argument's layer in its place,
that is the mistake, and it is named: the claim is wrong, and the message says which symbol
stands where the activation (or its derivative) belongs. When it does not hold either, what
the author meant is unclear and the claim stays not understood.
"""

from __future__ import annotations

from .grammar import Atom

QUANTITIES = ("delta",)  # names a note uses for its quantities, never for a function


def _swap(node):
    """The tree with every application of a quantity's name read as the activation, and
    whether there was one."""
    if not isinstance(node, tuple):
        return node, False
    if node[0] == "call" and node[1].name in QUANTITIES and not node[1].sub:
        f = node[1]
        args = [_swap(a)[0] for a in node[2]]
        return ("call", Atom("g", None, f.sup, f.primes, f.T), args), True
    out, hit = [node[0]], False
    for part in node[1:]:
        if isinstance(part, tuple):
            q, h = _swap(part)
            out.append(q)
            hit = hit or h
        elif isinstance(part, list):
            items = []
            for q in part:
                if isinstance(q, tuple) and len(q) == 2 and isinstance(q[0], int):
                    r, h = _swap(q[1])
                    items.append((q[0], r))
                else:
                    r, h = _swap(q)
                    items.append(r)
                hit = hit or h
            out.append(items)
        else:
            out.append(part)
    return tuple(out), hit


def misused(note, lhs, rhs, compare, line, cond, context):
    """(verdict, message, reading) when a quantity's name is applied as a function and the
    claim holds with the activation in its place; else None."""
    if "delta" in note.own_functions:
        return None
    swapped, hit = _swap(rhs)
    if not hit:
        return None
    v, _, reading = compare(note, lhs, swapped, line, cond, context)
    if v != "correct":
        return None
    return (
        "wrong",
        "\\delta is the note's error, not a function: \\delta(...) stands where the "
        "activation belongs, \\delta'(...) where its derivative does; with the activation "
        "(\\sigma, \\sigma') in its place the claim holds",
        reading,
    )


def rewriting(note, lhs, m, compare, i):
    """A rewriting of a forward equation (not its first right-hand side) in which the note's
    error stands for the activation: the Verdict naming it, else None."""
    if i == 0 or lhs.tree is None or m.tree is None:
        return None
    slip = misused(note, lhs.tree, m.tree, compare, m.line, m.cond, ())
    if slip is None:
        return None
    from .judge import Verdict

    return Verdict(m.line, f"{lhs.text} = {m.text}", *slip, "equation")
