"""Spiked-covariance clients (statkit.datasets._spiked).

Oracles: orthonormality of U; the sample covariance of a large client against
U diag(spikes) U^T + sigma^2 I with a tolerance from the Wishart variance; the variance
along U[:, k] (chi-square); reproducibility; bad input.
"""

import numpy as np
import pytest
from scipy import stats

from statkit.datasets._spiked import SpikedClients, make_spiked_clients


def test_structure_and_unpacking():
    out = make_spiked_clients([100, 250, 40], 12, 3, [9.0, 4.0, 2.0], 0.5, random_state=0)
    assert isinstance(out, SpikedClients)
    clients, U, spikes, s2 = out
    assert [c.shape for c in clients] == [(100, 12), (250, 12), (40, 12)]
    assert U.shape == (12, 3) and s2 == 0.5
    np.testing.assert_allclose(U.T @ U, np.eye(3), atol=1e-12)
    np.testing.assert_array_equal(spikes, [9.0, 4.0, 2.0])
    np.testing.assert_allclose(
        out.covariance, U @ np.diag(spikes) @ U.T + 0.5 * np.eye(12), atol=1e-12
    )
    equal = make_spiked_clients(30, 5, 1, 2.0, n_clients=4, random_state=0)
    assert len(equal.clients) == 4 and all(c.shape == (30, 5) for c in equal.clients)
    np.testing.assert_array_equal(equal.spikes, [2.0])


def test_sample_covariance_matches_model():
    n, p = 200_000, 6
    out = make_spiked_clients(n, p, 2, [5.0, 2.0], 1.5, random_state=1)
    X = out.clients[0]
    Sigma = out.covariance
    S = X.T @ X / n
    # Var(S_ab) = (Sigma_ab^2 + Sigma_aa Sigma_bb) / n for Gaussian rows
    sd = np.sqrt((Sigma**2 + np.outer(np.diag(Sigma), np.diag(Sigma))) / n)
    assert np.all(np.abs(S - Sigma) < 5 * sd)
    # variance along each spike direction: chi-square with n degrees of freedom
    for k, lam in enumerate([5.0, 2.0]):
        q = float(np.sum((X @ out.components[:, k]) ** 2) / (lam + 1.5))
        assert stats.chi2.ppf(1e-4, n) < q < stats.chi2.ppf(1 - 1e-4, n)


def test_reproducible_and_shared_subspace():
    a = make_spiked_clients([50, 60], 8, 2, [3.0, 2.0], random_state=7)
    b = make_spiked_clients([50, 60], 8, 2, [3.0, 2.0], random_state=7)
    for x, y in zip(a.clients, b.clients, strict=True):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a.components, b.components)
    c = make_spiked_clients([50, 60], 8, 2, [3.0, 2.0], random_state=8)
    assert not np.allclose(a.components, c.components)


def test_noise_free_rows_lie_in_the_subspace():
    out = make_spiked_clients(40, 7, 2, [1.0, 1.0], 0.0, random_state=0)
    X, U = out.clients[0], out.components
    np.testing.assert_allclose(X - X @ U @ U.T, 0.0, atol=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_samples=0), "n_samples"),
        (dict(n_samples=[10, 0]), "n_samples"),
        (dict(n_samples=[]), "at least one"),
        (dict(n_samples=[10, 20], n_clients=3), "n_clients=3"),
        (dict(n_components=6), "n_components=6 must be <= n_features=5"),
        (dict(spikes=[1.0, -1.0]), "spikes"),
        (dict(spikes=[1.0, 2.0, 3.0]), "spikes has 3 entries but n_components=2"),
        (dict(noise_variance=-1.0), "noise_variance"),
        (dict(n_features=0), "n_features"),
    ],
)
def test_bad_input(kwargs, match):
    base = dict(n_samples=10, n_features=5, n_components=2, spikes=[2.0, 1.0])
    base.update(kwargs)
    with pytest.raises(ValueError, match=match):
        make_spiked_clients(**base)
