"""CPCompletion against independent oracles.

Oracles: ``np.einsum`` for the CP reconstruction; ``np.linalg.lstsq`` on a design matrix
built entry by entry for the per-row censored least-squares update (Tomasi & Bro 2005);
exact recovery of a noiseless rank-3 tensor from known factors; agreement of the two
algorithms (EM and masked ALS share their stationary points) at convergence; the
observed-entry loss computed directly.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from statkit.tensor._cp import CPCompletion, cp_reconstruct, masked_als_update

SHAPE = (15, 14, 13)
RANK = 3


def true_factors(seed=0, shape=SHAPE, rank=RANK):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((n, rank)) for n in shape]


def einsum_cp(factors, weights=None):
    A, B, C = factors
    w = np.ones(A.shape[1]) if weights is None else weights
    return np.einsum("q,iq,jq,tq->ijt", w, A, B, C)


def rel_err(A, B):
    return np.linalg.norm(A - B) / np.linalg.norm(B)


@pytest.fixture(scope="module")
def problem():
    """Rank 3, noiseless, 50% observed."""
    factors = true_factors(100)  # (not a seed used for the initial factors below)
    X = einsum_cp(factors)
    mask = np.random.default_rng(1).random(X.shape) < 0.5
    return factors, X, mask


@pytest.fixture(scope="module")
def als_fit(problem):
    _, X, mask = problem
    return CPCompletion(RANK, tol=1e-12, random_state=0).fit(X, mask)


def test_cp_reconstruct_matches_einsum():
    factors = true_factors(3, (4, 5, 6), 2)
    w = np.array([2.0, -0.5])
    np.testing.assert_allclose(cp_reconstruct(factors), einsum_cp(factors), rtol=1e-13)
    np.testing.assert_allclose(cp_reconstruct(factors, w), einsum_cp(factors, w), rtol=1e-13)


def test_masked_als_exact_recovery(problem, als_fit):
    factors, X, _ = problem
    est = als_fit
    assert est.converged_
    assert rel_err(est.completed_, X) < 1e-6
    # the fitted model itself, and the factors up to permutation and scaling (CP uniqueness)
    np.testing.assert_allclose(
        einsum_cp(est.factors_, est.weights_), est.completed_, rtol=0, atol=1e-12
    )
    assert np.all(np.diff(est.weights_) <= 0)
    for F_hat, F in zip(est.factors_, factors, strict=True):
        np.testing.assert_allclose(np.linalg.norm(F_hat, axis=0), 1.0, rtol=1e-12)
        cos = np.abs((F / np.linalg.norm(F, axis=0)).T @ F_hat)  # (true, fitted)
        np.testing.assert_allclose(np.sort(cos.max(axis=1)), 1.0, atol=1e-6)


@pytest.mark.parametrize("mode", [0, 1, 2])
def test_row_update_matches_lstsq_on_observed_entries(mode):
    rng = np.random.default_rng(10 + mode)
    shape, r = (6, 5, 7), 3
    Y = rng.standard_normal(shape)
    mask = rng.random(shape) < 0.4
    factors = true_factors(20 + mode, shape, r)
    F, G = [factors[m] for m in range(3) if m != mode]
    Y_unf = np.moveaxis(np.where(mask, Y, 0.0), mode, 0).reshape(shape[mode], -1)
    M_unf = np.moveaxis(mask.astype(float), mode, 0).reshape(shape[mode], -1)
    new = masked_als_update(Y_unf, M_unf, F, G)
    assert new.shape == (shape[mode], r)
    others = [m for m in range(3) if m != mode]
    for row in range(shape[mode]):
        design, target = [], []
        for idx in np.ndindex(*shape):
            if idx[mode] == row and mask[idx]:
                a, b = (idx[m] for m in others)
                design.append(factors[others[0]][a] * factors[others[1]][b])
                target.append(Y[idx])
        coef = np.linalg.lstsq(np.array(design), np.array(target), rcond=None)[0]
        np.testing.assert_allclose(new[row], coef, rtol=1e-7, atol=1e-8)


def test_row_update_row_without_observations_is_zero():
    rng = np.random.default_rng(3)
    F, G = rng.standard_normal((4, 2)), rng.standard_normal((3, 2))
    Y_unf, M_unf = rng.standard_normal((2, 12)), np.ones((2, 12))
    Y_unf[1], M_unf[1] = 0.0, 0.0
    new = masked_als_update(Y_unf, M_unf, F, G)
    assert np.all(np.isfinite(new))
    np.testing.assert_array_equal(new[1], 0.0)


def test_em_and_masked_als_agree_at_convergence():
    X = einsum_cp(true_factors(104))
    rng = np.random.default_rng(5)
    Y = X + 0.01 * rng.standard_normal(X.shape)
    mask = rng.random(X.shape) < 0.9
    als = CPCompletion(RANK, tol=1e-13, random_state=1).fit(Y, mask)
    em = CPCompletion(RANK, method="em", tol=1e-13, max_iter=1000, random_state=1).fit(Y, mask)
    assert als.converged_ and em.converged_
    assert rel_err(em.completed_, als.completed_) < 1e-6
    assert rel_err(als.completed_, X) < 0.01  # and both denoise


@pytest.mark.parametrize("method", ["masked_als", "em"])
def test_objective_history_is_observed_loss_and_monotone(problem, method):
    _, X, mask = problem
    Y = np.where(mask, X, 1e6)  # garbage at missing entries must never enter the loss
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = CPCompletion(RANK, method=method, max_iter=60, random_state=2).fit(Y, mask)
    h = est.objective_history_
    assert h.shape == (est.n_iter_,)
    direct = 0.5 * np.sum((Y - est.completed_)[mask] ** 2)
    np.testing.assert_allclose(h[-1], direct, rtol=1e-10)
    assert np.all(np.diff(h) <= 1e-12 * h[0])


def test_em_is_slower_at_half_missing(problem, als_fit):
    _, X, mask = problem
    em = CPCompletion(RANK, method="em", tol=1e-12, max_iter=1000, random_state=0).fit(X, mask)
    assert em.converged_ and rel_err(em.completed_, X) < 1e-6
    assert em.n_iter_ > 2 * als_fit.n_iter_


@pytest.mark.parametrize("method", ["masked_als", "em"])
def test_deterministic_and_real(problem, method):
    _, X, mask = problem
    kw = {"method": method, "max_iter": 15, "tol": 0.0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = CPCompletion(RANK, random_state=7, **kw).fit(X, mask)
        b = CPCompletion(RANK, random_state=7, **kw).fit(X, mask)
        c = CPCompletion(RANK, random_state=8, **kw).fit(X, mask)
    np.testing.assert_array_equal(a.completed_, b.completed_)
    np.testing.assert_array_equal(a.objective_history_, b.objective_history_)
    assert not np.array_equal(a.completed_, c.completed_)
    assert a.completed_.dtype == np.float64 and not np.iscomplexobj(a.completed_)


def test_nan_marks_missing(problem):
    _, X, mask = problem
    a = CPCompletion(RANK, max_iter=5, tol=0.0, random_state=0)
    b = CPCompletion(RANK, max_iter=5, tol=0.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        np.testing.assert_array_equal(
            a.fit_transform(np.where(mask, X, np.nan)), b.fit_transform(X, mask)
        )


def test_not_converged_warns(problem):
    _, X, mask = problem
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        est = CPCompletion(RANK, max_iter=2, random_state=0).fit(X, mask)
    assert not est.converged_ and est.n_iter_ == 2


@pytest.mark.parametrize(
    ("Y", "mask", "kw", "exc", "match"),
    [
        (np.zeros((4, 5)), None, {"rank": 1}, ValueError, "3-way"),
        (np.zeros((3, 4, 5), complex), None, {"rank": 1}, TypeError, "real"),
        (np.ones((3, 4, 5)), np.ones((3, 5, 4), bool), {"rank": 1}, ValueError, "shape"),
        (np.ones((3, 4, 5)), np.zeros((3, 4, 5), bool), {"rank": 1}, ValueError, "no observed"),
        (np.ones((3, 4, 5)), None, {"rank": 0}, ValueError, r"\[1, 12\]"),
        (np.ones((3, 4, 5)), None, {"rank": 13}, ValueError, r"\[1, 12\]"),
        (np.ones((3, 4, 5)), None, {"rank": 2.0}, TypeError, "integer"),
        (np.ones((3, 4, 5)), None, {"rank": 1, "method": "hals"}, ValueError, "method"),
        (np.ones((3, 4, 5)), None, {"rank": 1, "max_iter": 0}, ValueError, "max_iter"),
        (np.ones((3, 4, 5)), None, {"rank": 1, "tol": -1.0}, ValueError, "tol"),
        (np.ones((3, 4, 5)), None, {"rank": 1, "random_state": "a"}, TypeError, "random_state"),
    ],
)
def test_bad_inputs(Y, mask, kw, exc, match):
    with pytest.raises(exc, match=match):
        CPCompletion(**kw).fit(Y, mask)


@pytest.fixture
def one_torch_thread(xp_case):
    """Small tensors: torch's intra-op thread pool only adds wake-up latency, so run the
    torch cases single-threaded and restore after."""
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
@pytest.mark.parametrize("method", ["masked_als", "em"])
def test_torch_matches_numpy(xp_case, problem, method):
    if xp_case.device == "cuda":
        pytest.skip("CPU backends only")
    _, X, mask = problem
    kw = {"method": method, "max_iter": 25, "tol": 0.0, "random_state": 3}
    ref = CPCompletion(RANK, **kw).fit(X, mask)
    est = CPCompletion(RANK, **kw).fit(xp_case.asarray(X), xp_case.asarray(mask))
    xp_case.check_output(est.completed_)
    for F in (*est.factors_, est.weights_):
        xp_case.check_output(F)
    got = xp_case.to_numpy(est.completed_)
    if xp_case.np_dtype == np.float64:
        np.testing.assert_allclose(got, ref.completed_, rtol=1e-8, atol=1e-8 * np.abs(X).max())
    else:
        assert rel_err(got, ref.completed_) < 1e-3
