"""numba kernels for the memory-bound passes of FLoST-IHT on numpy input.

One FLoST iteration on an :math:`n_1 \\times n_2 \\times T` tensor costs an rfft/irfft
pair and ``n_low_freq`` small SVDs; everything else is elementwise over the whole
tensor. Written with numpy temporaries those passes (fill-in, Nesterov extrapolation,
observed loss, step size, top-s selection) were about two thirds of the time of an
iteration at 100 x 100 x 1000 (0.74 s per iteration, ``docs/benchmarks.md``). Here each
is one pass that reads its inputs once:

- :func:`fill_extrapolate`: :math:`Z = P_\\Omega(Y) + P_\\Omega^\\perp(X + \\beta(X - X_{prev}))`;
- :func:`iterate_stats`: the observed loss, :math:`\\|X^{t+1} - X^t\\|_F^2` and
  :math:`\\|X^{t+1}\\|_F^2` together;
- :func:`top_candidates`: the exact top-s selection by modulus, through a threshold
  read off a strided sample: one pass gathers every entry at or above a lower
  bracket, and only those few are partitioned.

Reductions are summed over fixed blocks of ``_BLOCK`` entries and the block sums added
in order, so the numbers do not depend on the number of threads.
"""

import numpy as np
from numba import njit, prange

__all__ = ["fill_extrapolate", "iterate_stats", "top_candidates"]

_BLOCK = 1 << 16


@njit(parallel=True, cache=True)
def fill_extrapolate(mask, Y, X, X_prev, beta, out):  # pragma: no cover - compiled
    """``out = where(mask, Y, X + beta (X - X_prev))`` over flat contiguous arrays."""
    n = out.size
    n_blocks = (n + _BLOCK - 1) // _BLOCK
    for b in prange(n_blocks):
        lo = b * _BLOCK
        hi = min(lo + _BLOCK, n)
        for i in range(lo, hi):
            if mask[i]:
                out[i] = Y[i]
            else:
                out[i] = X[i] + beta * (X[i] - X_prev[i])


@njit(parallel=True, cache=True)
def iterate_stats(mask, Y, X_new, X):  # pragma: no cover - compiled
    """``(sum_Omega (Y - X_new)^2, ||X_new - X||^2, ||X_new||^2)`` over flat arrays."""
    n = X_new.size
    n_blocks = (n + _BLOCK - 1) // _BLOCK
    parts = np.zeros((n_blocks, 3))
    for b in prange(n_blocks):
        lo = b * _BLOCK
        hi = min(lo + _BLOCK, n)
        loss = 0.0
        diff = 0.0
        norm = 0.0
        for i in range(lo, hi):
            x = X_new[i]
            d = x - X[i]
            diff += d * d
            norm += x * x
            if mask[i]:
                r = Y[i] - x
                loss += r * r
        parts[b, 0] = loss
        parts[b, 1] = diff
        parts[b, 2] = norm
    loss = 0.0
    diff = 0.0
    norm = 0.0
    for b in range(n_blocks):
        loss += parts[b, 0]
        diff += parts[b, 1]
        norm += parts[b, 2]
    return loss, diff, norm


@njit(cache=True)
def _modulus2(H, real_last, i, j, k):  # pragma: no cover - compiled
    z = H[i, j, k]
    if real_last and k == H.shape[2] - 1:
        return z.real * z.real
    return z.real * z.real + z.imag * z.imag


@njit(cache=True)
def top_candidates(H, s, real_last, n_sample):  # pragma: no cover - compiled
    """Flat indices and squared moduli of a superset of the ``s`` largest of ``|H|``.

    ``H`` is an (n1, n2, L) complex array (any strides); with ``real_last`` the last bin
    counts by its real part only (the Nyquist bin of a real signal). The returned set
    holds every entry whose squared modulus is at least a bracket ``lo``, and at least
    ``s`` entries, so it contains an exact top-s set; ``lo`` is chosen from a strided
    sample of about ``n_sample`` entries so that the set is a little larger than ``s``.
    When the sample says too little (``s`` close to the size of ``H``) the bracket is 0
    and every entry is returned.
    """
    n1, n2, L = H.shape
    n = n1 * n2 * L
    stride = max(1, n // n_sample)
    m = (n + stride - 1) // stride
    sample = np.empty(m)
    for q in range(m):
        f = q * stride
        k = f % L
        j = (f // L) % n2
        i = f // (L * n2)
        sample[q] = _modulus2(H, real_last, i, j, k)
    sample.sort()
    # expected sample count above the s-th largest, plus a 4-sigma margin and slack
    expect = s * m / n
    above = int(expect + 4.0 * np.sqrt(expect + 1.0) + 8.0)
    lo = 0.0
    if above < m:
        lo = sample[m - 1 - above]
    for _attempt in range(2):
        count = 0
        for i in range(n1):
            for j in range(n2):
                for k in range(L):
                    if _modulus2(H, real_last, i, j, k) >= lo:
                        count += 1
        if count >= s:
            break
        lo = 0.0  # the sample misled us: take everything (still exact)
    idx = np.empty(count, dtype=np.int64)
    mag = np.empty(count)
    c = 0
    for i in range(n1):
        for j in range(n2):
            for k in range(L):
                v = _modulus2(H, real_last, i, j, k)
                if v >= lo:
                    idx[c] = (i * n2 + j) * L + k
                    mag[c] = v
                    c += 1
    return idx, mag
