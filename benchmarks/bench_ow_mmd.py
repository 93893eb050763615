"""Optimally-weighted vs V-statistic MMD on the benchmark simulators of Bharti et al.

Two studies (numbers go to docs/benchmarks.md):

1. **Table 1 protocol** of the paper (its ``benchmarking_simulators`` notebook): at the
   true parameter, ``n = 10000`` observed points and ``m`` simulations (256; 500 for the
   M/G/1 queue), the estimate of MMD^2(P_theta, Q^n) is an error (the population value is
   0 up to the O(1/n) floor of the observed-data term). Gaussian data kernel with the
   median heuristic on the observed points; Gaussian input kernel c with the median
   heuristic on u; i.i.d. (Monte Carlo) inputs; mean +- sd over repetitions, x 1e-3.
2. **Simulator calls at equal error** (g-and-k, same protocol): the mean V-statistic
   error at m = 256 ... 4096 is interpolated (log-log, between bracketing grid points)
   to find the m at which it equals the weighted estimator's mean error at m = 256.

    python benchmarks/bench_ow_mmd.py [--reps 100] [--quick]
"""

import argparse
import math
import time

import numpy as np

from statkit.datasets import (
    g_and_k_simulator,
    ma2_simulator,
    mg1_queue_simulator,
    two_moons_simulator,
)
from statkit.mmd import median_bandwidth
from statkit.mmd._kernels import kernel_spec
from statkit.mmd._observed import ObservedSample
from statkit.mmd._weights import bq_weights

PAPER_GANDK = {"v": (2.152, 1.469), "weighted": (0.459, 0.244)}  # x 1e-3, notebook output


def _errors(sim, theta, m, n, reps, seed):
    """Per repetition: (V-statistic MMD^2, OW MMD^2, seconds V, seconds OW)."""
    spec = kernel_spec("gaussian")
    out = []
    for r in range(reps):
        rng = np.random.default_rng([seed, r])
        Y, _ = sim.simulate(theta, n, rng)
        ell = median_bandwidth(Y, random_state=0)
        obs = ObservedSample(Y, spec, spec.scale(ell))
        x, u = sim.simulate(theta, m, rng)
        t0 = time.perf_counter()
        v = obs.weighted(x, np.full(m, 1.0 / m))
        t1 = time.perf_counter()
        w = bq_weights(u, input_measure=sim.input_measure, input_kernel="gaussian")
        ow = obs.weighted(x, w)
        t2 = time.perf_counter()
        out.append((v, ow, t1 - t0, t2 - t1))
    return np.array(out)


def table1(reps, n):
    models = [
        ("g-and-k, k = exp(theta4)", g_and_k_simulator(k_parametrization="exp"), 256),
        ("g-and-k, k = theta4", g_and_k_simulator(k_parametrization="identity"), 256),
        ("two moons", two_moons_simulator(), 256),
        ("MA(2)", ma2_simulator(), 256),
        ("M/G/1 queue", mg1_queue_simulator(), 500),
    ]
    print(f"## Table 1 protocol: n = {n}, {reps} repetitions, MMD^2 x 1e-3 (mean +- sd)\n")
    print(
        "| model | s | m | V-statistic | optimally weighted | V median | OW median | OW max "
        "| reps with OW > V |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label, sim, m in models:
        e = _errors(sim, sim.true_theta, m, n, reps, seed=2023) * 1e3
        v, ow = e[:, 0], e[:, 1]
        print(
            f"| {label} | {sim.input_dim} | {m} | {v.mean():.3f} +- {v.std(ddof=1):.3f} | "
            f"{ow.mean():.3f} +- {ow.std(ddof=1):.3f} | {np.median(v):.3f} | "
            f"{np.median(ow):.3f} | {ow.max():.3f} | {int((ow > v).sum())} |"
        )
    pv, pw = PAPER_GANDK["v"], PAPER_GANDK["weighted"]
    print(f"\npaper (g-and-k, notebook output): V {pv[0]} +- {pv[1]}, OW {pw[0]} +- {pw[1]}\n")


def equal_error(reps, n, grid):
    sim = g_and_k_simulator(k_parametrization="exp")
    theta = sim.true_theta
    e_ow = _errors(sim, theta, 256, n, reps, seed=7)
    target = e_ow[:, 1].mean()
    means, medians = [], []
    for m in grid:
        e = _errors(sim, theta, m, n, reps, seed=7)
        means.append(e[:, 0].mean())
        medians.append(np.median(e[:, 0]))
    slope, _ = np.polyfit(np.log(grid), np.log(means), 1)
    # m at which the V-statistic's mean error equals the target: log-log interpolation
    # between the two grid points that bracket it (means decrease with m)
    logm, loge = np.log(grid), np.log(means)
    if not means[-1] <= target <= means[0]:
        raise SystemExit(f"target {target:.3g} outside the V errors {means}: widen the grid")
    m_equal = math.exp(np.interp(math.log(target), loge[::-1], logm[::-1]))
    print(f"## Simulator calls at equal error (g-and-k, k = exp(theta4), n = {n}, {reps} reps)\n")
    med_target = np.median(e_ow[:, 1])
    print(
        f"OW at m = 256: mean MMD^2 error {target * 1e3:.3f} x 1e-3, median "
        f"{med_target * 1e3:.3f} x 1e-3"
    )
    print("| m (V-statistic) | mean error x 1e-3 | median x 1e-3 |")
    print("|---|---|---|")
    for m, v, md in zip(grid, means, medians, strict=True):
        print(f"| {m} | {v * 1e3:.3f} | {md * 1e3:.3f} |")
    lmed = np.log(medians)
    if medians[-1] <= med_target <= medians[0]:
        m_med = math.exp(np.interp(math.log(med_target), lmed[::-1], logm[::-1]))
        print(f"by medians: V equals OW(256) at m = {m_med:.0f} ({m_med / 256:.1f}x the calls)")
    print(
        f"\nV-statistic error ~ m^{slope:.3f} (OLS); equal to OW(256) at m = {m_equal:.0f}: "
        f"{m_equal / 256:.1f}x the simulator calls"
    )
    t_v, t_ow = e_ow[:, 2].mean(), e_ow[:, 3].mean()
    print(f"time per estimate at m = 256 (same run): V {t_v * 1e3:.2f} ms, OW {t_ow * 1e3:.2f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--quick", action="store_true", help="10 reps, n = 2000")
    args = parser.parse_args()
    reps, n = (10, 2000) if args.quick else (args.reps, args.n)
    table1(reps, n)
    equal_error(reps, n, [256, 512, 1024, 2048, 4096])


if __name__ == "__main__":
    main()
