"""``statkit cite`` and ``statkit rates rerun``, called in-process through ``main(argv)``.

Oracles: BibTeX parsed by the parser of tests/test_citation.py (written independently of
the registry); values the test itself writes into a saved result (tampering).
"""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from statkit.cli import main

# the BibTeX parser of tests/test_citation.py, loaded by path (tests/ is not a package)
_spec = importlib.util.spec_from_file_location(
    "_citation_tests", Path(__file__).with_name("test_citation.py")
)
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
parse_bibtex = _module.parse_bibtex


def test_cite_two_estimators_and_a_rate_check(capsys):
    code = main(["cite", "statkit.bandits.MatrixCompletionBandit", "FLoSTCompletion", "cvar-ucb-k"])
    out = capsys.readouterr().out
    assert code == 0
    entries = parse_bibtex(out)
    assert [k for _, k, _ in entries] == [
        "DuanLiXia2024",
        "Li2025",
        "JainMekaDhillon2010",
        "WangKallusSun2023",
        "statkit",
    ]
    eprints = {k: f.get("eprint") for _, k, f in entries}
    assert eprints["DuanLiXia2024"] == "2404.17398"
    assert eprints["Li2025"] == "2505.11261"
    assert eprints["WangKallusSun2023"] == "2302.03201"


def test_cite_keys_and_no_name(capsys):
    assert main(["cite", "--keys", "mmd-weighted-s1"]) == 0
    assert capsys.readouterr().out.split() == ["Bharti2023", "statkit"]
    assert main(["cite"]) == 0
    assert [k for _, k, _ in parse_bibtex(capsys.readouterr().out)] == ["statkit"]


def test_cite_unknown_name_is_a_one_line_error(capsys):
    assert main(["cite", "MatrixCompletionBandits"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("statkit: error: ")
    assert "'MatrixCompletionBandits'" in err and "MatrixCompletionBandit'" in err


def test_rates_rerun_matches_then_detects_tampering(tmp_path, capsys):
    out = tmp_path / "res"
    argv = ["rates", "run", "clt-sample-mean", "--quick", "--seed", "7", "--out", str(out)]
    assert main([*argv, "--no-progress"]) == 0
    assert "clt-sample-mean.provenance.json" in capsys.readouterr().out
    csv = out / "clt-sample-mean.csv"
    side = out / "clt-sample-mean.provenance.json"
    assert json.loads(side.read_text())["random_state"] == 7

    assert main(["rates", "rerun", str(csv), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "350 compared, 0 differ" in text and text.rstrip().splitlines()[-1].startswith("MATCH")
    assert main(["rates", "rerun", str(side), "--no-progress", "--jobs", "2"]) == 0
    capsys.readouterr()

    lines = csv.read_text().splitlines()
    fields = lines[-1].split(",")
    fields[-1] = repr(float(fields[-1]) * 2)
    lines[-1] = ",".join(fields)
    csv.write_text("\n".join(lines) + "\n")
    assert main(["rates", "rerun", str(csv), "--no-progress"]) == 1
    text = capsys.readouterr().out
    assert "1 differ" in text and "MISMATCH" in text


def test_rates_rerun_usage_errors(tmp_path, capsys):
    assert main(["rates", "rerun", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "x.csv").write_text("check,random_state,grid_index,x,rep,value\n")
    assert main(["rates", "rerun", str(tmp_path / "x.csv")]) == 2
    assert "no provenance file" in capsys.readouterr().err
    side = tmp_path / "y.provenance.json"
    record = {"format": "statkit-provenance/1", "check": "gone", "data_file": "x.csv"}
    side.write_text(json.dumps(record))
    assert main(["rates", "rerun", str(side)]) == 2
    assert "lacks the provenance field(s) random_state, grid" in capsys.readouterr().err
    record.update(random_state=0, grid=[1, 2], quick=False, n_reps=2, result={})
    side.write_text(json.dumps(record))
    assert main(["rates", "rerun", str(side)]) == 2
    assert "no rate check named 'gone'" in capsys.readouterr().err


def test_cite_help_lists_the_command():
    out = subprocess.run(
        [sys.executable, "-m", "statkit.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "cite" in out
