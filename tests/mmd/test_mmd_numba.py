"""The numba kernels: the vectorised exp against numpy's, the fused pair sums against
exact numpy sums, and the lazy import/compile contract.

Oracles: ``numpy.exp`` (correctly rounded to within 1 ulp on every platform numpy
supports), exact coordinate differences summed with ``math.fsum``.
"""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from statkit.mmd import _numba

TINY = np.finfo(np.float64).tiny  # smallest normal
SUBNORMAL_ULP = 5e-324


def _check_exp(x):
    got = _numba.exp_nonpos(x, np.empty_like(x))
    ref = np.exp(x)
    normal = ref >= TINY
    rel = np.abs(got[normal] - ref[normal]) / ref[normal]
    assert rel.max() <= np.finfo(np.float64).eps, rel.max()  # faithful: at most 1 ulp
    assert np.all(np.abs(got[~normal] - ref[~normal]) <= SUBNORMAL_ULP)
    return got, ref


def test_exp_over_its_whole_range():
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            -rng.random(200_000) * 750.0,
            -rng.random(100_000) * 2.0,
            -np.logspace(-320, 3, 100_000),
            -np.linspace(0, 750, 100_001),
        ]
    )
    _check_exp(x)


def test_exp_edge_cases():
    x = np.array(
        [
            0.0,
            -0.0,
            -5e-324,
            -1e-300,
            -1e-17,
            -np.log(2) / 2,
            -np.log(2),
            -1.0,
            -708.39,
            -708.3964185322641,  # exp() = smallest normal
            -708.4,
            -709.0,
            -720.0,
            -744.44,
            -745.1,
            -745.13,
            -745.1332191019411,  # exp() rounds to the smallest subnormal
            -745.14,
            -746.0,
            -800.0,
            -1e308,
            -np.inf,
        ]
    )
    got, _ = _check_exp(x)
    assert got[0] == 1.0 and got[1] == 1.0  # exactly
    assert np.all(got[x < -745.14] == 0.0)
    assert got[-1] == 0.0  # -inf


def test_exp_is_exact_at_integer_multiples_of_ln2():
    # e^(k ln 2) = 2^k: range reduction with r = 0 (up to the rounding of k ln 2 itself)
    k = np.arange(-1000, 1)
    x = k * np.log(2.0)
    got = _numba.exp_nonpos(x, np.empty_like(x))
    np.testing.assert_allclose(got, np.exp(x), rtol=np.finfo(np.float64).eps, atol=0)


def _fsum_pairs(A, B, kernel, c, symmetric):
    if kernel == "laplace":
        D = np.abs(A[:, None, :] - B[None, :, :]).sum(axis=-1)
    else:
        D = ((A[:, None, :] - B[None, :, :]) ** 2).sum(axis=-1)
    K = {
        "gaussian": lambda: np.exp(-c * D),
        "laplace": lambda: np.exp(-c * D),
        "imq": lambda: 1 / np.sqrt(1 + c * D),
    }[kernel]()
    if symmetric:
        K = K[np.triu_indices(len(A), 1)]
    return math.fsum(K.ravel())


@pytest.mark.parametrize("d", [1, 3, 4, 5, 9])
@pytest.mark.parametrize(
    ("kernel", "code", "metric"), [("gaussian", 0, 0), ("laplace", 1, 1), ("imq", 5, 0)]
)
def test_pair_sum_matches_exact_sums(d, kernel, code, metric):
    rng = np.random.default_rng(d)
    A = rng.standard_normal((131, d))
    B = rng.standard_normal((600, d))  # one full 512-column tile and a tail
    c = 0.3
    for block in (1, 7, 64, 1000):
        s = _numba.pair_sum(A, np.ascontiguousarray(B.T), False, code, metric, c, block)
        assert s == pytest.approx(_fsum_pairs(A, B, kernel, c, False), rel=1e-14)
    A = rng.standard_normal((700, d))  # symmetric: diagonal tiles and block pairing
    for block in (1, 7, 64, 333, 1000):
        s = _numba.pair_sum(A, np.ascontiguousarray(A.T), True, code, metric, c, block)
        assert s == pytest.approx(_fsum_pairs(A, A, kernel, c, True), rel=1e-14)


def test_pair_sum_tiny_inputs():
    A = np.array([[0.0, 1.0]])
    assert _numba.pair_sum(A, np.ascontiguousarray(A.T), True, 0, 0, 1.0, 64) == 0.0
    B = np.array([[0.0, 0.0]])
    got = _numba.pair_sum(A, np.ascontiguousarray(B.T), False, 0, 0, 0.5, 64)
    assert got == pytest.approx(np.exp(-0.5), rel=1e-15)


def _run_fresh(code):
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_statkit_mmd_is_lazy():
    code = (
        "import sys, json\n"
        "import statkit.mmd\n"
        "before = {'numba': 'numba' in sys.modules, 'torch': 'torch' in sys.modules}\n"
        "import numpy as np\n"
        "statkit.mmd.mmd(np.zeros((3, 1)), np.ones((3, 1)), bandwidth=1.0)\n"
        "print(json.dumps({'before': before, 'after': 'numba' in sys.modules}))\n"
    )
    res = _run_fresh(code)
    assert res == {"before": {"numba": False, "torch": False}, "after": True}
