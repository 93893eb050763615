"""The batched SVD of Fourier-slice stacks against LAPACK, on every backend.

On CUDA, ``svd_stack`` runs cuSOLVER's approximate ``gesvda`` driver and redoes the
slices that fail its accuracy checks; the stacks below include ones built to fail them
(a huge condition number, an exactly zero slice) and wide slices.
"""

import numpy as np
import pytest

from statkit.tensor._linalg import _GESVDA_TOL, svd_stack


def _stack(kind, rng, L=6, n1=30, n2=20):
    Z = rng.standard_normal((L, n1, n2)) + 1j * rng.standard_normal((L, n1, n2))
    if kind == "ill-conditioned":
        U, _, Vh = np.linalg.svd(Z, full_matrices=False)
        s = np.logspace(0, -300, min(n1, n2))
        Z = (U * s[None, None, :]) @ Vh
    elif kind == "zero slice":
        Z[2] = 0
    elif kind == "wide":
        Z = np.swapaxes(Z, -1, -2).copy()
    elif kind == "low rank":
        Z = Z[..., :3] @ (rng.standard_normal((L, 3, n2)) + 1j)
    return Z


@pytest.mark.parametrize("kind", ["random", "ill-conditioned", "zero slice", "wide", "low rank"])
def test_svd_stack_matches_lapack(xp_case, kind):
    rng = np.random.default_rng(0)
    Z = _stack(kind, rng)
    if xp_case.dtype == "float32":
        Z = Z.astype(np.complex64)
    U, s, Vh = (xp_case.to_numpy(a) for a in svd_stack(_ns(xp_case), xp_case.asarray(Z)))
    ref = np.linalg.svd(Z.astype(np.complex128), compute_uv=False)
    eps = np.finfo(xp_case.dtype).eps
    tol = 200 * eps
    if xp_case.device == "cuda":  # the documented acceptance of the gesvda fast path
        tol = max(tol, 2 * _GESVDA_TOL[np.dtype(xp_case.dtype).itemsize])
    bound = float(tol * np.sqrt(max(Z.shape[-2:])))
    np.testing.assert_allclose(s, ref, rtol=0, atol=bound * float(ref.max()))
    recon = (U * s[:, None, :]) @ Vh
    norms = np.linalg.norm(Z, axis=(1, 2)).astype(np.float64)
    err = np.linalg.norm(recon - Z, axis=(1, 2)) / np.maximum(norms, 1e-300)
    assert err.max() < bound
    # orthonormal factors wherever the singular value is not zero
    for j in range(Z.shape[0]):
        keep = s[j] > 0
        G = U[j][:, keep].conj().T @ U[j][:, keep]
        np.testing.assert_allclose(G, np.eye(keep.sum()), atol=bound)


def _ns(case):
    if case.name == "numpy":
        return np
    import torch

    return torch
