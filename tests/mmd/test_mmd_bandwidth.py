"""median_bandwidth against the naive reference (all pairs i < j, statistics.median)."""

import numpy as np
import pytest

from statkit._testing import reference
from statkit.mmd import median_bandwidth, mmd


def _data():
    rng = np.random.default_rng(2)
    return rng.standard_normal((20, 3)), rng.standard_normal((11, 3)) + 1.0


@pytest.mark.parametrize("kernel", ["gaussian", "laplace", "matern", "inverse_multiquadric"])
def test_median_bandwidth_matches_reference(xp_case, kernel):
    X, Y = _data()
    expected = reference.mmd_median_bandwidth(np.concatenate([X, Y]), kernel)
    got = median_bandwidth(xp_case.asarray(X), xp_case.asarray(Y), kernel=kernel)
    assert type(got) is float
    assert got == pytest.approx(expected, rel=xp_case.rtol)
    # X alone
    got = median_bandwidth(xp_case.asarray(X), kernel=kernel)
    assert got == pytest.approx(reference.mmd_median_bandwidth(X, kernel), rel=xp_case.rtol)


def test_gaussian_median_heuristic_formula():
    # squared distances 1, 4, 9, 1, 4, 1 (points 0, 1, 2, 3): median 2.5 -> sqrt(2.5 / 2)
    Z = np.arange(4.0).reshape(-1, 1)
    assert median_bandwidth(Z) == pytest.approx(np.sqrt(2.5 / 2), rel=1e-15)
    # Euclidean distances 1, 2, 3, 1, 2, 1: median 1.5 for the other kernels
    assert median_bandwidth(Z, kernel="matern") == 1.5


def test_subsampling_is_reproducible_and_matches_reference(xp_case):
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((40, 2)), rng.standard_normal((35, 2))
    a = median_bandwidth(xp_case.asarray(X), xp_case.asarray(Y), max_samples=30, random_state=7)
    assert a == median_bandwidth(
        xp_case.asarray(X), xp_case.asarray(Y), max_samples=30, random_state=7
    )
    idx = np.sort(np.random.default_rng(7).choice(75, size=30, replace=False))
    expected = reference.mmd_median_bandwidth(np.concatenate([X, Y])[idx])
    assert a == pytest.approx(expected, rel=xp_case.rtol)


def test_ties_fall_back_to_positive_distances_with_a_warning():
    # hyppo issue #92: unequal sizes, most pairs tied -> median distance 0
    X = np.zeros((30, 1))
    Y = np.ones((5, 1))
    with pytest.warns(RuntimeWarning, match="positive distances"):
        ell = median_bandwidth(X, Y)
    assert ell == pytest.approx(np.sqrt(0.5))  # all positive squared distances are 1
    with pytest.warns(RuntimeWarning):
        value = mmd(X, Y)
    assert np.isfinite(value)


def test_all_points_coincide_raises():
    Z = np.ones((10, 2))
    with pytest.raises(ValueError, match="explicit bandwidth"):
        median_bandwidth(Z)
    with pytest.raises(ValueError, match="explicit bandwidth"):
        mmd(Z, Z)


def test_median_bandwidth_bad_parameters():
    X, Y = _data()
    with pytest.raises(ValueError, match="max_samples"):
        median_bandwidth(X, Y, max_samples=1)
    with pytest.raises(ValueError, match="max_samples"):
        median_bandwidth(X, Y, max_samples=0)
    with pytest.raises(TypeError, match="max_samples"):
        median_bandwidth(X, Y, max_samples=2.5)
    with pytest.raises(ValueError, match="at least 2 points"):
        median_bandwidth(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="valid kernels"):
        median_bandwidth(X, kernel="rbf")
