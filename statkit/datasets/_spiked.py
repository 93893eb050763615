r"""Clients drawn from a spiked covariance model (Li, Cai, Xia and Zhang, arXiv:2411.15660).

Every client :math:`j` holds :math:`n_j` i.i.d. rows

.. math::

    x = U\Lambda^{1/2} g + \sigma e \sim N(0,\ U\Lambda U^\top + \sigma^2 I_p),
    \qquad g \sim N(0, I_r),\ e \sim N(0, I_p),

with :math:`U \in O(p, r)` Haar-distributed (the Q factor of a Gaussian matrix with the
signs fixed by :math:`\operatorname{diag}(R) > 0`) and shared by all clients.
"""

import numbers
from typing import NamedTuple

import numpy as np

from statkit.utils import check_random_state

__all__ = ["SpikedClients", "make_spiked_clients"]


class SpikedClients(NamedTuple):
    """Clients of a spiked model, as returned by :func:`make_spiked_clients`.

    Unpacks as ``clients, U, spikes, noise_variance``.

    Attributes
    ----------
    clients : list of ndarray of shape (n_j, p)
    components : ndarray of shape (p, r)
        :math:`U`, orthonormal columns.
    spikes : ndarray of shape (r,)
        The diagonal of :math:`\\Lambda` (column ``k`` of :math:`U` has variance
        ``spikes[k] + noise_variance``).
    noise_variance : float
        :math:`\\sigma^2`.
    """

    clients: list
    components: np.ndarray
    spikes: np.ndarray
    noise_variance: float

    @property
    def covariance(self):
        r""":math:`\Sigma = U\Lambda U^\top + \sigma^2 I_p`."""
        U = self.components
        return (U * self.spikes) @ U.T + self.noise_variance * np.eye(U.shape[0])


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def make_spiked_clients(
    n_samples,
    n_features,
    n_components,
    spikes,
    noise_variance=1.0,
    n_clients=None,
    random_state=None,
):
    r"""Draw clients from :math:`N(0, U\Lambda U^\top + \sigma^2 I_p)` with a common :math:`U`.

    Parameters
    ----------
    n_samples : int or sequence of int
        Rows per client: one int for ``n_clients`` equal clients, or one entry per client.
        Each at least 1.
    n_features : int
        :math:`p`.
    n_components : int
        :math:`r`, in :math:`[1, p]`.
    spikes : float or sequence of float
        The eigenvalues :math:`\lambda_1, \dots, \lambda_r > 0` of :math:`\Lambda` (a scalar
        is repeated :math:`r` times).
    noise_variance : float, default=1.0
        :math:`\sigma^2 \ge 0`.
    n_clients : int, optional
        Number of clients; defaults to ``len(n_samples)``, or 1 for an int ``n_samples``.
    random_state : None, int, SeedSequence or numpy.random.Generator
        :math:`U` is drawn first, then the clients in order.

    Returns
    -------
    SpikedClients
        ``(clients, components, spikes, noise_variance)``.

    Examples
    --------
    >>> clients, U, spikes, s2 = make_spiked_clients([100, 200], 10, 2, [5.0, 3.0],
    ...                                              random_state=0)
    >>> [c.shape for c in clients], U.shape
    ([(100, 10), (200, 10)], (10, 2))
    """
    if np.ndim(n_samples) == 0:
        n_clients = 1 if n_clients is None else _check_int(n_clients, "n_clients", 1)
        sizes = [_check_int(n_samples, "n_samples", 1)] * n_clients
    else:
        sizes = [_check_int(v, "n_samples entries", 1) for v in np.asarray(n_samples).tolist()]
        if not sizes:
            raise ValueError("n_samples must contain at least one client size")
        if n_clients is not None and _check_int(n_clients, "n_clients", 1) != len(sizes):
            raise ValueError(f"n_clients={n_clients} but n_samples lists {len(sizes)} client sizes")
    p = _check_int(n_features, "n_features", 1)
    r = _check_int(n_components, "n_components", 1)
    if r > p:
        raise ValueError(f"n_components={r} must be <= n_features={p}")
    lam = np.asarray(spikes, dtype=np.float64).reshape(-1)
    if lam.size == 1:
        lam = np.full(r, lam[0])
    if lam.size != r:
        raise ValueError(f"spikes has {lam.size} entries but n_components={r}")
    if not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ValueError(f"spikes must be finite and > 0, got {spikes!r}")
    s2 = float(noise_variance)
    if not np.isfinite(s2) or s2 < 0:
        raise ValueError(f"noise_variance must be finite and >= 0, got {noise_variance!r}")
    rng = check_random_state(random_state)
    Q, R = np.linalg.qr(rng.standard_normal((p, r)))
    U = Q * np.where(np.diag(R) < 0, -1.0, 1.0)
    root = np.sqrt(lam)
    clients = []
    for n in sizes:
        X = (rng.standard_normal((n, r)) * root) @ U.T
        if s2 > 0:
            X += np.sqrt(s2) * rng.standard_normal((n, p))
        clients.append(X)
    return SpikedClients(clients, U, lam, s2)
