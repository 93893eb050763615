"""Generations table: loader, validation and the pass@k scorer (issue 9, part 4).

Oracles: a two-prompt table scored by hand; a pure-Python scorer written here (dict
grouping, ``sorted`` on explicit keys, ``math.comb`` for the random-subset pass@k) on
synthetic tables; file round trips.
"""

import math

import numpy as np
import pandas as pd
import pytest

from statkit.llm._generations import (
    GENERATION_COLUMNS,
    evaluate_generations,
    load_generations,
    make_generations,
)


def hand_table():
    rows = [
        ("A", "4", 0.6, False),
        ("A", "5", 0.8, True),
        ("A", "5", 0.7, True),
        ("A", "4", 0.1, False),
        ("A", "6", 0.95, False),
        ("B", "7", 0.2, True),
        ("B", "8", 0.9, False),
        ("B", "7", 0.3, True),
        ("B", "9", 0.5, False),
        ("B", "8", 0.4, False),
    ]
    return pd.DataFrame(
        {
            "prompt": [r[0] for r in rows],
            "response": ["text"] * len(rows),
            "answer": [r[1] for r in rows],
            "reward": [r[2] for r in rows],
            "correct": [r[3] for r in rows],
        }
    )


def test_scores_by_hand():
    # prompt A (alpha 0.3 drops "6"): BoM k=1 picks "5" (right), BoN "6" (wrong), majority
    # "4" (tie with "5" in count, first occurrence; wrong). Prompt B: BoM "8" (wrong),
    # BoN "8" (wrong), majority "7" (tie, first occurrence; right). k = 2: BoN submits
    # {"6", "5"} on A and {"8", "9"} on B. Random: n = 5, c = 2 on both prompts.
    res = evaluate_generations(hand_table(), [1, 2], 0.3)
    expected = {
        ("bom", 1): 0.5,
        ("bon", 1): 0.0,
        ("majority", 1): 0.5,
        ("random", 1): 2 / 5,
        ("oracle", 1): 1.0,
        ("bom", 2): 1.0,
        ("bon", 2): 0.5,
        ("majority", 2): 1.0,
        ("random", 2): 1 - math.comb(3, 2) / math.comb(5, 2),
        ("oracle", 2): 1.0,
    }
    for (method, k), value in expected.items():
        assert res.pass_at_k(method, k) == pytest.approx(value, abs=1e-12), (method, k)
    bom1 = res.table[(res.table.method == "bom") & (res.table.k == 1)]
    assert bom1["se"].iloc[0] == pytest.approx(np.std([1, 0], ddof=1) / math.sqrt(2))
    assert "bom" in res.summary() and len(res.per_prompt) == 4


def naive_scores(df, k, alpha):
    """pass@k per method by the documented rules, with Python containers only."""
    prompts = {}
    for i, row in enumerate(df.itertuples()):
        prompts.setdefault(row.prompt, []).append(i)
    ans, rew, cor = list(df.answer), list(df.reward), list(df.correct)
    out = {"bom": [], "bon": [], "majority": [], "random": [], "oracle": []}
    for rows in prompts.values():
        groups = {}
        for i in rows:
            groups.setdefault(ans[i], []).append(i)
        n = len(rows)
        stats = []
        for members in groups.values():
            best = max(rew[i] for i in members)
            rep = next(i for i in members if rew[i] == best)
            stats.append((best, len(members), members[0], rep))
        for method in ("bom", "bon", "majority"):
            if method == "majority":
                keyed = sorted(stats, key=lambda s: (-s[1], s[2]))
                reps = [s[2] for s in keyed[:k]]
            else:
                pool = [s for s in stats if method == "bon" or s[1] / n >= alpha]
                keyed = sorted(pool, key=lambda s: (-s[0], -s[1], s[2]))
                reps = [s[3] for s in keyed[:k]]
            out[method].append(any(cor[i] for i in reps))
        c = sum(cor[i] for i in rows)
        out["random"].append(1 - math.comb(n - c, k) / math.comb(n, k))
        out["oracle"].append(c > 0)
    return {m: float(np.mean(v)) for m, v in out.items()}


@pytest.mark.parametrize("seed", [0, 1])
def test_scores_match_naive_scorer(seed):
    df = make_generations(40, 16, n_answers=8, rm_noise=0.6, random_state=seed)
    df = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # interleave prompts
    res = evaluate_generations(df, [1, 3], 0.125)
    for k in (1, 3):
        for method, value in naive_scores(df, k, 0.125).items():
            assert res.pass_at_k(method, k) == pytest.approx(value, abs=1e-12), (method, k)


def test_inconsistent_correctness_warns():
    df = hand_table()
    df.loc[2, "correct"] = False  # "5" on prompt A: one right, one wrong response
    with pytest.warns(UserWarning, match="mix correct and incorrect"):
        evaluate_generations(df, 1, 0.3)


# ------------------------------------------------------------------------- loading


def test_csv_jsonl_round_trip(tmp_path):
    df = hand_table()
    df["answer"] = ["007", "1/2", "1/2", "007", "1e3", "x", "0.50", "x", "nan", "0.50"]
    df["model"] = "m"  # extra columns are kept, after the standard ones
    csv = tmp_path / "gen.csv"
    df.to_csv(csv, index=False)
    got = load_generations(csv)
    assert list(got.columns) == [*GENERATION_COLUMNS, "model"]
    assert got["answer"].tolist()[:5] == ["007", "1/2", "1/2", "007", "1e3"]
    assert got["correct"].dtype == bool and got["reward"].dtype == np.float64
    jl = tmp_path / "gen.jsonl"
    df.to_json(jl, orient="records", lines=True)
    got = load_generations(jl)
    assert got["answer"].tolist()[:5] == ["007", "1/2", "1/2", "007", "1e3"]
    np.testing.assert_array_equal(got["correct"], df["correct"])


def test_parquet(tmp_path):
    path = tmp_path / "gen.parquet"
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        path.write_bytes(b"PAR1")
        with pytest.raises(ImportError, match="pyarrow or fastparquet"):
            load_generations(path)
        return
    hand_table().to_parquet(path)
    pd.testing.assert_frame_equal(load_generations(path), load_generations(hand_table()))


def test_column_mapping_and_boolean_spellings():
    df = hand_table().rename(columns={"prompt": "qid", "reward": "rm", "correct": "ok"})
    df["ok"] = ["true", "False", "yes", "0", "1", "T", "f", "no", "1", "0"]
    got = load_generations(df, columns={"qid": "prompt", "rm": "reward", "ok": "correct"})
    assert got["correct"].tolist() == [1, 0, 1, 0, 1, 1, 0, 0, 1, 0]
    assert "qid" in df.columns  # the caller's frame is untouched
    ints = hand_table().assign(correct=[1, 0, 1, 0, 1, 1, 0, 0, 1, 0])
    assert load_generations(ints)["correct"].dtype == bool


@pytest.mark.parametrize(
    ("change", "exc", "match"),
    [
        (lambda d: d.drop(columns=["reward"]), ValueError, r"lacks column\(s\) \['reward'\]"),
        (lambda d: d.assign(reward=np.r_[0.1, np.nan, [0.0] * 8]), ValueError, "row 1 has nan"),
        (lambda d: d.assign(reward=np.r_[np.inf, [0.0] * 9]), ValueError, "finite"),
        (lambda d: d.assign(reward=["high"] * 10), TypeError, "reward must be numeric"),
        (lambda d: d.assign(reward=[True] * 10), TypeError, "reward must be numeric"),
        (lambda d: d.assign(correct=[0.5] * 10), ValueError, "correct must be boolean"),
        (lambda d: d.assign(correct=["maybe"] * 10), ValueError, "row 0 has 'maybe'"),
        (lambda d: d.assign(correct=[1.0, np.nan] * 5), ValueError, "correct must be boolean"),
        (lambda d: d.assign(prompt=["A", None] * 5), ValueError, "prompt must not be missing"),
        (lambda d: d.iloc[:0], ValueError, "no rows"),
    ],
)
def test_bad_tables(change, exc, match):
    with pytest.raises(exc, match=match):
        load_generations(change(hand_table()))


def test_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match="DataFrame or a path"):
        load_generations([1, 2])
    with pytest.raises(ValueError, match="cannot tell the format"):
        load_generations(tmp_path / "gen.xlsx")
    with pytest.raises(ValueError, match="unknown names"):
        load_generations(hand_table(), columns={"prompt": "question"})
    with pytest.raises(TypeError, match="columns must be a dict"):
        load_generations(hand_table(), columns=["prompt"])
    with pytest.raises(ValueError, match="k=6 exceeds the 5 responses"):
        evaluate_generations(hand_table(), 6, 0.1)
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        evaluate_generations(hand_table(), 0, 0.1)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        evaluate_generations(hand_table(), 1, 1.5)
    with pytest.raises(ValueError, match="non-empty"):
        evaluate_generations(hand_table(), [], 0.1)


def test_make_generations():
    a = make_generations(5, 8, random_state=3)
    b = make_generations(5, 8, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 40 and list(a.columns) == list(GENERATION_COLUMNS)
    pd.testing.assert_frame_equal(load_generations(a), a)
    # exactly one correct answer per prompt, and correctness is a function of the answer
    per = a.groupby(["prompt", "answer"])["correct"].nunique()
    assert (per == 1).all()
    assert (a[a.correct].groupby("prompt")["answer"].nunique() == 1).all()
    with pytest.raises(ValueError, match="n_answers"):
        make_generations(5, 8, n_answers=1)
