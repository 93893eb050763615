"""U- and V-statistic estimators of the squared maximum mean discrepancy."""

import numbers

import numpy as np

from statkit._backend import get_namespace
from statkit.utils import check_random_state

from ._bandwidth import pooled_median_bandwidth
from ._kernels import (
    check_bandwidth,
    check_pair,
    distances_xp,
    kernel_from_distances,
    kernel_spec,
)

__all__ = ["mmd"]

_ESTIMATORS = ("u", "v")
# torch path: at most this many kernel values (a block of rows x all columns) at once
_TORCH_BLOCK_ELEMENTS = 2**24
# every kernel of statkit.mmd has k(x, x) = 1
_K0 = 1.0


def check_estimator(estimator):
    """``"u"`` or ``"v"`` (case-insensitive)."""
    if isinstance(estimator, str) and estimator.lower() in _ESTIMATORS:
        return estimator.lower()
    raise ValueError(f"estimator must be 'u' (unbiased) or 'v' (biased), got {estimator!r}")


def check_block_size(block_size):
    """``None`` or an integer >= 1."""
    if block_size is None:
        return None
    if isinstance(block_size, bool) or not isinstance(block_size, numbers.Integral):
        raise TypeError(f"block_size must be None or an integer >= 1, got {block_size!r}")
    if block_size < 1:
        raise ValueError(f"block_size must be None or an integer >= 1, got {block_size}")
    return int(block_size)


def check_sizes(m, n, estimator):
    """The U-statistic needs two points per sample."""
    if estimator == "u" and min(m, n) < 2:
        which = "X" if m < 2 else "Y"
        raise ValueError(
            f"estimator='u' needs at least 2 points in each sample (it averages over pairs "
            f"i != j), but {which} has {min(m, n)}; use estimator='v' or more data"
        )


def resolve_bandwidth(bandwidth, Z, spec, rng, max_samples=2000):
    """A float bandwidth from ``"median"`` (pooled sample ``Z``) or a number."""
    if isinstance(bandwidth, str):
        if bandwidth.lower() == "median":
            return pooled_median_bandwidth(Z, spec, max_samples, rng)
        raise ValueError(f"bandwidth must be 'median' or a float > 0, got {bandwidth!r}")
    return check_bandwidth(bandwidth)


def concat(xp, X, Y):
    return np.concatenate([X, Y]) if xp is np else xp.cat([X, Y])


def combine(sxx, syy, sxy, m, n, estimator):
    """MMD^2 from the off-diagonal within-sample sums and the cross sum.

    ``sxx = sum_{i != j} k(x_i, x_j)``, ``syy`` likewise, ``sxy = sum_{i, j} k(x_i, y_j)``.
    Works on Python floats and on 0-d tensors alike.
    """
    if estimator == "u":
        return sxx / (m * (m - 1)) + syy / (n * (n - 1)) - 2.0 * sxy / (m * n)
    return (sxx + m * _K0) / (m * m) + (syy + n * _K0) / (n * n) - 2.0 * sxy / (m * n)


def mmd_sums_numpy(X, Y, spec, c, block=None):
    """``(sxx, syy, sxy, dxx, dyy)``: off-diagonal within sums, cross sum, diagonal sums.

    Computed in float64 by the fused numba reduction; no Gram matrix is formed.
    """
    from . import _numba

    block = _numba.DEFAULT_BLOCK if block is None else block
    X = np.ascontiguousarray(X, dtype=np.float64)
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    Xt, Yt = np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T)
    code, metric = spec.code, spec.metric_code
    with _numba.LOCK:
        sxx = 2.0 * _numba.pair_sum(X, Xt, True, code, metric, c, block)
        syy = 2.0 * _numba.pair_sum(Y, Yt, True, code, metric, c, block)
        sxy = _numba.pair_sum(X, Yt, False, code, metric, c, block)
    return sxx, syy, sxy, X.shape[0] * _K0, Y.shape[0] * _K0


def mmd_sums_torch(X, Y, spec, c, block=None):
    """``(sxx, syy, sxy)`` as float64 0-d tensors on the input's device, by row blocks.

    Rows of X are processed against the pooled sample (``block x (m + n)`` kernel values
    at a time), rows of Y against Y. Each block's diagonal is subtracted, so the within
    sums are over ``i != j`` (as the U-statistic needs).
    """
    torch = get_namespace(X)
    m, n = X.shape[0], Y.shape[0]
    Z = torch.cat([X, Y])
    if block is None:
        block = max(1, _TORCH_BLOCK_ELEMENTS // (m + n))
    f64 = torch.float64
    sxx = torch.zeros((), dtype=f64, device=X.device)
    sxy = torch.zeros((), dtype=f64, device=X.device)
    syy = torch.zeros((), dtype=f64, device=X.device)
    for i0 in range(0, m, block):
        i1 = min(m, i0 + block)
        K = kernel_from_distances(distances_xp(X[i0:i1], Z, spec.metric), spec, c)
        r = torch.arange(i1 - i0, device=X.device)
        sxx = sxx + K[:, :m].sum(dtype=f64) - K[r, i0 + r].sum(dtype=f64)
        sxy = sxy + K[:, m:].sum(dtype=f64)
    for i0 in range(0, n, block):
        i1 = min(n, i0 + block)
        K = kernel_from_distances(distances_xp(Y[i0:i1], Y, spec.metric), spec, c)
        r = torch.arange(i1 - i0, device=Y.device)
        syy = syy + K.sum(dtype=f64) - K[r, i0 + r].sum(dtype=f64)
    return sxx, syy, sxy


def mmd(
    X,
    Y,
    kernel="gaussian",
    bandwidth="median",
    estimator="u",
    nu=1.5,
    block_size=None,
    random_state=None,
):
    r"""Squared maximum mean discrepancy :math:`\mathrm{MMD}^2` between two samples.

    Computed without forming the Gram matrices: numpy input runs a blocked, parallel
    numba reduction (float64); torch input runs a vectorised torch loop over row blocks
    on the tensor's device and dtype.

    Parameters
    ----------
    X : array-like or torch.Tensor of shape (m, d)
        Sample from :math:`P`. A 1-D input is read as ``m`` points in dimension 1.
    Y : array-like or torch.Tensor of shape (n, d)
        Sample from :math:`Q`, same namespace (and device) as ``X``.
    kernel : {"gaussian", "laplace", "matern", "inverse_multiquadric"}, default="gaussian"
        See :func:`kernel_matrix` for the formulas.
    bandwidth : "median" or float, default="median"
        The length scale :math:`\ell > 0`, or ``"median"`` for the median heuristic on
        the pooled sample (:func:`median_bandwidth`).
    estimator : {"u", "v"}, default="u"
        ``"u"``: the unbiased U-statistic; ``"v"``: the biased V-statistic.
    nu : {0.5, 1.5, 2.5}, default=1.5
        Smoothness of the Matérn kernel; ignored by the other kernels.
    block_size : int, optional
        Rows per block: per parallel work item of the numba kernel (default 64), or
        per torch block (default: about :math:`2^{24}/(m + n)`, so that at most
        ``block_size * (m + n)`` kernel values exist at once).
    random_state : None, int, SeedSequence or numpy.random.Generator
        Only used by the median heuristic to subsample pooled samples larger than 2000.

    Returns
    -------
    mmd2 : float or torch.Tensor
        A Python float for numpy input; a 0-d tensor on the input's device and dtype for
        torch input. The U-statistic can be negative.

    Raises
    ------
    ValueError
        On NaN/inf, empty samples, mismatched numbers of features, a bandwidth
        :math:`\le 0` or NaN, an unknown kernel or estimator, or the U-statistic with
        fewer than 2 points in a sample.
    TypeError
        On non-numeric input, or numpy mixed with torch.

    See Also
    --------
    mmd_test : permutation test of :math:`P = Q` based on this statistic.
    gaussian_mmd2 : the population value between two Gaussians.

    Notes
    -----
    The population quantity is (Gretton et al. 2012, Lemma 6)

    .. math::

        \mathrm{MMD}^2(P, Q) = \mathbb E\,k(X, X') + \mathbb E\,k(Y, Y')
            - 2\,\mathbb E\,k(X, Y),

    with :math:`X, X' \sim P` and :math:`Y, Y' \sim Q` independent. The estimators are
    the unbiased :math:`\mathrm{MMD}^2_u` of the paper's Lemma 6 (eq. (3)) and the
    square of its biased :math:`\mathrm{MMD}_b` (eq. (5))

    .. math::

        \mathrm{MMD}^2_u &= \frac{1}{m(m-1)} \sum_{i \ne j} k(x_i, x_j)
            + \frac{1}{n(n-1)} \sum_{i \ne j} k(y_i, y_j)
            - \frac{2}{mn} \sum_{i=1}^m \sum_{j=1}^n k(x_i, y_j), \\
        \mathrm{MMD}^2_b &= \frac{1}{m^2} \sum_{i, j} k(x_i, x_j)
            + \frac{1}{n^2} \sum_{i, j} k(y_i, y_j)
            - \frac{2}{mn} \sum_{i, j} k(x_i, y_j).

    :math:`\mathrm{MMD}^2_u` is unbiased; :math:`\mathrm{MMD}^2_b \ge 0` exceeds it in
    expectation by :math:`(1 - \mathbb E\,k(X, X'))/m + (1 - \mathbb E\,k(Y, Y'))/n`.
    Both converge at rate :math:`O_P(m^{-1/2})` when :math:`P \ne Q` (:math:`m = n`).

    **Relation to hyppo.** ``hyppo.ksample.MMD().statistic(x, y)`` is not
    :math:`\mathrm{MMD}^2`: it is the unbiased distance correlation between the
    kernel-induced distance :math:`1 - K` of the pooled sample and the label distance,
    scaled by :math:`2 m^2 n^2 / N^4`. With :math:`N = m + n`, the U-centred
    inner products :math:`(\tilde A \cdot \tilde B)` of Székely and Rizzo (2014) of
    :math:`A = 1 - K` and the label distance :math:`B`, and hyppo's own bandwidth,

    .. math::

        \mathrm{stat}_{\mathrm{hyppo}} = \frac{2 m^2 n^2}{N^4}
        \frac{(\tilde A \cdot \tilde B)}{\sqrt{(\tilde A \cdot \tilde A)
        (\tilde B \cdot \tilde B)}}, \qquad
        (\tilde A \cdot \tilde B) = \frac{2 m (m-1) n (n-1)}{(N-1)(N-2)}
        \,\mathrm{MMD}^2_u ,

    so it is proportional to :math:`\mathrm{MMD}^2_u` with a data-dependent factor
    (through :math:`(\tilde A \cdot \tilde A)`). hyppo's median heuristic sets
    :math:`\gamma = 1/(2\,(\mathrm{median}\,r)^2)`, a bandwidth :math:`\sqrt 2` times
    statkit's (see :func:`median_bandwidth`).

    References
    ----------
    .. [1] Gretton, A., Borgwardt, K. M., Rasch, M. J., Schölkopf, B. and Smola, A.
       (2012). A kernel two-sample test. *JMLR* 13:723-773.
    .. [2] Székely, G. J. and Rizzo, M. L. (2014). Partial distance correlation with
       methods for dissimilarities. *Ann. Statist.* 42(6):2382-2412.

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.mmd import mmd
    >>> X = np.array([[0.0], [1.0]])
    >>> Y = np.array([[0.0], [2.0]])
    >>> k = lambda r: np.exp(-(r**2) / 2)  # Gaussian kernel, bandwidth 1
    >>> u = mmd(X, Y, bandwidth=1.0)
    >>> bool(np.isclose(u, k(1) + k(2) - 2 * (k(0) + k(2) + k(1) + k(1)) / 4))
    True
    >>> v = mmd(X, Y, bandwidth=1.0, estimator="v")
    >>> kxx, kyy, kxy = 2 + 2 * k(1), 2 + 2 * k(2), k(0) + k(2) + 2 * k(1)
    >>> bool(np.isclose(v, kxx / 4 + kyy / 4 - 2 * kxy / 4))
    True
    """
    spec = kernel_spec(kernel, nu)
    estimator = check_estimator(estimator)
    block = check_block_size(block_size)
    xp, X, Y = check_pair(X, Y)
    m, n = X.shape[0], Y.shape[0]
    check_sizes(m, n, estimator)
    rng = check_random_state(random_state)
    ell = resolve_bandwidth(bandwidth, concat(xp, X, Y), spec, rng)
    c = spec.scale(ell)
    if xp is np:
        sxx, syy, sxy, _, _ = mmd_sums_numpy(X, Y, spec, c, block)
        return float(combine(sxx, syy, sxy, m, n, estimator))
    sxx, syy, sxy = mmd_sums_torch(X, Y, spec, c, block)
    return combine(sxx, syy, sxy, m, n, estimator).to(X.dtype)
