"""Running the replications of a check: seeding, scheduling and the resume file.

Every replication is an independent task ``(grid_index, x, rep)``. Its random
numbers come from ``SeedSequence(random_state, spawn_key=(grid_index, rep))``, so a
task computes the same number wherever and whenever it runs: in this process, in a
joblib worker or on a Dask worker, first or last, in a first run or after a resume.
"""

import contextlib
import math
import os
from functools import partial
from pathlib import Path

import numpy as np

__all__ = [
    "RESUME_COLUMNS",
    "ResumeFile",
    "SimulationError",
    "execute",
    "replicate_rng",
    "run_replicate",
]

#: Columns of the resume file and of ``result.data``, in this order.
RESUME_COLUMNS = ("check", "random_state", "grid_index", "x", "rep", "value")
_HEADER = ",".join(RESUME_COLUMNS)


class SimulationError(RuntimeError):
    """A check's ``simulate`` raised; the message names the grid value and replicate."""


def replicate_rng(random_state, grid_index, rep):
    """Generator of replicate ``rep`` at grid index ``grid_index``.

    ``SeedSequence(random_state, spawn_key=(grid_index, rep))`` is, by construction of
    :meth:`numpy.random.SeedSequence.spawn`, the same sequence as
    ``SeedSequence(random_state).spawn(n_grid)[grid_index].spawn(n_reps)[rep]`` for any
    ``n_grid > grid_index`` and ``n_reps > rep``.
    """
    return np.random.default_rng(np.random.SeedSequence(random_state, spawn_key=(grid_index, rep)))


def _where(variable, x, grid_index, rep):
    return f"{variable}={x!r} (grid index {grid_index}), replicate {rep}"


def _as_value(raw, where, bounds):
    if raw is None or isinstance(raw, (str, bytes)):
        raise TypeError(f"simulate must return a real number, got {type(raw).__name__} at {where}")
    if np.iscomplexobj(raw):
        raise TypeError(f"simulate must return a real number, got a complex value at {where}")
    try:
        arr = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"simulate must return a real number, got {type(raw).__name__} at {where}"
        ) from exc
    if arr.size != 1:
        raise TypeError(
            f"simulate must return a single real number, got an array of shape {arr.shape} "
            f"at {where}"
        )
    value = float(arr.reshape(()))
    if not math.isfinite(value):
        raise ValueError(f"simulate returned {value} at {where}; values must be finite")
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        raise ValueError(
            f"simulate returned {value} at {where}; values must lie in [{bounds[0]}, {bounds[1]}]"
        )
    return value


def run_replicate(simulate, random_state, variable, bounds, grid_index, x, rep):
    """Run one replication and return ``(grid_index, rep, value)``.

    Exceptions raised by ``simulate`` come back as :class:`SimulationError`; a
    non-finite value (or one outside ``bounds``) as :class:`ValueError`; both name
    the grid value and the replicate.
    """
    rng = replicate_rng(random_state, grid_index, rep)
    try:
        raw = simulate(x, rng)
    except Exception as exc:
        raise SimulationError(
            f"simulate raised {type(exc).__name__} at {_where(variable, x, grid_index, rep)}: {exc}"
        ) from exc
    return grid_index, rep, _as_value(raw, _where(variable, x, grid_index, rep), bounds)


# --------------------------------------------------------------------------- executors


def _serial(task, todo):
    for grid_index, x, rep in todo:
        yield task(grid_index, x, rep)


def _joblib(task, todo, n_jobs):
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    gen = parallel(delayed(task)(grid_index, x, rep) for grid_index, x, rep in todo)
    try:
        yield from gen
    finally:
        gen.close()


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - distributed is a test dependency
        raise ImportError(
            "scheduler= needs dask.distributed, which is not installed; install it with "
            "`pip install 'statkit[dask]'`"
        ) from exc
    return distributed


def _dask(task, todo, scheduler):
    distributed = _import_distributed()
    if isinstance(scheduler, str):
        client = distributed.Client(scheduler, set_as_default=False)
        owned = True
    elif isinstance(scheduler, distributed.Client):
        client = scheduler
        owned = False
    else:
        raise TypeError(
            "scheduler must be None, a Dask scheduler address such as 'tcp://host:8786' or "
            f"a distributed.Client; got {type(scheduler).__name__}"
        )
    futures = []
    try:
        grid_indices, xs, reps = zip(*todo, strict=True)
        futures = client.map(task, grid_indices, xs, reps, pure=False)
        for future in distributed.as_completed(futures, loop=client.loop):
            yield future.result()
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            with contextlib.suppress(Exception):
                client.cancel(pending)
        if owned:
            client.close()


def execute(
    todo,
    *,
    simulate,
    random_state,
    variable,
    bounds,
    n_jobs,
    scheduler,
    progress,
    desc,
    total,
    initial,
    on_result,
):
    """Run the tasks ``todo`` (a list of ``(grid_index, x, rep)``), calling
    ``on_result(grid_index, rep, value)`` in the order they finish."""
    from tqdm.auto import tqdm

    task = partial(run_replicate, simulate, random_state, variable, bounds)
    if scheduler is not None:
        results = _dask(task, todo, scheduler)
    elif n_jobs == 1:
        results = _serial(task, todo)
    else:
        results = _joblib(task, todo, n_jobs)
    bar = tqdm(
        total=total,
        initial=initial,
        desc=desc,
        unit="rep",
        disable=None if progress is None else not progress,
        dynamic_ncols=True,
    )
    try:
        for grid_index, rep, value in results:
            on_result(grid_index, rep, value)
            bar.update(1)
    finally:
        results.close()
        bar.close()


# -------------------------------------------------------------------------- resume file


def format_x(x):
    """Grid value as written to the file: integers without a decimal point."""
    return str(int(x)) if isinstance(x, (int, np.integer)) else repr(float(x))


def format_row(check, random_state, grid_index, x, rep, value):
    """One line of the resume file; ``repr(float)`` round-trips exactly."""
    return (
        f"{check},{int(random_state)},{int(grid_index)},{format_x(x)},{int(rep)},{float(value)!r}\n"
    )


def write_rows(path, rows):
    """Write a complete file (header and ``rows`` of :data:`RESUME_COLUMNS` values)."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(_HEADER + "\n")
        for row in rows:
            f.write(format_row(*row))


class ResumeFile:
    """The CSV file a run appends to, one line per finished replication.

    Parameters
    ----------
    path : str or path-like
    check : str
        Name of the check; every row of an existing file must carry it.
    random_state : int
        Every row of an existing file must carry it.
    grid : sequence
        Grid of this run; every row's ``x`` must equal ``grid[grid_index]``.
    """

    def __init__(self, path, check, random_state, grid):
        self.path = Path(os.fspath(path))
        self.check = check
        self.random_state = random_state
        self.grid = tuple(grid)
        self._file = None
        self._needs_header = True

    def _foreign(self, why):
        return ValueError(
            f"out={str(self.path)!r} {why}; refusing to reuse or overwrite it: pass another "
            "out (or delete the file to start afresh)"
        )

    def load(self):
        """Validate an existing file and return ``{(grid_index, rep): value}``.

        A last line without its newline (an interrupted write) is dropped and cut off
        the file, so that appending continues on a clean line.
        """
        if not self.path.exists():
            return {}
        if self.path.is_dir():
            raise ValueError(f"out={str(self.path)!r} is a directory; pass a file path")
        content = self.path.read_bytes()
        complete = content.rfind(b"\n") + 1
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            # a partial multi-byte character can only sit in the incomplete last line
            try:
                text = content[:complete].decode("utf-8")
            except UnicodeDecodeError:
                raise self._foreign("is not a statkit rate-check file (not UTF-8)") from None
        lines = text.split("\n")
        partial_line = lines.pop()  # "" when the file ends with a newline
        if not lines:  # no complete line: at most a partial header
            if partial_line and not _HEADER.startswith(partial_line):
                raise self._foreign("is not a statkit rate-check file")
            self._cut(complete, len(content))
            return {}
        if lines[0].rstrip("\r") != _HEADER:
            raise self._foreign(
                f"is not a statkit rate-check file (header {lines[0][:80]!r}, expected {_HEADER!r})"
            )
        values = {}
        for lineno, line in enumerate(lines[1:], start=2):
            line = line.rstrip("\r")
            if not line:
                continue
            grid_index, rep, value = self._parse(line, lineno)
            values.setdefault((grid_index, rep), value)
        self._cut(complete, len(content))
        self._needs_header = False
        return values

    def _cut(self, complete, size):
        if complete < size:
            with open(self.path, "r+b") as f:
                f.truncate(complete)
        if complete == 0:
            self._needs_header = True

    def _parse(self, line, lineno):
        fields = line.split(",")
        where = f"line {lineno}"
        if len(fields) != len(RESUME_COLUMNS):
            raise self._foreign(f"has a malformed {where}: {line[:80]!r}")
        check, random_state, grid_index, x, rep, value = fields
        if check != self.check:
            raise self._foreign(f"holds results of check {check!r} ({where}), not {self.check!r}")
        try:
            random_state, grid_index, rep = int(random_state), int(grid_index), int(rep)
            x, value = float(x), float(value)
        except ValueError:
            raise self._foreign(f"has a malformed {where}: {line[:80]!r}") from None
        if random_state != self.random_state:
            raise self._foreign(
                f"holds results for random_state={random_state} ({where}), not {self.random_state}"
            )
        if not 0 <= grid_index < len(self.grid) or x != float(self.grid[grid_index]):
            raise self._foreign(
                f"was written with another grid ({where}: grid index {grid_index} has x={x!r}; "
                f"this run's grid is {list(self.grid)}), e.g. by a quick run and this is a "
                "full one or the other way round"
            )
        if rep < 0 or not math.isfinite(value):
            raise self._foreign(f"has a malformed {where}: {line[:80]!r}")
        return grid_index, rep, value

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a", encoding="utf-8", newline="")
        if self._needs_header:
            self._file.write(_HEADER + "\n")
            self._file.flush()
            self._needs_header = False
        return self

    def append(self, grid_index, rep, value):
        """Append one row and flush it to the operating system."""
        x = self.grid[grid_index]
        self._file.write(format_row(self.check, self.random_state, grid_index, x, rep, value))
        self._file.flush()

    def __exit__(self, *exc_info):
        self._file.close()
        self._file = None
