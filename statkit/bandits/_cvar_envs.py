r"""CVaR bandit environments with discrete reward laws on [0, 1].

Discrete laws make every arm's true :math:`\mathrm{CVaR}_\tau` exact (no quadrature), which
the regret of Wang, Kallus and Sun (arXiv:2302.03201) needs: regret is measured on the arms'
true CVaRs, never on realised rewards.
"""

import numbers

import numpy as np

from statkit.rl._cvar import _check_tau, cvar
from statkit.utils import check_random_state

__all__ = ["CVaRBanditEnv"]

_ROW_TOL = 1e-9


class CVaRBanditEnv:
    r"""K-armed bandit whose arm :math:`a` pays :math:`v_{a j}` with probability
    :math:`p_{a j}`.

    Parameters
    ----------
    values : array_like of shape (n_arms, m)
        Reward atoms of each arm, in [0, 1].
    probs : array_like of shape (n_arms, m)
        Their probabilities, >= 0, each row summing to 1 (tolerance 1e-9; rows are then
        renormalised exactly).

    Attributes
    ----------
    n_arms : int
    values, probs : ndarray of shape (n_arms, m)

    References
    ----------
    .. [1] K. Wang, N. Kallus and W. Sun, "Near-Minimax-Optimal Risk-Sensitive
       Reinforcement Learning with CVaR", ICML 2023, arXiv:2302.03201.
    """

    def __init__(self, values, probs):
        values = np.asarray(values, dtype=float)
        probs = np.asarray(probs, dtype=float)
        if values.ndim != 2 or values.shape[0] < 1 or values.shape[1] < 1:
            raise ValueError(f"values must be 2-D (n_arms, m) and non-empty, got {values.shape}")
        if probs.shape != values.shape:
            raise ValueError(
                f"probs must have the shape of values {values.shape}, got {probs.shape}"
            )
        if not np.isfinite(values).all() or (values < 0).any() or (values > 1).any():
            raise ValueError("values must lie in [0, 1]")
        if not np.isfinite(probs).all() or (probs < 0).any():
            raise ValueError("probs must be finite and >= 0")
        sums = probs.sum(axis=1)
        if (np.abs(sums - 1.0) > _ROW_TOL).any():
            raise ValueError(f"each row of probs must sum to 1 (tolerance 1e-9), got sums {sums}")
        self.values = values
        self.probs = probs / sums[:, None]
        self.n_arms = values.shape[0]

    @classmethod
    def bernoulli(cls, ps):
        r"""Bernoulli arms: reward 1 with probability :math:`p_a`, else 0.

        Parameters
        ----------
        ps : array_like of shape (n_arms,)
            Success probabilities in [0, 1].
        """
        ps = np.asarray(ps, dtype=float)
        if ps.ndim != 1 or ps.size < 1:
            raise ValueError(f"ps must be a non-empty 1-D array, got shape {ps.shape}")
        if not np.isfinite(ps).all() or (ps < 0).any() or (ps > 1).any():
            raise ValueError("ps must lie in [0, 1]")
        values = np.tile([0.0, 1.0], (ps.size, 1))
        return cls(values, np.column_stack([1.0 - ps, ps]))

    @classmethod
    def minimax_instance(cls, n_arms, tau, gap):
        r"""The lower-bound instance of Wang, Kallus and Sun (Thm 3.1).

        Arm 0 is Bernoulli(:math:`1 - \tau + \varepsilon`), arms :math:`1, \dots, A-1` are
        Bernoulli(:math:`1 - \tau`). Their CVaRs are :math:`\varepsilon/\tau` and 0, so the
        CVaR gap is :math:`\varepsilon/\tau` while the KL divergence is
        :math:`O(\varepsilon^2/\tau)`.

        Parameters
        ----------
        n_arms : int
            >= 2.
        tau : float
            In (0, 1).
        gap : float
            :math:`\varepsilon` in [0, :math:`\tau`].
        """
        if isinstance(n_arms, bool) or not isinstance(n_arms, numbers.Integral) or n_arms < 2:
            raise ValueError(f"n_arms must be an integer >= 2, got {n_arms!r}")
        tau = _check_tau(tau)
        if tau >= 1.0:
            raise ValueError(f"tau must lie in (0, 1) for the minimax instance, got {tau}")
        if isinstance(gap, bool) or not isinstance(gap, numbers.Real) or not (0 <= gap <= tau):
            raise ValueError(f"gap must lie in [0, tau] = [0, {tau}], got {gap!r}")
        ps = np.full(int(n_arms), 1.0 - tau)
        ps[0] = 1.0 - tau + float(gap)
        return cls.bernoulli(ps)

    def cvar(self, tau):
        r"""Exact :math:`\mathrm{CVaR}_\tau` of every arm, shape (n_arms,)."""
        return cvar(self.values, tau, weights=self.probs)

    def support(self):
        """Sorted distinct reward atoms of all arms (those with positive probability)."""
        return np.unique(self.values[self.probs > 0])

    def draw(self, n_rounds, random_state=None):
        """Potential outcomes: ``rewards[t, a]`` is what arm ``a`` pays in round ``t``.

        Each column is iid from its arm's law (inverse-CDF sampling of uniforms).

        Parameters
        ----------
        n_rounds : int
            >= 1.
        random_state : None, int, SeedSequence or Generator

        Returns
        -------
        ndarray of shape (n_rounds, n_arms)
        """
        if isinstance(n_rounds, bool) or not isinstance(n_rounds, numbers.Integral):
            raise TypeError(f"n_rounds must be an integer >= 1, got {n_rounds!r}")
        if n_rounds < 1:
            raise ValueError(f"n_rounds must be >= 1, got {n_rounds}")
        rng = check_random_state(random_state)
        u = rng.random((int(n_rounds), self.n_arms))
        out = np.empty_like(u)
        for a in range(self.n_arms):
            cum = np.cumsum(self.probs[a])
            cum[-1] = 1.0  # u < 1 always lands on an atom
            j = np.searchsorted(cum, u[:, a], side="right")
            out[:, a] = self.values[a, np.minimum(j, self.values.shape[1] - 1)]
        return out

    def __repr__(self):
        return f"CVaRBanditEnv(n_arms={self.n_arms}, atoms_per_arm={self.values.shape[1]})"
