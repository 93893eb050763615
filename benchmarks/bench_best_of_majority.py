"""Benchmark: batched Best-of-Majority selection vs a pandas groupby implementation.

Instance (issue 9, "Benchmark" must-show): 10,000 prompts x N = 256 responses, integer
answer labels drawn uniformly from 30 values, rewards Uniform(0, 1), k = 3, alpha = 0.05,
``group_score="max"``. Timed in the same run on the same data (median of ``--repeat``):

- statkit: ``best_of_majority(A, R, k, alpha)`` on the padded (P, N) arrays;
- statkit, long format: ``best_of_majority(df.answer, df.reward, k, alpha,
  prompt=df.prompt)`` on the same long table as pandas;
- peer: pandas on the long table (prompt, answer, reward): ``groupby([prompt, answer])``
  count and max, keep answers with count / N >= alpha, sort by (prompt, score desc, count
  desc, first occurrence) and take the first k per prompt. Building the long DataFrame is
  not timed.

The two outputs are compared answer for answer before any timing is reported. Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_best_of_majority.py --repeat 5
"""

import argparse
import platform
import statistics
import time

import numpy as np
import pandas as pd

from statkit.llm._best_of_majority import best_of_majority


def pandas_bom(df, n, k, alpha):
    g = df.groupby(["prompt", "answer"], sort=False).agg(
        count=("reward", "size"), score=("reward", "max"), first=("pos", "min")
    )
    g = g[g["count"] / n >= alpha].reset_index()
    g = g.sort_values(["prompt", "score", "count", "first"], ascending=[True, False, False, True])
    return g.groupby("prompt", sort=True).head(k)


def _median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompts", type=int, default=10_000)
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    P, N = args.prompts, args.n
    A = rng.integers(0, 30, (P, N))
    R = rng.random((P, N))
    df = pd.DataFrame(
        {
            "prompt": np.repeat(np.arange(P), N),
            "answer": A.ravel(),
            "reward": R.ravel(),
            "pos": np.tile(np.arange(N), P),
        }
    )
    ours = best_of_majority(A, R, args.k, args.alpha)
    ref = pandas_bom(df, N, args.k, args.alpha)
    for p, rows in ref.groupby("prompt"):
        if list(ours[int(p)].answers) != rows["answer"].tolist():
            raise AssertionError(f"prompt {p}: statkit and pandas disagree")
    long = best_of_majority(df.answer, df.reward, args.k, args.alpha, prompt=df.prompt)
    rows = np.where(ours.indices >= 0, ours.indices + N * np.arange(P)[:, None], -1)
    if not (long.indices == rows).all():
        raise AssertionError("statkit long format and padded batch disagree")
    t_ours = _median_time(lambda: best_of_majority(A, R, args.k, args.alpha), args.repeat)
    t_long = _median_time(
        lambda: best_of_majority(df.answer, df.reward, args.k, args.alpha, prompt=df.prompt),
        args.repeat,
    )
    t_pd = _median_time(lambda: pandas_bom(df, N, args.k, args.alpha), args.repeat)
    print(f"# {P} prompts x N = {N}, k = {args.k}, alpha = {args.alpha}; {platform.processor()}")
    print("| method | median s | ratio to pandas |")
    print("|---|---|---|")
    print(f"| statkit best_of_majority, padded (P, N) | {t_ours:.3f} | {t_ours / t_pd:.3f} |")
    print(f"| statkit best_of_majority, long table | {t_long:.3f} | {t_long / t_pd:.3f} |")
    print(f"| pandas groupby | {t_pd:.3f} | 1.000 |")


if __name__ == "__main__":
    main()
