"""Provenance of a check result, its JSON sidecar file, and rerunning a saved result.

Every result of :meth:`RateCheck.run` / :meth:`LevelCheck.run` carries
``result.provenance``, a dict with what is needed to regenerate its numbers years later:
statkit's version and git commit, the seed and how replications are seeded, the versions
of the numerical libraries, the backend and device, the grid, the number of
replications, the wall time, and the fitted numbers themselves. ``run(out=...)`` writes it
next to the CSV file as ``NAME.provenance.json``; :func:`rerun` (``statkit rates rerun
FILE``) reruns the check from it and compares every number.
"""

import copy
import json
import math
import os
import platform
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

__all__ = [
    "PROVENANCE_FORMAT",
    "SEED_SCHEME",
    "RerunReport",
    "build_provenance",
    "git_info",
    "library_versions",
    "provenance_path",
    "read_provenance",
    "rerun",
    "write_provenance",
]

#: Value of the ``format`` field; bumped if the layout changes incompatibly.
PROVENANCE_FORMAT = "statkit-provenance/1"

#: How replicate ``rep`` at grid index ``grid_index`` is seeded (see ``replicate_rng``).
SEED_SCHEME = (
    "numpy.random.default_rng(numpy.random.SeedSequence(random_state, "
    "spawn_key=(grid_index, rep))), equal to SeedSequence(random_state).spawn(n_grid)"
    "[grid_index].spawn(n_reps)[rep]; independent of n_jobs and scheduler"
)

#: Fields a provenance file must have for :func:`rerun`.
_REQUIRED = ("check", "random_state", "grid", "quick", "n_reps", "result")

#: Libraries whose versions are recorded (distribution names).
LIBRARIES = ("numpy", "scipy", "numba", "torch", "pandas", "statsmodels", "joblib")


def utc_now():
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def library_versions():
    """Versions of :data:`LIBRARIES` and Python; None for a library that is not installed.

    An imported module's ``__version__`` is used when there is one (it is what ran);
    otherwise the installed distribution's metadata, so torch is never imported here.
    """
    from importlib import metadata

    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        version = getattr(sys.modules.get(name), "__version__", None)
        if version is None:
            try:
                version = metadata.version(name)
            except metadata.PackageNotFoundError:
                version = None
        out[name] = None if version is None else str(version)
    return out


def _git(args, cwd):
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return result.stdout.strip() if result.returncode == 0 else None


def git_info():
    """``(commit, dirty)`` of the statkit source tree when it is a git checkout.

    Only a checkout whose top level holds this very ``statkit`` package counts (an
    installed statkit inside some other repository does not). ``dirty`` is whether
    files under ``statkit/`` differ from the commit (untracked files included).
    ``(None, None)`` when git is missing, fails or the package is not in a checkout.
    """
    import statkit

    package = Path(statkit.__file__).resolve().parent
    if shutil.which("git") is None:
        return None, None
    try:
        top = _git(["rev-parse", "--show-toplevel"], package)
        if top is None or (Path(top) / "statkit").resolve() != package:
            return None, None
        commit = _git(["rev-parse", "HEAD"], top)
        if commit is None:
            return None, None
        # --no-optional-locks: never take index.lock (a concurrent `git commit` must not fail)
        status = _git(["--no-optional-locks", "status", "--porcelain", "--", "statkit"], top)
    except (OSError, subprocess.SubprocessError):
        return None, None
    return commit, (None if status is None else bool(status))


def _torch_state():
    """``(loaded, cuda_device)``: whether torch is imported in this process, and the name
    of the current CUDA device if CUDA was initialised (never initialises it)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return False, None
    try:
        if torch.cuda.is_initialized():
            return True, str(torch.cuda.get_device_name(torch.cuda.current_device()))
    except Exception:  # a broken or partial CUDA setup must not break a run
        return True, None
    return True, None


def _scheduler_text(scheduler):
    if scheduler is None or isinstance(scheduler, str):
        return scheduler
    address = getattr(getattr(scheduler, "scheduler", None), "address", None)
    return f"{type(scheduler).__name__}({address})" if address else type(scheduler).__name__


def _executor(n_jobs, scheduler):
    if scheduler is not None:
        return "dask"
    if n_jobs is None:
        return None
    return "serial" if n_jobs == 1 else "joblib"


def _number(value):
    """A float for JSON: non-finite values as the strings 'inf', '-inf', 'nan'."""
    value = float(value)
    return value if math.isfinite(value) else repr(value)


def result_numbers(result):
    """The fitted numbers of a result (what a figure or table shows), JSON-ready."""
    from ._result import RateCheckResult

    table = result.table
    columns = [c for c in table.columns if table[c].dtype.kind in "fiu" and c != "grid_index"]
    out = {
        "verdict": result.verdict,
        "table": {c: [_number(v) for v in table[c]] for c in columns},
    }
    if isinstance(result, RateCheckResult):
        out.update(
            model=result.model,
            aggregate=result.aggregate,
            slope=_number(result.slope),
            ci=[_number(result.ci[0]), _number(result.ci[1])],
            predicted_exponent=_number(result.predicted_exponent),
        )
    else:
        out.update(target=_number(result.target), level_each=_number(result.level_each))
    return out


def build_provenance(result, *, n_jobs=None, scheduler=None, started_at=None):
    """Provenance dict of ``result`` (see the module docstring for the fields).

    Parameters
    ----------
    result : RateCheckResult or LevelCheckResult
    n_jobs, scheduler : as passed to ``run`` (None when unknown)
    started_at : str, optional
        UTC start time of the run (ISO 8601).
    """
    import statkit

    check = result.check
    commit, dirty = git_info()
    torch_loaded, cuda_device = _torch_state()
    return {
        "format": PROVENANCE_FORMAT,
        "check": check.name,
        "check_type": type(check).__name__,
        "reference": check.reference,
        "statkit_version": statkit.__version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "random_state": int(result.random_state),
        "seed_scheme": SEED_SCHEME,
        "grid": [x if isinstance(x, int) else float(x) for x in result.grid],
        "variable": check.variable,
        "quick": bool(result.quick),
        "n_reps": int(result.n_reps),
        "ci_level": float(result.ci_level),
        "versions": library_versions(),
        # the checks' simulate functions draw from numpy Generators on the CPU; a check
        # that runs elsewhere says so through its own ``backend``/``device`` attributes
        "backend": str(getattr(check, "backend", "numpy")),
        "device": str(getattr(check, "device", "cpu")),
        # what this process had loaded when the run ended (workers of n_jobs > 1 or Dask
        # are other processes): a simulate that moved work to a GPU shows up here
        "torch_loaded": torch_loaded,
        "cuda_device": cuda_device,
        "executor": _executor(n_jobs, scheduler),
        "n_jobs": n_jobs,
        "scheduler": _scheduler_text(scheduler),
        "platform": platform.platform(),
        "started_at": started_at,
        "wall_time": float(result.wall_time),
        "n_reused": int(result.n_reused),
        "result": result_numbers(result),
    }


def provenance_path(out):
    """Sidecar of the ``out`` file: ``NAME.csv`` -> ``NAME.provenance.json``."""
    path = Path(os.fspath(out))
    if path.suffix.lower() == ".csv":
        return path.with_suffix(".provenance.json")
    return path.with_name(path.name + ".provenance.json")


def write_provenance(path, provenance, data_file=None):
    """Write ``provenance`` (plus ``data_file``, the CSV's name) as JSON to ``path``."""
    record = dict(provenance)
    if data_file is not None:
        record["data_file"] = str(data_file)
    path = Path(os.fspath(path))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # never leave a half-written sidecar


def read_provenance(path):
    """Read a provenance file; raise ValueError naming the file if it is not one."""
    path = Path(os.fspath(path))
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{str(path)!r} is not a statkit provenance file: {exc}") from None
    if not isinstance(record, dict) or record.get("format") != PROVENANCE_FORMAT:
        raise ValueError(
            f"{str(path)!r} is not a statkit provenance file (format "
            f"{record.get('format') if isinstance(record, dict) else None!r}, expected "
            f"{PROVENANCE_FORMAT!r})"
        )
    missing = [k for k in _REQUIRED if k not in record]
    if missing:
        raise ValueError(f"{str(path)!r} lacks the provenance field(s) {', '.join(missing)}")
    return record


# ------------------------------------------------------------------------------- rerun


def _read_values(path, check, random_state, grid):
    """``{(grid_index, rep): value}`` of a result CSV, read only (never modified)."""
    from ._runner import RESUME_COLUMNS

    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].strip() != ",".join(RESUME_COLUMNS):
        raise ValueError(f"{str(path)!r} is not a statkit rate-check CSV file")
    values = {}
    for lineno, line in enumerate(lines[1:], start=2):
        fields = line.strip().split(",")
        if fields == [""]:
            continue
        try:
            name, rs, gi, x, rep, value = fields
            rs, gi, rep, x, value = int(rs), int(gi), int(rep), float(x), float(value)
        except ValueError:
            raise ValueError(f"{str(path)!r} line {lineno} is malformed: {line[:80]!r}") from None
        if name != check or rs != random_state:
            raise ValueError(
                f"{str(path)!r} line {lineno} holds check {name!r} with random_state={rs}, "
                f"but its provenance records {check!r} with random_state={random_state}"
            )
        if not 0 <= gi < len(grid) or x != float(grid[gi]):
            raise ValueError(
                f"{str(path)!r} line {lineno} has x={x!r} at grid index {gi}, not on the "
                f"recorded grid {list(grid)}"
            )
        values.setdefault((gi, rep), value)
    return values


def _flatten(obj, prefix=""):
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(obj, list):
        out = {}
        for i, v in enumerate(obj):
            out.update(_flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: obj}


def _same(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


class RerunReport:
    """Outcome of :func:`rerun`; ``str(report)`` is the text ``statkit rates rerun`` prints.

    Attributes
    ----------
    check : str
    matched : bool
        Every replication value and every fitted number equal the saved ones exactly.
    n_values : int
        Replication values compared.
    n_mismatched, n_missing : int
        Values that differ, and values the rerun made but the file lacks.
    max_abs_diff : float
        Largest absolute difference over the compared values (0.0 when all equal).
    differences : list of (x, rep, saved, rerun)
        The first (up to 5) differing replication values.
    mismatched_numbers : list of (str, saved, rerun)
        Fitted numbers (slope, CI, table cells ...) that differ.
    grid_changed : bool
        The check's current grid differs from the recorded one (another statkit
        version); the rerun used the recorded grid.
    notes : list of str
    result : RateCheckResult or LevelCheckResult
        The rerun's result.
    """

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def __str__(self):
        p = self.provenance
        lines = [
            f"Rerun of {self.check} from {self.source}",
            f"  saved with statkit {p.get('statkit_version')} (git "
            f"{p.get('git_commit') or 'unknown'}{' dirty' if p.get('git_dirty') else ''}), "
            f"random_state={p.get('random_state')}, n_reps={p.get('n_reps')}, "
            f"grid of {len(p.get('grid', []))} points{', quick' if p.get('quick') else ''}",
            *(f"  note: {n}" for n in self.notes),
            f"  replication values: {self.n_values} compared, {self.n_mismatched} differ, "
            f"{self.n_missing} missing from the file; max abs diff {self.max_abs_diff:.3g}",
        ]
        variable = self.result.check.variable
        for x, rep, saved, new in self.differences:
            lines.append(f"  {variable}={x}, replicate {rep}: saved {saved!r}, rerun {new!r}")
        for key, saved, new in self.mismatched_numbers[:10]:
            lines.append(f"  {key}: saved {saved!r}, rerun {new!r}")
        if len(self.mismatched_numbers) > 10:
            lines.append(f"  ... and {len(self.mismatched_numbers) - 10} more fitted numbers")
        lines.append(
            f"  fitted numbers: {len(self.mismatched_numbers)} differ"
            f" (verdict saved {p['result']['verdict']}, rerun {self.result.verdict})"
        )
        lines.append(
            "MATCH: the rerun reproduces the saved numbers exactly"
            if self.matched
            else "MISMATCH: the rerun does not reproduce the saved numbers"
        )
        return "\n".join(lines)

    def __repr__(self):
        return (
            f"RerunReport(check={self.check!r}, matched={self.matched}, "
            f"n_mismatched={self.n_mismatched}, max_abs_diff={self.max_abs_diff:.3g})"
        )


def rerun(path, n_jobs=1, progress=None):
    """Rerun a saved check result from its provenance and compare the numbers.

    Parameters
    ----------
    path : str or path-like
        The result's CSV file (``NAME.csv``, with ``NAME.provenance.json`` beside it) or
        the provenance file itself.
    n_jobs : int, default 1
        Worker processes for the rerun; the numbers do not depend on it.
    progress : bool, optional

    Returns
    -------
    RerunReport

    Raises
    ------
    ValueError
        If the file or its provenance is missing or is not a statkit result.
    KeyError
        If the recorded check is not registered in this statkit.
    """
    from ._registry import get_check

    path = Path(os.fspath(path))
    if not path.is_file():
        raise ValueError(f"no such file: {str(path)!r}")
    if path.name.endswith(".json"):
        prov_file = path
        prov = read_provenance(path)
        if "data_file" not in prov:
            raise ValueError(f"{str(path)!r} names no data file (data_file)")
        csv_file = path.parent / prov["data_file"]
        if not csv_file.is_file():
            raise ValueError(f"the data file {str(csv_file)!r} named by {str(path)!r} is missing")
    else:
        csv_file = path
        prov_file = provenance_path(path)
        if not prov_file.is_file():
            raise ValueError(
                f"{str(path)!r} has no provenance file {str(prov_file)!r} beside it (it is "
                "written by `statkit rates run --out DIR` and RateCheck.run(out=...)); "
                "cannot tell how the numbers were made"
            )
        prov = read_provenance(prov_file)
    check = get_check(prov["check"])
    grid = tuple(prov["grid"])
    current = check.quick_grid if prov["quick"] else check.grid
    notes = []
    grid_changed = tuple(float(x) for x in current) != tuple(float(x) for x in grid)
    if grid_changed:
        notes.append(
            f"the {'quick ' if prov['quick'] else ''}grid of {check.name!r} changed since the "
            f"file was written (statkit {prov.get('statkit_version')}: {list(grid)}; now "
            f"statkit {_version()}: {list(current)}); rerunning on the recorded grid"
        )
    saved = _read_values(csv_file, check.name, prov["random_state"], grid)
    # the recorded grid, whatever the check's current default; seeds depend only on
    # (random_state, grid_index, rep), so this regenerates exactly the saved replications
    replay = copy.copy(check)
    replay.grid = replay.quick_grid = grid
    result = replay.run(
        n_reps=prov["n_reps"],
        random_state=prov["random_state"],
        n_jobs=n_jobs,
        quick=False,
        out=None,
        progress=progress,
    )
    n_mismatched = n_missing = 0
    max_abs = 0.0
    differences = []
    for gi, rep, value in zip(
        result.data["grid_index"], result.data["rep"], result.data["value"], strict=True
    ):
        old = saved.get((int(gi), int(rep)))
        if old is None:
            n_missing += 1
            continue
        if old != value:
            n_mismatched += 1
            max_abs = max(max_abs, abs(old - float(value)))
            if len(differences) < 5:
                differences.append((grid[int(gi)], int(rep), old, float(value)))
    extra = sum(1 for (_, rep) in saved if rep >= prov["n_reps"])
    if extra:
        notes.append(f"{extra} values beyond n_reps={prov['n_reps']} in the file were ignored")
    old_numbers = _flatten(prov.get("result", {}))
    new_numbers = _flatten(json.loads(json.dumps(result_numbers(result))))
    mismatched = [
        (k, old_numbers.get(k), new_numbers.get(k))
        for k in sorted(set(old_numbers) | set(new_numbers))
        if not _same(old_numbers.get(k), new_numbers.get(k))
    ]
    if prov.get("statkit_version") != _version():
        notes.append(f"saved with statkit {prov.get('statkit_version')}, rerun with {_version()}")
    return RerunReport(
        check=check.name,
        source=str(csv_file),
        provenance_file=str(prov_file),
        provenance=prov,
        matched=n_mismatched == 0 and n_missing == 0 and not mismatched,
        n_values=len(result.data),
        n_mismatched=n_mismatched,
        n_missing=n_missing,
        max_abs_diff=max_abs,
        mismatched_numbers=mismatched,
        differences=differences,
        grid_changed=grid_changed,
        notes=notes,
        result=result,
    )


def _version():
    import statkit

    return statkit.__version__
