"""MinimumMMDEstimator and the simulator protocol.

Oracles: a location model whose minimiser is known, an independent recomputation of the
objective from the fitted inputs and weights, and a counting wrapper for simulator calls.
"""

import warnings

import numpy as np
import pytest
from sklearn.base import clone

from statkit.mmd import (
    MinimumMMDEstimator,
    NonFiniteSimulationError,
    SeededSimulator,
    Simulator,
    weighted_mmd,
)


def _location(bounds=((-5.0, 5.0),)):
    return Simulator(
        lambda th, u: th[0] + u, input_dim=1, input_measure="gaussian", n_params=1, bounds=bounds
    )


def _observed(mu=1.5, n=400, seed=1):
    return mu + np.random.default_rng(seed).standard_normal((n, 1))


@pytest.mark.parametrize("estimator", ["weighted", "v", "u"])
def test_location_model_is_recovered(estimator):
    est = MinimumMMDEstimator(_location(), estimator=estimator, n_simulations=64, random_state=0)
    est.fit(_observed())
    # the minimum-MMD estimate of a location is close to the sample's centre (se ~ 0.05)
    assert est.theta_[0] == pytest.approx(1.5, abs=0.2)
    assert est.theta_.shape == (1,)
    assert est.mmd2_ == pytest.approx(est.objective(est.theta_))


def test_objective_equals_an_independent_recomputation():
    Y = _observed()
    est = MinimumMMDEstimator(_location(), n_simulations=32, random_state=3).fit(Y)
    for theta in ([0.0], [1.2], [3.0]):
        x = theta[0] + est.inputs_
        expected = weighted_mmd(x, Y, est.weights_, bandwidth=est.bandwidth_)
        assert est.objective(theta) == pytest.approx(expected, rel=1e-12)
    # and the weighted objective's minimum is below the objective elsewhere
    assert est.mmd2_ <= min(est.objective([t]) for t in np.linspace(-1, 4, 21)) + 1e-12


def test_same_seed_same_estimate_and_common_random_numbers():
    Y = _observed()
    a = MinimumMMDEstimator(_location(), n_simulations=32, random_state=7).fit(Y)
    b = MinimumMMDEstimator(_location(), n_simulations=32, random_state=7).fit(Y)
    np.testing.assert_array_equal(a.theta_, b.theta_)
    np.testing.assert_array_equal(a.inputs_, b.inputs_)
    # the objective is deterministic in theta: common random numbers
    assert a.objective([0.3]) == a.objective([0.3])


def test_simulator_calls_are_counted():
    calls = []

    def f(theta, u):
        calls.append(u.shape[0])
        return theta[0] + u

    sim = Simulator(f, input_dim=1, input_measure="gaussian", bounds=[(-5, 5)])
    est = MinimumMMDEstimator(sim, n_simulations=16, n_restarts=2, random_state=0).fit(_observed())
    assert est.n_evaluations_ == len(calls)
    assert est.n_simulator_calls_ == sum(calls) == 16 * len(calls)
    assert len(est.optimize_results_) == 3


def test_seeded_simulator_supports_v_and_u_but_not_weighted():
    seen = []

    def f(theta, m, rng):
        x = rng.standard_normal((m, 1))
        seen.append(x[0, 0])
        return theta[0] + x

    sim = SeededSimulator(f, n_params=1, bounds=[(-5, 5)])
    with pytest.raises(ValueError, match="SeededSimulator hides them"):
        MinimumMMDEstimator(sim, estimator="weighted").fit(_observed())
    est = MinimumMMDEstimator(sim, estimator="v", n_simulations=64, random_state=0).fit(_observed())
    assert est.theta_[0] == pytest.approx(1.5, abs=0.25)
    assert est.inputs_ is None and est.weights_ is None
    # common random numbers: every evaluation drew the same first noise value
    assert len(set(seen)) == 1


def test_bad_parameters_are_refused():
    Y = _observed()
    with pytest.raises(TypeError, match="wrap your callable"):
        MinimumMMDEstimator(lambda th, u: u).fit(Y)
    with pytest.raises(ValueError, match="estimator must be"):
        MinimumMMDEstimator(_location(), estimator="w").fit(Y)
    with pytest.raises(ValueError, match="n_simulations"):
        MinimumMMDEstimator(_location(), n_simulations=1).fit(Y)
    with pytest.raises(ValueError, match="optimizer"):
        MinimumMMDEstimator(_location(), optimizer="sgd").fit(Y)
    with pytest.raises(ValueError, match="theta0"):
        MinimumMMDEstimator(_location(bounds=None)).fit(Y)
    with pytest.raises(ValueError, match="low < high"):
        MinimumMMDEstimator(_location(), bounds=[(1, 0)]).fit(Y)
    with pytest.raises(ValueError, match="shape"):
        MinimumMMDEstimator(_location(), n_simulations=8).fit(
            np.random.default_rng(0).random((20, 2))
        )


def test_non_finite_simulations_become_infinite_objective_with_a_warning():
    def f(theta, u):
        return np.where(theta[0] > 3.0, np.nan, theta[0] + u)

    sim = Simulator(f, input_dim=1, input_measure="gaussian", bounds=[(-5, 5)])
    est = MinimumMMDEstimator(sim, n_simulations=16, n_restarts=3, random_state=0)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        est.fit(_observed())
    assert est.n_invalid_ > 0
    assert any("NaN/inf" in str(r.message) for r in rec)
    assert est.theta_[0] == pytest.approx(1.5, abs=0.3)
    bad = Simulator(lambda th, u: np.full(u.shape, np.nan), input_dim=1, bounds=[(0, 1)])
    with pytest.raises(NonFiniteSimulationError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        MinimumMMDEstimator(bad, n_simulations=8).fit(_observed())


def test_custom_optimizer_and_clone():
    def grid_search(fun, x0, bounds):
        grid = np.linspace(bounds[0][0], bounds[0][1], 101)
        return np.array([grid[np.argmin([fun(np.array([g])) for g in grid])]])

    est = MinimumMMDEstimator(_location(), n_simulations=32, optimizer=grid_search, random_state=0)
    est.fit(_observed())
    assert est.theta_[0] == pytest.approx(1.5, abs=0.2)
    assert est.n_evaluations_ == 101 + 1  # the grid, then the final evaluation at theta_
    fresh = clone(est)
    assert not hasattr(fresh, "theta_")
    assert fresh.get_params()["n_simulations"] == 32


def test_simulator_validation():
    sim = Simulator(lambda th, u: u[:, :1], input_dim=2, output_dim=1, n_params=1)
    with pytest.raises(ValueError, match="theta must have 1"):
        sim([1.0, 2.0], np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"u must have shape \(m, 2\)"):
        sim([1.0], np.zeros((3, 1)))
    with pytest.raises(ValueError, match="input_measure"):
        Simulator(lambda th, u: u, input_dim=1, input_measure="beta")
    u = sim.sample_inputs(1000, random_state=0)
    assert u.shape == (1000, 2) and 0 < u.min() and u.max() < 1
    np.testing.assert_array_equal(u, sim.sample_inputs(1000, random_state=0))
    broken = Simulator(lambda th, u: u[:2], input_dim=1)
    with pytest.raises(ValueError, match="m = 3 rows"):
        broken([0.0], np.zeros((3, 1)))
