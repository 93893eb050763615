r"""Finite-horizon tabular MDPs with exact static-CVaR planning on the augmented state.

The return of an episode is :math:`G = \sum_{h=1}^H r_h \in [0, 1]` (normalised returns, as in
Wang, Kallus & Sun). Its conditional value at risk at tolerance :math:`\tau \in (0, 1]` is the
Rockafellar–Uryasev value (paper eq. 1)

.. math::

    \mathrm{CVaR}_\tau(G) = \sup_{b \in \mathbb R}\Big(b - \tau^{-1}\,\mathbb E[(b - G)^+]\Big).

Maximising it over history-dependent policies reduces (Bäuerle & Ott 2011) to a Markov problem on
the augmented state :math:`(s, b)`, with the known budget dynamics :math:`b_{h+1} = b_h - r_h`:

.. math::

    V_{H+1}(s, b) = b^+, \qquad
    V_h(s, b) = \min_a \mathbb E_{r \sim R_h(s,a),\, s' \sim P_h(\cdot \mid s, a)}
    V_{h+1}(s', b - r),

    \mathrm{CVaR}^*_\tau = \max_{b} \big\{ b - \tau^{-1} V_1(s_1, b) \big\}.

**Discretisation.** Rewards are rounded *up* onto the grid of step :math:`\eta`,
:math:`\phi(r) = \eta \lceil r / \eta \rceil \wedge 1` (paper Sec. 6), so budgets stay on the grid
:math:`\{0, \eta, 2\eta, \dots\}` and the dynamic programme is exact for the rounded MDP. When every
reward already lies on the grid (as for :meth:`TabularMDP.random`), :math:`\phi` is the identity and
every number computed here is the exact value for the MDP itself. Budgets that fall below 0 are
tracked in the forward pass; their shortfall value is 0 (:math:`b^+ = 0` and rewards are
:math:`\ge 0`), so every action is optimal there, and a policy acts at a negative budget as it does
at budget 0.

References
----------
Wang, K., Kallus, N. and Sun, W. (2023). Near-minimax-optimal risk-sensitive reinforcement learning
with CVaR. ICML 2023. arXiv:2302.03201.

Bäuerle, N. and Ott, J. (2011). Markov decision processes with average-value-at-risk criteria.
Mathematical Methods of Operations Research 74, 361–379.
"""

import math
import numbers
from typing import NamedTuple

import numpy as np

from statkit.utils import check_random_state

from ._cvar import _check_tau as check_tau
from ._cvar import cvar

__all__ = ["CVaRPlan", "Episodes", "TabularMDP", "check_eta"]

_ROW_TOL = 1e-9
_GRID_TOL = 1e-9


# --------------------------------------------------------------------------------------
# validation and the CVaR of a discrete law
# --------------------------------------------------------------------------------------


def check_eta(eta):
    """Validate the grid step ``eta``: in (0, 1] with 1/eta an integer; returns it as float."""
    if isinstance(eta, bool) or not isinstance(eta, numbers.Real):
        raise TypeError(f"eta must be a real number in (0, 1] with 1/eta an integer, got {eta!r}")
    eta = float(eta)
    if not (0.0 < eta <= 1.0) or not math.isfinite(eta):
        raise ValueError(f"eta must lie in (0, 1] with 1/eta an integer, got {eta}")
    inv = 1.0 / eta
    if abs(inv - round(inv)) > 1e-9 * max(1.0, inv):
        raise ValueError(f"eta must lie in (0, 1] with 1/eta an integer, got {eta} (1/eta = {inv})")
    return 1.0 / round(inv)  # exact reciprocal of the integer, so grid points are eta * j


def _grid_index(values, eta):
    """Grid indices of phi(values) = eta * ceil(values / eta) (rounded up, exact on the grid)."""
    x = np.asarray(values, dtype=float) / eta
    near = np.round(x)
    idx = np.where(np.abs(x - near) <= _GRID_TOL * np.maximum(1.0, np.abs(x)), near, np.ceil(x))
    return np.minimum(idx, round(1.0 / eta)).astype(np.int64)


def _as_float_array(x, name, ndim):
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array: {exc}") from exc
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def _check_rows(arr, name, lead):
    """Rows of ``arr`` along the last axis must be non-negative and sum to 1."""
    bad = (arr < 0).any(axis=-1) | (np.abs(arr.sum(axis=-1) - 1.0) > _ROW_TOL)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        row = arr[first]
        raise ValueError(
            f"{name}[{', '.join(map(str, first))}] (indices {lead}) must be a probability vector "
            f"(entries >= 0 summing to 1 within {_ROW_TOL:g}); it sums to {row.sum():.12g} with "
            f"minimum {row.min():.3g}"
        )


class CVaRPlan(NamedTuple):
    """Result of :meth:`TabularMDP.cvar_optimal`.

    Attributes
    ----------
    value : float
        :math:`\\mathrm{CVaR}^*_\\tau` (of the rounded MDP; exact when rewards lie on the grid).
    budget : float
        The maximising initial budget :math:`b^*` (the smallest maximiser on the grid).
    policy : ndarray of int, shape (H, S, n_budgets)
        ``policy[h, s, j]`` is the optimal action at step ``h`` in state ``s`` with budget
        ``j * eta``.
    values : ndarray, shape (H + 1, S, n_budgets)
        The shortfall values :math:`V_h(s, j\\eta)`, ``values[H]`` being :math:`b^+`.
    budgets : ndarray, shape (n_budgets,)
        The budget grid.
    eta : float
    """

    value: float
    budget: float
    policy: np.ndarray
    values: np.ndarray
    budgets: np.ndarray
    eta: float


class Episodes(NamedTuple):
    """Sampled episodes from :meth:`TabularMDP.sample_episode` (one row per episode)."""

    states: np.ndarray  # (n, H + 1)
    actions: np.ndarray  # (n, H)
    rewards: np.ndarray  # (n, H), the true (unrounded) rewards
    budgets: np.ndarray  # (n, H + 1), the budget b_h on the eta-grid (may go below 0)
    returns: np.ndarray  # (n,), sum_h r_h


# --------------------------------------------------------------------------------------
# the MDP
# --------------------------------------------------------------------------------------


class TabularMDP:
    r"""Finite-horizon tabular MDP with discrete reward laws and normalised returns.

    Parameters
    ----------
    transitions : array_like of shape (H, S, A, S)
        ``transitions[h, s, a, s']`` :math:`= P_h(s' \mid s, a)`; each row sums to 1 (tolerance
        1e-9).
    rewards : array_like
        Without ``reward_probs``: deterministic rewards :math:`r_h(s, a)`, shape (H, S, A).
        With ``reward_probs``: the reward atoms, shape (m,).
        Rewards lie in [0, 1].
    initial_state : int, default 0
        The fixed initial state :math:`s_1`.
    reward_probs : array_like of shape (H, S, A, m), optional
        ``reward_probs[h, s, a, i]`` :math:`= P(r_h = \text{rewards}[i] \mid s, a)`, independent of
        :math:`s'` given :math:`(s, a)`.

    Attributes
    ----------
    horizon, n_states, n_actions : int
    reward_values : ndarray of shape (m,)
    reward_probs : ndarray of shape (H, S, A, m)
    max_return : float
        The largest return any policy can reach with positive probability from the initial state,
        computed by a backward pass; it must be :math:`\le 1` (normalised returns).

    Notes
    -----
    Validation: the largest attainable return, :math:`M_1(s_1)` with
    :math:`M_{H+1} \equiv 0` and
    :math:`M_h(s) = \max_a [\max \operatorname{supp} R_h(s,a) + \max_{s': P_h(s'|s,a) > 0}
    M_{h+1}(s')]`, must be at most 1 (up to 1e-9), which guarantees :math:`G \in [0, 1]` almost
    surely under every policy.

    References
    ----------
    Wang, Kallus & Sun (2023), arXiv:2302.03201. Bäuerle & Ott (2011), Math. Methods Oper. Res. 74.
    """

    def __init__(self, transitions, rewards, initial_state=0, reward_probs=None):
        P = _as_float_array(transitions, "transitions", 4)
        H, S, A, S2 = P.shape
        if S2 != S or min(H, S, A) < 1:
            raise ValueError(
                f"transitions must have shape (H, S, A, S) with H, S, A >= 1, got {P.shape}"
            )
        _check_rows(P, "transitions", "(h, s, a)")
        if reward_probs is None:
            r = _as_float_array(rewards, "rewards", 3)
            if r.shape != (H, S, A):
                raise ValueError(
                    f"deterministic rewards must have shape (H, S, A) = {(H, S, A)}, got {r.shape}"
                )
            values, inverse = np.unique(r.ravel(), return_inverse=True)
            q = np.zeros((H * S * A, values.size))
            q[np.arange(H * S * A), inverse.ravel()] = 1.0
            q = q.reshape(H, S, A, values.size)
        else:
            values = _as_float_array(rewards, "rewards", 1)
            q = _as_float_array(reward_probs, "reward_probs", 4)
            if q.shape != (H, S, A, values.size) or values.size == 0:
                raise ValueError(
                    f"reward_probs must have shape (H, S, A, m) = {(H, S, A, values.size)} "
                    f"(m = len(rewards) >= 1), got {q.shape}"
                )
            _check_rows(q, "reward_probs", "(h, s, a)")
        if (values < 0).any() or (values > 1).any():
            raise ValueError(
                f"rewards must lie in [0, 1], got values in [{values.min():g}, {values.max():g}]"
            )
        if isinstance(initial_state, bool) or not isinstance(initial_state, numbers.Integral):
            raise TypeError(f"initial_state must be an int in [0, {S - 1}], got {initial_state!r}")
        if not (0 <= initial_state < S):
            raise ValueError(f"initial_state must lie in [0, {S - 1}], got {initial_state}")
        self.transitions = P
        self.reward_values = values
        self.reward_probs = q
        self.initial_state = int(initial_state)
        self.horizon, self.n_states, self.n_actions = H, S, A
        self.max_return = self._max_return(values, q, P)
        if self.max_return > 1 + 1e-9:
            raise ValueError(
                "returns sum_h r_h must lie in [0, 1] (normalised returns): the largest "
                f"attainable return is {self.max_return:.6g}; rescale the rewards"
            )
        self._cum_q = np.cumsum(q, axis=-1)
        self._cum_p = np.cumsum(P, axis=-1)

    def _max_return(self, values, q, P):
        top = np.where(q > 0, values, -np.inf).max(axis=-1)  # (H, S, A)
        M = np.zeros(self.n_states)
        for h in range(self.horizon - 1, -1, -1):
            reach = np.where(P[h] > 0, M[None, None, :], -np.inf).max(axis=-1)
            M = (top[h] + reach).max(axis=-1)
        return float(M[self.initial_state])

    # ----------------------------------------------------------------------------------
    @classmethod
    def random(cls, n_states, n_actions, horizon, eta=0.05, random_state=None):
        r"""A random MDP with Dirichlet(1) transitions and rewards on the :math:`\eta`-grid.

        Per-step rewards take the values :math:`\{0, \eta, \dots, m\eta\}` with
        :math:`m = \lfloor 1/(\eta H) \rfloor`, so that :math:`H m \eta \le 1` and every return lies
        in [0, 1]; each reward law is Dirichlet(1) over these atoms.

        Parameters
        ----------
        n_states, n_actions, horizon : int >= 1
        eta : float, default 0.05
            Grid step, 1/eta an integer, with :math:`\eta H \le 1`.
        random_state : None, int or numpy.random.Generator

        Returns
        -------
        TabularMDP
        """
        for name, v in (("n_states", n_states), ("n_actions", n_actions), ("horizon", horizon)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise TypeError(f"{name} must be an int >= 1, got {v!r}")
            if v < 1:
                raise ValueError(f"{name} must be >= 1, got {v}")
        eta = check_eta(eta)
        m = math.floor(round(1.0 / eta) / horizon)
        if m < 1:
            raise ValueError(
                f"eta * horizon must be <= 1 for rewards on the eta-grid with returns in [0, 1], "
                f"got eta={eta:g}, horizon={horizon}"
            )
        rng = check_random_state(random_state)
        S, A, H = int(n_states), int(n_actions), int(horizon)
        P = rng.dirichlet(np.ones(S), size=(H, S, A))
        q = rng.dirichlet(np.ones(m + 1), size=(H, S, A))
        values = eta * np.arange(m + 1)
        return cls(P, values, initial_state=0, reward_probs=q)

    # ----------------------------------------------------------------------------------
    def _rounded_law(self, eta):
        """Reward law on grid indices: q[h, s, a, k] = P(phi(r) = k * eta)."""
        idx = _grid_index(self.reward_values, eta)
        K = int(idx.max()) + 1
        q = np.zeros((*self.reward_probs.shape[:3], K))
        for i, k in enumerate(idx):
            q[..., k] += self.reward_probs[..., i]
        return q

    def _n_budgets(self, q, eta):
        """Budget grid size: covers [0, 1] and the largest rounded return."""
        Mq = TabularMDP._max_return(self, eta * np.arange(q.shape[-1]), q, self.transitions)
        return max(round(1.0 / eta), round(Mq / eta)) + 1

    def cvar_optimal(self, tau, eta=0.05):
        r"""Exact :math:`\mathrm{CVaR}^*_\tau` by dynamic programming on :math:`(s, b)`.

        .. math::

            V_{H+1}(s, b) = b^+,\quad
            V_h(s, b) = \min_a \sum_{k} R_h(k\eta \mid s, a) \sum_{s'} P_h(s' \mid s, a)\,
            V_{h+1}(s', b - k\eta),\quad
            \mathrm{CVaR}^*_\tau = \max_{b \in \text{grid}} \{b - V_1(s_1, b)/\tau\},

        with :math:`V_{h+1}(\cdot, b) = 0` for :math:`b < 0`. The maximum over the grid is the
        supremum over :math:`b \in \mathbb R`: for each policy the supremum is attained at the
        :math:`\tau`-quantile of the return, a grid point.

        Parameters
        ----------
        tau : float in (0, 1]
        eta : float, default 0.05
            Grid step (1/eta an integer). Rewards off the grid are rounded up (module notes).

        Returns
        -------
        CVaRPlan
        """
        tau = check_tau(tau)
        eta = check_eta(eta)
        q = self._rounded_law(eta)
        nb = self._n_budgets(q, eta)
        budgets = eta * np.arange(nb)
        V = np.empty((self.horizon + 1, self.n_states, nb))
        V[self.horizon] = budgets[None, :]
        pi = np.empty((self.horizon, self.n_states, nb), dtype=np.int64)
        for h in range(self.horizon - 1, -1, -1):
            Q = _bellman_shortfall(self.transitions[h], q[h], V[h + 1])
            pi[h] = Q.argmin(axis=1)
            V[h] = Q.min(axis=1)
        obj = budgets - V[0, self.initial_state] / tau
        j = int(np.argmax(obj))
        return CVaRPlan(float(obj[j]), float(budgets[j]), pi, V, budgets, eta)

    def mean_optimal(self, eta=None):
        r"""Risk-neutral optimum :math:`\max_\pi \mathbb E[G]` by backward induction.

        .. math::

            U_{H+1} = 0,\qquad U_h(s) = \max_a \big\{\bar r_h(s, a) + \sum_{s'} P_h(s' \mid s, a)
            U_{h+1}(s')\big\}.

        Parameters
        ----------
        eta : float, optional
            With a grid step, use the rounded rewards :math:`\phi(r)` (for comparison with
            :meth:`cvar_optimal` at ``tau=1``); by default the true rewards.

        Returns
        -------
        value : float
            :math:`U_1(s_1)`.
        policy : ndarray of int, shape (H, S)
            A Markov optimal policy (pass it to :meth:`policy_cvar`, which broadcasts it over
            budgets).
        """
        if eta is None:
            rbar = self.reward_probs @ self.reward_values
        else:
            eta = check_eta(eta)
            q = self._rounded_law(eta)
            rbar = q @ (eta * np.arange(q.shape[-1]))
        U = np.zeros(self.n_states)
        pi = np.empty((self.horizon, self.n_states), dtype=np.int64)
        for h in range(self.horizon - 1, -1, -1):
            Q = rbar[h] + self.transitions[h] @ U
            pi[h] = Q.argmax(axis=1)
            U = Q.max(axis=1)
        return float(U[self.initial_state]), pi

    # ----------------------------------------------------------------------------------
    def _check_policy(self, policy, eta):
        pol = np.asarray(policy)
        if not np.issubdtype(pol.dtype, np.integer):
            raise TypeError(f"policy must be an integer array of actions, got dtype {pol.dtype}")
        H, S = self.horizon, self.n_states
        if pol.shape == (H, S):  # a Markov policy: the same action at every budget
            pol = pol[:, :, None]
        if pol.ndim != 3 or pol.shape[:2] != (H, S) or pol.shape[2] < 1:
            raise ValueError(
                f"policy must have shape (H, S, n_budgets) = ({H}, {S}, n) or (H, S), "
                f"got {pol.shape}"
            )
        if (pol < 0).any() or (pol >= self.n_actions).any():
            raise ValueError(f"policy actions must lie in [0, {self.n_actions - 1}]")
        if eta is None:
            if pol.shape[2] < 2:
                raise ValueError(
                    "eta must be given for a policy that does not depend on the budget"
                )
            eta = 1.0 / (pol.shape[2] - 1)
        return pol, check_eta(eta)

    def _check_b0(self, b0, eta, nb):
        if isinstance(b0, bool) or not isinstance(b0, numbers.Real) or not math.isfinite(b0):
            raise TypeError(f"b0 must be a finite real number on the eta-grid, got {b0!r}")
        j = b0 / eta
        if abs(j - round(j)) > 1e-9 * max(1.0, abs(j)) or round(j) < 0:
            raise ValueError(f"b0 must be a non-negative multiple of eta={eta:g}, got {b0}")
        j = round(j)
        if nb > 1 and j > nb - 1:
            raise ValueError(f"b0 must be at most {(nb - 1) * eta:g} (top of the policy's grid)")
        return int(j)

    def return_law(self, policy, b0, eta=None):
        r"""Exact law of the (rounded) return of an augmented-state policy started at budget ``b0``.

        Forward propagation of the joint law :math:`\mu_h(s, d)` of the state and the accumulated
        return :math:`d\eta = b_0 - b_h`:

        .. math::

            \mu_{h+1}(s', d + k) = \sum_{s, d} \mu_h(s, d)\, R_h(k\eta \mid s, a)\,
            P_h(s' \mid s, a), \qquad a = \pi_h(s, (b_0 - d\eta)^+),

        and :math:`G = b_0 - b_{H+1} = d\eta` under :math:`\mu_{H+1}`.

        Parameters
        ----------
        policy : int array of shape (H, S, n_budgets) or (H, S)
            ``policy[h, s, j]`` is the action at budget ``j * eta``; budgets below 0 use ``j = 0``.
        b0 : float
            Initial budget, on the grid.
        eta : float, optional
            Grid step; inferred as ``1 / (n_budgets - 1)`` (a grid on [0, 1]) when omitted.

        Returns
        -------
        values, probs : ndarray of shape (n,)
            Atoms :math:`d\eta` and their probabilities.
        """
        pol, eta = self._check_policy(policy, eta)
        nb = pol.shape[2]
        j0 = self._check_b0(b0, eta, nb)
        q = self._rounded_law(eta)
        K = q.shape[-1]
        D = self.horizon * (K - 1) + 1
        S = self.n_states
        mu = np.zeros((S, D))
        mu[self.initial_state, 0] = 1.0
        d = np.arange(D)
        jb = np.clip(j0 - d, 0, nb - 1)  # budget index, negative budgets act as at 0
        sidx = np.arange(S)[:, None]
        for h in range(self.horizon):
            a = pol[h][sidx, jb[None, :]] if nb > 1 else np.broadcast_to(pol[h], (S, D))
            Psel = self.transitions[h][sidx, a]  # (S, D, S')
            qsel = q[h][sidx, a]  # (S, D, K)
            new = np.zeros((S, D))
            for k in range(K):
                w = mu * qsel[:, :, k]
                if k < D:
                    new[:, k:] += np.einsum("sd,sdt->td", w[:, : D - k], Psel[:, : D - k])
            mu = new
        probs = mu.sum(axis=0)
        keep = probs > 0
        return eta * d[keep], probs[keep]

    def policy_cvar(self, policy, b0, tau, eta=None):
        r"""Exact :math:`\mathrm{CVaR}_\tau` of the return of an augmented-state policy.

        The return law comes from :meth:`return_law` (forward propagation over :math:`(s, b)`,
        :math:`G = b_0 - b_{H+1}`), and its CVaR from the sorted-atom formula of
        :func:`statkit.rl._cvar.cvar`. Exact for the rounded MDP (the MDP itself when
        rewards lie on the grid).

        Parameters
        ----------
        policy, b0, eta
            As in :meth:`return_law`.
        tau : float in (0, 1]

        Returns
        -------
        float
        """
        tau = check_tau(tau)
        values, probs = self.return_law(policy, b0, eta)
        return cvar(values, tau, probs)

    # ----------------------------------------------------------------------------------
    def step(self, h, s, a, rng):
        """Sample one transition: returns ``(r, s_next)`` with ``r ~ R_h(s, a)``, ``s' ~ P_h``."""
        k = int(np.searchsorted(self._cum_q[h, s, a], rng.random(), side="right"))
        k = min(k, self.reward_values.size - 1)
        t = int(np.searchsorted(self._cum_p[h, s, a], rng.random(), side="right"))
        return float(self.reward_values[k]), min(t, self.n_states - 1)

    def sample_episode(self, policy, b0, rng=None, n_episodes=1, eta=None):
        """Sample ``n_episodes`` episodes of an augmented-state policy from budget ``b0``.

        Vectorised over episodes. The budget follows :math:`b_{h+1} = b_h - \\phi(r_h)` on the grid;
        the recorded rewards and returns are the true ones.

        Parameters
        ----------
        policy, b0, eta
            As in :meth:`return_law`.
        rng : None, int or numpy.random.Generator
        n_episodes : int >= 1

        Returns
        -------
        Episodes
        """
        pol, eta = self._check_policy(policy, eta)
        nb = pol.shape[2]
        j0 = self._check_b0(b0, eta, nb)
        if isinstance(n_episodes, bool) or not isinstance(n_episodes, numbers.Integral):
            raise TypeError(f"n_episodes must be an int >= 1, got {n_episodes!r}")
        if n_episodes < 1:
            raise ValueError(f"n_episodes must be >= 1, got {n_episodes}")
        rng = check_random_state(rng)
        n, H = int(n_episodes), self.horizon
        ridx = _grid_index(self.reward_values, eta)
        states = np.empty((n, H + 1), dtype=np.int64)
        actions = np.empty((n, H), dtype=np.int64)
        rewards = np.empty((n, H))
        budgets = np.empty((n, H + 1), dtype=np.int64)
        states[:, 0] = self.initial_state
        budgets[:, 0] = j0
        m, S = self.reward_values.size, self.n_states
        for h in range(H):
            s = states[:, h]
            a = pol[h, s, np.clip(budgets[:, h], 0, nb - 1)]
            u = rng.random((n, 2))
            k = (u[:, :1] >= self._cum_q[h, s, a]).sum(axis=1).clip(max=m - 1)
            t = (u[:, 1:] >= self._cum_p[h, s, a]).sum(axis=1).clip(max=S - 1)
            actions[:, h] = a
            rewards[:, h] = self.reward_values[k]
            budgets[:, h + 1] = budgets[:, h] - ridx[k]
            states[:, h + 1] = t
        return Episodes(states, actions, rewards, eta * budgets, rewards.sum(axis=1))

    def __repr__(self):
        return (
            f"TabularMDP(horizon={self.horizon}, n_states={self.n_states}, "
            f"n_actions={self.n_actions}, reward_atoms={self.reward_values.size})"
        )


def _shift_sum(q, W):
    r"""``out[s, a, j] = sum_k q[s, a, k] * W[s, a, j - k]`` with ``W[..., j < 0] = 0``."""
    nb = W.shape[-1]
    out = np.zeros_like(W)
    for k in range(min(q.shape[-1], nb)):
        if k == 0:
            out += q[:, :, :1] * W
        else:
            out[:, :, k:] += q[:, :, k : k + 1] * W[:, :, : nb - k]
    return out


def _bellman_shortfall(P_h, q_h, V_next):
    r"""Shortfall Q-values :math:`Q(s, a, j) = \sum_k q_k \sum_{s'} P(s'|s,a) V(s', j - k)`.

    ``P_h`` (S, A, S), ``q_h`` (S, A, K), ``V_next`` (S, nb); returns (S, A, nb).
    """
    return _shift_sum(q_h, P_h @ V_next)
