r"""Phase-transition studies of robust tensor-train recovery (Qin and Zhu, arXiv:2410.15224).

:func:`phase_transition` measures, for every cell of a grid of sample ratios
:math:`m / \mathrm{dof}` and outlier fractions :math:`p_s`, how many of ``n_trials``
independent problems :class:`~statkit.tensor._robust_tt.RobustTTRecovery` recovers
exactly (relative error below ``threshold``, :math:`10^{-6}` by default). Each problem is a
:func:`~statkit.datasets._robust_tt.make_tt_recovery` instance: a TT-rank-:math:`r` truth
with Gaussian cores, a dense Gaussian operator with :math:`m` rows and outliers
:math:`s_i = 10 \max_j |y^0_j|\, U(-1, 1)` on :math:`\mathrm{round}(p_s m)` random
measurements, where

.. math::

    m = \mathrm{round}\big((m/\mathrm{dof}) \cdot \mathrm{dof}\big), \qquad
    \mathrm{dof} = \sum_{k=1}^{N} r_{k-1} d_k r_k - \sum_{k=1}^{N-1} r_k^2 .

:func:`outlier_breakdown` runs the same study for the l1 loss (PSubGM) and the l2 loss
(TT iterative hard thresholding) on the same instances, at one sample ratio.

Seeding (the contract the tests rebuild by hand): trial ``k`` of the cell with sample
ratio index ``i`` and outlier-fraction index ``j`` draws everything from
``rng = numpy.random.default_rng(SeedSequence(random_state, spawn_key=(i, j, k)))``:
first the instance, ``make_tt_recovery(order, mode_size, rank, m, p_s,
random_state=rng)``, then the estimator gets ``random_state=rng`` (only ``init="random"``
uses it). The counts therefore do not depend on ``n_jobs``, and two studies with the
same grids and ``random_state`` (say l1 and l2) see the same problems.

Measured [M] with the defaults (PSubGM, l1, :math:`N = 6, d = 4, r = 2`, dof 60, 20 trials
per cell, ``random_state=0``; 615 s on a shared 2-core machine), successes out of 20:

==============  ====  ====  ====  ====  ====
p_s, m/dof:     2     4     8     16    32
==============  ====  ====  ====  ====  ====
0               0     19    20    20    20
0.2             0     6     20    20    20
0.4             0     0     7     20    20
0.48            0     0     0     18    20
==============  ====  ====  ====  ====  ====
"""

import math
import numbers
import time
import warnings

import numpy as np

from statkit.utils import check_seed_sequence

__all__ = ["PhaseTransitionResult", "outlier_breakdown", "phase_transition"]


# --------------------------------------------------------------------------- validation


def _check_grid(values, name, *, low, high=None, low_open=False):
    if isinstance(values, numbers.Real) and not isinstance(values, bool):
        values = [values]
    try:
        values = list(values)
    except TypeError:
        raise TypeError(f"{name} must be a number or a sequence of numbers") from None
    if not values:
        raise ValueError(f"{name} must hold at least one value")
    out = []
    for v in values:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            raise TypeError(f"{name} must contain real numbers, got {v!r}")
        v = float(v)
        if not math.isfinite(v) or (v <= low if low_open else v < low):
            raise ValueError(f"{name} values must be {'>' if low_open else '>='} {low}, got {v}")
        if high is not None and v >= high:
            raise ValueError(f"{name} values must be < {high}, got {v}")
        out.append(v)
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must not repeat values, got {out}")
    return tuple(out)


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_random_state(random_state):
    if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral):
        raise TypeError(
            "random_state must be a non-negative int (a study must be reproducible), got "
            f"{random_state!r}"
        )
    check_seed_sequence(random_state)  # refuses negative integers
    return int(random_state)


# --------------------------------------------------------------------------- one trial


def trial_rng(random_state, i, j, k):
    """The generator of trial ``k`` in cell ``(i, j)`` (see the module docstring)."""
    return np.random.default_rng(np.random.SeedSequence(random_state, spawn_key=(i, j, k)))


def _one_trial(task, *, random_state, order, mode_size, rank, method, loss, params, threshold):
    from sklearn.exceptions import ConvergenceWarning

    from statkit.datasets._robust_tt import make_tt_recovery

    from ._robust_tt import RobustTTRecovery

    i, j, k, m, p_s = task
    rng = trial_rng(random_state, i, j, k)
    inst = make_tt_recovery(order, mode_size, rank, m, p_s, random_state=rng)
    est = RobustTTRecovery(rank, method=method, loss=loss, random_state=rng, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(inst.operator, inst.y)
    err = float(np.linalg.norm(est.tensor_ - inst.tensor) / np.linalg.norm(inst.tensor))
    return i, j, k, err, int(est.n_iter_), bool(err < threshold)


# --------------------------------------------------------------------------- result


class PhaseTransitionResult:
    r"""Success counts of :func:`phase_transition`.

    Attributes
    ----------
    m_over_dof : tuple of float
        Sample ratios (columns of the heat map).
    outlier_fraction : tuple of float
        :math:`p_s` values (rows).
    m : ndarray of int, shape (n_m,)
        Measurements used for each sample ratio.
    dof : int
    n_trials : int
    successes : ndarray of int, shape (n_p, n_m)
        Trials with relative error below ``threshold``; row ``j`` is
        ``outlier_fraction[j]``, column ``i`` is ``m_over_dof[i]``.
    success_rate : ndarray of float, shape (n_p, n_m)
    errors : ndarray of float, shape (n_p, n_m, n_trials)
        Final relative errors :math:`\|\hat X - X^\star\|_F / \|X^\star\|_F`.
    n_iter : ndarray of int, shape (n_p, n_m, n_trials)
    table : pandas.DataFrame
        One row per cell: ``outlier_fraction, m_over_dof, m, n_trials, n_success,
        success_rate, median_error, median_n_iter``.
    params : dict
        The study's settings (order, mode size, rank, method, loss, estimator
        parameters, threshold, random_state).
    wall_time : float
        Seconds.
    """

    def __init__(self, *, m_over_dof, outlier_fraction, m, dof, errors, n_iter, params, wall):
        import pandas as pd

        self.m_over_dof = tuple(m_over_dof)
        self.outlier_fraction = tuple(outlier_fraction)
        self.m = np.asarray(m, dtype=np.int64)
        self.dof = int(dof)
        self.errors = errors
        self.n_iter = n_iter
        self.n_trials = int(errors.shape[2])
        self.params = dict(params)
        self.threshold = float(params["threshold"])
        self.successes = (errors < self.threshold).sum(axis=2).astype(np.int64)
        self.success_rate = self.successes / self.n_trials
        self.wall_time = float(wall)
        rows = []
        for j, p_s in enumerate(self.outlier_fraction):
            for i, ratio in enumerate(self.m_over_dof):
                rows.append(
                    {
                        "outlier_fraction": p_s,
                        "m_over_dof": ratio,
                        "m": int(self.m[i]),
                        "n_trials": self.n_trials,
                        "n_success": int(self.successes[j, i]),
                        "success_rate": float(self.success_rate[j, i]),
                        "median_error": float(np.median(errors[j, i])),
                        "median_n_iter": float(np.median(n_iter[j, i])),
                    }
                )
        self.table = pd.DataFrame(rows)

    def counts_frame(self):
        """The success counts as a p_s x (m/dof) :class:`pandas.DataFrame` of ``"k/n"``."""
        import pandas as pd

        cells = [[f"{int(k)}/{self.n_trials}" for k in row] for row in self.successes]
        return pd.DataFrame(
            cells,
            index=pd.Index(self.outlier_fraction, name="p_s"),
            columns=pd.Index(self.m_over_dof, name="m/dof"),
        )

    def summary(self):
        """The grid of success counts as a printable
        :class:`~statkit.simulation.Summary` (HTML in a notebook)."""
        from statkit.simulation import Summary

        p = self.params
        header = [
            (
                "Problem",
                f"N={p['order']}, d={p['mode_size']}, r={p['rank']}, dof={self.dof}, dense "
                "Gaussian operator, outliers 10 max|y0| U(-1, 1)",
            ),
            (
                "Method",
                f"{p['method']} ({p['loss']}), estimator params {p['estimator_params'] or {}}",
            ),
            (
                "Success",
                f"relative error < {self.threshold:g}; {self.n_trials} trials per cell, "
                f"random_state={p['random_state']}, {self.wall_time:.1f} s",
            ),
        ]
        columns = ["p_s \\ m/dof", *(f"{r:g}" for r in self.m_over_dof)]
        rows = [
            [f"{p_s:g}", *(f"{int(k)}/{self.n_trials}" for k in self.successes[j])]
            for j, p_s in enumerate(self.outlier_fraction)
        ]
        footer = [("m", ", ".join(str(int(v)) for v in self.m))]
        return Summary("Phase transition of robust TT recovery", header, columns, rows, footer)

    def __repr__(self):
        return (
            f"PhaseTransitionResult(m_over_dof={list(self.m_over_dof)}, "
            f"outlier_fraction={list(self.outlier_fraction)}, n_trials={self.n_trials})"
        )

    def plot(self, ax=None, annotate=True, cmap="viridis"):
        """Heat map of the success rate over (m/dof, p_s), one cell per grid point.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            A new figure is created if omitted.
        annotate : bool, default True
            Write ``k/n`` in every cell.
        cmap : str, default "viridis"

        Returns
        -------
        matplotlib.axes.Axes
        """
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots()
        image = ax.imshow(
            self.success_rate,
            origin="lower",
            aspect="auto",
            vmin=0.0,
            vmax=1.0,
            cmap=cmap,
            interpolation="nearest",
        )
        ax.set_xticks(range(len(self.m_over_dof)), [f"{r:g}" for r in self.m_over_dof])
        ax.set_yticks(range(len(self.outlier_fraction)), [f"{p:g}" for p in self.outlier_fraction])
        ax.set_xlabel("m / dof")
        ax.set_ylabel("outlier fraction $p_s$")
        p = self.params
        ax.set_title(
            f"{p['method']} ({p['loss']}): rel. error < {self.threshold:g}, "
            f"{self.n_trials} trials/cell",
            fontsize="medium",
        )
        if annotate:
            for j in range(len(self.outlier_fraction)):
                for i in range(len(self.m_over_dof)):
                    rate = self.success_rate[j, i]
                    ax.text(
                        i,
                        j,
                        f"{int(self.successes[j, i])}/{self.n_trials}",
                        ha="center",
                        va="center",
                        color="black" if rate > 0.6 else "white",
                        fontsize="small",
                    )
        ax.figure.colorbar(image, ax=ax, label="success rate")
        return ax


# --------------------------------------------------------------------------- studies


def phase_transition(
    m_over_dof=(2, 4, 8, 16, 32),
    outlier_fraction=(0.0, 0.2, 0.4, 0.48),
    n_trials=10,
    order=6,
    mode_size=4,
    rank=2,
    method="psubgm",
    loss="l1",
    threshold=1e-6,
    estimator_params=None,
    random_state=0,
    n_jobs=1,
):
    r"""Success rates of robust TT recovery over a grid of :math:`m/\mathrm{dof}` and
    :math:`p_s`.

    Parameters
    ----------
    m_over_dof : float or sequence of float > 0, default (2, 4, 8, 16, 32)
        Sample ratios; :math:`m = \mathrm{round}(\text{ratio} \cdot \mathrm{dof})`
        (at least 1).
    outlier_fraction : float or sequence of float in [0, 0.5), default (0, 0.2, 0.4, 0.48)
        :math:`p_s`.
    n_trials : int >= 1, default 10
        Independent problems per cell.
    order, mode_size, rank : int, default 6, 4, 2
        :math:`N`, :math:`d` and the TT ranks of the truth and of the estimator.
    method : {"psubgm", "frsubgm"}, default "psubgm"
    loss : {"l1", "l2"}, default "l1"
        ``"l2"`` is the non-robust baseline (TT-IHT with ``method="psubgm"``).
    threshold : float > 0, default 1e-6
        A trial succeeds when its relative error is below it.
    estimator_params : dict, optional
        Further :class:`~statkit.tensor._robust_tt.RobustTTRecovery` parameters (e.g.
        ``max_iter``, ``decay``, ``preconditioned``); the estimator's defaults otherwise.
    random_state : int >= 0, default 0
        Root seed; see the module docstring for how trials are seeded.
    n_jobs : int, default 1
        Worker processes (joblib; ``-1``: all cores). The result does not depend on it.

    Returns
    -------
    PhaseTransitionResult

    Examples
    --------
    >>> from statkit.tensor._robust_tt_study import phase_transition
    >>> res = phase_transition([8], [0.2], n_trials=2, order=4, mode_size=3)
    >>> res.successes.shape, res.m.tolist(), res.dof
    ((1, 1), [192], 24)
    """
    from ._robust_tt import RobustTTRecovery
    from ._tt import check_tt_ranks, tt_dof

    ratios = _check_grid(m_over_dof, "m_over_dof", low=0.0, low_open=True)
    fractions = _check_grid(outlier_fraction, "outlier_fraction", low=0.0, high=0.5)
    n_trials = _check_int(n_trials, "n_trials", 1)
    order = _check_int(order, "order", 1)
    mode_size = _check_int(mode_size, "mode_size", 1)
    shape = (mode_size,) * order
    check_tt_ranks(rank, shape)
    threshold = float(threshold)
    if not (math.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold must be a finite number > 0, got {threshold}")
    params = {} if estimator_params is None else dict(estimator_params)
    reserved = {"ranks", "method", "loss", "random_state"} & set(params)
    if reserved:
        raise ValueError(
            f"estimator_params must not set {sorted(reserved)}: they are arguments of "
            "phase_transition (random_state seeds every trial)"
        )
    # let the estimator validate method, loss and the extra parameters before any work
    RobustTTRecovery(rank, method=method, loss=loss, **params)._validate_params()
    random_state = _check_random_state(random_state)
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0:
        raise ValueError(f"n_jobs must be a nonzero integer, got {n_jobs!r}")

    dof = tt_dof(shape, rank)
    ms = [max(1, round(r * dof)) for r in ratios]
    tasks = [
        (i, j, k, ms[i], fractions[j])
        for k in range(n_trials)
        for j in range(len(fractions))
        for i in range(len(ratios))
    ]
    kwargs = {
        "random_state": random_state,
        "order": order,
        "mode_size": mode_size,
        "rank": rank,
        "method": method,
        "loss": loss,
        "params": params,
        "threshold": threshold,
    }
    start = time.perf_counter()
    if n_jobs == 1:
        results = [_one_trial(t, **kwargs) for t in tasks]
    else:
        from functools import partial

        from joblib import Parallel, delayed

        fn = partial(_one_trial, **kwargs)
        results = Parallel(n_jobs=int(n_jobs))(delayed(fn)(t) for t in tasks)
    errors = np.empty((len(fractions), len(ratios), n_trials))
    n_iter = np.empty((len(fractions), len(ratios), n_trials), dtype=np.int64)
    for i, j, k, err, it, _ in results:
        errors[j, i, k] = err
        n_iter[j, i, k] = it
    return PhaseTransitionResult(
        m_over_dof=ratios,
        outlier_fraction=fractions,
        m=ms,
        dof=dof,
        errors=errors,
        n_iter=n_iter,
        params={
            "order": order,
            "mode_size": mode_size,
            "rank": rank,
            "method": method,
            "loss": loss,
            "estimator_params": params,
            "threshold": threshold,
            "random_state": random_state,
        },
        wall=time.perf_counter() - start,
    )


def outlier_breakdown(
    outlier_fraction=(0.0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.45),
    m_over_dof=16,
    n_trials=10,
    order=6,
    mode_size=4,
    rank=2,
    threshold=1e-6,
    estimator_params=None,
    random_state=0,
    n_jobs=1,
):
    r"""l1 (PSubGM) against l2 (TT-IHT) success rates on the same instances, by :math:`p_s`.

    Runs :func:`phase_transition` at one sample ratio with ``loss="l1"`` and
    ``loss="l2"`` (``method="psubgm"``, the estimator's default steps for each loss) and
    the same ``random_state``, so trial ``k`` at a given :math:`p_s` is the same problem
    for both losses.

    Parameters
    ----------
    outlier_fraction : sequence of float in [0, 0.5)
    m_over_dof : float > 0, default 16
    n_trials, order, mode_size, rank, threshold, estimator_params, random_state, n_jobs
        As in :func:`phase_transition` (``estimator_params`` go to both fits).

    Returns
    -------
    pandas.DataFrame
        One row per :math:`p_s`: ``outlier_fraction, m, n_trials, l1_success,
        l2_success`` (counts), ``l1_rate, l2_rate``, ``l1_median_error,
        l2_median_error``.
    """
    import pandas as pd

    ratio = _check_grid(m_over_dof, "m_over_dof", low=0.0, low_open=True)
    if len(ratio) != 1:
        raise ValueError(f"m_over_dof must be one number, got {list(ratio)}")
    common = {
        "m_over_dof": ratio,
        "outlier_fraction": outlier_fraction,
        "n_trials": n_trials,
        "order": order,
        "mode_size": mode_size,
        "rank": rank,
        "method": "psubgm",
        "threshold": threshold,
        "estimator_params": estimator_params,
        "random_state": random_state,
        "n_jobs": n_jobs,
    }
    l1 = phase_transition(loss="l1", **common)
    l2 = phase_transition(loss="l2", **common)
    return pd.DataFrame(
        {
            "outlier_fraction": l1.outlier_fraction,
            "m": int(l1.m[0]),
            "n_trials": l1.n_trials,
            "l1_success": l1.successes[:, 0],
            "l2_success": l2.successes[:, 0],
            "l1_rate": l1.success_rate[:, 0],
            "l2_rate": l2.success_rate[:, 0],
            "l1_median_error": np.median(l1.errors[:, 0], axis=1),
            "l2_median_error": np.median(l2.errors[:, 0], axis=1),
        }
    )
