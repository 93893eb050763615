"""select_flost_params: the held-out set, the choice, the refit."""

import numpy as np
import pytest

from statkit.datasets import make_flost
from statkit.tensor import FLoSTCompletion, select_flost_params


@pytest.fixture(scope="module")
def instance():
    return make_flost(20, 20, 64, rank=2, n_low_freq=3, sparsity=15, noise=0.1, random_state=1)


def test_the_true_structure_is_selected(instance):
    sel = select_flost_params(
        instance.observed,
        ranks=[1, 2, 4],
        n_low_freqs=[2, 3, 6],
        sparsities=[0, 15],
        random_state=0,
    )
    assert sel.best_params == {"rank": 2, "n_low_freq": 3, "sparsity": 15}
    assert len(sel.table) == 18
    n_obs = int(instance.mask.sum())
    assert sel.n_heldout == round(0.1 * n_obs)
    # the refit uses every observed entry: it equals a direct fit
    direct = FLoSTCompletion(rank=2, n_low_freq=3, sparsity=15).fit(instance.observed)
    np.testing.assert_array_equal(sel.estimator.completed_, direct.completed_)


def test_heldout_score_is_the_mse_on_heldout_observed_entries(instance):
    sel = select_flost_params(
        instance.observed, ranks=2, n_low_freqs=3, sparsities=15, random_state=3, refit=False
    )
    # recompute the score by hand from the same held-out draw
    obs = np.flatnonzero(instance.mask)
    ho = np.random.default_rng(3).choice(obs, size=sel.n_heldout, replace=False)
    train = instance.mask.copy()
    train.flat[ho] = False
    est = FLoSTCompletion(rank=2, n_low_freq=3, sparsity=15).fit(instance.observed, train)
    y = np.nan_to_num(instance.observed).flat[ho]
    expected = np.mean((est.completed_.flat[ho] - y) ** 2)
    assert sel.table["heldout_mse"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert sel.estimator is None
    assert np.all(instance.mask.flat[ho])  # held-out entries are observed ones


def test_bad_arguments(instance):
    with pytest.raises(ValueError, match="holdout"):
        select_flost_params(instance.observed, ranks=2, n_low_freqs=3, holdout=0.9)
    with pytest.raises(ValueError, match="at least one candidate"):
        select_flost_params(instance.observed, ranks=[], n_low_freqs=3)
    with pytest.raises(ValueError, match="n_low_freq must lie in"):
        select_flost_params(instance.observed, ranks=2, n_low_freqs=[40])
