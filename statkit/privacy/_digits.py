r"""scikit-learn's bundled digits split into heterogeneous clients, and a DP-PCA comparison.

Data: :func:`sklearn.datasets.load_digits` (1797 images of 8 x 8 pixels, no download),
scaled to :math:`[0, 1]` per pixel by dividing by 16. Every row then has norm at most
:math:`\sqrt{64} = 8`, a bound known before seeing the data (:data:`DIGITS_CLIP_NORM`);
it is the public row-norm bound given to every private method, so clipping to it never
changes a row and no bound is read off the data.

The comparison targets the **uncentred** second-moment matrix
:math:`S = n^{-1}\sum_i x_i x_i^\top` of all rows: statkit's estimators do not centre
(the spiked model is mean zero), and ``diffprivlib.models.PCA(centered=True)`` does not
either (it sets ``mean_ = 0`` and spends the whole epsilon on :math:`X^\top X`). For
released orthonormal components :math:`V \in \mathbb{R}^{r\times p}` (rows),

.. math::

    \text{captured variance ratio} = \frac{\operatorname{tr}(V S V^\top)}
    {\sum_{i\le r}\lambda_i(S)} \in [0, 1],

1 for the non-private top-:math:`r` eigenvectors :math:`U_0` of :math:`S`; the subspace
distance is :func:`statkit.privacy.subspace_distance` to :math:`U_0`.
"""

import math
import time
import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits

from statkit.utils import check_random_state

from ._federated_pca import DPPCA, FederatedPCA, subspace_distance

__all__ = [
    "DIGITS_CLIP_NORM",
    "DigitsClients",
    "compare_with_diffprivlib",
    "digits_clients",
    "load_diffprivlib_pca",
]

#: Public row-norm bound of the scaled digits: 64 pixels in [0, 1].
DIGITS_CLIP_NORM = 8.0


class DigitsClients(NamedTuple):
    """Output of :func:`digits_clients`."""

    clients: list
    """One array of shape (n_j, 64) per client, scaled to [0, 1]."""
    indices: list
    """Row indices into ``load_digits().data`` of every client (disjoint, covering)."""
    labels: list
    """The digit labels of every client's rows."""
    clip_norm: float
    """The public row-norm bound, 8.0."""


def _digits_scaled():
    data = load_digits()
    X = data.data.astype(np.float64) / 16.0
    norms = np.linalg.norm(X, axis=1)
    # never active (||x|| <= 8 by construction); kept so the bound is enforced, not assumed
    X = X * np.minimum(1.0, DIGITS_CLIP_NORM / np.maximum(norms, 1e-300))[:, None]
    return X, data.target


def digits_clients(n_clients=5, heterogeneity=1.0, random_state=None):
    r"""Split the scaled digits into clients with heterogeneous label mixes and sizes.

    For every digit class the rows are shuffled and dealt to the clients in proportions
    :math:`q \sim \operatorname{Dirichlet}(\alpha\mathbf 1_m)` with
    :math:`\alpha = 1/\text{heterogeneity}`; ``heterogeneity=0`` is a uniformly random
    (i.i.d.) split into near-equal clients. Large ``heterogeneity`` gives clients
    dominated by a few digits and unequal sizes. Clients left with fewer than 2 rows take
    rows from the largest client. Every row goes to exactly one client.

    The rows are scaled by 1/16 to :math:`[0, 1]`, so their norm is at most
    :math:`\sqrt{64} = 8` (``clip_norm``), a public bound.

    Note the theory of :class:`FederatedPCA` assumes one common covariance: a split by
    label is non-i.i.d. and is a robustness check, not the paper's model.

    Parameters
    ----------
    n_clients : int, default=5
        :math:`m \ge 1`; at most 898 (two rows each).
    heterogeneity : float, default=1.0
        :math:`\ge 0`; the inverse Dirichlet concentration.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    DigitsClients
        ``(clients, indices, labels, clip_norm)``.

    Examples
    --------
    >>> split = digits_clients(4, heterogeneity=2.0, random_state=0)
    >>> sum(len(i) for i in split.indices), split.clip_norm
    (1797, 8.0)
    """
    if isinstance(n_clients, bool) or not isinstance(n_clients, (int, np.integer)):
        raise TypeError(f"n_clients must be an int, got {n_clients!r}")
    X, y = _digits_scaled()
    if not 1 <= n_clients <= X.shape[0] // 2:
        raise ValueError(f"n_clients must be in [1, {X.shape[0] // 2}], got {n_clients}")
    heterogeneity = float(heterogeneity)
    if not math.isfinite(heterogeneity) or heterogeneity < 0:
        raise ValueError(f"heterogeneity must be a finite number >= 0, got {heterogeneity!r}")
    rng = check_random_state(random_state)
    m = int(n_clients)
    parts = [[] for _ in range(m)]
    if heterogeneity == 0:
        for j, chunk in enumerate(np.array_split(rng.permutation(X.shape[0]), m)):
            parts[j].append(chunk)
    else:
        alpha = 1.0 / heterogeneity
        for label in np.unique(y):
            rows = rng.permutation(np.flatnonzero(y == label))
            q = rng.dirichlet(np.full(m, alpha))
            cuts = np.round(np.cumsum(q)[:-1] * rows.size).astype(int)
            for j, chunk in enumerate(np.split(rows, cuts)):
                parts[j].append(chunk)
    indices = [np.sort(np.concatenate(p)) if p else np.empty(0, int) for p in parts]
    for j in range(m):  # every client needs >= 2 rows
        while indices[j].size < 2:
            big = int(np.argmax([i.size for i in indices]))
            take = rng.choice(indices[big].size)
            indices[j] = np.sort(np.append(indices[j], indices[big][take]))
            indices[big] = np.delete(indices[big], take)
    return DigitsClients(
        clients=[X[i] for i in indices],
        indices=indices,
        labels=[y[i] for i in indices],
        clip_norm=DIGITS_CLIP_NORM,
    )


def load_diffprivlib_pca():
    """``diffprivlib.models.PCA``, or None when diffprivlib is missing or fails to import.

    diffprivlib 0.6.6 fails to import with scikit-learn >= 1.8 (its ``forest`` module
    imports ``DOUBLE`` and ``DTYPE`` from ``sklearn.tree._tree``, which no longer exist);
    that case, like a missing package, returns None.
    """
    try:
        from diffprivlib.models import PCA
    except ImportError:
        return None
    return PCA


def _captured(V, S, top):
    return float(np.trace(V @ S @ V.T)) / top


def compare_with_diffprivlib(
    epsilons=(0.5, 1.0, 2.0, 4.0),
    n_components=5,
    delta=1e-5,
    n_repeats=10,
    n_clients=5,
    heterogeneity=1.0,
    include_diffprivlib=True,
    random_state=0,
):
    r"""statkit's (eps, delta)-DP PCA against diffprivlib's pure eps-DP PCA on the digits.

    At every :math:`\varepsilon` and repeat (fresh noise; the client split is fixed by
    ``random_state``):

    - ``FederatedPCA (inverse_rate)`` and ``FederatedPCA (uniform)``:
      ``mechanism="input"``, every client :math:`(\varepsilon, \delta)`-DP with respect to
      its own rows, ``clip_norm=8``;
    - ``DPPCA (pooled)``: all rows at one curator, :math:`(\varepsilon, \delta)`-DP,
      ``clip_norm=8``;
    - ``diffprivlib PCA (pooled)``: ``diffprivlib.models.PCA(n_components,
      epsilon=eps, data_norm=8.0, centered=True, random_state=seed)``, pure
      :math:`\varepsilon`-DP (:math:`\delta = 0`): ``data_norm`` is the public bound, so
      no norm is read off the data; ``centered=True`` skips the DP mean (and ``bounds``,
      which only that mean uses), so the whole :math:`\varepsilon` goes to the
      eigen-decomposition of :math:`X^\top X` (Amin et al. 2019: Laplace eigenvalues, Bingham
      eigenvectors, each :math:`\varepsilon/(r + 1)`).

    The privacy notions differ (:math:`(\varepsilon, \delta)` vs pure :math:`\varepsilon`;
    per-client vs one curator), reported in the ``privacy`` column. Metrics are defined in
    the module docstring (uncentred :math:`S` of all 1797 rows).

    Parameters
    ----------
    epsilons : sequence of float
    n_components : int, default=5
    delta : float, default=1e-5
        statkit's :math:`\delta` (per client, and for ``DPPCA``).
    n_repeats : int, default=10
    n_clients, heterogeneity :
        Passed to :func:`digits_clients`.
    include_diffprivlib : bool, default=True
        When True and :func:`load_diffprivlib_pca` returns None, a ``UserWarning`` is
        issued and the diffprivlib rows are left out.
    random_state : int, default=0

    Returns
    -------
    pandas.DataFrame
        One row per (epsilon, method): ``epsilon, method, privacy, delta, n_repeats,
        captured_variance, captured_variance_se, subspace_distance,
        subspace_distance_se, fit_seconds`` (means over repeats, standard errors
        ``std(ddof=1)/sqrt(n_repeats)``, mean fit time).
    """
    n_repeats = int(n_repeats)
    if n_repeats < 1:
        raise ValueError(f"n_repeats must be >= 1, got {n_repeats}")
    split = digits_clients(n_clients, heterogeneity, random_state=random_state)
    X = np.vstack(split.clients)
    C = split.clip_norm
    r = int(n_components)
    S = X.T @ X / X.shape[0]
    vals, vecs = np.linalg.eigh(S)
    top, U0 = float(vals[::-1][:r].sum()), vecs[:, ::-1][:, :r]

    dp_pca = load_diffprivlib_pca() if include_diffprivlib else None
    if include_diffprivlib and dp_pca is None:
        warnings.warn(
            "diffprivlib is not importable (missing, or incompatible with the installed "
            "scikit-learn); its rows are left out of the comparison",
            UserWarning,
            stacklevel=2,
        )

    def statkit_fed(agg):
        return lambda eps, seed: FederatedPCA(
            r, epsilon=eps, delta=delta, clip_norm=C, aggregation=agg, random_state=seed
        ).fit(split.clients)

    methods = {
        "FederatedPCA (inverse_rate)": (statkit_fed("inverse_rate"), "(eps, delta) per client"),
        "FederatedPCA (uniform)": (statkit_fed("uniform"), "(eps, delta) per client"),
        "DPPCA (pooled)": (
            lambda eps, seed: DPPCA(
                r, epsilon=eps, delta=delta, clip_norm=C, random_state=seed
            ).fit(X),
            "(eps, delta) central",
        ),
    }
    if dp_pca is not None:
        methods["diffprivlib PCA (pooled)"] = (
            lambda eps, seed: dp_pca(
                r, epsilon=eps, data_norm=C, centered=True, random_state=seed
            ).fit(X),
            "pure eps central",
        )

    seeds = np.random.SeedSequence(random_state).generate_state(n_repeats)
    rows = []
    for eps in epsilons:
        for name, (fit, privacy) in methods.items():
            cap, dist, secs = [], [], []
            for seed in seeds:
                t0 = time.perf_counter()
                est = fit(float(eps), int(seed))
                secs.append(time.perf_counter() - t0)
                V = np.asarray(est.components_, dtype=np.float64)
                cap.append(_captured(V, S, top))
                dist.append(subspace_distance(V, U0))

            def se(a):
                return float(np.std(a, ddof=1) / math.sqrt(len(a))) if len(a) > 1 else math.nan

            rows.append(
                {
                    "epsilon": float(eps),
                    "method": name,
                    "privacy": privacy,
                    "delta": 0.0 if privacy.startswith("pure") else float(delta),
                    "n_repeats": n_repeats,
                    "captured_variance": float(np.mean(cap)),
                    "captured_variance_se": se(cap),
                    "subspace_distance": float(np.mean(dist)),
                    "subspace_distance_se": se(dist),
                    "fit_seconds": float(np.mean(secs)),
                }
            )
    return pd.DataFrame(rows)
