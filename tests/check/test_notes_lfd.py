"""Learning From Data's notation for a network (Abu-Mostafa et al., and the notes that retell
it): ``s_j^{(l)} = \\sum_i w_{ij}^{(l)} x_i^{(l-1)}`` the signal into unit j (the weight from
i to j, the signal defined with ``\\triangleq``), ``x_j^{(l)} = \\theta(s_j^{(l)})`` its output,
``e(w)`` one example's error, ``\\delta_j^{(l)} = \\partial e/\\partial s_j^{(l)}``
(ownquantities.py in entry form, errorletter.py, entryorder.py). A note of our own in that
notation: the correct recursion and gradient are correct, the weight's indices swapped and the
derivative's argument left out are caught."""

from __future__ import annotations

from tests.check.test_notes import verdict_by_line

NOTE = r"""# A layer of units

The output of unit $j$ in layer $\ell$ is

$$x_j^{(\ell)} = g\left(S_j^{(\ell)}\right),$$
$$S_j^{(\ell)} \triangleq \sum_{i} w_{ij}^{(\ell)} x_i^{(\ell-1)}.$$
With $\delta_j^{(\ell)} = \frac{\partial e(w)}{\partial S_j^{(\ell)}}$ the error signal:

$$\frac{\partial e(w)}{\partial w_{ij}^{(\ell)}} = \delta_j^{(\ell)} x_i^{(\ell-1)}$$

$$\delta_i^{(\ell-1)} = \sum_j \delta_j^{(\ell)} w_{ij}^{(\ell)} g'\left(S_i^{(\ell-1)}\right)$$

$$\delta_i^{(\ell-1)} = g'\left(S_i^{(\ell-1)}\right) \sum_j w_{ij}^{(\ell)} \delta_j^{(\ell)}$$

$$\delta_i^{(\ell-1)} = \sum_j \delta_j^{(\ell)} w_{ji}^{(\ell)} g'\left(S_i^{(\ell-1)}\right)$$

$$\delta_i^{(\ell-1)} = \sum_j \delta_j^{(\ell)} w_{ij}^{(\ell)} g\left(S_i^{(\ell-1)}\right)$$

$$\frac{\partial e(w)}{\partial w_{ij}^{(\ell)}} = \delta_i^{(\ell)} x_j^{(\ell-1)}$$
"""


def test_learning_from_data_notation():
    got = verdict_by_line(NOTE)
    assert got[9] == "correct"
    assert got[11] == "correct"
    assert got[13] == "correct"
    assert got[15] == "wrong"  # the weight's indices swapped
    assert got[17] == "wrong"  # g where g' is meant
    assert got[19] == "wrong"  # the ends of the weight swapped


def test_euler_e_stays_a_number():
    # a note with its own E keeps e as Euler's number: nothing renamed, nothing wrong
    text = NOTE.replace(r"the error signal:", r"the error signal, and $E = e^{2}$:")
    got = verdict_by_line(text)
    assert "wrong" not in {got.get(n) for n in (9, 11, 13)}
