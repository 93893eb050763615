r"""FLoST: Fourier low-rank and sparse tensor completion (Li, Shang, Chen 2025).

Model, for a real tensor :math:`X \in \mathbb R^{n_1 \times n_2 \times T}` with the unitary
DFT along time, :math:`\hat X_k = T^{-1/2}\sum_t X_{::t} e^{-2\pi i kt/T}`:

.. math::

    \operatorname{rank}(\hat X_k) \le r \quad (k = 0, \dots, K), \qquad
    \sum_{K < k \le T/2} \|\hat X_k\|_0 \le s ,

i.e. the low-frequency slices are low-rank and the high-frequency slices are sparse.
statkit's parametrisation: ``n_low_freq = K + 1`` (the DC bin included), ``sparsity = s``
(complex coefficients of the rfft half of the high band).

The algorithm (projected gradient with the fill-in step, "FLoST-IHT") is reconstructed
from the paper's abstract and standard theory (statkit's method note); the paper's own
algorithm section was not available. As far as we know this is the first public
implementation of FLoST.
"""

import math
import numbers
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import metadata_routing
from sklearn.utils.validation import check_is_fitted

from statkit._backend import get_namespace
from statkit._parallel import NUMBA_LOCK

from ._linalg import svd_stack
from ._validation import check_rank, check_tensor_and_mask

__all__ = ["FLoSTCompletion", "flost_projection"]


# --- backend helpers (numpy or torch, chosen by the input) --------------------------------


def _rfft(xp, X):
    if xp is np:
        import scipy.fft

        return scipy.fft.rfft(X, axis=-1, norm="ortho", workers=-1)
    return xp.fft.rfft(X, dim=-1, norm="ortho")


def _irfft(xp, Xh, T):
    if xp is np:
        import scipy.fft

        return scipy.fft.irfft(Xh, n=T, axis=-1, norm="ortho", workers=-1)
    return xp.fft.irfft(Xh, n=T, dim=-1, norm="ortho")


def _truncate_slices(xp, Z, rank):
    """Best rank-``rank`` approximation of each slice of a (L, n1, n2) complex stack."""
    U, S, Vh = svd_stack(xp, Z)
    U, S, Vh = U[..., :rank], S[..., :rank], Vh[..., :rank, :]
    return (U * S[..., None, :]) @ Vh, (U, S, Vh)


def _largest(xp, H, s, real_last=False):
    """Indices and values of the ``s`` entries of ``H`` of largest modulus.

    With ``real_last`` the last bin is the Nyquist bin of a real signal: it is ranked and
    kept by its real part.
    """
    if xp is np:
        from ._flost_kernels import top_candidates

        # exact top-s: partition only the entries above a sampled bracket
        cand, mag = top_candidates(H, s, real_last, 1 << 16)
        keep = cand if cand.size == s else cand[np.argpartition(mag, cand.size - s)[-s:]]
        ijk = np.unravel_index(keep, H.shape)
    else:
        if real_last:
            H = H * 1
            H[..., -1] = H[..., -1].real
        idx = xp.topk(xp.abs(H).reshape(-1), s, sorted=False).indices
        ijk = xp.unravel_index(idx, H.shape)
    vals = H[ijk]
    if real_last:
        vals = xp.where(ijk[-1] == H.shape[-1] - 1, vals.real + 0j, vals)
    return ijk, vals


def flost_projection(Zh, rank, n_low_freq, sparsity, T, return_factors=False):
    r"""Project a half-spectrum onto the FLoST class :math:`\mathcal M(K, r, s)`.

    The projection is exact and separable because the DFT is unitary and the bands are
    disjoint: rank-:math:`r` truncation of each low slice :math:`k < ` ``n_low_freq``,
    and the ``sparsity`` largest moduli over the high band kept, the rest zeroed.

    Parameters
    ----------
    Zh : complex array of shape (n1, n2, T // 2 + 1)
        A unitary rfft half-spectrum (time last).
    rank, n_low_freq, sparsity : int
    T : int
        Length of the time axis (decides whether the last bin is the Nyquist bin).
    return_factors : bool, default=False

    Returns
    -------
    Xh : complex array, same shape as ``Zh``
    factors : tuple (U, S, Vh), only with ``return_factors``
        Of shapes (n_low_freq, n1, r), (n_low_freq, r), (n_low_freq, r, n2).

    Notes
    -----
    The DC bin (and the Nyquist bin for even :math:`T`) of a real signal is real;
    imaginary parts there are dropped before projecting, so the kept spectrum is the
    spectrum of the real tensor that ``irfft`` returns.
    """
    return _project_inplace(Zh * 1, rank, n_low_freq, sparsity, T, return_factors)


def _project_inplace(Zh, rank, n_low_freq, sparsity, T, return_factors=False):
    """:func:`flost_projection`, overwriting ``Zh`` (no half-spectrum sized temporary)."""
    xp = get_namespace(Zh)
    # slices first for the batched SVD: (n_low_freq, n1, n2), a copy
    low = xp.moveaxis(Zh[..., :n_low_freq], -1, 0) * 1
    low[0] = low[0].real
    nyquist_low = T % 2 == 0 and n_low_freq == T // 2 + 1
    if nyquist_low:
        low[-1] = low[-1].real
    low_hat, factors = _truncate_slices(xp, low, rank)
    Zh[..., :n_low_freq] = xp.moveaxis(low_hat, 0, -1)
    high = Zh[..., n_low_freq:]
    if high.shape[-1]:
        # the Nyquist bin of a real signal is real: select among real parts there
        real_last = T % 2 == 0 and not nyquist_low
        kept = _largest(xp, high, sparsity, real_last) if sparsity else None
        high[...] = 0
        if kept is not None:
            high[kept[0]] = kept[1]
    return (Zh, factors) if return_factors else Zh


def _check_count(value, name, lo, hi, why=""):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must lie in [{lo}, {hi}]{why}, got {value}")
    return int(value)


class FLoSTCompletion(BaseEstimator):
    r"""Tensor completion with the Fourier low-rank and sparse (FLoST) model.

    Completes a real :math:`n_1 \times n_2 \times T` tensor observed on a subset
    :math:`\Omega` of its entries (time along the last axis) by minimising the observed
    squared loss over the FLoST class,

    .. math::

        \min_X \tfrac12 \|P_\Omega(Y - X)\|_F^2 \quad \text{s.t.} \quad
        \operatorname{rank}(\hat X_k) \le r \ (k < K + 1), \quad
        \sum_{K < k \le T/2} \|\hat X_k\|_0 \le s ,

    by projected gradient with the fill-in step (iterative hard thresholding),

    .. math::

        Z^t = P_\Omega(Y) + P_\Omega^\perp(W^t), \qquad
        X^{t+1} = \mathcal F^{-1}\,\Pi_{\mathcal M}\big(\mathcal F Z^t\big),

    where :math:`\mathcal F` is the unitary rfft along time, :math:`\Pi_{\mathcal M}` the
    exact projection (:func:`flost_projection`), and :math:`W^t` is :math:`X^t` or, with
    ``momentum=True``, the Nesterov extrapolation :math:`X^t + \frac{a_{t-1} - 1}{a_t}
    (X^t - X^{t-1})`, restarted whenever the observed loss increases. One iteration costs
    one rfft/irfft pair, ``n_low_freq`` SVDs of :math:`n_1 \times n_2` slices and one top-s
    selection: the tubal-rank model would need :math:`T/2 + 1` SVDs.

    The estimator follows the scikit-learn contract with 3-way input: ``fit(Y, mask)``
    with ``Y`` of shape (n1, n2, T).

    Parameters
    ----------
    rank : int
        :math:`r`, the rank of every low-frequency slice, in :math:`[1, \min(n_1, n_2)]`.
    n_low_freq : int
        :math:`K + 1`, the number of non-negative low frequencies, DC included, in
        :math:`[1, \lceil T/2 \rceil]`. Example: :math:`T = 1000`, ``n_low_freq=11``
        means :math:`K = 10`, 21 two-sided low bins and 11 SVDs per iteration.
    sparsity : int, default=0
        :math:`s`, the number of complex coefficients kept in the rfft half of the high
        band (bins ``n_low_freq`` to :math:`\lfloor T/2 \rfloor`); each stands for a
        conjugate pair of the full spectrum.
    max_iter : int, default=500
    tol : float, default=1e-7
        Stop when :math:`\|X^{t+1} - X^t\|_F / \|X^{t+1}\|_F <` ``tol``.
    momentum : bool, default=True
    init : {"spectral", "zeros"}, default="spectral"
        ``"spectral"``: :math:`X^0 = \mathcal F^{-1}\Pi_{\mathcal M}(\mathcal F P_\Omega(Y)
        / \hat p)`, with :math:`\hat p = |\Omega| / (n_1 n_2 T)`.

    Attributes
    ----------
    completed_ : array of shape (n1, n2, T)
        The estimate :math:`\hat X` at every entry (observed entries too: there it is the
        denoised fit, not the data).
    lowrank_, sparse_ : arrays of shape (n1, n2, T)
        The low- and high-frequency parts, :math:`\hat X = ` ``lowrank_ + sparse_``.
    spectrum_ : complex array of shape (n1, n2, T // 2 + 1)
        The unitary rfft half-spectrum of ``completed_``.
    low_freq_factors_ : tuple (U, S, Vh)
        Singular factors of the low slices, shapes (n_low_freq, n1, r), (n_low_freq, r),
        (n_low_freq, r, n2).
    objective_history_ : list of float
        :math:`\tfrac12\|P_\Omega(Y - X^t)\|_F^2` after each iteration (observed entries
        only).
    n_iter_ : int
    converged_ : bool
    df_ : int
        Real degrees of freedom, :math:`(2K + 1) r (n_1 + n_2 - r) + 2s` (for even
        :math:`T` with the Nyquist bin in the low band, counted the same way).

    References
    ----------
    .. [1] Li, J., Shang, J. and Chen, Y. (2025). Fourier low-rank and sparse tensor
       for efficient tensor completion. arXiv:2505.11261.
    .. [2] Jain, P., Meka, R. and Dhillon, I. (2010). Guaranteed rank minimization via
       singular value projection. *NeurIPS 2010*.

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.tensor import FLoSTCompletion
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(64)
    >>> X = np.einsum("i,j,t->ijt", rng.standard_normal(10), rng.standard_normal(10),
    ...               np.cos(2 * np.pi * t / 64))
    >>> Y = np.where(rng.random(X.shape) < 0.5, X, np.nan)
    >>> est = FLoSTCompletion(rank=1, n_low_freq=2).fit(Y)
    >>> bool(np.linalg.norm(est.completed_ - X) / np.linalg.norm(X) < 1e-4)
    True
    """

    # ``mask`` is part of the data, not routed metadata: no set_fit_request method
    __metadata_request__fit: ClassVar[dict] = {"mask": metadata_routing.UNUSED}

    def __init__(
        self,
        rank,
        n_low_freq,
        sparsity=0,
        max_iter=500,
        tol=1e-7,
        momentum=True,
        init="spectral",
    ):
        self.rank = rank
        self.n_low_freq = n_low_freq
        self.sparsity = sparsity
        self.max_iter = max_iter
        self.tol = tol
        self.momentum = momentum
        self.init = init

    def _validate(self, shape):
        n1, n2, T = shape
        rank = check_rank(self.rank, n1, n2)
        n_low = _check_count(
            self.n_low_freq, "n_low_freq", 1, (T + 1) // 2, " (K + 1 <= ceil(T/2), so K < T/2)"
        )
        n_high = (T // 2 + 1 - n_low) * n1 * n2
        s = _check_count(self.sparsity, "sparsity", 0, n_high, " (the high-band rfft size)")
        _check_count(self.max_iter, "max_iter", 1, 10**9)
        if not (isinstance(self.tol, numbers.Real) and self.tol > 0 and math.isfinite(self.tol)):
            raise ValueError(f"tol must be a finite float > 0, got {self.tol!r}")
        if self.init not in ("spectral", "zeros"):
            raise ValueError(f"init must be 'spectral' or 'zeros', got {self.init!r}")
        return rank, n_low, s

    def fit(self, Y, mask=None):
        """Complete ``Y`` (shape (n1, n2, T); NaN = missing when ``mask`` is None).

        Returns
        -------
        self
        """
        xp, Y0, mask = check_tensor_and_mask(Y, mask)
        n1, n2, T = Y0.shape
        rank, n_low, s = self._validate(Y0.shape)
        p_hat = float(mask.sum()) / (n1 * n2 * T)

        def project(Z):
            return _irfft(xp, _project_inplace(_rfft(xp, Z), rank, n_low, s, T), T)

        X = project(Y0 / p_hat) if self.init == "spectral" else xp.zeros_like(Y0)
        passes = _NumpyPasses(mask, Y0) if xp is np else _TorchPasses(mask, Y0)
        history, converged = [], False
        X_prev, a_prev, beta, loss_prev = X, 1.0, 0.0, math.inf
        for _ in range(int(self.max_iter)):
            X_new = project(passes.fill(X, X_prev, beta))
            loss, diff2, norm2 = passes.stats(X_new, X)
            history.append(0.5 * loss)
            change = math.sqrt(diff2) / max(math.sqrt(norm2), 1e-300)
            X_prev, X = X, X_new
            if change < self.tol:
                converged = True
                break
            beta = 0.0
            if self.momentum:
                if loss > loss_prev:  # adaptive restart: drop the momentum
                    a_prev = 1.0
                else:
                    a = (1.0 + math.sqrt(1.0 + 4.0 * a_prev * a_prev)) / 2.0
                    beta = (a_prev - 1.0) / a
                    a_prev = a
            loss_prev = loss
        spec, factors = _project_inplace(_rfft(xp, X), rank, n_low, s, T, return_factors=True)
        low = xp.zeros_like(spec)
        low[..., :n_low] = spec[..., :n_low]
        self.spectrum_ = spec
        self.completed_ = _irfft(xp, spec, T)
        self.lowrank_ = _irfft(xp, low, T)
        self.sparse_ = self.completed_ - self.lowrank_
        self.low_freq_factors_ = factors
        self.objective_history_ = history
        self.n_iter_ = len(history)
        self.converged_ = converged
        K = n_low - 1
        self.df_ = (2 * K + 1) * rank * (n1 + n2 - rank) + 2 * s
        self.n_features_in_ = T
        return self

    def fit_transform(self, Y, mask=None):
        """Fit and return ``completed_``."""
        return self.fit(Y, mask).completed_

    def transform(self, Y=None):
        """The completed tensor of the fit (``Y`` is ignored: completion is transductive)."""
        check_is_fitted(self, "completed_")
        return self.completed_


class _NumpyPasses:
    """The elementwise passes of one iteration, fused (numba) on numpy input."""

    def __init__(self, mask, Y):
        self.mask = np.ascontiguousarray(mask).reshape(-1)
        self.Y = np.ascontiguousarray(Y).reshape(-1)
        # one buffer for every fill-in: its result is only read by the next rfft
        self.Z = np.empty(Y.shape, Y.dtype)

    def fill(self, X, X_prev, beta):
        """``P_Omega(Y) + P_Omega^perp(X + beta (X - X_prev))``, in a reused buffer."""
        from ._flost_kernels import fill_extrapolate

        with NUMBA_LOCK:
            fill_extrapolate(self.mask, self.Y, _flat(X), _flat(X_prev), beta, self.Z.reshape(-1))
        return self.Z

    def stats(self, X_new, X):
        """``(||P_Omega(Y - X_new)||^2, ||X_new - X||^2, ||X_new||^2)``."""
        from ._flost_kernels import iterate_stats

        with NUMBA_LOCK:
            return iterate_stats(self.mask, self.Y, _flat(X_new), _flat(X))


class _TorchPasses:
    """The same passes with torch temporaries."""

    def __init__(self, mask, Y):
        self.mask, self.Y = mask, Y
        self.fmask = mask.to(Y.dtype)

    def fill(self, X, X_prev, beta):
        return self.Y.where(self.mask, X + beta * (X - X_prev) if beta else X)

    def stats(self, X_new, X):
        R = (self.Y - X_new) * self.fmask
        return float((R * R).sum()), float(((X_new - X) ** 2).sum()), float((X_new**2).sum())


def _flat(A):
    return np.ascontiguousarray(A).reshape(-1)
