"""Inline math over several lines whose dollars are half hugged, half alone on their lines.

Students typing in Typora or Obsidian open with ``$`` alone on a line and close right after
the formula (``…(1 - s(x))$``), or the other way round; each dollar either hugs the formula or
stands alone on its line, so the span is math. A dollar that does neither still opens nothing
(a stray ``$`` must not swallow the paragraph). The notes here are our own."""

from __future__ import annotations

from derive.check.notes.read import read_notes

OPEN_ALONE = "Its slope:\n\n$\n\\frac{\\partial q}{\\partial s}=\nq(1-q)$\n, the derivative.\n"
CLOSE_ALONE = "Its slope:\n\n$\\frac{\\partial q}{\\partial s}=\\\nq(1-q)\n$\n, the derivative.\n"
STRAY = "It costs $ 5 per\nline and q(1-q) $ more.\n"


def _math(text: str) -> list[tuple[int, str]]:
    return [(s.line, s.text) for s in read_notes(text) if s.kind == "math"]


def test_a_dollar_alone_on_one_end_and_hugging_on_the_other_is_math():
    for text in (OPEN_ALONE, CLOSE_ALONE):
        found = _math(text)
        assert len(found) == 1 and "q(1-q)" in found[0][1], (text, found)


def test_a_dollar_that_neither_hugs_nor_stands_alone_opens_nothing():
    assert _math(STRAY) == []
