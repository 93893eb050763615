r"""numba kernels for the matrix-completion bandit (Duan, Li and Xia, arXiv:2404.17398).

State of arm :math:`a`: factors :math:`U_a \in \mathbb R^{d_1\times r}`,
:math:`V_a \in \mathbb R^{d_2\times r}` with :math:`\hat M_a = U_aV_a^\top`, and their Gram
matrices :math:`A_a = U_a^\top U_a`, :math:`B_a = V_a^\top V_a`, kept up to date by rank-one
corrections.

**The step.** The paper's update is factored gradient descent on the *re-balanced* factors
:math:`(\tilde U S^{1/2}, \tilde V S^{1/2})` of :math:`\hat M = \tilde U S\tilde V^\top`. Any
balanced pair is :math:`(UQ, VQ^{-\top})` with :math:`Q^\top A Q = Q^{-1}BQ^{-\top}`, i.e.
:math:`P = QQ^\top` solves :math:`PAP = B`, whose positive-definite solution is the matrix
geometric mean

.. math::

    P = A^{-1/2}\big(A^{1/2}BA^{1/2}\big)^{1/2}A^{-1/2}.

A gradient step on the balanced factors, mapped back, is (with
:math:`g = (\langle\hat M_a, X_t\rangle - y_t)/p_t` and only rows :math:`i` of :math:`U`,
:math:`j` of :math:`V` touched, the :math:`V` row using the new :math:`U` row)

.. math::

    u_i \leftarrow u_i - \eta_t g\, v_j P^{-1}, \qquad
    v_j \leftarrow v_j - \eta_t g\, u_i^{\rm new} P,

so the balanced step is taken exactly without ever re-balancing the :math:`d\times r`
factors: a round costs :math:`O(r^3)` (three :math:`r\times r` eigendecompositions) instead of
:math:`O((d_1+d_2)r^2)`. The rotation left free by the balancing does not change
:math:`\hat M` (the step is equivariant under :math:`(U, V)\mapsto(UO, VO)`).

**Lazy debiasing sum.** :math:`\sum_{t>T_0}\hat M^{(t-1)}` is kept with per-row and per-column
timestamps: an entry's value has been in force since ``max(rowtime, coltime, T0 + 1)``, and a
round changes only row :math:`i` and column :math:`j`, which are flushed (:math:`O(r(d_1+d_2))`)
before the update.
"""

import numpy as np
from numba import njit

__all__ = [
    "balance_metric",
    "flush_all",
    "mcb_run_loop",
    "mcb_select",
    "mcb_step",
    "reference_step",
]


@njit(cache=False)
def _sym_pow(S, power, floor):  # pragma: no cover - compiled
    """``S**power`` for a symmetric PSD matrix, eigenvalues floored at ``floor``."""
    w, E = np.linalg.eigh(S)
    r = w.shape[0]
    out = np.zeros((r, r))
    for k in range(r):
        lam = max(w[k], floor)
        f = lam**power
        for a in range(r):
            for b in range(r):
                out[a, b] += E[a, k] * f * E[b, k]
    return out


@njit(cache=False)
def _balance_metric_2x2(A, B):  # pragma: no cover - compiled
    """Closed form for r = 2: with ``q = sqrt(det B / det A)`` and ``N = q adj(A) + B``,
    ``P = (det B / det A)^(1/4) N / sqrt(det N)`` (the 2x2 geometric-mean identity
    ``X # Y = (sqrt(det Y) X + sqrt(det X) Y) (det X det Y)^(1/4) / sqrt(det(...))`` at
    ``X = A^{-1}``, ``Y = B``)."""
    detA = A[0, 0] * A[1, 1] - A[0, 1] * A[1, 0]
    detB = B[0, 0] * B[1, 1] - B[0, 1] * B[1, 0]
    q = np.sqrt(detB / detA)
    n00 = q * A[1, 1] + B[0, 0]
    n11 = q * A[0, 0] + B[1, 1]
    n01 = -q * A[0, 1] + 0.5 * (B[0, 1] + B[1, 0])
    detN = n00 * n11 - n01 * n01
    c = np.sqrt(q) / np.sqrt(detN)
    P = np.empty((2, 2))
    Pinv = np.empty((2, 2))
    P[0, 0] = c * n00
    P[1, 1] = c * n11
    P[0, 1] = P[1, 0] = c * n01
    detP = P[0, 0] * P[1, 1] - P[0, 1] * P[0, 1]
    Pinv[0, 0] = P[1, 1] / detP
    Pinv[1, 1] = P[0, 0] / detP
    Pinv[0, 1] = Pinv[1, 0] = -P[0, 1] / detP
    return P, Pinv


@njit(cache=False)
def balance_metric(A, B):  # pragma: no cover - compiled
    """``(P, P^{-1})`` with ``P A P = B`` (geometric mean of ``A^{-1}`` and ``B``)."""
    # relative floor: keeps a (numerically) rank-deficient factor pair from blowing up
    scale = max(np.trace(A), np.trace(B), 1e-300)
    floor = 1e-14 * scale
    if A.shape[0] == 2:
        # well-conditioned 2x2 pairs (the common r = 2) skip the three eigendecompositions
        detA = A[0, 0] * A[1, 1] - A[0, 1] * A[1, 0]
        detB = B[0, 0] * B[1, 1] - B[0, 1] * B[1, 0]
        if detA > 1e-8 * scale * scale and detB > 1e-8 * scale * scale:
            return _balance_metric_2x2(A, B)
    Ah = _sym_pow(A, 0.5, floor)
    Aih = _sym_pow(A, -0.5, floor)
    C = Ah @ B @ Ah
    C = 0.5 * (C + C.T)
    Ch = _sym_pow(C, 0.5, floor * floor)
    Cih = _sym_pow(C, -0.5, floor * floor)
    P = Aih @ Ch @ Aih
    Pinv = Ah @ Cih @ Ah
    return P, Pinv


@njit(cache=False)
def mcb_select(U, V, i, j, eps, u):  # pragma: no cover - compiled
    """epsilon-greedy arm at context ``(i, j)`` from one uniform ``u``.

    Greedy arm: argmax of ``U[a, i] . V[a, j]``, ties to the lowest index. Each arm gets
    ``eps/K``, the greedy one ``1 - eps + eps/K``; the arm is the first whose cumulative
    probability exceeds ``u``. Returns ``(arm, propensity, greedy)``.
    """
    K = U.shape[0]
    r = U.shape[2]
    greedy = 0
    best = -np.inf
    for a in range(K):
        m = 0.0
        for k in range(r):
            m += U[a, i, k] * V[a, j, k]
        if m > best:
            best = m
            greedy = a
    base = eps / K
    cum = 0.0
    arm = K - 1
    for a in range(K):
        cum += base + (1.0 - eps) * (a == greedy)
        if u < cum:
            arm = a
            break
    p = base + (1.0 - eps) * (arm == greedy)
    return arm, p, greedy


@njit(cache=False)
def _flush_row(U, V, S, rowtime, coltime, arm, i, t, T0):  # pragma: no cover - compiled
    d2 = V.shape[1]
    r = U.shape[2]
    for jj in range(d2):
        start = max(rowtime[arm, i], coltime[arm, jj], T0 + 1)
        n = t - start + 1
        if n > 0:
            m = 0.0
            for k in range(r):
                m += U[arm, i, k] * V[arm, jj, k]
            S[arm, i, jj] += n * m
    rowtime[arm, i] = t + 1


@njit(cache=False)
def _flush_col(U, V, S, rowtime, coltime, arm, j, t, T0):  # pragma: no cover - compiled
    d1 = U.shape[1]
    r = U.shape[2]
    for i in range(d1):
        start = max(rowtime[arm, i], coltime[arm, j], T0 + 1)
        n = t - start + 1
        if n > 0:
            m = 0.0
            for k in range(r):
                m += U[arm, i, k] * V[arm, j, k]
            S[arm, i, j] += n * m
    coltime[arm, j] = t + 1


@njit(cache=False)
def flush_all(U, V, S, rowtime, coltime, t_end, T0):  # pragma: no cover - compiled
    """Add every entry's pending contribution for rounds up to ``t_end``; returns nothing.

    Afterwards ``S[a] = sum_{T0 < t <= t_end} M_a^(t-1)``. Timestamps move to ``t_end + 1``
    so calling it twice does not double count.
    """
    K, d1, r = U.shape
    d2 = V.shape[1]
    for a in range(K):
        for i in range(d1):
            for jj in range(d2):
                start = max(rowtime[a, i], coltime[a, jj], T0 + 1)
                n = t_end - start + 1
                if n > 0:
                    m = 0.0
                    for k in range(r):
                        m += U[a, i, k] * V[a, jj, k]
                    S[a, i, jj] += n * m
        for i in range(d1):
            rowtime[a, i] = max(rowtime[a, i], t_end + 1)
        for jj in range(d2):
            coltime[a, jj] = max(coltime[a, jj], t_end + 1)


@njit(cache=False)
def mcb_step(
    U, V, A, B, arm, i, j, y, p, eta, t, T0, S, C, D, sig2, rowtime, coltime, infer
):  # pragma: no cover - compiled
    """One round's update of arm ``arm`` in place; returns the prediction before it.

    ``t`` is the 1-based round. With ``infer`` and ``t > T0`` the debiasing sums are fed
    first (they use the estimate before the round-t update): the lazy sum ``S``, the IPW
    residual sum ``C[arm, i, j] += (y - yhat)/p``, its second moment
    ``D[arm, i, j] += (y - yhat)^2/p^2`` (empirical variance) and
    ``sig2[arm] += (y - yhat)^2/p``.
    """
    r = U.shape[2]
    u = U[arm, i].copy()
    v = V[arm, j].copy()
    yhat = 0.0
    for k in range(r):
        yhat += u[k] * v[k]
    if infer and t > T0:
        _flush_row(U, V, S, rowtime, coltime, arm, i, t, T0)
        _flush_col(U, V, S, rowtime, coltime, arm, j, t, T0)
        res = y - yhat
        C[arm, i, j] += res / p
        D[arm, i, j] += res * res / (p * p)
        sig2[arm] += res * res / p
    g = (yhat - y) / p
    P, Pinv = balance_metric(A[arm], B[arm])
    un = u - eta * g * (v @ Pinv)
    vn = v - eta * g * (un @ P)
    for a in range(r):
        for b in range(r):
            A[arm, a, b] += un[a] * un[b] - u[a] * u[b]
            B[arm, a, b] += vn[a] * vn[b] - v[a] * v[b]
    U[arm, i] = un
    V[arm, j] = vn
    return yhat


@njit(cache=False)
def schedule(t, T0, eps1, c2, gamma):  # pragma: no cover - compiled
    """``(eps_t, eta factor)``: ``(eps1, 1)`` in phase 1, ``(min(1, c2 t^-gamma), eps_t)`` after."""
    if t <= T0:
        return eps1, 1.0
    e = min(1.0, c2 * t ** (-gamma))
    return e, e


@njit(cache=False)
def mcb_run_loop(
    U,
    V,
    A,
    B,
    rows,
    cols,
    rewards,
    uniforms,
    t_first,
    T0,
    eps1,
    c2,
    gamma,
    eta_scale,
    S,
    C,
    D,
    sig2,
    rowtime,
    coltime,
    infer,
    arms,
    props,
    ys,
    yhats,
    epss,
):  # pragma: no cover - compiled
    """Rounds ``t_first, t_first + 1, ...`` (one per row of ``rows``), all state in place.

    Per round: epsilon-greedy selection (:func:`mcb_select`), then :func:`mcb_step` with
    ``eta = eta_scale`` in phase 1 and ``eta_scale * eps_t`` in phase 2.
    """
    n = rows.shape[0]
    for s in range(n):
        t = t_first + s
        i = rows[s]
        j = cols[s]
        eps, mult = schedule(t, T0, eps1, c2, gamma)
        arm, p, _ = mcb_select(U, V, i, j, eps, uniforms[s])
        y = rewards[s, arm]
        yhats[s] = mcb_step(
            U,
            V,
            A,
            B,
            arm,
            i,
            j,
            y,
            p,
            eta_scale * mult,
            t,
            T0,
            S,
            C,
            D,
            sig2,
            rowtime,
            coltime,
            infer,
        )
        arms[s] = arm
        props[s] = p
        ys[s] = y
        epss[s] = eps


def reference_step(U, V, arm, i, j, y, p, eta):
    """Pure-numpy version of :func:`mcb_step`'s factor update (no Gram matrices, no sums).

    Recomputes ``A = U^T U`` and ``B = V^T V`` from scratch and the metric ``P`` (``PAP = B``)
    by numpy eigendecompositions, then takes the mapped-back balanced step.
    Returns the prediction before the step; updates ``U``, ``V`` in place.
    """

    def sym_pow(M, power):
        w, E = np.linalg.eigh(M)
        return (E * np.maximum(w, 1e-300) ** power) @ E.T

    Ua, Va = U[arm], V[arm]
    A = Ua.T @ Ua
    B = Va.T @ Va
    Ah, Aih = sym_pow(A, 0.5), sym_pow(A, -0.5)
    P = Aih @ sym_pow(Ah @ B @ Ah, 0.5) @ Aih
    Pinv = np.linalg.inv(P)
    yhat = float(Ua[i] @ Va[j])
    g = (yhat - y) / p
    un = Ua[i] - eta * g * (Va[j] @ Pinv)
    vn = Va[j] - eta * g * (un @ P)
    Ua[i] = un
    Va[j] = vn
    return yhat
