r"""SoftImpute: nuclear-norm regularised matrix completion by singular-value thresholding.

Used as the warm start of the matrix-completion bandit (Duan, Li and Xia, arXiv:2404.17398): a
burn-in of uniformly explored rewards gives a partially observed matrix per arm, and SoftImpute
fills it in without touching the true means.
"""

import numbers
from typing import NamedTuple

import numpy as np

__all__ = ["SoftImputeResult", "soft_impute", "svt"]


class SoftImputeResult(NamedTuple):
    r"""Output of :func:`soft_impute`: the completed matrix :math:`Z = U\,\mathrm{diag}(s)\,V^\top`.

    Attributes
    ----------
    U : ndarray of shape (d1, k)
        Left singular vectors (orthonormal columns).
    s : ndarray of shape (k,)
        Positive singular values, in decreasing order; ``k`` is the number that survived the
        threshold, capped at ``rank`` when given (``k = 0`` when everything was thresholded).
    Vt : ndarray of shape (k, d2)
        Right singular vectors (orthonormal rows).
    n_iter : int
        Number of SVT iterations run.
    converged : bool
        Whether the relative change fell below ``tol`` before ``max_iter``.
    """

    U: np.ndarray
    s: np.ndarray
    Vt: np.ndarray
    n_iter: int
    converged: bool

    @property
    def matrix(self):
        r"""The completed matrix :math:`U\,\mathrm{diag}(s)\,V^\top`, shape (d1, d2)."""
        return (self.U * self.s) @ self.Vt


def svt(A, lam):
    r"""Singular-value soft-thresholding :math:`S_\lambda(A) = U\,(\Sigma - \lambda I)_+ V^\top`.

    Parameters
    ----------
    A : ndarray of shape (d1, d2)
    lam : float
        Threshold :math:`\lambda \ge 0`.

    Returns
    -------
    U : ndarray of shape (d1, k)
    s : ndarray of shape (k,)
        The positive thresholded singular values :math:`\sigma_i - \lambda > 0`.
    Vt : ndarray of shape (k, d2)

    References
    ----------
    .. [1] Mazumder, R., Hastie, T. and Tibshirani, R. (2010). Spectral regularization
       algorithms for learning large incomplete matrices. JMLR 11, 2287-2322.
    """
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    s = s - lam
    k = int(np.count_nonzero(s > 0))
    return U[:, :k], s[:k], Vt[:k]


def _check_inputs(Y, mask, rank, lam, max_iter, tol, warm):
    try:
        mask = np.asarray(mask)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"mask must be a boolean array: {exc}") from exc
    if mask.dtype != np.bool_:
        raise TypeError(f"mask must be a boolean array, got dtype {mask.dtype}")
    try:
        Y = np.asarray(Y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"Y must be a real numeric array: {exc}") from exc
    if Y.ndim != 2:
        raise ValueError(f"Y must be 2-D, got shape {Y.shape}")
    if mask.shape != Y.shape:
        raise ValueError(f"mask must have the shape of Y {Y.shape}, got {mask.shape}")
    if not mask.any():
        raise ValueError("mask must mark at least one observed entry, got none")
    if not np.all(np.isfinite(Y[mask])):
        raise ValueError(
            "Y must be finite at observed entries (NaN is allowed only where mask is False)"
        )
    d1, d2 = Y.shape
    if rank is not None:
        if isinstance(rank, bool) or not isinstance(rank, numbers.Integral):
            raise TypeError(f"rank must be None or an integer, got {rank!r}")
        if not 1 <= rank < min(d1, d2):
            raise ValueError(f"rank must lie in [1, min(d1, d2)) = [1, {min(d1, d2)}), got {rank}")
        rank = int(rank)
    if isinstance(lam, bool) or not isinstance(lam, numbers.Real):
        raise TypeError(f"lam must be a real number, got {lam!r}")
    if not np.isfinite(lam) or lam < 0:
        raise ValueError(f"lam must be a finite number >= 0, got {lam}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise ValueError(f"max_iter must be an integer >= 1, got {max_iter!r}")
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not (tol >= 0):
        raise ValueError(f"tol must be a real number >= 0, got {tol!r}")
    if warm is None:
        Z = np.zeros_like(Y)
    else:
        if isinstance(warm, SoftImputeResult):
            warm = warm.matrix
        Z = np.array(warm, dtype=np.float64)
        if Z.shape != Y.shape:
            raise ValueError(f"warm must have the shape of Y {Y.shape}, got {Z.shape}")
        if not np.all(np.isfinite(Z)):
            raise ValueError("warm must be finite")
    return Y, mask, rank, float(lam), int(max_iter), float(tol), Z


def soft_impute(Y, mask, rank=None, lam=0.5, max_iter=200, tol=1e-6, warm=None):
    r"""Complete a partially observed matrix by the SoftImpute (SVT) iteration.

    Starting from :math:`Z^{(0)}` (zero, or ``warm``), iterate

    .. math::

        Z^{(k+1)} = S_\lambda\big(P_\Omega(Y) + P_\Omega^\perp(Z^{(k)})\big),
        \qquad S_\lambda(A) = U(\Sigma - \lambda I)_+V^\top \text{ for } A = U\Sigma V^\top,

    where :math:`P_\Omega` keeps the observed entries and :math:`P_\Omega^\perp` the others.
    The fixed point minimises :math:`\tfrac12\|P_\Omega(Y - Z)\|_F^2 + \lambda\|Z\|_*`
    (Mazumder, Hastie and Tibshirani 2010, Algorithm 1). The loop stops when
    :math:`\|Z^{(k+1)} - Z^{(k)}\|_F^2 / \max(\|Z^{(k)}\|_F^2, \epsilon) < \text{tol}`.
    With ``rank`` given, the final :math:`Z` is truncated to its top ``rank`` singular triplets.

    Parameters
    ----------
    Y : array-like of shape (d1, d2)
        Observed values; entries where ``mask`` is False are ignored and may be NaN.
    mask : array-like of bool, shape (d1, d2)
        True at observed entries :math:`\Omega`; at least one.
    rank : int or None, default=None
        Truncate the result to this rank, in ``[1, min(d1, d2))``.
    lam : float, default=0.5
        Nuclear-norm penalty :math:`\lambda \ge 0` (in the units of ``Y``'s singular values).
        ``lam >= sigma_1(P_Omega(Y))`` with no warm start gives :math:`Z = 0`.
    max_iter : int, default=200
        Maximum number of SVT iterations, >= 1.
    tol : float, default=1e-6
        Relative squared-change tolerance, >= 0.
    warm : array-like of shape (d1, d2), SoftImputeResult or None, default=None
        Starting point :math:`Z^{(0)}` (e.g. the solution at a larger ``lam``).

    Returns
    -------
    SoftImputeResult
        ``(U, s, Vt, n_iter, converged)``; ``result.matrix`` is the completed matrix.

    References
    ----------
    .. [1] Mazumder, R., Hastie, T. and Tibshirani, R. (2010). Spectral regularization
       algorithms for learning large incomplete matrices. JMLR 11, 2287-2322.
    .. [2] Duan, C., Li, J. and Xia, D. (2024). Online policy learning and inference by matrix
       completion. arXiv:2404.17398.
    """
    Y, mask, rank, lam, max_iter, tol, Z = _check_inputs(Y, mask, rank, lam, max_iter, tol, warm)
    Yobs = np.where(mask, Y, 0.0)  # NaN at unobserved entries must not leak into the SVD
    U = np.zeros((Y.shape[0], 0))
    s = np.zeros(0)
    Vt = np.zeros((0, Y.shape[1]))
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (n_iter is reported)
        U, s, Vt = svt(np.where(mask, Yobs, Z), lam)
        Z_new = (U * s) @ Vt
        change = np.sum((Z_new - Z) ** 2)
        scale = max(np.sum(Z**2), np.finfo(np.float64).tiny)
        Z = Z_new
        if change <= tol * scale:
            converged = True
            break
    if rank is not None:
        U, s, Vt = U[:, :rank], s[:rank], Vt[:rank]
    return SoftImputeResult(U, s, Vt, n_iter, converged)
