"""numba kernels for the MMD sums on numpy input (float64).

This module is imported on the first numpy call of :func:`statkit.mmd.mmd` (or
:func:`~statkit.mmd.kernel_matrix`, :func:`~statkit.mmd.mmd_test`), never by
``import statkit``; its functions compile on their first call and are cached on disk
(``cache=True``).

Design (measured on a 2-core AMD EPYC (Zen 3, AVX2) VM, see ``docs/benchmarks.md``):

- **No Gram matrix.** :func:`pair_sum` returns :math:`\\sum_{i, j} k(a_i, b_j)`, or
  :math:`\\sum_{i < j} k(a_i, a_j)` for one sample, from cache-resident tiles: a block
  of ``block`` rows of ``A`` against ``_TILE`` columns of ``B`` stored transposed
  (``d x m``), so that the innermost loops run over contiguous columns and vectorise.
  Threads take row blocks (``prange``); in the symmetric case block ``p`` is paired
  with block ``n_blocks - 1 - p`` so that every thread gets the same amount of work.
- **Exact differences.** Squared (or L1) distances are accumulated from coordinate
  differences :math:`(a_{ik} - b_{jk})^2`, four coordinates per pass, not from the
  expansion :math:`\\|a\\|^2 + \\|b\\|^2 - 2a^\\top b`, whose cancellation would cost
  digits for nearby points.
- **A vectorisable exp.** The numba build used here has no SVML, so ``math.exp`` in
  a loop is a scalar libm call (about 8 ns per call on the machine above; numpy's own
  float64 ``exp`` is scalar too on AVX2-only CPUs). :func:`_exp_nonpos` is a
  branch-free exp for arguments :math:`x \\le 0`: Cody-Waite range reduction
  :math:`x = k \\ln 2 + r`, :math:`|r| \\le \\ln 2 / 2`, a degree-11 minimax
  polynomial for :math:`e^r` (relative approximation error :math:`3.4 \\cdot 10^{-18}`,
  evaluated with an Estrin-Horner hybrid), and :math:`2^k` built from integer bits.
  It is faithful (at most 1 ulp from the correctly rounded value) on the normal range,
  returns subnormals to within one subnormal ulp for :math:`-745.13 < x < -708.4`, and
  0 below (including :math:`-\\infty`). LLVM vectorises it to 4 lanes (AVX2), about
  1.6 ns per evaluation instead of 8.
- **Deterministic, accurate sums.** Each thread accumulates into a vector of
  ``_TILE`` partial sums (one per column offset), so the reduction vectorises without
  ``fastmath`` reassociation and rounding errors grow with the number of terms per
  partial sum, not with the total.
"""

import math

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

from statkit._parallel import NUMBA_LOCK

from ._kernels import GAUSSIAN, LAPLACE, MATERN05, MATERN15, MATERN25

__all__ = ["DEFAULT_BLOCK", "LOCK", "exp_nonpos", "kernel_block", "pair_sum"]

LOCK = NUMBA_LOCK  # shared with the other numba kernels (statkit._parallel says why)

_TILE = 512  # columns per tile: d x _TILE doubles of B plus two _TILE buffers stay in L1/L2
DEFAULT_BLOCK = 64  # rows per block (per parallel work item)

# --- exp for x <= 0 -----------------------------------------------------------------

_INV_LN2 = 1.44269504088896338700e00
_LN2_HI = 6.93147180369123816490e-01  # ln 2 rounded to 32 significant bits: k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_SHIFT = 6755399441055744.0  # 1.5 * 2**52: adding it rounds to an integer held in the low bits
_TWO_M64 = 5.421010862427522e-20  # 2**-64
_EXP_BIAS = 1023 + 64  # exponent bias, plus 64 so that 2**(k + 64) stays normal down to -746
# minimax coefficients of e^r on [-ln2/2, ln2/2] (relative error 3.4e-18), c0 = c1 = 1
_C2 = 0.5000000000000012
_C3 = 0.16666666666666216
_C4 = 0.04166666666651782
_C5 = 0.008333333333549714
_C6 = 0.0013888888946354536
_C7 = 0.00019841269436758974
_C8 = 2.480149063483508e-05
_C9 = 2.755762672715492e-06
_C10 = 2.763103457023136e-07
_C11 = 2.4991424057761177e-08


@intrinsic
def _f64_bits(typingctx, x):
    """Reinterpret the bits of a float64 as an int64 (an LLVM bitcast)."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return sig, codegen


@intrinsic
def _bits_f64(typingctx, x):
    """Reinterpret the bits of an int64 as a float64 (an LLVM bitcast)."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return sig, codegen


@njit(inline="always", fastmath={"contract"}, cache=True)
def _exp_nonpos(x):
    """exp(x) for x <= 0 (or -inf), branch-free so that loops over it vectorise."""
    v = max(x, -746.0)
    kd = v * _INV_LN2 + _SHIFT
    ki = _f64_bits(kd)  # low bits hold k = round(v / ln 2)
    kd = kd - _SHIFT
    r = v - kd * _LN2_HI
    r = r - kd * _LN2_LO
    r2 = r * r
    r4 = r2 * r2
    q1 = _C2 + _C3 * r
    q2 = _C4 + _C5 * r
    q3 = _C6 + _C7 * r
    q4 = _C8 + _C9 * r
    q5 = _C10 + _C11 * r
    s1 = q2 + q3 * r2
    s2 = q4 + q5 * r2
    t = s1 + s2 * r4
    p = 1.0 + (r + r2 * (q1 + r2 * t))
    scale = _bits_f64((ki + _EXP_BIAS) << 52)  # 2**(k + 64), normal for k >= -1086
    return p * scale * _TWO_M64


@njit(cache=True)
def exp_nonpos(x, out):
    """Vectorised ``out[i] = exp(x[i])`` for ``x <= 0`` (test and benchmark helper)."""
    for i in range(x.shape[0]):
        out[i] = _exp_nonpos(x[i])
    return out


# --- tiles ----------------------------------------------------------------------------


@njit(fastmath={"contract"}, cache=True)
def _tile_distances(a, Bt, c0, w, metric, buf):
    """buf[:w] = distances between the row ``a`` and the columns c0 .. c0+w-1 of Bt.

    Every loop starts at 0: a loop with a variable start keeps numba's negative-index
    wraparound check alive and does not vectorise (measured 5x slower)."""
    d = a.shape[0]
    for j in range(w):
        buf[j] = 0.0
    k = 0
    if metric == 0:
        while k + 4 <= d:
            a0 = a[k]
            a1 = a[k + 1]
            a2 = a[k + 2]
            a3 = a[k + 3]
            b0 = Bt[k, c0 : c0 + w]
            b1 = Bt[k + 1, c0 : c0 + w]
            b2 = Bt[k + 2, c0 : c0 + w]
            b3 = Bt[k + 3, c0 : c0 + w]
            for j in range(w):
                t0 = b0[j] - a0
                t1 = b1[j] - a1
                t2 = b2[j] - a2
                t3 = b3[j] - a3
                buf[j] += (t0 * t0 + t1 * t1) + (t2 * t2 + t3 * t3)
            k += 4
        while k < d:
            a0 = a[k]
            b0 = Bt[k, c0 : c0 + w]
            for j in range(w):
                t0 = b0[j] - a0
                buf[j] += t0 * t0
            k += 1
    else:
        while k + 4 <= d:
            a0 = a[k]
            a1 = a[k + 1]
            a2 = a[k + 2]
            a3 = a[k + 3]
            b0 = Bt[k, c0 : c0 + w]
            b1 = Bt[k + 1, c0 : c0 + w]
            b2 = Bt[k + 2, c0 : c0 + w]
            b3 = Bt[k + 3, c0 : c0 + w]
            for j in range(w):
                buf[j] += (abs(b0[j] - a0) + abs(b1[j] - a1)) + (abs(b2[j] - a2) + abs(b3[j] - a3))
            k += 4
        while k < d:
            a0 = a[k]
            b0 = Bt[k, c0 : c0 + w]
            for j in range(w):
                buf[j] += abs(b0[j] - a0)
            k += 1


@njit(fastmath={"contract"}, cache=True)
def _tile_kernel(buf, w, code, c, out):
    """out[:w] += k(buf[:w]) with ``c`` the kernel's scale (``KernelSpec.scale``)."""
    if code == GAUSSIAN or code == LAPLACE:
        for j in range(w):
            out[j] += _exp_nonpos(-c * buf[j])
    elif code == MATERN05:
        for j in range(w):
            out[j] += _exp_nonpos(-c * math.sqrt(buf[j]))
    elif code == MATERN15:
        for j in range(w):
            u = c * math.sqrt(buf[j])
            out[j] += (1.0 + u) * _exp_nonpos(-u)
    elif code == MATERN25:
        for j in range(w):
            u = c * math.sqrt(buf[j])
            out[j] += (1.0 + u + u * u * (1.0 / 3.0)) * _exp_nonpos(-u)
    else:  # IMQ
        for j in range(w):
            out[j] += 1.0 / math.sqrt(1.0 + c * buf[j])


@njit(cache=True)
def _block_sum(A, Bt, i0, i1, symmetric, code, metric, c, buf, acc):
    """Add to ``acc`` the kernel values of rows i0..i1-1 of A against the columns of Bt
    (only the columns j > i when ``symmetric``), one partial sum per column offset."""
    nb = Bt.shape[1]
    c_start = i0 if symmetric else 0
    for c0 in range(c_start, nb, _TILE):
        w = min(_TILE, nb - c0)
        for i in range(i0, i1):
            s0 = 0
            if symmetric:
                s0 = max(0, i + 1 - c0)
                if s0 >= w:
                    continue
            _tile_distances(A[i], Bt, c0 + s0, w - s0, metric, buf)
            _tile_kernel(buf, w - s0, code, c, acc[s0:])


@njit(parallel=True, cache=True)
def pair_sum(A, Bt, symmetric, code, metric, c, block):
    """Sum of the kernel over pairs, without forming the Gram matrix.

    Parameters
    ----------
    A : float64 array of shape (na, d), C-contiguous
    Bt : float64 array of shape (d, nb), C-contiguous (the second sample, transposed)
    symmetric : bool
        ``True`` when B is A: the sum runs over the pairs ``i < j`` only.
    code, metric : int
        Kernel code (see ``_kernels``) and distance (0: squared Euclidean, 1: L1).
    c : float
        The kernel's scale, ``KernelSpec.scale(bandwidth)``.
    block : int
        Rows per parallel work item.

    Returns
    -------
    float
        :math:`\\sum_{i, j} k(a_i, b_j)`, or :math:`\\sum_{i < j} k(a_i, a_j)`.
    """
    na = A.shape[0]
    n_blocks = (na + block - 1) // block
    # symmetric: pair block p with block n_blocks - 1 - p, so work items cost the same
    n_items = (n_blocks + 1) // 2 if symmetric else n_blocks
    partial = np.zeros(n_items)
    for p in prange(n_items):
        buf = np.empty(_TILE)
        acc = np.zeros(_TILE)
        i0 = p * block
        _block_sum(A, Bt, i0, min(na, i0 + block), symmetric, code, metric, c, buf, acc)
        q = n_blocks - 1 - p
        if symmetric and q != p:
            i0 = q * block
            _block_sum(A, Bt, i0, min(na, i0 + block), symmetric, code, metric, c, buf, acc)
        partial[p] = acc.sum()
    return partial.sum()


@njit(parallel=True, cache=True)
def kernel_block(A, Bt, code, metric, c, out):
    """Fill ``out[i, j] = k(a_i, b_j)`` (out: float64 (na, nb), C-contiguous)."""
    na = A.shape[0]
    nb = Bt.shape[1]
    for i in prange(na):
        buf = np.empty(_TILE)
        row = out[i]
        for c0 in range(0, nb, _TILE):
            w = min(_TILE, nb - c0)
            seg = row[c0 : c0 + w]
            seg[:] = 0.0
            _tile_distances(A[i], Bt, c0, w, metric, buf)
            _tile_kernel(buf, w, code, c, seg)
    return out
