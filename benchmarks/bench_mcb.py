"""Benchmark: matrix-completion bandit rounds per second, numba loop vs plain numpy loops.

Instance (issue 7, "Benchmark" must-show): d1 = d2 = 50, r = 2, two arms
(``make_low_rank_arms(50, 50, random_state=1124)``, noise 1), gamma = 1/3, T0 = T/3.
Three engines play the same rounds after the same warm start:

- ``numba``: :meth:`MatrixCompletionBandit.run`'s compiled loop (selection, balanced step
  with rank-one Gram updates, lazy debiasing sums);
- ``numpy, same algorithm``: the same O(r^3) step (Gram matrices updated, metric from 2x2
  eigendecompositions) written as a Python loop over numpy calls;
- ``numpy, naive``: a Python loop that recomputes U^T U and V^T V each round
  (:func:`statkit.bandits._mcb_kernels.reference_step`), O((d1 + d2) r^2) per round.

Before timing, the numpy loop is checked to pick the same arms as ``run`` on 3000 rounds.
The numba figure is the whole ``run`` (drawing the rewards, burn-in, SoftImpute warm start,
loop, regret) divided by T, excluding the first (compiling) call; the loop alone is also
reported. Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_mcb.py
"""

import argparse
import math
import time

import numpy as np

from statkit.bandits import LowRankBanditEnv, MatrixCompletionBandit
from statkit.bandits._mcb_kernels import mcb_run_loop, reference_step
from statkit.datasets import make_low_rank_arms


def _sym_pow(S, power):
    w, E = np.linalg.eigh(S)
    return (E * np.maximum(w, 1e-300) ** power) @ E.T


def numpy_loop(bandit, rows, cols, rewards, uniforms, t_first, naive=False):
    """Rounds t_first, ... of the learner as a Python loop over numpy calls; returns arms."""
    p = bandit._p
    U, V = bandit.U_.copy(), bandit.V_.copy()
    A = np.einsum("kia,kib->kab", U, U)
    B = np.einsum("kja,kjb->kab", V, V)
    K = U.shape[0]
    arms = np.empty(rows.size, dtype=np.int64)
    for s in range(rows.size):
        t = t_first + s
        i, j = rows[s], cols[s]
        eps = p["eps1"] if t <= p["T0"] else min(1.0, p["c2"] * t ** (-p["gamma"]))
        m = np.einsum("kr,kr->k", U[:, i], V[:, j])
        probs = np.full(K, eps / K)
        probs[int(np.argmax(m))] += 1 - eps
        a = min(int(np.searchsorted(np.cumsum(probs), uniforms[s], side="right")), K - 1)
        arms[s] = a
        y, prop = rewards[s, a], probs[a]
        eta = bandit.eta_scale_ * (1.0 if t <= p["T0"] else eps)
        if naive:
            reference_step(U, V, a, i, j, y, prop, eta)
            continue
        Ah, Aih = _sym_pow(A[a], 0.5), _sym_pow(A[a], -0.5)
        P = Aih @ _sym_pow(Ah @ B[a] @ Ah, 0.5) @ Aih
        Pinv = Ah @ _sym_pow(Ah @ B[a] @ Ah, -0.5) @ Ah
        u, v = U[a, i].copy(), V[a, j].copy()
        g = (u @ v - y) / prop
        un = u - eta * g * (v @ Pinv)
        vn = v - eta * g * (un @ P)
        A[a] += np.outer(un, un) - np.outer(u, u)
        B[a] += np.outer(vn, vn) - np.outer(v, v)
        U[a, i], V[a, j] = un, vn
    return arms


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=200_000)
    ap.add_argument("--numpy-rounds", type=int, default=3_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    env = LowRankBanditEnv(make_low_rank_arms(50, 50, random_state=1124), noise=1.0)
    T = args.rounds

    # correctness first: the numpy loop picks the same arms as run() after the same warm
    # start. run() draws (rows, cols, rewards) then the uniforms from its generator; replay
    # its burn-in from the same draws to rebuild the warm factors.
    check_T = 12_000
    rng = np.random.default_rng(7)
    rows, cols, rewards = env.draw(check_T, rng)
    uniforms = rng.random(check_T)
    probe = MatrixCompletionBandit((50, 50), 2, T0=check_T // 3, random_state=7)
    probe._init_state(probe._validate(check_T), np.random.default_rng(7))
    nw = probe.n_warm_
    arms_bi = np.minimum((uniforms[:nw] * 2).astype(np.int64), 1)
    np.add.at(probe._wsum, (arms_bi, rows[:nw], cols[:nw]), rewards[np.arange(nw), arms_bi])
    np.add.at(probe._wcnt, (arms_bi, rows[:nw], cols[:nw]), 1)
    probe._finish_burn_in()
    sl = slice(nw, nw + 3000)
    arms_np = numpy_loop(probe, rows[sl], cols[sl], rewards[sl], uniforms[sl], nw + 1)
    run_arms = MatrixCompletionBandit((50, 50), 2, T0=check_T // 3, random_state=7).run(
        env, check_T
    )
    if not np.array_equal(arms_np, run_arms.arms[sl]):
        raise AssertionError("the numpy loop and run() disagree")

    best_run, best_loop = math.inf, math.inf
    for rep in range(args.repeat):
        t0 = time.perf_counter()
        bandit = MatrixCompletionBandit((50, 50), 2, T0=T // 3, random_state=rep)
        bandit.run(env, T)
        best_run = min(best_run, time.perf_counter() - t0)
        # the compiled loop alone, on fresh copies of the final state, phase 2 rounds
        n = T - bandit.n_warm_
        r2, c2_, rw = env.draw(n, rep)
        u = np.random.default_rng(rep).random(n)
        K, d1, d2 = 2, 50, 50
        buf = [np.zeros((K, d1, d2)) for _ in range(3)]
        t0 = time.perf_counter()
        mcb_run_loop(
            bandit.U_.copy(), bandit.V_.copy(), bandit._A.copy(), bandit._B.copy(), r2, c2_, rw,
            u, bandit.n_warm_ + 1, T // 3, 0.6, 10.0, 1 / 3, bandit.eta_scale_, buf[0], buf[1],
            buf[2], np.zeros(K), np.zeros((K, d1), np.int64), np.zeros((K, d2), np.int64),
            True, np.empty(n, np.int64), np.empty(n), np.empty(n), np.empty(n), np.empty(n),
        )  # fmt: skip
        best_loop = min(best_loop, (time.perf_counter() - t0) / n)

    m = args.numpy_rounds
    sl = slice(nw, nw + m)
    t0 = time.perf_counter()
    numpy_loop(probe, rows[sl], cols[sl], rewards[sl], uniforms[sl], nw + 1)
    t_np = (time.perf_counter() - t0) / m
    t0 = time.perf_counter()
    numpy_loop(probe, rows[sl], cols[sl], rewards[sl], uniforms[sl], nw + 1, naive=True)
    t_naive = (time.perf_counter() - t0) / m

    rate_run = T / best_run
    print(f"d1 = d2 = 50, r = 2, K = 2, T = {T} (best of {args.repeat})")
    print("| engine | rounds/s | vs numpy (same algorithm) |")
    print("|---|---|---|")
    print(f"| numba, whole run() | {rate_run:.3g} | {rate_run * t_np:.0f}x |")
    print(f"| numba, loop only | {1 / best_loop:.3g} | {t_np / best_loop:.0f}x |")
    print(f"| numpy loop, same O(r^3) algorithm | {1 / t_np:.3g} | 1x |")
    print(f"| numpy loop, naive Gram recompute | {1 / t_naive:.3g} | {t_np / t_naive:.2f}x |")


if __name__ == "__main__":
    main()
