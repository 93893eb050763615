"""Array-namespace dispatch and numeric shims (numpy or torch, chosen by the input).

Rules (see ARCHITECTURE.md, "Backends"):

- the input decides: numpy arrays run on numpy (numba kernels where they pay off),
  torch tensors run on torch on their own device and dtype; no global state;
- outputs follow the input's namespace, device and dtype;
- torch is optional and never imported here; a tensor is recognised through
  ``sys.modules.get("torch")``.
"""

from ._namespace import (
    asarray,
    backend_name,
    device_of,
    get_namespace,
    is_torch_tensor,
    to_numpy,
)
from ._shims import einsum, fft, ifft, irfft, logsumexp, rfft, sqdist, svd, svd_flip

__all__ = [
    "asarray",
    "backend_name",
    "device_of",
    "einsum",
    "fft",
    "get_namespace",
    "ifft",
    "irfft",
    "is_torch_tensor",
    "logsumexp",
    "rfft",
    "sqdist",
    "svd",
    "svd_flip",
    "to_numpy",
]
