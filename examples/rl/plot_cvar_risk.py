"""
CVaR-UCBVI: regret for several risk levels, risk-sensitive vs risk-neutral
==========================================================================

A "cliff road" MDP: for :math:`H = 4` steps the agent drives either *safely* (reward 0.15)
or *fast* (reward 0.25, but with probability 0.15 it then falls into a ditch, where every
later reward is 0). Returns are normalised, :math:`G = \\sum_h r_h \\in [0, 1]`.

* Driving fast throughout maximises the mean (0.80) but its worst 10% of episodes return
  0.25.
* For :math:`\\mathrm{CVaR}_{0.1}` the optimum is to drive safely and speed up only on the last
  step, where a fall costs nothing: the return is 0.70 in every episode.

:class:`~statkit.rl.CVaRUCBVI` learns from the transitions only (the reward law is known).
Its regret is measured on exact values: :math:`\\mathrm{CVaR}^*_\\tau` by dynamic programming
on the augmented state :math:`(s, b)`, minus the exact CVaR of each executed policy.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from statkit.rl import CVaRUCBVI, TabularMDP, cvar

H, ETA, FALL = 4, 0.05, 0.15
P = np.zeros((H, 2, 2, 2))  # state 0 = road, 1 = ditch; action 0 = safe, 1 = fast
P[:, 0, 0, 0] = 1.0
P[:, 0, 1] = [1 - FALL, FALL]
P[:, 1, :, 1] = 1.0
rewards = np.zeros((H, 2, 2))
rewards[:, 0, 0], rewards[:, 0, 1] = 0.15, 0.25
mdp = TabularMDP(P, rewards)

# %%
# Regret for several risk levels
# ------------------------------
# The same learner, with the Bernstein bonus, for four values of :math:`\tau`
# (:math:`\tau = 1` is the risk-neutral mean), and the Hoeffding bonus at :math:`\tau = 0.1`
# (dashed), whose bonus does not shrink with the variance of the next-step shortfall. The
# smaller :math:`\tau`, the longer the exploration phase: the bonus enters the CVaR index
# divided by :math:`\tau`.
K = 12_000
fig, ax = plt.subplots(figsize=(6, 3.5))
for tau in (0.1, 0.3, 0.6, 1.0):
    res = CVaRUCBVI(tau, eta=ETA, random_state=0).run(mdp, K)
    ax.plot(np.arange(1, K + 1), res.cumulative_regret, label=f"tau = {tau:g}")
    print(f"tau = {tau:<4g} CVaR* = {res.cvar_star:.3f}  regret after {K}: {res.final_regret:.1f}")
res = CVaRUCBVI(0.1, eta=ETA, bonus="hoeffding", random_state=0).run(mdp, K)
ax.plot(np.arange(1, K + 1), res.cumulative_regret, "C0--", label="tau = 0.1, Hoeffding")
print(f"Hoeffding, tau = 0.1: regret after {K}: {res.final_regret:.1f}")
ax.set_xlabel("episode k")
ax.set_ylabel("cumulative CVaR regret")
ax.legend()
fig.tight_layout()

# %%
# Risk-sensitive vs risk-neutral policies
# ---------------------------------------
# Exact return laws (forward propagation over :math:`(s, b)`): the CVaR-optimal policy for
# :math:`\tau = 0.1` from its optimal budget, the mean-optimal policy, and the policy
# CVaR-UCBVI (:math:`\tau = 0.1`) executes after :math:`K` episodes.
tau = 0.1
plan = mdp.cvar_optimal(tau, eta=ETA)
_, neutral = mdp.mean_optimal()
agent = CVaRUCBVI(tau, eta=ETA, random_state=1)
agent.run(mdp, K)
laws = {
    "CVaR-optimal (tau = 0.1)": mdp.return_law(plan.policy, plan.budget, eta=ETA),
    "mean-optimal": mdp.return_law(neutral, 1.0, eta=ETA),
    "learned by CVaR-UCBVI": mdp.return_law(agent.policy_, agent.budget_, eta=ETA),
}
fig, axes = plt.subplots(1, 3, figsize=(10, 3), sharex=True, sharey=True)
for ax, (name, (values, probs)) in zip(axes, laws.items(), strict=True):
    ax.bar(values, probs, width=0.04)
    c, m = cvar(values, tau, probs), float(values @ probs)
    ax.axvline(c, color="C3", ls="--", label=f"CVaR_0.1 = {c:.2f}")
    ax.axvline(m, color="k", ls=":", label=f"mean = {m:.2f}")
    ax.set_title(name, fontsize=9)
    ax.set_xlabel("return G")
    ax.set_xlim(0.0, 1.05)
    ax.legend(fontsize=7, loc="upper left")
    print(f"{name:<26} mean {m:.3f}  CVaR_0.1 {c:.3f}")
axes[0].set_ylabel("probability")
fig.tight_layout()
plt.show()
