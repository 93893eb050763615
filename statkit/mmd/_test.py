"""Permutation two-sample test based on MMD^2."""

from typing import Any, NamedTuple

import numpy as np

from statkit._backend import get_namespace
from statkit.utils import check_positive, check_random_state

from ._estimators import (
    _K0,
    check_estimator,
    check_sizes,
    concat,
    resolve_bandwidth,
)
from ._kernels import (
    check_pair,
    distances_xp,
    kernel_from_distances,
    kernel_matrix_numpy,
    kernel_spec,
)

__all__ = ["MMDTestResult", "mmd_test"]

# memory budgets of the permutation test (bytes)
_GRAM_BYTES = 256 * 2**20  # keep the whole pooled Gram matrix when it fits in this
_BLOCK_BYTES = 64 * 2**20  # otherwise: row blocks of the Gram matrix of at most this
_INDICATOR_BYTES = 64 * 2**20  # indicator matrix E (and K @ E) of one batch of permutations
# a permuted statistic within _TIE_ULPS machine epsilons (relative to the size of the
# observed statistic's terms) counts as a tie: a split equal to the observed one must not
# lose to rounding (its column sits elsewhere in the matrix product)
_TIE_ULPS = 16.0


class MMDTestResult(NamedTuple):
    """Result of :func:`mmd_test`.

    Attributes
    ----------
    statistic : float or torch.Tensor
        The observed :math:`\\mathrm{MMD}^2` estimate (a Python float for numpy input, a
        0-d tensor on the input's device and dtype for torch input).
    pvalue : float
        The permutation p-value, in :math:`(0, 1]`.
    """

    statistic: Any
    pvalue: float


def _indicators(N, m, perms):
    """float64 N x (len(perms) + 1) matrix: column b is 1 on perms[b] (the pseudo-X), the
    last column is all ones."""
    B = len(perms)
    E = np.zeros((N, B + 1))
    E[np.concatenate(perms), np.repeat(np.arange(B), m)] = 1.0
    E[:, B] = 1.0
    return E


class _GramRows:
    """Row blocks of the pooled Gram matrix, kept whole when it fits in memory."""

    def __init__(self, Z, spec, c):
        self.xp = get_namespace(Z)
        self.Z, self.spec, self.c = Z, spec, c
        N = Z.shape[0]
        itemsize = 8 if self.xp is np else Z.element_size()
        self.full = N * N * itemsize <= _GRAM_BYTES
        self.rows = N if self.full else max(1, min(N, _BLOCK_BYTES // (N * itemsize)))
        self._K = None

    def _compute(self, i0, i1):
        if self.xp is np:
            return kernel_matrix_numpy(self.Z[i0:i1], self.Z, self.spec, self.c)
        D = distances_xp(self.Z[i0:i1], self.Z, self.spec.metric)
        r = self.xp.arange(i1 - i0, device=D.device)
        D[r, i0 + r] = 0.0  # exact zero self-distance: k(z, z) = 1
        return kernel_from_distances(D, self.spec, self.c)

    def blocks(self):
        N = self.Z.shape[0]
        if self.full:
            if self._K is None:
                self._K = self._compute(0, N)
            yield 0, N, self._K
            return
        for i0 in range(0, N, self.rows):
            i1 = min(N, i0 + self.rows)
            yield i0, i1, self._compute(i0, i1)


def permutation_statistics(Z, m, spec, c, estimator, n_permutations, rng):
    """MMD^2 of the observed split (index 0) and of ``n_permutations`` random splits.

    The b-th permuted split takes ``perm = rng.permutation(N)`` and uses ``Z[perm[:m]]``
    as X. For a batch of splits with indicator matrix E (N x B, column b the indicator
    of "in X") the sums are quadratic forms of the pooled Gram matrix K:
    :math:`S_{xx} = e^\\top K e`, :math:`S_{xy} = e^\\top K (1 - e)`,
    :math:`S_{yy} = (1 - e)^\\top K (1 - e)`, from :math:`T = K [E, 1]` accumulated over
    row blocks of K. Returns a float64 numpy array of length ``n_permutations + 1`` and
    the scale of the observed statistic's terms (for the tie tolerance).
    """
    xp = get_namespace(Z)
    N = Z.shape[0]
    n = N - m
    gram = _GramRows(Z, spec, c)
    itemsize = 8 if xp is np else Z.element_size()
    batch = max(1, min(n_permutations + 1, _INDICATOR_BYTES // (N * itemsize) - 1))

    stats = np.empty(n_permutations + 1)
    scale = 0.0
    done = 0
    while done < n_permutations + 1:
        size = min(batch, n_permutations + 1 - done)
        perms = [np.arange(m) if done + b == 0 else rng.permutation(N)[:m] for b in range(size)]
        E = _indicators(N, m, perms)
        if xp is not np:
            E = xp.as_tensor(E, dtype=Z.dtype, device=Z.device)
        T = xp.zeros(E.shape) if xp is np else xp.zeros_like(E)
        for i0, i1, K in gram.blocks():
            T[i0:i1] = K @ E
        if xp is not np:  # the reductions in float64, on the device
            E, T = E.to(xp.float64), T.to(xp.float64)
        Eb, r = E[:, :size], T[:, size]
        sxx = (Eb * T[:, :size]).sum(0)
        er = Eb.T @ r
        sxy = er - sxx
        syy = r.sum() - 2.0 * er + sxx
        if xp is not np:
            sxx, sxy, syy = (v.cpu().numpy() for v in (sxx, sxy, syy))
        if estimator == "u":
            txx = (sxx - m * _K0) / (m * (m - 1))
            tyy = (syy - n * _K0) / (n * (n - 1))
        else:
            txx, tyy = sxx / (m * m), syy / (n * n)
        txy = 2.0 * sxy / (m * n)
        stats[done : done + size] = txx + tyy - txy
        if done == 0:
            scale = abs(txx[0]) + abs(tyy[0]) + abs(txy[0])
        done += size
    return stats, scale


def mmd_test(
    X,
    Y,
    kernel="gaussian",
    bandwidth="median",
    estimator="u",
    nu=1.5,
    n_permutations=1000,
    random_state=None,
):
    r"""Permutation test of :math:`H_0: P = Q` with the :math:`\mathrm{MMD}^2` statistic.

    Parameters
    ----------
    X : array-like or torch.Tensor of shape (m, d)
        Sample from :math:`P`.
    Y : array-like or torch.Tensor of shape (n, d)
        Sample from :math:`Q`, same namespace (and device) as ``X``.
    kernel : {"gaussian", "laplace", "matern", "inverse_multiquadric"}, default="gaussian"
    bandwidth : "median" or float, default="median"
        ``"median"``: the median heuristic on the pooled sample, computed once (the
        pooled sample, hence the bandwidth, is the same for every permutation).
    estimator : {"u", "v"}, default="u"
    nu : {0.5, 1.5, 2.5}, default=1.5
        Smoothness of the Matérn kernel; ignored by the other kernels.
    n_permutations : int, default=1000
        Number :math:`B \ge 1` of random permutations.
    random_state : None, int, SeedSequence or numpy.random.Generator
        Seeds a numpy Generator, used (only for pooled samples larger than 2000) to
        subsample for the median heuristic, then for the permutations: the b-th is
        ``rng.permutation(m + n)``, its first ``m`` entries index the permuted X. numpy
        and torch inputs therefore see the same permutations.

    Returns
    -------
    MMDTestResult
        ``(statistic, pvalue)``: the observed :math:`\mathrm{MMD}^2` estimate (as
        :func:`mmd` returns it: a float, or a 0-d tensor for torch input) and the
        p-value, a Python float.

    Notes
    -----
    With :math:`T` the observed statistic and :math:`T_1, \dots, T_B` the statistics
    of :math:`B` random permutations of the pooled sample,

    .. math::

        p = \frac{1 + \#\{b : T_b \ge T\}}{1 + B}.

    Under :math:`H_0` the pooled sample is exchangeable, so :math:`T, T_1, \dots, T_B`
    are exchangeable and :math:`P(p \le \alpha) \le \alpha` for every :math:`\alpha`
    and every sample size (exactly :math:`\alpha` when :math:`\alpha (B + 1)` is an
    integer and there are no ties); the test is valid in finite samples, unlike the
    asymptotic null distributions of Gretton et al. (2012, Sec. 5). The smallest
    attainable p-value is :math:`1/(B + 1)`. A permuted statistic within
    :math:`16\,\epsilon` (machine epsilon of the computing dtype) of the observed
    one, relative to the size of its three terms, counts as a tie (``>=``), as in
    :func:`scipy.stats.permutation_test`, so that rounding cannot make a split that
    equals the observed one look smaller.

    All statistics come from quadratic forms of the pooled Gram matrix :math:`K`
    (:math:`N = m + n`): with :math:`e_b \in \{0, 1\}^N` the indicator of the permuted
    X, :math:`\sum_{i,j \in X_b} k = e_b^\top K e_b`,
    :math:`\sum_{i \in X_b, j \in Y_b} k = e_b^\top K (1 - e_b)` and
    :math:`\sum_{i,j \in Y_b} k = (1 - e_b)^\top K (1 - e_b)`, for a batch of
    permutations at once (:math:`T = K [E, 1]`, a matrix product accumulated over row
    blocks of :math:`K`; the whole of :math:`K` is kept only when it needs at most
    256 MB). The cost is :math:`O(N^2 (d + B))`.

    References
    ----------
    .. [1] Gretton, A., Borgwardt, K. M., Rasch, M. J., Schölkopf, B. and Smola, A.
       (2012). A kernel two-sample test. *JMLR* 13:723-773.
    .. [2] Phipson, B. and Smyth, G. K. (2010). Permutation p-values should never be
       zero. *Stat. Appl. Genet. Mol. Biol.* 9(1), Article 39.

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.mmd import mmd_test
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 2))
    >>> Y = rng.standard_normal((50, 2)) + 2.0
    >>> res = mmd_test(X, Y, n_permutations=99, random_state=0)
    >>> res.pvalue  # no permutation reaches the observed statistic: 1 / (1 + 99)
    0.01
    """
    spec = kernel_spec(kernel, nu)
    estimator = check_estimator(estimator)
    n_permutations = check_positive(n_permutations, "n_permutations", integer=True)
    xp, X, Y = check_pair(X, Y)
    m, n = X.shape[0], Y.shape[0]
    check_sizes(m, n, estimator)
    rng = check_random_state(random_state)
    Z = concat(xp, X, Y)
    ell = resolve_bandwidth(bandwidth, Z, spec, rng)
    c = spec.scale(ell)
    if xp is np:
        Z = np.ascontiguousarray(Z, dtype=np.float64)
    else:
        Z = Z.detach()  # the test needs no gradients
    stats, scale = permutation_statistics(Z, m, spec, c, estimator, n_permutations, rng)
    eps = float(np.finfo(np.float64).eps if xp is np else xp.finfo(Z.dtype).eps)
    observed = stats[0]
    count = int(np.sum(stats[1:] >= observed - _TIE_ULPS * eps * scale))
    pvalue = (1.0 + count) / (1.0 + n_permutations)
    if xp is np:
        statistic = float(observed)
    else:
        statistic = xp.as_tensor(observed, dtype=X.dtype, device=X.device)
    return MMDTestResult(statistic, pvalue)
