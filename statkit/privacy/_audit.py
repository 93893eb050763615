r"""Black-box privacy auditing: an empirical lower bound on a mechanism's epsilon.

If :math:`M` is :math:`(\varepsilon, \delta)`-DP then every rejection region :math:`S`
satisfies, for neighbouring :math:`D, D'`,

.. math::

    \mathrm{TPR} = P[M(D) \in S] \le e^{\varepsilon}\, P[M(D') \in S] + \delta
    = e^{\varepsilon}\,\mathrm{FPR} + \delta,

and, for the complement,
:math:`1 - \mathrm{FPR} \le e^{\varepsilon}(1 - \mathrm{TPR}) + \delta`. Running the
mechanism many times on both datasets and bounding the two rates with Clopper–Pearson
intervals turns any region into a statistically valid lower bound on :math:`\varepsilon`
(Jagielski, Ullman & Oprea 2020; Nasr et al. 2021). A lower bound above the claimed
:math:`\varepsilon` proves, at the stated confidence, that the claim is false.
"""

import math
import numbers

import numpy as np

from statkit.utils import check_positive, check_random_state

__all__ = ["PrivacyAuditResult", "audit_epsilon", "gaussian_lr_thresholds"]

_CHUNK = 100_000


def gaussian_lr_thresholds(value_D, value_D_prime, sigma, epsilons):
    r"""Likelihood-ratio optimal thresholds for auditing a 1-D Gaussian release.

    For outputs :math:`N(f(D), \sigma^2)` against :math:`N(f(D'), \sigma^2)` with
    :math:`\Delta = f(D) - f(D') > 0`, the log likelihood ratio is increasing in the output
    :math:`x`, and the region :math:`\{\log LR > \varepsilon'\}` (the Neyman–Pearson region
    that attains :math:`\delta(\varepsilon')`, Balle & Wang 2018) is :math:`\{x > c\}` with

    .. math::

        c(\varepsilon') = \frac{f(D) + f(D')}{2} + \frac{\varepsilon' \sigma^2}{\Delta}.

    Parameters
    ----------
    value_D, value_D_prime : float
        The exact statistic on the two datasets; ``value_D`` must be the larger.
    sigma : float
        Noise sd to design the thresholds for (typically the claimed one), > 0.
    epsilons : float or sequence of float
        The :math:`\varepsilon'` values, finite.

    Returns
    -------
    ndarray
        One threshold per :math:`\varepsilon'`.

    Notes
    -----
    With finitely many trials the best audit threshold lies well below
    :math:`c(\varepsilon)` at the claimed :math:`\varepsilon`: far in the tail both rates
    are too small to bound. A grid of :math:`\varepsilon'` below the claim, fixed before
    the audit, is the usual choice.
    """
    hi = float(value_D)
    lo = float(value_D_prime)
    if not (math.isfinite(hi) and math.isfinite(lo)) or hi <= lo:
        raise ValueError(f"value_D must be finite and larger than value_D_prime, got {hi} and {lo}")
    sigma = check_positive(sigma, "sigma")
    eps = np.atleast_1d(np.asarray(epsilons, dtype=float))
    if eps.ndim != 1 or not np.isfinite(eps).all():
        raise ValueError(f"epsilons must be a finite scalar or 1-D sequence, got {epsilons}")
    return (hi + lo) / 2 + eps * sigma**2 / (hi - lo)


def _scores(mechanism_fn, data, statistic, n_trials, rng, vectorized, name):
    if vectorized:
        parts, done = [], 0
        while done < n_trials:
            size = min(_CHUNK, n_trials - done)
            out = mechanism_fn(data, rng, size)
            s = np.asarray(out if statistic is None else statistic(out), dtype=float)
            s = s.reshape(-1) if statistic is None and s.ndim > 1 and s.size == size else s
            if s.shape != (size,):
                raise ValueError(
                    f"with vectorized=True the scores of a batch of {size} runs on {name} "
                    f"must have shape ({size},), got {s.shape}"
                )
            parts.append(s)
            done += size
        scores = np.concatenate(parts)
    else:
        scores = np.empty(n_trials)
        for t in range(n_trials):
            out = mechanism_fn(data, rng)
            s = np.asarray(out if statistic is None else statistic(out), dtype=float)
            if s.size != 1:
                raise ValueError(
                    "the statistic must be a scalar; with statistic=None the mechanism's "
                    f"output itself must be, got shape {s.shape} on {name}"
                )
            scores[t] = s.reshape(())
    if not np.isfinite(scores).all():
        raise ValueError(f"the statistic is NaN or inf on some outputs of the mechanism on {name}")
    return scores


def _log_ratio(num, den):
    if num <= 0:
        return -math.inf
    if den <= 0:  # not reachable with Clopper-Pearson bounds (upper bound > 0)
        return math.inf
    return math.log(num / den)


class PrivacyAuditResult:
    r"""Result of :func:`audit_epsilon`.

    Attributes
    ----------
    epsilon_lb : float
        The empirical lower bound on :math:`\varepsilon`, :math:`\ge 0`; valid
        simultaneously over all thresholds and both regions with probability at least
        :math:`1 - \alpha`.
    table : pandas.DataFrame
        One row per threshold: ``threshold``, ``tp`` and ``fp`` (the counts of
        ``statistic > threshold`` on ``D`` and on ``D_prime``), ``tpr_lo`` and ``fpr_hi``
        (the one-sided Clopper–Pearson bounds), ``eps_point`` (the plug-in value without
        confidence bounds, for reference only) and ``eps_lb`` (this threshold's bound,
        the larger of the region and its complement, not floored at 0).
    best_threshold : float
        Threshold attaining ``epsilon_lb`` (NaN when no threshold gives a positive bound).
    n_trials, delta, alpha : int, float, float
    level_each : float
        One-sided level of each of the :math:`2K` Clopper–Pearson bounds,
        :math:`1 - \alpha / (2K)`.
    claimed_epsilon : float or None
    passed : bool or None
        ``epsilon_lb <= claimed_epsilon`` (None without a claim).
    """

    def __init__(self, table, *, n_trials, delta, alpha, claimed_epsilon):
        self.table = table
        self.n_trials = n_trials
        self.delta = delta
        self.alpha = alpha
        self.level_each = 1 - alpha / (2 * len(table))
        best = table["eps_lb"].to_numpy()
        i = int(np.argmax(best))
        self.epsilon_lb = max(0.0, float(best[i]))
        self.best_threshold = float(table["threshold"].iloc[i]) if best[i] > 0 else math.nan
        self.claimed_epsilon = claimed_epsilon
        self.passed = None if claimed_epsilon is None else self.epsilon_lb <= claimed_epsilon

    def __repr__(self):
        claim = "" if self.claimed_epsilon is None else f", claimed={self.claimed_epsilon:g}"
        return (
            f"PrivacyAuditResult(epsilon_lb={self.epsilon_lb:.4g}{claim}, "
            f"n_trials={self.n_trials}, thresholds={len(self.table)})"
        )

    def summary(self):
        """Printable report (text, and HTML in a notebook).

        Returns
        -------
        statkit.simulation._result.Summary
        """
        from statkit.simulation._result import Summary, _fmt

        header = [
            ("trials", f"{self.n_trials} per dataset"),
            ("delta", f"{self.delta:g}"),
            (
                "confidence",
                f"{100 * (1 - self.alpha):.4g}% overall (Bonferroni over {2 * len(self.table)}"
                f" one-sided Clopper-Pearson bounds, each at {100 * self.level_each:.4g}%)",
            ),
        ]
        cols = ["threshold", "tp", "fp", "tpr_lo", "fpr_hi", "eps_point", "eps_lb"]
        rows = [[_fmt(v) for v in r] for r in self.table[cols].itertuples(index=False)]
        footer = [("epsilon lower bound", _fmt(self.epsilon_lb))]
        if self.claimed_epsilon is not None:
            verdict = (
                "consistent with the claim"
                if self.passed
                else "claim refuted (lower bound exceeds the claimed epsilon)"
            )
            footer += [
                ("claimed epsilon", _fmt(self.claimed_epsilon)),
                ("verdict", verdict),
            ]
        return Summary("Privacy audit", header, cols, rows, footer)


def audit_epsilon(
    mechanism_fn,
    D,
    D_prime,
    statistic,
    thresholds,
    n_trials,
    delta,
    alpha=0.05,
    random_state=None,
    *,
    claimed_epsilon=None,
    vectorized=False,
):
    r"""Empirical lower bound on the :math:`\varepsilon` of a mechanism (black-box audit).

    The mechanism runs ``n_trials`` times on each of two neighbouring datasets. For each
    threshold :math:`c`, the rejection region is :math:`S_c = \{T(\text{output}) > c\}`
    with :math:`T` = ``statistic``; with :math:`k_1` of the runs on ``D`` and :math:`k_0`
    of those on ``D_prime`` in :math:`S_c`,

    .. math::

        \hat\varepsilon_c = \max\Big\{\log\frac{\underline{\mathrm{TPR}} - \delta}
        {\overline{\mathrm{FPR}}},\ \log\frac{1 - \overline{\mathrm{FPR}} - \delta}
        {1 - \underline{\mathrm{TPR}}}\Big\},
        \qquad \hat\varepsilon = \max\big(0, \max_c \hat\varepsilon_c\big),

    where :math:`\underline{\mathrm{TPR}}` and :math:`\overline{\mathrm{FPR}}` are
    one-sided Clopper–Pearson bounds at level :math:`1 - \alpha/(2K)` for :math:`K`
    thresholds. The second term is the complementary region :math:`S_c^{c}` with the roles
    of the datasets swapped; it reuses the same two bounds.

    Parameters
    ----------
    mechanism_fn : callable
        ``mechanism_fn(data, rng)`` returns one output, ``rng`` a
        :class:`numpy.random.Generator` to draw the noise from. With ``vectorized=True``,
        ``mechanism_fn(data, rng, size)`` returns ``size`` independent outputs stacked
        along the first axis.
    D, D_prime : object
        The neighbouring datasets, passed to ``mechanism_fn`` unchanged. ``D`` is the one
        expected to give the larger statistic (the "positive" hypothesis).
    statistic : callable or None
        Maps an output to a real score (with ``vectorized=True``: a batch of outputs to a
        1-D array of scores). ``None`` uses the output itself, which must be a scalar:
        for a 1-D Gaussian release the output is the likelihood-ratio optimal statistic.
    thresholds : float or sequence of float
        Fixed before looking at the outputs (see Notes). For a 1-D Gaussian release
        :func:`gaussian_lr_thresholds` gives the likelihood-ratio optimal ones.
    n_trials : int
        Runs of the mechanism on each dataset, >= 1.
    delta : float
        The claimed :math:`\delta`, in [0, 1).
    alpha : float, default=0.05
        The bound holds with probability at least :math:`1 - \alpha`.
    random_state : None, int, SeedSequence or numpy.random.Generator
        Seeds the mechanism's noise; the runs on ``D`` come first.
    claimed_epsilon : float, optional
        When given, the result reports whether the bound exceeds it (``passed``).
    vectorized : bool, default=False
        Call the mechanism on batches (of at most 100,000 runs) instead of one run at a
        time.

    Returns
    -------
    PrivacyAuditResult

    Notes
    -----
    *Validity.* If the mechanism is :math:`(\varepsilon, \delta)`-DP, each
    :math:`\hat\varepsilon_c \le \varepsilon` whenever its two bounds hold. The :math:`2K`
    one-sided bounds (one on the TPR and one on the FPR per threshold) each fail with
    probability at most :math:`\alpha/(2K)`, so by the union bound (Bonferroni) all hold
    together with probability at least :math:`1 - \alpha`, and then
    :math:`\hat\varepsilon \le \varepsilon`. The outputs on ``D`` and ``D_prime`` are
    independent, and no independence across thresholds is assumed.

    Choosing thresholds from the same outputs (say, the one that maximises the bound
    after the fact) breaks this guarantee; take them from theory or from a separate
    pilot run.

    *Power.* The audit is only as strong as the neighbouring pair and the statistic:
    a bound below the claim proves nothing about privacy. The bound is also capped by
    the sample size: with :math:`N` trials the FPR bound is at least about
    :math:`\log(2K/\alpha)/N`.

    References
    ----------
    M. Jagielski, J. Ullman and A. Oprea, "Auditing differentially private machine
    learning: how private is private SGD?", NeurIPS 2020.

    M. Nasr, S. Song, A. Thakurta, N. Papernot and N. Carlini, "Adversary instantiation:
    lower bounds for differentially private machine learning", IEEE S&P 2021.

    Examples
    --------
    >>> from statkit.privacy._mechanisms import GaussianMechanism
    >>> mech = GaussianMechanism(1.0, 1e-5, sensitivity=1.0)
    >>> res = audit_epsilon(
    ...     lambda d, rng, size: d + rng.normal(0, mech.sigma, size), 1.0, 0.0, None,
    ...     gaussian_lr_thresholds(1.0, 0.0, mech.sigma, [0.25, 0.5]), 20_000, 1e-5,
    ...     random_state=0, claimed_epsilon=1.0, vectorized=True)
    >>> res.passed
    True
    """
    import pandas as pd

    from statkit.simulation._result import clopper_pearson

    if not callable(mechanism_fn):
        raise TypeError(f"mechanism_fn must be callable, got {type(mechanism_fn).__name__}")
    if statistic is not None and not callable(statistic):
        raise TypeError(f"statistic must be callable or None, got {type(statistic).__name__}")
    thr = np.atleast_1d(np.asarray(thresholds, dtype=float))
    if thr.ndim != 1 or thr.size == 0 or not np.isfinite(thr).all():
        raise ValueError(
            f"thresholds must be a finite scalar or a non-empty 1-D sequence, got {thresholds}"
        )
    n_trials = check_positive(n_trials, "n_trials", integer=True)
    if isinstance(delta, bool) or not isinstance(delta, numbers.Real):
        raise TypeError(f"delta must be a real number, got {delta!r}")
    delta = float(delta)
    if not 0 <= delta < 1:
        raise ValueError(f"delta must lie in [0, 1), got {delta}")
    alpha = check_positive(alpha, "alpha")
    if alpha >= 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    if claimed_epsilon is not None:
        claimed_epsilon = check_positive(claimed_epsilon, "claimed_epsilon")
    rng = check_random_state(random_state)

    s1 = _scores(mechanism_fn, D, statistic, n_trials, rng, vectorized, "D")
    s0 = _scores(mechanism_fn, D_prime, statistic, n_trials, rng, vectorized, "D_prime")
    s1.sort()
    s0.sort()
    # counts of scores strictly above each threshold
    tp = n_trials - np.searchsorted(s1, thr, side="right")
    fp = n_trials - np.searchsorted(s0, thr, side="right")
    a_each = alpha / (2 * thr.size)
    rows = []
    for c, k1, k0 in zip(thr, tp, fp, strict=True):
        # clopper_pearson is two-sided at alpha; each end is one-sided at alpha / 2
        tpr_lo = clopper_pearson(int(k1), n_trials, 2 * a_each)[0]
        fpr_hi = clopper_pearson(int(k0), n_trials, 2 * a_each)[1]
        eps_lb = max(_log_ratio(tpr_lo - delta, fpr_hi), _log_ratio(1 - fpr_hi - delta, 1 - tpr_lo))
        tpr, fpr = k1 / n_trials, k0 / n_trials
        eps_point = max(_log_ratio(tpr - delta, fpr), _log_ratio(1 - fpr - delta, 1 - tpr))
        rows.append((float(c), int(k1), int(k0), tpr_lo, fpr_hi, eps_point, eps_lb))
    table = pd.DataFrame(
        rows, columns=["threshold", "tp", "fp", "tpr_lo", "fpr_hi", "eps_point", "eps_lb"]
    )
    return PrivacyAuditResult(
        table, n_trials=n_trials, delta=delta, alpha=alpha, claimed_epsilon=claimed_epsilon
    )
