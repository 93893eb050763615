"""Robust TT rate checks (registry, quick variants, full variants) and the phase-transition
study.

Oracles: the phase-transition counts against a direct loop over ``make_tt_recovery`` and
``RobustTTRecovery`` written here from the documented seeding contract (with the error
recomputed from the cores); the bisection's answer refitted here; the reparametrised
slope against q^-slope by hand.
"""

import math
import warnings

import matplotlib
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from statkit.datasets._robust_tt import make_tt_recovery
from statkit.simulation import LevelCheck, RateCheck, get_check, list_checks
from statkit.tensor._robust_tt import RobustTTRecovery
from statkit.tensor._robust_tt_rates import (
    CONV_DECAY,
    convergence_factor,
    measurements_needed,
    sample_complexity_fits,
)
from statkit.tensor._robust_tt_study import (
    PhaseTransitionResult,
    outlier_breakdown,
    phase_transition,
)
from statkit.tensor._tt import tt_to_full

matplotlib.use("Agg")

RATE_NAMES = ["tt-linear-convergence", "tt-sample-complexity-n"]
LEVEL_NAMES = ["tt-l1-outlier-robustness", "tt-l2-outlier-breakdown"]
TINY = {"order": 4, "mode_size": 3, "rank": 2}  # dof 24, D = 81


# --------------------------------------------------------------------------- registry


def test_checks_are_registered():
    names = {c.name for c in list_checks()}
    assert set(RATE_NAMES + LEVEL_NAMES) <= names
    assert isinstance(get_check("tt-linear-convergence"), RateCheck)
    assert get_check("tt-linear-convergence").predicted_exponent == -1.0
    assert get_check("tt-sample-complexity-n").predicted_exponent == 1.0
    assert isinstance(get_check("tt-l1-outlier-robustness"), LevelCheck)
    assert get_check("tt-l1-outlier-robustness").target == 1.0
    assert get_check("tt-l2-outlier-breakdown").target == 0.0


def test_convergence_grid_is_the_step_ratio():
    # x_t = q^-t for t = 20, 40, ..., 180, so log x_t = -t log q
    grid = get_check("tt-linear-convergence").grid
    t = np.log(grid) / -math.log(CONV_DECAY)
    np.testing.assert_allclose(t, np.arange(20, 181, 20), rtol=1e-12)


# --------------------------------------------------------------------------- quick variants


def test_quick_linear_convergence_is_sane():
    result = get_check("tt-linear-convergence").run(quick=True, random_state=0, progress=False)
    med = result.table["aggregate"].to_numpy()
    assert np.all(np.diff(med) < 0) and med[-1] > 1e-12
    assert -1.5 < result.slope < -0.5
    rate = convergence_factor(result)
    assert rate["q_hat"] == pytest.approx(CONV_DECAY ** (-result.slope), rel=1e-12)
    assert rate["log_q_hat"] == pytest.approx(math.log(rate["q_hat"]), rel=1e-12)
    lo, hi = rate["ci"]
    assert lo < rate["q_hat"] < hi and 0.8 < rate["q_hat"] < 1.0
    assert result.passed, result.summary()


def test_quick_sample_complexity_is_sane():
    result = get_check("tt-sample-complexity-n").run(quick=True, random_state=0, progress=False)
    values = result.data["value"].to_numpy()
    dofs = 8 * (result.data["x"].to_numpy() - 1)  # d = 3, r = 2
    assert np.all(values == np.round(values))
    assert np.all(values > dofs) and np.all(values < 32 * dofs)
    assert 0.3 < result.slope < 2.0
    fits = sample_complexity_fits(result)
    assert list(fits["table"]["dof"]) == [24, 32, 40]
    np.testing.assert_allclose(fits["m50_vs_N"]["slope"], result.slope, rtol=1e-10)
    assert fits["m50_vs_dof"]["slope"] < fits["m50_vs_N"]["slope"]  # dof grows faster than N


@pytest.mark.parametrize("name", LEVEL_NAMES)
def test_quick_outlier_checks(name):
    result = get_check(name).run(quick=True, random_state=0, progress=False)
    assert set(result.data["value"]) <= {0.0, 1.0}
    assert result.passed, result.summary()


def test_measurements_needed_succeeds_at_its_answer():
    m = measurements_needed(4, np.random.default_rng(3), rel_tol=0.2)
    assert 24 < m <= 32 * 24
    # the instance the bisection used at m: same seed, as documented
    seed = int(np.random.default_rng(3).integers(0, 2**63))
    inst = make_tt_recovery(4, 3, 2, m, 0.2, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = RobustTTRecovery(2, max_iter=300).fit(inst.operator, inst.y)
    X = tt_to_full(est.cores_)
    assert np.linalg.norm(X - inst.tensor) / np.linalg.norm(inst.tensor) < 1e-6


# --------------------------------------------------------------------------- phase transition


def _loop_oracle(ratios, fractions, n_trials, random_state, order, mode_size, rank, **params):
    dof = (
        sum(
            a * mode_size * b
            for a, b in zip((1, *[rank] * (order - 1)), (*[rank] * (order - 1), 1), strict=True)
        )
        - (order - 1) * rank**2
    )
    counts = np.zeros((len(fractions), len(ratios)), dtype=int)
    for i, ratio in enumerate(ratios):
        m = round(ratio * dof)
        for j, p_s in enumerate(fractions):
            for k in range(n_trials):
                ss = np.random.SeedSequence(random_state, spawn_key=(i, j, k))
                rng = np.random.default_rng(ss)
                inst = make_tt_recovery(order, mode_size, rank, m, p_s, random_state=rng)
                est = RobustTTRecovery(rank, random_state=rng, **params)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    est.fit(inst.operator, inst.y)
                X = tt_to_full(est.cores_)
                err = np.linalg.norm(X - inst.tensor) / np.linalg.norm(inst.tensor)
                counts[j, i] += err < 1e-6
    return dof, counts


@pytest.fixture(scope="module")
def tiny_study():
    return phase_transition([1.5, 8], [0.0, 0.3], n_trials=3, random_state=5, **TINY)


def test_phase_transition_matches_a_direct_loop(tiny_study):
    dof, counts = _loop_oracle([1.5, 8], [0.0, 0.3], 3, 5, **TINY)
    assert tiny_study.dof == dof == 24
    assert tiny_study.m.tolist() == [36, 192]
    np.testing.assert_array_equal(tiny_study.successes, counts)
    # not a degenerate grid: m = 1.5 dof with 30% outliers fails, m = 8 dof succeeds
    assert counts[1, 0] == 0 and counts[:, 1].tolist() == [3, 3]


def test_phase_transition_is_deterministic(tiny_study):
    again = phase_transition([1.5, 8], [0.0, 0.3], n_trials=3, random_state=5, **TINY)
    np.testing.assert_array_equal(again.errors, tiny_study.errors)
    np.testing.assert_array_equal(again.n_iter, tiny_study.n_iter)
    other = phase_transition([1.5, 8], [0.0, 0.3], n_trials=3, random_state=6, **TINY)
    assert not np.array_equal(other.errors, tiny_study.errors)


def test_phase_transition_does_not_depend_on_n_jobs(tiny_study):
    par = phase_transition([1.5, 8], [0.0, 0.3], n_trials=3, random_state=5, n_jobs=2, **TINY)
    np.testing.assert_array_equal(par.errors, tiny_study.errors)


def test_phase_transition_table_and_summary(tiny_study):
    res = tiny_study
    assert isinstance(res, PhaseTransitionResult)
    assert res.successes.shape == (2, 2) and res.errors.shape == (2, 2, 3)
    np.testing.assert_array_equal(res.success_rate, res.successes / 3)
    t = res.table
    assert list(t.columns) == [
        "outlier_fraction",
        "m_over_dof",
        "m",
        "n_trials",
        "n_success",
        "success_rate",
        "median_error",
        "median_n_iter",
    ]
    assert t["n_success"].sum() == res.successes.sum()
    row = t[(t.outlier_fraction == 0.3) & (t.m_over_dof == 8)].iloc[0]
    assert row.n_success == res.successes[1, 1] and row.m == 192
    text = str(res.summary())
    assert "3/3" in text and "dof=24" in text
    assert res.counts_frame().loc[0.3, 8.0] == f"{res.successes[1, 1]}/3"


def test_phase_transition_plot(tiny_study):
    import matplotlib.pyplot as plt

    ax = tiny_study.plot()
    image = ax.get_images()[0]
    np.testing.assert_array_equal(image.get_array(), tiny_study.success_rate)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1.5", "8"]
    assert len(ax.texts) == 4
    plt.close(ax.figure)


def test_outlier_breakdown_pairs_the_losses():
    fractions = [0.0, 0.05]
    table = outlier_breakdown(fractions, m_over_dof=8, n_trials=2, random_state=1, **TINY)
    l1 = phase_transition(8, fractions, n_trials=2, random_state=1, **TINY)
    l2 = phase_transition(8, fractions, n_trials=2, random_state=1, loss="l2", **TINY)
    np.testing.assert_array_equal(table["l1_success"], l1.successes[:, 0])
    np.testing.assert_array_equal(table["l2_success"], l2.successes[:, 0])
    # l2 (IHT) is exact without outliers and breaks with 5% of them; l1 survives both
    assert table["l2_success"].tolist() == [2, 0]
    assert table["l1_success"].tolist() == [2, 2]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"outlier_fraction": [0.5]}, ValueError, "< 0.5"),
        ({"outlier_fraction": [-0.1]}, ValueError, ">= 0"),
        ({"m_over_dof": [0]}, ValueError, "> 0"),
        ({"m_over_dof": [2, 2]}, ValueError, "repeat"),
        ({"m_over_dof": []}, ValueError, "at least one"),
        ({"n_trials": 0}, ValueError, "n_trials"),
        ({"threshold": 0.0}, ValueError, "threshold"),
        ({"method": "sgd"}, ValueError, "method"),
        ({"loss": "huber"}, ValueError, "loss"),
        ({"estimator_params": {"ranks": 3}}, ValueError, "must not set"),
        ({"estimator_params": {"no_such": 1}}, TypeError, "no_such"),
        ({"random_state": None}, TypeError, "random_state"),
        ({"random_state": -1}, ValueError, "non-negative"),
        ({"n_jobs": 0}, ValueError, "n_jobs"),
        ({"rank": 5}, ValueError, "exceeds"),
    ],
)
def test_phase_transition_refuses_bad_input(kwargs, error, match):
    args = {"m_over_dof": [4], "outlier_fraction": [0.1], "n_trials": 1, **TINY, **kwargs}
    with pytest.raises(error, match=match):
        phase_transition(**args)


# --------------------------------------------------------------------------- full variants


SAMPLE_COMPLEXITY_FAIL = pytest.mark.xfail(
    strict=True,
    reason=(
        "measured (seed 0, 20 replicates): slope 1.647, 95% CI [1.366, 1.927] in log N over "
        "N = 4..8 (against log dof: 1.345 [1.065, 1.624]); m_50 / dof grows from 3.7 to 5.1. "
        "The truncated spectral initialisation's error at fixed m / dof grows with N"
    ),
)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "tt-linear-convergence",
        pytest.param("tt-sample-complexity-n", marks=SAMPLE_COMPLEXITY_FAIL),
        *LEVEL_NAMES,
    ],
)
def test_full_check(name):
    result = get_check(name).run(random_state=0, progress=False)
    assert result.passed, result.summary()
