r"""Tensor-train (TT) algebra: TT-SVD, rounding, contraction, inner products, canonical form.

Format and rank convention (used by every function in statkit)
--------------------------------------------------------------
An order-:math:`N` tensor :math:`X \in \mathbb R^{d_1 \times \cdots \times d_N}` in TT format
is a list of :math:`N` **cores** :math:`X_k \in \mathbb R^{r_{k-1} \times d_k \times r_k}`,

.. math::

    X(s_1, \dots, s_N) = X_1(:, s_1, :)\, X_2(:, s_2, :) \cdots X_N(:, s_N, :),
    \qquad r_0 = r_N = 1 .

The user passes the :math:`N - 1` inner ranks :math:`(r_1, \dots, r_{N-1})` (or one int
for all of them); the boundary ranks :math:`r_0 = r_N = 1` are implicit (the full
``(1, r_1, ..., r_{N-1}, 1)`` form is accepted too). :func:`check_tt_ranks` checks that
each rank is attainable,

.. math::

    1 \le r_k \le \min\Big(\prod_{j \le k} d_j, \prod_{j > k} d_j\Big), \qquad
    r_k \le r_{k-1} d_k, \qquad r_{k-1} \le d_k r_k ,

and raises a ``ValueError`` otherwise: ranks are never capped silently.

:math:`L(X_k) \in \mathbb R^{(r_{k-1} d_k) \times r_k}` is the left unfolding of a core
(``core.reshape(r_{k-1} * d_k, r_k)``) and :math:`X^{\langle k \rangle} \in
\mathbb R^{(d_1 \cdots d_k) \times (d_{k+1} \cdots d_N)}` the :math:`k`-th unfolding of
the full tensor (C order, ``X.reshape(prod(shape[:k]), -1)``). The cores are
**left-orthogonal** when :math:`L(X_k)^\top L(X_k) = I_{r_k}` for :math:`k < N`; then
:math:`\|X\|_F = \|X_N\|_F`. :func:`tt_svd`, :func:`tt_round` and
:func:`tt_left_orthogonalize` return this form.

Backends
--------
Every function takes numpy arrays or torch tensors (the input's namespace decides, see
:func:`statkit._backend.get_namespace`) and returns the same namespace, device and dtype.
:func:`tt_svd` works in float64 internally (the Gram matrix squares the conditioning, so
float32 would lose half of its digits) and casts the cores back.

References
----------
.. [1] I. V. Oseledets, "Tensor-train decomposition", SIAM J. Sci. Comput. 33(5),
   2295-2317, 2011. doi:10.1137/090752286.
"""

import math
import numbers
from collections.abc import Sequence

import numpy as np

from statkit._backend import einsum, get_namespace, svd_flip, to_numpy

__all__ = [
    "check_tt_ranks",
    "tt_core_gradients",
    "tt_dof",
    "tt_inner",
    "tt_left_orthogonalize",
    "tt_norm",
    "tt_ranks",
    "tt_round",
    "tt_svd",
    "tt_to_full",
]


# --------------------------------------------------------------------------- validation


def _check_shape(shape, name="shape"):
    try:
        shape = tuple(shape)
    except TypeError:
        raise ValueError(f"{name} must be a sequence of positive integers, got {shape!r}") from None
    if len(shape) == 0:
        raise ValueError(f"{name} must have at least one mode")
    out = []
    for i, d in enumerate(shape):
        if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1:
            raise ValueError(f"{name}[{i}] must be an integer >= 1, got {d!r}")
        out.append(int(d))
    return tuple(out)


def _max_ranks(shape):
    """The largest attainable TT ranks, min(prod d_{<=k}, prod d_{>k}) (Python ints)."""
    out = []
    for k in range(1, len(shape)):
        out.append(min(math.prod(shape[:k]), math.prod(shape[k:])))
    return tuple(out)


def check_tt_ranks(ranks, shape):
    r"""Validate TT ranks against a tensor shape; return the :math:`N - 1` inner ranks.

    Parameters
    ----------
    ranks : int, sequence of int, or None
        One int (the same rank for every bond), the :math:`N - 1` inner ranks
        :math:`(r_1, \dots, r_{N-1})`, or the full :math:`N + 1` list
        :math:`(1, r_1, \dots, r_{N-1}, 1)`. ``None`` means the largest attainable ranks
        :math:`\min(\prod_{j \le k} d_j, \prod_{j > k} d_j)` (an exact TT representation).
    shape : sequence of int
        :math:`(d_1, \dots, d_N)`.

    Returns
    -------
    ranks : tuple of int
        The :math:`N - 1` inner ranks (empty for :math:`N = 1`).

    Raises
    ------
    ValueError
        A rank below 1, above :math:`\min(\prod_{j \le k} d_j, \prod_{j > k} d_j)`, a rank
        unattainable given its neighbours (:math:`r_k > r_{k-1} d_k` or
        :math:`r_{k-1} > d_k r_k`), a wrong number of ranks, or full-form boundary ranks
        other than 1. Nothing is capped silently: the message names the largest
        attainable ranks.
    TypeError
        A non-integer rank.

    Examples
    --------
    >>> from statkit.tensor import check_tt_ranks
    >>> check_tt_ranks(2, (4, 4, 4))
    (2, 2)
    >>> check_tt_ranks(None, (2, 3, 4))
    (2, 4)
    """
    shape = _check_shape(shape)
    n = len(shape)
    caps = _max_ranks(shape)
    if ranks is None:
        return caps
    if isinstance(ranks, numbers.Integral) and not isinstance(ranks, bool):
        ranks = (int(ranks),) * (n - 1)
    elif isinstance(ranks, (Sequence, np.ndarray)) and not isinstance(ranks, str):
        ranks = tuple(ranks)
        if len(ranks) == n + 1:
            if not (ranks[0] == 1 and ranks[-1] == 1):
                raise ValueError(
                    f"ranks of length N + 1 = {n + 1} must start and end with 1 "
                    f"(r_0 = r_N = 1), got {ranks!r}"
                )
            ranks = ranks[1:-1]
        elif len(ranks) != n - 1:
            raise ValueError(
                f"ranks must be one int, the N - 1 = {n - 1} inner ranks (r_1, ..., r_{{N-1}}), "
                f"or the N + 1 = {n + 1} ranks (1, r_1, ..., 1) for a tensor of shape {shape}; "
                f"got {len(ranks)} values {ranks!r}"
            )
    else:
        raise TypeError(f"ranks must be an int, a sequence of ints or None, got {ranks!r}")
    out = []
    for k, r in enumerate(ranks, start=1):
        if isinstance(r, bool) or not isinstance(r, numbers.Integral):
            raise TypeError(f"ranks[{k - 1}] (r_{k}) must be an integer, got {r!r}")
        r = int(r)
        if r < 1:
            raise ValueError(f"ranks[{k - 1}] (r_{k}) must be >= 1, got {r}")
        if r > caps[k - 1]:
            raise ValueError(
                f"ranks[{k - 1}] (r_{k}) = {r} exceeds min(prod d_<=k, prod d_>k) = {caps[k - 1]} "
                f"for shape {shape}; the largest attainable ranks are {caps}"
            )
        out.append(r)
    full = (1, *out, 1)
    for k in range(1, n + 1):
        if full[k] > full[k - 1] * shape[k - 1]:
            raise ValueError(
                f"ranks {tuple(out)} are inconsistent with shape {shape}: r_{k} = {full[k]} "
                f"exceeds r_{k - 1} * d_{k} = {full[k - 1] * shape[k - 1]}"
            )
        if full[k - 1] > shape[k - 1] * full[k]:
            raise ValueError(
                f"ranks {tuple(out)} are inconsistent with shape {shape}: r_{k - 1} = "
                f"{full[k - 1]} exceeds d_{k} * r_{k} = {shape[k - 1] * full[k]}"
            )
    return tuple(out)


def tt_dof(shape, ranks):
    r"""Dimension of the manifold of TT tensors with exactly these ranks.

    .. math::

        \mathrm{dof} = \sum_{k=1}^{N} r_{k-1} d_k r_k - \sum_{k=1}^{N-1} r_k^2 .

    Examples
    --------
    >>> from statkit.tensor import tt_dof
    >>> tt_dof((4,) * 6, 2), tt_dof((4,) * 10, 4)
    (60, 400)
    """
    shape = _check_shape(shape)
    r = (1, *check_tt_ranks(ranks, shape), 1)
    return sum(r[k] * shape[k] * r[k + 1] for k in range(len(shape))) - sum(x * x for x in r[1:-1])


def _check_cores(cores, name="cores"):
    """Validate a TT (list of 3-D cores with matching ranks); return (xp, cores)."""
    if hasattr(cores, "shape") and hasattr(cores, "ndim"):
        raise TypeError(f"{name} must be a list of 3-D cores, got one array of shape {cores.shape}")
    try:
        cores = list(cores)
    except TypeError:
        raise TypeError(f"{name} must be a list of 3-D cores, got {type(cores).__name__}") from None
    if not cores:
        raise ValueError(f"{name} must hold at least one core")
    xp = get_namespace(*cores)
    if xp is np:
        cores = [np.asarray(c) for c in cores]
    for k, c in enumerate(cores):
        if c.ndim != 3:
            raise ValueError(
                f"{name}[{k}] must be 3-D (r_{k}, d_{k + 1}, r_{k + 1}), got shape {tuple(c.shape)}"
            )
    if cores[0].shape[0] != 1 or cores[-1].shape[2] != 1:
        raise ValueError(
            f"{name} must have boundary ranks r_0 = r_N = 1, got {cores[0].shape[0]} and "
            f"{cores[-1].shape[2]}"
        )
    for k in range(len(cores) - 1):
        if cores[k].shape[2] != cores[k + 1].shape[0]:
            raise ValueError(
                f"{name}[{k}] has right rank {cores[k].shape[2]} but {name}[{k + 1}] has left rank "
                f"{cores[k + 1].shape[0]}"
            )
    return xp, cores


def tt_ranks(cores):
    """The :math:`N - 1` inner ranks of a TT, ``(r_1, ..., r_{N-1})``."""
    _, cores = _check_cores(cores)
    return tuple(int(c.shape[2]) for c in cores[:-1])


# --------------------------------------------------------------------------- backend helpers

_GRAM_MIN_TOL = 1e-6  # below this tolerance the Gram matrix cannot resolve the tail


def _to64(xp, a):
    if xp is np:
        return np.asarray(a, dtype=np.float64)
    return a.to(xp.float64)


def _result_dtype(xp, X):
    """Floating input keeps its dtype; integer or boolean input gives float64."""
    if xp is np:
        return X.dtype if np.issubdtype(X.dtype, np.floating) else np.dtype(np.float64)
    return X.dtype if X.is_floating_point() else xp.float64


def _cast(xp, a, dtype):
    if xp is np:
        return a.astype(dtype, copy=False)
    return a.to(dtype)


def _qr(xp, a):
    if xp is np:
        return np.linalg.qr(a, mode="reduced")
    return xp.linalg.qr(a, mode="reduced")


def _positive_diag_qr(xp, a):
    """Reduced QR with a non-negative diagonal of R (unique for full column rank)."""
    q, r = _qr(xp, a)
    d = xp.sign(xp.diagonal(r))
    d = xp.where(d == 0, xp.ones_like(d), d)
    return q * d[None, :], r * d[:, None]


def _norm(xp, a):
    if xp is np:
        return float(np.linalg.norm(a.reshape(-1)))
    return float(xp.linalg.vector_norm(a))


def _flip_columns(xp, a):
    if xp is np:
        return a[:, ::-1]
    return xp.flip(a, dims=(1,))


def _choose_rank(s2, max_rank, delta2):
    """Smallest r <= max_rank whose discarded energy sum_{j >= r} s2_j is <= delta2.

    ``s2`` holds squared singular values in decreasing order (a numpy vector). With
    ``delta2 = None`` the rank is ``max_rank`` (capped at the number of values).
    """
    n = s2.shape[0]
    r = min(max_rank, n)
    if delta2 is None:
        return max(r, 1)
    tail = np.concatenate([np.cumsum(s2[::-1])[::-1], [0.0]])  # tail[j] = sum_{i >= j} s2_i
    ok = np.nonzero(tail <= delta2)[0]
    r_tol = int(ok[0]) if ok.size else n
    return max(1, min(r, r_tol))


def _left_factor(xp, C, max_rank, delta2, accurate=False):
    """Leading left singular vectors U (rows x r) of C and the rest U^T C (r x cols).

    Wide C (rows <= cols, the usual case: every unfolding of a large tensor is very wide):
    eigen-decomposition of the small Gram matrix C C^T (rows x rows) in float64; with
    ``accurate`` (a tolerance below the Gram matrix's resolution), the SVD of the triangular
    factor R of C^T = Q R instead (same left singular vectors, singular values accurate to
    round-off). Tall C (only near the last mode, where C is tiny): a thin LAPACK SVD.
    """
    rows, cols = C.shape
    if rows <= cols and accurate:
        R = np.linalg.qr(C.T, mode="r") if xp is np else xp.linalg.qr(C.T, mode="r")[1]
        if xp is np:
            U, s, _ = np.linalg.svd(R.T, full_matrices=False)
        else:
            U, s, _ = xp.linalg.svd(R.T, full_matrices=False)
        s2 = to_numpy(s) ** 2
        r = _choose_rank(s2, max_rank, delta2)
        U = U[:, :r]
    elif rows <= cols:
        G = C @ C.T
        w, V = np.linalg.eigh(G) if xp is np else xp.linalg.eigh(G)
        V = _flip_columns(xp, V)  # decreasing eigenvalues
        s2 = np.clip(to_numpy(w)[::-1], 0.0, None)
        r = _choose_rank(s2, max_rank, delta2)
        U = V[:, :r]
    else:
        if xp is np:
            U, s, _ = np.linalg.svd(C, full_matrices=False)
        else:
            U, s, _ = xp.linalg.svd(C, full_matrices=False)
        s2 = to_numpy(s) ** 2
        r = _choose_rank(s2, max_rank, delta2)
        U = U[:, :r]
    U, _ = svd_flip(U, U.T)  # deterministic signs: largest entry of each column positive
    return U, U.T @ C


def _delta2(tol, n_modes, norm):
    if tol is None:
        return None
    if n_modes <= 1:
        return 0.0
    return (tol * norm) ** 2 / (n_modes - 1)


def _check_tol(tol):
    if tol is None:
        return None
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not math.isfinite(tol):
        raise ValueError(f"tol must be None or a finite real number >= 0, got {tol!r}")
    if tol < 0:
        raise ValueError(f"tol must be >= 0, got {tol}")
    return float(tol)


# --------------------------------------------------------------------------- TT-SVD and rounding


def tt_svd(X, ranks=None, tol=None):
    r"""TT-SVD: left-orthogonal TT cores of a full tensor, with max ranks and/or a tolerance.

    Sequential truncated SVDs of the unfoldings (Oseledets 2011, Alg. 1): with
    :math:`C_1 = X^{\langle 1 \rangle}`, for :math:`k = 1, \dots, N-1` take the leading
    :math:`r_k` left singular vectors :math:`U_k` of :math:`C_k \in
    \mathbb R^{(r_{k-1} d_k) \times (d_{k+1} \cdots d_N)}`, set :math:`L(X_k) = U_k` and
    :math:`C_{k+1} = U_k^\top C_k` reshaped to :math:`(r_k d_{k+1}) \times (d_{k+2}\cdots
    d_N)`; the last core is :math:`X_N = C_N`. Each rank is the smallest that discards a
    squared singular-value tail of at most :math:`\delta^2`, capped at ``ranks``:

    .. math::

        \delta = \frac{\mathrm{tol}}{\sqrt{N - 1}}\, \|X\|_F
        \quad\Longrightarrow\quad \|X - \mathrm{TT}\|_F \le \mathrm{tol}\, \|X\|_F
        \text{ (when no max rank binds)},

    and with max ranks the result is quasi-optimal,
    :math:`\|X - \mathrm{TT}\|_F \le \sqrt{N-1}\, \min_{\mathrm{rank}_{tt}(Y) \le r}
    \|X - Y\|_F`.

    The singular vectors of every wide unfolding come from the eigen-decomposition of the
    small Gram matrix :math:`C_k C_k^\top` (size :math:`r_{k-1} d_k`), never from a LAPACK
    SVD of the wide matrix; all of it runs in float64.

    Parameters
    ----------
    X : array of shape (d_1, ..., d_N)
        numpy array or torch tensor.
    ranks : int, sequence of int or None
        Maximal inner ranks, see :func:`check_tt_ranks`. With ``tol=None`` they are met
        exactly (the TT has these ranks even if ``X`` has lower ones).
    tol : float >= 0 or None
        Relative accuracy. ``ranks=None, tol=None`` gives an exact representation with the
        largest attainable ranks. The Gram matrix resolves singular values only down to
        about :math:`\sqrt{\epsilon_{64}}\,\|X\|_F \approx 10^{-8}\|X\|_F`, so for
        ``tol < 1e-6`` each wide unfolding is factored through the triangular factor of a
        QR decomposition of :math:`C_k^\top` instead (accurate singular values, about
        twice the cost).

    Returns
    -------
    cores : list of N arrays
        Left-orthogonal cores of shapes :math:`(r_{k-1}, d_k, r_k)`, in the namespace,
        device and dtype of ``X`` (integer input gives float64); the last core carries
        the norm.

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.tensor import tt_svd, tt_to_full
    >>> rng = np.random.default_rng(0)
    >>> X = np.einsum("i,j,k->ijk", *rng.standard_normal((3, 5)))  # TT rank (1, 1)
    >>> cores = tt_svd(X, tol=1e-6)
    >>> [c.shape for c in cores]
    [(1, 5, 1), (1, 5, 1), (1, 5, 1)]
    >>> bool(np.allclose(tt_to_full(cores), X))
    True
    """
    xp = get_namespace(X)
    if xp is np:
        X = np.asarray(X)
        if not (np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_) or np.iscomplexobj(X):
            raise TypeError(f"X must be a real numeric array, got dtype {X.dtype}")
    elif X.is_complex():
        raise TypeError(f"X must be real, got dtype {X.dtype}")
    if X.ndim < 1:
        raise ValueError("X must have at least one mode")
    shape = tuple(int(d) for d in X.shape)
    if min(shape) < 1:
        raise ValueError(f"X must not be empty, got shape {shape}")
    max_r = check_tt_ranks(ranks, shape)
    tol = _check_tol(tol)
    out_dtype = _result_dtype(xp, X)
    C = _to64(xp, X)
    if not bool(xp.isfinite(C).all()):
        raise ValueError("X contains NaN or inf")
    n = len(shape)
    delta2 = _delta2(tol, n, _norm(xp, C))
    accurate = tol is not None and tol < _GRAM_MIN_TOL
    cores = []
    r_prev = 1
    for k in range(n - 1):
        C = C.reshape(r_prev * shape[k], -1)
        U, C = _left_factor(xp, C, max_r[k], delta2, accurate)
        r = U.shape[1]
        cores.append(_cast(xp, U.reshape(r_prev, shape[k], r), out_dtype))
        r_prev = r
    cores.append(_cast(xp, C.reshape(r_prev, shape[-1], 1), out_dtype))
    return cores


def tt_to_full(cores):
    r"""Contract TT cores into the full tensor of shape :math:`(d_1, \dots, d_N)`.

    Costs :math:`O(\sum_k d_1 \cdots d_k\, r_{k-1} r_k)` operations (dominated by the
    last core, :math:`O(D r_{N-1})`).
    """
    _, cores = _check_cores(cores)
    shape = tuple(int(c.shape[1]) for c in cores)
    T = cores[0].reshape(shape[0], cores[0].shape[2])
    for c in cores[1:]:
        r0, d, r1 = c.shape
        T = (T @ c.reshape(r0, d * r1)).reshape(-1, r1)
    return T.reshape(shape)


def tt_left_orthogonalize(cores):
    r"""Left-orthogonal form of a TT by a left-to-right sweep of QR decompositions.

    :math:`L(X_k) = Q_k R_k`, :math:`X_k \leftarrow Q_k`, and :math:`R_k` is absorbed
    into :math:`X_{k+1}`. The tensor is unchanged; :math:`L(X_k)^\top L(X_k) = I` for
    :math:`k < N`, and :math:`\|X\|_F = \|X_N\|_F`. A rank :math:`r_k` larger than
    :math:`r_{k-1} d_k` shrinks to that bound (it was redundant).

    Returns
    -------
    cores : list of arrays (new arrays; the input is not modified)
    """
    xp, cores = _check_cores(cores)
    out = []
    carry = None
    for k, c in enumerate(cores):
        if carry is not None:
            r0, d, r1 = c.shape
            c = (carry @ c.reshape(r0, d * r1)).reshape(carry.shape[0], d, r1)
        if k == len(cores) - 1:
            out.append(c)
            break
        r0, d, r1 = c.shape
        Q, R = _positive_diag_qr(xp, c.reshape(r0 * d, r1))
        out.append(Q.reshape(r0, d, Q.shape[1]))
        carry = R
    return out


def _right_orthogonalize(xp, cores):
    """Right-orthogonal form of cores 2..N (rows of each right unfolding orthonormal);
    the first core carries the norm."""
    out = [None] * len(cores)
    carry = None  # multiplies the current core from the right
    for k in range(len(cores) - 1, -1, -1):
        c = cores[k]
        if carry is not None:
            r0, d, r1 = c.shape
            c = (c.reshape(r0 * d, r1) @ carry).reshape(r0, d, carry.shape[1])
        if k == 0:
            out[0] = c
            break
        r0, d, r1 = c.shape
        Q, R = _positive_diag_qr(xp, c.reshape(r0, d * r1).T)  # R(X_k)^T = Q R
        out[k] = Q.T.reshape(Q.shape[1], d, r1)
        carry = R.T
    return out


def tt_round(cores, ranks=None, tol=None):
    r"""TT rounding: recompress a TT to lower ranks without forming the full tensor.

    Right-to-left QR orthogonalisation (cores :math:`2..N` right-orthogonal), then a
    left-to-right sweep of truncated SVDs of the small left unfoldings
    :math:`L(X_k) = U S V^\top`, :math:`X_k \leftarrow U_{:, :r_k}`,
    :math:`X_{k+1} \leftarrow (S V^\top)_{:r_k} X_{k+1}` (Oseledets 2011, Alg. 2). The
    truncation rule is the one of :func:`tt_svd`: each discarded tail is at most
    :math:`\delta^2`, :math:`\delta = \mathrm{tol}\,\|X\|_F / \sqrt{N-1}`, and each rank is
    capped at ``ranks``; both bounds are honoured at once. Costs
    :math:`O(N d \bar r^3)`.

    Parameters
    ----------
    cores : list of arrays
    ranks : int, sequence of int or None
        Maximal inner ranks (validated by :func:`check_tt_ranks`); a rank larger than the
        input's stays at the input's.
    tol : float >= 0 or None

    Returns
    -------
    cores : list of arrays
        Left-orthogonal, in the input's namespace, device and dtype.
    """
    xp, cores = _check_cores(cores)
    shape = tuple(int(c.shape[1]) for c in cores)
    max_r = check_tt_ranks(ranks, shape)
    tol = _check_tol(tol)
    n = len(cores)
    dtype = cores[0].dtype
    cores = _right_orthogonalize(xp, cores)
    delta2 = _delta2(tol, n, _norm(xp, cores[0]))
    out = []
    for k in range(n - 1):
        c = cores[k]
        r0, d, r1 = c.shape
        L = c.reshape(r0 * d, r1)
        if xp is np:
            U, s, Vh = np.linalg.svd(L, full_matrices=False)
        else:
            U, s, Vh = xp.linalg.svd(L, full_matrices=False)
        U, Vh = svd_flip(U, Vh)
        r = _choose_rank(to_numpy(s).astype(np.float64) ** 2, max_r[k], delta2)
        out.append(U[:, :r].reshape(r0, d, r))
        SV = s[:r, None] * Vh[:r]
        nxt = cores[k + 1]
        q0, dd, q1 = nxt.shape
        cores[k + 1] = (SV @ nxt.reshape(q0, dd * q1)).reshape(r, dd, q1)
    out.append(cores[-1])
    return [_cast(xp, c, dtype) for c in out]


# --------------------------------------------------------------------------- inner products


def tt_inner(a, b):
    r"""Inner product :math:`\langle A, B \rangle = \sum_{s} A(s) B(s)` of two TTs.

    Contracted mode by mode, :math:`M_k = \sum_{s_k} A_k(:, s_k, :)^\top M_{k-1}
    B_k(:, s_k, :)`, in :math:`O(N d \bar r^3)`; the ranks of ``a`` and ``b`` may differ,
    the mode sizes must agree.

    Returns
    -------
    float (numpy) or 0-d tensor (torch)
    """
    _, a = _check_cores(a, "a")
    _, b = _check_cores(b, "b")
    xp = get_namespace(a[0], b[0])
    if len(a) != len(b) or any(x.shape[1] != y.shape[1] for x, y in zip(a, b, strict=True)):
        raise ValueError(
            "a and b must have the same mode sizes, got "
            f"{tuple(int(x.shape[1]) for x in a)} and {tuple(int(y.shape[1]) for y in b)}"
        )
    M = None
    for x, y in zip(a, b, strict=True):
        if M is None:
            M = einsum("aic,aid->cd", x, y)
        else:
            M = einsum("ab,aic,bid->cd", M, x, y)
    out = M[0, 0]
    return float(out) if xp is np else out


def tt_norm(cores):
    r"""Frobenius norm :math:`\|X\|_F` of a TT, as :math:`\|X_N\|_F` after
    :func:`tt_left_orthogonalize` (accurate to round-off, unlike
    :math:`\sqrt{\langle X, X\rangle}`, which loses half of the digits of a small norm
    computed as a difference)."""
    xp, cores = _check_cores(cores)
    last = tt_left_orthogonalize(cores)[-1]
    return _norm(xp, last) if xp is np else xp.linalg.vector_norm(last)


def _tt_axpby(alpha, a, beta, b):
    """The TT of alpha * A + beta * B (ranks add: block-diagonal middle cores)."""
    xp = get_namespace(*a, *b)
    n = len(a)
    if n == 1:
        return [alpha * a[0] + beta * b[0]]
    out = []
    for k, (x, y) in enumerate(zip(a, b, strict=True)):
        if k == 0:
            out.append(xp.concatenate([alpha * x, beta * y], axis=2))
        elif k == n - 1:
            out.append(xp.concatenate([x, y], axis=0))
        else:
            ra0, d, ra1 = x.shape
            rb0, _, rb1 = y.shape
            if xp is np:
                z = np.zeros((ra0 + rb0, d, ra1 + rb1), dtype=x.dtype)
            else:
                z = xp.zeros((ra0 + rb0, d, ra1 + rb1), dtype=x.dtype, device=x.device)
            z[:ra0, :, :ra1] = x
            z[ra0:, :, ra1:] = y
            out.append(z)
    return out


def tt_core_gradients(cores, G):
    r"""Partial derivatives of :math:`\langle G, [X_1, \dots, X_N] \rangle` with respect
    to every core.

    :math:`X` is multilinear in its cores, so

    .. math::

        \frac{\partial \langle G, X\rangle}{\partial X_k}(a, s_k, b)
        = \sum_{s_{<k}, s_{>k}} X_{<k}(s_{<k}, a)\, G(s_{<k}, s_k, s_{>k})\,
          X_{>k}(b, s_{>k}),

    the contraction of :math:`G` with the left interface :math:`X_{<k} \in
    \mathbb R^{(d_1 \cdots d_{k-1}) \times r_{k-1}}` and the right interface
    :math:`X_{>k} \in \mathbb R^{r_k \times (d_{k+1} \cdots d_N)}`. With
    :math:`G = \nabla F(X)` this is the chain rule for :math:`F([X_1, \dots, X_N])`; with
    :math:`G = \frac1m \mathcal A^*(\mathrm{sign}(\mathcal A(X) - y))` it is the partial
    subgradient of the factorised l1 loss used by FRSubGM. Costs :math:`O(D \bar r^2)`
    for :math:`D = \prod_k d_k`.

    Parameters
    ----------
    cores : list of N arrays of shapes (r_{k-1}, d_k, r_k)
    G : array of shape (d_1, ..., d_N)

    Returns
    -------
    grads : list of N arrays, each of the shape of its core.
    """
    _, cores = _check_cores(cores)
    shape = tuple(int(c.shape[1]) for c in cores)
    if tuple(G.shape) != shape:
        raise ValueError(f"G must have the TT's shape {shape}, got {tuple(G.shape)}")
    n = len(cores)
    # right interfaces R_k = X_{>k} of shape (r_k, d_{k+1} ... d_N); R_{N} = [[1]]
    right = [None] * n
    R = None
    for k in range(n - 1, -1, -1):
        right[k] = R
        c = cores[k]
        r0, d, r1 = c.shape
        R = c.reshape(r0 * d, r1) if R is None else c.reshape(r0 * d, r1) @ R
        R = R.reshape(r0, -1)
    grads = []
    H = G.reshape(1, -1)  # left-contracted gradient: (r_{k-1}, d_k * ... * d_N)
    for k, c in enumerate(cores):
        r0, d, r1 = c.shape
        H3 = H.reshape(r0 * d, -1)  # (r_{k-1} d_k, rest)
        if right[k] is None:
            E = H3.reshape(r0, d, 1)
        else:
            E = (H3 @ right[k].T).reshape(r0, d, r1)
        grads.append(E)
        if k < n - 1:
            H = c.reshape(r0 * d, r1).T @ H3  # (r_k, rest)
    return grads
