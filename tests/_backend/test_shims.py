"""Tests of statkit._backend._shims on every backend case.

Oracles: numpy (``np.einsum``, ``numpy.fft``, ``np.linalg.svd``) and scipy
(``scipy.spatial.distance.cdist``, ``scipy.special.logsumexp``) run in float64 on the
same numbers, scikit-learn's ``svd_flip`` for the sign convention, and the defining
identities (reconstruction, orthonormality, round trips).
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.spatial.distance import cdist
from scipy.special import logsumexp as scipy_logsumexp
from sklearn.utils.extmath import svd_flip as sklearn_svd_flip

from statkit._backend import (
    einsum,
    fft,
    get_namespace,
    ifft,
    irfft,
    logsumexp,
    rfft,
    sqdist,
    svd,
    svd_flip,
    to_numpy,
)

COMPLEX_OF = {"float32": "complex64", "float64": "complex128"}

HYPOTHESIS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _f64(case, a):
    """``a`` as numpy float64 *after* casting to the case's dtype: what the backend sees."""
    return np.asarray(a).astype(case.dtype).astype(np.float64)


def _check_complex_output(case, out):
    """Namespace and device follow the case; dtype is the matching complex dtype."""
    want = COMPLEX_OF[case.dtype]
    if case.name == "numpy":
        assert isinstance(out, np.ndarray), type(out)
        assert out.dtype == np.dtype(want), (out.dtype, want)
    else:
        import torch

        assert isinstance(out, torch.Tensor), type(out)
        assert out.device.type == case.device, (out.device, case.device)
        assert out.dtype == getattr(torch, want), (out.dtype, want)


def _assert_close(case, out, ref, scale=None):
    """Compare with ``case.rtol`` and an absolute tolerance ``case.atol * scale``."""
    ref = np.asarray(ref)
    if scale is None:
        finite = np.abs(ref[np.isfinite(ref)])
        scale = max(1.0, float(finite.max())) if finite.size else 1.0
    np.testing.assert_allclose(
        to_numpy(out).astype(ref.dtype), ref, rtol=case.rtol, atol=case.atol * scale
    )


# --------------------------------------------------------------------------------------
# einsum
# --------------------------------------------------------------------------------------

EINSUM_CASES = [
    ("ij,jk->ik", [(4, 3), (3, 5)]),
    ("bij,bjk->bik", [(2, 4, 3), (2, 3, 5)]),
    ("ij->ji", [(3, 4)]),
    ("ii->", [(4, 4)]),
    ("ii->i", [(4, 4)]),
    ("i,i->", [(6,), (6,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ijk,k->ij", [(2, 3, 4), (4,)]),
    ("ij,ij->i", [(5, 3), (5, 3)]),
    ("abc,cd,de->abe", [(2, 3, 4), (4, 5), (5, 2)]),
    ("...ij,...jk->...ik", [(2, 2, 3, 4), (2, 2, 4, 2)]),
]


@pytest.mark.parametrize("subscripts, shapes", EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
def test_einsum_matches_numpy(xp_case, subscripts, shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=s) for s in shapes]
    ref = np.einsum(subscripts, *[_f64(xp_case, a) for a in arrays])
    out = einsum(subscripts, *[xp_case.asarray(a) for a in arrays])
    xp_case.check_output(out)
    assert tuple(out.shape) == ref.shape
    _assert_close(xp_case, out, ref)


def test_einsum_refuses_mixed_namespaces(xp_case):
    if xp_case.name == "numpy":
        pytest.skip("needs a tensor")
    with pytest.raises(TypeError):
        einsum("i,i->", xp_case.asarray(np.ones(3)), np.ones(3))


# --------------------------------------------------------------------------------------
# FFTs
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape, axis", [((16,), -1), ((15,), 0), ((6, 10), -1), ((6, 10), 0)])
@pytest.mark.parametrize("n", [None, 8, 21])
def test_fft_ifft_match_numpy(xp_case, shape, axis, n):
    x = np.random.default_rng(1).normal(size=shape)
    x64 = _f64(xp_case, x)
    for func, ref_func in ((fft, np.fft.fft), (ifft, np.fft.ifft)):
        out = func(xp_case.asarray(x), n=n, axis=axis)
        _check_complex_output(xp_case, out)
        ref = ref_func(x64, n=n, axis=axis)
        assert tuple(out.shape) == ref.shape
        _assert_close(xp_case, out, ref, scale=np.abs(x64).sum())


def test_fft_complex_input_matches_numpy(xp_case):
    rng = np.random.default_rng(2)
    z = rng.normal(size=(3, 12)) + 1j * rng.normal(size=(3, 12))
    z = z.astype(COMPLEX_OF[xp_case.dtype])
    if xp_case.name == "numpy":
        zc = z
    else:
        import torch

        zc = torch.as_tensor(z, device=xp_case.device)
    z128 = z.astype(np.complex128)
    for func, ref_func in ((fft, np.fft.fft), (ifft, np.fft.ifft)):
        out = func(zc, axis=-1)
        _check_complex_output(xp_case, out)
        _assert_close(xp_case, out, ref_func(z128, axis=-1), scale=np.abs(z128).sum())


@pytest.mark.parametrize("length", [16, 15])
@pytest.mark.parametrize("axis", [0, -1])
def test_rfft_irfft_match_numpy(xp_case, length, axis):
    shape = (length, 4) if axis == 0 else (4, length)
    x = np.random.default_rng(3).normal(size=shape)
    x64 = _f64(xp_case, x)
    spec = rfft(xp_case.asarray(x), axis=axis)
    _check_complex_output(xp_case, spec)
    ref = np.fft.rfft(x64, axis=axis)
    assert tuple(spec.shape) == ref.shape
    _assert_close(xp_case, spec, ref, scale=np.abs(x64).sum())

    # irfft of the (backend's) half spectrum: real output in the case's dtype
    back = irfft(spec, n=length, axis=axis)
    xp_case.check_output(back)
    _assert_close(xp_case, back, np.fft.irfft(ref, n=length, axis=axis))
    # round trip
    _assert_close(xp_case, back, x64)


def test_irfft_default_length_and_padding(xp_case):
    x = np.random.default_rng(4).normal(size=10)
    spec64 = np.fft.rfft(_f64(xp_case, x))
    spec = rfft(xp_case.asarray(x))
    for n in (None, 10, 7, 14):
        out = irfft(spec, n=n)
        xp_case.check_output(out)
        ref = np.fft.irfft(spec64, n=n)
        assert tuple(out.shape) == ref.shape
        _assert_close(xp_case, out, ref)


def test_fft_round_trip(xp_case):
    x = np.random.default_rng(5).normal(size=(5, 9))
    xx = xp_case.asarray(x)
    back = ifft(fft(xx, axis=0), axis=0)
    _check_complex_output(xp_case, back)
    _assert_close(xp_case, back, _f64(xp_case, x).astype(np.complex128))


def test_float32_fft_gives_complex64_on_numpy():
    """numpy may promote float32 to complex128; the shim must not."""
    x = np.ones(8, dtype=np.float32)
    assert fft(x).dtype == np.complex64
    assert ifft(x).dtype == np.complex64
    assert rfft(x).dtype == np.complex64
    assert irfft(rfft(x)).dtype == np.float32
    assert fft(x.astype(np.float64)).dtype == np.complex128
    assert irfft(rfft(x.astype(np.float64))).dtype == np.float64


# --------------------------------------------------------------------------------------
# SVD
# --------------------------------------------------------------------------------------


def _reference_svd(a64, full_matrices=False):
    """np.linalg.svd in float64 with scikit-learn's sign convention (per batch item)."""
    u, s, vh = np.linalg.svd(a64, full_matrices=full_matrices)
    k = s.shape[-1]
    u = u.copy()
    vh = vh.copy()
    for idx in np.ndindex(a64.shape[:-2]):
        uk, vk = sklearn_svd_flip(u[idx][:, :k].copy(), vh[idx][:k, :].copy())
        u[idx][:, :k] = uk
        vh[idx][:k, :] = vk
    return u, s, vh


def _check_svd_identities(case, a64, u, s, vh, full_matrices=False):
    m, n = a64.shape[-2:]
    k = min(m, n)
    un, sn, vhn = (to_numpy(t).astype(np.float64) for t in (u, s, vh))
    assert sn.shape == (*a64.shape[:-2], k)
    if full_matrices:
        assert un.shape == (*a64.shape[:-2], m, m)
        assert vhn.shape == (*a64.shape[:-2], n, n)
    else:
        assert un.shape == (*a64.shape[:-2], m, k)
        assert vhn.shape == (*a64.shape[:-2], k, n)
    scale = max(1.0, float(np.abs(sn).max()) if sn.size else 1.0)
    # reconstruction U diag(S) Vh == A
    rec = (un[..., :, :k] * sn[..., None, :]) @ vhn[..., :k, :]
    np.testing.assert_allclose(rec, a64, rtol=case.rtol, atol=case.rtol * scale)
    # orthonormal columns of U and rows of Vh
    cols = un.shape[-1]
    rows = vhn.shape[-2]
    eye_u = np.broadcast_to(np.eye(cols), (*un.shape[:-2], cols, cols))
    eye_v = np.broadcast_to(np.eye(rows), (*vhn.shape[:-2], rows, rows))
    np.testing.assert_allclose(np.swapaxes(un, -1, -2) @ un, eye_u, atol=case.rtol)
    np.testing.assert_allclose(vhn @ np.swapaxes(vhn, -1, -2), eye_v, atol=case.rtol)
    # singular values: non-negative, descending, equal to numpy's float64 ones
    assert np.all(sn >= 0)
    assert np.all(np.diff(sn, axis=-1) <= case.rtol * scale)
    np.testing.assert_allclose(
        sn, np.linalg.svd(a64, compute_uv=False), rtol=case.rtol, atol=case.rtol * scale
    )
    return un, sn, vhn


def _check_sign_convention(un, k):
    """Largest-modulus entry of each of the first k columns of U is positive."""
    cols = un[..., :, :k]
    idx = np.argmax(np.abs(cols), axis=-2)
    picked = np.take_along_axis(cols, idx[..., None, :], axis=-2)[..., 0, :]
    assert np.all(picked > 0), picked


def _vector_tol(case):
    # singular vectors are perturbed by eps / (gap between singular values); the
    # Gaussian test matrices have gaps of order one, so a factor 10 over rtol suffices
    return case.rtol * 10


SVD_SHAPES = [(6, 4), (4, 6), (5, 5), (1, 4), (4, 1), (3, 5, 4), (2, 3, 4, 6)]


@pytest.mark.parametrize("shape", SVD_SHAPES, ids=str)
def test_svd_against_numpy(xp_case, shape):
    a = np.random.default_rng(6).normal(size=shape)
    a64 = _f64(xp_case, a)
    u, s, vh = svd(xp_case.asarray(a))
    for t in (u, s, vh):
        xp_case.check_output(t)
    un, sn, vhn = _check_svd_identities(xp_case, a64, u, s, vh)
    _check_sign_convention(un, sn.shape[-1])
    # the sign convention makes the factors agree elementwise with the float64 oracle
    ru, _, rvh = _reference_svd(a64)
    np.testing.assert_allclose(un, ru, rtol=_vector_tol(xp_case), atol=_vector_tol(xp_case))
    np.testing.assert_allclose(vhn, rvh, rtol=_vector_tol(xp_case), atol=_vector_tol(xp_case))


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 5, 4), (2, 4, 6)], ids=str)
def test_svd_full_matrices(xp_case, shape):
    a = np.random.default_rng(7).normal(size=shape)
    a64 = _f64(xp_case, a)
    u, s, vh = svd(xp_case.asarray(a), full_matrices=True)
    for t in (u, s, vh):
        xp_case.check_output(t)
    un, sn, vhn = _check_svd_identities(xp_case, a64, u, s, vh, full_matrices=True)
    k = sn.shape[-1]
    _check_sign_convention(un, k)
    # the leading k singular pairs are those of the thin SVD
    ut, _, vht = svd(xp_case.asarray(a))
    np.testing.assert_allclose(un[..., :, :k], to_numpy(ut), atol=_vector_tol(xp_case))
    np.testing.assert_allclose(vhn[..., :k, :], to_numpy(vht), atol=_vector_tol(xp_case))
    ru, _, rvh = _reference_svd(a64, full_matrices=True)
    np.testing.assert_allclose(un[..., :, :k], ru[..., :, :k], atol=_vector_tol(xp_case))
    np.testing.assert_allclose(vhn[..., :k, :], rvh[..., :k, :], atol=_vector_tol(xp_case))


def test_svd_without_flip_still_decomposes(xp_case):
    a = np.random.default_rng(8).normal(size=(5, 3))
    u, s, vh = svd(xp_case.asarray(a), flip=False)
    for t in (u, s, vh):
        xp_case.check_output(t)
    _check_svd_identities(xp_case, _f64(xp_case, a), u, s, vh)


def test_svd_entries_at_the_underflow_threshold(xp_case):
    """cuSOLVER's Jacobi SVD returned S = [inf, t] for [[4, t], [t, t]], t = finfo.tiny."""
    tiny = float(np.finfo(xp_case.dtype).tiny)
    for t in (tiny, tiny / 4, -tiny):
        a = np.array([[4.0, t], [t, t]])
        for batch in (a, np.stack([a, 2 * a, np.eye(2)])):
            u, s, vh = svd(xp_case.asarray(batch))
            for out in (u, s, vh):
                xp_case.check_output(out)
                assert np.all(np.isfinite(to_numpy(out)))
            un, sn, _ = _check_svd_identities(xp_case, _f64(xp_case, batch), u, s, vh)
            _check_sign_convention(un, 2)
            np.testing.assert_allclose(sn[..., 0], batch[..., 0, 0], rtol=xp_case.rtol)


def test_svd_numpy_and_torch_factors_match():
    """The point of the sign convention: numpy and torch return the same factors."""
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(9).normal(size=(4, 7, 5))
    un, sn, vhn = svd(a)
    ut, st_, vht = svd(torch.as_tensor(a))
    np.testing.assert_allclose(ut.numpy(), un, atol=1e-12)
    np.testing.assert_allclose(st_.numpy(), sn, atol=1e-12)
    np.testing.assert_allclose(vht.numpy(), vhn, atol=1e-12)


def test_svd_flip_convention_by_hand():
    # u's first column has largest-modulus entry -0.8: the pair is negated
    u = np.array([[0.6, 0.8], [-0.8, 0.6]])
    vh = np.array([[1.0, 0.0], [0.0, 1.0]])
    uf, vf = svd_flip(u.copy(), vh.copy())
    np.testing.assert_array_equal(uf, [[-0.6, 0.8], [0.8, 0.6]])
    np.testing.assert_array_equal(vf, [[-1.0, 0.0], [0.0, 1.0]])
    # U diag(S) Vh is unchanged by the flip
    s = np.array([3.0, 2.0])
    np.testing.assert_allclose((uf * s) @ vf, (u * s) @ vh)


# --------------------------------------------------------------------------------------
# sqdist
# --------------------------------------------------------------------------------------


def _sq_cdist(x64, y64):
    return cdist(x64, y64) ** 2


@pytest.mark.parametrize("n, m, d", [(7, 5, 3), (1, 6, 4), (6, 1, 2), (8, 8, 1), (3, 4, 10)])
def test_sqdist_matches_cdist(xp_case, n, m, d):
    rng = np.random.default_rng(10)
    x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
    x64, y64 = _f64(xp_case, x), _f64(xp_case, y)
    out = sqdist(xp_case.asarray(x), xp_case.asarray(y))
    xp_case.check_output(out)
    assert tuple(out.shape) == (n, m)
    ref = _sq_cdist(x64, y64)
    _assert_close(xp_case, out, ref, scale=ref.max())
    assert np.all(to_numpy(out) >= 0)


def test_sqdist_self(xp_case):
    x = np.random.default_rng(11).normal(size=(9, 4))
    x64 = _f64(xp_case, x)
    xx = xp_case.asarray(x)
    out = sqdist(xx)
    xp_case.check_output(out)
    d = to_numpy(out)
    ref = _sq_cdist(x64, x64)
    _assert_close(xp_case, out, ref, scale=ref.max())
    assert np.all(np.diag(d) == 0.0)  # exactly zero
    assert np.all(d >= 0)
    # same values as passing Y explicitly (whose diagonal is only approximately zero)
    _assert_close(xp_case, out, to_numpy(sqdist(xx, xx)).astype(np.float64), scale=ref.max())


@pytest.mark.parametrize("offset", [1e3, 1e6])
def test_sqdist_far_from_origin_keeps_relative_accuracy(xp_case, offset):
    """Data near ``offset``: compare with cdist on the *un-offset* data.

    The points are multiples of 1/16 in [-10, 10], so ``points + 1e6`` is exact in float32
    and float64 and the two problems have the same exact answer. A plain (uncentred)
    expansion would err by about ``eps * offset**2`` (2e-4 in float64, 1e5 in float32).
    """
    rng = np.random.default_rng(12)
    x = rng.integers(-160, 161, size=(20, 3)) / 16.0
    y = rng.integers(-160, 161, size=(15, 3)) / 16.0
    assert np.array_equal((x + offset).astype(xp_case.dtype).astype(np.float64) - offset, x)
    ref_xy = _sq_cdist(x, y)
    ref_xx = _sq_cdist(x, x)
    out_xy = sqdist(xp_case.asarray(x + offset), xp_case.asarray(y + offset))
    out_xx = sqdist(xp_case.asarray(x + offset))
    for out, ref in ((out_xy, ref_xy), (out_xx, ref_xx)):
        xp_case.check_output(out)
        np.testing.assert_allclose(
            to_numpy(out).astype(np.float64), ref, rtol=xp_case.rtol, atol=xp_case.rtol * ref.max()
        )
        assert np.all(to_numpy(out) >= 0)
    assert np.all(np.diag(to_numpy(out_xx)) == 0.0)


def test_sqdist_near_duplicates_non_negative(xp_case):
    """Two far-apart clusters of nearly identical rows: centring cannot help within a
    cluster, the expansion cancels catastrophically there, and clamping keeps D >= 0."""
    rng = np.random.default_rng(13)
    base = rng.normal(size=(1, 5)) * 100
    x = np.concatenate([base, -base]).repeat(15, axis=0) + rng.normal(size=(30, 5)) * 1e-9
    xx = xp_case.asarray(x)
    for out in (sqdist(xx), sqdist(xx, xx), sqdist(xx, xp_case.asarray(x[::-1]))):
        xp_case.check_output(out)
        d = to_numpy(out)
        assert np.all(d >= 0)
        assert np.all(np.isfinite(d))


def test_sqdist_refuses_mixed_namespaces(xp_case):
    if xp_case.name == "numpy":
        pytest.skip("needs a tensor")
    with pytest.raises(TypeError):
        sqdist(xp_case.asarray(np.ones((2, 2))), np.ones((3, 2)))


# --------------------------------------------------------------------------------------
# logsumexp
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("scale", [1.0, 1e3])
def test_logsumexp_matches_scipy(xp_case, axis, keepdims, scale):
    a = np.random.default_rng(14).normal(size=(4, 5)) * scale
    a64 = _f64(xp_case, a)
    out = logsumexp(xp_case.asarray(a), axis=axis, keepdims=keepdims)
    xp_case.check_output(out)
    ref = np.asarray(scipy_logsumexp(a64, axis=axis, keepdims=keepdims))
    assert tuple(out.shape) == ref.shape
    _assert_close(xp_case, out, ref)


@pytest.mark.parametrize("axis", [None, 0, 2, (1, 2)])
def test_logsumexp_3d_matches_scipy(xp_case, axis):
    a = np.random.default_rng(15).normal(size=(2, 3, 4)) * 5
    a64 = _f64(xp_case, a)
    for keepdims in (False, True):
        out = logsumexp(xp_case.asarray(a), axis=axis, keepdims=keepdims)
        xp_case.check_output(out)
        ref = np.asarray(scipy_logsumexp(a64, axis=axis, keepdims=keepdims))
        assert tuple(out.shape) == ref.shape
        _assert_close(xp_case, out, ref)


def test_logsumexp_infinities(xp_case):
    inf = np.inf
    a = np.array(
        [
            [-inf, -inf, -inf],  # all -inf -> -inf (not NaN)
            [inf, 1.0, 2.0],  # +inf -> +inf
            [inf, -inf, 0.0],  # +inf and -inf -> +inf
            [inf, 1000.0, 500.0],  # +inf next to values whose exp overflows -> +inf
            [-inf, 0.0, np.log(2.0)],  # -inf entries contribute nothing: log 3
            [1000.0, 1000.0, -inf],  # large but finite: 1000 + log 2
        ]
    )
    ref = scipy_logsumexp(a, axis=1)
    np.testing.assert_array_equal(ref[:4], [-inf, inf, inf, inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow / divide-by-zero warnings either
        out = logsumexp(xp_case.asarray(a), axis=1)
        out_keep = logsumexp(xp_case.asarray(a), axis=1, keepdims=True)
        all_neg = logsumexp(xp_case.asarray(np.full((2, 3), -inf)))
        all_neg_0 = logsumexp(xp_case.asarray(np.full((2, 3), -inf)), axis=0)
    for o in (out, out_keep, all_neg, all_neg_0):
        xp_case.check_output(o)
    d = to_numpy(out).astype(np.float64)
    np.testing.assert_array_equal(d[:4], [-inf, inf, inf, inf])
    np.testing.assert_allclose(d[4:], [np.log(3.0), 1000.0 + np.log(2.0)], rtol=xp_case.rtol)
    assert tuple(out_keep.shape) == (6, 1)
    np.testing.assert_array_equal(to_numpy(out_keep)[:, 0], to_numpy(out))
    assert float(to_numpy(all_neg)) == -inf
    np.testing.assert_array_equal(to_numpy(all_neg_0), [-inf, -inf, -inf])


def test_logsumexp_nan_propagates(xp_case):
    a = np.array([[np.nan, 1.0], [0.0, 1.0]])
    out = to_numpy(logsumexp(xp_case.asarray(a), axis=1))
    assert np.isnan(out[0])
    np.testing.assert_allclose(out[1], np.log(1.0 + np.e), rtol=xp_case.rtol)


def test_logsumexp_1d_and_scalar_output(xp_case):
    a = np.log(np.array([1.0, 2.0, 3.0, 4.0]))
    out = logsumexp(xp_case.asarray(a))
    xp_case.check_output(out)
    assert tuple(out.shape) == ()
    np.testing.assert_allclose(float(to_numpy(out)), np.log(10.0), rtol=xp_case.rtol)
    out = logsumexp(xp_case.asarray(a), keepdims=True)
    assert tuple(out.shape) == (1,)


# --------------------------------------------------------------------------------------
# property-based tests (hypothesis)
# --------------------------------------------------------------------------------------

_FINITE = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def _two_samples(draw):
    n = draw(st.integers(1, 8))
    m = draw(st.integers(1, 8))
    d = draw(st.integers(1, 5))
    x = draw(hnp.arrays(np.float64, (n, d), elements=_FINITE))
    y = draw(hnp.arrays(np.float64, (m, d), elements=_FINITE))
    offset = draw(st.sampled_from([0.0, 1e3, 1e6, -1e6]))
    return x + offset, y + offset


@HYPOTHESIS
@given(samples=_two_samples())
def test_property_sqdist_matches_cdist(xp_case, samples):
    x, y = samples
    x64, y64 = _f64(xp_case, x), _f64(xp_case, y)
    eps = float(np.finfo(xp_case.dtype).eps)
    for out, ref in (
        (sqdist(xp_case.asarray(x), xp_case.asarray(y)), _sq_cdist(x64, y64)),
        (sqdist(xp_case.asarray(x)), _sq_cdist(x64, x64)),
    ):
        xp_case.check_output(out)
        d = to_numpy(out).astype(np.float64)
        # rounding error of the centred expansion: eps times the squared norm of the
        # centred points, which is at most max(D) (plus the error of the centre itself);
        # in the subnormal range only absolute accuracy (a few subnormal steps) is possible
        spread = np.sqrt(ref.max()) + 10 * eps * np.abs(x64).max()
        atol = xp_case.rtol * spread**2 + 100 * float(np.finfo(xp_case.dtype).smallest_subnormal)
        np.testing.assert_allclose(d, ref, rtol=xp_case.rtol, atol=atol)
        assert np.all(d >= 0)
    assert np.all(np.diag(to_numpy(sqdist(xp_case.asarray(x)))) == 0.0)


_LSE_ELEMENTS = st.one_of(
    _FINITE, st.just(-np.inf), st.just(np.inf), st.floats(-1e3, 1e3, width=64)
)


@st.composite
def _lse_input(draw):
    a = draw(
        hnp.arrays(
            np.float64,
            hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5),
            elements=_LSE_ELEMENTS.filter(lambda v: not np.isnan(v)),
        )
    )
    axis = draw(st.sampled_from([None, *range(-a.ndim, a.ndim)]))
    keepdims = draw(st.booleans())
    return a, axis, keepdims


@HYPOTHESIS
@given(args=_lse_input())
def test_property_logsumexp_matches_scipy(xp_case, args):
    a, axis, keepdims = args
    a64 = _f64(xp_case, a)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = logsumexp(xp_case.asarray(a), axis=axis, keepdims=keepdims)
    xp_case.check_output(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = np.asarray(scipy_logsumexp(a64, axis=axis, keepdims=keepdims))
    assert tuple(out.shape) == ref.shape
    finite = np.abs(a64[np.isfinite(a64)])
    scale = 1.0 + (finite.max() if finite.size else 0.0)
    np.testing.assert_allclose(
        to_numpy(out).astype(np.float64), ref, rtol=xp_case.rtol, atol=xp_case.atol * scale
    )


@st.composite
def _matrices(draw):
    batch = draw(st.sampled_from([(), (2,)]))
    m = draw(st.integers(1, 6))
    n = draw(st.integers(1, 6))
    return draw(hnp.arrays(np.float64, (*batch, m, n), elements=st.floats(-100, 100)))


@HYPOTHESIS
@given(a=_matrices(), full_matrices=st.booleans())
def test_property_svd_reconstructs(xp_case, a, full_matrices):
    a64 = _f64(xp_case, a)
    u, s, vh = svd(xp_case.asarray(a), full_matrices=full_matrices)
    for t in (u, s, vh):
        xp_case.check_output(t)
    un, sn, _ = _check_svd_identities(xp_case, a64, u, s, vh, full_matrices=full_matrices)
    k = sn.shape[-1]
    cols = un[..., :, :k]
    idx = np.argmax(np.abs(cols), axis=-2)
    picked = np.take_along_axis(cols, idx[..., None, :], axis=-2)[..., 0, :]
    assert np.all(picked > 0)


def test_namespace_of_outputs_follows_input(xp_case):
    """Every shim returns arrays of the input's namespace (a cheap catch-all)."""
    x = xp_case.asarray(np.random.default_rng(16).normal(size=(4, 4)))
    want = get_namespace(x)
    outs = [
        einsum("ij->i", x),
        fft(x),
        ifft(x),
        rfft(x),
        irfft(rfft(x), n=4),
        *svd(x),
        sqdist(x),
        logsumexp(x, axis=0),
    ]
    for o in outs:
        assert get_namespace(o) is want


def test_sqdist_warns_when_tf32_is_active(xp_case):
    """float32 CUDA matmuls under TF32 lose ~3 digits: sqdist says so; elsewhere it is silent."""
    x = xp_case.asarray(np.random.default_rng(17).normal(size=(4, 3)))
    if xp_case.name == "numpy":
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sqdist(x)
        return
    import torch

    old = torch.get_float32_matmul_precision()
    try:
        torch.set_float32_matmul_precision("high")
        if xp_case.device == "cuda" and xp_case.dtype == "float32":
            with pytest.warns(RuntimeWarning, match="TF32"):
                sqdist(x)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                sqdist(x)
    finally:
        torch.set_float32_matmul_precision(old)
