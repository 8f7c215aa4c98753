"""The Jacobian and the gradient told apart (jacgrad.py), a weight matrix with a letter of the
note's own (weightletter.py), a forward pass written with ``:=`` (conventions._first_forward)
and a slip that swaps a and z (bishoplayers.writes_bishop): a note of our own in the notation of
mathematicians' notebooks, ``\\nabla g(x)`` a row for a scalar g, ``\\operatorname{grad} g =
\\nabla g^{\\top}`` its column, ``\\bullet`` the matrix product, the cost composed down to a layer.
Each correct line is judged correct, each slip (a gradient transposed, a row set equal to a
column, a definition with a and z swapped) is caught."""

from __future__ import annotations

from tests.check.test_notes import verdict_by_line

NOTE = r"""# Backpropagation as a theorem

\begin{align}
    a_0 &:= x \\
    z_l &:= B_l a_{l-1} + b_l \\
    a_l &:= \sigma_l(z_l)
\end{align}

**Nabla:** $\nabla g(x) \in \mathbb{R}^{1 \times n}$ is the row of partials.

**Gradient:**
\begin{align*}
    \operatorname{grad} g(x) = \nabla g(x)^{\top}
\end{align*}

We define
\begin{align*}
    H_l := C \circ F_L \circ \ldots \circ F_{l+1} \circ \sigma_l
\end{align*}
and
\begin{align*}
    \varepsilon_l := \operatorname{grad} H_l(z_l)
\end{align*}

\begin{align*}
    \varepsilon_L = \nabla \sigma_L (z_L) \bullet \operatorname{grad} C(a_L)
\end{align*}

\begin{align*}
    \varepsilon_l = \nabla \sigma_l (z_l) \bullet B_{l+1}^{\top} \bullet \varepsilon_{l+1}
\end{align*}

\begin{align*}
    \operatorname{grad}_{b_l}(C(F_{\Theta}(x))) &= \varepsilon_{l} \\
    \operatorname{grad}_{B_l}(C(F_{\Theta}(x))) &= \varepsilon_{l} a_{l-1}^{\top}
\end{align*}

\begin{align*}
    \operatorname{grad}_{B_l}(C(F_{\Theta}(x))) = a_{l-1} \varepsilon_{l}^{\top}
\end{align*}

\begin{align*}
    \nabla_{b_l} C(F_{\Theta}(x)) = \nabla H_l(z_l) = \varepsilon_l
\end{align*}

Steps:
  * $z_l := \sigma_l(a_l)$
"""


def test_jacobian_and_gradient_apart():
    got = verdict_by_line(NOTE)
    assert got[26] == "correct"  # the output layer's error through a diagonal Jacobian
    assert got[30] == "correct"  # the recursion, a product of matrices
    assert got[34] == "correct"
    assert got[35] == "correct"  # the gradient by the weights, in their shape
    assert got[39] == "wrong"  # its transpose
    assert got[43] == "wrong"  # a row (nabla) set equal to a column (epsilon)
    assert got[47] == "wrong"  # a and z swapped against the forward pass


def test_without_the_convention_no_transpose_is_wrong():
    # a note that never says grad is nabla transposed: nothing is rewritten, and a transposed
    # side stays a layout the note may use (never wrong)
    text = NOTE.replace(r"\operatorname{grad} g(x) = \nabla g(x)^{\top}", r"g = g")
    got = verdict_by_line(text)
    assert got.get(39) != "wrong"
    assert got.get(43) != "wrong"
