"""Black-box privacy audit (issue 6, part 6).

The audited release is the mean of n = 100 records clipped to [0, 1] (replace-one
sensitivity 1/n), made (1, 1e-5)-DP by the analytic Gaussian mechanism. The neighbouring
pair differs in one record, 0 in D_prime and 1 in D, so the exact means differ by the full
sensitivity. The statistic is the release itself, the likelihood-ratio optimal statistic
for a 1-D Gaussian; the thresholds are the likelihood-ratio regions
{x > c(eps')} for the claimed sigma, at a grid of eps' fixed in advance.

Oracles: the exact privacy curve of the broken mechanism (noise sd halved) gives its true
epsilon at delta = 1e-5, 2.155, which any valid lower bound must not exceed; counts and
Clopper-Pearson bounds are recomputed directly with scipy.stats.beta.
"""

import math

import numpy as np
import pytest
from scipy import optimize, stats

from statkit.privacy._audit import PrivacyAuditResult, audit_epsilon, gaussian_lr_thresholds
from statkit.privacy._mechanisms import GaussianMechanism, privacy_loss_delta

EPS, DELTA, N_RECORDS = 1.0, 1e-5, 100
EPS_GRID = np.linspace(0.1, 1.0, 10)


def _datasets():
    x = np.random.default_rng(0).uniform(0, 1, N_RECORDS)
    D, D_prime = x.copy(), x.copy()
    D[0], D_prime[0] = 1.0, 0.0
    return D, D_prime


def _mean(data):
    return float(np.clip(data, 0, 1).mean())


MECH = GaussianMechanism(EPS, DELTA, sensitivity=1 / N_RECORDS)


def _correct(data, rng, size):
    return MECH.release(np.full(size, _mean(data)), rng)


def _broken(data, rng, size):
    """The same release with the noise sd halved: claims (1, 1e-5), is about (2.15, 1e-5)."""
    return _mean(data) + rng.normal(0.0, MECH.sigma / 2, size)


def _thresholds():
    D, D_prime = _datasets()
    return gaussian_lr_thresholds(_mean(D), _mean(D_prime), MECH.sigma, EPS_GRID)


def _true_epsilon(sigma):
    return optimize.brentq(
        lambda e: privacy_loss_delta(sigma, 1 / N_RECORDS, e) - DELTA, 1e-6, 100, xtol=1e-12
    )


def _audit(mech, n_trials, seed):
    D, D_prime = _datasets()
    return audit_epsilon(
        mech,
        D,
        D_prime,
        None,
        _thresholds(),
        n_trials,
        DELTA,
        alpha=0.05,
        random_state=seed,
        claimed_epsilon=EPS,
        vectorized=True,
    )


def test_true_epsilon_of_the_mechanisms():
    assert _true_epsilon(MECH.sigma) == pytest.approx(EPS, rel=1e-8)
    assert _true_epsilon(MECH.sigma / 2) == pytest.approx(2.1547, abs=1e-3)


def test_correct_mechanism_passes_the_audit():
    res = _audit(_correct, 200_000, seed=1)
    assert isinstance(res, PrivacyAuditResult)
    assert res.epsilon_lb <= EPS and res.passed
    assert res.epsilon_lb > 0.4  # and the audit has power: not a vacuous bound


def test_broken_mechanism_is_caught():
    res = _audit(_broken, 200_000, seed=2)
    assert res.epsilon_lb > EPS and res.passed is False
    assert res.epsilon_lb <= _true_epsilon(MECH.sigma / 2)  # still a valid lower bound
    text = str(res.summary())
    assert "claim refuted" in text and "epsilon lower bound" in text


@pytest.mark.slow
def test_audit_with_many_trials():
    ok = _audit(_correct, 4_000_000, seed=3)
    assert 0.7 < ok.epsilon_lb <= EPS
    bad = _audit(_broken, 4_000_000, seed=4)
    assert 1.5 < bad.epsilon_lb <= _true_epsilon(MECH.sigma / 2)


def test_one_run_at_a_time_matches_the_vectorised_audit():
    D, D_prime = _datasets()
    thr = _thresholds()

    def one(data, rng):
        return MECH.release(_mean(data), rng)

    a = audit_epsilon(one, D, D_prime, None, thr, 20_000, DELTA, random_state=5)
    b = audit_epsilon(_correct, D, D_prime, None, thr, 20_000, DELTA, random_state=5,
                      vectorized=True)  # fmt: skip
    assert a.passed is None and a.epsilon_lb <= EPS
    np.testing.assert_array_equal(a.table[["tp", "fp"]], b.table[["tp", "fp"]])
    np.testing.assert_allclose(a.table["eps_lb"], b.table["eps_lb"], rtol=1e-12)
    # a statistic of the output: the negated release with negated thresholds and swapped
    # datasets is the same audit, mirrored
    c = audit_epsilon(one, D_prime, D, lambda x: -x, -thr, 20_000, DELTA, random_state=5)
    assert c.epsilon_lb <= EPS


def test_counts_and_bounds_against_a_direct_computation():
    D, D_prime = 0.3, 0.0  # the "datasets" are the exact values

    def mech(data, rng, size):
        return data + rng.uniform(0, 1, size)

    thr = np.array([0.1, 0.5, 0.9, 1.2])
    n, alpha, delta = 5_000, 0.1, 1e-3
    res = audit_epsilon(mech, D, D_prime, None, thr, n, delta, alpha, 9, vectorized=True)
    rng = np.random.default_rng(9)
    s1, s0 = mech(D, rng, n), mech(D_prime, rng, n)
    a = alpha / (2 * thr.size)
    assert res.level_each == pytest.approx(1 - a)
    best = -math.inf
    for row, c in zip(res.table.itertuples(), thr, strict=True):
        k1, k0 = int((s1 > c).sum()), int((s0 > c).sum())
        assert (row.tp, row.fp) == (k1, k0)
        lo = stats.beta.ppf(a, k1, n - k1 + 1) if k1 else 0.0
        hi = stats.beta.ppf(1 - a, k0 + 1, n - k0) if k0 < n else 1.0
        assert row.tpr_lo == pytest.approx(lo, rel=1e-12)
        assert row.fpr_hi == pytest.approx(hi, rel=1e-12)
        cands = [
            math.log((lo - delta) / hi) if lo > delta else -math.inf,
            math.log((1 - hi - delta) / (1 - lo)) if 1 - hi > delta else -math.inf,
        ]
        assert row.eps_lb == pytest.approx(max(cands), rel=1e-12)
        best = max(best, max(cands))
    assert res.epsilon_lb == pytest.approx(max(best, 0.0))
    # U(0.3, 1.3) vs U(0, 1): the region x > 1 (TPR 0.3, FPR 0) and the complement
    # x <= 0.3 (TNR 0.3, FNR 0) show that the true epsilon is infinite
    assert res.best_threshold in (0.1, 1.2) and res.epsilon_lb > 3
    assert (res.table["eps_lb"].iloc[[0, 3]] > 3).all()
    assert (res.table["eps_lb"].iloc[[1, 2]] < 2).all()  # regions with finite likelihood ratio


def test_lr_thresholds_are_where_the_log_likelihood_ratio_equals_epsilon():
    eps = np.array([-0.5, 0.0, 0.3, 2.0])
    c = gaussian_lr_thresholds(2.0, 1.5, 0.8, eps)
    llr = stats.norm.logpdf(c, 2.0, 0.8) - stats.norm.logpdf(c, 1.5, 0.8)
    np.testing.assert_allclose(llr, eps, atol=1e-12)
    # the region {x > c(eps)} attains delta(eps) exactly (Balle & Wang's optimal event)
    for e, ci in zip(eps[1:], c[1:], strict=True):
        p, q = stats.norm.sf(ci, 2.0, 0.8), stats.norm.sf(ci, 1.5, 0.8)
        assert p - math.exp(e) * q == pytest.approx(privacy_loss_delta(0.8, 0.5, e), rel=1e-9)
    with pytest.raises(ValueError, match="larger than value_D_prime"):
        gaussian_lr_thresholds(1.0, 1.0, 1.0, 0.5)
    with pytest.raises(ValueError, match="sigma"):
        gaussian_lr_thresholds(1.0, 0.0, 0.0, 0.5)


def test_summary_and_repr():
    res = _audit(_correct, 10_000, seed=6)
    s = res.summary()
    text = str(s)
    assert "Privacy audit" in text and "Bonferroni over 20" in text
    assert "consistent with the claim" in text
    assert "<table>" in s._repr_html_()
    assert "epsilon_lb=" in repr(res)
    assert list(res.table.columns) == [
        "threshold", "tp", "fp", "tpr_lo", "fpr_hi", "eps_point", "eps_lb"
    ]  # fmt: skip


def test_bad_input_raises():
    D, D_prime = _datasets()
    thr = _thresholds()

    def run(**kw):
        args = dict(mechanism_fn=_correct, D=D, D_prime=D_prime, statistic=None,
                    thresholds=thr, n_trials=10, delta=DELTA, vectorized=True)  # fmt: skip
        args.update(kw)
        return audit_epsilon(**args)

    with pytest.raises(TypeError, match="mechanism_fn"):
        run(mechanism_fn=3)
    with pytest.raises(TypeError, match="statistic"):
        run(statistic="mean")
    for bad in ([], [0.5, math.nan], [[0.5]]):
        with pytest.raises(ValueError, match="thresholds"):
            run(thresholds=bad)
    with pytest.raises(ValueError, match="n_trials"):
        run(n_trials=0)
    for d in (-0.1, 1.0):
        with pytest.raises(ValueError, match="delta"):
            run(delta=d)
    for a in (0.0, 1.0):
        with pytest.raises(ValueError, match="alpha"):
            run(alpha=a)
    with pytest.raises(ValueError, match="claimed_epsilon"):
        run(claimed_epsilon=-1.0)
    with pytest.raises(ValueError, match=r"must have shape \(10,\)"):
        run(mechanism_fn=lambda d, rng, size: np.zeros((size, 2)))
    with pytest.raises(ValueError, match="must be a scalar"):
        run(mechanism_fn=lambda d, rng: np.zeros(2), vectorized=False)
    with pytest.raises(ValueError, match="NaN or inf"):
        run(mechanism_fn=lambda d, rng, size: np.full(size, math.nan))
