"""The median heuristic for the kernel bandwidth."""

import math
import warnings

import numpy as np

from statkit._backend import get_namespace
from statkit.utils import check_positive, check_random_state

from ._kernels import check_pair, kernel_spec

__all__ = ["median_bandwidth"]


def _median(d):
    """numpy's median (mean of the two middle values for an even count), on numpy or torch."""
    xp = get_namespace(d)
    if xp is np:
        return float(np.median(d))
    n = d.shape[0]
    s = xp.sort(d).values
    if n % 2:
        return float(s[n // 2])
    return float((s[n // 2 - 1] + s[n // 2]) / 2)


def _condensed_distances(Z, metric):
    """Distances ``d(z_i, z_j)`` for ``i < j``: metric "sqeuclidean", "euclidean" or "l1"."""
    xp = get_namespace(Z)
    if xp is np:
        from scipy.spatial.distance import pdist

        name = {"sqeuclidean": "sqeuclidean", "euclidean": "euclidean", "l1": "cityblock"}
        return pdist(np.asarray(Z, dtype=np.float64), name[metric])
    F = xp.nn.functional
    if metric == "l1":
        return F.pdist(Z, p=1)
    r = F.pdist(Z, p=2)
    return r * r if metric == "sqeuclidean" else r


def pooled_median_bandwidth(Z, spec, max_samples, rng):
    """Median heuristic on the validated pooled sample ``Z`` (see :func:`median_bandwidth`)."""
    xp = get_namespace(Z)
    N = Z.shape[0]
    if N < 2:
        raise ValueError("the median heuristic needs at least 2 points in the pooled sample")
    if N > max_samples:
        idx = np.sort(rng.choice(N, size=max_samples, replace=False))
        Z = Z[idx] if xp is np else Z[xp.as_tensor(idx, device=Z.device)]
    if spec.name == "gaussian":
        metric = "sqeuclidean"
    elif spec.name == "laplace":
        metric = "l1"
    else:
        metric = "euclidean"
    d = _condensed_distances(Z, metric)
    med = _median(d)
    if med == 0.0:
        positive = d[d > 0]
        if positive.shape[0] == 0:
            raise ValueError(
                "all pairwise distances of the pooled sample are 0 (the points coincide, or "
                "their differences underflow), so the median heuristic has no scale to use; "
                "pass an explicit bandwidth=... (a float > 0)"
            )
        warnings.warn(
            "median heuristic: at least half of the pairwise distances are 0 (tied points); "
            "using the median of the positive distances instead (a zero bandwidth would "
            "divide by zero, cf. hyppo issue #92)",
            RuntimeWarning,
            stacklevel=3,
        )
        med = _median(positive)
    if spec.name == "gaussian":
        return math.sqrt(med / 2.0)
    return med


def median_bandwidth(X, Y=None, kernel="gaussian", max_samples=2000, random_state=None):
    r"""Median-heuristic bandwidth on the pooled sample.

    Parameters
    ----------
    X : array-like or torch.Tensor of shape (m, d)
    Y : array-like or torch.Tensor of shape (n, d), optional
        When given, the heuristic runs on the pooled sample :math:`Z = (X, Y)`.
    kernel : {"gaussian", "laplace", "matern", "inverse_multiquadric"}, default="gaussian"
        Decides which distance the median is taken of (see Notes).
    max_samples : int, default=2000
        When the pooled sample is larger, the median is computed on ``max_samples``
        points drawn without replacement (the distances then cost
        ``max_samples**2 / 2`` instead of :math:`N^2/2`).
    random_state : None, int, SeedSequence or numpy.random.Generator
        Seeds that subsample (numpy and torch inputs draw the same points). Unused when
        the pooled sample has at most ``max_samples`` points.

    Returns
    -------
    bandwidth : float
        The length scale :math:`\ell > 0` (a Python float on every backend).

    Raises
    ------
    ValueError
        If all pairwise distances are 0 (all points coincide), so that no scale can be
        inferred: pass a bandwidth.

    Warns
    -----
    RuntimeWarning
        If at least half of the distances are 0 (many tied points): the median of the
        positive distances is used instead of 0.

    Notes
    -----
    Over the pairs :math:`i < j` of the pooled sample :math:`z_1, \dots, z_N`:

    - Gaussian kernel :math:`e^{-r^2/(2\ell^2)}`:
      :math:`\ell = \sqrt{\operatorname{median}_{i<j} \|z_i - z_j\|_2^2 / 2}`, so that
      :math:`2\ell^2` is the median squared distance and the kernel is
      :math:`\exp(-r^2 / \operatorname{median} r^2)`;
    - Laplace kernel: :math:`\ell = \operatorname{median}_{i<j} \|z_i - z_j\|_1`;
    - Matérn and inverse multiquadric kernels:
      :math:`\ell = \operatorname{median}_{i<j} \|z_i - z_j\|_2`.

    The median of an even number of values is the mean of the two middle ones (numpy's
    convention, used on torch too). Gretton et al. (2012, Sec. 8) set the kernel size to
    the median distance between points of the aggregate sample; implementations differ
    on whether that size is :math:`\ell` or :math:`\sqrt 2\,\ell`. hyppo's ``MMD``
    uses :math:`\gamma = 1/(2\,(\operatorname{median} r)^2)`, i.e. :math:`\ell` equal to
    the median distance, :math:`\sqrt 2` times the value here (when the number of pairs
    is odd), and becomes NaN when the median is 0 (hyppo issue #92), which this
    function avoids.

    References
    ----------
    .. [1] Gretton, A., Borgwardt, K. M., Rasch, M. J., Schölkopf, B. and Smola, A.
       (2012). A kernel two-sample test. *JMLR* 13:723-773.

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.mmd import median_bandwidth
    >>> X = np.array([[0.0], [1.0], [3.0]])
    >>> median_bandwidth(X)  # squared distances 1, 4, 9: sqrt(4 / 2)
    1.4142135623730951
    >>> median_bandwidth(X, kernel="laplace")
    2.0
    """
    spec = kernel_spec(kernel)
    max_samples = check_positive(max_samples, "max_samples", integer=True)
    if max_samples < 2:
        raise ValueError(f"max_samples must be >= 2, got {max_samples}")
    xp, X, Y = check_pair(X, Y)
    Z = X if Y is None else (np.concatenate([X, Y]) if xp is np else xp.cat([X, Y]))
    rng = check_random_state(random_state)
    return pooled_median_bandwidth(Z, spec, max_samples, rng)
