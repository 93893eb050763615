"""Provenance of check results, the JSON sidecar, rerun, to_latex and savefig.

Oracles: the libraries' own ``__version__``; ``git`` run here; the seeding scheme the
provenance states, re-implemented here with ``SeedSequence.spawn``; the values a test
itself wrote into a file (tampering); a clock around the run; the PNG header and the
PDF MediaBox read byte-wise (no matplotlib); LaTeX tables parsed line by line.
"""

import json
import math
import re
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import statkit
from statkit.simulation import LevelCheck, RateCheck, _registry, get_check
from statkit.simulation import _provenance as prov_mod
from statkit.simulation._provenance import provenance_path, read_provenance, rerun

CLT = "clt-sample-mean"


@pytest.fixture
def clt_run(tmp_path):
    out = tmp_path / f"{CLT}.csv"
    t0 = time.perf_counter()
    result = get_check(CLT).run(quick=True, random_state=3, out=out, progress=False)
    elapsed = time.perf_counter() - t0
    return result, out, elapsed


def test_sidecar_is_written_beside_the_csv(clt_run):
    result, out, _ = clt_run
    side = out.with_name(f"{CLT}.provenance.json")
    assert provenance_path(out) == side
    assert side.is_file()
    record = json.loads(side.read_text())  # strict JSON (no NaN/Infinity tokens)
    assert record["data_file"] == out.name
    assert {k: v for k, v in record.items() if k != "data_file"} == result.provenance


def test_provenance_fields(clt_run):
    import numba
    import scipy

    result, _, elapsed = clt_run
    p = result.provenance
    check = get_check(CLT)
    assert p["statkit_version"] == statkit.__version__
    assert p["check"] == CLT and p["check_type"] == "RateCheck"
    assert p["random_state"] == 3
    assert p["grid"] == list(check.quick_grid)
    assert p["quick"] is True
    assert p["n_reps"] == check.quick_reps
    assert p["versions"]["numpy"] == np.__version__
    assert p["versions"]["scipy"] == scipy.__version__
    assert p["versions"]["numba"] == numba.__version__
    from importlib import metadata

    try:
        torch_version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch_version = None
    assert p["versions"]["torch"] == torch_version
    assert p["backend"] == "numpy" and p["device"] == "cpu"
    assert p["torch_loaded"] == ("torch" in sys.modules)
    if not p["torch_loaded"]:
        assert p["cuda_device"] is None
    assert p["executor"] == "serial" and p["n_jobs"] == 1
    assert 0 < p["wall_time"] <= elapsed
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", p["started_at"])
    assert p["result"]["verdict"] == result.verdict
    assert p["result"]["slope"] == result.slope
    assert p["result"]["ci"] == list(result.ci)


def test_recorded_seed_scheme_regenerates_the_values(clt_run):
    """The scheme the file states, implemented here from SeedSequence.spawn."""
    result, _, _ = clt_run
    p = result.provenance
    check = get_check(CLT)
    assert "spawn" in p["seed_scheme"]
    roots = np.random.SeedSequence(p["random_state"]).spawn(len(p["grid"]))
    # spawn() is stateful (a second call continues the numbering): spawn once per point
    children = [root.spawn(p["n_reps"]) for root in roots]
    for row in result.data.sample(12, random_state=0).itertuples():
        seq = children[row.grid_index][row.rep]
        value = check.simulate(p["grid"][row.grid_index], np.random.default_rng(seq))
        assert value == row.value


def test_git_commit_is_that_of_the_checkout():
    commit, dirty = prov_mod.git_info()
    root = Path(statkit.__file__).resolve().parents[1]
    if shutil.which("git") is None or not (root / ".git").exists():
        assert commit is None and dirty is None
        return
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert commit == head
    assert isinstance(dirty, bool)


def test_git_missing_or_failing_gives_none(monkeypatch):
    monkeypatch.setattr(prov_mod.shutil, "which", lambda name: None)
    assert prov_mod.git_info() == (None, None)
    monkeypatch.undo()

    def broken(*args, **kwargs):
        raise OSError("no git here")

    monkeypatch.setattr(prov_mod.subprocess, "run", broken)
    assert prov_mod.git_info() == (None, None)


def test_rerun_reproduces_exactly(clt_run):
    _, out, _ = clt_run
    report = rerun(out, progress=False)
    assert report.matched
    assert report.n_values == len(get_check(CLT).quick_grid) * get_check(CLT).quick_reps
    assert report.n_mismatched == report.n_missing == 0
    assert report.max_abs_diff == 0.0
    assert "MATCH" in str(report)
    # through the JSON too
    assert rerun(provenance_path(out), progress=False).matched


def test_rerun_detects_a_tampered_value(clt_run):
    _, out, _ = clt_run
    lines = out.read_text().splitlines()
    fields = lines[7].split(",")
    old = float(fields[-1])
    fields[-1] = repr(old + 0.125)
    lines[7] = ",".join(fields)
    out.write_text("\n".join(lines) + "\n")
    report = rerun(out, progress=False)
    assert not report.matched
    assert report.n_mismatched == 1
    assert report.max_abs_diff == pytest.approx(0.125, rel=1e-12)
    assert "MISMATCH" in str(report)


def test_rerun_detects_a_tampered_fitted_number(clt_run):
    _, out, _ = clt_run
    side = provenance_path(out)
    record = json.loads(side.read_text())
    record["result"]["slope"] += 1e-12
    side.write_text(json.dumps(record))
    report = rerun(out, progress=False)
    assert not report.matched and report.n_mismatched == 0
    assert [k for k, _, _ in report.mismatched_numbers] == ["slope"]


def test_rerun_detects_a_missing_row(clt_run):
    _, out, _ = clt_run
    lines = out.read_text().splitlines()
    out.write_text("\n".join(lines[:-1]) + "\n")
    report = rerun(out, progress=False)
    assert not report.matched and report.n_missing == 1


def test_rerun_reports_a_changed_grid_and_uses_the_recorded_one(clt_run, monkeypatch):
    _, out, _ = clt_run
    check = get_check(CLT)
    monkeypatch.setattr(check, "quick_grid", (*check.quick_grid, 2048))
    report = rerun(out, progress=False)
    assert report.grid_changed
    assert any("changed since the file was written" in n for n in report.notes)
    assert report.matched  # the seeds depend on (seed, grid index, rep) only


def test_rerun_without_provenance_says_so(tmp_path):
    result = get_check(CLT).run(quick=True, progress=False)
    path = tmp_path / "x.csv"
    result.to_csv(path, provenance=False)
    assert not provenance_path(path).exists()
    with pytest.raises(ValueError, match=r"no provenance file .*x\.provenance\.json"):
        rerun(path)
    with pytest.raises(ValueError, match="no such file"):
        rerun(tmp_path / "nope.csv")
    bad = tmp_path / "bad.provenance.json"
    bad.write_text('{"format": "other"}')
    with pytest.raises(ValueError, match="not a statkit provenance file"):
        read_provenance(bad)


def test_to_csv_writes_a_sidecar_that_reruns(tmp_path):
    result = get_check(CLT).run(quick=True, random_state=5, progress=False)
    path = tmp_path / "saved.csv"
    result.to_csv(path)
    assert read_provenance(provenance_path(path))["random_state"] == 5
    assert rerun(path, progress=False).matched


def test_resume_still_works_and_rewrites_the_sidecar(clt_run):
    first, out, _ = clt_run
    before = out.read_text()
    again = get_check(CLT).run(quick=True, random_state=3, out=out, progress=False)
    assert out.read_text() == before  # nothing recomputed or appended
    assert again.n_reused == len(first.data)
    assert read_provenance(provenance_path(out))["n_reused"] == len(first.data)
    assert rerun(out, progress=False).matched


def _bernoulli(x, rng):
    return float(rng.random() < 0.25)


def test_level_check_provenance_and_rerun(tmp_path, monkeypatch):
    check = LevelCheck("zz-prov-level", _bernoulli, grid=[1, 2, 3], target=0.25, n_reps=40)
    monkeypatch.setitem(_registry._REGISTRY, check.name, check)
    out = tmp_path / "lvl.csv"
    result = check.run(random_state=1, out=out, progress=False)
    p = result.provenance
    assert p["check_type"] == "LevelCheck" and p["result"]["target"] == 0.25
    assert p["result"]["table"]["mean"] == list(result.table["mean"])
    report = rerun(out, progress=False)
    assert report.matched and report.n_values == 120


def test_provenance_without_run_context():
    """A result built directly still has a provenance (no executor then)."""
    check = get_check(CLT)
    result = check.run(quick=True, progress=False)
    rebuilt = type(result)(
        check,
        result.data,
        grid=result.grid,
        random_state=result.random_state,
        n_reps=result.n_reps,
        wall_time=result.wall_time,
        quick=True,
        n_reused=0,
    )
    p = rebuilt.provenance
    assert p["executor"] is None and p["result"]["slope"] == result.slope
    p["check"] = "changed"  # a copy: the result's own record is untouched
    assert rebuilt.provenance["check"] == CLT


# ---------------------------------------------------------------------------- LaTeX


def _body_rows(latex):
    lines = latex.splitlines()
    assert lines[0] == r"\begin{table}[ht]" and lines[-1] == r"\end{table}"
    assert lines.count(r"\toprule") == 1 and lines.count(r"\bottomrule") == 1
    top, bottom = lines.index(r"\toprule"), lines.index(r"\bottomrule")
    body = [ln for ln in lines[top + 1 : bottom] if ln != r"\midrule"]
    for ln in body:
        assert ln.endswith(r" \\")
    return [ln[: -len(r" \\")].split(" & ") for ln in body]


def _math_number(cell):
    m = re.fullmatch(r"\$(-?\d+\.\d+)\$", cell)
    assert m, cell
    return float(m.group(1))


def test_rate_check_latex_table():
    result = get_check(CLT).run(quick=True, random_state=0, progress=False)
    header, row = _body_rows(result.to_latex(digits=4))
    assert header == ["Check", "Slope", r"95\% CI", "Predicted", "Verdict"]
    assert row[0] == r"\texttt{clt-sample-mean}"
    assert _math_number(row[1]) == pytest.approx(result.slope, abs=5e-5)
    lo, hi = re.fullmatch(r"\[(\S+), (\S+)\]", row[2]).groups()
    assert _math_number(lo) == pytest.approx(result.ci[0], abs=5e-5)
    assert _math_number(hi) == pytest.approx(result.ci[1], abs=5e-5)
    assert _math_number(row[3]) == -0.5
    assert row[4] == result.verdict
    assert "booktabs" not in result.to_latex()  # the preamble is the user's


def _inverse(x, rng):
    return 1.0 / x * (1 + 0.1 * rng.random())


def test_latex_escapes_names_and_caption():
    check = RateCheck("a_b", _inverse, [1, 2, 4, 8], -1.0, n_reps=4, quantity="q")
    result = check.run(progress=False)
    text = result.to_latex(caption="50% of x_1 & {y} ~ #2 $3 ^4 \\", label="tab:a_b")
    assert r"\texttt{a\_b}" in text
    expected = (
        r"\caption{50\% of x\_1 \& \{y\} \textasciitilde{} \#2 \$3 "
        r"\textasciicircum{}4 \textbackslash{}}"
    )
    assert expected in text.splitlines()
    assert r"\label{tab:a_b}" in text.splitlines()


def test_level_check_latex_table():
    check = LevelCheck("lvl", _bernoulli, grid=[10, 20], target=0.25, n_reps=60)
    result = check.run(progress=False)
    rows = _body_rows(result.to_latex())
    assert rows[0][:3] == ["Check", "$n$", "Mean"]
    for row, (_, t) in zip(rows[1:3], result.table.iterrows(), strict=True):
        assert _math_number(row[2]) == pytest.approx(t["mean"], abs=5e-4)
        assert row[5] == ("yes" if t["contains_target"] else "no")
    assert rows[3][0].startswith(r"\multicolumn{6}{l}{Verdict: " + result.verdict)


def test_latex_bad_input():
    result = get_check(CLT).run(quick=True, progress=False)
    with pytest.raises(ValueError, match="digits"):
        result.to_latex(digits=-1)
    with pytest.raises(TypeError, match="caption"):
        result.to_latex(caption=3)


def test_latex_infinite_interval_end():
    from statkit.simulation._export import _interval

    assert _interval(-math.inf, 1.5, 2) == r"[$-\infty$, $1.50$]"


# -------------------------------------------------------------------------- figures


def _png_size(path):
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _pdf_mediabox(path):
    data = Path(path).read_bytes()
    assert data[:5] == b"%PDF-"
    m = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    return float(m.group(1)), float(m.group(2))


@pytest.mark.parametrize(("width", "inches"), [("column", 3.5), ("page", 7.0), (5, 5.0)])
def test_savefig_png_size(tmp_path, width, inches):
    result = get_check(CLT).run(quick=True, progress=False)
    path = result.savefig(tmp_path / "fig.png", width=width, dpi=100)
    assert _png_size(path) == (round(inches * 100), round(0.75 * inches * 100))


def test_savefig_pdf_size(tmp_path):
    result = get_check(CLT).run(quick=True, progress=False)
    path = result.savefig(tmp_path / "fig.PDF", width="column", height=2.0)
    assert _pdf_mediabox(path) == (252.0, 144.0)  # 3.5 in x 2 in at 72 pt/in


def test_savefig_bad_input(tmp_path):
    result = get_check(CLT).run(quick=True, progress=False)
    with pytest.raises(ValueError, match=r"\.pdf or \.png"):
        result.savefig(tmp_path / "fig.svg")
    with pytest.raises(ValueError, match="width must be 'column'"):
        result.savefig(tmp_path / "fig.png", width="wide")
    with pytest.raises(ValueError, match="width must be a positive"):
        result.savefig(tmp_path / "fig.png", width=-1)
    with pytest.raises(ValueError, match="height must be a positive"):
        result.savefig(tmp_path / "fig.png", height=0)
    with pytest.raises(ValueError, match="font_size"):
        result.savefig(tmp_path / "fig.png", font_size=0)


def test_cuda_device_is_recorded_when_initialised(monkeypatch):
    """A stand-in torch module whose CUDA reports an initialised device."""
    import types

    cuda = types.SimpleNamespace(
        is_initialized=lambda: True,
        current_device=lambda: 0,
        get_device_name=lambda index: f"Fake GPU {index}",
    )
    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(cuda=cuda))
    p = get_check(CLT).run(quick=True, progress=False).provenance
    assert p["torch_loaded"] is True and p["cuda_device"] == "Fake GPU 0"
    cuda.is_initialized = lambda: False
    p = get_check(CLT).run(quick=True, progress=False).provenance
    assert p["torch_loaded"] is True and p["cuda_device"] is None


def _offset_power(x, rng):
    return float(-2.0 + 3.0 * x ** (2 / 3) + rng.standard_normal())


def test_offset_power_result_with_an_unbounded_ci_reruns(tmp_path, monkeypatch):
    # a grid too short to bound the exponent: the CI reaches the edge of the range (+-inf)
    check = RateCheck(
        "zz-prov-offset",
        _offset_power,
        [1, 2, 3, 4],
        2 / 3,
        model="offset-power",
        exponent_range=(-1.0, 1.0),
        n_reps=6,
    )
    monkeypatch.setitem(_registry._REGISTRY, check.name, check)
    out = tmp_path / "off.csv"
    result = check.run(random_state=2, out=out, progress=False)
    assert math.isinf(result.ci[0]) or math.isinf(result.ci[1])
    record = json.loads(provenance_path(out).read_text())  # strict JSON despite inf
    assert record["result"]["model"] == "offset-power"
    saved_ci = [float(v) for v in record["result"]["ci"]]
    assert saved_ci == list(result.ci)
    assert rerun(out, progress=False).matched
