"""
=====================
Running a rate check
=====================

A rate check states one claim of one paper ("the error decays like
:math:`n^{-1/2}`"), simulates it on a grid of the swept variable, fits the log-log
slope with a confidence interval and says whether the predicted exponent lies inside
it. This example runs two registered checks in their *quick* variants (the ones CI
runs; the full variants make the published figures):

* ``clt-sample-mean``: the error of the sample mean decays like :math:`n^{-1/2}`;
* ``mmd-u-statistic``: the error of the U-statistic estimate of the squared MMD between
  two Gaussians decays like :math:`m^{-1/2}`, measured against the closed-form
  population value.

The same runs are available from the command line, e.g.
``statkit rates run mmd-u-statistic --quick``.
"""

# %%
# The registry
# ------------
import matplotlib.pyplot as plt

from statkit.simulation import get_check, list_checks

for check in list_checks():
    print(f"{check.name:24s} {check.claim}")

# %%
# The sample mean
# ---------------
# ``run`` evaluates one replication per (grid value, replication) pair. Replication
# ``r`` at grid index ``i`` is seeded by ``SeedSequence(random_state, spawn_key=(i, r))``,
# so the numbers do not depend on ``n_jobs`` or on a Dask scheduler.

clt = get_check("clt-sample-mean")
clt_result = clt.run(quick=True, random_state=0)
print(clt_result.summary())

# %%
# ``data`` holds one row per replication; every other number is computed from it.

clt_result.data.head()

# %%
# The U-statistic estimate of the squared MMD
# -------------------------------------------

mmd_check = get_check("mmd-u-statistic")
mmd_result = mmd_check.run(quick=True, random_state=0)
print(mmd_result.summary())

# %%
# The verdict uses the OLS interval of the slope fitted to the logarithms of the
# per-grid-point aggregates. A bootstrap over replications gives an alternative
# interval that reflects the Monte Carlo noise directly.

print(f"slope {mmd_result.slope:.3f}, OLS CI {mmd_result.ci}, verdict {mmd_result.verdict}")
print(f"bootstrap CI {mmd_result.slope_bootstrap_ci()}")

# %%
# Plots
# -----
# Empirical aggregates with error bars, the fitted line and the predicted slope.

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
clt_result.plot(ax=axes[0])
mmd_result.plot(ax=axes[1])
fig.tight_layout()
plt.show()
