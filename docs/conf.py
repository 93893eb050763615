"""Sphinx configuration for the statkit documentation.

Build with ``make docs`` (warnings are errors, gallery scripts are not run) or
``make docs-full`` (runs every gallery script and embeds its figures). The machine
that builds the docs needs no network access: no intersphinx, no remote theme.
"""

import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Import the checkout being documented, even when it is not installed.
sys.path.insert(0, str(ROOT))
# The gallery scripts draw figures; never open a window while building.
os.environ.setdefault("MPLBACKEND", "Agg")

import statkit

# -- Project information -----------------------------------------------------

project = "statkit"
author = "The statkit developers"
copyright = "The statkit developers"
release = statkit.__version__
version = ".".join(release.split(".")[:2])

# -- General configuration ---------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
nitpicky = False
default_role = "py:obj"
pygments_style = "sphinx"

# -- autodoc / autosummary ---------------------------------------------------

autosummary_generate = True
# Start from an empty docs/generated/ (git-ignored): autosummary never deletes the page of
# a name that left the API, and a stale page would fail the -W build as an orphan.
shutil.rmtree(HERE / "generated", ignore_errors=True)
autosummary_imported_members = False
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"  # numpydoc "Parameters" sections carry the types

# -- numpydoc ----------------------------------------------------------------

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False
# Docstring style is enforced by review and ruff, not by the docs build: with -W a
# numpydoc validation message would fail the build.
numpydoc_validation_checks = set()

# -- myst (Markdown pages such as benchmarks.md) -----------------------------

myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]

# -- sphinx-gallery ----------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": "plot_",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    # The Makefile's `docs` target passes -D plot_gallery=0; `docs-full` runs them.
    "plot_gallery": "True",
    "abort_on_example_error": True,
    "show_memory": False,
    "min_reported_time": 1,
}

# -- HTML --------------------------------------------------------------------

html_theme = "alabaster"
html_title = f"statkit {release}"
html_static_path = []
html_theme_options = {
    "description": "Estimators and Monte Carlo rate checks for statistical-theory papers",
    "fixed_sidebar": True,
    "show_related": False,
    "sidebar_collapse": True,
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}
html_show_sourcelink = False

# -- Generated snippets ------------------------------------------------------
# Texts that must match the code are produced from the code at build time, into
# docs/generated/ (git-ignored): the CLI help (api.rst) and a sample summary of a
# rate check (user_guide/simulation.rst).


def _cli_help(argv):
    import contextlib
    import io

    from statkit.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        main(argv)
    return buf.getvalue().rstrip() + "\n"


def _write_generated(app):
    out = HERE / "generated"
    out.mkdir(exist_ok=True)
    columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "88"  # argparse wraps the help text to the terminal width
    try:
        parts = []
        for argv in (
            ["--help"],
            ["rates", "--help"],
            ["rates", "list", "--help"],
            ["rates", "run", "--help"],
            ["rates", "rerun", "--help"],
            ["cite", "--help"],
        ):
            parts.append(f"$ statkit {' '.join(argv)}\n{_cli_help(argv)}")
    finally:
        if columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = columns
    (out / "cli_help.txt").write_text("\n".join(parts), encoding="utf-8")

    from statkit.simulation import get_check

    result = get_check("clt-sample-mean").run(quick=True, random_state=0, progress=False)
    (out / "clt_summary.txt").write_text(str(result.summary()) + "\n", encoding="utf-8")


def setup(app):
    app.connect("builder-inited", _write_generated)
