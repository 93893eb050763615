"""Tests of statkit.llm truncated-IS surrogates (CISPO, PPO-clip, unified; MiniMax-M1
arXiv:2506.13585 section 3.1).

Oracles:

- central finite differences, in the parameters of a tabular softmax policy, of objectives
  written here independently: the IS policy-gradient objective (1/N) sum m r A and the
  token-level PPO-clip objective (1/N) sum m min(rA, clip(r) A) (the method note's gradient
  identities (a) and (b));
- torch autograd of the torch path against the numpy closed-form gradient, and the
  stop-gradient placement checked against the gradient one would get without it;
- exact enumeration over the categories for the bias and variance of the truncated-IS
  gradient, against which the Monte Carlo study must agree within CLT tolerances.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from statkit.llm import (
    truncated_is_bias_variance,
    truncated_is_gradient,
    truncated_is_surrogate,
)

LO, HI = 0.8, 1.28  # PPO trust region of the note's check (eps_low = 0.2, eps_high = 0.28)


def _log_softmax_rows(theta):
    z = theta - theta.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


class _Instance:
    """Tabular softmax policy over V tokens in S states; G responses of varying length
    sampled from the old policy; group-normalised (GRPO) advantages, one per response."""

    def __init__(self, seed=0, S=4, V=5, G=6, T=7, shift=0.6):
        rng = np.random.default_rng(seed)
        self.theta_old = rng.normal(size=(S, V))
        self.theta = self.theta_old + shift * rng.normal(size=(S, V))
        lengths = rng.integers(2, T + 1, size=G)
        self.mask = np.arange(T)[None, :] < lengths[:, None]
        self.states = rng.integers(0, S, size=(G, T))
        lpo = _log_softmax_rows(self.theta_old)
        self.tokens = np.array(
            [[rng.choice(V, p=np.exp(lpo[s])) for s in row] for row in self.states]
        )
        R = rng.normal(size=G)
        self.adv_seq = (R - R.mean()) / R.std()
        self.adv = np.repeat(self.adv_seq[:, None], T, axis=1)
        self.S, self.V = S, V

    def logp(self, theta):
        return _log_softmax_rows(theta)[self.states, self.tokens]

    def chain(self, g_logp):
        """d/d theta from d/d logp: d logp(o|s)/d theta[s, v] = 1[v = o] - pi(v|s)."""
        pi = np.exp(_log_softmax_rows(self.theta))
        out = np.zeros((self.S, self.V))
        for (i, t), g in np.ndenumerate(g_logp):
            s, o = self.states[i, t], self.tokens[i, t]
            out[s] -= g * pi[s]
            out[s, o] += g
        return out

    def fd(self, objective, h=1e-6):
        out = np.zeros_like(self.theta)
        for idx in np.ndindex(*self.theta.shape):
            e = np.zeros_like(self.theta)
            e[idx] = h
            out[idx] = (objective(self.theta + e) - objective(self.theta - e)) / (2 * h)
        return out


def _is_pg(inst):
    lpo = inst.logp(inst.theta_old)
    n = inst.mask.sum()
    return lambda th: (np.exp(inst.logp(th) - lpo) * inst.adv * inst.mask).sum() / n


def _ppo_clip(inst, lo, hi):
    lpo = inst.logp(inst.theta_old)
    n = inst.mask.sum()

    def f(th):
        r = np.exp(inst.logp(th) - lpo)
        return (np.minimum(r * inst.adv, np.clip(r, lo, hi) * inst.adv) * inst.mask).sum() / n

    return f


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cispo_without_cap_is_the_is_policy_gradient(seed):
    # identity (a): nabla J_cispo(ratio_max = inf) = nabla (1/N) sum m r A, since dr = r dlogp
    inst = _Instance(seed)
    lp, lpo = inst.logp(inst.theta), inst.logp(inst.theta_old)
    g = truncated_is_gradient(lp, lpo, inst.adv_seq, inst.mask, 0.0, np.inf, "cispo")
    np.testing.assert_allclose(inst.chain(g), inst.fd(_is_pg(inst)), atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_unified_with_ppo_mask_and_no_is_clip_is_the_ppo_gradient(seed):
    # identity (b): unified(M from [LO, HI], IS clip [0, inf]) has the PPO-clip gradient
    inst = _Instance(seed)
    lp, lpo = inst.logp(inst.theta), inst.logp(inst.theta_old)
    want = inst.fd(_ppo_clip(inst, LO, HI))
    g_uni = truncated_is_gradient(
        lp, lpo, inst.adv, inst.mask, 0.0, np.inf, "unified", mask_ratio_min=LO, mask_ratio_max=HI
    )
    g_ppo = truncated_is_gradient(lp, lpo, inst.adv, inst.mask, LO, HI, "ppo")
    np.testing.assert_allclose(inst.chain(g_uni), want, atol=1e-9)
    np.testing.assert_allclose(inst.chain(g_ppo), want, atol=1e-9)
    # and the ppo objective's value is the naive PPO-clip objective
    val = truncated_is_surrogate(lp, lpo, inst.adv, inst.mask, LO, HI, "ppo")
    assert float(val) == pytest.approx(_ppo_clip(inst, LO, HI)(inst.theta), rel=1e-13)
    # the instance clips on both sides: the identity is not vacuous
    r = np.exp(lp - lpo)[inst.mask]
    assert np.any(r > HI) and np.any(r < LO)


def test_tokens_zeroed_by_ppo_are_kept_by_cispo():
    # identity (c), the "fork token" argument: where PPO's clip binds (A > 0, r > HI or
    # A < 0, r < LO) its gradient is exactly 0, while CISPO keeps the token with weight
    # clip(r) != 0.
    inst = _Instance(0)
    lp, lpo = inst.logp(inst.theta), inst.logp(inst.theta_old)
    r = np.exp(lp - lpo)
    binds = inst.mask & (((inst.adv > 0) & (r > HI)) | ((inst.adv < 0) & (r < LO)))
    g_ppo = truncated_is_gradient(lp, lpo, inst.adv, inst.mask, LO, HI, "ppo")
    g_cis = truncated_is_gradient(lp, lpo, inst.adv, inst.mask, 0.0, HI, "cispo")
    assert binds.sum() >= 3
    assert np.all(g_ppo[binds] == 0)
    assert np.all(g_cis[binds] != 0)
    n = inst.mask.sum()
    np.testing.assert_allclose(
        g_cis[binds], np.minimum(r[binds], HI) * inst.adv[binds] / n, rtol=1e-14
    )
    assert np.all(g_ppo[inst.mask & ~binds] != 0)


def test_cispo_value_and_gradient_against_naive_sums():
    inst = _Instance(1)
    lp, lpo = inst.logp(inst.theta), inst.logp(inst.theta_old)
    n = inst.mask.sum()
    w = np.clip(np.exp(lp - lpo), 0.5, 2.0)
    val = truncated_is_surrogate(lp, lpo, inst.adv, inst.mask, 0.5, 2.0, "cispo")
    assert float(val) == pytest.approx((w * inst.adv * lp * inst.mask).sum() / n, rel=1e-13)
    # the gradient of CISPO w.r.t. logp holds the weight fixed (stop-gradient): FD of the
    # surrogate with the weight frozen at the current point
    g = truncated_is_gradient(lp, lpo, inst.adv, inst.mask, 0.5, 2.0, "cispo")
    np.testing.assert_allclose(g, w * inst.adv * inst.mask / n, rtol=1e-14)


@pytest.mark.parametrize("mode", ["cispo", "ppo", "unified"])
def test_torch_autograd_matches_closed_form(mode):
    torch = pytest.importorskip("torch")
    inst = _Instance(2)
    lp, lpo = inst.logp(inst.theta), inst.logp(inst.theta_old)
    kw = {"mask_ratio_min": LO, "mask_ratio_max": HI} if mode == "unified" else {}
    lo, hi = (0.0, 1.5) if mode != "ppo" else (LO, HI)
    t = torch.tensor(lp, requires_grad=True)
    J = truncated_is_surrogate(
        t, torch.tensor(lpo), torch.tensor(inst.adv), torch.tensor(inst.mask), lo, hi, mode, **kw
    )
    J.backward()
    g = truncated_is_gradient(lp, lpo, inst.adv, inst.mask, lo, hi, mode, **kw)
    np.testing.assert_allclose(t.grad.numpy(), g, atol=1e-15)
    assert float(J.detach()) == pytest.approx(
        float(truncated_is_surrogate(lp, lpo, inst.adv, inst.mask, lo, hi, mode, **kw)),
        rel=1e-13,
    )
    if mode == "cispo":
        # without the stop-gradient the gradient would also flow through r inside the
        # unclipped range: d/dlogp [clip(r) A logp] = clip(r) A + 1[lo<r<hi] r A logp
        r = np.exp(lp - lpo)
        inside = (r > lo) & (r < hi) & inst.mask
        no_sg = g + np.where(inside, r * inst.adv * lp, 0.0) / inst.mask.sum()
        assert np.abs(t.grad.numpy() - no_sg).max() > 1e-3


def test_backends_match_numpy_float64(xp_case):
    inst = _Instance(3)
    lp, lpo = inst.logp(inst.theta), inst.logp(inst.theta_old)
    for mode in ("cispo", "ppo", "unified"):
        want_v = truncated_is_surrogate(lp, lpo, inst.adv_seq, inst.mask, 0.5, 1.5, mode)
        want_g = truncated_is_gradient(lp, lpo, inst.adv_seq, inst.mask, 0.5, 1.5, mode)
        args = [xp_case.asarray(a) for a in (lp, lpo, inst.adv_seq)]
        mask = inst.mask if xp_case.name == "numpy" else xp_case.asarray(inst.mask)
        v = truncated_is_surrogate(*args, mask, 0.5, 1.5, mode)
        g = truncated_is_gradient(*args, mask, 0.5, 1.5, mode)
        xp_case.check_output(v)
        xp_case.check_output(g)
        # float32: one exp of a difference of O(1) log-probabilities, products and a sum
        # of ~40 terms: relative error O(40 eps32) << rtol = 1e3 eps; atol for the zeros
        np.testing.assert_allclose(xp_case.to_numpy(v), want_v, rtol=xp_case.rtol)
        np.testing.assert_allclose(
            xp_case.to_numpy(g), want_g, rtol=xp_case.rtol, atol=xp_case.atol
        )


def test_masked_out_tokens_are_ignored_even_if_garbage():
    inst = _Instance(4)
    lp, lpo = inst.logp(inst.theta), inst.logp(inst.theta_old)
    lp_bad, lpo_bad, adv_bad = lp.copy(), lpo.copy(), inst.adv.copy()
    lp_bad[~inst.mask], lpo_bad[~inst.mask], adv_bad[~inst.mask] = np.nan, np.inf, np.nan
    for mode in ("cispo", "ppo", "unified"):
        a = truncated_is_surrogate(lp, lpo, inst.adv, inst.mask, LO, HI, mode)
        b = truncated_is_surrogate(lp_bad, lpo_bad, adv_bad, inst.mask, LO, HI, mode)
        assert float(a) == float(b)
        # the token-level mean equals the mean over the selected tokens only
        sub = truncated_is_surrogate(
            lp[inst.mask], lpo[inst.mask], inst.adv[inst.mask], None, LO, HI, mode
        )
        assert float(sub) == pytest.approx(float(a), rel=1e-13)
    torch = pytest.importorskip("torch")
    t = torch.tensor(lp_bad, requires_grad=True)
    J = truncated_is_surrogate(
        t,
        torch.tensor(lpo_bad),
        torch.tensor(adv_bad),
        torch.tensor(inst.mask.astype(np.float64)),
        LO,
        HI,
        "cispo",
    )
    J.backward()
    assert torch.isfinite(t.grad).all() and (t.grad[torch.tensor(~inst.mask)] == 0).all()


def test_per_sequence_advantages_broadcast():
    inst = _Instance(5)
    lp, lpo = inst.logp(inst.theta), inst.logp(inst.theta_old)
    for mode in ("cispo", "ppo", "unified"):
        a = truncated_is_gradient(lp, lpo, inst.adv_seq, inst.mask, LO, HI, mode)
        b = truncated_is_gradient(lp, lpo, inst.adv, inst.mask, LO, HI, mode)
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- bias/variance


def _exact_moments(theta, theta_old, f, cap, n, b):
    """Exact mean bias and trace variance of the truncated-IS estimator, by loops."""
    pi = np.exp(theta - theta.max())
    pi /= pi.sum()
    mu = np.exp(theta_old - theta_old.max())
    mu /= mu.sum()
    V = theta.size
    true = np.zeros(V)
    mean = np.zeros(V)
    second = 0.0
    for x in range(V):
        score = -pi.copy()
        score[x] += 1
        true += pi[x] * f[x] * score
        h = min(pi[x] / mu[x], cap) * (f[x] - b) * score
        mean += mu[x] * h
        second += mu[x] * h @ h
    return mean - true, (second - mean @ mean) / n, second


THETA = np.array([1.0, 0.0, -1.0, 0.5, -0.5])
THETA_OLD = np.array([-0.5, 0.5, 0.0, -1.0, 0.8])
REWARD = np.array([1.0, 0.0, 0.3, 2.0, -0.5])


def _check_study(study, n_sd):
    for k, c in enumerate(study.caps):
        bias_v, var, _ = _exact_moments(THETA, THETA_OLD, REWARD, c, study.n_samples, 0.2)
        np.testing.assert_allclose(study.exact_bias_vector[k], bias_v, atol=1e-14)
        assert study.exact_variance[k] == pytest.approx(var, rel=1e-12)
        # Monte Carlo vs exact: each coordinate of the mean within n_sd standard errors,
        # the variance within n_sd standard errors of its replication average (CLT)
        z = (study.mc_bias_vector[k] - bias_v) / study.mc_mean_se[k]
        assert np.all(np.abs(z) < n_sd), (c, z)
        assert abs(study.mc_variance[k] - var) < n_sd * study.mc_variance_se[k], c


def test_truncated_is_bias_variance_quick():
    caps = [0.5, 1.0, 2.0, 8.0, np.inf]
    study = truncated_is_bias_variance(
        THETA, THETA_OLD, REWARD, caps, n_samples=16, n_reps=1000, baseline=0.2, random_state=0
    )
    # 5 caps x 5 coordinates: 4.5 SE keeps the family-wise false alarm rate below 2e-4
    _check_study(study, 4.5)
    # exact facts: unbiased once the cap reaches max pi/mu; second moment non-decreasing
    # in the cap; the truncated estimator is biased below it
    assert 2.0 < study.max_weight < 8.0
    assert study.exact_bias[-1] < 1e-14 and study.exact_bias[-2] < 1e-14
    assert np.all(study.exact_bias[:2] > 1e-3)
    seconds = [_exact_moments(THETA, THETA_OLD, REWARD, c, 16, 0.2)[2] for c in caps]
    assert np.all(np.diff(seconds) >= -1e-15)
    df = study.to_frame()
    assert list(df["cap"]) == caps and np.allclose(df["exact_mse"], study.exact_mse)
    again = truncated_is_bias_variance(
        THETA, THETA_OLD, REWARD, caps, n_samples=16, n_reps=1000, baseline=0.2, random_state=0
    )
    np.testing.assert_array_equal(again.mc_variance, study.mc_variance)


@pytest.mark.slow
def test_truncated_is_bias_variance_full():
    caps = np.geomspace(0.25, 8.0, 11)
    study = truncated_is_bias_variance(
        THETA, THETA_OLD, REWARD, caps, n_samples=32, n_reps=40_000, baseline=0.2, random_state=1
    )
    _check_study(study, 5.0)
    # with 40k replications the MC bias norm resolves the exact one to a few percent where
    # it is not tiny
    big = study.exact_bias > 0.05
    np.testing.assert_allclose(study.mc_bias[big], study.exact_bias[big], rtol=0.05)


# --------------------------------------------------------------------------- bad input


def test_bad_inputs_are_refused():
    lp = np.log(np.full((2, 3), 0.3))
    a = np.ones(2)
    with pytest.raises(ValueError, match="ratio_min must be <= ratio_max"):
        truncated_is_surrogate(lp, lp, a, None, 1.5, 1.2)
    with pytest.raises(ValueError, match="ratio_min must be a number >= 0"):
        truncated_is_surrogate(lp, lp, a, None, -0.1, 1.2)
    with pytest.raises(ValueError, match="ratio_max must be > 0"):
        truncated_is_surrogate(lp, lp, a, None, 0.0, 0.0)
    with pytest.raises(ValueError, match="ratio_max"):
        truncated_is_gradient(lp, lp, a, None, 0.0, np.nan)
    with pytest.raises(ValueError, match="ratio_min must be finite"):
        truncated_is_surrogate(lp, lp, a, None, np.inf, np.inf)
    with pytest.raises(TypeError, match="ratio_max must be a real number"):
        truncated_is_surrogate(lp, lp, a, None, 0.0, "1.2")
    with pytest.raises(ValueError, match="mask_ratio_min must be <= mask_ratio_max"):
        truncated_is_surrogate(
            lp, lp, a, None, 0.0, 2.0, "unified", mask_ratio_min=1.3, mask_ratio_max=1.2
        )
    with pytest.raises(ValueError, match="mode"):
        truncated_is_surrogate(lp, lp, a, None, 0.8, 1.2, "grpo")
    with pytest.raises(ValueError, match="logp_old must have the shape"):
        truncated_is_surrogate(lp, lp[:1], a, None, 0.8, 1.2)
    with pytest.raises(ValueError, match="advantages must have the shape"):
        truncated_is_surrogate(lp, lp, np.ones(3), None, 0.8, 1.2)
    with pytest.raises(ValueError, match="mask must have the shape"):
        truncated_is_surrogate(lp, lp, a, np.ones((2, 2), bool), 0.8, 1.2)
    with pytest.raises(ValueError, match="0 and 1"):
        truncated_is_surrogate(lp, lp, a, np.full((2, 3), 0.5), 0.8, 1.2)
    with pytest.raises(ValueError, match="no token"):
        truncated_is_surrogate(lp, lp, a, np.zeros((2, 3), bool), 0.8, 1.2)
    bad = lp.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        truncated_is_gradient(bad, lp, a, None, 0.8, 1.2)
    with pytest.raises(ValueError, match="caps"):
        truncated_is_bias_variance(THETA, THETA_OLD, REWARD, [0.0, 1.0])
    with pytest.raises(ValueError, match="rewards must have the shape"):
        truncated_is_bias_variance(THETA, THETA_OLD, REWARD[:3], [1.0])
    with pytest.raises(ValueError, match="n_reps"):
        truncated_is_bias_variance(THETA, THETA_OLD, REWARD, [1.0], n_reps=1)


# --------------------------------------------------------------------------- properties

finite = st.floats(-3, 3, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 6)), elements=finite),
    st.integers(0, 2**32 - 1),
    st.floats(0, 1.5),
    st.floats(0.01, 2.0),
)
def test_gradients_match_autograd_of_naive_torch_objectives(logp, seed, lo, width):
    """Random inputs and bounds: the closed form equals torch autograd of the objectives
    written naively here (CISPO with an explicitly detached weight; PPO-clip)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    hi = lo + width
    logp_old = logp + rng.normal(0, 0.7, logp.shape)
    adv = rng.normal(size=logp.shape)
    mask = rng.random(logp.shape) < 0.8
    assume(mask.any())
    r = np.exp(logp - logp_old)
    # keep away from the kinks of clip and min, where the derivative is not defined
    assume(np.all(np.abs(r - lo) > 1e-6) and np.all(np.abs(r - hi) > 1e-6))
    m = torch.tensor(mask, dtype=torch.float64)
    n = m.sum()
    for mode in ("cispo", "ppo"):
        t = torch.tensor(logp, requires_grad=True)
        rt = torch.exp(t - torch.tensor(logp_old))
        a = torch.tensor(adv)
        if mode == "cispo":
            obj = (torch.clamp(rt, lo, hi).detach() * a * t * m).sum() / n
        else:
            obj = (torch.minimum(rt * a, torch.clamp(rt, lo, hi) * a) * m).sum() / n
        obj.backward()
        g = truncated_is_gradient(logp, logp_old, adv, mask, lo, hi, mode)
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_mixed_namespaces_are_refused():
    torch = pytest.importorskip("torch")
    lp = torch.zeros(2, 3, dtype=torch.float64)
    with pytest.raises(TypeError, match="mix numpy arrays and torch tensors"):
        truncated_is_surrogate(lp, lp, torch.ones(2), np.ones((2, 3), bool), 0.8, 1.2)
