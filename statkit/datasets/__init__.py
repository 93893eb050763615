"""statkit.datasets: benchmark simulators, tensor-completion instances and small real data.

The likelihood-free-inference models of Bharti et al. (2023), each a
:class:`statkit.mmd.Simulator` (``x = G_theta(u)`` with inputs ``u`` of a known law):

- :func:`g_and_k_simulator`, :func:`g_and_k_quantile` -- the g-and-k distribution
  (mind ``k_parametrization``: ``"exp"``, the default, reads ``theta[3]`` as log k);
- :func:`two_moons_simulator` -- the two-moons model (sbibm);
- :func:`mg1_queue_simulator` -- inter-departure times of the M/G/1 queue;
- :func:`ma2_simulator` -- the MA(2) time series, Gaussian inputs.

FLoST tensor completion (Li, Shang and Chen 2025, arXiv:2505.11261), time on the last axis,
``n_low_freq = K + 1`` low rfft bins (DC included):

- :func:`make_flost` -- a Fourier low-rank + sparse tensor with its mask and noisy
  observations, as a :class:`FLoSTInstance`; :func:`flost_df` -- its degrees of freedom;
- :func:`bernoulli_mask`, :func:`tube_block_mask` (whole tubes missing),
  :func:`time_gap_mask` (whole frames missing in contiguous gaps);
- :func:`load_elnino` -- monthly Nino 1+2 SST 1950-2010 from a file statsmodels ships
  (one regional average folded into region x month x year: no real spatial modes);
- :func:`make_tt_recovery` -- a low-TT-rank tensor, a Gaussian sensing operator and
  outlier-corrupted measurements, as a :class:`TTRecoveryInstance`;
- :func:`make_spiked_clients` -- clients drawing from one spiked covariance model,
  N(0, U Lambda U^T + sigma^2 I), as :class:`SpikedClients`;
- :func:`make_low_rank_arms` -- the low-rank arm tables of the matrix-completion bandit
  (Duan, Li and Xia 2024).
"""

from ._lfi import (
    g_and_k_quantile,
    g_and_k_simulator,
    ma2_simulator,
    mg1_queue_simulator,
    two_moons_simulator,
)
from ._mcb import make_low_rank_arms
from ._robust_tt import TTRecoveryInstance, make_tt_recovery
from ._spiked import SpikedClients, make_spiked_clients
from ._tensor import (
    FLoSTInstance,
    bernoulli_mask,
    flost_df,
    load_elnino,
    make_flost,
    time_gap_mask,
    tube_block_mask,
)

__all__ = [
    "FLoSTInstance",
    "SpikedClients",
    "TTRecoveryInstance",
    "bernoulli_mask",
    "flost_df",
    "g_and_k_quantile",
    "g_and_k_simulator",
    "load_elnino",
    "ma2_simulator",
    "make_flost",
    "make_low_rank_arms",
    "make_spiked_clients",
    "make_tt_recovery",
    "mg1_queue_simulator",
    "time_gap_mask",
    "tube_block_mask",
    "two_moons_simulator",
]
