"""Process-wide guard for numba's parallel kernels.

Callers hold :data:`NUMBA_LOCK` around every ``parallel=True`` numba call: each call
already uses every core, and numba's "workqueue" threading layer (the fallback when
neither TBB nor OpenMP is available) aborts the process on concurrent parallel calls
from several Python threads.
"""

import threading

__all__ = ["NUMBA_LOCK"]

NUMBA_LOCK = threading.RLock()
