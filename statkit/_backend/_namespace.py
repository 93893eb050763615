"""Input-driven choice of array namespace (numpy or torch), device and dtype.

The input decides: numpy arrays run on numpy, torch tensors run on torch on their
own device and dtype. There is no global backend state. torch is never imported
here: a tensor can only exist if the caller already imported torch, so
``sys.modules.get("torch")`` is enough to recognise one.
"""

import numbers
import sys

import numpy as np

__all__ = [
    "asarray",
    "backend_name",
    "device_of",
    "get_namespace",
    "is_torch_tensor",
    "to_numpy",
]


def _torch_module():
    return sys.modules.get("torch")


def is_torch_tensor(x):
    """Return True when ``x`` is a ``torch.Tensor`` (without importing torch)."""
    torch = _torch_module()
    return torch is not None and isinstance(x, torch.Tensor)


def _is_array_input(x):
    return is_torch_tensor(x) or isinstance(x, np.ndarray)


def get_namespace(*arrays):
    """Return the array module (``numpy`` or ``torch``) that the inputs live in.

    ``None`` and Python scalars are ignored; lists and other array-likes count as
    numpy. Mixing numpy arrays with torch tensors, or tensors on different
    devices, is refused: converting silently would hide a device transfer.

    Parameters
    ----------
    *arrays : array-like or None

    Returns
    -------
    xp : module
        ``numpy`` or ``torch``.

    Raises
    ------
    TypeError
        If numpy arrays and torch tensors are mixed.
    ValueError
        If torch tensors live on different devices.
    """
    tensors = []
    has_numpy = False
    for a in arrays:
        if a is None or isinstance(a, (numbers.Number, str, bool)):
            continue
        if is_torch_tensor(a):
            tensors.append(a)
        else:
            has_numpy = True
    if not tensors:
        return np
    if has_numpy:
        raise TypeError(
            "inputs mix numpy arrays and torch tensors; convert them to one "
            "namespace (and device) before calling"
        )
    devices = {t.device for t in tensors}
    if len(devices) > 1:
        raise ValueError(f"input tensors live on different devices: {sorted(map(str, devices))}")
    return _torch_module()


def backend_name(x):
    """``"torch"`` for a torch tensor, ``"numpy"`` otherwise."""
    return "torch" if is_torch_tensor(x) else "numpy"


def device_of(x):
    """The torch device of a tensor, ``None`` for numpy input."""
    return x.device if is_torch_tensor(x) else None


def to_numpy(x):
    """Return ``x`` as a numpy array (detached and copied to host for tensors).

    Scalars and 0-d tensors become 0-d numpy arrays; use ``float()`` for a Python float.
    """
    if is_torch_tensor(x):
        # resolve_conj/resolve_neg: ``.numpy()`` refuses lazily conjugated or negated views
        # (``t.conj()``, ``t.conj().imag``).
        t = x.detach().cpu().resolve_conj().resolve_neg()
        try:
            return t.numpy()
        except TypeError:
            # dtypes numpy lacks (bfloat16, float8, complex32): widen exactly.
            torch = _torch_module()
            return t.to(torch.complex64 if t.is_complex() else torch.float32).numpy()
    return np.asarray(x)


def _numpy_for_torch(x):
    """``np.asarray(x)`` in a form ``torch.as_tensor`` accepts without error or warning:
    native byte order, no negative strides, and a copy of read-only data (torch would
    otherwise share the memory of an array it cannot write to)."""
    a = np.asarray(x)
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    if not a.flags.writeable or any(s < 0 for s in a.strides):
        a = a.copy()
    return a


def asarray(x, *, like=None, dtype=None):
    """Convert ``x`` to the namespace, device and (by default) dtype of ``like``.

    Parameters
    ----------
    x : array-like
        Data to convert (numpy array, tensor, list or scalar).
    like : array or None
        Reference array. ``None`` means numpy.
    dtype : dtype or None
        Target dtype in the namespace of ``like``. When ``None`` the dtype of a
        floating ``like`` is used for floating ``x``, otherwise ``x`` keeps its own.
    """
    if is_torch_tensor(like):
        torch = _torch_module()
        if dtype is None and like.is_floating_point():
            src_is_float = (
                x.is_floating_point()
                if is_torch_tensor(x)
                else np.issubdtype(np.asarray(x).dtype, np.floating)
            )
            dtype = like.dtype if src_is_float else None
        if is_torch_tensor(x):
            return x.to(device=like.device, dtype=dtype)
        return torch.as_tensor(_numpy_for_torch(x), dtype=dtype, device=like.device)
    if is_torch_tensor(x):
        x = to_numpy(x)
    if dtype is None and like is not None:
        like_dtype = np.asarray(like).dtype
        if np.issubdtype(like_dtype, np.floating) and np.issubdtype(
            np.asarray(x).dtype, np.floating
        ):
            dtype = like_dtype
    return np.asarray(x, dtype=dtype)
