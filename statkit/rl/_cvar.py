r"""Conditional value at risk (CVaR) of discrete laws and of samples.

Rewards convention (higher is better): the CVaR at risk tolerance :math:`\tau \in (0, 1]`
is the mean of the worst :math:`\tau`-fraction of the law, in the Rockafellar--Uryasev form
used by Wang, Kallus and Sun (arXiv:2302.03201, eq. 1),

.. math::

    \mathrm{CVaR}_\tau(X) = \sup_{b \in \mathbb{R}} \Big\{ b - \tau^{-1}\,
    \mathbb{E}\big[(b - X)^+\big] \Big\}
    = \frac{1}{\tau} \int_0^\tau F_X^{-1}(u)\, du ,

where the sup is attained at the lower :math:`\tau`-quantile
:math:`b^\star = \mathrm{VaR}_\tau(X) = \inf\{x : F_X(x) \ge \tau\}`. :math:`\tau = 1`
gives the mean; :math:`\tau \to 0` gives the essential infimum.
"""

import numbers

import numpy as np

__all__ = ["cvar", "cvar_bernoulli", "value_at_risk"]

# Slack on cumulative probabilities when locating the tau-quantile: a cumulative sum of
# weights such as 0.1 + 0.1 + 0.1 may land an ulp below tau = 0.3.
_CUM_TOL = 1e-12


def _check_tau(tau):
    if isinstance(tau, bool) or not isinstance(tau, numbers.Real):
        raise TypeError(f"tau must be a real number in (0, 1], got {tau!r}")
    tau = float(tau)
    if not (0.0 < tau <= 1.0):  # also rejects NaN
        raise ValueError(f"tau must lie in (0, 1], got {tau}")
    return tau


def _sorted_law(x, weights):
    """Validate ``(x, weights)`` and return values sorted along the last axis with their
    normalised probabilities."""
    try:
        x = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"x must be a real array, got {exc}") from exc
    if x.ndim not in (1, 2):
        raise ValueError(f"x must be 1-D (one law) or 2-D (one law per row), got {x.ndim}-D")
    if x.shape[-1] == 0:
        raise ValueError("x must have at least one value along its last axis")
    if not np.isfinite(x).all():
        raise ValueError("x must be finite (no NaN or inf)")
    if weights is None:
        w = np.ones_like(x)
    else:
        try:
            w = np.asarray(weights, dtype=float)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"weights must be a real array, got {exc}") from exc
        if w.shape != x.shape:
            raise ValueError(f"weights must have the shape of x {x.shape}, got {w.shape}")
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValueError("weights must be finite and >= 0")
        if (w.sum(axis=-1) <= 0).any():
            raise ValueError("weights must sum to > 0 (along the last axis)")
    order = np.argsort(x, axis=-1, kind="stable")
    xs = np.take_along_axis(x, order, axis=-1)
    ws = np.take_along_axis(w, order, axis=-1)
    p = ws / ws.sum(axis=-1, keepdims=True)
    return xs, p


def cvar(x, tau, weights=None):
    r"""CVaR of a discrete law, or the empirical CVaR of a sample (lower tail).

    For atoms :math:`x_{(1)} \le \dots \le x_{(m)}` with probabilities :math:`p_i` and
    :math:`P_{i} = \sum_{l \le i} p_l`, the exact value of
    :math:`\sup_b \{b - \tau^{-1}\mathbb{E}(b - X)^+\}` is

    .. math::

        \mathrm{CVaR}_\tau = \frac{1}{\tau} \sum_{i=1}^m x_{(i)}
        \min\big\{p_i,\ (\tau - P_{i-1})^+\big\},

    i.e. the worst atoms are taken whole and the atom at the quantile is split. With
    ``weights=None`` (the empirical law, :math:`p_i = 1/n`) this is the estimator of
    Wang, Kallus and Sun with :math:`j = \lfloor n\tau \rfloor`:

    .. math::

        \widehat{\mathrm{CVaR}}_\tau = \frac{1}{\tau}\Big[\frac1n \sum_{i \le j} x_{(i)}
        + \Big(\tau - \frac{j}{n}\Big) x_{(j+1)}\Big].

    Parameters
    ----------
    x : array_like of shape (m,) or (n_laws, m)
        Atoms (or samples), finite. A 2-D array holds one law per row; the CVaR is taken
        along the last axis.
    tau : float
        Risk tolerance in (0, 1].
    weights : array_like of the shape of x, optional
        Probabilities (or any weights >= 0 with a positive sum per row; they are
        normalised). ``None`` gives every value the same weight.

    Returns
    -------
    float or ndarray of shape (n_laws,)

    References
    ----------
    .. [1] K. Wang, N. Kallus and W. Sun, "Near-Minimax-Optimal Risk-Sensitive
       Reinforcement Learning with CVaR", ICML 2023, arXiv:2302.03201.
    .. [2] R. T. Rockafellar and S. Uryasev, "Optimization of conditional value-at-risk",
       Journal of Risk 2(3), 2000.
    """
    tau = _check_tau(tau)
    xs, p = _sorted_law(x, weights)
    before = np.cumsum(p, axis=-1) - p  # P_{i-1}
    take = np.minimum(p, np.maximum(0.0, tau - before))
    # take sums to tau up to rounding; dividing by its sum makes tau = 1 the exact mean.
    out = (take * xs).sum(axis=-1) / take.sum(axis=-1)
    return float(out) if out.ndim == 0 else out


def value_at_risk(x, tau, weights=None):
    r"""Lower :math:`\tau`-quantile :math:`\mathrm{VaR}_\tau = \inf\{x : F(x) \ge \tau\}`.

    This is the maximiser :math:`b^\star` in the Rockafellar--Uryasev form of
    :func:`cvar`. Cumulative probabilities are compared with :math:`\tau` up to a slack of
    1e-12 so that rounding in sums of weights does not skip an atom.

    Parameters
    ----------
    x : array_like of shape (m,) or (n_laws, m)
        Atoms (or samples), finite; 2-D input gives one quantile per row.
    tau : float
        Level in (0, 1].
    weights : array_like of the shape of x, optional
        Probabilities (normalised), >= 0 with a positive sum per row.

    Returns
    -------
    float or ndarray of shape (n_laws,)

    References
    ----------
    .. [1] K. Wang, N. Kallus and W. Sun, arXiv:2302.03201.
    """
    tau = _check_tau(tau)
    xs, p = _sorted_law(x, weights)
    cum = np.cumsum(p, axis=-1)
    idx = np.argmax(cum >= tau - _CUM_TOL, axis=-1)  # first True; the last is always True
    out = np.take_along_axis(xs, np.expand_dims(idx, -1), axis=-1)[..., 0]
    return float(out) if out.ndim == 0 else out


def cvar_bernoulli(p, tau):
    r"""CVaR of a Bernoulli(p) reward: :math:`\max\{0,\ 1 - (1 - p)/\tau\}`.

    The worst :math:`\tau`-fraction holds the zeros (mass :math:`1 - p`) first, so the
    CVaR is 0 when :math:`1 - p \ge \tau` and :math:`(\tau - (1-p))/\tau` otherwise.

    Parameters
    ----------
    p : float or array_like
        Success probabilities in [0, 1].
    tau : float
        Risk tolerance in (0, 1].

    Returns
    -------
    float or ndarray

    References
    ----------
    .. [1] K. Wang, N. Kallus and W. Sun, arXiv:2302.03201, Section 3.
    """
    tau = _check_tau(tau)
    arr = np.asarray(p, dtype=float)
    if not np.isfinite(arr).all() or (arr < 0).any() or (arr > 1).any():
        raise ValueError(f"p must lie in [0, 1], got {p!r}")
    out = np.maximum(0.0, 1.0 - (1.0 - arr) / tau)
    return float(out) if out.ndim == 0 else out
