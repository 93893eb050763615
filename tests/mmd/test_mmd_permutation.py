"""mmd_test: the quadratic-form permutation statistics against a naive loop that
recomputes the statistic for every permutation (same permutations), and the level and
power of the test.
"""

import numpy as np
import pytest

import statkit.mmd._test as test_mod
from statkit._testing import reference
from statkit.mmd import MMDTestResult, median_bandwidth, mmd, mmd_test


def _data(m=12, n=9, shift=0.5, seed=4):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, 2)), rng.standard_normal((n, 2)) + shift


def test_result_is_a_named_tuple_of_two_fields():
    X, Y = _data()
    res = mmd_test(X, Y, n_permutations=20, random_state=0)
    assert isinstance(res, MMDTestResult) and isinstance(res, tuple)
    assert MMDTestResult._fields == ("statistic", "pvalue")
    stat, p = res
    assert type(stat) is float and type(p) is float


@pytest.mark.parametrize(
    ("kernel", "estimator"),
    [("gaussian", "u"), ("gaussian", "v"), ("laplace", "u"), ("matern", "v")],
)
def test_pvalue_equals_naive_permutation_loop(kernel, estimator):
    X, Y = _data()
    B = 150
    res = mmd_test(X, Y, kernel=kernel, estimator=estimator, n_permutations=B, random_state=11)
    ell = median_bandwidth(X, Y, kernel=kernel)
    stat, p = reference.mmd_permutation_test(
        X, Y, kernel, ell, estimator, n_permutations=B, seed=11
    )
    assert res.pvalue == p
    assert res.statistic == pytest.approx(stat, rel=1e-12)
    assert res.statistic == pytest.approx(mmd(X, Y, kernel=kernel, estimator=estimator), rel=1e-12)


def test_pvalue_in_unit_interval_and_reproducible():
    X, Y = _data(shift=0.0)
    a = mmd_test(X, Y, n_permutations=99, random_state=3)
    b = mmd_test(X, Y, n_permutations=99, random_state=3)
    assert a == b
    assert 0.0 < a.pvalue <= 1.0
    assert a.pvalue * 100 == pytest.approx(round(a.pvalue * 100))  # a multiple of 1/(B+1)
    # a Generator is accepted and advanced
    rng = np.random.default_rng(3)
    assert mmd_test(X, Y, n_permutations=99, random_state=rng).pvalue == a.pvalue


def test_clear_separation_gives_the_smallest_pvalue():
    X, Y = _data(m=40, n=30, shift=4.0)
    B = 199
    res = mmd_test(X, Y, n_permutations=B, random_state=0)
    assert res.pvalue <= 2 / (B + 1)
    assert res.pvalue == 1 / (B + 1)


def test_numpy_and_torch_agree(xp_case):
    X, Y = _data(m=25, n=20, shift=0.3)
    expected = mmd_test(X, Y, n_permutations=200, random_state=5)
    res = mmd_test(xp_case.asarray(X), xp_case.asarray(Y), n_permutations=200, random_state=5)
    if xp_case.name == "numpy":
        assert type(res.statistic) is float
        stat = res.statistic
    else:
        xp_case.check_output(res.statistic)
        stat = float(xp_case.to_numpy(res.statistic))
    assert type(res.pvalue) is float
    assert res.pvalue == pytest.approx(expected.pvalue, abs=1.5 / 201)
    if xp_case.dtype == "float64":
        assert res.pvalue == expected.pvalue
    np.testing.assert_allclose(stat, expected.statistic, rtol=xp_case.rtol, atol=xp_case.atol)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_memory_bounded_path_gives_the_same_answer(monkeypatch, backend):
    X, Y = _data(m=30, n=23, shift=0.2)
    if backend == "torch":
        torch = pytest.importorskip("torch")
        X, Y = torch.as_tensor(X), torch.as_tensor(Y)
    expected = mmd_test(X, Y, n_permutations=100, random_state=9)
    # force row blocks of the Gram matrix (7 rows) and batches of 4 permutations
    N = 53
    monkeypatch.setattr(test_mod, "_GRAM_BYTES", N * N * 8 - 1)
    monkeypatch.setattr(test_mod, "_BLOCK_BYTES", 7 * N * 8)
    monkeypatch.setattr(test_mod, "_INDICATOR_BYTES", 5 * N * 8)
    res = mmd_test(X, Y, n_permutations=100, random_state=9)
    assert res.pvalue == expected.pvalue
    assert float(res.statistic) == pytest.approx(float(expected.statistic), rel=1e-12)


def test_level_under_the_null():
    # exchangeable samples: P(p <= 0.05) = 0.05 exactly when 0.05 (B + 1) is an integer
    rng = np.random.default_rng(123)
    reps, rejections = 300, 0
    for _ in range(reps):
        X, Y = rng.standard_normal((15, 2)), rng.standard_normal((10, 2))
        rejections += mmd_test(X, Y, n_permutations=39, random_state=rng).pvalue <= 0.05
    rate = rejections / reps
    se = np.sqrt(0.05 * 0.95 / reps)
    assert abs(rate - 0.05) < 4 * se, rate


def test_one_permutation():
    X, Y = _data()
    res = mmd_test(X, Y, n_permutations=1, random_state=0)
    assert res.pvalue in (0.5, 1.0)


@pytest.mark.parametrize("estimator", ["u", "v"])
def test_exact_ties_count_as_at_least_observed(estimator):
    # N = 4: one permutation in three reproduces the observed split {X, Y} or its mirror
    # (the statistic is symmetric for m = n); those exact ties must all be counted, even
    # though their quadratic forms sit in other columns of the matrix product
    X, Y = np.array([[0.0], [1.0]]), np.array([[3.0], [5.0]])
    B = 300
    res = mmd_test(X, Y, bandwidth=1.0, estimator=estimator, n_permutations=B, random_state=2)
    _, p = reference.mmd_permutation_test(X, Y, "gaussian", 1.0, estimator, 1.5, B, seed=2)
    assert res.pvalue == p
    assert res.pvalue > 0.25  # about a third of the permutations tie with the observed
