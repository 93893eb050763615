import numpy as np
import pytest

from statkit.datasets._mcb import make_low_rank_arms


@pytest.mark.parametrize("rank,n_arms", [(1, 2), (2, 2), (3, 4)])
def test_exact_rank_and_shape(rank, n_arms):
    means = make_low_rank_arms(20, 15, rank=rank, n_arms=n_arms, random_state=0)
    assert means.shape == (n_arms, 20, 15)
    for M in means:
        s = np.linalg.svd(M, compute_uv=False)
        assert s[rank - 1] / s[0] > 1e-3  # rank at least r
        assert s[rank] / s[0] < 1e-12  # rank at most r


def test_paper_construction_independent():
    # Rebuild the paper's recipe independently from the documented draw order.
    d1, d2, r = 12, 10, 2
    rng = np.random.default_rng(5)
    E1 = rng.uniform(-100, 100, size=(d1, d2))
    E0 = rng.uniform(-2, 2, size=(d1, d2))

    def trunc(A):
        U, s, Vt = np.linalg.svd(A)
        return sum(s[k] * np.outer(U[:, k], Vt[k]) for k in range(r))

    M1 = trunc(E1)
    M0 = trunc(M1 + E0)
    means = make_low_rank_arms(d1, d2, rank=r, random_state=5)
    np.testing.assert_allclose(means[1], M1, atol=1e-9)
    np.testing.assert_allclose(means[0], M0, atol=1e-9)


def test_gap_is_small_and_optimal_arm_varies():
    means = make_low_rank_arms(40, 40, random_state=1)
    diff = means[1] - means[0]
    # The perturbation is bounded by 2 entrywise before truncation; after it, it is far below 100.
    assert np.abs(diff).max() < 10
    best = np.argmax(means, axis=0)
    assert 0.1 < best.mean() < 0.9


def test_determinism():
    a = make_low_rank_arms(10, 8, random_state=3)
    b = make_low_rank_arms(10, 8, random_state=3)
    c = make_low_rank_arms(10, 8, random_state=4)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_zero_gap_gives_equal_arms():
    means = make_low_rank_arms(10, 8, gap_scale=0.0, random_state=0)
    np.testing.assert_allclose(means[0], means[1], atol=1e-9)


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        ({"d1": 0}, ValueError, "d1"),
        ({"d2": 2.5}, TypeError, "d2"),
        ({"rank": 0}, ValueError, "rank"),
        ({"d1": 3, "rank": 4}, ValueError, "rank"),
        ({"n_arms": 1}, ValueError, "n_arms"),
        ({"scale": 0.0}, ValueError, "scale"),
        ({"scale": "a"}, TypeError, "scale"),
        ({"gap_scale": -1.0}, ValueError, "gap_scale"),
        ({"gap_scale": np.inf}, ValueError, "gap_scale"),
        ({"random_state": "x"}, TypeError, "random_state"),
    ],
)
def test_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        make_low_rank_arms(**kwargs)
