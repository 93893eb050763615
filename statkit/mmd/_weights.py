r"""Bayesian-quadrature weights on the simulator inputs (Bharti et al. 2023, Sec. 3).

For inputs :math:`u_1, \dots, u_m` drawn from a known base measure :math:`U` and a
kernel :math:`c` on the input space, the weights

.. math::

    w = (C + \delta I)^{-1} z, \qquad C_{ij} = c(u_i, u_j), \qquad
    z_i = \int c(u_i, v)\, U(\mathrm dv),

make :math:`\sum_i w_i f(u_i)` the minimum worst-case-error quadrature rule for
:math:`\int f\,\mathrm dU` over the unit ball of the RKHS of :math:`c`. They depend on
the :math:`u_i` only, so one solve serves every parameter :math:`\theta` of a simulator
evaluated with common random numbers.
"""

import math

import numpy as np

from statkit._backend import get_namespace
from statkit.utils import check_positive

from ._bandwidth import median_bandwidth
from ._kernel_means import check_input_kernel, initial_error, input_gram, kernel_mean
from ._simulator import check_input_measure

__all__ = ["bq_weights"]


def check_inputs(U, measure):
    """Validate the inputs ``U`` (2-D, finite, in [0, 1] for the uniform measure)."""
    from statkit.utils import check_samples

    U = check_samples(U, "u", min_samples=1)
    xp = get_namespace(U)
    if measure == "uniform":
        lo, hi = (float(U.min()), float(U.max()))
        if lo < 0.0 or hi > 1.0:
            raise ValueError(
                "input_measure='uniform' means inputs in [0, 1]^s, but u has entries in "
                f"[{lo:.6g}, {hi:.6g}]; pass the uniforms the simulator consumed (or use "
                "input_measure='gaussian' for standard-normal inputs)"
            )
    return xp, U


def resolve_input_lengthscale(lengthscale, U):
    r"""``"median"``: :math:`\sqrt{\mathrm{median}_{i<j}\|u_i - u_j\|^2 / 2}`; else a float > 0."""
    if isinstance(lengthscale, str):
        if lengthscale.lower() != "median":
            raise ValueError(
                f"input_lengthscale must be 'median' or a float > 0, got {lengthscale!r}"
            )
        if U.shape[0] < 2:
            raise ValueError(
                "input_lengthscale='median' needs at least 2 inputs; pass a float lengthscale"
            )
        # fixed seed: only used to subsample above 2000 inputs, keeps the weights a
        # deterministic function of u
        return median_bandwidth(U, kernel="gaussian", random_state=0)
    return check_positive(lengthscale, "input_lengthscale")


def _cholesky_solve(C, z, jitter):
    """Solve ``(C + jitter I) w = z`` by Cholesky, in float64, numpy or torch."""
    xp = get_namespace(C)
    m = C.shape[0]
    if xp is np:
        from scipy.linalg import LinAlgError, cho_factor, cho_solve

        A = C + jitter * np.eye(m)
        try:
            factor = cho_factor(A, lower=True, check_finite=False)
        except LinAlgError:
            factor = None
        if factor is not None:
            return cho_solve(factor, z, check_finite=False)
    else:
        A = C + jitter * xp.eye(m, dtype=C.dtype, device=C.device)
        L, info = xp.linalg.cholesky_ex(A)
        if int(info) == 0:
            return xp.cholesky_solve(z.reshape(-1, 1), L).reshape(-1)
    raise ValueError(
        f"C + jitter * I is not positive definite in float64 (jitter = {jitter:g}, m = {m}): "
        "the input Gram matrix is too ill-conditioned for this jitter; increase jitter, "
        "shorten input_lengthscale, or use fewer inputs"
    )


def bq_weights(
    u,
    input_measure="uniform",
    input_kernel="gaussian",
    input_lengthscale="median",
    jitter=1e-8,
    return_error=False,
):
    r"""Bayesian-quadrature weights :math:`w = (C + \delta I)^{-1} z` on inputs ``u``.

    Parameters
    ----------
    u : array-like or torch.Tensor of shape (m, s)
        The simulator inputs, i.i.d. from ``input_measure``. A 1-D input is read as
        ``m`` inputs of dimension 1.
    input_measure : {"uniform", "gaussian"}, default="uniform"
        The law of each input row: uniform on :math:`[0, 1]^s` or :math:`N(0, I_s)`.
    input_kernel : {"gaussian", "matern12", "matern32", "matern52"}, default="gaussian"
        The kernel :math:`c`; the Matérn kernels are products of 1-D Matérn kernels
        over the coordinates (see :func:`statkit.mmd.input_gram`).
    input_lengthscale : "median" or float, default="median"
        The length scale of :math:`c`; ``"median"`` is
        :math:`\sqrt{\mathrm{median}_{i<j}\|u_i - u_j\|^2/2}`.
    jitter : float, default=1e-8
        :math:`\delta > 0`, added to the diagonal of :math:`C`, which is numerically
        singular for smooth kernels (condition number about :math:`10^{10}` at
        :math:`m = 256`, :math:`s = 1`, Gaussian :math:`c`).
    return_error : bool, default=False
        Also return the worst-case quadrature error (see Notes).

    Returns
    -------
    w : ndarray or torch.Tensor of shape (m,)
        float64, in the namespace and on the device of ``u``. The weights can be negative
        and need not sum to 1.
    error : float
        Only with ``return_error=True``: the worst-case error :math:`e(w)` of the rule
        (see Notes), evaluated at the jittered weights.

    Raises
    ------
    ValueError
        For inputs outside :math:`[0, 1]^s` under the uniform measure, NaN/inf, an
        unknown kernel or measure, a non-positive jitter or length scale, or a
        :math:`C + \delta I` that Cholesky finds not positive definite.

    Notes
    -----
    :math:`\sum_i w_i f(u_i)` estimates :math:`\int f \,\mathrm dU`; over the unit ball
    of the RKHS :math:`\mathcal H_c` its worst-case error is

    .. math::

        e(w)^2 = \iint c(u, v)\, U(\mathrm du) U(\mathrm dv) - 2 w^\top z + w^\top C w ,

    minimised by :math:`w = C^{-1} z` with value :math:`\iint c - z^\top C^{-1} z`
    (Briol et al. 2019). The solve runs by Cholesky in float64 on every backend (a
    float32 factorisation of a matrix this ill-conditioned is meaningless).

    References
    ----------
    .. [1] Bharti, A., Naslidnyk, M., Key, O., Kaski, S. and Briol, F.-X. (2023).
       Optimally-weighted estimators of the maximum mean discrepancy for
       likelihood-free inference. *ICML 2023*, PMLR 202:2289-2312. arXiv:2301.11674.
    .. [2] Briol, F.-X., Oates, C. J., Girolami, M., Osborne, M. A. and Sejdinovic, D.
       (2019). Probabilistic integration: a role in statistical computation?
       *Statist. Sci.* 34(1):1-22.

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.mmd import bq_weights
    >>> u = np.random.default_rng(0).random((64, 1))
    >>> w = bq_weights(u, input_measure="uniform", input_kernel="matern32")
    >>> f = lambda t: np.sin(3 * t[:, 0])  # integral over [0, 1]: (1 - cos 3) / 3
    >>> exact = (1 - np.cos(3)) / 3
    >>> bool(abs(w @ f(u) - exact) < 1e-3 < abs(f(u).mean() - exact))
    True
    """
    measure = check_input_measure(input_measure)
    kernel = check_input_kernel(input_kernel)
    jitter = check_positive(jitter, "jitter")
    xp, U = check_inputs(u, measure)
    if xp is not np:
        U = U.to(xp.float64)
    else:
        U = U.astype(np.float64, copy=False)
    ell = resolve_input_lengthscale(input_lengthscale, U)
    C = input_gram(U, kernel=kernel, lengthscale=ell)
    z = kernel_mean(U, kernel=kernel, lengthscale=ell, measure=measure)
    w = _cholesky_solve(C, z, jitter)
    if not return_error:
        return w
    # the error of the rule actually used: with jitter, w'Cw = z'w - jitter |w|^2, so the
    # textbook shortcut iint c - z'w would overstate it
    e2 = initial_error(kernel, ell, measure, U.shape[1]) - 2.0 * float(z @ w) + float(w @ (C @ w))
    return w, math.sqrt(max(e2, 0.0))
