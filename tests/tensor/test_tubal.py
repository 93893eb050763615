"""TubalCompletion and the t-SVD kernels against independent oracles.

Oracles: a naive t-SVD written here with the full complex ``np.fft.fft`` over all T bins
(no half-spectrum, no conjugate-symmetry saving) and a per-slice SVD loop; the t-product
of Kilmer & Martin (2011) written as an explicit circular convolution of the tubes; the
variational definition of the proximal operator; exact recovery of noiseless low-tubal-rank
tensors (Zhang & Aeron 2017; Lu et al. 2019).
"""

import math
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from statkit.tensor._tubal import (
    TubalCompletion,
    tensor_nuclear_norm,
    tubal_svt,
    tubal_truncate,
)

# --- oracles ---------------------------------------------------------------------------------


def t_product(A, B):
    """C = A * B: C[:, :, t] = sum_s A[:, :, s] @ B[:, :, (t - s) mod T] (Kilmer & Martin)."""
    T = A.shape[2]
    C = np.zeros((A.shape[0], B.shape[1], T))
    for t in range(T):
        for s in range(T):
            C[:, :, t] += A[:, :, s] @ B[:, :, (t - s) % T]
    return C


def naive_slice_op(X, fn):
    """Apply ``fn`` to the singular values of every unitary full-FFT slice, one at a time."""
    T = X.shape[2]
    Xf = np.fft.fft(X, axis=2) / math.sqrt(T)
    out = np.empty_like(Xf)
    for k in range(T):
        U, s, Vh = np.linalg.svd(Xf[:, :, k], full_matrices=False)
        out[:, :, k] = (U * fn(s)) @ Vh
    back = np.fft.ifft(out * math.sqrt(T), axis=2)
    assert np.max(np.abs(back.imag)) < 1e-12 * max(1.0, np.max(np.abs(back.real)))
    return back.real


def naive_tnn(X):
    """sum over all T bins of the nuclear norms of the unitary DFT slices."""
    T = X.shape[2]
    Xf = np.fft.fft(X, axis=2) / math.sqrt(T)
    return sum(np.linalg.svd(Xf[:, :, k], compute_uv=False).sum() for k in range(T))


def naive_lrtc_tnn(M, mask, n_iter, mu=1e-4, rho=1.1, mu_max=1e10):
    """The ADMM of Lu et al.'s ``lrtc_tnn`` (min ||X||_TNN^Lu s.t. X + E = M, E zero on
    Omega), written from its description: unnormalised fft, SVT by 1/mu on all T slices."""
    T = M.shape[2]
    M = np.where(mask, M, 0.0)
    X, E, Yd = M.copy(), np.zeros_like(M), np.zeros_like(M)
    for _ in range(n_iter):
        Vf = np.fft.fft(M - E + Yd / mu, axis=2)
        for k in range(T):
            U, s, Vh = np.linalg.svd(Vf[:, :, k], full_matrices=False)
            Vf[:, :, k] = (U * np.maximum(s - 1.0 / mu, 0.0)) @ Vh
        X = np.fft.ifft(Vf, axis=2).real
        E = np.where(mask, 0.0, M - X + Yd / mu)
        Yd = Yd + mu * (M - X - E)
        mu = min(rho * mu, mu_max)
    return X, M - E


def low_tubal_rank(n1, n2, T, r, seed=0):
    rng = np.random.default_rng(seed)
    return t_product(rng.standard_normal((n1, r, T)), rng.standard_normal((r, n2, T)))


def rel_err(A, B):
    return np.linalg.norm(A - B) / np.linalg.norm(B)


@pytest.fixture(scope="module")
def problem():
    """20 x 20 x 16, tubal rank 2, 60% observed (noiseless)."""
    X = low_tubal_rank(20, 20, 16, 2, seed=0)
    mask = np.random.default_rng(1).random(X.shape) < 0.6
    return X, mask


@pytest.fixture(scope="module")
def admm_fit(problem):
    X, mask = problem
    return TubalCompletion(method="tnn_admm").fit(X, mask)


@pytest.fixture(scope="module")
def iht_fit(problem):
    X, mask = problem
    return TubalCompletion(method="iht", rank=2).fit(X, mask)


# --- kernels ---------------------------------------------------------------------------------


def test_t_product_tensor_is_exactly_tubal_rank_r():
    X = low_tubal_rank(9, 7, 10, 2, seed=3)
    # the oracle sees rank 2 in every one of the T full-FFT slices
    Xf = np.fft.fft(X, axis=2)
    for k in range(10):
        s = np.linalg.svd(Xf[:, :, k], compute_uv=False)
        assert s[2] < 1e-12 * s[0]
    np.testing.assert_allclose(tubal_truncate(X, 2), X, rtol=0, atol=1e-12 * np.abs(X).max())
    np.testing.assert_allclose(tubal_truncate(X, 5), X, rtol=0, atol=1e-12 * np.abs(X).max())
    assert rel_err(tubal_truncate(X, 1), X) > 1e-2


@pytest.mark.parametrize("T", [16, 15])  # even T has a Nyquist bin, odd T has none
@pytest.mark.parametrize("rank", [1, 3])
def test_tubal_truncate_matches_naive_full_fft(T, rank):
    X = np.random.default_rng(T + rank).standard_normal((8, 6, T))
    expected = naive_slice_op(X, lambda s: np.where(np.arange(s.size) < rank, s, 0.0))
    got = tubal_truncate(X, rank)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_large_stack_threaded_path_matches_naive_full_fft():
    # 401 rfft slices of 30 x 30: above the size where the SVDs run in chunks on threads
    X = np.random.default_rng(8).standard_normal((30, 30, 800))
    expected = naive_slice_op(X, lambda s: np.where(np.arange(s.size) < 3, s, 0.0))
    np.testing.assert_allclose(tubal_truncate(X, 3), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("T", [16, 15])
@pytest.mark.parametrize("tau", [0.0, 0.4, 1.5, 100.0])
def test_tubal_svt_matches_naive_full_fft(T, tau):
    X = np.random.default_rng(7).standard_normal((6, 8, T))
    expected = naive_slice_op(X, lambda s: np.maximum(s - tau, 0.0))
    np.testing.assert_allclose(tubal_svt(X, tau), expected, rtol=0, atol=1e-12)


def test_tubal_svt_minimises_the_prox_objective():
    # prox definition: argmin_Z 1/2 ||Z - X||_F^2 + tau ||Z||_TNN (checked with the naive TNN)
    rng = np.random.default_rng(2)
    X, tau = rng.standard_normal((5, 6, 8)), 0.7
    Z = tubal_svt(X, tau)

    def obj(W):
        return 0.5 * np.sum((W - X) ** 2) + tau * naive_tnn(W)

    best = obj(Z)
    for _ in range(20):
        assert obj(Z + 1e-3 * rng.standard_normal(X.shape)) > best


@pytest.mark.parametrize("T", [16, 15])
def test_tnn_normalisation(T):
    X = np.random.default_rng(5).standard_normal((7, 5, T))
    tnn = tensor_nuclear_norm(X)
    np.testing.assert_allclose(tnn, naive_tnn(X), rtol=1e-12)
    # Lu et al.: (1/T) sum_k ||fft(X)_k||_* with the unnormalised fft = TNN / sqrt(T)
    Xf = np.fft.fft(X, axis=2)
    lu = sum(np.linalg.svd(Xf[:, :, k], compute_uv=False).sum() for k in range(T)) / T
    np.testing.assert_allclose(tnn, math.sqrt(T) * lu, rtol=1e-12)


# --- exact recovery ---------------------------------------------------------------------------


def test_tnn_admm_exact_recovery(problem, admm_fit):
    X, mask = problem
    est = admm_fit
    assert est.converged_
    assert rel_err(est.completed_, X) < 1e-4
    assert est.tubal_rank_ == 2
    # the feasible iterate reproduces the observations exactly
    np.testing.assert_array_equal(est.completed_[mask], X[mask])
    # and lowrank_ agrees with it within tol (stopping rule)
    assert np.max(np.abs(est.lowrank_ - est.completed_)) < est.tol
    np.testing.assert_array_equal(est.lowrank_[~mask], est.completed_[~mask])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("T", [8, 7])
def test_tnn_admm_is_lu_lrtc_tnn_after_rescaling_mu(T):
    # statkit's mu = sqrt(T) * Lu's mu (the TNN normalisation), iterate for iterate
    X = low_tubal_rank(10, 9, T, 2, seed=11) + 0.1 * np.random.default_rng(0).random((10, 9, T))
    mask = np.random.default_rng(12).random(X.shape) < 0.6
    L_lu, X_lu = naive_lrtc_tnn(X, mask, n_iter=60)
    rt = math.sqrt(T)
    est = TubalCompletion(mu0=1e-4 * rt, mu_max=1e10 * rt, max_iter=60, tol=0.0).fit(X, mask)
    assert est.n_iter_ == 60
    np.testing.assert_allclose(est.lowrank_, L_lu, rtol=0, atol=1e-10)
    np.testing.assert_allclose(est.completed_, X_lu, rtol=0, atol=1e-10)


def test_iht_exact_recovery(problem, iht_fit):
    X, _ = problem
    est = iht_fit
    assert est.converged_
    assert rel_err(est.completed_, X) < 1e-6
    assert est.tubal_rank_ == 2
    assert est.lowrank_ is est.completed_


def test_iht_objective_is_monotone(iht_fit):
    h = iht_fit.objective_history_
    assert h.shape == (iht_fit.n_iter_,)
    assert np.all(np.diff(h) <= 1e-12 * h[0])
    assert h[-1] < 1e-10 * h[0]


@pytest.mark.parametrize("which", ["admm", "iht", "svt"])
def test_objective_history_is_observed_loss(problem, admm_fit, iht_fit, which):
    X, mask = problem
    Y = np.where(mask, X, 1e6)  # missing entries carry garbage: must never enter the loss
    if which == "admm":
        est = admm_fit
    elif which == "iht":
        est = iht_fit
    else:
        est = TubalCompletion(method="svt", lam=0.5, max_iter=300, tol=1e-6).fit(Y, mask)
    direct = 0.5 * np.sum((Y - est.lowrank_)[mask] ** 2)
    np.testing.assert_allclose(est.objective_history_[-1], direct, rtol=1e-10, atol=1e-300)


@pytest.mark.parametrize("which", ["admm", "iht"])
def test_fitted_spectrum_attributes_match_naive(admm_fit, iht_fit, which):
    est = admm_fit if which == "admm" else iht_fit
    L = est.lowrank_
    T = L.shape[2]
    np.testing.assert_allclose(est.tnn_, naive_tnn(L), rtol=1e-9)
    Lf = np.fft.fft(L, axis=2) / math.sqrt(T)
    assert est.singular_values_.shape == (T // 2 + 1, 20)
    for k in range(T // 2 + 1):
        s = np.linalg.svd(Lf[:, :, k], compute_uv=False)
        np.testing.assert_allclose(est.singular_values_[k], s, rtol=0, atol=1e-9 * s[0])


# --- svt ---------------------------------------------------------------------------------


def test_svt_fully_observed_is_one_prox_step():
    X = np.random.default_rng(4).standard_normal((6, 7, 9))
    est = TubalCompletion(method="svt", lam=0.8).fit(X, np.ones(X.shape, bool))
    assert est.converged_ and est.n_iter_ == 2  # the second step reproduces the first
    expected = naive_slice_op(X, lambda s: np.maximum(s - 0.8, 0.0))
    np.testing.assert_allclose(est.completed_, expected, rtol=0, atol=1e-12)


def test_svt_penalised_objective_decreases():
    rng = np.random.default_rng(6)
    X = low_tubal_rank(10, 9, 8, 2, seed=6)
    Y = X + 0.3 * rng.standard_normal(X.shape)
    mask = rng.random(X.shape) < 0.5
    lam = 0.3 * math.sqrt(0.5) * (math.sqrt(10) + math.sqrt(9))
    values = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for n in range(1, 7):
            Xn = TubalCompletion(method="svt", lam=lam, max_iter=n).fit(Y, mask).completed_
            values.append(0.5 * np.sum((Y - Xn)[mask] ** 2) + lam * naive_tnn(Xn))
    assert np.all(np.diff(values) <= 1e-10 * values[0])


# --- input handling, determinism, dtype ----------------------------------------------------


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_nan_marks_missing_and_outputs_are_real(problem):
    X, mask = problem
    Y = np.where(mask, X, np.nan)
    a = TubalCompletion(method="iht", rank=2, max_iter=5).fit(Y)
    b = TubalCompletion(method="iht", rank=2, max_iter=5).fit(X, mask)
    np.testing.assert_array_equal(a.completed_, b.completed_)
    assert a.completed_.dtype == np.float64 and not np.iscomplexobj(a.completed_)
    assert np.all(np.isfinite(a.completed_))


def test_float32_in_float32_out(problem):
    X, mask = problem
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        out = TubalCompletion(method="iht", rank=2, max_iter=50).fit_transform(
            X.astype(np.float32), mask
        )
    assert out.dtype == np.float32
    assert rel_err(out.astype(np.float64), X) < 1e-3


@pytest.mark.parametrize(
    "kw", [{"method": "tnn_admm"}, {"method": "iht", "rank": 2}, {"method": "svt", "lam": 0.2}]
)
def test_deterministic(problem, kw):
    X, mask = problem
    a = TubalCompletion(max_iter=20, tol=0.0, random_state=0, **kw)
    b = TubalCompletion(max_iter=20, tol=0.0, random_state=0, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        np.testing.assert_array_equal(a.fit_transform(X, mask), b.fit_transform(X, mask))
    np.testing.assert_array_equal(a.objective_history_, b.objective_history_)


def test_not_converged_warns(problem):
    X, mask = problem
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        est = TubalCompletion(method="iht", rank=2, max_iter=3).fit(X, mask)
    assert not est.converged_ and est.n_iter_ == 3


def test_get_params_round_trip():
    est = TubalCompletion(method="svt", lam=0.3, max_iter=7)
    assert est.get_params()["lam"] == 0.3
    assert TubalCompletion(**est.get_params()).get_params() == est.get_params()


@pytest.mark.parametrize(
    ("Y", "mask", "kw", "exc", "match"),
    [
        (np.zeros((4, 5)), None, {}, ValueError, "3-way"),
        (np.zeros((3, 4, 5), complex), None, {}, TypeError, "real"),
        (np.ones((3, 4, 5)), np.ones((3, 4, 6), bool), {}, ValueError, "shape"),
        (np.ones((3, 4, 5)), np.zeros((3, 4, 5), bool), {}, ValueError, "no observed"),
        (np.full((3, 4, 5), np.nan), None, {}, ValueError, "no observed"),
        (np.ones((3, 4, 5)), None, {"method": "iht"}, ValueError, "needs rank"),
        (np.ones((3, 4, 5)), None, {"method": "iht", "rank": 0}, ValueError, r"\[1, 3\]"),
        (np.ones((3, 4, 5)), None, {"method": "iht", "rank": 4}, ValueError, r"\[1, 3\]"),
        (np.ones((3, 4, 5)), None, {"method": "iht", "rank": 1.5}, TypeError, "integer"),
        (np.ones((3, 4, 5)), None, {"method": "svt"}, ValueError, "needs lam"),
        (np.ones((3, 4, 5)), None, {"method": "svt", "lam": -1.0}, ValueError, "lam"),
        (np.ones((3, 4, 5)), None, {"method": "tsvd"}, ValueError, "method"),
        (np.ones((3, 4, 5)), None, {"rho": 0.9}, ValueError, "rho"),
        (np.ones((3, 4, 5)), None, {"mu0": 1.0, "mu_max": 0.1}, ValueError, "mu_max"),
        (np.ones((3, 4, 5)), None, {"max_iter": 0}, ValueError, "max_iter"),
    ],
)
def test_bad_inputs(Y, mask, kw, exc, match):
    with pytest.raises(exc, match=match):
        TubalCompletion(**kw).fit(Y, mask)


def test_kernel_bad_inputs():
    with pytest.raises(ValueError, match="3-way"):
        tubal_truncate(np.zeros((3, 3)), 1)
    with pytest.raises(TypeError, match="real"):
        tubal_svt(np.zeros((2, 2, 2), complex), 0.1)
    with pytest.raises(ValueError, match="tau"):
        tubal_svt(np.zeros((2, 2, 2)), -0.1)
    with pytest.raises(ValueError, match="rank"):
        tubal_truncate(np.zeros((2, 3, 4)), 3)


# --- backends -------------------------------------------------------------------------------


@pytest.fixture
def one_torch_thread(xp_case):
    """Tiny tensors: torch's intra-op thread pool only adds wake-up latency (seconds on a
    loaded 2-core machine), so run the torch cases single-threaded and restore after."""
    if xp_case.name != "torch":
        yield
        return
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize(
    "kw",
    [
        {"method": "tnn_admm"},
        {"method": "iht", "rank": 2},
        {"method": "svt", "lam": 0.2, "max_iter": 40},
    ],
)
def test_torch_matches_numpy(xp_case, kw):
    if xp_case.device == "cuda":
        pytest.skip("CPU backends only")
    if xp_case.id == "numpy-float64":
        pytest.skip("the reference itself")
    X = low_tubal_rank(12, 10, 8, 2, seed=8)
    mask = np.random.default_rng(9).random(X.shape) < 0.7
    if xp_case.np_dtype == np.float32:
        kw = {**kw, "max_iter": 30, "tol": 0.0}
    ref = TubalCompletion(**kw).fit(X, mask)
    est = TubalCompletion(**kw).fit(xp_case.asarray(X), xp_case.asarray(mask))
    xp_case.check_output(est.completed_)
    xp_case.check_output(est.lowrank_)
    got = xp_case.to_numpy(est.completed_)
    if xp_case.np_dtype == np.float64:
        assert est.n_iter_ == ref.n_iter_
        np.testing.assert_allclose(got, ref.completed_, rtol=1e-8, atol=1e-8 * np.abs(X).max())
        h0 = ref.objective_history_[0]
        np.testing.assert_allclose(est.objective_history_, ref.objective_history_, atol=1e-9 * h0)
        np.testing.assert_allclose(est.tnn_, ref.tnn_, rtol=1e-8)
        assert est.tubal_rank_ == ref.tubal_rank_
    else:
        assert rel_err(got, ref.completed_) < 1e-4
