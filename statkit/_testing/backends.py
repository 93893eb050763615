"""Backend cases for tests: (namespace, device, dtype) combinations.

Test data are always drawn with a numpy ``Generator`` and then moved to the case's
namespace and device, so every backend sees the same numbers.
"""

from dataclasses import dataclass

import numpy as np

from statkit._backend import to_numpy
from statkit._backend._namespace import _numpy_for_torch

__all__ = ["BACKEND_CASES", "BackendCase"]


@dataclass(frozen=True)
class BackendCase:
    """One (namespace, device, dtype) combination."""

    name: str
    device: str | None
    dtype: str

    @property
    def id(self):
        return "-".join(p for p in (self.name, self.device, self.dtype) if p)

    @property
    def np_dtype(self):
        return np.dtype(self.dtype)

    def asarray(self, a):
        """Move a numpy array (or array-like) into this case's namespace and device.

        Floating data are cast to the case's dtype; integer and boolean data keep theirs.
        """
        a = np.asarray(a)
        if np.issubdtype(a.dtype, np.floating):
            a = a.astype(self.dtype)
        if self.name == "numpy":
            return a
        import torch

        # torch.as_tensor refuses negative strides and foreign byte order
        return torch.as_tensor(_numpy_for_torch(a), device=self.device)

    def to_numpy(self, a):
        return to_numpy(a)

    @property
    def rtol(self):
        """Relative tolerance for comparisons against a float64 reference."""
        return float(np.finfo(self.dtype).eps) * 1e3

    @property
    def atol(self):
        """Absolute tolerance, ``finfo(dtype).eps * 100`` (scikit-learn's convention)."""
        return float(np.finfo(self.dtype).eps) * 100

    def check_output(self, out):
        """Assert that ``out`` follows this case's namespace, device and dtype."""
        if self.name == "numpy":
            assert isinstance(out, (np.ndarray, np.generic)), type(out)
            assert out.dtype == self.np_dtype, (out.dtype, self.dtype)
        else:
            import torch

            assert isinstance(out, torch.Tensor), type(out)
            assert out.device.type == self.device, (out.device, self.device)
            assert out.dtype == getattr(torch, self.dtype), (out.dtype, self.dtype)


BACKEND_CASES = (
    BackendCase("numpy", None, "float64"),
    BackendCase("numpy", None, "float32"),
    BackendCase("torch", "cpu", "float64"),
    BackendCase("torch", "cpu", "float32"),
    BackendCase("torch", "cuda", "float64"),
    BackendCase("torch", "cuda", "float32"),
)
