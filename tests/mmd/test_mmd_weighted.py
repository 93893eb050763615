"""Optimally-weighted MMD: weights, estimator and its torch path.

Oracles: weights from a naive double-loop Gram matrix and ``scipy.integrate.quad``
kernel means solved with ``numpy.linalg.solve``; integrals known in closed form; the
quadratic form written with the reference Gram matrix; the population MMD between a
Gaussian location-scale simulator and a fixed sample in closed form.
"""

import math

import numpy as np
import pytest
from scipy import integrate, stats
from sklearn.utils.estimator_checks import parametrize_with_checks

from statkit._testing import reference
from statkit.mmd import OptimallyWeightedMMD, bq_weights, mmd, weighted_mmd


def _naive_weights(u, kernel, ell, measure, jitter):
    """w = (C + jitter I)^-1 z with C by a double loop and z by quadrature (1-D u)."""

    def c(a, b):
        r = abs(a - b)
        if kernel == "gaussian":
            return math.exp(-(r**2) / (2 * ell**2))
        a_ = math.sqrt(5) * r / ell
        return (1 + a_ + a_**2 / 3) * math.exp(-a_)  # matern52

    m = len(u)
    C = np.array([[c(u[i], u[j]) for j in range(m)] for i in range(m)])
    if measure == "uniform":
        z = [integrate.quad(lambda v, a=a: c(a, v), 0, 1, points=[a], epsabs=1e-15)[0] for a in u]
    else:
        # split at the kink v = u of the Matérn kernel so that quad converges fully
        z = [
            sum(
                integrate.quad(lambda v, a=a: c(a, v) * stats.norm.pdf(v), lo, hi, epsabs=1e-15)[0]
                for lo, hi in ((-np.inf, a), (a, np.inf))
            )
            for a in u
        ]
    return np.linalg.solve(C + jitter * np.eye(m), np.array(z))


@pytest.mark.parametrize("kernel", ["gaussian", "matern52"])
@pytest.mark.parametrize("measure", ["uniform", "gaussian"])
def test_weights_match_naive_solve(kernel, measure):
    rng = np.random.default_rng(3)
    u = rng.random(15) if measure == "uniform" else rng.standard_normal(15)
    ell = 0.4
    # a well-conditioned case (large jitter) so that the comparison is about the formula
    w = bq_weights(u, measure, kernel, ell, jitter=1e-4)
    np.testing.assert_allclose(w, _naive_weights(u, kernel, ell, measure, 1e-4), rtol=1e-8)


def test_weights_integrate_smooth_functions_far_better_than_monte_carlo():
    rng = np.random.default_rng(0)
    u = rng.random((64, 1))
    w = bq_weights(u, "uniform", "matern52")
    exact = (1 - math.cos(3.0)) / 3.0  # int_0^1 sin(3t) dt
    f = np.sin(3 * u[:, 0])
    assert abs(w @ f - exact) < 1e-4
    assert abs(w @ f - exact) < abs(f.mean() - exact) / 50
    z = rng.standard_normal((64, 2))
    w = bq_weights(z, "gaussian", "gaussian")
    exact = math.exp(-0.5) ** 2  # E cos(Z1) cos(Z2)
    f = np.cos(z).prod(axis=1)
    assert abs(w @ f - exact) < 1e-3
    assert abs(w @ f - exact) < abs(f.mean() - exact) / 10


def test_worst_case_error_matches_its_definition():
    rng = np.random.default_rng(5)
    u = rng.random(12)
    ell, jitter = 0.3, 1e-6
    w, err = bq_weights(u, "uniform", "gaussian", ell, jitter=jitter, return_error=True)

    def c(a, b):
        return math.exp(-((a - b) ** 2) / (2 * ell**2))

    cc = integrate.dblquad(lambda a, b: c(a, b), 0, 1, 0, 1, epsabs=1e-13)[0]
    z = np.array([integrate.quad(lambda v, a=a: c(a, v), 0, 1)[0] for a in u])
    C = np.array([[c(a, b) for b in u] for a in u])
    # e(w)^2 = iint c - 2 w'z + w'Cw, and at the optimum w'Cw ~ w'z
    e2 = cc - 2 * w @ z + w @ C @ w
    assert err == pytest.approx(math.sqrt(max(e2, 0)), rel=1e-3, abs=1e-7)
    assert err < 1e-2


def test_weights_reject_bad_input():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        bq_weights(np.array([[0.2], [1.5]]), "uniform")
    with pytest.raises(ValueError, match="input_measure"):
        bq_weights(np.array([[0.2], [0.5]]), "lebesgue")
    with pytest.raises(ValueError, match="jitter"):
        bq_weights(np.array([[0.2], [0.5]]), "uniform", jitter=0.0)
    with pytest.raises(ValueError, match=r"NaN|nan|finite"):
        bq_weights(np.array([[0.2], [np.nan]]), "gaussian")
    with pytest.raises(ValueError, match="at least 2"):
        bq_weights(np.array([[0.2]]), "uniform")


def test_weighted_mmd_is_the_quadratic_form():
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((9, 2)), rng.standard_normal((13, 2)) + 0.3
    w = rng.standard_normal(9)
    Kxx = reference.mmd_gram(X, X, "gaussian", 0.8)
    Kxy = reference.mmd_gram(X, Y, "gaussian", 0.8)
    Kyy = reference.mmd_gram(Y, Y, "gaussian", 0.8)
    expected = w @ Kxx @ w - 2 / 13 * w @ Kxy.sum(axis=1) + Kyy.sum() / 13**2
    assert weighted_mmd(X, Y, w, bandwidth=0.8) == pytest.approx(expected, rel=1e-12)
    # uniform weights give the V-statistic
    v = weighted_mmd(X, Y, np.full(9, 1 / 9), bandwidth=0.8)
    assert v == pytest.approx(mmd(X, Y, bandwidth=0.8, estimator="v"), rel=1e-12)
    mmd_value = weighted_mmd(X, Y, w, bandwidth=0.8, squared=False)
    assert mmd_value == pytest.approx(math.sqrt(expected), rel=1e-12)
    with pytest.raises(ValueError, match="weights has 3 entries"):
        weighted_mmd(X, Y, np.ones(3), bandwidth=0.8)


def test_median_bandwidth_uses_the_observed_sample_only():
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((9, 1)) * 100, rng.standard_normal((30, 1))
    from statkit.mmd import median_bandwidth

    ell = median_bandwidth(Y)
    w = np.full(9, 1 / 9)
    assert weighted_mmd(X, Y, w) == weighted_mmd(X, Y, w, bandwidth=ell)


def _location_scale_truth(mu, sigma, Y, ell):
    """MMD(N(mu, sigma^2), Q_n) for a Gaussian kernel of length scale ell (closed form)."""
    s2, l2 = sigma**2, ell**2
    exx = ell / math.sqrt(l2 + 2 * s2)
    exy = np.mean(ell / math.sqrt(l2 + s2) * np.exp(-((Y[:, 0] - mu) ** 2) / (2 * (l2 + s2))))
    eyy = reference.mmd_gram(Y, Y, "gaussian", ell).mean()
    return math.sqrt(exx - 2 * exy + eyy)


def test_weighted_estimator_beats_v_statistic_against_the_closed_form():
    rng = np.random.default_rng(11)
    Y = 0.4 + 1.2 * rng.standard_normal((150, 1))
    ell = 1.0
    truth = _location_scale_truth(0.0, 1.0, Y, ell)
    err_v, err_ow = [], []
    for _ in range(20):
        u = rng.random((128, 1))
        X = stats.norm.ppf(u)  # simulator G(u) = Phi^-1(u): N(0, 1)
        ow = OptimallyWeightedMMD(bandwidth=ell, input_kernel="matern52").fit(u)
        err_ow.append(ow.estimate(X, Y, squared=False) - truth)
        err_v.append(
            weighted_mmd(X, Y, np.full(128, 1 / 128), bandwidth=ell, squared=False) - truth
        )
    rmse_v, rmse_ow = np.sqrt(np.mean(np.square(err_v))), np.sqrt(np.mean(np.square(err_ow)))
    assert rmse_ow < rmse_v / 10, (rmse_ow, rmse_v)


def test_estimator_refuses_missing_inputs_and_mismatched_samples():
    with pytest.raises(ValueError, match="needs the simulator inputs u"):
        OptimallyWeightedMMD().fit(None)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        OptimallyWeightedMMD().fit(np.random.default_rng(0).standard_normal((10, 1)))
    ow = OptimallyWeightedMMD().fit(np.random.default_rng(0).random((10, 1)))
    with pytest.raises(ValueError, match="weights has 10 entries but X has 4"):
        ow.estimate(np.zeros((4, 1)), np.ones((5, 1)))
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        OptimallyWeightedMMD().estimate(np.zeros((4, 1)), np.ones((5, 1)))


def test_estimator_matches_the_functions():
    rng = np.random.default_rng(4)
    u = rng.random((40, 2))
    X, Y = stats.norm.ppf(u), rng.standard_normal((60, 2))
    ow = OptimallyWeightedMMD(input_kernel="matern32", jitter=1e-7).fit(u)
    w, err = bq_weights(u, "uniform", "matern32", jitter=1e-7, return_error=True)
    np.testing.assert_array_equal(ow.weights_, w)
    assert ow.quadrature_error_ == err
    assert ow.n_features_in_ == 2
    assert ow.estimate(X, Y) == weighted_mmd(X, Y, w)


def test_torch_path_matches_numpy(xp_case):
    rng = np.random.default_rng(7)
    u = rng.random((50, 2))
    X, Y = stats.norm.ppf(u), rng.standard_normal((70, 2)) + 0.2
    ow_np = OptimallyWeightedMMD(bandwidth=1.1).fit(u)
    ow_xp = OptimallyWeightedMMD(bandwidth=1.1).fit(xp_case.asarray(u))
    w = xp_case.to_numpy(ow_xp.weights_)
    assert str(ow_xp.weights_.dtype).endswith("float64")
    # the solve is float64 on every backend, but C is ill-conditioned (Gaussian c, median
    # length scale): last-bit differences between torch's and numpy's exp are amplified
    # by cond(C) ~ 1e8; float32 input also rounds u
    rtol = 1e-6 if xp_case.dtype == "float64" else 5e-3
    np.testing.assert_allclose(w, ow_np.weights_, rtol=rtol, atol=rtol * np.abs(w).max())
    est = ow_xp.estimate(xp_case.asarray(X), xp_case.asarray(Y))
    expected = ow_np.estimate(X, Y)
    assert float(est) == pytest.approx(expected, rel=max(rtol, xp_case.rtol) * 10, abs=1e-9)


@parametrize_with_checks([OptimallyWeightedMMD(input_measure="gaussian")])
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)
