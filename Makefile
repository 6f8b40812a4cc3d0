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

# Timings of the heavy paths (import, day view, feeds) on a festival of realistic size.
# BENCH_DATABASE_URL=postgresql+psycopg://... runs it on PostgreSQL.
bench: $(STAMP)
	$(BIN)/python -m tests.benchmark

clean-venv:
	rm -rf $(VENV)
