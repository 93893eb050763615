"""FLoST rate checks: registry, the instance generator, the quick sweeps (CI), full (slow)."""

import numpy as np
import pytest
import scipy.fft

from statkit.simulation import get_check, list_checks
from statkit.tensor._flost_rates import flost_instance

NAMES = ["flost-sampling-rate", "flost-time-length"]


def test_checks_are_registered():
    names = {c.name for c in list_checks()}
    assert set(NAMES) <= names
    assert all(get_check(n).predicted_exponent == -1.0 for n in NAMES)


def test_instance_follows_the_flost_model():
    rng = np.random.default_rng(0)
    X = flost_instance(12, 10, 64, 4, 2, 15, 0.3, rng)
    spec = scipy.fft.rfft(X, axis=-1, norm="ortho")
    ranks = [np.linalg.matrix_rank(spec[:, :, k], tol=1e-8) for k in range(4)]
    assert ranks == [2, 2, 2, 2]
    high = np.abs(spec[:, :, 4:]) > 1e-9
    assert high.sum() == 15
    assert not high[:, :, -1].any()  # no spike at the Nyquist bin (T even)


@pytest.mark.parametrize("name", NAMES)
def test_quick_sweep_has_the_predicted_slope(name):
    result = get_check(name).run(quick=True, random_state=0, progress=False)
    assert result.passed, result.summary()


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_full_sweep_has_the_predicted_slope(name):
    result = get_check(name).run(random_state=0, progress=False)
    assert result.passed, result.summary()
