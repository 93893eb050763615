"""Input validation shared by every subpackage.

Every error names the parameter and the accepted range, so a user sees at once what
to change. Array checks work on numpy arrays and torch tensors alike and never
move data between devices.
"""

import math
import numbers

import numpy as np

from statkit._backend import get_namespace, is_torch_tensor

__all__ = ["check_positive", "check_random_state", "check_samples", "check_seed_sequence"]


def check_random_state(random_state):
    """Turn ``random_state`` into a :class:`numpy.random.Generator`.

    Parameters
    ----------
    random_state : None, int, numpy.random.SeedSequence or numpy.random.Generator
        ``None`` gives fresh OS entropy (not reproducible); an int or a
        ``SeedSequence`` gives a reproducible generator; a ``Generator`` is
        returned unchanged (its state is shared, not copied).

    Returns
    -------
    numpy.random.Generator
    """
    if random_state is None or isinstance(random_state, np.random.SeedSequence):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}")
        return np.random.default_rng(int(random_state))
    raise TypeError(
        "random_state must be None, a non-negative int, a numpy SeedSequence or a numpy "
        f"Generator; got {type(random_state).__name__}"
    )


def check_seed_sequence(random_state):
    """Turn an int, ``None`` or ``SeedSequence`` into a :class:`numpy.random.SeedSequence`."""
    if isinstance(random_state, np.random.SeedSequence):
        return random_state
    if random_state is None:
        return np.random.SeedSequence()
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}")
        return np.random.SeedSequence(int(random_state))
    raise TypeError(
        "random_state must be None, a non-negative int or a numpy SeedSequence; "
        f"got {type(random_state).__name__}"
    )


def check_positive(value, name, *, strict=True, integer=False, allow_inf=False):
    """Check that ``value`` is a real number > 0 (or >= 0 when ``strict=False``).

    Returns the value as ``float`` (or ``int`` when ``integer=True``).
    """
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an integer" if integer else "a real number"
        raise TypeError(f"{name} must be {what}, got {value!r} ({type(value).__name__})")
    if not isinstance(value, numbers.Integral):
        # math.isnan, not np.isnan: numpy rejects Real types it does not know (Fraction).
        if math.isnan(value):
            raise ValueError(f"{name} must not be NaN")
        if not allow_inf and math.isinf(value):
            raise ValueError(f"{name} must be finite, got {value}")
    if (strict and value <= 0) or (not strict and value < 0):
        bound = "> 0" if strict else ">= 0"
        raise ValueError(f"{name} must be {bound}, got {value}")
    if integer:
        return int(value)
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{name} is too large to be represented as a float, got {value}") from None


def check_samples(X, name="X", *, min_samples=1, ensure_2d=True, dtype_float=True):
    """Validate one sample of observations (rows).

    Accepts numpy arrays (and array-likes, converted to numpy) and torch tensors
    (kept on their device). A 1-D input is read as n observations of dimension 1.

    Checks: numeric dtype, at least ``min_samples`` rows, no NaN or inf.
    Integer input becomes float64; a floating input keeps its dtype.

    Returns
    -------
    X : array of shape (n, d) in the input's namespace.
    """
    xp = get_namespace(X)
    if xp is np:
        try:
            X = np.asarray(X)
        except (TypeError, ValueError) as exc:  # ragged lists and the like
            raise ValueError(f"{name} could not be converted to an array: {exc}") from exc
        if X.dtype == object or not (
            np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.bool_)
        ):
            raise TypeError(f"{name} must be numeric, got dtype {X.dtype}")
        if np.iscomplexobj(X):
            raise TypeError(f"{name} must be real-valued, got dtype {X.dtype}")
        if dtype_float and not np.issubdtype(X.dtype, np.floating):
            X = X.astype(np.float64)
    else:
        if X.is_complex():
            raise TypeError(f"{name} must be real-valued, got dtype {X.dtype}")
        if dtype_float and not X.is_floating_point():
            X = X.to(xp.float64)
    if ensure_2d:
        if X.ndim == 1:
            X = X.reshape(-1, 1)
        elif X.ndim != 2:
            raise ValueError(
                f"{name} must be 2-D (n_samples, n_features) or 1-D, got {X.ndim}-D input "
                f"of shape {tuple(X.shape)}"
            )
    n = X.shape[0]
    if n < min_samples:
        raise ValueError(f"{name} must have at least {min_samples} sample(s), got {n}")
    if ensure_2d and X.shape[1] == 0:
        raise ValueError(f"{name} has 0 features")
    finite = bool(xp.isfinite(X).all()) if is_torch_tensor(X) else bool(np.isfinite(X).all())
    if not finite:
        raise ValueError(f"{name} contains NaN or inf")
    return X
