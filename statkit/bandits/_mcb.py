r"""The matrix-completion bandit: epsilon-greedy online gradient descent with online inference.

Duan, Li and Xia, "Online policy learning and inference by matrix completion",
arXiv:2404.17398 (statkit's method note ``shared/methods/matrix_completion_bandit.md``).

Model. Arm :math:`a \in \{0, \dots, K-1\}` has an unknown rank-r mean table
:math:`M_a \in \mathbb R^{d_1\times d_2}`. At round :math:`t` a context
:math:`X_t = e_{i_t}e_{j_t}^\top` arrives (uniform on :math:`[d_1]\times[d_2]`), the learner
pulls :math:`a_t` and sees :math:`y_t = \langle M_{a_t}, X_t\rangle + \xi_t`.

Learner (two phases, :math:`T_0 < T`):

* exploration :math:`\varepsilon_t = \varepsilon_1` for :math:`t \le T_0` and
  :math:`\varepsilon_t = \min(1, c_2 t^{-\gamma})` after; the greedy arm
  :math:`\arg\max_a \hat M_a^{(t-1)}(i_t, j_t)` is pulled with probability
  :math:`1 - \varepsilon_t + \varepsilon_t/K`, every other arm with :math:`\varepsilon_t/K`;
* step :math:`\eta_t = c_\eta d_1 d_2 \log(d_1)/(\hat\lambda_{\max} T^{1-\gamma})`, times
  :math:`\varepsilon_t` in phase 2;
* the pulled arm's rank-r factors take one balanced gradient step on the inverse-propensity
  weighted loss :math:`\tfrac{1}{2p_t}(\langle \hat M_{a_t}, X_t\rangle - y_t)^2`
  (:mod:`statkit.bandits._mcb_kernels`); the other arms do not move;
* warm start: a burn-in of ``n_warm`` uniformly explored rounds (they count in the regret),
  completed per arm by SoftImpute; :math:`\hat\lambda_{\max}` is the largest singular value of
  the warm start. The true tables are never used.

Inference (phase 2 only) is in :mod:`statkit.bandits._mcb_inference`.
"""

import math
import numbers
import warnings

import numpy as np
from sklearn.exceptions import NotFittedError

from statkit.datasets._mcb import _check_int
from statkit.utils import check_random_state

from ._envs import check_bandit_env
from ._mcb_inference import MCBInference, debiased_estimates
from ._mcb_kernels import flush_all, mcb_run_loop, mcb_select, mcb_step
from ._softimpute import soft_impute

__all__ = ["MCBRunResult", "MatrixCompletionBandit"]


def _check_real(value, name, low=None, high=None, low_open=False, high_open=False):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    lo_bad = low is not None and (value <= low if low_open else value < low)
    hi_bad = high is not None and (value >= high if high_open else value > high)
    if not math.isfinite(value) or lo_bad or hi_bad:
        lo = "" if low is None else ("(" if low_open else "[") + f"{low}, "
        hi = "" if high is None else f"{high}" + (")" if high_open else "]")
        rng = f"{lo}{hi}" if lo and hi else (f">= {low}" if lo else f"<= {high}")
        raise ValueError(f"{name} must be finite and lie in {rng}, got {value}")
    return value


class MCBRunResult:
    r"""Outcome of :meth:`MatrixCompletionBandit.run`.

    Attributes
    ----------
    regret : ndarray of shape (horizon,)
        Cumulative regret :math:`\sum_{s \le t} [\max_a M_a(i_s, j_s) - M_{a_s}(i_s, j_s)]`.
    arms, propensities : ndarray of shape (horizon,)
        Pulled arm and the probability with which it was pulled.
    rows, cols : ndarray of shape (horizon,)
        Contexts.
    rewards : ndarray of shape (horizon,)
        Observed rewards.
    epsilons : ndarray of shape (horizon,)
        Exploration rate used (1 in the burn-in).
    estimates : ndarray of shape (K, d1, d2)
        Final online estimates :math:`\hat M_a^{(T)} = U_aV_a^\top`.
    T0, n_warm, horizon : int
    """

    def __init__(self, **fields):
        for key, value in fields.items():
            setattr(self, key, value)

    @property
    def final_regret(self):
        """Cumulative regret after the last round."""
        return float(self.regret[-1])

    def __repr__(self):
        return (
            f"MCBRunResult(horizon={self.horizon}, T0={self.T0}, n_warm={self.n_warm}, "
            f"final_regret={self.final_regret:.4g})"
        )

    def summary(self):
        """Printable report of the run (text; HTML in a notebook).

        Returns
        -------
        statkit.simulation.Summary
        """
        from statkit.simulation._result import Summary, _fmt

        K = self.estimates.shape[0]
        header = [
            ("horizon T", str(self.horizon)),
            ("burn-in / phase 1 end", f"{self.n_warm} / {self.T0}"),
            ("final epsilon", _fmt(float(self.epsilons[-1]))),
        ]
        cols = ["arm", "pulls", "pulls in phase 2"]
        ph2 = self.arms[self.T0 :]
        rows = [
            [str(a), str(int(np.sum(self.arms == a))), str(int(np.sum(ph2 == a)))] for a in range(K)
        ]
        footer = [("cumulative regret", _fmt(self.final_regret))]
        return Summary("Matrix-completion bandit run", header, cols, rows, footer)


class MatrixCompletionBandit:
    r"""epsilon-greedy matrix-completion bandit with online gradient descent (Duan, Li, Xia).

    The learner keeps a rank-r factorisation :math:`\hat M_a = U_aV_a^\top` of each arm's mean
    table, plays epsilon-greedy on :math:`\hat M` and updates only the pulled arm, by one
    inverse-propensity weighted balanced gradient step per round (one row of each factor:
    :math:`O(r^3)` per round, independent of :math:`d_1, d_2`). Exploration and step:

    .. math::

        \varepsilon_t = \begin{cases} \varepsilon_1, & t \le T_0,\\
        \min(1, c_2 t^{-\gamma}), & t > T_0,\end{cases}\qquad
        \eta_t = \frac{c_\eta d_1 d_2 \log d_1}{\hat\lambda_{\max} T^{1-\gamma}}\times
        \begin{cases} 1, & t \le T_0,\\ \varepsilon_t, & t > T_0.\end{cases}

    Parameters
    ----------
    shape : (int, int)
        :math:`(d_1, d_2)`, each >= 2.
    rank : int
        Working rank :math:`r`, in ``[1, min(d1, d2))``.
    n_arms : int, default=2
        :math:`K \ge 2`.
    horizon : int, optional
        :math:`T`, which sets the step size (and ``T0="auto"``). Needed for
        :meth:`select`/:meth:`update`; :meth:`run` takes it from its own argument.
    T0 : int or "auto", default="auto"
        End of phase 1, :math:`1 \le T_0 < T`. ``"auto"`` is the paper's regret design
        :math:`T_0 = \lceil 13.5\, T^{1-\gamma}\rceil`, which must be < T (so T must exceed
        :math:`13.5^{1/\gamma}`: about 2,460 for :math:`\gamma = 1/3`, 33,200 for 1/4).
    exploration : (float, float), default=(10.0, 1/3)
        :math:`(c_2, \gamma)` with :math:`c_2 > 0` and :math:`0 < \gamma < 1`; a
        :math:`\gamma` outside :math:`(0, 1/3]` (the paper's range) warns. :math:`\varepsilon_t`
        is capped at 1.
    eps_phase1 : float, default=0.6
        :math:`\varepsilon_1 \in (0, 1]`.
    step : float, default=0.025
        :math:`c_\eta > 0`.
    warm_start : "explore" or array-like of shape (K, d1, d2), default="explore"
        ``"explore"``: the first ``n_warm`` rounds pull arms uniformly (propensity 1/K) and
        each arm's observed entries (duplicates averaged) are completed by SoftImpute at rank
        r. An array is the user's initial estimate (truncated to rank r by SVD).
    n_warm : int, optional
        Burn-in length for ``warm_start="explore"``: default
        :math:`\min(T_0, 50 K \max(d_1, d_2))` (the paper's 50 d entries per arm). Must be
        <= T0.
    warm_lambda : float, default=0.01
        SoftImpute penalty, relative: :math:`\lambda = \text{warm\_lambda}\cdot
        \sigma_1(Y_\Omega/\hat p)`, with :math:`Y_\Omega` the zero-filled burn-in table and
        :math:`\hat p` the observed fraction.
    random_state : None, int, SeedSequence or Generator
        Drives the arm draws (and in :meth:`run` the environment's draws).

    Attributes
    ----------
    U_, V_ : ndarray of shape (K, d1, r) and (K, d2, r)
        Current factors (not balanced: only :math:`U_aV_a^\top` is meaningful).
    t_ : int
        Rounds played.
    T0_, n_warm_, horizon_ : int
    lambda_max_ : float
        :math:`\hat\lambda_{\max}` from the warm start.
    eta_scale_ : float
        :math:`c_\eta d_1 d_2\log d_1/(\hat\lambda_{\max}T^{1-\gamma})`.

    Notes
    -----
    Regret: the paper proves :math:`R_T = \tilde O(T^{1-\gamma})`; the rate checks
    ``mcb-regret-gamma13`` and ``mcb-regret-gamma14`` fit :math:`a + bT^\theta`.
    Inference (:meth:`infer`) uses the rounds :math:`t > T_0`, so it needs ``run`` or
    :meth:`update` past :math:`T_0`.

    References
    ----------
    .. [1] Duan, C., Li, J. and Xia, D. (2024). Online policy learning and inference by matrix
       completion. arXiv:2404.17398.

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.bandits import LowRankBanditEnv, MatrixCompletionBandit
    >>> from statkit.datasets import make_low_rank_arms
    >>> env = LowRankBanditEnv(make_low_rank_arms(20, 20, random_state=0), noise=1.0)
    >>> bandit = MatrixCompletionBandit((20, 20), rank=2, random_state=0)
    >>> result = bandit.run(env, 20_000)
    >>> per_round = np.diff(result.regret, prepend=0.0)
    >>> bool(per_round[-5000:].mean() < per_round[: result.n_warm].mean())  # it learns
    True
    >>> inference = bandit.inference()
    >>> r = inference.infer((0, 4), arm=(1, 0))  # M_1 - M_0 at cell (0, 4)
    >>> r.ci[0] < r.estimate < r.ci[1]
    True
    """

    def __init__(
        self,
        shape,
        rank,
        n_arms=2,
        *,
        horizon=None,
        T0="auto",
        exploration=(10.0, 1 / 3),
        eps_phase1=0.6,
        step=0.025,
        warm_start="explore",
        n_warm=None,
        warm_lambda=0.01,
        random_state=None,
    ):
        self.shape = shape
        self.rank = rank
        self.n_arms = n_arms
        self.horizon = horizon
        self.T0 = T0
        self.exploration = exploration
        self.eps_phase1 = eps_phase1
        self.step = step
        self.warm_start = warm_start
        self.n_warm = n_warm
        self.warm_lambda = warm_lambda
        self.random_state = random_state

    # -- validation ---------------------------------------------------------------------------
    def _validate(self, horizon):
        try:
            d1, d2 = self.shape
        except (TypeError, ValueError):
            raise ValueError(f"shape must be a pair (d1, d2), got {self.shape!r}") from None
        d1 = _check_int(d1, "shape[0]", 2)
        d2 = _check_int(d2, "shape[1]", 2)
        r = _check_int(self.rank, "rank", 1)
        if r >= min(d1, d2):
            raise ValueError(f"rank must lie in [1, min(d1, d2)) = [1, {min(d1, d2)}), got {r}")
        K = _check_int(self.n_arms, "n_arms", 2)
        if horizon is None:
            raise ValueError("horizon must be given for select/update (run takes its own)")
        T = _check_int(horizon, "horizon", 2)
        try:
            c2, gamma = self.exploration
        except (TypeError, ValueError):
            raise ValueError(
                f"exploration must be a pair (c, gamma), got {self.exploration!r}"
            ) from None
        c2 = _check_real(c2, "exploration c", 0.0, low_open=True)
        gamma = _check_real(gamma, "exploration gamma", 0.0, 1.0, low_open=True, high_open=True)
        if gamma > 1 / 3 + 1e-12:
            warnings.warn(
                f"exploration gamma={gamma:g} is outside the paper's range (0, 1/3]: the "
                "regret and inference guarantees are not claimed there",
                UserWarning,
                stacklevel=3,
            )
        eps1 = _check_real(self.eps_phase1, "eps_phase1", 0.0, 1.0, low_open=True)
        step = _check_real(self.step, "step", 0.0, low_open=True)
        if isinstance(self.T0, str):
            if self.T0 != "auto":
                raise ValueError(f"T0 must be an integer or 'auto', got {self.T0!r}")
            T0 = math.ceil(13.5 * T ** (1 - gamma))
        else:
            T0 = _check_int(self.T0, "T0", 1)
        if T0 >= T:
            raise ValueError(
                f"T0 must be < horizon (phase 2 must exist), got T0={T0}, horizon={T}"
                + (" (T0='auto' = ceil(13.5 T^(1-gamma)))" if self.T0 == "auto" else "")
            )
        warm = self.warm_start
        if isinstance(warm, str):
            if warm != "explore":
                raise ValueError(f"warm_start must be 'explore' or an array, got {warm!r}")
            if self.n_warm is None:
                n_warm = min(T0, 50 * K * max(d1, d2))
            else:
                n_warm = _check_int(self.n_warm, "n_warm", 1)
                if n_warm > T0:
                    raise ValueError(f"n_warm must be <= T0={T0}, got {n_warm}")
            M0 = None
        else:
            M0 = np.array(warm, dtype=np.float64)
            if M0.shape != (K, d1, d2):
                raise ValueError(f"warm_start array must have shape {(K, d1, d2)}, got {M0.shape}")
            if not np.all(np.isfinite(M0)):
                raise ValueError("warm_start array must be finite")
            n_warm = 0
        lam = _check_real(self.warm_lambda, "warm_lambda", 0.0)
        return dict(
            d1=d1, d2=d2, r=r, K=K, T=T, c2=c2, gamma=gamma, eps1=eps1, step=step, T0=T0,
            n_warm=n_warm, M0=M0, lam=lam,
        )  # fmt: skip

    # -- state --------------------------------------------------------------------------------
    def _init_state(self, p, rng):
        self._p = p
        self.rng_ = rng
        self.t_ = 0
        self.T0_, self.n_warm_, self.horizon_ = p["T0"], p["n_warm"], p["T"]
        K, d1, d2 = p["K"], p["d1"], p["d2"]
        self._S = np.zeros((K, d1, d2))
        self._C = np.zeros((K, d1, d2))
        self._D = np.zeros((K, d1, d2))
        self._sig2 = np.zeros(K)
        self._rowtime = np.zeros((K, d1), dtype=np.int64)
        self._coltime = np.zeros((K, d2), dtype=np.int64)
        self._flushed = True
        if p["M0"] is not None:
            self._set_factors(p["M0"])
        else:
            self._wsum = np.zeros((K, d1, d2))
            self._wcnt = np.zeros((K, d1, d2), dtype=np.int64)
            self.U_ = self.V_ = None

    def _set_factors(self, M0):
        """Balanced rank-r factors of each table, lambda_max and the step scale."""
        p = self._p
        K, d1, d2, r = p["K"], p["d1"], p["d2"], p["r"]
        U = np.empty((K, d1, r))
        V = np.empty((K, d2, r))
        lam_max = 0.0
        for a in range(K):
            L, s, Rt = np.linalg.svd(M0[a], full_matrices=False)
            s = s[:r].copy()
            lam_max = max(lam_max, float(s[0]))
            # keep the factor pair invertible when the table has rank < r
            s = np.maximum(s, 1e-8 * max(s[0], 1e-300))
            U[a] = L[:, :r] * np.sqrt(s)
            V[a] = Rt[:r].T * np.sqrt(s)
        if not lam_max > 0:
            raise ValueError("the warm start is identically zero: cannot set the step size")
        self.U_, self.V_ = U, V
        self._A = np.einsum("kia,kib->kab", U, U)
        self._B = np.einsum("kja,kjb->kab", V, V)
        self.lambda_max_ = lam_max
        self.eta_scale_ = (
            p["step"] * d1 * d2 * math.log(d1) / (lam_max * p["T"] ** (1 - p["gamma"]))
        )

    def _finish_burn_in(self):
        p = self._p
        M0 = np.empty((p["K"], p["d1"], p["d2"]))
        for a in range(p["K"]):
            mask = self._wcnt[a] > 0
            if not mask.any():
                raise ValueError(f"the burn-in never pulled arm {a}: increase n_warm")
            Y = np.where(mask, self._wsum[a] / np.maximum(self._wcnt[a], 1), 0.0)
            s1 = np.linalg.norm(Y / mask.mean(), 2)
            M0[a] = soft_impute(Y, mask, rank=p["r"], lam=p["lam"] * s1).matrix
        self._set_factors(M0)

    def _eps(self, t):
        p = self._p
        if self.U_ is None:  # burn-in
            return 1.0
        if t <= p["T0"]:
            return p["eps1"]
        return min(1.0, p["c2"] * t ** (-p["gamma"]))

    # -- step-by-step interface ---------------------------------------------------------------
    def _ensure_state(self):
        if not hasattr(self, "t_"):
            self._init_state(self._validate(self.horizon), check_random_state(self.random_state))

    def _check_context(self, i, j):
        d1, d2 = self._p["d1"], self._p["d2"]
        for name, x, d in (("i", i, d1), ("j", j, d2)):
            if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral):
                raise TypeError(f"context index {name} must be an integer, got {x!r}")
            if not 0 <= x < d:
                raise ValueError(f"context index {name} must lie in [0, {d}), got {x}")
        return int(i), int(j)

    def select(self, i, j):
        """Arm to pull at context ``(i, j)`` and its propensity.

        Consumes one uniform from the learner's generator per call. During the burn-in the
        arm is uniform (propensity 1/K).

        Returns
        -------
        arm : int
        propensity : float
            Probability with which ``arm`` was drawn; pass it to :meth:`update`.
        """
        self._ensure_state()
        i, j = self._check_context(i, j)
        if self.t_ >= self._p["T"]:
            raise ValueError(f"the horizon T={self._p['T']} has been played")
        u = self.rng_.random()
        K = self._p["K"]
        if self.U_ is None:
            return min(int(u * K), K - 1), 1.0 / K
        arm, prop, _ = mcb_select(self.U_, self.V_, i, j, self._eps(self.t_ + 1), u)
        return int(arm), float(prop)

    def update(self, i, j, arm, reward, propensity):
        """Record round ``t_ + 1``: context ``(i, j)``, pulled ``arm``, its ``reward`` and
        ``propensity``; returns ``self``.

        Raises
        ------
        ValueError
            Indices or arm out of range, a non-finite reward, a propensity outside (0, 1].
        """
        self._ensure_state()
        i, j = self._check_context(i, j)
        K = self._p["K"]
        if isinstance(arm, (bool, np.bool_)) or not isinstance(arm, numbers.Integral):
            raise TypeError(f"arm must be an integer, got {arm!r}")
        if not 0 <= arm < K:
            raise ValueError(f"arm must lie in [0, {K}), got {arm}")
        y = _check_real(reward, "reward")
        prop = _check_real(propensity, "propensity", 0.0, 1.0, low_open=True)
        if self.t_ >= self._p["T"]:
            raise ValueError(f"the horizon T={self._p['T']} has been played")
        t = self.t_ + 1
        if self.U_ is None:
            self._wsum[arm, i, j] += y
            self._wcnt[arm, i, j] += 1
            if t == self._p["n_warm"]:
                self._finish_burn_in()
        else:
            mult = 1.0 if t <= self._p["T0"] else self._eps(t)
            if t > self._p["T0"]:
                self._flushed = False
            mcb_step(
                self.U_, self.V_, self._A, self._B, int(arm), i, j, y, prop,
                self.eta_scale_ * mult, t, self._p["T0"], self._S, self._C, self._D,
                self._sig2, self._rowtime, self._coltime, True,
            )  # fmt: skip
        self.t_ = t
        return self

    # -- whole simulation ---------------------------------------------------------------------
    def run(self, env, horizon):
        r"""Play ``horizon`` rounds against ``env`` (numba loop after the burn-in).

        The contexts and all K potential rewards are drawn first,
        ``env.draw(horizon, rng)``, then one uniform per round, ``rng.random(horizon)``,
        both from ``random_state``; round t uses the t-th uniform exactly as :meth:`select`
        would, so a :meth:`select`/:meth:`update` loop fed the same generator gives the same
        arms.

        Parameters
        ----------
        env : LowRankBanditEnv or any object passing :func:`check_bandit_env`
        horizon : int
            :math:`T`; overrides the ``horizon`` parameter (which must then be None or equal).

        Returns
        -------
        MCBRunResult
        """
        if self.horizon is not None and self.horizon != horizon:
            raise ValueError(f"horizon={horizon} differs from the parameter {self.horizon}")
        p = self._validate(horizon)
        check_bandit_env(env, horizon=4)
        if tuple(env.shape) != tuple(self.shape):
            raise ValueError(f"env.shape {tuple(env.shape)} differs from shape {self.shape}")
        if env.n_arms != self.n_arms:
            raise ValueError(f"env.n_arms={env.n_arms} differs from n_arms={self.n_arms}")
        rng = check_random_state(self.random_state)
        self._init_state(p, rng)
        T, K, T0, nw = p["T"], p["K"], p["T0"], p["n_warm"]
        rows, cols, rewards = env.draw(T, rng)
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        cols = np.ascontiguousarray(cols, dtype=np.int64)
        rewards = np.ascontiguousarray(rewards, dtype=np.float64)
        uniforms = rng.random(T)
        arms = np.empty(T, dtype=np.int64)
        props = np.empty(T)
        ys = np.empty(T)
        yhats = np.full(T, np.nan)
        epss = np.ones(T)
        if nw:
            arms[:nw] = np.minimum((uniforms[:nw] * K).astype(np.int64), K - 1)
            props[:nw] = 1.0 / K
            ys[:nw] = rewards[np.arange(nw), arms[:nw]]
            np.add.at(self._wsum, (arms[:nw], rows[:nw], cols[:nw]), ys[:nw])
            np.add.at(self._wcnt, (arms[:nw], rows[:nw], cols[:nw]), 1)
            self._finish_burn_in()
        sl = slice(nw, T)
        mcb_run_loop(
            self.U_, self.V_, self._A, self._B, rows[sl], cols[sl], rewards[sl], uniforms[sl],
            nw + 1, T0, p["eps1"], p["c2"], p["gamma"], self.eta_scale_, self._S, self._C,
            self._D, self._sig2, self._rowtime, self._coltime, True, arms[sl], props[sl],
            ys[sl], yhats[sl], epss[sl],
        )  # fmt: skip
        self.t_ = T
        self._flushed = False
        regret = np.cumsum(env.regret(rows, cols, arms))
        return MCBRunResult(
            regret=regret, arms=arms, propensities=props, rows=rows, cols=cols, rewards=ys,
            epsilons=epss, estimates=self.estimates_, T0=T0, n_warm=nw, horizon=T,
        )  # fmt: skip

    # -- estimates and inference --------------------------------------------------------------
    @property
    def estimates_(self):
        r"""Current online estimates :math:`\hat M_a = U_aV_a^\top`, shape (K, d1, d2)."""
        if getattr(self, "U_", None) is None:
            raise NotFittedError("no estimate yet: run the bandit (or finish the burn-in) first")
        return np.einsum("kia,kja->kij", self.U_, self.V_)

    def _phase2_sums(self):
        if self.t_ <= self.T0_:
            raise ValueError(
                f"inference uses the rounds t > T0={self.T0_}; only {self.t_} rounds played"
            )
        if not self._flushed:
            flush_all(self.U_, self.V_, self._S, self._rowtime, self._coltime, self.t_, self.T0_)
            self._flushed = True
        return self._S, self._C, self._D, self._sig2

    def inference(self, variance="exact"):
        r"""The debiased, rank-r projected estimates and their plug-in variance machinery.

        .. math::

            \hat M_a^{\rm unbs} = \frac{1}{n}\sum_{t=T_0+1}^{t_{\rm end}}
            \Big[\hat M_a^{(t-1)} + d_1d_2\frac{\mathbb 1\{a_t = a\}}{p_t}
            (y_t - \langle\hat M_a^{(t-1)}, X_t\rangle)X_t\Big],\qquad n = t_{\rm end} - T_0,

        then :math:`\hat M_a^{\rm proj} = LL^\top\hat M_a^{\rm unbs}RR^\top` (top-r singular
        vectors of :math:`\hat M_a^{\rm unbs}`). See :class:`MCBInference` for the variance.

        Parameters
        ----------
        variance : {"exact", "paper", "empirical"}, default="exact"
            How the standard errors are formed; see :class:`MCBInference`.

        Returns
        -------
        MCBInference
        """
        S, C, D, sig2 = self._phase2_sums()
        p = self._p
        unbs, proj, sigma2 = debiased_estimates(S, C, sig2, self.t_, self.T0_, p["r"])
        return MCBInference(
            debiased=unbs, projected=proj, noise_var=sigma2, ipw_second_moment=D,
            estimates=self.estimates_, rank=p["r"], T=self.t_, T0=self.T0_, c2=p["c2"],
            gamma=p["gamma"], variance=variance,
        )  # fmt: skip
