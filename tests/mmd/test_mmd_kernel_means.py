"""Input kernels, kernel means and initial errors for Bayesian quadrature.

Oracles: ``scipy.integrate.quad`` / ``dblquad`` of the kernel written out pointwise;
the Matérn-uniform kernel means printed in the reference code of Bharti et al. (2023,
arXiv:2301.11674); ``sklearn.gaussian_process.kernels`` (RBF, and 1-D Matérn per
coordinate); ``mpmath`` quadrature in 40 digits for the large-length-scale defect
:math:`1 - z`; the Cauchy-Schwarz bound :math:`z(u)^2 \\le \\iint c`; the exact
scaling :math:`z \\propto \\ell` as :math:`\\ell \\to 0`; and numpy float64 for the torch
backends (and the out-of-place autograd path of :func:`input_gram`).
"""

import math

import numpy as np
import pytest
from scipy import integrate, stats
from sklearn.gaussian_process.kernels import RBF, Matern

from statkit.mmd._kernel_means import (
    INPUT_KERNELS,
    check_input_kernel,
    initial_error,
    input_gram,
    kernel_mean,
)

MEASURES = ("uniform", "gaussian")
NU = {"matern12": 0.5, "matern32": 1.5, "matern52": 2.5}
LENGTHSCALES = (0.05, 0.3, 1.0, 5.0)
U_UNIFORM = (0.0, 1e-6, 0.02, 0.37, 1.0)
U_GAUSSIAN = (-3.0, 0.0, 2.5, 8.0)
QUAD = {"epsabs": 0.0, "epsrel": 1e-13, "limit": 200}
EPS = np.finfo(np.float64).eps


def _k1(kernel, r, ell):
    """The 1-D kernel at distance ``r >= 0``, written out."""
    if kernel == "gaussian":
        return math.exp(-(r**2) / (2 * ell**2))
    if kernel == "matern12":
        return math.exp(-r / ell)
    if kernel == "matern32":
        x = math.sqrt(3) * r / ell
        return (1 + x) * math.exp(-x)
    x = math.sqrt(5) * r / ell
    return (1 + x + x**2 / 3) * math.exp(-x)


def _phi(x):
    # the standard normal density; scipy.stats.norm.pdf is ~50x slower per scalar call
    return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _quad_mean_1d(kernel, u, ell, measure):
    """z(u) by adaptive quadrature, split at the kink u (and truncated at 60 l around it
    for the Gaussian measure, beyond which the kernel is below 1e-25)."""
    if measure == "uniform":
        return integrate.quad(lambda v: _k1(kernel, abs(u - v), ell), 0, 1, points=[u], **QUAD)[0]

    def f(x):
        return _k1(kernel, abs(u - x), ell) * _phi(x)

    lo, hi = max(u - 60 * ell, -40.0), min(u + 60 * ell, 40.0)
    return sum(integrate.quad(f, a, b, **QUAD)[0] for a, b in ((lo, u), (u, hi)) if b > a)


def _as_col(u):
    return np.array([[u]], dtype=np.float64)


# --- names ---------------------------------------------------------------------------


def test_input_kernels_constant_and_check():
    assert INPUT_KERNELS == ("gaussian", "matern12", "matern32", "matern52")
    for name in INPUT_KERNELS:
        assert check_input_kernel(name.upper()) == name
    with pytest.raises(ValueError, match="matern32"):
        check_input_kernel("matern")
    with pytest.raises(ValueError, match="valid input kernels"):
        check_input_kernel(3)


# --- kernel means against quadrature -------------------------------------------------


@pytest.mark.parametrize("ell", LENGTHSCALES)
@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("kernel", INPUT_KERNELS)
def test_kernel_mean_1d_matches_quad(kernel, measure, ell):
    us = U_UNIFORM if measure == "uniform" else U_GAUSSIAN
    z = kernel_mean(np.array(us), kernel=kernel, lengthscale=ell, measure=measure)
    assert z.dtype == np.float64 and z.shape == (len(us),)
    expected = [_quad_mean_1d(kernel, u, ell, measure) for u in us]
    np.testing.assert_allclose(z, expected, rtol=1e-9, atol=0)


@pytest.mark.parametrize("ell", (0.05, 0.3, 1.0, 5.0, 100.0))
def test_matern_uniform_means_match_paper_closed_forms(ell):
    u = np.linspace(0.0, 1.0, 11)
    s3, s5, e = math.sqrt(3), math.sqrt(5), np.exp
    z32 = (
        4 * ell / s3
        - e(s3 * (u - 1) / ell) * (3 + 2 * s3 * ell - 3 * u) / 3
        - e(-s3 * u / ell) * (3 * u + 2 * s3 * ell) / 3
    )
    z52 = (
        16 * ell / (3 * s5)
        - e(s5 * (u - 1) / ell)
        * (8 * s5 * ell**2 + 25 * ell * (1 - u) + 5 * s5 * (1 - u) ** 2)
        / (15 * ell)
        - e(-s5 * u / ell) * (8 * s5 * ell**2 + 25 * ell * u + 5 * s5 * u**2) / (15 * ell)
    )
    # the printed forms cancel for large l (terms ~ l), hence the l-scaled tolerance
    atol = 50 * EPS * max(ell, 1.0)
    np.testing.assert_allclose(kernel_mean(u, "matern32", ell), z32, rtol=1e-12, atol=atol)
    np.testing.assert_allclose(kernel_mean(u, "matern52", ell), z52, rtol=1e-12, atol=atol)


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("kernel", INPUT_KERNELS)
def test_kernel_mean_2d_matches_dblquad(kernel, measure):
    ell = 0.6
    u = np.array([0.3, 0.85]) if measure == "uniform" else np.array([0.4, -1.1])

    def f(y, x):
        val = _k1(kernel, abs(u[0] - x), ell) * _k1(kernel, abs(u[1] - y), ell)
        if kernel == "gaussian":
            val = _k1(kernel, math.hypot(u[0] - x, u[1] - y), ell)
        if measure == "gaussian":
            val *= _phi(x) * _phi(y)
        return val

    lo, hi = (0.0, 1.0) if measure == "uniform" else (-9.0, 9.0)
    # four rectangles, so that the kinks of the Matérn kernels at x = u_0, y = u_1 lie on
    # their edges
    expected = sum(
        integrate.dblquad(f, xa, xb, ya, yb, epsabs=0, epsrel=1e-11)[0]
        for xa, xb in ((lo, u[0]), (u[0], hi))
        for ya, yb in ((lo, u[1]), (u[1], hi))
    )
    z = kernel_mean(u[None, :], kernel=kernel, lengthscale=ell, measure=measure)
    assert z.shape == (1,)
    assert z[0] == pytest.approx(expected, rel=1e-8)


def test_kernel_mean_is_product_over_coordinates():
    rng = np.random.default_rng(3)
    U = rng.random((6, 3))
    for kernel in INPUT_KERNELS:
        for measure in MEASURES:
            z = kernel_mean(U, kernel, 0.4, measure)
            cols = [kernel_mean(U[:, d], kernel, 0.4, measure) for d in range(3)]
            np.testing.assert_allclose(z, np.prod(cols, axis=0), rtol=1e-14)


def test_gaussian_gaussian_mean_formula_in_3d():
    U = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])
    ell = 0.7
    l2 = ell**2
    expected = (l2 / (l2 + 1)) ** 1.5 * np.exp(-(U**2).sum(1) / (2 * (l2 + 1)))
    np.testing.assert_allclose(kernel_mean(U, "gaussian", ell, "gaussian"), expected, rtol=1e-14)


# --- initial error -------------------------------------------------------------------


@pytest.mark.parametrize("ell", (0.05, 0.3, 1.0, 5.0))
@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("kernel", INPUT_KERNELS)
def test_initial_error_matches_quad(kernel, measure, ell):
    if measure == "uniform":
        # dblquad of c over [0, 1]^2, split along the diagonal where c has its kink
        def c(v, u):
            return _k1(kernel, abs(u - v), ell)

        lower = integrate.dblquad(c, 0, 1, 0, lambda u: u, epsabs=0, epsrel=1e-12)[0]
        upper = integrate.dblquad(c, 0, 1, lambda u: u, 1, epsabs=0, epsrel=1e-12)[0]
        expected = lower + upper
    else:
        # E c(U, V) = E k(|D|), D = U - V ~ N(0, 2), the density written out
        sd = math.sqrt(2.0)
        expected = (
            2
            * integrate.quad(
                lambda d: _k1(kernel, d, ell) * stats.norm.pdf(d, scale=sd), 0, np.inf, **QUAD
            )[0]
        )
    value = initial_error(kernel, ell, measure, 1)
    assert isinstance(value, float)
    assert value == pytest.approx(expected, rel=1e-9)
    assert initial_error(kernel, ell, measure, 3) == pytest.approx(value**3, rel=1e-14)


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("kernel", INPUT_KERNELS)
def test_initial_error_as_nested_quad(kernel, measure):
    # ∫ z(u) U(du) with z itself from quadrature (no N(0, 2) shortcut for the Gaussian)
    ell = 0.8
    if measure == "uniform":
        expected = integrate.quad(lambda u: _quad_mean_1d(kernel, u, ell, measure), 0, 1)[0]
    else:
        expected = integrate.quad(
            lambda u: _quad_mean_1d(kernel, u, ell, measure) * _phi(u), -10, 10
        )[0]
    assert initial_error(kernel, ell, measure, 1) == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("ell", (1e-3, 0.05, 1.0, 1e3))
@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("kernel", INPUT_KERNELS)
def test_mean_obeys_cauchy_schwarz(kernel, measure, ell):
    # z(u) = <c(u, .), mu> in the RKHS, so z(u)^2 <= c(u, u) * ||mu||^2 = initial error
    rng = np.random.default_rng(7)
    U = rng.random((40, 2)) if measure == "uniform" else rng.standard_normal((40, 2))
    z = kernel_mean(U, kernel, ell, measure)
    ie = initial_error(kernel, ell, measure, 2)
    assert 0.0 < ie <= 1.0
    assert np.all(z**2 <= ie * (1 + 1e-12))


# --- Gram matrix ---------------------------------------------------------------------


@pytest.mark.parametrize("kernel", INPUT_KERNELS)
def test_input_gram_matches_sklearn(kernel):
    rng = np.random.default_rng(0)
    U, V = rng.random((11, 3)), rng.standard_normal((7, 3))
    ell = 0.8
    C = input_gram(U, V, kernel=kernel, lengthscale=ell)
    assert C.shape == (11, 7) and C.dtype == np.float64
    if kernel == "gaussian":
        expected = RBF(length_scale=ell)(U, V)
    else:
        # a product of 1-D Matérn kernels, not the isotropic Matérn of ||u - v||
        m = Matern(length_scale=ell, nu=NU[kernel])
        expected = np.prod([m(U[:, [d]], V[:, [d]]) for d in range(3)], axis=0)
    np.testing.assert_allclose(C, expected, rtol=1e-13, atol=0)


@pytest.mark.parametrize("kernel", INPUT_KERNELS)
def test_input_gram_self_is_symmetric_with_unit_diagonal(kernel):
    U = np.random.default_rng(1).standard_normal((25, 4)) * 3 + 100.0
    C = input_gram(U, kernel=kernel, lengthscale=0.9)
    np.testing.assert_array_equal(np.diag(C), 1.0)  # exact: no |a|^2 + |b|^2 - 2ab
    np.testing.assert_array_equal(C, C.T)
    assert np.all((C > 0) & (C <= 1))


def test_input_gram_one_dimensional_and_integer_input():
    C = input_gram([0, 1, 3], [0, 2], kernel="matern12", lengthscale=2.0)
    assert C.dtype == np.float64
    expected = np.exp(-np.abs(np.array([0, 1, 3])[:, None] - np.array([0, 2])[None, :]) / 2)
    np.testing.assert_allclose(C, expected, rtol=1e-15)


def test_input_gram_from_float32_is_float64():
    U = np.random.default_rng(2).random((5, 2)).astype(np.float32)
    C = input_gram(U, kernel="matern52", lengthscale=0.3)
    assert C.dtype == np.float64
    np.testing.assert_array_equal(
        C, input_gram(U.astype(np.float64), kernel="matern52", lengthscale=0.3)
    )


# --- extreme length scales -----------------------------------------------------------


@pytest.mark.parametrize("ell", (1e-3, 1e3))
@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("kernel", INPUT_KERNELS)
def test_extreme_lengthscales_finite_bounded_and_match_quad(kernel, measure, ell):
    us = U_UNIFORM if measure == "uniform" else U_GAUSSIAN
    z = kernel_mean(np.array(us), kernel, ell, measure)
    assert np.all(np.isfinite(z)) and np.all(z > 0) and np.all(z <= 1.0)
    expected = [_quad_mean_1d(kernel, u, ell, measure) for u in us]
    np.testing.assert_allclose(z, expected, rtol=1e-9, atol=0)
    ie = initial_error(kernel, ell, measure, 1)
    assert math.isfinite(ie) and 0.0 < ie <= 1.0
    C = input_gram(np.array(us), kernel=kernel, lengthscale=ell)
    assert np.all(np.isfinite(C))


@pytest.mark.parametrize("kernel", ("matern32", "matern52"))
def test_uniform_mean_defect_has_no_cancellation_at_large_lengthscale(kernel):
    # 1 - z = ∫ (1 - c(u, v)) dv ~ 1e-7 at l = 1e3: z must be right to a few ulps, which
    # 1 - exp(-x) sum_j x^j / j! evaluated naively (error ~ l * eps) is not.
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    ell = 1e3
    p = 3 if kernel == "matern32" else 5

    def one_minus_k(r):
        x = mpmath.sqrt(p) * r / ell
        poly = 1 + x if p == 3 else 1 + x + x**2 / 3
        return 1 - poly * mpmath.exp(-x)

    for u in (0.0, 0.3, 1.0):
        defect = mpmath.quad(lambda v, u=u: one_minus_k(abs(u - v)), [0, u, 1])
        z = kernel_mean(_as_col(u), kernel, ell, "uniform")[0]
        assert abs(z - float(1 - defect)) <= 4 * EPS


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("kernel", INPUT_KERNELS)
def test_limits_in_lengthscale(kernel, measure):
    u = np.array([0.0, 0.5, 1.0]) if measure == "uniform" else np.array([-2.0, 0.0, 1.5])
    # l -> inf: c -> 1, so z -> 1 and the initial error -> 1
    np.testing.assert_allclose(kernel_mean(u, kernel, 1e7, measure), 1.0, rtol=0, atol=1e-6)
    assert initial_error(kernel, 1e7, measure, 2) == pytest.approx(1.0, abs=1e-6)
    # l -> 0: z -> ∫ c(u, v) dv * density(u), with ∫_R k(|t|) dt = sqrt(2 pi) l (Gaussian)
    # or 2 sum_k gamma_k k! / a (Matérn); halved at the edges of [0, 1]
    ell = 1e-6
    if kernel == "gaussian":
        mass = math.sqrt(2 * math.pi) * ell
    else:
        a = math.sqrt(2 * NU[kernel]) / ell
        mass = 2 * {"matern12": 1, "matern32": 2, "matern52": 8 / 3}[kernel] / a
    if measure == "uniform":
        expected = mass * np.array([0.5, 1.0, 0.5])
    else:
        expected = mass * stats.norm.pdf(u)
    np.testing.assert_allclose(kernel_mean(u, kernel, ell, measure), expected, rtol=1e-5)


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("kernel", INPUT_KERNELS)
def test_absurd_lengthscales_scale_exactly_without_overflow(kernel, measure):
    # l -> 0 (1e-300 < l < 1e-100): z(u) / l and the initial error / l are constant in l
    # (the regime above is exact to float64); l -> inf: everything is 1. Nothing may
    # overflow (a = sqrt(2 nu) / l, a^2 and y^{k+1} would) or warn.
    u = np.array([0.0, 0.5, 1.0]) if measure == "uniform" else np.array([-0.7, 0.0, 0.5])
    z_ref = kernel_mean(u, kernel, 1e-100, measure) / 1e-100
    ie_ref = initial_error(kernel, 1e-100, measure, 1) / 1e-100
    for ell in (1e-300, 1e-200, 1e-155):
        np.testing.assert_allclose(kernel_mean(u, kernel, ell, measure) / ell, z_ref, rtol=1e-12)
        assert initial_error(kernel, ell, measure, 1) / ell == pytest.approx(ie_ref, rel=1e-12)
    for ell in (1e100, 1e200, 1e300):
        np.testing.assert_allclose(kernel_mean(u, kernel, ell, measure), 1.0, rtol=4 * EPS)
        assert initial_error(kernel, ell, measure, 3) == pytest.approx(1.0, rel=4 * EPS)
        C = input_gram(u, kernel=kernel, lengthscale=ell)
        np.testing.assert_allclose(C, 1.0, rtol=4 * EPS)
    # the Gram matrix at absurdly short l: the identity, no NaN from inf * 0
    for ell in (1e-300, 1e-155):
        C = input_gram(u, kernel=kernel, lengthscale=ell)
        np.testing.assert_array_equal(C, np.eye(3))


# --- validation ----------------------------------------------------------------------


def test_uniform_measure_rejects_inputs_outside_unit_cube():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        kernel_mean(np.array([[0.2, 1.5]]), measure="uniform")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        kernel_mean(np.array([-1e-12]), measure="uniform")
    # the Gaussian measure takes any real input
    assert np.isfinite(kernel_mean(np.array([[-5.0, 1.5]]), measure="gaussian")).all()


@pytest.mark.parametrize("bad", (np.nan, np.inf))
def test_non_finite_inputs_rejected(bad):
    with pytest.raises(ValueError, match="NaN or inf"):
        kernel_mean(np.array([[0.5], [bad]]))
    with pytest.raises(ValueError, match="NaN or inf"):
        input_gram(np.array([[0.5], [bad]]))


def test_unknown_kernel_and_measure_rejected():
    with pytest.raises(ValueError, match="valid input kernels"):
        kernel_mean(np.array([0.5]), kernel="laplace")
    with pytest.raises(ValueError, match="valid input kernels"):
        input_gram(np.array([0.5]), kernel="matern")
    with pytest.raises(ValueError, match="valid input kernels"):
        initial_error("rbf", 1.0, "uniform", 1)
    with pytest.raises(ValueError, match="measure must be 'uniform'"):
        kernel_mean(np.array([0.5]), measure="lebesgue")
    with pytest.raises(ValueError, match="measure must be 'uniform'"):
        initial_error("gaussian", 1.0, "normal", 1)


@pytest.mark.parametrize("ell", (0.0, -1.0, np.nan, np.inf))
def test_bad_lengthscale_rejected(ell):
    with pytest.raises(ValueError, match="lengthscale"):
        kernel_mean(np.array([0.5]), lengthscale=ell)
    with pytest.raises(ValueError, match="lengthscale"):
        input_gram(np.array([0.5]), lengthscale=ell)
    with pytest.raises(ValueError, match="lengthscale"):
        initial_error("matern32", ell, "gaussian", 1)


def test_bad_shapes_and_types_rejected():
    with pytest.raises(ValueError, match="same number of coordinates"):
        input_gram(np.zeros((3, 2)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="2-D"):
        kernel_mean(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="lengthscale"):
        kernel_mean(np.array([0.5]), lengthscale="median")
    with pytest.raises(ValueError, match="dim"):
        initial_error("gaussian", 1.0, "uniform", 0)


# --- backends ------------------------------------------------------------------------


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("kernel", INPUT_KERNELS)
def test_backends_match_numpy_float64(xp_case, kernel, measure):
    rng = np.random.default_rng(5)
    U = rng.random((30, 2)) if measure == "uniform" else 3 * rng.standard_normal((30, 2))
    U = np.vstack([U, np.zeros((1, 2)), np.ones((1, 2))])  # exercise the edges
    U_case = xp_case.asarray(U)
    U64 = xp_case.to_numpy(U_case).astype(np.float64)  # the numbers the backend sees
    for ell in (1e-200, 1e-3, 0.3, 2.0, 1e3, 1e200):  # short l: erfcx / asymptotic branches
        z = kernel_mean(U_case, kernel, ell, measure)
        C = input_gram(U_case, U_case[:7], kernel, ell)
        for out in (z, C):
            assert np.all(np.isfinite(xp_case.to_numpy(out)))
            assert type(out) is type(U_case)
            assert str(out.dtype).endswith("float64")
            if xp_case.name == "torch":
                assert out.device == U_case.device
        np.testing.assert_allclose(
            xp_case.to_numpy(z), kernel_mean(U64, kernel, ell, measure), rtol=1e-12, atol=0
        )
        np.testing.assert_allclose(
            xp_case.to_numpy(C), input_gram(U64, U64[:7], kernel, ell), rtol=1e-12, atol=1e-300
        )


@pytest.mark.parametrize("kernel", INPUT_KERNELS)
def test_torch_autograd_path_matches_and_inputs_untouched(kernel):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    U, V = rng.random((9, 3)), rng.random((4, 3))
    U0 = U.copy()
    expected = input_gram(U, V, kernel, 0.4)
    np.testing.assert_array_equal(U, U0)  # the reused buffers are fresh arrays
    Ut = torch.tensor(U, requires_grad=True)
    C = input_gram(Ut, torch.tensor(V), kernel, 0.4)
    np.testing.assert_allclose(C.detach().numpy(), expected, rtol=1e-13, atol=0)
    C.sum().backward()  # the out-of-place path keeps the graph
    assert Ut.grad is not None and bool(torch.isfinite(Ut.grad).all())
    z = kernel_mean(Ut, kernel, 0.4, "gaussian")
    np.testing.assert_allclose(
        z.detach().numpy(), kernel_mean(U, kernel, 0.4, "gaussian"), rtol=1e-13
    )
