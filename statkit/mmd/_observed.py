"""Kernel sums against a fixed observed sample, cached across simulated samples.

Minimum-MMD estimation evaluates :math:`\\mathrm{MMD}^2(P_\\theta^m, Q^n)` for many
:math:`\\theta` against the same observed :math:`y_1, \\dots, y_n`. The
:math:`\\sum_{j,j'} k(y_j, y_{j'})` term, the costly one when :math:`n \\sim 10^4`, does not
depend on :math:`\\theta`: :class:`ObservedSample` computes it once, without forming
:math:`K_{yy}`, and evaluates the simulated-sample terms on demand.
"""

import numpy as np

from statkit._backend import get_namespace

from ._estimators import combine, mmd_sums_numpy, mmd_sums_torch
from ._kernels import distances_xp, kernel_from_distances, kernel_matrix_numpy

__all__ = ["ObservedSample"]

# columns of Y per block of cross-kernel values (m x block entries at once)
_CROSS_BLOCK = 4096
_TORCH_BLOCK_ELEMENTS = 2**24
# below this many kernel values, plain numpy beats starting numba's thread pool (whose
# start-up dominates a 64 x 64 block, and which a busy machine slows down further)
_SMALL = 2**18


def gram_numpy(A, B, spec, c):
    """float64 kernel block ``k(a_i, b_j)`` from exact coordinate differences."""
    if A.shape[0] * B.shape[0] > _SMALL:
        return kernel_matrix_numpy(A, B, spec, c)
    D = np.zeros((A.shape[0], B.shape[0]))
    for d in range(A.shape[1]):
        diff = A[:, d, None] - B[None, :, d]
        D += np.abs(diff) if spec.metric == "l1" else diff * diff
    return kernel_from_distances(D, spec, c)


class ObservedSample:
    """The observed sample ``Y`` with its kernel, bandwidth and cached within sum.

    Parameters
    ----------
    Y : validated array of shape (n, d), numpy or torch
    spec : KernelSpec
    c : float
        ``spec.scale(bandwidth)``.
    """

    def __init__(self, Y, spec, c):
        self.Y = Y
        self.spec = spec
        self.c = c
        self.xp = get_namespace(Y)
        self.n = Y.shape[0]
        n = self.n
        if self.xp is np:
            Y64 = np.ascontiguousarray(Y, dtype=np.float64)
            _, syy, _, _, _ = mmd_sums_numpy(Y64[:1], Y64, spec, c)
            self._Yt = np.ascontiguousarray(Y64.T)
            self._Y64 = Y64
        else:
            _, syy, _ = mmd_sums_torch(Y[:1], Y, spec, c)
            syy = float(syy)
        self.syy_off = float(syy)  # sum over j != j'
        self.syy_full = self.syy_off + n  # k(y, y) = 1

    # --- simulated-sample terms ----------------------------------------------------------

    def _check_x(self, X):
        if X.ndim != 2 or X.shape[1] != self.Y.shape[1]:
            raise ValueError(
                f"the simulated sample must have shape (m, {self.Y.shape[1]}) like the observed "
                f"data, got {tuple(X.shape)}"
            )

    def unweighted(self, X, estimator):
        """U- (``"u"``) or V-statistic (``"v"``) MMD^2 of ``X`` against ``Y`` (float)."""
        self._check_x(X)
        m = X.shape[0]
        if self.xp is np and m * max(m, self.n) <= _SMALL:
            X64 = np.ascontiguousarray(X, dtype=np.float64)
            sxx = float(gram_numpy(X64, X64, self.spec, self.c).sum()) - m  # k(x, x) = 1
            sxy = float(self.cross_row_sums(X64).sum())
        elif self.xp is np:
            X64 = np.ascontiguousarray(X, dtype=np.float64)
            from . import _numba

            with _numba.LOCK:
                block = _numba.DEFAULT_BLOCK
                Xt = np.ascontiguousarray(X64.T)
                sxx = 2.0 * _numba.pair_sum(
                    X64, Xt, True, self.spec.code, self.spec.metric_code, self.c, block
                )
                sxy = _numba.pair_sum(
                    X64, self._Yt, False, self.spec.code, self.spec.metric_code, self.c, block
                )
        else:
            # within-X sum over i != i'; the other two sums of this call are on one row
            sxx = float(mmd_sums_torch(X, X[:1], self.spec, self.c)[0])
            sxy = float(self.cross_row_sums(X).sum())
        return float(combine(sxx, self.syy_off, sxy, m, self.n, estimator))

    def cross_row_sums(self, X):
        """``r_i = sum_j k(x_i, y_j)``, float64, in X's namespace, by column blocks."""
        self._check_x(X)
        m = X.shape[0]
        if self.xp is np:
            X64 = np.ascontiguousarray(X, dtype=np.float64)
            r = np.zeros(m)
            for j0 in range(0, self.n, _CROSS_BLOCK):
                B = self._Y64[j0 : j0 + _CROSS_BLOCK]
                r += gram_numpy(X64, B, self.spec, self.c).sum(axis=1)
            return r
        torch = self.xp
        Xd = X.to(torch.float64)
        Yd = self.Y.to(torch.float64)
        block = max(1, _TORCH_BLOCK_ELEMENTS // max(m, 1))
        r = torch.zeros(m, dtype=torch.float64, device=X.device)
        for j0 in range(0, self.n, block):
            D = distances_xp(Xd, Yd[j0 : j0 + block], self.spec.metric)
            r = r + kernel_from_distances(D, self.spec, self.c).sum(dim=1)
        return r

    def within_gram(self, X):
        """``K_xx`` (m x m, float64), in X's namespace."""
        if self.xp is np:
            X64 = np.ascontiguousarray(X, dtype=np.float64)
            return gram_numpy(X64, X64, self.spec, self.c)
        Xd = X.to(self.xp.float64)
        return kernel_from_distances(
            distances_xp(Xd, Xd, self.spec.metric, same=True), self.spec, self.c
        )

    def weighted(self, X, w):
        r"""The weighted MMD^2: :math:`w^\top K_{xx} w - \frac2n w^\top K_{xy}\mathbf 1
        + \frac1{n^2}\mathbf 1^\top K_{yy}\mathbf 1`."""
        self._check_x(X)
        K = self.within_gram(X)
        r = self.cross_row_sums(X)
        t1 = float(w @ (K @ w))
        t2 = float(w @ r) / self.n
        return t1 - 2.0 * t2 + self.syy_full / (self.n * self.n)
