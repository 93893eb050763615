"""statkit: estimators and Monte Carlo rate checks for recent statistical-theory papers.

Subpackages are imported lazily (``statkit.mmd`` is loaded on first access), so
``import statkit`` stays fast, never imports torch and compiles no numba kernel.
"""

import importlib

__version__ = "0.1.0.dev0"

_SUBPACKAGES = (
    "bandits",
    "datasets",
    "llm",
    "mmd",
    "privacy",
    "rl",
    "simulation",
    "tensor",
    "utils",
)

__all__ = ["__version__", "cite", *_SUBPACKAGES]


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"statkit.{name}")
    if name == "cite":  # statkit.cite(obj): BibTeX of the papers behind obj (light import)
        from statkit._citations import cite

        return cite
    raise AttributeError(f"module 'statkit' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
