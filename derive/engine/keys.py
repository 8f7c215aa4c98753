"""The one check of a spec table's keys, for the file's top level, ``[cost]`` and every layer
kind: an unknown key is an error naming it, the closest known key, and the keys there are."""

from __future__ import annotations

import difflib

from derive.errors import DeriveError


def article(word: str) -> str:
    """The article of a kind's name as it is read aloud: an rnn, an avgpool, a conv2d."""
    return "an" if word[:1] in "aeioru" else "a"


def only_keys(table: dict, allowed: set[str], where: str, top: bool = False, kind: str = ""):
    """Reject unknown keys; ``top``: the table is the whole file (``where`` is its name);
    ``kind``: the table is a layer of that kind (the message names it)."""
    unknown = sorted(set(table) - allowed)
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(allowed), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        layer = f"{article(kind)} {kind} layer" if kind else ""
        raise DeriveError(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}"
            + (f" for {layer}" if layer else ""),
            where=f"{where}: {unknown[0]}" if top else f"{where}.{unknown[0]}",
            fix=f"{hint}the keys {f'of {layer}' if layer else 'here'} are: "
            + ", ".join(sorted(allowed)),
        )
