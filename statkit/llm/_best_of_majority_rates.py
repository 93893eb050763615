r"""Rate checks for Best-of-Majority, majority voting and Best-of-N (arXiv:2510.03199).

Claims checked (Di, Ji, Li, Zhao, Gu 2025, as read in statkit's method note
``shared/methods/best_of_majority.md``, sections 4 and 6; the theorems are known from a
secondary reading of the paper, not from the PDF). Regret is the pass@k regret
:math:`r^*(y^*) - \mathbb E[\max_{y \in S} r^*(y)]` of a submitted set :math:`S` of at most
:math:`k` distinct answers built from :math:`N` i.i.d. samples of
:math:`\pi_{\mathrm{ref}}` (see :class:`~statkit.llm.PassAtKSimulator`).

- ``bom-regret-k`` (Theorems 5.1 and 6.1): on the minimax family
  (:func:`~statkit.llm.minimax_instance`) with :math:`\varepsilon_{RM} > 0`, BoM with
  :math:`\alpha = 3/(4C^*)` has regret :math:`\asymp \sqrt{C^*\varepsilon_{RM}^2/k}`:
  slope :math:`-1/2` in :math:`k`. Once every candidate passes the filter, the exact
  regret on this family is :math:`\frac{k+1}{2k+1}\Delta_k` with
  :math:`\Delta_k = \sqrt{C^*\varepsilon^2/(2k)}` (the optimal answer is one of
  :math:`2k+1` indistinguishable candidates). The factor :math:`(k+1)/(2k+1)` moves the
  local log-log slope to :math:`-1/2 - k/((k+1)(2k+1))`; the grid was chosen (before any
  run) at :math:`k \ge 32`, where the closed form's OLS slope over the grid is -0.505.
- ``bon-regret-n`` (Theorem 4.2): on the Best-of-N-hard family
  (:func:`~statkit.llm.bon_hard_instance`, rebuilt for each :math:`N`), Best-of-N's
  regret grows like :math:`\min\{1, \sqrt{N\varepsilon^2/k}\}`: slope :math:`+1/2` in
  :math:`N` before saturation. Its exact value is about
  :math:`P(\text{all } k \text{ impostors drawn})\,\Delta_N`; the probability tends to
  :math:`\sum_i (-1)^i\binom{k}{i}e^{-i}` from above, and the closed form's slope over
  the grid is 0.499.
- ``majority-regret-n-flat`` (Theorem 4.1): majority voting is not scaling-monotonic:
  with an exact reward model its regret stays :math:`\Omega(1)` for
  :math:`N \ge 9C^*\log(2k+2)`. Instance: family 1 (:func:`~statkit.llm.mv_hard_instance`)
  with the :math:`k+1` popular wrong answers given distinct rewards 0.2, 0.4, 0.6 (the
  factory gives them one common :math:`\rho`), so that which of them majority voting
  submits stays random for every :math:`N` and the replicates are not all identical.
  The expected regret is then :math:`1 - \frac{k}{k+1}0.6 - \frac{1}{k+1}0.4` for every
  :math:`N` on the grid (up to the probability, below :math:`10^{-6}`, that
  :math:`y^*` outvotes a popular answer): predicted exponent 0.
- ``bom-regret-n-flat`` (Theorem 5.1, Corollary 5.2): BoM is scaling-monotonic; once
  :math:`N \ge 16C^*\log(kC^*/\varepsilon_{RM}^2)` its regret no longer depends on
  :math:`N`. On the minimax family it equals :math:`\frac{k+1}{2k+1}\Delta` whenever at
  least :math:`k` of the candidates pass the filter: predicted exponent 0.

- ``bom-regret-coverage`` and ``bom-regret-eps`` (Theorems 5.1 and 6.1, the other two
  variables of the same rate): on the minimax family with :math:`k = 2`, BoM's regret is
  :math:`\frac35\sqrt{C^*\varepsilon_{RM}^2/4}`, slope :math:`+1/2` in :math:`C^*` and
  :math:`+1` in :math:`\varepsilon_{RM}`, exactly, once every candidate passes the
  filter; :math:`N` is set to :math:`32C^*\log(kC^*/\varepsilon^2)` (twice the paper's
  threshold) at each grid point, resp. for the smallest :math:`\varepsilon`.

How a replicate is computed. The rewards of these instances depend on the answer only,
so a selector's output depends on the draw only through the answer counts, which are
multinomial: :func:`sample_regret` draws the count vectors directly (cost independent of
:math:`N`) and applies the selection rule to the counts, breaking exact ties in (score,
count) uniformly at random, which is the law of the selectors' first-occurrence rule
given the counts. Each replicate of a check is the mean realised regret of
:data:`DRAWS_PER_REP` independent draws. The tests compare :func:`sample_regret` with
the exact enumeration of :class:`~statkit.llm.PassAtKSimulator` and with the real
selectors run on sampled sequences. Exact enumeration itself is not used for the
replicates: the replicates would be identical and the slope's interval would measure
only the curvature of the exact curve, not Monte Carlo error.
"""

import math
import numbers

import numpy as np

from statkit.simulation import RateCheck
from statkit.utils import check_random_state

from ._best_of_majority import _check_alpha, _check_choice, _check_k
from ._pass_at_k import (
    PassAtKSimulator,
    bon_hard_instance,
    minimax_instance,
    mv_hard_instance,
)

__all__ = [
    "BOM_REGRET_COVERAGE",
    "BOM_REGRET_EPS",
    "BOM_REGRET_K",
    "BOM_REGRET_N_FLAT",
    "BON_REGRET_N",
    "DRAWS_PER_REP",
    "MAJORITY_REGRET_N_FLAT",
    "mv_spread_instance",
    "sample_regret",
]

#: Independent N-sample draws averaged into one replicate of every check below.
DRAWS_PER_REP = 500

_REFERENCE = (
    "Di, Ji, Li, Zhao, Gu (2025). Best-of-Majority: Minimax-Optimal Strategy for Pass@k "
    "Inference Scaling. arXiv:2510.03199 (theorems as read in the method note "
    "best_of_majority.md)."
)


def sample_regret(sim, strategy, N, k, n_draws, random_state=None, *, alpha=None):
    r"""Realised pass@k regret of ``n_draws`` independent draws of :math:`N` answers.

    For an instance whose reward-model scores depend on the answer only, the counts
    :math:`(c_y)_y \sim \mathrm{Multinomial}(N, \pi_{\mathrm{ref}})` determine the
    selection: eligible answers (:math:`c_y > 0`, and :math:`c_y/N \ge \alpha` for BoM)
    are ranked by score (:math:`\hat r(y)`, or :math:`c_y` for majority voting), then by
    count, then uniformly at random, and the first :math:`k` are submitted. The value of
    a draw is :math:`\max_y r^*(y) - \max_{y \in S} r^*(y)`, with 0 for an empty
    :math:`S`. This equals in law the regret of :func:`~statkit.llm.best_of_majority`
    (``group_score="max"``), :func:`~statkit.llm.best_of_n` and
    :func:`~statkit.llm.majority_vote` run on the draws.

    Parameters
    ----------
    sim : PassAtKSimulator
    strategy : {"bom", "majority", "bon"}
    N : int
        Samples per draw, >= k.
    k : int
        Answers submitted, >= 1.
    n_draws : int
        Independent draws, >= 1.
    random_state : None, int, SeedSequence or Generator
    alpha : float in [0, 1], optional
        BoM's threshold; default ``sim.alpha_theory`` :math:`= 3/(4C^*)`.

    Returns
    -------
    ndarray of shape (n_draws,)
        The realised regret of each draw; its mean estimates ``sim.regret(...)``.
    """
    if not isinstance(sim, PassAtKSimulator):
        raise TypeError(f"sim must be a PassAtKSimulator, got {type(sim).__name__}")
    strategy = _check_choice(strategy, "strategy", ("bom", "majority", "bon"))
    k = _check_k(k)
    if isinstance(N, bool) or not isinstance(N, numbers.Integral) or N < k:
        raise ValueError(f"N must be an integer >= k={k}, got {N!r}")
    if isinstance(n_draws, bool) or not isinstance(n_draws, numbers.Integral) or n_draws < 1:
        raise ValueError(f"n_draws must be an integer >= 1, got {n_draws!r}")
    alpha = sim.alpha_theory if alpha is None else _check_alpha(alpha)
    if alpha == "auto":
        raise ValueError("alpha='auto' is not supported here; pass a number in [0, 1]")
    rng = check_random_state(random_state)
    N, n_draws = int(N), int(n_draws)
    counts = rng.multinomial(N, sim.ref_probs, size=n_draws)
    eligible = counts > 0
    if strategy == "bom":
        eligible &= counts / N >= alpha  # the selector's own comparison, count / N >= alpha
    if strategy == "majority":
        score = counts.astype(np.float64)
    else:
        score = np.broadcast_to(sim.rm_rewards, counts.shape)
    u = rng.random(counts.shape)
    # np.lexsort: the last key is the primary one (eligible first, then score, count, coin)
    order = np.lexsort((u, -counts, -score, ~eligible), axis=-1)[:, :k]
    chosen = np.take_along_axis(eligible, order, axis=1)
    value = np.where(chosen, sim.true_rewards[order], 0.0).max(axis=1)
    return sim.optimal_reward - value


def mv_spread_instance(k, coverage, trap_rewards):
    r"""Family 1 with distinct rewards on the popular wrong answers.

    As :func:`~statkit.llm.mv_hard_instance` (:math:`y^*` at index 0 with
    :math:`\pi_{\mathrm{ref}} = 1/C^*` and :math:`r^* = \hat r = 1`; :math:`k + 1` popular
    answers sharing the rest equally), but the popular answers have rewards
    ``trap_rewards`` (one each, in [0, 1)). The reward model is exact.

    Returns
    -------
    PassAtKSimulator
    """
    base = mv_hard_instance(k, coverage)
    traps = np.asarray(trap_rewards, dtype=np.float64)
    if traps.shape != (k + 1,) or not ((traps >= 0) & (traps < 1)).all():
        raise ValueError(f"trap_rewards must be k + 1 = {k + 1} numbers in [0, 1)")
    r = np.r_[1.0, traps]
    return PassAtKSimulator(base.ref_probs, r, r.copy())


# --------------------------------------------------------------------------------------
# bom-regret-k: family 3, k swept
# --------------------------------------------------------------------------------------

K_COVERAGE = 1200.0  # C* >= 2 * 512 + 1 for the largest k
K_EPS = 0.1
K_N = 400_000  # >= 16 C* log(k C* / eps^2) = 3.4e5 at k = 512


def minimax_limit_regret(k, coverage, eps):
    r"""Large-:math:`N` regret of any k-submitting strategy on the minimax family,
    :math:`\frac{k+1}{2k+1}\min(1, \sqrt{C^*\varepsilon^2/(2k)})`."""
    return (k + 1) / (2 * k + 1) * min(1.0, math.sqrt(coverage * eps**2 / (2 * k)))


def _bom_vs_k(k, rng):
    sim = minimax_instance(int(k), K_COVERAGE, K_EPS)
    return float(sample_regret(sim, "bom", K_N, int(k), DRAWS_PER_REP, rng).mean())


BOM_REGRET_K = RateCheck(
    "bom-regret-k",
    _bom_vs_k,
    grid=[32, 64, 128, 256, 512],
    quick_grid=[32, 64, 128],
    predicted_exponent=-0.5,
    quantity="pass@k regret of Best-of-Majority",
    variable="k",
    n_reps=40,
    quick_reps=4,
    aggregate="mean",
    claim=(
        "BoM regret = Theta(eps_opt + sqrt(C* eps_RM^2 / k)) (Thms 5.1, 6.1): slope -1/2 in k "
        "(closed form on this grid: (k+1)/(2k+1) Delta_k, OLS slope -0.505)"
    ),
    reference=_REFERENCE,
    description=(
        f"Minimax family: 2k+1 candidates with pi_ref = 1/C*, C* = {K_COVERAGE:g}, eps_RM = "
        f"{K_EPS}, eps_opt = 0, r_hat = 1 on all; N = {K_N}, alpha = 3/(4C*); each replicate "
        f"averages {DRAWS_PER_REP} draws (multinomial counts)."
    ),
)

# --------------------------------------------------------------------------------------
# bon-regret-n: family 2, rebuilt for each N
# --------------------------------------------------------------------------------------

BON_K = 2
BON_COVERAGE = 4.0
BON_EPS = 0.01  # saturation at N = k / eps^2 = 20000, above the grid
BON_EPS_OPT = 0.1  # y* scores below the impostors, so Best-of-N prefers them


def _bon_vs_n(N, rng):
    sim = bon_hard_instance(BON_K, int(N), BON_COVERAGE, BON_EPS, BON_EPS_OPT)
    return float(sample_regret(sim, "bon", int(N), BON_K, DRAWS_PER_REP, rng).mean())


BON_REGRET_N = RateCheck(
    "bon-regret-n",
    _bon_vs_n,
    grid=[64, 128, 256, 512, 1024, 2048, 4096],
    quick_grid=[64, 256, 1024],
    predicted_exponent=0.5,
    quantity="pass@k regret of Best-of-N",
    variable="N",
    n_reps=40,
    quick_reps=4,
    aggregate="mean",
    claim=(
        "Best-of-N regret = Omega(min(1, sqrt(N eps_RM^2 / k))) (Thm 4.2): slope +1/2 in N "
        "before saturation (closed form on this grid: slope 0.499)"
    ),
    reference=_REFERENCE,
    description=(
        f"BoN-hard family rebuilt at each N: k = {BON_K} impostors of mass 1/N with r* = 1 - "
        f"Delta_N, r_hat = 1, Delta_N = sqrt(N eps^2/k), eps = {BON_EPS}; y* with pi_ref = "
        f"1/{BON_COVERAGE:g}, r_hat = 1 - {BON_EPS_OPT}; each replicate averages "
        f"{DRAWS_PER_REP} draws."
    ),
)

# --------------------------------------------------------------------------------------
# majority-regret-n-flat: family 1 with spread trap rewards
# --------------------------------------------------------------------------------------

MV_K = 2
MV_COVERAGE = 10.0
MV_TRAPS = (0.2, 0.4, 0.6)


def _majority_vs_n(N, rng):
    sim = mv_spread_instance(MV_K, MV_COVERAGE, MV_TRAPS)
    return float(sample_regret(sim, "majority", int(N), MV_K, DRAWS_PER_REP, rng).mean())


MAJORITY_REGRET_N_FLAT = RateCheck(
    "majority-regret-n-flat",
    _majority_vs_n,
    grid=[200, 400, 800, 1600, 3200, 6400],
    quick_grid=[200, 800, 3200],
    predicted_exponent=0.0,
    quantity="pass@k regret of majority voting",
    variable="N",
    n_reps=40,
    quick_reps=4,
    aggregate="mean",
    claim=(
        "majority voting is not scaling-monotonic (Thm 4.1): regret Omega(1), constant in N "
        "for N >= 9 C* log(2k+2) even with an exact reward model (expected regret 7/15 here)"
    ),
    reference=_REFERENCE,
    description=(
        f"Family 1, k = {MV_K}, C* = {MV_COVERAGE:g}: y* (pi_ref 0.1, r* = 1) and k+1 = 3 "
        f"popular answers (pi_ref 0.3 each) with r* = r_hat = {MV_TRAPS}; each replicate "
        f"averages {DRAWS_PER_REP} draws."
    ),
)

# --------------------------------------------------------------------------------------
# bom-regret-n-flat: family 3, N swept past 16 C* log(k C* / eps^2)
# --------------------------------------------------------------------------------------

FLAT_K = 2
FLAT_COVERAGE = 10.0
FLAT_EPS = 0.2  # N0 = 16 C* log(k C* / eps^2) = 994


def _bom_vs_n(N, rng):
    sim = minimax_instance(FLAT_K, FLAT_COVERAGE, FLAT_EPS)
    return float(sample_regret(sim, "bom", int(N), FLAT_K, DRAWS_PER_REP, rng).mean())


BOM_REGRET_N_FLAT = RateCheck(
    "bom-regret-n-flat",
    _bom_vs_n,
    grid=[1024, 2048, 4096, 8192, 16384, 32768],
    quick_grid=[1024, 4096, 16384],
    predicted_exponent=0.0,
    quantity="pass@k regret of Best-of-Majority",
    variable="N",
    n_reps=40,
    quick_reps=4,
    aggregate="mean",
    claim=(
        "BoM is scaling-monotonic (Thm 5.1, Cor 5.2): for N >= 16 C* log(k C*/eps_RM^2) its "
        "regret does not depend on N (here (k+1)/(2k+1) Delta = 0.190)"
    ),
    reference=_REFERENCE,
    description=(
        f"Minimax family, k = {FLAT_K}, C* = {FLAT_COVERAGE:g}, eps_RM = {FLAT_EPS}, "
        f"alpha = 3/(4C*); N from 1024 (about 16 C* log(k C*/eps^2) = 994); each replicate "
        f"averages {DRAWS_PER_REP} draws."
    ),
)

# --------------------------------------------------------------------------------------
# bom-regret-coverage and bom-regret-eps: family 3, C* or eps swept at k = 2
# --------------------------------------------------------------------------------------

SWEEP_K = 2
COV_EPS = 0.05  # Delta = sqrt(C* eps^2 / 4) <= 0.28 on the grid
EPS_COVERAGE = 20.0
EPS_N = 8192  # about twice 16 C* log(k C* / eps^2) = 4128 at the smallest eps


def n_for(coverage, eps, k=SWEEP_K):
    """Twice the paper's sample-size threshold, :math:`32C^*\\log(kC^*/\\varepsilon^2)`."""
    return math.ceil(32 * coverage * math.log(k * coverage / eps**2))


def _bom_vs_coverage(coverage, rng):
    c = float(coverage)
    sim = minimax_instance(SWEEP_K, c, COV_EPS)
    N = n_for(c, COV_EPS)
    return float(sample_regret(sim, "bom", N, SWEEP_K, DRAWS_PER_REP, rng).mean())


def _bom_vs_eps(eps, rng):
    sim = minimax_instance(SWEEP_K, EPS_COVERAGE, float(eps))
    return float(sample_regret(sim, "bom", EPS_N, SWEEP_K, DRAWS_PER_REP, rng).mean())


BOM_REGRET_COVERAGE = RateCheck(
    "bom-regret-coverage",
    _bom_vs_coverage,
    grid=[8, 16, 32, 64, 128],
    quick_grid=[8, 32, 128],
    predicted_exponent=0.5,
    quantity="pass@k regret of Best-of-Majority",
    variable="C*",
    n_reps=40,
    quick_reps=4,
    aggregate="mean",
    claim=(
        "BoM regret = Theta(eps_opt + sqrt(C* eps_RM^2 / k)) (Thms 5.1, 6.1): slope +1/2 in "
        "the coverage C* (closed form (3/5) sqrt(C* eps^2/4): exactly 1/2)"
    ),
    reference=_REFERENCE,
    description=(
        f"Minimax family, k = {SWEEP_K}, eps_RM = {COV_EPS}, eps_opt = 0, alpha = 3/(4C*), "
        f"N = ceil(32 C* log(k C*/eps^2)) at each C*; each replicate averages "
        f"{DRAWS_PER_REP} draws."
    ),
)

BOM_REGRET_EPS = RateCheck(
    "bom-regret-eps",
    _bom_vs_eps,
    grid=[0.01, 0.02, 0.04, 0.08, 0.16],
    quick_grid=[0.01, 0.04, 0.16],
    predicted_exponent=1.0,
    quantity="pass@k regret of Best-of-Majority",
    variable="eps_RM",
    n_reps=40,
    quick_reps=4,
    aggregate="mean",
    claim=(
        "BoM regret = Theta(eps_opt + sqrt(C* eps_RM^2 / k)) (Thms 5.1, 6.1): slope +1 in "
        "eps_RM (closed form (3/5) sqrt(C* eps^2/4): exactly 1)"
    ),
    reference=_REFERENCE,
    description=(
        f"Minimax family, k = {SWEEP_K}, C* = {EPS_COVERAGE:g}, eps_opt = 0, alpha = "
        f"3/(4C*), N = {EPS_N} (16 C* log(k C*/eps^2) = 4128 at eps = 0.01); each replicate "
        f"averages {DRAWS_PER_REP} draws."
    ),
)
