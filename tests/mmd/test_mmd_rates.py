"""The MMD rate and level checks: registered, and their claims hold by simulation.

The quick variants run in CI; the full variants (the published numbers) are marked slow.
A check that FAILs here is a finding to report, never a reason to retune the check.
"""

import numpy as np
import pytest

from statkit.mmd import gaussian_mmd2, mmd
from statkit.mmd._mmd_rates import _truth
from statkit.simulation import get_check, list_checks

CHECKS = ("mmd-u-statistic", "mmd-v-statistic", "mmd-permutation-size")


def test_mmd_checks_are_registered():
    names = {c.name for c in list_checks()}
    assert set(CHECKS) <= names


def test_truth_is_the_closed_form_and_the_u_statistic_is_unbiased_for_it():
    # closed form, by hand: d = 2, unit covariances, bandwidth 1, shift (1, 0)
    assert _truth() == pytest.approx(2 / 3 - 2 / 3 * np.exp(-1 / 6), rel=1e-14)
    assert _truth() == gaussian_mmd2([0, 0], 1.0, [1, 0], 1.0, 1.0)
    # independent oracle for the check's target: the mean of many U-statistics
    rng = np.random.default_rng(3)
    shift = np.array([1.0, 0.0])
    est = [
        mmd(rng.standard_normal((64, 2)), rng.standard_normal((64, 2)) + shift, bandwidth=1.0)
        for _ in range(400)
    ]
    se = np.std(est, ddof=1) / np.sqrt(len(est))
    assert abs(np.mean(est) - _truth()) < 4 * se


@pytest.mark.parametrize("name", ["mmd-u-statistic", "mmd-v-statistic"])
def test_quick_error_slope_contains_minus_half(name):
    result = get_check(name).run(quick=True, random_state=0, progress=False)
    assert result.predicted_exponent == -0.5
    assert result.passed, result.summary()
    assert -0.75 < result.slope < -0.35


def test_quick_permutation_test_has_size_alpha():
    result = get_check("mmd-permutation-size").run(
        n_reps=200, quick=True, random_state=0, progress=False
    )
    assert result.passed, result.summary()


V_BIAS_FAIL = pytest.mark.xfail(
    strict=True,
    reason=(
        "measured: slope -0.553, 95% CI [-0.585, -0.520] over m = 32..4096 (seed 0); the "
        "V-statistic's O(1/m) bias steepens the pre-asymptotic slope (docs/user_guide/mmd.rst)"
    ),
)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "mmd-u-statistic",
        pytest.param("mmd-v-statistic", marks=V_BIAS_FAIL),
        "mmd-permutation-size",
    ],
)
def test_full_check_passes(name):
    result = get_check(name).run(random_state=0, n_jobs=-1, progress=False)
    assert result.passed, result.summary()
