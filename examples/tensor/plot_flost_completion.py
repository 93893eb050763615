"""
FLoST completion against tubal-rank and CP completion
=====================================================

A 30 x 30 x 128 tensor follows the FLoST model: its low-frequency Fourier slices along
time are rank 2, and its high frequencies hold a few sparse oscillations. We observe 30%
of its entries with noise and complete it three ways: FLoST (low rank at low frequencies
plus sparse), tubal-rank IHT (rank 2 at every frequency) and CP completion (masked ALS,
rank 6). Each model gets its true structural parameters.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from statkit.datasets import make_flost
from statkit.tensor import CPCompletion, FLoSTCompletion, TubalCompletion

inst = make_flost(
    30,
    30,
    128,
    rank=2,
    n_low_freq=4,
    sparsity=60,
    amp_sparse=0.3,
    noise=0.1,
    sampling_rate=0.3,
    random_state=0,
)
methods = {
    "FLoST": FLoSTCompletion(rank=2, n_low_freq=4, sparsity=60),
    "tubal IHT": TubalCompletion(method="iht", rank=2, max_iter=200, tol=1e-6),
    "CP (rank 6)": CPCompletion(rank=6, max_iter=200, tol=1e-7, random_state=0),
}
completed = {}
for name, est in methods.items():
    completed[name] = est.fit_transform(inst.observed)
    rel = np.linalg.norm(completed[name] - inst.truth) / np.linalg.norm(inst.truth)
    print(f"{name:>12}: relative error {rel:.4f}, {est.n_iter_} iterations")

# %%
# One frame and one tube
# ----------------------
# Top row: the truth at time t = 40, the observed entries (white: missing) and the
# three completions. Bottom: the time series of one pixel.
t, (i, j) = 40, (5, 7)
fig, axes = plt.subplots(2, 5, figsize=(13, 5))
frames = {
    "truth": inst.truth[:, :, t],
    "observed": np.where(inst.mask[:, :, t], inst.observed[:, :, t], np.nan),
    **{name: X[:, :, t] for name, X in completed.items()},
}
vmax = np.abs(inst.truth[:, :, t]).max()
for ax, (name, frame) in zip(axes[0], frames.items(), strict=True):
    ax.imshow(frame, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    ax.set_title(name)
    ax.set_axis_off()
gs = axes[1, 0].get_gridspec()
for ax in axes[1]:
    ax.remove()
ax = fig.add_subplot(gs[1, :])
ax.plot(inst.truth[i, j], "k", lw=1.5, label="truth")
obs = inst.mask[i, j]
ax.plot(np.flatnonzero(obs), inst.observed[i, j, obs], "k.", label="observed")
for name, X in completed.items():
    ax.plot(X[i, j], lw=1, label=name)
ax.set_xlabel("t")
ax.legend(ncol=5, fontsize=8)
fig.tight_layout()
plt.show()
