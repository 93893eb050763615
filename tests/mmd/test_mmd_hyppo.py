"""How hyppo's MMD statistic relates to MMD^2_u (peer library oracle).

hyppo 0.5 computes ``MMD().statistic(x, y)`` as the unbiased distance correlation
(U-centring of Székely and Rizzo 2014) between the kernel distance ``A = 1 - K`` of the
pooled sample and the label distance ``B``, times ``2 m^2 n^2 / N^4``. With
``(A . B)`` the sum of the entries of the product of the U-centred matrices,

    (A . B) = 2 m (m - 1) n (n - 1) / ((N - 1)(N - 2)) * MMD^2_u,

so hyppo's statistic is ``2 m^2 n^2 / N^4 * (A . B) / sqrt((A . A)(B . B))``.
"""

import math

import numpy as np
import pytest

from statkit.mmd import kernel_matrix, median_bandwidth, mmd

hyppo_ksample = pytest.importorskip("hyppo.ksample")


@pytest.fixture(autouse=True)
def _hyppo_without_jit(monkeypatch):
    """Run hyppo's numba functions as the plain Python they are written in.

    Same source, same arithmetic; it only skips their ~40 s cold compile (numba
    ``cache=True`` caches it only where site-packages is writable and warm).
    """
    dcorr = pytest.importorskip("hyppo.independence.dcorr")
    for name in ("_dcorr", "_dcov", "_center_distmat"):
        monkeypatch.setattr(dcorr, name, getattr(dcorr, name).py_func)


def _u_centre(D):
    """U-centring of a distance matrix (zero diagonal), Székely and Rizzo (2014), eq. (2.2)."""
    N = D.shape[0]
    row = D.sum(axis=1)
    C = D - row[:, None] / (N - 2) - row[None, :] / (N - 2) + D.sum() / ((N - 1) * (N - 2))
    np.fill_diagonal(C, 0.0)
    return C


def _inner(A, B):
    return float((_u_centre(A) * _u_centre(B)).sum())


def _data(m, n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, 3)), rng.standard_normal((n, 3)) * 1.2 + 0.3


@pytest.mark.parametrize(("m", "n"), [(20, 20), (25, 14), (9, 31)])
def test_hyppo_statistic_is_a_rescaled_u_statistic(m, n):
    X, Y = _data(m, n)
    N = m + n
    ell = 1.4
    stat_hyppo = hyppo_ksample.MMD(compute_kernel="gaussian", gamma=1 / (2 * ell**2)).statistic(
        X, Y
    )
    mmd_u = mmd(X, Y, bandwidth=ell)

    Z = np.concatenate([X, Y])
    A = 1.0 - kernel_matrix(Z, bandwidth=ell)
    labels = np.r_[np.zeros(m), np.ones(n)]
    B = (labels[:, None] != labels[None, :]).astype(float)
    # our understanding of hyppo: a distance correlation, rescaled
    dcor = _inner(A, B) / math.sqrt(_inner(A, A) * _inner(B, B))
    assert stat_hyppo == pytest.approx(2 * m**2 * n**2 / N**4 * dcor, rel=1e-10)
    # the link with MMD^2_u
    factor = 2 * m * (m - 1) * n * (n - 1) / ((N - 1) * (N - 2))
    assert _inner(A, B) == pytest.approx(factor * mmd_u, rel=1e-10)
    # (B . B) in closed form for the label distance
    bb = 2 * m * n + 4 * m**2 * n**2 / ((N - 1) * (N - 2)) - 2 * m * n * N / (N - 2)
    assert _inner(B, B) == pytest.approx(bb, rel=1e-12)
    expected = 2 * m**2 * n**2 / N**4 * factor * mmd_u / math.sqrt(_inner(A, A) * bb)
    assert stat_hyppo == pytest.approx(expected, rel=1e-10)


def test_hyppo_default_bandwidth_is_sqrt2_times_ours():
    # N = 30 points: 435 pairs (odd), so median r^2 = (median r)^2 exactly
    X, Y = _data(18, 12, seed=1)
    ell = median_bandwidth(X, Y)
    N, m, n = 30, 18, 12
    stat_default = hyppo_ksample.MMD().statistic(X, Y)
    stat_gamma = hyppo_ksample.MMD(gamma=1 / (2 * (math.sqrt(2) * ell) ** 2)).statistic(X, Y)
    assert stat_default == pytest.approx(stat_gamma, rel=1e-12)
    # and the sign/ordering agrees with MMD^2_u at that bandwidth
    assert np.sign(stat_default) == np.sign(mmd(X, Y, bandwidth=math.sqrt(2) * ell))
    assert N == m + n
