r"""Linear sensing operators :math:`\mathcal A: \mathbb R^{d_1 \times \cdots \times d_N} \to
\mathbb R^m` for tensor recovery.

.. math::

    \mathcal A(X)_i = \langle A_i, X \rangle, \qquad
    \mathcal A^*(v) = \sum_{i=1}^m v_i A_i, \qquad i = 1, \dots, m .

The operator protocol
---------------------
Anything with these members can be passed where statkit expects an operator (for example
:class:`~statkit.tensor._robust_tt.RobustTTRecovery`):

``shape`` : tuple of int
    The tensor shape :math:`(d_1, \dots, d_N)`; :math:`D = \prod_k d_k`.
``n_measurements`` : int
    :math:`m \ge 1`.
``forward(X)`` -> array of shape (m,)
    :math:`\mathcal A(X)` for a full tensor ``X`` of shape ``shape`` (any array with
    :math:`D` entries, read in C order, is accepted by the built-in operators).
``adjoint(v)`` -> array of shape ``shape``
    :math:`\mathcal A^*(v)` for ``v`` of shape (m,).
``forward_tt(cores)`` -> array of shape (m,), optional
    :math:`\mathcal A(X)` for a TT ``[X_1, ..., X_N]``. When an operator lacks it, statkit
    calls ``forward(tt_to_full(cores))``.
``core_gradients(cores, w)`` -> list of arrays, optional
    :math:`\partial_{X_k} \langle \mathcal A^*(w), [X_1, \dots, X_N]\rangle` for every
    core (what FRSubGM needs), for structured operators that can contract without forming
    the dense :math:`\mathcal A^*(w)`. When absent, statkit forms :math:`\mathcal A^*(w)`
    and calls :func:`~statkit.tensor._tt.tt_core_gradients`.

Outputs must be in the namespace (numpy or torch) and device of the inputs. The adjoint
must be the true adjoint, :math:`\langle \mathcal A(X), v\rangle = \langle X,
\mathcal A^*(v)\rangle` (:func:`as_operator` does not check it: it costs two passes).

Built-in operators
------------------
- :class:`MatrixOperator` wraps a user's matrix :math:`A \in \mathbb R^{m \times D}` (row
  :math:`i` is :math:`\mathrm{vec}(A_i)` in C order); numpy or torch (then forward and
  adjoint run on the matrix's device).
- :class:`DenseGaussianOperator` stores an :math:`m \times D` matrix of i.i.d.
  :math:`N(0, 1)` entries (:math:`8 m D` bytes in float64).
- :class:`SeededGaussianOperator` never stores the matrix: rows are regenerated in blocks
  from a per-block seed, so forward and adjoint see identical rows, at the price of
  generating :math:`m D` normals per pass.
"""

import math
import numbers
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from statkit._backend import get_namespace, is_torch_tensor

from ._tt import _check_cores, _check_shape, tt_to_full

__all__ = [
    "DenseGaussianOperator",
    "MatrixOperator",
    "SeededGaussianOperator",
    "as_operator",
]

_REQUIRED = ("shape", "n_measurements", "forward", "adjoint")
# Below this many matrix entries a numpy pass runs on one BLAS thread: a gemv of a few
# million entries gains nothing from threads, and on a loaded 2-core machine OpenBLAS's
# spinning threads made a 240 x 4096 pass 7-25x slower (4-8 ms instead of 0.3-0.6 ms).
_SINGLE_THREAD_ENTRIES = 2**24
_controller = None


def _one_blas_thread():
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")


def _check_m(n_measurements):
    if isinstance(n_measurements, bool) or not isinstance(n_measurements, numbers.Integral):
        raise TypeError(f"n_measurements must be an integer, got {n_measurements!r}")
    if n_measurements < 1:
        raise ValueError(f"n_measurements must be >= 1, got {n_measurements}")
    return int(n_measurements)


def _check_float_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


class _OperatorBase:
    """Shared behaviour: input checks and the default ``forward_tt``."""

    shape: tuple
    n_measurements: int

    @property
    def size(self):
        """:math:`D = \\prod_k d_k`, the number of tensor entries."""
        return math.prod(self.shape)

    def _flat(self, X):
        n = math.prod(tuple(X.shape))
        if n != self.size:
            raise ValueError(
                f"X must have {self.size} entries (shape {self.shape}), got shape {tuple(X.shape)}"
            )
        return X.reshape(-1)

    def _vector(self, v):
        if tuple(v.shape) not in ((self.n_measurements,), (self.n_measurements, 1)):
            raise ValueError(
                f"v must have shape ({self.n_measurements},), got shape {tuple(v.shape)}"
            )
        return v.reshape(-1)

    def forward_tt(self, cores):
        """:math:`\\mathcal A(X)` for a TT, through the full tensor (fine for moderate D)."""
        _, cores = _check_cores(cores)
        shape = tuple(int(c.shape[1]) for c in cores)
        if shape != self.shape:
            raise ValueError(f"cores describe shape {shape}, the operator expects {self.shape}")
        return self.forward(tt_to_full(cores))

    def __repr__(self):
        return f"{type(self).__name__}(n_measurements={self.n_measurements}, shape={self.shape})"


class MatrixOperator(_OperatorBase):
    r"""A sensing operator given by a matrix :math:`A \in \mathbb R^{m \times D}`.

    :math:`\mathcal A(X) = A\,\mathrm{vec}(X)` and :math:`\mathcal A^*(v) =
    \mathrm{reshape}(A^\top v)`, with :math:`\mathrm{vec}` in C order.

    Parameters
    ----------
    matrix : array of shape (m, D)
        numpy array or torch tensor (kept as given, on its device; not copied).
    shape : sequence of int
        The tensor shape, :math:`\prod_k d_k = D`.
    """

    def __init__(self, matrix, shape):
        if not is_torch_tensor(matrix):
            matrix = np.asarray(matrix)
            if not np.issubdtype(matrix.dtype, np.floating):
                if not np.issubdtype(matrix.dtype, np.number) or np.iscomplexobj(matrix):
                    raise TypeError(f"matrix must be real, got dtype {matrix.dtype}")
                matrix = matrix.astype(np.float64)
        if matrix.ndim != 2:
            raise ValueError(f"matrix must be 2-D (m, D), got shape {tuple(matrix.shape)}")
        self.shape = _check_shape(shape)
        m, D = (int(s) for s in matrix.shape)
        _check_m(m)
        if D != math.prod(self.shape):
            raise ValueError(
                f"matrix has {D} columns but shape {self.shape} has {math.prod(self.shape)} entries"
            )
        self.n_measurements = m
        self.matrix = matrix

    def _like_matrix(self, a):
        xp = get_namespace(self.matrix, a)  # refuses a numpy/torch mix
        if xp is np:
            return np.asarray(a).astype(self.matrix.dtype, copy=False)
        return a.to(self.matrix.dtype)

    def _small_numpy(self):
        return not is_torch_tensor(self.matrix) and self.matrix.size < _SINGLE_THREAD_ENTRIES

    def forward(self, X):
        r""":math:`A\,\mathrm{vec}(X)`, computed in the matrix's dtype (a float32 matrix is
        never promoted: that would copy it)."""
        x = self._flat(self._like_matrix(X))
        if self._small_numpy():
            with _one_blas_thread():
                return self.matrix @ x
        return self.matrix @ x

    def adjoint(self, v):
        r""":math:`\mathrm{reshape}(A^\top v)`, in the matrix's dtype."""
        v = self._vector(self._like_matrix(v))
        if self._small_numpy():
            with _one_blas_thread():
                return (v @ self.matrix).reshape(self.shape)
        return (v @ self.matrix).reshape(self.shape)


class DenseGaussianOperator(MatrixOperator):
    r"""Dense Gaussian sensing, stored: :math:`A_i` with i.i.d. :math:`N(0, 1)` entries.

    Parameters
    ----------
    n_measurements : int
        :math:`m \ge 1`.
    shape : sequence of int
        :math:`(d_1, \dots, d_N)`.
    random_state : None, int, SeedSequence or Generator
        Seed (see :func:`statkit.utils.check_random_state`).
    dtype : {float64, float32}, default=float64
        float32 halves the memory (:math:`4 m D` bytes) and the time of a pass.

    Attributes
    ----------
    matrix : ndarray of shape (m, D)

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.tensor import DenseGaussianOperator
    >>> op = DenseGaussianOperator(50, (3, 4), random_state=0)
    >>> op.forward(np.ones((3, 4))).shape, op.adjoint(np.ones(50)).shape
    ((50,), (3, 4))
    """

    def __init__(self, n_measurements, shape, random_state=None, dtype=np.float64):
        from statkit.utils import check_random_state

        m = _check_m(n_measurements)
        shape = _check_shape(shape)
        dtype = _check_float_dtype(dtype)
        rng = check_random_state(random_state)
        super().__init__(rng.standard_normal((m, math.prod(shape)), dtype=dtype), shape)


class SeededGaussianOperator(_OperatorBase):
    r"""Dense Gaussian sensing regenerated in row blocks from a seed; never stores
    :math:`m \times D`.

    Row block :math:`b` (rows :math:`b \cdot` ``block_size`` to
    :math:`(b+1) \cdot` ``block_size`` :math:`- 1`) is drawn as
    ``np.random.default_rng(SeedSequence(entropy, spawn_key=(*spawn_key, b)))
    .standard_normal((rows, D), dtype)``, i.e. from the ``b``-th child that
    ``SeedSequence.spawn`` would give. ``forward`` and ``adjoint`` regenerate exactly the
    same rows, so the adjoint is exact. Memory: one block per worker thread,
    ``block_size * D`` numbers each; time: :math:`m D` normal draws per pass (blocks are
    spread over ``n_jobs`` threads; numpy releases the GIL while drawing).

    Parameters
    ----------
    n_measurements : int
    shape : sequence of int
    random_state : None, int, SeedSequence or Generator
        ``None`` draws fresh entropy once, at construction (the operator stays fixed).
        A ``Generator`` is used only to draw that entropy.
    block_size : int, default=256
        Rows per block. The rows depend on it: the same seed with another block size
        gives another operator.
    dtype : {float64, float32}, default=float64
    n_jobs : int or None, default=None
        Threads for the block loop; ``None`` means ``min(4, os.cpu_count())``.

    Attributes
    ----------
    seed_sequence : numpy.random.SeedSequence
        The root seed; block ``b`` uses ``seed_sequence.spawn_key + (b,)``.
    n_blocks : int
    """

    def __init__(
        self,
        n_measurements,
        shape,
        random_state=None,
        block_size=256,
        dtype=np.float64,
        n_jobs=None,
    ):
        self.n_measurements = _check_m(n_measurements)
        self.shape = _check_shape(shape)
        if isinstance(block_size, bool) or not isinstance(block_size, numbers.Integral):
            raise TypeError(f"block_size must be an integer, got {block_size!r}")
        if block_size < 1:
            raise ValueError(f"block_size must be >= 1, got {block_size}")
        self.block_size = int(block_size)
        self.dtype = _check_float_dtype(dtype)
        if isinstance(random_state, np.random.Generator):
            random_state = np.random.SeedSequence(int(random_state.integers(0, 2**63)))
        from statkit.utils import check_seed_sequence

        self.seed_sequence = check_seed_sequence(random_state)
        self.n_blocks = -(-self.n_measurements // self.block_size)
        if n_jobs is None:
            n_jobs = min(4, os.cpu_count() or 1)
        if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs < 1:
            raise ValueError(f"n_jobs must be None or an integer >= 1, got {n_jobs!r}")
        self.n_jobs = int(n_jobs)

    def block_rows(self, b):
        """The rows of block ``b``, an array of shape (rows_b, D)."""
        if not 0 <= b < self.n_blocks:
            raise IndexError(f"block index must lie in [0, {self.n_blocks}), got {b}")
        lo = b * self.block_size
        rows = min(self.block_size, self.n_measurements - lo)
        ss = self.seed_sequence
        child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, b))
        return np.random.default_rng(child).standard_normal((rows, self.size), dtype=self.dtype)

    def to_dense(self):
        """The full (m, D) matrix (for tests and small problems only)."""
        return np.concatenate([self.block_rows(b) for b in range(self.n_blocks)], axis=0)

    def _chunks(self):
        """Contiguous runs of block indices, one per worker thread."""
        n = min(self.n_jobs, self.n_blocks)
        return [c for c in np.array_split(np.arange(self.n_blocks), n) if c.size]

    def _run(self, fn):
        chunks = self._chunks()
        if len(chunks) == 1:
            return [fn(chunks[0])]
        with ThreadPoolExecutor(len(chunks)) as pool:
            return list(pool.map(fn, chunks))

    def _check_numpy(self, a, name):
        if is_torch_tensor(a):
            raise TypeError(
                f"SeededGaussianOperator works on numpy arrays; got a torch tensor for {name}"
            )
        return np.asarray(a)

    def forward(self, X):
        x = self._flat(self._check_numpy(X, "X"))
        x = x.astype(np.result_type(x.dtype, self.dtype), copy=False)

        def work(blocks):
            return np.concatenate([self.block_rows(int(b)) @ x for b in blocks])

        return np.concatenate(self._run(work))

    def adjoint(self, v):
        v = self._vector(self._check_numpy(v, "v"))
        v = v.astype(np.result_type(v.dtype, self.dtype), copy=False)
        bs = self.block_size

        def work(blocks):  # one accumulator of size D per thread
            acc = np.zeros(self.size, dtype=v.dtype)
            for b in blocks:
                b = int(b)
                acc += v[b * bs : (b + 1) * bs] @ self.block_rows(b)
            return acc

        parts = self._run(work)
        out = parts[0]
        for p in parts[1:]:
            out += p
        return out.reshape(self.shape)


def as_operator(A, shape=None):
    """Return a sensing operator for ``A``: an operator (checked) or a 2-D matrix (wrapped).

    Parameters
    ----------
    A : operator or array of shape (m, D)
        An object with ``shape``, ``n_measurements``, ``forward`` and ``adjoint`` (see the
        module docstring), or a numpy/torch matrix, wrapped in :class:`MatrixOperator`.
    shape : sequence of int or None
        Required for a matrix; for an operator it must be None or equal to ``A.shape``.

    Raises
    ------
    TypeError
        ``A`` is neither an operator nor a matrix.
    ValueError
        A matrix without ``shape``, inconsistent shapes, or ``n_measurements < 1``.
    """
    # a torch tensor has an ``adjoint`` method of its own: recognise matrices by type
    if is_torch_tensor(A) or (hasattr(A, "ndim") and not hasattr(A, "forward")):
        if shape is None:
            raise ValueError(
                "a plain (m, D) matrix needs the tensor shape: pass shape=(d_1, ..., d_N), or "
                "wrap it as MatrixOperator(A, shape)"
            )
        return MatrixOperator(A, shape)
    missing = [name for name in _REQUIRED if not hasattr(A, name)]
    if missing:
        raise TypeError(
            f"A must be a sensing operator (with {', '.join(_REQUIRED)}) or a 2-D (m, D) "
            f"matrix; {type(A).__name__} lacks {', '.join(missing)}"
        )
    op_shape = _check_shape(A.shape, "A.shape")
    if shape is not None and _check_shape(shape) != op_shape:
        raise ValueError(f"shape {tuple(shape)} disagrees with the operator's shape {op_shape}")
    _check_m(A.n_measurements)
    return A
