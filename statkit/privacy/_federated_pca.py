r"""Federated PCA of spiked covariances under distributed differential privacy.

Li, Cai, Xia and Zhang (arXiv:2411.15660). Client :math:`j = 1, \dots, m` holds
:math:`n_j` rows :math:`x_i^{(j)} \sim N(0, \Sigma)`, with the spiked covariance

.. math::

    \Sigma = U \Lambda U^\top + \sigma^2 I_p, \qquad U \in O(p, r), \quad
    \Lambda = \operatorname{diag}(\lambda_1 \ge \dots \ge \lambda_r > 0),

and every message client :math:`j` sends to the (untrusted) server must be
:math:`(\varepsilon_j, \delta_j)`-DP with respect to client :math:`j`'s own data
(replace-one neighbours, :math:`n_j` public). Whatever the server computes from the
messages is post-processing. The paper's rate at the server is the harmonic combination
:math:`(\sum_j R_j^{-1})^{-1}` of the clients' local rates :math:`R_j`; inverse-rate
weights :math:`w_j \propto R_j^{-1}` attain it.

The estimator runs three spectral decompositions ("three layers"):

1. each client eigendecomposes its (clipped, and for ``mechanism="input"`` noisy) sample
   covariance;
2. the privatised rank-:math:`r` projector is re-decomposed to rank :math:`r` (the
   identity for ``mechanism="input"``, whose projector is private already);
3. the server decomposes the weighted average :math:`\bar P = \sum_j w_j \tilde V_j
   \tilde V_j^\top` of the client projectors.

Tags as in the method note (``shared/methods/federated_dp_pca.md``): the paper's body was
not available, so the local rates, the projector-mechanism calibration and the spectrum
release are reconstructions, marked **[R]** where they appear.
"""

import math
import numbers
import warnings
from typing import ClassVar

import numpy as np
import scipy.linalg
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_array, metadata_routing
from sklearn.utils.validation import check_is_fitted, validate_data

from statkit.utils import check_random_state

from ._mechanisms import (
    PrivacyWarning,
    check_privacy_params,
    compose_basic,
    gaussian_sigma,
    split_budget,
    symmetric_gaussian_noise,
)

__all__ = [
    "DPPCA",
    "FederatedPCA",
    "covariance_sensitivity",
    "projector_sensitivity",
    "subspace_distance",
]

_MECHANISMS = ("input", "projector")
_AGGREGATIONS = ("inverse_rate", "uniform")


# --------------------------------------------------------------------------------------
# public helpers
# --------------------------------------------------------------------------------------


def subspace_distance(U, V):
    r"""The sin-theta distance between two subspaces, :math:`\|UU^\top - VV^\top\|_F/\sqrt2`.

    .. math::

        d(U, V) = \frac{1}{\sqrt2}\,\|UU^\top - VV^\top\|_F
        = \sqrt{\frac{r_U + r_V}{2} - \|U^\top V\|_F^2},

    which for :math:`r_U = r_V = r` is :math:`\|\sin\Theta(U, V)\|_F`, the Frobenius norm
    of the sines of the principal angles; it lies in :math:`[0, \sqrt{\min(r, p - r)}]`.

    Parameters
    ----------
    U, V : array-like of shape (p, r) or (r, p)
        Orthonormal bases, as columns (``U`` of :func:`statkit.datasets.make_spiked_clients`)
        or as rows (``components_`` of :class:`FederatedPCA`); a basis with more columns
        than rows is read as rows. Orthonormality is checked.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> e = np.eye(3)
    >>> float(subspace_distance(e[:, :1], e[:, 1:2]))  # orthogonal lines: sin(pi/2) = 1
    1.0
    >>> float(subspace_distance(e[:, :2], e[:2]))      # same plane, columns vs rows
    0.0
    """
    bases = []
    for name, A in (("U", U), ("V", V)):
        A = check_array(A, dtype=np.float64, input_name=name)
        if A.shape[0] < A.shape[1]:
            A = A.T
        gram = A.T @ A
        if not np.allclose(gram, np.eye(A.shape[1]), atol=1e-6):
            raise ValueError(
                f"{name} must have orthonormal columns (or rows); max |{name}^T {name} - I| = "
                f"{np.abs(gram - np.eye(A.shape[1])).max():.2e}"
            )
        bases.append(A)
    A, B = bases
    if A.shape[0] != B.shape[0]:
        raise ValueError(f"U and V live in different dimensions: p={A.shape[0]} and p={B.shape[0]}")
    d2 = 0.5 * (A.shape[1] + B.shape[1]) - float(np.sum((A.T @ B) ** 2))
    return math.sqrt(max(d2, 0.0))


def covariance_sensitivity(clip_norm, n_samples):
    r"""L2 sensitivity of the clipped second-moment matrix (upper triangle), replace-one.

    For rows clipped to :math:`\|x\| \le C` and :math:`\hat\Sigma = n^{-1}\sum_i x_i
    x_i^\top`, replacing one row :math:`x` by :math:`x'` changes :math:`\hat\Sigma` by
    :math:`E = (x'x'^\top - xx^\top)/n`, and

    .. math::

        n^2\|E\|_F^2 = \|x\|^4 + \|x'\|^4 - 2(x^\top x')^2 \le 2C^4,
        \qquad \Delta = \frac{\sqrt2\, C^2}{n}.

    The noise is added to the :math:`p(p+1)/2` entries of the upper triangle (diagonal
    included), whose L2 norm :math:`\big(\tfrac12\|E\|_F^2 + \tfrac12\sum_a E_{aa}^2\big)^{1/2}`
    is at most :math:`\|E\|_F`; both bounds are attained by :math:`x = Ce_1`,
    :math:`x' = Ce_2`. (The triangle inequality gives only :math:`2C^2/n`.) The same
    :math:`\Delta` bounds the vector :math:`(\text{upper}(V^\top \hat\Sigma V),
    \operatorname{tr}\hat\Sigma)` for any fixed orthonormal :math:`V`: with the eigenvalues
    :math:`a \ge 0 \ge -b` of :math:`E`, :math:`a, b \le C^2/n`, the squared norm is at
    most :math:`a^2 + b^2 + (a - b)^2 \le 2C^4/n^2`.

    Under add/remove neighbours :math:`n` itself changes; this module uses replace-one
    neighbours with :math:`n` public, as the paper does.

    Parameters
    ----------
    clip_norm : float
        :math:`C`.
    n_samples : int
        :math:`n`.

    Returns
    -------
    float

    Examples
    --------
    >>> round(covariance_sensitivity(2.0, 100), 6)  # sqrt(2) * 4 / 100
    0.056569
    """
    return math.sqrt(2.0) * float(clip_norm) ** 2 / float(n_samples)


def projector_sensitivity(clip_norm, n_samples, n_components, n_features, eigengap):
    r"""Sensitivity of the rank-:math:`r` spectral projector, conditional on an eigengap.

    If the clipped sample covariance :math:`\hat\Sigma` of one of two neighbouring
    datasets has :math:`\lambda_r(\hat\Sigma) - \lambda_{r+1}(\hat\Sigma) \ge g`, the
    Davis-Kahan bound of Yu, Wang and Samworth (2015, Thm 2),
    :math:`\|\sin\Theta\|_F \le 2\min(\sqrt r\,\|E\|_{op}, \|E\|_F)/g`, with
    :math:`\|E\|_{op} \le C^2/n`, :math:`\|E\|_F \le \sqrt2 C^2/n` and
    :math:`\|P - P'\|_F = \sqrt2\|\sin\Theta\|_F`, gives

    .. math::

        \Delta_P = \min\Big(\frac{2\sqrt2\,\min(\sqrt r, \sqrt2)\, C^2}{n\, g},\;
        \sqrt{2\min(r, p - r)}\Big),

    the second term being the worst case over all pairs of rank-:math:`r` projectors.
    Only that second term is unconditional: **with the first, the projector mechanism is
    DP only on datasets whose eigengap is at least** :math:`g`, which the spiked model
    gives with high probability (``g`` below :math:`\lambda_r` by the sampling fluctuation),
    not for worst-case data.

    The method note's paper-style calibration [R] is
    :math:`\Delta_j \approx 2\sqrt2\,\sqrt{p r \sigma^2(\lambda_1 + \sigma^2)}/(n_j\lambda_r)`,
    which uses the typical size of :math:`\|\hat U_\perp^\top x\|\,\|\hat U^\top x\|`
    instead of its worst case :math:`C^2/2` over clipped rows and the model's
    :math:`(\lambda, \sigma^2)`, which are not public; the bound above replaces both by
    public quantities (``clip_norm``, ``eigengap``) and holds for every clipped neighbour.

    Parameters
    ----------
    clip_norm : float
    n_samples : int
    n_components : int
    n_features : int
    eigengap : float
        :math:`g`, a public lower bound on the :math:`r`-th eigengap.

    Returns
    -------
    float
    """
    r, p = int(n_components), int(n_features)
    davis_kahan = (
        2.0
        * math.sqrt(2.0)
        * min(math.sqrt(r), math.sqrt(2.0))
        * float(clip_norm) ** 2
        / (float(n_samples) * float(eigengap))
    )
    return min(davis_kahan, math.sqrt(2.0 * min(r, p - r)))


# --------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------


def _check_finite_positive(value, name, hint=""):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number > 0, got {value!r}{hint}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}{hint}")
    return value


def _check_clip_norm(clip_norm):
    hint = (
        ". clip_norm is the public bound C on the row norms (rows are clipped to "
        "||x|| <= C); choose it from domain knowledge, never from the data: a bound read "
        "off the data (e.g. max ||x_i||) leaks information and voids the DP guarantee"
    )
    if clip_norm is None:
        raise ValueError("clip_norm is required" + hint)
    return _check_finite_positive(clip_norm, "clip_norm", hint)


def _check_n_components(n_components, p):
    if (
        isinstance(n_components, bool)
        or not isinstance(n_components, numbers.Integral)
        or n_components < 1
    ):
        raise ValueError(f"n_components must be an integer >= 1, got {n_components!r}")
    if n_components >= p:
        raise ValueError(
            f"n_components={n_components} must be < n_features={p}: the spiked model "
            "needs a noise bulk (p - r >= 1) to separate the subspace from"
        )
    return int(n_components)


def _check_client(X, name):
    X = check_array(X, dtype=np.float64, ensure_min_samples=1, input_name=name)
    if X.shape[0] < 2:
        raise ValueError(f"{name} has n_samples={X.shape[0]}; every client needs at least 2 rows")
    return X


def _label(value):
    return value.item() if isinstance(value, np.generic) else value


def _as_clients(X, groups):
    """Split the input of ``fit`` into a list of float64 client arrays and their labels."""
    if isinstance(X, (list, tuple)) and len(X) == 0:
        raise ValueError("X is an empty list: FederatedPCA needs at least one client")
    if isinstance(X, (list, tuple)) and all(np.ndim(c) == 2 for c in X):
        if groups is not None:
            raise ValueError(
                "groups must be None when X is a list of client arrays (the list defines "
                "the clients)"
            )
        clients = [_check_client(c, f"client {j}") for j, c in enumerate(X)]
        labels = np.arange(len(clients))
    else:
        X = check_array(X, dtype=np.float64, ensure_min_samples=1)
        if groups is None:
            clients, labels = [_check_client(X, "X")], np.arange(1)
        else:
            groups = np.asarray(groups)
            if groups.ndim != 1 or groups.shape[0] != X.shape[0]:
                raise ValueError(
                    f"groups must be 1-D with one label per row of X ({X.shape[0]}), got "
                    f"shape {groups.shape}"
                )
            labels, inverse = np.unique(groups, return_inverse=True)
            clients = [
                _check_client(X[inverse == k], f"client {_label(labels[k])!r}")
                for k in range(len(labels))
            ]
    p = clients[0].shape[1]
    for j, c in enumerate(clients):
        if c.shape[1] != p:
            raise ValueError(
                f"all clients must have the same number of features: client "
                f"{_label(labels[0])!r} has {p}, client {_label(labels[j])!r} has {c.shape[1]}"
            )
    return clients, labels


def _per_client(value, name, m):
    if np.ndim(value) == 0:
        return [value] * m
    values = list(np.asarray(value, dtype=object).reshape(-1))
    if len(values) != m:
        raise ValueError(
            f"{name} has {len(values)} entries but there are {m} clients; pass a scalar or "
            "one value per client (in the order of the client list, or of np.unique(groups))"
        )
    return values


def _inverse_weights(d):
    """Weights proportional to 1/d (d >= 0), normalised; zeros take all the weight."""
    d = np.maximum(np.asarray(d, dtype=np.float64), 0.0)
    if np.any(d == 0):
        w = (d == 0).astype(np.float64)
    else:
        w = d.min() / d
    return w / w.sum()


def _sign_flip(components):
    """Make the largest-magnitude entry of every row positive (deterministic signs)."""
    idx = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(components.shape[0]), idx])
    signs[signs == 0] = 1.0
    return components * signs[:, None]


def _top_eigh(S, r):
    """Top-r eigenpairs of a symmetric matrix, eigenvalues in decreasing order."""
    p = S.shape[0]
    vals, vecs = scipy.linalg.eigh(S, subset_by_index=[p - r, p - 1], driver="evx")
    return vals[::-1], vecs[:, ::-1]


# --------------------------------------------------------------------------------------
# the client step and the server step
# --------------------------------------------------------------------------------------


def _clipped_covariance(X, clip_norm):
    r""":math:`n^{-1}\sum_i \bar x_i \bar x_i^\top`, :math:`\bar x = x\min(1, C/\|x\|)`."""
    norms = np.sqrt(np.einsum("ij,ij->i", X, X))
    big = norms > clip_norm
    n_big = int(np.count_nonzero(big))
    if n_big > X.shape[0] // 4:  # many clipped rows: rescale a copy
        X = X * np.where(big, clip_norm / np.where(big, norms, 1.0), 1.0)[:, None]
        return (X.T @ X) / X.shape[0]
    S = X.T @ X
    if n_big:  # few: correct X^T X by sum_b (c_b^2 - 1) x_b x_b^T, c_b = C / ||x_b||
        Xb = X[big]
        S += (Xb.T * ((clip_norm / norms[big]) ** 2 - 1.0)) @ Xb
    return S / X.shape[0]


def _input_release(S, r, sigma, rng):
    """Client message of the input mechanism: the noisy covariance and what it gives.

    Returns (V, M, trace) with V the top-r eigenvectors of S + Z, M = diag of the top-r
    eigenvalues (= V^T (S + Z) V) and trace = tr(S + Z).
    """
    S_noisy = S + symmetric_gaussian_noise(S.shape[0], sigma, rng)
    vals, V = _top_eigh(S_noisy, r)
    return V, np.diag(vals), float(np.trace(S_noisy))


def _projector_release(S, r, sigma, tau, rng):
    """Client message of the projector mechanism (layers 1 and 2, then the spectrum)."""
    p = S.shape[0]
    _, V_hat = _top_eigh(S, r)  # layer 1 (not private)
    P_noisy = V_hat @ V_hat.T + symmetric_gaussian_noise(p, sigma, rng)
    _, V = _top_eigh(P_noisy, r)  # layer 2: the private subspace
    # spectrum: (upper(V^T S V), tr S) + N(0, tau^2), sensitivity sqrt(2) C^2 / n
    M = V.T @ S @ V + symmetric_gaussian_noise(r, tau, rng)
    trace = float(np.trace(S) + rng.normal(0.0, tau))
    return V, M, trace


def _fit_federated(
    clients,
    *,
    n_components,
    epsilon,
    delta,
    clip_norm,
    mechanism,
    aggregation,
    eigengap,
    spectrum_budget,
    random_state,
):
    """The shared code of FederatedPCA and DPPCA: returns a dict of fitted attributes."""
    if mechanism not in _MECHANISMS:
        raise ValueError(f"mechanism must be one of {_MECHANISMS}, got {mechanism!r}")
    if aggregation not in _AGGREGATIONS:
        raise ValueError(f"aggregation must be one of {_AGGREGATIONS}, got {aggregation!r}")
    m, p = len(clients), clients[0].shape[1]
    r = _check_n_components(n_components, p)
    C = _check_clip_norm(clip_norm)
    n = np.array([c.shape[0] for c in clients], dtype=np.float64)
    eps_list = _per_client(epsilon, "epsilon", m)
    delta_list = _per_client(delta, "delta", m)
    budgets = [
        check_privacy_params(e, d, n=int(nj))
        for e, d, nj in zip(eps_list, delta_list, n, strict=True)
    ]
    if mechanism == "projector":
        if eigengap is None:
            raise ValueError(
                "mechanism='projector' needs eigengap, a public lower bound g on the r-th "
                "eigengap lambda_r - lambda_{r+1} of every client's clipped sample "
                "covariance (its sensitivity is ~ C^2/(n g)); it must not be read off the "
                "data. Use mechanism='input' for a guarantee that needs no such bound"
            )
        g = _check_finite_positive(eigengap, "eigengap")
        if isinstance(spectrum_budget, bool) or not isinstance(spectrum_budget, numbers.Real):
            raise TypeError(f"spectrum_budget must be a float in (0, 1), got {spectrum_budget!r}")
        if not 0.0 < float(spectrum_budget) < 1.0:
            raise ValueError(f"spectrum_budget must be in (0, 1), got {spectrum_budget!r}")
        f = float(spectrum_budget)
    rng = check_random_state(random_state)

    V_list, M_list, traces = [], [], np.empty(m)
    sigmas, sens = np.empty(m), np.empty(m)
    eig_var, bulk_var, spent = np.empty(m), np.empty(m), []
    conditional = False
    for j, X in enumerate(clients):
        S = _clipped_covariance(X, C)
        eps_j, delta_j = budgets[j]
        if mechanism == "input":
            sens[j] = covariance_sensitivity(C, n[j])
            sigmas[j] = gaussian_sigma(eps_j, delta_j, sens[j])
            V, M, t = _input_release(S, r, sigmas[j], rng)
            # first-order noise variances [R]: u^T Z u ~ 2 s^2; tr Z - sum u_i^T Z u_i ~ p s^2
            eig_var[j] = 2.0 * sigmas[j] ** 2
            bulk_var[j] = p * sigmas[j] ** 2 / (p - r) ** 2
            spent.append((eps_j, delta_j))
        else:
            sub, spec = split_budget(eps_j, delta_j, [1.0 - f, f])
            sens[j] = projector_sensitivity(C, n[j], r, p, g)
            conditional |= sens[j] < math.sqrt(2.0 * min(r, p - r))
            sigmas[j] = gaussian_sigma(sub[0], sub[1], sens[j])
            tau = gaussian_sigma(spec[0], spec[1], covariance_sensitivity(C, n[j]))
            V, M, t = _projector_release(S, r, sigmas[j], tau, rng)
            eig_var[j] = 2.0 * tau**2
            bulk_var[j] = (r + 1) * tau**2 / (p - r) ** 2
            spent.append(tuple(compose_basic([sub, spec])))
        V_list.append(V)
        M_list.append(0.5 * (M + M.T))
        traces[j] = t
    if conditional:
        warnings.warn(
            "mechanism='projector' is (epsilon, delta)-DP only on data whose clipped sample "
            f"covariance has an r-th eigengap >= eigengap={g:g} (true with high probability "
            "under the spiked model, not for worst-case data); use mechanism='input' for an "
            "unconditional guarantee",
            PrivacyWarning,
            stacklevel=3,
        )

    # ---- server: pooled private spectrum (post-processing) -------------------------------
    ell = np.array([np.sort(np.linalg.eigvalsh(M))[::-1] for M in M_list])  # (m, r)
    bulk = (traces - np.array([np.trace(M) for M in M_list])) / (p - r)  # sigma^2 per client
    if aggregation == "uniform":
        omega = nu = np.full(m, 1.0 / m)
    else:
        # inverse-variance weights [R]: Var(l_i) ~ 2 l_i^2 / n + noise, Var(s^2) ~
        # 2 s^4 / (n (p - r)) + noise; pilot with the public l <= C^2, s^2 <= C^2 / p
        omega0 = _inverse_weights(2.0 * C**4 / n + eig_var)
        ell_bar = float(np.mean(omega0 @ ell))
        omega = _inverse_weights(2.0 * ell_bar**2 / n + eig_var)
        nu0 = _inverse_weights(2.0 * (C**2 / p) ** 2 / (n * (p - r)) + bulk_var)
        s_bar = max(float(nu0 @ bulk), 0.0)
        nu = _inverse_weights(2.0 * s_bar**2 / (n * (p - r)) + bulk_var)
    ell_hat = omega @ ell
    noise_var = max(float(nu @ bulk), 0.0)

    # ---- server: client weights from the first-order local rates [R] ----------------------
    # the pooled spectrum is noisy: keep l_i >= sigma^2 >= 0 and lambda_i > 0
    ell_pos = np.maximum(ell_hat, noise_var)
    floor = max(1e-3 * noise_var, 1e-12 * float(ell_pos[0]), 1e-300)
    lam = np.maximum(ell_pos - noise_var, floor)
    stat = float(np.sum(ell_pos * noise_var / lam**2))  # sum_i l_i sigma^2 / lambda_i^2
    inv_lam2 = float(np.sum(1.0 / lam**2))
    if mechanism == "input":
        rates = 2.0 * (p - r) * (stat / n + inv_lam2 * sigmas**2)
    else:
        rates = 2.0 * (p - r) * (stat / n + r * sigmas**2)
    weights = _inverse_weights(rates) if aggregation == "inverse_rate" else np.full(m, 1.0 / m)

    # ---- server: layer 3, the weighted average of the projectors ------------------------
    # top-r left singular vectors of B = [sqrt(w_j) V_j] (B B^T = P_bar), from the small
    # (m r) x (m r) Gram matrix, then re-orthonormalised
    B = np.hstack([math.sqrt(w) * V for w, V in zip(weights, V_list, strict=True)])
    g_vals, g_vecs = _top_eigh(B.T @ B, r)
    U_bar = np.linalg.qr(B @ (g_vecs / np.sqrt(np.maximum(g_vals, 1e-300))))[0]
    # rotate within the subspace: eigenvectors of the pooled compressed covariance
    A = sum(
        w * (U_bar.T @ V) @ M @ (V.T @ U_bar) for w, V, M in zip(omega, V_list, M_list, strict=True)
    )
    vals, R = np.linalg.eigh(0.5 * (A + A.T))
    order = np.argsort(vals)[::-1]
    components = _sign_flip((U_bar @ R[:, order]).T)
    explained = vals[order]
    excess = np.maximum(explained - noise_var, 0.0)
    covariance = (components.T * excess) @ components + noise_var * np.eye(p)
    total = float(np.sum(explained)) + (p - r) * noise_var

    return {
        "components_": components,
        "explained_variance_": explained,
        "explained_variance_ratio_": explained / total if total > 0 else np.zeros(r),
        "noise_variance_": noise_var,
        "covariance_": covariance,
        "client_components_": [_sign_flip(V.T) for V in V_list],
        "client_weights_": weights,
        "client_rates_": rates,
        "noise_scales_": sigmas,
        "sensitivities_": sens,
        "privacy_spent_": spent,
        "n_samples_": n.astype(np.int64),
        "n_clients_": m,
        "n_features_in_": p,
    }


# --------------------------------------------------------------------------------------
# estimators
# --------------------------------------------------------------------------------------

_NOTES = r"""
    **Client j** (rows clipped, :math:`\bar x_i = x_i\min(1, C/\|x_i\|)`, no centering):

    .. math::

        \hat\Sigma_j = \frac{1}{n_j}\sum_{i=1}^{n_j}\bar x_i\bar x_i^\top .

    ``mechanism="input"`` (default; Analyze-Gauss input perturbation, rigorous DP):

    .. math::

        \tilde\Sigma_j = \hat\Sigma_j + Z_j, \qquad (Z_j)_{ab} = (Z_j)_{ba}
        \overset{\text{iid}}{\sim} N(0, s_j^2)\ (a \le b), \qquad
        s_j = \sigma_{\mathrm{AG}}\Big(\varepsilon_j, \delta_j,
        \Delta_j = \frac{\sqrt2\, C^2}{n_j}\Big),

    with :math:`\sigma_{\mathrm{AG}}` the analytic Gaussian calibration (Balle and Wang
    2018) and :math:`\Delta_j` the exact replace-one L2 sensitivity of the upper triangle
    of :math:`\hat\Sigma_j` (:func:`covariance_sensitivity`). Layer 1 takes the top-:math:`r`
    eigenpairs :math:`(\tilde\ell_{j,i}, \tilde V_j)` of :math:`\tilde\Sigma_j`; layer 2 is
    the identity (:math:`\tilde V_j\tilde V_j^\top` is already a private rank-:math:`r`
    projector). Everything the client sends, :math:`\tilde V_j`, :math:`\tilde\ell_j` and
    :math:`\operatorname{tr}\tilde\Sigma_j`, is post-processing of :math:`\tilde\Sigma_j`:
    the whole :math:`(\varepsilon_j, \delta_j)` goes to :math:`\tilde\Sigma_j` and the
    spectrum costs nothing extra (``spectrum_budget`` is ignored).

    ``mechanism="projector"`` (paper-style, Cai-Xia-Zha; **DP only under the eigengap
    condition**): layer 1 takes the top-:math:`r` eigenvectors :math:`\hat V_j` of
    :math:`\hat\Sigma_j`; layer 2 re-decomposes

    .. math::

        \tilde P_j = \hat V_j\hat V_j^\top + Z_j, \qquad
        s_j = \sigma_{\mathrm{AG}}\big((1-f)\varepsilon_j, (1-f)\delta_j, \Delta_{P,j}\big),

    to its top-:math:`r` eigenvectors :math:`\tilde V_j`, with :math:`\Delta_{P,j}` of
    :func:`projector_sensitivity` (valid when one of the neighbouring datasets has
    eigengap :math:`\ge g =` ``eigengap``). The spectrum gets the rest of the budget, by
    ``split_budget(eps_j, delta_j, [1 - f, f])`` with :math:`f =` ``spectrum_budget`` and
    basic composition (``privacy_spent_``): the client releases
    :math:`(\mathrm{upper}(\tilde V_j^\top\hat\Sigma_j\tilde V_j),
    \operatorname{tr}\hat\Sigma_j) + N(0, \tau_j^2 I)`, sensitivity :math:`\sqrt2 C^2/n_j`
    given the already private :math:`\tilde V_j` [R: the note's "eigenvalues of
    :math:`\tilde U_j^\top\hat\Sigma_j\tilde U_j`"].

    Each client's noise-variance estimate is the bulk average
    :math:`\tilde\sigma_j^2 = (\widetilde{\operatorname{tr}}_j - \sum_{i\le r}
    \tilde\ell_{j,i})/(p - r)`.

    **Server** (post-processing only). The first-order local rate [R] (squared Frobenius
    projector error; :math:`\ell_i = \lambda_i + \sigma^2`),

    .. math::

        R_j^{\mathrm{input}} = 2(p - r)\sum_{i\le r}
            \frac{\ell_i\sigma^2/n_j + s_j^2}{\lambda_i^2}, \qquad
        R_j^{\mathrm{proj}} = 2(p - r)\Big(\sum_{i\le r}\frac{\ell_i\sigma^2}{n_j\lambda_i^2}
            + r s_j^2\Big),

    is the note's form :math:`p/n_j + c_0 p^2\log(1/\delta_j)/(n_j^2\varepsilon_j^2)` with
    the privacy constant taken from the injected noise
    (:math:`E\|\hat U_\perp^\top Z\hat U\|_F^2 \approx r(p - r)s_j^2`). :math:`s_j` is a
    function of public quantities (:math:`n_j, \varepsilon_j, \delta_j, C, p, r`); the
    one model constant, the ratio of the statistical to the privacy term, is not public and
    is plugged in from the server's pooled *private* spectrum (:math:`\hat\ell,
    \hat\sigma^2` below), so the weights depend on raw data only through DP releases, as
    the note's §8.4 allows. Layer 3:

    .. math::

        w_j = \frac{R_j^{-1}}{\sum_k R_k^{-1}}, \qquad
        \bar P = \sum_j w_j\tilde V_j\tilde V_j^\top, \qquad
        \bar U = \text{top-}r\text{ eigenvectors of }\bar P

    (computed as the left singular vectors of :math:`[\sqrt{w_1}\tilde V_1, \dots,
    \sqrt{w_m}\tilde V_m]`); ``aggregation="uniform"`` sets :math:`w_j = 1/m`. The
    averaged projector fixes the subspace, not the axes inside it; those, and
    ``explained_variance_``, are the eigenpairs of the pooled compressed covariance
    :math:`\sum_j \omega_j \bar U^\top\tilde V_j\tilde M_j\tilde V_j^\top\bar U`
    (:math:`\tilde M_j` the client's private :math:`r\times r` spectrum matrix).
    :math:`\omega_j` and the weights of :math:`\hat\sigma^2 = \sum_j\nu_j\tilde\sigma_j^2`
    are inverse first-order variances [R] (:math:`2\ell^2/n_j` plus the noise variance;
    :math:`2\sigma^4/(n_j(p - r))` plus the noise variance). Then

    .. math::

        \hat\Sigma = \bar U\,\operatorname{diag}\big((\hat\ell_i - \hat\sigma^2)_+\big)\,
        \bar U^\top + \hat\sigma^2 I_p .

    The spectrum is not debiased: the noise pushes the top eigenvalues of
    :math:`\tilde\Sigma_j` up by about :math:`(p - r)s_j^2/\lambda_i` [R]. ``covariance_``
    estimates the covariance of the *clipped* rows, which is :math:`\Sigma` when
    ``clip_norm`` exceeds the row norms (for :math:`N(0, \Sigma)`, :math:`\|x\|^2 \approx
    \operatorname{tr}\Sigma`).

    **Centering.** None: the model is mean zero, and a data mean would either leak or cost
    budget. Centre with a public mean before fitting; :meth:`transform` is
    :math:`X\bar U` without centering.
"""


class FederatedPCA(TransformerMixin, BaseEstimator):
    __doc__ = (
        r"""Federated PCA of a spiked covariance under distributed differential privacy.

    Every client's message is :math:`(\varepsilon_j, \delta_j)`-DP with respect to that
    client's rows (replace-one neighbours; the client sizes :math:`n_j` are public); the
    server combines the clients' private rank-:math:`r` projectors with inverse-rate
    weights, which attains the harmonic combination :math:`(\sum_j R_j^{-1})^{-1}` of the
    local rates (Li, Cai, Xia and Zhang 2024).

    Parameters
    ----------
    n_components : int
        :math:`r`, in :math:`[1, p - 1]`.
    epsilon : float or sequence of float
        :math:`\varepsilon_j > 0`, one for all clients or one per client.
    delta : float or sequence of float
        :math:`\delta_j \in (0, 1)`; a ``PrivacyWarning`` when :math:`\delta_j \ge 1/n_j`.
    clip_norm : float
        :math:`C`, the **public** bound on the row norms; rows are clipped to it. Required
        (``ValueError`` when missing): a bound taken from the data leaks.
    mechanism : {"input", "projector"}, default="input"
        ``"input"``: Gaussian noise on the clipped covariance, rigorous DP. ``"projector"``:
        Gaussian noise on the spectral projector, DP only under the eigengap condition
        (see Notes); needs ``eigengap``.
    aggregation : {"inverse_rate", "uniform"}, default="inverse_rate"
        Server weights :math:`w_j \propto R_j^{-1}`, or :math:`1/m`.
    eigengap : float, optional
        ``mechanism="projector"`` only: :math:`g`, a public lower bound on
        :math:`\lambda_r(\hat\Sigma_j) - \lambda_{r+1}(\hat\Sigma_j)` for every client.
    spectrum_budget : float, default=0.1
        ``mechanism="projector"`` only: the fraction :math:`f` of every client's
        :math:`(\varepsilon_j, \delta_j)` spent on the spectrum.
    random_state : None, int or numpy.random.Generator, default=None
        The noise; an int makes ``fit`` reproducible.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        :math:`\bar U^\top`, orthonormal rows, ordered by ``explained_variance_``.
    explained_variance_ : ndarray of shape (n_components,)
        Private estimates of :math:`\ell_i = \lambda_i + \sigma^2` along the components.
    explained_variance_ratio_ : ndarray of shape (n_components,)
        ``explained_variance_`` over :math:`\sum_i\hat\ell_i + (p - r)\hat\sigma^2`.
    noise_variance_ : float
        :math:`\hat\sigma^2` (clipped at 0).
    covariance_ : ndarray of shape (n_features, n_features)
        :math:`\bar U\operatorname{diag}((\hat\ell - \hat\sigma^2)_+)\bar U^\top +
        \hat\sigma^2 I`.
    client_components_ : list of ndarray of shape (n_components, n_features)
        The clients' private bases :math:`\tilde V_j^\top` (their messages).
    client_weights_ : ndarray of shape (n_clients,)
        :math:`w_j`, summing to 1.
    client_rates_ : ndarray of shape (n_clients,)
        :math:`R_j`, the first-order predicted :math:`E\|\tilde V_j\tilde V_j^\top -
        UU^\top\|_F^2` [R] (not capped at its maximum :math:`2\min(r, p - r)`).
    noise_scales_ : ndarray of shape (n_clients,)
        :math:`s_j`, the standard deviation of the noise entries (on the covariance for
        ``"input"``, on the projector for ``"projector"``).
    sensitivities_ : ndarray of shape (n_clients,)
        :math:`\Delta_j` that :math:`s_j` is calibrated to.
    privacy_spent_ : list of (float, float)
        :math:`(\varepsilon, \delta)` spent by each client (basic composition).
    n_samples_ : ndarray of shape (n_clients,)
    n_clients_ : int
    n_features_in_ : int
    client_labels_ : ndarray of shape (n_clients,)
        The group labels (``np.unique(groups)``) or ``0, ..., m - 1`` for a list.

    See Also
    --------
    DPPCA : the single-client estimator.
    subspace_distance

    Notes
    -----"""
        + _NOTES
        + r"""
    References
    ----------
    .. [1] Li, J., Cai, T. T., Xia, D. and Zhang, A. R. (2024). Federated PCA and
       estimation for spiked covariance matrices: optimal rates and efficient algorithm.
       arXiv:2411.15660.
    .. [2] Cai, T. T., Xia, D. and Zha, M. (2024). Optimal differentially private PCA and
       estimation for spiked covariance matrices. arXiv:2401.03820.
    .. [3] Dwork, C., Talwar, K., Thakurta, A. and Zhang, L. (2014). Analyze Gauss:
       optimal bounds for privacy-preserving principal component analysis. *STOC 2014*.
    .. [4] Balle, B. and Wang, Y.-X. (2018). Improving the Gaussian mechanism for
       differential privacy: analytical calibration and optimal denoising. *ICML 2018*.
       arXiv:1805.06530.
    .. [5] Yu, Y., Wang, T. and Samworth, R. J. (2015). A useful variant of the
       Davis-Kahan theorem for statisticians. *Biometrika* 102(2), 315-323.

    Examples
    --------
    >>> from statkit.datasets._spiked import make_spiked_clients
    >>> from statkit.privacy._federated_pca import FederatedPCA, subspace_distance
    >>> data = make_spiked_clients([2000, 4000], 20, 2, [30.0, 20.0], 1.0, random_state=0)
    >>> est = FederatedPCA(2, epsilon=[1.0, 2.0], delta=1e-5, clip_norm=12.0,
    ...                    random_state=0).fit(data.clients)
    >>> est.components_.shape
    (2, 20)
    >>> bool(subspace_distance(est.components_, data.components) < 0.2)
    True
    """
    )

    # groups are data (who holds which row), not routed metadata
    __metadata_request__fit: ClassVar[dict] = {"groups": metadata_routing.UNUSED}

    def __init__(
        self,
        n_components,
        epsilon,
        delta,
        clip_norm=None,
        mechanism="input",
        aggregation="inverse_rate",
        eigengap=None,
        spectrum_budget=0.1,
        random_state=None,
    ):
        self.n_components = n_components
        self.epsilon = epsilon
        self.delta = delta
        self.clip_norm = clip_norm
        self.mechanism = mechanism
        self.aggregation = aggregation
        self.eigengap = eigengap
        self.spectrum_budget = spectrum_budget
        self.random_state = random_state

    def fit(self, X, groups=None):
        """Fit from one array with client labels, or from a list of client arrays.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or list of such arrays
            One array (with ``groups``; without, a single client), or one array per client.
        groups : array-like of shape (n_samples,), optional
            The client of each row of ``X``; clients are ordered as ``np.unique(groups)``.
            (The second positional argument: ``fit(X, y)`` reads ``y`` as client labels.)

        Returns
        -------
        self
        """
        if isinstance(X, (list, tuple)) and (not X or all(np.ndim(c) == 2 for c in X)):
            clients, labels = _as_clients(X, groups)
            self.__dict__.pop("feature_names_in_", None)
        else:
            X = validate_data(self, X, dtype=np.float64, ensure_min_samples=1)
            clients, labels = _as_clients(X, groups)
        self.__dict__.update(self._fit_clients(clients))
        self.client_labels_ = labels
        return self

    def _fit_clients(self, clients):
        return _fit_federated(
            clients,
            n_components=self.n_components,
            epsilon=self.epsilon,
            delta=self.delta,
            clip_norm=self.clip_norm,
            mechanism=self.mechanism,
            aggregation=self.aggregation,
            eigengap=self.eigengap,
            spectrum_budget=self.spectrum_budget,
            random_state=self.random_state,
        )

    def transform(self, X):
        r"""Project on the private components: :math:`X\bar U` (no centering).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self, "components_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X @ self.components_.T


class DPPCA(TransformerMixin, BaseEstimator):
    __doc__ = (
        r"""Differentially private PCA of one dataset (a one-client :class:`FederatedPCA`).

    The same code as :class:`FederatedPCA` with :math:`m = 1`: clip the rows to
    ``clip_norm``, privatise (noise on the covariance, or on the projector), decompose.
    ``fit`` is :math:`(\varepsilon, \delta)`-DP with respect to the rows of ``X``
    (replace-one, :math:`n` public); unconditionally for ``mechanism="input"``.

    Parameters
    ----------
    n_components : int
        :math:`r`, in :math:`[1, p - 1]`.
    epsilon : float
    delta : float
    clip_norm : float
        The public row-norm bound :math:`C` (required).
    mechanism : {"input", "projector"}, default="input"
    eigengap : float, optional
        Public eigengap lower bound, ``mechanism="projector"`` only.
    spectrum_budget : float, default=0.1
        Fraction of the budget for the spectrum, ``mechanism="projector"`` only.
    random_state : None, int or numpy.random.Generator, default=None

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
    explained_variance_ : ndarray of shape (n_components,)
    explained_variance_ratio_ : ndarray of shape (n_components,)
    noise_variance_ : float
    covariance_ : ndarray of shape (n_features, n_features)
    noise_scale_ : float
        :math:`s`, the standard deviation of the noise entries.
    sensitivity_ : float
    privacy_spent_ : tuple (float, float)
    n_samples_ : int
    n_features_in_ : int

    See Also
    --------
    FederatedPCA

    Notes
    -----"""
        + _NOTES
        + r"""
    References
    ----------
    .. [1] Cai, T. T., Xia, D. and Zha, M. (2024). Optimal differentially private PCA and
       estimation for spiked covariance matrices. arXiv:2401.03820.
    .. [2] Dwork, C., Talwar, K., Thakurta, A. and Zhang, L. (2014). Analyze Gauss:
       optimal bounds for privacy-preserving principal component analysis. *STOC 2014*.
    .. [3] Li, J., Cai, T. T., Xia, D. and Zhang, A. R. (2024). arXiv:2411.15660.

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.privacy._federated_pca import DPPCA
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((5000, 10)) * np.r_[6.0, np.ones(9)]
    >>> est = DPPCA(1, epsilon=1.0, delta=1e-6, clip_norm=25.0, random_state=0).fit(X)
    >>> bool(abs(est.components_[0, 0]) > 0.99)
    True
    """
    )

    def __init__(
        self,
        n_components,
        epsilon,
        delta,
        clip_norm=None,
        mechanism="input",
        eigengap=None,
        spectrum_budget=0.1,
        random_state=None,
    ):
        self.n_components = n_components
        self.epsilon = epsilon
        self.delta = delta
        self.clip_norm = clip_norm
        self.mechanism = mechanism
        self.eigengap = eigengap
        self.spectrum_budget = spectrum_budget
        self.random_state = random_state

    def fit(self, X, y=None):
        """Fit on the rows of ``X`` (shape (n_samples, n_features)).

        Returns
        -------
        self
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        fitted = _fit_federated(
            [X],
            n_components=self.n_components,
            epsilon=self.epsilon,
            delta=self.delta,
            clip_norm=self.clip_norm,
            mechanism=self.mechanism,
            aggregation="uniform",
            eigengap=self.eigengap,
            spectrum_budget=self.spectrum_budget,
            random_state=self.random_state,
        )
        for key in ("components_", "explained_variance_", "explained_variance_ratio_"):
            setattr(self, key, fitted[key])
        self.noise_variance_ = fitted["noise_variance_"]
        self.covariance_ = fitted["covariance_"]
        self.noise_scale_ = float(fitted["noise_scales_"][0])
        self.sensitivity_ = float(fitted["sensitivities_"][0])
        self.privacy_spent_ = tuple(fitted["privacy_spent_"][0])
        self.n_samples_ = int(fitted["n_samples_"][0])
        return self

    def transform(self, X):
        r"""Project on the private components: :math:`X\hat U` (no centering).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self, "components_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X @ self.components_.T
