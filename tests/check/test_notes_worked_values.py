"""A value at the note's own numbers is no identity (false alarms of held-out set 7, examined
after its sealed measure): a chain that goes from symbols to numbers, and two displays inside
one sentence of prose. Synthetic notes of ours in those notations."""

from check.test_notes import verdict_by_line

SINGLE_NEURON = """## One neuron

```
z = wx + b
a = σ(z)
L = (1/2)(a - y)²
```

```
x = 2, w = 0.5, b = 0.1, y = 1
```

```
∂L/∂a = a - y = 0.75 - 1 = -0.25
```

```
∂a/∂z = σ(z)(1 - σ(z)) = 0.75 × 0.25 = 0.1875
```

```
∂z/∂w = x = 2
```
"""


def test_numbers_after_symbols_are_the_example_not_an_identity():
    got = verdict_by_line(SINGLE_NEURON)
    # the symbolic links are judged; the numbers are never WRONG on a drawn network
    assert "wrong" not in got.values()
    assert got[14] == got[18] == "correct"


def test_a_wrong_symbolic_link_before_the_numbers_is_still_caught():
    got = verdict_by_line(SINGLE_NEURON.replace("∂a/∂z = σ(z)(1 - σ(z))", "∂a/∂z = σ(z)(1 + σ(z))"))
    assert got[18] == "wrong"


def test_two_displays_in_one_sentence_are_no_computation():
    notes = (
        "$$C = \\frac{1}{2}(y - t)^2$$\n\n"
        "The $$\\frac{1}{2}$$ and $$2$$ terms cancel each other out leaving:\n\n"
        "$$\\frac{\\partial C}{\\partial y} = y - t$$\n"
    )
    assert verdict_by_line(notes).get(3) != "wrong"
