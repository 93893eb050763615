r"""
=====================================================
Best-of-Majority vs Best-of-N and majority voting
=====================================================

For one prompt, :math:`N` answers are sampled from a reference policy
:math:`\pi_{\mathrm{ref}}` and scored by a reward model :math:`\hat r`; a strategy submits
at most :math:`k` distinct answers, and its pass@k regret is

.. math::

    \mathrm{Regret} = r^*(y^*) - \mathbb E\Big[\max_{y \in S} r^*(y)\Big].

Best-of-Majority (Di et al., arXiv:2510.03199) keeps the answers whose empirical frequency
is at least :math:`\alpha` and submits the :math:`k` of them with the highest reward:

.. math::

    \hat Y_\alpha = \{y : \hat\pi(y) \ge \alpha\}, \qquad
    S = \operatorname{Top-}k\{y \in \hat Y_\alpha : \hat r(y)\}.

This example

1. draws the regret of the three strategies against :math:`N` on an instance where
   majority voting and Best-of-N both fail (the method note's pilot),
2. draws Best-of-Majority's regret against :math:`k` on the minimax family, with its
   closed form, and
3. runs the quick variants of the six registered rate checks.
"""

# %%
# An instance where both baselines fail
# -------------------------------------
# The optimal answer :math:`y^*` has :math:`\pi_{\mathrm{ref}} = 0.05` (:math:`C^* = 20`)
# and a reward-model score 0.95. Four "popular mediocre" answers (:math:`\pi = 0.1` each,
# :math:`r^* = \hat r = 0.3`) out-vote it; 2000 rare "impostors" of total mass 0.005 fool
# the reward model (:math:`\hat r = 1`, :math:`r^* = 0.5`); 500 filler answers share the
# rest (:math:`r^* = 0`, :math:`\hat r = 0.2`). BoM uses the paper's threshold
# :math:`\alpha = 3/(4C^*)`.

import matplotlib.pyplot as plt
import numpy as np

from statkit.llm import PassAtKSimulator, best_of_majority, minimax_instance
from statkit.simulation import get_check

k = 3
p = np.r_[0.05, np.full(4, 0.1), np.full(2000, 0.005 / 2000), np.full(500, 0.545 / 500)]
true_r = np.r_[1.0, np.full(4, 0.3), np.full(2000, 0.5), np.zeros(500)]
rm_r = np.r_[0.95, np.full(4, 0.3), np.ones(2000), np.full(500, 0.2)]
sim = PassAtKSimulator(p, true_r, rm_r)
print(sim)

Ns = [20, 50, 100, 200, 500, 1000, 2000, 5000]
labels = {"bom": "Best-of-Majority", "bon": "Best-of-N", "majority": "majority vote"}
curves = {s: [] for s in labels}
for N in Ns:
    for s in labels:
        est = sim.regret(s, N, k, method="mc", n_reps=300, random_state=N)
        curves[s].append((est.regret, est.std_error))

fig, ax = plt.subplots(figsize=(6, 4))
for s, name in labels.items():
    reg, se = np.array(curves[s]).T
    ax.errorbar(Ns, reg, yerr=2 * se, marker="o", capsize=3, label=name)
ax.set_xscale("log")
ax.set_xlabel("N (samples per prompt)")
ax.set_ylabel(f"pass@{k} regret")
ax.set_title("Regret vs N (Monte Carlo, 300 draws, 2 s.e. bars)")
ax.legend()
fig.tight_layout()

# %%
# Majority voting is stuck at :math:`1 - 0.3 = 0.7` once the popular answers dominate
# the vote; Best-of-N first improves, then degrades to 0.5 as impostors start to appear
# in the sample (reward over-optimisation, about :math:`N \cdot 0.005 \gtrsim k`);
# Best-of-Majority needs :math:`N` of order :math:`C^*\log(\cdot)` for :math:`y^*` to
# pass the filter reliably, and then stays at zero regret: it is scaling-monotonic.
#
# On one sample the selection itself is a single call:

rng = np.random.default_rng(0)
answers = rng.choice(p.size, size=2000, p=p)
sel = best_of_majority(answers, rm_r[answers], k, alpha=sim.alpha_theory)
print("submitted answers:", sel.answers, "frequencies:", sel.frequencies.round(3))

# %%
# Regret against k on the minimax family
# --------------------------------------
# :func:`~statkit.llm.minimax_instance` hides :math:`y^*` among :math:`2k + 1` equally
# likely candidates that the reward model scores alike, with
# :math:`\varepsilon_{RM} = \varepsilon` and per-candidate gap
# :math:`\Delta_k = \sqrt{C^*\varepsilon^2/(2k)}`. Once every candidate passes the
# filter, BoM's regret is :math:`\frac{k+1}{2k+1}\Delta_k \asymp \sqrt{C^*
# \varepsilon_{RM}^2/k}`, the minimax rate (Theorems 5.1 and 6.1).

coverage, eps, N = 100.0, 0.1, 20_000
ks = [1, 2, 4, 8, 16, 32]
mc, closed = [], []
for kk in ks:
    inst = minimax_instance(kk, coverage, eps)
    est = inst.regret("bom", N, kk, method="mc", n_reps=400, random_state=kk)
    mc.append((est.regret, est.std_error))
    closed.append((kk + 1) / (2 * kk + 1) * np.sqrt(coverage * eps**2 / (2 * kk)))
reg, se = np.array(mc).T

fig, ax = plt.subplots(figsize=(6, 4))
ax.errorbar(ks, reg, yerr=2 * se, fmt="o", capsize=3, label="BoM, Monte Carlo")
ax.plot(ks, closed, label=r"$\frac{k+1}{2k+1}\sqrt{C^*\varepsilon^2/(2k)}$")
ax.plot(ks, closed[0] * (np.array(ks) / ks[0]) ** -0.5, "--", label="slope -1/2")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("k (answers submitted)")
ax.set_ylabel("pass@k regret")
ax.set_title(f"Minimax family, C* = {coverage:g}, eps_RM = {eps}, N = {N}")
ax.legend()
fig.tight_layout()

# %%
# The rate checks
# ---------------
# The six claims are registered rate checks; ``statkit rates run NAME`` runs the full
# variant. The quick variants below take about a second each.

checks = [
    "bom-regret-k",
    "bom-regret-coverage",
    "bom-regret-eps",
    "bon-regret-n",
    "majority-regret-n-flat",
    "bom-regret-n-flat",
]
for name in checks:
    result = get_check(name).run(quick=True, random_state=0, progress=False)
    print(result.summary())
    print()

plt.show()
