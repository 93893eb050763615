"""statkit.mmd: kernels, estimators of the squared maximum mean discrepancy, its
permutation test, and minimum-MMD estimation for simulators.

- :func:`mmd` -- U- or V-statistic estimate of :math:`\\mathrm{MMD}^2(P, Q)`, with a
  fused, blocked numba reduction for numpy input (no Gram matrix) and a row-blocked
  torch path for tensors (any device);
- :func:`mmd_test` -- permutation test of :math:`P = Q`, returning
  :class:`MMDTestResult` ``(statistic, pvalue)``;
- :func:`kernel_matrix`, :data:`KERNELS`, :func:`median_bandwidth` -- the kernels and
  the median heuristic;
- :func:`gaussian_mmd2` -- the population value between two Gaussians (closed form);
- :class:`OptimallyWeightedMMD`, :func:`bq_weights`, :func:`weighted_mmd`,
  :func:`kernel_mean`, :func:`input_gram` -- the optimally-weighted estimator of
  Bharti et al. (2023) for simulators with known input laws;
- :class:`Simulator`, :class:`SeededSimulator`, :class:`MinimumMMDEstimator` --
  simulators and minimum-MMD parameter estimation with common random numbers.

numba kernels compile on first use (and are cached on disk); ``import statkit.mmd``
compiles nothing.
"""

from ._bandwidth import median_bandwidth
from ._estimators import mmd
from ._kernel_means import INPUT_KERNELS, input_gram, kernel_mean
from ._kernels import KERNELS, kernel_matrix
from ._minimum_mmd import MinimumMMDEstimator
from ._population import gaussian_mmd2
from ._simulator import INPUT_MEASURES, NonFiniteSimulationError, SeededSimulator, Simulator
from ._test import MMDTestResult, mmd_test
from ._weighted import OptimallyWeightedMMD, weighted_mmd
from ._weights import bq_weights

__all__ = [
    "INPUT_KERNELS",
    "INPUT_MEASURES",
    "KERNELS",
    "MMDTestResult",
    "MinimumMMDEstimator",
    "NonFiniteSimulationError",
    "OptimallyWeightedMMD",
    "SeededSimulator",
    "Simulator",
    "bq_weights",
    "gaussian_mmd2",
    "input_gram",
    "kernel_matrix",
    "kernel_mean",
    "median_bandwidth",
    "mmd",
    "mmd_test",
    "weighted_mmd",
]
