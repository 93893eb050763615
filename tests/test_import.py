"""Import-time contract of the top-level package.

``import statkit`` must be fast (< 1 s, measured inside a fresh interpreter), must not
import torch or numba, and subpackages load lazily on first attribute access.
"""

import importlib
import importlib.metadata
import json
import subprocess
import sys

import pytest
from packaging.version import InvalidVersion, Version

import statkit


def _run_fresh(code):
    """Run ``code`` in a fresh interpreter and return the JSON it prints last."""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_is_fast_and_light():
    code = (
        "import sys, time, json\n"
        "t0 = time.perf_counter()\n"
        "import statkit\n"
        "elapsed = time.perf_counter() - t0\n"
        "print(json.dumps({'elapsed': elapsed,\n"
        "                  'torch': 'torch' in sys.modules,\n"
        "                  'numba': 'numba' in sys.modules,\n"
        "                  'file': statkit.__file__}))\n"
    )
    res = _run_fresh(code)
    assert res["file"] == statkit.__file__  # the subprocess imported this checkout
    # an explicit requirement of the import-time issue, not a benchmark
    assert res["elapsed"] < 1.0, f"import statkit took {res['elapsed']:.3f} s"
    assert not res["torch"], "import statkit imported torch"
    assert not res["numba"], "import statkit imported numba"


def test_backend_and_utils_do_not_import_torch():
    code = (
        "import sys, json\n"
        "import statkit._backend, statkit.utils, statkit._testing.backends\n"
        "print(json.dumps({'torch': 'torch' in sys.modules}))\n"
    )
    assert _run_fresh(code) == {"torch": False}


def test_version_is_pep440_and_matches_metadata():
    v = statkit.__version__
    assert isinstance(v, str)
    try:
        parsed = Version(v)
    except InvalidVersion:  # pragma: no cover - the assertion message is the point
        pytest.fail(f"__version__ {v!r} is not PEP 440")
    assert str(parsed) == v, "__version__ should be in normalised form"
    assert importlib.metadata.version("statkit") == v


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        statkit.no_such_thing  # noqa: B018
    assert not hasattr(statkit, "definitely_not_a_subpackage")
    assert getattr(statkit, "nope", None) is None
    with pytest.raises(ImportError):
        from statkit import no_such_thing  # noqa: F401


def test_dir_lists_subpackages_and_version():
    names = dir(statkit)
    assert "__version__" in names
    for sub in statkit._SUBPACKAGES:
        assert sub in names
    assert set(statkit._SUBPACKAGES) <= set(statkit.__all__)


def test_planned_subpackages_are_the_documented_ones():
    assert set(statkit._SUBPACKAGES) >= {
        "bandits",
        "datasets",
        "llm",
        "mmd",
        "privacy",
        "rl",
        "simulation",
        "tensor",
        "utils",
    }


@pytest.mark.parametrize("name", statkit._SUBPACKAGES)
def test_every_planned_subpackage_imports(name):
    mod = importlib.import_module(f"statkit.{name}")
    assert mod.__name__ == f"statkit.{name}"
    # lazy attribute access returns the very same module object
    assert getattr(statkit, name) is mod
    assert sys.modules[f"statkit.{name}"] is mod


def test_subpackages_load_lazily():
    code = (
        "import sys, json\n"
        "import statkit\n"
        "before = sorted(m for m in sys.modules if m.startswith('statkit.'))\n"
        "statkit.utils\n"
        "after = 'statkit.utils' in sys.modules\n"
        "print(json.dumps({'before': before, 'after': after}))\n"
    )
    res = _run_fresh(code)
    assert res["before"] == []
    assert res["after"] is True
