"""A network of the note's own, written with bare names: ``z = W^{(1)} x``, ``a = f(z)``,
``\\hat y = W^{(2)} a`` (no biases, a linear output, no layer on z and a).

The drawn network (``instance``) has a bias and an activation at every layer, and a bare
``z`` or ``a`` there is the last layer's. When a forward equation the note writes with a bare
left-hand side fails on the drawn network under the readings its equations chose, the note
means a network of its own: every forward equation with a bare left-hand side then defines
its name, evaluated through its definition from the drawn parameters and input (``W^{(1)}``,
``W^{(2)}``, ``x``), so derivatives by those parameters (finite differences of the cost the
note wrote, through these definitions) are the truth for the note's own network. A note
whose bare forward equations hold on the drawn network is read as before.
"""

from __future__ import annotations

import numpy as np

from . import bind
from .bind import Env, NoLayer, Reading, ShapeMismatch
from .grammar import Atom, Unreadable
from .instance import Net, State


def _holds(note, reading: Reading, lhs, rhs) -> bool | None:
    """Whether a forward equation holds on the drawn network under a reading: False also
    when its right-hand side does not fit that network (shapes, a layer it lacks); None when
    it cannot be read."""
    widths = note.widths(reading.base)
    net = Net(widths, note.acts_for(len(widths) - 1, reading), 3)
    env0 = Env(State(net, bind.abstract_cost), reading, note.aliases)
    free = sorted(bind.free_indices(lhs))
    ok = None
    try:
        with np.errstate(all="raise"):
            ranges = [bind.sum_range(c, lhs, env0) for c in free]
            for combo in np.ndindex(*ranges):
                e = env0.with_idx(**dict(zip(free, combo, strict=True)))
                a, b = bind.value(lhs, e), bind.value(rhs, e)
                if (np.size(a) == 1) != (np.size(b) == 1):
                    return False  # a number on one side, a vector on the other: no fit
                same = bind.equal(a, b)
                ok = same if ok is None else ok and same
    except (ShapeMismatch, NoLayer):
        return False
    except (Unreadable, FloatingPointError, ValueError, ZeroDivisionError):
        return None
    return ok


def _evaluates(note, reading: Reading, names) -> bool:
    widths = note.widths(reading.base)
    net = Net(widths, note.acts_for(len(widths) - 1, reading), 3)
    env = Env(State(net, bind.abstract_cost), reading, note.aliases)
    try:
        with np.errstate(all="raise"):
            for name in names:
                bind.value(("atom", Atom(name)), env)
    except (Unreadable, FloatingPointError, ValueError, ZeroDivisionError):
        return False
    return True


def adopt(note) -> bool:
    """Read the note's bare forward equations as its own network when one of them fails on
    the drawn network; True when it did. The readings are then those under which the
    note's own network can be computed (its W^{(1)} fits its x)."""
    bare = [(lhs, rhs) for lhs, rhs in note.forward if lhs[0] == "atom" and lhs[1].sup is None]
    if not bare:
        return False
    reading = note.first_reading()
    if not any(_holds(note, reading, lhs, rhs) is False for lhs, rhs in bare):
        return False
    # whole quantities first (a = f(z)), an entry form (a_i = f(z_i)) only for a name that
    # has no whole form
    added = []
    for lhs, rhs in sorted(bare, key=lambda e: e[0][1].sub is not None):
        atom = lhs[1]
        key = Atom(atom.name).show()
        if atom.sub is None and not atom.T and not atom.primes and key not in note.aliases:
            note.aliases[key] = rhs
            note.aliases["own:" + atom.name] = True
            added.append(atom.name)
    layouts = (note.layout,) if note.layout else ("cols", "rows")
    bases = (note.base,) if note.base is not None else (0, 1)
    candidates = list(note.conventions) + [
        (lo, b, sh) for b in bases for sh in (0, 1) for lo in layouts
    ]  # fmt: skip
    for conv in candidates:
        r = Reading(*conv, "abstract", hidden=note.hidden_options[0],
                    output=note.output_options[0])  # fmt: skip
        if _evaluates(note, r, added):
            note.conventions = [conv]
            note.unfit = False  # the network is the note's own, computed as it wrote it
            return True
    for name in added:
        del note.aliases[Atom(name).show()], note.aliases["own:" + name]
    return False
