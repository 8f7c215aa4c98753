"""One concrete, randomly drawn network: the thing every symbol of a note is bound to.

Layers 0..N: ``a[0]`` is the input, ``z[k] = W[k] a[k-1] + b[k]`` and ``a[k] = act_k(z[k])``
for k = 1..N, stored with examples as columns (a note with examples as rows sees the same
numbers transposed, see ``bind``). The widths differ from layer to layer so that a transpose
or a wrong layer shows in the shapes or the values. The cost is a function of the state
(the note's own cost when it was read, else a reading such as 1/2 ||a - y||^2).

Derivatives are the truth the claims are compared with: central finite differences in
float64 of the forward pass with one node overridden (a parameter, or an intermediate z or a,
whose downstream is then recomputed). At these sizes that is exact to ~1e-9 and makes no
assumption about what the note's network is beyond its forward pass.
"""

from __future__ import annotations

import numpy as np

H = 1e-6


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


ACT = {
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "identity": lambda z: z,
    "softmax": softmax,
}
DACT = {
    "sigmoid": lambda z: sigmoid(z) * (1 - sigmoid(z)),
    "tanh": lambda z: 1 - np.tanh(z) ** 2,
    "relu": lambda z: (z > 0).astype(float),
    "identity": lambda z: np.ones_like(z),
}


class Net:
    """The drawn network: widths, activations, parameters, one input and its target."""

    def __init__(self, widths, acts, seed=0, onehot=False, m=1):
        rng = np.random.default_rng(seed)
        self.widths, self.acts, self.m = list(widths), list(acts), m
        self.N = len(widths) - 1
        self.params = {}
        for k in range(1, self.N + 1):
            self.params[("W", k)] = rng.normal(0, 0.8, (widths[k], widths[k - 1]))
            self.params[("b", k)] = rng.normal(0, 0.5, (widths[k], 1))
        self.params[("a", 0)] = rng.normal(0, 1.0, (widths[0], m))
        n = widths[-1]
        if onehot:
            y = np.zeros((n, m))
            y[rng.integers(0, n, m), np.arange(m)] = 1.0
        else:
            y = rng.uniform(0.1, 0.9, (n, m))
        self.params[("y", 0)] = y
        self.abstract = (rng.uniform(0.5, 1.5, (n, 1)), rng.normal(0, 1, (n, 1)))

    def forward(self, over=None):
        """Every node's value, with the nodes in ``over`` replaced by the given values."""
        over = over or {}
        st = dict(self.params)
        st.update({k: v for k, v in over.items() if k in st})
        a = st[("a", 0)]
        for k in range(1, self.N + 1):
            z = over.get(("z", k))
            if z is None:
                z = st[("W", k)] @ a + st[("b", k)]
            st[("z", k)] = z
            a = over.get(("a", k))
            if a is None:
                a = ACT[self.acts[k]](z)
            st[("a", k)] = a
        return st


class State:
    """A forward state with a cache for derivatives taken on it."""

    def __init__(self, net: Net, cost, over=None, sum_factor: float = 1.0):
        self.net, self.cost_fn, self.over = net, cost, dict(over or {})
        # the cost as the reading has it (C); times sum_factor it is the sum of the examples'
        # losses (S, what Ng's dZ and the stacked deltas differentiate); S / m is the mean (J)
        self.sum_factor = sum_factor
        self.values = net.forward(self.over)
        self._cost = None
        self.cache = {}

    def cost(self) -> float:
        if self._cost is None:
            self._cost = float(self.cost_fn(self))
        return self._cost

    def perturbed(self, node, entry, h) -> State:
        v = self.values[node].copy()
        v[entry] += h
        over = dict(self.over)
        over[node] = v
        return State(self.net, self.cost_fn, over, self.sum_factor)

    def grad(self, f, node) -> np.ndarray:
        """d f(state) / d node, entry by entry (central differences), same shape as the node."""
        base = self.values[node]
        out = np.zeros(base.shape)
        for entry in np.ndindex(*base.shape):
            plus = f(self.perturbed(node, entry, H))
            minus = f(self.perturbed(node, entry, -H))
            out[entry] = (plus - minus) / (2 * H)
        return out

    def factor(self, which: str) -> float:
        return {"C": 1.0, "S": self.sum_factor, "J": self.sum_factor / self.net.m}[which]

    def cost_of(self, which: str = "C") -> float:
        return self.cost() * self.factor(which)

    def cost_grad(self, node, which: str = "C") -> np.ndarray:
        key = ("cost", node)
        if key not in self.cache:
            self.cache[key] = self.grad(lambda s: s.cost(), node)
        return self.cache[key] * self.factor(which)
