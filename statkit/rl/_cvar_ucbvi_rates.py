r"""Rate checks for CVaR-UCBVI (Wang, Kallus, Sun, arXiv:2302.03201, Sec. 5).

Claim (the method note ``shared/methods/cvar_rl.md`` §5 and §8, theorem known from a
secondary reading [N]): with the Bernstein bonus the worst-case regret after :math:`K` episodes
is :math:`\tilde O(\sqrt{SAK/\tau})` (up to lower-order terms), matching the lower bound
:math:`\Omega(\sqrt{S(A-1)K/\tau})` of Cor. 3.2, whose hard instances are "one large CVaR
bandit" spread over :math:`S` states. Predicted exponents: :math:`+1/2` in :math:`K`
(``cvar-ucbvi-k``) and :math:`+1/2` in :math:`S` (``cvar-ucbvi-s``).

**Instance family** (:func:`minimax_mdp`, fixed before any run). :math:`H = 3`; from the start
state every action moves to one of :math:`S` context states uniformly at random; in context
:math:`c` action :math:`a` moves to a *good* state with probability :math:`1 - \tau` (the
context's best action, drawn uniformly per replicate: :math:`1 - \tau + \varepsilon`), else to a
*bad* state; the last step pays 1 in the good state and 0 in the bad one. Rewards are known,
transitions are learned. The return is Bernoulli(:math:`\bar p_\pi`),
:math:`\bar p_\pi = S^{-1}\sum_c p_{c, \pi(c)}`, so :math:`\mathrm{CVaR}^*_\tau =
\varepsilon/\tau` and a policy wrong in :math:`m` contexts loses
:math:`m\varepsilon/(S\tau)` per episode -- the lower-bound construction with
:math:`S \times A` arms.

**Empirical minimax regret** (the note §8). Each replicate runs the learner on
:math:`\varepsilon = \min\{\tau, c\sqrt{\tau S A/K}\}` for every :math:`c` in
:data:`GAP_CONSTANTS` (independent streams) and returns the *largest* final regret. A single
small :math:`c` would put every learner in the regime where the gap cannot be resolved within
:math:`K` episodes, in which the regret is :math:`K\varepsilon/\tau \times` (fraction of wrong
contexts) :math:`\propto \sqrt K` whatever the algorithm does; the maximum over a range of
gaps lets the check see an algorithm that learns too slowly. The value is the cumulative
regret on exact CVaRs (:class:`~statkit.rl.CVaRUCBVIResult`), with :math:`\delta = 1/K`,
:math:`\eta = 1/4`, :math:`\tau = 1/4`, :math:`A = 2`.
"""

import math

import numpy as np

from statkit.simulation import RateCheck
from statkit.utils import check_random_state

from ._cvar import _check_tau
from ._cvar_ucbvi import CVaRUCBVI
from ._tabular_mdp import TabularMDP

__all__ = ["CVAR_UCBVI_K", "CVAR_UCBVI_S", "GAP_CONSTANTS", "minimax_mdp", "minimax_regret"]

GAP_CONSTANTS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
TAU = 0.25
ETA = 0.25
N_ACTIONS = 2
S_FOR_K = 4
K_FOR_S = 64_000

_REFERENCE = (
    "Wang, Kallus, Sun (2023). Near-minimax-optimal risk-sensitive reinforcement learning "
    "with CVaR. ICML, arXiv:2302.03201 (Thm 5.3/5.5 and Cor. 3.2 as read in the method note "
    "cvar_rl.md)."
)


def minimax_mdp(n_contexts, n_actions, tau, gap, random_state=None):
    r"""The "one large CVaR bandit" MDP of the lower bound (module notes).

    States: 0 = start, 1..S = contexts, S + 1 = good, S + 2 = bad; horizon 3.

    Parameters
    ----------
    n_contexts, n_actions : int >= 1
    tau : float in (0, 1]
    gap : float in [0, tau]
        The best action's advantage :math:`\varepsilon` in the good-state probability.
    random_state : None, int or Generator
        Draws the best action of each context.

    Returns
    -------
    mdp : TabularMDP
    best : ndarray of int, shape (n_contexts,)
        The best action of each context.
    """
    tau = _check_tau(tau)
    for name, v in (("n_contexts", n_contexts), ("n_actions", n_actions)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
    if not (0.0 <= gap <= tau):
        raise ValueError(f"gap must lie in [0, tau] = [0, {tau}], got {gap!r}")
    rng = check_random_state(random_state)
    S, A = int(n_contexts), int(n_actions)
    n, good, bad = S + 3, S + 1, S + 2
    P = np.zeros((3, n, A, n))
    P[0, :, :, 1 : S + 1] = 1.0 / S
    P[1, :, :, bad] = 1.0
    best = rng.integers(A, size=S)
    for c in range(S):
        for a in range(A):
            p = 1.0 - tau + (gap if a == best[c] else 0.0)
            P[1, c + 1, a, good] = p
            P[1, c + 1, a, bad] = 1.0 - p
    P[2, :, :, 0] = 1.0
    r = np.zeros((3, n, A))
    r[2, good, :] = 1.0
    return TabularMDP(P, r, initial_state=0), best


def minimax_regret(n_episodes, n_contexts, rng, *, tau=TAU, n_actions=N_ACTIONS, bonus="bernstein"):
    r"""Largest final regret over the gaps :math:`\min\{\tau, c\sqrt{\tau S A / K}\}`."""
    rng = check_random_state(rng)
    worst = 0.0
    K = int(n_episodes)
    for c in GAP_CONSTANTS:
        gap = min(tau, c * math.sqrt(tau * n_contexts * n_actions / K))
        child = np.random.default_rng(rng.integers(2**63))
        mdp, _ = minimax_mdp(n_contexts, n_actions, tau, gap, child)
        res = CVaRUCBVI(tau, eta=ETA, bonus=bonus, random_state=child).run(mdp, K)
        worst = max(worst, res.final_regret)
    return worst


def _vary_k(n_episodes, rng):
    return minimax_regret(n_episodes, S_FOR_K, rng)


def _vary_s(n_contexts, rng):
    return minimax_regret(K_FOR_S, int(n_contexts), rng)


CVAR_UCBVI_K = RateCheck(
    "cvar-ucbvi-k",
    _vary_k,
    grid=[16_000, 64_000, 256_000, 1_024_000],
    quick_grid=[1_000, 2_000, 4_000],
    predicted_exponent=0.5,
    quantity="CVaR regret of Bernstein CVaR-UCBVI after K episodes (max over gaps)",
    variable="K",
    n_reps=24,
    quick_reps=3,
    aggregate="mean",
    claim="regret = O~(sqrt(S A K / tau)): slope 1/2 in K (lower-order terms bend it at small K)",
    reference=_REFERENCE,
    description=(
        "minimax_mdp: H = 3, S = 4 contexts, A = 2, tau = 1/4, eta = 1/4, gap = min(tau, "
        "c sqrt(tau S A / K)), largest final regret over c in {1, 2, ..., 32}, delta = 1/K."
    ),
)

CVAR_UCBVI_S = RateCheck(
    "cvar-ucbvi-s",
    _vary_s,
    grid=[2, 4, 8, 16],
    quick_grid=[2, 4, 8],
    predicted_exponent=0.5,
    quantity="CVaR regret of Bernstein CVaR-UCBVI after 64000 episodes (max over gaps)",
    variable="S (contexts)",
    n_reps=32,
    quick_reps=3,
    aggregate="mean",
    claim="regret = O~(sqrt(S A K / tau)): slope 1/2 in the number of states",
    reference=_REFERENCE,
    description="As cvar-ucbvi-k with K = 64000 fixed and the number of contexts S swept.",
)
