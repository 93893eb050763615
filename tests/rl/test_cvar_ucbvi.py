"""CVaR-UCBVI against independent oracles.

* a naive python backup written here from the documented equations (loops over (h, s, b, a),
  budgets as floats, expectations over (r, s') pairs) vs the numba and numpy backups;
* with no bonus and the true model plugged in, the planner vs TabularMDP's exact DP CVaR*
  (itself tested against brute-force policy enumeration in test_cvar.py);
* the executed policy's CVaR (numba forward law) vs TabularMDP.policy_cvar;
* optimism as a property over seeds, with a control (no bonus) showing the test can fail;
* regret sublinear on a small MDP; select/update equals run; bad inputs; determinism.
"""

import math

import numpy as np
import pytest

from statkit.rl._cvar_ucbvi import (
    _BERNSTEIN,
    _HOEFFDING,
    _NONE,
    CVaRUCBVI,
    _plan_nb,
    _plan_np,
    _policy_cvar_nb,
)
from statkit.rl._tabular_mdp import TabularMDP

# ------------------------------------------------------------------------------------------
# naive backup
# ------------------------------------------------------------------------------------------


def _naive_plan(counts, q, eta, tau, bonus, L, s0, nb):
    """Optimistic shortfall VI written directly from the module docstring."""
    H, S, A, _ = counts.shape
    Kr = q.shape[-1]
    V = {(H, s, j): j * eta for s in range(S) for j in range(nb)}

    def v_next(h, s, b):
        # shortfall value at a budget b (a float on the grid); 0 below 0
        if b < -1e-12:
            return 0.0
        return V[(h, s, round(b / eta))]

    Qs = np.zeros((H, S, A, nb))
    for h in reversed(range(H)):
        for s in range(S):
            for j in range(nb):
                b = j * eta
                for a in range(A):
                    n = int(counts[h, s, a].sum())
                    if n == 0:
                        Qs[h, s, a, j] = 0.0
                        continue
                    xs = []
                    ps = []
                    for t in range(S):
                        if counts[h, s, a, t] == 0:
                            continue
                        x = sum(q[h, s, a, k] * v_next(h + 1, t, b - k * eta) for k in range(Kr))
                        xs.append(x)
                        ps.append(counts[h, s, a, t] / n)
                    xs, ps = np.array(xs), np.array(ps)
                    mean = float(ps @ xs)
                    if bonus == "bernstein":
                        var = float(ps @ (xs - mean) ** 2)
                        bon = math.sqrt(2 * var * L / n) + L / n
                    elif bonus == "hoeffding":
                        bon = math.sqrt(L / (2 * n))
                    else:
                        bon = 0.0
                    Qs[h, s, a, j] = max(0.0, mean - bon)
                V[(h, s, j)] = min(Qs[h, s, :, j])
    Varr = np.array([[[V[(h, s, j)] for j in range(nb)] for s in range(S)] for h in range(H + 1)])
    obj = [j * eta - Varr[0, s0, j] / tau for j in range(nb)]
    return Varr, Qs, max(obj)


def _random_counts(rng, H, S, A, zero_frac=0.2, scale=30):
    counts = rng.integers(0, scale, size=(H, S, A, S))
    counts[rng.random((H, S, A)) < zero_frac] = 0
    return counts.astype(np.int64)


CODES = {"bernstein": _BERNSTEIN, "hoeffding": _HOEFFDING, "none": _NONE}


@pytest.mark.parametrize("bonus", ["bernstein", "hoeffding", "none"])
def test_backups_match_naive_python_backup(bonus):
    rng = np.random.default_rng(11)
    H, S, A, eta = 3, 3, 2, 0.25
    mdp = TabularMDP.random(S, A, H, eta=eta, random_state=rng)
    q = mdp._rounded_law(eta)
    nb = round(1 / eta) + 1
    tau, L = 0.3, 2.5
    for _ in range(3):
        counts = _random_counts(rng, H, S, A)
        visits = counts.sum(axis=-1)
        V_ref, Q_ref, idx_ref = _naive_plan(counts, q, eta, tau, bonus, L, 0, nb)
        V = np.empty((H + 1, S, nb))
        pi = np.empty((H, S, nb), dtype=np.int64)
        j_nb, idx_nb = _plan_nb(counts, visits, q, eta, tau, CODES[bonus], L, 0, V, pi)
        np.testing.assert_allclose(V, V_ref, atol=1e-12)
        assert idx_nb == pytest.approx(idx_ref, abs=1e-12)
        # the chosen action attains the minimum of the naive Q (ties allowed)
        chosen = np.take_along_axis(Q_ref, pi[:, :, None, :], axis=2)[:, :, 0, :]
        np.testing.assert_allclose(chosen, Q_ref.min(axis=2), atol=1e-12)
        assert j_nb * eta - V_ref[0, 0, j_nb] / tau == pytest.approx(idx_ref, abs=1e-12)
        j_np, idx_np, V2, pi2 = _plan_np(counts, visits, q, eta, tau, CODES[bonus], L, 0, nb)
        np.testing.assert_allclose(V2, V_ref, atol=1e-12)
        assert idx_np == pytest.approx(idx_ref, abs=1e-12)
        assert j_np == j_nb
        chosen2 = np.take_along_axis(Q_ref, pi2[:, :, None, :], axis=2)[:, :, 0, :]
        np.testing.assert_allclose(chosen2, Q_ref.min(axis=2), atol=1e-12)


def _rational_mdp(rng, H, S, A, denom=100):
    """An MDP whose transitions are counts / denom, so empirical P_hat can equal P exactly."""
    counts = np.zeros((H, S, A, S), dtype=np.int64)
    for idx in np.ndindex(H, S, A):
        cuts = np.sort(rng.integers(0, denom + 1, size=S - 1))
        counts[idx] = np.diff(np.concatenate([[0], cuts, [denom]]))
    values = np.array([0.0, 0.1, 0.2])
    probs = rng.dirichlet(np.ones(3), size=(H, S, A))
    return TabularMDP(counts / denom, values, reward_probs=probs), counts


@pytest.mark.parametrize("tau", [0.1, 0.35, 0.8, 1.0])
def test_no_bonus_true_model_equals_exact_dp(tau):
    rng = np.random.default_rng(5)
    H, S, A, eta = 3, 4, 3, 0.1
    mdp, counts = _rational_mdp(rng, H, S, A)
    q = mdp._rounded_law(eta)
    plan = mdp.cvar_optimal(tau, eta)
    nb = plan.budgets.size
    V = np.empty((H + 1, S, nb))
    pi = np.empty((H, S, nb), dtype=np.int64)
    j, idx = _plan_nb(counts, counts.sum(-1), q, eta, tau, _NONE, 1.0, 0, V, pi)
    np.testing.assert_allclose(V, plan.values, atol=1e-12)
    assert idx == pytest.approx(plan.value, abs=1e-12)
    # the planner's policy from its budget achieves CVaR* (exact forward law)
    assert mdp.policy_cvar(pi, j * eta, tau, eta=eta) == pytest.approx(plan.value, abs=1e-12)
    j2, idx2, V2, _ = _plan_np(counts, counts.sum(-1), q, eta, tau, _NONE, 1.0, 0, nb)
    np.testing.assert_allclose(V2, plan.values, atol=1e-12)
    assert idx2 == pytest.approx(plan.value, abs=1e-12)
    assert j2 == j


def test_policy_cvar_kernel_matches_tabular_mdp():
    rng = np.random.default_rng(2)
    mdp = TabularMDP.random(4, 3, 4, eta=0.05, random_state=rng)
    eta = 0.05
    q = mdp._rounded_law(eta)
    nb = 21
    for tau in (0.05, 0.3, 1.0):
        for _ in range(5):
            pi = rng.integers(0, 3, size=(4, 4, nb))
            j0 = int(rng.integers(0, nb))
            got = _policy_cvar_nb(mdp.transitions, q, pi, j0, 0, eta, tau)
            want = mdp.policy_cvar(pi, j0 * eta, tau, eta=eta)
            assert got == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize("bonus", ["bernstein", "hoeffding", "none"])
def test_numba_and_numpy_engines_agree(bonus):
    mdp = TabularMDP.random(3, 2, 3, eta=0.1, random_state=0)
    a = CVaRUCBVI(0.3, eta=0.1, bonus=bonus, random_state=4).run(mdp, 300)
    b = CVaRUCBVI(0.3, eta=0.1, bonus=bonus, random_state=4).run(mdp, 300, engine="numpy")
    np.testing.assert_array_equal(a.budgets, b.budgets)
    np.testing.assert_allclose(a.policy_cvar, b.policy_cvar, atol=1e-12)
    np.testing.assert_allclose(a.index, b.index, atol=1e-12)
    np.testing.assert_array_equal(a.returns, b.returns)


def test_regret_is_cvar_star_minus_exact_policy_cvar():
    mdp = TabularMDP.random(3, 2, 3, eta=0.1, random_state=1)
    res = CVaRUCBVI(0.2, eta=0.1, random_state=0).run(mdp, 200)
    assert res.cvar_star == pytest.approx(mdp.cvar_optimal(0.2, 0.1).value, abs=0)
    # no policy beats CVaR* (exact values, up to rounding)
    assert res.regret.min() >= -1e-12
    np.testing.assert_allclose(res.cumulative_regret, np.cumsum(res.cvar_star - res.policy_cvar))
    text = str(res.summary())
    assert "CVaR-UCBVI" in text and "cumulative regret" in text
    assert res.summary()._repr_html_().startswith("<div>")


@pytest.mark.parametrize("bonus", ["bernstein", "hoeffding"])
def test_optimism_holds_over_seeds(bonus):
    """The index upper-bounds CVaR* in every episode, and V_hat_1 <= V*_1 at the end."""
    tau, eta = 0.25, 0.1
    ok = 0
    for seed in range(12):
        mdp = TabularMDP.random(3, 2, 3, eta=eta, random_state=100 + seed)
        plan = mdp.cvar_optimal(tau, eta)
        agent = CVaRUCBVI(tau, eta=eta, bonus=bonus, random_state=seed)
        res = agent.run(mdp, 400)
        nb = plan.budgets.size
        under = np.all(agent.values_[0, 0, :nb] <= plan.values[0, 0] + 1e-12)
        ok += bool(np.all(res.index >= res.cvar_star - 1e-12) and under)
    # delta = 1/K: the bound allows failure with probability 1/400 per run
    assert ok >= 11


def test_optimism_check_has_power():
    """Without a bonus the index falls below CVaR* on some episodes (the property can fail)."""
    tau, eta = 0.25, 0.1
    below = 0
    for seed in range(12):
        mdp = TabularMDP.random(3, 2, 3, eta=eta, random_state=100 + seed)
        res = CVaRUCBVI(tau, eta=eta, bonus="none", random_state=seed).run(mdp, 400)
        below += bool(np.any(res.index < res.cvar_star - 1e-9))
    assert below >= 3


def test_regret_is_sublinear_on_a_small_mdp():
    mdp = TabularMDP.random(3, 2, 3, eta=0.1, random_state=0)
    K = 20_000
    res = CVaRUCBVI(0.3, eta=0.1, random_state=0).run(mdp, K)
    early = res.regret[: K // 10].mean()
    late = res.regret[K // 2 :].mean()
    assert late < early / 3
    # the last policies are close to CVaR-optimal
    assert res.policy_cvar[-1000:].mean() > res.cvar_star - 0.02


def test_select_update_reproduces_run():
    mdp = TabularMDP.random(3, 2, 3, eta=0.1, random_state=3)
    K, H, seed = 60, 3, 9
    res = CVaRUCBVI(0.4, eta=0.1, random_state=seed).run(mdp, K)
    u = np.random.default_rng(seed).random((K, H, 2))
    cum_p = np.cumsum(mdp.transitions, axis=-1)
    cum_q = np.cumsum(mdp.reward_probs, axis=-1)
    agent = CVaRUCBVI(0.4, eta=0.1).reset(mdp, n_episodes=K)
    budgets = []
    for e in range(K):
        s = mdp.initial_state
        for h in range(H):
            a = agent.select(h, s)
            if h == 0:
                budgets.append(agent.budget_)
            k = min(int(np.searchsorted(cum_q[h, s, a], u[e, h, 0], side="right")), 2)
            t = min(int(np.searchsorted(cum_p[h, s, a], u[e, h, 1], side="right")), 2)
            agent.update(h, s, a, float(mdp.reward_values[k]), t)
            s = t
    np.testing.assert_allclose(budgets, res.budgets, atol=1e-12)
    assert agent.n_episodes_ == K
    ref = CVaRUCBVI(0.4, eta=0.1, random_state=seed)
    ref.run(mdp, K)
    np.testing.assert_array_equal(agent.counts_, ref.counts_)


def test_same_seed_same_numbers():
    mdp = TabularMDP.random(4, 2, 3, eta=0.1, random_state=0)
    a = CVaRUCBVI(0.3, eta=0.1, random_state=7).run(mdp, 500)
    b = CVaRUCBVI(0.3, eta=0.1, random_state=7).run(mdp, 500)
    c = CVaRUCBVI(0.3, eta=0.1, random_state=8).run(mdp, 500)
    np.testing.assert_array_equal(a.returns, b.returns)
    np.testing.assert_array_equal(a.regret, b.regret)
    assert not np.array_equal(a.returns, c.returns)


def test_init_stores_params_unchanged():
    agent = CVaRUCBVI(tau=2.0, eta="x", delta=-1, bonus="?", random_state=3)
    assert (agent.tau, agent.eta, agent.delta, agent.bonus) == (2.0, "x", -1, "?")


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"tau": 0.0}, ValueError, "tau"),
        ({"tau": 1.5}, ValueError, "tau"),
        ({"tau": float("nan")}, ValueError, "tau"),
        ({"tau": "a"}, TypeError, "tau"),
        ({"tau": 0.5, "eta": 0.3}, ValueError, "eta"),
        ({"tau": 0.5, "eta": 0.0}, ValueError, "eta"),
        ({"tau": 0.5, "delta": 0.0}, ValueError, "delta"),
        ({"tau": 0.5, "delta": 1.0}, ValueError, "delta"),
        ({"tau": 0.5, "bonus": "ucb"}, ValueError, "bonus"),
    ],
)
def test_bad_parameters(kwargs, err, match):
    mdp = TabularMDP.random(2, 2, 2, eta=0.1, random_state=0)
    kwargs = {"eta": 0.1, **kwargs}
    with pytest.raises(err, match=match):
        CVaRUCBVI(**kwargs).run(mdp, 5)


def test_bad_environment_and_episodes():
    mdp = TabularMDP.random(2, 2, 2, eta=0.1, random_state=0)
    with pytest.raises(TypeError, match="TabularMDP"):
        CVaRUCBVI(0.5, eta=0.1).run(object(), 5)
    with pytest.raises(ValueError, match="n_episodes"):
        CVaRUCBVI(0.5, eta=0.1).run(mdp, 0)
    with pytest.raises(TypeError, match="n_episodes"):
        CVaRUCBVI(0.5, eta=0.1).run(mdp, 2.5)
    with pytest.raises(ValueError, match="engine"):
        CVaRUCBVI(0.5, eta=0.1).run(mdp, 2, engine="jax")


def test_bad_mdp_rows_and_rewards():
    P = np.full((1, 2, 1, 2), 0.5)
    P[0, 0, 0] = [0.6, 0.6]
    with pytest.raises(ValueError, match=r"transitions\[0, 0, 0\].*sum"):
        TabularMDP(P, np.zeros((1, 2, 1)))
    P[0, 0, 0] = [0.4, 0.6]
    with pytest.raises(ValueError, match="rewards must lie in"):
        TabularMDP(P, np.full((1, 2, 1), -0.2))


def test_step_interface_rejects_bad_steps():
    mdp = TabularMDP.random(2, 2, 2, eta=0.1, random_state=0)
    agent = CVaRUCBVI(0.5, eta=0.1)
    with pytest.raises(RuntimeError, match="reset"):
        agent.select(0, 0)
    agent.reset(mdp)
    a = agent.select(0, 0)
    with pytest.raises(ValueError, match="reward"):
        agent.update(0, 0, a, 1.5, 1)
    with pytest.raises(ValueError, match="s_next"):
        agent.update(0, 0, a, 0.1, 5)
    with pytest.raises(ValueError, match="expected step"):
        agent.update(1, 0, a, 0.1, 1)


def test_budget_grid_covers_rounded_returns_and_matches_dp_off_grid():
    """Rewards off the grid are rounded up; n_b = max(1/eta, sum_h max level) + 1."""
    rng = np.random.default_rng(8)
    H, S, A, eta = 3, 3, 2, 0.25
    counts = rng.integers(1, 20, size=(H, S, A, S))
    P = counts / counts.sum(-1, keepdims=True)
    values = np.array([0.0, 0.1, 0.26])  # 0.1 -> 0.25 and 0.26 -> 0.5 on the grid
    probs = rng.dirichlet(np.ones(3), size=(H, S, A))
    mdp = TabularMDP(P, values, reward_probs=probs)
    agent = CVaRUCBVI(0.3, eta=eta).reset(mdp)
    nb = agent.values_.shape[-1]
    assert nb == max(4, H * 2) + 1  # three steps that can each pay 0.5 after rounding
    q = mdp._rounded_law(eta)
    plan = mdp.cvar_optimal(0.3, eta)
    V = np.empty((H + 1, S, nb))
    pi = np.empty((H, S, nb), dtype=np.int64)
    _, idx = _plan_nb(counts, counts.sum(-1), q, eta, 0.3, _NONE, 1.0, 0, V, pi)
    m = min(nb, plan.budgets.size)
    np.testing.assert_allclose(V[:, :, :m], plan.values[:, :, :m], atol=1e-12)
    assert idx == pytest.approx(plan.value, abs=1e-12)
    random_mdp = TabularMDP.random(2, 2, 4, eta=0.05, random_state=0)
    assert CVaRUCBVI(0.3, eta=0.05).reset(random_mdp).values_.shape[-1] == 21
