r"""The synthetic instance of the matrix-completion bandit (Duan, Li and Xia, arXiv:2404.17398).

The paper's simulations (section 5 of the method note) use

.. math::

    M_1 = \mathcal{T}_r\big(E_1\big),\quad E_1 \sim U(-c, c)^{d_1\times d_2},\qquad
    M_0 = \mathcal{T}_r\big(M_1 + E_0\big),\quad E_0 \sim U(-g, g)^{d_1\times d_2},

where :math:`\mathcal{T}_r` keeps the top :math:`r` singular triplets (rank-r truncation),
:math:`c` = ``scale`` (100) and :math:`g` = ``gap_scale`` (2), with :math:`d_1 = d_2 = 300`, r = 2.
"""

import numbers

import numpy as np

from statkit.utils import check_random_state

__all__ = ["make_low_rank_arms"]


def _truncate(A, rank):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return (U[:, :rank] * s[:rank]) @ Vt[:rank]


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def make_low_rank_arms(
    d1=50, d2=50, rank=2, n_arms=2, scale=100.0, gap_scale=2.0, random_state=None
):
    r"""Mean-reward matrices of the paper's low-rank bandit instance.

    Arm 1 is the base arm and every other arm is a rank-r truncation of a small uniform
    perturbation of it:

    .. math::

        M_1 = \mathcal{T}_r(E_1),\ E_1 \sim U(-\text{scale}, \text{scale})^{d_1\times d_2};
        \qquad M_a = \mathcal{T}_r(M_1 + E_a),\ E_a \sim U(-\text{gap\_scale},
        \text{gap\_scale})^{d_1\times d_2}\ (a \ne 1),

    with independent :math:`E_a`. For ``n_arms=2`` this is exactly the paper's pair
    :math:`(M_0, M_1)`, and ``means[a]`` is :math:`M_a`. For more arms, arms
    :math:`0, 2, 3, \dots` are independent perturbations of :math:`M_1`. Draw order: :math:`E_1`
    first, then :math:`E_0, E_2, E_3, \dots`.

    Parameters
    ----------
    d1, d2 : int, default=50
        Matrix shape, each >= 1 (the paper uses 300 x 300).
    rank : int, default=2
        :math:`r`, in ``[1, min(d1, d2)]``.
    n_arms : int, default=2
        Number of arms K >= 2.
    scale : float, default=100.0
        Half-width of the base uniform entries, > 0.
    gap_scale : float, default=2.0
        Half-width of the perturbations, >= 0 (0 gives identical arms).
    random_state : None, int, SeedSequence or Generator, default=None

    Returns
    -------
    means : ndarray of shape (n_arms, d1, d2)
        ``means[a]`` has rank at most ``rank`` (exactly ``rank`` almost surely).

    References
    ----------
    .. [1] Duan, C., Li, J. and Xia, D. (2024). Online policy learning and inference by matrix
       completion. arXiv:2404.17398.
    """
    d1 = _check_int(d1, "d1", 1)
    d2 = _check_int(d2, "d2", 1)
    rank = _check_int(rank, "rank", 1)
    if rank > min(d1, d2):
        raise ValueError(f"rank must lie in [1, min(d1, d2)] = [1, {min(d1, d2)}], got {rank}")
    n_arms = _check_int(n_arms, "n_arms", 2)
    for name, value, strict in (("scale", scale, True), ("gap_scale", gap_scale, False)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a real number, got {value!r}")
        if not np.isfinite(value) or (value <= 0 if strict else value < 0):
            raise ValueError(
                f"{name} must be finite and {'> 0' if strict else '>= 0'}, got {value}"
            )
    rng = check_random_state(random_state)
    means = np.empty((n_arms, d1, d2))
    means[1] = _truncate(rng.uniform(-scale, scale, size=(d1, d2)), rank)
    for a in [0, *range(2, n_arms)]:
        means[a] = _truncate(means[1] + rng.uniform(-gap_scale, gap_scale, size=(d1, d2)), rank)
    return means
