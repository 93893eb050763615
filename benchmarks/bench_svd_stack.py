"""Batched SVD of stacks of small complex slices on CUDA: which route is fastest (issue 4).

FLoST projects ``n_low_freq`` Fourier slices and tubal completion T/2 + 1 slices, each
n x n complex128, onto rank r per iteration. This times, on one stack:

- ``torch.linalg.svd`` with cuSOLVER's default driver and with ``gesvd``/``gesvdj``/
  ``gesvda``;
- ``torch.linalg.eigh`` of the Gram matrices ``Z^H Z`` (what a rank-r projection needs);
- the round trip: copy to the host, ``statkit.tensor._linalg.svd_stack`` (threaded
  LAPACK), copy back;
- ``svd_stack`` on the GPU itself: ``gesvda`` plus its per-slice accuracy checks.

Each is the median of ``--reps`` timed calls after one warm-up, with
``torch.cuda.synchronize()``; the error column is the worst relative error of the
rank-r truncation against the host LAPACK result.

    python benchmarks/bench_svd_stack.py [--n 100] [--L 11 501 2501] [--rank 5]
"""

import argparse
import statistics
import time

import numpy as np
import torch

from statkit.tensor._linalg import svd_stack


def _timed(fn, reps):
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _truncate_svd(U, S, Vh, r):
    return (U[..., :r] * S[..., None, :r]) @ Vh[..., :r, :]


def _routes(Z, r):
    def via_eigh():
        _, V = torch.linalg.eigh(Z.mH @ Z)  # ascending eigenvalues
        Vr = V[..., -r:]
        return (Z @ Vr) @ Vr.mH

    def via_host():
        U, S, Vh = svd_stack(np, Z.cpu().numpy())
        return torch.as_tensor(_truncate_svd(U, S, Vh, r), device="cuda")

    routes = {
        "svd default": lambda: _truncate_svd(*torch.linalg.svd(Z, full_matrices=False), r),
        "eigh of Gram": via_eigh,
        "host LAPACK round trip": via_host,
        "statkit svd_stack (gesvda, verified)": lambda: _truncate_svd(*svd_stack(torch, Z), r),
    }
    for drv in ("gesvd", "gesvdj", "gesvda"):
        routes[f"svd {drv}"] = lambda d=drv: _truncate_svd(
            *torch.linalg.svd(Z, full_matrices=False, driver=d), r
        )
    return routes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--L", type=int, nargs="+", default=[11, 501, 2501])
    parser.add_argument("--rank", type=int, default=5)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    n, r = args.n, args.rank
    print("| slices | route | median s | s per slice | max rel error of rank-r part |")
    print("|---|---|---|---|---|")
    for L in args.L:
        rng = np.random.default_rng(0)
        host = rng.standard_normal((L, n, n)) + 1j * rng.standard_normal((L, n, n))
        ref = _truncate_svd(*np.linalg.svd(host, full_matrices=False), r)
        Z = torch.as_tensor(host, device="cuda")

        routes = _routes(Z, r)
        for name, fn in routes.items():
            try:
                t, out = _timed(fn, args.reps)
            except RuntimeError as exc:  # a driver may refuse a shape
                print(f"| {L} | {name} | failed: {str(exc)[:60]} | | |")
                continue
            err = float(
                (
                    np.linalg.norm(out.cpu().numpy() - ref, axis=(1, 2))
                    / np.linalg.norm(ref, axis=(1, 2))
                ).max()
            )
            print(f"| {L} | {name} | {t:.4f} | {t / L * 1e3:.3f} ms | {err:.1e} |", flush=True)


if __name__ == "__main__":
    main()
