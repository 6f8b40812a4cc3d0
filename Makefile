# Everything a fresh machine needs: `make run` and `make test` create the environment themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format bench install clean-venv

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The worker (publishing scheduled pieces) runs in the background, the dev server in the
# foreground, in one shell: Ctrl-C, or the server stopping for any reason, stops the worker too
# (the EXIT trap), and make returns only once the worker has finished its round and exited.
run: $(STAMP)
	$(FLASK) db upgrade
	$(FLASK) demo-data --if-empty
	worker=; trap '[ -z "$$worker" ] || { kill $$worker 2>/dev/null; wait $$worker; }' EXIT; \
	trap 'exit 130' INT; trap 'exit 143' TERM; trap 'exit 129' HUP; \
	$(FLASK) worker & worker=$$!; \
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# One test process per core (pytest-xdist); PYTEST_ARGS adds options, e.g. PYTEST_ARGS='-n 0 -x'.
TEST_WORKERS ?= auto
test: lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The desk-scale benchmark (issue 14): builds or reuses the bench database, times every page
# and feed in-process, loads some over HTTP (gunicorn + wrk), prints the table and puts it on
# top of bench/RESULTS.md. DATABASE_URL=postgresql+psycopg://... runs it on PostgreSQL;
# BENCH_ARGS='--quick' (or --no-load, --only KEYS) for a shorter run. wrk is Debian's package,
# installed here when missing (as .ci/run installs chromium); without it the HTTP part says so.
BENCH_ARGS ?=
bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "== installing wrk (Debian package)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q wrk >/dev/null 2>&1 \
	    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q wrk >/dev/null 2>&1; } \
	    || echo "== wrk could not be installed: the HTTP load part will not run"; }
	$(BIN)/python -m bench $(BENCH_ARGS)

clean-venv:
	rm -rf $(VENV)
