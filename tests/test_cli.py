"""The ``statkit`` command, called in-process through ``main(argv)``."""

import subprocess
import sys

import pytest

import statkit
from statkit.cli import main


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"statkit {statkit.__version__}"


def test_version_imports_nothing_heavy():
    code = (
        "import sys; from statkit.cli import main; main(['--version']); "
        "heavy = {'numpy', 'pandas', 'statsmodels', 'matplotlib', 'scipy', 'torch'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("[]")


def test_help_documents_exit_codes(capsys):
    assert main(["rates", "run", "--help"]) == 0
    out = capsys.readouterr().out
    assert "exit status" in out and "1  the check failed" in out


def test_rates_list(capsys):
    assert main(["rates", "list"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["NAME", "PREDICTED", "CLAIM"]
    line = next(line for line in out.splitlines() if line.startswith("clt-sample-mean"))
    assert "slope -0.5" in line and "n^-1/2" in line


def test_rates_run_quick_writes_files_and_passes(tmp_path, capsys):
    out = tmp_path / "results"
    code = main(["rates", "run", "clt-sample-mean", "--quick", "--out", str(out), "--no-progress"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "PASS" in printed and "Fitted slope" in printed
    for suffix in ("csv", "png", "txt"):
        assert (out / f"clt-sample-mean.{suffix}").stat().st_size > 0
    assert "PASS" in (out / "clt-sample-mean.txt").read_text()
    assert (out / "clt-sample-mean.png").read_bytes()[:4] == b"\x89PNG"
    csv_lines = (out / "clt-sample-mean.csv").read_text().splitlines()
    assert csv_lines[0] == "check,random_state,grid_index,x,rep,value"
    assert len(csv_lines) == 1 + 7 * 50
    # a rerun reuses the file and prints the same table
    assert (
        main(["rates", "run", "clt-sample-mean", "--quick", "--out", str(out), "--no-progress"])
        == 0
    )
    assert "350 reused from file" in capsys.readouterr().out


def test_rates_run_without_out_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(
        [
            "rates",
            "run",
            "clt-sample-mean",
            "--quick",
            "--reps",
            "10",
            "--no-progress",
            "--seed",
            "1",
        ]
    ) in (0, 1)
    assert "Verdict" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


def test_rates_run_fail_exits_1(monkeypatch, capsys):
    from statkit.simulation import RateCheck, _registry

    def power_law(x, rng):
        return float(x**-1.0 * (1.1 + 0.1 * rng.random()))

    check = RateCheck("zz-cli-fail", power_law, [1, 2, 4, 8], -0.5, n_reps=5)
    monkeypatch.setitem(_registry._REGISTRY, check.name, check)
    assert main(["rates", "run", "zz-cli-fail", "--no-progress"]) == 1
    assert "FAIL" in capsys.readouterr().out


def _assert_one_line_error(capsys, *fragments):
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("statkit: error: ")
    assert "Traceback" not in captured.err + captured.out
    for fragment in fragments:
        assert fragment in err


def test_unknown_check_exits_2(capsys):
    assert main(["rates", "run", "no-such-check"]) == 2
    _assert_one_line_error(capsys, "no-such-check", "clt-sample-mean")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--reps", "-3"], "--reps"),
        (["--reps", "1"], "--reps"),
        (["--reps", "many"], "--reps"),
        (["--jobs", "0"], "--jobs"),
        (["--seed", "-1"], "--seed"),
        (["--bogus"], "--bogus"),
    ],
)
def test_bad_arguments_exit_2(capsys, args, fragment):
    assert main(["rates", "run", "clt-sample-mean", *args]) == 2
    _assert_one_line_error(capsys, fragment)


def test_run_validation_error_exits_2(tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    (out / "clt-sample-mean.csv").write_text("somebody else's data\n")
    assert main(["rates", "run", "clt-sample-mean", "--quick", "--out", str(out)]) == 2
    _assert_one_line_error(capsys, "not a statkit rate-check file")
    assert (out / "clt-sample-mean.csv").read_text() == "somebody else's data\n"


def test_out_that_is_a_file_exits_2(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["rates", "run", "clt-sample-mean", "--quick", "--out", str(target)]) == 2
    _assert_one_line_error(capsys, "not a directory")


def test_missing_command_exits_2(capsys):
    assert main([]) == 2
    assert main(["rates"]) == 2


def test_console_script_entry_point():
    out = subprocess.run(
        [sys.executable, "-m", "statkit.cli", "rates", "run", "nope"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert out.stderr.startswith("statkit: error: ") and "Traceback" not in out.stderr
