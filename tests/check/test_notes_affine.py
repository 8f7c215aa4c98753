"""The Affine layer of "Deep Learning from Scratch" derived on its own, as matrices, with the
gradient from the loss above as ``\\partial L/\\partial Y`` (``meaning/affine.py``, issue 22):
``dL/dX = dL/dY \\cdot W^T``, ``dL/dW = X^T \\cdot dL/dY``, in the layout the note's forward
equation writes, or in any when it writes none."""

from __future__ import annotations

from .test_notes import verdict_by_line


def _note(forward: str, dx: str, dw: str) -> str:
    return (
        "#### The Affine layer\n"  # 1
        f"The layer computes {forward} for a batch of inputs.\n"  # 2
        "Written out entry by entry, its backward pass is\n"  # 3
        "$$\n"  # 4
        f"\\frac{{\\partial L}}{{\\partial X}} = {dx} \\\\\n"  # 5
        f"\\frac{{\\partial L}}{{\\partial W}} = {dw}\n"  # 6
        "$$\n"
    )


DY = "\\frac{\\partial L}{\\partial Y}"


def test_the_books_affine_gradients_are_judged():
    for forward in ("the product of matrices", "$Y = X \\cdot W + B$"):
        v = verdict_by_line(_note(forward, f"{DY} \\cdot W^T", f"X^T \\cdot {DY}"))
        assert v.get(5) == "correct", (forward, v)
        assert v.get(6) == "correct", (forward, v)
    v = verdict_by_line(_note("$Y = WX + b$", f"W^T {DY}", f"{DY} X^T"))
    assert v.get(5) == "correct", v  # examples as columns
    assert v.get(6) == "correct", v


def test_affine_mistakes_are_caught():
    v = verdict_by_line(_note("$Y = X \\cdot W + B$", f"{DY} \\cdot W", f"X \\cdot {DY}"))
    assert v.get(5) == "wrong", v  # the transpose forgotten
    assert v.get(6) == "wrong", v
    # no forward equation: wrong only where no layout makes it the gradient
    v = verdict_by_line(_note("the product of matrices", f"{DY} \\cdot W", f"X \\cdot {DY}"))
    assert v.get(5) != "wrong", v  # Y = X W^T (weights stored [out, in]) makes it right
    assert v.get(6) == "wrong", v  # X (N x D) and dL/dY (N x M) never multiply


def test_another_layer_named_y_is_not_read():
    v = verdict_by_line(_note("$Y = \\sigma(X W)$", f"{DY} \\cdot W", f"X \\cdot {DY}"))
    assert v.get(5) != "wrong", v
    assert v.get(6) != "wrong", v


def test_one_examples_layer_fixes_the_weights_storage():
    # y = Wx + b with W of shape [out, in]: a batch of rows is X W^T, so dL/dX = dL/dY W
    v = verdict_by_line(_note("$y = Wx + b$ on each row of X", f"{DY} \\cdot W", f"X \\cdot {DY}"))
    assert v.get(5) == "correct", v
    assert v.get(6) == "wrong", v
    v = verdict_by_line(_note("$y = Wx + b$ on each row of X", f"{DY} \\cdot W^T", f"X^T {DY}"))
    assert v.get(5) == "wrong", v  # W^T belongs to Y = X W, which y = Wx + b does not allow
    assert v.get(6) != "correct", v  # the gradient transposed at best
