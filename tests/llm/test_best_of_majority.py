"""Best-of-Majority, majority voting, Best-of-N and pass@k (issue 9, parts 1-2).

Oracles: a naive pure-Python selector written here with dicts (one pass over the
responses, Python's ``sorted`` on explicit keys), run on random cases (hypothesis); the
exact binomial formula ``1 - comb(n - c, k) / comb(n, k)`` (math.comb) for pass@k.
Rewards in the random cases are multiples of 1/8, so every sum is exact in floating point
and the naive and vectorised group means round identically.
"""

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statkit.llm._best_of_majority import (
    BatchSelection,
    best_of_majority,
    best_of_n,
    majority_vote,
    pass_at_k,
)


def naive_select(answers, rewards, k, method, alpha=0.0, group_score="max", key=None):
    """Returns (answers, indices, counts) by the documented rule, the slow obvious way."""
    groups = {}  # key -> list of response positions, in order
    for i, a in enumerate(answers):
        groups.setdefault(a if key is None else key(a), []).append(i)
    n = len(answers)
    rows = []
    for members in groups.values():
        count = len(members)
        if method == "majority":
            score, rep = float(count), members[0]
        else:
            rs = [rewards[i] for i in members]
            best = max(rs)
            rep = next(i for i in members if rewards[i] == best)
            score = {"max": best, "sum": sum(rs), "mean": sum(rs) / count}[
                "max" if method == "bon" else group_score
            ]
        rows.append((score, count, members[0], rep))
    if method == "bom":
        if alpha == "auto":  # count >= 3/4 of the top count, in exact integers
            top = max(r[1] for r in rows)
            rows = [r for r in rows if 4 * r[1] >= 3 * top]
        else:
            rows = [r for r in rows if r[1] / n >= alpha]
    rows.sort(key=lambda r: (-r[0], -r[1], r[2]))
    rows = rows[:k]
    return [answers[r[3]] for r in rows], [r[3] for r in rows], [r[1] for r in rows]


GRID_REWARDS = st.integers(0, 16).map(lambda v: v / 8)


@st.composite
def prompt_case(draw, max_n=25):
    n = draw(st.integers(1, max_n))
    answers = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    rewards = draw(st.lists(GRID_REWARDS, min_size=n, max_size=n))
    return answers, rewards


ALPHAS = st.sampled_from([0.0, 0.05, 0.1, 0.2, 1 / 3, 0.5, 0.9, 1.0, "auto"])
SCORES = st.sampled_from(["max", "mean", "sum"])


def _check(sel, expected):
    ans, idx, cnt = expected
    assert sel.answers == ans
    assert sel.indices.tolist() == idx
    assert sel.counts.tolist() == cnt


@settings(max_examples=150, deadline=None)
@given(prompt_case(), st.integers(1, 25), ALPHAS, SCORES)
def test_single_prompt_matches_naive(case, k, alpha, group_score):
    answers, rewards = case
    k = min(k, len(answers))
    _check(
        best_of_majority(answers, rewards, k, alpha, group_score),
        naive_select(answers, rewards, k, "bom", alpha, group_score),
    )
    _check(best_of_n(answers, rewards, k), naive_select(answers, rewards, k, "bon"))
    _check(majority_vote(answers, k), naive_select(answers, None, k, "majority"))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(prompt_case(max_n=15), min_size=1, max_size=6),
    st.integers(1, 4),
    ALPHAS,
    SCORES,
    st.randoms(use_true_random=False),
)
def test_batch_and_long_format_match_naive(cases, k, alpha, group_score, rnd):
    k = min(k, min(len(a) for a, _ in cases))
    P, n_max = len(cases), max(len(a) for a, _ in cases)
    A = np.full((P, n_max), -7, dtype=np.int64)  # padding must never be read
    R = np.full((P, n_max), np.nan)
    for p, (a, r) in enumerate(cases):
        A[p, : len(a)], R[p, : len(r)] = a, r
    lengths = np.array([len(a) for a, _ in cases])
    runs = {
        "bom": lambda kw: best_of_majority(A, R, k, alpha, group_score, **kw),
        "bon": lambda kw: best_of_n(A, R, k, **kw),
        "majority": lambda kw: majority_vote(A, k, **kw),
    }
    # long format: rows of all prompts, shuffled; indices refer to rows
    df = pd.DataFrame(
        [(p, a, r) for p, (aa, rr) in enumerate(cases) for a, r in zip(aa, rr, strict=True)],
        columns=["prompt", "answer", "reward"],
    )
    perm = list(range(len(df)))
    rnd.shuffle(perm)
    df = df.iloc[perm].reset_index(drop=True)
    for method, run in runs.items():
        batch = run({"lengths": lengths})
        assert isinstance(batch, BatchSelection) and len(batch) == P
        if method == "bom":
            long = best_of_majority(df.answer, df.reward, k, alpha, group_score, prompt=df.prompt)
        elif method == "bon":
            long = best_of_n(df.answer, df.reward, k, prompt=df.prompt)
        else:
            long = majority_vote(df.answer, k, prompt=df.prompt)
        for p, (a, r) in enumerate(cases):
            _check(batch[p], naive_select(a, r, k, method, alpha, group_score))
            rows = np.flatnonzero(df.prompt.to_numpy() == p)
            exp_a, exp_i, exp_c = naive_select(
                list(df.answer.iloc[rows]),
                list(df.reward.iloc[rows]),
                k,
                method,
                alpha,
                group_score,
            )
            q = list(long.prompts).index(p)
            _check(long[q], (exp_a, [int(rows[i]) for i in exp_i], exp_c))
        frame = batch.to_frame()
        assert len(frame) == batch.n_selected.sum()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=40), st.integers(1, 6), st.integers(0, 99))
def test_alpha_zero_is_best_of_n(answers, k, seed):
    k = min(k, len(answers))
    rewards = np.random.default_rng(seed).normal(size=len(answers))  # arbitrary reals
    bom = best_of_majority(answers, rewards, k, 0.0, "max")
    bon = best_of_n(answers, rewards, k)
    assert bom.answers == bon.answers and bom.indices.tolist() == bon.indices.tolist()
    # rewards a function of the answer: "mean" is Best-of-N too
    per_answer = np.random.default_rng(seed + 1).normal(size=7)
    r2 = per_answer[np.asarray(answers)]
    assert (
        best_of_majority(answers, r2, k, 0.0, "mean").answers == best_of_n(answers, r2, k).answers
    )


def test_filter_above_max_frequency():
    answers, rewards = ["a", "a", "b", "c"], [0.1, 0.2, 0.9, 0.5]
    # pi_hat = (0.5, 0.25, 0.25): alpha = 0.6 leaves nothing
    sel = best_of_majority(answers, rewards, 2, 0.6)
    assert sel.answers == [] and sel.indices.size == 0
    relaxed = best_of_majority(answers, rewards, 2, 0.6, on_empty="relax")
    assert relaxed.answers == ["b", "c"]
    # fewer survivors than k: all survivors are submitted
    assert best_of_majority(answers, rewards, 3, 0.5).answers == ["a"]
    # boundary: pi_hat(y) >= alpha keeps equality
    assert best_of_majority(answers, rewards, 3, 0.25).answers == ["b", "c", "a"]


def test_tie_breaking():
    # equal scores: higher count first; equal counts: earlier first occurrence
    answers = ["x", "y", "y", "z", "x", "w"]
    rewards = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    assert best_of_n(answers, rewards, 4).answers == ["x", "y", "z", "w"]
    assert majority_vote(answers, 4).answers == ["x", "y", "z", "w"]
    assert majority_vote(["b", "a", "a", "b", "c"], 2).answers == ["b", "a"]
    # representative response: first one with the group's best reward
    sel = best_of_majority(["u", "u", "u"], [0.3, 0.7, 0.7], 1, 0.0, "mean")
    assert sel.indices.tolist() == [1]
    assert sel.scores[0] == pytest.approx(17 / 30)


def test_answer_key_groups_equivalent_answers():
    answers = ["1/2", "0.5", "2/4", "1", "1.0"]
    rewards = [0.1, 0.2, 0.3, 0.9, 0.0]
    plain = majority_vote(answers, 1)
    assert plain.counts.tolist() == [1]
    sel = majority_vote(answers, 2, answer_key=Fraction)
    assert sel.counts.tolist() == [3, 2]
    assert sel.answers == ["1/2", "1"]  # the original values are returned
    bom = best_of_majority(answers, rewards, 1, 0.5, "max", answer_key=Fraction)
    assert bom.answers == ["2/4"] and bom.indices.tolist() == [2]  # "1" is filtered out


def test_tuple_labels_stay_one_dimensional():
    answers = [(1, 2), (1, 2), (3, 4)]
    assert majority_vote(answers, 2).answers == [(1, 2), (3, 4)]


def test_string_batch_and_selection_fields():
    A = np.array([["a", "b", "b"], ["c", "c", "d"]])
    R = np.array([[1.0, 0.0, 0.5], [0.2, 0.2, 0.1]])
    out = best_of_majority(A, R, 2, 0.0, "sum")
    assert out[0].answers == ["a", "b"] and out[1].answers == ["c", "d"]
    assert out.frequencies[1].tolist() == [2 / 3, 1 / 3]
    assert out.scores[1].tolist() == pytest.approx([0.4, 0.1])


def test_large_batch_matches_naive_selector():
    # the size of the benchmark; speed itself is measured in benchmarks/, not here
    rng = np.random.default_rng(0)
    A = rng.integers(0, 30, (10_000, 256))
    R = rng.random((10_000, 256))
    out = best_of_majority(A, R, 3, 0.05)
    for p in (0, 4321, 9999):  # spot-check rows against the naive selector
        _check(out[p], naive_select(list(A[p]), list(R[p]), 3, "bom", 0.05, "max"))


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"k": 0}, ValueError, "k must be"),
        ({"k": 2.0}, TypeError, "k must be"),
        ({"k": 5}, ValueError, "exceeds the number of responses"),
        ({"alpha": -0.1}, ValueError, "alpha must be in"),
        ({"alpha": 1.5}, ValueError, "alpha must be in"),
        ({"alpha": float("nan")}, ValueError, "alpha must be in"),
        ({"alpha": "sometimes"}, ValueError, "alpha must be"),
        ({"rewards": [0.1, 0.2, 0.3]}, ValueError, "same shape as answers"),
        ({"rewards": [0.1, np.nan, 0.3, 0.4]}, ValueError, "rewards must be finite"),
        ({"rewards": ["a", "b", "c", "d"]}, TypeError, "rewards must be numeric"),
        ({"group_score": "median"}, ValueError, "group_score must be one of"),
        ({"answer_key": 3}, TypeError, "answer_key must be callable"),
        ({"on_empty": "drop"}, ValueError, "on_empty must be one of"),
        ({"prompt": [0, 1]}, ValueError, "prompt must have one label per response"),
        ({"answers": []}, ValueError, "answers is empty"),
    ],
)
def test_bad_input(kwargs, exc, match):
    args = {"answers": ["a", "b", "a", "c"], "rewards": [0.1, 0.2, 0.3, 0.4], "k": 1}
    args["alpha"] = 0.1
    args.update(kwargs)
    if "answers" in kwargs and not kwargs["answers"]:
        args["rewards"] = []
    with pytest.raises(exc, match=match):
        best_of_majority(**args)


def test_bad_batch_input():
    A = np.zeros((2, 3), dtype=int)
    with pytest.raises(ValueError, match="lengths must lie in"):
        majority_vote(A, 1, lengths=[0, 3])
    with pytest.raises(ValueError, match="lengths must be an integer array"):
        majority_vote(A, 1, lengths=[3])
    with pytest.raises(ValueError, match="exceeds the number of responses N=1 of prompt 1"):
        majority_vote(A, 2, lengths=[3, 1])
    with pytest.raises(ValueError, match="lengths applies to a 2-D batch"):
        majority_vote([1, 2], 1, lengths=[2])
    with pytest.raises(ValueError, match="prompt applies to 1-D"):
        majority_vote(A, 1, prompt=[0, 1])
    with pytest.raises(ValueError, match="rewards must be finite"):
        best_of_n(A, np.full((2, 3), np.nan), 1, lengths=[1, 1])


# --------------------------------------------------------------------------------------
# pass@k
# --------------------------------------------------------------------------------------


def test_pass_at_k_vs_binomial_formula():
    for n in range(1, 30):
        for c in range(n + 1):
            for k in range(1, n + 1):
                exact = 1 - math.comb(n - c, k) / math.comb(n, k)
                assert pass_at_k(n, c, k) == pytest.approx(exact, rel=1e-12, abs=1e-15)
    # large n: the binomials overflow floats, the fraction does not
    exact = 1 - Fraction(math.comb(1000 - 3, 100), math.comb(1000, 100))
    assert pass_at_k(1000, 3, 100) == pytest.approx(float(exact), rel=1e-12)


def test_pass_at_k_broadcasts():
    out = pass_at_k(10, np.array([0, 1, 5]), 2)
    assert out.shape == (3,)
    assert out.tolist() == pytest.approx([1 - math.comb(10 - c, 2) / 45 for c in (0, 1, 5)])


@pytest.mark.parametrize(
    ("n", "c", "k", "exc"),
    [
        (0, 0, 1, ValueError),
        (5, 6, 1, ValueError),
        (5, -1, 1, ValueError),
        (5, 2, 0, ValueError),
        (5, 2, 6, ValueError),
        (5.0, 2, 1, TypeError),
        (5, 2, True, TypeError),
    ],
)
def test_pass_at_k_bad_input(n, c, k, exc):
    with pytest.raises(exc, match=r"\b[nck]\b"):
        pass_at_k(n, c, k)


def test_auto_alpha_keeps_an_answer_exactly_on_the_threshold():
    # counts (4, 3, 3) of 10: 3/4 of the top frequency is 0.3 exactly, but 0.75 * 0.4 > 0.3
    # in floating point; found by hypothesis
    out = best_of_majority([0, 0, 0, 0, 1, 1, 1, 2, 2, 2], np.zeros(10), 2, "auto")
    assert out.answers == [0, 1]


@pytest.mark.parametrize(
    "labels",
    [
        np.array([10**12, 5, 10**12, -(10**12), 5, 5], dtype=np.int64),  # sparse: factorized
        np.array([2**64 - 1, 3, 2**64 - 1, 7, 3, 3], dtype=np.uint64),  # beyond int64
        np.array([1.5, np.nan, 1.5, -0.0, np.nan, np.nan]),  # floats, NaN an ordinary label
    ],
)
def test_numeric_label_codes_match_naive(labels):
    # the numba core groups by integer codes: dense values are used directly, anything
    # else goes through pandas.factorize; both must group as Python equality does
    rewards = [0.25, 0.5, 0.75, 0.125, 0.5, 0.375]
    keyed = ["nan" if isinstance(a, float) and a != a else a for a in labels.tolist()]
    for k in (1, 2, 3):
        for method in ("bom", "majority"):
            _, exp_i, exp_c = naive_select(keyed, rewards, k, method, 0.2, "mean")
            if method == "bom":
                sel = best_of_majority(labels, rewards, k, 0.2, "mean")
            else:
                sel = majority_vote(labels, k)
            assert sel.indices.tolist() == exp_i and sel.counts.tolist() == exp_c
            assert [str(a) for a in sel.answers] == [str(labels[i]) for i in exp_i]
