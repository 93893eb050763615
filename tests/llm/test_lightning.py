"""Tests of statkit.llm.decayed_linear_attention and decay_slopes.

Oracles, none of them the code under test:

- ``statkit._testing.reference.decayed_linear_attention``: the defining sum
  o_t = sum_{s<=t} exp(-lambda (t-s)) (q_t . k_s) v_s evaluated term by term in float64
  (pure Python loops; no mask, block or recurrence);
- for zero decay, a running sum of outer products (``np.cumsum``), o_t = q_t^T sum_{s<=t}
  k_s v_s^T;
- for a decay so large that exp(-lambda) underflows to 0, the closed form
  o_t = (q_t . k_t) v_t;
- the slopes' closed form 2^(-8h/H) (and the interleaving rule), written out by hand;
- finite differences (``torch.autograd.gradcheck``) for the torch gradient.

Tolerances: float64 must agree to 1e-12 in absolute terms (outputs are of order 1-50).
float32 uses the standard forward error bound of a sum of m products,
|fl(sum) - sum| <= m u sum |terms| (Higham, Accuracy and Stability, Sec. 3.1), with
m = d + n an upper bound on the number of products summed into any output entry and
u = finfo(float32).eps; sum |terms| is the reference evaluated on |q|, |k|, |v|, which
bounds sum_s exp(-lambda (t-s)) |q_t . k_s| |v_s|. The reference for float32 cases is
computed from the float32-rounded inputs, so the bound only has to cover arithmetic.
"""

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statkit._testing import reference
from statkit.llm import decay_slopes, decayed_linear_attention

METHODS = ("chunked", "recurrent", "naive")


@functools.cache
def _problem(shape, e, decay_kind, dtype, seed=0):
    """Inputs (float64 numpy, rounded to ``dtype``), decay, reference and |terms| bound."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal(shape).astype(dtype).astype(np.float64)
    k = rng.standard_normal(shape).astype(dtype).astype(np.float64)
    v = rng.standard_normal((*shape[:-1], e)).astype(dtype).astype(np.float64)
    if decay_kind == "slopes":
        decay = decay_slopes(shape[-3])
    else:
        decay = np.asarray(decay_kind, dtype=np.float64)
    ref = reference.decayed_linear_attention(q, k, v, decay)
    ref_abs = reference.decayed_linear_attention(np.abs(q), np.abs(k), np.abs(v), decay)
    return q, k, v, decay, ref, ref_abs


def _assert_close(case, out, ref, ref_abs, d):
    """float64: absolute 1e-12. float32: |err| <= (n + d + 64) u sum|terms| elementwise; the
    64 covers the roundings of the exp factors and of the decay products along the scan."""
    case.check_output(out)
    got = case.to_numpy(out).astype(np.float64)
    assert got.shape == ref.shape
    if case.dtype == "float64":
        err = np.max(np.abs(got - ref), initial=0.0)
        assert err <= 1e-12, err
    else:
        m = ref.shape[-2] + d + 64
        bound = m * float(np.finfo(case.dtype).eps) * ref_abs + 1e-30
        excess = np.abs(got - ref) / bound
        assert np.all(excess <= 1.0), float(excess.max())


# (heads, n, block_size): tail blocks, n < B, B = 1, B = n, B > n, heads not a power of 2
SHAPES = [
    (8, 37, 8),
    (6, 64, 16),
    (12, 100, 32),
    (3, 5, 16),
    (4, 23, 1),
    (4, 23, 23),
    (4, 23, 22),
    (5, 40, 7),
    (2, 130, 1),  # 130 blocks: more than one group of at most 64
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("h", "n", "B"), SHAPES)
def test_matches_reference(xp_case, method, h, n, B):
    q, k, v, decay, ref, ref_abs = _problem((h, n, 16), 12, "slopes", xp_case.dtype)
    args = [xp_case.asarray(a) for a in (q, k, v)]
    out = decayed_linear_attention(*args, decay, block_size=B, method=method)
    _assert_close(xp_case, out, ref, ref_abs, q.shape[-1])


@pytest.mark.parametrize("B", [1, 3, 4, 13, 256])
def test_chunked_block_sizes_batch_axes(xp_case, B):
    # batch 2, 3 heads; decay given in the inputs' namespace (a tensor for torch cases)
    q, k, v, decay, ref, ref_abs = _problem((2, 3, 26, 8), 8, "slopes", xp_case.dtype)
    args = [xp_case.asarray(a) for a in (q, k, v)]
    out = decayed_linear_attention(*args, xp_case.asarray(decay), block_size=B)
    _assert_close(xp_case, out, ref, ref_abs, q.shape[-1])


@pytest.mark.parametrize("budget", [1, 3000, 10**6])
def test_chunked_in_groups_of_blocks(xp_case, monkeypatch, budget):
    # a small element budget splits the 9 blocks into groups (1 block, a few, all at once);
    # the state must carry across group boundaries
    from statkit.llm import _lightning

    monkeypatch.setattr(_lightning, "_MAX_ELEMENTS_CPU", budget)
    monkeypatch.setattr(_lightning, "_MAX_ELEMENTS_DEVICE", budget)
    q, k, v, decay, ref, ref_abs = _problem((2, 3, 26, 8), 8, "slopes", xp_case.dtype)
    args = [xp_case.asarray(a) for a in (q, k, v)]
    out = decayed_linear_attention(*args, decay, block_size=3)
    _assert_close(xp_case, out, ref, ref_abs, q.shape[-1])


@pytest.mark.parametrize("method", METHODS)
def test_distinct_head_decays(xp_case, method):
    # one head without decay, one barely, one strongly, one cut to the diagonal
    q, k, v, decay, ref, ref_abs = _problem((4, 30, 6), 5, (0.0, 0.05, 1.0, 30.0), xp_case.dtype)
    args = [xp_case.asarray(a) for a in (q, k, v)]
    out = decayed_linear_attention(*args, decay.tolist(), block_size=8, method=method)
    _assert_close(xp_case, out, ref, ref_abs, q.shape[-1])


@pytest.mark.parametrize("method", METHODS)
def test_two_dimensional_input_scalar_decay(xp_case, method):
    q, k, v, _decay, ref, ref_abs = _problem((19, 5), 3, 0.3, xp_case.dtype)
    args = [xp_case.asarray(a) for a in (q, k, v)]
    out = decayed_linear_attention(*args, 0.3, block_size=4, method=method)
    _assert_close(xp_case, out, ref, ref_abs, q.shape[-1])


@pytest.mark.parametrize("method", METHODS)
def test_zero_decay_is_causal_linear_attention(xp_case, method):
    rng = np.random.default_rng(1)
    q, k = rng.standard_normal((2, 3, 41, 8))
    v = rng.standard_normal((3, 41, 5))
    q, k, v = (a.astype(xp_case.dtype).astype(np.float64) for a in (q, k, v))
    S = np.cumsum(k[..., :, None] * v[..., None, :], axis=-3)  # S_t = sum_{s<=t} k_s v_s^T
    want = np.einsum("htd,htde->hte", q, S)
    want_abs = np.einsum(
        "htd,htde->hte", np.abs(q), np.cumsum(np.abs(k)[..., None] * np.abs(v)[..., None, :], -3)
    )
    args = [xp_case.asarray(a) for a in (q, k, v)]
    out = decayed_linear_attention(*args, np.zeros(3), block_size=16, method=method)
    _assert_close(xp_case, out, want, want_abs, q.shape[-1])


@pytest.mark.parametrize("method", METHODS)
def test_huge_decay_keeps_only_the_diagonal(xp_case, method):
    rng = np.random.default_rng(2)
    q, k = rng.standard_normal((2, 2, 17, 4))
    v = rng.standard_normal((2, 17, 3))
    q, k, v = (a.astype(xp_case.dtype).astype(np.float64) for a in (q, k, v))
    want = np.sum(q * k, axis=-1)[..., None] * v  # exp(-1000) == 0 in float32 and float64
    want_abs = np.sum(np.abs(q * k), axis=-1)[..., None] * np.abs(v)
    args = [xp_case.asarray(a) for a in (q, k, v)]
    out = decayed_linear_attention(*args, 1000.0, block_size=5, method=method)
    _assert_close(xp_case, out, want, want_abs, q.shape[-1])


@pytest.mark.parametrize("method", METHODS)
def test_empty_sequence(xp_case, method):
    q = xp_case.asarray(np.zeros((2, 0, 4)))
    v = xp_case.asarray(np.zeros((2, 0, 3)))
    out = decayed_linear_attention(q, q, v, [0.1, 0.2], method=method)
    xp_case.check_output(out)
    assert tuple(out.shape) == (2, 0, 3)


def test_numpy_integer_input_is_float64():
    rng = np.random.default_rng(3)
    q, k, v = rng.integers(-3, 4, size=(3, 2, 9, 4))
    out = decayed_linear_attention(q, k, v, [0.0, 0.5], block_size=4)
    assert out.dtype == np.float64
    ref = reference.decayed_linear_attention(q, k, v, [0.0, 0.5])
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-12)


def test_torch_bfloat16_computed_in_float32():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    q, k, v = (torch.as_tensor(a).to(torch.bfloat16) for a in rng.standard_normal((3, 2, 20, 8)))
    out = decayed_linear_attention(q, k, v, [0.1, 0.7], block_size=8)
    assert out.dtype == torch.bfloat16
    q64, k64, v64 = (a.double().numpy() for a in (q, k, v))
    ref = reference.decayed_linear_attention(q64, k64, v64, [0.1, 0.7])
    ref_abs = reference.decayed_linear_attention(np.abs(q64), np.abs(k64), np.abs(v64), [0.1, 0.7])
    # float32 arithmetic (bound as above) plus one rounding to bfloat16 (eps 2^-7 / 2)
    bound = 100 * float(np.finfo(np.float32).eps) * ref_abs + 2.0**-8 * np.abs(ref) + 1e-30
    assert np.all(np.abs(out.double().numpy() - ref) <= bound)


@pytest.mark.parametrize("method", METHODS)
def test_torch_gradient_matches_finite_differences(method):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    q, k, v = (
        torch.tensor(a, dtype=torch.float64, requires_grad=True)
        for a in rng.standard_normal((3, 2, 11, 3))
    )
    decay = [0.2, 0.9]
    assert torch.autograd.gradcheck(
        lambda q, k, v: decayed_linear_attention(q, k, v, decay, block_size=4, method=method),
        (q, k, v),
    )


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(1, 4),
    n=st.integers(0, 30),
    d=st.integers(1, 6),
    e=st.integers(1, 5),
    B=st.integers(1, 40),
    method=st.sampled_from(METHODS),
    data=st.data(),
)
def test_random_shapes_and_decays(h, n, d, e, B, method, data):
    decay = data.draw(st.lists(st.floats(0.0, 8.0), min_size=h, max_size=h))
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    q, k = rng.standard_normal((2, 2, h, n, d))
    v = rng.standard_normal((2, h, n, e))
    out = decayed_linear_attention(q, k, v, decay, block_size=B, method=method)
    ref = reference.decayed_linear_attention(q, k, v, decay)
    ref_abs = reference.decayed_linear_attention(np.abs(q), np.abs(k), np.abs(v), decay)
    # float64 forward-error bound, as for float32 above
    bound = (n + d + 64) * np.finfo(np.float64).eps * ref_abs + 1e-300
    assert out.shape == ref.shape
    assert np.all(np.abs(out - ref) <= bound)


# --- the slopes ---------------------------------------------------------------------------


def test_decay_slopes_closed_form():
    np.testing.assert_array_equal(decay_slopes(1), [2.0**-8])
    np.testing.assert_array_equal(decay_slopes(8), [2.0**-i for i in range(1, 9)])
    np.testing.assert_allclose(decay_slopes(16), [2.0 ** (-i / 2) for i in range(1, 17)])
    # 3 heads: the 2-head slopes (2^-4, 2^-8), then the first odd slope of 4 heads (2^-2)
    np.testing.assert_allclose(decay_slopes(3), [2.0**-4, 2.0**-8, 2.0**-2], rtol=1e-15)
    # 12 heads: the 8-head slopes, then 2^-(2j+1)/2 for j = 0..3 (odd slopes of 16 heads)
    want12 = [2.0**-i for i in range(1, 9)] + [2.0**-0.5, 2.0**-1.5, 2.0**-2.5, 2.0**-3.5]
    np.testing.assert_allclose(decay_slopes(12), want12, rtol=1e-15)
    assert decay_slopes(12).dtype == np.float64


def test_decay_slopes_layer_scaling():
    base = np.array([2.0**-i for i in range(1, 9)])
    np.testing.assert_allclose(decay_slopes(8, layer=0, n_layers=5), base * (1 + 1e-5))
    np.testing.assert_allclose(decay_slopes(8, layer=2, n_layers=5), base * (0.5 + 1e-5))
    np.testing.assert_allclose(decay_slopes(8, layer=4, n_layers=5), base * 1e-5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_heads": 0}, "n_heads"),
        ({"n_heads": 2.0}, "n_heads"),
        ({"n_heads": True}, "n_heads"),
        ({"n_heads": 4, "layer": 1}, "together"),
        ({"n_heads": 4, "layer": 1, "n_layers": 1}, "n_layers"),
        ({"n_heads": 4, "layer": 3, "n_layers": 3}, "layer"),
        ({"n_heads": 4, "layer": -1, "n_layers": 3}, "layer"),
    ],
)
def test_decay_slopes_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        decay_slopes(**kwargs)


# --- bad input ----------------------------------------------------------------------------


def _qkv(h=2, n=6, d=4, e=3):
    rng = np.random.default_rng(6)
    return (
        rng.standard_normal((h, n, d)),
        rng.standard_normal((h, n, d)),
        rng.standard_normal((h, n, e)),
    )


@pytest.mark.parametrize(
    ("change", "exc", "match"),
    [
        (lambda q, k, v: ((q, k[:, :5], v), {}), ValueError, "k must have the shape of q"),
        (lambda q, k, v: ((q, k[..., :3], v), {}), ValueError, "k must have the shape of q"),
        (lambda q, k, v: ((q, k, v[:, :5]), {}), ValueError, "v must have shape"),
        (lambda q, k, v: ((q, k, v[0]), {}), ValueError, "v must have shape"),
        (lambda q, k, v: ((q[0, 0], k[0, 0], v[0, 0]), {}), ValueError, "at least 2"),
        (lambda q, k, v: ((q, k, v), {"decay": -0.1}), ValueError, "decay must be finite and >= 0"),
        (lambda q, k, v: ((q, k, v), {"decay": [0.1, -1]}), ValueError, ">= 0"),
        (lambda q, k, v: ((q, k, v), {"decay": np.nan}), ValueError, "finite"),
        (lambda q, k, v: ((q, k, v), {"decay": np.inf}), ValueError, "finite"),
        (lambda q, k, v: ((q, k, v), {"decay": [0.1, 0.2, 0.3]}), ValueError, "one rate per head"),
        (lambda q, k, v: ((q[0], k[0], v[0]), {"decay": [0.1]}), ValueError, "one rate per head"),
        (lambda q, k, v: ((q, k, v), {"decay": [[0.1, 0.2]]}), ValueError, "1-D"),
        (lambda q, k, v: ((q, k, v), {"decay": "0.1"}), TypeError, "decay must be a real"),
        (lambda q, k, v: ((q, k, v), {"block_size": 0}), ValueError, "block_size must be"),
        (lambda q, k, v: ((q, k, v), {"block_size": -3}), ValueError, "block_size must be"),
        (lambda q, k, v: ((q, k, v), {"block_size": 2.5}), TypeError, "block_size must be"),
        (lambda q, k, v: ((q, k, v), {"block_size": True}), TypeError, "block_size must be"),
        (lambda q, k, v: ((q, k, v), {"method": "fast"}), ValueError, "method must be one of"),
        (lambda q, k, v: ((q.astype(complex), k, v), {}), TypeError, "real floating"),
    ],
)
def test_bad_input(change, exc, match):
    args, kwargs = change(*_qkv())
    kwargs.setdefault("decay", 0.1)
    with pytest.raises(exc, match=match):
        decayed_linear_attention(*args, **kwargs)


def test_bad_input_torch():
    torch = pytest.importorskip("torch")
    q, k, v = _qkv()
    with pytest.raises(TypeError, match="mix numpy arrays and torch tensors"):
        decayed_linear_attention(torch.as_tensor(q), k, v, 0.1)
    with pytest.raises(TypeError, match="floating tensor"):
        decayed_linear_attention(*(torch.ones(2, 6, 4, dtype=torch.int64),) * 3, 0.1)
    with pytest.raises(ValueError, match=">= 0"):
        decayed_linear_attention(*map(torch.as_tensor, (q, k, v)), torch.tensor([0.1, -0.2]))
