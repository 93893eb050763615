"""Input checks shared by the tensor-completion estimators."""

import numbers

import numpy as np

from statkit._backend import get_namespace

__all__ = ["check_rank", "check_tensor_and_mask"]


def check_tensor_and_mask(Y, mask=None, *, name="Y"):
    """Validate a 3-way tensor with missing entries; return ``(xp, Y, mask)``.

    Parameters
    ----------
    Y : array-like or torch.Tensor of shape (n1, n2, T)
        Real. Missing entries are NaN when ``mask`` is None; with a mask, the values at
        unobserved positions are ignored (they may be anything, NaN included).
    mask : array-like of bool, shape (n1, n2, T), optional
        True where observed.

    Returns
    -------
    xp : namespace (numpy or torch)
    Y : floating array, with unobserved entries set to 0 (a copy; never the caller's)
    mask : boolean array in the same namespace and device

    Raises
    ------
    ValueError
        Not 3-D, a mask of another shape, a non-boolean mask, no observed entries, or
        NaN/inf at an observed position.
    TypeError
        Complex or non-numeric input.
    """
    xp = get_namespace(Y) if mask is None else get_namespace(Y, mask)
    if xp is np:
        Y = np.asarray(Y)
        if Y.dtype == object or not (
            np.issubdtype(Y.dtype, np.number) or np.issubdtype(Y.dtype, np.bool_)
        ):
            raise TypeError(f"{name} must be a real numeric tensor, got dtype {Y.dtype}")
        if np.iscomplexobj(Y):
            raise TypeError(
                f"{name} must be real-valued, got dtype {Y.dtype}: tensor completion here is "
                "for real signals (their Fourier spectrum is conjugate-symmetric)"
            )
        if not np.issubdtype(Y.dtype, np.floating):
            Y = Y.astype(np.float64)
    else:
        if Y.is_complex():
            raise TypeError(f"{name} must be real-valued, got dtype {Y.dtype}")
        if not Y.is_floating_point():
            Y = Y.to(xp.float64)
    if Y.ndim != 3:
        raise ValueError(
            f"{name} must be a 3-way tensor of shape (n1, n2, T), got {Y.ndim}-D input of shape "
            f"{tuple(Y.shape)}; reshape a matrix sequence to (n1, n2, T) first"
        )
    if min(Y.shape) < 1:
        raise ValueError(f"{name} must not be empty, got shape {tuple(Y.shape)}")
    if mask is None:
        mask = ~xp.isnan(Y)
    else:
        if xp is np:
            mask = np.asarray(mask)
            if mask.dtype != np.bool_:
                raise ValueError(f"mask must be boolean (True = observed), got dtype {mask.dtype}")
        elif mask.dtype != xp.bool:
            raise ValueError(f"mask must be boolean (True = observed), got dtype {mask.dtype}")
        if tuple(mask.shape) != tuple(Y.shape):
            raise ValueError(
                f"mask must have the shape of {name}, {tuple(Y.shape)}, got {tuple(mask.shape)}"
            )
    n_obs = int(mask.sum())
    if n_obs == 0:
        raise ValueError(f"{name} has no observed entries (the mask is all False / all NaN)")
    observed = Y[mask]
    if not bool(xp.isfinite(observed).all()):
        raise ValueError(f"{name} has NaN or inf at observed positions")
    zero = xp.zeros_like(Y)
    Y = xp.where(mask, Y, zero)  # a copy, with unobserved entries zeroed (never read)
    return xp, Y, mask


def check_rank(rank, n1, n2, name="rank"):
    """An integer in [1, min(n1, n2)]."""
    if isinstance(rank, bool) or not isinstance(rank, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {rank!r}")
    if not 1 <= rank <= min(n1, n2):
        raise ValueError(f"{name} must lie in [1, min(n1, n2)] = [1, {min(n1, n2)}], got {rank}")
    return int(rank)
