"""False alarms of sealed held-out set 8, examined after its measure, made general rules; each
is tested with a synthetic note of ours: an update rule worked in numbers (its rate left out),
a product whose numbers are written in the other order, a worked value given again after an
update, a name defined by a sum the scalar reading cannot take in, and a derivative operator
after a factor, before a sum without parentheses."""

from check.test_notes import verdict_by_line

UPDATE = """# One step

The network: $z = w x + b$, $a = \\sigma(z)$, $L = (a - y)^2$, with $x = 2$, $w = 0.5$,
$b = 0.1$, $\\eta = 0.1$.

$$
w' = w - \\eta \\frac{\\partial L}{\\partial w} = 0.5 - (-0.04) \\approx 0.504
$$

$$
L = 0.5 - (-0.04) \\approx 0.504
$$
"""


def test_the_numbers_of_an_update_rule_are_no_claim():
    got = verdict_by_line(UPDATE)
    assert got.get(7) != "wrong"  # the rate 0.1 left out of the numbers: an update, no claim
    assert got[11] == "wrong"  # the same slip outside an update is still arithmetic


WORKED = """# A worked pass

$$x_1 = 0.5, \\quad x_2 = 0.3$$

$$w_1 = 0.3, \\quad w_2 = 0.2, \\quad w_3 = 0.2, \\quad w_4 = 0.3$$
and $$w_5 = 0.4, \\quad w_6 = 0.5$$

$$z_1 = w_1 x_1 + w_3 x_2 = 0.21$$

$$z_2 = w_2 x_1 + w_4 x_2 = 0.19$$

$$a_1 = \\sigma(z_1) = 0.552$$

$$a_2 = \\sigma(z_2) = 0.547$$

$$\\hat{y} = w_5 a_1 + w_6 a_2 = 0.552 \\times 0.4 + 0.547 \\times 0.5 = 0.4943$$

After the update the weights change, and the prediction with them:

$$\\hat{y} = 0.5199$$
"""


def test_numbers_with_factors_in_the_other_order_are_the_same_product():
    got = verdict_by_line(WORKED)
    assert got[16] == "correct"


def test_a_worked_value_given_again_after_an_update_is_a_new_pass():
    got = verdict_by_line(WORKED)
    assert got.get(20) != "wrong"


def test_a_wrong_product_in_numbers_is_still_caught():
    wrong = WORKED.replace(
        "0.552 \\times 0.4 + 0.547 \\times 0.5", "0.552 \\times 0.5 + 0.547 \\times 0.5"
    )
    assert verdict_by_line(wrong)[16] == "wrong"


SOFTMAX = """# The softmax by cases

The softmax of the scores is

$$\\sigma_i(\\mathbf{z}) = \\frac{e^{z_i}}{\\sum_{j=1}^{K} e^{z_j}} = \\frac{e^{z_i}}{S}$$

where for short $S = \\sum_{j=1}^{K} e^{z_j}$.

### Same index

$$\\frac{\\partial \\sigma_i}{\\partial z_i} = \\frac{e^{z_i} S - e^{z_i} e^{z_i}}{S^2}$$

$$\\boxed{\\frac{\\partial \\sigma_i}{\\partial z_i} = \\sigma_i(1 - \\sigma_i)}$$
"""


def test_a_name_defined_by_a_sum_is_never_a_free_constant():
    got = verdict_by_line(SOFTMAX)
    assert "wrong" not in (got.get(11), got.get(13))


INDEX = """# The bias and weight gradients

$$z^l_j = \\sum_k w^l_{jk} a^{l-1}_k + b^l_j, \\qquad a^l_j = \\sigma(z^l_j)$$

$$\\delta^l_j = \\frac{\\partial C}{\\partial z^l_j}$$

$$
\\begin{aligned}
\\frac{\\partial C}{\\partial b^l_j}
&= \\delta_j^l \\frac{\\partial}{\\partial b^l_j}\\sum_k w^l_{jk}a^{l-1}_k + b^l_j \\\\
&= \\delta_j^l
\\end{aligned}
$$
"""


def test_an_operator_after_a_factor_takes_the_sum_after_it():
    assert verdict_by_line(INDEX)[10] == "correct"


def test_a_wrong_member_after_the_operator_is_still_caught():
    wrong = INDEX.replace("k + b^l_j \\\\", "k + 2 b^l_j \\\\")  # twice delta, not delta
    assert verdict_by_line(wrong)[10] == "wrong"


NUMBERS_IN_A_FENCE = """# A small forward pass

$$z_1 = W_1 x + b_1, \\quad h_1 = \\mathrm{ReLU}(z_1)$$

$$z_2 = W_2 h_1 + b_2, \\quad h_2 = \\mathrm{ReLU}(z_2)$$

$$L = \\frac{1}{2}(h_2 - y)^2$$

In numbers:

```
z1 = W1 @ x + b1
   = [[0.1, 0.2], [0.3, 0.4]] @ [2, 1] + [0.5, 0.5]
   = [0.9, 1.5]

h1 = ReLU(z1) = [0.9, 1.5]

z2 = W2 @ h1 + b2
   = [0.5, 0.2] @ [0.9, 1.5] + 0.2
   = 0.95

h2 = ReLU(z2) = 0.95

L = 0.5 × (0.95 - 2)² = 0.55
```
"""


def test_the_cost_in_the_examples_numbers_is_no_identity():
    got = verdict_by_line(NUMBERS_IN_A_FENCE)
    assert got.get(24) != "wrong"


def test_the_same_numbers_worked_wrong_are_still_caught():
    wrong = NUMBERS_IN_A_FENCE.replace("= 0.55", "= 0.35")
    assert verdict_by_line(wrong)[24] == "wrong"


CAPITAL_SIGMA = """# The batch mean

$$\\mu_B = \\frac{1}{m} \\Sigma^m_{i=1} x_i$$

$$\\frac{\\partial \\mu_B}{\\partial x_i} = \\frac{1}{m}$$
"""


def test_a_capital_sigma_with_bounds_is_the_sum_sign():
    assert verdict_by_line(CAPITAL_SIGMA).get(5) != "wrong"


EXPECTATION = """# Truncating the sum

$$h_t = \\sigma(w_x x_t + w_h h_{t-1}), \\quad o_t = w_o h_t$$

$$L = \\frac{1}{T} \\sum_t (o_t - y_t)^2$$

The gradient is replaced by a random variable: with $P(\\xi_t = 0) = 1 - \\pi_t$ and
$P(\\xi_t = \\pi_t^{-1}) = \\pi_t$ we get $E[\\xi_t] = 1$.
"""


def test_an_expectation_is_not_the_cost_times_its_argument():
    assert "wrong" not in verdict_by_line(EXPECTATION).values()
