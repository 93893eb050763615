"""The rate-check engine: Monte Carlo checks of the rates claimed in papers.

A :class:`RateCheck` states one claim (the quantity measured, the variable swept, the
grid, the predicted exponent of the log-log slope and the paper); :meth:`RateCheck.run`
runs independent, individually seeded replications (in this process, on local cores
with joblib or on a Dask cluster), can append them to a file and resume from it, and
returns a :class:`RateCheckResult` with the fitted slope, its confidence interval and a
PASS/FAIL verdict. A :class:`LevelCheck` does the same for a claimed probability (the
size of a test, the coverage of an interval).

The registry (:func:`register`, :func:`get_check`, :func:`list_checks`) lists every
check; the ``statkit rates`` command runs them.
"""

from ._check import LevelCheck, RateCheck
from ._registry import get_check, list_checks, register
from ._result import LevelCheckResult, RateCheckResult, Summary
from ._runner import SimulationError

__all__ = [
    "LevelCheck",
    "LevelCheckResult",
    "RateCheck",
    "RateCheckResult",
    "SimulationError",
    "Summary",
    "get_check",
    "list_checks",
    "register",
]
