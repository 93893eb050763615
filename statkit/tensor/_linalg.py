"""Batched linear algebra on stacks of Fourier slices, shared by the completers."""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from statkit._backend import svd

__all__ = ["svd_stack"]

_MAX_SVD_THREADS = 8
_SMALL_SVD_WORK = 10**7  # slices x n1 x n2 x min(n1, n2)


def svd_stack(xp, S):
    """Thin SVD of every slice of the stack ``S`` (no sign fixing: only products are used).

    numpy, large stacks: LAPACK with BLAS limited to one thread, the stack split over a
    few Python threads (the batched SVD releases the GIL). Threaded BLAS gains nothing on
    100 x 100 slices, and on a loaded 2-core machine its spinning threads made one
    ``iht`` iteration at 100 x 100 x 1000 take 48-100 s instead of about 3 s (measured);
    with one BLAS thread per chunk it took about 3 s under the same load.
    """
    if xp is not np:
        if S.device.type == "cuda" and S.numel():
            return _svd_stack_cuda(xp, S)
        return svd(S, full_matrices=False, flip=False)
    F, n1, n2 = S.shape
    if F * n1 * n2 * min(n1, n2) < _SMALL_SVD_WORK:  # not worth the set-up (~0.5 ms)
        return np.linalg.svd(S, full_matrices=False)
    n_workers = max(1, min(os.cpu_count() or 1, F, _MAX_SVD_THREADS))
    with threadpool_limits(limits=1, user_api="blas"):
        if n_workers == 1:
            return np.linalg.svd(S, full_matrices=False)
        chunks = np.array_split(S, n_workers)
        with ThreadPoolExecutor(n_workers) as pool:
            parts = list(pool.map(lambda c: np.linalg.svd(c, full_matrices=False), chunks))
    return tuple(np.concatenate(z) for z in zip(*parts, strict=True))


def _svd_stack_cuda(torch, S):
    r"""Batched SVD on CUDA through cuSOLVER's ``gesvda``, verified slice by slice.

    On stacks of 100 x 100 complex128 slices the default driver (``gesvdj``, run slice by
    slice) took 6.6 ms a slice on an H200 and ``gesvda`` (strided batched) 0.02-0.14 ms
    (``benchmarks/bench_svd_stack.py``). ``gesvda`` is an approximate method whose
    accuracy degrades on ill-conditioned input, so each slice is checked: the residual
    ``||U S Vh - Z|| / ||Z||``, the orthonormality of ``U`` and ``Vh``, finite and
    descending singular values, each to :math:`100\,\varepsilon\sqrt{n}`. A slice that
    fails any check is redone with the default driver.
    """
    n1, n2 = S.shape[-2:]
    wide = n1 < n2  # gesvda wants tall input: factor the conjugate transpose
    A = S.mH if wide else S
    U, s, Vh = torch.linalg.svd(A, full_matrices=False, driver="gesvda")
    k = s.shape[-1]
    real = torch.finfo(s.dtype)
    tol = 100 * real.eps * max(n1, n2) ** 0.5
    eye = torch.eye(k, dtype=A.dtype, device=A.device)
    norm = torch.linalg.matrix_norm(A).clamp_min(real.tiny)
    bad = torch.linalg.matrix_norm((U * s[..., None, :]) @ Vh - A) > tol * norm
    bad |= torch.linalg.matrix_norm(U.mH @ U - eye) > tol
    bad |= torch.linalg.matrix_norm(Vh @ Vh.mH - eye) > tol
    bad |= ~torch.isfinite(s).all(dim=-1)
    if k > 1:
        bad |= (s[..., 1:] > s[..., :-1]).any(dim=-1)
    if bool(bad.any()):
        U, s, Vh = U.clone(), s.clone(), Vh.clone()
        U[bad], s[bad], Vh[bad] = svd(A[bad], full_matrices=False, flip=False)
    if wide:
        U, Vh = Vh.mH, U.mH
    return U, s, Vh
