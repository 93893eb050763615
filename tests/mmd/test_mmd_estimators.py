"""mmd() against the naive double-loop reference on every backend.

Oracles: ``statkit._testing.reference.mmd_u`` / ``mmd_v`` (pure Python loops over pairs,
exact ``math.fsum`` sums) and, for samples too large for Python loops, an exact-difference
numpy evaluation summed with ``math.fsum`` (no code shared with the numba kernel).
"""

import functools
import math

import numpy as np
import pytest

import statkit.mmd._estimators as est_mod
from statkit._testing import reference
from statkit.mmd import median_bandwidth, mmd

KERNEL_CASES = [
    ("gaussian", 1.5),
    ("laplace", 1.5),
    ("matern", 0.5),
    ("matern", 1.5),
    ("matern", 2.5),
    ("inverse_multiquadric", 1.5),
]
ELL = 1.3


def _data(m=23, n=17, d=3, shift=0.4, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, d)), rng.standard_normal((n, d)) + shift


@functools.cache
def _reference(kernel, nu, estimator):
    X, Y = _data()
    f = reference.mmd_u if estimator == "u" else reference.mmd_v
    return f(X, Y, kernel, ELL, nu)


def _as_float(xp_case, out):
    if xp_case.name == "numpy":
        assert type(out) is float  # a Python float for numpy input
        return out
    xp_case.check_output(out)
    assert out.ndim == 0
    return float(xp_case.to_numpy(out))


@pytest.mark.parametrize("block_size", [None, 1, 7])
@pytest.mark.parametrize("estimator", ["u", "v"])
@pytest.mark.parametrize(("kernel", "nu"), KERNEL_CASES)
def test_mmd_matches_reference(xp_case, kernel, nu, estimator, block_size):
    X, Y = _data()
    out = mmd(
        xp_case.asarray(X),
        xp_case.asarray(Y),
        kernel=kernel,
        bandwidth=ELL,
        estimator=estimator,
        nu=nu,
        block_size=block_size,
    )
    value = _as_float(xp_case, out)
    expected = _reference(kernel, nu, estimator)
    # float32 data: the kernel values carry float32 rounding of the inputs
    np.testing.assert_allclose(value, expected, rtol=xp_case.rtol, atol=xp_case.atol)


def _exact_sums(X, Y, ell):
    """Gaussian kernel sums from exact coordinate differences, summed with math.fsum."""

    def ksum(A, B):
        D = ((A[:, None, :] - B[None, :, :]) ** 2).sum(axis=-1)
        return math.fsum(np.exp(-D / (2 * ell**2)).ravel())

    m, n = len(X), len(Y)
    sxx, syy, sxy = ksum(X, X) - m, ksum(Y, Y) - n, ksum(X, Y)
    return sxx / (m * (m - 1)) + syy / (n * (n - 1)) - 2 * sxy / (m * n)


@pytest.mark.parametrize("block_size", [None, 5, 100, 1000])
def test_mmd_numba_tiles_and_tail_blocks(block_size):
    # 1300 columns = 2 full 512-column tiles + a tail; rows not a multiple of the block
    X, Y = _data(m=1300, n=700, d=5, shift=0.2, seed=3)
    expected = _exact_sums(X, Y, 1.7)
    got = mmd(X, Y, bandwidth=1.7, block_size=block_size)
    # the statistic is a difference of O(1) terms: compare relative to their size
    assert abs(got - expected) < 1e-14 * 3
    assert got == pytest.approx(expected, rel=1e-11)


@pytest.mark.parametrize("block_size", [None, 3, 64])
def test_mmd_torch_blocks_match_numpy(block_size):
    torch = pytest.importorskip("torch")
    X, Y = _data(m=301, n=150, d=4)
    a = mmd(X, Y, bandwidth=2.0)
    b = mmd(torch.as_tensor(X), torch.as_tensor(Y), bandwidth=2.0, block_size=block_size)
    assert float(b) == pytest.approx(a, rel=1e-12, abs=1e-15)


def test_mmd_torch_uses_row_blocks(monkeypatch):
    torch = pytest.importorskip("torch")
    X, Y = _data(m=50, n=31)
    shapes = []
    original = est_mod.distances_xp

    def spy(A, B, metric, *, same=False):
        shapes.append((A.shape[0], B.shape[0]))
        return original(A, B, metric, same=same)

    monkeypatch.setattr(est_mod, "distances_xp", spy)
    out = mmd(torch.as_tensor(X), torch.as_tensor(Y), bandwidth=1.0, block_size=8)
    assert all(rows <= 8 for rows, _ in shapes)
    assert max(r * c for r, c in shapes) <= 8 * (50 + 31)
    assert len(shapes) == math.ceil(50 / 8) + math.ceil(31 / 8)
    assert float(out) == pytest.approx(reference.mmd_u(X, Y, "gaussian", 1.0), rel=1e-12)


def test_mmd_torch_float32_dtype_and_device():
    torch = pytest.importorskip("torch")
    X, Y = _data()
    out = mmd(torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(Y, dtype=torch.float32))
    assert out.dtype == torch.float32 and out.device.type == "cpu" and out.ndim == 0


def test_mmd_torch_mixed_dtypes_promote():
    torch = pytest.importorskip("torch")
    X, Y = _data()
    out = mmd(torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(Y), bandwidth=ELL)
    assert out.dtype == torch.float64


def test_mmd_numpy_float32_is_computed_in_float64():
    X, Y = _data()
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    got = mmd(X32, Y32, bandwidth=ELL)
    expected = reference.mmd_u(X32.astype(np.float64), Y32.astype(np.float64), "gaussian", ELL)
    assert got == pytest.approx(expected, rel=1e-13)


def test_mmd_median_bandwidth_default():
    X, Y = _data()
    ell = median_bandwidth(X, Y)
    assert mmd(X, Y) == mmd(X, Y, bandwidth=ell)
    assert mmd(X, Y) == pytest.approx(reference.mmd_u(X, Y, "gaussian", ell), rel=1e-13)


def test_mmd_symmetric_in_samples_and_translation_invariant():
    X, Y = _data()
    a = mmd(X, Y, bandwidth=ELL)
    assert mmd(Y, X, bandwidth=ELL) == pytest.approx(a, rel=1e-14)
    assert mmd(X + 100.0, Y + 100.0, bandwidth=ELL) == pytest.approx(a, rel=1e-11)


def test_v_statistic_exceeds_u_by_the_diagonal_terms():
    # V - U = (1 - kxx_bar) / m + (1 - kyy_bar) / n with kxx_bar = sxx / (m (m - 1)) the
    # U-average; its expectation is the bias formula of the docstring
    X, Y = _data()
    m, n = len(X), len(Y)
    u, v = mmd(X, Y, bandwidth=ELL), mmd(X, Y, bandwidth=ELL, estimator="v")
    K = reference.mmd_gram
    kxx_bar = (K(X, X, "gaussian", ELL).sum() - m) / (m * (m - 1))
    kyy_bar = (K(Y, Y, "gaussian", ELL).sum() - n) / (n * (n - 1))
    assert v - u == pytest.approx((1 - kxx_bar) / m + (1 - kyy_bar) / n, rel=1e-12)
    assert v >= 0


def test_v_statistic_bias_in_expectation():
    # E[V] - MMD^2 = (1 - E k(X, X')) / m + (1 - E k(Y, Y')) / n, E k(X, X') in closed form
    from statkit.mmd import gaussian_mmd2

    rng = np.random.default_rng(8)
    m, n, ell, reps = 20, 30, 1.0, 400
    vs = [
        mmd(
            rng.standard_normal((m, 1)),
            rng.standard_normal((n, 1)) + 1.0,
            bandwidth=ell,
            estimator="v",
        )
        for _ in range(reps)
    ]
    ekk = 1 / np.sqrt(1 + 2 / ell**2)  # E k(X, X') for N(0, 1), det(I + 2 S / l^2)^(-1/2)
    expected = gaussian_mmd2(0.0, 1.0, 1.0, 1.0, ell) + (1 - ekk) / m + (1 - ekk) / n
    se = np.std(vs, ddof=1) / np.sqrt(reps)
    assert abs(np.mean(vs) - expected) < 4 * se


def test_mmd_one_dimensional_and_integer_input():
    x = np.array([0, 1, 2, 5])
    y = np.array([1, 3, 3])
    got = mmd(x, y, bandwidth=1.0)
    expected = reference.mmd_u(x.reshape(-1, 1), y.reshape(-1, 1), "gaussian", 1.0)
    assert got == pytest.approx(expected, rel=1e-14)


def test_mmd_v_statistic_with_one_point_each():
    # V-statistic of single points: 1 + 1 - 2 k(x, y)
    got = mmd([[0.0]], [[1.0]], bandwidth=1.0, estimator="v")
    assert got == pytest.approx(2 - 2 * np.exp(-0.5), rel=1e-15)


def test_mmd_identical_samples_v_statistic_is_zero():
    X, _ = _data()
    assert abs(mmd(X, X, bandwidth=ELL, estimator="v")) < 1e-15


def test_mmd_random_state_only_matters_when_subsampling():
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((1500, 2)), rng.standard_normal((800, 2))  # 2300 > 2000
    a = mmd(X, Y, random_state=0)
    assert a == mmd(X, Y, random_state=0)
    assert a == mmd(X, Y, bandwidth=median_bandwidth(X, Y, random_state=0))
