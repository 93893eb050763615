"""Benchmark: CVaR-UCB rounds per second, numba loop vs the numpy loop of the same algorithm.

Instance (issue 8, "Benchmark" must-show): 10 arms, ``CVaRBanditEnv.minimax_instance(10,
tau=0.2, gap=0.05)`` (Bernoulli rewards), tau = 0.2, both bonuses. The numba engine runs
``--rounds`` rounds (default 10^6; the target is under 2 s); the numpy engine, which is
about 40x slower, runs ``--numpy-rounds`` rounds and both are reported as rounds per second.
Times include drawing the rewards and exclude the first (compiling) call. The two engines
are first checked to give identical arm sequences on 2000 rounds. Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_cvar_ucb.py
"""

import argparse
import time

import numpy as np

from statkit.bandits._cvar_envs import CVaRBanditEnv
from statkit.bandits._cvar_ucb import CVaRUCB


def _time(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=1_000_000)
    ap.add_argument("--numpy-rounds", type=int, default=20_000)
    args = ap.parse_args(argv)
    env = CVaRBanditEnv.minimax_instance(10, 0.2, 0.05)
    print("| bonus | numba s for rounds | numba rounds/s | numpy rounds/s | ratio |")
    print("|---|---|---|---|---|")
    for bonus in ("bernstein", "hoeffding"):
        a = CVaRUCB(0.2, bonus=bonus, random_state=0).run(env, 2000).arms
        b = CVaRUCB(0.2, bonus=bonus, random_state=0).run(env, 2000, engine="numpy").arms
        if not np.array_equal(a, b):
            raise AssertionError(f"{bonus}: engines disagree")
        t_nb = _time(lambda b=bonus: CVaRUCB(0.2, bonus=b, random_state=1).run(env, args.rounds))
        t_np = _time(
            lambda b=bonus: CVaRUCB(0.2, bonus=b, random_state=1).run(
                env, args.numpy_rounds, engine="numpy"
            )
        )
        nb_rate, np_rate = args.rounds / t_nb, args.numpy_rounds / t_np
        print(
            f"| {bonus} | {t_nb:.3f} ({args.rounds}) | {nb_rate:.3g} | {np_rate:.3g} "
            f"| {nb_rate / np_rate:.1f} |"
        )


if __name__ == "__main__":
    main()
