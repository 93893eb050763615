"""Thin shims over what differs between numpy and torch.

Each function dispatches on its input (see :func:`get_namespace`) and returns an
array in the input's namespace, device and dtype:

- :func:`einsum` -- numpy's path optimisation on, torch's native einsum;
- :func:`fft`, :func:`ifft`, :func:`rfft`, :func:`irfft` -- numpy may promote float32
  to complex128; here float32 gives complex64 on both backends;
- :func:`svd` -- thin SVD with a deterministic sign convention, so both backends agree;
- :func:`sqdist` -- squared Euclidean distances by a centred quadratic expansion,
  clamped at zero, with an exactly zero self-distance diagonal (``torch.cdist``'s
  matmul mode can return small non-zero or negative values there);
- :func:`logsumexp` -- stable, and ``-inf`` (not NaN) for an all ``-inf`` slice.
"""

import warnings

import numpy as np

from ._namespace import get_namespace, is_torch_tensor

__all__ = ["einsum", "fft", "ifft", "irfft", "logsumexp", "rfft", "sqdist", "svd", "svd_flip"]

_COMPLEX_OF = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128}
_REAL_OF = {np.dtype(np.complex64): np.float32, np.dtype(np.complex128): np.float64}


def einsum(subscripts, *operands):
    """Einstein summation in the operands' namespace."""
    xp = get_namespace(*operands)
    if xp is np:
        return np.einsum(subscripts, *operands, optimize=True)
    return xp.einsum(subscripts, *operands)


def _numpy_complex_dtype(x):
    dt = np.asarray(x).dtype
    if dt in _COMPLEX_OF:
        return _COMPLEX_OF[dt]
    if dt == np.complex64:
        return np.complex64
    return np.complex128


def fft(x, n=None, axis=-1):
    """Discrete Fourier transform along ``axis``; float32 input gives complex64."""
    xp = get_namespace(x)
    if xp is np:
        return np.fft.fft(x, n=n, axis=axis).astype(_numpy_complex_dtype(x), copy=False)
    return xp.fft.fft(x, n=n, dim=axis)


def ifft(x, n=None, axis=-1):
    """Inverse discrete Fourier transform along ``axis`` (precision preserved)."""
    xp = get_namespace(x)
    if xp is np:
        return np.fft.ifft(x, n=n, axis=axis).astype(_numpy_complex_dtype(x), copy=False)
    return xp.fft.ifft(x, n=n, dim=axis)


def rfft(x, n=None, axis=-1):
    """Real-input FFT (half spectrum) along ``axis``; float32 gives complex64."""
    xp = get_namespace(x)
    if xp is np:
        return np.fft.rfft(x, n=n, axis=axis).astype(_numpy_complex_dtype(x), copy=False)
    return xp.fft.rfft(x, n=n, dim=axis)


def irfft(x, n=None, axis=-1):
    """Inverse of :func:`rfft`; complex64 gives float32."""
    xp = get_namespace(x)
    if xp is np:
        real = _REAL_OF.get(np.asarray(x).dtype, np.float64)
        return np.fft.irfft(x, n=n, axis=axis).astype(real, copy=False)
    return xp.fft.irfft(x, n=n, dim=axis)


def svd_flip(u, vh):
    """Fix the sign of each singular pair so that the entry of largest modulus in
    each column of ``u`` is positive (the convention of ``sklearn.utils.extmath.svd_flip``
    with ``u_based_decision=True``). Works on batches (leading dimensions)."""
    xp = get_namespace(u, vh)
    idx = xp.argmax(xp.abs(u), axis=-2)  # (..., k)
    if xp is np:
        picked = np.take_along_axis(u, idx[..., None, :], axis=-2)[..., 0, :]
    else:
        picked = xp.gather(u, -2, idx.unsqueeze(-2)).squeeze(-2)
    signs = xp.sign(picked)
    signs = xp.where(signs == 0, xp.ones_like(signs), signs)
    return u * signs[..., None, :], vh * signs[..., :, None]


def _svd_cuda(torch, a, full_matrices):
    """``torch.linalg.svd`` on CUDA, guarded against cuSOLVER's underflow failure.

    cuSOLVER's default Jacobi driver (gesvdj) returns an infinite singular value when the
    matrix holds entries at or below the smallest normal number (``[[4, t], [t, t]]``
    with ``t = finfo.tiny`` gives ``S = [inf, t]`` in float32 and float64, while LAPACK
    gives ``[4, t]``). Each matrix is scaled by a power of two (exact) so that its largest
    entry lies in [0.5, 1), and entries below ``tiny / eps`` are set to zero: a
    perturbation of relative size far below the SVD's own backward error ``eps * ||a||``.
    """
    amax = a.abs().amax(dim=(-2, -1), keepdim=True)
    _, exponent = torch.frexp(amax)  # amax = mantissa * 2**exponent, mantissa in [0.5, 1)
    # 2**exponent itself may overflow (float32 entries near 3e38 give 2**128): apply it
    # in two halves, each a representable power of two
    half = torch.div(exponent, 2, rounding_mode="floor")
    one = torch.ones_like(amax)
    scaled = (a * torch.ldexp(one, -half)) * torch.ldexp(one, half - exponent)
    info = torch.finfo(a.dtype)
    scaled = torch.where(scaled.abs() < info.tiny / info.eps, torch.zeros_like(scaled), scaled)
    u, s, vh = torch.linalg.svd(scaled, full_matrices=full_matrices)
    s = (s * torch.ldexp(one, half)[..., 0]) * torch.ldexp(one, exponent - half)[..., 0]
    return u, s, vh


def svd(a, full_matrices=False, flip=True):
    """Singular value decomposition ``a = U @ diag(S) @ Vh`` (batched over leading dims).

    Parameters
    ----------
    a : array of shape (..., m, n)
    full_matrices : bool, default=False
        Thin SVD by default.
    flip : bool, default=True
        Apply :func:`svd_flip`, so numpy and torch (CPU or CUDA) return the same
        factors up to rounding when singular values are distinct.

    Returns
    -------
    U, S, Vh : arrays in the namespace, device and dtype of ``a``.
    """
    xp = get_namespace(a)
    if xp is np:
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    elif a.device.type == "cuda" and a.is_floating_point() and a.numel() > 0:
        u, s, vh = _svd_cuda(xp, a, full_matrices)
    else:
        u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
    if flip:
        k = s.shape[-1]
        u_k, vh_k = svd_flip(u[..., :, :k], vh[..., :k, :])
        if full_matrices:
            u = xp.concatenate([u_k, u[..., :, k:]], axis=-1)
            vh = xp.concatenate([vh_k, vh[..., k:, :]], axis=-2)
        else:
            u, vh = u_k, vh_k
    return u, s, vh


def _warn_if_tf32(x):
    torch = get_namespace(x)
    if x.dtype == torch.float32 and x.device.type == "cuda":
        if torch.get_float32_matmul_precision() != "highest":
            warnings.warn(
                "torch float32 matmul precision is not 'highest' (TF32 is active): "
                "distance and Gram computations lose about 3 decimal digits",
                RuntimeWarning,
                stacklevel=3,
            )


def sqdist(X, Y=None):
    """Squared Euclidean distances between the rows of ``X`` and ``Y``.

    Computes :math:`D_{ij} = \\|x_i - y_j\\|^2` as
    :math:`\\|\\tilde x_i\\|^2 + \\|\\tilde y_j\\|^2 - 2\\tilde x_i^\\top \\tilde y_j`
    with both samples centred at the mean of ``X`` (which reduces cancellation
    when the data sit far from the origin), clamped at zero. With ``Y=None`` the
    self-distances are returned with an exactly zero diagonal.

    Parameters
    ----------
    X : array of shape (n, d)
    Y : array of shape (m, d) or None

    Returns
    -------
    D : array of shape (n, m) (or (n, n)), in the namespace/device/dtype of ``X``.
    """
    xp = get_namespace(X, Y)
    if is_torch_tensor(X):
        _warn_if_tf32(X)
    center = X.mean(axis=0)
    Xc = X - center
    Yc = Xc if Y is None else Y - center
    x2 = (Xc * Xc).sum(axis=1)
    y2 = x2 if Y is None else (Yc * Yc).sum(axis=1)
    D = x2[:, None] + y2[None, :] - 2.0 * (Xc @ Yc.T)
    if xp is np:
        np.maximum(D, 0.0, out=D)
        if Y is None:
            np.fill_diagonal(D, 0.0)
    else:
        D = D.clamp_min(0.0)
        if Y is None:
            D.fill_diagonal_(0.0)
    return D


def logsumexp(a, axis=None, keepdims=False):
    """``log(sum(exp(a)))`` along ``axis``, computed stably.

    A slice that is entirely ``-inf`` gives ``-inf`` (not NaN); ``+inf`` gives ``+inf``.
    """
    xp = get_namespace(a)
    if xp is not np:
        if axis is None:
            out = xp.logsumexp(a.reshape(-1), dim=0)
            return out.reshape([1] * a.ndim) if keepdims else out
        return xp.logsumexp(a, dim=axis, keepdim=keepdims)
    a = np.asarray(a)
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    # divide: log(0) = -inf for an all -inf slice; over: exp(a) = inf for a slice holding
    # +inf (m was reset to 0 there), whose result is +inf either way.
    with np.errstate(divide="ignore", over="ignore"):
        out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)
