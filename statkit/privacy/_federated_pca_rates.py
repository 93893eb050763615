r"""Rate checks for DP PCA of a spiked covariance (Li, Cai, Xia, Zhang, arXiv:2411.15660).

Claim checked (statkit's method note ``shared/methods/federated_dp_pca.md``, §4, a
reconstruction [R]: the paper's theorems were not available). For the input mechanism of
:class:`~statkit.privacy.DPPCA` (clip rows to :math:`C`, add symmetric Gaussian noise of
sd :math:`s` to the covariance, :math:`s = \sigma_{\mathrm{AG}}(\varepsilon, \delta,
\sqrt2 C^2/n)`), first-order perturbation theory gives the squared sin-theta error

.. math::

    E\,d(\hat U, U)^2 \approx (p - r)\sum_{i \le r}\frac{(\lambda_i + \sigma^2)\sigma^2/n
    + s^2}{\lambda_i^2}, \qquad s^2 \approx \frac{2C^4 c(\varepsilon, \delta)^2}{n^2
    \varepsilon^2},

the note's ":math:`p/n + p^2\log(1/\delta)/(n^2\varepsilon^2)`" shape. Hence

* ``dppca-n-nonprivate`` (:math:`\varepsilon = 10^6`, the sampling term dominates):
  slope :math:`-1` in :math:`n`;
* ``dppca-n-private`` (:math:`\varepsilon = 0.5`): slope :math:`-2` in :math:`n`;
* ``dppca-epsilon`` (:math:`n = 20000`): slope :math:`-2` in :math:`\varepsilon`.

**Regimes, chosen from the formula before any simulation** (:func:`predicted_terms`
evaluates both terms): with :math:`p = 20`, :math:`r = 2`, spikes :math:`(100, 50)`,
:math:`\sigma^2 = 1`, :math:`\delta = 10^{-5}`, the privacy term is 36 to 580 times the
sampling term over the ``dppca-n-private`` grid and 49 to 2200 times it over the
``dppca-epsilon`` grid, and at most 0.08 (far below the cap :math:`r = 2`, so first
order applies). The non-private instance (:math:`p = 50`, spikes :math:`(20, 10)`) has a
privacy term below :math:`10^{-5}` of the sampling term.

**Caveat of** ``dppca-epsilon``: the predicted :math:`-2` assumes
:math:`c(\varepsilon, \delta)` free of :math:`\varepsilon` (the classic calibration).
statkit uses the analytic calibration, for which :math:`s\varepsilon` grows slowly with
:math:`\varepsilon` (:math:`\approx 3.07\Delta` at 0.1, :math:`3.66\Delta` at 0.8 for
:math:`\delta = 10^{-5}`): the calibration alone implies a slope of about :math:`-1.83`
on the grid (:func:`calibration_exponent`). The check keeps the note's :math:`-2`.

**Clip norm.** A public bound from the *model* parameters, never the data
(:func:`model_clip_norm`): the 0.999 quantile of :math:`\|x\|^2 = \sum_k
\mathrm{ev}_k(\Sigma) g_k^2` computed by Monte Carlo with a fixed seed from
:math:`(p, \lambda, \sigma^2)` alone. Clipping is radial, so it keeps the eigenvectors of
the covariance (sign-flip symmetry in the eigenbasis); it only shrinks the spectrum.

:func:`harmonic_combination_study` checks the server claims (not a :class:`RateCheck`):
server error over the harmonic combination :math:`(\sum_j \mathrm{err}_j^{-1})^{-1}`
of the empirical client errors, and what a useless client does to the server error under
``aggregation="inverse_rate"`` and ``"uniform"``.
"""

import functools
import math

import numpy as np

from statkit.simulation import RateCheck

from ._federated_pca import DPPCA, FederatedPCA, subspace_distance
from ._mechanisms import gaussian_sigma

__all__ = [
    "DPPCA_EPSILON",
    "DPPCA_N_NONPRIVATE",
    "DPPCA_N_PRIVATE",
    "calibration_exponent",
    "format_harmonic_table",
    "harmonic_combination_study",
    "model_clip_norm",
    "predicted_terms",
]

DELTA = 1e-5
NOISE_VARIANCE = 1.0
RANK = 2
# non-private instance
P_NP, SPIKES_NP, EPS_NP = 50, (20.0, 10.0), 1e6
# privacy-dominated instance
P_PRIV, SPIKES_PRIV, EPS_PRIV, N_EPS = 20, (100.0, 50.0), 0.5, 20000

_REFERENCE = (
    "Li, Cai, Xia, Zhang (2024). Federated PCA and estimation for spiked covariance "
    "matrices: optimal rates and efficient algorithm. arXiv:2411.15660 (local rate "
    "reconstructed: statkit method note federated_dp_pca.md, section 4)"
)


@functools.lru_cache(maxsize=32)
def model_clip_norm(n_features, spikes, noise_variance=NOISE_VARIANCE, quantile=0.999):
    r"""Public clip norm: a quantile of :math:`\|x\|` under the model, from its parameters.

    :math:`\|x\|^2 = \sum_{i \le r}(\lambda_i + \sigma^2) g_i^2 + \sigma^2\chi^2_{p - r}`
    for :math:`x \sim N(0, U\Lambda U^\top + \sigma^2 I_p)`; the quantile is estimated
    from :math:`2\times 10^5` draws with a fixed seed (deterministic). Uses no data.

    Parameters
    ----------
    n_features : int
    spikes : tuple of float
    noise_variance : float
    quantile : float in (0, 1)

    Returns
    -------
    float
    """
    lam = np.asarray(spikes, dtype=np.float64)
    r = lam.size
    rng = np.random.default_rng(20241123)
    size = 200_000
    sq = (rng.standard_normal((size, r)) ** 2) @ (lam + noise_variance)
    sq += noise_variance * rng.chisquare(n_features - r, size)
    return float(math.sqrt(np.quantile(sq, quantile)))


def predicted_terms(n, epsilon, n_features, spikes, noise_variance=NOISE_VARIANCE, delta=DELTA):
    """The two first-order terms of the squared sin-theta error of DPPCA (input mechanism).

    Returns
    -------
    (float, float)
        ``(sampling, privacy)``: :math:`(p - r)\\sum_i \\ell_i\\sigma^2/(n\\lambda_i^2)` and
        :math:`(p - r)s^2\\sum_i\\lambda_i^{-2}` with the calibrated :math:`s`.
    """
    lam = np.asarray(spikes, dtype=np.float64)
    p, r = int(n_features), lam.size
    C = model_clip_norm(p, tuple(lam.tolist()), noise_variance)
    s = gaussian_sigma(epsilon, delta, math.sqrt(2.0) * C**2 / n)
    sampling = (p - r) * float(np.sum((lam + noise_variance) * noise_variance / lam**2)) / n
    privacy = (p - r) * s**2 * float(np.sum(1.0 / lam**2))
    return sampling, privacy


def calibration_exponent(epsilons, delta=DELTA):
    """Least-squares slope of log s^2 on log epsilon for the analytic calibration."""
    eps = np.asarray(epsilons, dtype=np.float64)
    s2 = np.array([gaussian_sigma(e, delta, 1.0) ** 2 for e in eps])
    return float(np.polyfit(np.log(eps), np.log(s2), 1)[0])


def _sq_error(n, epsilon, p, spikes, rng):
    from statkit.datasets._spiked import make_spiked_clients

    data = make_spiked_clients(int(n), p, RANK, list(spikes), NOISE_VARIANCE, random_state=rng)
    C = model_clip_norm(p, tuple(spikes), NOISE_VARIANCE)
    est = DPPCA(RANK, epsilon=epsilon, delta=DELTA, clip_norm=C, random_state=rng)
    est.fit(data.clients[0])
    return subspace_distance(est.components_, data.components) ** 2


def _vary_n_nonprivate(n, rng):
    return _sq_error(n, EPS_NP, P_NP, SPIKES_NP, rng)


def _vary_n_private(n, rng):
    return _sq_error(n, EPS_PRIV, P_PRIV, SPIKES_PRIV, rng)


def _vary_epsilon(epsilon, rng):
    return _sq_error(N_EPS, float(epsilon), P_PRIV, SPIKES_PRIV, rng)


DPPCA_N_NONPRIVATE = RateCheck(
    "dppca-n-nonprivate",
    _vary_n_nonprivate,
    grid=[500, 1000, 2000, 4000, 8000, 16000],
    quick_grid=[500, 1000, 2000, 4000],
    predicted_exponent=-1.0,
    quantity="squared sin-theta error of DPPCA (input mechanism)",
    variable="n",
    n_reps=100,
    quick_reps=10,
    aggregate="mean",
    claim="sampling term (p - r) sum_i l_i sigma^2 / (n lambda_i^2) dominates: slope -1 in n",
    reference=_REFERENCE,
    description=(
        "DPPCA(2, epsilon=1e6, delta=1e-5, clip_norm=model 0.999 quantile) on n rows of "
        "N(0, U diag(20, 10) U^T + I_50), U Haar, new U and data every replicate."
    ),
)

DPPCA_N_PRIVATE = RateCheck(
    "dppca-n-private",
    _vary_n_private,
    grid=[4000, 8000, 16000, 32000, 64000],
    quick_grid=[4000, 8000, 16000],
    predicted_exponent=-2.0,
    quantity="squared sin-theta error of DPPCA (input mechanism)",
    variable="n",
    n_reps=100,
    quick_reps=10,
    aggregate="mean",
    claim="privacy term (p - r) s^2 sum_i lambda_i^-2, s ~ C^2/(n eps), dominates: slope -2 in n",
    reference=_REFERENCE,
    description=(
        "DPPCA(2, epsilon=0.5, delta=1e-5, clip_norm=model 0.999 quantile) on n rows of "
        "N(0, U diag(100, 50) U^T + I_20); privacy/sampling term ratio 36-580 on the grid."
    ),
)

DPPCA_EPSILON = RateCheck(
    "dppca-epsilon",
    _vary_epsilon,
    grid=[0.1, 0.141, 0.2, 0.283, 0.4, 0.566, 0.8],
    quick_grid=[0.1, 0.2, 0.4],
    predicted_exponent=-2.0,
    quantity="squared sin-theta error of DPPCA (input mechanism)",
    variable="epsilon",
    n_reps=100,
    quick_reps=10,
    aggregate="mean",
    claim=(
        "privacy term ~ log(1/delta)/(n^2 eps^2) dominates: slope -2 in eps (the analytic "
        "calibration itself implies about -1.83 on this grid)"
    ),
    reference=_REFERENCE,
    description=(
        "DPPCA(2, epsilon, delta=1e-5, clip_norm=model 0.999 quantile) on 20000 rows of "
        "N(0, U diag(100, 50) U^T + I_20); privacy/sampling term ratio 49-2200 on the grid."
    ),
)


# --------------------------------------------------------------------------------------
# server: the harmonic combination and a useless client
# --------------------------------------------------------------------------------------

_HARMONIC_CLIENTS = (
    (2000, 0.5),
    (2000, 4.0),
    (4000, 1.0),
    (8000, 0.5),
    (16000, 2.0),
    (16000, 0.25),
)
_USELESS_CLIENT = (20, 0.01)


def harmonic_combination_study(
    clients=_HARMONIC_CLIENTS,
    useless_client=_USELESS_CLIENT,
    n_features=30,
    spikes=(40.0, 20.0),
    n_reps=20,
    random_state=0,
):
    r"""Server error vs the harmonic combination of the client errors, and a useless client.

    Every replicate draws a new :math:`U` and new client data (:func:`make_spiked_clients`,
    :math:`\sigma^2 = 1`, :math:`\delta = 10^{-5}`, clip norm :func:`model_clip_norm`), fits
    :class:`FederatedPCA` (input mechanism) with ``aggregation="inverse_rate"`` and
    ``"uniform"``, with and without the useless client appended (same data otherwise), and
    records the squared sin-theta errors of the server and of every client message
    (``client_components_``). Errors are averaged over replicates; the harmonic combination
    is :math:`H = (\sum_j \overline{\mathrm{err}}_j^{-1})^{-1}` of the regular clients.

    Parameters
    ----------
    clients : sequence of (n_j, epsilon_j)
    useless_client : (n, epsilon)
        Appended in the "+ useless" rows (tiny n and epsilon: error near the cap).
    n_features : int
    spikes : tuple of float
    n_reps : int
    random_state : int
        Root seed; the study is deterministic given it.

    Returns
    -------
    dict
        ``client_errors`` (array, regular clients), ``useless_client_error``,
        ``harmonic`` (H), and ``server`` mapping ``(aggregation, with_useless)`` to the
        mean server error; ``ratio`` maps the same keys to server / H.
    """
    from statkit.datasets._spiked import make_spiked_clients

    sizes = [int(n) for n, _ in clients] + [int(useless_client[0])]
    eps = [float(e) for _, e in clients] + [float(useless_client[1])]
    m = len(clients)
    C = model_clip_norm(int(n_features), tuple(float(s) for s in spikes), NOISE_VARIANCE)
    seeds = np.random.SeedSequence(random_state).spawn(n_reps)
    keys = [(a, u) for a in ("inverse_rate", "uniform") for u in (False, True)]
    server = {k: [] for k in keys}
    client_err = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        data = make_spiked_clients(
            sizes, n_features, len(spikes), list(spikes), NOISE_VARIANCE, random_state=rng
        )
        U = data.components
        noise_seed = int(rng.integers(2**63))
        for agg, useless in keys:
            k = m + 1 if useless else m
            est = FederatedPCA(
                len(spikes),
                epsilon=eps[:k],
                delta=DELTA,
                clip_norm=C,
                aggregation=agg,
                random_state=noise_seed,  # same client noise across the four fits
            ).fit(data.clients[:k])
            server[(agg, useless)].append(subspace_distance(est.components_, U) ** 2)
            if agg == "inverse_rate" and useless:
                client_err.append([subspace_distance(V, U) ** 2 for V in est.client_components_])
    client_err = np.mean(np.asarray(client_err), axis=0)
    harmonic = 1.0 / float(np.sum(1.0 / client_err[:m]))
    server = {k: float(np.mean(v)) for k, v in server.items()}
    return {
        "clients": [(int(n), float(e)) for n, e in clients],
        "useless_client": (int(useless_client[0]), float(useless_client[1])),
        "client_errors": client_err[:m],
        "useless_client_error": float(client_err[m]),
        "harmonic": harmonic,
        "server": server,
        "ratio": {k: v / harmonic for k, v in server.items()},
        "n_reps": int(n_reps),
    }


def format_harmonic_table(study):
    """Markdown tables of a :func:`harmonic_combination_study` result."""
    lines = ["| client (n, eps) | mean squared sin-theta error |", "|---|---|"]
    for (n, e), err in zip(study["clients"], study["client_errors"], strict=True):
        lines.append(f"| ({n}, {e:g}) | {err:.4g} |")
    n, e = study["useless_client"]
    lines.append(f"| useless ({n}, {e:g}) | {study['useless_client_error']:.4g} |")
    lines.append(f"| harmonic combination H | {study['harmonic']:.4g} |")
    lines += ["", "| aggregation | clients | server error | server / H |", "|---|---|---|---|"]
    for (agg, useless), err in study["server"].items():
        label = "regular + useless" if useless else "regular"
        lines.append(f"| {agg} | {label} | {err:.4g} | {study['ratio'][(agg, useless)]:.3f} |")
    return "\n".join(lines)
