# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-clock test-at install migrate seed test-sqlite test-postgres bench messages clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	FLASK_APP=wsgi.py $(PY) -m flask db upgrade

seed: migrate
	FLASK_APP=wsgi.py $(PY) -m flask seed demo

# Starts the fake WeChat server and the service; Ctrl-C stops both.
run: seed
	$(PY) -m scripts.run_demo

# The whole suite on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set.
test: test-sqlite
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; fi

test-sqlite: $(STAMP)
	env -u TEST_DATABASE_URL $(PY) -m pytest -q -p no:cacheprovider tests

test-postgres: $(STAMP)
	@test -n "$$TEST_DATABASE_URL" || (echo "set TEST_DATABASE_URL"; exit 2)
	@echo "== again on $$TEST_DATABASE_URL"
	$(PY) -m pytest -q -p no:cacheprovider tests

# The whole suite again with the clock at 23:30 and at 00:30 Beijing time (UTC is still on
# the day before at 00:30): a test that reads the machine's date instead of the service's
# fails here whatever hour it runs at. SQLite only; both hours at once, each with its own
# Redis database. .ci/run runs the same two passes (pytest with TEST_CLOCK, written out there).
test-clock: $(STAMP)
	@logs=$$(mktemp -d); \
	$(MAKE) --no-print-directory test-at AT=23:30 REDIS_DB=13 >$$logs/a 2>&1 & a=$$!; \
	$(MAKE) --no-print-directory test-at AT=00:30 REDIS_DB=14 >$$logs/b 2>&1 & b=$$!; \
	status=0; wait $$a || status=1; wait $$b || status=1; \
	cat $$logs/a $$logs/b | grep -E "^== |passed|failed|Error" ; \
	[ $$status = 0 ] || tail -n 60 $$logs/a $$logs/b; rm -rf $$logs; exit $$status

# One clock pass: `make test-at AT=00:30`, or `TEST_CLOCK=00:30 make test-at` (REDIS_DB keeps
# parallel passes apart).
AT ?= $(TEST_CLOCK)
test-at: $(STAMP)
	@test -n "$(AT)" || (echo "set AT=HH:MM (Beijing time)"; exit 2)
	@echo "== with the clock at $(AT) Beijing time"
	TEST_CLOCK=$(AT) TEST_REDIS_URL=redis://127.0.0.1:6379/$(or $(REDIS_DB),13) \
	  env -u TEST_DATABASE_URL $(PY) -m pytest -q -p no:cacheprovider tests

# Generates the synthetic dataset on first use (BENCH_PERSONS, default 1,000,000), then loads
# the service and the bare baseline with wrk; see BENCHMARKS.md.
bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) -m bench.run

messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -o translations/messages.pot .

clean:
	rm -rf $(VENV) instance/*.db instance/audit-checkpoints.jsonl
