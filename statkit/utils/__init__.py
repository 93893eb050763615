"""Validation and small shared helpers."""

from statkit._backend import to_numpy

from ._fwht import fwht
from ._privacy import PrivacyWarning, check_privacy_params
from ._validation import check_positive, check_random_state, check_samples, check_seed_sequence

__all__ = [
    "PrivacyWarning",
    "check_positive",
    "check_privacy_params",
    "check_random_state",
    "check_samples",
    "check_seed_sequence",
    "fwht",
    "to_numpy",
]
