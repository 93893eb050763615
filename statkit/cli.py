"""The ``statkit`` command.

::

    statkit --version
    statkit rates list
    statkit rates run NAME [--quick] [--reps R] [--jobs J] [--scheduler ADDR]
                           [--out DIR] [--seed S] [--no-progress]
    statkit rates rerun FILE [--jobs J] [--no-progress]
    statkit cite [NAME ...] [--keys]

Heavy modules (numpy, pandas, statsmodels, matplotlib, the check modules) are imported
inside the commands only, so that ``statkit --version`` and ``statkit --help`` are fast.
"""

import argparse
import sys

__all__ = ["main"]

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

_RUN_EPILOG = """\
exit status:
  0  the check passed (PASS)
  1  the check failed (FAIL): the predicted exponent lies outside the confidence
     interval of the fitted slope (or, for a level check, the target outside an interval)
  2  usage error: unknown check, bad argument, or an out file that belongs to another
     check, seed or grid

With --out DIR the run writes DIR/NAME.csv (one line per replication, appended as they
finish), DIR/NAME.png (the plot), DIR/NAME.txt (the summary) and DIR/NAME.provenance.json
(versions, git commit, seed, grid, wall time and the fitted numbers; `statkit rates rerun
DIR/NAME.csv` regenerates the result from it and compares). Rerunning with the same
--out reuses the replications already in DIR/NAME.csv (matched by seed, grid index and
grid value), so an interrupted run resumes and a full run reuses a quick run's work where
their grids agree; a file written with another --seed or another grid is refused (exit 2),
never mixed: give such runs different --out directories.
"""


class _Parser(argparse.ArgumentParser):
    """Argument parser whose errors are one line: ``statkit: error: ...``."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"statkit: error: {message}\n")


def _int_at_least(minimum, what):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
        return value

    parse.__name__ = what
    return parse


def _jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a nonzero integer, got {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError("expected a nonzero integer (-1: all cores), got 0")
    return value


def _build_parser():
    from statkit import __version__

    parser = _Parser(
        prog="statkit",
        description="Estimators and Monte Carlo rate checks for statistical-theory papers.",
    )
    parser.add_argument("--version", action="version", version=f"statkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    rates = commands.add_parser(
        "rates",
        help="list, run and rerun the rate checks",
        description="List and run the Monte Carlo checks of the papers' rate claims.",
    )
    rates_commands = rates.add_subparsers(dest="rates_command", metavar="COMMAND")
    rates_commands.add_parser(
        "list",
        help="list the registered checks",
        description="List the registered checks: name, predicted exponent or target, claim.",
    )
    run = rates_commands.add_parser(
        "run",
        help="run one check and print its summary",
        description="Run one check, print its summary table and exit 0 on PASS, 1 on FAIL.",
        epilog=_RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("name", metavar="NAME", help="the check's name (see `statkit rates list`)")
    run.add_argument(
        "--quick", action="store_true", help="the quick variant (smaller grid, fewer replicates)"
    )
    run.add_argument(
        "--reps",
        type=_int_at_least(2, "an integer >= 2"),
        metavar="R",
        help="replicates per grid point (default: the check's)",
    )
    run.add_argument(
        "--jobs",
        type=_jobs,
        default=1,
        metavar="J",
        help="local worker processes, -1 for all cores (default: 1)",
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="run on a Dask cluster, e.g. tcp://host:8786 (needs statkit[dask])",
    )
    run.add_argument(
        "--out",
        metavar="DIR",
        help="write NAME.csv, NAME.png, NAME.txt and NAME.provenance.json to DIR (resumable)",
    )
    run.add_argument(
        "--seed",
        type=_int_at_least(0, "a non-negative integer"),
        default=0,
        metavar="S",
        help="root random seed (default: 0)",
    )
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    rerun = rates_commands.add_parser(
        "rerun",
        help="rerun a saved result from its provenance and compare the numbers",
        description=(
            "Rerun the check recorded in FILE (NAME.csv written by `rates run --out`, or\n"
            "its NAME.provenance.json) with the recorded seed, grid and replicates, and\n"
            "compare every replication value and fitted number with the saved ones exactly."
        ),
        epilog=_RERUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rerun.add_argument("file", metavar="FILE", help="NAME.csv or NAME.provenance.json")
    rerun.add_argument(
        "--jobs",
        type=_jobs,
        default=1,
        metavar="J",
        help="local worker processes, -1 for all cores (default: 1; the numbers do not depend "
        "on it)",
    )
    rerun.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    cite = commands.add_parser(
        "cite",
        help="print the BibTeX of the papers behind estimators, functions or checks",
        description=(
            "Print the BibTeX entries of the papers that the named objects implement, "
            "followed by statkit's own entry. With no NAME, statkit's entry only."
        ),
    )
    cite.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="a check name (see `statkit rates list`) or a public name such as "
        "statkit.bandits.MatrixCompletionBandit, bandits.MatrixCompletionBandit or "
        "MatrixCompletionBandit",
    )
    cite.add_argument("--keys", action="store_true", help="print the citation keys only")
    return parser, rates


_RERUN_EPILOG = """\
exit status:
  0  every replication value and the fitted numbers equal the saved ones exactly
  1  some value differs (the report gives how many and the largest absolute difference)
  2  usage error: no such file, no provenance next to the CSV, unknown check
"""


def _error(message):
    print(f"statkit: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _one_line(exc):
    return " ".join(str(exc).split()) or type(exc).__name__


def _rates_list():
    from statkit.simulation import LevelCheck, list_checks

    rows = []
    for check in list_checks():
        if isinstance(check, LevelCheck):
            predicted = f"level {check.target:g}"
        elif getattr(check, "model", "power") == "offset-power":
            predicted = f"theta {check.predicted_exponent:g} in a + b x^theta"
        else:
            predicted = f"slope {check.predicted_exponent:g}"
        rows.append((check.name, predicted, check.claim))
    headers = ("NAME", "PREDICTED", "CLAIM")
    widths = [
        max(len(h), *(len(r[j]) for r in rows)) if rows else len(h) for j, h in enumerate(headers)
    ]
    for row in (headers, *rows):
        print(
            "  ".join(cell.ljust(w) for cell, w in zip(row[:2], widths[:2], strict=True))
            + "  "
            + row[2]
        )
    return EXIT_PASS


def _rates_run(args):
    from pathlib import Path

    from statkit.simulation import get_check

    try:
        check = get_check(args.name)
    except KeyError as exc:
        return _error(_one_line(exc))

    out_dir = csv_path = None
    if args.out is not None:
        out_dir = Path(args.out)
        if out_dir.exists() and not out_dir.is_dir():
            return _error(f"--out {args.out!r} exists and is not a directory")
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return _error(f"cannot create --out directory {args.out!r}: {exc.strerror or exc}")
        csv_path = out_dir / f"{check.name}.csv"

    try:
        result = check.run(
            n_reps=args.reps,
            random_state=args.seed,
            n_jobs=args.jobs,
            scheduler=args.scheduler,
            quick=args.quick,
            out=csv_path,
            progress=False if args.no_progress else None,
        )
    except KeyboardInterrupt:
        hint = f"; rerun with --out {args.out} to resume" if args.out is not None else ""
        print(f"statkit: interrupted{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ValueError, TypeError, ImportError, OSError) as exc:
        return _error(_one_line(exc))

    summary = str(result.summary())
    print(summary)
    if out_dir is not None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(6.4, 4.8))
        result.plot(ax=fig.subplots())
        fig.tight_layout()
        fig.savefig(out_dir / f"{check.name}.png", dpi=120)
        (out_dir / f"{check.name}.txt").write_text(summary + "\n", encoding="utf-8")
        print(
            f"\nwrote {csv_path}, {out_dir / (check.name + '.png')}, "
            f"{out_dir / (check.name + '.txt')}, {out_dir / (check.name + '.provenance.json')}"
        )
    return EXIT_PASS if result.passed else EXIT_FAIL


def _rates_rerun(args):
    from statkit.simulation._provenance import rerun

    try:
        report = rerun(args.file, n_jobs=args.jobs, progress=False if args.no_progress else None)
    except KeyboardInterrupt:
        print("statkit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (KeyError, ValueError, TypeError, ImportError, OSError) as exc:
        return _error(_one_line(exc))
    print(report)
    return EXIT_PASS if report.matched else EXIT_FAIL


def _cite(args):
    from statkit._citations import cite

    try:
        text = cite(*args.names, format="keys" if args.keys else "bibtex")
    except ValueError as exc:
        return _error(_one_line(exc))
    print("\n".join(text) if args.keys else text, end="" if not args.keys else "\n")
    return EXIT_PASS


def main(argv=None):
    """Run the ``statkit`` command and return its exit status.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success (``rates run``: the check passed), 1 when ``rates run``'s check
        failed, 2 on a usage error (reported on one ``statkit: error: ...`` line).
    """
    parser, rates = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.command == "cite":
        return _cite(args)
    if args.rates_command is None:
        rates.print_help(sys.stderr)
        return EXIT_USAGE
    if args.rates_command == "list":
        return _rates_list()
    if args.rates_command == "rerun":
        return _rates_rerun(args)
    return _rates_run(args)


if __name__ == "__main__":
    sys.exit(main())
