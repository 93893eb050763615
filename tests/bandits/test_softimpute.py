import itertools

import numpy as np
import pytest

from statkit.bandits._softimpute import soft_impute


def _svt_oracle(A, lam):
    # Independent closed form: shrink every singular value by lam, clip at 0.
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return U @ np.diag(np.maximum(s - lam, 0.0)) @ Vt


def _problem(seed=0, d=60, p=0.4):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((d, 2)) @ rng.standard_normal((2, d))
    return M, rng.random((d, d)) < p


def test_fully_observed_is_one_svt():
    rng = np.random.default_rng(1)
    Y = rng.standard_normal((15, 10))
    res = soft_impute(Y, np.ones_like(Y, dtype=bool), lam=0.7)
    np.testing.assert_allclose(res.matrix, _svt_oracle(Y, 0.7), atol=1e-10)
    assert res.converged


def test_large_lam_gives_zero():
    M, mask = _problem()
    s1 = np.linalg.norm(np.where(mask, M, 0.0), 2)
    res = soft_impute(M, mask, lam=s1 * 1.0001)
    assert res.s.size == 0 and np.all(res.matrix == 0.0)


def test_fixed_point_property():
    M, mask = _problem(2, d=30, p=0.5)
    Y = M + 0.1 * np.random.default_rng(3).standard_normal(M.shape)
    res = soft_impute(Y, mask, lam=1.0, max_iter=5000, tol=1e-20)
    Z = res.matrix
    np.testing.assert_allclose(_svt_oracle(np.where(mask, Y, Z), 1.0), Z, atol=1e-6)


def test_recovery_of_rank2_matrix():
    # Nuclear-norm bias is O(lam): with a warm-started lam path down to 1% of sigma_1 the
    # rank-2 truncation is within 3% (plain SVT converges too slowly at 40% observed to
    # reach 1e-3 within the CI budget; see the report).
    M, mask = _problem()
    s1 = np.linalg.norm(np.where(mask, M, 0.0), 2)
    warm = None
    errs = []
    for lam in s1 * np.array([0.5, 0.2, 0.08, 0.04, 0.02, 0.01]):
        warm = soft_impute(M, mask, lam=lam, max_iter=2000, tol=1e-14, warm=warm)
        Z = soft_impute(M, mask, rank=2, lam=lam, max_iter=1, warm=warm).matrix
        errs.append(np.linalg.norm(Z - M) / np.linalg.norm(M))
    assert errs[-1] < 0.03
    assert all(b < a for a, b in itertools.pairwise(errs))


def test_nan_at_unobserved_entries_is_ignored():
    M, mask = _problem(4, d=20, p=0.6)
    Y = np.where(mask, M, np.nan)
    a = soft_impute(Y, mask, lam=0.5).matrix
    b = soft_impute(np.where(mask, M, 123.0), mask, lam=0.5).matrix
    np.testing.assert_allclose(a, b)


@pytest.mark.parametrize(
    "kw,exc,match",
    [
        ({"mask": np.ones((4, 4), dtype=int)}, TypeError, "mask"),
        ({"mask": np.ones((4, 3), dtype=bool)}, ValueError, "mask"),
        ({"mask": np.zeros((4, 4), dtype=bool)}, ValueError, "mask"),
        ({"lam": -1.0}, ValueError, "lam"),
        ({"rank": 4}, ValueError, "rank"),
        ({"rank": 0}, ValueError, "rank"),
        ({"rank": 1.5}, TypeError, "rank"),
        ({"Y": np.full((4, 4), np.nan)}, ValueError, "finite"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"warm": np.zeros((3, 3))}, ValueError, "warm"),
    ],
)
def test_bad_input(kw, exc, match):
    args = {"Y": np.ones((4, 4)), "mask": np.ones((4, 4), dtype=bool)}
    args.update(kw)
    with pytest.raises(exc, match=match):
        soft_impute(**args)
