"""How notes on Andrew Ng's deep-learning course write their formulas, read as the formulas.

Course notes copy the course's LaTeX, or the widely shared Chinese transcript of it, with
presentation the grammar has no use for; each rewrite below keeps the formula and only
changes how it is spelt:

* the transcript's doubled braces, ``d{{Z}^{[l]}}=d{{A}^{[l]}}*{{g}^{\\left[ l \\right]}}'``,
  are ``dZ^{[l]} = dA^{[l]} * g^{[l]}'``; an empty ``\\text{}`` is spacing; a ``.`` between a
  closing brace and a letter (``{{W}^{[l]T}}.d{{Z}^{[l]}}``) is the product ``np.dot`` writes;
* ``\\text{sum}(dZ, \\text{axis}=1, \\text{keepdims}=\\text{True})`` is ``np.sum``'s call;
* ``g\\rq^{[l]}`` (``\\rq`` is a right quote) is ``g'^{[l]}``, and ``dG^l(Z^l)``, the
  derivative of the layer's activation written like Ng's other ``d`` names, is ``g'^l(Z^l)``
  (only applied to a ``Z`` or ``z``: elsewhere ``dG`` may be a name of its own);
* ``a^{[1] (i) 2}`` (the course's planar-data assignment) is ``(a^{[1](i)})^2``;
* ``dZ^{[l] (\\cdot,i)}``, the column of example i written as a slice, is ``dZ^{[l](i)}``;
* an equation number set off at the end (``\\qquad (4)``) is a label, not a factor;
* a trailing remark on the layers it holds for (``\\quad \\text{(if } l > 1\\text{)}``) is
  dropped: a general ``l`` is judged only where the formula exists anyway.
"""

from __future__ import annotations

import re

_WORD = r"(axis|keepdims|True|False)"


def normalise(s: str) -> str:
    s = re.sub(r"\\text\{\s*\}", " ", s)
    # an equation number set off at the end, \qquad (4): a label, never a factor
    s = re.sub(r"\s*\\q?quad\s*\(\s*\d+(?:\.\d+)*\s*\)\s*$", "", s)
    # {{Z}^{[l]}} and {Z}^{[l]}: braces around a letter and its superscript
    for _ in range(2):
        s = re.sub(r"\{\{([A-Za-z])\}\^\{([^{}]*)\}\}", r"\1^{\2}", s)
        s = re.sub(r"(?<![}A-Za-z\\])\{([A-Za-z])\}\^", r"\1^", s)
    # a layer written \left[ l \right] (the \left, \right are dropped before): [l]
    s = re.sub(r"\^\{\s*\[\s*([^\[\]{}]*?)\s*\]", r"^{[\1]", s)
    s = re.sub(r"\\(?:text|mathrm|texttt)\{\s*" + _WORD + r"\s*\}", r"\1", s)
    s = re.sub(r"(?<=\})\.(?=\s*[A-Za-z{])", r" \\cdot ", s)
    s = re.sub(r"\\rq(?![A-Za-z])\s*", "'", s)
    s = re.sub(r"(?<![A-Za-z\\])dG(\^\{[^{}]*\}|\^[A-Za-z0-9])?\s*(?=\(\s*[Zz]\b)", r"g'\1", s)
    s = re.sub(
        r"\s*(?:\\quad|\\qquad|,)\s*\\text\{\s*\(?\s*if\s*\}\s*\(?\s*(?:if\s+)?l\s*"
        r"(?:>|<|\\geq?|\\leq?|\\ge|\\le)\s*[0-9L]\s*(?:\\text\{\s*\)\s*\}|\))?\s*$",
        "",
        s,
    )
    # Ng's a^{[1] (i) 2}: example i's activation of layer 1, squared
    s = re.sub(
        r"([A-Za-z])\^\{\s*(\[[^\[\]{}]*\])\s*\(\s*([a-z])\s*\)\s*(\d)\s*\}",
        r"{\1^{\2(\3)}}^{\4}",
        s,
    )
    # the column of example i written as a matrix slice: dZ^{[l] (\cdot,i)}, dZ^{[l](:,i)}
    s = re.sub(r"(\^\{\s*\[[^\[\]{}]*\])\s*\(\s*(?:\\cdot|:)\s*,\s*([a-z])\s*\)", r"\1(\2)", s)
    return s


def mentions_own(node, own: set[str]) -> bool:
    """Whether a formula applies a function the note defines itself. ``g^{[l]}``, ``g'^{[l]}``
    with a layer superscript is the activation of layer l (Ng's notation), also in a note that
    lists ``g(z) = \\max(0, z)``, ``g(z) = \\sigma(z)`` as the choices for it."""
    from .grammar import subtrees  # grammar reads its formulas through normalise()

    if not isinstance(node, tuple):
        return False
    if node[0] in ("atom", "call") and node[1].name in own:
        if not (node[0] == "call" and node[1].sup and node[1].name in ("g", "f", "phi")):
            return True
    return any(mentions_own(part, own) for part in subtrees(node))


def _numbered(atom) -> bool:
    """``Z_1``: a layer written as the subscript's one digit, and no superscript."""
    return not atom.sup and (atom.sub or "").strip().isdigit()


def stacked_partials(tree):
    """The tree with each partial of the cost by a whole batch quantity (``\\frac{\\partial
    L}{\\partial Z^{[l]}}``, ``A^{[l]}``) read as Ng's ``dZ^{[l]}`` (``dA^{[l]}``): the examples'
    loss gradients stacked, as the course writes ``dW = \\frac{1}{m} \\frac{\\partial
    \\mathcal{L}}{\\partial Z} A^T``. None when the tree has no such partial."""
    from .grammar import COSTS, Atom, rebuild

    found = [False]

    def walk(node):
        if not isinstance(node, tuple) or not node:
            return node
        if node[0] == "d" and node[3] is None and node[1] and node[2]:
            num, den = node[1], node[2]
            if (
                num[0] == "atom"
                and num[1].name in COSTS
                and not num[1].sub
                and den[0] == "atom"
                and den[1].name in ("Z", "A")
                and not (den[1].T or den[1].primes or den[1].ex)
                and (den[1].sup and not den[1].sub or _numbered(den[1]))
            ):
                found[0] = True  # Z_1: the layer written as a subscript, dZ_1
                return ("atom", Atom("d" + den[1].name, den[1].sub, den[1].sup))
        return rebuild(node, walk)

    new = walk(tree)
    return new if found[0] else None
