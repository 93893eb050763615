"""FLoST vs tubal-rank and CP completion: error and time as T grows (issue 4).

Instance: ``make_flost(100, 100, T, rank=5, n_low_freq=11, sparsity=20 * T,
amp_sparse=0.3, noise=0.1, sampling_rate=0.3)``, i.e. 30% observed, noise sd 0.1, K = 10
and on average 20 spikes per frame. Each method gets the true structural parameters
where it has them:

- FLoST-IHT: rank 5, n_low_freq 11, sparsity 20 T;
- tubal IHT: rank 5 on every frequency slice (the tubal-rank model);
- CP (masked ALS): rank 10.

Relative error ``||X_hat - X||_F / ||X||_F`` on all entries; wall time of ``fit`` in the
same run, with the number of iterations. The baselines are capped at ``--max-iter``
iterations (reported), since tubal IHT costs T/2 + 1 SVDs per iteration.

    python benchmarks/bench_flost.py [--T 200 1000 5000] [--max-iter 100]
        [--methods FLoST tubal CP] [--device cpu|cuda]

With ``--device cuda`` the observed tensor is moved to the GPU as a float64 torch tensor
and all three methods run through the torch backend; times include a
``torch.cuda.synchronize()``.
"""

import argparse
import time

import numpy as np

from statkit.datasets import make_flost
from statkit.tensor import CPCompletion, FLoSTCompletion, TubalCompletion

METHODS = ("FLoST", "tubal", "CP")


def run(T, max_iter, methods=METHODS, device="cpu", seed=0):
    inst = make_flost(
        100,
        100,
        T,
        rank=5,
        n_low_freq=11,
        sparsity=20 * T,
        amp_sparse=0.3,
        noise=0.1,
        sampling_rate=0.3,
        random_state=seed,
    )
    estimators = {
        "FLoST": FLoSTCompletion(rank=5, n_low_freq=11, sparsity=20 * T),
        "tubal": TubalCompletion(method="iht", rank=5, max_iter=max_iter, tol=1e-7),
        "CP": CPCompletion(rank=10, max_iter=max_iter, tol=1e-7, random_state=0),
    }
    norm = np.linalg.norm(inst.truth)
    Y, sync = inst.observed, lambda: None
    if device != "cpu":
        import torch

        Y = torch.as_tensor(inst.observed, device=device)
        sync = torch.cuda.synchronize
    rows = []
    for name in methods:
        est = estimators[name]
        sync()
        t0 = time.perf_counter()
        est.fit(Y)
        sync()
        dt = time.perf_counter() - t0
        completed = est.completed_
        if not isinstance(completed, np.ndarray):
            completed = completed.cpu().numpy()
        rel = np.linalg.norm(completed - inst.truth) / norm
        rows.append((name, rel, dt, est.n_iter_, est.converged_))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, nargs="+", default=[200, 1000, 5000])
    parser.add_argument("--max-iter", type=int, default=100)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    print(
        "| T | method | relative error | fit time (s) | iterations | converged | time ratio "
        f"| time per iteration (s) |   [device: {args.device}]"
    )
    print("|---|---|---|---|---|---|---|---|")
    for T in args.T:
        rows = run(T, args.max_iter, args.methods, args.device)
        t_flost = rows[0][2]
        for name, rel, dt, n_iter, conv in rows:
            print(
                f"| {T} | {name} | {rel:.4f} | {dt:.1f} | {n_iter} | {conv} | "
                f"{dt / t_flost:.1f}x | {dt / n_iter:.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
