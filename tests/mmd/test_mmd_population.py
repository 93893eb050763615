"""gaussian_mmd2 against numerical integration, Monte Carlo and the U-statistic.

Oracles: ``scipy.integrate.dblquad`` of the kernel against the two normal densities
(1-D), a large Monte Carlo average with a tolerance from its standard error (2-D,
correlated covariances), and the mean of independent U-statistics (unbiased for the
population value).
"""

import math

import numpy as np
import pytest
from scipy import integrate

from statkit.mmd import gaussian_mmd2, mmd


def _expect_1d(mu_a, sd_a, mu_b, sd_b, ell):
    """E k(A, B) for independent A ~ N(mu_a, sd_a^2), B ~ N(mu_b, sd_b^2) by dblquad."""

    ca, cb = 1 / (sd_a * math.sqrt(2 * math.pi)), 1 / (sd_b * math.sqrt(2 * math.pi))

    def f(y, x):  # plain math: scipy.stats.norm.pdf per point would be 50x slower
        return (
            ca
            * math.exp(-((x - mu_a) ** 2) / (2 * sd_a**2))
            * cb
            * math.exp(-((y - mu_b) ** 2) / (2 * sd_b**2))
            * math.exp(-((x - y) ** 2) / (2 * ell**2))
        )

    val, _ = integrate.dblquad(
        f,
        mu_a - 12 * sd_a,
        mu_a + 12 * sd_a,
        mu_b - 12 * sd_b,
        mu_b + 12 * sd_b,
        epsabs=1e-12,
        epsrel=1e-10,
    )
    return val


@pytest.mark.parametrize(
    ("mu_p", "sd_p", "mu_q", "sd_q", "ell"),
    [(0.3, 1.2, -0.5, 0.7, 0.8), (0.0, 1.0, 1.0, 1.0, 1.0), (2.0, 0.3, 2.0, 2.5, 3.0)],
)
def test_gaussian_mmd2_matches_numerical_integration_1d(mu_p, sd_p, mu_q, sd_q, ell):
    kpp = _expect_1d(mu_p, sd_p, mu_p, sd_p, ell)
    kqq = _expect_1d(mu_q, sd_q, mu_q, sd_q, ell)
    kpq = _expect_1d(mu_p, sd_p, mu_q, sd_q, ell)
    expected = kpp + kqq - 2 * kpq
    got = gaussian_mmd2(mu_p, sd_p**2, mu_q, sd_q**2, ell)
    assert got == pytest.approx(expected, rel=1e-8, abs=1e-12)


def test_gaussian_mmd2_matches_monte_carlo_2d():
    rng = np.random.default_rng(0)
    mu_p, mu_q = np.array([0.0, 0.5]), np.array([1.0, -0.2])
    Sp = np.array([[1.0, 0.6], [0.6, 2.0]])
    Sq = np.array([[0.5, -0.2], [-0.2, 0.8]])
    ell, n = 1.1, 2_000_000

    def k(a, b):
        return np.exp(-((a - b) ** 2).sum(axis=1) / (2 * ell**2))

    P1, P2 = rng.multivariate_normal(mu_p, Sp, n), rng.multivariate_normal(mu_p, Sp, n)
    Q1, Q2 = rng.multivariate_normal(mu_q, Sq, n), rng.multivariate_normal(mu_q, Sq, n)
    # one unbiased draw of MMD^2 per index: h = k(p, p') + k(q, q') - k(p, q') - k(p', q)
    h = k(P1, P2) + k(Q1, Q2) - k(P1, Q2) - k(P2, Q1)
    est, se = h.mean(), h.std(ddof=1) / np.sqrt(n)
    got = gaussian_mmd2(mu_p, Sp, mu_q, Sq, ell)
    assert abs(got - est) < 5 * se, (got, est, se)


def test_gaussian_mmd2_is_the_mean_of_the_u_statistic():
    rng = np.random.default_rng(1)
    mu_q = np.array([0.5, 0.0, 0.0])
    cov_q = np.diag([1.0, 2.0, 0.5])
    ell, m, reps = 1.5, 1500, 12
    values = [
        mmd(
            rng.standard_normal((m, 3)),
            rng.multivariate_normal(mu_q, cov_q, m),
            bandwidth=ell,
        )
        for _ in range(reps)
    ]
    est, se = np.mean(values), np.std(values, ddof=1) / np.sqrt(reps)
    got = gaussian_mmd2(np.zeros(3), np.eye(3), mu_q, [1.0, 2.0, 0.5], ell)
    assert abs(got - est) < 5 * se, (got, est, se)


def test_gaussian_mmd2_identities():
    ell = 0.7
    assert gaussian_mmd2([1.0, 2.0], np.eye(2), [1.0, 2.0], 1.0, ell) == 0.0
    a = gaussian_mmd2([0.0, 1.0], [[2.0, 0.3], [0.3, 1.0]], [1.0, 0.0], 0.5, ell)
    b = gaussian_mmd2([1.0, 0.0], 0.5, [0.0, 1.0], [[2.0, 0.3], [0.3, 1.0]], ell)
    assert a == pytest.approx(b, rel=1e-15)
    # scalar, diagonal and full forms of the same covariance agree
    s = gaussian_mmd2(0.0, 2.0, 1.0, 3.0, ell)
    assert gaussian_mmd2([0.0], [2.0], [1.0], [[3.0]], ell) == pytest.approx(s, rel=1e-15)
    # point masses (zero covariance): 2 - 2 exp(-|delta|^2 / (2 l^2))
    delta2 = 1.0 + 4.0
    expected = 2 - 2 * np.exp(-delta2 / (2 * ell**2))
    assert gaussian_mmd2([0.0, 0.0], 0.0, [1.0, 2.0], 0.0, ell) == pytest.approx(expected)


def test_gaussian_mmd2_closed_form_written_out():
    # N(0, I_2) vs N((1, 0), I_2), l = 1: 2/3 + ... = 2/3 (1 - exp(-1/6))
    got = gaussian_mmd2(np.zeros(2), np.eye(2), [1.0, 0.0], np.eye(2), 1.0)
    assert got == pytest.approx(2 / 3 * (1 - np.exp(-1 / 6)), rel=1e-15)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0.0, 1.0, 0.0, 1.0, 0.0), ValueError, "bandwidth"),
        ((0.0, 1.0, 0.0, 1.0, float("nan")), ValueError, "bandwidth"),
        ((0.0, 1.0, 0.0, 1.0, -1.0), ValueError, "bandwidth"),
        (([0.0, 1.0], 1.0, [0.0], 1.0, 1.0), ValueError, "same dimension"),
        (([0.0, 1.0], [[1.0, 2.0], [0.0, 1.0]], [0.0, 0.0], 1.0, 1.0), ValueError, "symmetric"),
        (([0.0, 1.0], [[1.0, 2.0], [2.0, 1.0]], [0.0, 0.0], 1.0, 1.0), ValueError, "semi-definite"),
        (([0.0, 1.0], [1.0, 2.0, 3.0], [0.0, 0.0], 1.0, 1.0), ValueError, "length"),
        (([0.0, 1.0], np.eye(3), [0.0, 0.0], 1.0, 1.0), ValueError, "matrix"),
        (([np.nan], 1.0, [0.0], 1.0, 1.0), ValueError, "NaN"),
        (([0.0], np.inf, [0.0], 1.0, 1.0), ValueError, "NaN or inf"),
        (("a", 1.0, [0.0], 1.0, 1.0), TypeError, "numeric"),
        (([], 1.0, [], 1.0, 1.0), ValueError, "non-empty"),
    ],
)
def test_gaussian_mmd2_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        gaussian_mmd2(*args)
