r"""Bandit environments with low-rank arm means (Duan, Li and Xia, arXiv:2404.17398).

Model (method note section 2): at round t a context :math:`(i_t, j_t)` is uniform on
:math:`[d_1]\times[d_2]`; pulling arm a gives :math:`y_t = M_a(i_t, j_t) + \sigma\xi_t`,
:math:`\xi_t \sim N(0, 1)`. The optimal policy is :math:`\pi^*(i, j) = \arg\max_a M_a(i, j)`.

Interface every environment offers (any object with it works; check it with
:func:`check_bandit_env`): ``shape``, ``n_arms``, ``draw(horizon, rng)``,
``mean_rewards(rows, cols)``, ``optimal_arms(rows, cols)``, ``regret(rows, cols, arms)``.
"""

import numbers

import numpy as np

from statkit.utils import check_random_state

__all__ = ["LowRankBanditEnv", "check_bandit_env", "load_elnino_table", "semi_synthetic_env"]


class LowRankBanditEnv:
    r"""K-armed bandit whose arm means are full tables :math:`M_a \in \mathbb{R}^{d_1\times d_2}`.

    ``rewards[t, a] = M_a(i_t, j_t) + noise * N(0, 1)``, independent across rounds and arms, so
    every counterfactual reward is available (a learner reads only its own arm's column).

    Parameters
    ----------
    means : array-like of shape (K, d1, d2) or list of K arrays of shape (d1, d2)
        Finite mean tables, K >= 2.
    noise : float, default=1.0
        Noise standard deviation :math:`\sigma \ge 0`.
    context_probs : array-like of shape (d1, d2) or None, default=None
        Context distribution; None is uniform (the paper's model). Non-negative, summing to 1.

    References
    ----------
    .. [1] Duan, C., Li, J. and Xia, D. (2024). Online policy learning and inference by matrix
       completion. arXiv:2404.17398.
    """

    def __init__(self, means, noise=1.0, context_probs=None):
        if isinstance(means, (list, tuple)):
            shapes = {np.shape(m) for m in means}
            if len(shapes) > 1:
                raise ValueError(f"means must all have the same shape, got {sorted(shapes)}")
        try:
            means = np.array(means, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"means must be a numeric array of shape (K, d1, d2): {exc}") from exc
        if means.ndim != 3:
            raise ValueError(f"means must have shape (K, d1, d2), got {means.shape}")
        if means.shape[0] < 2:
            raise ValueError(f"means must hold K >= 2 arms, got {means.shape[0]}")
        if min(means.shape[1:]) < 1:
            raise ValueError(f"means tables must be non-empty, got shape {means.shape[1:]}")
        if not np.all(np.isfinite(means)):
            raise ValueError("means must be finite")
        if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
            raise TypeError(f"noise must be a real number, got {noise!r}")
        if not np.isfinite(noise) or noise < 0:
            raise ValueError(f"noise must be finite and >= 0, got {noise}")
        if context_probs is not None:
            p = np.array(context_probs, dtype=np.float64)
            if p.shape != means.shape[1:]:
                raise ValueError(f"context_probs must have shape {means.shape[1:]}, got {p.shape}")
            if not np.all(np.isfinite(p)) or np.any(p < 0) or not np.isclose(p.sum(), 1.0):
                raise ValueError("context_probs must be finite, non-negative and sum to 1")
            context_probs = p / p.sum()
        means.setflags(write=False)
        self.means = means
        self.noise = float(noise)
        self.context_probs = context_probs

    @property
    def shape(self):
        """(d1, d2)."""
        return self.means.shape[1], self.means.shape[2]

    @property
    def n_arms(self):
        """Number of arms K."""
        return self.means.shape[0]

    def draw(self, horizon, rng=None):
        """Draw ``horizon`` contexts and all K rewards for each.

        Returns
        -------
        rows, cols : ndarray of int64, shape (horizon,)
        rewards : ndarray of float64, shape (horizon, K)
        """
        if isinstance(horizon, bool) or not isinstance(horizon, numbers.Integral) or horizon < 0:
            raise ValueError(f"horizon must be an integer >= 0, got {horizon!r}")
        rng = check_random_state(rng)
        d1, d2 = self.shape
        if self.context_probs is None:
            rows = rng.integers(0, d1, size=horizon, dtype=np.int64)
            cols = rng.integers(0, d2, size=horizon, dtype=np.int64)
        else:
            flat = rng.choice(d1 * d2, size=horizon, p=self.context_probs.ravel())
            rows, cols = (x.astype(np.int64) for x in np.divmod(flat, d2))
        noise = self.noise * rng.standard_normal((horizon, self.n_arms))
        return rows, cols, self.means[:, rows, cols].T + noise

    def _check_index(self, rows, cols):
        rows = np.asarray(rows)
        cols = np.asarray(cols)
        for name, x, d in (("rows", rows, self.shape[0]), ("cols", cols, self.shape[1])):
            if x.ndim != 1 or not np.issubdtype(x.dtype, np.integer):
                raise TypeError(f"{name} must be a 1-D integer array, got {x.dtype} {x.shape}")
            if x.size and (x.min() < 0 or x.max() >= d):
                raise ValueError(f"{name} must lie in [0, {d}), got range [{x.min()}, {x.max()}]")
        if rows.shape != cols.shape:
            raise ValueError(
                f"rows and cols must have the same length, got {rows.size}, {cols.size}"
            )
        return rows, cols

    def mean_rewards(self, rows, cols):
        """:math:`M_a(i, j)` for each context, shape (n, K)."""
        rows, cols = self._check_index(rows, cols)
        return self.means[:, rows, cols].T.copy()

    def optimal_arms(self, rows, cols):
        """:math:`\\arg\\max_a M_a(i, j)`, ties broken towards the lowest index; int64 (n,)."""
        return np.argmax(self.mean_rewards(rows, cols), axis=1).astype(np.int64)

    def regret(self, rows, cols, arms):
        r"""Per-round regret :math:`\max_a M_a(i_t, j_t) - M_{a_t}(i_t, j_t)`, shape (n,)."""
        mu = self.mean_rewards(rows, cols)
        arms = np.asarray(arms)
        if arms.shape != (mu.shape[0],) or not np.issubdtype(arms.dtype, np.integer):
            raise TypeError(f"arms must be a 1-D integer array of length {mu.shape[0]}")
        if arms.size and (arms.min() < 0 or arms.max() >= self.n_arms):
            raise ValueError(f"arms must lie in [0, {self.n_arms})")
        return mu.max(axis=1) - mu[np.arange(mu.shape[0]), arms]


def check_bandit_env(env, horizon=16, random_state=0):
    """Check that ``env`` follows the environment interface; raise with a clear message if not.

    Checks the attributes ``shape`` (two positive ints) and ``n_arms`` (int >= 2); that
    ``draw(horizon, rng)`` returns int64 rows/cols in range and finite float64 rewards of shape
    (horizon, K); that ``mean_rewards`` is finite with shape (n, K); that ``optimal_arms`` is its
    argmax (lowest index on ties); and that ``regret`` equals max minus the chosen arm's mean.

    Returns
    -------
    env
    """
    for attr in ("shape", "n_arms", "draw", "mean_rewards", "optimal_arms", "regret"):
        if not hasattr(env, attr):
            raise TypeError(f"env must have attribute {attr!r} (see statkit.bandits._envs)")
    shape = tuple(env.shape)
    if len(shape) != 2 or not all(isinstance(d, numbers.Integral) and d >= 1 for d in shape):
        raise ValueError(f"env.shape must be two positive integers (d1, d2), got {env.shape!r}")
    K = env.n_arms
    if isinstance(K, bool) or not isinstance(K, numbers.Integral) or K < 2:
        raise ValueError(f"env.n_arms must be an integer >= 2, got {K!r}")
    rows, cols, rewards = env.draw(horizon, check_random_state(random_state))
    rows, cols, rewards = np.asarray(rows), np.asarray(cols), np.asarray(rewards)
    for name, x, d in (("rows", rows, shape[0]), ("cols", cols, shape[1])):
        if x.dtype != np.int64 or x.shape != (horizon,):
            raise ValueError(
                f"env.draw {name} must be int64 of shape ({horizon},), got {x.dtype} {x.shape}"
            )
        if x.size and (x.min() < 0 or x.max() >= d):
            raise ValueError(f"env.draw {name} must lie in [0, {d})")
    if rewards.dtype != np.float64 or rewards.shape != (horizon, K):
        raise ValueError(
            f"env.draw rewards must be float64 of shape ({horizon}, {K}), "
            f"got {rewards.dtype} {rewards.shape}"
        )
    if not np.all(np.isfinite(rewards)):
        raise ValueError("env.draw rewards must be finite")
    mu = np.asarray(env.mean_rewards(rows, cols))
    if mu.shape != (horizon, K) or not np.all(np.isfinite(mu)):
        raise ValueError(
            f"env.mean_rewards must be finite with shape ({horizon}, {K}), got {mu.shape}"
        )
    best = np.asarray(env.optimal_arms(rows, cols))
    if best.shape != (horizon,) or not np.array_equal(best, np.argmax(mu, axis=1)):
        raise ValueError(
            "env.optimal_arms must equal argmax of mean_rewards (lowest index on ties)"
        )
    arms = np.arange(horizon, dtype=np.int64) % K
    reg = np.asarray(env.regret(rows, cols, arms))
    expected = mu.max(axis=1) - mu[np.arange(horizon), arms]
    if reg.shape != (horizon,) or not np.allclose(reg, expected):
        raise ValueError(
            "env.regret must equal max_a mean_rewards - mean_rewards of the chosen arm"
        )
    return env


def load_elnino_table():
    """Monthly Nino 1+2 sea-surface temperatures, 1950-2010, as a 61 x 12 year-by-month table.

    Source: statsmodels' bundled ``elnino`` dataset (NOAA National Weather Service, ERSST.V3B,
    Nino 1+2 region, 0-10 S, 90-80 W; statsmodels states "This data is in the public domain").

    Returns
    -------
    years : ndarray of int, shape (61,)
    values : ndarray of float64, shape (61, 12)
        Degrees Celsius; columns January..December.
    """
    from statsmodels.datasets import elnino

    data = elnino.load_pandas().data
    return data["YEAR"].to_numpy().astype(int), data.drop(columns="YEAR").to_numpy(np.float64)


def semi_synthetic_env(name="elnino", rank=2, gap=1.0, noise=0.5, random_state=None):
    r"""Two-armed environment built from a real table shipped by statsmodels (no download).

    ``name="elnino"``: the statsmodels ``elnino`` table (NOAA ERSST.V3B Nino 1+2 monthly sea
    surface temperature, public domain), 61 years x 12 months. Construction:

    1. standardise the table, :math:`Z = (X - \bar X)/\mathrm{sd}(X)` (grand mean and sd);
    2. :math:`M_1 = \mathcal{T}_r(Z) = L S R^\top`, the rank-r truncation;
    3. :math:`M_0 = M_1 - \text{gap}\cdot D` with
       :math:`D = L g h^\top R^\top / \max|L g h^\top R^\top|`,
       with :math:`g, h \sim N(0, I_r)` drawn from ``random_state``.

    :math:`D` lies in the span of :math:`M_1`'s singular vectors, so both arms have rank at most
    r; :math:`|M_1 - M_0| \le \text{gap}` with equality somewhere, and the sign of :math:`D`
    changes across cells, so the optimal arm varies with the context.

    Parameters
    ----------
    name : {"elnino"}
    rank : int, default=2
        In ``[1, 12)``.
    gap : float, default=1.0
        Largest arm gap, > 0 (in units of the table's sd).
    noise : float, default=0.5
        Reward noise sd, >= 0.
    random_state : None, int, SeedSequence or Generator

    Returns
    -------
    LowRankBanditEnv

    References
    ----------
    .. [1] Duan, C., Li, J. and Xia, D. (2024). Online policy learning and inference by matrix
       completion. arXiv:2404.17398.
    """
    if name != "elnino":
        raise ValueError(f"name must be one of ['elnino'], got {name!r}")
    _, X = load_elnino_table()
    if isinstance(rank, bool) or not isinstance(rank, numbers.Integral):
        raise TypeError(f"rank must be an integer, got {rank!r}")
    if not 1 <= rank < min(X.shape):
        raise ValueError(f"rank must lie in [1, {min(X.shape)}), got {rank}")
    if isinstance(gap, bool) or not isinstance(gap, numbers.Real) or not (0 < gap < np.inf):
        raise ValueError(f"gap must be a finite number > 0, got {gap!r}")
    rng = check_random_state(random_state)
    Z = (X - X.mean()) / X.std()
    U, s, Vt = np.linalg.svd(Z, full_matrices=False)
    L, R = U[:, :rank], Vt[:rank].T
    M1 = (L * s[:rank]) @ R.T
    D = np.outer(L @ rng.standard_normal(rank), R @ rng.standard_normal(rank))
    D /= np.abs(D).max()
    return LowRankBanditEnv(np.stack([M1 - gap * D, M1]), noise=noise)
