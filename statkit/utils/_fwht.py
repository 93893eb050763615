r"""Fast Walsh-Hadamard transform, for numpy arrays and torch tensors."""

import math
import numbers

import numpy as np

from statkit._backend import get_namespace

__all__ = ["fwht"]


def _empty(xp, like):
    """A C-contiguous buffer of ``like``'s shape, dtype (and device)."""
    if xp is np:
        return np.empty(like.shape, dtype=like.dtype)
    return xp.empty(tuple(like.shape), dtype=like.dtype, device=like.device)


def fwht(x, axis=-1, *, normalize=True):
    r"""Fast Walsh-Hadamard transform along one axis.

    Multiplies each slice along ``axis`` (length :math:`n = 2^m`) by the Sylvester
    Hadamard matrix in natural order,

    .. math::

        H_1 = (1), \qquad H_{2n} = \begin{pmatrix} H_n & H_n \\ H_n & -H_n \end{pmatrix},
        \qquad y = \frac{1}{\sqrt n} H_n x \ \text{(normalize=True)}, \qquad y = H_n x
        \ \text{(normalize=False)},

    in :math:`O(n \log n)` operations: :math:`H_n = H_2^{\otimes m}`, so each of the
    :math:`m` butterfly passes applies :math:`H_2` to one bit of the index,
    :math:`(a, b) \mapsto (a + b, a - b)`. ``H_n`` is the matrix of
    :func:`scipy.linalg.hadamard`. With ``normalize=True`` the map is orthogonal and
    symmetric, hence its own inverse: ``fwht(fwht(x)) == x``, and it preserves Euclidean
    norms (the random-rotation step of Hadamard sketches and of RotateKV-style
    quantisation).

    Parameters
    ----------
    x : array-like or torch tensor
        Data; the length of ``axis`` must be a power of two (1 included). numpy integer
        or boolean input is transformed in float64; torch tensors must be floating or
        complex.
    axis : int, default=-1
        Axis along which to transform.
    normalize : bool, default=True
        Divide by :math:`\sqrt n` (orthonormal transform).

    Returns
    -------
    y : array of the shape of ``x``
        In the namespace, device and dtype of ``x``.

    Raises
    ------
    ValueError
        If the length along ``axis`` is not a power of two or ``axis`` is out of range.
    TypeError
        If ``axis`` is not an integer, ``normalize`` not a bool, or a tensor is not
        floating.

    References
    ----------
    Z. Su, Z. Chen, W. Shen, H. Wei, L. Li, H. Yu, K. Yuan. RotateKV: accurate and robust
    2-bit KV cache quantization for LLMs via outlier-aware adaptive rotations. IJCAI 2025;
    arXiv:2501.16383 (where the orthonormal FWHT rotates keys and values before
    quantisation).

    Examples
    --------
    >>> import numpy as np
    >>> from statkit.utils import fwht
    >>> fwht(np.array([1.0, 0.0, 0.0, 0.0]), normalize=False).tolist()
    [1.0, 1.0, 1.0, 1.0]
    >>> x = np.arange(8.0)
    >>> bool(np.allclose(fwht(fwht(x)), x))
    True
    """
    xp = get_namespace(x)
    if not isinstance(axis, numbers.Integral) or isinstance(axis, bool):
        raise TypeError(f"axis must be an integer, got {axis!r}")
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be a bool, got {normalize!r}")
    if xp is np:
        x = np.asarray(x)
        if x.dtype.kind not in "fc":
            if x.dtype.kind not in "iub":
                raise TypeError(f"x must be numeric, got dtype {x.dtype}")
            x = x.astype(np.float64)
    elif not (x.is_floating_point() or x.is_complex()):
        raise TypeError(f"x must be a floating or complex tensor, got dtype {x.dtype}")
    if x.ndim == 0:
        raise ValueError("x must have at least one dimension")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis must be in [{-x.ndim}, {x.ndim - 1}] for x.ndim={x.ndim}: {axis}")
    axis = axis % x.ndim
    n = x.shape[axis]
    if n < 1 or n & (n - 1):
        raise ValueError(f"the length of x along axis {axis} must be a power of two, got {n}")

    y = xp.moveaxis(x, axis, -1)
    lead = tuple(y.shape[:-1])
    if n == 1:
        y = y / 1.0 if normalize else (y.copy() if xp is np else y.clone())  # never a view
        return xp.moveaxis(y, -1, axis)
    if xp is not np and y.requires_grad and xp.is_grad_enabled():
        # autograd: out-of-place butterflies (``out=`` buffers are not differentiable)
        h = n // 2
        while h >= 1:
            # View the last axis as (n / 2h, 2, h): the middle axis is one bit of the index.
            z = y.reshape((*lead, n // (2 * h), 2, h))
            a, b = z[..., 0, :], z[..., 1, :]
            y = xp.stack((a + b, a - b), dim=-2).reshape((*lead, n))
            h //= 2
        if normalize:
            y = y * (1.0 / math.sqrt(n))
        return xp.moveaxis(y, -1, axis)
    # Two buffers used in turn: each pass reads one and writes the other, so a pass moves
    # the array twice through memory; the input itself is never written.
    src, dst, h = y, _empty(xp, y), n // 2
    while h >= 1:
        # View the last axis as (n / 2h, 2, h): the middle axis is one bit of the index.
        z = src.reshape((*lead, n // (2 * h), 2, h))
        w = dst.reshape((*lead, n // (2 * h), 2, h))  # a view: dst is C-contiguous
        a, b = z[..., 0, :], z[..., 1, :]
        xp.add(a, b, out=w[..., 0, :])
        xp.subtract(a, b, out=w[..., 1, :])
        h //= 2
        # the next destination: the buffer just read, unless that was the input
        src, dst = dst, (None if h < 1 else src if src is not y else _empty(xp, y))
    if normalize:
        src *= 1.0 / math.sqrt(n)  # our own buffer; a Python float keeps the dtype
    return xp.moveaxis(src, -1, axis)
