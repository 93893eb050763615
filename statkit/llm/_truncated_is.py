r"""Truncated importance sampling in policy-gradient surrogates: CISPO, PPO-clip and the
unified masked form (MiniMax-M1 technical report, arXiv:2506.13585, section 3.1).

Ratio bounds are explicit: every function takes ``ratio_min`` and ``ratio_max``, the
interval the importance ratio :math:`r = \pi_\theta / \pi_{\theta_{old}}` is clipped to;
the conversion table for the epsilon conventions of the report, TRL, Trinity-RFT and tinker
is in :func:`truncated_is_surrogate`.
"""

from dataclasses import dataclass

import numpy as np

from statkit._backend import get_namespace, to_numpy
from statkit.utils import check_random_state

__all__ = [
    "TruncatedISStudy",
    "truncated_is_bias_variance",
    "truncated_is_gradient",
    "truncated_is_surrogate",
]

_MODES = ("cispo", "ppo", "unified")


def _check_bound(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if np.isnan(value) or value < 0:
        raise ValueError(f"{name} must be a number >= 0 (inf allowed for a cap), got {value}")
    return value


def _check_bounds(lo_name, lo, hi_name, hi):
    lo, hi = _check_bound(lo_name, lo), _check_bound(hi_name, hi)
    if not np.isfinite(lo):
        raise ValueError(f"{lo_name} must be finite, got {lo}")
    if hi <= 0:
        raise ValueError(f"{hi_name} must be > 0, got {hi}")
    if lo > hi:
        raise ValueError(f"{lo_name} must be <= {hi_name}, got {lo_name}={lo} > {hi_name}={hi}")
    return lo, hi


def _prepare(logp, logp_old, advantages, mask, ratio_min, ratio_max, mode, mr_min, mr_max):
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    xp = get_namespace(logp, logp_old, advantages, mask)
    if xp is np:
        logp = np.asarray(logp)
        if not np.issubdtype(logp.dtype, np.floating):
            logp = logp.astype(np.float64)
        logp_old = np.asarray(logp_old, dtype=logp.dtype)
        advantages = np.asarray(advantages, dtype=logp.dtype)
    elif not logp.is_floating_point():
        raise TypeError(f"logp must be a floating tensor, got {logp.dtype}")
    shape = tuple(logp.shape)
    if len(shape) == 0:
        raise ValueError("logp must have at least one axis (tokens)")
    if tuple(logp_old.shape) != shape:
        raise ValueError(
            f"logp_old must have the shape of logp {shape}, got {tuple(logp_old.shape)}"
        )
    ashape = tuple(advantages.shape)
    if ashape == shape[:-1] and ashape != shape:
        # one advantage per sequence, broadcast over its tokens
        advantages = advantages[..., None]
    elif ashape != shape:
        raise ValueError(
            f"advantages must have the shape of logp {shape} (per token) or {shape[:-1]} "
            f"(per sequence), got {ashape}"
        )
    if mask is None:
        m = np.ones(shape, dtype=bool)
    else:
        m = np.asarray(to_numpy(mask))
        if tuple(m.shape) != shape:
            raise ValueError(f"mask must have the shape of logp {shape}, got {tuple(m.shape)}")
        if m.dtype != bool:
            if not np.all((m == 0) | (m == 1)):
                raise ValueError("mask must be boolean or contain only 0 and 1")
            m = m.astype(bool)
    n_tokens = int(m.sum())
    if n_tokens == 0:
        raise ValueError("mask selects no token; the token-level mean is undefined")
    ratio_min, ratio_max = _check_bounds("ratio_min", ratio_min, "ratio_max", ratio_max)
    mr_min = ratio_min if mr_min is None else mr_min
    mr_max = ratio_max if mr_max is None else mr_max
    mr_min, mr_max = _check_bounds("mask_ratio_min", mr_min, "mask_ratio_max", mr_max)
    if xp is np:
        mk = m
        bad = ~(np.isfinite(logp) & np.isfinite(logp_old) & np.isfinite(advantages)) & mk
    else:
        mk = xp.as_tensor(m, device=logp.device)
        bad = ~(xp.isfinite(logp) & xp.isfinite(logp_old) & xp.isfinite(advantages)) & mk
    if bool(bad.any()):
        raise ValueError("logp, logp_old and advantages must be finite at masked-in tokens")
    return xp, logp, logp_old, advantages, mk, n_tokens, ratio_min, ratio_max, mr_min, mr_max


def _zero_out(xp, a, mk):
    """a at masked-in tokens, 0 elsewhere (so padding garbage never becomes nan)."""
    if xp is np:
        return np.where(mk, a, 0.0).astype(a.dtype)
    return xp.where(mk, a, xp.zeros((), dtype=a.dtype, device=a.device))


def _clip(xp, r, lo, hi):
    if xp is np:
        return np.clip(r, lo, hi)
    return xp.clamp(r, min=lo, max=hi)


def _ppo_keep(r, adv, lo, hi):
    """Eq. 7 token mask M: 0 where PPO's clip binds (A > 0, r > hi or A < 0, r < lo)."""
    return ~(((adv > 0) & (r > hi)) | ((adv < 0) & (r < lo)))


def truncated_is_surrogate(
    logp,
    logp_old,
    advantages,
    mask,
    ratio_min,
    ratio_max,
    mode="cispo",
    *,
    mask_ratio_min=None,
    mask_ratio_max=None,
):
    r"""Token-level truncated-IS policy-gradient objective (to maximise): CISPO, PPO-clip or
    the unified masked form.

    With :math:`r_{i,t} = \exp(\log\pi_\theta - \log\pi_{\theta_{old}})`, advantages
    :math:`\hat A_{i,t}`, the token mask :math:`m_{i,t}` and :math:`N = \sum m_{i,t}` (the
    report's :math:`1/\sum_i |o_i|` normalisation: a mean over all masked-in tokens of the
    batch, not a mean of per-sequence means):

    - ``"cispo"`` (Eqs. 4--5):
      :math:`J = \frac1N \sum m\, \mathrm{sg}(\hat r)\, \hat A \log\pi_\theta`,
      :math:`\hat r = \operatorname{clip}(r, r_{\min}, r_{\max})`;
    - ``"ppo"``: :math:`J = \frac1N \sum m \min(r\hat A,\ \operatorname{clip}(r, r_{\min},
      r_{\max})\hat A)`;
    - ``"unified"`` (Eqs. 6--7):
      :math:`J = \frac1N \sum m\, M\, \mathrm{sg}(\hat r)\, \hat A \log\pi_\theta`, with
      :math:`M = 0` where :math:`\hat A > 0, r > r^M_{\max}` or :math:`\hat A < 0,
      r < r^M_{\min}` and 1 otherwise.

    ``sg`` is stop-gradient (``.detach()`` on torch): in CISPO the clipped weight scales
    the gradient of every token but never blocks it. Only the gradient of the CISPO and
    unified objectives is meaningful (their value contains :math:`\log\pi_\theta`); the
    PPO value is the clipped objective itself. Identities (tested):
    :math:`\nabla J_{\mathrm{cispo}}(r_{\max}=\infty) = \nabla \frac1N\sum m r\hat A` and
    :math:`\nabla J_{\mathrm{unified}}(\text{no IS clip}) = \nabla J_{\mathrm{ppo}}`.

    Parameters
    ----------
    logp : float array of shape (..., T), numpy or torch
        :math:`\log\pi_\theta(o_{i,t} \mid \cdot)`; on torch, gradients flow through it.
    logp_old : float array of the same shape
        :math:`\log\pi_{\theta_{old}}` (a constant).
    advantages : float array of shape (..., T) or (...)
        Per token, or per sequence (broadcast over its tokens). Constants.
    mask : bool or 0/1 array of shape (..., T), or None
        Tokens that count (``None``: all). Masked-out entries may hold anything.
    ratio_min, ratio_max : float
        The clip interval of :math:`r`, ``0 <= ratio_min <= ratio_max``, ``ratio_max > 0``
        (``numpy.inf``: no cap). See the module's conversion table for
        :math:`\varepsilon` conventions.
    mode : {"cispo", "ppo", "unified"}, default="cispo"
    mask_ratio_min, mask_ratio_max : float, optional
        Bounds of the unified form's token mask :math:`M` (PPO's trust region); default to
        ``ratio_min`` and ``ratio_max``. Ignored by the other modes.

    Returns
    -------
    objective : 0-d float array (numpy) or 0-d tensor (torch)
        The objective; the loss to minimise is its negative.

    Raises
    ------
    ValueError
        Mismatched shapes, an empty mask, non-finite values at masked-in tokens, bounds
        outside their range or ``ratio_min > ratio_max``, an unknown ``mode``.

    See Also
    --------
    truncated_is_gradient : the closed-form gradient with respect to ``logp``.

    Notes
    -----
    Conversion from other conventions (each source's own parameter names):

    .. list-table::
       :header-rows: 1

       * - convention
         - ``ratio_min``
         - ``ratio_max``
       * - MiniMax-M1 report, Trinity-RFT CISPO (``clip_range_low``, ``clip_range_high``
           = :math:`\varepsilon^{IS}_{low}, \varepsilon^{IS}_{high}`)
         - ``1 - eps_low`` (the report: :math:`\varepsilon^{IS}_{low}` large, so 0)
         - ``1 + eps_high``
       * - PPO clip range :math:`\varepsilon` (symmetric)
         - ``1 - eps``
         - ``1 + eps``
       * - TRL GRPO/DAPO ``epsilon``, ``epsilon_high``
         - ``1 - epsilon``
         - ``1 + epsilon_high``
       * - TRL ``loss_type="cispo"``, ``epsilon_high``
         - ``0`` (no lower cap)
         - ``epsilon_high`` (an *absolute* cap on :math:`r`, not :math:`1+\varepsilon`)
       * - tinker ``clip_low_threshold``, ``clip_high_threshold``
         - ``clip_low_threshold``
         - ``clip_high_threshold``

    For ``"unified"``, the PPO-style trust region of the mask :math:`M` is
    ``mask_ratio_min = 1 - eps_low``, ``mask_ratio_max = 1 + eps_high``, and the IS clip is
    ``ratio_min``, ``ratio_max`` (the report's :math:`\varepsilon^{IS}`).

    References
    ----------
    .. [1] MiniMax. MiniMax-M1: scaling test-time compute efficiently with lightning
       attention. arXiv:2506.13585, 2025 (section 3.1, CISPO).
    .. [2] J. Schulman, F. Wolski, P. Dhariwal, A. Radford, O. Klimov. Proximal policy
       optimization algorithms. arXiv:1707.06347, 2017.
    .. [3] E. L. Ionides. Truncated importance sampling. *J. Comput. Graph. Statist.*
       17(2):295--311, 2008.

    Examples
    --------
    >>> import numpy as np
    >>> logp, logp_old = np.log([[0.5, 0.2]]), np.log([[0.25, 0.2]])   # r = 2, 1
    >>> float(truncated_is_surrogate(logp, logp_old, np.array([1.0]), None, 0.8, 1.2, "ppo"))
    1.1
    """
    xp, logp, logp_old, adv, mk, n, lo, hi, mlo, mhi = _prepare(
        logp,
        logp_old,
        advantages,
        mask,
        ratio_min,
        ratio_max,
        mode,
        mask_ratio_min,
        mask_ratio_max,
    )
    if xp is not np:
        logp_old, adv = logp_old.detach(), adv.detach()
    lp, lpo = _zero_out(xp, logp, mk), _zero_out(xp, logp_old, mk)
    # zero padding everywhere (torch: a nan in an unselected where-branch would still give
    # a nan gradient)
    adv = _zero_out(xp, adv * xp.ones_like(lp), mk)
    r = xp.exp(lp - lpo)
    if mode == "ppo":
        rc = _clip(xp, r, lo, hi)
        term = xp.minimum(r * adv, rc * adv)
    else:
        w = _clip(xp, r, lo, hi)
        if xp is not np:
            w = w.detach()  # sg(r_hat): the weight is a constant for the gradient
        term = w * adv * lp
        if mode == "unified":
            keep = _ppo_keep(r, adv, mlo, mhi)
            term = xp.where(keep, term, xp.zeros_like(term))
    return _zero_out(xp, term, mk).sum() / n


def truncated_is_gradient(
    logp,
    logp_old,
    advantages,
    mask,
    ratio_min,
    ratio_max,
    mode="cispo",
    *,
    mask_ratio_min=None,
    mask_ratio_max=None,
):
    r"""Closed-form gradient of :func:`truncated_is_surrogate` with respect to ``logp``.

    Using :math:`\partial r/\partial\log\pi_\theta = r`:

    .. math::

        \frac{\partial J}{\partial \log\pi_{i,t}} = \frac{m_{i,t}\hat A_{i,t}}{N} \times
        \begin{cases}
        \operatorname{clip}(r, r_{\min}, r_{\max}) & \text{cispo} \\
        r\, M(r_{\min}, r_{\max}) & \text{ppo} \\
        \operatorname{clip}(r, r_{\min}, r_{\max})\, M(r^M_{\min}, r^M_{\max}) &
        \text{unified}
        \end{cases}

    where :math:`M` is the Eq. 7 mask (0 where PPO's clip binds). The PPO line shows that
    PPO-clip zeroes exactly the tokens the unified form masks, while CISPO keeps them with a
    capped weight. On the measure-zero set :math:`r \in \{r_{\min}, r_{\max}\}` the PPO
    objective has a kink; there the unclipped branch's gradient is returned.

    Parameters
    ----------
    logp, logp_old, advantages, mask, ratio_min, ratio_max, mode, mask_ratio_min, mask_ratio_max
        As in :func:`truncated_is_surrogate`.

    Returns
    -------
    grad : float array of the shape of ``logp`` (numpy or torch, no autograd graph)
    """
    xp, logp, logp_old, adv, mk, n, lo, hi, mlo, mhi = _prepare(
        logp,
        logp_old,
        advantages,
        mask,
        ratio_min,
        ratio_max,
        mode,
        mask_ratio_min,
        mask_ratio_max,
    )
    if xp is not np:
        logp, logp_old, adv = logp.detach(), logp_old.detach(), adv.detach()
    r = xp.exp(_zero_out(xp, logp, mk) - _zero_out(xp, logp_old, mk))
    adv = _zero_out(xp, adv * xp.ones_like(r), mk)
    if mode == "cispo":
        g = _clip(xp, r, lo, hi) * adv
    elif mode == "ppo":
        keep = _ppo_keep(r, adv, lo, hi)
        g = xp.where(keep, r * adv, xp.zeros_like(r))
    else:
        keep = _ppo_keep(r, adv, mlo, mhi)
        g = xp.where(keep, _clip(xp, r, lo, hi) * adv, xp.zeros_like(r))
    return _zero_out(xp, g, mk) / n


@dataclass(frozen=True)
class TruncatedISStudy:
    """Result of :func:`truncated_is_bias_variance` (one entry per cap)."""

    caps: np.ndarray
    """The caps :math:`c` (``ratio_max``)."""
    exact_bias: np.ndarray
    """:math:`\\|\\mathbb E\\hat g_c - \\nabla J\\|_2`, exact (enumeration over categories)."""
    exact_variance: np.ndarray
    """:math:`\\operatorname{tr}\\operatorname{Cov}\\hat g_c`, exact."""
    mc_bias: np.ndarray
    """:math:`\\|\\bar g_c - \\nabla J\\|_2` over the replications."""
    mc_bias_vector: np.ndarray
    """:math:`\\bar g_c - \\nabla J`, shape (n_caps, n_categories)."""
    mc_mean_se: np.ndarray
    """Standard error of each coordinate of :math:`\\bar g_c`, shape (n_caps, n_categories)."""
    exact_bias_vector: np.ndarray
    """:math:`\\mathbb E\\hat g_c - \\nabla J`, shape (n_caps, n_categories)."""
    mc_variance: np.ndarray
    """Trace of the sample covariance of :math:`\\hat g_c` over the replications."""
    mc_variance_se: np.ndarray
    """Standard error of ``mc_variance`` (from the replications' squared deviations)."""
    true_gradient: np.ndarray
    """:math:`\\nabla_\\theta \\mathbb E_{\\pi_\\theta} f`, exact."""
    max_weight: float
    """:math:`\\max_x \\pi(x)/\\mu(x)`: caps at or above it give an unbiased estimator."""
    n_samples: int
    n_reps: int

    @property
    def exact_mse(self):
        return self.exact_bias**2 + self.exact_variance

    @property
    def mc_mse(self):
        return self.mc_bias**2 + self.mc_variance

    def to_frame(self):
        """A pandas DataFrame, one row per cap."""
        import pandas as pd

        return pd.DataFrame(
            {
                "cap": self.caps,
                "exact_bias": self.exact_bias,
                "mc_bias": self.mc_bias,
                "exact_variance": self.exact_variance,
                "mc_variance": self.mc_variance,
                "mc_variance_se": self.mc_variance_se,
                "exact_mse": self.exact_mse,
                "mc_mse": self.mc_mse,
            }
        )


def _log_softmax(z):
    z = z - z.max()
    return z - np.log(np.exp(z).sum())


def truncated_is_bias_variance(
    logits,
    logits_old,
    rewards,
    caps,
    n_samples=64,
    n_reps=500,
    baseline=0.0,
    random_state=None,
):
    r"""Bias and variance of the truncated-IS (CISPO) policy gradient against the cap.

    One categorical "token" policy :math:`\pi_\theta = \operatorname{softmax}(\theta)` over
    :math:`V` outcomes with reward :math:`f`; samples :math:`x_1, \dots, x_n` come from the
    behaviour policy :math:`\mu = \operatorname{softmax}(\theta_{old})`. With the cap
    :math:`c`, the estimator of :math:`\nabla_\theta J = \nabla_\theta
    \mathbb E_{\pi_\theta} f = \sum_x \pi(x) f(x)(e_x - \pi)` is

    .. math::

        \hat g_c = \frac1n \sum_{k=1}^n \min\Big(\frac{\pi(x_k)}{\mu(x_k)}, c\Big)
        (f(x_k) - b)\, \nabla_\theta \log\pi_\theta(x_k),

    i.e. the CISPO gradient with ``ratio_min = 0`` and ``ratio_max = c``, computed here by
    :func:`truncated_is_gradient` and the chain rule
    :math:`\nabla_\theta\log\pi(x) = e_x - \pi`. Its exact mean and covariance are sums
    over the :math:`V` outcomes; the study reports them beside Monte Carlo estimates from
    ``n_reps`` independent batches. Truncation trades bias (zero once
    :math:`c \ge \max_x \pi/\mu`) for variance (the second moment is non-decreasing in
    :math:`c`), as in Ionides (2008).

    Parameters
    ----------
    logits, logits_old : float arrays of shape (V,)
        :math:`\theta` and :math:`\theta_{old}`.
    rewards : float array of shape (V,)
        :math:`f`.
    caps : sequence of float
        Values of :math:`c > 0` (``numpy.inf`` allowed: plain importance sampling).
    n_samples : int, default=64
        Tokens per batch, :math:`n`.
    n_reps : int, default=500
        Monte Carlo batches per cap (the same batches are reused for every cap).
    baseline : float, default=0.0
        :math:`b`; it changes the bias and variance once weights are truncated.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    TruncatedISStudy

    References
    ----------
    .. [1] E. L. Ionides. Truncated importance sampling. *J. Comput. Graph. Statist.*
       17(2):295--311, 2008.
    .. [2] MiniMax. MiniMax-M1: scaling test-time compute efficiently with lightning
       attention. arXiv:2506.13585, 2025.
    """
    theta = np.asarray(logits, dtype=np.float64)
    theta_old = np.asarray(logits_old, dtype=np.float64)
    f = np.asarray(rewards, dtype=np.float64)
    if theta.ndim != 1 or theta.size < 2:
        raise ValueError(f"logits must be 1-d with at least 2 entries, got shape {theta.shape}")
    for name, a in (("logits_old", theta_old), ("rewards", f)):
        if a.shape != theta.shape:
            raise ValueError(f"{name} must have the shape of logits {theta.shape}, got {a.shape}")
    if not (
        np.all(np.isfinite(theta)) and np.all(np.isfinite(theta_old)) and np.all(np.isfinite(f))
    ):
        raise ValueError("logits, logits_old and rewards must be finite")
    caps = np.atleast_1d(np.asarray(caps, dtype=np.float64))
    if caps.ndim != 1 or caps.size == 0 or np.any(~(caps > 0)):
        raise ValueError("caps must be a non-empty 1-d sequence of numbers > 0")
    for name, v in (("n_samples", n_samples), ("n_reps", n_reps)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
    if n_reps < 2:
        raise ValueError("n_reps must be >= 2 to estimate a variance")
    rng = check_random_state(random_state)
    lp, lq = _log_softmax(theta), _log_softmax(theta_old)
    pi, mu = np.exp(lp), np.exp(lq)
    V = theta.size
    eye = np.eye(V)
    score = eye - pi[None, :]  # row x: grad_theta log pi(x)
    true_grad = (pi * f) @ score
    w = pi / mu
    x = rng.choice(V, size=(n_reps, n_samples), p=mu)
    logp, logp_old = lp[x], lq[x]
    adv = f[x] - baseline
    ex_bias_v, ex_var, mc_bias_v, mc_se, mc_var, mc_var_se = [], [], [], [], [], []
    for c in caps:
        # exact: per-sample h(x) = min(w, c)(f - b)(e_x - pi), x ~ mu
        h = (np.minimum(w, c) * (f - baseline))[:, None] * score
        mean_h = mu @ h
        cov_h = (h * mu[:, None]).T @ h - np.outer(mean_h, mean_h)
        ex_bias_v.append(mean_h - true_grad)
        ex_var.append(np.trace(cov_h) / n_samples)
        # Monte Carlo: the library gradient w.r.t. logp over all n_reps * n_samples tokens is
        # normalised by the total count; rescale to a per-batch mean, then chain-rule.
        g_tok = truncated_is_gradient(logp, logp_old, adv, None, 0.0, c, "cispo") * n_reps
        ghat = np.zeros((n_reps, V))
        np.add.at(ghat, (np.repeat(np.arange(n_reps), n_samples), x.ravel()), g_tok.ravel())
        ghat -= g_tok.sum(axis=1)[:, None] * pi[None, :]
        gbar = ghat.mean(axis=0)
        mc_bias_v.append(gbar - true_grad)
        mc_se.append(ghat.std(axis=0, ddof=1) / np.sqrt(n_reps))
        sq = ((ghat - gbar) ** 2).sum(axis=1) * n_reps / (n_reps - 1)
        mc_var.append(sq.mean())
        mc_var_se.append(sq.std(ddof=1) / np.sqrt(n_reps))
    ex_bias_v, mc_bias_v = np.array(ex_bias_v), np.array(mc_bias_v)
    return TruncatedISStudy(
        caps=caps,
        exact_bias=np.linalg.norm(ex_bias_v, axis=1),
        exact_variance=np.array(ex_var),
        mc_bias=np.linalg.norm(mc_bias_v, axis=1),
        mc_bias_vector=mc_bias_v,
        mc_mean_se=np.array(mc_se),
        exact_bias_vector=ex_bias_v,
        mc_variance=np.array(mc_var),
        mc_variance_se=np.array(mc_var_se),
        true_gradient=true_grad,
        max_weight=float(w.max()),
        n_samples=int(n_samples),
        n_reps=int(n_reps),
    )
