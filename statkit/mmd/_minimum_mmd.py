r"""Minimum-MMD parameter estimation for simulators (Briol et al. 2019; Bharti et al. 2023).

.. math::

    \hat\theta = \arg\min_{\theta \in \Theta}
        \widehat{\mathrm{MMD}}{}^2\big(P_\theta^m, Q^n\big),
    \qquad P_\theta^m = \{G_\theta(u_i)\}_{i=1}^m ,

with the inputs :math:`u_1, \dots, u_m` drawn **once** (common random numbers), so that
the objective is a deterministic, and for smooth simulators smooth, function of
:math:`\theta` that an ordinary optimiser can minimise.
"""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from statkit.utils import check_positive, check_random_state, check_samples, to_numpy

from ._kernels import kernel_spec
from ._observed import ObservedSample
from ._simulator import NonFiniteSimulationError, check_simulator
from ._weighted import observed_bandwidth
from ._weights import bq_weights

__all__ = ["MinimumMMDEstimator"]

_ESTIMATORS = ("v", "u", "weighted")
_SCIPY_METHODS = ("nelder-mead", "powell", "l-bfgs-b")


def _check_bounds(bounds, n_params):
    if bounds is None:
        return None
    try:
        pairs = [
            (-np.inf if lo is None else float(lo), np.inf if hi is None else float(hi))
            for lo, hi in bounds
        ]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bounds must be a sequence of (low, high) pairs, got {bounds!r}") from exc
    if n_params is not None and len(pairs) != n_params:
        raise ValueError(f"bounds must have {n_params} (low, high) pairs, got {len(pairs)}")
    for lo, hi in pairs:
        if not lo < hi:
            raise ValueError(f"each bound must satisfy low < high, got ({lo}, {hi})")
    return pairs


class MinimumMMDEstimator(BaseEstimator):
    r"""Minimum-distance estimator of a simulator's parameter with the MMD.

    ``fit(X)`` draws the simulator inputs once, then minimises
    :math:`\theta \mapsto \widehat{\mathrm{MMD}}{}^2(P_\theta^m, Q^n)` over ``bounds``;
    each objective evaluation is one batch of ``n_simulations`` simulations from the
    same inputs (common random numbers). The observed-data term
    :math:`\sum_{j,j'} k(y_j, y_{j'})` is computed once, and with
    ``estimator="weighted"`` so are the quadrature weights.

    Parameters
    ----------
    simulator : Simulator or SeededSimulator
        The model; see :class:`statkit.mmd.Simulator`. ``estimator="weighted"`` needs a
        :class:`~statkit.mmd.Simulator` (the inputs and their law).
    estimator : {"weighted", "v", "u"}, default="weighted"
        The MMD estimator: the optimally-weighted one (Bharti et al. 2023), the
        V-statistic or the U-statistic.
    n_simulations : int, default=256
        :math:`m`, simulations per objective evaluation.
    kernel : {"gaussian", "laplace", "matern", "inverse_multiquadric"}, default="gaussian"
        The data kernel :math:`k`.
    bandwidth : "median" or float, default="median"
        ``"median"``: median heuristic on the observed data, fixed during the fit.
    nu : {0.5, 1.5, 2.5}, default=1.5
        Smoothness of a Matérn data kernel.
    input_kernel, input_lengthscale, jitter
        As in :class:`OptimallyWeightedMMD` (``estimator="weighted"`` only).
    theta0 : array-like, optional
        Starting point. Default: the centre of ``bounds`` (which must then be finite).
    bounds : sequence of (low, high), optional
        The search box; default ``simulator.bounds``.
    optimizer : {"nelder-mead", "powell", "l-bfgs-b"} or callable, default="nelder-mead"
        A :func:`scipy.optimize.minimize` method (with ``bounds``), or
        ``optimizer(fun, x0, bounds) -> result`` returning an object with an ``x``
        attribute or the minimiser itself.
    n_restarts : int, default=0
        Extra starts drawn uniformly in ``bounds`` (finite bounds needed); the best
        result is kept.
    max_iter : int, optional
        ``maxiter`` for the scipy method.
    random_state : None, int or numpy.random.Generator
        Seeds the simulator inputs and the restarts.

    Attributes
    ----------
    theta_ : ndarray of shape (n_params,)
        The estimate.
    mmd2_ : float
        The objective at ``theta_``.
    inputs_ : ndarray of shape (m, s) or None
        The common inputs (``None`` for a seeded simulator).
    weights_ : ndarray of shape (m,) or None
        The quadrature weights (``estimator="weighted"`` only).
    bandwidth_ : float
        The data-kernel length scale used.
    n_evaluations_ : int
        Objective evaluations, each costing ``n_simulations`` simulator calls.
    n_simulator_calls_ : int
        ``n_evaluations_ * n_simulations``.
    n_invalid_ : int
        Evaluations at which the simulator returned NaN/inf (objective set to
        :math:`+\infty`).
    optimize_results_ : list
        The optimiser's result for each start.
    n_features_in_ : int
        Dimension of the observed data.

    References
    ----------
    .. [1] Briol, F.-X., Barp, A., Duncan, A. B. and Girolami, M. (2019). Statistical
       inference for generative models with maximum mean discrepancy. arXiv:1906.05944.
    .. [2] Bharti, A., Naslidnyk, M., Key, O., Kaski, S. and Briol, F.-X. (2023).
       Optimally-weighted estimators of the maximum mean discrepancy for
       likelihood-free inference. *ICML 2023*. arXiv:2301.11674.

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.mmd import MinimumMMDEstimator, Simulator
    >>> sim = Simulator(lambda th, u: th[0] + u, input_dim=1, input_measure="gaussian",
    ...                 bounds=[(-5, 5)])
    >>> y = 1.5 + np.random.default_rng(1).standard_normal((400, 1))
    >>> est = MinimumMMDEstimator(sim, n_simulations=64, random_state=0).fit(y)
    >>> bool(abs(est.theta_[0] - 1.5) < 0.2)
    True
    """

    def __init__(
        self,
        simulator,
        estimator="weighted",
        n_simulations=256,
        kernel="gaussian",
        bandwidth="median",
        nu=1.5,
        input_kernel="gaussian",
        input_lengthscale="median",
        jitter=1e-8,
        theta0=None,
        bounds=None,
        optimizer="nelder-mead",
        n_restarts=0,
        max_iter=None,
        random_state=None,
    ):
        self.simulator = simulator
        self.estimator = estimator
        self.n_simulations = n_simulations
        self.kernel = kernel
        self.bandwidth = bandwidth
        self.nu = nu
        self.input_kernel = input_kernel
        self.input_lengthscale = input_lengthscale
        self.jitter = jitter
        self.theta0 = theta0
        self.bounds = bounds
        self.optimizer = optimizer
        self.n_restarts = n_restarts
        self.max_iter = max_iter
        self.random_state = random_state

    # --- validation ----------------------------------------------------------------------

    def _validate(self):
        sim = check_simulator(self.simulator)
        est = self.estimator
        if not (isinstance(est, str) and est.lower() in _ESTIMATORS):
            raise ValueError(f"estimator must be one of {_ESTIMATORS}, got {est!r}")
        est = est.lower()
        if est == "weighted" and not sim.supports_inputs:
            raise ValueError(
                "estimator='weighted' needs the simulator's inputs u and their law, but a "
                "SeededSimulator hides them; rewrite it as simulator(theta, u) and wrap it in "
                "statkit.mmd.Simulator, or use estimator='v' or 'u'"
            )
        m = self.n_simulations
        if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 2:
            raise ValueError(f"n_simulations must be an integer >= 2, got {m!r}")
        r = self.n_restarts
        if isinstance(r, bool) or not isinstance(r, numbers.Integral) or r < 0:
            raise ValueError(f"n_restarts must be an integer >= 0, got {r!r}")
        if self.max_iter is not None:
            check_positive(self.max_iter, "max_iter")
        opt = self.optimizer
        if not callable(opt) and not (isinstance(opt, str) and opt.lower() in _SCIPY_METHODS):
            raise ValueError(
                f"optimizer must be one of {_SCIPY_METHODS} or a callable, got {opt!r}"
            )
        bounds = _check_bounds(self.bounds if self.bounds is not None else sim.bounds, sim.n_params)
        return sim, est, int(m), bounds

    def _starts(self, bounds, rng):
        finite = bounds is not None and all(np.isfinite(b).all() for b in bounds)
        if self.theta0 is not None:
            theta0 = np.asarray(self.theta0, dtype=np.float64).reshape(-1)
            if not np.all(np.isfinite(theta0)):
                raise ValueError(f"theta0 must be finite, got {theta0}")
            if bounds is not None and len(bounds) != theta0.shape[0]:
                raise ValueError(f"theta0 has {theta0.shape[0]} entries but bounds {len(bounds)}")
        elif finite:
            theta0 = np.array([(lo + hi) / 2 for lo, hi in bounds])
        else:
            raise ValueError("pass theta0, or finite bounds (whose centre is the default start)")
        starts = [theta0]
        if self.n_restarts:
            if not finite:
                raise ValueError("n_restarts > 0 needs finite bounds to draw starts from")
            lo, hi = np.array(bounds).T
            starts += [lo + (hi - lo) * rng.random(lo.shape[0]) for _ in range(self.n_restarts)]
        return starts

    # --- fitting -------------------------------------------------------------------------

    def fit(self, X, y=None):
        """Estimate :math:`\\theta` from the observed sample ``X`` of shape (n, d).

        Returns
        -------
        self
        """
        sim, est, m, bounds = self._validate()
        spec = kernel_spec(self.kernel, self.nu)
        # simulators are numpy code, so the observed data are moved to numpy (float64)
        X = np.asarray(to_numpy(check_samples(X, "X", min_samples=2)), dtype=np.float64)
        rng = check_random_state(self.random_state)
        self.bandwidth_ = observed_bandwidth(self.bandwidth, X, spec, rng)
        self._observed = ObservedSample(X, spec, spec.scale(self.bandwidth_))
        if sim.supports_inputs:
            self.inputs_ = sim.sample_inputs(m, rng)
            self._seed = None
        else:
            self.inputs_ = None
            self._seed = int(rng.integers(2**63 - 1))
        self.weights_ = None
        if est == "weighted":
            self.weights_ = bq_weights(
                self.inputs_,
                input_measure=sim.input_measure,
                input_kernel=self.input_kernel,
                input_lengthscale=self.input_lengthscale,
                jitter=self.jitter,
            )
        self._sim, self._est = sim, est
        self.n_features_in_ = X.shape[1]
        self.n_evaluations_ = 0
        self.n_invalid_ = 0

        results = [self._minimise(theta0, bounds) for theta0 in self._starts(bounds, rng)]
        values = [r[1] for r in results]
        best = int(np.argmin(values))
        if not np.isfinite(values[best]):
            raise NonFiniteSimulationError(
                "the simulator returned NaN/inf at every point the optimiser tried; check "
                "bounds and theta0"
            )
        self.theta_, self.mmd2_ = results[best][:2]
        self.optimize_results_ = [r[2] for r in results]
        self.n_simulator_calls_ = self.n_evaluations_ * m
        if self.n_invalid_:
            warnings.warn(
                f"the simulator returned NaN/inf at {self.n_invalid_} of {self.n_evaluations_} "
                "evaluated parameters (objective set to +inf there); consider tighter bounds",
                RuntimeWarning,
                stacklevel=2,
            )
        return self

    def _minimise(self, theta0, bounds):
        fun = self._objective
        if callable(self.optimizer):
            res = self.optimizer(fun, theta0, bounds)
            x = np.asarray(getattr(res, "x", res), dtype=np.float64).reshape(-1)
        else:
            from scipy.optimize import minimize

            options = {} if self.max_iter is None else {"maxiter": int(self.max_iter)}
            res = minimize(fun, theta0, method=self.optimizer, bounds=bounds, options=options)
            x = np.asarray(res.x, dtype=np.float64)
        return x, fun(x), res

    def _objective(self, theta):
        self.n_evaluations_ += 1
        sim, m = self._sim, self.n_simulations
        try:
            if sim.supports_inputs:
                x = sim(theta, self.inputs_)
            else:
                x = sim.simulate_seeded(theta, m, self._seed)
        except NonFiniteSimulationError:
            self.n_invalid_ += 1
            return np.inf
        if self._est == "weighted":
            return self._observed.weighted(x, self.weights_)
        return self._observed.unweighted(x, self._est)

    def objective(self, theta):
        r"""The fitted objective :math:`\widehat{\mathrm{MMD}}{}^2(P_\theta^m, Q^n)` at ``theta``.

        Uses the inputs, weights and bandwidth of the fit (common random numbers), e.g.
        to plot the profile of the objective around ``theta_``. Not counted in
        ``n_evaluations_``.
        """
        check_is_fitted(self, "theta_")
        n_eval, n_invalid = self.n_evaluations_, self.n_invalid_
        try:
            return float(self._objective(np.asarray(theta, dtype=np.float64)))
        finally:
            self.n_evaluations_, self.n_invalid_ = n_eval, n_invalid
