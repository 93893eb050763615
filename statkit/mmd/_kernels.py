"""Kernels on R^d and their Gram matrices, on numpy (numba) and torch."""

import math
import numbers
from dataclasses import dataclass

import numpy as np

from statkit._backend import get_namespace, is_torch_tensor, sqdist
from statkit.utils import check_positive, check_samples

__all__ = ["KERNELS", "kernel_matrix"]

#: Names accepted by the ``kernel`` parameter of the functions in :mod:`statkit.mmd`.
KERNELS = ("gaussian", "laplace", "matern", "inverse_multiquadric")

_MATERN_NUS = (0.5, 1.5, 2.5)

# kernel codes, shared with the numba kernels (_numba.py)
GAUSSIAN, LAPLACE, MATERN05, MATERN15, MATERN25, IMQ = range(6)
_MATERN_CODES = {0.5: MATERN05, 1.5: MATERN15, 2.5: MATERN25}


@dataclass(frozen=True)
class KernelSpec:
    """A validated kernel choice.

    ``code`` selects the formula, ``metric`` the distance it is computed from:
    ``"sqeuclidean"`` (:math:`r^2`) or ``"l1"`` (:math:`\\|x - y\\|_1`).
    """

    name: str
    code: int
    metric: str
    nu: float | None = None

    @property
    def metric_code(self):
        """0 for squared Euclidean distances, 1 for L1 distances (numba's convention)."""
        return 1 if self.metric == "l1" else 0

    def scale(self, bandwidth):
        """The constant ``c`` that the kernel formula multiplies the distance by.

        gaussian: :math:`1/(2\\ell^2)` (times :math:`r^2`); laplace: :math:`1/\\ell`
        (times the L1 distance); Matérn: :math:`\\sqrt{2\\nu}/\\ell` (times :math:`r`);
        inverse multiquadric: :math:`1/\\ell^2` (times :math:`r^2`).
        """
        ell = float(bandwidth)
        if self.code == GAUSSIAN:
            return 1.0 / (2.0 * ell * ell)
        if self.code in (LAPLACE, MATERN05):
            return 1.0 / ell
        if self.code == MATERN15:
            return math.sqrt(3.0) / ell
        if self.code == MATERN25:
            return math.sqrt(5.0) / ell
        return 1.0 / (ell * ell)


def kernel_spec(kernel, nu=1.5):
    """Validate ``kernel`` (and ``nu`` for the Matérn kernel); return a :class:`KernelSpec`."""
    if not isinstance(kernel, str):
        raise TypeError(f"kernel must be a string, one of {KERNELS}; got {type(kernel).__name__}")
    name = kernel.lower()
    if name == "gaussian":
        return KernelSpec("gaussian", GAUSSIAN, "sqeuclidean")
    if name == "laplace":
        return KernelSpec("laplace", LAPLACE, "l1")
    if name == "inverse_multiquadric":
        return KernelSpec("inverse_multiquadric", IMQ, "sqeuclidean")
    if name == "matern":
        if isinstance(nu, bool) or not isinstance(nu, numbers.Real):
            raise TypeError(f"nu must be one of {_MATERN_NUS}, got {nu!r}")
        nu = float(nu)
        if nu not in _MATERN_CODES:
            raise ValueError(
                f"nu must be one of {_MATERN_NUS} for the Matérn kernel (closed forms), got {nu}"
            )
        return KernelSpec("matern", _MATERN_CODES[nu], "sqeuclidean", nu)
    raise ValueError(f"unknown kernel {kernel!r}; valid kernels are {', '.join(KERNELS)}")


def check_bandwidth(bandwidth):
    """A numeric bandwidth must be a finite real number > 0; returns it as float."""
    return check_positive(bandwidth, "bandwidth")


def check_pair(X, Y, *, min_samples=1):
    """Validate two samples; return ``(xp, X, Y)`` with a common floating dtype.

    ``Y=None`` is passed through. numpy inputs become arrays (integers -> float64),
    torch inputs stay on their device.
    """
    xp = get_namespace(X, Y)
    X = check_samples(X, "X", min_samples=min_samples)
    if Y is None:
        return xp, X, None
    Y = check_samples(Y, "Y", min_samples=min_samples)
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"X and Y must have the same number of features, got X with {X.shape[1]} and "
            f"Y with {Y.shape[1]}"
        )
    if xp is np:
        dtype = np.promote_types(X.dtype, Y.dtype)
        X, Y = X.astype(dtype, copy=False), Y.astype(dtype, copy=False)
    else:
        dtype = xp.promote_types(X.dtype, Y.dtype)
        X, Y = X.to(dtype), Y.to(dtype)
    return xp, X, Y


def distances_xp(A, B, metric, *, same=False):
    """Distances between rows of ``A`` and ``B`` on torch (or numpy), as ``metric`` wants.

    ``"sqeuclidean"`` uses the centred, clamped expansion of
    :func:`statkit._backend.sqdist` (exact zero diagonal when ``same``); ``"l1"``
    computes the L1 distances directly (``torch.cdist(p=1)`` / broadcasting).
    """
    if metric == "sqeuclidean":
        return sqdist(A) if same else sqdist(A, B)
    if is_torch_tensor(A):
        torch = get_namespace(A)
        return torch.cdist(A, A if same else B, p=1)
    B = A if same else B
    return np.abs(A[:, None, :] - B[None, :, :]).sum(axis=-1)


def kernel_from_distances(D, spec, c):
    """Kernel values from a distance array (out of place; numpy or torch).

    ``D`` holds squared Euclidean distances (or L1 distances for the Laplace kernel)
    and ``c = spec.scale(bandwidth)``.
    """
    xp = get_namespace(D)
    code = spec.code
    if code in (GAUSSIAN, LAPLACE):
        return xp.exp(D * (-c))
    if code == IMQ:
        return 1.0 / xp.sqrt(1.0 + D * c)
    u = xp.sqrt(D) * c
    e = xp.exp(-u)
    if code == MATERN05:
        return e
    if code == MATERN15:
        return (1.0 + u) * e
    return (1.0 + u + u * u / 3.0) * e


def kernel_matrix_numpy(A, B, spec, c):
    """float64 Gram matrix of numpy rows ``A`` against ``B`` through the numba kernel."""
    from . import _numba

    A = np.ascontiguousarray(A, dtype=np.float64)
    Bt = np.ascontiguousarray(np.asarray(B, dtype=np.float64).T)
    out = np.empty((A.shape[0], Bt.shape[1]), dtype=np.float64)
    with _numba.LOCK:
        return _numba.kernel_block(A, Bt, spec.code, spec.metric_code, c, out)


def kernel_matrix(X, Y=None, kernel="gaussian", bandwidth=1.0, nu=1.5):
    r"""Gram matrix :math:`K_{ij} = k(x_i, y_j)` of one of the kernels in :data:`KERNELS`.

    Meant for small data: the matrix has ``n_X * n_Y`` entries. :func:`mmd` never forms
    it.

    Parameters
    ----------
    X : array-like or torch.Tensor of shape (n_X, d)
        A 1-D input is read as ``n_X`` points in dimension 1.
    Y : array-like or torch.Tensor of shape (n_Y, d), optional
        Defaults to ``X``; then the diagonal is exactly :math:`k(x, x) = 1`.
    kernel : {"gaussian", "laplace", "matern", "inverse_multiquadric"}, default="gaussian"
    bandwidth : float, default=1.0
        The length scale :math:`\ell > 0`. (Use :func:`median_bandwidth` for the
        median heuristic.)
    nu : {0.5, 1.5, 2.5}, default=1.5
        Smoothness of the Matérn kernel; ignored by the other kernels.

    Returns
    -------
    K : ndarray or torch.Tensor of shape (n_X, n_Y)
        In the namespace, device and floating dtype of the input (numpy input is
        computed in float64 by the numba kernel and cast back).

    Notes
    -----
    With :math:`r = \|x - y\|_2` and bandwidth :math:`\ell`:

    .. math::

        k_{\mathrm{gaussian}}(x, y) &= \exp\!\left(-\frac{r^2}{2\ell^2}\right), \qquad
        k_{\mathrm{laplace}}(x, y) = \exp\!\left(-\frac{\|x - y\|_1}{\ell}\right), \\
        k_{\mathrm{matern}, 1/2} &= e^{-r/\ell}, \quad
        k_{\mathrm{matern}, 3/2} = \left(1 + \frac{\sqrt3\, r}{\ell}\right)
            e^{-\sqrt3\, r/\ell}, \quad
        k_{\mathrm{matern}, 5/2} = \left(1 + \frac{\sqrt5\, r}{\ell}
            + \frac{5 r^2}{3\ell^2}\right) e^{-\sqrt5\, r/\ell}, \\
        k_{\mathrm{imq}}(x, y) &= \left(1 + \frac{r^2}{\ell^2}\right)^{-1/2}.

    The Laplace kernel uses the **L1** distance: it equals scikit-learn's
    ``laplacian_kernel(X, Y, gamma=1/l)``; the Gaussian kernel equals
    ``rbf_kernel(X, Y, gamma=1/(2 l**2))``; the Matérn kernels equal
    ``sklearn.gaussian_process.kernels.Matern(length_scale=l, nu=nu)``. All are
    characteristic on :math:`\mathbb R^d` and satisfy :math:`k(x, x) = 1`.

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.mmd import kernel_matrix
    >>> X = np.array([[0.0], [1.0]])
    >>> K = kernel_matrix(X, bandwidth=1.0)
    >>> np.round(K, 4)
    array([[1.    , 0.6065],
           [0.6065, 1.    ]])
    """
    spec = kernel_spec(kernel, nu)
    ell = check_bandwidth(bandwidth)
    xp, X, Y = check_pair(X, Y)
    c = spec.scale(ell)
    if xp is np:
        K = kernel_matrix_numpy(X, X if Y is None else Y, spec, c)
        return K.astype(X.dtype, copy=False)
    D = distances_xp(X, Y, spec.metric, same=Y is None)
    return kernel_from_distances(D, spec, c)
