"""
Minimum-MMD estimation of the g-and-k distribution
==================================================

The g-and-k distribution has no closed-form density but is trivial to simulate: it is
the quantile transform :math:`x = G_\\theta(u)` of a uniform :math:`u`. We estimate its
four parameters from 2000 observations by minimising the MMD between simulations and
data, once with the V-statistic and once with the optimally-weighted estimator of
Bharti et al. (2023), which re-weights the same simulations by Bayesian quadrature over
:math:`u`. Both use the same inputs (common random numbers) and the same optimiser.
"""

# %%
# The model and the data
# ----------------------
# ``k_parametrization="exp"`` means :math:`k = e^{\theta_4}`; statkit makes you choose
# because published numbers use both conventions.
import matplotlib.pyplot as plt
import numpy as np

from statkit.datasets import g_and_k_simulator
from statkit.mmd import MinimumMMDEstimator, OptimallyWeightedMMD, median_bandwidth, weighted_mmd

sim = g_and_k_simulator(k_parametrization="exp")
theta_true = sim.true_theta
y, _ = sim.simulate(theta_true, 2000, random_state=1)
print(sim, "true theta:", theta_true)

# %%
# Fit with both estimators
# ------------------------
# ``n_simulations=256`` simulations per objective evaluation; the inputs are drawn once.
fits = {}
for estimator in ("v", "weighted"):
    est = MinimumMMDEstimator(
        sim, estimator=estimator, n_simulations=256, theta0=[2.5, 1.5, 0.5, 0.0], random_state=0
    )
    fits[estimator] = est.fit(y)
    print(
        f"{estimator:>8}: theta = {np.round(est.theta_, 3)}, MMD^2 = {est.mmd2_:.2e}, "
        f"simulator calls = {est.n_simulator_calls_}"
    )

# %%
# Accuracy of the MMD estimate itself
# -----------------------------------
# At the true parameter, the population MMD between the model and the data is only the
# data's own sampling noise; the spread of the estimates over fresh inputs shows how
# much each estimator adds. The weighted estimator is several times more accurate at
# the same m.
rng = np.random.default_rng(2)
ell = median_bandwidth(y)  # the data kernel's length scale, computed once
m_grid = [16, 32, 64, 128, 256]
spread = {"V-statistic": [], "optimally weighted": []}
for m in m_grid:
    v_est, ow_est = [], []
    for _ in range(30):
        x, u = sim.simulate(theta_true, m, random_state=rng)
        v_est.append(weighted_mmd(x, y, np.full(m, 1 / m), bandwidth=ell, squared=False))
        ow = OptimallyWeightedMMD(bandwidth=ell).fit(u)
        ow_est.append(ow.estimate(x, y, squared=False))
    spread["V-statistic"].append(np.mean(v_est))
    spread["optimally weighted"].append(np.mean(ow_est))

fig, ax = plt.subplots(figsize=(5, 3.5))
for label, values in spread.items():
    ax.loglog(m_grid, values, "o-", label=label)
ax.set_xlabel("simulations m")
ax.set_ylabel("mean MMD estimate at the true theta")
ax.set_title("g-and-k, n = 2000 observations")
ax.legend()
fig.tight_layout()

# %%
# Profile of the objective
# ------------------------
# With common random numbers the objective is a smooth function of theta.
fig, ax = plt.subplots(figsize=(5, 3.5))
grid = np.linspace(2.5, 3.5, 41)
for estimator, est in fits.items():
    prof = [est.objective(np.r_[a, est.theta_[1:]]) for a in grid]
    ax.plot(grid, prof, label=estimator)
ax.axvline(theta_true[0], color="k", lw=0.8, ls="--")
ax.set_xlabel("A (other parameters at their estimates)")
ax.set_ylabel("objective MMD^2")
ax.legend()
fig.tight_layout()
plt.show()
