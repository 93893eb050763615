"""The fused numba passes of FLoST against plain numpy (the naive oracle)."""

import numpy as np
import pytest

from statkit.tensor._flost_kernels import fill_extrapolate, iterate_stats, top_candidates


def _naive_top(H, s, real_last):
    mag = np.abs(H) ** 2
    if real_last:
        mag[..., -1] = H[..., -1].real ** 2
    return np.sort(mag.reshape(-1))[::-1][:s]


@pytest.mark.parametrize("real_last", [False, True])
@pytest.mark.parametrize("s", [0, 1, 37, 900, 2999, 3000])
def test_top_candidates_hold_an_exact_top_s(s, real_last):
    rng = np.random.default_rng(s)
    full = rng.standard_normal((10, 12, 40)) + 1j * rng.standard_normal((10, 12, 40))
    H = full[:, :, 15:]  # a strided view, as the high band of a half-spectrum is
    idx, mag = top_candidates(H, s, real_last, 256)
    assert idx.size >= s and np.unique(idx).size == idx.size
    ref = np.abs(H.reshape(-1)[idx]) ** 2 if not real_last else None
    if ref is not None:
        np.testing.assert_allclose(mag, ref, rtol=1e-14)
    # every entry left out is below every one of the s largest
    top = np.sort(mag)[::-1][:s]
    np.testing.assert_allclose(top, _naive_top(H, s, real_last), rtol=1e-14)


def test_top_candidates_with_ties_and_a_misleading_sample():
    # zeros everywhere except a few spikes that the strided sample never sees
    H = np.zeros((4, 5, 64), complex)
    H[1, 2, 3] = 5.0
    H[3, 4, 1] = 2.0j
    H[0, 0, 5] = -1.0
    idx, mag = top_candidates(H, 2, False, 8)
    top = idx[np.argsort(mag)[::-1][:2]]
    assert set(top) == {
        np.ravel_multi_index((1, 2, 3), H.shape),
        np.ravel_multi_index((3, 4, 1), H.shape),
    }


def test_fill_and_stats_match_numpy():
    rng = np.random.default_rng(0)
    shape = (7, 9, 300001 // 63)
    mask = rng.random(shape) < 0.3
    Y, X, Xp, Xn = (rng.standard_normal(shape) for _ in range(4))
    out = np.empty(shape)
    fill_extrapolate(
        mask.reshape(-1), Y.reshape(-1), X.reshape(-1), Xp.reshape(-1), 0.7, out.reshape(-1)
    )
    np.testing.assert_array_equal(out, np.where(mask, Y, X + 0.7 * (X - Xp)))
    loss, diff, norm = iterate_stats(mask.reshape(-1), Y.reshape(-1), Xn.reshape(-1), X.reshape(-1))
    np.testing.assert_allclose(loss, (((Y - Xn) * mask) ** 2).sum(), rtol=1e-12)
    np.testing.assert_allclose(diff, ((Xn - X) ** 2).sum(), rtol=1e-12)
    np.testing.assert_allclose(norm, (Xn**2).sum(), rtol=1e-12)
