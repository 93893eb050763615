"""statkit.tensor: tensor completion.

- :class:`FLoSTCompletion` -- Fourier low-rank and sparse tensor completion
  (Li, Shang, Chen 2025), with :func:`flost_projection`, the exact projection onto the
  FLoST class;
- :class:`TubalCompletion` -- tubal-rank completion (TNN by ADMM, SVT, fixed-rank IHT),
  with :func:`tubal_svt`, :func:`tubal_truncate`, :func:`tensor_nuclear_norm`;
- :class:`CPCompletion` -- CP completion by masked (censored) ALS or EM;
- :func:`select_flost_params` -- FLoST's rank, cutoff and sparsity by held-out entries.
"""

from ._cp import CPCompletion
from ._flost import FLoSTCompletion, flost_projection
from ._selection import FLoSTSelection, select_flost_params
from ._tubal import TubalCompletion, tensor_nuclear_norm, tubal_svt, tubal_truncate

__all__ = [
    "CPCompletion",
    "FLoSTCompletion",
    "FLoSTSelection",
    "TubalCompletion",
    "flost_projection",
    "select_flost_params",
    "tensor_nuclear_norm",
    "tubal_svt",
    "tubal_truncate",
]
