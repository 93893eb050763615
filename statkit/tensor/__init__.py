"""statkit.tensor: tensor completion.

- :class:`FLoSTCompletion` -- Fourier low-rank and sparse tensor completion
  (Li, Shang, Chen 2025), with :func:`flost_projection`, the exact projection onto the
  FLoST class;
- :class:`TubalCompletion` -- tubal-rank completion (TNN by ADMM, SVT, fixed-rank IHT),
  with :func:`tubal_svt`, :func:`tubal_truncate`, :func:`tensor_nuclear_norm`;
- :class:`CPCompletion` -- CP completion by masked (censored) ALS or EM;
- :func:`select_flost_params` -- FLoST's rank, cutoff and sparsity by held-out entries;
- :class:`RobustTTRecovery` -- tensor-train recovery from outlier-corrupted linear
  measurements by l1 subgradient methods (Qin, Zhu 2024), with the TT algebra
  (:func:`tt_svd`, :func:`tt_round`, :func:`tt_to_full`, ...) and sensing operators
  (:class:`DenseGaussianOperator`, :class:`SeededGaussianOperator`,
  :class:`MatrixOperator`), and the simulation studies :func:`phase_transition` and
  :func:`outlier_breakdown`.
"""

from ._cp import CPCompletion
from ._flost import FLoSTCompletion, flost_projection
from ._robust_tt import RobustTTRecovery, polar_retraction, stiefel_tangent_projection
from ._robust_tt_study import PhaseTransitionResult, outlier_breakdown, phase_transition
from ._selection import FLoSTSelection, select_flost_params
from ._sensing import DenseGaussianOperator, MatrixOperator, SeededGaussianOperator, as_operator
from ._tt import (
    check_tt_ranks,
    tt_core_gradients,
    tt_dof,
    tt_inner,
    tt_left_orthogonalize,
    tt_norm,
    tt_ranks,
    tt_round,
    tt_svd,
    tt_to_full,
)
from ._tubal import TubalCompletion, tensor_nuclear_norm, tubal_svt, tubal_truncate

__all__ = [
    "CPCompletion",
    "DenseGaussianOperator",
    "FLoSTCompletion",
    "FLoSTSelection",
    "MatrixOperator",
    "PhaseTransitionResult",
    "RobustTTRecovery",
    "SeededGaussianOperator",
    "TubalCompletion",
    "as_operator",
    "check_tt_ranks",
    "flost_projection",
    "outlier_breakdown",
    "phase_transition",
    "polar_retraction",
    "select_flost_params",
    "stiefel_tangent_projection",
    "tensor_nuclear_norm",
    "tt_core_gradients",
    "tt_dof",
    "tt_inner",
    "tt_left_orthogonalize",
    "tt_norm",
    "tt_ranks",
    "tt_round",
    "tt_svd",
    "tt_to_full",
    "tubal_svt",
    "tubal_truncate",
]
