"""CVaR functional, CVaR-UCB bandit and the tabular-MDP planner against independent oracles."""

import math

import numpy as np
import pytest

from statkit.bandits._cvar_envs import CVaRBanditEnv
from statkit.bandits._cvar_ucb import CVaRUCB
from statkit.rl._cvar import cvar, cvar_bernoulli, value_at_risk
from statkit.rl._tabular_mdp import TabularMDP


def _sup_over_b(values, probs, tau):
    # Rockafellar-Uryasev form; for a discrete law the sup is attained at an atom
    return max(b - np.sum(probs * np.maximum(b - values, 0.0)) / tau for b in values)


@pytest.mark.parametrize("tau", [0.05, 0.2, 0.5, 0.93, 1.0])
def test_cvar_matches_rockafellar_uryasev_sup(tau):
    rng = np.random.default_rng(3)
    for _ in range(20):
        m = rng.integers(1, 8)
        values = rng.random(m)
        probs = rng.dirichlet(np.ones(m))
        assert cvar(values, tau, probs) == pytest.approx(_sup_over_b(values, probs, tau), abs=1e-12)


def test_cvar_closed_forms():
    assert cvar_bernoulli(0.9, 0.2) == pytest.approx(0.5)
    assert cvar_bernoulli(0.5, 0.2) == 0.0
    assert cvar([0.0, 1.0], 0.2, [0.1, 0.9]) == pytest.approx(0.5)
    # Uniform(0, 1): tau / 2; n = 2e5 draws, sd of the estimator below 1e-3
    x = np.random.default_rng(0).random(200_000)
    assert cvar(x, 0.2) == pytest.approx(0.1, abs=5e-3)
    # Exponential(rate l): (1/tau) int_0^tau -log(1-u)/l du = ((1-tau) log(1-tau) + tau)/(l tau)
    lam, tau = 2.0, 0.3
    exact = ((1 - tau) * math.log(1 - tau) + tau) / (lam * tau)
    y = np.random.default_rng(1).exponential(1 / lam, 400_000)
    assert cvar(y, tau) == pytest.approx(exact, abs=5e-3)
    # tau = 1 is the mean
    assert cvar(x, 1.0) == pytest.approx(x.mean(), rel=1e-9)


def test_cvar_weighted_equals_repeated_and_sorted_formula():
    vals = np.array([0.3, 0.1, 0.7])
    reps = np.array([2, 5, 3])
    x = np.repeat(vals, reps)
    for tau in (0.15, 0.5, 0.8):
        assert cvar(vals, tau, reps) == pytest.approx(cvar(x, tau), abs=1e-12)
        # the note's sorted-sample formula with j = floor(n tau)
        xs, n = np.sort(x), x.size
        j = math.floor(n * tau)
        ref = (xs[:j].sum() / n + (tau - j / n) * xs[j]) / tau
        assert cvar(x, tau) == pytest.approx(ref, abs=1e-12)
    assert value_at_risk(x, 0.5) == 0.1


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5, float("nan")])
def test_cvar_rejects_bad_tau(bad):
    with pytest.raises(ValueError, match="tau"):
        cvar([0.1, 0.2], bad)


def test_env_cvar_and_draws():
    env = CVaRBanditEnv.minimax_instance(3, 0.2, 0.05)
    np.testing.assert_allclose(
        env.cvar(0.2), cvar_bernoulli(np.array([0.85, 0.8, 0.8]), 0.2), atol=1e-12
    )
    draws = env.draw(100_000, 0)
    # Bernoulli means within 5 CLT standard errors
    assert np.all(np.abs(draws.mean(axis=0) - [0.85, 0.8, 0.8]) < 5 * math.sqrt(0.25 / 1e5))
    np.testing.assert_array_equal(draws, env.draw(100_000, 0))
    with pytest.raises(ValueError):
        CVaRBanditEnv([[0.0, 1.0]], [[0.5, 0.6]])


def test_numba_and_numpy_engines_agree_and_are_seeded():
    env = CVaRBanditEnv.minimax_instance(4, 0.25, 0.1)
    r1 = CVaRUCB(0.25, random_state=0).run(env, 3000)
    r2 = CVaRUCB(0.25, random_state=0).run(env, 3000, engine="numpy")
    np.testing.assert_array_equal(r1.arms, r2.arms)
    np.testing.assert_allclose(r1.regret, r2.regret)
    np.testing.assert_array_equal(r1.arms, CVaRUCB(0.25, random_state=0).run(env, 3000).arms)
    # regret is on the true CVaRs: the sum of the per-round gaps of the chosen arms
    gaps = env.cvar(0.25).max() - env.cvar(0.25)
    assert r1.regret[-1] == pytest.approx(gaps[r1.arms].sum())


def test_bernstein_learns_the_best_arm():
    env = CVaRBanditEnv.minimax_instance(3, 0.2, 0.15)
    res = CVaRUCB(0.2, random_state=1).run(env, 50_000)
    # sublinear: the last half of the rounds mostly pulls the optimal arm
    assert np.mean(res.arms[25_000:] == 0) > 0.8


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"tau": 0.0}, "tau"),
        ({"tau": 1.2}, "tau"),
        ({"tau": 0.5, "delta": 1.0}, "delta"),
        ({"tau": 0.5, "bonus": "kl"}, "bonus"),
    ],
)
def test_bandit_bad_parameters(kwargs, match):
    env = CVaRBanditEnv.bernoulli([0.5, 0.6])
    with pytest.raises(ValueError, match=match):
        CVaRUCB(**kwargs).run(env, 10)


def test_bandit_rejects_out_of_range_reward_and_arm():
    agent = CVaRUCB(0.5, n_arms=2, random_state=0)
    with pytest.raises(ValueError, match="reward"):
        agent.update(0, 1.5)
    with pytest.raises(ValueError, match="arm"):
        agent.update(2, 0.5)


def _brute_force_cvar_star(mdp, tau):
    """Enumerate every deterministic history-dependent policy of a 2-step MDP."""
    _, S, A, _ = mdp.transitions.shape
    vals, rp = mdp.reward_values, mdp.reward_probs
    best = -np.inf
    # first action a0, then an action for every (s1, r0 index) history
    m = vals.size
    import itertools

    for a0 in range(A):
        for second in itertools.product(range(A), repeat=S * m):
            law = {}
            s0 = mdp.initial_state
            for i0 in range(m):
                p0 = rp[0, s0, a0, i0]
                for s1 in range(S):
                    p1 = mdp.transitions[0, s0, a0, s1]
                    a1 = second[s1 * m + i0]
                    for i1 in range(m):
                        p = p0 * p1 * rp[1, s1, a1, i1]
                        if p > 0:
                            g = round(vals[i0] + vals[i1], 12)
                            law[g] = law.get(g, 0.0) + p
            g, p = np.array(list(law)), np.array(list(law.values()))
            best = max(best, cvar(g, tau, p))
    return best


def test_mdp_dp_matches_brute_force_and_forward_propagation():
    rng = np.random.default_rng(0)
    H, S, A = 2, 2, 2
    P = rng.dirichlet(np.ones(S), size=(H, S, A))
    values = np.array([0.0, 0.2, 0.5])
    probs = rng.dirichlet(np.ones(3), size=(H, S, A))
    mdp = TabularMDP(P, values, reward_probs=probs)
    for tau in (0.1, 0.3, 0.7, 1.0):
        plan = mdp.cvar_optimal(tau, eta=0.1)
        assert plan.value == pytest.approx(_brute_force_cvar_star(mdp, tau), abs=1e-12)
        got = mdp.policy_cvar(plan.policy, plan.budget, tau, eta=0.1)
        assert got == pytest.approx(plan.value, abs=1e-12)
    assert mdp.cvar_optimal(1.0, eta=0.1).value == pytest.approx(mdp.mean_optimal()[0], abs=1e-12)


def test_mdp_policy_cvar_against_monte_carlo():
    mdp = TabularMDP.random(3, 2, 3, eta=0.1, random_state=0)
    plan = mdp.cvar_optimal(0.3, eta=0.1)
    ep = mdp.sample_episode(plan.policy, plan.budget, np.random.default_rng(1), 200_000, eta=0.1)
    mc = cvar(ep.returns, 0.3)
    # CVaR estimator sd ~ sd(G)/sqrt(tau n) < 0.002 here
    assert mc == pytest.approx(plan.value, abs=0.01)


def test_mdp_rejects_bad_rows_and_returns():
    P = np.full((1, 2, 1, 2), 0.5)
    P[0, 1, 0] = [0.7, 0.7]
    with pytest.raises(ValueError, match=r"transitions\[0, 1, 0\]"):
        TabularMDP(P, np.zeros((1, 2, 1)))
    P[0, 1, 0] = [0.3, 0.7]
    with pytest.raises(ValueError):
        TabularMDP(P, np.full((1, 2, 1), 1.5))
