r"""Exact and Monte Carlo pass@k regret of BoM, majority voting and Best-of-N.

The synthetic setting of Di et al. (arXiv:2510.03199, Sections 3 and 6): one prompt with a
known reference distribution :math:`\pi_{\mathrm{ref}}` over a finite set of answers, true
rewards :math:`r^*(y) \in [0, 1]` and a reward model :math:`\hat r(y)`. A strategy sees
:math:`N` i.i.d. answers from :math:`\pi_{\mathrm{ref}}` (each response's score is
:math:`\hat r` of its answer) and submits at most :math:`k` distinct answers; its regret is

.. math::

    \mathrm{Regret} = \max_y r^*(y) - \mathbb E\Big[\max_{y \in S} r^*(y)\Big],

with :math:`\max_{\emptyset} = 0` (an empty submission earns nothing). The quantities of
the paper's bounds are exact here:

.. math::

    \varepsilon_{RM} = \Big(\sum_y \pi_{\mathrm{ref}}(y)\,(\hat r(y) - r^*(y))^2\Big)^{1/2},
    \qquad \varepsilon_{opt} = |r^*(y^*) - \hat r(y^*)|, \qquad
    C^* = \sum_y \frac{\pi^*(y)^2}{\pi_{\mathrm{ref}}(y)} = \frac{1}{\pi_{\mathrm{ref}}(y^*)}.

With several optimal answers :math:`Y^*` the optimal policy is taken to be
:math:`\pi_{\mathrm{ref}}` restricted to :math:`Y^*`, the one with the smallest coverage,
so :math:`C^* = 1/\pi_{\mathrm{ref}}(Y^*)`, and :math:`\varepsilon_{opt}` is the largest
error on :math:`Y^*`.
"""

import math
import numbers
from itertools import combinations
from typing import NamedTuple

import numpy as np
from scipy.special import comb, gammaln

from statkit.utils import check_random_state

from ._best_of_majority import (
    _check_alpha,
    _check_choice,
    _check_k,
    best_of_majority,
    majority_vote,
)

__all__ = [
    "PassAtKSimulator",
    "RegretEstimate",
    "bon_hard_instance",
    "minimax_instance",
    "mv_hard_instance",
    "typical_instance",
]

_STRATEGIES = ("bom", "majority", "bon")
_MAX_OUTCOMES = 200_000
_MC_CELLS = 2_000_000  # samples drawn per Monte Carlo chunk


class RegretEstimate(NamedTuple):
    """Expected pass@k regret of one strategy.

    Attributes
    ----------
    regret : float
    std_error : float
        0 for ``method="exact"``; the Monte Carlo standard error otherwise.
    method : str
        ``"exact"`` (enumeration of the multinomial count vectors) or ``"mc"``.
    n_reps : int
        Monte Carlo replications (0 for exact).
    n_outcomes : int
        Count vectors enumerated (0 for Monte Carlo).
    """

    regret: float
    std_error: float
    method: str
    n_reps: int
    n_outcomes: int


def _compositions(n, parts):
    """All vectors of ``parts`` non-negative integers summing to ``n`` (stars and bars)."""
    bars = np.array(list(combinations(range(n + parts - 1), parts - 1)), dtype=np.int64)
    bars = bars.reshape(-1, parts - 1)
    edges = np.hstack(
        [np.full((bars.shape[0], 1), -1), bars, np.full((bars.shape[0], 1), n + parts - 1)]
    )
    return np.diff(edges, axis=1) - 1


class PassAtKSimulator:
    r"""A single-prompt pass@k instance with a known reference policy and reward model.

    Parameters
    ----------
    ref_probs : array-like of shape (n_answers,)
        :math:`\pi_{\mathrm{ref}}`, non-negative, summing to 1 (within 1e-9; renormalised).
    true_rewards : array-like of shape (n_answers,)
        :math:`r^*` in [0, 1].
    rm_rewards : array-like of shape (n_answers,), optional
        :math:`\hat r`, finite (need not lie in [0, 1]).
    rm_error : float, optional
        Instead of ``rm_rewards``: build :math:`\hat r = r^* + \varepsilon\,\xi /
        \|\xi\|_{\pi_{\mathrm{ref}}}` with :math:`\xi \sim N(0, I)`, so that
        :math:`\varepsilon_{RM}` equals ``rm_error`` exactly.
    random_state : None, int, SeedSequence or Generator
        Draws :math:`\xi` (``rm_error`` only).

    Attributes
    ----------
    ref_probs, true_rewards, rm_rewards : ndarray
    optimal_reward : float
        :math:`\max_y r^*(y)`, the reward of :math:`\pi^*`.
    """

    def __init__(
        self, ref_probs, true_rewards, rm_rewards=None, *, rm_error=None, random_state=None
    ):
        p = np.asarray(ref_probs, dtype=np.float64)
        if p.ndim != 1 or p.size == 0:
            raise ValueError(f"ref_probs must be a non-empty 1-D array, got shape {p.shape}")
        if not np.isfinite(p).all() or (p < 0).any():
            raise ValueError("ref_probs must be finite and >= 0")
        if abs(p.sum() - 1.0) > 1e-9:
            raise ValueError(f"ref_probs must sum to 1, got {p.sum()!r}")
        self.ref_probs = p / p.sum()
        r = np.asarray(true_rewards, dtype=np.float64)
        if r.shape != p.shape:
            raise ValueError(
                f"true_rewards must have the shape of ref_probs {p.shape}, got {r.shape}"
            )
        if not np.isfinite(r).all() or (r < 0).any() or (r > 1).any():
            raise ValueError("true_rewards must lie in [0, 1]")
        self.true_rewards = r
        if (rm_rewards is None) == (rm_error is None):
            raise ValueError("give exactly one of rm_rewards and rm_error")
        if rm_rewards is not None:
            h = np.asarray(rm_rewards, dtype=np.float64)
            if h.shape != p.shape:
                raise ValueError(
                    f"rm_rewards must have the shape of ref_probs {p.shape}, got {h.shape}"
                )
            if not np.isfinite(h).all():
                raise ValueError("rm_rewards must be finite")
        else:
            if isinstance(rm_error, bool) or not isinstance(rm_error, numbers.Real):
                raise TypeError(f"rm_error must be a real number >= 0, got {rm_error!r}")
            if not (math.isfinite(rm_error) and rm_error >= 0):
                raise ValueError(f"rm_error must be finite and >= 0, got {rm_error}")
            xi = check_random_state(random_state).standard_normal(p.size)
            norm = math.sqrt(float(np.sum(self.ref_probs * xi**2)))
            h = r + float(rm_error) * xi / norm
        self.rm_rewards = h
        self.optimal_reward = float(r.max())
        self._optimal = r == r.max()
        if self.ref_probs[self._optimal].sum() <= 0:
            raise ValueError("the optimal answers have zero reference probability: C* = inf")

    def __repr__(self):
        return (
            f"PassAtKSimulator(n_answers={self.ref_probs.size}, coverage={self.coverage:.4g}, "
            f"eps_rm={self.eps_rm:.4g}, eps_opt={self.eps_opt:.4g})"
        )

    @property
    def eps_rm(self):
        r"""Reward-model error :math:`(\sum_y \pi_{\mathrm{ref}}(y)(\hat r - r^*)^2)^{1/2}`."""
        d = self.rm_rewards - self.true_rewards
        return math.sqrt(float(np.sum(self.ref_probs * d * d)))

    @property
    def eps_opt(self):
        r""":math:`\max_{y \in Y^*} |r^*(y) - \hat r(y)|`."""
        d = np.abs(self.rm_rewards - self.true_rewards)[self._optimal]
        return float(d.max())

    @property
    def coverage(self):
        r""":math:`C^* = 1/\pi_{\mathrm{ref}}(Y^*)`."""
        return 1.0 / float(self.ref_probs[self._optimal].sum())

    @property
    def alpha_theory(self):
        r"""The paper's threshold :math:`\alpha = 3/(4C^*)` (Theorem 5.1)."""
        return 0.75 / self.coverage

    # ----------------------------------------------------------------------------------

    @staticmethod
    def _scores(counts, rm, strategy, group_score):
        """Ranking score per (outcome, answer) given counts: rewards depend on the answer
        only, so mean = max = r_hat(y) and sum = count * r_hat(y)."""
        if strategy == "majority":
            return counts.astype(np.float64)
        if strategy == "bom" and group_score == "sum":
            return counts * rm[None, :]
        return np.broadcast_to(rm[None, :], counts.shape)

    def _exact(self, strategy, N, k, alpha, group_score, on_empty):
        live = self.ref_probs > 0  # answers that can never be drawn play no part
        p, rstar = self.ref_probs[live], self.true_rewards[live]
        A = int(live.sum())
        counts = _compositions(N, A)
        logp = gammaln(N + 1) - gammaln(counts + 1).sum(1) + (counts * np.log(p)).sum(1)
        prob = np.exp(logp)
        score = self._scores(counts, self.rm_rewards[live], strategy, group_score)
        present = counts > 0
        freq = counts / N
        if strategy != "bom":
            eligible = present
        elif alpha == "auto":
            eligible = present & (freq >= 0.75 * freq.max(1, keepdims=True))
        else:
            eligible = present & (freq >= alpha)
        if on_empty == "relax":
            eligible = np.where(eligible.any(1, keepdims=True), eligible, present)
        # better[o, a, b]: b ranks strictly above a; tie: same (score, count). Ties between
        # answers with the same count are broken by first occurrence, which for i.i.d.
        # draws given the counts is a uniformly random order (swap the labels).
        sa, sb = score[:, :, None], score[:, None, :]
        ca, cb = counts[:, :, None], counts[:, None, :]
        elig_b = eligible[:, None, :]
        better = elig_b & ((sb > sa) | ((sb == sa) & (cb > ca)))
        tie = elig_b & (sb == sa) & (cb == ca)
        n_better = better.sum(2)
        n_tie = tie.sum(2)  # includes a itself when eligible
        sure = eligible & (n_better + n_tie <= k)
        value = np.where(sure, rstar[None, :], 0.0).max(1)
        # boundary block: eligible a with n_better < k < n_better + n_tie; at most one
        # block per outcome; a uniform m-subset of its b members is submitted
        border = eligible & (n_better < k) & (n_better + n_tie > k)
        rows = np.flatnonzero(border.any(1))
        if rows.size:
            bmask = border[rows]
            b = bmask.sum(1)
            m = k - n_better[rows, bmask.argmax(1)]  # shared by the block's members
            # position j (1-based) of each member in the block sorted by r* (desc, index)
            ra, rb = rstar[None, :, None], rstar[None, None, :]
            idx = np.arange(A)
            before = (rb > ra) | ((rb == ra) & (idx[None, None, :] < idx[None, :, None]))
            j = 1 + (bmask[:, None, :] & before).sum(2)
            # P(the j-th member is the best one submitted) = C(b - j, m - 1) / C(b, m)
            w = comb(b[:, None] - j, m[:, None] - 1) / comb(b, m)[:, None]
            w = np.where(bmask, w, 0.0)
            base = value[rows]
            value[rows] = (w * np.maximum(base[:, None], rstar[None, :])).sum(1)
        expected = float(np.sum(prob * value))
        return self.optimal_reward - expected, counts.shape[0]

    def _monte_carlo(self, strategy, N, k, alpha, group_score, on_empty, n_reps, rng):
        cdf = np.cumsum(self.ref_probs)
        cdf[-1] = 1.0
        values = np.empty(n_reps)
        chunk = max(1, _MC_CELLS // N)
        done = 0
        while done < n_reps:
            size = min(chunk, n_reps - done)
            draws = np.searchsorted(cdf, rng.random((size, N)), side="right")
            draws = np.minimum(draws, self.ref_probs.size - 1)
            # the real selectors, run on the sampled sequences (first-occurrence ties)
            if strategy == "majority":
                sel = majority_vote(draws, k)
            else:
                a = 0.0 if strategy == "bon" else alpha
                gs = "max" if strategy == "bon" else group_score
                sel = best_of_majority(draws, self.rm_rewards[draws], k, a, gs, on_empty=on_empty)
            chosen = sel.indices >= 0
            ans = np.where(chosen, sel.answers, 0).astype(np.int64)
            values[done : done + size] = np.where(chosen, self.true_rewards[ans], 0.0).max(1)
            done += size
        regret = self.optimal_reward - float(values.mean())
        se = float(values.std(ddof=1) / math.sqrt(n_reps)) if n_reps > 1 else math.nan
        return regret, se

    def regret(
        self,
        strategy,
        N,
        k,
        *,
        alpha=None,
        group_score="max",
        on_empty="none",
        method="auto",
        n_reps=None,
        random_state=None,
        max_outcomes=_MAX_OUTCOMES,
    ):
        r"""Expected pass@k regret :math:`r^*(\pi^*) - \mathbb E[\max_{y \in S} r^*(y)]`.

        Parameters
        ----------
        strategy : {"bom", "majority", "bon"}
            :func:`~statkit.llm._best_of_majority.best_of_majority` (with ``alpha`` and
            ``group_score``), :func:`majority_vote` or :func:`best_of_n`.
        N : int
            Samples drawn, >= k.
        k : int
            Answers submitted, >= 1.
        alpha : float in [0, 1] or "auto", optional
            BoM's threshold; default :attr:`alpha_theory` = :math:`3/(4C^*)`.
        group_score : {"max", "mean", "sum"}, default="max"
        on_empty : {"none", "relax"}, default="none"
        method : {"auto", "exact", "mc"}, default="auto"
            ``"exact"`` sums over all :math:`\binom{N + A - 1}{A - 1}` count vectors of the
            :math:`A` answers with positive probability, weighting each by its multinomial
            probability; ties broken by first occurrence are a uniformly random order
            given the counts, which the sum accounts for in closed form. ``"auto"`` uses
            it when there are at most ``max_outcomes`` vectors, Monte Carlo otherwise.
            ``"mc"`` draws ``n_reps`` sample sequences and runs the real selectors on them.
        n_reps : int, optional
            Monte Carlo replications (default 2000).
        random_state : None, int, SeedSequence or Generator
            Monte Carlo draws.
        max_outcomes : int, default=200000

        Returns
        -------
        RegretEstimate
        """
        strategy = _check_choice(strategy, "strategy", _STRATEGIES)
        method = _check_choice(method, "method", ("auto", "exact", "mc"))
        group_score = _check_choice(group_score, "group_score", ("mean", "max", "sum"))
        on_empty = _check_choice(on_empty, "on_empty", ("none", "relax"))
        k = _check_k(k)
        if isinstance(N, bool) or not isinstance(N, numbers.Integral):
            raise TypeError(f"N must be an integer >= k, got {N!r}")
        N = int(N)
        if N < k:
            raise ValueError(f"N must be an integer >= k={k}, got {N}")
        alpha = self.alpha_theory if alpha is None else _check_alpha(alpha)
        A = int((self.ref_probs > 0).sum())
        n_out = math.comb(N + A - 1, A - 1)
        if method == "exact" and n_out > max_outcomes:
            raise ValueError(
                f"exact enumeration needs {n_out} count vectors > max_outcomes={max_outcomes}; "
                "use method='mc' or raise max_outcomes"
            )
        if method == "exact" or (method == "auto" and n_out <= max_outcomes):
            reg, n = self._exact(strategy, N, k, alpha, group_score, on_empty)
            return RegretEstimate(reg, 0.0, "exact", 0, n)
        if n_reps is None:
            n_reps = 2000
        if isinstance(n_reps, bool) or not isinstance(n_reps, numbers.Integral) or n_reps < 1:
            raise ValueError(f"n_reps must be an integer >= 1, got {n_reps!r}")
        rng = check_random_state(random_state)
        reg, se = self._monte_carlo(strategy, N, k, alpha, group_score, on_empty, int(n_reps), rng)
        return RegretEstimate(reg, se, "mc", int(n_reps), 0)


# --------------------------------------------------------------------------------------
# the four instance families of the method note (section 6)
# --------------------------------------------------------------------------------------


def _check_coverage(coverage, minimum):
    if isinstance(coverage, bool) or not isinstance(coverage, numbers.Real):
        raise TypeError(f"coverage must be a real number >= {minimum}, got {coverage!r}")
    if not (math.isfinite(coverage) and coverage >= minimum):
        raise ValueError(f"coverage must be a finite number >= {minimum}, got {coverage}")
    return float(coverage)


def mv_hard_instance(k, coverage, rho=0.5):
    r"""Family 1 (majority voting fails; Theorem 4.1's construction).

    The optimal answer :math:`y^*` (index 0) has :math:`\pi_{\mathrm{ref}} = 1/C^*` and
    :math:`r^* = \hat r = 1`; :math:`k + 1` "popular mediocre" answers share the rest,
    each with :math:`\pi_{\mathrm{ref}} = (1 - 1/C^*)/(k + 1) > 1/C^*` and
    :math:`r^* = \hat r = \rho`. The reward model is exact (:math:`\varepsilon_{RM} = 0`):
    majority voting's regret tends to :math:`1 - \rho` as :math:`N` grows, BoM's to 0.

    Parameters
    ----------
    k : int
        >= 1.
    coverage : float
        :math:`C^* > k + 2` (so the mediocre answers are the more frequent).
    rho : float in [0, 1), default=0.5

    Returns
    -------
    PassAtKSimulator
    """
    k = _check_k(k)
    c = float(coverage) if isinstance(coverage, numbers.Real) else coverage
    c = _check_coverage(c, 1.0)
    if c <= k + 2:
        raise ValueError(f"coverage must be > k + 2 = {k + 2}, got {c}")
    if not (0 <= rho < 1):
        raise ValueError(f"rho must be in [0, 1), got {rho}")
    p = np.r_[1 / c, np.full(k + 1, (1 - 1 / c) / (k + 1))]
    r = np.r_[1.0, np.full(k + 1, float(rho))]
    return PassAtKSimulator(p, r, r.copy())


def bon_hard_instance(k, N, coverage, eps, eps_opt=0.0, n_impostors=None):
    r"""Family 2 (Best-of-N fails, adversarially in :math:`N`; Theorem 4.2's construction).

    - :math:`y^*` (index 0): :math:`\pi_{\mathrm{ref}} = 1/C^*`, :math:`r^* = 1`,
      :math:`\hat r = 1 - \varepsilon_{opt}`;
    - ``n_impostors`` rare answers of total mass :math:`q = k/N`:
      :math:`r^* = 1 - \Delta`, :math:`\hat r = 1`, with
      :math:`\Delta = \min(1, \sqrt{N\varepsilon^2/k})`, so :math:`q\Delta^2 = \varepsilon^2`
      while :math:`\Delta < 1`;
    - one filler answer with the remaining mass and :math:`r^* = \hat r = 0`.

    Then :math:`\varepsilon_{RM}^2 = q\Delta^2 + \varepsilon_{opt}^2/C^*`. Best-of-N's regret
    is about :math:`\Delta` (slope 1/2 in the design :math:`N`, saturating at 1); BoM's about
    :math:`\varepsilon_{opt}`.

    Parameters
    ----------
    k : int
    N : int
        The sample size the instance is built against.
    coverage : float
        :math:`C^* \ge 1`, with :math:`1/C^* + k/N \le 1`.
    eps : float
        :math:`\varepsilon \ge 0`.
    eps_opt : float, default=0
    n_impostors : int, optional
        Default ``k``: each impostor has mass :math:`1/N`, far below
        :math:`\alpha = 3/(4C^*)` once :math:`N \gg C^*`.

    Returns
    -------
    PassAtKSimulator
    """
    k = _check_k(k)
    if isinstance(N, bool) or not isinstance(N, numbers.Integral) or N < k:
        raise ValueError(f"N must be an integer >= k={k}, got {N!r}")
    c = _check_coverage(coverage, 1.0)
    q = k / N
    if 1 / c + q > 1 + 1e-12:
        raise ValueError(f"need 1/coverage + k/N <= 1, got {1 / c + q}")
    if not (eps >= 0 and 0 <= eps_opt <= 1):
        raise ValueError(f"eps must be >= 0 and eps_opt in [0, 1], got {eps}, {eps_opt}")
    m = k if n_impostors is None else int(n_impostors)
    if m < 1:
        raise ValueError(f"n_impostors must be >= 1, got {n_impostors}")
    delta = min(1.0, math.sqrt(N * eps**2 / k))
    rest = max(0.0, 1 - 1 / c - q)
    p = np.r_[1 / c, np.full(m, q / m), rest]
    r = np.r_[1.0, np.full(m, 1 - delta), 0.0]
    h = np.r_[1 - eps_opt, np.ones(m), 0.0]
    return PassAtKSimulator(p, r, h)


def minimax_instance(k, coverage, eps, optimal_index=0):
    r"""Family 3 (the minimax lower bound, Theorem 6.1's construction).

    :math:`M = 2k + 1` answers each with :math:`\pi_{\mathrm{ref}} = 1/C^*` (needs
    :math:`2k + 1 \le C^*`), one filler answer with the rest and :math:`r^* = \hat r = 0`.
    The optimal answer (``optimal_index`` among the :math:`M`) has :math:`r^* = 1`, the
    others :math:`r^* = 1 - \Delta`; :math:`\hat r \equiv 1` on all :math:`M`, with
    :math:`\Delta = \min(1, \sqrt{C^*\varepsilon^2/(2k)})`, so that
    :math:`\varepsilon_{RM} = \varepsilon` while :math:`\Delta < 1`. Nothing tells
    :math:`y^*` apart: by symmetry (the paper draws :math:`y^*` uniformly; here ties are
    broken by first occurrence, a uniformly random order) any strategy that submits
    :math:`k` of the :math:`M` has regret :math:`(k + 1)\Delta/(2k + 1)`.

    Parameters
    ----------
    k : int
    coverage : float
        :math:`C^* \ge 2k + 1`.
    eps : float
        >= 0.
    optimal_index : int, default=0

    Returns
    -------
    PassAtKSimulator
    """
    k = _check_k(k)
    M = 2 * k + 1
    c = _check_coverage(coverage, float(M))
    if not eps >= 0:
        raise ValueError(f"eps must be >= 0, got {eps}")
    if not (0 <= optimal_index < M):
        raise ValueError(f"optimal_index must be in [0, {M - 1}], got {optimal_index}")
    delta = min(1.0, math.sqrt(c * eps**2 / (2 * k)))
    rest = max(0.0, 1 - M / c)
    p = np.r_[np.full(M, 1 / c), rest]
    r = np.r_[np.full(M, 1 - delta), 0.0]
    r[optimal_index] = 1.0
    h = np.r_[np.ones(M), 0.0]
    return PassAtKSimulator(p, r, h)


def typical_instance(
    n_answers=1000, *, prior="zipf", exponent=1.1, concentration=0.1, noise=0.1, random_state=None
):
    r"""Family 4 (a typical case): a long-tailed :math:`\pi_{\mathrm{ref}}` and a noisy RM.

    :math:`\pi_{\mathrm{ref}}(y_i) \propto i^{-s}` (``prior="zipf"``, :math:`s` =
    ``exponent``) or :math:`\pi_{\mathrm{ref}} \sim \mathrm{Dirichlet}(a\mathbf 1)`
    (``prior="dirichlet"``, :math:`a` = ``concentration``); :math:`r^*(y) \sim U(0, 1)`
    i.i.d.; :math:`\hat r = \operatorname{clip}(r^* + \sigma\xi, 0, 1)`, :math:`\xi \sim
    N(0, 1)`, :math:`\sigma` = ``noise``. :math:`\varepsilon_{RM}` and :math:`C^*` are then
    read off the simulator, exactly. Meant for the Monte Carlo path.

    Returns
    -------
    PassAtKSimulator
    """
    if isinstance(n_answers, bool) or not isinstance(n_answers, numbers.Integral) or n_answers < 2:
        raise ValueError(f"n_answers must be an integer >= 2, got {n_answers!r}")
    prior = _check_choice(prior, "prior", ("zipf", "dirichlet"))
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rng = check_random_state(random_state)
    if prior == "zipf":
        if not exponent > 0:
            raise ValueError(f"exponent must be > 0, got {exponent}")
        p = np.arange(1, n_answers + 1, dtype=np.float64) ** (-float(exponent))
    else:
        if not concentration > 0:
            raise ValueError(f"concentration must be > 0, got {concentration}")
        p = rng.dirichlet(np.full(n_answers, float(concentration)))
        p = np.maximum(p, 1e-300)
    p = p / p.sum()
    r = rng.random(n_answers)
    h = np.clip(r + noise * rng.standard_normal(n_answers), 0.0, 1.0)
    return PassAtKSimulator(p, r, h)
