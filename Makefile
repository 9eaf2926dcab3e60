# Tanggap: `make up` runs the whole system on this machine, `make test` runs every check.
# Needs only python3 (>= 3.11) and make; uv is bootstrapped into .tools/ when it is not on PATH.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.PHONY: help install up test browser lint typecheck fmt clean reset bench bench-services eval eval-drafts

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
VENV := .venv
# Prefer the bootstrapped uv, then one on PATH; `install` bootstraps when neither exists.
UV ?= $(shell if [ -x $(TOOLS)/bin/uv ]; then echo $(TOOLS)/bin/uv; else command -v uv 2>/dev/null || true; fi)
STATE_DIR := $(or $(TANGGAP_STATE_DIR),.tanggap)
MYPY_PATHS := shared/src $(sort $(wildcard services/*/src)) deploy/runner/src
PYTEST_ARGS ?= -p no:randomly

help: ## show this help
	@echo "Tanggap — make targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo "Settings for 'make up' (environment): TANGGAP_HTTP_PORT (8080), TANGGAP_BROKER_URL"
	@echo "  (nats://127.0.0.1:4222), TANGGAP_STATE_DIR (.tanggap); see deploy/env.example"

install: ## create .venv with every package pinned in uv.lock (bootstraps uv if needed)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Tanggap needs Python >= 3.11, found " + sys.version.split()[0])'
	@uv="$(UV)"; \
	if [ -z "$$uv" ]; then \
		echo "==> no uv found: installing uv $(UV_VERSION) into $(TOOLS)/"; \
		$(PYTHON) -m venv $(TOOLS); \
		$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) 2>&1 \
			| { grep -v '^WARNING: Location .* is ignored' || true; }; \
		uv=$(TOOLS)/bin/uv; \
	fi; \
	echo "==> uv sync --frozen ($$($$uv --version))"; \
	UV_PYTHON_DOWNLOADS=never $$uv sync --frozen --quiet --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')"

up: install ## run NATS and the four services here; Ctrl-C stops them, the data stays
	@echo "==> starting Tanggap (python -m tanggap_runner up)"
	@$(VENV)/bin/python -m tanggap_runner up

browser: ## make sure Debian's chromium is there for the browser tests (Playwright drives it)
	@if command -v chromium >/dev/null 2>&1; then echo "==> chromium: $$(command -v chromium)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "==> installing Debian's chromium for the browser tests (apt-get, a minute or two)"; \
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
			&& echo "==> chromium: $$(command -v chromium)"; \
	else echo "==> no chromium and no way to install it here (needs root and apt-get): browser tests will be skipped"; fi

test: install lint typecheck browser ## lint, type-check and run the whole test suite
	@echo "==> pytest $(PYTEST_ARGS)"
	@$(VENV)/bin/pytest $(PYTEST_ARGS)

eval: install ## classification accuracy (labelled cases) and library retrieval recall
	@echo "==> python -m tanggap_classifier.eval"
	@$(VENV)/bin/python -m tanggap_classifier.eval
	@echo "==> python -m tanggap_classifier.reading_eval"
	@$(VENV)/bin/python -m tanggap_classifier.reading_eval
	@echo "==> python -m tanggap_drafter.eval"
	@$(VENV)/bin/python -m tanggap_drafter.eval

eval-drafts: install ## template drafts on the real-news set (70% / 30%): sections, length, facts carried, precedents, inventions
	@echo "==> python -m tanggap_runner.eval_drafts (about a minute; --verbose lists every miss)"
	@$(VENV)/bin/python -m tanggap_runner.eval_drafts

bench-services: install ## per-service benchmarks: classifications/s, library query latency at 10,000 items
	@$(VENV)/bin/python -m tanggap_classifier.bench
	@$(VENV)/bin/python -m tanggap_drafter.bench

bench: install ## benchmark the embedded system (time to alert, throughput); BENCH="1000@100 3000@500"
	@echo "==> python -m tanggap_runner.bench $(BENCH) (results in artifacts/bench/)"
	@$(VENV)/bin/python -m tanggap_runner.bench $(BENCH) --out artifacts/bench

lint: install ## ruff check and ruff format --check
	@echo "==> ruff check"
	@$(VENV)/bin/ruff check .
	@echo "==> ruff format --check"
	@$(VENV)/bin/ruff format --check .

typecheck: install ## mypy (strict) over every src folder
	@echo "==> mypy $(MYPY_PATHS)"
	@$(VENV)/bin/mypy $(MYPY_PATHS)

fmt: install ## format the code and apply ruff's safe fixes
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

clean: ## remove .venv, .tools and caches (keeps the data)
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +

reset: ## delete the local data (TANGGAP_STATE_DIR, default .tanggap); stop `make up` first
	@if [ ! -e "$(STATE_DIR)" ]; then echo "==> nothing to delete: $(STATE_DIR) does not exist"; \
	elif command -v flock >/dev/null && [ -f "$(STATE_DIR)/runner.lock" ] && ! flock -n "$(STATE_DIR)/runner.lock" true; then \
		echo "refusing to delete $(STATE_DIR): a Tanggap is running on it (stop it with Ctrl-C first)" >&2; exit 1; \
	elif [ -f "$(STATE_DIR)/.tanggap-state" ]; then rm -rf -- "$(STATE_DIR)" && echo "==> deleted $(STATE_DIR)"; \
	else echo "refusing to delete $(STATE_DIR): it has no .tanggap-state marker, so Tanggap did not create it" >&2; exit 1; fi
