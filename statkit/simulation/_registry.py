"""The registry of rate and level checks, filled lazily from the check modules.

A check module defines its checks as module-level :class:`~statkit.simulation.RateCheck`
or :class:`~statkit.simulation.LevelCheck` objects (it may also call :func:`register`
itself). On the first call of :func:`get_check` or :func:`list_checks`, every module
in :data:`_CHECK_MODULES` is imported and the checks found among its globals are
registered, so that ``import statkit.simulation`` imports no paper's code.
"""

import importlib
import threading

from ._check import LevelCheck, RateCheck

__all__ = ["get_check", "list_checks", "register"]

#: Modules whose module-level checks make up the registry, imported on first access.
_CHECK_MODULES = (
    "statkit.simulation._builtin",
    "statkit.bandits._cvar_ucb_rates",
    "statkit.bandits._mcb_rates",
    "statkit.llm._best_of_majority_rates",
    "statkit.mmd._mmd_rates",
    "statkit.mmd._weighted_rates",
    "statkit.privacy._federated_pca_rates",
    "statkit.tensor._flost_rates",
    "statkit.tensor._robust_tt_rates",
    "statkit.rl._cvar_ucbvi_rates",
)

_REGISTRY = {}
_LOADED = set()
_LOCK = threading.RLock()


class UnknownCheckError(KeyError):
    """No check of that name; the message lists the registered names."""

    def __str__(self):  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


def register(check):
    """Add a check to the registry.

    Parameters
    ----------
    check : RateCheck or LevelCheck

    Returns
    -------
    RateCheck or LevelCheck
        ``check`` itself, so that ``CHECK = register(RateCheck(...))`` works.

    Raises
    ------
    TypeError
        If ``check`` is not a check.
    ValueError
        If another check with the same name is registered (registering the very same
        object again does nothing).
    """
    if not isinstance(check, (RateCheck, LevelCheck)):
        raise TypeError(f"check must be a RateCheck or a LevelCheck, got {type(check).__name__}")
    with _LOCK:
        existing = _REGISTRY.get(check.name)
        if existing is not None and existing is not check:
            raise ValueError(
                f"a check named {check.name!r} is already registered ({existing!r}); "
                "check names must be unique"
            )
        _REGISTRY[check.name] = check
    return check


def _load():
    with _LOCK:
        for module_name in _CHECK_MODULES:
            if module_name in _LOADED:
                continue
            snapshot = dict(_REGISTRY)
            try:
                module = importlib.import_module(module_name)
                for value in list(vars(module).values()):
                    if isinstance(value, (RateCheck, LevelCheck)):
                        register(value)
            except BaseException:
                _REGISTRY.clear()
                _REGISTRY.update(snapshot)
                raise
            _LOADED.add(module_name)


def get_check(name):
    """The registered check called ``name``.

    Raises
    ------
    KeyError
        (:class:`UnknownCheckError`) if there is none; the message lists the names.
    """
    _load()
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        available = ", ".join(sorted(_REGISTRY)) or "none"
        raise UnknownCheckError(f"no rate check named {name!r}; available: {available}") from None


def list_checks():
    """All registered checks, sorted by name.

    Returns
    -------
    list of RateCheck and LevelCheck

    Examples
    --------
    >>> from statkit.simulation import list_checks
    >>> "clt-sample-mean" in [check.name for check in list_checks()]
    True
    """
    _load()
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]
