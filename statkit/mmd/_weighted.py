r"""The optimally-weighted MMD estimator (Bharti, Naslidnyk, Key, Kaski, Briol 2023).

For a simulator :math:`x = G_\theta(u)` with inputs :math:`u_i` i.i.d. from a **known**
base measure and observed data :math:`y_1, \dots, y_n`,

.. math::

    \widehat{\mathrm{MMD}}{}^2_{\mathrm{OW}} = w^\top K_{xx} w
        - \frac2n\, w^\top K_{xy} \mathbf 1 + \frac1{n^2}\, \mathbf 1^\top K_{yy} \mathbf 1
    = \Big\| \sum_i w_i\, k(x_i, \cdot) - \frac1n \sum_j k(y_j, \cdot) \Big\|^2_{\mathcal H_k},

with the Bayesian-quadrature weights :math:`w` of :func:`bq_weights`: the mean embedding
of :math:`P_\theta` is estimated by kernel quadrature over the inputs instead of by the
sample mean.
"""

import math

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from statkit._backend import get_namespace

from ._estimators import resolve_bandwidth
from ._kernels import check_pair, kernel_spec
from ._observed import ObservedSample
from ._simulator import check_input_measure
from ._weights import bq_weights, check_inputs, resolve_input_lengthscale

__all__ = ["OptimallyWeightedMMD", "weighted_mmd"]


def observed_bandwidth(bandwidth, Y, spec, random_state=0):
    """The data-kernel length scale: ``"median"`` on the observed sample, or a float."""
    from statkit.utils import check_random_state

    return resolve_bandwidth(bandwidth, Y, spec, check_random_state(random_state))


def _check_weights(weights, X):
    xp = get_namespace(X)
    if xp is np:
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
    else:
        w = xp.as_tensor(weights, dtype=xp.float64, device=X.device).reshape(-1)
    if w.shape[0] != X.shape[0]:
        raise ValueError(
            f"weights has {w.shape[0]} entries but X has {X.shape[0]} rows; the weights belong "
            "to the inputs u_i that produced the rows x_i = G(u_i), one each"
        )
    if not bool((w == w).all()) or not bool(abs(w).max() < float("inf")):
        raise ValueError("weights must be finite")
    return w


def _result(value, X, squared):
    value = float(value) if squared else math.sqrt(max(float(value), 0.0))
    xp = get_namespace(X)
    if xp is np:
        return value
    return xp.tensor(value, dtype=X.dtype, device=X.device)


def weighted_mmd(
    X, Y, weights, kernel="gaussian", bandwidth="median", nu=1.5, squared=True, random_state=0
):
    r"""Weighted MMD between :math:`\sum_i w_i \delta_{x_i}` and the empirical law of ``Y``.

    .. math::

        \Big\| \sum_{i=1}^m w_i\, k(x_i, \cdot) - \frac1n \sum_{j=1}^n k(y_j, \cdot)
        \Big\|^2_{\mathcal H_k} = w^\top K_{xx} w - \frac2n\, w^\top K_{xy}\mathbf 1
        + \frac1{n^2}\,\mathbf 1^\top K_{yy}\mathbf 1 .

    With :math:`w = \mathbf 1/m` this is the V-statistic; with the weights of
    :func:`bq_weights` it is the optimally-weighted estimator.

    Parameters
    ----------
    X : array-like or torch.Tensor of shape (m, d)
        The simulated sample.
    Y : array-like or torch.Tensor of shape (n, d)
        The observed sample.
    weights : array-like of shape (m,)
    kernel : {"gaussian", "laplace", "matern", "inverse_multiquadric"}, default="gaussian"
        The data kernel :math:`k` (see :func:`kernel_matrix`).
    bandwidth : "median" or float, default="median"
        ``"median"`` applies the median heuristic to the **observed** sample ``Y`` only
        (as Bharti et al. do), so that the kernel does not change with the simulation.
    nu : {0.5, 1.5, 2.5}, default=1.5
        Smoothness of a Matérn data kernel.
    squared : bool, default=True
        Return :math:`\mathrm{MMD}^2` (the value of the quadratic form, which can be a
        rounding error below 0) or :math:`\mathrm{MMD} = \sqrt{\max(0, \cdot)}`.
    random_state : int, default=0
        Seeds the subsample of the median heuristic when ``n > 2000``.

    Returns
    -------
    float or torch.Tensor
        A float for numpy input; a 0-d tensor in ``X``'s dtype and device for torch
        input (computed in float64).

    References
    ----------
    .. [1] Bharti, A., Naslidnyk, M., Key, O., Kaski, S. and Briol, F.-X. (2023).
       Optimally-weighted estimators of the maximum mean discrepancy for
       likelihood-free inference. *ICML 2023*. arXiv:2301.11674.

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.mmd import mmd, weighted_mmd
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.standard_normal((5, 2)), rng.standard_normal((7, 2))
    >>> v = weighted_mmd(X, Y, np.full(5, 1 / 5), bandwidth=1.0)
    >>> bool(np.isclose(v, mmd(X, Y, bandwidth=1.0, estimator="v")))
    True
    """
    spec = kernel_spec(kernel, nu)
    _, X, Y = check_pair(X, Y)
    w = _check_weights(weights, X)
    ell = observed_bandwidth(bandwidth, Y, spec, random_state)
    obs = ObservedSample(Y, spec, spec.scale(ell))
    return _result(obs.weighted(X, w), X, squared)


class OptimallyWeightedMMD(BaseEstimator):
    r"""Optimally-weighted estimator of the MMD between a simulator and observed data.

    ``fit(u)`` computes the Bayesian-quadrature weights of the simulator inputs once;
    :meth:`estimate` then evaluates

    .. math::

        \widehat{\mathrm{MMD}}{}^2_{\mathrm{OW}}(P_\theta^m, Q^n) = w^\top K_{xx} w
        - \frac2n\, w^\top K_{xy}\mathbf 1 + \frac1{n^2}\,\mathbf 1^\top K_{yy}\mathbf 1,
        \qquad x_i = G_\theta(u_i),

    for any simulated sample produced from **those** inputs (common random numbers), so
    the :math:`O(m^3)` solve is shared by every :math:`\theta`.

    .. warning::

       The weights are quadrature weights for the law of the simulator's inputs
       :math:`u_i`. They exist only when you have the :math:`u_i` and know their law
       (uniform on :math:`[0, 1]^s` or standard normal). This estimator does **not**
       apply to two-sample or drift tests on raw data: ``fit`` refuses to run without
       the inputs, and there is no fallback. (Code circulates that calls "variance-
       optimal" weights without a base measure by this name; it is not this method.)

    Parameters
    ----------
    kernel : {"gaussian", "laplace", "matern", "inverse_multiquadric"}, default="gaussian"
        The data kernel :math:`k`.
    bandwidth : "median" or float, default="median"
        Length scale of :math:`k`; ``"median"`` is the median heuristic on the observed
        sample passed to :meth:`estimate`.
    nu : {0.5, 1.5, 2.5}, default=1.5
        Smoothness of a Matérn data kernel.
    input_kernel : {"gaussian", "matern12", "matern32", "matern52"}, default="gaussian"
        The kernel :math:`c` on the inputs (Matérn: product over coordinates).
    input_lengthscale : "median" or float, default="median"
        Length scale of :math:`c`; ``"median"`` is
        :math:`\sqrt{\mathrm{median}_{i<j}\|u_i-u_j\|^2/2}` (the reference code includes
        the zero diagonal distances in the median, which gives a slightly smaller value).
    input_measure : {"uniform", "gaussian"}, default="uniform"
        The law of each input row.
    jitter : float, default=1e-8
        :math:`\delta` in :math:`w = (C + \delta I)^{-1} z`.

    Attributes
    ----------
    weights_ : ndarray or torch.Tensor of shape (m,)
        float64, in the namespace and device of the ``u`` given to ``fit``.
    input_lengthscale_ : float
    quadrature_error_ : float
        Worst-case error of the quadrature rule over the unit ball of the RKHS of
        :math:`c` (see :func:`bq_weights`).
    n_features_in_ : int
        The input dimension :math:`s`.

    See Also
    --------
    bq_weights, weighted_mmd, MinimumMMDEstimator

    References
    ----------
    .. [1] Bharti, A., Naslidnyk, M., Key, O., Kaski, S. and Briol, F.-X. (2023).
       Optimally-weighted estimators of the maximum mean discrepancy for
       likelihood-free inference. *ICML 2023*, PMLR 202:2289-2312. arXiv:2301.11674.

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.mmd import OptimallyWeightedMMD
    >>> rng = np.random.default_rng(0)
    >>> u = rng.standard_normal((128, 1))          # the simulator's inputs
    >>> x = 1.0 + 2.0 * u                          # x = G(u): N(1, 4)
    >>> y = 1.0 + 2.0 * rng.standard_normal((500, 1))
    >>> ow = OptimallyWeightedMMD(input_measure="gaussian").fit(u)
    >>> bool(ow.estimate(x, y) < 1e-3)
    True
    """

    def __init__(
        self,
        kernel="gaussian",
        bandwidth="median",
        nu=1.5,
        input_kernel="gaussian",
        input_lengthscale="median",
        input_measure="uniform",
        jitter=1e-8,
    ):
        self.kernel = kernel
        self.bandwidth = bandwidth
        self.nu = nu
        self.input_kernel = input_kernel
        self.input_lengthscale = input_lengthscale
        self.input_measure = input_measure
        self.jitter = jitter

    def fit(self, X, y=None):
        r"""Compute the quadrature weights of the simulator inputs ``X`` (shape (m, s)).

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (m, s)
            The inputs :math:`u_1, \dots, u_m` the simulator consumes, i.i.d. from
            ``input_measure`` (named ``X`` for scikit-learn's estimator contract).
        y : ignored

        Returns
        -------
        self
        """
        u = X
        if u is None:
            raise ValueError(
                "OptimallyWeightedMMD needs the simulator inputs u (and their law, "
                "input_measure); without them there are no optimal weights. For a "
                "two-sample comparison of raw data use statkit.mmd.mmd instead"
            )
        kernel_spec(self.kernel, self.nu)  # validate early
        measure = check_input_measure(self.input_measure)
        if get_namespace(u) is np:
            # scikit-learn's validation: 2-D, finite, real, dense, >= 2 rows; n_features_in_
            u = validate_data(self, u, dtype=np.float64, ensure_min_samples=2)
        xp, U = check_inputs(u, measure)
        U = U.astype(np.float64) if xp is np else U.to(xp.float64)
        ell = resolve_input_lengthscale(self.input_lengthscale, U)
        w, err = bq_weights(
            U,
            input_measure=measure,
            input_kernel=self.input_kernel,
            input_lengthscale=ell,
            jitter=self.jitter,
            return_error=True,
        )
        self.weights_ = w
        self.input_lengthscale_ = ell
        self.quadrature_error_ = err
        self.n_features_in_ = U.shape[1]
        return self

    def estimate(self, X, Y, squared=True, random_state=0):
        r"""The optimally-weighted :math:`\widehat{\mathrm{MMD}}{}^2` (or MMD) of ``X`` vs ``Y``.

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (m, d)
            Simulated sample, row :math:`i` produced from the input :math:`u_i` given
            to :meth:`fit`.
        Y : array-like or torch.Tensor of shape (n, d)
            Observed sample.
        squared : bool, default=True
        random_state : int, default=0
            Seeds the median heuristic's subsample when ``n > 2000``.

        Returns
        -------
        float or torch.Tensor
        """
        check_is_fitted(self, "weights_")
        spec = kernel_spec(self.kernel, self.nu)
        _, X, Y = check_pair(X, Y)
        w = _check_weights(self.weights_, X)
        ell = observed_bandwidth(self.bandwidth, Y, spec, random_state)
        obs = ObservedSample(Y, spec, spec.scale(ell))
        return _result(obs.weighted(X, w), X, squared)
