"""The matrix-completion bandit's factor step against numpy and against balanced-factor GD."""

import numpy as np

from statkit.bandits._mcb_kernels import mcb_step, reference_step


def _state(rng, K=2, d1=6, d2=5, r=2):
    U = rng.standard_normal((K, d1, r))
    V = rng.standard_normal((K, d2, r))
    A = np.einsum("kia,kib->kab", U, U)
    B = np.einsum("kja,kjb->kab", V, V)
    return U, V, A, B


def _step(U, V, A, B, arm, i, j, y, p, eta):
    K, d1, _ = U.shape
    d2 = V.shape[1]
    return mcb_step(
        U, V, A, B, arm, i, j, y, p, eta, 1, 10, np.zeros((K, d1, d2)), np.zeros((K, d1, d2)),
        np.zeros((K, d1, d2)), np.zeros(K), np.zeros((K, d1), np.int64),
        np.zeros((K, d2), np.int64), False,
    )  # fmt: skip


def test_kernel_matches_numpy_reference_over_many_rounds():
    rng = np.random.default_rng(0)
    U, V, A, B = _state(rng)
    U2, V2 = U.copy(), V.copy()
    for _ in range(300):
        arm, i, j = rng.integers(2), rng.integers(6), rng.integers(5)
        y, p = rng.standard_normal(), rng.uniform(0.2, 1.0)
        _step(U, V, A, B, arm, i, j, y, p, 0.01)
        reference_step(U2, V2, arm, i, j, y, p, 0.01)
    for a in range(2):
        np.testing.assert_allclose(U[a] @ V[a].T, U2[a] @ V2[a].T, rtol=1e-10, atol=1e-10)


def test_one_step_is_gradient_descent_on_the_balanced_factors():
    # oracle from the note: balance M = L S R^T as (L S^1/2, R S^1/2), take the plain IPW step
    rng = np.random.default_rng(1)
    U, V, A, B = _state(rng, K=1)
    L, s, Rt = np.linalg.svd(U[0] @ V[0].T, full_matrices=False)
    Ub, Vb = L[:, :2] * np.sqrt(s[:2]), Rt[:2].T * np.sqrt(s[:2])
    i, j, y, p, eta = 3, 2, 0.7, 0.4, 0.05
    g = (Ub[i] @ Vb[j] - y) / p
    ui = Ub[i] - eta * g * Vb[j]
    Vb[j] = Vb[j] - eta * g * ui
    Ub[i] = ui
    _step(U, V, A, B, 0, i, j, y, p, eta)
    np.testing.assert_allclose(U[0] @ V[0].T, Ub @ Vb.T, atol=1e-12)


def test_balance_metric_solves_PAP_equals_B_for_every_rank():
    # oracle: the defining equation P A P = B with P symmetric positive definite, and the
    # closed 2x2 form against the eigendecomposition path (reached through r = 2 vs r = 3
    # pairs that embed the same 2x2 problem in a block-diagonal 3x3 one)
    from statkit.bandits._mcb_kernels import balance_metric

    rng = np.random.default_rng(3)
    for r in (1, 2, 3, 5):
        for _ in range(20):
            X = rng.standard_normal((r, r))
            Y = rng.standard_normal((r, r))
            A = X @ X.T + 0.05 * np.eye(r)
            B = Y @ Y.T + 0.05 * np.eye(r)
            P, Pinv = balance_metric(A, B)
            np.testing.assert_allclose(P @ A @ P, B, atol=1e-9 * np.abs(B).max())
            np.testing.assert_allclose(P @ Pinv, np.eye(r), atol=1e-9)
            np.testing.assert_allclose(P, P.T, atol=1e-12)
            assert np.all(np.linalg.eigvalsh(P) > 0)
    X, Y = rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    A2, B2 = X @ X.T + np.eye(2), Y @ Y.T + np.eye(2)
    A3, B3 = np.eye(3), np.eye(3)
    A3[:2, :2], B3[:2, :2] = A2, B2
    np.testing.assert_allclose(balance_metric(A2, B2)[0], balance_metric(A3, B3)[0][:2, :2])
