r"""CVaR-UCBVI: optimistic value iteration on the augmented state :math:`(s, b)`.

Wang, Kallus and Sun (arXiv:2302.03201, Sec. 5) learn the static-CVaR-optimal policy of an
unknown finite-horizon tabular MDP with a known reward law and normalised returns
:math:`G = \sum_h r_h \in [0, 1]`. The objective is the Rockafellar--Uryasev form

.. math::

    \mathrm{CVaR}_\tau(G) = \max_{b}\Big\{b - \tau^{-1}\,\mathbb E\big[(b - G)^+\big]\Big\},

and the inner shortfall :math:`\mathbb E[(b - G)^+]` is minimised over policies of the augmented
state :math:`(s, b)` with the known budget dynamics :math:`b_{h+1} = b_h - r_h` (Bäuerle and
Ott 2011). Each episode :math:`k` the learner

1. estimates :math:`\hat P_{h,k}(s' \mid s, a) = N_{h,k}(s, a, s') / N_{h,k}(s, a)`;
2. runs optimistic (shortfall-*under*-estimating) value iteration on the budget grid
   :math:`b \in \{0, \eta, 2\eta, \dots\}`, :math:`\hat V_{H+1}(s, b) = b^+`,

   .. math::

       \hat X_{h+1}(s', b) &= \sum_{k} R_h(k\eta \mid s, a)\, \hat V_{h+1}(s', b - k\eta),\\
       \hat Q_h(s, a, b) &= \max\Big\{0,\ \sum_{s'} \hat P_{h,k}(s' \mid s, a)\,
       \hat X_{h+1}(s', b) - \mathrm{Bon}_{h,k}(s, a, b)\Big\},\\
       \hat V_h(s, b) &= \min_a \hat Q_h(s, a, b), \qquad
       \hat\pi_h(s, b) = \arg\min_a \hat Q_h(s, a, b),

   with :math:`\hat V(\cdot, b) = 0` for :math:`b < 0` and :math:`\hat Q_h(s, a, \cdot) = 0`
   while :math:`N_{h,k}(s, a) = 0`;
3. picks the initial budget optimistically,
   :math:`\hat b_k = \arg\max_{b} \{b - \tau^{-1}\hat V_1(s_1, b)\}` (smallest maximiser);
   the maximum is the optimistic index :math:`\widehat{\mathrm{CVaR}}_k`;
4. rolls out :math:`a_h = \hat\pi_h(s_h, b_h)` from :math:`(s_1, \hat b_k)` with
   :math:`b_{h+1} = b_h - \phi(r_h)` (a negative budget acts as budget 0) and updates the counts.

Rewards are rounded up onto the grid, :math:`\phi(r) = \eta\lceil r/\eta\rceil \wedge 1`
(paper Sec. 6); for a :class:`~statkit.rl.TabularMDP` whose rewards lie on the grid this is the
identity. The regret of episode :math:`k` is measured on exact values,
:math:`\mathrm{CVaR}^*_\tau - \mathrm{CVaR}_\tau(R(\hat\pi_k, \hat b_k))`: the first from the
dynamic programme of :meth:`TabularMDP.cvar_optimal`, the second from the exact return law of
the executed policy (forward propagation over :math:`(s, b)`).

**Bonuses (paper-form unverified).** The method note had the names of the two bonuses, not their
constants, so statkit uses the standard concentration terms for a fixed :math:`[0, 1]`-valued
function of the next state, with :math:`n = N_{h,k}(s, a)` and
:math:`L = \log(S A H n_b K / \delta)` (a union bound over steps, pairs, budgets and episodes):

* ``"hoeffding"``: :math:`\mathrm{Bon} = \sqrt{L / (2n)}` (independent of :math:`b`);
* ``"bernstein"``: :math:`\mathrm{Bon} = \sqrt{2\,\widehat{\mathrm{Var}}\,L / n} + L / n`, with
  :math:`\widehat{\mathrm{Var}} = \mathrm{Var}_{s' \sim \hat P_{h,k}(\cdot \mid s, a)}
  \hat X_{h+1}(s', b)` -- the form of the bandit bonus (paper eq. 3,
  :math:`\sqrt{2\tau L/n} + L/n`) with the variance bound :math:`\tau` replaced by the empirical
  variance of the next-step shortfall (UCBVI-BF style, without its correction term);
* ``"none"``: no bonus (certainty-equivalent planning; a baseline without guarantees).

References
----------
Wang, K., Kallus, N. and Sun, W. (2023). Near-minimax-optimal risk-sensitive reinforcement
learning with CVaR. ICML 2023. arXiv:2302.03201.

Bäuerle, N. and Ott, J. (2011). Markov decision processes with average-value-at-risk criteria.
Mathematical Methods of Operations Research 74, 361--379.

Azar, M. G., Osband, I. and Munos, R. (2017). Minimax regret bounds for reinforcement learning.
ICML 2017. arXiv:1703.05449.
"""

import math
import numbers

import numba
import numpy as np

from statkit.utils import check_random_state

from ._cvar import _check_tau
from ._tabular_mdp import TabularMDP, _grid_index, check_eta

__all__ = ["CVaRUCBVI", "CVaRUCBVIResult"]

_BERNSTEIN, _HOEFFDING, _NONE = 0, 1, 2
_CODES = {"bernstein": _BERNSTEIN, "hoeffding": _HOEFFDING, "none": _NONE}


# --------------------------------------------------------------------------------------------
# numba kernels
# --------------------------------------------------------------------------------------------
@numba.njit(cache=False)
def _plan_nb(n_sas, n_sa, q, eta, tau, code, L, s0, V, pi):  # pragma: no cover - compiled
    """Optimistic backup over (h, s, b, a) into ``V`` (H+1, S, nb) and ``pi`` (H, S, nb).

    Returns the optimistic budget index and the optimistic CVaR index at it.
    """
    H, S, A, _ = n_sas.shape
    nb = V.shape[2]
    Kr = q.shape[3]
    for s in range(S):
        for j in range(nb):
            V[H, s, j] = j * eta
    x = np.empty(S)
    for h in range(H - 1, -1, -1):
        for s in range(S):
            for j in range(nb):
                best = np.inf
                arg = 0
                for a in range(A):
                    n = n_sa[h, s, a]
                    if n == 0:
                        Qv = 0.0
                    else:
                        mean = 0.0
                        sq = 0.0
                        for t in range(S):
                            c = n_sas[h, s, a, t]
                            if c == 0:
                                continue
                            xv = 0.0
                            for k in range(Kr):
                                if j - k < 0:
                                    break
                                xv += q[h, s, a, k] * V[h + 1, t, j - k]
                            x[t] = xv
                            p = c / n
                            mean += p * xv
                            sq += p * xv * xv
                        if code == _BERNSTEIN:
                            var = max(sq - mean * mean, 0.0)
                            bon = math.sqrt(2.0 * var * L / n) + L / n
                        elif code == _HOEFFDING:
                            bon = math.sqrt(L / (2.0 * n))
                        else:
                            bon = 0.0
                        Qv = max(0.0, mean - bon)
                    if Qv < best:
                        best = Qv
                        arg = a
                V[h, s, j] = best
                pi[h, s, j] = arg
    jbest = 0
    obj = -np.inf
    for j in range(nb):
        o = j * eta - V[0, s0, j] / tau
        if o > obj:
            obj = o
            jbest = j
    return jbest, obj


@numba.njit(cache=False)
def _policy_cvar_nb(P, q, pi, j0, s0, eta, tau):  # pragma: no cover - compiled
    """Exact CVaR of the rounded return of ``pi`` from budget index ``j0`` (forward law)."""
    H, S, _, _ = P.shape
    Kr = q.shape[3]
    nb = pi.shape[2]
    D = H * (Kr - 1) + 1
    mu = np.zeros((S, D))
    new = np.zeros((S, D))
    mu[s0, 0] = 1.0
    for h in range(H):
        new[:, :] = 0.0
        for s in range(S):
            for d in range(D):
                m = mu[s, d]
                if m == 0.0:
                    continue
                jb = min(max(j0 - d, 0), nb - 1)
                a = pi[h, s, jb]
                for k in range(Kr):
                    w = m * q[h, s, a, k]
                    if w == 0.0 or d + k >= D:
                        continue
                    for t in range(S):
                        new[t, d + k] += w * P[h, s, a, t]
        mu[:, :] = new
    # CVaR of atoms d * eta (already sorted) with probabilities sum_s mu[s, d]
    before = 0.0
    acc = 0.0
    taken = 0.0
    for d in range(D):
        p = 0.0
        for s in range(S):
            p += mu[s, d]
        take = min(p, max(0.0, tau - before))
        acc += take * d * eta
        taken += take
        before += p
    return acc / taken


@numba.njit(cache=False)
def _run_nb(P, cum_p, cum_q, q, rvals, ridx, s0, nb, eta, tau, code, L, u):  # pragma: no cover
    K = u.shape[0]
    H, S, A, _ = P.shape
    m = rvals.size
    n_sas = np.zeros((H, S, A, S), dtype=np.int64)
    n_sa = np.zeros((H, S, A), dtype=np.int64)
    V = np.empty((H + 1, S, nb))
    pi = np.empty((H, S, nb), dtype=np.int64)
    budgets = np.empty(K, dtype=np.int64)
    index = np.empty(K)
    pol_cvar = np.empty(K)
    returns = np.empty(K)
    for e in range(K):
        j0, idx = _plan_nb(n_sas, n_sa, q, eta, tau, code, L, s0, V, pi)
        budgets[e] = j0
        index[e] = idx
        pol_cvar[e] = _policy_cvar_nb(P, q, pi, j0, s0, eta, tau)
        s = s0
        j = j0
        G = 0.0
        for h in range(H):
            a = pi[h, s, max(j, 0)]
            k = 0
            while k < m - 1 and u[e, h, 0] >= cum_q[h, s, a, k]:
                k += 1
            t = 0
            while t < S - 1 and u[e, h, 1] >= cum_p[h, s, a, t]:
                t += 1
            n_sas[h, s, a, t] += 1
            n_sa[h, s, a] += 1
            G += rvals[k]
            j -= ridx[k]
            s = t
        returns[e] = G
    return budgets, index, pol_cvar, returns, n_sas, n_sa, V, pi


# --------------------------------------------------------------------------------------------
# numpy reference engine (same algorithm, vectorised over (s, a, s', b))
# --------------------------------------------------------------------------------------------
def _plan_np(n_sas, n_sa, q, eta, tau, code, L, s0, nb):
    H, S, A, _ = n_sas.shape
    V = np.zeros((H + 1, S, nb))
    V[H] = eta * np.arange(nb)
    pi = np.empty((H, S, nb), dtype=np.int64)
    for h in range(H - 1, -1, -1):
        n = n_sa[h].astype(float)
        P_hat = n_sas[h] / np.maximum(n, 1.0)[:, :, None]
        X = np.zeros((S, A, S, nb))  # X[s, a, t, j] = sum_k q[h, s, a, k] V[h+1, t, j - k]
        for k in range(min(q.shape[3], nb)):
            X[..., k:] += q[h, :, :, k, None, None] * V[h + 1][None, None, :, : nb - k]
        mean = np.einsum("sat,satj->saj", P_hat, X)
        if code == _BERNSTEIN:
            var = np.maximum(np.einsum("sat,satj->saj", P_hat, X * X) - mean**2, 0.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                bon = np.sqrt(2.0 * var * L / n[:, :, None]) + L / n[:, :, None]
        elif code == _HOEFFDING:
            with np.errstate(divide="ignore"):
                bon = np.broadcast_to(np.sqrt(L / (2.0 * n))[:, :, None], mean.shape)
        else:
            bon = np.zeros_like(mean)
        Q = np.where(n[:, :, None] > 0, np.maximum(0.0, mean - bon), 0.0)
        pi[h] = Q.argmin(axis=1)
        V[h] = Q.min(axis=1)
    obj = eta * np.arange(nb) - V[0, s0] / tau
    j = int(np.argmax(obj))
    return j, float(obj[j]), V, pi


def _run_np(env, q, rvals, ridx, nb, eta, tau, code, L, u):
    K = u.shape[0]
    H, S, A = env.horizon, env.n_states, env.n_actions
    cum_p = np.cumsum(env.transitions, axis=-1)
    cum_q = np.cumsum(env.reward_probs, axis=-1)
    n_sas = np.zeros((H, S, A, S), dtype=np.int64)
    n_sa = np.zeros((H, S, A), dtype=np.int64)
    budgets = np.empty(K, dtype=np.int64)
    index = np.empty(K)
    pol_cvar = np.empty(K)
    returns = np.empty(K)
    s0 = env.initial_state
    for e in range(K):
        j0, idx, V, pi = _plan_np(n_sas, n_sa, q, eta, tau, code, L, s0, nb)
        budgets[e], index[e] = j0, idx
        # TabularMDP's own forward propagation of the executed policy's return law
        pol_cvar[e] = env.policy_cvar(pi, j0 * eta, tau, eta=eta)
        s, j, G = s0, j0, 0.0
        for h in range(H):
            a = pi[h, s, max(j, 0)]
            k = min(int(np.searchsorted(cum_q[h, s, a], u[e, h, 0], side="right")), rvals.size - 1)
            t = min(int(np.searchsorted(cum_p[h, s, a], u[e, h, 1], side="right")), S - 1)
            n_sas[h, s, a, t] += 1
            n_sa[h, s, a] += 1
            G += rvals[k]
            j -= ridx[k]
            s = t
        returns[e] = G
    return budgets, index, pol_cvar, returns, n_sas, n_sa, V, pi


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------
class CVaRUCBVIResult:
    r"""Outcome of :meth:`CVaRUCBVI.run`.

    Attributes
    ----------
    regret : ndarray of shape (n_episodes,)
        Per-episode regret :math:`\mathrm{CVaR}^*_\tau - \mathrm{CVaR}_\tau(R(\hat\pi_k,
        \hat b_k))`, both exact (>= 0 up to rounding).
    cumulative_regret : ndarray of shape (n_episodes,)
        Its running sum.
    policy_cvar : ndarray of shape (n_episodes,)
        Exact :math:`\mathrm{CVaR}_\tau` of the policy executed in each episode, from its budget.
    index : ndarray of shape (n_episodes,)
        The optimistic value :math:`\max_b\{b - \tau^{-1}\hat V_1(s_1, b)\}` of each episode.
    budgets : ndarray of shape (n_episodes,)
        The chosen initial budgets :math:`\hat b_k`.
    returns : ndarray of shape (n_episodes,)
        Realised (unrounded) returns :math:`\sum_h r_h`.
    cvar_star : float
        :math:`\mathrm{CVaR}^*_\tau` from :meth:`TabularMDP.cvar_optimal`.
    tau, eta, bonus, log_term, n_episodes
        ``log_term`` is :math:`L = \log(S A H n_b K/\delta)`.
    """

    def __init__(self, *, policy_cvar, index, budgets, returns, cvar_star, tau, eta, bonus, L):
        self.policy_cvar = policy_cvar
        self.regret = cvar_star - policy_cvar
        self.cumulative_regret = np.cumsum(self.regret)
        self.index = index
        self.budgets = budgets
        self.returns = returns
        self.cvar_star = float(cvar_star)
        self.tau = tau
        self.eta = eta
        self.bonus = bonus
        self.log_term = L
        self.n_episodes = policy_cvar.size

    @property
    def final_regret(self):
        """Cumulative regret after the last episode."""
        return float(self.cumulative_regret[-1])

    def __repr__(self):
        return (
            f"CVaRUCBVIResult(bonus={self.bonus!r}, tau={self.tau:g}, eta={self.eta:g}, "
            f"n_episodes={self.n_episodes}, final_regret={self.final_regret:.4g})"
        )

    def summary(self):
        """Printable report at log-spaced episodes (text, and HTML in a notebook).

        Returns
        -------
        statkit.simulation._result.Summary
        """
        from statkit.simulation._result import Summary, _fmt

        K = self.n_episodes
        marks = sorted({min(K, 10**i) for i in range(int(math.log10(K)) + 1)} | {K})
        header = [
            ("algorithm", f"CVaR-UCBVI ({self.bonus} bonus)"),
            ("tau, eta", f"{_fmt(self.tau)}, {_fmt(self.eta)}"),
            ("episodes", str(K)),
            ("log term L", _fmt(self.log_term)),
            ("CVaR* (exact DP)", _fmt(self.cvar_star)),
        ]
        cols = ["episode k", "cum. regret", "regret/sqrt(k)", "CVaR(pi_k)", "index", "b_k"]
        rows = [
            [
                str(k),
                _fmt(float(self.cumulative_regret[k - 1])),
                _fmt(float(self.cumulative_regret[k - 1]) / math.sqrt(k)),
                _fmt(float(self.policy_cvar[k - 1])),
                _fmt(float(self.index[k - 1])),
                _fmt(float(self.budgets[k - 1])),
            ]
            for k in marks
        ]
        footer = [("cumulative regret", _fmt(self.final_regret))]
        return Summary("CVaR-UCBVI run", header, cols, rows, footer)


# --------------------------------------------------------------------------------------------
# estimator
# --------------------------------------------------------------------------------------------
class CVaRUCBVI:
    r"""CVaR-UCBVI (Wang, Kallus and Sun 2023) for finite-horizon tabular MDPs.

    Learns a policy maximising :math:`\mathrm{CVaR}_\tau` of the episode return from unknown
    transitions and a known reward law; see the module notes for the algorithm's equations:

    .. math::

        \hat Q_h(s, a, b) = \max\Big\{0,\ \hat P_{h,k}(\cdot \mid s, a)^\top
        \mathbb E_{r \sim R_h(s,a)} \hat V_{h+1}(\cdot, b - r) - \mathrm{Bon}_{h,k}(s, a, b)
        \Big\},\quad
        \hat b_k = \arg\max_b \big\{b - \tau^{-1}\min_a \hat Q_1(s_1, a, b)\big\}.

    Ties between actions go to the smallest action index, ties between budgets to the smallest
    budget, so given the environment's draws the learner is deterministic.

    Parameters
    ----------
    tau : float
        Risk tolerance in (0, 1]; ``tau=1`` is the risk-neutral (mean) objective.
    eta : float, default=0.05
        Budget/reward grid step, in (0, 1] with :math:`1/\eta` an integer.
    delta : float, optional
        Confidence in (0, 1); ``None`` uses :math:`\delta = 1/K` (known horizon, :meth:`run`),
        so :math:`L = \log(S A H n_b K^2)`. In step-by-step use without ``n_episodes`` the
        current episode :math:`k` replaces :math:`K` (anytime version).
    bonus : {"bernstein", "hoeffding", "none"}, default="bernstein"
        See the module notes; the constants are statkit's (paper form unverified).
    random_state : None, int, SeedSequence or Generator
        Drives the environment's draws in :meth:`run`.

    Attributes
    ----------
    counts_ : ndarray of shape (H, S, A, S)
        Transition counts :math:`N_{h}(s, a, s')`.
    visits_ : ndarray of shape (H, S, A)
        :math:`N_h(s, a)`.
    values_ : ndarray of shape (H + 1, S, n_budgets)
        Optimistic shortfall values :math:`\hat V_h(s, j\eta)` of the last plan.
    policy_ : ndarray of int, shape (H, S, n_budgets)
        The last plan's policy :math:`\hat\pi_h(s, j\eta)`.
    budget_ : float
        The last chosen initial budget :math:`\hat b_k`.
    index_ : float
        The last optimistic CVaR index.
    n_episodes_ : int
        Episodes played.

    Notes
    -----
    The budget grid is :math:`\{0, \eta, \dots, (n_b - 1)\eta\}`, :math:`n_b = \max(1/\eta,\,
    \sum_h \max_{s,a} \max\operatorname{supp}\phi(R_h(s, a))/\eta) + 1`, which covers every
    rounded return using only the known reward law. A plan costs
    :math:`O(H S^2 A n_b \bar k)` with :math:`\bar k` the number of rounded reward levels; the
    executed policy's exact CVaR costs :math:`O(H^2 S^2 \bar k^2)` per episode.

    References
    ----------
    .. [1] K. Wang, N. Kallus and W. Sun, "Near-Minimax-Optimal Risk-Sensitive Reinforcement
       Learning with CVaR", ICML 2023, arXiv:2302.03201.
    .. [2] N. Bäuerle and J. Ott, "Markov decision processes with average-value-at-risk
       criteria", Math. Methods Oper. Res. 74, 2011.
    """

    def __init__(self, tau, eta=0.05, delta=None, bonus="bernstein", random_state=None):
        self.tau = tau
        self.eta = eta
        self.delta = delta
        self.bonus = bonus
        self.random_state = random_state

    # -- validation ---------------------------------------------------------------------------
    def _validate(self):
        tau = _check_tau(self.tau)
        eta = check_eta(self.eta)
        d = self.delta
        if d is not None:
            if isinstance(d, bool) or not isinstance(d, numbers.Real):
                raise TypeError(f"delta must be None or a real number in (0, 1), got {d!r}")
            if not (0.0 < d < 1.0):
                raise ValueError(f"delta must be None or lie in (0, 1), got {d!r}")
        if self.bonus not in _CODES:
            raise ValueError(
                f"bonus must be 'bernstein', 'hoeffding' or 'none', got {self.bonus!r}"
            )
        return tau, eta

    @staticmethod
    def _check_env(env):
        if not isinstance(env, TabularMDP):
            raise TypeError(f"env must be a statkit.rl.TabularMDP, got {type(env).__name__}")

    @staticmethod
    def _check_n(n, name):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"{name} must be an integer >= 1, got {n!r}")
        if n < 1:
            raise ValueError(f"{name} must be >= 1, got {n}")
        return int(n)

    def _model(self, env, eta):
        """Known rounded reward law q (H, S, A, Kr), atom grid indices, budget-grid size."""
        q = env._rounded_law(eta)
        ridx = _grid_index(env.reward_values, eta)
        # largest rounded reward index per step, from the known reward law only
        top = np.where(q > 0, np.arange(q.shape[-1]), 0).max(axis=(1, 2, 3)).sum()
        nb = max(round(1.0 / eta), int(top)) + 1
        return q, ridx, nb

    def _log_term(self, env, nb, horizon):
        delta = 1.0 / horizon if self.delta is None else float(self.delta)
        sah = env.n_states * env.n_actions * env.horizon
        return math.log(sah * nb * horizon / delta)

    # -- step-by-step interface ---------------------------------------------------------------
    def reset(self, env, n_episodes=None):
        """Start learning on ``env`` (its sizes and reward law); clears the counts.

        Parameters
        ----------
        env : TabularMDP
        n_episodes : int, optional
            Known horizon :math:`K` (fixes :math:`L` as in :meth:`run`); ``None``: anytime.

        Returns
        -------
        self
        """
        tau, eta = self._validate()
        self._check_env(env)
        K = None if n_episodes is None else self._check_n(n_episodes, "n_episodes")
        q, _, nb = self._model(env, eta)
        H, S, A = env.horizon, env.n_states, env.n_actions
        self.counts_ = np.zeros((H, S, A, S), dtype=np.int64)
        self.visits_ = np.zeros((H, S, A), dtype=np.int64)
        self.values_ = np.zeros((H + 1, S, nb))
        self.policy_ = np.zeros((H, S, nb), dtype=np.int64)
        self.n_episodes_ = 0
        self._spec = (env, tau, eta, q, nb, K)
        self._h, self._s, self._j = 0, env.initial_state, None
        return self

    def select(self, h, s):
        """Action at step ``h`` (0-based) in state ``s``; at ``h = 0`` it plans and sets the budget.

        Returns
        -------
        int
        """
        if not hasattr(self, "_spec"):
            raise RuntimeError("call reset(env) before select/update")
        env, tau, eta, q, nb, K = self._spec
        if h != self._h or s != self._s:
            raise ValueError(
                f"expected step h={self._h} in state s={self._s} (episodes run h = 0..H-1 from "
                f"the initial state), got h={h!r}, s={s!r}"
            )
        if h == 0:
            code = _CODES[self.bonus]
            L = self._log_term(env, nb, K if K is not None else self.n_episodes_ + 1)
            j0, idx = _plan_nb(
                self.counts_, self.visits_, q, eta, tau, code, L, s, self.values_, self.policy_
            )
            self._j, self.budget_, self.index_ = int(j0), j0 * eta, float(idx)
        return int(self.policy_[h, s, max(self._j, 0)])

    def update(self, h, s, a, r, s_next):
        """Record the transition ``(s, a) -> (r, s_next)`` at step ``h``; returns ``self``."""
        if not hasattr(self, "_spec") or self._j is None:
            raise RuntimeError("call reset(env) and select(0, s) before update")
        env = self._spec[0]
        eta = self._spec[2]
        if h != self._h or s != self._s:
            raise ValueError(f"expected step h={self._h} in state s={self._s}, got h={h}, s={s}")
        A, S = env.n_actions, env.n_states
        for name, v, hi in (("a", a, A), ("s_next", s_next, S)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or not 0 <= v < hi:
                raise ValueError(f"{name} must be an integer in [0, {hi - 1}], got {v!r}")
        if isinstance(r, bool) or not isinstance(r, numbers.Real) or not (0.0 <= r <= 1.0):
            raise ValueError(f"reward r must be a real number in [0, 1], got {r!r}")
        self.counts_[h, s, a, s_next] += 1
        self.visits_[h, s, a] += 1
        self._j -= int(_grid_index(float(r), eta))
        if h + 1 == env.horizon:
            self._h, self._s, self._j = 0, env.initial_state, None
            self.n_episodes_ += 1
        else:
            self._h, self._s = h + 1, int(s_next)
        return self

    # -- whole simulation ---------------------------------------------------------------------
    def run(self, env, n_episodes, *, engine="numba"):
        r"""Learn for ``n_episodes`` episodes on ``env`` and measure the exact regret.

        The environment's uniforms are drawn first, ``rng.random((K, H, 2))`` from
        ``random_state`` (reward, then next state, by inverse CDF), so the numba and numpy
        engines see the same episodes.

        Parameters
        ----------
        env : TabularMDP
        n_episodes : int
            :math:`K \ge 1`.
        engine : {"numba", "numpy"}, default="numba"
            ``"numpy"``: the same algorithm with a vectorised numpy backup, a python roll-out
            and the executed policy's CVaR from :meth:`TabularMDP.policy_cvar` (a reference,
            slower). ``"numba"`` computes that CVaR by a compiled forward propagation.

        Returns
        -------
        CVaRUCBVIResult
        """
        tau, eta = self._validate()
        self._check_env(env)
        K = self._check_n(n_episodes, "n_episodes")
        if engine not in ("numba", "numpy"):
            raise ValueError(f"engine must be 'numba' or 'numpy', got {engine!r}")
        q, ridx, nb = self._model(env, eta)
        code = _CODES[self.bonus]
        L = self._log_term(env, nb, K)
        rng = check_random_state(self.random_state)
        u = rng.random((K, env.horizon, 2))
        if engine == "numba":
            out = _run_nb(
                env.transitions,
                np.cumsum(env.transitions, axis=-1),
                np.cumsum(env.reward_probs, axis=-1),
                q,
                env.reward_values,
                ridx,
                env.initial_state,
                nb,
                eta,
                tau,
                code,
                L,
                u,
            )
        else:
            out = _run_np(env, q, env.reward_values, ridx, nb, eta, tau, code, L, u)
        budgets, index, pol_cvar, returns, n_sas, n_sa, V, pi = out
        self.counts_, self.visits_, self.values_, self.policy_ = n_sas, n_sa, V, pi
        self.budget_, self.index_ = float(budgets[-1] * eta), float(index[-1])
        self.n_episodes_ = K
        self._spec = (env, tau, eta, q, nb, K)
        self._h, self._s, self._j = 0, env.initial_state, None
        cvar_star = env.cvar_optimal(tau, eta).value
        return CVaRUCBVIResult(
            policy_cvar=pol_cvar,
            index=index,
            budgets=budgets * eta,
            returns=returns,
            cvar_star=cvar_star,
            tau=tau,
            eta=eta,
            bonus=self.bonus,
            L=L,
        )
