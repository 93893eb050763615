"""Validation of differential-privacy budgets (shared by every private estimator)."""

import math
import numbers
import warnings

from ._validation import check_positive

__all__ = ["PrivacyWarning", "check_privacy_params"]


class PrivacyWarning(UserWarning):
    """A privacy guarantee that is valid but weak (for example :math:`\\delta \\ge 1/n`)."""


def _check_real(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{name} must not be NaN")
    return value


def check_privacy_params(epsilon, delta, n=None):
    r"""Validate an :math:`(\varepsilon, \delta)` budget for a Gaussian mechanism.

    Parameters
    ----------
    epsilon : float
        Must be finite and > 0.
    delta : float
        Must lie in the open interval (0, 1): the Gaussian mechanism needs
        :math:`\delta > 0`, and :math:`\delta \ge 1` promises nothing.
    n : int, optional
        Number of records protected. When given and :math:`\delta \ge 1/n`, a
        :class:`PrivacyWarning` is issued: such a :math:`\delta` is met by a mechanism
        that publishes one record in the clear with probability :math:`\delta` each.

    Returns
    -------
    epsilon, delta : float

    Raises
    ------
    TypeError
        If a parameter is not a real number (``n``: not an integer).
    ValueError
        If a parameter is outside its range; the message names it and its value.
    """
    epsilon = _check_real(epsilon, "epsilon")
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"epsilon must be finite and > 0, got {epsilon}")
    delta = _check_real(delta, "delta")
    if not 0 < delta < 1:
        raise ValueError(
            f"delta must lie in (0, 1) for a Gaussian mechanism, got {delta}"
            + (" (use delta > 0; pure epsilon-DP needs another mechanism)" if delta == 0 else "")
        )
    if n is not None:
        n = check_positive(n, "n", integer=True)
        if delta >= 1 / n:
            warnings.warn(
                f"delta = {delta:g} >= 1/n = {1 / n:g}: a guarantee this weak permits "
                "releasing a whole record in the clear; take delta well below 1/n",
                PrivacyWarning,
                stacklevel=2,
            )
    return epsilon, delta
