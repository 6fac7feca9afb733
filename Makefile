# One command sets up and runs the main job (make demo: staff's side; make office: the security
# office's server with a synthetic institution); one sets up and runs the tests (make test).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo office test lint typecheck pytest rules-test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/lurewatch check --message examples/approach.txt --profile examples/profile.json
	$(VENV)/bin/lurewatch check --message examples/recruiter.txt
	$(VENV)/bin/lurewatch scan examples/export
	$(VENV)/bin/lurewatch scan examples/export --format html --output lurewatch-report.html
	@echo "Wrote lurewatch-report.html: open it in a browser."
	$(VENV)/bin/lurewatch hunt --indicators examples/alert.json examples/export

# The security office's server on a SQLite file holding a synthetic institution; prints the URL
# and the demo accounts' passwords (they work only in demo mode). Stop it with Ctrl-C.
office: setup
	$(VENV)/bin/lurewatch serve --demo --database-url sqlite:///lurewatch-demo.db

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: setup
	$(VENV)/bin/mypy

rules-test: setup
	$(VENV)/bin/lurewatch rules test

pytest: setup
	$(VENV)/bin/pytest

test: lint typecheck rules-test pytest

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
