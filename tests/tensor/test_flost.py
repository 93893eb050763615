"""FLoSTCompletion and the FLoST projection.

Oracles: the projection written naively on the FULL two-sided spectrum (``np.fft.fft``
over all T bins, a loop of per-slice SVDs, conjugate pairs selected together); exact
recovery of noiseless FLoST tensors; the oracle error sigma^2 df / N of least squares on
a model with df parameters (method note §4-5), which the pilot matched with constant ~1.
"""

import numpy as np
import pytest
import scipy.fft
from sklearn.base import clone

from statkit.tensor import FLoSTCompletion, flost_projection


def _flost_tensor(n1, n2, T, K, r, s, amp, rng):
    """A FLoST-model tensor built from its half-spectrum (generator of method note §9)."""
    spec = np.zeros((n1, n2, T // 2 + 1), complex)
    for k in range(K + 1):
        if k == 0:
            U, V = rng.standard_normal((n1, r)), rng.standard_normal((n2, r))
        else:
            U = rng.standard_normal((n1, r)) + 1j * rng.standard_normal((n1, r))
            V = rng.standard_normal((n2, r)) + 1j * rng.standard_normal((n2, r))
        spec[:, :, k] = U @ V.conj().T / np.sqrt(r) * np.sqrt(T / (2 * K + 1))
    high = np.arange(K + 1, (T - 1) // 2 + 1)
    idx = rng.choice(n1 * n2 * len(high), s, replace=False)
    i, j, kk = np.unravel_index(idx, (n1, n2, len(high)))
    spec[i, j, high[kk]] = amp * np.sqrt(T) * np.exp(2j * np.pi * rng.random(s))
    return scipy.fft.irfft(spec, n=T, axis=-1, norm="ortho")


def _naive_projection(X, rank, K, s):
    """Project a real tensor on the FLoST class using the full spectrum and loops."""
    n1, n2, T = X.shape
    F = np.fft.fft(X, axis=-1) / np.sqrt(T)
    out = np.zeros_like(F)
    high = []
    for k in range(T):
        if min(k, T - k) <= K:
            U, S, Vh = np.linalg.svd(F[:, :, k])
            out[:, :, k] = (U[:, :rank] * S[:rank]) @ Vh[:rank]
        elif k < T - k:  # one of each conjugate pair (T/2 itself is the Nyquist bin)
            high += [(abs(F[i, j, k]), i, j, k) for i in range(n1) for j in range(n2)]
        elif k == T - k:
            high += [(abs(F[i, j, k].real), i, j, k) for i in range(n1) for j in range(n2)]
    for _, i, j, k in sorted(high, reverse=True)[:s]:
        out[i, j, k] = F[i, j, k]
        out[i, j, (T - k) % T] = np.conj(F[i, j, k])
    return np.fft.ifft(out, axis=-1).real * np.sqrt(T)


@pytest.mark.parametrize("T", [16, 17])
def test_projection_matches_the_naive_full_spectrum_version(T):
    X = np.random.default_rng(0).standard_normal((5, 4, T))
    rank, K, s = 2, 2, 7
    Zh = scipy.fft.rfft(X, axis=-1, norm="ortho")
    got = scipy.fft.irfft(flost_projection(Zh, rank, K + 1, s, T), n=T, axis=-1, norm="ortho")
    np.testing.assert_allclose(got, _naive_projection(X, rank, K, s), atol=1e-12)


def test_projection_is_the_identity_on_the_model():
    rng = np.random.default_rng(1)
    X = _flost_tensor(8, 6, 32, 2, 2, 10, 0.3, rng)
    Zh = scipy.fft.rfft(X, axis=-1, norm="ortho")
    P = flost_projection(Zh, 2, 3, 10, 32)
    np.testing.assert_allclose(P, Zh, atol=1e-12)


def test_noiseless_tensor_is_recovered_exactly():
    rng = np.random.default_rng(2)
    X = _flost_tensor(20, 20, 64, 2, 2, 20, 0.3, rng)
    Y = np.where(rng.random(X.shape) < 0.4, X, np.nan)
    est = FLoSTCompletion(rank=2, n_low_freq=3, sparsity=20, tol=1e-10, max_iter=2000).fit(Y)
    assert est.converged_
    assert np.linalg.norm(est.completed_ - X) / np.linalg.norm(X) < 1e-6
    np.testing.assert_allclose(est.lowrank_ + est.sparse_, est.completed_, atol=1e-12)
    assert est.completed_.dtype == np.float64  # real to machine precision by construction


@pytest.mark.parametrize("momentum", [True, False])
def test_noisy_error_matches_the_oracle_rate(momentum):
    # MSE ~ sigma^2 df / N for least squares on df parameters (method note §4.1)
    rng = np.random.default_rng(0)
    n1 = n2 = 40
    T, K, r, s, sigma, p = 256, 3, 2, 40, 0.1, 0.3
    X = _flost_tensor(n1, n2, T, K, r, s, 0.3, rng)
    mask = rng.random(X.shape) < p
    Y = X + sigma * rng.standard_normal(X.shape)
    est = FLoSTCompletion(rank=r, n_low_freq=K + 1, sparsity=s, momentum=momentum)
    est.fit(Y, mask=mask)
    mse = np.mean((est.completed_ - X) ** 2)
    assert est.df_ == (2 * K + 1) * r * (n1 + n2 - r) + 2 * s
    ratio = mse * mask.sum() / (sigma**2 * est.df_)
    assert 0.7 < ratio < 1.3, ratio


def test_objective_history_is_the_observed_loss():
    rng = np.random.default_rng(3)
    X = _flost_tensor(10, 10, 32, 1, 2, 5, 0.3, rng)
    mask = rng.random(X.shape) < 0.5
    Y = X + 0.05 * rng.standard_normal(X.shape)
    Y_nan = np.where(mask, Y, 1e6)  # garbage at unobserved entries must be ignored
    est = FLoSTCompletion(rank=2, n_low_freq=2, sparsity=5, momentum=False).fit(Y_nan, mask)
    last = 0.5 * np.sum(((Y - est.completed_) * mask) ** 2)
    assert est.objective_history_[-1] == pytest.approx(last, rel=1e-6)
    assert np.all(np.diff(est.objective_history_) <= 1e-9 * est.objective_history_[0])
    same = FLoSTCompletion(rank=2, n_low_freq=2, sparsity=5, momentum=False).fit(Y, mask)
    np.testing.assert_array_equal(est.completed_, same.completed_)


def test_fit_transform_transform_and_clone():
    rng = np.random.default_rng(4)
    X = _flost_tensor(6, 6, 16, 1, 1, 0, 0.3, rng)
    Y = np.where(rng.random(X.shape) < 0.6, X, np.nan)
    est = FLoSTCompletion(rank=1, n_low_freq=2)
    out = est.fit_transform(Y)
    assert out is est.completed_ and est.transform() is out
    assert est.low_freq_factors_[0].shape == (2, 6, 1)
    assert est.spectrum_.shape == (6, 6, 9)
    assert not hasattr(clone(est), "completed_")


def test_bad_input_is_refused():
    Y = np.random.default_rng(0).standard_normal((4, 5, 8))
    est = FLoSTCompletion(rank=1, n_low_freq=2)
    with pytest.raises(ValueError, match="mask must have the shape"):
        est.fit(Y, mask=np.ones((4, 5, 7), bool))
    with pytest.raises(ValueError, match="no observed entries"):
        est.fit(np.full((4, 5, 8), np.nan))
    with pytest.raises(ValueError, match="3-way tensor"):
        est.fit(Y[:, :, 0])
    with pytest.raises(TypeError, match="real-valued"):
        est.fit(Y + 1j)
    with pytest.raises(ValueError, match="boolean"):
        est.fit(Y, mask=np.ones(Y.shape))
    with pytest.raises(ValueError, match=r"rank must lie in \[1, min\(n1, n2\)\] = \[1, 4\]"):
        FLoSTCompletion(rank=5, n_low_freq=2).fit(Y)
    with pytest.raises(ValueError, match="n_low_freq must lie in"):
        FLoSTCompletion(rank=1, n_low_freq=5).fit(Y)  # ceil(8/2) = 4
    with pytest.raises(ValueError, match="sparsity must lie in"):
        FLoSTCompletion(rank=1, n_low_freq=2, sparsity=10**6).fit(Y)
    with pytest.raises(ValueError, match="NaN or inf at observed"):
        est.fit(np.where(np.eye(4, 5, dtype=bool)[:, :, None], np.inf, Y))


def test_torch_matches_numpy(xp_case):
    if xp_case.name == "numpy" or xp_case.dtype != "float64":
        pytest.skip("float64 torch against numpy")
    rng = np.random.default_rng(5)
    X = _flost_tensor(12, 10, 32, 2, 2, 8, 0.3, rng)
    mask = rng.random(X.shape) < 0.5
    Y = X + 0.05 * rng.standard_normal(X.shape)
    ref = FLoSTCompletion(rank=2, n_low_freq=3, sparsity=8).fit(Y, mask)
    got = FLoSTCompletion(rank=2, n_low_freq=3, sparsity=8).fit(
        xp_case.asarray(Y), xp_case.asarray(mask)
    )
    assert got.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(xp_case.to_numpy(got.completed_), ref.completed_, atol=1e-9)
