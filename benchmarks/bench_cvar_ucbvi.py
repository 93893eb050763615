"""Benchmark: CVaR-UCBVI episodes per second, numba engine vs the numpy engine of the same run.

Instance (issue 8, "Benchmark" must-show): ``TabularMDP.random(20, 4, 10, eta=0.05,
random_state=0)`` (S = 20, A = 4, H = 10, rewards on the 0.05-grid, 21 budgets), tau = 0.2,
delta = 1/K. One episode = the optimistic backup over (h, s, b, a), the exact CVaR of the
executed policy (forward law over (s, b), for the regret) and the roll-out. The numpy engine
(vectorised backup, python roll-out, TabularMDP.policy_cvar) is the peer. Times exclude the
first (compiling) call; the engines are first checked to give the same budgets and policy CVaRs
on 30 episodes. Usage::

    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/bench_cvar_ucbvi.py
"""

import argparse
import time

import numpy as np

from statkit.rl._cvar_ucbvi import CVaRUCBVI
from statkit.rl._tabular_mdp import TabularMDP


def _time(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=5_000)
    ap.add_argument("--numpy-episodes", type=int, default=200)
    args = ap.parse_args(argv)
    mdp = TabularMDP.random(20, 4, 10, eta=0.05, random_state=0)
    print("| bonus | numba s (episodes) | numba episodes/s | numpy episodes/s | ratio |")
    print("|---|---|---|---|---|")
    for bonus in ("bernstein", "hoeffding"):
        a = CVaRUCBVI(0.2, eta=0.05, bonus=bonus, random_state=0).run(mdp, 30)
        b = CVaRUCBVI(0.2, eta=0.05, bonus=bonus, random_state=0).run(mdp, 30, engine="numpy")
        if not (
            np.array_equal(a.budgets, b.budgets)
            and np.allclose(a.policy_cvar, b.policy_cvar, atol=1e-12, rtol=0)
        ):
            raise AssertionError(f"{bonus}: engines disagree")
        t_nb = _time(
            lambda b=bonus: CVaRUCBVI(0.2, eta=0.05, bonus=b, random_state=1).run(
                mdp, args.episodes
            )
        )
        t_np = _time(
            lambda b=bonus: CVaRUCBVI(0.2, eta=0.05, bonus=b, random_state=1).run(
                mdp, args.numpy_episodes, engine="numpy"
            )
        )
        nb_rate, np_rate = args.episodes / t_nb, args.numpy_episodes / t_np
        print(
            f"| {bonus} | {t_nb:.3f} ({args.episodes}) | {nb_rate:.4g} | {np_rate:.4g} "
            f"| {nb_rate / np_rate:.1f} |"
        )


if __name__ == "__main__":
    main()
