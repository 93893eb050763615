"""kernel_matrix against a peer library (scikit-learn) and the naive reference.

Oracles: ``sklearn.metrics.pairwise.rbf_kernel`` (gamma = 1/(2 l^2)),
``laplacian_kernel`` (gamma = 1/l, L1 distance), ``sklearn.gaussian_process.kernels.Matern``
(length_scale = l), and the double loop of ``statkit._testing.reference.mmd_gram`` for the
inverse multiquadric kernel.
"""

import numpy as np
import pytest
from sklearn.gaussian_process.kernels import Matern
from sklearn.metrics.pairwise import laplacian_kernel, rbf_kernel

from statkit._testing import reference
from statkit.mmd import KERNELS, kernel_matrix

ELL = 1.7


def _data(d=3):
    rng = np.random.default_rng(0)
    return rng.standard_normal((13, d)), rng.standard_normal((9, d)) * 1.5 + 0.3


def _sklearn_gram(X, Y, kernel, ell, nu):
    if kernel == "gaussian":
        return rbf_kernel(X, Y, gamma=1.0 / (2.0 * ell**2))
    if kernel == "laplace":
        return laplacian_kernel(X, Y, gamma=1.0 / ell)
    if kernel == "matern":
        return Matern(length_scale=ell, nu=nu)(X, Y)
    return reference.mmd_gram(X, Y, kernel, ell, nu)


CASES = [
    ("gaussian", 1.5),
    ("laplace", 1.5),
    ("matern", 0.5),
    ("matern", 1.5),
    ("matern", 2.5),
    ("inverse_multiquadric", 1.5),
]


def test_kernels_constant():
    assert KERNELS == ("gaussian", "laplace", "matern", "inverse_multiquadric")


@pytest.mark.parametrize(("kernel", "nu"), CASES)
def test_kernel_matrix_matches_sklearn(xp_case, kernel, nu):
    X, Y = _data()
    expected = _sklearn_gram(X, Y, kernel, ELL, nu)
    K = kernel_matrix(xp_case.asarray(X), xp_case.asarray(Y), kernel=kernel, bandwidth=ELL, nu=nu)
    xp_case.check_output(K)
    assert tuple(K.shape) == (13, 9)
    np.testing.assert_allclose(xp_case.to_numpy(K), expected, rtol=xp_case.rtol, atol=xp_case.atol)


@pytest.mark.parametrize(("kernel", "nu"), CASES)
def test_kernel_matrix_matches_reference_loop(kernel, nu):
    X, Y = _data(d=5)
    K = kernel_matrix(X, Y, kernel=kernel, bandwidth=0.9, nu=nu)
    np.testing.assert_allclose(K, reference.mmd_gram(X, Y, kernel, 0.9, nu), rtol=1e-14, atol=0)


@pytest.mark.parametrize(("kernel", "nu"), CASES)
def test_kernel_matrix_self_is_symmetric_with_unit_diagonal(xp_case, kernel, nu):
    X, _ = _data()
    K = xp_case.to_numpy(kernel_matrix(xp_case.asarray(X), kernel=kernel, bandwidth=ELL, nu=nu))
    np.testing.assert_array_equal(np.diag(K), 1.0)  # exactly k(x, x) = 1
    np.testing.assert_allclose(K, K.T, rtol=xp_case.rtol, atol=xp_case.atol)
    np.testing.assert_allclose(
        K, _sklearn_gram(X, X, kernel, ELL, nu), rtol=xp_case.rtol, atol=xp_case.atol
    )


def test_kernel_matrix_large_crosses_tiles():
    # more than one 512-column tile and a row count that is not a multiple of anything
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((37, 6)), rng.standard_normal((1100, 6))
    np.testing.assert_allclose(
        kernel_matrix(X, Y, bandwidth=2.0), rbf_kernel(X, Y, gamma=1 / 8), rtol=1e-13, atol=0
    )


def test_kernel_matrix_laplace_is_l1_not_euclidean():
    X = np.array([[0.0, 0.0]])
    Y = np.array([[1.0, 1.0]])
    # L1 distance 2 (Euclidean would give sqrt(2))
    assert kernel_matrix(X, Y, kernel="laplace", bandwidth=1.0)[0, 0] == pytest.approx(np.exp(-2))


def test_kernel_matrix_one_dimensional_and_integer_input():
    K = kernel_matrix([0, 1, 3], [0, 2], bandwidth=1.0)
    assert K.dtype == np.float64
    expected = np.exp(-((np.array([0, 1, 3])[:, None] - np.array([0, 2])[None, :]) ** 2) / 2)
    np.testing.assert_allclose(K, expected, rtol=1e-15)


def test_kernel_matrix_formulas_at_known_points():
    # r = 1, l = 1: the closed forms written out
    X, Y = np.array([[0.0]]), np.array([[1.0]])
    s3, s5 = np.sqrt(3), np.sqrt(5)
    expected = {
        ("gaussian", 1.5): np.exp(-0.5),
        ("laplace", 1.5): np.exp(-1.0),
        ("matern", 0.5): np.exp(-1.0),
        ("matern", 1.5): (1 + s3) * np.exp(-s3),
        ("matern", 2.5): (1 + s5 + 5 / 3) * np.exp(-s5),
        ("inverse_multiquadric", 1.5): 2**-0.5,
    }
    for (kernel, nu), value in expected.items():
        got = kernel_matrix(X, Y, kernel=kernel, bandwidth=1.0, nu=nu)[0, 0]
        assert got == pytest.approx(value, rel=1e-15), kernel
