"""Rate and level checks: one falsifiable claim of one paper, and how to run it."""

import contextlib
import itertools
import numbers
import re
import time

import numpy as np

from statkit.utils import check_positive, check_seed_sequence

from ._runner import RESUME_COLUMNS, ResumeFile, execute

__all__ = ["LevelCheck", "RateCheck"]

_AGGREGATES = ("mean", "rmse", "median")
_MODELS = ("power", "offset-power")
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


# ---------------------------------------------------------------------------- validation


def _check_name(name):
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    if not _NAME_RE.fullmatch(name):
        raise ValueError(
            "name must be a non-empty string of letters, digits, '.', '_' or '-' starting with "
            f"a letter or digit (it names files), got {name!r}"
        )
    return name


def _check_grid(grid, name, min_points):
    if isinstance(grid, (str, bytes)) or not hasattr(grid, "__len__"):
        raise TypeError(f"{name} must be a sequence of positive numbers, got {type(grid).__name__}")
    if isinstance(grid, np.ndarray) and grid.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {grid.shape}")
    values = []
    for v in grid:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            raise TypeError(f"{name} must contain real numbers, got {v!r} ({type(v).__name__})")
        if isinstance(v, numbers.Integral):
            v = int(v)
        else:
            v = float(v)
            if not np.isfinite(v):
                raise ValueError(f"{name} must contain finite numbers, got {v}")
        if v <= 0:
            raise ValueError(f"{name} must contain positive numbers, got {v}")
        values.append(v)
    if len(values) < min_points:
        raise ValueError(
            f"{name} must have at least {min_points} point(s), got {len(values)}"
            + (" (a slope with a confidence interval needs >= 3)" if min_points == 3 else "")
        )
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise ValueError(f"{name} must be strictly increasing, got {values}")
    return tuple(values)


def _check_reps(n_reps, name):
    if isinstance(n_reps, bool) or not isinstance(n_reps, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= 2, got {n_reps!r}")
    if n_reps < 2:
        raise ValueError(f"{name} must be an integer >= 2, got {n_reps}")
    return int(n_reps)


def _check_ci_level(ci_level):
    ci_level = check_positive(ci_level, "ci_level")
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must lie in the open interval (0, 1), got {ci_level}")
    return ci_level


def _check_exponent_range(exponent_range):
    if isinstance(exponent_range, (str, bytes)) or not hasattr(exponent_range, "__len__"):
        raise TypeError(
            f"exponent_range must be a pair (lo, hi) of finite numbers, got {exponent_range!r}"
        )
    if len(exponent_range) != 2:
        raise ValueError(
            f"exponent_range must be a pair (lo, hi) of finite numbers, got {exponent_range!r}"
        )
    values = []
    for v in exponent_range:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            raise TypeError(f"exponent_range must contain real numbers, got {v!r}")
        if not np.isfinite(v):
            raise ValueError(f"exponent_range must contain finite numbers, got {v}")
        values.append(float(v))
    if not values[0] < values[1]:
        raise ValueError(f"exponent_range must satisfy lo < hi, got {tuple(values)}")
    return tuple(values)


def _check_text(value, name):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    return value


def _check_random_state(random_state):
    if random_state is None:
        raise ValueError(
            "random_state=None is not allowed: a rate check must be reproducible; pass a "
            "non-negative int such as 0"
        )
    if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral):
        raise TypeError(
            f"random_state must be a non-negative int, got {type(random_state).__name__}"
        )
    check_seed_sequence(random_state)  # rejects negative integers
    return int(random_state)


def _check_n_jobs(n_jobs):
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(f"n_jobs must be a nonzero integer, got {n_jobs!r}")
    if n_jobs == 0:
        raise ValueError("n_jobs must be a nonzero integer (-1: all cores), got 0")
    return int(n_jobs)


# ------------------------------------------------------------------------------ checks


class _BaseCheck:
    """Shared parameters and the runner of :class:`RateCheck` and :class:`LevelCheck`."""

    _bounds = None  # allowed range of a simulate value, or None

    def _init_common(
        self,
        name,
        simulate,
        grid,
        *,
        quantity,
        variable,
        quick_grid,
        n_reps,
        quick_reps,
        ci_level,
        claim,
        reference,
        description,
        min_points,
    ):
        self.name = _check_name(name)
        if not callable(simulate):
            raise TypeError(f"simulate must be callable, got {type(simulate).__name__}")
        self.simulate = simulate
        self.grid = _check_grid(grid, "grid", min_points)
        self.quick_grid = (
            self.grid if quick_grid is None else _check_grid(quick_grid, "quick_grid", min_points)
        )
        self.quantity = _check_text(quantity, "quantity")
        self.variable = _check_text(variable, "variable")
        self.n_reps = _check_reps(n_reps, "n_reps")
        self.quick_reps = _check_reps(quick_reps, "quick_reps")
        self.ci_level = _check_ci_level(ci_level)
        self.claim = _check_text(claim, "claim")
        self.reference = _check_text(reference, "reference")
        self.description = _check_text(description, "description")

    def run(
        self,
        n_reps=None,
        random_state=0,
        n_jobs=1,
        scheduler=None,
        quick=False,
        out=None,
        progress=None,
    ):
        """Run the replications and return the result.

        Replicate ``r`` at grid index ``i`` draws its random numbers from
        ``numpy.random.default_rng(SeedSequence(random_state, spawn_key=(i, r)))``, which
        equals ``SeedSequence(random_state).spawn(n_grid)[i].spawn(n_reps)[r]``. The
        numbers therefore do not depend on ``n_jobs`` or ``scheduler`` (bit for bit), and
        raising ``n_reps`` keeps the replicates already computed.

        Parameters
        ----------
        n_reps : int >= 2, optional
            Replicates per grid point; default ``n_reps`` (``quick_reps`` when ``quick``).
        random_state : int, default 0
            Non-negative root seed. ``None`` is refused: a check must be reproducible.
        n_jobs : int, default 1
            Local worker processes (joblib, ``-1``: all cores); 1 runs in this process.
            Ignored when ``scheduler`` is given.
        scheduler : str or distributed.Client, optional
            Run the replications on a Dask cluster: a scheduler address such as
            ``"tcp://host:8786"`` (a client is opened and closed) or a connected
            ``distributed.Client``. Needs the ``statkit[dask]`` extra, and ``simulate``
            must be importable on the workers.
        quick : bool, default False
            Use ``quick_grid`` and ``quick_reps``.
        out : str or path-like, optional
            CSV file that every finished replication is appended to (columns ``check,
            random_state, grid_index, x, rep, value``). If it exists, its rows are reused
            and only the missing replications run; a file of another check, another
            ``random_state`` or another grid raises :class:`ValueError`. A half-written
            last line (interrupted run) is dropped. The result's provenance is written
            beside it as JSON (``NAME.csv`` -> ``NAME.provenance.json``; see
            ``result.provenance``), rewritten by every run that uses the file.
        progress : bool, optional
            Show a tqdm progress bar; ``None`` shows it only on a terminal.

        Returns
        -------
        RateCheckResult or LevelCheckResult
            With ``provenance``: statkit version and git commit, seed and seeding
            scheme, library versions, backend, grid, replicates, wall time and the
            fitted numbers (``statkit rates rerun`` regenerates a result from it).

        Raises
        ------
        SimulationError
            When ``simulate`` raises; names the grid value and the replicate.
        ValueError
            When ``simulate`` returns NaN or inf (or, for a level check, a value outside
            [0, 1]); names the grid value and the replicate.
        """
        import pandas as pd

        grid = self.quick_grid if quick else self.grid
        if n_reps is None:
            n_reps = self.quick_reps if quick else self.n_reps
        n_reps = _check_reps(n_reps, "n_reps")
        random_state = _check_random_state(random_state)
        n_jobs = _check_n_jobs(n_jobs)
        if progress is not None and not isinstance(progress, (bool, np.bool_)):
            raise TypeError(f"progress must be None, True or False, got {progress!r}")

        from ._provenance import utc_now

        started_at = utc_now()
        start = time.perf_counter()
        values = {}
        resume = None
        if out is not None:
            resume = ResumeFile(out, self.name, random_state, grid)
            stored = resume.load()
            values = {k: v for k, v in stored.items() if k[1] < n_reps}
        # replicate-major order: an interrupted run leaves every grid point about equally done
        todo = [
            (i, x, r) for r in range(n_reps) for i, x in enumerate(grid) if (i, r) not in values
        ]
        n_reused = len(values)

        def on_result(grid_index, rep, value):
            values[(grid_index, rep)] = value
            if resume is not None:
                resume.append(grid_index, rep, value)

        if todo:
            with resume if resume is not None else contextlib.nullcontext():
                execute(
                    todo,
                    simulate=self.simulate,
                    random_state=random_state,
                    variable=self.variable,
                    bounds=self._bounds,
                    n_jobs=n_jobs,
                    scheduler=scheduler,
                    progress=progress,
                    desc=self.name,
                    total=len(grid) * n_reps,
                    initial=n_reused,
                    on_result=on_result,
                )

        keys = sorted(values)
        data = pd.DataFrame(
            {
                "check": pd.Series([self.name] * len(keys), dtype=object),
                "random_state": np.full(len(keys), random_state, dtype=np.int64),
                "grid_index": np.array([k[0] for k in keys], dtype=np.int64),
                "x": np.array([float(grid[k[0]]) for k in keys], dtype=np.float64),
                "rep": np.array([k[1] for k in keys], dtype=np.int64),
                "value": np.array([values[k] for k in keys], dtype=np.float64),
            },
            columns=list(RESUME_COLUMNS),
        )
        result = self._result_class()(
            self,
            data,
            grid=grid,
            random_state=random_state,
            n_reps=n_reps,
            wall_time=time.perf_counter() - start,
            quick=quick,
            n_reused=n_reused,
        )
        from ._provenance import build_provenance, provenance_path, write_provenance

        result._provenance = build_provenance(
            result, n_jobs=n_jobs, scheduler=scheduler, started_at=started_at
        )
        if out is not None:
            write_provenance(provenance_path(out), result._provenance, data_file=resume.path.name)
        return result

    def _params_repr(self):
        return f"name={self.name!r}, grid={list(self.grid)}"

    def __repr__(self):
        return f"{type(self).__name__}({self._params_repr()})"


class RateCheck(_BaseCheck):
    r"""A claimed rate: the measured quantity scales like ``variable ** predicted_exponent``.

    At every grid value :math:`x_j` the check draws ``n_reps`` independent replicates
    :math:`v_{j1}, \dots, v_{jR}` of ``simulate(x_j, rng)``, combines them into
    :math:`y_j` (``aggregate``) and fits by ordinary least squares the log-log model

    .. math:: \log y_j = a + b \log x_j + \varepsilon_j, \qquad j = 1, \dots, J.

    The confidence interval of the slope is the t interval
    :math:`\hat b \pm t_{(1 + \gamma)/2,\, J - 2}\, \widehat{\mathrm{se}}(\hat b)` at level
    :math:`\gamma` = ``ci_level``. The check **passes** when ``predicted_exponent`` lies
    inside it; there is no other tolerance.

    **Offset power law** (``model="offset-power"``). Some rates hold only
    asymptotically: the regret of the matrix-completion bandit is :math:`R_T \approx a +
    b\, T^{2/3}` with :math:`a < 0`, so the raw log-log slope over a practical range of
    :math:`T` runs high. This model fits the aggregates on the original scale,

    .. math:: y_j = a + b\, x_j^{\theta} + \varepsilon_j, \qquad
              \operatorname{Var}(\varepsilon_j) \propto \mathrm{se}_j^2,

    with :math:`\mathrm{se}_j` the standard error of :math:`y_j` from its replicates (the
    ``se`` column of the result's table). For fixed :math:`\theta` it is linear in
    :math:`(a, b)`, so the exponent is profiled: with weights :math:`w_j =
    1/\mathrm{se}_j^2`,

    .. math:: \mathrm{RSS}(\theta) = \min_{a, b} \sum_j w_j (y_j - a - b x_j^\theta)^2,
              \qquad \hat\theta = \arg\min_{\theta \in [\theta_-, \theta_+]}
              \mathrm{RSS}(\theta),

    found by a scan of 801 points of ``exponent_range`` :math:`= [\theta_-, \theta_+]` (so
    that a secondary dip cannot capture the search) refined by bounded Brent. The
    :math:`\gamma`-level interval is the profile-likelihood (Bates & Watts) set

    .. math:: \Bigl\{\theta:\ F(\theta) = \frac{\mathrm{RSS}(\theta) -
              \mathrm{RSS}(\hat\theta)}{s^2} \le F_{1,\,J-3}(\gamma)\Bigr\},
              \qquad s^2 = \frac{\mathrm{RSS}(\hat\theta)}{J - 3},

    whose ends are found by root finding; it needs :math:`J \ge 4` grid points. An end
    is reported as :math:`\pm\infty` when no exponent on that side is rejected up to the
    edge of the range (the profile RSS stays bounded as :math:`|\theta| \to \infty`, so
    this happens when the grid cannot identify the exponent), and both the summary and
    ``exponent_at_bound`` say when :math:`\hat\theta` itself sits on an edge. The check
    **passes** when :math:`F(\theta_0) \le F_{1, J-3}(\gamma)` for :math:`\theta_0` =
    ``predicted_exponent``, i.e. when :math:`\theta_0` lies in the confidence set (the
    reported interval is the hull of that set; they differ only if the set has a gap,
    which the result flags).

    *Why these weights and this interval.* The aggregates differ in precision across
    the grid (a regret growing like :math:`T^{2/3}` has a growing standard error), so
    unweighted least squares would let the noisiest points dominate; :math:`1/\mathrm{se}_j^2`
    is the efficient choice. The scale :math:`s^2` is then estimated from the residuals
    instead of being set to 1 (which would trust the replicate standard errors as exact
    and use :math:`\chi^2_1` instead of :math:`F_{1,J-3}`). This keeps two properties of
    the log-log check: lack of fit beyond the Monte Carlo noise widens the interval
    rather than being ignored, and a common error in the standard errors (a rough
    order-statistic se for the median, the delta method for the RMSE, few replicates)
    cancels. A small RSS, that is an excellent fit with :math:`R^2` near 1, does not make
    this interval wrong: under the model :math:`F(\theta_0)` is (to first order) an
    :math:`F_{1,J-3}` variable whatever the noise level, because numerator and
    denominator scale together, so a small RSS gives a narrow interval only in
    proportion. :math:`R^2` itself says little here, since it compares the residuals
    with the growth of :math:`y` across the grid, not with the noise. The price is
    power: with few residual degrees of freedom the quantile is large
    (:math:`F_{1,1}(0.95) = 161`, :math:`F_{1,2}(0.95) = 18.5`, against
    :math:`\chi^2_1(0.95) = 3.84`), and the offset itself costs one parameter. As a
    diagnostic, :math:`s^2` should be about 1 when the model holds and the standard
    errors are right; the result reports it with the lack-of-fit p-value
    :math:`P(\chi^2_{J-3} > \mathrm{RSS}(\hat\theta))`. The weights are estimated, so
    with very few replicates per grid point (3, say) the interval undercovers somewhat
    (the user guide gives the simulated coverage); use 10 or more for a full run.
    At :math:`\theta` fixed to :math:`\theta_0` the result also stores the weighted fit
    :math:`(a, b)` and its weighted :math:`R^2` ("linear in :math:`x^{\theta_0}`").

    Parameters
    ----------
    name : str
        Registry key, e.g. ``"mmd-u-statistic"`` (letters, digits, ``.``, ``_``, ``-``).
    simulate : callable
        ``simulate(x, rng) -> float``: one replicate at grid value ``x`` (passed as given
        in ``grid``: an int stays an int) using the :class:`numpy.random.Generator`
        ``rng`` for all its randomness. To run in worker processes it must be picklable:
        a module-level function or a :func:`functools.partial` of one.
    grid : sequence of positive numbers
        Strictly increasing values of the swept variable, at least 3 (at least 4 for
        ``model="offset-power"``).
    predicted_exponent : float
        The exponent the paper predicts (:math:`b` of the log-log model,
        :math:`\theta` of the offset model).
    quantity : str, default "error"
        Label of the measured quantity (y axis).
    variable : str, default "n"
        Label of the swept variable (x axis).
    quick_grid : sequence of positive numbers, optional
        Smaller grid for quick runs; defaults to ``grid``.
    n_reps, quick_reps : int >= 2, default 100 and 20
        Replicates per grid point in full and quick runs.
    aggregate : {"mean", "rmse", "median"}, default "mean"
        How the replicates at a grid point are combined: :math:`\bar v`,
        :math:`\sqrt{\overline{v^2}}` or the median. Use ``"rmse"`` for signed errors.
    ci_level : float in (0, 1), default 0.95
    claim, reference, description : str
        The claim in words or maths, the paper, and a description of the instance.
    model : {"power", "offset-power"}, default "power"
        ``"power"``: OLS of :math:`\log y_j` on :math:`\log x_j`. ``"offset-power"``:
        weighted fit of :math:`y_j = a + b x_j^\theta` with the profile F interval of
        :math:`\theta` (see above). Use the offset model only for a claim of the form "y
        is linear in :math:`x^\theta`" (an additive constant that does not vanish on the
        grid); for a pure power law the log-log model has more power.
    exponent_range : (float, float), default (-3.0, 3.0)
        Search range :math:`[\theta_-, \theta_+]` of the offset model's exponent; must
        contain ``predicted_exponent`` strictly inside. Ignored by ``model="power"``.

    See Also
    --------
    LevelCheck : a claimed probability (size or coverage) at every grid value.

    Examples
    --------
    >>> from statkit.simulation import RateCheck
    >>> def error_of_mean(n, rng):
    ...     return rng.standard_normal(n).mean()
    >>> check = RateCheck("normal-mean", error_of_mean, grid=[16, 64, 256, 1024],
    ...                   predicted_exponent=-0.5, aggregate="rmse", n_reps=100)
    >>> result = check.run(random_state=0, progress=False)
    >>> result.verdict
    'PASS'
    >>> bool(result.ci[0] < -0.5 < result.ci[1])
    True

    A rate with an offset: :math:`y = -30 + x^{2/3}` plus noise. The log-log slope is
    biased upwards, the offset model recovers the exponent:

    >>> def offset_rate(x, rng):
    ...     return -30.0 + x ** (2 / 3) + 2.0 * rng.standard_normal()
    >>> grid = [1000, 2000, 4000, 8000, 16000, 32000]
    >>> RateCheck("loglog", offset_rate, grid, 2 / 3, n_reps=50).run(progress=False).verdict
    'FAIL'
    >>> offset = RateCheck("offset", offset_rate, grid, 2 / 3, n_reps=50, model="offset-power")
    >>> offset.run(progress=False).verdict
    'PASS'

    References
    ----------
    .. [1] Bates, D. M. and Watts, D. G. (1988). *Nonlinear Regression Analysis and Its
       Applications*. Wiley (likelihood and profile intervals for a parameter of a
       nonlinear model, and partially linear models).
    .. [2] Duan, C., Li, J. and Xia, D. (2024). Online policy learning and inference by
       matrix completion. arXiv:2404.17398 (the regret :math:`a + b T^{1 - \gamma}` that
       motivates the offset model).
    """

    def __init__(
        self,
        name,
        simulate,
        grid,
        predicted_exponent,
        *,
        quantity="error",
        variable="n",
        quick_grid=None,
        n_reps=100,
        quick_reps=20,
        aggregate="mean",
        ci_level=0.95,
        claim="",
        reference="",
        description="",
        model="power",
        exponent_range=(-3.0, 3.0),
    ):
        if not isinstance(model, str) or model not in _MODELS:
            raise ValueError(f"model must be one of {_MODELS}, got {model!r}")
        self.model = model
        self._init_common(
            name,
            simulate,
            grid,
            quantity=quantity,
            variable=variable,
            quick_grid=quick_grid,
            n_reps=n_reps,
            quick_reps=quick_reps,
            ci_level=ci_level,
            claim=claim,
            reference=reference,
            description=description,
            min_points=3,
        )
        if model == "offset-power":
            for label, g in (("grid", self.grid), ("quick_grid", self.quick_grid)):
                if len(g) < 4:
                    raise ValueError(
                        f"{label} must have at least 4 points for model='offset-power' (y = a + "
                        f"b x^theta has 3 parameters and its interval needs >= 1 residual "
                        f"degree of freedom), got {len(g)}"
                    )
        if isinstance(predicted_exponent, bool) or not isinstance(predicted_exponent, numbers.Real):
            raise TypeError(f"predicted_exponent must be a real number, got {predicted_exponent!r}")
        if not np.isfinite(predicted_exponent):
            raise ValueError(f"predicted_exponent must be finite, got {predicted_exponent}")
        self.predicted_exponent = float(predicted_exponent)
        if aggregate not in _AGGREGATES:
            raise ValueError(f"aggregate must be one of {_AGGREGATES}, got {aggregate!r}")
        self.aggregate = aggregate
        self.exponent_range = _check_exponent_range(exponent_range)
        lo, hi = self.exponent_range
        if model == "offset-power" and not lo < self.predicted_exponent < hi:
            raise ValueError(
                f"predicted_exponent must lie strictly inside exponent_range ({lo:g}, {hi:g}) "
                f"for model='offset-power', got {self.predicted_exponent:g}"
            )

    def _result_class(self):
        from ._result import RateCheckResult

        return RateCheckResult

    def _params_repr(self):
        text = (
            f"{super()._params_repr()}, predicted_exponent={self.predicted_exponent}, "
            f"aggregate={self.aggregate!r}"
        )
        if self.model != "power":
            text += f", model={self.model!r}"
        return text


class LevelCheck(_BaseCheck):
    r"""A claimed probability: :math:`E[\text{simulate}(x, \cdot)]` equals ``target`` at each ``x``.

    Typical use: the size of a test (``simulate`` returns the 0/1 rejection indicator
    under the null, ``target`` the nominal level) or the coverage of an interval.

    At grid value :math:`x_j` with replicates :math:`v_{j1}, \dots, v_{jR} \in [0, 1]`, the
    check forms a confidence interval for :math:`p_j = E[v_{j\cdot}]` at level
    :math:`1 - (1 - \gamma)/J` (Bonferroni over the :math:`J` grid points, so that all
    intervals hold together with probability at least :math:`\gamma` = ``ci_level``):

    * when every :math:`v_{ji}` is 0 or 1, the exact Clopper–Pearson interval for
      :math:`k = \sum_i v_{ji}` successes in :math:`R` trials,
      :math:`[B(\alpha/2;\, k, R - k + 1),\ B(1 - \alpha/2;\, k + 1, R - k)]` with
      :math:`B(q; a, b)` the beta quantile (lower end 0 when :math:`k = 0`, upper end 1 when
      :math:`k = R`);
    * otherwise the t interval :math:`\bar v \pm t_{1 - \alpha/2,\, R - 1}\, s / \sqrt R`,
      clipped to [0, 1].

    The check **passes** when ``target`` lies inside every interval.

    Parameters
    ----------
    name : str
        Registry key (letters, digits, ``.``, ``_``, ``-``).
    simulate : callable
        ``simulate(x, rng) -> float`` in [0, 1]; see :class:`RateCheck`.
    grid : sequence of positive numbers
        Strictly increasing, at least one value.
    target : float in [0, 1]
        The claimed probability.
    quantity : str, default "rejection rate"
    variable : str, default "n"
    quick_grid : sequence of positive numbers, optional
    n_reps, quick_reps : int >= 2, default 1000 and 200
    ci_level : float in (0, 1), default 0.95
        Joint (Bonferroni) level of the intervals.
    claim, reference, description : str

    Examples
    --------
    >>> from statkit.simulation import LevelCheck
    >>> def coin(n, rng):
    ...     return float(rng.random() < 0.3)
    >>> check = LevelCheck("coin", coin, grid=[1, 2], target=0.3, n_reps=500)
    >>> check.run(random_state=0, progress=False).verdict
    'PASS'
    """

    _bounds = (0.0, 1.0)

    def __init__(
        self,
        name,
        simulate,
        grid,
        target,
        *,
        quantity="rejection rate",
        variable="n",
        quick_grid=None,
        n_reps=1000,
        quick_reps=200,
        ci_level=0.95,
        claim="",
        reference="",
        description="",
    ):
        self._init_common(
            name,
            simulate,
            grid,
            quantity=quantity,
            variable=variable,
            quick_grid=quick_grid,
            n_reps=n_reps,
            quick_reps=quick_reps,
            ci_level=ci_level,
            claim=claim,
            reference=reference,
            description=description,
            min_points=1,
        )
        if isinstance(target, bool) or not isinstance(target, numbers.Real):
            raise TypeError(f"target must be a real number in [0, 1], got {target!r}")
        if not 0 <= target <= 1:  # also rejects NaN
            raise ValueError(f"target must lie in [0, 1], got {target}")
        self.target = float(target)

    def _result_class(self):
        from ._result import LevelCheckResult

        return LevelCheckResult

    def _params_repr(self):
        return f"{super()._params_repr()}, target={self.target}"
