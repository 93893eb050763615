"""Seeding, scheduling and error handling of the rate-check engine."""

import functools

import numpy as np
import pytest

from statkit.simulation import RateCheck, SimulationError, get_check
from statkit.simulation._builtin import sample_mean_error
from statkit.simulation._runner import replicate_rng


def uniform_draw(x, rng):
    return float(rng.random())


def power_law(x, rng, *, exponent=-1.0, noise=0.1):
    return float(x**exponent * np.exp(noise * rng.standard_normal()))


def raise_at(x, rng, *, bad_x):
    if x == bad_x:
        raise ArithmeticError("boom")
    return 1.0


def _check(simulate=uniform_draw, **kwargs):
    kwargs.setdefault("grid", [1, 2, 4, 8])
    kwargs.setdefault("predicted_exponent", -1.0)
    kwargs.setdefault("n_reps", 5)
    return RateCheck("engine-test", simulate, **kwargs)


@pytest.mark.parametrize("random_state", [0, 7, 2**40 + 3])
@pytest.mark.parametrize(("i", "r", "n_grid", "n_reps"), [(0, 0, 1, 1), (2, 5, 3, 6), (7, 0, 9, 4)])
def test_seed_scheme_equals_nested_spawn(random_state, i, r, n_grid, n_reps):
    direct = np.random.SeedSequence(random_state, spawn_key=(i, r))
    nested = np.random.SeedSequence(random_state).spawn(n_grid)[i].spawn(n_reps)[r]
    assert direct.spawn_key == nested.spawn_key == (i, r)
    assert np.array_equal(direct.generate_state(16), nested.generate_state(16))
    a = replicate_rng(random_state, i, r).standard_normal(10)
    b = np.random.default_rng(nested).standard_normal(10)
    assert np.array_equal(a, b)


def test_run_uses_the_documented_seeds():
    grid = [1, 2, 4, 8]
    result = _check(grid=grid, n_reps=3, aggregate="mean").run(random_state=11, progress=False)
    # spawn() is stateful: each child spawns its replicates exactly once
    grandchildren = [child.spawn(3) for child in np.random.SeedSequence(11).spawn(len(grid))]
    expected = [
        np.random.default_rng(grandchildren[i][r]).random()
        for i in range(len(grid))
        for r in range(3)
    ]
    assert np.array_equal(result.data["value"].to_numpy(), np.array(expected))
    assert list(result.data["grid_index"]) == [i for i in range(4) for _ in range(3)]
    assert list(result.data["rep"]) == [0, 1, 2] * 4
    assert list(result.data.columns) == ["check", "random_state", "grid_index", "x", "rep", "value"]


def test_same_numbers_for_one_and_two_jobs():
    check = get_check("clt-sample-mean")
    one = check.run(n_reps=12, quick=True, n_jobs=1, progress=False)
    two = check.run(n_reps=12, quick=True, n_jobs=2, progress=False)
    assert np.array_equal(one.data["value"].to_numpy(), two.data["value"].to_numpy())
    assert one.data[["grid_index", "rep"]].equals(two.data[["grid_index", "rep"]])
    assert one.slope == two.slope


def test_raising_n_reps_keeps_earlier_replicates():
    check = _check(functools.partial(power_law, exponent=-0.5))
    small = check.run(n_reps=4, progress=False).data
    large = check.run(n_reps=9, progress=False).data
    kept = large[large["rep"] < 4].reset_index(drop=True)
    assert np.array_equal(kept["value"].to_numpy(), small["value"].to_numpy())


def test_different_seeds_give_different_numbers():
    check = _check()
    a = check.run(random_state=0, progress=False).data["value"].to_numpy()
    b = check.run(random_state=1, progress=False).data["value"].to_numpy()
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_simulate_error_names_grid_value_and_replicate(n_jobs):
    check = _check(functools.partial(raise_at, bad_x=4), variable="m")
    with pytest.raises(
        SimulationError, match=r"ArithmeticError at m=4 \(grid index 2\), replicate \d"
    ):
        check.run(n_jobs=n_jobs, progress=False)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_value_is_an_error(bad):
    def simulate(x, rng):
        return bad if x == 8 else 1.0

    with pytest.raises(
        ValueError, match=r"simulate returned .* at n=8 \(grid index 3\), replicate 0"
    ):
        _check(simulate).run(progress=False)


@pytest.mark.parametrize("bad", [np.ones(2), "1.0x", None, 1 + 2j])
def test_non_scalar_value_is_a_type_error(bad):
    with pytest.raises(TypeError, match=r"simulate must return .* at n=1"):
        _check(lambda x, rng: bad).run(progress=False)


def test_numpy_scalar_and_one_element_array_are_accepted():
    result = _check(lambda x, rng: np.array([x**-1.0])).run(progress=False)
    assert np.allclose(result.table["aggregate"], [1, 0.5, 0.25, 0.125])


def test_simulate_receives_grid_values_as_given():
    seen = []

    def simulate(x, rng):
        seen.append(x)
        return 1.0 / x

    _check(simulate, grid=[2, 4, 8], n_reps=2).run(progress=False)
    assert all(type(x) is int for x in seen)
    _check(simulate, grid=np.array([2.5, 4.0, 8.0]), n_reps=2).run(progress=False)
    assert type(seen[-1]) is float


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"random_state": None}, ValueError, "random_state=None is not allowed"),
        ({"random_state": -1}, ValueError, "random_state"),
        ({"random_state": 1.5}, TypeError, "random_state"),
        ({"random_state": np.random.default_rng(0)}, TypeError, "random_state"),
        ({"n_reps": 1}, ValueError, "n_reps"),
        ({"n_reps": 2.0}, TypeError, "n_reps"),
        ({"n_jobs": 0}, ValueError, "n_jobs"),
        ({"n_jobs": "2"}, TypeError, "n_jobs"),
        ({"progress": "yes"}, TypeError, "progress"),
    ],
)
def test_run_argument_validation(kwargs, error, match):
    with pytest.raises(error, match=match):
        _check().run(**kwargs)


def test_quick_uses_quick_grid_and_reps():
    check = _check(grid=[1, 2, 4, 8, 16], quick_grid=[1, 2, 4], n_reps=6, quick_reps=3)
    quick = check.run(quick=True, progress=False)
    assert quick.grid == (1, 2, 4) and quick.n_reps == 3 and len(quick.data) == 9 and quick.quick
    full = check.run(progress=False)
    assert full.grid == (1, 2, 4, 8, 16) and full.n_reps == 6 and len(full.data) == 30


def test_builtin_simulate_is_exact_error_of_the_mean():
    rng = np.random.default_rng(3)
    expected = np.random.default_rng(3).exponential(1.0, size=50).mean() - 1.0
    assert sample_mean_error(50, rng) == expected


def test_progress_bar_can_be_forced_on(capsys):
    _check().run(progress=True)
    assert "engine-test" in capsys.readouterr().err
