"""
Federated DP PCA: inverse-rate aggregation and the digits
=========================================================

Six clients draw from one spiked model N(0, U Lambda U^T + I) (p = 40, r = 2) with very
different sizes; every client's message is (eps, 1e-5)-DP for its own rows
(``mechanism="input"``: clipped covariance plus Gaussian noise). We plot the server's
subspace error ``subspace_distance(components_, U)`` against eps for inverse-rate and
uniform weights, next to the best and the median client on its own (client-local).

The second panel is scikit-learn's bundled digits (scaled to [0, 1], public row-norm
bound 8) split by Dirichlet label proportions into 5 clients: the captured variance
ratio of the released components against eps, with IBM diffprivlib's pure eps-DP PCA on
the pooled rows when diffprivlib can be imported (the panel says so when it cannot).
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np

from statkit.datasets import make_spiked_clients
from statkit.privacy import FederatedPCA, subspace_distance
from statkit.privacy._digits import compare_with_diffprivlib

sizes = [300, 600, 1200, 2500, 5000, 10000]
data = make_spiked_clients(sizes, 40, 2, [25.0, 15.0], 1.0, random_state=0)
clip = 2.0 * np.sqrt(40 + 25 + 15)  # public bound: about twice the typical row norm
epsilons = np.array([0.25, 0.5, 1.0, 2.0, 4.0])
n_rep = 5


def error(est):
    return subspace_distance(est.components_, data.components)


curves = {"inverse_rate": [], "uniform": [], "best client": [], "median client": []}
for eps in epsilons:
    errs = {k: [] for k in curves}
    for rep in range(n_rep):
        for agg in ("inverse_rate", "uniform"):
            est = FederatedPCA(
                2, epsilon=eps, delta=1e-5, clip_norm=clip, aggregation=agg, random_state=rep
            ).fit(data.clients)
            errs[agg].append(error(est))
        local = [subspace_distance(V, data.components) for V in est.client_components_]
        errs["best client"].append(min(local))
        errs["median client"].append(np.median(local))
    for k in curves:
        curves[k].append(np.mean(errs[k]))

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # diffprivlib missing: rows left out
    table = compare_with_diffprivlib(epsilons=(0.5, 1.0, 2.0, 4.0), n_components=5, n_repeats=5)
print(
    table[["epsilon", "method", "captured_variance", "captured_variance_se"]].round(3).to_string()
)

for k, v in curves.items():
    print(f"{k:>14}: " + "  ".join(f"{e:.3f}" for e in v))

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
for k, style in zip(curves, ["o-", "s-", "^--", "v:"], strict=True):
    ax1.loglog(epsilons, curves[k], style, label=k)
ax1.set(xlabel="epsilon per client", ylabel="subspace distance to U", title="spiked model")
ax1.legend()
for name, part in table.groupby("method", sort=False):
    ax2.errorbar(
        part["epsilon"],
        part["captured_variance"],
        yerr=part["captured_variance_se"],
        marker="o",
        capsize=3,
        label=name,
    )
if not table["method"].str.startswith("diffprivlib").any():
    ax2.text(
        0.5,
        0.05,
        "diffprivlib not importable: skipped",
        transform=ax2.transAxes,
        ha="center",
        fontsize=9,
    )
ax2.set_xscale("log")
ax2.set(xlabel="epsilon", ylabel="captured variance ratio", title="digits, r = 5")
ax2.legend(fontsize=8)
fig.tight_layout()
plt.show()
