# Two commands do all set-up on a fresh machine (see README.md):
#   make report   create .venv if missing, install, run the validation report
#   make test     create .venv if missing, install, check the import layers (lint-imports),
#                 run the test suite (notebooks included)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
REPORT_DIR ?= validation-report
PYTEST_ARGS ?=

.PHONY: install report test clean docs docs-fast docs-deps

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[all,test,docs]"
	touch $(STAMP)

report: $(STAMP)
	$(PY) -m validation --out $(REPORT_DIR)

# Two pytest workers on two cores: one thread each, or torch's and OpenBLAS's spinning
# threads oversubscribe the machine (the suite ran 6x slower and notebooks timed out).
test: $(STAMP) docs-deps
	$(VENV)/bin/lint-imports
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n 2 --nbmake --doctest-modules tests notebooks sciml solvers tensor_formats validation $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(REPORT_DIR) .pytest_cache docs/_build docs/api/generated

# The documentation site (docs/). `make docs`: every notebook executed, every warning an error.
# `make docs-fast` (what tests/test_docs.py builds): only the cheap notebooks executed.
DOCS_OUT ?= docs/_build/html
docs: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 SCIML_DOCS_EXECUTE=all $(VENV)/bin/sphinx-build -W --keep-going -b html docs $(DOCS_OUT)

docs-fast: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 SCIML_DOCS_EXECUTE=fast $(VENV)/bin/sphinx-build -W --keep-going -b html docs $(DOCS_OUT)

# The browser test (tests/test_docs.py) drives Debian's chromium with its chromedriver; no tool
# downloads a browser. Installed here when missing and we are root; otherwise say so (the test skips).
docs-deps:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "docs-deps: installing chromium and chromium-driver with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "docs-deps: chromium/chromium-driver missing and not root (or no apt-get): the browser test of the docs will skip"; fi
