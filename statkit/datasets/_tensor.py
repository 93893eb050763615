r"""Synthetic and real spatiotemporal tensors for FLoST tensor completion.

FLoST (Li, Shang and Chen 2025) models a real :math:`n_1 \times n_2 \times T` tensor
:math:`X` (time on the last axis) through its unitary DFT along time,

.. math::

   \hat X_k = T^{-1/2} \sum_{t=0}^{T-1} X_{::t}\, e^{-2\pi i k t / T},
   \qquad k = 0, \dots, T - 1,

(``numpy.fft.rfft(X, axis=-1, norm="ortho")`` keeps the free bins
:math:`k = 0, \dots, \lfloor T/2 \rfloor`; :math:`\hat X_{T-k} = \overline{\hat X_k}`).
The low-frequency slices :math:`\hat X_k`, :math:`k = 0, \dots, K`, are rank-:math:`r`
complex matrices and the high-frequency bins :math:`K < k \le T/2` are entrywise sparse.

**Convention for** ``n_low_freq`` (used everywhere in statkit): ``n_low_freq = K + 1`` is
the number of non-negative low rfft bins :math:`k = 0, 1, \dots, K`, *the DC bin included*,
with :math:`1 \le` ``n_low_freq`` :math:`\le \lceil T/2 \rceil` (i.e. :math:`K < T/2`). The
two-sided low band has :math:`2K + 1` bins. Example: :math:`T = 1000`,
``n_low_freq = 11`` means :math:`K = 10`, 21 two-sided bins and 11 SVDs per iteration.
``sparsity`` :math:`s` counts complex coefficients in the rfft half of the high band (bins
``n_low_freq`` ... :math:`\lfloor T/2 \rfloor`), each with an implied conjugate partner, so

.. math::

   \mathrm{df} = (2K + 1)\, r\, (n_1 + n_2 - r) + 2 s

real degrees of freedom.

This module provides :func:`make_flost` (an instance of the model with its mask and noisy
observations), the mask generators :func:`bernoulli_mask`, :func:`tube_block_mask` and
:func:`time_gap_mask`, the degrees-of-freedom helper :func:`flost_df`, and
:func:`load_elnino`, a small real dataset read from a file that statsmodels ships.

References
----------
.. [1] J. Li, J. Shang and Y. Chen, "Fourier Low-rank and Sparse Tensor for Efficient
   Tensor Completion", arXiv:2505.11261, 2025.
"""

import csv
import importlib.metadata
import importlib.util
import math
import numbers
import os
from dataclasses import dataclass, field

import numpy as np
import scipy.fft

from statkit.utils import check_random_state

__all__ = [
    "FLoSTInstance",
    "bernoulli_mask",
    "flost_df",
    "load_elnino",
    "make_flost",
    "time_gap_mask",
    "tube_block_mask",
]


# --------------------------------------------------------------------------- validation


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_real(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    return float(value)


def _check_rate(value, name):
    """A probability in (0, 1]."""
    value = _check_real(value, name)
    if not 0.0 < value <= 1.0:
        raise ValueError(f"{name} must lie in (0, 1], got {value!r}")
    return value


def _check_shape3(shape):
    try:
        shape = tuple(shape)
    except TypeError:
        raise ValueError(f"shape must be a tuple (n1, n2, T), got {shape!r}") from None
    if len(shape) != 3:
        raise ValueError(f"shape must have 3 entries (n1, n2, T), got {shape!r}")
    return tuple(_check_int(v, f"shape[{i}]", 1) for i, v in enumerate(shape))


def _check_n_low_freq(n_low_freq, T):
    upper = (T + 1) // 2  # ceil(T / 2)
    if (
        isinstance(n_low_freq, bool)
        or not isinstance(n_low_freq, numbers.Integral)
        or not 1 <= n_low_freq <= upper
    ):
        raise ValueError(
            f"n_low_freq must be an integer in [1, ceil(T/2)] = [1, {upper}] for T = {T} "
            "(n_low_freq = K + 1 counts the low rfft bins k = 0..K, DC included, and "
            f"needs K < T/2), got {n_low_freq!r}"
        )
    return int(n_low_freq)


def _n_high_bins(T, n_low_freq):
    """Number of rfft bins that can hold a spike: n_low_freq <= k <= (T - 1) // 2."""
    return max((T - 1) // 2 - n_low_freq + 1, 0)


# --------------------------------------------------------------------------- masks


def bernoulli_mask(shape, p, random_state=None):
    r"""I.i.d. Bernoulli sampling mask: each entry is observed with probability ``p``.

    .. math:: \Omega_{ijt} \overset{\text{iid}}{\sim} \mathrm{Bernoulli}(p).

    Parameters
    ----------
    shape : tuple of int
        Shape of the mask, e.g. ``(n1, n2, T)``; every entry must be >= 1.
    p : float in (0, 1]
        Probability that an entry is observed.
    random_state : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Seed or generator (see :func:`statkit.utils.check_random_state`).

    Returns
    -------
    mask : ndarray of bool
        ``True`` where the entry is observed.

    Examples
    --------
    >>> from statkit.datasets import bernoulli_mask
    >>> m = bernoulli_mask((20, 20, 50), 0.3, random_state=0)
    >>> m.shape, m.dtype
    ((20, 20, 50), dtype('bool'))
    >>> bool(abs(m.mean() - 0.3) < 0.02)
    True
    """
    try:
        shape = tuple(shape)
    except TypeError:
        raise ValueError(f"shape must be a tuple of positive integers, got {shape!r}") from None
    if len(shape) == 0:
        raise ValueError("shape must have at least one entry")
    shape = tuple(_check_int(v, f"shape[{i}]", 1) for i, v in enumerate(shape))
    p = _check_rate(p, "p")
    rng = check_random_state(random_state)
    return rng.random(shape) < p


def tube_block_mask(shape, frac_tubes_missing, p=1.0, random_state=None):
    r"""Mask with whole tubes :math:`(i, j, :)` missing, the rest Bernoulli(``p``).

    Mimics the ocean gaps of total-electron-content (TEC) maps: some spatial locations are
    never observed. ``round(frac_tubes_missing * n1 * n2)`` tubes, chosen uniformly at
    random without replacement (scattered, not one contiguous region), are entirely
    missing; every entry of the other tubes is observed independently with probability
    ``p``. With ``p = 1`` the other tubes are fully observed.

    The high-frequency (sparse) content of an unobserved tube is not identifiable: a
    completer can only return the low-band fill there (see the FLoST method note, §4.2).

    Parameters
    ----------
    shape : tuple of int
        ``(n1, n2, T)``, time last.
    frac_tubes_missing : float in [0, 1)
        Fraction of the :math:`n_1 n_2` tubes that are missing entirely.
    p : float in (0, 1], default 1.0
        Sampling probability inside the remaining tubes.
    random_state : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Seed or generator.

    Returns
    -------
    mask : ndarray of bool, shape (n1, n2, T)
        ``True`` where the entry is observed. With ``p = 1`` exactly
        ``round(frac_tubes_missing * n1 * n2)`` tubes are all ``False``; with ``p < 1``
        another tube is all ``False`` only by chance (probability :math:`(1-p)^T` each).

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.datasets import tube_block_mask
    >>> m = tube_block_mask((10, 10, 30), 0.25, random_state=0)
    >>> int((~m.any(axis=-1)).sum())
    25
    >>> bool(m[m.any(axis=-1)].all())
    True
    """
    n1, n2, T = _check_shape3(shape)
    frac = _check_real(frac_tubes_missing, "frac_tubes_missing")
    if not 0.0 <= frac < 1.0:
        raise ValueError(f"frac_tubes_missing must lie in [0, 1), got {frac_tubes_missing!r}")
    p = _check_rate(p, "p")
    rng = check_random_state(random_state)
    n_tubes = n1 * n2
    n_missing = round(frac * n_tubes)
    mask = rng.random((n1, n2, T)) < p if p < 1.0 else np.ones((n1, n2, T), dtype=bool)
    missing = rng.choice(n_tubes, size=n_missing, replace=False)
    mask.reshape(n_tubes, T)[missing] = False
    return mask


def time_gap_mask(shape, n_gaps, gap_length, p=1.0, random_state=None):
    r"""Mask with whole frames :math:`X_{::t}` missing in a few contiguous gaps.

    ``n_gaps`` gaps of ``gap_length`` consecutive time points each are placed uniformly at
    random among all placements in which the gaps are separated by at least one frame
    outside any gap (so they never merge into a longer gap). Every frame in a gap is
    entirely missing; every other entry is observed independently with probability ``p``.

    Parameters
    ----------
    shape : tuple of int
        ``(n1, n2, T)``, time last.
    n_gaps : int >= 0
        Number of gaps.
    gap_length : int >= 1
        Length of each gap, in time points.
    p : float in (0, 1], default 1.0
        Sampling probability outside the gaps.
    random_state : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Seed or generator.

    Returns
    -------
    mask : ndarray of bool, shape (n1, n2, T)
        ``True`` where the entry is observed.

    Raises
    ------
    ValueError
        If the gaps do not fit: ``n_gaps * gap_length + (n_gaps - 1) > T``, or they would
        cover every frame.

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.datasets import time_gap_mask
    >>> m = time_gap_mask((4, 5, 100), n_gaps=3, gap_length=7, random_state=1)
    >>> missing_frames = ~m.any(axis=(0, 1))
    >>> int(missing_frames.sum())
    21
    >>> int((np.diff(missing_frames.astype(int)) == 1).sum() + missing_frames[0])  # gap starts
    3
    """
    n1, n2, T = _check_shape3(shape)
    n_gaps = _check_int(n_gaps, "n_gaps", 0)
    gap_length = _check_int(gap_length, "gap_length", 1)
    p = _check_rate(p, "p")
    needed = n_gaps * gap_length + max(n_gaps - 1, 0)
    if needed > T or n_gaps * gap_length >= T:
        raise ValueError(
            f"{n_gaps} gaps of length {gap_length}, separated by at least one frame, need "
            f"{needed} of the T = {T} time points and must leave at least one frame outside "
            "the gaps"
        )
    rng = check_random_state(random_state)
    mask = rng.random((n1, n2, T)) < p if p < 1.0 else np.ones((n1, n2, T), dtype=bool)
    if n_gaps > 0:
        # Stars and bars: the T - needed free frames go into n_gaps + 1 slots; choosing the
        # sorted slot boundaries c_0 < ... < c_{m-1} uniformly gives start_i = c_i + i * L.
        slack = T - needed
        c = np.sort(rng.choice(slack + n_gaps, size=n_gaps, replace=False))
        starts = c + np.arange(n_gaps) * gap_length
        for s0 in starts:
            mask[:, :, s0 : s0 + gap_length] = False
    return mask


# --------------------------------------------------------------------------- generator


def flost_df(n1, n2, rank, n_low_freq, sparsity):
    r"""Real degrees of freedom of the FLoST model class :math:`\mathcal M(K, r, s)`.

    .. math:: \mathrm{df} = (2K + 1)\, r\, (n_1 + n_2 - r) + 2 s, \qquad K = n_{\mathrm{low}} - 1.

    The DC slice is real (:math:`r(n_1 + n_2 - r)` real parameters), each of the slices
    :math:`1, \dots, K` is complex (twice that), and each sparse coefficient is complex with
    an implied conjugate partner (2 real parameters).

    Parameters
    ----------
    n1, n2 : int
        Spatial sizes.
    rank : int
        Rank :math:`r` of every low-frequency slice.
    n_low_freq : int
        :math:`K + 1`, the number of low rfft bins, DC included.
    sparsity : int
        :math:`s`, the number of complex high-band coefficients in the rfft half-spectrum.

    Returns
    -------
    int
        The number of real degrees of freedom.

    Examples
    --------
    >>> from statkit.datasets import flost_df
    >>> flost_df(40, 40, rank=2, n_low_freq=4, sparsity=40)  # 7 * 2 * 78 + 80
    1172
    """
    n1 = _check_int(n1, "n1", 1)
    n2 = _check_int(n2, "n2", 1)
    rank = _check_int(rank, "rank", 0)
    n_low_freq = _check_int(n_low_freq, "n_low_freq", 1)
    sparsity = _check_int(sparsity, "sparsity", 0)
    if rank > min(n1, n2):
        raise ValueError(f"rank must be <= min(n1, n2) = {min(n1, n2)}, got {rank}")
    K = n_low_freq - 1
    return (2 * K + 1) * rank * (n1 + n2 - rank) + 2 * sparsity


@dataclass(frozen=True, eq=False)
class FLoSTInstance:
    r"""A FLoST tensor-completion instance, as returned by :func:`make_flost`.

    All arrays have shape ``(n1, n2, T)`` (time last) and ``truth = lowrank + sparse``.

    Attributes
    ----------
    truth : ndarray of float64
        The noiseless tensor :math:`X^*`.
    observed : ndarray of float64
        :math:`X^* + \varepsilon` on observed entries, ``NaN`` on the others.
    mask : ndarray of bool
        ``True`` where the entry is observed.
    lowrank : ndarray of float64
        Time-domain low-band part (inverse rfft of the rank-r slices :math:`k \le K`).
    sparse : ndarray of float64
        Time-domain high-band part (inverse rfft of the :math:`s` spikes).
    df : int
        :math:`(2K+1) r (n_1+n_2-r) + 2s`, see :func:`flost_df`.
    params : dict
        The generating parameters (``n1, n2, T, rank, n_low_freq, K, sparsity, amp_sparse,
        noise, sampling_rate, mask``; ``mask`` is ``"bernoulli"`` or ``"array"``, and
        ``sampling_rate`` is ``None`` for an explicit mask), ``n_observed``,
        and ``sparse_support``, an ``(s, 3)`` int array of the spike positions
        :math:`(i, j, k)` in the rfft half-spectrum.
    """

    truth: np.ndarray = field(repr=False)
    observed: np.ndarray = field(repr=False)
    mask: np.ndarray = field(repr=False)
    lowrank: np.ndarray = field(repr=False)
    sparse: np.ndarray = field(repr=False)
    df: int
    params: dict = field(repr=False)

    @property
    def shape(self):
        """``(n1, n2, T)``."""
        return self.truth.shape

    def __repr__(self):
        p = self.params
        return (
            f"FLoSTInstance(shape={self.shape}, rank={p['rank']}, "
            f"n_low_freq={p['n_low_freq']}, sparsity={p['sparsity']}, noise={p['noise']}, "
            f"n_observed={p['n_observed']}, df={self.df})"
        )


def make_flost(
    n1=40,
    n2=40,
    T=256,
    rank=2,
    n_low_freq=4,
    sparsity=40,
    amp_sparse=0.3,
    noise=0.1,
    sampling_rate=0.3,
    mask="bernoulli",
    random_state=None,
):
    r"""Draw a FLoST tensor (Fourier low-rank + sparse), a sampling mask and noisy data.

    The truth is built in the unitary rfft half-spectrum :math:`\hat X_k`,
    :math:`k = 0, \dots, \lfloor T/2 \rfloor`, and mapped back with
    ``irfft(spectrum, n=T, axis=-1, norm="ortho")``, so ``rfft(truth, norm="ortho")``
    recovers it to machine precision. With :math:`K` = ``n_low_freq - 1``:

    * **Low band**, :math:`k = 0, \dots, K`:

      .. math::

         \hat X_k = \sqrt{\frac{T}{2K + 1}}\; \frac{U_k V_k^{\mathsf H}}{\sqrt r},
         \qquad U_k \in \mathbb C^{n_1 \times r},\; V_k \in \mathbb C^{n_2 \times r},

      with i.i.d. standard complex Gaussian entries (:math:`\mathbb E|u|^2 = 1`), real
      standard Gaussian at :math:`k = 0` (and at the Nyquist bin :math:`k = T/2`, which
      the range of ``n_low_freq`` keeps out of the low band). Each slice has rank exactly
      :math:`r` almost surely, and the low-rank part has entry variance 1 in time.
    * **High band**: :math:`s` distinct positions :math:`(i, j, k)` drawn uniformly with
      ``n_low_freq`` :math:`\le k \le \lfloor (T-1)/2 \rfloor`, i.e. excluding the Nyquist
      bin of even :math:`T`, so that each spike has a distinct conjugate partner
      :math:`T - k`; value :math:`a \sqrt T\, e^{i\varphi}`, :math:`\varphi \sim U[0, 2\pi)`,
      with :math:`a` = ``amp_sparse``. In time, a spike is the sinusoid
      :math:`2a \cos(2\pi k t / T + \varphi)` in tube :math:`(i, j)`.
    * **Observations**: :math:`Y_{ijt} = X^*_{ijt} + \sigma \varepsilon_{ijt}` for
      :math:`(i, j, t) \in \Omega`, :math:`\varepsilon` i.i.d. :math:`N(0, 1)`,
      :math:`\sigma` = ``noise``; ``NaN`` elsewhere.

    The rate target of the completers is MSE :math:`\asymp \sigma^2\,\mathrm{df}/N` with
    :math:`N = |\Omega|` and :math:`\mathrm{df} = (2K+1) r (n_1+n_2-r) + 2s`.

    Parameters
    ----------
    n1, n2 : int, default 40
        Spatial sizes.
    T : int, default 256
        Number of time points (last axis).
    rank : int, default 2
        Rank :math:`r` of each low-frequency slice, :math:`1 \le r \le \min(n_1, n_2)`.
    n_low_freq : int, default 4
        :math:`K + 1`: the number of low rfft bins :math:`k = 0..K`, DC included;
        :math:`1 \le` ``n_low_freq`` :math:`\le \lceil T/2 \rceil`.
    sparsity : int, default 40
        :math:`s`: number of complex spikes in the rfft half of the high band (each with an
        implied conjugate partner), at most :math:`n_1 n_2 (\lfloor (T-1)/2 \rfloor - K)`.
    amp_sparse : float > 0, default 0.3
        Spike modulus :math:`a` in units of :math:`\sqrt T` (time-domain amplitude
        :math:`2a`).
    noise : float >= 0, default 0.1
        Noise standard deviation :math:`\sigma`.
    sampling_rate : float in (0, 1], default 0.3
        Observation probability :math:`p` of the Bernoulli mask (validated, but unused, when
        ``mask`` is an array).
    mask : "bernoulli" or array-like of bool, shape (n1, n2, T), default "bernoulli"
        ``"bernoulli"`` draws :func:`bernoulli_mask` with ``sampling_rate``; an explicit
        boolean array (``True`` = observed), e.g. from :func:`tube_block_mask` or
        :func:`time_gap_mask`, is used as given (copied).
    random_state : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Seed or generator. The draws happen in a fixed order (low band, spikes, mask,
        noise), so an int seed reproduces every array.

    Returns
    -------
    FLoSTInstance
        ``truth``, ``observed`` (``NaN`` where unobserved), ``mask``, ``lowrank``,
        ``sparse``, ``df`` and ``params``.

    Raises
    ------
    ValueError
        For a non-integer or out-of-range size, ``n_low_freq`` outside
        :math:`[1, \lceil T/2 \rceil]`, ``rank > min(n1, n2)``, ``sparsity`` larger than the
        number of high-band positions, ``amp_sparse <= 0``, ``noise < 0``,
        ``sampling_rate`` outside (0, 1], or a mask that is not ``"bernoulli"`` nor a
        boolean array of shape ``(n1, n2, T)`` with at least one observed entry.

    Notes
    -----
    The model, the :math:`\sqrt{T/(2K+1)}` scaling and the spike amplitude follow the pilot
    generator of statkit's FLoST method note (§9); the paper's body was not available, so
    its experiments may use other constants [1]_.

    References
    ----------
    .. [1] J. Li, J. Shang and Y. Chen, "Fourier Low-rank and Sparse Tensor for Efficient
       Tensor Completion", arXiv:2505.11261, 2025.

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.datasets import make_flost
    >>> inst = make_flost(n1=20, n2=15, T=64, rank=2, n_low_freq=3, sparsity=10,
    ...                   random_state=0)
    >>> inst.truth.shape, inst.df
    ((20, 15, 64), 350)
    >>> spec = np.fft.rfft(inst.truth, axis=-1, norm="ortho")
    >>> [int(np.linalg.matrix_rank(spec[:, :, k])) for k in range(3)]
    [2, 2, 2]
    >>> int((np.abs(spec[:, :, 3:]) > 1e-8).sum())
    10
    >>> bool(np.array_equal(np.isnan(inst.observed), ~inst.mask))
    True
    """
    n1 = _check_int(n1, "n1", 1)
    n2 = _check_int(n2, "n2", 1)
    T = _check_int(T, "T", 1)
    n_low_freq = _check_n_low_freq(n_low_freq, T)
    rank = _check_int(rank, "rank", 1)
    if rank > min(n1, n2):
        raise ValueError(f"rank must be <= min(n1, n2) = {min(n1, n2)}, got {rank}")
    sparsity = _check_int(sparsity, "sparsity", 0)
    n_high = _n_high_bins(T, n_low_freq)
    n_positions = n1 * n2 * n_high
    if sparsity > n_positions:
        raise ValueError(
            f"sparsity = {sparsity} exceeds the {n_positions} available high-band positions "
            f"(n1 * n2 * {n_high} bins n_low_freq <= k <= (T - 1) // 2 = {(T - 1) // 2}; "
            "the Nyquist bin of an even T is excluded)"
        )
    amp_sparse = _check_real(amp_sparse, "amp_sparse")
    if amp_sparse <= 0:
        raise ValueError(f"amp_sparse must be > 0, got {amp_sparse!r}")
    noise = _check_real(noise, "noise")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    sampling_rate = _check_rate(sampling_rate, "sampling_rate")
    if isinstance(mask, str):
        if mask != "bernoulli":
            shape = (n1, n2, T)
            raise ValueError(
                f"mask must be 'bernoulli' or a boolean array of shape {shape}, got {mask!r}"
            )
        mask_kind = "bernoulli"
        mask_array = None
    else:
        mask_array = np.asarray(mask)
        if mask_array.dtype != np.bool_:
            raise ValueError(
                f"an explicit mask must be a boolean array (True = observed), got dtype "
                f"{mask_array.dtype}"
            )
        if mask_array.shape != (n1, n2, T):
            raise ValueError(f"mask must have shape {(n1, n2, T)}, got {mask_array.shape}")
        if not mask_array.any():
            raise ValueError("mask observes no entry")
        mask_kind = "array"
        mask_array = mask_array.copy()

    rng = check_random_state(random_state)
    K = n_low_freq - 1
    n_bins = T // 2 + 1
    scale = math.sqrt(T / (2 * K + 1)) / math.sqrt(rank)

    # low band: rank-r slices, real at DC (and at an in-band Nyquist bin, never reached)
    low = np.zeros((n1, n2, n_bins), dtype=np.complex128)
    for k in range(n_low_freq):
        if k == 0 or 2 * k == T:
            U = rng.standard_normal((n1, rank))
            V = rng.standard_normal((n2, rank))
        else:
            U = (rng.standard_normal((n1, rank)) + 1j * rng.standard_normal((n1, rank))) / (
                math.sqrt(2.0)
            )
            V = (rng.standard_normal((n2, rank)) + 1j * rng.standard_normal((n2, rank))) / (
                math.sqrt(2.0)
            )
        low[:, :, k] = scale * (U @ V.conj().T)

    # high band: s distinct spikes at n_low_freq <= k <= (T - 1) // 2
    high = np.zeros((n1, n2, n_bins), dtype=np.complex128)
    flat = rng.choice(n_positions, size=sparsity, replace=False) if sparsity else np.zeros(0, int)
    i, j, kk = np.unravel_index(flat, (n1, n2, n_high))
    kk = kk + n_low_freq
    phase = rng.uniform(0.0, 2.0 * np.pi, size=sparsity)
    high[i, j, kk] = amp_sparse * math.sqrt(T) * np.exp(1j * phase)
    support = np.stack([i, j, kk], axis=1).astype(np.intp)

    lowrank = scipy.fft.irfft(low, n=T, axis=-1, norm="ortho")
    sparse = scipy.fft.irfft(high, n=T, axis=-1, norm="ortho")
    truth = lowrank + sparse

    if mask_array is None:
        mask_array = bernoulli_mask((n1, n2, T), sampling_rate, random_state=rng)
    observed = np.full((n1, n2, T), np.nan)
    observed[mask_array] = truth[mask_array] + noise * rng.standard_normal(int(mask_array.sum()))

    params = {
        "n1": n1,
        "n2": n2,
        "T": T,
        "rank": rank,
        "n_low_freq": n_low_freq,
        "K": K,
        "sparsity": sparsity,
        "amp_sparse": amp_sparse,
        "noise": noise,
        "sampling_rate": sampling_rate if mask_kind == "bernoulli" else None,
        "mask": mask_kind,
        "n_observed": int(mask_array.sum()),
        "sparse_support": support,
    }
    return FLoSTInstance(
        truth=truth,
        observed=observed,
        mask=mask_array,
        lowrank=lowrank,
        sparse=sparse,
        df=flost_df(n1, n2, rank, n_low_freq, sparsity),
        params=params,
    )


# --------------------------------------------------------------------------- real data

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def _statsmodels_file(*parts):
    spec = importlib.util.find_spec("statsmodels")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("load_elnino needs statsmodels (a statkit dependency) to be installed")
    path = os.path.join(next(iter(spec.submodule_search_locations)), *parts)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"statsmodels does not ship the expected file {path}")
    return path


def load_elnino(layout="calendar"):
    r"""Monthly Niño 1+2 sea-surface temperature, 1950–2010, as a (degenerate) tensor.

    Reads ``statsmodels/datasets/elnino/elnino.csv``, the file behind
    ``statsmodels.datasets.elnino``, straight from disk (no download, no pandas). It holds
    61 years (1950–2010) × 12 calendar months of the *area-averaged* SST of the Niño 1+2
    region (0–10°S, 90–80°W), in °C.

    .. important::

       This is **not** a (space × space × time) field: the file has a single spatial
       location (one regional average), so the tensor's spatial modes are degenerate and
       its only structure is time folded into (year, calendar month). A FLoST fit on it
       reduces to low-rank/band-limited modelling of one series; use it for smoke tests
       and examples on real data, not as a benchmark of spatial completion. No package
       installed with statkit ships a genuine lat × lon × time grid; ``eofs`` (not a
       statkit dependency) ships one, ``eofs/examples/example_data/sst_ndjfm_anom.nc``.

    Parameters
    ----------
    layout : {"calendar", "monthly"}, default "calendar"
        ``"calendar"``: shape ``(1, 12, 61)``; axis 0 is the single region, axis 1 the
        calendar month (January ... December), axis 2 the year 1950 ... 2010 (time last).
        ``"monthly"``: shape ``(1, 1, 732)``; one tube, the monthly series January 1950 ...
        December 2010.

    Returns
    -------
    tensor : ndarray of float64
        SST in °C, ``NaN`` where a value is missing (the shipped file has none).
    metadata : dict
        ``source_package``, ``source_version``, ``path``, ``citation``, ``units``,
        ``variable``, ``region``, ``layout``, ``modes`` (a description of each axis),
        ``years`` (int array), ``months`` and ``limitation``.

    Examples
    --------
    >>> from statkit.datasets import load_elnino
    >>> X, meta = load_elnino()
    >>> X.shape, meta["units"], meta["source_package"]
    ((1, 12, 61), 'degC', 'statsmodels')
    >>> float(X[0, 0, 0])  # January 1950
    23.11
    >>> load_elnino("monthly")[0].shape
    (1, 1, 732)
    """
    if layout not in ("calendar", "monthly"):
        raise ValueError(f"layout must be 'calendar' or 'monthly', got {layout!r}")
    path = _statsmodels_file("datasets", "elnino", "elnino.csv")
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    header = tuple(h.strip().upper() for h in rows[0])
    if header != ("YEAR", *_MONTHS):
        raise ValueError(f"unexpected header in {path}: {rows[0]}")
    body = [r for r in rows[1:] if r]
    years = np.array([int(float(r[0])) for r in body], dtype=np.int64)

    def _value(s):
        s = s.strip()
        return float(s) if s and s.upper() not in ("NA", "NAN") else np.nan

    table = np.array([[_value(v) for v in r[1:13]] for r in body], dtype=np.float64)
    if layout == "calendar":
        tensor = table.T[np.newaxis, :, :].copy()  # (1, 12 months, n_years)
        modes = (
            "axis 0: region (1, the Nino 1+2 area average)",
            "axis 1: calendar month (12, January..December)",
            f"axis 2: year ({years.size}, {years[0]}..{years[-1]})",
        )
    else:
        tensor = table.reshape(1, 1, -1).copy()  # row-major: year-major monthly series
        modes = (
            "axis 0: region (1, the Nino 1+2 area average)",
            "axis 1: singleton",
            f"axis 2: month ({tensor.shape[2]}, January {years[0]}..December {years[-1]})",
        )
    try:
        version = importlib.metadata.version("statsmodels")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - odd installs
        version = None
    metadata = {
        "source_package": "statsmodels",
        "source_version": version,
        "path": path,
        "citation": (
            "NOAA National Weather Service, Climate Prediction Center: ERSST.v3b Nino 1+2 "
            "monthly SST index, https://www.cpc.ncep.noaa.gov/data/indices/ (public domain); "
            "distributed as statsmodels.datasets.elnino"
        ),
        "units": "degC",
        "variable": "monthly mean sea-surface temperature, area average",
        "region": "Nino 1+2: 0-10S, 90W-80W",
        "layout": layout,
        "modes": modes,
        "years": years,
        "months": _MONTHS,
        "limitation": (
            "a single regional average: no spatial modes; the tensor only folds one monthly "
            "time series into (year, calendar month)"
        ),
    }
    return tensor, metadata
