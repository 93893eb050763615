"""MatrixCompletionBandit against a naive numpy implementation of the paper's algorithm."""

import math

import numpy as np
import pytest
from scipy import stats

from statkit.bandits._envs import LowRankBanditEnv
from statkit.bandits._mcb import MatrixCompletionBandit
from statkit.bandits._mcb_inference import tangent_projection
from statkit.bandits._mcb_kernels import reference_step
from statkit.bandits._softimpute import soft_impute
from statkit.datasets._mcb import make_low_rank_arms


def _env(d1=8, d2=7, noise=1.0, seed=0, scale=10.0):
    return LowRankBanditEnv(
        make_low_rank_arms(d1, d2, rank=2, scale=scale, gap_scale=2.0, random_state=seed), noise
    )


def _naive_run(env, T, T0, n_warm, rank, c2, gamma, eps1, c_eta, lam_rel, seed):
    """The algorithm written out plainly: numpy argmax, SVD-balanced step, explicit snapshots."""
    rng = np.random.default_rng(seed)
    K = env.n_arms
    d1, d2 = env.shape
    rows, cols, rewards = env.draw(T, rng)
    u = rng.random(T)
    arms = np.zeros(T, dtype=int)
    props = np.zeros(T)
    wsum = np.zeros((K, d1, d2))
    wcnt = np.zeros((K, d1, d2))
    for t in range(n_warm):
        a = min(int(u[t] * K), K - 1)
        arms[t], props[t] = a, 1 / K
        wsum[a, rows[t], cols[t]] += rewards[t, a]
        wcnt[a, rows[t], cols[t]] += 1
    U = np.zeros((K, d1, rank))
    V = np.zeros((K, d2, rank))
    lam_max = 0.0
    for a in range(K):
        mask = wcnt[a] > 0
        Y = np.where(mask, wsum[a] / np.maximum(wcnt[a], 1), 0.0)
        lam = lam_rel * np.linalg.svd(Y / mask.mean(), compute_uv=False)[0]
        M0 = soft_impute(Y, mask, rank=rank, lam=lam).matrix
        L, s, Rt = np.linalg.svd(M0)
        lam_max = max(lam_max, s[0])
        U[a], V[a] = L[:, :rank] * np.sqrt(s[:rank]), Rt[:rank].T * np.sqrt(s[:rank])
    eta0 = c_eta * d1 * d2 * math.log(d1) / (lam_max * T ** (1 - gamma))
    snap_sum = np.zeros((K, d1, d2))
    ipw = np.zeros((K, d1, d2))
    second = np.zeros((K, d1, d2))
    sig2 = np.zeros(K)
    for t in range(n_warm + 1, T + 1):
        s = t - 1
        i, j = rows[s], cols[s]
        eps = eps1 if t <= T0 else min(1.0, c2 * t ** (-gamma))
        M = np.einsum("kia,kja->kij", U, V)
        greedy = int(np.argmax(M[:, i, j]))
        probs = np.full(K, eps / K)
        probs[greedy] += 1 - eps
        a = int(np.searchsorted(np.cumsum(probs), u[s], side="right"))
        a = min(a, K - 1)
        arms[s], props[s] = a, probs[a]
        y = rewards[s, a]
        if t > T0:
            snap_sum += M
            res = y - M[a, i, j]
            ipw[a, i, j] += res / probs[a]
            second[a, i, j] += res**2 / probs[a] ** 2
            sig2[a] += res**2 / probs[a]
        reference_step(U, V, a, i, j, y, probs[a], eta0 * (1.0 if t <= T0 else eps))
    n = T - T0
    unbs = (snap_sum + d1 * d2 * ipw) / n
    return dict(
        arms=arms, props=props, M=np.einsum("kia,kja->kij", U, V), unbs=unbs, sig2=sig2 / n,
        second=second, rows=rows, cols=cols, rewards=rewards,
    )  # fmt: skip


SETTINGS = dict(T=900, T0=400, n_warm=150, rank=2, c2=3.0, gamma=1 / 3, eps1=0.5, c_eta=0.02)


def _bandit(env, seed=0, **over):
    s = {**SETTINGS, **over}
    return MatrixCompletionBandit(
        env.shape, s["rank"], env.n_arms, T0=s["T0"], exploration=(s["c2"], s["gamma"]),
        eps_phase1=s["eps1"], step=s["c_eta"], n_warm=s["n_warm"], random_state=seed,
    )  # fmt: skip


@pytest.mark.parametrize("n_arms", [2, 3])
def test_run_matches_naive_algorithm(n_arms):
    env = LowRankBanditEnv(
        make_low_rank_arms(8, 7, rank=2, n_arms=n_arms, scale=10.0, random_state=3), 1.0
    )
    ref = _naive_run(env, **SETTINGS, lam_rel=0.01, seed=5)
    bandit = _bandit(env, seed=5)
    res = bandit.run(env, SETTINGS["T"])
    np.testing.assert_array_equal(res.arms, ref["arms"])
    np.testing.assert_allclose(res.propensities, ref["props"], rtol=1e-12)
    np.testing.assert_allclose(res.estimates, ref["M"], rtol=1e-9, atol=1e-9)
    inf = bandit.inference()
    np.testing.assert_allclose(inf.debiased, ref["unbs"], rtol=1e-9, atol=1e-8)
    np.testing.assert_allclose(inf.noise_var, ref["sig2"], rtol=1e-9)
    # regret is the env's per-round regret of the chosen arms, summed
    mu = env.means[:, ref["rows"], ref["cols"]]
    np.testing.assert_allclose(res.regret, np.cumsum(mu.max(0) - mu[ref["arms"], np.arange(900)]))


def test_select_update_loop_equals_run():
    env = _env()
    res = _bandit(env, seed=11).run(env, SETTINGS["T"])
    g = np.random.default_rng(11)
    rows, cols, rewards = env.draw(SETTINGS["T"], g)
    step = _bandit(env, seed=g)
    step.horizon = SETTINGS["T"]  # select/update need the horizon as a parameter
    arms = []
    for t in range(SETTINGS["T"]):
        a, p = step.select(int(rows[t]), int(cols[t]))
        step.update(int(rows[t]), int(cols[t]), a, float(rewards[t, a]), p)
        arms.append(a)
    np.testing.assert_array_equal(arms, res.arms)
    np.testing.assert_allclose(step.estimates_, res.estimates, rtol=1e-12)


def test_same_seed_same_numbers_and_different_seed_differs():
    env = _env()
    a = _bandit(env, seed=1).run(env, 900)
    b = _bandit(env, seed=1).run(env, 900)
    c = _bandit(env, seed=2).run(env, 900)
    np.testing.assert_array_equal(a.arms, b.arms)
    np.testing.assert_array_equal(a.regret, b.regret)
    assert not np.array_equal(a.arms, c.arms)


def test_tangent_projection_matches_three_term_form():
    rng = np.random.default_rng(0)
    L = np.linalg.qr(rng.standard_normal((9, 2)))[0]
    R = np.linalg.qr(rng.standard_normal((7, 2)))[0]
    Lp = np.linalg.svd(np.eye(9) - L @ L.T)[0][:, :7]
    Rp = np.linalg.svd(np.eye(7) - R @ R.T)[0][:, :5]
    W = rng.standard_normal((9, 7))
    PL, PR = L @ L.T, R @ R.T
    expected = PL @ W @ PR + PL @ W @ Rp @ Rp.T + Lp @ Lp.T @ W @ PR
    np.testing.assert_allclose(tangent_projection(W, L, R), expected, atol=1e-12)


def test_exact_and_empirical_variance_against_direct_sums():
    env = _env()
    bandit = _bandit(env, seed=4)
    res = bandit.run(env, SETTINGS["T"])
    ref = _naive_run(env, **SETTINGS, lam_rel=0.01, seed=4)
    d1, d2 = env.shape
    W = np.zeros((d1, d2))
    W[1, 3], W[2, 2] = 1.0, -1.0
    greedy = np.argmax(res.estimates, axis=0)
    ts = np.arange(SETTINGS["T0"] + 1, SETTINGS["T"] + 1)
    n = ts.size
    for a in range(2):
        inf = bandit.inference("exact")
        L, _, Rt = np.linalg.svd(inf.debiased[a])
        G = tangent_projection(W, L[:, :2], Rt[:2].T)
        # sum over rounds and cells of G^2 / p_t(a | i, j), written as a double loop
        total = 0.0
        for t in ts:
            eps = min(1.0, SETTINGS["c2"] * t ** (-SETTINGS["gamma"]))
            for i in range(d1):
                for j in range(d2):
                    p = 1 - eps + eps / 2 if greedy[i, j] == a else eps / 2
                    total += G[i, j] ** 2 / p
        expected = ref["sig2"][a] * d1 * d2 / n**2 * total
        assert inf.variance_of(W, a) == pytest.approx(expected, rel=1e-9)
        emp = bandit.inference("empirical").variance_of(W, a)
        assert emp == pytest.approx((d1 * d2) ** 2 / n**2 * np.sum(G**2 * ref["second"][a]))


def test_paper_variance_is_the_closed_form():
    env = _env()
    bandit = _bandit(env, seed=4)
    bandit.run(env, SETTINGS["T"])
    inf = bandit.inference("paper")
    T, T0, c2, g = SETTINGS["T"], SETTINGS["T0"], SETTINGS["c2"], SETTINGS["gamma"]
    L, _, Rt = np.linalg.svd(inf.debiased[0])
    G2 = tangent_projection(np.eye(8, 7), L[:, :2], Rt[:2].T) ** 2
    on = inf.greedy == 0
    S = T / (T - T0) * (2 / (c2 * (1 + g)) * G2[~on].sum() + T ** (-g) * G2[on].sum())
    assert inf.variance_of(np.eye(8, 7), 0) == pytest.approx(
        inf.noise_var[0] * S * 56 / T ** (1 - g), rel=1e-12
    )


def test_contrast_policy_value_and_one_sided_pvalue():
    env = _env()
    bandit = _bandit(env, seed=6)
    bandit.run(env, SETTINGS["T"])
    inf = bandit.inference()
    r = inf.infer((1, 2), (1, 0))
    se = math.sqrt(inf.variance_of((1, 2), 1) + inf.variance_of((1, 2), 0))
    assert r.se == pytest.approx(se)
    assert r.estimate == pytest.approx(inf.projected[1, 1, 2] - inf.projected[0, 1, 2])
    z = stats.norm.ppf(0.975)
    assert r.ci == pytest.approx((r.estimate - z * se, r.estimate + z * se))
    one = inf.compare_arms(1, 2, 1, 0)
    assert one.pvalue == pytest.approx(stats.norm.sf(r.estimate / se))
    pol = inf.greedy
    v = inf.policy_value(pol)
    expected = np.mean(np.choose(pol, inf.projected))
    assert v.estimate == pytest.approx(expected)
    assert "estimate" in str(r.summary()) and "noise var" in str(inf.summary())


@pytest.mark.slow
def test_standard_errors_match_monte_carlo_spread_slow():
    _se_vs_spread(n_reps=120)


def test_standard_errors_match_monte_carlo_spread_quick():
    _se_vs_spread(n_reps=30)


def _se_vs_spread(n_reps):
    """The sd of the estimate over independent runs against the mean reported se."""
    env = _env(d1=12, d2=12, noise=1.0, seed=7, scale=20.0)
    est, ses = [], []
    for rep in range(n_reps):
        bandit = MatrixCompletionBandit(
            (12, 12), 2, T0=3000, exploration=(5.0, 1 / 3), n_warm=1000, random_state=rep
        )
        bandit.run(env, 9000)
        r = bandit.inference().infer((0, 1), 0)
        est.append(r.estimate)
        ses.append(r.se)
    sd = np.std(est, ddof=1)
    # sd of a sample sd from n normal draws is about sd / sqrt(2(n - 1)); allow 4 of those
    tol = 4 * sd / math.sqrt(2 * (n_reps - 1))
    assert abs(np.mean(ses) - sd) < tol + 0.1 * sd
    # and the estimate is centred on the truth: |bias| < 4 Monte Carlo se
    assert abs(np.mean(est) - env.means[0, 0, 1]) < 4 * sd / math.sqrt(n_reps) + 0.05 * sd


def test_learning_reduces_per_round_regret():
    env = _env(d1=20, d2=20, seed=2, scale=50.0)
    res = MatrixCompletionBandit((20, 20), 2, random_state=0).run(env, 20_000)
    per_round = np.diff(np.concatenate([[0.0], res.regret]))
    # burn-in pulls arms uniformly; the last quarter explores with eps_t <= 10 t^-1/3 < 0.41
    assert per_round[-5000:].mean() < 0.6 * per_round[: res.n_warm].mean()


def test_warm_start_array_skips_burn_in():
    env = _env()
    bandit = _bandit(env, seed=0, n_warm=None)
    bandit.warm_start = env.means + 0.1
    res = bandit.run(env, 900)
    assert res.n_warm == 0 and np.all(res.epsilons[:400] == SETTINGS["eps1"])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(rank=7), "rank must lie in"),
        (dict(rank=0), "rank must be an integer >= 1"),
        (dict(T0=900), "T0 must be < horizon"),
        (dict(eps_phase1=0.0), "eps_phase1"),
        (dict(eps_phase1=1.5), "eps_phase1"),
        (dict(exploration=(0.0, 0.3)), "exploration c"),
        (dict(exploration=(1.0, 1.0)), "exploration gamma"),
        (dict(step=-1.0), "step"),
        (dict(n_warm=500), "n_warm must be <= T0"),
        (dict(warm_start="oracle"), "warm_start"),
        (dict(warm_start=np.zeros((2, 3, 3))), "warm_start array must have shape"),
        (dict(shape=(8,)), "shape must be a pair"),
    ],
)
def test_bad_parameters(kwargs, match):
    env = _env()
    args = dict(
        shape=env.shape, rank=2, T0=400, n_warm=150, exploration=(3.0, 1 / 3), random_state=0
    )
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        MatrixCompletionBandit(**args).run(env, 900)


def test_gamma_outside_paper_range_warns():
    env = _env()
    with pytest.warns(UserWarning, match="outside the paper's range"):
        _bandit(env, gamma=0.5).run(env, 900)


def test_auto_T0_must_leave_a_phase_two():
    env = _env()
    with pytest.raises(ValueError, match=r"13\.5"):
        MatrixCompletionBandit(env.shape, 2, exploration=(10, 0.25), random_state=0).run(env, 5000)


def test_bad_step_inputs():
    b = MatrixCompletionBandit((8, 7), 2, horizon=900, T0=400, n_warm=150, random_state=0)
    with pytest.raises(ValueError, match="context index i must lie in"):
        b.select(8, 0)
    with pytest.raises(ValueError, match="context index j must lie in"):
        b.update(0, -1, 0, 1.0, 0.5)
    with pytest.raises(ValueError, match="arm must lie in"):
        b.update(0, 0, 2, 1.0, 0.5)
    with pytest.raises(ValueError, match="propensity"):
        b.update(0, 0, 1, 1.0, 0.0)
    with pytest.raises(ValueError, match="reward"):
        b.update(0, 0, 1, float("nan"), 0.5)
    with pytest.raises(ValueError, match="horizon must be given"):
        MatrixCompletionBandit((8, 7), 2).select(0, 0)
    assert b.t_ == 0  # rejected rounds are not recorded


def test_inference_needs_phase_two():
    b = MatrixCompletionBandit((8, 7), 2, horizon=900, T0=400, n_warm=150, random_state=0)
    env = _env()
    rows, cols, rew = env.draw(300, 0)
    for t in range(300):
        a, p = b.select(int(rows[t]), int(cols[t]))
        b.update(int(rows[t]), int(cols[t]), a, float(rew[t, a]), p)
    with pytest.raises(ValueError, match="t > T0"):
        b.inference()


def test_bad_inference_inputs():
    env = _env()
    bandit = _bandit(env)
    bandit.run(env, 900)
    inf = bandit.inference()
    with pytest.raises(ValueError, match="variance must be one of"):
        bandit.inference("bootstrap")
    with pytest.raises(ValueError, match="entry W"):
        inf.infer((8, 0), 0)
    with pytest.raises(ValueError, match="arm must lie in"):
        inf.infer((0, 0), 2)
    with pytest.raises(ValueError, match="two different arms"):
        inf.infer((0, 0), (1, 1))
    with pytest.raises(ValueError, match="level"):
        inf.infer((0, 0), 0, level=1.0)
    with pytest.raises(ValueError, match="policy"):
        inf.policy_value(np.zeros((8, 7), dtype=int) + 2)
