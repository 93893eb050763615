"""Tests of statkit._backend._namespace: namespace dispatch, to_numpy, asarray.

Oracles: the numpy/torch types and dtypes themselves (``type(x)``, ``x.dtype``,
``x.device``) and values written out by hand; never statkit's own output.
"""

import json
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from statkit._backend import (
    asarray,
    backend_name,
    device_of,
    get_namespace,
    is_torch_tensor,
    to_numpy,
)

try:
    import torch
except ImportError:  # pragma: no cover - torch is an optional extra
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def _meta_tensor(*shape, dtype=None):
    """A tensor on torch's "meta" device: a second device without a GPU."""
    try:
        return torch.empty(*shape, device="meta", dtype=dtype)
    except (RuntimeError, NotImplementedError):  # pragma: no cover - very old torch
        pytest.skip("torch has no meta device")


# --------------------------------------------------------------------------------------
# get_namespace
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        (),
        (None,),
        (np.ones(3),),
        ([1.0, 2.0],),
        ([[1, 2], [3, 4]],),
        ((1.0, 2.0),),
        (3,),
        (2.5,),
        (1 + 2j,),
        (True,),
        (np.float32(1.0),),
        (np.int64(4),),
        (Fraction(1, 3),),
        ("a string",),
        (np.ones(3), None, 1.0, [2.0], np.zeros((2, 2), dtype=np.float32)),
        (np.array(3.0),),
    ],
    ids=lambda a: repr(a)[:40],
)
def test_get_namespace_numpy(args):
    assert get_namespace(*args) is np


@needs_torch
def test_get_namespace_torch():
    t = torch.ones(3)
    assert get_namespace(t) is torch
    assert get_namespace(t, torch.zeros(2, dtype=torch.float64)) is torch
    # None and Python scalars are ignored next to tensors
    assert get_namespace(None, t, 2.0, 3, None) is torch
    assert get_namespace(torch.tensor(1.0)) is torch
    assert get_namespace(torch.nn.Parameter(torch.ones(2))) is torch


@needs_torch
@pytest.mark.parametrize(
    "other",
    [np.ones(3), np.array(1.0), [1.0, 2.0], (1.0,)],
    ids=["ndarray", "0d-ndarray", "list", "tuple"],
)
def test_get_namespace_mixing_numpy_and_torch_is_type_error(other):
    t = torch.ones(3)
    with pytest.raises(TypeError, match="mix numpy arrays and torch tensors"):
        get_namespace(t, other)
    with pytest.raises(TypeError, match="mix numpy arrays and torch tensors"):
        get_namespace(other, t)


@needs_torch
def test_get_namespace_different_devices_is_value_error():
    cpu = torch.ones(3)
    meta = _meta_tensor(3)
    with pytest.raises(ValueError, match="different devices") as info:
        get_namespace(cpu, meta)
    assert "cpu" in str(info.value) and "meta" in str(info.value)
    with pytest.raises(ValueError, match="different devices"):
        get_namespace(meta, None, cpu)


@needs_torch
def test_get_namespace_same_non_cpu_device():
    assert get_namespace(_meta_tensor(3), _meta_tensor(2, 2)) is torch


@needs_torch
def test_get_namespace_mixed_check_precedes_device_check():
    # numpy + tensors on two devices: the namespace mix is reported
    with pytest.raises(TypeError):
        get_namespace(np.ones(2), torch.ones(2), _meta_tensor(2))


def test_get_namespace_does_not_import_torch():
    """Dispatch on numpy input must not import torch (torch is optional and lazy)."""
    code = (
        "import sys, json, numpy as np\n"
        "from statkit._backend import get_namespace, backend_name, device_of, to_numpy\n"
        "from statkit._backend import asarray, is_torch_tensor, sqdist, logsumexp, svd\n"
        "x = np.ones((3, 2))\n"
        "assert get_namespace(x, [1.0], None) is np\n"
        "assert backend_name(x) == 'numpy' and device_of(x) is None\n"
        "assert not is_torch_tensor(x)\n"
        "to_numpy(x); asarray(x, like=x); sqdist(x); logsumexp(x); svd(x)\n"
        "print(json.dumps({'torch': 'torch' in sys.modules}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"torch": False}


# --------------------------------------------------------------------------------------
# is_torch_tensor, backend_name, device_of
# --------------------------------------------------------------------------------------


@needs_torch
def test_is_torch_tensor():
    assert is_torch_tensor(torch.ones(2))
    assert is_torch_tensor(torch.tensor(1.0))
    assert is_torch_tensor(_meta_tensor(2))
    for x in (np.ones(2), [1.0], 1.0, None, np.float64(1.0)):
        assert not is_torch_tensor(x)


@pytest.mark.parametrize(
    "x, name",
    [
        (np.ones(2), "numpy"),
        ([1.0, 2.0], "numpy"),
        (3.0, "numpy"),
        (None, "numpy"),
    ],
)
def test_backend_name_numpy(x, name):
    assert backend_name(x) == name
    assert device_of(x) is None


@needs_torch
def test_backend_name_and_device_of_torch():
    t = torch.ones(2, dtype=torch.float64)
    assert backend_name(t) == "torch"
    assert device_of(t) == torch.device("cpu")
    assert device_of(t).type == "cpu"
    m = _meta_tensor(2)
    assert backend_name(m) == "torch"
    assert device_of(m).type == "meta"


def test_backend_name_device_of_on_cases(xp_case):
    x = xp_case.asarray(np.arange(6.0).reshape(2, 3))
    assert backend_name(x) == xp_case.name
    if xp_case.name == "numpy":
        assert device_of(x) is None
    else:
        assert device_of(x).type == xp_case.device
    assert get_namespace(x) is (np if xp_case.name == "numpy" else torch)


# --------------------------------------------------------------------------------------
# to_numpy
# --------------------------------------------------------------------------------------


@needs_torch
def test_to_numpy_tensor_with_grad_is_detached():
    t = torch.tensor([1.0, -2.0, 3.5], dtype=torch.float64, requires_grad=True)
    y = t * 2  # non-leaf with a grad_fn
    a = to_numpy(y)
    assert type(a) is np.ndarray
    assert a.dtype == np.float64
    np.testing.assert_array_equal(a, [2.0, -4.0, 7.0])
    # the tensors themselves are untouched
    assert t.requires_grad and y.requires_grad
    np.testing.assert_array_equal(to_numpy(t), [1.0, -2.0, 3.5])


@needs_torch
@pytest.mark.parametrize(
    "dtype, np_dtype",
    [
        ("float64", np.float64),
        ("float32", np.float32),
        ("int64", np.int64),
        ("int32", np.int32),
        ("bool", np.bool_),
        ("complex64", np.complex64),
        ("complex128", np.complex128),
    ],
)
def test_to_numpy_keeps_dtype(dtype, np_dtype):
    values = [1, 0, 1]
    t = torch.tensor(values, dtype=getattr(torch, dtype))
    a = to_numpy(t)
    assert type(a) is np.ndarray
    assert a.dtype == np_dtype
    np.testing.assert_array_equal(a, np.array(values, dtype=np_dtype))


@needs_torch
def test_to_numpy_lazy_conjugate_and_negative_views():
    t = torch.tensor([1 + 2j, 3 - 4j], dtype=torch.complex128)
    c = t.conj()  # a lazily conjugated view (conj bit)
    np.testing.assert_array_equal(to_numpy(c), [1 - 2j, 3 + 4j])
    im = c.imag  # the imaginary part of a conjugated view carries the negative bit
    np.testing.assert_array_equal(to_numpy(im), [-2.0, 4.0])


@needs_torch
def test_to_numpy_bfloat16_widens_exactly():
    t = torch.tensor([1.0, -0.5, 2.0**-3], dtype=torch.bfloat16)
    a = to_numpy(t)
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, np.array([1.0, -0.5, 0.125], dtype=np.float32))


@needs_torch
def test_to_numpy_scalars_and_array_likes():
    a = to_numpy(torch.tensor(2.5, dtype=torch.float64))
    assert isinstance(a, np.ndarray) and a.shape == () and a.dtype == np.float64
    assert float(a) == 2.5
    b = to_numpy([[1.0, 2.0], [3.0, 4.0]])
    assert type(b) is np.ndarray and b.shape == (2, 2) and b.dtype == np.float64
    c = to_numpy(3)
    assert c.shape == () and int(c) == 3
    x = np.arange(4.0, dtype=np.float32)
    d = to_numpy(x)
    assert d.dtype == np.float32
    np.testing.assert_array_equal(d, [0.0, 1.0, 2.0, 3.0])


def test_to_numpy_on_cases(xp_case):
    ref = np.random.default_rng(0).normal(size=(4, 3))
    x = xp_case.asarray(ref)
    a = to_numpy(x)
    assert type(a) is np.ndarray
    assert a.dtype == xp_case.np_dtype
    np.testing.assert_array_equal(a, ref.astype(xp_case.dtype))


# --------------------------------------------------------------------------------------
# asarray
# --------------------------------------------------------------------------------------


@needs_torch
def test_asarray_like_none_gives_numpy():
    a = asarray([1.0, 2.0])
    assert type(a) is np.ndarray and a.dtype == np.float64
    b = asarray([1, 2])
    assert b.dtype.kind == "i"
    c = asarray(torch.tensor([1.0, 2.0], dtype=torch.float32, requires_grad=True))
    assert type(c) is np.ndarray and c.dtype == np.float32
    np.testing.assert_array_equal(c, [1.0, 2.0])


def test_asarray_numpy_like_floating_dtype():
    like = np.zeros(2, dtype=np.float32)
    a = asarray(np.array([1.5, 2.5]), like=like)
    assert a.dtype == np.float32
    # integers and booleans keep their own dtype
    assert asarray(np.array([1, 2], dtype=np.int64), like=like).dtype == np.int64
    assert asarray(np.array([True, False]), like=like).dtype == np.bool_
    # a non-floating reference leaves floating data alone
    assert asarray(np.array([1.5], dtype=np.float32), like=np.array([1])).dtype == np.float32
    # explicit dtype wins
    assert asarray([1, 2], like=like, dtype=np.float64).dtype == np.float64


@needs_torch
@pytest.mark.parametrize("like_dtype", ["float32", "float64"])
def test_asarray_torch_like_keeps_device_and_floating_dtype(like_dtype):
    like = torch.zeros(2, dtype=getattr(torch, like_dtype))
    want = getattr(torch, like_dtype)
    cases = [
        np.array([1.5, -2.0]),
        np.array([1.5, -2.0], dtype=np.float32),
        [1.5, -2.0],
        torch.tensor([1.5, -2.0], dtype=torch.float64),
        torch.tensor([1.5, -2.0], dtype=torch.float32),
    ]
    for x in cases:
        out = asarray(x, like=like)
        assert isinstance(out, torch.Tensor)
        assert out.device == like.device
        assert out.dtype == want, (type(x), out.dtype)
        np.testing.assert_array_equal(out.numpy(), np.array([1.5, -2.0], dtype=like_dtype))


@needs_torch
def test_asarray_torch_like_integers_stay_integers():
    like = torch.zeros(2, dtype=torch.float32)
    assert asarray(np.array([1, 2], dtype=np.int64), like=like).dtype == torch.int64
    assert asarray(np.array([1, 2], dtype=np.int32), like=like).dtype == torch.int32
    assert asarray([1, 2], like=like).dtype == torch.int64
    assert asarray(torch.tensor([1, 2]), like=like).dtype == torch.int64
    assert asarray(np.array([True, False]), like=like).dtype == torch.bool
    # a non-floating reference leaves floating data alone
    int_like = torch.zeros(2, dtype=torch.int64)
    assert asarray(np.array([0.5]), like=int_like).dtype == torch.float64
    # explicit dtype wins
    assert asarray([1, 2], like=like, dtype=torch.float64).dtype == torch.float64


@needs_torch
def test_asarray_keeps_meta_device():
    like = _meta_tensor(2, dtype=torch.float32)
    out = asarray(np.array([1.0, 2.0]), like=like)
    assert out.device.type == "meta"
    assert out.dtype == torch.float32
    out = asarray(torch.tensor([1, 2]), like=like)
    assert out.device.type == "meta" and out.dtype == torch.int64


@needs_torch
def test_asarray_accepts_views_torch_cannot_share():
    """Reversed (negative-stride), read-only and byte-swapped arrays convert."""
    like = torch.zeros(1, dtype=torch.float64)
    base = np.arange(5.0)
    rev = asarray(base[::-1], like=like)
    np.testing.assert_array_equal(rev.numpy(), [4.0, 3.0, 2.0, 1.0, 0.0])

    ro = np.arange(3.0)
    ro.flags.writeable = False
    out = asarray(ro, like=like)
    np.testing.assert_array_equal(out.numpy(), [0.0, 1.0, 2.0])
    out += 1  # writing to the tensor must not touch the read-only array
    np.testing.assert_array_equal(ro, [0.0, 1.0, 2.0])

    swapped = np.arange(3.0).astype(np.dtype(np.float64).newbyteorder("S"))
    np.testing.assert_array_equal(asarray(swapped, like=like).numpy(), [0.0, 1.0, 2.0])


def test_asarray_on_cases(xp_case):
    like = xp_case.asarray(np.zeros(3))
    out = asarray(np.array([0.25, 0.5, 2.0]), like=like)
    xp_case.check_output(out)
    np.testing.assert_array_equal(to_numpy(out), np.array([0.25, 0.5, 2.0], xp_case.dtype))
    ints = asarray(np.array([1, 2, 3]), like=like)
    assert to_numpy(ints).dtype == np.int64
    assert backend_name(ints) == xp_case.name
    if xp_case.name == "torch":
        assert ints.device.type == xp_case.device


def test_backend_case_asarray_accepts_any_view(xp_case):
    """The test helper itself must accept any numpy view (negative strides, read-only)."""
    data = np.arange(6.0).reshape(2, 3)[:, ::-1]
    x = xp_case.asarray(data)
    xp_case.check_output(x)
    np.testing.assert_array_equal(to_numpy(x), data.astype(xp_case.dtype))
    ro = np.arange(3.0)
    ro.flags.writeable = False
    y = xp_case.asarray(ro)
    xp_case.check_output(y)
    np.testing.assert_array_equal(to_numpy(y), [0.0, 1.0, 2.0])
    ints = xp_case.asarray(np.arange(3)[::-1])
    assert to_numpy(ints).dtype == np.int64
    np.testing.assert_array_equal(to_numpy(ints), [2, 1, 0])
