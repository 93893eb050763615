r"""Draft-tree statistics for speculative decoding: the exact expected acceptance length and
GTO's log-sum-exp tree reward (Hu, Li, Lu, Zhou, arXiv:2509.22134).

A draft tree is given by a ``parents`` array (``parents[i]`` is the index of node ``i``'s
parent, ``-1`` for the root) and ``probs``, where ``probs[i]`` is the *target* model's
probability of node ``i``'s token given its prefix (the root's entry is ignored). Trees of
different sizes are batched by right-padding along the last axis and passing ``n_nodes``.

Functions accept numpy arrays or torch tensors (the float ``probs`` decides the output's
namespace, device and dtype); the tree structure is validated on the host.
"""

import math
from typing import NamedTuple

import numpy as np

from statkit._backend import get_namespace, is_torch_tensor, to_numpy
from statkit.utils import check_random_state

__all__ = [
    "DraftTreeReward",
    "draft_tree_path_lengths",
    "draft_tree_reward",
    "gto_clipped_surrogate",
    "gto_group_advantages",
    "simulate_tree_verification",
    "tree_expected_acceptance",
]

# Tolerance on sum of sibling probabilities exceeding one (rounding in float32 inputs).
_SIBLING_TOL = 1e-6


def _as_parents(parents):
    p = np.asarray(to_numpy(parents))
    if p.dtype == bool or not np.issubdtype(p.dtype, np.integer):
        raise TypeError(f"parents must be an integer array, got dtype {p.dtype}")
    if p.ndim not in (1, 2):
        raise ValueError(
            f"parents must be 1-d (one tree) or 2-d (a padded batch of trees), got shape {p.shape}"
        )
    return p.astype(np.int64)


def _validate_tree(parents, probs, n_nodes):
    """Check shapes and tree structure on the host; return (parents2d, n_nodes, batched).

    A tree: exactly one root (parent ``-1``), every other real node has a parent in range,
    and following parents from any node reaches the root (no cycle).
    """
    par = _as_parents(parents)
    pshape = tuple(probs.shape)
    if pshape != par.shape:
        raise ValueError(
            f"parents and probs must have the same shape, got {par.shape} and {pshape}"
        )
    batched = par.ndim == 2
    par2 = par if batched else par[None, :]
    n_batch, width = par2.shape
    if width == 0:
        raise ValueError("a tree needs at least a root node; parents is empty")
    if n_nodes is None:
        nn = np.full(n_batch, width, dtype=np.int64)
    else:
        nn = np.asarray(to_numpy(n_nodes))
        if not np.issubdtype(nn.dtype, np.integer):
            raise TypeError(f"n_nodes must be integers, got dtype {nn.dtype}")
        nn = np.broadcast_to(nn.astype(np.int64), (n_batch,)) if nn.ndim == 0 else nn
        if nn.shape != (n_batch,):
            raise ValueError(f"n_nodes must have shape ({n_batch},), got {nn.shape}")
        if np.any(nn < 1) or np.any(nn > width):
            raise ValueError(f"n_nodes must lie in [1, {width}], got {nn.tolist()}")
    ar = np.arange(width)[None, :]
    real = ar < nn[:, None]

    def where(b):
        return f"tree {b}: " if batched else ""

    n_roots = (real & (par2 == -1)).sum(axis=1)
    if np.any(n_roots != 1):
        b = int(np.flatnonzero(n_roots != 1)[0])
        raise ValueError(
            f"{where(b)}parents must contain exactly one root (parent -1), found {n_roots[b]}"
        )
    bad = real & ((par2 < -1) | (par2 >= nn[:, None]))
    if np.any(bad):
        b, i = np.argwhere(bad)[0]
        raise ValueError(
            f"{where(b)}parents[{i}] = {par2[b, i]} is out of range; a parent index must lie "
            f"in [0, {nn[b] - 1}] (or be -1 for the root)"
        )
    if np.any(real & (par2 == ar)):
        b = int(np.argwhere(real & (par2 == ar))[0, 0])
        raise ValueError(f"{where(b)}parents is not a tree: a node is its own parent")
    # pointer jumping: after ceil(log2 n) + 1 doublings every node of a tree points at the
    # root; a node that does not sits on (or below) a cycle. Root and padding point at
    # themselves (real nodes never point at padding: checked above).
    anc = np.where(real & (par2 >= 0), par2, ar)
    for _ in range(max(1, math.ceil(math.log2(max(width, 2)))) + 1):
        anc = np.take_along_axis(anc, anc, axis=1)
    root = np.argmax(real & (par2 == -1), axis=1)
    cyc = real & (anc != root[:, None])
    if np.any(cyc):
        b = int(np.argwhere(cyc)[0, 0])
        raise ValueError(f"{where(b)}parents is not a tree: it contains a cycle")
    return par2, nn, real, batched


def _validate_probs(probs, par2, real, batched):
    """probs in [0, 1] (root ignored) and, at each node, children's probabilities summing
    to at most one: siblings are distinct tokens of one target distribution."""
    p = np.asarray(to_numpy(probs), dtype=np.float64)
    p2 = p if batched else p[None, :]
    nonroot = real & (par2 >= 0)
    vals = p2[nonroot]
    if not np.all(np.isfinite(vals)) or np.any(vals < 0) or np.any(vals > 1):
        raise ValueError("probs must lie in [0, 1] for every non-root node")
    n_batch, width = par2.shape
    sib = np.zeros((n_batch, width + 1))
    idx = np.where(nonroot, par2, width)  # root and padding go to a dump column
    np.add.at(sib, (np.arange(n_batch)[:, None].repeat(width, 1), idx), np.where(nonroot, p2, 0))
    if np.any(sib[:, :width] > 1 + _SIBLING_TOL):
        b, v = np.argwhere(sib[:, :width] > 1 + _SIBLING_TOL)[0]
        raise ValueError(
            f"the children of node {v}{f' in tree {b}' if batched else ''} have probabilities "
            f"summing to {sib[b, v]:.6g} > 1; siblings must be distinct tokens of one target "
            "distribution"
        )


def _prepare(parents, probs, n_nodes):
    if not (is_torch_tensor(probs) or isinstance(probs, np.ndarray)):
        probs = np.asarray(probs, dtype=np.float64)
    xp = get_namespace(probs)
    if xp is np:
        if not np.issubdtype(probs.dtype, np.floating):
            probs = probs.astype(np.float64)
    elif not probs.is_floating_point():
        probs = probs.to(xp.float64)
    par2, _nn, real, batched = _validate_tree(parents, probs, n_nodes)
    _validate_probs(probs, par2, real, batched)
    return xp, probs, par2, real, batched


def _gather(xp, a, idx):
    if xp is np:
        return np.take_along_axis(a, idx, axis=-1)
    return xp.gather(a, -1, idx)


def _path_products_and_sums(xp, probs, par2, real):
    """Per node: P = product of probs on the root path, C = sum of P over the root path.

    Pointer jumping (ceil(log2 n) rounds of gathers) works for any node order, batches
    over trees, and keeps torch autograd intact (no in-place writes). The root has weight
    1 and is its own ancestor; padding nodes hang off the root with probability 0.
    """
    _n_batch, width = par2.shape
    ar = np.arange(width)[None, :]
    root = np.argmax(real & (par2 == -1), axis=1)
    is_root = ar == root[:, None]
    nonroot = real & ~is_root
    anc = np.where(nonroot, par2, root[:, None])
    p2 = probs if tuple(probs.shape) == par2.shape else probs[None, :]
    if xp is np:
        weight = np.where(nonroot, p2, 0.0).astype(p2.dtype)
        weight = np.where(is_root, 1.0, weight).astype(p2.dtype)
        mask = nonroot.astype(p2.dtype)
    else:
        dev = p2.device
        zero = xp.zeros((), dtype=p2.dtype, device=dev)
        one = xp.ones((), dtype=p2.dtype, device=dev)
        weight = xp.where(xp.as_tensor(nonroot, device=dev), p2, zero)
        weight = xp.where(xp.as_tensor(is_root, device=dev), one, weight)
        mask = xp.as_tensor(nonroot, device=dev).to(p2.dtype)
        anc = xp.as_tensor(anc, device=dev)
    n_rounds = max(1, math.ceil(math.log2(max(width, 2))))
    # products: prod_i = product of weights from i (inclusive) up to a_i (exclusive)
    prod, a = weight, anc
    for _ in range(n_rounds):
        prod = prod * _gather(xp, prod, a)
        a = _gather(xp, a, a)
    # path sums of the products, root excluded (its entry stays 0, so adding it is harmless)
    s, a = prod * mask, anc
    for _ in range(n_rounds):
        s = s + _gather(xp, s, a)
        a = _gather(xp, a, a)
    return prod * mask, s


def _leaf_mask(par2, real):
    n_batch, width = par2.shape
    has_child = np.zeros((n_batch, width + 1), dtype=bool)
    idx = np.where(real & (par2 >= 0), par2, width)
    has_child[np.arange(n_batch)[:, None], idx] = True
    return real & ~has_child[:, :width] & (par2 >= 0)


def tree_expected_acceptance(parents, probs, n_nodes=None):
    r"""Exact expected number of accepted draft tokens when a draft tree is verified.

    When the target model verifies a draft tree token by token (EAGLE's multi-candidate
    verification: at each node the children are tried in order; child :math:`c` is accepted
    with probability :math:`p(c)/(1-\sum_{l<c} p(l))`, otherwise the next sibling is tried
    on the renormalised residual), child :math:`c` of a reached node is accepted with
    probability exactly :math:`p(c \mid \text{prefix})`. Hence

    .. math::

        \mathbb E[L_{\mathrm{dec}}(T)] = \sum_{v \in T \setminus \mathrm{root}}
        \ \prod_{e \in \mathrm{path}(\mathrm{root} \to v)} p(e),

    the node-sum (each node counts with the probability that it is reached and accepted).
    The bonus token the target samples after the last accepted draft token is not counted.

    Parameters
    ----------
    parents : int array of shape (n,) or (batch, n)
        ``parents[i]`` is the parent of node ``i``; ``-1`` marks the (single) root. Any node
        order is accepted; the array must encode a rooted tree (checked).
    probs : float array of the same shape, numpy or torch
        ``probs[i]`` is the target probability of node ``i``'s token given its prefix, in
        :math:`[0, 1]`; the root's entry is ignored. Siblings must sum to at most one.
    n_nodes : int or int array of shape (batch,), optional
        Number of real nodes of each (right-padded) tree; entries beyond it are ignored.

    Returns
    -------
    expected : float array of shape () or (batch,)
        In the namespace, device and dtype of ``probs`` (differentiable on torch).

    Raises
    ------
    ValueError
        Mismatched shapes, a ``parents`` array that is not a rooted tree, probabilities
        outside :math:`[0, 1]`, or siblings whose probabilities sum above one.

    Notes
    -----
    At temperature 0 (probabilities in :math:`\{0, 1\}`) the node-sum equals
    :math:`\max_i L_{t,i}` of :func:`draft_tree_path_lengths`, the longest common prefix of
    the tree with the greedy continuation (GTO, Theorem 1(b)).

    References
    ----------
    .. [1] Hu, Li, Lu, Zhou. Group Tree Optimization for speculative decoding
       (GTO). arXiv:2509.22134, 2025.
    .. [2] Y. Li, F. Wei, C. Zhang, H. Zhang. EAGLE-2: faster inference of language models
       with dynamic draft trees. arXiv:2406.16858, 2024.

    Examples
    --------
    >>> import numpy as np
    >>> # root -> {a: .5, b: .5}, a -> c: .9
    >>> float(tree_expected_acceptance(np.array([-1, 0, 0, 1]), np.array([1, .5, .5, .9])))
    1.45
    """
    xp, probs, par2, real, batched = _prepare(parents, probs, n_nodes)
    prod, _ = _path_products_and_sums(xp, probs, par2, real)
    # the node-sum: path products summed over the non-root nodes (prod is 0 elsewhere)
    out = prod.sum(axis=-1) if xp is np else prod.sum(dim=-1)
    return out if batched else out[0]


def draft_tree_path_lengths(parents, probs, n_nodes=None):
    r"""GTO's per-candidate expected lengths :math:`L_{t,i}` (Eqs. 3--4).

    Each root-to-leaf path is a candidate sequence :math:`S_{t,i}` of length :math:`l_i`,
    and

    .. math::

        L_{t,i} = \sum_{j=1}^{l_i} \prod_{k=1}^{j} T(\bar x_{t+k,i} \mid x_{1:t},
        \bar x_{t+1:t+k-1,i}),

    the expected number of tokens accepted if that path alone were verified.

    Parameters
    ----------
    parents, probs, n_nodes
        As in :func:`tree_expected_acceptance`.

    Returns
    -------
    lengths : float array of shape (n,) or (batch, n)
        :math:`L_{t,i}` at each leaf; ``nan`` at non-leaf and padding positions.
    is_leaf : bool numpy array of the same shape
    """
    xp, probs, par2, real, batched = _prepare(parents, probs, n_nodes)
    _, s = _path_products_and_sums(xp, probs, par2, real)
    leaf = _leaf_mask(par2, real)
    if xp is np:
        out = np.where(leaf, s, np.nan).astype(probs.dtype)
    else:
        m = xp.as_tensor(leaf, device=s.device)
        out = xp.where(m, s, xp.full((), float("nan"), dtype=s.dtype, device=s.device))
    return (out, leaf) if batched else (out[0], leaf[0])


class DraftTreeReward(NamedTuple):
    """Result of :func:`draft_tree_reward`: the reward and its bounds."""

    reward: object
    """:math:`r_t = \\eta^{-1}\\log\\sum_i e^{\\eta L_{t,i}}`."""
    lower: object
    """:math:`\\max_i L_{t,i}` (lower bound)."""
    upper: object
    """:math:`\\max_i L_{t,i} + \\log(N)/\\eta` (upper bound)."""
    n_leaves: object
    """:math:`N`, the number of candidate sequences (leaves), as a numpy int array."""


def draft_tree_reward(parents, probs, eta=1.0, n_nodes=None):
    r"""GTO's draft-tree reward: a log-sum-exp of the per-candidate lengths (Eq. 5).

    .. math::

        r_t = R(T_t; \eta) = \frac{1}{\eta} \log \sum_{i=1}^{N} \exp(\eta L_{t,i}),
        \qquad \max_i L_{t,i} \le r_t \le \max_i L_{t,i} + \frac{\log N}{\eta},

    with :math:`L_{t,i}` from :func:`draft_tree_path_lengths` and :math:`N` the number of
    leaves (GTO uses :math:`\eta = 1`; the bounds are App. A, eq. 1).

    The reward is a *surrogate*, not the estimand: :math:`L_{t,i}` counts a shared prefix
    once per path, so :math:`r_t` does not track the exact expected acceptance length
    (:func:`tree_expected_acceptance`). Between trees of different topology the reward can
    rise while the expected acceptance falls (see the user guide, "Draft trees for
    speculative decoding").

    Parameters
    ----------
    parents, probs, n_nodes
        As in :func:`tree_expected_acceptance`.
    eta : float, default=1.0
        Temperature of the log-sum-exp, ``eta > 0``.

    Returns
    -------
    DraftTreeReward
        ``reward``, ``lower``, ``upper`` (arrays of shape () or (batch,), in the namespace
        of ``probs``) and ``n_leaves``.

    References
    ----------
    .. [1] Hu, Li, Lu, Zhou. Group Tree Optimization for speculative decoding
       (GTO). arXiv:2509.22134, 2025.

    Examples
    --------
    >>> import numpy as np
    >>> r = draft_tree_reward(np.array([-1, 0, 1, 1]), np.array([1, .6, .5, .5]))
    >>> round(float(r.reward), 4), round(float(r.lower), 4)
    (1.5931, 0.9)
    """
    if isinstance(eta, bool) or not isinstance(eta, (int, float, np.floating, np.integer)):
        raise TypeError(f"eta must be a positive real number, got {type(eta).__name__}")
    if not (np.isfinite(eta) and eta > 0):
        raise ValueError(f"eta must be a finite number > 0, got {eta}")
    xp, probs, par2, real, batched = _prepare(parents, probs, n_nodes)
    _, s = _path_products_and_sums(xp, probs, par2, real)
    leaf = _leaf_mask(par2, real)
    n_leaves = leaf.sum(axis=-1)
    if np.any(n_leaves == 0):
        raise ValueError("a tree with only a root has no candidate sequence; add a node")
    if xp is np:
        z = np.where(leaf, eta * s, -np.inf)
        zmax = z.max(axis=-1)
        reward = (zmax + np.log(np.exp(z - zmax[:, None]).sum(axis=-1))) / eta
        lower = zmax / eta
        upper = lower + np.log(n_leaves) / eta
        reward, lower, upper = (a.astype(probs.dtype) for a in (reward, lower, upper))
    else:
        m = xp.as_tensor(leaf, device=s.device)
        z = xp.where(m, eta * s, xp.full((), -float("inf"), dtype=s.dtype, device=s.device))
        reward = xp.logsumexp(z, dim=-1) / eta
        lower = z.max(dim=-1).values / eta
        upper = lower + xp.as_tensor(np.log(n_leaves), dtype=s.dtype, device=s.device) / eta
    if not batched:
        return DraftTreeReward(reward[0], lower[0], upper[0], n_leaves[0])
    return DraftTreeReward(reward, lower, upper, n_leaves)


def simulate_tree_verification(parents, probs, n_sims, random_state=None):
    r"""Monte Carlo of draft-tree verification; returns the accepted length of each run.

    Starting at the root, the children of the current node are tried in index order; child
    :math:`c_j` is accepted with probability :math:`p(c_j) / (1 - \sum_{l<j} p(c_l))` (the
    target's residual after the rejected siblings is renormalised, as in EAGLE's
    ``evaluate_posterior`` with a deterministic draft). On acceptance the walk moves to
    :math:`c_j`; when every child is rejected (or the node is a leaf) it stops. The accepted
    length is the depth reached. Its mean is :func:`tree_expected_acceptance`.

    Parameters
    ----------
    parents, probs : arrays of shape (n,)
        One tree, as in :func:`tree_expected_acceptance` (numpy or torch; run on numpy).
    n_sims : int
        Number of independent verifications, ``>= 1``.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    lengths : int64 numpy array of shape (n_sims,)
    """
    if isinstance(n_sims, bool) or not isinstance(n_sims, (int, np.integer)) or n_sims < 1:
        raise ValueError(f"n_sims must be an integer >= 1, got {n_sims!r}")
    p = np.asarray(to_numpy(probs), dtype=np.float64)
    _, probs_np, par2, _real, batched = _prepare(parents, p, None)
    if batched:
        raise ValueError("simulate_tree_verification takes one tree: parents must be 1-d")
    rng = check_random_state(random_state)
    par = par2[0]
    n = par.size
    children = [[] for _ in range(n)]
    for i in range(n):
        if par[i] >= 0:
            children[par[i]].append(i)
    width = max(1, max(len(c) for c in children))
    kids = np.full((n, width), -1, dtype=np.int64)
    cond = np.zeros((n, width))
    for v, ch in enumerate(children):
        residual = 1.0
        for j, c in enumerate(ch):
            kids[v, j] = c
            # conditional acceptance given the earlier siblings were rejected
            cond[v, j] = min(1.0, probs_np[c] / residual) if residual > 0 else 0.0
            residual -= probs_np[c]
    node = np.full(n_sims, int(np.flatnonzero(par == -1)[0]))
    length = np.zeros(n_sims, dtype=np.int64)
    alive = np.ones(n_sims, dtype=bool)
    while alive.any():
        moved = np.zeros(n_sims, dtype=bool)
        nxt = node.copy()
        for j in range(width):
            try_j = alive & ~moved & (kids[node, j] >= 0)
            u = rng.random(n_sims)
            acc = try_j & (u < cond[node, j])
            nxt = np.where(acc, kids[node, j], nxt)
            moved |= acc
        length += moved
        node = nxt
        alive = moved
    return length


def gto_group_advantages(rewards, reference_rewards=None, delta=1e-6, ddof=0):
    r"""GTO's debiased, group-standardised advantages (Eqs. 9--10).

    .. math::

        R_i = R(T_i) - R(\bar T_i), \qquad
        A_i = \frac{R_i - \operatorname{mean}_{j \in G} R_j}{\operatorname{std}_{j \in G} R_j
        + \delta},

    where :math:`\bar T_i` is the tree the frozen reference drafter builds at the same prefix
    and :math:`G` a group of adjacent prefix positions (the last axis here).

    Parameters
    ----------
    rewards : float array of shape (..., m)
        :math:`R(T_i)`; the last axis is one group (``m >= 2``).
    reference_rewards : float array of the same shape, optional
        :math:`R(\bar T_i)`; omitted means no debiasing. The debiasing cancels the
        :math:`\log N / \eta` offset of :func:`draft_tree_reward` only when both trees have
        the same number of leaves.
    delta : float, default=1e-6
        :math:`\delta \ge 0`, guards against a constant group.
    ddof : {0, 1}, default=0
        Degrees of freedom of the standard deviation (the paper does not say; 0 is the
        population standard deviation).

    Returns
    -------
    advantages : float array of shape (..., m), in the namespace of ``rewards``.

    References
    ----------
    .. [1] Hu, Li, Lu, Zhou. Group Tree Optimization for speculative decoding
       (GTO). arXiv:2509.22134, 2025.
    """
    xp = get_namespace(rewards, reference_rewards)
    if xp is np:
        rewards = np.asarray(rewards)
        if not np.issubdtype(rewards.dtype, np.floating):
            rewards = rewards.astype(np.float64)
    if rewards.ndim < 1 or rewards.shape[-1] < 2:
        raise ValueError(
            f"rewards must have a group axis (last) of size >= 2, got {tuple(rewards.shape)}"
        )
    if reference_rewards is not None:
        if xp is np:
            reference_rewards = np.asarray(reference_rewards, dtype=rewards.dtype)
        if tuple(reference_rewards.shape) != tuple(rewards.shape):
            raise ValueError(
                "reference_rewards must have the shape of rewards, got "
                f"{tuple(reference_rewards.shape)} and {tuple(rewards.shape)}"
            )
        rewards = rewards - reference_rewards
    if not (np.isfinite(delta) and delta >= 0):
        raise ValueError(f"delta must be a finite number >= 0, got {delta}")
    if ddof not in (0, 1):
        raise ValueError(f"ddof must be 0 or 1, got {ddof}")
    if xp is np:
        mean = rewards.mean(axis=-1, keepdims=True)
        std = rewards.std(axis=-1, ddof=ddof, keepdims=True)
    else:
        mean = rewards.mean(dim=-1, keepdim=True)
        std = rewards.std(dim=-1, correction=ddof, keepdim=True)
    return (rewards - mean) / (std + delta)


def gto_clipped_surrogate(seq_logp, ref_seq_logp, lengths, advantages, epsilon=0.2):
    r"""GTO's PPO-style group surrogate loss (Eqs. 11--12).

    .. math::

        s_i = \exp\Big(\frac{\log M(\hat S_i) - \log M_0(\hat S_i)}{\max(l_i, 1)}\Big),
        \qquad
        \mathcal L_{\mathrm{GTO}} = -\frac{1}{m} \sum_{i \in G}
        \min\big(s_i A_i,\ \operatorname{clip}(s_i, 1-\varepsilon, 1+\varepsilon) A_i\big),

    where :math:`\hat S_i` is the longest accepted sequence (length :math:`l_i`), :math:`M`
    the drafter being trained and :math:`M_0` the frozen reference drafter: the clip is a
    trust region around :math:`M_0`, not around the behaviour policy.

    Parameters
    ----------
    seq_logp : float array of shape (..., m)
        :math:`\log M(\hat S_i)`, the drafter's log-probability of the accepted sequence.
        On torch, gradients flow through it.
    ref_seq_logp : float array of shape (..., m)
        :math:`\log M_0(\hat S_i)` (treated as a constant).
    lengths : int array of shape (..., m)
        :math:`l_i \ge 0`.
    advantages : float array of shape (..., m)
        :math:`A_i` (:func:`gto_group_advantages`; treated as constants).
    epsilon : float, default=0.2
        Clip half-width, ``0 < epsilon < 1``. The paper does not state its value.

    Returns
    -------
    loss : float array of shape (...)
        The loss (to minimise), averaged over the group axis.

    References
    ----------
    .. [1] Hu, Li, Lu, Zhou. Group Tree Optimization for speculative decoding
       (GTO). arXiv:2509.22134, 2025.
    """
    xp = get_namespace(seq_logp, ref_seq_logp, advantages)
    if xp is np:
        seq_logp, ref_seq_logp, advantages = (
            np.asarray(a, dtype=np.float64) if not isinstance(a, np.ndarray) else a
            for a in (seq_logp, ref_seq_logp, advantages)
        )
    lengths = np.asarray(to_numpy(lengths)) if not hasattr(lengths, "shape") else lengths
    shape = tuple(seq_logp.shape)
    for name, a in (
        ("ref_seq_logp", ref_seq_logp),
        ("lengths", lengths),
        ("advantages", advantages),
    ):
        if tuple(a.shape) != shape:
            raise ValueError(
                f"{name} must have the shape of seq_logp {shape}, got {tuple(a.shape)}"
            )
    if len(shape) < 1 or shape[-1] < 1:
        raise ValueError(f"seq_logp must have a non-empty group axis (last), got shape {shape}")
    if not (np.isfinite(epsilon) and 0 < epsilon < 1):
        raise ValueError(f"epsilon must lie in (0, 1), got {epsilon}")
    ln = np.asarray(to_numpy(lengths))
    if not np.issubdtype(ln.dtype, np.integer) or np.any(ln < 0):
        raise ValueError("lengths must be non-negative integers")
    den = np.maximum(ln, 1).astype(np.float64)
    if xp is np:
        s = np.exp((seq_logp - ref_seq_logp) / den)
        adv = advantages
        clipped = np.clip(s, 1 - epsilon, 1 + epsilon)
        obj = np.minimum(s * adv, clipped * adv)
        return -obj.mean(axis=-1)
    den_t = xp.as_tensor(den, dtype=seq_logp.dtype, device=seq_logp.device)
    s = xp.exp((seq_logp - ref_seq_logp.detach()) / den_t)
    adv = advantages.detach()
    clipped = xp.clamp(s, 1 - epsilon, 1 + epsilon)
    obj = xp.minimum(s * adv, clipped * adv)
    return -obj.mean(dim=-1)
