"""RobustTTRecovery (PSubGM / FRSubGM, l1 and the l2 baseline) and the Stiefel tools.

Oracles: exact recovery of a known TT tensor (relative error against the truth); the
step-size and loss formulas recomputed here; the truncated spectral initialisation rebuilt
here from the operator's matrix with tensorly's TT-SVD when available (else statkit's);
the closed form (U + xi)(I + xi^T xi)^{-1/2} of the polar retraction; the numpy path as
the reference for the torch path.

Measured on this problem family (N = 6, d = 4, r = 2, dof = 60, p_s = 0.3, Gaussian
cores, 10 seeds; see the slow tests):

- PSubGM with the note's defaults (lambda = 0.5 ||X_0||, q = 0.9) from the truncated
  spectral initialisation: 0/10 below 1e-6 at m = 4 dof (the issue's setting; the
  initial error is about 1.3), 10/10 at m = 8 dof (about 123 iterations).
- From a local initialisation (relative error 0.1, on the TT manifold) at m = 4 dof with
  steps matched to it (lambda = 0.05 ||X_0||, q = 0.98): PSubGM 10/10 (about 530
  iterations), preconditioned FRSubGM 10/10; from error 0.3 (lambda = 0.15 ||X_0||) PSubGM
  10/10. The note's lambda = 0.5 ||X_0||, q = 0.9 from error 0.1: 0/10 (first step five
  times the error). The local linear convergence holds at m = 4 dof; the spectral
  initialisation is the bottleneck.
- FRSubGM with the note's 1/||X_0||^2 scaling at m = 8 dof: 5/10 (stalls on truths with
  condition number above about 5); preconditioned: 10/10.

The scikit-learn common checks (``parametrize_with_checks``) do not apply: ``fit`` takes a
sensing operator and a measurement vector, not a 2-D feature matrix; the parts of the
contract that do apply (clone, get_params/set_params, fit returns self, refit) are tested.
"""

import math
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from statkit.datasets._robust_tt import make_tt_recovery
from statkit.tensor._robust_tt import (
    RobustTTRecovery,
    polar_retraction,
    stiefel_tangent_projection,
)
from statkit.tensor._sensing import DenseGaussianOperator, MatrixOperator
from statkit.tensor._tt import tt_svd, tt_to_full

DOF = 60  # N = 6, d = 4, r = 2


def _instance(mult, p_s, seed, **kw):
    return make_tt_recovery(6, 4, 2, int(mult * DOF), p_s, random_state=seed, **kw)


def _fit(inst, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return RobustTTRecovery(2, **params).fit(inst.operator, inst.y, X_true=inst.tensor)


def _rel_err(est, inst):
    return np.linalg.norm(est.tensor_ - inst.tensor) / np.linalg.norm(inst.tensor)


def _local_init(inst, size, seed):
    """The truth with Gaussian noise on its cores, scaled (bisection) to relative error
    ``size``: a TT-rank-r point at that distance (full-space noise would mostly be removed
    by the TT-SVD projection)."""
    rng = np.random.default_rng(seed)
    noise = [rng.standard_normal(c.shape) for c in inst.cores]

    def at(eps):
        return tt_to_full([c + eps * n for c, n in zip(inst.cores, noise, strict=True)])

    lo, hi, norm = 0.0, 1.0, np.linalg.norm(inst.tensor)
    for _ in range(40):
        mid = (lo + hi) / 2
        if np.linalg.norm(at(mid) - inst.tensor) / norm < size:
            lo = mid
        else:
            hi = mid
    return at(lo)


# --------------------------------------------------------------------------- recovery


def test_psubgm_recovers_under_30_percent_outliers_and_l2_breaks():
    inst = _instance(8, 0.3, seed=0)
    est = _fit(inst)
    assert _rel_err(est, inst) < 1e-6
    assert est.converged_
    err = np.array(est.history_["error"])
    assert err[-1] == pytest.approx(_rel_err(est, inst), rel=1e-9)
    # linear convergence at the chosen rate q = 0.9 (method note §3.3: slope = log q)
    slope = np.polyfit(np.arange(30, 110), np.log(err[30:110]), 1)[0]
    assert slope == pytest.approx(math.log(0.9), abs=0.02)
    l2 = _fit(inst, loss="l2", max_iter=300)
    assert _rel_err(l2, inst) > 0.5  # the non-robust baseline on the same data


def test_l2_baseline_is_exact_without_outliers():
    inst = _instance(4, 0.0, seed=0)
    est = _fit(inst, loss="l2", tol=1e-12, max_iter=400)
    assert _rel_err(est, inst) < 1e-6


def test_frsubgm_preconditioned_recovers():
    inst = _instance(8, 0.3, seed=0)
    est = _fit(inst, method="frsubgm", preconditioned=True, max_iter=800)
    assert _rel_err(est, inst) < 1e-6
    for c in est.cores_[:-1]:  # the iterate stays left-orthogonal
        L = c.reshape(-1, c.shape[2])
        np.testing.assert_allclose(L.T @ L, np.eye(L.shape[1]), atol=1e-12)


def test_frsubgm_note_scaling_recovers_a_well_conditioned_truth():
    # seed 1: condition number of the unfoldings 2.3 (the unscaled step stalls above ~5)
    inst = _instance(8, 0.3, seed=1)
    est = _fit(inst, method="frsubgm", max_iter=800)
    assert _rel_err(est, inst) < 1e-6


@pytest.mark.parametrize(
    ("method", "extra"), [("psubgm", {}), ("frsubgm", {"preconditioned": True})]
)
def test_issue_setting_recovers_from_a_local_initialisation(method, extra):
    # N = 6, d = 4, r = 2, m = 4 dof, p_s = 0.3: local linear convergence (initial error 0.1,
    # first step half of it)
    inst = _instance(4, 0.3, seed=0)
    X0 = _local_init(inst, 0.1, seed=100)
    est = _fit(inst, method=method, init=X0, step_scale=0.05, decay=0.98, max_iter=700, **extra)
    assert est.history_["error"][0] == pytest.approx(0.1, rel=1e-3)
    assert _rel_err(est, inst) < 1e-6


@pytest.mark.xfail(
    strict=True,
    reason="measured: 0/10 seeds reach 1e-6 at m = 4 dof, p_s = 0.3 with the note's defaults "
    "from the truncated spectral initialisation (initial error ~1.3); 10/10 at m = 8 dof",
)
def test_issue_must_show_setting_with_the_default_initialisation():
    inst = _instance(4, 0.3, seed=0)
    assert _rel_err(_fit(inst), inst) < 1e-6


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mult", "params", "at_least", "at_most"),
    [
        (4, {}, 0, 2),
        (8, {}, 9, 10),
        (8, {"method": "frsubgm", "max_iter": 1200}, 3, 7),
        (8, {"method": "frsubgm", "preconditioned": True, "max_iter": 1200}, 9, 10),
    ],
)
def test_success_rates_over_ten_seeds(mult, params, at_least, at_most):
    wins = sum(
        _rel_err(_fit(_instance(mult, 0.3, s), **params), _instance(mult, 0.3, s)) < 1e-6
        for s in range(10)
    )
    assert at_least <= wins <= at_most, wins


# --------------------------------------------------------------------------- formulas


def test_spectral_initialisation_formula():
    inst = _instance(6, 0.2, seed=3)
    A, y = inst.operator.matrix, inst.y
    med = np.median(np.abs(y))
    keep = np.abs(y) <= 3.0 * med
    Z = (A[keep].T @ y[keep] / keep.sum()).reshape(inst.shape)
    try:
        import tensorly as tl
        from tensorly.decomposition import tensor_train

        P = tl.tt_to_tensor(tensor_train(Z, rank=[1, 2, 2, 2, 2, 2, 1]))
    except ImportError:
        P = tt_to_full(tt_svd(Z, ranks=2))
    X0 = P * (med / 0.6744897501960817) / np.linalg.norm(P)
    est = _fit(inst, max_iter=1)
    expected = np.linalg.norm(X0 - inst.tensor) / np.linalg.norm(inst.tensor)
    assert est.history_["error"][0] == pytest.approx(expected, rel=1e-8)


def test_step_and_loss_history_formulas():
    inst = _instance(6, 0.2, seed=4)
    est = _fit(inst, max_iter=25, tol=0.0)
    assert est.n_iter_ == 25 and not est.converged_
    assert len(est.history_["loss"]) == len(est.history_["error"]) == 26
    steps = np.array(est.history_["step"])
    lam = steps[0]
    np.testing.assert_allclose(steps, lam * 0.9 ** np.arange(25), rtol=1e-12)
    # lambda = 0.5 ||X_0||_F, and ||X_0||_F = median|y| / Phi^{-1}(3/4)
    assert lam == pytest.approx(0.5 * np.median(np.abs(inst.y)) / 0.6744897501960817, rel=1e-10)
    final = np.abs(inst.operator.forward(est.tensor_) - inst.y).mean()
    assert est.history_["loss"][-1] == pytest.approx(final, rel=1e-12)
    l2 = _fit(inst, loss="l2", max_iter=5, tol=0.0)
    r = inst.operator.forward(l2.tensor_) - inst.y
    assert l2.history_["loss"][-1] == pytest.approx(0.5 * r @ r / len(r), rel=1e-12)
    np.testing.assert_array_equal(l2.history_["step"], 0.5)  # constant IHT step


def test_stiefel_projection_and_polar_retraction():
    rng = np.random.default_rng(5)
    U, _ = np.linalg.qr(rng.standard_normal((12, 3)))
    Z = rng.standard_normal((12, 3))
    xi = stiefel_tangent_projection(U, Z)
    S = U.T @ xi
    np.testing.assert_allclose(S + S.T, 0, atol=1e-13)  # tangent: U^T xi is skew
    np.testing.assert_allclose(stiefel_tangent_projection(U, xi), xi, atol=1e-13)  # idempotent
    for t in (1e-3, 0.5, 5.0):
        V = polar_retraction(U, t * xi)
        np.testing.assert_allclose(V.T @ V, np.eye(3), atol=1e-13)
        w, Q = np.linalg.eigh(np.eye(3) + t**2 * xi.T @ xi)
        closed = (U + t * xi) @ (Q / np.sqrt(w)) @ Q.T
        np.testing.assert_allclose(V, closed, atol=1e-12)
    np.testing.assert_allclose(polar_retraction(U, 0 * xi), U, atol=1e-13)


# --------------------------------------------------------------------------- inputs


def test_plain_matrix_with_shape_and_predict():
    inst = _instance(6, 0.1, seed=6)
    est = RobustTTRecovery(2, shape=inst.shape).fit(inst.operator.matrix, inst.y)
    assert _rel_err(est, inst) < 1e-6
    A_new = DenseGaussianOperator(15, inst.shape, random_state=99)
    np.testing.assert_allclose(est.predict(A_new), A_new.forward(inst.tensor), atol=1e-5)
    np.testing.assert_allclose(est.predict(A_new.matrix), est.predict(A_new), atol=1e-12)
    with pytest.raises(ValueError, match="A_new has shape"):
        est.predict(DenseGaussianOperator(3, (4,) * 5))
    with pytest.raises(ValueError, match="needs the tensor shape"):
        RobustTTRecovery(2).fit(inst.operator.matrix, inst.y)


class _EntrySampler:
    """A user's operator (the protocol, nothing inherited): observe m entries."""

    def __init__(self, shape, m, seed):
        self.shape = shape
        self.n_measurements = m
        self.idx = np.random.default_rng(seed).choice(math.prod(shape), m, replace=False)

    def forward(self, X):
        return np.asarray(X).reshape(-1)[self.idx]

    def adjoint(self, v):
        out = np.zeros(math.prod(self.shape))
        out[self.idx] = v
        return out.reshape(self.shape)


def test_user_operator_and_no_dense_tensor_above_the_size_limit():
    shape = (2,) * 21  # D = 2^21 > 2^20
    op = _EntrySampler(shape, 500, seed=0)
    y = np.random.default_rng(1).standard_normal(500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = RobustTTRecovery(1, max_iter=2).fit(op, y)
    assert est.tensor_ is None
    assert [c.shape for c in est.cores_] == [(1, 2, 1)] * 21
    assert est.predict(op).shape == (500,)


@pytest.mark.parametrize(
    ("kwargs", "y_fn", "err", "match"),
    [
        ({"ranks": 5}, None, ValueError, r"exceeds min\(prod"),
        ({"ranks": (1, 5, 1, 1, 1)}, None, ValueError, "inconsistent"),
        ({}, lambda y: y[:-1], ValueError, "n_measurements = 240"),
        ({}, lambda y: np.where(np.arange(len(y)) == 3, np.nan, y), ValueError, "NaN"),
        ({}, lambda y: np.where(np.arange(len(y)) == 3, np.inf, y), ValueError, "y contains inf; "),
        ({}, lambda y: y[:, None].repeat(2, axis=1), ValueError, "1-D"),
        ({"method": "sgd"}, None, ValueError, "method must be one of"),
        ({"loss": "huber"}, None, ValueError, "loss must be one of"),
        ({"step": "polyak"}, None, ValueError, "step must be 'geometric'"),
        ({"decay": 1.5}, None, ValueError, r"decay must lie in \(0.0, 1.0\]"),
        ({"step_scale": -1.0}, None, ValueError, "step_scale must lie in"),
        ({"max_iter": 0}, None, ValueError, "max_iter must be an integer >= 1"),
        ({"tol": np.nan}, None, ValueError, "tol must be a finite"),
        ({"init": "zeros"}, None, ValueError, "init must be"),
        ({"init": np.ones((4, 4))}, None, ValueError, "init must have the tensor shape"),
        ({"preconditioned": "yes"}, None, TypeError, "preconditioned must be a bool"),
    ],
)
def test_bad_input_errors(kwargs, y_fn, err, match):
    inst = _instance(4, 0.3, seed=0)
    params = {"ranks": 2, **kwargs}
    y = inst.y if y_fn is None else y_fn(inst.y)
    with pytest.raises(err, match=match):
        RobustTTRecovery(**params).fit(inst.operator, y)


def test_m_below_one_and_bad_operator():
    with pytest.raises(ValueError, match="n_measurements must be >= 1"):
        DenseGaussianOperator(0, (4, 4))
    bad = type("Op", (), {"shape": (4, 4), "n_measurements": 0, "forward": 0, "adjoint": 0})()
    with pytest.raises(ValueError, match="n_measurements must be >= 1"):
        RobustTTRecovery(2).fit(bad, np.ones(0))
    with pytest.raises(TypeError, match="sensing operator"):
        RobustTTRecovery(2).fit("not an operator", np.ones(3))
    with pytest.raises(NotFittedError):
        RobustTTRecovery(2).predict(DenseGaussianOperator(3, (4, 4)))


def test_x_true_checks_and_cores_form():
    inst = _instance(6, 0.2, seed=7)
    with pytest.raises(ValueError, match="X_true must have shape"):
        RobustTTRecovery(2).fit(inst.operator, inst.y, X_true=np.ones(5))
    with_cores = _fit(inst, max_iter=20, tol=0.0)
    est = RobustTTRecovery(2, max_iter=20, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(inst.operator, inst.y, X_true=inst.cores)  # the truth as TT cores
    np.testing.assert_allclose(est.history_["error"], with_cores.history_["error"], rtol=1e-8)


def test_init_from_cores_and_convergence_warning():
    inst = _instance(6, 0.2, seed=8)
    X0 = _local_init(inst, 0.2, seed=1)
    a = _fit(inst, init=X0, max_iter=30, tol=0.0)
    b = _fit(inst, init=tt_svd(X0, ranks=2), max_iter=30, tol=0.0)
    np.testing.assert_allclose(a.tensor_, b.tensor_, atol=1e-10)
    with pytest.raises(ValueError, match="below ranks"):
        RobustTTRecovery(2, init=tt_svd(X0, ranks=1)).fit(inst.operator, inst.y)
    with pytest.warns(ConvergenceWarning, match="did not reach tol"):
        RobustTTRecovery(2, max_iter=3).fit(inst.operator, inst.y)


# --------------------------------------------------------------------------- contract


def test_determinism_and_random_init():
    inst = _instance(6, 0.2, seed=9)
    for params in ({}, {"init": "random", "random_state": 3}, {"method": "frsubgm"}):
        a = _fit(inst, max_iter=40, **params)
        b = _fit(inst, max_iter=40, **params)
        for x, y in zip(a.cores_, b.cores_, strict=True):
            np.testing.assert_array_equal(x, y)
        assert a.history_ == b.history_
    c = _fit(inst, max_iter=40, init="random", random_state=4)
    assert not np.allclose(
        c.tensor_, _fit(inst, max_iter=40, init="random", random_state=3).tensor_
    )


def test_sklearn_contract():
    est = RobustTTRecovery((2, 2), method="frsubgm", decay=0.97, random_state=0)
    params = est.get_params()
    assert params["ranks"] == (2, 2) and params["decay"] == 0.97 and params["step_scale"] is None
    cl = clone(est)
    assert cl.get_params() == params and cl is not est
    cl.set_params(method="psubgm", decay=None)
    assert cl.method == "psubgm" and est.method == "frsubgm"
    inst = _instance(6, 0.2, seed=10)
    est2 = RobustTTRecovery(2, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert est2.fit(inst.operator, inst.y) is est2
        first = [c.copy() for c in est2.cores_]
        other = _instance(6, 0.2, seed=11)
        est2.fit(other.operator, other.y)
        est2.fit(inst.operator, inst.y)  # a refit forgets the previous one
    for x, y in zip(first, est2.cores_, strict=True):
        np.testing.assert_array_equal(x, y)
    assert "history_" in vars(est2) and "history_" not in vars(clone(est2))
    assert est2.step_scale_ == 0.5 and est2.decay_ == 0.9 and est2.ranks_ == (2,) * 5


def test_torch_path_matches_numpy():
    torch = pytest.importorskip("torch")
    inst = _instance(8, 0.3, seed=0)
    ref = _fit(inst, max_iter=60, tol=0.0)
    op = MatrixOperator(torch.as_tensor(inst.operator.matrix), inst.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = RobustTTRecovery(2, max_iter=60, tol=0.0).fit(
            op, torch.as_tensor(inst.y), X_true=torch.as_tensor(inst.tensor)
        )
    assert all(isinstance(c, torch.Tensor) for c in est.cores_)
    assert isinstance(est.tensor_, torch.Tensor)
    np.testing.assert_allclose(est.tensor_.numpy(), ref.tensor_, atol=1e-9)
    np.testing.assert_allclose(est.history_["error"], ref.history_["error"], rtol=1e-6, atol=1e-9)
    assert isinstance(est.predict(op), torch.Tensor)


def test_operator_core_gradients_hook_is_used():
    from statkit.tensor._tt import tt_core_gradients

    inst = _instance(6, 0.2, seed=12)
    calls = []

    class WithGrads(MatrixOperator):
        def core_gradients(self, cores, w):
            calls.append(1)
            return tt_core_gradients(cores, self.adjoint(w))

    op = WithGrads(inst.operator.matrix, inst.shape)
    a = _fit(inst, method="frsubgm", max_iter=10, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        b = RobustTTRecovery(2, method="frsubgm", max_iter=10, tol=0.0).fit(op, inst.y)
    assert len(calls) == 10
    np.testing.assert_allclose(b.tensor_, a.tensor_, atol=1e-12)
