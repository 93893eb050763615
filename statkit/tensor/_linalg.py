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
