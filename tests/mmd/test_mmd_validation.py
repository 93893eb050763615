"""Bad input gets a clear error naming the problem; property-based checks (hypothesis)."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.distance import pdist

from statkit.mmd import kernel_matrix, median_bandwidth, mmd, mmd_test

X0 = np.random.default_rng(0).standard_normal((6, 2))
Y0 = np.random.default_rng(1).standard_normal((5, 2))


def _calls(X, Y, **kw):
    """The public functions that take two samples, with the same keyword arguments."""
    test_kw = {k: v for k, v in kw.items() if k != "block_size"}
    return [
        lambda: mmd(X, Y, **kw),
        lambda: mmd_test(X, Y, n_permutations=5, random_state=0, **test_kw),
    ]


def _bad(X, Y, error, match, **kw):
    for call in _calls(X, Y, **kw):
        with pytest.raises(error, match=match):
            call()


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_nan_inf_rejected(xp_case, value):
    X = X0.copy()
    X[2, 1] = value
    _bad(xp_case.asarray(X), xp_case.asarray(Y0), ValueError, "X contains NaN or inf")
    _bad(xp_case.asarray(Y0), xp_case.asarray(X), ValueError, "Y contains NaN or inf")
    with pytest.raises(ValueError, match="NaN or inf"):
        kernel_matrix(xp_case.asarray(X))
    with pytest.raises(ValueError, match="NaN or inf"):
        median_bandwidth(xp_case.asarray(X))


def test_mismatched_features(xp_case):
    _bad(xp_case.asarray(X0), xp_case.asarray(np.ones((5, 3))), ValueError, "number of features")
    with pytest.raises(ValueError, match="number of features"):
        kernel_matrix(xp_case.asarray(X0), xp_case.asarray(np.ones((5, 3))))


def test_empty_samples():
    _bad(np.empty((0, 2)), Y0, ValueError, "X must have at least 1 sample")
    _bad(X0, np.empty((0, 2)), ValueError, "Y must have at least 1 sample")
    _bad(X0, np.empty((5, 0)), ValueError, "0 features|number of features")
    _bad([], Y0, ValueError, "at least 1 sample")


@pytest.mark.parametrize("bandwidth", [0.0, -1.0, np.nan, np.inf])
def test_bad_bandwidth(bandwidth):
    _bad(X0, Y0, ValueError, "bandwidth", bandwidth=bandwidth)
    with pytest.raises(ValueError, match="bandwidth"):
        kernel_matrix(X0, bandwidth=bandwidth)


def test_bad_bandwidth_types():
    _bad(X0, Y0, ValueError, "bandwidth must be 'median' or a float", bandwidth="mean")
    _bad(X0, Y0, TypeError, "bandwidth", bandwidth=None)
    with pytest.raises(TypeError, match="bandwidth"):
        kernel_matrix(X0, bandwidth="median")


def test_unknown_kernel_lists_valid_ones():
    msg = "valid kernels are gaussian, laplace, matern, inverse_multiquadric"
    _bad(X0, Y0, ValueError, msg, kernel="rbf")
    with pytest.raises(ValueError, match=msg):
        kernel_matrix(X0, kernel="polynomial")
    _bad(X0, Y0, TypeError, "kernel must be a string", kernel=None)


@pytest.mark.parametrize("nu", [2.0, 0.0, -1.5, 3.5])
def test_matern_nu_outside_closed_forms(nu):
    _bad(X0, Y0, ValueError, r"nu must be one of \(0.5, 1.5, 2.5\)", kernel="matern", nu=nu)
    with pytest.raises(ValueError, match="nu must be one of"):
        kernel_matrix(X0, kernel="matern", nu=nu)


def test_nu_is_ignored_by_other_kernels():
    assert mmd(X0, Y0, nu=2.0) == mmd(X0, Y0)


def test_unknown_estimator():
    _bad(X0, Y0, ValueError, "estimator must be 'u'", estimator="w")
    _bad(X0, Y0, ValueError, "estimator must be 'u'", estimator=None)


def test_u_statistic_needs_two_points():
    _bad(X0[:1], Y0, ValueError, "estimator='u' needs at least 2 points.*X has 1")
    _bad(X0, Y0[:1], ValueError, "estimator='u' needs at least 2 points.*Y has 1")
    assert np.isfinite(mmd(X0[:1], Y0[:1], estimator="v", bandwidth=1.0))


def test_bad_n_permutations():
    for bad in (0, -5):
        with pytest.raises(ValueError, match="n_permutations must be > 0"):
            mmd_test(X0, Y0, n_permutations=bad)
    for bad in (2.5, "10", None):
        with pytest.raises(TypeError, match="n_permutations"):
            mmd_test(X0, Y0, n_permutations=bad)


def test_bad_block_size():
    with pytest.raises(ValueError, match="block_size"):
        mmd(X0, Y0, block_size=0)
    with pytest.raises(TypeError, match="block_size"):
        mmd(X0, Y0, block_size=2.5)


def test_non_numeric_input():
    _bad(np.array([["a", "b"], ["c", "d"]]), Y0, TypeError, "X must be numeric")
    _bad(X0, np.array([[1 + 1j, 0], [0, 1]]), TypeError, "Y must be real-valued")
    _bad(X0, np.array([[object(), 1.0]] * 3, dtype=object), TypeError, "numeric")
    with pytest.raises(TypeError, match="numeric"):
        kernel_matrix([["x"]])


def test_three_dimensional_input():
    _bad(np.zeros((3, 2, 2)), Y0, ValueError, "2-D")


def test_bad_random_state():
    with pytest.raises(TypeError, match="random_state"):
        mmd_test(X0, Y0, random_state="seed")
    with pytest.raises(TypeError, match="random_state"):
        mmd(X0, Y0, random_state=1.5)


def test_mixing_numpy_and_torch():
    torch = pytest.importorskip("torch")
    _bad(X0, torch.as_tensor(Y0), TypeError, "mix numpy arrays and torch tensors")


# --- property-based ------------------------------------------------------------------

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def two_samples(draw):
    d = draw(st.integers(1, 4))
    m = draw(st.integers(2, 12))
    n = draw(st.integers(2, 12))
    X = draw(arrays(np.float64, (m, d), elements=finite))
    Y = draw(arrays(np.float64, (n, d), elements=finite))
    return X, Y


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    two_samples(),
    st.sampled_from(["gaussian", "laplace", "matern", "inverse_multiquadric"]),
    st.floats(1e-3, 1e3),
)
def test_properties(samples, kernel, bandwidth):
    X, Y = samples
    u = mmd(X, Y, kernel=kernel, bandwidth=bandwidth)
    v = mmd(X, Y, kernel=kernel, bandwidth=bandwidth, estimator="v")
    assert np.isfinite(u) and np.isfinite(v)
    assert v >= -1e-12  # a squared RKHS norm
    # bounded kernel in [0, 1]: |MMD^2| <= 2 for both estimators
    assert abs(u) <= 2 + 1e-12 and v <= 2 + 1e-12
    assert mmd(Y, X, kernel=kernel, bandwidth=bandwidth) == pytest.approx(u, abs=1e-12)
    K = kernel_matrix(X, Y, kernel=kernel, bandwidth=bandwidth)
    assert K.shape == (len(X), len(Y)) and np.all((K >= 0) & (K <= 1))


@settings(max_examples=25, deadline=None)
@given(two_samples())
def test_median_heuristic_is_positive_or_raises(samples):
    X, Y = samples
    Z = np.concatenate([X, Y])
    if np.all(pdist(Z, "sqeuclidean") == 0):  # coincide, or differences underflow (1e-226)
        with pytest.raises(ValueError, match="explicit bandwidth"):
            median_bandwidth(X, Y)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # tied points: tested elsewhere
        ell = median_bandwidth(X, Y)
    assert ell > 0 and np.isfinite(ell)
