"""Construction, verdicts and the statistics of rate and level checks, against oracles."""

import functools

import numpy as np
import pytest
import scipy.stats

from statkit.simulation import LevelCheck, RateCheck, get_check
from statkit.simulation._result import clopper_pearson


def power_law(x, rng, *, scale=2.0, exponent=-1.0, noise=0.1):
    """scale * x**exponent * exp(noise * Z): the mean is exactly proportional to x**exponent."""
    return float(scale * x**exponent * np.exp(noise * rng.standard_normal()))


def bernoulli(x, rng, *, p):
    return float(rng.random() < p)


def uniform(x, rng, *, hi):
    return float(rng.uniform(0, hi))


def noop(x, rng):
    return 1.0


GRID = [10, 20, 40, 80, 160]


# ------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"name": ""}, ValueError, "name"),
        ({"name": "has space"}, ValueError, "name"),
        ({"name": "a,b"}, ValueError, "name"),
        ({"name": 3}, TypeError, "name"),
        ({"simulate": "not callable"}, TypeError, "simulate must be callable"),
        ({"grid": []}, ValueError, "grid must have at least 3"),
        ({"grid": [1, 2]}, ValueError, "grid must have at least 3"),
        ({"grid": [1, 0, 2]}, ValueError, "grid must contain positive"),
        ({"grid": [-1, 2, 3]}, ValueError, "grid must contain positive"),
        ({"grid": [1, 3, 2]}, ValueError, "grid must be strictly increasing"),
        ({"grid": [1, 2, 2]}, ValueError, "grid must be strictly increasing"),
        ({"grid": [1, 2, np.inf]}, ValueError, "grid must contain finite"),
        ({"grid": [1, 2, np.nan]}, ValueError, "grid must contain finite"),
        ({"grid": [1, "2", 3]}, TypeError, "grid must contain real"),
        ({"grid": 5}, TypeError, "grid must be a sequence"),
        ({"grid": np.ones((3, 2))}, ValueError, "grid must be one-dimensional"),
        ({"quick_grid": [1, 2]}, ValueError, "quick_grid"),
        ({"predicted_exponent": "x"}, TypeError, "predicted_exponent"),
        ({"predicted_exponent": np.nan}, ValueError, "predicted_exponent"),
        ({"n_reps": 1}, ValueError, "n_reps"),
        ({"n_reps": 10.0}, TypeError, "n_reps"),
        ({"quick_reps": 0}, ValueError, "quick_reps"),
        ({"ci_level": 1.0}, ValueError, "ci_level"),
        ({"ci_level": 0}, ValueError, "ci_level"),
        ({"ci_level": 1.5}, ValueError, "ci_level"),
        ({"aggregate": "max"}, ValueError, "aggregate must be one of"),
        ({"claim": None}, TypeError, "claim"),
    ],
)
def test_rate_check_validation(kwargs, error, match):
    args = {"name": "v", "simulate": noop, "grid": [1, 2, 4], "predicted_exponent": -0.5}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        RateCheck(
            args.pop("name"),
            args.pop("simulate"),
            args.pop("grid"),
            args.pop("predicted_exponent"),
            **args,
        )


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"target": 1.5}, ValueError, "target must lie in"),
        ({"target": -0.1}, ValueError, "target must lie in"),
        ({"target": np.nan}, ValueError, "target must lie in"),
        ({"target": "0.05"}, TypeError, "target"),
        ({"grid": []}, ValueError, "grid must have at least 1"),
        ({"n_reps": 1}, ValueError, "n_reps"),
        ({"ci_level": 0.0}, ValueError, "ci_level"),
    ],
)
def test_level_check_validation(kwargs, error, match):
    args = {"grid": [10], "target": 0.05}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        LevelCheck("lv", noop, args.pop("grid"), args.pop("target"), **args)


def test_check_stores_its_parameters():
    check = RateCheck("stored", noop, np.array([1, 2, 4]), -1, quick_grid=(1, 2, 3), claim="c")
    assert check.grid == (1, 2, 4) and check.quick_grid == (1, 2, 3)
    assert check.predicted_exponent == -1.0 and check.aggregate == "mean" and check.claim == "c"
    assert "stored" in repr(check)
    assert RateCheck("s2", noop, [1, 2, 4], -1).quick_grid == (1, 2, 4)


# --------------------------------------------------------------------------- verdicts


def test_wrong_predicted_exponent_fails_and_right_one_passes():
    truth = functools.partial(power_law, exponent=-1.0)
    wrong = RateCheck("slope-wrong", truth, GRID, predicted_exponent=-0.5, n_reps=30)
    right = RateCheck("slope-right", truth, GRID, predicted_exponent=-1.0, n_reps=30)
    bad, good = wrong.run(progress=False), right.run(progress=False)
    assert bad.verdict == "FAIL" and not bad.passed
    assert not bad.ci[0] <= -0.5 <= bad.ci[1]
    assert good.verdict == "PASS" and good.passed
    assert good.ci[0] <= -1.0 <= good.ci[1]
    assert bad.slope == good.slope  # same name-independent seeds, same data


def test_clt_sample_mean_passes_against_the_exact_rmse():
    result = get_check("clt-sample-mean").run(quick=True, progress=False)
    assert result.verdict == "PASS"
    assert result.ci[0] <= -0.5 <= result.ci[1]
    # oracle: RMSE of the mean of n Exp(1) draws is exactly n^-1/2
    t = result.table
    z = np.abs(t["aggregate"] - t["x"] ** -0.5) / t["se"]
    assert (z < 4).all()
    assert result.intercept == pytest.approx(0.0, abs=3 * result.ols.bse[0])


def test_slope_interval_is_calibrated_on_the_exact_oracle():
    # 40 independent quick runs of a check whose true exponent is exactly -1/2: a 95% interval
    # misses about twice; 8 or more misses has probability < 1e-3 under Binomial(40, 0.05)
    check = get_check("clt-sample-mean")
    passes = [
        check.run(n_reps=20, quick=True, random_state=s, progress=False).passed for s in range(40)
    ]
    assert sum(passes) >= 33


# ------------------------------------------------------------------- slope and CI oracles


def test_ols_slope_and_ci_match_linregress():
    check = RateCheck(
        "ols-oracle",
        functools.partial(power_law, exponent=-0.7, noise=0.3),
        GRID,
        predicted_exponent=-0.7,
        n_reps=10,
        ci_level=0.9,
    )
    result = check.run(random_state=5, progress=False)
    x = np.array(GRID, dtype=float)
    agg = np.array([result.data.loc[result.data["x"] == xi, "value"].mean() for xi in x])
    np.testing.assert_allclose(result.table["aggregate"], agg, rtol=1e-13)
    ref = scipy.stats.linregress(np.log(x), np.log(agg))
    half = scipy.stats.t.ppf(0.95, len(x) - 2) * ref.stderr
    assert result.slope == pytest.approx(ref.slope, rel=1e-10)
    assert result.intercept == pytest.approx(ref.intercept, rel=1e-10)
    np.testing.assert_allclose(result.ci, (ref.slope - half, ref.slope + half), rtol=1e-10)
    b, a = np.polyfit(np.log(x), np.log(agg), 1)
    assert result.slope == pytest.approx(b, rel=1e-10) and result.intercept == pytest.approx(a)
    np.testing.assert_allclose(result.table["fitted"], np.exp(a) * x**b, rtol=1e-10)


def test_exact_power_law_gives_exact_slope():
    check = RateCheck(
        "exact",
        functools.partial(power_law, scale=3.0, exponent=-0.7, noise=0.0),
        GRID,
        predicted_exponent=-0.7,
        n_reps=2,
    )
    result = check.run(progress=False)
    assert result.slope == pytest.approx(-0.7, abs=1e-12)
    assert result.intercept == pytest.approx(np.log(3.0), abs=1e-12)
    assert result.ci[1] - result.ci[0] < 1e-10


@pytest.mark.parametrize("aggregate", ["mean", "rmse", "median"])
def test_aggregates_and_standard_errors(aggregate):
    check = RateCheck(
        "agg", functools.partial(power_law, noise=0.5), GRID, -1.0, n_reps=25, aggregate=aggregate
    )
    result = check.run(progress=False)
    for row in result.table.itertuples():
        v = result.data.loc[result.data["grid_index"] == row.grid_index, "value"].to_numpy()
        expected = {"mean": v.mean(), "rmse": np.sqrt(np.mean(v**2)), "median": np.median(v)}
        assert row.aggregate == pytest.approx(expected[aggregate], rel=1e-12)
        assert row.n_reps == 25 and row.mean == pytest.approx(v.mean())
        assert row.sd == pytest.approx(v.std(ddof=1))
        assert row.se > 0
        z = scipy.stats.norm.ppf(0.975)
        assert row.lo == pytest.approx(row.aggregate - z * row.se)
    if aggregate == "mean":
        np.testing.assert_allclose(result.table["se"], result.table["sd"] / 5.0)


def test_rmse_standard_error_is_the_delta_method():
    check = RateCheck(
        "rmse-se", functools.partial(power_law, noise=0.5), GRID, -1.0, n_reps=25, aggregate="rmse"
    )
    result = check.run(progress=False)
    v = result.data.loc[result.data["grid_index"] == 0, "value"].to_numpy()
    expected = (v**2).std(ddof=1) / 5.0 / (2 * np.sqrt(np.mean(v**2)))
    assert result.table["se"][0] == pytest.approx(expected)


def test_non_positive_aggregate_is_refused():
    def signed(x, rng):
        return float(rng.standard_normal())  # mean ~ 0, negative at some grid points

    check = RateCheck("signed", signed, [1, 2, 4, 8, 16, 32], -0.5, n_reps=3)
    with pytest.raises(ValueError, match=r"at n=\d+ is .* <= 0.*aggregate='rmse'"):
        check.run(progress=False)


def test_bootstrap_ci_matches_a_reference_loop():
    check = RateCheck("boot", functools.partial(power_law, noise=0.4), GRID, -1.0, n_reps=15)
    result = check.run(progress=False)
    lo, hi = result.slope_bootstrap_ci(n_boot=300, random_state=4)
    # reference: the same resampling draws, one polyfit per bootstrap round
    rng = np.random.default_rng(4)
    groups = [
        result.data.loc[result.data["grid_index"] == i, "value"].to_numpy()
        for i in range(len(GRID))
    ]
    idx = [rng.integers(0, g.size, size=(300, g.size)) for g in groups]
    slopes = [
        np.polyfit(
            np.log(GRID), np.log([g[ix[b]].mean() for g, ix in zip(groups, idx, strict=True)]), 1
        )[0]
        for b in range(300)
    ]
    ref = np.quantile(slopes, [0.025, 0.975])
    np.testing.assert_allclose((lo, hi), ref, rtol=1e-10)
    assert lo < result.slope < hi
    assert result.slope_bootstrap_ci(n_boot=300, random_state=4) == (lo, hi)
    with pytest.raises(ValueError, match="n_boot"):
        result.slope_bootstrap_ci(n_boot=1)


# ----------------------------------------------------------------------- level checks


def test_level_check_passes_at_the_true_probability():
    check = LevelCheck(
        "coin-right", functools.partial(bernoulli, p=0.05), [10, 20, 40], 0.05, n_reps=400
    )
    result = check.run(progress=False)
    assert result.verdict == "PASS" and result.passed
    assert (result.table["method"] == "clopper-pearson").all()
    assert result.table["contains_target"].all()


def test_level_check_fails_far_from_the_target():
    check = LevelCheck(
        "coin-wrong", functools.partial(bernoulli, p=0.15), [10, 20, 40], 0.05, n_reps=400
    )
    result = check.run(progress=False)
    assert result.verdict == "FAIL" and not result.passed
    assert not result.table["contains_target"].any()


def test_clopper_pearson_matches_scipy_binomtest():
    check = LevelCheck(
        "cp", functools.partial(bernoulli, p=0.3), [1, 2, 3, 4], 0.3, n_reps=57, ci_level=0.9
    )
    result = check.run(progress=False)
    assert result.level_each == pytest.approx(1 - 0.1 / 4)
    for row in result.table.itertuples():
        k = round(row.mean * 57)
        ref = scipy.stats.binomtest(k, 57).proportion_ci(
            confidence_level=1 - 0.1 / 4, method="exact"
        )
        assert row.lo == pytest.approx(ref.low, rel=1e-9, abs=1e-12)
        assert row.hi == pytest.approx(ref.high, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("k", [0, 1, 13, 19, 20])
def test_clopper_pearson_edges(k):
    ref = scipy.stats.binomtest(k, 20).proportion_ci(confidence_level=0.95, method="exact")
    lo, hi = clopper_pearson(k, 20, 0.05)
    assert lo == pytest.approx(ref.low, abs=1e-12) and hi == pytest.approx(ref.high, abs=1e-12)
    assert (lo == 0.0) == (k == 0) and (hi == 1.0) == (k == 20)


def test_level_check_t_interval_for_non_binary_values():
    check = LevelCheck("cover", functools.partial(uniform, hi=0.6), [5, 10], 0.3, n_reps=200)
    result = check.run(progress=False)
    assert (result.table["method"] == "t").all() and result.passed
    for row in result.table.itertuples():
        v = result.data.loc[result.data["grid_index"] == row.grid_index, "value"].to_numpy()
        lo, hi = scipy.stats.t.interval(
            1 - 0.05 / 2, v.size - 1, loc=v.mean(), scale=scipy.stats.sem(v)
        )
        assert row.lo == pytest.approx(lo) and row.hi == pytest.approx(hi)


def test_level_check_refuses_values_outside_unit_interval():
    check = LevelCheck("out-of-range", functools.partial(uniform, hi=2.0), [5], 0.5, n_reps=50)
    with pytest.raises(ValueError, match=r"at n=5 .* must lie in \[0.0, 1.0\]"):
        check.run(progress=False)
