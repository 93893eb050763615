"""DP PCA rate checks: registry, quick sweeps, the harmonic-combination study."""

import math

import numpy as np
import pytest

from statkit.privacy._federated_pca_rates import (
    calibration_exponent,
    format_harmonic_table,
    harmonic_combination_study,
    model_clip_norm,
    predicted_terms,
)
from statkit.simulation import get_check, list_checks

NAMES = {"dppca-n-nonprivate": -1.0, "dppca-n-private": -2.0, "dppca-epsilon": -2.0}


def test_checks_are_registered():
    names = {c.name for c in list_checks()}
    assert set(NAMES) <= names
    for name, exponent in NAMES.items():
        assert get_check(name).predicted_exponent == exponent


@pytest.mark.parametrize("name", sorted(NAMES))
def test_quick_sweep_runs_and_is_sane(name):
    check = get_check(name)
    result = check.run(quick=True, random_state=0, progress=False)
    values = result.data["value"].to_numpy()
    assert values.shape == (len(check.quick_grid) * check.quick_reps,)
    assert np.all(np.isfinite(values))
    assert np.all((values >= 0) & (values <= 2.0))  # sin-theta^2 <= r = 2
    means = result.data.groupby("x")["value"].mean().to_numpy()
    assert np.all(np.diff(means) < 0)  # error decreases along the grid
    assert result.verdict in ("PASS", "FAIL")


def test_regimes_follow_from_the_formula():
    # the documented regime choice: privacy term dominant on the private grids,
    # negligible on the non-private grid, and first order (far below the cap)
    for n in get_check("dppca-n-private").grid:
        sampling, privacy = predicted_terms(n, 0.5, 20, (100.0, 50.0))
        assert privacy > 30 * sampling and privacy + sampling < 0.1
    for eps in get_check("dppca-epsilon").grid:
        sampling, privacy = predicted_terms(20000, eps, 20, (100.0, 50.0))
        assert privacy > 30 * sampling and privacy + sampling < 0.1
    for n in get_check("dppca-n-nonprivate").grid:
        sampling, privacy = predicted_terms(n, 1e6, 50, (20.0, 10.0))
        assert privacy < 1e-4 * sampling
    assert -1.9 < calibration_exponent(get_check("dppca-epsilon").grid) < -1.75


def test_model_clip_norm_is_deterministic_and_exceeds_the_mean_norm():
    C = model_clip_norm(20, (100.0, 50.0), 1.0)
    assert C == model_clip_norm.__wrapped__(20, (100.0, 50.0), 1.0)
    assert C > math.sqrt(150.0 + 20.0)  # above sqrt(tr Sigma)


def test_harmonic_study_is_deterministic():
    kwargs = dict(
        clients=((400, 1.0), (800, 4.0)),
        useless_client=(10, 0.01),
        n_features=10,
        spikes=(20.0, 10.0),
        n_reps=3,
        random_state=1,
    )
    a = harmonic_combination_study(**kwargs)
    b = harmonic_combination_study(**kwargs)
    np.testing.assert_array_equal(a["client_errors"], b["client_errors"])
    assert a["server"] == b["server"] and a["harmonic"] == b["harmonic"]
    assert set(a["server"]) == {
        (agg, useless) for agg in ("inverse_rate", "uniform") for useless in (False, True)
    }
    assert all(np.isfinite(v) and v > 0 for v in a["ratio"].values())
    assert a["harmonic"] <= a["client_errors"].min()
    table = format_harmonic_table(a)
    assert "harmonic combination H" in table and "regular + useless" in table
