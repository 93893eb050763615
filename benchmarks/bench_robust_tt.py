"""Robust TT recovery: time per iteration, and TT-SVD against tensorly (issue 5).

Two measurements, each against a peer timed in the same run:

1. ``iter``: seconds per PSubGM (l1) and FRSubGM iteration of
   :class:`statkit.tensor.RobustTTRecovery` on a dense Gaussian operator, against the
   bare pair of matrix-vector products ``A x`` and ``A^T v`` that any first-order method
   needs (the memory-bound floor: one pass over the m x D matrix each).
   Instance: order N, mode size 4, TT rank 2, outlier fraction 0.3, a fixed number of
   iterations (``tol`` tiny) after one untimed warm-up fit.
2. ``ttsvd``: :func:`statkit.tensor.tt_svd` against ``tensorly.decomposition.tensor_train``
   on a 4^N tensor of TT rank ``--rank`` (tensorly on numpy; skipped without tensorly).

    python benchmarks/bench_robust_tt.py iter [--order 8] [--m 2000] [--device cpu|cuda]
        [--dtype float64|float32] [--iters 20]
    python benchmarks/bench_robust_tt.py ttsvd [--order 10] [--rank 4]
"""

import argparse
import math
import statistics
import time

import numpy as np

from statkit.tensor import RobustTTRecovery, tt_svd, tt_to_full


def _sync(device):
    if device != "cpu":
        import torch

        torch.cuda.synchronize()


def _random_tt(shape, rank, rng):
    ranks = [1] + [rank] * (len(shape) - 1) + [1]
    return [rng.standard_normal((ranks[k], d, ranks[k + 1])) for k, d in enumerate(shape)]


def bench_iter(order, m, device, dtype, iters, reps=3):
    rng = np.random.default_rng(0)
    shape = (4,) * order
    D = math.prod(shape)
    x = tt_to_full(_random_tt(shape, 2, rng)).reshape(-1)
    x /= np.linalg.norm(x)
    if device == "cpu":
        A = rng.standard_normal((m, D)).astype(dtype)
        xs = x.astype(dtype)
    else:
        import torch

        gen = torch.Generator(device=device).manual_seed(0)
        A = torch.randn(m, D, generator=gen, device=device, dtype=getattr(torch, dtype))
        xs = torch.as_tensor(x, device=device, dtype=A.dtype)
    y = A @ xs
    bad = rng.random(m) < 0.3
    scale = float(abs(y).max()) * 10
    noise = scale * rng.uniform(-1, 1, m) * bad
    y = y + (
        noise.astype(dtype)
        if device == "cpu"
        else torch.as_tensor(noise, device=device, dtype=A.dtype)
    )

    def matvecs():
        v = A @ xs
        return v @ A

    def timed(fn):
        fn()
        _sync(device)
        out = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            _sync(device)
            out.append(time.perf_counter() - t0)
        return statistics.median(out)

    rows = [("A x and A^T v (floor)", timed(matvecs))]
    for method in ("psubgm", "frsubgm"):
        est = RobustTTRecovery(ranks=2, method=method, max_iter=iters, tol=1e-300, shape=shape)
        rows.append((f"{method} l1", timed(lambda est=est: est.fit(A, y)) / iters))
    floor = rows[0][1]
    print("| N | D | m | device | dtype | what | s per iteration | / floor |")
    print("|---|---|---|---|---|---|---|---|")
    for name, t in rows:
        print(f"| {order} | {D} | {m} | {device} | {dtype} | {name} | {t:.4f} | {t / floor:.2f} |")


def bench_ttsvd(order, rank, reps=3):
    rng = np.random.default_rng(0)
    shape = (4,) * order
    X = tt_to_full(_random_tt(shape, rank, rng))
    rows = []

    def timed(fn):
        fn()
        out = []
        for _ in range(reps):
            t0 = time.perf_counter()
            res = fn()
            out.append(time.perf_counter() - t0)
        return statistics.median(out), res

    t, cores = timed(lambda: tt_svd(X, ranks=rank))
    err = np.linalg.norm(tt_to_full(cores) - X) / np.linalg.norm(X)
    rows.append(("statkit tt_svd (Gram + eigh)", t, err))
    try:
        import tensorly as tl
        from tensorly.decomposition import tensor_train
    except ImportError:
        print("tensorly not installed: peer skipped")
    else:
        t, tt = timed(lambda: tensor_train(X, rank=[1] + [rank] * (order - 1) + [1]))
        err = np.linalg.norm(tl.tt_to_tensor(tt) - X) / np.linalg.norm(X)
        rows.append((f"tensorly {tl.__version__} tensor_train", t, err))
    print("| tensor | method | median s | relative error | time / statkit |")
    print("|---|---|---|---|---|")
    for name, t, e in rows:
        print(f"| 4^{order}, rank {rank} | {name} | {t:.4f} | {e:.1e} | {t / rows[0][1]:.1f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["iter", "ttsvd"])
    parser.add_argument("--order", type=int, default=None)
    parser.add_argument("--m", type=int, default=2000)
    parser.add_argument("--rank", type=int, default=4)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    parser.add_argument("--iters", type=int, default=20)
    args = parser.parse_args()
    if args.what == "iter":
        bench_iter(args.order or 8, args.m, args.device, args.dtype, args.iters)
    else:
        bench_ttsvd(args.order or 10, args.rank)


if __name__ == "__main__":
    main()
