"""statkit.privacy._digits: the digits client split and the diffprivlib comparison."""

import numpy as np
import pytest

from statkit.privacy._digits import (
    DIGITS_CLIP_NORM,
    compare_with_diffprivlib,
    digits_clients,
    load_diffprivlib_pca,
)

COLUMNS = [
    "epsilon",
    "method",
    "privacy",
    "delta",
    "n_repeats",
    "captured_variance",
    "captured_variance_se",
    "subspace_distance",
    "subspace_distance_se",
    "fit_seconds",
]


@pytest.mark.parametrize("heterogeneity", [0.0, 1.0, 10.0])
def test_split_deterministic_and_covering(heterogeneity):
    a = digits_clients(6, heterogeneity, random_state=3)
    b = digits_clients(6, heterogeneity, random_state=3)
    for ia, ib in zip(a.indices, b.indices, strict=True):
        np.testing.assert_array_equal(ia, ib)
    allrows = np.concatenate(a.indices)
    np.testing.assert_array_equal(np.sort(allrows), np.arange(1797))  # each row exactly once
    assert all(len(i) >= 2 for i in a.indices)
    for X, idx, y in zip(a.clients, a.indices, a.labels, strict=True):
        assert X.shape == (len(idx), 64) and y.shape == (len(idx),)
        assert X.min() >= 0 and X.max() <= 1
        assert np.linalg.norm(X, axis=1).max() <= DIGITS_CLIP_NORM


def test_split_heterogeneous_labels():
    split = digits_clients(5, 10.0, random_state=0)
    props = np.array([np.bincount(y, minlength=10) / len(y) for y in split.labels])
    assert props.max() > 0.3  # some client is dominated by one digit


def test_split_bad_input():
    with pytest.raises(ValueError):
        digits_clients(0)
    with pytest.raises(ValueError):
        digits_clients(3, heterogeneity=-1.0)
    with pytest.raises(TypeError):
        digits_clients(2.5)


def test_compare_statkit_only():
    df = compare_with_diffprivlib(
        epsilons=(1.0,), n_components=2, n_repeats=2, include_diffprivlib=False
    )
    assert list(df.columns) == COLUMNS
    assert len(df) == 3
    assert df["captured_variance"].between(0, 1 + 1e-9).all()


def test_compare_skips_when_diffprivlib_missing():
    if load_diffprivlib_pca() is not None:
        pytest.skip("diffprivlib is importable")
    with pytest.warns(UserWarning, match="diffprivlib is not importable"):
        df = compare_with_diffprivlib(epsilons=(1.0,), n_components=2, n_repeats=2)
    assert not df["method"].str.startswith("diffprivlib").any()


def test_compare_with_diffprivlib_columns():
    pytest.importorskip("diffprivlib.models", exc_type=ImportError)
    df = compare_with_diffprivlib(epsilons=(4.0,), n_components=1, n_repeats=2)
    assert list(df.columns) == COLUMNS
    dp = df[df["method"].str.startswith("diffprivlib")]
    assert len(dp) == 1 and dp["delta"].iloc[0] == 0.0
