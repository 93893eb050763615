import numpy as np
import pytest
from scipy import stats

from statkit.bandits._envs import LowRankBanditEnv, check_bandit_env, semi_synthetic_env
from statkit.datasets._mcb import make_low_rank_arms


def _env(noise=1.0):
    return LowRankBanditEnv(
        make_low_rank_arms(6, 5, scale=3.0, gap_scale=2.0, random_state=0), noise
    )


def test_reward_moments_match_model():
    env = _env(noise=2.0)
    n = 200_000
    rows, cols, r = env.draw(n, np.random.default_rng(0))
    resid = r - env.means[:, rows, cols].T
    # CLT: the mean of n N(0, 4) residuals has sd 2/sqrt(n); allow 5 sd.
    assert np.all(np.abs(resid.mean(0)) < 5 * 2.0 / np.sqrt(n))
    # Var of sample variance of N(0, s2) is 2 s2^2/n.
    assert np.all(np.abs(resid.var(0) - 4.0) < 5 * np.sqrt(2 * 16 / n))
    assert abs(np.corrcoef(resid.T)[0, 1]) < 5 / np.sqrt(n)


def test_contexts_uniform_chi_square():
    env = _env()
    rows, cols, _ = env.draw(30_000, 1)
    counts = np.bincount(rows * 5 + cols, minlength=30)
    assert stats.chisquare(counts).pvalue > 1e-4


def test_regret_and_optimal_arms_against_loop():
    env = _env()
    rows, cols, _ = env.draw(300, 2)
    arms = np.random.default_rng(3).integers(0, 2, 300)
    reg = env.regret(rows, cols, arms)
    best = env.optimal_arms(rows, cols)
    for t in range(300):
        m0, m1 = env.means[0, rows[t], cols[t]], env.means[1, rows[t], cols[t]]
        assert best[t] == (1 if m1 > m0 else 0)
        assert np.isclose(reg[t], abs(m1 - m0) * (arms[t] != best[t]))


def test_ties_go_to_lowest_index():
    means = np.zeros((3, 2, 2))
    means[2, 0, 0] = 1.0
    env = LowRankBanditEnv(means)
    np.testing.assert_array_equal(env.optimal_arms(np.array([0, 1]), np.array([0, 1])), [2, 0])


def test_determinism():
    env = _env()
    a = env.draw(50, 7)
    b = env.draw(50, np.random.default_rng(7))
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[2], env.draw(50, 8)[2])


def test_context_probs_respected():
    p = np.zeros((6, 5))
    p[1, 2] = 1.0
    rows, cols, _ = LowRankBanditEnv(_env().means, context_probs=p).draw(20, 0)
    assert np.all(rows == 1) and np.all(cols == 2)


def test_validator_accepts_envs_and_rejects_broken():
    check_bandit_env(_env())
    env = semi_synthetic_env(rank=2, gap=1.0, random_state=0)
    check_bandit_env(env)
    assert env.shape == (61, 12)
    diff = env.means[1] - env.means[0]
    assert np.isclose(np.abs(diff).max(), 1.0)
    assert 0 < np.mean(diff > 0) < 1  # optimal arm varies
    for M in env.means:
        assert np.linalg.svd(M, compute_uv=False)[2] < 1e-10

    class Broken(LowRankBanditEnv):
        def optimal_arms(self, rows, cols):
            return np.zeros(len(rows), dtype=np.int64)

    with pytest.raises(ValueError, match="optimal_arms"):
        check_bandit_env(Broken(np.stack([np.zeros((3, 3)), np.ones((3, 3))])))
    with pytest.raises(TypeError, match="attribute"):
        check_bandit_env(object())


@pytest.mark.parametrize(
    "args,exc,match",
    [
        ((np.zeros((1, 3, 3)),), ValueError, "K >= 2"),
        ((np.zeros((3, 3)),), ValueError, "shape"),
        (([np.zeros((3, 3)), np.zeros((3, 2))],), ValueError, "same shape"),
        ((np.full((2, 3, 3), np.nan),), ValueError, "finite"),
        ((np.zeros((2, 3, 3)), -1.0), ValueError, "noise"),
        ((np.zeros((2, 3, 3)), 1.0, np.ones((3, 3))), ValueError, "context_probs"),
    ],
)
def test_bad_constructor(args, exc, match):
    with pytest.raises(exc, match=match):
        LowRankBanditEnv(*args)


def test_bad_calls():
    env = _env()
    with pytest.raises(ValueError, match="rows"):
        env.mean_rewards(np.array([6]), np.array([0]))
    with pytest.raises(TypeError, match="cols"):
        env.mean_rewards(np.array([0]), np.array([0.5]))
    with pytest.raises(ValueError, match="arms"):
        env.regret(np.array([0]), np.array([0]), np.array([2]))
    with pytest.raises(ValueError, match="horizon"):
        env.draw(-1, 0)
    with pytest.raises(ValueError, match="name"):
        semi_synthetic_env(name="x")
    with pytest.raises(ValueError, match="gap"):
        semi_synthetic_env(gap=0.0)
