"""Loading data: generated tasks, CSV, NPZ and digits; shapes checked before training;
standardisation statistics from the training split only."""

import sys

import numpy as np
import pytest

from derive.errors import DeriveError
from derive.train.data import TASKS, load_dataset


@pytest.mark.parametrize("name", sorted(TASKS))
def test_generated_task_shapes_and_determinism(name):
    features = TASKS[name][0]
    a = load_dataset(name, inputs=features, outputs=1, seed=3)
    b = load_dataset(name, inputs=features, outputs=1, seed=3)
    assert a.X_train.shape[0] == features and a.Y_train.shape == (1, a.X_train.shape[1])
    assert a.classes == [0, 1] and set(np.unique(a.Y_train)) == {0.0, 1.0}
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.Y_test, b.Y_test)
    c = load_dataset(name, inputs=features, outputs=1, seed=4)
    assert not np.array_equal(a.X_train[:, :10], c.X_train[:, :10])


def test_spirals_one_arm_per_output():
    ds = load_dataset("spirals", inputs=2, outputs=3)
    assert ds.classes == [0, 1, 2] and ds.Y_train.shape[0] == 3
    assert np.array_equal(ds.Y_train.sum(axis=0), np.ones(ds.Y_train.shape[1]))  # one-hot


def test_too_many_inputs_for_a_task_names_source_numbers_and_fix():
    with pytest.raises(DeriveError) as e:
        load_dataset("moons", inputs=4, outputs=1)
    text = str(e.value)
    assert "moons" in text and "2 features" in text and "4 inputs" in text
    assert "xor4 (4 features)" in e.value.fix


def test_classes_must_match_outputs():
    with pytest.raises(DeriveError) as e:
        load_dataset("spirals", inputs=2, outputs=1, one_hot=True)
    assert "2 classes" in str(e.value) and "1 outputs" in str(e.value)


def test_unknown_source_lists_what_exists():
    with pytest.raises(DeriveError) as e:
        load_dataset("mnist", inputs=2, outputs=1)
    assert "csv:PATH" in e.value.fix and "spirals" in e.value.fix


def test_test_fraction_is_checked_and_zero_means_no_test_split():
    with pytest.raises(DeriveError):
        load_dataset("xor", inputs=2, outputs=1, test_fraction=1.0)
    ds = load_dataset("xor", inputs=2, outputs=1, test_fraction=0.0)
    assert ds.X_test.shape == (2, 0) and ds.X_train.shape == (2, 800)


# --- CSV ---------------------------------------------------------------------------------------


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return f"csv:{path}"


def test_csv_header_target_by_name_and_text_labels(tmp_path):
    rows = ["a,species,b"] + [f"{i},{'cat' if i % 3 else 'dog'},{i * 2}" for i in range(30)]
    src = _write(tmp_path / "d.csv", "\n".join(rows))
    ds = load_dataset(src, inputs=2, outputs=2, target="species", test_fraction=0.0)
    assert ds.classes == ["cat", "dog"] and ds.feature_names == ["a", "b"]
    assert ds.Y_train.shape == (2, 30) and np.array_equal(ds.Y_train.sum(axis=0), np.ones(30))


def test_csv_default_last_column_integer_labels(tmp_path):
    rows = [f"{i},{-i},{i % 3}" for i in range(30)]  # no header
    src = _write(tmp_path / "d.csv", "\n".join(rows))
    ds = load_dataset(src, inputs=2, outputs=3)
    assert ds.classes == [0, 1, 2] and ds.Y_train.shape[0] == 3
    binary = _write(tmp_path / "b.csv", "\n".join(f"{i},{-i},{i % 2}" for i in range(30)))
    ds = load_dataset(binary, inputs=2, outputs=1)  # one sigmoid unit: y stays 0/1
    assert ds.classes == [0, 1] and ds.Y_train.shape[0] == 1
    with pytest.raises(DeriveError) as e:
        load_dataset(src, inputs=2, outputs=2)
    assert "3 classes" in str(e.value) and "2 outputs" in str(e.value)
    assert "set the last layer's units to 3" in e.value.fix


def test_csv_regression_target(tmp_path):
    src = _write(
        tmp_path / "r.csv", "x,y\n" + "\n".join(f"{i},{i * 0.5 + 0.25}" for i in range(20))
    )
    ds = load_dataset(src, inputs=1, outputs=1)
    assert ds.classes is None and ds.Y_train.shape == (1, 16)


def test_csv_feature_count_and_bad_cells(tmp_path):
    src = _write(tmp_path / "d.csv", "\n".join(f"{i},{i},{i},{i % 2}" for i in range(10)))
    with pytest.raises(DeriveError) as e:
        load_dataset(src, inputs=4, outputs=1)
    assert "d.csv" in str(e.value) and "3 features" in str(e.value) and "4 inputs" in str(e.value)
    bad = _write(tmp_path / "bad.csv", "1,2,0\n3,x,1\n")
    with pytest.raises(DeriveError, match="line 2"):
        load_dataset(bad, inputs=2, outputs=1)
    ragged = _write(tmp_path / "ragged.csv", "1,2,0\n3,1\n")
    with pytest.raises(DeriveError, match="line 2 has 2 columns"):
        load_dataset(ragged, inputs=2, outputs=1)
    with pytest.raises(DeriveError, match="no target column"):
        load_dataset(src, inputs=3, outputs=1, target="label")
    with pytest.raises(DeriveError, match="no file"):
        load_dataset(f"csv:{tmp_path / 'missing.csv'}", inputs=3, outputs=1)


# --- NPZ ---------------------------------------------------------------------------------------


def test_npz_keys_one_hot_and_transposed_hint(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 5)), rng.integers(0, 4, 40)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    ds = load_dataset(f"npz:{tmp_path / 'd.npz'}", inputs=5, outputs=4, test_fraction=0.25)
    assert ds.X_train.shape == (5, 30) and ds.Y_test.shape == (4, 10)
    np.savez(tmp_path / "t.npz", features=X.T, labels=y)
    with pytest.raises(DeriveError) as e:
        load_dataset(f"npz:{tmp_path / 't.npz'}", inputs=5, outputs=4, target="labels")
    assert "X.T" in e.value.fix
    with pytest.raises(DeriveError, match="no array 'y'"):
        load_dataset(f"npz:{tmp_path / 't.npz'}", inputs=5, outputs=4)
    np.savez(tmp_path / "b.npz", X=X, y=(y > 1).astype(int))
    ds = load_dataset(f"npz:{tmp_path / 'b.npz'}", inputs=5, outputs=2, one_hot=True)
    assert ds.Y_train.shape[0] == 2 and ds.classes == [0, 1]


# --- standardisation ---------------------------------------------------------------------------


def test_statistics_come_from_the_training_split_only(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(5.0, 2.0, size=(100, 3))
    X[:, 1] = 7.0  # a constant feature: std 1, not a division by zero
    np.savez(tmp_path / "d.npz", X=X, y=rng.integers(0, 2, 100))
    ds = load_dataset(f"npz:{tmp_path / 'd.npz'}", inputs=3, outputs=1, seed=2, test_fraction=0.3)
    raw_train = ds.X_train * ds.std + ds.mean
    raw_test = ds.X_test * ds.std + ds.mean
    assert raw_train.shape[1] == 70 and raw_test.shape[1] == 30
    np.testing.assert_allclose(ds.mean, raw_train.mean(axis=1, keepdims=True))
    assert not np.allclose(ds.mean[[0, 2]], X.mean(axis=0)[[0, 2]][:, None])  # not all samples
    np.testing.assert_allclose(ds.X_train.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.X_train[[0, 2]].std(axis=1), 1.0)
    assert ds.std[1, 0] == 1.0 and np.all(ds.X_train[1] == 0)
    # the rows of the split are the rows of the file, each exactly once
    both = np.concatenate([raw_train, raw_test], axis=1).T
    np.testing.assert_allclose(both[np.lexsort(both.T[::-1])], X[np.lexsort(X.T[::-1])])
    again = ds.with_stats(ds.mean, ds.std)
    np.testing.assert_allclose(again.X_test, ds.X_test, atol=1e-12)


# --- digits ------------------------------------------------------------------------------------


def test_digits_are_the_real_ones():
    pytest.importorskip("sklearn")
    ds = load_dataset("digits", inputs=64, outputs=10)
    assert ds.X_train.shape == (64, 1438) and ds.X_test.shape == (64, 359)
    assert ds.classes == list(range(10)) and ds.Y_train.shape == (10, 1438)
    with pytest.raises(DeriveError) as e:
        load_dataset("digits", inputs=64, outputs=1)
    assert "10 classes" in str(e.value) and "digits" in str(e.value)


def test_digits_without_scikit_learn_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # import now fails
    with pytest.raises(DeriveError) as e:
        load_dataset("digits", inputs=64, outputs=10)
    assert e.value.fix.startswith('pip install "derive[data]"')
