"""The offset power law model of RateCheck: y = a + b x^theta, profile F interval.

Oracles: exact noise-free data, scipy.optimize.curve_fit on the same weighted problem, a
brute-force profile computed here with numpy least squares on a fine grid, numpy.polyfit
for the fit at the fixed exponent, the binomial law of the coverage count, and the
log-log model on a pure power law.
"""

import functools
import math

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy.optimize import curve_fit
from scipy.stats import binom
from scipy.stats import f as f_dist

from statkit.simulation import RateCheck
from statkit.simulation._result import fit_offset_power

matplotlib.use("Agg")

GRID = [1000, 2000, 4000, 8000, 16000, 32000]


def offset_law(x, rng, *, a, b, theta, sd):
    """One replicate of a + b x^theta with Gaussian noise of sd ``sd * (a + b x^theta)``."""
    mean = a + b * x**theta
    return float(mean + sd * abs(mean) * rng.standard_normal())


def exact_law(x, rng, *, a, b, theta):
    return float(a + b * x**theta)


def naive_aggregates(result):
    """Means and their standard errors, computed here from the raw data."""
    d = result.data
    y, se = [], []
    for i in range(len(result.grid)):
        v = d.loc[d["grid_index"] == i, "value"].to_numpy()
        y.append(v.mean())
        se.append(v.std(ddof=1) / math.sqrt(v.size))
    return np.array(result.grid, dtype=float), np.array(y), np.array(se)


def naive_rss(x, y, se, theta):
    """Weighted RSS of y on [1, x^theta] by numpy least squares (no reparametrisation)."""
    sw = 1.0 / se
    design = np.column_stack([np.ones_like(x), x**theta]) * sw[:, None]
    coef, *_ = np.linalg.lstsq(design, y * sw, rcond=None)
    return float(np.sum((y * sw - design @ coef) ** 2)), coef


# ------------------------------------------------------------------ (1) noise-free data


@pytest.mark.parametrize(
    ("a", "b", "theta"),
    [(-30.0, 1.0, 2 / 3), (2.0, 3.0, -0.5), (5.0, 0.01, 1.5), (0.0, 2.0, 0.25)],
)
def test_noise_free_recovers_parameters(a, b, theta):
    check = RateCheck(
        "exact",
        functools.partial(exact_law, a=a, b=b, theta=theta),
        GRID,
        predicted_exponent=theta,
        n_reps=2,
        model="offset-power",
    )
    r = check.run(progress=False)
    # identical replicates: every se is 0 and the fit falls back to equal weights
    assert np.all(r.table["se"] == 0) and np.all(r.weights == 1)
    assert abs(r.slope - theta) < 1e-6
    scale_y = max(abs(a), b * max(GRID) ** theta)
    assert abs(r.offset - a) < 1e-6 * scale_y
    assert r.scale == pytest.approx(b, rel=1e-6)
    fixed = r.fixed_exponent_fit
    assert fixed.exponent == theta and fixed.r_squared == pytest.approx(1.0, abs=1e-12)
    assert abs(fixed.offset - a) < 1e-8 * scale_y and fixed.scale == pytest.approx(b, rel=1e-8)
    np.testing.assert_allclose(
        r.table["fitted"], a + b * np.array(GRID, float) ** theta, rtol=1e-8, atol=1e-8
    )


def test_noise_free_with_unequal_weights():
    x = np.array(GRID, dtype=float)
    y = 4.0 - 0.5 * x**-0.3
    se = np.array([1.0, 0.1, 3.0, 0.5, 2.0, 0.01])
    fit = fit_offset_power(x, y, se, 0.95, -0.3, (-3.0, 3.0))
    assert abs(fit.exponent + 0.3) < 1e-6
    assert fit.offset == pytest.approx(4.0, rel=1e-6) and fit.scale == pytest.approx(-0.5, rel=1e-6)
    np.testing.assert_allclose(fit.weights, 1 / se**2)


# ------------------------------------------------- (2) scipy curve_fit and brute force


@pytest.fixture(scope="module")
def noisy_result():
    check = RateCheck(
        "noisy-offset",
        functools.partial(offset_law, a=-30.0, b=1.0, theta=2 / 3, sd=0.05),
        GRID,
        predicted_exponent=2 / 3,
        n_reps=40,
        model="offset-power",
        quantity="regret",
        variable="T",
    )
    return check.run(random_state=3, progress=False)


def test_exponent_matches_curve_fit(noisy_result):
    r = noisy_result
    x, y, se = naive_aggregates(r)
    np.testing.assert_allclose(r.table["aggregate"], y, rtol=1e-12)
    np.testing.assert_allclose(r.table["se"], se, rtol=1e-12)
    params, _ = curve_fit(
        lambda t, a, b, th: a + b * t**th,
        x,
        y,
        p0=(-20.0, 0.5, 0.6),
        sigma=se,
        xtol=1e-14,
        ftol=1e-14,
        maxfev=20000,
    )
    a_cf, b_cf, th_cf = params
    assert r.slope == pytest.approx(th_cf, abs=1e-6)
    assert r.offset == pytest.approx(a_cf, rel=1e-4, abs=1e-4)
    assert r.scale == pytest.approx(b_cf, rel=1e-4)
    assert abs(r.slope - 2 / 3) < 0.05


def test_interval_matches_brute_force_profile(noisy_result):
    r = noisy_result
    x, y, se = naive_aggregates(r)
    thetas = np.linspace(0.4, 0.95, 11001)  # step 5e-5
    rss = np.array([naive_rss(x, y, se, t)[0] for t in thetas])
    k = int(np.argmin(rss))
    assert r.slope == pytest.approx(thetas[k], abs=1e-4)
    s2 = rss[k] / (len(x) - 3)
    assert r.residual_scale == pytest.approx(s2, rel=1e-4)
    stat = (rss - rss[k]) / s2
    crit = f_dist.ppf(0.95, 1, len(x) - 3)
    inside = thetas[stat <= crit]
    assert 0 < inside.size and inside[0] > thetas[0] and inside[-1] < thetas[-1]
    assert r.ci[0] == pytest.approx(inside[0], abs=1e-4)
    assert r.ci[1] == pytest.approx(inside[-1], abs=1e-4)
    # the test at the predicted exponent
    rss0, _ = naive_rss(x, y, se, 2 / 3)
    assert r.f_statistic == pytest.approx((rss0 - rss[k]) / s2, rel=1e-3, abs=1e-6)
    assert r.passed == bool((rss0 - rss[k]) / s2 <= crit)
    assert r.passed == (r.ci[0] <= 2 / 3 <= r.ci[1])


def test_fixed_exponent_fit_matches_polyfit(noisy_result):
    r = noisy_result
    x, y, se = naive_aggregates(r)
    z = x ** (2 / 3)
    b0, a0 = np.polyfit(z, y, 1, w=1 / se)  # polyfit weights are 1/sigma
    fixed = r.fixed_exponent_fit
    assert fixed.offset == pytest.approx(a0, rel=1e-8, abs=1e-8)
    assert fixed.scale == pytest.approx(b0, rel=1e-8)
    w = 1 / se**2
    ybar = np.sum(w * y) / np.sum(w)
    rss = np.sum(w * (y - a0 - b0 * z) ** 2)
    assert fixed.r_squared == pytest.approx(1 - rss / np.sum(w * (y - ybar) ** 2), rel=1e-10)
    assert fixed.rss == pytest.approx(rss, rel=1e-8)


def test_bootstrap_matches_curve_fit_refits(noisy_result):
    r = noisy_result
    n_boot = 60
    lo, hi = r.slope_bootstrap_ci(n_boot=n_boot, random_state=5)
    # the documented resampling: per grid point, n_boot rows of indices drawn in grid order
    rng = np.random.default_rng(5)
    x, _, se = naive_aggregates(r)
    d = r.data
    boot = np.empty((n_boot, len(x)))
    for j in range(len(x)):
        v = d.loc[d["grid_index"] == j, "value"].to_numpy()
        idx = rng.integers(0, v.size, size=(n_boot, v.size))
        boot[:, j] = v[idx].mean(axis=1)
    thetas = []
    for y_star in boot:
        params, _ = curve_fit(
            lambda t, a, b, th: a + b * t**th,
            x,
            y_star,
            p0=(r.offset, r.scale, r.slope),
            sigma=se,
            xtol=1e-14,
            ftol=1e-14,
            maxfev=20000,
        )
        thetas.append(params[2])
    ref = np.quantile(thetas, [0.025, 0.975])
    assert lo == pytest.approx(ref[0], abs=1e-5) and hi == pytest.approx(ref[1], abs=1e-5)
    assert lo < r.slope < hi


# ------------------------------------------------------------------------ (3) coverage


def _coverage(n_datasets, n_points, n_reps, ci_level, seed):
    """Fraction of datasets whose interval contains the true exponent."""
    rng = np.random.default_rng(seed)
    x = np.geomspace(1e3, 3.2e4, n_points)
    a, b, theta = -30.0, 1.0, 2 / 3
    mean = a + b * x**theta
    sd = 0.05 * mean  # heteroscedastic, as regret curves are
    hits = 0
    for _ in range(n_datasets):
        v = mean[:, None] + sd[:, None] * rng.standard_normal((n_points, n_reps))
        y = v.mean(axis=1)
        se = v.std(axis=1, ddof=1) / math.sqrt(n_reps)
        fit = fit_offset_power(x, y, se, ci_level, theta, (-3.0, 3.0))
        inside = fit.ci[0] <= theta <= fit.ci[1]
        accepted = fit.f_statistic <= fit.critical_value
        assert inside == accepted or not fit.ci_is_interval
        hits += accepted
    return hits


def _assert_binomial(hits, n, level):
    # two-sided 99.9% range of a Binomial(n, level) count
    lo, hi = binom.ppf(0.0005, n, level), binom.isf(0.0005, n, level)
    assert lo <= hits <= hi, f"coverage {hits}/{n} = {hits / n:.3f}, expected {level}"


def test_coverage_quick():
    hits = _coverage(200, 6, 30, 0.95, seed=11)
    _assert_binomial(hits, 200, 0.95)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("n_points", "n_reps", "ci_level"), [(6, 30, 0.95), (4, 10, 0.95), (8, 20, 0.9)]
)
def test_coverage_full(n_points, n_reps, ci_level):
    hits = _coverage(2000, n_points, n_reps, ci_level, seed=100 + n_points)
    _assert_binomial(hits, 2000, ci_level)


# ------------------------------------------------- (4) pure power law, (5) with offset


def _both_models(simulate, grid, predicted, n_reps, seed):
    out = {}
    for model in ("power", "offset-power"):
        check = RateCheck("cmp", simulate, grid, predicted, n_reps=n_reps, model=model)
        out[model] = check.run(random_state=seed, progress=False)
    return out["power"], out["offset-power"]


def test_pure_power_law_agrees_with_loglog():
    sim = functools.partial(offset_law, a=0.0, b=2.0, theta=-0.5, sd=0.2)
    loglog, offset = _both_models(sim, [10, 20, 40, 80, 160, 320, 640], -0.5, 200, seed=1)
    assert loglog.passed and offset.passed
    assert offset.ci[0] <= loglog.slope <= offset.ci[1]
    # the price of the extra parameter: a wider interval than the log-log one
    assert offset.ci[1] - offset.ci[0] > loglog.ci[1] - loglog.ci[0]
    # the fitted offset is small against the values on the grid
    assert abs(offset.offset) < 0.1 * offset.table["aggregate"].min()


def test_offset_biases_loglog_but_not_offset_model():
    # regret-like: a + b T^(2/3) with a < 0, as in the matrix-completion bandit
    sim = functools.partial(offset_law, a=-40.0, b=1.0, theta=2 / 3, sd=0.05)
    loglog, offset = _both_models(sim, GRID, 2 / 3, 60, seed=2)
    assert loglog.slope > 2 / 3 and loglog.ci[0] > 2 / 3 and loglog.verdict == "FAIL"
    assert offset.verdict == "PASS" and abs(offset.slope - 2 / 3) < 0.05
    assert offset.fixed_exponent_fit.offset < 0 and offset.fixed_exponent_fit.r_squared > 0.999
    text = str(offset.summary())
    for needle in ["y = a + b n^theta", "Linear in n^theta0", "R^2", "PASS", "profile F"]:
        assert needle in text
    assert "offset-power" in repr(offset.check) and "model" not in repr(loglog.check)


def test_plot_draws_curves_only_where_positive():
    # a + b x^theta crosses zero inside the grid: the first aggregates are negative
    sim = functools.partial(exact_law, a=-50.0, b=1.0, theta=0.5)
    grid = [1000, 2000, 4000, 8000, 16000, 32000]
    r = RateCheck("cross", sim, grid, 0.5, n_reps=2, model="offset-power").run(progress=False)
    ax = r.plot(ax=Figure().subplots())
    fitted = ax.lines[1]  # lines[0] is the error-bar marker line
    xs, ys = (np.asarray(v, float) for v in fitted.get_data())
    truth = -50.0 + xs**0.5
    assert np.all(np.isnan(ys[truth <= -1e-6]))
    np.testing.assert_allclose(ys[truth > 1e-6], truth[truth > 1e-6], rtol=1e-6)
    marker_x = np.asarray(ax.lines[0].get_xdata(), float)
    np.testing.assert_array_equal(marker_x, [4000, 8000, 16000, 32000])
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


def test_unbounded_interval_is_reported():
    # two points carry no information on the curvature: a narrow grid and large noise
    sim = functools.partial(offset_law, a=0.0, b=1.0, theta=0.5, sd=0.5)
    check = RateCheck("flat", sim, [100, 110, 120, 130], 0.5, n_reps=5, model="offset-power")
    r = check.run(random_state=0, progress=False)
    assert math.isinf(r.ci[0]) or math.isinf(r.ci[1])
    assert "unbounded" in str(r.summary())
    assert r.passed


# ---------------------------------------------------------------------- (6) bad input


def test_bad_model():
    sim = functools.partial(exact_law, a=0.0, b=1.0, theta=1.0)
    for bad in ["offset", "Power", None, 1]:
        with pytest.raises(ValueError, match="model must be one of"):
            RateCheck("x", sim, GRID, 1.0, model=bad)


def test_too_few_grid_points():
    sim = functools.partial(exact_law, a=0.0, b=1.0, theta=1.0)
    with pytest.raises(ValueError, match=r"grid must have at least 4 points.*offset-power"):
        RateCheck("x", sim, [1, 2, 3], 1.0, model="offset-power")
    with pytest.raises(ValueError, match=r"quick_grid must have at least 4 points"):
        RateCheck("x", sim, GRID, 1.0, quick_grid=[1, 2, 4], model="offset-power")
    RateCheck("x", sim, [1, 2, 3], 1.0)  # the log-log model still needs only 3


def test_bad_exponent_range():
    sim = functools.partial(exact_law, a=0.0, b=1.0, theta=1.0)
    with pytest.raises(ValueError, match="exponent_range must satisfy lo < hi"):
        RateCheck("x", sim, GRID, 1.0, model="offset-power", exponent_range=(2, 2))
    with pytest.raises(ValueError, match="exponent_range must contain finite"):
        RateCheck("x", sim, GRID, 1.0, model="offset-power", exponent_range=(0, np.inf))
    with pytest.raises(ValueError, match="exponent_range must be a pair"):
        RateCheck("x", sim, GRID, 1.0, model="offset-power", exponent_range=(0, 1, 2))
    with pytest.raises(TypeError, match="exponent_range"):
        RateCheck("x", sim, GRID, 1.0, model="offset-power", exponent_range="ab")
    with pytest.raises(ValueError, match="strictly inside exponent_range"):
        RateCheck("x", sim, GRID, 3.0, model="offset-power")


def test_cli_prints_and_plots_an_offset_check(monkeypatch, tmp_path, capsys):
    import statkit.simulation
    from statkit.cli import main

    check = RateCheck(
        "offset-cli",
        functools.partial(offset_law, a=-40.0, b=1.0, theta=2 / 3, sd=0.05),
        GRID,
        2 / 3,
        n_reps=20,
        quick_reps=10,
        model="offset-power",
        claim="R_T linear in T^(2/3)",
    )
    monkeypatch.setattr(statkit.simulation, "get_check", lambda name: check)
    monkeypatch.setattr(statkit.simulation, "list_checks", lambda: [check])
    assert main(["rates", "list"]) == 0
    assert "theta 0.666667 in a + b x^theta" in capsys.readouterr().out
    code = main(["rates", "run", "offset-cli", "--quick", "--out", str(tmp_path), "--no-progress"])
    printed = capsys.readouterr().out
    assert "Fitted exponent" in printed and "Linear in n^theta0" in printed
    direct = check.run(quick=True, progress=False)
    assert code == (0 if direct.passed else 1) and f"{direct.slope:.4f}" in printed
    assert (tmp_path / "offset-cli.png").read_bytes()[:4] == b"\x89PNG"
