r"""Benchmark simulators for likelihood-free inference, written as :math:`x = G_\theta(u)`.

These are the benchmark models of Bharti et al. (2023): the g-and-k distribution, the
two-moons model, the M/G/1 queue and the MA(2) time series. Each factory returns a
:class:`statkit.mmd.Simulator`, i.e. a deterministic map from a parameter
:math:`\theta` and an ``(m, input_dim)`` array of random inputs :math:`u` (i.i.d. rows
from a known base measure) to an ``(m, output_dim)`` sample, so that the
optimally-weighted MMD estimator can compute its quadrature weights on the :math:`u_i`.
Every transform is vectorised over the rows of :math:`u`; row :math:`i` of the output
depends on row :math:`i` of the input only.
"""

import math
from functools import partial

import numpy as np
from scipy.special import ndtri

from statkit.mmd._simulator import Simulator

__all__ = [
    "K_PARAMETRIZATIONS",
    "g_and_k_quantile",
    "g_and_k_simulator",
    "ma2_simulator",
    "mg1_queue_simulator",
    "two_moons_simulator",
]

#: Accepted values of ``k_parametrization`` for the g-and-k model.
K_PARAMETRIZATIONS = ("exp", "identity")

_G_AND_K_C = 0.8


def _check_k_parametrization(k_parametrization):
    if isinstance(k_parametrization, str) and k_parametrization in K_PARAMETRIZATIONS:
        return k_parametrization
    raise ValueError(
        "k_parametrization must be 'exp' (k = exp(theta[3]), the convention of the "
        "reference code of Bharti et al. 2023) or 'identity' (k = theta[3]), got "
        f"{k_parametrization!r}"
    )


def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def _theta(theta, n_params, who):
    theta = np.asarray(theta, dtype=np.float64).reshape(-1)
    if theta.shape[0] != n_params:
        raise ValueError(f"{who}: theta must have {n_params} entries, got {theta.shape[0]}")
    return theta


# --------------------------------------------------------------------------- g-and-k


def g_and_k_quantile(u, theta, k_parametrization="exp"):
    r"""Quantile function of the g-and-k distribution, evaluated at ``u``.

    .. important::

       ``k_parametrization`` decides what ``theta[3]`` means. With the default
       ``"exp"`` the kurtosis parameter is :math:`k = e^{\theta_4}` (the convention of
       ``utils.sample_gandk`` in the reference code of Bharti et al. 2023); with
       ``"identity"`` it is :math:`k = \theta_4`. The two give the same distribution
       when :math:`\theta_4^{\mathrm{identity}} = \exp(\theta_4^{\mathrm{exp}})`, so the
       same numbers (e.g. :math:`\theta_4 = 0.1`) give *different* distributions.

    Parameters
    ----------
    u : array-like
        Probabilities in the open interval :math:`(0, 1)`, any shape (at :math:`u = 0`
        or :math:`1` the quantile is :math:`\mp\infty`).
    theta : array-like of shape (4,)
        :math:`(A, B, g, \theta_4)`: location, scale (:math:`B > 0`), skewness and the
        kurtosis parameter, read through ``k_parametrization``.
    k_parametrization : {"exp", "identity"}, default="exp"
        :math:`k = e^{\theta_4}` or :math:`k = \theta_4`. Anything else raises
        :class:`ValueError`.

    Returns
    -------
    x : ndarray
        The quantiles, same shape as ``u``.

    Notes
    -----
    With :math:`z = \Phi^{-1}(u)` and :math:`c = 0.8`,

    .. math::

        Q(u; \theta) = A + B \left(1 + c \tanh\frac{g z}{2}\right)
        \left(1 + z^2\right)^{k} z,

    where :math:`\tanh(gz/2) = (1 - e^{-gz}) / (1 + e^{-gz})`. At :math:`g = 0`,
    :math:`k = 0` this is the :math:`N(A, B^2)` quantile; the median is :math:`A` for
    every :math:`(B, g, k)`.

    :math:`Q` is a valid (increasing) quantile function for :math:`B > 0` and
    :math:`k \ge 0`, for every :math:`g`, when :math:`c = 0.8` (Rayner and MacGillivray
    2002). Its symmetric part :math:`(1 + z^2)^k z` has derivative
    :math:`(1 + z^2)^{k-1}(1 + (1 + 2k) z^2)`, so it is increasing iff
    :math:`k \ge -1/2`; for :math:`-1/2 \le k < 0` and :math:`g \ne 0` monotonicity can
    fail. Under ``"exp"``, :math:`k > 0` for every real :math:`\theta_4`.

    References
    ----------
    .. [1] M. A. Haynes, H. L. MacGillivray, K. L. Mengersen (1997). Robustness of
       ranking and selection rules using generalised g-and-k distributions. Journal of
       Statistical Planning and Inference 65(1), 45-66.
    .. [2] G. D. Rayner, H. L. MacGillivray (2002). Numerical maximum likelihood
       estimation for the g-and-k and generalized g-and-h distributions. Statistics and
       Computing 12, 57-75.
    .. [3] A. Bharti, M. Naslidnyk, O. Key, S. Kaski, F.-X. Briol (2023).
       Optimally-weighted estimators of the maximum mean discrepancy for
       likelihood-free inference. ICML 2023, arXiv:2301.11674.

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.datasets import g_and_k_quantile
    >>> float(g_and_k_quantile(0.5, (3.0, 1.0, 0.1, 0.1)))  # the median is A
    3.0
    >>> a = g_and_k_quantile([0.9], (3.0, 1.0, 0.1, 0.3), k_parametrization="identity")
    >>> b = g_and_k_quantile([0.9], (3.0, 1.0, 0.1, float(np.log(0.3))))
    >>> bool(np.allclose(a, b))
    True
    """
    k_parametrization = _check_k_parametrization(k_parametrization)
    a, b, g, t4 = _theta(theta, 4, "g_and_k_quantile")
    k = np.exp(t4) if k_parametrization == "exp" else t4
    z = ndtri(np.asarray(u, dtype=np.float64))
    return a + b * (1.0 + _G_AND_K_C * np.tanh(0.5 * g * z)) * (1.0 + z * z) ** k * z


def _g_and_k(theta, u, *, k_parametrization):
    return g_and_k_quantile(u, theta, k_parametrization=k_parametrization)


def g_and_k_simulator(dim=1, k_parametrization="exp"):
    r"""The g-and-k distribution as a simulator with uniform inputs.

    .. important::

       ``k_parametrization="exp"`` (the default) reads ``theta[3]`` as
       :math:`\log k`, the convention of the reference code of Bharti et al. (2023);
       ``"identity"`` reads it as :math:`k`. The benchmark value
       :math:`\theta = (3, 1, 0.1, 0.1)` is thus :math:`k = e^{0.1} \approx 1.105`
       under ``"exp"`` and :math:`k = 0.1` under ``"identity"``. See
       :func:`g_and_k_quantile`.

    Parameters
    ----------
    dim : int, default=1
        Number of coordinates. With ``dim > 1`` the coordinates are independent
        g-and-k draws with the same :math:`\theta` (a product distribution), one
        uniform input each; this is the instance of the rate checks in several input
        dimensions.
    k_parametrization : {"exp", "identity"}, default="exp"
        :math:`k = e^{\theta_4}` or :math:`k = \theta_4`; anything else raises
        :class:`ValueError`.

    Returns
    -------
    Simulator
        ``input_dim = output_dim = dim``, ``input_measure = "uniform"``,
        ``n_params = 4``, ``true_theta = (3, 1, 0.1, 0.1)``.

    Notes
    -----
    Input row :math:`u \in (0, 1)^{\mathrm{dim}}` (i.i.d. :math:`U(0, 1)`); output
    coordinate :math:`d` is

    .. math::

        x_d = A + B \left(1 + 0.8 \tanh\frac{g z_d}{2}\right)
        \left(1 + z_d^2\right)^{k} z_d, \qquad z_d = \Phi^{-1}(u_d),

    with :math:`\theta = (A, B, g, \theta_4)` and :math:`k` from ``k_parametrization``.
    Bharti et al. (2023) use :math:`\theta = (3, 1, 0.1, 0.1)`.

    ``bounds`` (a search box on which the simulator is finite and the quantile
    function is valid): :math:`A \in [0, 10]`, :math:`B \in [0, 10]` (:math:`B = 0` is
    the degenerate point mass at :math:`A`), :math:`g \in [-5, 5]`, and
    :math:`\theta_4 \in [0, 10]` for ``"identity"`` (:math:`k \ge 0`, see
    :func:`g_and_k_quantile`) or :math:`\theta_4 \in [-5, \log 10]` for ``"exp"``
    (:math:`k \in [e^{-5}, 10]`; any real :math:`\theta_4` is valid, the box only keeps
    the tails finite in float64).

    References
    ----------
    .. [1] A. Bharti, M. Naslidnyk, O. Key, S. Kaski, F.-X. Briol (2023).
       Optimally-weighted estimators of the maximum mean discrepancy for
       likelihood-free inference. ICML 2023, arXiv:2301.11674.
    .. [2] G. D. Rayner, H. L. MacGillivray (2002). Numerical maximum likelihood
       estimation for the g-and-k and generalized g-and-h distributions. Statistics and
       Computing 12, 57-75.

    Examples
    --------
    >>> from statkit.datasets import g_and_k_simulator
    >>> sim = g_and_k_simulator(dim=2, k_parametrization="identity")
    >>> x, u = sim.simulate(sim.true_theta, 5, random_state=0)
    >>> x.shape, u.shape, sim.input_measure
    ((5, 2), (5, 2), 'uniform')
    """
    dim = _check_positive_int(dim, "dim")
    k_parametrization = _check_k_parametrization(k_parametrization)
    if k_parametrization == "exp":
        k_name, k_bounds = "log_k", (-5.0, math.log(10.0))
    else:
        k_name, k_bounds = "k", (0.0, 10.0)
    return Simulator(
        partial(_g_and_k, k_parametrization=k_parametrization),
        input_dim=dim,
        input_measure="uniform",
        n_params=4,
        output_dim=dim,
        name=f"g-and-k (dim={dim}, k_parametrization={k_parametrization!r})",
        param_names=("A", "B", "g", k_name),
        bounds=((0.0, 10.0), (0.0, 10.0), (-5.0, 5.0), k_bounds),
        true_theta=(3.0, 1.0, 0.1, 0.1),
    )


# --------------------------------------------------------------------------- two moons


def _two_moons(theta, u):
    t1, t2 = theta
    a = math.pi * (u[:, 0] - 0.5)
    r = 0.1 + 0.01 * ndtri(u[:, 1])
    x = np.empty((u.shape[0], 2))
    x[:, 0] = r * np.cos(a) + 0.25 - abs(t1 + t2) / math.sqrt(2.0)
    x[:, 1] = r * np.sin(a) + (t2 - t1) / math.sqrt(2.0)
    return x


def two_moons_simulator():
    r"""The two-moons model of Greenberg et al. (2019), as in sbibm.

    Returns
    -------
    Simulator
        ``input_dim = 2``, ``input_measure = "uniform"``, ``output_dim = 2``,
        ``n_params = 2``, ``bounds = ((-1, 1), (-1, 1))`` (the support of the sbibm
        prior), ``true_theta = (0.5, 0.5)``.

    Notes
    -----
    Input row :math:`u = (u_1, u_2) \in (0, 1)^2` (i.i.d. :math:`U(0, 1)`): :math:`u_1`
    gives the angle, :math:`u_2` the radius,

    .. math::

        a = \pi\left(u_1 - \tfrac12\right) \sim U\left(-\tfrac{\pi}{2},
        \tfrac{\pi}{2}\right), \qquad
        r = 0.1 + 0.01\,\Phi^{-1}(u_2) \sim N(0.1, 0.01^2),

        p = \left(r \cos a + 0.25,\; r \sin a\right), \qquad
        x = p + \left(-\frac{|\theta_1 + \theta_2|}{\sqrt 2},\;
        \frac{-\theta_1 + \theta_2}{\sqrt 2}\right).

    Bharti et al. (2023) use :math:`\theta = (0.5, 0.5)`.

    References
    ----------
    .. [1] D. Greenberg, M. Nonnenmacher, J. Macke (2019). Automatic posterior
       transformation for likelihood-free inference. ICML 2019, arXiv:1905.07488.
    .. [2] J.-M. Lueckmann, J. Boelts, D. Greenberg, P. Goncalves, J. Macke (2021).
       Benchmarking simulation-based inference. AISTATS 2021, arXiv:2101.04653
       (sbibm).
    .. [3] A. Bharti, M. Naslidnyk, O. Key, S. Kaski, F.-X. Briol (2023).
       Optimally-weighted estimators of the maximum mean discrepancy for
       likelihood-free inference. ICML 2023, arXiv:2301.11674.

    Examples
    --------
    >>> from statkit.datasets import two_moons_simulator
    >>> sim = two_moons_simulator()
    >>> x, u = sim.simulate(sim.true_theta, 4, random_state=0)
    >>> x.shape, u.shape
    ((4, 2), (4, 2))
    """
    return Simulator(
        _two_moons,
        input_dim=2,
        input_measure="uniform",
        n_params=2,
        output_dim=2,
        name="two moons",
        param_names=("theta1", "theta2"),
        bounds=((-1.0, 1.0), (-1.0, 1.0)),
        true_theta=(0.5, 0.5),
    )


# --------------------------------------------------------------------------- M/G/1 queue


def _mg1_queue(theta, u, *, n_customers):
    t1, t2, t3 = theta
    service = t1 + (t2 - t1) * u[:, :n_customers]
    arrivals = np.cumsum(-np.log(u[:, n_customers:]) / t3, axis=1)
    y = np.empty((u.shape[0], n_customers))
    previous = np.zeros(u.shape[0])
    for i in range(n_customers):
        departure = np.maximum(arrivals[:, i], previous) + service[:, i]
        y[:, i] = departure - previous
        previous = departure
    return y


def mg1_queue_simulator(n_customers=5):
    r"""The M/G/1 queue of Shestopaloff and Neal (2014): inter-departure times.

    Parameters
    ----------
    n_customers : int, default=5
        :math:`T`, the number of customers observed (Bharti et al. 2023 use
        :math:`T = 5`).

    Returns
    -------
    Simulator
        ``input_dim = 2 T``, ``input_measure = "uniform"``, ``output_dim = T``,
        ``n_params = 3``, ``true_theta = (1, 5, 0.2)``.

    Notes
    -----
    A single-server first-come-first-served queue; :math:`\theta = (\theta_1, \theta_2,
    \theta_3)`, service times uniform on :math:`[\theta_1, \theta_2]`, arrivals a
    Poisson process of rate :math:`\theta_3`. Input row
    :math:`u = (u_1, \dots, u_T, u'_1, \dots, u'_T)`, i.i.d. :math:`U(0, 1)`: the
    **first** :math:`T` columns drive the service times, the **last** :math:`T` the
    inter-arrival times. For :math:`i = 1, \dots, T`, with :math:`A_0 = D_0 = 0`,

    .. math::

        s_i = \theta_1 + (\theta_2 - \theta_1)\, u_i, \qquad
        w_i = -\frac{\log u'_i}{\theta_3} \sim \mathrm{Exp}(\theta_3),

        A_i = A_{i-1} + w_i, \qquad
        D_i = \max(A_i, D_{i-1}) + s_i, \qquad
        y_i = D_i - D_{i-1},

    and the output is the vector of inter-departure times :math:`(y_1, \dots, y_T)`
    (:math:`y_1 = D_1 = A_1 + s_1`).

    The usual reading has :math:`\theta_1 \le \theta_2`; for :math:`\theta_1 > \theta_2`
    the formula is still the uniform law on :math:`[\theta_2, \theta_1]`, so the search
    box ``bounds`` = :math:`[0, 10] \times [0, 20] \times [10^{-3}, 1]` need not exclude
    it. :math:`\theta_3 > 0` is required (``bounds`` keeps it away from 0).
    Bharti et al. (2023) use :math:`\theta = (1, 5, 0.2)`.

    References
    ----------
    .. [1] A. Y. Shestopaloff, R. M. Neal (2014). On Bayesian inference for the M/G/1
       queue with efficient MCMC sampling. arXiv:1401.5548.
    .. [2] A. Bharti, M. Naslidnyk, O. Key, S. Kaski, F.-X. Briol (2023).
       Optimally-weighted estimators of the maximum mean discrepancy for
       likelihood-free inference. ICML 2023, arXiv:2301.11674.

    Examples
    --------
    >>> from statkit.datasets import mg1_queue_simulator
    >>> sim = mg1_queue_simulator(n_customers=5)
    >>> x, u = sim.simulate(sim.true_theta, 3, random_state=0)
    >>> x.shape, u.shape
    ((3, 5), (3, 10))
    """
    n_customers = _check_positive_int(n_customers, "n_customers")
    return Simulator(
        partial(_mg1_queue, n_customers=n_customers),
        input_dim=2 * n_customers,
        input_measure="uniform",
        n_params=3,
        output_dim=n_customers,
        name=f"M/G/1 queue (n_customers={n_customers})",
        param_names=("theta1", "theta2", "theta3"),
        bounds=((0.0, 10.0), (0.0, 20.0), (1e-3, 1.0)),
        true_theta=(1.0, 5.0, 0.2),
    )


# --------------------------------------------------------------------------- MA(2)


def _ma2(theta, u):
    t1, t2 = theta
    return u[:, 2:] + t1 * u[:, 1:-1] + t2 * u[:, :-2]


def ma2_simulator(n_obs=10):
    r"""The moving-average model of order 2, MA(2), with Gaussian inputs.

    Parameters
    ----------
    n_obs : int, default=10
        :math:`T`, the length of the observed series (Bharti et al. 2023 use
        :math:`T = 10`).

    Returns
    -------
    Simulator
        ``input_dim = T + 2``, ``input_measure = "gaussian"``, ``output_dim = T``,
        ``n_params = 2``, ``bounds = ((-2, 2), (-1, 1))``, ``true_theta = (0.6, 0.2)``.

    Notes
    -----
    Input row :math:`u = (w_{-1}, w_0, w_1, \dots, w_T)`, i.i.d. :math:`N(0, 1)` (in
    that column order: the two pre-sample innovations first); output

    .. math::

        x_t = w_t + \theta_1 w_{t-1} + \theta_2 w_{t-2}, \qquad t = 1, \dots, T.

    The series is stationary for every :math:`\theta`, with autocovariances
    :math:`\gamma_0 = 1 + \theta_1^2 + \theta_2^2`,
    :math:`\gamma_1 = \theta_1 (1 + \theta_2)`, :math:`\gamma_2 = \theta_2` and
    :math:`\gamma_h = 0` for :math:`h \ge 3`. It is invertible (identifiable from its
    autocovariances) on the triangle :math:`\theta_1 + \theta_2 > -1`,
    :math:`\theta_1 - \theta_2 < 1`, :math:`|\theta_2| < 1`; the search box ``bounds``
    :math:`[-2, 2] \times [-1, 1]` contains that triangle and is larger than it (the
    simulator is finite on all of it). Bharti et al. (2023) use
    :math:`\theta = (0.6, 0.2)`.

    References
    ----------
    .. [1] J.-M. Marin, P. Pudlo, C. P. Robert, R. J. Ryder (2012). Approximate Bayesian
       computational methods. Statistics and Computing 22, 1167-1180.
    .. [2] A. Bharti, M. Naslidnyk, O. Key, S. Kaski, F.-X. Briol (2023).
       Optimally-weighted estimators of the maximum mean discrepancy for
       likelihood-free inference. ICML 2023, arXiv:2301.11674.

    Examples
    --------
    >>> from statkit.datasets import ma2_simulator
    >>> sim = ma2_simulator(n_obs=10)
    >>> x, u = sim.simulate(sim.true_theta, 3, random_state=0)
    >>> x.shape, u.shape, sim.input_measure
    ((3, 10), (3, 12), 'gaussian')
    """
    n_obs = _check_positive_int(n_obs, "n_obs")
    return Simulator(
        _ma2,
        input_dim=n_obs + 2,
        input_measure="gaussian",
        n_params=2,
        output_dim=n_obs,
        name=f"MA(2) (n_obs={n_obs})",
        param_names=("theta1", "theta2"),
        bounds=((-2.0, 2.0), (-1.0, 1.0)),
        true_theta=(0.6, 0.2),
    )
