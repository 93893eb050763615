"""Validation and small shared helpers."""

from statkit._backend import to_numpy

from ._validation import check_positive, check_random_state, check_samples, check_seed_sequence

__all__ = [
    "check_positive",
    "check_random_state",
    "check_samples",
    "check_seed_sequence",
    "to_numpy",
]
