"""Math inside Hugo's shortcodes (``document.py``): a blog written for Hugo puts its display
math in ``{{< displaymath >}} ... {{< /displaymath >}}`` (or ``{{< katex display >}}``,
``{{< math >}}``), not in dollars. The note here is our own."""

from __future__ import annotations

from derive.check.notes.document import read_document

from .test_notes import verdict_by_line

NOTE = r"""---
title: "backprop"
math: true
---

The forward pass of one layer:

{{< displaymath >}}
z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}
{{< /displaymath >}}

{{< displaymath >}}
a^{(l)} = \sigma(z^{(l)})
{{< /displaymath >}}

{{< displaymath >}}
C = \frac{1}{2} \| a^{(L)} - y \|^2
{{< /displaymath >}}

The error of the last layer:

{{< displaymath >}}
\delta^{(L)} = (a^{(L)} - y) \odot \sigma'(z^{(L)})
{{< /displaymath >}}

{{< katex display >}}
\frac{\partial C}{\partial b^{(L)}} = \delta^{(L)}
{{< /katex >}}

{{< displaymath >}}
\delta^{(l)} = (W^{(l+1)})^T \delta^{(l+1)} \odot \sigma'(z^{(l)})
{{< /displaymath >}}
"""


def _line(text: str, marker: str) -> int:
    return next(n for n, ln in enumerate(text.splitlines(), 1) if marker in ln)


def test_shortcode_math_is_read_on_its_lines():
    items = read_document(NOTE).items
    assert [i.line for i in items] == [9, 13, 17, 23, 27, 31]
    assert all(i.display for i in items)


def test_claims_in_shortcodes_are_judged():
    v = verdict_by_line(NOTE)
    for marker in (r"\delta^{(L)} = (a", r"\partial b^{(L)}", r"\delta^{(l)} = (W"):
        assert v.get(_line(NOTE, marker)) == "correct", marker


def test_a_slip_in_a_shortcode_is_caught():
    wrong = NOTE.replace(r"(a^{(L)} - y) \odot \sigma'(z^{(L)})", r"(a^{(L)} - y) \odot z^{(L)}")
    v = verdict_by_line(wrong)
    assert v.get(_line(wrong, r"\delta^{(L)} = (a")) == "wrong"
    assert v.get(_line(wrong, r"\delta^{(l)} = (W")) != "wrong"


def test_an_inline_shortcode_and_prose_braces():
    text = "Hugo {{< katex >}}a = \\sigma(z){{< /katex >}} and {{< figure src=x >}} here.\n"
    items = read_document(text).items
    assert [(i.line, i.display) for i in items] == [(1, False)]
