"""Sensing operators (statkit.tensor._sensing).

Oracles: the adjoint identity <A x, v> = <x, A* v>; the seeded operator's rows rebuilt here
from its documented seeding rule (SeedSequence(entropy, spawn_key=(b,)), one block of rows
per child); E|g| = sqrt(2/pi) for g ~ N(0, 1) (the l1/l2 ratio of clean Gaussian
measurements, method note §3.1); the known moments of N(0, 1) entries.
"""

import math

import numpy as np
import pytest

from statkit.tensor._sensing import (
    DenseGaussianOperator,
    MatrixOperator,
    SeededGaussianOperator,
    as_operator,
)
from statkit.tensor._tt import tt_svd, tt_to_full

SHAPE = (3, 4, 2, 3)  # D = 72


def _operators(m=50, shape=SHAPE, seed=0):
    return [
        DenseGaussianOperator(m, shape, random_state=seed),
        SeededGaussianOperator(m, shape, random_state=seed, block_size=16),
        MatrixOperator(np.random.default_rng(seed).standard_normal((m, math.prod(shape))), shape),
    ]


@pytest.mark.parametrize("op", _operators(), ids=lambda o: type(o).__name__)
def test_adjoint_identity(op):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(op.shape)
    v = rng.standard_normal(op.n_measurements)
    lhs = np.dot(op.forward(x), v)
    rhs = np.vdot(x, op.adjoint(v))
    assert lhs == pytest.approx(rhs, rel=1e-12)
    assert op.forward(x).shape == (op.n_measurements,)
    assert op.adjoint(v).shape == op.shape


@pytest.mark.parametrize("op", _operators(), ids=lambda o: type(o).__name__)
def test_forward_tt_equals_forward_of_the_full_tensor(op):
    cores = tt_svd(np.random.default_rng(2).standard_normal(op.shape), ranks=2)
    np.testing.assert_allclose(op.forward_tt(cores), op.forward(tt_to_full(cores)), atol=1e-12)


def test_seeded_rows_follow_the_documented_seeding_rule():
    m, bs = 37, 8
    op = SeededGaussianOperator(m, SHAPE, random_state=123, block_size=bs)
    D = math.prod(SHAPE)
    n_blocks = -(-m // bs)
    children = np.random.SeedSequence(123).spawn(n_blocks)
    rows = []
    for b, child in enumerate(children):
        n = min(bs, m - b * bs)
        rows.append(np.random.default_rng(child).standard_normal((n, D)))
    dense = np.concatenate(rows)
    np.testing.assert_array_equal(op.to_dense(), dense)
    x = np.random.default_rng(3).standard_normal(SHAPE)
    v = np.random.default_rng(4).standard_normal(m)
    np.testing.assert_allclose(op.forward(x), dense @ x.reshape(-1), rtol=1e-13)
    np.testing.assert_allclose(op.adjoint(v), (v @ dense).reshape(SHAPE), rtol=1e-12)


def test_seeded_operator_is_deterministic_and_thread_independent():
    x = np.random.default_rng(5).standard_normal(SHAPE)
    v = np.random.default_rng(6).standard_normal(40)
    a = SeededGaussianOperator(40, SHAPE, random_state=7, block_size=4, n_jobs=1)
    b = SeededGaussianOperator(40, SHAPE, random_state=7, block_size=4, n_jobs=3)
    np.testing.assert_array_equal(a.forward(x), a.forward(x))
    np.testing.assert_allclose(a.forward(x), b.forward(x), rtol=1e-14)
    np.testing.assert_allclose(a.adjoint(v), b.adjoint(v), rtol=1e-12)
    c = SeededGaussianOperator(40, SHAPE, random_state=8, block_size=4)
    assert not np.allclose(a.forward(x), c.forward(x))
    # a Generator seeds it once: the operator then stays fixed
    g = SeededGaussianOperator(40, SHAPE, random_state=np.random.default_rng(0))
    np.testing.assert_array_equal(g.forward(x), g.forward(x))


def test_dense_operator_is_deterministic():
    a = DenseGaussianOperator(20, SHAPE, random_state=3)
    b = DenseGaussianOperator(20, SHAPE, random_state=3)
    np.testing.assert_array_equal(a.matrix, b.matrix)


@pytest.mark.parametrize("kind", ["dense", "seeded"])
def test_l1_over_l2_ratio_is_sqrt_two_over_pi(kind):
    # (1/m)||A(X)||_1 / ||X||_F -> E|g| = sqrt(2/pi) = 0.798; sd of |g| is 0.603, so the
    # standard error at m = 20000 is 0.0043: a tolerance of 0.02 is about 5 standard errors
    shape, m = (4, 4, 4, 4), 20000
    X = tt_to_full(tt_svd(np.random.default_rng(9).standard_normal(shape), ranks=2))
    cls = DenseGaussianOperator if kind == "dense" else SeededGaussianOperator
    op = cls(m, shape, random_state=10)
    ratio = np.abs(op.forward(X)).mean() / np.linalg.norm(X)
    assert abs(ratio - math.sqrt(2 / math.pi)) < 0.02, ratio


def test_gaussian_entries_have_unit_variance():
    op = SeededGaussianOperator(300, (10, 10), random_state=11, block_size=64)
    A = op.to_dense()
    assert abs(A.mean()) < 5 / math.sqrt(A.size)
    assert abs(A.var() - 1) < 5 * math.sqrt(2 / A.size)


def test_float32_operator_keeps_its_dtype():
    op = DenseGaussianOperator(30, SHAPE, random_state=0, dtype=np.float32)
    assert op.matrix.dtype == np.float32
    assert op.forward(np.ones(SHAPE)).dtype == np.float32  # x cast down, matrix not copied
    assert op.adjoint(np.ones(30)).dtype == np.float32
    sop = SeededGaussianOperator(30, SHAPE, random_state=0, dtype=np.float32)
    assert sop.to_dense().dtype == np.float32


def test_forward_accepts_a_flat_vector_and_a_column():
    op = DenseGaussianOperator(10, SHAPE, random_state=0)
    x = np.random.default_rng(0).standard_normal(SHAPE)
    np.testing.assert_array_equal(op.forward(x.reshape(-1)), op.forward(x))
    v = np.ones(10)
    np.testing.assert_array_equal(op.adjoint(v[:, None]), op.adjoint(v))


def test_as_operator_wraps_matrices_and_accepts_protocol_objects():
    A = np.random.default_rng(0).standard_normal((12, 72))
    op = as_operator(A, SHAPE)
    assert isinstance(op, MatrixOperator) and op.n_measurements == 12
    x = np.random.default_rng(1).standard_normal(SHAPE)
    np.testing.assert_allclose(op.forward(x), A @ x.reshape(-1))

    class Sampler:  # a user's operator: observe entries of the tensor
        shape = (3, 3)
        n_measurements = 4
        idx = np.array([0, 4, 8, 2])

        def forward(self, X):
            return np.asarray(X).reshape(-1)[self.idx]

        def adjoint(self, v):
            out = np.zeros(9)
            np.add.at(out, self.idx, v)
            return out.reshape(3, 3)

    s = Sampler()
    assert as_operator(s) is s
    assert as_operator(s, (3, 3)) is s


def test_operator_errors():
    with pytest.raises(ValueError, match="n_measurements must be >= 1"):
        DenseGaussianOperator(0, SHAPE)
    with pytest.raises(ValueError, match="n_measurements must be >= 1"):
        SeededGaussianOperator(0, SHAPE)
    with pytest.raises(TypeError, match="n_measurements must be an integer"):
        DenseGaussianOperator(2.5, SHAPE)
    with pytest.raises(ValueError, match=r"shape\[1\] must be an integer >= 1"):
        DenseGaussianOperator(3, (2, 0))
    with pytest.raises(ValueError, match="72 columns but shape"):
        MatrixOperator(np.ones((3, 72)), (3, 4, 5))
    with pytest.raises(ValueError, match="2-D"):
        MatrixOperator(np.ones(72), SHAPE)
    with pytest.raises(ValueError, match="needs the tensor shape"):
        as_operator(np.ones((3, 72)))
    with pytest.raises(TypeError, match="lacks adjoint"):
        as_operator(type("Half", (), {"shape": (2,), "n_measurements": 1, "forward": None})())
    with pytest.raises(ValueError, match="disagrees"):
        as_operator(DenseGaussianOperator(3, SHAPE), (72,))
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        DenseGaussianOperator(3, SHAPE, dtype=np.int64)
    with pytest.raises(ValueError, match="block_size must be >= 1"):
        SeededGaussianOperator(3, SHAPE, block_size=0)
    op = DenseGaussianOperator(5, SHAPE, random_state=0)
    with pytest.raises(ValueError, match="X must have 72 entries"):
        op.forward(np.ones(71))
    with pytest.raises(ValueError, match=r"v must have shape \(5,\)"):
        op.adjoint(np.ones(4))
    bad_class = type("Bad", (), {"shape": (2,), "forward": 1, "adjoint": 1, "n_measurements": 0})
    with pytest.raises(ValueError, match="n_measurements must be >= 1"):
        as_operator(bad_class())


def test_torch_matrix_operator_runs_on_the_tensor():
    torch = pytest.importorskip("torch")
    A = np.random.default_rng(0).standard_normal((20, 72))
    op = MatrixOperator(torch.as_tensor(A), SHAPE)
    x = np.random.default_rng(1).standard_normal(SHAPE)
    out = op.forward(torch.as_tensor(x))
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy(), A @ x.reshape(-1), rtol=1e-12)
    with pytest.raises(TypeError, match="mix numpy arrays and torch tensors"):
        op.forward(x)
    with pytest.raises(TypeError, match="works on numpy arrays"):
        SeededGaussianOperator(5, SHAPE, random_state=0).forward(torch.as_tensor(x))


def test_a_torch_matrix_is_wrapped_not_mistaken_for_an_operator():
    # torch tensors have an ``adjoint`` method of their own
    torch = pytest.importorskip("torch")
    from statkit.tensor._sensing import MatrixOperator, as_operator

    rng = np.random.default_rng(0)
    A = rng.standard_normal((7, 24))
    op = as_operator(torch.as_tensor(A), shape=(2, 3, 4))
    assert isinstance(op, MatrixOperator)
    X = rng.standard_normal((2, 3, 4))
    np.testing.assert_allclose(op.forward(torch.as_tensor(X)).numpy(), A @ X.ravel(), rtol=1e-12)
