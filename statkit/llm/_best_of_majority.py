r"""Best-of-Majority (BoM), majority voting and Best-of-N selection for Pass@k.

Di, Ji, Li, Zhao and Gu, *Best-of-Majority: Minimax-Optimal Strategy for Pass@k Inference
Scaling* (arXiv:2510.03199). For one prompt :math:`x`, :math:`N` responses
:math:`\hat y_1, \dots, \hat y_N \sim \pi_{\mathrm{ref}}(\cdot \mid x)` with final answers and
reward-model scores :math:`\hat r_i` are reduced to at most :math:`k` *distinct* answers to
submit. With the empirical answer frequencies

.. math::

    \hat\pi(y) = \frac{1}{N} \sum_{i=1}^N \mathbf 1(\hat y_i = y),

- **majority voting** submits the :math:`k` answers with the largest :math:`\hat\pi(y)`;
- **Best-of-N** submits the :math:`k` distinct answers whose best response scores highest,
  :math:`\operatorname{Top-}k\{y : \max_{i: \hat y_i = y} \hat r_i\}`;
- **Best-of-Majority** (the paper's Algorithm 3) keeps the frequent answers
  :math:`\hat Y_\alpha = \{y : \hat\pi(y) \ge \alpha\}` and submits
  :math:`\operatorname{Top-}k\{y \in \hat Y_\alpha : \hat r(y)\}`, where :math:`\hat r(y)`
  aggregates the scores of the responses with answer :math:`y` (``group_score``). With
  :math:`\alpha = 0` and ``group_score="max"`` it is Best-of-N exactly.

"Distinct" means distinct after ``answer_key`` (e.g. a normaliser mapping ``"1/2"`` and
``"0.5"`` to one key); without it, answers are grouped by Python equality and hashing (as
dict keys are). Missing answers (``None``, NaN) are an ordinary label; drop them beforehand
to exclude them.

Ranking and ties (all three selectors): answers are ordered by score (descending), then by
count (descending), then by first occurrence (ascending position of their first response).
Majority voting's score is the count itself. The response index reported for a submitted
answer is that of its highest-scoring response (the first such one on ties); for majority
voting, which sees no scores, its first response.

The unbiased pass@k estimator of Chen et al. (2021) is :func:`pass_at_k`.
"""

import numbers
from typing import NamedTuple

import numpy as np
import pandas as pd
from numba import njit

__all__ = [
    "BatchSelection",
    "Selection",
    "best_of_majority",
    "best_of_n",
    "majority_vote",
    "pass_at_k",
]

_GROUP_SCORES = ("mean", "max", "sum")
_ON_EMPTY = ("none", "relax")


# --------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------


class Selection(NamedTuple):
    r"""The answers submitted for one prompt, best first.

    Attributes
    ----------
    answers : list
        The distinct submitted answers (the original value of each one's representative
        response; with ``answer_key`` the key itself is not returned). At most ``k``:
        fewer when there are fewer distinct answers, or (BoM) fewer survive the filter.
    indices : ndarray of int64
        Index of each answer's representative response (see the module docstring): a
        position in the 1-D input, the column in a 2-D batch, the row in long format.
    scores : ndarray of float64
        The ranking score: the group score (BoM), the best reward (BoN), the count
        (majority voting).
    counts : ndarray of int64
        Number of responses with each answer.
    frequencies : ndarray of float64
        :math:`\hat\pi(y)` = count / N.
    """

    answers: list
    indices: np.ndarray
    scores: np.ndarray
    counts: np.ndarray
    frequencies: np.ndarray


class BatchSelection:
    """The answers submitted for each prompt of a batch.

    Arrays have shape ``(n_prompts, k)`` and are padded where a prompt submits fewer than
    ``k`` answers: ``answers`` with ``None``, ``indices`` with -1, ``scores`` and
    ``frequencies`` with NaN, ``counts`` with 0.

    Attributes
    ----------
    prompts : ndarray
        Prompt labels: ``0 .. n_prompts - 1`` for a 2-D batch, the distinct ``prompt``
        values in order of first appearance for long format.
    answers : ndarray of object
    indices : ndarray of int64
        Column (2-D batch) or row (long format) of each representative response.
    scores, counts, frequencies : ndarray
    n_selected : ndarray of int64
        Answers submitted per prompt.
    """

    def __init__(self, prompts, answers, indices, scores, counts, frequencies, n_selected):
        self.prompts = prompts
        self.answers = answers
        self.indices = indices
        self.scores = scores
        self.counts = counts
        self.frequencies = frequencies
        self.n_selected = n_selected

    def __len__(self):
        return len(self.prompts)

    def __getitem__(self, p):
        """The :class:`Selection` of the ``p``-th prompt (a position, not a label)."""
        m = int(self.n_selected[p])
        return Selection(
            list(self.answers[p, :m]),
            self.indices[p, :m].copy(),
            self.scores[p, :m].copy(),
            self.counts[p, :m].copy(),
            self.frequencies[p, :m].copy(),
        )

    def __repr__(self):
        return (
            f"BatchSelection(n_prompts={len(self)}, k={self.indices.shape[1]}, "
            f"submitted={int(self.n_selected.sum())})"
        )

    def to_frame(self):
        """One row per submitted answer: prompt, rank (0 = best), answer, index, score,
        count, frequency.

        Returns
        -------
        pandas.DataFrame
        """
        rows, ranks = np.nonzero(self.indices >= 0)
        return pd.DataFrame(
            {
                "prompt": self.prompts[rows],
                "rank": ranks,
                "answer": self.answers[rows, ranks],
                "index": self.indices[rows, ranks],
                "score": self.scores[rows, ranks],
                "count": self.counts[rows, ranks],
                "frequency": self.frequencies[rows, ranks],
            }
        )


# --------------------------------------------------------------------------------------
# validation and flattening
# --------------------------------------------------------------------------------------


def _check_k(k):
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k must be an integer >= 1, got {k!r} ({type(k).__name__})")
    if k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k}")
    return int(k)


def _check_alpha(alpha):
    if isinstance(alpha, str):
        if alpha == "auto":
            return alpha
        raise ValueError(f"alpha must be a real number in [0, 1] or 'auto', got {alpha!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"alpha must be a real number in [0, 1] or 'auto', got {alpha!r}")
    alpha = float(alpha)
    if not (0.0 <= alpha <= 1.0):  # also rejects NaN
        raise ValueError(f"alpha must be in [0, 1] (a frequency threshold), got {alpha}")
    return alpha


def _check_choice(value, name, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def _as_label_array(x, name):
    """A 1-D object-safe array of labels (a list of tuples stays 1-D)."""
    if isinstance(x, pd.Series | pd.Index):
        x = x.to_numpy()
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, str) or not hasattr(x, "__len__"):
        raise TypeError(f"{name} must be a sequence or array, got {type(x).__name__}")
    arr = np.empty(len(x), dtype=object)
    for i, a in enumerate(x):  # elementwise: np.asarray would split tuples into columns
        arr[i] = a
    return arr


def _as_rewards(rewards, shape):
    if isinstance(rewards, pd.Series):
        rewards = rewards.to_numpy()
    try:
        r = np.asarray(rewards)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"rewards must be a numeric array, got {type(rewards).__name__}") from exc
    if r.dtype == object or not (np.issubdtype(r.dtype, np.number) or r.dtype == np.bool_):
        raise TypeError(f"rewards must be numeric, got dtype {r.dtype}")
    if np.iscomplexobj(r):
        raise TypeError(f"rewards must be real-valued, got dtype {r.dtype}")
    if r.shape != shape:
        raise ValueError(
            f"rewards must have the same shape as answers {shape}, got {r.shape} "
            "(one reward per response)"
        )
    return r.astype(np.float64, copy=False)


def _flatten(answers, rewards, prompt, lengths, need_rewards):
    """Reduce every input layout to flat arrays grouped by prompt.

    Returns (labels, rewards, starts, order, n_per_prompt, prompt_labels, single): the
    responses of prompt ``p`` are ``labels[starts[p]:starts[p + 1]]`` in input order;
    ``order`` maps a flat position back to the input row (long format), or is None when
    the output index is the position within the prompt (1-D and 2-D inputs).
    """
    is_2d = isinstance(answers, np.ndarray) and answers.ndim == 2
    if is_2d:
        if prompt is not None:
            raise ValueError("prompt applies to 1-D (long-format) answers, not a 2-D batch")
        P, n_max = answers.shape
        if P == 0 or n_max == 0:
            raise ValueError(f"answers must hold at least one response, got shape {answers.shape}")
        if lengths is None:
            lens = np.full(P, n_max, dtype=np.int64)
        else:
            lens = np.asarray(lengths)
            if lens.shape != (P,) or not np.issubdtype(lens.dtype, np.integer):
                raise ValueError(
                    f"lengths must be an integer array of shape (n_prompts,) = ({P},), "
                    f"got {lens.dtype} array of shape {lens.shape}"
                )
            if lens.min() < 1 or lens.max() > n_max:
                raise ValueError(
                    f"lengths must lie in [1, {n_max}] (the padded width), got range "
                    f"[{lens.min()}, {lens.max()}]"
                )
            lens = lens.astype(np.int64)
        r = _as_rewards(rewards, answers.shape) if need_rewards else None
        if lengths is None or (lens == n_max).all():
            labels = answers.reshape(-1)
            r = r.reshape(-1) if need_rewards else None
        else:  # row-major masking keeps each row's valid prefix, grouped by prompt
            valid = np.arange(n_max)[None, :] < lens[:, None]
            labels = answers[valid]
            r = r[valid] if need_rewards else None
        starts = np.r_[0, np.cumsum(lens)].astype(np.int64)
        return labels, r, starts, None, lens, np.arange(P), False

    if lengths is not None:
        raise ValueError("lengths applies to a 2-D batch of answers only")
    labels = _as_label_array(answers, "answers")
    if labels.ndim != 1:
        raise ValueError(
            f"answers must be 1-D (one prompt, or long format with prompt=) or a 2-D numpy "
            f"array (a padded batch), got {labels.ndim}-D"
        )
    M = labels.shape[0]
    if M == 0:
        raise ValueError("answers is empty: at least one response is needed")
    r = _as_rewards(rewards, (M,)) if need_rewards else None
    if prompt is None:
        return labels, r, np.array([0, M], np.int64), None, np.array([M]), np.arange(1), True
    plabels = _as_label_array(prompt, "prompt")
    if plabels.shape != (M,):
        raise ValueError(
            f"prompt must have one label per response, shape ({M},), got {plabels.shape}"
        )
    pid, uniq = pd.factorize(plabels, use_na_sentinel=False)
    n_per = np.bincount(pid).astype(np.int64)
    starts = np.r_[0, np.cumsum(n_per)].astype(np.int64)
    if (np.diff(pid) >= 0).all():  # already grouped by prompt: no gather
        order = np.arange(M, dtype=np.int64)
    else:
        order = np.argsort(pid, kind="stable").astype(np.int64)
        labels = labels[order]
        r = r[order] if need_rewards else None
    return labels, r, starts, order, n_per, np.asarray(uniq), False


def _codes(labels, answer_key):
    """Integer codes of the answers (equal codes = same answer) and their number."""
    if answer_key is None:
        if labels.dtype.kind in "iu" and labels.size:
            lo, hi = int(labels.min()), int(labels.max())
            # a dense range of int64-representable values: the values are the codes
            if hi - lo <= 4 * labels.size + 1024 and hi < 2**63:
                return labels.astype(np.int64, copy=False) - lo, hi - lo + 1
        codes, uniq = pd.factorize(labels, use_na_sentinel=False)
        return codes.astype(np.int64), len(uniq)
    if not callable(answer_key):
        raise TypeError(f"answer_key must be callable or None, got {type(answer_key).__name__}")
    seen = {}
    codes = np.fromiter(
        (seen.setdefault(answer_key(a), len(seen)) for a in labels), np.int64, labels.shape[0]
    )
    return codes, len(seen)


# --------------------------------------------------------------------------------------
# the numba core: one pass over each prompt's responses
# --------------------------------------------------------------------------------------

_MODE = {"majority": 0, "bon": 1, "bom": 1}
_GROUP_CODE = {"max": 0, "mean": 1, "sum": 2}


@njit(cache=True)
def _better(g, h, score, count):
    """Group g ranks above group h (g > h: h occurred first, so exact ties keep h)."""
    if score[g] != score[h]:
        return score[g] > score[h]
    return count[g] > count[h]


@njit(cache=True)
def _segment_select(codes, r, starts, n_codes, k, use_rewards, group_code, alpha, auto, relax):
    """Top-k groups of every prompt segment ``starts[p]:starts[p + 1]``.

    A scratch table ``slot[code]`` maps an answer code to its group within the current
    prompt and is reset after the prompt, so a prompt costs O(its responses + groups x k)
    whatever the number of distinct answers overall. Groups are numbered in order of
    first occurrence, which is therefore the last tie-break. Returns the representative
    (flat position), score and count of each submitted group, padded with -1/NaN/0.
    """
    P = starts.size - 1
    out_rep = np.full((P, k), -1, np.int64)
    out_score = np.full((P, k), np.nan)
    out_count = np.zeros((P, k), np.int64)
    n_sel = np.zeros(P, np.int64)
    width = 0
    for p in range(P):
        width = max(width, starts[p + 1] - starts[p])
    slot = np.full(n_codes, -1, np.int64)
    g_code = np.empty(width, np.int64)
    g_count = np.empty(width, np.int64)
    g_rep = np.empty(width, np.int64)
    g_max = np.empty(width)
    g_min = np.empty(width)
    g_sum = np.empty(width)
    score = np.empty(width)
    passed = np.empty(width, np.bool_)
    buf = np.empty(k, np.int64)
    for p in range(P):
        a, b = starts[p], starts[p + 1]
        n_groups = 0
        for i in range(a, b):
            c = codes[i]
            g = slot[c]
            if g < 0:
                g = n_groups
                n_groups += 1
                slot[c] = g
                g_code[g] = c
                g_count[g] = 1
                g_rep[g] = i
                if use_rewards:
                    g_max[g] = r[i]
                    g_min[g] = r[i]
                    g_sum[g] = r[i]
            else:
                g_count[g] += 1
                if use_rewards:
                    v = r[i]
                    if v > g_max[g]:  # strict: the first response attaining the max
                        g_max[g] = v
                        g_rep[g] = i
                    if v < g_min[g]:
                        g_min[g] = v
                    g_sum[g] += v
        for g in range(n_groups):
            slot[g_code[g]] = -1
        n = b - a
        top = 0
        for g in range(n_groups):
            top = max(top, g_count[g])
        n_passed = 0
        for g in range(n_groups):
            if not use_rewards:
                score[g] = g_count[g]
            elif group_code == 0:
                score[g] = g_max[g]
            elif group_code == 2:
                score[g] = g_sum[g]
            elif g_min[g] == g_max[g]:  # equal scores average to themselves exactly
                score[g] = g_max[g]
            else:
                score[g] = min(max(g_sum[g] / g_count[g], g_min[g]), g_max[g])
            if auto:  # count >= (3/4) top count, in exact integers
                passed[g] = 4 * g_count[g] >= 3 * top
            else:
                passed[g] = g_count[g] / n >= alpha
            n_passed += passed[g]
        if relax and n_passed == 0:
            passed[:n_groups] = True
        m = 0
        for g in range(n_groups):
            if not passed[g]:
                continue
            if m == k:
                if not _better(g, buf[k - 1], score, g_count):
                    continue
            else:
                m += 1
            j = m - 1
            while j > 0 and _better(g, buf[j - 1], score, g_count):
                buf[j] = buf[j - 1]
                j -= 1
            buf[j] = g
        n_sel[p] = m
        for j in range(m):
            g = buf[j]
            out_rep[p, j] = g_rep[g]
            out_score[p, j] = score[g]
            out_count[p, j] = g_count[g]
    return out_rep, out_score, out_count, n_sel


def _select(
    answers, rewards, k, *, method, alpha, group_score, answer_key, prompt, lengths, on_empty
):
    k = _check_k(k)
    need_rewards = method != "majority"
    labels, r, starts, order, n_per, plabels, single = _flatten(
        answers, rewards, prompt, lengths, need_rewards
    )
    if k > n_per.min():
        p = int(np.argmin(n_per))
        label = plabels[p].item() if isinstance(plabels[p], np.generic) else plabels[p]
        where = "" if single else f" of prompt {label!r}"
        raise ValueError(
            f"k={k} exceeds the number of responses N={int(n_per[p])}{where}; k must be in [1, N]"
        )
    if need_rewards and not np.isfinite(r).all():
        bad = int(np.flatnonzero(~np.isfinite(r))[0])
        p = int(np.searchsorted(starts, bad, side="right")) - 1
        row = int(order[bad]) if order is not None else bad - int(starts[p])
        raise ValueError(
            f"rewards must be finite; got {r[bad]} for response {row}"
            + ("" if single else f" of prompt {plabels[p]!r}")
        )
    P = n_per.shape[0]
    codes, n_codes = _codes(labels, answer_key)
    rep, out_score, out_count, n_sel = _segment_select(
        codes,
        r if need_rewards else np.zeros(1),
        starts,
        n_codes,
        k,
        need_rewards,
        _GROUP_CODE[group_score],
        0.0 if alpha == "auto" else float(alpha),
        alpha == "auto",
        on_empty == "relax",
    )
    chosen = rep >= 0
    flat = rep[chosen]
    rows = np.nonzero(chosen)[0]
    out_answers = np.full((P, k), None, dtype=object)
    out_answers[chosen] = labels[flat]
    out_idx = np.full((P, k), -1, dtype=np.int64)
    out_idx[chosen] = order[flat] if order is not None else flat - starts[rows]
    out_freq = np.full((P, k), np.nan)
    out_freq[chosen] = out_count[chosen] / n_per[rows]
    batch = BatchSelection(plabels, out_answers, out_idx, out_score, out_count, out_freq, n_sel)
    return batch[0] if single else batch


# --------------------------------------------------------------------------------------
# public selectors
# --------------------------------------------------------------------------------------

_LAYOUT_DOC = """
    Input layouts (the same for all three selectors):

    - one prompt: ``answers`` (and ``rewards``) 1-D of length N; returns a
      :class:`Selection`;
    - a padded batch: ``answers`` a 2-D numpy array ``(n_prompts, N_max)`` and ``rewards``
      of the same shape; ``lengths[p]`` (default ``N_max``) says that the first
      ``lengths[p]`` responses of row ``p`` are real and the rest padding, whose values are
      never read (NaN is fine there, not elsewhere); returns a :class:`BatchSelection`;
    - long format (e.g. a DataFrame with one row per response): 1-D ``answers`` and
      ``rewards`` plus ``prompt`` labels, ``f(df.answer, df.reward, k, ...,
      prompt=df.prompt)``; returns a :class:`BatchSelection` over the distinct prompts in
      order of first appearance, ``indices`` being row positions.

    A Python list is always one prompt's (or long-format) labels, so its items may be
    tuples; only a 2-D numpy array is read as a batch.
"""


def best_of_majority(
    answers,
    rewards,
    k,
    alpha,
    group_score="max",
    answer_key=None,
    *,
    prompt=None,
    lengths=None,
    on_empty="none",
):
    r"""Best-of-Majority selection (Di et al. 2025, Algorithm 3).

    .. math::

        \hat Y_\alpha = \{y : \hat\pi(y) \ge \alpha\}, \qquad
        \text{submit } \operatorname{Top-}k\{y \in \hat Y_\alpha : \hat r(y)\},

    with :math:`\hat\pi(y)` = count / N and :math:`\hat r(y)` the mean, max or sum of the
    rewards of the responses whose answer is :math:`y`. If fewer than :math:`k` answers pass
    the filter, all of them are submitted (the method note's reading of the algorithm); if
    none passes, nothing is submitted, unless ``on_empty="relax"``, which then ranks all
    answers as with :math:`\alpha = 0` (what the ``scorio`` package does, for ``k = 1`` only).
    :math:`\alpha = 0` with ``group_score="max"`` is :func:`best_of_n` exactly; so is any
    ``group_score`` except ``"sum"`` when rewards are a function of the answer.

    Parameters
    ----------
    answers : sequence of hashable, or 2-D numpy array
        Final answer of each response (see the layouts below).
    rewards : array-like of float
        Reward-model score of each response, same shape as ``answers``; finite.
    k : int
        Answers to submit, in ``[1, N]``.
    alpha : float in [0, 1] or "auto"
        Frequency threshold. The paper's theory uses :math:`\alpha = 3/(4C^*)`, its
        experiments 0.005-0.015. ``"auto"`` uses :math:`3/(4\hat C^*)` with
        :math:`\hat C^* = 1/\max_y \hat\pi(y)`, i.e. :math:`0.75\max_y\hat\pi(y)` per
        prompt: a heuristic of the method note, not from the paper.
    group_score : {"max", "mean", "sum"}, default="max"
        How the rewards of the responses that share an answer are combined; the paper
        does not say ("max" makes :math:`\alpha = 0` equal to Best-of-N for any rewards,
        "mean" is ``scorio``'s default, "sum" a reward-weighted vote).
    answer_key : callable, optional
        Maps an answer to the key it is grouped by (answer equivalence).
    prompt : sequence of hashable, optional
        Prompt label of each response (long format).
    lengths : array-like of int, optional
        Valid responses per row of a 2-D batch.
    on_empty : {"none", "relax"}, default="none"
        What to do when no answer passes the filter (only possible for
        :math:`\alpha > \max_y\hat\pi(y)`).

    Returns
    -------
    Selection or BatchSelection
        The distinct submitted answers, best first, with the indices of their
        representative (highest-reward) responses.
    %s
    Ties are broken by higher count, then by earlier first occurrence.

    References
    ----------
    Q. Di, K. Ji, X. Li, H. Zhao, Q. Gu. Best-of-Majority: Minimax-Optimal Strategy for
    Pass@k Inference Scaling. arXiv:2510.03199, 2025.

    Examples
    --------
    >>> answers = ["4", "4", "4", "5", "6", "6"]
    >>> rewards = [0.2, 0.3, 0.4, 0.9, 0.5, 0.6]
    >>> best_of_majority(answers, rewards, k=1, alpha=0.3).answers  # "5" is too rare
    ['6']
    >>> best_of_majority(answers, rewards, k=1, alpha=0.0).answers  # Best-of-N
    ['5']
    """
    alpha = _check_alpha(alpha)
    group_score = _check_choice(group_score, "group_score", _GROUP_SCORES)
    on_empty = _check_choice(on_empty, "on_empty", _ON_EMPTY)
    return _select(
        answers,
        rewards,
        k,
        method="bom",
        alpha=alpha,
        group_score=group_score,
        answer_key=answer_key,
        prompt=prompt,
        lengths=lengths,
        on_empty=on_empty,
    )


def best_of_n(answers, rewards, k, answer_key=None, *, prompt=None, lengths=None):
    r"""Best-of-N for Pass@k: the :math:`k` distinct answers with the best responses.

    .. math::

        \text{submit } \operatorname{Top-}k\Big\{y \in \hat Y :
        \max_{i : \hat y_i = y} \hat r_i\Big\},

    i.e. responses are taken in decreasing order of reward, skipping answers already
    submitted (Di et al. 2025, Section 3).

    Parameters
    ----------
    answers, rewards, k, answer_key, prompt, lengths
        As in :func:`best_of_majority`.

    Returns
    -------
    Selection or BatchSelection
    %s
    Ties in the best reward are broken by higher count, then by earlier first occurrence.

    References
    ----------
    Q. Di, K. Ji, X. Li, H. Zhao, Q. Gu. arXiv:2510.03199, 2025.

    Examples
    --------
    >>> best_of_n(["a", "b", "a", "c"], [0.1, 0.7, 0.8, 0.2], k=2).answers
    ['a', 'b']
    """
    return _select(
        answers,
        rewards,
        k,
        method="bon",
        alpha=0.0,
        group_score="max",
        answer_key=answer_key,
        prompt=prompt,
        lengths=lengths,
        on_empty="none",
    )


def majority_vote(answers, k, answer_key=None, *, prompt=None, lengths=None):
    r"""Majority voting for Pass@k: the :math:`k` most frequent distinct answers.

    .. math::

        \text{submit } \operatorname{Top-}k\{y \in \hat Y : \hat\pi(y)\}.

    The reward-weighted vote is ``best_of_majority(answers, rewards, k, alpha=0,
    group_score="sum")``.

    Parameters
    ----------
    answers, k, answer_key, prompt, lengths
        As in :func:`best_of_majority`.

    Returns
    -------
    Selection or BatchSelection
        ``scores`` are the counts; ``indices`` the first response of each answer.
    %s
    Ties in the count are broken by earlier first occurrence.

    References
    ----------
    Q. Di, K. Ji, X. Li, H. Zhao, Q. Gu. arXiv:2510.03199, 2025 (Theorem 4.1: majority
    voting is not scaling-monotonic).

    Examples
    --------
    >>> majority_vote([3, 1, 1, 2, 3, 1], k=2).answers
    [1, 3]
    """
    return _select(
        answers,
        None,
        k,
        method="majority",
        alpha=0.0,
        group_score="max",
        answer_key=answer_key,
        prompt=prompt,
        lengths=lengths,
        on_empty="none",
    )


for _f in (best_of_majority, best_of_n, majority_vote):
    if _f.__doc__:  # None under python -OO
        _f.__doc__ = _f.__doc__.replace("%s", _LAYOUT_DOC)
del _f


# --------------------------------------------------------------------------------------
# pass@k
# --------------------------------------------------------------------------------------


def _check_count(value, name, low):
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {low}, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}")
    return int(value)


def _pass_at_k_scalar(n, c, k):
    n = _check_count(n, "n", 1)
    c = _check_count(c, "c", 0)
    k = _check_count(k, "k", 1)
    if c > n:
        raise ValueError(f"c (correct samples) must be in [0, n={n}], got {c}")
    if k > n:
        raise ValueError(f"k must be in [1, n={n}], got {k}")
    if n - c < k:  # every k-subset contains a correct sample
        return 1.0
    i = np.arange(n - c + 1, n + 1, dtype=np.float64)
    return float(1.0 - np.prod(1.0 - k / i))


def pass_at_k(n, c, k):
    r"""Unbiased pass@k estimator from :math:`n` samples of which :math:`c` are correct.

    .. math::

        \widehat{\text{pass@}k} = 1 - \frac{\binom{n-c}{k}}{\binom{n}{k}}
        = 1 - \prod_{i=n-c+1}^{n}\Big(1 - \frac{k}{i}\Big),

    the probability that a uniformly random :math:`k`-subset of the :math:`n` samples holds
    a correct one. The product avoids the huge binomial coefficients (Chen et al. 2021).

    Parameters
    ----------
    n : int or array-like of int
        Samples per problem, >= 1.
    c : int or array-like of int
        Correct samples, in ``[0, n]``.
    k : int or array-like of int
        In ``[1, n]``.

    Returns
    -------
    float or ndarray
        Broadcast over the inputs; a float for scalar inputs. Average it over problems
        for the benchmark's pass@k.

    References
    ----------
    M. Chen et al. Evaluating Large Language Models Trained on Code. arXiv:2107.03374,
    2021.

    Examples
    --------
    >>> round(pass_at_k(10, 3, 1), 12)  # c / n for k = 1
    0.3
    >>> pass_at_k(5, 4, 2)  # every pair holds a correct sample
    1.0
    """
    if all(np.ndim(v) == 0 for v in (n, c, k)):
        return _pass_at_k_scalar(*(v.item() if isinstance(v, np.generic) else v for v in (n, c, k)))
    n, c, k = np.broadcast_arrays(np.asarray(n), np.asarray(c), np.asarray(k))
    for v, name in ((n, "n"), (c, "c"), (k, "k")):
        if not np.issubdtype(v.dtype, np.integer):
            raise TypeError(f"{name} must hold integers, got dtype {v.dtype}")
    out = np.empty(n.shape)
    for idx in np.ndindex(n.shape):
        out[idx] = _pass_at_k_scalar(int(n[idx]), int(c[idx]), int(k[idx]))
    return out
