"""Tests of statkit.llm draft-tree statistics (GTO, arXiv:2509.22134; EAGLE verification).

Oracles:

- brute-force enumeration of every outcome of the verification walk (which node it stops
  at, and with what probability), written here independently of the node-sum;
- the Monte Carlo verification simulator (sequential sibling rejection, as EAGLE does),
  with a CLT tolerance of 4 standard errors;
- the greedy (temperature 0) longest common prefix, walked here;
- per-leaf path lengths and the log-sum-exp computed here by walking each root path and by
  ``scipy.special.logsumexp``;
- the method note's X/Y counterexample numbers (hand-computable: see the comments);
- finite differences for gradients, closed forms for the advantages and the clipped
  surrogate.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp

from statkit.llm import (
    draft_tree_path_lengths,
    draft_tree_reward,
    gto_clipped_surrogate,
    gto_group_advantages,
    simulate_tree_verification,
    tree_expected_acceptance,
)

# --------------------------------------------------------------------------- helpers


def _children(parents):
    kids = {i: [] for i in range(len(parents))}
    for i, p in enumerate(parents):
        if p >= 0:
            kids[p].append(i)
    return kids


def _enumerate_outcomes(parents, probs):
    """All outcomes of verification: (accepted path, probability). At a reached node the
    target samples one token; it is child j with probability p_j, or none of them."""
    kids = _children(parents)
    root = list(parents).index(-1)
    out = []

    def walk(v, path, prob):
        stop = 1.0 - sum(probs[c] for c in kids[v])
        if stop > 0 or not kids[v]:
            out.append((path, prob * max(stop, 0.0)))
        for c in kids[v]:
            if probs[c] > 0:
                walk(c, [*path, c], prob * probs[c])

    walk(root, [], 1.0)
    return out


def _brute_force_expected_length(parents, probs):
    outcomes = _enumerate_outcomes(parents, probs)
    total = sum(p for _, p in outcomes)
    assert math.isclose(total, 1.0, rel_tol=0, abs_tol=1e-12)
    return sum(len(path) * p for path, p in outcomes)


def _naive_path_lengths(parents, probs):
    """L_{t,i} for every leaf by walking its root path."""
    kids = _children(parents)
    leaves = [v for v in range(len(parents)) if parents[v] >= 0 and not kids[v]]
    out = {}
    for leaf in leaves:
        path = []
        v = leaf
        while parents[v] >= 0:
            path.append(v)
            v = parents[v]
        path.reverse()
        total, prod = 0.0, 1.0
        for v in path:
            prod *= probs[v]
            total += prod
        out[leaf] = total
    return out


def _random_tree(rng, n):
    """Random tree on n nodes (root 0) with random sibling probabilities summing to <= 1."""
    parents = np.full(n, -1)
    for i in range(1, n):
        parents[i] = rng.integers(0, i)
    probs = np.ones(n)
    kids = _children(parents)
    for _v, ch in kids.items():
        if ch:
            # a Dirichlet split of a random total mass in (0, 1]
            mass = rng.uniform(0.2, 1.0)
            probs[ch] = mass * rng.dirichlet(np.ones(len(ch) + 1))[: len(ch)]
    return parents, probs


def _target(prefix, vocab=6, seed=7, temperature=1.0):
    """Toy target model: a categorical over the vocabulary for each prefix, seeded by it."""
    logits = np.random.default_rng([seed, len(prefix), *prefix]).normal(0, 1.5, vocab)
    if temperature == 0:
        p = np.zeros(vocab)
        p[np.argmax(logits)] = 1.0
        return p, logits
    z = logits / temperature
    z = np.exp(z - z.max())
    return z / z.sum(), logits


def _draft_tree(depth=4, top=2, temperature=1.0, noise=1.0, seed=0):
    """Draft tree from a noisy copy of the target's logits: top-2 tokens at each node."""
    rng = np.random.default_rng(seed)
    parents, probs, tokens, prefixes = [-1], [1.0], [None], [()]
    frontier = [0]
    for _ in range(depth):
        new = []
        for v in frontier:
            p, logits = _target(prefixes[v], temperature=temperature)
            noisy = logits + noise * rng.normal(size=logits.size)
            for tok in np.argsort(-noisy)[:top]:
                parents.append(v)
                probs.append(p[tok])
                tokens.append(int(tok))
                prefixes.append(prefixes[v] + (int(tok),))
                new.append(len(parents) - 1)
        frontier = new
    return np.array(parents), np.array(probs), tokens, prefixes


# The method note's counterexample (section 3, finding 1). Equal budgets: 3 drafted nodes.
# Y: root -> {a: .5, b: .5}, a -> c: .9.  L = (.5 + .45, .5); E[L] = .5 + .5 + .45 = 1.45;
#    r = log(e^.95 + e^.5) = 1.4432...
# X: root -> a: .6, a -> {c: .5, d: .5}.  L = (.9, .9); E[L] = .6 + .3 + .3 = 1.2;
#    r = .9 + log 2 = 1.5931...
TREE_Y = (np.array([-1, 0, 0, 1]), np.array([1.0, 0.5, 0.5, 0.9]))
TREE_X = (np.array([-1, 0, 1, 1]), np.array([1.0, 0.6, 0.5, 0.5]))


# --------------------------------------------------------------------------- node-sum


@pytest.mark.parametrize("seed", range(8))
def test_node_sum_matches_brute_force_enumeration(seed):
    rng = np.random.default_rng(seed)
    parents, probs = _random_tree(rng, int(rng.integers(2, 14)))
    exact = _brute_force_expected_length(parents, probs)
    assert float(tree_expected_acceptance(parents, probs)) == pytest.approx(exact, rel=1e-12)


def test_node_sum_on_draft_trees_matches_brute_force():
    for temperature in (1.0, 0.5):
        parents, probs, *_ = _draft_tree(temperature=temperature)
        assert len(parents) == 31
        exact = _brute_force_expected_length(parents, probs)
        assert float(tree_expected_acceptance(parents, probs)) == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize(("temperature", "seed"), [(1.0, 0), (0.5, 1), (1.0, 2)])
def test_monte_carlo_verification_agrees_with_node_sum(temperature, seed):
    # The simulator accepts siblings sequentially with p_j / (1 - sum_{l<j} p_l); the mean of
    # 40k runs must lie within 4 standard errors (CLT) of the exact node-sum.
    parents, probs, *_ = _draft_tree(temperature=temperature, seed=seed)
    lengths = simulate_tree_verification(parents, probs, 40_000, random_state=seed)
    assert lengths.shape == (40_000,) and lengths.dtype == np.int64
    assert lengths.min() >= 0 and lengths.max() <= 4
    se = lengths.std(ddof=1) / math.sqrt(lengths.size)
    exact = float(tree_expected_acceptance(parents, probs))
    assert abs(lengths.mean() - exact) < 4 * se


def test_simulator_distribution_matches_enumeration():
    # the full distribution of the accepted length, not only its mean (chi-square style: each
    # cell within 4 binomial standard errors)
    parents, probs = TREE_Y
    n = 50_000
    lengths = simulate_tree_verification(parents, probs, n, random_state=3)
    pmf = np.zeros(3)
    for path, p in _enumerate_outcomes(parents, probs):
        pmf[len(path)] += p
    np.testing.assert_allclose(pmf, [0.0, 0.55, 0.45], atol=1e-15)  # by hand: stop at b or a
    freq = np.bincount(lengths, minlength=3) / n
    se = np.sqrt(pmf * (1 - pmf) / n)
    assert np.all(np.abs(freq - pmf) <= 4 * se + 1e-12)


def test_simulator_is_reproducible():
    parents, probs, *_ = _draft_tree()
    a = simulate_tree_verification(parents, probs, 1000, random_state=5)
    b = simulate_tree_verification(parents, probs, 1000, random_state=5)
    c = simulate_tree_verification(parents, probs, 1000, random_state=6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_greedy_node_sum_equals_longest_path_and_greedy_prefix():
    # GTO Theorem 1(b): at temperature 0 the node-sum is max_i L_i, the longest common
    # prefix of the draft tree with the greedy continuation.
    lcps = []
    for seed in range(5):
        parents, probs, tokens, prefixes = _draft_tree(temperature=0, seed=seed, noise=2.0)
        kids = _children(parents)
        v, lcp = 0, 0
        while True:
            greedy = int(np.argmax(_target(prefixes[v])[1]))
            nxt = [c for c in kids[v] if tokens[c] == greedy]
            if not nxt:
                break
            v, lcp = nxt[0], lcp + 1
        exact = float(tree_expected_acceptance(parents, probs))
        lengths, _leaf = draft_tree_path_lengths(parents, probs)
        assert exact == lcp
        lcps.append(lcp)
        assert float(np.nanmax(lengths)) == lcp
    assert len(set(lcps)) > 1  # the instances differ (not all full-depth or all zero)


def test_node_order_does_not_matter():
    rng = np.random.default_rng(11)
    parents, probs = _random_tree(rng, 12)
    perm = rng.permutation(12)  # new index of old node i is inv[i]
    inv = np.argsort(perm)
    new_parents = np.array(
        [inv[parents[perm[j]]] if parents[perm[j]] >= 0 else -1 for j in range(12)]
    )
    new_probs = probs[perm]
    assert float(tree_expected_acceptance(new_parents, new_probs)) == pytest.approx(
        float(tree_expected_acceptance(parents, probs)), rel=1e-13
    )


def test_padded_batch_matches_single_trees():
    rng = np.random.default_rng(2)
    trees = [_random_tree(rng, n) for n in (3, 9, 6)]
    width = 9
    P = np.full((3, width), 99)  # padding holds garbage: it must be ignored
    Q = np.full((3, width), 7.5)
    for b, (par, pr) in enumerate(trees):
        P[b, : par.size] = par
        Q[b, : pr.size] = pr
    n_nodes = np.array([t[0].size for t in trees])
    batch = tree_expected_acceptance(P, Q, n_nodes=n_nodes)
    want = [_brute_force_expected_length(par, pr) for par, pr in trees]
    np.testing.assert_allclose(batch, want, rtol=1e-12)
    rew = draft_tree_reward(P, Q, n_nodes=n_nodes)
    for b, (par, pr) in enumerate(trees):
        L = np.array(list(_naive_path_lengths(par, pr).values()))
        assert float(rew.reward[b]) == pytest.approx(logsumexp(L), rel=1e-12)
        assert rew.n_leaves[b] == L.size


# --------------------------------------------------------------------------- reward


@pytest.mark.parametrize("eta", [0.5, 1.0, 4.0])
def test_reward_is_lse_of_naive_path_lengths_and_within_bounds(eta):
    rng = np.random.default_rng(int(eta * 10))
    for _ in range(10):
        parents, probs = _random_tree(rng, int(rng.integers(2, 16)))
        naive = _naive_path_lengths(parents, probs)
        L = np.array(list(naive.values()))
        lengths, leaf = draft_tree_path_lengths(parents, probs)
        assert sorted(np.flatnonzero(leaf)) == sorted(naive)
        np.testing.assert_allclose(lengths[list(naive)], L, rtol=1e-13)
        assert np.all(np.isnan(lengths[~leaf]))
        r = draft_tree_reward(parents, probs, eta=eta)
        assert float(r.reward) == pytest.approx(logsumexp(eta * L) / eta, rel=1e-12)
        assert float(r.lower) == pytest.approx(L.max(), rel=1e-13)
        assert float(r.upper) == pytest.approx(L.max() + math.log(L.size) / eta, rel=1e-13)
        assert r.lower - 1e-12 <= r.reward <= r.upper + 1e-12


def test_reward_bounds_are_attained():
    # upper bound: all N paths of equal length (tree X); lower bound as eta -> infinity
    r = draft_tree_reward(*TREE_X)
    assert float(r.reward) == pytest.approx(float(r.upper), rel=1e-14)
    r = draft_tree_reward(*TREE_Y, eta=200.0)
    # r - max L = log(1 + e^{-eta (0.95 - 0.5)}) / eta <= e^{-90} / 200
    assert 0 <= float(r.reward) - float(r.lower) <= math.exp(-200 * 0.45) / 200 + 1e-15


def test_counterexample_reward_rises_while_expected_acceptance_falls():
    """Regression test for the method note's X/Y trees (GTO section, finding 1): with the
    same budget, moving from Y to X raises GTO's reward but lowers the exact expected
    acceptance length. GTO's Theorem 1(a) assumes integer-valued L_{t,i}."""
    rY, rX = draft_tree_reward(*TREE_Y), draft_tree_reward(*TREE_X)
    eY, eX = tree_expected_acceptance(*TREE_Y), tree_expected_acceptance(*TREE_X)
    assert float(rY.reward) == pytest.approx(math.log(math.exp(0.95) + math.exp(0.5)), rel=1e-14)
    assert float(rX.reward) == pytest.approx(0.9 + math.log(2), rel=1e-14)
    assert round(float(rY.reward), 3) == 1.443 and round(float(rX.reward), 3) == 1.593
    assert float(eY) == pytest.approx(1.45, rel=1e-14) and float(eX) == pytest.approx(
        1.2, rel=1e-14
    )
    assert rX.reward > rY.reward and eX < eY
    # the debiasing R(T) - R(T_ref) cancels the log N offset only for equal leaf counts
    assert rX.n_leaves == rY.n_leaves == 2


# --------------------------------------------------------------------------- backends


def test_backends_match_float64_reference(xp_case):
    rng = np.random.default_rng(4)
    trees = [_random_tree(rng, n) for n in (5, 8)]
    P = np.zeros((2, 8), dtype=np.int64)
    Q = np.zeros((2, 8))
    for b, (par, pr) in enumerate(trees):
        P[b, : par.size], Q[b, : pr.size] = par, pr
    nn = np.array([5, 8])
    want = [_brute_force_expected_length(par, pr) for par, pr in trees]
    want_r = [logsumexp(list(_naive_path_lengths(par, pr).values())) for par, pr in trees]
    Pc = P if xp_case.name == "numpy" else xp_case.asarray(P)
    Qc = xp_case.asarray(Q)
    out = tree_expected_acceptance(Pc, Qc, n_nodes=nn)
    rew = draft_tree_reward(Pc, Qc, n_nodes=nn)
    xp_case.check_output(out)
    xp_case.check_output(rew.reward)
    # float32: at most depth multiplications and n additions of numbers <= n, so the
    # relative error is O((depth + n) * eps32) << rtol = 1e3 * eps
    np.testing.assert_allclose(xp_case.to_numpy(out), want, rtol=xp_case.rtol)
    np.testing.assert_allclose(xp_case.to_numpy(rew.reward), want_r, rtol=xp_case.rtol)


def test_torch_autograd_matches_finite_differences():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    parents, probs = _random_tree(rng, 10)
    t = torch.tensor(probs, requires_grad=True)
    tree_expected_acceptance(torch.tensor(parents), t).backward()
    h = 1e-6
    fd = np.zeros_like(probs)
    for i in range(1, probs.size):
        up, dn = probs.copy(), probs.copy()
        up[i] += h
        dn[i] -= h
        # brute-force enumeration tolerates sibling sums marginally above 1 in the FD step
        fd[i] = (_node_sum_naive(parents, up) - _node_sum_naive(parents, dn)) / (2 * h)
    np.testing.assert_allclose(t.grad.numpy()[1:], fd[1:], atol=1e-8)
    assert t.grad.numpy()[0] == 0.0


def _node_sum_naive(parents, probs):
    total = 0.0
    for v in range(len(parents)):
        if parents[v] < 0:
            continue
        prod, u = 1.0, v
        while parents[u] >= 0:
            prod *= probs[u]
            u = parents[u]
        total += prod
    return total


# --------------------------------------------------------------------------- GTO training


def test_group_advantages_closed_form():
    rng = np.random.default_rng(0)
    R = rng.normal(size=(5, 8))
    R0 = rng.normal(size=(5, 8))
    delta = 1e-3
    A = gto_group_advantages(R, R0, delta=delta)
    D = R - R0
    sd = D.std(axis=1)
    np.testing.assert_allclose(A.mean(axis=1), 0, atol=1e-14)
    # std of A within a group is sd / (sd + delta) exactly
    np.testing.assert_allclose(A.std(axis=1), sd / (sd + delta), rtol=1e-12)
    # at delta = 0: invariant to a positive affine map of the debiased rewards
    np.testing.assert_allclose(
        gto_group_advantages(3 * D + 2, delta=0), gto_group_advantages(D, delta=0), rtol=1e-12
    )
    A1 = gto_group_advantages(D, delta=0, ddof=1)
    np.testing.assert_allclose(A1.std(axis=1, ddof=1), 1, rtol=1e-12)


def test_group_advantages_torch_matches_numpy():
    torch = pytest.importorskip("torch")
    R = np.random.default_rng(1).normal(size=(3, 4))
    np.testing.assert_allclose(
        gto_group_advantages(torch.tensor(R), delta=0.1, ddof=1).numpy(),
        gto_group_advantages(R, delta=0.1, ddof=1),
        rtol=1e-13,
    )


def test_clipped_surrogate_value_and_gradient():
    rng = np.random.default_rng(3)
    m, eps = 8, 0.2
    lengths = rng.integers(0, 6, size=m)
    lp0 = -rng.uniform(1, 6, size=m)
    lp = lp0 + rng.normal(0, 0.6, size=m) * np.maximum(lengths, 1)
    adv = rng.normal(size=m)
    loss = gto_clipped_surrogate(lp, lp0, lengths, adv, epsilon=eps)
    naive = sum(
        -min(s * a, min(max(s, 1 - eps), 1 + eps) * a) / m
        for s, a in zip(np.exp((lp - lp0) / np.maximum(lengths, 1)), adv, strict=True)
    )
    assert float(loss) == pytest.approx(naive, rel=1e-13)
    s = np.exp((lp - lp0) / np.maximum(lengths, 1))
    binds = ((adv > 0) & (s > 1 + eps)) | ((adv < 0) & (s < 1 - eps))
    assert binds.any() and (~binds).any()  # the instance exercises both branches
    # closed form: d loss / d logp_i = -(1/m) A_i s_i / max(l_i, 1) where the clip does not
    # bind, 0 where it does
    want = np.where(binds, 0.0, -adv * s / np.maximum(lengths, 1) / m)
    h = 1e-6
    fd = np.array(
        [
            (
                gto_clipped_surrogate(lp + h * np.eye(m)[i], lp0, lengths, adv, eps)
                - gto_clipped_surrogate(lp - h * np.eye(m)[i], lp0, lengths, adv, eps)
            )
            / (2 * h)
            for i in range(m)
        ]
    )
    np.testing.assert_allclose(fd, want, atol=1e-9)
    # the gradient step (minus the loss gradient) moves s_i in the direction of A_i
    assert np.all(np.sign(-want[~binds]) == np.sign(adv[~binds]))
    torch = pytest.importorskip("torch")
    t = torch.tensor(lp, requires_grad=True)
    out = gto_clipped_surrogate(
        t, torch.tensor(lp0), torch.tensor(lengths), torch.tensor(adv), epsilon=eps
    )
    out.backward()
    assert float(out.detach()) == pytest.approx(naive, rel=1e-13)
    np.testing.assert_allclose(t.grad.numpy(), want, atol=1e-14)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("parents", "match"),
    [
        ([-1, -1, 0], "exactly one root"),
        ([0, 0, 1], "exactly one root"),
        ([-1, 2, 1], "cycle"),
        ([-1, 0, 7], "out of range"),
        ([-1, 0, -3], "out of range"),
        ([-1, 1, 0], "own parent"),
    ],
)
def test_not_a_tree_is_refused(parents, match):
    with pytest.raises(ValueError, match=match):
        tree_expected_acceptance(np.array(parents), np.array([1.0, 0.3, 0.3]))


def test_bad_inputs_are_refused():
    par, pr = TREE_Y
    with pytest.raises(ValueError, match="same shape"):
        tree_expected_acceptance(par, pr[:3])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        tree_expected_acceptance(par, np.array([1.0, 0.5, 0.5, 1.2]))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        draft_tree_reward(par, np.array([1.0, -0.1, 0.5, 0.9]))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        tree_expected_acceptance(par, np.array([1.0, np.nan, 0.5, 0.9]))
    with pytest.raises(ValueError, match=r"summing to 1\.2"):
        tree_expected_acceptance(par, np.array([1.0, 0.7, 0.5, 0.9]))
    with pytest.raises(TypeError, match="integer"):
        tree_expected_acceptance(par.astype(float), pr)
    with pytest.raises(ValueError, match="1-d"):
        tree_expected_acceptance(np.zeros((1, 1, 2), dtype=int), np.zeros((1, 1, 2)))
    with pytest.raises(ValueError, match="n_nodes"):
        tree_expected_acceptance(par[None], pr[None], n_nodes=np.array([5]))
    with pytest.raises(ValueError, match="eta"):
        draft_tree_reward(par, pr, eta=0.0)
    with pytest.raises(ValueError, match="n_sims"):
        simulate_tree_verification(par, pr, 0)
    with pytest.raises(ValueError, match="one tree"):
        simulate_tree_verification(par[None], pr[None], 10)
    with pytest.raises(ValueError, match="candidate"):
        draft_tree_reward(np.array([-1]), np.array([1.0]))
    with pytest.raises(ValueError, match="group axis"):
        gto_group_advantages(np.ones((3, 1)))
    with pytest.raises(ValueError, match="reference_rewards"):
        gto_group_advantages(np.ones((3, 4)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="ddof"):
        gto_group_advantages(np.ones((3, 4)), ddof=2)
    x = np.zeros(4)
    with pytest.raises(ValueError, match="epsilon"):
        gto_clipped_surrogate(x, x, np.ones(4, dtype=int), x, epsilon=1.5)
    with pytest.raises(ValueError, match="lengths must have the shape"):
        gto_clipped_surrogate(x, x, np.ones(3, dtype=int), x)
    with pytest.raises(ValueError, match="non-negative"):
        gto_clipped_surrogate(x, x, -np.ones(4, dtype=int), x)


# --------------------------------------------------------------------------- properties

HYPOTHESIS = settings(max_examples=60, deadline=None)


def _is_tree_naive(parents):
    """One -1, parents in range, and walking up from each node reaches it without repeats."""
    n = len(parents)
    if sum(p == -1 for p in parents) != 1 or any(p < -1 or p >= n for p in parents):
        return False
    for v in range(n):
        seen = set()
        while parents[v] != -1:
            if v in seen:
                return False
            seen.add(v)
            v = parents[v]
    return True


@HYPOTHESIS
@given(st.lists(st.integers(-2, 7), min_size=1, max_size=7), st.integers(0, 2**32 - 1))
def test_random_parent_arrays_are_refused_or_exact(parents, seed):
    """Any integer array: refused with ValueError exactly when it is not a rooted tree;
    otherwise the node-sum equals the brute-force enumeration."""
    parents = np.array(parents)
    rng = np.random.default_rng(seed)
    probs = np.ones(parents.size)
    if _is_tree_naive(list(parents)):
        for _v, ch in _children(parents).items():
            if ch:
                probs[ch] = rng.uniform(0, 1) * rng.dirichlet(np.ones(len(ch) + 1))[: len(ch)]
        got = float(tree_expected_acceptance(parents, probs))
        assert got == pytest.approx(_brute_force_expected_length(parents, probs), abs=1e-12)
    else:
        with pytest.raises(ValueError, match=r"root|range|tree"):
            tree_expected_acceptance(parents, probs)


def test_batched_error_names_the_tree():
    P = np.array([[-1, 0, 1], [-1, 2, 1]])
    with pytest.raises(ValueError, match="tree 1: parents is not a tree: it contains a cycle"):
        tree_expected_acceptance(P, np.full((2, 3), 0.5))
    with pytest.raises(ValueError, match="children of node 0 in tree 0"):
        tree_expected_acceptance(np.array([[-1, 0, 0], [-1, 0, 1]]), np.full((2, 3), 0.6))
