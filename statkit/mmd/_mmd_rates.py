"""Rate checks for the classical MMD estimators.

Instance: :math:`P = N(0, I_2)`, :math:`Q = N(\\mu, I_2)` with :math:`\\mu = (1, 0)`, a
Gaussian kernel of fixed bandwidth :math:`\\ell = 1` (the population value needs a
fixed kernel, so the median heuristic is not used here) and :math:`m = n` points per
sample. The population :math:`\\mathrm{MMD}^2(P, Q)` is known in closed form
(:func:`statkit.mmd.gaussian_mmd2`), so the error of an estimator is exact.

Claims checked:

- ``mmd-u-statistic`` and ``mmd-v-statistic``: since :math:`P \\ne Q`, both estimators
  are asymptotically normal at rate :math:`m^{-1/2}` (Gretton et al. 2012, Thm. 7 and
  Cor. 16), so the root-mean-square error has log-log slope :math:`-1/2` in :math:`m`.
  The V-statistic adds an :math:`O(1/m)` bias, which steepens its slope at small
  :math:`m`.
- ``mmd-permutation-size``: under :math:`P = Q` the permutation test with
  :math:`B = 199` permutations and p-value :math:`(1 + \\#\\{T_b \\ge T\\})/(B + 1)` rejects
  at :math:`\\alpha = 0.05` with probability exactly :math:`\\alpha` (ties aside), for
  every sample size.
"""

from functools import partial

import numpy as np

from statkit.simulation import LevelCheck, RateCheck

from ._estimators import mmd
from ._population import gaussian_mmd2
from ._test import mmd_test

_DIM = 2
_SHIFT = np.array([1.0, 0.0])
_BANDWIDTH = 1.0
_REFERENCE = (
    "Gretton, Borgwardt, Rasch, Schoelkopf, Smola (2012). A kernel two-sample test. JMLR 13:723-773"
)


def _truth():
    eye = np.eye(_DIM)
    return gaussian_mmd2(np.zeros(_DIM), eye, _SHIFT, eye, _BANDWIDTH)


def _estimation_error(m, rng, *, estimator):
    """Absolute error of one estimate of MMD^2(P, Q) from m points per sample."""
    m = int(m)
    X = rng.standard_normal((m, _DIM))
    Y = rng.standard_normal((m, _DIM)) + _SHIFT
    est = mmd(X, Y, kernel="gaussian", bandwidth=_BANDWIDTH, estimator=estimator)
    return abs(est - _truth())


def _rejects_under_null(n, rng, *, alpha, n_permutations):
    """1.0 if the permutation test rejects P = Q at level alpha, else 0.0 (here P = Q)."""
    n = int(n)
    X = rng.standard_normal((n, _DIM))
    Y = rng.standard_normal((n, _DIM))
    seed = int(rng.integers(2**63 - 1))
    res = mmd_test(X, Y, n_permutations=n_permutations, random_state=seed)
    return float(res.pvalue <= alpha)


def _error_check(estimator):
    name = f"mmd-{estimator}-statistic"
    label = "U" if estimator == "u" else "V"
    return RateCheck(
        name,
        partial(_estimation_error, estimator=estimator),
        grid=[32, 64, 128, 256, 512, 1024, 2048, 4096],
        quick_grid=[32, 64, 128, 256, 512],
        predicted_exponent=-0.5,
        quantity=f"RMSE of the {label}-statistic MMD^2",
        variable="m",
        n_reps=200,
        quick_reps=40,
        aggregate="rmse",
        claim=f"|MMD^2_{label} - MMD^2(P, Q)| = O_P(m^-1/2) for P != Q, m = n",
        reference=_REFERENCE,
        description=(
            f"{label}-statistic estimate of MMD^2 between N(0, I_2) and N((1, 0), I_2), "
            "Gaussian kernel, bandwidth 1, against the closed-form population value."
        ),
    )


MMD_U_STATISTIC = _error_check("u")
MMD_V_STATISTIC = _error_check("v")

MMD_PERMUTATION_SIZE = LevelCheck(
    "mmd-permutation-size",
    partial(_rejects_under_null, alpha=0.05, n_permutations=199),
    grid=[20, 50, 100, 200],
    target=0.05,
    quantity="rejection rate at alpha = 0.05 under P = Q",
    variable="n",
    n_reps=2000,
    quick_reps=300,
    claim="P(p-value <= alpha) = alpha under H0 (permutation test, B = 199, alpha (B+1) integer)",
    reference=_REFERENCE,
    description=(
        "Size of the U-statistic permutation test, X and Y both N(0, I_2) with n points each, "
        "median-heuristic bandwidth on the pooled sample."
    ),
)
