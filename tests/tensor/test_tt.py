"""TT algebra (statkit.tensor._tt).

Oracles: tensorly's ``tensor_train`` (a separate TT-SVD implementation, LAPACK SVDs);
``np.vdot`` and ``np.linalg.norm`` on the full tensors; the Eckart-Young tail bound of a
truncated SVD; a naive loop that builds every partial derivative of the (multilinear)
map ``cores -> <G, X>`` from unit cores; central finite differences of a smooth loss.
"""

import math

import numpy as np
import pytest

from statkit.tensor._tt import (
    _tt_axpby,
    check_tt_ranks,
    tt_core_gradients,
    tt_dof,
    tt_inner,
    tt_left_orthogonalize,
    tt_norm,
    tt_ranks,
    tt_round,
    tt_svd,
    tt_to_full,
)


def _random_cores(shape, ranks, rng, dtype=np.float64):
    full = (1, *ranks, 1)
    return [
        rng.standard_normal((full[k], d, full[k + 1])).astype(dtype) for k, d in enumerate(shape)
    ]


def _assert_left_orthogonal(cores, atol=1e-12):
    for c in cores[:-1]:
        L = np.asarray(c).reshape(-1, c.shape[2])
        np.testing.assert_allclose(L.T @ L, np.eye(L.shape[1]), atol=atol)


def _naive_full(cores):
    """Entry by entry: X(s) = X_1(:, s_1, :) ... X_N(:, s_N, :)."""
    shape = tuple(c.shape[1] for c in cores)
    out = np.empty(shape)
    for idx in np.ndindex(*shape):
        v = np.ones((1, 1))
        for c, s in zip(cores, idx, strict=True):
            v = v @ c[:, s, :]
        out[idx] = v[0, 0]
    return out


# --------------------------------------------------------------------------- TT-SVD


def test_tt_to_full_matches_the_entrywise_product():
    cores = _random_cores((3, 2, 4, 2), (2, 3, 2), np.random.default_rng(0))
    np.testing.assert_allclose(tt_to_full(cores), _naive_full(cores), atol=1e-12)


def test_tt_svd_matches_tensorly_on_tt_rank_r_input():
    tl_decomp = pytest.importorskip("tensorly.decomposition")
    import tensorly as tl

    shape, ranks = (3, 4, 2, 5, 3), (2, 3, 3, 2)
    X = tt_to_full(_random_cores(shape, ranks, np.random.default_rng(1)))
    ours = tt_svd(X, ranks=ranks)
    theirs = tl_decomp.tensor_train(X, rank=[1, *ranks, 1])
    assert [c.shape for c in ours] == [tuple(c.shape) for c in theirs]
    scale = np.linalg.norm(X)
    np.testing.assert_allclose(tt_to_full(ours), X, atol=1e-12 * scale)
    np.testing.assert_allclose(tt_to_full(ours), tl.tt_to_tensor(theirs), atol=1e-12 * scale)


def test_tt_svd_truncation_matches_tensorly_on_a_generic_tensor():
    # Both run sequential truncated SVDs left to right, so the rank-r approximants agree
    # (distinct singular values); ours uses the Gram matrix, tensorly LAPACK SVDs.
    tl_decomp = pytest.importorskip("tensorly.decomposition")
    import tensorly as tl

    X = np.random.default_rng(2).standard_normal((4, 4, 4, 4, 4))
    ours = tt_to_full(tt_svd(X, ranks=3))
    theirs = tl.tt_to_tensor(tl_decomp.tensor_train(X, rank=[1, 3, 3, 3, 3, 1]))
    np.testing.assert_allclose(ours, theirs, atol=1e-10 * np.linalg.norm(X))


def test_tt_svd_is_exact_and_left_orthogonal_on_tt_input():
    shape, ranks = (4,) * 6, (2,) * 5
    X = tt_to_full(_random_cores(shape, ranks, np.random.default_rng(3)))
    cores = tt_svd(X, tol=1e-8)
    assert tt_ranks(cores) == ranks  # the tolerance finds the true ranks
    _assert_left_orthogonal(cores)
    np.testing.assert_allclose(tt_to_full(cores), X, atol=1e-12 * np.linalg.norm(X))
    assert tt_norm(cores) == pytest.approx(np.linalg.norm(cores[-1]), rel=1e-12)


@pytest.mark.parametrize("tol", [0.05, 0.2, 0.5])
def test_tt_svd_tolerance_bound_and_per_step_minimality(tol):
    X = np.random.default_rng(4).standard_normal((3, 4, 5, 4))
    cores = tt_svd(X, tol=tol)
    err = np.linalg.norm(tt_to_full(cores) - X)
    assert err <= tol * np.linalg.norm(X) * (1 + 1e-10)
    # the first rank is the smallest whose discarded tail is <= delta^2 (Oseledets)
    delta2 = (tol * np.linalg.norm(X)) ** 2 / (X.ndim - 1)
    s = np.linalg.svd(X.reshape(3, -1), compute_uv=False)
    tails = [np.sum(s[r:] ** 2) for r in range(1, len(s) + 1)]
    r1 = next(r for r, t in zip(range(1, len(s) + 1), tails, strict=True) if t <= delta2)
    assert tt_ranks(cores)[0] == r1


def test_tt_svd_honours_max_rank_and_tolerance_together():
    X = np.random.default_rng(5).standard_normal((4, 4, 4, 4))
    loose = tt_svd(X, ranks=3, tol=0.9)
    assert all(r <= 3 for r in tt_ranks(loose))
    assert tt_ranks(tt_svd(X, ranks=3, tol=0.0)) == (3, 3, 3)
    assert tt_ranks(tt_svd(X, ranks=(2, 5, 2))) == (2, 5, 2)


def test_tt_svd_quasi_optimality_against_the_best_matrix_bound():
    # ||X - TT_r(X)||^2 <= sum_k (tail of the k-th unfolding beyond r_k)^2
    X = np.random.default_rng(6).standard_normal((3, 3, 3, 3, 3))
    r = 2
    err2 = np.linalg.norm(tt_to_full(tt_svd(X, ranks=r)) - X) ** 2
    bound = 0.0
    for k in range(1, X.ndim):
        s = np.linalg.svd(X.reshape(3**k, -1), compute_uv=False)
        bound += np.sum(s[r:] ** 2)
    assert err2 <= bound * (1 + 1e-10)


def test_tt_svd_integer_input_and_order_one():
    X = np.arange(24).reshape(2, 3, 4)
    cores = tt_svd(X)
    assert cores[0].dtype == np.float64
    np.testing.assert_allclose(tt_to_full(cores), X, atol=1e-10)
    v = np.arange(5.0)
    (c,) = tt_svd(v)
    assert c.shape == (1, 5, 1)
    np.testing.assert_array_equal(tt_to_full([c]), v)


def test_tt_svd_zero_tensor():
    cores = tt_svd(np.zeros((2, 3, 2)), ranks=2)
    assert tt_ranks(cores) == (2, 2)
    np.testing.assert_array_equal(tt_to_full(cores), 0)
    assert tt_ranks(tt_svd(np.zeros((2, 3, 2)), tol=0.1)) == (1, 1)


def test_tt_svd_rejects_bad_input():
    with pytest.raises(ValueError, match="NaN or inf"):
        tt_svd(np.array([[1.0, np.nan], [0, 1]]))
    with pytest.raises(TypeError, match="real"):
        tt_svd(np.ones((2, 2), complex))
    with pytest.raises(ValueError, match="tol must be >= 0"):
        tt_svd(np.ones((2, 2)), tol=-1)
    with pytest.raises(ValueError, match="exceeds min"):
        tt_svd(np.ones((2, 2, 2)), ranks=3)


def test_tt_svd_is_deterministic():
    X = np.random.default_rng(7).standard_normal((3, 4, 3))
    a, b = tt_svd(X, ranks=2), tt_svd(X.copy(), ranks=2)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


# --------------------------------------------------------------------------- rounding


def test_tt_round_equals_tt_svd_of_the_full_tensor():
    rng = np.random.default_rng(8)
    cores = _random_cores((3, 4, 4, 3), (3, 4, 3), rng)
    X = tt_to_full(cores)
    for kwargs in ({"ranks": 2}, {"tol": 0.3}, {"ranks": (1, 3, 2), "tol": 0.1}):
        rounded = tt_round(cores, **kwargs)
        _assert_left_orthogonal(rounded)
        ref = tt_svd(X, **kwargs)
        assert tt_ranks(rounded) == tt_ranks(ref)
        np.testing.assert_allclose(tt_to_full(rounded), tt_to_full(ref), atol=1e-10)


def test_tt_round_recompresses_a_sum_at_large_order():
    # t3f#202 / ttpy#88: rounding must honour both the tolerance and the max rank at large N
    n = 40
    cores = _random_cores((2,) * n, (2,) * (n - 1), np.random.default_rng(9))
    cores = tt_left_orthogonalize(cores)
    cores[-1] /= np.linalg.norm(cores[-1])
    doubled = _tt_axpby(1.0, cores, 1.0, cores)  # 2 X with ranks 4
    assert max(tt_ranks(doubled)) == 4
    back = tt_round(doubled, tol=1e-8)
    assert tt_ranks(back) == (2,) * (n - 1)
    diff = tt_norm(_tt_axpby(1.0, back, -2.0, cores))
    assert diff < 1e-9
    one = tt_round(doubled, ranks=1, tol=1e-8)
    assert tt_ranks(one) == (1,) * (n - 1)


def test_tt_left_orthogonalize_keeps_the_tensor():
    cores = _random_cores((3, 2, 4, 3), (3, 2, 3), np.random.default_rng(10))
    lo = tt_left_orthogonalize(cores)
    _assert_left_orthogonal(lo)
    np.testing.assert_allclose(tt_to_full(lo), tt_to_full(cores), atol=1e-12)
    # a redundant rank (r_1 = 4 > d_1 = 3) shrinks
    cores2 = _random_cores((3, 4, 3), (4, 3), np.random.default_rng(11))
    lo2 = tt_left_orthogonalize(cores2)
    assert tt_ranks(lo2)[0] == 3
    np.testing.assert_allclose(tt_to_full(lo2), tt_to_full(cores2), atol=1e-12)


# --------------------------------------------------------------------------- inner products


def test_tt_inner_and_norm_match_the_full_tensors():
    rng = np.random.default_rng(12)
    shape = (3, 4, 2, 3)
    a = _random_cores(shape, (2, 3, 2), rng)
    b = _random_cores(shape, (3, 1, 2), rng)
    A, B = tt_to_full(a), tt_to_full(b)
    assert tt_inner(a, b) == pytest.approx(np.vdot(A, B), rel=1e-12)
    assert tt_norm(a) == pytest.approx(np.linalg.norm(A), rel=1e-12)
    np.testing.assert_allclose(tt_to_full(_tt_axpby(2.0, a, -0.5, b)), 2 * A - 0.5 * B, atol=1e-12)


def test_tt_norm_of_a_tiny_difference_is_accurate():
    rng = np.random.default_rng(13)
    a = _random_cores((4,) * 5, (2,) * 4, rng)
    b = [c.copy() for c in a]
    b[2] = b[2] + 1e-9 * rng.standard_normal(b[2].shape)
    exact = np.linalg.norm(tt_to_full(a) - tt_to_full(b))
    assert tt_norm(_tt_axpby(1.0, a, -1.0, b)) == pytest.approx(exact, rel=1e-6)


def test_tt_inner_rejects_mismatched_shapes():
    rng = np.random.default_rng(14)
    with pytest.raises(ValueError, match="same mode sizes"):
        tt_inner(_random_cores((2, 3), (1,), rng), _random_cores((2, 4), (1,), rng))
    with pytest.raises(ValueError, match="left rank"):
        tt_to_full([np.ones((1, 2, 2)), np.ones((3, 2, 1))])
    with pytest.raises(ValueError, match="boundary ranks"):
        tt_to_full([np.ones((2, 2, 1))])
    with pytest.raises(TypeError, match="list of 3-D cores"):
        tt_to_full(np.ones((1, 2, 1)))


# --------------------------------------------------------------------------- core gradients


def test_core_gradients_match_a_naive_unit_core_loop():
    rng = np.random.default_rng(15)
    shape = (3, 2, 4)
    cores = _random_cores(shape, (2, 3), rng)
    G = rng.standard_normal(shape)
    grads = tt_core_gradients(cores, G)
    for k, c in enumerate(cores):
        naive = np.zeros_like(c)
        for idx in np.ndindex(*c.shape):
            unit = [x.copy() for x in cores]
            unit[k] = np.zeros_like(c)
            unit[k][idx] = 1.0
            naive[idx] = np.vdot(G, _naive_full(unit))  # <G, X> is linear in core k
        np.testing.assert_allclose(grads[k], naive, atol=1e-12)


def test_core_gradients_match_finite_differences_of_a_smooth_loss():
    rng = np.random.default_rng(16)
    shape = (3, 4, 3, 2)
    cores = _random_cores(shape, (2, 3, 2), rng)
    A = rng.standard_normal((30, math.prod(shape)))
    y = rng.standard_normal(30)

    def F(cs):
        r = A @ tt_to_full(cs).reshape(-1) - y
        return 0.5 * r @ r / 30

    res = A @ tt_to_full(cores).reshape(-1) - y
    grads = tt_core_gradients(cores, (A.T @ res / 30).reshape(shape))
    h = 1e-6
    for k in range(len(cores)):
        fd = np.zeros_like(cores[k])
        for idx in np.ndindex(*cores[k].shape):
            plus = [c.copy() for c in cores]
            minus = [c.copy() for c in cores]
            plus[k][idx] += h
            minus[k][idx] -= h
            fd[idx] = (F(plus) - F(minus)) / (2 * h)
        np.testing.assert_allclose(grads[k], fd, rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------- rank checks


def test_check_tt_ranks_forms_and_caps():
    assert check_tt_ranks(2, (4, 4, 4)) == (2, 2)
    assert check_tt_ranks((1, 2, 3, 1), (2, 3, 4)) == (2, 3)
    assert check_tt_ranks(np.array([2, 3]), (2, 3, 4)) == (2, 3)
    assert check_tt_ranks(None, (2, 3, 4, 5)) == (2, 6, 5)
    assert check_tt_ranks(3, (7,)) == ()


@pytest.mark.parametrize(
    ("ranks", "shape", "match"),
    [
        (5, (4, 4, 4), r"exceeds min\(prod d_<=k, prod d_>k\) = 4"),
        ((1, 5, 1), (4, 4, 4, 4), r"r_2 = 5 exceeds r_1 \* d_2 = 4"),
        ((4, 1, 4), (4, 3, 4, 4), r"r_1 = 4 exceeds d_2 \* r_2 = 3"),
        ((2, 2), (4, 4, 4, 4), "N - 1 = 3 inner ranks"),
        (0, (4, 4), "must be >= 1"),
        ((2, 2, 2, 2), (4, 4, 4), "must start and end with 1"),
    ],
)
def test_check_tt_ranks_errors(ranks, shape, match):
    with pytest.raises(ValueError, match=match):
        check_tt_ranks(ranks, shape)


def test_check_tt_ranks_type_errors():
    with pytest.raises(TypeError, match="integer"):
        check_tt_ranks((2.5, 2), (4, 4, 4))
    with pytest.raises(TypeError, match="ranks must be"):
        check_tt_ranks("2", (4, 4))
    with pytest.raises(ValueError, match=r"shape\[1\]"):
        check_tt_ranks(1, (4, 0))


def test_tt_dof_matches_the_note_and_a_jacobian_rank():
    assert tt_dof((4,) * 6, 2) == 60
    assert tt_dof((4,) * 10, 4) == 400
    # the rank of the Jacobian of cores -> X at a generic point is the manifold dimension
    rng = np.random.default_rng(17)
    shape, ranks = (3, 3, 3), (2, 2)
    cores = _random_cores(shape, ranks, rng)
    cols = []
    for k, c in enumerate(cores):
        for idx in np.ndindex(*c.shape):
            unit = [x.copy() for x in cores]
            unit[k] = np.zeros_like(c)
            unit[k][idx] = 1.0
            cols.append(tt_to_full(unit).reshape(-1))
    J = np.stack(cols, axis=1)
    assert np.linalg.matrix_rank(J) == tt_dof(shape, ranks)


# --------------------------------------------------------------------------- backends


def test_tt_functions_follow_the_backend(xp_case):
    rng = np.random.default_rng(18)
    shape = (3, 4, 3, 2)
    X = tt_to_full(_random_cores(shape, (2, 3, 2), rng))
    Xb = xp_case.asarray(X)
    cores = tt_svd(Xb, ranks=(2, 3, 2))
    for c in cores:
        xp_case.check_output(c)
    full = tt_to_full(cores)
    xp_case.check_output(full)
    tol = xp_case.rtol * 10
    np.testing.assert_allclose(xp_case.to_numpy(full), X, atol=tol * np.abs(X).max())
    rounded = tt_round(cores, ranks=1)
    ref = tt_round(tt_svd(X, ranks=(2, 3, 2)), ranks=1)
    np.testing.assert_allclose(
        xp_case.to_numpy(tt_to_full(rounded)), tt_to_full(ref), atol=tol * np.abs(X).max()
    )
    assert float(tt_inner(cores, cores)) == pytest.approx(np.vdot(X, X), rel=tol)
    assert float(tt_norm(cores)) == pytest.approx(np.linalg.norm(X), rel=tol)
    G = xp_case.asarray(rng.standard_normal(shape))
    grads = tt_core_gradients(cores, G)
    ref_grads = tt_core_gradients(
        [xp_case.to_numpy(c).astype(float) for c in cores], xp_case.to_numpy(G)
    )
    for g, r in zip(grads, ref_grads, strict=True):
        xp_case.check_output(g)
        np.testing.assert_allclose(xp_case.to_numpy(g), r, atol=tol * np.abs(r).max())
