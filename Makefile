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

.PHONY: install report test clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[all,test]"
	touch $(STAMP)

report: $(STAMP)
	$(PY) -m validation --out $(REPORT_DIR)

# Two pytest workers on two cores: one thread each, or torch's and OpenBLAS's spinning
# threads oversubscribe the machine (the suite ran 6x slower and notebooks timed out).
test: $(STAMP)
	$(VENV)/bin/lint-imports
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n 2 --nbmake --doctest-modules tests notebooks sciml solvers tensor_formats validation $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(REPORT_DIR) .pytest_cache
