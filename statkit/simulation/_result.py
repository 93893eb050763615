"""Results of rate and level checks: tables, slope fits, verdicts, summaries and plots."""

import html
import math
from typing import NamedTuple

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
        self._provenance = None  # set by run(); built on first access otherwise

    @property
    def provenance(self):
        """How the numbers were made (a dict, a fresh copy on each access).

        ``statkit_version``, ``git_commit`` and ``git_dirty`` (None outside a git
        checkout), ``random_state`` and ``seed_scheme``, ``versions`` (python, numpy,
        scipy, numba, torch, pandas, statsmodels, joblib; None if not installed),
        ``backend``, ``device``, ``executor``, ``n_jobs``, ``scheduler``, ``grid``,
        ``quick``, ``n_reps``, ``ci_level``, ``platform``, ``started_at`` (UTC),
        ``wall_time`` (s), ``n_reused`` and ``result`` (verdict, slope, CI and the
        per-grid-point table). A result made by ``run`` records it at run time.
        """
        import copy

        from ._provenance import build_provenance

        if self._provenance is None:
            self._provenance = build_provenance(self)
        return copy.deepcopy(self._provenance)

    def to_latex(self, caption=None, label=None, digits=3):
        """The result as a LaTeX table (booktabs), for a paper.

        A rate check gives one row: check, slope, confidence interval, predicted
        exponent and verdict; a level check one row per grid point: value, mean,
        interval, target and whether the interval contains it. Needs
        ``\\usepackage{booktabs}``. Names are escaped (``_``, ``&``, ``%`` ...).

        Parameters
        ----------
        caption, label : str, optional
            ``\\caption`` text (escaped) and ``\\label`` key (not escaped).
        digits : int, default 3
            Decimal places of the numbers.

        Returns
        -------
        str
        """
        from ._export import to_latex

        return to_latex(self, caption=caption, label=label, digits=digits)

    def savefig(self, path, width="column", height=None, font_size=8, dpi=300):
        """Save :meth:`plot` as a figure sized for a paper: PDF or PNG by suffix.

        Parameters
        ----------
        path : str or path-like
            Ends in ``.pdf`` or ``.png``.
        width : {"column", "page"} or float, default "column"
            ``"column"``: 3.5 in (one column of a two-column paper); ``"page"``: 7 in
            (the full text width); a number: inches.
        height : float, optional
            Inches; default ``0.75 * width``.
        font_size : float, default 8
            Points, for tick labels, axis labels and the title (the legend one point
            smaller); 8 pt on a 3.5 in figure matches a 9-10 pt text font after
            inclusion at 100 %.
        dpi : int, default 300
            Resolution of a PNG (a PDF is vector).

        Returns
        -------
        pathlib.Path
        """
        from ._export import savefig

        return savefig(self, path, width=width, height=height, font_size=font_size, dpi=dpi)

    @property
    def verdict(self):
        """``"PASS"`` or ``"FAIL"``."""
        return "PASS" if self.passed else "FAIL"

    def _groups(self):
        """Replicate values of each grid point, in grid order."""
        values = self.data["value"].to_numpy()
        index = self.data["grid_index"].to_numpy()
        return [values[index == i] for i in range(len(self.grid))]

    def to_csv(self, path, provenance=True):
        """Write :attr:`data` (one row per replication) to a CSV file.

        The format is that of the ``out`` file of :meth:`RateCheck.run`, floats written
        with full precision, so the file can also serve as ``out`` to rerun the check
        without recomputing.

        Parameters
        ----------
        path : str or path-like
        provenance : bool, default True
            Also write :attr:`provenance` beside it (``NAME.csv`` ->
            ``NAME.provenance.json``), from which ``statkit rates rerun`` regenerates
            the result.
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
        if provenance:
            from pathlib import Path

            from ._provenance import provenance_path, write_provenance

            write_provenance(provenance_path(path), self.provenance, data_file=Path(path).name)

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


# --------------------------------------------------------------- offset power law fit

_EXPONENT_GRID_SIZE = 801  # scan points over the exponent range (plus the predicted exponent)


class FixedExponentFit(NamedTuple):
    """Weighted least-squares fit of ``y = a + b x**exponent`` with the exponent held fixed.

    Attributes
    ----------
    exponent : float
        The fixed exponent (the predicted one).
    offset, scale : float
        :math:`a` and :math:`b` (NaN when ``exponent == 0``, where the model is the
        logarithmic limit :math:`a + b \\log x`).
    r_squared : float
        Weighted :math:`R^2 = 1 - \\mathrm{RSS} / \\sum_j w_j (y_j - \\bar y_w)^2` with the
        weights :math:`w_j = 1/\\mathrm{se}_j^2` and :math:`\\bar y_w` their weighted mean.
    rss : float
        Weighted residual sum of squares :math:`\\mathrm{RSS}(\\theta_0)`.
    """

    exponent: float
    offset: float
    scale: float
    r_squared: float
    rss: float


def _offset_weights(se):
    """Weights ``1 / se**2``; a zero or undefined se gets the smallest positive one."""
    se = np.asarray(se, dtype=float)
    ok = np.isfinite(se) & (se > 0)
    if not ok.any():  # every grid point deterministic: equal weights
        return np.ones_like(se)
    return 1.0 / np.where(ok, se, se[ok].min()) ** 2


class _OffsetProfile:
    r"""Profile RSS of the weighted fit of ``y = a + b x**theta`` over ``theta``.

    For each ``theta`` the model is linear in (a, b). It is computed with the regressor
    :math:`z_\theta = ((x/x_0)^\theta - 1)/\theta` (:math:`\log(x/x_0)` at
    :math:`\theta = 0`, :math:`x_0` the geometric mean of the grid), which spans the same
    space as :math:`(1, x^\theta)` for :math:`\theta \ne 0`, keeps the design well
    conditioned and makes the profile continuous through :math:`\theta = 0` (where the
    model's limit is :math:`a + b \log x`).
    """

    def __init__(self, x, y, w):
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        self.w = np.asarray(w, dtype=float)
        self.log_x0 = float(np.log(self.x).mean())
        self.lx = np.log(self.x) - self.log_x0
        self.wn = self.w / self.w.sum()

    def _z(self, theta, lx=None):
        lx = self.lx if lx is None else lx
        theta = np.asarray(theta, dtype=float)[..., None]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            z = np.where(theta == 0, lx, np.expm1(theta * lx) / np.where(theta == 0, 1, theta))
        return z

    def _coef(self, theta, y=None):
        """Weighted LS of y on (1, z_theta): centres, coefficient on z, residuals."""
        y = self.y if y is None else y
        z = self._z(theta)
        zbar = z @ self.wn
        ybar = y @ self.wn
        zc = z - zbar[..., None]
        yc = y - ybar[..., None]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            beta = ((zc * yc) @ self.w) / ((zc * zc) @ self.w)
            resid = yc - beta[..., None] * zc
        return ybar, zbar, beta, resid

    def rss(self, theta, y=None):
        """Weighted RSS at each theta (``inf`` where it overflows)."""
        *_, resid = self._coef(theta, y)
        with np.errstate(over="ignore", invalid="ignore"):
            out = (resid * resid) @ self.w
        return np.where(np.isfinite(out), out, np.inf)

    def params(self, theta):
        """``(offset, scale, fitted values, rss)`` of the weighted fit at a scalar theta."""
        ybar, zbar, beta, resid = self._coef(np.float64(theta))
        ybar, zbar, beta = float(ybar), float(zbar), float(beta)
        fitted = self.y - resid
        if theta == 0:
            offset = scale = math.nan
        else:
            # a + beta z = (alpha - beta/theta) + (beta/theta) (x/x0)^theta
            offset = ybar - beta * zbar - beta / theta
            scale = beta / theta * math.exp(-theta * self.log_x0)
        return offset, scale, fitted, float((resid * resid) @ self.w)

    def curve(self, theta, xs):
        """Fitted curve at theta evaluated at ``xs`` (valid also at theta = 0)."""
        ybar, zbar, beta, _ = self._coef(np.float64(theta))
        z = self._z(np.float64(theta), np.log(np.asarray(xs, dtype=float)) - self.log_x0)
        return float(ybar) + float(beta) * (z - float(zbar))

    def argmin(self, lo, hi, y=None, extra=()):
        """Global minimiser of the RSS on [lo, hi]: a scan, then bounded Brent near the best."""
        from scipy.optimize import minimize_scalar

        grid = np.union1d(np.linspace(lo, hi, _EXPONENT_GRID_SIZE), np.asarray(extra, float))
        values = self.rss(grid, y)
        k = int(np.argmin(values))
        a, b = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
        res = minimize_scalar(
            lambda t: float(self.rss(np.float64(t), y)),
            bounds=(a, b),
            method="bounded",
            options={"xatol": 1e-12 * max(1.0, abs(a), abs(b))},
        )
        if res.fun <= values[k]:
            return float(res.x), float(res.fun), grid, values
        return float(grid[k]), float(values[k]), grid, values


class OffsetPowerFit(NamedTuple):
    """What :func:`fit_offset_power` returns (see :class:`RateCheckResult` for the meaning)."""

    exponent: float
    ci: tuple
    offset: float
    scale: float
    fitted: np.ndarray
    rss: float
    residual_scale: float
    lack_of_fit_pvalue: float
    f_statistic: float
    pvalue: float
    critical_value: float
    exponent_at_bound: bool
    ci_is_interval: bool
    fixed_exponent_fit: FixedExponentFit
    weights: np.ndarray
    profile: dict
    curve_model: object


def fit_offset_power(x, y, se, ci_level, predicted_exponent, exponent_range):
    r"""Fit ``y = a + b x**theta`` by weighted least squares, profiling over ``theta``.

    ``theta`` minimises :math:`\mathrm{RSS}(\theta) = \min_{a,b} \sum_j w_j (y_j - a - b
    x_j^\theta)^2`, :math:`w_j = 1/\mathrm{se}_j^2`, over ``exponent_range``; the interval
    is :math:`\{\theta: F(\theta) \le F_{1,J-3}(\gamma)\}` with :math:`F(\theta) =
    (\mathrm{RSS}(\theta) - \mathrm{RSS}(\hat\theta)) / s^2`, :math:`s^2 =
    \mathrm{RSS}(\hat\theta)/(J-3)`. See :class:`RateCheck` for the full description.
    """
    from scipy.optimize import brentq
    from scipy.stats import chi2, f

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n_points = x.size
    df = n_points - 3
    w = _offset_weights(se)
    prof = _OffsetProfile(x, y, w)
    lo_bound, hi_bound = exponent_range
    theta0 = float(predicted_exponent)
    theta, rss_min, grid, values = prof.argmin(lo_bound, hi_bound, extra=(theta0,))
    offset, scale, fitted, _ = prof.params(theta)
    spacing = (hi_bound - lo_bound) / (_EXPONENT_GRID_SIZE - 1)
    at_bound = bool(min(theta - lo_bound, hi_bound - theta) < 1e-3 * spacing)

    s2 = rss_min / df
    crit = float(f.ppf(ci_level, 1, df))

    def f_stat(t):
        delta = np.maximum(prof.rss(t) - rss_min, 0.0)
        if s2 > 0:
            return delta / s2
        return np.where(delta > 0, np.inf, 0.0)

    stats = f_stat(grid)
    accepted = stats <= crit
    # the confidence set on the scan grid, plus theta_hat itself; the interval is its hull
    inside = np.flatnonzero(accepted)
    lo_pt = min(theta, grid[inside[0]]) if inside.size else theta
    hi_pt = max(theta, grid[inside[-1]]) if inside.size else theta

    def g(t):
        return float(f_stat(np.float64(t))) - crit

    def end(point, outward):
        if s2 == 0:
            return point
        beyond = grid[grid < point] if outward < 0 else grid[grid > point]
        if beyond.size == 0:  # still accepted at the edge of the range: unbounded there
            return -math.inf if outward < 0 else math.inf
        nxt = beyond[-1] if outward < 0 else beyond[0]
        if g(point) > 0:  # only at theta_hat with a degenerate (zero-width) set
            return point
        return float(brentq(g, *sorted((nxt, point)), xtol=1e-12, rtol=1e-12))

    ci = (end(lo_pt, -1), end(hi_pt, +1))
    between = (grid >= lo_pt) & (grid <= hi_pt)
    ci_is_interval = bool(accepted[between].all())
    if at_bound:  # the minimum may lie beyond the range: nothing is excluded on that side
        ci = (-math.inf, ci[1]) if theta - lo_bound < hi_bound - theta else (ci[0], math.inf)

    f0 = float(f_stat(np.float64(theta0)))
    pvalue = float(f.sf(f0, 1, df)) if np.isfinite(f0) else 0.0
    off0, scale0, _, rss0 = prof.params(theta0)
    tss = float(((y - y @ prof.wn) ** 2) @ w)
    r2 = 1.0 - rss0 / tss if tss > 0 else math.nan
    profile = {"exponent": grid, "rss": values, "f_statistic": stats}
    return OffsetPowerFit(
        exponent=theta,
        ci=(float(ci[0]), float(ci[1])),
        offset=offset,
        scale=scale,
        fitted=fitted,
        rss=rss_min,
        residual_scale=float(s2),
        lack_of_fit_pvalue=float(chi2.sf(rss_min, df)),
        f_statistic=f0,
        pvalue=pvalue,
        critical_value=crit,
        exponent_at_bound=at_bound,
        ci_is_interval=ci_is_interval,
        fixed_exponent_fit=FixedExponentFit(theta0, off0, scale0, float(r2), float(rss0)),
        weights=w,
        profile=profile,
        curve_model=prof,
    )


class RateCheckResult(_BaseResult):
    r"""Result of :meth:`RateCheck.run`: data, per-grid-point table, slope fit and verdict.

    With :math:`y_j` the aggregate at grid value :math:`x_j` (:math:`j = 1, \dots, J`),
    the slope is the OLS estimate :math:`\hat b` in :math:`\log y_j = a + b \log x_j +
    \varepsilon_j` and its confidence interval is :math:`\hat b \pm t_{(1+\gamma)/2,\,J-2}\,
    \widehat{\mathrm{se}}(\hat b)` (``statsmodels`` OLS, :math:`\gamma` = ``ci_level``).
    With ``model="offset-power"`` the slope is instead the exponent :math:`\hat\theta` of
    the weighted fit :math:`y_j = a + b x_j^\theta` and its interval the profile F
    interval (see :class:`RateCheck`).

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
        ``fitted`` (:math:`e^{\hat a} x_j^{\hat b}`; :math:`\hat a + \hat b
        x_j^{\hat\theta}` for the offset model).
    model : {"power", "offset-power"}
    slope, intercept : float
        :math:`\hat b` and :math:`\hat a` of the log-log fit. For the offset model
        ``slope`` is :math:`\hat\theta` and ``intercept`` is None (see ``offset``).
    ci : tuple of float
        Confidence interval ``(lo, hi)`` of the slope at level ``ci_level``; for the
        offset model an end may be ``-inf``/``inf`` (not bounded within
        ``exponent_range``).
    predicted_exponent : float
    passed : bool
        Whether ``predicted_exponent`` lies in ``ci`` (offset model: whether the profile
        F test at ``predicted_exponent`` accepts, the same unless ``ci_is_interval`` is
        False).
    verdict : {"PASS", "FAIL"}
    ols : statsmodels.regression.linear_model.RegressionResults or None
        The log-log fit itself (None for the offset model).
    offset, scale : float
        Offset model only: :math:`\hat a` and :math:`\hat b` at :math:`\hat\theta`.
    fixed_exponent_fit : FixedExponentFit
        Offset model only: ``(exponent, offset, scale, r_squared, rss)`` of the weighted
        fit with :math:`\theta` fixed to ``predicted_exponent`` ("linear in
        :math:`x^{\theta_0}`"; :math:`R^2` weighted).
    rss, residual_scale, lack_of_fit_pvalue : float
        Offset model only: :math:`\mathrm{RSS}(\hat\theta)`, :math:`s^2 =
        \mathrm{RSS}(\hat\theta)/(J-3)` (about 1 when the model fits and the standard
        errors are right) and :math:`P(\chi^2_{J-3} > \mathrm{RSS}(\hat\theta))`.
    f_statistic, exponent_pvalue, critical_value : float
        Offset model only: :math:`F(\theta_0)`, its p-value under :math:`F_{1,J-3}`, and
        :math:`F_{1,J-3}(\gamma)`.
    exponent_range : tuple of float
        Offset model only: the search range of :math:`\theta`.
    exponent_at_bound, ci_is_interval : bool
        Offset model only: whether :math:`\hat\theta` lies on an edge of
        ``exponent_range`` (then the CI is unbounded on that side), and whether the
        confidence set is an interval on the scan grid.
    weights : numpy.ndarray
        Offset model only: :math:`w_j = 1/\mathrm{se}_j^2`; a grid point whose se is 0
        or undefined (identical replicates) gets the smallest positive se of the others,
        and all weights are 1 if every se is 0.
    profile : pandas.DataFrame
        Offset model only: ``exponent, rss, f_statistic`` on the scan grid (801 points of
        ``exponent_range`` and the predicted exponent), to plot the profile.
    random_state, n_reps, ci_level, grid, quick : as run
    wall_time : float
        Seconds taken by :meth:`RateCheck.run`.
    n_reused : int
        Replications read back from the ``out`` file instead of computed.
    provenance : dict
        How the numbers were made: versions, git commit, seed and seeding scheme, grid,
        replicates, wall time and the fitted numbers (see :doc:`/citing`).

    Raises
    ------
    ValueError
        If the aggregate at a grid point is <= 0 (the log-log fit is undefined; the
        offset model accepts any finite aggregate).
    """

    def __init__(self, check, data, **kwargs):
        import pandas as pd

        super().__init__(check, data, **kwargs)
        self.aggregate = check.aggregate
        self.predicted_exponent = check.predicted_exponent
        self.model = getattr(check, "model", "power")
        groups = self._groups()
        z = _normal_quantile((1 + self.ci_level) / 2)
        agg = np.array([_aggregate(v, self.aggregate) for v in groups])
        se = np.array([_aggregate_se(v, self.aggregate) for v in groups])
        x = np.array(self.grid, dtype=float)
        if self.model == "offset-power":
            fitted = self._fit_offset_power(x, agg, se)
        else:
            for xv, a in zip(self.grid, agg, strict=True):
                if not a > 0:
                    raise ValueError(
                        f"the {self.aggregate} of {check.quantity!r} at {check.variable}={xv} "
                        f"is {a:.6g} <= 0, so its logarithm and the log-log fit are undefined; "
                        "measure a positive quantity (e.g. an absolute error) or use "
                        "aggregate='rmse'"
                    )
            self.intercept, self.slope, self.ci, self.ols = fit_loglog(x, agg, self.ci_level)
            self.passed = bool(self.ci[0] <= self.predicted_exponent <= self.ci[1])
            fitted = np.exp(self.intercept + self.slope * np.log(x))
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
                "fitted": fitted,
            }
        )

    def _fit_offset_power(self, x, agg, se):
        import pandas as pd

        bad = ~np.isfinite(agg)
        if bad.any():
            raise ValueError(
                f"the {self.aggregate} at {self.check.variable}={x[bad][0]:g} is not finite"
            )
        self.exponent_range = self.check.exponent_range
        fit = fit_offset_power(
            x, agg, se, self.ci_level, self.predicted_exponent, self.exponent_range
        )
        self.slope = fit.exponent
        self.ci = fit.ci
        # the F test of theta = predicted_exponent; the same as "inside ci" unless the
        # confidence set has a gap (ci_is_interval False), where the test is the exact one
        self.passed = bool(fit.f_statistic <= fit.critical_value)
        self.intercept = None
        self.ols = None
        self.offset = fit.offset
        self.scale = fit.scale
        self.fixed_exponent_fit = fit.fixed_exponent_fit
        self.rss = fit.rss
        self.residual_scale = fit.residual_scale
        self.lack_of_fit_pvalue = fit.lack_of_fit_pvalue
        self.f_statistic = fit.f_statistic
        self.exponent_pvalue = fit.pvalue
        self.critical_value = fit.critical_value
        self.exponent_at_bound = fit.exponent_at_bound
        self.ci_is_interval = fit.ci_is_interval
        self.weights = fit.weights
        self.profile = pd.DataFrame(fit.profile)
        self._curve = fit.curve_model
        return fit.fitted

    def slope_bootstrap_ci(self, n_boot=1000, random_state=0, ci_level=None):
        r"""Percentile bootstrap confidence interval of the slope.

        Each bootstrap round resamples, with replacement, the replicates within every
        grid point, recomputes the aggregates :math:`y_j^*` and refits the OLS slope of
        :math:`\log y^*_j` on :math:`\log x_j`; the interval is the
        :math:`((1-\gamma)/2, (1+\gamma)/2)` quantile pair of the ``n_boot`` slopes. It
        reflects the Monte Carlo noise of the replicates only, not lack of fit of the
        power law (which the t interval of :attr:`ci` does reflect).

        For ``model="offset-power"`` each round instead refits :math:`y^*_j = a + b
        x_j^\theta` by weighted least squares (weights :math:`1/\mathrm{se}_j^2` of the
        original data, held fixed) and profiles over :math:`\theta` within
        ``exponent_range``, as the main fit does; the interval is the quantile pair of the
        ``n_boot`` exponents. This costs a scan and a 1-D minimisation per round (about a
        second for 1000 rounds).

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
        if self.model == "offset-power":
            lo_b, hi_b = self.exponent_range
            slopes = np.array([self._curve.argmin(lo_b, hi_b, y=y_star)[0] for y_star in boot])
            lo, hi = np.quantile(slopes, [(1 - ci_level) / 2, (1 + ci_level) / 2])
            return float(lo), float(hi)
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
        if self.model == "offset-power":
            footer = self._offset_footer()
            return Summary(f"Rate check {c.name}", header, columns, rows, footer)
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

    def _offset_footer(self):
        c = self.check
        n_points = len(self.table)
        lo, hi = self.ci
        lo_b, hi_b = self.exponent_range
        v = c.variable
        notes = []
        if self.exponent_at_bound:
            notes.append(
                f"the minimum of the RSS lies on the edge of the search range [{lo_b:g}, "
                f"{hi_b:g}]: the exponent is not identified within it"
            )
        if math.isinf(lo) or math.isinf(hi):
            sides = [s for s, e in (("below", lo), ("above", hi)) if math.isinf(e)]
            notes.append(
                f"the interval is unbounded {' and '.join(sides)}: no exponent in that "
                f"direction is rejected up to the edge of the search range [{lo_b:g}, {hi_b:g}]"
            )
        if not self.ci_is_interval:
            notes.append(
                "the confidence set is not an interval (the profile has several dips); "
                "the CI shown is its hull and the verdict is the F test at the predicted exponent"
            )
        fixed = self.fixed_exponent_fit
        inside = "accepted" if self.passed else "rejected"
        footer = [
            (
                "Model",
                f"y = a + b {v}^theta, weighted least squares (weights 1/se^2), theta profiled "
                f"over [{lo_b:g}, {hi_b:g}]",
            ),
            (
                "Fitted exponent",
                f"{self.slope:.4f}  {_pct(self.ci_level)} CI [{lo:.4f}, {hi:.4f}]  "
                f"(profile F interval, F(1, {n_points - 3}) <= {self.critical_value:.4g}, "
                f"{n_points} points)",
            ),
            *(("Note", note) for note in notes),
            ("Fitted curve", f"a = {self.offset:.6g}, b = {self.scale:.6g}"),
            (
                f"Linear in {v}^theta0",
                f"theta0 = {fixed.exponent:g}: a = {fixed.offset:.6g}, b = {fixed.scale:.6g}, "
                f"R^2 = {fixed.r_squared:.6f} (weighted)",
            ),
            (
                "Residual scale",
                f"s^2 = RSS/{n_points - 3} = {self.residual_scale:.4g} (about 1 when the model "
                f"fits and se is right; lack-of-fit p = {self.lack_of_fit_pvalue:.3g})",
            ),
            (
                "Predicted",
                f"{self.predicted_exponent:g}  (F = {self.f_statistic:.4g}, "
                f"p = {self.exponent_pvalue:.3g})",
            ),
            ("Verdict", f"{self.verdict} (predicted exponent {inside} by the profile F test)"),
        ]
        return footer

    def _plot_offset(self, ax, x):
        """Fitted curve and the curve at the predicted exponent, drawn where positive."""
        xs = np.geomspace(x.min(), x.max(), 200)
        lo, hi = self.ci
        curves = [
            (
                self.slope,
                "-",
                f"fitted a + b x^theta, theta = {self.slope:.3f} [{lo:.3f}, {hi:.3f}]",
            ),
            (
                self.predicted_exponent,
                "--",
                f"a + b x^theta at predicted theta = {self.predicted_exponent:g} "
                f"(R^2 = {self.fixed_exponent_fit.r_squared:.4f})",
            ),
        ]
        for theta, style, label in curves:
            ys = self._curve.curve(theta, xs)
            # a log axis cannot show a + b x^theta <= 0: leave those stretches out
            ax.plot(xs, np.where(ys > 0, ys, np.nan), linestyle=style, label=label)

    def plot(self, ax=None):
        """Log-log plot: aggregates with error bars, the fitted line and the predicted slope.

        The predicted-slope line passes through the fitted line's geometric centre
        :math:`(\\exp \\overline{\\log x},\\ \\exp(\\hat a + \\hat b\\, \\overline{\\log x}))`,
        so the two lines differ in slope only. For the offset model the plot shows the
        fitted curve :math:`\\hat a + \\hat b x^{\\hat\\theta}` and the weighted fit
        :math:`a_0 + b_0 x^{\\theta_0}` at the predicted exponent (both on log-log axes,
        drawn only where positive, as are the aggregates).

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
        upper = t["hi"].to_numpy()
        if self.model == "offset-power":  # aggregates <= 0 cannot be drawn on a log axis
            keep = y > 0
            x, y, upper, lo_end = x[keep], y[keep], upper[keep], t["lo"].to_numpy()[keep]
        else:
            lo_end = t["lo"].to_numpy()
        # a lower end <= 0 cannot be drawn on a log axis: clip it to y / 1000
        lower = np.clip(lo_end, y * 1e-3, None)
        ax.errorbar(
            x,
            y,
            yerr=[y - lower, upper - y],
            fmt="o",
            capsize=3,
            label=f"{self.aggregate} of {self.n_reps} replicates ({_pct(self.ci_level)} CI)",
        )
        if self.model == "offset-power":
            self._plot_offset(ax, t["x"].to_numpy())
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel(self.check.variable)
            ax.set_ylabel(f"{self.check.quantity} ({self.aggregate})")
            ax.set_title(f"{self.check.name}: {self.verdict}")
            ax.legend()
            return ax
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
    provenance : dict
        As for :class:`RateCheckResult`.
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
