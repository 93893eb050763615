"""Tests of statkit.utils._validation.

Oracles: ``numpy.random.default_rng`` / ``SeedSequence`` streams drawn directly, dtypes
and shapes written out by hand, and the documented error types and messages.
"""

import math
from fractions import Fraction

import numpy as np
import pytest

from statkit.utils import (
    check_positive,
    check_random_state,
    check_samples,
    check_seed_sequence,
    to_numpy,
)

try:
    import torch
except ImportError:  # pragma: no cover - torch is an optional extra
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


# --------------------------------------------------------------------------------------
# check_random_state
# --------------------------------------------------------------------------------------


def test_check_random_state_none_gives_fresh_generator():
    a = check_random_state(None)
    b = check_random_state(None)
    assert isinstance(a, np.random.Generator)
    assert a is not b
    # fresh OS entropy: two draws of 4 uint64 coincide with probability 2**-256
    assert not np.array_equal(a.integers(0, 2**63, size=4), b.integers(0, 2**63, size=4))


@pytest.mark.parametrize("seed", [0, 1, 42, 2**32, 2**63 - 1, 2**100, np.int64(7), np.uint8(3)])
def test_check_random_state_int_matches_default_rng(seed):
    rng = check_random_state(seed)
    assert isinstance(rng, np.random.Generator)
    expected = np.random.default_rng(int(seed)).random(5)
    np.testing.assert_array_equal(rng.random(5), expected)


def test_check_random_state_same_int_same_stream():
    a = check_random_state(123).normal(size=10)
    b = check_random_state(123).normal(size=10)
    c = check_random_state(124).normal(size=10)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_check_random_state_seed_sequence():
    ss = np.random.SeedSequence(2024)
    rng = check_random_state(ss)
    assert isinstance(rng, np.random.Generator)
    np.testing.assert_array_equal(
        rng.random(4), np.random.default_rng(np.random.SeedSequence(2024)).random(4)
    )
    # spawned children give independent, reproducible streams
    c1, c2 = np.random.SeedSequence(5).spawn(2)
    d1, d2 = np.random.SeedSequence(5).spawn(2)
    np.testing.assert_array_equal(
        check_random_state(c1).random(3), check_random_state(d1).random(3)
    )
    assert not np.array_equal(check_random_state(c1).random(3), check_random_state(c2).random(3))
    del d2


def test_check_random_state_generator_passthrough_identity():
    g = np.random.default_rng(0)
    assert check_random_state(g) is g
    # shared, not copied: drawing through the result advances the original
    before = np.random.default_rng(0)
    check_random_state(g).random(3)
    before.random(3)
    assert g.random() == before.random()


@pytest.mark.parametrize("seed", [-1, -(2**40), np.int64(-3)])
def test_check_random_state_negative_int(seed):
    with pytest.raises(ValueError, match="random_state") as info:
        check_random_state(seed)
    assert "non-negative" in str(info.value)


@pytest.mark.parametrize(
    "bad",
    [1.0, 0.5, float("nan"), "0", "seed", True, False, np.bool_(True), [1, 2], b"1", 1j],
    ids=repr,
)
def test_check_random_state_type_errors(bad):
    with pytest.raises(TypeError, match="random_state"):
        check_random_state(bad)


def test_check_random_state_refuses_legacy_random_state():
    with pytest.raises(TypeError, match="random_state"):
        check_random_state(np.random.RandomState(0))


# --------------------------------------------------------------------------------------
# check_seed_sequence
# --------------------------------------------------------------------------------------


def test_check_seed_sequence():
    ss = np.random.SeedSequence(9)
    assert check_seed_sequence(ss) is ss
    s1 = check_seed_sequence(9)
    assert isinstance(s1, np.random.SeedSequence)
    assert s1.entropy == 9
    np.testing.assert_array_equal(s1.generate_state(4), np.random.SeedSequence(9).generate_state(4))
    assert check_seed_sequence(np.int32(9)).entropy == 9
    fresh_a, fresh_b = check_seed_sequence(None), check_seed_sequence(None)
    assert isinstance(fresh_a, np.random.SeedSequence)
    assert fresh_a.entropy != fresh_b.entropy  # 128 bits of OS entropy each


def test_check_seed_sequence_spawn_reproducible():
    kids_a = check_seed_sequence(11).spawn(3)
    kids_b = np.random.SeedSequence(11).spawn(3)
    for a, b in zip(kids_a, kids_b, strict=True):
        np.testing.assert_array_equal(a.generate_state(2), b.generate_state(2))


def test_check_seed_sequence_errors():
    with pytest.raises(ValueError, match="random_state"):
        check_seed_sequence(-5)
    for bad in (1.5, "3", True, np.random.default_rng(0)):
        with pytest.raises(TypeError, match="random_state"):
            check_seed_sequence(bad)


# --------------------------------------------------------------------------------------
# check_positive
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [(1, 1.0), (0.5, 0.5), (np.float32(2.5), 2.5), (np.int64(3), 3.0), (Fraction(1, 4), 0.25)],
)
def test_check_positive_accepts_and_returns_float(value, expected):
    out = check_positive(value, "alpha")
    assert type(out) is float
    assert out == expected


def test_check_positive_large_python_int():
    assert check_positive(2**64, "alpha") == float(2**64)
    with pytest.raises(ValueError, match="alpha"):
        check_positive(10**400, "alpha")  # not representable as a float


@pytest.mark.parametrize("value", [True, False, np.bool_(True)], ids=repr)
def test_check_positive_bool_is_type_error(value):
    with pytest.raises(TypeError, match="sigma"):
        check_positive(value, "sigma")
    with pytest.raises(TypeError, match="sigma"):
        check_positive(value, "sigma", integer=True)


@pytest.mark.parametrize("value", ["1", None, [1.0], 1 + 0j, np.array(1.0)], ids=repr)
def test_check_positive_non_real_is_type_error(value):
    with pytest.raises(TypeError, match="epsilon"):
        check_positive(value, "epsilon")


@pytest.mark.parametrize("nan", [float("nan"), np.float32("nan"), np.nan])
def test_check_positive_nan(nan):
    with pytest.raises(ValueError, match=r"delta.*NaN"):
        check_positive(nan, "delta")
    with pytest.raises(ValueError, match="delta"):
        check_positive(nan, "delta", allow_inf=True, strict=False)


def test_check_positive_inf():
    with pytest.raises(ValueError, match="lam must be finite"):
        check_positive(math.inf, "lam")
    with pytest.raises(ValueError, match="lam must be finite"):
        check_positive(np.float64("inf"), "lam", strict=False)
    assert check_positive(math.inf, "lam", allow_inf=True) == math.inf
    # -inf is never positive
    with pytest.raises(ValueError, match="lam"):
        check_positive(-math.inf, "lam", allow_inf=True)


def test_check_positive_zero_strict_and_non_strict():
    with pytest.raises(ValueError, match=r"rate must be > 0, got 0"):
        check_positive(0, "rate")
    with pytest.raises(ValueError, match=r"rate must be > 0"):
        check_positive(0.0, "rate")
    assert check_positive(0, "rate", strict=False) == 0.0
    assert check_positive(0.0, "rate", strict=False) == 0.0
    with pytest.raises(ValueError, match=r"rate must be >= 0, got -1"):
        check_positive(-1, "rate", strict=False)
    with pytest.raises(ValueError, match=r"rate must be > 0, got -1e-300"):
        check_positive(-1e-300, "rate")
    assert check_positive(5e-324, "rate") == 5e-324  # smallest subnormal is > 0


def test_check_positive_integer_mode():
    out = check_positive(3, "n_components", integer=True)
    assert type(out) is int and out == 3
    out = check_positive(np.int16(4), "n_components", integer=True)
    assert type(out) is int and out == 4
    assert check_positive(0, "n_components", integer=True, strict=False) == 0
    big = 10**30
    assert check_positive(big, "n_components", integer=True) == big
    with pytest.raises(ValueError, match="n_components must be > 0"):
        check_positive(0, "n_components", integer=True)
    with pytest.raises(ValueError, match="n_components must be >= 0"):
        check_positive(-2, "n_components", integer=True, strict=False)
    for bad in (3.0, 2.5, np.float64(3.0), float("nan"), float("inf"), Fraction(3, 1)):
        with pytest.raises(TypeError, match="n_components must be an integer"):
            check_positive(bad, "n_components", integer=True)


def test_check_positive_messages_name_parameter_and_range():
    with pytest.raises(ValueError) as info:
        check_positive(-0.5, "bandwidth")
    msg = str(info.value)
    assert "bandwidth" in msg and "> 0" in msg and "-0.5" in msg
    with pytest.raises(TypeError) as info:
        check_positive("x", "bandwidth")
    assert "bandwidth" in str(info.value) and "real number" in str(info.value)


# --------------------------------------------------------------------------------------
# check_samples
# --------------------------------------------------------------------------------------


def test_check_samples_1d_becomes_column():
    X = check_samples([1.0, 2.0, 3.0])
    assert type(X) is np.ndarray
    assert X.shape == (3, 1) and X.dtype == np.float64
    np.testing.assert_array_equal(X, [[1.0], [2.0], [3.0]])


def test_check_samples_2d_unchanged():
    data = np.arange(12.0).reshape(4, 3)
    X = check_samples(data)
    assert X.shape == (4, 3) and X.dtype == np.float64
    np.testing.assert_array_equal(X, data)


def test_check_samples_ensure_2d_false_keeps_shape():
    X = check_samples(np.zeros((2, 3, 4)), ensure_2d=False)
    assert X.shape == (2, 3, 4)
    assert check_samples(np.ones(5), ensure_2d=False).shape == (5,)


@pytest.mark.parametrize("shape", [(2, 3, 4), (1, 1, 1, 1)])
def test_check_samples_high_dim_is_error(shape):
    with pytest.raises(ValueError, match=r"data must be 2-D") as info:
        check_samples(np.zeros(shape), name="data")
    assert f"{len(shape)}-D" in str(info.value)


def test_check_samples_0d_is_error():
    with pytest.raises(ValueError, match=r"X must be 2-D"):
        check_samples(np.float64(1.0))


@pytest.mark.parametrize("empty", [[], np.zeros(0), np.zeros((0, 3))], ids=["list", "1d", "2d"])
def test_check_samples_empty_is_error(empty):
    with pytest.raises(ValueError, match=r"X must have at least 1 sample\(s\), got 0"):
        check_samples(empty)


def test_check_samples_min_samples_named_in_message():
    with pytest.raises(ValueError, match=r"Y must have at least 3 sample\(s\), got 2"):
        check_samples(np.ones((2, 4)), name="Y", min_samples=3)
    assert check_samples(np.ones((3, 4)), min_samples=3).shape == (3, 4)


def test_check_samples_zero_features_is_error():
    with pytest.raises(ValueError, match="X has 0 features"):
        check_samples(np.zeros((3, 0)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_check_samples_non_finite_is_error(bad):
    data = np.ones((3, 2))
    data[1, 0] = bad
    with pytest.raises(ValueError, match="X contains NaN or inf"):
        check_samples(data)
    with pytest.raises(ValueError, match="Z contains NaN or inf"):
        check_samples(data.astype(np.float32), name="Z")


@pytest.mark.parametrize(
    "bad",
    [
        np.array([[1.0, "a"]], dtype=object),
        np.array([[1, 2]], dtype=object),
        np.array(["1", "2"]),
        [["a", "b"]],
        np.array([b"x"]),
        np.array(["2020-01-01"], dtype="datetime64[D]"),
    ],
    ids=["object-mixed", "object-int", "str", "str-list", "bytes", "datetime"],
)
def test_check_samples_non_numeric_is_type_error(bad):
    with pytest.raises(TypeError, match="X must be numeric"):
        check_samples(bad)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_check_samples_complex_is_type_error(dtype):
    with pytest.raises(TypeError, match="X must be real-valued"):
        check_samples(np.ones((2, 2), dtype=dtype))


def test_check_samples_ragged_is_value_error():
    with pytest.raises(ValueError, match="X could not be converted"):
        check_samples([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint16, np.bool_])
def test_check_samples_integers_become_float64(dtype):
    data = np.array([[1, 0], [0, 1], [1, 1]], dtype=dtype)
    X = check_samples(data)
    assert X.dtype == np.float64
    np.testing.assert_array_equal(X, data.astype(np.float64))
    # dtype_float=False keeps them
    assert check_samples(data, dtype_float=False).dtype == dtype


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_check_samples_floats_keep_dtype(dtype):
    X = check_samples(np.ones((3, 2), dtype=dtype))
    assert X.dtype == dtype


def test_check_samples_python_ints_become_float64():
    X = check_samples([[1, 2], [3, 4]])
    assert X.dtype == np.float64 and X.shape == (2, 2)


def test_check_samples_on_cases(xp_case):
    """numpy stays numpy; tensors stay tensors on their device and dtype."""
    data = np.random.default_rng(0).normal(size=(5, 3))
    X = check_samples(xp_case.asarray(data))
    xp_case.check_output(X)
    np.testing.assert_array_equal(to_numpy(X), data.astype(xp_case.dtype))
    col = check_samples(xp_case.asarray(data[:, 0]))
    xp_case.check_output(col)
    assert tuple(col.shape) == (5, 1)
    bad = data.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        check_samples(xp_case.asarray(bad))
    with pytest.raises(ValueError, match="2-D"):
        check_samples(xp_case.asarray(np.zeros((2, 2, 2))))
    with pytest.raises(ValueError, match="at least 1 sample"):
        check_samples(xp_case.asarray(np.zeros((0, 2))))


@needs_torch
def test_check_samples_torch_specifics():
    t = torch.tensor([[1, 2], [3, 4]], dtype=torch.int32)
    X = check_samples(t)
    assert isinstance(X, torch.Tensor) and X.dtype == torch.float64 and X.device.type == "cpu"
    assert check_samples(t, dtype_float=False).dtype == torch.int32
    assert check_samples(torch.tensor([True, False])).dtype == torch.float64
    with pytest.raises(TypeError, match="X must be real-valued"):
        check_samples(torch.ones(2, 2, dtype=torch.complex64))
    for bad in (float("inf"), float("-inf"), float("nan")):
        with pytest.raises(ValueError, match="NaN or inf"):
            check_samples(torch.tensor([1.0, bad], dtype=torch.float32))
    # a tensor requiring grad is accepted and not detached
    g = torch.ones(3, 2, requires_grad=True)
    assert check_samples(g).requires_grad
