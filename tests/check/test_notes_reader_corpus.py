"""The reader on real notes: every keyed line of the notes corpus yields a clean, whole formula.

The corpus (``shared/notes-corpus/`` beside the repository, other people's notes, never copied
here) keys each line that holds a claim, on the line where its right-hand side starts. A keyed
line counts as read when the reader gives a math item on exactly that line that is a whole
formula as the author meant it, and no broken formula beside it: a relation with both sides,
no alignment ``&`` or row break left, the note's own macros expanded, presentation
(``\\label``, ``\\tag``, ``\\textcolor``, ``\\boxed``, ``\\mbox``, fonts, ``\\left``)
stripped, balanced braces, no trailing punctuation. The figures per note and in total are
held, so a change that reads less fails. Which formula the author meant was checked by hand
when the figures were set; this test keeps the mechanical part of that judgement.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from derive.check.notes.read import read_notes


def _corpus() -> Path | None:
    root = Path(__file__).resolve().parents[2]
    for base in (root, *root.parents):
        found = base / "shared" / "notes-corpus"
        if found.is_dir():
            return found
    return None


CORPUS = _corpus()
pytestmark = pytest.mark.skipif(CORPUS is None, reason="the notes corpus is not beside the repo")

# Keyed lines read whole, per note, as reached (the denominator is every keyed line).
HELD = {
    "adb991_udacity_notes": 18,
    "antoinecollas_softmax_fr": 15,
    "behnamasadi_3b1b_notebook": 18,
    "chrisxue815_ng_lowercase": 15,
    "dahoc_delta_rule_de": 22,
    "hieupm_ng_shallow_fr": 6,
    "jmcheon_rows_vs_cols_table": 2,
    "koerbitz_reinventing_backprop": 26,
    "lmtot27_rows_softmax_vi": 20,
    "lotabout_bp_note_zh": 23,
    "markusthill_boldsymbol_batch": 12,
    "mathscode_logreg_zh": 19,
    "physicsd00d_cs224d_hw": 33,
    "rugessnome_softmax_jacobian_fr": 22,
    "steven2358_ufldl": 10,
    "xannotzan_textcolor": 19,
    "yanfenglee_softmax_ce": 11,
    "zxrobot_lenet_fc_zh": 8,
}

_LEFTOVER = re.compile(
    r"\\(label|tag|nonumber|notag|textcolor|color|framebox|fbox|boxed|mbox|displaystyle|"
    r"limits|bf|mathbf|boldsymbol|bm|left|right|begin\{(?!cases|[bpvBV]?matrix|array)|"
    r"end\{(?!cases|[bpvBV]?matrix|array))(?![A-Za-z])"
)
_RELATION = re.compile(r"(?<![<>!:])=|\\equiv|\\approx|\\text\{\s*is size\s*\}")
_DEFINES = re.compile(r"\\(?:newcommand|renewcommand|providecommand|def|gdef)\s*\{?\\([A-Za-z]+)")


def keyed_lines(stem: str) -> list[int]:
    text = (CORPUS / f"{stem}.key").read_text(encoding="utf-8")
    return [int(m.group(1)) for m in re.finditer(r"^(\d+)\s+(?:correct|wrong)\b", text, re.M)]


def balanced(tex: str) -> bool:
    depth = 0
    for i, ch in enumerate(tex):
        if ch in "{}" and tex[i - 1 : i] == "\\":
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def whole(tex: str, macros: set[str]) -> bool:
    """A formula with both sides of a relation and nothing of its presentation left."""
    if not tex or not balanced(tex) or "$" in tex or _LEFTOVER.search(tex):
        return False
    if any(re.search(rf"\\{name}(?![A-Za-z])", tex) for name in macros):
        return False
    flat = re.sub(r"\{[^{}]*\}", "{}", tex)  # relations inside groups (subscripts) do not count
    if "&" in flat or "\\\\" in flat or not _RELATION.search(tex):
        return False
    start, end = tex.lstrip()[:1], tex.rstrip()[-1:]
    return start not in "=" and end not in "=+-.,;"


def _read(texts: list[str], macros: set[str]) -> bool:
    """A whole formula on the line, and no broken one (a symbol named in the prose around it,
    ``$W^l$``, is no formula and does not count against the line)."""
    formulas = [t for t in texts if _RELATION.search(t) or "=" in t]
    return any(whole(t, macros) for t in formulas) and all(whole(t, macros) for t in formulas)


def read_lines(path: Path) -> tuple[int, int, list[int]]:
    text = path.read_text(encoding="utf-8")
    macros = set(_DEFINES.findall(text))
    math: dict[int, list[str]] = {}
    for seg in read_notes(text, latex=path.suffix == ".tex" or None):
        if seg.kind == "math":
            math.setdefault(seg.line, []).append(seg.text)
    keyed = keyed_lines(path.stem)
    missed = [n for n in keyed if not _read(math.get(n, []), macros)]
    return len(keyed) - len(missed), len(keyed), missed


def notes() -> list[Path]:
    if CORPUS is None:
        return []
    return sorted(
        p
        for p in CORPUS.iterdir()
        if p.suffix in (".md", ".tex") and (CORPUS / f"{p.stem}.key").exists()
    )


@pytest.mark.parametrize("path", notes(), ids=lambda p: p.stem)
def test_every_keyed_line_is_read_whole(path):
    read, total, missed = read_lines(path)
    assert read >= HELD[path.stem], f"{path.stem}: {read}/{total} read, missed lines {missed}"


def test_corpus_total_and_time():
    total_read = total = 0
    for path in notes():
        t0 = time.perf_counter()
        read, n, _ = read_lines(path)
        assert time.perf_counter() - t0 < 1.0, f"{path.stem} took over a second to read"
        total_read, total = total_read + read, total + n
    assert total == 299 and total_read >= sum(HELD.values())


if __name__ == "__main__":  # the figures, note by note (python tests/check/test_notes_...py)
    grand = [0, 0]
    for p in notes():
        r, n, miss = read_lines(p)
        grand = [grand[0] + r, grand[1] + n]
        print(f"{p.stem:<32} {r:>3}/{n:<3} missed {miss}")
    print(f"total {grand[0]}/{grand[1]}")
