"""statkit.tensor: tensor completion.

- :class:`FLoSTCompletion` -- Fourier low-rank and sparse tensor completion
  (Li, Shang, Chen 2025), with :func:`flost_projection`, the exact projection onto the
  FLoST class;
- :class:`TubalCompletion` -- tubal-rank completion (TNN by ADMM, SVT, fixed-rank IHT),
  with :func:`tubal_svt`, :func:`tubal_truncate`, :func:`tensor_nuclear_norm`;
- :class:`CPCompletion` -- CP completion by masked (censored) ALS or EM.
"""

from ._cp import CPCompletion
from ._flost import FLoSTCompletion, flost_projection
from ._tubal import TubalCompletion, tensor_nuclear_norm, tubal_svt, tubal_truncate

__all__ = [
    "CPCompletion",
    "FLoSTCompletion",
    "TubalCompletion",
    "flost_projection",
    "tensor_nuclear_norm",
    "tubal_svt",
    "tubal_truncate",
]
