"""Rate checks of Best-of-Majority (issue 9, part 3) and their count sampler.

Oracles: the exact enumeration of PassAtKSimulator (itself tested against brute force over
all answer sequences with a naive first-occurrence selector in test_pass_at_k.py); closed
forms derived here by inclusion-exclusion for the Best-of-N-hard family, and the symmetry
values (k + 1)/(2k + 1) Delta (minimax family) and 7/15 (family 1 with spread rewards);
the real selectors run on sampled sequences.
"""

import math

import numpy as np
import pytest

from statkit.llm._best_of_majority import best_of_majority, best_of_n, majority_vote
from statkit.llm._best_of_majority_rates import (
    BOM_REGRET_COVERAGE,
    BOM_REGRET_EPS,
    BOM_REGRET_K,
    BOM_REGRET_N_FLAT,
    BON_REGRET_N,
    MAJORITY_REGRET_N_FLAT,
    mv_spread_instance,
    sample_regret,
)
from statkit.llm._pass_at_k import (
    PassAtKSimulator,
    bon_hard_instance,
    minimax_instance,
)
from statkit.simulation import get_check, list_checks

CHECKS = [
    BOM_REGRET_K,
    BON_REGRET_N,
    MAJORITY_REGRET_N_FLAT,
    BOM_REGRET_N_FLAT,
    BOM_REGRET_COVERAGE,
    BOM_REGRET_EPS,
]


def bon_hard_regret(k, N, coverage, eps, eps_opt):
    """Exact Best-of-N regret on bon_hard_instance (n_impostors = k), derived by hand.

    All k impostors drawn (F): the k impostors are submitted, regret Delta. Otherwise y*
    (r_hat = 1 - eps_opt > 0) follows the j < k impostors drawn: regret 0 if y* was
    drawn; if not, Delta when j >= 1 and 1 when only the filler is left.
    """
    c = 1 / coverage
    delta = min(1.0, math.sqrt(N * eps**2 / k))

    def all_present(extra):  # P(all impostors drawn, and none of mass `extra` drawn)
        return sum((-1) ** i * math.comb(k, i) * (1 - extra - i / N) ** N for i in range(k + 1))

    p_f = all_present(0.0)
    p_a = (1 - c) ** N
    p_a_f = all_present(c)
    p_a_none = (1 - c - k / N) ** N
    return delta * p_f + delta * (p_a - p_a_f - p_a_none) + p_a_none


def _within(draws, target, z=4.5):
    se = draws.std(ddof=1) / math.sqrt(draws.size)
    assert abs(draws.mean() - target) <= z * se + 1e-12, (draws.mean(), target, se)


# ------------------------------------------------------------------------- registry


def test_registered():
    names = {c.name for c in list_checks()}
    for check in CHECKS:
        assert check.name in names
        assert get_check(check.name) is check
    assert BOM_REGRET_K.predicted_exponent == -0.5
    assert BON_REGRET_N.predicted_exponent == 0.5
    assert MAJORITY_REGRET_N_FLAT.predicted_exponent == 0.0
    assert BOM_REGRET_N_FLAT.predicted_exponent == 0.0
    assert BOM_REGRET_COVERAGE.predicted_exponent == 0.5
    assert BOM_REGRET_EPS.predicted_exponent == 1.0


# ---------------------------------------------------- the sampler vs exact enumeration


@pytest.mark.parametrize("strategy", ["bom", "majority", "bon"])
@pytest.mark.parametrize("k", [1, 2])
def test_sampler_matches_exact_enumeration(strategy, k):
    # ties in r_hat and, at N = 6, frequent ties in the counts
    sim = PassAtKSimulator([0.4, 0.3, 0.2, 0.1], [0.25, 1.0, 0.5, 0.75], [0.5, 0.5, 0.75, 0.5])
    for N, alpha in ((6, 0.25), (9, 0.2)):
        exact = sim.regret(strategy, N, k, alpha=alpha, method="exact").regret
        draws = sample_regret(sim, strategy, N, k, 40_000, random_state=N + k, alpha=alpha)
        _within(draws, exact)


def test_sampler_matches_real_selectors():
    # the selectors run on sampled sequences (first-occurrence ties), same instance family
    sim = minimax_instance(2, 8, 0.3)
    rng = np.random.default_rng(3)
    N, k, n = 40, 2, 20_000
    cdf = np.cumsum(sim.ref_probs)
    draws = np.minimum(np.searchsorted(cdf, rng.random((n, N)), side="right"), cdf.size - 1)
    sels = {
        "bom": best_of_majority(draws, sim.rm_rewards[draws], k, sim.alpha_theory),
        "bon": best_of_n(draws, sim.rm_rewards[draws], k),
        "majority": majority_vote(draws, k),
    }
    for strategy, sel in sels.items():
        chosen = sel.indices >= 0
        ans = np.where(chosen, sel.answers, 0).astype(np.int64)
        seq = sim.optimal_reward - np.where(chosen, sim.true_rewards[ans], 0.0).max(1)
        cnt = sample_regret(sim, strategy, N, k, n, random_state=4)
        se = math.hypot(seq.std(ddof=1), cnt.std(ddof=1)) / math.sqrt(n)
        assert abs(seq.mean() - cnt.mean()) <= 4.5 * se


def test_sampler_reproducible_and_bad_input():
    sim = minimax_instance(1, 5, 0.2)
    a = sample_regret(sim, "bom", 50, 1, 100, random_state=11)
    b = sample_regret(sim, "bom", 50, 1, 100, random_state=11)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="PassAtKSimulator"):
        sample_regret("sim", "bom", 50, 1, 10)
    with pytest.raises(ValueError, match="strategy must be one of"):
        sample_regret(sim, "best", 50, 1, 10)
    with pytest.raises(ValueError, match="N must be an integer >= k"):
        sample_regret(sim, "bom", 1, 2, 10)
    with pytest.raises(ValueError, match="n_draws"):
        sample_regret(sim, "bom", 10, 1, 0)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        sample_regret(sim, "bom", 10, 1, 10, alpha=1.5)
    with pytest.raises(ValueError, match="auto"):
        sample_regret(sim, "bom", 10, 1, 10, alpha="auto")
    with pytest.raises(ValueError, match="trap_rewards"):
        mv_spread_instance(2, 10, [0.2, 0.4])


# ------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("N", [12, 30, 60])
def test_bon_hard_closed_form_vs_simulator(k, N):
    sim = bon_hard_instance(k, N, 4.0, 0.05, 0.1)
    exact = sim.regret("bon", N, k, method="exact").regret
    assert exact == pytest.approx(bon_hard_regret(k, N, 4.0, 0.05, 0.1), abs=1e-12)


def test_bon_hard_closed_form_vs_sampler_large_n():
    # beyond exact enumeration: the check's own instance at its largest N
    k, N = 2, 4096
    sim = bon_hard_instance(k, N, 4.0, 0.01, 0.1)
    draws = sample_regret(sim, "bon", N, k, 40_000, random_state=0)
    _within(draws, bon_hard_regret(k, N, 4.0, 0.01, 0.1))


def test_minimax_plateau():
    # every candidate passes the filter: regret (k+1)/(2k+1) Delta, whatever N
    k, c, eps = 2, 10.0, 0.2
    sim = minimax_instance(k, c, eps)
    delta = math.sqrt(c * eps**2 / (2 * k))
    for N in (1024, 32768):
        _within(sample_regret(sim, "bom", N, k, 40_000, random_state=N), 0.6 * delta)
    # k = 1 with a filler: exact enumeration at N = 90 is already on the plateau
    small = minimax_instance(1, 4.0, 0.3)
    d1 = math.sqrt(4.0 * 0.09 / 2)
    assert small.regret("bom", 90, 1).regret == pytest.approx(2 / 3 * d1, abs=1e-4)


def test_mv_spread_plateau():
    # k = 1: majority voting submits one of the two popular answers, each w.p. 1/2
    one = mv_spread_instance(1, 10, (0.3, 0.6))
    assert one.eps_rm == 0.0
    exact = one.regret("majority", 130, 1, method="exact").regret  # N >= 9 C* log 4 = 125
    assert exact == pytest.approx(1 - (0.3 + 0.6) / 2, abs=1e-6)
    sim = mv_spread_instance(2, 10, (0.2, 0.4, 0.6))
    # BoM with the exact reward model submits y* once it passes alpha = 0.075: at
    # N = 4000 it fails only if its count falls 10 sd below its mean
    assert sample_regret(sim, "bom", 4000, 2, 20_000, random_state=0).max() == 0.0
    assert sample_regret(sim, "majority", 4000, 2, 20_000, random_state=0).min() >= 0.4


# ------------------------------------------------------------------- quick runs


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_quick_run_sane(check):
    res = check.run(quick=True, random_state=0, progress=False)
    assert res.table["n_reps"].tolist() == [check.quick_reps] * len(check.quick_grid)
    assert np.isfinite(res.slope) and res.ci[0] < res.slope < res.ci[1]
    # the method note's acceptance band, looser than the full run's interval
    assert abs(res.slope - check.predicted_exponent) < 0.1
    expected = {
        "bom-regret-k": lambda x: (x + 1) / (2 * x + 1) * math.sqrt(1200 * 0.01 / (2 * x)),
        "bon-regret-n": lambda x: bon_hard_regret(2, int(x), 4.0, 0.01, 0.1),
        "majority-regret-n-flat": lambda x: 7 / 15,
        "bom-regret-n-flat": lambda x: 0.6 * math.sqrt(10 * 0.04 / 4),
        "bom-regret-coverage": lambda x: 0.6 * math.sqrt(x * 0.05**2 / 4),
        "bom-regret-eps": lambda x: 0.6 * math.sqrt(20 * x**2 / 4),
    }[check.name]
    for row in res.table.itertuples():
        assert abs(row.aggregate - expected(row.x)) <= 4.5 * row.se, (row.x, row.aggregate)
    again = check.run(quick=True, random_state=0, progress=False)
    np.testing.assert_array_equal(res.data["value"], again.data["value"])
