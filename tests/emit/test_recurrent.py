"""The recurrent kinds against PyTorch's own modules, and the time loop's size against T.

``torch.nn.RNN``, ``torch.nn.LSTM`` and ``torch.nn.GRU`` are given the generated module's
weights (Wx -> weight_ih, Wh -> weight_hh; the LSTM's one bias as bias_ih with bias_hh = 0;
the GRU's bx, bh as bias_ih, bias_hh), the same inputs (x_t = rows t*d ... (t+1)*d of X) and
the same head and cost; their forward values and autograd's gradients must equal the
generated NumPy module's derived ones (float64).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from derive.emit.codegen import load_module, render
from derive.engine.spec import parse_spec

torch = pytest.importorskip("torch")

T, D, N, OUT, M = 4, 3, 5, 2, 6


def _spec(kind, *, stacked=None, learn_h0=False, steps=T, d=D, units=N, head="identity"):
    lines = ['name = "cmp"', f"inputs = {steps * d}"]
    if stacked is not None:
        lines += ["[[layers]]", f'kind = "{stacked}"', f"units = {units}", f"steps = {steps}"]
        lines += ['output = "all"']
    lines += ["[[layers]]", f'kind = "{kind}"', f"units = {units}", f"steps = {steps}"]
    if learn_h0:
        lines.append("learn_h0 = true")
    lines += ["[[layers]]", f"units = {OUT}", f'activation = "{head}"', "[cost]"]
    lines.append('expr = "(A3 - y)**2"' if stacked else 'expr = "(A2 - y)**2"')
    return parse_spec("\n".join(lines), "cmp.toml")


_TORCH = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def _torch_layer(kind, params, k, d, n):
    layer = _TORCH[kind](d, n, dtype=torch.float64)
    with torch.no_grad():
        layer.weight_ih_l0.copy_(torch.tensor(params[f"Wx{k}"]))
        layer.weight_hh_l0.copy_(torch.tensor(params[f"Wh{k}"]))
        if kind == "gru":
            layer.bias_ih_l0.copy_(torch.tensor(params[f"bx{k}"][:, 0]))
            layer.bias_hh_l0.copy_(torch.tensor(params[f"bh{k}"][:, 0]))
        else:
            layer.bias_ih_l0.copy_(torch.tensor(params[f"b{k}"][:, 0]))
            layer.bias_hh_l0.zero_()
    return layer


def _initial(kind, params, k, n, m, learn):
    """torch's (h0, c0) from the learned columns (or zeros), leaves that get a gradient."""
    names = ["h", "c"] if kind == "lstm" else ["h"]
    out = {}
    for s in names:
        col = params.get(f"{s}{k}_0", np.zeros((n, 1))) if learn else np.zeros((n, 1))
        out[s] = torch.tensor(col, requires_grad=True)
    return out


def _run_torch(net, params, X, Y):
    """The network in torch: the recurrent layers as torch modules, the head as a matmul."""
    layers = [c for c in net.recurrences]
    m = X.shape[1]
    seq = torch.tensor(X.reshape(layers[0].steps, layers[0].d, m).transpose(0, 2, 1))
    grads_of = {}
    for c in layers:
        layer = _torch_layer(c.kind, params, c.k, c.d, c.units)
        init = _initial(c.kind, params, c.k, c.units, m, c.learn_h0)
        state = {s: v.T.expand(m, c.units).unsqueeze(0) for s, v in init.items()}
        if c.kind == "lstm":
            seq, _ = layer(seq, (state["h"], state["c"]))
        else:
            seq, _ = layer(seq, state["h"])
        grads_of[c.k] = (layer, init)
    W = torch.tensor(params[f"W{len(layers) + 1}"], requires_grad=True)
    b = torch.tensor(params[f"b{len(layers) + 1}"], requires_grad=True)
    out = W @ seq[-1].T + b
    loss = ((out - torch.tensor(Y)) ** 2).sum() / m
    loss.backward()
    grads = {f"W{len(layers) + 1}": W.grad, f"b{len(layers) + 1}": b.grad}
    for c in layers:
        layer, init = grads_of[c.k]
        grads[f"Wx{c.k}"], grads[f"Wh{c.k}"] = layer.weight_ih_l0.grad, layer.weight_hh_l0.grad
        if c.kind == "gru":
            grads[f"bx{c.k}"] = layer.bias_ih_l0.grad[:, None]
            grads[f"bh{c.k}"] = layer.bias_hh_l0.grad[:, None]
        else:
            grads[f"b{c.k}"] = layer.bias_ih_l0.grad[:, None]
        if c.learn_h0:
            for s, v in init.items():
                grads[f"{s}{c.k}_0"] = v.grad
    return float(loss.detach()), {k: v.detach().numpy() for k, v in grads.items()}


CASES = {
    "rnn": dict(kind="rnn"),
    "lstm": dict(kind="lstm"),
    "gru": dict(kind="gru"),
    "lstm_learn_h0": dict(kind="lstm", learn_h0=True),
    "gru_learn_h0": dict(kind="gru", learn_h0=True),
    "lstm_on_lstm": dict(kind="lstm", stacked="lstm"),
    "gru_on_rnn": dict(kind="gru", stacked="rnn"),
    "lstm_one_step": dict(kind="lstm", steps=1),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_recurrent_kinds_equal_torch(case):
    net = _spec(**CASES[case])
    module = load_module(net)
    rng = np.random.default_rng(1)
    params = {k: rng.standard_normal(s) * 0.5 for k, s in module.PARAM_SHAPES.items()}
    X = rng.standard_normal((module.INPUTS, M))
    Y = rng.standard_normal((OUT, M))
    loss, grads = module.loss_and_grad(params, X, Y)
    want_loss, want = _run_torch(net, params, X, Y)
    assert loss == pytest.approx(want_loss, rel=1e-12)
    assert grads.keys() == want.keys()
    for k in want:
        np.testing.assert_allclose(grads[k], want[k], rtol=1e-9, atol=1e-12, err_msg=k)


def test_the_cell_state_recursion_is_in_the_derivation():
    """The LSTM's derivation shows the cell state's gradient at t, what step t+1 handed back
    plus the path through h_t (computed once, read by the four gate blocks), and
    dc_(t-1) = f_t * dc_t: derived, not typed in."""
    from derive.emit.show import show_text
    from derive.engine.derivation import derive

    text = show_text(derive(_spec("lstm")))
    assert "dc1_t      = dc1_t + o1_t*dh1_t*(1 - tanh(c1_t)**2)" in text
    assert "dc1_(t-1)  = f1_t*dc1_t   [to step t-1]" in text
    assert text.count("tanh(c1_t)**2") == 1
    assert "[to step t-1]" in text


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_module_length_does_not_grow_with_T(kind):
    """The step is printed once: T = 2 and T = 500 give modules of the same number of lines,
    and the long one is made in about the same time."""
    sizes, times = [], []
    for steps in (2, 500):
        start = time.perf_counter()
        text = render(_spec(kind, steps=steps, d=1))
        times.append(time.perf_counter() - start)
        sizes.append(len(text.splitlines()))
    assert sizes[0] == sizes[1]
    assert times[1] < 3 * times[0] + 2.0


def test_per_step_head_equals_torch_temporal_softmax_loss():
    """An LSTM handing on every h_t into a dense layer with steps = T (softmax per step) and
    cross-entropy summed over the steps, averaged over the samples: CS231n's temporal affine
    and temporal softmax loss, as torch computes them from nn.LSTM and a Linear."""
    text = "\n".join([
        'name = "lm"', f"inputs = {T * D}",
        "[[layers]]", 'kind = "lstm"', f"units = {N}", f"steps = {T}", 'output = "all"',
        "[[layers]]", f"units = {OUT + 1}", f"steps = {T}", 'activation = "softmax"',
        "[cost]", 'name = "cross_entropy"',
    ])  # fmt: skip
    net = parse_spec(text, "lm.toml")
    module = load_module(net)
    rng = np.random.default_rng(2)
    params = {k: rng.standard_normal(s) * 0.5 for k, s in module.PARAM_SHAPES.items()}
    X = rng.standard_normal((module.INPUTS, M))
    labels = rng.integers(0, OUT + 1, size=(T, M))
    Y = np.zeros((T, OUT + 1, M))
    Y[np.arange(T)[:, None], labels, np.arange(M)[None, :]] = 1
    Y = Y.reshape(T * (OUT + 1), M)
    loss, grads = module.loss_and_grad(params, X, Y)

    lstm = _torch_layer("lstm", params, 1, D, N)
    head = torch.nn.Linear(N, OUT + 1, dtype=torch.float64)
    with torch.no_grad():
        head.weight.copy_(torch.tensor(params["W2"]))
        head.bias.copy_(torch.tensor(params["b2"][:, 0]))
    seq = torch.tensor(X.reshape(T, D, M).transpose(0, 2, 1))
    hs, _ = lstm(seq)
    logits = head(hs)  # (T, m, classes)
    want = (
        torch.nn.functional.cross_entropy(
            logits.reshape(T * M, -1), torch.tensor(labels.reshape(-1)), reduction="sum"
        )
        / M
    )
    want.backward()
    assert loss == pytest.approx(float(want.detach()), rel=1e-12)
    np.testing.assert_allclose(grads["W2"], head.weight.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grads["b2"][:, 0], head.bias.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grads["Wx1"], lstm.weight_ih_l0.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grads["Wh1"], lstm.weight_hh_l0.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        grads["b1"][:, 0], lstm.bias_ih_l0.grad.numpy(), rtol=1e-9, atol=1e-12
    )
