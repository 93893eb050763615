r"""statkit.llm: inference-time selection for LLM outputs and its theory.

Best-of-Majority (Di, Ji, Li, Zhao, Gu, arXiv:2510.03199):

- :func:`best_of_majority`, :func:`best_of_n`, :func:`majority_vote` -- pass@k selection
  of at most k distinct answers, for one prompt, a padded batch or a long table (numba
  pass over prompt segments), returning :class:`Selection` / :class:`BatchSelection`;
- :func:`pass_at_k` -- the unbiased pass@k estimator of Chen et al. (2021);
- :class:`PassAtKSimulator` and the instance families :func:`mv_hard_instance`,
  :func:`bon_hard_instance`, :func:`minimax_instance`, :func:`typical_instance` -- exact
  (enumeration) or Monte Carlo regret with known :math:`\varepsilon_{RM}`, :math:`C^*`;
- :func:`load_generations`, :func:`evaluate_generations`, :func:`make_generations` --
  score the three strategies on a table of real generations
  ``(prompt, response, answer, reward, correct)``.

Decayed linear ("lightning") attention (Qin et al., arXiv:2401.04658; MiniMax-01,
arXiv:2501.08313):

- :func:`decayed_linear_attention` -- :math:`o_t = \sum_{s \le t} e^{-\lambda(t-s)}
  (q_t \cdot k_s) v_s` per head, by the chunked (tiled) algorithm, the recurrent form or
  the naive masked product; numpy or torch (any device);
- :func:`decay_slopes` -- the per-head decay rates (ALiBi slopes).

Draft trees for speculative decoding (GTO, Hu, Li, Lu, Zhou, arXiv:2509.22134; EAGLE
verification):

- :func:`tree_expected_acceptance` -- the exact expected accepted length (node-sum), batched
  over padded trees; :func:`simulate_tree_verification` -- its Monte Carlo counterpart;
- :func:`draft_tree_path_lengths`, :func:`draft_tree_reward` -- GTO's per-path lengths and
  log-sum-exp reward with its bounds (a surrogate, not the estimand);
- :func:`gto_group_advantages`, :func:`gto_clipped_surrogate` -- GTO's training signal.

Truncated importance sampling in policy gradients (CISPO, MiniMax-M1, arXiv:2506.13585):

- :func:`truncated_is_surrogate`, :func:`truncated_is_gradient` -- CISPO, PPO-clip and the
  unified masked objective with explicit ratio bounds, and their closed-form gradient;
- :func:`truncated_is_bias_variance` -- exact and Monte Carlo bias and variance of the
  truncated-IS gradient against the cap (:class:`TruncatedISStudy`).

The rate checks (``bom-regret-k``, ``bom-regret-coverage``, ``bom-regret-eps``,
``bon-regret-n``, ``majority-regret-n-flat``, ``bom-regret-n-flat``) are registered with
:mod:`statkit.simulation`.
"""

from ._best_of_majority import (
    BatchSelection,
    Selection,
    best_of_majority,
    best_of_n,
    majority_vote,
    pass_at_k,
)
from ._draft_tree import (
    DraftTreeReward,
    draft_tree_path_lengths,
    draft_tree_reward,
    gto_clipped_surrogate,
    gto_group_advantages,
    simulate_tree_verification,
    tree_expected_acceptance,
)
from ._generations import (
    GENERATION_COLUMNS,
    GenerationsScore,
    evaluate_generations,
    load_generations,
    make_generations,
)
from ._lightning import decay_slopes, decayed_linear_attention
from ._pass_at_k import (
    PassAtKSimulator,
    RegretEstimate,
    bon_hard_instance,
    minimax_instance,
    mv_hard_instance,
    typical_instance,
)
from ._truncated_is import (
    TruncatedISStudy,
    truncated_is_bias_variance,
    truncated_is_gradient,
    truncated_is_surrogate,
)

__all__ = [
    "GENERATION_COLUMNS",
    "BatchSelection",
    "DraftTreeReward",
    "GenerationsScore",
    "PassAtKSimulator",
    "RegretEstimate",
    "Selection",
    "TruncatedISStudy",
    "best_of_majority",
    "best_of_n",
    "bon_hard_instance",
    "decay_slopes",
    "decayed_linear_attention",
    "draft_tree_path_lengths",
    "draft_tree_reward",
    "evaluate_generations",
    "gto_clipped_surrogate",
    "gto_group_advantages",
    "load_generations",
    "majority_vote",
    "make_generations",
    "minimax_instance",
    "mv_hard_instance",
    "pass_at_k",
    "simulate_tree_verification",
    "tree_expected_acceptance",
    "truncated_is_bias_variance",
    "truncated_is_gradient",
    "truncated_is_surrogate",
    "typical_instance",
]
