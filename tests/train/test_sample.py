"""``derive sample``: text drawn from a character-level language model, one character at a
time, deterministic in the seed, from the model's own distribution; a clear error for a
network that is not one."""

import numpy as np
import pytest

from derive.cli import main
from derive.emit.codegen import load_module
from derive.engine.spec import EXAMPLES, load_spec
from derive.train.sequences import ALPHABET, sample, text_codes

V = len(ALPHABET)


def _model(table):
    """A predict that gives, at each step, the distribution ``table[code of that step's
    character]`` (a bigram model), so the draws can be checked against it."""

    def predict(X):
        steps = X.shape[0] // V
        codes = X.reshape(steps, V, -1).argmax(axis=1)[:, 0]
        return np.concatenate([table[c] for c in codes])[:, None]

    return predict


def test_each_character_is_drawn_from_the_model_after_the_last_window():
    table = np.full((V, V), 0.0)
    for c in range(V):  # after character c, always the next symbol of the alphabet
        table[c, (c + 1) % V] = 1.0
    text = sample(_model(table), 4 * V, 4 * V, 10, seed=0, prompt="a")
    assert text == "bcdefghijk"


def test_the_same_seed_gives_the_same_text_and_follows_the_probabilities():
    rng = np.random.default_rng(5)
    table = rng.dirichlet(np.ones(V) * 0.3, size=V)
    model = _model(table)
    a = sample(model, 3 * V, 3 * V, 400, seed=7)
    assert a == sample(model, 3 * V, 3 * V, 400, seed=7)
    assert a != sample(model, 3 * V, 3 * V, 400, seed=8)
    codes = text_codes("\n" + a)  # every pair drawn has probability > 0 in the model
    assert all(table[p, q] > 0 for p, q in zip(codes[:-1], codes[1:], strict=False))


def test_a_window_longer_than_the_model_reads_only_the_last_steps():
    seen = []

    def predict(X):
        seen.append(X.reshape(5, V).argmax(axis=1) * (X.reshape(5, V).sum(axis=1) > 0))
        out = np.zeros((5 * V, 1))
        out[np.arange(5) * V + ALPHABET.index("z")] = 1.0
        return out

    sample(predict, 5 * V, 5 * V, 3, seed=0, prompt="abcdefg")
    assert seen[0].tolist() == text_codes("cdefg").tolist()
    assert seen[2].tolist() == text_codes("efgzz").tolist()


def test_the_generated_char_lstm_samples_text_of_its_alphabet():
    module = load_module(load_spec(EXAMPLES / "char_lstm.toml"))
    params = module.init_params(0)
    text = sample(lambda X: module.predict(params, X), module.INPUTS, module.OUTPUTS, 40, 1)
    assert len(text) == 40 and set(text) <= set(ALPHABET)


def test_derive_sample_prints_the_same_text_for_the_same_seed(tmp_path, capsys):
    module = load_module(load_spec(EXAMPLES / "char_lstm.toml"))
    np.savez(tmp_path / "params.npz", **module.init_params(3))
    argv = ["sample", str(EXAMPLES / "char_lstm.toml"), "--params", str(tmp_path)]
    assert main([*argv, "--chars", "30", "--seed", "2", "--prompt", "the "]) == 0
    first = capsys.readouterr().out
    assert main([*argv, "--chars", "30", "--seed", "2", "--prompt", "the "]) == 0
    assert capsys.readouterr().out == first
    assert first.startswith("the ") and len(first.rstrip("\n")) >= 34


@pytest.mark.parametrize("spec", ["seed.toml", "rnn.toml"])
def test_a_network_that_is_no_language_model_is_a_clear_error(spec, tmp_path, capsys):
    module = load_module(load_spec(EXAMPLES / spec))
    np.savez(tmp_path / "params.npz", **module.init_params(0))
    assert main(["sample", str(EXAMPLES / spec), "--params", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    assert "character-level language model" in err and "Traceback" not in err
