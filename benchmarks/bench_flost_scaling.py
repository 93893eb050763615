"""How FLoST's and tubal completion's cost grows with T: log-log slopes with CIs (issue 4).

Issue 4 asks for a check that FLoST's time per fit grows more slowly in T than the
tubal baseline's. Timings do not belong in CI tests, so the check is this benchmark;
it uses the rate-check engine's slope fit (OLS on log-log, t interval).

Cost model of one iteration on an n1 x n2 x T tensor (both methods use the rfft half):

- FLoST-IHT: an rfft/irfft pair (O(n1 n2 T log T)), ``n_low_freq`` SVDs of n1 x n2
  slices (fixed in T) and elementwise passes and a top-s selection (O(n1 n2 T));
- tubal IHT: the same FFTs and T/2 + 1 SVDs of n1 x n2 slices (O(T n1 n2 min(n1, n2))).

So both are linear in T per iteration (slope 1, up to the FFT's log); what differs is
the constant, and hence the ratio tubal / FLoST, which grows with T towards the ratio of
one SVD to the per-entry passes. The script reports, for each method, the slope of
seconds per iteration against T, and the slope of the ratio. Time per fit is FLoST's
to convergence; tubal IHT is too slow to run to convergence at these sizes on 2 cores,
so its per-fit slope is not measured (say so when quoting).

Instance: ``make_flost(n, n, T, rank=5, n_low_freq=11, sparsity=20 T, amp_sparse=0.3,
noise=0.1, sampling_rate=0.3)``; each (T, repetition) times a fit of ``--iters``
iterations of each method after one untimed warm-up fit. Seconds per iteration are that
fit's time over ``--iters``, so they include the fit's fixed cost (set-up, spectral
start, final projection) spread over the iterations. Differencing a 1-iteration fit
from a (1 + iters)-iteration fit removes it in principle, but on the loaded 2-core
machine the differences were dominated by noise (some came out negative), so it is not
used.

    python benchmarks/bench_flost_scaling.py [--n 100] [--T 250 500 1000 2000 4000]
        [--iters 5] [--reps 3] [--device cpu|cuda]
"""

import argparse
import time

import numpy as np

from statkit.datasets import make_flost
from statkit.simulation._result import fit_loglog
from statkit.tensor import FLoSTCompletion, TubalCompletion


def _timer(device):
    if device == "cpu":
        return lambda: None, lambda Y: Y
    import torch

    return torch.cuda.synchronize, lambda Y: torch.as_tensor(Y, device=device)


def per_iteration(n, T, iters, rep, device):
    """Seconds per iteration of FLoST and tubal IHT, and FLoST's seconds per fit."""
    sync, move = _timer(device)
    inst = make_flost(
        n,
        n,
        T,
        rank=5,
        n_low_freq=11,
        sparsity=20 * T,
        amp_sparse=0.3,
        noise=0.1,
        sampling_rate=0.3,
        random_state=rep,
    )
    Y = move(inst.observed)
    out = {}
    for name, est in {
        # tol tiny: every run does exactly ``iters`` iterations
        "FLoST": FLoSTCompletion(
            rank=5, n_low_freq=11, sparsity=20 * T, max_iter=iters, tol=1e-300
        ),
        "tubal": TubalCompletion(method="iht", rank=5, max_iter=iters, tol=1e-300),
    }.items():
        sync()
        t0 = time.perf_counter()
        est.fit(Y)
        sync()
        out[name] = (time.perf_counter() - t0) / est.n_iter_
    full = FLoSTCompletion(rank=5, n_low_freq=11, sparsity=20 * T)
    sync()
    t0 = time.perf_counter()
    full.fit(Y)
    sync()
    out["FLoST fit"] = time.perf_counter() - t0
    out["FLoST iterations"] = full.n_iter_
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--T", type=int, nargs="+", default=[250, 500, 1000, 2000, 4000])
    parser.add_argument("--iters", type=int, default=5)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    per_iteration(args.n, args.T[0], 2, 0, args.device)  # warm-up: compile, plan FFTs

    rows = []
    print(
        f"| T | rep | FLoST s/iter | tubal s/iter | ratio | FLoST fit (s) | FLoST iterations |"
        f"   [n = {args.n}, device: {args.device}]"
    )
    print("|---|---|---|---|---|---|---|")
    for T in args.T:
        for rep in range(args.reps):
            r = per_iteration(args.n, T, args.iters, rep, args.device)
            rows.append((T, r))
            print(
                f"| {T} | {rep} | {r['FLoST']:.4f} | {r['tubal']:.4f} | "
                f"{r['tubal'] / r['FLoST']:.2f} | {r['FLoST fit']:.2f} | "
                f"{r['FLoST iterations']} |",
                flush=True,
            )

    x = np.array([T for T, _ in rows], float)
    series = {
        "FLoST s/iter": [r["FLoST"] for _, r in rows],
        "tubal s/iter": [r["tubal"] for _, r in rows],
        "ratio tubal/FLoST": [r["tubal"] / r["FLoST"] for _, r in rows],
        "FLoST s/fit": [r["FLoST fit"] for _, r in rows],
    }
    print("\n| quantity | slope in T | 95% CI |")
    print("|---|---|---|")
    for name, y in series.items():
        _, slope, (lo, hi), _ = fit_loglog(x, np.array(y), 0.95)
        print(f"| {name} | {slope:.3f} | [{lo:.3f}, {hi:.3f}] |")


if __name__ == "__main__":
    main()
