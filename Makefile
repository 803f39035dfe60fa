# Developer shortcuts. Every target is one plain command (shown when it runs); CONTRIBUTING.md explains
# the lanes. Set-up: python -m venv .venv && . .venv/bin/activate && pip install -e '.[test,dev]'
PYTHON ?= python
PYTEST := $(PYTHON) -m pytest
# every test target runs in parallel over the machine's cores (`-n auto --dist loadfile` in pyproject.toml's
# addopts, pytest-xdist); XDIST=-n0 runs in one process, XDIST="-n 4" on four workers
XDIST ?=
# format-check: the Python files added since this branch left $(BASE) (existing files are not mass-reformatted)
BASE ?= main
BENCH_ARGS ?= --quick

# this checkout's code, not another installed copy (also for the server subprocesses the tests start)
export PYTHONPATH := $(CURDIR)$(if $(PYTHONPATH),:$(PYTHONPATH))

.PHONY: help fast test slow browser reference lint typecheck format-check check bench

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

fast:  ## all tests but the slow and browser ones (under 2 minutes on 2 cores)
	$(PYTEST) -q -m "not slow and not browser" $(XDIST)

test:  ## the whole suite, as the README and CI run it
	$(PYTEST) -q $(XDIST)

slow:  ## only the slow tests that need no browser (fuzzing, real server processes)
	$(PYTEST) -q -m "slow and not browser" $(XDIST)

browser:  ## only the headless-Chromium tests (Debian's /usr/bin/chromium via Playwright)
	$(PYTEST) -q -m browser $(XDIST)

reference:  ## only the tests that read the real files in ../shared/reference
	$(PYTEST) -q -m reference $(XDIST)

lint:  ## ruff check (rules in pyproject.toml)
	$(PYTHON) -m ruff check .

typecheck:  ## mypy on ingest/ and dashboard/ (settings in pyproject.toml)
	$(PYTHON) -m mypy

format-check:  ## ruff format --check on the Python files added since $(BASE)
	@files="$$(git diff --name-only --diff-filter=A "$$(git merge-base $(BASE) HEAD)" -- '*.py'; git ls-files --others --exclude-standard -- '*.py')"; \
	if [ -z "$$files" ]; then echo "no new Python files since $(BASE)"; \
	else echo $(PYTHON) -m ruff format --check --diff $$files; $(PYTHON) -m ruff format --check --diff $$files; fi

check: lint typecheck fast  ## what to run before pushing

bench:  ## the benchmarks (BENCH_ARGS=--quick by default; BENCH_ARGS= for the full ~10-minute run)
	$(PYTHON) -m bench.run $(BENCH_ARGS)
