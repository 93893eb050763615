"""Summaries, plots and exports of results."""

import functools

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from statkit.simulation import LevelCheck, RateCheck, RateCheckResult

matplotlib.use("Agg")


def power_law(x, rng, *, exponent):
    return float(x**exponent * np.exp(0.1 * rng.standard_normal()))


def coin(x, rng):
    return float(rng.random() < 0.5)


@pytest.fixture(scope="module")
def rate_result():
    check = RateCheck(
        "summary-test",
        functools.partial(power_law, exponent=-1.0),
        [10, 20, 40, 80],
        predicted_exponent=-0.5,
        quantity="abs error",
        variable="m",
        n_reps=6,
        claim="|err| = O(m^-1/2)",
        reference="Someone (2020)",
    )
    return check.run(progress=False)


@pytest.fixture(scope="module")
def level_result():
    return LevelCheck("level-test", coin, [5, 10], 0.5, n_reps=50, claim="fair").run(progress=False)


def test_rate_result_attributes(rate_result):
    r = rate_result
    assert isinstance(r, RateCheckResult) and r.check.name == "summary-test"
    assert r.verdict == "FAIL" and r.passed is False
    assert r.predicted_exponent == -0.5 and r.random_state == 0 and r.n_reps == 6
    assert r.wall_time >= 0 and isinstance(r.ci, tuple) and len(r.ci) == 2
    assert list(r.table["x"]) == [10, 20, 40, 80] and list(r.table["n_reps"]) == [6] * 4
    assert len(r.data) == 24
    assert "summary-test" in repr(r) and "FAIL" in repr(r)


def test_rate_summary_text_and_html(rate_result):
    summary = rate_result.summary()
    text = str(summary)
    lo, hi = rate_result.ci
    for needle in [
        "summary-test",
        "|err| = O(m^-1/2)",
        "Someone (2020)",
        "Fitted slope",
        f"{rate_result.slope:.4f}",
        f"[{lo:.4f}, {hi:.4f}]",
        "95% CI",
        "Predicted",
        "-0.5",
        "Verdict",
        "FAIL",
        "m",
        "mean",
    ]:
        assert needle in text
    html = summary._repr_html_()
    assert "<table>" in html and "FAIL" in html and "|err| = O(m^-1/2)" in html
    assert repr(summary) == text


def test_rate_plot_returns_axes(rate_result):
    ax = rate_result.plot(ax=Figure().subplots())
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlabel() == "m" and "abs error" in ax.get_ylabel()
    assert len(ax.get_lines()) >= 2
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("fitted slope" in s for s in labels) and any("predicted" in s for s in labels)
    # the predicted line is anchored at the fitted line's geometric centre
    fitted, predicted = ax.get_lines()[-2:]
    xs = fitted.get_xdata()
    mid = np.argmin(np.abs(np.log(xs) - np.log([10, 20, 40, 80]).mean()))
    assert np.log(predicted.get_ydata()[mid]) == pytest.approx(
        np.log(fitted.get_ydata()[mid]), abs=0.01
    )


def test_plot_without_axes_uses_pyplot(rate_result, level_result):
    import matplotlib.pyplot as plt

    for result in (rate_result, level_result):
        ax = result.plot()
        assert ax.figure is not None
        plt.close(ax.figure)


def test_level_summary_and_plot(level_result):
    r = level_result
    assert r.verdict == "PASS" and r.target == 0.5
    text = str(r.summary())
    for needle in ["level-test", "fair", "Target", "0.5", "Bonferroni", "PASS", "clopper-pearson"]:
        assert needle in text
    assert "<table>" in r.summary()._repr_html_()
    ax = r.plot(ax=Figure().subplots())
    assert ax.get_title() == "level-test: PASS"


def test_to_csv_writes_the_data(rate_result, tmp_path):
    import pandas as pd

    path = tmp_path / "data.csv"
    rate_result.to_csv(path)
    back = pd.read_csv(path)
    assert list(back.columns) == list(rate_result.data.columns)
    assert np.array_equal(back["value"].to_numpy(), rate_result.data["value"].to_numpy())
