# statkit: the two Quick-start commands (`make demo`, `make test`) install into .venv themselves.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# The CPU build of torch; a bare `pip install torch` would pull a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0

.PHONY: demo test lint pytest docs docs-full bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamps re-run the install whenever pyproject.toml changes.
$(VENV)/.core-installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PIP) install --quiet "$(TORCH_SPEC)"
	$(PIP) install --quiet -e ".[test]"
	touch $@ $(VENV)/.core-installed

demo: $(VENV)/.core-installed
	$(VENV)/bin/statkit rates run mmd-u-statistic --quick --out demo_output

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check statkit tests examples benchmarks docs/conf.py
	$(VENV)/bin/ruff format --check statkit tests examples benchmarks docs/conf.py

# pytest exits 5 when it collected nothing: that is a failure here, not a pass.
pytest: $(VENV)/.test-installed
	MPLBACKEND=Agg $(PY) -m pytest -m "not slow and not gpu" $(PYTEST_ARGS); \
	rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

# Docs build with warnings as errors; the gallery scripts are run by tests/test_examples.py.
docs: $(VENV)/.test-installed
	MPLBACKEND=Agg $(VENV)/bin/sphinx-build -W --keep-going -q -b html -D plot_gallery=0 docs docs/_build/html

docs-full: $(VENV)/.test-installed
	MPLBACKEND=Agg $(VENV)/bin/sphinx-build -W --keep-going -q -b html docs docs/_build/html

test: lint pytest docs

bench: $(VENV)/.test-installed
	$(PY) benchmarks/bench_mmd.py

clean:
	rm -rf $(VENV) docs/_build docs/auto_examples docs/generated demo_output
