"""Results of rate and level checks: tables, slope fits, verdicts, summaries and plots."""

import html
import math

import numpy as np

from statkit.utils import check_random_state

from ._runner import write_rows

__all__ = ["LevelCheckResult", "RateCheckResult", "Summary"]


def _pct(level):
    return f"{100 * level:.4g}%"


def _fmt(value):
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def _fmt_x(x):
    return str(int(x)) if float(x).is_integer() else f"{x:.6g}"


class Summary:
    """Printable summary of a check result.

    ``str(summary)`` is a plain-text report; in a notebook ``_repr_html_`` renders the
    same content as HTML.

    Parameters
    ----------
    title : str
    header : list of (str, str)
        Labelled lines above the table.
    columns : list of str
        Column names of the table.
    rows : list of list of str
        Formatted table cells.
    footer : list of (str, str)
        Labelled lines below the table (the fit and the verdict).
    """

    def __init__(self, title, header, columns, rows, footer):
        self.title = title
        self.header = list(header)
        self.columns = list(columns)
        self.rows = [list(r) for r in rows]
        self.footer = list(footer)

    def _table_lines(self):
        widths = [
            max(len(c), *(len(r[j]) for r in self.rows)) if self.rows else len(c)
            for j, c in enumerate(self.columns)
        ]
        line = "  ".join(c.rjust(w) for c, w in zip(self.columns, widths, strict=True))
        out = [line]
        out += [
            "  ".join(cell.rjust(w) for cell, w in zip(r, widths, strict=True)) for r in self.rows
        ]
        return out

    def __str__(self):
        table = self._table_lines()
        labelled = self.header + self.footer
        label_width = max((len(label) for label, _ in labelled), default=0) + 1
        width = max(
            [len(self.title), *(len(t) for t in table)]
            + [label_width + 1 + len(text) for _, text in labelled]
        )
        width = min(width, 100)
        lines = [self.title, "=" * width]
        lines += [f"{label + ':':<{label_width}} {text}" for label, text in self.header]
        lines += ["-" * width, *table, "-" * width]
        lines += [f"{label + ':':<{label_width}} {text}" for label, text in self.footer]
        return "\n".join(lines)

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        e = html.escape

        def labelled(items):
            return "".join(
                f"<tr><th style='text-align:left'>{e(label)}</th>"
                f"<td style='text-align:left'>{e(text)}</td></tr>"
                for label, text in items
            )

        head = "".join(f"<th>{e(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in r) + "</tr>" for r in self.rows
        )
        return (
            f"<div><strong>{e(self.title)}</strong>"
            f"<table>{labelled(self.header)}</table>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"<table>{labelled(self.footer)}</table></div>"
        )


class _BaseResult:
    def __init__(self, check, data, *, grid, random_state, n_reps, wall_time, quick, n_reused):
        self.check = check
        self.data = data
        self.grid = tuple(grid)
        self.random_state = random_state
        self.n_reps = n_reps
        self.wall_time = wall_time
        self.quick = quick
        self.n_reused = n_reused
        self.ci_level = check.ci_level

    @property
    def verdict(self):
        """``"PASS"`` or ``"FAIL"``."""
        return "PASS" if self.passed else "FAIL"

    def _groups(self):
        """Replicate values of each grid point, in grid order."""
        values = self.data["value"].to_numpy()
        index = self.data["grid_index"].to_numpy()
        return [values[index == i] for i in range(len(self.grid))]

    def to_csv(self, path):
        """Write :attr:`data` (one row per replication) to a CSV file.

        The format is that of the ``out`` file of :meth:`RateCheck.run`, floats written
        with full precision, so the file can also serve as ``out`` to rerun the check
        without recomputing.
        """
        d = self.data
        rows = zip(
            d["check"],
            d["random_state"],
            d["grid_index"],
            (self.grid[i] for i in d["grid_index"]),
            d["rep"],
            d["value"],
            strict=True,
        )
        write_rows(path, rows)

    def _run_line(self):
        quick = ", quick" if self.quick else ""
        reused = f" ({self.n_reused} reused from file)" if self.n_reused else ""
        return (
            f"{self.n_reps} replicates x {len(self.grid)} grid points{reused}, "
            f"random_state={self.random_state}{quick}, {self.wall_time:.2f} s"
        )

    def _about(self):
        items = []
        if self.check.claim:
            items.append(("Claim", self.check.claim))
        if self.check.reference:
            items.append(("Reference", self.check.reference))
        return items


def _aggregate(v, how):
    """Aggregate along the last axis."""
    if how == "mean":
        return v.mean(axis=-1)
    if how == "rmse":
        return np.sqrt(np.mean(v**2, axis=-1))
    return np.median(v, axis=-1)


def _aggregate_se(v, how):
    """Standard error of the aggregate of the 1-D sample ``v``."""
    n = v.size
    if how == "mean":
        return v.std(ddof=1) / math.sqrt(n)
    if how == "rmse":
        rmse = math.sqrt(np.mean(v**2))
        return (v**2).std(ddof=1) / math.sqrt(n) / (2 * rmse) if rmse > 0 else math.nan
    # distribution-free: the order statistics bracketing the median with ~95% probability
    s = np.sort(v)
    half = 1.959963984540054 * math.sqrt(n) / 2
    lo = max(math.floor(n / 2 - half), 0)
    hi = min(math.ceil(n / 2 + half), n - 1)
    return (s[hi] - s[lo]) / (2 * 1.959963984540054)


def fit_loglog(x, y, ci_level):
    """OLS fit of ``log y = a + b log x``; returns ``(a, b, (lo, hi), ols_results)``.

    The interval is the t interval for ``b`` with ``len(x) - 2`` degrees of freedom.
    """
    import statsmodels.api as sm

    design = sm.add_constant(np.log(np.asarray(x, dtype=float)), has_constant="add")
    ols = sm.OLS(np.log(np.asarray(y, dtype=float)), design).fit()
    intercept, slope = (float(p) for p in ols.params)
    lo, hi = (float(c) for c in np.asarray(ols.conf_int(alpha=1 - ci_level))[1])
    return intercept, slope, (lo, hi), ols


class RateCheckResult(_BaseResult):
    r"""Result of :meth:`RateCheck.run`: data, per-grid-point table, slope fit and verdict.

    With :math:`y_j` the aggregate at grid value :math:`x_j` (:math:`j = 1, \dots, J`),
    the slope is the OLS estimate :math:`\hat b` in :math:`\log y_j = a + b \log x_j +
    \varepsilon_j` and its confidence interval is :math:`\hat b \pm t_{(1+\gamma)/2,\,J-2}\,
    \widehat{\mathrm{se}}(\hat b)` (``statsmodels`` OLS, :math:`\gamma` = ``ci_level``).

    Attributes
    ----------
    check : RateCheck
    data : pandas.DataFrame
        One row per replication, sorted by ``grid_index, rep``; columns ``check,
        random_state, grid_index, x, rep, value``.
    table : pandas.DataFrame
        One row per grid point: ``grid_index, x, n_reps, aggregate`` (the :math:`y_j`),
        ``se`` (its standard error: :math:`s/\sqrt R` for the mean, the delta method
        :math:`\mathrm{se}(\overline{v^2}) / (2 y_j)` for the RMSE, an order-statistic
        estimate for the median), ``lo, hi`` (:math:`y_j \mp z_{(1+\gamma)/2}\,
        \mathrm{se}`, the error bars of :meth:`plot`), ``mean, sd`` of the replicates and
        ``fitted`` (:math:`e^{\hat a} x_j^{\hat b}`).
    slope, intercept : float
        :math:`\hat b` and :math:`\hat a`.
    ci : tuple of float
        Confidence interval ``(lo, hi)`` of the slope at level ``ci_level``.
    predicted_exponent : float
    passed : bool
        Whether ``predicted_exponent`` lies in ``ci``.
    verdict : {"PASS", "FAIL"}
    ols : statsmodels.regression.linear_model.RegressionResults
        The fit itself.
    random_state, n_reps, ci_level, grid, quick : as run
    wall_time : float
        Seconds taken by :meth:`RateCheck.run`.
    n_reused : int
        Replications read back from the ``out`` file instead of computed.

    Raises
    ------
    ValueError
        If the aggregate at a grid point is <= 0 (the log-log fit is undefined).
    """

    def __init__(self, check, data, **kwargs):
        import pandas as pd

        super().__init__(check, data, **kwargs)
        self.aggregate = check.aggregate
        self.predicted_exponent = check.predicted_exponent
        groups = self._groups()
        z = _normal_quantile((1 + self.ci_level) / 2)
        agg = np.array([_aggregate(v, self.aggregate) for v in groups])
        se = np.array([_aggregate_se(v, self.aggregate) for v in groups])
        for x, a in zip(self.grid, agg, strict=True):
            if not a > 0:
                raise ValueError(
                    f"the {self.aggregate} of {check.quantity!r} at {check.variable}={x} is "
                    f"{a:.6g} <= 0, so its logarithm and the log-log fit are undefined; "
                    "measure a positive quantity (e.g. an absolute error) or use "
                    "aggregate='rmse'"
                )
        x = np.array(self.grid, dtype=float)
        self.intercept, self.slope, self.ci, self.ols = fit_loglog(x, agg, self.ci_level)
        self.passed = bool(self.ci[0] <= self.predicted_exponent <= self.ci[1])
        self.table = pd.DataFrame(
            {
                "grid_index": np.arange(len(x)),
                "x": x,
                "n_reps": [v.size for v in groups],
                "aggregate": agg,
                "se": se,
                "lo": agg - z * se,
                "hi": agg + z * se,
                "mean": [v.mean() for v in groups],
                "sd": [v.std(ddof=1) for v in groups],
                "fitted": np.exp(self.intercept + self.slope * np.log(x)),
            }
        )

    def slope_bootstrap_ci(self, n_boot=1000, random_state=0, ci_level=None):
        r"""Percentile bootstrap confidence interval of the slope.

        Each bootstrap round resamples, with replacement, the replicates within every
        grid point, recomputes the aggregates :math:`y_j^*` and refits the OLS slope of
        :math:`\log y^*_j` on :math:`\log x_j`; the interval is the
        :math:`((1-\gamma)/2, (1+\gamma)/2)` quantile pair of the ``n_boot`` slopes. It
        reflects the Monte Carlo noise of the replicates only, not lack of fit of the
        power law (which the t interval of :attr:`ci` does reflect).

        Parameters
        ----------
        n_boot : int, default 1000
        random_state : int, numpy.random.Generator or None, default 0
        ci_level : float in (0, 1), optional
            Defaults to the check's ``ci_level``.

        Returns
        -------
        tuple of float
            ``(lo, hi)``.
        """
        if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
            raise ValueError(f"n_boot must be an integer >= 2, got {n_boot!r}")
        if ci_level is None:
            ci_level = self.ci_level
        elif not (isinstance(ci_level, (int, float)) and 0 < ci_level < 1):
            raise ValueError(f"ci_level must lie in the open interval (0, 1), got {ci_level!r}")
        rng = check_random_state(random_state)
        groups = self._groups()
        boot = np.empty((int(n_boot), len(groups)))
        for j, v in enumerate(groups):
            idx = rng.integers(0, v.size, size=(int(n_boot), v.size))
            boot[:, j] = _aggregate(v[idx], self.aggregate)
        if not (boot > 0).all():
            raise ValueError(
                f"a bootstrap {self.aggregate} is <= 0, so the log-log fit is undefined; "
                "use the t interval (result.ci)"
            )
        logx = np.log(np.array(self.grid, dtype=float))
        xc = logx - logx.mean()
        logy = np.log(boot)
        slopes = (logy - logy.mean(axis=1, keepdims=True)) @ xc / (xc @ xc)
        lo, hi = np.quantile(slopes, [(1 - ci_level) / 2, (1 + ci_level) / 2])
        return float(lo), float(hi)

    def summary(self):
        """The summary table: claim, per-grid-point aggregates, fitted slope, verdict.

        Returns
        -------
        Summary
            ``print(summary)`` gives plain text; notebooks render its HTML.
        """
        c = self.check
        t = self.table
        header = [
            *self._about(),
            ("Quantity", f"{c.quantity} ({self.aggregate} over replicates) vs {c.variable}"),
            ("Run", self._run_line()),
        ]
        columns = [c.variable, "reps", self.aggregate, "se", "fitted"]
        rows = [
            [_fmt_x(r.x), _fmt(int(r.n_reps)), _fmt(r.aggregate), _fmt(r.se), _fmt(r.fitted)]
            for r in t.itertuples()
        ]
        lo, hi = self.ci
        inside = "inside" if self.passed else "outside"
        footer = [
            (
                "Fitted slope",
                f"{self.slope:.4f}  {_pct(self.ci_level)} CI [{lo:.4f}, {hi:.4f}]  "
                f"(OLS of log {self.aggregate} on log {c.variable}, {len(t)} points, "
                f"t with {len(t) - 2} df)",
            ),
            ("Predicted", f"{self.predicted_exponent:g}"),
            ("Verdict", f"{self.verdict} (predicted exponent {inside} the CI)"),
        ]
        return Summary(f"Rate check {c.name}", header, columns, rows, footer)

    def plot(self, ax=None):
        """Log-log plot: aggregates with error bars, the fitted line and the predicted slope.

        The predicted-slope line passes through the fitted line's geometric centre
        :math:`(\\exp \\overline{\\log x},\\ \\exp(\\hat a + \\hat b\\, \\overline{\\log x}))`,
        so the two lines differ in slope only.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; a new figure is created if omitted.

        Returns
        -------
        matplotlib.axes.Axes
        """
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots()
        t = self.table
        x, y = t["x"].to_numpy(), t["aggregate"].to_numpy()
        # a lower end <= 0 cannot be drawn on a log axis: clip it to y / 1000
        lower = np.clip(t["lo"].to_numpy(), y * 1e-3, None)
        ax.errorbar(
            x,
            y,
            yerr=[y - lower, t["hi"].to_numpy() - y],
            fmt="o",
            capsize=3,
            label=f"{self.aggregate} of {self.n_reps} replicates ({_pct(self.ci_level)} CI)",
        )
        xs = np.geomspace(x.min(), x.max(), 100)
        lo, hi = self.ci
        ax.plot(
            xs,
            np.exp(self.intercept + self.slope * np.log(xs)),
            label=f"fitted slope {self.slope:.3f} [{lo:.3f}, {hi:.3f}]",
        )
        centre = np.log(x).mean()
        y_centre = self.intercept + self.slope * centre
        ax.plot(
            xs,
            np.exp(y_centre + self.predicted_exponent * (np.log(xs) - centre)),
            linestyle="--",
            label=f"predicted slope {self.predicted_exponent:g}",
        )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(self.check.variable)
        ax.set_ylabel(f"{self.check.quantity} ({self.aggregate})")
        ax.set_title(f"{self.check.name}: {self.verdict}")
        ax.legend()
        return ax

    def __repr__(self):
        return (
            f"RateCheckResult(check={self.check.name!r}, slope={self.slope:.4g}, "
            f"ci=({self.ci[0]:.4g}, {self.ci[1]:.4g}), "
            f"predicted_exponent={self.predicted_exponent:g}, verdict={self.verdict!r})"
        )


def _normal_quantile(q):
    from scipy.stats import norm

    return float(norm.ppf(q))


def clopper_pearson(k, n, alpha):
    r"""Exact two-sided interval for a binomial proportion, ``k`` successes in ``n`` trials.

    :math:`[B(\alpha/2; k, n-k+1),\ B(1-\alpha/2; k+1, n-k)]` with :math:`B(q; a, b)` the
    beta quantile; the lower end is 0 when ``k == 0`` and the upper end 1 when ``k == n``.
    """
    from scipy.stats import beta

    lo = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi


def _t_interval(v, alpha):
    from scipy.stats import t

    m = float(v.mean())
    half = float(t.ppf(1 - alpha / 2, v.size - 1)) * float(v.std(ddof=1)) / math.sqrt(v.size)
    return max(m - half, 0.0), min(m + half, 1.0)


class LevelCheckResult(_BaseResult):
    r"""Result of :meth:`LevelCheck.run`: per-grid-point intervals and the verdict.

    At each of the :math:`J` grid points the interval for the mean has level
    :math:`1 - (1 - \gamma)/J` (Bonferroni): exact Clopper–Pearson when all replicates
    are 0 or 1, otherwise a t interval clipped to [0, 1] (see :class:`LevelCheck`).

    Attributes
    ----------
    check : LevelCheck
    data : pandas.DataFrame
        One row per replication, sorted by ``grid_index, rep``.
    table : pandas.DataFrame
        One row per grid point: ``grid_index, x, n_reps, mean, lo, hi, method``
        (``"clopper-pearson"`` or ``"t"``) and ``contains_target``.
    target : float
    level_each : float
        Level of each interval, :math:`1 - (1 - \gamma)/J`.
    passed : bool
        Whether ``target`` lies inside every interval.
    verdict : {"PASS", "FAIL"}
    random_state, n_reps, ci_level, grid, quick, wall_time, n_reused : as run
    """

    def __init__(self, check, data, **kwargs):
        import pandas as pd

        super().__init__(check, data, **kwargs)
        self.target = check.target
        groups = self._groups()
        alpha = (1 - self.ci_level) / len(groups)
        self.level_each = 1 - alpha
        rows = []
        for i, v in enumerate(groups):
            if np.all((v == 0) | (v == 1)):
                lo, hi = clopper_pearson(int(v.sum()), v.size, alpha)
                method = "clopper-pearson"
            else:
                lo, hi = _t_interval(v, alpha)
                method = "t"
            rows.append(
                {
                    "grid_index": i,
                    "x": float(self.grid[i]),
                    "n_reps": v.size,
                    "mean": float(v.mean()),
                    "lo": lo,
                    "hi": hi,
                    "method": method,
                    "contains_target": bool(lo <= self.target <= hi),
                }
            )
        self.table = pd.DataFrame(rows)
        self.passed = bool(self.table["contains_target"].all())

    def summary(self):
        """The summary table: claim, per-grid-point means and intervals, verdict.

        Returns
        -------
        Summary
        """
        c = self.check
        t = self.table
        header = [
            *self._about(),
            ("Quantity", f"{c.quantity} vs {c.variable}"),
            ("Run", self._run_line()),
        ]
        columns = [c.variable, "reps", "mean", "lo", "hi", "interval", "contains target"]
        rows = [
            [
                _fmt_x(r.x),
                _fmt(int(r.n_reps)),
                _fmt(r.mean),
                _fmt(r.lo),
                _fmt(r.hi),
                r.method,
                _fmt(bool(r.contains_target)),
            ]
            for r in t.itertuples()
        ]
        if self.passed:
            why = "target inside every interval"
        else:
            bad = ", ".join(_fmt_x(x) for x in t.loc[~t["contains_target"], "x"])
            why = f"target outside the interval at {c.variable} = {bad}"
        footer = [
            ("Target", f"{self.target:g}"),
            (
                "Intervals",
                f"each at {_pct(self.level_each)}, jointly >= {_pct(self.ci_level)} "
                f"(Bonferroni over {len(t)} grid points)",
            ),
            ("Verdict", f"{self.verdict} ({why})"),
        ]
        return Summary(f"Level check {c.name}", header, columns, rows, footer)

    def plot(self, ax=None):
        """Means with their (Bonferroni-adjusted) intervals against the grid, and the target.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional

        Returns
        -------
        matplotlib.axes.Axes
        """
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots()
        t = self.table
        m = t["mean"].to_numpy()
        ax.errorbar(
            t["x"],
            m,
            yerr=[m - t["lo"].to_numpy(), t["hi"].to_numpy() - m],
            fmt="o",
            capsize=3,
            label=f"mean of {self.n_reps} replicates ({_pct(self.level_each)} CI each)",
        )
        ax.axhline(self.target, linestyle="--", color="k", label=f"target {self.target:g}")
        if len(t) > 1:
            ax.set_xscale("log")
        ax.set_xlabel(self.check.variable)
        ax.set_ylabel(self.check.quantity)
        ax.set_title(f"{self.check.name}: {self.verdict}")
        ax.legend()
        return ax

    def __repr__(self):
        return (
            f"LevelCheckResult(check={self.check.name!r}, target={self.target:g}, "
            f"verdict={self.verdict!r})"
        )
