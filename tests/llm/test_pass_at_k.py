"""PassAtKSimulator: exact regret by enumeration (issue 9, part 2).

Oracles: brute force over all N-sequences of answers with a naive dict-based selector
(first-occurrence ties, as in the selectors), weighted by their probabilities; Monte Carlo
within a CLT tolerance; hand-computed eps_RM, eps_opt, C*; the symmetry closed form
(2/3)Delta of the minimax family with k = 1.
"""

import itertools
import math

import pytest

from statkit.llm._pass_at_k import PassAtKSimulator, minimax_instance, mv_hard_instance


def _naive_value(seq, rhat, rstar, k, strategy, alpha, group_score):
    groups = {}
    for i, a in enumerate(seq):
        groups.setdefault(a, []).append(i)
    n = len(seq)
    rows = []
    for a, members in groups.items():
        c = len(members)
        score = {"majority": c, "bon": rhat[a]}.get(strategy)
        if score is None:
            score = c * rhat[a] if group_score == "sum" else rhat[a]
        if strategy != "bom" or c / n >= alpha:
            rows.append((-score, -c, members[0], a))
    rows.sort()
    return max((rstar[r[3]] for r in rows[:k]), default=0.0)


def _brute_regret(sim, N, k, strategy, alpha=0.0, group_score="max"):
    p, rs, rh = sim.ref_probs, sim.true_rewards, sim.rm_rewards
    total = 0.0
    for seq in itertools.product(range(p.size), repeat=N):
        w = math.prod(p[a] for a in seq)
        total += w * _naive_value(seq, rh, rs, k, strategy, alpha, group_score)
    return rs.max() - total


@pytest.mark.parametrize("strategy", ["bom", "majority", "bon"])
@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("group_score", ["max", "sum"])
def test_exact_matches_brute_force(strategy, k, group_score):
    # ties in r_hat and in the counts on purpose; dyadic rewards keep sums exact
    sim = PassAtKSimulator([0.4, 0.3, 0.2, 0.1], [0.25, 1.0, 0.5, 0.75], [0.5, 0.5, 0.75, 0.5])
    for N, alpha in ((4, 0.25), (5, 0.4)):
        exact = sim.regret(strategy, N, k, alpha=alpha, group_score=group_score, method="exact")
        ref = _brute_regret(sim, N, k, strategy, alpha, group_score)
        assert exact.regret == pytest.approx(ref, abs=1e-12)


def test_exact_vs_monte_carlo():
    sim = mv_hard_instance(2, 10, 0.5)
    for strategy in ("bom", "majority", "bon"):
        ex = sim.regret(strategy, 30, 2)
        mc = sim.regret(strategy, 30, 2, method="mc", n_reps=3000, random_state=1)
        assert ex.method == "exact" and mc.method == "mc"
        assert abs(ex.regret - mc.regret) < 4 * mc.std_error + 1e-3
    # same seed, same numbers
    a = sim.regret("bom", 30, 2, method="mc", n_reps=500, random_state=7)
    b = sim.regret("bom", 30, 2, method="mc", n_reps=500, random_state=7)
    assert a == b


def test_closed_forms():
    sim = PassAtKSimulator([0.5, 0.25, 0.25], [1.0, 0.5, 0.0], [0.5, 0.5, 0.5])
    assert sim.eps_rm == pytest.approx(math.sqrt(0.5 * 0.25 + 0.25 * 0.25))
    assert sim.eps_opt == pytest.approx(0.5)
    assert sim.coverage == pytest.approx(2.0)
    tied = PassAtKSimulator([0.2, 0.3, 0.5], [1.0, 1.0, 0.0], [0.9, 0.7, 0.0])
    assert tied.coverage == pytest.approx(2.0) and tied.eps_opt == pytest.approx(0.3)
    built = PassAtKSimulator([0.2, 0.3, 0.5], [1.0, 0.5, 0.0], rm_error=0.3, random_state=0)
    assert built.eps_rm == pytest.approx(0.3)
    fam3 = minimax_instance(1, 3, 0.2)
    delta = min(1.0, math.sqrt(3 * 0.04 / 2))
    assert fam3.eps_rm == pytest.approx(0.2)
    for strategy in ("bom", "majority", "bon"):  # symmetry: y* submitted w.p. 1/3
        assert fam3.regret(strategy, 12, 1).regret == pytest.approx(2 / 3 * delta, abs=1e-12)


def test_bad_input():
    sim = mv_hard_instance(1, 10)
    with pytest.raises(ValueError, match="strategy must be one of"):
        sim.regret("best", 10, 1)
    with pytest.raises(ValueError, match="N must be"):
        sim.regret("bom", 1, 2)
    with pytest.raises(ValueError, match="max_outcomes"):
        sim.regret("bom", 50, 1, method="exact", max_outcomes=10)
    with pytest.raises(ValueError, match="ref_probs must sum to 1"):
        PassAtKSimulator([0.5, 0.6], [1, 0], [1, 0])
    with pytest.raises(ValueError, match="true_rewards must lie in"):
        PassAtKSimulator([0.5, 0.5], [2, 0], [1, 0])
    with pytest.raises(ValueError, match="exactly one of"):
        PassAtKSimulator([0.5, 0.5], [1, 0])
