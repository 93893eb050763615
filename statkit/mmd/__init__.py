"""statkit.mmd: kernels, estimators of the squared maximum mean discrepancy and its
permutation test.

- :func:`mmd` -- U- or V-statistic estimate of :math:`\\mathrm{MMD}^2(P, Q)`, with a
  fused, blocked numba reduction for numpy input (no Gram matrix) and a row-blocked
  torch path for tensors (any device);
- :func:`mmd_test` -- permutation test of :math:`P = Q`, returning
  :class:`MMDTestResult` ``(statistic, pvalue)``;
- :func:`kernel_matrix`, :data:`KERNELS`, :func:`median_bandwidth` -- the kernels and
  the median heuristic;
- :func:`gaussian_mmd2` -- the population value between two Gaussians (closed form).

numba kernels compile on first use (and are cached on disk); ``import statkit.mmd``
compiles nothing.
"""

from ._bandwidth import median_bandwidth
from ._estimators import mmd
from ._kernels import KERNELS, kernel_matrix
from ._population import gaussian_mmd2
from ._test import MMDTestResult, mmd_test

__all__ = [
    "KERNELS",
    "MMDTestResult",
    "gaussian_mmd2",
    "kernel_matrix",
    "median_bandwidth",
    "mmd",
    "mmd_test",
]
