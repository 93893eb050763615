"""Robust TT recovery instances (statkit.datasets._robust_tt).

Oracles independent of the generator's code path: the operator's stored matrix applied to
the returned tensor; ranks of the unfoldings by ``numpy.linalg.matrix_rank``; the exact
outlier count; Kolmogorov-Smirnov tests of the outlier values against U(-1, 1) and
U(0, 1); the sample standard deviation of the noise.
"""

import math

import numpy as np
import pytest
from scipy import stats

from statkit.datasets._robust_tt import TTRecoveryInstance, make_tt_recovery
from statkit.tensor._sensing import DenseGaussianOperator, SeededGaussianOperator


def test_instance_structure_and_measurements():
    inst = make_tt_recovery(5, 3, (2, 3, 3, 2), 200, 0.25, random_state=0)
    assert isinstance(inst, TTRecoveryInstance)
    assert inst.shape == (3,) * 5 and inst.ranks == (2, 3, 3, 2)
    assert isinstance(inst.operator, DenseGaussianOperator)
    X = inst.tensor
    assert X.shape == inst.shape
    assert np.linalg.norm(X) == pytest.approx(1.0, rel=1e-12)
    for k, r in enumerate(inst.ranks, start=1):
        assert np.linalg.matrix_rank(X.reshape(3**k, -1)) == r
    A = inst.operator.matrix
    np.testing.assert_allclose(inst.y_clean, A @ X.reshape(-1), rtol=1e-12)
    np.testing.assert_allclose(inst.y, inst.y_clean + inst.outliers, rtol=1e-15)
    assert inst.outlier_mask.sum() == round(0.25 * 200) == np.count_nonzero(inst.outliers)
    np.testing.assert_array_equal(inst.outliers != 0, inst.outlier_mask)
    assert inst.dof == 2 * 3 + 2 * 3 * 3 + 3 * 3 * 3 + 3 * 3 * 2 + 2 * 3 - (4 + 9 + 9 + 4)
    for c in inst.cores[:-1]:
        L = c.reshape(-1, c.shape[2])
        np.testing.assert_allclose(L.T @ L, np.eye(L.shape[1]), atol=1e-12)


def test_outlier_values_are_uniform_with_the_tong_ma_chi_scale():
    inst = make_tt_recovery(4, 3, 2, 4000, 0.4, outlier_scale=10, random_state=1)
    scale = 10 * np.max(np.abs(inst.y_clean))
    u = inst.outliers[inst.outlier_mask] / scale
    assert np.all(np.abs(u) <= 1)
    assert stats.kstest(u, stats.uniform(loc=-1, scale=2).cdf).pvalue > 1e-3
    adv = make_tt_recovery(4, 3, 2, 4000, 0.4, adversarial=True, random_state=1)
    ua = adv.outliers[adv.outlier_mask] / (10 * np.max(np.abs(adv.y_clean)))
    assert np.all(ua >= 0)
    assert stats.kstest(ua, stats.uniform(loc=0, scale=1).cdf).pvalue > 1e-3


def test_noise_norm_and_seeded_operator():
    inst = make_tt_recovery(
        3, (2, 3, 4), 2, 5000, 0.0, noise=0.3, norm=2.5, operator="seeded", random_state=2
    )
    assert isinstance(inst.operator, SeededGaussianOperator)
    assert np.linalg.norm(inst.tensor) == pytest.approx(2.5, rel=1e-12)
    np.testing.assert_allclose(
        inst.y_clean, inst.operator.to_dense() @ inst.tensor.reshape(-1), rtol=1e-10
    )
    assert not inst.outlier_mask.any()
    resid = inst.y - inst.y_clean
    # sample sd of 5000 normals: relative standard error 1 / sqrt(2 * 5000) = 0.01
    assert np.std(resid) == pytest.approx(0.3, rel=0.05)
    # clean Gaussian measurements: E|y0| = sqrt(2/pi) ||X||
    assert np.abs(inst.y_clean).mean() / 2.5 == pytest.approx(math.sqrt(2 / math.pi), abs=0.03)


def test_determinism():
    a = make_tt_recovery(4, 3, 2, 100, 0.2, random_state=5)
    b = make_tt_recovery(4, 3, 2, 100, 0.2, random_state=5)
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(a.operator.matrix, b.operator.matrix)
    c = make_tt_recovery(4, 3, 2, 100, 0.2, random_state=6)
    assert not np.allclose(a.y, c.y)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"outlier_fraction": 0.5}, r"outlier_fraction must lie in \[0.0, 0.5\)"),
        ({"outlier_fraction": -0.1}, "outlier_fraction must lie in"),
        ({"n_measurements": 0}, "n_measurements must be an integer >= 1"),
        ({"order": 0}, "order must be an integer >= 1"),
        ({"mode_size": (3, 3)}, "mode_size has 2 entries but order is 4"),
        ({"ranks": 4}, r"exceeds min\(prod"),
        ({"operator": "kron"}, "operator must be 'dense' or 'seeded'"),
        ({"noise": -1.0}, "noise must lie in"),
        ({"norm": 0.0}, "norm must be > 0"),
    ],
)
def test_validation(kwargs, match):
    params = {
        "order": 4,
        "mode_size": 3,
        "ranks": 2,
        "n_measurements": 50,
        "outlier_fraction": 0.1,
        "random_state": 0,
    }
    params.update(kwargs)
    with pytest.raises(ValueError, match=match):
        make_tt_recovery(**params)
