"""statkit.tensor: tensor completion.

- :class:`FLoSTCompletion` -- Fourier low-rank and sparse tensor completion
  (Li, Shang, Chen 2025), with :func:`flost_projection`, the exact projection onto the
  FLoST class.
"""

from ._flost import FLoSTCompletion, flost_projection

__all__ = ["FLoSTCompletion", "flost_projection"]
