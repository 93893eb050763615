r"""CVaR-UCB bandits: the Bernstein index of Wang, Kallus and Sun and the Hoeffding/DKW
baseline of Tamkin et al.

The learner maximises :math:`\mathrm{CVaR}_\tau` of the reward law of the pulled arm. After
:math:`K` rounds its pseudo-regret, on the arms' *true* CVaRs, is

.. math::

    \mathrm{Regret}_\tau(K) = \sum_{k=1}^K \big[\mathrm{CVaR}_\tau(\nu(a^\star))
    - \mathrm{CVaR}_\tau(\nu(a_k))\big].

Rewards are rescaled to [0, 1] and stored as per-arm histograms on a finite reward grid
:math:`0 \le g_0 < \dots < g_{G-1} \le 1`; a reward is rounded *up* to the next grid point,
:math:`\varphi(r) = \min\{g_j : g_j \ge r\}` (the paper's :math:`\eta`-grid rounding, which
keeps the index optimistic). On a law supported on the grid this is exact. Both indices are
computed from the histogram by the integral identity, valid for :math:`X \in [0, U]`,

.. math::

    \mathrm{CVaR}_\tau(F) = U - \frac{1}{\tau}\int_0^U \min\{F(x), \tau\}\, dx
    = U - \frac{1}{\tau}\sum_{j=0}^{G-1} (g_{j+1} - g_j)\,
      \min\{F(g_j), \tau\}, \qquad g_G = U = 1,

which stops as soon as :math:`F(g_j) \ge \tau`. One round costs :math:`O(G)` for the pulled
arm's index plus :math:`O(A)` for the arg-max: the other arms' indices do not change when the
horizon is known.
"""

import math
import numbers

import numba
import numpy as np

from statkit.rl._cvar import _check_tau
from statkit.utils import check_random_state

__all__ = ["CVaRBanditResult", "CVaRUCB"]

# Indices within this of the maximum count as tied (then broken at random): the numba kernel
# and the numpy path add the same terms in a different order.
_TIE_TOL = 1e-12
# Slack when rounding a reward up onto the grid, so that a reward on a grid point stays there.
_GRID_TOL = 1e-9
_DEFAULT_GRID = 1001
_BERNSTEIN, _HOEFFDING = 0, 1


# --------------------------------------------------------------------------------------------
# numba kernels (serial)
# --------------------------------------------------------------------------------------------
@numba.njit(cache=False)
def _shifted_cvar_nb(hist, n, grid, tau, shift):  # pragma: no cover - compiled
    """CVaR of the histogram's CDF lowered by ``shift`` (clipped at 0), top atom at U = 1."""
    G = grid.size
    acc = 0.0
    c = 0
    for j in range(G):
        c += hist[j]
        f = c / n - shift
        upper = grid[j + 1] if j + 1 < G else 1.0
        if f >= tau:
            acc += tau * (1.0 - grid[j])  # F stays >= tau up to U
            break
        if f > 0.0:
            acc += (upper - grid[j]) * f
    return 1.0 - acc / tau


@numba.njit(cache=False)
def _b0_nb(hist, n, grid, bon):  # pragma: no cover - compiled
    """Smallest b with mu_hat(b) = E_hat[(b - X)^+] = bon (mu_hat is increasing)."""
    G = grid.size
    P = 0.0
    S = 0.0
    for j in range(G):
        p = hist[j] / n
        P += p
        S += p * grid[j]
        if P <= 0.0:
            continue
        if j + 1 < G:
            if P * grid[j + 1] - S >= bon:
                return (bon + S) / P
    return (bon + S) / P


@numba.njit(cache=False)
def _index_nb(hist, n, grid, tau, code, L, clip):  # pragma: no cover - compiled
    if n == 0:
        return np.inf
    if code == _HOEFFDING:
        return _shifted_cvar_nb(hist, n, grid, tau, math.sqrt(L / (2.0 * n)))
    val = _shifted_cvar_nb(hist, n, grid, tau, 0.0) + math.sqrt(2.0 * L / (tau * n))
    val += L / (tau * n)
    if clip:
        bon = math.sqrt(2.0 * tau * L / n) + L / n
        b0 = _b0_nb(hist, n, grid, bon)
        # lower tau-quantile of the histogram
        c = 0
        q = grid[grid.size - 1]
        for j in range(grid.size):
            c += hist[j]
            if c >= tau * n - 1e-12 * n:
                q = grid[j]
                break
        if q < b0:
            val = b0
    return min(1.0, val)


@numba.njit(cache=False)
def _pick(index, u):  # pragma: no cover - compiled
    """Arg-max with ties (within _TIE_TOL) broken by the uniform ``u``."""
    A = index.size
    m = -np.inf
    for a in range(A):
        if index[a] > m:
            m = index[a]
    lim = m - _TIE_TOL
    nt = 0
    for a in range(A):
        if index[a] >= lim:
            nt += 1
    k = min(int(u * nt), nt - 1)
    for a in range(A):
        if index[a] >= lim:
            if k == 0:
                return a
            k -= 1
    return A - 1


@numba.njit(cache=False)
def _run_nb(ridx, grid, u, tau, code, L, clip):  # pragma: no cover - compiled
    T, A = ridx.shape
    hist = np.zeros((A, grid.size), dtype=np.int64)
    counts = np.zeros(A, dtype=np.int64)
    index = np.full(A, np.inf)
    arms = np.empty(T, dtype=np.int64)
    for t in range(T):
        a = _pick(index, u[t])
        arms[t] = a
        hist[a, ridx[t, a]] += 1
        counts[a] += 1
        index[a] = _index_nb(hist[a], counts[a], grid, tau, code, L, clip)
    return arms, hist, counts


# --------------------------------------------------------------------------------------------
# numpy path (online select/update and the reference loop)
# --------------------------------------------------------------------------------------------
def _shifted_cvar_np(hist, n, grid, tau, shift):
    F = np.cumsum(hist) / n - shift
    widths = np.diff(np.append(grid, 1.0))
    return 1.0 - float(np.sum(widths * np.clip(F, 0.0, tau))) / tau


def _index_np(hist, n, grid, tau, code, L, clip):
    if n == 0:
        return math.inf
    if code == _HOEFFDING:
        return _shifted_cvar_np(hist, n, grid, tau, math.sqrt(L / (2.0 * n)))
    val = _shifted_cvar_np(hist, n, grid, tau, 0.0) + math.sqrt(2.0 * L / (tau * n))
    val += L / (tau * n)
    if clip:
        bon = math.sqrt(2.0 * tau * L / n) + L / n
        p = hist / n
        P = np.cumsum(p)
        S = np.cumsum(p * grid)
        # mu_hat at the right end of segment j; the last segment is unbounded
        at_next = P[:-1] * grid[1:] - S[:-1]
        hit = np.flatnonzero((P[:-1] > 0) & (at_next >= bon))
        j = hit[0] if hit.size else grid.size - 1
        b0 = (bon + S[j]) / P[j]
        q = grid[np.argmax(np.cumsum(hist) >= tau * n - 1e-12 * n)]
        if q < b0:
            val = b0
    return min(1.0, val)


def _pick_np(index, u):
    m = np.max(index)
    tied = np.flatnonzero(index >= m - _TIE_TOL)
    return int(tied[min(int(u * tied.size), tied.size - 1)])


def _run_np(ridx, grid, u, tau, code, L, clip):
    T, A = ridx.shape
    hist = np.zeros((A, grid.size), dtype=np.int64)
    counts = np.zeros(A, dtype=np.int64)
    index = np.full(A, np.inf)
    arms = np.empty(T, dtype=np.int64)
    for t in range(T):
        a = _pick_np(index, u[t])
        arms[t] = a
        hist[a, ridx[t, a]] += 1
        counts[a] += 1
        index[a] = _index_np(hist[a], counts[a], grid, tau, code, L, clip)
    return arms, hist, counts


def _quantize(r, grid):
    """Index of the smallest grid point >= r (up to _GRID_TOL)."""
    return np.minimum(np.searchsorted(grid, np.asarray(r) - _GRID_TOL, side="left"), grid.size - 1)


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------
class CVaRBanditResult:
    r"""Outcome of :meth:`CVaRUCB.run`.

    Attributes
    ----------
    regret : ndarray of shape (n_rounds,)
        Cumulative pseudo-regret on the true CVaRs,
        :math:`\sum_{k \le t} [\mathrm{CVaR}^\star_\tau - \mathrm{CVaR}_\tau(a_k)]`.
    arms : ndarray of shape (n_rounds,)
        Arm pulled in each round.
    counts : ndarray of shape (n_arms,)
        Pulls per arm.
    cvar_hat : ndarray of shape (n_arms,)
        Final empirical CVaR of each arm's (grid-rounded) rewards, in reward units; NaN for an
        arm never pulled.
    true_cvar : ndarray of shape (n_arms,)
        The environment's exact CVaRs (reward units).
    tau, bonus, n_rounds, log_term : float, str, int, float
        ``log_term`` is :math:`L = \log(AK/\delta)` (Bernstein) or :math:`\log(2K/\delta)`
        (Hoeffding).
    """

    def __init__(self, *, regret, arms, counts, cvar_hat, true_cvar, tau, bonus, log_term):
        self.regret = regret
        self.arms = arms
        self.counts = counts
        self.cvar_hat = cvar_hat
        self.true_cvar = true_cvar
        self.tau = tau
        self.bonus = bonus
        self.n_rounds = arms.size
        self.log_term = log_term

    @property
    def final_regret(self):
        """Cumulative regret after the last round."""
        return float(self.regret[-1])

    def __repr__(self):
        return (
            f"CVaRBanditResult(bonus={self.bonus!r}, tau={self.tau:g}, "
            f"n_rounds={self.n_rounds}, final_regret={self.final_regret:.4g})"
        )

    def summary(self):
        """Printable report (text, and HTML in a notebook).

        Returns
        -------
        statkit.simulation._result.Summary
        """
        from statkit.simulation._result import Summary, _fmt

        header = [
            ("index", f"{self.bonus} CVaR-UCB"),
            ("tau", _fmt(self.tau)),
            ("rounds", str(self.n_rounds)),
            ("log term L", _fmt(self.log_term)),
        ]
        cols = ["arm", "true CVaR", "empirical CVaR", "pulls"]
        rows = [
            [str(a), _fmt(float(self.true_cvar[a])), _fmt(float(self.cvar_hat[a])), str(c)]
            for a, c in enumerate(self.counts)
        ]
        footer = [("cumulative regret", _fmt(self.final_regret))]
        return Summary("CVaR bandit run", header, cols, rows, footer)


# --------------------------------------------------------------------------------------------
# estimator
# --------------------------------------------------------------------------------------------
class CVaRUCB:
    r"""Optimistic CVaR bandit: Bernstein (Wang, Kallus, Sun) or Hoeffding/DKW (Tamkin et al.).

    With :math:`N = N_k(a)` pulls of arm :math:`a`, :math:`\widehat{\mathrm{CVaR}}_\tau(a)` the
    CVaR of its (rescaled, grid-rounded) rewards and :math:`A` arms, the indices are:

    **Bernstein** (paper Alg. 1, closed form). With :math:`L = \log(A K/\delta)` and the bonus
    of eq. 3, :math:`\mathrm{Bon} = \sqrt{2\tau L/N} + L/N`, the optimistic objective
    :math:`\hat f(b) = b - \tau^{-1}(\hat\mu(b) - \mathrm{Bon})`,
    :math:`\hat\mu(b) = N^{-1}\sum_i (b - r_i)^+`, is maximised at the empirical quantile, so

    .. math::

        I_k(a) = \min\Big\{1,\ \widehat{\mathrm{CVaR}}_\tau(a)
        + \sqrt{\frac{2L}{\tau N}} + \frac{L}{\tau N}\Big\}.

    With ``clip_shortfall=True`` the shortfall is clipped,
    :math:`\hat f(b) = b - \tau^{-1}(\hat\mu(b) - \mathrm{Bon})^+` over :math:`b \in [0, 1]`;
    with :math:`b_0 = \min\{b : \hat\mu(b) = \mathrm{Bon}\}` and :math:`\hat q` the empirical
    lower :math:`\tau`-quantile, the maximum is the unclipped index when
    :math:`\hat q \ge b_0` and :math:`b_0` otherwise (then capped at 1). It is never larger
    than the unclipped index, and stays optimistic.

    **Hoeffding/DKW** (Tamkin et al. 2019; the ``CVAR_UCB`` policy of Baudry et al.'s
    ``cvarBandits``): the CVaR of the empirical CDF lowered by
    :math:`b_N = \sqrt{\log(2K/\delta)/(2N)}` (:math:`\log(2K^2)` with the default
    :math:`\delta = 1/K`), the removed mass put on the top of the support :math:`U = 1`:

    .. math::

        I_k(a) = U - \frac{1}{\tau}\sum_{j} (g_{j+1} - g_j)\,
        \mathrm{clip}\big(\hat F_a(g_j) - b_N,\ 0,\ \tau\big), \qquad g_G = U,

    which for samples (grid = the sorted rewards) is
    :math:`U - \tau^{-1}\sum_{i=1}^{N} (x_{(i+1)} - x_{(i)})\,\mathrm{clip}(i/N - b_N, 0, \tau)`
    with :math:`x_{(N+1)} = U`. It is at most 1 by construction.

    Unpulled arms have index :math:`+\infty`, so each arm is pulled once first, in random
    order. Ties (indices within 1e-12 of the maximum) are broken uniformly at random: with
    :math:`m` tied arms in increasing order and :math:`u \sim U(0, 1)` drawn from
    ``random_state`` each round, the :math:`\lfloor u m \rfloor`-th is pulled.

    Parameters
    ----------
    tau : float
        Risk tolerance in (0, 1].
    delta : float, optional
        Confidence in (0, 1). ``None`` uses :math:`\delta = 1/K` when the horizon :math:`K` is
        known (:meth:`run`), so :math:`L = \log(AK^2)`. In step-by-step use (:meth:`select`)
        the horizon is unknown and the current round :math:`t` replaces :math:`K` (anytime
        version: :math:`L_t = \log(A t/\delta)`, :math:`\delta = 1/t` by default).
    bonus : {"bernstein", "hoeffding"}, default="bernstein"
    n_arms : int, optional
        Required for :meth:`select`/:meth:`update`; :meth:`run` takes it from the environment.
    reward_range : (float, float), default=(0.0, 1.0)
        Declared support :math:`[l, h]`, :math:`l < h`; rewards are rescaled by
        :math:`(r - l)/(h - l)` and one outside the range raises ValueError.
    grid_size : int, optional
        Number of points :math:`G \ge 2` of the reward grid :math:`\{j/(G-1)\}`, i.e.
        :math:`\eta = 1/(G-1)`. ``None``: in :meth:`run`, the exact support of the
        environment (all arms' atoms, so no rounding); in step-by-step use, 1001 points.
    clip_shortfall : bool, default=False
        Clip :math:`\hat\mu - \mathrm{Bon}` at 0 (Bernstein only).
    random_state : None, int, SeedSequence or Generator
        Drives the tie-breaking (and, in :meth:`run`, the environment's draws).

    Attributes
    ----------
    counts_ : ndarray of shape (n_arms,)
    hist_ : ndarray of shape (n_arms, G)
        Pulls of each arm that landed on each grid point.
    grid_ : ndarray of shape (G,)
        Reward grid, rescaled to [0, 1].
    t_ : int
        Rounds played.

    References
    ----------
    .. [1] K. Wang, N. Kallus and W. Sun, "Near-Minimax-Optimal Risk-Sensitive
       Reinforcement Learning with CVaR", ICML 2023, arXiv:2302.03201.
    .. [2] A. Tamkin, R. Keramati, C. Dann and E. Brunskill, "Distributionally-aware
       exploration for CVaR bandits", NeurIPS 2019 Workshop on Safety and Robustness in
       Decision Making.
    .. [3] D. Baudry, R. Gautron, E. Kaufmann and O.-A. Maillard, "Optimal Thompson
       Sampling strategies for support-aware CVaR bandits", ICML 2021, arXiv:2012.05754.
    """

    def __init__(
        self,
        tau,
        delta=None,
        bonus="bernstein",
        n_arms=None,
        reward_range=(0.0, 1.0),
        grid_size=None,
        clip_shortfall=False,
        random_state=None,
    ):
        self.tau = tau
        self.delta = delta
        self.bonus = bonus
        self.n_arms = n_arms
        self.reward_range = reward_range
        self.grid_size = grid_size
        self.clip_shortfall = clip_shortfall
        self.random_state = random_state

    # -- validation ---------------------------------------------------------------------------
    def _validate(self):
        tau = _check_tau(self.tau)
        if self.delta is not None:
            d = self.delta
            if isinstance(d, bool) or not isinstance(d, numbers.Real) or not (0.0 < d < 1.0):
                raise ValueError(f"delta must be None or lie in (0, 1), got {d!r}")
        if self.bonus not in ("bernstein", "hoeffding"):
            raise ValueError(f"bonus must be 'bernstein' or 'hoeffding', got {self.bonus!r}")
        if not isinstance(self.clip_shortfall, (bool, np.bool_)):
            raise TypeError(f"clip_shortfall must be a bool, got {self.clip_shortfall!r}")
        if self.clip_shortfall and self.bonus != "bernstein":
            raise ValueError("clip_shortfall=True applies to bonus='bernstein' only")
        try:
            lo, hi = (float(v) for v in self.reward_range)
        except (TypeError, ValueError):
            raise ValueError(
                "reward_range must be a pair (low, high) of finite floats, "
                f"got {self.reward_range!r}"
            ) from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(
                f"reward_range must satisfy finite low < high, got {self.reward_range}"
            )
        g = self.grid_size
        if g is not None and (isinstance(g, bool) or not isinstance(g, numbers.Integral) or g < 2):
            raise ValueError(f"grid_size must be None or an integer >= 2, got {g!r}")
        return tau, lo, hi

    @staticmethod
    def _check_n_arms(n):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"n_arms must be an integer >= 1, got {n!r}")
        return int(n)

    def _rescale(self, r, lo, hi):
        r = np.asarray(r, dtype=float)
        if not np.isfinite(r).all() or (r < lo).any() or (r > hi).any():
            raise ValueError(f"rewards must lie in reward_range [{lo}, {hi}]")
        return (r - lo) / (hi - lo)

    def _code_and_log(self, n_arms, horizon):
        delta = 1.0 / horizon if self.delta is None else float(self.delta)
        if self.bonus == "bernstein":
            return _BERNSTEIN, math.log(n_arms * horizon / delta)
        return _HOEFFDING, math.log(2.0 * horizon / delta)

    # -- step-by-step interface ---------------------------------------------------------------
    def _init_state(self):
        tau, lo, hi = self._validate()
        if self.n_arms is None:
            raise ValueError("n_arms must be given for select/update (run takes it from env)")
        n = self._check_n_arms(self.n_arms)
        G = _DEFAULT_GRID if self.grid_size is None else int(self.grid_size)
        self.grid_ = np.linspace(0.0, 1.0, G)
        self.hist_ = np.zeros((n, G), dtype=np.int64)
        self.counts_ = np.zeros(n, dtype=np.int64)
        self.t_ = 0
        self.rng_ = check_random_state(self.random_state)
        self._params = (tau, lo, hi, n)

    def select(self):
        """Arm to pull next (anytime index, see ``delta``).

        Returns
        -------
        int
        """
        if not hasattr(self, "hist_"):
            self._init_state()
        tau, _, _, n = self._params
        code, L = self._code_and_log(n, self.t_ + 1)
        index = np.array(
            [
                _index_np(
                    self.hist_[a], self.counts_[a], self.grid_, tau, code, L, self.clip_shortfall
                )
                for a in range(n)
            ]
        )
        return _pick_np(index, self.rng_.random())

    def update(self, arm, reward):
        """Record ``reward`` (in reward units) for ``arm``; returns ``self``."""
        if not hasattr(self, "hist_"):
            self._init_state()
        _, lo, hi, n = self._params
        if isinstance(arm, bool) or not isinstance(arm, numbers.Integral) or not 0 <= arm < n:
            raise ValueError(f"arm must be an integer in [0, {n - 1}], got {arm!r}")
        r = self._rescale(reward, lo, hi)
        if r.ndim != 0:
            raise ValueError(f"reward must be a scalar, got shape {r.shape}")
        self.hist_[arm, int(_quantize(r, self.grid_))] += 1
        self.counts_[arm] += 1
        self.t_ += 1
        return self

    # -- whole simulation ---------------------------------------------------------------------
    def run(self, env, n_rounds, *, engine="numba"):
        r"""Play ``n_rounds`` rounds against ``env`` in one compiled loop.

        All rewards are drawn first as potential outcomes, ``env.draw(n_rounds, rng)``
        (shape (n_rounds, n_arms)), then the tie-breaking uniforms ``rng.random(n_rounds)``,
        both from ``random_state``; the horizon :math:`K` = ``n_rounds`` is known, so
        :math:`L` is fixed and only the pulled arm's index is recomputed each round.

        Parameters
        ----------
        env : CVaRBanditEnv
            Or any object with ``n_arms``, ``draw(n_rounds, rng)`` and ``cvar(tau)``.
        n_rounds : int
            Horizon :math:`K \ge 1`.
        engine : {"numba", "numpy"}, default="numba"
            ``"numpy"`` runs the same algorithm as a pure numpy/python loop (a reference,
            about two orders of magnitude slower).

        Returns
        -------
        CVaRBanditResult
        """
        tau, lo, hi = self._validate()
        if engine not in ("numba", "numpy"):
            raise ValueError(f"engine must be 'numba' or 'numpy', got {engine!r}")
        if isinstance(n_rounds, bool) or not isinstance(n_rounds, numbers.Integral):
            raise TypeError(f"n_rounds must be an integer >= 1, got {n_rounds!r}")
        if n_rounds < 1:
            raise ValueError(f"n_rounds must be >= 1, got {n_rounds}")
        n = self._check_n_arms(env.n_arms)
        if self.n_arms is not None and self._check_n_arms(self.n_arms) != n:
            raise ValueError(f"n_arms={self.n_arms} does not match env.n_arms={n}")
        rng = check_random_state(self.random_state)
        rewards = np.asarray(env.draw(int(n_rounds), rng), dtype=float)
        if rewards.shape != (n_rounds, n):
            raise ValueError(f"env.draw must return shape {(n_rounds, n)}, got {rewards.shape}")
        u = rng.random(int(n_rounds))
        scaled = self._rescale(rewards, lo, hi)
        if self.grid_size is not None:
            grid = np.linspace(0.0, 1.0, int(self.grid_size))
        elif hasattr(env, "support"):
            grid = self._rescale(env.support(), lo, hi)
        else:
            grid = np.linspace(0.0, 1.0, _DEFAULT_GRID)
        ridx = _quantize(scaled, grid).astype(np.int64)
        code, L = self._code_and_log(n, int(n_rounds))
        runner = _run_nb if engine == "numba" else _run_np
        arms, hist, counts = runner(ridx, grid, u, tau, code, L, bool(self.clip_shortfall))
        self.grid_, self.hist_, self.counts_, self.t_ = grid, hist, counts, int(n_rounds)

        true = np.asarray(env.cvar(tau), dtype=float)
        regret = np.cumsum(true.max() - true[arms])
        cvar_hat = np.full(n, np.nan)
        for a in range(n):
            if counts[a]:
                cvar_hat[a] = lo + (hi - lo) * _shifted_cvar_np(hist[a], counts[a], grid, tau, 0.0)
        return CVaRBanditResult(
            regret=regret,
            arms=arms,
            counts=counts,
            cvar_hat=cvar_hat,
            true_cvar=true,
            tau=tau,
            bonus=self.bonus,
            log_term=L,
        )
