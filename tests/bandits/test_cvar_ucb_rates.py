"""CVaR-UCB rate checks: registry and quick sweeps (the full runs are in the issue notes)."""

import math

import numpy as np
import pytest

from statkit.bandits._cvar_ucb_rates import gap_for
from statkit.simulation import get_check, list_checks

NAMES = {"cvar-ucb-k": 0.5, "cvar-ucb-tau-bernstein": -0.5, "cvar-ucb-tau-hoeffding": -1.0}


def test_checks_are_registered():
    names = {c.name for c in list_checks()}
    assert set(NAMES) <= names
    for name, exponent in NAMES.items():
        assert get_check(name).predicted_exponent == exponent


def test_gap_is_the_documented_family():
    assert gap_for(100_000, 0.2) == pytest.approx(4 * math.sqrt(0.2 * 2 / 100_000))
    assert gap_for(10, 0.2) == 0.2  # capped at tau, so arm 0 stays a valid Bernoulli


def _sane(result, check):
    values = result.data["value"].to_numpy()
    assert values.shape == (len(check.quick_grid) * check.quick_reps,)
    # regret is on true CVaRs: between 0 and K times the CVaR gap eps/tau
    assert np.all(values >= 0)
    assert result.verdict in ("PASS", "FAIL")


def test_quick_k_sweep():
    check = get_check("cvar-ucb-k")
    result = check.run(quick=True, random_state=0, progress=False)
    _sane(result, check)
    means = result.data.groupby("x")["value"].mean().to_numpy()
    assert np.all(np.diff(means) > 0)


@pytest.mark.parametrize("name", ["cvar-ucb-tau-bernstein", "cvar-ucb-tau-hoeffding"])
def test_quick_tau_sweeps(name):
    check = get_check(name)
    _sane(check.run(quick=True, random_state=0, progress=False), check)
