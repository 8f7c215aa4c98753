"""LaTeX notes written with the ``physics`` package (notes/physics.py), in notes written here from
scratch: ``\\pdv{C}{w^l}``, ``\\dv{L}{a}``, ``\\dd{z}`` (the name dz), ``\\qty( … )``, ``\\vb``,
``\\vdot``, ``\\norm``, ``\\mqty[ … ]``; and a chain rule through the mean cost's derivative by one
example's loss (``\\dv{J}{L}``, meaning/chains.py)."""

from __future__ import annotations

from derive.check.notes.document import read_document
from derive.check.notes.physics import expand

from .test_notes import verdict_by_line

NIELSEN = r"""\documentclass{article}
\usepackage{physics}
\begin{document}
The network, with $\vb{x}$ the input:
\begin{align*}
z^l &= w^l a^{l-1} + b^l \\
a^l &= \sigma(z^l)
\end{align*}
and the cost $C = \frac{1}{2} \norm{a^L - y}^2$.
\begin{align*}
\pdv{C}{a^L} &= \qty(a^L - y) \\
\delta^L &= \qty(a^L - y) \odot \sigma'(z^L) \\
\pdv{C}{b^l} &= \delta^l \\
\pdv{C}{w^l} &= \delta^l \qty(a^{l-1})^T \\
\delta^l &= \qty(\qty(w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l) \\
\pdv{C}{z^l} &= \pdv{C}{z^{l+1}} \pdv{z^{l+1}}{z^l}
\end{align*}
\end{document}
"""


def test_physics_macros_are_read():
    v = verdict_by_line(NIELSEN)
    for line in (11, 12, 13, 14, 15, 16):
        assert v[line] == "correct", (line, v)


def test_physics_macros_mistakes_are_caught():
    wrong = (
        NIELSEN.replace(r"\qty(a^L - y) \odot", r"\qty(a^L + y) \odot")
        .replace(r"\delta^l \qty(a^{l-1})^T", r"\qty(a^{l-1})^T \delta^l")
        .replace(r"\pdv{z^{l+1}}{z^l}", r"\pdv{z^{l+1}}{w^l}")
    )
    v = verdict_by_line(wrong)
    assert v[12] == "wrong"  # a sign slip
    assert v[14] == "wrong"  # the factors in the wrong order
    assert v[16] == "wrong"  # a chain rule whose factors do not link up
    assert v[11] == "correct"


def test_the_package_forms():
    assert expand(r"\pdv{f}{x}") == r"\frac{\partial f}{\partial x}"
    assert expand(r"\pdv[2]{f}{x}") == r"\frac{\partial^{2} f}{\partial {x}^{2}}"
    assert expand(r"\pdv{x}") == r"\frac{\partial}{\partial x}"
    assert expand(r"\dv{L}{a}") == r"\frac{d L}{d a}"
    assert expand(r"\dd{\vb{z}}") == r"d\mathbf{z}"
    assert expand(r"\qty(a + \qty[b])") == r"\left( a + \left[ b \right] \right)"
    assert expand(r"\eval{f}_{x=0}") == r"\left. f \right|_{x=0}"
    assert expand(r"\mqty[a & b]") == r"\begin{bmatrix}a & b\end{bmatrix}"
    # the note's own \dv wins over the package's
    assert expand(r"\dv{L}{a}", own={"dv"}) == r"\dv{L}{a}"


def test_a_matrix_of_the_package_is_one_formula():
    doc = read_document(
        "\\documentclass{article}\n\\usepackage{physics}\n\\begin{document}\n"
        "\\begin{align*}\n"
        "\\pdv{J}{w} &= \\mqty[x^{(1)} & x^{(2)}] \\vdot \\mqty[dz^{(1)} \\\\ dz^{(2)}]\n"
        "\\end{align*}\n\\end{document}\n"
    )
    assert len(doc.items) == 1
    assert doc.items[0].line == 5
    assert "bmatrix" in doc.items[0].text


LOGREG = r"""\documentclass{article}
\usepackage{physics}
\begin{document}
One unit:
\begin{align*}
z &= \vb{w} \vdot \vb{x} + b \\
a &= \sigma(z)
\end{align*}
with the loss of one example and the cost of $m$ examples:
\begin{align*}
L(a, y) &= -\qty(y \log(a) + (1 - y) \log(1 - a)) \\
J &= \frac{1}{m} \sum_{i=1}^{m} L(a^{(i)}, y^{(i)})
\end{align*}
Then
\begin{align*}
\dv{L}{a} &= -\qty(\frac{y}{a} - \frac{1 - y}{1 - a}) \\
\dv{a}{z} &= a(1 - a) \\
\dd{z} &:= \dv{J}{z} = \dv{a}{z} \dv{L}{a} \dv{J}{L}
\end{align*}
\end{document}
"""


def test_a_chain_through_the_mean_of_the_losses():
    v = verdict_by_line(LOGREG)
    assert v[16] == "correct"
    assert v[17] == "correct"
    assert v[18] == "correct"  # dJ/dL: the mean cost by one example's loss, a link of the chain
    wrong = LOGREG.replace(r"\dv{L}{a} \dv{J}{L}", r"\dv{L}{z} \dv{J}{L}")
    wrong = wrong.replace("&= a(1 - a)", "&= a(1 + a)")
    v = verdict_by_line(wrong)
    assert v[17] == "wrong"
    assert v[18] == "wrong"


def test_malformed_and_deep_nesting_stay_bounded():
    assert expand(r"\pdv{C}{").endswith("{")  # an unclosed argument stays unclosed (unread)
    assert expand(r"\qty(a") == r"\qty(a"
    deep = expand(r"\qty(" * 3000 + "x" + ")" * 3000)  # no recursion error
    assert deep.count("x") == 1
