"""CVaR-UCBVI rate checks: registry, the instance family, quick sweeps (full runs: docs)."""

import math

import numpy as np
import pytest

from statkit.rl._cvar import cvar_bernoulli
from statkit.rl._cvar_ucbvi_rates import GAP_CONSTANTS, minimax_mdp, minimax_regret
from statkit.simulation import get_check, list_checks

NAMES = {"cvar-ucbvi-k": 0.5, "cvar-ucbvi-s": 0.5}


def test_checks_are_registered():
    names = {c.name for c in list_checks()}
    assert set(NAMES) <= names
    for name, exponent in NAMES.items():
        assert get_check(name).predicted_exponent == exponent


@pytest.mark.parametrize(("S", "A", "tau", "gap"), [(3, 2, 0.25, 0.05), (5, 3, 0.1, 0.1)])
def test_minimax_mdp_values_are_the_bernoulli_closed_form(S, A, tau, gap):
    mdp, best = minimax_mdp(S, A, tau, gap, random_state=0)
    # CVaR* is the CVaR of Bernoulli(1 - tau + gap): gap / tau
    assert mdp.cvar_optimal(tau, eta=0.25).value == pytest.approx(gap / tau, abs=1e-12)
    # a Markov policy wrong in m contexts: Bernoulli(1 - tau + gap (S - m) / S)
    pol = np.zeros((3, S + 3), dtype=np.int64)
    pol[1, 1 : S + 1] = best
    pol[1, 1] = (best[0] + 1) % A
    want = cvar_bernoulli(1 - tau + gap * (S - 1) / S, tau)
    assert mdp.policy_cvar(pol, 1.0, tau, eta=0.25) == pytest.approx(want, abs=1e-12)
    with pytest.raises(ValueError, match="gap"):
        minimax_mdp(S, A, tau, 2 * tau)


def test_minimax_regret_is_bounded_by_the_largest_gap():
    K, S = 300, 2
    value = minimax_regret(K, S, np.random.default_rng(0))
    largest = min(0.25, max(GAP_CONSTANTS) * math.sqrt(0.25 * S * 2 / K))
    # per-episode regret is at most CVaR* = gap / tau
    assert 0 < value <= K * largest / 0.25 + 1e-9
    assert value == minimax_regret(K, S, np.random.default_rng(0))


def test_quick_k_sweep():
    check = get_check("cvar-ucbvi-k")
    result = check.run(quick=True, random_state=0, progress=False)
    values = result.data["value"].to_numpy()
    assert values.shape == (len(check.quick_grid) * check.quick_reps,)
    assert np.all(values > 0)
    means = result.data.groupby("x")["value"].mean().to_numpy()
    assert np.all(np.diff(means) > 0)
    assert result.verdict in ("PASS", "FAIL")


@pytest.mark.slow
def test_quick_s_sweep():
    check = get_check("cvar-ucbvi-s")
    result = check.run(quick=True, random_state=0, progress=False)
    means = result.data.groupby("x")["value"].mean().to_numpy()
    assert np.all(np.diff(means) > 0)
