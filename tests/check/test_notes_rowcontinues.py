"""A display row that opens with ``=`` where only prose stands before it (no formula to
continue): read on its own, never a crash (``judge.statements``)."""

from __future__ import annotations

from .test_notes import verdict_by_line


def test_a_leading_equals_after_prose_alone_does_not_crash():
    v = verdict_by_line("Some words first.\n\n$$= a + b$$\n\n$$z = W x + b$$\n")
    assert v.get(3) != "wrong", v
