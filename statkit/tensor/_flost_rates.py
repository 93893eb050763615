r"""Rate checks for FLoST completion (Li, Shang, Chen 2025).

Claim checked (statkit's method note, §4.1; reconstructed, the paper's theorem was not
available): with Bernoulli(:math:`p`) sampling and Gaussian noise :math:`\sigma`, the
FLoST least-squares estimator with the true :math:`(K, r, s)` has

.. math::

    \frac{\|\hat X - X^*\|_F^2}{n_1 n_2 T} \asymp \frac{\sigma^2\, \mathrm{df}}{N},
    \qquad \mathrm{df} = (2K + 1) r (n_1 + n_2 - r) + 2s, \quad N = p\, n_1 n_2 T,

up to logarithmic factors on the sparse term. Hence log-log slopes of :math:`-1` in
:math:`p` (``flost-sampling-rate``) and of :math:`-1` in :math:`T` at fixed :math:`p`
(``flost-time-length``; a tubal-rank model, whose df grows like :math:`T`, would give 0).

Instance (the note's pilot, §9): 40 x 40 x T, :math:`K = 3` (``n_low_freq = 4``),
:math:`r = 2`, :math:`\sigma = 0.1`; ``flost-sampling-rate`` has :math:`T = 256` and
:math:`s = 40` spikes of amplitude :math:`0.3\sqrt T`; ``flost-time-length`` has
:math:`p = 0.3` and :math:`s = 0`. Each replicate draws a new tensor, mask and noise with
:func:`statkit.datasets.make_flost`.
"""

import numpy as np

from statkit.simulation import RateCheck

from ._flost import FLoSTCompletion

N1 = N2 = 40
K, RANK, SIGMA, AMP = 3, 2, 0.1, 0.3
_REFERENCE = (
    "Li, Shang, Chen (2025). Fourier low-rank and sparse tensor for efficient tensor "
    "completion. arXiv:2505.11261 (rate reconstructed: statkit method note, section 4.1)"
)


def _mse(p, T, s, rng):
    from statkit.datasets import make_flost

    inst = make_flost(
        N1,
        N2,
        T,
        rank=RANK,
        n_low_freq=K + 1,
        sparsity=s,
        amp_sparse=AMP,
        noise=SIGMA,
        sampling_rate=p,
        random_state=rng,
    )
    est = FLoSTCompletion(rank=RANK, n_low_freq=K + 1, sparsity=s).fit(inst.observed)
    return float(np.mean((est.completed_ - inst.truth) ** 2))


def _vary_p(p, rng):
    return _mse(float(p), 256, 40, rng)


def _vary_T(T, rng):
    return _mse(0.3, int(T), 0, rng)


FLOST_SAMPLING_RATE = RateCheck(
    "flost-sampling-rate",
    _vary_p,
    grid=[0.15, 0.2, 0.3, 0.45, 0.6, 0.8],
    quick_grid=[0.2, 0.3, 0.45, 0.6],
    predicted_exponent=-1.0,
    quantity="MSE of FLoST-IHT (true K, r, s)",
    variable="p",
    n_reps=10,
    quick_reps=3,
    aggregate="mean",
    claim="MSE ~ sigma^2 df / (p n1 n2 T): slope -1 in the sampling rate p",
    reference=_REFERENCE,
    description=(
        "FLoST-IHT on 40 x 40 x 256 FLoST tensors (n_low_freq = 4, rank 2, 40 spikes of "
        "amplitude 0.3 sqrt(T)), Bernoulli(p) mask, noise sd 0.1."
    ),
)

FLOST_TIME_LENGTH = RateCheck(
    "flost-time-length",
    _vary_T,
    grid=[64, 128, 256, 512],
    quick_grid=[64, 128, 256],
    predicted_exponent=-1.0,
    quantity="MSE of FLoST-IHT (true K, r)",
    variable="T",
    n_reps=10,
    quick_reps=3,
    aggregate="mean",
    claim="MSE ~ sigma^2 df / (p n1 n2 T) with df free of T: slope -1 in T at fixed p",
    reference=_REFERENCE,
    description=(
        "FLoST-IHT on 40 x 40 x T FLoST tensors (n_low_freq = 4, rank 2, no spikes), "
        "p = 0.3, noise sd 0.1."
    ),
)

__all__ = ["FLOST_SAMPLING_RATE", "FLOST_TIME_LENGTH"]
