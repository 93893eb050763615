"""Tests of statkit.utils.fwht.

Oracles: the dense Sylvester Hadamard matrix of :func:`scipy.linalg.hadamard` (y = H x
/ sqrt(n), as a float64 matrix product), exact integer arithmetic for the unnormalised
transform, and the identities of an orthonormal symmetric map (involution, norm
preservation, gradient = transform of the cotangent).

float32 tolerance: every output entry is a sum of n terms +-x_j / sqrt(n) formed in
m = log2(n) butterfly passes, so |err_i| <= (m + 1) u sum_j |x_j| / sqrt(n) (one rounding
per pass, one for the scaling; Higham, Sec. 3.1), u = finfo(float32).eps.
"""

import math

import numpy as np
import pytest
from scipy.linalg import hadamard

from statkit.utils import fwht


def _dense(x, axis, normalize=True):
    n = x.shape[axis]
    H = hadamard(n).astype(np.float64)
    if normalize:
        H = H / np.sqrt(n)
    return np.moveaxis(np.tensordot(H, np.moveaxis(x, axis, 0), axes=(1, 0)), 0, axis)


def _assert_close(case, out, want, x64, axis, normalize=True):
    case.check_output(out)
    got = case.to_numpy(out).astype(np.float64)
    assert got.shape == want.shape
    n = x64.shape[axis]
    if case.dtype == "float64":
        tol = 1e-13 * np.max(np.abs(want), initial=1.0)
        assert np.max(np.abs(got - want), initial=0.0) <= tol
    else:
        scale = 1 / math.sqrt(n) if normalize else 1.0
        l1 = np.sum(np.abs(x64), axis=axis, keepdims=True) * scale
        bound = (math.log2(n) + 1) * float(np.finfo(case.dtype).eps) * l1 + 1e-30
        assert np.all(np.abs(got - want) <= bound)


@pytest.mark.parametrize("n", [1, 2, 4, 8, 64, 256])
@pytest.mark.parametrize("normalize", [True, False])
def test_matches_dense_hadamard(xp_case, n, normalize):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((3, n)).astype(xp_case.dtype).astype(np.float64)
    out = fwht(xp_case.asarray(x), normalize=normalize)
    _assert_close(xp_case, out, _dense(x, -1, normalize), x, -1, normalize)


@pytest.mark.parametrize("axis", [0, 1, 2, -2])
def test_other_axes(xp_case, axis):
    rng = np.random.default_rng(7)
    shape = [2, 3, 4]
    shape[axis] = 16
    x = rng.standard_normal(shape).astype(xp_case.dtype).astype(np.float64)
    out = fwht(xp_case.asarray(x), axis=axis)
    _assert_close(xp_case, out, _dense(x, axis), x, axis)


def test_involution_and_norm(xp_case):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((5, 128)).astype(xp_case.dtype)
    xa = xp_case.asarray(x)
    y = fwht(xa)
    back = xp_case.to_numpy(fwht(y)).astype(np.float64)
    eps = float(np.finfo(xp_case.dtype).eps)
    # two transforms: twice the single-transform bound, relative to ||x||_1 / sqrt(n) * sqrt(n)
    tol = 2 * 8 * eps * np.sum(np.abs(x), axis=-1, keepdims=True)
    assert np.all(np.abs(back - x) <= tol)
    norms = np.linalg.norm(xp_case.to_numpy(y).astype(np.float64), axis=-1)
    np.testing.assert_allclose(norms, np.linalg.norm(x.astype(np.float64), axis=-1), rtol=50 * eps)
    # the input is left untouched
    np.testing.assert_array_equal(xp_case.to_numpy(xa), x)


@pytest.mark.parametrize("n", [2, 4, 32])
def test_input_untouched_on_strided_axis(xp_case, n):
    x = np.random.default_rng(n).standard_normal((n, 3)).astype(xp_case.dtype)
    xa = xp_case.asarray(x)
    out = fwht(xa, axis=0)
    np.testing.assert_array_equal(xp_case.to_numpy(xa), x)
    _assert_close(xp_case, out, _dense(x.astype(np.float64), 0), x.astype(np.float64), 0)


def test_torch_no_grad_path_matches_autograd_path():
    torch = pytest.importorskip("torch")
    x = torch.tensor(np.random.default_rng(11).standard_normal((3, 64)), requires_grad=True)
    with torch.no_grad():
        fast = fwht(x)  # buffer passes
    slow = fwht(x)  # differentiable passes
    want = x.detach().numpy() @ hadamard(64).T / 8.0
    np.testing.assert_allclose(fast.numpy(), want, rtol=0, atol=1e-14)
    np.testing.assert_allclose(slow.detach().numpy(), want, rtol=0, atol=1e-14)


def test_integer_input_exact():
    x = np.arange(-8, 8).reshape(2, 8)
    out = fwht(x, normalize=False)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, x @ hadamard(8).T)


def test_complex_input():
    rng = np.random.default_rng(9)
    x = rng.standard_normal(32) + 1j * rng.standard_normal(32)
    out = fwht(x)
    assert out.dtype == np.complex128
    np.testing.assert_allclose(out, hadamard(32) @ x / np.sqrt(32), rtol=0, atol=1e-14)


def test_length_one_returns_a_copy():
    x = np.array([[3.0], [4.0]])
    out = fwht(x, normalize=False)
    out[0, 0] = 0.0
    assert x[0, 0] == 3.0


def test_torch_gradient_is_the_transform():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(10)
    x = torch.tensor(rng.standard_normal((2, 16)), requires_grad=True)
    w = rng.standard_normal((2, 16))
    (fwht(x) * torch.as_tensor(w)).sum().backward()
    # d/dx <w, H x / sqrt n> = H^T w / sqrt n = H w / sqrt n (H symmetric)
    np.testing.assert_allclose(x.grad.numpy(), w @ hadamard(16) / 4.0, rtol=0, atol=1e-14)


@pytest.mark.parametrize(
    ("x", "kwargs", "exc", "match"),
    [
        (np.ones(6), {}, ValueError, "power of two, got 6"),
        (np.ones((3, 0)), {}, ValueError, "power of two, got 0"),
        (np.ones((4, 3)), {"axis": 1}, ValueError, "power of two"),
        (np.ones(4), {"axis": 1}, ValueError, "axis must be in"),
        (np.ones(4), {"axis": 0.0}, TypeError, "axis must be an integer"),
        (np.ones(4), {"normalize": 1}, TypeError, "normalize must be a bool"),
        (np.array(2.0), {}, ValueError, "at least one dimension"),
        (np.array(["a", "b"]), {}, TypeError, "numeric"),
    ],
)
def test_bad_input(x, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fwht(x, **kwargs)


def test_bad_input_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="floating or complex tensor"):
        fwht(torch.ones(4, dtype=torch.int64))
