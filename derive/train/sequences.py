"""Sequence tasks for recurrent networks, sized by the spec: ``--data chars`` and ``adding``.

``chars``: next-character prediction on English text that ships with every Python: the first
100,000 characters of the standard library's ``pydoc_data.topics`` (the help texts of the
language reference, read at run time, so derive ships no copy of anyone's text), lowercased onto
the 36 symbols of ``ALPHABET`` (the others become a space). A sample is a window of T
characters, one-hot, step by step (rows t*36 ... (t+1)*36 of x are character t), and its target
is the same window moved on by one character (rows t*36 ... of y: character t+1): a network with
``inputs = T*36`` and a per-step softmax head of 36 units (``outputs = T*36``) is a character-
level language model, and its cost summed over the steps is the text's cross-entropy per window.

``sample`` draws text from such a model, one character at a time (``derive sample``).

``adding``: the adding problem as two classes, (value, marker) at each of T steps with T from
the spec's inputs (2 per step); is the sum of the two marked values more than 1?
"""

from __future__ import annotations

import numpy as np

from derive.errors import DeriveError

ALPHABET = "\n !',-.:;?abcdefghijklmnopqrstuvwxyz"
TEXT_SIZE = 100_000


def corpus_text() -> str:
    """The text of ``chars``: Python's own help topics in name order, the first TEXT_SIZE
    characters (the same on every Python of one version)."""
    from pydoc_data.topics import topics

    return "".join(topics[k] for k in sorted(topics))[:TEXT_SIZE]


def text_codes(text: str) -> np.ndarray:
    """Each character's index in ``ALPHABET`` (lowercased; any other character a space)."""
    index = {c: i for i, c in enumerate(ALPHABET)}
    space = index[" "]
    return np.array([index.get(c, space) for c in text.lower()], dtype=np.int64)


def decode(codes) -> str:
    return "".join(ALPHABET[int(i)] for i in codes)


def one_hot(codes: np.ndarray) -> np.ndarray:
    """(n, T) codes as (n, T*V) one-hot rows, step by step."""
    n, steps = codes.shape
    out = np.zeros((n, steps, len(ALPHABET)))
    np.put_along_axis(out, codes[:, :, None], 1.0, axis=2)
    return out.reshape(n, steps * len(ALPHABET))


def _steps(inputs: int, outputs: int, where: str, needs: str, fix: str) -> int:
    """T of a character model's spec (inputs = outputs = T*36), or the error saying what
    ``needs`` it."""
    V = len(ALPHABET)
    if inputs % V or inputs != outputs:
        raise DeriveError(
            f"{needs} inputs = outputs = T*{V} (one-hot characters of {V} symbols at each of T "
            f"steps), got inputs = {inputs}, outputs = {outputs}",
            where=where, fix=fix,
        )  # fmt: skip
    return inputs // V


def chars(inputs: int, outputs: int, where: str):
    """Windows of T = inputs / 36 characters and the characters after each (see the module
    docstring): (X (n, T*36), Y (n, T*36)), one window every T characters (no character is
    in two windows, so a held-out window is text the training never saw as input)."""
    V = len(ALPHABET)
    steps = _steps(
        inputs, outputs, where, "next-character prediction needs",
        f"e.g. inputs = {32 * V} (T = 32) and a last layer of units = {V}, steps = 32, "
        "activation = \"softmax\" (examples/char_lstm.toml)",
    )  # fmt: skip
    codes = text_codes(corpus_text())
    starts = np.arange(0, len(codes) - steps - 1, steps)
    windows = codes[starts[:, None] + np.arange(steps + 1)[None, :]]
    return one_hot(windows[:, :-1]), one_hot(windows[:, 1:])


def sample(predict, inputs: int, outputs: int, n: int, seed: int, prompt: str = "\n",
           where: str = "") -> str:  # fmt: skip
    """``n`` characters drawn one at a time from a character-level language model
    (``predict(X)`` its outputs, a per-step softmax over ``ALPHABET``; inputs = outputs =
    T*36), continuing ``prompt`` (lowercased onto the alphabet); the same seed gives the same
    text. Each character is drawn from the model's distribution after the last T characters
    so far: they fill the window's first steps, the rest is zeros, and the distribution is
    read at the last filled step (the layers read forward in time, so the steps after it do
    not change it)."""
    V = len(ALPHABET)
    steps = _steps(
        inputs, outputs, where, "sampling text needs a character-level language model:",
        "sample from a spec trained with --data chars (examples/char_lstm.toml)",
    )  # fmt: skip
    codes = list(text_codes(prompt or "\n"))
    start = len(codes)
    rng = np.random.default_rng(seed)
    for _ in range(n):
        window = codes[-steps:]
        k = len(window)
        x = np.zeros((steps, V))
        x[np.arange(k), window] = 1.0
        p = np.asarray(predict(x.reshape(steps * V, 1)), dtype=np.float64)[(k - 1) * V : k * V, 0]
        codes.append(int(rng.choice(V, p=p / p.sum())))
    return decode(codes[start:])


def adding(rng, inputs: int, where: str, n: int = 2000):
    """The adding problem at T = inputs / 2 steps of (value, marker), values uniform in [0, 1],
    two steps marked; class 1 when the two marked values sum to more than 1. Columns are step
    by step: value_1, marker_1, value_2, marker_2, ..."""
    if inputs % 2 or inputs < 4:
        raise DeriveError(
            f"the adding problem has 2 features per step (value, marker), got inputs = {inputs}",
            where=where, fix="set inputs = 2*T for T steps (T >= 2), e.g. inputs = 16",
        )  # fmt: skip
    steps = inputs // 2
    values = rng.uniform(0.0, 1.0, size=(n, steps))
    marks = np.zeros((n, steps))
    picks = np.argsort(rng.uniform(size=(n, steps)), axis=1)[:, :2]
    np.put_along_axis(marks, picks, 1.0, axis=1)
    X = np.stack([values, marks], axis=2).reshape(n, 2 * steps)
    return X, (np.sum(values * marks, axis=1) > 1.0).astype(int)
