"""A softmax worked with numbers: the note's logits, its probabilities, target and gradient.

Softmax + cross-entropy notes often end with an example in numbers, each quantity a vector of
values: ``o = \\boxed{2}\\boxed{3}\\boxed{4}`` (cells side by side), ``z = [2, 1, 0]``,
``\\mathbf p = \\begin{bmatrix} 0.665 & 0.245 & 0.090 \\end{bmatrix}``, or in a plain-text fence
``logits:   [2.0, 1.0, 0.1]``, ``softmax:  [0.66, 0.24, 0.10]``, ``target: [0, 0, 1]``,
``gradient: [0.66, 0.24, -0.90]``. Such an example is judged by evaluating its numbers:

- the probabilities (the letter the note's softmax defines, ``p_j = \\frac{e^{o_j}}{\\sum_i
  e^{o_i}}``, or a label ``softmax``, ``probabilities``, ``predictions``) are the softmax of the
  latest logits of as many entries (the softmax's argument letter, or a label ``logits``,
  ``scores``), each entry to within one unit of its last written digit;
- the gradient (``\\frac{\\partial L}{\\partial o}`` by the logits letter, ``\\nabla_z L``, a label
  ``gradient``, ``p - y``) is the probabilities minus the one-hot target, computed from the
  probabilities the note wrote (its rounded numbers) or from the exact softmax; the gradient by
  the probabilities (``-y/p``) is read too;
- the loss in numbers (``L = -\\log(0.245) = 1.406``) is arithmetic on the numbers written,
  in any base of the logarithm.

Entries worked to a number (``p_1 = \\frac{7.389}{11.107} = 0.665``, ``\\frac{\\partial
L}{\\partial z_1} = 0.665 - 1 = -0.335``) are judged as their vector's entry, numbered as the
note numbers them (from 0 where it writes ``z_0`` or ``\\sum_{j=0}``, from 1 where it writes
``\\sum_{j=1}``, either when it does not say); a Markdown table of the example, one row a class
(``| Class | Logit $z_i$ | $e^{z_i}$ | Softmax $p_i$ | Target | Gradient |``), row by row.

The logits and the target are the example's inputs, never judged; a new logits vector starts
a new example, whose gradient needs a target of its own. A prediction named as any output
(``\\hat y``, ``predictions``) is taken for the softmax only when its entries sum to 1. Only in
a note that speaks of a softmax (the word, or its formula); a vector whose role its name does
not say, or whose inputs the note did not give in numbers, is left alone.
"""

from __future__ import annotations

import math
import re

import numpy as np

NUM = r"[-−]?\s*(?:\d+\.?\d*|\.\d+)"
_NUM = re.compile(NUM)

# a plain line of a fence: ``logits:   [2.0, 1.0, 0.1]   ← raw output``
_PLAIN = re.compile(
    rf"^\s*(?:[-*]\s+)?([A-Za-z][\w ()/'\-^]{{0,40}}?)\s*[:=]\s*\[\s*({NUM}(?:\s*[,;]?\s*{NUM})+)"
    r"\s*,?\s*\]"
)
_MATRIX = re.compile(r"^\\begin\{([bpvBV]?matrix|array)\}(?:\{[lcr|]*\})?(.*)\\end\{\1\}$", re.S)
_LIST = re.compile(rf"^[\[(]\s*({NUM}(?:\s*(?:,|;|\s)\s*{NUM})+)\s*[\])]$")

LOGIT_WORDS = {"logits", "logit", "scores", "score", "classscores", "rawscores"}
PROB_WORDS = {
    "softmax", "probabilities", "probability", "probs", "prob", "predictions", "prediction",
    "predicted", "predictedprobabilities", "yhat", "y_hat", "\\hat{y}", "\\haty", "hat{y}",
}  # fmt: skip
_OUTPUT_WORDS = {"predictions", "prediction", "predicted", "yhat", "y_hat", "\\hat{y}", "\\haty"}
GRAD_WORDS = {"gradient", "gradients", "grad", "dl/d(logits)", "dl/dlogits", "dlogits"}
COST_LETTERS = r"(?:L|E|J|C|H|\\mathcal\{L\}|\\ell|loss|Loss)"


def _key(name: str) -> str:
    """A name as compared with the role words: fonts and spaces dropped, lower case."""
    s = re.sub(r"\\(?:mathbf|boldsymbol|bm|vec|mathrm|text|operatorname)\s*\{([^{}]*)\}", r"\1",
               name)  # fmt: skip
    s = re.sub(r"\\(?:mathbf|boldsymbol|bm|vec)\s*", "", s)
    return re.sub(r"[\s{}]", "", s).lower()


def _numbers(text: str) -> list[tuple[float, int]] | None:
    """The entries of a vector of numbers (a row or a column, also transposed), each with its
    decimals."""
    text = re.sub(r"\^\s*\{?\s*(?:T|\\top|\\intercal)\s*\}?\s*$", "", text.strip()).strip()
    m = _MATRIX.match(text)
    if m:
        cells = [c.strip() for c in re.split(r"\\\\|&", m.group(2)) if c.strip()]
    else:
        m = _LIST.match(text)
        if not m:
            return None
        cells = _NUM.findall(m.group(1))
    out = []
    for c in cells:
        c = c.replace("−", "-").replace(" ", "")
        if not re.fullmatch(r"-?(?:\d+\.?\d*|\.\d+)", c):
            return None
        dec = len(c.split(".")[1]) if "." in c else 0
        out.append((float(c), dec))
    return out if len(out) >= 2 else None


def _letters(formulas: list[str]) -> tuple[set[str], set[str]]:
    """The note's softmax: (letters of its argument, letters of its value). ``p_j =
    \\frac{e^{o_j}}{\\sum_i e^{o_i}}``, ``p_i = exp(z_i) / Σ_j exp(z_j)``, ``p = softmax(z)``."""
    args, values = set(), set()
    expo = r"(?:e\^\{?\s*|\\?exp\s*\(?\s*)"
    for text in formulas:
        for m in re.finditer(
            rf"{expo}([A-Za-z])_\{{?\s*\w\s*\}}?\s*\}}?\s*\)?\s*\}}?\s*(?:\{{|/)\s*"
            rf"(?:\\sum|Σ|\\Sigma).{{0,40}}?{expo}\1_",
            text,
        ):
            args.add(m.group(1))
        # an entry defined as an exponential over a sum (p_j = \frac{e^{x_j}}{\sum_k e^{x_k}},
        # also with the argument's letter left out, e^j / \sum_i e^i)
        m = re.match(
            rf"\s*([A-Za-z])_\{{?\s*\w\s*\}}?\s*=\s*(?:\\d?frac\s*\{{\s*)?{expo}[A-Za-z].*"
            r"(?:\\sum|Σ|\\Sigma)",
            text,
        )
        if m:
            values.add(m.group(1))
        m = re.match(
            r"\s*(?:\\mathbf\{)?([A-Za-z])\}?\s*=\s*\\?(?:text\{|mathrm\{|operatorname\{)?"
            r"softmax\}?\s*\(\s*(?:\\mathbf\{)?([A-Za-z])\b",
            text,
        )
        if m:
            values.add(m.group(1))
            args.add(m.group(2))
    return args - values, values


def _role(name: str, args: set[str], values: set[str]) -> str | None:
    k = _key(name)
    if k in LOGIT_WORDS:
        return "logits"
    bare = re.sub(r"\\(?:mathbf|boldsymbol|bm|vec)\s*\{([^{}]*)\}", r"\1", name).strip("{} ")
    if bare in args:
        return "logits"
    if k in PROB_WORDS or bare in values or re.fullmatch(r"softmax\(\w+\)", k):
        return "probs"
    if k in GRAD_WORDS:
        return "grad"
    d = re.fullmatch(
        rf"\\d?frac\{{\s*(?:\\partial|d)\s*{COST_LETTERS}\s*\}}\{{\s*(?:\\partial|d)\s*"
        r"(?:\\mathbf\{)?([A-Za-z])\}?\s*\}",
        name.strip(),
    ) or re.fullmatch(rf"(?:∂|d){COST_LETTERS}\s*/\s*(?:∂|d)([A-Za-z])", name.strip())
    d = d or re.fullmatch(
        rf"\\nabla_\{{?\s*(?:\\mathbf\{{)?([A-Za-z])\}}?\s*\}}?\s*{COST_LETTERS}", name.strip()
    )
    if d:
        if d.group(1) in args:
            return "grad"
        if d.group(1) in values:
            return "dprobs"
        return None
    diff = re.fullmatch(r"([A-Za-z]|\\hat\{y\}|predictions)\s*-\s*([A-Za-z]|targets)", k)
    if diff and (diff.group(1) in values or diff.group(1) in ("predictions", "\\hat{y}")):
        return "grad"
    return "name"


_ENTRY = re.compile(r"([A-Za-z])_\{?\s*(\d)\s*\}?")
_DERIV_ENTRY = re.compile(
    r"(\\d?frac\{\s*(?:\\partial|d)\s*[^{}]+\}\{\s*(?:\\partial|d)\s*)([A-Za-z])_\{?\s*(\d)\s*\}?"
    r"(\s*\})"
)
_RESULT = re.compile(r"[-−]?\s*\d+(?:\.\d+)?")


def _entry(lhs: str):
    """``p_1``, ``\\frac{\\partial L}{\\partial z_1}``: (the name without its entry, the entry
    number), else None."""
    m = _ENTRY.fullmatch(lhs)
    if m:
        return m.group(1), int(m.group(2))
    m = _DERIV_ENTRY.fullmatch(lhs)
    if m:
        return m.group(1) + m.group(2) + m.group(4), int(m.group(3))
    return None


def _vectors(segments, text: str):
    """(line, [names], [(value, decimals)], entry) for each vector of numbers the note states
    (entry None), and each entry worked out to a number (``p_1 = \\frac{7.389}{11.107} =
    0.665``: the entry's number as written)."""
    out, seen = [], set()
    from .grammar import split_relations

    for seg in segments:
        if seg.kind != "math":
            continue
        parts = [p.strip() for _, _, p in split_relations(seg.text)]
        for k, p in enumerate(parts):
            vals = _numbers(p)
            if vals is None:
                continue
            names = [q for q in parts[:k] if _numbers(q) is None]
            out.append((seg.line + seg.text[: seg.text.find(p)].count("\n"), names, vals, None))
            seen.add(seg.line)
            break
        else:
            entry = _entry(parts[0]) if len(parts) > 1 else None
            last = parts[-1].replace(" ", "")
            if entry is not None and _RESULT.fullmatch(last):
                c = last.replace("−", "-")
                dec = len(c.split(".")[1]) if "." in c else 0
                line = seg.line + seg.text[: seg.text.rfind(parts[-1])].count("\n")
                out.append((line, [entry[0], parts[0]], [(float(c), dec)], entry[1]))
    for n, raw in enumerate(text.splitlines(), 1):
        if n in seen:
            continue
        m = _PLAIN.match(raw)
        if m:
            vals = _numbers("[" + m.group(2) + "]")
            if vals:
                out.append((n, [m.group(1).strip()], vals, None))
    out.sort(key=lambda t: t[0])
    return out


def _tol(dec: int) -> float:
    """One unit of the last written digit (a whole number: half a unit of the next)."""
    return 10.0 ** (-dec) + 1e-9 if dec else 0.5


def _show(v) -> str:
    return "(" + ", ".join(f"{x:.4g}" for x in v) + ")"


def _within(got, want, extra=0.0) -> int | None:
    """The first entry of ``got`` off ``want`` by more than its digits allow, else None."""
    for i, ((g, dec), w) in enumerate(zip(got, want, strict=True)):
        if abs(g - w) > _tol(dec) + extra:
            return i
    return None


def _softmax(z):
    e = np.exp(np.array(z) - max(z))
    return e / e.sum()


def _onehot(vals) -> bool:
    xs = [v for v, _ in vals]
    return sorted(xs) == [0.0] * (len(xs) - 1) + [1.0]


def _bases(formulas: str) -> list[int]:
    """How the note numbers entries: from 0 (``z_0``, ``\\sum_{j=0}``), from 1
    (``\\sum_{j=1}``), or either when it does not say."""
    zero = re.search(r"[A-Za-z]_\{?\s*0\s*\}?(?![\d.])|_\{\s*[a-z]\s*=\s*0\s*\}", formulas)
    one = re.search(r"_\{\s*[a-z]\s*=\s*1\s*\}", formulas)
    if zero and not one:
        return [0]
    return [1] if one and not zero else [1, 0]


def _formulas(segments) -> list[str]:
    return [seg.text for seg in segments if seg.kind == "math"]


def applies(segments, text: str) -> bool:
    return bool(re.search(r"(?i)softmax", text)) or bool(_letters(_formulas(segments))[0])


def judge(segments, text: str):
    """Verdicts on the note's softmax example in numbers (see the module doc):
    [(line, claim, verdict, message)]."""
    if not applies(segments, text):
        return []
    args, values = _letters(_formulas(segments))
    out = []
    logits = probs = target = None  # (line, values)
    bases = _bases(" ".join(_formulas(segments)))
    for line, names, vals, entry in _vectors(segments, text):
        roles = [_role(n, args, values) for n in (names[:1] if entry is not None else names)]
        known = [r for r in roles if r not in (None, "name")]
        if entry is None and not known and _onehot(vals) and names:
            target = (line, vals)
            continue
        if not known or len(set(known)) > 1:
            continue
        role = known[0]
        if entry is None:
            claim = " = ".join([*names, _show([v for v, _ in vals])])
        else:
            claim = f"{names[1]} = {vals[0][0]:g}"
        if role == "logits":
            if entry is None:
                if logits is not None:
                    target = None  # a new example: the last one's target is not its own
                logits, probs = (line, vals), None
            continue
        size = len(vals) if entry is None else len(logits[1]) if logits else 0
        z = [v for v, _ in logits[1]] if logits and len(logits[1]) == size else None
        options = []
        if role == "probs":
            if entry is None:
                probs = (line, vals)
            # a prediction named as any output (\hat y, "predictions") is the softmax's only
            # when its entries sum to 1: a sigmoid per class is another output
            loose = any(_key(n) in _OUTPUT_WORDS for n in names[:1])
            total = sum(v for v, _ in vals) if entry is None else 1.0
            if z is not None and not (loose and abs(total - 1) > sum(_tol(d) for _, d in vals)):
                options.append((f"the softmax of {_show(z)}", _softmax(z)))
        else:
            y = [v for v, _ in target[1]] if target and len(target[1]) == size else None
            p = [v for v, _ in probs[1]] if probs and len(probs[1]) == size else None
            if y is not None and role == "grad":
                if p is not None:
                    options.append(
                        ("the probabilities written minus the target", np.subtract(p, y))
                    )
                if z is not None:
                    options.append(("the softmax minus the target", _softmax(z) - np.array(y)))
            for q in (p, None if z is None else list(_softmax(z))) if y is not None else ():
                if role == "dprobs" and q is not None and all(x > 0 for x in q):
                    options.append(("-y/p", -np.array(y) / np.array(q)))
        if entry is not None:  # the entry's place in the vector, as the note numbers them
            options = [
                (
                    how + ("" if first else ", entries from 0"),
                    want[entry - first : entry - first + 1],
                )
                for first in bases
                for how, want in options
                if 0 <= entry - first < size
            ]
        if not options:
            continue
        for how, want in options:
            if _within(vals, want) is None:
                out.append((line, claim, "correct", f"{how}: {_show(want)}"))
                break
        else:
            how, want = options[0]
            bad = _within(vals, want)
            what = "it is" if entry is not None else f"entry {bad + 1} is"
            why = f"{how}: {what} {want[bad]:.4g}, not {vals[bad][0]:g}"
            out.append((line, claim, "wrong", why))
    return out + _losses(segments) + _tables(text, args, values)


# the loss in numbers: -\log(0.245), -\ln 0.665, -log(0.24)
_LOG = re.compile(rf"^\s*(-|−)?\s*\\?(log|ln)\s*(?:_\{{?(2|10|e)\}}?)?\s*\(?\s*({NUM})\s*\)?\s*$")


def _losses(segments):
    from .grammar import split_relations

    out = []
    for seg in segments:
        if seg.kind != "math":
            continue
        parts = [p.strip() for _, _, p in split_relations(seg.text)]
        for k in range(1, len(parts) - 1):
            m = _LOG.match(parts[k])
            res = parts[k + 1].replace("−", "-")
            if not m or not re.fullmatch(r"-?\d+\.\d+", res):
                continue
            x = float(m.group(4).replace("−", "-").replace(" ", ""))
            if x <= 0:
                continue
            sign = -1.0 if m.group(1) else 1.0
            bases = {"2": [2.0], "10": [10.0], "e": [math.e]}.get(m.group(3) or "", None)
            if bases is None:
                bases = [math.e] if m.group(2) == "ln" else [math.e, 10.0, 2.0]
            got = float(res)
            tol = _tol(len(res.split(".")[1]))
            vals = [sign * math.log(x, b) for b in bases]
            line = seg.line + seg.text[: seg.text.find(parts[k + 1])].count("\n")
            claim = f"{parts[k]} = {parts[k + 1]}"
            if any(abs(v - got) <= tol for v in vals):
                out.append((line, claim, "correct", f"{parts[k]} is {vals[0]:.6g}"))
            else:
                out.append((line, claim, "wrong", f"{parts[k]} is {vals[0]:.6g}, not {got:g}"))
    return out


# a table of the example, one row a class: | Class | Logit $z_i$ | Softmax $p_i$ | Target | ... |
_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_RULE = re.compile(r"^\s*\|?[\s|:-]+\|?\s*$")


def _column_role(head: str, args: set[str], values: set[str]) -> str | None:
    """What a table column holds, by its heading's words or the note's letters."""
    h = head.replace("$", " ").strip()
    words = set(re.findall(r"[a-z]+", h.lower()))
    letter = re.fullmatch(r"\s*(?:[A-Za-z ]*?)\s*([A-Za-z])_\{?[a-z]\}?\s*", h)
    if words & {"gradient", "grad"} or re.search(r"-\s*\\?(?:y|t)", h):
        return "grad"
    if re.search(r"e\^|exp", h):
        return "exp" if re.search(r"e\^\{?\s*([A-Za-z])|exp", h) else None
    if words & {"logit", "logits", "score", "scores"} or letter and letter.group(1) in args:
        return "logits"
    if words & {"softmax", "probability", "probabilities", "prob", "probs"}:
        return "probs"
    if letter and letter.group(1) in values:
        return "probs"
    if words & {"target", "targets", "label", "onehot", "one", "hot"}:
        return "target"
    return None


def _cell(text: str):
    c = text.replace("$", "").replace("−", "-").replace(" ", "")
    if not re.fullmatch(r"-?(?:\d+\.?\d*|\.\d+)", c):
        return None
    return float(c), len(c.split(".")[1]) if "." in c else 0


def _tables(text: str, args: set[str], values: set[str]):
    """Verdicts on the rows of a table of the example: each row's probability against the
    softmax of the logits column, its gradient against p - y, its exponential against e^z."""
    out = []
    lines = text.splitlines()
    k = 0
    while k + 1 < len(lines):
        head, rule = _ROW.match(lines[k]), lines[k + 1]
        if not head or not _RULE.fullmatch(rule) or "-" not in rule:
            k += 1
            continue
        roles = [_column_role(c, args, values) for c in head.group(1).split("|")]
        rows = []
        k += 2
        while k < len(lines) and _ROW.match(lines[k]):
            cells = _ROW.match(lines[k]).group(1).split("|")
            if len(cells) == len(roles):
                rows.append((k + 1, [_cell(c) for c in cells]))
            k += 1
        if "logits" not in roles or roles.count("logits") > 1:
            continue
        col = {r: i for i, r in enumerate(roles) if r and roles.count(r) == 1}
        rows = [(n, cells) for n, cells in rows if cells[col["logits"]] is not None]
        if len(rows) < 2:
            continue
        z = [cells[col["logits"]][0] for _, cells in rows]
        s = _softmax(z)
        y = [cells[col["target"]] for _, cells in rows] if "target" in col else None
        if y is not None and (None in y or not _onehot(y)):
            y = None
        for i, (n, cells) in enumerate(rows):
            checks = []  # (what, got, want)
            if "exp" in col and cells[col["exp"]] is not None:
                checks.append(("e^z", cells[col["exp"]], math.exp(z[i])))
            if "probs" in col and cells[col["probs"]] is not None:
                checks.append(("the softmax", cells[col["probs"]], s[i]))
            if "grad" in col and cells[col["grad"]] is not None and y is not None:
                want = [s[i] - y[i][0]]
                p = cells[col["probs"]] if "probs" in col else None
                if p is not None:
                    want.append(p[0] - y[i][0])
                checks.append(("p - y", cells[col["grad"]], want))
            if not checks:
                continue
            bad = []
            for what, (got, dec), want in checks:
                wants = want if isinstance(want, list) else [want]
                tol = _tol(dec) * (1 + abs(got)) if what == "e^z" and dec == 0 else _tol(dec)
                if not any(abs(got - w) <= tol for w in wants):
                    bad.append(f"{what} is {wants[0]:.4g}, not {got:g}")
            claim = "row " + ", ".join(f"{what} = {got:g}" for what, (got, _), _ in checks)
            if bad:
                out.append((n, claim, "wrong", f"at logit {z[i]:g}: " + "; ".join(bad)))
            else:
                out.append((n, claim, "correct", f"at logit {z[i]:g}, the softmax {s[i]:.4g}"))
    return out
