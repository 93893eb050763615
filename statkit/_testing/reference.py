"""Naive reference implementations, used as test oracles only.

Written for clarity, not speed: plain Python double loops over pairs in float64,
straight from the formulas in the papers, sharing no code with the implementations they
check.
"""

import math
import statistics

import numpy as np

__all__ = [
    "decayed_linear_attention",
    "mmd_gram",
    "mmd_kernel",
    "mmd_median_bandwidth",
    "mmd_permutation_test",
    "mmd_u",
    "mmd_v",
]

# --- MMD (Gretton et al. 2012, JMLR 13:723-773) ------------------------------------------


def mmd_kernel(x, y, kernel, bandwidth, nu=1.5):
    """k(x, y) for one pair of points (1-D sequences), by the textbook formula."""
    l = float(bandwidth)  # noqa: E741
    diff = [float(a) - float(b) for a, b in zip(x, y, strict=True)]
    r2 = sum(t * t for t in diff)
    r = math.sqrt(r2)
    if kernel == "gaussian":
        return math.exp(-r2 / (2.0 * l * l))
    if kernel == "laplace":
        return math.exp(-sum(abs(t) for t in diff) / l)
    if kernel == "matern":
        if nu == 0.5:
            return math.exp(-r / l)
        if nu == 1.5:
            a = math.sqrt(3.0) * r / l
            return (1.0 + a) * math.exp(-a)
        if nu == 2.5:
            a = math.sqrt(5.0) * r / l
            return (1.0 + a + 5.0 * r2 / (3.0 * l * l)) * math.exp(-a)
        raise ValueError(nu)
    if kernel == "inverse_multiquadric":
        return 1.0 / math.sqrt(1.0 + r2 / (l * l))
    raise ValueError(kernel)


def _rows(X):
    X = np.asarray(X, dtype=np.float64)
    return X.reshape(-1, 1) if X.ndim == 1 else X


def mmd_gram(X, Y, kernel, bandwidth, nu=1.5):
    """Gram matrix by a double loop."""
    X, Y = _rows(X), _rows(Y)
    K = np.empty((X.shape[0], Y.shape[0]))
    for i in range(X.shape[0]):
        for j in range(Y.shape[0]):
            K[i, j] = mmd_kernel(X[i], Y[j], kernel, bandwidth, nu)
    return K


def _sums(X, Y, kernel, bandwidth, nu):
    X, Y = _rows(X), _rows(Y)
    m, n = X.shape[0], Y.shape[0]
    kxx = [
        mmd_kernel(X[i], X[j], kernel, bandwidth, nu) for i in range(m) for j in range(m) if i != j
    ]
    kyy = [
        mmd_kernel(Y[i], Y[j], kernel, bandwidth, nu) for i in range(n) for j in range(n) if i != j
    ]
    kxy = [mmd_kernel(X[i], Y[j], kernel, bandwidth, nu) for i in range(m) for j in range(n)]
    dxx = math.fsum(mmd_kernel(X[i], X[i], kernel, bandwidth, nu) for i in range(m))
    dyy = math.fsum(mmd_kernel(Y[i], Y[i], kernel, bandwidth, nu) for i in range(n))
    return m, n, math.fsum(kxx), math.fsum(kyy), math.fsum(kxy), dxx, dyy


def mmd_u(X, Y, kernel="gaussian", bandwidth=1.0, nu=1.5):
    """Unbiased MMD^2 (Gretton et al. 2012, eq. (3)), exact sums (math.fsum)."""
    m, n, sxx, syy, sxy, _, _ = _sums(X, Y, kernel, bandwidth, nu)
    return sxx / (m * (m - 1)) + syy / (n * (n - 1)) - 2.0 * sxy / (m * n)


def mmd_v(X, Y, kernel="gaussian", bandwidth=1.0, nu=1.5):
    """Biased MMD^2 (Gretton et al. 2012, eq. (5)), diagonals included."""
    m, n, sxx, syy, sxy, dxx, dyy = _sums(X, Y, kernel, bandwidth, nu)
    return (sxx + dxx) / (m * m) + (syy + dyy) / (n * n) - 2.0 * sxy / (m * n)


def mmd_median_bandwidth(Z, kernel="gaussian"):
    """Median heuristic over the pairs i < j of the pooled sample ``Z`` (no subsampling)."""
    Z = _rows(Z)
    N = Z.shape[0]
    d2, d1 = [], []
    for i in range(N):
        for j in range(i + 1, N):
            diff = Z[i] - Z[j]
            d2.append(float(sum(t * t for t in diff)))
            d1.append(float(sum(abs(t) for t in diff)))
    if kernel == "gaussian":
        return math.sqrt(statistics.median(d2) / 2.0)
    if kernel == "laplace":
        return statistics.median(d1)
    return statistics.median([math.sqrt(v) for v in d2])


def mmd_permutation_test(
    X, Y, kernel="gaussian", bandwidth=1.0, estimator="u", nu=1.5, n_permutations=100, seed=0
):
    """Permutation p-value by recomputing the statistic for every permutation.

    The b-th permutation is ``rng.permutation(m + n)`` of ``rng = default_rng(seed)``; its
    first m entries index the permuted X. p = (1 + #{T_b >= T}) / (1 + B).
    """
    X, Y = _rows(X), _rows(Y)
    stat = mmd_u if estimator == "u" else mmd_v
    Z = np.concatenate([X, Y])
    m = X.shape[0]
    observed = stat(X, Y, kernel, bandwidth, nu)
    rng = np.random.default_rng(seed)
    count = 0
    for _ in range(n_permutations):
        perm = rng.permutation(Z.shape[0])
        if stat(Z[perm[:m]], Z[perm[m:]], kernel, bandwidth, nu) >= observed:
            count += 1
    return observed, (1 + count) / (1 + n_permutations)


# --- Decayed linear attention (Qin et al. 2024, arXiv:2401.04658) ------------------------


def decayed_linear_attention(q, k, v, decay):
    """o_t = sum_{s <= t} exp(-lambda (t - s)) (q_t . k_s) v_s, term by term in float64.

    ``q``, ``k``: (..., n, d); ``v``: (..., n, e); ``decay``: a scalar or one rate per
    head (the third-last axis). One explicit sum per (batch, head, t); no masks, no
    blocks, no recurrence.
    """
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    n, e = q.shape[-2], v.shape[-1]
    lead = q.shape[:-2]
    decay = np.broadcast_to(np.asarray(decay, dtype=np.float64), lead)  # heads: last of lead
    out = np.zeros((*lead, n, e))
    for idx in np.ndindex(*lead):
        lam = float(decay[idx])
        for t in range(n):
            for s in range(t + 1):
                w = math.exp(-lam * (t - s)) * float(np.dot(q[(*idx, t)], k[(*idx, s)]))
                out[(*idx, t)] += w * v[(*idx, s)]
    return out
