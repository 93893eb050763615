"""Run every gallery script (``examples/**/plot_*.py``) as a test.

``make docs`` builds the gallery without executing it (``-D plot_gallery=0``), so
this is where the examples are checked. Each script runs in a fresh interpreter, in a
temporary working directory (anything it writes is thrown away), with the
non-interactive matplotlib backend. Scripts are meant to finish in seconds; the
timeout only catches a hang.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = ROOT / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("**/plot_*.py"))
TIMEOUT_S = 120


def test_examples_found():
    assert EXAMPLES, f"no gallery scripts found under {EXAMPLES_DIR}"


@pytest.mark.parametrize(
    "script", EXAMPLES, ids=[p.relative_to(EXAMPLES_DIR).as_posix() for p in EXAMPLES]
)
def test_example_runs(script, tmp_path):
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    try:
        proc = subprocess.run(
            [sys.executable, str(script)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{script.name} did not finish within {TIMEOUT_S} s\n{exc.stderr or ''}")
    assert proc.returncode == 0, (
        f"{script.name} exited with {proc.returncode}\n"
        f"--- stdout ---\n{proc.stdout[-5000:]}\n--- stderr ---\n{proc.stderr[-10000:]}"
    )
