r"""Tubal-rank (t-SVD) tensor completion: TNN by ADMM, soft-impute SVT and fixed-rank IHT.

Everything here works on the Fourier slices of a real tensor along its last (time) axis.
Only the ``rfft`` half-spectrum (bins :math:`k = 0, \dots, \lfloor T/2 \rfloor`) is
computed and thresholded: the other bins are complex conjugates of these, with the same
singular values, so the result is real to machine precision and each iteration costs
:math:`\lfloor T/2 \rfloor + 1` slice SVDs instead of :math:`T`.

Normalisation (used by every function and estimator in this module)
------------------------------------------------------------------
The DFT along time is the *unitary* one,

.. math::

    \hat X_k = T^{-1/2} \sum_{t=0}^{T-1} X_{::t}\, e^{-2\pi i k t / T},
    \qquad \|X\|_F = \|\hat X\|_F,

and the tensor nuclear norm is the sum over **all** :math:`T` bins of the slice nuclear
norms,

.. math::

    \|X\|_{\mathrm{TNN}} = \sum_{k=0}^{T-1} \|\hat X_k\|_*
    = \sum_{k=0}^{\lfloor T/2 \rfloor} w_k \|\hat X_k\|_*,
    \qquad w_k = \begin{cases} 1 & k = 0 \text{ or } k = T/2, \\ 2 & \text{otherwise,}
    \end{cases}

(interior ``rfft`` bins counted twice, for their conjugate partners). Lu et al. (2019)
use the unnormalised ``fft`` :math:`\bar X_k = \sqrt{T}\,\hat X_k` and
:math:`\|X\|_{\mathrm{TNN}}^{\mathrm{Lu}} = T^{-1}\sum_k \|\bar X_k\|_*`, so

.. math::

    \|X\|_{\mathrm{TNN}} = \sqrt{T}\, \|X\|_{\mathrm{TNN}}^{\mathrm{Lu}}.

The proximal operator of :math:`\tau\|\cdot\|_{\mathrm{TNN}}` is singular-value
soft-thresholding by :math:`\tau` of every unitary slice; Lu's threshold :math:`\tau`
on :math:`\bar X_k` is :math:`\tau/\sqrt{T}` in this convention.
"""

import math
import warnings
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import metadata_routing

from statkit._backend import get_namespace, irfft, rfft
from statkit.utils import check_positive

from ._linalg import svd_stack as _svd_stack
from ._validation import check_rank, check_tensor_and_mask

__all__ = ["TubalCompletion", "tensor_nuclear_norm", "tubal_svt", "tubal_truncate"]

_METHODS = ("tnn_admm", "svt", "iht")


# --- Fourier-slice kernels ------------------------------------------------------------------
# Internally the *unnormalised* rfft is used (it saves two passes over the array per
# iteration); thresholds are multiplied by sqrt(T) and singular values divided by sqrt(T),
# which is exactly the unitary convention of the module docstring.


def _half_weights(T):
    """Multiplicity w_k of each rfft bin among the T bins of the full spectrum."""
    w = np.full(T // 2 + 1, 2.0)
    w[0] = 1.0
    if T % 2 == 0:
        w[-1] = 1.0
    return w


def _to_slices(xp, X):
    """(n1, n2, T) real -> (T//2 + 1, n1, n2) complex, unnormalised rfft along time."""
    return xp.moveaxis(rfft(X, axis=-1), -1, 0)


def _from_slices(xp, S, T):
    """Inverse of :func:`_to_slices`; real (n1, n2, T)."""
    return irfft(xp.moveaxis(S, 0, -1), n=T, axis=-1)


def _clip0(xp, a):
    return np.maximum(a, 0.0) if xp is np else a.clamp_min(0.0)


def _rebuild(U, s, Vh, k):
    """sum of the first k singular triplets of every slice (batched)."""
    return (U[..., :, :k] * s[..., None, :k]) @ Vh[..., :k, :]


def _svt_slices(xp, S, tau):
    """Singular-value soft-thresholding by ``tau`` of each slice of the stack ``S``.

    Returns the thresholded stack and its singular values (thresholded, descending).
    """
    U, s, Vh = _svd_stack(xp, S)
    s = _clip0(xp, s - tau)
    k = int((s > 0).sum(axis=-1).max()) if s.shape[-1] else 0
    if k == 0:
        return xp.zeros_like(S), s
    return _rebuild(U, s, Vh, k), s


def _truncate_slices(xp, S, rank):
    """Best rank-``rank`` approximation (Eckart-Young) of each slice of ``S``."""
    U, s, Vh = _svd_stack(xp, S)
    kept = s[..., :rank]
    s_out = xp.zeros_like(s)
    s_out[..., :rank] = kept
    return _rebuild(U, s, Vh, rank), s_out


def _tnn_from_singular_values(xp, s_unnorm, T):
    """TNN (unitary convention) from the singular values of the unnormalised rfft slices."""
    w = _half_weights(T)
    per_bin = s_unnorm.sum(axis=-1)
    if xp is not np:
        per_bin = per_bin.detach().cpu().numpy()
    return float(np.dot(w, per_bin)) / math.sqrt(T)


def _check_3d_real(X):
    xp = get_namespace(X)
    if xp is np:
        X = np.asarray(X)
        if np.iscomplexobj(X):
            raise TypeError(f"X must be real-valued, got dtype {X.dtype}")
        if not np.issubdtype(X.dtype, np.floating):
            X = X.astype(np.float64)
    elif X.is_complex():
        raise TypeError(f"X must be real-valued, got dtype {X.dtype}")
    elif not X.is_floating_point():
        X = X.to(xp.float64)
    if X.ndim != 3:
        raise ValueError(f"X must be a 3-way tensor of shape (n1, n2, T), got shape {X.shape}")
    return xp, X


def tensor_nuclear_norm(X):
    r"""Tensor nuclear norm :math:`\sum_{k=0}^{T-1} \|\hat X_k\|_*` (unitary DFT along time).

    This is :math:`\sqrt{T}` times the TNN of Lu et al. (2019); see the module docstring.

    Parameters
    ----------
    X : array of shape (n1, n2, T), real

    Returns
    -------
    float
    """
    xp, X = _check_3d_real(X)
    T = X.shape[-1]
    _, s, _ = _svd_stack(xp, _to_slices(xp, X))
    return _tnn_from_singular_values(xp, s, T)


def tubal_svt(X, tau):
    r"""Proximal operator of :math:`\tau \|\cdot\|_{\mathrm{TNN}}` (tensor SVT).

    .. math::

        \operatorname{prox}_{\tau\|\cdot\|_{\mathrm{TNN}}}(X)
        = \arg\min_Z \tfrac12 \|Z - X\|_F^2 + \tau \|Z\|_{\mathrm{TNN}},

    computed by soft-thresholding the singular values of every unitary Fourier slice by
    :math:`\tau` (the problem separates over slices because the DFT is unitary).

    Parameters
    ----------
    X : array of shape (n1, n2, T), real
    tau : float >= 0

    Returns
    -------
    array of shape (n1, n2, T), real, in the namespace of ``X``
    """
    tau = check_positive(tau, "tau", strict=False)
    xp, X = _check_3d_real(X)
    T = X.shape[-1]
    S, _ = _svt_slices(xp, _to_slices(xp, X), tau * math.sqrt(T))
    return _from_slices(xp, S, T)


def tubal_truncate(X, rank):
    r"""Best approximation of tubal rank at most ``rank`` (truncated t-SVD).

    Every Fourier slice is truncated to its leading ``rank`` singular triplets; by the
    Eckart-Young theorem per slice and the unitarity of the DFT this is the Frobenius-
    nearest tensor :math:`\mathcal{A} * \mathcal{B}` (t-product, Kilmer & Martin 2011) with
    :math:`\mathcal{A} \in \mathbb{R}^{n_1 \times r \times T}`,
    :math:`\mathcal{B} \in \mathbb{R}^{r \times n_2 \times T}`.

    Parameters
    ----------
    X : array of shape (n1, n2, T), real
    rank : int in [1, min(n1, n2)]

    Returns
    -------
    array of shape (n1, n2, T), real, in the namespace of ``X``
    """
    xp, X = _check_3d_real(X)
    n1, n2, T = X.shape
    rank = check_rank(rank, n1, n2)
    S, _ = _truncate_slices(xp, _to_slices(xp, X), rank)
    return _from_slices(xp, S, T)


# --- the estimator --------------------------------------------------------------------------


def _sqnorm(A):
    """Squared Frobenius norm as one dot product (no temporary)."""
    a = A.reshape(-1)
    return float(a @ a)


def _maxabs(xp, A):
    return float(xp.abs(A).max())


def _float_mask(xp, mask, like):
    return mask.astype(like.dtype) if xp is np else mask.to(like.dtype)


class TubalCompletion(BaseEstimator):
    r"""Low-tubal-rank tensor completion (t-SVD baselines for FLoST).

    Three estimators of a real tensor :math:`X^\star \in \mathbb{R}^{n_1\times n_2\times T}`
    observed on a set :math:`\Omega` (``mask``), all working on the Fourier slices
    :math:`\hat X_k` of the unitary DFT along the last axis (module docstring), of which
    only the ``rfft`` half-spectrum :math:`k = 0, \dots, \lfloor T/2 \rfloor` is computed:

    ``method="tnn_admm"`` (noiseless, convex; default)
        .. math::

            \min_X \|X\|_{\mathrm{TNN}} \quad \text{s.t.} \quad P_\Omega(X) = P_\Omega(Y),

        by ADMM on the split :math:`L = X` (the structure of Lu et al.'s ``lrtc_tnn``).
        With multiplier :math:`\Lambda` and penalty :math:`\mu`, one iteration is

        .. math::

            L &\leftarrow \operatorname{prox}_{\mu^{-1}\|\cdot\|_{\mathrm{TNN}}}
                 (X - \Lambda/\mu) \quad \text{(SVT by } 1/\mu \text{ of every slice)},\\
            X &\leftarrow P_\Omega(Y) + P_{\Omega^c}(L + \Lambda/\mu),\\
            \Lambda &\leftarrow \Lambda + \mu (L - X), \qquad
            \mu \leftarrow \min(\rho\mu, \mu_{\max}),

        stopping when :math:`\max(\|\Delta L\|_\infty, \|\Delta X\|_\infty,
        \|L - X\|_\infty) <` ``tol``, from :math:`X = P_\Omega(Y)`, :math:`\Lambda = 0`.
        Because the TNN here is :math:`\sqrt{T}` times Lu's, this is Lu's ``lrtc_tnn``
        iteration and stopping rule (with only the ``rfft`` bins decomposed) under the
        change of variables :math:`E = P_\Omega(Y) - X`, :math:`\mu = \sqrt{T}\,\mu_{\rm Lu}`,
        :math:`\Lambda = -\sqrt{T}\,\Lambda_{\rm Lu}`: pass ``mu0=1e-4 * sqrt(T)`` and
        ``mu_max=1e10 * sqrt(T)`` to reproduce Lu's iterates with his defaults; the minimiser
        is the same either way. ``completed_`` is the feasible iterate :math:`X`
        (observed entries reproduced exactly, missing ones from :math:`L`).

    ``method="svt"`` (noisy, convex): soft-impute / proximal gradient with unit step on

        .. math::

            \min_X \tfrac12 \|P_\Omega(Y - X)\|_F^2 + \lambda \|X\|_{\mathrm{TNN}},
            \qquad
            X \leftarrow \operatorname{prox}_{\lambda\|\cdot\|_{\mathrm{TNN}}}
            \bigl(P_\Omega(Y) + P_{\Omega^c}(X)\bigr),

        a majorise-minimise iteration, so the penalised objective never increases.
        ``lam`` is :math:`\lambda` in the unitary convention (Lu's convention:
        :math:`\lambda\sqrt{T}`); a noise-level choice is
        :math:`\lambda \approx c\,\sigma\sqrt{p}(\sqrt{n_1} + \sqrt{n_2})`, :math:`c\in[1,2]`.

    ``method="iht"`` (noisy, nonconvex, fixed rank): iterative hard thresholding with the
    fill-in step :math:`\eta = 1` for

        .. math::

            \min_X \tfrac12 \|P_\Omega(Y - X)\|_F^2 \quad \text{s.t.} \quad
            \operatorname{rank}(\hat X_k) \le r \text{ for every } k,
            \qquad
            X \leftarrow \Pi_r\bigl(P_\Omega(Y) + P_{\Omega^c}(X)\bigr),

        :math:`\Pi_r` the truncated t-SVD (:func:`tubal_truncate`), from :math:`X = 0`. The
        observed loss never increases.

    ``svt`` and ``iht`` stop when :math:`\|X_{t+1} - X_t\|_F / \|X_{t+1}\|_F <` ``tol``.

    This is a scikit-learn style estimator whose input is a 3-way tensor rather than a
    2-D sample matrix: ``fit(Y, mask)`` learns the completion of that very tensor.

    Parameters
    ----------
    method : {"tnn_admm", "svt", "iht"}, default="tnn_admm"
    rank : int, optional
        Tubal rank :math:`r \in [1, \min(n_1, n_2)]`, imposed on every slice; required by
        (and only used by) ``method="iht"``.
    lam : float > 0, optional
        Penalty :math:`\lambda` (unitary convention); required by (and only used by)
        ``method="svt"``.
    max_iter : int, default=500
    tol : float, default=1e-8
        Stopping tolerance, in the sense given above for each method (Lu's default). The
        ``tnn_admm`` rule is absolute (in the units of ``Y``), the others relative; in
        float32 the default cannot be met (use about 1e-6, times the data scale for
        ``tnn_admm``).
    rho : float >= 1, default=1.1
        Growth factor of :math:`\mu` (``tnn_admm``).
    mu0 : float > 0, default=1e-4
        Initial ADMM penalty (``tnn_admm``).
    mu_max : float, default=1e10
        Cap on :math:`\mu` (``tnn_admm``).
    random_state : None, int or numpy.random.Generator
        Unused: the three algorithms are deterministic. Accepted for a uniform API.

    Attributes
    ----------
    completed_ : array of shape (n1, n2, T)
        The completed tensor, in the input's namespace, device and floating dtype.
    n_iter_ : int
        Iterations run.
    converged_ : bool
        Whether the stopping rule was met before ``max_iter``.
    lowrank_ : array of shape (n1, n2, T)
        The final low-rank iterate: :math:`L` for ``tnn_admm`` (equal to ``completed_``
        on the missing entries, within ``tol`` of it on the observed ones); the same
        array as ``completed_`` for ``svt`` and ``iht``.
    objective_history_ : ndarray of length ``n_iter_``
        Observed-entry loss :math:`\tfrac12 \sum_{(i,j,t) \in \Omega}(Y_{ijt} -
        L_{ijt})^2` of the low-rank iterate after each iteration (for ``tnn_admm`` this
        tracks the constraint violation: the feasible :math:`X` fits the observations
        exactly). Never computed on missing entries.
    singular_values_ : array of shape (T // 2 + 1, min(n1, n2))
        Singular values of the unitary Fourier slices of ``lowrank_``,
        ``rfft`` bins in order (thresholded for ``tnn_admm``/``svt``, truncated to ``rank``
        for ``iht``).
    tubal_rank_ : int
        Largest number of non-zero entries of a row of ``singular_values_``.
    tnn_ : float
        :math:`\|L\|_{\mathrm{TNN}}` of ``lowrank_`` (unitary convention).

    Notes
    -----
    One iteration costs one ``rfft``/``irfft`` pair and :math:`\lfloor T/2 \rfloor + 1`
    batched SVDs of :math:`n_1 \times n_2` complex matrices (``numpy.linalg.svd`` or
    ``torch.linalg.svd`` on the stack); the SVDs dominate. torch tensors run on torch, on
    their device and dtype.

    References
    ----------
    .. [1] Kilmer, M. E. and Martin, C. D. (2011). Factorization strategies for third-order
       tensors. *Linear Algebra and its Applications* 435(3), 641-658.
    .. [2] Zhang, Z. and Aeron, S. (2017). Exact tensor completion using t-SVD. *IEEE
       Transactions on Signal Processing* 65(6), 1511-1526. arXiv:1502.04689.
    .. [3] Lu, C., Feng, J., Chen, Y., Liu, W., Lin, Z. and Yan, S. (2020). Tensor robust
       principal component analysis with a new tensor nuclear norm. *IEEE TPAMI* 42(4),
       925-938 (online 2019). arXiv:1804.03728.
    .. [4] Li, Shang and Chen (2025). Fourier low-rank and sparse tensor for efficient
       tensor completion. arXiv:2505.11261 (the method these are baselines for).

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.tensor._tubal import TubalCompletion
    >>> rng = np.random.default_rng(0)
    >>> A, B = rng.standard_normal((12, 2, 8)), rng.standard_normal((2, 10, 8))
    >>> AB = np.einsum("irk,rjk->ijk", np.fft.fft(A), np.fft.fft(B))
    >>> X = np.fft.ifft(AB).real  # the t-product A * B: tubal rank 2
    >>> mask = rng.random(X.shape) < 0.7
    >>> est = TubalCompletion(method="iht", rank=2, tol=1e-10).fit(X, mask)
    >>> bool(np.linalg.norm(est.completed_ - X) < 1e-6 * np.linalg.norm(X))
    True
    """

    # ``mask`` is part of the data, not routed metadata: no set_fit_request method
    __metadata_request__fit: ClassVar[dict] = {"mask": metadata_routing.UNUSED}

    def __init__(
        self,
        method="tnn_admm",
        rank=None,
        lam=None,
        max_iter=500,
        tol=1e-8,
        rho=1.1,
        mu0=1e-4,
        mu_max=1e10,
        random_state=None,
    ):
        self.method = method
        self.rank = rank
        self.lam = lam
        self.max_iter = max_iter
        self.tol = tol
        self.rho = rho
        self.mu0 = mu0
        self.mu_max = mu_max
        self.random_state = random_state

    def _validate_params(self, n1, n2):
        method = self.method
        if not (isinstance(method, str) and method.lower() in _METHODS):
            raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
        method = method.lower()
        params = {
            "method": method,
            "max_iter": check_positive(self.max_iter, "max_iter", integer=True),
            "tol": check_positive(self.tol, "tol", strict=False),
        }
        if method == "iht":
            if self.rank is None:
                raise ValueError("method='iht' needs rank (the tubal rank of every slice)")
            params["rank"] = check_rank(self.rank, n1, n2)
        elif method == "svt":
            if self.lam is None:
                raise ValueError(
                    "method='svt' needs lam, the TNN penalty in the unitary-DFT convention "
                    "(e.g. lam ~ sigma * sqrt(p) * (sqrt(n1) + sqrt(n2)))"
                )
            params["lam"] = check_positive(self.lam, "lam")
        else:
            rho = check_positive(self.rho, "rho")
            if rho < 1:
                raise ValueError(f"rho must be >= 1 (growth factor of mu), got {rho}")
            mu0 = check_positive(self.mu0, "mu0")
            mu_max = check_positive(self.mu_max, "mu_max", allow_inf=True)
            if mu_max < mu0:
                raise ValueError(f"mu_max must be >= mu0 = {mu0}, got {mu_max}")
            params.update(rho=rho, mu0=mu0, mu_max=mu_max)
        return params

    def fit(self, Y, mask=None):
        """Complete ``Y``.

        Parameters
        ----------
        Y : array-like or torch.Tensor of shape (n1, n2, T)
            Real; NaN marks missing entries when ``mask`` is None.
        mask : array of bool, shape (n1, n2, T), optional
            True where observed; values of ``Y`` elsewhere are ignored.

        Returns
        -------
        self
        """
        xp, Y, mask = check_tensor_and_mask(Y, mask)
        n1, n2, T = Y.shape
        p = self._validate_params(n1, n2)
        if p["method"] == "tnn_admm":
            out = self._fit_admm(xp, Y, mask, p)
        else:
            out = self._fit_fill_in(xp, Y, mask, p)
        X, L, s, history, n_iter, converged = out
        self.completed_ = X
        self.lowrank_ = L
        self.singular_values_ = s / math.sqrt(T)
        self.tubal_rank_ = int((s > 0).sum(axis=-1).max()) if s.shape[-1] else 0
        self.tnn_ = _tnn_from_singular_values(xp, s, T)
        self.objective_history_ = np.asarray(history, dtype=float)
        self.n_iter_ = n_iter
        self.converged_ = converged
        if not converged:
            warnings.warn(
                f"TubalCompletion(method={p['method']!r}) did not converge in "
                f"{p['max_iter']} iterations (tol={p['tol']}); increase max_iter",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def fit_transform(self, Y, mask=None):
        """``fit(Y, mask)`` and return ``completed_``."""
        return self.fit(Y, mask).completed_

    @staticmethod
    def _observed_loss(Y, weights, X):
        """1/2 sum over observed entries of (Y - X)^2; ``weights`` is the 0/1 mask."""
        return 0.5 * _sqnorm((Y - X) * weights)

    def _fit_fill_in(self, xp, Y, mask, p):
        """Soft-impute (``svt``) or hard-impute IHT (``iht``), both with step 1."""
        T = Y.shape[-1]
        X = xp.zeros_like(Y)
        weights = _float_mask(xp, mask, Y)
        history = []
        converged = False
        s = None
        for _ in range(p["max_iter"]):
            Z = _to_slices(xp, xp.where(mask, Y, X))
            if p["method"] == "svt":
                S, s = _svt_slices(xp, Z, p["lam"] * math.sqrt(T))
            else:
                S, s = _truncate_slices(xp, Z, p["rank"])
            X_new = _from_slices(xp, S, T)
            history.append(self._observed_loss(Y, weights, X_new))
            change = math.sqrt(_sqnorm(X_new - X))
            norm = math.sqrt(_sqnorm(X_new))
            X = X_new
            if change <= p["tol"] * norm or norm == 0.0:
                converged = True
                break
        return X, X, s, history, len(history), converged

    def _fit_admm(self, xp, Y, mask, p):
        """ADMM for min ||X||_TNN s.t. P_Omega(X) = P_Omega(Y) (split L = X)."""
        T = Y.shape[-1]
        sqrt_T = math.sqrt(T)
        X = Y  # zero-filled, feasible
        L_prev = X
        Lam = xp.zeros_like(Y)
        weights = _float_mask(xp, mask, Y)
        mu = p["mu0"]
        history = []
        converged = False
        s = None
        for _ in range(p["max_iter"]):
            S, s = _svt_slices(xp, _to_slices(xp, X - Lam / mu), sqrt_T / mu)
            L = _from_slices(xp, S, T)
            X_new = xp.where(mask, Y, L + Lam / mu)
            R = L - X_new
            Lam = Lam + mu * R
            change = max(_maxabs(xp, L - L_prev), _maxabs(xp, X_new - X), _maxabs(xp, R))
            X, L_prev = X_new, L
            history.append(self._observed_loss(Y, weights, L))
            if change < p["tol"]:
                converged = True
                break
            mu = min(p["rho"] * mu, p["mu_max"])
        return X, L, s, history, len(history), converged
