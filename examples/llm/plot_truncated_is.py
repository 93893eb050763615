r"""
===============================================================
Truncated importance sampling and draft-tree rewards
===============================================================

Two small statistical questions behind recent LLM training tricks.

1. **CISPO's cap** (MiniMax-M1, arXiv:2506.13585). CISPO weights each token's policy
   gradient by the importance ratio :math:`r = \pi_\theta/\pi_{\theta_{old}}` truncated at
   a cap :math:`c`,

   .. math::

       \hat g_c = \frac1n \sum_{k=1}^n \min(r_k, c)\, \hat A_k\, \nabla_\theta
       \log\pi_\theta(x_k),

   a truncated importance-sampling estimator (Ionides, 2008): biased when
   :math:`c < \max r`, with a variance that the cap controls. We draw its exact bias and
   variance against :math:`c` on a categorical policy, beside a Monte Carlo check.

2. **GTO's draft-tree reward** (arXiv:2509.22134) is a log-sum-exp of per-path expected
   lengths. The quantity speculative decoding cares about is the exact expected number of
   accepted tokens, a sum over the tree's nodes. We show trees where the reward and the
   expected acceptance disagree.
"""

# %%
# Bias and variance of the truncated-IS gradient against the cap
# --------------------------------------------------------------
# Five outcomes, a behaviour policy :math:`\mu` that differs from the current policy
# :math:`\pi` (the largest weight :math:`\max \pi/\mu` is printed), batches of
# :math:`n = 32` tokens and 4000 Monte Carlo batches.

import matplotlib.pyplot as plt
import numpy as np

from statkit.llm import (
    draft_tree_reward,
    simulate_tree_verification,
    tree_expected_acceptance,
    truncated_is_bias_variance,
)

theta = np.array([1.0, 0.0, -1.0, 0.5, -0.5])
theta_old = np.array([-0.5, 0.5, 0.0, -1.0, 0.8])
reward = np.array([1.0, 0.0, 0.3, 2.0, -0.5])
caps = np.geomspace(0.25, 8.0, 16)
study = truncated_is_bias_variance(
    theta, theta_old, reward, caps, n_samples=32, n_reps=4000, baseline=0.2, random_state=0
)
print(f"max weight pi/mu = {study.max_weight:.3f}")
print(study.to_frame().round(5).to_string(index=False))

fig, ax = plt.subplots(figsize=(6.4, 4.2))
ax.plot(caps, study.exact_bias**2, "-", label="bias$^2$ (exact)")
ax.plot(caps, study.exact_variance, "-", label="variance (exact)")
ax.plot(caps, study.exact_mse, "k-", lw=2, label="MSE (exact)")
ax.errorbar(
    caps, study.mc_variance, yerr=2 * study.mc_variance_se, fmt="o", ms=3, label="variance (MC)"
)
ax.plot(caps, study.mc_bias**2, "s", ms=3, label="bias$^2$ (MC)")
ax.axvline(study.max_weight, color="grey", ls=":", label=r"$\max\,\pi/\mu$")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("cap $c$ (ratio_max)")
ax.set_ylabel("squared error")
ax.set_title("truncated-IS policy gradient, $n = 32$")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# The bias vanishes once the cap reaches the largest weight; below it the bias grows as
# the cap falls while the variance shrinks, and the mean squared error is smallest at an
# intermediate cap. The Monte Carlo points agree with the exact curves (the tests check
# this within CLT tolerances).
best = caps[np.argmin(study.exact_mse)]
print(f"MSE-optimal cap on this grid: {best:.3f}")

# %%
# The draft-tree reward is not the expected acceptance
# ----------------------------------------------------
# The method note's two trees with the same budget (three drafted tokens, two leaves):
#
# - Y: root :math:`\to` {a: 0.5, b: 0.5}, a :math:`\to` c: 0.9;
# - X: root :math:`\to` a: 0.6, a :math:`\to` {c: 0.5, d: 0.5}.
#
# Each probability is the target model's probability of the drafted token given its
# prefix. Going from Y to X raises GTO's reward and lowers the expected acceptance.

trees = {
    "Y": (np.array([-1, 0, 0, 1]), np.array([1.0, 0.5, 0.5, 0.9])),
    "X": (np.array([-1, 0, 1, 1]), np.array([1.0, 0.6, 0.5, 0.5])),
}
for name, (parents, probs) in trees.items():
    r = draft_tree_reward(parents, probs)
    e = float(tree_expected_acceptance(parents, probs))
    sims = simulate_tree_verification(parents, probs, 20_000, random_state=1)
    print(
        f"tree {name}: reward {float(r.reward):.3f} in [{float(r.lower):.3f}, "
        f"{float(r.upper):.3f}], E[accepted] exact {e:.3f}, "
        f"Monte Carlo {sims.mean():.3f} +- {sims.std() / np.sqrt(sims.size):.3f}"
    )

# %%
# Random trees of the same size
# -----------------------------
# Random trees of 7 nodes (six drafted tokens) with random target probabilities: the
# reward grows with the number of leaves (its :math:`\log N` offset) as much as with the
# expected acceptance, so it ranks trees of different shapes differently from the
# estimand.

rng = np.random.default_rng(0)
n_trees, n = 400, 7
parents = np.full((n_trees, n), -1)
probs = np.ones((n_trees, n))
for b in range(n_trees):
    for i in range(1, n):
        parents[b, i] = rng.integers(0, i)
    for v in range(n):
        kids = np.flatnonzero(parents[b] == v)
        if kids.size:
            probs[b, kids] = rng.uniform(0.3, 1.0) * rng.dirichlet(np.ones(kids.size + 1))[:-1]
expected = tree_expected_acceptance(parents, probs)
rew = draft_tree_reward(parents, probs)

fig, ax = plt.subplots(figsize=(6.4, 4.2))
sc = ax.scatter(expected, rew.reward, c=rew.n_leaves, s=10, cmap="viridis")
fig.colorbar(sc, ax=ax, label="number of leaves $N$")
ax.set_xlabel("exact expected accepted length (node-sum)")
ax.set_ylabel("GTO reward (log-sum-exp, $\\eta = 1$)")
ax.set_title("the reward is a surrogate, not the estimand")
fig.tight_layout()

# pairs of trees ranked in opposite orders by the two criteria
i, j = np.triu_indices(n_trees, 1)
discordant = np.mean(np.sign(expected[i] - expected[j]) != np.sign(rew.reward[i] - rew.reward[j]))
print(f"fraction of tree pairs ranked in opposite orders: {discordant:.3f}")
plt.show()
