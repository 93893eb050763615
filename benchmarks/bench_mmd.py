"""Benchmark: squared MMD U-statistic, statkit vs hyppo vs plain numpy.

Times, on the same data in one run,

- ``statkit``: :func:`statkit.mmd.mmd` (numpy input -> the fused, blocked numba reduction);
- ``numpy``: a plain vectorised numpy implementation with the full Gram matrices
  (``statkit._backend.sqdist`` + ``np.exp``, in place, one matrix at a time);
- ``hyppo``: ``hyppo.ksample.MMD(gamma=...).statistic`` (its statistic is a rescaled
  distance correlation; it is converted back to MMD^2_u for the agreement check with
  the relation documented in :func:`statkit.mmd.mmd`).

Each method runs in a fresh subprocess that reports its best time over ``--repeat``
runs (after one untimed warm-up on tiny data, so that no JIT compilation is timed) and
its peak resident memory (``getrusage`` maxrss) minus that of a baseline process that
only imported the libraries and made the data. hyppo forms several N x N float64
matrices (N = m + n); when they cannot fit in memory it is skipped at ``--n`` and all
three methods are timed again at ``--small-n`` so that a ratio exists.

Usage (the numbers in docs/benchmarks.md)::

    NUMBA_NUM_THREADS=2 OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 \\
        python benchmarks/bench_mmd.py --n 20000 --d 10 --repeat 3 --alternatives

``--alternatives`` also times the kernel designs that were measured and rejected;
``--torch DEVICE`` times the torch path (e.g. ``--torch cuda``).
"""

import argparse
import datetime
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit, prange

from statkit.mmd import _numba

SEED = 0


def make_data(n, d):
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((n, d))
    Y = 1.1 * rng.standard_normal((n, d)) + 0.1
    return X, Y


def bandwidth_for(d):
    # about the median heuristic for these data (median ||x - y||^2 ~ 2d), fixed
    return math.sqrt(d)


# --- the methods ----------------------------------------------------------------------


def run_statkit(X, Y, ell):
    from statkit.mmd import mmd

    return mmd(X, Y, bandwidth=ell, estimator="u")


def run_numpy(X, Y, ell):
    """Plain vectorised numpy: full Gram matrices, one at a time, in place."""
    from statkit._backend import sqdist

    g = -1.0 / (2.0 * ell * ell)

    def ksum(A, B):
        D = sqdist(A, B)
        np.multiply(D, g, out=D)
        np.exp(D, out=D)
        total = D.sum()
        if B is None:
            total -= np.trace(D)
        return total

    m, n = len(X), len(Y)
    return (
        ksum(X, None) / (m * (m - 1)) + ksum(Y, None) / (n * (n - 1)) - 2.0 * ksum(X, Y) / (m * n)
    )


def run_exact(X, Y, ell):
    """Accuracy reference: kernel values from exact coordinate differences (numpy exp,
    within 1 ulp), every sum exact (math.fsum), the final combination in rationals."""
    from fractions import Fraction

    c = 1.0 / (2.0 * ell * ell)

    def ksum(A, B, symmetric):
        parts = []
        for i0 in range(0, len(A), 64):
            D = ((A[i0 : i0 + 64, None, :] - B[None, :, :]) ** 2).sum(axis=-1)
            K = np.exp(-c * D)
            if symmetric:  # pairs j > i only
                K = K[np.arange(K.shape[0])[:, None] + i0 < np.arange(K.shape[1])[None, :]]
            parts.append(math.fsum(K.ravel().tolist()))
        return Fraction(math.fsum(parts))

    m, n = len(X), len(Y)
    stat = (
        2 * ksum(X, X, True) / (m * (m - 1))
        + 2 * ksum(Y, Y, True) / (n * (n - 1))
        - 2 * ksum(X, Y, False) / (m * n)
    )
    return float(stat)


def run_hyppo(X, Y, ell):
    from hyppo.ksample import MMD

    return MMD(compute_kernel="gaussian", gamma=1.0 / (2.0 * ell * ell)).statistic(X, Y)


def hyppo_to_mmd_u(stat, X, Y, ell):
    """Invert hyppo's rescaling (see the Notes of statkit.mmd.mmd); needs the Gram matrix."""
    from statkit.mmd import kernel_matrix

    m, n = len(X), len(Y)
    N = m + n
    A = 1.0 - kernel_matrix(np.concatenate([X, Y]), bandwidth=ell)
    row = A.sum(axis=1)
    tot = row.sum()
    # (A~ . A~) = sum_{i != j} a_ij^2 + a..^2 / ((N-1)(N-2)) - 2/(N-2) sum_i a_i.^2
    aa = (A * A).sum() + tot**2 / ((N - 1) * (N - 2)) - 2.0 / (N - 2) * (row * row).sum()
    bb = 2 * m * n + 4 * m**2 * n**2 / ((N - 1) * (N - 2)) - 2 * m * n * N / (N - 2)
    factor = 2 * m * (m - 1) * n * (n - 1) / ((N - 1) * (N - 2))
    return stat * N**4 / (2 * m**2 * n**2) * math.sqrt(aa * bb) / factor


def run_torch(X, Y, ell, device, dtype):
    import torch

    from statkit.mmd import mmd

    Xt = torch.as_tensor(X, dtype=getattr(torch, dtype), device=device)
    Yt = torch.as_tensor(Y, dtype=getattr(torch, dtype), device=device)
    out = mmd(Xt, Yt, bandwidth=ell)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return float(out)


# --- rejected designs (--alternatives), measured against the chosen kernel -------------


@njit(parallel=True, cache=True)
def _plain_libm(A, B, symmetric, c):
    """(a) plain loops: pair by pair, scalar libm exp."""
    na, d = A.shape
    nb = B.shape[0]
    part = np.zeros(na)
    for i in prange(na):
        s = 0.0
        for j in range(i + 1 if symmetric else 0, nb):
            r2 = 0.0
            for k in range(d):
                t = A[i, k] - B[j, k]
                r2 += t * t
            s += math.exp(-c * r2)
        part[i] = s
    return part.sum()


@njit(cache=True)
def _block_libm(A, Bt, i0, i1, symmetric, c, buf, acc):
    nb = Bt.shape[1]
    for c0 in range(i0 if symmetric else 0, nb, 512):
        w = min(512, nb - c0)
        for i in range(i0, i1):
            s0 = max(0, i + 1 - c0) if symmetric else 0
            if s0 >= w:
                continue
            _numba._tile_distances(A[i], Bt, c0 + s0, w - s0, 0, buf)
            seg = acc[s0:]
            for j in range(w - s0):
                seg[j] += math.exp(-c * buf[j])


@njit(parallel=True, cache=True)
def _tiled_libm(A, Bt, symmetric, c):
    """(b') statkit's tiling, but with libm exp instead of the vectorised exp."""
    na = A.shape[0]
    nblk = (na + 63) // 64
    nitems = (nblk + 1) // 2 if symmetric else nblk
    part = np.zeros(nitems)
    for p in prange(nitems):
        buf = np.empty(512)
        acc = np.zeros(512)
        _block_libm(A, Bt, p * 64, min(na, p * 64 + 64), symmetric, c, buf, acc)
        q = nblk - 1 - p
        if symmetric and q != p:
            _block_libm(A, Bt, q * 64, min(na, q * 64 + 64), symmetric, c, buf, acc)
        part[p] = acc.sum()
    return part.sum()


def _numpy_threads(A, B, symmetric, c, n_threads=2, rows=256):
    """(c) numpy's exp on row tiles (BLAS inner products), driven from threads."""
    a2 = (A * A).sum(axis=1)
    b2 = (B * B).sum(axis=1)

    def work(i0):
        i1 = min(len(A), i0 + rows)
        j0 = i0 if symmetric else 0
        D = A[i0:i1] @ B[j0:].T
        D *= -2.0
        D += a2[i0:i1, None]
        D += b2[None, j0:]
        np.maximum(D, 0.0, out=D)
        D *= -c
        np.exp(D, out=D)
        if symmetric:  # keep the pairs j > i
            D = np.triu(D, k=1)
        return D.sum()

    with ThreadPoolExecutor(n_threads) as ex:
        return math.fsum(ex.map(work, range(0, len(A), rows)))


def _as_mmd(pair_sum, transpose):
    def f(X, Y, ell):
        c = 1.0 / (2.0 * ell * ell)
        Xb = np.ascontiguousarray(X.T) if transpose else X
        Yb = np.ascontiguousarray(Y.T) if transpose else Y
        m, n = len(X), len(Y)
        sxx = 2.0 * pair_sum(X, Xb, True, c)
        syy = 2.0 * pair_sum(Y, Yb, True, c)
        sxy = pair_sum(X, Yb, False, c)
        return sxx / (m * (m - 1)) + syy / (n * (n - 1)) - 2.0 * sxy / (m * n)

    return f


ALTERNATIVES = {
    "alt_plain_libm": _as_mmd(_plain_libm, False),
    "alt_tiled_libm": _as_mmd(_tiled_libm, True),
    "alt_numpy_threads": _as_mmd(_numpy_threads, False),
}


def get_method(name, args):
    if name == "statkit":
        return run_statkit
    if name == "numpy":
        return run_numpy
    if name == "hyppo":
        return run_hyppo
    if name == "exact":
        return run_exact
    if name.startswith("torch"):
        _, device, dtype = name.split(":")
        return lambda X, Y, ell: run_torch(X, Y, ell, device, dtype)
    return ALTERNATIVES[name]


def have_hyppo():
    try:
        import hyppo.ksample  # noqa: F401
    except ImportError:
        return False
    return True


def import_libraries(with_torch=False):
    have_hyppo()
    if with_torch:
        import torch  # noqa: F401
    import numba  # noqa: F401
    import scipy.spatial  # noqa: F401
    import sklearn.metrics  # noqa: F401

    import statkit.mmd  # noqa: F401
    from statkit.mmd import _numba  # noqa: F401


def maxrss_bytes():
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb * 1024  # Linux reports kilobytes


# --- worker -----------------------------------------------------------------------------


def worker(args):
    import_libraries(args.import_torch)
    X, Y = make_data(args.n, args.d)
    ell = bandwidth_for(args.d)
    out = {"method": args.worker, "n": args.n}
    if args.worker != "baseline":
        f = get_method(args.worker, args)
        Xs, Ys = make_data(64, args.d)
        f(Xs, Ys, ell)  # warm-up: compile (or load from the numba cache) outside the timing
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            stat = f(X, Y, ell)
            times.append(time.perf_counter() - t0)
        out.update(times=times, time=min(times), stat=float(stat))
    out["maxrss"] = maxrss_bytes()
    print(json.dumps(out))


def spawn(method, n, d, repeat, import_torch=False):
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--worker",
        method,
        "--n",
        str(n),
        "--d",
        str(d),
        "--repeat",
        str(repeat),
    ] + (["--import-torch"] if import_torch else [])
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        return {"method": method, "n": n, "error": res.stderr.strip().splitlines()[-1:]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def hyppo_fits(n, mem_bytes):
    # hyppo builds the N x N Gram of the pooled sample, 1 - K / max K, two centred copies
    # in Dcorr and temporaries: its peak was 8.1 N^2 float64 at n = 2000 (measured)
    N = 2 * n
    return 8 * 8 * N * N < 0.9 * mem_bytes


def total_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 0


def fmt_mb(b):
    return f"{b / 2**20:,.0f} MB"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=20000, help="points per sample (m = n)")
    p.add_argument("--d", type=int, default=10, help="dimension")
    p.add_argument("--repeat", type=int, default=3, help="timed runs per method (best kept)")
    p.add_argument("--small-n", type=int, default=5000, help="n for the three-way comparison")
    p.add_argument("--alternatives", action="store_true", help="time the rejected designs too")
    p.add_argument("--torch", action="append", default=[], help="time the torch path on DEVICE")
    p.add_argument(
        "--accuracy", action="store_true", help="also compute an exact-sum reference statistic"
    )
    p.add_argument("--json", help="also write the results to this file")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--import-torch", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(args)
        return

    threads = os.environ.get("NUMBA_NUM_THREADS", "(numba default)")
    print(f"# MMD^2_u benchmark, d = {args.d}, Gaussian kernel, float64, fixed bandwidth sqrt(d)")
    print(f"# {datetime.datetime.now().isoformat(timespec='seconds')}  {platform.platform()}")
    print(f"# CPUs visible: {len(os.sched_getaffinity(0))}, NUMBA_NUM_THREADS={threads}")
    mem = total_memory()
    print(f"# memory: {fmt_mb(mem)}; load average: {os.getloadavg()}")

    # warm the numba on-disk cache so that no measured process pays for compilation
    for method in (
        ["statkit"]
        + (["hyppo"] if have_hyppo() else [])
        + (["alt_plain_libm", "alt_tiled_libm"] if args.alternatives else [])
    ):
        spawn(method, 64, args.d, 1)

    results = []
    sizes = [args.n] + ([args.small_n] if args.small_n and args.small_n != args.n else [])
    for n in sizes:
        # with --torch every process imports torch, so that the baseline includes it
        base = spawn("baseline", n, args.d, 1, bool(args.torch))
        methods = ["statkit", "numpy"]
        if not have_hyppo():
            print("# hyppo is not installed: skipped")
        elif hyppo_fits(n, mem):
            methods.append("hyppo")
        else:
            print(
                f"# hyppo skipped at n = {n}: it needs about 8 (2n)^2 float64 = "
                f"{fmt_mb(8 * 8 * (2 * n) ** 2)} > 90% of the memory"
            )
        if args.alternatives and n == args.n:
            methods += ["alt_plain_libm", "alt_tiled_libm", "alt_numpy_threads"]
        methods += [f"torch:{dev}:{dt}" for dev in args.torch for dt in ("float64", "float32")]
        if args.accuracy and n == args.n:
            methods.append("exact")
        for method in methods:
            r = spawn(method, n, args.d, args.repeat, bool(args.torch))
            if "maxrss" in r:
                r["peak_mb"] = (r["maxrss"] - base["maxrss"]) / 2**20
            results.append(r)
            print(json.dumps(r), flush=True)

    print()
    for n in sizes:
        rows = [r for r in results if r["n"] == n and "time" in r]
        sk = next((r for r in rows if r["method"] == "statkit"), None)
        if sk is None:
            continue
        exact = next((r for r in rows if r["method"] == "exact"), None)
        rows = [r for r in rows if r["method"] != "exact"]
        X, Y = make_data(n, args.d)
        ell = bandwidth_for(args.d)
        print(f"## n = m = {n}, d = {args.d}")
        print(
            "| method | best time (s) | time / statkit | peak memory (MB) | MMD^2_u "
            "| rel. diff to statkit |"
        )
        print("|---|---|---|---|---|---|")
        for r in rows:
            stat = r["stat"]
            if r["method"] == "hyppo":
                stat = hyppo_to_mmd_u(stat, X, Y, ell)
            rel = abs(stat - sk["stat"]) / abs(sk["stat"])
            print(
                f"| {r['method']} | {r['time']:.3f} | {r['time'] / sk['time']:.1f} | "
                f"{r['peak_mb']:.0f} | {stat:.15g} | {rel:.1e} |"
            )
        if exact is not None:
            print(f"\nexact-sum reference MMD^2_u = {exact['stat']!r}; relative errors:")
            for r in rows:
                if r["method"] != "hyppo":
                    err = abs(r["stat"] - exact["stat"]) / abs(exact["stat"])
                    print(f"  {r['method']}: {err:.1e}")
        peers = [r for r in rows if r["method"] in ("numpy", "hyppo")]
        if peers:
            best = min(peers, key=lambda r: r["time"])
            print(
                f"\nbest peer: {best['method']} ({best['time']:.3f} s); statkit is "
                f"{best['time'] / sk['time']:.1f}x faster; statkit peak memory "
                f"{sk['peak_mb']:.0f} MB\n"
            )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
