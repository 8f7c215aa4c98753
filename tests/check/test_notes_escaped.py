"""Math typed for a Markdown engine that applies its backslash escapes before MathJax (gollum
wikis): ``\\begin{align\\*}``, rows ending in ``\\\\\\\\``, ``\\^`` for ^ (document._unescape).
A note of our own in that style: its rows are read one by one, as rendered."""

from __future__ import annotations

from derive.check.notes.read import read_notes
from tests.check.test_notes import verdict_by_line

NOTE = r"""# Backpropagation

The weighted input of unit $j$ in layer $l$:

\begin{align\*}
z_j^{(l)} &= \sum_{i}\^{n} w_{ji}^{(l)} a_i^{(l-1)} + b_j^{(l)} \\\\
a_j^{(l)} &= g(z_j^{(l)})
\end{align\*}

With $\delta_j^{(l)} = \frac{\partial E}{\partial z_j^{(l)}}$:

\begin{align\*}
\frac{\partial E}{\partial w_{ji}^{(l)}} &= \delta_j^{(l)} a_i^{(l-1)} \\\\
\delta_{i}^{(l-1)} &= \sum_j \delta_j^{(l)} w_{ji}^{(l)} g'(z_i^{(l-1)}) \\\\
\frac{\partial E}{\partial b_j^{(l)}} &= \delta_j^{(l)} a_j^{(l-1)}
\end{align\*}
"""


def test_escaped_rows_are_read():
    rows = {s.line: s.text for s in read_notes(NOTE) if s.kind == "math"}
    assert rows[6].startswith("z_j^{(l)} = \\sum_{i}")
    assert "^{n}" in rows[6].replace(" ", "")
    assert rows[7] == "a_j^{(l)} = g(z_j^{(l)})"
    assert 13 in rows and 14 in rows and 15 in rows


def test_escaped_claims_are_judged():
    got = verdict_by_line(NOTE)
    assert got[13] == "correct"
    assert got[14] == "correct"
    assert got[15] == "wrong"  # a_j^{(l-1)} beside the bias: caught


def test_plain_markdown_unchanged():
    # a note without the escaped star keeps its text as written
    text = NOTE.replace("align\\*", "align*")
    assert [s.text for s in read_notes(text) if s.kind == "math"][0].count("\\\\") == 0
