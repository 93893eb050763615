r"""Input kernels, their kernel means and initial errors for Bayesian quadrature.

The optimally-weighted MMD estimator (Bharti et al. 2023) weights the simulated points
by kernel-quadrature weights :math:`w = C^{-1} z` computed on the simulator inputs
:math:`u_1, \dots, u_m \in \mathbb R^s`. This module provides the pieces that depend on
the input kernel :math:`c` and the base measure :math:`U` of the inputs:

- :func:`input_gram`: the Gram matrix :math:`C_{ij} = c(u_i, u_j)`;
- :func:`kernel_mean`: :math:`z_i = \int c(u_i, v)\, U(\mathrm dv)` in closed form;
- :func:`initial_error`: :math:`\iint c(u, v)\, U(\mathrm du)\, U(\mathrm dv)`.

All kernels are products of 1-D kernels over the coordinates (the Gaussian kernel is
isotropic and a product at once), and both measures are products of 1-D measures, so
every integral is a product of 1-D integrals.
"""

import math

import numpy as np

from statkit._backend import get_namespace, is_torch_tensor
from statkit.utils import check_positive, check_samples

from ._simulator import INPUT_MEASURES

__all__ = ["INPUT_KERNELS", "check_input_kernel", "initial_error", "input_gram", "kernel_mean"]

#: Names accepted by the ``kernel`` parameter of :func:`input_gram` and :func:`kernel_mean`.
INPUT_KERNELS = ("gaussian", "matern12", "matern32", "matern52")

# Matérn nu = p + 1/2: k(r) = exp(-x) * sum_k GAMMA[k] x^k with x = a r, a = sqrt(2 nu) / l,
# i.e. the coefficients c_k = GAMMA[k] a^k of r^k.
_MATERN = {
    "matern12": (1.0, (1.0,)),
    "matern32": (3.0, (1.0, 1.0)),
    "matern52": (5.0, (1.0, 1.0, 1.0 / 3.0)),
}

_SQRT_2PI = math.sqrt(2.0 * math.pi)
_SQRT_HALF_PI = math.sqrt(0.5 * math.pi)

# Below this argument the regularised incomplete gamma uses its (positive) power series,
# which avoids the cancellation in 1 - exp(-x) sum_{j<=k} x^j / j!.
_SERIES_BELOW = 2.0
_SERIES_TERMS = 30
# Above this argument the tail moments J_k use their asymptotic series; below it the
# upward recurrence loses at most ~1e-12 relative (checked against mpmath).
_ASYMPTOTIC_ABOVE = 10.0
_ASYMPTOTIC_TERMS = 30


def check_input_kernel(name):
    """Return the lower-cased input-kernel name; raise ``ValueError`` if it is unknown."""
    if isinstance(name, str) and name.lower() in INPUT_KERNELS:
        return name.lower()
    raise ValueError(f"unknown input kernel {name!r}; valid input kernels are {INPUT_KERNELS}")


def _check_measure(measure):
    if isinstance(measure, str) and measure.lower() in INPUT_MEASURES:
        return measure.lower()
    raise ValueError(
        f"measure must be 'uniform' (i.i.d. U[0, 1] coordinates) or 'gaussian' (N(0, I_s)), "
        f"got {measure!r}"
    )


def _check_lengthscale(lengthscale):
    return check_positive(lengthscale, "lengthscale")


def _as_float64(X, name):
    """Validated 2-D finite float64 copy of ``X`` in its namespace (and device)."""
    X = check_samples(X, name, min_samples=1)
    if is_torch_tensor(X):
        return X.to(get_namespace(X).float64)
    return X.astype(np.float64, copy=False)


def _special(xp):
    """``(ndtr, erf, erfcx)`` for the namespace."""
    if xp is np:
        from scipy import special

        return special.ndtr, special.erf, special.erfcx
    return xp.special.ndtr, xp.special.erf, xp.special.erfcx


def _clip(x, lo=None, hi=None):
    if is_torch_tensor(x):
        return x.clamp(min=lo, max=hi)
    return np.clip(x, lo, hi)


def _power(a, k):
    """``a**k`` for a Python float, inf (not OverflowError) on overflow."""
    out = 1.0
    for _ in range(k):
        out *= a
    return out


def _matern_1d(r, a, gamma):
    """1-D Matérn kernel at distances ``r >= 0``: ``exp(-a r) sum_k gamma_k (a r)^k``."""
    xp = get_namespace(r)
    # capped at 800, where k is 0 in float64 anyway: a huge x would overflow x^2
    x = _clip(r * a, hi=800.0)
    poly = 0.0
    for g in reversed(gamma):  # Horner
        poly = poly * x + g
    return poly * xp.exp(-x)


def input_gram(U, V=None, kernel="gaussian", lengthscale=1.0):
    r"""Gram matrix :math:`C_{ij} = c(u_i, v_j)` of an input kernel, in float64.

    Parameters
    ----------
    U : array-like or torch.Tensor of shape (m_U, s)
        A 1-D input is read as ``m_U`` points in dimension 1.
    V : array-like or torch.Tensor of shape (m_V, s), optional
        Defaults to ``U``; then the diagonal is exactly :math:`c(u, u) = 1`.
    kernel : {"gaussian", "matern12", "matern32", "matern52"}, default="gaussian"
    lengthscale : float, default=1.0
        The length scale :math:`\ell > 0`, shared by all coordinates.

    Returns
    -------
    C : ndarray or torch.Tensor of shape (m_U, m_V)
        float64, in the namespace and on the device of the input.

    Notes
    -----
    With :math:`r_d = |u_d - v_d|` the coordinate differences,

    .. math::

        c_{\mathrm{gaussian}}(u, v) = \exp\!\Big(-\frac{1}{2\ell^2}\sum_{d=1}^s r_d^2\Big),
        \qquad c_\nu(u, v) = \prod_{d=1}^s k_\nu(r_d),

    where the 1-D Matérn kernels are

    .. math::

        k_{1/2}(r) = e^{-r/\ell}, \quad
        k_{3/2}(r) = \Big(1 + \frac{\sqrt3\, r}{\ell}\Big) e^{-\sqrt3\, r/\ell}, \quad
        k_{5/2}(r) = \Big(1 + \frac{\sqrt5\, r}{\ell} + \frac{5 r^2}{3\ell^2}\Big)
            e^{-\sqrt5\, r/\ell}.

    The Matérn kernels are *product* kernels (not functions of :math:`\|u - v\|_2`), so
    that their kernel means factorise over the coordinates. Differences are taken
    coordinate by coordinate (no :math:`\|u\|^2 + \|v\|^2 - 2u^\top v` expansion), one
    coordinate at a time so that no :math:`(m_U, m_V, s)` array is formed.

    References
    ----------
    .. [1] Bharti, A., Naslidnyk, M., Key, O., Kaski, S. and Briol, F.-X. (2023).
       Optimally-weighted estimators of the maximum mean discrepancy for
       likelihood-free inference. *ICML 2023*, PMLR 202:2289-2312. arXiv:2301.11674.
    """
    kernel = check_input_kernel(kernel)
    ell = _check_lengthscale(lengthscale)
    get_namespace(U, V)  # refuses numpy mixed with torch, or tensors on two devices
    U = _as_float64(U, "U")
    V = U if V is None else _as_float64(V, "V")
    if U.shape[1] != V.shape[1]:
        raise ValueError(
            f"U and V must have the same number of coordinates, got U with {U.shape[1]} and "
            f"V with {V.shape[1]}"
        )
    if is_torch_tensor(U) and (U.requires_grad or V.requires_grad):
        return _gram_autograd(U, V, kernel, ell)
    return _gram_inplace(U, V, kernel, ell)


def _clip_(x, lo=None, hi=None):
    """In-place :func:`_clip`."""
    if is_torch_tensor(x):
        return x.clamp_(min=lo, max=hi)
    return np.clip(x, lo, hi, out=x)


def _gram_inplace(U, V, kernel, ell):
    """The Gram matrix with a few reused (m_U, m_V) buffers: at m = 4000 the allocation
    of fresh temporaries, not the arithmetic, dominates."""
    xp = get_namespace(U)
    r = U[:, :1] - V[:, 0][None, :]
    if kernel == "gaussian":
        t = 1.0 / ell
        sq = None
        for d in range(U.shape[1]):
            if d:
                xp.subtract(U[:, d : d + 1], V[:, d][None, :], out=r)
            # scaled first, so that l^2 cannot underflow; for absurdly short l the
            # differences are capped where exp(-r^2/2) is 0 anyway (r^2 would overflow)
            r *= t
            if t > 1e100:
                _clip_(r, -1e150, 1e150)
            if sq is None:
                sq = r * r
            else:
                r *= r
                sq += r
        sq *= -0.5
        return xp.exp(sq, out=sq)
    nu2, gamma = _MATERN[kernel]
    a = math.sqrt(nu2) / ell
    coefs = gamma[::-1]
    # prod_d p(x_d) e^{-x_d} = exp(-sum_d x_d) prod_d p(x_d): one exp instead of s
    total = prod = poly = None
    for d in range(U.shape[1]):
        if d:
            xp.subtract(U[:, d : d + 1], V[:, d][None, :], out=r)
        xp.abs(r, out=r)
        r *= a
        _clip_(r, hi=800.0)  # k is 0 in float64 beyond, and x^2 cannot overflow
        if total is None:
            total = r * 1.0
        else:
            total += r
        if len(coefs) == 1:
            continue
        if poly is None:
            poly = r * coefs[0]
        else:
            xp.multiply(r, coefs[0], out=poly)
        for g in coefs[1:-1]:  # Horner
            poly += g
            poly *= r
        poly += coefs[-1]
        if prod is None:
            prod, poly = poly, None
        else:
            prod *= poly
    total *= -1.0
    C = xp.exp(total, out=total)
    if prod is not None:
        C *= prod
    return C


def _gram_autograd(U, V, kernel, ell):
    """Out-of-place version of :func:`_gram_inplace`, for tensors that require grad."""
    xp = get_namespace(U)
    if kernel == "gaussian":
        sq = 0.0
        for d in range(U.shape[1]):
            r = (U[:, d : d + 1] - V[:, d][None, :]) * (1.0 / ell)
            if ell < 1e-100:
                r = _clip(r, -1e150, 1e150)
            sq = sq + r * r
        return xp.exp(sq * -0.5)
    nu2, gamma = _MATERN[kernel]
    a = math.sqrt(nu2) / ell
    C = 1.0
    for d in range(U.shape[1]):
        C = C * _matern_1d(xp.abs(U[:, d : d + 1] - V[:, d][None, :]), a, gamma)
    return C


def _reg_lower_gamma(k, x):
    r"""Regularised lower incomplete gamma :math:`P(k+1, x) = 1 - e^{-x}\sum_{j\le k}
    x^j/j!` for integer ``k >= 0`` and ``x >= 0``, without cancellation at small ``x``."""
    xp = get_namespace(x)
    if k == 0:
        return -xp.expm1(-x)
    # small x: e^{-x} sum_{n>k} x^n / n!, all terms positive
    xs = _clip(x, hi=_SERIES_BELOW)
    term = xs ** (k + 1) / math.factorial(k + 1)
    series = term
    for n in range(k + 1, k + _SERIES_TERMS):
        term = term * xs / (n + 1)
        series = series + term
    series = series * xp.exp(-xs)
    # otherwise the closed form, whose cancellation costs < 1 digit for x >= 2; x is
    # capped at 800 in the tail, where e^{-x} x^j / j! is 0 in float64 either way
    xd = _clip(x, hi=800.0)
    head = 0.0
    for j in range(k, 0, -1):  # Horner for sum_{1<=j<=k} x^j / j!
        head = (head + 1.0) * xd / j
    direct = -xp.expm1(-x) - head * xp.exp(-xd)
    return xp.where(x < _SERIES_BELOW, series, direct)


def _tail_moments(y, kmax, scale):
    r"""Scaled tail moments :math:`\sigma^k J_k(y)`, :math:`k = 0, \dots, k_{\max}`, of
    :math:`J_k(y) = \int_0^\infty t^k e^{-y t - t^2/2}\,\mathrm dt` for ``y >= 0`` and a
    Python float ``scale`` :math:`\sigma > 0`.

    :math:`J_0(y) = \sqrt{\pi/2}\,\operatorname{erfcx}(y/\sqrt2)`, then the upward
    recurrence :math:`J_1 = 1 - yJ_0`, :math:`J_{k+1} = kJ_{k-1} - yJ_k` (integration by
    parts). The recurrence cancels for large ``y``, where the asymptotic series
    :math:`J_k(y) \sim \sum_n (-1)^n \frac{(k+2n)!}{2^n n!}\, y^{-(k+2n+1)}` is used
    instead (its smallest term is about :math:`e^{-y^2/2}`), evaluated as
    :math:`(\sigma/y)^k / y` times a series in :math:`y^{-2}` so that neither
    :math:`y^{k+1}` nor :math:`\sigma^k` overflows when :math:`\sigma \approx y` is huge
    (tiny length scales).
    """
    xp = get_namespace(y)
    _, _, erfcx = _special(xp)
    inv_sqrt2 = 1.0 / math.sqrt(2.0)
    J = [_SQRT_HALF_PI * erfcx(y * inv_sqrt2)]
    if kmax == 0:
        return J
    # upward recurrence on y clipped to the threshold: it is only used below it, and the
    # clipping keeps the discarded entries finite
    ys = _clip(y, hi=_ASYMPTOTIC_ABOVE)
    R = [_SQRT_HALF_PI * erfcx(ys * inv_sqrt2)]
    R.append(1.0 - ys * R[0])
    for k in range(1, kmax):
        R.append(k * R[k - 1] - ys * R[k])
    big = y >= _ASYMPTOTIC_ABOVE
    yb = _clip(y, lo=_ASYMPTOTIC_ABOVE)
    inv2 = (1.0 / yb) ** 2  # not 1 / yb^2: yb^2 overflows for l < 1e-154
    ratio = scale / yb
    for k in range(1, kmax + 1):
        term = float(math.factorial(k))
        asym = term
        for n in range(_ASYMPTOTIC_TERMS - 1):
            term = term * (-(k + 2 * n + 1) * (k + 2 * n + 2) / (2.0 * (n + 1))) * inv2
            asym = asym + term
        J.append(xp.where(big, asym * ratio**k / yb, R[k] * _power(scale, k)))
    return J


def _matern_gauss_half(u, a, gamma):
    r"""One side of the Gaussian-measure Matérn mean,
    :math:`g(u) = \int_0^\infty k(t)\,\varphi(u - t)\,\mathrm dt`, stable for all ``a``."""
    xp = get_namespace(u)
    ndtr, _, _ = _special(xp)
    phi_u = xp.exp(-0.5 * u * u) * (1.0 / _SQRT_2PI)
    b = u - a
    # b >= 0 (u >= a): e^{a^2/2 - a u} <= e^{-a^2/2}, so T0 = e^{a^2/2 - a u} Phi(b) directly
    bp = _clip(b, lo=0.0)
    # (a capped at 40: beyond, e^{-a(a/2 + b)} <= e^{-800} is 0 in float64 either way, and
    # the cap avoids an overflow warning for a^2)
    ac = min(a, 40.0)
    T0 = xp.exp(-ac * (0.5 * ac + bp)) * ndtr(bp)
    pos = gamma[0] * T0
    if len(gamma) > 1:
        pos = pos + (gamma[1] * a) * (bp * T0 + phi_u)
    if len(gamma) > 2:
        # a * (a * x), not a^2 * x: a^2 overflows for l < 1e-154 while x underflows
        pos = pos + gamma[2] * (a * (a * ((bp * bp + 1.0) * T0 + bp * phi_u)))
    # b < 0: e^{a^2/2 - a u} M_k(b) = phi(u) J_k(-b), erfcx inside J_0 (no overflow), and
    # c_k J_k = gamma_k a^k J_k from the scaled moments
    S = _tail_moments(_clip(-b, lo=0.0), len(gamma) - 1, a)
    neg = gamma[0] * S[0]
    for k in range(1, len(gamma)):
        neg = neg + gamma[k] * S[k]
    return xp.where(b >= 0, pos, phi_u * neg)


def kernel_mean(U, kernel="gaussian", lengthscale=1.0, measure="uniform"):
    r"""Kernel mean :math:`z_i = \int c(u_i, v)\, U(\mathrm dv)` of an input kernel, in
    closed form.

    Parameters
    ----------
    U : array-like or torch.Tensor of shape (m, s)
        The inputs; a 1-D input is read as ``m`` inputs of dimension 1. Under
        ``measure="uniform"`` every entry must lie in :math:`[0, 1]`.
    kernel : {"gaussian", "matern12", "matern32", "matern52"}, default="gaussian"
        The input kernel :math:`c` (see :func:`input_gram`).
    lengthscale : float, default=1.0
        The length scale :math:`\ell > 0`.
    measure : {"uniform", "gaussian"}, default="uniform"
        The base measure :math:`U`: Lebesgue measure on :math:`[0, 1]^s` (i.i.d.
        :math:`U[0, 1]` coordinates) or :math:`N(0, I_s)`.

    Returns
    -------
    z : ndarray or torch.Tensor of shape (m,)
        float64, in the namespace and on the device of ``U``.

    Raises
    ------
    ValueError
        For NaN/inf inputs, inputs outside :math:`[0, 1]^s` under the uniform measure, an
        unknown kernel or measure, a length scale that is not a finite float > 0, or a
        result that is not finite in float64 (length scales outside about
        :math:`[10^{-300}, 10^{300}]`).

    Notes
    -----
    Kernel and measure are products over the coordinates, so
    :math:`z(u) = \prod_{d=1}^s z_1(u_d)` with the 1-D means below (:math:`\Phi`,
    :math:`\varphi` the standard normal cdf and density).

    **Gaussian kernel.** Completing the square,

    .. math::

        z_1^{\mathrm{unif}}(u) = \sqrt{2\pi}\,\ell\,\Big[\Phi\Big(\frac{1-u}{\ell}\Big)
            - \Phi\Big(-\frac{u}{\ell}\Big)\Big], \qquad
        z^{\mathrm{gauss}}(u) = \Big(\frac{\ell^2}{\ell^2+1}\Big)^{s/2}
            \exp\!\Big(-\frac{\|u\|^2}{2(\ell^2+1)}\Big).

    The uniform case is evaluated as
    :math:`\sqrt{\pi/2}\,\ell\,[\operatorname{erf}(\tfrac{1-u}{\sqrt2\ell})
    + \operatorname{erf}(\tfrac{u}{\sqrt2\ell})]`, a sum of non-negative terms.

    **Matérn kernels.** For :math:`\nu = p + 1/2` write
    :math:`k_\nu(r) = e^{-ar}\sum_{k=0}^p c_k r^k` with :math:`a = \sqrt{2\nu}/\ell` and
    :math:`(c_k) = (1)`, :math:`(1, a)`, :math:`(1, a, a^2/3)`. Under the uniform
    measure, splitting :math:`[0, 1]` at :math:`u`,

    .. math::

        z_1^{\mathrm{unif}}(u) = \sum_{k=0}^p c_k \big[I_k(u) + I_k(1-u)\big], \qquad
        I_k(L) = \int_0^L t^k e^{-at}\,\mathrm dt
            = \frac{k!}{a^{k+1}}\Big(1 - e^{-aL}\sum_{j=0}^k \frac{(aL)^j}{j!}\Big),

    the bracket being the regularised incomplete gamma function :math:`P(k+1, aL)`,
    computed from its positive power series when :math:`aL < 2` (large :math:`\ell`).
    Under the Gaussian measure, the side :math:`v < u` (:math:`t = u - v > 0`) gives,
    with :math:`b = u - a`,

    .. math::

        g(u) = \int_0^\infty k_\nu(t)\,\varphi(u - t)\,\mathrm dt
            = e^{a^2/2 - au}\sum_{k=0}^p c_k M_k(b), \qquad
        M_k(b) = \int_0^\infty t^k \varphi(t - b)\,\mathrm dt,

    with :math:`M_0 = \Phi(b)`, :math:`M_1 = b\Phi(b) + \varphi(b)`,
    :math:`M_2 = (b^2+1)\Phi(b) + b\varphi(b)`; the side :math:`v > u` is
    :math:`g(-u)`, so :math:`z_1^{\mathrm{gauss}}(u) = g(u) + g(-u)`. Since
    :math:`e^{a^2/2 - au}\varphi(b) = \varphi(u)`, for :math:`b < 0` this is
    :math:`g(u) = \varphi(u)\sum_k c_k J_k(-b)` with
    :math:`J_k(y) = \int_0^\infty t^k e^{-yt - t^2/2}\,\mathrm dt`,
    :math:`J_0(y) = \sqrt{\pi/2}\,\operatorname{erfcx}(y/\sqrt2)`, which neither
    overflows nor cancels for short length scales (:math:`a \gg 1`); for :math:`b \ge 0`
    the factor :math:`e^{a^2/2 - au} \le e^{-a^2/2}` is used directly.

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
    >>> from statkit.mmd._kernel_means import kernel_mean
    >>> z = kernel_mean(np.array([[0.0], [0.5], [1.0]]), kernel="matern12", lengthscale=1.0)
    >>> bool(np.allclose(z, [1 - np.exp(-1), 2 * (1 - np.exp(-0.5)), 1 - np.exp(-1)]))
    True
    """
    kernel = check_input_kernel(kernel)
    ell = _check_lengthscale(lengthscale)
    measure = _check_measure(measure)
    xp = get_namespace(U)
    U = _as_float64(U, "U")
    if measure == "uniform":
        lo, hi = float(U.min()), float(U.max())
        if lo < 0.0 or hi > 1.0:
            raise ValueError(
                "measure='uniform' means inputs in [0, 1]^s, but U has entries in "
                f"[{lo:.6g}, {hi:.6g}]; use measure='gaussian' for standard-normal inputs"
            )
    s = U.shape[1]
    if kernel == "gaussian" and measure == "gaussian":
        # l / sqrt(l^2 + 1) and 1 / (2 (l^2 + 1)), written so that l^2 neither over- nor
        # underflows
        t = 1.0 / ell
        ratio = ell / math.sqrt(ell * ell + 1.0) if ell <= 1.0 else 1.0 / math.sqrt(1.0 + t * t)
        rate = 0.5 / (ell * ell + 1.0) if ell <= 1.0 else 0.5 * t * t / (1.0 + t * t)
        return _check_finite(xp.exp((U * U).sum(1) * (-rate)) * ratio**s, ell)
    if kernel == "gaussian":
        _, erf, _ = _special(xp)
        scale = 1.0 / (math.sqrt(2.0) * ell)
        Z = (erf((1.0 - U) * scale) + erf(U * scale)) * (_SQRT_HALF_PI * ell)
    else:
        nu2, gamma = _MATERN[kernel]
        a = math.sqrt(nu2) / ell
        if measure == "uniform":
            # c_k I_k(L) = gamma_k k! / a * P(k+1, aL)
            Z = 0.0
            for k, g in enumerate(gamma):
                w = g * math.factorial(k) / a
                Z = Z + w * (_reg_lower_gamma(k, U * a) + _reg_lower_gamma(k, (1.0 - U) * a))
        else:
            Z = _matern_gauss_half(U, a, gamma) + _matern_gauss_half(-U, a, gamma)
    # c <= 1 and U has mass 1, so z <= 1; rounding gives 1 + eps at l >~ 1e8
    Z = _clip(Z, hi=1.0)
    return _check_finite(xp.prod(Z, 1) if is_torch_tensor(Z) else np.prod(Z, axis=1), ell)


def _check_finite(z, ell):
    """Refuse a non-finite result (only at absurd length scales, where a^p overflows)."""
    finite = bool(get_namespace(z).isfinite(z).all())
    if not finite:
        raise ValueError(
            f"the kernel mean is not finite in float64 at lengthscale={ell:g}; the closed "
            "forms are evaluated reliably for length scales in about [1e-300, 1e300]"
        )
    return z


def _reg_lower_gamma_integral_scaled(k, A):
    r""":math:`R_k(A) / A^2` for a Python float ``A > 0``, where
    :math:`R_k(A) = \int_0^A P(k+1, x)\,\mathrm dx = A - (k+1) + e^{-A}
    \sum_{i\le k}(k+1-i) A^i/i!`; for small ``A`` from the equivalent positive series
    :math:`e^{-A}\sum_{n\ge k+2}(n-k-1)A^n/n!` (no cancellation, no underflow of
    :math:`A^2`)."""
    if A < _SERIES_BELOW:
        term = _power(A, k) / math.factorial(k + 2)  # A^{n-2} / n! at n = k + 2
        total = term
        for n in range(k + 2, k + 2 + _SERIES_TERMS):
            term *= A / (n + 1)
            total += (n - k) * term
        return math.exp(-A) * total
    tail = 0.0
    if A < 700.0:  # e^{-A} A^i / i! is below 1e-290 beyond
        tail = math.exp(-A) * sum((k + 1 - i) * A**i / math.factorial(i) for i in range(k + 1))
    return (1.0 - (k + 1) / A + tail / A) / A


def initial_error(kernel, lengthscale, measure, dim):
    r"""Initial error :math:`\iint c(u, v)\, U(\mathrm du)\, U(\mathrm dv)` of an input
    kernel, in closed form.

    It is the squared worst-case error of the zero quadrature rule; the Bayesian
    quadrature rule :math:`w = C^{-1}z` has squared worst-case error
    :math:`\iint c - z^\top C^{-1} z`.

    Parameters
    ----------
    kernel : {"gaussian", "matern12", "matern32", "matern52"}
    lengthscale : float
        The length scale :math:`\ell > 0`.
    measure : {"uniform", "gaussian"}
        Lebesgue measure on :math:`[0, 1]^s` or :math:`N(0, I_s)`.
    dim : int
        The input dimension :math:`s \ge 1`.

    Returns
    -------
    value : float
        In :math:`(0, 1]`.

    Raises
    ------
    ValueError
        For an unknown kernel or measure, a length scale that is not a finite float > 0,
        or ``dim < 1``.

    Notes
    -----
    The integral is the ``dim``-th power of its 1-D value (notation of
    :func:`kernel_mean`):

    .. math::

        \text{Gaussian, uniform:}&\quad 2\ell^2\big(e^{-1/(2\ell^2)} - 1\big)
            + \sqrt{2\pi}\,\ell\,\big(2\Phi(1/\ell) - 1\big), \\
        \text{Gaussian, Gaussian:}&\quad \ell / \sqrt{\ell^2 + 2}, \\
        \text{Matérn, uniform:}&\quad \int_0^1 z_1^{\mathrm{unif}}(u)\,\mathrm du
            = \frac{2}{a^2}\sum_{k=0}^p \gamma_k\, k!\, R_k(a), \quad
            R_k(A) = \int_0^A P(k+1, x)\,\mathrm dx
            = A - (k+1) + e^{-A}\sum_{i=0}^k (k+1-i)\frac{A^i}{i!}, \\
        \text{Matérn, Gaussian:}&\quad \mathbb E\, k_\nu(|D|),\ D \sim N(0, 2):
            \quad \frac{2}{\sqrt{2\pi}} \sum_{k=0}^p c_k\, 2^{k/2}\, J_k(\sqrt2\, a),

    where :math:`c_k = \gamma_k a^k` (:math:`\gamma = (1), (1, 1), (1, 1, 1/3)`),
    :math:`P(k+1, x) = \int_0^x t^k e^{-t}\,\mathrm dt / k!` is the regularised
    incomplete gamma function (so :math:`R_k` follows from
    :math:`\int_0^A e^{-x}x^i/i!\,\mathrm dx = P(i+1, A)`), and the last line is the
    Gaussian-measure mean at :math:`u = 0` after substituting :math:`D = \sqrt2\, t`.

    References
    ----------
    .. [1] Bharti, A., Naslidnyk, M., Key, O., Kaski, S. and Briol, F.-X. (2023).
       Optimally-weighted estimators of the maximum mean discrepancy for
       likelihood-free inference. *ICML 2023*, PMLR 202:2289-2312. arXiv:2301.11674.
    .. [2] Briol, F.-X., Oates, C. J., Girolami, M., Osborne, M. A. and Sejdinovic, D.
       (2019). Probabilistic integration: a role in statistical computation?
       *Statist. Sci.* 34(1):1-22.
    """
    kernel = check_input_kernel(kernel)
    ell = _check_lengthscale(lengthscale)
    measure = _check_measure(measure)
    dim = check_positive(dim, "dim", integer=True)
    t = 1.0 / ell
    if kernel == "gaussian":
        if measure == "uniform" and t < 1e-5:
            # Taylor in 1/l (next term O(l^-4)): the closed form would turn into inf * 0
            value = 1.0 - t * t / 12.0
        elif measure == "uniform":
            value = 2.0 * ell * ell * math.expm1(-0.5 * t * t) + _SQRT_2PI * ell * math.erf(
                t / math.sqrt(2.0)
            )
        else:
            value = ell / math.sqrt(ell * ell + 2.0) if ell <= 1.0 else 1 / math.sqrt(1 + 2 * t * t)
    else:
        nu2, gamma = _MATERN[kernel]
        a = math.sqrt(nu2) / ell
        if measure == "uniform":
            value = 2.0 * sum(
                g * math.factorial(k) * _reg_lower_gamma_integral_scaled(k, a)
                for k, g in enumerate(gamma)
            )
        else:
            # c_k 2^{k/2} J_k(sqrt2 a) = gamma_k (sqrt2 a)^k J_k(sqrt2 a)
            y = math.sqrt(2.0) * a
            S = _tail_moments(np.asarray(y), len(gamma) - 1, y)
            value = (2.0 / _SQRT_2PI) * sum(g * float(S[k]) for k, g in enumerate(gamma))
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(
            f"the initial error is not finite in float64 at lengthscale={ell:g}; the closed "
            "forms are evaluated reliably for length scales in about [1e-300, 1e300]"
        )
    # c <= 1 and U has mass 1: a value above 1 is rounding (seen at l ~ 1e8)
    return min(value, 1.0) ** dim
