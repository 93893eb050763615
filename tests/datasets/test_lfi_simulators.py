"""The benchmark simulators of statkit.datasets, against oracles independent of the code.

g-and-k: its Gaussian special case, its median, a value computed by hand, monotonicity
and a KS test; two moons: the model inverted from its output; M/G/1: a naive
per-simulation loop through the Lindley recursion and the two exact limits of the
arrival rate; MA(2): the closed-form autocovariances.
"""

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from statkit.datasets import (
    g_and_k_quantile,
    g_and_k_simulator,
    ma2_simulator,
    mg1_queue_simulator,
    two_moons_simulator,
)
from statkit.mmd import Simulator

FACTORIES = {
    "g-and-k-exp": lambda: g_and_k_simulator(),
    "g-and-k-identity-3d": lambda: g_and_k_simulator(dim=3, k_parametrization="identity"),
    "two-moons": two_moons_simulator,
    "mg1": mg1_queue_simulator,
    "ma2": ma2_simulator,
}

# (input_dim, input_measure, output_dim, n_params, true_theta)
LAYOUT = {
    "g-and-k-exp": (1, "uniform", 1, 4, (3.0, 1.0, 0.1, 0.1)),
    "g-and-k-identity-3d": (3, "uniform", 3, 4, (3.0, 1.0, 0.1, 0.1)),
    "two-moons": (2, "uniform", 2, 2, (0.5, 0.5)),
    "mg1": (10, "uniform", 5, 3, (1.0, 5.0, 0.2)),
    "ma2": (12, "gaussian", 10, 2, (0.6, 0.2)),
}


# --------------------------------------------------------------------------- all models


@pytest.mark.parametrize("key", FACTORIES)
def test_layout_and_metadata(key):
    sim = FACTORIES[key]()
    input_dim, measure, output_dim, n_params, true_theta = LAYOUT[key]
    assert isinstance(sim, Simulator)
    assert sim.input_dim == input_dim
    assert sim.input_measure == measure
    assert sim.output_dim == output_dim
    assert sim.n_params == n_params
    assert len(sim.param_names) == n_params
    assert len(sim.bounds) == n_params
    assert sim.name
    np.testing.assert_array_equal(sim.true_theta, true_theta)
    for t, (lo, hi) in zip(sim.true_theta, sim.bounds, strict=True):
        assert lo < t < hi
    x, u = sim.simulate(sim.true_theta, 7, random_state=0)
    assert x.shape == (7, output_dim)
    assert u.shape == (7, input_dim)


@pytest.mark.parametrize("key", FACTORIES)
def test_same_seed_same_sample_and_rows_are_independent_simulations(key):
    sim = FACTORIES[key]()
    x1, u1 = sim.simulate(sim.true_theta, 50, random_state=0)
    x2, u2 = sim.simulate(sim.true_theta, 50, random_state=0)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(u1, u2)
    x3, _ = sim.simulate(sim.true_theta, 50, random_state=1)
    assert not np.array_equal(x1, x3)
    # row i of x depends on row i of u only: permuting / subsetting rows commutes
    perm = np.random.default_rng(0).permutation(50)
    np.testing.assert_array_equal(sim(sim.true_theta, u1[perm]), x1[perm])
    np.testing.assert_array_equal(sim(sim.true_theta, u1[:3]), x1[:3])


@pytest.mark.parametrize("key", FACTORIES)
def test_finite_on_the_corners_of_the_bounds_box_at_extreme_inputs(key):
    sim = FACTORIES[key]()
    if sim.input_measure == "uniform":
        extremes = [np.nextafter(0.0, 1.0), 0.5, 1.0 - 2.0**-53]  # the range of rng.random
    else:
        extremes = [-8.0, 0.0, 8.0]
    rng = np.random.default_rng(0)
    constant_rows = np.repeat(np.array(extremes)[:, None], sim.input_dim, axis=1)
    u = np.vstack([constant_rows, rng.choice(extremes, size=(200, sim.input_dim))])
    for corner in itertools.product(*sim.bounds):
        sim(corner, u)  # raises NonFiniteSimulationError on NaN / inf


# --------------------------------------------------------------------------- g-and-k


def test_bad_k_parametrization_is_refused():
    for bad in ("log", "EXP", None, 1):
        with pytest.raises(ValueError, match="k_parametrization"):
            g_and_k_quantile(0.5, (3, 1, 0.1, 0.1), k_parametrization=bad)
        with pytest.raises(ValueError, match="k_parametrization"):
            g_and_k_simulator(k_parametrization=bad)


def test_g_and_k_bad_dim_and_theta_length():
    with pytest.raises(ValueError, match="dim"):
        g_and_k_simulator(dim=0)
    with pytest.raises(ValueError, match="4 entries"):
        g_and_k_quantile(0.5, (3, 1, 0.1))


def test_g_and_k_param_names_follow_the_parametrization():
    assert g_and_k_simulator().param_names[-1] == "log_k"
    assert g_and_k_simulator(k_parametrization="identity").param_names[-1] == "k"


def test_g_and_k_at_g0_k0_is_the_normal_quantile():
    u = np.linspace(1e-6, 1 - 1e-6, 1001)
    for a, b in [(3.0, 1.0), (-2.0, 0.25), (0.0, 7.5)]:
        x = g_and_k_quantile(u, (a, b, 0.0, 0.0), k_parametrization="identity")
        np.testing.assert_allclose(x, stats.norm(a, b).ppf(u), rtol=1e-13, atol=1e-13)


def test_exp_and_identity_agree_through_k_equals_exp_theta4():
    u = np.linspace(1e-6, 1 - 1e-6, 1001)
    for a, b, g, k in [(3.0, 1.0, 0.0, 0.3), (3.0, 1.0, 0.1, 0.3), (1.0, 2.0, -2.0, 1.7)]:
        x_exp = g_and_k_quantile(u, (a, b, g, math.log(k)), k_parametrization="exp")
        x_id = g_and_k_quantile(u, (a, b, g, k), k_parametrization="identity")
        np.testing.assert_allclose(x_exp, x_id, rtol=1e-13)
    # and the default is "exp": theta4 = 0.1 means k = exp(0.1), not 0.1
    theta = (3.0, 1.0, 0.1, 0.1)
    np.testing.assert_array_equal(
        g_and_k_quantile(u, theta), g_and_k_quantile(u, theta, k_parametrization="exp")
    )
    assert not np.allclose(
        g_and_k_quantile(u, theta), g_and_k_quantile(u, theta, k_parametrization="identity")
    )


@pytest.mark.parametrize("k_parametrization", ["exp", "identity"])
def test_g_and_k_median_is_a(k_parametrization):
    for theta in [(3.0, 1.0, 0.1, 0.1), (-1.5, 4.0, -3.0, 2.0), (7.0, 0.1, 4.5, 0.0)]:
        assert g_and_k_quantile(0.5, theta, k_parametrization) == theta[0]


def test_g_and_k_value_by_hand():
    # u = Phi(1), so z = 1 and (1 + z^2)^k z = 2^k; tanh(g/2) = (e^g - 1) / (e^g + 1)
    u = stats.norm.cdf(1.0)
    th = 1 + 0.8 * (math.exp(0.1) - 1) / (math.exp(0.1) + 1)  # 1 + c tanh(0.1 / 2)
    identity = g_and_k_quantile(u, (3, 1, 0.1, 0.1), "identity")
    assert identity == pytest.approx(3 + 1 * th * 2**0.1, rel=1e-14)
    exp = g_and_k_quantile(u, (3, 1, 0.1, 0.1), "exp")
    assert exp == pytest.approx(3 + 1 * th * 2 ** math.exp(0.1), rel=1e-14)
    # u = Phi(-2), theta = (0, 2, -1, 0.5) identity: z = -2, tanh(1) = (e^2 - 1) / (e^2 + 1)
    u = stats.norm.cdf(-2.0)
    value = 0 + 2 * (1 + 0.8 * (math.exp(2) - 1) / (math.exp(2) + 1)) * 5**0.5 * -2
    assert g_and_k_quantile(u, (0, 2, -1, 0.5), "identity") == pytest.approx(value, rel=1e-13)


@pytest.mark.parametrize("k_parametrization", ["exp", "identity"])
def test_g_and_k_is_increasing_in_u_at_the_paper_theta(k_parametrization):
    u = np.linspace(1e-9, 1 - 1e-9, 20001)
    x = g_and_k_quantile(u, (3.0, 1.0, 0.1, 0.1), k_parametrization)
    assert np.all(np.diff(x) > 0)


def test_simulated_g0_k0_sample_is_normal_ks():
    sim = g_and_k_simulator(k_parametrization="identity")
    x, _ = sim.simulate((3.0, 1.5, 0.0, 0.0), 4000, random_state=0)
    assert stats.kstest(x[:, 0], stats.norm(3.0, 1.5).cdf).pvalue > 1e-3


def test_g_and_k_coordinates_are_the_univariate_model_on_each_column():
    sim = g_and_k_simulator(dim=3)
    x, u = sim.simulate(sim.true_theta, 20, random_state=0)
    for d in range(3):
        np.testing.assert_array_equal(x[:, d], g_and_k_simulator()(sim.true_theta, u[:, [d]])[:, 0])


# --------------------------------------------------------------------------- two moons


def test_two_moons_inverted_from_its_output():
    sim = two_moons_simulator()
    for theta in [(0.5, 0.5), (-0.3, 0.8), (0.9, -0.9)]:
        t1, t2 = theta
        x, u = sim.simulate(theta, 2000, random_state=0)
        p = x - np.array([-abs(t1 + t2) / math.sqrt(2), (-t1 + t2) / math.sqrt(2)])
        r = np.hypot(p[:, 0] - 0.25, p[:, 1])
        a = np.arctan2(p[:, 1], p[:, 0] - 0.25)
        # by construction of the model: a = pi (u1 - 1/2), r = 0.1 + 0.01 Phi^-1(u2)
        np.testing.assert_allclose(a, np.pi * (u[:, 0] - 0.5), atol=1e-9)
        np.testing.assert_allclose(r, 0.1 + 0.01 * stats.norm.ppf(u[:, 1]), rtol=1e-9)
        assert stats.kstest(r, stats.norm(0.1, 0.01).cdf).pvalue > 1e-3
        assert stats.kstest(a, stats.uniform(-np.pi / 2, np.pi).cdf).pvalue > 1e-3


# --------------------------------------------------------------------------- M/G/1


def _mg1_lindley(theta, u_row, n):
    """One simulation, scalar arithmetic: waiting times by the Lindley recursion."""
    lo, hi, rate = theta
    out, prev_departure, arrival, wait, prev_service = [], 0.0, 0.0, 0.0, 0.0
    for i in range(n):
        service = lo + (hi - lo) * u_row[i]
        gap = -math.log(u_row[n + i]) / rate
        arrival += gap
        wait = 0.0 if i == 0 else max(0.0, wait + prev_service - gap)
        departure = arrival + wait + service
        out.append(departure - prev_departure)
        prev_departure, prev_service = departure, service
    return out


def test_mg1_matches_a_naive_lindley_loop():
    for n in (1, 5, 8):
        sim = mg1_queue_simulator(n_customers=n)
        for theta in [(1.0, 5.0, 0.2), (2.0, 3.0, 0.9), (0.5, 8.0, 0.05)]:
            x, u = sim.simulate(theta, 25, random_state=3)
            oracle = np.array([_mg1_lindley(theta, row, n) for row in u])
            np.testing.assert_allclose(x, oracle, rtol=1e-12, atol=1e-12)


def test_mg1_limits_of_the_arrival_rate():
    sim = mg1_queue_simulator(n_customers=5)
    u = sim.sample_inputs(200, random_state=0)
    u[:, 5:] = np.clip(u[:, 5:], 1e-3, 1 - 1e-3)  # keep the gaps w = -log(u') / rate moderate
    s = 1.0 + (5.0 - 1.0) * u[:, :5]
    # rate 1e6: everyone has arrived before the first departure, so after the first
    # customer the server is never idle and y_i = s_i exactly
    fast = sim((1.0, 5.0, 1e6), u)
    np.testing.assert_allclose(fast[:, 1:], s[:, 1:], rtol=1e-12)
    np.testing.assert_allclose(fast[:, 0], s[:, 0] - np.log(u[:, 5]) / 1e6, rtol=1e-12)
    # rate 1e-4: every gap w_i >= 10 exceeds the previous service time (<= 5), so each
    # customer finds the queue empty and y_i = w_i + s_i - s_{i-1} (s_0 = 0)
    rate = 1e-4
    w = -np.log(u[:, 5:]) / rate
    assert np.all(w > 5.0)
    slow = sim((1.0, 5.0, rate), u)
    s_prev = np.column_stack([np.zeros(200), s[:, :-1]])
    np.testing.assert_allclose(slow, w + s - s_prev, rtol=1e-10)


def test_mg1_input_layout_service_first():
    sim = mg1_queue_simulator(n_customers=3)
    u = np.full((1, 6), 0.5)
    u[0, 3:] = math.exp(-1.0)  # gaps w = 1 / rate = 10
    # service U(1, 2) at u = 0.5: s = 1.5; queue always empty: y = (11.5, 10, 10)
    np.testing.assert_allclose(sim((1.0, 2.0, 0.1), u), [[11.5, 10.0, 10.0]], rtol=1e-14)
    with pytest.raises(ValueError, match="n_customers"):
        mg1_queue_simulator(n_customers=0)


# --------------------------------------------------------------------------- MA(2)


def test_ma2_autocovariances():
    sim = ma2_simulator(n_obs=10)
    m = 20000
    for t1, t2 in [(0.6, 0.2), (-1.2, 0.5), (0.3, -0.7)]:
        x, _ = sim.simulate((t1, t2), m, random_state=5)
        gamma = {0: 1 + t1**2 + t2**2, 1: t1 + t1 * t2, 2: t2, 3: 0.0}
        for h, truth in gamma.items():
            per_row = np.mean(x[:, : 10 - h] * x[:, h:], axis=1)  # mean zero: no centring
            se = per_row.std(ddof=1) / math.sqrt(m)
            assert abs(per_row.mean() - truth) < 4.5 * se, (t1, t2, h)


def test_ma2_input_layout():
    sim = ma2_simulator(n_obs=4)
    assert sim.input_dim == 6
    # u = (w_-1, w_0, w_1, ..., w_4): a single unit innovation at w_0 shows as
    # x_1 = theta1, x_2 = theta2, nothing later
    u = np.zeros((1, 6))
    u[0, 1] = 1.0
    np.testing.assert_allclose(sim((0.6, 0.2), u), [[0.6, 0.2, 0.0, 0.0]])
    u = np.zeros((1, 6))
    u[0, 0] = 1.0  # w_-1 reaches x_1 only, through theta2
    np.testing.assert_allclose(sim((0.6, 0.2), u), [[0.2, 0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="n_obs"):
        ma2_simulator(n_obs=0)
