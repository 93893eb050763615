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
    r"""Batched SVD on CUDA: cuSOLVER's ``gesvda`` where it is accurate, LAPACK otherwise.

    On stacks of 100 x 100 complex128 slices on an H200 the default driver (``gesvdj``,
    run slice by slice) took 6.6 ms a slice, a round trip to host LAPACK 0.8 ms and
    ``gesvda`` (strided batched) 0.02-0.14 ms (``benchmarks/bench_svd_stack.py``).
    ``gesvda`` is approximate: it raises on rank-deficient or ill-conditioned stacks,
    and its accuracy degrades with the condition number. So each slice is checked (the
    residual :math:`\|U S V^H - Z\| / \|Z\|`, the orthonormality of :math:`U` and
    :math:`V`, finite and descending singular values, each to ``_GESVDA_TOL`` times
    :math:`\sqrt n`), and the slices that fail, or the whole stack when ``gesvda``
    raises, are factored by host LAPACK (exact, and faster than the default driver).
    """
    n1, n2 = S.shape[-2:]
    wide = n1 < n2  # gesvda wants tall input: factor the conjugate transpose
    A = S.mH if wide else S
    try:
        U, s, Vh = torch.linalg.svd(A, full_matrices=False, driver="gesvda")
    except RuntimeError:  # torch.linalg.LinAlgError: no convergence on some slice
        U, s, Vh = _host_svd(torch, A)
    else:
        bad = _inaccurate(torch, A, U, s, Vh)
        if bool(bad.any()):
            U, s, Vh = U.clone(), s.clone(), Vh.clone()
            U[bad], s[bad], Vh[bad] = _host_svd(torch, A[bad])
    if wide:
        U, Vh = Vh.mH, U.mH
    return U, s, Vh


# gesvda's residual on well-conditioned 100 x 100 complex128 slices was ~1e-14 and the
# default driver's own error ~2e-12 (bench_svd_stack.py): accept up to 1e-11 * sqrt(n)
# in float64 (its float32 counterpart through the square root of eps)
_GESVDA_TOL = {8: 1e-11, 4: 5e-5}


def _inaccurate(torch, A, U, s, Vh):
    """Slices whose factors fail the residual, orthonormality or ordering checks."""
    k = s.shape[-1]
    tol = _GESVDA_TOL[s.element_size()] * max(A.shape[-2:]) ** 0.5
    eye = torch.eye(k, dtype=A.dtype, device=A.device)
    norm = torch.linalg.matrix_norm(A).clamp_min(torch.finfo(s.dtype).tiny)
    bad = torch.linalg.matrix_norm((U * s[..., None, :]) @ Vh - A) > tol * norm
    bad |= torch.linalg.matrix_norm(U.mH @ U - eye) > tol
    bad |= torch.linalg.matrix_norm(Vh @ Vh.mH - eye) > tol
    bad |= ~torch.isfinite(s).all(dim=-1)
    if k > 1:
        bad |= (s[..., 1:] > s[..., :-1]).any(dim=-1)
    return bad


def _host_svd(torch, A):
    """Thin SVD by host LAPACK (:func:`svd_stack` on numpy), returned on ``A``'s device."""
    U, s, Vh = svd_stack(np, A.detach().cpu().numpy())
    return tuple(torch.as_tensor(z, device=A.device) for z in (U, s, Vh))
