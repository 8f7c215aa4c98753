"""Sub- and superscripts typed as Unicode characters: ``z₁``, ``W⁽²⁾``, ``aᵀ``, ``δˡ``, ``wˡ⁺¹``.

Notes written in a plain editor (and many Markdown notes inside ``$...$`` too) type the
scripts as characters rather than ``_`` and ``^``. In math, a run of subscript characters
is the subscript ``_{...}`` and a run of superscript characters the superscript ``^{...}``
(``ᵀ`` is the transpose T, ``⁽²⁾`` the layer (2)), so ``z₁ = W₁x + b₁`` is read as
``z_{1} = W_{1}x + b_{1}``. On a plain line the same characters become the ASCII the
plain-text readers take: subscript digits the trailing digits of a name (``z₁`` as ``z1``),
a bracketed superscript its bracket (``a⁽ᴸ⁻¹⁾`` as ``a(L-1)``), ``ᵀ`` stays the transpose.
"""

from __future__ import annotations

import re

_SUB = dict(
    zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", "0123456789+-=()aeoxhklmnpstijruv", strict=True)
)
_SUP = dict(
    zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵀˡᴸⁱʲᵏⁿᵐᵃᵇᶜᵈᵉᶠᵍʰᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴹᴺᴼᴾᴿᵁⱽᵂ′",
        "0123456789+-=()TlLijknmabcdefghoprstuvwxyzABDEGHIJKMNOPRUVW'", strict=True)
)  # fmt: skip
_SUB_RUN = re.compile("[" + "".join(_SUB) + "]+")
_SUP_RUN = re.compile("[" + "".join(k for k in _SUP if k != "′") + "]+")


def has_scripts(s: str) -> bool:
    return bool(_SUB_RUN.search(s) or _SUP_RUN.search(s))


def tex(s: str) -> str:
    """The math with its Unicode scripts as ``_{...}`` and ``^{...}``."""
    s = _SUB_RUN.sub(lambda m: "_{" + "".join(_SUB[c] for c in m.group()) + "}", s)
    return _SUP_RUN.sub(lambda m: "^{" + "".join(_SUP[c] for c in m.group()) + "}", s)


def plain(s: str, layers: bool = False) -> str:
    """A plain line with its Unicode scripts as the plain readers' ASCII (see the doc); with
    ``layers``, a superscript stays one (``a⁽ᵏ⁻¹⁾`` as ``a^{(k-1)}``, ``(a)ᵀ`` as ``(a)^{T}``):
    for ``read.plain_to_latex``, where a letter in brackets after a name is no layer."""
    if layers:
        s = _SUP_RUN.sub(lambda m: "^{" + "".join(_SUP[c] for c in m.group()) + "}", s)
        s = re.sub(  # an index typed as a subscript letter: yᵢ, Σⱼ as y_{i}, Σ_{j}
            "[" + "".join(_SUB) + "]*[ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ][" + "".join(_SUB) + "]*",
            lambda m: "_{" + "".join(_SUB[c] for c in m.group()) + "}",
            s,
        )
    s = re.sub(
        "[₀₁₂₃₄₅₆₇₈₉]+(?![" + "".join(_SUB) + "])",
        lambda m: "".join(_SUB[c] for c in m.group()),
        s,
    )
    return re.sub(
        "⁽([" + "".join(_SUP) + "]+)⁾",
        lambda m: "(" + "".join(_SUP[c] for c in m.group(1)) + ")",
        s,
    )
