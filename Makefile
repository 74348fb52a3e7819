# The two commands a new user needs: `make run` serves, `make test` runs every check and test.
# Both create .venv from the lock file when needed (uv is installed into .tools/ if missing):
# `make run` only what serving needs, `make test` (and `make bench`) the development tools too.

UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PYTHON ?= python3
BIN := .venv/bin

.PHONY: run test check lint typecheck imports structure migrations-check pytest pytest-sqlite pytest-postgres bench screenshots clean

run: .venv/.synced-run
	$(BIN)/attune serve

test: check pytest

check: lint typecheck imports migrations-check

lint: .venv/.synced
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/ruff check src tests bench scripts

typecheck: .venv/.synced
	$(BIN)/mypy

# The import layers of docs/architecture.md, "Import rules" (contracts in pyproject.toml).
imports: .venv/.synced
	$(BIN)/lint-imports

# How the code is shaped (import cycles between packages, long modules and functions, ...):
# a report, not a check.
structure: .venv/.synced
	$(BIN)/python scripts/structure_report.py

# Models and migrations agree: upgrade a scratch database to head, then `alembic check`.
migrations-check: .venv/.synced
	@rm -rf var/migrations-check && mkdir -p var/migrations-check
	ATTUNE_DATABASE_URL=sqlite+aiosqlite:///var/migrations-check/check.db $(BIN)/alembic upgrade head
	ATTUNE_DATABASE_URL=sqlite+aiosqlite:///var/migrations-check/check.db $(BIN)/alembic check

# The suite on SQLite, then the same suite on PostgreSQL when ATTUNE_TEST_DATABASE_URL is set.
pytest: pytest-sqlite pytest-postgres

pytest-sqlite: .venv/.synced
	env -u ATTUNE_TEST_DATABASE_URL $(BIN)/pytest -q

pytest-postgres: .venv/.synced
	@if [ -n "$$ATTUNE_TEST_DATABASE_URL" ]; then \
		echo "== the same suite on PostgreSQL"; $(BIN)/pytest -q; \
	else \
		echo "== ATTUNE_TEST_DATABASE_URL is not set: PostgreSQL run skipped (.ci/run sets it)"; \
	fi

# Benchmarks (bench/README.md): not part of `make test`. `make bench BENCH_ARGS=--quick` for a
# short run; results in bench/results/.
bench: .venv/.synced
	$(BIN)/python -m bench $(BENCH_ARGS)

# The README's pictures of the pages: every main page of a practice in the middle of its week,
# at 1280 and 375 px, taken in Chromium by tests/web/test_tour.py into docs/screenshots/.
screenshots: .venv/.synced
	ATTUNE_WRITE_SCREENSHOTS=1 $(BIN)/pytest -q tests/web/test_tour.py

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked
	@touch $@ .venv/.synced-run

# The runtime dependencies alone; --inexact keeps the development tools of an earlier `make test`.
.venv/.synced-run: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --no-dev --inexact
	@touch $@

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
