"""statkit.datasets: benchmark simulators for likelihood-free inference.

The models of Bharti et al. (2023), each a :class:`statkit.mmd.Simulator`
(``x = G_theta(u)`` with inputs ``u`` of a known law):

- :func:`g_and_k_simulator`, :func:`g_and_k_quantile` -- the g-and-k distribution
  (mind ``k_parametrization``: ``"exp"``, the default, reads ``theta[3]`` as log k);
- :func:`two_moons_simulator` -- the two-moons model (sbibm);
- :func:`mg1_queue_simulator` -- inter-departure times of the M/G/1 queue;
- :func:`ma2_simulator` -- the MA(2) time series, Gaussian inputs.
"""

from ._lfi import (
    g_and_k_quantile,
    g_and_k_simulator,
    ma2_simulator,
    mg1_queue_simulator,
    two_moons_simulator,
)

__all__ = [
    "g_and_k_quantile",
    "g_and_k_simulator",
    "ma2_simulator",
    "mg1_queue_simulator",
    "two_moons_simulator",
]
