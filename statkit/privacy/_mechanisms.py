r"""Gaussian mechanisms, their exact privacy curve, and basic composition.

A randomised algorithm :math:`M` is :math:`(\varepsilon, \delta)`-differentially private
when, for every pair of neighbouring datasets :math:`D, D'` and every event :math:`S`,

.. math::

    P[M(D) \in S] \le e^{\varepsilon}\, P[M(D') \in S] + \delta .

The Gaussian mechanism releases :math:`f(D) + Z` with :math:`Z \sim N(0, \sigma^2 I)`; its
privacy is governed by the L2 sensitivity
:math:`\Delta = \sup_{D \sim D'} \|f(D) - f(D')\|_2` and the ratio :math:`\sigma/\Delta`.

Two calibrations are provided:

* ``"analytic"`` (Balle & Wang 2018): the smallest :math:`\sigma` whose exact privacy
  curve :func:`privacy_loss_delta` is at most :math:`\delta` at :math:`\varepsilon`. Valid
  for every :math:`\varepsilon > 0` and never larger than the classic one.
* ``"classic"`` (Dwork & Roth 2014, Thm A.1):
  :math:`\sigma = \Delta\sqrt{2\log(1.25/\delta)}/\varepsilon`, proved only for
  :math:`0 < \varepsilon < 1`; statkit refuses it elsewhere.

Budgets combine by basic composition (:func:`split_budget`, :func:`compose_basic`):
running mechanisms that are :math:`(\varepsilon_i, \delta_i)`-DP on the same data is
:math:`(\sum_i \varepsilon_i, \sum_i \delta_i)`-DP (Dwork & Roth 2014, Thm 3.16).
"""

import math

import numpy as np

from statkit.utils import PrivacyWarning, check_positive, check_privacy_params, check_random_state
from statkit.utils._privacy import _check_real

__all__ = [
    "GaussianMechanism",
    "PrivacyWarning",
    "check_privacy_params",
    "compose_basic",
    "gaussian_sigma",
    "privacy_loss_delta",
    "split_budget",
    "symmetric_gaussian_noise",
]


def _check_nonneg_array(value, name, strict):
    arr = np.asarray(value, dtype=float)
    if np.isnan(arr).any():
        raise ValueError(f"{name} must not be NaN")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got {value}")
    bad = arr <= 0 if strict else arr < 0
    if bad.any():
        bound = "> 0" if strict else ">= 0"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return arr


def privacy_loss_delta(sigma, sensitivity, epsilon):
    r"""Exact :math:`\delta(\varepsilon)` of the Gaussian mechanism (Balle & Wang 2018, Thm 8).

    With noise sd :math:`\sigma` and L2 sensitivity :math:`\Delta`, the mechanism is
    :math:`(\varepsilon, \delta)`-DP exactly for :math:`\delta \ge \delta(\varepsilon)`, where

    .. math::

        \delta(\varepsilon) = \Phi\Big(\frac{\Delta}{2\sigma} - \frac{\varepsilon\sigma}
        {\Delta}\Big) - e^{\varepsilon}\, \Phi\Big(-\frac{\Delta}{2\sigma} -
        \frac{\varepsilon\sigma}{\Delta}\Big),

    equivalently :math:`\delta(\varepsilon) = E[(1 - e^{\varepsilon - L})_+]` for the
    privacy loss :math:`L \sim N(\mu, 2\mu)`, :math:`\mu = \Delta^2/(2\sigma^2)`.

    Parameters
    ----------
    sigma : float or array_like
        Noise standard deviation, > 0.
    sensitivity : float or array_like
        L2 sensitivity :math:`\Delta`, > 0.
    epsilon : float or array_like
        :math:`\varepsilon \ge 0` (at 0 the value is the total-variation distance
        :math:`2\Phi(\Delta/(2\sigma)) - 1`).

    Returns
    -------
    float or ndarray
        :math:`\delta(\varepsilon) \in [0, 1]`, broadcast over the inputs (a float when
        they are all scalars).

    Notes
    -----
    Evaluated as
    :math:`e^{\ell_1}(1 - e^{\ell_2 - \ell_1})` with :math:`\ell_1 = \log\Phi(a - b)` and
    :math:`\ell_2 = \varepsilon + \log\Phi(-a - b)`, :math:`a = \Delta/(2\sigma)`,
    :math:`b = \varepsilon\sigma/\Delta`, using :func:`scipy.special.log_ndtr` and
    :func:`numpy.expm1`. Neither :math:`e^{\varepsilon}` nor a tail probability is ever
    formed on its own, so large :math:`\varepsilon` (e.g. 50) and tiny :math:`\delta`
    (e.g. :math:`10^{-300}`) neither overflow nor underflow to a wrong value. The relative
    accuracy is about :math:`10^{-16} b/a`, the cancellation between the two terms.

    References
    ----------
    B. Balle and Y.-X. Wang, "Improving the Gaussian mechanism for differential privacy:
    analytical calibration and optimal denoising", ICML 2018, Theorem 8 (arXiv:1805.06530).

    Examples
    --------
    >>> round(privacy_loss_delta(1.0, 1.0, 0.0), 6)  # 2 Phi(1/2) - 1
    0.382925
    """
    from scipy.special import log_ndtr

    scalar = all(np.ndim(v) == 0 for v in (sigma, sensitivity, epsilon))
    if scalar:
        s = check_positive(sigma, "sigma")
        d = check_positive(sensitivity, "sensitivity")
        e = check_positive(epsilon, "epsilon", strict=False)
    else:
        s = _check_nonneg_array(sigma, "sigma", strict=True)
        d = _check_nonneg_array(sensitivity, "sensitivity", strict=True)
        e = _check_nonneg_array(epsilon, "epsilon", strict=False)
    a = d / (2 * s)
    b = e * s / d
    l1 = log_ndtr(a - b)
    l2 = e + log_ndtr(-a - b)
    # delta >= 0 in exact arithmetic; rounding can make l2 exceed l1 by an ulp
    out = np.exp(l1) * -np.expm1(np.minimum(l2 - l1, 0.0))
    return float(out) if scalar else out


def _check_sensitivity(sensitivity):
    return check_positive(sensitivity, "sensitivity")


def _analytic_sigma(epsilon, delta, sensitivity):
    from scipy.optimize import brentq

    def excess(sigma):
        return privacy_loss_delta(sigma, sensitivity, epsilon) - delta

    # delta(eps) decreases strictly from 1 (sigma -> 0) to 0 (sigma -> inf)
    guess = sensitivity * math.sqrt(2 * math.log(1.25 / delta)) / epsilon
    lo = hi = guess
    for _ in range(4000):
        if excess(lo) > 0:
            break
        lo /= 2
    else:  # pragma: no cover - unreachable for valid parameters
        raise RuntimeError("could not bracket the analytic Gaussian sigma from below")
    for _ in range(4000):
        if excess(hi) <= 0:
            break
        hi *= 2
    else:  # pragma: no cover
        raise RuntimeError("could not bracket the analytic Gaussian sigma from above")
    if lo == hi:  # the guess itself satisfies and its half does not
        lo = hi / 2
    sigma = brentq(excess, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)
    # step up to the first float at which the guarantee holds as evaluated
    for _ in range(1000):
        if excess(sigma) <= 0:
            return sigma
        sigma = np.nextafter(sigma, np.inf)
    while excess(sigma) > 0:  # pragma: no cover - the root is off by more than 1000 ulps
        sigma *= 1 + 1e-12
    return float(sigma)


def gaussian_sigma(epsilon, delta, sensitivity, method="analytic"):
    r"""Noise sd that makes the Gaussian mechanism :math:`(\varepsilon, \delta)`-DP.

    Parameters
    ----------
    epsilon : float
        Finite, > 0.
    delta : float
        In (0, 1).
    sensitivity : float
        L2 sensitivity :math:`\Delta` of the released statistic, > 0.
    method : {"analytic", "classic"}, default="analytic"
        ``"analytic"``: the smallest :math:`\sigma` with
        :math:`\delta_\sigma(\varepsilon) \le \delta` for the exact curve of
        :func:`privacy_loss_delta` (Balle & Wang 2018); valid for every
        :math:`\varepsilon > 0`. ``"classic"``:
        :math:`\sigma = \Delta\sqrt{2\log(1.25/\delta)}/\varepsilon` (Dwork & Roth 2014,
        Thm A.1), proved only for :math:`\varepsilon < 1`.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For an invalid budget or sensitivity, an unknown ``method``, or
        ``method="classic"`` with :math:`\varepsilon \ge 1`.

    Notes
    -----
    :math:`\delta_\sigma(\varepsilon)` decreases strictly in :math:`\sigma`, from 1 to 0,
    so the analytic :math:`\sigma` is the root of
    :math:`\delta_\sigma(\varepsilon) = \delta`. It is bracketed by halving and doubling
    the classic value, found by Brent's method to a relative tolerance of
    :math:`4 \cdot 2^{-52}`, then moved up one float at a time until
    ``privacy_loss_delta(sigma, sensitivity, epsilon) <= delta`` holds as evaluated. The
    calibration is exact for the curve: a sigma a few ulps smaller violates it.

    References
    ----------
    C. Dwork and A. Roth, "The algorithmic foundations of differential privacy",
    Foundations and Trends in Theoretical Computer Science 9 (2014), Theorem A.1.

    B. Balle and Y.-X. Wang, "Improving the Gaussian mechanism for differential privacy:
    analytical calibration and optimal denoising", ICML 2018 (arXiv:1805.06530).

    Examples
    --------
    >>> s = gaussian_sigma(0.5, 1e-5, 1.0)
    >>> privacy_loss_delta(s, 1.0, 0.5) <= 1e-5 < privacy_loss_delta(0.999 * s, 1.0, 0.5)
    True
    >>> s < gaussian_sigma(0.5, 1e-5, 1.0, method="classic")
    True
    """
    epsilon, delta = check_privacy_params(epsilon, delta)
    sensitivity = _check_sensitivity(sensitivity)
    if method == "analytic":
        return float(_analytic_sigma(epsilon, delta, sensitivity))
    if method == "classic":
        if epsilon >= 1:
            raise ValueError(
                f"the classic Gaussian calibration is invalid for epsilon >= 1 (got "
                f"epsilon = {epsilon}): its proof (Dwork & Roth 2014, Thm A.1) needs "
                'epsilon < 1; use method="analytic", valid for every epsilon > 0'
            )
        return sensitivity * math.sqrt(2 * math.log(1.25 / delta)) / epsilon
    raise ValueError(f'method must be "analytic" or "classic", got {method!r}')


class GaussianMechanism:
    r"""The Gaussian mechanism :math:`M(D) = f(D) + Z`, :math:`Z \sim N(0, \sigma^2 I)`.

    :math:`(\varepsilon, \delta)`-DP for a statistic :math:`f` of L2 sensitivity at most
    ``sensitivity``, with :math:`\sigma` from :func:`gaussian_sigma`.

    Parameters
    ----------
    epsilon : float
        Finite, > 0.
    delta : float
        In (0, 1).
    sensitivity : float
        L2 sensitivity of the statistic released, > 0. For a matrix it is the L2 norm of
        the entries that receive independent noise.
    method : {"analytic", "classic"}, default="analytic"
        See :func:`gaussian_sigma`.

    Attributes
    ----------
    sigma : float
        Noise standard deviation.

    Examples
    --------
    >>> mech = GaussianMechanism(1.0, 1e-5, sensitivity=0.01)
    >>> round(mech.sigma, 5)
    0.03731
    >>> mech.release(0.5, random_state=0) == mech.release(0.5, random_state=0)
    True
    """

    def __init__(self, epsilon, delta, sensitivity, method="analytic"):
        self.epsilon, self.delta = check_privacy_params(epsilon, delta)
        self.sensitivity = _check_sensitivity(sensitivity)
        self.method = method
        self.sigma = gaussian_sigma(self.epsilon, self.delta, self.sensitivity, method)

    def __repr__(self):
        return (
            f"GaussianMechanism(epsilon={self.epsilon:g}, delta={self.delta:g}, "
            f"sensitivity={self.sensitivity:g}, method={self.method!r}; sigma={self.sigma:.6g})"
        )

    def release(self, value, random_state=None):
        """Return ``value`` plus independent :math:`N(0, \\sigma^2)` noise on every entry.

        Parameters
        ----------
        value : float or array_like
            The exact statistic :math:`f(D)`, finite.
        random_state : None, int, SeedSequence or numpy.random.Generator
            See :func:`statkit.utils.check_random_state`.

        Returns
        -------
        float or ndarray
            A float for a scalar ``value``, else a float64 array of the same shape.
        """
        rng = check_random_state(random_state)
        arr = np.asarray(value, dtype=float)
        if not np.isfinite(arr).all():
            raise ValueError("value contains NaN or inf")
        out = arr + rng.normal(0.0, self.sigma, size=arr.shape)
        return float(out) if out.ndim == 0 else out


def symmetric_gaussian_noise(p, sigma, rng=None):
    r"""A symmetric :math:`p \times p` Gaussian noise matrix, for releasing a covariance.

    The upper triangle, diagonal included (:math:`p(p+1)/2` entries), is i.i.d.
    :math:`N(0, \sigma^2)` and mirrored below the diagonal ("Analyze Gauss", Dwork,
    Talwar, Thakurta & Zhang, STOC 2014). Adding it to a symmetric statistic is the
    Gaussian mechanism on the upper-triangle vector, so the sensitivity to calibrate
    ``sigma`` with is the L2 norm of the change in that vector.

    Parameters
    ----------
    p : int
        Dimension, >= 1.
    sigma : float
        Noise sd, >= 0.
    rng : None, int, SeedSequence or numpy.random.Generator
        See :func:`statkit.utils.check_random_state`.

    Returns
    -------
    ndarray of shape (p, p)
        Exactly symmetric.
    """
    p = check_positive(p, "p", integer=True)
    sigma = check_positive(sigma, "sigma", strict=False)
    rng = check_random_state(rng)
    iu = np.triu_indices(p)
    vals = rng.normal(0.0, sigma, size=iu[0].size)
    Z = np.empty((p, p))
    Z[iu] = vals
    Z[iu[1], iu[0]] = vals
    return Z


def split_budget(epsilon, delta, weights):
    r"""Split :math:`(\varepsilon, \delta)` into parts proportional to ``weights``.

    By basic composition, mechanisms run with the parts
    :math:`(\varepsilon w_i / W, \delta w_i / W)`, :math:`W = \sum_i w_i`, are jointly
    :math:`(\varepsilon, \delta)`-DP.

    Parameters
    ----------
    epsilon : float
        Finite, > 0.
    delta : float
        In (0, 1).
    weights : sequence of float
        Finite and > 0 (a zero weight would give a part with :math:`\varepsilon_i = 0`).

    Returns
    -------
    list of (float, float)
        The parts, in the order of ``weights``. Their sums (:func:`compose_basic`) equal
        the total to rounding and never exceed it: a sum one ulp over is corrected down
        on the largest part.

    Examples
    --------
    >>> split_budget(1.0, 1e-5, [1, 1])
    [(0.5, 5e-06), (0.5, 5e-06)]
    """
    epsilon, delta = check_privacy_params(epsilon, delta)
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.size == 0:
        raise ValueError(f"weights must be a non-empty 1-D sequence, got shape {w.shape}")
    if not np.isfinite(w).all() or (w <= 0).any():
        raise ValueError(f"weights must be finite and > 0, got {list(weights)}")
    share = w / math.fsum(w)
    eps = [float(epsilon * s) for s in share]
    dlt = [float(delta * s) for s in share]
    big = int(np.argmax(share))
    for parts, total in ((eps, epsilon), (dlt, delta)):
        while math.fsum(parts) > total:
            parts[big] = float(np.nextafter(parts[big], 0.0))
    return list(zip(eps, dlt, strict=True))


def compose_basic(budgets):
    r"""Total budget of mechanisms run on the same data (basic composition).

    .. math::

        (\varepsilon, \delta) = \Big(\sum_i \varepsilon_i,\ \sum_i \delta_i\Big)

    (Dwork & Roth 2014, Theorem 3.16).

    Parameters
    ----------
    budgets : sequence of (float, float)
        Each :math:`\varepsilon_i` finite and >= 0, each :math:`\delta_i` in [0, 1].

    Returns
    -------
    (float, float)
        Sums computed with :func:`math.fsum`. A :math:`\delta` sum of 1 or more is
        returned as is: the composed guarantee is then vacuous.

    Examples
    --------
    >>> compose_basic([(0.5, 1e-6), (0.25, 2e-6)])
    (0.75, 3e-06)
    """
    budgets = list(budgets)
    if not budgets:
        raise ValueError("budgets must contain at least one (epsilon, delta) pair")
    eps, dlt = [], []
    for i, item in enumerate(budgets):
        try:
            e, d = item
        except (TypeError, ValueError):
            raise ValueError(
                f"budgets[{i}] must be an (epsilon, delta) pair, got {item!r}"
            ) from None
        e = _check_real(e, f"budgets[{i}] epsilon")
        d = _check_real(d, f"budgets[{i}] delta")
        if not (math.isfinite(e) and e >= 0):
            raise ValueError(f"budgets[{i}] epsilon must be finite and >= 0, got {e}")
        if not 0 <= d <= 1:
            raise ValueError(f"budgets[{i}] delta must lie in [0, 1], got {d}")
        eps.append(e)
        dlt.append(d)
    return math.fsum(eps), math.fsum(dlt)
