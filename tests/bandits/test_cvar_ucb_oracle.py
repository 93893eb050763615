"""CVaR-UCB indices against brute-force oracles on the raw samples.

The numba and numpy engines of CVaRUCB share one histogram algorithm, so agreement between
them says nothing about the formula. Here each index is recomputed from the raw rewards
without histograms or closed forms:

* Bernstein (Wang, Kallus, Sun, Alg. 1): the sup over b of the optimistic Rockafellar-Uryasev
  objective b - (mu_hat(b) - Bon) / tau, mu_hat(b) = mean((b - X)^+), evaluated at every b in
  the sample atoms (the objective is concave and piecewise linear with kinks at the atoms), then
  capped at 1; with clip_shortfall, b - (mu_hat(b) - Bon)^+ / tau maximised over its kinks in
  [0, 1] (the atoms, the end points and the root of mu_hat(b) = Bon found by bisection);
* Hoeffding/DKW (Tamkin et al.): the empirical law with mass b_N = sqrt(L / (2N)) moved from
  the bottom of the sample to the top of the support U = 1, then its CVaR by the same sup over
  atoms.
"""

import math

import numpy as np
import pytest

from statkit.bandits._cvar_ucb import (
    _BERNSTEIN,
    _HOEFFDING,
    CVaRUCB,
    _index_nb,
    _index_np,
)


def _mu_hat(b, x):
    return np.maximum(np.subtract.outer(b, x), 0.0).mean(axis=-1)


def _bernstein_oracle(x, tau, L, clip=False):
    n = x.size
    bon = math.sqrt(2 * tau * L / n) + L / n
    if not clip:
        b = np.unique(x)
        return min(1.0, float(np.max(b - (_mu_hat(b, x) - bon) / tau)))
    # the clipped objective is piecewise linear on [0, 1] with kinks at the atoms and where
    # mu_hat(b) = Bon (found by bisection, mu_hat being non-decreasing): try every kink
    lo, hi = 0.0, 1.0 + bon + 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _mu_hat(np.array([mid]), x)[0] < bon else (lo, mid)
    b = np.union1d([0.0, 1.0, min(hi, 1.0)], x)
    return min(1.0, float(np.max(b - np.maximum(_mu_hat(b, x) - bon, 0.0) / tau)))


def _hoeffding_oracle(x, tau, L):
    n = x.size
    shift = math.sqrt(L / (2 * n))
    # the lowered CDF: remove mass `shift` from the lowest samples, put it on U = 1
    xs = np.sort(x)
    w = np.full(n, 1.0 / n)
    left = shift
    for i in range(n):
        take = min(w[i], left)
        w[i] -= take
        left -= take
    atoms = np.append(xs, 1.0)
    probs = np.append(w, min(shift, 1.0))
    keep = probs > 0
    atoms, probs = atoms[keep], probs[keep]
    probs = probs / probs.sum()
    return float(max(b - np.sum(probs * np.maximum(b - atoms, 0.0)) / tau for b in atoms))


def _samples(rng, n, G):
    """Rewards on the grid {j / (G - 1)} (so the histogram is exact), skewed to the low end."""
    j = np.minimum((rng.beta(0.7, 1.5, size=n) * (G - 1)).round(), G - 1)
    return j / (G - 1), j.astype(np.int64)


def _hist(j, G):
    return np.bincount(j, minlength=G).astype(np.int64)


@pytest.mark.parametrize("tau", [0.05, 0.2, 0.5, 1.0])
@pytest.mark.parametrize("n", [3, 17, 200])
def test_bernstein_index_is_the_optimistic_rockafellar_uryasev_sup(tau, n):
    rng = np.random.default_rng(n)
    G = 51
    grid = np.linspace(0.0, 1.0, G)
    for L in (0.01, 0.5, 3.0):
        x, j = _samples(rng, n, G)
        want = _bernstein_oracle(x, tau, L)
        h = _hist(j, G)
        assert _index_nb(h, n, grid, tau, _BERNSTEIN, L, False) == pytest.approx(want, abs=1e-12)
        assert _index_np(h, n, grid, tau, _BERNSTEIN, L, False) == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize("tau", [0.1, 0.3, 0.7])
@pytest.mark.parametrize("n", [5, 60, 400])
def test_clipped_bernstein_index_matches_kink_search(tau, n):
    rng = np.random.default_rng(100 + n)
    G = 21
    grid = np.linspace(0.0, 1.0, G)
    clipped_binds = 0
    for L in (0.001, 0.05, 0.5):
        x, j = _samples(rng, n, G)
        # an atom at 0 of mass about 1/2: below it the shortfall is small, so clipping binds
        zero = rng.random(n) < 0.5
        x, j = np.where(zero, 0.0, x), np.where(zero, 0, j)
        want = _bernstein_oracle(x, tau, L, clip=True)
        h = _hist(j, G)
        assert _index_nb(h, n, grid, tau, _BERNSTEIN, L, True) == pytest.approx(want, abs=1e-12)
        assert _index_np(h, n, grid, tau, _BERNSTEIN, L, True) == pytest.approx(want, abs=1e-12)
        clipped_binds += want < _bernstein_oracle(x, tau, L) - 1e-9
        # clipping never raises the index
        assert (
            _index_nb(h, n, grid, tau, _BERNSTEIN, L, True) <= _bernstein_oracle(x, tau, L) + 1e-12
        )
    # the instances exercise the clipped branch (it lowers the index at least once)
    if tau < 0.5:
        assert clipped_binds >= 1


@pytest.mark.parametrize("tau", [0.05, 0.25, 1.0])
@pytest.mark.parametrize("n", [4, 30, 300])
def test_hoeffding_index_is_the_cvar_of_the_lowered_cdf(tau, n):
    rng = np.random.default_rng(7 * n)
    G = 41
    grid = np.linspace(0.0, 1.0, G)
    for L in (0.02, 0.7, 5.0):
        x, j = _samples(rng, n, G)
        want = _hoeffding_oracle(x, tau, L)
        h = _hist(j, G)
        assert _index_nb(h, n, grid, tau, _HOEFFDING, L, False) == pytest.approx(want, abs=1e-12)
        assert _index_np(h, n, grid, tau, _HOEFFDING, L, False) == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize("bonus", ["bernstein", "hoeffding"])
def test_select_pulls_an_arm_with_the_largest_oracle_index(bonus):
    """The step interface: anytime L = log(A t^2) (Bernstein) or log(2 t^2) (Hoeffding)."""
    rng = np.random.default_rng(3)
    A, tau = 4, 0.2
    agent = CVaRUCB(tau, bonus=bonus, n_arms=A, grid_size=101, random_state=0)
    rewards = {a: [] for a in range(A)}
    for t in range(1, 400):
        arm = agent.select()
        if t > A:  # after every arm has been pulled once
            L = math.log(A * t * t) if bonus == "bernstein" else math.log(2 * t * t)
            oracle = _bernstein_oracle if bonus == "bernstein" else _hoeffding_oracle
            idx = [oracle(np.array(rewards[a]), tau, L) for a in range(A)]
            assert idx[arm] >= max(idx) - 1e-9
        # arm a pays on the 1/100 grid with mean increasing in a
        r = float(np.minimum(np.round(rng.beta(1 + arm, 2) * 100) / 100, 1.0))
        rewards[arm].append(r)
        agent.update(arm, r)
