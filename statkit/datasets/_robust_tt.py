r"""Synthetic robust tensor-train recovery instances (Qin and Zhu, arXiv:2410.15224).

.. math::

    y = \mathcal A(X^\star) + s + \sigma\varepsilon, \qquad
    \mathcal A(X)_i = \langle A_i, X\rangle, \quad (A_i)_{s_1 \dots s_N}
    \overset{\text{iid}}{\sim} N(0, 1),

with :math:`X^\star` of order :math:`N`, mode size :math:`d` and TT ranks :math:`r`
(Gaussian cores, left-orthogonalised, scaled to :math:`\|X^\star\|_F =` ``norm``), an
outlier vector :math:`s` supported on a uniformly random set of
:math:`\mathrm{round}(p_s m)` measurements with

.. math::

    s_i = c \cdot \max_j |y^0_j| \cdot u_i, \qquad u_i \sim U(-1, 1)
    \quad (\text{adversarial: } u_i \sim U(0, 1)), \qquad y^0 = \mathcal A(X^\star),

:math:`c =` ``outlier_scale`` (10 by default, the convention of Tong, Ma and Chi's robust
matrix-sensing code), and optional dense Gaussian noise of standard deviation
:math:`\sigma =` ``noise``.
"""

import math
import numbers
from dataclasses import dataclass

import numpy as np

from statkit.tensor._sensing import DenseGaussianOperator, SeededGaussianOperator
from statkit.tensor._tt import check_tt_ranks, tt_dof, tt_left_orthogonalize, tt_norm, tt_to_full
from statkit.utils import check_random_state

__all__ = ["TTRecoveryInstance", "make_tt_recovery"]

_MAX_DENSE = 2**20


@dataclass
class TTRecoveryInstance:
    """One robust TT recovery problem, as returned by :func:`make_tt_recovery`.

    Attributes
    ----------
    cores : list of ndarray
        The truth :math:`X^\\star` as left-orthogonal TT cores.
    tensor : ndarray or None
        The full truth, only when :math:`D \\le 2^{20}`.
    operator : DenseGaussianOperator or SeededGaussianOperator
    y : ndarray of shape (m,)
        Observed measurements, outliers and noise included.
    y_clean : ndarray of shape (m,)
        :math:`\\mathcal A(X^\\star)`.
    outliers : ndarray of shape (m,)
        :math:`s` (zero off the support).
    outlier_mask : ndarray of bool, shape (m,)
        The outlier support.
    shape : tuple of int
    ranks : tuple of int
    dof : int
        :math:`\\sum_k r_{k-1} d_k r_k - \\sum_k r_k^2`.
    """

    cores: list
    tensor: np.ndarray | None
    operator: object
    y: np.ndarray
    y_clean: np.ndarray
    outliers: np.ndarray
    outlier_mask: np.ndarray
    shape: tuple
    ranks: tuple
    dof: int


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_real(value, name, low, high=None, high_open=True):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    value = float(value)
    above = high is not None and (value >= high if high_open else value > high)
    if value < low or above:
        hi = "inf)" if high is None else f"{high}" + (")" if high_open else "]")
        raise ValueError(f"{name} must lie in [{low}, {hi}, got {value}")
    return value


def make_tt_recovery(
    order,
    mode_size,
    ranks,
    n_measurements,
    outlier_fraction,
    outlier_scale=10.0,
    adversarial=False,
    operator="dense",
    noise=0.0,
    norm=1.0,
    random_state=None,
):
    r"""A robust TT recovery instance: a TT-rank-:math:`r` truth, Gaussian measurements and
    outliers.

    Parameters
    ----------
    order : int
        :math:`N \ge 1`.
    mode_size : int or sequence of int
        :math:`d` (all modes) or :math:`(d_1, \dots, d_N)`.
    ranks : int or sequence of int
        Inner TT ranks (see :func:`statkit.tensor._tt.check_tt_ranks`).
    n_measurements : int
        :math:`m \ge 1`.
    outlier_fraction : float in [0, 0.5)
        :math:`p_s`; exactly ``round(p_s * m)`` measurements are corrupted. Recovery is
        not identifiable from :math:`p_s \ge 1/2` on, so that is refused.
    outlier_scale : float >= 0, default=10
        :math:`c` in :math:`s_i = c \max_j |y^0_j|\, u_i`.
    adversarial : bool, default=False
        All outliers positive (:math:`u_i \sim U(0, 1)`) instead of symmetric.
    operator : {"dense", "seeded"}, default="dense"
        :class:`~statkit.tensor._sensing.DenseGaussianOperator` (stored) or
        :class:`~statkit.tensor._sensing.SeededGaussianOperator` (regenerated).
    noise : float >= 0, default=0
        Standard deviation :math:`\sigma` of dense Gaussian noise added to every
        measurement.
    norm : float > 0, default=1
        :math:`\|X^\star\|_F`.
    random_state : None, int, SeedSequence or Generator

    Returns
    -------
    TTRecoveryInstance

    Examples
    --------
    >>> from statkit.datasets._robust_tt import make_tt_recovery
    >>> inst = make_tt_recovery(6, 4, 2, 240, 0.3, random_state=0)
    >>> inst.dof, int(inst.outlier_mask.sum()), inst.operator.n_measurements
    (60, 72, 240)
    """
    order = _check_int(order, "order", 1)
    if isinstance(mode_size, numbers.Integral) and not isinstance(mode_size, bool):
        shape = (_check_int(mode_size, "mode_size", 1),) * order
    else:
        try:
            shape = tuple(mode_size)
        except TypeError:
            raise ValueError(
                f"mode_size must be an int or a sequence of ints, got {mode_size!r}"
            ) from None
        if len(shape) != order:
            raise ValueError(f"mode_size has {len(shape)} entries but order is {order}")
        shape = tuple(_check_int(d, f"mode_size[{i}]", 1) for i, d in enumerate(shape))
    ranks = check_tt_ranks(ranks, shape)
    m = _check_int(n_measurements, "n_measurements", 1)
    p_s = _check_real(outlier_fraction, "outlier_fraction", 0.0, 0.5)
    c = _check_real(outlier_scale, "outlier_scale", 0.0)
    sigma = _check_real(noise, "noise", 0.0)
    norm = _check_real(norm, "norm", 0.0)
    if norm == 0:
        raise ValueError("norm must be > 0")
    if operator not in ("dense", "seeded"):
        raise ValueError(f"operator must be 'dense' or 'seeded', got {operator!r}")
    if not isinstance(adversarial, (bool, np.bool_)):
        raise TypeError(f"adversarial must be a bool, got {adversarial!r}")

    rng = check_random_state(random_state)
    full = (1, *ranks, 1)
    cores = [rng.standard_normal((full[k], d, full[k + 1])) for k, d in enumerate(shape)]
    cores = tt_left_orthogonalize(cores)
    cores[-1] = cores[-1] * (norm / tt_norm(cores))
    op_seed = np.random.SeedSequence(int(rng.integers(0, 2**63)))
    if operator == "dense":
        op = DenseGaussianOperator(m, shape, random_state=op_seed)
    else:
        op = SeededGaussianOperator(m, shape, random_state=op_seed)
    D = math.prod(shape)
    tensor = tt_to_full(cores) if D <= _MAX_DENSE else None
    y_clean = op.forward(tensor) if tensor is not None else op.forward_tt(cores)

    n_out = round(p_s * m)
    support = rng.choice(m, size=n_out, replace=False)
    mask = np.zeros(m, dtype=bool)
    mask[support] = True
    u = rng.uniform(0.0 if adversarial else -1.0, 1.0, size=n_out)
    s = np.zeros(m)
    s[support] = c * float(np.max(np.abs(y_clean))) * u
    y = y_clean + s
    if sigma > 0:
        y = y + sigma * rng.standard_normal(m)
    return TTRecoveryInstance(
        cores=cores,
        tensor=tensor,
        operator=op,
        y=y,
        y_clean=y_clean,
        outliers=s,
        outlier_mask=mask,
        shape=shape,
        ranks=ranks,
        dof=tt_dof(shape, ranks),
    )
