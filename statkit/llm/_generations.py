r"""Scoring selection strategies on a table of real (or synthetic) model generations.

The table has one row per sampled response:

=========== ==================================================================
column      meaning
=========== ==================================================================
prompt      the prompt (problem) the response answers; any hashable label
response    the generated text (kept for inspection; never read by the scorer)
answer      the extracted final answer; responses are grouped by it
reward      the reward-model score of the response, a finite real number
correct     whether the response is correct (a boolean from a verifier)
=========== ==================================================================

:func:`load_generations` reads and validates such a table (CSV, JSON lines, parquet or a
DataFrame); :func:`evaluate_generations` runs Best-of-Majority, Best-of-N and majority
voting on every prompt and reports the empirical pass@k of each: the fraction of prompts
whose submitted set contains a correct response,

.. math::

    \widehat{\text{pass@}k}(\text{strategy}) = \frac{1}{P}\sum_{x=1}^{P}
    \mathbf 1\{\exists\, y \in S_x : \text{correct}(y)\},

next to two references: the unbiased pass@k of :math:`k` responses drawn at random
without replacement (:func:`pass_at_k`, Chen et al. 2021) and the oracle "any correct
response among the :math:`N`". A submitted answer counts as correct when its
representative response (the one reported in ``indices``) is; correctness is normally a
function of the answer, and :func:`evaluate_generations` warns when it is not.
:func:`make_generations` writes a synthetic table in this format.
"""

import numbers
import os
import warnings

import numpy as np
import pandas as pd

from statkit.utils import check_random_state

from ._best_of_majority import (
    _check_alpha,
    _check_choice,
    _check_k,
    best_of_majority,
    best_of_n,
    majority_vote,
    pass_at_k,
)

__all__ = [
    "GENERATION_COLUMNS",
    "GenerationsScore",
    "evaluate_generations",
    "load_generations",
    "make_generations",
]

#: The columns of a generations table, in order.
GENERATION_COLUMNS = ("prompt", "response", "answer", "reward", "correct")

_TRUE = {"true", "t", "yes", "1"}
_FALSE = {"false", "f", "no", "0"}


def _read(source, file_format, text_columns):
    if isinstance(source, pd.DataFrame):
        return source.copy()
    if not isinstance(source, str | os.PathLike):
        raise TypeError(
            f"source must be a pandas DataFrame or a path (str or os.PathLike), got "
            f"{type(source).__name__}"
        )
    path = os.fspath(source)
    if file_format is None:
        lower = path.lower()
        for suffixes, fmt in (
            ((".csv", ".csv.gz", ".tsv"), "csv"),
            ((".jsonl", ".jsonl.gz", ".ndjson"), "jsonl"),
            ((".parquet", ".pq"), "parquet"),
        ):
            if lower.endswith(suffixes):
                file_format = fmt
                break
        else:
            raise ValueError(
                f"cannot tell the format of {path!r} from its name; pass "
                "file_format='csv', 'jsonl' or 'parquet'"
            )
    file_format = _check_choice(file_format, "file_format", ("csv", "jsonl", "parquet"))
    if file_format == "csv":
        sep = "\t" if path.lower().endswith(".tsv") else ","
        # answers stay strings: "1/2", "007" and "1e3" must not become numbers
        return pd.read_csv(path, sep=sep, dtype=dict.fromkeys(text_columns, str))
    if file_format == "jsonl":
        return pd.read_json(path, lines=True, dtype=dict.fromkeys(text_columns, str))
    try:
        return pd.read_parquet(path)
    except ImportError as exc:
        raise ImportError(
            "reading parquet needs pyarrow or fastparquet (pip install pyarrow); or pass a "
            "CSV / JSON-lines file or a DataFrame"
        ) from exc


def _as_bool(col):
    """The ``correct`` column as bool, or a ValueError naming the first bad row."""
    values = col.to_numpy()
    if col.dtype == bool:
        return values
    if pd.api.types.is_numeric_dtype(col.dtype):
        ok = np.isin(values, (0, 1))  # NaN and 0.5 are not booleans
        if ok.all():
            return values.astype(bool)
    else:
        out = np.empty(len(values), dtype=bool)
        ok = np.ones(len(values), dtype=bool)
        for i, v in enumerate(values):
            if isinstance(v, bool | np.bool_):
                out[i] = bool(v)
            elif isinstance(v, str) and v.strip().lower() in _TRUE | _FALSE:
                out[i] = v.strip().lower() in _TRUE
            elif isinstance(v, numbers.Integral) and v in (0, 1):
                out[i] = bool(v)
            else:
                ok[i] = False
        if ok.all():
            return out
    bad = int(np.flatnonzero(~ok)[0])
    raise ValueError(
        f"correct must be boolean (True/False, 0/1 or 'true'/'false'); row {bad} has "
        f"{values[bad]!r} ({int((~ok).sum())} bad rows)"
    )


def load_generations(source, *, columns=None, file_format=None):
    """Read and validate a table of generations (one row per sampled response).

    Parameters
    ----------
    source : str, path-like or pandas.DataFrame
        A CSV (``.csv``, ``.tsv``, ``.csv.gz``), JSON-lines (``.jsonl``, ``.ndjson``) or
        parquet (``.parquet``, ``.pq``; needs pyarrow or fastparquet) file, or a
        DataFrame (copied, never modified).
    columns : dict, optional
        Renames the source's columns to the standard names, e.g.
        ``{"problem_id": "prompt", "rm_score": "reward", "is_correct": "correct"}``.
    file_format : {"csv", "jsonl", "parquet"}, optional
        Overrides the format guessed from the file name.

    Returns
    -------
    pandas.DataFrame
        The columns ``prompt, response, answer, reward, correct`` first (``reward``
        float64, ``correct`` bool), any other columns after them, in the source's row
        order with a fresh RangeIndex. Answers read from CSV stay strings.

    Raises
    ------
    ValueError
        A missing column, an empty table, a missing prompt, a non-finite reward or a
        non-boolean ``correct`` (the message names the first bad row).
    TypeError
        A non-numeric reward, or a source of the wrong type.

    Notes
    -----
    A missing answer (NaN or None: the answer could not be extracted) is kept and
    grouped as one ordinary label; drop such rows first to exclude them.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q": [0, 0, 1], "text": ["...", "...", "..."],
    ...                    "answer": ["4", "5", "7"], "score": [0.9, 0.2, 0.5],
    ...                    "correct": [True, False, True]})
    >>> table = load_generations(df, columns={"q": "prompt", "text": "response",
    ...                                       "score": "reward"})
    >>> list(table.columns)
    ['prompt', 'response', 'answer', 'reward', 'correct']
    """
    if columns is not None and not isinstance(columns, dict):
        raise TypeError(f"columns must be a dict {{source name: standard name}}, got {columns!r}")
    source_of = {v: key for key, v in (columns or {}).items()}
    df = _read(source, file_format, [source_of.get(c, c) for c in ("prompt", "answer")])
    if columns is not None:
        unknown = sorted(set(columns.values()) - set(GENERATION_COLUMNS), key=str)
        if unknown:
            raise ValueError(
                f"columns maps to unknown names {unknown}; the standard names are "
                f"{list(GENERATION_COLUMNS)}"
            )
        df = df.rename(columns=columns)
    missing = [c for c in GENERATION_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(
            f"the table lacks column(s) {missing}; it has {list(df.columns)}. Rename with "
            "columns={'source name': 'standard name'}"
        )
    if len(df) == 0:
        raise ValueError("the table has no rows: at least one response is needed")
    if df["prompt"].isna().any():
        bad = int(np.flatnonzero(df["prompt"].isna().to_numpy())[0])
        raise ValueError(f"prompt must not be missing; row {bad} has none")
    reward = df["reward"]
    if not (pd.api.types.is_numeric_dtype(reward.dtype) and not pd.api.types.is_bool_dtype(reward)):
        raise TypeError(f"reward must be numeric, got dtype {reward.dtype}")
    r = reward.to_numpy(dtype=np.float64)
    if not np.isfinite(r).all():
        bad = int(np.flatnonzero(~np.isfinite(r))[0])
        raise ValueError(
            f"reward must be finite; row {bad} has {r[bad]} ({int((~np.isfinite(r)).sum())} "
            "non-finite rewards: drop or impute them first)"
        )
    df["reward"] = r
    df["correct"] = _as_bool(df["correct"])
    rest = [c for c in df.columns if c not in GENERATION_COLUMNS]
    return df[list(GENERATION_COLUMNS) + rest].reset_index(drop=True)


class GenerationsScore:
    """Empirical pass@k of the selection strategies on a table of generations.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (method, k): ``method`` (``"bom"``, ``"bon"``, ``"majority"``,
        ``"random"``: the unbiased pass@k of k random responses, ``"oracle"``: any
        correct response among the N), ``k``, ``pass_at_k`` (the mean over prompts),
        ``se`` (its standard error over prompts) and ``n_prompts``.
    per_prompt : pandas.DataFrame
        One row per (prompt, k): the prompt, ``n`` responses, ``c`` correct ones, and
        per method a bool (the submitted set holds a correct response) or, for
        ``random``, the per-prompt probability.
    alpha, group_score : as given
    """

    def __init__(self, table, per_prompt, alpha, group_score):
        self.table = table
        self.per_prompt = per_prompt
        self.alpha = alpha
        self.group_score = group_score

    def pass_at_k(self, method, k):
        """The pass@k of ``method`` at ``k`` (a float)."""
        row = self.table[(self.table["method"] == method) & (self.table["k"] == k)]
        if len(row) != 1:
            raise KeyError(f"no result for method={method!r}, k={k}")
        return float(row["pass_at_k"].iloc[0])

    def summary(self):
        """A wide text table: pass@k (%) per method (rows) and k (columns)."""
        wide = self.table.pivot(index="method", columns="k", values="pass_at_k") * 100
        wide = wide.reindex([m for m in _METHODS if m in wide.index])
        n = int(self.table["n_prompts"].iloc[0])
        head = (
            f"pass@k (%) over {n} prompts; BoM alpha={self.alpha!r}, "
            f"group_score={self.group_score!r}"
        )
        return head + "\n" + wide.round(2).to_string()

    def __repr__(self):
        return self.summary()

    def _repr_html_(self):
        wide = self.table.pivot(index="method", columns="k", values="pass_at_k") * 100
        return wide.round(2).to_html()


_METHODS = ("bom", "bon", "majority", "random", "oracle")


def evaluate_generations(table, k, alpha, group_score="max", answer_key=None):
    r"""Empirical pass@k of Best-of-Majority, Best-of-N and majority voting on a table.

    For every prompt :math:`x` with responses :math:`(\hat y_i, \hat r_i, c_i)`, each
    strategy submits at most :math:`k` distinct answers :math:`S_x`
    (:func:`best_of_majority` with ``alpha`` and ``group_score``, :func:`best_of_n`,
    :func:`majority_vote`); the prompt is solved when a submitted answer's representative
    response is correct. The reported pass@k is the mean over prompts, with the standard
    error :math:`\sqrt{\hat p(1-\hat p)/(P-1)}` of a mean of :math:`P` indicators.

    Parameters
    ----------
    table : pandas.DataFrame or str or path-like
        A generations table; passed through :func:`load_generations` (which validates).
    k : int or sequence of int
        Answers submitted per prompt; each at least 1 and at most the smallest number of
        responses of a prompt.
    alpha : float in [0, 1] or "auto"
        BoM's frequency threshold (the paper's experiments: 0.005 to 0.015).
    group_score : {"max", "mean", "sum"}, default="max"
    answer_key : callable, optional
        Answer equivalence, as in :func:`best_of_majority`.

    Returns
    -------
    GenerationsScore

    Warns
    -----
    UserWarning
        When responses with the same (prompt, answer key) disagree on ``correct``.

    References
    ----------
    Q. Di, K. Ji, X. Li, H. Zhao, Q. Gu. Best-of-Majority: Minimax-Optimal Strategy for
    Pass@k Inference Scaling. arXiv:2510.03199, 2025. M. Chen et al. arXiv:2107.03374,
    2021 (the unbiased pass@k).
    """
    df = load_generations(table)
    ks = [k] if isinstance(k, numbers.Integral) and not isinstance(k, bool) else list(k)
    if not ks:
        raise ValueError("k must be an integer >= 1 or a non-empty sequence of them")
    ks = [_check_k(v) for v in ks]
    alpha = _check_alpha(alpha)
    group_score = _check_choice(group_score, "group_score", ("mean", "max", "sum"))
    correct = df["correct"].to_numpy()
    pid, prompts = pd.factorize(df["prompt"], use_na_sentinel=False)
    n = np.bincount(pid)
    c = np.bincount(pid, weights=correct).astype(np.int64)
    if max(ks) > n.min():
        p = int(np.argmin(n))
        raise ValueError(
            f"k={max(ks)} exceeds the {int(n[p])} responses of prompt {prompts[p]!r}; k must be "
            f"in [1, {int(n.min())}] for this table"
        )
    keys = df["answer"] if answer_key is None else df["answer"].map(answer_key)
    groups = pd.DataFrame({"p": pid, "a": keys, "c": correct})
    spread = groups.groupby(["p", "a"], dropna=False, sort=False)["c"].nunique()
    if (spread > 1).any():
        warnings.warn(
            f"{int((spread > 1).sum())} (prompt, answer) groups mix correct and incorrect "
            "responses; a submitted answer counts as correct when its representative "
            "response is",
            UserWarning,
            stacklevel=2,
        )
    answers, rewards, prompt = df["answer"], df["reward"], df["prompt"]
    rows, per = [], []
    for kk in ks:
        sels = {
            "bom": best_of_majority(
                answers, rewards, kk, alpha, group_score, answer_key, prompt=prompt
            ),
            "bon": best_of_n(answers, rewards, kk, answer_key, prompt=prompt),
            "majority": majority_vote(answers, kk, answer_key, prompt=prompt),
        }
        frame = pd.DataFrame({"prompt": prompts, "k": kk, "n": n, "c": c})
        for name, sel in sels.items():
            # selections list prompts in order of first appearance, as factorize does
            idx = sel.indices
            frame[name] = np.where(idx >= 0, correct[np.maximum(idx, 0)], False).any(axis=1)
        frame["random"] = pass_at_k(n, c, np.full(n.shape, kk))
        frame["oracle"] = c > 0
        per.append(frame)
        P = len(frame)
        for name in _METHODS:
            v = frame[name].to_numpy(dtype=np.float64)
            se = float(v.std(ddof=1) / np.sqrt(P)) if P > 1 else np.nan
            rows.append(
                {"method": name, "k": kk, "pass_at_k": float(v.mean()), "se": se, "n_prompts": P}
            )
    return GenerationsScore(
        pd.DataFrame(rows), pd.concat(per, ignore_index=True), alpha, group_score
    )


def make_generations(
    n_prompts=200,
    n_responses=64,
    *,
    n_answers=50,
    exponent=1.1,
    rm_noise=0.3,
    random_state=None,
):
    r"""A synthetic generations table in the :func:`load_generations` format.

    Each prompt has ``n_answers`` candidate answers ``"a0", "a1", ...`` with reference
    probabilities :math:`\propto (i+1)^{-s}` (Zipf, :math:`s` = ``exponent``) in a random
    order; exactly one of them, drawn with probability proportional to its reference
    probability, is correct. A response's reward is
    :math:`\mathbf 1\{\text{correct}\} + \sigma\xi` with :math:`\xi \sim N(0, 1)` drawn
    per *answer* (the reward model's view of the answer) plus :math:`\sigma\xi'/4` per
    response, :math:`\sigma` = ``rm_noise``; so a wrong answer can outscore the correct
    one. The response text is a placeholder. Not a model of any real LLM: it documents
    the format and exercises the scorer.

    Parameters
    ----------
    n_prompts, n_responses, n_answers : int
    exponent : float > 0
    rm_noise : float >= 0
    random_state : None, int, SeedSequence or Generator

    Returns
    -------
    pandas.DataFrame
        Columns ``prompt, response, answer, reward, correct``, ``n_prompts *
        n_responses`` rows grouped by prompt.
    """
    for value, name, low in ((n_prompts, "n_prompts", 1), (n_responses, "n_responses", 1)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if isinstance(n_answers, bool) or not isinstance(n_answers, numbers.Integral) or n_answers < 2:
        raise ValueError(f"n_answers must be an integer >= 2, got {n_answers!r}")
    if not exponent > 0:
        raise ValueError(f"exponent must be > 0, got {exponent}")
    if not rm_noise >= 0:
        raise ValueError(f"rm_noise must be >= 0, got {rm_noise}")
    rng = check_random_state(random_state)
    P, N, A = int(n_prompts), int(n_responses), int(n_answers)
    base = np.arange(1, A + 1, dtype=np.float64) ** (-float(exponent))
    base /= base.sum()
    probs = np.array([rng.permutation(base) for _ in range(P)])  # (P, A)
    right = np.array([rng.choice(A, p=probs[p]) for p in range(P)])
    cdf = np.cumsum(probs, axis=1)
    cdf[:, -1] = 1.0
    u = rng.random((P, N))
    draws = np.array([np.searchsorted(cdf[p], u[p], side="right") for p in range(P)])
    is_right = draws == right[:, None]
    answer_noise = rng.standard_normal((P, A))
    noise = np.take_along_axis(answer_noise, draws, axis=1)
    reward = is_right + rm_noise * (noise + 0.25 * rng.standard_normal((P, N)))
    return pd.DataFrame(
        {
            "prompt": np.repeat([f"q{p}" for p in range(P)], N),
            "response": [f"... so the answer is a{a}." for a in draws.ravel()],
            "answer": np.char.add("a", draws.ravel().astype(str)),
            "reward": reward.ravel(),
            "correct": is_right.ravel(),
        }
    )
