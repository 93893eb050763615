"""Gaussian mechanisms, the exact privacy curve, calibration and basic composition.

Oracles: the privacy-loss distribution integrated numerically (the loss of the Gaussian
mechanism is L ~ N(mu, 2 mu), mu = Delta^2 / (2 sigma^2), and delta(eps) =
E[(1 - e^(eps - L))_+]); the hockey-stick divergence integrated over the outputs; the
closed form at eps = 0 (total variation); known distributions of the noise (KS and
chi-square tests with fixed seeds).
"""

import math
import warnings

import numpy as np
import pytest
from scipy import integrate, stats

from statkit.privacy._mechanisms import (
    GaussianMechanism,
    PrivacyWarning,
    check_privacy_params,
    compose_basic,
    gaussian_sigma,
    privacy_loss_delta,
    split_budget,
    symmetric_gaussian_noise,
)


def _delta_pld(sigma, sensitivity, eps):
    """delta(eps) = E[(1 - e^(eps - L))_+], L ~ N(mu, 2 mu), by quadrature in z = standardised L."""
    mu = sensitivity**2 / (2 * sigma**2)
    sd = math.sqrt(2 * mu)
    z0 = (eps - mu) / sd

    def integrand(z):
        return -math.expm1(eps - mu - sd * z) * stats.norm.pdf(z)

    val, _ = integrate.quad(integrand, z0, np.inf, epsabs=0, epsrel=1e-13, limit=200)
    return val


def _delta_hockey_stick(sigma, sensitivity, eps):
    """sup_S P(S) - e^eps Q(S) = integral of (p - e^eps q)_+ over the outputs x, P = N(Delta, s^2),
    Q = N(0, s^2); the integrand is positive exactly for x > Delta/2 + eps s^2/Delta."""
    c = sensitivity / 2 + eps * sigma**2 / sensitivity

    def integrand(x):
        return stats.norm.pdf(x, sensitivity, sigma) - math.exp(eps) * stats.norm.pdf(x, 0, sigma)

    val, _ = integrate.quad(integrand, c, np.inf, epsabs=0, epsrel=1e-12, limit=200)
    return val


CURVE_CASES = [
    # (sigma, sensitivity, eps)
    (1.0, 1.0, 0.0),
    (1.0, 1.0, 0.5),
    (3.7306316348159347, 1.0, 1.0),  # the analytic sigma at (1, 1e-5)
    (0.5, 1.0, 1.0),
    (2.0, 0.3, 0.1),
    (10.0, 1.0, 0.01),
    (0.14976060756083606, 1.0, 50.0),  # the analytic sigma at (50, 1e-5)
    (5.0, 1.0, 2.0),  # delta ~ 1e-11
]


@pytest.mark.parametrize(("sigma", "sens", "eps"), CURVE_CASES)
def test_curve_matches_the_privacy_loss_distribution(sigma, sens, eps):
    got = privacy_loss_delta(sigma, sens, eps)
    want = _delta_pld(sigma, sens, eps)
    assert want > 0
    assert got == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize(("sigma", "sens", "eps"), CURVE_CASES[:6])
def test_curve_matches_the_hockey_stick_divergence(sigma, sens, eps):
    assert privacy_loss_delta(sigma, sens, eps) == pytest.approx(
        _delta_hockey_stick(sigma, sens, eps), rel=1e-8
    )


def test_curve_at_zero_epsilon_is_total_variation():
    for sigma in [0.1, 1.0, 7.0]:
        tv = 2 * stats.norm.cdf(1 / (2 * sigma)) - 1
        assert privacy_loss_delta(sigma, 1.0, 0.0) == pytest.approx(tv, rel=1e-13)


def test_curve_is_monotone_scale_invariant_and_vectorised():
    sig = np.geomspace(0.3, 20, 200)
    d = privacy_loss_delta(sig, 1.0, 1.0)
    assert isinstance(d, np.ndarray) and d.shape == sig.shape
    assert np.all(np.diff(d) < 0) and np.all((d > 0) & (d < 1))
    # the extremes saturate at 1 and underflow to 0, without leaving [0, 1]
    ext = privacy_loss_delta(np.geomspace(1e-3, 1e3, 50), 1.0, 1.0)
    assert np.all(np.diff(ext) <= 0) and ext[0] == 1.0 and ext[-1] == 0.0
    e = privacy_loss_delta(2.0, 1.0, np.linspace(0, 10, 100))
    assert np.all(np.diff(e) < 0)
    for c in [1e-3, 7.0, 1e4]:
        assert privacy_loss_delta(2.0 * c, 0.5 * c, 1.5) == pytest.approx(
            privacy_loss_delta(2.0, 0.5, 1.5), rel=1e-12
        )
    np.testing.assert_allclose(d[::50], [privacy_loss_delta(float(s), 1.0, 1.0) for s in sig[::50]])


@pytest.mark.parametrize("eps", [50.0, 200.0, 709.0, 1000.0, 1e5])
def test_large_epsilon_does_not_overflow(eps):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow / invalid-value RuntimeWarning
        sigma = gaussian_sigma(eps, 1e-5, 1.0)
        d = privacy_loss_delta(sigma, 1.0, eps)
    assert math.isfinite(sigma) and sigma > 0
    assert 0 < d <= 1e-5 and d == pytest.approx(1e-5, rel=1e-10)
    # e^eps overflows a float for eps > 709.78; the curve stays a number in [0, 1]
    assert 0 <= privacy_loss_delta(0.01, 1.0, eps) <= 1


GRID = [(e, d) for e in [0.01, 0.1, 0.5, 0.99, 1.0, 2.0, 10.0, 50.0] for d in [1e-3, 1e-5, 1e-10]]


@pytest.mark.parametrize(("eps", "delta"), GRID)
def test_analytic_sigma_meets_delta_exactly(eps, delta):
    sens = 0.37
    sigma = gaussian_sigma(eps, delta, sens)
    d = privacy_loss_delta(sigma, sens, eps)
    assert d <= delta
    assert d == pytest.approx(delta, rel=1e-10)
    # a slightly smaller sigma violates the guarantee: the calibration is the smallest one
    assert privacy_loss_delta(sigma * (1 - 1e-9), sens, eps) > delta
    # and is linear in the sensitivity
    assert gaussian_sigma(eps, delta, 1.0) * sens == pytest.approx(sigma, rel=1e-12)


@pytest.mark.parametrize("eps", [0.01, 0.1, 0.5, 0.9, 0.999])
@pytest.mark.parametrize("delta", [1e-2, 1e-5, 1e-12])
def test_analytic_is_smaller_than_classic_and_classic_is_private_below_one(eps, delta):
    analytic = gaussian_sigma(eps, delta, 2.0)
    classic = gaussian_sigma(eps, delta, 2.0, method="classic")
    assert classic == pytest.approx(2.0 * math.sqrt(2 * math.log(1.25 / delta)) / eps, rel=1e-15)
    assert analytic < classic
    # Dwork & Roth Thm A.1, checked on the exact curve
    assert privacy_loss_delta(classic, 2.0, eps) <= delta


def test_classic_is_refused_where_it_is_invalid():
    for eps in [1.0, 1.5, 20.0]:
        with pytest.raises(ValueError, match=r"invalid for epsilon >= 1.*analytic"):
            gaussian_sigma(eps, 1e-5, 1.0, method="classic")
    # why: the classic formula extrapolated to eps = 20 is not (20, 1e-5)-DP
    s = math.sqrt(2 * math.log(1.25 / 1e-5)) / 20
    assert privacy_loss_delta(s, 1.0, 20.0) > 1e-5
    with pytest.raises(ValueError, match="method"):
        gaussian_sigma(0.5, 1e-5, 1.0, method="Classic")


@pytest.mark.parametrize(
    ("eps", "delta", "match"),
    [
        (0.0, 1e-5, r"epsilon must be finite and > 0, got 0.0"),
        (-1.0, 1e-5, r"epsilon .* got -1.0"),
        (math.inf, 1e-5, r"epsilon .* got inf"),
        (math.nan, 1e-5, r"epsilon must not be NaN"),
        (1.0, 0.0, r"delta must lie in \(0, 1\).* got 0.0"),
        (1.0, 1.0, r"delta .* got 1.0"),
        (1.0, -1e-5, r"delta .* got -1e-05"),
        (1.0, 1.5, r"delta .* got 1.5"),
        (1.0, math.nan, r"delta must not be NaN"),
    ],
)
def test_bad_privacy_parameters_raise_naming_the_value(eps, delta, match):
    with pytest.raises(ValueError, match=match):
        check_privacy_params(eps, delta)
    with pytest.raises(ValueError, match=match):
        gaussian_sigma(eps, delta, 1.0)
    with pytest.raises(ValueError, match=match):
        GaussianMechanism(eps, delta, 1.0)


def test_bad_types_and_sensitivities_raise():
    for bad in ["1", None, True, [1.0]]:
        with pytest.raises(TypeError, match="epsilon"):
            check_privacy_params(bad, 1e-5)
        with pytest.raises(TypeError, match="delta"):
            check_privacy_params(1.0, bad)
    for sens in [0.0, -1.0, math.inf, math.nan]:
        with pytest.raises(ValueError, match="sensitivity"):
            gaussian_sigma(1.0, 1e-5, sens)
    with pytest.raises(ValueError, match="sigma must be > 0"):
        privacy_loss_delta(0.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="epsilon must be >= 0"):
        privacy_loss_delta(1.0, 1.0, -0.5)
    with pytest.raises(ValueError, match="sensitivity"):
        privacy_loss_delta(np.array([1.0, 2.0]), np.array([1.0, -1.0]), 1.0)
    with pytest.raises(ValueError, match="n must be > 0"):
        check_privacy_params(1.0, 1e-5, n=0)


def test_delta_at_least_one_over_n_warns():
    assert issubclass(PrivacyWarning, UserWarning)
    with pytest.warns(PrivacyWarning, match=r"delta = 0.001 >= 1/n = 0.001"):
        assert check_privacy_params(1, 1e-3, n=1000) == (1.0, 1e-3)
    with pytest.warns(PrivacyWarning, match="releasing a whole record"):
        check_privacy_params(1.0, 0.1, n=50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_privacy_params(1.0, 1e-5, n=1000) == (1.0, 1e-5)
        check_privacy_params(1.0, 0.5)  # no n: nothing to compare with


def test_split_and_compose_round_trip():
    parts = split_budget(2.0, 1e-5, [1, 2, 3, 4])
    np.testing.assert_allclose([e for e, _ in parts], [0.2, 0.4, 0.6, 0.8], rtol=1e-15)
    np.testing.assert_allclose([d for _, d in parts], [1e-6, 2e-6, 3e-6, 4e-6], rtol=1e-15)
    eps, delta = compose_basic(parts)
    assert eps == pytest.approx(2.0, rel=1e-15) and delta == pytest.approx(1e-5, rel=1e-15)
    rng = np.random.default_rng(0)
    for _ in range(300):
        e_tot, d_tot = rng.uniform(0.01, 10), 10 ** rng.uniform(-12, -1)
        w = rng.uniform(0.01, 5, size=rng.integers(1, 12))
        e, d = compose_basic(split_budget(e_tot, d_tot, w))
        assert e <= e_tot and d <= d_tot  # never overspends, not even by an ulp
        assert e == pytest.approx(e_tot, rel=1e-14) and d == pytest.approx(d_tot, rel=1e-14)
    assert split_budget(1.0, 1e-5, [5.0]) == [(1.0, 1e-5)]
    assert compose_basic([(1.0, 0.0), (0.5, 1e-6)]) == (1.5, 1e-6)  # pure DP parts allowed


def test_split_and_compose_reject_bad_input():
    for w in [[], [1.0, 0.0], [1.0, -2.0], [1.0, math.nan], [1.0, math.inf], [[1.0, 2.0]]]:
        with pytest.raises(ValueError, match="weights"):
            split_budget(1.0, 1e-5, w)
    with pytest.raises(ValueError, match="epsilon"):
        split_budget(0.0, 1e-5, [1, 1])
    with pytest.raises(ValueError, match="at least one"):
        compose_basic([])
    with pytest.raises(ValueError, match=r"budgets\[1\] must be an \(epsilon, delta\) pair"):
        compose_basic([(1.0, 1e-5), 3.0])
    with pytest.raises(ValueError, match=r"budgets\[0\] epsilon"):
        compose_basic([(-1.0, 1e-5)])
    with pytest.raises(ValueError, match=r"budgets\[0\] delta"):
        compose_basic([(1.0, 1.5)])


def test_release_is_deterministic_given_random_state():
    mech = GaussianMechanism(0.5, 1e-6, sensitivity=0.2)
    assert mech.sigma == gaussian_sigma(0.5, 1e-6, 0.2)
    assert "sigma=" in repr(mech)
    a = mech.release(1.5, random_state=7)
    assert isinstance(a, float) and a == mech.release(1.5, random_state=7)
    assert a != mech.release(1.5, random_state=8)
    v = np.arange(6.0).reshape(2, 3)
    x = mech.release(v, random_state=np.random.default_rng(3))
    np.testing.assert_array_equal(x, mech.release(v, random_state=np.random.default_rng(3)))
    assert x.shape == (2, 3)
    # the noise is exactly N(0, sigma^2) draws of the generator
    np.testing.assert_allclose(
        x - v, np.random.default_rng(3).normal(0, mech.sigma, (2, 3)), rtol=0, atol=1e-14
    )
    with pytest.raises(ValueError, match="NaN or inf"):
        mech.release([1.0, math.nan])
    classic = GaussianMechanism(0.5, 1e-6, 0.2, method="classic")
    assert classic.sigma > mech.sigma


def test_release_noise_has_the_calibrated_variance():
    mech = GaussianMechanism(1.0, 1e-5, sensitivity=1.0)
    z = mech.release(np.zeros(100_000), random_state=11) / mech.sigma
    k = z.size
    chi2 = float(np.sum(z**2))
    p = 2 * min(stats.chi2.cdf(chi2, k), stats.chi2.sf(chi2, k))
    assert p > 1e-3
    assert stats.kstest(z, "norm").pvalue > 1e-3


def test_symmetric_noise_is_symmetric_with_the_right_variance():
    p, sigma = 60, 0.7
    Z = symmetric_gaussian_noise(p, sigma, 5)
    assert Z.shape == (p, p)
    np.testing.assert_array_equal(Z, Z.T)
    np.testing.assert_array_equal(Z, symmetric_gaussian_noise(p, sigma, 5))
    iu = np.triu_indices(p)
    x = Z[iu] / sigma  # p (p + 1) / 2 = 1830 independent N(0, 1) draws
    np.testing.assert_allclose(x, np.random.default_rng(5).normal(0, 1, iu[0].size), rtol=1e-15)
    assert stats.kstest(x, "norm").pvalue > 1e-3
    chi2, k = float(np.sum(x**2)), x.size
    assert 2 * min(stats.chi2.cdf(chi2, k), stats.chi2.sf(chi2, k)) > 1e-3
    # diagonal and off-diagonal entries share the variance (over many draws)
    rng = np.random.default_rng(6)
    draws = np.stack([symmetric_gaussian_noise(4, sigma, rng) for _ in range(4000)])
    diag = draws[:, np.arange(4), np.arange(4)].ravel() / sigma
    off = draws[:, 0, 1:].ravel() / sigma
    for sample in (diag, off):
        chi2 = float(np.sum(sample**2))
        assert 2 * min(stats.chi2.cdf(chi2, sample.size), stats.chi2.sf(chi2, sample.size)) > 1e-3
    assert symmetric_gaussian_noise(1, 1.0, 0).shape == (1, 1)
    np.testing.assert_array_equal(symmetric_gaussian_noise(3, 0.0, 0), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="p must be > 0"):
        symmetric_gaussian_noise(0, 1.0, 0)
    with pytest.raises(ValueError, match="sigma must be >= 0"):
        symmetric_gaussian_noise(3, -1.0, 0)
