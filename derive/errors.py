"""The one error type users see: a message that names the file, the key and the fix.

The CLI prints ``DeriveError`` messages without a traceback and exits with status 2;
anything else escaping is a bug in derive, not in the user's input.
"""

from __future__ import annotations


class DeriveError(Exception):
    """A problem with the user's input (spec, data, notes), explained for a human.

    ``where`` is the file (and key or line) the problem is in, ``fix`` what to do about it.
    """

    def __init__(self, message: str, *, where: str | None = None, fix: str | None = None):
        self.message = message
        self.where = where
        self.fix = fix
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text
