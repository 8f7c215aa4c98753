"""A normalization layer written entry by entry and its backward pass (issue 22, held-out set 8):
batch norm over the N samples of a batch and layer norm over the H features of one vector, each
defined by the note's own equations (mean, biased variance, the normalized entries, gamma and
beta) and judged on a drawn instance of that layer, every derivative derived by SymPy from the
note's definitions (``meaning/normalize.py``). Synthetic notes of our own in that notation: Ioffe
and Szegedy's form with a loss \\ell, a layer norm with gamma_k per entry and the Jacobian of the
normalized entries, and the usual slips (a chain rule that forgets the sum over the batch, an
exponent).
"""

from __future__ import annotations

from derive.check.notes.walk import check_text

from .test_notes import verdict_by_line

BATCHNORM = (
    "## Forward\n"  # 1
    "\n"
    "$$\n"  # 3
    "\\begin{aligned}\n"  # 4
    "\\mu &= \\frac{1}{N} \\sum_{n=1}^{N} x_n \\\\\n"  # 5
    "\\sigma^2 &= \\frac{1}{N} \\sum_{n=1}^{N} (x_n - \\mu)^2 \\\\\n"  # 6
    "\\hat{x}_n &= \\frac{x_n - \\mu}{\\sqrt{\\sigma^2 + \\varepsilon}} \\\\\n"  # 7
    "y_n &= \\gamma \\hat{x}_n + \\beta\n"  # 8
    "\\end{aligned}\n"  # 9
    "$$\n"  # 10
    "\n"
    "## Backward, given the upstream gradient of the loss\n"  # 12
    "\n"
    "$$\\frac{\\partial \\ell}{\\partial \\hat{x}_n} = \\frac{\\partial \\ell}{\\partial y_n} "
    "\\gamma$$\n"  # 14
    "\n"
    "$$\\frac{\\partial \\ell}{\\partial \\sigma^2} = \\sum_{n=1}^{N} \\frac{\\partial \\ell}"
    "{\\partial \\hat{x}_n} (x_n - \\mu) \\cdot \\left(-\\frac{1}{2}\\right) "
    "(\\sigma^2 + \\varepsilon)^{{EXP}}$$\n"  # 16
    "\n"
    "$$\\frac{\\partial \\ell}{\\partial \\mu} = \\sum_{n=1}^{N} \\frac{\\partial \\ell}"
    "{\\partial \\hat{x}_n} \\cdot \\frac{-1}{\\sqrt{\\sigma^2 + \\varepsilon}} + "
    "\\frac{\\partial \\ell}{\\partial \\sigma^2} \\cdot \\frac{\\sum_{n=1}^{N} -2(x_n - \\mu)}"
    "{N}$$\n"  # 18
    "\n"
    "$$\\frac{\\partial \\ell}{\\partial x_n} = \\frac{\\partial \\ell}{\\partial \\hat{x}_n} "
    "\\cdot \\frac{1}{\\sqrt{\\sigma^2 + \\varepsilon}} + \\frac{\\partial \\ell}{\\partial "
    "\\sigma^2} \\cdot \\frac{2(x_n - \\mu)}{N} + \\frac{\\partial \\ell}{\\partial \\mu} "
    "\\cdot \\frac{1}{N}$$\n"  # 20
    "\n"
    "$$\\frac{\\partial \\ell}{\\partial \\gamma} = {DGAMMA}$$\n"  # 22
    "\n"
    "$$\\frac{\\partial \\ell}{\\partial \\beta} = \\sum_{n=1}^{N} \\frac{\\partial \\ell}"
    "{\\partial y_n}$$\n"  # 24
    "\n"
    "$$\\frac{\\partial \\ell}{\\partial x_n} = {DX}$$\n"  # 26
    "\n"
    "$$\\frac{\\partial \\hat{x}_n}{\\partial x_n} = \\frac{1}{\\sqrt{\\sigma^2 + "
    "\\varepsilon}}, \\quad \\frac{\\partial \\mu}{\\partial x_n} = \\frac{1}{N}$$\n"  # 28
    "\n"
    "$$\\sum_{n=1}^{N} \\hat{x}_n = {SUMXHAT}$$\n"  # 30
)
RIGHT_DX = (
    "\\frac{\\gamma}{N \\sqrt{\\sigma^2 + \\varepsilon}} \\left( N \\frac{\\partial \\ell}"
    "{\\partial y_n} - \\sum_{k=1}^{N} \\frac{\\partial \\ell}{\\partial y_k} - \\hat{x}_n "
    "\\sum_{k=1}^{N} \\frac{\\partial \\ell}{\\partial y_k} \\hat{x}_k \\right)"
)
# only sample n's own output: x_n moves every other y_k through the mean and the variance
OWN_DX = (
    "\\frac{\\partial \\ell}{\\partial y_n} \\frac{\\gamma}{\\sqrt{\\sigma^2 + \\varepsilon}} "
    "\\left(1 - \\frac{1}{N} - \\frac{\\hat{x}_n^2}{N}\\right)"
)


def _bn(exp="-3/2", dgamma=None, dx=RIGHT_DX, sumxhat="0"):
    dgamma = dgamma or "\\sum_{n=1}^{N} \\frac{\\partial \\ell}{\\partial y_n} \\hat{x}_n"
    note = BATCHNORM.replace("{EXP}", exp).replace("{DGAMMA}", dgamma).replace("{DX}", dx)
    return note.replace("{SUMXHAT}", sumxhat)


def _results(note):
    results, _ = check_text(note)
    return results


def test_batchnorm_backward_in_ioffes_form_is_judged_correct():
    v = verdict_by_line(_bn())
    for line in (14, 16, 18, 20, 22, 24, 26, 28, 30):
        assert v.get(line) == "correct", (line, v)
    for line in (5, 6, 7, 8):  # the note's definitions are never judged wrong
        assert v.get(line) != "wrong", (line, v)


def test_batchnorm_gradient_without_the_sum_over_the_batch_is_caught_and_named():
    note = _bn(dgamma="\\frac{\\partial \\ell}{\\partial y_n} \\hat{x}_n")
    v = verdict_by_line(note)
    assert v.get(22) == "wrong", v
    said = [r.message for r in _results(note) if r.line == 22 and r.verdict == "wrong"]
    assert any("the sum over n is missing" in m for m in said), said
    assert v.get(24) == "correct" and v.get(26) == "correct", v


def test_batchnorm_input_gradient_through_its_own_output_only_is_caught_and_named():
    note = _bn(dx=OWN_DX)
    v = verdict_by_line(note)
    assert v.get(26) == "wrong", v
    said = [r.message for r in _results(note) if r.line == 26 and r.verdict == "wrong"]
    assert any("only the paths through the entry's own output" in m for m in said), said
    assert v.get(20) == "correct", v  # the chain rule with the mean and variance paths


def test_batchnorm_wrong_exponent_and_identity_are_caught():
    v = verdict_by_line(_bn(exp="-1/2", sumxhat="1"))
    assert v.get(16) == "wrong", v
    assert v.get(30) == "wrong", v  # the normalized entries sum to 0
    assert v.get(14) == "correct", v


LAYERNORM = (
    "# Layer norm over the H features of one vector\n"  # 1
    "\n"
    "$$ \\mu = \\frac{1}{H} \\sum_{k=1}^H a_k $$\n"  # 3
    "\n"
    "$$ \\sigma^2 = \\frac{1}{H} \\sum_{k=1}^H (a_k - \\mu)^2 $$\n"  # 5
    "\n"
    "$$ \\hat{a}_k = \\frac{a_k - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}} $$\n"  # 7
    "\n"
    "$$ h_k = \\gamma_k \\hat{a}_k + \\beta_k $$\n"  # 9
    "\n"
    "The Jacobian of the normalized entries:\n"  # 11
    "\n"
    "$$ \\frac{\\partial \\hat{a}_k}{\\partial a_j} = {JAC} $$\n"  # 13
    "\n"
    "$$ \\frac{\\partial L}{\\partial a_j} = \\sum_{k=1}^H \\frac{\\partial L}{\\partial h_k} "
    "\\gamma_k \\frac{\\partial \\hat{a}_k}{\\partial a_j} $$\n"  # 15
    "\n"
    "$$ \\frac{\\partial L}{\\partial \\gamma_k} = \\frac{\\partial L}{\\partial h_k} "
    "\\hat{a}_k $$\n"  # 17
)
RIGHT_JAC = (
    "\\frac{1}{\\sqrt{\\sigma^2 + \\epsilon}} \\left( 1_{k = j} - \\frac{1}{H} - "
    "\\frac{\\hat{a}_k \\hat{a}_j}{H} \\right)"
)


def test_layernorm_jacobian_and_per_entry_gamma_are_judged_correct():
    v = verdict_by_line(LAYERNORM.replace("{JAC}", RIGHT_JAC))
    for line in (13, 15, 17):
        assert v.get(line) == "correct", (line, v)


def test_layernorm_jacobian_without_the_mean_path_is_caught():
    wrong = RIGHT_JAC.replace(" - \\frac{1}{H}", "")
    v = verdict_by_line(LAYERNORM.replace("{JAC}", wrong))
    assert v.get(13) == "wrong", v
    assert v.get(17) == "correct", v


def test_a_repeated_index_in_a_note_that_never_writes_its_sums_is_not_judged_wrong():
    # the summation convention: no \sum in any backward claim, so a repeated index may be summed
    note = (
        "$$\\mu = \\frac{1}{m} \\sum_{i=1}^m x_i$$\n"
        "\n"
        "$$\\sigma^2 = \\frac{1}{m} \\sum_{i=1}^m (x_i - \\mu)^2$$\n"
        "\n"
        "$$\\hat{x}_i = \\frac{x_i - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}}$$\n"
        "\n"
        "$$y_i = \\gamma \\hat{x}_i + \\beta$$\n"
        "\n"
        "$$\\frac{\\partial L}{\\partial \\gamma} = \\frac{\\partial L}{\\partial y_i} "
        "\\hat{x}_i$$\n"  # 9
    )
    assert verdict_by_line(note).get(9) != "wrong"


def test_a_note_without_a_normalization_is_left_to_the_other_readings():
    from derive.check.notes.meaning import normalize
    from derive.check.notes.read import read_notes

    note = (
        "$$\\mu = \\frac{1}{m} \\sum_{i=1}^m x_i$$\n"
        "\n"
        "$$s = \\frac{1}{m} \\sum_{i=1}^m x_i^2$$\n"
        "\n"
        "$$z_i = \\frac{x_i}{s}$$\n"  # not the input normalized by its variance
        "\n"
        "$$\\frac{\\partial L}{\\partial s} = 0$$\n"
    )
    assert normalize.judge(read_notes(note), note) == []


PAPER = (
    "$$\\mu_\\mathcal{B} \\leftarrow \\frac{1}{m}\\sum_{i=1}^m x_i$$\n"  # 1
    "\n"
    "$$\\sigma_\\mathcal{B}^2 \\leftarrow \\frac{1}{m}\\sum_{i=1}^m (x_i - \\mu_\\mathcal{B})^2$$\n"
    "\n"
    "$$\\widehat{x}_i \\leftarrow \\frac{x_i - \\mu_\\mathcal{B}}{\\sqrt{\\sigma_\\mathcal{B}^2 + "
    "\\epsilon}}$$\n"  # 5
    "\n"
    "$$y_i \\leftarrow \\gamma \\widehat{x}_i + \\beta$$\n"  # 7
    "\n"
    "$$\\frac{\\partial \\ell}{\\partial \\widehat{x}_i} = \\frac{\\partial \\ell}{\\partial y_i} "
    "\\cdot \\gamma$$\n"  # 9
    "\n"
    "$$\\frac{\\partial \\ell}{\\partial \\mu_\\mathcal{B}} = {DMU}$$\n"  # 11
    "\n"
    "$$\\frac{\\partial \\ell}{\\partial \\beta} = \\sum_{i=1}^m \\frac{\\partial \\ell}"
    "{\\partial y_i}$$\n"  # 13: the note writes its sums
)


def test_the_papers_algorithm_notation_is_read():
    # Algorithm 1's assignments (\leftarrow), \mu_\mathcal{B} without braces, \widehat
    right = (
        "\\sum_{i=1}^m \\frac{\\partial \\ell}{\\partial \\widehat{x}_i} \\cdot "
        "\\frac{-1}{\\sqrt{\\sigma_\\mathcal{B}^2 + \\epsilon}}"
    )
    v = verdict_by_line(PAPER.replace("{DMU}", right))
    assert v.get(9) == "correct" and v.get(11) == "correct" and v.get(13) == "correct", v
    wrong = right.replace("\\sum_{i=1}^m ", "")
    note = PAPER.replace("{DMU}", wrong)
    assert verdict_by_line(note).get(11) == "wrong"
    said = [r.message for r in _results(note) if r.line == 11 and r.verdict == "wrong"]
    assert any("the sum over i is missing" in m for m in said), said


VECTOR = (
    "$$\\mu = \\frac{1}{H}\\sum_{k=1}^H h_k$$\n"  # 1
    "\n"
    "$$s = \\sqrt{\\frac{1}{H}\\sum_{k=1}^H (h_k - \\mu)^2 + \\epsilon}$$\n"  # 3
    "\n"
    "$$\\hat{h} = \\frac{h - \\mu}{s}$$\n"  # 5: for the whole vector, entry by entry
    "\n"
    "$$o = \\gamma \\odot \\hat{h} + \\beta$$\n"  # 7
    "\n"
    "Again, $\\hat{h} = \\frac{h - \\mu}{s}$, so:\n"  # 9: the definition written again
    "\n"
    "$$\\frac{\\partial s}{\\partial h_j} = {DS}$$\n"  # 11
    "\n"
    "$$\\frac{\\partial \\hat{h}_k}{\\partial s} = -\\frac{\\hat{h}_k}{s}$$\n"  # 13
    "\n"
    "For every $k \\neq j$:\n"  # 15
    "\n"
    "$$\\frac{\\partial \\hat{h}_k}{\\partial h_j} = -\\frac{1}{H s} - \\frac{\\hat{h}_k "
    "\\hat{h}_j}{H s}$$\n"  # 17: holds for k != j only, a case the prose states
)


def test_a_layer_defined_for_the_whole_vector_is_read_entry_by_entry():
    v = verdict_by_line(VECTOR.replace("{DS}", "\\frac{h_j - \\mu}{H s}"))
    assert v.get(11) == "correct" and v.get(13) == "correct", v
    assert v.get(17) != "wrong", v  # never wrong for a case only the prose states
    v = verdict_by_line(VECTOR.replace("{DS}", "\\frac{h_j - \\mu}{s}"))
    assert v.get(11) == "wrong", v
    assert v.get(13) == "correct", v


CS231N = (
    "$$\\mu = \\frac{1}{N}\\sum_{i=1}^N x_i$$\n"  # 1
    "\n"
    "$$v = \\frac{1}{N}\\sum_{i=1}^N (x_i - \\mu)^2$$\n"  # 3
    "\n"
    "$$\\hat{x}_i = \\frac{x_i - \\mu}{\\sqrt{v + \\epsilon}}$$\n"  # 5
    "\n"
    "$$y_i = \\gamma \\hat{x}_i + \\beta$$\n"  # 7
    "\n"
    "$$d\\hat{x}_i = dy_i \\cdot \\gamma$$\n"  # 9
    "\n"
    "$$d\\gamma = {DGAMMA}$$\n"  # 11
    "\n"
    "$$\\nabla_{x_i} L = \\frac{1}{N\\sqrt{v + \\epsilon}} \\left(N d\\hat{x}_i - \\sum_{j=1}^N "
    "d\\hat{x}_j - \\hat{x}_i \\sum_{j=1}^N d\\hat{x}_j \\hat{x}_j\\right)$$\n"  # 13
)


def test_gradients_named_with_d_and_nabla_are_the_losss():
    # CS231n's dy, d\hat{x}_i, d\gamma and \nabla_{x_i} L: the loss by that quantity
    v = verdict_by_line(CS231N.replace("{DGAMMA}", "\\sum_{i=1}^N dy_i \\hat{x}_i"))
    for line in (9, 11, 13):
        assert v.get(line) == "correct", (line, v)
    note = CS231N.replace("{DGAMMA}", "dy_i \\hat{x}_i")
    assert verdict_by_line(note).get(11) == "wrong"
    said = [r.message for r in _results(note) if r.line == 11 and r.verdict == "wrong"]
    assert any("the sum over i is missing" in m for m in said), said


def test_samples_written_as_superscripts_are_entries():
    # x^{(i)}, \\hat{x}^{(i)}: the sample index as a superscript in parentheses
    note = (
        "$$\\mu = \\frac{1}{m}\\sum_{i=1}^m x^{(i)}$$\n"  # 1
        "\n"
        "$$\\sigma^2 = \\frac{1}{m}\\sum_{i=1}^m (x^{(i)} - \\mu)^2$$\n"  # 3
        "\n"
        "$$\\hat{x}^{(i)} = \\frac{x^{(i)} - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}}$$\n"  # 5
        "\n"
        "$$y^{(i)} = \\gamma \\hat{x}^{(i)} + \\beta$$\n"  # 7
        "\n"
        "$$\\frac{\\partial J}{\\partial \\beta} = \\sum_{i=1}^m \\frac{\\partial J}"
        "{\\partial y^{(i)}}$$\n"  # 9
        "\n"
        "$$\\frac{\\partial J}{\\partial \\gamma} = {DGAMMA}$$\n"  # 11
    )
    right = "\\sum_{i=1}^m \\frac{\\partial J}{\\partial y^{(i)}} \\hat{x}^{(i)}"
    v = verdict_by_line(note.replace("{DGAMMA}", right))
    assert v.get(9) == "correct" and v.get(11) == "correct", v
    wrong = "\\sum_{i=1}^m \\frac{\\partial J}{\\partial y^{(i)}} x^{(i)}"
    assert verdict_by_line(note.replace("{DGAMMA}", wrong)).get(11) == "wrong"
