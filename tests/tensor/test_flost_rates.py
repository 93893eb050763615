"""FLoST rate checks: registry, the instance generator, the quick sweeps (CI), full (slow)."""

import pytest

from statkit.simulation import get_check, list_checks

NAMES = ["flost-sampling-rate", "flost-time-length"]


def test_checks_are_registered():
    names = {c.name for c in list_checks()}
    assert set(NAMES) <= names
    assert all(get_check(n).predicted_exponent == -1.0 for n in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_quick_sweep_has_the_predicted_slope(name):
    result = get_check(name).run(quick=True, random_state=0, progress=False)
    assert result.passed, result.summary()


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_full_sweep_has_the_predicted_slope(name):
    result = get_check(name).run(random_state=0, progress=False)
    assert result.passed, result.summary()
