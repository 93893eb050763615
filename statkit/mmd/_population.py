"""Population MMD^2 in closed form."""

import numpy as np

from ._kernels import check_bandwidth

__all__ = ["gaussian_mmd2"]


def _real_array(value, name):
    """``value`` as a float64 array; TypeError for strings, non-numeric or complex data."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be numeric, got a string")
    try:
        a = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} could not be converted to an array: {exc}") from exc
    if not (np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.bool_)):
        raise TypeError(f"{name} must be numeric, got dtype {a.dtype}")
    if np.iscomplexobj(a):
        raise TypeError(f"{name} must be real-valued")
    return a.astype(np.float64)


def _check_mean(mean, name):
    mu = np.atleast_1d(_real_array(mean, name))
    if mu.ndim != 1 or mu.shape[0] == 0:
        raise ValueError(f"{name} must be a scalar or a non-empty 1-D array, got shape {mu.shape}")
    if not np.all(np.isfinite(mu)):
        raise ValueError(f"{name} contains NaN or inf")
    return mu


def _check_cov(cov, d, name):
    S = _real_array(cov, name)
    if not np.all(np.isfinite(S)):
        raise ValueError(f"{name} contains NaN or inf")
    if S.ndim == 0:
        S = float(S) * np.eye(d)
    elif S.ndim == 1:
        if S.shape[0] != d:
            raise ValueError(
                f"{name} as a 1-D array (diagonal) must have length {d}, got {S.shape[0]}"
            )
        S = np.diag(S)
    elif S.ndim != 2 or S.shape != (d, d):
        raise ValueError(
            f"{name} must be a scalar, a length-{d} diagonal or a {d} x {d} matrix, "
            f"got shape {S.shape}"
        )
    if not np.allclose(S, S.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(S).max()))):
        raise ValueError(f"{name} must be symmetric")
    S = (S + S.T) / 2.0
    lam_min = float(np.linalg.eigvalsh(S).min())
    if lam_min < -1e-10 * max(1.0, float(np.abs(S).max())):
        raise ValueError(
            f"{name} must be positive semi-definite, smallest eigenvalue {lam_min:.3g}"
        )
    return S


def _expected_kernel(delta, S, l2):
    """E exp(-||Z||^2 / (2 l^2)) for Z ~ N(delta, S), with l2 = l^2:

    det(I + S/l^2)^(-1/2) exp(-delta' (S + l^2 I)^(-1) delta / 2)."""
    d = delta.shape[0]
    M = S + l2 * np.eye(d)
    _, logdet = np.linalg.slogdet(np.eye(d) + S / l2)
    quad = float(delta @ np.linalg.solve(M, delta))
    return float(np.exp(-0.5 * logdet - 0.5 * quad))


def gaussian_mmd2(mean_p, cov_p, mean_q, cov_q, bandwidth):
    r"""Population :math:`\mathrm{MMD}^2` between two Gaussians for the Gaussian kernel.

    Parameters
    ----------
    mean_p, mean_q : float or array-like of shape (d,)
        Means of :math:`P = N(\mu_p, \Sigma_p)` and :math:`Q = N(\mu_q, \Sigma_q)`.
    cov_p, cov_q : float, array-like of shape (d,) or (d, d)
        Covariances: a scalar :math:`\sigma^2` (meaning :math:`\sigma^2 I`), a diagonal,
        or a symmetric positive semi-definite matrix.
    bandwidth : float
        :math:`\ell > 0` of the kernel :math:`k(x, y) = \exp(-\|x - y\|^2 / (2\ell^2))`.

    Returns
    -------
    float
        :math:`\mathrm{MMD}^2(P, Q) \ge 0`.

    Notes
    -----
    For independent :math:`X \sim N(a, A)` and :math:`Y \sim N(b, B)`,
    :math:`X - Y \sim N(a - b, A + B)` and a Gaussian integral gives

    .. math::

        \mathbb E\,k(X, Y) = \det\!\left(I + \frac{A + B}{\ell^2}\right)^{-1/2}
            \exp\!\left(-\tfrac12 (a - b)^\top (A + B + \ell^2 I)^{-1} (a - b)\right),

    so that

    .. math::

        \mathrm{MMD}^2(P, Q) = \det\!\left(I + \frac{2\Sigma_p}{\ell^2}\right)^{-1/2}
            + \det\!\left(I + \frac{2\Sigma_q}{\ell^2}\right)^{-1/2}
            - 2 \det\!\left(I + \frac{\Sigma_p + \Sigma_q}{\ell^2}\right)^{-1/2}
            e^{-\frac12 (\mu_p - \mu_q)^\top (\Sigma_p + \Sigma_q + \ell^2 I)^{-1}
            (\mu_p - \mu_q)}.

    It is the expectation of the U-statistic :func:`mmd` (Gretton et al. 2012, Lemma 6).

    References
    ----------
    .. [1] Gretton, A., Borgwardt, K. M., Rasch, M. J., Schölkopf, B. and Smola, A.
       (2012). A kernel two-sample test. *JMLR* 13:723-773.

    Examples
    --------
    >>> from statkit.mmd import gaussian_mmd2
    >>> round(gaussian_mmd2(0.0, 1.0, 0.0, 1.0, bandwidth=1.0), 12)  # P = Q
    0.0
    >>> import math
    >>> v = gaussian_mmd2([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]], [1.0, 0.0], 1.0, 1.0)
    >>> math.isclose(v, 2 / 3 - 2 / 3 * math.exp(-1 / 6))  # det(3 I)^(-1/2) = 1/3
    True
    """
    ell = check_bandwidth(bandwidth)
    mu_p = _check_mean(mean_p, "mean_p")
    mu_q = _check_mean(mean_q, "mean_q")
    if mu_p.shape != mu_q.shape:
        raise ValueError(
            f"mean_p and mean_q must have the same dimension, got {mu_p.shape[0]} and "
            f"{mu_q.shape[0]}"
        )
    d = mu_p.shape[0]
    Sp = _check_cov(cov_p, d, "cov_p")
    Sq = _check_cov(cov_q, d, "cov_q")
    l2 = ell * ell
    zero = np.zeros(d)
    kpp = _expected_kernel(zero, 2.0 * Sp, l2)
    kqq = _expected_kernel(zero, 2.0 * Sq, l2)
    kpq = _expected_kernel(mu_p - mu_q, Sp + Sq, l2)
    return max(kpp + kqq - 2.0 * kpq, 0.0)
