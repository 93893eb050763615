"""Matrix-completion bandit checks: registry, instance and quick sweeps (full runs: issue 7)."""

import numpy as np
import pytest

from statkit.bandits._mcb_rates import coverage_replicate, coverage_study, paper_instance
from statkit.simulation import LevelCheck, RateCheck, get_check

EXPONENTS = {"mcb-regret-gamma13": 2 / 3, "mcb-regret-gamma14": 3 / 4, "mcb-error-gamma13": -1 / 3}


def test_checks_are_registered_with_the_papers_exponents():
    for name, exponent in EXPONENTS.items():
        check = get_check(name)
        assert isinstance(check, RateCheck)
        assert check.predicted_exponent == pytest.approx(exponent)
    assert get_check("mcb-regret-gamma13").model == "offset-power"
    for name in ("mcb-coverage-gamma13", "mcb-coverage-gamma14"):
        check = get_check(name)
        assert isinstance(check, LevelCheck) and check.target == 0.95


def test_gamma14_grid_leaves_a_phase_two():
    # T0 = ceil(13.5 T^(3/4)) must stay below T on the whole grid
    for T in get_check("mcb-regret-gamma14").grid:
        assert np.ceil(13.5 * T**0.75) < T


def test_instance_is_the_papers_generator_at_d50():
    env = paper_instance()
    assert env.means.shape == (2, 50, 50) and env.noise == 1.0
    for a in range(2):
        s = np.linalg.svd(env.means[a], compute_uv=False)
        assert s[2] < 1e-9 * s[0]  # rank 2


def test_quick_regret_sweep_increases():
    check = get_check("mcb-regret-gamma13")
    result = check.run(quick=True, random_state=0, progress=False)
    means = result.data.groupby("x")["value"].mean().to_numpy()
    assert np.all(np.diff(means) > 0)
    assert result.verdict in ("PASS", "FAIL")


def test_coverage_replicate_reports_every_functional_and_variance():
    rows = coverage_replicate(12_000, 4_000, 1 / 3, np.random.default_rng(0))
    assert len(rows) == 12
    assert {r["variance"] for r in rows} == {"exact", "paper", "empirical"}
    assert all(np.isfinite(r["z"]) for r in rows)
    # the paper's variance is the exact one with a smaller average of 1/p: |z| is larger
    z = {(r["variance"], r["functional"]): abs(r["z"]) for r in rows}
    for name in {r["functional"] for r in rows}:
        assert z[("paper", name)] >= z[("exact", name)]


def test_coverage_study_table():
    table = coverage_study(gammas=(1 / 3,), T=12_000, T0=4_000, n_reps=2, random_state=0)
    assert len(table) == 12
    assert table["coverage"].between(0, 1).all()
    assert (table["ci_low"] <= table["coverage"]).all()
