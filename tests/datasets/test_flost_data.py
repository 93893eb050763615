"""FLoST generator, mask generators and the El Niño loader (statkit.datasets._tensor).

The oracles are independent of the generator's code path: ``numpy.fft.rfft`` of the
returned tensors (the generator itself uses ``scipy.fft.irfft``), ``numpy.linalg``
ranks, Parseval's identity, binomial tolerances, and statsmodels' own El Niño loader.
"""

import math

import numpy as np
import pytest

from statkit.datasets import (
    FLoSTInstance,
    bernoulli_mask,
    flost_df,
    load_elnino,
    make_flost,
    time_gap_mask,
    tube_block_mask,
)

SMALL = dict(n1=12, n2=9, T=48, rank=2, n_low_freq=4, sparsity=15)


def _spectrum(x):
    return np.fft.rfft(x, axis=-1, norm="ortho")


def _half_spectrum_energy(spec, T):
    """||x||^2 from the rfft half-spectrum: interior bins count twice."""
    w = np.full(spec.shape[-1], 2.0)
    w[0] = 1.0
    if T % 2 == 0:
        w[-1] = 1.0
    return float((np.abs(spec) ** 2 * w).sum())


# --------------------------------------------------------------------------- structure


@pytest.mark.parametrize(
    "n1, n2, T, rank, n_low_freq, sparsity",
    [
        (12, 9, 48, 2, 4, 15),  # even T
        (10, 14, 37, 3, 5, 20),  # odd T
        (8, 8, 32, 1, 1, 30),  # only the DC slice is low-rank
        (6, 7, 20, 2, 10, 0),  # n_low_freq = T/2: whole band low-rank, no spikes possible
        (5, 6, 21, 5, 11, 0),  # n_low_freq = ceil(T/2) for odd T, full rank
        (2, 2, 8, 1, 2, 8),  # every high-band position filled (Nyquist bin excluded)
    ],
)
def test_spectrum_is_lowrank_plus_sparse(n1, n2, T, rank, n_low_freq, sparsity):
    amp = 0.3
    inst = make_flost(n1, n2, T, rank, n_low_freq, sparsity, amp_sparse=amp, random_state=3)
    assert isinstance(inst, FLoSTInstance)
    for a in (inst.truth, inst.lowrank, inst.sparse, inst.observed):
        assert a.shape == (n1, n2, T)
        assert a.dtype == np.float64  # real
    np.testing.assert_array_equal(inst.truth, inst.lowrank + inst.sparse)

    spec = _spectrum(inst.truth)
    K = n_low_freq - 1
    for k in range(n_low_freq):
        sl = spec[:, :, k]
        sv = np.linalg.svd(sl, compute_uv=False)
        assert np.linalg.matrix_rank(sl, tol=1e-9 * sv[0]) == rank
    if T % 2 == 0:  # the imaginary parts that irfft would drop are zero
        assert np.abs(spec[:, :, -1]).max() < 1e-10
    high = spec[:, :, K + 1 :]
    spike = amp * math.sqrt(T)
    nz = np.abs(high) > 1e-6 * spike
    assert int(nz.sum()) == sparsity
    assert np.abs(high[~nz]).max(initial=0.0) < 1e-10 * spike
    np.testing.assert_allclose(np.abs(high[nz]), spike, rtol=1e-10)
    # the support reported in params is the support of the spectrum
    sup = inst.params["sparse_support"]
    assert sup.shape == (sparsity, 3)
    i, j, k = np.nonzero(np.abs(spec) > 1e-6 * spike)
    found = {t for t in zip(i, j, k, strict=True) if t[2] > K}
    assert found == {tuple(int(v) for v in row) for row in sup}
    assert np.all((sup[:, 2] >= n_low_freq) & (sup[:, 2] <= (T - 1) // 2))
    # the two parts live in disjoint bands
    assert np.abs(_spectrum(inst.lowrank)[:, :, K + 1 :]).max(initial=0.0) < 1e-10 * spike
    assert np.abs(_spectrum(inst.sparse)[:, :, :n_low_freq]).max() < 1e-10 * spike
    # Parseval (unitary DFT)
    e_time = float((inst.truth**2).sum())
    assert math.isclose(e_time, _half_spectrum_energy(spec, T), rel_tol=1e-10)


def test_scaling_of_both_parts():
    amp, T = 0.3, 256
    inst = make_flost(40, 40, T, 2, 4, 40, amp_sparse=amp, random_state=0)
    # the low-rank part has entry variance 1 in expectation
    assert 0.6 < float(np.mean(inst.lowrank**2)) < 1.5
    # each spike is a sinusoid of amplitude 2a in its tube: tube energy 2 a^2 T per spike
    sup = inst.params["sparse_support"]
    tubes, counts = np.unique(sup[:, :2], axis=0, return_counts=True)
    for (i, j), c in zip(tubes, counts, strict=True):
        assert math.isclose(
            float((inst.sparse[i, j] ** 2).sum()), 2 * amp**2 * T * c, rel_tol=1e-10
        )
    untouched = np.ones((40, 40), dtype=bool)
    untouched[tubes[:, 0], tubes[:, 1]] = False
    assert np.abs(inst.sparse[untouched]).max() < 1e-12


def test_df_formula():
    assert flost_df(40, 40, 2, 4, 40) == 1172  # the pilot configuration of the method note
    assert flost_df(100, 100, 5, 11, 20000) == 60475
    for kw in (SMALL, dict(n1=10, n2=14, T=37, rank=3, n_low_freq=5, sparsity=20)):
        inst = make_flost(**kw, random_state=0)
        K = kw["n_low_freq"] - 1
        r = kw["rank"]
        expected = (2 * K + 1) * r * (kw["n1"] + kw["n2"] - r) + 2 * kw["sparsity"]
        assert (
            inst.df == expected == flost_df(kw["n1"], kw["n2"], r, kw["n_low_freq"], kw["sparsity"])
        )
    with pytest.raises(ValueError, match="rank"):
        flost_df(3, 4, 5, 1, 0)


# --------------------------------------------------------------------------- observations


def test_observed_nan_exactly_off_mask_and_noise_level():
    sigma = 0.2
    inst = make_flost(30, 30, 128, noise=sigma, sampling_rate=0.4, random_state=1)
    np.testing.assert_array_equal(np.isnan(inst.observed), ~inst.mask)
    resid = inst.observed[inst.mask] - inst.truth[inst.mask]
    n = resid.size
    assert inst.params["n_observed"] == n
    # sd of the residual within 5 standard errors (se of a sd estimate ~ sigma / sqrt(2n))
    assert abs(resid.std() - sigma) < 5 * sigma / math.sqrt(2 * n)
    assert abs(resid.mean()) < 5 * sigma / math.sqrt(n)
    # Bernoulli rate of the mask
    N, p = inst.mask.size, 0.4
    assert abs(inst.mask.mean() - p) < 5 * math.sqrt(p * (1 - p) / N)


def test_zero_noise_and_full_sampling():
    inst = make_flost(**SMALL, noise=0.0, sampling_rate=1.0, random_state=2)
    assert inst.mask.all()
    np.testing.assert_array_equal(inst.observed, inst.truth)


def test_explicit_mask_is_used_and_copied():
    shape = (SMALL["n1"], SMALL["n2"], SMALL["T"])
    m = tube_block_mask(shape, 0.3, p=0.5, random_state=4)
    inst = make_flost(**SMALL, mask=m, random_state=5)
    np.testing.assert_array_equal(inst.mask, m)
    np.testing.assert_array_equal(np.isnan(inst.observed), ~m)
    assert inst.params["mask"] == "array"
    assert inst.params["sampling_rate"] is None
    m[...] = True
    assert not inst.mask.all()
    assert "FLoSTInstance(shape=(12, 9, 48)" in repr(inst)


def test_determinism():
    a = make_flost(**SMALL, random_state=11)
    b = make_flost(**SMALL, random_state=11)
    c = make_flost(**SMALL, random_state=12)
    for name in ("truth", "observed", "mask", "lowrank", "sparse"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_array_equal(a.params["sparse_support"], b.params["sparse_support"])
    assert not np.allclose(a.truth, c.truth)
    d = make_flost(**SMALL, random_state=np.random.default_rng(11))
    np.testing.assert_array_equal(a.observed, d.observed)
    shape = (6, 5, 40)
    np.testing.assert_array_equal(bernoulli_mask(shape, 0.3, 7), bernoulli_mask(shape, 0.3, 7))
    np.testing.assert_array_equal(
        tube_block_mask(shape, 0.4, 0.5, 7), tube_block_mask(shape, 0.4, 0.5, 7)
    )
    np.testing.assert_array_equal(
        time_gap_mask(shape, 2, 5, 0.5, 7), time_gap_mask(shape, 2, 5, 0.5, 7)
    )
    assert not np.array_equal(
        time_gap_mask(shape, 2, 5, 1.0, 7), time_gap_mask(shape, 2, 5, 1.0, 8)
    )


# --------------------------------------------------------------------------- masks


@pytest.mark.parametrize("p", [0.05, 0.3, 0.9, 1.0])
def test_bernoulli_mask_rate(p):
    shape = (20, 25, 60)
    m = bernoulli_mask(shape, p, random_state=0)
    assert m.shape == shape and m.dtype == np.bool_
    N = m.size
    assert abs(m.mean() - p) <= 5 * math.sqrt(p * (1 - p) / N)
    assert bernoulli_mask((7,), 0.5, random_state=0).shape == (7,)


@pytest.mark.parametrize("frac, p", [(0.0, 1.0), (0.25, 1.0), (0.37, 1.0), (0.3, 0.5), (0.9, 0.2)])
def test_tube_block_mask(frac, p):
    n1, n2, T = 15, 12, 200
    m = tube_block_mask((n1, n2, T), frac, p=p, random_state=3)
    assert m.shape == (n1, n2, T) and m.dtype == np.bool_
    empty = ~m.any(axis=-1)
    # with T = 200 an unselected tube is empty with probability (1 - p)^200 < 1e-19
    assert int(empty.sum()) == round(frac * n1 * n2)
    rest = m[~empty]
    if p == 1.0:
        assert rest.all()
    else:
        N = rest.size
        assert abs(rest.mean() - p) <= 5 * math.sqrt(p * (1 - p) / N)


def _runs(missing):
    """(start, length) of the runs of True in a 1-D bool array."""
    padded = np.concatenate([[False], missing, [False]]).astype(int)
    d = np.diff(padded)
    starts, ends = np.nonzero(d == 1)[0], np.nonzero(d == -1)[0]
    return list(zip(starts.tolist(), (ends - starts).tolist(), strict=True))


@pytest.mark.parametrize("n_gaps, L, T", [(0, 3, 30), (1, 10, 30), (3, 7, 100), (5, 1, 12)])
def test_time_gap_mask_gaps(n_gaps, L, T):
    for seed in range(5):
        m = time_gap_mask((4, 3, T), n_gaps, L, random_state=seed)
        missing = ~m.any(axis=(0, 1))
        np.testing.assert_array_equal(~m.all(axis=(0, 1)), missing)  # whole frames only
        runs = _runs(missing)
        assert len(runs) == n_gaps
        assert all(length == L for _, length in runs)


def test_time_gap_mask_tight_fit_and_p():
    # n_gaps * L + (n_gaps - 1) == T: the only placement is gap, frame, gap, frame, gap
    m = time_gap_mask((2, 2, 17), 3, 5, random_state=0)
    np.testing.assert_array_equal(m.any(axis=(0, 1)), np.isin(np.arange(17), [5, 11]))
    p, T = 0.4, 300
    m = time_gap_mask((10, 10, T), 4, 20, p=p, random_state=1)
    missing = ~m.any(axis=(0, 1))
    assert int(missing.sum()) == 80
    rest = m[:, :, ~missing]
    assert abs(rest.mean() - p) <= 5 * math.sqrt(p * (1 - p) / rest.size)


def test_time_gap_mask_placement_reaches_both_ends():
    starts = set()
    for seed in range(200):
        missing = ~time_gap_mask((1, 1, 10), 1, 3, random_state=seed).any(axis=(0, 1))
        starts.add(int(np.argmax(missing)))
    assert starts == set(range(8))  # every start 0..T-L is drawn


# --------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_low_freq=0), "n_low_freq"),
        (dict(T=48, n_low_freq=25), "n_low_freq"),  # ceil(48/2) = 24
        (dict(T=49, n_low_freq=26), "n_low_freq"),  # ceil(49/2) = 25
        (dict(n_low_freq=2.0), "n_low_freq"),
        (dict(n_low_freq=True), "n_low_freq"),
        (dict(rank=0), "rank"),
        (dict(rank=10), "rank"),  # min(n1, n2) = 9
        (dict(sparsity=-1), "sparsity"),
        (dict(sparsity=12 * 9 * 20 + 1), "sparsity"),  # bins 4..23 of T = 48
        (dict(T=48, n_low_freq=24, sparsity=1), "sparsity"),  # only the Nyquist bin is left
        (dict(sampling_rate=0.0), "sampling_rate"),
        (dict(sampling_rate=1.2), "sampling_rate"),
        (dict(sampling_rate=float("nan")), "sampling_rate"),
        (dict(noise=-0.1), "noise"),
        (dict(noise=float("inf")), "noise"),
        (dict(amp_sparse=0.0), "amp_sparse"),
        (dict(amp_sparse=-1.0), "amp_sparse"),
        (dict(n1=0), "n1"),
        (dict(n2=3.5), "n2"),
        (dict(T=0), "T"),
        (dict(mask="uniform"), "mask"),
        (dict(mask=np.ones((12, 9, 48), dtype=int)), "boolean"),
        (dict(mask=np.ones((12, 9, 47), dtype=bool)), "shape"),
        (dict(mask=np.zeros((12, 9, 48), dtype=bool)), "no entry"),
        (dict(random_state=-1), "random_state"),
    ],
)
def test_make_flost_rejects(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_flost(**{**SMALL, **kwargs})


def test_make_flost_accepts_the_range_ends():
    make_flost(n1=3, n2=3, T=48, rank=3, n_low_freq=24, sparsity=0, random_state=0)
    make_flost(n1=3, n2=3, T=49, rank=1, n_low_freq=25, sparsity=0, random_state=0)
    make_flost(n1=2, n2=2, T=8, rank=1, n_low_freq=2, sparsity=8, random_state=0)
    with pytest.raises(ValueError, match="sparsity"):
        make_flost(n1=2, n2=2, T=8, rank=1, n_low_freq=2, sparsity=9)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: bernoulli_mask((3, 3, 3), 0.0), "p must"),
        (lambda: bernoulli_mask((3, 3, 3), 1.5), "p must"),
        (lambda: bernoulli_mask((3, 0, 3), 0.5), "shape"),
        (lambda: bernoulli_mask((), 0.5), "shape"),
        (lambda: bernoulli_mask(5, 0.5), "shape"),
        (lambda: tube_block_mask((3, 3), 0.1), "shape"),
        (lambda: tube_block_mask((3, 3, 3), 1.0), "frac_tubes_missing"),
        (lambda: tube_block_mask((3, 3, 3), -0.1), "frac_tubes_missing"),
        (lambda: tube_block_mask((3, 3, 3), 0.1, p=0.0), "p must"),
        (lambda: time_gap_mask((3, 3, 10), 3, 3), "gaps"),  # needs 3*3 + 2 = 11 > 10
        (lambda: time_gap_mask((3, 3, 10), 1, 10), "gaps"),  # would cover every frame
        (lambda: time_gap_mask((3, 3, 10), 1, 0), "gap_length"),
        (lambda: time_gap_mask((3, 3, 10), -1, 2), "n_gaps"),
        (lambda: time_gap_mask((3, 3, 10), 1, 2, p=2.0), "p must"),
        (lambda: time_gap_mask((3, 3, 10, 2), 1, 2), "shape"),
    ],
)
def test_masks_reject(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- real data


def test_load_elnino_matches_statsmodels():
    sm_elnino = pytest.importorskip("statsmodels.datasets.elnino")
    df = sm_elnino.load_pandas().data
    X, meta = load_elnino()
    assert X.shape == (1, 12, 61) and X.dtype == np.float64
    assert not np.isnan(X).any()
    np.testing.assert_array_equal(meta["years"], df["YEAR"].to_numpy().astype(int))
    np.testing.assert_allclose(X[0], df.iloc[:, 1:].to_numpy(dtype=float).T)
    assert meta["source_package"] == "statsmodels"
    assert meta["path"].endswith("elnino.csv")
    assert meta["units"] == "degC"
    assert {"citation", "modes", "limitation", "source_version"} <= set(meta)
    Y, meta_m = load_elnino("monthly")
    assert Y.shape == (1, 1, 732) and meta_m["layout"] == "monthly"
    # month m of year y is time point 12 y + m
    np.testing.assert_array_equal(Y[0, 0].reshape(61, 12).T, X[0])
    with pytest.raises(ValueError, match="layout"):
        load_elnino("grid")
