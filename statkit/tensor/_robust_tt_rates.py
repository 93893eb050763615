r"""Rate and level checks for robust tensor-train recovery (Qin and Zhu, arXiv:2410.15224).

The paper's body was not available (statkit's method note ``robust_tt.md``, §3): the
claims below are the abstract's [V] in the quantitative form the note reconstructs [R].
Every instance is :func:`~statkit.datasets._robust_tt.make_tt_recovery` (Gaussian cores,
dense Gaussian operator, outliers :math:`s_i = 10 \max_j |y^0_j|\,U(-1, 1)` on
:math:`\mathrm{round}(p_s m)` random measurements) fitted by
:class:`~statkit.tensor._robust_tt.RobustTTRecovery` with its default steps and the
truncated spectral initialisation; success means a relative error below :math:`10^{-6}`.

``tt-linear-convergence`` (:class:`~statkit.simulation.RateCheck`)
    PSubGM with geometric steps :math:`\mu_t = \lambda q^t` converges linearly,
    :math:`\|X_t - X^\star\|_F \le C q^t`, and in practice the observed rate *is* the step
    decay :math:`q` once :math:`q \ge q_{\min}(p_s)` (note §3.3, §4.1). The claim is
    semilogarithmic, :math:`\log e_t = a + t \log q`, and the engine fits log-log slopes,
    so the swept variable is the step ratio :math:`x_t = \mu_0 / \mu_t = q^{-t}`:
    :math:`\log x_t = -t \log q` and :math:`e_t \propto q^t = x_t^{-1}`, a log-log slope of
    exactly :math:`-1`. A fitted slope :math:`\hat b` is the fitted per-iteration factor
    :math:`\hat q = q^{-\hat b}` (:func:`convergence_factor`). Each replicate at :math:`t`
    is an independent problem run for exactly :math:`t` iterations (``tol=0``). Instance:
    :math:`N = 6, d = 4, r = 2` (dof 60), :math:`m = 8\,\mathrm{dof} = 480`,
    :math:`p_s = 0.2`, :math:`q = 0.9`, :math:`\lambda = 0.5 \|X_0\|_F` (the defaults);
    :math:`t = 20, 40, \dots, 180` (the median error stays above :math:`10^{-9}`).
    Measured [M] (seed 0, 30 replicates): slope :math:`-0.9993`, 95% CI
    :math:`[-1.0027, -0.9960]`, i.e. :math:`\hat q = 0.90006` in :math:`[0.89975, 0.90038]`:
    PASS.

``tt-sample-complexity-n`` (:class:`~statkit.simulation.RateCheck`)
    The l1/l2-RIP holds once :math:`m` grows linearly in :math:`N` at fixed :math:`d, r`
    (abstract [V]; the note's reconstructed bound is :math:`m \gtrsim N d r^2 \log(N r)`).
    One replicate is the number of measurements one random problem needs: the smallest
    :math:`m` at which PSubGM succeeds, found by bisection (:func:`measurements_needed`);
    its median over replicates is :math:`m_{50}`, the :math:`m` at which the success rate
    reaches 50%. Predicted log-log slope in :math:`N`: 1. Instance: :math:`d = 3, r = 2`,
    :math:`p_s = 0.2`, :math:`N = 4, \dots, 8` (dof :math:`= 8(N - 1)`: a requirement
    proportional to the dof rather than to :math:`N` would show an apparent slope of
    about 1.2 on this grid, and the :math:`\log N` factor of the bound a further rise;
    :func:`sample_complexity_fits` reports the slope against the dof as well). At
    :math:`N = 4`, :math:`D = 81` is close to the measured :math:`m_{50}`.
    Measured [M] (seed 0, 20 replicates): :math:`m_{50} = 89, 124, 159, 213, 284`
    (:math:`m_{50}/\mathrm{dof} = 3.7 \to 5.1`), slope 1.647, 95% CI
    :math:`[1.366, 1.927]`: **FAIL** (against the dof: 1.345 :math:`[1.065, 1.624]`). The
    end-to-end requirement includes the truncated spectral initialisation, whose error at
    a fixed :math:`m/\mathrm{dof}` grows with :math:`N` (median 0.80 at :math:`N = 4` to
    1.33 at :math:`N = 8`, :math:`m = 4\,\mathrm{dof}`). From a local initialisation
    (relative error 0.1, :math:`\lambda = 0.05\|X_0\|_F, q = 0.98`; 6 problems per
    :math:`N`, a diagnostic, not registered) :math:`m_{50}/\mathrm{dof}` stayed at
    2.44-2.56 for :math:`N = 4, \dots, 8`: slope 1.03 :math:`[0.93, 1.13]` against the
    dof, 1.25 :math:`[1.09, 1.42]` against :math:`N`.

``tt-l1-outlier-robustness``, ``tt-l2-outlier-breakdown`` (:class:`~statkit.simulation.LevelCheck`)
    The l1 loss recovers the truth exactly "even when up to half of the measurements are
    arbitrarily corrupted" (abstract [V]); the note's pilot [M]: PSubGM exact up to
    :math:`p_s = 0.45` while l2 TT-IHT fails from :math:`p_s = 0.01` on. At
    :math:`m = 16\,\mathrm{dof}` (:math:`N = 6, d = 4, r = 2`, :math:`m = 960`) and
    :math:`p_s \in \{0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.45\}` the success probability of
    l1-PSubGM should be 1 and that of l2-IHT 0 (Clopper–Pearson intervals, Bonferroni
    over the grid, so target 1 passes only if every trial succeeds and target 0 only if
    none does). Both checks draw the same problem for the same grid index and replicate.
    Both losses use the estimator's default steps and ``max_iter=500``.
    :func:`~statkit.tensor._robust_tt_study.outlier_breakdown` gives the paired table
    including :math:`p_s = 0`. Measured [M] (seed 0, 20 replicates per :math:`p_s`): l1
    140/140 successes, l2 0/140: both PASS; ``outlier_breakdown`` (10 trials): l2 10/10 at
    :math:`p_s = 0` and median relative error 0.78 at :math:`p_s = 0.01`, 2.6 at 0.1, 5.4
    at 0.45.
"""

import math
import warnings

import numpy as np

from statkit.simulation import LevelCheck, RateCheck

__all__ = [
    "TT_L1_OUTLIER_ROBUSTNESS",
    "TT_L2_OUTLIER_BREAKDOWN",
    "TT_LINEAR_CONVERGENCE",
    "TT_SAMPLE_COMPLEXITY_N",
    "convergence_factor",
    "measurements_needed",
    "sample_complexity_fits",
]

_REFERENCE = (
    "Qin, Zhu (2024). Robust low-rank tensor train recovery. arXiv:2410.15224 (claims "
    "from the abstract; quantitative form reconstructed: statkit method note robust_tt.md)"
)
THRESHOLD = 1e-6  # success: relative error below this


def _fit(inst, rank, **params):
    from sklearn.exceptions import ConvergenceWarning

    from ._robust_tt import RobustTTRecovery

    est = RobustTTRecovery(rank, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(inst.operator, inst.y)
    return float(np.linalg.norm(est.tensor_ - inst.tensor) / np.linalg.norm(inst.tensor))


# --------------------------------------------------------------------------- (a) linear rate

CONV_ORDER, CONV_MODE, CONV_RANK, CONV_RATIO, CONV_P = 6, 4, 2, 8, 0.2
CONV_DECAY = 0.9  # RobustTTRecovery's default for PSubGM with the l1 loss
CONV_STEP_SCALE = 0.5  # its default lambda / ||X_0||_F


def _iterations(x, q=CONV_DECAY):
    """t from the grid value x = q^-t."""
    return round(math.log(x) / -math.log(q))


def _step_ratio(t, q=CONV_DECAY):
    return float(q ** (-t))


def psubgm_error_after(x, rng):
    """Relative error of PSubGM after ``t`` iterations, ``x = 0.9**-t`` (one problem)."""
    from statkit.datasets._robust_tt import make_tt_recovery

    from ._tt import tt_dof

    t = _iterations(x)
    m = CONV_RATIO * tt_dof((CONV_MODE,) * CONV_ORDER, CONV_RANK)
    inst = make_tt_recovery(CONV_ORDER, CONV_MODE, CONV_RANK, m, CONV_P, random_state=rng)
    return _fit(
        inst,
        CONV_RANK,
        decay=CONV_DECAY,
        step_scale=CONV_STEP_SCALE,
        max_iter=t,
        tol=0.0,
    )


TT_LINEAR_CONVERGENCE = RateCheck(
    "tt-linear-convergence",
    psubgm_error_after,
    grid=[_step_ratio(t) for t in range(20, 181, 20)],
    quick_grid=[_step_ratio(t) for t in (20, 60, 100)],
    predicted_exponent=-1.0,
    quantity="relative error of PSubGM after t iterations",
    variable="mu_0/mu_t = 0.9^-t",
    n_reps=30,
    quick_reps=2,
    aggregate="median",
    claim=(
        "linear convergence at the step decay: error_t ~ C q^t with q = 0.9, i.e. slope -1 "
        "of log error on log(mu_0/mu_t) = -t log q (fitted factor q_hat = q^-slope)"
    ),
    reference=_REFERENCE,
    description=(
        "PSubGM (l1, lambda = 0.5 ||X_0||, q = 0.9, spectral init) on N = 6, d = 4, r = 2 "
        "TT tensors (dof 60), m = 480 dense Gaussian measurements, 20% outliers "
        "10 max|y0| U(-1, 1); t = 20, 40, ..., 180, each replicate a new problem run for "
        "exactly t iterations."
    ),
)


def convergence_factor(result, decay=CONV_DECAY):
    r"""The fitted per-iteration factor :math:`\hat q = q^{-\hat b}` of a
    ``tt-linear-convergence`` result, with its confidence interval.

    Parameters
    ----------
    result : RateCheckResult
        Of :data:`TT_LINEAR_CONVERGENCE` (variable :math:`q^{-t}`).
    decay : float, default 0.9
        The :math:`q` of the grid.

    Returns
    -------
    dict
        ``q`` (the step decay), ``q_hat``, ``ci`` (the slope's interval mapped by
        :math:`b \mapsto q^{-b}`, increasing in :math:`b`), ``log_q``, ``log_q_hat``.
    """
    lo, hi = result.ci
    return {
        "q": float(decay),
        "q_hat": float(decay ** (-result.slope)),
        "ci": (float(decay ** (-lo)), float(decay ** (-hi))),
        "log_q": math.log(decay),
        "log_q_hat": -result.slope * math.log(decay),
    }


# --------------------------------------------------------------------------- (b) m vs N

SC_MODE, SC_RANK, SC_P = 3, 2, 0.2


def measurements_needed(
    order,
    rng,
    *,
    mode_size=SC_MODE,
    rank=SC_RANK,
    outlier_fraction=SC_P,
    low=1.0,
    high=32.0,
    rel_tol=0.05,
    threshold=THRESHOLD,
    estimator_params=None,
):
    r"""Number of measurements one random problem needs for exact recovery, by bisection.

    One seed is drawn from ``rng``; every probe :math:`m` uses
    ``make_tt_recovery(order, mode_size, rank, m, outlier_fraction, random_state=seed)``,
    so the truth is the same for all :math:`m` and the operator's rows are nested (the
    first :math:`m` rows of the same Gaussian stream); the outlier support is redrawn at
    each :math:`m` (exactly :math:`\mathrm{round}(p_s m)` outliers). Starting from the
    bracket :math:`[\text{low}\cdot\mathrm{dof}, \text{high}\cdot\mathrm{dof}]` (the lower
    end assumed to fail, the upper to succeed; neither is fitted) the geometric midpoint is
    fitted and replaces the end with the same outcome until ``hi / lo <= 1 + rel_tol``.

    Returns
    -------
    int
        The smallest probe that succeeded: the number of measurements needed, up to a
        factor ``1 + rel_tol``; ``high * dof`` means no probe succeeded (censored).
    """
    from statkit.datasets._robust_tt import make_tt_recovery

    from ._tt import tt_dof

    dof = tt_dof((mode_size,) * order, rank)
    seed = int(rng.integers(0, 2**63))
    params = {"max_iter": 300, **(estimator_params or {})}
    lo = max(1, round(low * dof))
    hi = round(high * dof)
    while hi > lo * (1 + rel_tol):
        mid = round(math.sqrt(lo * hi))
        if mid in (lo, hi):
            break
        inst = make_tt_recovery(order, mode_size, rank, mid, outlier_fraction, random_state=seed)
        if _fit(inst, rank, **params) < threshold:
            hi = mid
        else:
            lo = mid
    return int(hi)


def sample_complexity_of_order(order, rng):
    """One replicate of ``tt-sample-complexity-n``: :func:`measurements_needed` at N."""
    return float(measurements_needed(int(order), rng))


TT_SAMPLE_COMPLEXITY_N = RateCheck(
    "tt-sample-complexity-n",
    sample_complexity_of_order,
    grid=[4, 5, 6, 7, 8],
    quick_grid=[4, 5, 6],
    predicted_exponent=1.0,
    quantity="measurements needed for exact recovery (median: m_50)",
    variable="N",
    n_reps=20,
    quick_reps=2,
    aggregate="median",
    claim="m needed grows linearly in the order N at fixed d, r: slope 1 of log m_50 on log N",
    reference=_REFERENCE,
    description=(
        "PSubGM (l1, defaults, max_iter 300) on N-th order TT tensors, d = 3, r = 2 "
        "(dof 8(N - 1)), 20% outliers; per replicate the smallest m (bisection over "
        "[dof, 32 dof] to 5%) with relative error < 1e-6."
    ),
)


def sample_complexity_fits(result, mode_size=SC_MODE, rank=SC_RANK, quantile=0.9):
    r"""Slope fits of a ``tt-sample-complexity-n`` result against :math:`N` and against the
    dof, for :math:`m_{50}` (the medians) and for the ``quantile`` of the per-problem
    requirements (:math:`m_{90}` by default).

    Returns
    -------
    dict
        ``table`` (a DataFrame: ``N, dof, m50, m50_over_dof, m_q, m_q_over_dof``), and
        for each of ``"m50_vs_N", "m50_vs_dof", "mq_vs_N", "mq_vs_dof"`` a dict with
        ``slope`` and ``ci`` (OLS t interval at the check's level).
    """
    import pandas as pd

    from statkit.simulation._result import fit_loglog

    from ._tt import tt_dof

    orders = np.array(result.grid, dtype=float)
    dofs = np.array([tt_dof((mode_size,) * int(n), rank) for n in result.grid], dtype=float)
    groups = result._groups()
    m50 = np.array([np.median(v) for v in groups])
    mq = np.array([np.quantile(v, quantile) for v in groups])
    out = {
        "table": pd.DataFrame(
            {
                "N": orders.astype(int),
                "dof": dofs.astype(int),
                "m50": m50,
                "m50_over_dof": m50 / dofs,
                "m_q": mq,
                "m_q_over_dof": mq / dofs,
            }
        )
    }
    for name, y in (("m50", m50), ("mq", mq)):
        for xname, x in (("N", orders), ("dof", dofs)):
            _, slope, ci, _ = fit_loglog(x, y, result.ci_level)
            out[f"{name}_vs_{xname}"] = {"slope": slope, "ci": ci}
    return out


# --------------------------------------------------------------------------- (c) l1 vs l2

BD_ORDER, BD_MODE, BD_RANK, BD_RATIO, BD_MAX_ITER = 6, 4, 2, 16, 500
_BD_GRID = [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.45]


def _breakdown_success(p_s, rng, loss):
    from statkit.datasets._robust_tt import make_tt_recovery

    from ._tt import tt_dof

    m = BD_RATIO * tt_dof((BD_MODE,) * BD_ORDER, BD_RANK)
    inst = make_tt_recovery(BD_ORDER, BD_MODE, BD_RANK, m, float(p_s), random_state=rng)
    return float(_fit(inst, BD_RANK, loss=loss, max_iter=BD_MAX_ITER) < THRESHOLD)


def l1_success(p_s, rng):
    """1 if l1-PSubGM recovers one problem at outlier fraction ``p_s`` (m = 16 dof)."""
    return _breakdown_success(p_s, rng, "l1")


def l2_success(p_s, rng):
    """1 if l2 TT-IHT recovers one problem at outlier fraction ``p_s`` (m = 16 dof)."""
    return _breakdown_success(p_s, rng, "l2")


_BD_DESCRIPTION = (
    "{method} (defaults, max_iter 500, spectral init) on N = 6, d = 4, r = 2 TT tensors, "
    "m = 16 dof = 960 dense Gaussian measurements, outliers 10 max|y0| U(-1, 1) on a "
    "p_s fraction; success = relative error < 1e-6."
)

TT_L1_OUTLIER_ROBUSTNESS = LevelCheck(
    "tt-l1-outlier-robustness",
    l1_success,
    grid=_BD_GRID,
    quick_grid=[0.01, 0.2, 0.45],
    target=1.0,
    quantity="success rate of l1-PSubGM",
    variable="p_s",
    n_reps=20,
    quick_reps=2,
    claim="the l1 loss recovers X* exactly for outlier fractions up to p_s = 0.45",
    reference=_REFERENCE,
    description=_BD_DESCRIPTION.format(method="PSubGM with the l1 loss"),
)

TT_L2_OUTLIER_BREAKDOWN = LevelCheck(
    "tt-l2-outlier-breakdown",
    l2_success,
    grid=_BD_GRID,
    quick_grid=[0.01, 0.1],
    target=0.0,
    quantity="success rate of l2-IHT",
    variable="p_s",
    n_reps=20,
    quick_reps=2,
    claim="the l2 baseline (TT-IHT) fails from p_s = 0.01 on (success probability 0)",
    reference=_REFERENCE,
    description=_BD_DESCRIPTION.format(method="TT-IHT (PSubGM with the l2 loss)"),
)
