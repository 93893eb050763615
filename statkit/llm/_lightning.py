r"""Decayed linear ("lightning") attention: chunked, recurrent and naive forms.

Per head, with a decay rate (slope) :math:`\lambda \ge 0`, queries :math:`q_t`, keys
:math:`k_t \in \mathbb R^d` and values :math:`v_t \in \mathbb R^e`, :math:`t = 0, \dots,
n - 1`, the output is

.. math::

    o_t = \sum_{s \le t} e^{-\lambda (t - s)}\, (q_t \cdot k_s)\, v_s ,
    \qquad\text{i.e.}\qquad
    O = \big[(Q K^\top) \odot M\big] V,\quad
    M_{ts} = e^{-\lambda (t - s)}\,\mathbf 1(t \ge s).

There is no softmax and no normaliser. In statistical terms :math:`S_t = \sum_{s \le t}
e^{-\lambda(t-s)} k_s v_s^\top` is an exponentially weighted moving sum of outer products,
and :math:`o_t = S_t^\top q_t`; the recurrent form is
:math:`S_t = e^{-\lambda} S_{t-1} + k_t v_t^\top`.

The chunked form (Lightning Attention-2, Qin et al., arXiv:2401.04658; MiniMax-01,
arXiv:2501.08313) splits the sequence into blocks of :math:`B` positions. With
:math:`a, c = 0, \dots, B-1` the positions inside a block, block :math:`i` gets

.. math::

    O_i = \underbrace{\big[(Q_i K_i^\top) \odot D\big] V_i}_{\text{intra-block}}
        + \underbrace{(Q_i \odot \alpha)\, S_{(i)}}_{\text{inter-block}},
    \qquad D_{ac} = e^{-\lambda (a - c)} \mathbf 1(a \ge c),\quad
    \alpha_a = e^{-\lambda (a + 1)},

where :math:`S_{(i)}` is the state after the previous blocks, updated by

.. math::

    S_{(i+1)} = e^{-\lambda B} S_{(i)} + (K_i \odot \beta)^\top V_i,
    \qquad \beta_c = e^{-\lambda (B - 1 - c)},\qquad S_{(0)} = 0 .

Every exponent is non-positive, so no factor overflows whatever :math:`\lambda`; a key in
an earlier block gets :math:`e^{-\lambda (a + 1)} e^{-\lambda B(\cdot)} e^{-\lambda
(B - 1 - c)} = e^{-\lambda (t - s)}`, the exact weight.
"""

import numbers

import numpy as np

from statkit._backend import get_namespace, is_torch_tensor, to_numpy

__all__ = ["decay_slopes", "decayed_linear_attention"]

_METHODS = ("chunked", "recurrent", "naive")
# Element budget for the chunked method's temporaries (score blocks, per-block states):
# 2^24 (128 MiB in float64) on the CPU, 2^28 (1 GiB in float32) on an accelerator.
_MAX_ELEMENTS_CPU = 1 << 24
_MAX_ELEMENTS_DEVICE = 1 << 28
# At most this many blocks per group: the block-state scan of a group is a (G+1) x G
# matrix product, whose cost per block (G d e) must stay small next to B^2 d.
_MAX_GROUP_BLOCKS = 64


def decay_slopes(n_heads, *, layer=None, n_layers=None):
    r"""Per-head decay rates of lightning attention (ALiBi's geometric slopes).

    For :math:`H` heads with :math:`H` a power of two the slopes are

    .. math::

        \lambda_h = 2^{-8h/H}, \qquad h = 1, \dots, H,

    a geometric sequence from :math:`2^{-8/H}` down to :math:`2^{-8}` (Press, Smith and
    Lewis, arXiv:2108.12409). For other :math:`H`, with :math:`P = 2^{\lfloor \log_2 H
    \rfloor}`, the first :math:`P` slopes are those of :math:`P` heads and the remaining
    :math:`H - P` are the odd-numbered slopes of :math:`2P` heads,
    :math:`2^{-8(2j+1)/(2P)}`, :math:`j = 0, \dots, H - P - 1` (they interleave the first
    ones). This is the slope tensor of the Lightning Attention and MiniMax code.

    MiniMax-01 also scales the slopes of layer :math:`\ell` of :math:`L` by
    :math:`1 - \ell/(L-1) + 10^{-5}`, so that the last layer barely decays; pass ``layer``
    and ``n_layers`` to get that.

    Parameters
    ----------
    n_heads : int
        Number of heads, at least 1.
    layer : int or None, default=None
        Layer index :math:`\ell \in \{0, \dots, L-1\}`; requires ``n_layers``.
    n_layers : int or None, default=None
        Number of layers :math:`L \ge 2`; requires ``layer``.

    Returns
    -------
    slopes : ndarray of shape (n_heads,)
        float64 decay rates, to pass as ``decay`` to :func:`decayed_linear_attention`
        (convert with ``torch.as_tensor`` if you want them on a device).

    References
    ----------
    O. Press, N. A. Smith, M. Lewis. Train short, test long: attention with linear
    biases enables input length extrapolation. arXiv:2108.12409, 2021.

    MiniMax. MiniMax-01: scaling foundation models with lightning attention.
    arXiv:2501.08313, 2025.

    Examples
    --------
    >>> from statkit.llm import decay_slopes
    >>> decay_slopes(4).tolist()
    [0.25, 0.0625, 0.015625, 0.00390625]
    """
    if not isinstance(n_heads, numbers.Integral) or isinstance(n_heads, bool) or n_heads < 1:
        raise ValueError(f"n_heads must be an integer >= 1, got {n_heads!r}")
    n_heads = int(n_heads)

    def power_of_two(h):
        return [2.0 ** (-8.0 * (i + 1) / h) for i in range(h)]

    p = 1 << (n_heads.bit_length() - 1)  # largest power of two <= n_heads
    slopes = power_of_two(p)
    if p < n_heads:
        slopes += power_of_two(2 * p)[0::2][: n_heads - p]
    slopes = np.asarray(slopes, dtype=np.float64)
    if (layer is None) != (n_layers is None):
        raise ValueError("layer and n_layers must be given together (or both left None)")
    if layer is not None:
        if not isinstance(n_layers, numbers.Integral) or isinstance(n_layers, bool) or n_layers < 2:
            raise ValueError(f"n_layers must be an integer >= 2, got {n_layers!r}")
        if (
            not isinstance(layer, numbers.Integral)
            or isinstance(layer, bool)
            or not 0 <= layer < n_layers
        ):
            raise ValueError(f"layer must be an integer in [0, n_layers - 1], got {layer!r}")
        slopes = slopes * (1.0 - layer / (n_layers - 1) + 1e-5)
    return slopes


# --- validation ---------------------------------------------------------------------------


def _check_block_size(block_size):
    if not isinstance(block_size, numbers.Integral) or isinstance(block_size, bool):
        raise TypeError(f"block_size must be an integer >= 1, got {block_size!r}")
    if block_size < 1:
        raise ValueError(f"block_size must be an integer >= 1, got {block_size}")
    return int(block_size)


def _as_float(x, name, xp):
    if xp is np:
        x = np.asarray(x)
        if x.dtype.kind not in "fiub":
            raise TypeError(f"{name} must be a real floating array, got dtype {x.dtype}")
        return x if x.dtype.kind == "f" else x.astype(np.float64)
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating tensor, got dtype {x.dtype}")
    return x


def _check_inputs(q, k, v, decay, block_size, method):
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    block_size = _check_block_size(block_size)
    xp = get_namespace(q, k, v)
    q, k, v = (_as_float(a, name, xp) for a, name in ((q, "q"), (k, "k"), (v, "v")))
    if q.ndim < 2:
        raise ValueError(f"q must have shape (..., n, d) with at least 2 dimensions, got {q.ndim}")
    if tuple(k.shape) != tuple(q.shape):
        raise ValueError(
            f"k must have the shape of q (..., n, d): q {tuple(q.shape)}, k {tuple(k.shape)}"
        )
    if v.ndim != q.ndim or tuple(v.shape[:-1]) != tuple(q.shape[:-1]):
        raise ValueError(
            "v must have shape (..., n, e) with the leading dimensions of q: "
            f"q {tuple(q.shape)}, v {tuple(v.shape)}"
        )
    # decay: validated on the host (it is tiny), then moved to the inputs' namespace.
    d_host = to_numpy(decay) if is_torch_tensor(decay) else np.asarray(decay)
    if d_host.dtype.kind not in "fiu":
        raise TypeError(f"decay must be a real number or array of reals, got dtype {d_host.dtype}")
    if d_host.ndim > 1:
        raise ValueError(
            "decay must be a number or a 1-D array of per-head rates, "
            f"got an array with {d_host.ndim} dimensions"
        )
    d_host = d_host.astype(np.float64)
    if not np.all(np.isfinite(d_host)) or np.any(d_host < 0):
        raise ValueError(f"decay must be finite and >= 0, got {d_host.tolist()}")
    if d_host.ndim == 1:
        if q.ndim < 3 or d_host.shape[0] != q.shape[-3]:
            n_heads = q.shape[-3] if q.ndim >= 3 else "none (q has no head axis)"
            raise ValueError(
                "a 1-D decay gives one rate per head and needs q of shape (..., heads, n, d) "
                f"with len(decay) == heads; got len(decay) = {d_host.shape[0]}, heads = {n_heads}"
            )
    return xp, q, k, v, d_host, block_size


# --- the three forms ----------------------------------------------------------------------


def _compute_dtype(xp, q, k, v):
    if xp is np:
        return np.result_type(q.dtype, k.dtype, v.dtype)
    torch = xp
    dt = torch.promote_types(torch.promote_types(q.dtype, k.dtype), v.dtype)
    return dt


def _work_dtype(xp, dtype):
    """Half types are computed in float32 (the state sums many terms), then cast back."""
    if xp is not np and dtype in (xp.float16, xp.bfloat16):
        return xp.float32
    if xp is np and dtype == np.float16:
        return np.float32
    return dtype


def _arange(xp, n, like):
    if xp is np:
        return np.arange(n, dtype=like.dtype)
    return xp.arange(n, dtype=like.dtype, device=like.device)


def _rates(xp, decay, like):
    """Decay rates as an array of shape (heads,) or () in ``like``'s namespace/device/dtype."""
    if xp is np:
        return decay.astype(like.dtype)
    return xp.as_tensor(decay, dtype=like.dtype, device=like.device)


def _naive(xp, q, k, v, lam):
    n = q.shape[-2]
    t = _arange(xp, n, q)
    lag = t[:, None] - t[None, :]
    causal = lag >= 0
    lag = xp.where(causal, lag, xp.zeros_like(lag))  # keeps exp's argument <= 0
    lam = lam[..., None, None]  # (heads, 1, 1) or (1, 1)
    mask = xp.where(causal, xp.exp(-lam * lag), xp.zeros_like(lag))
    return ((q @ xp.swapaxes(k, -1, -2)) * mask) @ v


def _recurrent(xp, q, k, v, lam):
    n, d, e = q.shape[-2], q.shape[-1], v.shape[-1]
    gamma = xp.exp(-lam)[..., None, None]  # per-step decay, (heads, 1, 1) or (1, 1)
    lead = tuple(q.shape[:-2])
    if xp is np:
        S = np.zeros((*lead, d, e), dtype=q.dtype)
        out = np.empty((*lead, n, e), dtype=q.dtype)
    else:
        S = xp.zeros((*lead, d, e), dtype=q.dtype, device=q.device)
        out = []
    for t in range(n):
        S = gamma * S + k[..., t, :, None] * v[..., t, None, :]
        o_t = (q[..., t, None, :] @ S)[..., 0, :]
        if xp is np:
            out[..., t, :] = o_t
        else:
            out.append(o_t)
    if xp is np:
        return out
    if n == 0:
        return xp.zeros((*lead, 0, e), dtype=q.dtype, device=q.device)
    return xp.stack(out, dim=-2)


def _pad_tail(xp, x, pad):
    if pad == 0:
        return x
    if xp is np:
        width = [(0, 0)] * x.ndim
        width[-2] = (0, pad)
        return np.pad(x, width)
    return xp.nn.functional.pad(x, (0, 0, 0, pad))


def _block_states(xp, local, S, lam_b):
    """States before each block of a group, and after the group, without a Python loop.

    With g = exp(-lam_b) the decay over one block, the state before block r of the group
    is g^r S + sum_{j<r} g^(r-1-j) local_j (r = 0..G; r = G is the state after the
    group): one (G+1) x G lower-triangular matrix of decay powers times the G local
    states, all exponents >= 0 so no factor exceeds 1.
    """
    G = local.shape[-3]
    lead = tuple(local.shape[:-3])
    d, e = local.shape[-2], local.shape[-1]
    r = _arange(xp, G + 1, local)
    lag = r[:, None] - 1 - r[None, :G]
    below = lag >= 0
    lag = xp.where(below, lag, xp.zeros_like(lag))
    L = xp.where(below, xp.exp(-lam_b[..., None, None] * lag), xp.zeros_like(lag))
    carry = xp.exp(-lam_b[..., None] * r)[..., :, None]  # (h?, G + 1, 1)
    st = L @ local.reshape((*lead, G, d * e)) + carry * S.reshape((*lead, 1, d * e))
    return st[..., :G, :].reshape((*lead, G, d, e)), st[..., G, :].reshape((*lead, d, e))


def _chunked(xp, q, k, v, lam, B):
    n, d, e = q.shape[-2], q.shape[-1], v.shape[-1]
    lead = tuple(q.shape[:-2])
    B = min(B, max(n, 1))
    nb = -(-n // B)
    pad = nb * B - n
    # Zero keys and values in the padded tail add nothing to any state; padded queries'
    # outputs are dropped, so padding is exact.
    Q, K, V = (_pad_tail(xp, x, pad) for x in (q, k, v))
    Q = Q.reshape((*lead, nb, B, d))
    K = K.reshape((*lead, nb, B, d))
    V = V.reshape((*lead, nb, B, e))

    a = _arange(xp, B, q)
    lam_ = lam[..., None]  # (heads, 1) or (1,)
    lag = a[:, None] - a[None, :]
    causal = lag >= 0
    lag = xp.where(causal, lag, xp.zeros_like(lag))
    D = xp.where(causal, xp.exp(-lam_[..., None] * lag), xp.zeros_like(lag))  # (h?, B, B)
    alpha = xp.exp(-lam_ * (a + 1))  # (h?, B): query weight of the carried state
    beta = xp.exp(-lam_ * (B - 1 - a))  # (h?, B): key weight into the next state

    # Add a block axis to the per-head factors so that they broadcast over (..., h, nb, ., .).
    D = D[..., None, :, :]
    alpha = alpha[..., None, :, None]
    beta = beta[..., None, :, None]

    # Blocks are processed in groups of G, each group in a few batched matrix products; G
    # bounds the temporaries (the B x B score blocks dominate) to about _MAX_ELEMENTS.
    lead_size = int(np.prod(lead, dtype=np.int64))
    per_block = max(1, lead_size * (B * B + 2 * B * e + d * e))
    on_gpu = xp is not np and q.device.type != "cpu"
    budget = _MAX_ELEMENTS_DEVICE if on_gpu else _MAX_ELEMENTS_CPU
    G = max(1, min(nb, _MAX_GROUP_BLOCKS, budget // per_block))

    S = xp.zeros((*lead, d, e), dtype=q.dtype) if xp is np else q.new_zeros((*lead, d, e))
    if xp is np:
        out = np.empty((*lead, nb, B, e), dtype=q.dtype)
    else:
        pieces = []
    for g0 in range(0, nb, G):
        g1 = min(nb, g0 + G)
        Qg, Kg, Vg = Q[..., g0:g1, :, :], K[..., g0:g1, :, :], V[..., g0:g1, :, :]
        scores = Qg @ xp.swapaxes(Kg, -1, -2)
        scores *= D  # in place: matmul's backward needs Qg, Kg, not its output
        intra = scores @ Vg  # (..., G, B, e)
        local = xp.swapaxes(Kg * beta, -1, -2) @ Vg  # (..., G, d, e): each block's own state
        states, S = _block_states(xp, local, S, lam * B)
        res = intra + (Qg * alpha) @ states  # (..., G, B, e)
        if xp is np:
            out[..., g0:g1, :, :] = res
        else:
            pieces.append(res)
    if xp is not np:
        out = xp.cat(pieces, dim=-3)
    return out.reshape((*lead, nb * B, e))[..., :n, :]


def decayed_linear_attention(q, k, v, decay, block_size=256, method="chunked"):
    r"""Causal linear attention with exponential decay ("lightning attention").

    Computes, for every head and every position :math:`t`,

    .. math::

        o_t = \sum_{s \le t} e^{-\lambda (t - s)} (q_t \cdot k_s)\, v_s ,

    i.e. :math:`O = [(QK^\top) \odot M] V` with :math:`M_{ts} = e^{-\lambda(t-s)}` for
    :math:`t \ge s` and 0 otherwise. :math:`\lambda = 0` is plain causal linear attention;
    a large :math:`\lambda` keeps only :math:`o_t = (q_t \cdot k_t) v_t`.

    Three methods compute the same quantity:

    - ``"chunked"`` (default): the tiled algorithm of Lightning Attention-2. Blocks of
      ``block_size`` positions; inside a block the masked product
      :math:`[(Q_i K_i^\top) \odot D] V_i` with :math:`D_{ac} = e^{-\lambda(a-c)}
      \mathbf 1(a \ge c)`; across blocks a :math:`d \times e` state

      .. math::

          S_{(i+1)} = e^{-\lambda B} S_{(i)} + (K_i \odot \beta)^\top V_i,\quad
          \beta_c = e^{-\lambda(B-1-c)},

      read by :math:`(Q_i \odot \alpha) S_{(i)}` with :math:`\alpha_a = e^{-\lambda(a+1)}`.
      Blocks are processed in groups of :math:`G \le 64`, each group in a few batched
      matrix products; the states before its blocks are one more product, with the
      :math:`(G+1) \times G` matrix of powers :math:`e^{-\lambda B (r - 1 - j)}`,
      :math:`j < r`. Only the loop over groups is sequential, and :math:`G` keeps the
      temporaries (the :math:`B \times B` score blocks) within about :math:`2^{24}`
      elements on the CPU and :math:`2^{28}` on an accelerator. Cost
      :math:`O(nB(d+e) + nde(1 + G/B))` time per head.
    - ``"recurrent"``: the decoding form :math:`S_t = e^{-\lambda} S_{t-1} + k_t v_t^\top`,
      :math:`o_t = S_t^\top q_t`; :math:`n` sequential steps.
    - ``"naive"``: the masked :math:`n \times n` product; :math:`O(n^2)` time and memory.

    Parameters
    ----------
    q, k : array of shape (..., heads, n, d) or (..., n, d)
        Queries and keys (numpy arrays or torch tensors, all of one namespace and device).
        The last two axes are positions and features; any leading axes are batch (and,
        with a per-head ``decay``, the third-last axis is the head axis).
    v : array of shape (..., heads, n, e) or (..., n, e)
        Values, with the leading axes of ``q``.
    decay : float or array of shape (heads,)
        Decay rate(s) :math:`\lambda \ge 0`, one per head for a 1-D array (see
        :func:`decay_slopes`); finite. A numpy array or list is moved to the inputs'
        device.
    block_size : int, default=256
        Block length :math:`B \ge 1` of the chunked method (MiniMax uses 256); ignored by
        the other methods. A value above ``n`` gives one block.
    method : {"chunked", "recurrent", "naive"}, default="chunked"

    Returns
    -------
    out : array of shape (..., heads, n, e)
        In the namespace, device and dtype of the inputs (numpy in, numpy out; torch in,
        torch out). Mixed float dtypes promote; integer numpy input is computed in
        float64; float16/bfloat16 are computed in float32 and cast back.

    Raises
    ------
    ValueError
        On mismatched shapes, ``decay`` negative, non-finite or of the wrong length, an
        unknown ``method`` or ``block_size < 1``.
    TypeError
        On a non-integer ``block_size``, non-floating tensors, a non-numeric ``decay``,
        or numpy arrays mixed with torch tensors.

    Notes
    -----
    The torch path is differentiable (autograd) in ``q``, ``k`` and ``v`` (not in
    ``decay``, which is read as data) and runs wherever the tensors live; the
    numpy path uses the same batched matrix products (BLAS). NaN or infinite entries of
    ``q``, ``k``, ``v`` are not checked (that would force a device sync) and propagate.

    References
    ----------
    Z. Qin, W. Sun, D. Li, X. Shen, W. Sun, Y. Zhong. Lightning Attention-2: a free lunch
    for handling unlimited sequence lengths in large language models. arXiv:2401.04658,
    2024.

    MiniMax. MiniMax-01: scaling foundation models with lightning attention.
    arXiv:2501.08313, 2025.

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.llm import decayed_linear_attention, decay_slopes
    >>> rng = np.random.default_rng(0)
    >>> q, k, v = rng.standard_normal((3, 2, 4, 10, 8))  # batch 2, 4 heads, n=10, d=8
    >>> out = decayed_linear_attention(q, k, v, decay_slopes(4), block_size=4)
    >>> out.shape
    (2, 4, 10, 8)
    >>> ref = decayed_linear_attention(q, k, v, decay_slopes(4), method="recurrent")
    >>> bool(np.allclose(out, ref, rtol=1e-12, atol=1e-12))
    True
    """
    xp, q, k, v, decay, B = _check_inputs(q, k, v, decay, block_size, method)
    out_dtype = _compute_dtype(xp, q, k, v)
    work = _work_dtype(xp, out_dtype)
    if xp is np:
        q, k, v = (np.asarray(a, dtype=work) for a in (q, k, v))
    else:
        q, k, v = (a.to(work) for a in (q, k, v))
    lam = _rates(xp, decay, q)
    if q.shape[-2] == 0:
        out = v * 0  # n = 0: shape (..., 0, e), nothing to compute
    elif method == "chunked":
        out = _chunked(xp, q, k, v, lam, B)
    elif method == "recurrent":
        out = _recurrent(xp, q, k, v, lam)
    else:
        out = _naive(xp, q, k, v, lam)
    if xp is np:
        return out.astype(out_dtype, copy=False)
    return out.to(out_dtype)
