"""The document reader, notation by notation: where the math is, its macros, its rows, its lines.

Each case is a notation real notes use (the notes corpus has them all); the snippets are
written here, not taken from the notes.
"""

from __future__ import annotations

import json
import random
import signal
import time

import pytest

from derive.check.notes.document import read_document
from derive.check.notes.macros import definitions, expand, present
from derive.check.notes.read import read_notes


def items(text, latex=None):
    return [(i.line, i.text) for i in read_document(text, latex=latex).items]


# ---------------------------------------------------------------------- macros
def test_newcommand_def_and_gdef_are_expanded_with_their_arguments():
    doc = (
        "\\documentclass{article}\n"
        "\\newcommand{\\pd}[2]{\\frac{\\partial #1}{\\partial #2}}\n"
        "\\newcommand\\R{\\mathbb{R}}\n"
        "\\def\\m#1{\\mathbf{#1}}\n"
        "\\renewcommand{\\vec}[1]{\\boldsymbol{#1}}\n"
        "\\begin{document}\n"
        "$\\pd{C}{\\m W} = \\m\\delta \\vec a^T$ and $x \\in \\R^n$\n"
        "\\end{document}\n"
    )
    assert items(doc) == [
        (7, "\\frac{\\partial C}{\\partial W} = \\delta a^T"),
        (7, "x \\in \\mathbb{R}^n"),
    ]


def test_macros_defined_inside_math_and_a_default_argument():
    macros, spans = definitions(
        "$$\\gdef\\p#1#2{\\frac{d#1}{d#2}}\\newcommand{\\s}[1][z]{\\sigma(#1)}$$"
    )
    assert set(macros) == {"p", "s"} and len(spans) == 2
    assert expand("\\p{C}{a} = \\s \\s[x]", macros) == "\\frac{dC}{da} = \\sigma(z) \\sigma(x)"


def test_a_macro_that_calls_itself_stops():
    macros, _ = definitions("\\def\\a{\\a\\a}")
    t0 = time.perf_counter()
    out = expand("x = \\a", macros)
    assert time.perf_counter() - t0 < 1.0 and len(out) < 100_000


# ---------------------------------------------------------------------- presentation
@pytest.mark.parametrize(
    "tex, clean",
    [
        ("\\textcolor{red}{\\frac{dC}{da}} = \\boxed{a - y}.", "\\frac{dC}{da} = a - y"),
        ("\\mathbb{w}^T \\mathbb{x} \\in \\mathbb{R}", "w^T x \\in \\mathbb{R}"),
        ("\\mathds{1}_{i=y}", "\\mathbb{1}_{i=y}"),
        ("\\left( a \\right) \\label{eq:1} \\tag{3}", "( a )"),
        ("\\displaystyle\\sum\\limits_{k} x_k", "\\sum_{k} x_k"),
        ("{\\bf W} = \\bm{b}", "W = b"),  # an old-style font switch: the letter itself
        ("a = b \\text{ by the chain rule},", "a = b"),
        ("\\text{\\textcolor{green}{\\framebox{$ o_h $}}}", "o_h"),
        ("\\delta \\text{ is size } n \\times 1", "\\delta \\text{ is size } n \\times 1"),
        ("\\underbrace{a}_{=: \\delta}", "\\underbrace{a}_{=: \\delta}"),
    ],
)
def test_presentation_is_stripped_and_meaning_kept(tex, clean):
    assert present(tex) == clean


# ---------------------------------------------------------------------- where the math is
def test_markdown_delimiters_code_front_matter_and_comments():
    text = (
        "---\ntitle: $x = 1$\n---\n"  # front matter
        "A $$a = 1$$ inline and \\\\( b\\_1 = 2 \\\\) kramdown\n"
        "```\n$$c = 3$$\n```\n"
        "    code = 4\n\n"  # an indented code block
        "$d =\n e$ across lines, `$f = 5$` code\n"
        "$$\ng = 6 % a comment = 7\n$$\n"
    )
    assert items(text) == [(4, "a = 1"), (4, "b_1 = 2"), (11, "d = e"), (13, "g = 6")]


def test_a_stray_dollar_does_not_swallow_the_paragraph():
    text = "A $ sign alone\nthen $x = 1$ later, $5 or $10,\n$a =\n b$\n"
    assert items(text) == [(2, "x = 1"), (4, "a = b")]


def test_table_cells_and_lists():
    text = "| a | b |\n|---|---|\n| $x = 1$ | $$y = 2$$ $$z = 3$$ |\n\n1. $u = v$\n   - $p = q$\n"
    assert items(text) == [(3, "x = 1"), (3, "y = 2"), (3, "z = 3"), (5, "u = v"), (6, "p = q")]


def test_latex_comments_and_environments_anywhere():
    doc = (
        "\\begin{document}\n% $a = 1$\n\\begin{equation}\n  z = W x % the input\n"
        "\\end{equation}\n\\[ y = 2 \\]\n\\end{document}\n"
    )
    assert items(doc) == [(4, "z = W x"), (6, "y = 2")]


# ---------------------------------------------------------------------- rows and lines
def test_align_rows_continuations_and_annotations():
    text = (
        "\\begin{align}\n"
        "\\frac{dC}{dw}\n"
        "  &= \\frac{dC}{dz} \\frac{dz}{dw} && \\text{chain rule} \\label{a}\\\\[4pt]\n"
        "  &= \\delta x \\nonumber \\\\\n"
        "z &= w x, & a &= \\sigma(z)\n"
        "\\end{align}\n"
    )
    doc = read_document(text)
    got = [(i.line, i.text, i.lhs) for i in doc.items]
    assert got == [
        (3, "\\frac{dC}{dw} = \\frac{dC}{dz} \\frac{dz}{dw}", ""),
        (4, "\\frac{dC}{dw} = \\delta x", "\\frac{dC}{dw}"),
        (5, "z = w x", ""),
        (5, "a = \\sigma(z)", ""),
    ]
    assert {i.env for i in doc.items} == {"align"}


def test_a_chain_over_lines_gives_one_claim_per_line_of_right_side():
    text = "$$\n\\delta :=\n\\frac{dC}{dz}\n= a - y = e\n$$\n\n$$= f$$\n"
    assert items(text) == [
        (3, "\\delta := \\frac{dC}{dz}"),
        (4, "\\delta = a - y = e"),
        (7, "\\delta = f"),
    ]


def test_eqnarray_markdown_row_breaks_and_a_row_of_dots():
    text = "\\begin{eqnarray}\na &=& b \\\\\\\\\n&=& c \\\\\\\\ ...... \\tag{1}\n\\end{eqnarray}\n"
    assert items(text) == [(2, "a = b"), (3, "a = c")]


def test_an_array_of_equations_and_an_array_that_is_a_matrix():
    text = (
        "$$\\begin{array}{rcl} a & = & b \\\\ & = & c \\end{array}$$\n"
        "$$\\begin{array}{cc} 1 & 2 \\\\ 3 & 4 \\end{array}$$\n"
        "\\begin{align}\na &= b \\\\\n\\intertext{so}\nc &= d\n\\end{align}\n"
    )
    assert items(text) == [
        (1, "a = b"),
        (1, "a = c"),
        (2, "\\begin{array}{cc} 1 & 2 \\\\ 3 & 4 \\end{array}"),
        (4, "a = b"),
        (6, "c = d"),
    ]


def test_cases_one_item_per_row_with_its_condition():
    text = (
        "$$\n\\frac{\\partial a_i}{\\partial z_j} =\n\\begin{cases}\n"
        "a_i(1 - a_i) & \\text{if } i = j \\\\\n-a_i a_j \\text{ otherwise.}\n\\end{cases}\n$$\n"
        "$$\n\\delta_{kj} = \\left\\{ \\begin{aligned} &1 \\mbox{ for } k = j \\\\ &0 \\mbox{ else}"
        " \\end{aligned} \\right.\n$$\n"
    )
    got = [(i.line, i.text, i.condition) for i in read_document(text).items]
    lhs = "\\frac{\\partial a_i}{\\partial z_j} ="
    assert got == [
        (4, f"{lhs} a_i(1 - a_i)", "i = j"),
        (5, f"{lhs} -a_i a_j", "otherwise"),
        (9, "\\delta_{kj} = 1", "k = j"),
        (9, "\\delta_{kj} = 0", "otherwise"),
    ]


def test_a_case_stated_in_the_line_before_a_display():
    text = (
        "**Case 2:** $j \\neq c$ (the wrong class)\n$$\n\\frac{dL}{dz_j} = a_j\n$$\n"
        "We get $i = j$ here.\n\n$$x = y$$\n"  # a blank line apart: no case
        "Two $a$ and $b = c$\n$$u = v$$\n"  # more than one span on the line: no case
    )
    got = [(i.line, i.condition) for i in read_document(text).items]
    assert got == [(1, ""), (3, "j \\neq c"), (5, ""), (7, ""), (8, ""), (8, ""), (9, "")]


def test_formulas_side_by_side_conditions_and_chains():
    text = (
        "$$a = 1, \\quad b = 2$$\n"
        "$$\\frac{da}{dz} = a(1 - a), \\quad i = j$$\n"
        "$$\\text{for } l < L: \\quad a^l = \\sigma(z^l)$$\n"
        "$$y = W x \\Rightarrow \\frac{dy}{dx} = W$$\n"
        "$$V \\quad 2 \\times 2$$\n"
        "$$x = X$$\n"
    )
    got = [(i.line, i.text, i.condition) for i in read_document(text).items]
    assert got == [
        (1, "a = 1", ""),
        (1, "b = 2", ""),
        (2, "\\frac{da}{dz} = a(1 - a)", "i = j"),
        (3, "a^l = \\sigma(z^l)", "l < L"),
        (4, "y = W x", ""),
        (4, "\\frac{dy}{dx} = W", ""),
        (5, "V 2 \\times 2", ""),
        (6, "x = X", ""),
    ]


def test_chains_of_formulas_split_only_between_formulas():
    text = (
        "$$a = 1,\\; b = 2$$\n"
        "$$\\begin{aligned} y &= W x \\\\ \\implies \\frac{dy}{dx} &= W \\\\ &= V\n"
        "\\end{aligned}$$\n"
        "$$p = q \\text{ and } r = s$$\n"
        "$$f: X \\to Y$$\n"
    )
    assert items(text) == [
        (1, "a = 1"),
        (1, "b = 2"),
        (2, "y = W x"),
        (2, "\\frac{dy}{dx} = W"),
        (2, "\\frac{dy}{dx} = V"),
        (4, "p = q"),
        (4, "r = s"),
        (5, "f: X \\to Y"),
    ]


def test_comma_separated_definitions_and_what_is_not_one():
    text = (
        "$$a=\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix},\n"
        "b=\\begin{pmatrix} 3 \\\\ 4 \\end{pmatrix}$$\n"
        "$x = (x_1, x_2)$, $z = f(u, v)$\n"
        "$$db = \\frac{1}{m} np.sum(dZ, axis=1, keepdims=True)$$\n"
        "$$J = A W, axis=1, keepdims=True)$$\n"
    )
    assert items(text) == [
        (1, "a=\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}"),
        (2, "b=\\begin{pmatrix} 3 \\\\ 4 \\end{pmatrix}"),
        (3, "x = (x_1, x_2)"),
        (3, "z = f(u, v)"),
        (4, "db = \\frac{1}{m} np.sum(dZ, axis=1, keepdims=True)"),
        (5, "J = A W, axis=1, keepdims=True)"),
    ]


def test_math_in_a_blockquote_and_a_size_command():
    text = "- note\n  > $$\n  > \\large W^3 = A\n  > $$\n> $a = b$\n"
    assert items(text) == [(3, "W^3 = A"), (5, "a = b")]


def test_a_notebook_is_read_through_its_markdown_cells_on_the_file_lines():
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Notes\n", "\n", "$$\n",
                                                             "\\frac{dC}{da} = a - y\n", "$$"]},
        {"cell_type": "code", "metadata": {}, "source": ["x = 1  # $c = d$"], "outputs": [],
         "execution_count": None},
        {"cell_type": "markdown", "metadata": {}, "source": "Then $\\delta = e$ é."},
    ]  # fmt: skip
    book = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    pretty = json.dumps(book, indent=1, ensure_ascii=False)
    lines = pretty.split("\n")
    where = [k + 1 for k, line in enumerate(lines) if "dC" in line or "delta" in line]
    assert items(pretty) == [(where[0], "\\frac{dC}{da} = a - y"), (where[1], "\\delta = e")]
    compact = json.dumps(book)  # one line: the cells one after the other
    assert items(compact) == [(4, "\\frac{dC}{da} = a - y"), (7, "\\delta = e")]
    assert items('{"cells": "not a notebook", "x": "$a = b$"}') == [(1, "a = b")]


def test_github_math_fences_and_inline_math_in_backticks():
    text = (
        "```math\na = b\n```\n"
        "```latex\n\\displaystyle{c = d}\n```\n"
        "```latex\n\\documentclass{article} e = f\n```\n"
        "```python\ng = h\n```\n"
        "Inline $`p = q`$ and `r = s`.\n"
    )
    assert items(text) == [(2, "a = b"), (5, "c = d"), (13, "p = q")]


def test_toml_front_matter_is_skipped():
    assert items("+++\ntitle = 'x'\nmath = true\n+++\n$a = b$\n") == [(5, "a = b")]


def test_an_aside_in_parentheses_and_a_label_before_a_colon():
    text = "$$\\frac{dE}{dn} = g \\cdot h \\ \\left( = -\\delta \\right)$$\n$$Shape: n/m = n/m$$\n"
    got = [(i.line, i.text, i.condition) for i in read_document(text).items]
    assert got == [(1, "\\frac{dE}{dn} = g \\cdot h = -\\delta", ""), (2, "n/m = n/m", "Shape")]


def test_segments_keep_the_old_interface():
    segs = read_notes("Text $a = b$ more\n$$\\begin{aligned} x &= 1 \\\\ &= 2 \\end{aligned}$$\n")
    assert [(s.kind, s.line) for s in segs] == [("text", 1), ("math", 1), ("math", 2), ("math", 2)]
    assert [s.text for s in segs if s.kind == "math"] == ["a = b", "x = 1", "x = 2"]
    assert segs[3].lhs == "x" and segs[3].env == "aligned" and segs[3].source == "$$"


# ---------------------------------------------------------------------- robustness
_PIECES = [
    "$", "$$", "\\(", "\\)", "\\[", "\\]", "\\\\(", "\\\\)", "\\begin{align}", "\\end{align}",
    "\\begin{cases}", "\\end{cases}", "\\left\\{", "\\right.", "{", "}", "&", "\\\\", "\\\\[2pt]",
    "=", ":=", "\\quad", "\\text{if }", "\\mbox{", "%", "\n", "\n\n", "a", "x_1", "\\frac{a}{b}",
    "\\newcommand{\\p}[2]{#1#2}", "\\p{a}", "\\def\\q#1{\\q{#1}}", "\\q x", "\\textcolor{red}{",
    "```", "|", "\\left(", "\\right)", "( =", "\\Rightarrow", "\\label{x}", "\\tag{1}", " ",
    "\\documentclass{article}", "---\n", "\\", "\\_", "^", "_",
]  # fmt: skip


def _timeout(signum, frame):
    raise TimeoutError


def test_fuzz_malformed_documents_read_without_error():
    rng = random.Random(22)
    old = signal.signal(signal.SIGALRM, _timeout)
    try:
        signal.alarm(120)  # a hang guard, not a timing assertion
        for _ in range(400):
            text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 60)))
            for latex in (None, True, False):
                for seg in read_notes(text, latex=latex):
                    assert seg.kind in ("math", "grid", "text") and seg.line >= 1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_fuzz_malformed_notebooks_read_without_error():
    rng = random.Random(7)
    values = [None, 1, "x", "$a = b$\n", ["$$\n", "c = d\n", "$$"], [1, None], {}, []]
    for _ in range(300):
        cells = [
            {k: rng.choice(values) for k in rng.sample(["cell_type", "source", "metadata"], 2)}
            | ({"cell_type": "markdown"} if rng.random() < 0.7 else {})
            for _ in range(rng.randint(0, 4))
        ]
        book = {"cells": cells if rng.random() < 0.9 else rng.choice(values)}
        text = json.dumps(book, indent=rng.choice([None, 1]))
        for seg in read_notes(text):
            assert seg.kind in ("math", "grid", "text") and seg.line >= 1
