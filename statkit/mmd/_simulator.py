r"""Simulators for likelihood-free inference: a generator :math:`x = G_\theta(u)` and the
known law of its random inputs :math:`u`.

The optimally-weighted MMD estimator (Bharti et al. 2023) needs the inputs
:math:`u_1, \dots, u_m` that produced the simulated sample and the base measure they
were drawn from, because its weights are kernel-quadrature weights for that measure.
A :class:`Simulator` therefore holds

- ``simulator(theta, u) -> x``: a deterministic map from a parameter and an
  ``(m, input_dim)`` array of inputs to an ``(m, output_dim)`` sample;
- ``input_dim`` and ``input_measure``: the inputs are i.i.d. ``"uniform"`` on
  :math:`[0, 1]^s` or ``"gaussian"`` :math:`N(0, I_s)`, with :math:`s` = ``input_dim``;

and statkit draws :math:`u` itself (:meth:`Simulator.sample_inputs`), which is what
makes common random numbers across parameters possible.

A simulator that only takes a seed (as in sbi or ELFI) is wrapped by
:class:`SeededSimulator`; it supports the V- and U-statistic estimators (common random
numbers by reusing one seed) but not the weighted one, whose weights need the inputs.
"""

import numbers

import numpy as np

from statkit.utils import check_random_state

__all__ = ["INPUT_MEASURES", "NonFiniteSimulationError", "SeededSimulator", "Simulator"]

#: Base measures of the simulator inputs that statkit can integrate against.
INPUT_MEASURES = ("uniform", "gaussian")


class NonFiniteSimulationError(ValueError):
    """A simulator returned NaN or inf (e.g. at a parameter outside its valid range)."""


def check_input_measure(measure):
    """``"uniform"`` (on [0, 1]^s) or ``"gaussian"`` (N(0, I_s)), case-insensitive."""
    if isinstance(measure, str) and measure.lower() in INPUT_MEASURES:
        return measure.lower()
    raise ValueError(
        f"input_measure must be 'uniform' (i.i.d. U[0, 1] inputs) or 'gaussian' (i.i.d. "
        f"N(0, 1) inputs), got {measure!r}"
    )


def _check_count(value, name, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def _as_theta(theta, n_params):
    theta = np.asarray(theta, dtype=np.float64).reshape(-1)
    if n_params is not None and theta.shape[0] != n_params:
        raise ValueError(f"theta must have {n_params} entries, got {theta.shape[0]}")
    if not np.all(np.isfinite(theta)):
        raise ValueError(f"theta must be finite, got {theta}")
    return theta


def _as_output(x, m, output_dim, who):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    if x.ndim != 2 or x.shape[0] != m:
        raise ValueError(
            f"{who} must return an array of shape (m, d) with m = {m} rows, got shape {x.shape}"
        )
    if output_dim is not None and x.shape[1] != output_dim:
        raise ValueError(
            f"{who} returned {x.shape[1]} features, but output_dim = {output_dim} was declared"
        )
    if not np.all(np.isfinite(x)):
        raise NonFiniteSimulationError(f"{who} returned NaN or inf values")
    return x


def _set_metadata(obj, simulator, n_params, output_dim, name, param_names, bounds, true_theta):
    """Validate and store what Simulator and SeededSimulator share."""
    if not callable(simulator):
        raise TypeError(f"simulator must be callable, got {type(simulator).__name__}")
    obj.simulator = simulator
    obj.n_params = None if n_params is None else _check_count(n_params, "n_params")
    obj.output_dim = None if output_dim is None else _check_count(output_dim, "output_dim")
    obj.name = getattr(simulator, "__name__", "simulator") if name is None else str(name)
    obj.param_names = None if param_names is None else tuple(str(p) for p in param_names)
    obj.bounds = None if bounds is None else tuple(tuple(b) for b in bounds)
    obj.true_theta = None if true_theta is None else _as_theta(true_theta, obj.n_params)
    if obj.bounds is not None and obj.n_params is not None and len(obj.bounds) != obj.n_params:
        raise ValueError(f"bounds must have {obj.n_params} (low, high) pairs")


class Simulator:
    r"""A simulator :math:`x = G_\theta(u)` whose random inputs have a known law.

    Parameters
    ----------
    simulator : callable
        ``simulator(theta, u) -> x`` with ``theta`` a 1-D float array, ``u`` an array of
        shape ``(m, input_dim)`` and ``x`` of shape ``(m, output_dim)`` (a 1-D result is
        read as ``output_dim = 1``). Row :math:`i` of ``x`` must depend on row :math:`i`
        of ``u`` only (i.i.d. simulations), and not on any other randomness.
    input_dim : int
        :math:`s`, the number of random inputs one simulation consumes.
    input_measure : {"uniform", "gaussian"}, default="uniform"
        The law of each input row: uniform on :math:`[0, 1]^s` or :math:`N(0, I_s)`.
    n_params : int, optional
        Length of ``theta``; checked when given.
    output_dim : int, optional
        Number of features of one simulation; checked when given.
    name : str, optional
        Used in reprs and error messages.
    param_names : sequence of str, optional
    bounds : sequence of (low, high), optional
        A box for ``theta`` (``None`` for an unbounded side); the default search box of
        :class:`MinimumMMDEstimator`.
    true_theta : array-like, optional
        The parameter of a benchmark instance (documentation and examples only).

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.mmd import Simulator
    >>> loc = Simulator(lambda theta, u: theta + u, input_dim=1, input_measure="gaussian")
    >>> x, u = loc.simulate([2.0], 3, random_state=0)
    >>> bool(np.allclose(x, 2.0 + u))
    True
    """

    supports_inputs = True

    def __init__(
        self,
        simulator,
        input_dim,
        input_measure="uniform",
        *,
        n_params=None,
        output_dim=None,
        name=None,
        param_names=None,
        bounds=None,
        true_theta=None,
    ):
        _set_metadata(self, simulator, n_params, output_dim, name, param_names, bounds, true_theta)
        self.input_dim = _check_count(input_dim, "input_dim")
        self.input_measure = check_input_measure(input_measure)

    def __repr__(self):
        return (
            f"Simulator({self.name}, input_dim={self.input_dim}, "
            f"input_measure={self.input_measure!r})"
        )

    def sample_inputs(self, m, random_state=None):
        """``m`` i.i.d. input rows from the base measure, shape ``(m, input_dim)``.

        Uniform inputs lie in the open interval (0, 1) (a draw of exactly 0 is moved to
        the next float), so that inverse-CDF transforms stay finite.
        """
        m = _check_count(m, "m")
        rng = check_random_state(random_state)
        if self.input_measure == "gaussian":
            return rng.standard_normal((m, self.input_dim))
        u = rng.random((m, self.input_dim))
        return np.where(u == 0.0, np.nextafter(0.0, 1.0), u)

    def __call__(self, theta, u):
        """``x = G_theta(u)``, validated: shape ``(m, d)``, finite."""
        theta = _as_theta(theta, self.n_params)
        u = np.asarray(u, dtype=np.float64)
        if u.ndim != 2 or u.shape[1] != self.input_dim:
            raise ValueError(
                f"u must have shape (m, {self.input_dim}) for {self.name}, got {u.shape}"
            )
        return _as_output(self.simulator(theta, u), u.shape[0], self.output_dim, self.name)

    def simulate(self, theta, m, random_state=None):
        """Draw ``m`` inputs and simulate: returns ``(x, u)``."""
        u = self.sample_inputs(m, random_state)
        return self(theta, u), u


class SeededSimulator:
    """Adapter for a simulator that takes a seed instead of its inputs.

    Parameters
    ----------
    simulator : callable
        ``simulator(theta, m, rng) -> x`` with ``rng`` a :class:`numpy.random.Generator`
        and ``x`` of shape ``(m, d)``. Common random numbers come from calling it with
        generators seeded identically.
    n_params, output_dim, name, param_names, bounds, true_theta
        As in :class:`Simulator`.

    Notes
    -----
    Such a simulator hides its inputs :math:`u`, so the optimally-weighted estimator
    cannot be used with it: its weights are quadrature weights for the law of :math:`u`
    at the very points :math:`u_i` the simulator consumed. Rewrite the simulator as
    ``simulator(theta, u)`` (draw the uniforms or normals outside, transform inside)
    and wrap it in :class:`Simulator` instead.
    """

    supports_inputs = False

    def __init__(
        self,
        simulator,
        *,
        n_params=None,
        output_dim=None,
        name=None,
        param_names=None,
        bounds=None,
        true_theta=None,
    ):
        _set_metadata(self, simulator, n_params, output_dim, name, param_names, bounds, true_theta)

    def __repr__(self):
        return f"SeededSimulator({self.name})"

    def simulate_seeded(self, theta, m, seed):
        """``x`` from ``m`` simulations with a generator seeded by ``seed``."""
        theta = _as_theta(theta, self.n_params)
        m = _check_count(m, "m")
        rng = np.random.default_rng(seed)
        return _as_output(self.simulator(theta, m, rng), m, self.output_dim, self.name)


def check_simulator(simulator):
    """A :class:`Simulator` or :class:`SeededSimulator`; a bare callable is refused."""
    if isinstance(simulator, (Simulator, SeededSimulator)):
        return simulator
    if callable(simulator):
        raise TypeError(
            "simulator must be a statkit.mmd.Simulator (simulator(theta, u) plus the law of u) "
            "or a statkit.mmd.SeededSimulator (simulator(theta, m, rng)); wrap your callable "
            "in one of them, e.g. Simulator(f, input_dim=s, input_measure='uniform')"
        )
    raise TypeError(f"simulator must be a Simulator or SeededSimulator, got {simulator!r}")
