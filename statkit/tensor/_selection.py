"""Choosing FLoST's ``rank``, ``n_low_freq`` and ``sparsity`` by held-out entries."""

import itertools
from dataclasses import dataclass

import numpy as np

from statkit.utils import check_random_state, to_numpy

from ._flost import FLoSTCompletion
from ._validation import check_tensor_and_mask

__all__ = ["FLoSTSelection", "select_flost_params"]


@dataclass(frozen=True)
class FLoSTSelection:
    """Result of :func:`select_flost_params`.

    Attributes
    ----------
    best_params : dict
        ``rank``, ``n_low_freq`` and ``sparsity`` with the smallest held-out MSE.
    table : pandas.DataFrame
        One row per candidate: the three parameters, ``heldout_mse``, ``n_iter``.
    estimator : FLoSTCompletion or None
        With ``refit=True``, the best candidate refitted on all observed entries.
    n_heldout : int
    """

    best_params: dict
    table: object
    estimator: object
    n_heldout: int


def _as_list(values, name):
    values = [values] if np.isscalar(values) else list(values)
    if not values:
        raise ValueError(f"{name} must contain at least one candidate")
    return values


def select_flost_params(
    Y,
    mask=None,
    *,
    ranks,
    n_low_freqs,
    sparsities=(0,),
    holdout=0.1,
    refit=True,
    random_state=None,
    **fit_params,
):
    r"""Grid search of FLoST's structural parameters on held-out observed entries.

    A fraction ``holdout`` of the **observed** entries (never of the missing ones) is set
    aside at random; every candidate of the grid ``ranks x n_low_freqs x sparsities`` is
    fitted on the remaining entries and scored by the mean squared error on the held-out
    ones; the best candidate is refitted on all observed entries.

    Parameters
    ----------
    Y : array-like of shape (n1, n2, T)
        NaN marks missing entries when ``mask`` is None.
    mask : array of bool, optional
    ranks, n_low_freqs, sparsities : int or sequence of int
        The candidates (see :class:`FLoSTCompletion`).
    holdout : float, default=0.1
        Fraction of the observed entries held out, in (0, 0.5].
    refit : bool, default=True
    random_state : None, int or numpy.random.Generator
        Draws the held-out entries.
    **fit_params
        Other :class:`FLoSTCompletion` parameters (``max_iter``, ``tol``, ...).

    Returns
    -------
    FLoSTSelection

    Notes
    -----
    With :math:`\Omega_{\mathrm{ho}}` the held-out set and :math:`\hat X^{(c)}` the fit
    of candidate :math:`c` on :math:`\Omega \setminus \Omega_{\mathrm{ho}}`, the score is
    :math:`|\Omega_{\mathrm{ho}}|^{-1}\sum_{\Omega_{\mathrm{ho}}} (Y - \hat X^{(c)})^2`.
    It estimates the prediction error :math:`\mathrm{MSE}_c + \sigma^2`, so its
    minimiser targets the candidate of smallest estimation error.

    Examples
    --------
    >>> from statkit.datasets import make_flost
    >>> from statkit.tensor import select_flost_params
    >>> inst = make_flost(15, 15, 32, rank=2, n_low_freq=3, sparsity=0, random_state=0)
    >>> sel = select_flost_params(inst.observed, ranks=[1, 2, 3], n_low_freqs=[2, 3, 5],
    ...                           random_state=0)
    >>> sel.best_params["rank"], sel.best_params["n_low_freq"]
    (2, 3)
    """
    # the grid search runs on numpy (it is many small fits)
    _, Y0, mask = check_tensor_and_mask(Y, mask)
    if not isinstance(holdout, float) or not 0.0 < holdout <= 0.5:
        raise ValueError(f"holdout must be a float in (0, 0.5], got {holdout!r}")
    Y0, mask = to_numpy(Y0), to_numpy(mask)
    rng = check_random_state(random_state)
    obs = np.flatnonzero(mask)
    n_ho = round(holdout * obs.size)
    if n_ho < 1 or n_ho == obs.size:
        raise ValueError(
            f"holdout={holdout} of {obs.size} observed entries leaves no held-out or no "
            "training entry"
        )
    ho = rng.choice(obs, size=n_ho, replace=False)
    train = mask.copy()
    train.flat[ho] = False
    rows = []
    grid = itertools.product(
        _as_list(ranks, "ranks"),
        _as_list(n_low_freqs, "n_low_freqs"),
        _as_list(sparsities, "sparsities"),
    )
    for rank, n_low, s in grid:
        est = FLoSTCompletion(rank=rank, n_low_freq=n_low, sparsity=s, **fit_params)
        est.fit(Y0, train)
        err = est.completed_.flat[ho] - Y0.flat[ho]
        rows.append(
            {
                "rank": rank,
                "n_low_freq": n_low,
                "sparsity": s,
                "heldout_mse": float(np.mean(err * err)),
                "n_iter": est.n_iter_,
            }
        )
    import pandas as pd

    table = pd.DataFrame(rows)
    best = table.loc[table["heldout_mse"].idxmin()]
    best_params = {k: int(best[k]) for k in ("rank", "n_low_freq", "sparsity")}
    estimator = None
    if refit:
        estimator = FLoSTCompletion(**best_params, **fit_params).fit(Y0, mask)
    return FLoSTSelection(best_params, table, estimator, n_ho)
